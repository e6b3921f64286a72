#!/usr/bin/env bash
# grade.sh [--check] [--step NN] [--filter REGEX] [--out DIR] [SOLUTION]
#	grades a student's copy of the step directories with the kit's tests.
# grade.sh --from-reports DIR [--check] [--out DIR]
#	scores the diagonal of a tests/run.sh matrix (DIR/root-stepNN-on-stepNN.tap)
#	the same way: how make check proves the kit's own solution gets full marks.
#
# SOLUTION (default: the kit itself) holds some or all stepNN_* directories.
# For each step it holds, in step order:
#   1. its sources (not its tests, not a binary) are copied to
#      build/grade/solution/ and built with the step's own Makefile;
#   2. the KIT's tests of that step (stepNN_*/tests, tests/helpers.bash) run
#      against the student's program (CONTAINER=...), every test bounded by
#      BATS_TEST_TIMEOUT and the whole step by STEP_TIMEOUT;
#   3. the host is compared with a snapshot taken before the step: processes
#      of the student's program, mounts, links, the kit's cgroups, entries in
#      /run/container-kit, the hostname. Whatever is left is listed, cleaned
#      up, and fails the step's "grade:" check.
# So a step is graded by its own tests against its own program (the diagonal
# of tests/run.sh's matrix): each layer is scored once, by the tests of the
# step that adds it; the earlier layers in a student's step K were graded at
# their own steps. Two checks of the grader join each step's tests and count
# like tests: "grade: the program builds" (when it fails, every test of the
# step counts as failed) and "grade: the host is left as it was found".
# Skipped tests (they print why) count neither way. A step is worth 10
# points, in proportion to its tests passed, rounded down to 0.1: 10.0 only
# when all pass. The chapter's exercises (section 7) are scored requirement
# by requirement (tests/grading/exercises.tsv): a requirement is met when
# every test mapped to it passed.
#
# SOLUTION's exNN_* directories (the learner's own practice exercises, from
# make exercise EX=N) are graded by scripts/grade-practice.sh, each into
# DIR/ex/exNN_name/, bounded by EX_TIMEOUT, and scored in results.json's
# "practice" (10 points each, by requirements met; they count in the total).
# With --step NN only step NN is graded, not the exercises, and the table
# shows only what was graded: the requirements that step's tests prove.
#
# Prints a score table; writes DIR/results.json (per-test and per-exercise
# scores, made with jq, sorted: same solution, same file) and DIR/junit.xml
# (DIR: build/grade). Exit status: 0 when grading ran (with --check: only
# when every graded step got full marks), 2 on bad usage.
# Run it under `flock /tmp/kit-host.lock` when other kit runs share the host.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
check=false only='' filter='' out=$top/build/grade from_reports='' solution=''
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=true ;;
	--step) only=$(printf %02d "$((10#${2:?--step needs a number}))"); shift ;;
	--filter) filter=${2:?--filter needs a regex}; shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--from-reports) from_reports=${2:?--from-reports needs a directory}; shift ;;
	-*) echo "grade.sh: unknown option $1" >&2; exit 2 ;;
	*) solution=$1 ;;
	esac
	shift
done
solution=${solution:-$top}
# The build runs from the hand-in's directory: an --out relative to here would be lost.
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
[ -d "$solution" ] || { echo "grade.sh: $solution: no such directory" >&2; exit 2; }
solution=$(cd "$solution" && pwd)
: "${BATS_TEST_TIMEOUT:=180}" "${STEP_TIMEOUT:=1800}" "${EX_TIMEOUT:=300}"
export BATS_TEST_TIMEOUT
exercises_map=$top/tests/grading/exercises.tsv

rm -rf "$out"
mkdir -p "$out/tap" "$out/solution"
records=$out/tests.ndjson steps_file=$out/steps.ndjson practice_file=$out/practice.ndjson
: >"$records"
: >"$steps_file"
: >"$practice_file"

# record STEP TEST STATUS: one test's outcome, as a JSON line.
record() {
	jq -cn --arg step "$1" --arg test "$2" --arg status "$3" \
		'{step: $step, test: $test, status: $status}' >>"$records"
}

# step_note STEP KEY TEXT: what the table says about a step besides its tests.
step_note() {
	jq -cn --arg step "$1" --arg key "$2" --arg text "$3" '{step: $step, ($key): $text}' >>"$steps_file"
}

