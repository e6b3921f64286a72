/*
 * oci_mounts.c - an OCI bundle's mounts[]: config.md says the runtime MUST
 * mount them in the listed order, and runc makes exactly the listed ones.
 * So with a bundle the kit's own /dev, /sys and /proc (mount.c) and its
 * /dev/mqueue (ipc.c) are not made; config.c hands every entry of mounts[]
 * to the mount layer as a --mount, in order, and volumes.c makes them one
 * after the other before pivot_root. A mount the bundle does not list is
 * not there, as under runc (no /proc, even, if it lists none).
 *
 * The flag form keeps its own order, the table below, which `container
 * spec` writes out: run again as a bundle, that config.json gives the same
 * mount table. A bundle's entry for one of these mounts keeps the kit's
 * restricting flags on top of those it asks for: stricter, never weaker
 * (a /sys is always read-only). A tmpfs on /dev gets the kit's device
 * nodes and links (mount.c) right after it, as in the flag form: they are
 * below /dev, so no listed mount is out of order for them. The masked and
 * read-only paths (step09's security layer) come after pivot_root, as runc
 * makes them after its mounts.
 *
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config.md#mounts
 * Man pages: mount(2), mount_namespaces(7), tmpfs(5).
 */
#include "kit.h"
#include "runtime.h"

#include <stdio.h>
#include <string.h>

/* The kit's own mounts, in the flag form's order: mount.c's, then ipc.c's after pivot_root. */
static const struct {
	const char *destination, *type, *source;
	const char *options;  /* as `container spec` writes them; ro, nosuid, ... always apply */
	const char *layer;    /* the layer that mounts it; NULL: never mounted */
} kit_mounts[] = {
	{ "/dev", "tmpfs", "tmpfs", "nosuid,noexec,mode=755,size=64k", "mount" },
	{ "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620",
	  "mount" },
	{ "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k", "mount" },
	{ "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro", "mount" },
	{ "/proc", "proc", "proc", "nosuid,noexec,nodev", "mount" },
	{ "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev", "ipc" },
	/* runc's default: the kit does not mount it, which shows less, not more. */
	{ "/sys/fs/cgroup", "cgroup", "cgroup", NULL, NULL },
};
#define NKIT_MOUNTS (sizeof(kit_mounts) / sizeof(kit_mounts[0]))

static bool listed_only;

/* config.c, reading a bundle: its mounts[] are all the container gets. */
void use_listed_mounts(void)
{
	listed_only = true;
}

/* mount.c and ipc.c: leave their own mounts to the bundle's list. */
bool listed_mounts(void)
{
	return listed_only;
}

/*
 * The restricting words (ro, nosuid, nodev, noexec) the kit adds to a listed
 * mount, as "W:W" for --mount's options: those of the kit's mount of the same
 * destination and type, "" for any other mount; NULL for one the kit does
 * not make (/sys/fs/cgroup). words holds size bytes.
 */
const char *kit_mount_words(const char *destination, const char *type, char *words, size_t size)
{
	static const char *const restricting[] = { "ro", "nosuid", "nodev", "noexec" };
	char copy[128], *save = NULL;
	size_t used = 0;

	words[0] = '\0';
	for (size_t i = 0; i < NKIT_MOUNTS; i++) {
		if (strcmp(destination, kit_mounts[i].destination) != 0 ||
		    strcmp(type, kit_mounts[i].type) != 0)
			continue;
		if (kit_mounts[i].layer == NULL)
			return NULL;
		snprintf(copy, sizeof(copy), "%s", kit_mounts[i].options);
		for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
			for (size_t k = 0; k < sizeof(restricting) / sizeof(restricting[0]); k++)
				if (strcmp(o, restricting[k]) == 0 && used + strlen(o) + 2 <= size)
					used += snprintf(words + used, size - used, "%s%s",
							 used ? ":" : "", o);
		break;
	}
	return words;
}

/* ipc.c's in_child: its /dev/mqueue, unless a bundle lists it, or leaves it out. */
int mqueue_unless_listed(struct container *c)
{
	return listed_only ? 0 : mount_mqueue(c);
}

/*
 * Child, in the rootfs, right after volumes.c made one of a bundle's mounts:
 * a tmpfs /dev gets the nodes and links the flag form's /dev has.
 */
int listed_mount_made(const char *type, const char *target)
{
	if (!listed_only || strcmp(target, "/dev") != 0 || strcmp(type, "tmpfs") != 0)
		return 0;
	return make_dev_nodes();
}

/* `container spec`: the flag form's mounts, in its order, in config.json's words. */
json_t *default_mounts(void)
{
	json_t *mounts = json_array();

	for (size_t i = 0; i < NKIT_MOUNTS; i++) {
		json_t *options;
		char copy[128], *save = NULL;

		if (kit_mounts[i].layer == NULL || !has_layer(kit_mounts[i].layer))
			continue;
		options = json_array();  /* after the check: a skipped mount leaks none */
		snprintf(copy, sizeof(copy), "%s", kit_mounts[i].options);
		for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
			json_array_append_new(options, json_string(o));
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}",
			"destination", kit_mounts[i].destination, "type", kit_mounts[i].type,
			"source", kit_mounts[i].source, "options", options));
	}
	return mounts;
}
