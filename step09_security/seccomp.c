/*
 * seccomp.c - the security layer's system call filter: which system calls
 * COMMAND and everything it starts may make at all. Capabilities decide
 * what a permission check allows; seccomp removes the call before any check
 * runs, so a kernel bug behind that check is out of reach.
 *
 *   default                    a deny-list with the effect of Docker's
 *                              default profile (the table below)
 *   --security-opt seccomp=FILE  a profile in Docker's / OCI's JSON format
 *   --security-opt seccomp=unconfined  no filter (not recommended)
 *
 * The default is a deny-list (everything is allowed but the table) where
 * Docker's is an allow-list (everything is refused but ~350 calls). A
 * deny-list is shorter to read and argue, which is what a teaching kit
 * needs; its weakness is that a system call added by a future kernel is
 * allowed until someone lists it. Production profiles are allow-lists.
 *
 * Like Docker's profile, the default follows the capabilities: a rule whose
 * calls a granted capability is meant to allow (mount with CAP_SYS_ADMIN...)
 * is left out, so --cap-add means what it says.
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
 *            seccomp_syscall_resolve_name(3), seccomp_arch_add(3),
 *            seccomp_load(3), seccomp_attr_set(3); jansson's json_load_file.
 */
#include "kit.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#define CAP(name) (UINT64_C(1) << CAP_##name)
#define NOCAP 0

static scmp_filter_ctx filter;     /* built by the parent, loaded by the child */
static const char *profile_file;   /* --security-opt seccomp=FILE */
static bool unconfined;            /* --security-opt seccomp=unconfined */

int filter_option(const char *value)
{
	unconfined = strcmp(value, "unconfined") == 0;
	profile_file = unconfined ? NULL : value;
	return 0;
}

bool filter_enabled(void)
{
	return !unconfined;
}

/* libseccomp returns -errno; sys() wants -1 with errno set. */
static long scmp(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

/* --- the default profile --------------------------------------------------------- */

enum which_calls {
	ALL_CALLS,  /* every call of that name */
	NS_FLAGS,   /* clone() with a CLONE_NEW* flag */
	PERSONA,    /* personality() but Docker's allowed values */
	ARG_IS,     /* argument arg == value, compared on its lower 32 bits */
};

struct denial {
	const char *names;     /* system calls, separated by spaces */
	uint64_t lifted_by;    /* capabilities that lift the rule, as in Docker's profile */
	int err;               /* what the call returns */
	enum which_calls which;
	unsigned arg;          /* for ARG_IS */
	uint64_t value;
	const char *why;
};

/*
 * Every entry argued. Allowed on purpose: chroot (pivot_root left nothing
 * above the root to climb to), mknod (every writable mount is nodev),
 * sethostname (the UTS namespace is the container's). Docker also refuses
 * nfsservctl, ustat, sysfs, _sysctl, create_module, get_kernel_syms and
 * query_module: current kernels answer ENOSYS to all of them.
 */
static const struct denial denials[] = {
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

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
		    unsigned count, const struct scmp_arg_cmp *cmp)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, count, cmp);

	if (rc < 0) {
		errno = -rc;
		return sys("security", -1, "seccomp_rule_add(%s, %u argument checks)", name, count);
	}
	return 0;
}

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

static int add_denial(scmp_filter_ctx ctx, const struct denial *d, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	uint32_t action = SCMP_ACT_ERRNO(d->err);
	struct scmp_arg_cmp cmp;

	if (nr == __NR_SCMP_ERROR)
		return fail("security", "seccomp: libseccomp does not know \"%s\"", name);
	switch (d->which) {
	case NS_FLAGS:
		return deny_namespace_flags(ctx, action, nr);
	case PERSONA:
		return deny_personalities(ctx, action, nr);
	case ARG_IS:
		cmp = bits_equal(d->arg, 0xffffffff, d->value);
		return add_rule(ctx, action, nr, name, 1, &cmp);
	default:
		return add_rule(ctx, action, nr, name, 0, NULL);
	}
}

static int add_denials(scmp_filter_ctx ctx, const struct denial *d, uint64_t caps)
{
	char names[128], *name, *save;

	if (d->lifted_by & caps) {
		trace("security", "seccomp: allow %s (a granted capability lifts it)", d->names);
		return 0;
	}
	trace("security", "seccomp: %s -> %s: %s", d->names, strerrorname_np(d->err), d->why);
	snprintf(names, sizeof(names), "%s", d->names);
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save))
		if (add_denial(ctx, d, name) < 0)
			return -1;
	return 0;
}

/*
 * A 64-bit kernel also runs 32-bit programs, which enter through another
 * ABI with other system call numbers: without these, a 32-bit binary would
 * pass the rules. An ABI the filter does not know gets KILL (libseccomp's
 * default "bad arch" action).
 */
static int add_companion_arches(scmp_filter_ctx ctx)
{
	static const struct { uint32_t native, extra; const char *name; } companions[] = {
		{ SCMP_ARCH_X86_64, SCMP_ARCH_X86, "x86" }, { SCMP_ARCH_X86_64, SCMP_ARCH_X32, "x32" },
		{ SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, "arm" },
	};

	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
		if (companions[i].native == seccomp_arch_native() &&
		    sys("security", scmp(seccomp_arch_add(ctx, companions[i].extra)),
			"seccomp_arch_add(%s)", companions[i].name) < 0)
			return -1;
	return 0;
}

