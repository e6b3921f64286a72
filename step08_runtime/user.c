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
 * Chapter: 2.2 "unshare --user --map-root-user", 5.4 "Rootless Containers".
 * Man pages: user_namespaces(7), newuidmap(1), subuid(5), mount_setattr(2),
 *            open_tree(2), move_mount(2), setresuid(2), unix(7) (SCM_RIGHTS).
 */
#include "kit.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT_MAPPED_BASE 1000000UL  /* host id of container root, when run by root */
#define RANGE_SIZE 65536UL          /* ids 0..65535, what a distribution image uses */
#define MAX_RANGES 8

struct id_range { unsigned long inside, outside, count; };
struct id_map {
	const char *kind;                    /* "uid" or "gid" */
	struct id_range ranges[MAX_RANGES];
	int count;
	bool needs_helper;                   /* rootless with subordinate ids */
};

static struct id_map uid_map = { .kind = "uid" }, gid_map = { .kind = "gid" };
static int idmap_socket[2] = { -1, -1 };  /* parent -> child: the idmapped rootfs */

static bool overlaps(unsigned long a, unsigned long a_count, unsigned long b, unsigned long b_count)
{
	return a < b + b_count && b < a + a_count;
}

static int add_range(struct id_map *map, const struct id_range *r, const char *text)
{
	if (map->count == MAX_RANGES)
		return fail("user", "--%s-map %s: at most %d ranges", map->kind, text, MAX_RANGES);
	for (int i = 0; i < map->count; i++) {
		const struct id_range *o = &map->ranges[i];
		if (overlaps(r->inside, r->count, o->inside, o->count) ||
		    overlaps(r->outside, r->count, o->outside, o->count))
			return fail("user", "--%s-map %s: overlaps %lu:%lu:%lu", map->kind, text,
				    o->inside, o->outside, o->count);
	}
	map->ranges[map->count++] = *r;
	return 0;
}

/* CONTAINER:HOST:SIZE, as podman's --uidmap. */
static int parse_range(struct id_map *map, const char *text)
{
	unsigned long field[3];
	const char *p = text;
	char *end;

	for (int i = 0; i < 3; i++) {
		errno = 0;
		field[i] = strtoul(p, &end, 10);
		/* strtoul() would skip spaces and take a sign: "-1" is ULONG_MAX, not an error. */
		if (errno || !isdigit((unsigned char)*p) || *end != (i < 2 ? ':' : '\0') ||
		    field[i] > UINT32_MAX - 1)
			return fail("user", "--%s-map %s: expected CONTAINER:HOST:SIZE, e.g. 0:1000000:65536",
				    map->kind, text);
		p = end + 1;
	}
	if (field[2] == 0 || field[0] + field[2] > UINT32_MAX || field[1] + field[2] > UINT32_MAX)
		return fail("user", "--%s-map %s: SIZE must be at least 1 and the range within 32 bits",
			    map->kind, text);
	return add_range(map, &(struct id_range){ field[0], field[1], field[2] }, text);
}

static int set_uid_map(const char *value) { return parse_range(&uid_map, value); }
static int set_gid_map(const char *value) { return parse_range(&gid_map, value); }

/*
 * libsubid is loaded only by a rootless run, the one that reads /etc/subuid:
 * it pulls in PAM, SELinux, audit and more, which would cost every start
 * 1.4 MB of memory and a millisecond. dlsym() finds the function; the
 * static assertion proves get_ranges_fn is the header's own type, so the
 * compiler still checks the call.
 */
typedef int get_ranges_fn(const char *owner, struct subid_range **ranges);
_Static_assert(__builtin_types_compatible_p(get_ranges_fn, __typeof__(subid_get_uid_ranges)) &&
	       __builtin_types_compatible_p(get_ranges_fn, __typeof__(subid_get_gid_ranges)),
	       "get_ranges_fn is the type <shadow/subid.h> declares");

static void *libsubid;  /* kept open: the functions found in it are called later */

static get_ranges_fn *load_subid(const char *function)
{
	void *f;

	if (libsubid == NULL)
		libsubid = dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
	if (libsubid == NULL || (f = dlsym(libsubid, function)) == NULL) {
		fail("user", "cannot read /etc/subuid, /etc/subgid (%s): mapping your own id alone",
		     dlerror());
		return NULL;
	}
	return (get_ranges_fn *)f;
}

