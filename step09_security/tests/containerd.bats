#!/usr/bin/env bats
# step09_security driven by containerd: `ctr run --runc-binary` points
# containerd's runc shim at the kit's program, next to runc on the same
# root filesystem in the same test. Each test compares what the two
# containers print and how they end, then checks what the kit left: no
# process, no state, no cgroup, no lease, no veth.
#
# This file starts a containerd of its own (setup_file): its own socket,
# root and state, and no CRI plugin (no Kubernetes here). The containers use
# a copy of the kit's rootfs as it is (ctr run --rootfs: no image, no
# snapshot, no registry), and cgroups under a parent of this file's own.
# The runtime's state (--runc-root) and the IO fifos are in this file's
# directory too; only the shims' sockets go where containerd 1.6 always
# puts them, /run/containerd/s, removed at the end if this file made it.

load ../../tests/helpers  # in the kit: load ../../tests/helpers

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null || return 0  # each test skips
	command -v runc >/dev/null || return 0
	# Short: the sockets live here (108 bytes at most).
	CT_DIR=$(mktemp -d /tmp/kit-containerd.XXXXXX)
	CT_CGROUP=/kit-containerd-$$
	CT_MADE_RUN=''
	[ -e /run/containerd ] || CT_MADE_RUN=1
	export CT_DIR CT_CGROUP CT_MADE_RUN
	cat >"$CT_DIR/config.toml" <<-EOF
		version = 2
		root = "$CT_DIR/root"
		state = "$CT_DIR/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CT_DIR/containerd.sock"
		[ttrpc]
		  address = "$CT_DIR/containerd.sock.ttrpc"
	EOF
	cp -a "$KIT_ROOTFS" "$CT_DIR/rootfs"
	mkdir -p "$CT_DIR/rootfs/srv"
	echo pod-ok >"$CT_DIR/rootfs/srv/index.html"
	setsid containerd --config "$CT_DIR/config.toml" </dev/null >"$CT_DIR/containerd.log" 2>&1 &
	echo $! >"$CT_DIR/containerd.pid"
	local i
	for i in {1..100}; do
		ctr --address "$CT_DIR/containerd.sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
}

teardown_file() {
	[ -n "${CT_DIR:-}" ] || return 0
	local pid i
	pid=$(cat "$CT_DIR/containerd.pid" 2>/dev/null) || pid=''
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for i in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	grep -o " $CT_DIR[^ ]*" /proc/self/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$CT_DIR"
	[ -z "$CT_MADE_RUN" ] || rmdir /run/containerd/s /run/containerd 2>/dev/null
	find /sys/fs/cgroup -maxdepth 2 -type d -name "${CT_CGROUP#/}" 2>/dev/null |
		while read -r dir; do find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null; done
	return 0
}

setup() {
	kit_setup
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd is not installed (scripts/packages.txt lists it)"
	command -v runc >/dev/null || skip "runc is not installed: it is the reference here"
	c version >/dev/null 2>&1 || fail "containerd did not start: $(tail -5 "$CT_DIR/containerd.log")"
	RUNC=$(command -v runc)
	KIT_NET=/run/container-kit/net
	LEASES_BEFORE=$(ls -A "$KIT_NET" 2>/dev/null)
	VETHS_BEFORE=$(ip -o link show type veth | awk -F': ' '{ print $2 }')
}

teardown() {
	local id
	if [ -n "${CT_DIR:-}" ]; then
		for id in $(c task ls -q 2>/dev/null); do c task kill -s KILL "$id" >/dev/null 2>&1; done
		for id in $(c container ls -q 2>/dev/null); do
			c task delete -f "$id" >/dev/null 2>&1
			c container delete "$id" >/dev/null 2>&1
		done
	fi
	kit_teardown
}

# c ARGS...: ctr on this file's containerd, in a namespace of its own.
c() { ctr --address "$CT_DIR/containerd.sock" --namespace kit-test "$@"; }

# crun RUNTIME ID [RUN OPTIONS...] -- COMMAND...: `ctr run` of the rootfs copy
# with RUNTIME as containerd's runc, in a cgroup under this file's.
crun() {
	local rt=$1 id=$2 opts=()
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	c run --runc-binary "$rt" --runc-root "$CT_DIR/runc" --fifo-dir "$CT_DIR/fifo" \
		--cgroup "$CT_CGROUP/$id" "${opts[@]}" --rootfs "$CT_DIR/rootfs" "$id" "$@"
}