# record_tap STEP TAP-FILE: every test of a bats TAP output. A test the run
# never reached (bats killed by STEP_TIMEOUT) is not in it: the caller counts
# those against the step.
record_tap() {
	local step=$1 line name
	while IFS= read -r line; do
		# bats adds its timing when it also writes JUnit (tests/run.sh does).
		[[ $line =~ ^(.*)\ \#\ in\ [0-9]+\ ms$ ]] && line=${BASH_REMATCH[1]}
		case "$line" in
		'ok '*' # skip'*) name=${line#ok * }; record "$step" "${name%% # skip*}" skip ;;
		'ok '*) name=${line#ok * }; record "$step" "$name" pass ;;
		'not ok '*) name=${line#not ok * }; record "$step" "${name% # timeout*}" fail ;;
		esac
	done <"$2"
}

# not_run STEP PLANNED REPORTED WHY: the tests bats never reported fail.
not_run() {
	local k
	for ((k = $3 + 1; k <= $2; k++)); do
		record "$1" "test $k of $2: not run: $4" fail
	done
}

# --- the host, before and after a student's step ---------------------------

host_state() {
	local program=$1
	echo "hostname $(hostname)"
	awk '{ print "mount", $5 }' /proc/self/mountinfo | sort -u
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print "link", $2 }' | sort
	find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -path '*container-kit*' 2>/dev/null |
		sed 's/^/cgroup /' | sort
	find /run/container-kit -mindepth 1 -maxdepth 2 2>/dev/null | sed 's/^/state /' | sort
	find /proc/[0-9]*/exe -maxdepth 0 -lname "$program" 2>/dev/null | cut -d/ -f3 | sed 's/^/process /'
	return 0
}

# What a step may leave by design: the bridge, its NAT table's saved
# ip_forward, the state directories' parents and the address lease lock
# (make reset-host removes them); and /run/netns, which the tests' own
# `ip netns` mounts on a fresh host (a grading VM).
allowed_leftover() {
	case "$1" in
	'link kit0' | 'state /run/container-kit/net' | 'state /run/container-kit/net/.lock' | 'mount /run/netns' | \
		'state /run/container-kit/ip_forward.before' | \
		'state /run/container-kit/overlay' | 'state /run/container-kit/runtime') return 0 ;;
	esac
	return 1
}

# A killed kit (some tests SIGKILL it on purpose) leaves its cgroup, empty,
# for the next container to remove (remove_stale_cgroups in cgroup.c): not
# the program's fault, but cleaned up here like a leftover.
killed_kits_cgroup() {
	local dir=${1#cgroup }
	case "$1" in
	'cgroup '*/container-kit) return 0 ;;
	'cgroup '*/container-kit/c[0-9]*)
		# Its init gone, or a zombie the host's init has not reaped yet.
		{ ! kill -0 "${dir##*/c}" 2>/dev/null || grep -q '^State:.Z' "/proc/${dir##*/c}/status" 2>/dev/null; } &&
			! grep -q . "$dir/cgroup.procs" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

# clean_up LEFTOVER...: undo, in an order that works (processes first).
clean_up() {
	local item kind what
	for item in "$@"; do
		kind=${item%% *} what=${item#* }
		case "$kind" in process) kill -KILL "$what" 2>/dev/null || true ;; esac
	done
	for item in "$@"; do
		kind=${item%% *} what=${item#* }
		case "$kind" in
		cgroup)
			[ -f "$what/cgroup.procs" ] && xargs -r kill -KILL <"$what/cgroup.procs" 2>/dev/null
			;;
		esac
	done
	sleep 0.2
	# Deepest first: mounts on mounts, cgroups in cgroups.
	printf '%s\n' "$@" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2- |
		while read -r kind what; do
			case "$kind" in
			mount) umount -l "$what" 2>/dev/null || true ;;
			link) ip link del "$what" 2>/dev/null || true ;;
			cgroup) rmdir "$what" 2>/dev/null || true ;;
			state) rm -rf "$what" ;;
			hostname) hostname "$before_hostname" ;;
			esac
		done
}

# --- one step --------------------------------------------------------------

