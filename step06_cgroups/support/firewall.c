/*
 * firewall.c - the host's other firewalls. The kit's NAT table accepts what
 * leaves kit0, but in nftables every base chain on a hook judges each
 * packet, and a drop in any of them is final: Docker's `table ip filter`
 * chain FORWARD (policy drop, through iptables-nft) drops the containers'
 * traffic whatever the kit's own table says.
 *
 * So before a bridge run the kit asks the kernel for the base chains on the
 * forward hook (an nf_tables netlink dump, parsed with libmnl as netlink.c
 * parses routes). Where one drops by policy, it inserts two rules that
 * accept what enters or leaves kit0, each with the comment "container-kit":
 * into DOCKER-USER when that table has one (the chain Docker keeps for a
 * user's rules and jumps to first), else at the top of that chain.
 * --reset-host deletes every rule that carries the comment, and only those.
 *
 * What it cannot see: a drop by a rule rather than a policy (firewalld's
 * final reject), and iptables-legacy, whose tables nftables does not show.
 *
 * Chapter: 1.2 "Core Container Technologies" (network namespace: its
 *          traffic still crosses the host's firewall).
 * Man pages: nft(8) (CHAINS: base chains, policy), libnftables(3),
 *            netlink(7), libmnl (netfilter.org/projects/libmnl/doxygen),
 *            iptables(8) to compare; Docker's "Packet filtering and
 *            firewalls" (DOCKER-USER).
 */
#include "kit.h"
#include "net.h"

#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>

#define MARK "container-kit"       /* the comment on every rule the kit adds */
#define DOCKER_USER "DOCKER-USER"
#define MAX_CHAINS 16
#define ATTR_MAX 16                /* above every NFTA_*_MAX read here */

struct chain {
	uint8_t family;                    /* NFPROTO_IPV4 or NFPROTO_INET */
	char table[NFT_TABLE_MAXNAMELEN];
	char name[NFT_CHAIN_MAXNAMELEN];
	uint64_t handle;                   /* of a rule: one the kit added */
};

struct chain_list {
	struct chain at[MAX_CHAINS];
	int count;
};

/* The dumps fill these; static, as they are 8 KB each. */
static struct chain_list drops, docker_users, marked;

/* A dump's part: the kernel fills at most 32 KB at once. */
static char nfnl_buf[32768];

static const char *family_name(uint8_t family)
{
	return family == NFPROTO_INET ? "inet" : "ip";
}

/* An IPv4 packet crosses the forward hooks of ip and inet tables; ip6's and bridge's are others'. */
static bool ipv4_family(uint8_t family)
{
	return family == NFPROTO_IPV4 || family == NFPROTO_INET;
}

static void add_chain(struct chain_list *list, uint8_t family, const char *table,
		      const char *name, uint64_t handle)
{
	struct chain *c;

	if (list->count == MAX_CHAINS) {
		trace("net", "more than %d chains to note: %s %s %s not noted", MAX_CHAINS,
		      family_name(family), table, name);
		return;
	}
	c = &list->at[list->count++];
	c->family = family;
	snprintf(c->table, sizeof(c->table), "%s", table);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->handle = handle;
}

/* --- the nf_tables netlink dumps ------------------------------------------ */

/* Keeps each attribute by its type; the readers below check its size. */
static int keep_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(attr) <= ATTR_MAX)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static const char *attr_str(const struct nlattr *attr)
{
	return attr && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 ?
		mnl_attr_get_str(attr) : NULL;
}

