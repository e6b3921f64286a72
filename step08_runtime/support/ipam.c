/*
 * ipam.c - the network layer's address management: the kit's subnet
 * (--subnet, KIT_SUBNET), --ip checked against it, one address per running
 * container, and the checks that kit0's subnet clashes with nothing on the
 * host. What Docker's and CNI's "IPAM" plugins do, with files and flock().
 *
 * Chapter: 2.1 "Namespace Types" (net).
 * Man pages: inet_pton(3), flock(2), ip(7), rtnetlink(7).
 */
#include "kit.h"
#include "net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_LOCK NET_DIR "/.lock"

/* Dotted quad, in rotating buffers so that one message can show several. */
const char *addr_str(struct in_addr a)
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
static struct in_addr nth(struct cidr subnet, uint32_t n)
{
	return (struct in_addr){ htonl(ntohl(subnet.addr.s_addr) + n) };
}

struct in_addr subnet_gateway(struct cidr subnet)
{
	return nth(subnet, 1);
}

static uint32_t subnet_size(struct cidr subnet)
{
	return ~mask(subnet.prefix) + 1;
}

/* "A.B.C.D" or "A.B.C.D/N": inet_pton for the address, digits for N. */
int parse_cidr(const char *text, struct cidr *out)
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
int read_subnet(const char *text, const char *source, struct cidr *subnet)
{
	if (parse_cidr(text, subnet) < 0 || subnet->prefix < 0)
		return fail("net", "%s%s: not an IPv4 subnet (e.g. %s)", source, text, DEFAULT_SUBNET);
	/* Room for network, gateway, at least one container and broadcast. */
	if (subnet->prefix < 8 || subnet->prefix > 30)
		return fail("net", "%s%s: the prefix must be /8 to /30", source, text);
	if (subnet->addr.s_addr & ~htonl(mask(subnet->prefix)))
		return fail("net", "%s%s: host bits set (the network is %s/%d)", source, text,
			    addr_str((struct in_addr){ subnet->addr.s_addr & htonl(mask(subnet->prefix)) }),
			    subnet->prefix);
	return 0;
}

/* Without --subnet: $KIT_SUBNET, else the default. */
int resolve_subnet(struct cidr *subnet)
{
	const char *env = getenv("KIT_SUBNET");

	if (env && env[0] != '\0')
		return read_subnet(env, "KIT_SUBNET=", subnet);
	return read_subnet(DEFAULT_SUBNET, "default subnet ", subnet);
}

/* --ip must name a container's place in the subnet: not its edges, not kit0's. */
int check_wanted_address(struct cidr subnet, struct cidr wanted, const char *ip_arg)
{
	uint32_t n = ntohl(wanted.addr.s_addr) - ntohl(subnet.addr.s_addr);
	const char *in = addr_str(subnet.addr);

	if (wanted.prefix >= 0 && wanted.prefix != subnet.prefix)
		return fail("net", "--ip %s: the prefix must be the subnet's, /%d (%s/%d)",
			    ip_arg, subnet.prefix, in, subnet.prefix);
	if (n >= subnet_size(subnet))
		return fail("net", "--ip %s: outside the kit's subnet %s/%d (see --subnet)",
			    ip_arg, in, subnet.prefix);
	if (n == 0 || n == subnet_size(subnet) - 1)
		return fail("net", "--ip %s: the %s address of %s/%d is no host's", ip_arg,
			    n == 0 ? "network" : "broadcast", in, subnet.prefix);
	if (n == 1)
		return fail("net", "--ip %s: is the gateway, the bridge %s", ip_arg, BRIDGE);
	return 0;
}

/*
 * Serializes the check-then-create of host-wide state (kit0, its NAT rule,
 * ip_forward) between kits starting at the same time, and --reset-host.
 * Returns the descriptor to close() to unlock, or -1.
 */
int lock_host(void)
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

/*
 * An address is a container's while its kit holds flock() on
 * NET_DIR/<address>. The kernel drops the lock when the kit dies, even by
 * SIGKILL, so a file a killed kit left behind is simply free again: owning
 * is holding the lock, not the file existing (which O_EXCL alone would
 * test, and could not tell a leftover from a live owner).
 * Returns 1 if the address is now ours, 0 if it is taken, -1 on error.
 */
