/* SPDX-License-Identifier: Apache-2.0 */
/* PF/VF discovery and provisioning on a fake sysfs tree (no root needed: no real netdevs). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/sysfs.h"
#include "vf/pci.h"

struct fx {
	struct rp_sim_sysfs *s;
	char prefix[16];
};

static int setup(void **state)
{
	struct rp_sim_sysfs_opts o = { .npfs = 2, .totalvfs = 16, .rdma = 1, .pf_mtu = 9000 };
	struct fx *f = calloc(1, sizeof(*f));
	struct rp_err e = { 0 };

	snprintf(f->prefix, sizeof(f->prefix), "rpt%d", getpid() % 100000);
	o.prefix = f->prefix;
	if (rp_sim_sysfs_create(&o, &f->s, &e)) {
		fprintf(stderr, "sim: %s\n", e.msg);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rp_sim_sysfs_destroy(f->s);
	free(f);
	return 0;
}

static void path_of(struct fx *f, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", rp_sim_sysfs_root(f->s), rel);
}

static void test_pf_get(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_pf_info pf;
	struct rp_err e = { 0 };

	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), 0);
	assert_string_equal(pf.pci, "0000:87:00.0");
	assert_string_equal(pf.netdev, "eno3np2");
	assert_string_equal(pf.driver, "mlx5_core");
	assert_string_equal(pf.rdma_dev, "mlx5_1");
	assert_int_equal(pf.totalvfs, 16);
	assert_int_equal(pf.numvfs, 0);
	assert_int_equal(pf.mtu, 9000);
	assert_int_equal(pf.ifindex, 100001);
	assert_int_equal(pf.link_type, RP_LINK_ETHER);

	assert_int_equal(rp_vf_pf_get(root, "eno3np9", &pf, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "eno3np9"));
	assert_int_equal(rp_vf_pf_get(root, "../x", &pf, &e), -EINVAL);
}

static void test_env_root(void **state)
{
	struct fx *f = *state;
	struct rp_pf_info pf;

	setenv(RP_VF_SYSFS_ENV, rp_sim_sysfs_root(f->s), 1);
	assert_string_equal(rp_vf_sysfs_root(), rp_sim_sysfs_root(f->s));
	assert_int_equal(rp_vf_pf_get(NULL, "eno3np1", &pf, NULL), 0);
	unsetenv(RP_VF_SYSFS_ENV);
	assert_string_equal(rp_vf_sysfs_root(), "/sys");
}

static void test_provision_and_list(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_pf_info pf;
	struct rp_vf_info *vfs, one;
	struct rp_err e = { 0 };
	char name[16], exp[64];
	size_t n, i;

	assert_int_equal(rp_vf_provision(root, "eno3np2", 12, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 12);
	assert_int_equal(rp_vf_list(root, &pf, &vfs, &n, &e), 0);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		snprintf(exp, sizeof(exp), "0000:87:%02zx.%zu", 1 + i / 8, i % 8);
		assert_string_equal(vfs[i].pci, exp);
		assert_string_equal(vfs[i].pf_pci, "0000:87:00.0");
		assert_int_equal(vfs[i].index, (int)i);
		snprintf(exp, sizeof(exp), "%sp2v%zu", f->prefix, i);
		assert_string_equal(vfs[i].netdev, exp);
		assert_string_equal(vfs[i].driver, "mlx5_core");
		assert_true(!strncmp(vfs[i].rdma_dev, "mlx5_", 5));
	}
	/* by PCI address, as a deviceID comes */
	assert_int_equal(rp_vf_get(root, vfs[9].pci, &one, &e), 0);
	assert_int_equal(one.index, 9);
	assert_string_equal(one.pf_pci, "0000:87:00.0");
	assert_string_equal(one.netdev, vfs[9].netdev);
	assert_int_equal(rp_vf_netdev_of(root, vfs[9].pci, name, &e), 0);
	assert_string_equal(name, vfs[9].netdev);
	free(vfs);

	/* N -> M goes through 0; then down to 0 removes them */
	assert_int_equal(rp_vf_provision(root, "eno3np2", 16, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 16);
	assert_int_equal(rp_vf_provision(root, "eno3np2", 0, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 0);
	assert_int_equal(rp_vf_list(root, &pf, &vfs, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(vfs);
}

static void test_provision_over_total(void **state)
{
	struct fx *f = *state;
	struct rp_err e = { 0 };
	struct rp_pf_info pf;

	assert_int_equal(rp_vf_provision(rp_sim_sysfs_root(f->s), "eno3np1", 17, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "numVfs 17 exceeds sriov_totalvfs 16"));
	assert_non_null(strstr(e.msg, "eno3np1"));
	assert_int_equal(rp_vf_pf_get(rp_sim_sysfs_root(f->s), "eno3np1", &pf, &e), 0);
	assert_int_equal(pf.numvfs, 0); /* nothing written */
}

static void put(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

static void test_broken_trees(void **state)
{
	struct fx *f = *state;
	const char *root = rp_sim_sysfs_root(f->s);
	struct rp_pf_info pf;
	struct rp_vf_info *vfs, one;
	struct rp_err e = { 0 };
	char p[512];
	size_t n;

	assert_int_equal(rp_vf_provision(root, "eno3np1", 4, &e), 0);
	assert_int_equal(rp_sim_sysfs_sync(f->s, &e), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np1", &pf, &e), 0);

	/* numvfs > totalvfs */
	path_of(f, p, sizeof(p), "bus/pci/devices/0000:86:00.0/sriov_numvfs");
	put(p, "40\n");
	assert_int_equal(rp_vf_pf_get(root, "eno3np1", &pf, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "sriov_numvfs 40 exceeds sriov_totalvfs 16"));
	put(p, "4\n");
	assert_int_equal(rp_vf_pf_get(root, "eno3np1", &pf, &e), 0);

	/* a missing virtfn link */
	path_of(f, p, sizeof(p), "bus/pci/devices/0000:86:00.0/virtfn2");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rp_vf_list(root, &pf, &vfs, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "virtfn2 is missing"));
	assert_int_equal(symlink("../0000:86:01.2", p), 0);
	assert_int_equal(rp_vf_list(root, &pf, &vfs, &n, &e), 0);
	free(vfs);

	/* a physfn pointing elsewhere */
	path_of(f, p, sizeof(p), "bus/pci/devices/0000:86:01.1/physfn");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("../0000:99:00.0", p), 0);
	assert_int_equal(rp_vf_list(root, &pf, &vfs, &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "points to another PF"));
	/* a missing physfn: not a VF */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rp_vf_get(root, "0000:86:01.1", &one, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a VF"));
	assert_int_equal(symlink("../0000:86:00.0", p), 0);
	assert_int_equal(rp_vf_get(root, "0000:86:01.1", &one, &e), 0);
	assert_int_equal(one.index, 1);

	/* no such VF / malformed deviceID */
	assert_int_equal(rp_vf_get(root, "0000:86:0f.7", &one, &e), -ENOENT);
	assert_int_equal(rp_vf_get(root, "86:00.1", &one, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a PCI address"));

	/* a PF without SR-IOV */
	path_of(f, p, sizeof(p), "bus/pci/devices/0000:87:00.0/sriov_totalvfs");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rp_vf_pf_get(root, "eno3np2", &pf, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "not SR-IOV capable"));
	put(p, "16\n");
}

static void test_pci_valid(void **state)
{
	(void)state;
	assert_true(rp_vf_pci_valid("0000:86:00.2"));
	assert_true(rp_vf_pci_valid("0000:af:1f.7"));
	assert_false(rp_vf_pci_valid("0000:86:00.8"));
	assert_false(rp_vf_pci_valid("0000:86:00"));
	assert_false(rp_vf_pci_valid("0000:86:00.2x"));
	assert_false(rp_vf_pci_valid("../../etc/.x"));
	assert_false(rp_vf_pci_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pf_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_provision_over_total, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_trees, setup, teardown),
		cmocka_unit_test(test_pci_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
