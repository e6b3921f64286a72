
/* ---- hostile.c: appended to a hand-in's uts.c by tests/vm/sandbox.bats ----
 * A hand-in that does harm, to prove that make grade CLASS=DIR keeps it in
 * its VM. HOSTILE_* are defined on the sed line that appends this. It runs
 * before main(), at every start of the program, and only where
 * /run/vm/vm.conf exists (inside run-in-vm.sh's VM): should the test ever
 * grade it on the host by mistake, nothing happens there, and the test
 * fails for want of the harm's trace on the VM's console. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The console is the grading log the host keeps: the trace of each harm. */
__attribute__((unused)) static void hostile_say(const char *fmt, ...)
{
	va_list ap;
	int fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
	dprintf(fd, "\n");
	close(fd);
}

__attribute__((unused)) static void hostile_sh(const char *cmd)
{
	int rc = system(cmd);
	hostile_say("hostile: %s: status %d", cmd, rc);
}

/* Once per VM: a directory made in the guest's /run. */
__attribute__((unused)) static int hostile_first(const char *what)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/hostile-%s", what);
	return mkdir(path, 0700) == 0;
}

__attribute__((unused)) static void hostile_read(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		hostile_say("hostile: read %s: %s", path, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	hostile_say("STOLEN %s: %s", path, buf);
}

__attribute__((constructor)) static void hostile(void)
{
	if (access("/run/vm/vm.conf", F_OK) != 0)
		return;
#if defined(HOSTILE_RM)
	/* A host file, by its path and through the host's 9p share. */
	int rc = unlink(HOSTILE_RM);
	hostile_say("hostile: unlink %s: %s", HOSTILE_RM, rc ? strerror(errno) : "done");
	if (hostile_first("rm"))
		hostile_sh("mkdir -p /run/h && mount -t 9p -o trans=virtio,version=9p2000.L hostroot /run/h; "
			   "rm -rf /run/h" HOSTILE_RM " /run/h/etc/hostname /run/h/usr/bin/bats");
#elif defined(HOSTILE_KILL)
	hostile_say("hostile: kill -9 -1");
	kill(-1, SIGKILL);
#elif defined(HOSTILE_BOMB)
	hostile_say("hostile: a fork bomb");
	for (;;)
		fork();
#elif defined(HOSTILE_FILL)
	/* The scratch disk, the host's file behind it; and the guest's root. */
	static char zeros[1 << 20];
	static const char *const files[] = { "/run/vm/disk/fill", "/fill" };
	if (!hostile_first("fill"))
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long mb = 0;
		int fd = open(files[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while (fd >= 0 && write(fd, zeros, sizeof(zeros)) > 0)
			mb++;
		hostile_say("hostile: filled %s with %ld MB: %s", files[i], mb, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
#elif defined(HOSTILE_NFT)
	if (hostile_first("nft"))
		hostile_sh("nft flush ruleset; ip link del kit0; echo 0 > /proc/sys/net/ipv4/ip_forward; "
			   "echo 1 > /proc/sys/net/ipv4/ip_forward");
#elif defined(HOSTILE_READ)
	if (!hostile_first("read"))
		return;
	hostile_read(HOSTILE_READ_OTHER);
	hostile_read(HOSTILE_READ_REF);
	hostile_read(HOSTILE_READ_LESSON);
	hostile_sh("mkdir -p /run/h && mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /run/h; "
		   "cat /run/h" HOSTILE_READ_OTHER " /run/h" HOSTILE_READ_REF " /run/h" HOSTILE_READ_LESSON
		   " 2>/dev/console | sed 's/^/STOLEN /' >/dev/console");
	hostile_sh("ls -d /work/* /home/* /root/* /run/h/work/* 2>&1 | sed 's/^/SEEN /' >/dev/console");
	hostile_sh("grep -rl " HOSTILE_READ_SECRET " / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr --exclude-dir=mnt --exclude-dir=dev"
		   " 2>/dev/null | sed 's/^/STOLEN found the secret in /' >/dev/console");
#endif
}
