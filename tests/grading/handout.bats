#!/usr/bin/env bats
# handout.bats - the student edition (make handout, scripts/handout.sh) holds
# no answer and is graded as the kit grades: no step's code holds a lesson's
# system calls from FROM on, not even a later step carrying an earlier
# lesson; no reference of the practice exercises, no restorer; steps before
# FROM whole. A hand-in made from it (its make handin), the solution put back
# into its TODOs, gets full marks from the instructor's class grader; its
# GitHub Classroom workflow parses and its commands run here.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load skeletons

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	"$KIT_TOP/scripts/handout.sh" "$BATS_FILE_TMPDIR/handout" >"$BATS_FILE_TMPDIR/handout.log" 2>&1 ||
		echo failed >"$BATS_FILE_TMPDIR/handout-failed"
}

handout() {
	[ ! -f "$BATS_FILE_TMPDIR/handout-failed" ] || { cat "$BATS_FILE_TMPDIR/handout.log"; fail "make handout failed"; }
	echo "$BATS_FILE_TMPDIR/handout"
}

# code_of FILE: FILE's C without its comments.
code_of() { perl -0pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$1"; }

# restore DIR STEP-DIR: the solution put back into every TODO of the
# lessons that STEP-DIR of DIR carries, as a student who finished it has it.
restore() {
	local dir=$1 name=$2 s f tmp
	tmp=$(mktemp)
	for s in 01 02 03 04 05 06 07 08 09; do
		for f in ${NEW_FILES[$s]}; do
			[ -f "$dir/$name/$f" ] || continue
			"$KIT_TOP/scripts/restore-skeleton.py" "$KIT_TOP/$name/$f" "$dir/$name/$f" "$s" >"$tmp" ||
				fail "$name/$f: cannot be restored"
			cp "$tmp" "$dir/$name/$f"
		done
	done
	rm -f "$tmp"
}

@test "handout: no step from FROM on holds an answer: no lesson's calls in its code, later steps' copies of earlier lessons included; no markers, no references, no restorer" {
	local dir nn name s f call
	dir=$(handout)
	for nn in 01 02 03 04 05 06 07 08 09; do
		name=$(basename "$(ls -d "$dir/step${nn}_"*)")
		for s in 01 02 03 04 05 06 07 08 09; do
			[ "$s" -le "$nn" ] || continue
			for f in ${NEW_FILES[$s]}; do
				[ -f "$dir/$name/$f" ] || fail "$name: $f missing"
				for call in ${STRIPPED_CALLS[$s]}; do
					code_of "$dir/$name/$f" | grep -qF -- "$call" && fail "$name/$f still calls $call (step$s's lesson)"
				done
				grep -q "TODO(step$s)" "$dir/$name/$f" || fail "$name/$f: no TODO(step$s)"
			done
		done
		# Restored, each file is the kit's, byte for byte: only the answers were taken out.
		cp -r "$dir/$name" "$BATS_TEST_TMPDIR/"
		restore "$BATS_TEST_TMPDIR" "$name"
		for f in "$KIT_TOP/$name"/*.[ch]; do
			[ "${f##*/}" = default_filter.h ] && continue
			cmp "$f" "$BATS_TEST_TMPDIR/$name/${f##*/}" || fail "$name/${f##*/}: restored, it is not the kit's"
		done
	done
	run grep -rlE '/\* (exercise: |end exercise \*/)' "$dir"
	assert_output ''
	assert [ ! -e "$dir/tests/grading/exercises" ]
	assert [ ! -e "$dir/scripts/restore-skeleton.py" ]
	assert [ ! -e "$dir/scripts/exercise.sh" ]
	assert [ ! -e "$dir/tests/mutate" ]
	assert [ ! -e "$dir/tests/fuzz" ]
	# No file of the handout is a reference solution of a practice exercise.
	while IFS= read -r f; do
		run grep -rlxF --null -f /dev/null "$dir"  # (keeps bats quiet)
		for g in $(find "$dir" -type f -name "$(basename "$f")"); do
			cmp -s "$f" "$g" && fail "${g#"$dir"/} is the reference $f"
		done
	done < <(find "$KIT_TOP/tests/grading/exercises" -type f)
	# The practice exercises are their starters.
	for f in "$KIT_TOP"/scripts/practice/ex*/*; do
		cmp "$f" "$dir/${f#"$KIT_TOP/scripts/practice/"}"
	done
	# The tests and the grader are there; a step's README lists its TODOs and the earlier ones it carries.
	assert [ -f "$dir/tests/helpers.bash" ] && assert [ -f "$dir/step05_user/tests/user.bats" ]
	assert [ -x "$dir/scripts/grade.sh" ] && assert [ -f "$dir/tests/grading/exercises.tsv" ]
	grep -q '^1\. `mount.c:[0-9]*`: ' "$dir/step03_mount/README.md"
	grep -q '^- `pid.c`: [0-9]* TODO(step02) comments, as in `step02_pid/pid.c`' "$dir/step03_mount/README.md"
	grep -q 'make rootfs' "$dir/README.md" && grep -q 'busybox-static' "$dir/README.md" && grep -q 'make handin' "$dir/README.md"
	# A learner's directory is never overwritten.
	run -2 "$KIT_TOP/scripts/handout.sh" "$dir"
	assert_output --partial 'will not overwrite'
}

@test "handout: FROM=08: steps 01-07 whole, as the kit has them; 08-09 skeletons of their own lessons and of no earlier one" {
	local dir=$BATS_TEST_TMPDIR/h8 name f
	run make -s -C "$KIT_TOP" handout DEST="$dir" FROM=08
	assert_success
	for name in step01_uts step02_pid step03_mount step04_net step05_user step06_cgroups step07_overlay; do
		diff -r -x container -x .build-flags -x default_filter.h -x filter-gen "$KIT_TOP/$name" "$dir/$name"
	done
	grep -q 'TODO(step08)' "$dir/step09_security/ipc.c"
	run grep -l 'TODO(step0[1-7])' "$dir"/step0[89]_*/*.c
	assert_output ''
	grep -q '^- `step07_overlay`: given whole' "$dir/README.md"
	# The workflow grades only the steps to write, and the exercises.
	run grep -o 'id: [a-z0-9]*' "$dir/.github/workflows/classroom.yml"
	assert_output "$(printf 'id: step08\nid: step09\nid: ex01\nid: ex02\nid: ex03\nid: ex04')"
}

