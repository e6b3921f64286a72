/*
 * seccomp_profile.c - --security-opt seccomp=FILE|unconfined, which filter the
 * container gets. FILE is a profile in Docker's / OCI's JSON, checked key
 * by key and turned into libseccomp rules. It knows defaultAction,
 * architectures, archMap, and syscalls with names, action, errnoRet, args,
 * includes and excludes. Every problem is reported with its place in the
 * file by profile_error(); a profile that would not let COMMAND start (no
 * execve) is refused before the container exists.
 *
 * Chapter: 6.2 Seccomp (the JSON format).
 * Man pages: seccomp_rule_add(3), seccomp_syscall_resolve_name(3),
 *            seccomp_arch_add(3), seccomp_arch_resolve_name(3);
 *            jansson's json_load_file.
 */
#include "kit.h"
#include "filter.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/utsname.h>
#include <unistd.h>

struct profile {
	const char *file;
	scmp_filter_ctx ctx;
	uint32_t default_action;
	uint64_t caps;           /* granted: Docker's includes/excludes "caps" test them */
	uint32_t execve_action;  /* what an unconditional execve gets */
	bool execve_depends;     /* execve has argument-dependent rules */
};

/* Reports a problem at a place in the profile, e.g. "p.json: syscalls[2].action: ...". */
static int profile_error(const struct profile *p, const char *where, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int profile_error(const struct profile *p, const char *where, const char *format, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, format);
	vsnprintf(message, sizeof(message), format, ap);
	va_end(ap);
	return fail("security", "seccomp profile %s: %s: %s", p->file, where, message);
}

/* Refuses a key the kit does not know: a misspelt "args" would widen a rule silently. */
static int check_keys(const struct profile *p, const char *where, json_t *object,
		      const char *const known[])
{
	const char *key;
	json_t *value;

	if (!json_is_object(object))
		return profile_error(p, where, "expected an object");
	json_object_foreach(object, key, value) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i])
			return profile_error(p, where, "unknown key \"%s\"", key);
	}
	return 0;
}

static const char *action_name(uint32_t action)
{
	static char text[32];

	switch (action & 0xffff0000) {
	case SCMP_ACT_ALLOW: return "SCMP_ACT_ALLOW";
	case SCMP_ACT_LOG: return "SCMP_ACT_LOG";
	case SCMP_ACT_TRAP: return "SCMP_ACT_TRAP";
	case SCMP_ACT_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
	case SCMP_ACT_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
	}
	snprintf(text, sizeof(text), "SCMP_ACT_ERRNO(%u)", action & 0xffff);
	return text;
}

