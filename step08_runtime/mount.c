/*
 * mount.c - the mount namespace: the container gets its own mount table and
 * its own root directory. Mounts made inside never reach the host, and the
 * host's files are out of reach once the old root is detached.
 *
 * Order matters, and each step is why the next one is safe:
 *   1. make every mount private, so nothing we do propagates to the host;
 *   2. bind the rootfs onto itself, because pivot_root needs a mount point;
 *      from step07 the root is an overlay with the rootfs as its lowest layer;
 *   3. build a minimal /dev, a read-only /sys and a fresh /proc (which shows
 *      only our PID namespace) while the host's tree is still reachable:
 *      device nodes are bind-mounted from it, and a user namespace (step05)
 *      may mount proc and sysfs only where the host's are visible;
 *   4. pivot_root into the rootfs and detach the old root: unlike chroot,
 *      no path (not even "..") leads back to the host's tree.
 *
 * Chapter: 2.2 "unshare --mount", 5.2 "Creating Container Manually"
 *          (step 3, essential mounts; step 4, the root).
 * Man pages: mount_namespaces(7), mount(2), pivot_root(2), umount2(2),
 *            proc(5), sysfs(5), pts(4), chroot(2).
 */
#include "kit.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char rootfs[PATH_MAX];

static int set_rootfs(const char *value)
{
	struct stat st;

	if (realpath(value, rootfs) == NULL)
		return sys("mount", -1, "--rootfs %s", value);
	if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("mount", "--rootfs %s: not a directory", value);
	if (strcmp(rootfs, "/") == 0)
		return fail("mount", "--rootfs /: the host's root is not a container image");
	return 0;
}

