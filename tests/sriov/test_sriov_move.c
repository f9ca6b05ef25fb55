/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real move (root): a sim VF (a real veth end) goes into a pod netns as net1 with the rail's
 * MTU and MAC, its PF-side settings and RDMA device follow; DEL brings it back with its original
 * name, MAC and MTU — also after the pod netns died and the VF came back under another name.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/sriov.h"
#include "sim/nlrec.h"
#include "sim/sysfs.h"
#include "vf/link.h"

static const uint8_t POD_MAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x01 };

struct fx {
	struct rp_sim_sysfs *s;
	struct rp_sim_nlrec *r;
	struct rp_vf_chan host;
	int host_fd, pod_fd;
	char prefix[16];
	char pci[RP_PCI_ADDR_MAX];
	char vf_name[16];
	char rdma[32];
};

static int new_netns(void)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;

	if (self < 0)
		return -1;
	if (!unshare(CLONE_NEWNET))
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(self, CLONE_NEWNET))
		abort();
	close(self);
	return fd;
}

static int setup(void **state)
{
	struct rp_sim_sysfs_opts o = { .npfs = 2, .totalvfs = 16, .numvfs = 4, .rdma = 1, .pf_mtu = 9000,
				       .real_netdevs = 1 };
	struct fx *f = calloc(1, sizeof(*f));
	struct rp_err e = { 0 };

	snprintf(f->prefix, sizeof(f->prefix), "rpt%d", getpid() % 100000);
	o.prefix = f->prefix;
	if (rp_sim_nlrec_new(&f->r))
		return -1;
	o.rec = f->r;
	rp_sim_nlrec_set_rdma_mode(f->r, RP_RDMA_EXCLUSIVE);
	if (rp_sim_sysfs_create(&o, &f->s, &e)) {
		fprintf(stderr, "sim: %s\n", e.msg);
		return -1;
	}
	f->host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	f->pod_fd = new_netns();
	if (f->host_fd < 0 || f->pod_fd < 0 || rp_vf_chan_open(&f->host, &e))
		return -1;
	rp_sim_sysfs_vf_pci(f->s, 1, 2, f->pci);
	rp_sim_sysfs_vf_netdev(f->s, 1, 2, f->vf_name);
	rp_sim_sysfs_vf_rdma(f->s, 1, 2, f->rdma);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rp_vf_chan_close(&f->host);
	if (f->pod_fd >= 0)
		close(f->pod_fd);
	close(f->host_fd);
	rp_sim_sysfs_destroy(f->s); /* removes the veths and the fabric netns */
	rp_sim_nlrec_free(f->r);
	free(f);
	return 0;
}

/* The sim numbers RDMA devices mlx5_N with nldev index N + 1. */
static uint32_t rdma_index(const struct fx *f)
{
	return (uint32_t)atoi(f->rdma + 5) + 1;
}

static void req_init(struct fx *f, struct rp_sriov_req *req)
{
	memset(req, 0, sizeof(*req));
	req->resource = "spidernet.io/eno3np1";
	req->device_id = f->pci;
	req->pod_ifname = "net1";
	req->mtu = 4000;
	req->mac = POD_MAC;
	req->vlan = 100;
	req->qos = -1;
	req->spoofchk = 0;
	req->trust = 1;
	req->link_state = -1;
	req->rdma_isolation = true;
}

/* ADD's first step for @req through the sim's PF and RDMA channels. */
static int prepare(struct fx *f, const struct rp_sriov_req *req, struct rp_sriov_saved *saved,
		   struct rp_sriov_plan *plan, struct rp_err *e)
{
	struct rp_vf_chan pf_ch = { rp_sim_nlrec_xfer, f->r };
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };

	return rp_sriov_prepare(rp_sim_sysfs_root(f->s), &pf_ch, &f->host, &rch, req, saved, plan, e);
}

/* DEL of @saved (pod netns f->pod_fd, -1 once it died); it must succeed.  Without @rdma no RDMA
 * channel is given. */
static void restore_ok(struct fx *f, const struct rp_sriov_saved *saved, bool rdma)
{
	struct rp_vf_chan pf_ch = { rp_sim_nlrec_xfer, f->r };
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };
	struct rp_err e = { 0 };

	if (rp_sriov_restore(rp_sim_sysfs_root(f->s), &pf_ch, &f->host, rdma ? &rch : NULL, saved, "net1", f->pod_fd,
			     f->host_fd, &e))
		fail_msg("restore: %s", e.msg);
}

