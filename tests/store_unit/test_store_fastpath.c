/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fast paths of the node store and its bitmap, each checked against what the general path
 * guarantees: the claim's inline test of the hint word keeps to [from, to) and to next-fit order;
 * reserve skips (and consumes) a stale bit over a lease that is not FREE without handing it out;
 * the read section's unchanged-generation path still notices a new generation; a lease
 * hand-back that finds nothing to do leaves no window marker behind.  Uses store_internal.h to
 * plant a stale bit and to read the handle's reader slot.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bitmap/bitmap.h"
#include "shm/store.h"
#include "shm/store_internal.h"

#define STORE_FIXTURE_NAME "fastpath"
#include "store_fixture.h"

/* One pool "p" = 10.0.0.0 - 10.0.0.255 minus @excl (may be NULL). */
static void apply_pool(struct rp_store *s, const char *excl)
{
	struct rp_store_range r = { ip4("10.0.0.0"), ip4("10.0.0.255") }, x;
	struct rp_store_pool_def p = { .name = "p", .family = RP_FAM_V4, .nranges = 1, .ranges = &r };
	struct rp_store_config c = { 1, &p, "blob", 4 };
	struct rp_err e = { 0 };
	int ret;

	if (excl) {
		x = (struct rp_store_range){ ip4(excl), ip4(excl) };
		p.nexcl = 1;
		p.excl = &x;
	}
	ret = rp_store_apply(s, &c, &e);
	if (ret)
		fprintf(stderr, "apply: %d %s\n", ret, e.msg);
	assert_int_equal(ret, 0);
}

static void test_bitmap_hint_word(void **st)
{
	size_t bytes = rp_bitmap_bytes(4096);
	void *m = aligned_alloc(64, (bytes + 63) / 64 * 64);

	(void)st;
	assert_non_null(m);
	assert_int_equal(rp_bitmap_init(m, 4096, false), 0);
	/* word 1 (bits 64..127): bits 70, 75, 80 and 100 set */
	rp_bitmap_release(m, 70);
	rp_bitmap_release(m, 75);
	rp_bitmap_release(m, 80);
	rp_bitmap_release(m, 100);
	/* the range ends inside the hint's word: bits at or past @to are never taken */
	assert_int_equal(rp_bitmap_claim(m, 64, 80, 76), 70); /* 80 is outside: wraps to 70 */
	assert_int_equal(rp_bitmap_claim(m, 64, 80, 76), 75);
	assert_int_equal(rp_bitmap_claim(m, 64, 80, 76), -ENOSPC);
	assert_true(rp_bitmap_test(m, 80));
	/* next-fit: the first set bit at or after the hint, even with lower ones in the same word */
	rp_bitmap_release(m, 70);
	assert_int_equal(rp_bitmap_claim(m, 0, 4096, 71), 80);
	assert_int_equal(rp_bitmap_claim(m, 0, 4096, 71), 100);
	assert_int_equal(rp_bitmap_claim(m, 0, 4096, 71), 70);
	/* the range starts inside the hint's word: bits below @from are never taken */
	rp_bitmap_release(m, 65);
	assert_int_equal(rp_bitmap_claim(m, 66, 128, 66), -ENOSPC);
	assert_true(rp_bitmap_test(m, 65));
	/* a claim that empties its word still clears the summary (fsck's check stays clean) */
	assert_int_equal(rp_bitmap_claim(m, 64, 128, 64), 65);
	assert_int_equal(rp_bitmap_check_summary(m), 0);
	assert_int_equal(rp_bitmap_rebuild(m), 0);
	free(m);
}

/* A stale bit over a lease that is not FREE (what a window repair racing a live process may
 * leave): reserve consumes it without handing the address out, and the lease keeps its holder. */
