/*
 * idmap.c - which ids the user namespace maps: --uid-map/--gid-map as the
 * user types them, the default when they are not given, and the checks
 * the kernel would otherwise answer with a bare EINVAL or EPERM.
 *
 * Chapter: 2.2 "unshare --user --map-root-user", 5.4 "Rootless Containers".
 * Man pages: user_namespaces(7) ("User and group ID mappings"), subuid(5).
 */
#include "user.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROOT_MAPPED_BASE 1000000UL  /* host id of container root, when run by root */

static bool overlaps(unsigned long a, unsigned long a_count, unsigned long b, unsigned long b_count)
{
	return a < b + b_count && b < a + a_count;
}

static int add_range(struct id_map *map, const struct id_range *r, const char *text)
{
	if (map->count == MAX_RANGES)
		return fail("user", "--%s-map %s: at most %d ranges", map->kind, text, MAX_RANGES);
	for (int i = 0; i < map->count; i++) {
		const struct id_range *o = &map->ranges[i];
		if (overlaps(r->inside, r->count, o->inside, o->count) ||
		    overlaps(r->outside, r->count, o->outside, o->count))
			return fail("user", "--%s-map %s: overlaps %lu:%lu:%lu", map->kind, text,
				    o->inside, o->outside, o->count);
	}
	map->ranges[map->count++] = *r;
	return 0;
}

/* CONTAINER:HOST:SIZE, as podman's --uidmap. */
int parse_range(struct id_map *map, const char *text)
{
	unsigned long field[3];
	const char *p = text;
	char *end;

	for (int i = 0; i < 3; i++) {
		errno = 0;
		field[i] = strtoul(p, &end, 10);
		/* strtoul() would skip spaces and take a sign: "-1" is ULONG_MAX, not an error. */
		if (errno || !isdigit((unsigned char)*p) || *end != (i < 2 ? ':' : '\0') ||
		    field[i] > UINT32_MAX - 1)
			return fail("user", "--%s-map %s: expected CONTAINER:HOST:SIZE, e.g. 0:1000000:65536",
				    map->kind, text);
		p = end + 1;
	}
	if (field[2] == 0 || field[0] + field[2] > UINT32_MAX || field[1] + field[2] > UINT32_MAX)
		return fail("user", "--%s-map %s: SIZE must be at least 1 and the range within 32 bits",
			    map->kind, text);
	return add_range(map, &(struct id_range){ field[0], field[1], field[2] }, text);
}

/*
 * Fills an empty map with the default described at the top of user.c:
 * root maps 0..65535 to 1000000..; a user maps 0 to their own id and, with
 * a subordinate range and newuidmap, 1..65535 to that range.
 */
int choose_map(struct id_map *map, unsigned long own_id)
{
	struct id_range sub = { 0, 0, 0 };
	bool have_sub = own_id != 0 && subordinate_range(map, &sub);

	if (map->count == 0 && own_id == 0)
		add_range(map, &(struct id_range){ 0, ROOT_MAPPED_BASE, RANGE_SIZE }, "default");
	if (map->count == 0 && own_id != 0) {
		add_range(map, &(struct id_range){ 0, own_id, 1 }, "default");
		if (have_sub)
			add_range(map, &(struct id_range){ 1, sub.outside, RANGE_SIZE - 1 }, "default");
	}
	if (own_id == 0)
		return 0;
	map->needs_helper = have_sub && access("/usr/bin/newuidmap", X_OK) == 0;
	return check_rootless_range(map, own_id, map->needs_helper ? &sub : NULL);
}

/* COMMAND starts as container root: id 0 must be mapped. */
int check_maps_root(const struct id_map *map)
{
	for (int i = 0; i < map->count; i++)
		if (map->ranges[i].inside == 0)
			return 0;
	return fail("user", "--%s-map: container %s 0 (root) is not mapped", map->kind, map->kind);
}
