#!/usr/bin/env bats
# step09_security driven by a real engine: Debian's podman, with
# `--runtime` pointing at the kit's program, next to podman + runc on the
# same image in the same test. Each test compares what the two containers
# print and how they end, then checks what the kit left: no process, no
# state, no cgroup of its own.
#
# podman keeps its images and containers in a directory of this file's own
# (--root, --runroot), the image is the kit's rootfs (`podman import`, no
# registry), and every container has --network none (no bridge, no NAT on
# the host) and --cgroup-parent of this file's own, removed at the end.
# cgroupfs, not systemd: this host's cgroups are hybrid. This host's
# open-files hard limit (20000) is below podman's rootful default, and so
# may its process limit be: --ulimit sets both, as runc needs it too.

load ../../tests/helpers  # in the kit: load ../../tests/helpers

setup_file() {
	command -v podman >/dev/null || return 0  # each test skips, saying why
	mkdir -p "$KIT_TOP/build"
	PM_DIR=$(mktemp -d "$KIT_TOP/build/kit-podman.XXXXXX")
	PM_CGROUP=/kit-podman-$$
	export PM_DIR PM_CGROUP
	tar -C "$KIT_ROOTFS" -c . | pm "$(command -v runc)" import - kit-rootfs:test >/dev/null
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm "$(command -v runc)" rm -af -t 0 >/dev/null 2>&1 || true
	pm "$(command -v runc)" rmi -af >/dev/null 2>&1 || true
	grep -o " $PM_DIR[^ ]*" /proc/self/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$PM_DIR"
	# podman's own cgroups (conmon's) and the containers' parent, under ours alone.
	find /sys/fs/cgroup -maxdepth 2 -type d -name "${PM_CGROUP#/}" 2>/dev/null |
		while read -r dir; do find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null; done
	return 0
}

setup() {
	kit_setup
	command -v podman >/dev/null || skip "podman is not installed (scripts/packages.txt lists it)"
	command -v runc >/dev/null || skip "runc is not installed: it is the reference here"
	# conmon starts the runtime with an environment of its own: LeakSanitizer's
	# suppressions (tests/sanitize) cannot reach a sanitized kit through it.
	[ -z "${KIT_SANITIZE:-}" ] || skip "podman's conmon clears LSAN_OPTIONS (make check SANITIZE=1)"
	KIT_STATE=/run/container-kit/runtime
	OPTS=(--network none --cgroup-parent "$PM_CGROUP" --ulimit nofile=20000:20000
		--ulimit nproc=4096:4096)
}

teardown() {
	[ -n "${PM_DIR:-}" ] && { pm "$CONTAINER" rm -af -t 0 >/dev/null 2>&1 || true; }
	kit_teardown
}

# pm RUNTIME ARGS...: podman with this file's storage, on this host's cgroups.
# Podman 5 (Debian 13) warns on every call on cgroup v1; the warning is not
# the container's output.
pm() {
	local runtime=$1
	shift
	PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman --root "$PM_DIR/root" --runroot "$PM_DIR/run" --tmpdir "$PM_DIR/tmp" \
		--cgroup-manager cgroupfs --events-backend file --runtime "$runtime" "$@"
}

# both ARGS...: `podman ARGS` with runc, then with the kit. Sets RUNC_STATUS,
# RUNC_OUTPUT, then bats' status and output for the kit's run.
both() {
	run pm "$(command -v runc)" "$@"
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run pm "$CONTAINER" "$@"
}

# Nothing of the kit's is left for podman's containers: no state, no cgroup.
assert_kit_left_nothing() {
	local left
	left=$(ls -A "$KIT_STATE" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true)
	[ -z "$left" ] || fail "kit state left: $left"
	left=$(find /sys/fs/cgroup -path "*${PM_CGROUP}/libpod-*" -type d 2>/dev/null)
	[ -z "$left" ] || fail "container cgroups left: $left"
	assert_equal "$(test_leftovers)" ""
	# podman mounts its storage (under PM_DIR) when it likes; teardown_file unmounts it.
	assert_equal "$(host_mounts | grep -vF "$PM_DIR")" "$(echo "$HOST_MOUNTS_BEFORE" | grep -vF "$PM_DIR")"
}

@test "podman: run --rm gives the same output and exit code as with runc" {
	both run --rm "${OPTS[@]}" kit-rootfs:test sh -c 'echo hello from $(hostname | wc -c); exit 3'
	assert_equal "$RUNC_STATUS" 3
	assert_equal "$status" 3
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_output "hello from 13"
	assert_kit_left_nothing
}

