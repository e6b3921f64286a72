#!/usr/bin/env bats
# practice.bats - the chapter's practice exercises, done by the learner
# (scripts/practice.sh writes the starters, scripts/grade-practice.sh grades
# them) and class grading (scripts/grade-class.sh):
# - every requirement of exercises.tsv's "ex" lines is worded as the chapter;
# - each reference solution (tests/grading/exercises/) gets full marks, each
#   starter less;
# - one broken variant per requirement (a small sed edit of the reference,
#   made here) is caught by that requirement (graded with --only REQ, which
#   makes only that requirement's runs: make check stays short);
# - a class of three hand-ins made from the kit (full marks, a step that does
#   not build, a leftover process) is graded student by student into one
#   CSV and one self-contained HTML table.
# Runs containers and cgroups: tests/run.sh runs it in a whole run, under the
# kit's lock like every test.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PRACTICE=$KIT_TOP/scripts/grade-practice.sh
REFERENCES=$KIT_TOP/tests/grading/exercises
MAP=$KIT_TOP/tests/grading/exercises.tsv
: "${KIT_CHAPTER:=/work/shared/course/15_Container_Internals.md}"
: "${BATS_TEST_TIMEOUT:=120}"

# results DIR JQ-FILTER: a value of a grading's results.json.
results() { jq -r "$2" "$1/results.json"; }

# reference N: a copy of exercise N's reference solution, in $SOLUTION.
reference() {
	SOLUTION=$BATS_TEST_TMPDIR/$(basename "$REFERENCES"/ex0"$1"_*)
	cp -r "$REFERENCES"/ex0"$1"_* "$SOLUTION"
}

# caught N REQ FILE SED-SCRIPT: the reference with FILE edited by SED-SCRIPT
# fails requirement REQ.
caught() {
	local n=$1 req=$2 file=$3 script=$4 out=$BATS_TEST_TMPDIR/grade
	reference "$n"
	cp "$SOLUTION/$file" "$BATS_TEST_TMPDIR/original"
	sed -i "$script" "$SOLUTION/$file"
	! cmp -s "$SOLUTION/$file" "$BATS_TEST_TMPDIR/original" || fail "the edit changed nothing: $script"
	run -1 "$PRACTICE" --check --only "$req" --out "$out" "$n" "$SOLUTION"
	echo "$output"
	assert_equal "$(results "$out" ".requirements[] | select(.requirement == \"$req\") | .status")" failed
}

