/*
 * runtime.c - the OCI runtime: the same container, driven the way containerd
 * drives runc. A bundle (a directory with config.json and a rootfs) goes in;
 * the container has an ID and a lifecycle of its own:
 *
 *   container spec                    write a config.json for the kit's rootfs
 *   container create [--bundle DIR] ID   creating -> created: every layer is set up,
 *                                     COMMAND's process exists but waits
 *   container start ID                created -> running: it execs process.args
 *   container state ID | list         the OCI state, as JSON | all, as a table
 *   container kill ID [SIGNAL]        running -> stopped (when COMMAND dies of it)
 *   container delete [--force] ID     gone: the state, and every layer's resources
 *   container run [--detach] ID       create + start; in the foreground, delete at the end
 *   container exec ID COMMAND         one more process in the running container (exec.c)
 *
 * Who does what:
 *   - `create` forks a MONITOR, the container's parent for its whole life
 *     (containerd's shim): it runs container.c's flow (before_clone, clone,
 *     after_clone), so it holds what the layers hold on the host side (the
 *     net layer's lock on its address, ...). When the container exits, it
 *     reaps it, runs every layer's cleanup, and records "stopped".
 *   - The container's first process (the INIT) runs every layer's in_child;
 *     the runtime is the last layer: there it opens exec.fifo for writing,
 *     which blocks until `start` opens it for reading (runc's exec.fifo).
 *     Then it execs. "created" means exactly: set up, blocked on the fifo.
 *   - `create` waits on a pipe until the monitor says "created" and exits;
 *     `start`, `kill`, `state`, `delete` are short processes that find the
 *     container by its state directory, ROOT/ID: state.json (written whole,
 *     by rename), exec.fifo (gone once started).
 *   - A PID can be reused once its process is reaped: state.json keeps the
 *     init's starttime (/proc/PID/stat, field 22), compared at every use,
 *     and kill(2) goes through a pidfd.
 *
 * config.json onto the layers: config.c; exec: exec.c. The flag form
 * (`container [OPTIONS] -- COMMAND`) is container.c's, as before: then the
 * runtime layer does nothing.
 *
 * Chapter: 5.1 "Runtime Layers" (this is the low-level runtime), 5.3 "Using
 *          runc" (the same commands).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/runtime.md
 *       https://github.com/opencontainers/runtime-tools/blob/master/docs/command-line-interface.md
 * Man pages: fifo(7), mkfifo(3), fork(2), setsid(2), pidfd_open(2),
 *            pidfd_send_signal(2), proc(5) (/proc/PID/stat, /proc/PID/ns),
 *            rename(2), close_range(2), runc-create(8) ... runc-delete(8).
 */
#include "kit.h"
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROOT "/run/container-kit/runtime"  /* runc's is /run/runc */
#define ID_MAX 64
#define WAIT_MS 30000          /* for the monitor's cleanup, for the init at start */

static char state_root[PATH_MAX];

/* --- what the monitor hands the init, before clone() --------------------- */

static struct {
	bool active;                      /* a runtime command runs: wait for start */
	int fifo;                         /* exec.fifo, O_PATH: opened for writing after pivot_root */
	int ready[2];                     /* init -> monitor: "set up, waiting for start" */
	int created;                      /* monitor -> create's CLI; not the init's business */
	ino_t host_ns[NNAMESPACE_TYPES];  /* the monitor's namespaces, to see the init's new ones */
	const struct oci_config *config;
} to_init = { .fifo = -1, .ready = { -1, -1 }, .created = -1 };

/* --- small helpers ---------------------------------------------------------- */


/*
 * A process's identity is its PID and its start time: a PID alone may
 * name a newer process once the old one is reaped. 0: no such process, or
 * a zombie (it has exited; only its parent has still to reap it).
 */
