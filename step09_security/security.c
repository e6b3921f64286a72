/*
 * security.c - the last layer: what the container's processes may still DO.
 * Namespaces decide what a process can see; this layer decides what root
 * inside can do with what it sees, so that a bug in one fence is not a way
 * out through the others:
 *
 *   capabilities  root inside keeps Docker's 14 default capabilities, in
 *                 every set (--cap-add, --cap-drop CAP|ALL);
 *   user          COMMAND need not be root (--user UID[:GID], --group-add);
 *   no_new_privs  setuid binaries and file capabilities cannot raise what the
 *                 kit granted (--security-opt no-new-privileges=false);
 *   filesystem    --read-only root and --tmpfs for the writable places; the
 *                 /proc and /sys files that describe or steer the host masked
 *                 or read-only, as runc's default spec; every writable mount
 *                 nodev;
 *   AppArmor      --security-opt apparmor=PROFILE, where the host has it;
 *   leaks         no host fd and no host working directory reach COMMAND;
 *   seccomp       which system calls may be made at all: seccomp.c.
 *
 * The order matters; each step still has the privilege the next one removes:
 *   1. mounts, while we hold CAP_SYS_ADMIN. They come after the mount
 *      layer's pivot_root, so every path resolves inside the new root: a
 *      symlink in the image cannot point a mount at the host's tree, which is
 *      already detached;
 *   2. the AppArmor profile for the coming execve, while we are root; every
 *      fd above 2 marked close-on-exec, while /proc/self/fd is ours to read;
 *   3. the bounding set, while we hold CAP_SETPCAP;
 *   4. the user: setgroups, setresgid, then setresuid (PR_SET_KEEPCAPS keeps
 *      the permitted set across the uid change);
 *   5. the capability sets, now that the uid is final;
 *   6. the working directory, checked as the final user; no_new_privs;
 *   7. the seccomp filter, the very last call before execve (seccomp.c).
 *
 * The runtime binary cannot be overwritten from inside (CVE-2019-5736): that
 * attack opens /proc/PID/exe of a runtime process that runs inside the
 * container's PID namespace. The kit never re-executes itself: the container's
 * first process has the kit as its exe only between clone() and execve(),
 * when no code of the image runs. `exec` (step08's exec.c) joins as a
 * non-dumpable process (PR_SET_DUMPABLE 0), whose /proc/PID/exe no other
 * process may open, and gets this layer's limits (security_enter) before its
 * execve. Nothing opens the binary (mount.c only readlinks /proc/self/exe,
 * in the parent), so no fd to it can leak.
 *
 * Chapter: 6.1 Capabilities, 6.2 Seccomp, 6.3 AppArmor/SELinux,
 *          6.4 Read-only Root; exercise 4 "Hardened Container".
 * Man pages: capabilities(7), cap_set_proc(3), cap_drop_bound(3),
 *            cap_from_name(3), prctl(2) (PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS),
 *            setresuid(2), setgroups(2), mount(2), statvfs(3),
 *            close_range(2), getcwd(2), apparmor(7), proc(5); for the
 *            filter, seccomp(2) and seccomp_rule_add(3) (seccomp.c).
 */
#include "kit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BIT(cap) (UINT64_C(1) << (cap))

/* Docker's default set: what a typical image's root needs, nothing that reaches the host. */
#define DOCKER_DEFAULT_CAPS                                                     \
	(BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |             \
	 BIT(CAP_FOWNER) | BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | \
	 BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |                 \
	 BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) |       \
	 BIT(CAP_AUDIT_WRITE))

#define MAX_GROUPS 32
#define MAX_TMPFS 16

/* What the options asked for. */
static uint64_t caps_added, caps_dropped;
static bool add_all, drop_all;
static bool user_given, group_given;
static uid_t user_uid;
static gid_t user_gid;
static gid_t extra_groups[MAX_GROUPS];
static int extra_group_count;
static bool no_new_privs = true;
static const char *apparmor_profile;
static bool read_only_root;

