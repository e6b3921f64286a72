#!/usr/bin/env bash
# grade-class.sh [--step NN] [--out DIR] CLASS - grades every student's hand-in
# under CLASS (one subdirectory per student, holding stepNN_* directories
# and/or exNN_* practice exercises) into one table.
#
# Each student is graded by a run of scripts/grade.sh of its own (its own
# build, timeouts and host snapshots, per step and per exercise): one
# student's broken build, hang or leftover is charged to that student alone.
# SANDBOX=vm (the default): that run is inside a throwaway VM of its own
# (scripts/grade-sandbox.sh): the hand-in's programs never run on this host;
# TIMEOUT (seconds, default STUDENT_TIMEOUT) bounds each VM, and a VM that
# dies, hangs or writes no results gives that student a row of 0 with the
# reason; JOBS=N runs N VMs side by side. SANDBOX=none: on this host, one
# student after another, each bounded by STUDENT_TIMEOUT (7200 s): for a
# learner grading their own work. Writes, in DIR (build/grade):
#	students/NAME/results.json, junit.xml   each student's, as make grade's
#	students/NAME.log                       what grading printed
#	class.csv    one line per student: points per step and exercise, total
#	class.html   the same table, self-contained (inline CSS, no script, no
#	             link outside the file): scores coloured, each cell linking
#	             to that student's failures further down; the pairs of
#	             similar code (similarity.json, scripts/similarity.py),
#	             flagged for a look, never a penalty
#	class-canvas.csv, class-moodle.csv   with ROSTER=roster.csv: the grades
#	             in Canvas's and Moodle's import layouts, and class.csv with
#	             each student's LMS id and email (scripts/class-roster.py)
# --filter REGEX (or GRADE_FILTER): only the kit's tests whose names match.
# Exit status: 0 when grading ran, 2 on bad usage.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
step_args=() out=$top/build/grade class='' filter=${GRADE_FILTER:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--step) step_args=(--step "${2:?--step needs a number}"); shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--filter) filter=${2:?--filter needs a regex}; shift ;;
	-*) echo "grade-class.sh: unknown option $1" >&2; exit 2 ;;
	*) class=$1 ;;
	esac
	shift
done
[ -n "$class" ] && [ -d "$class" ] || { echo "usage: grade-class.sh [--step NN] CLASS-DIR" >&2; exit 2; }
class=$(cd "$class" && pwd)
: "${STUDENT_TIMEOUT:=7200}" "${TIMEOUT:=$STUDENT_TIMEOUT}" "${JOBS:=1}" "${SANDBOX:=vm}"
sandbox=$SANDBOX
case "$sandbox" in vm | none) ;; *) echo "grade-class.sh: SANDBOX must be vm or none, not $sandbox" >&2; exit 2 ;; esac
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "grade-class.sh: JOBS must be a number" >&2; exit 2; }
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "grade-class.sh: TIMEOUT must be seconds" >&2; exit 2; }
[ "$sandbox" != vm ] || [ "$(id -u)" -eq 0 ] ||
	{ echo "grade-class.sh: SANDBOX=vm needs root (each VM's view of the host is made in a mount namespace); SANDBOX=none grades on this host" >&2; exit 2; }
class_t0=$SECONDS

mkdir -p "$out"
rm -rf "$out/students" "$out/class.csv" "$out/class.html"
mkdir -p "$out/students"
all=$out/students.ndjson
: >"$all"