static unsigned long long start_time(pid_t pid)
{
	char path[32], buf[1024], state;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After "pid (comm)" - comm may hold spaces and ')' - field 3 is the state, 22 starttime. */
	if (strrchr(buf, ')') == NULL ||
	    sscanf(strrchr(buf, ')') + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %*s %*s %llu", &state, &start) != 2)
		return 0;
	return state == 'Z' || state == 'X' ? 0 : start;
}

static bool alive(pid_t pid, unsigned long long started)
{
	return started != 0 && start_time(pid) == started;
}

/* RFC 3339 with nanoseconds, UTC, as runc writes "created". */
static void now_rfc3339(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), size - strlen(out), ".%09ldZ", ts.tv_nsec);
}

/* IDs become directory names: no "/", no "..", nothing a shell would mangle. */
static int check_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > ID_MAX || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789_.-") != len ||
	    strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return fail("runtime", "container ID \"%s\": use 1 to %d of A-Z a-z 0-9 _ . - "
			    "(not . or ..)", id, ID_MAX);
	return 0;
}

/* --- the state directory ROOT/ID ------------------------------------------- */

struct state {
	const char *id;
	char dir[PATH_MAX];
	json_t *json;                       /* state.json; NULL: not written yet */
	const char *recorded;               /* its status: creating, created, stopped */
	pid_t pid, monitor;
	unsigned long long pid_start, monitor_start;
};

/* dir/name into out (PATH_MAX); -1 after reporting a path too long. */
static int state_file(const char *dir, const char *name, char *out)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		return fail("runtime", "%s/%s: path too long", dir, name);
	return 0;
}

static long long kit_field(const json_t *json, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(json, "kit"), key));
}

static const char *text_field(const json_t *json, const char *key)
{
	const char *text = json_string_value(json_object_get(json, key));

	return text ? text : "";
}

/* Finds container id; -1 after saying it does not exist. */
static int open_state(const char *id, struct state *st)
{
	char file[PATH_MAX];
	struct stat sb;

	*st = (struct state){ .id = id, .recorded = "creating" };
	if (check_id(id) < 0)
		return -1;
	if (state_file(state_root, id, st->dir) < 0)
		return -1;
	if (stat(st->dir, &sb) < 0)
		return fail("runtime", "container \"%s\" does not exist (in %s)", id, state_root);
	state_file(st->dir, "state.json", file);
	st->json = json_load_file(file, 0, NULL);
	if (st->json == NULL)
		return 0;
	st->recorded = text_field(st->json, "status");
	st->pid = (pid_t)json_integer_value(json_object_get(st->json, "pid"));
	st->pid_start = (unsigned long long)kit_field(st->json, "pidStart");
	st->monitor = (pid_t)kit_field(st->json, "monitor");
	st->monitor_start = (unsigned long long)kit_field(st->json, "monitorStart");
	return 0;
}

/* Frees what open_state() loaded; returns ret, so that a command ends with it. */
static int close_state(struct state *st, int ret)
{
	json_decref(st->json);
	st->json = NULL;
	return ret;
}

/*
 * The status is what the monitor recorded, corrected by what is true now:
 * a dead init is stopped even if its monitor has not recorded it yet, and
 * a started one has consumed its exec.fifo.
 */
static const char *status_of(const struct state *st)
{
	char fifo[PATH_MAX];

	if (st->json == NULL)
		return "stopped";  /* a create that died before writing anything */
	if (strcmp(st->recorded, "creating") == 0)
		return alive(st->monitor, st->monitor_start) ? "creating" : "stopped";
	if (strcmp(st->recorded, "stopped") == 0 || !alive(st->pid, st->pid_start))
		return "stopped";
	state_file(st->dir, "exec.fifo", fifo);
	return access(fifo, F_OK) == 0 ? "created" : "running";
}

/* Written whole or not at all: a reader never sees half a file. */
static int save_state(const char *dir, json_t *json)
{
	char file[PATH_MAX], tmp[PATH_MAX];

	state_file(dir, "state.json", file);
	state_file(dir, "state.json.tmp", tmp);
	if (json_dump_file(json, tmp, JSON_INDENT(2)) < 0)
		return sys("runtime", -1, "write(\"%s\")", tmp);
	return sys("runtime", rename(tmp, file), "rename(\"%s\", \"state.json\")", tmp) < 0 ? -1 : 0;
}

