/* cgroup.c with its state in reach: see fuzz.h. */
#include "cgroup.c"
#include "fuzz.h"

void reset_cgroup(void)
{
	cg = (struct cgroup_state){ 0 };
}

/* check_limit_flags(), then every limit formatted as both hierarchies would write it. */
int check_cgroup_options(void)
{
	char text[PATH_MAX];

	if (check_limit_flags() < 0)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		cg.v2 = pass == 1;
		for (int id = 0; id < NLIMITS; id++)
			for (int i = 0; i < cg.values[id].count; i++)
				format_limit(id, i, text, sizeof(text));
	}
	return 0;
}
