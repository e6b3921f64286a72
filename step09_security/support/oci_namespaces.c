/*
 * oci_namespaces.c - linux.namespaces[].path: the container joins a
 * namespace that exists instead of getting a new one. podman hands the
 * runtime the network namespace netavark has set up; every container of a
 * Kubernetes pod joins its pause container's. --join-namespace TYPE:PATH,
 * the runtime layer's option (config.c maps each path onto it).
 *
 * A joined namespace is not created: its type is left out of clone(2)'s
 * flags and the layer that would have made it skips its phases, as with
 * --userns host (container.c). What is joined, and when:
 *
 *   ipc uts net mnt cgroup  the monitor setns(2)es into them right before
 *                           clone(), so the child is born there, and goes
 *                           back to its own right after: its host-side work
 *                           (cgroups, cleanup) stays on the host.
 *   pid                     the same; setns(CLONE_NEWPID) moves none but the
 *                           children to come (pid_namespaces(7)): the child.
 *   user                    the child itself, first of all. A user namespace
 *                           cannot be left, so the monitor never enters one;
 *                           and clone() gives the namespaces it creates to
 *                           the monitor's user namespace, where the child
 *                           would hold no capability once it has joined:
 *                           joining one goes with joining every other type.
 *
 * runc's nsexec joins in one fixed order too, user first; here the monitor
 * is root on the host and needs no user namespace to join the others.
 * Each path is checked when the option is given, before anything exists:
 * that it is there (a /proc/PID/ns file of an exited PID is not), that it
 * is a namespace file (nsfs: setns(2) says EINVAL to any other), and its
 * type (ioctl NS_GET_NSTYPE); again when the monitor opens it.
 *
 * Chapter: 2.1 "Namespace Types", 5.3 "Using runc" (linux.namespaces).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#namespaces
 * Man pages: setns(2), namespaces(7) (/proc/PID/ns), ioctl_ns(2), statfs(2),
 *            pid_namespaces(7), user_namespaces(7), nsenter(1).
 */
