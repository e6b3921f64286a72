/*
 * kit.c - how every layer reports: one trace line per kernel call with -v,
 * one error line per failure. See kit.h for the pattern.
 *
 * Man pages: errno(3), strerror(3).
 */
#include "kit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool verbose;

long sys(const char *layer, long result, const char *call_format, ...)
{
	int saved_errno = errno;  /* the call's errno, before we print anything */
	va_list ap;

	if (!verbose && result != -1)
		return result;
	fprintf(stderr, result == -1 ? "container: [%s] " : "[%s] ", layer);
	va_start(ap, call_format);
	vfprintf(stderr, call_format, ap);
	va_end(ap);
	if (result == -1)
		fprintf(stderr, ": %s\n", strerror(saved_errno));
	else
		fprintf(stderr, " = %ld\n", result);
	errno = saved_errno;
	return result;
}

int fail(const char *layer, const char *format, ...)
{
	va_list ap;

	fprintf(stderr, "container: [%s] ", layer);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void trace(const char *layer, const char *format, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fprintf(stderr, "[%s] ", layer);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Writes text to a kernel file such as /proc/PID/uid_map, in one write(2). */
int write_file(const char *layer, const char *path, const char *text)
{
	int line = (int)strcspn(text, "\n");  /* the trace shows the first line */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t written = -1;
	int saved_errno;

	if (fd >= 0) {
		written = write(fd, text, strlen(text));
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	return sys(layer, written < 0 ? -1 : 0, "write(\"%s\", \"%.*s%s\")", path, line, text,
		   text[line] && text[line + 1] ? "\\n..." : "") < 0 ? -1 : 0;
}

/*
 * Where the kit keeps what must outlive one call: /run/container-kit for
 * root, a directory of the user's own otherwise (rootless).
 */
const char *kit_state_dir(void)
{
	static char dir[256];
	const char *runtime = getenv("XDG_RUNTIME_DIR");

	if (dir[0] == '\0') {
		if (geteuid() == 0)
			snprintf(dir, sizeof(dir), "/run/container-kit");
		else if (runtime && runtime[0] == '/')
			snprintf(dir, sizeof(dir), "%s/container-kit", runtime);
		else
			snprintf(dir, sizeof(dir), "/tmp/container-kit-%u", (unsigned)geteuid());
	}
	return dir;
}

/* mkdir -p: creates path and any missing parent, each with mode. */
int make_dirs(const char *layer, const char *path, mode_t mode)
{
	char partial[4096];

	for (const char *p = path; (p = strchr(p + 1, '/')) != NULL || (p = path + strlen(path)); ) {
		snprintf(partial, sizeof(partial), "%.*s", (int)(p - path), path);
		if (mkdir(partial, mode) < 0 && errno != EEXIST)
			return sys(layer, -1, "mkdir(\"%s\")", partial);
		if (*p == '\0')
			return 0;
	}
	return 0;
}
