/*
 * cap_raise - tries to get a capability back after the kit dropped it:
 * raise it in the effective set with capset(2), then in the ambient set
 * with prctl(PR_CAP_AMBIENT_RAISE). Prints "raised: HOW" for what worked,
 * then "raised" (exit 0) or "refused" (exit 1).
 *
 * Usage: cap_raise CAPNUMBER   (21 is CAP_SYS_ADMIN; see capabilities(7))
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap, raised = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: cap_raise CAPNUMBER\n");
		return 2;
	}
	cap = atoi(argv[1]);
	syscall(SYS_capget, &h, d);
	d[cap / 32].effective |= 1u << (cap % 32);
	d[cap / 32].permitted |= 1u << (cap % 32);
	d[cap / 32].inheritable |= 1u << (cap % 32);
	if (syscall(SYS_capset, &h, d) == 0)
		raised += printf("raised: capset\n") > 0;
	else
		printf("capset: %s\n", strerrorname_np(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0)
		raised += printf("raised: ambient\n") > 0;
	else
		printf("ambient: %s\n", strerrorname_np(errno));
	printf("%s\n", raised ? "raised" : "refused");
	return raised ? 0 : 1;
}
