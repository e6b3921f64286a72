#!/usr/bin/env bash
# grade-sandbox.sh [--step NN] [--filter REGEX] [--timeout S] --out DIR HAND-IN
#	grades one student's hand-in as scripts/grade.sh does, but inside a
#	throwaway VM (tests/vm/run-in-vm.sh): the hand-in's programs run as root
#	there, never on this host. scripts/grade-class.sh runs it per student
#	(make grade CLASS=DIR; SANDBOX=none grades on the host instead).
#
# What goes in, on the VM's scratch disk (a copy, deleted afterwards):
#   - the hand-in (HAND-IN's files);
#   - the grader: scripts/grade.sh, grade-practice.sh and this script, the
#     kit's tests (stepNN_*/tests, tests/helpers.bash, exercises.tsv, the
#     built test tools), the container image rootfs/; for the practice
#     exercises, step 09's built program and exercise 4's seccomp profile
#     (step 09's tests use it). No other file of the kit: no lesson source,
#     no reference solution (tests/grading/exercises), no other hand-in.
#   - of the host itself only /usr, /etc (less what only root may read) and
#     the kernel's modules, read-only (run-in-vm.sh's VM_HOST_ROOT=system):
#     no /home, /root, /tmp, /work, no kit checkout.
# What comes out: a raw results disk (RESULTS_DISK_SIZE, 32M) onto which the
# guest writes a tar of the grading's output (results.json, junit.xml, the
# TAP files), extracted here only when it holds plain files with plain
# names; and the console, capped at LOG_LIMIT bytes (1M). The guest has no
# writable share on the host (VM_SEALED=1).
#
# A VM that runs out of its time (--timeout, default TIMEOUT or 7200 s),
# dies, or writes no results is this student's failure alone: DIR/stopped
# then holds the reason, one line, and the exit status is 3.
# Exit status: 0 when results came out, 3 when not, 2 on bad usage.
#
# --guest ...: the part that runs inside the VM (run-in-vm.sh calls it).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

# --- inside the VM ----------------------------------------------------------

# Grades HAND-IN into the guest's /tmp, then writes the output to the
# results disk (/dev/vdb) as a tar: no other way out.
guest() {
	local out=/tmp/grade-out status=0
	[ -b /dev/vdb ] || { echo "grade-sandbox: no results disk /dev/vdb in the VM" >&2; exit 125; }
	"$top/scripts/grade.sh" --out "$out" "$@" || status=$?
	mkdir -p "$out"
	echo "$status" >"$out/grade-status"
	tar -C "$out" --exclude=./solution --exclude=./tests.ndjson --exclude=./steps.ndjson \
		--exclude=./practice.ndjson -cf /dev/vdb . || { echo "grade-sandbox: cannot write the results disk" >&2; exit 125; }
	sync
	exit "$status"
}

if [ "${1:-}" = --guest ]; then
	shift
	guest "$@"
fi

# --- on the host ------------------------------------------------------------

args=() out='' handin='' timeout=${TIMEOUT:-7200}
while [ $# -gt 0 ]; do
	case "$1" in
	--step) args+=(--step "${2:?--step needs a number}"); shift ;;
	--filter) args+=(--filter "${2:?--filter needs a regex}"); shift ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	-*) echo "grade-sandbox.sh: unknown option $1" >&2; exit 2 ;;
	*) handin=$1 ;;
	esac
	shift
done
[ -n "$out" ] && [ -d "$handin" ] || { echo "usage: grade-sandbox.sh [--step NN] [--filter RE] [--timeout S] --out DIR HAND-IN" >&2; exit 2; }
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "grade-sandbox.sh: --timeout must be a number of seconds" >&2; exit 2; }
handin=$(cd "$handin" && pwd)
: "${LOG_LIMIT:=1048576}" "${RESULTS_DISK_SIZE:=32M}" "${SANDBOX_DISK_SIZE:=2G}"
[ "$(id -u)" -eq 0 ] || { echo "grade-sandbox.sh: needs root (a mount namespace of its own for the VM's view of the host)" >&2; exit 2; }
for f in "$top/rootfs/bin/sh" "$top/tests/tools/bin/memhog"; do
	[ -e "$f" ] || { echo "grade-sandbox.sh: $f missing: make rootfs test-tools" >&2; exit 2; }
done

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/grade-sandbox.XXXXXX")
# Traversable: the kit's user-namespace steps open the image as a mapped uid.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS

