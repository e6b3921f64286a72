#!/usr/bin/env bats
# step09_security as an OCI runtime: bundles that other tools write run
# unchanged, and each field of config.json that the security layer honours
# has the same effect as under runc, the reference, run on the same bundle
# in the same test. Each test compares what the two containers' processes
# see from inside, and what the host sees of the kit's.
#
# The bundles come from `runc spec`, with root.path pointed at a copy of the
# kit's image: they list no user namespace, so container root is host root.

load ../../tests/helpers  # in the kit: load ../../tests/helpers

setup() {
	kit_setup
	command -v runc >/dev/null || skip "runc is not installed: it is the reference here"
	IDS=()
	RUNC_IDS=()
	RT_ROOT=$BATS_TEST_TMPDIR/state
	RUNC_ROOT=$BATS_TEST_TMPDIR/runc-state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	(cd "$BUNDLE" && runc spec) || fail "runc spec failed"
	edit_config '.process.terminal = false'
	use_image_copy
}

teardown() {
	local id
	for id in "${IDS[@]}"; do rt delete --force "$id" >/dev/null 2>&1 || true; done
	for id in "${RUNC_IDS[@]}"; do runc --root "$RUNC_ROOT" delete --force "$id" >/dev/null 2>&1 || true; done
	kit_teardown
}

rt() { "$CONTAINER" --root "$RT_ROOT" "$@"; }

# edit_config [JQ OPTIONS] FILTER: the bundle's config.json through jq.
edit_config() {
	jq "$@" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# A copy of the image for each test, its "/" mode 0755 (the kit's is 0700) so a
# user may run in it: runc writes into the rootfs it runs (mount points), and
# the kit's image is every test's. root.path points at the copy.
use_image_copy() {
	mkdir "$BATS_TEST_TMPDIR/rootfs"
	cp -a "$KIT_ROOTFS/." "$BATS_TEST_TMPDIR/rootfs"
	chmod 755 "$BATS_TEST_TMPDIR/rootfs"
	edit_config --arg rootfs "$BATS_TEST_TMPDIR/rootfs" '.root.path = $rootfs'
}

# set_script SCRIPT: process.args is sh -c SCRIPT.
set_script() {
	edit_config --arg script "$1" '.process.args = ["sh", "-c", $script]'
}

# run_both ID: the bundle under runc, then under the kit, each in the
# foreground. Sets RUNC_STATUS, RUNC_OUTPUT, KIT_STATUS, KIT_OUTPUT.
run_both() {
	RUNC_IDS+=("$1")
	run runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" "$1"
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	IDS+=("$1")
	run rt run --bundle "$BUNDLE" "$1"
	KIT_STATUS=$status KIT_OUTPUT=$output
}

# assert_refused ID MESSAGE: the kit refuses the bundle (exit 125), saying MESSAGE, and makes nothing.
assert_refused() {
	IDS+=("$1")
	run rt run --bundle "$BUNDLE" "$1" </dev/null
	assert_equal "$status" 125
	assert_output --partial "$2"
	assert_dir_not_exist "$RT_ROOT/$1"
}

# Both exited 0 and printed the same; on a difference, both outputs side by side.
assert_same_as_runc() {
	[ "$RUNC_STATUS" -eq 0 ] || fail "runc exited $RUNC_STATUS: $RUNC_OUTPUT"
	[ "$KIT_STATUS" -eq 0 ] || fail "the kit exited $KIT_STATUS: $KIT_OUTPUT"
	[ "$KIT_OUTPUT" = "$RUNC_OUTPUT" ] ||
		fail "$(printf 'runc and the kit differ:\n%s\n' "$(diff <(echo "$RUNC_OUTPUT") <(echo "$KIT_OUTPUT"))")"
}

# What a process sees of its privileges, limits and namespaces: each namespace
# as "new" or "host" against the host's, read before the containers start.
PROBE='grep -E "^(Cap[A-Za-z]+|NoNewPrivs):" /proc/self/status
echo "nofile $(ulimit -n) $(ulimit -Hn) core $(ulimit -c)"
echo "oom_score_adj $(cat /proc/self/oom_score_adj)"
echo "uid_map $(cat /proc/self/uid_map)"
for t in cgroup ipc mnt net pid user uts; do
	[ "$(readlink /proc/self/ns/$t)" = "$(eval echo \$HOST_$t)" ] && echo "$t host" || echo "$t new"
done
echo "masked and read-only:"
awk '"'"'$2 ~ "^/(proc|sys)/" && $2 !~ "^/sys/fs/cgroup" { print $2, substr($4, 1, 2) }'"'"' /proc/self/mounts | sort'

# PROBE with the host's namespaces written in, as the container cannot see them.
probe_script() {
	local t script=$PROBE
	for t in cgroup ipc mnt net pid user uts; do
		script="HOST_$t='$(readlink "/proc/self/ns/$t")'; $script"
	done
	echo "$script"
}

@test "oci: a runc spec bundle runs unchanged, and its process sees what runc's sees" {
	set_script "$(probe_script)"
	run_both spec1
	assert_same_as_runc
	# runc spec's own choices, seen from inside: no user or cgroup namespace.
	assert_line "user host"
	assert_line "cgroup host"
	assert_line "pid new"
	assert_line --regexp '^uid_map +0 +0 +4294967295$'
	assert_line --regexp '^CapBnd:	0000000020000420$'  # audit_write, kill, net_bind_service
	assert_line "nofile 1024 1024 core 0"
	assert_line "/proc/sys ro"
	assert_nothing_left
}

@test "oci: process.capabilities, all five sets exactly as given, for root and for a user" {
	edit_config '.process.capabilities = {
		"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_KILL"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
		"inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL", "CAP_CHOWN"] }'
	set_script 'grep -E "^Cap[A-Za-z]+:" /proc/self/status'
	run_both caps1
	assert_same_as_runc
	assert_line --regexp '^CapBnd:	0000000000000421$'
	assert_line --regexp '^CapAmb:	0000000000000020$'  # kill: chown is not inheritable
	# A user keeps only the ambient set across execve, in both.
	edit_config '.process.user = {"uid": 1000, "gid": 1000}'
	run_both caps2
	assert_same_as_runc
	assert_line --regexp '^CapEff:	0000000000000020$'
	# Empty sets: nothing at all, not the kit's defaults.
	edit_config '.process.user = {"uid": 0, "gid": 0} | .process.capabilities = {}'
	run_both caps3
	assert_same_as_runc
	assert_line --regexp '^CapBnd:	0000000000000000$'
	assert_nothing_left
}

