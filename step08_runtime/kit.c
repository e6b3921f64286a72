/*
 * kit.c - how every layer reports: one trace line per kernel call with -v,
 * one error line per failure. See kit.h for the pattern.
 *
 * Man pages: errno(3), strerror(3).
 */
#include "kit.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool verbose;
void (*log_line)(const char *line);  /* step08: the runtime's --log, for errors and warnings */

/*
 * One write(2) per line: the parent and the child trace at the same time,
 * and lines written piecemeal would interleave mid-line.
 */
static void print_line(char *line)
{
	size_t len = strnlen(line, LINE_MAX - 2);

	line[len] = '\0';
	if (log_line && strncmp(line, "container: ", 11) == 0)
		log_line(line);
	line[len] = '\n';
	if (write(STDERR_FILENO, line, len + 1) < 0)
		return;  /* nowhere left to report it */
}

/* One line for a kernel call: "[layer] call = result", or the error line. */
static long report_call(const char *layer, long result, bool error, const char *call_format,
			va_list ap)
{
	int saved_errno = errno;  /* the call's errno, before we print anything */
	char line[LINE_MAX];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), error ? "container: [%s] " : "[%s] ", layer);
	n += (size_t)vsnprintf(line + n, sizeof(line) - n, call_format, ap);
	if (n < sizeof(line) && result == -1)
		snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved_errno));
	else if (n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " = %ld", result);
	print_line(line);
	errno = saved_errno;
	return result;
}

long sys(const char *layer, long result, const char *call_format, ...)
{
	va_list ap;

	if (!verbose && result != -1)
		return result;
	va_start(ap, call_format);
	report_call(layer, result, result == -1, call_format, ap);
	va_end(ap);
	return result;
}

/* One message line: "container: [layer] ..." for an error or a warning, "[layer] ..." for a trace. */
static void report(const char *layer, bool error, const char *kind, const char *format, va_list ap)
{
	char line[LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s[%s] %s", error ? "container: " : "", layer, kind);

	vsnprintf(line + n, sizeof(line) - n, format, ap);
	print_line(line);
}

int fail(const char *layer, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	report(layer, true, "", format, ap);
	va_end(ap);
	return -1;
}

void trace(const char *layer, const char *format, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, format);
	report(layer, false, "", format, ap);
	va_end(ap);
}

/*
 * A kernel file is written in one write(2) (a map file, a cgroup limit: the
 * kernel parses each write on its own) and read in one read(2). -1 keeps
 * the errno of the call that failed, for the caller's sys() or sys_try().
 */
int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t written = fd < 0 ? -1 : write(fd, text, strlen(text));
	int saved_errno = errno;

	if (fd >= 0)
		close(fd);
	errno = saved_errno;
	return written < 0 ? -1 : 0;
}

/* buf holds what was read, NUL-terminated; returns its length. */
ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	int saved_errno = errno;

	if (fd >= 0)
		close(fd);
	errno = saved_errno;
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Writes text to a kernel file such as /proc/PID/uid_map, traced. */
int write_file(const char *layer, const char *path, const char *text)
{
	int line = (int)strcspn(text, "\n");  /* the trace shows the first line */

	return sys(layer, write_text(path, text), "write(\"%s\", \"%.*s%s\")", path, line, text,
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

void warn(const char *layer, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	report(layer, true, "warning: ", format, ap);
	va_end(ap);
}

/* Reads a small file (a sysctl, a lock owner) into buf, NUL-terminated. */
int read_file(const char *layer, const char *path, char *buf, size_t size)
{
	return sys(layer, read_text(path, buf, size), "read(\"%s\")", path) < 0 ? -1 : 0;
}

long sys_try(const char *layer, long result, const char *call_format, ...)
{
	va_list ap;

	if (!verbose)
		return result;
	va_start(ap, call_format);
	report_call(layer, result, false, call_format, ap);
	va_end(ap);
	return result;
}

/* A whole number: digits only (strtoull alone would take " -1" as 2^64-1). */
int parse_count(const char *text, unsigned long long *n)
{
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	*n = strtoull(text, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* Waits a few milliseconds: polling the kernel for something it finishes on its own. */
void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}
