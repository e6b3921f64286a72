/*
 * memhog MIB - allocates MIB mebibytes and writes to every page, so that
 * each one is really charged to the process's memory cgroup (an untouched
 * malloc() costs nothing). Prints "touched MIB MiB" and exits 0; under a
 * smaller memory limit the OOM killer ends it with SIGKILL first.
 *
 * Static (gcc -static), so it also runs inside a busybox rootfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end, *memory;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long mib;

	errno = 0;
	mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || errno != 0 || end == argv[1] || *end != '\0' || mib == 0) {
		fprintf(stderr, "usage: memhog MIB (a positive whole number)\n");
		return 2;
	}
	memory = malloc(mib << 20);
	if (!memory) {
		perror("memhog: malloc");
		return 1;
	}
	for (unsigned long i = 0; i < mib << 20; i += page)
		memory[i] = 1;
	printf("touched %lu MiB\n", mib);
	return 0;
}