static int remove_state_dir(const char *dir)
{
	static const char *const files[] = { "state.json", "state.json.tmp", "exec.fifo" };
	char file[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		state_file(dir, files[i], file);
		if (unlink(file) < 0 && errno != ENOENT)
			return sys("runtime", -1, "unlink(\"%s\")", file);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return sys("runtime", -1, "rmdir(\"%s\")", dir);
	trace("runtime", "rmdir(\"%s\") = 0", dir);
	return 0;
}

/* The OCI state (runtime.md "State"), with runc's extra keys. */
static json_t *oci_state(const struct state *st)
{
	const char *status = status_of(st);
	bool has_pid = strcmp(status, "created") == 0 || strcmp(status, "running") == 0;
	json_t *annotations = json_object_get(st->json, "annotations");
	json_t *out = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
		"ociVersion", OCI_VERSION, "id", st->id, "pid", has_pid ? (int)st->pid : 0,
		"status", status, "bundle", text_field(st->json, "bundle"),
		"rootfs", text_field(st->json, "rootfs"), "created", text_field(st->json, "created"),
		"owner", "");

	if (json_object_size(annotations) > 0)
		json_object_set(out, "annotations", annotations);
	return out;
}

/* --- the init's side: the runtime layer --------------------------------------- */

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

		snprintf(path, sizeof(path), "/proc/self/ns/%s", namespace_types[n].proc);
		created = stat(path, &st) == 0 && st.st_ino != to_init.host_ns[n];
		if (created != listed)
			return fail("runtime", "linux.namespaces: the container %s a %s namespace, "
				    "config.json %s", created ? "has" : "has no",
				    namespace_types[n].oci, listed ? "lists one" : "does not");
	}
	return 0;
}

/* process.env and process.cwd, in the container, now that its root is in place. */
static int enter_process_settings(void)
{
	environ = to_init.config->env;  /* execvp's PATH search reads it too */
	return sys("runtime", chdir(to_init.config->cwd), "chdir(\"%s\")",
		   to_init.config->cwd) < 0 ? -1 : 0;
}

/* in_child, last of all layers: tell the monitor, then wait for `start`. */
static int wait_for_start(struct container *c)
{
	char path[64];
	int fd;

	(void)c;
	if (!to_init.active)
		return 0;  /* the flag form: exec at once */
	close(to_init.ready[0]);
	if (to_init.created >= 0)
		close(to_init.created);
	if (check_created_namespaces() < 0 || enter_process_settings() < 0)
		return -1;
	if (sys("runtime", write(to_init.ready[1], "r", 1), "write(ready pipe)") < 0)
		return -1;
	close(to_init.ready[1]);
	/* The fifo is on the host, out of our new root: reach it by the fd opened before. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", to_init.fifo);
	trace("runtime", "open(exec.fifo, O_WRONLY): blocks until `container start`");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (sys("runtime", fd, "open(exec.fifo, O_WRONLY)") < 0)
		return -1;
	/* The byte tells `start` that this process, not some other, went on. */
	if (sys("runtime", write(fd, "0", 1), "write(exec.fifo)") < 0)
		return -1;
	close(fd);
	close(to_init.fifo);
	return 0;
}

const struct layer runtime_layer = {
	.name = "runtime",
	.in_child = wait_for_start,
};

/* --- the monitor ----------------------------------------------------------- */

struct launch {
	const char *id;
	struct oci_config config;
	struct container c;
	char dir[PATH_MAX];
	json_t *record;      /* state.json, as the monitor keeps it up to date */
	int created;         /* the pipe to create's CLI, or -1 (run in the foreground) */
	bool foreground;
	char *pid_file;      /* --pid-file, absolute, or NULL */
};

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

/* A field of state.json: the OCI ones at the top, the kit's own under "kit". */
static void record(struct launch *l, const char *key, long long value)
{
	json_t *where = strcmp(key, "pid") == 0 ? l->record : json_object_get(l->record, "kit");

	json_object_set_new(where, key, json_integer(value));
}

