/* security.c with its statics in reach: see fuzz.h. */
#include "security.c"
#include "fuzz.h"

void reset_security(void)
{
	caps_added = caps_dropped = 0;
	add_all = drop_all = false;
	user_given = group_given = false;
	user_uid = 0;
	user_gid = 0;
	extra_group_count = 0;
	no_new_privs = true;
	apparmor_profile = NULL;
	read_only_root = false;
	tmpfs_count = 0;
}
