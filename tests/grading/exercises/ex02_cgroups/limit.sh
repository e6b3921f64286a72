#!/bin/bash
# limit.sh DEVICE COMMAND [ARG...] - exercise 2's reference: COMMAND under
# CPU 25%, memory 256 MB (no swap) and writes to DEVICE at 1 MB/s, by writing
# the cgroup files itself, on cgroup v2 or v1/hybrid; then the counters.
set -uo pipefail
dev=${1:?usage: limit.sh DEVICE COMMAND [ARG...]}
shift
[ $# -gt 0 ] || { echo "usage: limit.sh DEVICE COMMAND [ARG...]" >&2; exit 2; }
parent=${CGROUP_PARENT:?the grader names the parent cgroup}
majmin=$((16#$(stat -L -c %t "$dev"))):$((16#$(stat -L -c %T "$dev")))
name=limit-$$
mib256=$((256 * 1024 * 1024))

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	cg=/sys/fs/cgroup/$parent/$name
	dirs=("$cg")
	mkdir "$cg"
	echo "25000 100000" >"$cg/cpu.max"
	echo "$mib256" >"$cg/memory.max"
	[ ! -e "$cg/memory.swap.max" ] || echo 0 >"$cg/memory.swap.max"
	echo "$majmin wbps=1048576" >"$cg/io.max"
else
	dirs=()
	for c in cpu cpuacct memory blkio; do
		mkdir "/sys/fs/cgroup/$c/$parent/$name"
		dirs+=("/sys/fs/cgroup/$c/$parent/$name")
	done
	v1=/sys/fs/cgroup
	echo 100000 >"$v1/cpu/$parent/$name/cpu.cfs_period_us"
	echo 25000 >"$v1/cpu/$parent/$name/cpu.cfs_quota_us"
	echo "$mib256" >"$v1/memory/$parent/$name/memory.limit_in_bytes"
	f=$v1/memory/$parent/$name/memory.memsw.limit_in_bytes
	[ ! -e "$f" ] || echo "$mib256" >"$f"
	echo "$majmin 1048576" >"$v1/blkio/$parent/$name/blkio.throttle.write_bps_device"
fi

# COMMAND joins the cgroups before exec, so everything it starts is counted.
( for d in "${dirs[@]}"; do echo "$BASHPID" >"$d/cgroup.procs"; done; exec "$@" ) &
wait $!
status=$?

# The counters, on stderr.
if [ -n "${cg:-}" ]; then
	{
		awk '$1 == "usage_usec" { print "cpu_usage_usec", $2 }' "$cg/cpu.stat"
		awk '$1 == "throttled_usec" { print "cpu_throttled_usec", $2 }' "$cg/cpu.stat"
		echo "memory_peak_bytes $(cat "$cg/memory.peak")"
		awk '$1 == "oom_kill" { print "oom_kills", $2 }' "$cg/memory.events"
	} >&2
else
	{
		echo "cpu_usage_usec $(($(cat "$v1/cpuacct/$parent/$name/cpuacct.usage") / 1000))"
		awk '$1 == "throttled_time" { print "cpu_throttled_usec", int($2 / 1000) }' "$v1/cpu/$parent/$name/cpu.stat"
		echo "memory_peak_bytes $(cat "$v1/memory/$parent/$name/memory.max_usage_in_bytes")"
		awk '$1 == "oom_kill" { print "oom_kills", $2 }' "$v1/memory/$parent/$name/memory.oom_control"
	} >&2
fi

# Whatever COMMAND left in the cgroup goes with it.
for d in "${dirs[@]}"; do
	xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null
done
for d in "${dirs[@]}"; do
	for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
done
exit "$status"
