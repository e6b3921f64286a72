#!/usr/bin/env bats
# step09_security: capabilities, seccomp, no_new_privs, a non-root user, the
# read-only root, masked /proc, no leaked fd - and an escape suite: each
# "escape:" test is one way out that must fail.
#
# Probes (tests/tools/*.c, in the image's /usr/local/bin): syscall_probe
# makes named system calls with harmless arguments and prints the errno;
# fd_escape, exe_probe, tty_inject, cap_raise, bind_port, whoami_probe and
# chroot_escape each try one way out.

load ../../tests/helpers  # in the kit: load ../../tests/helpers

FIXTURES="$BATS_TEST_DIRNAME/fixtures"
# Exercise 4's profile is the graders' reference (tests/grading/exercises/),
# kept off the learner's path; an edition of the kit without it skips.
EX4_PROFILE=$KIT_TOP/tests/grading/exercises/ex04_hardened/profile.json
ex4_profile() { [ -f "$EX4_PROFILE" ] || skip "exercise 4's reference profile is not in this kit ($EX4_PROFILE)"; }
DOCKER_DEFAULT_CAPS=00000000a80425fb  # Docker's 14 default capabilities

# The kit's image is mode 0700 (root-only, see scripts/make-rootfs.sh), so a
# non-root --user could not even enter its "/". Tests that run as a user
# use a copy whose "/" is 0755, as in Docker images, with two extra files:
# a setuid-root copy of whoami_probe and a copy of bind_port with the file
# capability cap_net_bind_service. Not under $BATS_FILE_TMPDIR: with a user
# namespace, container root must be able to walk the path to the image.
setup_file() {
	# Beside the kit's own rootfs, on the same filesystem: idmapped mounts
	# need one that supports them (the test VM's /tmp is a 6.1 tmpfs, which does not).
	mkdir -p "$KIT_TOP/build"
	OPEN_DIR=$(mktemp -d "$KIT_TOP/build/kit-security.XXXXXX")
	chmod 755 "$OPEN_DIR"
	OPEN_ROOTFS="$OPEN_DIR/rootfs"
	cp -a "$KIT_ROOTFS" "$OPEN_ROOTFS"
	chmod 755 "$OPEN_ROOTFS"
	install -m 4755 "$OPEN_ROOTFS/usr/local/bin/whoami_probe" "$OPEN_ROOTFS/usr/local/bin/suid_whoami"
	cp "$OPEN_ROOTFS/usr/local/bin/bind_port" "$OPEN_ROOTFS/usr/local/bin/fcap_bind_port"
	setcap cap_net_bind_service+ep "$OPEN_ROOTFS/usr/local/bin/fcap_bind_port"
	export OPEN_DIR OPEN_ROOTFS
}

teardown_file() {
	rm -rf "$OPEN_DIR"
}

setup() {
	kit_setup
	MARKER=$(mktemp /tmp/kit-host-marker.XXXXXX)
	echo host-secret >"$MARKER"
}

teardown() {
	rm -f "$MARKER"  # first: kit_teardown stops at a failed check
	kit_teardown
}

# The program under test on the 0755 copy of the image.
kit_open() { kit --rootfs "$OPEN_ROOTFS" "$@"; }

# read_status [OPTIONS]: runs a container and leaves its identity in $output
# as "Field:value" lines of /proc/self/status (CapEff:00000000a80425fb).
read_status() {
	run kit_open "$@" -- awk '/^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp):/ {
		$1 = $1; sub(/: */, ":"); print }' /proc/self/status
	assert_success
}

# assert_caps HEX: bounding, permitted and effective are HEX; inheritable and ambient empty.
assert_caps() {
	assert_line "CapBnd:$1"
	assert_line "CapPrm:$1"
	assert_line "CapEff:$1"
	assert_line "CapInh:0000000000000000"
	assert_line "CapAmb:0000000000000000"
}

hex_caps() { printf '%016x' "$1"; }
host_bounding() { awk '/^CapBnd:/ { print $2 }' /proc/self/status; }

# probe_all OPTIONS... -- NAME...: syscall_probe in a container; "NAME: ERRNO" lines.
probe_all() { run kit "$@"; assert_success; }

# The system calls of the default deny-list, as syscall_probe names them.
DENIED_ALWAYS="pivot_root kexec_load kexec_file_load swapon swapoff keyctl add_key request_key
	userfaultfd io_uring_setup uselib personality personality_bit28 tiocsti tiocsti_high tioclinux
	socket_vsock"
DENIED_UNLESS_CAP="mount umount2 fsopen fsconfig fsmount fspick open_tree move_mount mount_setattr
	quotactl quotactl_fd open_by_handle_at name_to_handle_at unshare unshare_int80 unshare_x32
	clone_newuser clone_newns
	clone_newnet clone_newpid clone_newuts clone_newipc clone_newcgroup setns init_module
	finit_module delete_module reboot bpf perf_event_open lookup_dcookie iopl ioperm acct syslog
	fanotify_init settimeofday clock_settime adjtimex clock_adjtime ptrace ptrace_attach
	process_vm_readv process_vm_writev process_madvise kcmp pidfd_getfd"

# denial NAME: what the default filter makes of probe NAME: EPERM; but a kernel
# without the 32-bit ABI (ia32_emulation off) faults int 0x80 before any
# system call or filter sees it, so no filter is needed there (SIGSEGV).
denial() {
	if [ "$1" = unshare_int80 ] && no_32bit_abi; then echo SIGSEGV; else echo EPERM; fi
}
no_32bit_abi() {
	[ "$(chroot "$KIT_ROOTFS" /usr/local/bin/syscall_probe getpid unshare_int80)" = \
		"$(printf 'getpid: OK\nunshare_int80: SIGSEGV')" ]
}

