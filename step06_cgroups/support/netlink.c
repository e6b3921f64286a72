/*
 * netlink.c - the rtnetlink plumbing of the network layer: the socket, a
 * request's header, sending it and reading its ACK or dump (reported like
 * sys()), link indexes and MACs; and the small requests net.c uses as given
 * (up, rename, delete, address, default route), what `ip link`, `ip addr`
 * and `ip route` send. net.c builds the chapter's own: the veth pair, the
 * bridge, plugging a link into it.
 *
 * Chapter: 2.1 "Namespace Types" (net), 2.2 "unshare --net".
 * Man pages: rtnetlink(7), netlink(7), veth(4),
 *            libmnl (netfilter.org/projects/libmnl/doxygen),
 *            ip-link(8), ip-address(8) and ip-route(8) to compare.
 */
#include "kit.h"
#include "net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/*
 * A netlink socket talks to the network namespace it was created in: the
 * parent's configures the host, the child's (opened after clone) the
 * container's. One socket per phase, closed at its end.
 */
static struct {
	struct mnl_socket *sock;
	char buf[32768];  /* big enough for one part of a dump */
	unsigned seq;
} rtnl;

int rtnl_open(void)
{
	rtnl.sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (sys("net", rtnl.sock ? 0 : -1, "socket(AF_NETLINK, NETLINK_ROUTE)") < 0)
		return -1;
	if (sys("net", mnl_socket_bind(rtnl.sock, 0, MNL_SOCKET_AUTOPID), "bind(netlink)") < 0) {
		mnl_socket_close(rtnl.sock);
		return -1;
	}
	return 0;
}

void rtnl_close(void)
{
	mnl_socket_close(rtnl.sock);
	rtnl.sock = NULL;
}

/* Starts a request in the buffer; the caller appends its header and attributes. */
static struct nlmsghdr *new_request(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(rtnl.buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++rtnl.seq;
	return nlh;
}

/*
 * Sends the request and reads the answer until the ACK (or, for a dump,
 * NLMSG_DONE), passing each dumped object to cb. Returns 0, or -1 with the
 * kernel's error in errno.
 */
static int rtnl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(rtnl.sock);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(rtnl.sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(rtnl.sock, rtnl.buf, sizeof(rtnl.buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(rtnl.buf, n, seq, portid, cb, data);
	} while (ret == MNL_CB_OK);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

/*
 * Sends a change and checks its ACK, reporting like sys(): the request with
 * -v, the kernel's reason on failure. An error equal to harmless (0: none)
 * means "it is already so" and is no failure.
 */
int request(struct nlmsghdr *nlh, int harmless, const char *format, ...)
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
int rtnl_dump(uint16_t type, size_t header_size, mnl_cb_t cb, void *data)
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
unsigned link_index(const char *name)
{
	unsigned index = if_nametoindex(name);

	sys("net", index ? (long)index : -1, "if_nametoindex(\"%s\")", name);
	return index;
}

/* A link message naming its link: the one to create, change or delete. */
struct nlmsghdr *link_request(uint16_t type, uint16_t flags, const char *name)
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
void random_mac(unsigned char mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	mac[0] = (mac[0] & 0xfe) | 0x02;  /* unicast, locally administered */
}

/*
 * The container's MAC follows from its address, as with Docker (02:42:<IPv4>)
 * and CNI (0a:58:<IPv4>): a reused address keeps its MAC, so the host's and
 * other containers' ARP caches stay right. With a random one, the next
 * container on an address is unreachable until the old entry expires.
 */
void mac_for(struct in_addr addr, unsigned char mac[6])
{
	mac[0] = 0x0a;  /* unicast, locally administered */
	mac[1] = 0x58;
	memcpy(mac + 2, &addr.s_addr, 4);
}

/* "0a:58:0a:63:00:02", for -v; the buffer is reused by the next call. */
const char *mac_str(const unsigned char mac[6])
{
	static char text[18];

	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return text;
}

/* Renaming needs the index: the name in the message is the new one. */
int rename_link(const char *name, const char *new_name)
{
	unsigned index = link_index(name);
	struct nlmsghdr *nlh;

	if (index == 0)
		return -1;
	nlh = link_request(RTM_NEWLINK, 0, new_name);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = (int)index;
	return request(nlh, 0, "RTM_NEWLINK %s name=%s", name, new_name);
}

int set_link_up(const char *name)
{
	struct nlmsghdr *nlh = link_request(RTM_NEWLINK, 0, name);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;  /* the flags to change; the others stay */
	return request(nlh, 0, "RTM_NEWLINK %s up", name);
}

/* ENODEV is success: the link (or its namespace) is already gone. */
int delete_link(const char *name)
{
	return request(link_request(RTM_DELLINK, 0, name), ENODEV, "RTM_DELLINK %s", name);
}

int add_address(const char *name, struct in_addr addr, int prefix)
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
	return request(nlh, 0, "RTM_NEWADDR %s %s/%d", name, addr_str(addr), prefix);
}

/* Needs name up with an address in gateway's subnet: the gateway must be on-link. */
int add_default_route(struct in_addr gateway, const char *name)
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
	return request(nlh, 0, "RTM_NEWROUTE default via %s dev %s", addr_str(gateway), name);
}
