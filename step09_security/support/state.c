/*
 * state.c - the runtime's state directory: ROOT/ID holds state.json (written
 * whole, by rename) and exec.fifo (gone once started), and is how the short
 * commands (start, state, kill, delete) find a container the monitor keeps.
 * A PID can be reused once its process is reaped: state.json keeps the
 * init's and the monitor's start times (/proc/PID/stat, field 22), compared
 * at every use.
 *
 * Chapter: 5.1 "Runtime Layers", 5.3 "Using runc" (runc state, runc list).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/runtime.md ("State")
 * Man pages: proc(5) (/proc/PID/stat), rename(2), mkfifo(3), fifo(7), readdir(3).
 */
#include "kit.h"
#include "runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ID_MAX 64

/* ROOT, absolute: the monitor leaves the current directory. */
static char root_dir[PATH_MAX];

int set_state_root(const char *root)
{
	const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
	char cwd[PATH_MAX];

	if (root == NULL && geteuid() != 0 && runtime_dir == NULL)
		return fail("runtime", "run by a user: give --root DIR (or set XDG_RUNTIME_DIR)");
	if (root == NULL && geteuid() != 0)
		snprintf(root_dir, sizeof(root_dir), "%s/container-kit/runtime", runtime_dir);
	else if (root == NULL)
		snprintf(root_dir, sizeof(root_dir), "%s", DEFAULT_ROOT);
	else if (root[0] == '/')
		snprintf(root_dir, sizeof(root_dir), "%s", root);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return sys("runtime", -1, "getcwd()");
	else
		return state_file(cwd, root, root_dir);
	return 0;
}

const char *state_root(void)
{
	return root_dir;
}

/*
 * A process's identity is its PID and its start time: a PID alone may
 * name a newer process once the old one is reaped. 0: no such process, or
 * a zombie (it has exited; only its parent has still to reap it).
 */
unsigned long long start_time(pid_t pid)
{
	char path[32], buf[1024], state;
	unsigned long long started = 0;
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
		   "%*s %*s %*s %*s %*s %*s %llu", &state, &started) != 2)
		return 0;
	return state == 'Z' || state == 'X' ? 0 : started;
}

bool alive(pid_t pid, unsigned long long started)
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
int check_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > ID_MAX || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					     "0123456789_.-") != len ||
	    strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return fail("runtime", "container ID \"%s\": use 1 to %d of A-Z a-z 0-9 _ . - "
			    "(not . or ..)", id, ID_MAX);
	return 0;
}

/* dir/name into out (PATH_MAX); -1 after reporting a path too long. */
int state_file(const char *dir, const char *name, char *out)
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
int open_state(const char *id, struct state *st)
{
	char file[PATH_MAX];
	struct stat sb;

	*st = (struct state){ .id = id, .recorded = "creating" };
	if (check_id(id) < 0)
		return -1;
	if (state_file(root_dir, id, st->dir) < 0)
		return -1;
	if (stat(st->dir, &sb) < 0)
		return fail("runtime", "container \"%s\" does not exist (in %s)", id, root_dir);
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
int close_state(struct state *st, int ret)
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
const char *status_of(const struct state *st)
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

/* A command that the container's status does not allow: says why, -1. */
int refuse_status(struct state *st, const char *status, const char *why)
{
	return close_state(st, fail("runtime", "container \"%s\" is %s: %s", st->id, status, why));
}

/*
 * Finds container id if its status is in allowed ("created running"); -1
 * after saying why not. No status is a part of another: strstr() will do.
 */
int open_state_in(const char *id, struct state *st, const char *allowed, const char *why)
{
	const char *status;

	if (open_state(id, st) < 0)
		return -1;
	status = status_of(st);
	return strstr(allowed, status) ? 0 : refuse_status(st, status, why);
}

/* Written whole or not at all: a reader never sees half a file. */
int save_state(const char *dir, json_t *json)
{
	char file[PATH_MAX], tmp[PATH_MAX];

	state_file(dir, "state.json", file);
	state_file(dir, "state.json.tmp", tmp);
	if (json_dump_file(json, tmp, JSON_INDENT(2)) < 0)
		return sys("runtime", -1, "write(\"%s\")", tmp);
	return sys("runtime", rename(tmp, file), "rename(\"%s\", \"state.json\")", tmp) < 0 ? -1 : 0;
}

int remove_state_dir(const char *dir)
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

/* ROOT/ID into dir (PATH_MAX), made with its exec.fifo; -1 if it exists or cannot be. */
int make_state_dir(const char *id, char *dir)
{
	char fifo[PATH_MAX];

	if (state_file(root_dir, id, dir) < 0 || make_dirs("runtime", root_dir, 0711) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0)
		return errno == EEXIST ? fail("runtime", "container \"%s\" exists already", id)
				       : sys("runtime", -1, "mkdir(\"%s\")", dir);
	state_file(dir, "exec.fifo", fifo);
	/* 0622: the init, container root, is no one on the host: it may only write. */
	if (sys("runtime", mkfifo(fifo, 0622), "mkfifo(\"%s\")", fifo) < 0 ||
	    sys("runtime", chmod(fifo, 0622), "chmod(\"%s\", 0622)", fifo) < 0) {
		remove_state_dir(dir);
		return -1;
	}
	return 0;
}

/* state.json before the monitor reports "created": this process answers for it. */
json_t *new_state(const char *id, const struct oci_config *config)
{
	char created[64];

	json_t *state, *hooks = json_object_get(config->json, "hooks");

	now_rfc3339(created, sizeof(created));
	state = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:O, s:{s:i, s:I}}",
		"ociVersion", OCI_VERSION, "id", id, "status", "creating", "pid", 0,
		"bundle", config->bundle, "rootfs", config->rootfs, "created", created,
		"annotations", config->annotations,
		"kit", "monitor", (int)getpid(), "monitorStart", (json_int_t)start_time(getpid()));
	/* config.json edited after create must not change the container (runtime.md):
	 * `start` and `delete` run the hooks read now, not the bundle's. */
	if (state && hooks)
		json_object_set(json_object_get(state, "kit"), "hooks", hooks);
	return state;
}

