#!/usr/bin/env bats
# sandbox.bats - a class of hostile hand-ins, graded as make grade CLASS=DIR
# grades them: each in a throwaway VM of its own (scripts/grade-sandbox.sh).
# Two good hand-ins (the kit's step 01) and six that do harm from their
# program (tests/vm/hostile.c appended to step 01's uts.c): delete a host
# file, kill -9 -1, a fork bomb, fill the disk, flush nftables and touch
# kit0 and ip_forward, read another hand-in and the kit's references.
# Then: the host is as it was (the canary file, the nftables ruleset, kit0,
# ip_forward; no process, mount or file left), the good hand-ins get full
# marks, every hostile one has its row, and each harm was tried in its VM
# (its trace on that VM's console) and reached nothing outside.
# The hostile hand-ins are graded only with SANDBOX=vm; their code also does
# nothing outside run-in-vm.sh's guest (hostile.c).
# CI: make check-sandbox (~5 min under TCG). Run it under the kit's lock:
# it compares the host's network state before and after.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

KIT_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HOSTILE=(rm kill bomb fill nft read)
GOOD=(alice bob)
# A few of step 01's tests: enough to give full marks, quick in a VM.
FILTER='^(cli: --help|uts: the hostname inside is)'
REFERENCE=$KIT_TOP/tests/grading/exercises/ex01_namespaces/start.sh

# host_state: what no hand-in may change on the host.
host_state() {
	echo "canary $(cat "$CANARY" 2>&1)"
	echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
	echo "kit0 $(ip -o link show kit0 2>&1 | sed 's/ \(state\|qlen\) .*//')"
	nft list ruleset 2>&1 | sed 's/^/nft /'
	echo "hostname $(cat /etc/hostname)"
	ls -l /usr/bin/bats
}

# hand_in NAME: the kit's step 01, as a student hands it in.
hand_in() {
	mkdir -p "$CLASS/$1"
	cp -r "$KIT_TOP"/step01_* "$CLASS/$1/"
	rm -rf "$CLASS/$1"/*/tests "$CLASS/$1"/*/container "$CLASS/$1"/*/*.o
}

# hostile NAME DEFINES...: a hand-in whose program does harm (hostile.c).
hostile() {
	local name=$1 uts
	shift
	hand_in "$name"
	uts=$(echo "$CLASS/$name"/step01_*/uts.c)
	printf '#define %s\n' "$@" >>"$uts"
	cat "$BATS_TEST_DIRNAME/hostile.c" >>"$uts"
}

setup_file() {
	export CLASS=$BATS_FILE_TMPDIR/class OUT=$BATS_FILE_TMPDIR/grade CANARY=$BATS_FILE_TMPDIR/canary
	export SECRET="alice-secret-$RANDOM$RANDOM" TMPDIR=$BATS_FILE_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	echo "the host's own file $RANDOM" >"$CANARY"
	for s in "${GOOD[@]}"; do hand_in "$s"; done
	echo "/* $SECRET */" >>"$CLASS"/alice/step01_uts/uts.c
	hostile rm "HOSTILE_RM \"$CANARY\""
	hostile kill HOSTILE_KILL
	hostile bomb HOSTILE_BOMB
	hostile fill HOSTILE_FILL
	hostile nft HOSTILE_NFT
	hostile read "HOSTILE_READ_OTHER \"$(echo "$CLASS"/alice/step01_uts/uts.c)\"" \
		"HOSTILE_READ_REF \"$REFERENCE\"" "HOSTILE_READ_LESSON \"$(echo "$KIT_TOP"/step02_*/pid.c)\"" \
		"HOSTILE_READ_SECRET \"${SECRET%?}[${SECRET: -1}]\"" "HOSTILE_READ 1"
	host_state >"$BATS_FILE_TMPDIR/before"
	start=$SECONDS
	SANDBOX=vm JOBS=${SANDBOX_JOBS:-3} TIMEOUT=${SANDBOX_TIMEOUT:-240} SANDBOX_DISK_SIZE=512M \
		"$KIT_TOP/scripts/grade-class.sh" --step 01 --filter "$FILTER" --out "$OUT" "$CLASS" \
		>"$BATS_FILE_TMPDIR/class.log" 2>&1 || echo "grade-class.sh: exit $?" >>"$BATS_FILE_TMPDIR/class.log"
	echo "$((SECONDS - start))" >"$BATS_FILE_TMPDIR/seconds"
	host_state >"$BATS_FILE_TMPDIR/after"
}

