/*
 * cgroup.c - control groups: limit what the container may use (memory,
 * swap, CPU time, which CPUs, how many processes, disk bandwidth), count
 * what it used, and give it a cgroup namespace, in which its own cgroup is
 * the root ("0::/" in /proc/self/cgroup), so it cannot see the host's tree.
 *
 * Chapter: 3.1 (the v2 tree), 3.2 (mkdir, cgroup.subtree_control,
 *          cgroup.procs, rmdir), 3.3 CPU, 3.4 memory, 3.5 I/O; exercise 2.
 * Man pages: cgroups(7), cgroup_namespaces(7), unshare(2), statfs(2).
 * Kernel docs: Documentation/admin-guide/cgroup-v2.rst; cgroup-v1/ (memory.rst,
 *          cpusets.rst, blkio-controller.rst, pids.rst); scheduler/sched-bwc.rst.
 *
 * Two kinds of hosts, told apart at run time with statfs("/sys/fs/cgroup"):
 *   v2: /sys/fs/cgroup is one cgroup2 tree. A controller works in a cgroup
 *       only if the parent lists it in cgroup.subtree_control.
 *   v1 (or hybrid, with an empty v2 tree at /sys/fs/cgroup/unified): one
 *       tree per controller, /sys/fs/cgroup/<controller>. The container gets
 *       a directory in every tree it uses, and its PID is written into each.
 * Either way the container's cgroup is container-kit/c<PID> (PID as the host
 * sees the container's first process). The kit never writes into a cgroup it
 * did not create, except, on a v2 host that no systemd manages (a test VM),
 * the root's cgroup.subtree_control, to let controllers reach container-kit.
 *
 * The flags are docker run's; what they become (an example of each):
 *   flag                cgroup v2                      cgroup v1
 *   --memory 256m       memory.max 268435456           memory/memory.limit_in_bytes 268435456
 *   --memory-swap 512m  memory.swap.max 268435456      memory/memory.memsw.limit_in_bytes 536870912
 *                       (swap alone)                   (memory + swap); -1: no limit
 *   --cpus 0.25         cpu.max "25000 100000"         cpu/cpu.cfs_period_us 100000
 *                                                      cpu/cpu.cfs_quota_us 25000
 *   --cpu-shares 512    cpu.weight 20                  cpu/cpu.shares 512
 *   --cpuset-cpus 0-1   cpuset.cpus 0-1                cpuset/cpuset.cpus 0-1 (+ cpuset.mems)
 *   --pids-limit 32     pids.max 32                    pids/pids.max 32
 *   --device-write-bps /dev/loop0:1mb (likewise -read-bps, -read-iops, -write-iops)
 *                       io.max "7:0 wbps=1048576"      blkio/blkio.throttle.write_bps_device
 *                       (keys rbps wbps riops wiops)   "7:0 1048576" (read_bps_, ..._iops_device)
 * Without --memory-swap the kernel's default stays: swap is not limited.
 *
 * Phases: before_clone checks the flags against each other and the host
 * (creates nothing); after_clone makes the cgroups, writes the limits and
 * moves the waiting child in; in_child enters a new cgroup namespace;
 * cleanup prints --stats, kills what is left and removes the cgroups.
 */
#include "kit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define KIT_PARENT "container-kit"   /* the kit's own subtree, in every hierarchy */
#define CPU_PERIOD_US 100000         /* docker's --cpus period: 100 ms */
#define UNLIMITED ULLONG_MAX         /* --memory-swap -1, --pids-limit -1 */
#define MAX_DEVICES 8                /* per --device-* flag */

/* --- the controllers ------------------------------------------------------ */

enum controller { MEMORY, CPU, CPUACCT, CPUSET, PIDS, IO, NCONTROLLERS };

static const struct {
	const char *v2;   /* its name in cgroup.controllers; NULL: nothing to enable */
	const char *v1;   /* its v1 hierarchy: /sys/fs/cgroup/<v1> */
	bool for_stats;   /* joined even without a limit, so --stats can count */
} controllers[NCONTROLLERS] = {
	[MEMORY]  = { "memory", "memory",  true },
	[CPU]     = { "cpu",    "cpu",     true },
	[CPUACCT] = { NULL,     "cpuacct", true },   /* v2: cpu.stat is in every cgroup */
	[CPUSET]  = { "cpuset", "cpuset",  false },
	[PIDS]    = { "pids",   "pids",    false },
	[IO]      = { "io",     "blkio",   false },
};

/* --- the limits: one row per file, v2 and v1 side by side -------------------- */

