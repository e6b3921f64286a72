/*
 * security.h - what the security layer's files share: the layer's state
 * (options, then the capabilities the parent decided) and the support
 * functions security.c calls. Included only by the security layer's files;
 * seccomp.c is reached through kit.h's filter_*() functions.
 */
#ifndef SECURITY_H
#define SECURITY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/types.h>

#define BIT(cap) (UINT64_C(1) << (cap))
#define MAX_GROUPS 32
#define MAX_TMPFS 16
#define MAX_PATHS 64  /* masked-paths=, readonly-paths= */

/* Docker's default set: what a typical image's root needs, nothing that reaches the host
 * (caps.c; make compiles the default seccomp filter for it: filter_gen.c). */
#define DOCKER_DEFAULT_CAPS                                                     \
	(BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |             \
	 BIT(CAP_FOWNER) | BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | \
	 BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |                 \
	 BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) |       \
	 BIT(CAP_AUDIT_WRITE))

struct tmpfs_mount {
	char path[PATH_MAX];
	unsigned long flags;
	char data[256];
};

/* process.capabilities' five sets, in the order --capabilities names them. */
enum cap_set { BOUNDING, EFFECTIVE, PERMITTED, INHERITABLE, AMBIENT, NCAP_SETS };

struct security_state {
	/* What the options asked for. */
	uint64_t caps_added, caps_dropped;   /* --cap-add, --cap-drop */
	bool add_all, drop_all;              /* ... ALL */
	bool exact_caps;                     /* --capabilities: the five sets as given */
	uint64_t cap_sets[NCAP_SETS];        /* then what the child sets (decide_capabilities()) */
	bool user_given, group_given;        /* --user UID[:GID] */
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS];            /* --group-add */
	int group_count;
	bool no_new_privs;                   /* --security-opt no-new-privileges */
	const char *apparmor_profile;        /* --security-opt apparmor=PROFILE */
	bool read_only_root;                 /* --read-only */
	const char **masked;                 /* runc's list, or --security-opt masked-paths= */
	struct tmpfs_mount tmpfs[MAX_TMPFS]; /* --tmpfs */
	int tmpfs_count;
	/* What the container gets, decided by the parent before clone: the bounding set,
	 * and cap_sets[] as the child sets them (caps.c, decide_capabilities()). */
	uint64_t granted;
};
extern const char *default_masked[];  /* fs_hardening.c */
#define SECURITY_STATE_INIT { .no_new_privs = true, .masked = default_masked }

extern struct security_state security;  /* security.c */

/* caps.c: capability names and sets. */
int set_cap_add(const char *value);
int set_cap_drop(const char *value);
int set_capabilities_option(const char *value);  /* --capabilities SET=CAP,... */
int decide_capabilities(void);          /* fills security.granted and .cap_sets */
int raise_ambient(void);                /* --capabilities ambient=... */
const char *caps_text(uint64_t set);    /* "cap_chown,cap_kill" */

/* identity.c: who COMMAND runs as. */
int set_user(const char *value);
int set_group_add(const char *value);
int set_groups(void);
gid_t default_gid(uid_t uid);
int rearm_parent_death_signal(void);
int check_root_searchable(void);

/* security_opt.c: the layer's options (--help's table), --security-opt. */
extern const struct layer_option security_options[];
int set_security_opt(const char *value);

/* fs_hardening.c: the filesystem COMMAND may write and read. */
int set_read_only(const char *value);
int set_tmpfs(const char *value);
int mount_tmpfs_list(void);
int set_path_list(const char *option, const char *value, bool mask);
int path_present(const char *path, struct stat *st);    /* 0: this kernel lacks it */
int kept_flags(const char *path, unsigned long *flags);  /* adds the MS_* it has */
int protect_paths(void);
int make_dev_nodev(void);

/* rlimits.c: --ulimit, --oom-score-adj. */
int set_ulimit(const char *value);
int set_oom_score_adj(const char *value);
int set_process_limits(pid_t pid);
int limit_child(struct container *c);   /* the layer's after_clone */

/* sysctl.c: --sysctl. */
int set_sysctl(const char *value);
int write_sysctls(void);

/* apparmor.c */
int check_apparmor(void);
int apply_apparmor(void);

/* inherited_fds.c: what of the host must not reach COMMAND. */
int close_host_fds(void);
int enter_working_directory(void);

#endif
