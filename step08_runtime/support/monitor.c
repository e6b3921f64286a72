/*
 * monitor.c - the monitor: the container's parent for its whole life, like
 * containerd's shim. `create` forks it (runtime.c); `run` in the foreground
 * is it. It runs container.c's flow (before_clone, clone, after_clone), so
 * it holds what the layers hold on the host side (the net layer's lock on
 * its address, ...); it records "created" in state.json once the init waits
 * on exec.fifo; when the container exits, it reaps it, runs every layer's
 * cleanup, and records "stopped". Once "created", it holds none of the
 * descriptors of create's caller.
 *
 * Before clone() it hands the init what the init needs to wait for `start`
 * (the struct below, copied by clone): exec.fifo, opened O_PATH while the
 * host's filesystem is in sight, and a pipe to say "ready" on. runtime.c's
 * lesson calls the init's side of it (tell_monitor_ready()) and `start`'s
 * wait for the init's byte (await_init()).
 *
 * Chapter: 5.1 "Runtime Layers" (containerd's shim and runc).
 * Man pages: fork(2), setsid(2), pipe(2), open(2) (O_PATH), poll(2), proc(5)
 *            (/proc/PID/ns), wait(2), sigaction(2), pid_namespaces(7).
 */
#include "kit.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the monitor hands the init, before clone(). */
static struct {
	bool active;                      /* a runtime command runs: wait for start */
	int fifo;                         /* exec.fifo, O_PATH: opened for writing after pivot_root */
	int ready[2];                     /* init -> monitor: "set up, waiting for start" */
	int created;                      /* monitor -> create's CLI; not the init's business */
	int console;                      /* --console-socket, for process.terminal, or -1 */
	ino_t host_ns[NNAMESPACE_TYPES];  /* the monitor's namespaces, to see the init's new ones */
	const struct oci_config *config;
} to_init = { .fifo = -1, .ready = { -1, -1 }, .created = -1, .console = -1 };

/* Everything the init needs from the monitor, set up before clone() copies it. */
static int prepare_init_side(struct launch *l)
{
	char fifo[PATH_MAX];

	state_file(l->dir, "exec.fifo", fifo);
	to_init.fifo = open(fifo, O_PATH | O_CLOEXEC);
	if (sys("runtime", to_init.fifo, "open(\"%s\", O_PATH)", fifo) < 0 ||
	    sys("runtime", pipe2(to_init.ready, O_CLOEXEC), "pipe2(ready)") < 0)
		return -1;
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		char path[32];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", namespace_types[n].proc);
		to_init.host_ns[n] = stat(path, &st) == 0 ? st.st_ino : 0;
	}
	to_init.created = l->created;
	to_init.console = l->console;
	to_init.config = &l->config;
	to_init.active = true;
	return 0;
}

/* 1: the init ran every in_child hook; 0: it died trying (and said why). */
static bool init_is_ready(void)
{
	ssize_t n;
	char byte;

	close(to_init.ready[1]);
	while ((n = read(to_init.ready[0], &byte, 1)) < 0 && errno == EINTR)
		;
	close(to_init.ready[0]);
	return n == 1;
}

/* --- the init's side ---------------------------------------------------------- */

/*
 * What the kit created is what /proc/self/ns shows: compare it with
 * linux.namespaces once more, now that every layer has done its part.
 */
static int check_created_namespaces(void)
{
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		char path[32];
		struct stat st;
		bool created, listed = to_init.config->namespaces & (1u << n);

		if (namespace_joined(n))  /* by path: maybe the host's own (oci_namespaces.c) */
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", namespace_types[n].proc);
		created = stat(path, &st) == 0 && st.st_ino != to_init.host_ns[n];
		if (created != listed)
			return fail("runtime", "linux.namespaces: the container %s a %s namespace, "
				    "config.json %s", created ? "has" : "has no",
				    namespace_types[n].oci, listed ? "lists one" : "does not");
	}
	return 0;
}

