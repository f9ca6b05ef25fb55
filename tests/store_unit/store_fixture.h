/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store unit tests' shared fixture: a small store file on /dev/shm named after the test
 * program and its pid (removed by teardown), opened (and created) by open_store().  Each test
 * program includes this once, after <cmocka.h>, with STORE_FIXTURE_NAME defined.
 */
#ifndef RP_TESTS_STORE_FIXTURE_H
#define RP_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <unistd.h>

#include "shm/store.h"

static char path[256];
static unsigned oflags;
static const struct rp_store_params small = { 4096, 256, 1 << 16, 16 };

static int setup(void **st)
{
	(void)st;
	snprintf(path, sizeof(path), "/dev/shm/rpt%d-%s", (int)getpid(), STORE_FIXTURE_NAME);
	unlink(path);
	oflags = RP_STORE_CREATE | (geteuid() ? RP_STORE_NOCHECK_OWNER : 0);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	unlink(path);
	return 0;
}

static struct rp_store *open_store(void)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	int ret = rp_store_open(path, oflags, &small, &s, &e);

	if (ret)
		fprintf(stderr, "open: %d %s\n", ret, e.msg);
	assert_int_equal(ret, 0);
	return s;
}

static struct rp_ip ip4(const char *str)
{
	struct rp_ip ip;

	assert_int_equal(rp_ip_parse(str, &ip), 0);
	return ip;
}

#endif
