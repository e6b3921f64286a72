/*
 * fuzz_config.c - config.json, as `container run --bundle B` reads it:
 * load_config() checks every field and hands each setting to the layer
 * option a user would have typed (set_layer_option: --memory, --uid-map,
 * --cpus, --device-read-bps, ...), so the layers' parsers run too.
 *
 * Each input is written to BUNDLE/config.json (load_config reads a file);
 * BUNDLE/rootfs is an empty directory, so "root": {"path": "rootfs"} works.
 * Nothing is created: load_config only reads, a container starts later.
 */
#include "kit.h"
#include "runtime.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char bundle[4096], file[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char rootfs[4200];

	(void)argc, (void)argv;
	verbose = true;  /* -v: the traces format the input's text too */
	snprintf(bundle, sizeof(bundle), "%s", fuzz_dir());
	snprintf(file, sizeof(file), "%s/config.json", bundle);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	if (mkdir(rootfs, 0755) < 0) {
		perror(rootfs);
		abort();
	}
	return 0;
}

/* What load_config allocated that is not the layers' to keep. */
static void release(struct oci_config *config)
{
	json_t *process = json_object_get(config->json, "process");

	free(config->args);
	if (json_is_array(json_object_get(process, "env")))
		free(config->env);
	if (config->annotations != json_object_get(config->json, "annotations"))
		json_decref(config->annotations);
	json_decref(config->json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oci_config config;

	reset_layers();
	write_input(file, data, size);
	memset(&config, 0, sizeof(config));
	load_config(bundle, &config);
	release(&config);
	reset_layers();  /* they point into the values free_kept() frees */
	free_kept();
	return 0;
}
