#!/usr/bin/env bash
# demo.sh - the instructor's tour: every built step once, each showing its
# layer from the host and from inside the container, side by side.
#
#   sudo make demo              (builds the steps, the rootfs and the probes first)
#   sudo scripts/demo.sh        (when everything is built)
#   PAUSE=1 scripts/demo.sh     wait for Enter between steps
#   DEMO_STEPS="04 06" scripts/demo.sh   only these steps
#
# Runs to the end without input; colour only when stdout is a terminal. Every
# command is printed before its output, so it can be typed again by hand.
# Leaves the host as it found it: a trap ends the demo's containers, removes
# its temporary directories, and removes kit0 and /run/container-kit again if
# they were not there before the demo. Needs root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rootfs=$top/rootfs
probes=/usr/local/bin                 # tests/tools/bin, as installed by make test-tools
if [ -t 1 ]; then
	bold=$'\e[1m' dim=$'\e[2m' blue=$'\e[34m' off=$'\e[0m'
else
	bold='' dim='' blue='' off=''
fi
width=38                              # one column; two fit an 80-column terminal
exec 3>&1                             # commands are shown on fd 3, even inside $(...)

# --- what the demo must undo, recorded before it starts ---------------------

tmp=''                # the demo's own temporary directory
bg_pid=''             # the kit of a background container, while one runs
bg_child=''           # that container's first process
runtime_root=''       # step08's --root, while a lifecycle demo runs
had_kit0=false
had_state_dir=false

# The kits of this checkout still running (a container's own processes run
# COMMAND, not the kit, so they are not listed).
kit_processes() {
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$top/step[0-9][0-9]_*/container" 2>/dev/null
	return 0
}

cleanup() {
	local status=$? i
	set +e
	trap - EXIT INT TERM
	if [ -n "$bg_pid" ]; then bg_stop; fi
	if [ -n "$runtime_root" ] && [ -d "$runtime_root/demo" ]; then
		"$top/step08_runtime/container" --root "$runtime_root" delete --force demo >/dev/null 2>&1
	fi
	# Interrupted, a kit may still be undoing its container: let it finish.
	for i in $(seq 100); do
		[ -z "$(kit_processes)" ] && break
		sleep 0.1
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
	# kit0, its NAT table and ip_forward: only if the demo brought them.
	if ! $had_kit0 && ip link show kit0 >/dev/null 2>&1; then
		for i in 09_security 08_runtime 07_overlay 06_cgroups 05_user 04_net; do
			if [ -x "$top/step$i/container" ]; then
				"$top/step$i/container" --reset-host || echo "demo: could not remove kit0" >&2
				break
			fi
		done
	fi
	# The kit's state directory keeps empty dirs and lock files between runs.
	if ! $had_state_dir && [ -d /run/container-kit ]; then
		find /run/container-kit -depth \( -type d -empty -o -type f -name .lock \) -delete
		[ -d /run/container-kit ] && echo "demo: left in /run/container-kit: $(find /run/container-kit -mindepth 1)" >&2
	fi
	exit "$status"
}

# --- printing -----------------------------------------------------------------

title() {
	if [ "${PAUSE:-0}" = 1 ] && [ "$shown" -gt 0 ]; then
		read -r -p "(Enter for the next step) " _ || true
	fi
	shown=$((shown + 1))
	printf '\n%s%s== %s ==%s\n' "$bold" "$blue" "$1" "$off"
	shift
	printf '%s\n' "$@"
}
note() { printf '%s-> %s%s\n' "$bold" "$*" "$off"; }

# Words as a shell would need them typed: quoted only when they must be.
quote() {
	local a out=''
	for a; do
		if [[ $a =~ ^[][A-Za-z0-9_./:=,@%+-]+$ ]]; then out+="$a "
		else out+="'${a//\'/\'\\\'\'}' "; fi
	done
	printf '%s' "${out% }"
}