/* libseccomp would set no_new_privs itself when loading; the security layer decides. */
static scmp_filter_ctx new_filter(uint32_t default_action)
{
	scmp_filter_ctx ctx = seccomp_init(default_action);

	if (ctx == NULL) {
		fail("security", "seccomp_init(): failed (out of memory, or an invalid default action)");
		return NULL;
	}
	if (sys("security", scmp(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)),
		"seccomp_attr_set(SCMP_FLTATR_CTL_NNP, 0)") < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

static scmp_filter_ctx default_profile(uint64_t caps)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);

	if (ctx == NULL)
		return NULL;
	if (add_companion_arches(ctx) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(denials) / sizeof(denials[0]); i++)
		if (add_denials(ctx, &denials[i], caps) < 0)
			goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* --- a profile file: Docker's / OCI's JSON -------------------------------------------- */

struct profile {
	const char *file;
	scmp_filter_ctx ctx;
	uint32_t default_action;
	uint64_t caps;           /* granted: Docker's includes/excludes "caps" test them */
	uint32_t execve_action;  /* what an unconditional execve gets */
	bool execve_depends;     /* execve has argument-dependent rules */
};

/* Reports a problem at a place in the profile, e.g. "p.json: syscalls[2].action: ...". */
static int bad(const struct profile *p, const char *where, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(const struct profile *p, const char *where, const char *format, ...)
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
		return bad(p, where, "expected an object");
	json_object_foreach(object, key, value) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i])
			return bad(p, where, "unknown key \"%s\"", key);
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
		return bad(p, where, "expected an action such as \"SCMP_ACT_ALLOW\"");
	if (errno_ret && (!json_is_integer(errno_ret) || err < 0 || err > 4095))
		return bad(p, where, "errnoRet must be an errno number (0 to 4095)");
	if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		return *out = SCMP_ACT_ERRNO((uint32_t)err), 0;
	if (errno_ret)
		return bad(p, where, "errnoRet goes with SCMP_ACT_ERRNO, not %s", name);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(name, actions[i].name) == 0)
			return *out = actions[i].action, 0;
	return bad(p, where, "unknown action \"%s\" (the kit knows SCMP_ACT_ALLOW, _ERRNO, _KILL, "
		   "_KILL_PROCESS, _KILL_THREAD, _TRAP, _LOG)", name);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64". */
static int parse_arch(const struct profile *p, const char *where, json_t *value, uint32_t *arch)
{
	const char *name = json_string_value(value);
	char lower[32];
	size_t i;

	if (name == NULL || strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(name + 10) >= sizeof(lower))
		return bad(p, where, "expected an architecture such as \"SCMP_ARCH_X86_64\"");
	for (i = 0; name[10 + i]; i++)
		lower[i] = tolower((unsigned char)name[10 + i]);
	lower[i] = '\0';
	*arch = seccomp_arch_resolve_name(lower);
	if (*arch == 0)
		return bad(p, where, "unknown architecture \"%s\"", name);
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
	return sys("security", scmp(rc), "seccomp_arch_add(%s)", json_string_value(value)) < 0 ? -1 : 0;
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
		return bad(p, list ? "architectures" : "archMap", "expected a list");
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
		return bad(p, where, "index must be 0 to 5");
	if (!json_is_integer(value) || (two && !json_is_integer(two)))
		return bad(p, where, "value and valueTwo must be integers");
	*cmp = (struct scmp_arg_cmp){ .arg = json_integer_value(index),
		.datum_a = (uint64_t)json_integer_value(value),
		.datum_b = two ? (uint64_t)json_integer_value(two) : 0 };
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0)
			return cmp->op = ops[i].op, 0;
	return bad(p, where, "unknown op \"%s\" (SCMP_CMP_EQ, _NE, _LT, _LE, _GT, _GE, _MASKED_EQ)",
		   op ? op : "(missing)");
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
		return bad(p, where, "args must be a list of at most 6 comparisons");
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
			return bad(p, where, "unknown capability %s", name ? name : "(not a string)");
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
		return bad(p, where, "expected a system call name");
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return bad(p, where, "unknown system call \"%s\"", name);
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
		return bad(p, where, "give either \"names\": [...] or \"name\"");
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
		return bad(p, "syscalls", "expected a list");
	json_array_foreach(syscalls, i, entry)
		if (add_entry(p, i, entry) < 0)
			return -1;
	return check_execve(p);
}

static scmp_filter_ctx profile_from_file(const char *file, uint64_t caps)
{
	struct profile p = { .file = file, .caps = caps };
	json_error_t error;
	json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &error);

	if (root == NULL) {
		if (error.line < 0)  /* could not even read it */
			fail("security", "seccomp profile %s: %s", file, error.text);
		else
			fail("security", "%s:%d:%d: %s", file, error.line, error.column, error.text);
		return NULL;
	}
	trace("security", "seccomp: profile %s", file);
	if (parse_profile(&p, root) < 0) {
		if (p.ctx)
			seccomp_release(p.ctx);
		p.ctx = NULL;
	}
	json_decref(root);
	return p.ctx;
}

/* --- the phases ---------------------------------------------------------------------- */

int filter_prepare(uint64_t granted_caps)
{
	if (unconfined) {
		trace("security", "seccomp: unconfined, no filter");
		return 0;
	}
	filter = profile_file ? profile_from_file(profile_file, granted_caps)
			      : default_profile(granted_caps);
	return filter ? 0 : -1;
}

/* The last call before execve: from here on even the kit is filtered. */
int filter_load(void)
{
	/* exercise: load the filter the parent built with seccomp_load(3), the last call before execve; no filter (unconfined): nothing */
	int rc;

	if (filter == NULL)
		return 0;
	trace("security", "seccomp_load(): from here on, execve included, the filter applies");
	rc = seccomp_load(filter);
	if (rc < 0) {
		errno = -rc;
		sys("security", -1, "seccomp_load()");
		return -1;
	}
	return 0;
	/* end exercise */
}

void filter_cleanup(void)
{
	if (filter)
		seccomp_release(filter);
	filter = NULL;
}