struct tmpfs_mount {
	char path[PATH_MAX];
	unsigned long flags;
	char data[256];
};
static struct tmpfs_mount tmpfs_mounts[MAX_TMPFS];
static int tmpfs_count;

/* What the container gets, decided by the parent before clone. */
static uint64_t granted;

/* --- capabilities: options ------------------------------------------------ */

/* "net_bind_service", "CAP_NET_BIND_SERVICE": case and prefix do not matter. */
static int parse_cap(const char *option, const char *value, cap_value_t *cap)
{
	const char *name = strncasecmp(value, "cap_", 4) == 0 ? value + 4 : value;
	char lower[64] = "cap_";
	size_t n = strlen(name);

	/* Only letters and '_': cap_from_name would also take numbers. */
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)name[i]) && name[i] != '_')
			n = 0;
	if (n == 0 || n > sizeof(lower) - 5)
		return fail("security", "--%s \"%s\": not a capability name (see capabilities(7))",
			    option, value);
	for (size_t i = 0; i <= n; i++)
		lower[4 + i] = tolower((unsigned char)name[i]);
	if (cap_from_name(lower, cap) < 0)
		return fail("security", "--%s %s: unknown capability (see capabilities(7))",
			    option, value);
	if (*cap >= cap_max_bits() || *cap >= 64)
		return fail("security", "--%s %s: not supported by this kernel", option, value);
	return 0;
}

static int set_cap_add(const char *value)
{
	cap_value_t cap;

	if (strcasecmp(value, "ALL") == 0)
		return add_all = true, 0;
	if (parse_cap("cap-add", value, &cap) < 0)
		return -1;
	caps_added |= BIT(cap);
	return 0;
}

static int set_cap_drop(const char *value)
{
	cap_value_t cap;

	if (strcasecmp(value, "ALL") == 0)
		return drop_all = true, 0;
	if (parse_cap("cap-drop", value, &cap) < 0)
		return -1;
	caps_dropped |= BIT(cap);
	return 0;
}

/* "1000" -> 1000; (uid_t)-1 means "unchanged" to setresuid(2), so it is refused. */
static int parse_id(const char *text, unsigned long *id)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*id = strtoul(text, &end, 10);
	return errno || *end != '\0' || *id >= UINT32_MAX ? -1 : 0;
}

static int set_user(const char *value)
{
	char uid_text[32];
	const char *colon = strchr(value, ':');
	size_t len = colon ? (size_t)(colon - value) : strlen(value);
	unsigned long uid, gid = 0;

	snprintf(uid_text, sizeof(uid_text), "%.*s", (int)len, value);
	if (len >= sizeof(uid_text) || parse_id(uid_text, &uid) < 0 ||
	    (colon && parse_id(colon + 1, &gid) < 0))
		return fail("security", "--user %s: expected UID[:GID], numbers below 4294967295",
			    value);
	user_given = true;
	group_given = colon != NULL;
	user_uid = uid;
	user_gid = gid;
	return 0;
}

static int set_group_add(const char *value)
{
	unsigned long gid;

	if (parse_id(value, &gid) < 0)
		return fail("security", "--group-add %s: expected a numeric GID", value);
	if (extra_group_count == MAX_GROUPS)
		return fail("security", "--group-add: at most %d groups", MAX_GROUPS);
	extra_groups[extra_group_count++] = gid;
	return 0;
}

/* --- options: --security-opt, --read-only, --tmpfs -------------------------- */

static int set_no_new_privileges(const char *value)
{
	if (value == NULL || strcmp(value, "true") == 0)
		no_new_privs = true;
	else if (strcmp(value, "false") == 0)
		no_new_privs = false;
	else
		return fail("security", "--security-opt no-new-privileges=%s: expected true or false",
			    value);
	return 0;
}