# grade_student NAME DIR: one student's row, in students/NAME.row.
grade_student() {
	local name=$1 dir=$2 status=0 t0=$SECONDS why
	if [ "$sandbox" = vm ]; then
		"$top/scripts/grade-sandbox.sh" "${step_args[@]}" ${filter:+--filter "$filter"} --timeout "$TIMEOUT" \
			--out "$out/students/$name" "$dir" >"$out/students/$name.log" 2>&1 || status=$?
	else
		timeout -k 10 "$STUDENT_TIMEOUT" "$top/scripts/grade.sh" "${step_args[@]}" ${filter:+--filter "$filter"} \
			--out "$out/students/$name" "$dir" >"$out/students/$name.log" 2>&1 || status=$?
	fi
	if [ -f "$out/students/$name/results.json" ] && [ "$status" -ne 124 ] && [ "$status" -ne 137 ] && [ "$status" -ne 3 ]; then
		jq -c --arg name "$name" --arg sandbox "$sandbox" --argjson s "$((SECONDS - t0))" \
			'{student: $name} + . + {sandbox: $sandbox, seconds: $s}' "$out/students/$name/results.json" >"$out/students/$name.row"
		jq -r --arg name "$name" --argjson s "$((SECONDS - t0))" '"=== student \($name): \(.points)/\(.max_points) (\($s) s)"' \
			"$out/students/$name/results.json"
	else
		if [ -s "$out/students/$name/stopped" ]; then why=$(head -n 1 "$out/students/$name/stopped")
		elif [ "$sandbox" = vm ]; then why="grading in the VM stopped (exit $status)"
		else why="grading stopped after ${STUDENT_TIMEOUT}s (exit $status)"; fi
		echo "=== student $name: grading stopped: $why: see $out/students/$name.log"
		jq -cn --arg name "$name" --arg why "$why" --arg sandbox "$sandbox" --argjson s "$((SECONDS - t0))" \
			'{student: $name, points: 0, max_points: 0, full: false, note: $why, steps: [], practice: [], tests: [],
			  sandbox: $sandbox, seconds: $s}' >"$out/students/$name.row"
	fi
}

