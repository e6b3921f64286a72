/*
 * exec_context.c - what `container exec` does besides setns(2) (exec.c): it
 * joins the container's cgroups (one cgroup.procs per hierarchy: one on
 * v2, one per controller on v1, found by /proc/PID/cgroup and mountinfo),
 * takes the init's environment (/proc/PID/environ), becomes container root
 * with the init's limits (step09's security layer), and passes the signals
 * it gets on to COMMAND, as docker exec does. Also kill --all, which finds
 * the container's processes by the same cgroup files.
 *
 * Chapter: 2.3 "Entering Namespaces with nsenter", 3.2 (cgroup.procs).
 * Man pages: cgroups(7), proc(5) (/proc/PID/cgroup, mountinfo, environ),
 *            setresuid(2), setgroups(2), sigaction(2), fork(2).
 */
#include "kit.h"
#include "runtime.h"
#include "security.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>  /* make SANITIZE=1 */
#endif

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Whether every name of a comma-separated list is among a mount's options. */
static bool has_all(const char *options, const char *names)
{
	char copy[256], *save = NULL;
	size_t len;

	snprintf(copy, sizeof(copy), "%s", names);
	for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		const char *o = options;

		len = strlen(n);
		while (o && !(strncmp(o, n, len) == 0 && (o[len] == ',' || o[len] == '\0')))
			o = (o = strchr(o, ',')) ? o + 1 : NULL;
		if (o == NULL)
			return false;
	}
	return true;
}

/* Where the hierarchy of a /proc/PID/cgroup line is mounted ("" controllers: v2). */
static int hierarchy_mount(const char *controllers, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], where[PATH_MAX], type[32], options[1024];
	int ret = -1;

	if (f == NULL)
		return sys("exec", -1, "open(\"/proc/self/mountinfo\")");
	while (ret < 0 && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", where) != 1 ||
		    sscanf(dash + 3, "%31s %*s %1023s", type, options) != 2)
			continue;
		if (controllers[0] == '\0' ? strcmp(type, "cgroup2") == 0
					   : strcmp(type, "cgroup") == 0 && has_all(options, controllers))
			ret = snprintf(out, size, "%s", where) > 0 ? 0 : -1;
	}
	fclose(f);
	return ret;
}

/* Our own cgroup in hierarchy id (the third field of /proc/self/cgroup), or "". */
static void own_cgroup(const char *id, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX], *path;

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, id, strlen(id)) == 0 && line[strlen(id)] == ':' &&
		    (path = strchr(line + strlen(id) + 1, ':'))) {
			snprintf(out, size, "%.*s", (int)strcspn(path + 1, "\n"), path + 1);
			break;
		}
	if (f)
		fclose(f);
}


/*
 * The container's cgroup.procs, one per hierarchy (one on v2, one per
 * controller on v1) where its init is elsewhere than we are; the list ends
 * with fd -1. The child writes them after fork().
 */
int open_cgroups(pid_t pid, struct cgroup_file files[MAX_CGROUPS])
{
	char path[PATH_MAX], line[PATH_MAX], ours[PATH_MAX], mnt[PATH_MAX];
	FILE *f;
	int count = 0, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return sys("exec", -1, "open(\"%s\")", path);
	while (ret == 0 && count < MAX_CGROUPS - 1 && fgets(line, sizeof(line), f)) {
		char *controllers = strchr(line, ':'), *cgroup;
		struct cgroup_file *file = &files[count];

		if (!controllers || !(cgroup = strchr(controllers + 1, ':')))
			continue;
		*controllers++ = '\0';  /* line: the hierarchy's id */
		*cgroup++ = '\0';
		cgroup[strcspn(cgroup, "\n")] = '\0';
		own_cgroup(line, ours, sizeof(ours));
		if (strcmp(ours, cgroup) == 0 || hierarchy_mount(controllers, mnt, sizeof(mnt)) < 0)
			continue;  /* there already, or not mounted here: nothing to join */
		if (snprintf(file->path, sizeof(file->path), "%s%s/cgroup.procs", mnt, cgroup) >=
		    (int)sizeof(file->path))
			ret = fail("exec", "%s%s: path too long", mnt, cgroup);
		else if (sys("exec", file->fd = open(file->path, O_WRONLY | O_CLOEXEC),
			     "open(\"%s\")", file->path) < 0)
			ret = -1;
		else
			count++;
	}
	files[count].fd = -1;
	fclose(f);
	return ret;
}

