/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SR-IOV rails without root: provisioning from a SriovNetworkNodePolicy, slot -> VF mapping,
 * the allocatable view, VF exhaustion at 12 per PF through the real store (clear error, nothing
 * leaked), a busy deviceID refused, and prepare()'s refusals (deviceID, MTU, RDMA mode).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/errors.h"
#include "core/sriov.h"
#include "shm/store.h"
#include "sim/nlrec.h"
#include "sim/sysfs.h"

struct fx {
	struct rp_sim_sysfs *s;
	struct rp_sim_nlrec *r;
	char prefix[16];
	char store[128];
};

static int setup(void **state)
{
	struct rp_sim_sysfs_opts o = { .npfs = 8, .totalvfs = 127, .rdma = 1, .pf_mtu = 4200 };
	struct fx *f = calloc(1, sizeof(*f));
	struct rp_err e = { 0 };

	snprintf(f->prefix, sizeof(f->prefix), "rpt%d", getpid() % 100000);
	snprintf(f->store, sizeof(f->store), "/tmp/%s-store.shm", f->prefix);
	if (rp_sim_nlrec_new(&f->r))
		return -1;
	o.prefix = f->prefix;
	o.rec = f->r;
	if (rp_sim_sysfs_create(&o, &f->s, &e)) {
		fprintf(stderr, "sim: %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rp_sim_sysfs_destroy(f->s);
	rp_sim_nlrec_free(f->r);
	unlink(f->store);
	free(f);
	return 0;
}

static void policy(struct rp_model_policy *p, const char *res, uint32_t num_vfs)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", res);
	snprintf(p->resource, sizeof(p->resource), "%s", res);
	p->num_vfs = num_vfs;
	p->is_rdma = true;
}

static void add_pf(struct rp_model_policy *p, const char *pf, int first, int last)
{
	struct rp_model_pf *x = &p->pfs[p->npfs++];

	snprintf(x->name, sizeof(x->name), "%s", pf);
	x->first = first;
	x->last = last;
}

static void test_provision(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_model_policy p[2];
	struct rp_pf_info pf;
	struct rp_err e = { 0 };
	json_t *j;
	char *txt;

	/* the seed: eno3np2, numVfs 12, isRdma */
	policy(&p[0], "eno3np2", 12);
	add_pf(&p[0], "eno3np2", -1, -1);
	assert_int_equal(rp_sriov_provision(root, &p[0], &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 12);

	/* "#first-last" ranges across two PFs */
	policy(&p[1], "gpu34", 8);
	add_pf(&p[1], "eno3np3", 2, 5);
	add_pf(&p[1], "eno3np4", 0, 1);
	assert_int_equal(rp_sriov_provision(root, &p[1], &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);

	j = rp_sriov_allocatable_json(root, p, 2, "spidernet.io/");
	assert_non_null(j);
	txt = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(txt, "{\"spidernet.io/eno3np2\":\"12\",\"spidernet.io/gpu34\":\"6\"}");
	free(txt);
	json_decref(j);

	/* refusals: over totalvfs, a range past numVfs, a missing PF — nothing written */
	policy(&p[1], "big", 128);
	add_pf(&p[1], "eno3np5", -1, -1);
	assert_int_equal(rp_sriov_provision(root, &p[1], &e), -EINVAL);
	assert_non_null(strstr(e.msg, "numVfs 128 exceeds sriov_totalvfs 127 of PF eno3np5"));
	policy(&p[1], "rng", 12);
	add_pf(&p[1], "eno3np5", 0, 15);
	assert_int_equal(rp_sriov_provision(root, &p[1], &e), -EINVAL);
	assert_non_null(strstr(e.msg, "eno3np5#0-15 is outside VFs 0-11"));
	policy(&p[1], "two", 4);
	add_pf(&p[1], "eno3np5", -1, -1);
	add_pf(&p[1], "eno9np9", -1, -1);
	assert_int_equal(rp_sriov_provision(root, &p[1], &e), -ENOENT);
	assert_non_null(strstr(e.msg, "eno9np9"));
	assert_int_equal(rp_vf_pf_get(root, "eno3np5", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 0);
}

static void test_slot_mapping(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_model_policy p;
	struct rp_blob_pf pfs[2] = { { "eno3np3", 2, 5 }, { "eno3np4", 0, 1 } };
	struct rp_err e = { 0 };
	char pci[RP_PCI_ADDR_MAX];

	policy(&p, "gpu34", 8);
	add_pf(&p, "eno3np3", 2, 5);
	add_pf(&p, "eno3np4", 0, 1);
	assert_int_equal(rp_sriov_provision(root, &p, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_sriov_slot_pci(root, pfs, 2, 8, 0, pci, &e), 0);
	assert_string_equal(pci, "0000:88:01.2"); /* eno3np3 VF 2 */
	assert_int_equal(rp_sriov_slot_pci(root, pfs, 2, 8, 3, pci, &e), 0);
	assert_string_equal(pci, "0000:88:01.5");
	assert_int_equal(rp_sriov_slot_pci(root, pfs, 2, 8, 4, pci, &e), 0);
	assert_string_equal(pci, "0000:89:01.0"); /* eno3np4 VF 0 */
	assert_int_equal(rp_sriov_slot_pci(root, pfs, 2, 8, 6, pci, &e), -ENOENT);
}

/* The seed's numbers: 12 VFs on eno3np2; the 13th pod gets a clear error and leaks nothing. */
static void test_exhaustion_store(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_store_params sp = { .max_leases = 4096, .max_owners = 64, .config_bytes = 1 << 16,
				      .max_readers = 16 };
	struct rp_store_range rg = { .lo = rp_ip_slot(0), .hi = rp_ip_slot(11) };
	struct rp_store_pool_def def = { .name = "vf:eno3np2", .family = RP_FAM_SLOT, .nranges = 1,
					 .ranges = &rg };
	struct rp_store_config cfg = { .npools = 1, .pools = &def };
	struct rp_blob_pf pfs[1] = { { "eno3np2", -1, -1 } };
	struct rp_model_policy p;
	struct rp_store *s;
	struct rp_store_view v;
	struct rp_store_pool_info pi;
	struct rp_lease_info li;
	struct rp_owner o;
	struct rp_owner_info oi;
	struct rp_err e = { 0 };
	char cid[32], pci[RP_PCI_ADDR_MAX], seen[12][RP_PCI_ADDR_MAX];
	uint32_t pool, i, j;
	int rc;

	policy(&p, "eno3np2", 12);
	add_pf(&p, "eno3np2", -1, -1);
	assert_int_equal(rp_sriov_provision(root, &p, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	unlink(f->store);
	rc = rp_store_open(f->store, RP_STORE_CREATE | RP_STORE_NOCHECK_OWNER, &sp, &s, &e);
	if (rc)
		fail_msg("store: %s", e.msg);
	assert_int_equal(rp_store_apply(s, &cfg, &e), 0);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	rc = rp_store_pool_find(s, "vf:eno3np2");
	assert_true(rc >= 0);
	pool = (uint32_t)rc;
	for (i = 0; i < 12; i++) {
		struct rp_owner_key k = { cid, "net2" };

		snprintf(cid, sizeof(cid), "pod%u", i);
		assert_int_equal(rp_store_owner_begin(s, &k, "/var/run/netns/x", &o, &oi, &e), 0);
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
		assert_int_equal(rp_sriov_slot_pci(root, pfs, 1, 12, rp_ip_slot_index(&li.ip), pci, &e), 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[j], pci); /* every pod its own VF */
		snprintf(seen[i], sizeof(seen[i]), "%s", pci);
		assert_int_equal(rp_store_commit(s, &o, &e), 0);
	}
	{
		struct rp_owner_key k = { "pod12", "net2" };

		assert_int_equal(rp_store_owner_begin(s, &k, "/var/run/netns/x", &o, &oi, &e), 0);
		rc = rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e);
		assert_int_equal(rc, -ENOSPC);
		rc = rp_sriov_err_slot(&e, rc, "spidernet.io/eno3np2", NULL, 12);
		assert_int_equal(rc, -ENOSPC);
		assert_int_equal(e.cni_code, RP_CNI_ERR_VF_EXHAUSTED);
		assert_string_equal(e.msg, "no free VF for resource spidernet.io/eno3np2: all 12 VFs are in use; "
					   "free a pod using it or raise numVfs in its SriovNetworkNodePolicy");
		/* a deviceID already in use (the device plugin's pick is slot 3) */
		const struct rp_ip want = rp_ip_slot(3);

		rc = rp_store_reserve(s, &o, &pool, 1, &want, &li, &e);
		assert_int_equal(rc, -EADDRINUSE);
		rc = rp_sriov_err_slot(&e, rc, "spidernet.io/eno3np2", seen[3], 12);
		assert_int_equal(rc, -EADDRINUSE);
		assert_non_null(strstr(e.msg, seen[3]));
		assert_non_null(strstr(e.msg, "already in use"));
		rp_store_abort(s, &o);
	}
	assert_int_equal(rp_store_pool_info(s, pool, &pi), 0);
	assert_int_equal(pi.total, 12);
	assert_int_equal(pi.used, 12); /* the failed ADD left nothing reserved */
	{
		struct rp_owner_key k = { "pod5", "net2" };

		assert_int_equal(rp_store_release(s, &k, NULL), 1);
	}
	assert_int_equal(rp_store_pool_info(s, pool, &pi), 0);
	assert_int_equal(pi.used, 11);
	rp_store_read_end(s);
	rp_store_close(s);
}

static void test_prepare_refusals(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_vf_chan pf_ch = { rp_sim_nlrec_xfer, f->r }, host_ch = { rp_sim_nlrec_xfer, f->r };
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };
	struct rp_sriov_req req = { .resource = "spidernet.io/eno3np1", .pod_ifname = "net1", .vlan = -1,
				    .qos = -1, .spoofchk = -1, .trust = -1, .link_state = -1 };
	struct rp_sriov_saved saved;
	struct rp_sriov_plan plan;
	struct rp_model_policy p;
	struct rp_err e = { 0 };
	char pci[RP_PCI_ADDR_MAX];

	policy(&p, "eno3np1", 4);
	add_pf(&p, "eno3np1", -1, -1);
	assert_int_equal(rp_sriov_provision(root, &p, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_sim_sysfs_vf_pci(f->s, 1, 2, pci), 0);

	req.device_id = "0000:86:0f";
	assert_int_equal(rp_sriov_prepare(root, &pf_ch, &host_ch, &rch, &req, &saved, &plan, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a PCI address"));
	req.device_id = "0000:86:0f.1";
	assert_int_equal(rp_sriov_prepare(root, &pf_ch, &host_ch, &rch, &req, &saved, &plan, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "0000:86:0f.1"));

	req.device_id = pci;
	req.mtu = 9000;
	e.cni_code = 0;
	assert_int_equal(rp_sriov_prepare(root, &pf_ch, &host_ch, &rch, &req, &saved, &plan, &e), -ERANGE);
	assert_int_equal(e.cni_code, RP_CNI_ERR_MTU);
	assert_non_null(strstr(e.msg, "MTU 9000 is above the MTU 4200 of PF eno3np1"));

	req.mtu = 4200;
	req.rdma_isolation = true; /* the recorder starts in shared mode, like the kernel */
	e.cni_code = 0;
	assert_int_equal(rp_sriov_prepare(root, &pf_ch, &host_ch, &rch, &req, &saved, &plan, &e), -EPERM);
	assert_int_equal(e.cni_code, RP_CNI_ERR_RDMA_MODE);
	assert_non_null(strstr(e.msg, "rdmaIsolation needs exclusive: run `rdma system set netns exclusive`"));

	/* the sim's VF netdevs are not real here: the VF counts as not in the host (busy) */
	rp_sim_nlrec_set_rdma_mode(f->r, RP_RDMA_EXCLUSIVE);
	assert_int_equal(rp_sriov_prepare(root, &pf_ch, &host_ch, &rch, &req, &saved, &plan, &e), -EBUSY);
	assert_non_null(strstr(e.msg, pci));
	assert_non_null(strstr(e.msg, "in use by another pod"));
}

static void test_device_id(void **state)
{
	json_t *a = json_loads("{\"type\":\"railpool\",\"deviceID\":\"0000:86:00.2\","
			       "\"runtimeConfig\":{\"deviceID\":\"0000:86:00.3\"}}", 0, NULL);
	json_t *b = json_loads("{\"runtimeConfig\":{\"deviceID\":\"0000:86:00.3\"}}", 0, NULL);
	json_t *c = json_loads("{\"deviceID\":7}", 0, NULL);

	(void)state;
	assert_string_equal(rp_sriov_device_id(a), "0000:86:00.2"); /* Multus' top-level wins */
	assert_string_equal(rp_sriov_device_id(b), "0000:86:00.3");
	assert_null(rp_sriov_device_id(c));
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

static void test_rdma_json(void **state)
{
	struct fx *f = *state;
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };
	json_t *j;
	char *txt;

	j = rp_sriov_rdma_json(rp_sim_sysfs_root(f->s), &rch);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "netnsMode")), "shared");
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 8);
	txt = json_dumps(json_array_get(json_object_get(j, "devices"), 1), JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(txt, "{\"name\":\"mlx5_1\",\"netdev\":\"eno3np2\",\"pci\":\"0000:87:00.0\"}");
	free(txt);
	json_decref(j);
	/* mode unknown: says why */
	rp_sim_nlrec_fail_next(f->r, -EPROTONOSUPPORT, NULL);
	j = rp_sriov_rdma_json(rp_sim_sysfs_root(f->s), &rch);
	assert_string_equal(json_string_value(json_object_get(j, "netnsMode")), "unknown");
	assert_non_null(strstr(json_string_value(json_object_get(j, "netnsModeError")), "not available"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_provision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_refusals, setup, teardown),
		cmocka_unit_test(test_device_id),
		cmocka_unit_test_setup_teardown(test_rdma_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