enum limit_id {
	MEMORY_MAX, SWAP_MAX, CPU_PERIOD, CPU_QUOTA, CPU_WEIGHT, CPUSET_CPUS, PIDS_MAX,
	READ_BPS, WRITE_BPS, READ_IOPS, WRITE_IOPS, NLIMITS
};

/* Written in this order: v1 wants memory before memory+swap, period before quota. */
static const struct {
	const char *flag;              /* docker run's flag, without "--" */
	enum controller controller;
	const char *v2_file;           /* NULL: nothing of its own to write on v2 */
	const char *v1_file;
} limits[NLIMITS] = {
	/*                --flag               controller  cgroup v2     cgroup v1 */
	[MEMORY_MAX]  = { "memory",            MEMORY, "memory.max",      "memory.limit_in_bytes" },
	[SWAP_MAX]    = { "memory-swap",       MEMORY, "memory.swap.max", "memory.memsw.limit_in_bytes" },
	[CPU_PERIOD]  = { "cpus",              CPU,    NULL,              "cpu.cfs_period_us" },
	[CPU_QUOTA]   = { "cpus",              CPU,    "cpu.max",         "cpu.cfs_quota_us" },
	[CPU_WEIGHT]  = { "cpu-shares",        CPU,    "cpu.weight",      "cpu.shares" },
	[CPUSET_CPUS] = { "cpuset-cpus",       CPUSET, "cpuset.cpus",     "cpuset.cpus" },
	[PIDS_MAX]    = { "pids-limit",        PIDS,   "pids.max",        "pids.max" },
	[READ_BPS]    = { "device-read-bps",   IO, "io.max", "blkio.throttle.read_bps_device" },
	[WRITE_BPS]   = { "device-write-bps",  IO, "io.max", "blkio.throttle.write_bps_device" },
	[READ_IOPS]   = { "device-read-iops",  IO, "io.max", "blkio.throttle.read_iops_device" },
	[WRITE_IOPS]  = { "device-write-iops", IO, "io.max", "blkio.throttle.write_iops_device" },
};

/* What the flags said. Device limits may repeat (one per device); others: last wins. */
static struct {
	int count;                                /* 0: flag not given */
	unsigned long long number[MAX_DEVICES];   /* bytes, CPU-us, shares, pids, rate */
	dev_t device[MAX_DEVICES];                /* device limits only */
	const char *arg[MAX_DEVICES];             /* as typed, for messages (and the CPU list) */
} values[NLIMITS];

static bool print_stats;

/* --- what before_clone found, what after_clone made ------------------------- */

static bool v2;                           /* else v1: a hierarchy per controller */
static bool used[NCONTROLLERS];           /* the container joins these controllers */
static bool owns_dir[NCONTROLLERS];       /* the first used one of its hierarchy */
static bool created[NCONTROLLERS];        /* its container-kit/<name> exists */
static bool moved;                        /* the child is in its cgroups */
static char name[32];                     /* c<PID> */
static char root_controllers[256], root_subtree[256];   /* v2 root's lists */

/* --- small helpers ---------------------------------------------------------- */

/* Like sys(), for a call whose failure is an answer, not an error: -v only. */
__attribute__((format(printf, 2, 3)))
static long quiet(long result, const char *format, ...)
{
	int saved_errno = errno;
	char call[PATH_MAX + 64];
	va_list ap;

	va_start(ap, format);
	vsnprintf(call, sizeof(call), format, ap);
	va_end(ap);
	if (result == -1)
		trace("cgroup", "%s: %s", call, strerror(saved_errno));
	else
		trace("cgroup", "%s = %ld", call, result);
	errno = saved_errno;
	return result;
}

enum level { HOST_ROOT, KIT, CONTAINER };

/* /sys/fs/cgroup[/<v1 name>][/container-kit[/<name>]][/<file>] */
static void cgroup_path(char *out, enum controller c, enum level level, const char *file)
{
	snprintf(out, PATH_MAX, "%s%s%s%s%s%s%s", CGROUP_ROOT,
		 v2 ? "" : "/", v2 ? "" : controllers[c].v1,
		 level >= KIT ? "/" KIT_PARENT : "", level == CONTAINER ? "/" : "",
		 level == CONTAINER ? name : "", file ? "/" : "");
	if (file)
		strncat(out, file, PATH_MAX - strlen(out) - 1);
}

/* `echo TEXT > PATH`, as the chapter does it: one write(2), traced as such. */
static int write_cgroup_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		int saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	return sys("cgroup", n, "echo \"%s\" > %s", text, path) < 0 ? -1 : 0;
}

