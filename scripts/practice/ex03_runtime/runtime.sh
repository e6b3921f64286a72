#!/bin/bash
# runtime.sh ROOTFS STATE [COMMAND [ARG...]] - exercise 3: a minimal
# container runtime (the chapter's section 5.2, with a cgroup).
set -uo pipefail
usage() { echo "usage: runtime.sh ROOTFS STATE [COMMAND [ARG...]]" >&2; exit 2; }
[ $# -ge 2 ] || usage
rootfs=$(realpath "$1") state=$(realpath "$2")
shift 2
[ $# -gt 0 ] || set -- /bin/sh
parent=${CGROUP_PARENT:?the grader names the parent cgroup}
mkdir -p "$state/upper" "$state/work" "$state/merged"

# TODO(ex3) 2. mount the overlay on $state/merged (section 4.2).

# TODO(ex3) 4. make a cgroup below $parent (v2: /sys/fs/cgroup/$parent;
# v1: /sys/fs/cgroup/{cpu,memory}/$parent) with CPU 25% and memory 256 MiB.

# TODO(ex3) 6. on exit (trap ... EXIT): kill what is left in the cgroup,
# unmount the overlay, remove the cgroup.

# TODO(ex3) 1, 3, 5. COMMAND in the cgroup (a child writes $BASHPID to
# cgroup.procs, then execs), in new mnt, uts, ipc, pid and net namespaces
# (unshare --fork), with $state/merged as / (chroot), /proc mounted inside.
"$@"
