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
# The skeleton holds the step's tests and tests/helpers.bash, a `make test`
# and a `make rootfs` that reach the kit through KIT (no path of this machine
# is written), and a README that starts with the TODOs, numbered, each whole,
# then the step's README with its commands turned to run from the skeleton.
# Only the files that step NN adds are stripped (NEW_FILES below); the same
# markers stay as plain comments in every other copy, so `make diff` is clean.
# A stripped body becomes: the hint, (void) for each parameter, and a stub
# that does nothing (int: return 0; pointer: fail() and return NULL; or the
# hint's stub: line), traced
# with -v as "TODO(stepNN)". Static helpers only the removed code used would
# stop the -Werror build ("defined but not used"); they are removed too, so
# the skeleton never shows a solution's helper. The skeleton is then built
# once, to prove it builds, and cleaned. Nothing here is hand-maintained.
#
# --handout FROM (scripts/handout.sh, make handout): step NN as the student
# edition holds it, inside a copy of the kit: the lesson files of steps FROM
# to NN are all stripped (step NN+1 carries step NN's lesson, which would
# be its answer), each TODO tagged with the step that teaches it; the
# step's tests stay where the kit has them (the edition is a kit: `make
# check STEP=NN` runs them), no KIT, and the README lists the TODOs of
# every stripped file.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
handout=''
if [ "${1:-}" = --handout ]; then
	handout=$(printf %02d "$((10#${2:?--handout needs the first step to strip}))")
	shift 2