grade_step() {
	local kit_dir=$1 nn=$2 name planned student dir program tap before after leftovers=() item tolerated=() status=0
	name=$(basename "$kit_dir")
	planned=$(bats --count ${filter:+--filter "$filter"} "$kit_dir/tests")
	student=$(ls -d "$solution/step${nn}_"*/ 2>/dev/null | head -n1 || true)
	if [ -z "$student" ]; then
		step_note "$name" missing "not in the solution"
		return
	fi
	echo "=== $name: ${student%/}"
	dir=$out/solution/$name
	mkdir -p "$dir"
	(cd "$student" && find . -maxdepth 1 -type f ! -name container -print0 | xargs -0 -r cp -t "$dir")
	# support/: the step's files that are not the lesson, without make's output.
	if [ -d "$student/support" ]; then
		mkdir -p "$dir/support"
		(cd "$student/support" && find . -maxdepth 1 -type f ! -name default_filter.h -print0 |
			xargs -0 -r cp -t "$dir/support")
	fi
	program=$dir/container
	if ! timeout 300 make -s -C "$dir" >"$out/tap/$name.build" 2>&1 || [ ! -x "$program" ]; then
		sed 's/^/  /' "$out/tap/$name.build" | tail -n 20
		record "$name" "grade: the program builds" fail
		step_note "$name" note "build failed"
		not_run "$name" "$planned" 0 "the program does not build"
		return
	fi
	record "$name" "grade: the program builds" pass
	before_hostname=$(hostname)
	before=$(host_state "$program")
	tap=$out/tap/$name.tap
	: >"$out/tap/$name.killed"
	timeout -k 10 "$STEP_TIMEOUT" env CONTAINER="$program" KIT_LEFTOVERS="$out/tap/$name.killed" \
		bats --tap ${filter:+--filter "$filter"} "$kit_dir/tests" >"$tap" 2>&1 || status=$?
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		step_note "$name" note "stopped after ${STEP_TIMEOUT}s"
	fi
	record_tap "$name" "$tap"
	# Tests a killed run never reached count as failed.
	not_run "$name" "$planned" "$(grep -cE '^(not )?ok ' "$tap" || true)" "the run was stopped"
	after=$(host_state "$program")
	while IFS= read -r item; do
		[ -n "$item" ] || continue
		if [ "$((10#$nn))" -ge 4 ] && allowed_leftover "$item"; then continue; fi
		if [ "$((10#$nn))" -ge 6 ] && killed_kits_cgroup "$item"; then tolerated+=("$item"); continue; fi
		leftovers+=("$item")
	done < <(comm -13 <(echo "$before" | sort) <(echo "$after" | sort))
	if [ "$((${#leftovers[@]} + ${#tolerated[@]}))" -gt 0 ]; then
		clean_up ${leftovers[@]+"${leftovers[@]}"} ${tolerated[@]+"${tolerated[@]}"}
	fi
	# The program's processes a test's teardown found and killed (helpers.bash).
	while IFS= read -r item; do leftovers+=("$item"); done <"$out/tap/$name.killed"
	if [ "${#tolerated[@]}" -gt 0 ]; then
		echo "  cleaned up, not charged (a killed kit's cgroups, which the next container removes): ${tolerated[*]}"
	fi
	if [ "${#leftovers[@]}" -gt 0 ]; then
		echo "  left on the host, now cleaned up: ${leftovers[*]}"
		record "$name" "grade: the host is left as it was found" fail
		step_note "$name" note "left on the host: $(printf '%s; ' "${leftovers[@]}" | sed 's/; $//')"
	else
		record "$name" "grade: the host is left as it was found" pass
	fi
}

if [ -n "$from_reports" ]; then
	for kit_dir in "$top"/step[0-9][0-9]_*/; do
		kit_dir=${kit_dir%/} nn=$(basename "$kit_dir" | sed 's/^step\([0-9]*\)_.*/\1/')
		[ -z "$only" ] || [ "$only" = "$nn" ] || continue
		tap=$from_reports/root-step$nn-on-step$nn.tap
		if [ -f "$tap" ]; then record_tap "$(basename "$kit_dir")" "$tap"
		else step_note "$(basename "$kit_dir")" missing "no report $tap"; fi
	done