static int set_security_opt(const char *value)
{
	const char *equals = strchr(value, '=');
	size_t key = equals ? (size_t)(equals - value) : strlen(value);
	const char *arg = equals ? equals + 1 : NULL;

	if (key == 17 && strncmp(value, "no-new-privileges", key) == 0)
		return set_no_new_privileges(arg);
	if (arg && arg[0] && key == 7 && strncmp(value, "seccomp", key) == 0)
		return filter_option(arg);
	if (arg && arg[0] && key == 8 && strncmp(value, "apparmor", key) == 0)
		return apparmor_profile = arg, 0;
	return fail("security", "--security-opt %s: unknown option; the kit knows seccomp=FILE|"
		    "unconfined, no-new-privileges[=true|false], apparmor=PROFILE", value);
}

static int set_read_only(const char *value)
{
	(void)value;
	read_only_root = true;
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
static int set_tmpfs(const char *value)
{
	struct tmpfs_mount *t = &tmpfs_mounts[tmpfs_count];
	const char *colon = strchr(value, ':');
	size_t len = colon ? (size_t)(colon - value) : strlen(value);
	char options[256], *word, *save;

	if (tmpfs_count == MAX_TMPFS)
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
	tmpfs_count++;
	return 0;
}

/* --- parent, before clone: decide, and refuse what cannot be done ------------ */

/* The names of a set, for messages and the -v trace: "cap_chown,cap_kill". */
static const char *caps_text(uint64_t set)
{
	static char text[1024];

	text[0] = '\0';
	for (cap_value_t cap = 0; cap < 64; cap++) {
		char *name;
		if (!(set & BIT(cap)) || (name = cap_to_name(cap)) == NULL)
			continue;
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
			 text[0] ? "," : "", name);
		cap_free(name);
	}
	return text[0] ? text : "none";
}

/* The capabilities the kit itself may pass on: its bounding set. */
static uint64_t own_bounding_set(void)
{
	uint64_t set = 0;

	for (cap_value_t cap = 0; cap < cap_max_bits() && cap < 64; cap++)
		if (cap_get_bound(cap) == 1)
			set |= BIT(cap);
	return set;
}

/*
 * Docker's rules, so the same flags mean the same thing: --cap-add ALL wins
 * and keeps all but the --cap-drop ones; else --cap-drop ALL keeps only the
 * --cap-add ones; else the defaults, minus drops, plus adds.
 */
static int decide_capabilities(void)
{
	uint64_t own = own_bounding_set();

	if (add_all)
		granted = own & ~caps_dropped;
	else if (drop_all)
		granted = caps_added;
	else
		granted = ((DOCKER_DEFAULT_CAPS & own) & ~caps_dropped) | caps_added;
	if (granted & ~own)
		return fail("security", "cannot grant %s: not in the kit's own bounding set",
			    caps_text(granted & ~own));
	trace("security", "capabilities: %s", caps_text(granted));
	return 0;
}

static int check_apparmor(void)
{
	char enabled = 'N';
	FILE *f;

	if (apparmor_profile == NULL || strcmp(apparmor_profile, "unconfined") == 0)
		return 0;
	f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	if (f) {
		enabled = (char)fgetc(f);
		fclose(f);
	}
	if (enabled != 'Y')
		return fail("security", "--security-opt apparmor=%s: AppArmor is not enabled on this host",
			    apparmor_profile);
	return 0;
}

static int prepare(struct container *c)
{
	(void)c;
	if (decide_capabilities() < 0 || check_apparmor() < 0)
		return -1;
	return filter_prepare(granted);
}

static void release(struct container *c)
{
	(void)c;
	filter_cleanup();
}

static int mount_traced(const char *source, const char *target, const char *fstype,
			unsigned long flags, const char *data)
{
	return mount_as("security", source, target, fstype, flags, data);
}

/*
 * Changes a mount's flags, keeping the ones it has: in a user namespace the
 * kernel refuses a remount that would clear nosuid, nodev, noexec or an atime
 * flag the mount got from a more privileged namespace (they are "locked").
 */
