/*
 * hooks.c - config.json's hooks: programs the runtime runs at fixed points
 * of the lifecycle, each with the container's state (runtime.md "State")
 * on its stdin, as an engine uses them to set up what the runtime does not
 * (a network, a device). The state's pid is the init's as the host sees
 * it: a hook enters its namespaces by it (nsenter -t PID -n), as podman's
 * netavark and Docker's libnetwork-setkey do. At the spec's moments:
 *   prestart, createRuntime  `create`, in the runtime's namespaces, once the
 *                            container's exist and the init waits; a failure
 *                            fails `create` (and undoes it);
 *   createContainer          next, in the container's namespaces but the
 *                            mount namespace: the program is the host's
 *                            (runc runs it before pivot_root, with the host's
 *                            root still in sight; here the root is pivoted);
 *   startContainer           `start`, before COMMAND runs: in every namespace
 *                            of the container and its root, the program the
 *                            container's; a failure fails `start`;
 *   poststart                `start`, once COMMAND runs; a failure is a warning;
 *   poststop                 `delete`, once everything is gone; a warning.
 *
 * Chapter: 5.3 "Using runc" (the OCI lifecycle).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config.md#posix-platform-hooks
 *       https://github.com/opencontainers/runtime-spec/blob/main/runtime.md#lifecycle
 * Man pages: fork(2), execve(2), pipe(2), pidfd_open(2), poll(2), setns(2), chroot(2).
 */
#include "kit.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HOOK_ARGS 64

/* create checks them all before anything is made: what could not run is an error now. */
int check_hooks(json_t *hooks, const char *file)
{
	static const char *const kinds[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop" };
	const char *kind;
	json_t *list, *hook;
	size_t i;

	if (hooks == NULL)
		return 0;
	if (!json_is_object(hooks))
		return fail("runtime", "%s: hooks: must be an object", file);
	json_object_foreach(hooks, kind, list) {
		bool known = false;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			known |= strcmp(kind, kinds[k]) == 0;
		if (!known && json_array_size(list) > 0)
			return fail("runtime", "%s: hooks.%s: not a hook of runtime-spec 1.2", file,
				    kind);
		if (!json_is_array(list))
			return fail("runtime", "%s: hooks.%s: must be an array", file, kind);
		json_array_foreach(list, i, hook) {
			const char *path = json_string_value(json_object_get(hook, "path"));
			json_t *timeout = json_object_get(hook, "timeout");
			if (path == NULL || path[0] != '/')
				return fail("runtime", "%s: hooks.%s[%zu].path: must be an absolute path",
					    file, kind, i);
			if (timeout && (!json_is_integer(timeout) || json_integer_value(timeout) <= 0))
				return fail("runtime", "%s: hooks.%s[%zu].timeout: must be a number of "
					    "seconds above 0", file, kind, i);
		}
	}
	return 0;
}

/* A NULL-terminated vector of the strings of array (or just first, if array is empty). */
static void to_vector(json_t *array, const char *first, char **out)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(array, i, v)
		if (json_is_string(v) && n < MAX_HOOK_ARGS)
			out[n++] = (char *)json_string_value(v);
	if (n == 0 && first)
		out[n++] = (char *)first;
	out[n] = NULL;
}

/*
 * The hook's child, for createContainer and startContainer: into the init's
 * namespaces (user first: it owns the others), all but mnt for the first,
 * as exec.c enters them; setns(pid) places children only, so it forks once
 * more and passes the hook's end on. 0, or -1: the caller exits 126.
 */
static int enter_init(pid_t pid, bool mount_too)
{
	int fds[NNAMESPACE_TYPES], root, status;
	char path[64];
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		char ours[64];
		struct stat a, b;

		fds[n] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, namespace_types[n].proc);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", namespace_types[n].proc);
		if ((n == NS_MNT && !mount_too) || stat(path, &a) < 0 || stat(ours, &b) < 0 ||
		    a.st_ino == b.st_ino)
			continue;  /* setns() into our own user namespace is EINVAL */
		if ((fds[n] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
	}
	if (root < 0)
		return -1;
	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (fds[n] >= 0 && setns(fds[n], 0) < 0)
			return -1;
	if (mount_too && (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0))
		return -1;
	if ((child = fork()) != 0) {
		if (child < 0 || waitpid(child, &status, 0) < 0)
			return -1;
		_exit(exit_code(status));
	}
	return 0;
}

