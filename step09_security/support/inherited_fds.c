/*
 * inherited_fds.c - what of the host must not reach COMMAND: no fd of the host and
 * no working directory of the host (CVE-2024-21626).
 *
 * The runtime binary cannot be overwritten from inside (CVE-2019-5736): that
 * attack opens /proc/PID/exe of a runtime process that runs inside the
 * container's PID namespace. The kit never re-executes itself: the container's
 * first process has the kit as its exe only between clone() and execve(),
 * when no code of the image runs. `exec` (step08's exec.c) joins as a
 * non-dumpable process (PR_SET_DUMPABLE 0), whose /proc/PID/exe no other
 * process may open, and gets the security layer's limits (security_enter)
 * before its execve. Nothing opens the binary (mount.c only readlinks
 * /proc/self/exe, in the parent), so no fd to it can leak.
 *
 * Chapter: exercise 4 "Hardened Container".
 * Man pages: close_range(2), fcntl(2) (FD_CLOEXEC), getcwd(2), proc(5).
 */
#include "kit.h"
#include "security.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * No fd of the host reaches COMMAND (CVE-2024-21626: a leaked directory fd
 * of the host's /sys/fs/cgroup was a way out). CLOSE_RANGE_CLOEXEC rather
 * than closing: an fd a layer still needs stays usable until execve, which
 * closes them all. Kernels before 5.11 get the same through /proc/self/fd.
 */
int close_host_fds(void)
{
	DIR *dir;
	struct dirent *e;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
		trace("security", "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) = 0");
		return 0;
	}
	dir = opendir("/proc/self/fd");
	if (sys("security", dir ? 0 : -1, "opendir(\"/proc/self/fd\")") < 0)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != dirfd(dir) && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			closedir(dir);
			return sys("security", -1, "fcntl(%d, F_SETFD, FD_CLOEXEC)", fd);
		}
	}
	closedir(dir);
	return 0;
}

/*
 * COMMAND starts in a directory of the container, reached by its name from
 * the new root: a working directory inherited from the host, or set through
 * a leaked fd (CVE-2024-21626), would be a door to the host's tree. The
 * getcwd(2) system call says "(unreachable)" for a directory outside our root.
 */
int enter_working_directory(void)
{
	char cwd[PATH_MAX];

	if (sys("security", syscall(SYS_getcwd, cwd, sizeof(cwd)), "getcwd()") < 0)
		return -1;
	if (cwd[0] != '/')
		return fail("security", "the working directory is outside the container: %s", cwd);
	return sys("security", chdir(cwd), "chdir(\"%s\")", cwd) < 0 ? -1 : 0;
}
