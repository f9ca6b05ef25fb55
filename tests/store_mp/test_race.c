/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Race: NPROC fork()ed processes, each with its own rp_store handle and mapping, run
 * begin/reserve/commit/release cycles on one 64-address pool so that they contend on the same
 * bitmap word and lease records.  A per-address holder counter in separate shared memory catches
 * any moment at which two attachments hold one address: a child bumps it right after its reserve
 * succeeds and drops it right before release, and both transitions must see 0 -> 1 -> 0.
 *
 * Usage: test_store_mp_race [iterations per process] (default 10000 x RP_TEST_SCALE).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/store_mp/child.h"

#define NPROC 8
#define POOL_N 64
#define BASE MP_IP4(10, 0, 0, 0)

struct race_shared {
	_Atomic int holder[POOL_N];
	_Atomic long cycles;
	_Atomic long leases;
	_Atomic long commits_seen_by_lookup;
	struct mp_report rep;
};

static long iters;
static const char *store_path;
static struct race_shared *sh;
static struct mp_claims claims;

static int race_child(int idx)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	uint64_t rnd = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
	int rc = mp_open(store_path, 0, NULL, &s, &e);

	if (rc) {
		mp_report_fail(&sh->rep, "child %d: open: %d %s", idx, rc, e.msg);
		return 2;
	}
	for (long i = 0; i < iters; i++) {
		char cid[64];
		struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };
		struct rp_store_view v;
		struct rp_owner o;
		struct rp_owner_info info;
		struct mp_held h;
		/* 1..4 leases per attachment: up to 32 of the 64 addresses held at once, so a correct
		 * store never runs dry while the bitmap word stays hot. */
		uint32_t want = 1 + (uint32_t)(mp_rand(&rnd) % 4);
		uint32_t p;
		int pool;
		char who[64];

		snprintf(cid, sizeof(cid), "race-%d-%ld", idx, i);
		snprintf(who, sizeof(who), "child %d iter %ld", idx, i);
		rc = rp_store_read_begin(s, &v);
		if (rc) {
			mp_report_fail(&sh->rep, "child %d: read_begin: %d", idx, rc);
			goto fail;
		}
		pool = rp_store_pool_find(s, "race");
		if (pool < 0) {
			mp_report_fail(&sh->rep, "child %d: pool_find: %d", idx, pool);
			goto fail_read;
		}
		rc = rp_store_owner_begin(s, &k, "/proc/self/ns/net", &o, &info, &e);
		if (rc != 0) {
			mp_report_fail(&sh->rep, "child %d iter %ld: owner_begin: %d %s", idx, i, rc, e.msg);
			goto fail_read;
		}
		p = (uint32_t)pool;
		rc = mp_reserve_claimed(s, &o, &p, 1, want, &claims, who, &h);
		if (rc == -ENOSPC) /* never, with at most half the pool held */
			mp_report_fail(&sh->rep, "%s: reserve %u/%u: %d", who, h.n, want, rc);
		if (h.n != want) {
			mp_unclaim(&h, &claims, 0, who);
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		rc = rp_store_commit(s, &o, &e);
		if (rc) {
			mp_report_fail(&sh->rep, "child %d iter %ld: commit: %d %s", idx, i, rc, e.msg);
			mp_unclaim(&h, &claims, 0, who);
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		if ((i & 15) == 0) {
			/* The committed attachment must be visible, complete and ours to another lookup. */
			rc = rp_store_lookup(s, &k, &info);
			if (rc || info.nleases != h.n || info.state != RP_OWNER_LIVE) {
				mp_report_fail(&sh->rep, "child %d: lookup after commit: %d nleases %u/%u", idx, rc,
					       rc ? 0 : info.nleases, h.n);
			} else {
				for (uint32_t j = 0; j < h.n; j++) {
					if (mp_v4_host(&info.leases[j].ip) - BASE != h.a[j])
						mp_report_fail(&sh->rep, "child %d: lookup lease %u differs", idx, j);
				}
				atomic_fetch_add(&sh->commits_seen_by_lookup, 1);
			}
		}
		rp_store_read_end(s);

		mp_unclaim(&h, &claims, 1, who);
		rc = rp_store_read_begin(s, &v);
		if (rc) {
			mp_report_fail(&sh->rep, "child %d: read_begin: %d", idx, rc);
			goto fail;
		}
		rc = rp_store_release(s, &k, NULL);
		rp_store_read_end(s);
		if (rc != 1)
			mp_report_fail(&sh->rep, "child %d iter %ld: release returned %d, want 1", idx, i, rc);
		atomic_fetch_add_explicit(&sh->cycles, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&sh->leases, h.n, memory_order_relaxed);
	}
	rp_store_close(s);
	return 0;
fail_read:
	rp_store_read_end(s);
fail:
	rp_store_close(s);
	return 3;
}

