#!/usr/bin/env bats
# scripts/deps.sh (make deps) against stand-ins for apt-cache, apt-get and
# dpkg-query on PATH: an archive that lacks a package, as Ubuntu 22.04 lacks
# libsubid-dev, must not fail the install of the others. The stand-ins keep
# their state in files: the archive's names, what is installed, whether the
# package lists were fetched, and a log of every call.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
	KIT=$BATS_TEST_TMPDIR/kit
	STATE=$BATS_TEST_TMPDIR/state
	FAKE=$BATS_TEST_TMPDIR/bin
	mkdir -p "$KIT/scripts" "$STATE" "$FAKE"
	# deps.sh as it is, beside the kit's own lists (--for NAME reads tests/NAME/).
	cp "$KIT_TOP/scripts/deps.sh" "$KIT_TOP/scripts/packages.txt" "$KIT/scripts/"
	for list in "$KIT_TOP"/tests/*/packages.txt; do
		mkdir -p "$KIT/tests/$(basename "$(dirname "$list")")"
		cp "$list" "$KIT/tests/$(basename "$(dirname "$list")")/"
	done
	: >"$STATE/installed" && : >"$STATE/log"
	touch "$STATE/lists"  # the package lists were fetched (a machine in use)

	cat >"$FAKE/apt-cache" <<-STUB
	#!/bin/bash
	# apt-cache policy [PKG], as apt prints it: a candidate only for a name in the archive.
	echo "apt-cache \$*" >>"$STATE/log"
	[ "\$1" = policy ] || exit 100
	if [ \$# -eq 1 ]; then
		printf 'Package files:\n 100 /var/lib/dpkg/status\n     release a=now\n'
		[ ! -e "$STATE/lists" ] || echo " 500 http://archive.example/ubuntu jammy/main amd64 Packages"
	elif [ -e "$STATE/lists" ] && grep -qxF "\$2" "$STATE/archive"; then
		printf '%s:\n  Installed: (none)\n  Candidate: 1.0-1\n' "\$2"
	fi
	exit 0
	STUB
	cat >"$FAKE/apt-get" <<-STUB
	#!/bin/bash
	# apt-get update | install [OPTIONS] PKG...: one unknown name fails the whole install, as apt does.
	echo "apt-get \$*" >>"$STATE/log"
	case \$1 in
	update) touch "$STATE/lists" ;;
	install)
		shift
		pkgs=()
		for a in "\$@"; do case \$a in -*) ;; *) pkgs+=("\$a") ;; esac; done
		for p in "\${pkgs[@]}"; do
			[ -e "$STATE/lists" ] && grep -qxF "\$p" "$STATE/archive" ||
				{ echo "E: Unable to locate package \$p" >&2; exit 100; }
		done
		printf '%s\n' "\${pkgs[@]}" >>"$STATE/installed" ;;
	*) exit 100 ;;
	esac
	STUB
	cat >"$FAKE/dpkg-query" <<-STUB
	#!/bin/bash
	# dpkg-query -W -f='\${Status}' PKG
	pkg=\${!#}
	grep -qxF "\$pkg" "$STATE/installed" && { printf 'install ok installed'; exit 0; }
	echo "dpkg-query: no packages found matching \$pkg" >&2
	exit 1
	STUB
	chmod +x "$FAKE"/*
	PATH=$FAKE:$PATH
}

# Every package the lists name (the first word of each line that has one).
listed() { cat "$@" | sed 's/#.*//' | awk 'NF { print $1 }' | sort -u; }

# The archive: every listed package but those given.
archive_without() {
	listed "$KIT"/scripts/packages.txt "$KIT"/tests/*/packages.txt | grep -vxF -f <(printf '%s\n' "$@") >"$STATE/archive"
}

@test "deps: an optional package the archive lacks is skipped, with its cost; the rest installed in one apt-get" {
	archive_without libsubid-dev
	run "$KIT/scripts/deps.sh"
	assert_success
	assert_output --partial "deps: skipped libsubid-dev: not in this distribution's archive; without it a rootless run maps only your own id"
	assert_equal "$(grep -c '^apt-get install' "$STATE/log")" 1
	refute grep -q '^apt-get update' "$STATE/log"
	# Installed: every package of scripts/packages.txt but libsubid-dev.
	assert_equal "$(sort "$STATE/installed")" "$(listed "$KIT/scripts/packages.txt" | grep -vx libsubid-dev)"
	# A second run installs nothing more, and says again what is skipped.
	: >"$STATE/log"
	run "$KIT/scripts/deps.sh"
	assert_success
	assert_output "deps: skipped libsubid-dev: not in this distribution's archive; without it a rootless run maps only your own id (step05's README)"
	refute grep -q '^apt-get' "$STATE/log"
}

@test "deps: a required package the archive lacks fails deps by name, after the rest is installed" {
	archive_without libsubid-dev libmnl-dev
	run "$KIT/scripts/deps.sh"
	assert_failure 1
	assert_output --partial "deps: libmnl-dev: not in this distribution's archive, and the kit cannot do without it (scripts/packages.txt lists it as required)"
	assert_output --partial "deps: skipped libsubid-dev"
	grep -qx libnftables-dev "$STATE/installed" || fail "the packages the archive has were not installed"
	refute grep -qx libmnl-dev "$STATE/installed"
}

@test "deps: an empty package cache gets one apt-get update before the look-ups" {
	archive_without
	rm "$STATE/lists"
	run "$KIT/scripts/deps.sh"
	assert_success
	assert_equal "$(grep -c '^apt-get update' "$STATE/log")" 1
	# The update comes before the first look-up of a package.
	assert_equal "$(grep -m1 -n '^apt-get update' "$STATE/log" | cut -d: -f1)" \
		"$(( $(grep -m1 -n '^apt-cache policy .' "$STATE/log" | cut -d: -f1) - 1 ))"
	grep -qx libsubid-dev "$STATE/installed" || fail "libsubid-dev, in this archive, was not installed"
}

@test "deps: nothing missing, nothing asked of apt; --for adds a test's list" {
	archive_without
	listed "$KIT/scripts/packages.txt" >"$STATE/installed"
	run "$KIT/scripts/deps.sh"
	assert_success
	assert_output ""
	refute grep -q '^apt-get' "$STATE/log"
	run "$KIT/scripts/deps.sh" --for static
	assert_success
	assert_equal "$(grep '^apt-get install' "$STATE/log")" "apt-get install -y -qq --no-install-recommends cppcheck"
}

@test "deps: a line that is neither NAME nor NAME optional: COST fails with its file and line" {
	printf 'gcc\nlibfoo-dev some words\n' >"$KIT/tests/static/packages.txt"
	run "$KIT/scripts/deps.sh" --for static
	assert_failure 2
	assert_output --partial "deps: tests/static/packages.txt:2: expected NAME, or NAME  optional: WHAT ITS ABSENCE COSTS"
	printf 'libfoo-dev optional:\n' >"$KIT/tests/static/packages.txt"
	run "$KIT/scripts/deps.sh" --for static
	assert_failure 2
}
