# helpers.bash - shared by every step's bats tests.
#
# The program under test is $CONTAINER (default: the step's own program), so
# step K's tests can run against every later step's program: that is how the
# kit proves the final container still has every layer.
# $PROGRAM_STEP is the step number of that program (from its directory name;
# KIT_PROGRAM_STEP=N says it instead: tests/run.sh judges step NN's empty
# skeleton as step NN-1's program, whose every layer it must keep).

bats_require_minimum_version 1.5.0
# bats runs this file again for every test. The helper libraries' load.bash
# finds each of its files with "$(dirname ...)", a fork each: about 30 ms
# per test on an idle 2-core machine, more under load. Their files are sourced here directly
# (all of src/, as each load.bash does), and with bats_load_library only
# where they are laid out otherwise.
kit_lib_dir=''
for kit_dir in ${BATS_LIB_PATH//:/ }; do
	if [ -f "$kit_dir/bats-support/src/output.bash" ] && [ -f "$kit_dir/bats-assert/src/assert.bash" ] &&
		[ -f "$kit_dir/bats-file/src/file.bash" ]; then
		kit_lib_dir=$kit_dir
		break
	fi
done
if [ -n "$kit_lib_dir" ]; then
	for kit_file in "$kit_lib_dir"/bats-support/src/*.bash "$kit_lib_dir"/bats-assert/src/*.bash \
		"$kit_lib_dir"/bats-file/src/*.bash; do
		source "$kit_file"
	done
else
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
fi
unset kit_dir kit_file kit_lib_dir

: "${KIT_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CONTAINER:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)/container}"
: "${KIT_ROOTFS:=$KIT_TOP/rootfs}"
PROGRAM_STEP=${KIT_PROGRAM_STEP:-$(basename "$(dirname "$CONTAINER")" | sed -n 's/^step0*\([0-9][0-9]*\)_.*/\1/p')}
: "${PROGRAM_STEP:?cannot tell the step of $CONTAINER: set KIT_PROGRAM_STEP}"

# The step that adds each namespace type; a type not in use maps to 99.
declare -gA NS_STEP=([uts]=1 [pid]=2 [mnt]=3 [net]=4 [user]=5 [cgroup]=6 [ipc]=8 [time]=99)

# Runs the program under test with the options a test needs on every step:
# from step03 on, the rootfs (given explicitly, so a student's copy finds it).
# In the rootless run (tests/run.sh, from step05 on), $KIT_AS_USER names the
# unprivileged user the program runs as; everything else in a test stays root.
KIT_OPTS=()
[ "$PROGRAM_STEP" -ge 3 ] && KIT_OPTS+=(--rootfs "$KIT_ROOTFS")
KIT_RUNNER=()
[ -n "${KIT_AS_USER:-}" ] && KIT_RUNNER=(setpriv --reuid="$KIT_AS_USER" --regid="$KIT_AS_USER" --init-groups)
kit() { "${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" "$@"; }

# Where the program keeps its per-container directories (kit.c: kit_state_dir).
kit_state_dir() {
	if [ -n "${KIT_AS_USER:-}" ]; then echo "/tmp/container-kit-$(id -u "$KIT_AS_USER")"; else echo /run/container-kit; fi
}

# Where a test-only probe (tests/tools/*.c) is, as COMMAND sees it.
probe() {
	if [ "$PROGRAM_STEP" -ge 3 ]; then echo "/usr/local/bin/$1"; else echo "$KIT_TOP/tests/tools/bin/$1"; fi
}

# Says, in the test output, that a later layer forbade what a test tried.
note() { echo "# $*" >&3; }

# --- a container in the background, for "during" comparisons -------------

# start_bg [OPTIONS] -- COMMAND...: starts a container whose COMMAND prints
# "ready" when it is set up, and waits for that line. Its output goes to
# $BG_OUT; $BG_PID is the kit's process, $BG_CHILD the container's init.
start_bg() {
	BG_OUT=$(mktemp "$BATS_TEST_TMPDIR/bg.XXXXXX")
	"${KIT_RUNNER[@]}" "$CONTAINER" "${KIT_OPTS[@]}" "$@" >"$BG_OUT" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	local i
	for i in $(seq 100); do
		grep -q '^ready$' "$BG_OUT" && break
		kill -0 "$BG_PID" 2>/dev/null || { cat "$BG_OUT"; fail "container exited before ready"; }
		sleep 0.1
	done
	grep -q '^ready$' "$BG_OUT" || { cat "$BG_OUT"; fail "container not ready after 10 s"; }
	BG_CHILD=$(pgrep -P "$BG_PID" | head -n1)
}

# Waits for the background container's exit and sets $BG_STATUS.
wait_bg() {
	BG_STATUS=0
	wait "$BG_PID" || BG_STATUS=$?
}

stop_all_bg() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL $(pgrep -P "$pid") 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

# --- the host's state, to prove a container leaves it as it found it ---------

# Mount points and types, without the ids that change on every mount.
host_mounts() { awk '{ print $5, $9 }' /proc/self/mountinfo | sort; }

# Processes running the program under test (one find, not a readlink per process).
kit_processes() {
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$(readlink -f "$CONTAINER")" 2>/dev/null | cut -d/ -f3
	return 0
}

# Every process a test starts carries KIT_TEST_MARK in its environment
# (kit_setup exports it; execve copies it into /proc/PID/environ, also across
# namespaces and setpriv). Without a PID namespace (step01), killing COMMAND
# does not kill its children: this finds them, wherever they were reparented.
# grep runs without the mark (env -u), so it does not find itself; the loop
# is bash alone, so nothing else it starts carries the mark either.
test_processes() {
	local f
	for f in $(env -u KIT_TEST_MARK grep -lzxF "KIT_TEST_MARK=$KIT_TEST_MARK" \
		/proc/[0-9]*/environ 2>/dev/null); do
		f=${f#/proc/}
		echo "${f%/environ}"
	done
	return 0
}

# What is left of the test's processes, one "PID command line" each; a
# process being killed gets a second to go.
test_leftovers() {
	local i pid
	local -A left
	for i in {1..20}; do
		left=()
		# One scan after the other: a command running beside the scan has the mark too.
		for pid in $(test_processes) $(kit_processes); do left[$pid]=1; done
		[ "${#left[@]}" -gt 0 ] || return 0
		sleep 0.1
	done
	for pid in "${!left[@]}"; do echo "$pid $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"; done
}

snapshot_host() {
	HOST_MOUNTS_BEFORE=$(host_mounts)
	HOST_HOSTNAME_BEFORE=$(hostname)
}

assert_host_unchanged() {
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
	assert_equal "$(hostname)" "$HOST_HOSTNAME_BEFORE"
}

assert_nothing_left() {
	assert_equal "$(test_leftovers)" ""
	assert_host_unchanged
}

kit_setup() {
	BG_PIDS=()
	export KIT_TEST_MARK="$BATS_TEST_TMPDIR"  # unique to this test, in this run
	snapshot_host
}

# Whatever happened, the test leaves no process of its own on the host. A
# grader (scripts/grade.sh) sets KIT_LEFTOVERS to a file: each process killed
# here is written to it first, "process PID", so the program that left it
# is still charged for it.
kit_teardown() {
	local pid mnt
	stop_all_bg
	for pid in $(test_processes); do
		if [ -n "${KIT_LEFTOVERS:-}" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$CONTAINER")" ]; then
			echo "process $pid" >>"$KIT_LEFTOVERS"
		fi
		kill -KILL "$pid" 2>/dev/null || true
	done
	# A mount a test made "inside" (its source named kit-...) that reached the
	# host - a program without its mount namespace, a skeleton - is undone.
	for mnt in $(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 2) ~ /^kit-/) print $5; break } }' \
		/proc/self/mountinfo); do
		awk -v m="$mnt" '$1 == m { found = 1 } END { exit !found }' <<<"$HOST_MOUNTS_BEFORE" ||
			umount -l "$mnt" 2>/dev/null || true
	done
}
