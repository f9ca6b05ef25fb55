/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rails mode end to end: the built `railpool` binary, exec'd as a runtime does (env + stdin),
 * inside a simulated 8-rail node (own netns, NICs named as the macvlan seed), with the macvlan
 * seed's manifests applied by the built `railpoolctl`.  The pod's view is checked with `ip -j`
 * (an independent oracle), the store's with `railpoolctl get leases -o json`.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "harness.h"
#include "sim/node.h"
#include "tests/common/exec.h"
#include "tests/common/node.h"

static char tiny[64];
static struct rpt_seed_node seed; /* the macvlan seed's 8 NICs, own netns, MTU 1500 */


/* Leases held: IP addresses, and shared-RDMA user slots ("rdma:<resource>" pools). */
static size_t leases_count(bool slots)
{
	return ht_leases("rdma:", slots);
}

/* IP leases held; every rail of the seed set is also a shared-RDMA user (one slot each) */
static size_t leases_held(void)
{
	return leases_count(false);
}

static char *conf_rails(const char *extra_rail5)
{
	static char buf[4096];
	size_t off = 0;

	off += (size_t)snprintf(buf + off, sizeof(buf) - off,
				"{\"cniVersion\":\"1.0.0\",\"name\":\"gpu-rails\",\"type\":\"railpool\",\"rails\":[");
	for (int i = 1; i <= 8; i++) {
		if (i == 5 && extra_rail5)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i > 1 ? "," : "", extra_rail5);
		else
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s{\"network\":\"spiderpool/gpu%d-macvlan\"}",
						i > 1 ? "," : "", i);
	}
	snprintf(buf + off, sizeof(buf) - off, "]}");
	return buf;
}

static int setup(void **st)
{
	struct rp_err e = { 0 };
	char *out;
	char files[8][300];

	(void)st;
	ht_init("rpa");
	rpt_seed_node(&seed, ht_prefix, 1, 8, 1500);
	rp_sim_down(&seed.spec, &e);
	if (rp_sim_up(&seed.spec, &e)) {
		print_message("sim up: %s\n", e.msg);
		return -1;
	}
	unlink(ht_state);
	for (int i = 0; i < 8; i++)
		snprintf(files[i], sizeof(files[i]), "%s/tests/data/macvlan-8rail/gpu%d.yaml", ht_srcdir, i + 1);
	/* a pool with a single address on rail 5's subnet, outside gpu5-net15's range */
	snprintf(tiny, sizeof(tiny), "/tmp/%s-tiny.yaml", ht_prefix);
	assert_int_equal(rpt_write_file(tiny, "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
					       "metadata:\n  name: tiny5\nspec:\n  subnet: 172.16.0.0/16\n"
					       "  gateway: 172.16.15.254\n  ips:\n    - 172.16.15.250\n"),
			 0);
	{
		char bin[300], st2[200], rdma[400];
		char *argv[] = { bin, "--state", st2, "--node", "node1", "apply", "-f", files[0], "-f", files[1], "-f",
				 files[2], "-f", files[3], "-f", files[4], "-f", files[5], "-f", files[6], "-f",
				 files[7], "-f", rdma, "-f", tiny, NULL };
		snprintf(bin, sizeof(bin), "%s/railpoolctl", ht_bindir);
		snprintf(st2, sizeof(st2), "%s", ht_state);
		snprintf(rdma, sizeof(rdma), "%s/tests/data/macvlan-8rail/rdma-shared-config.json", ht_srcdir);
		if (ht_run(true, argv, NULL, NULL, &out) != 0) {
			print_message("apply failed: %s\n", out);
			free(out);
			return -1;
		}
		free(out);
	}
	return 0;
}

static int teardown(void **st)
{
	struct rp_err e = { 0 };
	char name[32];

	(void)st;
	for (int i = 1; i <= 7; i++) {
		snprintf(name, sizeof(name), "%sp%d", ht_prefix, i);
		ht_pod_del(name);
	}
	rp_sim_down(&seed.spec, &e);
	unlink(ht_state);
	unlink(tiny);
	return 0;
}

