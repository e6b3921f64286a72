#!/usr/bin/env bash
# soak.sh - runs one step's program many times, mixing every way a container
# can end, checks each run's exit code, and afterwards that the host is as it
# was: nothing leaked, and no descriptor growth.
#
# usage: tests/soak/soak.sh [--runs N] [--jobs J] [--step NN | --program DIR/container]
#        (or SOAK_RUNS, SOAK_JOBS, SOAK_STEP, SOAK_PROGRAM; defaults 1000, 3, the
#        last built step; a --program's step is its directory's, stepNN_*)
# As root, under the host lock: flock /tmp/kit-host.lock tests/soak/soak.sh
#
# How: J workers share the runs; run i is scenario i mod (the scenarios the
# program's step has), so every scenario runs about equally often, each of
# them next to other scenarios in the other workers. A scenario compares
# what happened with what must happen (docker run's exit codes: COMMAND's
# status, 125 setup failed, 126/127 cannot execute/not found, 128+N killed by
# signal N). Scenarios that race a signal against the start accept the few
# outcomes the race allows, and count which one they got.
# Before and after: the mount table, the kit's cgroups (container-kit/ in
# every hierarchy), links (kit0 may stay: it is the kit's bridge, kept until
# --reset-host, which runs at the end if kit0 was not there before), named
# netns, /run/container-kit, processes of the program or in namespaces other
# than the host's. Descriptors: the kit's open fds while COMMAND runs, the
# monitor's (step08+), and COMMAND's at exec must be the same number in every
# run of a scenario (a per-run leak would show as growth in a long-lived
# process; in a per-run process it shows as a different count).
# Prints counts per scenario and a leak summary; exits 1 if an exit code was
# wrong or anything leaked, 2 on a usage error.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${SOAK_RUNS:-1000} jobs=${SOAK_JOBS:-3} step=${SOAK_STEP:-} program=${SOAK_PROGRAM:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift ;;
	--step) step=${2:?--step needs a step number}; shift ;;
	--program) program=${2:?--program needs a file}; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: needs root (namespaces, the bridge, cgroups)" >&2; exit 2; }

if [ -n "$program" ]; then
	dir=$(cd "$(dirname "$program")" && pwd)
elif [ -n "$step" ]; then
	dir=$(ls -d "$top"/step"$(printf %02d $((10#$step)))"_* 2>/dev/null | head -n1)
else
	dir=$(ls -d "$top"/step[0-9][0-9]_* | tail -n1)
fi
prog=${dir:+$dir/$(basename "${program:-container}")}
[ -n "$prog" ] && [ -x "$prog" ] || { echo "soak.sh: no program for step ${step:-last}: run make" >&2; exit 2; }
n=$(basename "$dir" | sed -n 's/^step0*\([0-9][0-9]*\)_.*/\1/p')
[ -n "$n" ] || { echo "soak.sh: cannot tell the step of $prog (not in a stepNN_* directory)" >&2; exit 2; }
rootfs=$top/rootfs
opts=()
if [ "$n" -ge 3 ]; then
	[ -x "$rootfs/bin/sh" ] || { echo "soak.sh: no rootfs: run make rootfs" >&2; exit 2; }
	opts+=(--rootfs "$rootfs")
fi

# Descriptors this script inherited (flock's lock, a CI's pipes) would pass
# through the kit to COMMAND, up to step09, which closes them: start from
# 0, 1 and 2 only, so that COMMAND's count is the kit's doing. 255: bash's own.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-"; fi
done

work=$(mktemp -d /tmp/kit-soak.XXXXXX)
results=$work/results
prog_exe=$(readlink -f "$prog")
# Foreground runs are bounded: a hang shows as 124 (or 137), a wrong exit code.
kit() { timeout -k 5 30 "$prog" "${opts[@]}" "$@"; }

# --- the scenarios ----------------------------------------------------------------------
# Each sets got (what happened) and want (a regex of what may happen).

LOOP='trap "exit 42" TERM; trap "exit 43" INT; echo ready $(ls /proc/self/fd | wc -l); while :; do sleep 0.1; done'

record() { echo "$*" >>"$results"; }

