#!/usr/bin/env bash
# bench.sh - make bench: how fast the kit's programs start a container, next
# to runc, crun, unshare and a bare fork+exec, in one run on this machine and
# the kit's rootfs; then 10, 50 and 100 containers started at once.
#
#   tests/bench/bench.sh            (make bench builds what it needs first)
#   BENCH_RUNS=60 BENCH_WARMUP=5 BENCH_CONCURRENCY="10 50 100" tests/bench/bench.sh
#
# A benchmark, not a test: it prints numbers and says which targets they
# meet; it fails only when a run fails or something is left behind.
# Latency: benchtime (tests/bench/benchtime.c) runs every command's
# /bin/true start-to-exit, interleaved round by round so that noise hits all
# alike; median, p95, peak RSS, and ratios computed pair by pair.
# Everything goes to build/bench/ as well: report.txt, the raw samples.
# It starts containers: on a shared host, run it under the host lock.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/bench
runs=${BENCH_RUNS:-50}
warmup=${BENCH_WARMUP:-5}
concurrency=${BENCH_CONCURRENCY:-10 50 100}
rootfs=$top/rootfs
kit=$top/step09_security/container
timer=$out/benchtime
report=$out/report.txt

die() { echo "bench: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, cgroups, the bridge)"
[ -x "$rootfs/bin/true" ] || die "no rootfs: run make rootfs"
[ -x "$kit" ] || die "step09 is not built: run make"
[ -x "$timer" ] || die "$timer is not built: run make bench"
mkdir -p "$out"
: >"$report"
say() { echo "$*" | tee -a "$report"; }

# --- the machine ---------------------------------------------------------------

cgroup_mode() {
	case "$(stat -f -c %T /sys/fs/cgroup)" in
	cgroup2fs) echo "v2 (unified)" ;;
	tmpfs) if [ -d /sys/fs/cgroup/unified ]; then echo "hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)"; else echo v1; fi ;;
	*) echo unknown ;;
	esac
}
say "# make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), kernel $(uname -r), cgroup $(cgroup_mode), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "rootfs: $rootfs ($(du -sh "$rootfs" | cut -f1)); COMMAND /bin/true (busybox, static); $runs runs after $warmup warm-up, interleaved"

# --- runc and crun bundles: runc spec, the same rootfs, /bin/true ----------------

