#!/usr/bin/env bats
# step08_runtime: the OCI runtime - a bundle, a lifecycle (create, start,
# state, kill, delete), exec into a running container; runc for reference.
#
# Every container a test makes has its ID in IDS and is deleted with
# --force in teardown, whatever happened. State goes to a directory of the
# test's own (--root), so tests never see another's containers.

load ../../tests/helpers

setup() {
	kit_setup
	IDS=()
	RUNC_IDS=()
	RT_ROOT=$BATS_TEST_TMPDIR/state
	RUNC_ROOT=$BATS_TEST_TMPDIR/runc-state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	make_bundle "$BUNDLE"
}

teardown() {
	local id pid
	for id in "${IDS[@]}"; do
		pid=$(jq -r '.pid // empty' "$RT_ROOT/$id/state.json" 2>/dev/null)
		rt delete --force "$id" >/dev/null 2>&1 || true
		# The init is not the monitor's child (create leaves it to its caller, as
		# runc does): a kit that could not kill it (make mutate) must not leave it.
		# (The same PID in another PID namespace than ours: still that container's init.)
		if [ -n "$pid" ] && [ -e "/proc/$pid" ] &&
			[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for id in "${RUNC_IDS[@]}"; do runc --root "$RUNC_ROOT" delete --force "$id" >/dev/null 2>&1 || true; done
	[ -z "${BUNDLE_COPY:-}" ] || rm -rf "$BUNDLE_COPY"
	kit_teardown
}

# --- helpers ---------------------------------------------------------------

rt() { "$CONTAINER" --root "$RT_ROOT" "$@"; }

# Which optional layers the program under test has: its --help lists their options.
has_cgroup_layer() { "$CONTAINER" --help | grep -q -- '--memory '; }

# A bundle from `container spec`, with the kit's rootfs and COMMAND (default: sleep).
make_bundle() {
	mkdir -p "$1"
	(cd "$1" && "$CONTAINER" spec) || fail "container spec failed"
	edit_config "$1" --arg rootfs "$KIT_ROOTFS" '.root.path = $rootfs | .process.args = ["sleep", "1000"]'
}

# edit_config DIR [JQ OPTIONS] FILTER: config.json through jq.
edit_config() {
	local dir=$1
	shift
	jq "$@" "$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

# set_args DIR ARG...: process.args.
set_args() {
	local dir=$1 args='[]' arg
	shift
	for arg in "$@"; do args=$(jq -c --arg arg "$arg" '. + [$arg]' <<<"$args"); done
	edit_config "$dir" --argjson args "$args" '.process.args = $args'
}

# Where a container's stdout and stderr go (an ID may be anything, in the bad-ID test).
out_file() { echo "$BATS_TEST_TMPDIR/out-${1//\//_}"; }

# try_create ID [OPTIONS]: `container create`. The container keeps create's
# stdout and stderr for its life, so they go to a file ($BATS_TEST_TMPDIR/ID.out),
# not to bats' pipe. Sets $status and $output, as bats' run does.
try_create() {
	local id=$1
	shift
	IDS+=("$id")
	status=0
	rt create --bundle "$BUNDLE" "$@" "$id" </dev/null >"$(out_file "$id")" 2>&1 3>&- || status=$?
	output=$(cat "$(out_file "$id")")
}

create() {
	try_create "$@"
	[ "$status" -eq 0 ] || fail "create $1 failed ($status): $output"
}

# Waits until the container's output has a line, e.g. "ready".
wait_output() {
	local id=$1 line=$2 i
	for i in $(seq 100); do
		grep -qx -- "$line" "$(out_file "$id")" && return 0
		sleep 0.1
	done
	cat "$(out_file "$id")"
	fail "no line \"$line\" from $id after 10 s"
}

status_of() { rt state "$1" | jq -r .status; }
# The monitor, which watches the init: `create` leaves the init to its caller, as runc does.
monitor_of() { jq -r .kit.monitor "$RT_ROOT/$1/state.json"; }
pid_of() { rt state "$1" | jq -r .pid; }

# Waits until the container's status is $2 (a process dies asynchronously).
wait_status() {
	local i
	for i in $(seq 100); do
		[ "$(status_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 is $(status_of "$1"), not $2, after 10 s"
}

# The state JSON against runtime.md "State": required keys, their types, the
# status, and a pid when created or running.
assert_state() {
	local id=$1 expected=$2 json
	json=$(rt state "$id") || fail "state $id failed"
	echo "$json" | jq -e --arg id "$id" --arg status "$expected" --arg bundle "$BUNDLE" '
		(.ociVersion | type == "string" and test("^1\\.[0-2]\\.[0-9]+")) and
		(.id == $id) and
		(.status == $status) and
		(.status | IN("creating", "created", "running", "stopped")) and
		(.bundle == $bundle) and (.bundle | startswith("/")) and
		(.pid | type == "number") and
		(if .status == "created" or .status == "running" then .pid > 0 else true end) and
		((.annotations // {}) | type == "object")' >/dev/null ||
		fail "state of $id is not a valid \"$expected\" state: $json"
}

# Namespace types in which a process differs from this shell, e.g. "ipc mnt net ...".
new_namespaces_of() {
	local pid=$1 t out=""
	for t in cgroup ipc mnt net pid time user uts; do
		[ "$(readlink "/proc/$pid/ns/$t")" != "$(readlink "/proc/self/ns/$t")" ] && out+="$t "
	done
	echo "$out"
}

# Everything a container leaves on the host while it exists, named by its init's PID.
assert_gone() {
	local id=$1 pid=$2 monitor=$3
	assert_dir_not_exist "$RT_ROOT/$id"
	run ip link show "kitv$pid"
	assert_failure
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "c$pid" 2>/dev/null)" ] ||
		fail "cgroup c$pid is left: $(find /sys/fs/cgroup -maxdepth 3 -type d -name "c$pid")"
	# Named by the init's PID (cgroup c<PID>, kitv<PID>) or the monitor's (overlay/<PID>).
	local left
	left=$(find /run/container-kit \( -name "$pid" -o -name "*[!0-9.]$pid" -o -name "$monitor" \
		-o -name "*[!0-9.]$monitor" \) 2>/dev/null)
	[ -z "$left" ] || fail "left in /run/container-kit: $left"
	# create leaves the init to its caller, as runc does: once dead, whoever adopted
	# it (the host's init here, an engine's subreaper under podman) reaps it.
	[ ! -e "/proc/$pid" ] || [ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = Z ] ||
		fail "the container's process $pid is left"
	[ ! -e "/proc/$monitor" ] || [ "$(readlink "/proc/$monitor/exe")" != "$(readlink -f "$CONTAINER")" ] ||
		fail "the monitor $monitor is left"
	assert_nothing_left
}

# --- spec ------------------------------------------------------------------

@test "runtime: spec writes a config.json of what this program does, and never overwrites" {
	local dir=$BATS_TEST_TMPDIR/empty expected="ipc mount network pid user uts"
	mkdir "$dir"
	cd "$dir"
	run "$CONTAINER" spec
	assert_success
	has_cgroup_layer && expected="cgroup $expected"
	run jq -r '[.linux.namespaces[].type] | sort | join(" ")' config.json
	assert_output "$expected"
	run jq -r '[.ociVersion, .process.terminal, .process.cwd, .process.args[0], .root.path,
		    (.mounts | map(.destination) | join(","))] | join(" ")' config.json
	assert_output --regexp '^1\.[0-2]\.[0-9]+ false / sh [^ ]+ /proc,/dev,/dev/pts,/dev/shm,/dev/mqueue,/sys$'
	run "$CONTAINER" spec
	assert_equal "$status" 125
	assert_output --partial "exists: remove it first"
}

# --- the lifecycle ---------------------------------------------------------

@test "runtime: create, state, list, start, kill, delete: the OCI lifecycle" {
	set_args "$BUNDLE" sh -c 'echo started; trap "echo got TERM; exit 3" TERM; while :; do sleep 0.1; done'
	create life1
	assert_state life1 created
	local pid monitor
	pid=$(pid_of life1)
	monitor=$(monitor_of life1)
	# Created: the process exists, set up, but COMMAND has not run.
	local expected="ipc mnt net pid user uts "
	has_cgroup_layer && expected="cgroup $expected"
	assert_equal "$(new_namespaces_of "$pid")" "$expected"
	run grep -c started "$(out_file life1)"
	assert_output 0
	run rt list
	assert_success
	assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED'
	assert_line --index 1 --regexp "^life1 +$pid +created +$BUNDLE "
	run rt start life1
	assert_success
	wait_output life1 started
	assert_state life1 running
	run rt list
	assert_line --index 1 --regexp "^life1 +$pid +running "
	run rt kill life1
	assert_success
	wait_status life1 stopped
	assert_state life1 stopped
	assert_file_contains "$(out_file life1)" "got TERM"
	run rt delete life1
	assert_success
	# The monitor recorded "stopped" once its cleanup was done: nothing to warn of.
	assert_output ''
	assert_gone life1 "$pid" "$monitor"
	run rt state life1
	assert_equal "$status" 125
	assert_output --partial 'container "life1" does not exist'
}

@test "runtime: create writes --pid-file; the pid is the container's init, as the host sees it" {
	create pidf --pid-file "$BATS_TEST_TMPDIR/pidfile"
	assert_file_exist "$BATS_TEST_TMPDIR/pidfile"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/pidfile")" "$(pid_of pidf)"
	# Waiting for start, it is still the kit's binary, as container root.
	assert_equal "$(readlink "/proc/$(pid_of pidf)/exe")" "$(readlink -f "$CONTAINER")"
	assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$(pid_of pidf)/status")" 1000000
}

@test "runtime: kill takes a signal by name, SIGNAME or number; TERM by default" {
	set_args "$BUNDLE" sh -c 'for s in USR1 USR2 HUP; do trap "echo got $s" $s; done
		trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	create sigs
	rt start sigs
	wait_output sigs ready
	rt kill sigs USR1
	wait_output sigs "got USR1"
	rt kill sigs SIGUSR2
	wait_output sigs "got USR2"
	rt kill sigs 1
	wait_output sigs "got HUP"
	run rt kill sigs NOSUCHSIG
	assert_equal "$status" 125
	assert_output --partial '"NOSUCHSIG" is not a signal'
	assert_equal "$(status_of sigs)" running
	rt kill sigs
	wait_output sigs "got TERM"
	wait_status sigs stopped
	run rt kill sigs KILL
	assert_equal "$status" 125
	assert_output --partial 'container "sigs" is stopped: there is no process to signal'
}

@test "runtime: delete removes mounts, veth, cgroup, state and processes" {
	create del1
	rt start del1
	local pid monitor
	pid=$(pid_of del1)
	monitor=$(monitor_of del1)
	run ip link show "kitv$pid"
	assert_failure  # a bundle's network namespace gets no cable: runc makes none either
	assert_dir_exist "$RT_ROOT/del1"
	rt kill del1 KILL
	wait_status del1 stopped
	run rt delete del1
	assert_success
	assert_gone del1 "$pid" "$monitor"
}

@test "runtime: delete refuses a running container, --force kills and removes it" {
	create del2
	rt start del2
	local pid monitor
	pid=$(pid_of del2)
	monitor=$(monitor_of del2)
	run rt delete del2
	assert_equal "$status" 125
	assert_output --partial 'container "del2" is running'
	assert_state del2 running  # nothing changed
	run rt delete --force del2
	assert_success
	assert_gone del2 "$pid" "$monitor"
}

@test "runtime: delete of a created container kills it, as runc does" {
	create del3
	local pid monitor
	pid=$(pid_of del3)
	monitor=$(monitor_of del3)
	run rt delete del3
	assert_success
	assert_gone del3 "$pid" "$monitor"
}

# --- exec ------------------------------------------------------------------

@test "runtime: exec joins the container: hostname, PID 1, mounts, network, cgroup, user" {
	edit_config "$BUNDLE" '.hostname = "exec-box"'
	create ex1
	rt start ex1
	local pid
	pid=$(pid_of ex1)
	# Every namespace of the init: the same inodes.
	run rt exec ex1 sh -c 'for t in cgroup ipc mnt net pid time user uts; do readlink /proc/self/ns/$t; done'
	assert_success
	local t expected=""
	for t in cgroup ipc mnt net pid time user uts; do expected+="$(readlink "/proc/$pid/ns/$t")"$'\n'; done
	assert_equal "$output"$'\n' "$expected"
	run rt exec ex1 hostname
	assert_output exec-box
	# PID 1 is the container's init; the exec'd process sees only the container's.
	run rt exec ex1 cat /proc/1/cmdline
	assert_output "sleep1000"  # NUL-separated: sleep\01000
	# The same mount table: the container's root, its /proc, /dev/mqueue, ...
	run rt exec ex1 cat /proc/self/mountinfo
	assert_equal "$(echo "$output" | awk '{ print $5, $9 }' | sort)" \
		"$(awk '{ print $5, $9 }' "/proc/$pid/mountinfo" | sort)"
	assert_line --partial ' /dev/mqueue '
	# The same network: its lo, with its address.
	run rt exec ex1 cat /proc/net/fib_trie
	assert_equal "$output" "$(cat "/proc/$pid/net/fib_trie")"
	# Container root, host uid 1000000; and in the init's cgroups, seen from the host.
	rt exec ex1 sh -c 'id -u; sleep 1000; true exec-marker' >"$BATS_TEST_TMPDIR/exec.out" 2>&1 3>&- &
	local exec_cli=$! exec_pid="" i
	for i in $(seq 50); do
		exec_pid=$(pgrep -f 'exec-marker' | while read -r p; do
			[ "$(awk '/^NSpid:/ { print NF }' "/proc/$p/status")" -gt 2 ] && echo "$p"; done | head -n1)
		[ -n "$exec_pid" ] && break
		sleep 0.1
	done
	[ -n "$exec_pid" ] || fail "the exec'd process did not show up"
	assert_equal "$(cat "/proc/$exec_pid/cgroup")" "$(cat "/proc/$pid/cgroup")"
	# ... but not the exec command itself, which waits on the host's side.
	local cli_pid
	cli_pid=$(pgrep -f 'exec-marker' | while read -r p; do
		[ "$(awk '/^NSpid:/ { print NF }' "/proc/$p/status")" -eq 2 ] && echo "$p"; done | head -n1)
	assert_equal "$(cat "/proc/$cli_pid/cgroup")" "$(cat /proc/self/cgroup)"
	assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$exec_pid/status")" 1000000
	assert_equal "$(readlink "/proc/$exec_pid/ns/pid")" "$(readlink "/proc/$pid/ns/pid")"
	kill -KILL "$exec_pid"
	wait "$exec_cli" || true  # not a bare wait: bats' per-test timer is a job too
	assert_file_contains "$BATS_TEST_TMPDIR/exec.out" '^0$'
}

# setns(2) into a PID namespace applies to children only; exec must fork
# after it. Checked from the host (the kernel's view: /proc/PID/status and
# /proc/PID/ns/pid), then from inside, apart from the namespace comparison above.
@test "runtime: exec'd COMMAND is in the init's PID namespace: its NSpid and ns/pid, from the host and inside" {
	create ex8
	rt start ex8
	local pid exec_cli exec_pid="" p i
	pid=$(pid_of ex8)
	rt exec ex8 sh -c 'sleep 1000; true nspid-marker' >"$BATS_TEST_TMPDIR/exec.out" 2>&1 3>&- &
	exec_cli=$!
	for i in $(seq 50); do
		for p in $(pgrep -f 'nspid-marker'); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sh ] && exec_pid=$p
		done
		[ -n "$exec_pid" ] && break
		sleep 0.1
	done
	[ -n "$exec_pid" ] || fail "the exec'd process did not show up"
	# As many PID namespace levels as the init, the innermost being the init's.
	assert_equal "$(awk '/^NSpid:/ { print NF }' "/proc/$exec_pid/status")" \
		"$(awk '/^NSpid:/ { print NF }' "/proc/$pid/status")"
	assert_equal "$(readlink "/proc/$exec_pid/ns/pid")" "$(readlink "/proc/$pid/ns/pid")"
	kill -KILL "$exec_pid"
	wait "$exec_cli" || true
	# Inside: the container's /proc knows the process, by a PID of its namespace alone.
	run rt exec ex8 sh -c 'awk "/^NSpid:/ { print NF }" /proc/self/status; readlink /proc/self/ns/pid'
	assert_success
	assert_line --index 0 2
	assert_line --index 1 "$(readlink "/proc/$pid/ns/pid")"
}

@test "runtime: exec returns COMMAND's exit code, 127 when not found, 126 when not executable" {
	create ex2
	rt start ex2
	run rt exec ex2 sh -c 'exit 42'
	assert_equal "$status" 42
	run rt exec ex2 -- sh -c 'kill -KILL $$'
	assert_equal "$status" 137
	run -127 rt exec ex2 /no/such/program
	assert_equal "$status" 127
	run rt exec ex2 /etc/passwd
	assert_equal "$status" 126
	assert_state ex2 running  # the container is untouched
}

@test "runtime: -v traces the lifecycle: exec.fifo, setns, chroot" {
	create ex3
	rt start ex3
	run rt -v exec ex3 true
	assert_success
	assert_line --regexp '^\[exec\] setns\(/proc/[0-9]+/ns/user\) = 0$'
	assert_line --regexp '^\[exec\] setns\(/proc/[0-9]+/ns/mnt\) = 0$'
	assert_line '[exec] chroot(".") = 0'
	if has_cgroup_layer; then
		assert_line --regexp '^\[exec\] echo 0 > /sys/fs/cgroup/(.*/)?container-kit/c[0-9]+/cgroup.procs = 0$'
	fi
	set_args "$BUNDLE" true
	IDS+=(ex3b)
	run rt -v run --bundle "$BUNDLE" ex3b
	assert_success
	assert_line --partial '[runtime] open(exec.fifo, O_WRONLY): blocks until `container start`'
	assert_line --partial '[runtime] read(exec.fifo) = 1'
	assert_line --partial '[ipc] mount("mqueue", "/dev/mqueue"'
}

# --- run -------------------------------------------------------------------

@test "runtime: run in the foreground exits like the flag form and leaves no state" {
	set_args "$BUNDLE" sh -c 'exit 3'
	IDS+=(fg1)
	run rt run --bundle "$BUNDLE" fg1
	assert_equal "$status" 3
	assert_dir_not_exist "$RT_ROOT/fg1"
	# Killed by a signal: 128+N. (kill from another terminal: PID 1 cannot kill itself.)
	set_args "$BUNDLE" sh -c 'echo ready; sleep 1000'
	IDS+=(fg2)
	rt run --bundle "$BUNDLE" fg2 </dev/null >"$(out_file fg2)" 2>&1 3>&- &
	local runner=$! runner_status=0
	wait_output fg2 ready
	assert_state fg2 running
	rt kill fg2 KILL
	wait "$runner" || runner_status=$?
	assert_equal "$runner_status" 137
	assert_dir_not_exist "$RT_ROOT/fg2"
	set_args "$BUNDLE" /no/such/program
	run -127 rt run --bundle "$BUNDLE" fg1
	assert_equal "$status" 127
	run rt list
	assert_equal "${#lines[@]}" 1  # the header only
	assert_nothing_left
}

# config.json is a FIFO, so run waits for it inside its own setup: the
# signal lands after this program has begun and before any layer has. By
# default it would die there; caught, setup runs, is undone, and COMMAND
# never runs. The state directory made in between goes too.
@test "runtime: SIGTERM to run while it reads config.json: COMMAND never runs, no state, exit 143" {
	local fifo_bundle=$BATS_TEST_TMPDIR/fifo-bundle runner runner_status=0 i
	set_args "$BUNDLE" echo must-not-run
	mkdir "$fifo_bundle"
	mkfifo "$fifo_bundle/config.json"
	exec 8<>"$fifo_bundle/config.json"  # read-write: run's open does not wait for a writer
	IDS+=(sig1)
	# Not through rt(): $! must be this program, not a subshell.
	"$CONTAINER" --root "$RT_ROOT" run --bundle "$fifo_bundle" sig1 </dev/null >"$(out_file sig1)" 2>&1 3>&- 8>&- &
	runner=$!
	for i in $(seq 100); do
		[ -n "$(find "/proc/$runner/fd" -lname "$fifo_bundle/config.json" 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ -n "$(find "/proc/$runner/fd" -lname "$fifo_bundle/config.json" 2>/dev/null)" ] ||
		{ exec 8>&-; fail "run did not open config.json: $(cat "$(out_file sig1)")"; }
	kill -TERM "$runner"
	sleep 0.2  # delivered while run waits in read()
	cat "$BUNDLE/config.json" >&8
	exec 8>&-
	wait "$runner" || runner_status=$?
	run cat "$(out_file sig1)"
	assert_equal "$runner_status" 143
	assert_output --partial "Terminated during setup"
	refute_line must-not-run
	assert_dir_not_exist "$RT_ROOT/sig1"
	assert_nothing_left
}

@test "runtime: run --detach is create + start" {
	set_args "$BUNDLE" sh -c 'echo ready; sleep 1000'
	IDS+=(det1)
	rt run --detach --bundle "$BUNDLE" det1 </dev/null >"$(out_file det1)" 2>&1 3>&-
	wait_output det1 ready
	assert_state det1 running
}

@test "runtime: the default --root is /run/container-kit/runtime" {
	cd "$BUNDLE"
	"$CONTAINER" create default-root-$$ </dev/null >/dev/null 2>&1 3>&-
	assert_dir_exist "/run/container-kit/runtime/default-root-$$"
	run "$CONTAINER" delete default-root-$$
	assert_success
	assert_dir_not_exist "/run/container-kit/runtime/default-root-$$"
}

# --- many ------------------------------------------------------------------

@test "runtime: 20 containers created, started, listed and deleted leave nothing behind" {
	local i id
	for i in $(seq -w 1 20); do create "many$i"; done
	for i in $(seq -w 1 20); do rt start "many$i"; done
	run rt list
	assert_equal "$(echo "$output" | grep -c ' running ')" 20
	local pids=() monitors=()
	for i in $(seq -w 1 20); do
		pids+=("$(pid_of "many$i")")
		monitors+=("$(monitor_of "many$i")")
	done
	for i in $(seq -w 1 20); do rt delete --force "many$i"; done
	run rt list
	assert_equal "${#lines[@]}" 1
	for i in $(seq 0 19); do assert_gone "$(printf "many%02d" $((i + 1)))" "${pids[i]}" "${monitors[i]}"; done
	assert_equal "$(ls -A "$RT_ROOT")" ""
}

@test "runtime: process.terminal: COMMAND's stdio is a pty of the container's own, its master sent to --console-socket" {
	local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out i console
	# What an engine does (podman's conmon): listen, take the master (kit_teardown kills it).
	"$KIT_TOP/tests/tools/bin/console_socket" "$sock" "typed-in"$'\n' >"$out" 2>&1 3>&- &
	console=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	edit_config "$BUNDLE" '.process.terminal = true'
	set_args "$BUNDLE" sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-three-a-tty
		read -r line; echo "read: $line"; stat -c "devpts %d" /dev/pts/0'
	create tty1 --console-socket "$sock"
	rt start tty1
	wait "$console"  # it ends when the container's terminal closes
	run cat "$out"
	assert_line "console: got a pty master"
	assert_line --regexp '^/dev/pts/0'
	assert_line --regexp '^all-three-a-tty'
	assert_line --regexp '^read: typed-in'
	# Its own devpts instance: not the host's (whose device number differs).
	refute_line --regexp "^devpts $(stat -c %d /dev/pts)$"
	# A terminal without a socket, or a socket without a terminal: refused, nothing made.
	try_create tty2
	assert_equal "$status" 125
	assert_output --partial "process.terminal is true: give --console-socket"
	edit_config "$BUNDLE" '.process.terminal = false'
	try_create tty3 --console-socket "$sock"
	assert_equal "$status" 125
	assert_output --partial "--console-socket: process.terminal is false"
	assert_dir_not_exist "$RT_ROOT/tty3"
}

@test "runtime: exec --process FILE, as engines call it: process.json's args, env and cwd; --detach and --pid-file" {
	create pj1
	rt start pj1
	local proc=$BATS_TEST_TMPDIR/process.json pidfile=$BATS_TEST_TMPDIR/exec.pid
	jq -n '{terminal: false, user: {uid: 0, gid: 0}, cwd: "/tmp", env: ["ONLY=this"],
		args: ["sh", "-c", "pwd; echo ONLY=$ONLY TERM=${TERM:-unset}; exit 9"]}' >"$proc"
	run rt exec --process "$proc" pj1
	assert_equal "$status" 9
	# process.json's environment alone: not the init's (whose TERM is xterm).
	assert_output $'/tmp\nONLY=this TERM=unset'
	# --detach: started and left to the caller; --pid-file: its PID as the host sees it.
	rt exec --detach --pid-file "$pidfile" pj1 sh -c 'echo $$ > /tmp/detached; sleep 30'
	local pid
	pid=$(cat "$pidfile")
	[ -d "/proc/$pid" ] || fail "the detached process $pid is not running"
	assert_equal "$(readlink "/proc/$pid/ns/pid")" "$(readlink "/proc/$(pid_of pj1)/ns/pid")"
	# exec's own --env, --cwd (the init's environment, with GREETING added).
	run rt exec --env GREETING=hi --cwd /etc pj1 sh -c 'pwd; echo $GREETING; echo ${PATH:+path-kept}'
	assert_output $'/etc\nhi\npath-kept'
	run rt exec --process "$proc" pj1 extra
	assert_equal "$status" 125
	assert_output --partial "--process gives COMMAND; none may follow the ID"
	run rt exec --tty pj1 true
	assert_equal "$status" 125
	assert_output --partial "a terminal needs --console-socket"
	rt delete --force pj1
	assert_nothing_left
}

@test "runtime: kill --all signals every process of the container, found by its cgroup" {
	create ka1
	rt start ka1
	rt exec --detach ka1 sleep 2000
	rt exec --detach ka1 sleep 2001
	local pid procs
	pid=$(pid_of ka1)
	procs=$(pgrep -f '^sleep 200[01]$' | while read -r p; do
		[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$pid/ns/pid")" ] && echo "$p"; done)
	assert_equal "$(echo "$procs" | wc -l)" 2
	rt kill --all ka1 KILL
	local p i
	for p in $procs $pid; do
		for i in $(seq 50); do [ "$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = Z ] ||
			[ ! -e "/proc/$p" ] && break; sleep 0.1; done
		[ ! -e "/proc/$p" ] || [ "$(awk '/^State:/ { print $2 }' "/proc/$p/status")" = Z ] ||
			fail "process $p lives on after kill --all"
	done
	wait_status ka1 stopped
	rt delete ka1
	assert_nothing_left
}

@test "runtime: --log FILE and --log-format json keep errors as runc does; --systemd-cgroup is refused; --version, features" {
	local log=$BATS_TEST_TMPDIR/runtime.log
	run rt --log "$log" --log-format json state no-such-id
	assert_equal "$status" 125
	assert_output --partial 'container "no-such-id" does not exist'
	run jq -r '.level + " " + (.msg | test("no-such-id") | tostring) + " " + (.time | test("^[0-9]{4}-") | tostring)' "$log"
	assert_output "error true true"
	run rt --log="$log" --log-format text kill no-such-id
	assert_equal "$(tail -n1 "$log")" "$(echo "$output" | tail -n1)"
	run rt --log-format xml list
	assert_equal "$status" 125
	assert_output --partial "--log-format xml: must be text or json"
	run rt --systemd-cgroup create --bundle "$BUNDLE" sd1
	assert_equal "$status" 125
	assert_output --partial "--systemd-cgroup: this program manages cgroups itself"
	assert_dir_not_exist "$RT_ROOT/sd1"
	run "$CONTAINER" --version
	assert_success
	assert_line --regexp '^spec: 1\.[0-2]\.[0-9]+$'
	run rt features
	assert_success
	local features=$output
	echo "$features" | jq -e '.ociVersionMax | test("^1\\.")' >/dev/null || fail "no ociVersionMax: $features"
	echo "$features" | jq -e '.mountOptions | index("rbind") and index("tmpcopyup")' >/dev/null
	# The namespaces it lists are the ones a container of this program gets.
	create ft1
	assert_equal "$(echo "$features" | jq -r '.linux.namespaces | map(sub("network"; "net") | sub("mount"; "mnt")) | sort | join(" ")') " \
		"$(new_namespaces_of "$(pid_of ft1)" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')"
}

# --- config.json errors ----------------------------------------------------

# bad_config ID JQ-FILTER: create refuses the edited config with 125, leaving nothing.
bad_config() {
	local id=$1 filter=$2
	make_bundle "$BATS_TEST_TMPDIR/$id"
	edit_config "$BATS_TEST_TMPDIR/$id" "$filter"
	BUNDLE=$BATS_TEST_TMPDIR/$id try_create "$id"
	assert_equal "$status" 125
	assert_dir_not_exist "$RT_ROOT/$id"
}

@test "runtime: a malformed config.json is refused with FILE:LINE:COLUMN, exit 125" {
	head -c 200 "$BUNDLE/config.json" >"$BUNDLE/config.json.cut"
	mv "$BUNDLE/config.json.cut" "$BUNDLE/config.json"
	try_create trunc
	assert_equal "$status" 125
	assert_output --regexp "$BUNDLE/config.json:[0-9]+:[0-9]+: "
	printf '{ "ociVersion": "1.2.0",\n  "ociVersion": "1.2.0" }\n' >"$BUNDLE/config.json"
	try_create dupkey
	assert_equal "$status" 125
	assert_output --regexp "config.json:2:[0-9]+: duplicate object key"
	rm "$BUNDLE/config.json"
	try_create nofile
	assert_equal "$status" 125
	assert_output --partial "config.json"
	assert_dir_not_exist "$RT_ROOT/trunc"
	assert_nothing_left
}

@test "runtime: wrong types and missing fields are named by their JSON path" {
	bad_config t1 '.process.args = "sh"'
	assert_output --partial "config.json: process.args: must be an array"
	bad_config t2 '.process.args = ["sh", 1]'
	assert_output --partial "process.args: must be an array of strings"
	bad_config t3 'del(.process.cwd)'
	assert_output --partial "process.cwd: missing (required)"
	bad_config t4 'del(.root)'
	assert_output --partial "root: missing (required)"
	bad_config t5 '.hostname = 7'
	assert_output --partial "hostname: must be a string"
	bad_config t6 '.linux.uidMappings[0].size = "big"'
	assert_output --partial "linux.uidMappings[0].size: must be an integer"
	bad_config t7 '.ociVersion = "2.0.0"'
	assert_output --partial 'ociVersion: "2.0.0": this program reads 1.0.x to 1.2.x'
	bad_config t8 '.process.env = ["PATH"]'
	assert_output --partial 'process.env[0]: "PATH" is not NAME=VALUE'
	bad_config t9 '.root.path = "no-such-rootfs"'
	assert_output --partial "root.path: $BATS_TEST_TMPDIR/t9/no-such-rootfs: No such file or directory"
	assert_nothing_left
}

@test "runtime: linux.namespaces must be the set this program creates" {
	bad_config n1 '.linux.namespaces += [{"type": "bogus"}]'
	assert_output --regexp 'linux.namespaces\[[0-9]+\]: type "bogus": unknown'
	bad_config n2 '.linux.namespaces += [{"type": "pid"}]'
	assert_output --regexp 'linux.namespaces\[[0-9]+\]: type "pid": listed twice'
	bad_config n3 '.linux.namespaces |= map(select(.type != "network"))'
	assert_output --partial 'linux.namespaces: no "network" entry, but this program always creates a network namespace'
	bad_config n4 '.linux.namespaces += [{"type": "time"}]'
	assert_output --partial 'linux.namespaces: "time": this program creates no time namespace'
	bad_config n5 '(.linux.namespaces[] | select(.type == "network")) += {"path": "/proc/999999999/ns/net"}'
	assert_output --partial '--join-namespace net:/proc/999999999/ns/net: no such file (gone'
	bad_config n6 '(.linux.namespaces[] | select(.type == "network")) += {"path": "/etc/hostname"}'
	assert_output --partial '--join-namespace net:/etc/hostname: not a namespace file'
	assert_nothing_left
}

@test "runtime: linux.namespaces[].path joins another container's network and IPC namespaces" {
	# As podman's rootful containers: no user namespace (with one, sysfs could not be
	# mounted in a network namespace that another user namespace owns).
	edit_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "user"))
		| del(.linux.uidMappings, .linux.gidMappings)'
	create first
	local pid
	pid=$(pid_of first)
	edit_config "$BUNDLE" --arg pid "$pid" '.linux.namespaces |= map(
		if .type == "network" then . + {path: "/proc/\($pid)/ns/net"}
		elif .type == "ipc" then . + {path: "/proc/\($pid)/ns/ipc"} else . end)'
	set_args "$BUNDLE" sh -c 'for t in net ipc uts; do readlink /proc/self/ns/$t; done'
	IDS+=(second)
	run rt run --bundle "$BUNDLE" second
	assert_success
	assert_equal "${lines[0]}" "$(readlink "/proc/$pid/ns/net")"
	assert_equal "${lines[1]}" "$(readlink "/proc/$pid/ns/ipc")"
	[ "${lines[2]}" != "$(readlink "/proc/$pid/ns/uts")" ] || fail "the UTS namespace was joined, not new"
	rt delete --force first
	assert_nothing_left
}

