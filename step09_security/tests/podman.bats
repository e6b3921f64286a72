#!/usr/bin/env bats
# step09_security driven by a real engine: Debian's podman, with
# `--runtime` pointing at the kit's program, next to podman + runc on the
# same image in the same test. Each test compares what the two containers
# print and how they end, then checks what the kit left: no process, no
# state, no cgroup of its own.
#
# podman keeps its images and containers in a directory of this file's own
# (--root, --runroot), the image is the kit's rootfs (`podman import`, no
# registry), and every container has --cgroup-parent of this file's own,
# removed at the end. --network none, but for the tests of podman's default
# network (netavark's bridge), which run podman in a network namespace this
# file makes (PM_NETNS): the bridge, its veths, netavark's firewall rules
# and ip_forward are that namespace's, the host's stay as they were (each
# such test compares the host's ruleset before and after).
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
	# The first podman command picks the network backend: netavark, when installed.
	tar -C "$KIT_ROOTFS" -c . | pm "$(command -v runc)" import - kit-rootfs:test >/dev/null
	PM_NETNS=kit-podman-$$
	ip netns add "$PM_NETNS" && ip -n "$PM_NETNS" link set lo up
	export PM_NETNS
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] || return 0
	pm "$(command -v runc)" rm -af -t 0 >/dev/null 2>&1 || true
	pm "$(command -v runc)" rmi -af >/dev/null 2>&1 || true
	[ -z "${PM_NETNS:-}" ] || ip netns del "$PM_NETNS" 2>/dev/null || true
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
	NET_OPTS=(--cgroup-parent "$PM_CGROUP" --ulimit nofile=20000:20000 --ulimit nproc=4096:4096)
	OPTS=(--network none "${NET_OPTS[@]}")
	PM_IN=()  # in_netns: podman runs in PM_NETNS
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
	PODMAN_IGNORE_CGROUPSV1_WARNING=1 "${PM_IN[@]}" podman --root "$PM_DIR/root" --runroot "$PM_DIR/run" --tmpdir "$PM_DIR/tmp" \
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

# --- podman's default network: netavark, in PM_NETNS ------------------------

# From here podman runs in PM_NETNS; needs netavark (podman's CNI backend is
# another program); the host's firewall is noted, to compare at the end.
in_netns() {
	[ "$(pm "$(command -v runc)" info --format '{{.Host.NetworkBackend}}')" = netavark ] ||
		skip "podman's network backend is not netavark (scripts/packages.txt lists it)"
	PM_IN=(nsenter --net="/run/netns/$PM_NETNS")
	HOST_RULES=$(nft list ruleset)
	HOST_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
	HOST_LINKS=$(ip -o link | cut -d: -f2 | sort)
}

# Podman's network is gone with its last container: no bridge, no veth in
# PM_NETNS (only lo); the host's ruleset, ip_forward and links as before.
assert_network_gone() {
	assert_equal "$(ip -n "$PM_NETNS" -o link | cut -d: -f2 | tr -d ' ')" lo
	assert_equal "$(nft list ruleset)" "$HOST_RULES"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$HOST_FORWARD"
	assert_equal "$(ip -o link | cut -d: -f2 | sort)" "$HOST_LINKS"
	[ -z "$(ls /run/netns | grep -v "^$PM_NETNS\$")" ] || fail "netns left: $(ls /run/netns)"
}

# One HTTP/1.0 GET with busybox nc, its body's last line (busybox's static wget
# crashes on this host, in the image too). HTTP_GET is the same in a container.
HTTP_GET='printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 8080 2>/dev/null | tail -n 1'

