#!/usr/bin/env bash
# mutate.sh [--step NN] [--only ID] [--build-only] - mutation testing: proves that every
# lesson line matters (make mutate [STEP=NN]).
#
# Each line of mutations.tsv removes or weakens one system call of a lesson
# file. For each mutation ALONE: the step directory is copied to a scratch
# directory (build/mutate/ID/stepNN_*), the exact text is replaced (it must
# occur exactly once: the table keeps up with the code, or this fails
# loudly), the copy is built, and that step's own tests run against the
# mutant (CONTAINER=..., BATS_TEST_TIMEOUT, as tests/run.sh does; KIT_ROOTFS,
# a copy of the image for each mutant, which may write into it). A failing
# test KILLS the mutant; if all pass, it SURVIVED: the lesson line is not
# proven by any test. The exit status is non-zero when a mutation cannot be
# applied or built, or a survivor is not listed as accepted (with a reason).
#
# mutations.tsv, tab-separated, '#' starts a comment line:
#   id  step  file  find  replace  description  sandbox  filter  accepted
# file: its path in the step directory (support/NAME.c for a support file).
# find/replace: literal text within one line, no escapes (replace "-" = delete).
# sandbox: "-", or throwaway namespaces the tests of that mutant run in, for a
#   mutant that would change the host if it escaped: a comma list of uts,
#   net (lo is brought up in it), mnt (private propagation; the kit's state
#   directory /run/container-kit is a fresh tmpfs there), ipc.
# filter: "-", or a bats --filter regex of the tests to run: a SPEED choice
#   only, for steps whose suite is long; the chosen tests must still be the
#   ones that prove the line.
# accepted: "-", or why a survivor is acceptable (the mutant is then scored
#   "survived (accepted)" and does not fail the run).
#
# Each mutant's tests hold /tmp/kit-tests.lock for that mutant only, so
# other test runs on this machine can go in between. Started under that
# lock already (`flock /tmp/kit-tests.lock make mutate`), it takes it no
# second time: a new open of the file would wait for its own parent.
set -uo pipefail

lock=/tmp/kit-tests.lock
# Whether a process above this one holds $lock (/proc/locks names the pid
# that took it, and the file's device:inode).
lock_held_above() {
	local inode holders pid=$$
	inode=$(stat -c %i "$lock" 2>/dev/null) || return 1
	holders=" $(awk -v ino="$inode" '$2 == "FLOCK" { n = split($6, f, ":"); if (f[n] == ino) print $5 }' /proc/locks | tr '\n' ' ')"
	while [ "$pid" -gt 1 ]; do
		case "$holders" in *" $pid "*) return 0 ;; esac
		pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
	done
	return 1
}
take_lock=(flock "$lock")
lock_held_above && take_lock=()

top=$(cd "$(dirname "$0")/../.." && pwd)
table=$top/tests/mutate/mutations.tsv
scratch=$top/build/mutate
# --run NAMESPACES COMMAND...: (under the lock) COMMAND in the throwaway
# namespaces, if any; its run time last, on a line of its own.
if [ "${1:-}" = --run ]; then
	list=$2 opts=()
	shift 2
	begin=$(date +%s)
	if [ "$list" != - ]; then
		for ns in ${list//,/ }; do
			case $ns in
			uts) opts+=(--uts) ;;
			net) opts+=(--net) ;;
			ipc) opts+=(--ipc) ;;
			mnt) opts+=(--mount --propagation private) ;;
			*) echo "mutate.sh: unknown namespace $ns" >&2; exit 2 ;;
			esac
		done
		mkdir -p /run/container-kit
		# shellcheck disable=SC2016
		unshare "${opts[@]}" -- bash -c '
			# A new netns may copy the host'"'"'s ip_forward (on once the kit ran):
			# off, as on a host that never ran it, or net-forward cannot be seen.
			case ",$0," in *,net,*) { ip link set lo up && echo 0 >/proc/sys/net/ipv4/ip_forward; } || exit 2 ;; esac
			case ",$0," in *,mnt,*) mount -t tmpfs kit-mutate /run/container-kit || exit 2 ;; esac
			exec "$@"' "$list" "$@"
	else
		"$@"
	fi
	echo "# ran for $(($(date +%s) - begin)) s"
	exit 0
