#!/usr/bin/env bash
# grade-practice.sh [--check] [--out DIR] [--only REQ] N SOLUTION
#	grades the learner's solution of the chapter's practice exercise N
#	(section 7; `make exercise EX=N` writes its starter, whose README states
#	what each script must do), requirement by requirement.
#
# SOLUTION is the exNN_* directory, or a directory holding it. The learner's
# scripts run as root, each bounded by a timeout, with KIT_GRADE_TAG in their
# environment (every process they start inherits it) and CGROUP_PARENT naming
# a cgroup the grader made for them (v1: in the hierarchies of
# V1_CONTROLLERS, the ones exercise 2 limits and counts; v2: cpu, memory, io
# and pids enabled below it). The
# grader observes the effects from the host, as the kit's tests do:
#	1 namespace inodes (/proc/PID/ns/*) against the host's; what the
#	  environment sees (hostname, PID 1, only lo); what enter.sh joins;
#	2 the limit files of the cgroup COMMAND runs in, a busy loop's CPU share
#	  and throttling, an OOM kill, direct writes to a loop device the grader
#	  makes (and removes), the counters limit.sh reports;
#	3 the rootfs, the overlay mount and its upper dir, the namespaces and the
#	  cgroup of a running container, a shell reading stdin;
#	4 capabilities (CapBnd, CapEff...), the seccomp mode, a busybox workload,
#	  a set of dangerous system calls (tests/tools/syscall_probe), the
#	  read-only root, the uid and gid.
# Then the host is compared with a snapshot taken before: processes (tagged,
# or in namespaces not the host's), mounts, cgroups, loop devices, links,
# network namespaces, the hostname. What is left is listed, cleaned up, and
# fails the requirement "host" of the exercise.
#
# Each check is a line of tests/grading/exercises.tsv whose 5th field is "ex";
# a requirement is met when all its checks passed. The exercise is worth 10
# points, in proportion to its requirements met (rounded down to 0.1).
# --only REQ: only the runs and checks of that requirement (and "host").
# Prints a table; writes DIR/results.json and DIR/junit.xml (DIR:
# build/grade/exNN). Exit status: 0 when grading ran (with --check: only at
# full marks), 2 on bad usage.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
check=false out='' only='' n='' solution=''
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=true ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--only) only=${2:?--only needs a requirement}; shift ;;
	-*) echo "grade-practice.sh: unknown option $1" >&2; exit 2 ;;
	*) if [ -z "$n" ]; then n=$1; else solution=$1; fi ;;
	esac
	shift
done
case "$n" in 1 | 2 | 3 | 4 | 01 | 02 | 03 | 04) nn=0$((10#$n)) ;; *)
	echo "usage: grade-practice.sh [--check] [--out DIR] [--only REQ] N(1-4) SOLUTION" >&2; exit 2 ;;
esac
[ -n "$solution" ] && [ -d "$solution" ] || { echo "grade-practice.sh: ${solution:-SOLUTION}: no such directory" >&2; exit 2; }
solution=$(cd "$solution" && pwd)
case "$(basename "$solution")" in
ex${nn}_*) dir=$solution ;;
*) dir=$(ls -d "$solution/ex${nn}_"*/ 2>/dev/null | head -n1); dir=${dir%/} ;;
esac
[ -n "$dir" ] || dir=$solution/ex${nn}_missing
out=${out:-$top/build/grade/ex$nn}
map=$top/tests/grading/exercises.tsv
: "${PRACTICE_TIMEOUT:=30}"

rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d /tmp/kit-practice.XXXXXX)
chmod 755 "$tmp"  # the image in it is mapped for a container's non-root user
records=$out/checks.ndjson
: >"$records"
tag=kit-grade-$$-$RANDOM
parent=kit-grade-$$
loop=''

# --- records ------------------------------------------------------------------

# record CHECK STATUS [NOTE]: one check's outcome (CHECK: its exercises.tsv name).
record() {
	jq -cn --arg check "$1" --arg status "$2" --arg note "${3:-}" \
		'{check: $check, status: $status} + (if $note == "" then {} else {note: $note} end)' >>"$records"
}

# verdict CHECK CONDITION-STATUS NOTE: pass when the status is 0, else fail with NOTE.
verdict() { if [ "$2" -eq 0 ]; then record "$1" pass; else record "$1" fail "$3"; fi; }

# wanted REQ: whether --only lets requirement REQ's runs and checks happen.
wanted() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# the checks of this exercise, by requirement (exercises.tsv, 5th field "ex").
checks_of() { awk -F'\t' -v e="$((10#$nn))" -v r="$1" '$1 == e && $5 == "ex" && $3 == r { print $6 }' "$map"; }

