/*
 * caps.c - capability names and sets: --cap-add, --cap-drop, --capabilities,
 * and the sets the container gets. The parent decides them, with Docker's
 * rules or exactly as --capabilities (config.json's process.capabilities)
 * gives them; the child sets them (security.c).
 *
 * Chapter: 6.1 Capabilities.
 * Man pages: capabilities(7), cap_from_name(3), cap_to_name(3),
 *            cap_get_bound(3), cap_set_ambient(3).
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

/* --cap-add and --cap-drop: ALL, or one capability into the set. */
static int note_cap(const char *option, const char *value, bool *all, uint64_t *set)
{
	cap_value_t cap;

	if (strcasecmp(value, "ALL") == 0) {
		*all = true;
		return 0;
	}
	if (parse_cap(option, value, &cap) < 0)
		return -1;
	*set |= BIT(cap);
	return 0;
}

int set_cap_add(const char *value)
{
	return note_cap("cap-add", value, &security.add_all, &security.caps_added);
}

int set_cap_drop(const char *value)
{
	return note_cap("cap-drop", value, &security.drop_all, &security.caps_dropped);
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

static const char *const set_names[NCAP_SETS] = {
	"bounding", "effective", "permitted", "inheritable", "ambient",
};

/*
 * --capabilities SET=CAP,CAP,... (SET= for an empty one): config.json's
 * process.capabilities, one set at a time. Once given, every set is exactly
 * what these options say (an unnamed set is empty), instead of Docker's rules.
 */
int set_capabilities_option(const char *value)
{
	const char *equals = strchr(value, '=');
	char list[1024], *save = NULL;
	cap_value_t cap;
	int set = -1;

	for (int i = 0; i < NCAP_SETS && equals; i++)
		if (strncmp(value, set_names[i], (size_t)(equals - value)) == 0 &&
		    set_names[i][equals - value] == '\0')
			set = i;
	if (set < 0)
		return fail("security", "--capabilities %s: expected SET=CAP,... with SET one of "
			    "bounding, effective, permitted, inheritable, ambient", value);
	if (snprintf(list, sizeof(list), "%s", equals + 1) >= (int)sizeof(list))
		return fail("security", "--capabilities %s: too long", value);
	security.exact_caps = true;
	security.cap_sets[set] = 0;
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (parse_cap("capabilities", name, &cap) < 0)
			return -1;
		security.cap_sets[set] |= BIT(cap);
	}
	return 0;
}

/* --capabilities ambient=...: each needs a cap_set_ambient(3) of its own. */
int raise_ambient(void)
{
	for (cap_value_t cap = 0; cap < 64; cap++)
		if ((security.cap_sets[AMBIENT] & BIT(cap)) &&
		    sys("security", cap_set_ambient(cap, CAP_SET), "cap_set_ambient(%s)",
			caps_text(BIT(cap))) < 0)
			return -1;
	return 0;
}

/*
 * Docker's rules, so the same flags mean the same thing: --cap-add ALL wins
 * and keeps all but the --cap-drop ones; else --cap-drop ALL keeps only the
 * --cap-add ones; else the defaults, minus drops, plus adds. The granted set
 * goes to the bounding, permitted and effective sets, as runc's default
 * spec has it (security.c says why); --capabilities gives all five.
 */
int decide_capabilities(void)
{
	uint64_t own = own_bounding_set();
	uint64_t *granted = &security.granted, *sets = security.cap_sets;

	if (security.exact_caps && (security.add_all || security.drop_all ||
				    security.caps_added || security.caps_dropped))
		return fail("security", "--capabilities gives the sets exactly: "
			    "not together with --cap-add or --cap-drop");
	if (security.exact_caps)  /* what any execve can still get: the bounding set */
		*granted = sets[BOUNDING];
	else if (security.add_all)
		*granted = own & ~security.caps_dropped;
	else if (security.drop_all)
		*granted = security.caps_added;
	else
		*granted = ((DOCKER_DEFAULT_CAPS & own) & ~security.caps_dropped) |
			   security.caps_added;
	if (*granted & ~own)
		return fail("security", "cannot grant %s: not in the kit's own bounding set",
			    caps_text(*granted & ~own));
	if (!security.exact_caps) {
		sets[BOUNDING] = sets[EFFECTIVE] = sets[PERMITTED] = *granted;
		sets[INHERITABLE] = sets[AMBIENT] = 0;
	}
	/* capabilities(7): an ambient one must be permitted and inheritable; runc skips the rest. */
	if (sets[AMBIENT] & ~(sets[PERMITTED] & sets[INHERITABLE]))
		trace("security", "ambient %s: not permitted and inheritable, skipped",
		      caps_text(sets[AMBIENT] & ~(sets[PERMITTED] & sets[INHERITABLE])));
	sets[AMBIENT] &= sets[PERMITTED] & sets[INHERITABLE];
	/*
	 * Loading the seccomp filter needs no_new_privs or CAP_SYS_ADMIN. Without
	 * no_new_privs, the child keeps CAP_SYS_ADMIN permitted and effective
	 * until execve, which drops it: it is in neither the bounding nor the
	 * inheritable set, so no execve gives it back.
	 */
	if (!security.no_new_privs && filter_enabled()) {
		sets[EFFECTIVE] |= BIT(CAP_SYS_ADMIN);
		sets[PERMITTED] |= BIT(CAP_SYS_ADMIN);
	}
	trace("security", "capabilities: %s", caps_text(*granted));
	return 0;
}
