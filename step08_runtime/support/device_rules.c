/*
 * device_rules.c - the device cgroup, the cgroup layer's for config.json's
 * linux.resources.devices (the runtime's --device-rule, one a rule): which
 * device numbers the container's processes may open for reading or writing
 * and create with mknod(2). A node in the container's /dev is only a name;
 * what the kernel checks on open(2) and mknod(2) is the device number
 * against the cgroup's list, wherever the node is and whoever made it.
 *
 * The rules are reduced as runc does, by replaying them on a list that
 * behaves as cgroup v1's: "a" (any device) resets it to allow or deny every
 * device; any other rule adds an exception to that default or takes access
 * away from one with the same type and numbers. A rule that would take
 * access from part of a wildcard exception (deny c 1:3 after allow c 1:*)
 * is refused: v1 would keep the wildcard whole and the device allowed.
 * After the bundle's rules come runc's own (default_rules below): any node
 * may be made, the kit's /dev and the pty devices may be used.
 *
 * Where the result goes:
 *   v1: the devices controller, /sys/fs/cgroup/devices/.../devices.deny and
 *       devices.allow: "a" to the default's file, then each exception.
 *   v2: no file; an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE), assembled
 *       here from the exceptions, attached to the container's cgroup with
 *       BPF_CGROUP_DEVICE. The kernel runs it on each open and mknod; it
 *       returns 1 to allow. It goes with the cgroup's rmdir.
 *
 * Chapter: 3.1 (the v2 tree), 5.3 "Using runc" (config.json).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#allowed-device-list
 * Man pages / kernel docs: bpf(2), mknod(2); Documentation/admin-guide/
 *          cgroup-v1/devices.rst, cgroup-v2.rst ("Device controller").
 */
#include "cgroup.h"
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ANY -1L          /* a wildcard major or minor, as OCI's null and -1 */
#define MAX_RULES 512
enum { MKNOD = 1, READ = 2, WRITE = 4 };   /* BPF_DEVCG_ACC_*'s bits */

struct device_rule {
	bool allow;
	char type;           /* 'a' (any device), 'b' or 'c' */
	long major, minor;   /* ANY: every number */
	unsigned access;     /* MKNOD | READ | WRITE */
};

static struct device_rule rules[MAX_RULES];   /* as given, in order */
static int nrules;
static bool rules_allow;                      /* one of them allows */

/* The reduced list: every device default_allow, but for these exceptions. */
static bool default_allow;
static struct device_rule exceptions[MAX_RULES];
static int nexceptions;
static int program = -1;                      /* v2: the loaded program's fd */

/* runc's rules after the bundle's (1.1's list): mknod of any node; the
 * kit's /dev (null zero full random urandom tty), ptmx and the ptys; tun. */
static const struct device_rule default_rules[] = {
	{ true, 'c', ANY, ANY, MKNOD }, { true, 'b', ANY, ANY, MKNOD },
	{ true, 'c', 1, 3, 7 }, { true, 'c', 1, 8, 7 }, { true, 'c', 1, 7, 7 },
	{ true, 'c', 5, 0, 7 }, { true, 'c', 1, 5, 7 }, { true, 'c', 1, 9, 7 },
	{ true, 'c', 136, ANY, 7 }, { true, 'c', 5, 2, 7 }, { true, 'c', 10, 200, 7 },
};

/* "c 10:229 rwm", as devices.allow takes it. */
static const char *rule_text(const struct device_rule *r)
{
	static char text[64];
	char major[24] = "*", minor[24] = "*";

	if (r->major != ANY)
		snprintf(major, sizeof(major), "%ld", r->major);
	if (r->minor != ANY)
		snprintf(minor, sizeof(minor), "%ld", r->minor);
	snprintf(text, sizeof(text), "%c %s:%s %s%s%s", r->type, major, minor,
		 r->access & READ ? "r" : "", r->access & WRITE ? "w" : "",
		 r->access & MKNOD ? "m" : "");
	return text;
}

/* A major or minor: a number or "*". */
static int parse_number(const char *text, long *out)
{
	unsigned long long n;

	if (strcmp(text, "*") == 0) {
		*out = ANY;
		return 0;
	}
	if (parse_count(text, &n) < 0 || n > 0xffffffffULL)
		return -1;
	*out = (long)n;
	return 0;
}

/* --device-rule "allow|deny TYPE MAJOR:MINOR ACCESS" (config.json's one rule). */
int set_device_rule(const char *arg)
{
	char verb[8], type, numbers[48], access[8] = "rwm", *colon;
	struct device_rule r = { 0 };
	int n = sscanf(arg, "%7s %c %47s %7s", verb, &type, numbers, access);

	if (n < 2 || (type != 'a' && n != 4) || (strcmp(verb, "allow") && strcmp(verb, "deny")) ||
	    !strchr("abc", type))
		return fail("cgroup", "--device-rule %s: expected allow|deny a|b|c MAJOR:MINOR "
			    "ACCESS, such as \"allow c 10:229 rwm\" (MAJOR, MINOR: a number or *)", arg);
	if (nrules == MAX_RULES)
		return fail("cgroup", "--device-rule: at most %d rules", MAX_RULES);
	r.allow = verb[0] == 'a';
	r.type = type;
	r.major = r.minor = ANY;
	if (type != 'a' && ((colon = strchr(numbers, ':')) == NULL ||
			    (*colon = '\0', parse_number(numbers, &r.major) < 0) ||
			    parse_number(colon + 1, &r.minor) < 0))
		return fail("cgroup", "--device-rule %s: MAJOR:MINOR must be numbers or *", arg);
	for (const char *c = access; *c; c++) {
		const char *at = strchr("mrw", *c);
		if (at == NULL)
			return fail("cgroup", "--device-rule %s: access is r, w and m", arg);
		r.access |= 1u << (at - "mrw");
	}
	rules_allow |= r.allow;
	rules[nrules++] = r;
	return 0;
}

