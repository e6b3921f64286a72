#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup functions, called from traps
# run-in-vm.sh - run COMMAND in a throwaway qemu VM whose kernel (Debian's
# stock amd64 one) has a pure cgroup v2 hierarchy, and exit with its status.
#
#   tests/vm/run-in-vm.sh make -C /work/main check STEP=06
#   tests/vm/run-in-vm.sh --shell                  # a root shell there (make vm)
#   tests/vm/run-in-vm.sh --nested-cgroup COMMAND  # as in a container (below)
#
# The guest sees the host's / read-only under a tmpfs overlay, and the repo
# as a copy on a scratch ext4 disk: it may write anywhere, the host keeps
# none of it.  The command runs in the same directory, as root, with PATH,
# TERM=dumb and HOME=/root.  Why a VM: the host is hybrid cgroup v1/v2, and
# the kit's cgroup steps must also be tried on a pure v2 system; and a
# learner without root gets a machine of their own.  See README.md.
#
# Runs as root or as a plain user (qemu needs no privilege; the copy's files
# become root's in the guest).
#
# Options:
#   --shell          no COMMAND: an interactive root shell on the terminal
#                    (Ctrl-C reaches the guest; exit powers off; Ctrl-A x
#                    kills the VM); no timeout unless VM_TIMEOUT is set
#   --nested-cgroup  COMMAND runs as in a container with a private cgroup
#                    namespace, after its entrypoint's cgroup setup
#                    (nested-cgroup.sh); also VM_NESTED_CGROUP=1
#
# Environment:
#   VM_CACHE       kernel cache (default: <repo>/build/vm)
#   VM_TIMEOUT     seconds before the VM is killed, exit 124 (default 900;
#                  --shell: none)
#   VM_ACCEL       auto (default): KVM if /dev/kvm opens read-write and a KVM
#                  guest boots (probed once per host boot, result cached),
#                  else tcg; or tcg, or kvm
#   VM_MEM, VM_SMP guest memory and CPUs (default 2G, 2)
#   VM_KERNEL_PKG  Debian kernel package (default: what linux-image-amd64
#                  depends on, or the one already in the cache)
#   VM_PASS_ENV    host variables passed on when set (default: CI LANG LC_ALL)
#   VM_COPY_DIRS   dirs the guest gets as a writable copy on a scratch ext4
#                  disk (default: the repo, less the cache); the rest of /
#                  is the overlay
#   VM_DISK_SIZE   size of that sparse disk (default 4G)
#   VM_ASLR=1      keep address space randomisation (off by default: speed)
#   VM_APPEND      more kernel command line parameters
#   VM_9P_CACHE    9p cache mode of the host's / (default loose: it is
#                  read-only in the guest, and caching makes it much faster)
#   VM_HOST_ROOT   what the guest sees of the host: / (default), or system:
#                  only /usr, /etc (less what only root may read) and the
#                  kernel's modules, put together in a private mount
#                  namespace (run under unshare -m): no home, no /work, no
#                  /tmp; the copies are the only other host files inside
#   VM_SEALED=1    for untrusted commands: the run share is read-only, no
#                  console.log (the status comes from the console line),
#                  so the guest can write nothing on the host but its disks
#   VM_RESULTS_DISK a raw file the guest gets as /dev/vdb, for results
# Exit status: COMMAND's; 124 on timeout; 125 when the VM itself fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd -P)
VM_CACHE=${VM_CACHE:-$TOP/build/vm}
VM_TIMEOUT=${VM_TIMEOUT:-}
VM_ACCEL=${VM_ACCEL:-auto}
VM_NESTED_CGROUP=${VM_NESTED_CGROUP:-0}
INTERACTIVE=0
VM_MEM=${VM_MEM:-2G}
VM_SMP=${VM_SMP:-2}
VM_KERNEL_PKG=${VM_KERNEL_PKG:-}
VM_PASS_ENV=${VM_PASS_ENV:-CI LANG LC_ALL}
VM_9P_CACHE=${VM_9P_CACHE:-loose}
VM_KVM_PROBE_TIMEOUT=${VM_KVM_PROBE_TIMEOUT:-10}
VM_DISK_SIZE=${VM_DISK_SIZE:-4G}
VM_HOST_ROOT=${VM_HOST_ROOT:-/}
VM_SEALED=${VM_SEALED:-0}
VM_RESULTS_DISK=${VM_RESULTS_DISK:-}
BUSYBOX=/bin/busybox

