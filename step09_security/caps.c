/*
 * caps.c - capability names and sets: --cap-add, --cap-drop, and the set
 * the container is granted. The parent decides it with Docker's rules.
 *
 * Chapter: 6.1 Capabilities.
 * Man pages: capabilities(7), cap_from_name(3), cap_to_name(3),
 *            cap_get_bound(3).
 */
#include "kit.h"
#include "security.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

/* "net_bind_service", "CAP_NET_BIND_SERVICE": case and prefix do not matter. */
static int parse_cap(const char *option, const char *value, cap_value_t *cap)
{
	const char *name = strncasecmp(value, "cap_", 4) == 0 ? value + 4 : value;
	char lower[64] = "cap_";
	size_t n = strlen(name);

	/* Only letters and '_': cap_from_name would also take numbers. */
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)name[i]) && name[i] != '_')
			n = 0;
	if (n == 0 || n > sizeof(lower) - 5)
		return fail("security", "--%s \"%s\": not a capability name (see capabilities(7))",
			    option, value);
	for (size_t i = 0; i <= n; i++)
		lower[4 + i] = tolower((unsigned char)name[i]);
	if (cap_from_name(lower, cap) < 0)
		return fail("security", "--%s %s: unknown capability (see capabilities(7))",
			    option, value);
	if (*cap >= cap_max_bits() || *cap >= 64)
		return fail("security", "--%s %s: not supported by this kernel", option, value);
	return 0;
}

int set_cap_add(const char *value)
{
	cap_value_t cap;

	if (strcasecmp(value, "ALL") == 0) {
		security.add_all = true;
		return 0;
	}
	if (parse_cap("cap-add", value, &cap) < 0)
		return -1;
	security.caps_added |= BIT(cap);
	return 0;
}

int set_cap_drop(const char *value)
{
	cap_value_t cap;

	if (strcasecmp(value, "ALL") == 0) {
		security.drop_all = true;
		return 0;
	}
	if (parse_cap("cap-drop", value, &cap) < 0)
		return -1;
	security.caps_dropped |= BIT(cap);
	return 0;
}

/* The names of a set, for messages and the -v trace. */
const char *caps_text(uint64_t set)
{
	static char text[1024];

	text[0] = '\0';
	for (cap_value_t cap = 0; cap < 64; cap++) {
		char *name;
		if (!(set & BIT(cap)) || (name = cap_to_name(cap)) == NULL)
			continue;
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
			 text[0] ? "," : "", name);
		cap_free(name);
	}
	return text[0] ? text : "none";
}

/* The capabilities the kit itself may pass on: its bounding set. */
static uint64_t own_bounding_set(void)
{
	uint64_t set = 0;

	for (cap_value_t cap = 0; cap < cap_max_bits() && cap < 64; cap++)
		if (cap_get_bound(cap) == 1)
			set |= BIT(cap);
	return set;
}

/*
 * Docker's rules, so the same flags mean the same thing: --cap-add ALL wins
 * and keeps all but the --cap-drop ones; else --cap-drop ALL keeps only the
 * --cap-add ones; else the defaults, minus drops, plus adds.
 */
int decide_capabilities(void)
{
	uint64_t own = own_bounding_set();
	uint64_t *granted = &security.granted;

	if (security.add_all)
		*granted = own & ~security.caps_dropped;
	else if (security.drop_all)
		*granted = security.caps_added;
	else
		*granted = ((DOCKER_DEFAULT_CAPS & own) & ~security.caps_dropped) |
			   security.caps_added;
	if (*granted & ~own)
		return fail("security", "cannot grant %s: not in the kit's own bounding set",
			    caps_text(*granted & ~own));
	trace("security", "capabilities: %s", caps_text(*granted));
	return 0;
}
