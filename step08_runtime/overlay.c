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
 * Support: overlay_dirs.c (paths, the --upper checks, removal).
 *
 * Chapter: 4.1 "OverlayFS Concept", 4.2 "Using OverlayFS", 4.3 "Docker Image
 *          Layers", 5.2 (step 2, mount OverlayFS).
 * Man pages / docs: mount(2), chown(2), user_namespaces(7), kernel
 *          Documentation/filesystems/overlayfs.rst.
 */
#include "overlay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static struct overlay_state overlay = OVERLAY_STATE_INIT;

static int set_layer(const char *value)
{
	char *layer;
	struct stat st;

	if (overlay.layer_count == MAX_LAYERS)
		return fail("overlay", "--layer %s: at most %d layers", value, MAX_LAYERS);
	layer = overlay.layers[overlay.layer_count];
	if (realpath(value, layer) == NULL)
		return sys("overlay", -1, "--layer %s", value);
	if (stat(layer, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("overlay", "--layer %s: not a directory", value);
	overlay.layer_count++;
	return 0;
}

static int set_upper(const char *value)
{
	snprintf(overlay.kept_upper, sizeof(overlay.kept_upper), "%s", value);
	return 0;
}

/* The container's directories; named after the kit's PID, unique while it runs. */
static int prepare_dirs(struct container *c)
{
	char parent[PATH_MAX];

	(void)c;
	if (scratch_parent(parent) < 0)
		return -1;
	remove_stale_dirs(parent);
	if (snprintf(overlay.base, sizeof(overlay.base), "%s/%d", parent, getpid()) >=
	    (int)sizeof(overlay.base))
		return fail("overlay", "path too long: %s", parent);
	if (join_path(overlay.merged, overlay.base, "/merged") < 0 ||
	    make_dirs("overlay", overlay.base, 0711) < 0 || ensure_dir(overlay.merged, 0755) < 0)
		return -1;
	if (overlay.kept_upper[0] != '\0')
		return prepare_kept_upper(overlay.kept_upper, overlay.upper, overlay.work);
	if (join_path(overlay.upper, overlay.base, "/upper") < 0 ||
	    join_path(overlay.work, overlay.base, "/work") < 0)
		return -1;
	return ensure_dir(overlay.upper, 0755) < 0 || ensure_dir(overlay.work, 0700) < 0 ? -1 : 0;
}

/*
 * Container root writes the upper layer (copy-up runs with the mounter's
 * ids), so upper/ and work/ belong to whatever host id it is mapped to.
 */
static int give_to_container_root(struct container *c)
{
	uid_t uid = host_id_of_root(c->child_pid, "uid_map");
	gid_t gid = host_id_of_root(c->child_pid, "gid_map");
	const char *upper = overlay.upper, *work = overlay.work;

	if (sys("overlay", chown(upper, uid, gid), "chown(\"%s\", %u, %u)", upper, uid, gid) < 0 ||
	    sys("overlay", chown(work, uid, gid), "chown(\"%s\", %u, %u)", work, uid, gid) < 0)
		return -1;
	return 0;
}

/* Called by mount.c in the child: lowerdir lists the topmost layer first. */
const char *overlay_mount(const char *rootfs)
{
	/* exercise: 1. mount(2) an overlay on overlay.merged: options "lowerdir=L1:L2:...:ROOTFS"
	 *   (the --layer dirs, topmost first, i.e. from the last given, then ROOTFS at the
	 *   bottom), "upperdir=" overlay.upper, "workdir=" overlay.work, and "userxattr" (in a
	 *   user namespace overlayfs may set only user.* xattrs); trace the mount with
	 *   sys("overlay", ...). Return overlay.merged, the new root; NULL after fail().
	 * check: ^overlay: (the container.s root is an overlay|of a file in two --layer dirs)
	 * stub: return rootfs;
	 */
	char options[MAX_LAYERS * (PATH_MAX + 1) + 3 * PATH_MAX];
	int n = snprintf(options, sizeof(options), "lowerdir=");

	for (int i = overlay.layer_count - 1; i >= 0; i--)
		n += snprintf(options + n, sizeof(options) - n, "%s:", overlay.layers[i]);
	/* userxattr: in a user namespace, overlayfs may set only user.* xattrs. */
	snprintf(options + n, sizeof(options) - n, "%s,upperdir=%s,workdir=%s,userxattr", rootfs,
		 overlay.upper, overlay.work);
	if (sys("overlay", mount("overlay", overlay.merged, "overlay", 0, options),
		"mount(\"overlay\", \"%s\", \"overlay\", 0, \"%s\")", overlay.merged, options) < 0) {
		if (errno == EACCES)
			fail("overlay", "every layer and --upper must be reachable by container "
			     "root's host id: check their directories' modes");
		return NULL;
	}
	return overlay.merged;
	/* end exercise */
}

/* The mount died with the container's mount namespace; only directories remain. */
static void remove_dirs(struct container *c)
{
	(void)c;
	remove_tree(overlay.work);
	if (overlay.kept_upper[0] == '\0')
		remove_tree(overlay.upper);
	remove_tree(overlay.base);
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
