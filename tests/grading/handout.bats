#!/usr/bin/env bats
# handout.bats - the student edition (make handout, scripts/handout.sh) holds
# no answer and is graded as the kit grades: no step's code holds a lesson's
# system calls from FROM on, not even a later step carrying an earlier
# lesson; no reference of the practice exercises, no restorer; steps before
# FROM whole. A hand-in made from it (its make handin), the solution put back
# into its TODOs, gets full marks from the instructor's class grader; its
# GitHub Classroom workflow parses and its commands run here.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load skeletons

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup_file() {
	"$KIT_TOP/scripts/handout.sh" "$BATS_FILE_TMPDIR/handout" >"$BATS_FILE_TMPDIR/handout.log" 2>&1 ||
		echo failed >"$BATS_FILE_TMPDIR/handout-failed"
}

handout() {
	[ ! -f "$BATS_FILE_TMPDIR/handout-failed" ] || { cat "$BATS_FILE_TMPDIR/handout.log"; fail "make handout failed"; }
	echo "$BATS_FILE_TMPDIR/handout"
}

# code_of FILE: FILE's C without its comments.
code_of() { perl -0pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$1"; }
# given_of FILE: the kit's FILE without its exercise regions (what a skeleton
# keeps of it), without comments.
given_of() { perl -0pe 's{/\* exercise: .*?/\* end exercise \*/}{}gs; s{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$1"; }
# count STRING: how many times STRING is in stdin.
count() { grep -oF -- "$1" | wc -l; }

# restore DIR STEP-DIR: the solution put back into every TODO of the
# lessons that STEP-DIR of DIR carries, as a student who finished it has it.
restore() {
	local dir=$1 name=$2 s f tmp
	tmp=$(mktemp)
	for s in 01 02 03 04 05 06 07 08 09; do
		for f in ${NEW_FILES[$s]}; do
			[ -f "$dir/$name/$f" ] || continue
			"$KIT_TOP/scripts/restore-skeleton.py" "$KIT_TOP/$name/$f" "$dir/$name/$f" "$s" >"$tmp" ||
				fail "$name/$f: cannot be restored"
			cp "$tmp" "$dir/$name/$f"
		done
	done
	rm -f "$tmp"
}

@test "handout: no step from FROM on holds an answer: no lesson's calls in its code, later steps' copies of earlier lessons included; no markers, no references, no restorer" {
	local dir nn name s f call
	dir=$(handout)
	for nn in 01 02 03 04 05 06 07 08 09; do
		name=$(basename "$(ls -d "$dir/step${nn}_"*)")
		for s in 01 02 03 04 05 06 07 08 09; do
			[ "$s" -le "$nn" ] || continue
			for f in ${NEW_FILES[$s]}; do
				[ -f "$dir/$name/$f" ] || fail "$name: $f missing"
				# A call the kit's code makes outside the lesson's regions (a later
				# layer's, a table of flag names) is given; no more than those.
				for call in ${STRIPPED_CALLS[$s]}; do
					[ "$(code_of "$dir/$name/$f" | count "$call")" -le "$(given_of "$KIT_TOP/$name/$f" | count "$call")" ] ||
						fail "$name/$f still calls $call (step$s's lesson)"
				done
				grep -q "TODO(step$s)" "$dir/$name/$f" || fail "$name/$f: no TODO(step$s)"
			done
		done
		# Restored, each file is the kit's, byte for byte: only the answers were taken out.
		cp -r "$dir/$name" "$BATS_TEST_TMPDIR/"
		restore "$BATS_TEST_TMPDIR" "$name"
		for f in "$KIT_TOP/$name"/*.[ch]; do
			[ "${f##*/}" = default_filter.h ] && continue
			cmp "$f" "$BATS_TEST_TMPDIR/$name/${f##*/}" || fail "$name/${f##*/}: restored, it is not the kit's"
		done
	done
	run grep -rlE '/\* (exercise: |end exercise \*/)' "$dir"
	assert_output ''
	assert [ ! -e "$dir/tests/grading/exercises" ]
	assert [ ! -e "$dir/scripts/restore-skeleton.py" ]
	assert [ ! -e "$dir/scripts/exercise.sh" ]
	assert [ ! -e "$dir/tests/mutate" ]
	assert [ ! -e "$dir/tests/fuzz" ]
	# No file of the handout is a reference solution of a practice exercise.
	while IFS= read -r f; do
		run grep -rlxF --null -f /dev/null "$dir"  # (keeps bats quiet)
		for g in $(find "$dir" -type f -name "$(basename "$f")"); do
			cmp -s "$f" "$g" && fail "${g#"$dir"/} is the reference $f"
		done
	done < <(find "$KIT_TOP/tests/grading/exercises" -type f)
	# The practice exercises are their starters.
	for f in "$KIT_TOP"/scripts/practice/ex*/*; do
		cmp "$f" "$dir/${f#"$KIT_TOP/scripts/practice/"}"
	done
	# The tests and the grader are there; a step's README lists its TODOs and the earlier ones it carries.
	assert [ -f "$dir/tests/helpers.bash" ] && assert [ -f "$dir/step05_user/tests/user.bats" ]
	assert [ -x "$dir/scripts/grade.sh" ] && assert [ -f "$dir/tests/grading/exercises.tsv" ]
	grep -q '^1\. `mount.c:[0-9]*`: ' "$dir/step03_mount/README.md"
	grep -q '^- `pid.c`: [0-9]* TODO(step02) comments, as in `step02_pid/pid.c`' "$dir/step03_mount/README.md"
	grep -q 'make rootfs' "$dir/README.md" && grep -q 'busybox-static' "$dir/README.md" && grep -q 'make handin' "$dir/README.md"
	# A learner's directory is never overwritten.
	run -2 "$KIT_TOP/scripts/handout.sh" "$dir"
	assert_output --partial 'will not overwrite'
}

@test "handout: FROM=08: steps 01-07 whole, as the kit has them; 08-09 skeletons of their own lessons and of no earlier one" {
	local dir=$BATS_TEST_TMPDIR/h8 name f
	run make -s -C "$KIT_TOP" handout DEST="$dir" FROM=08
	assert_success
	for name in step01_uts step02_pid step03_mount step04_net step05_user step06_cgroups step07_overlay; do
		diff -r -x container -x .build-flags -x default_filter.h -x filter-gen "$KIT_TOP/$name" "$dir/$name"
	done
	grep -q 'TODO(step08)' "$dir/step09_security/ipc.c"
	run grep -l 'TODO(step0[1-7])' "$dir"/step0[89]_*/*.c
	assert_output ''
	grep -q '^- `step07_overlay`: given whole' "$dir/README.md"
	# The workflow grades only the steps to write, and the exercises.
	run grep -o 'id: [a-z0-9]*' "$dir/.github/workflows/classroom.yml"
	assert_output "$(printf 'id: step08\nid: step09\nid: ex01\nid: ex02\nid: ex03\nid: ex04')"
}

@test "handout: a hand-in made from it (make handin), step02's TODOs (its lesson and step01's) filled with the solution, gets 10/10 from the instructor's class grader; roster ids in class.csv and the LMS files" {
	local dir own class=$BATS_TEST_TMPDIR/class out=$BATS_TEST_TMPDIR/grade
	dir=$(handout)
	own=$BATS_TEST_TMPDIR/alice-repo
	mkdir -p "$own" "$class/alice"
	# step02: its own lesson and step01's, both put back (step01 alone is test 7's).
	cp -r "$dir"/step02_pid "$dir"/Makefile "$own/"
	restore "$own" step02_pid
	run make -s -C "$own" handin
	assert_success
	tar -xzf "$own/build/handin.tar.gz" -C "$class/alice"
	assert [ -f "$class/alice/step02_pid/pid.c" ] && assert [ ! -e "$class/alice/step02_pid/container" ]
	printf 'name,handin,email,sis_user_id,canvas_id,sis_login_id,section\n"Doe, Alice",alice,alice@example.edu,S123,4711,adoe,Lab A\n' \
		>"$BATS_TEST_TMPDIR/roster.csv"
	run env ROSTER="$BATS_TEST_TMPDIR/roster.csv" "$KIT_TOP/scripts/grade-class.sh" --out "$out" "$class"
	echo "$output"
	assert_success
	assert_equal "$(jq -r '[.students[0].cells[] | "\(.column)=\(.points)"] | join(" ")' "$out/class.json")" \
		"step02_pid=10"
	assert_equal "$(head -n1 "$out/class.csv")" '"student","lms_id","email","step02_pid","points","max_points"'
	assert_equal "$(sed -n 2p "$out/class.csv")" '"alice","S123","alice@example.edu",10,10,90'
	assert_equal "$(sed -n 2p "$out/class-canvas.csv")" '"Doe, Alice",4711,S123,adoe,Lab A,10,10'
	assert_equal "$(sed -n 2p "$out/class-moodle.csv")" 'alice@example.edu,10,10'
	# Her code is the kit's: flagged in class.html, for a look; her points are not touched.
	grep -qF '<tr class="similar"><td>alice</td><td>(kit reference)</td><td>step02_pid/pid.c</td><td>1</td></tr>' "$out/class.html"
}

@test "handout: the hand-in as handed out, its TODOs empty, fails step01's tests of its layer: below full" {
	local dir class=$BATS_TEST_TMPDIR/class out=$BATS_TEST_TMPDIR/grade
	dir=$(handout)
	mkdir -p "$class/bob"
	cp -r "$dir"/step01_uts "$class/bob/"
	run "$KIT_TOP/scripts/grade-class.sh" --filter '^uts: the hostname inside is' --out "$out" "$class"
	echo "$output"
	assert_success
	assert [ "$(jq -r '.students[0].cells[0].points' "$out/class.json")" != 10 ]
	assert_equal "$(jq -r '[.tests[] | select(.test | startswith("grade:") | not) | .status] | unique | join(",")' "$out/students/bob/results.json")" fail
}

@test "roster: class.csv gains lms_id and email; Canvas's and Moodle's import layouts; hand-ins and roster entries that do not match are named, not guessed" {
	local out=$BATS_TEST_TMPDIR/grade
	mkdir -p "$out"
	# Two graded hand-ins, as grade-class.sh's class.json holds them.
	jq -n '{steps: ["step01_uts"], exercises: ["ex02_cgroups"], students: [
		{student: "alice", points: 15.5, max_points: 20, cells: [{column: "step01_uts", points: 10}, {column: "ex02_cgroups", points: 5.5}]},
		{student: "zed", points: 10, max_points: 20, cells: [{column: "step01_uts", points: 10}, {column: "ex02_cgroups", missing: true}]}]}' \
		>"$out/class.json"
	# Columns in any order; Excel's byte-order mark; carol has no hand-in.
	printf '\xef\xbb\xbfemail,handin,section,canvas_id\nalice@example.edu,alice,Lab B,99\ncarol@example.edu,carol,Lab B,98\n' >"$BATS_TEST_TMPDIR/roster.csv"
	run "$KIT_TOP/scripts/class-roster.py" "$BATS_TEST_TMPDIR/roster.csv" "$out"
	assert_success
	assert_line 'class-roster.py: zed: not in '"$BATS_TEST_TMPDIR/roster.csv"': no LMS id'
	assert_line 'class-roster.py: carol (roster): no hand-in'
	assert_equal "$(cat "$out/class.csv")" '"student","lms_id","email","step01_uts","ex02_cgroups","points","max_points"
