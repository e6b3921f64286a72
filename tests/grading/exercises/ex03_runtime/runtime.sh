#!/bin/bash
# runtime.sh ROOTFS STATE [COMMAND [ARG...]] - exercise 3's reference: a
# minimal container runtime, after the chapter's section 5.2: ROOTFS under an
# overlay whose upper and work dirs are in STATE, new namespaces, a cgroup
# (CPU 25%, memory 256 MB) under $CGROUP_PARENT, COMMAND (default: a shell).
set -uo pipefail
usage() { echo "usage: runtime.sh ROOTFS STATE [COMMAND [ARG...]]" >&2; exit 2; }
[ $# -ge 2 ] || usage
rootfs=$(realpath "$1") state=$(realpath "$2")
shift 2
[ $# -gt 0 ] || set -- /bin/sh
parent=${CGROUP_PARENT:?the grader names the parent cgroup}
mib256=$((256 * 1024 * 1024))

# 1-2. The image under an overlay: the container's changes go to STATE/upper.
mkdir -p "$state/upper" "$state/work" "$state/merged"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$state/upper,workdir=$state/work" \
	"$state/merged" || exit 125

# 4. The cgroup: v2 one tree, v1 one directory per controller.
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	cgroups=("/sys/fs/cgroup/$parent/runtime-$$")
	mkdir "${cgroups[0]}"
	echo "25000 100000" >"${cgroups[0]}/cpu.max"
	echo "$mib256" >"${cgroups[0]}/memory.max"
	[ ! -e "${cgroups[0]}/memory.swap.max" ] || echo 0 >"${cgroups[0]}/memory.swap.max"
else
	cgroups=("/sys/fs/cgroup/cpu/$parent/runtime-$$" "/sys/fs/cgroup/memory/$parent/runtime-$$")
	mkdir "${cgroups[@]}"
	echo 100000 >"${cgroups[0]}/cpu.cfs_period_us"
	echo 25000 >"${cgroups[0]}/cpu.cfs_quota_us"
	echo "$mib256" >"${cgroups[1]}/memory.limit_in_bytes"
	[ ! -e "${cgroups[1]}/memory.memsw.limit_in_bytes" ] || echo "$mib256" >"${cgroups[1]}/memory.memsw.limit_in_bytes"
fi

cleanup() {
	local d i
	for d in "${cgroups[@]}"; do xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null; done
	umount "$state/merged"
	for d in "${cgroups[@]}"; do
		for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
	done
}
trap cleanup EXIT

# 3, 5. New namespaces, the merged dir as /, its own /proc; COMMAND is PID 1.
( for d in "${cgroups[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done
  exec unshare --mount --uts --ipc --net --pid --fork chroot "$state/merged" /bin/sh -c \
	'hostname ex3 && mount -t proc proc /proc && exec "$@"' sh "$@" )