fi
step=${1:?usage: exercise.sh [--handout FROM] STEP DEST}
dest=${2:?usage: exercise.sh [--handout FROM] STEP DEST}
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
# What is stripped: "FILE STEP" per lesson file; one step's, or, in a
# handout, every lesson from FROM to NN this step carries.
strip_list=()
for ((s = 10#${handout:-$nn}; s <= 10#$nn; s++)); do
	for f in ${NEW_FILES[$(printf %02d "$s")]}; do
		[ -f "$src/$f" ] && strip_list+=("$f $(printf %02d "$s")")
	done
done
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
# support/ (files that are not the lesson), as it is, without make's output.
if [ -d "$src/support" ]; then
	mkdir "$out/support"
	(cd "$src/support" && find . -maxdepth 1 -type f ! -name default_filter.h -print0 | xargs -0 -r cp -t "$out/support")
fi
# step09's default seccomp filter is built by make from seccomp.c (speed):
# in the skeleton, seccomp.c is the learner's, so it is built at every start.
sed -i 's/^PRECOMPILED_FILTER ?= yes$/PRECOMPILED_FILTER ?= no  # make exercise: your seccomp.c builds it at every start/' "$out/Makefile"

# strip FILE LAYER STEP: every marked region of FILE becomes its TODO(stepSTEP).
strip_file() {
	awk -v step="$3" -v layer="$2" -v file="$1" -v todos="$out/.todos" '
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

for item in "${strip_list[@]}"; do
	f=${item% *}
	layer=$(grep -o -m1 -E '(sys|trace|fail)\("[a-z]+"' "$out/$f" | sed 's/.*("//; s/"//' || true)
	strip_file "$f" "${layer:-${f%.c}}" "${item#* }"
done

# The step's own tests and their helpers, so the skeleton runs them alone:
# `make test` (appended to its Makefile) takes the image and the probes from
# the kit (KIT), and the program from the skeleton. No path of this machine
# goes into the skeleton (it is moved, handed in, graded elsewhere): KIT comes
# from the command line or the environment, else from the ../rootfs link that
# `make rootfs` leaves (relative), where ./container looks for its image.
add_tests() {
	cp -r "$src/tests" "$out/tests"
	cp "$top/tests/helpers.bash" "$out/tests/helpers.bash"
	sed -i 's|^load \.\./\.\./tests/helpers.*|load helpers|' "$out"/tests/*.bats
	cat >>"$out/Makefile" <<'MAKEFILE'

# Written by make exercise. The kit that wrote this skeleton holds the image
# (rootfs/), the test probes and the earlier steps; KIT is its directory:
# `make rootfs KIT=DIR` (or `export KIT=DIR`) once, then the ../rootfs link
# that make rootfs leaves says where it is.
KIT ?= $(shell l=$$(readlink ../rootfs 2>/dev/null) && cd .. && cd "$${l%/rootfs}" 2>/dev/null && pwd)
kit_required = @test -n "$(KIT)" -a -f "$(KIT)/tests/helpers.bash" -a -f "$(KIT)/scripts/exercise.sh" || { \
	echo "make $@: $(if $(KIT),KIT=$(KIT) is not the container kit,KIT is not set): give the kit's directory (where make exercise ran): make $@ KIT=DIR, or export KIT=DIR" >&2; exit 2; }

# The kit's image and probes, built there if missing, linked as ../rootfs:
# where ./container looks for its image.
rootfs:
	$(kit_required)
	@$(MAKE) -s --no-print-directory -C "$(KIT)" test-tools
	@if [ -e ../rootfs ] && [ ! -L ../rootfs ]; then echo "../rootfs is not a link: left as it is"; \
	 else ln -sfn "$$(realpath -s --relative-to=.. "$(KIT)/rootfs")" ../rootfs && echo "../rootfs -> $(KIT)/rootfs"; fi

# This step's tests against your ./container, as root (FILTER=REGEX: only the
# tests whose names match).
test: container rootfs
	KIT_TOP="$(KIT)" bats $(if $(FILTER),--filter "$$FILTER") tests
.PHONY: test rootfs
MAKEFILE
}

# todos FILE [STEP]: each TODO(stepSTEP) comment of the stripped FILE, one
# line: its order (a hint's "N. "; 99 else), FILE:LINE, the whole hint (its
# lines joined by \x1e; not its check: and stub: lines), its checks.
todos() {
	awk -v file="$1" -v tag="TODO(step${2:-$nn}): " '
	function emit() {
		order = 99
		if (match(text, /^[0-9]+\. /)) { order = substr(text, 1, RLENGTH - 2) + 0; text = substr(text, RLENGTH + 1) }
		printf "%s\t%s:%s\t%s\t%s\n", order, file, at, text, check
		in_todo = 0
	}
	!in_todo && index($0, "/* " tag) {
		at = NR; check = ""; in_todo = 1
		text = substr($0, index($0, tag) + length(tag))
		if (sub(/ *\*\/$/, "", text)) emit()
		next
	}
	in_todo {
		done = sub(/ *\*\/$/, "")
		line = $0; sub(/^[ \t]*\*?[ \t]*/, "", line)
		if (line ~ /^check: /) check = check (check == "" ? "" : "; ") substr(line, 8)
		else if (line !~ /^stub: / && line != "") text = text "\x1e" line
		if (done) emit()
	}' "$out/$1"
}

# README.md: the TODOs in order, where each is, its chapter section and how
# to check it; how the skeleton reaches the kit (KIT); then the step's own
# README, its commands turned to run here: the kit's directory (`..` there)
# becomes "$KIT".
write_readme() {
	local f n=0 order at hint check previous='' shown=''
	{
		echo "# $name: your exercise"
		echo
		echo "Fill in these TODOs, in this order, then run \`sudo make test\` here."
		echo "Each one's check runs just the tests that prove it: \`sudo make test FILTER='...'\`."
		echo "Each TODO's comment in the code holds the same hint."
		echo
		for f in ${NEW_FILES[$nn]}; do
			echo "- \`$f\`, chapter $(sed -n 's/^ \* Chapter: *//p' "$out/$f" | head -n1)"
		done
		echo
		for f in ${NEW_FILES[$nn]}; do todos "$f"; done | sort -t$'\t' -k1,1n -s |
			while IFS=$'\t' read -r order at hint check; do
				# Parts of one TODO share its number: one item, a place each.
				if [ "$order" = 99 ] || [ "$order" != "${previous:-}" ]; then
					n=$((n + 1))
					echo "$n. \`$at\`: ${hint//$'\x1e'/$'\n'   }"
				else
					echo "   And \`$at\`: ${hint//$'\x1e'/$'\n'   }"
				fi
				# A check the part before in the same TODO gave is not repeated.
				if { [ -n "$check" ] || [ "$order" = 99 ]; } &&
					{ [ "$order" = 99 ] || [ "$order" != "${previous:-}" ] || [ "$check" != "$shown" ]; }; then
					echo "   check: \`sudo make test${check:+ FILTER='$check'}\`"
					shown=$check
				fi
				previous=$order
			done
		cat <<-EOF

		## Before you start: the kit

		This skeleton runs on the kit that wrote it: the kit's image (\`rootfs/\`),
		its test probes and its other steps. One variable names the kit's directory
		(where you ran \`make exercise\`), here and in every command below:

		\`\`\`sh
		export KIT=~/container-kit      # the kit's directory: yours may be elsewhere
		make rootfs                     # once: builds the kit's image if it has none, links it as ../rootfs
		\`\`\`

		A fresh clone of the kit has no image: \`make rootfs\` builds it there
		(\`make -C "\$KIT" test-tools\`: a busybox from Debian's busybox-static,
		\`make -C "\$KIT" deps\` installs it, and the probes the tests use), then
		links it as \`../rootfs\`, next to this directory, where \`./container\`
		looks for its image, as in the kit. Afterwards \`make test\` finds the kit
		through that link, also under sudo; if you move this directory, run
		\`make rootfs KIT=DIR\` again. Nothing here holds the path of the machine
		that wrote it.

		When every test passes, grade it from the kit: \`make -C "\$KIT" check SOLUTION=DIR STEP=$nn\`
		(DIR: the directory that holds this one).

		---

		EOF
		sed -E 's/-C \.\.([ `]|$)/-C "$KIT"\1/g; s#(^|[ `(=])\.\./#\1"$KIT"/#g' "$src/README.md"
	} >"$out/README.md.new"
	mv "$out/README.md.new" "$out/README.md"
	rm -f "$out/.todos"
}

