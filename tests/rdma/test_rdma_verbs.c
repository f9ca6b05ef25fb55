/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libibverbs queries on whatever RDMA devices this machine has.  Without any, the test says why
 * and exits 77 so ctest counts it as skipped — never a silent pass.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rdma/verbs.h"

static struct rp_rdma_verbs_dev *devs;
static size_t ndevs;

static void test_devices(void **state)
{
	size_t i;

	(void)state;
	assert_true(ndevs > 0);
	for (i = 0; i < ndevs; i++) {
		printf("# %s guid %016llx mlx5 %u port1 state %u link_layer %u mtu %u gids %u\n", devs[i].name,
		       (unsigned long long)devs[i].guid, devs[i].mlx5, devs[i].port_state, devs[i].link_layer,
		       devs[i].active_mtu, devs[i].ngids);
		assert_true(devs[i].name[0]);
		assert_true(devs[i].ngids <= RP_RDMA_VERBS_MAX_GIDS);
	}
}

int main(void)
{
	struct rp_err e = { 0 };
	int rc = rp_rdma_verbs_list(&devs, &ndevs, &e);

	if (rc == -ENODEV) {
		printf("SKIP: %s\n", e.msg);
		return 77;
	}
	if (rc) {
		printf("rp_rdma_verbs_list: %s\n", e.msg);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(devs);
	return rc;
}
