#!/usr/bin/env bash
# deps.sh [--vm] [--for NAME]... - installs the Debian packages the kit needs
# that are missing: scripts/packages.txt, plus tests/NAME/packages.txt for each
# --for NAME (--vm is --for vm): the VM run, the benchmark, the fuzzers...
#
# A list names one package a line: NAME is required; "NAME  optional: COST"
# may be missing from a distribution's archive (Ubuntu 22.04 has no
# libsubid-dev), COST saying what the kit then lacks. Each missing package is
# looked up first (apt-cache policy: has it a candidate version?), so that one
# unknown name does not fail the whole install: what the archive has is
# installed; an optional package it lacks is skipped, with its cost; a required
# one fails the run, by name, after the others are installed. An empty package
# cache (a fresh machine) gets one apt-get update first.
# On a system without apt-get, prints the list and what to do instead.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
lists=("$top/scripts/packages.txt")
while [ $# -gt 0 ]; do
	case "$1" in
	--vm) lists+=("$top/tests/vm/packages.txt") ;;
	--for) lists+=("$top/tests/${2:?--for needs a name under tests/}/packages.txt"); shift ;;
	*) echo "usage: deps.sh [--vm] [--for NAME]..." >&2; exit 2 ;;
	esac
	shift
done

# Every package once, in the lists' order; required in one list is required.
wanted=()
declare -A listed=() required=() cost=() where=()
for list in "${lists[@]}"; do
	[ -r "$list" ] || { echo "deps: no package list $list" >&2; exit 2; }
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		read -r name rest <<<"$line" || true
		[ -n "${name:-}" ] || continue
		case $rest in
		'') required[$name]=1 ;;
		optional:?*) cost[$name]=$(sed 's/^optional: *//' <<<"$rest") ;;
		*) echo "deps: ${list#"$top/"}:$n: expected NAME, or NAME  optional: WHAT ITS ABSENCE COSTS" >&2
		   exit 2 ;;
		esac
		[ -n "${listed[$name]:-}" ] && continue
		listed[$name]=1 where[$name]=${list#"$top/"}
		wanted+=("$name")
	done <"$list"
done

missing=()
for pkg in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
	echo "deps: not a Debian/Ubuntu system; install the equivalents of:" >&2
	echo "  ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages; run as root: apt-get install ${missing[*]}" >&2
	exit 1
fi

# A package file apt-cache reads ("500 http://... amd64 Packages"): without one,
# the cache knows only what is installed, and every name would look unknown.
updated=false
if ! apt-cache policy 2>/dev/null | grep -q ' Packages$'; then
	echo "deps: the package cache is empty: apt-get update"
	apt-get update -qq
	updated=true
fi

install=() absent=()
for pkg in "${missing[@]}"; do
	candidate=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
		install+=("$pkg")
	elif [ -n "${required[$pkg]:-}" ]; then
		absent+=("$pkg")
	else
		echo "deps: skipped $pkg: not in this distribution's archive; ${cost[$pkg]}" >&2
	fi
done

if [ "${#install[@]}" -gt 0 ]; then
	echo "deps: installing ${install[*]}"
	# Package lists older than the archive ask for files it no longer has: one update, once more.
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${install[@]}" \
		>/dev/null 2>&1; then
		$updated || apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${install[@]}"
	fi
fi

for pkg in "${absent[@]}"; do
	echo "deps: $pkg: not in this distribution's archive, and the kit cannot do without it (${where[$pkg]} lists it as required)" >&2
done
[ "${#absent[@]}" -eq 0 ]
