#!/usr/bin/env bash
# escape-report.sh - step09's escape suite against the kit's final program
# and against runc with its default `runc spec` config, on the same rootfs;
# prints both columns side by side. "contained" means the test's checks
# held: the attempt was refused; "NOT CONTAINED" means they did not: the
# attempt worked, or was refused some other way than the checks expect. runc's column is for comparison only:
# the exit status says whether the kit contained every attempt.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
suite=$top/step09_security/tests/security.bats
out=$top/build/reports
mkdir -p "$out"
[ -x "$top/step09_security/container" ] || { echo "escape-report: step09 is not built" >&2; exit 2; }

run_suite() {  # run_suite NAME PROGRAM: TAP of the escape tests into $out/escapes-NAME.tap
	env CONTAINER="$2" KIT_PROGRAM_STEP=9 BATS_TEST_TIMEOUT=120 \
		bats --tap -f '^escape: ' "$suite" >"$out/escapes-$1.tap" 2>&1
}

result() {  # result NAME TITLE: contained / ESCAPED / skipped
	local line
	line=$(grep -F -- "$2" "$out/escapes-$1.tap" | grep -E '^(ok|not ok) ' | head -n1)
	case "$line" in
	*"# skip"*) echo skipped ;;
	"ok "*) echo contained ;;
	"not ok "*) echo "NOT CONTAINED" ;;
	*) echo "?" ;;
	esac
}

run_suite kit "$top/step09_security/container"
if command -v runc >/dev/null; then
	run_suite runc "$top/tests/runc/container"
else
	echo "# runc is not installed: its column is empty" >"$out/escapes-runc.tap"
fi

printf '\n%-72s %-14s %s\n' "escape attempt (step09_security/tests/security.bats)" "the kit" "runc (default spec)"
kit_escaped=0 runc_escaped=0 total=0
while IFS= read -r title; do
	k=$(result kit "$title") r=$(result runc "$title")
	printf '%-72s %-14s %s\n' "${title#escape: }" "$k" "$r"
	total=$((total + 1))
	case "$k" in "NOT CONTAINED" | "?") kit_escaped=$((kit_escaped + 1)) ;; esac
	case "$r" in "NOT CONTAINED" | "?") runc_escaped=$((runc_escaped + 1)) ;; esac
done < <(grep -E '^(ok|not ok) [0-9]+ escape: ' "$out/escapes-kit.tap" |
	sed -E 's/^(ok|not ok) [0-9]+ //; s/ # (skip|in ).*//')
echo "$total attempts: not contained by the kit $kit_escaped, by runc's default spec $runc_escaped"
echo "(skipped: this kernel lacks what the attempt attacks; runc's default spec has no seccomp filter)"
[ "$kit_escaped" -eq 0 ]
