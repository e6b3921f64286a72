#!/usr/bin/env bash
# make-rootfs.sh DIR [TARBALL] - builds the kit's container image, offline.
#
# Without TARBALL: a busybox userland from Debian's busybox-static (one static
# binary plus a link per applet), the few files in /etc programs look for, and
# the empty mount points the container mounts over (/proc /sys /dev /tmp).
# With TARBALL: unpacks it instead, e.g. the chapter's alpine-minirootfs
# (5.2 "Creating Container Manually", step 1).
set -euo pipefail

die() { echo "make-rootfs: $*" >&2; exit 1; }

dir=${1:?usage: make-rootfs.sh DIR [TARBALL]}
tarball=${2:-}

build_from_busybox() {
	local busybox=/bin/busybox
	[ -x "$busybox" ] && "$busybox" --list-full >/dev/null 2>&1 ||
		die "$busybox (Debian package busybox-static) is missing: run \`make deps\`"
	# A dynamic busybox would find no libc inside the container.
	! ldd "$busybox" >/dev/null 2>&1 ||
		die "$busybox is not the static build: install busybox-static"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,home,var/tmp,run}
	cp "$busybox" "$dir/bin/busybox"
	local applet
	# One symlink per applet, where busybox itself would install it.
	for applet in $("$busybox" --list-full); do
		[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$dir/$applet"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$dir/etc/hosts"
}

rm -rf "$dir.new"
mkdir -p "$dir.new"
if [ -n "$tarball" ]; then
	[ -f "$tarball" ] || die "$tarball: no such file"
	tar -xzf "$tarball" -C "$dir.new" || die "$tarball: cannot unpack"
else
	dir="$dir.new" build_from_busybox
fi
mkdir -p "$dir.new"/{proc,sys,dev,tmp}
chmod 1777 "$dir.new/tmp"
# Only root may enter: from step05 a container writes into it as host root.
chmod 0700 "$dir.new"
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "make-rootfs: $dir is ready ($(du -sh "$dir" | cut -f1))"