/*
 * `echo 0 > cgroup.procs` moves the writer itself (cgroups(7)), through the
 * files opened before. Before setns(cgroup): on v2, a process may move only
 * within its own cgroup namespace.
 */
int join_cgroups(const struct cgroup_file files[])
{
	for (int i = 0; files[i].fd >= 0; i++) {
		if (sys("exec", write(files[i].fd, "0", 1) < 0 ? -1 : 0, "echo 0 > %s",
			files[i].path) < 0)
			return -1;
		close(files[i].fd);
	}
	return 0;
}

/*
 * kill --all: SIG to every process of the container, as its cgroup lists
 * them (the first hierarchy it has of its own: they all list the same).
 */
int signal_cgroup(pid_t pid, int sig)
{
	static struct cgroup_file files[MAX_CGROUPS];
	char procs[65536];
	int count = 0;

	if (open_cgroups(pid, files) < 0)
		return -1;
	for (int i = 0; files[i].fd >= 0; i++)
		close(files[i].fd);
	if (files[0].fd < 0)
		return fail("runtime", "kill --all: the container has no cgroup of its own");
	if (read_file("runtime", files[0].path, procs, sizeof(procs)) < 0)
		return -1;
	for (char *p = procs, *end; *p; p = end) {
		long target = strtol(p, &end, 10);
		if (end == p)
			break;
		if (sys("runtime", kill((pid_t)target, sig), "kill(%ld, %d)", target, sig) == 0)
			count++;
	}
	trace("runtime", "kill --all: %d processes", count);
	return 0;
}

/* The init's environment: what process.env gave it (NUL-separated in /proc). */
char **environment_of(pid_t pid)
{
	static char buf[64 * 1024];
	static char *env[1024];
	char path[32];
	ssize_t n, total = 0;
	int fd, count = 0;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sys("exec", fd, "open(\"%s\")", path) < 0)
		return NULL;
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	for (char *p = buf; p < buf + total && count < 1023; p += strlen(p) + 1)
		env[count++] = p;
	env[count] = NULL;
	return env;
}

/*
 * The init dropped capabilities, set no_new_privs and loaded its seccomp
 * filter in the security layer's in_child; an exec'd process gets the same
 * before execvp, or it would be the strongest process in the container.
 */
static int keep_container_security(void)
{
	return security_enter();
}

/* Before fork: what the init's parent did before clone (decide, build the filter), and limits. */
int security_prepare_exec(void)
{
	if (security_layer.before_clone(NULL) < 0)
		return -1;
	return set_process_limits(getpid());
}

/* Container root, as user.c's become_root() makes the init. */
int become_container_root(void)
{
	if (setgroups_allowed() && sys("exec", setgroups(0, NULL), "setgroups(0, [])") < 0)
		return -1;
	if (sys("exec", setresgid(0, 0, 0), "setresgid(0, 0, 0)") < 0 ||
	    sys("exec", setresuid(0, 0, 0), "setresuid(0, 0, 0)") < 0)
		return -1;
	return keep_container_security();
}

/* COMMAND's process, once forked: where the signals we get go. */
static volatile pid_t signal_target;

static void forward_signal(int sig)
{
	if (signal_target > 0)
		kill(signal_target, sig);
}

/* fork(); until COMMAND ends, ^C, TERM, HUP... sent to us are COMMAND's. */
pid_t fork_forwarding_signals(void)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	signal_target = fork();
	return signal_target;
}

/*
 * make SANITIZE=1: check for leaks now, not at exit. LeakSanitizer's exit
 * check stops this process with a helper task, which, started inside the
 * container's PID namespace, takes our parent for dead and quits, and the
 * check waits for it forever.
 */
void check_leaks_now(void)
{
#ifdef __SANITIZE_ADDRESS__
	__lsan_do_leak_check();
#endif
}
