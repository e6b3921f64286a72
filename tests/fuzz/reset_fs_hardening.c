/* fs_hardening.c with its state in reach: see fuzz.h. */
#include "fs_hardening.c"
#include "fuzz.h"

void reset_fs_hardening(void)
{
	read_only = default_read_only;  /* the masked list is security.masked: reset_security() */
}
