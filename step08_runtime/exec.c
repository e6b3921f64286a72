/*
 * exec.c - `container exec ID COMMAND`: one more process in a running
 * container, which is what `nsenter -t PID --all` does (chapter 2.3), plus
 * the container's cgroups. Nothing is created: the process JOINS what the
 * container's init is in, by the files of /proc/PID:
 *
 *   1. open everything first, while /proc and /sys are still the host's:
 *      ns/<type> for each namespace the init does not share with us, root
 *      (its pivoted root directory), environ (what process.env gave it),
 *      and the cgroup.procs file of each of its cgroups;
 *   2. setns() into each namespace, user first: once in the container's
 *      user namespace we hold every capability over the namespaces it owns
 *      (all the others), which is what their setns() checks;
 *   3. fchdir() to the init's root and chroot("."): setns(mnt) left us at
 *      the namespace's root, not at the root the mount layer pivoted into;
 *   4. fork(): setns(pid) applies to children only. The child joins the
 *      cgroups (so that we, waiting, count against none of its limits),
 *      then the cgroup namespace, becomes container root (setresuid(0) in
 *      the container's user namespace) and execs COMMAND; we pass on its
 *      exit code, as docker exec.
 *
 * Chapter: 2.3 "Entering Namespaces with nsenter", 3.2 (cgroup.procs),
 *          5.1 (exec is the runtime's, not the kernel's).
 * Man pages: setns(2), nsenter(1), namespaces(7) (/proc/PID/ns), proc(5)
 *            (/proc/PID/cgroup, mountinfo, environ, root), cgroups(7),
 *            chroot(2), prctl(2) (PR_SET_DUMPABLE), fork(2).
 */
#include "kit.h"
#include "runtime.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>  /* make SANITIZE=1 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* A cgroup.procs file of the container's, opened while the host's /sys is in sight. */
struct cgroup_file {
	int fd;
	char path[PATH_MAX];
};
#define MAX_CGROUPS 16  /* v1: a hierarchy per controller */

/*
 * The container's cgroup.procs, one per hierarchy (one on v2, one per
 * controller on v1) where its init is elsewhere than we are; the list ends
 * with fd -1. The child writes them after fork().
 */
static int open_cgroups(pid_t pid, struct cgroup_file files[MAX_CGROUPS])
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
static int join_cgroups(const struct cgroup_file files[])
{
	for (int i = 0; files[i].fd >= 0; i++) {
		if (sys("exec", write(files[i].fd, "0", 1) < 0 ? -1 : 0, "echo 0 > %s",
			files[i].path) < 0)
			return -1;
		close(files[i].fd);
	}
	return 0;
}

/* The init's environment: what process.env gave it (NUL-separated in /proc). */
static char **environment_of(pid_t pid)
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

/* The init's namespaces that are not already ours, opened while /proc is the host's. */
static int open_namespaces(pid_t pid, int fds[NNAMESPACE_TYPES])
{
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		char theirs[64], ours[64];
		struct stat a, b;

		fds[n] = -1;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", pid, namespace_types[n].proc);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", namespace_types[n].proc);
		/* setns() into the user namespace we are in already is EINVAL. */
		if (stat(theirs, &a) < 0 || stat(ours, &b) < 0 || a.st_ino == b.st_ino)
			continue;
		fds[n] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (sys("exec", fds[n], "open(\"%s\")", theirs) < 0)
			return -1;
	}
	return 0;
}

static int enter_namespace(pid_t pid, int fds[NNAMESPACE_TYPES], int n)
{
	/* exercise: setns(2) into the container's namespace N through fds[N], opened from /proc/PID/ns (fds[N] < 0: we share it already) */
	if (fds[n] < 0)
		return 0;  /* shared with us */
	if (sys("exec", setns(fds[n], 0), "setns(/proc/%d/ns/%s)", pid, namespace_types[n].proc) < 0)
		return -1;
	close(fds[n]);
	return 0;
	/* end exercise */
}

/*
 * The user namespace first (namespace_types[0]): in it we hold every
 * capability over the namespaces it owns - the container's others - so the
 * kernel's checks for those setns() calls pass. Not the cgroup namespace:
 * the child enters it, after joining the cgroups (join_cgroups()).
 */
