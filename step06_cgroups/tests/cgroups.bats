#!/usr/bin/env bats
# step06_cgroups: control groups - docker's limit flags, the cgroup's own
# usage counters (--stats), the cgroup namespace, and a host left as found.
# Every test runs on a cgroup v2 host and on a v1/hybrid one.

load ../../tests/helpers

setup_file() {
	# The static probes, where COMMAND finds them: from step03 on, the rootfs
	# has them (probe); before, they are built here if tests/tools/bin lacks them.
	local t
	for t in memhog forkbomb; do
		if [ "$PROGRAM_STEP" -lt 3 ] && [ ! -x "$(probe "$t")" ]; then
			gcc -static -O2 -o "$BATS_FILE_TMPDIR/$t" "$BATS_TEST_DIRNAME/tools/$t.c" ||
				return 1
		fi
	done
}

setup() {
	kit_setup
	KIT_CGROUPS_BEFORE=$(kit_cgroups)
	LOOP_DEVICE=""
	NESTED_CGROUP=""
}

teardown() {
	kit_teardown
	[ -z "$LOOP_DEVICE" ] || losetup -d "$LOOP_DEVICE"
	rm -f "$BATS_TEST_TMPDIR/disk.img"
	if [ -n "$NESTED_CGROUP" ]; then
		rmdir "$NESTED_CGROUP"/container-kit/c* "$NESTED_CGROUP"/container-kit 2>/dev/null || true
		rmdir "$NESTED_CGROUP"
	fi
}

# --- helpers ------------------------------------------------------------------

tool() {
	if [ -x "$BATS_FILE_TMPDIR/$1" ]; then echo "$BATS_FILE_TMPDIR/$1"; else probe "$1"; fi
}

cgroup_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

# cgroup_file V1-CONTROLLER CGROUP FILE: a file of CGROUP (/container-kit/c123)
# on this host: v2 has one tree, v1 one per controller.
cgroup_file() {
	if cgroup_v2; then echo "/sys/fs/cgroup$2/$3"; else echo "/sys/fs/cgroup/$1$2/$3"; fi
}

# Every container cgroup of the kit, in every hierarchy.
kit_cgroups() {
	local d
	for d in /sys/fs/cgroup/container-kit/c* /sys/fs/cgroup/*/container-kit/c*; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

# The background container's cgroup, as the host sees it (/container-kit/c123).
container_cgroup() { grep -o '/container-kit/c[0-9]*' "/proc/$BG_CHILD/cgroup" | head -n1; }

# The cgroup a -v run made, from its trace in $output.
traced_cgroup() { grep -o '/container-kit/c[0-9]*' <<<"$output" | head -n1; }

assert_cgroup_gone() {
	local d
	[ -n "$1" ] || fail "no cgroup name"
	for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ ! -e "$d$1" ] || fail "$d$1 is left behind"
	done
}

assert_no_cgroup_left() { assert_equal "$(kit_cgroups)" "$KIT_CGROUPS_BEFORE"; }

# stat_value LABEL: the number --stats printed for LABEL ("cpu time", ...).
stat_value() { sed -n "s/^\[cgroup\] stats: $1 \([0-9.]*\).*/\1/p" <<<"$output"; }

# The seconds dd reported in $output (GNU: "copied, 2.0 s", busybox: "2.0 seconds").
dd_seconds() { sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p' <<<"$output"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# float_test A OP B, e.g. float_test 0.26 '<=' 0.30
float_test() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }

# A killed process whose parent has not reaped it yet is a zombie: dead too.
assert_dead() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || true
	[ -z "$state" ] || [ "$state" = Z ] || fail "process $1 is still running ($state)"
}

# --- the cgroup and its namespace ------------------------------------------------

@test "cgroups: COMMAND runs in container-kit/c<PID>, which is removed when it is SIGKILLed" {
	local cg
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	cg=$(container_cgroup)
	assert_regex "$cg" '^/container-kit/c[0-9]+$'
	assert_equal "${cg#/container-kit/c}" "$BG_CHILD"
	run cat "$(cgroup_file memory "$cg" cgroup.procs)"
	assert_output "$BG_CHILD"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 137
	assert_cgroup_gone "$cg"
	assert_no_cgroup_left
	assert_nothing_left
}

@test "cgroups: inside its cgroup namespace, the container's cgroup is the root" {
	run kit -- readlink /proc/self/ns/cgroup
	assert_success
	assert_output --regexp '^cgroup:\[[0-9]+\]$'
	refute_output "$(readlink /proc/self/ns/cgroup)"
	run kit -- cat /proc/self/cgroup
	assert_success
	if cgroup_v2; then
		assert_output "0::/"
	else
		# v1/hybrid: a line per hierarchy, each rooted where the container is.
		refute_line --regexp ':/.+$'
		assert_line --regexp '^[0-9]+:memory:/$'
	fi
	assert_no_cgroup_left
}

