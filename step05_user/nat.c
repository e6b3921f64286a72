/*
 * nat.c - the network layer's host-wide part: the bridge kit0 with the
 * gateway address, the outbound NAT rule (through libnftables, what `nft`
 * runs), ip_forward, all made once by the first container and kept, like
 * docker0; --reset-host undoes them, and the rules firewall.c added to
 * another table's forward chain.
 *
 * Chapter: 1.2 "Core Container Technologies" (network namespace).
 * Man pages: libnftables(3), nft(8), dlopen(3), bridge(8) to compare,
 *            proc_sys_net(5) (ip_forward), flock(2).
 */
#include "kit.h"
#include "net.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#ifndef LIBNFTABLES_SONAME
#error "LIBNFTABLES_SONAME: build with make, which reads it from libnftables.so (libnftables-dev)"
#endif
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FORWARD_SAVED STATE_DIR "/ip_forward.before"
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
#define NFT_TABLE "ip container_kit"

/*
 * libnftables is loaded when a rule is written (the first container on the
 * bridge, --reset-host), not at every start: with the libraries it pulls in
 * (libnftnl, libxtables, libgmp...) it would cost each start 0.8 MB of
 * memory and half a millisecond, for a rule written once. dlsym()
 * finds each function; typeof gives the pointer the header's own type, so
 * the compiler still checks every call. LIBNFTABLES_SONAME is the name make
 * found in the library libnftables-dev links (see the Makefile).
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
	lib = dlopen(LIBNFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
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
		snprintf(why, size, LIBNFTABLES_SONAME " lacks a function: %s", dlerror());
		dlclose(lib);
		return -1;
	}
	nft.lib = lib;
	trace("net", "dlopen(\"" LIBNFTABLES_SONAME "\"): loaded");
	return 0;
}

/* Runs nft commands in one transaction; on failure why gets nft's first line. */
int run_nft(const char *commands, char *why, size_t size)
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
static void add_nat(struct cidr subnet)
{
	char commands[400], why[256];

	snprintf(commands, sizeof(commands),
		 "add table " NFT_TABLE "; flush table " NFT_TABLE "; "
		 "add chain " NFT_TABLE " postrouting { type nat hook postrouting priority 100; }; "
		 "add rule " NFT_TABLE " postrouting ip saddr %s/%d oifname != \"" BRIDGE
		 "\" masquerade", addr_str(subnet.addr), subnet.prefix);
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

/* Creates path holding text, unless it exists: the first value recorded stays. */
static int create_file_once(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0 && errno == EEXIST)
		return 0;
	if (sys("net", fd, "open(\"%s\")", path) < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return sys("net", n, "write(\"%s\", \"%.*s\")", path, (int)strcspn(text, "\n"), text)
		< 0 ? -1 : 0;
}

/* Records ip_forward's value before the kit first changes it, for --reset-host. */
static int enable_forwarding(void)
{
	char before[8];

	if (read_file("net", IP_FORWARD, before, sizeof(before)) < 0)
		return -1;
	if (before[0] == '1')
		return 0;
	if (create_file_once(FORWARD_SAVED, before) < 0)
		return -1;
	return write_file("net", IP_FORWARD, "1\n");
}

static int restore_forwarding(void)
{
	char before[8];

	if (access(FORWARD_SAVED, F_OK) < 0)
		return 0;  /* the kit never changed it */
	if (read_file("net", FORWARD_SAVED, before, sizeof(before)) < 0 ||
	    write_file("net", IP_FORWARD, before) < 0)
		return -1;
	return sys("net", unlink(FORWARD_SAVED), "unlink(\"%s\")", FORWARD_SAVED) < 0 ? -1 : 0;
}

/* kit0 with the gateway address, up, and its NAT rule: once, on first use. */
static int prepare_bridge(struct cidr subnet)
{
	unsigned index = if_nametoindex(BRIDGE);

	if (index != 0)
		return check_bridge_subnet(index, subnet);
	trace("net", "no %s yet: creating it", BRIDGE);
	if (check_subnet_is_free(subnet) < 0)
		return -1;
	if (create_bridge(BRIDGE) < 0)
		return -1;
	/* A kit0 without its address would block every later start (check_bridge_subnet). */
	if (add_address(BRIDGE, subnet_gateway(subnet), subnet.prefix) < 0 ||
	    set_link_up(BRIDGE) < 0) {
		delete_link(BRIDGE);
		return -1;
	}
	add_nat(subnet);
	return 0;
}

/* Under the host lock: kit0 and its NAT rule if missing, ip_forward on. */
int prepare_host(struct cidr subnet)
{
	int lock = lock_host(), ret;

	if (lock < 0)
		return -1;
	ret = rtnl_open();
	if (ret == 0) {
		ret = prepare_bridge(subnet);
		rtnl_close();
	}
	if (ret == 0) {
		let_bridge_through();  /* another table's forward chain may drop kit0's traffic */
		ret = enable_forwarding();
	}
	close(lock);
	return ret;
}

/* --reset-host: the host's kit state goes, unless a container still runs. */
int reset_host(void)
{
	int lock, ret;

	if (make_dirs("net", NET_DIR, 0755) < 0 || (lock = lock_host()) < 0)
		return -1;
	ret = check_no_containers();
	if (ret == 0 && (ret = rtnl_open()) == 0) {
		ret = delete_link(BRIDGE);
		rtnl_close();
	}
	if (ret == 0) {
		remove_nat();
		ret = remove_bridge_exceptions();
		if (restore_forwarding() < 0)
			ret = -1;
	}
	close(lock);
	return ret < 0 ? -1 : 0;
}
