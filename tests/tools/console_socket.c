/*
 * console_socket.c - the other end of a runtime's --console-socket, as an
 * engine (podman's conmon) holds it: listens on PATH, takes the one pty
 * master a runtime sends (SCM_RIGHTS), types INPUT into it if given, and
 * copies what the container writes to its terminal to stdout until the
 * terminal closes. Prints "console: got a pty master" first, to stderr.
 *
 * Usage: console_socket PATH [INPUT]
 * Man pages: unix(7) (SCM_RIGHTS), pty(7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_fd(int conn)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(conn, &msg, 0) <= 0 || (cmsg = CMSG_FIRSTHDR(&msg)) == NULL ||
	    cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int listener, conn, master;

	if (argc < 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: console_socket PATH [INPUT]\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 1) < 0 || (conn = accept(listener, NULL, NULL)) < 0 ||
	    (master = receive_fd(conn)) < 0) {
		perror("console_socket");
		return 1;
	}
	fprintf(stderr, "console: got a pty master\n");
	if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
		perror("console_socket: write");
	/* EIO: the last process with the slave open has exited. */
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return n < 0 && errno != EIO;
}