else
	for kit_dir in "$top"/step[0-9][0-9]_*/; do
		kit_dir=${kit_dir%/} nn=$(basename "$kit_dir" | sed 's/^step\([0-9]*\)_.*/\1/')
		[ -z "$only" ] || [ "$only" = "$nn" ] || continue
		grade_step "$kit_dir" "$nn"
	done
fi

# --- the learner's practice exercises -----------------------------------------

if [ -z "$from_reports" ] && [ -z "$only" ]; then
	for ex_dir in "$solution"/ex[0-9][0-9]_*/; do
		[ -d "$ex_dir" ] || continue
		ex_dir=${ex_dir%/} ex_name=$(basename "$ex_dir")
		ex_n=$(sed 's/^ex0*\([0-9]*\)_.*/\1/' <<<"$ex_name")
		case "$ex_n" in 1 | 2 | 3 | 4) ;; *) continue ;; esac
		echo "=== $ex_name: $ex_dir"
		timeout -k 10 "$EX_TIMEOUT" "$top/scripts/grade-practice.sh" --out "$out/ex/$ex_name" "$ex_n" "$ex_dir" |
			sed 's/^/  /'
		if [ -f "$out/ex/$ex_name/results.json" ]; then
			jq -c --arg name "$ex_name" '. + {name: $name} | del(.solution)' "$out/ex/$ex_name/results.json" >>"$practice_file"
		else
			jq -cn --arg name "$ex_name" --argjson n "$ex_n" --arg why "grading stopped after ${EX_TIMEOUT}s" \
				'{exercise: $n, name: $name, points: 0, max_points: 10, full: false, met: 0, total: 0,
				  note: $why, requirements: []}' >>"$practice_file"
		fi
	done
fi

# --- scores: jq from the records, sorted ------------------------------------