/* The default rootfs is the kit's, built by `make rootfs` next to the steps. */
static int find_rootfs(struct container *c)
{
	char exe[PATH_MAX], path[PATH_MAX + 16];
	ssize_t len;

	(void)c;
	c->rootfs = rootfs;
	if (rootfs[0] != '\0')
		return 0;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (sys("mount", len, "readlink(\"/proc/self/exe\")") < 0)
		return -1;
	exe[len] = '\0';
	*strrchr(exe, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../rootfs", exe);
	if (access(path, F_OK) < 0)
		return fail("mount", "no rootfs at %s: run `make rootfs` or give --rootfs DIR", path);
	return set_rootfs(path);
}

/* Renders mount flags for the -v trace, the way strace shows them. */
static const char *flags_text(unsigned long flags)
{
	static const struct { unsigned long flag; const char *name; } names[] = {
		{ MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" },
		{ MS_NODEV, "MS_NODEV" }, { MS_NOEXEC, "MS_NOEXEC" },
		{ MS_BIND, "MS_BIND" }, { MS_REC, "MS_REC" },
		{ MS_PRIVATE, "MS_PRIVATE" }, { MS_REMOUNT, "MS_REMOUNT" },
	};
	static char text[160];

	text[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
				 text[0] ? "|" : "", names[i].name);
	return text[0] ? text : "0";
}

static int mount_traced(const char *source, const char *target, const char *fstype,
			unsigned long flags, const char *data)
{
	return sys("mount", mount(source, target, fstype, flags, data),
		   "mount(\"%s\", \"%s\", \"%s\", %s, \"%s\")", source ? source : "",
		   target, fstype ? fstype : "", flags_text(flags), data ? data : "");
}

/* Device nodes are bind-mounted from the host: mknod would need CAP_MKNOD. */
static int bind_device(const char *name)
{
	char host[64], inside[64];
	int fd;

	snprintf(host, sizeof(host), "/dev/%s", name);
	snprintf(inside, sizeof(inside), "dev/%s", name);
	fd = open(inside, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	if (sys("mount", fd, "open(\"%s\", O_CREAT)", inside) < 0)
		return -1;
	close(fd);
	return mount_traced(host, inside, NULL, MS_BIND, NULL);
}

/* The links programs expect in /dev; their targets resolve inside the container. */
static int make_dev_links(void)
{
	static const char *const links[][2] = {
		{ "pts/ptmx", "dev/ptmx" }, { "/proc/self/fd", "dev/fd" },
		{ "/proc/self/fd/0", "dev/stdin" }, { "/proc/self/fd/1", "dev/stdout" },
		{ "/proc/self/fd/2", "dev/stderr" },
	};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (sys("mount", symlink(links[i][0], links[i][1]),
			"symlink(\"%s\", \"%s\")", links[i][0], links[i][1]) < 0)
			return -1;
	return 0;
}

/* A /dev with only what programs expect; the host's disks are not in it. */
static int make_dev(void)
{
	/* exercise: 5. build dev/ in the rootfs (the cwd), each call traced with sys("mount", ...):
	 *   mount(2) a tmpfs on "dev", MS_NOSUID|MS_NOEXEC, "mode=755,size=64k";
	 *   for null zero full random urandom tty: create an empty file dev/NAME (open(2),
	 *   O_CREAT), then bind-mount (MS_BIND) the host's /dev/NAME onto it: no mknod(2),
	 *   which a user namespace may not do;
	 *   mkdir(2) dev/pts (0755) and dev/shm (01777); mount a devpts on dev/pts with
	 *   "newinstance,ptmxmode=0666,mode=0620" (pts(4): its own ptys, not the host's)
	 *   and a tmpfs on dev/shm, MS_NOSUID|MS_NOEXEC|MS_NODEV, "mode=1777,size=64m";
	 *   symlink(2) dev/ptmx -> pts/ptmx, dev/fd -> /proc/self/fd, dev/stdin,
	 *   dev/stdout, dev/stderr -> /proc/self/fd/0, 1, 2.
	 * check: ^mount: /dev
	 */
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };
	const unsigned long nodev = MS_NOSUID | MS_NOEXEC;

	if (mount_traced("tmpfs", "dev", "tmpfs", nodev, "mode=755,size=64k") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (bind_device(devices[i]) < 0)
			return -1;
	if (sys("mount", mkdir("dev/pts", 0755), "mkdir(\"dev/pts\")") < 0 ||
	    sys("mount", mkdir("dev/shm", 01777), "mkdir(\"dev/shm\")") < 0)
		return -1;
	/* newinstance: the container's ptys are its own, not the host's. */
	if (mount_traced("devpts", "dev/pts", "devpts", nodev,
			 "newinstance,ptmxmode=0666,mode=0620") < 0 ||
	    mount_traced("shm", "dev/shm", "tmpfs", nodev | MS_NODEV, "mode=1777,size=64m") < 0)
		return -1;
	return make_dev_links();
	/* end exercise */
}

/* pivot_root(".", ".") stacks the old root on top of the new one; see pivot_root(2). */
static int enter_rootfs(void)
{
	/* exercise: 3. pivot_root(2) the cwd (the rootfs) onto itself, umount2(2) the old root, chdir(2) to /
	 *   glibc has no pivot_root() wrapper: syscall(SYS_pivot_root, new_root, put_old)
	 *   (<sys/syscall.h>); both may be "." : the old root is stacked on top of the new
	 *   one, and umount2(2) of "." with MNT_DETACH then drops it (lazily: host mounts
	 *   may be busy); chdir("/") last. Not chroot(2): see the README.
	 * check: ^mount: (a host file|the double-chroot)
	 */
	if (sys("mount", syscall(SYS_pivot_root, ".", "."), "pivot_root(\".\", \".\")") < 0)
		return -1;
	/* Detach, not unmount: host mounts may be busy; we only drop our view. */
	if (sys("mount", umount2(".", MNT_DETACH), "umount2(old root, MNT_DETACH)") < 0)
		return -1;
	return sys("mount", chdir("/"), "chdir(\"/\")") < 0 ? -1 : 0;
	/* end exercise */
}

/* The rootfs becomes a mount point: the idmapped mount the parent made, or a bind. */
static int attach_rootfs(struct container *c)
{
	if (c->rootfs_fd < 0)
		return mount_traced(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
	return sys("mount", move_mount(c->rootfs_fd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH),
		   "move_mount(idmapped rootfs, \"%s\")", rootfs) < 0 ? -1 : 0;
}

/* The kernel's own filesystems, while the host's are still visible (step05). */
static int mount_kernel_filesystems(void)
{
	/* exercise: 4. mount(2) a sysfs on "sys", read-only, and a proc on "proc" (sysfs(5), proc(5)),
	 *   both MS_NOSUID|MS_NODEV|MS_NOEXEC; the proc shows only this PID namespace.
	 * check: ^mount: (/sys is read-only|ps inside|/proc inside|the old root is detached)
	 */
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (mount_traced("sysfs", "sys", "sysfs", safe | MS_RDONLY, NULL) < 0 ||
	    mount_traced("proc", "proc", "proc", safe, NULL) < 0)
		return -1;
	return 0;
	/* end exercise */
}

static int setup_mounts(struct container *c)
{
	const char *root;

	/* exercise: 2. make every mount private, make the rootfs a mount point, chdir(2) into it:
	 *   mount(2) NULL on "/" with MS_REC|MS_PRIVATE: the new namespace's mounts are
	 *   copies shared with the host's (mount_namespaces(7)), so without this every
	 *   mount below would propagate to the host;
	 *   bind-mount (MS_BIND|MS_REC) the rootfs onto itself: pivot_root(2) needs a mount point.
	 * check: ^mount: under a shared
	 */
	if (mount_traced(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    attach_rootfs(c) < 0 || (root = overlay_mount(rootfs)) == NULL ||
	    sys("mount", chdir(root), "chdir(\"%s\")", root) < 0)
		return -1;
	/* end exercise */
	/* step08: --volume, --mount, config.json's mounts (volumes.c) */
	if (make_dev() < 0 || mount_kernel_filesystems() < 0 || mount_volumes() < 0 ||
	    make_device_nodes() < 0)  /* config.json's linux.devices (device_nodes.c) */
		return -1;
	return enter_rootfs();
}

/* The rootfs, and a detached copy of each bind's source (volumes.c). */
static int prepare_mounts(struct container *c)
{
	return find_rootfs(c) < 0 ? -1 : open_volumes();
}

static void release_mounts(struct container *c)
{
	(void)c;
	close_volumes();
}

static const struct layer_option mount_options[] = {
	{ "rootfs", "DIR", "root filesystem of the container (default: the kit's rootfs/)",
	  set_rootfs },
	{ "volume", "SRC:DST[:ro]", "bind the host's SRC (a file or a directory) onto DST; "
	  "repeatable", set_volume },
	{ "mount", "type=T,...", "type=bind|tmpfs|...,source=,target=[,readonly][,options=O:O]; "
	  "repeatable", set_mount },
	{ 0 },
};

const struct layer mount_layer = {
	.name = "mount",
	/* exercise: 1. ask clone(2) for a new mount namespace: CLONE_NEWNS (mount_namespaces(7))
	 * check: ^mount: the container.s mount namespace is not
	 */
	.clone_flags = CLONE_NEWNS,
	/* end exercise */
	.options = mount_options,
	.before_clone = prepare_mounts,
	.in_child = setup_mounts,
	.cleanup = release_mounts,
};