#include "kit.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Each type's clone(2) flag, by runtime.h's NS_* index. */
static const int clone_flag[NNAMESPACE_TYPES] = {
	[NS_USER] = CLONE_NEWUSER, [NS_PID] = CLONE_NEWPID, [NS_NET] = CLONE_NEWNET,
	[NS_IPC] = CLONE_NEWIPC, [NS_UTS] = CLONE_NEWUTS, [NS_MNT] = CLONE_NEWNS,
	[NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};
static const char *const flag_name[NNAMESPACE_TYPES] = {
	[NS_USER] = "CLONE_NEWUSER", [NS_PID] = "CLONE_NEWPID", [NS_NET] = "CLONE_NEWNET",
	[NS_IPC] = "CLONE_NEWIPC", [NS_UTS] = "CLONE_NEWUTS", [NS_MNT] = "CLONE_NEWNS",
	[NS_CGROUP] = "CLONE_NEWCGROUP", [NS_TIME] = "CLONE_NEWTIME",
};
/* What clone() may create beside a user namespace (the cgroup layer unshares its own later). */
#define NEW_BY_CLONE (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS)
/* The monitor's order: all but user, which the child joins (see above). */
static const int monitor_order[] = { NS_IPC, NS_UTS, NS_NET, NS_PID, NS_MNT, NS_CGROUP };
#define NMONITOR (sizeof(monitor_order) / sizeof(monitor_order[0]))

int joined_namespaces;  /* CLONE_NEW* flags of the types joined by path */
static const char *joined_path[NNAMESPACE_TYPES];
static int target_fd[NNAMESPACE_TYPES] = { -1, -1, -1, -1, -1, -1, -1, -1 };
static int own_fd[NNAMESPACE_TYPES] = { -1, -1, -1, -1, -1, -1, -1, -1 };
static int own_cwd = -1;

static int type_index(int flag)
{
	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (clone_flag[n] == flag)
			return n;
	return -1;
}

/* PATH opened and checked to be a namespace of type n; -1 after saying what it is instead. */
static int open_namespace(int n, const char *path)
{
	const char *type = namespace_types[n].proc;
	int fd = open(path, O_RDONLY | O_CLOEXEC), found;
	struct statfs fs;

	if (fd < 0 && errno == ENOENT)
		return fail("runtime", "--join-namespace %s:%s: no such file (gone: the process "
			    "whose namespace it named has exited, or it never was)", type, path);
	if (sys("runtime", fd, "open(\"%s\")", path) < 0)
		return -1;
	if (sys("runtime", fstatfs(fd, &fs), "fstatfs(\"%s\")", path) < 0)
		goto fail;
	if (fs.f_type != NSFS_MAGIC) {
		fail("runtime", "--join-namespace %s:%s: not a namespace file (setns(2) would say "
		     "EINVAL): expected /proc/PID/ns/%s or a bind mount of one", type, path, type);
		goto fail;
	}
	found = ioctl(fd, NS_GET_NSTYPE);
	if (sys("runtime", found, "ioctl(\"%s\", NS_GET_NSTYPE)", path) < 0)
		goto fail;
	if (found != clone_flag[n]) {
		int other = type_index(found);
		fail("runtime", "--join-namespace %s:%s: the wrong type, a %s namespace, not a %s "
		     "one", type, path, other >= 0 ? namespace_types[other].proc : "unknown", type);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* --join-namespace TYPE:PATH, TYPE as in /proc/PID/ns: checked now, opened again at launch. */
int set_join_namespace(const char *value)
{
	const char *colon = strchr(value, ':');
	int n, fd;

	for (n = 0; colon && n < NNAMESPACE_TYPES; n++)
		if (strlen(namespace_types[n].proc) == (size_t)(colon - value) &&
		    strncmp(value, namespace_types[n].proc, (size_t)(colon - value)) == 0)
			break;
	if (colon == NULL || n == NNAMESPACE_TYPES || n == NS_TIME || colon[1] != '/')
		return fail("runtime", "--join-namespace %s: expected TYPE:/PATH, TYPE one of user, "
			    "pid, net, ipc, uts, mnt, cgroup", value);
	if ((fd = open_namespace(n, colon + 1)) < 0)
		return -1;
	close(fd);
	joined_path[n] = colon + 1;
	joined_namespaces |= clone_flag[n];
	shared_with_host |= clone_flag[n];  /* not created: its layer is left out */
	return 0;
}

bool namespace_joined(int n)
{
	return joined_path[n] != NULL;
}

/* Where the monitor is now, to come back to: /proc/self/ns, and the directory. */
static int open_own(int n)
{
	char path[48];

	/* pid: the namespace children get, which setns() changes; the monitor's own stays. */
	snprintf(path, sizeof(path), "/proc/self/ns/%s%s", namespace_types[n].proc,
		 n == NS_PID ? "_for_children" : "");
	own_fd[n] = open(path, O_RDONLY | O_CLOEXEC);
	return sys("runtime", own_fd[n], "open(\"%s\")", path) < 0 ? -1 : 0;
}

static void close_all(void)
{
	for (int n = 0; n < NNAMESPACE_TYPES; n++) {
		if (target_fd[n] >= 0)  /* the child has its own copy of the user one */
			close(target_fd[n]);
		target_fd[n] = -1;
		if (own_fd[n] >= 0)
			close(own_fd[n]);
		own_fd[n] = -1;
	}
	if (own_cwd >= 0)
		close(own_cwd);
	own_cwd = -1;
}

/*
 * The monitor, right before clone(flags): every path opened (and checked
 * once more), then setns() into each but user. On failure nothing is joined.
 */
int enter_joined_namespaces(int flags)
{
	if (joined_namespaces == 0)
		return 0;
	if ((joined_namespaces & CLONE_NEWUSER) && (flags & NEW_BY_CLONE))
		return fail("runtime", "--join-namespace user: the other namespaces must be joined "
			    "too (clone(%#x) would give the new ones to the host's user namespace, "
			    "out of the child's reach once it joins)", flags & NEW_BY_CLONE);
	for (int n = 0; n < NNAMESPACE_TYPES; n++)
		if (joined_path[n] && (target_fd[n] = open_namespace(n, joined_path[n])) < 0)
			goto fail;
	own_cwd = open(".", O_PATH | O_CLOEXEC);  /* setns(mnt) moves us to that root */
	if (sys("runtime", own_cwd, "open(\".\", O_PATH)") < 0)
		goto fail;
	for (size_t i = 0; i < NMONITOR; i++)
		if (joined_path[monitor_order[i]] && open_own(monitor_order[i]) < 0)
			goto fail;
	for (size_t i = 0; i < NMONITOR; i++) {
		int n = monitor_order[i];
		if (joined_path[n] && sys("runtime", setns(target_fd[n], clone_flag[n]),
					  "setns(\"%s\", %s)", joined_path[n], flag_name[n]) < 0) {
			leave_joined_namespaces(0);
			return -1;
		}
	}
	return 0;
fail:
	close_all();
	return -1;
}

/*
 * The monitor, right after clone(): back into its own namespaces and
 * directory. A failure leaves it somewhere else: the child (when there is
 * one) is killed, and the caller undoes the rest.
 */
int leave_joined_namespaces(pid_t child)
{
	int ret = 0;

	if (joined_namespaces == 0)
		return 0;
	for (size_t i = NMONITOR; i-- > 0;) {
		int n = monitor_order[i];
		if (own_fd[n] >= 0 && sys("runtime", setns(own_fd[n], clone_flag[n]),
					  "setns(own %s namespace)", namespace_types[n].proc) < 0)
			ret = -1;
	}
	if (own_cwd >= 0 && sys("runtime", fchdir(own_cwd), "fchdir(own directory)") < 0)
		ret = -1;
	close_all();
	if (ret < 0 && child > 0)
		kill(child, SIGKILL);
	return ret;
}

/* The child, first of all: the user namespace, whose capabilities it then holds. */
int join_user_namespace(void)
{
	int fd = target_fd[NS_USER];

	if (fd < 0)
		return 0;
	target_fd[NS_USER] = -1;
	if (sys("runtime", setns(fd, CLONE_NEWUSER), "setns(\"%s\", %s)", joined_path[NS_USER],
		flag_name[NS_USER]) < 0)
		return -1;
	close(fd);
	return 0;
}