static int try_address(struct in_addr a, struct lease *lease)
{
	struct stat held, named;
	int fd;

	snprintf(lease->file, sizeof(lease->file), NET_DIR "/%s", addr_str(a));
	for (;;) {
		fd = open(lease->file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return sys("net", -1, "open(\"%s\")", lease->file);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			return errno == EWOULDBLOCK ? 0 : sys("net", -1, "flock(\"%s\")", lease->file);
		}
		/* An owner unlinks before it unlocks: if the file we locked is no
		 * longer the one at path, it was just released; look again. */
		if (fstat(fd, &held) == 0 && stat(lease->file, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			break;
		close(fd);
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%d\n", (int)getpid());  /* only to name the owner in messages */
	lease->fd = fd;
	lease->address = a;
	trace("net", "address %s is ours: flock(\"%s\")", addr_str(a), lease->file);
	return 1;
}

static int take_wanted_address(struct cidr wanted, const char *ip_arg, struct lease *lease)
{
	char owner[16] = "?";
	int ret = try_address(wanted.addr, lease);

	if (ret != 0)
		return ret < 0 ? -1 : 0;
	if (read_file("net", lease->file, owner, sizeof(owner)) == 0)
		owner[strcspn(owner, "\n")] = '\0';
	return fail("net", "--ip %s: in use by another container (kit pid %s)", ip_arg, owner);
}

/* --ip's address if ip_arg, else the lowest free one from .2 up: the first file we can lock. */
int allocate_address(struct cidr subnet, const char *ip_arg, struct cidr wanted,
		     struct lease *lease)
{
	if (make_dirs("net", NET_DIR, 0755) < 0)
		return -1;
	if (ip_arg)
		return take_wanted_address(wanted, ip_arg, lease);
	for (uint32_t n = 2; n < subnet_size(subnet) - 1; n++) {
		int ret = try_address(nth(subnet, n), lease);

		if (ret != 0)
			return ret < 0 ? -1 : 0;
	}
	return fail("net", "no free address left in %s/%d (see --subnet)",
		    addr_str(subnet.addr), subnet.prefix);
}

void release_address(struct lease *lease)
{
	if (lease->fd < 0)
		return;
	/* Unlink, then unlock: see try_address(). */
	sys("net", unlink(lease->file), "unlink(\"%s\")", lease->file);
	close(lease->fd);
	lease->fd = -1;
}

/* For --reset-host: refuses while an address is locked (a container runs); removes leftovers. */
int check_no_containers(void)
{
	DIR *dir = opendir(NET_DIR);
	struct lease probe = { .fd = -1 };
	struct dirent *e;
	struct in_addr a;
	int ret = 0;

	if (dir == NULL)
		return sys("net", -1, "opendir(\"%s\")", NET_DIR);
	while (ret == 0 && (e = readdir(dir)) != NULL) {
		if (inet_pton(AF_INET, e->d_name, &a) != 1)
			continue;
		if (try_address(a, &probe) == 0)
			ret = fail("net", "--reset-host: a container with address %s is running; "
				   "stop it first", e->d_name);
		release_address(&probe);
	}
	closedir(dir);
	return ret;
}

/* --- the host's routes and kit0's address, before changing anything ------ */

struct clash {
	struct cidr subnet;
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
	    overlaps(dst, rtm->rtm_dst_len, clash->subnet.addr.s_addr, clash->subnet.prefix)) {
		clash->found = (struct cidr){ { dst }, rtm->rtm_dst_len };
		clash->found_index = oif;
	}
	return MNL_CB_OK;
}

/*
 * A subnet the host already routes (its LAN, a VPN, Docker's bridge) would
 * be cut off from the host by kit0's route: refuse rather than break it.
 */
int check_subnet_is_free(struct cidr subnet)
{
	struct clash clash = { .subnet = subnet, .found.prefix = -1 };
	char dev[IF_NAMESIZE] = "?";

	if (rtnl_dump(RTM_GETROUTE, sizeof(struct rtmsg), route_cb, &clash) < 0)
		return -1;
	if (clash.found.prefix < 0)
		return 0;
	if_indextoname(clash.found_index, dev);
	return fail("net", "subnet %s/%d overlaps the host's route %s/%d dev %s: "
		    "choose another with --subnet or KIT_SUBNET", addr_str(subnet.addr),
		    subnet.prefix, addr_str(clash.found.addr), clash.found.prefix, dev);
}

struct bridge_addresses {
	struct cidr gateway;  /* the address kit0 must have */
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
		if (mnl_attr_get_u32(attr) == b->gateway.addr.s_addr &&
		    ifa->ifa_prefixlen == b->gateway.prefix)
			b->has_gateway = true;
		else
			b->other = (struct cidr){ { mnl_attr_get_u32(attr) }, ifa->ifa_prefixlen };
	}
	return MNL_CB_OK;
}

/* An existing kit0 must serve our subnet: ask the kernel, not a record. */
int check_bridge_subnet(unsigned index, struct cidr subnet)
{
	struct bridge_addresses b = {
		.gateway = { subnet_gateway(subnet), subnet.prefix },
		.index = index,
		.other.prefix = -1,
	};

	if (rtnl_dump(RTM_GETADDR, sizeof(struct ifaddrmsg), address_cb, &b) < 0)
		return -1;
	if (b.has_gateway)
		return 0;
	if (b.other.prefix < 0)
		return fail("net", "%s exists without an IPv4 address: run container --reset-host",
			    BRIDGE);
	return fail("net", "%s serves %s/%d, not %s/%d: use that subnet, or stop its "
		    "containers and run container --reset-host", BRIDGE, addr_str(b.other.addr),
		    b.other.prefix, addr_str(subnet_gateway(subnet)), subnet.prefix);
}