/* The caller's subordinate ids from /etc/subuid or /etc/subgid, read by libsubid. */
static bool subordinate_range(const struct id_map *map, struct subid_range *out)
{
	struct passwd *pw = getpwuid(getuid());
	struct subid_range *ranges = NULL;
	get_ranges_fn *get_ranges;
	int n;

	if (pw == NULL)
		return false;
	get_ranges = load_subid(strcmp(map->kind, "uid") == 0 ? "subid_get_uid_ranges"
							      : "subid_get_gid_ranges");
	if (get_ranges == NULL)
		return false;
	n = get_ranges(pw->pw_name, &ranges);
	for (int i = 0; i < n; i++)
		if (ranges[i].count >= RANGE_SIZE - 1) {
			*out = ranges[i];
			free(ranges);
			return true;
		}
	free(ranges);
	return false;
}

static int check_rootless_range(const struct id_map *map, unsigned long own,
				const struct subid_range *sub, bool have_sub)
{
	for (int i = 0; i < map->count; i++) {
		const struct id_range *r = &map->ranges[i];
		bool is_own = r->outside == own && r->count == 1;
		bool in_sub = have_sub && r->outside >= sub->start &&
			      r->outside + r->count <= sub->start + sub->count;
		if (!is_own && !in_sub)
			return fail("user", "--%s-map %lu:%lu:%lu: host ids outside your own id %lu and "
				    "your subordinate range in /etc/sub%s", map->kind, r->inside,
				    r->outside, r->count, own, map->kind);
	}
	return 0;
}

/* Fills an empty map with the default described at the top of this file. */
static int choose_map(struct id_map *map, unsigned long own_id)
{
	struct subid_range sub = { 0, 0 };
	bool have_sub = own_id != 0 && subordinate_range(map, &sub);

	if (map->count == 0 && own_id == 0)
		add_range(map, &(struct id_range){ 0, ROOT_MAPPED_BASE, RANGE_SIZE }, "default");
	if (map->count == 0 && own_id != 0) {
		add_range(map, &(struct id_range){ 0, own_id, 1 }, "default");
		if (have_sub)
			add_range(map, &(struct id_range){ 1, sub.start, RANGE_SIZE - 1 }, "default");
	}
	if (own_id == 0)
		return 0;
	map->needs_helper = have_sub && access("/usr/bin/newuidmap", X_OK) == 0;
	if (!map->needs_helper)
		have_sub = false;
	return check_rootless_range(map, own_id, &sub, have_sub);
}

/* COMMAND starts as container root: id 0 must be mapped. */
static int check_maps_root(const struct id_map *map)
{
	for (int i = 0; i < map->count; i++)
		if (map->ranges[i].inside == 0)
			return 0;
	return fail("user", "--%s-map: container %s 0 (root) is not mapped", map->kind, map->kind);
}

static int prepare_maps(struct container *c)
{
	c->rootfs_fd = -1;
	if (choose_map(&uid_map, geteuid()) < 0 || choose_map(&gid_map, getegid()) < 0 ||
	    check_maps_root(&uid_map) < 0 || check_maps_root(&gid_map) < 0)
		return -1;
	return sys("user", socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, idmap_socket),
		   "socketpair()") < 0 ? -1 : 0;
}

