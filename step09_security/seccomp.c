/*
 * seccomp.c - the security layer's system call filter: which system calls
 * COMMAND and everything it starts may make at all. Capabilities decide
 * what a permission check allows; seccomp removes the call before any check
 * runs, so a kernel bug behind that check is out of reach.
 *
 *   default                    a deny-list with the effect of Docker's
 *                              default profile (the table in denylist.c)
 *   --security-opt seccomp=FILE  a profile in Docker's / OCI's JSON format
 *                              (profile.c)
 *   --security-opt seccomp=unconfined  no filter (not recommended)
 *
 * libseccomp turns rules into a BPF program: seccomp_init() with the
 * default action, seccomp_rule_add() for each call (and argument test) that
 * gets another one, seccomp_load() to hand the program to the kernel. Like
 * Docker's profile, the default follows the capabilities: a rule whose calls
 * a granted capability is meant to allow (mount with CAP_SYS_ADMIN...) is
 * left out, so --cap-add means what it says.
 *
 * The same code runs at build time too: make builds the default filter
 * once and keeps its BPF (filter_gen.c, precompiled_filter.c), which the
 * kernel gets unchanged, so a start need not build it again.
 *
 * The parent builds the filter before clone, so a bad profile is reported
 * before anything exists; the child loads it as the very last thing before
 * execve. The filter therefore applies to that execve: a profile must
 * allow execve, as with Docker. A profile that refuses it is reported
 * before the container starts (exit 125); one that refuses it only for some
 * arguments makes execvp fail in the child (exit 126, and its message is
 * printed only if the profile allows write). With -v, the kit's last trace
 * line (execvp) is written under the filter too.
 *
 * Chapter: 6.2 Seccomp (the JSON format, seccomp=unconfined).
 * Man pages: seccomp(2), seccomp_init(3), seccomp_rule_add(3),
 *            seccomp_syscall_resolve_name(3), seccomp_load(3),
 *            seccomp_attr_set(3), seccomp_export_bpf(3).
 */
#include "kit.h"
#include "filter.h"

#include <stdio.h>
#include <string.h>

/* The filter the parent builds and the child loads, and the option that chose it. */
static struct filter_state {
	scmp_filter_ctx ctx;
	bool precompiled;          /* the same default filter, built by make instead */
	const char *profile_file;  /* --security-opt seccomp=FILE */
	bool unconfined;           /* --security-opt seccomp=unconfined */
} filter;

int filter_option(const char *value)
{
	filter.unconfined = strcmp(value, "unconfined") == 0;
	filter.profile_file = filter.unconfined ? NULL : value;
	return 0;
}

bool filter_enabled(void)
{
	return !filter.unconfined;
}

/* libseccomp would set no_new_privs itself when loading; the security layer decides. */
scmp_filter_ctx new_filter(uint32_t default_action)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);

	if (ctx == NULL) {
		fail("security", "seccomp_init(): failed (out of memory, or an invalid default action)");
		return NULL;
	}
	if (sys("security", neg_errno(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)),
		"seccomp_attr_set(SCMP_FLTATR_CTL_NNP, 0)") < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* One rule: system call nr gets action when all count comparisons hold. */
int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
	     unsigned count, const struct scmp_arg_cmp *cmp)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, count, cmp);

	if (rc < 0)
		return (int)sys("security", neg_errno(rc),
				"seccomp_rule_add(%s, %u argument checks)", name, count);
	return 0;
}