@test "runtime: a user or cgroup namespace config.json does not list is the host's, as runc spec writes it" {
	edit_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "user" and .type != "cgroup"))
		| del(.linux.uidMappings, .linux.gidMappings)'
	create shared1
	local pid
	pid=$(pid_of shared1)
	assert_equal "$(readlink "/proc/$pid/ns/user")" "$(readlink /proc/self/ns/user)"
	assert_equal "$(readlink "/proc/$pid/ns/cgroup")" "$(readlink /proc/self/ns/cgroup)"
	assert_equal "$(new_namespaces_of "$pid")" "ipc mnt net pid uts "
	# Container root is host root: no map, no idmapped rootfs.
	assert_equal "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" "0 0 4294967295"
	assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 0
	rt delete --force shared1
	# Mappings need the namespace that is not listed.
	edit_config "$BUNDLE" '.linux.uidMappings = [{"containerID": 0, "hostID": 1000000, "size": 65536}]'
	try_create shared2
	assert_equal "$status" 125
	assert_output --partial "linux.uidMappings[0]: refused as --uid-map 0:1000000:65536"
	assert_output --partial "--uid-map: the user layer is left out"
	assert_nothing_left
}

@test "runtime: what the kit cannot honour is an error, never silently ignored" {
	bad_config u1 '.process.terminal = true'
	assert_output --partial "process.terminal is true: give --console-socket"
	# Refused where no layer has the options; step09's security layer honours
	# them (and so does its skeleton, whose support files have the options).
	if ! "$CONTAINER" --help | grep -q -- '--read-only'; then
		bad_config u2 '.root.readonly = true'
		assert_output --partial "root.readonly: not supported by this program (no layer has --read-only)"
		bad_config u3 '.process.user.uid = 1000'
		assert_output --partial "process.user: not supported by this program (no layer has --user)"
		bad_config u8 '.process.noNewPrivileges = true'
		assert_output --partial "process.noNewPrivileges: not supported by this program"
		bad_config u4 '.linux.maskedPaths = ["/proc/kcore"]'
		assert_output --partial "linux.maskedPaths: not supported by this program (no layer has --security-opt): step09_security's layer adds it"
		bad_config u5 '.process.capabilities = {"bounding": ["CAP_KILL"]}'
		assert_output --partial "process.capabilities.bounding: not supported by this program (no layer has --capabilities): step09_security's layer adds it"
		bad_config u10 '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64}]'
		assert_output --partial "process.rlimits[0]: not supported by this program (no layer has --ulimit)"
	fi
	bad_config u11 '.linux.resources.devices = [{"allow": true, "type": "x", "access": "rwm"}]'
	assert_output --partial 'linux.resources.devices[0]: type "x": must be a, b or c'
	bad_config u12 '.linux.rootfsPropagation = "rslave"'
	assert_output --partial 'linux.rootfsPropagation: "rslave": this program makes every mount of the container private'
	bad_config u13 '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	assert_output --partial "process.selinuxLabel: not supported by this program"
	bad_config u14 '.linux.namespaces |= map(if .type == "network" then . + {"path": "/proc/1/ns/ipc"} else . end)'
	assert_output --partial "--join-namespace net:/proc/1/ns/ipc: the wrong type, a ipc namespace, not a net one"
	bad_config u15 '.hooks.startContainers = [{"path": "/bin/true"}]'
	assert_output --partial "hooks.startContainers: not a hook of runtime-spec 1.2"
	bad_config u6 '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuchopt"]}]'
	assert_output --regexp 'mounts\[[0-9]+\]: refused as --mount type=tmpfs,source=tmpfs,target=/data,options=nosuchopt'
	assert_output --partial 'option "nosuchopt" is not supported by this program'
	bad_config u7 '(.mounts[] | select(.destination == "/proc") | .options) += ["ro"]'
	assert_output --partial 'asks for ro on /proc, which this program does not apply'
	if has_cgroup_layer; then
		bad_config u9 '.linux.resources.memory.limit = 1024'
		assert_output --partial "linux.resources.memory.limit: refused as --memory 1024"
	else
		bad_config u9 '.linux.resources.memory.limit = 268435456'
		assert_output --partial "linux.resources.memory.limit: not supported by this program"
	fi
	# Empty lists ask for nothing; runc's standard mounts are the kit's own.
	edit_config "$BUNDLE" '.linux.maskedPaths = [] | .annotations = {"a": "b"}
		| .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup"}]'
	create fine
	run rt state fine
	assert_equal "$(echo "$output" | jq -c .annotations)" '{"a":"b"}'
}

