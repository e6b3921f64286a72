/*
 * fuzz_options.c - the layers' command-line options, as a user types them:
 * one option per line, "NAME=VALUE" for --NAME VALUE, "NAME" for a flag:
 *
 *	memory=256m
 *	memory-swap=1g
 *	uid-map=0:1000000:65536
 *	cap-add=NET_ADMIN
 *	tmpfs=/run:size=64m,exec
 *
 * Each line goes through set_layer_option(), the way getopt_long's and
 * config.json's values do, to the layer's parser: sizes, --cpus, device
 * rates, id maps, capability names, --user, --ip/--subnet, --tmpfs, ...
 * Then the checks that only compare options (--memory-swap against
 * --memory, --ip inside --subnet) and the cgroup values as they would be
 * written. As in the program, the first refused option ends the input.
 * Options whose parser acts on the host are skipped (see not_fuzzed).
 */
#include "kit.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

/* --reset-host deletes kit0 and exits. (--rootfs, --layer, --device-*: realpath/stat only.) */
static const char *const not_fuzzed[] = { "reset-host", NULL };

static bool skipped(const char *name)
{
	for (int i = 0; not_fuzzed[i]; i++)
		if (strcmp(name, not_fuzzed[i]) == 0)
			return true;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	verbose = true;  /* -v: the traces format the input's text too */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Layers keep pointers to their values (as to argv's): the copy outlives the checks. */
	char *text = malloc(size + 1), *line, *save = NULL;

	memcpy(text, data, size);
	text[size] = '\0';
	reset_layers();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *value = strchr(line, '=');

		if (value)
			*value++ = '\0';
		if (!skipped(line) && set_layer_option(line, value) < 0)
			break;
	}
	if (line == NULL && check_cgroup_options() == 0)
		check_net_options();
	reset_layers();
	free(text);
	return 0;
}
