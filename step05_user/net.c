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
 * Links, addresses and routes are rtnetlink messages built with libmnl -
 * what `ip link/addr/route` send; the NAT rule goes through libnftables -
 * what `nft` runs. The kit never runs either program.
 *
 * Chapter: 1.2 "Core Container Technologies" (network namespace),
 *          2.1 "Namespace Types" (net), 2.2 "unshare --net" (ip a: only lo).
 * Man pages: network_namespaces(7), veth(4), rtnetlink(7), netlink(7),
 *            libmnl (netfilter.org/projects/libmnl/doxygen), libnftables(3),
 *            nft(8), flock(2), ip-link(8) and ip-address(8) to compare.
 */
#include "kit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define BRIDGE "kit0"
/* Docker uses 172.17.0.0/16 (172.18+ for user networks), Podman 10.88.0.0/16. */
#define DEFAULT_SUBNET "10.99.0.0/24"
/* /run is a tmpfs: the records vanish at reboot, exactly like kit0 and ip_forward. */
#define STATE_DIR "/run/container-kit"
#define NET_DIR STATE_DIR "/net"
#define HOST_LOCK NET_DIR "/.lock"
#define FORWARD_SAVED STATE_DIR "/ip_forward.before"
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
#define NFT_TABLE "ip container_kit"

struct cidr {
	struct in_addr addr;  /* network byte order, as inet_pton gives it */
	int prefix;           /* -1: none given */
};

static enum { NET_DEFAULT, NET_BRIDGE, NET_NONE } mode;  /* default: bridge for root */
static struct cidr subnet;            /* the kit's; the bridge is its .1 */
static bool subnet_given;
static const char *ip_arg;            /* --ip as given, for messages */
static struct cidr wanted;            /* --ip, parsed */

static struct in_addr address;        /* the container's, once allocated */
static int address_fd = -1;           /* flock()ed while the address is ours */
static char address_file[64];
static char host_end[IFNAMSIZ];       /* kitv<child pid>: stays on the host */
static char peer_end[IFNAMSIZ];       /* kitc<kit pid>: becomes eth0 inside */

/* --- addresses ----------------------------------------------------------- */

/* Dotted quad, in rotating buffers so that one message can show several. */
static const char *str(struct in_addr a)
{
	static char bufs[4][INET_ADDRSTRLEN];
	static unsigned next;

	return inet_ntop(AF_INET, &a, bufs[next++ % 4], INET_ADDRSTRLEN);
}

static uint32_t mask(int prefix)
{
	return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

/* The n-th address of the subnet: 0 is the network, 1 the gateway. */
static struct in_addr nth(uint32_t n)
{
	return (struct in_addr){ htonl(ntohl(subnet.addr.s_addr) + n) };
}

static uint32_t subnet_size(void)
{
	return ~mask(subnet.prefix) + 1;
}

/* "A.B.C.D" or "A.B.C.D/N": inet_pton for the address, digits for N. */
static int parse_cidr(const char *text, struct cidr *out)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	char *end;

	if (len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &out->addr) != 1)
		return -1;
	out->prefix = -1;
	if (!slash)
		return 0;
	if (!isdigit((unsigned char)slash[1]) || strlen(slash + 1) > 2)
		return -1;
	out->prefix = (int)strtol(slash + 1, &end, 10);
	return *end == '\0' && out->prefix <= 32 ? 0 : -1;
}

/* source is where text came from, for the message: "--subnet ", "KIT_SUBNET=". */
static int read_subnet(const char *text, const char *source)
{
	if (parse_cidr(text, &subnet) < 0 || subnet.prefix < 0)
		return fail("net", "%s%s: not an IPv4 subnet (e.g. %s)", source, text, DEFAULT_SUBNET);
	/* Room for network, gateway, at least one container and broadcast. */
	if (subnet.prefix < 8 || subnet.prefix > 30)
		return fail("net", "%s%s: the prefix must be /8 to /30", source, text);
	if (subnet.addr.s_addr & ~htonl(mask(subnet.prefix)))
		return fail("net", "%s%s: host bits set (the network is %s/%d)", source, text,
			    str((struct in_addr){ subnet.addr.s_addr & htonl(mask(subnet.prefix)) }),
			    subnet.prefix);
	return 0;
}

