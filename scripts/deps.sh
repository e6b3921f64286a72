#!/usr/bin/env bash
# deps.sh [--vm] [--for NAME]... - installs the Debian packages the kit needs
# that are missing: scripts/packages.txt, plus tests/NAME/packages.txt for each
# --for NAME (--vm is --for vm): the VM run, the benchmark, the fuzzers...
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
for list in "${lists[@]}"; do
	[ -r "$list" ] || { echo "deps: no package list $list" >&2; exit 2; }
done

wanted=$(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for pkg in $wanted; do
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
echo "deps: installing ${missing[*]}"
# An empty package cache (a fresh machine) needs one update first.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