# --- capabilities and identity -------------------------------------------------

@test "security: root gets Docker's 14 default capabilities, no_new_privs and a seccomp filter" {
	read_status
	assert_caps "$DOCKER_DEFAULT_CAPS"
	assert_line "Uid:0 0 0 0"
	assert_line "NoNewPrivs:1"
	assert_line "Seccomp:2"
}

@test "security: COMMAND runs with no_new_privs set" {
	run kit -- grep NoNewPrivs /proc/self/status
	assert_success
	assert_output --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "security: capabilities the kit inherits (inheritable, ambient) do not reach COMMAND" {
	[ -z "${KIT_AS_USER:-}" ] || skip "rootless: setpriv would need the capabilities it passes on"
	# The kit started with CAP_NET_RAW and CAP_SYS_TIME inheritable and ambient:
	# only the granted set may be left, in every set (cap_set_proc, cap_reset_ambient).
	run setpriv --inh-caps +net_raw,+sys_time --ambient-caps +net_raw,+sys_time -- \
		"$CONTAINER" "${KIT_OPTS[@]}" -- awk '/^Cap[A-Za-z]+:/ { $1 = $1; sub(/: */, ":"); print }' /proc/self/status
	assert_success
	assert_caps "$DOCKER_DEFAULT_CAPS"
}

@test "security: --cap-drop ALL --cap-add NET_BIND_SERVICE leaves exactly that one, in every set" {
	read_status --cap-drop ALL --cap-add NET_BIND_SERVICE
	assert_caps "$(hex_caps $((1 << 10)))"
	read_status --cap-drop ALL
	assert_caps 0000000000000000
}

@test "security: --cap-add ALL gives every capability of the kit's own bounding set" {
	read_status --cap-add ALL
	assert_caps "$(host_bounding)"
	read_status --cap-add ALL --cap-drop SYS_ADMIN
	assert_caps "$(hex_caps $((0x$(host_bounding) & ~(1 << 21))))"
}

@test "security: capability names: any case, CAP_ optional, repeatable" {
	read_status --cap-add sys_admin --cap-add CAP_SYS_PTRACE --cap-drop chown --cap-drop Cap_Kill
	assert_caps "$(hex_caps $(((0x$DOCKER_DEFAULT_CAPS | 1 << 21 | 1 << 19) & ~(1 << 0 | 1 << 5))))"
}

@test "security: --cap-add and --cap-drop follow Docker's rules (add ALL wins; else drop ALL, then add)" {
	read_status --cap-drop ALL --cap-add ALL
	assert_caps "$(host_bounding)"
	read_status --cap-drop KILL --cap-add KILL
	assert_caps "$DOCKER_DEFAULT_CAPS"
}

@test "security: --user 1000:1000 runs with no capability left after exec, as docker run --user" {
	read_status --user 1000:1000
	assert_line "Uid:1000 1000 1000 1000"
	assert_line "Gid:1000 1000 1000 1000"
	assert_line "Groups:"
	assert_line "CapBnd:$DOCKER_DEFAULT_CAPS"
	assert_line "CapPrm:0000000000000000"
	assert_line "CapEff:0000000000000000"
	assert_line "CapInh:0000000000000000"
	assert_line "CapAmb:0000000000000000"
	assert_line "NoNewPrivs:1"
	assert_line "Seccomp:2"
}

@test "security: --user UID without GID takes the group of the image's /etc/passwd, else 0" {
	run kit_open --user 65534 -- id
	assert_success
	assert_output "uid=65534(nobody) gid=65534(nogroup)"
	run kit_open --user 1000 -- id -g
	assert_output 0
}

@test "security: supplementary groups are exactly --group-add's; the host's are dropped" {
	run setpriv --groups 4,27 "$CONTAINER" "${KIT_OPTS[@]}" --rootfs "$OPEN_ROOTFS" -- \
		awk '/^Groups:/ { print $2 "," $3 }' /proc/self/status
	assert_success
	assert_output ","
	run kit_open --user 1000:1000 --group-add 10 --group-add 20 -- id -G
	assert_output "1000 10 20"
}

@test "security: a non-root user cannot enter an image whose / is 0700: exit 125, saying why" {
	run kit -- stat -c %a /
	[ "$output" = 700 ] || skip "the container's / is mode $output here"
	run kit --user 1000:1000 -- true
	assert_equal "$status" 125
	assert_output --partial "cannot enter the container's / (mode 0700"
}

@test "security: no-new-privileges=false keeps a seccomp filter, and CAP_SYS_ADMIN does not leak" {
	read_status --security-opt no-new-privileges=false
	assert_line "NoNewPrivs:0"
	assert_line "Seccomp:2"
	assert_caps "$DOCKER_DEFAULT_CAPS"
	read_status --security-opt no-new-privileges=false --user 1000:1000
	assert_line "NoNewPrivs:0"
	assert_line "Seccomp:2"
	assert_line "CapEff:0000000000000000"
	assert_line "CapPrm:0000000000000000"
}

@test "security: seccomp=unconfined loads no filter and changes nothing else" {
	read_status --security-opt seccomp=unconfined
	assert_line "Seccomp:0"
	assert_line "NoNewPrivs:1"
	assert_caps "$DOCKER_DEFAULT_CAPS"
}

@test "security: a binary with file capabilities keeps them as COMMAND, not from a shell (runc's sets)" {
	# The kit leaves permitted = the granted set until execve; under
	# no_new_privs file capabilities may add nothing beyond it.
	run kit_open --user 1000:1000 -- fcap_bind_port 80
	assert_output --regexp '^(OK|EADDRINUSE)$'
	# A shell as COMMAND has an empty permitted set: its children get nothing.
	run kit_open --user 1000:1000 -- sh -c 'fcap_bind_port 80'
	assert_output EACCES
	# Outside the bounding set, the kernel refuses to run it at all.
	run kit_open --user 1000:1000 --cap-drop NET_BIND_SERVICE -- fcap_bind_port 80
	assert_failure
	refute_output --regexp '^(OK|EADDRINUSE)$'
}

@test "security: -v traces the layer's kernel calls in order, seccomp_load last" {
	run kit -v --user 0 --cap-drop ALL -- true
	assert_success
	assert_line --partial "[security] cap_drop_bound(cap_chown) = 0"
	assert_line --partial "[security] setresuid(0) = 0"
	assert_line --partial "[security] prctl(PR_SET_NO_NEW_PRIVS, 1) = 0"
	assert_line --regexp '^\[security\] seccomp: mount umount2 umount -> EPERM'
	[[ "$(grep '^\[security\]' <<<"$output" | tail -n1)" == *seccomp_load* ]]
}

# --- the default seccomp profile ---------------------------------------------------

@test "seccomp: every system call of the default deny-list fails with EPERM (clone3: ENOSYS)" {
	probe_all -- syscall_probe $DENIED_ALWAYS $DENIED_UNLESS_CAP clone3
	local name
	for name in $DENIED_ALWAYS $DENIED_UNLESS_CAP; do
		assert_line "$name: $(denial "$name")"
	done
	assert_line "clone3: ENOSYS"
}

@test "seccomp: it is the filter that refuses: unconfined, the kernel answers otherwise" {
	probe_all --security-opt seccomp=unconfined -- syscall_probe $DENIED_ALWAYS $DENIED_UNLESS_CAP
	local kernel_other
	kernel_other=$(grep -vc ': EPERM$' <<<"$output")
	# Without caps the kernel itself refuses some (mount needs CAP_SYS_ADMIN):
	# for those the filter is defence in depth. Most it would let through.
	[ "$kernel_other" -ge 25 ] || fail "only $kernel_other calls differ unconfined"
}

# kernel_filters PID: the seccomp filters the kernel holds for PID (tests/tools/seccomp_dump.c).
kernel_filters() { "$KIT_TOP/tests/tools/bin/seccomp_dump" "$1"; }

@test "seccomp: the default filter make compiled is the very program libseccomp builds at a start" {
	# Without -v the kit loads the BPF that make built (precompiled_filter.c);
	# -v builds the filter with libseccomp at the start, to trace its rules.
	# The kernel's copy of each must be the same, instruction by instruction.
	start_bg -- sh -c 'echo ready; exec sleep 1000'
	run kernel_filters "$BG_CHILD"
	assert_success
	local precompiled=$output
	stop_all_bg
	start_bg -v -- sh -c 'echo ready; exec sleep 1000'
	grep -q '^\[security\] seccomp_load()' "$BG_OUT" || fail "-v did not build the filter at the start"
	run kernel_filters "$BG_CHILD"
	assert_success
	stop_all_bg
	[ "$(grep -c '^filter 0: ' <<<"$precompiled")" -gt 100 ] || fail "no default filter in the kernel: $precompiled"
	assert_equal "$precompiled" "$output"
	# A granted capability that lifts a rule (SYS_ADMIN: mount) needs another
	# program: the start builds it, and the kernel gets a different one.
	start_bg --cap-add SYS_ADMIN -- sh -c 'echo ready; exec sleep 1000'
	run kernel_filters "$BG_CHILD"
	assert_success
	[ "$output" != "$precompiled" ] || fail "--cap-add SYS_ADMIN got the default filter"
}

@test "seccomp: a start without -v builds no filter: it makes one seccomp(2) call, the load" {
	command -v strace >/dev/null || skip "strace is not installed (scripts/packages.txt)"
	[ -z "${KIT_SANITIZE:-}" ] || skip "LeakSanitizer cannot run under strace (make check SANITIZE=1)"
	# libseccomp asks the kernel which actions it supports before it builds a
	# filter (SECCOMP_GET_ACTION_AVAIL); the precompiled filter needs no question.
	run strace -f -qq -e trace=seccomp -o "$BATS_TEST_TMPDIR/strace" "$CONTAINER" "${KIT_OPTS[@]}" -- true
	assert_success
	run grep -c 'seccomp(' "$BATS_TEST_TMPDIR/strace"
	assert_output 1
	grep -q 'seccomp(SECCOMP_SET_MODE_FILTER, 0, ' "$BATS_TEST_TMPDIR/strace" || fail "$(cat "$BATS_TEST_TMPDIR/strace")"
	run strace -f -qq -e trace=seccomp -o "$BATS_TEST_TMPDIR/strace-v" "$CONTAINER" "${KIT_OPTS[@]}" -v -- true
	assert_success
	grep -q 'SECCOMP_GET_ACTION_AVAIL' "$BATS_TEST_TMPDIR/strace-v" || fail "-v: libseccomp asked nothing: $(cat "$BATS_TEST_TMPDIR/strace-v")"
}

@test "seccomp: the calls a normal workload needs stay allowed" {
	probe_all -- syscall_probe fork personality_query personality_linux personality_linux32 \
		tcgets socket_raw chroot getpid
	assert_line "fork: OK"
	assert_line "personality_query: OK"
	assert_line "personality_linux: OK"
	assert_line "personality_linux32: OK"
	assert_line "tcgets: EBADF"
	assert_line "socket_raw: OK"
	assert_line "chroot: OK"
}

@test "seccomp: a busybox workload runs under the default profile" {
	run kit -- sh -c '
		set -e
		mkdir -p /tmp/kit-work && cd /tmp/kit-work
		printf "b\na\nc\n" >in && sort in >out && cp out copy && cat copy | tr "\n" " " && echo
		ls -l copy >/dev/null && wc -l <copy && rm -r /tmp/kit-work
		ps -o pid,comm | wc -l
		sleep 0.1 & wait
		date +%Y >/dev/null && id -u && uname -s && linux32 uname -m
		tar -cf - /etc 2>/dev/null | gzip | gunzip | tar -tf - | grep -c etc/
		echo done'
	assert_success
	assert_line "a b c "
	assert_line 3
	assert_line Linux
	assert_line --regexp '^i[3-6]86$'
	assert_line done
}

@test "seccomp: a granted capability lifts its rules, as in Docker's profile; the rest stays" {
	probe_all --cap-add ALL -- syscall_probe $DENIED_ALWAYS $DENIED_UNLESS_CAP
	local lifted=$output name
	for name in $DENIED_ALWAYS; do
		assert_line "$name: EPERM"
	done
	# Lifted: the same answer as with no filter at all.
	probe_all --cap-add ALL --security-opt seccomp=unconfined -- syscall_probe $DENIED_UNLESS_CAP
	for name in $DENIED_UNLESS_CAP; do
		assert_equal "$(grep "^$name:" <<<"$lifted")" "$(grep "^$name:" <<<"$output")"
	done
}

@test "seccomp: --cap-add SYS_ADMIN lets root mount inside, as Docker does" {
	run kit --cap-add SYS_ADMIN -- sh -c 'mkdir -p /tmp/kit-sysadmin &&
		mount -t tmpfs kit-sysadmin /tmp/kit-sysadmin && grep -c kit-sysadmin /proc/self/mounts'
	rmdir "$KIT_ROOTFS/tmp/kit-sysadmin" 2>/dev/null || true
	assert_success
	assert_output 1
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
}

# --- seccomp profiles in Docker's JSON format --------------------------------------

@test "profile: the chapter's 6.2 example is refused before start: it does not allow execve" {
	run kit --security-opt seccomp="$FIXTURES/chapter-6.2.json" -- true
	assert_equal "$status" 125
	assert_output --partial "does not allow execve"
	assert_nothing_left
}

@test "profile: exercise 4, a hardened container: minimal caps, seccomp, read-only root, non-root" {
	ex4_profile
	run kit_open --cap-drop ALL --cap-add NET_BIND_SERVICE \
		--security-opt seccomp="$EX4_PROFILE" --read-only --tmpfs /tmp \
		--user 1000:1000 -- sh -c '
		id
		grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t"
		touch /etc/kit-x 2>&1; mkdir /kit-x 2>&1
		echo scratch >/tmp/kit-x && cat /tmp/kit-x
		syscall_probe fork clone_newuser clone3 mount ptrace unshare
		bind_port 80'
	assert_line "uid=1000 gid=1000"
	assert_line "CapBnd:0000000000000400"
	assert_line "CapEff:0000000000000000"
	assert_line "NoNewPrivs:1"
	assert_line "Seccomp:2"
	assert_line --partial "/etc/kit-x: Read-only file system"
	assert_line --partial "'/kit-x': Read-only file system"
	assert_line scratch
	assert_line "fork: OK"
	assert_line "clone_newuser: EPERM"  # an args rule: CLONE_NEW* flags must be clear
	assert_line "clone3: ENOSYS"        # errnoRet 38
	assert_line "mount: EPERM"          # not in the allow-list
	assert_line "ptrace: EPERM"
	assert_line "unshare: EPERM"
	assert_line EACCES                  # non-root: no capability after exec, as Docker
	[ ! -e "$OPEN_ROOTFS/etc/kit-x" ]
}

@test "profile: exercise 4's flags as root: NET_BIND_SERVICE is effective, nothing else" {
	ex4_profile
	run kit_open --cap-drop ALL --cap-add NET_BIND_SERVICE \
		--security-opt seccomp="$EX4_PROFILE" --read-only --tmpfs /tmp -- sh -c '
		grep "^CapEff:" /proc/self/status | tr -d "\t"; bind_port 80; chown 1 /tmp 2>&1'
	assert_line "CapEff:0000000000000400"
	assert_line --regexp '^(OK|EADDRINUSE)$'
	assert_line --partial "Operation not permitted"
}

@test "profile: actions KILL_PROCESS, TRAP, ERRNO with errnoRet and LOG do what they say" {
	run kit --security-opt seccomp="$FIXTURES/actions.json" -- uname
	assert_equal "$status" 159  # 128 + SIGSYS
	run kit --security-opt seccomp="$FIXTURES/actions.json" -- free
	assert_equal "$status" 159
	run kit --security-opt seccomp="$FIXTURES/actions.json" -- mkdir /tmp/kit-errno
	assert_failure
	assert_output --partial "No space left on device"  # errnoRet 28
	run kit --security-opt seccomp="$FIXTURES/actions.json" -- chroot / true
	assert_success  # SCMP_ACT_LOG: allowed, and logged
}

@test "profile: an execve refused for some arguments only makes COMMAND fail with 126" {
	run kit --security-opt seccomp="$FIXTURES/execve-conditional.json" -- true
	assert_equal "$status" 126
	assert_output --partial "Operation not permitted"
}

@test "profile: Docker's archMap, includes and excludes (caps, arches, minKernel) are honoured" {
	local profile="--security-opt=seccomp=$FIXTURES/docker-style.json"
	run kit "$profile" -- sh -c 'mkdir /tmp/kit-a 2>&1; ln -s x /tmp/kit-l && echo symlink ok;
		ln /etc/passwd /tmp/kit-h 2>&1; rm -f /tmp/kit-l /tmp/kit-h'
	assert_line --partial "Permission denied"        # mkdir: refused unless CAP_SYS_ADMIN
	assert_line "symlink ok"                         # symlink: only from kernel 99.0 on
	assert_line --partial "Operation not permitted"  # link: on amd64 and arm64
	run kit "$profile" --cap-add SYS_ADMIN -- sh -c 'mkdir /tmp/kit-a && rmdir /tmp/kit-a && echo rmdir ok'
	assert_output "rmdir ok"
	run kit "$profile" --cap-add SYS_ADMIN --cap-add NET_ADMIN -- sh -c 'mkdir /tmp/kit-r && rmdir /tmp/kit-r'
	assert_failure
	assert_output --partial "Operation not permitted"  # rmdir: refused with CAP_NET_ADMIN
	rmdir "$KIT_ROOTFS/tmp/kit-r" 2>/dev/null || true  # with overlay, in the upper layer
}

@test "profile: two comparisons of one argument are OR'ed, as runc does" {
	run kit --security-opt seccomp="$FIXTURES/same-arg.json" -- \
		syscall_probe personality_linux32 personality_query personality_linux
	assert_line "personality_linux32: EPERM"
	assert_line "personality_query: EPERM"
	assert_line "personality_linux: OK"
}

# --- bad input ---------------------------------------------------------------------

@test "bad input: an unknown capability name exits 125 naming it" {
	run kit --cap-add CAP_FLY -- true
	assert_equal "$status" 125
	assert_output --partial "--cap-add CAP_FLY: unknown capability"
	run kit --cap-drop 12 -- true
	assert_equal "$status" 125
	assert_output --partial "not a capability name"
}

@test "bad input: malformed JSON is reported as FILE:LINE:COLUMN" {
	run kit --security-opt seccomp="$FIXTURES/malformed.json" -- true
	assert_equal "$status" 125
	assert_output --partial "$FIXTURES/malformed.json:4:"
	assert_output --partial "expected near '\"action\"'"
}

@test "bad input: an unknown system call name, action, key or capability exits 125 naming it" {
	run kit --security-opt seccomp="$FIXTURES/unknown-syscall.json" -- true
	assert_equal "$status" 125
	assert_output --partial 'syscalls[0].names[1]: unknown system call "mountt"'
	run kit --security-opt seccomp="$FIXTURES/unknown-action.json" -- true
	assert_equal "$status" 125
	assert_output --partial 'unknown action "SCMP_ACT_DENY"'
	run kit --security-opt seccomp="$FIXTURES/unknown-key.json" -- true
	assert_equal "$status" 125
	assert_output --partial 'unknown key "arg"'
	run kit --security-opt seccomp="$FIXTURES/unknown-cap.json" -- true
	assert_equal "$status" 125
	assert_output --partial 'syscalls[0]: unknown capability CAP_CHOWN,CAP_SYS_ADMIN'
	run kit --security-opt seccomp=/nonexistent/profile.json -- true
	assert_equal "$status" 125
	assert_output --partial "No such file or directory"
}

@test "bad input: a malformed --user or --group-add exits 125" {
	local bad
	for bad in abc 1000: :1000 -1 4294967295 "1000:x" ""; do
		run kit --user "$bad" -- true
		assert_equal "$status" 125
		assert_output --partial "expected UID[:GID]"
	done
	run kit --group-add wheel -- true
	assert_equal "$status" 125
	assert_output --partial "expected a numeric GID"
}

@test "bad input: an unknown --security-opt, a bad --tmpfs exit 125" {
	run kit --security-opt label=type:container_t -- true
	assert_equal "$status" 125
	assert_output --partial "unknown option"
	run kit --security-opt no-new-privileges=maybe -- true
	assert_equal "$status" 125
	run kit --tmpfs tmp -- true
	assert_equal "$status" 125
	assert_output --partial "must be absolute"
	run kit --tmpfs /tmp:suid -- true
	assert_equal "$status" 125
	# 256 characters of options: cut short, the copy would lose its "ro" (tests/fuzz)
	run kit --tmpfs "/tmp:$(printf 'noatime,%.0s' {1..32})ro" -- true
	assert_equal "$status" 125
	assert_output --partial "options too long"
	run kit --tmpfs /tmp:size=lots -- true
	assert_equal "$status" 125
	assert_output --partial "Invalid argument"
	assert_nothing_left
}

@test "bad input: apparmor=PROFILE without AppArmor exits 125; apparmor=unconfined is a no-op" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		run kit --security-opt apparmor=kit-no-such-profile -- true
		assert_equal "$status" 125
	else
		run kit --security-opt apparmor=docker-default -- true
		assert_equal "$status" 125
		assert_output --partial "AppArmor is not enabled on this host"
	fi
	run kit --security-opt apparmor=unconfined -- true
	assert_success
}