/* The pod netns holds no net1. */
static void assert_not_in_pod(struct fx *f)
{
	struct rp_vf_chan pod;
	struct rp_vf_link l;
	struct rp_err e = { 0 };

	assert_int_equal(rp_vf_chan_open_in(&pod, f->pod_fd, &e), 0);
	assert_int_equal(rp_vf_link_get(&pod, "net1", &l, &e), -ENODEV);
	rp_vf_chan_close(&pod);
}

static void add(struct fx *f, struct rp_sriov_saved *saved, struct rp_vf_link *orig)
{
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };
	struct rp_sriov_req req;
	struct rp_sriov_plan plan;
	struct rp_vf_chan pod;
	struct rp_vf_link l;
	struct rp_sim_vf_state st;
	struct rp_err e = { 0 };
	int rc;

	req_init(f, &req);
	assert_int_equal(rp_vf_link_get(&f->host, f->vf_name, orig, &e), 0);
	rc = prepare(f, &req, saved, &plan, &e);
	if (rc)
		fail_msg("prepare: %s", e.msg);
	assert_string_equal(saved->pci, f->pci);
	assert_string_equal(saved->host_ifname, f->vf_name);
	assert_string_equal(saved->pf, "eno3np1");
	assert_memory_equal(saved->mac, orig->mac, 6);
	assert_int_equal(saved->mtu, orig->mtu);
	assert_string_equal(saved->rdma_dev, f->rdma);
	assert_true(saved->flags & RP_SRIOV_CFG_CHANGED);
	assert_int_equal(saved->pf_cfg.spoofchk, 1); /* the PF's original */
	assert_string_equal(plan.host_ifname, f->vf_name);
	assert_string_equal(plan.pod_ifname, "net1");
	assert_string_equal(plan.pci, f->pci);
	assert_int_equal(plan.mtu, 4000);
	/* PF side configured */
	assert_int_equal(rp_sim_nlrec_vf(f->r, rp_sim_sysfs_pf_ifindex(f->s, 1), 2, &st), 0);
	assert_int_equal(st.vlan, 100);
	assert_int_equal(st.spoofchk, 0);
	assert_int_equal(st.trust, 1);
	assert_memory_equal(st.mac, POD_MAC, 6);

	rc = rp_sriov_move_in(&f->host, &rch, &plan, f->pod_fd, saved, &e);
	if (rc)
		fail_msg("move_in: %s", e.msg);
	assert_true(saved->flags & RP_SRIOV_MOVED);
	assert_true(saved->flags & RP_SRIOV_RDMA_MOVED);
	assert_int_equal(rp_vf_link_get(&f->host, f->vf_name, &l, &e), -ENODEV);
	assert_int_equal(rp_vf_chan_open_in(&pod, f->pod_fd, &e), 0);
	assert_int_equal(rp_vf_link_get(&pod, "net1", &l, &e), 0);
	assert_int_equal(l.mtu, 4000);
	assert_memory_equal(l.mac, POD_MAC, 6);
	rp_vf_chan_close(&pod);
	assert_int_equal(rp_sim_nlrec_rdma_dev_netns(f->r, rdma_index(f)), f->pod_fd);
}

static void check_restored(struct fx *f, const struct rp_vf_link *orig)
{
	struct rp_vf_link l;
	struct rp_sim_vf_state st;
	struct rp_err e = { 0 };

	assert_int_equal(rp_vf_link_get(&f->host, f->vf_name, &l, &e), 0);
	assert_int_equal(l.mtu, orig->mtu);
	assert_memory_equal(l.mac, orig->mac, 6);
	assert_int_equal(rp_sim_nlrec_vf(f->r, rp_sim_sysfs_pf_ifindex(f->s, 1), 2, &st), 0);
	assert_int_equal(st.vlan, 0);
	assert_int_equal(st.spoofchk, 1);
	assert_int_equal(st.trust, 0);
}

static void test_move_and_back(void **state)
{
	struct fx *f = *state;
	struct rp_sriov_saved saved;
	struct rp_sriov_req req;
	struct rp_sriov_plan plan;
	struct rp_sriov_saved other;
	struct rp_vf_link orig;
	struct rp_err e = { 0 };

	add(f, &saved, &orig);

	/* a second rail asking for the same deviceID while it is in the pod: refused */
	req_init(f, &req);
	req.pod_ifname = "net2";
	assert_int_equal(prepare(f, &req, &other, &plan, &e), -EBUSY);
	assert_non_null(strstr(e.msg, f->pci));

	restore_ok(f, &saved, true);
	check_restored(f, &orig);
	assert_int_equal(rp_sim_nlrec_rdma_dev_netns(f->r, rdma_index(f)), f->host_fd);
	assert_not_in_pod(f);

	/* DEL again: idempotent */
	restore_ok(f, &saved, true);
	check_restored(f, &orig);
}

