#!/usr/bin/env bash
# escape-report.sh - step09's escape suite against the kit's final program,
# against runc with its default `runc spec` config (no seccomp filter), and
# against what people run: podman + runc with podman's default capabilities
# and seccomp profile (tests/runc/podman-container), and Docker + runc with
# Docker's (tests/runc/docker-container, on a dockerd of the report's own,
# tests/runc/dockerd.bash); all on the same rootfs, the columns side by side. "contained" means the test's checks
# held: the attempt was refused; "NOT CONTAINED" means they did not: the
# attempt worked, or was refused some other way than the checks expect.
# runc's, podman's and Docker's columns are for comparison only: the exit status says
# whether the kit contained every attempt.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
suite=$top/step09_security/tests/security.bats
out=$top/build/reports
mkdir -p "$out"
[ -x "$top/step09_security/container" ] || { echo "escape-report: step09 is not built" >&2; exit 2; }

run_suite() {  # run_suite NAME PROGRAM: TAP of the escape tests into $out/escapes-NAME.tap
	env CONTAINER="$2" KIT_PROGRAM_STEP=9 BATS_TEST_TIMEOUT=120 \
		bats --tap -f '^escape: ' "$suite" >"$out/escapes-$1.tap" 2>&1
}

result() {  # result NAME TITLE: contained / ESCAPED / skipped
	local line
	line=$(grep -F -- "$2" "$out/escapes-$1.tap" | grep -E '^(ok|not ok) ' | head -n1)
	case "$line" in
	*"# skip"*) echo skipped ;;
	"ok "*) echo contained ;;
	"not ok "*) echo "NOT CONTAINED" ;;
	*) echo "?" ;;
	esac
}

run_suite kit "$top/step09_security/container"
if command -v runc >/dev/null; then
	run_suite runc "$top/tests/runc/container"
else
	echo "# runc is not installed: its column is empty" >"$out/escapes-runc.tap"
fi
if command -v podman >/dev/null && command -v runc >/dev/null; then
	run_suite podman "$top/tests/runc/podman-container"
else
	echo "# podman or runc is not installed: podman's column is empty" >"$out/escapes-podman.tap"
fi
if command -v dockerd >/dev/null && command -v runc >/dev/null; then
	source "$top/tests/runc/dockerd.bash"
	KIT_DOCKER_DIR=$(mktemp -d /tmp/kit-escape-docker.XXXXXX)
	export KIT_DOCKER_DIR
	if dockerd_start "$KIT_DOCKER_DIR" /kit-escape-docker; then
		run_suite docker "$top/tests/runc/docker-container"
	else
		echo "# dockerd did not start: $(cat "$KIT_DOCKER_DIR/dockerd.log")" >"$out/escapes-docker.tap"
	fi
	dockerd_stop "$KIT_DOCKER_DIR" /kit-escape-docker
else
	echo "# docker.io or runc is not installed: Docker's column is empty" >"$out/escapes-docker.tap"
fi

printf '\n%-72s %-14s %-20s %-29s %s\n' "escape attempt (step09_security/tests/security.bats)" "the kit" \
	"runc (default spec)" "podman + runc (its defaults)" "Docker + runc (its defaults)"
kit_escaped=0 runc_escaped=0 podman_escaped=0 docker_escaped=0 total=0
while IFS= read -r title; do
	k=$(result kit "$title") r=$(result runc "$title") p=$(result podman "$title") d=$(result docker "$title")
	printf '%-72s %-14s %-20s %-29s %s\n' "${title#escape: }" "$k" "$r" "$p" "$d"
	total=$((total + 1))
	case "$k" in "NOT CONTAINED" | "?") kit_escaped=$((kit_escaped + 1)) ;; esac
	case "$r" in "NOT CONTAINED" | "?") runc_escaped=$((runc_escaped + 1)) ;; esac
	case "$p" in "NOT CONTAINED" | "?") podman_escaped=$((podman_escaped + 1)) ;; esac
	case "$d" in "NOT CONTAINED" | "?") docker_escaped=$((docker_escaped + 1)) ;; esac
done < <(grep -E '^(ok|not ok) [0-9]+ escape: ' "$out/escapes-kit.tap" |
	sed -E 's/^(ok|not ok) [0-9]+ //; s/ # (skip|in ).*//')
echo "$total attempts: not contained by the kit $kit_escaped, by runc's default spec $runc_escaped," \
	"by podman + runc $podman_escaped, by Docker + runc $docker_escaped"
echo "(skipped: this kernel lacks what the attempt attacks; runc's default spec has no seccomp filter;"
echo " podman's and Docker's columns have their default seccomp profiles and capabilities)"
[ "$kit_escaped" -eq 0 ]