@test "cgroups: docker's flags become the v2 or v1 files, as the kit's table says" {
	local cg
	start_bg --memory 256m --memory-swap 512m --cpus 0.25 --cpu-shares 512 --pids-limit 32 \
		-- sh -c 'echo ready; exec sleep 1000'
	cg=$(container_cgroup)
	if cgroup_v2; then
		assert_equal "$(cat "/sys/fs/cgroup$cg/memory.max")" 268435456
		assert_equal "$(cat "/sys/fs/cgroup$cg/cpu.max")" "25000 100000"
		assert_equal "$(cat "/sys/fs/cgroup$cg/cpu.weight")" 20   # 1 + (510*9999)/262142
		assert_equal "$(cat "/sys/fs/cgroup$cg/pids.max")" 32
		if [ -e "/sys/fs/cgroup$cg/memory.swap.max" ]; then  # swap alone on v2
			assert_equal "$(cat "/sys/fs/cgroup$cg/memory.swap.max")" 268435456
		fi
	else
		assert_equal "$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")" 268435456
		assert_equal "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us")" 25000
		assert_equal "$(cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_period_us")" 100000
		assert_equal "$(cat "/sys/fs/cgroup/cpu$cg/cpu.shares")" 512
		assert_equal "$(cat "/sys/fs/cgroup/pids$cg/pids.max")" 32
		if [ -e "/sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes" ]; then  # memory+swap
			assert_equal "$(cat "/sys/fs/cgroup/memory$cg/memory.memsw.limit_in_bytes")" 536870912
		fi
	fi
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_cgroup_gone "$cg"
}

# The I/O limits, as files: read from the host, so this holds where the
# container cannot reach a block device (the throttling test below skips then).
@test "cgroups: --device-write-bps and --device-read-iops become io.max or the blkio throttle files" {
	local cg dev
	command -v losetup >/dev/null || skip "no losetup"
	truncate -s 64M "$BATS_TEST_TMPDIR/disk.img"
	LOOP_DEVICE=$(losetup --find --show "$BATS_TEST_TMPDIR/disk.img") || skip "no loop device"
	dev="$((16#$(stat -c %t "$LOOP_DEVICE"))):$((16#$(stat -c %T "$LOOP_DEVICE")))"
	start_bg --device-write-bps "$LOOP_DEVICE:1mb" --device-read-iops "$LOOP_DEVICE:100" \
		-- sh -c 'echo ready; exec sleep 1000'
	cg=$(container_cgroup)
	if cgroup_v2; then
		run grep "^$dev " "/sys/fs/cgroup$cg/io.max"
		assert_output --partial "wbps=1048576"
		assert_output --partial "riops=100"
	else
		run cat "/sys/fs/cgroup/blkio$cg/blkio.throttle.write_bps_device"
		assert_output "$dev 1048576"
		run cat "/sys/fs/cgroup/blkio$cg/blkio.throttle.read_iops_device"
		assert_output "$dev 100"
	fi
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_cgroup_gone "$cg"
}

@test "cgroups: --cpuset-cpus 0 pins COMMAND to CPU 0 (v1: cpuset.mems copied too)" {
	run kit --cpuset-cpus 0 -- grep Cpus_allowed_list /proc/self/status
	if [ "$status" -eq 125 ] && [[ $output == *"systemd manages"* ]]; then
		skip "this host's systemd does not pass the cpuset controller down"
	fi
	assert_success
	assert_output --regexp 'Cpus_allowed_list:[[:space:]]+0$'
	assert_no_cgroup_left
}

# --- CPU --------------------------------------------------------------------------

