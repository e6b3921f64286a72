/*
 * syscall_probe - makes the named system calls with harmless arguments and
 * prints, for each, "NAME: OK" or "NAME: ERRNO" (EPERM, ENOSYS...).
 *
 * The arguments are chosen so that the call does nothing even where it is
 * allowed and privileged (paths that do not exist, fd -1, invalid flags or
 * magic numbers, a personality change of the probe itself, clone children
 * that exit at once): the tests also run it unconfined with every
 * capability, to show that the kernel would answer something else and that
 * it is the seccomp filter that said EPERM.
 *
 * Each call runs in a child process of its own: a call that succeeds
 * (unshare, personality) must not change what the next one sees. A child
 * killed by a signal is reported as "NAME: SIGNAME" (SIGSEGV, SIGSYS).
 *
 * Usage: syscall_probe NAME...   (syscall_probe --list: the names it knows)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOWHERE "/nonexistent-kit-probe"

/* clone(flags) whose child exits at once; the parent reaps it. */
static long clone_with(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

static long fd_result(long fd)
{
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

static long do_mount(void) { return syscall(SYS_mount, "none", NOWHERE, "tmpfs", 0, NULL); }
static long do_umount2(void) { return syscall(SYS_umount2, NOWHERE, 0); }
static long do_pivot_root(void) { return syscall(SYS_pivot_root, NOWHERE, NOWHERE "2"); }
static long do_fsopen(void) { return fd_result(syscall(SYS_fsopen, "kit-no-such-fs", 0)); }
static long do_fsconfig(void) { return syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0); }
static long do_fsmount(void) { return fd_result(syscall(SYS_fsmount, -1, 0, 0)); }
static long do_fspick(void) { return fd_result(syscall(SYS_fspick, -1, "", 0)); }
static long do_open_tree(void) { return fd_result(syscall(SYS_open_tree, -1, "", 0)); }
static long do_move_mount(void) { return syscall(SYS_move_mount, -1, "", -1, "", 0); }
static long do_mount_setattr(void) { return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0); }
static long do_quotactl(void) { return syscall(SYS_quotactl, 0, NULL, 0, NULL); }
static long do_quotactl_fd(void) { return syscall(SYS_quotactl_fd, -1, 0, 0, NULL); }
static long do_open_by_handle_at(void) { return fd_result(syscall(SYS_open_by_handle_at, -1, NULL, 0)); }
static long do_name_to_handle_at(void) { return syscall(SYS_name_to_handle_at, -1, "", NULL, NULL, 0); }
static long do_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
/*
 * The same unshare through the other doors of an x86-64 kernel: the 32-bit
 * ABI (int $0x80, where unshare is number 310) and the x32 ABI (bit 30 set
 * in the number). A filter that knew only the 64-bit numbers would miss them.
 */
static long do_unshare_int80(void)
{
#if defined(__x86_64__)
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(310L), "b"((long)CLONE_NEWUSER)
		     : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = -ret;
		return -1;
	}
	return 0;
#else
	errno = ENOSYS;
	return -1;