/* What `start` does: open exec.fifo for reading, so the init's open returns. */
static int start_init(const char *dir, pid_t pid, unsigned long long started)
{
	char fifo[PATH_MAX], byte;
	int fd;

	state_file(dir, "exec.fifo", fifo);
	/* O_NONBLOCK: a blocking open would wait forever if the init died. */
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return fail("runtime", "the container was started already");
	if (sys("runtime", fd, "open(\"%s\", O_RDONLY)", fifo) < 0)
		return -1;
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
	trace("runtime", "read(exec.fifo) = 1: the container runs process.args");
	/* Gone means started: `state` says running from now on. */
	return sys("runtime", unlink(fifo), "unlink(\"%s\")", fifo) < 0 ? -1 : 0;
}

/* Written whole, as state.json: a reader never sees an empty file. */
static int write_pid_file(const char *file, pid_t pid)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "we");
	if (f == NULL)
		return sys("runtime", -1, "open(\"%s\")", tmp);
	fprintf(f, "%d", (int)pid);
	if (fclose(f) != 0)
		return sys("runtime", -1, "write(\"%s\")", tmp);
	return sys("runtime", rename(tmp, file), "rename(\"%s\", \"%s\")", tmp, file) < 0 ? -1 : 0;
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
	if (l->foreground)
		return start_init(l->dir, l->c.child_pid, start_time(l->c.child_pid));
	if (write(l->created, "c", 1) != 1)
		sys("runtime", -1, "write(created pipe)");  /* create's CLI died: carry on */
	close(l->created);
	return 0;
}

/*
 * The monitor: the container's parent for its whole life, like containerd's
 * shim. Returns the container's exit code; 125 if it never got to run.
 */
static int monitor(struct launch *l)
{
	int status;

	if (prepare_init_side(l) < 0)
		return EXIT_KIT_ERROR;
	if ((status = launch_container(&l->c)) != 0)
		return status;  /* 125, or 128+N: a stop signal came during setup */
	if (!init_is_ready()) {
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
	record(l, "exitStatus", status);
	save_state(l->dir, l->record);
	trace("runtime", "container \"%s\" stopped, exit status %d, cleaned up", l->id, status);
	return status;
}

/* --- create, run, start ---------------------------------------------------- */

/* Everything that can be refused is checked before the state directory exists. */
static int prepare(struct launch *l, const char *id, const char *bundle, const char *pid_file)
{
	char fifo[PATH_MAX], created[64], cwd[PATH_MAX];

	l->id = id;
	if (check_id(id) < 0 || load_config(bundle, &l->config) < 0)
		return -1;
	/* The monitor leaves the current directory: keep where the pid file goes. */
	if (pid_file && pid_file[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    asprintf(&l->pid_file, "%s/%s", cwd, pid_file) < 0)
		return sys("runtime", -1, "asprintf()");
	if (pid_file && pid_file[0] == '/')
		l->pid_file = strdup(pid_file);
	l->c = (struct container){ .argv = l->config.args, .rootfs_fd = -1 };
	if (state_file(state_root, id, l->dir) < 0 || make_dirs("runtime", state_root, 0711) < 0)
		return -1;
	if (mkdir(l->dir, 0700) < 0)
		return errno == EEXIST ? fail("runtime", "container \"%s\" exists already", id)
				       : sys("runtime", -1, "mkdir(\"%s\")", l->dir);
	state_file(l->dir, "exec.fifo", fifo);
	/* 0622: the init, container root, is no one on the host: it may only write. */
	if (sys("runtime", mkfifo(fifo, 0622), "mkfifo(\"%s\")", fifo) < 0 ||
	    sys("runtime", chmod(fifo, 0622), "chmod(\"%s\", 0622)", fifo) < 0)
		goto fail;
	now_rfc3339(created, sizeof(created));
	/* Until the monitor reports "created", this process answers for it. */
	l->record = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:O, s:{s:i, s:I}}",
		"ociVersion", OCI_VERSION, "id", id, "status", "creating", "pid", 0,
		"bundle", l->config.bundle, "rootfs", l->config.rootfs, "created", created,
		"annotations", l->config.annotations,
		"kit", "monitor", (int)getpid(), "monitorStart", (json_int_t)start_time(getpid()));
	if (save_state(l->dir, l->record) < 0)
		goto fail;
	return 0;
fail:
	remove_state_dir(l->dir);
	return -1;
}

