#!/usr/bin/env bats
# step05_user: the user namespace - container root is not host root.

load ../../tests/helpers

setup() { kit_setup; }

# in_private_mounts SCRIPT COMMAND...: COMMAND in a private mount namespace
# where the sh SCRIPT first changed what some paths show. Those mounts die
# with the namespace's last process, whatever the test's outcome (teardown
# kills them all); the tmpfs and proc sources are named kit-..., which
# kit_teardown would undo should one ever reach the host.
in_private_mounts() {
	local script=$1
	shift
	unshare --mount --propagation private -- sh -euc "$script"'
		exec "$@"' sh "$@"
}

# A stand-in for Ubuntu's sysctl, reading $1, in place of procfs's directory
# (procfs has no file to bind over and takes no new one). A proc mount with
# nothing over it keeps /proc mountable for the container: the kernel lets a
# user namespace mount proc only where one is fully visible.
restrict_userns_script() {
	echo "mkdir -p '$BATS_TEST_TMPDIR/proc'
		mount -t proc kit-proc '$BATS_TEST_TMPDIR/proc'
		mount -t tmpfs -o mode=0755,size=16k kit-restrict-userns /proc/sys/kernel
		echo $1 >/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
}
teardown() {
	kit_teardown
	rm -f "${SECRET:-/nonexistent}"
}

@test "user: the container's user namespace is not the host's" {
	run kit -- readlink /proc/self/ns/user
	assert_success
	refute_output "$(readlink /proc/self/ns/user)"
}

@test "user: COMMAND is uid 0 and gid 0 inside" {
	run kit -- id
	assert_success
	assert_output --regexp '^uid=0\(root\) gid=0\(root\)'
}

@test "user: the kit's supplementary groups do not reach COMMAND" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: the groups are the user's own (newgidmap maps them, or setgroups is denied)"
	# Started with groups 4 and 27: COMMAND, root inside, has none (setgroups(0)).
	run setpriv --groups 4,27 -- "$CONTAINER" "${KIT_OPTS[@]}" -- grep '^Groups:' /proc/self/status
	assert_success
	assert_output --regexp '^Groups:[[:space:]]*$'
}

@test "user: uid_map and gid_map inside show the mapping, the host's shows none" {
	run kit -- cat /proc/self/uid_map /proc/self/gid_map
	assert_success
	local expected
	if [ -n "${KIT_AS_USER:-}" ]; then
		expected="0 $(id -u "$KIT_AS_USER") 1"
	else
		expected="0 1000000 65536"
	fi
	assert_equal "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" "$expected"
	assert_equal "$(tr -s ' ' </proc/self/uid_map | sed 's/^ //')" "0 0 4294967295"
}

@test "user: the host sees COMMAND running as the mapped uid, not as root" {
	start_bg -- sh -c 'echo ready; sleep 1000'
	local host_uid
	host_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$BG_CHILD/status")
	[ "$host_uid" -ne 0 ] || fail "the container's process runs as host root"
	if [ -z "${KIT_AS_USER:-}" ]; then assert_equal "$host_uid" 1000000; fi
}

@test "user: --uid-map/--gid-map choose the host range" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: only your own and subordinate ids can be mapped"
	run kit --uid-map 0:2000000:65536 --gid-map 0:2000000:65536 -- cat /proc/self/uid_map
	assert_success
	assert_equal "$(echo "$output" | tr -s ' ' | sed 's/^ //')" "0 2000000 65536"
}

@test "user: a file created inside is owned on the host by the mapped uid" {
	start_bg -- sh -c 'touch /dev/shm/made-inside && echo ready; sleep 1000'
	local owner
	owner=$(stat -c %u "/proc/$BG_CHILD/root/dev/shm/made-inside")
	[ "$owner" -ne 0 ] || fail "a file made by container root is owned by host root"
	if [ -z "${KIT_AS_USER:-}" ]; then assert_equal "$owner" 1000000; fi
}

@test "user: the rootfs's files look owned by root inside, not by nobody" {
	run kit -- stat -c '%u:%g %U' /bin/busybox /etc/passwd
	assert_success
	assert_line --index 0 '0:0 root'
}

@test "user: container root cannot read a 0600 file of an unmapped host user" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: the rootfs copy belongs to the user"
	SECRET=$KIT_ROOTFS/tmp/kit-secret.$$
	echo secret >"$SECRET"
	# 424242 is outside the container's 0..65535: no name inside, no power over it.
	chown 424242:424242 "$SECRET"
	chmod 0600 "$SECRET"
	run kit -- cat "/tmp/kit-secret.$$"
	assert_failure
	assert_output --partial "Permission denied"
	run kit -- stat -c %u "/tmp/kit-secret.$$"
	assert_output 65534  # the overflow uid: host 4242 has no name inside
}

@test "user: container root cannot set the host's clock" {
	local before
	before=$(date +%s)
	run kit -- date -s '2001-01-01 00:00:00'
	assert_output --partial "can't set date: Operation not permitted"
	[ "$(date +%s)" -ge "$before" ]
}

