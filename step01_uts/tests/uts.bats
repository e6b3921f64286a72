#!/usr/bin/env bats
# step01_uts: the UTS namespace - the container's hostname is its own.

load ../../tests/helpers

setup() { kit_setup; }
teardown() { kit_teardown; }

@test "uts: the container's UTS namespace is not the host's" {
	run kit -- readlink /proc/self/ns/uts
	assert_success
	refute_output "$(readlink /proc/self/ns/uts)"
	assert_output --regexp '^uts:\[[0-9]+\]$'
}

@test "namespaces: each is new exactly from the step that adds it (program is step $PROGRAM_STEP)" {
	local type inside checked=0
	for type in "${!NS_STEP[@]}"; do
		[ -e "/proc/self/ns/$type" ] || continue
		checked=$((checked + 1))
		inside=$(kit -- readlink "/proc/self/ns/$type")
		if [ "$PROGRAM_STEP" -ge "${NS_STEP[$type]}" ]; then
			[ "$inside" != "$(readlink "/proc/self/ns/$type")" ] || fail "$type: expected a new namespace, got the host's $inside"
		else
			assert_equal "$inside" "$(readlink "/proc/self/ns/$type")"
		fi
	done
	[ "$checked" -ge 7 ] || fail "only $checked namespace types were compared"
}

@test "uts: the hostname inside is 'container' by default and --hostname NAME" {
	run kit -- hostname
	assert_success
	assert_output container
	run kit --hostname web-1 -- hostname
	assert_success
	assert_output web-1
}

@test "uts: the host's hostname is unchanged while the container runs and after" {
	local host
	host=$(hostname)
	start_bg --hostname inside-name -- sh -c 'hostname; echo ready; exec sleep 1000'
	assert_equal "$(hostname)" "$host"
	assert_equal "$(head -n1 "$BG_OUT")" inside-name
	assert_equal "$(cat /proc/sys/kernel/hostname)" "$host"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$(hostname)" "$host"
	assert_nothing_left
}

@test "uts: COMMAND renaming the host inside does not reach the host" {
	local host
	host=$(hostname)
	run kit -- sh -c 'hostname renamed-inside && hostname'
	if [ "$status" -eq 0 ]; then
		assert_output renamed-inside
	else
		note "hostname inside was refused (a later layer forbids it): $output"
	fi
	assert_equal "$(hostname)" "$host"
}

@test "uts: an empty or over-long --hostname is refused with exit 125" {
	run "$CONTAINER" --hostname "" -- true
	assert_equal "$status" 125
	assert_output --partial "--hostname"
	run "$CONTAINER" --hostname "$(printf 'x%.0s' $(seq 65))" -- true
	assert_equal "$status" 125
	assert_output --partial "1 to 64 characters"
	assert_nothing_left
}
