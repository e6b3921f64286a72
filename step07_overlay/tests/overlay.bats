#!/usr/bin/env bats
# step07_overlay: OverlayFS - read-only image layers, one writable layer per container.

load ../../tests/helpers

setup() {
	kit_setup
	WORK=$(mktemp -d /tmp/kit-overlay.XXXXXX)
	chmod 755 "$WORK"  # container root (another host uid) must reach its layers
	ROOTFS_SUM_BEFORE=$(tree_checksum "$KIT_ROOTFS")
}

teardown() {
	kit_teardown
	rm -rf "$WORK" "$WORK".work
}

# A checksum of a whole tree: names, types, modes, owners, contents.
tree_checksum() {
	(cd "$1" && find . -xdev -printf '%p %y %m %U:%G %s %l\n' | sort &&
		find . -xdev -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

assert_rootfs_unchanged() {
	assert_equal "$(tree_checksum "$KIT_ROOTFS")" "$ROOTFS_SUM_BEFORE"
}

# Where the kit puts a container's layers (overlay_dirs.c): under its state
# directory, or in /dev/shm when that is on overlayfs (inside a container).
overlay_dir() {
	local dir
	dir=$(kit_state_dir)
	while [ ! -e "$dir" ]; do dir=$(dirname "$dir"); done
	if [ "$(stat -f -c %T "$dir")" = overlayfs ]; then
		echo "/dev/shm/container-kit-$(id -u "${KIT_AS_USER:-root}")"
	else
		echo "$(kit_state_dir)/overlay"
	fi
}

# No overlay directory or mount of the kit's is left on the host.
assert_no_overlay_left() {
	run find "$(overlay_dir)" -mindepth 1 -maxdepth 1
	assert_output ""
	run grep -c ' overlay ' /proc/self/mountinfo
	assert_output "$(echo "$HOST_MOUNTS_BEFORE" | grep -c ' overlay$')"
}

@test "overlay: the container's root is an overlay, the host sees no new mount" {
	start_bg -- sh -c 'grep "^overlay / " /proc/self/mounts; echo ready; sleep 1000'
	assert_equal "$(head -c 10 "$BG_OUT")" "overlay / "
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_nothing_left
}

@test "overlay: a file written inside lands in the upper dir; the rootfs is byte-identical" {
	run kit --upper "$WORK/up" -- sh -c 'echo new >/written-inside'
	assert_success
	assert_file_exists "$WORK/up/written-inside"
	assert_equal "$(cat "$WORK/up/written-inside")" new
	assert_file_not_exists "$KIT_ROOTFS/written-inside"
	assert_rootfs_unchanged
}

@test "overlay: a lower file modified inside is copied up; the lower is unchanged" {
	run kit --upper "$WORK/up" -- sh -c 'echo changed >>/etc/hosts; tail -n1 /etc/hosts'
	assert_success
	assert_output changed
	assert_equal "$(tail -n1 "$WORK/up/etc/hosts")" changed
	refute grep -q changed "$KIT_ROOTFS/etc/hosts"
	assert_rootfs_unchanged
}

@test "overlay: a lower file deleted inside is gone inside, a whiteout (char 0/0) in upper" {
	run kit --upper "$WORK/up" -- sh -c 'rm /etc/hosts; test ! -e /etc/hosts && echo gone'
	assert_success
	assert_output gone
	assert_equal "$(stat -c '%F %t:%T' "$WORK/up/etc/hosts")" "character special file 0:0"
	assert_file_exists "$KIT_ROOTFS/etc/hosts"
	assert_rootfs_unchanged
}

@test "overlay: a directory deleted and recreated is marked opaque in upper" {
	# In a user namespace overlayfs marks it with a user.* xattr, which tmpfs
	# stores only since Linux 6.6 (/tmp is a tmpfs in the test VM).
	setfattr -n user.kit-probe -v 1 "$WORK" 2>/dev/null ||
		skip "$(stat -fc %T "$WORK") here keeps no user.* xattrs: overlayfs in a user namespace cannot mark the directory (EIO)"
	run kit --upper "$WORK/up" -- sh -c 'rm -r /usr/local && mkdir /usr/local && ls -A /usr/local | wc -l'
	assert_success
	assert_output 0
	run getfattr --absolute-names --only-values -n user.overlay.opaque "$WORK/up/usr/local"
	assert_success
	assert_output y
	assert_rootfs_unchanged
}

@test "overlay: of a file in two --layer dirs, the topmost one shows" {
	mkdir -p "$WORK/l1/etc" "$WORK/l2/etc"
	echo from-layer-1 >"$WORK/l1/etc/motd"
	echo from-layer-2 >"$WORK/l2/etc/motd"
	echo only-1 >"$WORK/l1/only1"
	run kit --layer "$WORK/l1" --layer "$WORK/l2" -- cat /etc/motd /only1
	assert_success
	assert_line --index 0 from-layer-2
	assert_line --index 1 only-1
	run kit --layer "$WORK/l2" --layer "$WORK/l1" -- cat /etc/motd
	assert_output from-layer-1
}

@test "overlay: two containers on the same lower don't see each other's writes" {
	start_bg -- sh -c 'echo one >/tmp/mine; echo ready; sleep 1000'
	local first=$BG_CHILD
	run kit -- sh -c 'cat /tmp/mine 2>&1; echo two >/tmp/mine; cat /tmp/mine'
	assert_line --index 0 --partial "No such file"
	assert_line --index 1 two
	assert_equal "$(cat "/proc/$first/root/tmp/mine")" one
	assert_rootfs_unchanged
}

@test "overlay: --upper persists across two runs" {
	run kit --upper "$WORK/up" -- sh -c 'echo first-run >/persist'
	assert_success
	run kit --upper "$WORK/up" -- cat /persist
	assert_success
	assert_output first-run
	assert_no_overlay_left
}

@test "overlay: without --upper nothing is left after exit, normal or killed" {
	run kit -- sh -c 'echo x >/tmp/x'
	assert_success
	assert_no_overlay_left
	start_bg -- sh -c 'echo ready; sleep 1000'
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_no_overlay_left
	assert_nothing_left
	assert_rootfs_unchanged
}

@test "overlay: a --layer that is not a directory is refused with exit 125" {
	run "$CONTAINER" --rootfs "$KIT_ROOTFS" --layer /etc/passwd -- true
	assert_equal "$status" 125
	assert_output --partial "--layer /etc/passwd: not a directory"
	run "$CONTAINER" --rootfs "$KIT_ROOTFS" --layer /no/such/layer -- true
	assert_equal "$status" 125
	assert_output --partial "No such file or directory"
	assert_no_overlay_left
}

@test "overlay: an --upper on a filesystem overlayfs refuses is named, exit 125" {
	run "$CONTAINER" --rootfs "$KIT_ROOTFS" --upper /proc/kit-upper -- true
	assert_equal "$status" 125
	assert_output --partial "proc"
	# An overlay mount the test makes, as upper: overlayfs cannot stack on itself.
	mkdir -p "$WORK"/{lo,up,wk,mnt}
	mount -t overlay overlay -o "lowerdir=$WORK/lo,upperdir=$WORK/up,workdir=$WORK/wk" "$WORK/mnt"
	run "$CONTAINER" --rootfs "$KIT_ROOTFS" --upper "$WORK/mnt/upper" -- true
	umount "$WORK/mnt"
	assert_equal "$status" 125
	assert_output --partial "on overlayfs, which overlayfs cannot use as an upper layer"
	assert_no_overlay_left
}

# Inside a container (a devcontainer, Docker Desktop) the kit's state
# directory is on the container's own overlayfs. Here: an overlay mount
# over it, in a mount namespace of the test's own.
kit_with_state_on_overlay() {
	mkdir -p "$WORK"/{lo,up,wk} "$(kit_state_dir)/overlay"
	unshare --mount --propagation private sh -c 'mount -t overlay overlay -o "$1" "$2" && shift 2 && exec "$@"' \
		- "lowerdir=$WORK/lo,upperdir=$WORK/up,workdir=$WORK/wk" "$(kit_state_dir)/overlay" \
		"$CONTAINER" --rootfs "$KIT_ROOTFS" "$@"
}

@test "overlay: a state directory on overlayfs (inside a container): the layers go to /dev/shm" {
	local shm=/dev/shm/container-kit-0
	run kit_with_state_on_overlay -v -- sh -c 'echo inside >/new; cat /new; grep "^overlay / " /proc/self/mounts'
	assert_success
	assert_line "[overlay] $(kit_state_dir)/overlay is on overlayfs, which overlayfs cannot use as an upper layer: using /dev/shm"
	assert_line inside
	assert_output --partial "upperdir=$shm/"
	# Nothing is left there, nor on the host.
	run find "$shm" -mindepth 1
	assert_output ""
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
	assert_rootfs_unchanged
}

@test "overlay: a /dev/shm directory planted for the kit (a link) is refused, exit 125" {
	local shm=/dev/shm/container-kit-0
	rm -rf "$shm"
	ln -s "$WORK" "$shm"
	run kit_with_state_on_overlay -- true
	rm -f "$shm"
	assert_equal "$status" 125
	assert_output --partial "$shm: not a directory of user 0; remove it"
	# Nothing was made through the link.
	run find "$WORK" -mindepth 1 -maxdepth 1 -name '[0-9]*'
	assert_output ""
}

@test "overlay: directories a killed kit left behind are removed by the next container" {
	local stale
	stale="$(overlay_dir)/999999"  # above the default pid_max: no such kit
	mkdir -p "$stale/upper"
	start_bg -- sh -c 'echo ready; sleep 1000'
	kill -KILL "$BG_PID"  # the kit itself: its container dies, its directories stay
	wait_bg
	run kit -- true
	assert_success
	assert_dir_not_exists "$stale"
	assert_no_overlay_left
}
