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

[ -x "$rootfs/bin/sh" ] || { echo "demo: no rootfs: run make rootfs" >&2; exit 1; }
for step in step01_uts step02_pid step03_mount step04_net step05_user; do
	built "$step" || continue
	"demo_${step%%_*}"
	pause
done
built step04_net && "$top/step04_net/container" --reset-host
printf '\n%sdemo done; nothing is left running or mounted, kit0 is removed.%s\n' "$bold" "$off"
