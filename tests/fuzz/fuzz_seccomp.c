/*
 * fuzz_seccomp.c - a seccomp profile, as `--security-opt seccomp=FILE`
 * reads it: seccomp.c parses Docker's / OCI's JSON and builds the filter
 * with libseccomp, all in memory. The filter is never loaded (filter_load
 * would confine the fuzzer itself); it is released after each input.
 *
 * Each input is built twice: with no capability granted and with all of
 * them, the two ends of Docker's "includes"/"excludes" caps conditions.
 */
#include "kit.h"
#include "fuzz.h"

#include <stdio.h>

static char file[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	verbose = true;  /* -v: the traces format the input's text too */
	snprintf(file, sizeof(file), "%s/profile.json", fuzz_dir());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t caps[] = { 0, ~UINT64_C(0) };

	write_input(file, data, size);
	filter_option(file);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		filter_prepare(caps[i]);
		filter_cleanup();
	}
	return 0;
}
