/*
 * sysctl.c - --sysctl KEY=VALUE (config.json's linux.sysctl): a kernel
 * setting for the container alone, written to /proc/sys/KEY (dots become
 * slashes) in the container's new /proc, before the security layer makes
 * /proc/sys read-only. Only settings that belong to a namespace the
 * container has its own of are taken, as in Docker and runc: the IPC ones
 * (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) and the network ones
 * (net.*). Any other would change the host for every process on it.
 *
 * Chapter: 2 "Namespaces" (what each one isolates), 6.4 (/proc/sys read-only).
 * Man pages: sysctl(8), proc(5) (/proc/sys), ipc_namespaces(7), network_namespaces(7).
 */
#include "kit.h"
#include "security.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#define MAX_SYSCTLS 32

static struct { char key[128]; const char *value; } sysctls[MAX_SYSCTLS];
static int count;

/* The namespace a key belongs to (its CLONE_NEW* flag), or 0: the host's. */
static int namespace_of(const char *key)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
		"kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			return CLONE_NEWIPC;
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return CLONE_NEWIPC;
	if (strncmp(key, "net.", 4) == 0)
		return CLONE_NEWNET;
	return 0;
}

int set_sysctl(const char *value)
{
	const char *equals = strchr(value, '=');
	size_t len = equals ? (size_t)(equals - value) : 0;

	if (len == 0 || len >= sizeof(sysctls[0].key) || strstr(value, "..") ||
	    memchr(value, '/', len))
		return fail("security", "--sysctl %s: expected KEY=VALUE, e.g. net.ipv4.ip_forward=1",
			    value);
	if (count == MAX_SYSCTLS)
		return fail("security", "--sysctl: at most %d", MAX_SYSCTLS);
	snprintf(sysctls[count].key, sizeof(sysctls[0].key), "%.*s", (int)len, value);
	if (namespace_of(sysctls[count].key) == 0)
		return fail("security", "--sysctl %s: not a setting of a namespace of the "
			    "container's own (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, "
			    "net.*): it would change the host", sysctls[count].key);
	/* A joined namespace is the container's too: runc writes the key there. */
	if (namespace_of(sysctls[count].key) & shared_with_host & ~joined_namespaces)
		return fail("security", "--sysctl %s: the container shares that namespace with "
			    "the host", sysctls[count].key);
	sysctls[count++].value = equals + 1;
	return 0;
}

/* In the child, in its own /proc, while /proc/sys is still writable. */
int write_sysctls(void)
{
	char path[sizeof(sysctls[0].key) + 16];

	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "/proc/sys/%.127s", sysctls[i].key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (write_file("security", path, sysctls[i].value) < 0)
			return -1;
	}
	return 0;
}
