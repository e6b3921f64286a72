/*
 * oci_cgroup.c - the cgroup options only the OCI runtime needs (config.c
 * maps config.json onto them), the runtime layer's: --cgroupns host (no
 * "cgroup" in linux.namespaces), --cgroup-parent and --cgroups-path
 * (linux.cgroupsPath), where an engine such as podman wants the container's
 * cgroup. The cgroup layer (cgroup.c, cgroupfs.c) reads what they set in cg
 * and calls back here for the parent they ask for; config.c's oci_options[]
 * lists them.
 *
 * Chapter: 5.3 "Using runc" (config.json), 3.1 (the v2 tree).
 * Spec: https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#cgroups-path
 * Man pages: cgroup_namespaces(7), cgroups(7), mkdir(2), rmdir(2).
 */
#include "cgroup.h"
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --cgroupns host: config.json without a "cgroup" namespace, as `runc spec` writes it. */
int set_cgroupns(const char *arg)
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
int set_cgroup_parent(const char *arg)
{
	if (check_cgroup_path("cgroup-parent", arg) < 0)
		return -1;
	cg.parent_asked = arg;
	return 0;
}

/* --cgroups-path PATH: the container's cgroup is PATH itself (OCI's cgroupsPath). */
int set_cgroups_path(const char *arg)
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

/* --- the parent asked for, for cgroupfs.c ---------------------------------- */

/* This process's own cgroup in controller c's hierarchy, from /proc/self/cgroup. */
static int own_cgroup(enum controller c, char *out, size_t size)
{
	char line[PATH_MAX + 64], *list, *path;
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = -1;

	while (f && found < 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* "ID:CONTROLLERS:PATH"; v2's line is "0::PATH". */
		if ((list = strchr(line, ':')) == NULL || (path = strchr(++list, ':')) == NULL)
			continue;
		*path++ = '\0';
		if (cg.v2 ? list[0] == '\0' : has_word(list, controllers[c].v1))
			found = snprintf(out, size, "%s", path + 1) < (int)size ? 0 : -1;
	}
	if (f)
		fclose(f);
	return found < 0 ? fail("cgroup", "no %s line in /proc/self/cgroup",
				cg.v2 ? "cgroup v2" : controllers[c].v1) : 0;
}

/*
 * The parent of the container's cgroup in each hierarchy: an absolute
 * --cgroup-parent or --cgroups-path from the root, a relative one below the
 * kit's own cgroup there (as runc reads config.json's cgroupsPath).
 */
int resolve_parents(void)
{
	const char *asked = cg.parent_asked;

	for (int c = 0; c < NCONTROLLERS && asked; c++) {
		char own[PATH_MAX] = "";

		if (!cg.used[c])
			continue;
		if (asked[0] != '/' && own_cgroup(c, own, sizeof(own)) < 0)
			return -1;
		if (snprintf(cg.parent[c], sizeof(cg.parent[c]), "%s%s%s", own, own[0] ? "/" : "",
			     asked + (asked[0] == '/')) >= (int)sizeof(cg.parent[c]))
			return fail("cgroup", "%s: path too long", asked);
		/* "" (the root itself) is not a parent of ours: /name is root/name. */
		if (cg.parent[c][0] == '\0')
			snprintf(cg.parent[c], sizeof(cg.parent[c]), ".");
	}
	return 0;
}

/* mkdir -p of a parent asked for: each level made is remembered, to be removed. */
int make_asked_parent(enum controller c)
{
	char dir[PATH_MAX], *slash;
	size_t root_len;

	cgroup_path(dir, c, HOST_ROOT, NULL);
	root_len = strlen(dir);
	cgroup_path(dir, c, KIT, NULL);
	for (slash = dir + root_len; slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (strlen(dir) > root_len) {
			if (sys_try("cgroup", mkdir(dir, 0755), "mkdir(\"%s\")", dir) == 0)
				cg.parent_levels_made[c]++;
			else if (errno != EEXIST)
				return sys("cgroup", -1, "mkdir(\"%s\")", dir);
			else if (cg.parent_levels_made[c] > 0)
				return fail("cgroup", "%s appeared while the kit made it", dir);
		}
		*slash = '/';
	}
	if (sys_try("cgroup", mkdir(dir, 0755), "mkdir(\"%s\")", dir) == 0)
		cg.parent_levels_made[c]++;
	else if (errno != EEXIST)
		return sys("cgroup", -1, "mkdir(\"%s\")", dir);
	return 0;
}

/* Of an asked parent, the levels this run made go, deepest first, while empty. */
void remove_asked_parent(enum controller c)
{
	char dir[PATH_MAX], *slash;

	cgroup_path(dir, c, KIT, NULL);
	for (; cg.parent_levels_made[c] > 0; cg.parent_levels_made[c]--) {
		if (sys_try("cgroup", rmdir(dir), "rmdir(\"%s\")", dir) < 0 ||
		    (slash = strrchr(dir, '/')) == NULL)
			break;
		*slash = '\0';
	}
	cg.parent_levels_made[c] = 0;
}
