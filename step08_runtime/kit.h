/*
 * kit.h - the contract between container.c and the isolation layers.
 *
 * Each layer (uts.c, pid.c, mount.c, ...) describes itself with one
 * struct layer: its command-line options, the clone(2) flags it needs, and
 * the functions container.c calls at fixed moments ("phases"):
 *
 *   parent:  before_clone  ->  clone(flags of all layers)  ->  after_clone
 *   child:   (waits for the parent)  ->  in_child  ->  execvp(COMMAND)
 *   parent:  waitpid  ->  cleanup (also on every error path)
 *
 * A layer is a lesson file named after it (net.c): its struct layer, its
 * phases and the chapter's system calls in the order the kernel sees them,
 * at most 250 lines; the Makefile's LESSON names it. What a learner need not
 * read first (hardening, compatibility, parsing) is in support files named
 * by their concern (netlink.c, ipam.c, ...), which the lesson calls through
 * a private header named after the layer (net.h).
 *
 * Adding a layer is: its files, one line in the table in container.c, one
 * extern below, its words in the Makefile. Layers talk to each other only
 * through struct container and the functions declared below, each marked
 * with the layer that offers it; everything else of a layer is static or
 * in its private header.
 *
 * Man pages: clone(2), namespaces(7), getopt_long(3).
 */
#ifndef KIT_H
#define KIT_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <sys/types.h>

/* Exit codes, as docker run(1) uses them. */
#define EXIT_KIT_ERROR 125   /* the kit itself failed: bad flag, kernel refusal */
#define EXIT_CANNOT_RUN 126  /* COMMAND exists but cannot be executed */
#define EXIT_NOT_FOUND 127   /* COMMAND not found */

/* What every phase may look at. */
struct container {
	char **argv;       /* COMMAND and its arguments */
	const char *rootfs;  /* the container's root directory, from the mount layer */
	int rootfs_fd;       /* an idmapped mount of it, or -1 (from the user layer) */
	pid_t child_pid;   /* the container's first process, as the host sees it (0 in the child) */
};

/* One command-line option of a layer, e.g. --hostname NAME. */
struct layer_option {
	const char *name;      /* long name, without the leading "--" */
	const char *argname;   /* shown in --help; NULL for an option without value */
	const char *help;
	int (*set)(const char *value);  /* 0, or -1 after reporting the error, or
	                                   OPTION_DONE: it was the whole run, exit 0 */
};
#define OPTION_DONE 1  /* --reset-host: acts at once, like --help; no container */

struct layer {
	const char *name;                     /* prefix of its messages: [uts] */
	int clone_flags;                      /* CLONE_NEW* it asks for */
	const struct layer_option *options;   /* ends with a zeroed entry; may be NULL */
	int (*before_clone)(struct container *c);   /* parent, nothing exists yet */
	int (*after_clone)(struct container *c);    /* parent, the child is waiting */
	int (*in_child)(struct container *c);       /* child, before exec */
	void (*cleanup)(struct container *c);       /* parent, undo before_clone/after_clone,
	                                               also when they failed halfway */
};

/* CLONE_NEW* flags to leave out (--userns host, or joined): such a layer's phases are skipped too. */
extern int shared_with_host;
/* step08, oci_namespaces.c: linux.namespaces[].path, joined with setns(2), not created. */
extern int joined_namespaces;              /* their CLONE_NEW* flags, also in shared_with_host */
int enter_joined_namespaces(int flags);    /* the parent, right before clone(flags) */
int leave_joined_namespaces(pid_t child);  /* right after: back in its own; kills child if not */
int join_user_namespace(void);             /* the child, first of all */

extern const struct layer uts_layer;
extern const struct layer pid_layer;
extern const struct layer mount_layer;
int set_volume(const char *value);   /* volumes.c, the mount layer's: --volume, --mount */
int set_mount(const char *value);
int open_volumes(void);
int mount_volumes(void);
void close_volumes(void);
const char *mount_option_word(size_t i);
int set_device_node(const char *value);  /* device_nodes.c, the mount layer's: linux.devices */
bool device_nodes_listed(void);
int make_device_nodes(void);
extern const struct layer net_layer;
extern const struct layer user_layer;
bool setgroups_allowed(void);  /* user.c: false once "deny" was written */
extern const struct layer cgroup_layer;
bool devices_guarded(void);  /* device_rules.c: a device cgroup decides what opens (step08) */
extern const struct layer overlay_layer;
const char *overlay_mount(const char *rootfs);  /* overlay.c, for mount.c */
extern const struct layer ipc_layer;
extern const struct layer runtime_layer;

