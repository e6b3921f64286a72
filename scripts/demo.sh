#!/usr/bin/env bash
# demo.sh - every built step once, the host and the container side by side.
# PAUSE=1 waits for Enter between steps. Leaves nothing behind.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rootfs=$top/rootfs
if [ -t 1 ]; then bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'; else bold='' dim='' off=''; fi

title() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"; }
# side_by_side LABEL HOST-COMMAND CONTAINER-OUTPUT
side_by_side() {
	printf '%s$ %s%s\n' "$dim" "$2" "$off"
	printf '%s%-41s| %s%s\n' "$bold" "on the host" "in the container" "$off"
	paste -d'|' <(bash -c "$2" 2>&1 | cut -c1-40 | awk '{ printf "%-41s\n", $0 }') <(printf '%s\n' "$3") | sed 's/|/| /'
}
pause() { if [ "${PAUSE:-0}" = 1 ]; then read -r -p "(Enter for the next step) " _; fi; }
run() { local step=$1; shift; "$top/$step/container" "$@"; }
built() { [ -x "$top/$1/container" ]; }

demo_step01() {
	title "step01_uts: a UTS namespace (chapter 2.2, unshare --uts)"
	side_by_side uts "hostname; readlink /proc/self/ns/uts" \
		"$(run step01_uts --hostname demo-box -- sh -c 'hostname; readlink /proc/self/ns/uts')"
}

demo_step02() {
	title "step02_pid: + a PID namespace (chapter 2.2, unshare --pid --fork)"
	side_by_side pid 'echo "my PID: $$"; readlink /proc/self/ns/pid' \
		"$(run step02_pid -- sh -c 'echo "my PID: $$"; readlink /proc/self/ns/pid')"
	echo "...but /proc is still the host's: ps inside sees $(run step02_pid -- sh -c 'ls /proc | grep -c "^[0-9]"') processes"
}

demo_step03() {
	title "step03_mount: + a mount namespace and pivot_root (chapter 2.2, 5.2)"
	side_by_side mount 'ps -e | wc -l; wc -l </proc/self/mounts; echo $(ls /)' \
		"$(run step03_mount --rootfs "$rootfs" -- sh -c 'ps | wc -l; wc -l </proc/self/mounts; echo $(ls /)')"
}

demo_step04() {
	title "step04_net: + a network namespace, veth + bridge (chapter 2.2, unshare --net)"
	side_by_side net 'ip -o -4 addr show | awk "{ print \$2, \$4 }"' \
		"$(run step04_net --rootfs "$rootfs" -- sh -c 'ip -o -4 addr show | awk "{ print \$2, \$4 }"')"
	echo "--net none: $(run step04_net --rootfs "$rootfs" --net none -- sh -c 'ls /sys/class/net | tr "\n" " "')"
	echo "the container pings the host's bridge:"
	run step04_net --rootfs "$rootfs" -- ping -c1 -W2 10.99.0.1 | sed -n 2p
}

demo_step05() {
	title "step05_user: + a user namespace (chapter 2.2 --map-root-user, 5.4)"
	side_by_side user 'id; cat /proc/self/uid_map' \
		"$(run step05_user --rootfs "$rootfs" --net none -- sh -c 'id; cat /proc/self/uid_map')"
	run step05_user --rootfs "$rootfs" --net none -- sleep 2 &
	sleep 0.5
	echo "the host sees the container's sleep as: $(ps -o user=,pid=,comm= -C sleep | awk '$1 == 1000000' | head -n1)"
	wait
}

demo_step06() {
	title "step06_cgroups: + cgroup limits and a cgroup namespace (chapter 3, exercise 2)"
	side_by_side cgroup 'tail -n1 /proc/self/cgroup' \
		"$(run step06_cgroups --rootfs "$rootfs" --net none -- tail -n1 /proc/self/cgroup)"
	echo "--cpus 0.25 on a 1 s busy loop, then --memory 32m on 64 MiB:"
	run step06_cgroups --rootfs "$rootfs" --net none --stats --cpus 0.25 -- \
		sh -c 'timeout 1 sh -c "while :; do :; done"; true' 2>&1 | grep -E 'cpu time|throttled'
	run step06_cgroups --rootfs "$rootfs" --net none --stats --memory 32m --memory-swap 32m -- \
		/usr/local/bin/memhog 64 2>&1 | grep -E 'oom kills' || true
}

demo_step07() {
	title "step07_overlay: + an OverlayFS root, copy-on-write (chapter 4)"
	local up
	up=$(mktemp -d /tmp/kit-demo-upper.XXXXXX)
	chmod 755 "$up"
	run step07_overlay --rootfs "$rootfs" --net none --upper "$up/upper" -- \
		sh -c 'echo new >/new-file; rm /etc/hosts; grep "^overlay / " /proc/self/mounts | cut -c1-60'
	echo "upper layer on the host:"; ls -l "$up/upper" "$up/upper/etc" | sed 's/^/  /'
	rm -rf "$up"
}

demo_step08() {
	title "step08_runtime: + an OCI runtime (chapter 5.3: runc spec/run/list/state/kill/delete)"
	local bundle state
	bundle=$(mktemp -d /tmp/kit-demo-bundle.XXXXXX)
	state=$bundle/state
	(cd "$bundle" && "$top/step08_runtime/container" spec)
	sed -i 's/"sh"/"sleep", "30"/' "$bundle/config.json"
	run step08_runtime --root "$state" create --bundle "$bundle" demo </dev/null >/dev/null 2>&1
	run step08_runtime --root "$state" start demo
	run step08_runtime --root "$state" list
	run step08_runtime --root "$state" exec demo sh -c 'echo "exec sees PID 1: $(cat /proc/1/comm), hostname $(hostname)"'
	run step08_runtime --root "$state" state demo | grep -E '"(status|pid)"'
	run step08_runtime --root "$state" delete --force demo
	rm -rf "$bundle"
}

demo_step09() {
	title "step09_security: + capabilities, seccomp, no_new_privs (chapter 6, exercise 4)"
	side_by_side security "grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status" \
		"$(run step09_security --rootfs "$rootfs" --net none -- grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status)"
	echo "an escape attempt: mount inside the container"
	run step09_security --rootfs "$rootfs" --net none -- mount -t tmpfs x /mnt 2>&1 | sed 's/^/  /' || true
}

[ -x "$rootfs/bin/sh" ] || { echo "demo: no rootfs: run make rootfs" >&2; exit 1; }
for step in step01_uts step02_pid step03_mount step04_net step05_user step06_cgroups \
	step07_overlay step08_runtime step09_security; do
	built "$step" || continue
	"demo_${step%%_*}"
	pause
done
built step04_net && "$top/step04_net/container" --reset-host
printf '\n%sdemo done; nothing is left running or mounted, kit0 is removed.%s\n' "$bold" "$off"