/*
 * NULL: no rule was given, or the container would be no stronger with the
 * device cgroup than without (only deny rules, and from step09 every
 * writable mount is nodev: no node made inside opens): taken if the host
 * lets the kit make one. Else what needs it, for the refusal.
 */
const char *device_cgroup_needed_by(void)
{
	if (device_nodes_listed())
		return "device-node (linux.devices)";
	if (nrules > 0 && (rules_allow || !has_layer("security")))
		return "device-rule (linux.resources.devices)";
	return NULL;
}

bool device_rules_given(void)
{
	return nrules > 0;
}

/* In the child: the device cgroup holds what the container may open. */
bool devices_guarded(void)
{
	return cg.used[DEVICES];
}

/* --- the reduction, as the v1 list behaves ---------------------------------- */

static struct device_rule *find_exception(char type, long major, long minor)
{
	for (int i = 0; i < nexceptions; i++)
		if (exceptions[i].type == type && exceptions[i].major == major &&
		    exceptions[i].minor == minor)
			return &exceptions[i];
	return NULL;
}

static int add_exception(const struct device_rule *r)
{
	struct device_rule *e = find_exception(r->type, r->major, r->minor);

	if (e) {
		e->access |= r->access;
		return 0;
	}
	if (nexceptions == MAX_RULES)
		return fail("cgroup", "--device-rule: more than %d exceptions", MAX_RULES);
	exceptions[nexceptions++] = *r;
	return 0;
}

/* v1 takes access only from an exception of the very same numbers. */
static int remove_exception(const struct device_rule *r)
{
	const long partial[3][2] = { { ANY, r->minor }, { r->major, ANY }, { ANY, ANY } };
	struct device_rule *e;

	for (int i = 0; i < 3; i++) {
		if (partial[i][0] == r->major && partial[i][1] == r->minor)
			continue;
		e = find_exception(r->type, partial[i][0], partial[i][1]);
		if (e && (e->access & r->access)) {
			char asked[64];
			snprintf(asked, sizeof(asked), "%s", rule_text(r));
			return fail("cgroup", "--device-rule %s %s: it would cut a hole in the "
				    "wildcard rule %s, which cgroup v1 cannot do (runc refuses it too)",
				    r->allow ? "allow" : "deny", asked, rule_text(e));
		}
	}
	if ((e = find_exception(r->type, r->major, r->minor)) == NULL)
		return 0;
	e->access &= ~r->access;
	if (e->access == 0)
		*e = exceptions[--nexceptions];
	return 0;
}

static int replay(const struct device_rule *r)
{
	if (r->type == 'a') {  /* the kernel reads nothing after "a" */
		default_allow = r->allow;
		nexceptions = 0;
		return 0;
	}
	/* An exception says the opposite of the default. */
	return r->allow == default_allow ? remove_exception(r) : add_exception(r);
}

/* Replays the bundle's rules, then runc's, on a list that starts denying all. */
static int reduce_rules(void)
{
	default_allow = false;
	nexceptions = 0;
	for (int i = 0; i < nrules; i++)
		if (replay(&rules[i]) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++)
		if (replay(&default_rules[i]) < 0)
			return -1;
	trace("cgroup", "device rules: %s every device, %d exceptions",
	      default_allow ? "allow" : "deny", nexceptions);
	return 0;
}

/* --- v2: the eBPF program ------------------------------------------------------ */

/* One instruction (struct bpf_insn): opcode, registers, offset, immediate. */
#define INSN(code, dst, src, off, imm) \
	((struct bpf_insn){ (code), (dst), (src), (off), (imm) })
