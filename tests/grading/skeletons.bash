# skeletons.bash - loaded by the grading tests that need every step's
# skeleton (make exercise): each file writes them once, in setup_file.

# The lesson files that hold each step's TODO markers (make exercise).
declare -gA NEW_FILES=(
	[01]="uts.c" [02]="pid.c" [03]="mount.c" [04]="net.c" [05]="user.c"
	[06]="cgroup.c" [07]="overlay.c" [08]="ipc.c exec.c" [09]="security.c seccomp.c"
)

# write_skeletons: every step's skeleton into $BATS_FILE_TMPDIR/skeleton/,
# in parallel (each is one compiler run); a step whose skeleton was not
# written is listed in skeleton-failed, its output in exercise-NN.log.
write_skeletons() {
	local nn
	for nn in 01 02 03 04 05 06 07 08 09; do
		{ "$KIT_TOP/scripts/exercise.sh" "$nn" "$BATS_FILE_TMPDIR/skeleton" >"$BATS_FILE_TMPDIR/exercise-$nn.log" 2>&1 ||
			echo "$nn" >>"$BATS_FILE_TMPDIR/skeleton-failed"; } &
	done
	wait
}