@test "oci: process.rlimits and oomScoreAdj, as runc sets them" {
	edit_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}] | .process.oomScoreAdj = 300'
	set_script 'echo "nofile $(ulimit -n) $(ulimit -Hn) core $(ulimit -c) $(ulimit -Hc)"
		cat /proc/self/oom_score_adj'
	run_both lim1
	assert_same_as_runc
	assert_line "nofile 100 200 core 8 16"  # ulimit -c counts 512-byte blocks
	assert_line 300
	# The kit's own limits are unchanged: they were set on the container's process.
	assert_equal "$(cat /proc/self/oom_score_adj)" 0
	edit_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	assert_refused lim2 "process.rlimits[0]: refused as --ulimit bogus=1:1"
	assert_nothing_left
}

@test "oci: linux.maskedPaths and readonlyPaths exactly as given, as under runc" {
	edit_config '.linux.maskedPaths = ["/proc/cpuinfo", "/proc/acpi", "/proc/no-such-file"]
		| .linux.readonlyPaths = ["/proc/sys", "/proc/sysvipc"]'
	set_script 'echo "cpuinfo $(wc -c </proc/cpuinfo) acpi $(ls /proc/acpi | wc -l)"
		awk '"'"'$2 ~ "^/(proc|sys)/" && $2 !~ "^/sys/fs/cgroup" { print $2, substr($4, 1, 2) }'"'"' /proc/self/mounts | sort'
	run_both mask1
	assert_same_as_runc
	assert_line "cpuinfo 0 acpi 0"
	assert_line "/proc/sysvipc ro"
	# Only what was listed: the kit's default list (with /proc/keys) is replaced.
	refute_line --regexp '^/proc/keys '
	assert_nothing_left
}