/* nf_tables sends its numbers big-endian, whatever the host's order. */
static bool attr_u32(const struct nlattr *attr, uint32_t *value)
{
	if (attr == NULL || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return false;
	*value = be32toh(mnl_attr_get_u32(attr));
	return true;
}

/* One chain: a base chain on the forward hook that drops by policy, or a DOCKER-USER. */
static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[ATTR_MAX + 1] = { NULL }, *hook[ATTR_MAX + 1] = { NULL };
	const char *table, *name;
	uint32_t hooknum, policy;

	(void)data;
	if (mnl_attr_parse(nlh, sizeof(*nfg), keep_attr, tb) < 0)
		return MNL_CB_ERROR;
	table = attr_str(tb[NFTA_CHAIN_TABLE]);
	name = attr_str(tb[NFTA_CHAIN_NAME]);
	if (!table || !name || !ipv4_family(nfg->nfgen_family))
		return MNL_CB_OK;
	if (tb[NFTA_CHAIN_HOOK] == NULL) {  /* a regular chain: only a jump reaches it */
		if (strcmp(name, DOCKER_USER) == 0)
			add_chain(&docker_users, nfg->nfgen_family, table, name, 0);
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(tb[NFTA_CHAIN_HOOK], MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(tb[NFTA_CHAIN_HOOK], keep_attr, hook) < 0)
		return MNL_CB_ERROR;
	if (attr_u32(hook[NFTA_HOOK_HOOKNUM], &hooknum) && hooknum == NF_INET_FORWARD &&
	    attr_u32(tb[NFTA_CHAIN_POLICY], &policy) && policy == NF_DROP)
		add_chain(&drops, nfg->nfgen_family, table, name, 0);
	return MNL_CB_OK;
}

/* One rule: noted if it carries the kit's comment (nft keeps it NUL-terminated in the userdata). */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[ATTR_MAX + 1] = { NULL };
	const char *table, *chain;

	(void)data;
	if (mnl_attr_parse(nlh, sizeof(*nfg), keep_attr, tb) < 0)
		return MNL_CB_ERROR;
	table = attr_str(tb[NFTA_RULE_TABLE]);
	chain = attr_str(tb[NFTA_RULE_CHAIN]);
	if (!table || !chain || !ipv4_family(nfg->nfgen_family) || !tb[NFTA_RULE_USERDATA] ||
	    !tb[NFTA_RULE_HANDLE] || mnl_attr_validate(tb[NFTA_RULE_HANDLE], MNL_TYPE_U64) < 0 ||
	    !memmem(mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]),
		    mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]), MARK, sizeof(MARK)))
		return MNL_CB_OK;
	add_chain(&marked, nfg->nfgen_family, table, chain,
		  be64toh(mnl_attr_get_u64(tb[NFTA_RULE_HANDLE])));
	return MNL_CB_OK;
}

/* One dump on a socket of its own; 0, or -1 with errno. */
static int dump_once(struct nlmsghdr *nlh, mnl_cb_t cb)
{
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	unsigned seq = nlh->nlmsg_seq;
	int ret = MNL_CB_ERROR, saved_errno;

	if (sock == NULL)
		return -1;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) == 0 &&
	    mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) >= 0) {
		do {
			ssize_t n = mnl_socket_recvfrom(sock, nfnl_buf, sizeof(nfnl_buf));

			ret = n < 0 ? MNL_CB_ERROR :
				mnl_cb_run(nfnl_buf, (size_t)n, seq, mnl_socket_get_portid(sock), cb, NULL);
		} while (ret == MNL_CB_OK);
	}
	saved_errno = errno;
	mnl_socket_close(sock);
	errno = saved_errno;
	return ret == MNL_CB_ERROR ? -1 : 0;
}

/*
 * Asks for every chain or rule of every table (family NFPROTO_UNSPEC), or
 * only one chain's rules, and passes each to cb, which notes what it looks
 * for in drops and docker_users (chains) or marked (rules). A
 * ruleset changed meanwhile interrupts the dump (NLM_F_DUMP_INTR: libmnl's
 * EINTR): it is asked again, on a new socket, so nothing of the old one is read.
 */
static int nft_dump(uint16_t msg, uint8_t family, const struct chain *only, mnl_cb_t cb,
		    const char *what)
{
	char message[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(message);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	int ret = -1;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	if (only) {
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, only->table);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, only->name);
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		if (msg == NFT_MSG_GETCHAIN)
			drops.count = docker_users.count = 0;
		else
			marked.count = 0;
		ret = dump_once(nlh, cb);
		if (ret == 0 || errno != EINTR)
			break;
	}
	return sys_try("net", ret, "%s dump", what) < 0 ? -1 : 0;
}

/* --- letting kit0 through, taking it out again -------------------------- */

/* Names go into nft's command line: only characters nft reads in a name unquoted. */
static bool plain_name(const char *name)
{
	return name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789_-./")] == '\0';
}

static bool has_docker_user(const struct chain *drop)
{
	for (int i = 0; i < docker_users.count; i++)
		if (docker_users.at[i].family == drop->family &&
		    strcmp(docker_users.at[i].table, drop->table) == 0)
			return true;
	return false;
}

/*
 * Two accepts, by interface alone: iptables-nft (which Docker and ufw use)
 * reads `iifname`/`oifname ... accept`, but not nft's native `ct state`,
 * and a rule it cannot read makes it refuse the whole table.
 */
