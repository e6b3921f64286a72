/*
 * forkbomb - every process forks copies of itself, forever. Unlike the
 * shell's `b() { b & b & }; b`, whose processes die at their first failed
 * fork (so the bomb fizzles out at a pids limit), each one here retries
 * after EAGAIN: the bomb keeps its cgroup at the limit until it is killed.
 * Prints nothing; stop it with SIGKILL (the whole cgroup, e.g. cgroup.kill).
 *
 * Static (gcc -static), so it also runs inside a busybox rootfs.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	const struct timespec pause = { .tv_nsec = 1000000 };   /* 1 ms */

	for (;;)
		if (fork() < 0 && errno == EAGAIN)
			nanosleep(&pause, NULL);   /* at the limit: not a busy loop */
}
