/*
 * security.c - the last layer: what the container's processes may still DO.
 * Namespaces decide what a process can see; this layer decides what root
 * inside can do with what it sees, so that a bug in one fence is not a way
 * out through the others: capabilities, the user, no_new_privs, a read-only
 * root and masked /proc paths, AppArmor, and the system call filter (seccomp.c).
 *
 * The parent decides the capability sets and builds the filter before clone,
 * so bad input is refused before anything exists. In the child the order
 * matters; each step still has the privilege the next one removes:
 *   1. mounts, while we hold CAP_SYS_ADMIN, after the mount layer's
 *      pivot_root: the masked paths, the read-only root;
 *   2. the AppArmor profile for the coming execve, while we are root; every
 *      fd above 2 marked close-on-exec, while /proc/self/fd is ours to read;
 *   3. the bounding set, while we hold CAP_SETPCAP;
 *   4. the user: setgroups, setresgid, then setresuid;
 *   5. the capability sets, now that the uid is final;
 *   6. the working directory, checked as the final user; no_new_privs;
 *   7. the seccomp filter, the very last call before execve (seccomp.c).
 *
 * Chapter: 6.1 Capabilities, 6.2 Seccomp, 6.3 AppArmor/SELinux,
 *          6.4 Read-only Root; exercise 4 "Hardened Container".
 * Man pages: capabilities(7), cap_set_proc(3), cap_drop_bound(3), mount(2),
 *            prctl(2) (PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS), setresuid(2).
 */
#include "kit.h"
#include "security.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

struct security_state security = SECURITY_STATE_INIT;

/* --- parent, before clone: decide, and refuse what cannot be done ------------ */

static int prepare(struct container *c)
{
	(void)c;
	if (decide_capabilities() < 0 || check_apparmor() < 0)
		return -1;
	return filter_prepare(security.granted);
}

static void release(struct container *c)
{
	(void)c;
	filter_cleanup();
}

/* --- child: the filesystem (--tmpfs, read-only paths, nodev: fs_hardening.c) ----- */

/*
 * runc's masked paths (the list: fs_hardening.c) show or steer the host's
 * hardware and kernel: /proc/kcore is its memory, /proc/keys its keyrings.
 * Over a file, /dev/null; over a directory, an empty read-only tmpfs.
 */
static int mask_paths(void)
{
	/* exercise: 1. (the child, after pivot_root) cover each path of security.masked (NULL ends
	 *   it) with mount(2), through mount_as() (traced): a directory (S_ISDIR) with a "tmpfs",
	 *   MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC; anything else with "/dev/null", MS_BIND.
	 *   path_present() stats the path: 0 when this kernel lacks it (skip it), -1 on error.
	 * check: ^masked: /proc files
	 */
	const unsigned long empty = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct stat st;
	int r = 0;

	for (const char **path = security.masked; *path && r == 0; path++)
		if ((r = path_present(*path, &st)) > 0)
			r = S_ISDIR(st.st_mode) ? mount_as("security", "tmpfs", *path, "tmpfs", empty, NULL)
						: mount_as("security", "/dev/null", *path, NULL, MS_BIND, NULL);
	return r;
	/* end exercise */
}

/*
 * After pivot_root "/" is the image. MS_REMOUNT|MS_BIND changes this one
 * mount's flags, not those of the filesystem under it. Read-only or not, the
 * root becomes nodev, as /dev: CAP_MKNOD is a default (fs_hardening.c).
 */
static int remount_root(void)
{
	/* exercise: 2. remount "/" with mount(2), through mount_as(): no source, type or data;
	 *   MS_REMOUNT|MS_BIND|MS_NODEV, and MS_RDONLY with --read-only (security.read_only_root).
	 *   Pitfall: a remount sets every flag anew, and in a user namespace the kernel refuses
	 *   to clear a locked one (nosuid...): kept_flags() adds those "/" has.
	 * check: ^read-only: --read-only makes
	 */
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_NODEV;

	if (security.read_only_root)
		flags |= MS_RDONLY;
	return kept_flags("/", &flags) < 0 ? -1 : mount_as("security", NULL, "/", NULL, flags, NULL);
	/* end exercise */
}

/* --- child: capabilities and user ------------------------------------------------- */

