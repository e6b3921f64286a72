/*
 * subid.c - the rootless path: the subordinate ids /etc/subuid and
 * /etc/subgid grant a user, and the setuid helpers newuidmap/newgidmap,
 * the only way a user may map ids that are not their own.
 *
 * Chapter: 5.4 "Rootless Containers".
 * Man pages: subuid(5), subgid(5), newuidmap(1), newgidmap(1), dlopen(3),
 *            user_namespaces(7).
 */
#include "user.h"

#include <dlfcn.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static get_ranges_fn *load_subid(const char *function)
{
	static void *libsubid;  /* kept open: the functions found in it are called later */
	void *f;

	if (libsubid == NULL)
		libsubid = dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
	if (libsubid == NULL || (f = dlsym(libsubid, function)) == NULL) {
		fail("user", "cannot read /etc/subuid, /etc/subgid (%s): mapping your own id alone",
		     dlerror());
		return NULL;
	}
	return (get_ranges_fn *)f;
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
