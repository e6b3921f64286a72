/*
 * identity.c - who COMMAND runs as: --user UID[:GID] and --group-add GID.
 * The image's /etc/passwd for a user given without a group, exactly the
 * asked supplementary groups, and what a uid change undoes or reveals;
 * security.c's switch_user() makes the calls that change the user.
 *
 * Chapter: 6.1 Capabilities (root or not), exercise 4 "Hardened Container".
 * Man pages: setgroups(2), setresuid(2), getpwent(3), prctl(2)
 *            (PR_SET_PDEATHSIG).
 */
#include "kit.h"
#include "security.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* "1000" -> 1000; (uid_t)-1 means "unchanged" to setresuid(2), so it is refused. */
static int parse_id(const char *text, unsigned long long *id)
{
	return parse_count(text, id) < 0 || *id >= UINT32_MAX ? -1 : 0;
}

int set_user(const char *value)
{
	char uid_text[32];
	const char *colon = strchr(value, ':');
	size_t len = colon ? (size_t)(colon - value) : strlen(value);
	unsigned long long uid, gid = 0;

	snprintf(uid_text, sizeof(uid_text), "%.*s", (int)len, value);
	if (len >= sizeof(uid_text) || parse_id(uid_text, &uid) < 0 ||
	    (colon && parse_id(colon + 1, &gid) < 0))
		return fail("security", "--user %s: expected UID[:GID], numbers below 4294967295",
			    value);
	security.user_given = true;
	security.group_given = colon != NULL;
	security.uid = uid;
	security.gid = gid;
	return 0;
}

int set_group_add(const char *value)
{
	unsigned long long gid;

	if (parse_id(value, &gid) < 0)
		return fail("security", "--group-add %s: expected a numeric GID", value);
	if (security.group_count == MAX_GROUPS)
		return fail("security", "--group-add: at most %d groups", MAX_GROUPS);
	security.groups[security.group_count++] = gid;
	return 0;
}

/* Docker's rule when only UID is given: its group in the image's /etc/passwd, else 0. */
gid_t default_gid(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	gid_t gid = 0;

	while (f && (pw = fgetpwent(f)) != NULL)
		if (pw->pw_uid == uid) {
			gid = pw->pw_gid;
			break;
		}
	if (f)
		fclose(f);
	return gid;
}

/*
 * Exactly the groups asked for: the host's supplementary groups of whoever
 * ran the kit (docker, disk, ...) would still open host files the container
 * can reach.
 */
int set_groups(void)
{
	if (!setgroups_allowed()) {
		if (security.group_count > 0)
			return fail("security", "--group-add: setgroups(2) is denied in this user "
				    "namespace (a rootless run without newgidmap)");
		trace("security", "setgroups denied here: supplementary groups left as they are");
		return 0;
	}
	return sys("security", setgroups(security.group_count, security.groups),
		   "setgroups(%d groups)", security.group_count) < 0 ? -1 : 0;
}

/*
 * Changing the effective uid clears the parent-death signal (prctl(2)):
 * without re-arming it, a container of a killed kit would live on.
 */
int rearm_parent_death_signal(void)
{
	int sig = 0;

	if (prctl(PR_GET_PDEATHSIG, &sig) < 0 || sig == 0)
		return 0;
	return sys("security", prctl(PR_SET_PDEATHSIG, sig), "prctl(PR_SET_PDEATHSIG, %d)", sig)
	       < 0 ? -1 : 0;
}

/* The image must let COMMAND's user reach its files: say so rather than fail at exec. */
int check_root_searchable(void)
{
	struct stat st;

	if (access("/", X_OK) == 0)
		return 0;
	stat("/", &st);
	return fail("security", "--user %u cannot enter the container's / (mode %04o, owner %u): "
		    "the image's root directory must be searchable by others (chmod 755), as "
		    "Docker images are", (unsigned)security.uid, (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid);
}