/*
 * process.env, terminal, cwd and user.umask, domainname (in the UTS namespace
 * the uts layer made) and linux.personality, in the container, now that its
 * root is in place.
 */
static int enter_process_settings(void)
{
	environ = to_init.config->env;  /* execvp's PATH search reads it too */
	if (to_init.console >= 0 && take_terminal(to_init.console) < 0)  /* terminal.c */
		return -1;
	if (to_init.config->domainname &&
	    sys("runtime", setdomainname(to_init.config->domainname,
					 strlen(to_init.config->domainname)),
		"setdomainname(\"%s\")", to_init.config->domainname) < 0)
		return -1;
	if (to_init.config->personality >= 0 &&
	    sys("runtime", personality((unsigned long)to_init.config->personality),
		"personality(%#lx)", to_init.config->personality) < 0)
		return -1;
	if (to_init.config->umask >= 0)
		trace("runtime", "umask(%04o) = %04o", (unsigned)to_init.config->umask,
		      (unsigned)umask((mode_t)to_init.config->umask));
	return sys("runtime", chdir(to_init.config->cwd), "chdir(\"%s\")",
		   to_init.config->cwd) < 0 ? -1 : 0;
}

/* In the init: false in the flag form (`container -- COMMAND`), which execs at once. */
bool init_waits_for_start(void)
{
	return to_init.active;
}

static void end_init(int sig)
{
	_exit(128 + sig);
}

/*
 * The init is PID 1 of its namespace, and the kernel drops a signal sent
 * to it from outside whose action is the default, SIGKILL and SIGSTOP
 * aside (pid_namespaces(7)): `kill ID TERM` of a created container would
 * do nothing. runc's init ends there, and the state becomes "stopped".
 * So until COMMAND runs, each signal whose default ends a process ends
 * this one, with 128+N; execve() resets caught signals to their default,
 * so COMMAND starts as container.c's reset_signals() left it.
 */
static void end_on_signals_until_exec(void)
{
	static const int keep_default[] = { SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGURG,
					     SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction sa = { .sa_handler = end_init };
	bool keep;

	for (int sig = 1; sig < NSIG; sig++) {
		keep = false;
		for (size_t i = 0; i < sizeof(keep_default) / sizeof(keep_default[0]); i++)
			keep = keep || sig == keep_default[i];
		if (!keep)
			sigaction(sig, &sa, NULL);  /* fails harmlessly for libc's own real-time signals */
	}
}

/* In the init, set up: says so to the monitor; returns exec.fifo's O_PATH fd, or -1. */
int tell_monitor_ready(void)
{
	close(to_init.ready[0]);
	if (to_init.created >= 0)
		close(to_init.created);
	if (check_created_namespaces() < 0 || enter_process_settings() < 0)
		return -1;
	end_on_signals_until_exec();
	if (sys("runtime", write(to_init.ready[1], "r", 1), "write(ready pipe)") < 0)
		return -1;
	close(to_init.ready[1]);
	return to_init.fifo;
}

/* --- `start`'s side: the other end of exec.fifo ------------------------------ */

/*
 * `start`, on exec.fifo opened for reading: waits for the byte the init
 * writes once its open returned, then closes fd. -1 after saying why it did
 * not come: the init died, or WAIT_MS passed (a read would block forever).
 */
int await_init(int fd, pid_t pid, unsigned long long started)
{
	char byte;

	for (int waited = 0; ; waited += 10) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 10) > 0 && read(fd, &byte, 1) == 1)
			break;
		if (!alive(pid, started) || waited >= WAIT_MS) {
			close(fd);
			return fail("runtime", "the container's process (pid %d) %s", pid,
				    alive(pid, started) ? "did not take the start" : "has exited");
		}
	}
	close(fd);
	return 0;
}

/* --- the monitor's side ------------------------------------------------------- */