@test "user: container root cannot load a kernel module" {
	[ -e /proc/modules ] || skip "this kernel has no module support: nothing to load, for anyone"
	run kit -- insmod /bin/busybox
	assert_failure
	assert_output --partial "Operation not permitted"
}

@test "user: container root cannot write the host's kernel settings in /proc/sys" {
	local before
	before=$(cat /proc/sys/vm/swappiness)
	run kit -- sh -c "echo $((before + 1)) >/proc/sys/vm/swappiness"
	assert_failure
	assert_equal "$(cat /proc/sys/vm/swappiness)" "$before"
}

@test "user: malformed or overlapping maps are refused with exit 125" {
	local bad
	# strtoul() alone would take " -18446744073709551615" as 1 and "+0" as 0.
	for bad in 0:1000000 0:x:10 0:1000000:0 -1:5:5 0:1000000:65536:9 \
		" -18446744073709551615:1000000:1" +0:1000000:65536 "0: 1000000:5"; do
		run "$CONTAINER" --uid-map "$bad" -- true
		assert_equal "$status" 125
		assert_output --partial "--uid-map $bad"
	done
	run "$CONTAINER" --uid-map 0:1000000:100 --uid-map 50:2000000:10 -- true
	assert_equal "$status" 125
	assert_output --partial overlaps
	run "$CONTAINER" --gid-map 1:1000000:100 -- true
	assert_equal "$status" 125
	assert_output --partial "container gid 0 (root) is not mapped"
	assert_nothing_left
}

@test "user: rootless, a map outside your own id and subordinate range is refused" {
	[ -n "${KIT_AS_USER:-}" ] || skip "only in the rootless run of tests/run.sh"
	run kit --uid-map 0:0:1 -- true
	assert_equal "$status" 125
	assert_output --partial "host ids outside your own id"
	assert_nothing_left
}

@test "user: rootless, the network is none by default and bridge is refused" {
	[ -n "${KIT_AS_USER:-}" ] || skip "only in the rootless run of tests/run.sh"
	run kit -- cat /proc/net/dev
	assert_success
	refute_output --partial eth0
	run kit --net bridge -- true
	assert_equal "$status" 125
	assert_output --partial "--net bridge: needs root"
}

@test "user: rootless, kernel.apparmor_restrict_unprivileged_userns=1 (Ubuntu 23.10+) is refused: exit 125, one line" {
	[ -n "${KIT_AS_USER:-}" ] || skip "only in the rootless run of tests/run.sh: root is not restricted"
	# The control: 0, the kernel's default, runs; so the stand-in itself breaks nothing.
	run in_private_mounts "$(restrict_userns_script 0)" "${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" -- true
	assert_success
	refute_output --partial apparmor
	run in_private_mounts "$(restrict_userns_script 1)" "${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" -- true
	assert_equal "$status" 125
	assert_equal "${#lines[@]}" 1
	assert_output --partial "kernel.apparmor_restrict_unprivileged_userns is 1"
	assert_output --partial 'an AppArmor profile that has "userns,"'
	assert_nothing_left
}

@test "user: root is not held back by kernel.apparmor_restrict_unprivileged_userns=1" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: refused, the test above"
	run in_private_mounts "$(restrict_userns_script 1)" "$CONTAINER" "${KIT_OPTS[@]}" -- true
	assert_success
	refute_output --partial apparmor
	assert_nothing_left
}

@test "user: rootless, libsubid maps the /etc/subuid range; without the library one line says so" {
	[ -n "${KIT_AS_USER:-}" ] || skip "only in the rootless run of tests/run.sh (its user has a range in /etc/subuid)"
	local start libs
	start=$(awk -F: -v u="$KIT_AS_USER" '$1 == u { print $2; exit }' /etc/subuid)
	run kit -- cat /proc/self/uid_map
	assert_success
	[[ $output != *"built without libsubid"* ]] || skip "this program was built without libsubid: $output"
	assert_equal "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" "1 $start 65535"
	# Every libsubid the loader knows, an empty file in a private mount namespace.
	libs=$(ldconfig -p | awk '$1 ~ /^libsubid\.so/ { print $NF }')
	[ -n "$libs" ] || fail "ldconfig knows no libsubid, yet the range above was read"
	: >"$BATS_TEST_TMPDIR/empty"
	run in_private_mounts "for lib in $(echo $libs); do mount --bind '$BATS_TEST_TMPDIR/empty' \$lib; done" \
		"${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" -- cat /proc/self/uid_map
	assert_success
	assert_equal "$(grep -c '/etc/subuid' <<<"$output")" 1
	assert_line --index 0 --regexp 'warning: /etc/subuid, /etc/subgid not read \(.*libsubid\.so'
	assert_equal "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" "0 $(id -u "$KIT_AS_USER") 1"
	assert_equal "${#lines[@]}" 2
	assert_nothing_left
}