@test "runtime: linux.resources become the cgroup layer's options" {
	has_cgroup_layer || skip "this program has no cgroup layer (step06)"
	edit_config "$BUNDLE" '.linux.resources = {"memory": {"limit": 268435456},
		"cpu": {"quota": 25000, "period": 100000}, "pids": {"limit": 32}}'
	create res1
	local pid
	pid=$(pid_of res1)
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		assert_equal "$(cat "/sys/fs/cgroup/container-kit/c$pid/memory.max")" 268435456
		assert_equal "$(cat "/sys/fs/cgroup/container-kit/c$pid/pids.max")" 32
		assert_equal "$(cat "/sys/fs/cgroup/container-kit/c$pid/cpu.max")" "25000 100000"
	else
		assert_equal "$(cat "/sys/fs/cgroup/memory/container-kit/c$pid/memory.limit_in_bytes")" 268435456
		assert_equal "$(cat "/sys/fs/cgroup/pids/container-kit/c$pid/pids.max")" 32
		assert_equal "$(cat "/sys/fs/cgroup/cpu/container-kit/c$pid/cpu.cfs_quota_us")" 25000
	fi
}

# --- wrong states, bad IDs -------------------------------------------------

@test "runtime: operations in the wrong state fail and change nothing" {
	create ws1
	run rt exec ws1 true
	assert_equal "$status" 125
	assert_output --partial 'container "ws1" is created: exec needs a running container'
	assert_state ws1 created
	try_create ws1
	assert_equal "$status" 125
	assert_output --partial 'container "ws1" exists already'
	assert_state ws1 created
	rt start ws1
	run rt start ws1
	assert_equal "$status" 125
	assert_output --partial 'container "ws1" is running: only a created container can be started'
	assert_state ws1 running
	rt kill ws1 KILL
	wait_status ws1 stopped
	run rt start ws1
	assert_equal "$status" 125
	assert_output --partial "is stopped"
	run rt exec ws1 true
	assert_equal "$status" 125
	local verb
	for verb in state start kill delete; do
		run rt "$verb" nosuch
		assert_equal "$status" 125
		assert_output --partial 'container "nosuch" does not exist'
	done
	run rt exec nosuch true
	assert_output --partial 'container "nosuch" does not exist'
}