@test "oci: without a user namespace, a device node container root makes cannot be opened" {
	# runc spec denies every device in the devices cgroup, and so does the kit;
	# its root and /dev/shm are nodev too. Either way root may mknod but not open.
	edit_config '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"] | .root.readonly = false'
	local disk
	disk=$(lsblk -dno MAJ:MIN | head -n1 | tr -d ' ')
	[ -n "$disk" ] || skip "this machine has no block device to try"
	set_script "for d in /root /dev /dev/shm; do
		rm -f \$d/disk  # runc ran first, in the same image copy
		mknod \$d/disk b ${disk%:*} ${disk#*:} 2>/dev/null || { echo \"\$d: mknod refused\"; continue; }
		head -c 1 \$d/disk >/dev/null 2>&1 && echo \"\$d: READ THE HOST'S DISK\" || echo \"\$d: open refused\"
	done"
	run_both dev1
	[ "$RUNC_STATUS" -eq 0 ] && [ "$KIT_STATUS" -eq 0 ] || fail "runc: $RUNC_OUTPUT; kit: $KIT_OUTPUT"
	note "runc: $(echo $RUNC_OUTPUT); kit: $(echo $KIT_OUTPUT)"
	refute_output --partial "READ THE HOST'S DISK"
	assert_line "/root: open refused"
	[[ "$RUNC_OUTPUT" != *"READ THE HOST'S DISK"* ]] || fail "runc let it read: $RUNC_OUTPUT"
	# A rule the device cgroup has no words for: refused, named.
	edit_config '.linux.resources.devices += [{"allow": true, "type": "x", "access": "r"}]'
	assert_refused dev2 'linux.resources.devices[1]: type "x": must be a, b or c'
	edit_config '.linux.resources.devices[1] = {"allow": true, "type": "c", "access": "rx"}'
	assert_refused dev3 'linux.resources.devices[1]: access "rx": must be made of r, w and m'
	assert_nothing_left
}

@test "security: --capabilities, --ulimit, --oom-score-adj and --userns host refuse bad values, naming them" {
	run kit --capabilities bogus=CAP_KILL true
	assert_equal "$status" 125
	assert_output --partial "--capabilities bogus=CAP_KILL: expected SET=CAP,..."
	run kit --capabilities bounding=CAP_NOPE true
	assert_equal "$status" 125
	assert_output --partial "unknown capability"
	run kit --capabilities bounding=CAP_KILL --cap-add CHOWN true
	assert_equal "$status" 125
	assert_output --partial "not together with --cap-add or --cap-drop"
	run kit --ulimit nofile=10:5 true
	assert_equal "$status" 125
	assert_output --partial "the soft limit is above the hard one"
	run kit --ulimit nofile=lots true
	assert_equal "$status" 125
	assert_output --partial "SOFT and HARD must be numbers"
	run kit --oom-score-adj 1001 true
	assert_equal "$status" 125
	assert_output --partial "from -1000 to 1000"
	run kit --userns host --uid-map 0:1000:1 true
	assert_equal "$status" 125
	assert_output --partial "--uid-map: the user layer is left out"
	run kit --uid-map 0:1000:1 --userns host true  # the other order: refused at launch
	assert_equal "$status" 125
	assert_output --partial "--uid-map: the user layer is left out"
	run kit --security-opt masked-paths=relative true
	assert_equal "$status" 125
	assert_output --partial "absolute paths"
	assert_nothing_left
}

@test "security: the flag form does what config.json asks: --userns host, --capabilities, --ulimit" {
	run kit --net none --userns host --cgroupns host --capabilities bounding=CAP_KILL \
		--capabilities effective=CAP_KILL --capabilities permitted=CAP_KILL \
		--ulimit nofile=64:128 --oom-score-adj 200 \
		sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/cgroup; grep -E "^Cap(Bnd|Eff)" /proc/self/status
			echo "$(ulimit -n) $(ulimit -Hn) $(cat /proc/self/oom_score_adj)"'
	assert_success
	assert_line --index 0 "$(readlink /proc/self/ns/user)"
	assert_line --index 1 "$(readlink /proc/self/ns/cgroup)"
	assert_line --regexp '^CapBnd:	0000000000000020$'
	assert_line --regexp '^CapEff:	0000000000000020$'
	assert_line "64 128 200"
	assert_nothing_left
}

@test "oci: hooks run in the lifecycle's order, each with the state on stdin, as runc runs them" {
	local hook=$BATS_TEST_TMPDIR/hook.sh log kind
	printf '#!/bin/sh\necho "$1 $(jq -c "{status, id, pid: (.pid > 0)}")" >>"$2"\n' >"$hook"
	chmod +x "$hook"
	for kind in prestart createRuntime poststart poststop; do
		edit_config --arg hook "$hook" --arg kind "$kind" --arg log "$BATS_TEST_TMPDIR/hooks.log" \
			'.hooks[$kind] = [{path: $hook, args: ["hook.sh", $kind, $log]}]'
	done
	set_script 'echo ran'
	RUNC_IDS+=(hk1)
	runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" hk1 </dev/null >/dev/null 2>&1 3>&-
	runc --root "$RUNC_ROOT" start hk1
	sleep 0.5
	runc --root "$RUNC_ROOT" delete hk1
	mv "$BATS_TEST_TMPDIR/hooks.log" "$BATS_TEST_TMPDIR/hooks-runc.log"
	IDS+=(hk1)
	rt create --bundle "$BUNDLE" hk1 </dev/null >/dev/null 2>&1 3>&-
	rt start hk1
	sleep 0.5
	rt delete hk1
	# The same hooks in the same order (runc 1.1 says "created" to poststart; the kit, running).
	assert_equal "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/hooks.log")" \
		"$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/hooks-runc.log")"
	run cat "$BATS_TEST_TMPDIR/hooks.log"
	assert_output 'prestart {"status":"creating","id":"hk1","pid":true}
createRuntime {"status":"creating","id":"hk1","pid":true}
poststart {"status":"running","id":"hk1","pid":true}
poststop {"status":"stopped","id":"hk1","pid":false}'
	# A failing createRuntime hook fails create and undoes it; an unknown kind is refused.
	edit_config '.hooks.createRuntime = [{path: "/bin/false"}]'
	assert_refused hk2 "hooks.createRuntime[0] /bin/false: failed (exit 1)"
	edit_config 'del(.hooks.createRuntime) | .hooks.createContainers = [{path: "/bin/true"}]'
	assert_refused hk3 "hooks.createContainers: not a hook of runtime-spec 1.2"
	assert_nothing_left
}