"alice","99","alice@example.edu",10,5.5,15.5,20
"zed","","",10,"",10,20'
	assert_equal "$(cat "$out/class-canvas.csv")" 'Student,ID,SIS User ID,SIS Login ID,Section,container kit: step01_uts,container kit: ex02_cgroups,container kit: total
,99,,,Lab B,10,5.5,15.5'
	assert_equal "$(cat "$out/class-moodle.csv")" 'Email address,container kit: step01_uts,container kit: ex02_cgroups,container kit: total
alice@example.edu,10,5.5,15.5'
	# No handin column: refused, by name.
	printf 'email\nx@y\n' >"$BATS_TEST_TMPDIR/bad.csv"
	run "$KIT_TOP/scripts/class-roster.py" "$BATS_TEST_TMPDIR/bad.csv" "$out"
	assert_failure
	assert_output --partial 'no header row naming a handin column'
}

# workflow FIELD: each step of the handout's workflow, one line: its id, TAB,
# FIELD (run, or with.command), newlines as \n.
workflow() {
	python3 - "$1/.github/workflows/classroom.yml" "$2" <<-'PY'
	import sys, yaml
	doc = yaml.safe_load(open(sys.argv[1]))
	for step in doc["jobs"]["run-autograding-tests"]["steps"]:
	    value = step.get("run") if sys.argv[2] == "run" else (step.get("with") or {}).get("command")
	    if value:
	        print("%s\t%s" % (step.get("id", step["name"]), value.strip().replace("\n", "\\n")))
	PY
}

