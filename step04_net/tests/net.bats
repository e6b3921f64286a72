#!/usr/bin/env bats
# step04_net: the network namespace - only lo with --net none; with --net
# bridge (the default) an eth0 on the kit's bridge kit0, reachable from the
# host and from other containers, with outbound NAT; nothing left behind.
#
# COMMAND uses busybox's applets (`busybox ip`, `ping`, `nc`): the same
# binary is on the host and in the kit's rootfs.
# Needs: root, iproute2 and nft on the host (to build the test's "outside"
# netns and to look), nsenter, busybox. Uses ports 18080-18083, the netns
# "kitout" and, for the firewall tests, nft tables kit_test_fw and kit_test_docker.
# The prototype (no mount layer, so no --rootfs) runs as
#   CONTAINER=.../container KIT_PROGRAM_STEP=2 bats tests/net.bats
# from a tree where ../../tests/helpers.bash exists.

load ../../tests/helpers

SUBNET=10.99.0.0/24       # the kit's default; KIT_SUBNET must not change it here
GATEWAY=10.99.0.1
# "Outside" for the NAT test: a netns behind a /30 of TEST-NET-2 (RFC 5737),
# never a real network. (TEST-NET-1, 192.0.2.0/24, is some lab VMs' own LAN.)
OUT_NS=kitout
OUT_HOST=198.51.100.1
OUT_PEER=198.51.100.2
STATE=/run/container-kit
unset KIT_SUBNET
# Containers started at once by the concurrency test (the benchmark goes to 100).
MANY=${KIT_NET_MANY:-20}

# --- the host's network, to prove a container leaves it as it found it ----

# Links and routes, minus kit0 (it stays until --reset-host, like docker0).
host_links() { ip -o link show | sed -E 's/^[0-9]+: ([^:@]+).*/\1/' | grep -vx kit0 | sort; }
host_routes() {
	{ ip -4 route show table all; ip -6 route show table all | sed 's/ expires [^ ]*//'; } |
		grep -v ' dev kit0' | sort
}
host_forward() { cat /proc/sys/net/ipv4/ip_forward; }
allocations() { ls "$STATE/net" 2>/dev/null; }  # one file per address in use

snapshot_net() {
	NET_LINKS_BEFORE=$(host_links)
	NET_ROUTES_BEFORE=$(host_routes)
	NET_FORWARD_BEFORE=$(host_forward)
	NET_RULES_BEFORE=$(nft list ruleset)
	NET_ALLOC_BEFORE=$(allocations)
}

assert_net_unchanged() {
	assert_equal "$(host_links)" "$NET_LINKS_BEFORE"
	assert_equal "$(host_routes)" "$NET_ROUTES_BEFORE"
	assert_equal "$(host_forward)" "$NET_FORWARD_BEFORE"
	assert_equal "$(nft list ruleset)" "$NET_RULES_BEFORE"
	assert_equal "$(allocations)" "$NET_ALLOC_BEFORE"
}

assert_all_clean() {
	assert_net_unchanged
	assert_nothing_left
}

# Waits (the netns of a killed kit dies asynchronously) until link $1 is gone.
assert_link_gone() {
	local i
	for i in $(seq 50); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	fail "link $1 still exists"
}

