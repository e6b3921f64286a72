/*
 * ipc.c - the IPC namespace: System V message queues, semaphores and shared
 * memory (ipcs(1)), and POSIX message queues, are the container's own. A
 * segment the host creates is not there; one the container creates is gone
 * with it. With this layer all seven namespaces of the chapter are in use.
 *
 * POSIX queues are files of an mqueue filesystem, which shows the queues of
 * the IPC namespace that mounted it: so the child mounts a fresh one at
 * /dev/mqueue (as `runc spec` does), after the mount layer's pivot_root -
 * which is why this layer comes after mount in container.c's table.
 *
 * Chapter: 2.1 "Namespace Types" (ipc), 2.2 (unshare --ipc), 5.2 step 4.
 * Man pages: ipc_namespaces(7), mq_overview(7), sysvipc(7), ipcs(1), mount(2).
 */
#include "kit.h"

#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

int mount_mqueue(struct container *c)
{
	/* exercise: 2. (the child, after pivot_root) mkdir(2) /dev/mqueue, mode 01777 (EEXIST is
	 *   fine), and mount(2) a fresh "mqueue" filesystem there, MS_NOSUID|MS_NODEV|MS_NOEXEC:
	 *   it shows the queues of the IPC namespace that mounts it (mq_overview(7)).
	 *   Through sys(): the tests match -v's line that starts [ipc] mount("mqueue", "/dev/mqueue"
	 * check: ^ipc: /dev/mqueue */
	(void)c;
	if (mkdir("/dev/mqueue", 01777) < 0 && errno != EEXIST)
		return sys("ipc", -1, "mkdir(\"/dev/mqueue\")");
	return sys("ipc", mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				NULL), "mount(\"mqueue\", \"/dev/mqueue\", \"mqueue\", "
		   "MS_NOSUID|MS_NODEV|MS_NOEXEC)") < 0 ? -1 : 0;
	/* end exercise */
}

const struct layer ipc_layer = {
	.name = "ipc",
	/* exercise: 1. ask clone(2) for a new IPC namespace: CLONE_NEWIPC (ipc_namespaces(7))
	 * check: ^ipc: the container.s IPC namespace */
	.clone_flags = CLONE_NEWIPC,
	/* end exercise */
	.in_child = mqueue_unless_listed,  /* step08: or as a bundle lists it (oci_mounts.c) */
};
