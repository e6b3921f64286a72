#!/usr/bin/env bats
# step09_security driven by Docker: Debian's dockerd with the kit's program
# registered as a runtime (--add-runtime kit=...), next to Docker + runc on
# the same image in the same test. Each test compares what the two
# containers print and how they end, then checks what the kit left: no
# process, no state, no cgroup, no lease on kit0, no veth.
#
# This file starts a dockerd of its own (setup_file, tests/runc/dockerd.bash):
# its own socket, data-root, exec-root and pid file, the containerd that
# dockerd starts for itself under those, --iptables=false (the host's
# firewall stays as it is: each test compares nft's ruleset with the one
# before dockerd started). Docker's default bridge, docker0, is its own;
# teardown_file deletes it. The image is the kit's rootfs (`docker import`,
# no registry). The containers' cgroups go under a parent of this file's own.

load ../../tests/helpers  # in the kit: load ../../tests/helpers

source "$KIT_TOP/tests/runc/dockerd.bash"  # in the kit: tests/runc/dockerd.bash

setup_file() {
	command -v dockerd >/dev/null && [ -x "$DOCKER" ] || return 0  # each test skips, saying why
	command -v runc >/dev/null || return 0
	# Short: containerd's sockets live under the exec-root (108 bytes at most).
	DK_DIR=$(mktemp -d /tmp/kit-docker.XXXXXX)
	DK_CGROUP=/kit-docker-$$
	DK_NFT_BEFORE=$(nft list ruleset)
	export DK_DIR DK_CGROUP DK_NFT_BEFORE
	dockerd_start "$DK_DIR" "$DK_CGROUP" "kit=$CONTAINER" || return 0  # setup fails, with its log
	tar -C "$KIT_ROOTFS" -c . | dk import - kit-rootfs:test >/dev/null
}

teardown_file() {
	[ -z "${DK_DIR:-}" ] || dockerd_stop "$DK_DIR" "$DK_CGROUP"
}

setup() {
	kit_setup
	command -v dockerd >/dev/null && [ -x "$DOCKER" ] ||
		skip "docker.io is not installed (scripts/packages.txt lists it)"
	command -v runc >/dev/null || skip "runc is not installed: it is the reference here"
	dk version >/dev/null 2>&1 || fail "dockerd did not start: $(tail -5 "$DK_DIR/dockerd.log" 2>&1)"
	RUNC_RT=runc
	KIT_RT=kit
	KIT_NET=/run/container-kit/net
	LEASES_BEFORE=$(ls -A "$KIT_NET" 2>/dev/null)
	VETHS_BEFORE=$(ip -o link show type veth | awk -F': ' '{ print $2 }')
}

teardown() {
	[ -n "${DK_DIR:-}" ] && { dk rm -f $(dk ps -aq 2>/dev/null) >/dev/null 2>&1 || true; }
	kit_teardown
}

# dk ARGS...: Debian's docker client, on this file's dockerd.
dk() { dk_in "$DK_DIR" "$@"; }

# both ARGS...: `docker ARGS` with --runtime runc, then with the kit. Sets
# RUNC_STATUS, RUNC_OUTPUT, then bats' status and output for the kit's run.
both() {
	local cmd=$1
	shift
	run dk "$cmd" --runtime "$RUNC_RT" "$@"
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run dk "$cmd" --runtime "$KIT_RT" "$@"
}

# Nothing of Docker's containers is left, of the kit's or runc's: no state
# (dockerd's exec-root keeps each runtime's), no cgroup, no process, no lease,
# no veth; the host's firewall and mounts as they were.
assert_nothing_left_by_engine() {
	local left
	left=$(find "$DK_DIR/exec" -mindepth 3 -maxdepth 3 -path "*/runtime-*/moby/*" 2>/dev/null)
	[ -z "$left" ] || fail "runtime state left: $left"
	left=$(find /sys/fs/cgroup -mindepth 2 -path "*${DK_CGROUP}/*" -type d 2>/dev/null)
	[ -z "$left" ] || fail "container cgroups left: $left"
	assert_equal "$(ls -A "$KIT_NET" 2>/dev/null)" "$LEASES_BEFORE"
	assert_equal "$(ip -o link show type veth | awk -F': ' '{ print $2 }')" "$VETHS_BEFORE"
	assert_equal "$(test_leftovers)" ""
	assert_equal "$(kit_processes)" ""
	assert_equal "$(nft list ruleset)" "$DK_NFT_BEFORE"
	# dockerd mounts its layers (under DK_DIR) when it likes; teardown_file unmounts them.
	assert_equal "$(host_mounts | grep -vF "$DK_DIR")" "$(echo "$HOST_MOUNTS_BEFORE" | grep -vF "$DK_DIR")"
}

@test "docker: run --rm gives the same output, exit code, hostname and PID 1 as with runc" {
	both run --rm --network none kit-rootfs:test sh -c 'echo hello from $(hostname | wc -c) as $$; exit 3'
	assert_equal "$RUNC_STATUS" 3
	assert_equal "$status" 3
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_output "hello from 13 as 1"
	# 13: Docker's hostname is the container ID's first 12 characters; --hostname is another.
	run dk run --runtime "$KIT_RT" --rm --network none --hostname kit-named kit-rootfs:test hostname
	assert_output kit-named
	assert_nothing_left_by_engine
}

