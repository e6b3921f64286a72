/*
 * tty_inject - the TIOCSTI attack on a terminal of its own: opens a new
 * pseudo-terminal, makes it its controlling terminal, pushes "id\n" into its
 * input queue with ioctl(TIOCSTI) and reads it back. With the user's own
 * terminal (docker run -it), the same call types commands into the shell
 * that gets the terminal back when the container exits.
 *
 * Prints "injected" (exit 0) or "blocked: ERRNO" (exit 1).
 *
 * Usage: tty_inject
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int inject(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	char buf[8] = "";

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return printf("setup failed: %s\n", strerrorname_np(errno)), 2;
	if (setsid() < 0 || (slave = open(ptsname(master), O_RDWR)) < 0)
		return printf("setup failed: %s\n", strerrorname_np(errno)), 2;
	ioctl(slave, TIOCSCTTY, 0);
	for (const char *c = "id\n"; *c; c++)
		if (ioctl(slave, TIOCSTI, c) < 0)
			return printf("blocked: %s\n", strerrorname_np(errno)), 1;
	fcntl(slave, F_SETFL, O_NONBLOCK);
	if (read(slave, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "id", 2) == 0)
		return printf("injected\n"), 0;
	return printf("blocked: nothing arrived\n"), 1;
}

int main(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int result = inject();
		fflush(stdout);
		_exit(result);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}