/* What prepare() allocated, all or part: once this process is done with l. */
static int release_launch(struct launch *l, int ret)
{
	free_config(&l->config);
	json_decref(l->record);
	free(l->pid_file);
	return ret;
}

/* create: fork the monitor, wait until it says "created". */
static int create_detached(const char *id, const char *bundle, const char *pid_file)
{
	struct launch l = { .created = -1 };
	int pipe_fds[2], status;
	pid_t pid;
	char byte;

	if (prepare(&l, id, bundle, pid_file) < 0)
		return release_launch(&l, EXIT_KIT_ERROR);
	if (sys("runtime", pipe2(pipe_fds, O_CLOEXEC), "pipe2(created)") < 0 ||
	    sys("runtime", pid = fork(), "fork() the monitor") < 0) {
		remove_state_dir(l.dir);
		return release_launch(&l, EXIT_KIT_ERROR);
	}
	if (pid == 0) {
		close(pipe_fds[0]);
		l.created = pipe_fds[1];
		/* Its own session: the terminal's ^C and hangup are not the container's. */
		setsid();
		if (chdir("/") < 0)
			_exit(EXIT_KIT_ERROR);
		_exit(monitor(&l));
	}
	close(pipe_fds[1]);
	if (read(pipe_fds[0], &byte, 1) != 1) {
		/* The monitor failed, said why, and cleaned up; leave no state either. */
		waitpid(pid, &status, 0);
		remove_state_dir(l.dir);
		return release_launch(&l, EXIT_KIT_ERROR);
	}
	close(pipe_fds[0]);
	return release_launch(&l, 0);
}

/* run in the foreground: this process is the monitor; delete at the end. */
static int run_foreground(const char *id, const char *bundle, const char *pid_file)
{
	struct launch l = { .created = -1, .foreground = true };
	int status;

	/* From here, ^C or kill undoes what is set up, this state dir included. */
	catch_stop_signals();
	if (prepare(&l, id, bundle, pid_file) < 0)
		return release_launch(&l, EXIT_KIT_ERROR);
	status = monitor(&l);
	remove_state_dir(l.dir);
	return release_launch(&l, status);
}

static int start(const char *id)
{
	struct state st;
	const char *status;

	if (open_state(id, &st) < 0)
		return EXIT_KIT_ERROR;
	status = status_of(&st);
	if (strcmp(status, "created") != 0)
		return close_state(&st, (fail("runtime", "container \"%s\" is %s: only a created "
					     "container can be started", id, status), EXIT_KIT_ERROR));
	return close_state(&st, start_init(st.dir, st.pid, st.pid_start) < 0 ? EXIT_KIT_ERROR : 0);
}

/* --- kill, delete ---------------------------------------------------------- */

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

/* TERM, SIGTERM, sigterm or 15. */
static int parse_signal(const char *text)
{
	char *end;
	long n = strtol(text, &end, 10);

	if (text[0] != '\0' && *end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigabbrev_np(sig) && strcasecmp(sigabbrev_np(sig), text) == 0)
			return sig;
	return -1;
}

/* Until the monitor has recorded "stopped": then its cleanup is done. */
static void wait_for_cleanup(struct state *st)
{
	for (int waited = 0; waited < WAIT_MS; waited += 10) {
		struct state now;

		if (open_state(st->id, &now) < 0 || strcmp(now.recorded, "stopped") == 0 ||
		    now.json == NULL) {
			close_state(&now, 0);
			return;
		}
		if (!alive(now.monitor, now.monitor_start)) {
			fprintf(stderr, "container: [runtime] warning: the monitor of \"%s\" (pid %d) "
				"died before its cleanup: host resources may be left\n", st->id,
				(int)now.monitor);
			close_state(&now, 0);
			return;
		}
		close_state(&now, 0);
		sleep_ms(10);
	}
	fprintf(stderr, "container: [runtime] warning: \"%s\" not cleaned up after %d s\n",
		st->id, WAIT_MS / 1000);
}