# columns LEFT-TEXT RIGHT-TEXT [LEFT-HEAD RIGHT-HEAD]: two texts side by side.
columns() {
	printf '%s%-*s | %s%s\n' "$bold" "$width" "${3:-on the host}" "${4:-in the container}" "$off"
	paste -d '\n' <(printf '%s\n' "$1") <(printf '%s\n' "$2") |
		awk -v w="$width" 'NR % 2 { l = substr($0, 1, w); next }
		                   { printf "%-*s | %s\n", w, l, substr($0, 1, w + 2) }'
}

# --- running ------------------------------------------------------------------

# host SCRIPT: runs SCRIPT on the host, shown first.
host() {
	printf '%s     host$ %s%s\n' "$dim" "$1" "$off" >&3
	bash -c "$1" 2>&1
}

# kit STEP ARGS...: runs STEP's program with ARGS, shown first; output and
# exit status are the program's. Callers capture its output before filtering
# it: a kit piped into a filter that Ctrl-C killed would die of SIGPIPE in
# its cleanup and leave its cgroup behind.
kit() {
	local step=$1
	shift
	printf '%scontainer$ %s/container %s%s\n' "$dim" "$step" "$(quote "$@")" "$off" >&3
	"$top/$step/container" "$@" </dev/null 2>&1
}

# bg_start STEP ARGS...: a container in the background. Its COMMAND prints
# what it wants, then "ready", then waits on stdin: a FIFO this script holds
# on fd 7. bg_stop closes fd 7, so the container ends by itself and the kit
# undoes its setup as on any exit.
bg_start() {
	local step=$1 i
	shift
	printf '%scontainer$ %s/container %s &%s\n' "$dim" "$step" "$(quote "$@")" "$off"
	rm -f "$tmp/ctl"
	mkfifo "$tmp/ctl"
	"$top/$step/container" "$@" <"$tmp/ctl" >"$tmp/bg.out" 2>&1 &
	bg_pid=$!
	exec 7>"$tmp/ctl"
	for i in $(seq 100); do
		grep -q '^ready$' "$tmp/bg.out" 2>/dev/null && break
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready$' "$tmp/bg.out"; then
		cat "$tmp/bg.out" >&2
		echo "demo: the background container did not start" >&2
		exit 1
	fi
	bg_child=$(pgrep -P "$bg_pid" | head -n1)
}

# What the background container printed before "ready".
bg_output() { sed '/^ready$/,$d' "$tmp/bg.out"; }

bg_stop() {
	local i
	exec 7>&-
	for i in $(seq 50); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$bg_pid" 2>/dev/null; then
		# COMMAND did not end at EOF: kill the container's first process, the
		# kit still cleans up after it.
		kill -KILL $(pgrep -P "$bg_pid") 2>/dev/null || true
	fi
	wait "$bg_pid" 2>/dev/null || true
	bg_pid='' bg_child=''
}

built() { [ -x "$top/$1/container" ]; }
have_probe() { [ -x "$rootfs$probes/$1" ]; }

# The container's cgroup directory for CONTROLLER, as the host sees it.
cgroup_dir() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "/sys/fs/cgroup/container-kit/c$2"
	else
		echo "/sys/fs/cgroup/$1/container-kit/c$2"
	fi
}

# --- the steps ------------------------------------------------------------------

demo_step01() {
	title "step01_uts: a UTS namespace - chapter 2.2 (unshare --uts), 2.4" \
		"The container gets its own hostname. Nothing else is isolated yet: the PID namespace is the host's."
	local in out
	in=$(kit step01_uts --hostname demo-box -- sh -c \
		'echo "kernel: $(uname -r)"; echo "hostname: $(hostname)"; echo "uts: $(readlink /proc/self/ns/uts)"; echo "pid: $(readlink /proc/self/ns/pid)"; hostname renamed-inside; echo "after rename: $(hostname)"')
	out=$(host 'echo "kernel: $(uname -r)"; echo "hostname: $(hostname)"; echo "uts: $(readlink /proc/self/ns/uts)"; echo "pid: $(readlink /proc/self/ns/pid)"; echo "after rename: $(hostname)"')
	columns "$out" "$in"
	note "one kernel (chapter 1.1); a new uts namespace, the host's pid one; the host kept its name"
}