# not_graded REQ: every check of a requirement that --only left out.
not_graded() { local c; while IFS= read -r c; do record "$c" "not graded" "--only $only"; done < <(checks_of "$1"); }

# float_test A OP B
float_test() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }

# learner ARG...: one of the learner's scripts, bounded, tagged, as root.
learner() {
	timeout -k 2 "$PRACTICE_TIMEOUT" env KIT_GRADE_TAG="$tag" CGROUP_PARENT="$parent" "$@"
}

# --- the host before and after --------------------------------------------------

cgroup_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }
# Exercise 2's v1 controllers: its limits (cpu, memory, blkio) and its CPU
# counter (cpuacct.usage). The starter and its README say the same.
V1_CONTROLLERS="cpu cpuacct memory blkio"

# Processes the learner left: tagged, or new in a namespace not the grader's.
# (One grep and one find per type: a loop over /proc costs seconds.)
learner_processes() {
	local n p l
	{
		grep -lsxzF "KIT_GRADE_TAG=$tag" /proc/[0-9]*/environ | cut -d/ -f3
		for n in mnt pid net uts ipc user cgroup; do
			find /proc/[0-9]*/ns/$n -maxdepth 0 ! -lname "$(readlink "/proc/self/ns/$n")" 2>/dev/null | cut -d/ -f3
		done | grep -vxFf "$tmp/processes.before"
	} | sort -un | while read -r p; do
		# Each candidate once more: a process that ended meanwhile is none.
		[ "$p" != $$ ] && [ -e "/proc/$p" ] || continue
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ] || continue
		if grep -qsxzF "KIT_GRADE_TAG=$tag" "/proc/$p/environ"; then echo "process $p"; continue; fi
		for n in mnt pid net uts ipc user cgroup; do
			l=$(readlink "/proc/$p/ns/$n" 2>/dev/null) && [ -n "$l" ] &&
				[ "$l" != "$(readlink "/proc/self/ns/$n")" ] && { echo "process $p"; break; }
		done
	done
}

host_state() {
	echo "hostname $(hostname)"
	awk '{ print "mount", $5 }' /proc/self/mountinfo | sort -u
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print "link", $2 }'
	ip netns list 2>/dev/null | awk '{ print "netns", $1 }'
	# Not the cgroups a session manager makes per command (process_api, scopes).
	find /sys/fs/cgroup -mindepth 1 -maxdepth 4 \( -name process_api -o -name '*.scope' \) -prune \
		-o -type d -print 2>/dev/null | sed 's/^/cgroup /'
	losetup -l -n -O NAME 2>/dev/null | sed 's/^/loop /'
}

# clean_up LEFTOVER...: processes first, then the deepest first.
clean_up() {
	local item kind what
	for item in "$@"; do
		kind=${item%% *} what=${item#* }
		case "$kind" in process) kill -KILL "$what" 2>/dev/null ;; esac
		case "$kind" in cgroup) xargs -r kill -KILL <"$what/cgroup.procs" 2>/dev/null ;; esac
	done
	sleep 0.2
	printf '%s\n' "$@" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2- |
		while read -r kind what; do
			case "$kind" in
			mount) umount -l "$what" 2>/dev/null ;;
			link) ip link del "$what" 2>/dev/null ;;
			netns) ip netns del "$what" 2>/dev/null ;;
			cgroup) rmdir "$what" 2>/dev/null ;;
			loop) losetup -d "$what" 2>/dev/null ;;
			hostname) hostname "$before_hostname" ;;
			esac
		done
}

# The learner's parent cgroup: made before, and removed before the comparison.
make_parent() {
	local c
	if cgroup_v2; then
		mkdir "/sys/fs/cgroup/$parent"
		for c in cpu memory io pids; do
			echo "+$c" >"/sys/fs/cgroup/$parent/cgroup.subtree_control" 2>/dev/null
		done
	else
		for c in $V1_CONTROLLERS; do mkdir "/sys/fs/cgroup/$c/$parent"; done
	fi
}