static void assert_pod_rails(const char *pod, json_t *result)
{
	json_t *links = ht_ipj(pod, "addr show"), *rules = ht_ipj(pod, "rule show"), *ifs, *ips;
	char name[16], ip[8][48];

	ifs = json_object_get(result, "interfaces");
	ips = json_object_get(result, "ips");
	assert_int_equal(json_array_size(ifs), 8);
	assert_int_equal(json_array_size(ips), 8);
	for (int i = 1; i <= 8; i++) {
		json_t *l, *ai, *a, *r;
		const char *addr = json_string_value(json_object_get(json_array_get(ips, i - 1), "address"));
		char want_prefix[32], *slash;
		bool rule_found = false;
		size_t k;

		snprintf(name, sizeof(name), "net%d", i);
		l = ht_find_link(links, name);
		assert_non_null(l);
		assert_int_equal(json_integer_value(json_object_get(l, "mtu")), 1500);
		assert_string_equal(json_string_value(json_object_get(l, "operstate")), "UP");
		assert_string_equal(json_string_value(json_object_get(json_array_get(ifs, i - 1), "name")), name);
		assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(ifs, i - 1), "mac"))), 17);
		/* address from pool gpuN-net1N, /16 as the seed's subnet 172.16.1N.0/16 normalises */
		snprintf(want_prefix, sizeof(want_prefix), "172.16.1%d.", i);
		assert_non_null(addr);
		assert_memory_equal(addr, want_prefix, strlen(want_prefix));
		assert_non_null(strstr(addr, "/16"));
		snprintf(ip[i - 1], sizeof(ip[i - 1]), "%s", addr);
		slash = strchr(ip[i - 1], '/');
		*slash = '\0';
		ai = json_object_get(l, "addr_info");
		a = NULL;
		json_array_foreach(ai, k, r)
			if (!strcmp(json_string_value(json_object_get(r, "local")), ip[i - 1]))
				a = r;
		assert_non_null(a);
		assert_int_equal(json_integer_value(json_object_get(a, "prefixlen")), 16);
		/* rule from <ip> lookup 100+i-1 */
		json_array_foreach(rules, k, r) {
			const char *src = json_string_value(json_object_get(r, "src"));
			const char *table = json_string_value(json_object_get(r, "table"));
			if (src && !strcmp(src, ip[i - 1])) {
				char t[8];
				snprintf(t, sizeof(t), "%d", 100 + i - 1);
				assert_string_equal(table, t);
				rule_found = true;
			}
		}
		assert_true(rule_found);
		/* table 100+i-1: default via the pool's gateway dev netN */
		{
			char args[64], gw[32];
			json_t *rt = NULL, *x;
			snprintf(args, sizeof(args), "route show table %d", 100 + i - 1);
			x = ht_ipj(pod, args);
			snprintf(gw, sizeof(gw), "172.16.1%d.254", i);
			json_array_foreach(x, k, r)
				if (!strcmp(json_string_value(json_object_get(r, "dst")), "default"))
					rt = r;
			assert_non_null(rt);
			assert_string_equal(json_string_value(json_object_get(rt, "gateway")), gw);
			assert_string_equal(json_string_value(json_object_get(rt, "dev")), name);
			json_decref(x);
		}
	}
	/* eth0's default route untouched */
	{
		json_t *m = ht_ipj(pod, "route show table main"), *r, *def = NULL;
		size_t k;
		json_array_foreach(m, k, r)
			if (!strcmp(json_string_value(json_object_get(r, "dst")), "default"))
				def = r;
		assert_non_null(def);
		assert_string_equal(json_string_value(json_object_get(def, "dev")), "eth0");
		json_decref(m);
	}
	json_decref(links);
	json_decref(rules);
}

