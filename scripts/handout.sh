#!/usr/bin/env bash
# handout.sh [--from NN] DEST - writes the student edition of the kit into
# DEST (make handout DEST=DIR FROM=NN): a kit of its own that holds no answer.
#
#   stepNN_* before FROM    whole, as the kit has them (given, not graded work)
#   stepNN_* from FROM on   skeletons (scripts/exercise.sh --handout FROM): the
#                           lesson of every step from FROM up to that one is
#                           TODOs, so no step carries an earlier step's answer
#   exNN_*                  the practice exercises' starters (scripts/practice/)
#   tests/                  what make check and make grade need: helpers.bash,
#                           run.sh, the probes, the exercises' requirement map;
#                           not tests/grading/exercises/ (their answers), not
#                           the mutations or fuzz harnesses (they hold or
#                           build the lessons), not the skeleton restorer
#   scripts/                deps, the image, the grader (grade.sh,
#                           grade-practice.sh): what the instructor runs
#   Makefile, README.md, .gitignore, .github/workflows/classroom.yml
#                           from scripts/handout/
# A hand-in made from it (make handin there, or the student's repository)
# is graded by the full kit's `make grade CLASS=DIR` as any other.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
from=01
if [ "${1:-}" = --from ]; then from=${2:?--from needs a step number}; shift 2; fi
dest=${1:?usage: handout.sh [--from NN] DEST}
[[ $from =~ ^0?[1-9]$ ]] || { echo "handout.sh: FROM=$from: not a step 01-09" >&2; exit 2; }
from=$(printf %02d "$((10#$from))")
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
	echo "handout.sh: $dest exists and is not empty: will not overwrite it" >&2
	exit 2
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
case "$dest/" in "$top"/*) echo "handout.sh: $dest is inside the kit" >&2; exit 2 ;; esac

# copy SRC DEST-DIR: a tree, without what make builds in it.
copy() {
	tar -C "$(dirname "$1")" -c --exclude=container --exclude=.build-flags --exclude=default_filter.h \
		--exclude=filter-gen --exclude=bin "$(basename "$1")" | tar -C "$2" -x
}

# The skeletons in parallel (each builds once, to prove it does).
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for dir in "$top"/step[0-9][0-9]_*/; do
	dir=${dir%/} nn=$(basename "$dir" | sed 's/^step\([0-9]*\)_.*/\1/')
	if [ "$nn" -lt "$from" ]; then
		copy "$dir" "$dest"
	else
		"$top/scripts/exercise.sh" --handout "$from" "$nn" "$dest" >"$logs/$nn" 2>&1 || touch "$logs/$nn.failed" &
	fi
done
wait
for failed in "$logs"/*.failed; do
	[ -e "$failed" ] || continue
	cat "${failed%.failed}" >&2
	echo "handout.sh: step $(basename "${failed%.failed}")'s skeleton was not written (above)" >&2
	exit 1
done
for ex in "$top"/scripts/practice/ex[0-9][0-9]_*/; do copy "${ex%/}" "$dest"; done

mkdir -p "$dest/tests/grading" "$dest/scripts" "$dest/.github/workflows"
cp "$top/tests/helpers.bash" "$top/tests/run.sh" "$dest/tests/"
for d in tools sanitize soak; do copy "$top/tests/$d" "$dest/tests"; done
cp "$top/tests/grading/exercises.tsv" "$dest/tests/grading/"
cp "$top"/scripts/{deps.sh,packages.txt,make-rootfs.sh,grade.sh,grade-practice.sh,diff.sh} "$dest/scripts/"
cp "$top/scripts/handout/Makefile" "$dest/Makefile"

# The workflow: one command-grader test per graded step and exercise.
graders='' results='' runners=''
grader() {  # grader ID NAME COMMAND
	graders+="      - name: $2
        id: $1
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: $2
          command: $3
          timeout: 30
          max-score: 10
"
	results+="          ${1^^}_RESULTS: \"\${{ steps.$1.outputs.result }}\"
"
	runners+=${runners:+,}$1
}
for dir in "$top"/step[0-9][0-9]_*/; do
	name=$(basename "$dir") nn=${name:4:2}
	[ "$nn" -ge "$from" ] && grader "step$nn" "$name" "sudo scripts/grade.sh --check --step $nn --out build/grade/step$nn"
done
for ex in "$top"/scripts/practice/ex[0-9][0-9]_*/; do
	name=$(basename "$ex") n=$((10#${name:2:2}))
	grader "ex${name:2:2}" "$name" "sudo scripts/grade-practice.sh --check --out build/grade/$name $n $name"
done
awk -v g="$graders" -v r="$results" -v n="$runners" '
	$0 == "@GRADERS@" { printf "%s", g; next }
	$0 == "@RESULTS@" { printf "%s", r; next }
	{ sub(/@RUNNERS@/, n); print }' "$top/scripts/handout/classroom.yml" >"$dest/.github/workflows/classroom.yml"
cp "$top/.gitignore" "$dest/.gitignore"
sed -e "s/@FROM@/$from/g" "$top/scripts/handout/README.md" >"$dest/README.md"
{
	echo
	echo "## The steps"
	echo
	for dir in "$dest"/step[0-9][0-9]_*/; do
		name=$(basename "$dir") nn=${name:4:2}
		if [ "$nn" -lt "$from" ]; then echo "- \`$name\`: given whole"
		else echo "- \`$name\`: $(grep -ho '/\* TODO(step[0-9]*)' "$dir"*.c | wc -l) TODOs (its README lists them)"; fi
	done
} >>"$dest/README.md"
echo "handout: $dest (steps $from-09 as skeletons, the practice exercises as starters)"