/* `cat PATH` into buf, without the last newline. Optional: a failure is traced only. */
static int read_cgroup_file(const char *path, char *buf, size_t size, bool optional)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		int saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	if (n < 0)
		return optional ? quiet(-1, "cat %s", path) : sys("cgroup", -1, "cat %s", path);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	trace("cgroup", "cat %s = \"%.*s%s\"", path, (int)strcspn(buf, "\n"), buf,
	      strchr(buf, '\n') ? "\\n..." : "");
	return 0;
}

/* Whether a space-separated list such as cgroup.controllers holds word. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[len] == '\0' || isspace((unsigned char)p[len])))
			return true;
	return false;
}

/* The number after "key " in a "key value" file (cpu.stat, memory.events). */
static int find_key(const char *text, const char *key, unsigned long long *value)
{
	size_t len = strlen(key);
	const char *line = text;

	while (line) {
		if (strncmp(line, key, len) == 0 && line[len] == ' ') {
			*value = strtoull(line + len + 1, NULL, 10);
			return 0;
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return -1;
}


/* --- parsing the flags ---------------------------------------------------- */

/* Records one value; device limits add a device, the others replace. */
static int remember(enum limit_id id, const char *arg, unsigned long long number, dev_t device)
{
	bool per_device = limits[id].controller == IO;
	int i = per_device ? values[id].count : 0;

	if (i == MAX_DEVICES)
		return fail("cgroup", "--%s: at most %d devices", limits[id].flag, MAX_DEVICES);
	values[id].number[i] = number;
	values[id].device[i] = device;
	values[id].arg[i] = arg;
	values[id].count = i + 1;
	return 0;
}

/* A whole number: digits only (strtoull alone would take " -1" as 2^64-1). */
static int parse_count(const char *text, unsigned long long *n)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*n = strtoull(text, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* docker's sizes: a whole number and a unit b, k, m, g, t, p (powers of 1024),
 * optionally followed by "i" and/or "b": 512k, 1mb, 10M, 2GiB. */
static int parse_size(const char *text, unsigned long long *bytes)
{
	static const char units[] = "bkmgtp";
	const char *unit;
	char *end;
	unsigned long long n;
	int shift = 0;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0' && (unit = strchr(units, tolower((unsigned char)*end)))) {
		shift = 10 * (int)(unit - units);
		end++;
		if (shift > 0 && tolower((unsigned char)*end) == 'i')
			end++;
		if (shift > 0 && tolower((unsigned char)*end) == 'b')
			end++;
	}
	if (*end != '\0' || n > (ULLONG_MAX >> shift))
		return -1;
	*bytes = n << shift;
	return 0;
}

static int bad_size(const char *flag, const char *arg)
{
	return fail("cgroup", "--%s %s: not a size; use a whole number with an optional unit "
		    "b, k, m, g, t (powers of 1024), e.g. 256m", flag, arg);
}

static int set_memory(const char *arg)
{
	unsigned long long bytes;

	if (parse_size(arg, &bytes) < 0)
		return bad_size("memory", arg);
	/* docker's minimum: below it COMMAND is killed before it can start. */
	if (bytes < 6 << 20)
		return fail("cgroup", "--memory %s: below the minimum of 6m", arg);
	return remember(MEMORY_MAX, arg, bytes, 0);
}

static int set_memory_swap(const char *arg)
{
	unsigned long long bytes;

	if (strcmp(arg, "-1") == 0)
		return remember(SWAP_MAX, arg, UNLIMITED, 0);
	if (parse_size(arg, &bytes) < 0)
		return bad_size("memory-swap", arg);
	return remember(SWAP_MAX, arg, bytes, 0);
}

/* --cpus 0.25 = 25 ms of CPU time per 100 ms period, on any number of CPUs. */
static int set_cpus(const char *arg)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	char *end = NULL;
	double cpus;

	/* strtod alone would also take "-1", " 1", "inf", "nan" and "0x1p-2". */
	errno = 0;
	cpus = strspn(arg, "0123456789.") == strlen(arg) ? strtod(arg, &end) : -1;
	if (cpus < 0 || errno != 0 || end == arg || *end != '\0')
		return fail("cgroup", "--cpus %s: not a number of CPUs (e.g. 0.5 or 2)", arg);
	/* 1 ms per period is the kernel's smallest quota. */
	if (cpus < 0.01 || cpus > online)
		return fail("cgroup", "--cpus %s: must be from 0.01 to %ld (the CPUs online)",
			    arg, online);
	remember(CPU_PERIOD, arg, CPU_PERIOD_US, 0);
	return remember(CPU_QUOTA, arg, (unsigned long long)(cpus * CPU_PERIOD_US + 0.5), 0);
}

static int set_cpu_shares(const char *arg)
{
	unsigned long long shares;

	/* v1's range; v2's cpu.weight 1..10000 is computed from it. */
	if (parse_count(arg, &shares) < 0 || shares < 2 || shares > 262144)
		return fail("cgroup", "--cpu-shares %s: must be a number from 2 to 262144 "
			    "(1024 is the default share)", arg);
	return remember(CPU_WEIGHT, arg, shares, 0);
}

/* "0-3,6": numbers and ranges, comma-separated; the kernel checks the CPUs. */
static bool is_cpu_list(const char *s)
{
	for (;;) {
		if (!isdigit((unsigned char)*s))
			return false;
		s += strspn(s, "0123456789");
		if (*s == '-') {
			if (!isdigit((unsigned char)*++s))
				return false;
			s += strspn(s, "0123456789");
		}
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			return false;
	}
}

static int set_cpuset_cpus(const char *arg)
{
	if (!is_cpu_list(arg))
		return fail("cgroup", "--cpuset-cpus %s: not a CPU list (e.g. 0-3,6)", arg);
	return remember(CPUSET_CPUS, arg, 0, 0);
}

static int set_pids_limit(const char *arg)
{
	unsigned long long pids;

	if (strcmp(arg, "-1") == 0)
		return remember(PIDS_MAX, arg, UNLIMITED, 0);
	if (parse_count(arg, &pids) < 0 || pids < 1 || pids > INT_MAX)
		return fail("cgroup", "--pids-limit %s: must be a positive number, or -1 "
			    "for no limit", arg);
	return remember(PIDS_MAX, arg, pids, 0);
}

/* DEV:RATE - DEV a block device, whose major:minor the kernel wants. */
static int set_device_limit(enum limit_id id, const char *arg, bool bytes)
{
	const char *colon = strrchr(arg, ':');
	char device[PATH_MAX];
	unsigned long long rate;
	struct stat st;

	if (!colon || colon == arg || colon - arg >= PATH_MAX)
		return fail("cgroup", "--%s %s: expected DEVICE:%s, e.g. /dev/sda:%s",
			    limits[id].flag, arg, bytes ? "RATE" : "IOPS", bytes ? "1mb" : "100");
	snprintf(device, sizeof(device), "%.*s", (int)(colon - arg), arg);
	if ((bytes ? parse_size(colon + 1, &rate) : parse_count(colon + 1, &rate)) < 0 || rate == 0)
		return fail("cgroup", "--%s %s: %s is not a %s", limits[id].flag, arg, colon + 1,
			    bytes ? "rate such as 1mb, 512k or 10M (per second)" :
				    "positive number of I/O operations per second");
	if (sys("cgroup", stat(device, &st), "stat(\"%s\")", device) < 0 || !S_ISBLK(st.st_mode))
		return fail("cgroup", "--%s %s: %s is not a block device", limits[id].flag,
			    arg, device);
	return remember(id, arg, rate, st.st_rdev);
}

static int set_read_bps(const char *arg) { return set_device_limit(READ_BPS, arg, true); }
static int set_write_bps(const char *arg) { return set_device_limit(WRITE_BPS, arg, true); }
static int set_read_iops(const char *arg) { return set_device_limit(READ_IOPS, arg, false); }
static int set_write_iops(const char *arg) { return set_device_limit(WRITE_IOPS, arg, false); }

static int set_stats(const char *arg)
{
	(void)arg;
	print_stats = true;
	return 0;
}

/* --- before_clone: what the host has, what the flags need -------------------- */

/* The first flag given that needs controller c, or NULL. */
static const char *flag_needing(enum controller c)
{
	for (int id = 0; id < NLIMITS; id++)
		if (limits[id].controller == c && values[id].count > 0)
			return limits[id].flag;
	return NULL;
}

/* Cross-flag rules, as docker's. */
static int check_flags(void)
{
	unsigned long long memory = values[MEMORY_MAX].number[0];
	unsigned long long swap = values[SWAP_MAX].number[0];

	if (values[SWAP_MAX].count == 0)
		return 0;
	if (values[MEMORY_MAX].count == 0)
		return fail("cgroup", "--memory-swap needs --memory (it limits memory plus swap)");
	if (swap != UNLIMITED && swap < memory)
		return fail("cgroup", "--memory-swap %s: must be at least --memory %s (it is "
			    "memory plus swap)", values[SWAP_MAX].arg[0], values[MEMORY_MAX].arg[0]);
	return 0;
}

static int detect_version(void)
{
	struct statfs st;

	if (sys("cgroup", statfs(CGROUP_ROOT, &st), "statfs(\"%s\")", CGROUP_ROOT) < 0)
		return -1;
	v2 = st.f_type == CGROUP2_SUPER_MAGIC;
	trace("cgroup", "%s is %s", CGROUP_ROOT, v2 ? "cgroup2: one hierarchy (v2)" :
	      "not cgroup2: a hierarchy per controller (v1 or hybrid)");
	if (!v2)
		return 0;
	if (read_cgroup_file(CGROUP_ROOT "/cgroup.controllers", root_controllers,
		      sizeof(root_controllers), false) < 0 ||
	    read_cgroup_file(CGROUP_ROOT "/cgroup.subtree_control", root_subtree,
		      sizeof(root_subtree), false) < 0)
		return -1;
	return 0;
}

/* v1: is /sys/fs/cgroup/<controller> a mounted v1 hierarchy? */
static bool v1_mounted(enum controller c)
{
	char dir[PATH_MAX];
	struct statfs st;

	cgroup_path(dir, c, HOST_ROOT, NULL);
	return quiet(statfs(dir, &st), "statfs(\"%s\")", dir) == 0 &&
	       st.f_type == CGROUP_SUPER_MAGIC;
}

/* Why the container cannot join controller c on this host; NULL if it can. */
static const char *unusable(enum controller c)
{
	static char why[256];
	const char *v2_name = controllers[c].v2;
	char dir[PATH_MAX];

	cgroup_path(dir, c, HOST_ROOT, NULL);
	if (v2 ? v2_name && !has_word(root_controllers, v2_name) : !v1_mounted(c))
		return "this host does not have it";
	if (quiet(access(dir, W_OK), "access(\"%s\", W_OK)", dir) < 0)
		return "this user may not create cgroups there (run as root)";
	/* systemd owns a v2 root it manages (init.scope is its PID 1's cgroup):
	 * the kit does not change what it passes down. A test VM has no systemd. */
	if (v2 && v2_name && !has_word(root_subtree, v2_name) &&
	    access(CGROUP_ROOT "/init.scope", F_OK) == 0) {
		snprintf(why, sizeof(why), "systemd manages this host's cgroups and does not "
			 "enable it in %s/cgroup.subtree_control; to allow it: echo +%s > %s/"
			 "cgroup.subtree_control", CGROUP_ROOT, v2_name, CGROUP_ROOT);
		return why;
	}
	return NULL;
}

/* Chooses the controllers: a limit's must work, --stats' are taken if they do. */
static int choose_controllers(void)
{
	for (int c = 0; c < NCONTROLLERS; c++) {
		const char *flag = flag_needing(c), *why;
		char dir[PATH_MAX];

		if (!flag && !controllers[c].for_stats)
			continue;
		why = unusable(c);
		cgroup_path(dir, c, HOST_ROOT, NULL);
		if (why && flag)
			return fail("cgroup", "--%s needs the %s controller (%s): %s", flag,
				    v2 ? controllers[c].v2 : controllers[c].v1, dir, why);
		used[c] = !why;
		if (why)
			trace("cgroup", "not using %s: %s", controllers[c].v1, why);
	}
	return 0;
}

/* One directory per hierarchy: on v2 all controllers share one, on v1 two
 * names may be one hierarchy (cpu -> cpu,cpuacct on systemd hosts). */
static void find_hierarchies(void)
{
	dev_t seen[NCONTROLLERS];
	int nseen = 0;

	for (int c = 0; c < NCONTROLLERS; c++) {
		char dir[PATH_MAX];
		struct stat st;
		bool shared = false;

		if (!used[c])
			continue;
		cgroup_path(dir, c, HOST_ROOT, NULL);
		st.st_dev = 0;
		quiet(stat(dir, &st), "stat(\"%s\")", dir);
		for (int i = 0; i < nseen; i++)
			shared |= seen[i] == st.st_dev;
		owns_dir[c] = !shared;
		seen[nseen++] = st.st_dev;
	}
}

static int check_host(struct container *c)
{
	(void)c;
	if (check_flags() < 0 || detect_version() < 0 || choose_controllers() < 0)
		return -1;
	find_hierarchies();
	return 0;
}

/* --- after_clone: make the cgroups, write the limits, move the child in ---------- */

/* v1 cpuset: a new cgroup has no CPUs and no memory nodes, and a process
 * cannot join it so (ENOSPC). Copies the parent's where they are empty. */
static int copy_cpuset(enum level level)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX], text[256];

		cgroup_path(path, CPUSET, level, files[i]);
		if (read_cgroup_file(path, text, sizeof(text), false) < 0)
			return -1;
		if (text[0] != '\0')
			continue;
		cgroup_path(path, CPUSET, level - 1, files[i]);
		if (read_cgroup_file(path, text, sizeof(text), false) < 0)
			return -1;
		cgroup_path(path, CPUSET, level, files[i]);
		if (write_cgroup_file(path, text) < 0)
			return -1;
	}
	return 0;
}

