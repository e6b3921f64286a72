#!/usr/bin/env bash
# plain-user.sh - proves `make vm` for a learner without root (CI runs it).
#
# As root: makes a throwaway user, kit-vm, and gives it a clean copy of the
# kit (this checkout's tracked files as they are now: no build products, no
# kernel cache); then, as that user, builds the kit (make) and runs
#   make vm CMD='step01_uts/container hostname'
# whose output must hold the line "container" (step01's default hostname),
# with exit status 0; then `make vm`, the interactive shell, on a terminal
# (script(1) makes one): a command there runs on the guest's serial line as
# its terminal, Ctrl-C interrupts a sleep (status 130), and `exit 3` powers
# the VM off with status 3.  The kernel is fetched into the copy's build/vm as
# that user (apt-get download, dpkg-deb -x), the scratch disk made by
# mkfs.ext4 -d as that user, qemu run as that user: KVM only if /dev/kvm
# opens for it, else TCG.  The user, its home (the copy) and whatever it left
# in /tmp are removed at the end, also on failure or interruption.  Prints
# the time each part took.
#
#   tests/vm/plain-user.sh        # as root, from anywhere in the checkout
#
# Exit status: 0 when it works; 1 when it does not; 2 on misuse.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd -P)
USER_NAME=kit-vm
MARK="throwaway user of the container kit (tests/vm/plain-user.sh)"
MADE_USER=0
CHILD=""

say() { echo "plain-user: $*" >&2; }
die() {
	say "error: $*"
	exit "${2:-1}"
}

[ "$(id -u)" -eq 0 ] || die "run as root: it makes and removes the user $USER_NAME" 2
for t in useradd userdel runuser git tar pgrep script mkfifo; do
	command -v "$t" >/dev/null || die "$t not found" 2
done

# The user's processes are this script's (it made the user): after a
# failure, any still running go before the user does.
remove_user() {
	local _ home
	# runuser passes a TERM on to the user's session.
	[ -z "$CHILD" ] || kill -TERM "$CHILD" 2>/dev/null || true
	[ "$MADE_USER" = 1 ] || return 0
	home=$(getent passwd "$USER_NAME" | cut -d: -f6)
	for _ in $(seq 20); do
		pgrep -u "$USER_NAME" >/dev/null || break
		[ "$_" -lt 10 ] || pkill -KILL -u "$USER_NAME" || true
		sleep 0.5
	done
	find /tmp /var/tmp -maxdepth 1 -user "$USER_NAME" -exec rm -rf {} + 2>/dev/null || true
	userdel --remove "$USER_NAME" 2>/dev/null || userdel "$USER_NAME" ||
		say "cannot remove the user $USER_NAME"
	[ -z "$home" ] || [ ! -d "$home" ] || rm -rf "$home"
	MADE_USER=0
}
trap remove_user EXIT
trap 'say "interrupted: removing the user"; exit 130' INT TERM HUP

# A user of this name from a run that was killed is ours to remove; any
# other is not.
if getent passwd "$USER_NAME" >/dev/null; then
	[ "$(getent passwd "$USER_NAME" | cut -d: -f5)" = "$MARK" ] ||
		die "a user $USER_NAME exists that this script did not make: remove it or rename" 2
	MADE_USER=1
	remove_user
fi

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
t_all=$(now)

useradd --create-home --comment "$MARK" --shell /bin/bash --user-group "$USER_NAME" ||
	die "cannot make the user $USER_NAME"
MADE_USER=1
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
chmod 700 "$home"
# In the background, waited for: a signal to this script is handled at once,
# not once the VM is done.
as_user() {
	runuser --login "$USER_NAME" --command "$*" <&0 &
	CHILD=$!
	wait "$CHILD"
}

t=$(now)
git -C "$TOP" ls-files -z | tar -C "$TOP" --null -T - -cf - |
	as_user "mkdir kit && tar -C kit -xf -" || die "cannot copy the checkout for $USER_NAME"
say "copy of the checkout in $home/kit: $(took "$t")"

t=$(now)
as_user "cd kit && make -s" </dev/null >"$home/build.log" 2>&1 || {
	tail -n 20 "$home/build.log" >&2
	die "make failed as $USER_NAME"
}
say "build as $USER_NAME: $(took "$t")"

t=$(now)
rc=0
as_user "cd kit && make vm CMD='step01_uts/container hostname'" </dev/null >"$home/vm.out" 2>"$home/vm.err" || rc=$?
say "make vm as $USER_NAME (kernel fetched, VM booted): $(took "$t")"
sed 's/^/  /' "$home/vm.err" >&2
sed 's/^/  | /' "$home/vm.out" >&2
[ "$rc" -eq 0 ] || die "make vm CMD=... exited $rc"
tr -d '\r' <"$home/vm.out" | grep -qx container ||
	die "the output has no line 'container'"
grep -q 'command exited 0' "$home/vm.err" || die "run-in-vm.sh did not say the command exited 0"
say "ok: make vm CMD='step01_uts/container hostname' printed 'container', exit 0"

# --- the interactive shell ---------------------------------------------------

# Keys are sent once the typescript shows what they wait for: under TCG on a
# busy host the prompt may take a while.
typescript=$home/typescript
wait_for() { # pattern count seconds
	local _
	for _ in $(seq $(($3 * 10))); do
		[ "$(tr -d '\r' <"$typescript" 2>/dev/null | grep -c -- "$1")" -lt "$2" ] || return 0
		kill -0 "$SHELL_PID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  | /' "$typescript" >&2
	die "make vm (the shell): no '$1' after $3 s"
}
t=$(now)
mkfifo "$home/keys"
script --quiet --flush --return --command \
	"runuser --login $USER_NAME --command 'cd kit && stty rows 30 cols 100 && make -s vm'" \
	"$typescript" <"$home/keys" >/dev/null 2>&1 &
SHELL_PID=$! CHILD=$!
exec {keys}>"$home/keys"
wait_for 'root@vm:' 1 240
# shellcheck disable=SC2016 # for the guest's shell
printf 'echo "on $(tty), $(stty size), sum=$((6 * 7))"\r' >&"$keys"
wait_for 'on /dev/ttyS0, 30 100, sum=42' 1 30
printf 'sleep 100\r' >&"$keys"
sleep 1
printf '\003' >&"$keys"
printf 'echo "after Ctrl-C: $?"\r' >&"$keys"
wait_for 'after Ctrl-C: 130' 1 30
printf 'exit 3\r' >&"$keys"
wait_for 'command exited 3' 1 60
rc=0
wait "$SHELL_PID" || rc=$?
exec {keys}>&-
say "make vm (the shell) as $USER_NAME: $(took "$t")"
# make's own status for a failed recipe is 2.
[ "$rc" -eq 2 ] || die "make vm (the shell) exited $rc, not make's 2 for the shell's exit 3"
say "ok: make vm gave a shell on a terminal; Ctrl-C reached it; its exit 3 came back"
say "all in $(took "$t_all")"
