/*
 * subid.c - the rootless path: the subordinate ids /etc/subuid and
 * /etc/subgid grant a user, the setuid helpers newuidmap/newgidmap, the
 * only way a user may map ids that are not their own, and the one
 * distribution policy that leaves a user's namespace powerless (Ubuntu's
 * AppArmor restriction), checked before a rootless run.
 *
 * Chapter: 5.4 "Rootless Containers".
 * Man pages: subuid(5), subgid(5), newuidmap(1), newgidmap(1), dlopen(3),
 *            user_namespaces(7), apparmor(7).
 */
#include "user.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESTRICT_USERNS "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"

/* The first line of a small kernel file, or -1 quietly: a missing one is an answer here. */
static int read_first_line(const char *path, char *buf, size_t size)
{
	if (sys_try("user", read_text(path, buf, size), "read(\"%s\")", path) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Ubuntu 23.10 and later set kernel.apparmor_restrict_unprivileged_userns:
 * an unprivileged program AppArmor does not confine still gets its user
 * namespace, but without a single capability in it, so a rootless run
 * would fail later at a map or a mount with a bare EPERM. A program under
 * a profile that allows "userns," is not restricted: only an unconfined
 * one is refused, before anything exists.
 */
int check_userns_allowed(void)
{
	char restrict_userns[8], label[256] = "";

	if (geteuid() == 0 || read_first_line(RESTRICT_USERNS, restrict_userns,
					      sizeof(restrict_userns)) < 0 ||
	    strcmp(restrict_userns, "0") == 0)
		return 0;
	if (read_first_line("/proc/self/attr/apparmor/current", label, sizeof(label)) < 0 &&
	    read_first_line("/proc/self/attr/current", label, sizeof(label)) < 0)
		label[0] = '\0';  /* no label to read: as good as unconfined */
	if (label[0] != '\0' && strcmp(label, "unconfined") != 0)
		return 0;  /* confined: the profile decides */
	return fail("user", "kernel.apparmor_restrict_unprivileged_userns is %s: AppArmor leaves an "
		    "unconfined program no capabilities in a user namespace, so a rootless run "
		    "cannot work; allow this program alone with an AppArmor profile that has "
		    "\"userns,\" (step05's README) rather than setting the sysctl to 0 for every "
		    "program, or run it as root", restrict_userns);
}

/*
 * make found LIBSUBID_SONAME in the library libsubid-dev links (see the
 * Makefile); without libsubid-dev (Ubuntu 22.04 has none) it is undefined
 * and a rootless run maps the user's own id alone.
 */
#ifdef LIBSUBID_SONAME
#include <shadow/subid.h>

/*
 * libsubid is loaded only by a rootless run, the one that reads /etc/subuid:
 * it pulls in PAM, SELinux, audit and more, which would cost every start
 * 1.4 MB of memory and a millisecond. dlsym() finds the function; the
 * static assertion proves get_ranges_fn is the header's own type, so the
 * compiler still checks the call.
 */
typedef int get_ranges_fn(const char *owner, struct subid_range **ranges);
_Static_assert(__builtin_types_compatible_p(get_ranges_fn, __typeof__(subid_get_uid_ranges)) &&
	       __builtin_types_compatible_p(get_ranges_fn, __typeof__(subid_get_gid_ranges)),
	       "get_ranges_fn is the type <shadow/subid.h> declares");

/* Tried once per run: the uid map and the gid map would each say the same. */
static get_ranges_fn *load_subid(const char *function)
{
	static void *libsubid;  /* kept open: the functions found in it are called later */
	static bool failed;
	void *f = NULL;

	if (libsubid == NULL && !failed) {
		libsubid = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (libsubid)
			trace("user", "dlopen(\"" LIBSUBID_SONAME "\"): loaded");
	}
	if (libsubid != NULL && (f = dlsym(libsubid, function)) != NULL)
		return (get_ranges_fn *)f;
	if (!failed)
		warn("user", "/etc/subuid, /etc/subgid not read (%s): mapping your own id alone; "
		     "install the library the kit was built with (libsubid-dev brings it) or "
		     "rebuild the kit here (make)", dlerror());
	failed = true;
	return NULL;
}

/* The caller's subordinate ids (host ids in sub->outside..), read by libsubid. */
bool subordinate_range(const struct id_map *map, struct id_range *sub)
{
	struct passwd *pw = getpwuid(getuid());
	struct subid_range *ranges = NULL;
	get_ranges_fn *get_ranges;
	int n;

	if (pw == NULL)
		return false;
	get_ranges = load_subid(strcmp(map->kind, "uid") == 0 ? "subid_get_uid_ranges"
							      : "subid_get_gid_ranges");
	if (get_ranges == NULL)
		return false;
	n = get_ranges(pw->pw_name, &ranges);
	for (int i = 0; i < n; i++)
		if (ranges[i].count >= RANGE_SIZE - 1) {
			sub->outside = ranges[i].start;
			sub->count = ranges[i].count;
			free(ranges);
			return true;
		}
	free(ranges);
	return false;
}
#else
bool subordinate_range(const struct id_map *map, struct id_range *sub)
{
	static bool said;  /* once per run, not once per map */

	(void)map, (void)sub;
	if (!said)
		warn("user", "/etc/subuid, /etc/subgid not read: the kit was built without libsubid "
		     "(make found no libsubid.so); mapping your own id alone; install libsubid-dev "
		     "(Debian 12+, Ubuntu 24.04+: make deps), then rebuild (make)");
	said = true;
	return false;
}
#endif

/* A user may map their own id, and with the helpers their range (sub; NULL: none). */
int check_rootless_range(const struct id_map *map, unsigned long own, const struct id_range *sub)
{
	for (int i = 0; i < map->count; i++) {
		const struct id_range *r = &map->ranges[i];
		bool is_own = r->outside == own && r->count == 1;
		bool in_sub = sub && r->outside >= sub->outside &&
			      r->outside + r->count <= sub->outside + sub->count;
		if (!is_own && !in_sub)
			return fail("user", "--%s-map %lu:%lu:%lu: host ids outside your own id %lu and "
				    "your subordinate range in /etc/sub%s", map->kind, r->inside,
				    r->outside, r->count, own, map->kind);
	}
	return 0;
}

/* newuidmap PID INSIDE OUTSIDE COUNT...: the setuid helper checks /etc/subuid for us. */
int run_id_helper(const struct id_map *map, pid_t pid)
{
	const char *program = strcmp(map->kind, "uid") == 0 ? "newuidmap" : "newgidmap";
	char args[MAX_RANGES * 3 + 2][24];
	char *argv[MAX_RANGES * 3 + 4];
	int argc = 0, status;
	pid_t helper;

	argv[argc++] = (char *)program;
	snprintf(args[0], sizeof(args[0]), "%d", pid);
	argv[argc++] = args[0];
	for (int i = 0; i < map->count; i++) {
		const struct id_range *r = &map->ranges[i];
		const unsigned long f[3] = { r->inside, r->outside, r->count };  /* fields are no array */
		for (int j = 0; j < 3; j++) {
			snprintf(args[argc], sizeof(args[0]), "%lu", f[j]);
			argv[argc] = args[argc];
			argc++;
		}
	}
	argv[argc] = NULL;
	helper = fork();
	if (sys("user", helper, "fork() for %s", program) < 0)
		return -1;
	if (helper == 0) {
		execvp(program, argv);
		_exit(127);
	}
	if (sys("user", waitpid(helper, &status, 0), "waitpid(%s)", program) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail("user", "%s %d ...: failed (exit %d); is your range in /etc/sub%s?",
			    program, pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1, map->kind);
	trace("user", "%s %d ... = 0", program, pid);
	return 0;
}
