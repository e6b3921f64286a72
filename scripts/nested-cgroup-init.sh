#!/bin/sh
# nested-cgroup-init.sh - run once, as root, by the entrypoint of a container
# the kit is used in (a devcontainer, Codespaces, `docker run --privileged`),
# before the learner's processes start: it lets the kit's cgroup limits work
# there.
#
# On cgroup v2 a container engine gives the container a cgroup namespace of
# its own (the default of Docker and Podman on v2): /sys/fs/cgroup is then the
# container's cgroup, and the container's processes live in it. A cgroup with
# processes cannot pass controllers down to its children (the "no internal
# processes" rule: cgroup.subtree_control says EBUSY), so the kit could not
# limit memory, CPU or pids in the cgroups it makes there. What Docker's dind
# entrypoint does, done here: move every process of the container's cgroup
# into a leaf, /sys/fs/cgroup/init, then enable every controller it has in
# its cgroup.subtree_control. From then on no process can join the
# container's cgroup itself (a runtime's `exec` joins init instead).
#
# Does nothing on cgroup v1 or hybrid hosts, nor when /sys/fs/cgroup is a
# host's root (no cgroup.type there); safe to run twice.
# Man pages: cgroups(7), cgroup_namespaces(7).
# Kernel docs: Documentation/admin-guide/cgroup-v2.rst ("No Internal Process
#   Constraint", "Delegation").
# Exit status: 0 once the controllers are passed down, 1 with a message if not.
set -eu

cg=${CGROUP_ROOT:-/sys/fs/cgroup}
say() { echo "nested-cgroup-init: $*" >&2; }

[ "$(stat -f -c %T "$cg" 2>/dev/null)" = cgroup2fs ] || exit 0
[ -e "$cg/cgroup.type" ] || exit 0
mkdir -p "$cg/init"

# First every process out, then every controller on, in one write: a
# threaded controller (cpu, cpuset) enabled while a process is still in the
# cgroup would make it a threaded domain, and its children "domain invalid".
# A process may join meanwhile (docker exec): then the write fails (EBUSY)
# and the move is done again. Once the controllers are on, none can join.
read -r all <"$cg/cgroup.controllers" || true
want=""
for c in $all; do
	grep -qw "$c" "$cg/cgroup.subtree_control" || want="$want +$c"
done
tries=0
while [ -n "$want" ]; do
	# One PID per write(2): each echo of xargs moves one process; a PID that
	# is gone meanwhile fails alone (ESRCH).
	xargs -rn1 <"$cg/cgroup.procs" >"$cg/init/cgroup.procs" 2>/dev/null || true
	if [ -z "$(cat "$cg/cgroup.procs")" ] && echo "${want# }" >"$cg/cgroup.subtree_control" 2>/dev/null; then
		break
	fi
	tries=$((tries + 1))
	if [ "$tries" -ge 20 ]; then
		say "cannot enable$want in $cg/cgroup.subtree_control" \
			"(processes in $cg: $(tr '\n' ' ' <"$cg/cgroup.procs"))"
		exit 1
	fi
	sleep 0.1
done
say "processes moved to $cg/init; $cg/cgroup.subtree_control:" \
	"$(cat "$cg/cgroup.subtree_control")"
