/*
 * filter_gen.c - run by make, not part of ./container: builds the default
 * seccomp filter for Docker's default capabilities with seccomp.c's own
 * code and prints it as a C header, default_filter.h, which
 * precompiled_filter.c hands to the kernel at every start.
 *
 *   ./filter-gen >default_filter.h
 *
 * Man pages: seccomp_export_bpf(3).
 */
#include "kit.h"
#include "filter.h"
#include "security.h"

#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The BPF libseccomp wrote into fd, as the header's array. */
static int print_header(int fd)
{
	struct stat st;
	struct sock_filter insn;
	size_t count;

	if (sys("filter-gen", fstat(fd, &st), "fstat(the exported filter)") < 0)
		return -1;
	if (st.st_size == 0 || st.st_size % sizeof(insn) != 0)
		return fail("filter-gen", "seccomp_export_bpf() wrote %lld bytes: not a BPF program",
			    (long long)st.st_size);
	count = (size_t)st.st_size / sizeof(insn);
	printf("/* default_filter.h - written by make (filter_gen.c): do not edit.\n"
	       " * The default seccomp filter for Docker's default capabilities,\n"
	       " * %zu BPF instructions, as libseccomp %u.%u.%u built it. */\n",
	       count, seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
	printf("#define DEFAULT_FILTER_CAPS UINT64_C(%#llx)\n",
	       (unsigned long long)DOCKER_DEFAULT_CAPS);
	printf("static const struct sock_filter default_filter_bpf[%zu] = {\n", count);
	if (sys("filter-gen", lseek(fd, 0, SEEK_SET), "lseek(the exported filter)") < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (read(fd, &insn, sizeof(insn)) != (ssize_t)sizeof(insn))
			return fail("filter-gen", "cannot read back instruction %zu", i);
		printf("\t{ %#06x, %3u, %3u, 0x%08x },\n", insn.code, insn.jt, insn.jf, insn.k);
	}
	printf("};\n");
	return fflush(stdout) == 0 ? 0 : fail("filter-gen", "cannot write the header");
}

/* The filter filter_prepare() built, as the BPF the kernel gets. */
static int export_filter(int fd)
{
	return (int)sys("filter-gen", neg_errno(seccomp_export_bpf(filter.ctx, fd)),
			"seccomp_export_bpf()");
}

int main(void)
{
	int fd = (int)sys("filter-gen", memfd_create("default-filter", 0), "memfd_create()");
	int status = 1;

	if (fd < 0)
		return 1;
	if (filter_prepare(DOCKER_DEFAULT_CAPS) == 0 && export_filter(fd) == 0 && print_header(fd) == 0)
		status = 0;
	filter_cleanup();
	close(fd);
	return status;
}
