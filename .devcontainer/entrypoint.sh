#!/bin/sh
# kit-entrypoint - the development container's first process: makes the
# container's cgroup ready for the kit, then runs the command (CMD).
#
# With its own cgroup namespace on cgroup v2, the container's cgroup is the
# root of the tree the kit sees at /sys/fs/cgroup, and every process of the
# container sits in it. cgroup v2's no-internal-process rule: a cgroup that
# holds processes cannot pass controllers on to children (writing
# cgroup.subtree_control fails with EBUSY). So, as Docker's own
# docker-in-docker image does, the processes move to a leaf, init/, and
# the root passes every controller it has to its children. Only this
# container's own cgroup is touched; on cgroup v1 nothing is needed.
set -eu
cg=/sys/fs/cgroup
if [ "$(stat -f -c %T "$cg" 2>/dev/null)" = cgroup2fs ] && [ -w "$cg/cgroup.subtree_control" ] &&
	[ -z "$(cat "$cg/cgroup.subtree_control")" ]; then
	mkdir -p "$cg/init"
	# A process may exit between the read and the move: that is no error.
	xargs -rn1 < "$cg/cgroup.procs" sh -c 'echo "$1" > '"$cg/init/cgroup.procs"' 2>/dev/null || :' -- || :
	sed -e 's/ / +/g' -e 's/^/+/' "$cg/cgroup.controllers" > "$cg/cgroup.subtree_control" ||
		echo "kit-entrypoint: cannot pass the controllers on in $cg (the kit's cgroup steps will say why)" >&2
elif [ "$(stat -f -c %T "$cg" 2>/dev/null)" = cgroup2fs ] && [ ! -w "$cg/cgroup.subtree_control" ]; then
	echo "kit-entrypoint: $cg is read-only: run the container with --privileged --cgroupns=private" >&2
fi
exec "$@"