static void test_add_check_del(void **st)
{
	char pod[32];
	json_t *res = NULL, *res2 = NULL;
	const char *conf = conf_rails(NULL);

	(void)st;
	snprintf(pod, sizeof(pod), "%sp1", ht_prefix);
	ht_pod_add(pod, 1);
	assert_int_equal(ht_cni("ADD", "c1", pod, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_pod_rails(pod, res);
	assert_int_equal(leases_held(), 8);
	assert_int_equal(leases_count(true), 8); /* rdma:spidernet.io/shared_cx5_gpuN users */
	/* idempotent ADD: same addresses */
	assert_int_equal(ht_cni("ADD", "c1", pod, "net1", conf, &res2), 0);
	assert_true(json_equal(json_object_get(res, "ips"), json_object_get(res2, "ips")));
	assert_int_equal(leases_held(), 8);
	/* CHECK passes, then fails once someone deletes a rail's default route */
	assert_int_equal(ht_cni("CHECK", "c1", pod, "net1", conf, NULL), 0);
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %s route del default table 103", pod), 0);
	assert_int_not_equal(ht_cni("CHECK", "c1", pod, "net1", conf, NULL), 0);
	/* DEL leaves nothing; a second DEL is fine */
	assert_int_equal(ht_cni("DEL", "c1", pod, "net1", conf, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_int_equal(leases_held(), 0);
	assert_int_equal(leases_count(true), 0);
	assert_int_equal(ht_cni("DEL", "c1", pod, "net1", conf, NULL), 0);
	json_decref(res);
	json_decref(res2);
	ht_pod_del(pod);
}

static void test_del_after_netns_gone(void **st)
{
	char pod[32];
	const char *conf = conf_rails(NULL);

	(void)st;
	snprintf(pod, sizeof(pod), "%sp2", ht_prefix);
	ht_pod_add(pod, 2);
	assert_int_equal(ht_cni("ADD", "c2", pod, "net1", conf, NULL), 0);
	assert_int_equal(leases_held(), 8);
	ht_pod_del(pod);
	/* as ctr does: DEL after the netns is gone */
	assert_int_equal(ht_cni("DEL", "c2", pod, "net1", conf, NULL), 0);
	assert_int_equal(leases_held(), 0);
	/* and with an empty CNI_NETNS */
	assert_int_equal(ht_cni("DEL", "c2", "", "net1", conf, NULL), 0);
}

/* Rail 5 asks for an MTU above its master's: refused before anything is touched. */
static void test_fail_rail5_mtu(void **st)
{
	char pod[32];
	json_t *res = NULL;
	const char *conf = conf_rails("{\"cniType\":\"macvlan\",\"master\":\"enp15s0f0np0\",\"mtu\":9000,"
				      "\"ippools\":{\"ipv4\":[\"gpu5-net15\"]}}");

	(void)st;
	snprintf(pod, sizeof(pod), "%sp3", ht_prefix);
	ht_pod_add(pod, 3);
	assert_int_not_equal(ht_cni("ADD", "c3", pod, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 103);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "net5"));
	ht_assert_pod_clean(pod);
	assert_int_equal(leases_held(), 0);
	json_decref(res);
	ht_pod_del(pod);
}

/* The pod already has an interface named net5: the kernel refuses rail 5 mid-transaction;
 * everything done for the other rails is undone and no lease survives. */
static void test_fail_rail5_kernel(void **st)
{
	char pod[32];
	json_t *res = NULL, *links, *l, *rules;
	const char *conf = conf_rails(NULL);
	size_t i;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp4", ht_prefix);
	ht_pod_add(pod, 4);
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %s link add net5 type veth peer name x5", pod), 0);
	assert_int_not_equal(ht_cni("ADD", "c4", pod, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "net5"));
	links = ht_ipj(pod, "link show");
	json_array_foreach(links, i, l) {
		const char *n = json_string_value(json_object_get(l, "ifname"));
		assert_true(!strcmp(n, "lo") || !strcmp(n, "eth0") || !strcmp(n, "net5") || !strcmp(n, "x5"));
		if (!strcmp(n, "net5")) /* the pre-existing one, untouched */
			assert_string_equal(json_string_value(json_object_get(l, "link_type")), "ether");
	}
	rules = ht_ipj(pod, "rule show");
	json_array_foreach(rules, i, l) {
		const char *t = json_string_value(json_object_get(l, "table"));
		assert_true(!strcmp(t, "local") || !strcmp(t, "main") || !strcmp(t, "default"));
	}
	assert_int_equal(leases_held(), 0);
	json_decref(links);
	json_decref(rules);
	json_decref(res);
	ht_pod_del(pod);
}

/* Rail 5's pool runs out in the middle of a pod: code 100 naming the pool, nothing left. */
static void test_fail_rail5_exhausted(void **st)
{
	char pod5[32], pod6[32];
	json_t *res = NULL;
	const char *conf = conf_rails("{\"cniType\":\"macvlan\",\"master\":\"enp15s0f0np0\","
				      "\"ippools\":{\"ipv4\":[\"tiny5\"]}}");

	(void)st;
	snprintf(pod5, sizeof(pod5), "%sp5", ht_prefix);
	snprintf(pod6, sizeof(pod6), "%sp6", ht_prefix);
	ht_pod_add(pod5, 5);
	ht_pod_add(pod6, 6);
	assert_int_equal(ht_cni("ADD", "c5", pod5, "net1", conf, NULL), 0); /* takes tiny5's only address */
	assert_int_equal(leases_held(), 8);
	assert_int_not_equal(ht_cni("ADD", "c6", pod6, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 100);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "tiny5"));
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "net5"));
	ht_assert_pod_clean(pod6);
	assert_int_equal(leases_held(), 8); /* only c5's */
	assert_int_equal(ht_cni("DEL", "c5", pod5, "net1", conf, NULL), 0);
	assert_int_equal(leases_held(), 0);
	json_decref(res);
	ht_pod_del(pod5);
	ht_pod_del(pod6);
}

