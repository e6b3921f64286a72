#!/usr/bin/env bats
# todo-checks.bats - every step's skeleton can be filled in TODO by TODO, each
# TODO proved by its own check: TODO k's check (the "check: REGEX" of its
# hint, the README's `make test FILTER=...`) fails with TODOs 1..k-1 written
# and passes with TODOs 1..k written. A learner who checks after each TODO
# then sees only the failures of what is still to do.
#
# How: the skeleton (make exercise) is filled in with the solution's marked
# lines, one TODO more at a time (scripts/restore-skeleton.py --only), each
# state built once; then one filtered run of the skeleton's own tests, as its
# make test runs them, covers the check of the TODO just written (must pass)
# and of the next (must fail).
# A state with a TODO still open may do what the finished program never does
# (write into its image without an overlay, mount with the host's / still its
# root): its tests run on a copy of the image, in a mount namespace of their
# own whose mounts never propagate to the host's.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load skeletons

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# Steps whose checks are known not to pass in order yet, each with its reason:
# not run (a failing state can wait out every test's timeout), the reason said.
declare -gA KNOWN_FAILURE=( )

setup_file() {
	local nn
	# Beside the kit's image, on the same filesystem (some tests need one
	# that supports idmapped mounts, which /tmp may not).
	mkdir -p "$KIT_TOP/build"
	# Reachable by a container's root (from step05: an unprivileged host id).
	TODO_ROOTFS=$(mktemp -d "$KIT_TOP/build/todo-checks.XXXXXX")
	chmod 755 "$TODO_ROOTFS"
	TODO_ROOTFS+=/rootfs
	cp -a "$KIT_TOP/rootfs/." "$TODO_ROOTFS"
	export TODO_ROOTFS
	write_skeletons
}

teardown_file() {
	rm -rf "$(dirname "$TODO_ROOTFS")"
}

# todos DIR NN: "N<tab>REGEX" for each TODO(stepNN) of DIR's files, in order;
# REGEX is its check (several check: lines: any of them), empty if none. A
# TODO that cannot be checked alone is merged with the next one: both parts
# (regions) then bear its number.
todos() {
	awk -v nn="$2" '
	$0 ~ "TODO\\(step" nn "\\): [0-9]+\\. " {
		n = $0; sub(".*TODO\\(step" nn "\\): ", "", n); sub(/\..*/, "", n)
		if (!(n in check)) check[n] = ""
		in_hint = ($0 !~ /\*\/$/); next
	}
	in_hint {
		line = $0; sub(/^[ \t]*\*\/? ?/, "", line); sub(/ *\*\/$/, "", line)
		c = "(" substr(line, 8) ")"
		if (line ~ /^check: / && index("|" check[n] "|", "|" c "|") == 0) check[n] = check[n] (check[n] == "" ? "" : "|") c
		if ($0 ~ /\*\/$/) in_hint = 0
	}
	END { for (n in check) printf "%s\t%s\n", n, check[n] }' "$1"/*.c | sort -n
}