static int resolve_subnet(void)
{
	const char *env = getenv("KIT_SUBNET");

	if (subnet_given)
		return 0;
	if (env && env[0] != '\0')
		return read_subnet(env, "KIT_SUBNET=");
	return read_subnet(DEFAULT_SUBNET, "default subnet ");
}

/* --ip must name a container's place in the subnet: not its edges, not kit0's. */
static int check_wanted_address(void)
{
	uint32_t n = ntohl(wanted.addr.s_addr) - ntohl(subnet.addr.s_addr);
	const char *in = str(subnet.addr);

	if (wanted.prefix >= 0 && wanted.prefix != subnet.prefix)
		return fail("net", "--ip %s: the prefix must be the subnet's, /%d (%s/%d)",
			    ip_arg, subnet.prefix, in, subnet.prefix);
	if (n >= subnet_size())
		return fail("net", "--ip %s: outside the kit's subnet %s/%d (see --subnet)",
			    ip_arg, in, subnet.prefix);
	if (n == 0 || n == subnet_size() - 1)
		return fail("net", "--ip %s: the %s address of %s/%d is no host's", ip_arg,
			    n == 0 ? "network" : "broadcast", in, subnet.prefix);
	if (n == 1)
		return fail("net", "--ip %s: is the gateway, the bridge %s", ip_arg, BRIDGE);
	return 0;
}

/* --- small files under /run/container-kit -------------------------------- */

static int make_state_dirs(void)
{
	if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
		return sys("net", -1, "mkdir(\"%s\")", STATE_DIR);
	if (mkdir(NET_DIR, 0755) < 0 && errno != EEXIST)
		return sys("net", -1, "mkdir(\"%s\")", NET_DIR);
	return 0;
}

