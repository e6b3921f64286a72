/*
 * rlimits.c - the limits of each process, where the cgroup layer's are the
 * container's: --ulimit NAME=SOFT[:HARD], Docker's flag for the resource
 * limits every process starts with (config.json's process.rlimits: the
 * most open files, nofile; processes per user, nproc; ...), and
 * --oom-score-adj N, how gladly the OOM killer picks it (process.oomScoreAdj).
 * The parent sets them on the container's first process after clone, as
 * host root: inside, a user namespace's root may neither raise a hard limit
 * nor write its oom_score_adj (/proc/PID belongs to host root). `exec`
 * sets them on itself before it forks. Both are inherited across fork and
 * execve.
 *
 * Chapter: 6.1 Capabilities (CAP_SYS_RESOURCE), 4 Control Groups (the others).
 * Man pages: prlimit(2), prlimit(1), proc(5) (/proc/PID/oom_score_adj).
 */
#include "kit.h"
#include "security.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* Docker's names, which are RLIMIT_<NAME> in lower case. */
static const struct { const char *name; int resource; } names[] = {
	{ "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA }, { "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS },
	{ "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS },
	{ "rtprio", RLIMIT_RTPRIO }, { "rttime", RLIMIT_RTTIME },
	{ "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static struct { bool given; struct rlimit limit; } asked[RLIMIT_NLIMITS];
static const char *oom_score_adj;  /* --oom-score-adj, as typed; NULL: the kit's own */

/* The name NAME=... starts with (case does not matter), or -1. */
static int rlimit_resource(const char *name, size_t len)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (strlen(names[i].name) == len && strncasecmp(name, names[i].name, len) == 0)
			return names[i].resource;
	return -1;
}

static const char *name_of(int resource)
{
	for (size_t i = 0; i < NNAMES; i++)
		if (names[i].resource == resource)
			return names[i].name;
	return "?";
}

/* A number, or -1 / "unlimited" for RLIM_INFINITY. */
static int parse_limit(const char *text, size_t len, rlim_t *out)
{
	char copy[32];
	unsigned long long n;

	if (len == 0 || len >= sizeof(copy))
		return -1;
	snprintf(copy, sizeof(copy), "%.*s", (int)len, text);
	if (strcmp(copy, "-1") == 0 || strcmp(copy, "unlimited") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (parse_count(copy, &n) < 0)
		return -1;
	*out = n;
	return 0;
}

/* NAME=SOFT[:HARD]; HARD defaults to SOFT, as in Docker. */
int set_ulimit(const char *value)
{
	const char *equals = strchr(value, '='), *colon;
	int resource = equals ? rlimit_resource(value, (size_t)(equals - value)) : -1;
	struct rlimit limit;

	if (resource < 0)
		return fail("security", "--ulimit %s: expected NAME=SOFT[:HARD], NAME one of as, core, "
			    "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, "
			    "rtprio, rttime, sigpending, stack", value);
	colon = strchr(equals + 1, ':');
	if (parse_limit(equals + 1, colon ? (size_t)(colon - equals - 1) : strlen(equals + 1),
			&limit.rlim_cur) < 0 ||
	    (colon && parse_limit(colon + 1, strlen(colon + 1), &limit.rlim_max) < 0))
		return fail("security", "--ulimit %s: SOFT and HARD must be numbers (-1: unlimited)",
			    value);
	if (colon == NULL)
		limit.rlim_max = limit.rlim_cur;
	if (limit.rlim_cur > limit.rlim_max)
		return fail("security", "--ulimit %s: the soft limit is above the hard one", value);
	asked[resource].given = true;
	asked[resource].limit = limit;
	return 0;
}

/* -1000 (never) to 1000 (first), as docker run --oom-score-adj. */
int set_oom_score_adj(const char *value)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || end == value || *end != '\0' || n < -1000 || n > 1000)
		return fail("security", "--oom-score-adj %s: must be a number from -1000 to 1000",
			    value);
	oom_score_adj = value;
	return 0;
}

/* The parent, on process pid: the container's first, or exec's own. */
int set_process_limits(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	if (oom_score_adj && write_file("security", path, oom_score_adj) < 0) {
		if (errno == EACCES)
			fail("security", "--oom-score-adj %s: a lower score than the kit's own needs "
			     "CAP_SYS_RESOURCE, which the kit does not have", oom_score_adj);
		return -1;
	}
	for (int r = 0; r < RLIMIT_NLIMITS; r++) {
		if (!asked[r].given)
			continue;
		if (sys("security", prlimit(pid, r, &asked[r].limit, NULL),
			"prlimit(%d, RLIMIT_%s, %llu:%llu)", pid, name_of(r), (unsigned long long)asked[r].limit.rlim_cur,
			(unsigned long long)asked[r].limit.rlim_max) < 0) {
			if (errno == EPERM)
				fail("security", "--ulimit %s: above the kit's own hard limit (or "
				     "/proc/sys/fs/nr_open), which only CAP_SYS_RESOURCE may raise",
				     name_of(r));
			return -1;
		}
	}
	return 0;
}

/* The security layer's after_clone: the parent, as host root, limits the child. */
int limit_child(struct container *c)
{
	return set_process_limits(c->child_pid);
}
