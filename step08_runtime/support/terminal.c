/*
 * terminal.c - process.terminal with --console-socket, as engines ask for
 * it (podman run -t, podman exec -t): the container's process gets a
 * terminal of the container's own, and whoever listens on the console
 * socket gets its other end.
 *
 * The runtime connects to the socket while the host's paths are in sight
 * (before clone, or before exec enters the container's root). The process
 * then, inside, opens /dev/ptmx - the container's own devpts instance,
 * mounted newinstance by the mount layer - sends the master over the socket
 * (SCM_RIGHTS), makes the slave its controlling terminal in a session of its
 * own, and its stdin, stdout and stderr. The runtime keeps no end of it.
 *
 * Chapter: 5.3 "Using runc" (terminal: true), 2.3 (a shell inside).
 * Man pages: pty(7), ptmx(4), posix_openpt(3), setsid(2), ioctl_tty(2)
 *            (TIOCSCTTY), unix(7) (SCM_RIGHTS), runc-terminal (docs/terminals.md).
 */
#include "kit.h"
#include "runtime.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A connected socket to path, or -1 after saying why. */
int connect_console(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return fail("runtime", "--console-socket %s: path too long for a socket", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sys("runtime", fd, "socket(AF_UNIX)") < 0)
		return -1;
	if (sys("runtime", connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
		"connect(\"%s\")", path) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The master goes to the console socket, as one fd with one byte of data. */
static int send_master(int console, int master)
{
	char byte = 'm', control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
	return sys("runtime", sendmsg(console, &msg, 0), "sendmsg(console socket, pty master)")
	       < 0 ? -1 : 0;
}

/* Inside the container: a new pty, its master sent, its slave our terminal and stdio. */
int take_terminal(int console)
{
	char name[64];
	int master, slave = -1, ret = -1;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sys("runtime", master, "open(\"/dev/ptmx\")") < 0)
		return -1;
	if (sys("runtime", unlockpt(master), "unlockpt()") < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0 ||
	    sys("runtime", slave = open(name, O_RDWR | O_NOCTTY), "open(\"%s\")", name) < 0 ||
	    send_master(console, master) < 0)
		goto out;
	if (sys("runtime", setsid(), "setsid()") < 0 ||
	    sys("runtime", ioctl(slave, TIOCSCTTY, 0), "ioctl(%s, TIOCSCTTY)", name) < 0)
		goto out;
	for (int fd = 0; fd < 3; fd++)
		if (sys("runtime", dup2(slave, fd), "dup2(%s, %d)", name, fd) < 0)
			goto out;
	ret = 0;
out:
	close(master);
	if (slave > 2)
		close(slave);
	close(console);
	return ret;
}
