#!/usr/bin/env bash
# run.sh [--replay] [HARNESS...] - fuzzes the kit's parsers with libFuzzer.
#
# Builds the harnesses (tests/fuzz/Makefile: step09's sources with ASan and
# UBSan), then, for each harness (config, seccomp, options; default all):
#   1. replays its seed corpus seeds/H and its regressions regressions/H,
#      the inputs that once crashed it: each must pass;
#   2. unless --replay, fuzzes for FUZZ_SECONDS (default 50), starting from
#      those inputs and the corpus kept from earlier runs (build/fuzz/corpus-H).
# Prints one line per harness: executions, exec/s, coverage (libFuzzer's
# cov = edges, ft = features), corpus size. A crash, leak or timeout is
# copied to regressions/H/ (commit it with the fix) and fails the run; a
# failing replay fails it too.
# Exit: 0 clean, 1 a finding, 2 usage or build error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$top/build/fuzz
seconds=${FUZZ_SECONDS:-50}
replay_only=false
harnesses=()
for arg in "$@"; do
	case "$arg" in
	--replay) replay_only=true ;;
	config|seccomp|options) harnesses+=("$arg") ;;
	*) echo "usage: run.sh [--replay] [config|seccomp|options ...]" >&2; exit 2 ;;
	esac
done
[ "${#harnesses[@]}" -gt 0 ] || harnesses=(config seccomp options)

compiler=${FUZZ_CC:-clang-14}
if ! command -v "$compiler" >/dev/null; then
	echo "fuzz: $compiler not found: install tests/fuzz/packages.txt (make deps)" >&2
	exit 2
fi
make -s -C "$here" FUZZ_CC="$compiler" BUILD="$build" || exit 2

# The harnesses write their inputs to files (config.json, profile.json) under TMPDIR.
work=$(mktemp -d /tmp/kit-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work

# Replays, or fuzzes for $seconds; stderr (the kit's error messages) is closed.
run_harness() {
	local h=$1 log=$work/$1.log
	local dirs=("$here/seeds/$h")
	local options=(-close_fd_mask=2 -timeout=10 -max_len=8192 -artifact_prefix="$work/$h-"
		       -dict="$here/$h.dict")

	[ -d "$here/regressions/$h" ] && dirs+=("$here/regressions/$h")
	if $replay_only; then
		"$build/fuzz_$h" "${options[@]}" -runs=0 "${dirs[@]}" >"$log" 2>&1
	else
		mkdir -p "$build/corpus-$h"
		"$build/fuzz_$h" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 \
			"$build/corpus-$h" "${dirs[@]}" >"$log" 2>&1
	fi
}

# libFuzzer's last "#12345 DONE cov: 318 ft: 1080 corp: 317/66Kb ... exec/s: 6553" -> a row.
summary() {
	awk -v h="$1" '$2 == "DONE" { runs = substr($1, 2)
			for (i = 3; i < NF; i++) f[$i] = $(i + 1) }
		END { split(f["corp:"], corp, "/")
		      printf "%-8s %10s %8s %6s %7s %8s\n", h, runs, f["exec/s:"], f["cov:"],
			     f["ft:"], corp[1] }' "$work/$1.log"
}

status=0
printf '%-8s %10s %8s %6s %7s %8s\n' harness runs exec/s cov ft corpus
for h in "${harnesses[@]}"; do
	if run_harness "$h"; then
		summary "$h"
		continue
	fi
	status=1
	echo "fuzz: $h FAILED; its report:" >&2
	grep -vE '^(#[0-9]|INFO:|"|\*\*\*)' "$work/$h.log" | head -60 >&2
	$replay_only && continue  # the input is a seed or a regression already
	for artifact in "$work/$h"-*; do
		[ -f "$artifact" ] || continue
		name=${artifact##*/"$h"-}  # crash-SHA1, leak-..., timeout-...
		mkdir -p "$here/regressions/$h"
		cp "$artifact" "$here/regressions/$h/$name"
		echo "fuzz: the input is now tests/fuzz/regressions/$h/$name: fix the bug," \
		     "commit both" >&2
	done
done
exit "$status"
