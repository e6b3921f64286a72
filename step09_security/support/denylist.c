/*
 * denylist.c - the default seccomp profile: which system calls it refuses,
 * and why. Each entry has its reason and the capabilities that lift it, as
 * in Docker's default profile; below the table, the rules for calls refused
 * only for some arguments, and the 32-bit ABIs a 64-bit kernel also runs,
 * which the filter must cover. seccomp.c turns the table into the filter.
 *
 * The default is a deny-list (everything is allowed but the table) where
 * Docker's is an allow-list (everything is refused but ~350 calls). A
 * deny-list is shorter to read and argue, which is what a teaching kit
 * needs; its weakness is that a system call added by a future kernel is
 * allowed until someone lists it. Production profiles are allow-lists.
 *
 * Chapter: 6.2 Seccomp.
 * Man pages: seccomp_rule_add(3) (struct scmp_arg_cmp), seccomp_arch_add(3),
 *            clone(2), personality(2), ioctl_tty(2), vsock(7).
 */
#include "kit.h"
#include "filter.h"

#include <errno.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define CAP(name) (UINT64_C(1) << CAP_##name)
#define NOCAP 0

/*
 * Every entry argued. Allowed on purpose: chroot (pivot_root left nothing
 * above the root to climb to), mknod (every writable mount is nodev),
 * sethostname (the UTS namespace is the container's). Docker also refuses
 * nfsservctl, ustat, sysfs, _sysctl, create_module, get_kernel_syms and
 * query_module: current kernels answer ENOSYS to all of them.
 */
