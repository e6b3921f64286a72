#!/bin/busybox sh
# shellcheck shell=dash disable=SC1091 # busybox ash: has local
# guest-init.sh - PID 1 of the test VM that run-in-vm.sh boots.
#
# Runs in two stages, both by busybox sh:
#   stage1 (/init in the initramfs): load the modules, mount the host's /
#          (9p, read-only) under a tmpfs overlay, mount the API filesystems
#          and a pure cgroup v2 hierarchy into it, bind the copies of host
#          dirs (the repo) from a scratch ext4 disk, then switch_root.
#   stage2 (/run/vm/init stage2, after switch_root): report the kernel and
#          cgroup setup, run the command the host wrote to the run share
#          (VM_INTERACTIVE=1: a shell, on the console as its terminal),
#          report its exit status and power off.
# The host reads the status from the run share (file "status"), or, as a
# fallback, from the console line VM-EXIT-STATUS=N.  125 means this script
# itself failed.
#
# Settings come from /vm.conf, written into the initramfs by run-in-vm.sh.

BB=/bin/busybox

log() { echo "vm: $*"; }

# Something the command needs is missing: say so and end the VM now, rather
# than let the host wait for its timeout.
fail() {
	echo "vm: FATAL: $*"
	echo "VM-EXIT-STATUS=125"
	$BB sync
	$BB poweroff -f
}

# stage1 -----------------------------------------------------------------

early_mounts() {
	$BB mkdir -p /proc /sys /dev /newroot /mnt/lower /mnt/rw
	$BB mount -t proc proc /proc
	$BB mount -t sysfs sysfs /sys
	$BB mount -t devtmpfs devtmpfs /dev
	# The kernel found no /dev/console if we were built without root:
	# reopen our stdio on the serial console either way.
	exec </dev/console >/dev/console 2>&1
	# No CR before each LF: the host shows the console verbatim.
	$BB stty -onlcr 2>/dev/null || true
}

load_modules() {
	local m
	for m in $VM_MODULES; do
		$BB insmod "/lib/modules/$VM_KVER/$m" ||
			log "insmod $m failed"
	done
}

# The virtio device may show up a moment after its driver loads.
mount_9p() { # tag dir options
	local i=0
	until $BB mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$3" "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 20 ] || fail "cannot mount the 9p share '$1'"
		$BB sleep 0.1
	done
}

# The host's / read-only below, a tmpfs above: the guest may write anywhere,
# the host sees none of it.
mount_root_overlay() {
	mount_9p hostroot /mnt/lower "ro,cache=$VM_9P_CACHE"
	$BB mount -t tmpfs -o mode=755,size=80% tmpfs /mnt/rw
	$BB mkdir -p /mnt/rw/upper /mnt/rw/work
	$BB mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work \
		overlay /newroot || fail "cannot mount the overlay root"
}

# Run by a plain user, qemu reads the host's / with that user's rights: what
# only root may read there, the guest's root cannot read either.  useradd
# (the tests' rootless user) rewrites /etc/shadow and /etc/gshadow: made
# afresh, every password locked; /root, HOME, gets a tmpfs.
# shellcheck disable=SC2016 # awk programs
root_only_files() {
	local r=/newroot
	if ! $BB cat $r/etc/shadow >/dev/null 2>&1; then
		$BB rm -f $r/etc/shadow
		$BB awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' $r/etc/passwd >$r/etc/shadow
		$BB chmod 600 $r/etc/shadow
	fi
	if ! $BB cat $r/etc/gshadow >/dev/null 2>&1; then
		$BB rm -f $r/etc/gshadow
		$BB awk -F: '{ print $1 ":*::" $4 }' $r/etc/group >$r/etc/gshadow
		$BB chmod 600 $r/etc/gshadow
	fi
	$BB ls $r/root >/dev/null 2>&1 || $BB mount -t tmpfs -o mode=700 tmpfs $r/root
}

# The host dirs the guest needs writable on a real filesystem (ext4:
# overlay upperdirs, idmapped mounts) are copies on the scratch disk, one
# top dir each, bound in place.  Made by a plain user, the copy's files are
# that user's: they become root's, as in a checkout made by root (the kit's
# rootfs is root's, a container's files are).
copy_dirs() {
	local i=0 d disk=/newroot/run/vm/disk
	[ -n "$VM_COPY_DIRS" ] || return 0
	until [ -b /dev/vda ]; do
		i=$((i + 1))
		[ "$i" -lt 20 ] || fail "no scratch disk /dev/vda"
		$BB sleep 0.1
	done
	$BB mkdir -p $disk
	$BB mount -t ext4 /dev/vda $disk || fail "cannot mount the scratch disk"
	i=0
	for d in $VM_COPY_DIRS; do
		[ "$($BB stat -c %u "$disk/$i")" = 0 ] || $BB chown -Rh 0:0 "$disk/$i"
		$BB mkdir -p "/newroot$d"
		$BB mount --bind "$disk/$i" "/newroot$d"
		i=$((i + 1))
	done
}