@test "runtime: bad container IDs are refused before anything is made" {
	local id
	for id in "" "a/b" "." ".." "a b" "x\$y" "$(printf 'a%.0s' $(seq 65))" "é"; do
		try_create "$id"
		assert_equal "$status" 125
		assert_output --partial "container ID \"$id\""
		run rt state "$id"
		assert_equal "$status" 125
	done
	assert_equal "$(ls -A "$RT_ROOT" 2>/dev/null)" ""
	create "$(printf 'a%.0s' $(seq 64))"  # the longest allowed
	run rt list
	assert_line --index 1 --partial "$(printf 'a%.0s' $(seq 64))"
}

@test "runtime: the command-line forms are told apart: the flag form still runs COMMAND" {
	run "$CONTAINER" "${KIT_OPTS[@]}" --hostname flagform -- hostname
	assert_success
	assert_output flagform
	run "$CONTAINER" "${KIT_OPTS[@]}" -- echo run   # `run` after -- is COMMAND's word
	assert_output run
	run "$CONTAINER" --root "$RT_ROOT" nosuchcommand
	assert_equal "$status" 125
	assert_output --partial "nosuchcommand: unknown command"
}

# --- the IPC namespace -----------------------------------------------------

@test "ipc: the container's IPC namespace is its own; a host segment is not in it" {
	local shm
	shm=$(ipcmk -M 4096 | grep -o '[0-9]*$')
	run kit -- sh -c 'readlink /proc/self/ns/ipc; cat /proc/sysvipc/shm'
	ipcrm -m "$shm"
	assert_success
	refute_line "$(readlink /proc/self/ns/ipc)"
	refute_output --regexp "^ +[0-9]+ +$shm "
}

