/*
 * runtime.h - the runtime's private header: what its files share. The
 * lesson: runtime.c (the OCI lifecycle) and exec.c (nsenter). Support:
 * state.c (the state directory), monitor.c (the container's parent),
 * runtime_cli.c (options, operands, runtime_main, spec, exec's checks),
 * exec_context.c (exec's cgroups, environment and signals), config.c
 * (config.json onto the layers' options), oci_cgroup.c and oci_userns.c (the
 * cgroup and user namespace options only the runtime needs). container.c does not include it.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include "kit.h"  /* struct container */

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* config.c: the options only config.json needs, the runtime layer's; their setters: */
extern const struct layer_option oci_options[];
int set_cgroupns(const char *arg);         /* oci_cgroup.c: --cgroupns host */
int set_cgroup_parent(const char *arg);    /* --cgroup-parent (docker's) */
int set_cgroups_path(const char *arg);     /* --cgroups-path (linux.cgroupsPath) */
int set_device_rule(const char *arg);      /* device_rules.c: --device-rule (linux.resources.devices) */
int set_userns(const char *value);         /* oci_userns.c: --userns host */
int set_join_namespace(const char *value);  /* oci_namespaces.c: --join-namespace TYPE:PATH */
bool namespace_joined(int n);               /* namespace_types[n] is joined by path */

/* The runtime-spec version this program follows; it reads configs of 1.0.x-1.2.x. */
#define OCI_VERSION "1.2.0"
#define KIT_VERSION "0.9"      /* step09; `container --version` */
#define DEFAULT_ROOT "/run/container-kit/runtime"  /* runc's is /run/runc */
#define WAIT_MS 30000          /* for the monitor's cleanup, for the init at start */

/* One namespace type, by its three names: config.json's, /proc/PID/ns's, the layer's. */
struct namespace_type {
	const char *oci;     /* linux.namespaces[].type */
	const char *proc;    /* /proc/PID/ns/<proc> */
	const char *layer;   /* the kit's layer that creates it, by its name */
	const char *share;   /* the option that leaves it the host's (--userns host), or NULL */
};
enum { NS_USER, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MNT, NS_CGROUP, NS_TIME, NNAMESPACE_TYPES };
extern const struct namespace_type namespace_types[NNAMESPACE_TYPES];

/* What the runtime itself needs from config.json; the rest went to the layers. */
struct oci_config {
	json_t *json;             /* the whole file: every string below lives in it */
	char file[PATH_MAX];      /* BUNDLE/config.json, for messages */
	char bundle[PATH_MAX];    /* absolute */
	char rootfs[PATH_MAX];    /* root.path, absolute */
	char **args;              /* process.args, NULL-terminated */
	char **env;               /* process.env, NULL-terminated */
	const char *cwd;          /* process.cwd */
	int umask;                /* process.user.umask, or -1: the runtime's own */
	unsigned namespaces;      /* bit i: namespace_types[i] is in linux.namespaces */
	bool terminal;            /* process.terminal: a pty, through --console-socket */
	const char *domainname;   /* domainname, or NULL */
	long personality;         /* linux.personality's domain, or -1 */
	json_t *annotations;      /* an object, maybe empty */
};

int load_config(const char *bundle, struct oci_config *config);  /* config.c */
void free_config(struct oci_config *config);
int write_default_config(const char *file, const char *rootfs);

/* One container's state directory ROOT/ID, as a short command finds it (state.c). */
struct state {
	const char *id;
	char dir[PATH_MAX];
	json_t *json;                       /* state.json; NULL: not written yet */
	const char *recorded;               /* its status: creating, created, stopped */
	pid_t pid, monitor;
	unsigned long long pid_start, monitor_start;
};

int set_state_root(const char *root);   /* --root, or the default; absolute */
const char *state_root(void);
int check_id(const char *id);
unsigned long long start_time(pid_t pid);  /* /proc/PID/stat's field 22; 0: gone */
bool alive(pid_t pid, unsigned long long started);
int state_file(const char *dir, const char *name, char *out);  /* dir/name, PATH_MAX */
int open_state(const char *id, struct state *st);  /* -1: it does not exist */
int close_state(struct state *st, int ret);        /* returns ret */
const char *status_of(const struct state *st);     /* recorded, corrected by what is true */
int open_state_in(const char *id, struct state *st, const char *allowed, const char *why);
int refuse_status(struct state *st, const char *status, const char *why);  /* -1 */
int make_state_dir(const char *id, char *dir);     /* ROOT/ID and its exec.fifo */
json_t *new_state(const char *id, const struct oci_config *config);  /* "creating" */
int save_state(const char *dir, json_t *json);
int remove_state_dir(const char *dir);
json_t *oci_state(const struct state *st);
void put_json(json_t *json);
int write_pid_file(const char *file, pid_t pid);
int write_pid_file_at(int dir, const char *file, pid_t pid);
void wait_for_cleanup(const struct state *st);