static void test_reserve_skips_stale_bit(void **st)
{
	struct rp_store *s = open_store();
	struct rp_store_view v;
	struct rp_owner_key ka = { "c-holder", "net1" }, kb = { "c-other", "net1" };
	struct rp_owner oa, ob;
	struct rp_lease_info la, lb;
	struct rp_err e = { 0 };
	uint32_t pool = 0;

	(void)st;
	apply_pool(s, NULL);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(rp_store_owner_begin(s, &ka, NULL, &oa, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &oa, &pool, 1, NULL, &la, &e), 0);
	assert_int_equal(rp_store_commit(s, &oa, &e), 0);
	uint64_t held = atomic_load(&s->leases[la.id]);

	assert_int_equal(L_STATE(held), L_COMMITTED);
	assert_false(rp_bitmap_test(s->bitmap, la.id));
	assert_true(rp_bitmap_release(s->bitmap, la.id)); /* plant the stale bit */
	atomic_store(&s->hints[s->segs[s->pools[0].seg_first].extent].next, la.id);
	assert_int_equal(rp_store_owner_begin(s, &kb, NULL, &ob, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &ob, &pool, 1, NULL, &lb, &e), 0);
	assert_int_equal(lb.id, la.id + 1);
	assert_false(rp_bitmap_test(s->bitmap, la.id)); /* consumed */
	assert_int_equal(atomic_load(&s->leases[la.id]), held);
	assert_int_equal(rp_store_commit(s, &ob, &e), 0);
	assert_int_equal(rp_store_release(s, &ka, NULL), 1);
	assert_int_equal(rp_store_release(s, &kb, NULL), 1);
	assert_true(rp_bitmap_test(s->bitmap, la.id));
	assert_true(rp_bitmap_test(s->bitmap, lb.id));
	assert_int_equal(L_STATE(atomic_load(&s->leases[la.id])), L_FREE);
	rp_store_read_end(s);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

/* The unchanged-generation read section must still see a generation another handle publishes,
 * and then pin it. */
static void test_read_section_new_generation(void **st)
{
	struct rp_store *a = open_store(), *b;
	struct rp_store_view v1, v2, v3;

	(void)st;
	apply_pool(a, NULL);
	b = open_store();
	assert_int_equal(rp_store_read_begin(b, &v1), 0);
	assert_int_equal(rp_store_read_begin(b, &v2), -EINVAL); /* sections do not nest */
	rp_store_read_end(b);
	assert_int_equal(rp_store_read_begin(b, &v2), 0); /* the fast path */
	assert_int_equal(v2.gen, v1.gen);
	assert_int_equal(atomic_load(&b->readers[b->reader_slot].epoch), v1.gen);
	rp_store_read_end(b);
	assert_int_equal(atomic_load(&b->readers[b->reader_slot].epoch), 0);
	apply_pool(a, "10.0.0.9");
	assert_int_equal(rp_store_read_begin(b, &v3), 0);
	assert_int_equal(v3.gen, v1.gen + 1);
	assert_int_equal(v3.npools, 1);
	assert_int_equal(atomic_load(&b->readers[b->reader_slot].epoch), v3.gen);
	rp_store_read_end(b);
	assert_int_equal(rp_store_read_begin(b, &v2), 0); /* fast path again, on the new one */
	assert_int_equal(v2.gen, v3.gen);
	rp_store_read_end(b);
	rp_store_close(b);
	rp_store_close(a);
}

/* Window markers: set during a bit/lease window, cleared after; a hand-back with nothing to do
 * (release of an attachment that holds nothing, a second release) leaves none. */
static void test_window_marker_cleared(void **st)
{
	struct rp_store *s = open_store();
	struct rp_store_view v;
	struct rp_owner_key k = { "c-mark", "net1" };
	struct rp_owner o;
	struct rp_lease_info li;
	struct rp_err e = { 0 };
	uint32_t pool = 0;

	(void)st;
	apply_pool(s, NULL);
	_Atomic uint64_t *pend = &s->readers[s->reader_slot].pending;

	assert_int_equal(rp_store_read_begin(s, &v), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, &e), 0);
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
		assert_int_equal(atomic_load(pend), PEND_NONE);
		assert_int_equal(rp_store_commit(s, &o, &e), 0);
		assert_int_equal(rp_store_release(s, &k, NULL), 1);
		assert_int_equal(atomic_load(pend), PEND_NONE);
		assert_int_equal(rp_store_release(s, &k, NULL), 0);
		assert_int_equal(atomic_load(pend), PEND_NONE);
	}
	/* abort: both hand-backs (RESERVED, then COMMITTED: nothing) clear theirs */
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
	rp_store_abort(s, &o);
	assert_int_equal(atomic_load(pend), PEND_NONE);
	assert_true(rp_bitmap_test(s->bitmap, li.id));
	rp_store_read_end(s);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_hint_word),
		cmocka_unit_test_setup_teardown(test_reserve_skips_stale_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_section_new_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_marker_cleared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