static int delete(const char *id, bool force)
{
	struct state st;
	const char *status;

	if (open_state(id, &st) < 0)
		return -1;
	status = status_of(&st);
	if (strcmp(status, "creating") == 0)
		return close_state(&st, fail("runtime", "container \"%s\" is being created: wait "
					     "for `create` to return", id));
	if (strcmp(status, "running") == 0 && !force)
		return close_state(&st, fail("runtime", "container \"%s\" is running: stop it "
					     "with `kill`, or use delete --force", id));
	/* A created container has not run anything: like runc, delete kills it. */
	if (strcmp(status, "stopped") != 0 && signal_init(&st, SIGKILL) < 0 &&
	    alive(st.pid, st.pid_start))
		return close_state(&st, -1);
	wait_for_cleanup(&st);
	return close_state(&st, remove_state_dir(st.dir));
}

/* --- the commands -------------------------------------------------------------- */

static const char usage_text[] =
	"Usage: container [--root DIR] [-v] COMMAND [OPTIONS] ...\n"
	"The OCI runtime: a container's lifecycle, as runc drives it.\n\n"
	"  spec   [--bundle DIR]                       write DIR/config.json for the kit's rootfs\n"
	"  create [--bundle DIR] [--pid-file F] ID     set it up; process.args waits for start\n"
	"  start  ID                                   let it exec process.args\n"
	"  run    [--bundle DIR] [--pid-file F] [--detach] ID\n"
	"                                              create + start; in the foreground: wait,\n"
	"                                              exit with its status, delete\n"
	"  state  ID                                   its OCI state, as JSON\n"
	"  list                                        every container, as a table\n"
	"  kill   ID [SIGNAL]                          TERM (default), SIGTERM, 15, KILL, USR1...\n"
	"  delete [--force] ID                         remove a stopped one (--force: kill it first)\n"
	"  exec   ID [--] COMMAND [ARG...]             run COMMAND in the running container\n\n"
	"  --root DIR   the containers' state (default " DEFAULT_ROOT ")\n"
	"  -v           print each kernel call, prefixed by its layer\n\n"
	"--bundle defaults to the current directory. Errors exit 125; run and exec\n"
	"exit with COMMAND's status (126: cannot execute, 127: not found).\n";

struct options {
	const char *bundle, *pid_file;
	bool detach, force;
	int first;  /* index of the first operand */
};

/* The options of one command; "+" stops at the ID, so exec's COMMAND keeps its own. */
static int parse_command_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' }, { "pid-file", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' }, { "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int opt;

	*o = (struct options){ .bundle = "." };
	optind = 0;  /* glibc: start afresh, argv is a new vector */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:b:p:dfh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 'd': o->detach = true; break;
		case 'f': o->force = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default:
			return fail("runtime", "%s: option %s: %s (see --help)", argv[0],
				    argv[optind - 1], opt == ':' ? "needs a value" : "unknown option");
		}
	}
	o->first = optind;
	return 0;
}

/* Exactly count operands after the options (at least count with more_ok). */
static int operands(int argc, char **argv, const struct options *o, int count, bool more_ok)
{
	int have = argc - o->first;

	if (have < count || (have > count && !more_ok))
		return fail("runtime", "%s: %s (see --help)", argv[0],
			    have < count ? "missing container ID" : "too many arguments");
	return 0;
}

