/*
 * precompiled_filter.c - speed, not a layer: the default seccomp filter,
 * built once by make instead of at every start.
 *
 * seccomp.c builds the default filter with libseccomp: every rule's calls
 * looked up by name for three ABIs, then compiled to BPF. That cost 1-3 ms
 * and 0.3 MB at every start, for a program that is the same whenever the
 * granted capabilities lift the same rules. So make runs that code once
 * (filter_gen.c, for Docker's default capabilities) and writes the BPF to
 * default_filter.h; a start hands it to the kernel with seccomp(2), with
 * no flags, as seccomp_load() does with the attributes seccomp.c sets.
 *
 * It is used only when it is the filter the start would build: no
 * profile, not -v (which builds it, to trace its rules), and granted
 * capabilities that lift exactly the rules the build's did. Without
 * PRECOMPILED_FILTER (the skeleton, the fuzzer, make's own generator), the
 * filter is always built at run time. security.bats proves, from the
 * kernel's copy of each, that both ways install the same program.
 *
 * Chapter: 6.2 Seccomp.
 * Man pages: seccomp(2), seccomp_export_bpf(3).
 */
#include "kit.h"
#include "filter.h"

#ifdef PRECOMPILED_FILTER
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "default_filter.h"  /* default_filter_bpf[], DEFAULT_FILTER_CAPS: written by make */

/* Also what -v, which builds the filter to trace its rules, or a profile, do not use. */
bool use_precompiled_filter(uint64_t caps)
{
	uint64_t lifting = 0;  /* the capabilities that change the default filter */

	for (size_t i = 0; i < default_denial_count; i++)
		lifting |= default_denials[i].lifted_by;
	filter.precompiled = !filter.profile_file && !verbose &&
			     ((caps ^ DEFAULT_FILTER_CAPS) & lifting) == 0;
	return filter.precompiled;
}

int precompiled_filter_load(void)
{
	struct sock_fprog program = {
		.len = sizeof(default_filter_bpf) / sizeof(default_filter_bpf[0]),
		.filter = (struct sock_filter *)default_filter_bpf,
	};

	return (int)sys("security", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program),
			"seccomp(SECCOMP_SET_MODE_FILTER, the default filter built by make)");
}

#else

bool use_precompiled_filter(uint64_t caps)
{
	(void)caps;
	return false;
}

int precompiled_filter_load(void)
{
	return fail("security", "this build has no precompiled filter");
}

#endif
