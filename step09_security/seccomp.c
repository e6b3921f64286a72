/*
 * seccomp.c - the security layer's system call filter: which system calls
 * COMMAND and everything it starts may make at all. Capabilities decide
 * what a permission check allows; seccomp removes the call before any check
 * runs, so a kernel bug behind that check is out of reach.
 *
 *   default                    a deny-list with the effect of Docker's
 *                              default profile (the table in denylist.c)
 *   --security-opt seccomp=FILE  a profile in Docker's / OCI's JSON format
 *                              (seccomp_profile.c); seccomp=unconfined: no filter
 *
 * libseccomp turns rules into a BPF program: seccomp_init() with the
 * default action, seccomp_rule_add() for each call (and argument test) that
 * gets another one, seccomp_load() to hand the program to the kernel. Like
 * Docker's profile, the default follows the capabilities: a rule whose calls
 * a granted capability is meant to allow (mount with CAP_SYS_ADMIN...) is
 * left out, so --cap-add means what it says. make runs this same code once
 * to build the default filter (filter_gen.c, precompiled_filter.c).
 *
 * The parent builds the filter before clone, so a bad profile is reported
 * before anything exists (exit 125); the child loads it as the very last
 * thing before execve, so it applies to that execve: a profile must allow
 * execve, as with Docker, or execvp fails (exit 126).
 *
 * Chapter: 6.2 Seccomp (the JSON format, seccomp=unconfined).
 * Man pages: seccomp(2), seccomp_init(3), seccomp_rule_add(3),
 *            seccomp_syscall_resolve_name(3), seccomp_load(3), seccomp_attr_set(3).
 */
#include "kit.h"
#include "filter.h"

#include <stdio.h>
#include <string.h>

/* The filter the parent builds and the child loads (filter.h). */
struct filter_state filter;

/* libseccomp would set no_new_privs itself when loading; the security layer decides. */
scmp_filter_ctx new_filter(uint32_t default_action)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);

	if (ctx == NULL)
		fail("security", "seccomp_init(): failed (out of memory, or an invalid default action)");
	else if (sys("security", neg_errno(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)),
		     "seccomp_attr_set(SCMP_FLTATR_CTL_NNP, 0)") < 0) {
		seccomp_release(ctx);
		ctx = NULL;
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
	/* exercise: 5. (its first part; the second, the load, is checked with it: only a loaded
	 *   filter is seen) (the parent, before clone) deny the calls of one table entry D, unless a
	 *   granted capability lifts it (d->lifted_by & caps): then trace "seccomp: allow NAMES (a
	 *   granted capability lifts it)". Else trace "seccomp: NAMES -> ERRNO: WHY" (the tests
	 *   expect "[security] seccomp: mount umount2 umount -> EPERM..."; strerrorname_np(3));
	 *   for each name of d->names (space-separated), seccomp_syscall_resolve_name(3) gives its
	 *   number (__NR_SCMP_ERROR: libseccomp does not know it: fail, naming it); add_rule()
	 *   adds its rule: the action makes the call fail with errno d->err (SCMP_ACT_ERRNO,
	 *   seccomp_rule_add(3)) for any arguments - or deny_by_arguments() when d->which is
	 *   not ALL_CALLS.
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
	/* Speed, not a lesson: make ran default_profile() for these capabilities. */
	if (use_precompiled_filter(granted_caps))
		return 0;
	filter.ctx = filter.profile_file ? profile_from_file(filter.profile_file, granted_caps)
					 : default_profile(granted_caps);
	return filter.ctx ? 0 : -1;
}

/* The last call before execve: from here on even the kit is filtered. */
int filter_load(void)
{
	/* exercise: 5. (part two, in the child: the last call before execve) seccomp_load(3) the
	 *   filter the parent built, filter.ctx (NULL: unconfined, nothing to do); first trace
	 *   a line that says "seccomp_load()": -v's last [security] line must be it. libseccomp
	 *   returns -errno: neg_errno() makes it a sys() result.
	 * check: ^(seccomp|security): (every system call|root gets|-v traces) */
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