# Loaded at boot, each after the modules it depends on (modules.dep).  The
# first line is what the guest needs to boot; the rest is what the kit's
# tests use: loop devices, veth, bridges, NAT by nftables or iptables-nft.
# Anything else loads on demand in the guest (busybox modprobe).
BOOT_MODULES="virtio_pci virtio_blk 9pnet_virtio 9p overlay crc32c_generic ext4"
TEST_MODULES="loop veth bridge tun squashfs
	nf_tables nft_chain_nat nft_nat nft_masq nft_ct nft_compat
	xt_MASQUERADE xt_conntrack xt_nat"

# loglevel=3: kernel errors (e.g. loop devices on tmpfs files) stay off the
# console, which is the command's output; panics and oopses still show.
# norandmaps: TCG keys the code it translated by virtual address; without
# ASLR each exec reuses it, which halves the cost of a bats test.
KERNEL_CMDLINE="console=ttyS0 quiet loglevel=3 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all panic=-1"
[ "${VM_ASLR:-0}" = 1 ] || KERNEL_CMDLINE+=" norandmaps"
KERNEL_CMDLINE+=${VM_APPEND:+ $VM_APPEND}

RUNDIR=""
VM_PID=""
TTY_SAVED=""

say() { echo "run-in-vm: $*" >&2; }
die() {
	say "error: $*"
	exit 125
}

usage() {
	echo "usage: $0 [--nested-cgroup] COMMAND [ARG]... | $0 --shell   (see the head of this script)" >&2
	exit 125
}

# --- the kernel ------------------------------------------------------------

# A plain user's PATH may lack the sbin directories: mkfs.ext4 is there, and
# so are the tools the guest's root needs (ip, losetup, useradd).
with_sbin() {
	local p=$PATH d
	for d in /usr/local/sbin /usr/sbin /sbin; do
		case :$p: in *:"$d":*) ;; *) p+=:$d ;; esac
	done
	echo "$p"
}
PATH=$(with_sbin)

check_tools() {
	local t
	command -v qemu-system-x86_64 >/dev/null ||
		die "qemu-system-x86_64 not found: apt-get install qemu-system-x86 (or: make deps)"
	[ -x "$BUSYBOX" ] || die "$BUSYBOX not found: apt-get install busybox-static"
	for t in apt-get apt-cache dpkg-deb flock timeout tar date awk mkfs.ext4; do
		command -v "$t" >/dev/null || die "$t not found (a Debian host is needed)"
	done
}

