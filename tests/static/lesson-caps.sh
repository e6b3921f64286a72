#!/usr/bin/env bash
# lesson-caps.sh [TOP] - the lesson stays short enough to read in one sitting:
# each lesson file (a step Makefile's LESSON) at most FILE_CAP lines, and each
# step's lesson, its LESSON files together, at most STEP_CAP (issue 25). TOP:
# the kit (default: this one), for the test that proves a cap can fail
# (tests/static/caps.bats, which tests/run.sh runs in a whole make check).
#
# Prints a line per step: each lesson file's lines, the lesson's, and the
# support files' (SUPPORT), as the closing note of a lesson change reports
# them; then each file or step over its cap. Exits 1 if any is (2 if a
# Makefile cannot be read).
set -euo pipefail

top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
FILE_CAP=250
STEP_CAP=400

# make_var DIR NAME: the variable as the step's own Makefile sets it.
make_var() {
	make -s --no-print-directory -C "$1" --eval "kit-print-var: ; @echo \$($2)" kit-print-var
}

lines() { cat "$@" | wc -l; }

status=0 steps=0
for makefile in "$top"/step[0-9][0-9]_*/Makefile; do
	[ -f "$makefile" ] || continue
	dir=$(dirname "$makefile") step=$(basename "$(dirname "$makefile")")
	steps=$((steps + 1))
	lesson=$(make_var "$dir" LESSON) || { echo "lesson-caps: cannot read $step/Makefile" >&2; exit 2; }
	support=$(make_var "$dir" SUPPORT) || exit 2
	if [ -z "$lesson" ]; then
		echo "lesson-caps: $step/Makefile sets no LESSON"
		status=1
		continue
	fi
	total=0 counts='' over=''
	for f in $lesson; do
		if [ ! -f "$dir/$f" ]; then
			over+="lesson-caps: $step/Makefile's LESSON names $f, which does not exist"$'\n'
			continue
		fi
		n=$(lines "$dir/$f")
		total=$((total + n)) counts+="$f $n, "
		[ "$n" -le "$FILE_CAP" ] || over+="lesson-caps: $step/$f has $n lines: a lesson file has at most $FILE_CAP"$'\n'
	done
	[ "$total" -le "$STEP_CAP" ] ||
		over+="lesson-caps: $step's lesson ($lesson) has $total lines: a step's lesson has at most $STEP_CAP"$'\n'
	printf '%-16s lesson %4d (%s) support %5s\n' "$step" "$total" "${counts%, }" \
		"$( [ -z "$support" ] && echo 0 || (cd "$dir" && lines $support))"
	if [ -n "$over" ]; then
		printf '%s' "$over"
		status=1
	fi
done
[ "$steps" -gt 0 ] || { echo "lesson-caps: no step in $top" >&2; exit 2; }
exit "$status"
