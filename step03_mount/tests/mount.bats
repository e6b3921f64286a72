#!/usr/bin/env bats
# step03_mount: the mount namespace and pivot_root - the container's own
# mount table, root directory, /proc, /dev and /sys.

load ../../tests/helpers

setup() {
	kit_setup
	MARKER=$(mktemp /tmp/kit-host-marker.XXXXXX)
	echo host-secret >"$MARKER"
}

teardown() {
	kit_teardown
	rm -f "$MARKER"
}

@test "mount: the container's mount namespace is not the host's" {
	run kit -- readlink /proc/self/ns/mnt
	assert_success
	refute_output "$(readlink /proc/self/ns/mnt)"
}

@test "mount: ps inside lists only the container's processes" {
	run kit -- ps -o pid,comm
	assert_success
	assert_equal "${#lines[@]}" 2  # the header and ps itself, which is PID 1
	assert_line --index 1 --regexp '^ +1 ps$'
}

@test "mount: /proc inside is fresh and belongs to the container" {
	run kit -- sh -c 'cat /proc/1/comm; ls /proc | grep -c "^[0-9]"'
	assert_success
	assert_line --index 0 sh
	[ "${lines[1]}" -le 4 ]  # sh, and the pipeline's ls and grep
}

@test "mount: the host's mount table is unchanged while a container runs and after" {
	start_bg -- sh -c 'echo ready; sleep 1000'
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_nothing_left
}

@test "mount: a mount made inside is never visible on the host" {
	start_bg -- sh -c 'mkdir -p /tmp/inside && mount -t tmpfs kit-inside /tmp/inside && grep -c kit-inside /proc/self/mounts; echo ready; sleep 1000'
	if [ "$(head -n1 "$BG_OUT")" = 1 ]; then
		run grep kit-inside /proc/self/mountinfo
		assert_failure
		run grep kit-inside "/proc/$$/mountinfo"
		assert_failure
	else
		note "mount inside was refused (a later layer forbids it): $(head -n1 "$BG_OUT")"
	fi
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_nothing_left
}

@test "mount: a host file outside the rootfs is unreachable" {
	run kit -- cat "$MARKER"
	assert_failure
	refute_output --partial host-secret
	run kit -- find / -xdev -name "$(basename "$MARKER")"
	refute_output --partial "$(basename "$MARKER")"
}

@test "mount: the double-chroot breakout escapes plain chroot but not pivot_root" {
	# The same probe, first in a plain chroot on the host: it escapes.
	local path
	path=$(probe chroot_escape)
	run chroot "$KIT_ROOTFS" /usr/local/bin/chroot_escape "$MARKER"
	assert_output --partial escaped
	# Then inside the container: nothing is left above its root.
	run kit -- "$path" "$MARKER"
	refute_output --partial escaped
	assert_output --partial contained
}

@test "mount: the old root is detached, no host mount is listed inside" {
	run kit -- awk '{ print $5 }' /proc/self/mountinfo
	assert_success
	# Only the container's own mount points: its root and what it mounted.
	refute_line --regexp '^/(home|boot|work|var|run|tmp|mnt|usr|etc)'
	refute_output --partial "$KIT_ROOTFS"
	assert_line /
	assert_line /proc
}

# chroot would hide the host's tree; pivot_root and the detach remove it from
# the namespace. setns(2) into a mount namespace starts at its root, not at
# a chroot: entered from the host (nsenter), the namespace must hold the
# container's mounts and nothing else.
@test "mount: the old root is gone from the container's mount namespace, not just hidden" {
	local inside
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	inside=$(awk '{ print $5 }' "/proc/$BG_CHILD/mountinfo" | sort)
	run nsenter --target "$BG_CHILD" --mount --pid -- awk '{ print $5 }' /proc/self/mountinfo
	assert_success
	refute_line --regexp '^/(home|boot|work|var|run|tmp|mnt|usr|etc)'
	assert_equal "$(sort <<<"$output")" "$inside"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_nothing_left
}

# A host whose / is shared (systemd's default) would receive every mount
# the container makes, and pivot_root(2) refuses a shared root: the kit must
# make its mounts private first. Proven in a throwaway mount namespace whose
# / is shared, whatever the propagation of this host's /.
@test "mount: under a shared /, the container works and none of its mounts reaches its parent's namespace" {
	local script out=$BATS_TEST_TMPDIR/shared.out
	script='snap() { awk "{ print \$5, \$9 }" /proc/self/mountinfo | sort; }
		grep -q " / / .* shared:" /proc/self/mountinfo || { echo "/ is not shared here"; exit 1; }
		before=$(snap)
		"$@" >"$OUT" 2>&1 3>&- &
		kit=$!
		for i in $(seq 100); do grep -q "^ready$" "$OUT" && break; kill -0 $kit 2>/dev/null || break; sleep 0.1; done
		during=$(snap)
		kill -TERM $kit
		wait $kit
		echo "status $?"
		after=$(snap)
		cat "$OUT"
		[ "$during" = "$before" ] || { echo "during:"; diff <(echo "$before") <(echo "$during"); }
		[ "$after" = "$before" ] || { echo "after:"; diff <(echo "$before") <(echo "$after"); }
		true'
	# A shared / of its own: made shared after a private copy, its peer groups are
	# new, so even a program that leaks its mounts leaks them no further than here.
	run env OUT="$out" unshare --mount --propagation private -- bash -c "mount --make-rshared / && $script" bash \
		"${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" -- \
		sh -c 'trap "exit 0" TERM; mount -t tmpfs kit-inside /mnt 2>/dev/null; echo ready; while :; do sleep 0.1; done'
	assert_success
	assert_line ready
	assert_line "status 0"
	refute_line during:
	refute_line after:
	refute_output --partial kit-inside
	assert_nothing_left
}

@test "mount: /sys is read-only" {
	run kit -- sh -c 'grep " /sys " /proc/self/mounts; touch /sys/kernel/kit-test'
	assert_failure
	assert_line --index 0 --regexp '^sysfs /sys sysfs ro,'
}

@test "mount: /dev holds only the minimal devices, none of the host's disks" {
	local expected="fd full null ptmx pts random shm stderr stdin stdout tty urandom zero "
	# From step08 the IPC layer adds the POSIX message queue filesystem.
	[ "$PROGRAM_STEP" -lt 8 ] || expected="fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
	run kit -- ls /dev
	assert_success
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "$expected"
	run kit -- sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c'
	assert_success
	assert_output 4
}

# The entries of /dev alone do not show them: the directories exist either way.
@test "mount: /dev/pts is a devpts of the container's own, /dev/shm a tmpfs" {
	# mountinfo: the filesystem type follows the "-" after the optional fields.
	run kit -- awk '$5 == "/dev/pts" || $5 == "/dev/shm" { for (i = 7; $i != "-"; i++); print $5, $(i + 1) }' \
		/proc/self/mountinfo
	assert_success
	assert_line "/dev/pts devpts"
	assert_line "/dev/shm tmpfs"
	run kit -- ls /dev/pts
	assert_success
	assert_output ptmx  # none of the host's terminals
}

@test "mount: a missing or invalid --rootfs is refused with exit 125" {
	run "$CONTAINER" --rootfs /no/such/rootfs -- true
	assert_equal "$status" 125
	assert_output --partial "/no/such/rootfs"
	assert_output --partial "No such file or directory"
	run "$CONTAINER" --rootfs /etc/passwd -- true
	assert_equal "$status" 125
	assert_output --partial "not a directory"
	run "$CONTAINER" --rootfs / -- true
	assert_equal "$status" 125
	assert_nothing_left
}