@test "ipc: /dev/mqueue is a fresh mqueue filesystem: nosuid, nodev, noexec" {
	run kit -- grep mqueue /proc/self/mounts
	assert_success
	assert_line --regexp '^mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec'
}

# --- runc, for reference ---------------------------------------------------

# A bundle both can run: a copy of the rootfs, readable by container root (host
# uid 1000000), in a directory it can reach (bats' own are 0700).
runc_bundle() {
	BUNDLE_COPY=$(mktemp -d /tmp/kit-runtime-bundle.XXXXXX)
	chmod 755 "$BUNDLE_COPY"
	cp "$BUNDLE/config.json" "$BUNDLE_COPY/"
	BUNDLE=$BUNDLE_COPY
	cp -a "$KIT_ROOTFS" "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE/rootfs"
	edit_config "$BUNDLE" '.root.path = "rootfs"'
}

@test "runc: the same bundle gives the same hostname, namespaces and exit code" {
	command -v runc >/dev/null || skip "runc is not installed"
	runc_bundle
	set_args "$BUNDLE" sh -c 'hostname; for t in cgroup ipc mnt net pid time user uts; do
		echo $t $(readlink /proc/self/ns/$t); done; exit 7'
	RUNC_IDS+=(ref1)
	run runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" ref1
	local runc_status=$status runc_output=$output
	IDS+=(ref1)
	run rt run --bundle "$BUNDLE" ref1
	assert_equal "$status" 7
	assert_equal "$runc_status" 7
	assert_line --index 0 container
	assert_equal "$(echo "$runc_output" | head -n1)" container
	# The namespace types that differ from the host's: the same set.
	local host t kit_set="" runc_set=""
	for t in cgroup ipc mnt net pid time user uts; do
		host=$(readlink "/proc/self/ns/$t")
		[ "$(echo "$output" | awk -v t="$t" '$1 == t { print $2 }')" != "$host" ] && kit_set+="$t "
		[ "$(echo "$runc_output" | awk -v t="$t" '$1 == t { print $2 }')" != "$host" ] && runc_set+="$t "
	done
	assert_equal "$kit_set" "$runc_set"
	note "both created: $kit_set"
}

