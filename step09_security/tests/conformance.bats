#!/usr/bin/env bats
# step09_security against runtime-spec: one test per MUST of runtime.md and
# config.md that the kit claims (and the config-linux.md fields an engine's
# conformance run checks). Each runs the same bundle under runc, the
# reference, and under the kit, and compares what the spec says is
# observable: the state and its transitions, what the process sees, what
# the host sees. A test named "(runc too)" expects both to agree; where one
# differs, the name says which and the test says why. docs/oci.md lists
# each MUST with its test, and the ones the kit does not meet.
#
# The mount-order MUST is oci.bats' "config mounts: made in the listed
# order (runc too)".

load ../../tests/helpers  # in the kit: load ../../tests/helpers
load runc  # runc_setup, run_both, assert_same_as_runc, ...

# One copy of the image for the file, its "/" 0755 (the kit's is 0700) so a
# user may run in it; beside the kit's rootfs, where idmapped mounts work.
setup_file() {
	mkdir -p "$KIT_TOP/build"
	CONF_DIR=$(mktemp -d "$KIT_TOP/build/kit-conformance.XXXXXX")
	chmod 755 "$CONF_DIR"
	cp -a "$KIT_ROOTFS" "$CONF_DIR/rootfs"
	chmod 755 "$CONF_DIR/rootfs"
	export CONF_DIR
}

teardown_file() {
	rm -rf "$CONF_DIR"
}

setup() {
	kit_setup
	runc_setup
	edit_config --arg rootfs "$CONF_DIR/rootfs" '.root.path = $rootfs'
	HOST_OOM=$(cat /proc/self/oom_score_adj)
}

