# runc.bash - for step09's tests that run one bundle under runc, the
# reference, and under the kit, side by side (oci.bats, conformance.bats).
# Each test's state goes to roots of its own (--root), so tests never see
# another's containers; every ID a test uses is deleted in both, whatever
# happened.

# runc_setup: a bundle from `runc spec` in $BUNDLE (terminal false); the
# test's own state roots. runc is the reference: without it, the test skips.
runc_setup() {
	command -v runc >/dev/null || skip "runc is not installed: it is the reference here"
	IDS=()
	RUNC_IDS=()
	RT_ROOT=$BATS_TEST_TMPDIR/state
	RUNC_ROOT=$BATS_TEST_TMPDIR/runc-state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	(cd "$BUNDLE" && runc spec) || fail "runc spec failed"
	edit_config '.process.terminal = false'
}

# Every container of the test deleted (--force): IDS in both, RUNC_IDS in runc.
delete_all() {
	local id
	for id in "${IDS[@]}"; do
		rt delete --force "$id" >/dev/null 2>&1 || true
		ref delete --force "$id" >/dev/null 2>&1 || true
	done
	for id in "${RUNC_IDS[@]}"; do ref delete --force "$id" >/dev/null 2>&1 || true; done
}

rt() { "$CONTAINER" --root "$RT_ROOT" "$@"; }
ref() { runc --root "$RUNC_ROOT" "$@"; }

# edit_config [JQ OPTIONS] FILTER: the bundle's config.json through jq.
edit_config() {
	jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_script SCRIPT: process.args is sh -c SCRIPT.
set_script() {
	edit_config --arg script "$1" '.process.args = ["sh", "-c", $script]'
}

# run_both ID: the bundle under runc, then under the kit, each `run` in the
# foreground. Sets RUNC_STATUS, RUNC_OUTPUT, KIT_STATUS, KIT_OUTPUT.
run_both() {
	IDS+=("$1")
	run runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" "$1" </dev/null
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run "$CONTAINER" --root "$RT_ROOT" run --bundle "$BUNDLE" "$1" </dev/null
	KIT_STATUS=$status KIT_OUTPUT=$output
}

# Both exited 0 and printed the same; on a difference, both side by side.
assert_same_as_runc() {
	[ "$RUNC_STATUS" -eq 0 ] || fail "runc exited $RUNC_STATUS: $RUNC_OUTPUT"
	[ "$KIT_STATUS" -eq 0 ] || fail "the kit exited $KIT_STATUS: $KIT_OUTPUT"
	[ "$KIT_OUTPUT" = "$RUNC_OUTPUT" ] ||
		fail "$(printf 'runc and the kit differ:\n%s\n' "$(diff <(echo "$RUNC_OUTPUT") <(echo "$KIT_OUTPUT"))")"
}
