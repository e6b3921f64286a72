/*
 * oci_cgroup.c - the cgroup options only the OCI runtime needs (config.c
 * maps config.json onto them), the runtime layer's: --cgroupns host (no
 * "cgroup" in linux.namespaces), --cgroup-parent and --cgroups-path
 * (linux.cgroupsPath), where an engine such as podman wants the container's
 * cgroup. The cgroup layer (cgroup.c, cgroupfs.c) reads what they set in cg.
 *
 * Chapter: 5.3 "Using runc" (config.json), 3.1 (the v2 tree).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#cgroups-path
 * Man pages: cgroup_namespaces(7), cgroups(7).
 */
#include "cgroup.h"
#include "runtime.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* --cgroupns host: config.json without a "cgroup" namespace, as `runc spec` writes it. */
static int set_cgroupns(const char *arg)
{
	if (strcmp(arg, "host") == 0)
		shared_with_host |= CLONE_NEWCGROUP;
	else if (strcmp(arg, "private") == 0)
		shared_with_host &= ~CLONE_NEWCGROUP;
	else
		return fail("cgroup", "--cgroupns %s: must be private or host", arg);
	return 0;
}

/* A cgroup path as typed: no "..", no empty part, no trailing "/". */
static int check_cgroup_path(const char *flag, const char *arg)
{
	if (arg[0] == '\0' || strstr(arg, "..") || strstr(arg, "//") ||
	    (strlen(arg) > 1 && arg[strlen(arg) - 1] == '/'))
		return fail("cgroup", "--%s %s: expected a path such as /kit/web or web, without ..",
			    flag, arg);
	return 0;
}

/* --cgroup-parent DIR: the container's cgroup is DIR/c<PID>, as docker's DIR/<ID>. */
static int set_cgroup_parent(const char *arg)
{
	if (check_cgroup_path("cgroup-parent", arg) < 0)
		return -1;
	cg.parent_asked = arg;
	return 0;
}

/* --cgroups-path PATH: the container's cgroup is PATH itself (OCI's cgroupsPath). */
static int set_cgroups_path(const char *arg)
{
	static char parent[PATH_MAX];
	const char *slash = strrchr(arg, '/');

	if (check_cgroup_path("cgroups-path", arg) < 0)
		return -1;
	if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) >= sizeof(cg.name))
		return fail("cgroup", "--cgroups-path %s: expected PARENT/NAME, such as "
			    "/kit/web or kit/web", arg);
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - arg), arg);
	cg.parent_asked = parent[0] ? parent : "/";
	snprintf(cg.name, sizeof(cg.name), "%s", slash + 1);
	cg.name_given = true;
	return 0;
}

const struct layer_option oci_cgroup_options[] = {
	{ "cgroupns", "MODE", "private (default): a new cgroup namespace; host: the host's",
	  set_cgroupns },
	{ "cgroup-parent", "DIR", "the cgroup to make the container's in (default: container-kit; "
	  "relative: below the kit's own)", set_cgroup_parent },
	{ "cgroups-path", "PATH", "the container's cgroup itself, as config.json's "
	  "linux.cgroupsPath", set_cgroups_path },
	{ 0 },
};