/* v2: a controller reaches container-kit/<name> only if the root passes it to
 * container-kit and container-kit passes it on (cgroup.subtree_control). */
static int enable_v2_controllers(void)
{
	char path[PATH_MAX], word[32];

	for (int c = 0; c < NCONTROLLERS; c++) {
		if (!used[c] || !controllers[c].v2)
			continue;
		snprintf(word, sizeof(word), "+%s", controllers[c].v2);
		/* unusable() allowed this only where no systemd manages the root. */
		if (!has_word(root_subtree, controllers[c].v2) &&
		    write_cgroup_file(CGROUP_ROOT "/cgroup.subtree_control", word) < 0)
			return -1;
		cgroup_path(path, c, KIT, "cgroup.subtree_control");
		if (write_cgroup_file(path, word) < 0)
			return -1;
	}
	return 0;
}

/*
 * A kit killed by SIGKILL could not remove its cgroup (its container died
 * with it: the cgroup is empty). The next kit does: c<PID> whose PID is gone.
 */
static void remove_stale_cgroups(const char *kit_dir)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir = opendir(kit_dir);
	pid_t pid;

	while (dir && (entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] != 'c' || (pid = (pid_t)atoi(entry->d_name + 1)) <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", kit_dir, entry->d_name) < (int)sizeof(path))
			quiet(rmdir(path), "rmdir(\"%s\") (stale)", path);
	}
	if (dir)
		closedir(dir);
}