teardown() {
	delete_all
	# runc leaves the parents of a cgroupsPath it made; the kit removes its own.
	rmdir /sys/fs/cgroup/*/kit-conformance/* /sys/fs/cgroup/*/kit-conformance \
		/sys/fs/cgroup/kit-conformance/* /sys/fs/cgroup/kit-conformance 2>/dev/null || true
	kit_teardown
}

# in_both OPERATION ARG...: one operation under each. Sets the same four.
in_both() {
	run ref "$@"
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run rt "$@"
	KIT_STATUS=$status KIT_OUTPUT=$output
}

# Every container of the test deleted, then nothing of it is left on the host.
assert_all_gone() {
	delete_all
	assert_nothing_left
}

# Both failed (the kit with its exit 125).
assert_both_refuse() {
	[ "$RUNC_STATUS" -ne 0 ] || fail "runc accepted it: $RUNC_OUTPUT"
	[ "$KIT_STATUS" -eq 125 ] || fail "the kit exited $KIT_STATUS, not 125: $KIT_OUTPUT"
}

# create_in RUNTIME ID: `create`; the container keeps create's stdout and
# stderr for its life, so they go to $BATS_TEST_TMPDIR/RUNTIME-ID.out.
create_in() {
	IDS+=("$2")
	"$1" create --bundle "$BUNDLE" "$2" </dev/null >"$BATS_TEST_TMPDIR/$1-$2.out" 2>&1 3>&- ||
		fail "$1 create $2 failed: $(cat "$BATS_TEST_TMPDIR/$1-$2.out")"
}
create_both() { create_in ref "$1" && create_in rt "$1"; }
# out_of RUNTIME ID: what the container wrote. Under make check SANITIZE=1,
# ASan warns on stderr when the kit's init exits from a signal handler on
# clone's stack: the sanitizer's words, not the container's; left out.
out_of() {
	grep -v -e '^==[0-9]*==WARNING: ASan is ignoring requested __asan_handle_no_return' \
		-e '^False positive error reports may follow$' \
		-e '^For details see https://github.com/google/sanitizers/issues/189$' \
		"$BATS_TEST_TMPDIR/$1-$2.out" || true
}

status_in() { "$1" state "$2" 2>/dev/null | jq -r .status; }
pid_in() { "$1" state "$2" | jq -r .pid; }

# wait_status RUNTIME ID STATUS: a process ends asynchronously.
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(status_in "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	fail "$1: $2 is $(status_in "$1" "$2"), not $3, after 5 s"
}

# wait_output RUNTIME ID LINE: the container printed LINE.
wait_output() {
	local i
	for i in $(seq 50); do
		grep -qx -- "$3" "$BATS_TEST_TMPDIR/$1-$2.out" && return 0
		sleep 0.1
	done
	fail "$1: no line \"$3\" from $2 after 5 s: $(out_of "$1" "$2")"
}

# A file of a cgroup, as the host sees it: cgroup v1's CONTROLLER hierarchy or v2's one.
cgroup_file() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup$2/$3"; else echo "/sys/fs/cgroup/$1$2/$3"; fi
}

# $BATS_TEST_TMPDIR/hook.sh NAME LOG: appends "NAME STATUS" to LOG, the status from the state on its stdin.
make_hook() {
	printf '#!/bin/sh\necho "$1 $(jq -r .status)" >>"$2"\n' >"$BATS_TEST_TMPDIR/hook.sh"
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
}

# --- runtime.md: the operations ----------------------------------------------

@test "MUST: state, start, kill and delete without an ID are errors (runc too)" {
	local op
	for op in state start kill delete; do
		in_both "$op"
		assert_both_refuse
		[[ "$KIT_OUTPUT" == *"missing container ID"* ]] || fail "kit $op: $KIT_OUTPUT"
	done
	# create without an ID: the bundle alone.
	run ref create --bundle "$BUNDLE"
	[ "$status" -ne 0 ] || fail "runc created a container without an ID"
	run rt create --bundle "$BUNDLE"
	assert_equal "$status" 125
	assert_equal "$(ls -A "$RT_ROOT" 2>/dev/null)" ""
	assert_all_gone
}

@test "MUST: state, start, kill and delete of an unknown ID are errors (runc too)" {
	local op
	for op in state start kill delete; do
		in_both "$op" kc-nosuch
		assert_both_refuse
		[[ "$KIT_OUTPUT" == *'container "kc-nosuch" does not exist'* ]] || fail "kit $op: $KIT_OUTPUT"
	done
	assert_all_gone
}

@test "MUST: create with an ID in use is an error, and the container is unchanged (runc too)" {
	set_script 'echo first; sleep 100'
	create_both kc-dup
	local runc_pid kit_pid
	runc_pid=$(pid_in ref kc-dup) kit_pid=$(pid_in rt kc-dup)
	set_script 'echo second'
	run ref create --bundle "$BUNDLE" kc-dup </dev/null
	[ "$status" -ne 0 ] || fail "runc created a second kc-dup"
	run rt create --bundle "$BUNDLE" kc-dup </dev/null
	assert_equal "$status" 125
	assert_output --partial 'container "kc-dup" exists already'
	# Still the first one, still created.
	assert_equal "$(pid_in ref kc-dup) $(status_in ref kc-dup)" "$runc_pid created"
	assert_equal "$(pid_in rt kc-dup) $(status_in rt kc-dup)" "$kit_pid created"
	assert_all_gone
}

@test "MUST: create with an invalid ID is an error and makes nothing (runc too)" {
	local id
	for id in "a/b" ".."; do
		run ref create --bundle "$BUNDLE" "$id" </dev/null
		[ "$status" -ne 0 ] || fail "runc created \"$id\""
		run rt create --bundle "$BUNDLE" "$id" </dev/null
		assert_equal "$status" 125
		assert_output --partial "container ID \"$id\""
	done
	assert_equal "$(ls -A "$RT_ROOT" 2>/dev/null)" ""
	assert_all_gone
}

@test "MUST: create makes every resource config.json asks, before start: namespaces, hostname, cgroup (runc too)" {
	edit_config '.hostname = "kc-made" | .linux.resources.pids = {"limit": 77}'
	set_script 'sleep 100'
	create_both kc-made
	local r pid t
	for r in ref rt; do
		pid=$(pid_in "$r" kc-made)
		for t in ipc mnt net pid uts; do
			[ "$(readlink "/proc/$pid/ns/$t")" != "$(readlink /proc/self/ns/$t)" ] ||
				fail "$r: no new $t namespace at create"
		done
		assert_equal "$(nsenter --uts --target "$pid" hostname)" kc-made
		# The pids cgroup the process is in, read from the host.
		local path
		path=$(awk -F: '$2 == "pids" || $2 == "" { print $3; exit }' "/proc/$pid/cgroup")
		assert_equal "$(cat "$(cgroup_file pids "$path" pids.max)")" 77
	done
	assert_all_gone
}

@test "MUST: create does not run process.args, and status is created (runc too)" {
	set_script 'echo ran'
	create_both kc-created
	sleep 0.3
	assert_equal "$(status_in ref kc-created) $(status_in rt kc-created)" "created created"
	assert_equal "$(out_of ref kc-created)$(out_of rt kc-created)" ""
	assert_all_gone
}

@test "MUST: start runs process.args, and status is running (runc too)" {
	edit_config '.process.env += ["KC_VAR=kc-value"] | .process.cwd = "/etc"'
	set_script 'echo "ran in $(pwd) with $KC_VAR"; sleep 100'
	create_both kc-start
	ref start kc-start
	rt start kc-start
	assert_equal "$(status_in ref kc-start) $(status_in rt kc-start)" "running running"
	wait_output ref kc-start "ran in /etc with kc-value"
	wait_output rt kc-start "ran in /etc with kc-value"
	assert_all_gone
}

@test "MUST: status is stopped once the process exits, however it ends (runc too)" {
	set_script 'exit 3'
	create_both kc-exit
	ref start kc-exit
	rt start kc-exit
	wait_status ref kc-exit stopped
	wait_status rt kc-exit stopped
	assert_all_gone
}

@test "MUST: the state has ociVersion, id, status, pid and bundle, of the schema's types (runc too)" {
	edit_config '.annotations = {"org.example.kc": "yes"}'
	set_script 'sleep 100'
	create_both kc-state
	local phase r shape
	# The schema's required fields and types; pid > 0 while created or running.
	shape='{ociVersion: (.ociVersion | test("^[0-9]+\\.[0-9]+\\.[0-9]+")), id, status,
		pid: (if .status == "stopped" then (.pid | type) else .pid > 0 end),
		bundle, annotations}'
	for phase in created running stopped; do
		[ "$phase" = running ] && { ref start kc-state; rt start kc-state; }
		[ "$phase" = stopped ] && { ref kill kc-state KILL; rt kill kc-state KILL
			wait_status ref kc-state stopped; wait_status rt kc-state stopped; }
		assert_equal "$(rt state kc-state | jq -c "$shape")" "$(ref state kc-state | jq -c "$shape")"
		assert_equal "$(rt state kc-state | jq -r .status)" "$phase"
	done
	assert_equal "$(rt state kc-state | jq -r .bundle)" "$BUNDLE"
	assert_all_gone
}

@test "MUST: start of a container already started is an error and changes nothing (runc too)" {
	set_script 'echo started; sleep 100'
	create_both kc-twice
	ref start kc-twice
	rt start kc-twice
	in_both start kc-twice
	assert_both_refuse
	assert_equal "$(status_in ref kc-twice) $(status_in rt kc-twice)" "running running"
	wait_output rt kc-twice started
	assert_equal "$(grep -c started "$BATS_TEST_TMPDIR/rt-kc-twice.out")" 1
	assert_all_gone
}

@test "MUST: kill sends the signal given as USR1, 9, KILL or SIGKILL (runc too)" {
	set_script 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
	local r sig n=0
	for sig in 9 KILL SIGKILL; do
		n=$((n + 1))
		create_both "kc-sig$n"
		for r in ref rt; do
			"$r" start "kc-sig$n"
			wait_output "$r" "kc-sig$n" ready
			"$r" kill "kc-sig$n" USR1
			wait_output "$r" "kc-sig$n" got-usr1
			"$r" kill "kc-sig$n" "$sig"
			wait_status "$r" "kc-sig$n" stopped
		done
	done
	assert_all_gone
}

@test "MUST: kill of a created container ends it, stopped, by TERM or KILL (runc too)" {
	set_script 'echo ran'
	local r sig
	for sig in TERM KILL; do
		create_both "kc-ck-$sig"
		for r in ref rt; do
			"$r" kill "kc-ck-$sig" "$sig"
			wait_status "$r" "kc-ck-$sig" stopped
		done
		assert_equal "$(out_of ref "kc-ck-$sig")$(out_of rt "kc-ck-$sig")" ""
	done
	# runc's init (Go) ignores USR1 before start; the kit's ends on it, as on
	# every signal whose default ends a process (docs/oci.md).
	assert_all_gone
}

@test "MUST: kill --all signals every process of the container's cgroup (runc too)" {
	# The init ignores TERM; its child ends on it: only --all reaches the child.
	set_script 'sh -c "trap \"echo child-got-term; exit\" TERM; echo ready; while :; do sleep 0.1; done" &
		trap "" TERM; while :; do sleep 0.1; done'
	create_both kc-all
	local r
	for r in ref rt; do
		"$r" start kc-all
		wait_output "$r" kc-all ready
		"$r" kill --all kc-all TERM
		wait_output "$r" kc-all child-got-term
		assert_equal "$(status_in "$r" kc-all)" running
		"$r" kill --all kc-all KILL
		wait_status "$r" kc-all stopped
	done
	assert_all_gone
}

@test "MUST: kill of a stopped container is an error and changes nothing (runc too, but not runc's kill --all)" {
	set_script 'true'
	create_both kc-stopped
	ref start kc-stopped
	rt start kc-stopped
	wait_status ref kc-stopped stopped
	wait_status rt kc-stopped stopped
	in_both kill kc-stopped KILL
	assert_both_refuse
	# runc's words, which engines (containerd) look for; the kit's exit is its one, 125.
	[[ "$RUNC_OUTPUT" == *"container not running"* ]] || fail "runc: $RUNC_OUTPUT"
	[[ "$KIT_OUTPUT" == *"container not running"* ]] || fail "kit: $KIT_OUTPUT"
	# runc 1.1 accepts kill --all of a stopped container (exit 0); the kit refuses it too.
	run rt kill --all kc-stopped KILL
	assert_equal "$status" 125
	assert_equal "$(status_in ref kc-stopped) $(status_in rt kc-stopped)" "stopped stopped"
	assert_all_gone
}

@test "MUST: delete of a running container is an error and changes nothing (runc too; a created one is deleted, as runc does)" {
	set_script 'sleep 100'
	create_both kc-delrun
	ref start kc-delrun
	rt start kc-delrun
	in_both delete kc-delrun
	assert_both_refuse
	assert_equal "$(status_in ref kc-delrun) $(status_in rt kc-delrun)" "running running"
	# Not met, as runc does not meet it: a created container (nothing of
	# process.args has run) is killed and deleted without --force. Engines
	# (podman rm of a created container) rely on it.
	create_both kc-delcreated
	in_both delete kc-delcreated
	assert_equal "$RUNC_STATUS $KIT_STATUS" "0 0"
	assert_dir_not_exist "$RT_ROOT/kc-delcreated"
	assert_all_gone
}

@test "MUST: delete undoes create: no state, cgroup or process is left (runc too)" {
	edit_config '.linux.cgroupsPath = "/kit-conformance/undo"'
	set_script 'sleep 100'
	local r pid
	for r in ref rt; do
		create_in "$r" kc-undo
		pid=$(pid_in "$r" kc-undo)
		"$r" start kc-undo
		[ -d "$(cgroup_file memory /kit-conformance/undo "")" ] || fail "$r: no cgroup"
		"$r" kill kc-undo KILL
		wait_status "$r" kc-undo stopped
		"$r" delete kc-undo
		run "$r" state kc-undo
		[ "$status" -ne 0 ] || fail "$r: state of a deleted container: $output"
		[ ! -d "$(cgroup_file memory /kit-conformance/undo "")" ] || fail "$r left its cgroup"
		[ ! -e "/proc/$pid" ] || [ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status")" = Z ] ||
			fail "$r left the process $pid"
	done
	assert_dir_not_exist "$RT_ROOT/kc-undo"
	assert_all_gone
}

@test "MUST: delete leaves what the container did not create: a cgroupsPath parent made before (runc too)" {
	local parent
	parent=$(cgroup_file pids /kit-conformance "")
	mkdir -p "$parent"
	edit_config '.linux.cgroupsPath = "/kit-conformance/leaf"'
	set_script 'true'
	run_both kc-parent
	assert_same_as_runc
	[ -d "$parent" ] || fail "the parent cgroup made before was removed"
	[ ! -d "$parent/leaf" ] || fail "the container's own cgroup is left"
	rmdir "$parent"
	assert_all_gone
}

@test "MUST: config.json edited after create changes nothing: args, hostname, hooks (runc too)" {
	make_hook
	edit_config --arg hook "$BATS_TEST_TMPDIR/hook.sh" --arg log "$BATS_TEST_TMPDIR/hooks.log" '
		.hostname = "kc-before" | .hooks = {poststart: [{path: $hook, args: ["hook", "poststart-before", $log]}],
			poststop: [{path: $hook, args: ["hook", "poststop-before", $log]}]}'
	set_script 'echo "args-before $(hostname)"'
	local r
	for r in ref rt; do
		cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.before"
		create_in "$r" kc-edit
		edit_config '.hostname = "kc-after" | .process.args = ["echo", "args-after"]
			| .hooks |= map_values(map(.args[1] |= sub("before"; "after")))'
		"$r" start kc-edit
		wait_status "$r" kc-edit stopped
		"$r" delete kc-edit
		mv "$BATS_TEST_TMPDIR/config.before" "$BUNDLE/config.json"
		assert_equal "$(out_of "$r" kc-edit)" "args-before kc-before"
		assert_equal "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/hooks.log")" $'poststart-before\npoststop-before'
		rm "$BATS_TEST_TMPDIR/hooks.log"
	done
	assert_all_gone
}

@test "MUST: a config.json the runtime cannot honour is an error, and nothing is left (runc too)" {
	edit_config '.root.path = "/nonexistent-kc-root"'
	run_both kc-bad
	assert_both_refuse
	assert_dir_not_exist "$RT_ROOT/kc-bad"
	# What only the kit refuses (a field it does not honour): refused, and also nothing made.
	edit_config --arg rootfs "$CONF_DIR/rootfs" '.root.path = $rootfs | .linux.intelRdt = {"closID": "kc"}'
	run rt create --bundle "$BUNDLE" kc-bad2 </dev/null
	assert_equal "$status" 125
	assert_output --partial "linux.intelRdt"
	assert_dir_not_exist "$RT_ROOT/kc-bad2"
	assert_equal "$(find /sys/fs/cgroup -maxdepth 3 -name 'kc-bad*')" ""
	assert_all_gone
}

# --- runtime.md and config.md: hooks ---------------------------------------

@test "MUST: prestart and createRuntime hooks run at create; a failing one fails create, and nothing is left (runc too)" {
	make_hook
	edit_config --arg hook "$BATS_TEST_TMPDIR/hook.sh" --arg log "$BATS_TEST_TMPDIR/hooks.log" '
		.hooks = {prestart: [{path: $hook, args: ["hook", "prestart", $log]}],
			createRuntime: [{path: $hook, args: ["hook", "createRuntime", $log]}]}'
	set_script 'true'
	local r
	for r in ref rt; do
		create_in "$r" kc-pre
		assert_equal "$(cat "$BATS_TEST_TMPDIR/hooks.log")" $'prestart creating\ncreateRuntime creating'
		rm "$BATS_TEST_TMPDIR/hooks.log"
	done
	edit_config '.hooks.createRuntime = [{path: "/bin/false"}]'
	for r in ref rt; do
		IDS+=(kc-prefail)
		run "$r" create --bundle "$BUNDLE" kc-prefail </dev/null 3>&-
		[ "$status" -ne 0 ] || fail "$r: create with a failing hook succeeded"
		run "$r" state kc-prefail
		[ "$status" -ne 0 ] || fail "$r: the container is left: $output"
	done
	assert_all_gone
}

@test "MUST: poststart hooks run before start returns; a failing one is a warning (runc: an error)" {
	make_hook
	edit_config --arg hook "$BATS_TEST_TMPDIR/hook.sh" --arg log "$BATS_TEST_TMPDIR/hooks.log" '
		.hooks.poststart = [{path: $hook, args: ["hook", "poststart", $log]}]'
	set_script 'sleep 100'
	create_both kc-post
	ref start kc-post
	assert_equal "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/hooks.log")" poststart
	rm "$BATS_TEST_TMPDIR/hooks.log"
	rt start kc-post
	assert_equal "$(cat "$BATS_TEST_TMPDIR/hooks.log")" "poststart running"  # runc 1.1 says created
	# A failing poststart hook: the spec asks for a warning and the lifecycle
	# going on. runc 1.1 runs poststart at create, and fails create.
	edit_config '.hooks.poststart = [{path: "/bin/false"}]'
	IDS+=(kc-postfail)
	run ref create --bundle "$BUNDLE" kc-postfail </dev/null 3>&-
	note "runc: create with a failing poststart hook exits $status"
	create_in rt kc-postfail
	run rt start kc-postfail
	assert_success
	assert_output --partial "warning: hooks.poststart[0] /bin/false failed"
	assert_equal "$(status_in rt kc-postfail)" running
	assert_all_gone
}

@test "MUST: poststop hooks run at delete, after the container is gone, in the listed order; a failing one is a warning (runc: stops there)" {
	make_hook
	edit_config --arg hook "$BATS_TEST_TMPDIR/hook.sh" --arg log "$BATS_TEST_TMPDIR/hooks.log" '
		.hooks.poststop = [{path: $hook, args: ["hook", "first", $log]}, {path: "/bin/false"},
			{path: $hook, args: ["hook", "third", $log]}]'
	set_script 'echo process-ran'
	local r
	for r in ref rt; do
		create_in "$r" kc-stop
		"$r" start kc-stop
		wait_status "$r" kc-stop stopped
		[ ! -e "$BATS_TEST_TMPDIR/hooks.log" ] || fail "$r: poststop ran before delete"
		run "$r" delete kc-stop
		assert_success
		assert_equal "$(out_of "$r" kc-stop)" process-ran
		run "$r" state kc-stop
		[ "$status" -ne 0 ] || fail "$r: the container is left after delete"
		mv "$BATS_TEST_TMPDIR/hooks.log" "$BATS_TEST_TMPDIR/hooks-$r.log"
	done
	# The spec: a failing poststop hook is a warning, and the next ones run.
	# runc 1.1 stops at the failing one (and still exits 0).
	assert_equal "$(cat "$BATS_TEST_TMPDIR/hooks-rt.log")" $'first stopped\nthird stopped'
	assert_equal "$(head -n1 "$BATS_TEST_TMPDIR/hooks-ref.log")" "first stopped"
	note "runc's poststop hooks run: $(cut -d' ' -f1 "$BATS_TEST_TMPDIR/hooks-ref.log" | tr '\n' ' ')"
	assert_all_gone
}

@test "MUST: hooks run in the runtime's namespaces, with the state on stdin (runc too)" {
	printf '#!/bin/sh\nfor t in mnt net pid uts; do readlink /proc/self/ns/$t; done >"$1"; jq -r .id >>"$1"\n' \
		>"$BATS_TEST_TMPDIR/ns-hook.sh"
	chmod +x "$BATS_TEST_TMPDIR/ns-hook.sh"
	edit_config --arg hook "$BATS_TEST_TMPDIR/ns-hook.sh" --arg log "$BATS_TEST_TMPDIR/ns.log" '
		.hooks.createRuntime = [{path: $hook, args: ["hook", $log]}]'
	set_script 'true'
	local r t expected=""
	for t in mnt net pid uts; do expected+="$(readlink /proc/self/ns/$t)"$'\n'; done
	expected+=kc-hookns
	for r in ref rt; do
		create_in "$r" kc-hookns
		assert_equal "$(cat "$BATS_TEST_TMPDIR/ns.log")" "$expected"
	done
	assert_all_gone
}

@test "MUST: a hook's path is absolute and its timeout above 0, else an error (runc too)" {
	edit_config '.hooks.prestart = [{path: "bin/true"}]'
	run_both kc-hookpath
	assert_both_refuse
	assert_output --partial "hooks.prestart[0].path: must be an absolute path"
	edit_config '.hooks.prestart = [{path: "/bin/true", timeout: 0}]'
	run_both kc-hooktime
	assert_both_refuse
	assert_output --partial "hooks.prestart[0].timeout: must be a number of seconds above 0"
	assert_all_gone
}

# --- config.md: the fields ---------------------------------------------------

@test "MUST: an ociVersion that is not SemVer is an error (runc: runs it)" {
	edit_config '.ociVersion = "one"'
	set_script 'true'
	run_both kc-version
	note "runc exits $RUNC_STATUS: it does not read ociVersion"
	assert_equal "$KIT_STATUS" 125
	assert_output --partial 'ociVersion: "one"'
	assert_all_gone
}

@test "MUST: root.path must exist, else an error (runc too)" {
	edit_config '.root.path = "no-such-rootfs"'
	run_both kc-noroot
	assert_both_refuse
	assert_output --partial "root.path"
	assert_all_gone
}

@test "MUST: root.readonly makes the root read-only inside (runc too)" {
	edit_config '.root.readonly = true'
	set_script 'touch /kc-file 2>/dev/null && echo wrote || echo read-only
		awk '"'"'$5 == "/" { print substr($6, 1, 2) }'"'"' /proc/self/mountinfo'
	run_both kc-ro
	assert_same_as_runc
	assert_output $'read-only\nro'
	assert_all_gone
}

@test "differs by design: root.path is the lower layer of the kit's overlay; runc writes into it" {
	# The kit's root is always an overlay of root.path (step07): a write goes
	# to the container's own upper layer, removed at delete; the image is
	# never changed, so any number of containers share it.
	edit_config '.root.readonly = false'
	set_script 'echo written >/kc-write; cat /kc-write'
	run_both kc-write
	assert_same_as_runc
	assert_file_exist "$CONF_DIR/rootfs/kc-write"  # runc's
	rm "$CONF_DIR/rootfs/kc-write"
	run rt run --bundle "$BUNDLE" kc-write2 </dev/null
	assert_success
	assert_file_not_exist "$CONF_DIR/rootfs/kc-write"
	assert_all_gone
}

@test "MUST: process is required: a bundle without one is an error (runc too)" {
	edit_config 'del(.process)'
	run_both kc-noproc
	assert_both_refuse
	assert_output --partial "process: missing"
	assert_all_gone
}

@test "MUST: process.consoleSize is ignored without a terminal (runc too)" {
	edit_config '.process.consoleSize = {"height": 10, "width": 20}'
	set_script '[ -t 0 ] || [ -t 1 ] && echo tty || echo no-tty'
	run_both kc-console
	assert_same_as_runc
	assert_output no-tty
	assert_all_gone
}

@test "MUST: process.cwd is absolute, else an error (runc too)" {
	edit_config '.process.cwd = "tmp"'
	run_both kc-cwd
	assert_both_refuse
	assert_output --partial 'process.cwd: "tmp" must be an absolute path'
	assert_all_gone
}

@test "MUST: process.args has at least one entry, else an error (runc too)" {
	edit_config '.process.args = []'
	run_both kc-args
	assert_both_refuse
	assert_output --partial "process.args"
	assert_all_gone
}

@test "MUST: each process.rlimits entry reads back with getrlimit, soft and hard (runc too)" {
	edit_config '.process.rlimits = [{"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192},
		{"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}, {"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128}]'
	set_script 'grep -E "^Max (msgqueue size|processes|open files)" /proc/self/limits'
	run_both kc-rlim
	assert_same_as_runc
	assert_line --regexp '^Max msgqueue size +4096 +8192 +bytes'
	assert_line --regexp '^Max processes +300 +400 '
	assert_all_gone
}

@test "MUST: an rlimits type that maps to nothing is an error (runc too)" {
	edit_config '.process.rlimits = [{"type": "RLIMIT_KC", "soft": 1, "hard": 1}]'
	run_both kc-rlimbad
	assert_both_refuse
	assert_output --partial "process.rlimits[0]"
	assert_all_gone
}

@test "MUST: an rlimits type listed twice is an error (runc: runs it)" {
	edit_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64},
		{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64}]'
	set_script 'ulimit -n'
	run_both kc-rlimtwice
	note "runc exits $RUNC_STATUS on a type listed twice"
	assert_equal "$KIT_STATUS" 125
	assert_output --partial 'process.rlimits[1]: type "RLIMIT_NOFILE": listed twice'
	assert_all_gone
}

@test "MUST: a capability that maps to nothing is reported (runc: a warning, and runs; the kit: an error, by design)" {
	# The kit honours a field or refuses it, never drops part of one; config.md
	# 1.0 asks for an error, later texts for a warning.
	edit_config '.process.capabilities.bounding += ["CAP_KC"]'
	set_script 'true'
	run_both kc-cap
	[ "$RUNC_STATUS" -eq 0 ] && [[ "$RUNC_OUTPUT" == *CAP_KC* ]] || fail "runc: $RUNC_OUTPUT"
	assert_equal "$KIT_STATUS" 125
	assert_output --partial "CAP_KC: unknown capability"
	assert_all_gone
}

@test "MUST: process.oomScoreAdj set is what the process reads (runc too)" {
	edit_config '.process.oomScoreAdj = 321'
	set_script 'cat /proc/self/oom_score_adj'
	run_both kc-oom
	assert_same_as_runc
	assert_output 321
	assert_equal "$(cat /proc/self/oom_score_adj)" "$HOST_OOM"
	assert_all_gone
}

@test "MUST: process.oomScoreAdj unset leaves the runtime's own value (runc too)" {
	set_script 'cat /proc/self/oom_score_adj'
	IDS+=(kc-oomunset)
	run sh -c 'echo 123 >/proc/self/oom_score_adj && exec "$@"' sh \
		runc --root "$RUNC_ROOT" run --bundle "$BUNDLE" kc-oomunset </dev/null
	RUNC_STATUS=$status RUNC_OUTPUT=$output
	run sh -c 'echo 123 >/proc/self/oom_score_adj && exec "$@"' sh \
		"$CONTAINER" --root "$RT_ROOT" run --bundle "$BUNDLE" kc-oomunset </dev/null
	KIT_STATUS=$status KIT_OUTPUT=$output
	assert_same_as_runc
	assert_output 123
	assert_all_gone
}

@test "MUST (config.json honoured): process.user's uid, gid, additionalGids and umask; caps and NoNewPrivs (runc too)" {
	edit_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 6], "umask": 63}
		| .process.noNewPrivileges = true'
	set_script 'grep -E "^(Uid|Gid|Groups|Umask|Cap[A-Za-z]+|NoNewPrivs):" /proc/self/status'
	run_both kc-user
	assert_same_as_runc
	assert_line --regexp '^Uid:	1000	1000	1000	1000$'
	assert_line --regexp '^Groups:	5 6 ?$'
	assert_line --regexp '^Umask:	0077$'
	assert_line --regexp '^NoNewPrivs:	1$'
	assert_all_gone
}

@test "MUST (config.json honoured): hostname, in the container's own UTS namespace (runc too)" {
	edit_config '.hostname = "kc-host"'
	set_script 'hostname; [ "$(readlink /proc/self/ns/uts)" = "$1" ] && echo host-uts || echo own-uts'
	edit_config --arg uts "$(readlink /proc/self/ns/uts)" '.process.args += ["sh", $uts]'
	run_both kc-hostname
	assert_same_as_runc
	assert_output $'kc-host\nown-uts'
	assert_all_gone
}

@test "MUST: unknown annotation keys are no error, and state shows them (runc too)" {
	edit_config '.annotations = {"org.example.kc-unknown": "v", "kc": ""}'
	set_script 'sleep 100'
	create_both kc-annot
	assert_equal "$(rt state kc-annot | jq -cS .annotations)" "$(ref state kc-annot | jq -cS .annotations)"
	assert_equal "$(rt state kc-annot | jq -r '.annotations["org.example.kc-unknown"]')" v
	assert_all_gone
}

@test "MUST: unknown properties are ignored (runc too)" {
	edit_config '.kcUnknown = {"a": 1} | .process.kcUnknown = true | .linux.kcUnknown = [1]'
	set_script 'echo ran'
	run_both kc-unknown
	assert_same_as_runc
	assert_output ran
	assert_all_gone
}

@test "MUST: an invalid value is an error: an unknown namespace type, a type listed twice (runc too)" {
	edit_config '.linux.namespaces += [{"type": "kc"}]'
	run_both kc-nsbad
	assert_both_refuse
	assert_output --partial 'type "kc": unknown'
	edit_config '.linux.namespaces |= (map(select(.type != "kc")) + [{"type": "pid"}])'
	run_both kc-nstwice
	assert_both_refuse
	assert_output --partial 'type "pid": listed twice'
	assert_all_gone
}

# --- config-linux.md fields an engine's conformance run checks ---------------

@test "MUST (config.json honoured): namespaces listed are new, unlisted ones the runtime's (runc too; not the kit's ipc, uts, ...)" {
	set_script 'for t in cgroup ipc mnt net pid user uts; do
		[ "$(readlink /proc/self/ns/$t)" = "$(eval echo \$HOST_$t)" ] && echo "$t host" || echo "$t new"
	done'
	local t script
	for t in cgroup ipc mnt net pid user uts; do script+="HOST_$t='$(readlink "/proc/self/ns/$t")'; "; done
	edit_config --arg pre "$script" '.process.args[2] = $pre + .process.args[2]'
	# runc spec lists no user or cgroup namespace: both run in the host's.
	run_both kc-ns
	assert_same_as_runc
	assert_output $'cgroup host\nipc new\nmnt new\nnet new\npid new\nuser host\nuts new'
	# Without ipc (and no hostname, which needs uts): runc shares the host's
	# IPC namespace. The kit always makes its own IPC, UTS, mount, PID and
	# network namespaces, its layers: it refuses the bundle, naming why.
	edit_config 'del(.hostname) | .linux.namespaces |= map(select(.type != "ipc"))'
	run_both kc-ns2
	[ "$RUNC_STATUS" -eq 0 ] && [[ "$RUNC_OUTPUT" == *"ipc host"* ]] || fail "runc: $RUNC_OUTPUT"
	if [ "$KIT_STATUS" -eq 0 ]; then
		assert_same_as_runc
	else
		assert_equal "$KIT_STATUS" 125
		assert_output --partial 'linux.namespaces: no "ipc" entry'
		note "not met: the kit refuses an unlisted ipc namespace (runc shares the host's)"
	fi
	assert_all_gone
}

@test "MUST (config.json honoured): linux.sysctl, read inside; the host's unchanged (runc too)" {
	edit_config '.linux.sysctl = {"net.ipv4.ip_default_ttl": "33", "kernel.msgmax": "4321"}'
	set_script 'cat /proc/sys/net/ipv4/ip_default_ttl /proc/sys/kernel/msgmax'
	local host_ttl host_msgmax
	host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl) host_msgmax=$(cat /proc/sys/kernel/msgmax)
	run_both kc-sysctl
	assert_same_as_runc
	assert_output $'33\n4321'
	assert_equal "$(cat /proc/sys/net/ipv4/ip_default_ttl) $(cat /proc/sys/kernel/msgmax)" "$host_ttl $host_msgmax"
	assert_all_gone
}

@test "MUST (config.json honoured): linux.uidMappings and gidMappings, in a new user namespace (runc too)" {
	edit_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	set_script 'cat /proc/self/uid_map /proc/self/gid_map; id -u; sleep 1'
	local r pid
	for r in ref rt; do
		create_in "$r" kc-userns
		pid=$(pid_in "$r" kc-userns)
		"$r" start kc-userns
		# From the host: the process runs as host uid 200000.
		assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 200000
		wait_status "$r" kc-userns stopped
	done
	assert_equal "$(out_of rt kc-userns)" "$(out_of ref kc-userns)"
	run out_of rt kc-userns
	assert_line --regexp '^ +0 +200000 +65536$'
	assert_line --index 2 0
	# The kit shows the image's files as container root's (an idmapped mount);
	# runc leaves them the host's, nobody's inside: no MUST either way.
	assert_all_gone
}

@test "MUST (config.json honoured): linux.maskedPaths and readonlyPaths, absolute paths only (runc: takes a relative one)" {
	edit_config '.linux.maskedPaths = ["/proc/timer_list", "/proc/acpi"] | .linux.readonlyPaths = ["/proc/sys"]'
	set_script 'echo "timer_list $(wc -c </proc/timer_list) acpi $(ls /proc/acpi | wc -l)"
		awk '"'"'$5 == "/proc/sys" { print $5, substr($6, 1, 2) }'"'"' /proc/self/mountinfo'
	run_both kc-masked
	assert_same_as_runc
	assert_output $'timer_list 0 acpi 0\n/proc/sys ro'
	# A relative path is not a path in the container: refused, named.
	edit_config '.linux.maskedPaths = ["proc/kcore"]'
	run_both kc-maskrel
	note "runc exits $RUNC_STATUS on a relative masked path"
	assert_equal "$KIT_STATUS" 125
	assert_output --partial "linux.maskedPaths"
	assert_all_gone
}

@test "MUST (config.json honoured): cgroup cpus at an absolute cgroupsPath, seen from the host (runc too)" {
	edit_config '.linux.cgroupsPath = "/kit-conformance/cpus" | .linux.resources.cpu = {"cpus": "0"}'
	set_script 'grep Cpus_allowed_list /proc/self/status; echo ready; sleep 100'
	local r
	for r in ref rt; do
		create_in "$r" kc-cpus
		"$r" start kc-cpus
		wait_output "$r" kc-cpus ready
		assert_equal "$(cat "$(cgroup_file cpuset /kit-conformance/cpus cpuset.cpus)")" 0
		assert_equal "$(awk -F: '$2 == "cpuset" || $2 == "" { print $3; exit }' "/proc/$(pid_in "$r" kc-cpus)/cgroup")" \
			/kit-conformance/cpus
		"$r" kill kc-cpus KILL
		wait_status "$r" kc-cpus stopped
		"$r" delete kc-cpus
	done
	assert_equal "$(head -n1 "$BATS_TEST_TMPDIR/rt-kc-cpus.out")" "$(head -n1 "$BATS_TEST_TMPDIR/ref-kc-cpus.out")"
	assert_equal "$(head -n1 "$BATS_TEST_TMPDIR/rt-kc-cpus.out")" $'Cpus_allowed_list:\t0'
	assert_all_gone
}

@test "MUST (config.json honoured): a relative cgroupsPath is below the runtime's own cgroup (runc too)" {
	edit_config '.linux.cgroupsPath = "kit-conformance/rel" | .linux.resources.cpu = {"cpus": "0"}'
	set_script 'echo ready; sleep 100'
	local r own
	own=$(awk -F: '$2 == "cpuset" || $2 == "" { print $3; exit }' /proc/self/cgroup)
	own=${own%/}
	for r in ref rt; do
		create_in "$r" kc-rel
		"$r" start kc-rel
		wait_output "$r" kc-rel ready
		assert_equal "$(awk -F: '$2 == "cpuset" || $2 == "" { print $3; exit }' "/proc/$(pid_in "$r" kc-rel)/cgroup")" \
			"$own/kit-conformance/rel"
		assert_equal "$(cat "$(cgroup_file cpuset "$own/kit-conformance/rel" cpuset.cpus)")" 0
		"$r" kill kc-rel KILL
		wait_status "$r" kc-rel stopped
		"$r" delete kc-rel
	done
	assert_all_gone
}
