#!/usr/bin/env bash
# run.sh [STEP] [--from STEP] [--last] [--matrix own|own-and-last|rest|full]
#        [--no-grading] [--filter REGEX] - runs the kit's bats tests, cumulatively.
#
# Step K's tests run against step K's program AND every later step's program
# (CONTAINER=...), so the final container provably keeps every layer. From
# step05 on, steps 01-05's tests run a second time with the program started
# by an unprivileged user (rootless). Which of those cells run:
#   --matrix own-and-last (make check's): each step's tests against its own
#     program and the last one (rootless: against step05's and the last);
#     the middle columns run the same C, which later steps carry unchanged;
#   --matrix rest (CI's second job): the root cells own-and-last leaves out,
#     then every step's empty skeleton (make exercise) against every earlier
#     step's tests: a stub stops only its own layer;
#   --matrix full: every cell, root and rootless, and the skeletons;
#   --matrix own: each step's tests against its own program alone (rootless:
#     against step05's), the diagonal: the nested run (tests/nested/).
# --last: only against the last built program (the VM run, where time is
# dear). --filter REGEX (or KIT_BATS_FILTER): only the tests whose names
# match (bats -f).
# Prints a table (rows: whose tests; columns: which program), writes JUnit
# reports to build/reports/, and ends with one line: "N passed, N failed, N
# skipped". A whole run (no STEP, --from, --last or --filter; not rest) then
# runs tests/grading/ (the grader and the skeletons), which scores the
# matrix's diagonal as the kit's own grade, tests/scripts/ (make deps
# against stand-ins for apt) and tests/static/ (the lesson's line caps);
# --no-grading leaves them out (the sanitizer run: they test bash).
#
# --solution DIR: instead, grades a student's copy of the step directories
# with these tests (scripts/grade.sh --check: fails unless full marks), STEP
# and --filter as above.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
only='' from=0 last_only=false matrix=full no_grading=false solution=''
while [ $# -gt 0 ]; do
	case "$1" in
	--from) from=$((10#${2:?--from needs a step number})); shift ;;
	--last) last_only=true ;;
	--matrix) matrix=${2:?--matrix needs own-and-last, rest or full}; shift
		case "$matrix" in own | own-and-last | rest | full) ;; *) echo "run.sh: --matrix $matrix: not own, own-and-last, rest or full" >&2; exit 2 ;; esac ;;
	--no-grading) no_grading=true ;;
	--filter) KIT_BATS_FILTER=${2:?--filter needs a regex}; shift ;;
	--solution) solution=${2:?--solution needs a directory}; shift ;;
	*) only=$1 ;;
	esac
	shift
done
if [ -n "$solution" ]; then
	exec "$top/scripts/grade.sh" --check ${only:+--step "$only"} \
		${KIT_BATS_FILTER:+--filter "$KIT_BATS_FILTER"} "$solution"
fi
reports=$top/build/reports
rootless_user=kit-rootless
mkdir -p "$reports"
rm -f "$reports"/*.xml "$reports"/*.tap

steps=()
for dir in "$top"/step[0-9][0-9]_*/; do
	[ -x "$dir/container" ] && steps+=("$(basename "$dir")")
done
[ "${#steps[@]}" -gt 0 ] || { echo "run.sh: no step is built: run make" >&2; exit 2; }

