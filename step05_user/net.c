/*
 * net.c - the network namespace: the container gets its own network stack,
 * with its own interfaces, addresses, routes, ports and firewall. A new
 * network namespace holds only a loopback device, and that one is down.
 *
 *   --net none     only lo, brought up: the container talks to itself.
 *   --net bridge   (the default) also a virtual cable to the host, the way
 *                  Docker's docker0 works:
 *
 *        host's netns                             container's netns
 *     kit0 (bridge, 10.99.0.1/24) --+
 *                                   +-- kitv<pid> ==veth== eth0 10.99.0.N/24
 *     ip_forward=1, masquerade 10.99.0.0/24           default via 10.99.0.1
 *
 * Phases:
 *   before_clone  pick the address (one locked file per address); on first
 *                 use create kit0 and the NAT rule; turn on ip_forward;
 *   after_clone   create the veth pair, its other end already in the
 *                 child's netns; plug the host end into kit0;
 *   in_child      lo up; rename our end to eth0, address, up, default route;
 *   cleanup       delete the host end (the pair goes with it), free the address.
 * --reset-host undoes the host-wide part: kit0, the NAT table, ip_forward,
 * and the accepts for kit0 the kit put in another table's forward chain.
 *
 * Links, addresses and routes are rtnetlink messages built with libmnl
 * (netlink.c) - what `ip link/addr/route` send; addresses come from ipam.c;
 * kit0 and the NAT rule, through libnftables - what `nft` runs - from nat.c,
 * which has firewall.c let kit0 through another table's drop-policy chain.
 * The kit never runs either program.
 *
 * Chapter: 1.2 "Core Container Technologies" (network namespace),
 *          2.1 "Namespace Types" (net), 2.2 "unshare --net" (ip a: only lo).
 * Man pages: network_namespaces(7), veth(4), rtnetlink(7), netlink(7),
 *            libmnl (netfilter.org/projects/libmnl/doxygen), libnftables(3),
 *            nft(8), flock(2), ip-link(8) and ip-address(8) to compare.
 */
#include "kit.h"
#include "net.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NET_STATE_INIT { .lease.fd = -1 }

static struct net_state {
	enum { NET_DEFAULT, NET_BRIDGE, NET_NONE } mode;  /* default: bridge for root */
	struct cidr subnet;       /* the kit's; the bridge is its .1 */
	bool subnet_given;
	const char *ip_arg;       /* --ip as given, for messages; NULL: any free address */
	struct cidr wanted;       /* --ip, parsed */
	struct lease lease;       /* the container's address, once allocated */
	char host_end[IFNAMSIZ];  /* kitv<child pid>: stays on the host */
	char peer_end[IFNAMSIZ];  /* kitc<kit pid>: becomes eth0 inside */
} net = NET_STATE_INIT;

/* --- options ------------------------------------------------------------- */

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

/* --- the phases ---------------------------------------------------------- */

/* The subnet (--subnet, $KIT_SUBNET or the default) and --ip in it. */
static int check_addresses(void)
{
	if (!net.subnet_given && resolve_subnet(&net.subnet) < 0)
		return -1;
	return net.ip_arg ? check_wanted_address(net.subnet, net.wanted, net.ip_arg) : 0;
}

/* Everything that can be refused is checked before anything is created. */
static int prepare_network(struct container *c)
{
	(void)c;
	/* Rootless: plugging a cable into the host needs CAP_NET_ADMIN there. */
	if (net.mode == NET_DEFAULT)
		net.mode = geteuid() == 0 ? NET_BRIDGE : NET_NONE;
	if (net.mode == NET_BRIDGE && geteuid() != 0)
		return fail("net", "--net bridge: needs root (host links need CAP_NET_ADMIN on the "
			    "host); run rootless with --net none");
	if (net.mode == NET_NONE)
		return net.ip_arg ? fail("net", "--ip %s: needs --net bridge", net.ip_arg) : 0;
	if (check_addresses() < 0 ||
	    allocate_address(net.subnet, net.ip_arg, net.wanted, &net.lease) < 0)
		return -1;
	if (prepare_host(net.subnet) < 0) {
		/* container.c cleans up only the layers whose before_clone succeeded. */
		release_address(&net.lease);
		return -1;
	}
	/* The child cannot name itself by the pid the host knows (in a PID
	 * namespace it is 1), but it inherits this name, known before clone. */
	snprintf(net.peer_end, sizeof(net.peer_end), "kitc%d", (int)getpid());
	return 0;
}