@test "oci: createContainer and startContainer run in the container's namespaces, as under runc" {
	# createContainer: a host program (runc runs it before pivot_root), in the
	# container's network and UTS namespaces (runc's, before the hostname is
	# set); startContainer: the container's own sh, in its root, before
	# process.args runs.
	local hook=$BATS_TEST_TMPDIR/in-hook.sh id out
	printf '#!/bin/sh\necho "$(readlink /proc/self/ns/net) $(readlink /proc/self/ns/uts)" >"$1"\n' >"$hook"
	chmod +x "$hook"
	edit_config --arg hook "$hook" --arg out "$BATS_TEST_TMPDIR/created" '.hostname = "hooked"
		| .hooks.createContainer = [{path: $hook, args: ["in-hook.sh", $out]}]
		| .hooks.startContainer = [{path: "/bin/sh", args: ["sh", "-c",
			"{ hostname; readlink /proc/self/ns/net; ls /etc/kit-hook-probe; } >/dev/shm/started 2>&1"]}]'
	set_script 'sleep 1000'
	touch "$BATS_TEST_TMPDIR/rootfs/etc/kit-hook-probe"  # in the container's root only
	for id in runc-hk kit-hk; do
		if [ "$id" = runc-hk ]; then
			RUNC_IDS+=("$id")
			runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&-
			runc --root "$RUNC_ROOT" start "$id"
			pid=$(runc --root "$RUNC_ROOT" state "$id" | jq .pid)
			out=$(runc --root "$RUNC_ROOT" exec "$id" cat /dev/shm/started)
		else
			IDS+=("$id")
			rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&-
			rt start "$id"
			pid=$(rt state "$id" | jq .pid)
			out=$(rt exec "$id" cat /dev/shm/started)
		fi
		assert_equal "$(cat "$BATS_TEST_TMPDIR/created")" \
			"$(readlink "/proc/$pid/ns/net") $(readlink "/proc/$pid/ns/uts")"
		assert_equal "$out" "hooked
$(readlink "/proc/$pid/ns/net")
/etc/kit-hook-probe"
	done
	rt delete --force kit-hk
	# A failing startContainer hook fails start, as runc's does.
	edit_config '.hooks.startContainer = [{path: "/bin/false"}] | del(.hooks.createContainer)'
	IDS+=(hk4)
	rt create --bundle "$BUNDLE" hk4 </dev/null >/dev/null 2>&1 3>&-
	run rt start hk4
	assert_equal "$status" 125
	assert_output --partial "hooks.startContainer[0] /bin/false: failed (exit 1)"
	rt delete --force hk4
	assert_nothing_left
}

