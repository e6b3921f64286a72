/*
 * overlay.h - what overlay.c calls in its support file overlay_dirs.c: the
 * overlay's directories on the host. Included only by the overlay layer's
 * files; kit.h stays the contract between layers.
 */
#ifndef OVERLAY_H
#define OVERLAY_H

#include "kit.h"

#include <limits.h>

#define MAX_LAYERS 16

/* The layer's state: the options, then the directories of this run. */
struct overlay_state {
	char layers[MAX_LAYERS][PATH_MAX];  /* --layer, bottom first */
	int layer_count;
	char kept_upper[PATH_MAX];          /* --upper, or empty */
	char base[PATH_MAX / 2], upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
};
#define OVERLAY_STATE_INIT { .layer_count = 0 }

/* overlay_dirs.c */
int join_path(char *out, const char *dir, const char *suffix);
int ensure_dir(const char *path, mode_t mode);
int scratch_parent(char *parent);
int prepare_kept_upper(const char *kept_upper, char *upper, char *work);
void remove_stale_dirs(const char *parent);
void remove_tree(const char *path);
unsigned host_id_of_root(pid_t pid, const char *map);

#endif