# A busy loop for 2 s of wall time under --cpus 0.25 may use 0.5 s of CPU:
# 25 ms per 100 ms period. The usage comes from the cgroup's own counter
# (cpu.stat usage_usec / cpuacct.usage), read by --stats before the cgroup
# goes; the wall time is the whole run's, kit included, so the true share is
# a little higher than measured. Tolerance: up to 0.30, for the scheduler's
# overrun at the end of a period (a tick, ~1-4 ms of 25) and timer slack;
# measured on the hybrid dev host: 0.250-0.259. At least 0.05: the loop ran
# (a loaded or emulated host may give it less than its quota).
@test "cgroups: --cpus 0.25 holds a busy loop to ~25% of one CPU, by the cgroup's counters" {
	local start wall cpu throttled share
	start=$(now_ms)
	# Not PID 1: from step02 on, PID 1 ignores timeout's SIGTERM (no handler).
	run kit --stats --cpus 0.25 -- sh -c 'timeout 2 sh -c "while :; do :; done"; true'
	wall=$(($(now_ms) - start))
	[ "$status" -ne 125 ] || fail "$output"
	cpu=$(stat_value "cpu time")
	throttled=$(stat_value "throttled")
	[ -n "$cpu" ] && [ -n "$throttled" ] || fail "no cpu stats: $output"
	share=$(awk -v c="$cpu" -v w="$wall" 'BEGIN { printf "%.3f", c * 1000 / w }')
	note "--cpus 0.25: ${cpu} s of CPU in ${wall} ms: $share of a CPU; throttled ${throttled} s"
	float_test "$share" '<=' 0.30
	float_test "$share" '>=' 0.05
	float_test "$throttled" '>' 0
	assert_no_cgroup_left
}

# --- memory -------------------------------------------------------------------------

# --memory-swap equal to --memory: no swap, or the kernel would swap the rest
# out rather than kill (where swap accounting is off, the kit warns instead).
@test "cgroups: --memory 256m: touching 200 MiB works, 300 MiB is OOM-killed (137) and counted" {
	local memhog
	memhog=$(tool memhog)
	run kit --stats --memory 256m --memory-swap 256m -- "$memhog" 200
	assert_success
	assert_line "touched 200 MiB"
	assert_equal "$(stat_value "oom kills")" 0
	float_test "$(stat_value "peak memory")" '>=' 200
	float_test "$(stat_value "peak memory")" '<=' 256
	note "--memory 256m, 200 MiB touched: peak $(stat_value "peak memory") MiB"

	run kit --stats --memory 256m --memory-swap 256m -- "$memhog" 300
	assert_equal "$status" 137
	refute_line "touched 300 MiB"
	[ "$(stat_value "oom kills")" -ge 1 ] || fail "no OOM kill counted: $output"
	assert_no_cgroup_left
}

@test "cgroups: --stats prints peak memory, CPU time, throttled time and OOM kills" {
	run kit --stats -- true
	assert_success
	local s='^\[cgroup\] stats: '
	assert_line --regexp "$s"'peak memory [0-9.]+ MiB \(memory\.(peak|max_usage_in_bytes)\)$'
	assert_line --regexp "$s"'cpu time [0-9.]+ s \((cpu\.stat usage_usec|cpuacct\.usage)\)$'
	assert_line --regexp "$s"'throttled [0-9.]+ s \(cpu\.stat throttled_(usec|time)\)$'
	assert_line --regexp "$s"'oom kills [0-9]+ \(memory\.(events|oom_control) oom_kill\)$'
	run kit -- true
	refute_output --partial "stats:"
}

# --- processes ---------------------------------------------------------------------

# forkbomb's processes retry every failed fork, so the cgroup stays at the
# limit. pids.current is polled (pids.peak is newer than some kernels: 6.1
# lacks it); pids.events counts the refused forks. Without a PID namespace
# the bomb outlives COMMAND: the kit's cleanup must kill it (cgroup.kill on
# v2, every PID in cgroup.procs on v1).
@test "cgroups: --pids-limit 32 contains a fork bomb; the host can still fork" {
	local cg current max=0 i start peak
	start_bg --pids-limit 32 -- sh -c "sleep 1000 & s=\$!; $(tool forkbomb) & echo ready; wait \$s"
	cg=$(container_cgroup)
	for i in $(seq 20); do
		current=$(cat "$(cgroup_file pids "$cg" pids.current)")
		[ "$current" -gt "$max" ] && max=$current
		sleep 0.1
	done
	grep -Eq '^max [1-9]' "$(cgroup_file pids "$cg" pids.events)" || fail "no fork refused"
	peak=$(cat "$(cgroup_file pids "$cg" pids.peak)" 2>/dev/null) || peak=$max
	start=$(now_ms)
	run timeout 10 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; echo host-ok'
	assert_output host-ok
	note "fork bomb under --pids-limit 32: at most $max processes polled, peak $peak;" \
		"10 host forks took $(($(now_ms) - start)) ms"
	[ "$max" -le 32 ] && [ "$peak" -le 32 ] || fail "pids.current reached $max, peak $peak"
	[ "$max" -ge 30 ] || fail "the bomb did not reach the limit: $max"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 137
	assert_cgroup_gone "$cg"
	for i in $(pgrep -x forkbomb); do assert_dead "$i"; done
	assert_nothing_left
}

