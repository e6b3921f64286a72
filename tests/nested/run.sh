#!/usr/bin/env bash
# run.sh [-- COMMAND...] - the kit nested in its own development container,
# on Debian 13, the way a learner on macOS or Windows runs it.
#
#   1. a Debian 13 (trixie) base image from Debian's packages alone
#      (mmdebstrap), tagged debian:trixie: the Containerfile's FROM;
#   2. the devcontainer image built on it (.devcontainer/Containerfile:
#      the kit's packages, installed by the kit's own scripts/deps.sh);
#   3. a copy of this checkout (tracked and untracked files, no build
#      output) run in it as devcontainer.json runs it: --privileged, a
#      cgroup namespace of its own, a tmpfs on /tmp; and its own network
#      namespace (nothing leaves it); COMMAND, by default the README's
#      line for this path (make rootfs all, step01 --hostname box), then
#      each step's tests against its own program (tests/run.sh --matrix own).
#
# Everything goes in a scratch directory with a podman store of its own
# (NESTED_WORK, default a new one under /var/tmp), removed at exit: the
# host's images and containers are untouched, and the container's cgroup
# is under one of the run's own (kit-nested-PID), removed at exit. Exits
# with COMMAND's status; 125 when the image could not be made.
# NESTED_KEEP=1 keeps NESTED_WORK's images for the next run, which then
# builds only what changed (the checkout is copied anew every time).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "nested: run as root (podman --privileged)" >&2; exit 125; }
for tool in mmdebstrap podman; do
	command -v "$tool" >/dev/null || { echo "nested: $tool is missing: make deps NESTED=1 (tests/nested/packages.txt)" >&2; exit 125; }
done
[ $# -gt 0 ] && [ "$1" = -- ] && shift
# The README's line for this path first, then the tests.
[ $# -gt 0 ] || set -- sh -c 'make -s rootfs all && [ "$(step01_uts/container --hostname box hostname)" = box ] &&
	echo "nested: the README line printed box" && make -s test-tools && tests/run.sh --matrix own --no-grading'

work=${NESTED_WORK:-$(mktemp -d /var/tmp/kit-nested.XXXXXX)}
parent=kit-nested-$$
pod() { PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman --root "$work/storage" --runroot "$work/run" --storage-driver overlay "$@"; }
cleanup() {
	pod rm -af >/dev/null 2>&1 || :
	if [ "${NESTED_KEEP:-}" = 1 ]; then rm -rf "$work/kit"; rmdir_parent; return; fi
	pod system reset -f >/dev/null 2>&1 || :
	# podman's own overlay mounts under the store, if a run was killed.
	grep -o " $work/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || :
	rm -rf "$work"
	rmdir_parent
}
rmdir_parent() { find /sys/fs/cgroup -maxdepth 2 -name "$parent" -type d -exec rmdir {} + 2>/dev/null || :; }
trap cleanup EXIT
mkdir -p "$work/kit"

step() { echo "nested: $1 ($((SECONDS - start)) s)"; }
start=$SECONDS
if ! pod image exists docker.io/library/debian:trixie; then
	step "Debian 13 base image, from Debian's packages (mmdebstrap trixie)"
	mmdebstrap --quiet --variant=apt trixie "$work/base.tar" ||
		{ echo "nested: mmdebstrap trixie failed" >&2; exit 125; }
	pod import --quiet "$work/base.tar" docker.io/library/debian:trixie >/dev/null &&
		rm -f "$work/base.tar" || { echo "nested: podman import failed" >&2; exit 125; }
fi

step "the devcontainer image (.devcontainer/Containerfile)"
pod build --quiet --pull=never --network=host -t container-kit-dev \
	-f "$top/.devcontainer/Containerfile" "$top" >/dev/null ||
	{ echo "nested: building .devcontainer/Containerfile failed" >&2; exit 125; }

step "a copy of the checkout"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -cf -) | tar -xf - -C "$work/kit"

step "in the container: $*"
rc=0
# Limits no higher than this shell's: podman would ask for more open files
# and processes than a caller without CAP_SYS_RESOURCE (a CI runner) may give.
pod run --rm --privileged --cgroupns=private --network=none --hostname kit-dev --tmpfs /tmp:exec \
	--cgroup-parent "/$parent" --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" \
	--ulimit nproc=4096:4096 \
	-v "$work/kit:/workspaces/kit" -w /workspaces/kit -e CI="${CI:-}" \
	container-kit-dev "$@" || rc=$?
step "done, exit $rc"
exit "$rc"
