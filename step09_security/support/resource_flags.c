/*
 * resource_flags.c - docker run's resource flags: their units parsed (256m, 0.25
 * CPUs, 2-262144 shares, DEV:RATE), checked against each other, and
 * turned into the text each cgroup file takes, v1's or v2's (cgroup.c
 * writes it). Rules and ranges are docker's (and runc's for cpu.weight).
 *
 * What the flags become (an example of each):
 *   flag                cgroup v2                      cgroup v1
 *   --memory 256m       memory.max 268435456           memory/memory.limit_in_bytes 268435456
 *   --memory-swap 512m  memory.swap.max 268435456      memory/memory.memsw.limit_in_bytes 536870912
 *                       (swap alone)                   (memory + swap); -1: no limit
 *   --cpus 0.25         cpu.max "25000 100000"         cpu/cpu.cfs_period_us 100000
 *                                                      cpu/cpu.cfs_quota_us 25000
 *   --cpu-shares 512    cpu.weight 20                  cpu/cpu.shares 512
 *   --cpuset-cpus 0-1   cpuset.cpus 0-1                cpuset/cpuset.cpus 0-1 (+ cpuset.mems)
 *   --pids-limit 32     pids.max 32                    pids/pids.max 32
 *   --device-write-bps /dev/loop0:1mb (likewise -read-bps, -read-iops, -write-iops)
 *                       io.max "7:0 wbps=1048576"      blkio/blkio.throttle.write_bps_device
 *                       (keys rbps wbps riops wiops)   "7:0 1048576" (read_bps_, ..._iops_device)
 * Without --memory-swap the kernel's default stays: swap is not limited.
 *
 * Chapter: 3.3 CPU, 3.4 memory, 3.5 I/O.
 * Man pages: docker-run(1) (--memory, --cpus, ...), strtoull(3), strtod(3),
 *            stat(2) (a block device's major:minor), cgroups(7).
 * Kernel docs: Documentation/admin-guide/cgroup-v2.rst (memory.max, cpu.max,
 *            cpu.weight, io.max); cgroup-v1/ (memory.rst, blkio-controller.rst).
 */
#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Records one value; device limits add a device, the others replace. */
static int remember(enum limit_id id, const char *arg, unsigned long long number, dev_t device)
{
	bool per_device = limits[id].controller == IO;
	int i = per_device ? cg.values[id].count : 0;

	if (i == MAX_DEVICES)
		return fail("cgroup", "--%s: at most %d devices", limits[id].flag, MAX_DEVICES);
	cg.values[id].number[i] = number;
	cg.values[id].device[i] = device;
	cg.values[id].arg[i] = arg;
	cg.values[id].count = i + 1;
	return 0;
}

/* docker's sizes: a whole number and a unit b, k, m, g, t, p (powers of 1024),
 * optionally followed by "i" and/or "b": 512k, 1mb, 10M, 2GiB. */
static int parse_size(const char *text, unsigned long long *bytes)
{
	static const char units[] = "bkmgtp";
	const char *unit;
	char *end;
	unsigned long long n;
	int shift = 0;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0' && (unit = strchr(units, tolower((unsigned char)*end)))) {
		shift = 10 * (int)(unit - units);
		end++;
		if (shift > 0 && tolower((unsigned char)*end) == 'i')
			end++;
		if (shift > 0 && tolower((unsigned char)*end) == 'b')
			end++;
	}
	if (*end != '\0' || n > (ULLONG_MAX >> shift))
		return -1;
	*bytes = n << shift;
	return 0;
}

static int bad_size(const char *flag, const char *arg)
{
	return fail("cgroup", "--%s %s: not a size; use a whole number with an optional unit "
		    "b, k, m, g, t (powers of 1024), e.g. 256m", flag, arg);
}

int set_memory(const char *arg)
{
	unsigned long long bytes;

	if (parse_size(arg, &bytes) < 0)
		return bad_size("memory", arg);
	/* docker's minimum: below it COMMAND is killed before it can start. */
	if (bytes < 6 << 20)
		return fail("cgroup", "--memory %s: below the minimum of 6m", arg);
	return remember(MEMORY_MAX, arg, bytes, 0);
}