# Up to JOBS students at once (each its own VM; on the host, SANDBOX=none,
# one at a time: the kit's tests share the host's bridge and cgroups).
names=()
for dir in "$class"/*/; do
	dir=${dir%/} name=$(basename "$dir")
	[[ $name =~ ^[A-Za-z0-9._@+-]+$ ]] || { echo "grade-class.sh: skipping $name: not a plain name" >&2; continue; }
	names+=("$name")
	if [ "$sandbox" = vm ]; then
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
		grade_student "$name" "$dir" &
	else
		grade_student "$name" "$dir"
	fi
done
wait
for name in ${names[@]+"${names[@]}"}; do cat "$out/students/$name.row" >>"$all"; done
echo "graded ${#names[@]} students in $((SECONDS - class_t0)) s (SANDBOX=$sandbox, JOBS=$JOBS)"

# The columns: every step some student handed in, then every exercise.
jq -s '
	sort_by(.student) as $s
	| ([$s[].steps[] | select(.missing == null) | .step] | unique) as $steps
	| ([$s[].practice[]?.name] | unique) as $ex
	| {steps: $steps, exercises: $ex, students: [$s[] | . as $st
		| {student, points, max_points, full, note, seconds, sandbox,
		   cells: ([$steps[] as $c | ($st.steps[] | select(.step == $c)) // null
				| if . == null or .missing then {column: $c, missing: true}
				  else {column: $c, points, max: 10, note, failed: [$st.tests[] | select(.step == $c and .status == "fail") | .test]} end]
			+ [$ex[] as $c | ($st.practice[]? | select(.name == $c)) // null
				| if . == null then {column: $c, missing: true}
				  else {column: $c, points, max: 10, note,
					failed: [.requirements[] | .requirement as $r | .checks[] | select(.status == "fail")
						| "\($r). \(.check)" + (if .note then ": \(.note)" else "" end)]} end])}]}' \
	"$all" >"$out/class.json"

jq -r '
	def csv_num: if . == null then "" else tostring end;
	(["student"] + .steps + .exercises + ["points", "max_points"] | @csv),
	(.students[] | [.student] + [.cells[] | if .missing then "" else .points end]
		+ [.points, .max_points] | @csv)' "$out/class.json" >"$out/class.csv"

# The LMS layouts, when a roster names the students (scripts/class-roster.py).
if [ -n "${ROSTER:-}" ]; then
	python3 "$top/scripts/class-roster.py" "$ROSTER" "$out" || echo "grade-class.sh: ROSTER=$ROSTER not applied (above)" >&2
fi
# Code that looks alike, for a look, never a penalty (scripts/similarity.py).
python3 "$top/scripts/similarity.py" ${SIMILARITY_THRESHOLD:+--threshold "$SIMILARITY_THRESHOLD"} "$top" "$class" \
	>"$out/similarity.json" || echo '{"pairs": [], "error": "similarity.py failed"}' >"$out/similarity.json"

jq -r --slurpfile sim "$out/similarity.json" '
	def anchor(s; c): "f-" + (s | gsub("[^A-Za-z0-9_-]"; "_")) + "-" + (c | gsub("[^A-Za-z0-9_-]"; "_"));
	def colour: if .missing then "missing" elif .points >= .max then "full" elif .points == 0 then "zero" else "part" end;
	def num: tostring | if test("[.]") then . else . + ".0" end;
	"<!DOCTYPE html>",
	"<html lang=\"en\"><head><meta charset=\"utf-8\"><title>container-kit: class grades</title>",
	"<style>",
	"body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; }",
	"th, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: center; }",
	"td.full { background: #b7e4b0; } td.part { background: #fbe3a2; } td.zero { background: #f4a8a0; }",
	"td.missing { background: #eee; color: #888; } td a { color: inherit; }",
	"li { font-family: monospace; white-space: pre-wrap; }",
	"</style></head><body>",
	"<h1>Class grades</h1>",
	"<p>Each step and exercise is worth 10 points; click a score for that student'"'"'s failures. Green: full marks; yellow: some; red: none; grey: not handed in.</p>",
	"<table><tr><th>student</th>" + ([.steps[], .exercises[] | "<th>\(@html)</th>"] | join("")) + "<th>total</th></tr>",
	(.students[] | .student as $s |
		"<tr><th>\($s | @html)</th>" +
		([.cells[] | if .missing then "<td class=\"missing\">-</td>"
			else "<td class=\"\(colour)\"><a href=\"#\(anchor($s; .column))\">\(.points | num)</a></td>" end] | join("")) +
		"<td>\(.points | num)/\(.max_points)</td></tr>"),
	"</table>",
	"<h2>Similar code</h2>",
	"<p>For a look, never a penalty: the code each student wrote in a lesson (what the kit did not give), comments, whitespace and names normalized, against the kit'"'"'s reference and every other hand-in; pairs at \($sim[0].threshold // "-") or above (1.0: the same).</p>",
	(if ($sim[0].pairs | length) == 0 then "<p id=\"similar\">no pair flagged</p>"
	 else "<table id=\"similar\"><tr><th>hand-in</th><th>like</th><th>file</th><th>score</th></tr>" +
		([$sim[0].pairs[] | "<tr class=\"similar\"><td>\(.a | @html)</td><td>\(.b | @html)</td><td>\(.file | @html)</td><td>\(.score)</td></tr>"] | join("")) +
		"</table>" end),
	"<h2>Failures</h2>",
	(.students[] | .student as $s |
		"<h3 id=\"\(anchor($s; "all"))\">\($s | @html)</h3>",
		(if .note then "<p>\(.note | @html)</p>" else empty end),
		(.cells[] | select(.missing | not) |
			"<h4 id=\"\(anchor($s; .column))\">\(.column | @html): \(.points | num)/10</h4>",
			(if .note then "<p>\(.note | @html)</p>" else empty end),
			(if (.failed | length) == 0 then "<p>no failure</p>"
			 else "<ul>" + ([.failed[] | "<li>\(@html)</li>"] | join("")) + "</ul>" end))),
	"</body></html>"' "$out/class.json" >"$out/class.html"

echo
column -t -s, <(tr -d '"' <"$out/class.csv")
echo
[ -z "${ROSTER:-}" ] || echo "LMS imports: $out/class-canvas.csv $out/class-moodle.csv"
echo "similar pairs (class.html, never a penalty): $(jq '.pairs | length' "$out/similarity.json")"
echo "CSV: $out/class.csv  HTML: $out/class.html  per student: $out/students/"