demo_step02() {
	title "step02_pid: + a PID namespace - chapter 2.2 (unshare --pid --fork)" \
		"COMMAND is PID 1 of a new PID namespace. /proc is still the host's: step03 fixes that."
	local in out
	in=$(kit step02_pid -- sh -c \
		'echo "my PID: $$"; echo "pid: $(readlink /proc/self/ns/pid)"; echo "PIDs in /proc: $(ls -d /proc/[0-9]* | wc -l)"')
	out=$(host 'echo "my PID: $$"; echo "pid: $(readlink /proc/self/ns/pid)"; echo "PIDs in /proc: $(ls -d /proc/[0-9]* | wc -l)"')
	columns "$out" "$in"
	bg_start step02_pid -- sh -c 'echo ready; read _'
	host "grep NSpid /proc/$bg_child/status"
	bg_stop
	note "one process, two PIDs: the host's, then 1 in the container's namespace"
}

demo_step03() {
	title "step03_mount: + a mount namespace, pivot_root into rootfs/ - chapter 2.2 (unshare --mount), 5.2" \
		"The container has its own mount table, its own / and a fresh /proc."
	local in out marker
	in=$(kit step03_mount -- sh -c \
		'mount -t tmpfs kit-demo /tmp; echo "processes: $(ps | tail -n +2 | wc -l)"; echo "mounts: $(wc -l </proc/self/mounts)"; echo "kit-demo mounts: $(grep -c "^kit-demo " /proc/self/mounts)"; echo "/: $(ls / | tr "\n" " ")"')
	out=$(host 'echo "processes: $(ps -e | tail -n +2 | wc -l)"; echo "mounts: $(wc -l </proc/self/mounts)"; echo "kit-demo mounts: $(grep -c "^kit-demo " /proc/self/mounts)"; echo "/: $(ls / | tr "\n" " ")"')
	columns "$out" "$in"
	note "the tmpfs mounted inside (kit-demo) is not in the host's mount table"
	if have_probe chroot_escape; then
		marker=$tmp/host-secret
		echo "a host file outside the rootfs" >"$marker"
		out=$(host "chroot $rootfs $probes/chroot_escape $marker" || true)
		in=$(kit step03_mount -- "$probes/chroot_escape" "$marker" || true)
		columns "$out" "$in" "plain chroot on the host" "the container (pivot_root)"
		note "the double-chroot breakout climbs out of chroot(2), not out of pivot_root + detach"
	fi
}

demo_step04() {
	title "step04_net: + a network namespace, veth + bridge kit0 - chapter 1.2, 2.2 (unshare --net)" \
		"The container has its own links, addresses and routes; a veth pair cables it to the host's bridge."
	local in out addr veth
	in=$(kit step04_net --net none -- sh -c 'echo "links: $(ls /sys/class/net | tr "\n" " ")"')
	out=$(host 'echo "links: $(ls /sys/class/net | tr "\n" " ")"')
	columns "$out" "$in" "on the host" "in the container, --net none"
	bg_start step04_net -- sh -c \
		'echo "links: $(ls /sys/class/net | tr "\n" " ")"; ip -o -4 addr show eth0 | awk "{ print \"eth0: \" \$4 }"; ip route | awk "/default/ { print \"route: default via \" \$3 }"; gw=$(ip route | awk "/default/ { print \$3 }"); ping -c1 -W2 "$gw" >/dev/null && echo "ping $gw: answered"; echo ready; read _'
	in=$(bg_output)
	addr=$(sed -n 's|^eth0: \(.*\)/.*|\1|p' <<<"$in")
	veth=kitv$bg_child                # net.c names the host end after the container's PID
	out=$(host "echo \"kit0: \$(ip -o -4 addr show kit0 | awk '{ print \$4 }')\"; echo \"on kit0: \$(ip -o link show master kit0 | grep -o '$veth@[^:]*')\"; busybox ping -c1 -W2 $addr >/dev/null && echo \"ping $addr: answered\"")
	columns "$out" "$in" "on the host" "in the container, --net bridge"
	bg_stop
	host "ip link show $veth || true"
	note "the container pinged the bridge and the host pinged the container; its veth went with it"
}

