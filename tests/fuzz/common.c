/* common.c - the harnesses' scratch directory, and the input written to a file. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[4096];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

/* At exit (libFuzzer exits after a run; a crash leaves it to run.sh's trap). */
static void remove_dir(void)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* One per process, under TMPDIR. */
const char *fuzz_dir(void)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/kit-fuzz.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
		atexit(remove_dir);
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