#endif
}
static long do_unshare_x32(void) { return syscall(0x40000000L | SYS_unshare, CLONE_NEWUSER); }
static long do_clone_newuser(void) { return clone_with(CLONE_NEWUSER); }
static long do_clone_newns(void) { return clone_with(CLONE_NEWNS); }
static long do_clone_newnet(void) { return clone_with(CLONE_NEWNET); }
static long do_clone_newpid(void) { return clone_with(CLONE_NEWPID); }
static long do_clone_newuts(void) { return clone_with(CLONE_NEWUTS); }
static long do_clone_newipc(void) { return clone_with(CLONE_NEWIPC); }
static long do_clone_newcgroup(void) { return clone_with(CLONE_NEWCGROUP); }
static long do_fork(void) { return clone_with(0); }
static long do_clone3(void) { return syscall(SYS_clone3, NULL, 0); }
static long do_setns(void) { return syscall(SYS_setns, -1, 0); }
static long do_init_module(void) { return syscall(SYS_init_module, NULL, 0, ""); }
static long do_finit_module(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long do_delete_module(void) { return syscall(SYS_delete_module, "kit_no_such_module", 0); }
static long do_kexec_load(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0x100); }
static long do_kexec_file_load(void) { return syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0x100); }
static long do_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); }  /* wrong magic */
static long do_bpf(void) { return syscall(SYS_bpf, 0xdead, NULL, 0); }
static long do_perf_event_open(void) { return fd_result(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)); }
static long do_lookup_dcookie(void) { return syscall(SYS_lookup_dcookie, 0, NULL, 0); }
static long do_iopl(void) { return syscall(SYS_iopl, 4); }          /* level > 3 */
static long do_ioperm(void) { return syscall(SYS_ioperm, 0, 0, 0); }  /* empty range */
static long do_swapon(void) { return syscall(SYS_swapon, NULL, 0); }
static long do_swapoff(void) { return syscall(SYS_swapoff, NULL); }
static long do_acct(void) { return syscall(SYS_acct, NOWHERE "/acct"); }
static long do_syslog(void) { return syscall(SYS_syslog, 10, NULL, 0); }  /* buffer size */
static long do_keyctl(void) { return syscall(SYS_keyctl, 0, -3, 0); }  /* session keyring id */
static long do_add_key(void) { return syscall(SYS_add_key, NULL, NULL, NULL, 0, 0); }
static long do_request_key(void) { return syscall(SYS_request_key, NULL, NULL, NULL, 0); }
static long do_userfaultfd(void) { return fd_result(syscall(SYS_userfaultfd, 1 | 0x40000000)); }
static long do_io_uring_setup(void) { return fd_result(syscall(SYS_io_uring_setup, 0, NULL)); }
static long do_uselib(void) { return syscall(SYS_uselib, NULL); }
static long do_fanotify_init(void) { return fd_result(syscall(SYS_fanotify_init, 0x40000000, 0)); }
static long do_settimeofday(void) { return syscall(SYS_settimeofday, NULL, NULL); }  /* no-op */
static long do_clock_settime(void) { return syscall(SYS_clock_settime, 0x7fff, NULL); }
static long do_adjtimex(void) { return syscall(SYS_adjtimex, NULL); }
static long do_clock_adjtime(void) { return syscall(SYS_clock_adjtime, 0x7fff, NULL); }
static long do_ptrace(void) { return syscall(SYS_ptrace, 2 /* PEEKDATA */, 999999, NULL, NULL); }
/* A real attach: to a child of ours, which a plain ptrace policy would allow. */
static long do_ptrace_attach(void)
{
	pid_t child = fork();
	long r;
	int saved;

	if (child == 0) {
		pause();
		_exit(0);
	}
	r = syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, child, NULL, NULL);
	saved = errno;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	errno = saved;
	return r;
}
static long do_process_vm_readv(void) { return syscall(SYS_process_vm_readv, 999999, NULL, 0, NULL, 0, 0); }
static long do_process_vm_writev(void) { return syscall(SYS_process_vm_writev, 999999, NULL, 0, NULL, 0, 0); }
static long do_process_madvise(void) { return syscall(SYS_process_madvise, -1, NULL, 0, 0, 0); }
static long do_kcmp(void) { return syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0); }
static long do_pidfd_getfd(void) { return syscall(SYS_pidfd_getfd, -1, 0, 0); }
static long do_personality(void) { return syscall(SYS_personality, 0x40000); }  /* ADDR_NO_RANDOMIZE */
static long do_personality_bit28(void) { return syscall(SYS_personality, 0x10040000); }
static long do_personality_query(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long do_personality_linux32(void) { return syscall(SYS_personality, 8); }
static long do_personality_linux(void) { return syscall(SYS_personality, 0); }
static long do_tiocsti(void) { return syscall(SYS_ioctl, -1, TIOCSTI, "x"); }
static long do_tiocsti_high(void) { return syscall(SYS_ioctl, -1, (1UL << 32) | TIOCSTI, "x"); }
static long do_tioclinux(void) { return syscall(SYS_ioctl, -1, TIOCLINUX, "x"); }
static long do_tcgets(void) { return syscall(SYS_ioctl, -1, TCGETS, NULL); }
static long do_socket_vsock(void) { return fd_result(socket(AF_VSOCK, SOCK_STREAM, 0)); }
static long do_socket_raw(void) { return fd_result(socket(AF_INET, SOCK_RAW, 1 /* ICMP */)); }
static long do_chroot(void) { return syscall(SYS_chroot, "/"); }
static long do_getpid(void) { return syscall(SYS_getpid) < 0 ? -1 : 0; }

static const struct { const char *name; long (*call)(void); } probes[] = {
#define P(name) { #name, do_##name }
	P(mount), P(umount2), P(pivot_root), P(fsopen), P(fsconfig), P(fsmount), P(fspick),
	P(open_tree), P(move_mount), P(mount_setattr), P(quotactl), P(quotactl_fd),
	P(open_by_handle_at), P(name_to_handle_at), P(unshare), P(unshare_int80), P(unshare_x32), P(clone_newuser),
	P(clone_newns), P(clone_newnet), P(clone_newpid), P(clone_newuts), P(clone_newipc),
	P(clone_newcgroup), P(fork), P(clone3), P(setns), P(init_module), P(finit_module),
	P(delete_module), P(kexec_load), P(kexec_file_load), P(reboot), P(bpf),
	P(perf_event_open), P(lookup_dcookie), P(iopl), P(ioperm), P(swapon), P(swapoff),
	P(acct), P(syslog), P(keyctl), P(add_key), P(request_key), P(userfaultfd),
	P(io_uring_setup), P(uselib), P(fanotify_init), P(settimeofday), P(clock_settime),
	P(adjtimex), P(clock_adjtime), P(ptrace), P(ptrace_attach), P(process_vm_readv), P(process_vm_writev),
	P(process_madvise), P(kcmp), P(pidfd_getfd), P(personality), P(personality_bit28),
	P(personality_query), P(personality_linux32), P(personality_linux), P(tiocsti),
	P(tiocsti_high), P(tioclinux), P(tcgets), P(socket_vsock), P(socket_raw), P(chroot),
	P(getpid),
#undef P
};
#define NPROBES (sizeof(probes) / sizeof(probes[0]))

/*
 * A probe killed by a signal prints nothing itself: say which, so a test can
 * tell a fault from a filter. On a kernel without the 32-bit ABI
 * (ia32_emulation off), int 0x80 faults (SIGSEGV) before any system call or
 * seccomp filter sees it; a filter that kills shows SIGSYS.
 */
static void report_signal(const char *name)
{
	int status;
	const char *abbrev;

	if (wait(&status) <= 0 || !WIFSIGNALED(status))
		return;
	abbrev = sigabbrev_np(WTERMSIG(status));  /* "SEGV" */
	printf("%s: SIG%s\n", name, abbrev ? abbrev : "?");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: syscall_probe NAME... | --list\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		size_t p = 0;
		if (strcmp(argv[i], "--list") == 0) {
			for (p = 0; p < NPROBES; p++)
				printf("%s\n", probes[p].name);
			continue;
		}
		while (p < NPROBES && strcmp(probes[p].name, argv[i]) != 0)
			p++;
		if (p == NPROBES) {
			fprintf(stderr, "syscall_probe: unknown probe %s\n", argv[i]);
			return 2;
		}
		fflush(stdout);
		if (fork() == 0) {
			errno = 0;
			if (probes[p].call() < 0)
				printf("%s: %s\n", argv[i], strerrorname_np(errno));
			else
				printf("%s: OK\n", argv[i]);
			fflush(stdout);
			_exit(0);
		}
		report_signal(argv[i]);
	}
	return 0;
}
