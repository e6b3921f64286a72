#!/usr/bin/env bats
# grading.bats - the grader (scripts/grade.sh) and the skeletons
# (scripts/exercise.sh) work: every requirement of the chapter's exercises is
# mapped to tests that exist; every step's skeleton builds and grades below
# full on its new layer's tests; the kit's own solution gets full marks; a
# build failure or a leftover on the host is charged to its step only.
#
# tests/run.sh runs this after its matrix, with KIT_MATRIX_REPORTS: the kit's
# own full marks are then scored from the matrix's diagonal (the same tests,
# the same programs) instead of running every step's tests once more.
# To keep make check short, the skeletons are graded on a few of their new
# layer's tests (SKELETON_FILTER), which must fail.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load skeletons

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
GRADE=$KIT_TOP/scripts/grade.sh
MAP=$KIT_TOP/tests/grading/exercises.tsv
: "${KIT_CHAPTER:=/work/shared/course/15_Container_Internals.md}"

# A few of each step's new layer's tests that a skeleton must fail, fast.
# Step NN's skeleton must also pass step NN-1's: its stubs leave the earlier
# layers working (make check MATRIX=rest runs every earlier step's whole
# tests against every skeleton).
declare -gA SKELETON_FILTER=(
	[01]="^uts: the hostname inside is"
	[02]="^pid: (the container's PID namespace is not|COMMAND is PID 1 inside)"
	[03]="^mount: (a host file outside the rootfs is unreachable|the old root is detached)"
	[04]="^bridge: only lo and eth0 inside"
	[05]="^user: (the container.s user namespace is not|the host sees COMMAND running as the mapped uid)"
	[06]="^cgroups: (inside its cgroup namespace|docker's flags become)"
	[07]="^overlay: the container's root is an overlay"
	[08]="^(ipc: |runtime: exec joins)"
	[09]="^security: root gets Docker's 14 default"
)

setup_file() {
	# Every step's skeleton, once: the per-step tests grade them.
	write_skeletons
}