# --- the filesystem ---------------------------------------------------------------

@test "read-only: --read-only makes / read-only; --tmpfs and /dev/shm stay writable" {
	run kit --read-only --tmpfs /tmp:size=1m,mode=1770 -- sh -c '
		touch /kit-ro 2>&1; touch /etc/kit-ro 2>&1
		echo x >/tmp/kit-w && echo x >/dev/shm/kit-w && echo writable
		grep -E "^[^ ]+ (/|/tmp) " /proc/self/mounts; stat -c %a /tmp'
	assert_success
	assert_line --partial "/kit-ro: Read-only file system"
	assert_line writable
	assert_line --regexp '^[^ ]+ / [^ ]+ ro,'
	assert_line --regexp '^tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,.*size=1024k,mode=1770'
	assert_line 1770
	[ ! -e "$KIT_ROOTFS/kit-ro" ] && [ ! -e "$KIT_ROOTFS/tmp/kit-w" ]
}

@test "read-only: a --tmpfs is noexec unless it says exec" {
	run kit --tmpfs /tmp -- sh -c 'cp /bin/busybox /tmp/true && /tmp/true'
	assert_failure
	assert_output --partial "Permission denied"
	run kit --tmpfs /tmp:exec -- sh -c 'cp /bin/busybox /tmp/true && /tmp/true && echo ran'
	assert_output ran
}

