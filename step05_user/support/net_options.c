/*
 * net_options.c - the network layer's options: --net, --ip, --subnet, and
 * --reset-host, a run of its own; each fills net.c's state (net.h), and
 * check_net_options() checks them together before anything is created.
 *
 * Chapter: 2.1 "Namespace Types" (net).
 * Man pages: getopt_long(3); docker-run(1) --network and --ip to compare.
 */
#include "kit.h"
#include "net.h"

#include <string.h>
#include <unistd.h>

static int set_net_option(const char *value)
{
	if (strcmp(value, "bridge") == 0)
		net.mode = NET_BRIDGE;
	else if (strcmp(value, "none") == 0)
		net.mode = NET_NONE;
	else
		return fail("net", "--net %s: unknown mode (bridge or none)", value);
	return 0;
}

static int set_ip_option(const char *value)
{
	if (parse_cidr(value, &net.wanted) < 0)
		return fail("net", "--ip %s: not an IPv4 address (ADDR or ADDR/PREFIX)", value);
	net.ip_arg = value;
	return 0;
}

static int set_subnet_option(const char *value)
{
	net.subnet_given = true;
	return read_subnet(value, "--subnet ", &net.subnet);
}

/* A flag that is the whole run, like --help: container.c exits 0 after it. */
static int reset_host_option(const char *unused)
{
	(void)unused;
	return reset_host() < 0 ? -1 : OPTION_DONE;
}

const struct layer_option net_options[] = {
	{ "net", "MODE", "bridge (default): eth0 on " BRIDGE ", NAT out; none: only lo",
	  set_net_option },
	{ "ip", "ADDR[/PREFIX]", "eth0's address (default: a free one in the subnet)",
	  set_ip_option },
	{ "subnet", "CIDR", "the kit's subnet, " BRIDGE " at .1 (default: $KIT_SUBNET or "
	  DEFAULT_SUBNET ")", set_subnet_option },
	{ "reset-host", NULL, "delete " BRIDGE ", the NAT table and the kit's rules in other "
	  "tables, restore ip_forward; exit",
	  reset_host_option },
	{ 0 },
};

/* Before anything is created: the mode (rootless: none), the subnet
 * (--subnet, $KIT_SUBNET or the default) and --ip in it. */
int check_net_options(void)
{
	/* Rootless: plugging a cable into the host needs CAP_NET_ADMIN there. */
	if (net.mode == NET_DEFAULT)
		net.mode = geteuid() == 0 ? NET_BRIDGE : NET_NONE;
	if (net.mode == NET_BRIDGE && geteuid() != 0)
		return fail("net", "--net bridge: needs root (host links need CAP_NET_ADMIN on the "
			    "host); run rootless with --net none");
	if (net.mode == NET_NONE)
		return net.ip_arg ? fail("net", "--ip %s: needs --net bridge", net.ip_arg) : 0;
	if (!net.subnet_given && resolve_subnet(&net.subnet) < 0)
		return -1;
	return net.ip_arg ? check_wanted_address(net.subnet, net.wanted, net.ip_arg) : 0;
}