demo_step05() {
	title "step05_user: + a user namespace - chapter 2.2 (unshare --user --map-root-user), 5.4" \
		"Root inside is host uid 1000000 outside: uid_map translates ids at the namespace's edge."
	local in out
	in=$(kit step05_user --net none -- sh -c \
		'echo "id: $(id)"; echo "uid_map:" $(cat /proc/self/uid_map); echo "busybox owner: $(stat -c %u:%g /bin/busybox)"')
	out=$(host "echo \"id: \$(id -u) \$(id -g)\"; echo uid_map: \$(cat /proc/self/uid_map); echo \"busybox owner: \$(stat -c %u:%g $rootfs/bin/busybox)\"")
	columns "$out" "$in"
	bg_start step05_user --net none -- sh -c 'mount -t tmpfs kit-demo /tmp && touch /tmp/made-inside && echo ready; read _'
	host "ps -o user=,pid=,comm= -p $bg_child; stat -c '%u:%g %n' /proc/$bg_child/root/tmp/made-inside"
	bg_stop
	note "the host sees container root as uid 1000000, and the files it makes as 1000000's"
}

demo_step06() {
	title "step06_cgroups: + cgroup limits and a cgroup namespace - chapter 3, exercise 2" \
		"docker run's limit flags become files in the container's own cgroup, container-kit/c<PID>."
	local in out mem cpu pids
	bg_start step06_cgroups --net none --memory 64m --cpus 0.5 --pids-limit 20 -- sh -c \
		'grep -E ":(memory|pids|cpu,cpuacct|):" /proc/self/cgroup; echo ready; read _'
	in=$(bg_output)
	out=$(host "grep -E ':(memory|pids|cpu,cpuacct|):' /proc/$bg_child/cgroup")
	columns "$out" "$in" "/proc/$bg_child/cgroup" "/proc/self/cgroup (cgroup namespace)"
	mem=$(cgroup_dir memory "$bg_child") cpu=$(cgroup_dir cpu "$bg_child") pids=$(cgroup_dir pids "$bg_child")
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		host "cd $mem && grep -H . memory.max memory.current cpu.max pids.max cgroup.procs"
	else
		host "cd /sys/fs/cgroup && grep -H . ${mem#/sys/fs/cgroup/}/memory.limit_in_bytes ${mem#/sys/fs/cgroup/}/memory.usage_in_bytes ${cpu#/sys/fs/cgroup/}/cpu.cfs_quota_us ${cpu#/sys/fs/cgroup/}/cpu.cfs_period_us ${pids#/sys/fs/cgroup/}/pids.max ${pids#/sys/fs/cgroup/}/cgroup.procs"
	fi
	bg_stop
	if ! have_probe memhog; then
		note "no probes in the rootfs (make test-tools): skipping the workloads"
		return
	fi
	echo "A memory hog under --memory 32m: 16 MiB fit, 64 MiB do not."
	kit step06_cgroups --net none --memory 32m --memory-swap 32m -- "$probes/memhog" 16
	local status=0
	out=$(kit step06_cgroups --net none --memory 32m --memory-swap 32m --stats -- "$probes/memhog" 64) || status=$?
	grep -v 'n/a' <<<"$out" || true
	echo "exit status: $status"
	note "137 = 128 + SIGKILL: the kernel's OOM killer ended it inside its cgroup, nothing else"
	echo "A fork bomb under --pids-limit 20, read from the host's cgroup files while it runs:"
	bg_start step06_cgroups --net none --pids-limit 20 -- sh -c "$probes/forkbomb & echo ready; read _"
	sleep 1
	pids=$(cgroup_dir pids "$bg_child")
	host "cat $pids/pids.current $pids/pids.max; echo \"the host still forks: \$(sh -c 'echo yes')\""
	bg_stop
	echo "A busy loop for 1 s under --cpus 0.25:"
	out=$(kit step06_cgroups --net none --cpus 0.25 --stats -- sh -c 'timeout 1 sh -c "while :; do :; done"; true')
	grep -E 'cpu time|throttled' <<<"$out" || true
	note "0.25 CPU: about a quarter of the second ran, the rest was throttled; each cgroup is gone after its run"
}