# state DIR NN K: DIR is the skeleton with its TODOs 1..K written (the
# solution's lines), built.
state() {
	local dir=$1 nn=$2 k=$3 only='' i f
	for ((i = 1; i <= k; i++)); do only+="${only:+,}$i"; done
	for f in $(grep -l "TODO(step$nn)" "$SKELETON"/*.c); do
		f=$(basename "$f")
		"$KIT_TOP/scripts/restore-skeleton.py" "$KIT_TOP/$(basename "$dir")/$f" "$SKELETON/$f" "$nn" \
			--only "$only" >"$dir/$f" || return 1
	done
	make -s -C "$dir" >"$BATS_TEST_TMPDIR/build.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/build.log"; return 1; }
}

# results DIR REGEX: runs DIR's tests whose names match REGEX against DIR's
# program, as its make test does; "ok|not ok|skip<tab>NAME" per test.
results() {
	unshare --mount --propagation slave \
		env CONTAINER="$1/container" KIT_TOP="$KIT_TOP" KIT_ROOTFS="$TODO_ROOTFS" BATS_TEST_TIMEOUT=120 \
		bats --tap --filter "$2" "$1/tests" 2>&1 |
		sed -nE 's/^ok [0-9]+ (.*) # skip.*/skip\t\1/p; s/^ok [0-9]+ (.*)/ok\t\1/p; s/^not ok [0-9]+ (.*)/not ok\t\1/p'
}

# verdict RESULTS REGEX WANT: of the tests whose names match REGEX, WANT=pass:
# all passed, one at least not skipped; WANT=fail: one at least failed.
verdict() {
	local status name ran=0 failed=0 passed=0
	while IFS=$'\t' read -r status name; do
		[[ $name =~ $2 ]] || continue
		ran=$((ran + 1))
		case "$status" in "not ok") failed=$((failed + 1)) ;; ok) passed=$((passed + 1)) ;; esac
	done <<<"$1"
	[ "$ran" -gt 0 ] || { echo "no test matches"; return 1; }
	if [ "$3" = pass ]; then
		[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || { echo "$failed of $ran failed, $passed passed"; return 1; }
	else
		[ "$failed" -gt 0 ] || { echo "all $ran passed or skipped"; return 1; }
	fi
}

# todo_checks NN: the proof above, for step NN.
todo_checks() {
	local nn=$1 list n=0 k check next out problems='' state_dir
	[ -z "${KNOWN_FAILURE[$nn]:-}" ] || skip "step$nn, a known failure: ${KNOWN_FAILURE[$nn]}"
	[ ! -f "$BATS_FILE_TMPDIR/skeleton-failed" ] ||
		{ cat "$BATS_FILE_TMPDIR"/exercise-*.log; fail "skeletons that did not build: $(cat "$BATS_FILE_TMPDIR/skeleton-failed")"; }
	SKELETON=$(ls -d "$BATS_FILE_TMPDIR/skeleton/step${nn}_"*)
	state_dir=$BATS_TEST_TMPDIR/$(basename "$SKELETON")
	cp -r "$SKELETON" "$state_dir"
	list=$(todos "$SKELETON" "$nn")
	local -a checks=('')
	while IFS=$'\t' read -r k check; do
		n=$((n + 1))
		[ "$k" -eq "$n" ] || fail "step$nn: the TODOs are not numbered 1..N: $n is $k"
		[ -n "$check" ] || problems+="TODO $k has no check: line"$'\n'
		checks+=("$check")
	done <<<"$list"
	[ "$n" -gt 0 ] || fail "step$nn: no numbered TODO"
	for ((k = 0; k <= n; k++)); do
		state "$state_dir" "$nn" "$k" || fail "step$nn: the skeleton with TODOs 1..$k does not build"
		check=${checks[k]:-} next=${checks[k + 1]:-}
		[ -n "$check$next" ] || continue
		out=$(results "$state_dir" "${check:+$check${next:+|}}$next")
		if [ "$k" -gt 0 ] && [ -n "$check" ]; then
			verdict "$out" "$check" pass >"$BATS_TEST_TMPDIR/why" ||
				problems+="TODO $k's check ($check) does not pass with TODOs 1..$k: $(cat "$BATS_TEST_TMPDIR/why")"$'\n'
		fi
		if [ "$k" -lt "$n" ] && [ -n "$next" ]; then
			verdict "$out" "$next" fail >"$BATS_TEST_TMPDIR/why" ||
				problems+="TODO $((k + 1))'s check ($next) does not fail with TODOs 1..$k: $(cat "$BATS_TEST_TMPDIR/why")"$'\n'
		fi
		echo "step$nn, TODOs 1..$k written:"$'\n'"$out"
	done
	[ -z "$problems" ] || fail "step$nn: $problems"
}

@test "exercise: step01's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 01; }
@test "exercise: step02's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 02; }
@test "exercise: step03's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 03; }
@test "exercise: step04's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 04; }
@test "exercise: step05's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 05; }
@test "exercise: step06's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 06; }
@test "exercise: step07's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 07; }
@test "exercise: step08's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 08; }
@test "exercise: step09's TODOs, written in order, each passes its own check, which failed before it" { todo_checks 09; }