@test "masked: /proc files that describe the host read as empty, its directories are empty" {
	run kit -- sh -c 'for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do
		[ -e $f ] && echo "$f $(wc -c <$f)"; done
		for d in /proc/acpi /proc/scsi /proc/asound /sys/firmware; do
		[ -d $d ] && echo "$d $(ls -A $d | wc -l)"; done; true'
	assert_success
	local line
	for line in "${lines[@]}"; do
		[[ "$line" =~ \ 0$ ]] || fail "not masked: $line"
	done
	# Everything the host has is covered.
	[ -e /proc/keys ] && assert_line "/proc/keys 0"
	[ -e /sys/firmware ] && assert_line "/sys/firmware 0"
	true
}

@test "masked: /proc/sys, /proc/bus, /proc/fs, /proc/irq and sysrq-trigger are read-only" {
	run kit -- awk '$5 ~ /^\/proc\/(sys|bus|fs|irq|sysrq-trigger)$/ { split($6, o, ","); print $5, o[1] }' \
		/proc/self/mountinfo
	assert_success
	local path
	for path in /proc/sys /proc/bus /proc/fs /proc/irq /proc/sysrq-trigger; do
		[ -e "$path" ] && assert_line "$path ro"
	done
	true
}

@test "leaks: COMMAND sees only fds 0, 1, 2, whatever the kit inherited" {
	exec 7</ 8</proc/self/ns/mnt 9>"$BATS_TEST_TMPDIR/kit-fd"
	run kit -- ls /proc/self/fd
	exec 7<&- 8<&- 9>&-
	assert_success
	assert_output "$(printf '0\n1\n2\n3')"  # 3 is ls's own directory
}