/* "SCMP_ACT_ERRNO" with errnoRet (or default_errno), or one of the other actions. */
static int parse_action(const struct profile *p, const char *where, json_t *action,
			json_t *errno_ret, int default_errno, uint32_t *out)
{
	static const struct { const char *name; uint32_t action; } actions[] = {
		{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW }, { "SCMP_ACT_LOG", SCMP_ACT_LOG },
		{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP }, { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
		{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
		{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	};
	const char *name = json_string_value(action);
	json_int_t err = errno_ret ? json_integer_value(errno_ret) : default_errno;

	if (name == NULL)
		return profile_error(p, where, "expected an action such as \"SCMP_ACT_ALLOW\"");
	if (errno_ret && (!json_is_integer(errno_ret) || err < 0 || err > 4095))
		return profile_error(p, where, "errnoRet must be an errno number (0 to 4095)");
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0) {
		*out = SCMP_ACT_ERRNO((uint32_t)err);
		return 0;
	}
	if (errno_ret)
		return profile_error(p, where, "errnoRet goes with SCMP_ACT_ERRNO, not %s", name);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(name, actions[i].name) == 0) {
			*out = actions[i].action;
			return 0;
		}
	return profile_error(p, where, "unknown action \"%s\" (the kit knows SCMP_ACT_ALLOW, "
			     "_ERRNO, _KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP, _LOG)", name);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64". */
static int parse_arch(const struct profile *p, const char *where, json_t *value, uint32_t *arch)
{
	const char *name = json_string_value(value);
	char lower[32];
	size_t i;

	if (name == NULL || strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(lower))
		return profile_error(p, where, "expected an architecture such as \"SCMP_ARCH_X86_64\"");
	for (i = 0; name[10 + i]; i++)
		lower[i] = tolower((unsigned char)name[10 + i]);
	lower[i] = '\0';
	*arch = seccomp_arch_resolve_name(lower);
	if (*arch == 0)
		return profile_error(p, where, "unknown architecture \"%s\"", name);
	return 0;
}

static int add_arch(struct profile *p, const char *where, json_t *value)
{
	uint32_t arch;
	int rc;

	if (parse_arch(p, where, value, &arch) < 0)
		return -1;
	rc = seccomp_arch_add(p->ctx, arch);
	if (rc == -EEXIST)  /* the native one is always there */
		return 0;
	return sys("security", neg_errno(rc), "seccomp_arch_add(%s)", json_string_value(value))
	       < 0 ? -1 : 0;
}

/* "architectures": a list; "archMap" (Docker's): the subarchitectures of the native one. */
static int add_arches(struct profile *p, json_t *root)
{
	json_t *list = json_object_get(root, "architectures"), *map = json_object_get(root, "archMap");
	json_t *entry, *value;
	size_t i, j;
	uint32_t arch;
	char where[64];

	if ((list && !json_is_array(list)) || (map && !json_is_array(map)))
		return profile_error(p, list ? "architectures" : "archMap", "expected a list");
	json_array_foreach(list, i, value) {
		snprintf(where, sizeof(where), "architectures[%zu]", i);
		if (add_arch(p, where, value) < 0)
			return -1;
	}
	json_array_foreach(map, i, entry) {
		static const char *const keys[] = { "architecture", "subArchitectures", NULL };
		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (check_keys(p, where, entry, keys) < 0 ||
		    parse_arch(p, where, json_object_get(entry, "architecture"), &arch) < 0)
			return -1;
		if (arch != seccomp_arch_native())
			continue;
		json_array_foreach(json_object_get(entry, "subArchitectures"), j, value)
			if (add_arch(p, where, value) < 0)
				return -1;
	}
	return 0;
}

/* One {"index", "value", "valueTwo", "op"}; for MASKED_EQ, value is the mask. */
static int parse_arg(const struct profile *p, const char *where, json_t *arg,
		     struct scmp_arg_cmp *cmp)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	static const struct { const char *name; enum scmp_compare op; } ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	json_t *index = json_object_get(arg, "index"), *value = json_object_get(arg, "value");
	json_t *two = json_object_get(arg, "valueTwo");
	const char *op = json_string_value(json_object_get(arg, "op"));

	if (check_keys(p, where, arg, keys) < 0)
		return -1;
	if (!json_is_integer(index) || json_integer_value(index) < 0 || json_integer_value(index) > 5)
		return profile_error(p, where, "index must be 0 to 5");
	if (!json_is_integer(value) || (two && !json_is_integer(two)))
		return profile_error(p, where, "value and valueTwo must be integers");
	*cmp = (struct scmp_arg_cmp){ .arg = json_integer_value(index),
		.datum_a = (uint64_t)json_integer_value(value),
		.datum_b = two ? (uint64_t)json_integer_value(two) : 0 };
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0) {
			cmp->op = ops[i].op;
			return 0;
		}
	return profile_error(p, where, "unknown op \"%s\" (SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, "
			     "_MASKED_EQ)", op ? op : "(missing)");
}

/* Returns the number of comparisons, or -1; *split when one index is compared twice. */
static int parse_args(const struct profile *p, const char *where, json_t *args,
		      struct scmp_arg_cmp cmp[6], bool *split)
{
	char place[96];
	json_t *arg;
	size_t i;
	unsigned seen = 0;

	*split = false;
	if (args == NULL || json_is_null(args))
		return 0;
	if (!json_is_array(args) || json_array_size(args) > 6)
		return profile_error(p, where, "args must be a list of at most 6 comparisons");
	json_array_foreach(args, i, arg) {
		snprintf(place, sizeof(place), "%s.args[%zu]", where, i);
		if (parse_arg(p, place, arg, &cmp[i]) < 0)
			return -1;
		*split |= (seen & (1u << cmp[i].arg)) != 0;
		seen |= 1u << cmp[i].arg;
	}
	return (int)i;
}