static int cmd_spec(int argc, char **argv, const struct options *o)
{
	char exe[PATH_MAX], rootfs[PATH_MAX + 16], file[PATH_MAX + 16], found[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (operands(argc, argv, o, 0, false) < 0 || sys("runtime", len, "readlink(exe)") < 0)
		return EXIT_KIT_ERROR;
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	/* The kit's rootfs, by absolute path, as mount.c finds it; else runc's "rootfs". */
	snprintf(rootfs, sizeof(rootfs), "%s/../rootfs", exe);
	snprintf(file, sizeof(file), "%s/config.json", o->bundle);
	return write_default_config(file, realpath(rootfs, found) ? found : "rootfs") < 0
		? EXIT_KIT_ERROR : 0;
}

static int cmd_create(int argc, char **argv, const struct options *o)
{
	if (operands(argc, argv, o, 1, false) < 0)
		return EXIT_KIT_ERROR;
	return create_detached(argv[o->first], o->bundle, o->pid_file);
}

static int cmd_run(int argc, char **argv, const struct options *o)
{
	int status;

	if (operands(argc, argv, o, 1, false) < 0)
		return EXIT_KIT_ERROR;
	if (!o->detach)
		return run_foreground(argv[o->first], o->bundle, o->pid_file);
	status = create_detached(argv[o->first], o->bundle, o->pid_file);
	if (status == 0 && (status = start(argv[o->first])) != 0)
		delete(argv[o->first], true);
	return status;
}

static int cmd_start(int argc, char **argv, const struct options *o)
{
	return operands(argc, argv, o, 1, false) < 0 ? EXIT_KIT_ERROR : start(argv[o->first]);
}

static int cmd_state(int argc, char **argv, const struct options *o)
{
	struct state st;
	json_t *out;

	if (operands(argc, argv, o, 1, false) < 0 || open_state(argv[o->first], &st) < 0)
		return EXIT_KIT_ERROR;
	out = oci_state(&st);
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(out);
	return close_state(&st, 0);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Like `runc list`: one row per container, columns as wide as their widest value. */
static int cmd_list(int argc, char **argv, const struct options *o)
{
	static const char *const headers[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	static char *names[4096], *cells[4097][6];
	char pid[16];
	int width[6] = { 0 }, rows = 0, count = 0;
	DIR *dir;
	struct dirent *e;

	if (operands(argc, argv, o, 0, false) < 0)
		return EXIT_KIT_ERROR;
	dir = opendir(state_root);
	while (dir && count < 4096 && (e = readdir(dir)))
		if (e->d_name[0] != '.')
			names[count++] = strdup(e->d_name);
	if (dir)
		closedir(dir);
	qsort(names, count, sizeof(names[0]), compare_names);
	memcpy(cells[rows++], headers, sizeof(headers));
	for (int i = 0; i < count; i++) {
		struct state st;
		struct stat sb;
		struct passwd *owner;
		json_t *s;

		if (open_state(names[i], &st) < 0)
			continue;
		s = oci_state(&st);
		snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(json_object_get(s, "pid")));
		owner = stat(st.dir, &sb) == 0 ? getpwuid(sb.st_uid) : NULL;
		char *row[6] = { names[i], strdup(pid), strdup(text_field(s, "status")),
				 strdup(text_field(s, "bundle")), strdup(text_field(s, "created")),
				 owner ? strdup(owner->pw_name) : "?" };
		memcpy(cells[rows++], row, sizeof(row));
		json_decref(s);
		close_state(&st, 0);
	}
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < 6; c++)
			if ((int)strlen(cells[r][c]) > width[c])
				width[c] = (int)strlen(cells[r][c]);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < 6; c++)
			printf(c < 5 ? "%-*s   " : "%-*s\n", c < 5 ? width[c] : 0, cells[r][c]);
	return 0;
}

static int cmd_kill(int argc, char **argv, const struct options *o)
{
	const char *signame = argc - o->first == 2 ? argv[o->first + 1] : "TERM";
	const char *status;
	struct state st;
	int sig;

	if (operands(argc, argv, o, 1, true) < 0)
		return EXIT_KIT_ERROR;
	if (argc - o->first > 2)
		return fail("runtime", "kill: too many arguments: ID [SIGNAL]"), EXIT_KIT_ERROR;
	if ((sig = parse_signal(signame)) < 0)
		return fail("runtime", "kill: \"%s\" is not a signal (TERM, SIGTERM, 15, KILL, USR1, ...)",
			    signame), EXIT_KIT_ERROR;
	if (open_state(argv[o->first], &st) < 0)
		return EXIT_KIT_ERROR;
	status = status_of(&st);
	if (strcmp(status, "created") != 0 && strcmp(status, "running") != 0)
		return close_state(&st, (fail("runtime", "container \"%s\" is %s: there is no "
					     "process to signal", st.id, status), EXIT_KIT_ERROR));
	return close_state(&st, signal_init(&st, sig) < 0 ? EXIT_KIT_ERROR : 0);
}

