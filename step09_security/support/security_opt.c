/*
 * security_opt.c - the security layer's options, the table --help shows,
 * each parsed by the support file of its concern; and --security-opt,
 * Docker's switch for three fences. seccomp=FILE|unconfined goes to
 * seccomp.c, apparmor=PROFILE to apparmor.c; no-new-privileges[=BOOL] is
 * security.c's set_no_new_privs(); masked-paths= and readonly-paths=
 * replace runc's lists (fs_hardening.c).
 *
 * Chapter: 6.1 Capabilities, 6.2 Seccomp, 6.3 AppArmor/SELinux, 6.4 Read-only Root.
 * Man pages: prctl(2) (PR_SET_NO_NEW_PRIVS), seccomp(2), apparmor(7).
 */
#include "kit.h"
#include "security.h"

#include <string.h>

static int set_no_new_privileges(const char *value)
{
	if (value == NULL || strcmp(value, "true") == 0)
		security.no_new_privs = true;
	else if (strcmp(value, "false") == 0)
		security.no_new_privs = false;
	else
		return fail("security", "--security-opt no-new-privileges=%s: expected true or false",
			    value);
	return 0;
}

int set_security_opt(const char *value)
{
	const char *equals = strchr(value, '=');
	size_t key = equals ? (size_t)(equals - value) : strlen(value);
	const char *arg = equals ? equals + 1 : NULL;

	if (key == 17 && strncmp(value, "no-new-privileges", key) == 0)
		return set_no_new_privileges(arg);
	if (arg && arg[0] && key == 7 && strncmp(value, "seccomp", key) == 0)
		return filter_option(arg);
	if (arg && key == 12 && strncmp(value, "masked-paths", key) == 0)
		return set_path_list("masked-paths", arg, true);
	if (arg && key == 14 && strncmp(value, "readonly-paths", key) == 0)
		return set_path_list("readonly-paths", arg, false);
	if (arg && arg[0] && key == 8 && strncmp(value, "apparmor", key) == 0) {
		security.apparmor_profile = arg;
		return 0;
	}
	return fail("security", "--security-opt %s: unknown option; the kit knows seccomp=FILE|"
		    "unconfined, no-new-privileges[=true|false], apparmor=PROFILE, "
		    "masked-paths=P:P..., readonly-paths=P:P...", value);
}

const struct layer_option security_options[] = {
	{ "cap-add", "CAP", "add a capability (CHOWN, CAP_NET_ADMIN, ALL; repeatable)", set_cap_add },
	{ "cap-drop", "CAP", "drop a capability (or ALL) from Docker's 14 defaults", set_cap_drop },
	{ "capabilities", "SET=CAP,...", "exactly these in SET (bounding, effective, permitted, "
	  "inheritable, ambient; the others empty)", set_capabilities_option },
	{ "user", "UID[:GID]", "run COMMAND as this user (numeric)", set_user },
	{ "group-add", "GID", "a supplementary group (repeatable)", set_group_add },
	{ "security-opt", "OPT", "seccomp=FILE|unconfined, no-new-privileges[=false], "
	  "apparmor=PROFILE, masked-paths=P:P, readonly-paths=P:P", set_security_opt },
	{ "ulimit", "NAME=SOFT[:HARD]", "a resource limit, e.g. nofile=1024:2048 (setrlimit(2); "
	  "repeatable)", set_ulimit },
	{ "sysctl", "KEY=VALUE", "a kernel setting of the container's own namespaces "
	  "(net.*, kernel.shm*, ...)", set_sysctl },
	{ "oom-score-adj", "N", "-1000 (never) to 1000 (first): the OOM killer's choice",
	  set_oom_score_adj },
	{ "read-only", NULL, "mount the container's root read-only", set_read_only },
	{ "tmpfs", "PATH[:OPTS]", "a writable tmpfs at PATH (nosuid,nodev,noexec; size=64m,"
	  "mode=1777,exec,...)", set_tmpfs },
	{ 0 },
};