demo_step07() {
	title "step07_overlay: + an OverlayFS root, copy-on-write - chapter 4, 5.2" \
		"The rootfs is a read-only lower layer; the container writes to its own upper layer (--upper DIR keeps it)."
	local in out up
	up=$tmp/overlay
	mkdir -m 755 "$up"
	in=$(kit step07_overlay --net none --upper "$up/upper" -- sh -c \
		'echo new >/new-file; echo "# changed" >>/etc/group; rm /etc/hosts; echo "root fs: $(awk "\$2 == \"/\" { print \$1 }" /proc/self/mounts)"; echo "/new-file: $(cat /new-file)"; echo "/etc/group: $(tail -n1 /etc/group)"; echo "/etc/hosts: $(ls /etc/hosts 2>&1 | grep -o "No such.*")"')
	out=$(host "cd $up/upper && echo \"new-file: \$(cat new-file)\"; echo \"etc/group: \$(tail -n1 etc/group)\"; echo \"etc/hosts: \$(stat -c '%A %t,%T' etc/hosts)\"; echo \"rootfs group: \$(tail -n1 $rootfs/etc/group)\"; ls $rootfs/etc/hosts >/dev/null && echo \"rootfs etc/hosts: still there\"")
	columns "$out" "$in" "the upper dir, on the host" "in the container"
	note "new file: in upper; changed file: copied up; deleted file: a whiteout (char 0,0); rootfs/ untouched"
}

# state_of ID JQ-FILTER: the container's OCI state, filtered. Captured first:
# a kit writing into a pipe whose reader died would die of SIGPIPE.
state_of() {
	local json
	json=$(kit step08_runtime --root "$runtime_root" state "$1")
	jq -c "$2" <<<"$json"
}

demo_step08() {
	title "step08_runtime: + the OCI runtime - chapter 5.1, 5.3 (runc), 2.3 (nsenter)" \
		"A bundle (config.json + rootfs) and a lifecycle: create, start, state, exec, kill, delete."
	local bundle pid i in out
	bundle=$tmp/bundle
	runtime_root=$tmp/state
	mkdir -p "$bundle"
	host "cd $bundle && $top/step08_runtime/container spec && jq -c '{root, hostname, args: .process.args}' config.json"
	jq '.process.args = ["sleep", "60"] | .hostname = "demo-box"' "$bundle/config.json" >"$bundle/c.json"
	mv "$bundle/c.json" "$bundle/config.json"
	kit step08_runtime --root "$runtime_root" create --bundle "$bundle" demo </dev/null >/dev/null 2>&1
	state_of demo '{id, status, pid}'
	pid=$(jq .pid "$runtime_root/demo/state.json")
	host "ps -o pid=,comm= -p $pid   # created: the init waits in open(exec.fifo), still the kit"
	kit step08_runtime --root "$runtime_root" start demo
	state_of demo '{id, status, pid}'
	host "ps -o pid=,comm= -p $pid   # started: the same process, now sleep"
	kit step08_runtime --root "$runtime_root" list
	in=$(kit step08_runtime --root "$runtime_root" exec demo sh -c \
		'echo "hostname: $(hostname)"; echo "PID 1: $(cat /proc/1/comm)"; for n in uts pid net; do echo "$n: $(readlink /proc/self/ns/$n)"; done')
	out=$(host "echo \"hostname: \$(hostname)\"; echo \"PID $pid: \$(cat /proc/$pid/comm)\"; for n in uts pid net; do echo \"\$n: \$(readlink /proc/$pid/ns/\$n)\"; done")
	columns "$out" "$in" "the host, looking at PID $pid" "exec in the container (nsenter)"
	kit step08_runtime --root "$runtime_root" kill demo KILL
	for i in $(seq 50); do
		[ "$(state_of demo .status 3>/dev/null)" = '"stopped"' ] && break
		sleep 0.1
	done
	state_of demo '{id, status}'
	kit step08_runtime --root "$runtime_root" delete demo
	kit step08_runtime --root "$runtime_root" list
	runtime_root=''
	note "the same bundle runs under runc: sudo runc run --bundle DIR ID"
}

