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
 * Phases: before_clone takes an address and, once, makes kit0 and the NAT
 * rule, and turns on ip_forward; after_clone creates the veth pair, its peer
 * already in the child's netns, on kit0; in_child brings lo up and makes
 * the peer eth0; cleanup deletes the pair and frees the address.
 *
 * Links are rtnetlink messages (libmnl), what `ip link` sends; the NAT rule is
 * nft's text, run by libnftables. Support: netlink.c nat.c net_options.c ipam.c firewall.c.
 *
 * Chapter: 1.2 "Core Container Technologies" (network namespace),
 *          2.1 "Namespace Types" (net), 2.2 "unshare --net" (ip a: only lo).
 * Man pages: network_namespaces(7), veth(4), rtnetlink(7), netlink(7), nft(8), ip-link(8),
 *            libnftables(3), proc_sys_net(5), libmnl (netfilter.org/projects/libmnl/doxygen).
 */
#include "kit.h"
#include "net.h"

#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

struct net_state net = { .lease.fd = -1 };  /* mode 0: the default (net.h) */

/* Before clone, the host's part, once and kept, like docker0: kit0. */
static int create_bridge(void)
{
	/* exercise: 2. (before clone, once) the bridge kit0 (BRIDGE). rtnetlink(7): RTM_NEWLINK,
	 *   NLM_F_CREATE | NLM_F_EXCL (link_request starts it, IFLA_IFNAME), IFLA_ADDRESS a MAC
	 *   of its own (random_mac says why), a nest IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }
	 *   (mnl_attr_nest_start); request() sends it and traces its format with -v: "[net]
	 *   RTM_NEWLINK type=bridge kit0 = 0". Then the gateway/prefix on kit0 (add_address,
	 *   subnet_gateway) and up; else delete kit0: addressless, it blocks later starts.
	 * check: ^bridge: the first container creates kit0
	 */
	struct nlmsghdr *nlh = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, BRIDGE);
	struct nlattr *info;
	unsigned char mac[6];

	random_mac(mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	if (request(nlh, 0, "RTM_NEWLINK type=bridge %s", BRIDGE) < 0)
		return -1;
	if (add_address(BRIDGE, subnet_gateway(net.subnet), net.subnet.prefix) < 0 ||
	    set_link_up(BRIDGE) < 0) {
		delete_link(BRIDGE);
		return -1;
	}
	return 0;
	/* end exercise */
}

/* Masquerade: the outside answers the host, with no route back to the subnet;
 * oifname != kit0 keeps container-to-container sources (br_netfilter). */
static int route_out(bool new_bridge)
{
	/* exercise: 3. (before clone) the way out. With a new kit0: the masquerade rule, nft(8)
	 *   text run in one transaction by run_nft (libnftables): add and flush table NFT_TABLE,
	 *   chain postrouting { type nat hook postrouting priority 100; }, rule ip saddr
	 *   SUBNET/PREFIX oifname != "kit0" masquerade; if that fails, say so and go on. Each
	 *   time: "1" into IP_FORWARD (proc_sys_net(5)), after save_forwarding (nat.c) kept
	 *   the value it replaces, for --reset-host.
	 * check: ^reset-host: deletes kit0
	 */
	char rule[400], why[256];

	if (new_bridge) {
		snprintf(rule, sizeof(rule),
			 "add table " NFT_TABLE "; flush table " NFT_TABLE "; add chain " NFT_TABLE
			 " postrouting { type nat hook postrouting priority 100; }; add rule "
			 NFT_TABLE " postrouting ip saddr %s/%d oifname != \"" BRIDGE "\" masquerade",
			 addr_str(net.subnet.addr), net.subnet.prefix);
		if (run_nft(rule, why, sizeof(why)) < 0)
			fail("net", "no outbound NAT, nftables failed (%s): containers reach only "
			     "the host and each other", why);
	}
	if (save_forwarding() < 0)
		return -1;
	return write_file("net", IP_FORWARD, "1\n");
	/* end exercise */
}

/* Under the host lock: two first containers must not both create kit0. */
static int prepare_host(void)
{
	int lock = lock_host(), ret;

	if (lock < 0)
		return -1;
	ret = rtnl_open();
	if (ret == 0) {
		ret = check_bridge(net.subnet);  /* 1: no kit0 yet, the subnet is free */
		if (ret == 1 && create_bridge() < 0)
			ret = -1;
		rtnl_close();
	}
	if (ret >= 0) {
		let_bridge_through();  /* another table's forward chain may drop kit0's traffic */
		ret = route_out(ret == 1);
	}
	close(lock);
	return ret;
}

