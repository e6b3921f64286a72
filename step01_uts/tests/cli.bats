#!/usr/bin/env bats
# The command-line contract every step keeps: --help, -v, docker run's exit codes.

load ../../tests/helpers

setup() { kit_setup; }
teardown() { kit_teardown; }

@test "cli: --help describes the options and exits 0" {
	run "$CONTAINER" --help
	assert_success
	assert_output --partial "Usage: container [OPTIONS] [--] [COMMAND [ARG...]]"
	assert_output --partial "--hostname NAME"
	assert_output --partial "--verbose"
}

@test "cli: an unknown option is refused with exit 125 and named" {
	run "$CONTAINER" --no-such-option -- true
	assert_equal "$status" 125
	assert_output --partial "--no-such-option: unknown option"
	assert_nothing_left
}

@test "cli: an option without its value is refused with exit 125" {
	run "$CONTAINER" --hostname
	assert_equal "$status" 125
	assert_output --partial "--hostname: needs a value"
}

@test "cli: COMMAND not found exits 127 and says why" {
	run -127 kit -- /no/such/command
	assert_equal "$status" 127
	assert_output --partial "/no/such/command"
	assert_output --partial "No such file or directory"
	assert_nothing_left
}

@test "cli: COMMAND not executable exits 126 and says why" {
	run kit -- /etc/passwd
	assert_equal "$status" 126
	assert_output --partial "Permission denied"
}

@test "cli: COMMAND's own exit status is the kit's exit status" {
	for code in 0 1 3 42 255; do
		run kit -- sh -c "exit $code"
		assert_equal "$status" "$code"
	done
}

@test "cli: COMMAND killed by a signal N exits 128+N" {
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 137
	assert_nothing_left
}

@test "cli: SIGTERM to the kit is forwarded to COMMAND" {
	start_bg -- sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	kill -TERM "$BG_PID"
	wait_bg
	assert_equal "$BG_STATUS" 42
	assert_nothing_left
}

@test "cli: stdin, stdout and stderr are passed through" {
	run kit -- sh -c 'cat; echo to-stderr >&2' <<<through-stdin
	assert_success
	assert_line through-stdin
	assert_line to-stderr
}

@test "cli: COMMAND defaults to /bin/sh" {
	run kit <<<"echo default-shell"
	assert_success
	assert_output default-shell
}

@test "cli: -v traces each kernel call with its layer" {
	run kit -v -- true
	assert_success
	assert_line --partial '[uts] sethostname("container") = 0'
	assert_line --partial '[container] clone('
}
