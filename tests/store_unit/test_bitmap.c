/* SPDX-License-Identifier: Apache-2.0 */
/* bitmap/: claim/release/next-fit/ranges/summaries, and multi-thread claim uniqueness. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bitmap/bitmap.h"

static void *bm_new(uint64_t n, bool set)
{
	size_t bytes = rp_bitmap_bytes(n);
	void *m = NULL;

	assert_true(bytes > 0);
	assert_int_equal(posix_memalign(&m, 64, bytes), 0);
	memset(m, 0xa5, bytes); /* init must not depend on zeroed memory when set */
	if (!set)
		memset(m, 0, bytes);
	assert_int_equal(rp_bitmap_init(m, n, set), 0);
	assert_int_equal(rp_bitmap_check(m, bytes), 0);
	return m;
}

static void test_sizes(void **st)
{
	(void)st;
	assert_int_equal(rp_bitmap_bytes(0), 0);
	assert_int_equal(rp_bitmap_bytes(RP_BITMAP_MAX_BITS + 1), 0);
	assert_true(rp_bitmap_bytes(64) >= 128 + 8);
	/* 2^24 bits: level 0 is 2 MiB, summaries add < 1% */
	size_t b = rp_bitmap_bytes(1u << 24);
	assert_true(b >= (1u << 21) && b < (1u << 21) + (1u << 16));
	void *m = bm_new(1000, true);
	assert_int_equal(rp_bitmap_check(m, 100), -EINVAL);
	free(m);
}

static void test_claim_all_then_enospc(void **st)
{
	(void)st;
	for (uint64_t n = 1; n < 5000; n = n * 3 + 1) {
		void *m = bm_new(n, true);
		uint8_t *seen = calloc(n, 1);

		assert_int_equal(rp_bitmap_count(m, 0, n), n);
		for (uint64_t i = 0; i < n; i++) {
			int64_t b = rp_bitmap_claim(m, 0, n, i * 7 % n);

			assert_true(b >= 0 && (uint64_t)b < n);
			assert_int_equal(seen[b], 0);
			seen[b] = 1;
		}
		assert_int_equal(rp_bitmap_claim(m, 0, n, 0), -ENOSPC);
		assert_int_equal(rp_bitmap_count(m, 0, n), 0);
		assert_int_equal(rp_bitmap_check_summary(m), 0);
		free(seen);
		free(m);
	}
}

static void test_next_fit_and_wrap(void **st)
{
	(void)st;
	void *m = bm_new(1000, true);

	assert_int_equal(rp_bitmap_claim(m, 0, 1000, 500), 500);
	assert_int_equal(rp_bitmap_claim(m, 0, 1000, 500), 501);
	assert_int_equal(rp_bitmap_claim(m, 0, 1000, 999), 999);
	/* start past the range wraps to its beginning */
	assert_int_equal(rp_bitmap_claim(m, 100, 200, 5000), 100);
	/* released bit is not reused while the hint moves on */
	assert_true(rp_bitmap_release(m, 500));
	assert_false(rp_bitmap_release(m, 500)); /* already set */
	assert_int_equal(rp_bitmap_claim(m, 0, 1000, 502), 502);
	/* wrap inside a sub-range: [10, 20) with everything from 15 claimed */
	for (int i = 15; i < 20; i++)
		assert_int_equal(rp_bitmap_claim_bit(m, i), 0);
	assert_int_equal(rp_bitmap_claim_bit(m, 15), -EBUSY);
	assert_int_equal(rp_bitmap_claim(m, 10, 20, 17), 10);
	assert_int_equal(rp_bitmap_claim(m, 0, 1000, 1000), 0);
	assert_int_equal(rp_bitmap_claim(m, 5, 5, 5), -EINVAL);
	assert_int_equal(rp_bitmap_claim(m, 0, 1001, 0), -EINVAL);
	free(m);
}

static void test_ranges_and_iterate(void **st)
{
	(void)st;
	const uint64_t n = 1u << 20;
	void *m = bm_new(n, false);
	uint64_t set[] = { 3, 64, 65, 4095, 4096, 262143, 262144, 700001, n - 1 };

	assert_int_equal(rp_bitmap_claim(m, 0, n, 0), -ENOSPC);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		assert_true(rp_bitmap_release(m, set[i]));
	assert_int_equal(rp_bitmap_count(m, 0, n), 9);
	assert_int_equal(rp_bitmap_count(m, 64, 4096), 3);
	size_t k = 0;
	for (int64_t b = rp_bitmap_next(m, 0, n); b >= 0; b = rp_bitmap_next(m, (uint64_t)b + 1, n))
		assert_int_equal(b, set[k++]);
	assert_int_equal(k, 9);
	assert_true(rp_bitmap_test(m, 4096));
	assert_false(rp_bitmap_test(m, 4097));
	/* sub-range claims never leave their range, even with set bits right next to it */
	assert_int_equal(rp_bitmap_claim(m, 66, 4095, 100), -ENOSPC);
	assert_int_equal(rp_bitmap_claim(m, 66, 4096, 100), 4095);
	assert_int_equal(rp_bitmap_claim(m, 262144, 700001, 0), 262144);
	assert_int_equal(rp_bitmap_claim(m, 262145, 700001, 0), -ENOSPC);
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	free(m);
}