/* Reads a short file into buf (NUL-terminated); -1 after reporting. */
static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (sys("net", fd, "open(\"%s\")", path) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (sys("net", n, "read(\"%s\")", path) < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* flags: O_TRUNC to overwrite, O_EXCL to write only if there is no such file yet. */
static int write_small_file(const char *path, int flags, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	ssize_t n;

	if (fd < 0 && errno == EEXIST && (flags & O_EXCL))
		return 0;
	if (sys("net", fd, "open(\"%s\")", path) < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return sys("net", n, "write(\"%s\", \"%.*s\")", path, (int)strcspn(text, "\n"), text)
		< 0 ? -1 : 0;
}

/*
 * Serializes the check-then-create of host-wide state (kit0, its NAT rule,
 * ip_forward) between kits starting at the same time, and --reset-host.
 * Returns the descriptor to close() to unlock, or -1.
 */
static int lock_host(void)
{
	int fd = open(HOST_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (sys("net", fd, "open(\"%s\")", HOST_LOCK) < 0)
		return -1;
	if (sys("net", flock(fd, LOCK_EX), "flock(\"%s\", LOCK_EX)", HOST_LOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* --- address allocation -------------------------------------------------- */

/*
 * An address is a container's while its kit holds flock() on
 * NET_DIR/<address>. The kernel drops the lock when the kit dies, even by
 * SIGKILL, so a file a killed kit left behind is simply free again: owning
 * is holding the lock, not the file existing (which O_EXCL alone would
 * test, and could not tell a leftover from a live owner).
 * Returns 1 if the address is now ours, 0 if it is taken, -1 on error.
 */
static int try_address(struct in_addr a, char *path, size_t size)
{
	struct stat held, named;
	int fd;

	snprintf(path, size, NET_DIR "/%s", str(a));
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return sys("net", -1, "open(\"%s\")", path);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			return errno == EWOULDBLOCK ? 0 : sys("net", -1, "flock(\"%s\")", path);
		}
		/* An owner unlinks before it unlocks: if the file we locked is no
		 * longer the one at path, it was just released; look again. */
		if (fstat(fd, &held) == 0 && stat(path, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			break;
		close(fd);
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%d\n", (int)getpid());  /* only to name the owner in messages */
	address_fd = fd;
	address = a;
	trace("net", "address %s is ours: flock(\"%s\")", str(a), path);
	return 1;
}

static int take_wanted_address(void)
{
	char owner[16] = "?";
	int ret = try_address(wanted.addr, address_file, sizeof(address_file));

	if (ret != 0)
		return ret < 0 ? -1 : 0;
	if (read_small_file(address_file, owner, sizeof(owner)) == 0)
		owner[strcspn(owner, "\n")] = '\0';
	return fail("net", "--ip %s: in use by another container (kit pid %s)", ip_arg, owner);
}

/* The lowest free address from .2 up: the first file we can lock. */
static int allocate_address(void)
{
	if (ip_arg)
		return take_wanted_address();
	for (uint32_t n = 2; n < subnet_size() - 1; n++) {
		int ret = try_address(nth(n), address_file, sizeof(address_file));

		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	return fail("net", "no free address left in %s/%d (see --subnet)",
		    str(subnet.addr), subnet.prefix);
}

static void release_address(void)
{
	if (address_fd < 0)
		return;
	/* Unlink, then unlock: see try_address(). */
	sys("net", unlink(address_file), "unlink(\"%s\")", address_file);
	close(address_fd);
	address_fd = -1;
}

/* --- rtnetlink ----------------------------------------------------------- */

/*
 * A netlink socket talks to the network namespace it was created in: the
 * parent's configures the host, the child's (opened after clone) the
 * container's. One socket per phase, closed at its end.
 */
static struct mnl_socket *rtnl;
static char nl_buf[32768];  /* big enough for one part of a dump */
static unsigned nl_seq;

static int rtnl_open(void)
{
	rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (sys("net", rtnl ? 0 : -1, "socket(AF_NETLINK, NETLINK_ROUTE)") < 0)
		return -1;
	if (sys("net", mnl_socket_bind(rtnl, 0, MNL_SOCKET_AUTOPID), "bind(netlink)") < 0) {
		mnl_socket_close(rtnl);
		return -1;
	}
	return 0;
}

static void rtnl_close(void)
{
	mnl_socket_close(rtnl);
	rtnl = NULL;
}

/* Starts a request in nl_buf; the caller appends its header and attributes. */
static struct nlmsghdr *new_request(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl_buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl_seq;
	return nlh;
}

/*
 * Sends the request and reads the answer until the ACK (or, for a dump,
 * NLMSG_DONE), passing each dumped object to cb. Returns 0, or -1 with the
 * kernel's error in errno.
 */
static int rtnl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(rtnl);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(rtnl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(rtnl, nl_buf, sizeof(nl_buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(nl_buf, n, seq, portid, cb, data);
	} while (ret == MNL_CB_OK);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

/*
 * Sends a change and checks its ACK, reporting like sys(): the request with
 * -v, the kernel's reason on failure. An error equal to harmless (0: none)
 * means "it is already so" and is no failure.
 */
__attribute__((format(printf, 3, 4)))
static int request(struct nlmsghdr *nlh, int harmless, const char *format, ...)
{
	char what[160];
	va_list ap;
	int ret;

	va_start(ap, format);
	vsnprintf(what, sizeof(what), format, ap);
	va_end(ap);
	ret = rtnl_talk(nlh, NULL, NULL);
	if (ret < 0 && harmless != 0 && errno == harmless) {
		trace("net", "%s: %s (already so)", what, strerror(errno));
		return 0;
	}
	return sys("net", ret, "%s", what) < 0 ? -1 : 0;
}

/* Asks for every object of a kind; every rtnetlink header starts with the family. */
static int dump(uint16_t type, size_t header_size, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = new_request(type, NLM_F_DUMP);
	struct rtgenmsg *gen = mnl_nlmsg_put_extra_header(nlh, header_size);

	/* A dump ends with NLMSG_DONE, not an ACK. (Not a test on flags in
	 * new_request: NLM_F_DUMP's bits mean EXCL and REPLACE in a NEW request.) */
	nlh->nlmsg_flags &= ~NLM_F_ACK;
	gen->rtgen_family = AF_INET;
	return sys("net", rtnl_talk(nlh, cb, data), "%s dump",
		   type == RTM_GETROUTE ? "RTM_GETROUTE" : "RTM_GETADDR") < 0 ? -1 : 0;
}

/* 0 after reporting if there is no such link. */
static unsigned link_index(const char *name)
{
	unsigned index = if_nametoindex(name);

	sys("net", index ? (long)index : -1, "if_nametoindex(\"%s\")", name);
	return index;
}

/* A link message naming its link: the one to create, change or delete. */
static struct nlmsghdr *link_request(uint16_t type, uint16_t flags, const char *name)
{
	struct nlmsghdr *nlh = new_request(type, flags);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/*
 * A locally administered MAC of its own: a bridge without one takes its
 * lowest port's and changes it when that port goes, and every container's
 * ARP entry for the gateway would go stale whenever another one exits.
 */
static void random_mac(unsigned char mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	mac[0] = (mac[0] & 0xfe) | 0x02;  /* unicast, locally administered */
}

static int create_bridge(const char *name)
{
	struct nlmsghdr *nlh = link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, name);
	unsigned char mac[6];
	struct nlattr *info;

	random_mac(mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return request(nlh, 0, "RTM_NEWLINK type=bridge %s", name);
}

/*
 * The container's MAC follows from its address, as with Docker (02:42:<IPv4>)
 * and CNI (0a:58:<IPv4>): a reused address keeps its MAC, so the host's and
 * other containers' ARP caches stay right. With a random one, the next
 * container on an address is unreachable until the old entry expires.
 */
static void mac_for(struct in_addr addr, unsigned char mac[6])
{
	mac[0] = 0x0a;  /* unicast, locally administered */
	mac[1] = 0x58;
	memcpy(mac + 2, &addr.s_addr, 4);
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

static int set_link_master(const char *name, const char *master)
{
	unsigned master_index = link_index(master);
	struct nlmsghdr *nlh;

	if (master_index == 0)
		return -1;
	nlh = link_request(RTM_NEWLINK, 0, name);
	mnl_attr_put_u32(nlh, IFLA_MASTER, master_index);
	return request(nlh, 0, "RTM_NEWLINK %s master=%s", name, master);
}

/* Renaming needs the index: the name in the message is the new one. */
static int rename_link(const char *name, const char *new_name)
{
	unsigned index = link_index(name);
	struct nlmsghdr *nlh;

	if (index == 0)
		return -1;
	nlh = link_request(RTM_NEWLINK, 0, new_name);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = (int)index;
	return request(nlh, 0, "RTM_NEWLINK %s name=%s", name, new_name);
}

static int set_link_up(const char *name)
{
	struct nlmsghdr *nlh = link_request(RTM_NEWLINK, 0, name);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;  /* the flags to change; the others stay */
	return request(nlh, 0, "RTM_NEWLINK %s up", name);
}

/* ENODEV is success: the link (or its namespace) is already gone. */
static int delete_link(const char *name)
{
	return request(link_request(RTM_DELLINK, 0, name), ENODEV, "RTM_DELLINK %s", name);
}

static int add_address(const char *name, struct in_addr addr, int prefix)
{
	unsigned index = link_index(name);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (index == 0)
		return -1;
	nlh = new_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr.s_addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr.s_addr);
	return request(nlh, 0, "RTM_NEWADDR %s %s/%d", name, str(addr), prefix);
}

/* Needs name up with an address in gateway's subnet: the gateway must be on-link. */
static int add_default_route(struct in_addr gateway, const char *name)
{
	unsigned index = link_index(name);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (index == 0)
		return -1;
	nlh = new_request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;  /* 0.0.0.0/0: the default route */
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gateway.s_addr);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	return request(nlh, 0, "RTM_NEWROUTE default via %s dev %s", str(gateway), name);
}

/* --- checks on the host's state, before changing it ---------------------- */

struct clash {
	unsigned skip_index;    /* routes on this link are ours (kit0) */
	struct cidr found;      /* prefix -1: none */
	unsigned found_index;
};

/* Two prefixes overlap when they agree on the shorter one's bits. */
static bool overlaps(uint32_t a, int a_prefix, uint32_t b, int b_prefix)
{
	return ((ntohl(a) ^ ntohl(b)) & mask(a_prefix < b_prefix ? a_prefix : b_prefix)) == 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct clash *clash = data;
	const struct nlattr *attr;
	uint32_t dst = 0, oif = 0;

	if (rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_dst_len == 0 || clash->found.prefix >= 0)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_DST)
			dst = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == RTA_OIF)
			oif = mnl_attr_get_u32(attr);
	}
	if (oif != clash->skip_index &&
	    overlaps(dst, rtm->rtm_dst_len, subnet.addr.s_addr, subnet.prefix)) {
		clash->found = (struct cidr){ { dst }, rtm->rtm_dst_len };
		clash->found_index = oif;
	}
	return MNL_CB_OK;
}

/*
 * A subnet the host already routes (its LAN, a VPN, Docker's bridge) would
 * be cut off from the host by kit0's route: refuse rather than break it.
 */
static int check_subnet_is_free(void)
{
	struct clash clash = { .found.prefix = -1 };
	char dev[IF_NAMESIZE] = "?";

	if (dump(RTM_GETROUTE, sizeof(struct rtmsg), route_cb, &clash) < 0)
		return -1;
	if (clash.found.prefix < 0)
		return 0;
	if_indextoname(clash.found_index, dev);
	return fail("net", "subnet %s/%d overlaps the host's route %s/%d dev %s: "
		    "choose another with --subnet or KIT_SUBNET", str(subnet.addr),
		    subnet.prefix, str(clash.found.addr), clash.found.prefix, dev);
}

struct bridge_addresses {
	unsigned index;
	bool has_gateway;
	struct cidr other;  /* prefix -1: none */
};

static int address_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct bridge_addresses *b = data;
	const struct nlattr *attr;

	if (ifa->ifa_index != b->index || ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) != IFA_LOCAL)
			continue;
		if (mnl_attr_get_u32(attr) == nth(1).s_addr && ifa->ifa_prefixlen == subnet.prefix)
			b->has_gateway = true;
		else
			b->other = (struct cidr){ { mnl_attr_get_u32(attr) }, ifa->ifa_prefixlen };
	}
	return MNL_CB_OK;
}

/* An existing kit0 must serve our subnet: ask the kernel, not a record. */
static int check_bridge_subnet(unsigned index)
{
	struct bridge_addresses b = { .index = index, .other.prefix = -1 };

	if (dump(RTM_GETADDR, sizeof(struct ifaddrmsg), address_cb, &b) < 0)
		return -1;
	if (b.has_gateway)
		return 0;
	if (b.other.prefix < 0)
		return fail("net", "%s exists without an IPv4 address: run container --reset-host",
			    BRIDGE);
	return fail("net", "%s serves %s/%d, not %s/%d: use that subnet, or stop its "
		    "containers and run container --reset-host", BRIDGE, str(b.other.addr),
		    b.other.prefix, str(nth(1)), subnet.prefix);
}

/* --- NAT and forwarding ------------------------------------------------- */

/*
 * libnftables is loaded when a rule is written (the first container on the
 * bridge, --reset-host), not at every start: with the libraries it pulls in
 * (libnftnl, libxtables, libgmp...) it would cost each start 0.8 MB of
 * memory and half a millisecond, for a rule written once. dlsym()
 * finds each function; typeof gives the pointer the header's own type, so
 * the compiler still checks every call.
 */
static struct {
	void *lib;  /* kept open: the functions below live in it */
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
	__typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__(nft_ctx_free) *ctx_free;
} nft;

static int load_nftables(char *why, size_t size)
{
	void *lib;

	if (nft.ctx_new)
		return 0;  /* loaded before */
	lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(why, size, "%s", dlerror());
		return -1;
	}
	*(void **)&nft.ctx_new = dlsym(lib, "nft_ctx_new");
	*(void **)&nft.buffer_output = dlsym(lib, "nft_ctx_buffer_output");
	*(void **)&nft.buffer_error = dlsym(lib, "nft_ctx_buffer_error");
	*(void **)&nft.run_cmd_from_buffer = dlsym(lib, "nft_run_cmd_from_buffer");
	*(void **)&nft.get_error_buffer = dlsym(lib, "nft_ctx_get_error_buffer");
	*(void **)&nft.ctx_free = dlsym(lib, "nft_ctx_free");
	if (!nft.buffer_output || !nft.buffer_error || !nft.run_cmd_from_buffer ||
	    !nft.get_error_buffer || !nft.ctx_free || !nft.ctx_new) {
		nft.ctx_new = NULL;
		snprintf(why, size, "libnftables.so.1 lacks a function: %s", dlerror());
		dlclose(lib);
		return -1;
	}
	nft.lib = lib;
	trace("net", "dlopen(\"libnftables.so.1\"): loaded");
	return 0;
}

/* Runs nft commands in one transaction; on failure why gets nft's first line. */
static int run_nft(const char *commands, char *why, size_t size)
{
	struct nft_ctx *ctx;
	int ret;

	if (load_nftables(why, size) < 0)
		return -1;
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (ctx == NULL) {
		snprintf(why, size, "nft_ctx_new() failed");
		return -1;
	}
	nft.buffer_output(ctx);
	nft.buffer_error(ctx);
	ret = nft.run_cmd_from_buffer(ctx, commands);
	trace("net", "nft_run_cmd_from_buffer(\"%s\") = %d", commands, ret);
	if (ret != 0) {
		const char *error = nft.get_error_buffer(ctx);  /* read once: it resets */

		snprintf(why, size, "%.*s", (int)strcspn(error, "\n"), error);
	}
	nft.ctx_free(ctx);
	return ret == 0 ? 0 : -1;
}

/*
 * Outbound NAT: packets from the subnet that leave by another interface get
 * the host's address, so the outside can answer without a route back to the
 * subnet. `oifname != kit0` keeps container-to-container traffic's real
 * source, even when br_netfilter shows bridged packets to these hooks.
 * add + flush + add in one transaction is idempotent: a table left from
 * before is refilled, not doubled.
 */
static void add_nat(void)
{
	char commands[400], why[256];

	snprintf(commands, sizeof(commands),
		 "add table " NFT_TABLE "; flush table " NFT_TABLE "; "
		 "add chain " NFT_TABLE " postrouting { type nat hook postrouting priority 100; }; "
		 "add rule " NFT_TABLE " postrouting ip saddr %s/%d oifname != \"" BRIDGE
		 "\" masquerade", str(subnet.addr), subnet.prefix);
	if (run_nft(commands, why, sizeof(why)) < 0)
		fail("net", "no outbound NAT, nftables failed (%s): containers reach only "
		     "the host and each other", why);
}

/* Adding first makes deleting succeed when there is no table. */
static void remove_nat(void)
{
	char why[256];

	if (run_nft("add table " NFT_TABLE "; delete table " NFT_TABLE, why, sizeof(why)) < 0)
		fail("net", "could not delete table %s (%s)", NFT_TABLE, why);
}

/* Records ip_forward's value before the kit first changes it, for --reset-host. */
static int enable_forwarding(void)
{
	char before[8];

	if (read_small_file(IP_FORWARD, before, sizeof(before)) < 0)
		return -1;
	if (before[0] == '1')
		return 0;
	if (write_small_file(FORWARD_SAVED, O_EXCL, before) < 0)
		return -1;
	return write_small_file(IP_FORWARD, O_TRUNC, "1\n");
}

static int restore_forwarding(void)
{
	char before[8];

	if (access(FORWARD_SAVED, F_OK) < 0)
		return 0;  /* the kit never changed it */
	if (read_small_file(FORWARD_SAVED, before, sizeof(before)) < 0 ||
	    write_small_file(IP_FORWARD, O_TRUNC, before) < 0)
		return -1;
	return sys("net", unlink(FORWARD_SAVED), "unlink(\"%s\")", FORWARD_SAVED) < 0 ? -1 : 0;
}

/* kit0 with the gateway address, up, and its NAT rule: once, on first use. */
static int prepare_bridge(void)
{
	unsigned index = if_nametoindex(BRIDGE);

	if (index != 0)
		return check_bridge_subnet(index);
	trace("net", "no %s yet: creating it", BRIDGE);
	if (check_subnet_is_free() < 0)
		return -1;
	if (create_bridge(BRIDGE) < 0)
		return -1;
	/* A kit0 without its address would block every later start (check_bridge_subnet). */
	if (add_address(BRIDGE, nth(1), subnet.prefix) < 0 || set_link_up(BRIDGE) < 0) {
		delete_link(BRIDGE);
		return -1;
	}
	add_nat();
	return 0;
}

static int prepare_host(void)
{
	int lock = lock_host(), ret;

	if (lock < 0)
		return -1;
	ret = rtnl_open();
	if (ret == 0) {
		ret = prepare_bridge();
		rtnl_close();
	}
	if (ret == 0)
		ret = enable_forwarding();
	close(lock);
	return ret;
}

/* --- --reset-host -------------------------------------------------------- */

/* Refuses while an address is locked (a container runs); removes leftovers. */
static int check_no_containers(void)
{
	DIR *dir = opendir(NET_DIR);
	struct dirent *e;
	struct in_addr a;
	int ret = 0;

	if (dir == NULL)
		return sys("net", -1, "opendir(\"%s\")", NET_DIR);
	while (ret == 0 && (e = readdir(dir)) != NULL) {
		if (inet_pton(AF_INET, e->d_name, &a) != 1)
			continue;
		if (try_address(a, address_file, sizeof(address_file)) == 0)
			ret = fail("net", "--reset-host: a container with address %s is running; "
				   "stop it first", e->d_name);
		release_address();
	}
	closedir(dir);
	return ret;
}

/* A flag that acts at once: the host's kit state goes, the kit exits. */
static int reset_host(const char *unused)
{
	int lock, ret;

	(void)unused;
	if (make_state_dirs() < 0 || (lock = lock_host()) < 0)
		exit(EXIT_KIT_ERROR);
	ret = check_no_containers();
	if (ret == 0 && (ret = rtnl_open()) == 0) {
		ret = delete_link(BRIDGE);
		rtnl_close();
	}
	if (ret == 0) {
		remove_nat();
		ret = restore_forwarding();
	}
	close(lock);
	exit(ret < 0 ? EXIT_KIT_ERROR : 0);
}

/* --- options ------------------------------------------------------------- */

static int set_net_option(const char *value)
{
	if (strcmp(value, "bridge") == 0)
		mode = NET_BRIDGE;
	else if (strcmp(value, "none") == 0)
		mode = NET_NONE;
	else
		return fail("net", "--net %s: unknown mode (bridge or none)", value);
	return 0;
}

static int set_ip_option(const char *value)
{
	if (parse_cidr(value, &wanted) < 0)
		return fail("net", "--ip %s: not an IPv4 address (ADDR or ADDR/PREFIX)", value);
	ip_arg = value;
	return 0;
}

static int set_subnet_option(const char *value)
{
	subnet_given = true;
	return read_subnet(value, "--subnet ");
}

/* --- the phases ---------------------------------------------------------- */

/* Everything that can be refused is checked before anything is created. */
static int prepare_network(struct container *c)
{
	(void)c;
	/* Rootless: plugging a cable into the host needs CAP_NET_ADMIN there. */
	if (mode == NET_DEFAULT)
		mode = geteuid() == 0 ? NET_BRIDGE : NET_NONE;
	if (mode == NET_BRIDGE && geteuid() != 0)
		return fail("net", "--net bridge: needs root (host links need CAP_NET_ADMIN on the "
			    "host); run rootless with --net none");
	if (mode == NET_NONE)
		return ip_arg ? fail("net", "--ip %s: needs --net bridge", ip_arg) : 0;
	if (resolve_subnet() < 0 || (ip_arg && check_wanted_address() < 0))
		return -1;
	if (make_state_dirs() < 0 || allocate_address() < 0)
		return -1;
	if (prepare_host() < 0) {
		/* container.c cleans up only the layers whose before_clone succeeded. */
		release_address();
		return -1;
	}
	/* The child cannot name itself by the pid the host knows (in a PID
	 * namespace it is 1), but it inherits this name, known before clone. */
	snprintf(peer_end, sizeof(peer_end), "kitc%d", (int)getpid());
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
	int ret;

	if (mode == NET_NONE)
		return 0;
	snprintf(host_end, sizeof(host_end), "kitv%d", (int)c->child_pid);
	if (rtnl_open() < 0)
		return -1;
	ret = create_veth_pair(host_end, peer_end, address, c->child_pid);
	if (ret == 0)
		ret = set_link_master(host_end, BRIDGE);
	if (ret == 0)
		ret = set_link_up(host_end);
	rtnl_close();
	return ret;  /* on failure, cleanup deletes whatever exists of the pair */
}

static int configure_eth0(void)
{
	if (rename_link(peer_end, "eth0") < 0 || add_address("eth0", address, subnet.prefix) < 0 ||
	    set_link_up("eth0") < 0)
		return -1;
	return add_default_route(nth(1), "eth0");
}

/* Runs in the new netns; needs no file, so it works before or after pivot_root. */
static int configure_inside(struct container *c)
{
	int ret;

	(void)c;
	if (rtnl_open() < 0)
		return -1;
	ret = set_link_up("lo");  /* a new netns's lo is down: even 127.0.0.1 fails */
	if (ret == 0 && mode == NET_BRIDGE)
		ret = configure_eth0();
	rtnl_close();
	return ret;
}

static void unplug_cable(struct container *c)
{
	(void)c;
	/* Deleting one end deletes both; when the container's netns died first,
	 * the pair went with it and ENODEV means done. */
	if (host_end[0] != '\0' && rtnl_open() == 0) {
		delete_link(host_end);
		rtnl_close();
	}
	/* Only now: the address must not be handed out while an eth0 still has it. */
	release_address();
}

static const struct layer_option net_options[] = {
	{ "net", "MODE", "bridge (default): eth0 on " BRIDGE ", NAT out; none: only lo",
	  set_net_option },
	{ "ip", "ADDR[/PREFIX]", "eth0's address (default: a free one in the subnet)",
	  set_ip_option },
	{ "subnet", "CIDR", "the kit's subnet, " BRIDGE " at .1 (default: $KIT_SUBNET or "
	  DEFAULT_SUBNET ")", set_subnet_option },
	{ "reset-host", NULL, "delete " BRIDGE " and the NAT table, restore ip_forward; exit",
	  reset_host },
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