# remove_parent: what the learner left in it is a leftover (listed, then removed).
remove_parent() {
	local d c
	for d in /sys/fs/cgroup/$parent /sys/fs/cgroup/*/$parent; do
		[ -d "$d" ] || continue
		while IFS= read -r c; do
			echo "cgroup $c" >>"$tmp/parent.leftovers"
			xargs -r kill -KILL <"$c/cgroup.procs" 2>/dev/null
		done < <(find "$d" -mindepth 1 -type d | sort -r)
		sleep 0.1
		find "$d" -mindepth 1 -type d | sort -r | while IFS= read -r c; do rmdir "$c" 2>/dev/null || { sleep 0.3; rmdir "$c"; }; done
		rmdir "$d" 2>/dev/null || { sleep 0.3; rmdir "$d"; }
	done
}

# A copy of the kit's rootfs for a container to use, with a marker in it.
image() {
	[ -x "$top/rootfs/bin/sh" ] || { echo "grade-practice.sh: no rootfs: run make rootfs test-tools" >&2; exit 2; }
	cp -a "$top/rootfs" "$tmp/rootfs"
	echo "$tag" >"$tmp/rootfs/kit-grade-marker"
	ROOTFS=$tmp/rootfs
}
image_digest() { (cd "$ROOTFS" && find . -printf '%p %s %m %T@\n' | sort | md5sum); }

before_hostname=$(hostname)
ls /proc | grep -x '[0-9]*' >"$tmp/processes.before"
host_before=$(host_state)
make_parent

# --- exercise 1: namespaces -------------------------------------------------------

NS_TYPES="cgroup ipc mnt net pid user uts"

grade_ex01() {
	local pid='' t s rc env_ns
	if ! learner "$dir/start.sh" >"$tmp/start.out" 2>"$tmp/start.err"; then :; fi
	pid=$(grep -E '^[0-9]+$' "$tmp/start.out" | tail -n1)
	if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
		pid=''
		rc="start.sh printed no running PID: $(head -c 300 "$tmp/start.out" "$tmp/start.err" | tr '\n' ' ')"
	fi
	if wanted 1; then
		for t in $NS_TYPES; do
			s=1
			[ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/$t")" != "$(readlink "/proc/self/ns/$t")" ] && s=0
			verdict "ex1: the environment's $t namespace is not the host's" $s "${rc:-$t: $(readlink "/proc/$pid/ns/$t") as on the host}"
		done
	else not_graded 1; fi
	if wanted 2; then
		# Seen with the grader's own nsenter, not the learner's enter.sh.
		local name='' procs='' links=''
		if [ -n "$pid" ]; then
			name=$(nsenter -t "$pid" -u hostname 2>&1)
			procs=$(nsenter -t "$pid" -a sh -c 'ls /proc | grep -c "^[0-9]"' 2>&1)
			links=$(nsenter -t "$pid" -n cat /proc/net/dev 2>&1 | grep : | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')
		fi
		s=1; [ -n "$pid" ] && [ "$name" = ex1 ] && [ "$(hostname)" = "$before_hostname" ] && s=0
		verdict "ex1: the hostname inside is ex1; the host's is unchanged" $s \
			"${rc:-inside: $name, host: $(hostname)}"
		s=1; [ -n "$pid" ] && grep -Eq "^NSpid:[[:space:]]+$pid[[:space:]]+1$" "/proc/$pid/status" &&
			[ "$procs" -le 5 ] 2>/dev/null && s=0
		verdict "ex1: its first process is PID 1 inside, and ps inside lists only its processes" $s \
			"${rc:-$(grep NSpid "/proc/$pid/status" 2>&1); processes in its /proc: $procs}"
		s=1; [ -n "$pid" ] && [ "$links" = "lo " ] && s=0
		verdict "ex1: only lo is in its network" $s "${rc:-inside: $links}"
	else not_graded 2; fi
	if wanted 3; then
		s=1 rc=''
		if [ -n "$pid" ]; then
			learner "$dir/enter.sh" "$pid" sh -c 'for t in '"$NS_TYPES"'; do echo "$t $(readlink /proc/self/ns/$t)"; done; hostname; exit 3' \
				>"$tmp/enter.out" 2>&1
			rc=$?
			env_ns=$(for t in $NS_TYPES; do echo "$t $(readlink "/proc/$pid/ns/$t")"; done; echo ex1)
			[ "$rc" = 3 ] && [ "$(cat "$tmp/enter.out")" = "$env_ns" ] && s=0
		fi
		verdict "ex1: enter.sh PID COMMAND runs COMMAND in every namespace of the environment, with its exit status" $s \
			"${pid:+exit $rc, wanted 3; } printed: $(head -c 400 "$tmp/enter.out" 2>/dev/null | tr '\n' ' ') wanted: $(echo $env_ns)"
	else not_graded 3; fi
	# The grader stops the environment: its PID 1 takes the rest with it.
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
	sleep 0.3
}

# --- exercise 2: cgroups ----------------------------------------------------------

# The probe COMMAND: what a process under limit.sh sees of its own cgroups.
write_probe() {
	cat >"$tmp/probe" <<'EOF'
#!/bin/bash
# probe cpu|files: runs under limit.sh; prints its cgroups' limit files.
if [ "$1" = cpu ]; then
	timeout 1 bash -c 'while :; do :; done'
	# The CPU time of this shell's reaped children (cutime + cstime), in clock ticks.
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print "cpu_time_s", ($14 + $15) / hz }' /proc/$$/stat
fi
while IFS=: read -r id controllers path; do
	if [ -z "$controllers" ]; then
		[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || continue
		echo "cgroup v2 $path"
		for f in cpu.max memory.max io.max; do echo "file $f $(tr '\n' ' ' <"/sys/fs/cgroup$path/$f" 2>/dev/null)"; done
		awk '$1 == "nr_throttled" { print "nr_throttled", $2 }' "/sys/fs/cgroup$path/cpu.stat"
		continue
	fi
	for c in ${controllers//,/ }; do
		case $c in cpu | cpuacct | memory | blkio) echo "cgroup $c $path" ;; *) continue ;; esac
		case $c in
		cpu)
			echo "file cpu.cfs_quota_us $(cat "/sys/fs/cgroup/cpu$path/cpu.cfs_quota_us")"
			echo "file cpu.cfs_period_us $(cat "/sys/fs/cgroup/cpu$path/cpu.cfs_period_us")"
			awk '$1 == "nr_throttled" { print "nr_throttled", $2 }' "/sys/fs/cgroup/cpu$path/cpu.stat" ;;
		memory) echo "file memory.limit_in_bytes $(cat "/sys/fs/cgroup/memory$path/memory.limit_in_bytes")" ;;
		blkio) echo "file blkio.throttle.write_bps_device $(tr '\n' ' ' <"/sys/fs/cgroup/blkio$path/blkio.throttle.write_bps_device")" ;;
		esac
	done
done </proc/self/cgroup
EOF
	chmod +x "$tmp/probe"
}

# value KEY FILE: the first value printed for KEY.
value() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$2"; }

# under_parent FILE CONTROLLER: the cgroup the probe printed is below the parent.
under_parent() { [[ "$(awk -v c="$2" '$1 == "cgroup" && $2 == c { print $3 }' "$1")" == /$parent/?* ]]; }

grade_ex02() {
	local s c rc share mm mib=$((1024 * 1024)) f secs report
	write_probe
	truncate -s 16M "$tmp/disk.img"
	loop=$(losetup --find --show "$tmp/disk.img") || { echo "grade-practice.sh: no loop device" >&2; exit 2; }
	mm=$((16#$(stat -c %t "$loop"))):$((16#$(stat -c %T "$loop")))
	f=$tmp/files.out
	learner "$dir/limit.sh" "$loop" "$tmp/probe" files >"$f" 2>&1
	if wanted 1 || wanted 4; then
		learner "$dir/limit.sh" "$loop" "$tmp/probe" cpu >"$tmp/cpu.out" 2>&1
	fi
	if wanted 1; then
		s=1
		if cgroup_v2; then under_parent "$f" v2 && s=0
		else
			s=0
			for c in $V1_CONTROLLERS; do under_parent "$f" "$c" || s=1; done
		fi
		verdict "ex2: COMMAND runs in a new cgroup below \$CGROUP_PARENT (v1: cpu, cpuacct, memory, blkio)" $s \
			"the probe saw: $(grep '^cgroup' "$f" | tr '\n' ';') parent /$parent"
		s=1
		if cgroup_v2; then [ "$(value "file" "$f" | grep '^cpu.max' | awk '{ print $2, $3 }')" = "25000 100000" ] && s=0
		else
			[ "$(awk '$2 == "cpu.cfs_quota_us" { print $3 }' "$f")" = 25000 ] &&
				[ "$(awk '$2 == "cpu.cfs_period_us" { print $3 }' "$f")" = 100000 ] && s=0
		fi
		verdict "ex2: the CPU limit file says 25% (cpu.max 25000 100000; v1 cpu.cfs_quota_us 25000, cpu.cfs_period_us 100000)" $s \
			"$(grep -E 'file cpu' "$f" | tr '\n' ';')"
		share=$(value cpu_time_s "$tmp/cpu.out")
		s=1
		[ -n "$share" ] && float_test "$share" '<=' 0.35 && float_test "$share" '>=' 0.05 &&
			[ "$(value nr_throttled "$tmp/cpu.out")" -gt 0 ] 2>/dev/null && s=0
		verdict "ex2: a 1 s busy loop gets at most 30% of a CPU, and its cgroup counts throttling (cpu.stat nr_throttled)" $s \
			"CPU time in 1 s: ${share:-none} s; nr_throttled: $(value nr_throttled "$tmp/cpu.out")"
	else not_graded 1; fi

	if wanted 2 || wanted 4; then
		learner "$dir/limit.sh" "$loop" "$top/tests/tools/bin/memhog" 300 >"$tmp/oom.out" 2>&1
		rc=$?
	fi
	if wanted 2; then
		s=1
		if cgroup_v2; then [ "$(grep '^file memory.max' "$f" | awk '{ print $3 }')" = $((256 * mib)) ] && s=0
		else [ "$(awk '$2 == "memory.limit_in_bytes" { print $3 }' "$f")" = $((256 * mib)) ] && s=0; fi
		verdict "ex2: the memory limit file says 256 MiB (memory.max; v1 memory.limit_in_bytes)" $s "$(grep 'file memory' "$f")"
		s=1; [ "$rc" = 137 ] && ! grep -q 'touched 300 MiB' "$tmp/oom.out" && s=0
		verdict "ex2: touching 300 MiB is OOM-killed: limit.sh exits 137" $s "exit $rc: $(grep -v '^[a-z_]* [0-9]*$' "$tmp/oom.out" | head -c 200)"
	else not_graded 2; fi

	if wanted 3; then
		s=1
		if cgroup_v2; then grep -Eq "^file io.max .*$mm [^ ]*wbps=1048576" "$f" && s=0
		else grep -Eq "^file blkio.throttle.write_bps_device .*$mm 1048576" "$f" && s=0; fi
		verdict "ex2: the write limit file says 1 MB/s for the device (io.max wbps=1048576; v1 blkio.throttle.write_bps_device)" $s \
			"device $mm: $(grep -E 'file (io|blkio)' "$f")"
		learner "$dir/limit.sh" "$loop" dd if=/dev/zero of="$loop" bs=64k count=16 oflag=direct >"$tmp/io.out" 2>&1
		secs=$(sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p' "$tmp/io.out")
		s=1; [ -n "$secs" ] && float_test "$secs" '>=' 0.7 && float_test "$secs" '<=' 5 && s=0
		verdict "ex2: 1 MiB of direct writes to the device takes about 1 s (0.7 to 5 s)" $s "dd: ${secs:-no time}: $(tail -n1 "$tmp/io.out")"
	else not_graded 3; fi

	if wanted 4; then
		report=$tmp/cpu.out
		s=1
		share=$(value cpu_time_s "$report") 
		[ -n "$share" ] && [ -n "$(value cpu_usage_usec "$report")" ] &&
			float_test "$(value cpu_usage_usec "$report")" '>=' "$(awk -v s="$share" 'BEGIN { print s * 1e6 * 0.6 }')" &&
			float_test "$(value cpu_usage_usec "$report")" '<=' "$(awk -v s="$share" 'BEGIN { print s * 1e6 * 1.5 + 50000 }')" &&
			[ "$(value cpu_throttled_usec "$report")" -gt 0 ] 2>/dev/null && s=0
		verdict "ex2: after the busy loop, limit.sh reports its CPU time and throttled time (cpu_usage_usec, cpu_throttled_usec)" $s \
			"the loop used ${share:-?} s; reported: $(grep -E '^cpu_(usage|throttled)_usec' "$report" | tr '\n' ' ')"
		s=1
		[ "$(value oom_kills "$tmp/oom.out")" -ge 1 ] 2>/dev/null &&
			float_test "$(value memory_peak_bytes "$tmp/oom.out")" '>=' $((200 * mib)) &&
			float_test "$(value memory_peak_bytes "$tmp/oom.out")" '<=' $((256 * mib)) && s=0
		verdict "ex2: after touching 300 MiB, it reports the OOM kill and the peak (oom_kills, memory_peak_bytes)" $s \
			"reported: $(grep -E '^(oom_kills|memory_peak_bytes)' "$tmp/oom.out" | tr '\n' ' ')"
	else not_graded 4; fi
	losetup -d "$loop" && loop=''
}

# --- exercise 3: a runtime ------------------------------------------------------------

grade_ex03() {
	local s state=$tmp/state out=$tmp/run.out digest_before i cpid='' t host_ns ns_ok rc mib=$((1024 * 1024)) cg limits=''
	image
	mkdir -p "$tmp/outside" && echo "host secret" >"$tmp/outside/secret"
	digest_before=$(image_digest)
	# One container, observed inside (its output) and from the host while it runs.
	learner "$dir/runtime.sh" "$ROOTFS" "$state" sh -c '
		echo "pid $$"; echo "hostname $(hostname)"
		echo "marker $(cat /kit-grade-marker 2>&1)"; echo "busybox $([ -x /bin/busybox ] && echo yes)"
		echo "secret $(cat '"$tmp/outside/secret"' 2>&1)"
		echo "processes $(ls /proc | grep -c "^[0-9]")"
		echo "links $(grep -c : /proc/net/dev) $(grep -o "^ *[a-z0-9]*:" /proc/net/dev | tr -d " :" | tr "\n" ,)"
		for n in mnt uts ipc pid net; do echo "ns $n $(readlink /proc/self/ns/$n)"; done
		echo "root $(grep " / / " /proc/self/mountinfo | head -n1)"
		echo written >/kit-grade-written
		mkdir -p /tmp/kit-grade-mnt && mount -t tmpfs kit-grade-tmpfs /tmp/kit-grade-mnt && echo mounted
		echo ready; sleep 1.5' >"$out" 2>&1 &
	for i in $(seq 100); do grep -q '^ready$' "$out" && break; sleep 0.05; done
	# From the host: the container's processes, found in the learner's cgroups.
	if grep -q '^ready$' "$out"; then
		for cg in /sys/fs/cgroup/$parent/*/ /sys/fs/cgroup/memory/$parent/*/; do
			[ -f "$cg/cgroup.procs" ] || continue
			for i in $(cat "$cg/cgroup.procs"); do
				[ "$(readlink "/proc/$i/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] && cpid=$i
			done
		done
		host_mounts_during=$(awk '{ print $5, $9, $10 }' /proc/self/mountinfo)
		if cgroup_v2; then
			for cg in /sys/fs/cgroup/$parent/*/; do limits+="cpu.max $(cat "$cg/cpu.max") memory.max $(cat "$cg/memory.max") "; done
		else
			for cg in /sys/fs/cgroup/cpu/$parent/*/; do [ -f "$cg/cpu.cfs_quota_us" ] && limits+="cpu.max $(cat "$cg/cpu.cfs_quota_us") $(cat "$cg/cpu.cfs_period_us") "; done
			for cg in /sys/fs/cgroup/memory/$parent/*/; do [ -f "$cg/memory.limit_in_bytes" ] && limits+="memory.max $(cat "$cg/memory.limit_in_bytes") "; done
		fi
	fi
	wait $! 2>/dev/null
	if wanted 1; then
		s=1; grep -qxF "marker $tag" "$out" && grep -qx 'busybox yes' "$out" && s=0
		verdict "ex3: COMMAND runs in the image: /bin/busybox, and the marker file the grader put in ROOTFS" $s "$(grep -E '^(marker|busybox)' "$out" | tr '\n' ' ' | head -c 300)"
		s=1; grep -q '^secret ' "$out" && ! grep -q '^secret host secret' "$out" && s=0
		verdict "ex3: a host file outside the image is unreachable inside" $s "$(grep '^secret' "$out")"
	else not_graded 1; fi
	if wanted 2; then
		s=1; grep -Eq "^root .* - overlay .*lowerdir=$ROOTFS[,:].*upperdir=$state/" "$out" && s=0
		verdict "ex3: the container's root is an overlay: lowerdir ROOTFS, upperdir in STATE" $s "$(grep '^root' "$out" || head -c 300 "$out")"
		s=1; [ "$(cat "$state/upper/kit-grade-written" 2>/dev/null)" = written ] && [ ! -e "$ROOTFS/kit-grade-written" ] &&
			[ "$(image_digest)" = "$digest_before" ] && s=0
		verdict "ex3: a file written inside lands in STATE/upper; ROOTFS is unchanged" $s \
			"upper: $(ls "$state/upper" 2>&1 | tr '\n' ' '); ROOTFS $([ "$(image_digest)" = "$digest_before" ] && echo unchanged || echo changed)"
	else not_graded 2; fi
	if wanted 3; then
		ns_ok=0 host_ns=''
		for t in mnt uts ipc pid net; do
			host_ns=$(readlink "/proc/self/ns/$t")
			grep -q "^ns $t " "$out" && ! grep -qxF "ns $t $host_ns" "$out" || ns_ok=1
		done
		verdict "ex3: COMMAND's mnt, uts, ipc, pid and net namespaces are not the host's" $ns_ok "$(grep '^ns ' "$out" | tr '\n' ' ')"
		s=1; grep -qx 'pid 1' "$out" && [ "$(value processes "$out")" -le 5 ] 2>/dev/null && s=0
		verdict "ex3: COMMAND is PID 1, and sees only the container's processes" $s "$(grep -E '^(pid|processes) ' "$out" | tr '\n' ' ')"
		s=1; grep -qx 'links 1 lo,' "$out" && grep -qx mounted "$out" && ! grep -q 'kit-grade-mnt' <<<"${host_mounts_during:-}" && s=0
		verdict "ex3: only lo inside; a mount made inside is not on the host" $s \
			"$(grep -E '^links|^mounted' "$out" | tr '\n' ' ') $(grep 'kit-grade-mnt' <<<"${host_mounts_during:-}")"
	else not_graded 3; fi
	if wanted 4; then
		s=1
		[ -n "$cpid" ] && grep -q "cpu.max 25000 100000" <<<"$limits" && grep -q "memory.max $((256 * mib))" <<<"$limits" && s=0
		verdict "ex3: the container runs in a cgroup below \$CGROUP_PARENT with CPU 25% and memory 256 MiB" $s \
			"${cpid:+container PID $cpid; }limits: ${limits:-no cgroup holding the container processes below /$parent}"
	else not_graded 4; fi
	if wanted 5; then
		printf 'echo shell-$((6*7)) $(cat /kit-grade-marker)\nexit 5\n' |
			learner "$dir/runtime.sh" "$ROOTFS" "$tmp/state2" >"$tmp/shell.out" 2>&1
		rc=$?
		s=1; grep -qxF "shell-42 $tag" "$tmp/shell.out" && [ "$rc" = 5 ] && s=0
		verdict "ex3: with no COMMAND, the image's /bin/sh reads stdin; its exit status is runtime.sh's" $s \
			"exit $rc, wanted 5; printed: $(head -c 300 "$tmp/shell.out" | tr '\n' ' ')"
	else not_graded 5; fi
}