int set_memory_swap(const char *arg)
{
	unsigned long long bytes;

	if (strcmp(arg, "-1") == 0)
		return remember(SWAP_MAX, arg, UNLIMITED, 0);
	if (parse_size(arg, &bytes) < 0)
		return bad_size("memory-swap", arg);
	return remember(SWAP_MAX, arg, bytes, 0);
}

/* --cpus 0.25 = 25 ms of CPU time per 100 ms period, on any number of CPUs. */
int set_cpus(const char *arg)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	char *end = NULL;
	double cpus;

	/* strtod alone would also take "-1", " 1", "inf", "nan" and "0x1p-2". */
	errno = 0;
	cpus = strspn(arg, "0123456789.") == strlen(arg) ? strtod(arg, &end) : -1;
	if (cpus < 0 || errno != 0 || end == arg || *end != '\0')
		return fail("cgroup", "--cpus %s: not a number of CPUs (e.g. 0.5 or 2)", arg);
	/* 1 ms per period is the kernel's smallest quota. */
	if (cpus < 0.01 || cpus > online)
		return fail("cgroup", "--cpus %s: must be from 0.01 to %ld (the CPUs online)",
			    arg, online);
	remember(CPU_PERIOD, arg, CPU_PERIOD_US, 0);
	return remember(CPU_QUOTA, arg, (unsigned long long)(cpus * CPU_PERIOD_US + 0.5), 0);
}

int set_cpu_shares(const char *arg)
{
	unsigned long long shares;

	/* v1's range; v2's cpu.weight 1..10000 is computed from it. */
	if (parse_count(arg, &shares) < 0 || shares < 2 || shares > 262144)
		return fail("cgroup", "--cpu-shares %s: must be a number from 2 to 262144 "
			    "(1024 is the default share)", arg);
	return remember(CPU_WEIGHT, arg, shares, 0);
}

/* "0-3,6": numbers and ranges, comma-separated; the kernel checks the CPUs. */
static bool is_cpu_list(const char *s)
{
	for (;;) {
		if (!isdigit((unsigned char)*s))
			return false;
		s += strspn(s, "0123456789");
		if (*s == '-') {
			if (!isdigit((unsigned char)*++s))
				return false;
			s += strspn(s, "0123456789");
		}
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			return false;
	}
}

int set_cpuset_cpus(const char *arg)
{
	if (!is_cpu_list(arg))
		return fail("cgroup", "--cpuset-cpus %s: not a CPU list (e.g. 0-3,6)", arg);
	return remember(CPUSET_CPUS, arg, 0, 0);
}

int set_pids_limit(const char *arg)
{
	unsigned long long pids;

	if (strcmp(arg, "-1") == 0)
		return remember(PIDS_MAX, arg, UNLIMITED, 0);
	if (parse_count(arg, &pids) < 0 || pids < 1 || pids > INT_MAX)
		return fail("cgroup", "--pids-limit %s: must be a positive number, or -1 "
			    "for no limit", arg);
	return remember(PIDS_MAX, arg, pids, 0);
}

/* DEV:RATE - DEV a block device, whose major:minor the kernel wants. */
static int set_device_limit(enum limit_id id, const char *arg, bool bytes)
{
	const char *colon = strrchr(arg, ':');
	char device[PATH_MAX];
	unsigned long long rate;
	struct stat st;

	if (!colon || colon == arg || colon - arg >= PATH_MAX)
		return fail("cgroup", "--%s %s: expected DEVICE:%s, e.g. /dev/sda:%s",
			    limits[id].flag, arg, bytes ? "RATE" : "IOPS", bytes ? "1mb" : "100");
	snprintf(device, sizeof(device), "%.*s", (int)(colon - arg), arg);
	if ((bytes ? parse_size(colon + 1, &rate) : parse_count(colon + 1, &rate)) < 0 || rate == 0)
		return fail("cgroup", "--%s %s: %s is not a %s", limits[id].flag, arg, colon + 1,
			    bytes ? "rate such as 1mb, 512k or 10M (per second)" :
				    "positive number of I/O operations per second");
	if (sys("cgroup", stat(device, &st), "stat(\"%s\")", device) < 0 || !S_ISBLK(st.st_mode))
		return fail("cgroup", "--%s %s: %s is not a block device", limits[id].flag,
			    arg, device);
	return remember(id, arg, rate, st.st_rdev);
}