static void test_race(void **state)
{
	struct rp_store_params p = mp_small_params(4096, 1024);
	struct rp_store_range r = mp_range_v4(BASE, BASE + POOL_N - 1);
	struct rp_store_pool_def def = { .name = "race", .family = RP_FAM_V4, .nranges = 1, .ranges = &r };
	struct rp_store_config cfg = { .npools = 1, .pools = &def };
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	struct rp_store_view v;
	struct rp_store_pool_info pi;
	struct rp_store_stats st;
	pid_t pids[NPROC];
	int bad = 0;

	(void)state;
	assert_int_equal(mp_create(store_path, &p, &cfg, &s), 0);

	assert_int_equal(mp_spawn(pids, NPROC, race_child), 0);
	for (int i = 0; i < NPROC; i++) {
		int st_child = mp_wait(pids[i]);

		if (st_child != 0) {
			printf("race: child %d exited with %d\n", i, st_child);
			bad++;
		}
	}
	printf("race: %d processes, %ld cycles, %ld leases, %ld lookups verified\n", NPROC,
	       atomic_load(&sh->cycles), atomic_load(&sh->leases), atomic_load(&sh->commits_seen_by_lookup));
	assert_int_equal(mp_report_dump(&sh->rep, "race"), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(atomic_load(&sh->cycles), (long)NPROC * iters);
	for (int a = 0; a < POOL_N; a++)
		assert_int_equal(atomic_load(&sh->holder[a]), 0);

	/* Nothing left held, and every count agrees. */
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(v.npools, 1);
	assert_int_equal(rp_store_pool_info(s, 0, &pi), 0);
	rp_store_read_end(s);
	assert_int_equal(pi.total, POOL_N);
	assert_int_equal(pi.used, 0);
	assert_int_equal(pi.free, POOL_N);
	assert_int_equal(rp_store_stats(s, &st), 0);
	assert_int_equal(st.leases_reserved, 0);
	assert_int_equal(st.leases_committed, 0);
	assert_int_equal(st.owners_live, 0);
	assert_int_equal(st.owners_reserved, 0);
	assert_true(st.leases_free >= POOL_N);
	assert_int_equal(st.leases_free + st.leases_blocked, st.leases_total);
	assert_int_equal(mp_fsck(s, "race"), 0);

	/* And the pool is whole: all 64 addresses can be taken at once, once each, then no more. */
	{
		struct rp_owner o[POOL_N / RP_OWNER_MAX_LEASES];
		struct rp_owner_info info;
		uint64_t seen = 0;
		char cid[32];

		assert_int_equal(rp_store_read_begin(s, &v), 0);
		for (int i = 0; i < POOL_N / RP_OWNER_MAX_LEASES; i++) {
			struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };

			snprintf(cid, sizeof(cid), "final-%d", i);
			assert_int_equal(rp_store_owner_begin(s, &k, "", &o[i], &info, &e), 0);
			for (int j = 0; j < RP_OWNER_MAX_LEASES; j++) {
				struct rp_lease_info li;
				uint32_t pool = 0, a;

				assert_int_equal(rp_store_reserve(s, &o[i], &pool, 1, NULL, &li, &e), 0);
				a = mp_v4_host(&li.ip) - BASE;
				assert_true(a < POOL_N);
				assert_false(seen & (1ull << a));
				seen |= 1ull << a;
			}
		}
		assert_int_equal(seen, UINT64_MAX);
		{
			struct rp_owner extra;
			struct rp_owner_key k = { .container_id = "final-extra", .ifname = "net1" };
			struct rp_lease_info li;
			uint32_t pool = 0;

			assert_int_equal(rp_store_owner_begin(s, &k, "", &extra, &info, &e), 0);
			assert_int_equal(rp_store_reserve(s, &extra, &pool, 1, NULL, &li, &e), -ENOSPC);
			rp_store_abort(s, &extra);
		}
		for (int i = 0; i < POOL_N / RP_OWNER_MAX_LEASES; i++)
			rp_store_abort(s, &o[i]);
		rp_store_read_end(s);
		assert_int_equal(rp_store_stats(s, &st), 0);
		assert_int_equal(st.leases_reserved, 0);
		assert_int_equal(st.owners_reserved, 0);
		assert_int_equal(mp_fsck(s, "race"), 0);
	}
	rp_store_close(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race),
	};

	iters = argc > 1 ? atol(argv[1]) : mp_scaled(10000, 200);
	sh = mp_setup("race", sizeof(*sh), &store_path);
	if (!sh)
		return 1;
	claims = (struct mp_claims){ .holder = sh->holder, .base = BASE, .naddr = POOL_N, .rep = &sh->rep };
	printf("race: %d processes x %ld cycles on a %d-address pool, store %s\n", NPROC, iters, POOL_N,
	       store_path);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
