#!/usr/bin/env bats
# caps.bats - the lesson stays short (issue 25): each lesson file at most 250
# lines, each step's lesson (its Makefile's LESSON files together) at most
# 400, checked by lesson-caps.sh; and the check itself fails where it must,
# on a kit of its own. tests/run.sh runs this in a whole make check.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CAPS=$KIT_TOP/tests/static/lesson-caps.sh

# fake_step DIR "FILE LINES..." : a step directory whose Makefile's LESSON
# names those files, each of that many lines.
fake_step() {
	local dir=$BATS_TEST_TMPDIR/kit/$1 files='' f n
	shift
	mkdir -p "$dir"
	while [ $# -gt 0 ]; do
		f=$1 n=$2
		shift 2
		files+=" $f"
		yes '/* a line */' | head -n "$n" >"$dir/$f"
	done
	printf 'LESSON   =%s\nSUPPORT  =\nall:\n' "$files" >"$dir/Makefile"
}

@test "caps: each lesson file has at most 250 lines, each step's lesson at most 400" {
	run "$CAPS"
	assert_success
	assert_output --regexp 'step09_security +lesson'
}

@test "caps: a lesson file of 251 lines fails, named; 250 passes" {
	fake_step step01_a a.c 250
	run "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_success
	fake_step step01_a a.c 251
	run -1 "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_line "lesson-caps: step01_a/a.c has 251 lines: a lesson file has at most 250"
}

@test "caps: a step's lesson of 401 lines fails, named, though each of its files is under 250" {
	fake_step step01_a a.c 10
	fake_step step02_b b.c 200 c.c 200
	run "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_success
	fake_step step02_b b.c 200 c.c 201
	run -1 "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_line "lesson-caps: step02_b's lesson (b.c c.c) has 401 lines: a step's lesson has at most 400"
	refute_output --partial step01_a/
}

@test "caps: a LESSON that names a missing file, or none, fails" {
	fake_step step01_a a.c 10
	rm "$BATS_TEST_TMPDIR/kit/step01_a/a.c"
	run -1 "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_output --partial "names a.c, which does not exist"
	printf 'SUPPORT =\nall:\n' >"$BATS_TEST_TMPDIR/kit/step01_a/Makefile"
	run -1 "$CAPS" "$BATS_TEST_TMPDIR/kit"
	assert_output --partial "step01_a/Makefile sets no LESSON"
}
