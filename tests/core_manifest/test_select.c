/* SPDX-License-Identifier: Apache-2.0 */
/* Pool selection over the blob view: wildcard + matchMasterSubnet on the exclusive-subnet set,
 * the documented order, nodeName, disable, default pools, and the "nothing qualifies" message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/select.h"
#include "helpers.h"

struct fx {
	struct rp_model m;
	void *blob;
	uint32_t len;
	struct rp_model_view v;
};

static int setup_excl(void **st)
{
	static const char *const files[] = { "sriov-roce-exclusive/pools-node1.yaml", "sriov-roce-exclusive/pools-node2.yaml",
					     "sriov-roce-exclusive/multus-configs.yaml", "sriov-roce-exclusive/policies.yaml",
					     NULL };
	/* Extras for the filters the seed set does not exercise. */
	static const char extra[] =
		"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: eno3np1-rail1-node3}\n"
		"spec: {nodeName: node3, subnet: 172.16.3.0/27, ips: [172.16.3.2-172.16.3.30]}\n---\n"
		"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: eno3np1-rail1-old}\n"
		"spec: {disable: true, subnet: 172.16.1.0/27, ips: [172.16.1.31]}\n---\n"
		"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: eno3np1-rail1-v6}\n"
		"spec: {subnet: \"fd00:1::/64\", ips: [\"fd00:1::2-fd00:1::ff\"]}\n---\n"
		"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: zz-default-b}\n"
		"spec: {default: true, subnet: 10.9.0.0/24, ips: [10.9.0.100-10.9.0.200]}\n---\n"
		"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: zz-default-a}\n"
		"spec: {default: true, subnet: 10.9.0.0/24, ips: [10.9.0.2-10.9.0.99]}\n";
	struct fx *f = calloc(1, sizeof(*f));
	struct rp_err e = { 0 };

	h_capture();
	rp_model_init(&f->m);
	assert_int_equal(h_load(&f->m, &e, files), 0);
	assert_int_equal(rp_manifest_load_buf(&f->m, "extra.yaml", extra, strlen(extra), &e), 0);
	if (rp_model_validate(&f->m, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(rp_model_encode(&f->m, &f->blob, &f->len, &e), 0);
	assert_int_equal(rp_model_view_init(&f->v, f->blob, f->len, &e), 0);
	*st = f;
	return 0;
}

static int teardown_excl(void **st)
{
	struct fx *f = *st;

	free(f->blob);
	rp_model_free(&f->m);
	free(f);
	rp_log_set_hook(NULL, NULL);
	return 0;
}

static struct rp_addr A(const char *s)
{
	struct rp_addr a;

	assert_int_equal(rp_addr_parse(s, &a, NULL), 0);
	return a;
}

static const char *name_of(struct fx *f, uint32_t idx)
{
	return f->v.pools[idx].name;
}

/* The seed's scheme: config sriov-eno3np2 names eno3np2-rail2*; the PF's address picks the pool
 * of this node's subnet. */
static void t_wildcard_mms(void **st)
{
	struct fx *f = *st;
	const struct rp_blob_net *n = rp_model_view_net_find(&f->v, "kube-system", "sriov-eno3np2");
	const char *refs[RP_MODEL_MAX_REFS];
	struct rp_select_req r;
	uint32_t out[8];
	struct rp_err e = { 0 };
	struct rp_addr pf[2] = { A("192.168.0.5"), A("172.16.1.40") };

	assert_non_null(n);
	rp_select_req_from_net(&f->v, n, 4, refs, &r);
	assert_int_equal(r.nrefs, 1);
	assert_true(r.match_master_subnet);
	r.node = "node1";
	r.master_addrs = pf;
	r.nmaster = 2;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 1);
	assert_string_equal(name_of(f, out[0]), "eno3np2-rail2-node1");

	pf[1] = A("172.16.2.62");
	r.node = "node2";
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 1);
	assert_string_equal(name_of(f, out[0]), "eno3np2-rail2-node2");

	/* The PF has no address in any candidate: every pool tried is named with its reason. */
	pf[1] = A("172.16.9.1");
	r.what = "rail 2 (net2)";
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "rail 2 (net2): no IPv4 pool qualifies on node node2"));
	assert_non_null(strstr(e.msg, "eno3np2-rail2-node1 (matchMasterSubnet: subnet 172.16.1.32/27 holds none"));
	assert_non_null(strstr(e.msg, "eno3np2-rail2-node2 (matchMasterSubnet: subnet 172.16.2.32/27 holds none"));

	r.nmaster = 0;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "the master has no IPv4 address"));
}

