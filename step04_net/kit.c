/*
 * kit.c - how every layer reports: one trace line per kernel call with -v,
 * one error line per failure. See kit.h for the pattern.
 *
 * Man pages: errno(3), strerror(3).
 */
#include "kit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool verbose;

/*
 * One write(2) per line: the parent and the child trace at the same time,
 * and lines written piecemeal would interleave mid-line.
 */
static void print_line(char *line)
{
	size_t len = strnlen(line, LINE_MAX - 2);

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

int fail(const char *layer, const char *format, ...)
{
	char line[LINE_MAX];
	int n = snprintf(line, sizeof(line), "container: [%s] ", layer);
	va_list ap;

	va_start(ap, format);
	vsnprintf(line + n, sizeof(line) - n, format, ap);
	va_end(ap);
	print_line(line);
	return -1;
}

void trace(const char *layer, const char *format, ...)
{
	char line[LINE_MAX];
	int n;
	va_list ap;

	if (!verbose)
		return;
	n = snprintf(line, sizeof(line), "[%s] ", layer);
	va_start(ap, format);
	vsnprintf(line + n, sizeof(line) - n, format, ap);
	va_end(ap);
	print_line(line);
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
	char line[LINE_MAX];
	int n = snprintf(line, sizeof(line), "container: [%s] warning: ", layer);
	va_list ap;

	va_start(ap, format);
	vsnprintf(line + n, sizeof(line) - n, format, ap);
	va_end(ap);
	print_line(line);
}

/* Reads a small file (a sysctl, a lock owner) into buf, NUL-terminated. */
int read_file(const char *layer, const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;
	int saved_errno;

	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
	}
	if (sys(layer, n, "read(\"%s\")", path) < 0)
		return -1;
	buf[n] = '\0';
	return 0;
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
