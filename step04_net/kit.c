/*
 * kit.c - how every layer reports: one trace line per kernel call with -v,
 * one error line per failure. See kit.h for the pattern.
 *
 * Man pages: errno(3), strerror(3).
 */
#include "kit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