@test "handout: a hand-in made from it (make handin), its TODOs filled with the solution, gets 10/10 from the instructor's class grader; roster ids in class.csv and the LMS files" {
	local dir own class=$BATS_TEST_TMPDIR/class out=$BATS_TEST_TMPDIR/grade
	dir=$(handout)
	own=$BATS_TEST_TMPDIR/alice-repo
	mkdir -p "$own" "$class/alice"
	cp -r "$dir"/step01_uts "$dir"/step02_pid "$dir"/Makefile "$own/"
	restore "$own" step01_uts
	restore "$own" step02_pid
	run make -s -C "$own" handin
	assert_success
	tar -xzf "$own/build/handin.tar.gz" -C "$class/alice"
	assert [ -f "$class/alice/step02_pid/pid.c" ] && assert [ ! -e "$class/alice/step02_pid/container" ]
	printf 'name,handin,email,sis_user_id,canvas_id,sis_login_id,section\n"Doe, Alice",alice,alice@example.edu,S123,4711,adoe,Lab A\n' \
		>"$BATS_TEST_TMPDIR/roster.csv"
	run env ROSTER="$BATS_TEST_TMPDIR/roster.csv" "$KIT_TOP/scripts/grade-class.sh" --out "$out" "$class"
	echo "$output"
	assert_success
	assert_equal "$(jq -r '[.students[0].cells[] | "\(.column)=\(.points)"] | join(" ")' "$out/class.json")" \
		"step01_uts=10 step02_pid=10"
	assert_equal "$(head -n1 "$out/class.csv")" '"student","lms_id","email","step01_uts","step02_pid","points","max_points"'
	assert_equal "$(sed -n 2p "$out/class.csv")" 'alice,S123,alice@example.edu,10,10,20,20'
	assert_equal "$(sed -n 2p "$out/class-canvas.csv")" '"Doe, Alice",4711,S123,adoe,Lab A,10,10,20'
	assert_equal "$(sed -n 2p "$out/class-moodle.csv")" 'alice@example.edu,10,10,20'
}

@test "handout: the hand-in as handed out, its TODOs empty, is graded below full on step01" {
	local dir class=$BATS_TEST_TMPDIR/class out=$BATS_TEST_TMPDIR/grade
	dir=$(handout)
	mkdir -p "$class/bob"
	cp -r "$dir"/step01_uts "$class/bob/"
	run "$KIT_TOP/scripts/grade-class.sh" --filter '^uts: the hostname inside is' --out "$out" "$class"
	echo "$output"
	assert_success
	assert_equal "$(jq -r '.students[0].cells[0].points' "$out/class.json")" 0
}