/* newuidmap PID INSIDE OUTSIDE COUNT...: the setuid helper checks /etc/subuid for us. */
static int run_id_helper(const struct id_map *map, pid_t pid)
{
	const char *program = strcmp(map->kind, "uid") == 0 ? "newuidmap" : "newgidmap";
	char args[MAX_RANGES * 3 + 2][24];
	char *argv[MAX_RANGES * 3 + 4];
	int argc = 0, status;
	pid_t helper;

	argv[argc++] = (char *)program;
	snprintf(args[0], sizeof(args[0]), "%d", pid);
	argv[argc++] = args[0];
	for (int i = 0; i < map->count; i++) {
		const struct id_range *r = &map->ranges[i];
		const unsigned long f[3] = { r->inside, r->outside, r->count };  /* fields are no array */
		for (int j = 0; j < 3; j++) {
			snprintf(args[argc], sizeof(args[0]), "%lu", f[j]);
			argv[argc] = args[argc];
			argc++;
		}
	}
	argv[argc] = NULL;
	helper = fork();
	if (sys("user", helper, "fork() for %s", program) < 0)
		return -1;
	if (helper == 0) {
		execvp(program, argv);
		_exit(127);
	}
	if (sys("user", waitpid(helper, &status, 0), "waitpid(%s)", program) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail("user", "%s %d ...: failed (exit %d); is your range in /etc/sub%s?",
			    program, pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1, map->kind);
	trace("user", "%s %d ... = 0", program, pid);
	return 0;
}

/* Root writes the map file itself; a user asks newuidmap/newgidmap. */
static int write_map(const struct id_map *map, pid_t pid)
{
	/* exercise: write MAP's ranges, one 'inside outside count' line each, to /proc/PID/uid_map or gid_map; a rootless map needs newuidmap(1)/newgidmap(1) */
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

/*
 * An idmapped mount shows the rootfs's files, owned by host 0, as owned by
 * container 0. Only a process privileged over the filesystem (host root)
 * may make one, so the parent makes it and hands the mount, as a file
 * descriptor, to the child, which attaches it where mount.c expects the root.
 */
static int make_idmapped_rootfs(struct container *c)
{
	char path[64];
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	int tree, userns, result;

	if (geteuid() != 0)
		return -1;  /* rootless: the rootfs should be the user's own */
	tree = open_tree(AT_FDCWD, c->rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (sys("user", tree, "open_tree(\"%s\", OPEN_TREE_CLONE)", c->rootfs) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", c->child_pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	attr.userns_fd = userns;
	result = mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
	close(userns);
	if (result < 0) {
		/* Not fatal: the container works, its files just look unowned. */
		fprintf(stderr, "container: [user] warning: mount_setattr(%s, MOUNT_ATTR_IDMAP): %s; "
			"its files show as nobody (65534) inside\n", c->rootfs, strerror(errno));
		close(tree);
		return -1;
	}
	trace("user", "mount_setattr(\"%s\", MOUNT_ATTR_IDMAP, userns of %d) = 0", c->rootfs,
	      c->child_pid);
	return tree;
}

/* Sends the idmapped rootfs (or nothing) to the child with SCM_RIGHTS. */
static int send_rootfs(int fd)
{
	char byte = fd >= 0 ? 'm' : '-';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sys("user", sendmsg(idmap_socket[0], &msg, 0), "sendmsg(idmapped rootfs)") < 0 ? -1 : 0;
}

static int receive_rootfs(struct container *c)
{
	char byte = '-';  /* as sent for "no rootfs fd"; recvmsg() reads nothing at EOF */
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cmsg;

	if (sys("user", recvmsg(idmap_socket[1], &msg, MSG_CMSG_CLOEXEC), "recvmsg(idmapped rootfs)") < 0)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (byte == 'm' && cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&c->rootfs_fd, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}

/* Runs while the child waits: it has no ids in its namespace until now. */
static int write_maps(struct container *c)
{
	char path[64];
	int rootfs_fd, result;

	if (write_map(&uid_map, c->child_pid) < 0)
		return -1;
	/*
	 * Without newgidmap, an unprivileged user must give up setgroups(2) first:
	 * otherwise dropping a group could grant access denied to that group.
	 */
	if (geteuid() != 0 && !gid_map.needs_helper) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", c->child_pid);
		if (write_file("user", path, "deny") < 0)
			return -1;
	}
	if (write_map(&gid_map, c->child_pid) < 0)
		return -1;
	rootfs_fd = make_idmapped_rootfs(c);
	result = send_rootfs(rootfs_fd);
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
	close(idmap_socket[0]);
	if (receive_rootfs(c) < 0)
		return -1;
	close(idmap_socket[1]);
	if (setgroups_allowed() && sys("user", setgroups(0, NULL), "setgroups(0, [])") < 0)
		return -1;
	if (sys("user", setresgid(0, 0, 0), "setresgid(0, 0, 0)") < 0 ||
	    sys("user", setresuid(0, 0, 0), "setresuid(0, 0, 0)") < 0)
		return -1;
	/* Changing ids cleared the parent-death signal: arm it again. */
	if (sys("user", prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl(PR_SET_PDEATHSIG, SIGKILL)") < 0)
		return -1;
	return 0;
}

static void close_socket(struct container *c)
{
	(void)c;
	for (int i = 0; i < 2; i++)
		if (idmap_socket[i] >= 0)
			close(idmap_socket[i]);
}

static const struct layer_option user_options[] = {
	{ "uid-map", "C:H:S", "map container uids C.. to host uids H.. (S of them); repeatable",
	  set_uid_map },
	{ "gid-map", "C:H:S", "the same for group ids", set_gid_map },
	{ 0 },
};

const struct layer user_layer = {
	.name = "user",
	.clone_flags = CLONE_NEWUSER,
	.options = user_options,
	.before_clone = prepare_maps,
	.after_clone = write_maps,
	.in_child = become_root,
	.cleanup = close_socket,
};