@test "docker: run -d, then exec, logs, stop (exit 0 after SIGTERM) and rm" {
	local rt id script='echo started; trap "echo bye; exit 0" TERM; while :; do sleep 0.1; done'
	for rt in "$RUNC_RT" "$KIT_RT"; do
		id=$(dk run --runtime "$rt" -d --network none kit-rootfs:test sh -c "$script")
		run dk exec "$id" sh -c 'echo in-exec $$; exit 4'
		assert_equal "$status" 4
		assert_output --regexp '^in-exec [0-9]+$'
		refute_output "in-exec 1"  # a process of its own, not the init
		run dk exec -u 1000:1000 -w /tmp -e GREETING=hi "$id" sh -c 'id -u; pwd; echo $GREETING'
		assert_success
		assert_output $'1000\n/tmp\nhi'
		run dk stop -t 10 "$id"
		assert_success
		assert_equal "$(dk inspect --format '{{.State.ExitCode}}' "$id")" 0
		run dk logs "$id"
		assert_output $'started\nbye'
		run dk rm "$id"
		assert_success
	done
	assert_nothing_left_by_engine
}

@test "docker: run -t gets a terminal through containerd's console socket; so does exec -t" {
	local rt id
	for rt in "$RUNC_RT" "$KIT_RT"; do
		run timeout 60 script -qec "DOCKER_CONFIG=$DK_DIR/client $DOCKER -H unix://$DK_DIR/docker.sock run --runtime $rt --rm -t \
			--network none kit-rootfs:test sh -c 'tty; test -t 0 && test -t 1 && echo a-tty; exit 5'" /dev/null
		assert_equal "$status" 5
		assert_line --regexp '^/dev/pts/0'
		assert_line --regexp '^a-tty'
		id=$(dk run --runtime "$rt" -d --network none kit-rootfs:test sleep 1000)
		run timeout 60 script -qec "DOCKER_CONFIG=$DK_DIR/client $DOCKER -H unix://$DK_DIR/docker.sock exec -t $id \
			sh -c 'test -t 1 && echo exec-a-tty'" /dev/null
		assert_success
		assert_line --regexp '^exec-a-tty'
		dk rm -f "$id" >/dev/null
	done
	assert_nothing_left_by_engine
}

@test "docker: --memory, --pids-limit, --cap-drop ALL, --read-only, --user 1000:1000 hold as with runc" {
	local limits=(--memory 64m --pids-limit 50 --cap-drop ALL --read-only --user 1000:1000)
	local probe='id -u; id -g; grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status
		touch /in-root 2>/dev/null || echo root-read-only
		sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup | sed "s/[0-9a-f]\{64\}/ID/"'
	both run --rm --network none "${limits[@]}" kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line 1000
	assert_line --regexp '^CapEff:	0000000000000000$'
	assert_line --regexp '^CapBnd:	0000000000000000$'
	assert_line root-read-only
	# The limits, read from the host while the kit's container runs.
	local id dir
	id=$(dk run --runtime "$KIT_RT" -d --network none "${limits[@]}" kit-rootfs:test sleep 1000)
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		dir=/sys/fs/cgroup$DK_CGROUP/$id
		assert_equal "$(cat "$dir/memory.max")" 67108864
		assert_equal "$(cat "$dir/pids.max")" 50
	else
		dir=/sys/fs/cgroup/memory$DK_CGROUP/$id
		assert_equal "$(cat "$dir/memory.limit_in_bytes")" 67108864
		assert_equal "$(cat "/sys/fs/cgroup/pids$DK_CGROUP/$id/pids.max")" 50
	fi
	assert_equal "$(cat "$dir/cgroup.procs")" "$(dk inspect --format '{{.State.Pid}}' "$id")"
	dk rm -f "$id" >/dev/null
	assert_nothing_left_by_engine
}

@test "docker: its default seccomp profile is in force, and refuses what it refuses under runc" {
	# syscall_probe (tests/tools) makes each call harmlessly and prints its errno.
	local probe='grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status
		syscall_probe unshare mount keyctl add_key ptrace reboot'
	both run --rm --network none kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line --regexp '^Seccomp:	2$'
	assert_line 'unshare: EPERM'
	assert_line 'keyctl: EPERM'
	assert_nothing_left_by_engine
}

@test "docker: the default bridge gives eth0 an address on docker0; the host's end answers" {
	# libnetwork configures it, from its prestart hook, in the namespace the runtime made.
	local host_addr probe
	host_addr=$(ip -4 -o addr show docker0 | awk '{ sub("/.*", "", $4); print $4 }')
	[ -n "$host_addr" ] || fail "docker0 has no IPv4 address"
	probe="ip -4 -o addr show eth0 | awk '{ print \$2, \$4 }' | sed 's/\.[0-9]*\//.N\//'
		ip route | grep -o '^default via [0-9.]*'
		ping -c 1 -W 5 $host_addr >/dev/null && echo reached-host"
	both run --rm kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line "default via $host_addr"
	assert_line reached-host
	assert_line --regexp "^eth0 ${host_addr%.*}\.N/"
	assert_nothing_left_by_engine
}

@test "docker: --device gives the node, and the device cgroup denies the rest with EPERM, as with runc" {
	# 8:0 (a SCSI disk) is in no rule of Docker's: mknod is allowed ("m"), open is not.
	local probe='ls -l /dev/kit-zero | awk "{ print \$1, \$5, \$6 }"
		head -c 4 /dev/kit-zero | od -An -tx1
		mknod /dev/kit-disk b 8 0 && head -c 1 /dev/kit-disk 2>&1 | sed "s/^head: //"'
	both run --rm --network none --device /dev/zero:/dev/kit-zero kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line 'crw-rw-rw- 1, 5'
	assert_line ' 00 00 00 00'
	assert_line --partial 'Operation not permitted'
	assert_nothing_left_by_engine
}