# In a handout the step stays in its kit: its tests where the kit has them
# (they load ../../tests/helpers), `make test` here runs them.
handout_tests() {
	cp -r "$src/tests" "$out/tests"
	cat >>"$out/Makefile" <<'MAKEFILE'

# Written by make handout: this step's tests against your ./container, as
# root, with the image and probes of the kit this step is in (..);
# FILTER=REGEX: only the tests whose names match.
test: container
	@$(MAKE) -s --no-print-directory -C .. test-tools
	bats $(if $(FILTER),--filter "$$FILTER") tests
.PHONY: test
MAKEFILE
}

# The handout's README: this step's TODOs (the skeleton's list, with the
# step's `make test` here), the earlier layers it carries as TODOs too, how
# to check and hand in, then the step's own README, as it is (`..` is the
# student's kit).
write_handout_readme() {
	local item f s
	write_readme
	{
		sed -n '1,/^## Before you start: the kit$/p' "$out/README.md" | sed '$d'
		local earlier=()
		for item in "${strip_list[@]}"; do [ "${item#* }" = "$nn" ] || earlier+=("$item"); done
		if [ "${#earlier[@]}" -gt 0 ]; then
			echo "## The earlier layers, TODOs here too"
			echo
			echo "This step also carries the lessons of the steps before it, as skeletons, so"
			echo "that no step holds the answer of another. Fill their TODOs in as you did in"
			echo "their own step (\`diff -u ../stepNN_*/FILE FILE\` shows where yours differs):"
			echo
			for item in "${earlier[@]}"; do
				f=${item% *} s=${item#* }
				echo "- \`$f\`: $(grep -c "/\* TODO(step$s)" "$out/$f") TODO(step$s) comments, as in \`$(basename "$(ls -d "$top/step${s}_"*)")/$f\`"
			done
			echo
		fi
		cat <<-EOF
		## Checking and handing in

		From the kit's directory (\`..\`): \`sudo make check STEP=$nn\` runs this step's
		tests, \`sudo make grade STEP=$nn\` scores them as your instructor's grader does.
		The kit's README says how to hand in.

		---

		EOF
		cat "$src/README.md"
	} >"$out/README.md.new"
	mv "$out/README.md.new" "$out/README.md"
}

# Build; drop what the stubs orphaned, until it builds (a few rounds at most).
for _ in 1 2 3 4 5 6; do
	if log=$(LC_ALL=C make -s -C "$out" 2>&1); then
		make -s -C "$out" clean
		if [ -n "$handout" ]; then
			handout_tests
			write_handout_readme
			echo "handout: $out (TODOs in: ${strip_list[*]% *}); it builds."
			exit 0
		fi
		add_tests
		write_readme
		echo "exercise: $out (TODO markers in: ${NEW_FILES[$nn]}); it builds."
		echo "Fill in the TODOs (README.md lists them); set KIT once, in your shell: export KIT=$top"
		echo "then: cd $out && make rootfs && sudo make test"
		echo "and grade it from the kit: make -C \"\$KIT\" check SOLUTION=$dest STEP=$nn"
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