# wait_http PORT: the page served on PM_NETNS's loopback, fetched from there; tries for 5 s.
wait_http() {
	local i page
	for i in $(seq 50); do
		page=$(nsenter --net="/run/netns/$PM_NETNS" busybox sh -c "${HTTP_GET//8080/$1}")
		[ -n "$page" ] && { echo "$page"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "podman: its default network gives eth0 podman's address, the gateway answers, as with runc" {
	in_netns
	local gateway probe
	# The gateway podman's IPAM chose for its network "podman" (10.88.0.1 by default).
	gateway=$(pm "$(command -v runc)" network inspect podman --format '{{range .Subnets}}{{.Gateway}}{{end}}')
	[ -n "$gateway" ] || fail "podman's network has no gateway"
	probe="ip -o -4 addr show eth0 | awk '{ print \$2, \$4 }' | sed 's/\\.[0-9]*\\//.N\\//'
		ip route | sed -n 's/^default via \\([^ ]*\\) dev \\([^ ]*\\).*/default \\1 \\2/p'
		ping -c 1 -W 2 $gateway >/dev/null && echo gateway-answers
		ls /sys/class/net | sort | tr '\\n' ' '"
	both run --rm --cap-add NET_RAW "${NET_OPTS[@]}" kit-rootfs:test sh -c "$probe"
	assert_equal "$RUNC_STATUS" 0
	assert_success
	assert_equal "$output" "$RUNC_OUTPUT"
	assert_line "eth0 ${gateway%.*}.N/16"
	assert_line "default $gateway eth0"
	assert_line gateway-answers
	assert_network_gone
	assert_kit_left_nothing
}

@test "podman: -p 127.0.0.1:PORT publishes a container's httpd on the loopback, as with runc" {
	in_netns
	local rt id port=18080 page
	for rt in "$(command -v runc)" "$CONTAINER"; do
		page="served by $(basename "$rt")"
		id=$(pm "$rt" run -d -p "127.0.0.1:$port:8080" "${NET_OPTS[@]}" kit-rootfs:test sh -c \
			"mkdir /tmp/www && echo '$page' >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www")
		run wait_http "$port"
		assert_success
		assert_output "$page"
		pm "$rt" rm -f -t 0 "$id" >/dev/null
		run wait_http "$port"
		assert_failure  # nothing serves it any more
	done
	assert_network_gone
	assert_kit_left_nothing
}

@test "podman: a second container joins the first's network namespace by path and reaches it on localhost" {
	in_netns
	local id pid rt bundle=$BATS_TEST_TMPDIR/pair
	# The second: a runc spec bundle whose network namespace is the first's, by path.
	mkdir -p "$bundle/rootfs"
	cp -a "$KIT_ROOTFS/." "$bundle/rootfs"
	(cd "$bundle" && runc spec)
	for rt in "$(command -v runc)" "$CONTAINER"; do
		# The first: podman's, on its default network, serving on 8080.
		id=$(pm "$rt" run -d "${NET_OPTS[@]}" kit-rootfs:test sh -c \
			"mkdir /tmp/www && echo pod-page >/tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www")
		pid=$(pm "$rt" inspect --format '{{.State.Pid}}' "$id")
		jq --arg net "/proc/$pid/ns/net" --arg get "$HTTP_GET" '.process.terminal = false
			| .process.args = ["sh", "-c", "for i in $(seq 50); do p=$(\($get)); [ -n \"$p\" ] && break; sleep 0.1; done; echo $p; readlink /proc/self/ns/net; ls /sys/class/net | sort | tr \"\\n\" \" \""]
			| .linux.namespaces |= map(if .type == "network" then .path = $net else . end)' \
			"$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
		run runc --root "$BATS_TEST_TMPDIR/runc-state" run --bundle "$bundle" pair-runc
		RUNC_STATUS=$status RUNC_OUTPUT=$output
		run "$CONTAINER" --root "$BATS_TEST_TMPDIR/kit-state" run --bundle "$bundle" pair-kit
		assert_equal "$RUNC_STATUS" 0
		assert_success
		assert_equal "$output" "$RUNC_OUTPUT"
		assert_equal "$output" "pod-page
$(readlink "/proc/$pid/ns/net")
eth0 lo "
		assert_dir_not_exist "$BATS_TEST_TMPDIR/kit-state/pair-kit"
		pm "$rt" rm -f -t 0 "$id" >/dev/null
	done
	assert_network_gone
	assert_kit_left_nothing
}