stopped() {
	echo "grade-sandbox: $1"
	echo "$1" >"$out/stopped"
	echo "sandbox: $((SECONDS - t0)) s"
	exit 3
}

# The grader's copy: what grade.sh, its tests and grade-practice.sh read.
kit=$work/kit
mkdir -p "$kit/scripts" "$kit/tests/grading/exercises/ex04_hardened" "$kit/step09_security"
cp "$top"/scripts/grade.sh "$top"/scripts/grade-practice.sh "$top"/scripts/grade-sandbox.sh "$kit/scripts/"
cp "$top/tests/helpers.bash" "$kit/tests/"
cp "$top/tests/grading/exercises.tsv" "$kit/tests/grading/"
cp "$top/tests/grading/exercises/ex04_hardened/profile.json" "$kit/tests/grading/exercises/ex04_hardened/"
cp -a "$top/tests/tools" "$kit/tests/tools"
for d in "$top"/step[0-9][0-9]_*/; do
	mkdir -p "$kit/$(basename "$d")"
	cp -a "$d/tests" "$kit/$(basename "$d")/tests"
done
[ ! -x "$top/step09_security/container" ] || cp "$top/step09_security/container" "$kit/step09_security/"
cp -a "$top/rootfs" "$kit/rootfs"
mkdir -p "$work/handin"
cp -a "$handin/." "$work/handin/"
truncate -s "$RESULTS_DISK_SIZE" "$work/results.img"

echo "grade-sandbox: grading $handin in a VM (time limit ${timeout}s)"
vm_status=0
# The guest's PATH is ours (run-in-vm.sh): the system's, not a caller's
# (bats puts its libexec first, and the guest's bats would break).
(cd "$kit" && PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin VM_HOST_ROOT=system VM_SEALED=1 VM_COPY_DIRS="$work/kit $work/handin" \
	VM_RESULTS_DISK="$work/results.img" VM_DISK_SIZE="$SANDBOX_DISK_SIZE" VM_TIMEOUT="$timeout" \
	VM_PASS_ENV="LANG LC_ALL BATS_TEST_TIMEOUT STEP_TIMEOUT EX_TIMEOUT" \
	unshare -m --propagation private "$top/tests/vm/run-in-vm.sh" \
	bash "$kit/scripts/grade-sandbox.sh" --guest "${args[@]}" "$work/handin") 2>&1 |
	{ stdbuf -o0 head -c "$LOG_LIMIT"; cat >/dev/null; } | tee "$work/console"
vm_status=${PIPESTATUS[0]}
guest_status=$(tr -d '\r' <"$work/console" | sed -n 's/^VM-EXIT-STATUS=\([0-9][0-9]*\)$/\1/p' | tail -n 1)

# The results: a tar of plain files and directories with plain names, else
# nothing of it is taken.
listing=$(tar -tvf "$work/results.img" 2>/dev/null) || listing=''
if [ -z "$listing" ] || ! grep -q ' \./results\.json$' <<<"$listing"; then
	case "$vm_status" in
	124) stopped "the VM ran out of its time limit (${timeout}s) and was killed" ;;
	esac
	if [ -n "$guest_status" ]; then
		stopped "grading in the VM ended with status $guest_status and wrote no results$([ "$guest_status" != 137 ] || echo ': it was killed (SIGKILL)')"
	fi
	if grep -q 'Kernel panic' "$work/console"; then stopped "the VM's kernel panicked"; fi
	stopped "the VM stopped (status $vm_status) without finishing the grading"
fi
if grep -vqE '^[-d][rwxsStT-]{9} [^ ]+ +[0-9]+ [0-9-]+ [0-9:]+ \./([A-Za-z0-9._+@-]+/)*[A-Za-z0-9._+@-]*$' <<<"$listing" ||
	grep -qE '(^|/)\.\.(/|$)' <<<"$(tar -tf "$work/results.img")"; then
	stopped "the results disk holds something other than plain files: not taken"
fi
tar -xf "$work/results.img" -C "$out" --no-same-owner --no-same-permissions --no-overwrite-dir ||
	stopped "the results disk cannot be read"
jq -e 'type == "object"' "$out/results.json" >/dev/null 2>&1 || stopped "the results the VM wrote are not JSON"
jq --arg s "$handin" '.solution = $s' "$out/results.json" >"$work/results.json" && mv "$work/results.json" "$out/results.json"
echo "sandbox: $((SECONDS - t0)) s"
exit 0
