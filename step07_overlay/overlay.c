/*
 * overlay.c - OverlayFS: the container's root is a union of read-only image
 * layers (the rootfs at the bottom, --layer DIRs stacked on it) and one
 * writable layer of its own. Writes, changes and deletions land in that
 * upper layer (copy-on-write); the image is never modified, so any number of
 * containers can share it at once.
 *
 *   merged/  what the container sees, and what pivot_root enters
 *   upper/   the container's changes: new files, copied-up files, whiteouts
 *   work/    overlayfs's scratch space, on the same filesystem as upper/
 *
 * The upper layer is temporary (removed at exit) unless --upper DIR keeps it.
 * The mount itself is made inside the container's mount namespace by the
 * child, so the host never sees it and it vanishes with the container.
 *
 * Chapter: 4.1 "OverlayFS Concept", 4.2 "Using OverlayFS", 4.3 "Docker Image
 *          Layers", 5.2 (step 2, mount OverlayFS).
 * Man pages / docs: mount(2), statfs(2), nftw(3), kernel
 *          Documentation/filesystems/overlayfs.rst.
 */
#include "kit.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define MAX_LAYERS 16

static char layers[MAX_LAYERS][PATH_MAX];  /* --layer, bottom first */
static int layer_count;
static char kept_upper[PATH_MAX];           /* --upper, or empty */
static char base[PATH_MAX / 2], upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];

static int set_layer(const char *value)
{
	struct stat st;

	if (layer_count == MAX_LAYERS)
		return fail("overlay", "--layer %s: at most %d layers", value, MAX_LAYERS);
	if (realpath(value, layers[layer_count]) == NULL)
		return sys("overlay", -1, "--layer %s", value);
	if (stat(layers[layer_count], &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("overlay", "--layer %s: not a directory", value);
	layer_count++;
	return 0;
}

/* Filesystems overlayfs refuses as an upper layer, by statfs(2) magic. */
static const char *unusable_upper_fs(const char *dir)
{
	static const struct { long magic; const char *name; } refused[] = {
		{ OVERLAYFS_SUPER_MAGIC, "overlayfs" }, { PROC_SUPER_MAGIC, "proc" },
		{ SYSFS_MAGIC, "sysfs" }, { NFS_SUPER_MAGIC, "nfs" },
		{ CGROUP_SUPER_MAGIC, "cgroup" }, { CGROUP2_SUPER_MAGIC, "cgroup2" },
		{ MSDOS_SUPER_MAGIC, "vfat" },
	};
	char parent[PATH_MAX];
	struct statfs fs;

	/* A DIR still to be made is judged by the directory it would be made in. */
	snprintf(parent, sizeof(parent), "%s", dir);
	while (statfs(parent, &fs) < 0) {
		char *slash = strrchr(parent, '/');
		if (errno != ENOENT || slash == NULL || slash == parent)
			return NULL;
		*slash = '\0';
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (fs.f_type == refused[i].magic)
			return refused[i].name;
	return NULL;
}

static int set_upper(const char *value)
{
	snprintf(kept_upper, sizeof(kept_upper), "%s", value);
	return 0;
}

/* out = dir + suffix; every path here is PATH_MAX long. */
static int join(char *out, const char *dir, const char *suffix)
{
	if (snprintf(out, PATH_MAX, "%s%s", dir, suffix) >= PATH_MAX)
		return fail("overlay", "path too long: %s%s", dir, suffix);
	return 0;
}

static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return sys("overlay", -1, "mkdir(\"%s\")", path);
	return 0;
}

/* --upper DIR is kept, with its work dir beside it (same filesystem). */
static int prepare_kept_upper(void)
{
	char resolved[PATH_MAX];
	struct stat st;
	const char *fs;

	if ((fs = unusable_upper_fs(kept_upper)) != NULL)
		return fail("overlay", "--upper %s: on %s, which overlayfs cannot use as an upper layer",
			    kept_upper, fs);
	if (make_dir(kept_upper, 0755) < 0)
		return -1;
	if (realpath(kept_upper, resolved) == NULL)
		return sys("overlay", -1, "--upper %s", kept_upper);
	if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("overlay", "--upper %s: not a directory", kept_upper);
	if (join(upper, resolved, "") < 0 || join(work, resolved, ".work") < 0)
		return -1;
	return make_dir(work, 0700);
}

static void remove_tree(const char *path);

/*
 * A kit killed by SIGKILL could not remove its directories. Whoever comes
 * next does: a directory whose kit (its name) no longer runs is stale, and
 * so is one named after us, since we have only just started.
 */
static void remove_stale_dirs(const char *parent)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir = opendir(parent);
	pid_t pid;

	while (dir && (entry = readdir(dir)) != NULL) {
		pid = (pid_t)atoi(entry->d_name);
		if (pid <= 0 || (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH)))
			continue;
		if (join(path, parent, "/") == 0 && strlen(path) + strlen(entry->d_name) < PATH_MAX) {
			strcat(path, entry->d_name);
			remove_tree(path);
		}
	}
	if (dir)
		closedir(dir);
}

