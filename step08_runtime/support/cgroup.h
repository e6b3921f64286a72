/*
 * cgroup.h - what the cgroup layer's files share: cgroup.c (the lesson),
 * cgroupfs.c (the v1 and v2 trees: controllers, files, paths) and resource_flags.c
 * (docker's flags and their units). Included by those three files only.
 *
 * Chapter: 3.1-3.5. Man pages: cgroups(7).
 */
#ifndef CGROUP_H
#define CGROUP_H

#include "kit.h"

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define KIT_PARENT "container-kit"   /* the kit's own subtree, in every hierarchy */
#define CPU_PERIOD_US 100000         /* docker's --cpus period: 100 ms */
#define UNLIMITED ULLONG_MAX         /* --memory-swap -1, --pids-limit -1 */
#define MAX_DEVICES 8                /* per --device-* flag */

enum controller { MEMORY, CPU, CPUACCT, CPUSET, PIDS, IO, DEVICES, NCONTROLLERS };

struct cgroup_controller {
	const char *v2;   /* its name in cgroup.controllers; NULL: nothing to enable */
	const char *v1;   /* its v1 hierarchy: /sys/fs/cgroup/<v1> */
	bool for_stats;   /* joined even without a limit, so --stats can count */
};
extern const struct cgroup_controller controllers[NCONTROLLERS];

enum limit_id {
	MEMORY_MAX, SWAP_MAX, CPU_PERIOD, CPU_QUOTA, CPU_WEIGHT, CPUSET_CPUS, PIDS_MAX,
	READ_BPS, WRITE_BPS, READ_IOPS, WRITE_IOPS, NLIMITS
};

/* One row per file, v2 and v1 side by side (cgroupfs.c). */
struct cgroup_limit {
	const char *flag;              /* docker run's flag, without "--" */
	enum controller controller;
	const char *v2_file;           /* NULL: nothing of its own to write on v2 */
	const char *v1_file;
};
extern const struct cgroup_limit limits[NLIMITS];

/* The layer's state: what the flags said, what before_clone found, what
 * after_clone made. One struct, so the fuzz harness resets it in one line. */
struct cgroup_state {
	/* Device limits may repeat (one per device); others: last wins. */
	struct {
		int count;                                /* 0: flag not given */
		unsigned long long number[MAX_DEVICES];   /* bytes, CPU-us, shares, pids, rate */
		dev_t device[MAX_DEVICES];                /* device limits only */
		const char *arg[MAX_DEVICES];             /* as typed, for messages (and the CPU list) */
	} values[NLIMITS];
	bool print_stats;
	bool v2;                           /* else v1: a hierarchy per controller */
	bool used[NCONTROLLERS];           /* the container joins these controllers */
	bool owns_dir[NCONTROLLERS];       /* the first used one of its hierarchy */
	bool created[NCONTROLLERS];        /* its container-kit/<name> exists */
	bool moved;                        /* the child is in its cgroups */
	char name[256];                    /* c<PID>, or --cgroups-path's last part */
	bool name_given;                   /* --cgroups-path (step08's oci_cgroup.c) */
	/* The container's parent, from the hierarchy's root: container-kit, or
	 * --cgroup-parent / --cgroups-path (a relative one below the kit's own). */
	const char *parent_asked;          /* as typed; NULL: container-kit */
	char parent[NCONTROLLERS][PATH_MAX / 2];
	int parent_levels_made[NCONTROLLERS];  /* mkdir'ed by this run, deepest last */
	char root_controllers[256], root_subtree[256];   /* v2 root's lists */
	bool root_has_procs;               /* v2: the root is a container's cgroup, with processes */
};
extern struct cgroup_state cg;   /* cgroup.c */

/* resource_flags.c: docker's flags, parsed and checked; the text a limit's file takes. */
int set_memory(const char *arg);
int set_memory_swap(const char *arg);
int set_cpus(const char *arg);
int set_cpu_shares(const char *arg);
int set_cpuset_cpus(const char *arg);
int set_pids_limit(const char *arg);
int set_read_bps(const char *arg);
int set_write_bps(const char *arg);
int set_read_iops(const char *arg);
int set_write_iops(const char *arg);
int set_stats(const char *arg);
int check_limit_flags(void);
void format_limit(enum limit_id id, int i, char *out, size_t size);
const char *refusal_hint(enum limit_id id, int error);

/* cgroupfs.c: the host's hierarchies and the files in them. */
enum level { HOST_ROOT, KIT, CONTAINER };
void cgroup_path(char *out, enum controller c, enum level level, const char *file);
int write_cgroup_file(const char *path, const char *text);
int read_cgroup_file(const char *path, char *buf, size_t size, bool optional);
int detect_cgroup_version(void);
int choose_controllers(void);
void find_hierarchies(void);
bool has_word(const char *list, const char *word);
int make_kit_parent(enum controller c);
void remove_parent(enum controller c);
int copy_cpuset(enum level level);
void kill_leftovers(enum controller c);
void print_cgroup_stats(void);

/* oci_cgroup.c: the parent --cgroup-parent or --cgroups-path asks for (step08). */
int resolve_parents(void);
int make_asked_parent(enum controller c);
void remove_asked_parent(enum controller c);

/* device_rules.c: config.json's linux.resources.devices, the device cgroup (step08). */
const char *device_cgroup_needed_by(void);
bool device_rules_given(void);
int prepare_device_rules(void);
int apply_device_rules(void);
void release_device_rules(void);

#endif
