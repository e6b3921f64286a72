/* fs_hardening.c with its state in reach: see fuzz.h. */
#include "fs_hardening.c"
#include "fuzz.h"

void reset_fs_hardening(void)
{
	masked = default_masked;
	read_only = default_read_only;
}