/* The container's directories; named after the kit's PID, unique while it runs. */
static int prepare_dirs(struct container *c)
{
	char parent[PATH_MAX];

	(void)c;
	if (join(parent, kit_state_dir(), "/overlay") < 0)
		return -1;
	remove_stale_dirs(parent);
	if (snprintf(base, sizeof(base), "%s/%d", parent, getpid()) >= (int)sizeof(base))
		return fail("overlay", "path too long: %s", parent);
	if (join(merged, base, "/merged") < 0 || make_dirs("overlay", base, 0711) < 0 ||
	    make_dir(merged, 0755) < 0)
		return -1;
	if (kept_upper[0] != '\0')
		return prepare_kept_upper();
	if (join(upper, base, "/upper") < 0 || join(work, base, "/work") < 0)
		return -1;
	return make_dir(upper, 0755) < 0 || make_dir(work, 0700) < 0 ? -1 : 0;
}

/* The host id that container id 0 is mapped to, from /proc/PID/uid_map or gid_map. */
static unsigned host_id_of_root(pid_t pid, const char *map)
{
	unsigned inside, outside, count, id = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, map);
	f = fopen(path, "r");
	while (f && fscanf(f, "%u %u %u", &inside, &outside, &count) == 3)
		if (inside == 0) {
			id = outside;
			break;
		}
	if (f)
		fclose(f);
	return id;
}

/*
 * Container root writes the upper layer (copy-up runs with the mounter's
 * ids), so upper/ and work/ belong to whatever host id it is mapped to.
 */
static int give_to_container_root(struct container *c)
{
	uid_t uid = host_id_of_root(c->child_pid, "uid_map");
	gid_t gid = host_id_of_root(c->child_pid, "gid_map");

	if (sys("overlay", chown(upper, uid, gid), "chown(\"%s\", %u, %u)", upper, uid, gid) < 0 ||
	    sys("overlay", chown(work, uid, gid), "chown(\"%s\", %u, %u)", work, uid, gid) < 0)
		return -1;
	return 0;
}

/* Called by mount.c in the child: lowerdir lists the topmost layer first. */
const char *overlay_mount(const char *rootfs)
{
	/* exercise: mount(2) an overlay on merged: lowerdir = the --layer dirs, topmost first, then ROOTFS; upperdir, workdir; return merged, or NULL after fail() */
	char options[MAX_LAYERS * (PATH_MAX + 1) + 3 * PATH_MAX];
	int n = snprintf(options, sizeof(options), "lowerdir=");

	for (int i = layer_count - 1; i >= 0; i--)
		n += snprintf(options + n, sizeof(options) - n, "%s:", layers[i]);
	/* userxattr: in a user namespace, overlayfs may set only user.* xattrs. */
	snprintf(options + n, sizeof(options) - n, "%s,upperdir=%s,workdir=%s,userxattr", rootfs, upper,
		 work);
	if (sys("overlay", mount("overlay", merged, "overlay", 0, options),
		"mount(\"overlay\", \"%s\", \"overlay\", 0, \"%s\")", merged, options) < 0) {
		if (errno == EACCES)
			fail("overlay", "every layer and --upper must be reachable by container "
			     "root's host id: check their directories' modes");
		return NULL;
	}
	return merged;
	/* end exercise */
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void remove_tree(const char *path)
{
	if (path[0] != '\0' && nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		sys("overlay", -1, "removing %s", path);
	else
		trace("overlay", "removed %s", path);
}

/* The mount died with the container's mount namespace; only directories remain. */
static void remove_dirs(struct container *c)
{
	(void)c;
	remove_tree(work);
	if (kept_upper[0] == '\0')
		remove_tree(upper);
	remove_tree(base);
}

static const struct layer_option overlay_options[] = {
	{ "layer", "DIR", "a read-only image layer on top of the rootfs; repeatable, topmost last",
	  set_layer },
	{ "upper", "DIR", "keep the container's writable layer in DIR (default: temporary)",
	  set_upper },
	{ 0 },
};

const struct layer overlay_layer = {
	.name = "overlay",
	.options = overlay_options,
	.before_clone = prepare_dirs,
	.after_clone = give_to_container_root,
	.cleanup = remove_dirs,
};