# row NAME JQ: a value of NAME's row in the class's JSON.
row() { jq -r --arg s "$1" ".students[] | select(.student == \$s) | $2" "$OUT/class.json"; }

@test "sandbox: the class is graded, each hand-in in a VM of its own" {
	cat "$BATS_FILE_TMPDIR/class.log"
	echo "class graded in $(cat "$BATS_FILE_TMPDIR/seconds") s"
	run grep -c '^=== student ' "$BATS_FILE_TMPDIR/class.log"
	assert_output 8
	for s in "${GOOD[@]}" "${HOSTILE[@]}"; do
		grep -q '^grade-sandbox: grading .* in a VM' "$OUT/students/$s.log"
		grep -q '^run-in-vm: booting ' "$OUT/students/$s.log"
	done
	assert_equal "$(head -n 1 "$OUT/class.csv")" '"student","step01_uts","points","max_points"'
	assert_equal "$(tail -n +2 "$OUT/class.csv" | wc -l)" 8
}

@test "sandbox: the good hand-ins get full marks, as in a clean run" {
	for s in "${GOOD[@]}"; do
		grep -xF "\"$s\",10,10,10" "$OUT/class.csv"
		assert_equal "$(jq -r '[.tests[] | .status] | unique | join(" ")' "$OUT/students/$s/results.json")" pass
		assert_equal "$(jq '.tests | length' "$OUT/students/$s/results.json")" 4
	done
}

@test "sandbox: each hostile hand-in has its row, its harm tried in its VM" {
	local s
	for s in "${HOSTILE[@]}"; do
		run row "$s" .points
		assert_output --regexp '^[0-9.]+$'
	done
	# The trace each program left on its VM's console.
	grep -q "^hostile: unlink $CANARY: No such file or directory" "$OUT/students/rm.log"
	grep -q '^hostile: kill -9 -1' "$OUT/students/kill.log"
	grep -q '^hostile: a fork bomb' "$OUT/students/bomb.log"
	grep -qE '^hostile: filled /run/vm/disk/fill with [0-9]+ MB: No space left on device' "$OUT/students/fill.log"
	grep -q '^hostile: nft flush ruleset; .*: status ' "$OUT/students/nft.log"
	grep -q "^hostile: read $CLASS/alice/step01_uts/uts.c: No such file or directory" "$OUT/students/read.log"
	# Scored for what it earned: its grading killed, or out of time; a row of 0 saying why.
	run row kill .note
	assert_output --regexp 'status 137|killed|without finishing'
	assert_equal "$(row kill .points)" 0
	run row bomb .note
	assert_output --partial "ran out of its time limit"
	assert_equal "$(row bomb .points)" 0
	# The ones whose harm did not stop their program: graded as a clean run.
	for s in rm nft; do assert_equal "$(row "$s" .points)" 10; done
}

@test "sandbox: the host is unchanged: canary, nftables ruleset, kit0, ip_forward; nothing left behind" {
	diff -u "$BATS_FILE_TMPDIR/before" "$BATS_FILE_TMPDIR/after"
	grep -q "^canary the host's own file" "$BATS_FILE_TMPDIR/after"
	# No VM, no run dir, no mount of the graders'.
	assert_equal "$(ls -A "$TMPDIR")" ""
	run grep -F "$BATS_FILE_TMPDIR" /proc/self/mountinfo
	assert_failure
	local pid stray=()
	for pid in $(pgrep -f "$BATS_FILE_TMPDIR" || true); do
		[ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] && stray+=("$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)")
	done
	assert_equal "${stray[*]}" ""
}

@test "sandbox: no hand-in reads another's work or the kit's references: the VM holds neither" {
	local s
	# The reader tried files and the host's 9p share, and found nothing.
	run grep -E '^(STOLEN|SEEN /)' "$OUT/students/read.log"
	assert_failure
	grep -q "^hostile: read $REFERENCE: No such file or directory" "$OUT/students/read.log"
	grep -q "^cat: /run/h$CLASS/alice/step01_uts/uts.c: No such file or directory" "$OUT/students/read.log"
	grep -q '^SEEN ls: cannot access' "$OUT/students/read.log"
	for s in "${HOSTILE[@]}" bob; do
		run grep -rlF "$SECRET" "$OUT/students/$s" "$OUT/students/$s.log"
		assert_failure
		run grep -rlF "$(sed -n 2p "$REFERENCE")" "$OUT/students/$s" "$OUT/students/$s.log"
		assert_failure
	done
}
