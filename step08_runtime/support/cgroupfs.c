/*
 * cgroupfs.c - the cgroup trees as files: which controllers a limit needs
 * and the file it goes to on v1 and v2, where the trees are on this host
 * (/sys/fs/cgroup: one cgroup2 tree, or one v1 tree per controller), the
 * paths of the kit's cgroups, the kit's parent container-kit (enabling
 * controllers for it on v2, removing what a killed kit left), reading and
 * writing cgroup files as the chapter does (`cat F`, `echo X > F`), the
 * usage statistics, and killing what is left in a cgroup. Inside a
 * container (its own cgroup namespace), /sys/fs/cgroup is the container's
 * cgroup, which passes controllers down only once no process is in it.
 *
 * Chapter: 3.1 (the v2 tree), 3.2 (cgroup.subtree_control), 3.3-3.5.
 * Man pages: cgroups(7), cgroup_namespaces(7), statfs(2), rmdir(2), kill(2).
 * Kernel docs: Documentation/admin-guide/cgroup-v2.rst; cgroup-v1/ (memory.rst,
 *          cpusets.rst, blkio-controller.rst, pids.rst); scheduler/sched-bwc.rst.
 */
#include "cgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* --- the controllers and their files ------------------------------------- */

const struct cgroup_controller controllers[NCONTROLLERS] = {
	[MEMORY]  = { "memory", "memory",  true },
	[CPU]     = { "cpu",    "cpu",     true },
	[CPUACCT] = { NULL,     "cpuacct", true },   /* v2: cpu.stat is in every cgroup */
	[CPUSET]  = { "cpuset", "cpuset",  false },
	[PIDS]    = { "pids",   "pids",    false },
	[IO]      = { "io",     "blkio",   false },
	[DEVICES] = { NULL,     "devices", false },  /* v2: an eBPF program (device_rules.c) */
};