/*
 * `create`'s init is the caller's child, not ours (init_outlives_kit): an
 * engine's subreaper (conmon) reaps it and gets its exit status, as it does
 * runc's. A pidfd becomes readable when the process exits, child or not.
 */
int watch_exit(pid_t pid)
{
	struct pollfd p = { .fd = pidfd_open(pid, 0), .events = POLLIN };

	if (sys("runtime", p.fd, "pidfd_open(%d)", pid) < 0)
		return EXIT_KIT_ERROR;
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			break;
	close(p.fd);
	trace("runtime", "the init %d exited; its parent reaps it", pid);
	return 0;
}

/* A field of state.json: the OCI ones at the top, the kit's own under "kit". */
static void record(struct launch *l, const char *key, long long value)
{
	json_t *where = strcmp(key, "pid") == 0 ? l->record : json_object_get(l->record, "kit");

	json_object_set_new(where, key, json_integer(value));
}

/* The state hooks get on stdin: state.json's OCI part, as `state` prints it. */
static json_t *hook_state(struct launch *l, const char *status)
{
	json_t *state = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", OCI_VERSION,
				  "id", l->id, "status", status, "pid", (int)l->c.child_pid,
				  "bundle", l->config.bundle);

	if (json_object_size(l->config.annotations) > 0)
		json_object_set(state, "annotations", l->config.annotations);
	return state;
}

/* prestart, createRuntime, createContainer (hooks.c): the namespaces exist, the init waits. */
static int run_create_hooks(struct launch *l)
{
	json_t *hooks = json_object_get(l->config.json, "hooks"), *state = hook_state(l, "creating");
	int ret = run_hooks(hooks, "prestart", state, true) < 0 ||
		  run_hooks(hooks, "createRuntime", state, true) < 0 ||
		  run_hooks(hooks, "createContainer", state, true) < 0 ? -1 : 0;

	json_decref(state);
	return ret;
}

/*
 * `create` returns as runc's does, holding nothing of its caller's: the
 * engine that started it (containerd's shim, conmon) reads create's stdout
 * and stderr until they close, and the monitor lives on. The init has its
 * own copies (or the terminal, whose socket it has closed); from here the
 * monitor's words go to --log alone.
 */
static int let_go_of_caller(struct launch *l)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (sys("runtime", null, "open(\"/dev/null\")") < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (fd != null && sys("runtime", dup2(null, fd), "dup2(/dev/null, %d)", fd) < 0)
			return -1;
	if (null > 2)
		close(null);
	if (l->console >= 0)
		close(l->console);
	l->console = -1;
	return 0;
}

/* The container is set up and waits: say so in state.json, and to whoever waits. */
static int report_created(struct launch *l)
{
	json_object_set_new(l->record, "status", json_string("created"));
	record(l, "pid", l->c.child_pid);
	record(l, "pidStart", (long long)start_time(l->c.child_pid));
	record(l, "monitor", getpid());
	record(l, "monitorStart", (long long)start_time(getpid()));
	if (save_state(l->dir, l->record) < 0 ||
	    (l->pid_file && write_pid_file(l->pid_file, l->c.child_pid) < 0))
		return -1;
	if (l->foreground) {
		json_t *state = hook_state(l, "created");
		int ret = run_hooks(json_object_get(l->config.json, "hooks"), "startContainer", state,
				    true) < 0 ? -1 : start_init(l->dir, l->c.child_pid,
								start_time(l->c.child_pid));

		json_object_set_new(state, "status", json_string("running"));
		if (ret == 0)
			run_hooks(json_object_get(l->config.json, "hooks"), "poststart", state, false);
		json_decref(state);
		return ret;
	}
	if (let_go_of_caller(l) < 0)
		return -1;
	if (write(l->created, "c", 1) != 1)
		sys("runtime", -1, "write(created pipe)");  /* create's CLI died: carry on */
	close(l->created);
	return 0;
}