static int enter_namespaces(pid_t pid, int fds[NNAMESPACE_TYPES])
{
	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (n != NS_CGROUP && enter_namespace(pid, fds, n) < 0)
			return -1;
	return 0;
}

/* Its root: setns(mnt) leaves us at the namespace's root, not at the pivoted one. */
static int enter_root(int root_fd)
{
	if (sys("exec", fchdir(root_fd), "fchdir(/proc/PID/root)") < 0 ||
	    sys("exec", chroot("."), "chroot(\".\")") < 0 ||
	    sys("exec", chdir("/"), "chdir(\"/\")") < 0)
		return -1;
	close(root_fd);
	return 0;
}

/*
 * step09 (security) hook: the init dropped capabilities, set no_new_privs,
 * loaded its seccomp filter in the security layer's in_child; an exec'd
 * process must get the same before execvp, or it would be the strongest
 * process in the container. Until then there is nothing to keep.
 */
static int keep_container_security(void)
{
	return 0;
}

/* Container root, as user.c's become_root() makes the init. */
static int become_container_root(void)
{
	if (setgroups_allowed() && sys("exec", setgroups(0, NULL), "setgroups(0, [])") < 0)
		return -1;
	if (sys("exec", setresgid(0, 0, 0), "setresgid(0, 0, 0)") < 0 ||
	    sys("exec", setresuid(0, 0, 0), "setresuid(0, 0, 0)") < 0)
		return -1;
	return keep_container_security();
}

static volatile pid_t exec_child;

static void forward_signal(int sig)
{
	if (exec_child > 0)
		kill(exec_child, sig);
}

/* After fork(): in the PID namespace now; the last steps, then COMMAND. */
static void exec_child_main(pid_t pid, int ns_fds[], const struct cgroup_file cgroups[],
			    char **argv, char **env)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (join_cgroups(cgroups) < 0 || enter_namespace(pid, ns_fds, NS_CGROUP) < 0 ||
	    become_container_root() < 0)
		_exit(EXIT_KIT_ERROR);
	environ = env;
	trace("exec", "execvp(\"%s\")", argv[0]);
	execvp(argv[0], argv);
	sys("exec", -1, "execvp(\"%s\")", argv[0]);
	_exit(errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* Returns COMMAND's exit code, as docker exec: 128+N if killed by signal N. */
int exec_in_container(pid_t pid, char **argv)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };
	static struct cgroup_file cgroups[MAX_CGROUPS];
	int ns_fds[NNAMESPACE_TYPES], root_fd, status;
	char root[32], **env;

	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sys("exec", root_fd, "open(\"%s\")", root) < 0 || open_namespaces(pid, ns_fds) < 0 ||
	    (env = environment_of(pid)) == NULL || open_cgroups(pid, cgroups) < 0)
		return EXIT_KIT_ERROR;
#ifdef __SANITIZE_ADDRESS__
	/*
	 * make SANITIZE=1: check for leaks now, not at exit. LeakSanitizer's exit
	 * check stops this process with a helper task, which, started inside the
	 * container's PID namespace, takes our parent for dead and quits, and the
	 * check waits for it forever.
	 */
	__lsan_do_leak_check();
#endif
	/*
	 * Not dumpable: no process of the container may open our /proc/PID/exe
	 * (the kit's binary: CVE-2019-5736) or ptrace us, before COMMAND replaces it.
	 */
	if (sys("exec", prctl(PR_SET_DUMPABLE, 0), "prctl(PR_SET_DUMPABLE, 0)") < 0 ||
	    enter_namespaces(pid, ns_fds) < 0 || enter_root(root_fd) < 0)
		return EXIT_KIT_ERROR;
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	exec_child = fork();
	if (sys("exec", exec_child, "fork()") < 0)
		return EXIT_KIT_ERROR;
	if (exec_child == 0)
		exec_child_main(pid, ns_fds, cgroups, argv, env);
	while (waitpid(exec_child, &status, 0) < 0)
		if (errno != EINTR)
			return sys("exec", -1, "waitpid(%d)", exec_child), EXIT_KIT_ERROR;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
