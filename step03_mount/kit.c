/*
 * kit.c - how every layer reports: one trace line per kernel call with -v,
 * one error line per failure. See kit.h for the pattern.
 *
 * Man pages: errno(3), strerror(3).
 */
#include "kit.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