demo_step09() {
	title "step09_security: + capabilities, seccomp, no_new_privs - chapter 6, exercise 4" \
		"Root inside keeps Docker's 14 capabilities and runs under a seccomp filter."
	local in out calls
	in=$(kit step09_security --net none -- grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status)
	out=$(host "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status")
	columns "$out" "$in"
	if command -v capsh >/dev/null; then
		host "capsh --decode=$(awk '/^CapEff/ { print $2 }' <<<"$in") | fold -w 78"
	fi
	if have_probe syscall_probe; then
		echo "The same system calls, without this layer (step08) and with it (step09):"
		calls=(mount unshare setns keyctl bpf ptrace_attach userfaultfd open_by_handle_at)
		out=$(kit step08_runtime --net none -- "$probes/syscall_probe" "${calls[@]}" || true)
		in=$(kit step09_security --net none -- "$probes/syscall_probe" "${calls[@]}" || true)
		columns "$out" "$in" "step08: the kernel answers" "step09: the filter says EPERM"
	fi
	echo "An escape attempt: a new user namespace, where root would get every capability again:"
	kit step09_security --net none -- unshare --user --map-root-user id || true
	echo "The chapter's 6.2 profile allows no execve, so the kit refuses it before starting:"
	kit step09_security --net none --security-opt "seccomp=$top/step09_security/tests/fixtures/chapter-6.2.json" -- true || echo "exit status: $?"
	note "EPERM from seccomp before the kernel looks; the full escape suite: make check STEP=09"
}

# --- main -------------------------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo): namespaces and cgroups need it" >&2; exit 1; }
[ -x "$rootfs/bin/sh" ] || { echo "demo: no rootfs: run make rootfs" >&2; exit 1; }
ip link show kit0 >/dev/null 2>&1 && had_kit0=true
[ -d /run/container-kit ] && had_state_dir=true
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tmp=$(mktemp -d /tmp/kit-demo.XXXXXX)
chmod 755 "$tmp"
shown=0
started=$(date +%s%N)
for step in step01_uts step02_pid step03_mount step04_net step05_user step06_cgroups \
	step07_overlay step08_runtime step09_security; do
	n=${step:4:2}
	if [ -n "${DEMO_STEPS:-}" ] && [[ " $DEMO_STEPS " != *" $n "* ]]; then continue; fi
	if ! built "$step"; then
		printf '\n%s: not built (make), skipped\n' "$step"
		continue
	fi
	"demo_${step%%_*}"
done
elapsed=$((($(date +%s%N) - started) / 100000000))
printf '\n%sdemo done in %d.%d s; the host is as it was before (containers, mounts, cgroups, links).%s\n' \
	"$bold" $((elapsed / 10)) $((elapsed % 10)) "$off"