/* Everything that can be refused is checked before anything is created. */
static int prepare_network(struct container *c)
{
	(void)c;
	if (check_net_options() < 0)
		return -1;
	if (net.mode == NET_NONE)
		return 0;
	if (allocate_address(net.subnet, net.ip_arg, net.wanted, &net.lease) < 0)
		return -1;
	if (prepare_host() < 0) {
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
 * The child waits on container.c's pipe until this has run: else it could look for its
 * end before it exists, or exec COMMAND before the network does. The peer is born in
 * its netns: moving a link waits for an RCU grace period (14 ms, tests/bench/README.md).
 */
static int plug_cable(struct container *c)
{
	/* exercise: 4. (after clone) the cable, veth(4); --net none: nothing. Name net.host_end
	 *   kitv<child pid> first: cleanup deletes by that name. Between rtnl_open/close, one
	 *   RTM_NEWLINK (CREATE|EXCL) makes both ends: net.host_end and, in IFLA_LINKINFO {
	 *   IFLA_INFO_KIND "veth", IFLA_INFO_DATA { VETH_INFO_PEER { an ifinfomsg (libmnl:
	 *   mnl_nlmsg_put_extra_header), IFLA_IFNAME net.peer_end, IFLA_ADDRESS (mac_for the
	 *   lease: a reused address keeps its MAC), IFLA_NET_NS_PID the child's pid } } }.
	 *   -v: "[net] RTM_NEWLINK type=veth kitv<pid> peer=kitc<pid> netns=pid:<pid> address=
	 *   0a:58:... = 0" (mac_str). Then IFLA_MASTER = kit0's index (link_index): "[net]
	 *   RTM_NEWLINK kitv<pid> master=kit0 = 0"; then up. -1 on any failure.
	 * check: ^bridge: the host end
	 */
	struct nlattr *info, *data, *peer;
	struct nlmsghdr *nlh;
	unsigned char mac[6];
	unsigned bridge;
	int ret;

	if (net.mode == NET_NONE)
		return 0;
	snprintf(net.host_end, sizeof(net.host_end), "kitv%d", (int)c->child_pid);
	if (rtnl_open() < 0)
		return -1;
	nlh = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, net.host_end);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, net.peer_end);
	mac_for(net.lease.address, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)c->child_pid);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	ret = request(nlh, 0, "RTM_NEWLINK type=veth %s peer=%s netns=pid:%d address=%s",
		      net.host_end, net.peer_end, (int)c->child_pid, mac_str(mac));
	if (ret == 0 && (bridge = link_index(BRIDGE)) != 0) {
		nlh = link_request(RTM_NEWLINK, 0, net.host_end);
		mnl_attr_put_u32(nlh, IFLA_MASTER, bridge);
		ret = request(nlh, 0, "RTM_NEWLINK %s master=%s", net.host_end, BRIDGE);
	} else
		ret = -1;
	if (ret == 0)
		ret = set_link_up(net.host_end);
	rtnl_close();
	return ret;
	/* end exercise */
}

/* Runs in the new netns; needs no file, so it works before or after pivot_root. */
static int configure_inside(struct container *c)
{
	/* exercise: 5. (the child, in its netns) between rtnl_open() and rtnl_close(): lo up
	 *   (set_link_up): a new netns's lo is down, even 127.0.0.1 fails. With --net bridge:
	 *   net.peer_end renamed eth0 (rename_link), the lease's address with the subnet's
	 *   prefix (add_address), up, a default route via the gateway (add_default_route):
	 *   only after eth0 is up with its address, or the gateway is not on-link.
	 * check: ^(net none|bridge): (only lo|eth0 has|--ip sets)
	 */
	int ret;

	(void)c;
	if (rtnl_open() < 0)
		return -1;
	ret = set_link_up("lo");  /* a new netns's lo is down: even 127.0.0.1 fails */
	if (ret == 0 && net.mode == NET_BRIDGE &&
	    (rename_link(net.peer_end, "eth0") < 0 ||
	     add_address("eth0", net.lease.address, net.subnet.prefix) < 0 ||
	     set_link_up("eth0") < 0 ||
	     add_default_route(subnet_gateway(net.subnet), "eth0") < 0))
		ret = -1;
	rtnl_close();
	return ret;
	/* end exercise */
}

static void unplug_cable(struct container *c)
{
	(void)c;
	/* One end takes the other; if the netns died first, ENODEV means done. */
	if (net.host_end[0] != '\0' && rtnl_open() == 0) {
		delete_link(net.host_end);
		rtnl_close();
	}
	/* Only now: the address must not be handed out while an eth0 still has it. */
	release_address(&net.lease);
}

const struct layer net_layer = {
	.name = "net",
	/* exercise: 1. ask clone(2) for a new network namespace: CLONE_NEWNET (network_namespaces(7))
	 * check: ^net none: the netns inode
	 */
	.clone_flags = CLONE_NEWNET,
	/* end exercise */
	.options = net_options,
	.before_clone = prepare_network,
	.after_clone = plug_cable,
	.in_child = configure_inside,
	.cleanup = unplug_cable,
};
