/*
 * filter.h - what the seccomp filter's files share: the default profile's
 * table (denylist.c), the JSON profile reader (seccomp_profile.c), the filter's
 * state and the two libseccomp steps they all use, defined in seccomp.c. Included only by
 * those files; the security layer reaches the filter through kit.h's
 * filter_*() functions. Not "seccomp.h": that name is libseccomp's, and
 * the fuzz build puts this directory on the include path.
 */
#ifndef FILTER_H
#define FILTER_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum which_calls {
	ALL_CALLS,  /* every call of that name */
	NS_FLAGS,   /* clone() with a CLONE_NEW* flag */
	PERSONA,    /* personality() but Docker's allowed values */
	ARG_IS,     /* argument arg == value, compared on its lower 32 bits */
};

/* One rule of the default profile: these calls fail with err, unless lifted. */
struct denial {
	const char *names;     /* system calls, separated by spaces */
	uint64_t lifted_by;    /* capabilities that lift the rule, as in Docker's profile */
	int err;               /* what the call returns */
	enum which_calls which;
	unsigned arg;          /* for ARG_IS */
	uint64_t value;
	const char *why;
};

/* denylist.c: the default profile. */
extern const struct denial default_denials[];
extern const size_t default_denial_count;
int deny_by_arguments(scmp_filter_ctx ctx, const struct denial *d, int nr, const char *name);
int add_companion_arches(scmp_filter_ctx ctx);

/* seccomp_profile.c: --security-opt seccomp=FILE. */
scmp_filter_ctx profile_from_file(const char *file, uint64_t caps);

/* seccomp.c: the filter the parent builds and the child loads, and the option that chose
 * it (seccomp_profile.c's filter_option()). */
extern struct filter_state {
	scmp_filter_ctx ctx;
	bool precompiled;          /* the same default filter, built by make instead */
	const char *profile_file;  /* --security-opt seccomp=FILE */
	bool unconfined;           /* --security-opt seccomp=unconfined */
} filter;
scmp_filter_ctx new_filter(uint32_t default_action);
int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
	     unsigned count, const struct scmp_arg_cmp *cmp);

/* precompiled_filter.c: the default filter make built (default_filter.h). */
bool use_precompiled_filter(uint64_t caps);  /* true: filter.precompiled set */
int precompiled_filter_load(void);

#endif