@test "runc: kill of a created container ends it, stopped, as runc's (TERM, SIGINT, 1)" {
	command -v runc >/dev/null || skip "runc is not installed"
	runc_bundle
	local sig n=0 i
	# The init waits for start as PID 1 of its namespace, where a signal left
	# at its default is dropped: without a handler, TERM would do nothing.
	for sig in TERM SIGINT 1; do
		n=$((n + 1))
		RUNC_IDS+=("rk$n")
		runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" "rk$n" </dev/null >/dev/null 2>&1 3>&-
		create "rk$n"
		assert_state "rk$n" created
		runc --root "$RUNC_ROOT" kill "rk$n" "$sig"
		rt kill "rk$n" "$sig"
		wait_status "rk$n" stopped
		for i in $(seq 50); do
			[ "$(runc --root "$RUNC_ROOT" state "rk$n" | jq -r .status)" = stopped ] && break
			sleep 0.1
		done
		assert_equal "$(runc --root "$RUNC_ROOT" state "rk$n" | jq -r .status)" stopped
		# Stopped: both refuse a second signal.
		run runc --root "$RUNC_ROOT" kill "rk$n" KILL
		assert_failure
		run rt kill "rk$n" KILL
		assert_equal "$status" 125
	done
}

@test "runc: state has the same keys, status by status" {
	command -v runc >/dev/null || skip "runc is not installed"
	runc_bundle
	RUNC_IDS+=(ref2)
	runc --root "$RUNC_ROOT" create --bundle "$BUNDLE" ref2 </dev/null >/dev/null 2>&1 3>&-
	create ref2
	local status_name
	for status_name in created running stopped; do
		if [ "$status_name" = running ]; then
			runc --root "$RUNC_ROOT" start ref2
			rt start ref2
		elif [ "$status_name" = stopped ]; then
			runc --root "$RUNC_ROOT" kill ref2 KILL
			rt kill ref2 KILL
			wait_status ref2 stopped
			local i
			for i in $(seq 50); do
				[ "$(runc --root "$RUNC_ROOT" state ref2 | jq -r .status)" = stopped ] && break
				sleep 0.1
			done
		fi
		assert_equal "$(runc --root "$RUNC_ROOT" state ref2 | jq -r .status)" "$status_name"
		assert_state ref2 "$status_name"
		assert_equal "$(rt state ref2 | jq -c 'keys')" \
			"$(runc --root "$RUNC_ROOT" state ref2 | jq -c 'keys')"
	done
}