@test "classroom workflow: it parses; a command-grader test of 10 points per step and exercise, each reported to Classroom" {
	local dir
	dir=$(handout)
	python3 -c 'import yaml' || fail "python3-yaml is missing (scripts/packages.txt lists it): make deps"
	run python3 - "$dir/.github/workflows/classroom.yml" <<-'PY'
	import sys, yaml
	doc = yaml.safe_load(open(sys.argv[1]))
	assert doc["on"] == ["push", "repository_dispatch", "workflow_dispatch"], doc["on"]
	assert doc["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
	job = doc["jobs"]["run-autograding-tests"]
	assert job["runs-on"] == "ubuntu-latest"
	steps = job["steps"]
	assert steps[0]["uses"] == "actions/checkout@v4"
	graders = [s for s in steps if s.get("uses") == "classroom-resources/autograding-command-grader@v1"]
	for g in graders:
	    assert set(g["with"]) <= {"test-name", "setup-command", "command", "timeout", "max-score"}, g["with"]
	    assert g["with"]["max-score"] == 10 and g["with"]["test-name"] == g["name"], g
	reporter = steps[-1]
	assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
	ids = [g["id"] for g in graders]
	assert reporter["with"]["runners"] == ",".join(ids), reporter["with"]
	assert reporter["env"] == {i.upper() + "_RESULTS": "${{ steps.%s.outputs.result }}" % i for i in ids}
	print(" ".join(ids))
	PY
	echo "$output"
	assert_success
	assert_output 'step01 step02 step03 step04 step05 step06 step07 step08 step09 ex01 ex02 ex03 ex04'
}

@test "classroom workflow: its commands run here, as on the runner: packages, image, build; step01's grader, the solution put back, passes; an exercise's starter fails" {
	local dir own line id cmd shim=$BATS_TEST_TMPDIR/bin
	dir=$(handout)
	own=$BATS_TEST_TMPDIR/repo
	cp -r "$dir" "$own"
	restore "$own" step01_uts
	# The runner's sudo: this test runs as root already. The command grader
	# gives a command only PATH and HOME of its environment.
	mkdir -p "$shim"
	printf '#!/bin/sh\nexec "$@"\n' >"$shim/sudo" && chmod +x "$shim/sudo"
	runner() { env -i PATH="$shim:${PATH//$BATS_LIBEXEC:/}" HOME="$HOME" "$@"; }
	while IFS=$'\t' read -r id cmd; do
		echo "# $id: $cmd" >&3
		(cd "$own" && runner bash -ec "${cmd//\\n/$'\n'}") </dev/null >"$BATS_TEST_TMPDIR/setup.log" 2>&1 ||
			{ tail -n 30 "$BATS_TEST_TMPDIR/setup.log"; fail "the workflow's setup step failed: $cmd"; }
	done < <(workflow "$own" run)
	assert [ -x "$own/rootfs/bin/sh" ] && assert [ -x "$own/step09_security/container" ]
	while IFS=$'\t' read -r id cmd; do
		case "$id" in
		step01)
			(cd "$own" && runner bash -ec "$cmd") </dev/null || fail "$id: $cmd failed on the solution"
			assert_equal "$(jq -r '.steps[0].points' "$own/build/grade/step01/results.json")" 10 ;;
		ex02)
			run runner bash -ec "cd \"\$0\" && $cmd" "$own" </dev/null
			assert_failure ;;
		esac
	done < <(workflow "$own" with.command)
	[ -f "$own/build/grade/step01/results.json" ] || fail "no step01 grader in the workflow"
}