static int remount(const char *path, unsigned long add)
{
	static const struct { unsigned long st, ms; } kept[] = {
		{ ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = MS_BIND | MS_REMOUNT | add;
	struct statvfs st;

	if (sys("security", statvfs(path, &st), "statvfs(\"%s\")", path) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (st.f_flag & kept[i].st)
			flags |= kept[i].ms;
	return mount_traced(NULL, path, NULL, flags, NULL);
}

/* mkdir -p, for a --tmpfs whose mount point the image lacks (Docker makes it too). */
static int make_mount_point(const char *path)
{
	char partial[PATH_MAX];

	for (const char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		snprintf(partial, sizeof(partial), "%.*s", (int)(p - path), path);
		if (mkdir(partial, 0755) < 0 && errno != EEXIST)
			return sys("security", -1, "mkdir(\"%s\")", partial);
		if (*p == '\0')
			return 0;
	}
}

static int mount_tmpfs_list(void)
{
	for (int i = 0; i < tmpfs_count; i++) {
		struct tmpfs_mount *t = &tmpfs_mounts[i];
		if (make_mount_point(t->path) < 0 ||
		    mount_traced("tmpfs", t->path, "tmpfs", t->flags, t->data) < 0)
			return -1;
	}
	return 0;
}

/*
 * runc's default masked paths: they show or steer the host's hardware and
 * kernel (kcore is the host's memory, keys its keyrings, timer_list and
 * sched_debug the host's tasks). A file gets /dev/null over it, a directory
 * an empty read-only tmpfs. What this kernel lacks is skipped.
 */
static int mask_paths(void)
{
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
		"/proc/sched_debug", "/proc/scsi", "/sys/firmware",
		"/sys/devices/virtual/powercap",
	};
	const unsigned long safe = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct stat st;

	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		int r;
		if (stat(masked[i], &st) < 0) {
			if (errno == ENOENT)
				continue;
			return sys("security", -1, "stat(\"%s\")", masked[i]);
		}
		if (S_ISDIR(st.st_mode))
			r = mount_traced("tmpfs", masked[i], "tmpfs", safe, NULL);
		else
			r = mount_traced("/dev/null", masked[i], NULL, MS_BIND, NULL);
		if (r < 0)
			return -1;
	}
	return 0;
}

/*
 * runc's default read-only paths: writing them changes the host (sysctls,
 * IRQ affinity, sysrq-trigger can reboot the machine). Bound onto
 * themselves so they become mount points, then made read-only.
 */
static int protect_paths(void)
{
	static const char *const read_only[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};
	struct stat st;

	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
		if (stat(read_only[i], &st) < 0) {
			if (errno == ENOENT)
				continue;
			return sys("security", -1, "stat(\"%s\")", read_only[i]);
		}
		if (mount_traced(read_only[i], read_only[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    remount(read_only[i], MS_RDONLY) < 0)
			return -1;
	}
	return 0;
}

/*
 * CAP_MKNOD is a default, as in Docker, so root inside can make a node for
 * the host's disk. Docker forbids opening it with the devices cgroup; this
 * layer must not depend on the cgroup step, so it makes the writable mounts
 * where a node could be created nodev: the root and /dev (the devices in /dev
 * are bind mounts of their own and keep working). /dev/shm, /proc, /sys and
 * every --tmpfs are nodev already. Then, with --read-only, the root goes
 * read-only: this must come after pivot_root, when "/" is the image.
 */
static int lock_root(void)
{
	return remount("/dev", MS_NODEV) < 0 ||
	       remount("/", MS_NODEV | (read_only_root ? MS_RDONLY : 0)) < 0 ? -1 : 0;
}

/* --- child: AppArmor, user, capabilities ------------------------------------------ */

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t written;
	int saved;

	if (fd < 0)
		return -1;
	written = write(fd, text, strlen(text));
	saved = errno;
	close(fd);
	errno = saved;
	return written < 0 ? -1 : 0;
}

/* The profile takes effect at the next execve, that of COMMAND. */
static int apply_apparmor(void)
{
	char text[300];
	int r;

	if (apparmor_profile == NULL || strcmp(apparmor_profile, "unconfined") == 0)
		return 0;
	snprintf(text, sizeof(text), "exec %s", apparmor_profile);
	/* The LSM-stacking interface first; older kernels have only the generic one. */
	r = write_text("/proc/self/attr/apparmor/exec", text);
	if (r < 0 && errno == ENOENT)
		r = write_text("/proc/self/attr/exec", text);
	return sys("security", r, "write(\"/proc/self/attr/.../exec\", \"%s\")", text) < 0 ? -1 : 0;
}

/* The bounding set caps what any later execve can give back, even a setuid-root binary. */
static int drop_bounding_set(void)
{
	/* exercise: drop from the bounding set every capability not granted: cap_drop_bound(3) */
	for (cap_value_t cap = 0; cap < cap_max_bits() && cap < 64; cap++) {
		char *name;
		int r;
		if ((granted & BIT(cap)) || cap_get_bound(cap) != 1)
			continue;
		name = cap_to_name(cap);
		r = sys("security", cap_drop_bound(cap), "cap_drop_bound(%s)", name);
		cap_free(name);
		if (r < 0)
			return -1;
	}
	return 0;
	/* end exercise */
}

/* Docker's rule when only UID is given: its group in the image's /etc/passwd, else 0. */
static gid_t default_gid(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	gid_t gid = 0;

	while (f && (pw = fgetpwent(f)) != NULL)
		if (pw->pw_uid == uid) {
			gid = pw->pw_gid;
			break;
		}
	if (f)
		fclose(f);
	return gid;
}

/*
 * Exactly the groups asked for: the host's supplementary groups of whoever
 * ran the kit (docker, disk, ...) would still open host files the container
 * can reach.
 */
static int set_groups(void)
{
	if (!setgroups_allowed()) {
		if (extra_group_count > 0)
			return fail("security", "--group-add: setgroups(2) is denied in this user "
				    "namespace (a rootless run without newgidmap)");
		trace("security", "setgroups denied here: supplementary groups left as they are");
		return 0;
	}
	return sys("security", setgroups(extra_group_count, extra_groups),
		   "setgroups(%d groups)", extra_group_count) < 0 ? -1 : 0;
}

/*
 * Changing the effective uid clears the parent-death signal (prctl(2)):
 * without re-arming it, a container of a killed kit would live on.
 */
static int rearm_parent_death_signal(void)
{
	int sig = 0;

	if (prctl(PR_GET_PDEATHSIG, &sig) < 0 || sig == 0)
		return 0;
	return sys("security", prctl(PR_SET_PDEATHSIG, sig), "prctl(PR_SET_PDEATHSIG, %d)", sig)
	       < 0 ? -1 : 0;
}

/* The image must let COMMAND's user reach its files: say so rather than fail at exec. */
static int check_root_searchable(void)
{
	struct stat st;

	if (access("/", X_OK) == 0)
		return 0;
	stat("/", &st);
	return fail("security", "--user %u cannot enter the container's / (mode %04o, owner %u): "
		    "the image's root directory must be searchable by others (chmod 755), as "
		    "Docker images are", (unsigned)user_uid, (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid);
}

/*
 * setresgid before setresuid: once the uid is not 0 we could no longer
 * change the gid. PR_SET_KEEPCAPS keeps the permitted set across the uid
 * change (the kernel would clear it); set_capabilities() then sets the
 * final sets. libcap's cap_setuid() does the same dance for one uid.
 */
static int switch_user(void)
{
	gid_t gid;

	if (set_groups() < 0)
		return -1;
	if (!user_given)
		return 0;
	gid = group_given ? user_gid : default_gid(user_uid);
	if (sys("security", prctl(PR_SET_KEEPCAPS, 1), "prctl(PR_SET_KEEPCAPS, 1)") < 0 ||
	    sys("security", setresgid(gid, gid, gid), "setresgid(%u)", (unsigned)gid) < 0)
		return -1;
	if (sys("security", setresuid(user_uid, user_uid, user_uid), "setresuid(%u)",
		(unsigned)user_uid) < 0) {
		if (errno == EINVAL)
			fail("security", "--user %u: that uid is not mapped in the user namespace",
			     (unsigned)user_uid);
		return -1;
	}
	if (sys("security", prctl(PR_SET_KEEPCAPS, 0), "prctl(PR_SET_KEEPCAPS, 0)") < 0 ||
	    rearm_parent_death_signal() < 0)
		return -1;
	return check_root_searchable();
}

/*
 * Which sets get the granted set S. We follow runc with the spec `runc spec`
 * writes (bounding = permitted = effective = S; inheritable and ambient
 * empty), for every user, and let execve(2) apply its rules:
 *   root:     execve gives permitted = effective = bounding = S;
 *   non-root: execve clears permitted and effective: COMMAND has no
 *             capability, which is also what `docker run --user 1000` gives
 *             (moby sets only the bounding set for non-root users).
 * Not ambient: ambient capabilities survive execve for non-root users, so
 * S there would hand Docker's defaults to every program of a "non-root"
 * container (podman puts only the --cap-add ones there).
 * Not inheritable: a program with inheritable file capabilities would gain
 * them on exec (CVE-2022-24769, CVE-2022-29162).
 * Permitted = S before exec rather than empty (as moby does) is what lets
 * COMMAND, when it is a binary with file capabilities within S, keep them
 * under no_new_privs: file capabilities may then add nothing beyond the
 * permitted set before exec. Programs COMMAND starts later get nothing: a
 * non-root COMMAND's own permitted set is empty after its execve.
 *
 * Loading a seccomp filter needs no_new_privs or CAP_SYS_ADMIN. With
 * no-new-privileges=false and CAP_SYS_ADMIN not granted, we keep it in
 * permitted and effective until execve, which drops it: it is in neither the
 * bounding nor the inheritable set, so no execve gives it back.
 */
static int set_capabilities(void)
{
	/* exercise: make the permitted and effective sets exactly the granted capabilities (cap_set_proc(3)); clear the ambient set */
	uint64_t keep = granted;
	cap_t caps = cap_init(), now;
	char *text;
	int r = 0;

	if (!no_new_privs && filter_enabled())
		keep |= BIT(CAP_SYS_ADMIN);
	for (cap_value_t cap = 0; cap < 64 && r == 0; cap++)
		if (keep & BIT(cap))
			r = cap_set_flag(caps, CAP_PERMITTED, 1, &cap, CAP_SET) |
			    cap_set_flag(caps, CAP_EFFECTIVE, 1, &cap, CAP_SET);
	if (r == 0)
		r = (int)sys("security", cap_set_proc(caps), "cap_set_proc(pe=%s)", caps_text(keep));
	cap_free(caps);
	if (r < 0 || sys("security", cap_reset_ambient(), "cap_reset_ambient()") < 0)
		return -1;
	if (verbose && (now = cap_get_proc()) != NULL) {
		text = cap_to_text(now, NULL);
		trace("security", "capabilities now: %s", text ? text : "?");
		cap_free(text);
		cap_free(now);
	}
	return 0;
	/* end exercise */
}

/* --- child: leaks, no_new_privs ---------------------------------------------------- */

/*
 * No fd of the host reaches COMMAND (CVE-2024-21626: a leaked directory fd
 * of the host's /sys/fs/cgroup was a way out). CLOSE_RANGE_CLOEXEC rather
 * than closing: an fd a layer still needs stays usable until execve, which
 * closes them all. Kernels before 5.11 get the same through /proc/self/fd.
 */
static int close_host_fds(void)
{
	DIR *dir;
	struct dirent *e;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return trace("security", "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) = 0"), 0;
	dir = opendir("/proc/self/fd");
	if (sys("security", dir ? 0 : -1, "opendir(\"/proc/self/fd\")") < 0)
		return -1;
	while ((e = readdir(dir)) != NULL) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != dirfd(dir) && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			closedir(dir);
			return sys("security", -1, "fcntl(%d, F_SETFD, FD_CLOEXEC)", fd);
		}
	}
	closedir(dir);
	return 0;
}