/* One `create` or `run`: what the monitor keeps for the container's life (monitor.c). */
struct launch {
	const char *id;
	struct oci_config config;
	struct container c;
	char dir[PATH_MAX];
	json_t *record;      /* state.json, as the monitor keeps it up to date */
	int created;         /* the pipe to create's CLI, or -1 (run in the foreground) */
	bool foreground;
	char *pid_file;      /* --pid-file, absolute, or NULL */
	int console;         /* --console-socket, connected, for process.terminal; or -1 */
};

struct options;
int prepare_launch(struct launch *l, const struct options *o);  /* ID, --bundle, --pid-file, ... */
int release_launch(struct launch *l, int ret);  /* returns ret */
void become_monitor(struct launch *l, int pipe_fds[2]) __attribute__((noreturn));
int run_foreground(const struct options *o);
bool init_waits_for_start(void);  /* the init: false in the flag form */
int tell_monitor_ready(void);     /* the init: exec.fifo's O_PATH fd, or -1 */
int await_init(int fd, pid_t pid, unsigned long long started);  /* start: the init's byte */
int start_init(const char *dir, pid_t pid, unsigned long long started);  /* runtime.c */

/* The command line (runtime_cli.c): a command returns its exit code, -1 for 125. */
#define MAX_EXEC_ENV 64
struct options {
	const char *bundle, *pid_file;
	bool detach, force, help, all;
	const char *process;          /* exec --process FILE */
	const char *console_socket;   /* create, exec: where a terminal's master goes */
	bool tty;                     /* exec --tty */
	const char *cwd, *user;       /* exec --cwd, --user */
	const char *env[MAX_EXEC_ENV + 1];  /* exec --env NAME=VALUE, repeatable */
	int env_count;
	int argc;     /* COMMAND and what follows it */
	char **argv;
	int first;    /* index of the first operand */
	const char *id;  /* the first operand, or NULL */
};
struct command {
	const char *name;
	int (*run)(const struct options *o);  /* the exit code; -1: an error, 125 */
	int operands;  /* IDs after the options; more: kill's SIGNAL, exec's COMMAND */
	bool more;
};

const struct command *find_command(const char *name);  /* runtime.c */
int skip_global_options(int argc, char **argv, const char **root);  /* COMMAND's index */
int parse_global_options(int argc, char **argv, const char **root);  /* -1: refused */
bool version_asked(void);  /* --version: printed */
int unknown_command(const char *name);  /* 125 */
int parse_command_options(int argc, char **argv, int count, bool more, struct options *o);
int usage(void);
int signal_operand(const struct options *o);  /* kill's SIGNAL */
int write_spec(const struct options *o);
int list_containers(const struct options *o);  /* state.c */
int exec_command(const struct options *o);
int print_features(const struct options *o);  /* features.c */

/* hooks.c: config.json's hooks, with the state on their stdin. */
int check_hooks(json_t *hooks, const char *file);
int run_hooks(json_t *hooks, const char *kind, json_t *state, bool fatal);
json_t *bundle_hooks(const char *bundle);
int run_start_container(const struct state *st);
int run_poststart(const struct state *st);
int delete_and_run_poststop(const struct state *st);

/* exec: one more process in the container (exec.c, exec_context.c). */
/* What one exec runs: COMMAND, or exec --process's process.json. */
struct exec_request {
	char **argv;
	char **env;            /* NULL: the init's */
	const char *cwd;       /* NULL: / */
	bool detach;           /* start it and return; the caller (an engine) reaps it */
	const char *pid_file;  /* its PID as the host sees it: a name in pid_dir */
	int pid_dir;           /* opened before exec enters the container's root */
	int console;           /* --console-socket, connected: a terminal; or -1 */
};
int exec_in_container(pid_t pid, const struct exec_request *r);  /* the exit code */
int load_process(const char *file, struct oci_config *config);   /* config.c */

/* terminal.c: process.terminal's pty, its master sent to --console-socket. */
int connect_console(const char *path);
int take_terminal(int console);  /* inside the container; closes console */

struct cgroup_file {  /* a cgroup.procs of the container's, opened on the host */
	int fd;
	char path[PATH_MAX];
};
#define MAX_CGROUPS 16  /* v1: a hierarchy per controller */

int open_cgroups(pid_t pid, struct cgroup_file files[MAX_CGROUPS]);
int join_cgroups(const struct cgroup_file files[]);
int signal_cgroup(pid_t pid, int sig);  /* kill --all */
char **environment_of(pid_t pid);
int become_container_root(void);
pid_t fork_forwarding_signals(void);
void check_leaks_now(void);

#endif