# The address of eth0 in a container's output ("... inet A.B.C.D/N ...").
address_in() { sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' "$1" | head -n1; }

# A listener whose stdin never ends: busybox nc -l with stdin at EOF (/dev/null)
# loses what a quick client sends now and then (2 in 60 here). A FIFO opened
# read-write never reports EOF.
listen_inside() { echo "busybox mkfifo /dev/shm/hold; echo ready; busybox nc -l -p $1 <>/dev/shm/hold"; }

# Runs COMMAND until it succeeds (a server in the background may not listen yet).
retry() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# --- setup ----------------------------------------------------------------

setup_file() {
	# The kit's host-wide state starts and ends absent; ip_forward ends as it began.
	"$CONTAINER" --reset-host
	export ORIGINAL_FORWARD
	ORIGINAL_FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
}

teardown_file() {
	"$CONTAINER" --reset-host
	echo "$ORIGINAL_FORWARD" >/proc/sys/net/ipv4/ip_forward
}

setup() {
	# Rootless (from step05): host-side links need root; --net none still works.
	if [ -n "${KIT_AS_USER:-}" ] && [[ "$BATS_TEST_DESCRIPTION" != "net none"* ]]; then
		skip "rootless: a bridge network needs root on the host"
	fi
	kit_setup
	HOST_PIDS=()
	NEEDS_RESET=
	# kit0, the NAT table and ip_forward exist after the first bridge
	# container; compare every test against that state.
	kit -- true >/dev/null 2>&1 || true
	snapshot_net
}

teardown() {
	local pid
	exec 5>&- 2>/dev/null || true
	for pid in "${HOST_PIDS[@]}"; do
		pkill -KILL -P "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	kit_teardown
	ip netns delete "$OUT_NS" 2>/dev/null || true
	ip link delete kitout-h 2>/dev/null || true
	nft delete table ip "$FW_TABLE" 2>/dev/null || true
	nft delete table ip "$DOCKER_TABLE" 2>/dev/null || true
	[ -z "$NEEDS_RESET" ] || "$CONTAINER" --reset-host || true
}

# Starts a process on the host (not in a container) and remembers it for teardown.
host_bg() {
	"$@" 3>&- &
	HOST_PIDS+=("$!")
}

# The "outside": netns $OUT_NS, a veth to the host, and no route back to the
# kit's subnet - only masquerading lets it answer a container.
make_outside() {
	[ -z "$(ip route show "$OUT_HOST/30")" ] || skip "$OUT_HOST/30 is in use on this host"
	ip netns add "$OUT_NS"
	ip link add kitout-h type veth peer name kitout-o netns "$OUT_NS"
	ip addr add "$OUT_HOST/30" dev kitout-h
	ip link set kitout-h up
	ip -n "$OUT_NS" addr add "$OUT_PEER/30" dev kitout-o
	ip -n "$OUT_NS" link set kitout-o up
	ip -n "$OUT_NS" link set lo up
}

# --- --net none -------------------------------------------------------------

@test "net none: only lo, up, and no route" {
	run kit --net none -- busybox ip -o link
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
	run kit --net none -- busybox ip route
	assert_success
	assert_output ""
	run kit --net none -- busybox ping -c1 -W2 127.0.0.1
	assert_success
	assert_all_clean
}

@test "net none: the netns inode differs from the host's" {
	run kit --net none -- busybox readlink /proc/self/ns/net
	assert_success
	assert_output --regexp '^net:\[[0-9]+\]$'
	refute_output "$(readlink /proc/self/ns/net)"
}

@test "net none: creates no veth, takes no address" {
	start_bg --net none -- sh -c 'echo ready; exec sleep 1000'
	run ip -o link show
	refute_output --partial "kitv$BG_CHILD"
	assert_equal "$(allocations)" "$NET_ALLOC_BEFORE"
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_all_clean
}

# --- --net bridge ---------------------------------------------------------

@test "bridge: only lo and eth0 inside; the host's interfaces are invisible" {
	run kit -- busybox ip -o link
	assert_success
	assert_equal "$(sed -E 's/^[0-9]+: ([^:@]+).*/\1/' <<<"$output" | sort | tr '\n' ' ')" "eth0 lo "
	refute_output --partial kit0
	refute_output --partial "$(ip -o link show | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p' | head -n1)"
	run kit -- busybox readlink /proc/self/ns/net
	refute_output "$(readlink /proc/self/ns/net)"
	assert_all_clean
}

@test "bridge: eth0 has an address in the subnet, a default route via the bridge" {
	run kit -- sh -c 'busybox ip -4 -o addr show eth0; busybox ip route; busybox ip -o link show lo'
	assert_success
	assert_line --regexp ' inet 10\.99\.0\.([2-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])/24 '
	assert_line --regexp "^default via $GATEWAY dev eth0"
	assert_line --regexp "^10\.99\.0\.0/24 dev eth0 "
	assert_line --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
}

@test "bridge: the first container creates kit0, up, with the gateway address" {
	run "$CONTAINER" --reset-host
	assert_success
	run kit -v -- true
	assert_success
	assert_line '[net] RTM_NEWLINK type=bridge kit0 = 0'
	run ip -4 -o addr show kit0
	assert_output --partial "inet $GATEWAY/24"
	run ip -o link show kit0
	assert_output --regexp '[<,]UP[,>]'
}

# The host end's flags, not its state: that is UP only once the container's end is.
@test "bridge: the host end is kitv<pid> on kit0, up, its peer in another netns; -v traces the veth request" {
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	run ip -o link show "kitv$BG_CHILD"
	assert_success
	assert_output --partial "master kit0"
	assert_output --regexp '[<,]UP[,>]'
	assert_output --partial "link-netns"
	run ip -o link show
	refute_output --partial kitc
	run kit -v --ip 10.99.0.77 -- true
	assert_success
	assert_line --regexp '^\[net\] RTM_NEWLINK type=veth kitv[0-9]+ peer=kitc[0-9]+ netns=pid:[0-9]+ address=0a:58:0a:63:00:4d = 0$'
	assert_line --regexp '^\[net\] RTM_NEWLINK kitv[0-9]+ master=kit0 = 0$'
}

@test "bridge: --ip sets the address; -v traces the netlink requests" {
	run kit -v --ip 10.99.0.77 -- busybox ip -4 -o addr show eth0
	assert_success
	assert_line --partial "inet 10.99.0.77/24"
	assert_line --regexp '^\[net\] RTM_NEWLINK type=veth kitv[0-9]+ peer=kitc[0-9]+ netns=pid:[0-9]+ address=0a:58:0a:63:00:4d = 0$'
	assert_line --regexp '^\[net\] RTM_NEWLINK kitc[0-9]+ name=eth0 = 0$'
	assert_line '[net] RTM_NEWADDR eth0 10.99.0.77/24 = 0'
	assert_line "[net] RTM_NEWROUTE default via $GATEWAY dev eth0 = 0"
	# The netns, torn down when COMMAND exits, may take the pair with it first.
	assert_line --regexp '^\[net\] RTM_DELLINK kitv[0-9]+( = 0|: No such device \(already so\))$'
	run kit --ip 10.99.0.77/24 -- busybox ip -4 -o addr show eth0
	assert_success
	assert_output --partial "inet 10.99.0.77/24"
	assert_all_clean
}

@test "bridge: the container pings the bridge, the host pings the container" {
	run kit -- busybox ping -c1 -W2 "$GATEWAY"
	assert_success
	start_bg -- sh -c 'busybox ip -4 -o addr show eth0; echo ready; exec sleep 1000'
	run busybox ping -c1 -W2 "$(address_in "$BG_OUT")"
	assert_success
}

@test "bridge: an address reused at once is reachable at once (its MAC is the same)" {
	start_bg --ip 10.99.0.78 -- sh -c 'echo ready; exec sleep 1000'
	run busybox ping -c1 -W2 10.99.0.78  # the host's ARP cache now has its MAC
	assert_success
	kill -KILL "$BG_CHILD"
	wait_bg
	start_bg --ip 10.99.0.78 -- sh -c 'echo ready; exec sleep 1000'
	run busybox ping -c1 -W2 10.99.0.78
	assert_success
	run kit --ip 10.99.0.79 -- busybox ip -o link show eth0
	assert_output --partial "link/ether 0a:58:0a:63:00:4f "
}

@test "bridge: TCP from the host to a container (busybox nc)" {
	local attempt
	for attempt in 1 2 3; do  # 3 tries: see the NAT test on busybox nc
		start_bg --ip 10.99.0.80 -- sh -c "$(listen_inside 18080)"
		retry sh -c 'echo host-to-container | busybox nc 10.99.0.80 18080'
		wait_bg
		assert_equal "$BG_STATUS" 0
		grep -qx host-to-container "$BG_OUT" && break
		note "attempt $attempt: the listener received nothing; again"
	done
	run cat "$BG_OUT"
	assert_line host-to-container
	assert_all_clean
}

@test "bridge: TCP from a container to the host (busybox nc)" {
	local attempt
	mkfifo "$BATS_TEST_TMPDIR/hold"
	for attempt in 1 2 3; do  # 3 tries: see the NAT test on busybox nc
		host_bg busybox nc -l -p 18081 <>"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/received"
		run kit -- sh -c "for i in \$(busybox seq 50); do
			echo container-to-host | busybox nc $GATEWAY 18081 && exit 0; busybox sleep 0.1; done; exit 1"
		assert_success
		wait "${HOST_PIDS[-1]}"
		[ "$(cat "$BATS_TEST_TMPDIR/received")" = container-to-host ] && break
		note "attempt $attempt: the listener received nothing; again"
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/received")" container-to-host
}

@test "bridge: two containers get different addresses and reach each other" {
	local a b attempt
	for attempt in 1 2 3; do  # 3 tries: see the NAT test on busybox nc
		start_bg -- sh -c "busybox ip -4 -o addr show eth0; $(listen_inside 18082)"
		a=$(address_in "$BG_OUT")
		[ -n "$a" ] || fail "no address in: $(cat "$BG_OUT")"
		run kit -- sh -c "busybox ip -4 -o addr show eth0; busybox ping -c1 -W2 $a || exit 1
			for i in \$(busybox seq 50); do
				echo container-to-container | busybox nc $a 18082 && exit 0; busybox sleep 0.1; done; exit 1"
		assert_success
		b=$(sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' <<<"$output")
		[ -n "$b" ] && [ "$a" != "$b" ] || fail "addresses: '$a' and '$b'"
		wait_bg
		grep -qx container-to-container "$BG_OUT" && break
		note "attempt $attempt: the listener received nothing; again"
	done
	run cat "$BG_OUT"
	assert_line container-to-container
}

@test "bridge: $MANY containers started at once get $MANY different addresses" {
	local dir=$BATS_TEST_TMPDIR/many i pid n
	local -a pids=()
	mkdir "$dir"
	mkfifo "$dir/hold"
	# Every container blocks reading the FIFO until fd 5, its only writer, closes.
	exec 5<>"$dir/hold"
	for i in $(seq "$MANY"); do
		kit -- sh -c 'busybox ip -4 -o addr show eth0; read _; exit 0' \
			<"$dir/hold" >"$dir/$i.out" 2>&1 3>&- 5>&- &
		pids+=("$!")
		HOST_PIDS+=("$!")
	done
	for i in $(seq 300); do
		n=$(cat "$dir"/*.out | grep -c ' inet ' || true)
		[ "$n" -ge "$MANY" ] && break
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null || break 2  # exited early: an error
		done
		sleep 0.1
	done
	assert_equal "$(cat "$dir"/*.out | grep -c ' inet ')" "$MANY"
	assert_equal "$(for f in "$dir"/*.out; do address_in "$f"; done | sort -u | wc -l)" "$MANY"
	assert_equal "$(allocations | wc -l)" "$(( $(echo -n "$NET_ALLOC_BEFORE" | grep -c .) + MANY ))"
	exec 5>&-
	for pid in "${pids[@]}"; do
		wait "$pid" || fail "a container exited with $?"
	done
	HOST_PIDS=()
	assert_all_clean
}

# --- NAT ----------------------------------------------------------------------

@test "nat: a container reaches an outside netns through masquerading" {
	make_outside
	run ip -n "$OUT_NS" route
	refute_output --partial 10.99.0.
	run kit -- busybox ping -c1 -W2 "$OUT_PEER"
	assert_success
	run nft list table ip container_kit
	assert_output --partial "ip saddr $SUBNET oifname != \"kit0\" masquerade"
	assert_equal "$(host_forward)" 1
	# Up to 3 exchanges: busybox nc now and then drops a quick client's data
	# (seen 1 in ~100 runs under load); NAT that does not work fails all 3.
	mkfifo "$BATS_TEST_TMPDIR/hold"
	local attempt
	for attempt in 1 2 3; do
		host_bg ip netns exec "$OUT_NS" busybox nc -l -p 18083 <>"$BATS_TEST_TMPDIR/hold" \
			>"$BATS_TEST_TMPDIR/outside"
		run kit -- sh -c "for i in \$(busybox seq 50); do
			echo through-nat | busybox nc $OUT_PEER 18083 && exit 0; busybox sleep 0.1; done; exit 1"
		assert_success
		wait "${HOST_PIDS[-1]}"
		[ "$(cat "$BATS_TEST_TMPDIR/outside")" = through-nat ] && break
		note "attempt $attempt: the listener received nothing; again"
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/outside")" through-nat
}

@test "nat: without the masquerade rule the outside cannot answer" {
	make_outside
	NEEDS_RESET=1
	nft delete table ip container_kit
	run kit -- busybox ping -c1 -W1 "$OUT_PEER"
	assert_failure
}

# --- another firewall on the host ----------------------------------------------

# The test's own firewalls, as Docker or ufw make one: a base chain on the
# forward hook with policy drop. Only what enters or leaves kit0 meets the
# drop: the host's other forwarding is accepted first, so the test stops
# nothing but its own traffic.
FW_TABLE=kit_test_fw
DOCKER_TABLE=kit_test_docker
make_drop_chain() {
	nft -f - <<-EOF
	table ip $FW_TABLE {
		chain forward {
			type filter hook forward priority 0; policy drop;
			iifname != "kit0" oifname != "kit0" accept
		}
	}
	EOF
}
# Docker's layout (`table ip filter` through iptables-nft): FORWARD drops by
# policy and first jumps to DOCKER-USER, the chain Docker keeps for a user's rules.
make_docker_chains() {
	nft -f - <<-EOF
	table ip $DOCKER_TABLE {
		chain DOCKER-USER {
		}
		chain FORWARD {
			type filter hook forward priority 0; policy drop;
			jump DOCKER-USER
			iifname != "kit0" oifname != "kit0" accept
		}
	}
	EOF
}
kit_rules() { nft list ruleset | grep -c 'comment "container-kit"' || true; }

@test "firewall: a forward chain with policy drop in another table: kit0 let through, said once, removed by --reset-host" {
	make_outside
	NEEDS_RESET=1
	run "$CONTAINER" --reset-host
	assert_success
	local ruleset_before table_before
	ruleset_before=$(nft -s list ruleset)
	# This container started before the chain existed: the kit did not see it.
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	make_drop_chain
	table_before=$(nft -s list table ip "$FW_TABLE")
	run nsenter -t "$BG_CHILD" -n busybox ping -c1 -W1 "$OUT_PEER"
	assert_failure  # the chain drops what kit0 forwards, whatever the kit's table says
	run kit -- busybox ping -c1 -W2 "$OUT_PEER"
	assert_success
	assert_line --partial "container: [net] warning: table ip $FW_TABLE chain forward drops forwarded packets (policy drop): inserted two accepts for kit0 at the top of that chain"
	run nft list chain ip "$FW_TABLE" forward
	assert_line --regexp '^\s*iifname "kit0" accept comment "container-kit"$'
	assert_line --regexp '^\s*oifname "kit0" accept comment "container-kit"$'
	# Now the first container's traffic passes too: the rules are the host's.
	run nsenter -t "$BG_CHILD" -n busybox ping -c1 -W2 "$OUT_PEER"
	assert_success
	# The next start finds them: no second pair, no word.
	run kit -- true
	assert_success
	assert_output ""
	assert_equal "$(nft -s list table ip "$FW_TABLE" | grep -c container-kit)" 2
	kill -KILL "$BG_CHILD"
	wait_bg
	run "$CONTAINER" --reset-host
	assert_success
	assert_equal "$(nft -s list table ip "$FW_TABLE")" "$table_before"
	assert_equal "$(kit_rules)" 0
	nft delete table ip "$FW_TABLE"
	assert_equal "$(nft -s list ruleset)" "$ruleset_before"
}

@test "firewall: Docker's FORWARD (policy drop) and DOCKER-USER: the kit's rules go in DOCKER-USER, and only there" {
	make_outside
	NEEDS_RESET=1
	run "$CONTAINER" --reset-host
	assert_success
	local ruleset_before table_before
	ruleset_before=$(nft -s list ruleset)
	make_docker_chains
	table_before=$(nft -s list table ip "$DOCKER_TABLE")
	run kit -- busybox ping -c1 -W2 "$OUT_PEER"
	assert_success
	assert_line --partial "table ip $DOCKER_TABLE chain FORWARD drops forwarded packets (policy drop): inserted two accepts for kit0 in its chain DOCKER-USER"
	run nft list chain ip "$DOCKER_TABLE" DOCKER-USER
	assert_equal "$(grep -c 'comment "container-kit"' <<<"$output")" 2
	run nft list chain ip "$DOCKER_TABLE" FORWARD
	refute_output --partial container-kit
	run "$CONTAINER" --reset-host
	assert_success
	assert_equal "$(nft -s list table ip "$DOCKER_TABLE")" "$table_before"
	nft delete table ip "$DOCKER_TABLE"
	assert_equal "$(nft -s list ruleset)" "$ruleset_before"
}

# --- after exit -----------------------------------------------------------

# Starts a container on a known address that ends as $1 says when TERMed.
start_on() {
	start_bg --ip "$1" -- sh -c "trap 'exit $2' TERM; echo ready; while :; do busybox sleep 0.1; done"
	VETH=kitv$BG_CHILD
	run ip link show "$VETH"
	assert_success
	assert [ -e "$STATE/net/$1" ]
}

assert_address_free() {
	refute [ -e "$STATE/net/$1" ]
	run kit --ip "$1" -- true
	assert_success
}

@test "after exit 0: veth gone, address free, host as before" {
	start_on 10.99.0.90 0
	kill -TERM "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 0
	run ip link show "$VETH"
	assert_failure
	assert_address_free 10.99.0.90
	assert_all_clean
}

@test "after a non-zero exit: veth gone, address free, host as before" {
	start_on 10.99.0.91 3
	kill -TERM "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 3
	run ip link show "$VETH"
	assert_failure
	assert_address_free 10.99.0.91
	assert_all_clean
}

@test "after COMMAND is killed: veth gone, address free, host as before" {
	start_on 10.99.0.92 0
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$BG_STATUS" 137
	run ip link show "$VETH"
	assert_failure
	assert_address_free 10.99.0.92
	assert_all_clean
}

@test "after the kit itself is killed: the pair dies with the netns, the address is free again" {
	start_on 10.99.0.93 0
	kill -KILL "$BG_PID"
	wait_bg
	assert_link_gone "$VETH"
	# Its file stays behind, but nobody holds its lock: the address is free.
	run kit --ip 10.99.0.93 -- busybox ip -4 -o addr show eth0
	assert_success
	assert_output --partial "inet 10.99.0.93/24"
	assert_all_clean
}

# --- bad input --------------------------------------------------------------

# refused MESSAGE OPTIONS...: exit 125 with MESSAGE, nothing created.
refused() {
	local message=$1
	shift
	run kit "$@" -- true
	assert_equal "$status" 125
	assert_output --partial "$message"
	assert_net_unchanged
}

@test "bad input: malformed --ip" {
	refused "--ip 10.99.0.300: not an IPv4 address" --ip 10.99.0.300
	refused "--ip ten: not an IPv4 address" --ip ten
	refused "--ip 10.99.0.5/33: not an IPv4 address" --ip 10.99.0.5/33
	refused "--ip 10.99.0.5/: not an IPv4 address" --ip 10.99.0.5/
	refused "--ip 10.99.0.5/16: the prefix must be the subnet's, /24" --ip 10.99.0.5/16
	assert_nothing_left
}

@test "bad input: --ip outside the subnet, network, broadcast or gateway" {
	refused "--ip 192.168.1.5: outside the kit's subnet 10.99.0.0/24" --ip 192.168.1.5
	refused "--ip 10.99.0.0: the network address" --ip 10.99.0.0
	refused "--ip 10.99.0.255: the broadcast address" --ip 10.99.0.255
	refused "--ip $GATEWAY: is the gateway" --ip "$GATEWAY"
	assert_nothing_left
}

@test "bad input: --ip already in use by a running container" {
	start_bg --ip 10.99.0.95 -- sh -c 'echo ready; exec sleep 1000'
	snapshot_net
	refused "--ip 10.99.0.95: in use by another container" --ip 10.99.0.95
}

@test "bad input: unknown --net mode, --ip with --net none" {
	refused "--net host: unknown mode (bridge or none)" --net host
	refused "--ip 10.99.0.5: needs --net bridge" --net none --ip 10.99.0.5
	assert_nothing_left
}

@test "bad input: --subnet and KIT_SUBNET are checked" {
	refused "--subnet 10.99.0.0: not an IPv4 subnet" --subnet 10.99.0.0
	refused "--subnet 10.99.0.5/24: host bits set" --subnet 10.99.0.5/24
	refused "--subnet 10.99.0.0/31: the prefix must be /8 to /30" --subnet 10.99.0.0/31
	KIT_SUBNET=bogus refused "KIT_SUBNET=bogus: not an IPv4 subnet"
	# kit0 serves the default subnet: another one is refused until --reset-host.
	refused "kit0 serves 10.99.0.1/24, not 10.98.0.1/24" --subnet 10.98.0.0/24
	assert_nothing_left
}

@test "bad input: a subnet the host already routes is refused" {
	make_outside
	NEEDS_RESET=1
	run "$CONTAINER" --reset-host
	assert_success
	snapshot_net
	refused "overlaps the host's route 198.51.100.0/30 dev kitout-h" --subnet 198.51.100.0/24
	run ip link show kit0
	assert_failure
}

# --- subnet choice and --reset-host ---------------------------------------------

@test "subnet: KIT_SUBNET moves kit0 and the addresses" {
	NEEDS_RESET=1
	run "$CONTAINER" --reset-host
	assert_success
	KIT_SUBNET=10.99.7.0/28 run kit -- sh -c 'busybox ip -4 -o addr show eth0; busybox ip route'
	assert_success
	assert_line --partial "inet 10.99.7.2/28"
	assert_line --regexp '^default via 10\.99\.7\.1 dev eth0'
	run ip -4 -o addr show kit0
	assert_output --partial "inet 10.99.7.1/28"
}

@test "reset-host: refused while a container runs" {
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	run "$CONTAINER" --reset-host
	assert_equal "$status" 125
	assert_output --partial "is running; stop it first"
	run ip link show kit0
	assert_success
}

@test "reset-host: deletes kit0 and the NAT table, puts ip_forward back" {
	run "$CONTAINER" --reset-host
	assert_success
	echo 0 >/proc/sys/net/ipv4/ip_forward  # teardown_file restores the original
	snapshot_net
	run kit -- true
	assert_success
	assert_equal "$(host_forward)" 1
	assert_equal "$(cat "$STATE/ip_forward.before")" 0
	run ip link show kit0
	assert_success
	run nft list table ip container_kit
	assert_success
	assert_output --partial "ip saddr $SUBNET oifname != \"kit0\" masquerade"
	run "$CONTAINER" --reset-host
	assert_success
	run ip link show kit0
	assert_failure
	run nft list table ip container_kit
	assert_failure
	refute [ -e "$STATE/ip_forward.before" ]
	assert_net_unchanged
	run "$CONTAINER" --reset-host  # nothing left to reset is no error
	assert_success
}

# --- a signal during setup ---------------------------------------------------------

# The kit takes an address (a file naming its pid), then waits for the host
# lock to check kit0: the test holds that lock, so the signal comes exactly
# there. Default action would kill the kit halfway and leave the address
# file; caught, setup goes on, is undone, and COMMAND never runs.
@test "signals: SIGTERM while the kit waits in setup: COMMAND never runs, the address is released, exit 143" {
	local kit_pid kit_status=0 i
	exec 7>"$STATE/net/.lock"
	flock 7
	"$CONTAINER" "${KIT_OPTS[@]}" -- echo must-not-run >"$BATS_TEST_TMPDIR/out" 2>&1 7>&- &
	kit_pid=$!
	HOST_PIDS+=("$kit_pid")
	for i in $(seq 100); do
		grep -qsx "$kit_pid" "$STATE"/net/[0-9]* && break
		sleep 0.05
	done
	grep -qsx "$kit_pid" "$STATE"/net/[0-9]* || { exec 7>&-; fail "the kit took no address"; }
	kill -TERM "$kit_pid"
	sleep 0.2  # the kit has the signal while it waits for the lock
	exec 7>&-
	wait "$kit_pid" || kit_status=$?
	assert_equal "$kit_status" 143
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --partial "Terminated during setup"
	refute_line must-not-run
	assert_all_clean
}
