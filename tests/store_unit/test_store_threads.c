/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Threads of one process, each with its own handle, allocate from one small pool while another
 * thread applies config changes: no lease ever held twice, no excluded address handed out after
 * its generation is published, and everything accounted for at the end.  Label: lockfree.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shm/store.h"

#define THREADS 3
static char path[256];
static unsigned oflags;
static _Atomic int holder[256];   /* last octet -> thread+1 holding it */
static _Atomic int excluded[64]; /* generation -> .1-.8 excluded in it */
static _Atomic long violations;
static _Atomic long commits, stale;

static double scale(void)
{
	const char *v = getenv("RP_TEST_SCALE");
	double d = v ? atof(v) : 1.0;

	return d > 0 ? d : 1.0;
}

static void cleanup(void)
{
	unlink(path);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct rp_store *s = NULL;
	long iters = (long)(4000 * scale());
	char cid[32];

	if (rp_store_open(path, oflags & ~RP_STORE_CREATE, NULL, &s, NULL))
		abort();
	for (long i = 0; i < iters; i++) {
		struct rp_store_view v;
		struct rp_owner o;
		struct rp_lease_info li;
		struct rp_owner_key k = { cid, "net1" };
		uint32_t pool;
		int ret;

		snprintf(cid, sizeof(cid), "t%d-%ld", id, i);
		if (rp_store_read_begin(s, &v))
			abort();
		ret = rp_store_pool_find(s, "p");
		if (ret < 0)
			abort();
		pool = (uint32_t)ret;
		if (rp_store_owner_begin(s, &k, NULL, &o, NULL, NULL) != 0)
			abort();
		ret = rp_store_reserve(s, &o, &pool, 1, NULL, &li, NULL);
		if (ret == -ENOSPC) {
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		if (ret)
			abort();
		int oct = li.ip.b[3];

		if (v.gen < 64 && atomic_load(&excluded[v.gen]) && oct >= 1 && oct <= 8)
			atomic_fetch_add(&violations, 1);
		int zero = 0;
		if (!atomic_compare_exchange_strong(&holder[oct], &zero, id + 1))
			atomic_fetch_add(&violations, 1);
		ret = rp_store_commit(s, &o, NULL);
		if (ret == -ESTALE) {
			atomic_fetch_add(&stale, 1);
			atomic_store(&holder[oct], 0);
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		if (ret)
			abort();
		atomic_fetch_add(&commits, 1);
		rp_store_read_end(s);
		atomic_store(&holder[oct], 0);
		if (rp_store_release(s, &k, NULL) != 1)
			abort();
	}
	rp_store_close(s);
	return NULL;
}

static int apply_pool(struct rp_store *s, int exclude)
{
	struct rp_store_range r, x;
	struct rp_store_pool_def p = { .name = "p", .family = RP_FAM_V4, .nranges = 1, .ranges = &r,
				       .nexcl = (uint32_t)exclude, .excl = &x };
	struct rp_store_config c = { 1, &p, NULL, 0 };
	struct rp_err e = { 0 };

	rp_ip_parse("10.9.0.1", &r.lo);
	rp_ip_parse("10.9.0.16", &r.hi);
	rp_ip_parse("10.9.0.1", &x.lo);
	rp_ip_parse("10.9.0.8", &x.hi);
	int ret = rp_store_apply(s, &c, &e);

	if (ret)
		fprintf(stderr, "apply: %s\n", e.msg);
	return ret;
}

static void test_threads_alloc_and_apply(void **st)
{
	(void)st;
	struct rp_store *s = NULL;
	const struct rp_store_params params = { 1024, 512, 1 << 16, 16 };
	pthread_t th[THREADS];

	assert_int_equal(rp_store_open(path, oflags, &params, &s, NULL), 0);
	assert_int_equal(apply_pool(s, 0), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
	for (int round = 0; round < 20; round++) {
		struct rp_store_stats ss;

		usleep(2000);
		rp_store_stats(s, &ss);
		/* the exclusion holds for exactly the generation this apply publishes */
		assert_true(ss.gen + 1 < 64);
		atomic_store(&excluded[ss.gen + 1], round % 2 == 0);
		assert_int_equal(apply_pool(s, round % 2 == 0), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&violations), 0);
	printf("commits %ld, -ESTALE %ld\n", atomic_load(&commits), atomic_load(&stale));
	assert_true(atomic_load(&commits) > 0);
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.leases_reserved + ss.leases_committed, 0);
	assert_int_equal(ss.owners_live + ss.owners_reserved, 0);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

/* Threads add and delete the SAME attachment concurrently: at most one LIVE record ever. */
static _Atomic long same_commits, same_busy, same_exists;

static void *same_key_worker(void *arg)
{
	(void)arg;
	struct rp_store *s = NULL;
	struct rp_owner_key k = { "shared-container", "net1" };
	long iters = (long)(3000 * scale());

	if (rp_store_open(path, oflags & ~RP_STORE_CREATE, NULL, &s, NULL))
		abort();
	for (long i = 0; i < iters; i++) {
		struct rp_owner o;
		struct rp_owner_info info;
		struct rp_lease_info li;
		uint32_t pool = 0;

		if (rp_store_read_begin(s, NULL))
			abort();
		int ret = rp_store_owner_begin(s, &k, NULL, &o, &info, NULL);

		if (ret == RP_OWNER_EXISTS) {
			atomic_fetch_add(&same_exists, 1);
			if (strcmp(info.container_id, "shared-container") || info.nleases != 1)
				atomic_fetch_add(&violations, 1);
		} else if (ret == -EBUSY) {
			atomic_fetch_add(&same_busy, 1);
		} else if (ret == 0) {
			if (rp_store_reserve(s, &o, &pool, 1, NULL, &li, NULL))
				abort();
			ret = rp_store_commit(s, &o, NULL);
			if (ret == 0) {
				atomic_fetch_add(&same_commits, 1);
			} else {
				rp_store_abort(s, &o);
			}
		} else {
			abort();
		}
		rp_store_read_end(s);
		if (i % 3 == 0) {
			struct rp_owner_info gone;
			ret = rp_store_release(s, &k, &gone);
			if (ret < 0 && ret != -EBUSY)
				abort();
		}
	}
	rp_store_close(s);
	return NULL;
}

static void test_threads_same_key(void **st)
{
	(void)st;
	struct rp_store *s = NULL;
	const struct rp_store_params params = { 1024, 64, 1 << 16, 16 };
	pthread_t th[THREADS];

	unlink(path);
	assert_int_equal(rp_store_open(path, oflags, &params, &s, NULL), 0);
	assert_int_equal(apply_pool(s, 0), 0);
	atomic_store(&violations, 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, same_key_worker, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	printf("same key: commits %ld, busy %ld, exists %ld\n", atomic_load(&same_commits),
	       atomic_load(&same_busy), atomic_load(&same_exists));
	assert_int_equal(atomic_load(&violations), 0);
	assert_true(atomic_load(&same_commits) > 0);
	/* a duplicate LIVE record would survive one release */
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	struct rp_owner_key k = { "shared-container", "net1" };
	int released = 0;
	while (rp_store_release(s, &k, NULL) == 1)
		released++;
	assert_true(released <= 1);
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.owners_live + ss.owners_reserved, 0);
	assert_int_equal(ss.leases_reserved + ss.leases_committed, 0);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

int main(void)
{
	snprintf(path, sizeof(path), "/dev/shm/rpt%d-thr", (int)getpid());
	unlink(path);
	atexit(cleanup);
	oflags = RP_STORE_CREATE | (geteuid() ? RP_STORE_NOCHECK_OWNER : 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_alloc_and_apply),
		cmocka_unit_test(test_threads_same_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