/* Written in this order: v1 wants memory before memory+swap, period before quota. */
const struct cgroup_limit limits[NLIMITS] = {
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

/* --- paths, and the files as the chapter reads and writes them ------------ */

/* /sys/fs/cgroup[/<v1 name>][/container-kit[/<name>]][/<file>] */
void cgroup_path(char *out, enum controller c, enum level level, const char *file)
{
	const char *parent = cg.parent[c][0] ? cg.parent[c] : KIT_PARENT;

	snprintf(out, PATH_MAX, "%s%s%s%s%s%s%s%s", CGROUP_ROOT,
		 cg.v2 ? "" : "/", cg.v2 ? "" : controllers[c].v1,
		 level >= KIT ? "/" : "", level >= KIT ? parent : "", level == CONTAINER ? "/" : "",
		 level == CONTAINER ? cg.name : "", file ? "/" : "");
	if (file)
		strncat(out, file, PATH_MAX - strlen(out) - 1);
}

/* `echo TEXT > PATH`, as the chapter does it: one write(2), traced as such. */
int write_cgroup_file(const char *path, const char *text)
{
	return sys("cgroup", write_text(path, text), "echo \"%s\" > %s", text, path);
}

/* `cat PATH` into buf, without the last newline. Optional: a failure is traced only. */
int read_cgroup_file(const char *path, char *buf, size_t size, bool optional)
{
	ssize_t n = read_text(path, buf, size);

	if (n < 0)
		return optional ? sys_try("cgroup", -1, "cat %s", path) :
				  sys("cgroup", -1, "cat %s", path);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	trace("cgroup", "cat %s = \"%.*s%s\"", path, (int)strcspn(buf, "\n"), buf,
	      strchr(buf, '\n') ? "\\n..." : "");
	return 0;
}

/* Whether a space-separated list such as cgroup.controllers holds word. */
bool has_word(const char *list, const char *word)
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

/* --- before_clone: what the host has, what the flags need -------------------- */

/* The first flag given that needs controller c, or NULL. */
static const char *flag_needing(enum controller c)
{
	if (c == DEVICES)
		return device_cgroup_needed_by();
	for (int id = 0; id < NLIMITS; id++)
		if (limits[id].controller == c && cg.values[id].count > 0)
			return limits[id].flag;
	return NULL;
}

/* statfs(2) tells the one cgroup2 tree from v1's; on v2 the root's lists say
 * which controllers exist and which the root already passes down. */
int detect_cgroup_version(void)
{
	struct statfs st;

	if (sys("cgroup", statfs(CGROUP_ROOT, &st), "statfs(\"%s\")", CGROUP_ROOT) < 0)
		return -1;
	cg.v2 = st.f_type == CGROUP2_SUPER_MAGIC;
	trace("cgroup", "%s is %s", CGROUP_ROOT, cg.v2 ? "cgroup2: one hierarchy (v2)" :
	      "not cgroup2: a hierarchy per controller (v1 or hybrid)");
	if (!cg.v2)
		return 0;
	if (read_cgroup_file(CGROUP_ROOT "/cgroup.controllers", cg.root_controllers,
		      sizeof(cg.root_controllers), false) < 0 ||
	    read_cgroup_file(CGROUP_ROOT "/cgroup.subtree_control", cg.root_subtree,
		      sizeof(cg.root_subtree), false) < 0)
		return -1;
	/* Inside a container with its own cgroup namespace (docker, podman: the
	 * default on v2), /sys/fs/cgroup is the container's cgroup, the root of
	 * that namespace: "/" in /proc/self/cgroup. The kit makes container-kit
	 * there. Unlike the host's root, it has a cgroup.type; and the
	 * container's processes may live in it (below). */
	if (sys_try("cgroup", access(CGROUP_ROOT "/cgroup.type", F_OK),
		    "access(\"%s/cgroup.type\")", CGROUP_ROOT) == 0) {
		char procs[64] = "";

		read_cgroup_file(CGROUP_ROOT "/cgroup.procs", procs, sizeof(procs), true);
		cg.root_has_procs = procs[0] != '\0';
	}
	return 0;
}

/* v1: is /sys/fs/cgroup/<controller> a mounted v1 hierarchy? */
static bool v1_mounted(enum controller c)
{
	char dir[PATH_MAX];
	struct statfs st;

	cgroup_path(dir, c, HOST_ROOT, NULL);
	return sys_try("cgroup", statfs(dir, &st), "statfs(\"%s\")", dir) == 0 &&
	       st.f_type == CGROUP_SUPER_MAGIC;
}

/* Why the container cannot join controller c on this host; NULL if it can. */
static const char *unusable(enum controller c)
{
	static char why[512];
	const char *v2_name = controllers[c].v2;
	char dir[PATH_MAX];

	cgroup_path(dir, c, HOST_ROOT, NULL);
	if (cg.v2 ? v2_name && !has_word(cg.root_controllers, v2_name) : !v1_mounted(c))
		return "this host does not have it";
	if (sys_try("cgroup", access(dir, W_OK), "access(\"%s\", W_OK)", dir) < 0)
		return "this user may not create cgroups there (run as root)";
	if (!cg.v2 || !v2_name || has_word(cg.root_subtree, v2_name))
		return NULL;
	/* systemd owns a v2 root it manages (init.scope is its PID 1's cgroup):
	 * the kit does not change what it passes down. A test VM has no systemd. */
	if (access(CGROUP_ROOT "/init.scope", F_OK) == 0) {
		snprintf(why, sizeof(why), "systemd manages this host's cgroups and does not "
			 "enable it in %s/cgroup.subtree_control; to allow it: echo +%s > %s/"
			 "cgroup.subtree_control", CGROUP_ROOT, v2_name, CGROUP_ROOT);
		return why;
	}
	/* No internal processes: a cgroup other than the host's root may pass
	 * controllers down only while no process is in it (EBUSY). Moving the
	 * container's processes is its entrypoint's job, not the kit's. */
	if (cg.root_has_procs) {
		snprintf(why, sizeof(why), "%s is this container's own cgroup and its processes "
			 "are in it, so cgroup v2 lets it pass no controller down; the container's "
			 "entrypoint must move them into a leaf first, as Docker's dind does "
			 "(the kit's scripts/nested-cgroup-init.sh): mkdir %s/init && "
			 "xargs -rn1 < %s/cgroup.procs > %s/init/cgroup.procs", CGROUP_ROOT,
			 CGROUP_ROOT, CGROUP_ROOT, CGROUP_ROOT);
		return why;
	}
	return NULL;
}

/* Chooses the controllers: a limit's must work, --stats' are taken if they do. */
int choose_controllers(void)
{
	for (int c = 0; c < NCONTROLLERS; c++) {
		const char *flag = flag_needing(c), *why;
		char dir[PATH_MAX];

		if (!flag && !controllers[c].for_stats && !(c == DEVICES && device_rules_given()))
			continue;
		why = unusable(c);
		cgroup_path(dir, c, HOST_ROOT, NULL);
		if (why && flag)
			return fail("cgroup", "--%s needs the %s controller (%s): %s", flag,
				    cg.v2 && controllers[c].v2 ? controllers[c].v2 : controllers[c].v1,
				    dir, why);
		cg.used[c] = !why;
		if (why)
			trace("cgroup", "not using %s: %s", controllers[c].v1, why);
	}
	return resolve_parents();
}

/* One directory per hierarchy: on v2 all controllers share one, on v1 two
 * names may be one hierarchy (cpu -> cpu,cpuacct on systemd hosts). */
void find_hierarchies(void)
{
	dev_t seen[NCONTROLLERS];
	int nseen = 0;

	for (int c = 0; c < NCONTROLLERS; c++) {
		char dir[PATH_MAX];
		struct stat st;
		bool shared = false;

		if (!cg.used[c])
			continue;
		cgroup_path(dir, c, HOST_ROOT, NULL);
		st.st_dev = 0;
		sys_try("cgroup", stat(dir, &st), "stat(\"%s\")", dir);
		for (int i = 0; i < nseen; i++)
			shared |= seen[i] == st.st_dev;
		cg.owns_dir[c] = !shared;
		seen[nseen++] = st.st_dev;
	}
}

/* --- after_clone: the kit's parent cgroup, container-kit -------------------- */

/* v1 cpuset: a new cgroup has no CPUs and no memory nodes, and a process
 * cannot join it so (ENOSPC). Copies the parent's where they are empty. */
int copy_cpuset(enum level level)
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
		if (!cg.used[c] || !controllers[c].v2)
			continue;
		snprintf(word, sizeof(word), "+%s", controllers[c].v2);
		/* unusable() allowed this only where no systemd manages the root and,
		 * in a container's own cgroup, no process was in it. EBUSY: one came
		 * since (docker exec); its entrypoint must enable them itself. */
		if (!has_word(cg.root_subtree, controllers[c].v2) &&
		    write_cgroup_file(CGROUP_ROOT "/cgroup.subtree_control", word) < 0)
			return errno == EBUSY ? fail("cgroup", "a process joined %s, which must stay "
						     "empty to pass %s down: enable the controllers "
						     "once it is empty (scripts/nested-cgroup-init.sh)",
						     CGROUP_ROOT, controllers[c].v2) : -1;
		cgroup_path(path, c, KIT, "cgroup.subtree_control");
		if (write_cgroup_file(path, word) < 0)
			return -1;
	}
	return 0;
}