fi

only_step='' only_id='' build_only=false
while [ $# -gt 0 ]; do
	case "$1" in
	--step) only_step=$((10#${2:?--step needs a step number})); shift ;;
	--only) only_id=${2:?--only needs a mutation id}; shift ;;
	--build-only) build_only=true ;;
	*) echo "usage: mutate.sh [--step NN] [--only ID] [--build-only]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "mutate.sh: the tests need root" >&2; exit 2; }
[ -x "$top/rootfs/bin/sh" ] || { echo "mutate.sh: no rootfs: run make rootfs test-tools" >&2; exit 2; }

# apply FILE FIND REPLACE: replaces the one occurrence of FIND; fails otherwise.
apply() {
	python3 - "$@" <<-'PY'
	import sys
	path, find, replace = sys.argv[1:]
	text = open(path).read()
	n = text.count(find)
	if n != 1:
	    sys.exit(f"found {n} times, not once")
	open(path, "w").write(text.replace(find, replace))
	PY
}

# build_mutant STEP-DIR WORK-DIR FILE: the step's own build command (its
# .build-flags, written by its Makefile), file by file: every other object is
# compiled once per step and reused, only FILE is compiled again. Warnings are
# not errors here: a mutant may leave a function unused.
build_mutant() {
	local step_dir=$1 work=$2 file=$3 objs words w i cc flags=() sources=() libs=() others=()
	objs=$scratch/.objects/$(basename "$step_dir")
	make -s -C "$step_dir" || return 1
	# xargs undoes the command's shell quoting (-DLIBSUBID_SONAME=\"...\"), as the shell did for make.
	mapfile -t words < <(xargs printf '%s\n' <"$step_dir/.build-flags")
	cc=${words[0]}
	for ((i = 1; i < ${#words[@]}; i++)); do
		w=${words[i]}
		case $w in
		-o) i=$((i + 1)) ;;
		-Werror) ;;
		*.c) sources+=("$w") ;;
		-l*) libs+=("$w") ;;
		*) flags+=("$w") ;;
		esac
	done
	mkdir -p "$objs"
	for w in "${sources[@]}"; do
		[ "$w" = "$file" ] && continue
		mkdir -p "$(dirname "$objs/$w")"  # support/NAME.c: objects/support/NAME.o
		[ "$objs/${w%.c}.o" -nt "$step_dir/$w" ] && [ "$objs/${w%.c}.o" -nt "$step_dir/.build-flags" ] ||
			(cd "$step_dir" && "$cc" "${flags[@]}" -c "$w" -o "$objs/${w%.c}.o") || return 1
	done
	for w in "${sources[@]}"; do [ "$w" = "$file" ] || others+=("$objs/${w%.c}.o"); done
	(cd "$work" && "$cc" "${flags[@]}" -c "$file" -o "$file.o" &&
		"$cc" "${flags[@]}" -o container "$file.o" "${others[@]}" "${libs[@]}")
}

