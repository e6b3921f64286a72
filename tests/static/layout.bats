#!/usr/bin/env bats
# layout.bats - the layout shows the lesson (issue 25): each step's top holds
# its lesson and the earlier ones, container.c, kit.[ch], Makefile, README,
# tests/ and support/, at most 25 entries (layout.sh); and the check fails
# where it must, on a kit of its own. tests/run.sh runs this in a whole make check.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
LAYOUT=$KIT_TOP/tests/static/layout.sh

# fake_step DIR LESSON FILE...: a step whose Makefile's LESSON is LESSON,
# holding the always-allowed entries and FILEs (paths in the step).
fake_step() {
	local dir=$BATS_TEST_TMPDIR/kit/$1 lesson=$2 f
	shift 2
	mkdir -p "$dir/tests" "$dir/support"
	printf 'LAYERS = %s\nLESSON = %s\nall:\n' "$lesson" "$lesson" >"$dir/Makefile"
	touch "$dir/container.c" "$dir/kit.c" "$dir/kit.h" "$dir/README.md" "$dir/$lesson"
	for f in "$@"; do touch "$dir/$f"; done
}

# many_layers N: step01_a's LAYERS gets N more files, each at its top.
many_layers() {
	local dir=$BATS_TEST_TMPDIR/kit/step01_a layers
	layers=$(seq -f 'l%g.c' 1 "$1" | tr '\n' ' ')
	printf 'LAYERS = uts.c %s\nLESSON = uts.c\nall:\n' "$layers" >"$dir/Makefile"
	(cd "$dir" && touch $layers)
}

@test "layout: each step's top holds its lesson, the earlier ones and the kit's files; step09 at most 25 entries" {
	run "$LAYOUT"
	assert_success
	assert_output --regexp 'step09_security +[0-9]+ entries at the top'
	refute_output --partial 'belongs in'
}

@test "layout: a support file or a header at a step's top fails, named" {
	fake_step step01_a uts.c support/uts_parse.c
	run "$LAYOUT" "$BATS_TEST_TMPDIR/kit"
	assert_success
	touch "$BATS_TEST_TMPDIR/kit/step01_a/netlink.c" "$BATS_TEST_TMPDIR/kit/step01_a/net.h"
	run -1 "$LAYOUT" "$BATS_TEST_TMPDIR/kit"
	assert_line "layout: step01_a/netlink.c belongs in step01_a/support/ (not a lesson file of this step or an earlier one)"
	assert_line "layout: step01_a/net.h belongs in step01_a/support/ (not a lesson file of this step or an earlier one)"
}

@test "layout: a lesson file in support/ fails; more than 25 entries at the top fails" {
	fake_step step01_a uts.c support/uts.c
	run -1 "$LAYOUT" "$BATS_TEST_TMPDIR/kit"
	assert_line "layout: step01_a/support/uts.c is a lesson file: it belongs at the top"
	rm "$BATS_TEST_TMPDIR/kit/step01_a/support/uts.c"
	# 8 entries (container.c kit.c kit.h Makefile README.md tests support uts.c) + 17 layers: 25
	many_layers 17
	run "$LAYOUT" "$BATS_TEST_TMPDIR/kit"
	assert_success
	many_layers 18
	run -1 "$LAYOUT" "$BATS_TEST_TMPDIR/kit"
	assert_line "layout: step01_a has 26 entries at its top: at most 25"
}
