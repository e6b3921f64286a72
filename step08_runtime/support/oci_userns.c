/*
 * oci_userns.c - --userns host, the runtime layer's option for a config.json
 * without a "user" namespace (as `runc spec` writes it for root): no user
 * namespace at all. The user layer is then left out, its phases skipped
 * (container.c); an option given to it is refused. Container root is host
 * root, held in check by the other layers alone: only root may ask for that.
 *
 * Chapter: 5.3 "Using runc" (config.json's linux.namespaces).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#namespaces
 * Man pages: user_namespaces(7), clone(2).
 */
#include "kit.h"
#include "runtime.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

int set_userns(const char *value)
{
	if (strcmp(value, "private") == 0) {
		shared_with_host &= ~CLONE_NEWUSER;
		return 0;
	}
	if (strcmp(value, "host") != 0)
		return fail("user", "--userns %s: must be private or host", value);
	if (geteuid() != 0)
		return fail("user", "--userns host: only root may run a container without "
			    "a user namespace");
	shared_with_host |= CLONE_NEWUSER;
	return 0;
}
