/*
 * idmapped_rootfs.c - the rootfs as container root's own: an idmapped mount
 * shows its files, owned by host 0, as owned by container 0. Only a process
 * privileged over the filesystem (host root) may make one, so the parent
 * makes it and hands the mount, as a file descriptor, to the child, which
 * attaches it where mount.c expects the root.
 *
 * Chapter: 5.4 "Rootless Containers" (the ownership problem it solves).
 * Man pages: mount_setattr(2), open_tree(2), move_mount(2), unix(7)
 *            (SCM_RIGHTS), cmsg(3).
 */
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* An idmapped mount maps to the child's user namespace: none if it shares ours. */
static bool has_own_user_namespace(pid_t pid)
{
	char path[64];
	struct stat ours, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	if (stat("/proc/self/ns/user", &ours) < 0 || stat(path, &theirs) < 0)
		return true;  /* let open_tree/mount_setattr report it */
	return ours.st_ino != theirs.st_ino || ours.st_dev != theirs.st_dev;
}

/* The mount as a file descriptor, or -1: the child then bind-mounts the rootfs. */
int make_idmapped_rootfs(struct container *c)
{
	char path[64];
	/*
	 * Private: the clone is made in the kit's mount namespace, so it would
	 * share its peer group; a shared root makes pivot_root(2) fail with
	 * EINVAL under a shared / and would let the container's mounts propagate.
	 */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .propagation = MS_PRIVATE };
	int tree, userns, result;

	if (geteuid() != 0)
		return -1;  /* rootless: the rootfs should be the user's own */
	if (!has_own_user_namespace(c->child_pid))
		return -1;
	tree = open_tree(AT_FDCWD, c->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (sys("user", tree, "open_tree(\"%s\", OPEN_TREE_CLONE)", c->rootfs) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", c->child_pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	attr.userns_fd = userns;
	result = mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
	close(userns);
	if (result < 0) {
		/* Not fatal: the container works, its files just look unowned. */
		warn("user", "mount_setattr(%s, MOUNT_ATTR_IDMAP): %s; its files show as nobody "
		     "(65534) inside", c->rootfs, strerror(errno));
		close(tree);
		return -1;
	}
	trace("user", "mount_setattr(\"%s\", MOUNT_ATTR_IDMAP, userns of %d) = 0", c->rootfs,
	      c->child_pid);
	return tree;
}

/* Sends the idmapped rootfs (or nothing) to the child with SCM_RIGHTS. */
int send_rootfs(int sock, int fd)
{
	char byte = fd >= 0 ? 'm' : '-';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sys("user", sendmsg(sock, &msg, 0), "sendmsg(idmapped rootfs)") < 0 ? -1 : 0;
}

/* The child's end: c->rootfs_fd becomes the mount, or stays -1. */
int receive_rootfs(int sock, struct container *c)
{
	char byte = '-';  /* as sent for "no rootfs fd"; recvmsg() reads nothing at EOF */
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg;

	if (sys("user", recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), "recvmsg(idmapped rootfs)") < 0)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (byte == 'm' && cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&c->rootfs_fd, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}
