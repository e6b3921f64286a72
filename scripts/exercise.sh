#!/usr/bin/env bash
# exercise.sh STEP DEST - writes a learner's starting point for step STEP:
# DEST/stepNN_name, a copy of the kit's step directory (the whole program, so
# it builds and runs on its own, earlier layers complete) where the NEW layer's
# core is replaced by TODO comments with hints.
#
# How: the solution marks those parts itself, in the layer's own file,
#	/* exercise: HINT */  ...  /* end exercise */
# around a function's body or a line of the layer's struct (a clone flag).
# Only the files that step NN adds are stripped (NEW_FILES below); the same
# markers stay as plain comments in every other copy, so `make diff` is clean.
# A stripped body becomes: the hint, (void) for each parameter, and a stub
# that does nothing (int: return 0; pointer: fail() and return NULL), traced
# with -v as "TODO(stepNN)". Static helpers only the removed code used would
# stop the -Werror build ("defined but not used"); they are removed too, so
# the skeleton never shows a solution's helper. The skeleton is then built
# once, to prove it builds, and cleaned. Nothing here is hand-maintained.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
step=${1:?usage: exercise.sh STEP DEST}
dest=${2:?usage: exercise.sh STEP DEST}
nn=$(printf %02d "$((10#$step))")

# The files each step adds: its lesson.
declare -A NEW_FILES=(
	[01]="uts.c" [02]="pid.c" [03]="mount.c" [04]="net.c" [05]="user.c"
	[06]="cgroup.c" [07]="overlay.c" [08]="ipc.c exec.c" [09]="security.c seccomp.c"
)
src=$(ls -d "$top"/step"$nn"_*/ 2>/dev/null | head -n1 || true)
[ -n "$src" ] && [ -n "${NEW_FILES[$nn]:-}" ] || { echo "exercise.sh: no step $nn" >&2; exit 2; }
src=${src%/}
name=$(basename "$src")
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
out=$dest/$name
if [ -e "$out" ]; then
	echo "exercise.sh: $out exists: will not overwrite a learner's work" >&2
	exit 2
fi

# Sources, Makefile and README: not the tests (grading uses the kit's own),
# not the binary.
mkdir "$out"
(cd "$src" && find . -maxdepth 1 -type f ! -name container -print0 | xargs -0 cp -t "$out")

# strip FILE LAYER: every marked region of FILE becomes its TODO.
strip_file() {
	awk -v step="$nn" -v layer="$2" -v file="$1" '
	function stub(   pre, args, n, i, p, a, out) {
		# The signature: "static TYPE NAME(PARAMS)", maybe over several lines.
		pre = sig; sub(/\(.*/, "", pre)
		args = sig; sub(/^[^(]*\(/, "", args); sub(/\)[^)]*$/, "", args)
		fname = pre; sub(/.*[ *]/, "", fname)
		type = pre; sub(/[A-Za-z_0-9]+$/, "", type); sub(/^static /, "", type); gsub(/ +$/, "", type)
		out = ""
		n = split(args, a, ",")
		for (i = 1; i <= n; i++) {
			p = a[i]; sub(/\[.*\]/, "", p); gsub(/[ \t]+$/, "", p)
			if (p == "void" || p == "") continue
			sub(/.*[ *]/, "", p)
			out = out indent "(void)" p ";\n"
		}
		msg = "\"TODO(step" step "): " fname "() is not written yet\""
		if (type == "int")
			return out indent "trace(\"" layer "\", " msg ");\n" indent "return 0;"
		if (type == "void")
			return out indent "trace(\"" layer "\", " msg ");"
		if (type ~ /\*$/)
			return out indent "fail(\"" layer "\", " msg ");\n" indent "return NULL;"
		printf "exercise.sh: %s: %s() returns %s: no stub for that type\n", file, fname, type > "/dev/stderr"
		bad = 1
		return ""
	}
	/^[A-Za-z_].*\(/ && !in_region { sig = $0; collecting = ($0 !~ /\)$/); prev = $0; print; next }
	collecting { sig = sig " " $0; collecting = ($0 !~ /\)$/); prev = $0; print; next }
	/^[ \t]*\/\* exercise: .*\*\/$/ && !in_region {
		in_region = 1; marks++
		indent = $0; sub(/\/\*.*/, "", indent)
		hint = $0; sub(/^[ \t]*\/\* exercise: /, "", hint); sub(/ \*\/$/, "", hint)
		print indent "/* TODO(step" step "): " hint " */"
		if (prev == "{") print stub()
		next
	}
	/^[ \t]*\/\* end exercise \*\/$/ && in_region { in_region = 0; next }
	in_region { next }
	{ prev = $0; print }
	END {
		if (in_region) { print "exercise.sh: " file ": a region is not closed" > "/dev/stderr"; exit 1 }
		if (!marks) { print "exercise.sh: " file ": no exercise markers" > "/dev/stderr"; exit 1 }
		if (bad) exit 1
	}' "$out/$1" >"$out/$1.new"
	mv "$out/$1.new" "$out/$1"
}

# drop_definition FILE LINE: removes the static function or variable
# defined at LINE, with the comment right above it.
drop_definition() {
	awk -v at="$2" '
	{ line[NR] = $0 }
	END {
		last = at
		if (line[at] !~ /;$/) while (last <= NR && line[last] != "}") last++
		first = at
		if (line[first - 1] ~ /^ ?\*\/$|^\/\*.*\*\/$/) {
			first--
			while (first > 1 && line[first] !~ /^\/\*/) first--
		}
		if (line[first - 1] == "" && line[last + 1] == "") last++
		for (i = 1; i <= NR; i++) if (i < first || i > last) print line[i]
	}' "$out/$1" >"$out/$1.new"
	mv "$out/$1.new" "$out/$1"
}

for f in ${NEW_FILES[$nn]}; do
	layer=$(grep -o -m1 -E '(sys|trace|fail)\("[a-z]+"' "$out/$f" | sed 's/.*("//; s/"//' || true)
	strip_file "$f" "${layer:-${f%.c}}"
done

# Build; drop what the stubs orphaned, until it builds (a few rounds at most).
for _ in 1 2 3 4 5 6; do
	if log=$(LC_ALL=C make -s -C "$out" 2>&1); then
		make -s -C "$out" clean
		echo "exercise: $out (TODO markers in: ${NEW_FILES[$nn]}); it builds."
		echo "Fill in the TODOs, then grade it from the kit: make check SOLUTION=$dest STEP=$nn"
		exit 0
	fi
	orphans=$(sed -n "s/^\([a-z_]*\.c\):\([0-9]*\):[0-9]*: error: '[A-Za-z_0-9]*' defined but not used.*/\1 \2/p" <<<"$log" |
		sort -k1,1 -k2,2nr)
	[ -n "$orphans" ] || break
	# Bottom up, so the line numbers above stay right.
	while read -r file line; do
		drop_definition "$file" "$line"
	done <<<"$orphans"
done
echo "$log" >&2
echo "exercise.sh: the skeleton of step $nn does not build (above)" >&2
exit 1