static void t_wildcard_filters(void **st)
{
	struct fx *f = *st;
	const char *refs[] = { "eno3np1-rail1*" };
	struct rp_select_req r = { .family = 4, .node = "node1", .refs = refs, .nrefs = 1 };
	uint32_t out[8];
	struct rp_err e = { 0 };

	/* Without matchMasterSubnet: node1 and node2 pools (no nodeName), sorted by name; node3's pool
	 * (nodeName node3), the disabled one and the IPv6 one are filtered. */
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 2);
	assert_string_equal(name_of(f, out[0]), "eno3np1-rail1-node1");
	assert_string_equal(name_of(f, out[1]), "eno3np1-rail1-node2");
	r.node = "node3";
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 3);
	assert_string_equal(name_of(f, out[2]), "eno3np1-rail1-node3");
	r.family = 6;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 1);
	assert_string_equal(name_of(f, out[0]), "eno3np1-rail1-v6");
	/* Too little room. */
	r.family = 4;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 2, &e), -E2BIG);

	/* Nothing left: each reason named. */
	const char *refs2[] = { "eno3np1-rail1-[n]*", "nope?" };
	struct rp_select_req r2 = { .family = 4, .node = "node9", .refs = refs2, .nrefs = 2 };
	const char *refs3[] = { "eno3np1-rail1-node3", "eno3np1-rail1-old", "eno3np1-rail1-v6", "missing" };
	struct rp_select_req r3 = { .family = 4, .node = "node1", .refs = refs3, .nrefs = 4 };
	assert_int_equal(rp_select_pools(&f->v, &r3, out, 8, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "eno3np1-rail1-node3 (nodeName node3, this node is node1)"));
	assert_non_null(strstr(e.msg, "eno3np1-rail1-old (disable: true)"));
	assert_non_null(strstr(e.msg, "eno3np1-rail1-v6 (IPv6, not IPv4)"));
	assert_non_null(strstr(e.msg, "missing (no such pool)"));
	r2.node = "node3";
	assert_int_equal(rp_select_pools(&f->v, &r2, out, 8, &e), 3);
	assert_non_null(strstr(e.msg, "missing (no such pool)")); /* e untouched on success */
	const char *refs4[] = { "nope?" };
	struct rp_select_req r4 = { .family = 4, .refs = refs4, .nrefs = 1 };
	assert_int_equal(rp_select_pools(&f->v, &r4, out, 8, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "pattern \"nope?\" matched no pool"));
}

/* Exact names first in the order written, then wildcard matches by name, no duplicates. */
static void t_order(void **st)
{
	struct fx *f = *st;
	const char *refs[] = { "eno3np5-rail5-node2", "eno3np1-rail1*", "eno3np5-rail5-node1", "eno3np1-rail1-node2",
			       "eno3np5-rail5-node2", "eno3np[1]-rail1-node?" };
	struct rp_select_req r = { .family = 4, .node = "node1", .refs = refs, .nrefs = 6 };
	uint32_t out[8];
	struct rp_err e = { 0 };

	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 4);
	assert_string_equal(name_of(f, out[0]), "eno3np5-rail5-node2");
	assert_string_equal(name_of(f, out[1]), "eno3np5-rail5-node1");
	assert_string_equal(name_of(f, out[2]), "eno3np1-rail1-node2");
	assert_string_equal(name_of(f, out[3]), "eno3np1-rail1-node1");
}

static void t_defaults(void **st)
{
	struct fx *f = *st;
	struct rp_select_req r = { .family = 4, .node = "node1" };
	uint32_t out[8];
	struct rp_err e = { 0 };

	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), 2);
	assert_string_equal(name_of(f, out[0]), "zz-default-a");
	assert_string_equal(name_of(f, out[1]), "zz-default-b");
	r.family = 6;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "zz-default-a (IPv4, not IPv6)"));
	assert_non_null(strstr(e.msg, "no IPv6 pool marked default: true qualifies"));
	r.family = 5;
	assert_int_equal(rp_select_pools(&f->v, &r, out, 8, &e), -EINVAL);
}

/* Over 1,000 pools the wildcard still finds its slice (the benchmark measures the cost). */
static void t_many_pools(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_view v;
	void *blob;
	uint32_t len, out[16];
	size_t cap = 1 << 20, n = 0;
	char *y = malloc(cap);

	(void)st;
	for (int node = 0; node < 128; node++)
		for (int rail = 1; rail <= 8; rail++)
			n += (size_t)snprintf(y + n, cap - n,
					      "---\napiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
					      "metadata: {name: eno3np%d-rail%d-node%d}\nspec: {subnet: 10.%d.%d.0/27, "
					      "ips: [10.%d.%d.2-10.%d.%d.30]}\n",
					      rail, rail, node, node, rail * 32 - 32, node, rail * 32 - 32, node, rail * 32 - 32);
	rp_model_init(&m);
	assert_int_equal(rp_manifest_load_buf(&m, "many.yaml", y, n, &e), 0);
	free(y);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(m.npools, 1024);
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	const char *refs[] = { "eno3np7-rail7*" };
	struct rp_addr pf;
	assert_int_equal(rp_addr_parse("10.77.192.9", &pf, NULL), 0);
	struct rp_select_req r = { .family = 4, .refs = refs, .nrefs = 1, .match_master_subnet = true,
				   .master_addrs = &pf, .nmaster = 1 };
	assert_int_equal(rp_select_pools(&v, &r, out, 16, &e), 1);
	assert_string_equal(v.pools[out[0]].name, "eno3np7-rail7-node77");
	free(blob);
	rp_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(t_wildcard_mms, setup_excl, teardown_excl),
		cmocka_unit_test_setup_teardown(t_wildcard_filters, setup_excl, teardown_excl),
		cmocka_unit_test_setup_teardown(t_order, setup_excl, teardown_excl),
		cmocka_unit_test_setup_teardown(t_defaults, setup_excl, teardown_excl),
		cmocka_unit_test(t_many_pools),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
