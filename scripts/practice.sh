#!/usr/bin/env bash
# practice.sh N DEST - writes the starter of the chapter's practice exercise
# N (section 7) into DEST/exNN_name: its README (the task in the chapter's
# words, the interface each script offers, how it is graded) and the files
# to complete, with TODOs. The starters are in scripts/practice/; the
# reference solutions, which prove the grader, in tests/grading/exercises/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in 1 | 2 | 3 | 4 | 01 | 02 | 03 | 04) nn=0$((10#$1)) ;; *)
	echo "usage: practice.sh N(1-4) DEST" >&2; exit 2 ;;
esac
dest=${2:?usage: practice.sh N DEST}
src=$(ls -d "$top/scripts/practice/ex${nn}_"*/)
src=${src%/}
mkdir -p "$dest"
out=$(cd "$dest" && pwd)/$(basename "$src")
if [ -e "$out" ]; then
	echo "practice.sh: $out exists: will not overwrite a learner's work" >&2
	exit 2
fi
cp -r "$src" "$out"
echo "$out: exercise $((10#$nn)): read README.md, complete the TODOs, then: sudo make check EX=$((10#$nn)) SOLUTION=$out"
