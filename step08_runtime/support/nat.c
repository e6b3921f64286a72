/*
 * nat.c - support for the network layer's host-wide part, which net.c makes
 * once and keeps, like docker0 (kit0, the NAT rule, ip_forward): whether
 * kit0 is there, on the right subnet; libnftables, loaded when a rule is
 * written, to run nft's text; ip_forward's value before the kit changed it;
 * and --reset-host, which undoes it all, and the rules firewall.c added to
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

/*
 * Records ip_forward's value before the kit first changes it, for
 * --reset-host; net.c then writes 1 (writing the value it has changes nothing).
 */
int save_forwarding(void)
{
	char before[8];

	if (read_file("net", IP_FORWARD, before, sizeof(before)) < 0)
		return -1;
	return before[0] == '1' ? 0 : create_file_once(FORWARD_SAVED, before);
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

/*
 * Under the host lock: 0 if kit0 is there, on this subnet; 1 if there is no
 * kit0 yet and no route of the host's overlaps the subnet; -1 if refused.
 */
int check_bridge(struct cidr subnet)
{
	unsigned index = if_nametoindex(BRIDGE);

	if (index != 0)
		return check_bridge_subnet(index, subnet) < 0 ? -1 : 0;
	trace("net", "no %s yet: creating it", BRIDGE);
	return check_subnet_is_free(subnet) < 0 ? -1 : 1;
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
