/*
 * user.c - the user namespace: root inside the container is an ordinary,
 * unprivileged user on the host. Its capabilities reach only what the new
 * namespace owns (its hostname, its mounts, its network), never the host's.
 *
 * How ids are mapped (the parent writes the maps while the child waits):
 *   run by root:      container 0..65535 -> host 1000000..1065535 (a range no
 *                     login user has; --uid-map/--gid-map to choose another)
 *   run by a user:    container 0 -> the user's own id, and 1..65535 -> the
 *                     user's /etc/subuid range through the setuid helpers
 *                     newuidmap/newgidmap (only they may map ids the user
 *                     does not own); without a range, 0 -> the user alone.
 *
 * Files of the rootfs belong to host root, an id the container does not map,
 * so inside they would show as the overflow id 65534 (nobody). When run by
 * root, the parent gives the child an idmapped mount of the rootfs instead
 * (host 0 shows as container 0). A user cannot make idmapped mounts: a
 * rootless container should use a rootfs the user owns.
 *
 * The sequence, in the order the kernel sees it: clone(CLONE_NEWUSER); the
 * parent writes /proc/PID/uid_map, "deny" to /proc/PID/setgroups (a user
 * without newgidmap), then /proc/PID/gid_map; the child, waiting until
 * then, becomes root.
 * Support: idmap.c (which ids map), subid.c (the rootless helpers),
 * idmapped_rootfs.c (the rootfs as container root's).
 *
 * Chapter: 2.2 "unshare --user --map-root-user", 5.4 "Rootless Containers".
 * Man pages: user_namespaces(7), newuidmap(1), subuid(5), mount_setattr(2),
 *            open_tree(2), move_mount(2), setresuid(2), unix(7) (SCM_RIGHTS).
 */
#include "user.h"

#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static struct user_state user = USER_STATE_INIT;

static int set_uid_map(const char *value) { return parse_range(&user.uid_map, value); }
static int set_gid_map(const char *value) { return parse_range(&user.gid_map, value); }

static int prepare_maps(struct container *c)
{
	c->rootfs_fd = -1;
	if (check_userns_allowed() < 0 ||
	    choose_map(&user.uid_map, geteuid()) < 0 || choose_map(&user.gid_map, getegid()) < 0 ||
	    check_maps_root(&user.uid_map) < 0 || check_maps_root(&user.gid_map) < 0)
		return -1;
	return sys("user", socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, user.idmap_socket),
		   "socketpair()") < 0 ? -1 : 0;
}

/* Root writes the map file itself; a user asks newuidmap/newgidmap. */
static int write_map(const struct id_map *map, pid_t pid)
{
	/* exercise: 1. (part two of three, in the parent) write MAP's ranges to the child's
	 *   /proc/PID/uid_map or gid_map (map->kind names which), user_namespaces(7): one
	 *   "inside outside count" line per range. Pitfall: all of them in ONE write(2): the
	 *   kernel takes only a map file's first write. write_file() (kit.h) writes a string
	 *   and traces it with -v. A rootless map beyond your own id (map->needs_helper) only
	 *   the setuid newuidmap(1)/newgidmap(1) may write: run_id_helper() runs them.
	 * check: ^user: (the container.s user|uid_map and|COMMAND is uid 0|the host sees)
	 */
	char path[64], text[MAX_RANGES * 40] = "";

	if (map->needs_helper)
		return run_id_helper(map, pid);

	for (int i = 0; i < map->count; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%lu %lu %lu\n",
			 map->ranges[i].inside, map->ranges[i].outside, map->ranges[i].count);
	snprintf(path, sizeof(path), "/proc/%d/%s_map", pid, map->kind);
	return write_file("user", path, text);
	/* end exercise */
}

/* Runs while the child waits: it has no ids in its namespace until now. */
static int write_maps(struct container *c)
{
	char path[64];
	int rootfs_fd, result;

	if (write_map(&user.uid_map, c->child_pid) < 0)
		return -1;
	/*
	 * Without newgidmap, an unprivileged user must give up setgroups(2) first:
	 * otherwise dropping a group could grant access denied to that group.
	 */
	if (geteuid() != 0 && !user.gid_map.needs_helper) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", c->child_pid);
		if (write_file("user", path, "deny") < 0)
			return -1;
	}
	if (write_map(&user.gid_map, c->child_pid) < 0)
		return -1;
	rootfs_fd = make_idmapped_rootfs(c);
	result = send_rootfs(user.idmap_socket[0], rootfs_fd);
	if (rootfs_fd >= 0)
		close(rootfs_fd);
	return result;
}

/* Also used by exec.c (and, from step09, security.c). */
bool setgroups_allowed(void)
{
	char state[8] = "";
	FILE *f = fopen("/proc/self/setgroups", "r");

	if (f) {
		if (fgets(state, sizeof(state), f) == NULL)
			state[0] = '\0';
		fclose(f);
	}
	return strncmp(state, "deny", 4) != 0;
}

/* Becomes root of the new namespace: until now the child's ids were unmapped. */
static int become_root(struct container *c)
{
	close(user.idmap_socket[0]);
	if (receive_rootfs(user.idmap_socket[1], c) < 0)
		return -1;
	close(user.idmap_socket[1]);
	/* exercise: 1. (part three of three, in the child once mapped) become root of the new
	 *   namespace: until now its ids are the ones it was cloned with, unmapped there
	 *   (seen as the overflow id, 65534). Drop the supplementary groups (setgroups(2), an
	 *   empty list), then set the real, effective and saved gid, then uid, to the
	 *   namespace's 0 (setresgid(2), setresuid(2)): groups and gid first, as any program
	 *   that changes its ids does.
	 *   Pitfall: where /proc/self/setgroups says "deny" (an unprivileged map) the kernel
	 *   refuses setgroups(2): skip it there. Each call through sys("user", ...).
	 * check: ^user: (the container.s user|uid_map and|COMMAND is uid 0|the host sees)
	 */
	if (setgroups_allowed() && sys("user", setgroups(0, NULL), "setgroups(0, [])") < 0)
		return -1;
	if (sys("user", setresgid(0, 0, 0), "setresgid(0, 0, 0)") < 0 ||
	    sys("user", setresuid(0, 0, 0), "setresuid(0, 0, 0)") < 0)
		return -1;
	/* end exercise */
	/* Changing ids cleared the parent-death signal: arm it again. */
	if (!init_outlives_kit &&
	    sys("user", prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG, SIGKILL)") < 0)
		return -1;
	return 0;
}

static void close_socket(struct container *c)
{
	(void)c;
	for (int i = 0; i < 2; i++)
		if (user.idmap_socket[i] >= 0)
			close(user.idmap_socket[i]);
}

static const struct layer_option user_options[] = {
	{ "uid-map", "C:H:S", "map container uids C.. to host uids H.. (S of them); repeatable",
	  set_uid_map },
	{ "gid-map", "C:H:S", "the same for group ids", set_gid_map },
	{ 0 },
};

const struct layer user_layer = {
	.name = "user",
	/* exercise: 1. (part one of three: no part works without the others, so one check
	 *   proves all three) ask clone(2) for a new user namespace: CLONE_NEWUSER
	 *   (user_namespaces(7))
	 * check: ^user: (the container.s user|uid_map and|COMMAND is uid 0|the host sees)
	 */
	.clone_flags = CLONE_NEWUSER,
	/* end exercise */
	.options = user_options,
	.before_clone = prepare_maps,
	.after_clone = write_maps,
	.in_child = become_root,
	.cleanup = close_socket,
};
