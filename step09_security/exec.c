/*
 * exec.c - `container exec ID COMMAND`: one more process in a running
 * container, as `nsenter -t PID --all` (chapter 2.3) makes one. Nothing is
 * created: the process JOINS what the init is in, by the files of /proc/PID.
 * It opens them all first, while /proc is still the host's; then setns()
 * into each namespace, user first; fchdir() to the init's root, chroot(".");
 * fork(), as setns(pid) applies to children only. The child joins the init's
 * cgroups and cgroup namespace, becomes container root and execs COMMAND
 * (exec_context.c: cgroups, environ, signals); we pass on its exit code.
 *
 * Chapter: 2.3 "Entering Namespaces with nsenter", 5.1 (the runtime's, not the kernel's).
 * Man pages: setns(2), nsenter(1), namespaces(7) (/proc/PID/ns), proc(5)
 *            (/proc/PID/root), chroot(2), prctl(2) (PR_SET_DUMPABLE), fork(2).
 */
#include "kit.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
	/* exercise: 3. setns(2) into namespace N by fds[N], from /proc/PID/ns (< 0: shared
	 *   already); type 0: the fd says which; then close it. -v, as the tests match it:
	 *   "[exec] setns(/proc/PID/ns/NAME) = 0", NAME namespace_types[N].proc
	 * check: ^runtime: (exec joins the container|-v traces the lifecycle) */
	if (fds[n] < 0)
		return 0;  /* shared with us */
	if (sys("exec", setns(fds[n], 0), "setns(/proc/%d/ns/%s)", pid, namespace_types[n].proc) < 0)
		return -1;
	close(fds[n]);
	return 0;
	/* end exercise */
}

/*
 * The user namespace first (namespace_types[0]): in it we hold every capability
 * over the namespaces it owns - the container's others - which their setns()
 * checks. Not the cgroup namespace: the child enters it after join_cgroups().
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

/* After fork(): in the PID namespace now; the last steps, then COMMAND. */
static void exec_child_main(pid_t pid, int ns_fds[], const struct cgroup_file cgroups[],
			    const struct exec_request *r, char **env)
{
	char **argv = r->argv;

	reset_signals();
	if (join_cgroups(cgroups) < 0 || enter_namespace(pid, ns_fds, NS_CGROUP) < 0 ||
	    (r->console >= 0 && take_terminal(r->console) < 0) || become_container_root() < 0)
		_exit(EXIT_KIT_ERROR);
	if (r->cwd && sys("exec", chdir(r->cwd), "chdir(\"%s\")", r->cwd) < 0)
		_exit(EXIT_KIT_ERROR);
	environ = env;
	trace("exec", "execvp(\"%s\")", argv[0]);
	execvp(argv[0], argv);
	sys("exec", -1, "execvp(\"%s\")", argv[0]);
	_exit(errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* Returns COMMAND's exit code, as docker exec: 128+N if killed by signal N. */
int exec_in_container(pid_t pid, const struct exec_request *r)
{
	static struct cgroup_file cgroups[MAX_CGROUPS];
	int ns_fds[NNAMESPACE_TYPES], root_fd, status;
	char root[32], **env;
	pid_t child;

	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sys("exec", root_fd, "open(\"%s\")", root) < 0 || open_namespaces(pid, ns_fds) < 0 ||
	    (env = r->env ? r->env : environment_of(pid)) == NULL || open_cgroups(pid, cgroups) < 0)
		return EXIT_KIT_ERROR;
	check_leaks_now();  /* make SANITIZE=1: not at exit, in the container's PID namespace */
	/*
	 * Not dumpable: no process of the container may open our /proc/PID/exe
	 * (the kit's binary: CVE-2019-5736) or ptrace us, before COMMAND replaces it.
	 */
	if (sys("exec", prctl(PR_SET_DUMPABLE, 0), "prctl(PR_SET_DUMPABLE, 0)") < 0 ||
	    enter_namespaces(pid, ns_fds) < 0 || enter_root(root_fd) < 0)
		return EXIT_KIT_ERROR;
	child = fork_forwarding_signals();
	if (sys("exec", child, "fork()") < 0)
		return EXIT_KIT_ERROR;
	if (child == 0)
		exec_child_main(pid, ns_fds, cgroups, r, env);
	if (r->pid_file && write_pid_file_at(r->pid_dir, r->pid_file, child) < 0)
		return EXIT_KIT_ERROR;
	if (r->detach)  /* exec --detach: its parent's parent (an engine's subreaper) reaps it */
		return 0;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return sys("exec", -1, "waitpid(%d)", child) < 0 ? EXIT_KIT_ERROR : 0;
	return exit_code(status);
}
