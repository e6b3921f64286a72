#!/usr/bin/env bash
# exercise.sh STEP DEST - writes a learner's starting point for step STEP:
# DEST/stepNN_name, a copy of the kit's step directory (the whole program, so
# it builds and runs on its own, earlier layers complete) where the NEW layer's
# core is replaced by TODO comments with hints.
#
# How: the solution marks those parts itself, in the layer's own file,
#	/* exercise: HINT */  ...  /* end exercise */
# around a function's body, lines within one, or a line of the layer's
# struct (its clone flag). A HINT may go on over " * " lines: "N. " first
# orders the README's TODO list, a "check: REGEX" line names the tests that
# prove it (make test FILTER=...), a "stub: STATEMENT" line what the
# skeleton's function does until written (so earlier layers keep working).
# The skeleton holds the step's tests and tests/helpers.bash, a `make test`,
# and a README that starts with the TODOs, in order.
# Only the files that step NN adds are stripped (NEW_FILES below); the same
# markers stay as plain comments in every other copy, so `make diff` is clean.
# A stripped body becomes: the hint, (void) for each parameter, and a stub
# that does nothing (int: return 0; pointer: fail() and return NULL; or the
# hint's stub: line), traced
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

# Sources, Makefile and README (its tests: add_tests below), not the binary
# nor what make generates.
mkdir "$out"
(cd "$src" && find . -maxdepth 1 -type f ! -name container ! -name default_filter.h ! -name filter-gen \
	! -name .build-flags -print0 | xargs -0 cp -t "$out")
# step09's default seccomp filter is built by make from seccomp.c (speed):
# in the skeleton, seccomp.c is the learner's, so it is built at every start.
sed -i 's/^PRECOMPILED_FILTER ?= yes$/PRECOMPILED_FILTER ?= no  # make exercise: your seccomp.c builds it at every start/' "$out/Makefile"

# strip FILE LAYER: every marked region of FILE becomes its TODO.
strip_file() {
	awk -v step="$nn" -v layer="$2" -v file="$1" -v todos="$out/.todos" '
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
		# "stub: STATEMENT" in the hint: what the skeleton does until it is written.
		if (custom != "")
			return out indent "trace(\"" layer "\", " msg ");\n" indent custom
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
	function begin_region() {
		in_region = 1
		# The TODO list of the README: where, what, how to check it.
		printf "%s\t%s\t%s\t%s\n", file, todo_at, hint, check >> todos
		check = ""
		if (prev == "{") print stub()
		custom = ""
	}
	/^[A-Za-z_].*\(/ && !in_region && !in_hint { sig = $0; collecting = ($0 !~ /\)$/); prev = $0; print; next }
	collecting { sig = sig " " $0; collecting = ($0 !~ /\)$/); prev = $0; print; next }
	# A hint is one line, or a comment block of several (" * ..." lines).
	/^[ \t]*\/\* exercise: / && !in_region && !in_hint {
		marks++
		indent = $0; sub(/\/\*.*/, "", indent)
		hint = $0; sub(/^[ \t]*\/\* exercise: /, "", hint)
		todo_at = NR
		if (hint ~ /\*\/$/) {
			sub(/ *\*\/$/, "", hint)
			print indent "/* TODO(step" step "): " hint " */"
			begin_region()
		} else {
			print indent "/* TODO(step" step "): " hint
			in_hint = 1
		}
		next
	}
	in_hint {
		print
		line = $0; sub(/^[ \t]*\*\/? ?/, "", line); sub(/ *\*\/$/, "", line)
		if (line ~ /^check: /) check = check (check == "" ? "" : "; ") substr(line, 8)
		if (line ~ /^stub: /) custom = substr(line, 7)
		if ($0 ~ /\*\/$/) { in_hint = 0; begin_region() }
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

# The step's own tests and their helpers, so the skeleton runs them alone:
# `make test` (appended to its Makefile) takes the image and the probes from
# this kit (KIT_TOP), and the program from the skeleton.
add_tests() {
	cp -r "$src/tests" "$out/tests"
	cp "$top/tests/helpers.bash" "$out/tests/helpers.bash"
	sed -i 's|^load \.\./\.\./tests/helpers.*|load helpers|' "$out"/tests/*.bats
	{
		echo
		echo "# Written by make exercise: this step's tests against your ./container, as"
		echo "# root (FILTER=REGEX: only the tests whose names match); the image and the"
		echo "# test probes come from the kit at KIT."
		echo "KIT ?= $top"
		echo "test: container"
		printf '\t%s\n' "KIT_TOP=\$(KIT) bats \$(if \$(FILTER),--filter \"\$\$FILTER\") tests"
		echo ".PHONY: test"
	} >>"$out/Makefile"
}

# README.md: the TODOs in order, where each is, its chapter section and how
# to check it; then the step's own README.
write_readme() {
	local f line hint check order
	{
		echo "# $name: your exercise"
		echo
		echo "Fill in these TODOs, in this order, then run \`make test\` here (as root)."
		echo "Each one's check runs just the tests that prove it: \`make test FILTER='...'\`."
		echo "Each TODO's comment in the code holds the whole hint."
		echo
		for f in ${NEW_FILES[$nn]}; do
			echo "- \`$f\`, chapter $(sed -n 's/^ \* Chapter: *//p' "$out/$f" | head -n1)"
		done
		echo
		# A hint that starts with "N." is the Nth to do; the others follow.
		for f in ${NEW_FILES[$nn]}; do
			while IFS=: read -r line hint; do
				hint=${hint#*"TODO(step$nn): "}
				hint=${hint%" */"}
				check=$(awk -F'\t' -v f="$f" -v h="$hint" '$1 == f && $3 == h { print $4; exit }' "$out/.todos")
				order=$(sed -n 's/^\([0-9][0-9]*\)\. .*/\1/p' <<<"$hint")
				printf '%s\t%s\t%s\t%s\n' "${order:-99}" "$f:$line" "${hint#[0-9]*. }" "$check"
			done < <(grep -n "/\* TODO(step$nn): " "$out/$f")
		done | sort -t$'\t' -k1,1n -s | while IFS=$'\t' read -r order line hint check; do
			echo "1. \`$line\`: $hint"
			echo "   check: \`make test${check:+ FILTER='$check'}\`"
		done
		echo
		echo "When every test passes, grade it from the kit: \`make check SOLUTION=DIR STEP=$nn\`"
		echo "(DIR: the directory that holds this one)."
		echo
		echo "---"
		echo
		cat "$src/README.md"
	} >"$out/README.md.new"
	mv "$out/README.md.new" "$out/README.md"
	rm -f "$out/.todos"
}

# Build; drop what the stubs orphaned, until it builds (a few rounds at most).
for _ in 1 2 3 4 5 6; do
	if log=$(LC_ALL=C make -s -C "$out" 2>&1); then
		make -s -C "$out" clean
		add_tests
		write_readme
		echo "exercise: $out (TODO markers in: ${NEW_FILES[$nn]}); it builds."
		echo "Fill in the TODOs (README.md lists them), test with: make -C $out test"
		echo "and grade it from the kit: make check SOLUTION=$dest STEP=$nn"
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
