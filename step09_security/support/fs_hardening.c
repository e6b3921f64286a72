/*
 * fs_hardening.c - what of the filesystem COMMAND may write and read, beside
 * the lesson's read-only root and masked paths (security.c): --read-only and
 * --tmpfs parsed, the --tmpfs mounts, runc's lists of masked and read-only
 * /proc and /sys paths, and nodev on /dev. Done in the child after the mount
 * layer's pivot_root, while it still holds CAP_SYS_ADMIN: every path
 * resolves inside the new root, so a symlink in the image cannot point a
 * mount at the host's tree, which is already detached.
 *
 * Chapter: 6.4 Read-only Root.
 * Man pages: mount(2) (MS_BIND | MS_REMOUNT), statvfs(3), tmpfs(5), proc(5).
 */
#include "kit.h"
#include "security.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

int set_read_only(const char *value)
{
	(void)value;
	security.read_only_root = true;
	return 0;
}

/* One word of --tmpfs OPTIONS: a mount flag, or data for tmpfs itself (size=, mode=). */
static int tmpfs_word(struct tmpfs_mount *t, const char *word, const char *value)
{
	static const struct { const char *word; unsigned long set, clear; } words[] = {
		{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
		{ "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
		{ "nosuid", 0, 0 }, { "nodev", 0, 0 },  /* always on */
		{ "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 },
	};
	size_t used = strlen(t->data);

	if (strcmp(word, "suid") == 0 || strcmp(word, "dev") == 0)
		return fail("security", "--tmpfs %s: a --tmpfs is always nosuid,nodev", value);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(word, words[i].word) == 0) {
			t->flags = (t->flags | words[i].set) & ~words[i].clear;
			return 0;
		}
	if (used + strlen(word) + 2 > sizeof(t->data))
		return fail("security", "--tmpfs %s: options too long", value);
	snprintf(t->data + used, sizeof(t->data) - used, "%s%s", used ? "," : "", word);
	return 0;
}

/* PATH[:OPTIONS]; like Docker, a --tmpfs is noexec unless OPTIONS say exec. */
int set_tmpfs(const char *value)
{
	struct tmpfs_mount *t = &security.tmpfs[security.tmpfs_count];
	const char *colon = strchr(value, ':');
	size_t len = colon ? (size_t)(colon - value) : strlen(value);
	char options[256], *word, *save;

	if (security.tmpfs_count == MAX_TMPFS)
		return fail("security", "--tmpfs: at most %d", MAX_TMPFS);
	if (value[0] != '/' || len >= sizeof(t->path) || strstr(value, "/..") ||
	    (len == 1 && value[0] == '/'))
		return fail("security", "--tmpfs %s: PATH must be absolute, not / and without ..", value);
	/* Cut short, the copy below would drop its last words (an "ro") silently. */
	if (colon && strlen(colon + 1) >= sizeof(options))
		return fail("security", "--tmpfs %s: options too long", value);
	snprintf(t->path, sizeof(t->path), "%.*s", (int)len, value);
	t->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	t->data[0] = '\0';
	snprintf(options, sizeof(options), "%s", colon ? colon + 1 : "");
	for (word = strtok_r(options, ",", &save); word; word = strtok_r(NULL, ",", &save))
		if (tmpfs_word(t, word, value) < 0)
			return -1;
	security.tmpfs_count++;
	return 0;
}

/*
 * A remount sets every flag anew; this adds to flags the ones path's mount
 * has, to keep them: in a user namespace the kernel refuses a remount that
 * would clear nosuid, nodev, noexec or an atime flag the mount got from a
 * more privileged namespace (they are "locked").
 */
int kept_flags(const char *path, unsigned long *flags)
{
	static const struct { unsigned long st, ms; } kept[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs st;

	if (sys("security", statvfs(path, &st), "statvfs(\"%s\")", path) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (st.f_flag & kept[i].st)
			*flags |= kept[i].ms;
	return 0;
}

/* Changes a mount's flags, keeping the ones it has. */
static int remount(const char *path, unsigned long add)
{
	unsigned long flags = MS_BIND | MS_REMOUNT | add;

	if (kept_flags(path, &flags) < 0)
		return -1;
	return mount_as("security", NULL, path, NULL, flags, NULL);
}

/* A --tmpfs whose mount point the image lacks gets one, as with Docker. */
int mount_tmpfs_list(void)
{
	for (int i = 0; i < security.tmpfs_count; i++) {
		struct tmpfs_mount *t = &security.tmpfs[i];
		if (make_dirs("security", t->path, 0755) < 0 ||
		    mount_as("security", "tmpfs", t->path, "tmpfs", t->flags, t->data) < 0)
			return -1;
	}
	return 0;
}

/* 1 if path exists, 0 if this kernel lacks it (skipped), -1 after reporting. */
int path_present(const char *path, struct stat *st)
{
	if (stat(path, st) == 0)
		return 1;
	return errno == ENOENT ? 0 : (int)sys("security", -1, "stat(\"%s\")", path);
}

/*
 * runc's default masked paths (security.c masks them): they show or steer
 * the host's hardware and kernel (kcore is the host's memory, keys its
 * keyrings, timer_list and sched_debug the host's tasks).
 */
const char *default_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	"/sys/devices/virtual/powercap", NULL,
};

/*
 * runc's default read-only paths: writing them changes the host (sysctls,
 * IRQ affinity, sysrq-trigger can reboot the machine).
 */
static const char *default_read_only[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* The list in force: the defaults, or what --security-opt readonly-paths= gave. */
static const char **read_only = default_read_only;

/*
 * --security-opt masked-paths=P1:P2:... and readonly-paths=...: config.json's
 * linux.maskedPaths and linux.readonlyPaths, exactly (empty: none).
 */
int set_path_list(const char *option, const char *value, bool mask)
{
	static char copies[2][PATH_MAX * 4];
	static const char *lists[2][MAX_PATHS + 1];
	char *copy = copies[mask], *save = NULL;
	int n = 0;

	if (snprintf(copy, sizeof(copies[0]), "%s", value) >= (int)sizeof(copies[0]))
		return fail("security", "--security-opt %s=%s: too long", option, value);
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		if (p[0] != '/' || strstr(p, "/..") || n == MAX_PATHS)
			return fail("security", "--security-opt %s=%s: at most %d absolute paths, "
				    "without ..", option, value, MAX_PATHS);
		lists[mask][n++] = p;
	}
	lists[mask][n] = NULL;
	if (mask)
		security.masked = lists[mask];
	else
		read_only = lists[mask];
	return 0;
}

/* Each read-only path is bound onto itself, so it becomes a mount point, then made read-only. */
int protect_paths(void)
{
	struct stat st;

	for (size_t i = 0; read_only[i]; i++) {
		const char *path = read_only[i];
		int r = path_present(path, &st);
		if (r < 0)
			return -1;
		if (r > 0 && (mount_as("security", path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
			      remount(path, MS_RDONLY) < 0))
			return -1;
	}
	return 0;
}

/*
 * CAP_MKNOD is a default, as in Docker, so root inside can make a node for
 * the host's disk. Docker forbids opening it with the devices cgroup; this
 * layer must not depend on the cgroup step, so it makes the writable mounts
 * where a node could be created nodev: /dev here (the devices in it are bind
 * mounts of their own and keep working), the root in security.c's remount.
 * /dev/shm, /proc, /sys and every --tmpfs are nodev already.
 */
int make_dev_nodev(void)
{
	/* config.json's device cgroup (device_rules.c) guards every node, here or
	 * made later, as under runc: what it allows must open in /dev. */
	if (devices_guarded())
		return 0;
	return remount("/dev", MS_NODEV);
}