# code_of FILE: FILE's C without its comments.
code_of() { perl -0pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$1"; }

# results FILE JQ-FILTER: a value of a grading run's results.json.
results() { jq -r "$2" "$1/results.json"; }

# A solution with the kit's own step 01 and step 02, in $SOLUTION.
own_steps_01_02() {
	SOLUTION=$BATS_TEST_TMPDIR/solution
	mkdir -p "$SOLUTION"
	cp -r "$KIT_TOP"/step01_* "$KIT_TOP"/step02_* "$SOLUTION/"
	rm -rf "$SOLUTION"/*/tests "$SOLUTION"/*/container
}

@test "grading: every requirement of the chapter's four exercises is mapped to tests that exist" {
	local rows counts missing='' e title r text s t
	# The lines that map a requirement to the kit's tests (5th field: a step);
	# the "ex" lines, the checks of a learner's own exercise, are practice.bats's.
	rows=$(grep -v '^#' "$MAP" | awk -F'\t' '$5 ~ /^[0-9]+$/')
	# Exactly six fields per line.
	run awk -F'\t' 'NF != 6 { print NR": "$0 }' <<<"$rows"
	assert_output ''
	# The chapter's exercises have 3, 4, 5 and 4 requirements, numbered from 1.
	counts=$(cut -f1,3 <<<"$rows" | sort -u | cut -f1 | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
	assert_equal "$counts" "1:3 2:4 3:5 4:4 "
	while IFS=$'\t' read -r e title r text s t; do
		ls -d "$KIT_TOP/step${s}_"*/tests >/dev/null 2>&1 || missing+="no step $s: $t"$'\n'
		grep -qF "@test \"$t\" {" "$KIT_TOP/step${s}_"*/tests/*.bats || missing+="step$s has no test: $t"$'\n'
	done <<<"$rows"
	assert_equal "$missing" ""
	# Worded as the chapter words them, when the chapter is at hand.
	if [ -f "$KIT_CHAPTER" ]; then
		while IFS=$'\t' read -r r text; do
			grep -qxF "# $r. $text" "$KIT_CHAPTER" || missing+="not in the chapter: $r. $text"$'\n'
		done < <(cut -f3,4 <<<"$rows" | sort -u)
		assert_equal "$missing" ""
	else
		echo "# the chapter is not at $KIT_CHAPTER: its wording not compared (set KIT_CHAPTER)" >&3
	fi
}

@test "exercise: every step's skeleton builds, with its tests and TODO list; only its new layer's files change, the layer's calls stripped" {
	local nn dir f
	if [ -f "$BATS_FILE_TMPDIR/skeleton-failed" ]; then
		for nn in $(cat "$BATS_FILE_TMPDIR/skeleton-failed"); do cat "$BATS_FILE_TMPDIR/exercise-$nn.log"; done
		fail "skeletons that did not build: $(tr '\n' ' ' <"$BATS_FILE_TMPDIR/skeleton-failed")"
	fi
	for nn in 01 02 03 04 05 06 07 08 09; do
		dir=$(ls -d "$BATS_FILE_TMPDIR/skeleton/step${nn}_"*)
		assert [ ! -e "$dir/container" ]
		# Self-sufficient: the step's tests, their helpers, make test, the TODO list first.
		assert [ -f "$dir/tests/helpers.bash" ]
		run grep -l '^load \.\./\.\./tests/helpers' "$dir"/tests/*.bats
		assert_output ''
		grep -q '^test: container' "$dir/Makefile"
		assert_equal "$(head -n1 "$dir/README.md")" "# $(basename "$dir"): your exercise"
		grep -q "^1\. \`[a-z_]*\.c:[0-9]*\`: " "$dir/README.md"
		# The layer's clone flag and system calls are gone from the code (hints may name them).
		for f in ${NEW_FILES[$nn]}; do
			for call in ${STRIPPED_CALLS[$nn]}; do
				code_of "$dir/$f" | grep -qF -- "$call" && fail "step$nn: $f still calls $call"
			done
		done
		for f in "$KIT_TOP/$(basename "$dir")"/{,support/}*.[ch]; do
			[ -e "$f" ] || continue  # no support/ in this step
			f=${f#"$KIT_TOP/$(basename "$dir")"/}
			[ "${f##*/}" != default_filter.h ] || continue  # written by make, not a source
			if [[ " ${NEW_FILES[$nn]} " == *" $f "* ]]; then
				run grep -c "TODO(step$nn)" "$dir/$f"
				assert [ "$output" -gt 0 ]
				run grep -E 'exercise: |end exercise' "$dir/$f"
				assert_output ''
			else
				cmp "$KIT_TOP/$(basename "$dir")/$f" "$dir/$f" || fail "step$nn: $f differs from the kit's"
			fi
		done
	done
	# The learner's seccomp.c builds the filter: make does not build it for them.
	grep -q '^PRECOMPILED_FILTER ?= no' "$BATS_FILE_TMPDIR/skeleton/step09_security/Makefile" ||
		fail "step09: the skeleton would load a filter make built, not the learner's"
	# A learner's work is never overwritten.
	run -2 "$KIT_TOP/scripts/exercise.sh" 01 "$BATS_FILE_TMPDIR/skeleton"
	assert_output --partial "will not overwrite"
}

@test "exercise: every skeleton with the solution's marked lines put back is the solution, byte for byte: full marks" {
	local nn dir f
	[ ! -f "$BATS_FILE_TMPDIR/skeleton-failed" ] || fail "a skeleton did not build (see the test above)"
	for nn in 01 02 03 04 05 06 07 08 09; do
		dir=$(basename "$(ls -d "$BATS_FILE_TMPDIR/skeleton/step${nn}_"*)")
		for f in ${NEW_FILES[$nn]}; do
			"$KIT_TOP/scripts/restore-skeleton.py" "$KIT_TOP/$dir/$f" "$BATS_FILE_TMPDIR/skeleton/$dir/$f" "$nn" \
				>"$BATS_TEST_TMPDIR/$f.$nn" || fail "$dir/$f: cannot be restored"
			cmp "$BATS_TEST_TMPDIR/$f.$nn" "$KIT_TOP/$dir/$f" || fail "$dir/$f: restored, it is not the solution"
		done
	done
	# Identical sources: the solution's full marks (the test below, and the
	# matrix's diagonal) are the restored skeleton's.
}

# skeleton_grades_below_full NN: the kit's tests of the new layer fail on the
# skeleton, so make check SOLUTION=... STEP=NN fails; the build itself passes.
skeleton_grades_below_full() {
	local nn=$1 out=$BATS_TEST_TMPDIR/grade
	[ ! -f "$BATS_FILE_TMPDIR/skeleton-failed" ] || fail "a skeleton did not build (see the test above)"
	run -1 "$GRADE" --check --step "$nn" --filter "${SKELETON_FILTER[$nn]}" --out "$out" "$BATS_FILE_TMPDIR/skeleton"
	echo "$output"
	assert_equal "$(results "$out" '.steps | length')" 1
	assert_equal "$(results "$out" '.steps[0].full')" false
	assert [ "$(results "$out" '.steps[0].points')" != 10 ]
	assert_equal "$(results "$out" '[.tests[] | select(.test == "grade: the program builds")][0].status')" pass
	# Every filtered test of the new layer failed.
	assert_equal "$(results "$out" '[.tests[] | select((.test | startswith("grade:")) | not) | .status] | unique | join(",")')" fail
	# Its own make test runs them, and fails too.
	local dir own
	dir=$(ls -d "$BATS_FILE_TMPDIR/skeleton/step${nn}_"*)
	own=$BATS_TEST_TMPDIR/own/$(basename "$dir")
	mkdir -p "$BATS_TEST_TMPDIR/own" && cp -r "$dir" "$own"
	# As a learner runs it, not as a bats inside this one: make's /bin/sh would
	# drop the functions bats exports, and keep its variables and its PATH.
	run env -i PATH="${PATH//$BATS_LIBEXEC:/}" HOME="$HOME" make -s -C "$own" test KIT="$KIT_TOP" FILTER="${SKELETON_FILTER[$nn]}"
	echo "$output"
	assert_failure
	assert_output --partial 'not ok 1 '
	# The earlier layers still work: the previous step's tests pass on it.
	local previous
	previous=$(printf %02d $((10#$nn - 1)))
	[ -n "${SKELETON_FILTER[$previous]:-}" ] || return 0
	run env CONTAINER="$own/container" BATS_TEST_TIMEOUT=120 \
		bats --filter "${SKELETON_FILTER[$previous]}" "$(ls -d "$KIT_TOP/step${previous}_"*/tests)"
	echo "$output"
	assert_success
	assert_output --partial 'ok 1 '  # at least one ran
}

@test "exercise: step01's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 01; }
@test "exercise: step02's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 02; }
@test "exercise: step03's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 03; }
@test "exercise: step04's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 04; }
@test "exercise: step05's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 05; }
@test "exercise: step06's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 06; }
@test "exercise: step07's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 07; }
@test "exercise: step08's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 08; }
@test "exercise: step09's skeleton fails its new layer's tests, by the grader and its make test; the previous step's pass" { skeleton_grades_below_full 09; }

@test "grading: the kit's own solution gets full marks, every step and every exercise" {
	local out=$BATS_TEST_TMPDIR/grade
	if [ -n "${KIT_MATRIX_REPORTS:-}" ]; then
		# make check: the diagonal of the matrix it just ran.
		run "$GRADE" --check --from-reports "$KIT_MATRIX_REPORTS" --out "$out"
	else
		echo "# no KIT_MATRIX_REPORTS (tests/run.sh sets it): grading the kit's steps for real" >&3
		run "$GRADE" --check --out "$out" "$KIT_TOP"
	fi
	echo "$output"
	assert_success
	assert_equal "$(results "$out" '[.steps[] | select(.full)] | length')" \
		"$(ls -d "$KIT_TOP"/step[0-9][0-9]_*/ | wc -l)"
	# Every requirement met, or not graded here (its test skipped, saying why).
	assert_equal "$(results "$out" '[.exercises[].failed] | add')" 0
	assert_equal "$(results "$out" '[.exercises[].met] | add')" \
		"$(results "$out" '[.exercises[] | .total - .not_graded] | add')"
	assert [ "$(results "$out" '[.exercises[].met] | add')" -gt 0 ]
}

@test "grading: a real run on the kit's steps 01-02: full marks, the same results.json twice" {
	own_steps_01_02
	run "$GRADE" --check --out "$BATS_TEST_TMPDIR/a" "$SOLUTION"
	echo "$output"
	assert_success
	assert_output --regexp 'step01_uts +[0-9]+/[0-9]+ +10\.0/10'
	assert_output --regexp 'step02_pid +[0-9]+/[0-9]+ +10\.0/10'
	assert_output --regexp 'step03_mount +- +0\.0/10 +not in the solution'
	run "$GRADE" --check --out "$BATS_TEST_TMPDIR/b" "$SOLUTION"
	assert_success
	# The same, but for where it was written.
	cmp <(jq 'del(.solution)' "$BATS_TEST_TMPDIR/a/results.json") <(jq 'del(.solution)' "$BATS_TEST_TMPDIR/b/results.json")
	cmp "$BATS_TEST_TMPDIR/a/junit.xml" "$BATS_TEST_TMPDIR/b/junit.xml"
}

@test "grading: one step graded prints that step and only the requirements its tests graded, no practice exercise" {
	own_steps_01_02
	mkdir "$SOLUTION/ex01_namespaces"  # graded by a whole grading only
	run "$GRADE" --check --step 01 --filter '^(uts: the hostname inside is|cli: COMMAND defaults to /bin/sh)' \
		--out "$BATS_TEST_TMPDIR/g" "$SOLUTION"
	echo "$output"
	assert_success
	assert_output --regexp 'step01_uts +[0-9]+/[0-9]+ +10\.0/10'
	refute_output --partial step02_pid
	refute_output --partial ex01_namespaces
	refute_output --partial 'not graded'
	# Requirement 3.5 alone is proved by step01's tests only.
	assert_output --partial 'tests of step 01 prove them:'
	assert_line --regexp '^Exercise 3: .*: 1/1$'
	assert_line --partial '  [x] 5. '
	refute_output --regexp 'Exercise (1|2|4):'
}

@test "grading: a step that does not build gets 0 points; the other steps are graded" {
	own_steps_01_02
	echo 'this is not C' >>"$SOLUTION"/step02_*/pid.c
	run -1 "$GRADE" --check --filter '^(cli: --help|pid: COMMAND is PID 1)' --out "$BATS_TEST_TMPDIR/g" "$SOLUTION"
	echo "$output"
	assert_output --regexp 'step02_pid +0/[0-9]+ +0\.0/10 +build failed'
	assert_equal "$(results "$BATS_TEST_TMPDIR/g" '.steps[] | select(.step == "step01_uts") | .full')" true
	assert_equal "$(results "$BATS_TEST_TMPDIR/g" '[.tests[] | select(.step == "step02_pid" and .status == "pass")] | length')" 0
	assert_equal "$(results "$BATS_TEST_TMPDIR/g" '[.tests[] | select(.step == "step02_pid")] | length')" 2
}

@test "grading: a program that leaves a process on the host is docked for it, and the process killed" {
	own_steps_01_02
	# The student's step01 leaves a copy of itself running, with no fd of the test's.
	sed -i 's|^\treturn sys("uts", sethostname(|\tif (fork() == 0) { for (int fd = 0; fd < 1024; fd++) close(fd); for (;;) pause(); }\n&|' \
		"$SOLUTION"/step01_*/uts.c
	grep -q 'for (;;) pause' "$SOLUTION"/step01_*/uts.c
	run -1 "$GRADE" --check --step 01 --filter '^uts: the hostname inside is' --out "$BATS_TEST_TMPDIR/g" "$SOLUTION"
	echo "$output"
	assert_output --regexp 'step01_uts .*left on the host: process [0-9]+'
	assert_equal "$(results "$BATS_TEST_TMPDIR/g" '[.tests[] | select(.test == "grade: the host is left as it was found")][0].status')" fail
	# Cleaned up: no process of that program survives the grading.
	sleep 0.5
	assert_equal "$(find /proc/[0-9]*/exe -maxdepth 0 -lname "$BATS_TEST_TMPDIR/g/solution/step01_uts/container" 2>/dev/null)" ""
}