# Every lesson file of every step has mutations: a new one cannot be forgotten.
uncovered=0
for makefile in "$top"/step[0-9][0-9]_*/Makefile; do
	dir=$(basename "$(dirname "$makefile")") n=${dir#step}
	n=${n%%_*}
	for file in $(sed -n 's/^LESSON *= *//p' "$makefile"); do
		awk -F'\t' -v s="$n" -v f="$file" '$2 == s && $3 == f { found = 1 } END { exit !found }' "$table" ||
			{ echo "mutate.sh: $dir/$file is a lesson file with no mutation in mutations.tsv" >&2; uncovered=1; }
	done
done

killed=0 survived=0 accepted=0 broken=0 total=0 testing=0
results=()
start=$SECONDS
while IFS=$'\t' read -r id step file find replace what sandbox filter why; do
	case "$id" in ''|'#'*) continue ;; esac
	[ -z "$only_step" ] || [ "$((10#$step))" -eq "$only_step" ] || continue
	[ -z "$only_id" ] || [ "$id" = "$only_id" ] || continue
	total=$((total + 1))
	dir=$(cd "$top" && ls -d step"$step"_* 2>/dev/null | head -n1)
	work=$scratch/$id/$dir
	rm -rf "${scratch:?}/$id" && mkdir -p "$scratch/$id" && cp -a "$top/$dir" "$work" && rm -f "$work/container"
	[ "$replace" != - ] || replace=''
	if ! why_not=$(apply "$work/$file" "$find" "$replace" 2>&1); then
		echo "BROKEN   $id ($dir/$file): the text to mutate is $why_not; update mutations.tsv"
		results+=("BROKEN $id"); broken=$((broken + 1)); continue
	fi
	if ! build_mutant "$top/$dir" "$work" "$file" >"$scratch/$id/build.log" 2>&1 </dev/null; then
		echo "BROKEN   $id: the mutant does not build (see $scratch/$id/build.log)"
		results+=("BROKEN $id"); broken=$((broken + 1)); continue
	fi
	if $build_only; then echo "built    $id"; continue; fi
	args=(--tap)
	[ "${filter:--}" = - ] || args+=(--filter "$filter")
	# Its own copy of the image: a mutant may write into the rootfs it was given.
	cp -a "$top/rootfs" "$scratch/$id/rootfs"
	"${take_lock[@]}" env CONTAINER="$work/container" KIT_ROOTFS="$scratch/$id/rootfs" BATS_TEST_TIMEOUT=180 \
		"$0" --run "${sandbox:--}" bats "${args[@]}" "$top/$dir/tests" >"$scratch/$id/tests.tap" 2>&1 </dev/null
	rm -rf "${scratch:?}/$id/rootfs"
	ran_for=$(sed -n 's/^# ran for \([0-9]*\) s$/\1/p' "$scratch/$id/tests.tap" | tail -n1)
	testing=$((testing + ${ran_for:-0}))
	first=$(grep -m1 '^not ok ' "$scratch/$id/tests.tap" | sed 's/^not ok [0-9]* //')
	ran=$(grep -c '^\(not \)\?ok ' "$scratch/$id/tests.tap")
	took="${ran_for:-?} s, $ran tests"
	if [ -n "$first" ]; then
		echo "killed   $id ($took): $first"
		killed=$((killed + 1))
	elif [ "$ran" -eq 0 ]; then
		echo "BROKEN   $id: no test ran (see $scratch/$id/tests.tap)"
		results+=("BROKEN $id"); broken=$((broken + 1)); continue
	elif [ -n "$why" ] && [ "$why" != - ]; then
		echo "survived $id ($took), accepted: $why"
		accepted=$((accepted + 1))
	else
		echo "SURVIVED $id ($took): $what - no test of step $step fails without it"
		results+=("SURVIVED $id"); survived=$((survived + 1))
	fi
done <"$table"

echo
if $build_only; then
	echo "$((total - broken)) of $total mutations apply and build"
	[ "$broken" -eq 0 ] && [ "$uncovered" -eq 0 ]
	exit
fi
echo "mutation score: $killed killed of $((total - broken)) run ($accepted accepted survivors," \
	"$survived unexplained survivors, $broken broken)"
echo "time: $((SECONDS - start)) s in all, $testing s of it running tests (the rest: builds, waiting for the lock)"
for r in "${results[@]}"; do echo "  $r"; done
[ "$total" -gt 0 ] || { echo "mutate.sh: no mutation selected" >&2; exit 2; }
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ] && [ "$uncovered" -eq 0 ]
