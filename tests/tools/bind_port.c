/*
 * bind_port - binds a TCP socket to port PORT (any address, so it works
 * before the loopback is up) and closes it without listening; prints
 * "OK" or the errno name. Below 1024 that takes CAP_NET_BIND_SERVICE:
 * EACCES means refused; EADDRINUSE means allowed (the check comes first).
 *
 * Usage: bind_port PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bind_port PORT\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return printf("socket: %s\n", strerrorname_np(errno)), 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return printf("%s\n", strerrorname_np(errno)), 1;
	close(fd);
	printf("OK\n");
	return 0;
}
