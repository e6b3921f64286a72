/*
 * overlay_dirs.c - the overlay's directories on the host: where they go
 * (a filesystem overlayfs accepts as an upper layer), paths joined within
 * PATH_MAX, a kept --upper DIR checked and made, and every directory
 * removed again, even those a killed kit left behind.
 *
 * Chapter: 4.2 "Using OverlayFS" (mkdir lower upper work merged).
 * Man pages / docs: mkdir(2), statfs(2), nftw(3), user_namespaces(7),
 *          kernel Documentation/filesystems/overlayfs.rst.
 */
#include "overlay.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* out = dir + suffix; every path here is PATH_MAX long. */
int join_path(char *out, const char *dir, const char *suffix)
{
	if (snprintf(out, PATH_MAX, "%s%s", dir, suffix) >= PATH_MAX)
		return fail("overlay", "path too long: %s%s", dir, suffix);
	return 0;
}

/* mkdir(2), for a directory that may already exist (a kept --upper). */
int ensure_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return sys("overlay", -1, "mkdir(\"%s\")", path);
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

/*
 * Where the temporary directories go: under the kit's state directory,
 * unless that is on a filesystem overlayfs refuses as an upper layer.
 * Inside a container (a devcontainer, Codespaces, Docker Desktop) /run is
 * the container's own overlayfs; /dev/shm is a tmpfs there, as on every
 * Linux system. It is shared by every user, so the directory made there
 * must be a real directory of our own, not one (or a link) planted for us.
 */
int scratch_parent(char *parent)
{
	static const char fallback[] = "/dev/shm";
	const char *fs, *fallback_fs;
	struct stat st;

	if (join_path(parent, kit_state_dir(), "/overlay") < 0)
		return -1;
	if ((fs = unusable_upper_fs(parent)) == NULL)
		return 0;
	if ((fallback_fs = unusable_upper_fs(fallback)) != NULL)
		return fail("overlay", "%s is on %s and %s on %s, which overlayfs cannot use as an upper "
			    "layer: mount a tmpfs on %s (docker run --tmpfs %s:exec)", parent, fs,
			    fallback, fallback_fs, kit_state_dir(), kit_state_dir());
	trace("overlay", "%s is on %s, which overlayfs cannot use as an upper layer: using %s",
	      parent, fs, fallback);
	snprintf(parent, PATH_MAX, "%s/container-kit-%u", fallback, (unsigned)geteuid());
	if (mkdir(parent, 0711) < 0 && errno != EEXIST)
		return sys("overlay", -1, "mkdir(\"%s\")", parent);
	if (lstat(parent, &st) < 0)
		return sys("overlay", -1, "lstat(\"%s\")", parent);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return fail("overlay", "%s: not a directory of user %u; remove it", parent,
			    (unsigned)geteuid());
	return 0;
}

/* --upper DIR is kept, with its work dir beside it (same filesystem). */
int prepare_kept_upper(const char *kept_upper, char *upper, char *work)
{
	char resolved[PATH_MAX];
	struct stat st;
	const char *fs;

	if ((fs = unusable_upper_fs(kept_upper)) != NULL)
		return fail("overlay", "--upper %s: on %s, which overlayfs cannot use as an upper layer",
			    kept_upper, fs);
	if (ensure_dir(kept_upper, 0755) < 0)
		return -1;
	if (realpath(kept_upper, resolved) == NULL)
		return sys("overlay", -1, "--upper %s", kept_upper);
	if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("overlay", "--upper %s: not a directory", kept_upper);
	if (join_path(upper, resolved, "") < 0 || join_path(work, resolved, ".work") < 0)
		return -1;
	return ensure_dir(work, 0700);
}

/*
 * A kit killed by SIGKILL could not remove its directories. Whoever comes
 * next does: a directory whose kit (its name) no longer runs is stale, and
 * so is one named after us, since we have only just started.
 */
void remove_stale_dirs(const char *parent)
{
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir = opendir(parent);
	pid_t pid;

	while (dir && (entry = readdir(dir)) != NULL) {
		pid = (pid_t)atoi(entry->d_name);
		if (pid <= 0 || (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH)))
			continue;
		if (join_path(path, parent, "/") == 0 && strlen(path) + strlen(entry->d_name) < PATH_MAX) {
			strcat(path, entry->d_name);
			remove_tree(path);
		}
	}
	if (dir)
		closedir(dir);
}

/* The host id that container id 0 is mapped to, from /proc/PID/uid_map or gid_map. */
unsigned host_id_of_root(pid_t pid, const char *map)
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

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -r of a directory the kit made; its files may belong to container root. */
void remove_tree(const char *path)
{
	if (path[0] != '\0' && nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		sys("overlay", -1, "removing %s", path);
	else
		trace("overlay", "removed %s", path);
}