/*
 * COMMAND starts in a directory of the container, reached by its name from
 * the new root: a working directory inherited from the host, or set through
 * a leaked fd (CVE-2024-21626), would be a door to the host's tree. The
 * getcwd(2) system call says "(unreachable)" for a directory outside our root.
 */
static int enter_working_directory(void)
{
	char cwd[PATH_MAX];

	if (sys("security", syscall(SYS_getcwd, cwd, sizeof(cwd)), "getcwd()") < 0)
		return -1;
	if (cwd[0] != '/')
		return fail("security", "the working directory is outside the container: %s", cwd);
	return sys("security", chdir(cwd), "chdir(\"%s\")", cwd) < 0 ? -1 : 0;
}

/* Also what lets an unprivileged process load a seccomp filter. */
static int set_no_new_privs(void)
{
	/* exercise: prctl(2) PR_SET_NO_NEW_PRIVS, unless --security-opt no-new-privileges=false: no execve may gain privileges */
	if (!no_new_privs)
		return 0;
	return sys("security", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
		   "prctl(PR_SET_NO_NEW_PRIVS, 1)") < 0 ? -1 : 0;
	/* end exercise */
}

static int secure_child(struct container *c)
{
	(void)c;
	if (mount_tmpfs_list() < 0 || mask_paths() < 0 || protect_paths() < 0 || lock_root() < 0)
		return -1;
	/* fds first: once the uid changes, /proc/self/fd may no longer be ours to read. */
	if (apply_apparmor() < 0 || close_host_fds() < 0 || drop_bounding_set() < 0 ||
	    switch_user() < 0 || set_capabilities() < 0)
		return -1;
	if (enter_working_directory() < 0 || set_no_new_privs() < 0)
		return -1;
	return filter_load();  /* last: the filter applies from here on */
}