# --- block I/O -----------------------------------------------------------------------

# Direct I/O (O_DIRECT) is submitted by the writer itself, so blk-throttle
# charges it to the container's cgroup on v1 and v2. Buffered writes to a
# file are written back later by kernel threads: v1 cannot charge those.
# The time is dd's own (the copy only): 2 MiB at 1 MiB/s is ~2 s, where an
# unthrottled run (measured: 0.004 s on the dev host, ~0.3 s under qemu TCG)
# is much faster. Measured throttled: 2.0 s on v1 and v2.
@test "cgroups: --device-write-bps DEV:1mb holds direct writes to a loop device to ~1 MB/s" {
	local inside limited free
	command -v losetup >/dev/null || skip "no losetup"
	truncate -s 64M "$BATS_TEST_TMPDIR/disk.img"
	LOOP_DEVICE=$(losetup --find --show "$BATS_TEST_TMPDIR/disk.img") || skip "no loop device"
	# From step03 on, COMMAND's /dev is its own: it makes the node first.
	inside="[ -b $LOOP_DEVICE ] || mknod $LOOP_DEVICE b $((16#$(stat -c %t "$LOOP_DEVICE")))"
	inside="$inside $((16#$(stat -c %T "$LOOP_DEVICE")))"
	inside="$inside && dd if=/dev/zero of=$LOOP_DEVICE bs=64k count=32 oflag=direct"

	run kit --device-write-bps "$LOOP_DEVICE:1mb" -- sh -c "$inside"
	if [ "$status" -ne 0 ] && [ "$PROGRAM_STEP" -ge 3 ]; then
		skip "the container cannot reach a block device: $output"
	fi
	assert_success
	limited=$(dd_seconds)
	run kit -- sh -c "$inside"
	assert_success
	free=$(dd_seconds)
	note "2 MiB of direct writes: ${limited} s at --device-write-bps 1mb, ${free} s without"
	float_test "$limited" '>=' 1.5 || fail "2 MiB at 1 MiB/s took only $limited s"
	float_test "$limited" '<=' 5 || fail "2 MiB at 1 MiB/s took $limited s"
	float_test "$free" '<' "$(awk -v l="$limited" 'BEGIN { print l / 2 }')" ||
		fail "unthrottled, 2 MiB took $free s: the limit made no difference"
	assert_no_cgroup_left
}

# --- cleanup -------------------------------------------------------------------------

@test "cgroups: no cgroup is left after a normal exit" {
	run kit -v -- true
	assert_success
	assert_cgroup_gone "$(traced_cgroup)"
	assert_no_cgroup_left
}

@test "cgroups: no cgroup is left when setup fails midway (a limit the kernel refuses)" {
	# A valid CPU list that names no CPU of this host: refused when written.
	run kit -v --cpuset-cpus 4095 -- echo must-not-run
	assert_equal "$status" 125
	assert_output --partial "--cpuset-cpus 4095"
	refute_line must-not-run
	[ -z "$(traced_cgroup)" ] || assert_cgroup_gone "$(traced_cgroup)"
	assert_no_cgroup_left
	assert_nothing_left
}

@test "cgroups: SIGTERM and SIGINT to the kit: COMMAND's leftovers are killed, the cgroup removed" {
	local sig cg leftover
	for sig in TERM INT; do
		start_bg -- sh -c 'trap "exit 143" TERM INT; sleep 1000 & echo ready; wait'
		cg=$(container_cgroup)
		leftover=$(grep -vx "$BG_CHILD" "$(cgroup_file memory "$cg" cgroup.procs)")
		[ -n "$leftover" ] || fail "no sleep in $cg"
		kill "-$sig" "$BG_PID"
		wait_bg
		assert_equal "$BG_STATUS" 143
		assert_cgroup_gone "$cg"
		assert_dead "$leftover"
	done
	assert_no_cgroup_left
	assert_nothing_left
}

# --- bad input ----------------------------------------------------------------------