/*
 * Whether the container whose init had this PID has ended: the PID is gone,
 * or is a zombie. A killed kit's init is reparented to the host's init,
 * which may take its time to reap it; its cgroup is empty meanwhile.
 */
static bool container_ended(pid_t pid)
{
	char path[64], status[4096];

	if (kill(pid, 0) < 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return read_text(path, status, sizeof(status)) > 0 && strstr(status, "\nState:\tZ") != NULL;
}

/*
 * A kit killed by SIGKILL could not remove its cgroup (its container died
 * with it: the cgroup is empty). The next kit does: c<PID> whose init ended.
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
		if (!container_ended(pid))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", kit_dir, entry->d_name) < (int)sizeof(path))
			sys_try("cgroup", rmdir(path), "rmdir(\"%s\") (stale)", path);
	}
	if (dir)
		closedir(dir);
}

/* container-kit goes once empty (EBUSY: other containers use it); an asked
 * parent, as oci_cgroup.c says. */
void remove_parent(enum controller c)
{
	char dir[PATH_MAX];

	if (cg.parent_asked) {
		remove_asked_parent(c);
		return;
	}
	cgroup_path(dir, c, KIT, NULL);
	sys_try("cgroup", rmdir(dir), "rmdir(\"%s\")", dir);
}

/* container-kit is shared by the kit's containers: another may have made it. */
int make_kit_parent(enum controller c)
{
	char dir[PATH_MAX];

	if (cg.parent_asked) {  /* oci_cgroup.c */
		if (make_asked_parent(c) < 0)
			return -1;
	} else {
		cgroup_path(dir, c, KIT, NULL);
		if (sys_try("cgroup", mkdir(dir, 0755), "mkdir(\"%s\")", dir) < 0 &&
		    errno != EEXIST)
			return sys("cgroup", -1, "mkdir(\"%s\")", dir);
		remove_stale_cgroups(dir);
	}
	if (cg.v2)
		return enable_v2_controllers();
	return c == CPUSET ? copy_cpuset(KIT) : 0;
}

/* --- cleanup: statistics, leftovers ----------------------------------------- */

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
	const struct source *s = cg.v2 ? &statistics[i].v2 : &statistics[i].v1;
	char path[PATH_MAX], text[1024];
	unsigned long long n;

	if (!cg.used[statistics[i].controller] && !cg.v2)
		return -1;
	cgroup_path(path, statistics[i].controller, CONTAINER, s->file);
	if (read_cgroup_file(path, text, sizeof(text), true) < 0)
		return -1;
	if (s->key ? find_key(text, s->key, &n) < 0 : parse_count(text, &n) < 0)
		return -1;
	*value = n / s->per_unit;
	return 0;
}

/* With --stats or -v, before the cgroup goes: one line per statistic. */
void print_cgroup_stats(void)
{
	for (size_t i = 0; i < sizeof(statistics) / sizeof(statistics[0]); i++) {
		const struct source *s = cg.v2 ? &statistics[i].v2 : &statistics[i].v1;
		char text[64] = "n/a";
		double value;

		if (read_statistic(i, &value) == 0)
			snprintf(text, sizeof(text), "%.*f%s%s", statistics[i].decimals, value,
				 *statistics[i].unit ? " " : "", statistics[i].unit);
		fprintf(stderr, "[cgroup] stats: %s %s (%s%s%s)\n", statistics[i].label, text,
			s->file, s->key ? " " : "", s->key ? s->key : "");
	}
}

/* SIGKILLs whatever is left in the container's cgroup. Without a PID
 * namespace, COMMAND's children outlive it; a fork bomb keeps forking. */
void kill_leftovers(enum controller c)
{
	char path[PATH_MAX], pids[16384], *end;

	/* v2 (5.14+): one write kills all, with no race against new forks. */
	cgroup_path(path, c, CONTAINER, "cgroup.kill");
	if (cg.v2 && access(path, F_OK) == 0) {
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
		sys_try("cgroup", kill(pid, SIGKILL), "kill(%ld, SIGKILL)", pid);
	}
}