@test "leaks: COMMAND's working directory is the container's /, not the host's" {
	cd "$(dirname "$MARKER")"
	run kit -- sh -c 'pwd; cat ./$(basename "$1") 2>&1' sh "$MARKER"
	assert_line --index 0 /
	refute_output --partial host-secret
}

# --- escapes: every one must fail -------------------------------------------------

@test "escape: mount a filesystem over the container's view" {
	run kit -- sh -c 'mkdir -p /tmp/kit-escape && mount -t tmpfs kit-escape /tmp/kit-escape'
	rmdir "$KIT_ROOTFS/tmp/kit-escape" 2>/dev/null || true
	assert_failure
	assert_output --partial "permission denied"  # busybox's words for EPERM
	assert_equal "$(host_mounts)" "$HOST_MOUNTS_BEFORE"
}

@test "escape: remount the read-only root read-write" {
	run kit --read-only -- sh -c 'mount -o remount,rw / 2>&1; touch /kit-rw 2>&1'
	assert_output --partial "Read-only file system"
	[ ! -e "$KIT_ROOTFS/kit-rw" ]
}

@test "escape: mount through the new mount API (fsopen, open_tree, move_mount)" {
	probe_all -- syscall_probe fsopen fsmount open_tree move_mount mount_setattr fspick
	refute_output --regexp ': (OK|ENOENT|ENODEV|EBADF|EINVAL)$'
}

