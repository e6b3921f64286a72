/* cgroup.c with its statics in reach: see fuzz.h. */
#include "cgroup.c"
#include "fuzz.h"

void reset_cgroup(void)
{
	memset(values, 0, sizeof(values));
	print_stats = false;
}

/* check_flags(), then every limit formatted as both hierarchies would write it. */
int check_cgroup_options(void)
{
	char text[PATH_MAX];

	if (check_flags() < 0)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		v2 = pass == 1;
		for (int id = 0; id < NLIMITS; id++)
			for (int i = 0; i < values[id].count; i++)
				format_value(id, i, text, sizeof(text));
	}
	return 0;
}
