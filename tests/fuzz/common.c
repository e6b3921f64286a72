/* common.c - the harnesses' scratch directory, and the input written to a file. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One per process, removed by run.sh's trap (libFuzzer has no exit hook). */
const char *fuzz_dir(void)
{
	static char dir[4096];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/kit-fuzz.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
	}
	return dir;
}

int write_input(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n = fd < 0 ? -1 : write(fd, data, size);

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)size) {
		perror(path);
		abort();
	}
	return 0;
}

/*
 * config.c gives each layer option its own strdup()ed value, which the layer
 * keeps for the life of the process, as it keeps argv's. The Makefile
 * compiles config.c with -Dstrdup=kept_strdup, so that the harness can free
 * them once the layers are reset: without it, every input would "leak",
 * and LeakSanitizer's check after each one would slow the fuzzer 10-fold.
 */
static char **kept;
static size_t nkept, room;

char *kept_strdup(const char *s)
{
	char *copy = strdup(s);

	if (nkept == room) {
		room = room ? 2 * room : 64;
		kept = realloc(kept, room * sizeof(*kept));
		if (kept == NULL)
			abort();
	}
	kept[nkept++] = copy;
	return copy;
}

void free_kept(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
}
