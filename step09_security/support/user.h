/*
 * user.h - what user.c calls in its support files: the id maps (idmap.c),
 * the rootless path (subid.c) and the idmapped rootfs (idmapped_rootfs.c).
 * Included only by the user layer's files; kit.h stays the contract
 * between layers.
 */
#ifndef USER_H
#define USER_H

#include "kit.h"

#define MAX_RANGES 8
#define RANGE_SIZE 65536UL  /* ids 0..65535, what a distribution image uses */

/* One line of /proc/PID/uid_map: container ids INSIDE.. are host ids OUTSIDE.. */
struct id_range { unsigned long inside, outside, count; };

struct id_map {
	const char *kind;                    /* "uid" or "gid" */
	struct id_range ranges[MAX_RANGES];
	int count;
	bool needs_helper;                   /* rootless with subordinate ids */
};

/* The layer's state: the maps from the options, the socket to the child. */
struct user_state {
	struct id_map uid_map, gid_map;
	int idmap_socket[2];                 /* parent -> child: the idmapped rootfs */
};
#define USER_STATE_INIT { .uid_map = { .kind = "uid" }, .gid_map = { .kind = "gid" }, \
			  .idmap_socket = { -1, -1 } }

/* idmap.c: --uid-map/--gid-map, and the maps a run gets without them. */
int parse_range(struct id_map *map, const char *text);
int choose_map(struct id_map *map, unsigned long own_id);
int check_maps_root(const struct id_map *map);

/* subid.c: a user's subordinate ids, the setuid helpers that map them, and
 * Ubuntu's AppArmor restriction of unprivileged user namespaces. */
int check_userns_allowed(void);
bool subordinate_range(const struct id_map *map, struct id_range *sub);
int check_rootless_range(const struct id_map *map, unsigned long own, const struct id_range *sub);
int run_id_helper(const struct id_map *map, pid_t pid);

/* idmapped_rootfs.c: the rootfs as container root's, handed to the child. */
int make_idmapped_rootfs(struct container *c);
int send_rootfs(int sock, int fd);
int receive_rootfs(int sock, struct container *c);

#endif
