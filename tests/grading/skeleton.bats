#!/usr/bin/env bats
# skeleton.bats - a skeleton (make exercise STEP=NN DEST=DIR) works where it
# is written: its README lists every TODO whole, numbered; it holds no path of
# the kit that wrote it; it reaches the kit through one variable, KIT (make
# rootfs links the kit's image as DEST/rootfs, where ./container looks); and
# every "Try it" command of its README runs from there.
#
# The commands run against the skeleton with the solution's lesson files put
# back (what a learner has when done: the commands' paths are under test, not
# the learner's code), as root, each block as one shell script in the
# skeleton's directory, in a mount and IPC namespace of the test's own with a
# /tmp and /var/tmp of its own (the blocks write /tmp/box, /tmp/up,
# /var/tmp/open-rootfs, a SysV segment; a kit that lives under one of them,
# as a CI clone may, is bound back at its path), HOME a directory of the
# test's. Lines that cannot run unattended are listed, not run
# (TRY_IT_SKIP); what a block starts in the background is ended after it.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load skeletons

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)


# Lines of a "Try it" block not run here, each with its reason.
TRY_IT_SKIP='runc run|DIR/'
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || TRY_IT_SKIP+='|/sys/fs/cgroup/container-kit/'
try_it_skip_reason() {
	case "$1" in
	*"runc run"*) echo "runc runs the bundle's sleep 1000 in the foreground" ;;
	*DIR/*) echo "names the learner's own directory (DIR)" ;;
	*/sys/fs/cgroup/container-kit/*) echo "cgroup v2's paths; this host is v1 or hybrid, the README's note gives those" ;;
	esac
}
# A line whose comment announces a failure or no output (grep's 1) may
# fail; so may one that waits for Enter (stdin is empty here).
TRY_IT_MAY_FAIL='# .*(125|137|No such file|EPERM|not permitted|refuse|nothing|contained)|read x'

setup_file() {
	local nn
	[ -x "$KIT_TOP/rootfs/bin/sh" ] || { echo "no rootfs: run make rootfs test-tools" >&2; return 1; }
	write_skeletons
}

skeleton() {
	[ ! -f "$BATS_FILE_TMPDIR/skeleton-failed" ] || fail "skeletons not written: $(cat "$BATS_FILE_TMPDIR/skeleton-failed")"
	ls -d "$BATS_FILE_TMPDIR/skeleton/step$1_"*
}

# As a learner runs make: not the functions and variables bats exports.
learner() { env -i PATH="${PATH//$BATS_LIBEXEC:/}" HOME="$HOME" "$@"; }

@test "skeleton: no path of the kit that wrote it, and no .. path to the kit in its README" {
	local dir real
	real=$(realpath "$KIT_TOP")
	for dir in "$BATS_FILE_TMPDIR"/skeleton/step*; do
		run grep -rlF -e "$KIT_TOP" -e "$real" "$dir"
		assert_output ''
		# The kit's README reaches the kit as ..: the skeleton's copy of it as "$KIT".
		run sh -c 'awk "s; /^---\$/ { s = 1 }" "$1" | grep -nE -- "-C \.\.([ \`]|\$)|(^|[ \`(=])\.\./"' sh "$dir/README.md"
		assert_output ''
	done
}

@test "skeleton: the README's TODO list is numbered 1..n and holds every TODO of the code, whole" {
	local nn dir f n items line
	for nn in 01 02 03 04 05 06 07 08 09; do
		dir=$(skeleton "$nn")
		# The parts of one TODO share its number, and one item of the list.
		n=$(for f in ${NEW_FILES[$nn]}; do grep -ohE "/\* TODO\(step$nn\): ([0-9]+\. )?" "$dir/$f"; done |
			awk 'match($0, /[0-9]+\. $/) { seen[substr($0, RSTART)] = 1; next } { alone++ } END { print length(seen) + alone }')
		items=$(grep -oE '^[0-9]+\. `[a-z_]+\.c:[0-9]+`' "$dir/README.md" | cut -d. -f1 | tr '\n' ' ')
		assert_equal "$items" "$(seq -s ' ' 1 "$n") "
		# Every line of every hint is in the README (not its check: and stub: lines,
		# the check has a line of its own).
		for f in ${NEW_FILES[$nn]}; do
			while IFS= read -r line; do
				grep -qF -- "$line" "$dir/README.md" || fail "step$nn: $f: not in the README's TODO list: $line"
			done < <(awk -v tag="TODO(step$nn): " '
				index($0, "/* " tag) { on = 1; $0 = substr($0, index($0, tag) + length(tag)); sub(/^[0-9]+\. /, "") }
				on { end = sub(/ *\*\/$/, ""); sub(/^[ \t]*\*?[ \t]*/, "")
				     if ($0 != "" && $0 !~ /^(check|stub): /) print; if (end) on = 0 }' "$dir/$f")
		done
	done
}

