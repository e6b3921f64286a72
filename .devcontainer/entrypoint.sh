#!/bin/sh
# kit-entrypoint - the development container's first process: makes the
# container's own cgroup ready for the kit's cgroup limits
# (scripts/nested-cgroup-init.sh: on cgroup v2, the container's processes
# move to a leaf and its cgroup passes its controllers on), then runs the
# command (CMD). A failure there costs the cgroup steps only: it is said,
# and the container starts all the same.
/opt/container-kit/scripts/nested-cgroup-init.sh || :
exec "$@"
