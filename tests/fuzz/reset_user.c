/* user.c with its statics in reach: see fuzz.h. */
#include "user.c"
#include "fuzz.h"

void reset_user(void)
{
	user = (struct user_state)USER_STATE_INIT;
}
