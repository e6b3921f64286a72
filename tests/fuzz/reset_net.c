/* net.c with its statics in reach: see fuzz.h. */
#include "net.c"
#include "fuzz.h"

void reset_net(void)
{
	net = (struct net_state)NET_STATE_INIT;
}

/* What prepare_network checks before it creates anything: the subnet, --ip in it. */
int check_net_options(void)
{
	return check_addresses();
}