# The newest kernel already unpacked, so runs need no apt at all.
cached_kernel_pkg() {
	local d
	for d in "$VM_CACHE"/kernel/*/.complete; do
		if [ -e "$d" ]; then basename "$(dirname "$d")"; fi
	done | sort -V | tail -n 1
}

# What linux-image-amd64 points to; the newest versioned one otherwise.
# Not -cloud-: that flavour has no 9p.
apt_kernel_pkg() {
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: <\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}$/\1/p' | head -n 1) || true
	[ -n "$pkg" ] || pkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64$' 2>/dev/null |
		cut -d' ' -f1 | sort -V | tail -n 1) || true
	echo "$pkg"
}

# apt-get download (no install), dpkg-deb -x, and busybox depmod for the
# modules.dep that the package leaves to its postinst.
fetch_kernel() { # package
	local pkg=$1 tmp dir
	tmp=$(mktemp -d "$VM_CACHE/kernel/.fetch.XXXXXX")
	say "fetching $pkg into $VM_CACHE (once)"
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
		rm -rf "$tmp"
		die "cannot download the kernel package $pkg (try: apt-get update; or set VM_KERNEL_PKG)"
	fi
	dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { rm -rf "$tmp"; die "cannot unpack $pkg"; }
	rm -f "$tmp"/*.deb
	dir=$(modules_dir "$tmp/root") || { rm -rf "$tmp"; die "$pkg has no modules"; }
	"$BUSYBOX" depmod -b "$tmp/root" "$(basename "$dir")" ||
		{ rm -rf "$tmp"; die "depmod failed for $pkg"; }
	rm -rf "$VM_CACHE/kernel/$pkg"
	mv "$tmp/root" "$VM_CACHE/kernel/$pkg"
	rm -rf "$tmp"
	touch "$VM_CACHE/kernel/$pkg/.complete"
}

modules_dir() { # unpacked package root
	local d
	for d in "$1"/lib/modules/* "$1"/usr/lib/modules/*; do
		[ -d "$d/kernel" ] && { echo "$d"; return 0; }
	done
	return 1
}

# Sets KROOT (unpacked package), KVER, VMLINUZ, MODDIR.  Under a lock: two
# runs at once must not fetch into the same place.
setup_kernel() {
	local pkg lock
	mkdir -p "$VM_CACHE/kernel" || die "cannot create $VM_CACHE"
	exec {lock}>"$VM_CACHE/kernel/.lock"
	flock "$lock"
	pkg=${VM_KERNEL_PKG:-$(cached_kernel_pkg)}
	[ -n "$pkg" ] || pkg=$(apt_kernel_pkg)
	[ -n "$pkg" ] || die "no linux-image-*-amd64 package known to apt (run apt-get update)"
	[ -e "$VM_CACHE/kernel/$pkg/.complete" ] || fetch_kernel "$pkg"
	KROOT=$VM_CACHE/kernel/$pkg
	MODDIR=$(modules_dir "$KROOT") || die "no modules in $KROOT"
	KVER=$(basename "$MODDIR")
	VMLINUZ=$KROOT/boot/vmlinuz-$KVER
	[ -r "$VMLINUZ" ] || die "no kernel image $VMLINUZ"
	[ -e "$KROOT/boot/.vmlinux-tried" ] || extract_vmlinux
	exec {lock}>&-
	[ ! -s "$KROOT/boot/vmlinux-$KVER" ] || VMLINUZ=$KROOT/boot/vmlinux-$KVER
}

# Under TCG, the kernel's own xz decompression takes ~4 s of each boot.  A
# kernel with CONFIG_PVH boots as the plain ELF vmlinux instead: unpack it
# once from the bzImage's xz stream.  Without xz or PVH, keep the bzImage.
extract_vmlinux() {
	local boot=$KROOT/boot off
	touch "$boot/.vmlinux-tried"
	grep -q '^CONFIG_PVH=y' "$boot/config-$KVER" 2>/dev/null || return 0
	command -v xz >/dev/null || return 0
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 | cut -d: -f1) || true
	[ -n "$off" ] || return 0
	tail -c +"$((off + 1))" "$VMLINUZ" | xz -dc --single-stream >"$boot/vmlinux-$KVER.tmp" 2>/dev/null || true
	if [ "$(head -c 4 "$boot/vmlinux-$KVER.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		mv "$boot/vmlinux-$KVER.tmp" "$boot/vmlinux-$KVER"
	else
		rm -f "$boot/vmlinux-$KVER.tmp"
	fi
}

# --- the initramfs ---------------------------------------------------------

# Fills MODULES with the paths (relative to MODDIR) of the wanted modules,
# each after its dependencies.  Built-in or absent ones are skipped.
declare -A MOD_BY_NAME=() MOD_DEPS=() MOD_SEEN=()
MODULES=()

read_modules_dep() {
	local path deps name
	while IFS=: read -r path deps; do
		name=${path##*/}
		name=${name%%.ko*}
		MOD_BY_NAME[${name//-/_}]=$path
		MOD_DEPS[$path]=$deps
	done <"$MODDIR/modules.dep"
}

visit_module() { # path
	local dep
	[ -z "${MOD_SEEN[$1]:-}" ] || return 0
	MOD_SEEN[$1]=1
	for dep in ${MOD_DEPS[$1]}; do visit_module "$dep"; done
	MODULES+=("$1")
}

resolve_modules() {
	local name absent=()
	read_modules_dep
	for name in $BOOT_MODULES $TEST_MODULES; do
		if [ -n "${MOD_BY_NAME[$name]:-}" ]; then
			visit_module "${MOD_BY_NAME[$name]}"
		elif ! grep -q "/$name.ko" "$MODDIR/modules.builtin" 2>/dev/null; then
			absent+=("$name")
		fi
	done
	[ "${#absent[@]}" -eq 0 ] || say "note: $KVER has no module ${absent[*]}"
	for name in $BOOT_MODULES; do
		[ -n "${MOD_BY_NAME[$name]:-}" ] ||
			grep -q "/$name.ko" "$MODDIR/modules.builtin" ||
			die "$KVER lacks $name: it cannot boot this VM (a -cloud kernel?)"
	done
}

# Dirs the guest gets as a copy on a scratch ext4 disk rather than through
# the root overlay: the repo, since the kit's own overlays need an upperdir
# that is not overlayfs and its idmapped mounts a filesystem that has them
# (tmpfs has not, before 6.3); and the command's directory when it is under
# /tmp or /run, which the guest mounts afresh.
# Not when the directory is in one of those copies already: the rest of
# that /tmp dir may be what the guest must not see.
copy_dir_list() {
	local d list
	list=$(for d in ${VM_COPY_DIRS-$TOP}; do realpath -m "$d"; done)
	[ -z "$list" ] || echo "$list"
	case $PWD in "$TOP" | "$TOP"/*) return 0 ;; esac
	while read -r d; do
		[ -n "$d" ] || continue
		case $PWD/ in "$d"/*) return 0 ;; esac
	done <<<"$list"
	case $PWD in /tmp/?* | /run/?*) echo "$PWD" | cut -d/ -f1-3 ;; esac
}

# The scratch disk: a sparse ext4 image in the run dir, gone with it, made
# on the host from a snapshot of each dir (mkfs.ext4 -d; unpacking in the
# guest took seconds under TCG), less the kernel cache and this run's dir.
make_copies() {
	local d i=0 x excl stage=$RUNDIR/stage
	COPY_DIRS=""
	for d in $(copy_dir_list | awk '!seen[$0]++'); do
		[ -d "$d" ] || die "VM_COPY_DIRS: no directory $d"
		excl=()
		for x in "$(realpath -m "$VM_CACHE")" "$RUNDIR"; do
			case $x in "$d"/*) excl+=("--exclude=./${x#"$d"/}") ;; esac
		done
		mkdir -p "$stage/$i"
		tar -C "$d" "${excl[@]}" -cf - . | tar -C "$stage/$i" --numeric-owner -xpf - ||
			die "cannot copy $d for the guest"
		COPY_DIRS="$COPY_DIRS $d"
		i=$((i + 1))
	done
	mkdir -p "$stage"
	truncate -s "$VM_DISK_SIZE" "$RUNDIR/disk.img" || die "bad VM_DISK_SIZE '$VM_DISK_SIZE'"
	mkfs.ext4 -q -F -m 0 -E lazy_itable_init=1,lazy_journal_init=1,nodiscard \
		-d "$stage" "$RUNDIR/disk.img" || die "cannot make the scratch disk"
	rm -rf "$stage"
}

# VM_HOST_ROOT=system: the host's system files only, bound into the run
# dir in this process's own mount namespace (gone with it, never the host's):
# /usr and its merged-usr links, /etc less the files only root may read
# (/etc/shadow: passwords locked, as guest-init.sh makes it for a plain
# user), the kernel modules; empty dirs for the guest's own mounts.
make_host_root() {
	local root=$RUNDIR/hostroot d f
	HOST_ROOT=/ GUEST_MODDIR=$MODDIR
	case $VM_HOST_ROOT in
	/) return 0 ;;
	system) ;;
	*) die "VM_HOST_ROOT must be / or system, not '$VM_HOST_ROOT'" ;;
	esac
	[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
		die "VM_HOST_ROOT=system binds in a mount namespace of its own: run under unshare -m"
	mount --make-rprivate / || die "cannot make the mounts private"
	# A tmpfs of its own: one umount -R takes everything below with it.
	mkdir "$root" || die "cannot create $root"
	mount -t tmpfs -o size=1m,mode=755 tmpfs "$root" || die "cannot mount $root"
	for d in proc sys dev run tmp root home mnt var/tmp usr etc; do mkdir -p "$root/$d"; done
	for d in bin sbin lib lib32 lib64 libx32; do
		if [ -L "/$d" ]; then cp -P "/$d" "$root/$d"
		elif [ -d "/$d" ]; then mkdir "$root/$d" && bind_ro "/$d" "$root/$d"; fi
	done
	bind_ro /usr "$root/usr"
	bind_ro /etc "$root/etc"
	awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' /etc/passwd >"$RUNDIR/shadow"
	awk -F: '{ print $1 ":*::" $4 }' /etc/group >"$RUNDIR/gshadow"
	chmod 600 "$RUNDIR/shadow" "$RUNDIR/gshadow"
	while IFS= read -r -d '' f; do
		case $f in
		/etc/shadow | /etc/gshadow) bind_ro "$RUNDIR/${f#/etc/}" "$root$f" ;;
		*) if [ -d "$f" ]; then mount -t tmpfs -o ro,size=4k,mode=700 tmpfs "$root$f" || die "cannot hide $f"
		   else bind_ro /dev/null "$root$f"; fi ;;
		esac
	done < <(find /etc -xdev ! -perm -o=r \( -type f -o -type d \) -prune -print0)
	# Not at their host path (the kit's build/vm): no trace of the kit.
	GUEST_MODDIR=/mnt/kernel-modules
	mkdir -p "$root$GUEST_MODDIR"
	bind_ro "$MODDIR" "$root$GUEST_MODDIR"
	HOST_ROOT=$root
}

# A read-only bind: should anything here ever delete through it, it fails.
bind_ro() { # source target
	mount --bind "$1" "$2" || die "cannot bind $1 at $2"
	mount -o remount,bind,ro "$2" || die "cannot make $2 read-only"
}

# Before the run dir is removed: every bind under it unmounted, or the run
# dir stays (rm -rf through a bind of /usr would empty the host's).
unmount_host_root() {
	local root=$RUNDIR/hostroot
	[ -d "$root" ] || return 0
	umount -R "$root" 2>/dev/null || umount -Rl "$root" 2>/dev/null || true
	if awk -v r="$root" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		say "error: mounts remain under $root: $RUNDIR is left in place"
		return 1
	fi
}

write_vm_conf() { # file
	{
		printf 'VM_KVER=%s\n' "$KVER"
		printf 'VM_MODULES="%s"\n' "${MODULES[*]}"
		printf 'VM_HOST_MODDIR=%s\n' "$GUEST_MODDIR"
		printf 'VM_9P_CACHE=%s\n' "$VM_9P_CACHE"
		printf 'VM_COPY_DIRS="%s"\n' "$COPY_DIRS"
		printf 'VM_INTERACTIVE=%s\n' "$INTERACTIVE"
	} >"$1"
}

# busybox, the init script, the modules and vm.conf, as an uncompressed
# cpio: decompressing costs more than copying under TCG.
build_initramfs() { # output
	local root=$RUNDIR/initramfs m
	mkdir -p "$root/bin" "$root/dev" "$root/lib/modules/$KVER"
	cp "$BUSYBOX" "$root/bin/busybox"
	cp "$HERE/guest-init.sh" "$root/init"
	chmod 755 "$root/init"
	# Only root can; guest-init.sh reopens the console itself otherwise.
	mknod "$root/dev/console" c 5 1 2>/dev/null || true
	for m in "${MODULES[@]}"; do
		mkdir -p "$root/lib/modules/$KVER/${m%/*}"
		cp "$MODDIR/$m" "$root/lib/modules/$KVER/$m"
	done
	write_vm_conf "$root/vm.conf"
	(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$1"
}

# The command as the guest runs it: with bash, in the same directory, with
# a clean environment but for PATH and VM_PASS_ENV.  --shell: bash -i, with
# the terminal's type and size; --nested-cgroup: through nested-cgroup.sh.
write_cmd() { # file command...
	local out=$1 v term=dumb size
	shift
	if [ "$INTERACTIVE" = 1 ]; then
		term=${TERM:-dumb}
		size=$(stty size 2>/dev/null) || size=""
		set -- bash --norc -i
	fi
	[ "$VM_NESTED_CGROUP" != 1 ] || set -- "$HERE/nested-cgroup.sh" "$@"
	{
		printf 'export PATH=%q TERM=%q HOME=/root USER=root LOGNAME=root SHELL=/bin/bash\n' \
			"$PATH" "$term"
		for v in $VM_PASS_ENV; do
			[ -z "${!v+set}" ] || printf 'export %s=%q\n' "$v" "${!v}"
		done
		printf 'cd -- %q || exit 125\n' "$PWD"
		if [ "$INTERACTIVE" = 1 ]; then
			# The console is a serial line: it knows no size, and stage1
			# turned off its CR before LF.
			printf 'stty sane%s\n' "${size:+ rows ${size% *} cols ${size#* }}"
			printf 'export HISTFILE=/run/vm/bash_history PS1=%q\n' 'root@vm:\w# '
			printf 'echo "vm: a root shell; %s is a copy: changes are lost at power-off"\n' "$TOP"
		fi
		printf 'exec'
		printf ' %q' "$@"
		printf '\n'
	} >"$out"
}

# --- qemu ------------------------------------------------------------------

# KVM where it works: /dev/kvm must open read-write for this user, and a
# guest must boot: a nested KVM (these machines are VMs) may hang at boot,
# or qemu abort.  The boot is probed once per host boot, kernel and qemu,
# and the answer kept in the cache.  Sets ACCEL.
choose_accel() {
	local why
	case $VM_ACCEL in
	tcg) ACCEL=tcg ;;
	kvm)
		kvm_opens || die "VM_ACCEL=kvm but /dev/kvm does not open read-write for $(id -un)"
		ACCEL=kvm
		;;
	auto)
		if why=$(kvm_unusable); then
			say "no usable KVM ($why): emulating, about 10x slower"
			ACCEL=tcg
		else
			ACCEL=kvm
		fi
		;;
	esac
}

check_accel() {
	case $VM_ACCEL in
	auto | tcg | kvm) ;;
	*) die "VM_ACCEL must be auto, tcg or kvm, not '$VM_ACCEL'" ;;
	esac
}

kvm_opens() { (exec 3<>/dev/kvm) 2>/dev/null; }

# Prints why KVM cannot be used; fails (no output) when it can.
kvm_unusable() {
	local key result cache=$VM_CACHE/kvm-probe
	[ -e /dev/kvm ] || { echo "no /dev/kvm"; return 0; }
	kvm_opens || { echo "/dev/kvm does not open read-write for $(id -un)"; return 0; }
	key="$(cat /proc/sys/kernel/random/boot_id) $KVER $(qemu-system-x86_64 --version | head -n 1)"
	if [ -r "$cache" ] && [ "$(head -n 1 "$cache")" = "$key" ]; then
		result=$(sed -n 2p "$cache")
	else
		result=$(probe_kvm)
		printf '%s\n%s\n' "$key" "$result" >"$cache.$$" && mv "$cache.$$" "$cache"
	fi
	[ "$result" != ok ] || return 1
	echo "$result"
}

# Boots the kernel under KVM with an init that only says so and powers off:
# about 1 s where KVM works.  The cached answer is "ok" or why not.
probe_kvm() {
	local dir=$RUNDIR/kvm-probe
	mkdir -p "$dir/root/bin" "$dir/root/dev"
	cp "$BUSYBOX" "$dir/root/bin/busybox"
	printf '%s\n' '#!/bin/busybox sh' '/bin/busybox mount -t devtmpfs dev /dev' \
		'/bin/busybox echo KVM-PROBE-OK >/dev/ttyS0' '/bin/busybox poweroff -f' >"$dir/root/init"
	chmod 755 "$dir/root/init"
	(cd "$dir/root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$dir/initramfs"
	timeout --kill-after=2 "$VM_KVM_PROBE_TIMEOUT" \
		qemu-system-x86_64 -nodefaults -no-user-config -no-reboot \
		-accel kvm -cpu host -m 256M -display none -nic none \
		-serial "file:$dir/console" -kernel "$VMLINUZ" -initrd "$dir/initramfs" \
		-append "console=ttyS0 quiet panic=-1" </dev/null >"$dir/qemu.log" 2>&1 || true
	if grep -q KVM-PROBE-OK "$dir/console" 2>/dev/null; then
		echo ok
	elif [ -s "$dir/qemu.log" ] && ! grep -q 'terminating on signal' "$dir/qemu.log"; then
		echo "a KVM guest fails: $(head -n 1 "$dir/qemu.log")"
	else
		echo "a KVM guest did not boot within ${VM_KVM_PROBE_TIMEOUT}s"
	fi
	rm -rf "$dir"
}

accel_args() {
	case $ACCEL in
	tcg) echo "-accel tcg -cpu max" ;;
	kvm) echo "-accel kvm -cpu host" ;;
	esac
}

# qemu, under timeout(1), in the background: `wait` can be interrupted by a
# signal, a foreground command could not.  stdin is /dev/null so that qemu
# never puts a terminal in raw mode; the console goes to our stdout and,
# for the status fallback, to console.log.  --shell: stdin is the terminal,
# which qemu puts in raw mode (Ctrl-C goes to the guest), multiplexed with
# qemu's monitor (Ctrl-A c; Ctrl-A x quits); timeout --foreground keeps
# qemu in the terminal's foreground process group, or it could not read.
start_vm() { # initramfs
	local accel con=stdio,id=con,signal=off run_ro=""
	local -a tty=(--kill-after=10) mon=() results=()
	accel=$(accel_args)
	if [ "$VM_SEALED" = 1 ]; then
		run_ro=,readonly=on
	else
		con+=,logfile=$RUNDIR/console.log
	fi
	[ -z "$VM_RESULTS_DISK" ] || results=(-drive "file=$VM_RESULTS_DISK,format=raw,if=virtio,cache=writethrough")
	if [ "$INTERACTIVE" = 1 ]; then
		con+=,mux=on
		mon=(-mon "chardev=con,mode=readline")
		tty=(--foreground)
		exec {TTY_IN}<&0
	else
		exec {TTY_IN}</dev/null
	fi
	# shellcheck disable=SC2086 # accel is two options
	timeout "${tty[@]}" "$VM_TIMEOUT" \
		qemu-system-x86_64 -nodefaults -no-user-config -no-reboot \
		$accel -m "$VM_MEM" -smp "$VM_SMP" \
		-display none -nic none -pidfile "$RUNDIR/qemu.pid" \
		-chardev "$con" -serial chardev:con "${mon[@]}" \
		-drive "file=$RUNDIR/disk.img,format=raw,if=virtio,cache=unsafe" "${results[@]}" \
		-kernel "$VMLINUZ" -initrd "$1" -append "$KERNEL_CMDLINE" \
		-fsdev "local,id=hostroot,path=$HOST_ROOT,security_model=passthrough,readonly=on,multidevs=remap" \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev "local,id=hostrun,path=$RUNDIR/share,security_model=none$run_ro" \
		-device virtio-9p-pci,fsdev=hostrun,mount_tag=hostrun \
		<&"$TTY_IN" &
	VM_PID=$!
	exec {TTY_IN}<&-
}

# timeout(1) passes the TERM on to qemu; qemu's own pid is the backstop.
stop_vm() {
	local _
	[ -n "$VM_PID" ] || return 0
	kill -TERM "$VM_PID" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.5
	done
	[ ! -s "$RUNDIR/qemu.pid" ] || kill -KILL "$(cat "$RUNDIR/qemu.pid")" 2>/dev/null || true
	kill -KILL "$VM_PID" 2>/dev/null || true
	wait "$VM_PID" 2>/dev/null || true
	VM_PID=""
}

cleanup() {
	stop_vm
	# A qemu killed in raw mode leaves the terminal so.
	[ -z "$TTY_SAVED" ] || stty "$TTY_SAVED" 2>/dev/null || true
	[ -z "$RUNDIR" ] || ! unmount_host_root || rm -rf "$RUNDIR"
}

on_signal() {
	say "interrupted: stopping the VM"
	exit 130 # the EXIT trap stops it
}

# The status file from the run share; else the last console marker.
# VM_SEALED=1: neither; the caller reads the console line itself.
guest_status() {
	if [ -s "$RUNDIR/share/status" ]; then
		cat "$RUNDIR/share/status"
	elif [ -f "$RUNDIR/console.log" ]; then
		tr -d '\r' <"$RUNDIR/console.log" |
			sed -n 's/^VM-EXIT-STATUS=\([0-9][0-9]*\)$/\1/p' | tail -n 1
	fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

main() {
	local t0 rc=0 status
	while [ $# -gt 0 ]; do
		case $1 in
		--shell) INTERACTIVE=1 ;;
		--nested-cgroup) VM_NESTED_CGROUP=1 ;;
		--) shift; break ;;
		-*) usage ;;
		*) break ;;
		esac
		shift
	done
	if [ "$INTERACTIVE" = 1 ]; then
		[ $# -eq 0 ] || usage
		{ [ -t 0 ] && [ -t 1 ]; } || die "--shell needs a terminal"
		VM_TIMEOUT=${VM_TIMEOUT:-0} # timeout(1): 0 is none
	else
		[ $# -gt 0 ] || usage
		VM_TIMEOUT=${VM_TIMEOUT:-900}
	fi
	check_tools
	check_accel
	t0=$(now)
	setup_kernel
	resolve_modules
	RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX")
	trap cleanup EXIT
	trap on_signal INT TERM HUP
	trap 'exit 141' PIPE # our output is gone: no message, just clean up
	choose_accel
	mkdir "$RUNDIR/share"
	make_host_root
	make_copies
	build_initramfs "$RUNDIR/initramfs.cpio"
	write_cmd "$RUNDIR/share/cmd.sh" "$@"
	say "booting $KVER ($ACCEL, $VM_SMP CPUs, $VM_MEM, timeout" \
		"$([ "$VM_TIMEOUT" = 0 ] && echo none || echo "${VM_TIMEOUT}s")$([ "$VM_NESTED_CGROUP" != 1 ] ||
			echo ", command in a container's cgroup namespace"))"
	if [ "$INTERACTIVE" = 1 ]; then
		say "exit or Ctrl-D powers the VM off; Ctrl-A x kills it"
		TTY_SAVED=$(stty -g)
	fi
	start_vm "$RUNDIR/initramfs.cpio"
	wait "$VM_PID" || rc=$?
	VM_PID=""
	status=$(guest_status)
	if [ -n "$status" ]; then
		say "command exited $status; VM total $(elapsed "$t0")s"
		exit "$status"
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "error: timed out after ${VM_TIMEOUT}s (VM_TIMEOUT): VM killed"
		exit 124
	fi
	[ "$VM_SEALED" != 1 ] || die "the VM stopped (qemu status $rc); sealed: the command's status is the console's VM-EXIT-STATUS line"
	die "the VM stopped (qemu status $rc) without the command's status; see the console output above"
}

main "$@"
