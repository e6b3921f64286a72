#!/usr/bin/env bats
# Signals to the kit's program in the foreground (container.c). SIGINT,
# SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to COMMAND;
# COMMAND's end is the kit's exit code (128+N when signal N kills it), and
# the cleanup runs whatever ended it. The host is compared before and after.
# A signal during setup: step04_net/tests/net.bats ("signals: ..."), where
# setup first leaves something on the host. Many of them, mixed: tests/soak/.

load ../../tests/helpers

setup() {
	kit_setup
}

teardown() {
	kit_teardown
}

# Waits until the background container's output has line $1.
wait_line() {
	local i
	for i in $(seq 100); do
		grep -qx -- "$1" "$BG_OUT" && return 0
		sleep 0.05
	done
	cat "$BG_OUT"
	fail "no line \"$1\" from the container after 5 s"
}

@test "signals: SIGINT to the kit is forwarded to COMMAND, whose status is the kit's" {
	start_bg -- sh -c 'trap "exit 43" INT; echo ready; while :; do sleep 0.1; done'
	kill -INT "$BG_PID"
	wait_bg
	assert_equal "$BG_STATUS" 43
	assert_nothing_left
}

@test "signals: SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 reach COMMAND, and the kit keeps running" {
	local sig
	start_bg -- sh -c 'for s in HUP QUIT USR1 USR2; do trap "echo got-$s" $s; done
		trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	for sig in HUP QUIT USR1 USR2; do
		kill "-$sig" "$BG_PID"
		wait_line "got-$sig"
		kill -0 "$BG_PID" || fail "the kit exited on SIG$sig"
	done
	kill -TERM "$BG_PID"
	wait_bg
	assert_equal "$BG_STATUS" 42
	assert_nothing_left
}

# PID 1 of a PID namespace gets a signal from outside only if it has a
# handler for it (pid_namespaces(7)); before step02 COMMAND is no PID 1.
@test "signals: a forwarded SIGTERM COMMAND has no handler for: 143, or ignored by PID 1 (step02+)" {
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	kill -TERM "$BG_PID"
	if [ "$PROGRAM_STEP" -ge 2 ]; then
		sleep 0.5
		kill -0 "$BG_CHILD" || fail "PID 1 died of a signal it has no handler for"
		kill -0 "$BG_PID" || fail "the kit exited while COMMAND runs"
		note "COMMAND is PID 1: it ignored SIGTERM (no handler), as in docker run without --init"
		kill -KILL "$BG_CHILD"
		wait_bg
		assert_equal "$BG_STATUS" 137
	else
		wait_bg
		assert_equal "$BG_STATUS" 143
	fi
	assert_nothing_left
}

@test "signals: a burst of SIGINT while COMMAND ends and the kit cleans up: COMMAND's status, nothing left" {
	local state
	# COMMAND ignores SIGINT: every one of them is the kit's to survive, also
	# after COMMAND is reaped, when there is nobody to forward to.
	start_bg -- sh -c 'trap "" INT; trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	kill -TERM "$BG_PID"
	for _ in $(seq 2000); do
		state=$(awk '{ print $3 }' "/proc/$BG_PID/stat" 2>/dev/null) || break
		[ "$state" != Z ] || break  # exited; not reaped yet
		kill -INT "$BG_PID" 2>/dev/null || break
		sleep 0.005
	done
	wait_bg
	assert_equal "$BG_STATUS" 42
	assert_nothing_left
}