/*
 * The child is blocked on container.c's pipe until every after_clone hook
 * has run. Without that it could look for its end of the cable before it
 * is created in its namespace (rename: "No such device"), or exec COMMAND
 * before the network exists: a client's first connect() would fail, a
 * server would find no address to bind to. The pipe makes "probably
 * configured by now" into "configured".
 */
static int plug_cable(struct container *c)
{
	/* exercise: 2. (the parent, after clone) the cable: with --net none, nothing; else
	 *   name the host end kitv<child pid> in net.host_end (snprintf), then, between
	 *   rtnl_open() and rtnl_close() (netlink.c), create_veth_pair(net.host_end,
	 *   net.peer_end, net.lease.address, c->child_pid): its peer is born in the
	 *   child's netns; plug the host end into the bridge, set_link_master(.., BRIDGE),
	 *   and set_link_up() it. The helpers trace each rtnetlink request for -v
	 *   ("RTM_NEWLINK type=veth kitv<pid> peer=kitc<pid> netns=pid:<pid> address=0a:58:...").
	 *   On failure return -1: the cleanup phase deletes what exists of the pair.
	 * check: ^bridge:
	 */
	int ret;

	if (net.mode == NET_NONE)
		return 0;
	snprintf(net.host_end, sizeof(net.host_end), "kitv%d", (int)c->child_pid);
	if (rtnl_open() < 0)
		return -1;
	ret = create_veth_pair(net.host_end, net.peer_end, net.lease.address, c->child_pid);
	if (ret == 0)
		ret = set_link_master(net.host_end, BRIDGE);
	if (ret == 0)
		ret = set_link_up(net.host_end);
	rtnl_close();
	return ret;  /* on failure, cleanup deletes whatever exists of the pair */
	/* end exercise */
}

static int configure_eth0(void)
{
	if (rename_link(net.peer_end, "eth0") < 0 ||
	    add_address("eth0", net.lease.address, net.subnet.prefix) < 0 ||
	    set_link_up("eth0") < 0)
		return -1;
	return add_default_route(subnet_gateway(net.subnet), "eth0");
}

/* Runs in the new netns; needs no file, so it works before or after pivot_root. */
static int configure_inside(struct container *c)
{
	/* exercise: 3. (the child, in its new netns) between rtnl_open() and rtnl_close():
	 *   bring lo up (set_link_up): a new netns's lo is down, even 127.0.0.1 fails;
	 *   with --net bridge also: rename_link(net.peer_end, "eth0"), add_address() the
	 *   lease's address with the subnet's prefix to eth0, set_link_up() eth0, and
	 *   add_default_route() via subnet_gateway(net.subnet) on eth0.
	 * check: ^(net none|bridge): (only lo|eth0 has)
	 */
	int ret;

	(void)c;
	if (rtnl_open() < 0)
		return -1;
	ret = set_link_up("lo");  /* a new netns's lo is down: even 127.0.0.1 fails */
	if (ret == 0 && net.mode == NET_BRIDGE)
		ret = configure_eth0();
	rtnl_close();
	return ret;
	/* end exercise */
}

static void unplug_cable(struct container *c)
{
	(void)c;
	/* Deleting one end deletes both; when the container's netns died first,
	 * the pair went with it and ENODEV means done. */
	if (net.host_end[0] != '\0' && rtnl_open() == 0) {
		delete_link(net.host_end);
		rtnl_close();
	}
	/* Only now: the address must not be handed out while an eth0 still has it. */
	release_address(&net.lease);
}

static const struct layer_option net_options[] = {
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

const struct layer net_layer = {
	.name = "net",
	/* exercise: 1. ask clone(2) for a new network namespace: CLONE_NEWNET (network_namespaces(7)) */
	.clone_flags = CLONE_NEWNET,
	/* end exercise */
	.options = net_options,
	.before_clone = prepare_network,
	.after_clone = plug_cable,
	.in_child = configure_inside,
	.cleanup = unplug_cable,
};