static int make_kit_parent(enum controller c)
{
	char dir[PATH_MAX];

	cgroup_path(dir, c, KIT, NULL);
	if (quiet(mkdir(dir, 0755), "mkdir(\"%s\")", dir) < 0 && errno != EEXIST)
		return sys("cgroup", -1, "mkdir(\"%s\")", dir);
	remove_stale_cgroups(dir);
	if (v2)
		return enable_v2_controllers();
	return c == CPUSET ? copy_cpuset(KIT) : 0;
}

static int make_cgroup(enum controller c)
{
	char dir[PATH_MAX];
	int tries = 0, result;

	cgroup_path(dir, c, CONTAINER, NULL);
	do {
		if (make_kit_parent(c) < 0)
			return -1;
		result = mkdir(dir, 0755);
		/* ENOENT: another kit just removed the empty parent; make it again. */
	} while (result < 0 && errno == ENOENT && ++tries < 3);
	if (sys("cgroup", result, "mkdir(\"%s\")", dir) < 0)
		return errno == EEXIST ? fail("cgroup", "%s is left from an earlier run whose kit "
					      "was killed: rmdir it", dir) : -1;
	created[c] = true;
	return !v2 && c == CPUSET ? copy_cpuset(CONTAINER) : 0;
}

/* The text for value i of a limit, as this hierarchy wants it. */
static void format_value(enum limit_id id, int i, char *out, size_t size)
{
	static const char *const io_keys[] = { "rbps", "wbps", "riops", "wiops" };
	unsigned long long n = values[id].number[i];
	dev_t dev = values[id].device[i];

	if (n == UNLIMITED)   /* v1 memsw takes -1, everything else "max" */
		snprintf(out, size, "%s", !v2 && id == SWAP_MAX ? "-1" : "max");
	else if (id == SWAP_MAX && v2)   /* v1: memory+swap, v2: swap alone */
		snprintf(out, size, "%llu", n - values[MEMORY_MAX].number[0]);
	else if (id == CPU_QUOTA && v2)
		snprintf(out, size, "%llu %d", n, CPU_PERIOD_US);
	else if (id == CPU_WEIGHT && v2)   /* as runc maps shares 2..262144 to 1..10000 */
		snprintf(out, size, "%llu", 1 + ((n - 2) * 9999) / 262142);
	else if (id == CPUSET_CPUS)
		snprintf(out, size, "%s", values[id].arg[i]);
	else if (limits[id].controller == IO && v2)
		snprintf(out, size, "%u:%u %s=%llu", major(dev), minor(dev),
			 io_keys[id - READ_BPS], n);
	else if (limits[id].controller == IO)
		snprintf(out, size, "%u:%u %llu", major(dev), minor(dev), n);
	else
		snprintf(out, size, "%llu", n);
}