#define LOAD_U32(dst, off)  INSN(BPF_LDX | BPF_W | BPF_MEM, dst, BPF_REG_1, off, 0)
#define ALU(op, dst, imm)   INSN(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOVE(dst, src)      INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define JUMP(op, dst, imm, off) INSN(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define RETURN(verdict)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict), \
			    INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * r2: the device's type (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2), r3: the access
 * asked (MKNOD, READ, WRITE), r4: major, r5: minor. Each exception is a
 * block that jumps past itself on the first field that does not match,
 * and else returns the opposite of the default. A denying exception
 * matches any access it names (v1's rule), an allowing one all asked.
 */
static int assemble(struct bpf_insn *code, int max)
{
	int n = 0;

	code[n++] = LOAD_U32(BPF_REG_2, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	code[n++] = MOVE(BPF_REG_3, BPF_REG_2);
	code[n++] = ALU(BPF_AND, BPF_REG_2, 0xffff);
	code[n++] = ALU(BPF_RSH, BPF_REG_3, 16);
	code[n++] = LOAD_U32(BPF_REG_4, offsetof(struct bpf_cgroup_dev_ctx, major));
	code[n++] = LOAD_U32(BPF_REG_5, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (int i = 0; i < nexceptions; i++) {
		const struct device_rule *e = &exceptions[i];
		struct bpf_insn block[9];
		int len = 0, verdict = !default_allow;

		block[len++] = JUMP(BPF_JNE, BPF_REG_2, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK :
				    BPF_DEVCG_DEV_CHAR, 0);
		if (e->major != ANY)
			block[len++] = JUMP(BPF_JNE, BPF_REG_4, (int)e->major, 0);
		if (e->minor != ANY)
			block[len++] = JUMP(BPF_JNE, BPF_REG_5, (int)e->minor, 0);
		block[len++] = MOVE(BPF_REG_6, BPF_REG_3);
		block[len++] = ALU(BPF_AND, BPF_REG_6, verdict ? ~e->access & 7 : e->access);
		block[len++] = JUMP(verdict ? BPF_JNE : BPF_JEQ, BPF_REG_6, 0, 0);
		block[len++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict);
		block[len++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		for (int j = 0; j < len; j++)  /* each jump: to the block's end */
			if (BPF_CLASS(block[j].code) == BPF_JMP && BPF_OP(block[j].code) != BPF_EXIT)
				block[j].off = (short)(len - j - 1);
		if (n + len + 2 > max)
			return fail("cgroup", "device rules: more than %d instructions", max);
		memcpy(code + n, block, len * sizeof(block[0]));
		n += len;
	}
	struct bpf_insn end[] = { RETURN(default_allow) };
	memcpy(code + n, end, sizeof(end));
	return n + 2;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* BPF_PROG_LOAD: the verifier checks it now, before anything is created. */
static int load_program(void)
{
	static struct bpf_insn code[16 + 9 * MAX_RULES];
	static char log[8192];
	union bpf_attr attr;
	int count = assemble(code, sizeof(code) / sizeof(code[0]));

	if (count < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uintptr_t)code;
	attr.insn_cnt = (unsigned)count;
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	program = (int)bpf(BPF_PROG_LOAD, &attr);
	if (program < 0 && errno == EINVAL && log[0])
		fprintf(stderr, "container: [cgroup] the verifier said:\n%s", log);
	return sys_try("cgroup", program, "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, %d "
		       "instructions)", count) < 0 ? -1 : 0;
}

/* --- the cgroup layer's phases --------------------------------------------------- */

/* before_clone: the rules reduced; on v2 the program built and loaded. */
int prepare_device_rules(void)
{
	if (!cg.used[DEVICES])
		return 0;
	if (reduce_rules() < 0)
		return -1;
	if (!cg.v2 || load_program() == 0)
		return 0;
	/* Inside a container whose seccomp profile refuses bpf(2) (Docker's):
	 * deny rules alone hold without it, as where the kit may make no cgroup. */
	if (device_cgroup_needed_by() == NULL && (errno == EPERM || errno == ENOSYS)) {
		trace("cgroup", "no device cgroup: bpf(2) refused; nodev keeps the rest closed");
		cg.used[DEVICES] = false;
		return 0;
	}
	return sys("cgroup", -1, "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)") < 0 ? -1 : 0;
}

/* after_clone, the container's cgroup made, its init not yet in it. */
int apply_device_rules(void)
{
	char path[PATH_MAX];
	union bpf_attr attr;
	int dir, r;

	if (!cg.used[DEVICES])
		return 0;
	if (!cg.v2) {
		/* "a" sets the default and clears the list, each exception then adds to it. */
		cgroup_path(path, DEVICES, CONTAINER, default_allow ? "devices.allow" : "devices.deny");
		if (write_cgroup_file(path, "a") < 0)
			return -1;
		cgroup_path(path, DEVICES, CONTAINER, default_allow ? "devices.deny" : "devices.allow");
		for (int i = 0; i < nexceptions; i++)
			if (write_cgroup_file(path, rule_text(&exceptions[i])) < 0)
				return -1;
		return 0;
	}
	cgroup_path(path, DEVICES, CONTAINER, NULL);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sys("cgroup", dir, "open(\"%s\")", path) < 0)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (unsigned)dir;
	attr.attach_bpf_fd = (unsigned)program;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* MULTI: a program of an ancestor's (systemd's) runs too; both must allow. */
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	r = (int)sys("cgroup", bpf(BPF_PROG_ATTACH, &attr), "bpf(BPF_PROG_ATTACH, \"%s\", "
		     "BPF_CGROUP_DEVICE)", path);
	close(dir);
	release_device_rules();  /* attached, the cgroup holds the program */
	return r < 0 ? -1 : 0;
}

void release_device_rules(void)
{
	if (program >= 0)
		close(program);
	program = -1;
}