@test "escape: unshare a new user namespace (full capabilities inside it)" {
	run kit -- unshare -U -r id -u
	assert_failure
	probe_all -- syscall_probe unshare
	assert_output "unshare: EPERM"
}

@test "escape: unshare through the 32-bit ABI (int 0x80) or the x32 ABI" {
	probe_all -- syscall_probe unshare_int80 unshare_x32
	assert_output "$(printf 'unshare_int80: %s\nunshare_x32: EPERM' "$(denial unshare_int80)")"
	probe_all --security-opt seccomp=unconfined -- syscall_probe unshare_int80
	if no_32bit_abi; then
		assert_output "unshare_int80: SIGSEGV"
		note "control: this kernel runs no 32-bit system calls (ia32_emulation off): int 0x80 faults unconfined too"
	elif [ "$output" != "unshare_int80: OK" ]; then
		note "control: unconfined, int 0x80 unshare answered: $output"
	fi
}

@test "escape: clone() into new namespaces; clone3 cannot sneak flags past the filter" {
	probe_all -- syscall_probe clone_newuser clone_newns clone_newnet clone_newpid clone_newcgroup clone3 fork
	assert_line "clone_newuser: EPERM"
	assert_line "clone_newcgroup: EPERM"
	assert_line "clone3: ENOSYS"
	assert_line "fork: OK"
}

@test "escape: setns into a host namespace through a leaked namespace fd" {
	exec 8</proc/self/ns/mnt 7</proc/self/ns/net
	run chroot "$KIT_ROOTFS" /usr/local/bin/fd_escape "$MARKER"  # control: a plain chroot leaks them
	local control=$output
	run kit -- fd_escape "$MARKER"
	exec 8<&- 7<&-
	[[ "$control" == *"escaped: setns fd 8"* ]] || fail "control did not escape: $control"
	assert_output contained
	probe_all -- syscall_probe setns
	assert_output "setns: EPERM"
}