/*
 * The runtime's exec (step08) joins a running container: its process gets
 * what the container's first one got, minus the mounts, which it shares.
 */
int security_prepare_exec(void)
{
	return prepare(NULL);
}

int security_enter(void)
{
	if (close_host_fds() < 0 || drop_bounding_set() < 0 || switch_user() < 0 ||
	    set_capabilities() < 0 || set_no_new_privs() < 0)
		return -1;
	return filter_load();
}

static const struct layer_option security_options[] = {
	{ "cap-add", "CAP", "add a capability (CHOWN, CAP_NET_ADMIN, ALL; repeatable)", set_cap_add },
	{ "cap-drop", "CAP", "drop a capability (or ALL) from Docker's 14 defaults", set_cap_drop },
	{ "user", "UID[:GID]", "run COMMAND as this user (numeric)", set_user },
	{ "group-add", "GID", "a supplementary group (repeatable)", set_group_add },
	{ "security-opt", "OPT", "seccomp=FILE|unconfined, no-new-privileges[=false], "
	  "apparmor=PROFILE", set_security_opt },
	{ "read-only", NULL, "mount the container's root read-only", set_read_only },
	{ "tmpfs", "PATH[:OPTS]", "a writable tmpfs at PATH (nosuid,nodev,noexec; size=64m,"
	  "mode=1777,exec,...)", set_tmpfs },
	{ 0 },
};

const struct layer security_layer = {
	.name = "security",
	.options = security_options,
	.before_clone = prepare,
	.in_child = secure_child,
	.cleanup = release,
};