const struct denial default_denials[] = {
	/* The filesystem view the mount and security layers built. */
	{ "mount umount2 umount", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "could undo the read-only root and uncover the masked /proc files" },
	{ "fsopen fsconfig fsmount fspick open_tree move_mount mount_setattr", CAP(SYS_ADMIN),
	  EPERM, ALL_CALLS, 0, 0, "the new mount API: mount(2)'s power through other doors" },
	{ "pivot_root", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "the kit sets the root once; Docker allows it to nobody" },
	{ "open_by_handle_at", CAP(DAC_READ_SEARCH), EPERM, ALL_CALLS, 0, 0,
	  "opens any inode by handle, whatever the mounts hide: the 2014 'shocker' escape" },
	{ "name_to_handle_at", CAP(DAC_READ_SEARCH), EPERM, ALL_CALLS, 0, 0,
	  "makes those handles; harmless alone (Docker allows it), needed by nothing here" },
	{ "quotactl quotactl_fd", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "quotas belong to the host's filesystems" },
	/* Namespaces: new ones open kernel code meant for root, joined ones lead out. */
	{ "unshare", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "a new user namespace grants every capability over it: step one of most kernel escapes" },
	{ "clone", CAP(SYS_ADMIN), EPERM, NS_FLAGS, 0, 0,
	  "the same through clone(2) with CLONE_NEW* flags; a plain fork stays allowed" },
	{ "clone3", CAP(SYS_ADMIN), ENOSYS, ALL_CALLS, 0, 0,
	  "its flags are in memory seccomp cannot read; ENOSYS makes glibc fall back to clone" },
	{ "setns", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "joining a namespace through a leaked fd is the way back to the host" },
	/* The kernel and the machine: there is only one, the host's. */
	{ "init_module finit_module delete_module", CAP(SYS_MODULE), EPERM, ALL_CALLS, 0, 0,
	  "a module runs as the kernel" },
	{ "kexec_load kexec_file_load", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "replaces the running kernel" },
	{ "reboot", CAP(SYS_BOOT), EPERM, ALL_CALLS, 0, 0,
	  "in a PID namespace the kernel only kills its init; not relying on that alone" },
	{ "bpf", CAP(SYS_ADMIN) | CAP(BPF), EPERM, ALL_CALLS, 0, 0,
	  "programs that run in the kernel; the verifier had many privilege escalations" },
	{ "perf_event_open", CAP(SYS_ADMIN) | CAP(PERFMON), EPERM, ALL_CALLS, 0, 0,
	  "observes the whole machine, and had many kernel bugs" },
	{ "lookup_dcookie", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "turns a kernel cookie into a host path (oprofile)" },
	{ "iopl ioperm", CAP(SYS_RAWIO), EPERM, ALL_CALLS, 0, 0,
	  "the machine's I/O ports" },
	{ "swapon swapoff", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "swap is the host's memory" },
	{ "acct", CAP(SYS_PACCT), EPERM, ALL_CALLS, 0, 0,
	  "process accounting logs every process of the host into a file" },
	{ "syslog", CAP(SYSLOG) | CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "the kernel log is the host's (anyone's when kernel.dmesg_restrict=0)" },
	{ "keyctl add_key request_key", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "keyrings are not namespaced: host users with the same uid share them" },
	{ "userfaultfd", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "stalls the kernel inside a copy from user memory: how exploits win kernel races" },
	{ "io_uring_setup io_uring_enter io_uring_register", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "work sent through the ring is not a system call: seccomp never sees it" },
	{ "vm86 vm86old", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "x86 real-mode emulation in the kernel (32-bit), a history of bugs" },
	{ "uselib", NOCAP, EPERM, ALL_CALLS, 0, 0,
	  "the obsolete a.out library loader" },
	{ "fanotify_init", CAP(SYS_ADMIN), EPERM, ALL_CALLS, 0, 0,
	  "watches file accesses on whole filesystems of the host" },
	/* The clock is not namespaced (time namespaces only offset monotonic and boot). */
	{ "settimeofday clock_settime clock_settime64 stime", CAP(SYS_TIME), EPERM, ALL_CALLS,
	  0, 0, "setting the time sets the host's" },
	{ "adjtimex clock_adjtime clock_adjtime64", CAP(SYS_TIME), EPERM, ALL_CALLS, 0, 0,
	  "the same clock; whether a call only reads is in memory seccomp cannot read "
	  "(Docker allows them)" },
	/* Other processes. */
	{ "ptrace", CAP(SYS_PTRACE), EPERM, ALL_CALLS, 0, 0,
	  "reads and writes other processes (Docker allows it since Linux 4.8); "
	  "a production container needs no debugger" },
	{ "process_vm_readv process_vm_writev process_madvise", CAP(SYS_PTRACE), EPERM,
	  ALL_CALLS, 0, 0, "another process's memory, as ptrace" },
	{ "kcmp", CAP(SYS_PTRACE), EPERM, ALL_CALLS, 0, 0,
	  "tells which kernel objects two processes share" },
	{ "pidfd_getfd", CAP(SYS_PTRACE), EPERM, ALL_CALLS, 0, 0,
	  "copies an fd out of another process" },
	/* Refused for some arguments only. */
	{ "personality", NOCAP, EPERM, PERSONA, 0, 0,
	  "ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC... turn exploit mitigations off; as Docker, "
	  "only PER_LINUX, PER_LINUX32, UNAME26 and the query" },
	{ "ioctl", NOCAP, EPERM, ARG_IS, 1, TIOCSTI,
	  "TIOCSTI types into a terminal: with the user's terminal, commands into the host's shell" },
	{ "ioctl", NOCAP, EPERM, ARG_IS, 1, TIOCLINUX,
	  "TIOCLINUX pastes the console selection: the same injection (CVE-2023-1523)" },
	{ "socket", NOCAP, EPERM, ARG_IS, 0, AF_VSOCK,
	  "vsock talks to the hypervisor, outside every namespace (as Docker)" },
};

const size_t default_denial_count = sizeof(default_denials) / sizeof(default_denials[0]);

/* Masked on 32 bits: the kernel reads these arguments as int, and a compare on all
 * 64 would let a caller set the upper half and pass (Flatpak's CVE-2019-10063). */
