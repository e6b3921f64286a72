/*
 * exe_probe - tries to reach the container runtime's binary from inside, the
 * CVE-2019-5736 way: through /proc/PID/exe (and the fds in /proc/PID/fd) of
 * every process it can see. The runtime is named by its device and inode
 * number on the host (stat -c '%d %i' container).
 *
 * For every path that leads to that inode it prints "reachable: PATH", and
 * tries to open it for writing ("writable: PATH" if that worked: the attack
 * would then overwrite the runtime). Ends with "contained" (exit 1) when
 * nothing leads to it, or "reachable" (exit 0).
 *
 * Usage: exe_probe DEV INO
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static dev_t want_dev;
static ino_t want_ino;
static int found;

static void try_path(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || st.st_dev != want_dev || st.st_ino != want_ino)
		return;
	found++;
	printf("reachable: %s\n", path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		printf("writable: %s\n", path);
		close(fd);
	}
}

static void try_process(const char *pid)
{
	char path[300];
	DIR *fds;
	struct dirent *e;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	try_path(path);
	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	fds = opendir(path);
	while (fds && (e = readdir(fds)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		try_path(path);
	}
	if (fds)
		closedir(fds);
}

int main(int argc, char **argv)
{
	DIR *proc;
	struct dirent *e;

	if (argc != 3) {
		fprintf(stderr, "usage: exe_probe DEV INO\n");
		return 2;
	}
	want_dev = strtoull(argv[1], NULL, 10);
	want_ino = strtoull(argv[2], NULL, 10);
	try_process("self");
	proc = opendir("/proc");
	while (proc && (e = readdir(proc)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			try_process(e->d_name);
	if (proc)
		closedir(proc);
	printf("%s\n", found ? "reachable" : "contained");
	return found ? 0 : 1;
}