@test "escape: read a host file through a leaked directory fd (CVE-2024-21626 class)" {
	exec 9</
	run chroot "$KIT_ROOTFS" /usr/local/bin/fd_escape "$MARKER"
	local control=$output
	run kit -- fd_escape "$MARKER"
	exec 9<&-
	[[ "$control" == *"escaped: openat fd 9"* ]] || fail "control did not escape: $control"
	assert_output contained
}

@test "escape: ptrace another process" {
	probe_all -- syscall_probe ptrace_attach ptrace process_vm_readv process_vm_writev
	refute_output --partial OK
	assert_line "ptrace_attach: EPERM"
}

@test "escape: steal an fd or memory of another process (pidfd_getfd, kcmp, process_madvise)" {
	probe_all -- syscall_probe pidfd_getfd kcmp process_madvise
	assert_output "$(printf 'pidfd_getfd: EPERM\nkcmp: EPERM\nprocess_madvise: EPERM')"
}

@test "escape: write /proc/sysrq-trigger (crash or reboot the host)" {
	# 'h' only prints help to the kernel log, should the write ever go through.
	run kit -- sh -c 'echo h >/proc/sysrq-trigger'
	assert_failure
	[ -e /proc/sysrq-trigger ] || note "this kernel has no /proc/sysrq-trigger"
	[ -e /proc/sysrq-trigger ] && assert_output --partial "Read-only file system"
	true
}

@test "escape: read the host's memory through /proc/kcore" {
	run kit -- sh -c 'head -c 4096 /proc/kcore 2>/dev/null | wc -c'
	assert_output 0
	[ -e /proc/kcore ] || note "this kernel has no /proc/kcore; /proc/keys shows the mask"
	run kit -- sh -c 'wc -c </proc/keys; grep -c " /proc/keys " /proc/self/mounts'
	assert_output "$(printf '0\n1')"
}