# The namespaces of a running kit container, ID, by /proc/PID/ns/TYPE, as config.json's paths.
join_config() {
	local pid=$1
	edit_config --arg pid "$pid" --argjson types "$2" 'del(.hostname)
		| .linux.namespaces |= map(if (.type | IN($types[])) then
			. + {path: ("/proc/" + $pid + "/ns/" + ({network: "net", mount: "mnt"}[.type] // .type))}
			else . end)'
}

@test "oci: linux.namespaces[].path joins a running container's namespaces, as under runc" {
	set_script 'sleep 1000'
	IDS+=(first)
	rt create --bundle "$BUNDLE" first </dev/null >/dev/null 2>&1 3>&-
	rt start first
	local pid t expected=""
	pid=$(rt state first | jq .pid)
	# pid, network, ipc, uts joined; mount new (the rootfs); cgroup the host's, joined too.
	join_config "$pid" '["pid", "network", "ipc", "uts"]'
	edit_config --arg pid "$pid" '.linux.namespaces += [{type: "cgroup", path: "/proc/\($pid)/ns/cgroup"}]'
	set_script 'for t in pid net ipc uts cgroup; do readlink /proc/self/ns/$t; done; hostname
		ps -o pid,comm | grep -c sleep'
	for t in pid net ipc uts cgroup; do expected+="$(readlink "/proc/$pid/ns/$t")"$'\n'; done
	run_both joiner
	assert_same_as_runc
	assert_equal "$KIT_OUTPUT" "${expected}runc
1"
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || fail "first has no mount namespace"
	# Joined, the layers that would create them skipped: no hostname to set (the uts layer's).
	edit_config '.hostname = "other"'
	assert_refused joiner2 "--hostname: the uts layer is left out (its namespace is the host's or joined)"
	rt delete --force first
	assert_nothing_left
}

@test "oci: a namespace path that is gone, not a namespace, or of another type is refused, saying which" {
	set_script 'sleep 1000'
	IDS+=(first)
	rt create --bundle "$BUNDLE" first </dev/null >/dev/null 2>&1 3>&-
	local pid
	pid=$(rt state first | jq .pid)
	edit_config '.linux.namespaces |= map(if .type == "network" then . + {path: "/etc/hostname"} else . end)'
	assert_refused bad1 "--join-namespace net:/etc/hostname: not a namespace file (setns(2) would say EINVAL)"
	edit_config --arg p "/proc/$pid/ns/ipc" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	assert_refused bad2 "--join-namespace net:/proc/$pid/ns/ipc: the wrong type, a ipc namespace, not a net one"
	rt delete --force first
	edit_config --arg p "/proc/$pid/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	assert_refused bad3 "--join-namespace net:/proc/$pid/ns/net: no such file (gone: the process whose namespace it named has exited"
	# runc refuses the three too.
	RUNC_IDS+=(bad3)
	run runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" bad3
	assert_failure
	# A user namespace joined while others are created would own none of them.
	edit_config 'del(.linux.namespaces[] | select(.type == "network" and .path))
		| .linux.namespaces += [{type: "network"}, {type: "user", path: "/proc/self/ns/user"}]
		| .linux.uidMappings = [] | .linux.gidMappings = []'
	assert_refused bad4 "--join-namespace user: the other namespaces must be joined too"
	assert_nothing_left
}

@test "oci: a bundle's new network namespace has lo alone, up: no kit0 address, no veth, as runc" {
	set_script 'ip -o link | cut -d: -f2,3 | cut -d" " -f2,3; ip -o -4 addr | cut -d" " -f2,7'
	local leases_before
	leases_before=$(ls /run/container-kit/net 2>/dev/null)
	run_both lo1
	assert_same_as_runc
	assert_equal "$KIT_OUTPUT" "lo: <LOOPBACK,UP,LOWER_UP>
lo 127.0.0.1/8"
	set_script 'sleep 1000'
	IDS+=(lo2)
	rt create --bundle "$BUNDLE" lo2 </dev/null >/dev/null 2>&1 3>&-
	run ip link show "kitv$(rt state lo2 | jq .pid)"
	assert_failure  # no cable on the host
	assert_equal "$(ls /run/container-kit/net 2>/dev/null)" "$leases_before"
	rt delete --force lo2
	assert_nothing_left
}

@test "oci: linux.sysctl, cgroupsPath, domainname and personality, seen inside and from the host" {
	edit_config '.linux.sysctl = {"net.ipv4.ping_group_range": "0 0", "kernel.shmmni": "1000"}
		| .linux.cgroupsPath = "/kit-oci-test/sys1" | .domainname = "kit.example"
		| .linux.personality = {"domain": "LINUX32"} | .linux.resources.pids = {"limit": 42}'
	set_script 'cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni
		cat /proc/sys/kernel/domainname; uname -m; sleep 1'
	IDS+=(sys1)
	rt run --bundle "$BUNDLE" sys1 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local i run_pid=$!
	for i in $(seq 50); do [ -e /sys/fs/cgroup/pids/kit-oci-test/sys1 ] || [ -e /sys/fs/cgroup/kit-oci-test/sys1 ] && break; sleep 0.1; done
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		assert_equal "$(cat /sys/fs/cgroup/kit-oci-test/sys1/pids.max)" 42
	else
		assert_equal "$(cat /sys/fs/cgroup/pids/kit-oci-test/sys1/pids.max)" 42
	fi
	wait "$run_pid"  # not a bare wait: bats' BATS_TEST_TIMEOUT watchdog is a job of ours too
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output $'0\t0\n1000\nkit.example\ni686'
	# The host's are unchanged, and the parent the kit made is gone with it.
	[ "$(cat /proc/sys/kernel/domainname)" != kit.example ] || fail "the host's domainname changed"
	assert_equal "$(find /sys/fs/cgroup -maxdepth 2 -name kit-oci-test)" ""
	# Settings of the host's own namespaces are refused, named.
	edit_config '.linux.sysctl = {"kernel.panic": "1"}'
	assert_refused sys2 "--sysctl kernel.panic: not a setting of a namespace of the container's own"
	assert_nothing_left
}

@test "oci: mounts[]: bind a host file and directory, read-only; a tmpfs with its options, as runc mounts them" {
	mkdir -p "$BATS_TEST_TMPDIR/share"
	echo shared >"$BATS_TEST_TMPDIR/share/file"
	echo "host-line" >"$BATS_TEST_TMPDIR/hosts"
	edit_config --arg dir "$BATS_TEST_TMPDIR/share" --arg hosts "$BATS_TEST_TMPDIR/hosts" '.mounts += [
		{destination: "/data", type: "bind", source: $dir, options: ["rbind", "ro"]},
		{destination: "/etc/hosts", type: "bind", source: $hosts, options: ["bind", "rprivate"]},
		{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m"]}]'
	set_script 'cat /data/file /etc/hosts; touch /data/new 2>/dev/null || echo data-read-only
		grep -E " /(data|scratch|etc/hosts) " /proc/self/mounts | awk "{ print \$2, \$3, substr(\$4, 1, 2) }"'
	run_both mnt1
	assert_same_as_runc
	assert_line shared
	assert_line host-line
	assert_line data-read-only
	assert_line "/scratch tmpfs rw"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/share/file")" shared
	[ ! -e "$BATS_TEST_TMPDIR/share/new" ] || fail "a file was made in the host's directory"
	assert_nothing_left
}

# --- the device cgroup: linux.resources.devices and linux.devices -------------

# The device cgroups of the kit's containers, on v1 and v2, for a before-and-after.
kit_device_cgroups() {
	find /sys/fs/cgroup/devices/container-kit /sys/fs/cgroup/container-kit -mindepth 1 \
		-maxdepth 1 -type d 2>/dev/null | sort
}

# DEVICES_PROBE: open(2) each path for reading and writing (`open NODE`), or
# mknod(2) it (`make NODE TYPE MAJOR MINOR`), saying "ok" or the error; root
# gets CAP_MKNOD, which runc spec's bounding set lacks.
DEVICES_PROBE='say() { echo "$1: ${2:-ok}"; }
open() { local m; m=$( (exec 3<>"$1") 2>&1) && say "open $1" || say "open $1" "${m##*: }"; }
read_only() { local m; m=$( (exec 3<"$1") 2>&1) && say "read $1" || say "read $1" "${m##*: }"; }
make() { local m; rm -f "$1"; m=$(mknod "$@" 2>&1) && say "mknod $1" || say "mknod $1" "${m##*: }"; }
'
use_devices_probe() {
	edit_config '.process.capabilities |= with_entries(if .key == "ambient" then . else .value += ["CAP_MKNOD"] end)'
	set_script "$DEVICES_PROBE$1"
}

@test "devices: runc spec's rules, the device cgroup runc makes: its /dev opens, mknod works, other devices do not" {
	local before pid runc_pid list runc_list
	before=$(kit_device_cgroups)
	use_devices_probe 'for d in null zero full random urandom; do open /dev/$d; done
		make /dev/fuse c 10 229; open /dev/fuse; make /dev/tun c 10 200; open /dev/tun
		make /dev/pts9 c 136 9; make /dev/loop b 7 0; open /dev/loop'
	run_both dc1
	assert_same_as_runc
	assert_line "open /dev/null: ok"
	assert_line "mknod /dev/fuse: ok"
	assert_line "open /dev/fuse: Operation not permitted"
	assert_line "open /dev/loop: Operation not permitted"
	assert_line --regexp "^open /dev/tun: (ok|File descriptor in bad state)$"  # tun: allowed
	# v1: the kit's devices.list is runc's, line for line.
	if [ -d /sys/fs/cgroup/devices ]; then
		set_script 'sleep 30'
		RUNC_IDS+=(dc2) IDS+=(dc2)
		runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" dc2 </dev/null >/dev/null 2>&1 3>&-
		rt create --bundle "$BUNDLE" dc2 </dev/null >/dev/null 2>&1 3>&-
		runc_pid=$(runc --root "$RUNC_ROOT" state dc2 | jq .pid)
		pid=$(rt state dc2 | jq .pid)
		runc_list=$(cat "/sys/fs/cgroup/devices$(awk -F: '$2 == "devices" { print $3 }' /proc/$runc_pid/cgroup)/devices.list")
		list=$(cat "/sys/fs/cgroup/devices$(awk -F: '$2 == "devices" { print $3 }' /proc/$pid/cgroup)/devices.list")
		assert_equal "$(sort <<<"$list")" "$(sort <<<"$runc_list")"
		rt delete --force dc2
		runc --root "$RUNC_ROOT" delete --force dc2
	else
		note "cgroup v2: no devices.list to compare (an eBPF program holds the rules)"
	fi
	assert_equal "$(kit_device_cgroups)" "$before"
	assert_nothing_left
}

@test "devices: linux.devices with an allow rule: /dev/loop-control is made with its mode and owner and opens; without the rule, EPERM" {
	local before
	before=$(kit_device_cgroups)
	[ -c /dev/loop-control ] || skip "this host has no /dev/loop-control (the loop driver)"
	edit_config '.linux.devices = [{"path": "/dev/loop-control", "type": "c", "major": 10, "minor": 237,
			"fileMode": 400, "uid": 0, "gid": 5}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}]'
	use_devices_probe 'ls -ln /dev/loop-control | awk "{ print \$1, \$3, \$4, \$5, \$6 }"; open /dev/loop-control'
	run_both dn1
	assert_same_as_runc
	assert_line "crw--w---- 0 5 10, 237"
	assert_line "open /dev/loop-control: ok"
	# The node without a rule: made, but the device cgroup refuses it.
	edit_config 'del(.linux.resources.devices[1])'
	run_both dn2
	assert_same_as_runc
	assert_line "crw--w---- 0 5 10, 237"
	assert_line "open /dev/loop-control: Operation not permitted"
	# In a user namespace mknod is EPERM: the host's node is bound onto an empty
	# file, its owner (unmapped root: 65534) and mode the host's, in both.
	# The mapped root must reach the image copy: the test's directories o+x.
	local dir=$BATS_TEST_TMPDIR
	while [ "$dir" != / ] && [ "$dir" != /tmp ]; do chmod o+x "$dir"; dir=$(dirname "$dir"); done
	edit_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 1000000, "size": 65536}]
		| .linux.gidMappings = .linux.uidMappings'
	set_script 'ls -ln /dev/loop-control | awk "{ print \$1, \$3, \$4, \$5, \$6 }"
		grep -c " /dev/loop-control " /proc/self/mountinfo'
	run_both dn5
	# Where the image's filesystem cannot be idmapped (a tmpfs /tmp), the kit says so.
	KIT_OUTPUT=$(grep -v '^container: \[user\] warning: mount_setattr' <<<"$KIT_OUTPUT" || true)
	assert_same_as_runc
	assert_line "$(ls -ln /dev/loop-control | awk '{ print $1, 65534, 65534, $5, $6 }')"
	assert_line 1
	edit_config 'del(.linux.namespaces[] | select(.type == "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	# A node where the kit's own is, another device: refused, as the spec says
	# (runc keeps the file that is there).
	edit_config '.linux.devices[0].path = "/dev/null"'
	assert_refused dn3 "/dev/null exists and is another file or device"
	edit_config '.linux.devices[0].path = "/etc/fuse"'
	assert_refused dn4 "linux.devices[0]: refused as --device-node"
	assert_equal "$(kit_device_cgroups)" "$before"
	assert_nothing_left
}

