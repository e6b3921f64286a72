#!/usr/bin/env bash
# layout.sh [TOP] - the layout shows the lesson (issue 25): at the top of each
# step directory only its lesson and the earlier steps' (the Makefile's LAYERS,
# LESSON and RUNTIME files), container.c, kit.c, kit.h, the Makefile, the
# README, tests/ and support/ (everything else: support files, the layers'
# headers, what make generates), and the built ./container; no lesson file
# hides in support/; at most MAX_TOP entries at a step's top. TOP: the kit
# (default: this one), for the test that proves the check can fail
# (tests/static/layout.bats). Build output git ignores (.build-flags, a stale
# default_filter.h) is not counted. Exits 1 on a misplaced file (2 if a
# Makefile cannot be read).
set -euo pipefail

top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
MAX_TOP=25
ALWAYS=(container.c kit.c kit.h Makefile README.md tests support container)

status=0 steps=0
for makefile in "$top"/step[0-9][0-9]_*/Makefile; do
	[ -f "$makefile" ] || continue
	dir=$(dirname "$makefile") step=$(basename "$(dirname "$makefile")")
	steps=$((steps + 1))
	lesson=$(make -s --no-print-directory -C "$dir" \
		--eval 'kit-print-var: ; @echo $(LAYERS) $(LESSON) $(RUNTIME)' kit-print-var) ||
		{ echo "layout: cannot read $step/Makefile" >&2; exit 2; }
	allowed=" ${ALWAYS[*]} $lesson "
	n=0
	for path in "$dir"/*; do
		[ -e "$path" ] || continue
		name=${path##*/}
		# untracked build output (a stale default_filter.h of an older layout)
		if [ "$name" != container ] && git -C "$dir" check-ignore -q "$name" 2>/dev/null; then continue; fi
		n=$((n + 1))
		case $allowed in
		*" $name "*) ;;
		*) echo "layout: $step/$name belongs in $step/support/ (not a lesson file of this step or an earlier one)"; status=1 ;;
		esac
	done
	for f in $lesson; do
		[ ! -e "$dir/support/$f" ] || { echo "layout: $step/support/$f is a lesson file: it belongs at the top"; status=1; }
	done
	printf 'layout: %-16s %2d entries at the top%s\n' "$step" "$n" \
		"$( [ -d "$dir/support" ] && echo ", $(find "$dir/support" -maxdepth 1 -type f | wc -l) files in support/")"
	[ "$n" -le "$MAX_TOP" ] || { echo "layout: $step has $n entries at its top: at most $MAX_TOP"; status=1; }
done
[ "$steps" -gt 0 ] || { echo "layout: no step in $top" >&2; exit 2; }
exit "$status"