@test "practice: the exercises' requirements are the chapter's, each with checks, and \"host\"" {
	local e counts missing='' r text
	counts=$(awk -F'\t' '$5 == "ex" && $3 != "host" { print $1"."$3 }' "$MAP" | sort -u | cut -d. -f1 | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
	assert_equal "$counts" "1:3 2:4 3:5 4:4 "
	for e in 1 2 3 4; do
		assert_equal "$(awk -F'\t' -v e="$e" '$1 == e && $5 == "ex" && $3 == "host"' "$MAP" | wc -l)" 1
	done
	# The same requirement text on the kit's lines and on the learner's.
	assert_equal "$(awk -F'\t' '$5 == "ex" && $3 != "host" { print $1, $3, $4 }' "$MAP" | sort -u)" \
		"$(awk -F'\t' '$5 ~ /^[0-9]+$/ { print $1, $3, $4 }' "$MAP" | sort -u)"
	if [ -f "$KIT_CHAPTER" ]; then
		while IFS=$'\t' read -r r text; do
			grep -qxF "# $r. $text" "$KIT_CHAPTER" || missing+="not in the chapter: $r. $text"$'\n'
		done < <(awk -F'\t' '$5 == "ex" && $3 != "host" { print $3"\t"$4 }' "$MAP" | sort -u)
		assert_equal "$missing" ""
	fi
}

@test "practice: make exercise EX=N writes each starter, with its README and files; never overwrites" {
	local dest=$BATS_TEST_TMPDIR/lab n
	for n in 1 2 3 4; do
		run make -s -C "$KIT_TOP" exercise EX="$n" DEST="$dest"
		assert_success
	done
	assert_equal "$(cd "$dest" && ls)" "$(printf 'ex01_namespaces\nex02_cgroups\nex03_runtime\nex04_hardened')"
	for n in 1 2 3 4; do
		assert [ -f "$dest"/ex0"$n"_*/README.md ]
		run grep -c "TODO(ex$n)" "$dest"/ex0"$n"_*/*.sh
		assert_success
		# The starter offers the reference's files: the grader's interface.
		assert_equal "$(cd "$dest"/ex0"$n"_* && ls | grep -v README.md)" "$(cd "$REFERENCES"/ex0"$n"_* && ls)"
	done
	run -2 make -s -C "$KIT_TOP" exercise EX=1 DEST="$dest"
	assert_output --partial "will not overwrite"
}

# full_and_starter N: the reference gets full marks, the starter less.
full_and_starter() {
	local n=$1 out=$BATS_TEST_TMPDIR/grade
	reference "$n"
	run "$PRACTICE" --check --out "$out" "$n" "$SOLUTION"
	echo "$output"
	assert_success
	assert_equal "$(results "$out" .points)" 10
	assert_equal "$(results "$out" '.unknown_checks | length')" 0
	assert [ -f "$out/junit.xml" ]
	"$KIT_TOP/scripts/practice.sh" "$n" "$BATS_TEST_TMPDIR/starter" >/dev/null
	run -1 "$PRACTICE" --check --out "$out" "$n" "$BATS_TEST_TMPDIR/starter"
	echo "$output"
	assert [ "$(results "$out" .met)" -lt "$(results "$out" .total)" ]
	assert_equal "$(results "$out" '.unknown_checks | length')" 0
	# What make check EX=N reads: the exit status, and the same table.
	assert_output --partial "Exercise $n: "
}

@test "practice: exercise 1's reference gets full marks, its starter less" { full_and_starter 1; }
@test "practice: exercise 2's reference gets full marks, its starter less" { full_and_starter 2; }
@test "practice: exercise 3's reference gets full marks, its starter less" { full_and_starter 3; }
@test "practice: exercise 4's reference gets full marks, its starter less" { full_and_starter 4; }

@test "practice: exercise 1, a broken variant per requirement is caught by it" {
	caught 1 1 start.sh 's/ --cgroup//'
	caught 1 2 start.sh 's/hostname ex1 && //'
	caught 1 3 enter.sh 's/--all/--uts/'
	caught 1 host start.sh 's|^set -e$|&\nsetsid sleep 300 </dev/null >/dev/null 2>\&1 \&|'
}

@test "practice: exercise 2, a broken variant per requirement is caught by it" {
	caught 2 1 limit.sh 's/echo 25000 >/echo 50000 >/; s/"25000 100000"/"50000 100000"/'
	caught 2 2 limit.sh '/memory.limit_in_bytes"$/d; /memory.max"$/d'
	caught 2 3 limit.sh 's/ 1048576"/ 10485760"/; s/wbps=1048576/wbps=10485760/'
	caught 2 4 limit.sh '/^# The counters/,/^fi$/d'
	caught 2 host limit.sh 's/rmdir "\$d"/true/'
}

@test "practice: exercise 3, a broken variant per requirement is caught by it" {
	caught 3 1 runtime.sh 's|chroot "\$state/merged" /bin/sh|/bin/sh|'
	caught 3 2 runtime.sh 's|mount -t overlay overlay -o "lowerdir=\$rootfs,upperdir=\$state/upper,workdir=\$state/work"|mount --bind "$rootfs"|'
	caught 3 3 runtime.sh 's/ --pid --fork/ --fork/'
	caught 3 4 runtime.sh '/memory.limit_in_bytes"$/d; /memory.max"$/d'
	caught 3 5 runtime.sh 's|set -- /bin/sh|set -- /bin/true|'
	caught 3 host runtime.sh 's|^\tumount "\$state/merged"|\t: umount|'
}

@test "practice: exercise 4, a broken variant per requirement is caught by it" {
	caught 4 1 run.sh 's/--cap-drop ALL //'
	caught 4 2 profile.json 's/"defaultAction": "SCMP_ACT_ERRNO"/"defaultAction": "SCMP_ACT_ALLOW"/'
	caught 4 3 run.sh 's/--read-only //'
	caught 4 4 run.sh 's/--user 1000:1000//'
	caught 4 host run.sh 's|^exec |setsid sleep 300 </dev/null >/dev/null 2>\&1 \&\nexec |'
}

# --- class grading -----------------------------------------------------------------------

# hand_in NAME: the kit's steps 01 and 02, as a student would hand them in.
hand_in() {
	local dir=$CLASS/$1
	mkdir -p "$dir"
	cp -r "$KIT_TOP"/step01_* "$KIT_TOP"/step02_* "$dir/"
	rm -rf "$dir"/*/tests "$dir"/*/container "$dir"/*/*.o
}

@test "class: three hand-ins graded one by one: full marks, a broken step, a leftover process" {
	local out=$BATS_TEST_TMPDIR/class-grade csv
	CLASS=$BATS_TEST_TMPDIR/class
	hand_in alice
	cp -r "$REFERENCES"/ex01_* "$CLASS/alice/"
	hand_in bob
	echo 'this is not C' >>"$CLASS"/bob/step02_*/pid.c
	"$KIT_TOP/scripts/practice.sh" 1 "$CLASS/bob" >/dev/null
	hand_in carol
	# carol's step01 leaves a copy of itself running, with no fd of the test's.
	sed -i 's|^\treturn sys("uts", sethostname(|\tif (fork() == 0) { for (int fd = 0; fd < 1024; fd++) close(fd); for (;;) pause(); }\n&|' \
		"$CLASS"/carol/step01_*/uts.c
	grep -q 'for (;;) pause' "$CLASS"/carol/step01_*/uts.c
	# On this host (SANDBOX=none): the hand-ins are the kit's own; the VM
	# sandbox is tests/vm/sandbox.bats's (make check-sandbox).
	run env SANDBOX=none GRADE_FILTER='^(cli: --help|uts: the hostname inside is|pid: COMMAND is PID 1)' \
		"$KIT_TOP/scripts/grade-class.sh" --out "$out" "$CLASS"
	echo "$output"
	assert_success
	csv=$(cat "$out/class.csv")
	assert_equal "$(head -n1 <<<"$csv")" '"student","step01_uts","step02_pid","ex01_namespaces","points","max_points"'
	run grep -xF '"alice",10,10,10,30,100' "$out/class.csv"
	assert_success
	run grep -E '^"bob",10,0,[0-9.]+,' "$out/class.csv"
	assert_success
	run grep -E '^"carol",[0-9]\.[0-9]+,10,"",' "$out/class.csv"
	assert_success
	# Each student's JSON, as make grade writes it.
	assert_equal "$(results "$out/students/alice" .full)" true
	assert_equal "$(results "$out/students/bob" '.steps[] | select(.step == "step02_pid") | .note')" "build failed"
	run results "$out/students/carol" '.steps[] | select(.step == "step01_uts") | .note'
	assert_output --regexp '^left on the host: process [0-9]+'
	# The HTML: self-contained, a cell per score, linking to its failures.
	run grep -cE '(src|href)="(https?:|//|[^#])' "$out/class.html"
	assert_output 0
	grep -q '<td class="zero"><a href="#f-bob-step02_pid">0.0</a></td>' "$out/class.html"
	grep -q '<h4 id="f-bob-step02_pid">step02_pid: 0.0/10</h4>' "$out/class.html"
	grep -q '<h4 id="f-carol-step01_uts">' "$out/class.html"
	grep -q 'grade: the host is left as it was found' "$out/class.html"
	grep -q '<td class="full"><a href="#f-alice-ex01_namespaces">10.0</a></td>' "$out/class.html"
	# Nothing of carol's program survives the grading.
	sleep 0.5
	assert_equal "$(find /proc/[0-9]*/exe -maxdepth 0 -lname "$out/students/carol/solution/step01_uts/container" 2>/dev/null)" ""
}