@test "podman: run -d, then exec, logs, stop (exit 0 after SIGTERM) and rm" {
	local rt id script='echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done'
	for rt in "$(command -v runc)" "$CONTAINER"; do
		id=$(pm "$rt" run -d "${OPTS[@]}" kit-rootfs:test sh -c "$script")
		run pm "$rt" exec "$id" sh -c 'echo in-exec $$; exit 4'
		assert_equal "$status" 4
		assert_output --regexp '^in-exec [0-9]+$'
		refute_output "in-exec 1"  # a process of its own, not the init
		run pm "$rt" exec -u 1000:1000 -w /tmp -e GREETING=hi "$id" sh -c 'id -u; pwd; echo $GREETING'
		assert_success
		assert_output $'1000\n/tmp\nhi'
		run pm "$rt" stop -t 10 "$id"
		assert_success
		assert_equal "$(pm "$rt" inspect --format '{{.State.ExitCode}}' "$id")" 0
		run pm "$rt" logs "$id"
		assert_output $'started\nbye'
		run pm "$rt" rm "$id"
		assert_success
	done
	assert_kit_left_nothing
}

@test "podman: run -t gets a terminal through the console socket; so does exec -t" {
	local rt id
	for rt in "$(command -v runc)" "$CONTAINER"; do
		run script -qec "podman --root $PM_DIR/root --runroot $PM_DIR/run --tmpdir $PM_DIR/tmp \
			--cgroup-manager cgroupfs --events-backend file --runtime $rt run --rm -t \
			${OPTS[*]} kit-rootfs:test sh -c 'tty; test -t 0 && test -t 1 && echo a-tty; exit 5'" /dev/null
		assert_equal "$status" 5
		assert_line --regexp '^/dev/pts/0'
		assert_line --regexp '^a-tty'
		id=$(pm "$rt" run -d "${OPTS[@]}" kit-rootfs:test sleep 1000)
		run script -qec "podman --root $PM_DIR/root --runroot $PM_DIR/run --tmpdir $PM_DIR/tmp \
			--cgroup-manager cgroupfs --events-backend file --runtime $rt exec -t $id \
			sh -c 'test -t 1 && echo exec-a-tty'" /dev/null
		assert_success
		assert_line --regexp '^exec-a-tty'
		pm "$rt" rm -f -t 0 "$id" >/dev/null
	done
	assert_kit_left_nothing
}

@test "podman: --memory, --pids-limit, --cap-drop ALL, --read-only, --user 1000:1000 hold as with runc" {
	local limits=(--memory 64m --pids-limit 50 --cap-drop ALL --read-only --user 1000:1000)
	local probe='id -u; id -g; grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status
		touch /in-root 2>/dev/null || echo root-read-only
		touch /tmp/x && echo tmp-writable
		sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup | sed "s/[0-9a-f]\{64\}/ID/"
		sleep 2'
	both run --rm "${OPTS[@]}" "${limits[@]}" kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line 1000
	assert_line --regexp '^CapEff:	0000000000000000$'
	assert_line --regexp '^CapBnd:	0000000000000000$'
	assert_line root-read-only
	# The limits, read from the host while the kit's container runs.
	local id dir
	id=$(pm "$CONTAINER" run -d "${OPTS[@]}" "${limits[@]}" kit-rootfs:test sleep 1000)
	dir=/sys/fs/cgroup/memory$PM_CGROUP/libpod-$id
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		dir=/sys/fs/cgroup$PM_CGROUP/libpod-$id
		assert_equal "$(cat "$dir/memory.max")" 67108864
		assert_equal "$(cat "$dir/pids.max")" 50
	else
		assert_equal "$(cat "$dir/memory.limit_in_bytes")" 67108864
		assert_equal "$(cat "/sys/fs/cgroup/pids$PM_CGROUP/libpod-$id/pids.max")" 50
	fi
	assert_equal "$(cat "$dir/cgroup.procs")" "$(pm "$CONTAINER" inspect --format '{{.State.Pid}}' "$id")"
	pm "$CONTAINER" rm -f -t 0 "$id" >/dev/null
	assert_kit_left_nothing
}

@test "podman: its default seccomp profile is in force, and refuses what it refuses under runc" {
	# syscall_probe (tests/tools) makes each call harmlessly and prints its errno.
	local probe='grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
		syscall_probe unshare mount keyctl add_key ptrace reboot'
	both run --rm "${OPTS[@]}" kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line --regexp '^Seccomp:	2$'
	assert_line --regexp '^NoNewPrivs:	0$'  # podman leaves noNewPrivileges out: false
	assert_kit_left_nothing
}