/* The bounding set caps what any later execve can give back, even a setuid-root binary. */
static int drop_bounding_set(void)
{
	/* exercise: 3. (its first part; the second, set_capabilities(), is checked with it)
	 *   drop from the bounding set each capability not granted (security.granted, a
	 *   bit per capability: BIT(cap)) that is still in it (cap_get_bound(3) == 1), cap from 0
	 *   to cap_max_bits(3): cap_drop_bound(3), each traced through sys() with the name
	 *   cap_to_name(3) gives (cap_free(3) it): -v prints "[security] cap_drop_bound(cap_chown) = 0".
	 * check: ^security: capabilities the kit inherits
	 */
	for (cap_value_t cap = 0; cap < cap_max_bits() && cap < 64; cap++) {
		char *name;
		int r;
		if ((security.granted & BIT(cap)) || cap_get_bound(cap) != 1)
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

/*
 * setresgid before setresuid: once the uid is not 0 we could no longer
 * change the gid. PR_SET_KEEPCAPS keeps the permitted set across the uid
 * change (the kernel would clear it), as libcap's cap_setuid() does.
 */
static int switch_user(void)
{
	uid_t uid = security.uid;
	gid_t gid;

	if (set_groups() < 0)
		return -1;
	if (!security.user_given)
		return 0;
	gid = security.group_given ? security.gid : default_gid(uid);
	if (sys("security", prctl(PR_SET_KEEPCAPS, 1), "prctl(PR_SET_KEEPCAPS, 1)") < 0 ||
	    sys("security", setresgid(gid, gid, gid), "setresgid(%u)", (unsigned)gid) < 0)
		return -1;
	if (sys("security", setresuid(uid, uid, uid), "setresuid(%u)", (unsigned)uid) < 0) {
		if (errno == EINVAL)
			fail("security", "--user %u: that uid is not mapped in the user namespace",
			     (unsigned)uid);
		return -1;
	}
	if (sys("security", prctl(PR_SET_KEEPCAPS, 0), "prctl(PR_SET_KEEPCAPS, 0)") < 0 ||
	    rearm_parent_death_signal() < 0)
		return -1;
	return check_root_searchable();
}

/*
 * The sets the parent decided (caps.c), as runc's default spec: bounding =
 * permitted = effective = the granted set, for every user; execve(2) applies
 * its rules: root keeps them, a non-root COMMAND has none (`docker run --user
 * 1000`). Ambient would survive a non-root execve; inheritable file
 * capabilities would be gained (CVE-2022-24769). README.md tells the rest.
 */
static int set_capabilities(void)
{
	/* exercise: 3. (its second part) make the effective, permitted and inheritable sets exactly
	 *   security.cap_sets[EFFECTIVE], [PERMITTED] and [INHERITABLE] (a bit per capability):
	 *   cap_init(3), cap_set_flag(3) with CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE, then
	 *   one cap_set_proc(3), traced; then cap_reset_ambient(3), traced: the kit's own ambient
	 *   set must not reach COMMAND; then raise_ambient() (--capabilities ambient=...).
	 * check: ^security: capabilities the kit inherits
	 */
	static const cap_flag_t flags[] = { [EFFECTIVE] = CAP_EFFECTIVE,
		[PERMITTED] = CAP_PERMITTED, [INHERITABLE] = CAP_INHERITABLE };
	const uint64_t *sets = security.cap_sets;
	cap_t caps = cap_init();
	int r = 0;

	for (cap_value_t cap = 0; cap < 64 && r == 0; cap++)
		for (int set = EFFECTIVE; set <= INHERITABLE && r == 0; set++)
			if (sets[set] & BIT(cap))
				r = cap_set_flag(caps, flags[set], 1, &cap, CAP_SET);
	if (r == 0)
		r = (int)sys("security", cap_set_proc(caps), "cap_set_proc(p=%s ...)",
			     caps_text(sets[PERMITTED]));
	cap_free(caps);
	if (r < 0 || sys("security", cap_reset_ambient(), "cap_reset_ambient()") < 0)
		return -1;
	return raise_ambient();
	/* end exercise */
}

/* Also what lets an unprivileged process load a seccomp filter. */
static int set_no_new_privs(void)
{
	/* exercise: 4. prctl(2) PR_SET_NO_NEW_PRIVS, unless --security-opt no-new-privileges=false
	 *   (security.no_new_privs): no execve may gain privileges, not even a setuid binary.
	 *   -v must show "[security] prctl(PR_SET_NO_NEW_PRIVS, 1) = 0".
	 * check: ^security: COMMAND runs with no_new_privs
	 */
	if (!security.no_new_privs)
		return 0;
	return sys("security", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
		   "prctl(PR_SET_NO_NEW_PRIVS, 1)") < 0 ? -1 : 0;
	/* end exercise */
}

static int secure_child(struct container *c)
{
	(void)c;
	if (mount_tmpfs_list() < 0 || write_sysctls() < 0 || mask_paths() < 0 ||
	    protect_paths() < 0 || make_dev_nodev() < 0 || remount_root() < 0)
		return -1;
	return apply_apparmor() < 0 ? -1 : security_enter();
}

/* Also the runtime's exec (step08), whose process shares the first one's mounts. */
int security_enter(void)
{
	/* fds first: once the uid changes, /proc/self/fd may no longer be ours to read. */
	if (close_host_fds() < 0 || drop_bounding_set() < 0 || switch_user() < 0 ||
	    set_capabilities() < 0 || enter_working_directory() < 0 || set_no_new_privs() < 0)
		return -1;
	return filter_load();  /* last: the filter applies from here on */
}

const struct layer security_layer = {
	.name = "security",
	.options = security_options,  /* security_opt.c */
	.before_clone = prepare,
	.after_clone = limit_child,   /* rlimits.c: --ulimit, --oom-score-adj, as host root */
	.in_child = secure_child,
	.cleanup = release,
};