/* The OCI state (runtime.md "State"), with runc's extra keys. */
json_t *oci_state(const struct state *st)
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

/* `state`: json on stdout, indented as runc's; then frees it. */
void put_json(json_t *json)
{
	json_dumpf(json, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(json);
}

/* Written whole, as state.json: a reader never sees an empty file. */
int write_pid_file(const char *file, pid_t pid)
{
	return write_pid_file_at(AT_FDCWD, file, pid);
}

/* file relative to dir: exec writes it once chroot'ed, through a dir opened before. */
int write_pid_file_at(int dir, const char *file, pid_t pid)
{
	char tmp[PATH_MAX + 8], text[16];
	int fd, len = snprintf(text, sizeof(text), "%d", (int)pid);

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sys("runtime", -1, "open(\"%s\")", tmp);
	if (write(fd, text, (size_t)len) != len) {
		close(fd);
		return sys("runtime", -1, "write(\"%s\")", tmp);
	}
	close(fd);
	return sys("runtime", renameat(dir, tmp, dir, file), "rename(\"%s\", \"%s\")", tmp,
		   file) < 0 ? -1 : 0;
}

/* Until the monitor has recorded "stopped": then its cleanup is done. */
void wait_for_cleanup(const struct state *st)
{
	for (int waited = 0; waited < WAIT_MS; waited += 10) {
		struct state now;

		if (open_state(st->id, &now) < 0 || strcmp(now.recorded, "stopped") == 0 ||
		    now.json == NULL) {
			close_state(&now, 0);
			return;
		}
		if (!alive(now.monitor, now.monitor_start)) {
			warn("runtime", "the monitor of \"%s\" (pid %d) died before its cleanup: "
			     "host resources may be left", st->id, (int)now.monitor);
			close_state(&now, 0);
			return;
		}
		close_state(&now, 0);
		sleep_ms(10);
	}
	warn("runtime", "\"%s\" not cleaned up after %d s", st->id, WAIT_MS / 1000);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One row of `list`: ID PID STATUS BUNDLE CREATED OWNER; -1: the ID is not a container's. */
static int list_row(char *name, char *row[6])
{
	struct state st;
	struct stat sb;
	struct passwd *owner;
	char pid[16];
	json_t *s;

	if (open_state(name, &st) < 0)
		return -1;
	s = oci_state(&st);
	snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(json_object_get(s, "pid")));
	owner = stat(st.dir, &sb) == 0 ? getpwuid(sb.st_uid) : NULL;
	row[0] = name;
	row[1] = strdup(pid);
	row[2] = strdup(text_field(s, "status"));
	row[3] = strdup(text_field(s, "bundle"));
	row[4] = strdup(text_field(s, "created"));
	row[5] = owner ? strdup(owner->pw_name) : "?";
	json_decref(s);
	return close_state(&st, 0);
}

/* Like `runc list`: one row per container, columns as wide as their widest value. */
int list_containers(const struct options *o)
{
	static const char *const headers[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	static char *names[4096], *cells[4097][6];
	int width[6] = { 0 }, rows = 0, count = 0;
	DIR *dir;
	struct dirent *e;

	(void)o;
	dir = opendir(root_dir);
	while (dir && count < 4096 && (e = readdir(dir)))
		if (e->d_name[0] != '.')
			names[count++] = strdup(e->d_name);
	if (dir)
		closedir(dir);
	qsort(names, count, sizeof(names[0]), compare_names);
	memcpy(cells[rows++], headers, sizeof(headers));
	for (int i = 0; i < count; i++)
		if (list_row(names[i], cells[rows]) == 0)
			rows++;
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < 6; c++)
			if ((int)strlen(cells[r][c]) > width[c])
				width[c] = (int)strlen(cells[r][c]);
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < 6; c++)
			printf(c < 5 ? "%-*s   " : "%-*s\n", c < 5 ? width[c] : 0, cells[r][c]);
	return 0;
}