static void test_netns_died(void **state)
{
	struct fx *f = *state;
	struct rp_sriov_saved saved;
	struct rp_vf_link orig, l;
	struct rp_err e = { 0 };
	char kname[32];
	int rc;

	add(f, &saved, &orig);
	/* the pod dies: its netns goes; the kernel hands the VF back as some other name */
	close(f->pod_fd);
	f->pod_fd = -1;
	snprintf(kname, sizeof(kname), "%sk", f->prefix);
	/* veth pairs die with the netns asynchronously: wait until the peer name is free again */
	for (int i = 0; i < 500; i++) {
		rc = rp_sim_sysfs_vf_respawn(f->s, 1, 2, kname, &e);
		if (!rc)
			break;
		usleep(10000);
	}
	if (rc)
		fail_msg("respawn: %s", e.msg);
	assert_int_equal(rp_vf_link_get(&f->host, kname, &l, &e), 0);

	restore_ok(f, &saved, false); /* f->pod_fd is -1: the netns is gone */
	assert_int_equal(rp_vf_link_get(&f->host, kname, &l, &e), -ENODEV);
	check_restored(f, &orig);
}

/* The RDMA device cannot follow: ADD fails and the VF is back in the host as it was. */
static void test_rdma_move_fails(void **state)
{
	struct fx *f = *state;
	struct rp_rdma_chan rch = { rp_sim_nlrec_xfer, f->r };
	struct rp_sriov_req req;
	struct rp_sriov_plan plan;
	struct rp_sriov_saved saved;
	struct rp_vf_link orig, l;
	struct rp_err e = { 0 };

	req_init(f, &req);
	assert_int_equal(rp_vf_link_get(&f->host, f->vf_name, &orig, &e), 0);
	assert_int_equal(prepare(f, &req, &saved, &plan, &e), 0);
	rp_sim_nlrec_fail_next(f->r, -EBUSY, "device busy");
	assert_int_equal(rp_sriov_move_in(&f->host, &rch, &plan, f->pod_fd, &saved, &e), -EBUSY);
	assert_non_null(strstr(e.msg, "device busy"));
	assert_false(saved.flags & RP_SRIOV_MOVED);
	assert_false(saved.flags & RP_SRIOV_RDMA_MOVED);
	assert_int_equal(rp_vf_link_get(&f->host, f->vf_name, &l, &e), 0);
	assert_int_equal(l.mtu, orig.mtu);
	assert_memory_equal(l.mac, orig.mac, 6);
	assert_not_in_pod(f);
	/* the caller's rollback then restores the PF side */
	restore_ok(f, &saved, true);
	check_restored(f, &orig);
}

/* The sim can share another fabric netns (sim/node.h's): the VF peers land there. */
static void test_shared_fabric(void **state)
{
	struct rp_sim_sysfs_opts o = { .npfs = 1, .totalvfs = 4, .numvfs = 2, .real_netdevs = 1 };
	struct rp_sim_sysfs *s;
	struct rp_vf_chan fab;
	struct rp_vf_link l;
	struct rp_err e = { 0 };
	char prefix[16], path[64];
	int fd = new_netns();

	(void)state;
	assert_true(fd >= 0);
	snprintf(prefix, sizeof(prefix), "rps%d", getpid() % 100000);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o.prefix = prefix;
	o.fabric_netns_path = path;
	o.node_netns_path = "/proc/thread-self/ns/net";
	if (rp_sim_sysfs_create(&o, &s, &e))
		fail_msg("sim: %s", e.msg);
	assert_int_equal(rp_vf_chan_open_in(&fab, fd, &e), 0);
	assert_int_equal(rp_vf_link_get(&fab, "f1v1", &l, &e), 0);
	rp_sim_sysfs_destroy(s);
	assert_int_equal(rp_vf_link_get(&fab, "f1v1", &l, &e), -ENODEV); /* removed with its pair */
	rp_vf_chan_close(&fab);
	close(fd);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: needs root to create veths and network namespaces\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_move_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netns_died, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdma_move_fails, setup, teardown),
		cmocka_unit_test(test_shared_fabric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
