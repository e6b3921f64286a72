/* net.c with its state in reach (net_options.c fills it, check_net_options()
 * checks it): see fuzz.h. */
#include "net.c"
#include "fuzz.h"

void reset_net(void)
{
	net = (struct net_state){ .lease.fd = -1 };
}