/* The calls of one entry of the table, by name: libseccomp knows each architecture's numbers. */
static int add_denials(scmp_filter_ctx ctx, const struct denial *d, uint64_t caps)
{
	/* exercise: 1. (the parent, before clone) deny the calls of one table entry D:
	 *   if a granted capability lifts it (d->lifted_by & caps), trace
	 *   "seccomp: allow NAMES (a granted capability lifts it)" and add nothing;
	 *   else trace "seccomp: NAMES -> ERRNO: WHY" (d->names, strerrorname_np(d->err),
	 *   d->why; the tests expect "[security] seccomp: mount umount2 umount -> EPERM..."),
	 *   then for each name of d->names (space-separated): its number for every
	 *   architecture, seccomp_syscall_resolve_name(3) (__NR_SCMP_ERROR: unknown, fail),
	 *   and add_rule(ctx, SCMP_ACT_ERRNO(d->err), nr, name, 0, NULL) - or, when
	 *   d->which is not ALL_CALLS, deny_by_arguments(ctx, d, nr, name).
	 * check: ^(seccomp|security): (every system call|root gets|-v traces)
	 */
	char names[128], *name, *save;

	if (d->lifted_by & caps) {
		trace("security", "seccomp: allow %s (a granted capability lifts it)", d->names);
		return 0;
	}
	trace("security", "seccomp: %s -> %s: %s", d->names, strerrorname_np(d->err), d->why);
	snprintf(names, sizeof(names), "%s", d->names);
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		int nr = seccomp_syscall_resolve_name(name), r;
		if (nr == __NR_SCMP_ERROR)
			return fail("security", "seccomp: libseccomp does not know \"%s\"", name);
		if (d->which == ALL_CALLS)
			r = add_rule(ctx, SCMP_ACT_ERRNO(d->err), nr, name, 0, NULL);
		else
			r = deny_by_arguments(ctx, d, nr, name);
		if (r < 0)
			return -1;
	}
	return 0;
	/* end exercise */
}

/* Everything is allowed but the table; ABIs the filter does not know are killed. */
static scmp_filter_ctx default_profile(uint64_t caps)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);

	if (ctx == NULL)
		return NULL;
	if (add_companion_arches(ctx) < 0)
		goto fail;
	for (size_t i = 0; i < default_denial_count; i++)
		if (add_denials(ctx, &default_denials[i], caps) < 0)
			goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* --- the phases ---------------------------------------------------------------------- */

int filter_prepare(uint64_t granted_caps)
{
	if (filter.unconfined) {
		trace("security", "seccomp: unconfined, no filter");
		return 0;
	}
	/* Speed, not a lesson: make ran default_profile() once, for these
	 * capabilities, and kept the BPF (precompiled_filter.c). -v builds it
	 * here, to show its rules. */
	if (!filter.profile_file && !verbose && precompiled_filter_fits(granted_caps)) {
		filter.precompiled = true;
		return 0;
	}
	filter.ctx = filter.profile_file ? profile_from_file(filter.profile_file, granted_caps)
					 : default_profile(granted_caps);
	return filter.ctx ? 0 : -1;
}

/* make: the filter filter_prepare() built, as the BPF the kernel gets (filter_gen.c). */
int filter_export(int fd)
{
	return (int)sys("security", neg_errno(seccomp_export_bpf(filter.ctx, fd)),
			"seccomp_export_bpf()");
}

/* The last call before execve: from here on even the kit is filtered. */
int filter_load(void)
{
	/* exercise: 5. (the child, the last call before execve) load the filter the parent
	 *   built, filter.ctx, with seccomp_load(3) (no filter, unconfined: nothing); trace
	 *   a line that says "seccomp_load()" first: -v's last [security] line must be it.
	 *   libseccomp returns -errno: neg_errno() makes it a sys() result.
	 * check: ^(seccomp|security): (every system call|-v traces)
	 */
	int rc;

	if (filter.precompiled)
		return precompiled_filter_load();
	if (filter.ctx == NULL)
		return 0;
	trace("security", "seccomp_load(): from here on, execve included, the filter applies");
	rc = seccomp_load(filter.ctx);
	if (rc < 0)
		return (int)sys("security", neg_errno(rc), "seccomp_load()");
	return 0;
	/* end exercise */
}

void filter_cleanup(void)
{
	if (filter.ctx)
		seccomp_release(filter.ctx);
	filter.ctx = NULL;
}