/* The hook's child: the state on stdin, then exec. Never returns. */
static void exec_hook(json_t *hook, int state_fd, pid_t inside, bool mount_too)
{
	char *argv[MAX_HOOK_ARGS + 1], *envp[MAX_HOOK_ARGS + 1];
	const char *path = json_string_value(json_object_get(hook, "path"));

	to_vector(json_object_get(hook, "args"), path, argv);
	to_vector(json_object_get(hook, "env"), NULL, envp);
	if (dup2(state_fd, STDIN_FILENO) < 0 || (inside > 0 && enter_init(inside, mount_too) < 0))
		_exit(126);
	execve(path, argv, envp);
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * Runs one hook; its exit code, 128+N if killed, or -1 (timed out or not
 * started). inside: the init's pid, whose namespaces it runs in; or 0.
 */
static int run_hook(json_t *hook, const char *state_text, pid_t inside, bool mount_too)
{
	json_t *timeout = json_object_get(hook, "timeout");
	int seconds = timeout ? (int)json_integer_value(timeout) : 0, pipe_fds[2], status;
	struct pollfd p = { .events = POLLIN };
	pid_t pid;

	if (sys("runtime", pipe2(pipe_fds, O_CLOEXEC), "pipe2(hook's stdin)") < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipe_fds[1]);
		exec_hook(hook, pipe_fds[0], inside, mount_too);
	}
	close(pipe_fds[0]);
	if (sys("runtime", pid, "fork() a hook") < 0) {
		close(pipe_fds[1]);
		return -1;
	}
	/* A hook that does not read its stdin gets EPIPE here, which is its business. */
	if (write(pipe_fds[1], state_text, strlen(state_text)) < 0 && errno != EPIPE)
		sys("runtime", -1, "write(hook's stdin)");
	close(pipe_fds[1]);
	p.fd = pidfd_open(pid, 0);
	if (seconds > 0 && p.fd >= 0 && poll(&p, 1, seconds * 1000) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(p.fd);
		return -1;
	}
	if (p.fd >= 0)
		close(p.fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return exit_code(status);
}

/*
 * Runs hooks.KIND in order, each with state on stdin. fatal: the first that
 * fails stops them and is an error (-1); else each failure is a warning.
 * createContainer and startContainer run in the namespaces of state's pid.
 */
int run_hooks(json_t *hooks, const char *kind, json_t *state, bool fatal)
{
	bool in_container = strcmp(kind, "createContainer") == 0 ||
			    strcmp(kind, "startContainer") == 0;
	pid_t inside = in_container ? (pid_t)json_integer_value(json_object_get(state, "pid")) : 0;
	json_t *list = json_object_get(hooks, kind), *hook;
	char *state_text;
	size_t i;
	int ret = 0;

	if (json_array_size(list) == 0)
		return 0;
	state_text = json_dumps(state, JSON_COMPACT);
	if (state_text == NULL)
		return fail("runtime", "hooks.%s: could not write the state as JSON", kind);
	json_array_foreach(list, i, hook) {
		const char *path = json_string_value(json_object_get(hook, "path"));
		int status = run_hook(hook, state_text, inside,
				      strcmp(kind, "startContainer") == 0);

		trace("runtime", "hooks.%s[%zu] %s: exit %d", kind, i, path, status);
		if (status == 0)
			continue;
		if (!fatal) {
			warn("runtime", "hooks.%s[%zu] %s %s", kind, i, path, status < 0 ?
			     "did not finish in its timeout" : "failed");
			continue;
		}
		ret = fail("runtime", "hooks.%s[%zu] %s: %s (exit %d)", kind, i, path,
			   status < 0 ? "did not finish in its timeout, killed" : "failed", status);
		break;
	}
	free(state_text);
	return ret;
}

/* A bundle's hooks, for `start` and `delete`, which do not load the whole config. */
json_t *bundle_hooks(const char *bundle)
{
	char file[PATH_MAX + 16];
	json_t *config, *hooks;

	if (bundle == NULL)
		return NULL;
	snprintf(file, sizeof(file), "%s/config.json", bundle);
	config = json_load_file(file, 0, NULL);
	hooks = json_incref(json_object_get(config, "hooks"));
	json_decref(config);
	return hooks;
}

/* `start`, before the init goes on: startContainer, in the container; a failure fails start. */
int run_start_container(const struct state *st)
{
	json_t *hooks = bundle_hooks(json_string_value(json_object_get(st->json, "bundle")));
	json_t *state = oci_state(st);
	int ret = run_hooks(hooks, "startContainer", state, true);

	json_decref(state);
	json_decref(hooks);
	return ret;
}

/* `start`, once COMMAND runs: poststart, whose failures are warnings. */
int run_poststart(const struct state *st)
{
	json_t *hooks = bundle_hooks(json_string_value(json_object_get(st->json, "bundle")));
	json_t *state = oci_state(st);

	run_hooks(hooks, "poststart", state, false);
	json_decref(state);
	json_decref(hooks);
	return 0;
}

/* `delete`: the state directory goes, then poststop runs with the last state. */
int delete_and_run_poststop(const struct state *st)
{
	json_t *hooks = bundle_hooks(json_string_value(json_object_get(st->json, "bundle")));
	json_t *state = oci_state(st);
	int ret = remove_state_dir(st->dir);

	if (ret == 0)
		run_hooks(hooks, "poststop", state, false);
	json_decref(state);
	json_decref(hooks);
	return ret;
}