@test "cgroups: bad limits are refused with exit 125, named, before any cgroup exists" {
	local bad
	while IFS='|' read -r bad named; do
		# shellcheck disable=SC2086 # the options, split on purpose
		run kit $bad -- echo must-not-run
		assert_equal "$status" 125
		assert_output --partial "$named"
		refute_line must-not-run
	done <<-'EOF'
		--memory 12Q|--memory 12Q: not a size
		--memory 1k|--memory 1k
		--cpus -1|--cpus -1
		--cpus 0|--cpus 0
		--cpus 1e9|--cpus 1e9
		--cpu-shares 1|--cpu-shares 1
		--pids-limit 0|--pids-limit 0
		--pids-limit 12x|--pids-limit 12x
		--memory-swap 1g|--memory-swap needs --memory
		--memory 1g --memory-swap 512m|--memory-swap 512m
		--cpuset-cpus 0-|--cpuset-cpus 0-
		--device-write-bps /dev/no-such-disk:1mb|/dev/no-such-disk
		--device-read-bps /dev/null:1mb|/dev/null is not a block device
		--device-write-iops /dev/null|expected DEVICE:IOPS
	EOF
	assert_no_cgroup_left
	assert_nothing_left
}

# A controller this host lacks, for a flag that needs it; none: skipped.
missing_controller_flag() {
	local c v1 flag
	while read -r c v1 flag; do
		if cgroup_v2; then
			grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || { echo "$flag"; return; }
		else
			[ "$(stat -f -c %T "/sys/fs/cgroup/$v1" 2>/dev/null)" = cgroupfs ] ||
				{ echo "$flag"; return; }
		fi
	done <<-'EOF'
		memory memory --memory=64m
		cpu cpu --cpus=0.5
		pids pids --pids-limit=10
		cpuset cpuset --cpuset-cpus=0
	EOF
}

@test "cgroups: a limit whose controller the host lacks is refused with exit 125, named" {
	local flag
	flag=$(missing_controller_flag)
	[ -n "$flag" ] || skip "this host has every controller the kit's flags use"
	run kit "$flag" -- echo must-not-run
	assert_equal "$status" 125
	assert_output --partial "${flag%%=*} needs the"
	assert_no_cgroup_left
}

# Inside a container with a cgroup namespace of its own (docker's and podman's
# default on v2: devcontainers, Codespaces), /sys/fs/cgroup is the container's
# cgroup, and the container's processes are in it: v2 lets such a cgroup pass
# no controller down (EBUSY). Moving them into a leaf is the container's
# entrypoint's job (scripts/nested-cgroup-init.sh), not the kit's: they are
# not its processes. Made here as an engine makes it: a cgroup, a process in
# it, a cgroup and mount namespace of its own, cgroup2 mounted afresh.
@test "cgroups: in a container's own cgroup with its processes, a limit is refused, naming the fix; no limit runs" {
	cgroup_v2 || skip "cgroup v1 or hybrid: no cgroup namespace root to pass controllers down"
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: no cgroups of its own"
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		skip "the memory controller does not reach the children of /sys/fs/cgroup"
	NESTED_CGROUP=/sys/fs/cgroup/kit-test-nested-$$
	mkdir "$NESTED_CGROUP"
	# shellcheck disable=SC2016 # expanded by the sh that runs it
	local engine='echo $$ >"$0/cgroup.procs" && exec unshare --cgroup --mount --propagation private \
		sh -c '\''umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"'\'' sh "$@"'
	run sh -c "$engine" "$NESTED_CGROUP" "${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" \
		--memory 64m -- echo must-not-run
	assert_equal "$status" 125
	assert_output --partial "--memory needs the memory controller (/sys/fs/cgroup): /sys/fs/cgroup is this container's own cgroup and its processes are in it"
	assert_output --partial "scripts/nested-cgroup-init.sh"
	refute_line must-not-run
	run sh -c "$engine" "$NESTED_CGROUP" "${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" \
		-- cat /proc/self/cgroup
	assert_success
	assert_output "0::/"
	# Nothing enabled in the container's cgroup, nothing left in it.
	assert_equal "$(cat "$NESTED_CGROUP/cgroup.subtree_control")" ""
	assert_dir_not_exists "$NESTED_CGROUP/container-kit"
	assert_no_cgroup_left
}

@test "cgroups: a cgroup a killed kit left behind is removed by the next container" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: no cgroups of its own"
	start_bg --memory 64m -- sh -c 'echo ready; sleep 1000'
	local left
	left=$(kit_cgroups | grep "/c$BG_CHILD\$" | head -n1)
	[ -n "$left" ] || fail "no cgroup for the container's init $BG_CHILD"
	kill -KILL "$BG_PID"  # the kit itself: it cannot remove its cgroup
	wait_bg
	for _ in $(seq 50); do kill -0 "$BG_CHILD" 2>/dev/null || break; sleep 0.1; done
	assert_dir_exists "$left"
	run kit --memory 64m -- true
	assert_success
	assert_dir_not_exists "$left"
	assert_equal "$(kit_cgroups)" "$KIT_CGROUPS_BEFORE"
}
