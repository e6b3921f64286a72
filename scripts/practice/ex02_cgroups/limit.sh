#!/bin/bash
# limit.sh DEVICE COMMAND [ARG...] - exercise 2: COMMAND under CPU 25%,
# memory 256 MB and writes to DEVICE at 1 MB/s, by writing cgroup files.
set -uo pipefail
dev=${1:?usage: limit.sh DEVICE COMMAND [ARG...]}
shift
[ $# -gt 0 ] || { echo "usage: limit.sh DEVICE COMMAND [ARG...]" >&2; exit 2; }
parent=${CGROUP_PARENT:?the grader names the parent cgroup}
# The device's MAJOR:MINOR, as the I/O limit files want it (stat -c %t %T is hex).
majmin=$((16#$(stat -L -c %t "$dev"))):$((16#$(stat -L -c %T "$dev")))

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	: # TODO(ex2): v2: mkdir a cgroup below /sys/fs/cgroup/$parent; write
	# cpu.max, memory.max (and memory.swap.max), io.max (wbps=)
else
	: # TODO(ex2): v1: mkdir one below /sys/fs/cgroup/{cpu,cpuacct,memory,blkio}/$parent;
	# write cpu.cfs_period_us, cpu.cfs_quota_us, memory.limit_in_bytes (and
	# memory.memsw.limit_in_bytes where it exists), blkio.throttle.write_bps_device
fi

# TODO(ex2): run COMMAND in the cgroup(s): a child that writes its own PID
# ($BASHPID) to each cgroup.procs, then execs "$@"; wait for it.
"$@"
status=$?

# TODO(ex2): print the counters on stderr: cpu_usage_usec, cpu_throttled_usec,
# memory_peak_bytes, oom_kills (one "NAME NUMBER" per line).

# TODO(ex2): remove the cgroup(s) (rmdir; kill what COMMAND left in them first).
exit "$status"
