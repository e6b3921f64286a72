/*
 * cgroup.c - control groups: limit what the container may use (memory,
 * swap, CPU time, which CPUs, how many processes, disk bandwidth), count
 * what it used, and give it a cgroup namespace, in which its own cgroup is
 * the root ("0::/" in /proc/self/cgroup), so it cannot see the host's tree.
 *
 * Chapter: 3.1 (the v2 tree), 3.2 (mkdir, cgroup.subtree_control,
 *          cgroup.procs, rmdir), 3.3 CPU, 3.4 memory, 3.5 I/O; exercise 2.
 * Man pages: cgroups(7), cgroup_namespaces(7), mkdir(2), unshare(2), rmdir(2).
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
 * did not create, except the root's cgroup.subtree_control where no systemd
 * manages it (a test VM; inside a container, the container's own cgroup, once
 * its entrypoint moved its processes out), to let controllers reach container-kit.
 *
 * Phases: before_clone checks the flags against each other and the host
 * (creates nothing); after_clone makes the cgroups, writes the limits and
 * moves the waiting child in; in_child enters a new cgroup namespace;
 * cleanup prints --stats, kills what is left and removes the cgroups.
 *
 * Support files: resource_flags.c (the flags' units, the text each file takes),
 * cgroupfs.c (the trees, their files and paths, container-kit, --stats).
 */
#include "cgroup.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct cgroup_state cg;   /* shared with resource_flags.c and cgroupfs.c through cgroup.h */

/* --- before_clone: what the host has, what the flags need -------------------- */

static int check_host(struct container *c)
{
	(void)c;
	if (check_limit_flags() < 0 || detect_cgroup_version() < 0 || choose_controllers() < 0)
		return -1;
	find_hierarchies();
	return prepare_device_rules();  /* step08: config.json's, device_rules.c */
}

/* --- after_clone: make the cgroups, write the limits, move the child in ---------- */

/* mkdir(2) in a cgroup tree makes a cgroup: the kernel fills in its files. */
static int make_cgroup(enum controller c)
{
	/* exercise: 1. (part one; part two, move_into_cgroups(), is checked with it) make the
	 *   container's cgroup in controller C's tree, mkdir(2) traced by sys(): cgroup_path()
	 *   names a level's directory (no file); make_kit_parent() makes the kit's parent first;
	 *   note it in cg.created[] for teardown. Pitfalls: another kit may rmdir the empty
	 *   parent in between (ENOENT: again, a few times); EEXIST: a killed run's cgroup, fail()
	 *   saying so. A new v1 cpuset has no CPUs nor memory nodes: copy_cpuset() fills them.
	 * check: ^cgroups: COMMAND runs in
	 */
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
	cg.created[c] = true;
	return !cg.v2 && c == CPUSET ? copy_cpuset(CONTAINER) : 0;
	/* end exercise */
}

static int write_limit(enum limit_id id, int i)
{
	/* exercise: 2. write value I of limit ID into its file of the container's cgroup:
	 *   limits[ID] names its v2 and v1 file (NULL: none on this version) and controller;
	 *   cgroup_path() builds the path, format_limit() the text ("max", "25000 100000"...),
	 *   write_cgroup_file() writes and traces it. Pitfalls: without swap accounting there
	 *   is no --memory-swap file (access(2) F_OK, by sys_try()): warn() and go on, as docker
	 *   does. Any other refusal fails naming the flag and value as given (limits[ID].flag,
	 *   cg.values[ID].arg[I]): "--FLAG VALUE: the kernel refused it" + refusal_hint()'s.
	 * check: ^cgroups: (docker.s flags become|--cpuset-cpus 0 pins|--device-write-bps)
	 */
	const char *file = cg.v2 ? limits[id].v2_file : limits[id].v1_file;
	char path[PATH_MAX], text[64];

	if (!file)
		return 0;
	cgroup_path(path, limits[id].controller, CONTAINER, file);
	/* No swap accounting (a kernel option): no such file. docker warns too. */
	if (id == SWAP_MAX && sys_try("cgroup", access(path, F_OK), "access(\"%s\")", path) < 0) {
		warn("cgroup", "--memory-swap ignored: this kernel does not account swap (no %s)",
		     file);
		return 0;
	}
	format_limit(id, i, text, sizeof(text));
	if (write_cgroup_file(path, text) == 0)
		return 0;
	return fail("cgroup", "--%s %s: the kernel refused it%s", limits[id].flag,
		    cg.values[id].arg[i], refusal_hint(id, errno));
	/* end exercise */
}