/*
 * step08: what container.c offers the OCI runtime (runtime.c, config.c, exec.c).
 * The runtime knows the layers only by their names and option names: it
 * turns config.json into the options a user would have typed.
 */
bool has_layer(const char *name);
bool has_layer_option(const char *name);
int set_layer_option(const char *name, const char *value);  /* value NULL: a flag */
void catch_stop_signals(void);  /* before anything the kit must undo */
/* `create`: the init becomes the caller's child (clone(CLONE_PARENT)), as runc's does, so
 * an engine's subreaper (podman's conmon) reaps it; the monitor only watches it. */
extern bool init_outlives_kit;
int watch_exit(pid_t pid);  /* monitor.c: waits through a pidfd; 0 */
int exit_code(int status);  /* container.c: a wait status as an exit code, 128+N for signal N */
void reset_signals(void);   /* container.c: every signal at its default, none blocked */
int launch_container(struct container *c);   /* setup, clone, go: 0, 125 or 128+N */
int finish_container(struct container *c);   /* wait, cleanup: the exit code */
bool is_runtime_command(int argc, char **argv);  /* runtime_cli.c */
int runtime_main(int argc, char **argv);

/*
 * One pattern for every kernel call: sys() traces it with -v and, when it
 * failed (-1), reports what failed and why. Use it as
 *
 *	if (sys("uts", sethostname(name, len), "sethostname(\"%s\")", name) < 0)
 *		return -1;
 *
 * fail() reports an error that is not a failed call (bad input); both
 * return -1 so a layer can "return fail(...)".
 */
extern bool verbose;
extern void (*log_line)(const char *line);  /* step08: also where --log says, if set */
long sys(const char *layer, long result, const char *call_format, ...)
	__attribute__((format(printf, 3, 4)));
int fail(const char *layer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
const char *kit_state_dir(void);
int make_dirs(const char *layer, const char *path, mode_t mode);
int write_file(const char *layer, const char *path, const char *text);
void trace(const char *layer, const char *format, ...)  /* only with -v */
	__attribute__((format(printf, 2, 3)));

/* A problem that does not stop the container: "container: [layer] warning: ...". */
void warn(const char *layer, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
int read_file(const char *layer, const char *path, char *buf, size_t size);
/* The same, untraced, for a caller that traces its own way: -1 with errno, or 0 / the length. */
int write_text(const char *path, const char *text);
ssize_t read_text(const char *path, char *buf, size_t size);
/* Like sys(), for a call whose failure is an answer, not an error: traced with -v only. */
long sys_try(const char *layer, long result, const char *call_format, ...)
	__attribute__((format(printf, 3, 4)));
void sleep_ms(long ms);
int parse_count(const char *text, unsigned long long *n);  /* a whole number, digits only */

/*
 * Other ways of reporting, and why each is not sys()/fail():
 *
 * warn(): a problem the kit works around (no swap accounting, a firewall that
 * would drop the kit's traffic): it is said and the container goes on. fail()
 * stands for a -1 that stops the run; sys_try() for a call whose failure is
 * an answer (a missing file), traced only.
 *
 * A why-buffer (nat.c's run_nft() and firewall.c's checks; cgroupfs.c's
 * unusable() returns its reason): the callee knows what went wrong, only its
 * caller knows what the user asked for (the flag, the rule). The callee
 * writes the reason into the caller's buffer and the caller reports one line
 * with fail() or warn(), not two half-messages. libnftables's error text
 * comes this way: it is not an errno.
 *
 * An exit status (subid.c's newuidmap child, hooks.c's hook child): a child
 * after fork() that only execs another program has nothing of its own to say.
 * 127 (not found) or 126 says what failed; the parent waits for it and names
 * the program in its one message.
 *
 * --stats's lines (cgroupfs.c's print_cgroup_stats()): output the user asked
 * for, not a call or a failure: plain lines on stderr, with or without -v,
 * written after COMMAND has ended (no trace to interleave with).
 *
 * config.c's bad() is fail() with the file and the JSON path in front: the
 * same pattern, not another.
 */

#endif
