/*
 * security.c - the last layer: what the container's processes may still DO.
 * Namespaces decide what a process can see; this layer decides what root
 * inside can do with what it sees, so that a bug in one fence is not a way
 * out through the others: capabilities (Docker's 14 by default, --cap-add,
 * --cap-drop), the user (--user, --group-add), no_new_privs, the filesystem
 * (--read-only, --tmpfs, masked /proc and /sys paths), AppArmor, no host fd
 * or working directory, and the system call filter (seccomp.c).
 *
 * The parent decides the capabilities and builds the filter before clone, so
 * bad input is refused before anything exists. In the child the order
 * matters; each step still has the privilege the next one removes:
 *   1. mounts, while we hold CAP_SYS_ADMIN, after the mount layer's
 *      pivot_root (fs_hardening.c);
 *   2. the AppArmor profile for the coming execve, while we are root; every
 *      fd above 2 marked close-on-exec, while /proc/self/fd is ours to read;
 *   3. the bounding set, while we hold CAP_SETPCAP;
 *   4. the user: setgroups, setresgid, then setresuid (PR_SET_KEEPCAPS keeps
 *      the permitted set across the uid change);
 *   5. the capability sets, now that the uid is final;
 *   6. the working directory, checked as the final user; no_new_privs;
 *   7. the seccomp filter, the very last call before execve (seccomp.c).
 *
 * Chapter: 6.1 Capabilities, 6.2 Seccomp, 6.3 AppArmor/SELinux,
 *          6.4 Read-only Root; exercise 4 "Hardened Container".
 * Man pages: capabilities(7), cap_set_proc(3), cap_drop_bound(3),
 *            prctl(2) (PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS), setresuid(2),
 *            setgroups(2); for the filter, seccomp(2) (seccomp.c).
 */
#include "kit.h"
#include "security.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>
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

/* The parent, as host root: --ulimit and --oom-score-adj (rlimits.c). */
static int limit_child(struct container *c)
{
	return set_process_limits(c->child_pid);
}

static void release(struct container *c)
{
	(void)c;
	filter_cleanup();
}

/* --- child: capabilities and user ------------------------------------------------- */

/* The bounding set caps what any later execve can give back, even a setuid-root binary. */
static int drop_bounding_set(void)
{
	/* exercise: 2. drop from the bounding set every capability not granted (security.granted,
	 *   a bit per capability: BIT(cap)) that is still in it (cap_get_bound(3) == 1), for
	 *   cap from 0 to cap_max_bits(3): cap_drop_bound(3). Trace each with its name from
	 *   cap_to_name(3): sys("security", ..., "cap_drop_bound(%s)", name), which -v prints
	 *   as "[security] cap_drop_bound(cap_chown) = 0"; cap_free(3) the name.
	 * check: ^security: (root gets Docker|-v traces)
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
 * change (the kernel would clear it); set_capabilities() then sets the
 * final sets. libcap's cap_setuid() does the same dance for one uid.
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
	/* exercise: 3. make the permitted and effective sets exactly the granted capabilities:
	 *   cap_init(3), cap_set_flag(3) CAP_PERMITTED and CAP_EFFECTIVE for each, then
	 *   cap_set_proc(3) traced as "cap_set_proc(pe=%s)" with caps_text(keep); then
	 *   cap_reset_ambient(3), traced "cap_reset_ambient()". Keep CAP_SYS_ADMIN too when
	 *   !security.no_new_privs && filter_enabled(): loading the filter needs it then
	 *   (execve drops it: it is not in the bounding set).
	 * check: ^security: root gets Docker
	 */
	uint64_t keep = security.granted;
	cap_t caps = cap_init(), now;
	char *text;
	int r = 0;

	if (!security.no_new_privs && filter_enabled())
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

/* Also what lets an unprivileged process load a seccomp filter. */
static int set_no_new_privs(void)
{
	/* exercise: 4. prctl(2) PR_SET_NO_NEW_PRIVS, unless --security-opt no-new-privileges=false
	 *   (security.no_new_privs): no execve may gain privileges, not even a setuid binary.
	 *   -v must show "[security] prctl(PR_SET_NO_NEW_PRIVS, 1) = 0".
	 * check: ^security: (root gets Docker|-v traces)
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
	    protect_paths() < 0 || lock_root() < 0)
		return -1;
	/* fds first: once the uid changes, /proc/self/fd may no longer be ours to read. */
	/* --capabilities: config.json's five sets, exactly (caps.c); else the granted set. */
	if (apply_apparmor() < 0 || close_host_fds() < 0 || drop_bounding_set() < 0 ||
	    switch_user() < 0 || (security.exact_caps ? set_exact_capabilities() : set_capabilities()) < 0)
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
	return prepare(NULL) < 0 ? -1 : set_process_limits(getpid());
}

int security_enter(void)
{
	if (close_host_fds() < 0 || drop_bounding_set() < 0 || switch_user() < 0 ||
	    (security.exact_caps ? set_exact_capabilities() : set_capabilities()) < 0 ||
	    set_no_new_privs() < 0)
		return -1;
	return filter_load();
}

static const struct layer_option security_options[] = {
	{ "cap-add", "CAP", "add a capability (CHOWN, CAP_NET_ADMIN, ALL; repeatable)", set_cap_add },
	{ "cap-drop", "CAP", "drop a capability (or ALL) from Docker's 14 defaults", set_cap_drop },
	{ "capabilities", "SET=CAP,...", "exactly these in SET (bounding, effective, permitted, "
	  "inheritable, ambient; the others empty)", set_capabilities_option },
	{ "user", "UID[:GID]", "run COMMAND as this user (numeric)", set_user },
	{ "group-add", "GID", "a supplementary group (repeatable)", set_group_add },
	{ "security-opt", "OPT", "seccomp=FILE|unconfined, no-new-privileges[=false], "
	  "apparmor=PROFILE, masked-paths=P:P, readonly-paths=P:P", set_security_opt },
	{ "ulimit", "NAME=SOFT[:HARD]", "a resource limit, e.g. nofile=1024:2048 (setrlimit(2); "
	  "repeatable)", set_ulimit },
	{ "sysctl", "KEY=VALUE", "a kernel setting of the container's own namespaces "
	  "(net.*, kernel.shm*, ...)", set_sysctl },
	{ "oom-score-adj", "N", "-1000 (never) to 1000 (first): the OOM killer's choice",
	  set_oom_score_adj },
	{ "read-only", NULL, "mount the container's root read-only", set_read_only },
	{ "tmpfs", "PATH[:OPTS]", "a writable tmpfs at PATH (nosuid,nodev,noexec; size=64m,"
	  "mode=1777,exec,...)", set_tmpfs },
	{ 0 },
};

const struct layer security_layer = {
	.name = "security",
	.options = security_options,
	.before_clone = prepare,
	.after_clone = limit_child,
	.in_child = secure_child,
	.cleanup = release,
};
