#!/usr/bin/env bash
# diff.sh STEP [--full] - what step STEP adds to the step before it, lesson first:
#   1. the lesson: the files LESSON names in the step's Makefile;
#   2. the wiring: container.c, the headers (top and support/), the Makefile;
#   3. earlier layers' files the new layer had to adapt (their lesson diffs);
#   4. the support files (support/ and any other non-lesson .c): one line each (name, lines, what it is for), or
#      their whole diff with --full (make diff STEP=NN FULL=1).
# Never the README, the tests or the binary. Step 01 has no step before it:
# its whole lesson and wiring are shown, as new files.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
step=${1:?usage: diff.sh STEP [--full]}
full=false
[ "${2:-}" = --full ] && full=true
case "$step" in
[0-9] | [0-9][0-9]) nn=$(printf %02d "$((10#$step))") ;;
*) echo "make diff: STEP must be a step number, such as 03" >&2; exit 2 ;;
esac
cur=$(cd "$top" && ls -d step"$nn"_* 2>/dev/null | head -n1 || true)
[ -n "$cur" ] || { echo "make diff: no step $nn" >&2; exit 2; }
prev=$(cd "$top" && ls -d step"$(printf %02d $((10#$nn - 1)))"_* 2>/dev/null | head -n1 || true)
cd "$top"

# make_var DIR NAME: a variable of DIR's Makefile, as make sees it.
make_var() { make --no-print-directory -s -C "$1" -f Makefile -f - print-var <<<"print-var: ; @echo \$($2)"; }

lesson=$(make_var "$cur" LESSON)
earlier=''  # the lessons of the steps before: earlier layers
for dir in step[0-9][0-9]_*; do
	[ "$dir" \< "$cur" ] && earlier+=" $(make_var "$dir" LESSON)"
done
[ -n "$lesson" ] || { echo "make diff: $cur/Makefile names no LESSON" >&2; exit 2; }

# before FILE: the same file in the step before, at the top or in support/
# (a lesson file of one step may be support in another); none: empty.
before() {
	local f
	[ -n "$prev" ] || return 0
	for f in "$prev/$1" "$prev/${1#support/}" "$prev/support/${1#support/}"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}
# show FILE: its diff from the step before (a new file: all of it).
show() {
	local old
	old=$(before "$1")
	diff -uN --label "${old:-${prev:-(none)}/$1}" --label "$cur/$1" "${old:-/dev/null}" "$cur/$1" || true
}
changed() { local old; old=$(before "$1"); [ -z "$old" ] || ! cmp -s "$old" "$cur/$1"; }
# purpose FILE: the first line of its opening comment, after "name - ".
purpose() {
	awk 'NR == 1 { sub(/^\/\* */, ""); if ($0 == "") next } { sub(/^ \* ?/, "") }
	     /^$/ || /^\*\// { exit } { text = text (text ? " " : "") $0 }
	     END { sub(/^[A-Za-z0-9_.]+ - /, "", text); sub(/\. .*/, ".", text)
	           if (length(text) > 90) { text = substr(text, 1, 87); sub(/ [^ ]*$/, "", text); text = text "..." }
	           print text }' "$1"
}
heading() { printf '\n######## %s\n\n' "$*"; }

heading "1. the lesson of $cur: $lesson"
for f in $lesson; do show "$f"; done

heading "2. the wiring: container.c, headers, Makefile"
# Headers that make writes (default_filter.h) are build output, not wiring.
for f in container.c $(cd "$cur" && ls ./*.h support/*.h 2>/dev/null | sed 's|^\./||') Makefile; do
	[ "${f##*/}" != default_filter.h ] || continue
	changed "$f" && show "$f"
done

adapted=()
for f in $earlier; do
	[ -n "$(before "$f")" ] && changed "$f" && adapted+=("$f")
done
if [ "${#adapted[@]}" -gt 0 ]; then
	heading "3. earlier layers, adapted to the new one: ${adapted[*]}"
	for f in "${adapted[@]}"; do show "$f"; done
fi

heading "4. support files (hardening, compatibility, parsing)$($full || echo ": make diff STEP=$nn FULL=1 shows them")"
for f in $(cd "$cur" && ls ./*.c support/*.c 2>/dev/null | sed 's|^\./||'); do
	case " $lesson $earlier container.c " in *" $f "*) continue ;; esac
	changed "$f" || continue
	if $full; then
		show "$f"
	else
		new=new
		[ -n "$(before "$f")" ] && new=changed
		printf '%-29s %4d lines, %-7s %s\n' "$f" "$(wc -l <"$cur/$f")" "$new" "$(purpose "$cur/$f")"
	fi
done