/* Docker's "arches" names are Go's (runtime.GOARCH). */
static const char *native_go_arch(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64: return "amd64";
	case SCMP_ARCH_X86: return "386";
	case SCMP_ARCH_AARCH64: return "arm64";
	case SCMP_ARCH_ARM: return "arm";
	case SCMP_ARCH_PPC64LE: return "ppc64le";
	case SCMP_ARCH_S390X: return "s390x";
	case SCMP_ARCH_RISCV64: return "riscv64";
	}
	return "?";
}

static bool kernel_at_least(const char *version)
{
	struct utsname u;
	int major = 0, minor = 0, have_major = 0, have_minor = 0;

	uname(&u);
	sscanf(version, "%d.%d", &major, &minor);
	sscanf(u.release, "%d.%d", &have_major, &have_minor);
	return have_major > major || (have_major == major && have_minor >= minor);
}

/* Counts how many of a list of "CAP_X" names are granted; -1 for an unknown name. */
static int granted_count(const struct profile *p, const char *where, json_t *caps)
{
	char lower[64];
	json_t *value;
	size_t i, j;
	int count = 0;

	json_array_foreach(caps, i, value) {
		const char *name = json_string_value(value);
		cap_value_t cap;
		for (j = 0; name && name[j] && j < sizeof(lower) - 1; j++)
			lower[j] = tolower((unsigned char)name[j]);
		lower[j] = '\0';
		/* Letters and '_' only: cap_from_name also takes "40", and stops at ',' or ' '. */
		if (name == NULL || lower[strspn(lower, "abcdefghijklmnopqrstuvwxyz_")] != '\0' ||
		    cap_from_name(lower, &cap) < 0 || cap >= 64)
			return profile_error(p, where, "unknown capability %s",
					     name ? name : "(not a string)");
		count += (p->caps >> cap) & 1;
	}
	return count;
}

static bool listed(json_t *list, const char *word)
{
	json_t *value;
	size_t i;

	json_array_foreach(list, i, value)
		if (json_string_value(value) && strcmp(json_string_value(value), word) == 0)
			return true;
	return false;
}

/* Docker's conditions: includes (caps all granted, arch, minKernel), excludes (any). */
static int condition_met(const struct profile *p, const char *where, json_t *entry)
{
	static const char *const keys[] = { "caps", "arches", "minKernel", NULL };
	json_t *in = json_object_get(entry, "includes"), *ex = json_object_get(entry, "excludes");
	const char *min_in = json_string_value(json_object_get(in, "minKernel"));
	const char *min_ex = json_string_value(json_object_get(ex, "minKernel"));
	json_t *in_caps = json_object_get(in, "caps"), *ex_caps = json_object_get(ex, "caps");
	int has_in, has_ex;

	if ((in && check_keys(p, where, in, keys) < 0) || (ex && check_keys(p, where, ex, keys) < 0) ||
	    (has_in = granted_count(p, where, in_caps)) < 0 ||
	    (has_ex = granted_count(p, where, ex_caps)) < 0)
		return -1;
	if (has_ex > 0 || listed(json_object_get(ex, "arches"), native_go_arch()) ||
	    (min_ex && kernel_at_least(min_ex)))
		return 0;
	if ((size_t)has_in < json_array_size(in_caps) || (min_in && !kernel_at_least(min_in)) ||
	    (json_array_size(json_object_get(in, "arches")) > 0 &&
	     !listed(json_object_get(in, "arches"), native_go_arch())))
		return 0;
	return 1;
}

/*
 * One system call of an entry. A name libseccomp does not know is an error
 * (runc skips it, so one profile fits several kernels; here a misspelt name
 * in a deny rule would silently leave a hole). A rule with the default
 * action is skipped: libseccomp refuses it and it would change nothing.
 * When one argument is compared twice, libseccomp refuses the rule; like
 * runc, each comparison then becomes a rule of its own (OR, not AND).
 */
static int add_named_rule(struct profile *p, const char *where, json_t *value,
			  uint32_t action, const struct scmp_arg_cmp *cmp, int count, bool split)
{
	const char *name = json_string_value(value);
	int nr;

	if (name == NULL)
		return profile_error(p, where, "expected a system call name");
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return profile_error(p, where, "unknown system call \"%s\"", name);
	if (strcmp(name, "execve") == 0) {
		if (count > 0)
			p->execve_depends = true;
		else
			p->execve_action = action;
	}
	if (action == p->default_action)
		return 0;
	if (!split)
		return add_rule(p->ctx, action, nr, name, count, cmp);
	for (int i = 0; i < count; i++)
		if (add_rule(p->ctx, action, nr, name, 1, &cmp[i]) < 0)
			return -1;
	return 0;
}

