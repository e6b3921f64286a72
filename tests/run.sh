#!/usr/bin/env bash
# run.sh [STEP] - runs the kit's bats tests, cumulatively.
#
# Step K's tests run against step K's program AND every later step's program
# (CONTAINER=...), so the final container provably keeps every layer. Prints
# a table (rows: whose tests; columns: which program), writes JUnit reports
# to build/reports/, and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
only=${1:-}
reports=$top/build/reports
mkdir -p "$reports"
rm -f "$reports"/*.xml "$reports"/*.tap

steps=()
for dir in "$top"/step[0-9][0-9]_*/; do
	[ -x "$dir/container" ] && steps+=("$(basename "$dir")")
done
[ "${#steps[@]}" -gt 0 ] || { echo "run.sh: no step is built: run make" >&2; exit 2; }

step_number() { local n=${1#step}; n=${n%%_*}; echo $((10#$n)); }

declare -A cell
total_pass=0 total_fail=0 total_skip=0
for tests_step in "${steps[@]}"; do
	[ -n "$only" ] && [ "$(step_number "$tests_step")" -ne "$((10#$only))" ] && continue
	for program_step in "${steps[@]}"; do
		[ "$(step_number "$program_step")" -ge "$(step_number "$tests_step")" ] || continue
		name="${tests_step%%_*}-on-${program_step%%_*}"
		echo "=== ${tests_step}'s tests against ${program_step}/container"
		out=$reports/$name.tap
		CONTAINER=$top/$program_step/container \
			bats --tap --report-formatter junit --output "$reports" \
			"$top/$tests_step/tests" >"$out" 2>&1
		mv -f "$reports/report.xml" "$reports/$name.xml" 2>/dev/null
		# Show failures and skips in full; passes as one line each.
		cat "$out"
		pass=$(grep -c '^ok .*' "$out" | tr -d ' ')
		skip=$(grep -c '^ok .* # skip' "$out")
		fail=$(grep -c '^not ok ' "$out")
		pass=$((pass - skip))
		[ "$pass$fail$skip" = 000 ] && fail=1  # bats itself failed to run
		cell[$tests_step,$program_step]="$pass/$((pass + fail))"
		[ "$fail" -gt 0 ] && cell[$tests_step,$program_step]+="!"
		total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
	done
done

echo
echo "Passed/run, per step's tests (rows) against each step's program (columns); ! = failures"
printf '%-16s' "tests \\ program"
for p in "${steps[@]}"; do printf '%8s' "${p%%_*}"; done
echo
for t in "${steps[@]}"; do
	[ -n "$only" ] && [ "$(step_number "$t")" -ne "$((10#$only))" ] && continue
	printf '%-16s' "$t"
	for p in "${steps[@]}"; do printf '%8s' "${cell[$t,$p]:--}"; done
	echo
done
echo "JUnit reports: $reports/"
echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
