#!/usr/bin/env bash
# nested-cgroup.sh COMMAND [ARG]... - run COMMAND, in the test VM, the way a
# container engine runs a container's processes with a private cgroup
# namespace (docker/podman run --cgroupns=private, their default on cgroup
# v2: devcontainers, Codespaces, Docker Desktop), after the container's
# entrypoint ran scripts/nested-cgroup-init.sh. run-in-vm.sh --nested-cgroup
# runs the command through it.
#
# As the engine: a cgroup for the container, /sys/fs/cgroup/kit.slice/
# container.scope, reached by the controllers the root passes down; this
# process moves into it, unshares its cgroup and mount namespaces, and
# mounts a fresh cgroup2 at /sys/fs/cgroup, which then shows the namespace's
# root, the container's cgroup ("0::/" in /proc/self/cgroup), processes and
# all. As the entrypoint: scripts/nested-cgroup-init.sh. Then COMMAND.
#
# Run as root on a pure cgroup v2 system (the VM); it changes that system's
# cgroups, so not on a real host.
# Man pages: cgroups(7), cgroup_namespaces(7), unshare(1), mount(8).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { echo "nested-cgroup: $*" >&2; }
die() {
	say "error: $*"
	exit 125
}

if [ "${1:-}" != --inside ]; then
	[ $# -gt 0 ] || die "usage: $0 COMMAND [ARG]..."
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || die "/sys/fs/cgroup is not cgroup2"
	slice=/sys/fs/cgroup/kit.slice
	mkdir -p "$slice/container.scope" || die "cannot make $slice/container.scope"
	# What the root passes to kit.slice, kit.slice passes on (systemd does so).
	read -r controllers <"$slice/cgroup.controllers" || true
	for c in $controllers; do
		echo "+$c" >"$slice/cgroup.subtree_control" || die "cannot enable $c in $slice"
	done
	echo $$ >"$slice/container.scope/cgroup.procs" || die "cannot move into $slice/container.scope"
	exec unshare --cgroup --mount --propagation private -- "$0" --inside "$@"
fi
shift

# The engine's mount of cgroup2, made inside the new namespace: its root is
# the namespace's root. The host's mount goes first, so that nothing finds it.
umount /sys/fs/cgroup || die "cannot unmount the host's /sys/fs/cgroup"
mount -t cgroup2 -o rw,nosuid,nodev,noexec,relatime cgroup2 /sys/fs/cgroup ||
	die "cannot mount cgroup2"
say "/proc/self/cgroup: $(cat /proc/self/cgroup); /sys/fs/cgroup: cgroup.type" \
	"$(cat /sys/fs/cgroup/cgroup.type), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)," \
	"$(wc -l </sys/fs/cgroup/cgroup.procs) processes in it"
# What the container's entrypoint does before anything else.
"$top/scripts/nested-cgroup-init.sh" || die "scripts/nested-cgroup-init.sh failed"
exec "$@"