step_number() { local n=${1#step}; n=${n%%_*}; echo $((10#$n)); }
selected() {
	local n
	n=$(step_number "$1")
	[ "$n" -ge "$from" ] && { [ -z "$only" ] || [ "$n" -eq "$((10#$only))" ]; }
}

declare -A cell
total_pass=0 total_fail=0 total_skip=0

# run_tests MODE TESTS-STEP PROGRAM-STEP [VAR=VALUE...]: one bats run, counted.
# PROGRAM-STEP is a step directory of the kit, or a path (a skeleton's).
run_tests() {
	local mode=$1 tests_step=$2 program_step=$3 program name out pass skip fail
	shift 3
	program=$program_step
	[[ $program == /* ]] || program=$top/$program
	program_step=$(basename "$program_step")
	name="${mode}-${tests_step%%_*}-on-${program_step%%_*}"
	out=$reports/$name.tap
	echo "=== ${tests_step}'s tests against ${program#"$top/"}/container ($mode)"
	# Every test has a time bound: a hang fails that test, not the whole run.
	local rc=0
	env "$@" CONTAINER="$program/container" BATS_TEST_TIMEOUT=180 \
		bats --tap --report-formatter junit --output "$reports" \
		${KIT_BATS_FILTER:+--filter "$KIT_BATS_FILTER"} "$top/$tests_step/tests" >"$out" 2>&1 || rc=$?
	mv -f "$reports/report.xml" "$reports/$name.xml" 2>/dev/null
	cat "$out"
	# --filter matched none of this step's tests: no cell.
	[ "$rc" -eq 0 ] && [ -n "${KIT_BATS_FILTER:-}" ] && [ "$(cat "$out")" = 1..0 ] && return 0
	pass=$(grep -c '^ok ' "$out")
	skip=$(grep -c '^ok .* # skip' "$out")
	fail=$(grep -c '^not ok ' "$out")
	pass=$((pass - skip))
	[ "$pass$fail$skip" = 000 ] && fail=1  # bats itself failed to run
	cell[$mode,$tests_step,$program_step]="$pass/$((pass + fail))"
	[ "$fail" -gt 0 ] && cell[$mode,$tests_step,$program_step]+="!"
	total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
}

# The rootless user, with a subordinate id range, and a rootfs it owns.
make_rootless_user() {
	userdel "$rootless_user" >/dev/null 2>&1
	useradd --system --no-create-home --shell /usr/sbin/nologin "$rootless_user" &&
		usermod --add-subuids 3000000-3065535 --add-subgids 3000000-3065535 "$rootless_user" &&
		rm -rf "$top/build/rootless" && mkdir -p "$top/build/rootless" &&
		cp -a "$top/rootfs" "$top/build/rootless/rootfs" &&
		chown -R "$rootless_user:" "$top/build/rootless"
}

remove_rootless_user() {
	userdel "$rootless_user" >/dev/null 2>&1
	sed -i "/^$rootless_user:/d" /etc/subuid /etc/subgid
	rm -rf "$top/build/rootless"
}

print_table() {
	local mode=$1 t p
	printf '%-16s' "$mode"
	for p in "${steps[@]}"; do printf '%8s' "${p%%_*}"; done
	echo
	for t in "${steps[@]}"; do
		selected "$t" || continue
		[ "$mode" = rootless ] && [ "$(step_number "$t")" -gt 5 ] && continue
		[ "$mode" = skeleton ] && [ "$t" = "${steps[-1]}" ] && continue
		printf '%-16s' "$t"
		for p in "${steps[@]}"; do printf '%8s' "${cell[$mode,$t,$p]:--}"; done
		echo
	done
}

# in_matrix MODE TESTS-STEP PROGRAM-STEP: does --matrix (or --last) run this cell?
in_matrix() {
	local mode=$1 tests_step=$2 program_step=$3 own=false own_or_last=false
	[ "$(step_number "$program_step")" -ge "$(step_number "$tests_step")" ] || return 1
	[ "$mode" = root ] && [ "$program_step" = "$tests_step" ] && own=true
	[ "$mode" = rootless ] && [ "$(step_number "$program_step")" -eq 5 ] && own=true
	$own || [ "$program_step" = "${steps[-1]}" ] && own_or_last=true
	if $last_only; then
		[ "$program_step" = "${steps[-1]}" ]
		return
	fi
	case $matrix in
	full) return 0 ;;
	own) $own ;;
	own-and-last) $own_or_last ;;
	rest) ! $own_or_last ;;
	esac
}

for tests_step in "${steps[@]}"; do
	selected "$tests_step" || continue
	for program_step in "${steps[@]}"; do
		in_matrix root "$tests_step" "$program_step" || continue
		run_tests root "$tests_step" "$program_step"
	done
done

# The rootless rows: against step05's program and the last one in make
# check; the middle columns only in a full matrix (CI's time).
rootless=false
if [ "$(step_number "${steps[-1]}")" -ge 5 ] && [ "$from" -le 5 ] && [ "$matrix" != rest ] &&
	{ [ -z "$only" ] || [ "$((10#$only))" -le 5 ]; }; then
	rootless=true
	trap remove_rootless_user EXIT
	make_rootless_user || { echo "run.sh: cannot create the rootless user $rootless_user" >&2; exit 2; }
	for tests_step in "${steps[@]}"; do
		selected "$tests_step" && [ "$(step_number "$tests_step")" -le 5 ] || continue
		for program_step in "${steps[@]}"; do
			[ "$(step_number "$program_step")" -ge 5 ] || continue
			in_matrix rootless "$tests_step" "$program_step" || continue
			run_tests rootless "$tests_step" "$program_step" KIT_AS_USER="$rootless_user" \
				KIT_ROOTFS="$top/build/rootless/rootfs"
		done
	done
fi

# Every step's empty skeleton (make exercise) against every earlier step's
# tests, as root, judged as the previous step's program (KIT_PROGRAM_STEP:
# a test that expects a later layer, such as "namespaces: each is new
# exactly from the step that adds it", expects it absent): its stubs stop
# its own layer only. tests/grading proves its own layer's tests fail on it.
skeletons=()
if { [ "$matrix" = rest ] || [ "$matrix" = full ]; } && ! $last_only; then
	rm -rf "$top/build/skeletons"
	# A program's default image is the rootfs beside its directory: the
	# kit's, for a skeleton judged as step02 (whose tests pass no --rootfs).
	mkdir -p "$top/build/skeletons" && ln -s ../../rootfs "$top/build/skeletons/rootfs"
	for program_step in "${steps[@]:1}"; do
		if "$top/scripts/exercise.sh" "$(step_number "$program_step")" "$top/build/skeletons" >/dev/null &&
			make -s -C "$top/build/skeletons/$program_step" >/dev/null; then
			skeletons+=("$program_step")
		else
			echo "run.sh: the skeleton of $program_step does not build" >&2
			total_fail=$((total_fail + 1))
		fi
	done
	for tests_step in "${steps[@]}"; do
		selected "$tests_step" || continue
		for program_step in "${skeletons[@]}"; do
			[ "$(step_number "$program_step")" -gt "$(step_number "$tests_step")" ] &&
				run_tests skeleton "$tests_step" "$top/build/skeletons/$program_step" \
					KIT_PROGRAM_STEP=$(($(step_number "$program_step") - 1))
		done
	done
fi

# The grader and the skeletons (the kit's own grade is the diagonal above),
# the scripts' own tests, and the static ones (the lesson's line caps).
grading=false
if [ -z "$only${KIT_BATS_FILTER:-}" ] && [ "$from" -eq 0 ] && ! $last_only && [ "$matrix" != rest ] && ! $no_grading; then
	grading=true
	echo "=== the grader and the skeletons (tests/grading), make deps (tests/scripts), the caps (tests/static)"
	out=$reports/grading.tap
	KIT_MATRIX_REPORTS=$reports BATS_TEST_TIMEOUT=300 bats --tap --report-formatter junit \
		--output "$reports" "$top/tests/grading" "$top/tests/scripts" "$top/tests/static" >"$out" 2>&1
	mv -f "$reports/report.xml" "$reports/grading.xml" 2>/dev/null
	cat "$out"
	pass=$(grep -c '^ok ' "$out") skip=$(grep -c '^ok .* # skip' "$out") fail=$(grep -c '^not ok ' "$out")
	pass=$((pass - skip))
	[ "$pass$fail$skip" = 000 ] && fail=1
	grading_cell="$pass/$((pass + fail))"
	total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
fi

echo
echo "cgroup hierarchy of this run: $(stat -fc %T /sys/fs/cgroup | sed 's/cgroup2fs/cgroup v2 (unified)/; s/tmpfs/cgroup v1 or hybrid/'); kernel $(uname -r)"
echo "Passed/run, per step's tests (rows) against each step's program (columns); ! = failures"
print_table root
if $rootless; then echo; print_table rootless; fi
if [ "${#skeletons[@]}" -gt 0 ]; then
	echo
	echo "Each step's empty skeleton (columns) against the earlier steps' tests (rows):"
	print_table skeleton
fi
if $grading; then echo; echo "tests/grading (grader, skeletons), tests/scripts (make deps), tests/static (caps): $grading_cell"; fi
[ -z "${KIT_BATS_FILTER:-}" ] || echo "Only the tests whose names match: $KIT_BATS_FILTER"
echo "JUnit reports: $reports/"
echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
