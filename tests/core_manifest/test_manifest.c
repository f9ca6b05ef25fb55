/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest loading and validation: every seed file, the seeds' invalid examples, the complete
 * 8-rail sets, each validation rule, the blob round trip and the store configuration. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

static int setup(void **st)
{
	(void)st;
	h_capture();
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	rp_log_set_hook(NULL, NULL);
	return 0;
}

static void load_ok(struct rp_model *m, const char *rel)
{
	struct rp_err e = { 0 };
	int rc = rp_manifest_load_file(m, h_data(rel), &e);

	if (rc)
		fail_msg("%s: %d %s", rel, rc, e.msg);
}

static void t_seed_macvlan(void **st)
{
	struct rp_model m;
	struct rp_err e;

	(void)st;
	rp_model_init(&m);
	h_capture();
	load_ok(&m, "seed-macvlan/gpu1.yaml");
	assert_int_equal(m.npools, 1);
	assert_int_equal(m.nnets, 1);
	const struct rp_model_pool *p = h_pool(&m, "gpu1-net11");
	assert_non_null(p);
	assert_int_equal(p->family, 4);
	assert_string_equal(h_fmt_cidr(&p->subnet), "172.16.0.0/16");
	/* The seed's 172.16.11.0/16 is normalised with a warning naming file, document and field. */
	assert_true(h_logged("seed-macvlan/gpu1.yaml: document 1 (SpiderIPPool gpu1-net11)", "spec.subnet",
			     "172.16.0.0/16"));
	assert_true(p->has_gateway);
	assert_string_equal(h_fmt_addr(&p->gateway), "172.16.11.254");
	assert_int_equal(p->nips, 1);
	assert_string_equal(h_fmt_range(&p->ips[0]), "172.16.11.1-172.16.11.200");
	const struct rp_model_net *n = h_net(&m, "gpu1-macvlan");
	assert_non_null(n);
	assert_string_equal(n->ns, "spiderpool");
	assert_int_equal(n->cni_type, RP_CNI_MACVLAN);
	assert_string_equal(n->master, "enp11s0f0np0");
	assert_string_equal(n->rdma_resource, "spidernet.io/shared_cx5_gpu1");
	assert_int_equal(n->nv4, 1);
	assert_string_equal(n->v4[0], "gpu1-net11");
	assert_int_equal(n->mtu, 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-macvlan/gpu1-macvlan-mtu.yaml");
	assert_int_equal(m.nnets, 1);
	assert_int_equal(m.nets[0].mtu, 1480);
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-macvlan/rdma-shared-config.json");
	assert_int_equal(m.nrdma, 2);
	assert_string_equal(m.rdma[0].prefix, "spidernet.io");
	assert_string_equal(m.rdma[0].name, "shared_cx5_gpu1");
	assert_int_equal(m.rdma[0].hca_max, 100);
	assert_int_equal(m.rdma[0].nifnames, 1);
	assert_string_equal(m.rdma[0].ifnames[0], "enp11s0f0np0");
	assert_string_equal(m.rdma[1].name, "shared_cx5_gpu8");
	assert_string_equal(m.rdma[1].ifnames[0], "enp18s0f0np0");
	rp_model_free(&m);

	/* Webhook example: enableRdma and rdmaResourceName inside macvlan:, ippools at spec level. */
	rp_model_init(&m);
	h_capture();
	load_ok(&m, "seed-macvlan/inject-gpu1.yaml");
	n = h_net(&m, "gpu1-sriov");
	assert_non_null(n);
	assert_int_equal(n->cni_type, RP_CNI_MACVLAN);
	assert_true(n->rdma);
	assert_string_equal(n->rdma_resource, "spidernet.io/gpu1rdma");
	assert_string_equal(n->inject_rdma, "rdma-network");
	assert_int_equal(n->nv4, 1);
	assert_string_equal(n->v4[0], "gpu1-net11");
	assert_int_equal(rp_model_validate(&m, &e), 0);
	/* Nothing in the seeds is an unknown field. */
	assert_false(h_logged("unknown field", NULL, NULL));
	rp_model_free(&m);
}

static void t_seed_sriov(void **st)
{
	struct rp_model m;
	struct rp_err e;

	(void)st;
	rp_model_init(&m);
	h_capture();
	load_ok(&m, "seed-sriov-roce/policy-eno3np2.yaml");
	assert_int_equal(m.npolicies, 1);
	const struct rp_model_policy *p = &m.policies[0];
	assert_string_equal(p->name, "eno3np2");
	assert_string_equal(p->ns, "spiderpool");
	assert_string_equal(p->resource, "eno3np2");
	assert_int_equal(p->num_vfs, 12);
	assert_int_equal(p->npfs, 1);
	assert_string_equal(p->pfs[0].name, "eno3np2");
	assert_int_equal(p->pfs[0].first, -1);
	assert_int_equal(p->priority, 99);
	assert_true(p->is_rdma);
	assert_string_equal(p->link_type, "eth");
	assert_string_equal(p->device_type, "netdevice");
	assert_int_equal(rp_model_policy_slots(p), 12);
	rp_model_free(&m);

	/* The heredoc as printed, before the shell expands it: refused on the first bad field. */
	rp_model_init(&m);
	assert_int_equal(rp_manifest_load_file(&m, h_data("seed-sriov-roce/policy-eno3np2.template.yaml"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "policy-eno3np2.template.yaml: document 1 (SriovNetworkNodePolicy"));
	assert_non_null(strstr(e.msg, "metadata.name = \"${NIC_NAME}\""));
	assert_true(m.nproblems >= 2);
	int found = 0;
	for (uint32_t i = 0; i < m.nproblems; i++)
		found |= strstr(m.problems[i], "spec.numVfs = \"${VF_NUM}\"") != NULL;
	assert_true(found);
	assert_int_equal(m.npolicies, 0);
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-sriov-roce/shared-subnet-eno3np2.yaml");
	const struct rp_model_net *n = h_net(&m, "eno3np2");
	assert_non_null(n);
	assert_int_equal(n->cni_type, RP_CNI_SRIOV);
	assert_string_equal(n->resource, "spidernet.io/eno3np2");
	assert_true(n->rdma);
	assert_string_equal(n->v4[0], "eno3np2");
	assert_non_null(h_pool(&m, "eno3np2"));
	assert_int_equal(rp_model_validate(&m, &e), 0);
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-sriov-roce/exclusive-smc-eno3np1.yaml");
	load_ok(&m, "seed-sriov-roce/exclusive-smc-eno3np2.yaml");
	n = h_net(&m, "sriov-eno3np1");
	assert_non_null(n);
	assert_string_equal(n->ns, "kube-system");
	assert_string_equal(n->resource, "spidernet.io/eno3np1");
	assert_true(n->rdma); /* rdmaIsolation */
	assert_int_equal(n->mtu, 4200);
	assert_int_equal(n->nv4, 1);
	assert_string_equal(n->v4[0], "eno3np1-rail1*");
	assert_true(n->match_master_subnet);
	n = h_net(&m, "sriov-eno3np2");
	assert_true(n->rdma); /* enableRdma, the older spelling */
	assert_string_equal(n->v4[0], "eno3np2-rail2*");
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-sriov-roce/inject-gpu1.yaml");
	n = h_net(&m, "gpu1-sriov");
	assert_string_equal(n->resource, "spidernet.io/gpu1sriov");
	assert_string_equal(n->inject_rdma, "rdma-network");
	assert_string_equal(n->v4[0], "gpu1-net11");
	rp_model_free(&m);

	rp_model_init(&m);
	load_ok(&m, "seed-sriov-roce/gpu1-sriov-mtu.yaml");
	assert_int_equal(m.nets[0].mtu, 8000);
	rp_model_free(&m);
	assert_false(h_logged("unknown field", NULL, NULL));
}

/* The seed's rail-1 pool: ips 172.16.1.2-172.16.1.32 in 172.16.1.0/27 (.0-.31). */
static void t_seed_invalid_rail1(void **st)
{
	struct rp_model m;
	struct rp_err e;

	(void)st;
	rp_model_init(&m);
	assert_int_equal(rp_manifest_load_file(&m, h_data("seed-sriov-roce/exclusive-rail1-node1.yaml"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "seed-sriov-roce/exclusive-rail1-node1.yaml: document 1"));
	assert_non_null(strstr(e.msg, "SpiderIPPool eno3np1-rail1-node1"));
	assert_non_null(strstr(e.msg, "spec.ips[0] = \"172.16.1.2-172.16.1.32\""));
	assert_non_null(strstr(e.msg, "172.16.1.0/27 (172.16.1.0..172.16.1.31)"));
	assert_int_equal(m.nproblems, 1);
	assert_int_equal(m.npools, 0); /* nothing of a failing document is loaded */
	rp_model_free(&m);
}

/* Rails 2..8: every range runs one past its /27; rail 8 ends at 172.16.1.256. */
static void t_seed_invalid_rails(void **st)
{
	struct rp_model m;
	struct rp_err e;
	char want[128];

	(void)st;
	rp_model_init(&m);
	assert_int_equal(rp_manifest_load_file(&m, h_data("seed-sriov-roce/exclusive-rails2-8-node1.yaml"), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "(and 6 more problems)"));
	assert_int_equal(m.nproblems, 7);
	assert_int_equal(m.npools, 0);
	for (int n = 2; n <= 8; n++) {
		const char *msg = m.problems[n - 2];
		int base = 32 * (n - 1);

		snprintf(want, sizeof(want), "exclusive-rails2-8-node1.yaml: document %d (SpiderIPPool eno3np%d-rail%d-node1)",
			 n - 1, n, n);
		assert_non_null(strstr(msg, want));
		snprintf(want, sizeof(want), "spec.ips[0] = \"172.16.1.%d-172.16.1.%d\"", base + 2, base + 32);
		assert_non_null(strstr(msg, want));
		if (n < 8) {
			snprintf(want, sizeof(want), "runs outside spec.subnet 172.16.1.%d/27", base);
			assert_non_null(strstr(msg, want));
		} else {
			assert_non_null(strstr(msg, "range end: 256 is not an IPv4 octet (0..255)"));
		}
	}
	rp_model_free(&m);
}

static void t_macvlan_8rail(void **st)
{
	static const char *const files[] = { "macvlan-8rail/gpu1.yaml", "macvlan-8rail/gpu2.yaml", "macvlan-8rail/gpu3.yaml",
					     "macvlan-8rail/gpu4.yaml", "macvlan-8rail/gpu5.yaml", "macvlan-8rail/gpu6.yaml",
					     "macvlan-8rail/gpu7.yaml", "macvlan-8rail/gpu8.yaml",
					     "macvlan-8rail/rdma-shared-config.json", NULL };
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_store s;

	(void)st;
	rp_model_init(&m);
	assert_int_equal(h_load(&m, &e, files), 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(m.npools, 8);
	assert_int_equal(m.nnets, 8);
	assert_int_equal(m.nrdma, 8);
	for (uint32_t i = 0; i < 8; i++) {
		char name[32];

		/* All eight share 172.16.0.0/16 without overlapping. */
		assert_string_equal(h_fmt_cidr(&m.pools[i].subnet), "172.16.0.0/16");
		snprintf(name, sizeof(name), "gpu%u-net1%u", i + 1, i + 1);
		assert_string_equal(m.pools[i].name, name); /* sorted by name */
		snprintf(name, sizeof(name), "enp1%us0f0np0", i + 1);
		assert_string_equal(m.nets[i].master, name);
	}
	assert_int_equal(rp_model_store_build(&m, "node1", &s, &e), 0);
	assert_int_equal(s.cfg.npools, 16);
	assert_string_equal(s.cfg.pools[0].name, "gpu1-net11");
	assert_int_equal(s.cfg.pools[0].family, RP_FAM_V4);
	assert_int_equal(s.cfg.pools[0].nranges, 1);
	assert_int_equal(s.cfg.pools[0].ranges[0].lo.b[2], 11);
	assert_int_equal(s.cfg.pools[0].ranges[0].hi.b[3], 200);
	assert_string_equal(s.cfg.pools[8].name, "rdma:spidernet.io/shared_cx5_gpu1");
	assert_int_equal(s.cfg.pools[8].family, RP_FAM_SLOT);
	/* rdmaHcaMax 100: a window of 100 slots, each resource its own. */
	assert_int_equal(h_slot(&s.cfg.pools[8].ranges[0].hi) - h_slot(&s.cfg.pools[8].ranges[0].lo), 99);
	assert_int_equal(h_slot(&s.cfg.pools[8].ranges[0].lo) & 0xffff, 0);
	assert_true(h_slots_disjoint(&s.cfg));
	assert_non_null(s.cfg.blob);
	assert_true(s.cfg.blob_len > 0);
	rp_model_store_free(&s);
	rp_model_free(&m);

	/* The same config.json as a ConfigMap. */
	rp_model_init(&m);
	load_ok(&m, "macvlan-8rail/rdma-shared-configmap.yaml");
	assert_int_equal(m.nrdma, 8);
	assert_string_equal(m.rdma[7].name, "shared_cx5_gpu8");
	assert_string_equal(m.rdma[7].ifnames[0], "enp18s0f0np0");
	rp_model_free(&m);
}

static void t_sriov_sets(void **st)
{
	static const char *const shared[] = { "sriov-roce-8rail/eno3np1.yaml", "sriov-roce-8rail/eno3np2.yaml",
					      "sriov-roce-8rail/eno3np3.yaml", "sriov-roce-8rail/eno3np4.yaml",
					      "sriov-roce-8rail/eno3np5.yaml", "sriov-roce-8rail/eno3np6.yaml",
					      "sriov-roce-8rail/eno3np7.yaml", "sriov-roce-8rail/eno3np8.yaml", NULL };
	static const char *const excl[] = { "sriov-roce-exclusive/pools-node1.yaml", "sriov-roce-exclusive/pools-node2.yaml",
					    "sriov-roce-exclusive/multus-configs.yaml", "sriov-roce-exclusive/policies.yaml",
					    NULL };
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_store s;

	(void)st;
	rp_model_init(&m);
	assert_int_equal(h_load(&m, &e, shared), 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(m.npools, 8);
	assert_int_equal(m.nnets, 8);
	assert_int_equal(m.npolicies, 8);
	assert_int_equal(rp_model_store_build(&m, "node1", &s, &e), 0);
	assert_int_equal(s.cfg.npools, 16);
	assert_string_equal(s.cfg.pools[8].name, "vf:eno3np1");
	assert_int_equal(s.cfg.pools[8].family, RP_FAM_SLOT);
	assert_int_equal(h_slot(&s.cfg.pools[8].ranges[0].hi) - h_slot(&s.cfg.pools[8].ranges[0].lo), 11); /* numVfs 12 */
	assert_true(h_slots_disjoint(&s.cfg));
	/* The blob records each window for the CNI (slot - slot_base = VF slot of the policy). */
	{
		struct rp_model_view v;
		assert_int_equal(rp_model_view_init(&v, s.cfg.blob, s.cfg.blob_len, &e), 0);
		const struct rp_blob_policy *bp = rp_model_view_policy_find(&v, "spidernet.io/eno3np1");
		assert_non_null(bp);
		assert_int_equal(bp->slot_base, h_slot(&s.cfg.pools[8].ranges[0].lo));
	}
	/* Windows depend on names, not on manifest order: load in reverse, same bases. */
	uint32_t base1 = h_slot(&s.cfg.pools[8].ranges[0].lo);
	rp_model_store_free(&s);
	rp_model_free(&m);
	rp_model_init(&m);
	for (int i = 7; i >= 0; i--)
		load_ok(&m, shared[i]);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(rp_model_store_build(&m, "node1", &s, &e), 0);
	assert_string_equal(s.cfg.pools[8].name, "vf:eno3np1");
	assert_int_equal(h_slot(&s.cfg.pools[8].ranges[0].lo), base1);
	rp_model_store_free(&s);
	rp_model_free(&m);

	rp_model_init(&m);
	assert_int_equal(h_load(&m, &e, excl), 0);
	if (rp_model_validate(&m, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(m.npools, 16);
	assert_int_equal(m.nnets, 8);
	const struct rp_model_pool *p = h_pool(&m, "eno3np8-rail8-node2");
	assert_non_null(p);
	assert_string_equal(h_fmt_cidr(&p->subnet), "172.16.2.224/27");
	assert_string_equal(h_fmt_range(&p->ips[0]), "172.16.2.226-172.16.2.254");
	assert_int_equal(p->nroutes, 1);
	assert_string_equal(h_fmt_cidr(&p->routes[0].dst), "172.16.0.0/16");
	assert_string_equal(h_fmt_addr(&p->routes[0].gw), "172.16.2.225");
	rp_model_free(&m);
}

/* Load @yaml and expect it refused with every string of @want in one problem. */
static void expect_problem(const char *yaml, const char *w1, const char *w2, const char *w3)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	int rc, found = 0;

	rp_model_init(&m);
	rc = rp_manifest_load_buf(&m, "t.yaml", yaml, strlen(yaml), &e);
	if (!rc)
		rc = rp_model_validate(&m, &e);
	if (rc != -EINVAL)
		fail_msg("expected a problem with \"%s\", got rc %d\n%s", w1, rc, yaml);
	for (uint32_t i = 0; i < m.nproblems; i++)
		found |= strstr(m.problems[i], w1) && (!w2 || strstr(m.problems[i], w2)) &&
			 (!w3 || strstr(m.problems[i], w3));
	if (!found)
		fail_msg("no problem contains \"%s\" / \"%s\" / \"%s\"; first: %s", w1, w2 ? w2 : "", w3 ? w3 : "",
			 m.nproblems ? m.problems[0] : "(none)");
	rp_model_free(&m);
}

static void expect_ok(const char *yaml)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	int rc;

	rp_model_init(&m);
	rc = rp_manifest_load_buf(&m, "t.yaml", yaml, strlen(yaml), &e);
	if (!rc)
		rc = rp_model_validate(&m, &e);
	if (rc)
		fail_msg("rc %d: %s\n%s", rc, e.msg, yaml);
	rp_model_free(&m);
}

#define POOL(name, body)                                                                           \
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata:\n  name: " name  \
	"\nspec:\n" body
#define SMC(name, body)                                                                            \
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderMultusConfig\nmetadata:\n  name: " name \
	"\n  namespace: ns1\nspec:\n" body

static void t_validation_rules(void **st)
{
	(void)st;
	expect_ok(POOL("p", "  subnet: 10.0.0.0/24\n  gateway: 10.0.0.1\n  ips: [10.0.0.2-10.0.0.9, 10.0.0.20]\n"
			    "  excludeIPs: [10.0.0.5]\n  routes:\n  - dst: 10.1.0.0/16\n    gw: 10.0.0.1\n"));
	/* Gateway allocatable, unless excluded. */
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  gateway: 10.0.0.5\n  ips: [10.0.0.2-10.0.0.9]\n"),
		       "(SpiderIPPool p): spec.gateway = \"10.0.0.5\"", "allocatable", "spec.ips[0]");
	expect_ok(POOL("p", "  subnet: 10.0.0.0/24\n  gateway: 10.0.0.5\n  ips: [10.0.0.2-10.0.0.9]\n  excludeIPs: [10.0.0.5]\n"));
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  gateway: 10.0.1.1\n  ips: [10.0.0.2]\n"),
		       "spec.gateway = \"10.0.1.1\"", "not inside spec.subnet 10.0.0.0/24", NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n  routes:\n  - to: 0.0.0.0/0\n    via: 10.0.0.1\n"),
		       "spec.routes[0].to = \"0.0.0.0/0\"", "use spec.gateway", NULL);
	expect_problem(POOL("p", "  subnet: fd00::/64\n  ips: [fd00::2]\n  routes:\n  - to: ::/0\n    via: fd00::1\n"),
		       "spec.routes[0].to = \"::/0\"", "use spec.gateway", NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n  routes:\n  - to: 10.9.0.0/16\n    via: 10.0.9.1\n"),
		       "spec.routes[0].via = \"10.0.9.1\"", "on-link", NULL);
	expect_problem(POOL("p", "  ipVersion: 6\n  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n"), "spec.ipVersion = \"6\"",
		       "disagrees", NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n  excludeIPs: [10.0.1.2]\n"),
		       "spec.excludeIPs[0] = \"10.0.1.2\"", NULL, NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.9-10.0.0.2]\n"), "spec.ips[0] = \"10.0.0.9-10.0.0.2\"",
		       "above its end", NULL);
	expect_problem(POOL("p", "  ips: [10.0.0.2]\n"), "spec.subnet", "missing", NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [fd00::1]\n"), "spec.ips[0] = \"fd00::1\"", "IPv6", NULL);
	/* Overlap between two pools of one node: both named. */
	expect_problem(POOL("a", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2-10.0.0.20]\n") "---\n"
		       POOL("b", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.20-10.0.0.30]\n"),
		       "(SpiderIPPool b): spec.ips[0] = \"10.0.0.20-10.0.0.30\"", "SpiderIPPool a", "overlaps");
	/* A gateway another pool of the node would allocate. */
	expect_problem(POOL("a", "  subnet: 10.0.0.0/16\n  gateway: 10.0.1.1\n  ips: [10.0.0.2-10.0.0.20]\n") "---\n"
		       POOL("b", "  subnet: 10.0.0.0/16\n  ips: [10.0.1.1-10.0.1.30]\n"),
		       "(SpiderIPPool a): spec.gateway = \"10.0.1.1\"", "allocatable in SpiderIPPool b", "spec.ips[0] = \"10.0.1.1-10.0.1.30\"");
	expect_ok(POOL("a", "  subnet: 10.0.0.0/16\n  gateway: 10.0.1.1\n  ips: [10.0.0.2-10.0.0.20]\n") "---\n"
		  POOL("b", "  subnet: 10.0.0.0/16\n  ips: [10.0.1.1-10.0.1.30]\n  excludeIPs: [10.0.1.1]\n"));
	/* ...but pools of two different nodes may reuse addresses. */
	expect_ok(POOL("a", "  nodeName: n1\n  subnet: 10.0.0.0/24\n  ips: [10.0.0.2-10.0.0.20]\n") "---\n"
		  POOL("b", "  nodeName: n2\n  subnet: 10.0.0.0/24\n  ips: [10.0.0.20-10.0.0.30]\n"));
	expect_problem(POOL("a", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n") "---\n"
		       POOL("a", "  subnet: 10.0.1.0/24\n  ips: [10.0.1.2]\n"),
		       "document 2 (SpiderIPPool a): metadata.name = \"a\"", "unique", NULL);
	expect_problem(POOL("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			    "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n"),
		       "metadata.name", "at most 63", NULL);
	expect_problem(POOL("\"\"", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n"), "metadata.name", "empty", NULL);
	expect_problem(POOL("pool*", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n"), "metadata.name = \"pool*\"",
		       "not allowed", NULL);
	expect_problem(POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n  default: yes\n"), "spec.default = \"yes\"",
		       "true or false", NULL);

	/* SpiderMultusConfig rules. */
	static const char base_pool[] = POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n") "---\n";
	expect_ok(SMC("m", "  cniType: macvlan\n  macvlan:\n    master: [eth1]\n    vlanID: 4094\n    mtu: 9000\n    ippools:\n      ipv4: [p]\n"));
	expect_problem(SMC("m", "  cniType: ipvlan\n  ipvlan:\n    master: [eth1]\n"), "spec.cniType = \"ipvlan\"",
		       "cniType ipvlan is not supported on this node", NULL);
	expect_problem(SMC("m", "  cniType: ib-sriov\n"), "cniType ib-sriov is not supported on this node", NULL, NULL);
	expect_problem(SMC("m", "  cniType: ipoib\n"), "cniType ipoib is not supported on this node", NULL, NULL);
	expect_problem(SMC("m", "  cniType: custom\n"), "cniType custom is not supported on this node", NULL, NULL);
	expect_problem(SMC("m", "  cniType: bridge\n"), "spec.cniType = \"bridge\"", "unknown", NULL);
	expect_problem(SMC("m", "  cniType: macvlan\n  macvlan:\n    master: [eth1, eth2]\n    ippools: {ipv4: [p]}\n"),
		       "(SpiderMultusConfig ns1/m): spec.macvlan.master", "exactly one", NULL);
	expect_problem(SMC("m", "  cniType: macvlan\n  macvlan:\n    master: [eth1]\n    vlanID: 4095\n    ippools: {ipv4: [p]}\n"),
		       "spec.macvlan.vlanID = \"4095\"", "0..4094", NULL);
	expect_problem(SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    mtu: 10\n    ippools: {ipv4: [p]}\n"),
		       "spec.sriov.mtu = \"10\"", "68", NULL);
	expect_problem(SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    mtu: 70000\n    ippools: {ipv4: [p]}\n"),
		       "spec.sriov.mtu = \"70000\"", NULL, NULL);
	/* No pool referenced: allowed only when a default pool exists. */
	expect_problem(SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n"), "spec.sriov.ippools",
		       "default: true", NULL);
	expect_ok(POOL("d", "  default: true\n  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n") "---\n"
		  SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n"));
	/* An exact reference to a pool of the other family. */
	expect_problem(POOL("p6", "  subnet: fd00::/64\n  ips: [fd00::2]\n") "---\n"
		       SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    ippools: {ipv4: [p6]}\n"),
		       "spec.sriov.ippools.ipv4[0] = \"p6\"", "IPv6", NULL);
	expect_problem(SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    ippools: {ipv4: [p]}\n") "---\n"
		       SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    ippools: {ipv4: [p]}\n"),
		       "another SpiderMultusConfig in namespace ns1", NULL, NULL);
	(void)base_pool;

	/* SriovNetworkNodePolicy rules. */
	expect_problem("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\nmetadata: {name: x}\n"
		       "spec:\n  resourceName: r\n  numVfs: 12\n  nicSelector: {pfNames: [\"eno3np2#0-15\"]}\n",
		       "spec.nicSelector.pfNames[0] = \"eno3np2#0-15\"", "numVfs is 12", NULL);
	expect_problem("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\nmetadata: {name: x}\n"
		       "spec:\n  resourceName: r\n  numVfs: 12\n  nicSelector: {pfNames: [\"eno3np2#7-3\"]}\n",
		       "eno3np2#7-3", "above", NULL);
	expect_problem("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\nmetadata: {name: x}\n"
		       "spec:\n  numVfs: 12\n  nicSelector: {pfNames: [eno3np2]}\n  linkType: roce\n",
		       "spec.linkType = \"roce\"", NULL, NULL);
	expect_problem("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\nmetadata: {name: x}\n"
		       "spec:\n  numVfs: 12\n  nicSelector: {pfNames: [eno3np2]}\n",
		       "spec.resourceName", "missing", NULL);
	/* rdma shared config rules. */
	expect_problem("{\"configList\": [{\"resourceName\": \"r\"}]}", "configList[0].rdmaHcaMax", "missing", NULL);
	expect_problem("{\"configList\": [{\"resourceName\": \"r\", \"rdmaHcaMax\": 0}]}", "configList[0].rdmaHcaMax = \"0\"",
		       NULL, NULL);

	/* Syntax errors carry line and column. */
	expect_problem("kind: SpiderIPPool\nmetadata:\n  name: [unclosed\n", "t.yaml: document 1: YAML syntax error at line",
		       NULL, NULL);
}

/* A file with one bad document loads nothing, not even its good documents. */
static void t_file_all_or_nothing(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	const char *y = POOL("good", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n") "---\n"
		SMC("m", "  cniType: macvlan\n  macvlan: {master: [eth1], ippools: {ipv4: [good]}}\n") "---\n"
		POOL("bad", "  subnet: 10.0.1.0/24\n  ips: [10.0.1.300]\n");

	(void)st;
	rp_model_init(&m);
	load_ok(&m, "seed-macvlan/gpu1.yaml");
	assert_int_equal(rp_manifest_load_buf(&m, "mixed.yaml", y, strlen(y), &e), -EINVAL);
	assert_non_null(strstr(e.msg, "mixed.yaml: document 3 (SpiderIPPool bad): spec.ips[0] = \"10.0.1.300\""));
	assert_int_equal(m.npools, 1); /* gpu1-net11 from the earlier file only */
	assert_int_equal(m.nnets, 1);
	assert_string_equal(m.pools[0].name, "gpu1-net11");
	rp_model_free(&m);
}

static void t_json_and_lists(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	const char *json = "{\"apiVersion\":\"spiderpool.spidernet.io/v2beta1\",\"kind\":\"SpiderIPPool\","
			   "\"metadata\":{\"name\":\"j\"},\"spec\":{\"subnet\":\"fd00::/120\",\"ips\":[\"fd00::10-fd00::20\"],"
			   "\"gateway\":\"fd00::1\",\"ipVersion\":6}}";
	const char *list = "apiVersion: v1\nkind: List\nitems:\n- " "apiVersion: spiderpool.spidernet.io/v2beta1\n"
			   "  kind: SpiderIPPool\n  metadata: {name: l1}\n  spec: {subnet: 10.0.0.0/24, ips: [10.0.0.1]}\n"
			   "- apiVersion: v1\n  kind: Namespace\n  metadata: {name: x}\n";

	(void)st;
	rp_model_init(&m);
	h_capture();
	assert_int_equal(rp_manifest_load_buf(&m, "j.json", json, strlen(json), &e), 0);
	assert_int_equal(m.npools, 1);
	assert_int_equal(m.pools[0].family, 6);
	assert_string_equal(h_fmt_range(&m.pools[0].ips[0]), "fd00::10-fd00::20");
	assert_int_equal(rp_manifest_load_buf(&m, "l.yaml", list, strlen(list), &e), 0);
	assert_int_equal(m.npools, 2);
	/* Other kinds are skipped with a warning. */
	assert_true(h_logged("l.yaml", "Namespace", "skipped"));
	assert_int_equal(rp_model_validate(&m, &e), 0);
	rp_model_free(&m);
}

static void t_unknown_fields_warn(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	const char *y = POOL("p", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n  gatway: 10.0.0.1\n  vlan: 5\n") "---\n"
		SMC("m", "  cniType: sriov\n  sriov:\n    resourceName: r\n    ippools: {ipv4: [p], ipv5: [q]}\n");

	(void)st;
	rp_model_init(&m);
	h_capture();
	assert_int_equal(rp_manifest_load_buf(&m, "w.yaml", y, strlen(y), &e), 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_true(h_logged("w.yaml: document 1 (SpiderIPPool p)", "spec.gatway", "unknown field"));
	assert_true(h_logged("w.yaml: document 1 (SpiderIPPool p)", "spec.vlan", "ignored"));
	assert_true(h_logged("w.yaml: document 2 (SpiderMultusConfig ns1/m)", "spec.sriov.ippools.ipv5", "unknown field"));
	assert_true(m.nwarnings >= 3);
	rp_model_free(&m);
}

static void t_store_nodes(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_store s;
	const char *y = POOL("a", "  nodeName: node1\n  subnet: 10.0.0.0/24\n  ips: [10.0.0.2-10.0.0.9]\n  excludeIPs: [10.0.0.3]\n")
		"---\n" POOL("b", "  nodeName: node2\n  subnet: 10.0.1.0/24\n  ips: [10.0.1.2]\n")
		"---\n" POOL("c", "  disable: true\n  subnet: 10.0.2.0/24\n  ips: [10.0.2.2]\n")
		"---\napiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetworkNodePolicy\nmetadata: {name: x}\n"
		"spec:\n  resourceName: r\n  numVfs: 12\n  nodeSelector: {kubernetes.io/hostname: node2}\n"
		"  nicSelector: {pfNames: [\"eno1#0-3\", \"eno2#8-11\"]}\n";

	(void)st;
	rp_model_init(&m);
	assert_int_equal(rp_manifest_load_buf(&m, "n.yaml", y, strlen(y), &e), 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(rp_model_policy_slots(&m.policies[0]), 8);
	assert_int_equal(rp_model_store_build(&m, "node1", &s, &e), 0);
	/* a (node1) and c (disabled pools are applied, never selected); b and the node2 policy not. */
	assert_int_equal(s.cfg.npools, 2);
	assert_string_equal(s.cfg.pools[0].name, "a");
	assert_int_equal(s.cfg.pools[0].nexcl, 1);
	assert_int_equal(s.cfg.pools[0].excl[0].lo.b[3], 3);
	assert_string_equal(s.cfg.pools[1].name, "c");
	rp_model_store_free(&s);
	assert_int_equal(rp_model_store_build(&m, "node2", &s, &e), 0);
	assert_int_equal(s.cfg.npools, 3);
	assert_string_equal(s.cfg.pools[2].name, "vf:r");
	assert_int_equal(h_slot(&s.cfg.pools[2].ranges[0].hi) - h_slot(&s.cfg.pools[2].ranges[0].lo), 7);
	rp_model_store_free(&s);
	rp_model_free(&m);
}

static void t_blob_roundtrip(void **st)
{
	static const char *const files[] = { "sriov-roce-exclusive/pools-node1.yaml", "sriov-roce-exclusive/pools-node2.yaml",
					     "sriov-roce-exclusive/multus-configs.yaml", "sriov-roce-exclusive/policies.yaml",
					     "macvlan-8rail/rdma-shared-config.json", NULL };
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_view v;
	void *blob;
	uint32_t len;

	(void)st;
	rp_model_init(&m);
	assert_int_equal(h_load(&m, &e, files), 0);
	/* A pool with everything, IPv6 too. */
	const char *y = POOL("v6", "  subnet: fd00::/64\n  gateway: fd00::1\n  default: true\n  nodeName: node1\n"
				   "  ips: [fd00::10-fd00::20, fd00::30]\n  excludeIPs: [fd00::15]\n"
				   "  routes: [{to: \"fd01::/64\", via: \"fd00::1\"}]\n");
	assert_int_equal(rp_manifest_load_buf(&m, "v6.yaml", y, strlen(y), &e), 0);
	assert_int_equal(rp_model_validate(&m, &e), 0);
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	assert_int_equal(rp_model_view_npools(&v), m.npools);
	assert_int_equal(rp_model_view_nnets(&v), m.nnets);
	for (uint32_t i = 0; i < m.npools; i++) {
		const struct rp_model_pool *p = &m.pools[i];
		const struct rp_blob_pool *b = &v.pools[i];
		struct rp_cidr c;
		struct rp_addr g;
		struct rp_range r;

		assert_string_equal(b->name, p->name);
		assert_string_equal(b->node, p->node);
		assert_int_equal(b->family, p->family);
		rp_blob_pool_subnet(b, &c);
		assert_string_equal(h_fmt_cidr(&c), h_fmt_cidr(&p->subnet));
		assert_int_equal(rp_blob_pool_gateway(b, &g), p->has_gateway);
		if (p->has_gateway)
			assert_int_equal(rp_addr_cmp(&g, &p->gateway), 0);
		assert_int_equal(b->nips, p->nips);
		for (uint32_t j = 0; j < p->nips; j++) {
			rp_blob_range_get(&v, b->ips_first + j, b->family, &r);
			assert_string_equal(h_fmt_range(&r), h_fmt_range(&p->ips[j]));
		}
		assert_int_equal(b->nexcl, p->nexcl);
		for (uint32_t j = 0; j < p->nexcl; j++) {
			rp_blob_range_get(&v, b->excl_first + j, b->family, &r);
			assert_string_equal(h_fmt_range(&r), h_fmt_range(&p->excl[j]));
		}
		assert_int_equal(b->nroutes, p->nroutes);
		for (uint32_t j = 0; j < p->nroutes; j++) {
			struct rp_cidr dst;
			struct rp_addr gw;

			rp_blob_pool_route(&v, b, j, &dst, &gw);
			assert_string_equal(h_fmt_cidr(&dst), h_fmt_cidr(&p->routes[j].dst));
			assert_string_equal(h_fmt_addr(&gw), h_fmt_addr(&p->routes[j].gw));
		}
		assert_int_equal(!!(b->flags & RP_BLOB_POOL_DEFAULT), p->is_default);
		assert_int_equal(rp_model_view_pool_find(&v, p->name), (int)i);
	}
	assert_int_equal(rp_model_view_pool_find(&v, "nope"), -ENOENT);
	const struct rp_blob_net *n = rp_model_view_net_find(&v, "kube-system", "sriov-eno3np5");
	assert_non_null(n);
	assert_int_equal(n->cni_type, RP_CNI_SRIOV);
	assert_string_equal(n->resource, "spidernet.io/eno3np5");
	assert_int_equal(n->mtu, 4200);
	assert_true(n->flags & RP_BLOB_NET_MMS);
	assert_true(n->flags & RP_BLOB_NET_RDMA);
	assert_int_equal(n->nv4, 1);
	assert_string_equal(v.refs[n->v4_first].name, "eno3np5-rail5*");
	const struct rp_blob_policy *pol = rp_model_view_policy_find(&v, "spidernet.io/eno3np5");
	assert_non_null(pol);
	assert_string_equal(pol->resource, "eno3np5");
	assert_int_equal(pol->num_vfs, 12);
	assert_string_equal(pol->pfs[0].name, "eno3np5");
	assert_null(rp_model_view_policy_find(&v, "spidernet.io/eno9"));
	assert_int_equal(v.h->nrdma, 8);
	assert_string_equal(v.rdma[3].name, "shared_cx5_gpu4");
	assert_string_equal(v.rdma[3].ifnames[0], "enp14s0f0np0");

	/* Every corruption is refused with a named check, never read. */
	struct rp_blob_hdr *h = blob;
	h->magic ^= 1;
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "magic"));
	h->magic ^= 1;
	h->major++;
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), -EPROTO);
	h->major--;
	assert_int_equal(rp_model_view_init(&v, blob, len - 8, &e), -EBADMSG);
	h->pools_off = len;
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "table"));
	h->pools_off = sizeof(*h);
	((struct rp_blob_pool *)((uint8_t *)blob + h->pools_off))[0].nips = 1u << 30;
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), -EBADMSG);
	assert_int_equal(rp_model_view_init(&v, (uint8_t *)blob + 4, len - 8, &e), -EBADMSG);
	assert_int_equal(rp_model_view_init(&v, NULL, 0, &e), 0);
	assert_int_equal(rp_model_view_npools(&v), 0);
	free(blob);
	rp_model_free(&m);

	/* Encoding sorts by itself: a model loaded but never validated still gives a valid blob. */
	rp_model_init(&m);
	const char *u = POOL("zz", "  subnet: 10.0.0.0/24\n  ips: [10.0.0.2]\n") "---\n"
		POOL("aa", "  subnet: 10.0.1.0/24\n  ips: [10.0.1.2]\n") "---\n"
		SMC("z", "  cniType: sriov\n  sriov: {resourceName: r, ippools: {ipv4: [aa]}}\n") "---\n"
		SMC("a", "  cniType: sriov\n  sriov: {resourceName: r, ippools: {ipv4: [zz]}}\n");
	assert_int_equal(rp_manifest_load_buf(&m, "u.yaml", u, strlen(u), &e), 0);
	assert_string_equal(m.pools[0].name, "zz");
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	assert_string_equal(v.pools[0].name, "aa");
	assert_string_equal(v.nets[0].name, "a");
	assert_string_equal(v.refs[v.nets[0].v4_first].name, "zz");
	free(blob);
	rp_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test_setup_teardown(t_seed_macvlan, setup, teardown),
		cmocka_unit_test_setup_teardown(t_seed_sriov, setup, teardown),
		cmocka_unit_test_setup_teardown(t_seed_invalid_rail1, setup, teardown),
		cmocka_unit_test_setup_teardown(t_seed_invalid_rails, setup, teardown),
		cmocka_unit_test_setup_teardown(t_macvlan_8rail, setup, teardown),
		cmocka_unit_test_setup_teardown(t_sriov_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(t_validation_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(t_file_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(t_json_and_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(t_unknown_fields_warn, setup, teardown),
		cmocka_unit_test_setup_teardown(t_store_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(t_blob_roundtrip, setup, teardown),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
