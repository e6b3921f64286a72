/*
 * pid.c - the PID namespace: COMMAND becomes PID 1 of a new process tree.
 * It cannot see or signal the host's processes by PID, and when it exits
 * the kernel kills everything it started.
 *
 * Not yet hidden: /proc is still the host's, so `ps` inside still lists
 * every host process. /proc describes the PID namespace of whoever mounted
 * it; step03 mounts a fresh one inside a new mount namespace.
 *
 * Chapter: 2.1, 2.2 "unshare --pid --fork".
 * Man pages: pid_namespaces(7), clone(2) (CLONE_NEWPID), getpid(2).
 */
#include "kit.h"

#include <sched.h>
#include <unistd.h>

/*
 * Only the child is in the new namespace: clone() puts it there, which is
 * why `unshare --pid` needs --fork. Inside, the child is PID 1.
 */
static int check_pid_one(struct container *c)
{
	/* exercise: 2. check with getpid(2) that the child is PID 1 of its new namespace, and
	 *   fail() if it is not: the first process there is its init, which the kernel
	 *   treats apart (pid_namespaces(7)). Through sys("pid", ...); the tests match the
	 *   -v line
	 *   [pid] getpid() = 1
	 * check: ^pid: -v traces
	 */
	pid_t inside = sys("pid", getpid(), "getpid()");

	(void)c;
	if (inside != 1)
		return fail("pid", "expected to be PID 1 in the new namespace, am %d", inside);
	return 0;
	/* end exercise */
}

const struct layer pid_layer = {
	.name = "pid",
	/* exercise: 1. ask clone(2) for a new PID namespace: the CLONE_NEWPID flag (pid_namespaces(7))
	 * check: ^pid: the container.s PID namespace is not
	 */
	.clone_flags = CLONE_NEWPID,
	/* end exercise */
	.in_child = check_pid_one,
};