int set_read_bps(const char *arg) { return set_device_limit(READ_BPS, arg, true); }
int set_write_bps(const char *arg) { return set_device_limit(WRITE_BPS, arg, true); }
int set_read_iops(const char *arg) { return set_device_limit(READ_IOPS, arg, false); }
int set_write_iops(const char *arg) { return set_device_limit(WRITE_IOPS, arg, false); }

/* --stats: print what the cgroup counted when the container ends (cgroupfs.c). */
int set_stats(const char *arg)
{
	(void)arg;
	cg.print_stats = true;
	return 0;
}

/* --- before_clone: the flags against each other -------------------------- */

/* Cross-flag rules, as docker's. */
int check_limit_flags(void)
{
	unsigned long long memory = cg.values[MEMORY_MAX].number[0];
	unsigned long long swap = cg.values[SWAP_MAX].number[0];

	if (cg.values[SWAP_MAX].count == 0)
		return 0;
	if (cg.values[MEMORY_MAX].count == 0)
		return fail("cgroup", "--memory-swap needs --memory (it limits memory plus swap)");
	if (swap != UNLIMITED && swap < memory)
		return fail("cgroup", "--memory-swap %s: must be at least --memory %s (it is "
			    "memory plus swap)", cg.values[SWAP_MAX].arg[0],
			    cg.values[MEMORY_MAX].arg[0]);
	return 0;
}

/* --- after_clone: what is written ------------------------------------------ */

/* The text for value i of a limit, as this hierarchy wants it. */
void format_limit(enum limit_id id, int i, char *out, size_t size)
{
	static const char *const io_keys[] = { "rbps", "wbps", "riops", "wiops" };
	unsigned long long n = cg.values[id].number[i];
	dev_t dev = cg.values[id].device[i];

	if (n == UNLIMITED)   /* v1 memsw takes -1, everything else "max" */
		snprintf(out, size, "%s", !cg.v2 && id == SWAP_MAX ? "-1" : "max");
	else if (id == SWAP_MAX && cg.v2)   /* v1: memory+swap, v2: swap alone */
		snprintf(out, size, "%llu", n - cg.values[MEMORY_MAX].number[0]);
	else if (id == CPU_QUOTA && cg.v2)
		snprintf(out, size, "%llu %d", n, CPU_PERIOD_US);
	else if (id == CPU_WEIGHT && cg.v2)   /* as runc maps shares 2..262144 to 1..10000 */
		snprintf(out, size, "%llu", 1 + ((n - 2) * 9999) / 262142);
	else if (id == CPUSET_CPUS)
		snprintf(out, size, "%s", cg.values[id].arg[i]);
	else if (limits[id].controller == IO && cg.v2)
		snprintf(out, size, "%u:%u %s=%llu", major(dev), minor(dev),
			 io_keys[id - READ_BPS], n);
	else if (limits[id].controller == IO)
		snprintf(out, size, "%u:%u %llu", major(dev), minor(dev), n);
	else
		snprintf(out, size, "%llu", n);
}

/* What the kernel's usual refusals mean, for the learner. */
const char *refusal_hint(enum limit_id id, int error)
{
	if (limits[id].controller == IO && error == ENODEV)
		return " (a partition? device limits apply to whole disks)";
	if (id == CPUSET_CPUS)
		return " (a CPU that is offline or not in the parent's cpuset.effective_cpus?)";
	return "";
}
