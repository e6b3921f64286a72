/*
 * apparmor.c - --security-opt apparmor=PROFILE: the host's AppArmor profile
 * for COMMAND, where the host has AppArmor. The profile must already be
 * loaded on the host (apparmor_parser); the kit only names it.
 *
 * Chapter: 6.3 AppArmor/SELinux.
 * Man pages: apparmor(7), proc(5) (/proc/PID/attr), aa_change_onexec(3).
 */
#include "kit.h"
#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool wants_profile(void)
{
	return security.apparmor_profile != NULL &&
	       strcmp(security.apparmor_profile, "unconfined") != 0;
}

/* In the parent: a profile on a host without AppArmor is refused before anything exists. */
int check_apparmor(void)
{
	char enabled = 'N';
	FILE *f;

	if (!wants_profile())
		return 0;
	f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	if (f) {
		enabled = (char)fgetc(f);
		fclose(f);
	}
	if (enabled != 'Y')
		return fail("security", "--security-opt apparmor=%s: AppArmor is not enabled on this host",
			    security.apparmor_profile);
	return 0;
}

/*
 * The profile takes effect at the next execve, that of COMMAND. The
 * LSM-stacking interface first; older kernels have only the generic one, so
 * ENOENT from the first is an answer, not an error (kit.c's write_file()
 * would report it, so its untraced write_text() is used).
 */
int apply_apparmor(void)
{
	static const char *const attr[] = {
		"/proc/self/attr/apparmor/exec", "/proc/self/attr/exec",
	};
	char text[300];
	int written = -1;

	if (!wants_profile())
		return 0;
	snprintf(text, sizeof(text), "exec %s", security.apparmor_profile);
	for (size_t i = 0; i < sizeof(attr) / sizeof(attr[0]); i++) {
		written = write_text(attr[i], text);
		if (written == 0 || errno != ENOENT)
			break;
	}
	return sys("security", written, "write(\"/proc/self/attr/.../exec\", \"%s\")",
		   text) < 0 ? -1 : 0;
}