static int write_limits(void)
{
	for (int id = 0; id < NLIMITS; id++)
		for (int i = 0; i < cg.values[id].count; i++)
			if (write_limit(id, i) < 0)
				return -1;
	return 0;
}

/* Writing a pid into cgroup.procs moves that process (cgroups(7)). */
static int move_into_cgroups(pid_t child)
{
	/* exercise: 1. (part two, after clone) move the child into its cgroup of every
	 *   controller the kit made one in (cg.owns_dir[]): its pid, as text, into that
	 *   cgroup's "cgroup.procs" (cgroups(7)), by write_cgroup_file(); then set cg.moved,
	 *   so teardown knows there is a process to kill first.
	 * check: ^cgroups: COMMAND runs in
	 */
	char path[PATH_MAX], pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)child);
	for (int i = 0; i < NCONTROLLERS; i++) {
		if (!cg.owns_dir[i])
			continue;
		cgroup_path(path, i, CONTAINER, "cgroup.procs");
		if (write_cgroup_file(path, pid) < 0)
			return -1;
		cg.moved = true;
	}
	return 0;
	/* end exercise */
}

/* The child waits on the go pipe meanwhile: it runs nothing before it is in. */
static int create_cgroups(struct container *c)
{
	if (!cg.name_given)  /* --cgroups-path names it */
		snprintf(cg.name, sizeof(cg.name), "c%d", (int)c->child_pid);
	for (int i = 0; i < NCONTROLLERS; i++)
		if (cg.owns_dir[i] && make_cgroup(i) < 0)
			return -1;
	if (write_limits() < 0 || apply_device_rules() < 0)
		return -1;
	return move_into_cgroups(c->child_pid);
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
	/* exercise: 3. (the child, once moved) unshare(2) CLONE_NEWCGROUP, traced: its cgroup becomes
	 *   the namespace's root, "/" in /proc/self/cgroup; not with --cgroupns host
	 *   (shared_with_host & CLONE_NEWCGROUP: the host's namespace is kept).
	 * check: ^cgroups: inside its cgroup namespace */
	(void)c;
	if (shared_with_host & CLONE_NEWCGROUP)
		return 0;  /* --cgroupns host */
	return sys("cgroup", unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)") < 0 ? -1 : 0;
	/* end exercise */
}

/* --- cleanup: statistics, leftovers, rmdir ------------------------------------ */

/* rmdir works on an empty cgroup only; the last process may still be
 * exiting just after waitpid(), so EBUSY is retried for a while. */
static void remove_cgroup(enum controller c)
{
	char dir[PATH_MAX];

	cgroup_path(dir, c, CONTAINER, NULL);
	for (int tries = 0; tries < 200; tries++) {
		if (sys_try("cgroup", rmdir(dir), "rmdir(\"%s\")", dir) == 0) {
			cg.created[c] = false;
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
	(void)c;
	release_device_rules();
	if (cg.moved && (cg.print_stats || verbose))
		print_cgroup_stats();
	for (int i = NCONTROLLERS - 1; i >= 0; i--)
		if (cg.created[i])
			remove_cgroup(i);
	/* container-kit goes too once empty; EBUSY: other containers use it. */
	for (int i = 0; i < NCONTROLLERS && cg.name[0]; i++) {
		if (cg.owns_dir[i])
			remove_parent(i);
	}
	cg.moved = false;
	cg.name[0] = '\0';
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
	{ 0 },  /* the runtime's own (step08): --cgroupns, --cgroup-parent, --cgroups-path */
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