/* Single-rail mode (Multus: one network config per rail): the rail number comes from
 * CNI_IFNAME, and DEL of one rail leaves the pod's other rails alone. */
static void test_single_rail(void **st)
{
	char pod[32], c3[512], c5[512];
	json_t *rules, *r, *links;
	size_t i;
	bool r3 = false, r5 = false;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp7", ht_prefix);
	ht_pod_add(pod, 7);
	snprintf(c3, sizeof(c3), "{\"cniVersion\":\"1.0.0\",\"name\":\"gpu3\",\"type\":\"railpool\","
		 "\"rails\":[{\"network\":\"spiderpool/gpu3-macvlan\"}]}");
	snprintf(c5, sizeof(c5), "{\"cniVersion\":\"1.0.0\",\"name\":\"gpu5\",\"type\":\"railpool\","
		 "\"rails\":[{\"network\":\"spiderpool/gpu5-macvlan\"}]}");
	assert_int_equal(ht_cni("ADD", "c7", pod, "net3", c3, NULL), 0);
	assert_int_equal(ht_cni("ADD", "c7", pod, "net5", c5, NULL), 0);
	rules = ht_ipj(pod, "rule show");
	json_array_foreach(rules, i, r) {
		const char *t = json_string_value(json_object_get(r, "table"));
		json_int_t prio = json_integer_value(json_object_get(r, "priority"));
		if (t && !strcmp(t, "102")) {
			r3 = true;
			assert_int_equal(prio, 32702);
		}
		if (t && !strcmp(t, "104")) {
			r5 = true;
			assert_int_equal(prio, 32704);
		}
	}
	assert_true(r3 && r5);
	json_decref(rules);
	assert_int_equal(ht_cni("DEL", "c7", pod, "net3", c3, NULL), 0);
	links = ht_ipj(pod, "link show");
	assert_null(ht_find_link(links, "net3"));
	assert_non_null(ht_find_link(links, "net5"));
	json_decref(links);
	assert_int_equal(leases_held(), 1);
	assert_int_equal(ht_cni("DEL", "c7", pod, "net5", c5, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_int_equal(leases_held(), 0);
	ht_pod_del(pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_check_del),
		cmocka_unit_test(test_del_after_netns_gone),
		cmocka_unit_test(test_fail_rail5_mtu),
		cmocka_unit_test(test_fail_rail5_kernel),
		cmocka_unit_test(test_fail_rail5_exhausted),
		cmocka_unit_test(test_single_rail),
	};

	if (geteuid() != 0) {
		printf("SKIP: the rails pipeline test needs root (network namespaces, macvlan)\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("attach", tests, setup, teardown);
}