@test "similarity: a copied hand-in (renamed, reflowed, commented) is flagged with the reference and its source; a distinct one, an untouched skeleton and the given code are not" {
	local class=$BATS_TEST_TMPDIR/class dir
	dir=$(handout)
	mkdir -p "$class"/{alice,bob,carol,dave}
	# alice: the kit's answer; bob: alice's, names changed, lines reflowed, comments added.
	cp -r "$dir/step02_pid" "$class/alice/" && restore "$class/alice" step02_pid
	cp -r "$class/alice/step02_pid" "$class/bob/"
	sed -i 's/\binside\b/my_pid/g; s/^\t//; s|return 0;|return 0; /* done */|' "$class/bob/step02_pid/pid.c"
	# carol: her own code in the TODO; dave: the skeleton as handed out.
	cp -r "$dir/step02_pid" "$class/carol/"
	cp -r "$dir/step02_pid" "$class/dave/"
	perl -0pi -e 's{\(void\)c;\n\ttrace\("pid", "TODO\(step02\): check_pid_one\(\) is not written yet"\);\n\treturn 0;}{long me = (long)syscall(SYS_getpid);\n\n\tif (c == NULL || me == 1) {\n\t\ttrace("pid", "getpid() = %ld", me);\n\t\treturn 0;\n\t}\n\terrno = EINVAL;\n\tfprintf(stderr, "pid: I am %ld, not init\\n", me);\n\treturn -1;}' \
		"$class/carol/step02_pid/pid.c"
	grep -q 'not init' "$class/carol/step02_pid/pid.c" || fail "carol's code was not put in"
	run "$KIT_TOP/scripts/similarity.py" --min-tokens 10 "$KIT_TOP" "$class"
	echo "$output"
	assert_success
	assert_equal "$(jq -r '[.pairs[] | "\(.a)~\(.b):\(.file)"] | join(" ")' <<<"$output")" \
		"alice~(kit reference):step02_pid/pid.c alice~bob:step02_pid/pid.c bob~(kit reference):step02_pid/pid.c"
}