@test "skeleton: make rootfs and make test name KIT when it is missing; make rootfs links the kit's image, relative; ./container finds it; moved, KIT is asked again" {
	local dir own link
	dir=$(skeleton 04)  # the first whose own lesson is not the mount's
	mkdir -p "$BATS_TEST_TMPDIR/a"
	own=$BATS_TEST_TMPDIR/a/$(basename "$dir")
	cp -r "$dir" "$own"
	run -2 learner make -s -C "$own" test
	assert_output --partial "KIT is not set"
	run -2 learner make -s -C "$own" rootfs KIT="$BATS_TEST_TMPDIR"
	assert_output --partial "KIT=$BATS_TEST_TMPDIR is not the container kit"
	run learner make -s -C "$own" rootfs KIT="$KIT_TOP"
	assert_success
	link=$(readlink "$BATS_TEST_TMPDIR/a/rootfs")
	[[ "$link" != /* ]] || fail "../rootfs links to an absolute path: $link"
	assert_equal "$(stat -L -c %d:%i "$BATS_TEST_TMPDIR/a/rootfs")" "$(stat -L -c %d:%i "$KIT_TOP/rootfs")"
	# From then on make finds the kit through the link, without KIT.
	run learner make -s -n -C "$own" test
	assert_output --partial "KIT_TOP=\"$KIT_TOP\""
	# ./container, built there, finds the kit's image: its probes are in it.
	learner make -s -C "$own" >/dev/null
	run "$own/container" -- ls /usr/local/bin
	assert_success
	assert_line syscall_probe
	# Moved elsewhere, the link no longer leads to the kit: KIT is asked for.
	mkdir -p "$BATS_TEST_TMPDIR/b/c"
	mv "$BATS_TEST_TMPDIR/a/rootfs" "$own" "$BATS_TEST_TMPDIR/b/c/"
	run -2 learner make -s -C "$BATS_TEST_TMPDIR/b/c/$(basename "$dir")" test
	assert_output --partial "KIT is not set"
}

# try_it NN: the skeleton of step NN with the solution put back, KIT set, its
# README's "Try it" blocks run from its directory; every line that ran
# succeeded, or its comment announced the failure.
try_it() {
	local nn=$1 dir own f script log pid
	dir=$(skeleton "$nn")
	# Not below /tmp, which the blocks get a private one of.
	mkdir -p "$KIT_TOP/build"
	TRY_IT_DIR=$(mktemp -d "$KIT_TOP/build/try-it.XXXXXX")
	own=$TRY_IT_DIR/$(basename "$dir")
	mkdir -p "$TRY_IT_DIR/tmp" "$TRY_IT_DIR/var-tmp" "$TRY_IT_DIR/home"
	# Searchable, as a home is: a user namespace's root maps to another uid.
	chmod 755 "$TRY_IT_DIR" "$TRY_IT_DIR/home"
	cp -r "$dir" "$own"
	for f in ${NEW_FILES[$nn]}; do cp "$KIT_TOP/$(basename "$dir")/$f" "$own/$f"; done
	learner make -s -C "$own" rootfs KIT="$KIT_TOP"
	script=$BATS_TEST_TMPDIR/try-it.sh log=$BATS_TEST_TMPDIR/try-it.log
	{
		echo 'command -v sudo >/dev/null || sudo() { "$@"; }'
		# A command continued over lines (\ at the end) is one line here.
		awk '/^## Try it/ { on = 1; next } /^## / { on = 0 } on && /^```sh/ { code = 1; next } on && /^```/ { code = 0; next }
			on && code { if (sub(/\\$/, "")) { part = part $0; next } print part $0; part = "" }' \
			"$own/README.md" | while IFS= read -r line; do
			if [[ "$line" =~ $TRY_IT_SKIP ]]; then
				printf 'echo %q\n' "### skipped: $line ($(try_it_skip_reason "$line"))"
				continue
			fi
			printf 'echo %q\n' "### run: $line"
			printf '%s\n' "$line"
			echo 'echo "### status $?"'
			# What it started in the background gets a moment to be ready.
			if [[ "$line" =~ \&[[:space:]]*(#.*)?$ ]]; then echo 'sleep 1'; fi
			# kill returns before the process is gone; a learner types slower.
			if [[ "$line" =~ \ kill\  ]]; then echo 'sleep 1'; fi
		done
	} >"$script"
	[ -s "$script" ]
	# The runtime's containers (step08 on) before: the block's are removed after.
	local before='' id
	if [ "$((10#$nn))" -ge 8 ]; then before=$("$own/container" list | awk 'NR > 1 { print $1 }'); fi
	# A session of its own: what the blocks leave running is ended by its id.
	(cd "$own" && exec env -i PATH="${PATH//$BATS_LIBEXEC:/}" HOME="$TRY_IT_DIR/home" KIT="$KIT_TOP" \
		setsid unshare --mount --ipc --propagation private \
		sh -c 'exec 3<"$2" 4<"$KIT" && mount --bind "$0" /tmp && mount --bind "$1" /var/tmp &&
			case "$KIT" in /tmp/* | /var/tmp/*) mkdir -p "$KIT" && mount --no-canonicalize --bind /proc/self/fd/4 "$KIT" ;; esac &&
			exec 4<&- && exec timeout 600 bash /dev/fd/3' \
		"$TRY_IT_DIR/tmp" "$TRY_IT_DIR/var-tmp" "$script" \
		</dev/null >"$log" 2>&1) &
	pid=$!
	wait "$pid" || true
	kill -TERM -- "-$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
	kill -KILL -- "-$pid" 2>/dev/null || true
	if [ "$((10#$nn))" -ge 8 ]; then
		for id in $("$own/container" list | awk 'NR > 1 { print $1 }'); do
			grep -qxF "$id" <<<"$before" || "$own/container" delete --force "$id" || true
		done
	fi
	cat "$log"
	# Each line not run, with its reason, in the run's report.
	grep '^### skipped: ' "$log" | sed 's/^### /# step'"$nn"' /' >&3 || true
	grep -q '^### run: ' "$log" || fail "no command of the README ran"
	# Each line that ran: status 0, or a failure its comment announced.
	run awk -v may="$TRY_IT_MAY_FAIL" '
		/^### run: / { line = substr($0, 10); next }
		/^### status / { if ($3 != 0 && line !~ may) print "exit " $3 ": " line }' "$log"
	assert_output ''
	# No command failed for a path: the kit's or the skeleton's.
	run grep -E 'no rootfs at|No rule to make target|KIT is not set|"\$KIT"' <(grep -v '^### ' "$log")
	assert_output ''
}

teardown() {
	[ -z "${TRY_IT_DIR:-}" ] || rm -rf "$TRY_IT_DIR"
}

@test "skeleton: step01's README commands run from the skeleton's directory" { try_it 01; }
@test "skeleton: step02's README commands run from the skeleton's directory" { try_it 02; }
@test "skeleton: step03's README commands run from the skeleton's directory" { try_it 03; }
@test "skeleton: step04's README commands run from the skeleton's directory" { try_it 04; }
@test "skeleton: step05's README commands run from the skeleton's directory" { try_it 05; }
@test "skeleton: step06's README commands run from the skeleton's directory" { try_it 06; }
@test "skeleton: step07's README commands run from the skeleton's directory" { try_it 07; }
@test "skeleton: step08's README commands run from the skeleton's directory" { try_it 08; }
@test "skeleton: step09's README commands run from the skeleton's directory" { try_it 09; }