# bundle DIR NETNS(yes|no): `runc spec`'s defaults, root at the kit's rootfs.
bundle() {
	rm -rf "$1" && mkdir -p "$1"
	(cd "$1" && runc spec)
	local filter='.process.terminal = false | .root.path = $root | .process.args = ["/bin/true"]'
	[ "$2" = no ] && filter+=' | .linux.namespaces |= map(select(.type != "network"))'
	jq --arg root "$rootfs" "$filter" "$1/config.json" >"$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

# A run cut short leaves runc's and crun's state of these ids: gone before and after.
forget_containers() {
	local id
	for id in kit-bench-netns kit-bench-hostnet; do
		runc --root "$out/runc-state" delete --force "$id" >/dev/null 2>&1 || true
	done
	for id in kit-bench-crun kit-bench-crun-try; do
		crun --root "$out/crun-state" delete --force "$id" >/dev/null 2>&1 || true
	done
}
forget_containers
trap forget_containers EXIT

rows=()      # benchtime's ::: NAME CMD... groups
skipped=()   # lines for the report: what could not be measured, and why
add() { rows+=(::: "$@"); }

for s in "$top"/step0[1-8]_*/container; do
	name=$(basename "$(dirname "$s")")
	add "${name%%_*} (default)" "$s" /bin/true
done
add "step09 --net bridge (default)" "$kit" --net bridge /bin/true
add "step09 --net none" "$kit" --net none /bin/true

if command -v runc >/dev/null; then
	bundle "$out/bundle-netns" yes
	bundle "$out/bundle-hostnet" no
	add "runc run (netns, lo only)" "$(command -v runc)" --root "$out/runc-state" run --bundle "$out/bundle-netns" kit-bench-netns
	add "runc run (host network)" "$(command -v runc)" --root "$out/runc-state" run --bundle "$out/bundle-hostnet" kit-bench-hostnet
else
	skipped+=("runc: skipped: runc is not installed (tests/bench/packages.txt)")
fi

# crun refuses hybrid hosts when v2 has no controllers; one trial run says.
if ! command -v crun >/dev/null; then
	skipped+=("crun: skipped: crun is not installed (tests/bench/packages.txt)")
elif [ -d "$out/bundle-netns" ] &&
	why=$(crun --root "$out/crun-state" run --bundle "$out/bundle-netns" kit-bench-crun-try 2>&1 >/dev/null); then
	add "crun run (netns, lo only)" "$(command -v crun)" --root "$out/crun-state" run --bundle "$out/bundle-netns" kit-bench-crun
else
	crun --root "$out/crun-state" delete --force kit-bench-crun-try >/dev/null 2>&1 || true
	skipped+=("crun: skipped: ${why:-no runc bundle to try it on}")
fi

# The namespaces of step09 --net none (user uts ipc net pid mnt cgroup),
# with a fresh /proc in the rootfs, as the chapter does it by hand.
add "unshare (step09's namespaces)" "$(command -v unshare)" --user --map-root-user --uts --ipc --net \
	--pid --fork --mount --cgroup --root="$rootfs" --mount-proc=/proc /bin/true
add "fork+exec /bin/true (floor)" "$rootfs/bin/true"

# --- latency --------------------------------------------------------------------

# kit0 is the kit's bridge: it stays between containers (as docker0 does);
# if it is not there before the bench, the bench removes it afterwards.
kit0_before=$(ip -o link show kit0 >/dev/null 2>&1 && echo yes || echo no)

pairs=(-c "runc run (netns, lo only)/step09 --net none"
	-c "runc run (netns, lo only)/step09 --net bridge (default)"
	-c "step09 --net none/unshare (step09's namespaces)"
	-c "step09 --net bridge (default)/step09 --net none"
	-c "runc run (netns, lo only)/runc run (host network)"
	-c "unshare (step09's namespaces)/fork+exec /bin/true (floor)")
say ""
say "## start-to-exit latency of /bin/true"
status=0
"$timer" -n "$runs" -w "$warmup" -r "$out/latency.tsv" "${pairs[@]}" "${rows[@]}" | tee -a "$report" || status=1
for line in "${skipped[@]}"; do say "$line"; done

# --- where the time goes: the known costs, each measured against its absence ---

# An empty program linked with a library: what mapping it costs every start
# (the kit now loads libnftables and libsubid with dlopen() only when used).
empty_linked() {
	echo 'int main(void) { return 0; }' | cc -x c - -o "$out/empty-$1" -Wl,--no-as-needed "-l$1"
}
empty_linked nftables
empty_linked subid
empty_linked seccomp
empty_linked c  # libc alone
# step09 as it was before make compiled the default seccomp filter
# (precompiled_filter.c): a copy built with PRECOMPILED_FILTER=no.
runtime_filter=$out/step09-runtime-filter
rm -rf "$runtime_filter" && mkdir -p "$runtime_filter"
cp -r "$top"/step09_security/*.[ch] "$top"/step09_security/support "$top"/step09_security/Makefile "$runtime_filter/"
rm -f "$runtime_filter"/default_filter.h "$runtime_filter"/support/default_filter.h
make -s -C "$runtime_filter" PRECOMPILED_FILTER=no >/dev/null
say ""
say "## where the time goes: each cost against its absence, in one interleaved run"
# Each step adds one layer: step N against step N-1, all without a bridge
# (steps 01-03 have no network, 04-09 --net none), is what that layer costs.
layer_rows=() layer_pairs=() prev=""
for s in "$top"/step0[3-9]_*/container; do
	name=$(basename "$(dirname "$s")")
	row="${name%%_*} ${name#*_}"
	if [ "${name%%_*}" = step03 ]; then layer_rows+=(::: "$row" "$s" /bin/true)
	else layer_rows+=(::: "$row --net none" "$s" --net none /bin/true); row+=" --net none"; fi
	[ -n "$prev" ] && layer_pairs+=(-c "$row/$prev")
	prev=$row
done
"$timer" -n "$runs" -w "$warmup" -r "$out/parts.tsv" "${layer_pairs[@]}" \
	-c "step09 security --net none/step09 --net none, seccomp=unconfined" \
	-c "step09, filter built at the start --net none/step09 security --net none" \
	-c "empty program + libseccomp/empty program" \
	-c "unshare (step09's namespaces)/unshare (the same but --net)" \
	-c "empty program + libnftables/empty program" \
	-c "empty program + libsubid/empty program" \
	"${layer_rows[@]}" \
	::: "step09 --net none, seccomp=unconfined" "$kit" --net none --security-opt seccomp=unconfined /bin/true \
	::: "step09, filter built at the start --net none" "$runtime_filter/container" --rootfs "$rootfs" --net none /bin/true \
	::: "unshare (step09's namespaces)" "$(command -v unshare)" --user --map-root-user --uts --ipc --net \
		--pid --fork --mount --cgroup --root="$rootfs" --mount-proc=/proc /bin/true \
	::: "unshare (the same but --net)" "$(command -v unshare)" --user --map-root-user --uts --ipc \
		--pid --fork --mount --cgroup --root="$rootfs" --mount-proc=/proc /bin/true \
	::: "empty program" "$out/empty-c" \
	::: "empty program + libnftables" "$out/empty-nftables" \
	::: "empty program + libsubid" "$out/empty-subid" \
	::: "empty program + libseccomp" "$out/empty-seccomp" | tee -a "$report" || status=1

# The cgroup layer's cost (step06 against step05 above) is the move into the
# cgroup: on v1, writing another process's pid into cgroup.procs takes the
# global cgroup_threadgroup_rwsem for writing, which waits for an RCU grace
# period unless another move happened moments before. A single-threaded
# process moving itself ("0" into tasks) skips that lock. Both timed in a
# cgroup of the bench's own, after idle gaps so that each move starts cold.
attach_cost() {
	local d=/sys/fs/cgroup/memory/kit-bench-probe mode i p t0 t1 procs=() self=()
	if [ ! -e /sys/fs/cgroup/memory/tasks ]; then
		say "cgroup v1 attach: skipped: no v1 memory hierarchy at /sys/fs/cgroup/memory"
		return
	fi
	rmdir "$d" 2>/dev/null || true  # a run cut short
	mkdir "$d"
	for ((i = 0; i < 10; i++)); do
		sleep 0.1
		sleep 5 & p=$!
		t0=$EPOCHREALTIME; echo "$p" >"$d/cgroup.procs"; t1=$EPOCHREALTIME
		kill "$p"; { wait "$p"; } 2>/dev/null || true
		procs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 }')")
		sleep 0.1
		self+=("$(bash -c 't0=$EPOCHREALTIME; echo 0 >"$1/tasks"; t1=$EPOCHREALTIME; awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.2f\", (b - a) * 1000 }"' - "$d")")
	done
	for ((i = 0; i < 50; i++)); do rmdir "$d" 2>/dev/null && break; sleep 0.02; done
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
	say "cgroup v1 attach, cold, median of 10: another process's pid into cgroup.procs $(median "${procs[@]}") ms; a process moving itself (\"0\" into tasks) $(median "${self[@]}") ms"
}
attach_cost

# --- concurrency ------------------------------------------------------------------

# What a container could leave on the host: links, mounts, the kit's cgroups,
# its state directory, its NAT table, its processes.
host_state() {
	echo "## links"; ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
	echo "## mounts"; awk '{ print $5, $9 }' /proc/self/mountinfo | sort
	echo "## cgroups"; find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -path '*container-kit*' 2>/dev/null | sort
	echo "## /run/container-kit"; find /run/container-kit 2>/dev/null | sort
	echo "## nft tables"; nft list tables 2>/dev/null | sort
	echo "## processes"; { find /proc/[0-9]*/exe -maxdepth 0 -lname "$kit" 2>/dev/null || true; } | cut -d/ -f3
}

# concurrent N: N containers at once (memory and pids limits, bridge network),
# the wall time from the first start to the last exit, failures, leftovers.
concurrent() {
	local n=$1 dir=$out/concurrent-$1 i t0 t1 fails=0 pids=() left
	rm -rf "$dir" && mkdir -p "$dir"
	host_state >"$dir/before"
	t0=$(date +%s%N)
	for ((i = 0; i < n; i++)); do
		"$kit" --memory 64m --pids-limit 32 --net bridge /bin/true >/dev/null 2>"$dir/$i.err" &
		pids+=($!)
	done
	for ((i = 0; i < n; i++)); do wait "${pids[i]}" || fails=$((fails + 1)); done
	t1=$(date +%s%N)
	host_state >"$dir/after"
	left=$(diff "$dir/before" "$dir/after" | grep -c '^[<>]' || true)
	printf '%-4d at once: wall %7.1f ms (%5.1f ms per container), %d failed, %d things left behind\n' \
		"$n" "$(((t1 - t0) / 1000))e-3" "$(((t1 - t0) / n / 1000))e-3" "$fails" "$left" | tee -a "$report"
	if [ "$fails" -gt 0 ]; then
		say "  first failure: $(cat "$dir"/*.err | head -n1)"
		status=1
	fi
	if [ "$left" -gt 0 ]; then
		diff "$dir/before" "$dir/after" | grep '^[<>]' | head -n5 | sed 's/^/  left: /' | tee -a "$report"
		status=1
	fi
}

say ""
say "## containers started at once: step09 --memory 64m --pids-limit 32 --net bridge /bin/true"
"$kit" --net bridge /bin/true  # kit0 and the NAT table exist before the first snapshot
for n in $concurrency; do concurrent "$n"; done

[ "$kit0_before" = yes ] || "$kit" --reset-host >/dev/null

# --- the targets (tests/bench/README.md) ---------------------------------------------

ratio() { sed -n "s|^$1 / $2: \([0-9.]*\)x.*|\1|p" "$report" | head -n1; }
rss_mb() { grep -F -- "$1 " "$report" | head -n1 | awk '{ sub(/MB$/, "", $NF); print $NF }'; }
target() {  # target WHAT VALUE OP LIMIT UNIT
	local verdict=missed
	if [ -z "$2" ]; then verdict="not measured"
	elif awk -v v="$2" -v l="$4" "BEGIN { exit !(v $3 l) }"; then verdict=met; fi
	printf '%-58s %8s%s (target %s %s%s): %s\n' "$1" "${2:-?}" "$5" "$3" "$4" "$5" "$verdict" | tee -a "$report"
}
runc_netns="runc run (netns, lo only)"
say ""
say "## targets"
target "runc (netns) / step09 --net none" "$(ratio "$runc_netns" "step09 --net none")" ">=" 5 x
target "step09 --net none / unshare with the same namespaces" \
	"$(ratio "step09 --net none" "unshare (step09's namespaces)")" "<=" 2 x
target "runc (netns) / step09 --net bridge" "$(ratio "$runc_netns" "step09 --net bridge (default)")" ">=" 3 x
target "peak RSS, step09 --net none (tree: kit + container)" "$(rss_mb "step09 --net none")" "<=" 2 MB
target "peak RSS, step09 --net bridge" "$(rss_mb "step09 --net bridge (default)")" "<=" 2 MB
say "peak RSS, $runc_netns: $(rss_mb "$runc_netns") MB"
last=${concurrency##* }
line=$(grep -E "^$last +at once" "$report" || true)
verdict=missed
[[ "$line" == *" 0 failed, 0 things left behind"* ]] && verdict=met
say "$last containers at once, all succeed, nothing left behind: $verdict"
say ""
say "report: $report; raw samples: $out/latency.tsv, $out/parts.tsv"
exit "$status"
