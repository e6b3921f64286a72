/*
 * seccomp_dump.c - a test probe, run on the host: prints the seccomp
 * filters the kernel holds for process PID, one instruction per line
 * ("filter N: code jt jf k"), newest filter first, as the kernel keeps
 * them. What a test compares is the kernel's copy, not what a program
 * says it loaded.
 *
 *   seccomp_dump PID
 *
 * Needs CAP_SYS_ADMIN and a kernel with CONFIG_CHECKPOINT_RESTORE: the
 * process is attached with ptrace, stopped, read and let go.
 * Exit: 0 with the filters (none: no output), 2 on error.
 * Man pages: ptrace(2) (PTRACE_SECCOMP_GET_FILTER), seccomp(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c  /* linux/ptrace.h, which clashes with glibc's */
#endif
#define MAX_INSNS 4096  /* BPF_MAXINSNS */

static int die(const char *what)
{
	fprintf(stderr, "seccomp_dump: %s: %s\n", what, strerror(errno));
	return 2;
}

/* Prints filter N; returns its length, 0 when there is no filter N, -1 on error. */
static long dump_filter(pid_t pid, unsigned long n)
{
	static struct sock_filter insns[MAX_INSNS];
	long count = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)n, insns);

	if (count < 0)
		return errno == ENOENT ? 0 : -1;
	for (long i = 0; i < count && i < MAX_INSNS; i++)
		printf("filter %lu: %#06x %u %u %#010x\n", n, insns[i].code, insns[i].jt,
		       insns[i].jf, insns[i].k);
	return count;
}

int main(int argc, char **argv)
{
	pid_t pid;
	long count = 1;
	int status;

	if (argc != 2 || (pid = (pid_t)atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: seccomp_dump PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return die("ptrace(PTRACE_SEIZE)");
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) < 0)
		return die("ptrace(PTRACE_INTERRUPT)");
	for (unsigned long n = 0; count > 0; n++)
		count = dump_filter(pid, n);
	if (count < 0)
		return die("ptrace(PTRACE_SECCOMP_GET_FILTER)");
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
		return die("ptrace(PTRACE_DETACH)");
	return 0;
}
