/* SPDX-License-Identifier: Apache-2.0 */
/* GID index lookup on the fake sysfs tree: the value for NCCL_IB_GID_INDEX / ib_read_lat -x. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rdma/gid.h"
#include "rdma/sysfs.h"
#include "sim/sysfs.h"

static int setup(void **state)
{
	struct rp_sim_sysfs_opts o = { .npfs = 1, .totalvfs = 8, .numvfs = 2, .rdma = 1 };
	struct rp_sim_sysfs *s;
	struct rp_err e = { 0 };
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "rpt%d", getpid() % 100000);
	o.prefix = prefix;
	if (rp_sim_sysfs_create(&o, &s, &e)) {
		fprintf(stderr, "sim: %s\n", e.msg);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	rp_sim_sysfs_destroy(*state);
	return 0;
}

static void test_find(void **state)
{
	struct rp_sim_sysfs *s = *state;
	const char *root = rp_sim_sysfs_root(s);
	struct rp_rdma_gid g;
	struct rp_err e = { 0 };
	char dev[32], nd[16], ll[64];

	assert_int_equal(rp_sim_sysfs_vf_rdma(s, 1, 1, dev), 0);
	assert_int_equal(rp_sim_sysfs_vf_netdev(s, 1, 1, nd), 0);
	/* what the kernel adds for 172.16.11.10 on the VF's netdev: a v1 and a v2 entry */
	assert_int_equal(rp_sim_sysfs_gid_set(s, dev, 2, "0000:0000:0000:0000:0000:ffff:ac10:0b0a",
					      "IB/RoCE v1", nd), 0);
	assert_int_equal(rp_sim_sysfs_gid_set(s, dev, 3, "0000:0000:0000:0000:0000:ffff:ac10:0b0a",
					      "RoCE v2", nd), 0);
	assert_int_equal(rp_sim_sysfs_gid_set(s, dev, 4, "fd00:0000:0000:0000:0000:0000:0000:0010",
					      "IB/RoCE v1", nd), 0);

	assert_int_equal(rp_rdma_gid_find(root, dev, "172.16.11.10", NULL, &g, &e), 0);
	assert_int_equal(g.index, 3); /* RoCE v2 preferred */
	assert_int_equal(g.port, 1);
	assert_true(g.roce_v2);
	assert_string_equal(g.type, "RoCE v2");
	assert_string_equal(g.ndev, nd);
	assert_int_equal(rp_rdma_gid_find(root, dev, "172.16.11.10", nd, &g, &e), 0);
	assert_int_equal(g.index, 3);
	assert_int_equal(rp_rdma_gid_find(root, dev, "172.16.11.10", "other0", &g, &e), -ENOENT);

	/* only v1 present: that one */
	assert_int_equal(rp_rdma_gid_find(root, dev, "fd00::10", NULL, &g, &e), 0);
	assert_int_equal(g.index, 4);
	assert_false(g.roce_v2);

	/* the link-local GIDs every device has */
	snprintf(ll, sizeof(ll), "fe80::ff:fe00:%x", atoi(dev + 5)); /* the sim derives it from N */
	assert_int_equal(rp_rdma_gid_find(root, dev, ll, NULL, &g, &e), 0);
	assert_int_equal(g.index, 1);

	/* not there / bad input */
	assert_int_equal(rp_rdma_gid_find(root, dev, "172.16.11.11", NULL, &g, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no GID for 172.16.11.11"));
	assert_int_equal(rp_rdma_gid_find(root, dev, "172.16.11.300", NULL, &g, &e), -EINVAL);
	assert_int_equal(rp_rdma_gid_find(root, "mlx5_99", "172.16.11.10", NULL, &g, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "mlx5_99"));
	assert_int_equal(rp_rdma_gid_find(root, "../x", "172.16.11.10", NULL, &g, &e), -EINVAL);
}

static void test_sysfs_devices(void **state)
{
	struct rp_sim_sysfs *s = *state;
	const char *root = rp_sim_sysfs_root(s);
	struct rp_rdma_sysfs_dev *d;
	struct rp_err e = { 0 };
	char dev[64], vdev[32], nd[16], pci[16];
	size_t n;

	/* a shared-RDMA macvlan master maps to its device */
	assert_int_equal(rp_rdma_dev_of_netdev(root, "eno3np1", dev, &e), 0);
	assert_string_equal(dev, "mlx5_0");
	assert_int_equal(rp_rdma_dev_of_netdev(root, "eno3np7", dev, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "eno3np7 has no RDMA device"));

	assert_int_equal(rp_rdma_sysfs_list(root, &d, &n, &e), 0);
	assert_int_equal(n, 3); /* the PF and its 2 VFs */
	assert_string_equal(d[0].name, "mlx5_0");
	assert_string_equal(d[0].netdev, "eno3np1");
	assert_string_equal(d[0].pci, "0000:86:00.0");
	assert_int_equal(rp_sim_sysfs_vf_rdma(s, 1, 1, vdev), 0);
	assert_int_equal(rp_sim_sysfs_vf_netdev(s, 1, 1, nd), 0);
	assert_int_equal(rp_sim_sysfs_vf_pci(s, 1, 1, pci), 0);
	assert_string_equal(d[2].name, vdev);
	assert_string_equal(d[2].netdev, nd);
	assert_string_equal(d[2].pci, pci);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_devices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