static struct scmp_arg_cmp bits_equal(unsigned arg, uint64_t mask, uint64_t value)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = SCMP_CMP_MASKED_EQ,
				      .datum_a = mask, .datum_b = value };
}

/* s390 passes clone's flags second; every other architecture first. */
static unsigned clone_flags_arg(void)
{
	uint32_t arch = seccomp_arch_native();

	return arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390 ? 1 : 0;
}

/* Rules are OR'ed: one per flag, "this flag set". */
static int deny_namespace_flags(scmp_filter_ctx ctx, uint32_t action, int nr)
{
	static const uint64_t flags[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
		CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct scmp_arg_cmp cmp = bits_equal(clone_flags_arg(), flags[i], flags[i]);
		if (add_rule(ctx, action, nr, "clone", 1, &cmp) < 0)
			return -1;
	}
	return 0;
}

/*
 * personality(2) may get PER_LINUX (0), PER_LINUX32 (8), either with UNAME26
 * (0x20000), or 0xffffffff (a query). libseccomp compares each argument at
 * most once per rule, and rules are OR'ed, so "none of these" is written as
 * rules "bit i set and bit j clear". Call the bits outside 0x20008 O-bits: a
 * value must be refused iff it has an O-bit set and a bit clear. The rules:
 * along a cycle through the O-bits, "this O-bit set, the next one clear";
 * and "the first O-bit set, bit 3 (or 17) clear". A refused value with a
 * clear O-bit has, somewhere along the cycle, a set O-bit followed by a
 * clear one; with all O-bits set, its clear bit is 3 or 17. No allowed value
 * matches: each rule needs an O-bit set and a bit clear.
 */
static int deny_personalities(scmp_filter_ctx ctx, uint32_t action, int nr)
{
	const uint32_t allowed_bits = 0x20008;  /* UNAME26 | PER_LINUX32 */
	uint32_t o[32];
	int n = 0;

	for (int bit = 0; bit < 32; bit++)
		if (!(allowed_bits & (UINT32_C(1) << bit)))
			o[n++] = UINT32_C(1) << bit;
	for (int k = 0; k < n + 2; k++) {
		uint32_t clear = k < n ? o[(k + 1) % n] : k == n ? 1u << 3 : 1u << 17;
		uint32_t set = k < n ? o[k] : o[0];
		struct scmp_arg_cmp cmp = bits_equal(0, set | clear, set);
		if (add_rule(ctx, action, nr, "personality", 1, &cmp) < 0)
			return -1;
	}
	return 0;
}

/* A rule of the table that looks at the arguments (which is not ALL_CALLS). */
int deny_by_arguments(scmp_filter_ctx ctx, const struct denial *d, int nr, const char *name)
{
	uint32_t action = SCMP_ACT_ERRNO(d->err);
	struct scmp_arg_cmp cmp;

	switch (d->which) {
	case NS_FLAGS:
		return deny_namespace_flags(ctx, action, nr);
	case PERSONA:
		return deny_personalities(ctx, action, nr);
	default:
		cmp = bits_equal(d->arg, 0xffffffff, d->value);
		return add_rule(ctx, action, nr, name, 1, &cmp);
	}
}

/*
 * A 64-bit kernel also runs 32-bit programs, which enter through another
 * ABI with other system call numbers: without these, a 32-bit binary would
 * pass the rules. An ABI the filter does not know gets KILL (libseccomp's
 * default "bad arch" action).
 */
int add_companion_arches(scmp_filter_ctx ctx)
{
	static const struct { uint32_t native, extra; const char *name; } companions[] = {
		{ SCMP_ARCH_X86_64, SCMP_ARCH_X86, "x86" }, { SCMP_ARCH_X86_64, SCMP_ARCH_X32, "x32" },
		{ SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, "arm" },
	};

	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
		if (companions[i].native == seccomp_arch_native() &&
		    sys("security", neg_errno(seccomp_arch_add(ctx, companions[i].extra)),
			"seccomp_arch_add(%s)", companions[i].name) < 0)
			return -1;
	return 0;
}
