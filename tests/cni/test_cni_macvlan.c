/* SPDX-License-Identifier: Apache-2.0 */
/*
 * railpool as IPAM behind Debian's reference macvlan plugin, in a real netns: the runtime execs
 * /usr/lib/cni/macvlan, which execs railpool (found on CNI_PATH) for the address.  Root only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define MACVLAN "/usr/lib/cni/macvlan"

static char ns[64], master[32], peer[32], store[512], cfg[8192], nspath[128];

/* stdout of a shell command (first 4 KiB; the next call reuses the buffer). */
static const char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *sh_out(const char *fmt, ...)
{
	static char buf[4096];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	rpt_vsh(&out, RPT_INHERIT, fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf), "%s", out ? out : "");
	free(out);
	return buf;
}

static void cleanup(void)
{
	if (ns[0])
		rpt_sh(NULL, RPT_INHERIT, "ip netns del %s 2>/dev/null", ns);
	if (master[0])
		rpt_sh(NULL, RPT_INHERIT, "ip link del %s 2>/dev/null", master);
	rpt_tmpdir_remove();
}

static void plugin(const char *cmd, struct rpt_run *r)
{
	char e_cmd[64], e_ns[160], e_path[1200];
	const char *bin = getenv("RP_BIN_DIR");
	const char *env[] = {e_cmd, "CNI_CONTAINERID=rptmv", e_ns, "CNI_IFNAME=net1", e_path, NULL};

	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", nspath);
	snprintf(e_path, sizeof(e_path), "CNI_PATH=%s:/usr/lib/cni", bin ? bin : ".");
	assert_int_equal(rpt_exec(MACVLAN, NULL, env, cfg, r), 0);
	if (r->status)
		fprintf(stderr, "macvlan %s: status %d: %s\n", cmd, r->status, r->out);
}

static void t_macvlan(void **st)
{
	struct rpt_run r;
	const char *addr;
	char want[64], prev[2048];
	const char *p;
	(void)st;

	plugin("ADD", &r);
	assert_int_equal(r.status, 0);
	addr = json_string_value(json_object_get(json_array_get(json_object_get(r.json, "ips"), 0), "address"));
	assert_non_null(addr);
	assert_non_null(strstr(addr, "10.77.0."));
	snprintf(want, sizeof(want), "inet %s", addr);
	snprintf(prev, sizeof(prev), "%s", r.out); /* macvlan pretty-prints: keep the newlines */
	rpt_run_free(&r);
	p = sh_out("ip -n %s -4 addr show dev net1", ns);
	if (!strstr(p, want))
		fprintf(stderr, "net1 in %s: %s (want %s)\n", ns, p, want);
	assert_non_null(strstr(p, want));
	/* the routes of the pool were installed by macvlan from our result */
	assert_non_null(strstr(sh_out("ip -n %s route show 10.78.0.0/16", ns), "via 10.77.0.1"));
	/* CHECK through macvlan with the ADD result as prevResult: macvlan runs railpool's CHECK */
	{
		char saved[8192];
		size_t n = strlen(cfg);
		snprintf(saved, sizeof(saved), "%s", cfg);
		snprintf(cfg + n - 1, sizeof(cfg) - n + 1, ",\"prevResult\":%s}", prev);
		plugin("CHECK", &r);
		assert_int_equal(r.status, 0);
		rpt_run_free(&r);
		snprintf(cfg, sizeof(cfg), "%s", saved);
	}

	plugin("DEL", &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	assert_null(strstr(sh_out("ip -n %s link show net1 2>&1", ns), "state"));
	/* the lease is gone: railpool itself says so */
	{
		char e_ns[160];
		const char *env[] = {"CNI_COMMAND=CHECK", "CNI_CONTAINERID=rptmv", e_ns, "CNI_IFNAME=net1", NULL};
		snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", nspath);
		assert_int_equal(rpt_exec(NULL, NULL, env, cfg, &r), 0);
		assert_int_equal(rpt_code(&r), 3);
		rpt_run_free(&r);
	}
	plugin("DEL", &r); /* again: fine */
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(t_macvlan)};
	int pid = (int)getpid();

	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces, macvlan)\n");
		return 77;
	}
	if (access(MACVLAN, X_OK) != 0) {
		printf("SKIP: %s not installed (containernetworking-plugins)\n", MACVLAN);
		return 77;
	}
	snprintf(ns, sizeof(ns), "rpt%dc", pid);
	snprintf(nspath, sizeof(nspath), "/var/run/netns/%s", ns);
	snprintf(master, sizeof(master), "rpt%da", pid);
	snprintf(peer, sizeof(peer), "rpt%db", pid);
	atexit(cleanup);
	if (rpt_sh(NULL, RPT_INHERIT, "ip netns add %s && ip link add %s type veth peer name %s && ip link set %s up && "
		   "ip link set %s up", ns, master, peer, master, peer)) {
		printf("SKIP: cannot create netns/veth here\n");
		return 77;
	}
	snprintf(store, sizeof(store), "%s/node.shm", rpt_tmpdir());
	if (rpt_store_apply(store,
			    "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
			    "metadata: {name: mv-pool}\nspec:\n  subnet: 10.77.0.0/24\n"
			    "  ips: [10.77.0.10-10.77.0.20]\n  gateway: 10.77.0.1\n"
			    "  routes: [{dst: 10.78.0.0/16, gw: 10.77.0.1}]\n"))
		return 1;
	snprintf(cfg, sizeof(cfg),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"rpt-mv\",\"type\":\"macvlan\",\"master\":\"%s\","
		 "\"mode\":\"bridge\",\"ipam\":{\"type\":\"railpool\",\"ippools\":{\"ipv4\":[\"mv-pool\"]},"
		 "\"stateFile\":\"%s\"}}", master, store);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
