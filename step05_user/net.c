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
 * --reset-host undoes the host-wide part: kit0, the NAT table, ip_forward.
 *
 * Links, addresses and routes are rtnetlink messages built with libmnl
 * (netlink.c) - what `ip link/addr/route` send; addresses come from ipam.c;
 * kit0 and the NAT rule, through libnftables - what `nft` runs - from nat.c.
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

#include <linux/veth.h>
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
 * The peer is created directly in the netns pid lives in (IFLA_NET_NS_PID in
 * its own attributes, as `ip link add ... peer name P netns PID`): moving a
 * link between namespaces afterwards waits for an RCU grace period, 14 ms
 * per start where make bench measured it (tests/bench/README.md).
 */
static int create_veth_pair(const char *name, const char *peer, struct in_addr peer_address,
			    pid_t pid)
{
	/* exercise: one RTM_NEWLINK request (link_request, request) of kind veth: NAME on the host, PEER with a MAC made from PEER_ADDRESS, created in process PID's netns (IFLA_NET_NS_PID) */
	struct nlmsghdr *nlh = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	struct nlattr *data, *peer_info;
	unsigned char mac[6];

	mac_for(peer_address, mac);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_info = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described as a link of its own: an ifinfomsg, then attributes. */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	mnl_attr_nest_end(nlh, peer_info);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return request(nlh, 0, "RTM_NEWLINK type=veth %s peer=%s netns=pid:%d "
		       "address=%02x:%02x:%02x:%02x:%02x:%02x", name, peer, (int)pid,
		       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	/* end exercise */
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
	int ret;

	(void)c;
	if (rtnl_open() < 0)
		return -1;
	ret = set_link_up("lo");  /* a new netns's lo is down: even 127.0.0.1 fails */
	if (ret == 0 && net.mode == NET_BRIDGE)
		ret = configure_eth0();
	rtnl_close();
	return ret;
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
	{ "reset-host", NULL, "delete " BRIDGE " and the NAT table, restore ip_forward; exit",
	  reset_host_option },
	{ 0 },
};

const struct layer net_layer = {
	.name = "net",
	.clone_flags = CLONE_NEWNET,
	.options = net_options,
	.before_clone = prepare_network,
	.after_clone = plug_cable,
	.in_child = configure_inside,
	.cleanup = unplug_cable,
};
