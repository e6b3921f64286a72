/*
 * fuzz.h - what the harnesses share. The step's sources are linked as they
 * are (container.c with its main renamed); the layers that remember their
 * options in static variables are compiled through a small reset_LAYER.c
 * that #includes the layer's .c file, so that one input's options do not
 * leak into the next input (a crash must replay from its input alone).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void reset_cgroup(void);
void reset_net(void);
void reset_overlay(void);
void reset_security(void);
void reset_user(void);
void reset_volumes(void);
void reset_rlimits(void);
void reset_sysctl(void);
void reset_fs_hardening(void);
extern int shared_with_host;      /* container.c: --userns host, --cgroupns host */
extern bool init_outlives_kit;

/* Every layer's options back to "not given". */
static inline void reset_layers(void)
{
	reset_cgroup();
	reset_net();
	reset_overlay();
	reset_security();
	reset_user();
	reset_volumes();
	reset_rlimits();
	reset_sysctl();
	reset_fs_hardening();
	shared_with_host = 0;
	init_outlives_kit = false;
}

/* The checks a layer runs on its options before clone that touch nothing. */
int check_cgroup_options(void);
int check_net_options(void);

/* A private directory for the harness's files (config.json, a profile). */
const char *fuzz_dir(void);
int write_input(const char *path, const uint8_t *data, size_t size);

/* config.c's strdup (see common.c); free_kept() after the layers are reset. */
char *kept_strdup(const char *s);
void free_kept(void);

#endif