# bg_start OUT [OPTIONS] -- COMMAND: the kit in the background; waits for "ready N".
# Sets kp (the kit's pid) and child (the container's init).
bg_start() {
	local out=$1 i
	shift
	# The program itself, not the kit() function: $! must be the kit, not a subshell.
	"$prog" "${opts[@]}" "$@" </dev/null >"$out" 2>&1 &
	kp=$!
	child=''
	for i in $(seq 500); do
		grep -q '^ready' "$out" && break
		kill -0 "$kp" 2>/dev/null || break
		sleep 0.02
	done
	grep -q '^ready' "$out" && child=$(pgrep -P "$kp" | head -n1) && [ -n "$child" ] && return 0
	# Not ready: the kit is stopped here, or it would go on holding what it
	# holds (an --ip) and fail every later run that needs it, in this soak
	# and the next.
	kill -TERM "$kp" 2>/dev/null || true
	for i in $(seq 100); do kill -0 "$kp" 2>/dev/null || break; sleep 0.02; done
	pkill -KILL -P "$kp" 2>/dev/null || true
	kill -KILL "$kp" 2>/dev/null || true
	wait "$kp" 2>/dev/null || true
	return 1
}

# The kit's and COMMAND's open descriptors, for the growth check.
count_fds() {
	record "fd $1 kit $(find /proc/"$kp"/fd -mindepth 1 2>/dev/null | wc -l)"
	record "fd $1 command $(sed -n 's/^ready //p' "$2")"
}

# Waits for the kit, at most 20 s: then its container is killed (the kit still
# cleans up) and the run counts as wrong.
bg_end() {
	local i
	for i in $(seq 1000); do kill -0 "$kp" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$kp" 2>/dev/null; then
		pkill -KILL -P "$kp" || true
		wait "$kp" || true
		got="hung"
		return
	fi
	got=0
	wait "$kp" || got=$?
}

sc_exit0() { want='^0$'; got=0; kit -- true >/dev/null 2>&1 || got=$?; }
sc_exit7() { want='^7$'; got=0; kit -- sh -c 'exit 7' >/dev/null 2>&1 || got=$?; }
sc_not_found() { want='^127$'; got=0; kit -- /no/such/command >/dev/null 2>&1 || got=$?; }
sc_not_executable() { want='^126$'; got=0; kit -- /etc/passwd >/dev/null 2>&1 || got=$?; }

sc_command_sigkill() {
	want='^137$'
	bg_start "$1" -- sh -c "$LOOP" || { got="not-ready"; return; }
	kill -KILL "$child" || true
	bg_end
}

# kit_signal SCENARIO SIGNAL STATUS OUT: the kit forwards SIGNAL; COMMAND's trap exits STATUS.
kit_signal() {
	want="^$3\$"
	bg_start "$4" -- sh -c "$LOOP" || { got="not-ready"; return; }
	count_fds "$1" "$4"
	kill "-$2" "$kp" || true
	bg_end
}
sc_kit_sigterm() { kit_signal kit_sigterm TERM 42 "$1"; }
sc_kit_sigint() { kit_signal kit_sigint INT 43 "$1"; }

# TERM at 0-29 ms, racing the setup: caught during setup, setup undone (143);
# after COMMAND's trap (42); between the two, PID 1 ignores it (step02+: 5),
# or it kills COMMAND (step01, no PID namespace: 143).
sc_kit_sigterm_early() {
	want='^(143|42|5)$'
	"$prog" "${opts[@]}" -- sh -c 'trap "exit 42" TERM; sleep 0.2; exit 5' </dev/null >"$1" 2>&1 &
	kp=$!
	sleep "0.0$(printf %02d $(($2 % 30)))"
	kill -TERM "$kp" 2>/dev/null || true
	bg_end
}

sc_bad_rootfs() { want='^125$'; got=0; timeout -k 5 30 "$prog" --rootfs /no/such/rootfs -- true >/dev/null 2>&1 || got=$?; }
sc_bad_limit() { want='^125$'; got=0; kit --memory 1x -- true >/dev/null 2>&1 || got=$?; }
# Valid, but refused by the kernel when written: after the cgroup exists.
sc_limit_refused() { want='^125$'; got=0; kit --cpuset-cpus 4095 -- true >/dev/null 2>&1 || got=$?; }
sc_bad_layer() { want='^125$'; got=0; kit --layer /no/such/layer -- true >/dev/null 2>&1 || got=$?; }
# Refused by the overlay mount in the child: veth, cgroup and dirs exist by then.
sc_layer_unreachable() {
	want='^125$'; got=0
	kit --layer "$work/private/layer" -- true >/dev/null 2>&1 || got=$?
}
sc_bad_ip() { want='^125$'; got=0; kit --ip "$net.1" -- true >/dev/null 2>&1 || got=$?; }
# Refused after the address is locked: its release is what is checked.
sc_subnet_mismatch() { want='^125$'; got=0; kit --subnet "$other_subnet" -- true >/dev/null 2>&1 || got=$?; }