# --- exercise 4: a hardened container --------------------------------------------------

DANGEROUS="mount umount2 pivot_root unshare clone_newuser setns ptrace keyctl add_key bpf userfaultfd init_module kexec_load reboot swapon io_uring_setup perf_event_open"

grade_ex04() {
	local s out=$tmp/run.out f caps
	image
	[ -x "$top/step09_security/container" ] || { echo "grade-practice.sh: build step09 first (make)" >&2; exit 2; }
	learner env CONTAINER="$top/step09_security/container" ROOTFS="$ROOTFS" "$dir/run.sh" sh -c '
		echo "uid $(id -u) $(id -g)"
		grep -E "^(Cap[A-Za-z]+|Seccomp):" /proc/self/status | tr -d "\t"
		touch /kit-grade-ro 2>&1; echo tmp >/tmp/kit-grade && echo "tmp $(cat /tmp/kit-grade)"
		ls -l / >/dev/null && ps >/dev/null && printf "b\na\n" | sort | tr "\n" " " && date >/dev/null && wc -l </etc/passwd >/dev/null && echo workload-ok
		syscall_probe '"$DANGEROUS" >"$out" 2>&1
	if wanted 1; then
		s=0 caps=''
		for f in CapInh CapPrm CapEff CapBnd CapAmb; do
			caps+="$(grep "^$f:" "$out") "
			grep -Eq "^$f:[0-9a-f]{16}$" "$out" && (( (16#$(sed -n "s/^$f://p" "$out") & ~0x400) == 0 )) || s=1
		done
		verdict "ex4: no capability but NET_BIND_SERVICE in any set (CapBnd, CapPrm, CapEff, CapInh, CapAmb)" $s "${caps:-none printed}: $(head -c 200 "$out")"
	else not_graded 1; fi
	if wanted 2; then
		s=1; grep -qx 'Seccomp:2' "$out" && s=0
		verdict "ex4: COMMAND runs under a seccomp filter (Seccomp: 2)" $s "$(grep Seccomp "$out" || head -c 300 "$out")"
		s=1; grep -q 'a b workload-ok' "$out" && grep -qx 'tmp tmp' "$out" && s=0
		verdict "ex4: a busybox workload runs (sh, ls, ps, sort, date, wc, writes to /tmp)" $s "$(head -c 400 "$out" | tr '\n' ' ')"
		s=0 f=''
		for c in $DANGEROUS; do grep -Eqx "$c: (EPERM|ENOSYS)" "$out" || { s=1; f+="$(grep "^$c:" "$out" || echo "$c: not run") "; }; done
		verdict "ex4: the dangerous system calls fail with EPERM or ENOSYS (mount, unshare, setns, ptrace, bpf, keyctl...)" $s "allowed: $f"
	else not_graded 2; fi
	if wanted 3; then
		s=1; grep -q 'kit-grade-ro: Read-only file system' "$out" && [ ! -e "$ROOTFS/kit-grade-ro" ] && grep -qx 'tmp tmp' "$out" && s=0
		verdict "ex4: / is read-only (EROFS); /tmp is writable" $s "$(grep -E 'kit-grade-ro|^tmp' "$out" | tr '\n' ' ')"
	else not_graded 3; fi
	if wanted 4; then
		s=1; grep -Eq '^uid [1-9][0-9]* [1-9][0-9]*$' "$out" && s=0
		verdict "ex4: COMMAND runs as a non-root uid and gid" $s "$(grep '^uid' "$out" || head -c 200 "$out")"
	else not_graded 4; fi
}

if [ -d "$dir" ]; then
	"grade_ex$nn"
else
	echo "grade-practice.sh: no ex${nn}_* directory in $solution" >&2
	for r in 1 2 3 4 5; do
		while IFS= read -r c; do record "$c" fail "no ex${nn}_* directory"; done < <(checks_of "$r")
	done
fi

# --- the host after ---------------------------------------------------------------------

sleep 0.2
leftovers=$(learner_processes)
remove_parent
if [ -n "$leftovers" ]; then
	mapfile -t items <<<"$leftovers"
	clean_up "${items[@]}"
fi
host_after=$(host_state)
new=$(comm -13 <(sort <<<"$host_before") <(sort <<<"$host_after"))
# The loop device, the image and the mounts of a killed process are the grader's to undo.
if [ -n "$new" ]; then
	mapfile -t items <<<"$new"
	clean_up "${items[@]}"
fi
all_left=$(printf '%s\n' "$leftovers" "$(cat "$tmp/parent.leftovers" 2>/dev/null)" "$new" | sed '/^$/d' | sort -u)
verdict "ex$((10#$nn)): nothing is left on the host (processes, mounts, cgroups, loop devices, links, hostname)" \
	"$([ -z "$all_left" ]; echo $?)" "left, now cleaned up: $(tr '\n' ';' <<<"$all_left")"
# What the grader's own probe writes where a runtime left it on the host (no chroot).
[ "$nn" != 03 ] || { rm -f /kit-grade-written; rmdir /tmp/kit-grade-mnt 2>/dev/null; }
rm -rf "$tmp"

# --- scores -------------------------------------------------------------------------------

jq -n --slurpfile checks "$records" --rawfile map "$map" --arg ex "$((10#$nn))" --arg dir "$dir" --arg only "$only" '
	[$map | split("\n")[] | select(length > 0 and (startswith("#") | not)) | split("\t")
		| select(.[0] == $ex and .[4] == "ex")
		| {title: .[1], requirement: .[2], text: .[3], check: .[5]}] as $rows
	| ($checks | map({(.check): .}) | add // {}) as $by
	| [$rows | group_by(.requirement)[]
		| {requirement: .[0].requirement, text: .[0].text,
		   checks: [.[] | {check, status: ($by[.check].status // "not graded")}
				+ (if $by[.check].note and $by[.check].status == "fail" then {note: $by[.check].note} else {} end)]}
		| .status = (if all(.checks[]; .status == "pass") then "met"
			elif any(.checks[]; .status == "fail") then "failed" else "not graded" end)]
		| sort_by(if .requirement == "host" then 99 else (.requirement | tonumber) end) as $reqs
	| ($reqs | map(select(.status == "met")) | length) as $met
	| {exercise: ($ex | tonumber), title: $rows[0].title, solution: $dir,
	   only: (if $only == "" then null else $only end),
	   met: $met, failed: ($reqs | map(select(.status == "failed")) | length),
	   not_graded: ($reqs | map(select(.status == "not graded")) | length), total: ($reqs | length),
	   points: (((100 * $met / ($reqs | length)) | floor) / 10), max_points: 10,
	   full: ($met == ($reqs | length)), requirements: $reqs,
	   unknown_checks: [$checks[].check | select(. as $c | $rows | all(.check != $c))]}' >"$out/results.json"

jq -r '
	def esc: @html;
	[.requirements[].checks[]] as $c
	| "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
	"<testsuites name=\"container-kit practice exercises\" tests=\"\($c | length)\" failures=\"\([$c[] | select(.status == "fail")] | length)\">",
	"  <testsuite name=\"exercise \(.exercise): \(.title | esc)\" tests=\"\($c | length)\" failures=\"\([$c[] | select(.status == "fail")] | length)\" skipped=\"\([$c[] | select(.status == "not graded")] | length)\">",
	(.exercise as $e | .requirements[] as $r | $r.checks[] | "    <testcase classname=\"exercise \($e): \($r.requirement). \($r.text | esc)\" name=\"\(.check | esc)\"" +
		(if .status == "fail" then "><failure message=\"\((.note // "failed") | esc)\"/></testcase>"
		 elif .status == "not graded" then "><skipped/></testcase>" else "/>" end)),
	"  </testsuite>",
	"</testsuites>"' "$out/results.json" >"$out/junit.xml"

jq -r '
	"Exercise \(.exercise): \(.title): \(.solution)" + (if .only then " (only requirement \(.only))" else "" end),
	(.requirements[] | "  [\({"met": "x", "failed": " ", "not graded": "-"}[.status])] \(.requirement). \(.text)",
		(.checks[] | select(.status != "pass") | "        \(.status): \(.check)" + (if .note then "\n          \(.note)" else "" end))),
	"points \(.points | tostring | if test("[.]") then . else . + ".0" end)/10 (\(.met)/\(.total) requirements met)",
	(if (.unknown_checks | length) > 0 then "grader error: checks not in exercises.tsv: \(.unknown_checks | join("; "))" else empty end)' \
	"$out/results.json"
echo "JSON: $out/results.json  JUnit: $out/junit.xml"
if [ "$(jq '.unknown_checks | length' "$out/results.json")" != 0 ]; then exit 3; fi
if $check; then jq -e '.full' "$out/results.json" >/dev/null; fi