/* What the kernel's usual refusals mean, for the learner. */
static const char *refusal_hint(enum limit_id id, int error)
{
	if (limits[id].controller == IO && error == ENODEV)
		return " (a partition? device limits apply to whole disks)";
	if (id == CPUSET_CPUS)
		return " (a CPU that is offline or not in the parent's cpuset.effective_cpus?)";
	return "";
}

static int write_limit(enum limit_id id, int i)
{
	/* exercise: write value I of limit ID into its file of the container's cgroup (limits[] names the v2 and the v1 file); name a refusal */
	const char *file = v2 ? limits[id].v2_file : limits[id].v1_file;
	char path[PATH_MAX], text[64];

	if (!file)
		return 0;
	cgroup_path(path, limits[id].controller, CONTAINER, file);
	/* No swap accounting (a kernel option): no such file. docker warns too. */
	if (id == SWAP_MAX && quiet(access(path, F_OK), "access(\"%s\")", path) < 0) {
		fprintf(stderr, "container: [cgroup] warning: --memory-swap ignored: this "
			"kernel does not account swap (no %s)\n", file);
		return 0;
	}
	format_value(id, i, text, sizeof(text));
	if (write_cgroup_file(path, text) == 0)
		return 0;
	return fail("cgroup", "--%s %s: the kernel refused it%s", limits[id].flag,
		    values[id].arg[i], refusal_hint(id, errno));
	/* end exercise */
}