# Worker w's own address: taken by one container, refused to a second.
sc_ip_in_use() {
	local ip=$net.$((200 + $3)) refused=0
	want='^refused=125,holder=42$'
	bg_start "$1" --ip "$ip" -- sh -c "$LOOP" || { got="not-ready"; return; }
	kit --ip "$ip" -- true >/dev/null 2>&1 || refused=$?
	kill -TERM "$kp" || true
	bg_end
	got="refused=$refused,holder=$got"
}

# --- the lifecycle (step08+): the runtime's commands on a bundle -------------------------

rt() { local rc=0; "$prog" "$@" </dev/null >/dev/null 2>&1 || rc=$?; echo "$rc"; }
rt_status() { "$prog" state "$1" 2>/dev/null | jq -r .status 2>/dev/null || echo gone; }
wait_status() {
	local i
	for i in $(seq 250); do
		[ "$(rt_status "$1")" = "$2" ] && { echo "$2"; return; }
		sleep 0.02
	done
	rt_status "$1"
}
wait_ready() {
	local i
	for i in $(seq 250); do grep -q '^ready' "$1" && return 0; sleep 0.02; done
	return 1
}

sc_lc_create_start_kill_delete() {
	local id=soak$$-$2 s
	want='^create=0,created,start=0,ready,kill=0,stopped,delete=0,gone$'
	s=0; "$prog" create --bundle "$work/bundle-loop" "$id" </dev/null >"$1" 2>&1 || s=$?
	got="create=$s,$(rt_status "$id"),start=$(rt start "$id")"
	wait_ready "$1" && got+=",ready" || got+=",not-ready"
	# The monitor: not the init's parent (create leaves the init to its caller, as runc).
	kp=$(jq -r '.kit.monitor // empty' "/run/container-kit/runtime/$id/state.json" 2>/dev/null) || true
	[ -n "$kp" ] && count_fds lifecycle_monitor "$1"
	got+=",kill=$(rt kill "$id" TERM),$(wait_status "$id" stopped),delete=$(rt delete "$id"),$(rt_status "$id")"
}

sc_lc_create_delete() {
	local id=soak$$-$2 s
	want='^create=0,created,delete=0,gone$'
	s=0; "$prog" create --bundle "$work/bundle-loop" "$id" </dev/null >"$1" 2>&1 || s=$?
	got="create=$s,$(rt_status "$id"),delete=$(rt delete "$id"),$(rt_status "$id")"
}

sc_lc_delete_force() {
	local id=soak$$-$2 s
	want='^create=0,start=0,ready,delete=0,gone$'
	s=0; "$prog" create --bundle "$work/bundle-loop" "$id" </dev/null >"$1" 2>&1 || s=$?
	got="create=$s,start=$(rt start "$id")"
	wait_ready "$1" && got+=",ready" || got+=",not-ready"
	got+=",delete=$(rt delete --force "$id"),$(rt_status "$id")"
}

sc_lc_run() {
	local id=soak$$-$2 s=0
	want='^run=3,gone$'
	"$prog" run --bundle "$work/bundle-exit3" "$id" </dev/null >"$1" 2>&1 || s=$?
	got="run=$s,$(rt_status "$id")"
}

scenarios=(exit0 exit7 not_found not_executable command_sigkill kit_sigterm kit_sigint kit_sigterm_early)
[ "$n" -ge 3 ] && scenarios+=(bad_rootfs)
[ "$n" -ge 4 ] && scenarios+=(bad_ip subnet_mismatch ip_in_use)
[ "$n" -ge 6 ] && scenarios+=(bad_limit limit_refused)
[ "$n" -ge 7 ] && scenarios+=(bad_layer layer_unreachable)
[ "$n" -ge 8 ] && scenarios+=(lc_create_start_kill_delete lc_create_delete lc_delete_force lc_run)