static void test_summary_rebuild(void **st)
{
	(void)st;
	const uint64_t n = 1u << 16;
	void *m = bm_new(n, false);

	assert_true(rp_bitmap_release(m, 40000));
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	/* damage: clear every summary word, as a wild write would */
	size_t bytes = rp_bitmap_bytes(n);
	memset((char *)m + 128 + (n / 64) * 8, 0, bytes - 128 - (n / 64) * 8);
	assert_true(rp_bitmap_check_summary(m) > 0);
	assert_int_equal(rp_bitmap_claim(m, 0, n, 0), -ENOSPC); /* invisible: that is the damage */
	assert_true(rp_bitmap_rebuild(m) > 0);
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	assert_int_equal(rp_bitmap_rebuild(m), 0);
	assert_int_equal(rp_bitmap_claim(m, 0, n, 0), 40000);
	free(m);
}

/* Near-full large bitmap: a claim still finds the few free bits (cost independent of fill). */
static void test_large_sparse_free(void **st)
{
	(void)st;
	const uint64_t n = 1u << 24;
	void *m = bm_new(n, false);

	assert_true(rp_bitmap_release(m, 12345678));
	assert_true(rp_bitmap_release(m, 5));
	assert_int_equal(rp_bitmap_claim(m, 0, n, 6), 12345678);
	assert_int_equal(rp_bitmap_claim(m, 0, n, 6), 5);
	assert_int_equal(rp_bitmap_claim(m, 0, n, 6), -ENOSPC);
	free(m);
}

#define THREADS 4
#define BITS 4096
struct thr {
	void *m;
	uint8_t *owner; /* bit -> thread+1, checked for double claims */
	int id;
	long claims;
};

static void *claimer(void *arg)
{
	struct thr *t = arg;
	int64_t held[64];
	int nheld = 0;
	unsigned seed = (unsigned)t->id * 7919u;

	for (int round = 0; round < 20000; round++) {
		if (nheld < 64 && (rand_r(&seed) & 1)) {
			int64_t b = rp_bitmap_claim(t->m, 0, BITS, (uint64_t)rand_r(&seed) % BITS);

			if (b >= 0) {
				uint8_t zero = 0;
				/* exactly one thread may hold a bit */
				if (!__atomic_compare_exchange_n(&t->owner[b], &zero, (uint8_t)(t->id + 1), 0,
								 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
					abort();
				held[nheld++] = b;
				t->claims++;
			}
		} else if (nheld) {
			int64_t b = held[--nheld];

			__atomic_store_n(&t->owner[b], 0, __ATOMIC_SEQ_CST);
			if (!rp_bitmap_release(t->m, (uint64_t)b))
				abort();
		}
	}
	while (nheld) {
		int64_t b = held[--nheld];

		__atomic_store_n(&t->owner[b], 0, __ATOMIC_SEQ_CST);
		rp_bitmap_release(t->m, (uint64_t)b);
	}
	return NULL;
}

static void test_threads_unique(void **st)
{
	(void)st;
	void *m = bm_new(BITS, true);
	uint8_t *owner = calloc(BITS, 1);
	pthread_t th[THREADS];
	struct thr t[THREADS];

	for (int i = 0; i < THREADS; i++) {
		t[i] = (struct thr){ m, owner, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, claimer, &t[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++)
		assert_true(t[i].claims > 0);
	assert_int_equal(rp_bitmap_count(m, 0, BITS), BITS);
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	free(owner);
	free(m);
}

/* Threads fight over 64 bits in one word (summary clear/re-set races). */
static void *fighter(void *arg)
{
	struct thr *t = arg;

	for (int i = 0; i < 50000; i++) {
		int64_t b = rp_bitmap_claim(t->m, 0, 4096, 0);

		if (b >= 0) {
			t->claims++;
			if (!rp_bitmap_release(t->m, (uint64_t)b))
				abort();
		}
	}
	return NULL;
}

static void test_threads_one_word(void **st)
{
	(void)st;
	void *m = bm_new(4096, false);
	pthread_t th[THREADS];
	struct thr t[THREADS];

	for (int i = 0; i < 3; i++)
		assert_true(rp_bitmap_release(m, 2000 + (uint64_t)i));
	for (int i = 0; i < THREADS; i++) {
		t[i] = (struct thr){ m, NULL, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, fighter, &t[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(rp_bitmap_count(m, 0, 4096), 3);
	/* the summary invariant holds once quiescent */
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	assert_true(rp_bitmap_claim(m, 0, 4096, 0) == 2000);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_claim_all_then_enospc),
		cmocka_unit_test(test_next_fit_and_wrap),
		cmocka_unit_test(test_ranges_and_iterate),
		cmocka_unit_test(test_summary_rebuild),
		cmocka_unit_test(test_large_sparse_free),
		cmocka_unit_test(test_threads_unique),
		cmocka_unit_test(test_threads_one_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
