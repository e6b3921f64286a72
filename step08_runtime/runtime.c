/*
 * runtime.c - the OCI runtime: the same container, driven the way containerd
 * drives runc. A bundle (config.json and a rootfs) goes in; the container
 * has an ID and a lifecycle: create (every layer set up, COMMAND's process
 * waits), start (it execs process.args), state (the OCI state, as JSON),
 * kill, delete (its state and every layer's resources gone); run is create
 * + start, exec one more process (exec.c).
 *
 * `create` forks a MONITOR, the container's parent for its whole life
 * (monitor.c). The container's first process (the INIT) runs every layer's
 * in_child; the runtime is the last layer: there it opens exec.fifo for
 * writing, which blocks until `start` opens it for reading (runc's
 * exec.fifo): "created" means set up, blocked on the fifo. The other
 * commands find the container by its state directory (state.c).
 *
 * Chapter: 5.1 "Runtime Layers" (the low-level runtime), 5.3 "Using runc".
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/runtime.md
 * Man pages: fifo(7), fork(2), setsid(2), pidfd_open(2), pidfd_send_signal(2),
 *            close_range(2), runc-create(8) ... runc-delete(8).
 */
#include "kit.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* in_child, last of all layers: tell the monitor, then wait for `start`. */
static int wait_for_start(struct container *c)
{
	char path[64];
	int fifo, fd;

	(void)c;
	if (!init_waits_for_start())
		return 0;  /* the flag form: exec at once */
	if ((fifo = tell_monitor_ready()) < 0)
		return -1;
	/* The fifo is on the host, out of our new root: reach it by the fd opened before. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo);
	trace("runtime", "open(exec.fifo, O_WRONLY): blocks until `container start`");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (sys("runtime", fd, "open(exec.fifo, O_WRONLY)") < 0)
		return -1;
	/* The byte tells `start` that this process, not some other, went on. */
	if (sys("runtime", write(fd, "0", 1), "write(exec.fifo)") < 0)
		return -1;
	close(fd);
	close(fifo);
	return 0;
}

const struct layer runtime_layer = {
	.name = "runtime",
	.options = oci_options,  /* config.c's: --userns, --cgroupns, --cgroup-parent, ... */
	.in_child = wait_for_start,
};

/* create: fork the monitor, wait until it says "created". */
static int create(const struct options *o)
{
	struct launch l = { .created = -1 };
	int pipe_fds[2], status;
	pid_t pid;
	char byte;

	init_outlives_kit = true;  /* the caller (an engine's subreaper) is its parent */
	if (prepare_launch(&l, o) < 0)
		return release_launch(&l, -1);
	if (sys("runtime", pipe2(pipe_fds, O_CLOEXEC), "pipe2(created)") < 0 ||
	    sys("runtime", pid = fork(), "fork() the monitor") < 0) {
		remove_state_dir(l.dir);
		return release_launch(&l, -1);
	}
	if (pid == 0)
		become_monitor(&l, pipe_fds);  /* does not return */
	close(pipe_fds[1]);
	if (read(pipe_fds[0], &byte, 1) != 1) {
		/* The monitor failed, said why, and cleaned up; leave no state either. */
		waitpid(pid, &status, 0);
		remove_state_dir(l.dir);
		return release_launch(&l, -1);
	}
	close(pipe_fds[0]);
	return release_launch(&l, 0);
}

/* What `start` does: open exec.fifo for reading, so the init's open returns. */
int start_init(const char *dir, pid_t pid, unsigned long long started)
{
	char fifo[PATH_MAX];
	int fd;

	state_file(dir, "exec.fifo", fifo);
	/* O_NONBLOCK: a blocking open would wait forever if the init died. */
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return fail("runtime", "the container was started already");
	if (sys("runtime", fd, "open(\"%s\", O_RDONLY)", fifo) < 0)
		return -1;
	if (await_init(fd, pid, started) < 0)  /* its byte, or its death; closes fd */
		return -1;
	trace("runtime", "read(exec.fifo) = 1: the container runs process.args");
	/* Gone means started: `state` says running from now on. */
	return sys("runtime", unlink(fifo), "unlink(\"%s\")", fifo) < 0 ? -1 : 0;
}

static int start(const struct options *o)
{
	struct state st;

	if (open_state_in(o->id, &st, "created", "only a created container can be started") < 0)
		return -1;
	if (run_start_container(&st) < 0 || start_init(st.dir, st.pid, st.pid_start) < 0)
		return close_state(&st, -1);  /* hooks.c: startContainer, in the container */
	return close_state(&st, run_poststart(&st));  /* hooks.c */
}

static int print_state(const struct options *o)
{
	struct state st;

	if (open_state(o->id, &st) < 0)
		return -1;
	put_json(oci_state(&st));
	return close_state(&st, 0);
}

/* A pidfd pins the process: checked once more after opening, it cannot be a new one. */
static int signal_init(const struct state *st, int sig)
{
	int fd = pidfd_open(st->pid, 0);
	long ret;

	if (fd < 0 && errno == ESRCH)
		return fail("runtime", "container \"%s\": its process has exited", st->id);
	if (sys("runtime", fd, "pidfd_open(%d)", st->pid) < 0)
		return -1;
	if (!alive(st->pid, st->pid_start)) {
		close(fd);
		return fail("runtime", "container \"%s\": its process has exited", st->id);
	}
	ret = pidfd_send_signal(fd, sig, NULL, 0);
	close(fd);
	return sys("runtime", ret, "pidfd_send_signal(%d, SIG%s)", st->pid,
		   sigabbrev_np(sig) ? sigabbrev_np(sig) : "?") < 0 ? -1 : 0;
}

static int kill_container(const struct options *o)
{
	int sig = signal_operand(o);
	struct state st;

	if (sig < 0 || open_state_in(o->id, &st, "created running",
				     "there is no process to signal") < 0)
		return -1;
	if (o->all)  /* every process of the container, by its cgroup (exec_context.c) */
		return close_state(&st, signal_cgroup(st.pid, sig));
	return close_state(&st, signal_init(&st, sig));
}

static int delete(const struct options *o)
{
	struct state st;
	const char *status;

	if (open_state(o->id, &st) < 0)
		return -1;
	status = status_of(&st);
	if (strcmp(status, "creating") == 0)
		return refuse_status(&st, "being created", "wait for `create` to return");
	if (strcmp(status, "running") == 0 && !o->force)
		return refuse_status(&st, status, "stop it with `kill`, or use delete --force");
	/* A created container has not run anything: like runc, delete kills it. */
	if (strcmp(status, "stopped") != 0 && signal_init(&st, SIGKILL) < 0 &&
	    alive(st.pid, st.pid_start))
		return close_state(&st, -1);
	wait_for_cleanup(&st);
	return close_state(&st, delete_and_run_poststop(&st));  /* hooks.c */
}

/* run: create and start; in the foreground this process is the monitor. */
static int run(const struct options *o)
{
	const struct options forced = { .id = o->id, .force = true };
	int status;

	if (!o->detach)
		return run_foreground(o);
	if ((status = create(o)) == 0 && (status = start(o)) != 0)
		delete(&forced);
	return status;
}

/* Each command, with how many operands (IDs) follow its options (runtime.h). */
static const struct command commands[] = {
	{ "spec", write_spec, 0, false }, { "create", create, 1, false },
	{ "start", start, 1, false }, { "run", run, 1, false }, { "state", print_state, 1, false },
	{ "list", list_containers, 0, false }, { "kill", kill_container, 1, true },
	{ "delete", delete, 1, false }, { "exec", exec_command, 1, true },
	{ "features", print_features, 0, false },
};

const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
