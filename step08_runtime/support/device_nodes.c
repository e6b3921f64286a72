/*
 * device_nodes.c - config.json's linux.devices, the mount layer's (the
 * runtime's --device-node, one a node): device nodes made in the
 * container's /dev, beside the kit's own, with the type, numbers, mode and
 * owner asked, as `docker run --device /dev/fuse` asks for them.
 *
 * A node is made with mknod(2), as runc does. Where the kernel refuses
 * (EPERM: a user namespace, which may not make device nodes; or a device
 * cgroup without "m" for it), the host's node of the same path is bind
 * mounted onto an empty file instead, with the host's mode and owner: a
 * bind is not a new node. Either way the device cgroup (device_rules.c)
 * decides whether it opens. Made in the child, in the rootfs (the cwd),
 * before pivot_root, while the host's /dev is reachable.
 *
 * Chapter: 5.2 "Creating Container Manually" (step 3, /dev), 5.3 "Using runc".
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#devices
 * Man pages: mknod(2), mount(2), fchownat(2), fchmodat(2), openat(2).
 */
#include "kit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_NODES 512   /* docker run --privileged lists every host device */

static struct device_node {
	char path[PATH_MAX / 4];  /* /dev/..., in the container */
	mode_t mode;              /* S_IFCHR, S_IFBLK or S_IFIFO, and the permissions */
	dev_t number;
	uid_t uid;
	gid_t gid;
} nodes[MAX_NODES];
static int nnodes;

/* --device-node "TYPE MAJOR:MINOR MODE UID:GID PATH", such as "c 10:229 0666 0:0 /dev/fuse". */
int set_device_node(const char *value)
{
	struct device_node *d = &nodes[nnodes];
	unsigned major, minor, mode, uid, gid;
	char type;
	int end = 0;

	if (nnodes == MAX_NODES)
		return fail("mount", "--device-node: at most %d nodes", MAX_NODES);
	if (sscanf(value, "%c %u:%u %o %u:%u %n", &type, &major, &minor, &mode, &uid, &gid,
		   &end) != 6 || end == 0 || !strchr("cbup", type) || mode > 07777)
		return fail("mount", "--device-node %s: expected TYPE MAJOR:MINOR MODE UID:GID "
			    "PATH, such as \"c 10:229 0666 0:0 /dev/fuse\" (TYPE c, b, u or p)", value);
	/* The kit's /dev is its own tmpfs: a node elsewhere would be made in the image. */
	if (strncmp(value + end, "/dev/", 5) != 0 || strstr(value + end, "/..") ||
	    snprintf(d->path, sizeof(d->path), "%s", value + end) >= (int)sizeof(d->path))
		return fail("mount", "--device-node %s: the path must be below /dev, without ..",
			    value);
	d->mode = (type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR) | mode;
	d->number = type == 'p' ? 0 : makedev(major, minor);
	d->uid = uid;
	d->gid = gid;
	nnodes++;
	return 0;
}

bool device_nodes_listed(void)
{
	return nnodes > 0;
}

/* The directory of path's last name, made as needed, each name without symlinks. */
static int open_parent(char *path, char **name)
{
	int dir = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), next;
	char *slash;

	*name = path + 1;  /* "dev/..." in the rootfs */
	while (dir >= 0 && (slash = strchr(*name, '/')) != NULL) {
		*slash = '\0';
		if (mkdirat(dir, *name, 0755) == 0)
			trace("mount", "mkdirat(\"%s\") = 0", *name);
		next = openat(dir, *name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*slash = '/';
		close(dir);
		dir = next;
		*name = slash + 1;
	}
	return dir;
}

/* The host's node of the same path, bound onto an empty file. */
static int bind_host_node(int dir, const char *name, const struct device_node *d)
{
	char target[64];
	struct stat st;
	int fd;

	if (sys("mount", stat(d->path, &st), "stat(\"%s\") on the host", d->path) < 0)
		return fail("mount", "%s: mknod was refused, and the host has no node to bind", d->path);
	if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->number)
		return fail("mount", "%s: the host's node is another device (%u:%u)", d->path,
			    major(st.st_rdev), minor(st.st_rdev));
	fd = openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (sys("mount", fd, "openat(\"%s\", O_CREAT)", d->path) < 0)
		return -1;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	long r = sys("mount", mount(d->path, target, NULL, MS_BIND, NULL),
		     "mount(\"%s\", \"%s\", MS_BIND)", d->path, d->path);
	close(fd);
	return r < 0 ? -1 : 0;
}

static int make_node(struct device_node *d)
{
	char copy[sizeof(d->path)], *name;
	struct stat st;
	int dir, r;

	snprintf(copy, sizeof(copy), "%s", d->path);
	if (sys("mount", dir = open_parent(copy, &name), "open(\"%s\"'s directory in the "
		"rootfs, no symlinks)", d->path) < 0)
		return -1;
	r = (int)sys_try("mount", mknodat(dir, name, d->mode, d->number),
			 "mknodat(\"%s\", 0%o, %u:%u)", d->path, (unsigned)d->mode,
			 major(d->number), minor(d->number));
	if (r < 0 && errno == EEXIST) {
		/* The kit's own (/dev/null...) or a repeat: kept if it is that device. */
		r = (int)sys("mount", fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW), "stat(\"%s\")", d->path);
		if (r == 0 && ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->number))
			r = fail("mount", "%s exists and is another file or device", d->path);
	} else if (r < 0 && errno == EPERM) {
		r = bind_host_node(dir, name, d);
	} else if (r < 0) {
		r = (int)sys("mount", -1, "mknodat(\"%s\")", d->path);
	} else if (sys("mount", fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW),
		       "fchownat(\"%s\", %u, %u)", d->path, (unsigned)d->uid, (unsigned)d->gid) < 0 ||
		   /* chmod, not mknod's mode alone: the umask took from that */
		   sys("mount", fchmodat(dir, name, d->mode & 07777, 0), "fchmodat(\"%s\", 0%o)",
		       d->path, (unsigned)(d->mode & 07777)) < 0) {
		r = -1;
	}
	close(dir);
	return r;
}

/* In the child, the kit's /dev made, before pivot_root. */
int make_device_nodes(void)
{
	for (int i = 0; i < nnodes; i++)
		if (make_node(&nodes[i]) < 0)
			return -1;
	return 0;
}