static int write_limits(void)
{
	for (int id = 0; id < NLIMITS; id++)
		for (int i = 0; i < values[id].count; i++)
			if (write_limit(id, i) < 0)
				return -1;
	return 0;
}

/* The child waits on the go pipe meanwhile: it runs nothing before it is in. */
static int create_cgroups(struct container *c)
{
	char path[PATH_MAX], pid[16];

	snprintf(name, sizeof(name), "c%d", (int)c->child_pid);
	for (int i = 0; i < NCONTROLLERS; i++)
		if (owns_dir[i] && make_cgroup(i) < 0)
			return -1;
	if (write_limits() < 0)
		return -1;
	snprintf(pid, sizeof(pid), "%d", (int)c->child_pid);
	for (int i = 0; i < NCONTROLLERS; i++) {
		if (!owns_dir[i])
			continue;
		cgroup_path(path, i, CONTAINER, "cgroup.procs");
		if (write_cgroup_file(path, pid) < 0)
			return -1;
		moved = true;
	}
	return 0;
}

/* --- in_child: the cgroup namespace --------------------------------------- */

/*
 * A new cgroup namespace takes the caller's cgroups, at that moment, as its
 * root. clone(CLONE_NEWCGROUP) would root it where the child was born, in
 * the kit's cgroup - not the container's, which the parent moves the child
 * into only after clone. (clone3's CLONE_INTO_CGROUP avoids that, but on v2
 * only.) So the child unshares here, after the parent's "go", on v1 and v2.
 */
static int enter_cgroup_namespace(struct container *c)
{
	/* exercise: unshare(2) a new cgroup namespace: the container's cgroup becomes its root */
	(void)c;
	return sys("cgroup", unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)") < 0 ? -1 : 0;
	/* end exercise */
}

/* --- cleanup: statistics, leftovers, rmdir ------------------------------------ */

static const struct {
	const char *label, *unit;
	int decimals;
	enum controller controller;   /* v1: whose hierarchy has the file */
	struct source { const char *file, *key; double per_unit; } v2, v1;
} statistics[] = {
	{ "peak memory", "MiB", 1, MEMORY,  { "memory.peak", NULL, 1 << 20 },
					    { "memory.max_usage_in_bytes", NULL, 1 << 20 } },
	{ "cpu time", "s", 3,      CPUACCT, { "cpu.stat", "usage_usec", 1e6 },
					    { "cpuacct.usage", NULL, 1e9 } },
	{ "throttled", "s", 3,     CPU,     { "cpu.stat", "throttled_usec", 1e6 },
					    { "cpu.stat", "throttled_time", 1e9 } },
	{ "oom kills", "", 0,      MEMORY,  { "memory.events", "oom_kill", 1 },
					    { "memory.oom_control", "oom_kill", 1 } },
};

/* Reads one statistic from the container's own cgroup files. */
static int read_statistic(int i, double *value)
{
	const struct source *s = v2 ? &statistics[i].v2 : &statistics[i].v1;
	char path[PATH_MAX], text[1024];
	unsigned long long n;

	if (!used[statistics[i].controller] && !v2)
		return -1;
	cgroup_path(path, statistics[i].controller, CONTAINER, s->file);
	if (read_cgroup_file(path, text, sizeof(text), true) < 0)
		return -1;
	if (s->key ? find_key(text, s->key, &n) < 0 : parse_count(text, &n) < 0)
		return -1;
	*value = n / s->per_unit;
	return 0;
}