/* Returns the container's exit code; 125 if it never got to run. */
static int monitor(struct launch *l)
{
	int status;

	if (prepare_init_side(l) < 0)
		return EXIT_KIT_ERROR;
	if ((status = launch_container(&l->c)) != 0)
		return status;  /* 125, or 128+N: a stop signal came during setup */
	if (!init_is_ready() || run_create_hooks(l) < 0) {
		kill(l->c.child_pid, SIGKILL);
		finish_container(&l->c);  /* reaps it, undoes every layer */
		return EXIT_KIT_ERROR;
	}
	if (report_created(l) < 0) {
		kill(l->c.child_pid, SIGKILL);
		finish_container(&l->c);
		return EXIT_KIT_ERROR;
	}
	status = finish_container(&l->c);
	/* Written after cleanup: "stopped" in the file means nothing is left but this dir. */
	json_object_set_new(l->record, "status", json_string("stopped"));
	if (!init_outlives_kit)  /* else its parent has the status, not us */
		record(l, "exitStatus", status);
	save_state(l->dir, l->record);
	trace("runtime", "container \"%s\" stopped, exit status %d, cleaned up", l->id, status);
	return status;
}

/* `create`'s child: the monitor, in a session of its own (the terminal's ^C is not its). */
void become_monitor(struct launch *l, int pipe_fds[2])
{
	close(pipe_fds[0]);
	l->created = pipe_fds[1];
	setsid();
	_exit(chdir("/") < 0 ? EXIT_KIT_ERROR : monitor(l));
}

/* Everything that can be refused is checked before the state directory exists. */
int prepare_launch(struct launch *l, const struct options *o)
{
	const char *pid_file = o->pid_file;
	char cwd[PATH_MAX];

	l->id = o->id;
	l->console = -1;
	if (check_id(o->id) < 0 || load_config(o->bundle, &l->config) < 0)
		return -1;
	if (l->config.terminal != (o->console_socket != NULL))
		return fail("runtime", l->config.terminal ? "process.terminal is true: give "
			    "--console-socket, where its pty's master goes" : "--console-socket: "
			    "process.terminal is false, there is no terminal to send");
	if (o->console_socket && (l->console = connect_console(o->console_socket)) < 0)
		return -1;
	/* The monitor leaves the current directory: keep where the pid file goes. */
	if (pid_file && pid_file[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    asprintf(&l->pid_file, "%s/%s", cwd, pid_file) < 0)
		return sys("runtime", -1, "asprintf()");
	if (pid_file && pid_file[0] == '/')
		l->pid_file = strdup(pid_file);
	l->c = (struct container){ .argv = l->config.args, .rootfs_fd = -1 };
	if (make_state_dir(o->id, l->dir) < 0)
		return -1;
	l->record = new_state(o->id, &l->config);
	if (save_state(l->dir, l->record) < 0) {
		remove_state_dir(l->dir);
		return -1;
	}
	return 0;
}

/* What prepare_launch() allocated, all or part: once this process is done with l. */
int release_launch(struct launch *l, int ret)
{
	if (l->console >= 0)
		close(l->console);
	free_config(&l->config);
	json_decref(l->record);
	free(l->pid_file);
	return ret;
}

/* run in the foreground: this process is the monitor; delete at the end. */
int run_foreground(const struct options *o)
{
	struct launch l = { .created = -1, .foreground = true, .console = -1 };
	int status;

	/* From here, ^C or kill undoes what is set up, this state dir included. */
	catch_stop_signals();
	if (prepare_launch(&l, o) < 0)
		return release_launch(&l, EXIT_KIT_ERROR);
	status = monitor(&l);
	remove_state_dir(l.dir);
	if (status != EXIT_KIT_ERROR) {  /* it ran: delete's hook, as `run` is create ... delete */
		json_t *state = hook_state(&l, "stopped");
		run_hooks(json_object_get(l.config.json, "hooks"), "poststop", state, false);
		json_decref(state);
	}
	return release_launch(&l, status);
}