@test "devices: a deny rule takes access away, wildcard majors and minors, as under runc" {
	local before
	before=$(kit_device_cgroups)
	[ -c /dev/loop-control ] || skip "this host has no /dev/loop-control (the loop driver)"
	edit_config '.linux.devices = [{"path": "/dev/loop-control", "type": "c", "major": 10, "minor": 237}]'
	use_devices_probe 'open /dev/loop-control; read_only /dev/loop-control; make /dev/rng c 10 183; read_only /dev/rng'
	# Allowed, then the write taken away: reading opens, read-write is EPERM.
	edit_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rwm"},
		{"allow": false, "type": "c", "major": 10, "minor": 237, "access": "w"}]'
	run_both dr1
	assert_same_as_runc
	assert_line "open /dev/loop-control: Operation not permitted"
	assert_line "read /dev/loop-control: ok"
	# Any major, minor 237 (null and -1 both say any): loop-control opens, 10:183 does not.
	edit_config '.linux.resources.devices[1:] = [{"allow": true, "type": "c", "minor": 237, "access": "rw"},
		{"allow": true, "type": "c", "major": -1, "minor": 237, "access": "r"}]'
	run_both dr2
	assert_same_as_runc
	assert_line "open /dev/loop-control: ok"
	assert_line "read /dev/rng: Operation not permitted"
	# Major 10, any minor: both open (hwrng, 10:183, for reading only).
	edit_config '.linux.resources.devices[1:] = [{"allow": true, "type": "c", "major": 10, "access": "rw"}]'
	run_both dr3
	assert_same_as_runc
	assert_line "open /dev/loop-control: ok"
	assert_line "read /dev/rng: ok"
	# A deny inside that wildcard would be a hole cgroup v1 cannot make: both refuse.
	edit_config '.linux.resources.devices += [{"allow": false, "type": "c", "major": 10, "minor": 237, "access": "w"}]'
	run_both dr4
	[ "$RUNC_STATUS" -ne 0 ] || fail "runc ran it: $RUNC_OUTPUT"
	assert_equal "$KIT_STATUS" 125
	assert_output --partial "it would cut a hole in the wildcard rule c 10:* rw"
	assert_equal "$(kit_device_cgroups)" "$before"
	assert_nothing_left
}

@test "devices: m access: mknod is EPERM where a rule takes it, allowed where runc's own rules give it" {
	local before
	before=$(kit_device_cgroups)
	use_devices_probe 'make /dev/fuse c 10 229; make /dev/lc c 10 237; make /dev/loop b 7 0'
	# runc spec's deny-all, then rw alone for fuse: mknod is still allowed (runc adds c *:* m).
	edit_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}]'
	run_both dm1
	assert_same_as_runc
	assert_line "mknod /dev/fuse: ok"
	assert_line "mknod /dev/loop: ok"
	# Every device allowed ("a"), then m taken from fuse and from every block device.
	edit_config '.linux.resources.devices = [{"allow": true, "access": "rwm"},
		{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "m"},
		{"allow": false, "type": "b", "access": "m"}]'
	run_both dm2
	assert_same_as_runc
	assert_line "mknod /dev/fuse: Operation not permitted"
	assert_line "mknod /dev/lc: ok"
	# runc's own rules come after the bundle's: its "b *:* m" gives block nodes back.
	assert_line "mknod /dev/loop: ok"
	assert_equal "$(kit_device_cgroups)" "$before"
	assert_nothing_left
}
