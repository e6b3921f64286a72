#!/usr/bin/env bats
# step02_pid: the PID namespace - COMMAND is PID 1 of its own process tree.

load ../../tests/helpers

setup() { kit_setup; }
teardown() { kit_teardown; }

@test "pid: the container's PID namespace is not the host's" {
	run kit -- readlink /proc/self/ns/pid_for_children
	assert_success
	refute_output "$(readlink /proc/self/ns/pid)"
}

@test "pid: COMMAND is PID 1 inside, and another PID on the host" {
	start_bg -- sh -c 'echo $$; echo ready; sleep 1000'
	assert_equal "$(head -n1 "$BG_OUT")" 1
	[ "$BG_CHILD" -gt 1 ]
	# The host's PID for it and the namespace it lives in, seen from the host.
	assert_equal "$(readlink "/proc/$BG_CHILD/ns/pid")" \
		"$(nsenter -t "$BG_CHILD" -p -- readlink /proc/self/ns/pid_for_children 2>/dev/null ||
		   readlink "/proc/$BG_CHILD/ns/pid")"
	refute [ "$(readlink "/proc/$BG_CHILD/ns/pid")" = "$(readlink /proc/self/ns/pid)" ]
	# The host sees the container's PIDs mapped: NSpid lists host PID then 1.
	run grep '^NSpid:' "/proc/$BG_CHILD/status"
	assert_output --regexp "^NSpid:[[:space:]]+$BG_CHILD[[:space:]]+1$"
}

@test "pid: -v traces the child's check that it is PID 1" {
	run kit -v -- true
	assert_success
	assert_line --partial '[pid] getpid() = 1'
}

@test "pid: the container cannot signal a host process by its PID" {
	sleep 1000 3>&- &
	local host_pid=$!
	run kit -- sh -c "kill -0 $host_pid"
	kill "$host_pid"
	assert_failure
	refute_output --partial "Operation not permitted"  # it is not found, not refused
}

@test "pid: nothing COMMAND started survives it on the host" {
	run kit -- sh -c 'sleep 31337 & sleep 31338 & echo started'
	assert_success
	assert_output started
	sleep 0.2
	run pgrep -f 'sleep 3133[78]'
	assert_failure
	assert_nothing_left
}

@test "pid: a PID namespace alone leaves the host's /proc visible (step03 fixes it)" {
	[ "$PROGRAM_STEP" -eq 2 ] || skip "from step03 on /proc is the container's own; step03's tests check it"
	# The lesson of this step: ps reads /proc, and /proc is still the host's.
	run kit -- sh -c 'echo $$; cat /proc/1/comm'
	assert_success
	assert_line --index 0 1
	assert_line --index 1 "$(cat /proc/1/comm)"
}