@test "escape: read the host's disk through a device node made with CAP_MKNOD" {
	local dev major minor
	dev=$(findmnt -no MAJ:MIN / | tr -d ' ')
	major=${dev%:*} minor=${dev#*:}
	run kit -- sh -c "for d in /tmp /dev; do
		mknod \$d/kit-disk b $major $minor 2>&1 && echo \"read \$(head -c 512 \$d/kit-disk | wc -c)\";
		rm -f \$d/kit-disk; done"
	# mknod itself may be allowed (Docker's default); reading the node never is.
	refute_line "read 512"
	assert_output --regexp "(Permission denied|Operation not permitted)"
}

@test "escape: make a device node at all with CAP_MKNOD dropped" {
	run kit --cap-drop MKNOD -- mknod /tmp/kit-disk b 1 3
	assert_failure
	assert_output --partial "Operation not permitted"
	[ ! -e "$KIT_ROOTFS/tmp/kit-disk" ]
}

@test "escape: find a host block device in the container" {
	run kit -- find / -xdev -type b
	assert_output ""
	run kit -- sh -c 'ls /dev | grep -E "^(sd|vd|nvme|xvd|loop|dm-|mem$|kmem$|port$)"'
	assert_output ""
}

@test "escape: load or remove a kernel module" {
	run kit -- insmod /nonexistent-kit.ko
	assert_failure
	probe_all -- syscall_probe init_module finit_module delete_module
	assert_output "$(printf 'init_module: EPERM\nfinit_module: EPERM\ndelete_module: EPERM')"
}

@test "escape: reboot the host, or replace its kernel (kexec)" {
	probe_all -- syscall_probe reboot kexec_load kexec_file_load
	assert_output "$(printf 'reboot: EPERM\nkexec_load: EPERM\nkexec_file_load: EPERM')"
}

@test "escape: change the host's clock" {
	local before after
	before=$(date +%s)
	run kit -- sh -c 'date -s "@$(date +%s)" 2>&1'  # the current time: harmless if it went through
	assert_output --partial "can't set date"
	probe_all -- syscall_probe settimeofday clock_settime adjtimex clock_adjtime
	refute_output --partial OK
	after=$(date +%s)
	[ $((after - before)) -ge 0 ] && [ $((after - before)) -lt 60 ]
}

@test "escape: use the host's kernel keyrings" {
	probe_all -- syscall_probe keyctl add_key request_key
	assert_output "$(printf 'keyctl: EPERM\nadd_key: EPERM\nrequest_key: EPERM')"
}

@test "escape: load a BPF program or open perf events" {
	probe_all -- syscall_probe bpf perf_event_open
	assert_output "$(printf 'bpf: EPERM\nperf_event_open: EPERM')"
}

@test "escape: open a host file by handle (open_by_handle_at, the 'shocker' exploit)" {
	probe_all -- syscall_probe open_by_handle_at name_to_handle_at
	assert_output "$(printf 'open_by_handle_at: EPERM\nname_to_handle_at: EPERM')"
}

@test "escape: the double-chroot breakout" {
	run kit -- chroot_escape "$MARKER"
	refute_output --partial escaped
	assert_output --partial contained
}

@test "escape: overwrite the runtime binary through /proc/PID/exe (CVE-2019-5736 class)" {
	local runtime sum
	runtime=$(readlink -f "$CONTAINER")
	sum=$(sha256sum <"$runtime")
	start_bg -- sh -c 'echo ready; sleep 1000'
	# Control: from the host the kit's process leads to its binary.
	run "$OPEN_ROOTFS/usr/local/bin/exe_probe" $(stat -c '%d %i' "$runtime")
	assert_line reachable
	# Inside: no process, no fd leads to it (PID 1 is already COMMAND).
	run kit -- sh -c "exe_probe $(stat -c '%d %i' "$runtime"); readlink /proc/1/exe"
	assert_line contained
	assert_line /bin/busybox
	kill -KILL "$BG_CHILD"
	wait_bg
	assert_equal "$(sha256sum <"$runtime")" "$sum"
}

@test "escape: open a raw socket with CAP_NET_RAW dropped" {
	probe_all -- syscall_probe socket_raw
	assert_output "socket_raw: OK"  # control: a default capability, as in Docker
	probe_all --cap-drop NET_RAW -- syscall_probe socket_raw
	assert_output "socket_raw: EPERM"
}

@test "escape: gain root through a setuid-root binary as --user 1000 (no_new_privs)" {
	run kit_open --user 1000:1000 -- suid_whoami
	assert_output "uid=1000 euid=1000 gid=1000 egid=1000 CapEff=0000000000000000"
	# Control: without no_new_privs the setuid bit makes it root.
	run kit_open --user 1000:1000 --security-opt no-new-privileges=false -- suid_whoami
	assert_output --partial "euid=0"
}

@test "escape: regain a dropped capability (capset, ambient raise)" {
	run kit -- cap_raise 21  # CAP_SYS_ADMIN
	assert_failure
	assert_line refused
	run kit_open --user 1000:1000 -- cap_raise 12  # CAP_NET_ADMIN
	assert_line refused
}

@test "escape: type commands into a terminal with TIOCSTI" {
	run kit -- tty_inject
	assert_output "blocked: EPERM"
	probe_all -- syscall_probe tiocsti tiocsti_high tioclinux
	assert_output "$(printf 'tiocsti: EPERM\ntiocsti_high: EPERM\ntioclinux: EPERM')"  # high: upper 32 bits set
	if [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ]; then
		run kit --security-opt seccomp=unconfined -- tty_inject
		assert_output injected  # control: the probe works
	fi
}

@test "escape: write a global kernel setting in /proc/sys" {
	local before
	before=$(cat /proc/sys/kernel/printk_ratelimit)
	run kit -- sh -c "echo $before >/proc/sys/kernel/printk_ratelimit"
	assert_failure
	assert_output --partial "Read-only file system"
	assert_equal "$(cat /proc/sys/kernel/printk_ratelimit)" "$before"
}

@test "escape: write the host's cgroup files, or mount cgroupfs for its release_agent" {
	local name=kit-escape-$$
	run kit -- sh -c "mkdir /sys/fs/cgroup/$name 2>&1; echo \$\$ 2>&1 >/sys/fs/cgroup/cgroup.procs;
		mkdir -p /tmp/kit-cg && mount -t cgroup -o rdma cgroup /tmp/kit-cg 2>&1;
		ls /tmp/kit-cg; rmdir /tmp/kit-cg"
	refute_output --partial release_agent
	assert_line --partial "$name"  # mkdir refused (read-only)
	run find /sys/fs/cgroup -maxdepth 2 -name "$name"
	assert_output ""
}

@test "escape: swap on or off (swapon, swapoff)" {
	probe_all -- syscall_probe swapon swapoff
	assert_output "$(printf 'swapon: EPERM\nswapoff: EPERM')"
}

@test "escape: switch on process accounting for the host (acct)" {
	probe_all -- syscall_probe acct
	assert_output "acct: EPERM"
}

@test "escape: userfaultfd, the kernel race winner" {
	probe_all -- syscall_probe userfaultfd
	assert_output "userfaultfd: EPERM"
}

@test "escape: io_uring, which seccomp cannot see into" {
	probe_all -- syscall_probe io_uring_setup
	assert_output "io_uring_setup: EPERM"
}

@test "escape: turn off ASLR with personality(ADDR_NO_RANDOMIZE)" {
	probe_all -- syscall_probe personality personality_bit28
	assert_output "$(printf 'personality: EPERM\npersonality_bit28: EPERM')"
}

@test "escape: the machine's I/O ports (iopl, ioperm)" {
	probe_all -- syscall_probe iopl ioperm
	assert_output "$(printf 'iopl: EPERM\nioperm: EPERM')"
}

@test "escape: read the host's kernel log (syslog, dmesg)" {
	run kit -- dmesg
	assert_failure
	probe_all -- syscall_probe syslog
	assert_output "syslog: EPERM"
}

@test "escape: talk to the hypervisor over vsock" {
	probe_all -- syscall_probe socket_vsock
	assert_output "socket_vsock: EPERM"
}

@test "escape: read the host's firmware tables in /sys/firmware" {
	run kit -- sh -c 'find /sys/firmware -type f | wc -l; touch /sys/firmware/kit 2>&1'
	assert_line --index 0 0
	assert_output --partial "Read-only file system"
}

@test "runtime: config.json's root.readonly, process.user and noNewPrivileges are honoured, exec keeps them" {
	local dir=$BATS_TEST_TMPDIR/bundle state=$BATS_TEST_TMPDIR/state
	mkdir -p "$dir"
	(cd "$dir" && "$CONTAINER" spec)
	jq --arg r "$OPEN_ROOTFS" '.root.path = $r | .root.readonly = true | .process.noNewPrivileges = true
		| .process.user = {"uid": 1000, "gid": 1000} | .process.args = ["sleep", "1000"]' \
		"$dir/config.json" >"$dir/c" && mv "$dir/c" "$dir/config.json"
	"$CONTAINER" --root "$state" create --bundle "$dir" sec1 </dev/null >/dev/null 2>&1 3>&-
	"$CONTAINER" --root "$state" start sec1
	run "$CONTAINER" --root "$state" exec sec1 sh -c 'id -u; grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; touch /x'
	"$CONTAINER" --root "$state" delete --force sec1
	assert_line --index 0 1000
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	assert_output --partial "Read-only file system"
	assert_nothing_left
}