jq -n --slurpfile tests "$records" --slurpfile notes "$steps_file" --slurpfile practice "$practice_file" \
	--rawfile map "$exercises_map" --arg solution "$solution" --arg filter "$filter" '
	($tests | sort_by(.step, .test)) as $tests
	| ([$tests[].step] + [$notes[].step] | unique) as $steps
	| [$steps[] as $s
		| ($tests | map(select(.step == $s))) as $t
		| ($t | map(select(.status == "pass")) | length) as $pass
		| ($t | map(select(.status == "fail")) | length) as $fail
		| ([$notes[] | select(.step == $s)] | add // {}) as $n
		| {step: $s, passed: $pass, failed: $fail,
		   skipped: ($t | map(select(.status == "skip")) | length),
		   total: ($pass + $fail),
		   points: (if $n.missing or $pass + $fail == 0 then 0
			    else ((100 * $pass / ($pass + $fail)) | floor) / 10 end),
		   max_points: 10, full: ($n.missing == null and $fail == 0 and $pass > 0)}
		+ (if $n.missing then {missing: $n.missing} else {} end)
		+ (if $n.note then {note: $n.note} else {} end)] as $step_scores
	# exercises.tsv: exercise, title, requirement, text, step, test (# comments);
	# the lines of kind "ex" are grade-practice.sh'"'"'s checks of a learner'"'"'s exercise.
	| [$map | split("\n")[] | select(length > 0 and (startswith("#") | not)) | split("\t")
		| select(.[4] | test("^[0-9]+$"))
		| {exercise: .[0], title: .[1], requirement: .[2], text: .[3], step: .[4], test: .[5]}] as $rows
	| [$rows | group_by(.exercise)[]
		| {exercise: (.[0].exercise | tonumber), title: .[0].title,
		   requirements: [group_by(.requirement)[]
			| {requirement: (.[0].requirement | tonumber), text: .[0].text,
			   tests: [.[] | . as $r
				| ([$tests[] | select((.step | startswith("step" + $r.step + "_")) and .test == $r.test)][0].status
				   // "not graded") as $st
				| {step: $r.step, test: $r.test, status: $st}]}
			| .status = (if all(.tests[]; .status == "pass") then "met"
				elif any(.tests[]; .status == "fail") then "failed" else "not graded" end)]
			| sort_by(.requirement)}
		| .met = ([.requirements[] | select(.status == "met")] | length)
		| .failed = ([.requirements[] | select(.status == "failed")] | length)
		| .not_graded = ([.requirements[] | select(.status == "not graded")] | length)
		| .total = (.requirements | length)]
		| sort_by(.exercise) as $exercises
	| ($practice | sort_by(.exercise)) as $practice
	| {solution: $solution, filter: (if $filter == "" then null else $filter end),
	   points: ([$step_scores[].points, $practice[].points] | add // 0 | . * 10 | round / 10),
	   max_points: (10 * ($step_scores | length) + 10 * ($practice | length)),
	   full: (([$step_scores[] | select(.missing == null)] + $practice) | (length > 0) and all(.[]; .full)),
	   steps: $step_scores, exercises: $exercises, practice: $practice, tests: $tests}' >"$out/results.json"

# JUnit, from the same records: one suite per step.
jq -r '
	def esc: @html;
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
	"<testsuites name=\"container-kit grading\" tests=\"\(.tests | length)\" failures=\"\([.tests[] | select(.status == "fail")] | length)\">",
	(.tests | group_by(.step)[] |
		"  <testsuite name=\"\(.[0].step | esc)\" tests=\"\(length)\" failures=\"\([.[] | select(.status == "fail")] | length)\" skipped=\"\([.[] | select(.status == "skip")] | length)\">",
		(.[] | "    <testcase classname=\"\(.step | esc)\" name=\"\(.test | esc)\"" +
			(if .status == "fail" then "><failure message=\"failed\"/></testcase>"
			 elif .status == "skip" then "><skipped/></testcase>" else "/>" end)),
		"  </testsuite>"),
	(.practice[] | .name as $n | [.requirements[] | .requirement as $r | .checks[] | . + {r: $r}] as $c |
		"  <testsuite name=\"\($n | esc)\" tests=\"\($c | length)\" failures=\"\([$c[] | select(.status == "fail")] | length)\">",
		($c[] | "    <testcase classname=\"\($n | esc)\" name=\"\(.check | esc)\"" +
			(if .status == "fail" then "><failure message=\"\((.note // "failed") | esc)\"/></testcase>"
			 elif .status != "pass" then "><skipped/></testcase>" else "/>" end)),
		"  </testsuite>"),
	"</testsuites>"' "$out/results.json" >"$out/junit.xml"

# The table.
echo
jq -r '
	"Grading of \(.solution)" + (if .filter then " (only the tests matching \(.filter))" else "" end),
	"",
	"step              tests     points  notes",
	(.steps[] | "\(.step | . + " " * (16 - length))  " +
		(if .missing then "    -      0.0/10  \(.missing)"
		 else "\("\(.passed)/\(.total)" | " " * (7 - length) + .)  \(.points | tostring | if test("[.]") then . else . + ".0" end | " " * (6 - length) + .)/10  \(.note // (if .skipped > 0 then "\(.skipped) skipped" else "" end))" end)),
	(.practice[] | "\(.name | . + " " * (16 - length))  \("\(.met)/\(.total)" | " " * (7 - length) + .)  \(.points | tostring | if test("[.]") then . else . + ".0" end | " " * (6 - length) + .)/10  \(.note // "requirements met")"),
	"total                       \(.points | tostring | if test("[.]") then . else . + ".0" end)/\(.max_points)",
	# One step graded: only the requirements its tests proved or failed.
	(if $only == "" then .exercises
	 else [.exercises[] | .requirements |= map(select(.status != "not graded"))
		| select(.requirements | length > 0) | .total = (.requirements | length) | .not_graded = 0] end) as $exercises
	| if ($exercises | length) == 0 then empty else
	"\nThe chapter'"'"'s practice exercises (section 7), requirement by requirement, as the kit'"'"'s tests of " +
		(if $only == "" then "these steps" else "step \($only)" end) + " prove them:",
	($exercises[] | "Exercise \(.exercise): \(.title): \(.met)/\(.total)" +
			(if .not_graded > 0 then " (\(.not_graded) not graded)" else "" end),
		(.requirements[] | "  [\({"met": "x", "failed": " ", "not graded": "-"}[.status])] \(.requirement). \(.text)",
			(.tests[] | select(.status != "pass") | "        \(.status): step\(.step): \(.test)"))) end' \
	--arg only "$only" "$out/results.json"
echo
echo "JSON: $out/results.json  JUnit: $out/junit.xml  TAP: $out/tap/"
if $check; then jq -e '.full' "$out/results.json" >/dev/null; fi
