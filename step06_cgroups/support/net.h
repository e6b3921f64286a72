/*
 * net.h - what the network layer's own files share: net.c (the lesson) calls
 * net_options.c (the options), netlink.c (sending rtnetlink messages),
 * ipam.c (addresses), nat.c (libnftables, ip_forward's old value,
 * --reset-host) and firewall.c (other tables' forward chains). No other
 * layer includes it.
 */
#ifndef NET_H
#define NET_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#define BRIDGE "kit0"
/* Docker uses 172.17.0.0/16 (172.18+ for user networks), Podman 10.88.0.0/16. */
#define DEFAULT_SUBNET "10.99.0.0/24"
/* /run is a tmpfs: the records vanish at reboot, exactly like kit0 and ip_forward. */
#define STATE_DIR "/run/container-kit"
#define NET_DIR STATE_DIR "/net"
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
#define NFT_TABLE "ip container_kit"  /* the kit's own: the NAT rule */

struct cidr {
	struct in_addr addr;  /* network byte order, as inet_pton gives it */
	int prefix;           /* -1: none given */
};

/* An address is a container's while its kit holds flock() on its file. */
struct lease {
	struct in_addr address;
	int fd;               /* -1: no address held */
	char file[64];        /* NET_DIR/<address> */
};

/* net.c: the layer's state; net_options.c fills the first part from the options. */
struct net_state {
	enum { NET_DEFAULT, NET_BRIDGE, NET_NONE } mode;  /* default: bridge for root */
	struct cidr subnet;       /* the kit's; the bridge is its .1 */
	bool subnet_given;
	const char *ip_arg;       /* --ip as given, for messages; NULL: any free address */
	struct cidr wanted;       /* --ip, parsed */
	struct lease lease;       /* the container's address, once allocated */
	char host_end[IFNAMSIZ];  /* kitv<child pid>: stays on the host */
	char peer_end[IFNAMSIZ];  /* kitc<kit pid>: becomes eth0 inside */
};
extern struct net_state net;

/* net_options.c: --net, --ip, --subnet, --reset-host. */
extern const struct layer_option net_options[];
int check_net_options(void);

/* netlink.c: one socket per phase, in the netns of whoever opens it. */
int rtnl_open(void);
void rtnl_close(void);
struct nlmsghdr *link_request(uint16_t type, uint16_t flags, const char *name);
int request(struct nlmsghdr *nlh, int harmless, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
int rtnl_dump(uint16_t type, size_t header_size, mnl_cb_t cb, void *data);
unsigned link_index(const char *name);
void random_mac(unsigned char mac[6]);
void mac_for(struct in_addr addr, unsigned char mac[6]);
const char *mac_str(const unsigned char mac[6]);
int rename_link(const char *name, const char *new_name);
int set_link_up(const char *name);
int delete_link(const char *name);
int add_address(const char *name, struct in_addr addr, int prefix);
int add_default_route(struct in_addr gateway, const char *name);

/* ipam.c: the subnet, --ip, one locked file per address in use. */
const char *addr_str(struct in_addr a);
struct in_addr subnet_gateway(struct cidr subnet);
int parse_cidr(const char *text, struct cidr *out);
int read_subnet(const char *text, const char *source, struct cidr *subnet);
int resolve_subnet(struct cidr *subnet);
int check_wanted_address(struct cidr subnet, struct cidr wanted, const char *ip_arg);
int allocate_address(struct cidr subnet, const char *ip_arg, struct cidr wanted,
		     struct lease *lease);
void release_address(struct lease *lease);
int lock_host(void);
int check_no_containers(void);
int check_subnet_is_free(struct cidr subnet);
int check_bridge_subnet(unsigned index, struct cidr subnet);

/* nat.c: the host's part, made once and kept until --reset-host. */
int check_bridge(struct cidr subnet);
int run_nft(const char *commands, char *why, size_t size);
int save_forwarding(void);
int reset_host(void);

/* firewall.c: another table's forward chain that drops by policy lets kit0 through. */
void let_bridge_through(void);
int remove_bridge_exceptions(void);

#endif