static int add_entry(struct profile *p, size_t index, json_t *entry)
{
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "args",
		"comment", "includes", "excludes", NULL };
	json_t *names = json_object_get(entry, "names"), *single = json_object_get(entry, "name");
	struct scmp_arg_cmp cmp[6];
	char where[64], place[96];
	uint32_t action;
	json_t *value;
	bool split;
	int count, met;
	size_t i;

	snprintf(where, sizeof(where), "syscalls[%zu]", index);
	if (check_keys(p, where, entry, keys) < 0 || (met = condition_met(p, where, entry)) < 0 ||
	    parse_action(p, where, json_object_get(entry, "action"),
			 json_object_get(entry, "errnoRet"), EPERM, &action) < 0 ||
	    (count = parse_args(p, where, json_object_get(entry, "args"), cmp, &split)) < 0)
		return -1;
	if ((names != NULL) == (single != NULL) || (names && !json_is_array(names)))
		return profile_error(p, where, "give either \"names\": [...] or \"name\"");
	if (!met)
		return 0;
	if (single)
		return add_named_rule(p, where, single, action, cmp, count, split);
	json_array_foreach(names, i, value) {
		snprintf(place, sizeof(place), "%s.names[%zu]", where, i);
		if (add_named_rule(p, place, value, action, cmp, count, split) < 0)
			return -1;
	}
	return 0;
}

/* Catches the chapter's example as it stands: it allows read and write, not execve. */
static int check_execve(const struct profile *p)
{
	if (p->execve_depends || p->execve_action == SCMP_ACT_ALLOW ||
	    p->execve_action == SCMP_ACT_LOG)
		return 0;
	return fail("security", "seccomp profile %s does not allow execve (it gets %s): COMMAND "
		    "could not even start. The filter is loaded right before execve and applies "
		    "to it, as with Docker: add \"execve\" to an SCMP_ACT_ALLOW rule",
		    p->file, action_name(p->execve_action));
}

static int parse_profile(struct profile *p, json_t *root)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
		"archMap", "syscalls", "comment", NULL };
	json_t *default_errno = json_object_get(root, "defaultErrnoRet");
	json_t *syscalls = json_object_get(root, "syscalls"), *entry;
	size_t i;

	if (check_keys(p, "the top level", root, keys) < 0 ||
	    parse_action(p, "defaultAction", json_object_get(root, "defaultAction"),
			 default_errno, EPERM, &p->default_action) < 0)
		return -1;
	p->execve_action = p->default_action;
	if ((p->ctx = new_filter(p->default_action)) == NULL || add_arches(p, root) < 0)
		return -1;
	if (syscalls && !json_is_array(syscalls))
		return profile_error(p, "syscalls", "expected a list");
	json_array_foreach(syscalls, i, entry)
		if (add_entry(p, i, entry) < 0)
			return -1;
	return check_execve(p);
}

/* A memfd's name for messages (config.json's linux.seccomp, from the runtime), else file. */
static const char *display_name(const char *file)
{
	static char name[128];
	ssize_t n;

	if (strncmp(file, "/proc/self/fd/", 14) != 0 ||
	    (n = readlink(file, name, sizeof(name) - 1)) < 0)
		return file;
	name[n] = '\0';
	if (strncmp(name, "/memfd:", 7) != 0)
		return file;
	name[strcspn(name, "(") - (strchr(name, '(') ? 1 : 0)] = '\0';  /* " (deleted)" */
	return name + 7;
}

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

scmp_filter_ctx profile_from_file(const char *file, uint64_t caps)
{
	struct profile p = { .file = display_name(file), .caps = caps };
	json_error_t error;
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &error);

	if (root == NULL) {
		if (error.line < 0)  /* could not even read it */
			fail("security", "seccomp profile %s: %s", p.file, error.text);
		else
			fail("security", "%s:%d:%d: %s", p.file, error.line, error.column, error.text);
		return NULL;
	}
	trace("security", "seccomp: profile %s", p.file);
	if (parse_profile(&p, root) < 0) {
		if (p.ctx)
			seccomp_release(p.ctx);
		p.ctx = NULL;
	}
	json_decref(root);
	return p.ctx;
}
