# skeletons.bash - loaded by the grading tests that need every step's
# skeleton (make exercise): each file writes them once, in setup_file.

# The lesson files that hold each step's TODO markers (make exercise).
declare -gA NEW_FILES=(
	[01]="uts.c" [02]="pid.c" [03]="mount.c" [04]="net.c" [05]="user.c"
	[06]="cgroup.c" [07]="overlay.c" [08]="ipc.c exec.c" [09]="security.c seccomp.c"
)

# What each skeleton must not contain outside comments: the layer's clone
# flag and the system calls (or the kit's wrappers of them) it teaches.
declare -gA STRIPPED_CALLS=(
	[01]="CLONE_NEWUTS sethostname(" [02]="CLONE_NEWPID getpid("
	[03]="CLONE_NEWNS SYS_pivot_root umount2( MS_PRIVATE MS_BIND mount(" [04]="CLONE_NEWNET IFLA_NET_NS_PID IFLA_MASTER IFLA_INFO_KIND masquerade IP_FORWARD set_link_up( add_address( add_default_route("
	[05]="CLONE_NEWUSER %s_map setresuid( setresgid( setgroups(" [06]="mkdir( cgroup.procs write_cgroup_file( unshare("
	[07]="mount(\"overlay\"" [08]="CLONE_NEWIPC mount( setns("
	[09]="cap_drop_bound( cap_set_proc( PR_SET_NO_NEW_PRIVS seccomp_load( SCMP_ACT_ERRNO seccomp_syscall_resolve_name( MS_REMOUNT mount_as("
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