# The API filesystems, as a systemd host on pure cgroup v2 has them.
mount_api() {
	local r=/newroot
	# The unpacked modules, so modprobe works for modules not loaded above.
	if [ -d "$r$VM_HOST_MODDIR" ]; then
		$BB mkdir -p "$r/lib/modules/$VM_KVER"
		$BB mount --bind "$r$VM_HOST_MODDIR" "$r/lib/modules/$VM_KVER"
	fi
	$BB mount -t proc proc $r/proc
	$BB mount -t sysfs sysfs $r/sys
	$BB mount -t devtmpfs devtmpfs $r/dev
	# What udev would add: bash's <(...) needs /dev/fd.
	$BB ln -s /proc/self/fd $r/dev/fd
	$BB ln -s /proc/self/fd/0 $r/dev/stdin
	$BB ln -s /proc/self/fd/1 $r/dev/stdout
	$BB ln -s /proc/self/fd/2 $r/dev/stderr
	$BB mkdir -p $r/dev/pts $r/dev/shm $r/dev/mqueue
	$BB mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts $r/dev/pts
	$BB mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
	$BB mount -t mqueue mqueue $r/dev/mqueue 2>/dev/null || true
	$BB mount -t tmpfs -o mode=755 tmpfs $r/run
	$BB mount -t tmpfs -o mode=1777 tmpfs $r/tmp
	# Only cgroup2: cgroup_no_v1=all on the command line keeps v1 away.
	$BB mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $r/sys/fs/cgroup ||
		fail "cannot mount cgroup2"
}

# What stage2 needs, on the new root: busybox, this script, the run share.
prepare_stage2() {
	local v=/newroot/run/vm
	$BB mkdir -p $v/host
	$BB cp $BB $v/busybox
	$BB ln -s busybox $v/modprobe
	$BB cp /init $v/init
	$BB cp /vm.conf $v/vm.conf
	mount_9p hostrun $v/host "rw,cache=none"
}

stage1() {
	early_mounts
	. /vm.conf
	load_modules
	$BB ip link set lo up
	$BB hostname vm
	mount_root_overlay
	root_only_files
	mount_api
	prepare_stage2
	copy_dirs
	exec $BB switch_root /newroot /run/vm/busybox sh /run/vm/init stage2
}

# stage2 -----------------------------------------------------------------

# Controllers for children of the root, as systemd would enable them.
enable_controllers() {
	local c
	for c in cpu memory io pids cpuset; do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
			log "cannot enable the $c controller"
	done
}

# busybox's stat has no name for cgroup2's magic number.
cgroup_fstype() {
	case $($BB stat -fc %t /sys/fs/cgroup) in
	63677270) echo cgroup2fs ;;
	27e0eb) echo "tmpfs (cgroup v1 or hybrid!)" ;;
	*) $BB stat -fc %T /sys/fs/cgroup ;;
	esac
}

report_setup() {
	local up
	up=$($BB cut -d' ' -f1 /proc/uptime)
	log "kernel $($BB uname -r), up in ${up}s"
	log "/sys/fs/cgroup: $(cgroup_fstype)," \
		"controllers: $($BB cat /sys/fs/cgroup/cgroup.controllers)"
}

stage2() {
	BB=/run/vm/busybox
	. /run/vm/vm.conf
	# Modules asked for later (a netfilter match, a filesystem) load on
	# demand from the bind-mounted tree, by busybox's modprobe.
	echo /run/vm/modprobe >/proc/sys/kernel/modprobe
	enable_controllers
	report_setup
	if [ "$VM_INTERACTIVE" = 1 ]; then
		# A session of its own, whose controlling terminal is the console
		# (cttyhack opens the serial line /dev/console stands for): job
		# control, and Ctrl-C reaches the shell's foreground job.
		$BB env -i $BB setsid $BB cttyhack /bin/bash /run/vm/host/cmd.sh
	else
		# Like a clean login: only what the host put in cmd.sh, no terminal input.
		$BB env -i /bin/bash /run/vm/host/cmd.sh </dev/null
	fi
	rc=$?
	echo "$rc" >/run/vm/host/status
	echo "VM-EXIT-STATUS=$rc"
	$BB sync
	$BB poweroff -f
}

case "${1:-stage1}" in
stage2) stage2 ;;
*) stage1 ;;
esac