# both ID [RUN OPTIONS...] -- COMMAND...: with runc, then with the kit. Sets
# RUNC_STATUS, RUNC_OUTPUT, then bats' status and output for the kit's run.
both() {
	local id=$1
	shift
	run crun "$RUNC" "$id-runc" "$@"
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run crun "$CONTAINER" "$id-kit" "$@"
}

# Nothing of containerd's containers is left, of the kit's or runc's: no
# container, task or lease in containerd, no cgroup, no process, no kit
# lease on kit0, no veth; the host's mounts as they were.
assert_nothing_left_by_engine() {
	local left
	assert_equal "$(c container ls -q)" ""
	assert_equal "$(c task ls -q)" ""
	assert_equal "$(c leases ls -q)" ""
	assert_equal "$(ls -A "$CT_DIR/runc/kit-test" 2>/dev/null)" ""  # the runtimes' state
	left=$(find /sys/fs/cgroup -mindepth 2 -path "*${CT_CGROUP}/*" -type d 2>/dev/null)
	[ -z "$left" ] || fail "container cgroups left: $left"
	assert_equal "$(ls -A "$KIT_NET" 2>/dev/null)" "$LEASES_BEFORE"
	assert_equal "$(ip -o link show type veth | awk -F': ' '{ print $2 }')" "$VETHS_BEFORE"
	assert_equal "$(test_leftovers)" ""
	assert_equal "$(kit_processes)" ""
	assert_equal "$(host_mounts | grep -vF "$CT_DIR")" "$(echo "$HOST_MOUNTS_BEFORE" | grep -vF "$CT_DIR")"
}

# The PID of task ID, on the host.
task_pid() { c task ls | awk -v id="$1" '$1 == id { print $2 }'; }

@test "containerd: ctr run --rm gives the same output, exit code, hostname and PID 1 as with runc" {
	# ctr's spec has no PATH in process.env: runc looks COMMAND up in none, so the path is whole.
	# Nor a hostname: the new UTS namespace keeps the host's.
	both one --rm -- /bin/sh -c 'echo hello from $(hostname) as $$; ip -o link | wc -l; exit 3'
	assert_equal "$RUNC_STATUS" 3
	assert_equal "$status" 3
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_output "hello from $(hostname) as 1"$'\n1'  # a network namespace of its own, with lo alone
	assert_nothing_left_by_engine
}

@test "containerd: ctr run -d, then task exec, task kill (SIGTERM) and delete" {
	local rt id=bg pid
	for rt in "$RUNC" "$CONTAINER"; do
		crun "$rt" "$id" -d -- /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
		pid=$(task_pid "$id")
		[ -n "$pid" ] || fail "no task $id"
		run c task exec --fifo-dir "$CT_DIR/fifo" --exec-id e1 "$id" /bin/sh -c 'echo in-exec $$; exit 4'
		assert_equal "$status" 4
		assert_output --regexp '^in-exec [0-9]+$'
		refute_output "in-exec 1"  # a process of its own, not the init
		run c task kill "$id"
		assert_success
		local i
		for i in {1..50}; do
			[ "$(c task ls | awk -v id="$id" '$1 == id { print $3 }')" = STOPPED ] && break
			sleep 0.1
		done
		assert_equal "$(c task ls | awk -v id="$id" '$1 == id { print $3 }')" STOPPED
		[ ! -e "/proc/$pid" ] || fail "the task's process $pid is still there"
		run c task delete "$id"
		assert_success
		run c container delete "$id"
		assert_success
	done
	assert_nothing_left_by_engine
}

@test "containerd: a pod-like pair: the second container joins the first's network namespace by path" {
	# As Kubernetes' pods do: ctr passes linux.namespaces[].path, the runtime setns()es into it.
	local rt pid i
	for rt in "$RUNC" "$CONTAINER"; do
		crun "$rt" pod-net -d -- /bin/busybox httpd -f -p 127.0.0.1:8080 -h /srv
		pid=$(task_pid pod-net)
		[ -n "$pid" ] || fail "no task pod-net"
		run crun "$rt" pod-app --rm --with-ns "network:/proc/$pid/ns/net" -- /bin/sh -c \
			'readlink /proc/self/ns/net
			for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/index.html && exit; sleep 0.2; done
			exit 1'
		assert_success
		assert_output "$(readlink "/proc/$pid/ns/net")"$'\npod-ok'
		c task kill -s KILL pod-net >/dev/null
		for i in {1..50}; do [ -e "/proc/$pid" ] || break; sleep 0.1; done
		c task delete pod-net >/dev/null
		c container delete pod-net >/dev/null
	done
	assert_nothing_left_by_engine
}
