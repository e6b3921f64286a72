/* net.c with its statics in reach: see fuzz.h. */
#include "net.c"
#include "fuzz.h"

void reset_net(void)
{
	mode = NET_DEFAULT;
	subnet = (struct cidr){ 0 };
	subnet_given = false;
	ip_arg = NULL;
	wanted = (struct cidr){ 0 };
}

/* What prepare_network checks before it creates anything: the subnet, --ip in it. */
int check_net_options(void)
{
	if (resolve_subnet() < 0)
		return -1;
	return ip_arg ? check_wanted_address() : 0;
}