#define ACCEPT_IN "iifname \"" BRIDGE "\" accept comment \"" MARK "\""
#define ACCEPT_OUT "oifname \"" BRIDGE "\" accept comment \"" MARK "\""

static void let_through(const struct chain *drop)
{
	struct chain target = *drop;
	const char *family = family_name(drop->family);
	bool docker = has_docker_user(drop);
	char commands[1400], why[256];

	if (docker)
		snprintf(target.name, sizeof(target.name), DOCKER_USER);
	if (nft_dump(NFT_MSG_GETRULE, target.family, &target, rule_cb, "NFT_MSG_GETRULE") == 0 &&
	    marked.count > 0) {
		trace("net", "table %s %s chain %s drops forwarded packets (policy drop); "
		      "its chain %s already lets %s through", family, drop->table, drop->name,
		      target.name, BRIDGE);
		return;
	}
	snprintf(commands, sizeof(commands),
		 "insert rule %s %s %s " ACCEPT_OUT "; "
		 "insert rule %s %s %s " ACCEPT_IN,
		 family, target.table, target.name, family, target.table, target.name);
	if (!plain_name(target.table) || !plain_name(target.name))
		snprintf(why, sizeof(why), "a name the kit does not write into a command");
	else if (run_nft(commands, why, sizeof(why)) == 0) {
		warn("net", "table %s %s chain %s drops forwarded packets (policy drop): "
		     "inserted two accepts for %s %s%s, comment \"%s\" (--reset-host deletes "
		     "them)", family, drop->table, drop->name, BRIDGE,
		     docker ? "in its chain " : "at the top of that chain", docker ? DOCKER_USER : "",
		     MARK);
		return;
	}
	fail("net", "table %s %s chain %s drops forwarded packets (policy drop) and the kit "
	     "could not let %s through (%s): containers reach only the host and each other; "
	     "to let them out: nft '%s'", family, drop->table, drop->name, BRIDGE, why, commands);
}

/*
 * Before a bridge run, under the host lock: where another table's forward
 * chain drops by policy, let kit0's traffic through. Never stops the run:
 * without it the containers still reach the host and each other. A kernel
 * without nf_tables (EINVAL: no such netlink subsystem) has no such chain.
 */
void let_bridge_through(void)
{
	if (nft_dump(NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NULL, chain_cb, "NFT_MSG_GETCHAIN") < 0) {
		if (errno != EINVAL && errno != EPROTONOSUPPORT)
			fail("net", "could not list the host's nftables chains (%s): a firewall "
			     "that drops forwarded packets would go unseen", strerror(errno));
		return;
	}
	trace("net", "%d forward chain(s) dropping by policy, %d " DOCKER_USER,
	      drops.count, docker_users.count);
	for (int i = 0; i < drops.count; i++)
		let_through(&drops.at[i]);
}

/*
 * --reset-host: every rule with the kit's comment goes, in whatever chain it
 * is; a dump notes MAX_CHAINS at most, so a full one is followed by another.
 */
int remove_bridge_exceptions(void)
{
	char command[700], why[256];
	int ret = 0, round = 0;

	do {
		if (nft_dump(NFT_MSG_GETRULE, NFPROTO_UNSPEC, NULL, rule_cb, "NFT_MSG_GETRULE") < 0) {
			if (errno == EINVAL || errno == EPROTONOSUPPORT)
				return 0;  /* no nf_tables: no rule of the kit either */
			return fail("net", "could not list the host's nftables rules (%s): the "
				    "kit's rules (comment \"%s\") are left", strerror(errno), MARK);
		}
		for (int i = 0; i < marked.count; i++) {
			const struct chain *r = &marked.at[i];

			snprintf(command, sizeof(command), "delete rule %s %s %s handle %llu",
				 family_name(r->family), r->table, r->name,
				 (unsigned long long)r->handle);
			if (!plain_name(r->table) || !plain_name(r->name))
				snprintf(why, sizeof(why), "a name the kit does not write into a command");
			else if (run_nft(command, why, sizeof(why)) == 0)
				continue;
			ret = fail("net", "could not delete the kit's rule in table %s %s chain %s "
				   "(%s)", family_name(r->family), r->table, r->name, why);
		}
	} while (ret == 0 && marked.count == MAX_CHAINS && ++round < 8);
	return ret;
}
