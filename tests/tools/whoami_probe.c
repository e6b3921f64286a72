/*
 * whoami_probe - prints the ids and the capabilities the process runs with:
 * "uid=R euid=E gid=G egid=F CapEff=HEX". A setuid-root copy of it shows
 * whether the setuid bit raised anything (no_new_privs says it must not).
 *
 * Usage: whoami_probe
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char line[256], eff[64] = "?";
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %63s", eff) == 1)
			break;
	printf("uid=%u euid=%u gid=%u egid=%u CapEff=%s\n", getuid(), geteuid(), getgid(),
	       getegid(), eff);
	return 0;
}