static void print_statistics(void)
{
	for (size_t i = 0; i < sizeof(statistics) / sizeof(statistics[0]); i++) {
		const struct source *s = v2 ? &statistics[i].v2 : &statistics[i].v1;
		double value;

		if (read_statistic(i, &value) < 0)
			fprintf(stderr, "[cgroup] stats: %s n/a", statistics[i].label);
		else
			fprintf(stderr, "[cgroup] stats: %s %.*f%s%s", statistics[i].label,
				statistics[i].decimals, value, *statistics[i].unit ? " " : "",
				statistics[i].unit);
		fprintf(stderr, " (%s%s%s)\n", s->file, s->key ? " " : "", s->key ? s->key : "");
	}
}

/* SIGKILLs whatever is left in the container's cgroup. Without a PID
 * namespace, COMMAND's children outlive it; a fork bomb keeps forking. */
static void kill_leftovers(enum controller c)
{
	char path[PATH_MAX], pids[16384], *end;

	/* v2 (5.14+): one write kills all, with no race against new forks. */
	cgroup_path(path, c, CONTAINER, "cgroup.kill");
	if (v2 && access(path, F_OK) == 0) {
		write_cgroup_file(path, "1");
		return;
	}
	/* v1: kill each listed PID; the caller comes back for new ones. */
	cgroup_path(path, c, CONTAINER, "cgroup.procs");
	if (read_cgroup_file(path, pids, sizeof(pids), true) < 0)
		return;
	if (strlen(pids) == sizeof(pids) - 1 && (end = strrchr(pids, '\n')))
		*end = '\0';   /* full buffer: the last PID may be cut; next round */
	for (char *p = pids; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		quiet(kill(pid, SIGKILL), "kill(%ld, SIGKILL)", pid);
	}
}

/* rmdir works on an empty cgroup only; the last process may still be
 * exiting just after waitpid(), so EBUSY is retried for a while. */
static void remove_cgroup(enum controller c)
{
	char dir[PATH_MAX];

	cgroup_path(dir, c, CONTAINER, NULL);
	for (int tries = 0; tries < 200; tries++) {
		if (quiet(rmdir(dir), "rmdir(\"%s\")", dir) == 0) {
			created[c] = false;
			return;
		}
		if (errno != EBUSY)
			break;
		kill_leftovers(c);
		sleep_ms(10);
	}
	sys("cgroup", -1, "rmdir(\"%s\")", dir);
	fail("cgroup", "%s is left behind", dir);
}

static void remove_cgroups(struct container *c)
{
	char dir[PATH_MAX];

	(void)c;
	if (moved && (print_stats || verbose))
		print_statistics();
	for (int i = NCONTROLLERS - 1; i >= 0; i--)
		if (created[i])
			remove_cgroup(i);
	/* container-kit goes too once empty; EBUSY: other containers use it. */
	for (int i = 0; i < NCONTROLLERS && name[0]; i++) {
		if (!owns_dir[i])
			continue;
		cgroup_path(dir, i, KIT, NULL);
		quiet(rmdir(dir), "rmdir(\"%s\")", dir);
	}
	moved = false;
	name[0] = '\0';
}

static const struct layer_option cgroup_options[] = {
	{ "memory", "SIZE", "memory limit, e.g. 256m (units b k m g t)", set_memory },
	{ "memory-swap", "SIZE", "memory plus swap limit; -1: unlimited swap", set_memory_swap },
	{ "cpus", "N", "CPU time, in CPUs, e.g. 0.25 (quota per 100 ms)", set_cpus },
	{ "cpu-shares", "N", "relative CPU weight, 2-262144 (default 1024)", set_cpu_shares },
	{ "cpuset-cpus", "LIST", "CPUs it may run on, e.g. 0-1,3", set_cpuset_cpus },
	{ "pids-limit", "N", "maximum number of processes; -1: unlimited", set_pids_limit },
	{ "device-read-bps", "DEV:RATE", "read bytes/s from block device DEV, e.g. 1mb",
	  set_read_bps },
	{ "device-write-bps", "DEV:RATE", "write bytes/s to DEV (direct I/O on v1)",
	  set_write_bps },
	{ "device-read-iops", "DEV:N", "read operations/s from DEV", set_read_iops },
	{ "device-write-iops", "DEV:N", "write operations/s to DEV", set_write_iops },
	{ "stats", NULL, "print the cgroup's peak memory, CPU time, ... on exit", set_stats },
	{ 0 },
};

const struct layer cgroup_layer = {
	.name = "cgroup",
	.clone_flags = 0,   /* not CLONE_NEWCGROUP: see enter_cgroup_namespace() */
	.options = cgroup_options,
	.before_clone = check_host,
	.after_clone = create_cgroups,
	.in_child = enter_cgroup_namespace,
	.cleanup = remove_cgroups,
};
