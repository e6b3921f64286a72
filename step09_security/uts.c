/*
 * uts.c - the UTS namespace: the container gets its own hostname (and NIS
 * domain name); setting it changes nothing on the host.
 *
 * Chapter: 2.1 "Namespace Types", 2.2 "unshare --uts", 2.4 (sethostname).
 * Man pages: uts_namespaces(7), sethostname(2), uname(2).
 */
#include "kit.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

static const char *hostname = "container";

static int set_hostname_option(const char *value)
{
	/* HOST_NAME_MAX (64) is the kernel's limit; say so before clone. */
	if (value[0] == '\0' || strlen(value) > 64)
		return fail("uts", "--hostname \"%s\": must be 1 to 64 characters", value);
	hostname = value;
	return 0;
}

/* Runs inside the new UTS namespace: the host's name is untouched. */
static int set_hostname(struct container *c)
{
	/* exercise: 2. set the hostname with sethostname(2): only the new UTS namespace sees it.
	 *   It takes the name's length, not a NUL-terminated string. Through sys("uts", ...),
	 *   so a failure names the call and -v traces it; the tests match the line
	 *   [uts] sethostname("container") = 0
	 * check: ^(uts: the hostname inside is|cli: -v traces)
	 */
	(void)c;
	return sys("uts", sethostname(hostname, strlen(hostname)),
		   "sethostname(\"%s\")", hostname) < 0 ? -1 : 0;
	/* end exercise */
}

static const struct layer_option uts_options[] = {
	{ "hostname", "NAME", "hostname inside the container (default: container)",
	  set_hostname_option },
	{ 0 },
};

const struct layer uts_layer = {
	.name = "uts",
	/* exercise: 1. ask clone(2) for a new UTS namespace: the CLONE_NEWUTS flag (uts_namespaces(7))
	 * check: ^uts: the container.s UTS namespace is not
	 */
	.clone_flags = CLONE_NEWUTS,
	/* end exercise */
	.options = uts_options,
	.in_child = set_hostname,
};