# --- the host's state ---------------------------------------------------------------------

host_ns() { readlink /proc/$$/ns/{pid,net,mnt,uts,ipc,user,cgroup} | tr "\n" " "; }
HOST_NS=$(host_ns)

# One line per fact, prefixed by its kind; what is new afterwards leaked.
snapshot() {
	awk '{ print "mount", $5, $9 }' /proc/self/mountinfo
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/container-kit*' -printf 'cgroup %p\n'
	ip -o link show | sed -E 's/^[0-9]+: ([^:@]+).*/link \1/' | grep -vx 'link kit0'
	ip netns list | sed 's/^/netns /'
	find /run/container-kit -mindepth 1 -printf 'state %p\n' 2>/dev/null
	local pid exe ns
	for pid in /proc/[0-9]*; do
		pid=${pid#/proc/}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		ns=$(readlink /proc/"$pid"/ns/{pid,net,mnt,uts,ipc,user,cgroup} 2>/dev/null | tr '\n' ' ') || continue
		if [ "$exe" = "$prog_exe" ] || [ "$ns" != "$HOST_NS" ]; then
			echo "process $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-60)"
		fi
	done
}

# --- setup --------------------------------------------------------------------------------

mkdir -p "$work/private/layer"
chmod 700 "$work/private"  # container root (host uid 1000000) cannot reach the layer
had_kit0=false
ip link show kit0 >/dev/null 2>&1 && had_kit0=true
if [ "$n" -ge 4 ]; then
	# One bridge run first: kit0 exists from now on, so its subnet is known.
	kit -- true >/dev/null 2>&1 || { echo "soak.sh: a first bridge run failed: $(kit -- true 2>&1)" >&2; exit 1; }
	cidr=$(ip -4 -o addr show kit0 | awk '{ print $4 }' | head -n1)
	[ "${cidr#*/}" = 24 ] || { echo "soak.sh: kit0 has $cidr; the soak knows /24 subnets only" >&2; exit 1; }
	net=${cidr%.*}
	export KIT_SUBNET=$net.0/24
	other_subnet=10.98.0.0/24
	[ "$net" = 10.98.0 ] && other_subnet=10.97.0.0/24
fi
if [ "$n" -ge 8 ]; then
	for b in loop exit3; do
		mkdir -p "$work/bundle-$b"
		(cd "$work/bundle-$b" && "$prog" spec)
	done
	jq --arg r "$rootfs" --arg loop "$LOOP" '.root.path = $r | .process.args = ["sh", "-c", $loop]' \
		"$work/bundle-loop/config.json" >"$work/c" && mv "$work/c" "$work/bundle-loop/config.json"
	jq --arg r "$rootfs" '.root.path = $r | .process.args = ["sh", "-c", "exit 3"]' \
		"$work/bundle-exit3/config.json" >"$work/c" && mv "$work/c" "$work/bundle-exit3/config.json"
fi
snapshot | sort >"$work/before"

# Interrupted (or a worker failed): no container of this soak may outlive it.
# Only this program's processes started since the snapshot: under the host
# lock, every one of them is the soak's.
stop_leftover_kits() {
	local pid
	for pid in $(find /proc/[0-9]*/exe -maxdepth 0 -lname "$prog_exe" 2>/dev/null | cut -d/ -f3); do
		grep -q "^process $pid " "$work/before" && continue
		kill -TERM "$pid" 2>/dev/null || true
		pkill -KILL -P "$pid" 2>/dev/null || true
	done
}
trap 'stop_leftover_kits' EXIT
trap 'exit 130' INT TERM

# --- the runs -----------------------------------------------------------------------------

worker() {
	local w=$1 i sc start
	for ((i = w; i < runs; i += jobs)); do
		sc=${scenarios[i % ${#scenarios[@]}]}
		got='' want=''
		start=$(date +%s%N)
		"sc_$sc" "$work/out-$w" "$i" "$w"
		if [[ "$got" =~ $want ]]; then
			record "run $sc ok $got $(( ($(date +%s%N) - start) / 1000000 ))"
		else
			record "run $sc WRONG $got $(( ($(date +%s%N) - start) / 1000000 ))"
			echo "soak: run $i, $sc: got $got, want $want; its output:" >&2
			sed 's/^/    /' "$work/out-$w" >&2
		fi
	done
}

echo "soak: $runs runs of ${prog#"$top"/}, $jobs in parallel, ${#scenarios[@]} scenarios"
t0=$(date +%s%N)
pids=()
for ((w = 0; w < jobs; w++)); do worker "$w" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

# Leftovers of a dying container (its cgroup, its veth) are gone when its kit
# has exited; give the kernel a moment for the asynchronous parts (netns teardown).
for i in $(seq 50); do
	snapshot | sort >"$work/after"
	comm -13 "$work/before" "$work/after" >"$work/leaked"
	[ -s "$work/leaked" ] || break
	sleep 0.1
done
comm -23 "$work/before" "$work/after" >"$work/gone"

# --- the report ---------------------------------------------------------------------------

status=0
printf '\n%-28s %5s %5s %6s %8s  %s\n' scenario runs ok wrong "ms(med)" "outcomes"
for sc in "${scenarios[@]}"; do
	awk -v sc="$sc" '$1 == "run" && $2 == sc' "$results" >"$work/sc"
	total=$(wc -l <"$work/sc")
	ok=$(awk '$3 == "ok"' "$work/sc" | wc -l)
	med=$(awk '{ print $5 }' "$work/sc" | sort -n | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }')
	outcomes=$(awk '{ print $4 }' "$work/sc" | sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')
	printf '%-28s %5d %5d %6d %8s  %s\n' "$sc" "$total" "$ok" "$((total - ok))" "$med" "$outcomes"
	[ "$ok" -eq "$total" ] || status=1
done
done_runs=$(grep -c '^run ' "$results" || true)
[ "$done_runs" -eq "$runs" ] || { echo "soak: only $done_runs of $runs runs reported" >&2; status=1; }

echo
echo "descriptors (open fds; the same count in every run of a scenario, or growth; COMMAND's: 4):"
while read -r what; do
	values=$(awk -v w="$what" '$1 == "fd" && $2 " " $3 == w { print $4 }' "$results" | sort -n | uniq -c |
		awk '{ printf "%s%s (x%d)", (NR > 1 ? ", " : ""), $2, $1 }')
	distinct=$(awk -v w="$what" '$1 == "fd" && $2 " " $3 == w { print $4 }' "$results" | sort -u | wc -l)
	flag=ok
	[ "$distinct" -eq 1 ] || { flag=VARIES; status=1; }
	# COMMAND's: 0, 1, 2 and ls's own directory; more is a descriptor the kit let through.
	counts=$(awk -v w="$what" '$1 == "fd" && $2 " " $3 == w { print $4 }' "$results" | sort -un | tr '\n' ' ')
	if [ "${what#* }" = command ] && [ "$counts" != "4 " ]; then flag="NOT 4"; status=1; fi
	printf '  %-34s %-22s %s\n' "$what" "$values" "$flag"
done < <(awk '$1 == "fd" { print $2, $3 }' "$results" | sort -u)

echo
echo "left behind (new since the start; kit0 excepted, the kit's bridge):"
for kind in mount cgroup link netns state process; do
	count=$(awk -v k="$kind" '$1 == k' "$work/leaked" | wc -l)
	printf '  %-10s %d\n' "$kind" "$count"
	[ "$count" -eq 0 ] || { awk -v k="$kind" '$1 == k { print "      " $0 }' "$work/leaked"; status=1; }
done
if ! $had_kit0 && [ "$n" -ge 4 ]; then
	"$prog" --reset-host || status=1
	ip link show kit0 >/dev/null 2>&1 && { echo "soak: kit0 is still there after --reset-host" >&2; status=1; }
	echo "  (kit0 was not there before: --reset-host removed it)"
fi
echo
echo "soak: $done_runs runs in $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s," \
	"$(grep -c '^run .* WRONG ' "$results" || true) wrong exit codes," \
	"$(wc -l <"$work/leaked") leftovers: $([ "$status" -eq 0 ] && echo PASS || echo FAIL)"
trap - EXIT
[ "$status" -ne 0 ] || rm -rf "$work"
[ "$status" -eq 0 ] || echo "soak: kept $work for a look" >&2
exit "$status"
