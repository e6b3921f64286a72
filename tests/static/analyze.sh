#!/usr/bin/env bash
# analyze.sh [STEP...] - static analysis of the steps' C sources (make analyze).
#
# Two analyzers, over every step (or the given step numbers), file by file:
#  - cppcheck: its warning, style, performance and portability checks, with
#    its POSIX and GNU library models. Suppressed: cppcheck-suppressions.xml.
#  - gcc -fanalyzer: the compiler's path-sensitive analysis (leaks, NULL
#    dereferences, use after free, double close, uninitialized reads), with
#    the step's own flags and libraries. Suppressed: analyzer-suppressions.txt
#    (file, function, warning, reason).
# Every suppression gives its reason. Prints each finding left, one line per
# step and analyzer, and exits 1 if any is left (2 if it cannot run).
set -euo pipefail
export LC_ALL=C  # plain quotes in gcc's messages, which the filter matches

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
analyzer_supp=$here/analyzer-suppressions.txt

command -v cppcheck >/dev/null || {
	echo "analyze: cppcheck is missing: make deps installs it (tests/static/packages.txt)" >&2
	exit 2
}

steps=()
if [ $# -eq 0 ]; then
	for dir in "$top"/step[0-9][0-9]_*/; do steps+=("$(basename "$dir")"); done
else
	for n in "$@"; do
		dir=$(ls -d "$top/step$(printf %02d "$((10#$n))")"_* 2>/dev/null) ||
			{ echo "analyze: no step $n" >&2; exit 2; }
		steps+=("$(basename "$dir")")
	done
fi

# Each entry needs a reason: FILE FUNCTION -Wanalyzer-... and at least one word more.
if awk '!/^#/ && NF > 0 && (NF < 4 || $3 !~ /^-Wanalyzer-/)' "$analyzer_supp" | grep -q .; then
	echo "analyze: $analyzer_supp: an entry lacks FILE FUNCTION -Wanalyzer-WARNING REASON" >&2
	exit 2
fi

# The gcc findings of one file not in analyzer-suppressions.txt; their count on fd 3.
filter_analyzer() {
	awk -v supp="$analyzer_supp" '
	BEGIN {
		while ((getline line < supp) > 0)
			if (line !~ /^#/ && split(line, f, " ") >= 4)
				known[f[1] " " f[2] " " f[3]] = 1
	}
	/: In function / { fn = $0; sub(/.*In function .?/, "", fn); sub(/[^A-Za-z0-9_].*/, "", fn); next }
	/: (warning|error): / {
		file = $0; sub(/:.*/, "", file)
		opt = "-"; if (match($0, /\[-W[^]]*\]$/)) opt = substr($0, RSTART + 1, RLENGTH - 2)
		sub(/.*\//, "", file)  # support/x.c: a file name is unique within a step
		if ((file " " fn " " opt) in known) { suppressed++; next }
		print; left++
	}
	END { printf "%d %d\n", left, suppressed > "/dev/fd/3" }'
}

status=0 total_left=0
exec 4>&1  # the findings, from inside the $(...) that collects their counts
for step in "${steps[@]}"; do
	cd "$top/$step"
	packages=$(sed -n 's/^PACKAGES *= *//p' Makefile)
	cflags=(-std=gnu11 -Wall -Wextra -O0 -I. -Isupport)
	if [ -n "$packages" ]; then
		read -ra pc <<<"$(pkg-config --cflags $packages)"
		cflags+=("${pc[@]}")
	fi
	# The sonames the step's Makefile reads from the libraries it dlopen()s (nat.c, subid.c).
	read -ra sonames <<<"$(make -s --no-print-directory -f Makefile \
		--eval 'print-sonames: ; @echo $(SONAMES)' print-sonames 2>/dev/null)"
	cflags+=("${sonames[@]}")

	# The files: what the Makefile compiles (SOURCES, and the seccomp filter's
	# generator, FILTER_GEN), each once. Every .c of the step must be among
	# them, at the top or in support/: none is left out unseen.
	read -ra files <<<"$(make -s --no-print-directory -f Makefile \
		--eval 'print-sources: ; @echo $(sort $(SOURCES) $(FILTER_GEN))' print-sources 2>/dev/null)"
	[ "${#files[@]}" -gt 0 ] || { echo "analyze: $step/Makefile names no SOURCES" >&2; exit 2; }
	for f in ./*.c support/*.c; do
		[ -e "$f" ] || continue
		f=${f#./}
		[[ " ${files[*]} " == *" $f "* ]] ||
			{ echo "analyze: $step/$f is not among the Makefile's SOURCES or FILTER_GEN" >&2; exit 2; }
	done
	for f in "${files[@]}"; do
		[ -f "$f" ] || { echo "analyze: $step/Makefile names $f, which does not exist" >&2; exit 2; }
	done

	# cppcheck: one run over the step's files, so it follows calls between them.
	out=$(cppcheck --enable=warning,style,performance,portability --library=posix --library=gnu \
		--std=c11 --inconclusive --quiet --error-exitcode=0 \
		--suppress-xml="$here/cppcheck-suppressions.xml" \
		-I . -I support --template='{file}:{line}: {severity} ({id}): {message}' "${files[@]}" 2>&1) ||
		{ echo "$out"; echo "analyze: cppcheck failed to run in $step" >&2; exit 2; }
	n=$(grep -c . <<<"$out" || true)
	[ "$n" -eq 0 ] || sed "s|^|$step/|" <<<"$out"
	printf 'analyze: %-16s cppcheck %d findings\n' "$step" "$n"
	total_left=$((total_left + n))

	# gcc -fanalyzer: per translation unit, as the compiler sees it.
	left=0 suppressed=0 analysed=0
	for f in "${files[@]}"; do
		analysed=$((analysed + 1))
		counts=$( { gcc -fanalyzer -fdiagnostics-plain-output -fdiagnostics-path-format=none \
			"${cflags[@]}" -c -o /dev/null "$f" 2>&1 | filter_analyzer | sed "s|^|$step/|" >&4; } 3>&1 )
		left=$((left + ${counts% *})) suppressed=$((suppressed + ${counts#* }))
	done
	printf 'analyze: %-16s gcc -fanalyzer %d findings (%d suppressed with a reason), %d of %d files\n' \
		"$step" "$left" "$suppressed" "$analysed" "${#files[@]}"
	[ "$analysed" -eq "${#files[@]}" ] ||
		{ echo "analyze: $step: analysed $analysed files of the Makefile's ${#files[@]}" >&2; exit 2; }
	total_left=$((total_left + left))
done

if [ "$total_left" -gt 0 ]; then
	echo "analyze: $total_left findings: fix them, or suppress each with its reason (tests/static/)" >&2
	status=1
fi
exit "$status"