static int cmd_delete(int argc, char **argv, const struct options *o)
{
	if (operands(argc, argv, o, 1, false) < 0)
		return EXIT_KIT_ERROR;
	return delete(argv[o->first], o->force) < 0 ? EXIT_KIT_ERROR : 0;
}

static int cmd_exec(int argc, char **argv, const struct options *o)
{
	int command = o->first + 1;
	const char *status;
	struct state st;

	if (operands(argc, argv, o, 1, true) < 0)
		return EXIT_KIT_ERROR;
	if (command < argc && strcmp(argv[command], "--") == 0)
		command++;
	if (command >= argc)
		return fail("runtime", "exec: missing COMMAND (exec ID [--] COMMAND [ARG...])"),
		       EXIT_KIT_ERROR;
	if (open_state(argv[o->first], &st) < 0)
		return EXIT_KIT_ERROR;
	status = status_of(&st);
	if (strcmp(status, "running") != 0)
		return close_state(&st, (fail("runtime", "container \"%s\" is %s: exec needs a "
					     "running container", st.id, status), EXIT_KIT_ERROR));
	return close_state(&st, exec_in_container(st.pid, argv + command));
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, const struct options *o);
} commands[] = {
	{ "spec", cmd_spec }, { "create", cmd_create }, { "start", cmd_start },
	{ "run", cmd_run }, { "state", cmd_state }, { "list", cmd_list },
	{ "kill", cmd_kill }, { "delete", cmd_delete }, { "exec", cmd_exec },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int command_index(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The global options before COMMAND; returns COMMAND's index in argv. */
static int skip_global_options(int argc, char **argv, const char **root)
{
	int i = 1;

	while (i < argc) {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			*root = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--root=", 7) == 0) {
			*root = argv[i++] + 7;
		} else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			i++;
		} else {
			break;
		}
	}
	return i;
}

/*
 * `container [--root DIR] [-v] create ...`; anything else is the flag form.
 * --root is the runtime's alone (else getopt would take it for --rootfs).
 */
bool is_runtime_command(int argc, char **argv)
{
	const char *root = NULL;
	int i = skip_global_options(argc, argv, &root);

	return root != NULL || (i < argc && command_index(argv[i]) >= 0);
}

/* ROOT, absolute: the monitor leaves the current directory. */
static int set_state_root(const char *root)
{
	const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
	char cwd[PATH_MAX];

	if (root == NULL && geteuid() != 0 && runtime_dir == NULL)
		return fail("runtime", "run by a user: give --root DIR (or set XDG_RUNTIME_DIR)");
	if (root == NULL && geteuid() != 0)
		snprintf(state_root, sizeof(state_root), "%s/container-kit/runtime", runtime_dir);
	else if (root == NULL)
		snprintf(state_root, sizeof(state_root), "%s", DEFAULT_ROOT);
	else if (root[0] == '/')
		snprintf(state_root, sizeof(state_root), "%s", root);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return sys("runtime", -1, "getcwd()");
	else
		return state_file(cwd, root, state_root);
	return 0;
}

int runtime_main(int argc, char **argv)
{
	const char *root = NULL;
	int i = skip_global_options(argc, argv, &root);
	struct options o;

	for (int g = 1; g < i; g++)
		verbose |= strcmp(argv[g], "-v") == 0 || strcmp(argv[g], "--verbose") == 0;
	/*
	 * Only stdin, stdout and stderr go on: a descriptor the caller left
	 * open would be held by the monitor for the container's life, and be
	 * the container's to use.
	 */
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);  /* a reader gone is an error to report, not death */
	if (i == argc || command_index(argv[i]) < 0)
		return fail("runtime", "%s: unknown command (spec, create, start, run, state, list, "
			    "kill, delete, exec)", i < argc ? argv[i] : "(none)"), EXIT_KIT_ERROR;
	if (set_state_root(root) < 0 || parse_command_options(argc - i, argv + i, &o) < 0)
		return EXIT_KIT_ERROR;
	trace("runtime", "%s, state in %s", argv[i], state_root);
	return commands[command_index(argv[i])].run(argc - i, argv + i, &o);
}
