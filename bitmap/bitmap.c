/* SPDX-License-Identifier: Apache-2.0 */
#include "bitmap/bitmap.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#define BM_MAGIC 0x3170616d74696272ull /* "rbitmap1" */

/* Lives at the start of the caller's bytes; level words follow at off[k] (bytes from mem). */
struct bm_hdr {
	uint64_t magic;
	uint64_t nbits;
	uint32_t levels;
	uint32_t pad;
	uint64_t off[RP_BITMAP_MAX_LEVELS];
	uint64_t nwords[RP_BITMAP_MAX_LEVELS];
	uint64_t pad2;
};
_Static_assert(sizeof(struct bm_hdr) == 128, "bitmap header size");

static uint64_t words_for(uint64_t bits)
{
	return (bits + 63) / 64;
}

/* Fill @h for @nbits; returns total bytes. */
static size_t layout(struct bm_hdr *h, uint64_t nbits)
{
	uint64_t bits = nbits, off = sizeof(*h);
	uint32_t k = 0;

	memset(h, 0, sizeof(*h));
	h->magic = BM_MAGIC;
	h->nbits = nbits;
	for (;;) {
		uint64_t w = words_for(bits);

		h->off[k] = off;
		h->nwords[k] = w;
		off += w * 8;
		off = (off + 63) & ~63ull;
		k++;
		if (w == 1 || k == RP_BITMAP_MAX_LEVELS)
			break;
		bits = w;
	}
	h->levels = k;
	return (size_t)off;
}

size_t rp_bitmap_bytes(uint64_t nbits)
{
	struct bm_hdr h;

	if (nbits == 0 || nbits > RP_BITMAP_MAX_BITS)
		return 0;
	return layout(&h, nbits);
}

static const struct bm_hdr *hdr(const void *mem)
{
	return (const struct bm_hdr *)mem;
}

static _Atomic uint64_t *lvl(const void *mem, uint32_t k)
{
	return (_Atomic uint64_t *)((char *)mem + hdr(mem)->off[k]);
}

int rp_bitmap_check(const void *mem, size_t bytes)
{
	struct bm_hdr want;
	const struct bm_hdr *h = hdr(mem);

	if (bytes < sizeof(*h) || h->magic != BM_MAGIC || h->nbits == 0 ||
	    h->nbits > RP_BITMAP_MAX_BITS)
		return -EINVAL;
	if (layout(&want, h->nbits) > bytes || memcmp(&want, h, sizeof(want)) != 0)
		return -EINVAL;
	return 0;
}

uint64_t rp_bitmap_nbits(const void *mem)
{
	return hdr(mem)->magic == BM_MAGIC ? hdr(mem)->nbits : 0;
}

/* The last word of each level keeps its bits past the end clear, so searches need no tail mask. */
static uint64_t tail_mask(uint64_t bits)
{
	return bits % 64 ? (1ull << (bits % 64)) - 1 : ~0ull;
}

static uint64_t level_bits(const struct bm_hdr *h, uint32_t k)
{
	return k == 0 ? h->nbits : h->nwords[k - 1];
}

int rp_bitmap_init(void *mem, uint64_t nbits, bool set)
{
	struct bm_hdr h;
	size_t bytes;

	if (nbits == 0 || nbits > RP_BITMAP_MAX_BITS)
		return -EINVAL;
	bytes = layout(&h, nbits);
	if (set) {
		for (uint32_t k = 0; k < h.levels; k++) {
			uint64_t *w = (uint64_t *)((char *)mem + h.off[k]);

			memset(w, 0xff, h.nwords[k] * 8);
			w[h.nwords[k] - 1] = tail_mask(level_bits(&h, k));
		}
	} else {
		memset((char *)mem + sizeof(h), 0, bytes - sizeof(h));
	}
	memcpy(mem, &h, sizeof(h));
	return 0;
}

/* Set bit @i of level @k and propagate upwards while the word was empty (S2). */
static void sum_set(void *mem, uint32_t k, uint64_t i)
{
	const struct bm_hdr *h = hdr(mem);

	for (; k < h->levels; k++) {
		uint64_t bit = 1ull << (i % 64);
		uint64_t old = atomic_fetch_or_explicit(&lvl(mem, k)[i / 64], bit, memory_order_seq_cst);

		if (old != 0)
			return;
		i /= 64;
	}
}

/* Word @i of level @k-1 was seen empty: clear its summary bit in level @k (S1), then re-check
 * the word, because a releaser may have filled it between our observation and the clear.
 * Not inlined: rare, and it would make the claim's fast path set up a large frame. */
static __attribute__((noinline)) void sum_clear(void *mem, uint32_t k, uint64_t i)
{
	const struct bm_hdr *h = hdr(mem);

	while (k < h->levels) {
		uint64_t bit = 1ull << (i % 64);
		uint64_t old = atomic_fetch_and_explicit(&lvl(mem, k)[i / 64], ~bit, memory_order_seq_cst);

		/* S1: pairs with S2 in sum_set() (releaser: level-0 fetch_or, then summary fetch_or). */
		if (atomic_load_explicit(&lvl(mem, k - 1)[i], memory_order_seq_cst) != 0) {
			sum_set(mem, k, i);
			return;
		}
		if ((old & ~bit) != 0 || !(old & bit))
			return;
		i /= 64;
		k++;
	}
}

/* First set bit of level @k in [@pos, @end), or -1.  Stale-positive summaries only cost a retry.
 * Not inlined: callers test the first word themselves when that is the common case. */
static __attribute__((noinline)) int64_t find(const void *mem, uint32_t k, uint64_t pos, uint64_t end)
{
	const struct bm_hdr *h = hdr(mem);
	_Atomic uint64_t *l = lvl(mem, k);

	while (pos < end) {
		uint64_t w = pos / 64, last = (end - 1) / 64;
		uint64_t word = atomic_load_explicit(&l[w], memory_order_relaxed);

		word &= ~0ull << (pos % 64);
		if (w == last && end % 64)
			word &= (1ull << (end % 64)) - 1;
		if (word)
			return (int64_t)(w * 64 + (uint64_t)__builtin_ctzll(word));
		if (w == last)
			return -1;
		if (k + 1 >= h->levels) {
			pos = (w + 1) * 64; /* top level: a plain scan of its (at most few) words */
			continue;
		}
		int64_t nw = find(mem, k + 1, w + 1, last + 1);

		if (nw < 0)
			return -1;
		pos = (uint64_t)nw * 64;
	}
	return -1;
}

/* The set bits of level-0 word @w that lie in [@pos, @end) (@pos inside word @w). */
static inline uint64_t word_in_range(_Atomic uint64_t *l0, uint64_t w, uint64_t pos, uint64_t end)
{
	uint64_t word = atomic_load_explicit(&l0[w], memory_order_relaxed) & (~0ull << (pos % 64));

	if (w == (end - 1) / 64 && end % 64)
		word &= (1ull << (end % 64)) - 1;
	return word;
}

/* The general claim loop: search (wrapping inside the range), take the bit, search on from there
 * if another claimer took it first. */
static __attribute__((noinline)) int64_t claim_loop(void *mem, uint64_t from, uint64_t to,
						     uint64_t start)
{
	const struct bm_hdr *h = hdr(mem);
	_Atomic uint64_t *l0 = lvl(mem, 0);

	for (;;) {
		int64_t b = find(mem, 0, start, to);

		if (b < 0 && start > from)
			b = find(mem, 0, from, start);
		if (b < 0)
			return -ENOSPC;
		uint64_t i = (uint64_t)b, bit = 1ull << (i % 64);
		uint64_t old = atomic_fetch_and_explicit(&l0[i / 64], ~bit, memory_order_seq_cst);

		if (old & bit) {
			if (old == bit && h->levels > 1)
				sum_clear(mem, 1, i / 64);
			return b;
		}
		start = i; /* lost the race for this bit: someone progressed; search on from here */
	}
}

int64_t rp_bitmap_claim(void *mem, uint64_t from, uint64_t to, uint64_t start)
{
	const struct bm_hdr *h = hdr(mem);
	_Atomic uint64_t *l0 = lvl(mem, 0);

	if (from >= to || to > h->nbits)
		return -EINVAL;
	if (start < from || start >= to)
		start = from;
	/* Next-fit mostly finds its bit in the hint's own word: take it here, without the loop's
	 * stack frame and before find(), whose per-level setup (masks for every level, hoisted by
	 * the compiler) costs more than this whole one-word claim. */
	uint64_t fw = word_in_range(l0, start / 64, start, to);

	if (fw) {
		uint64_t i = start / 64 * 64 + (uint64_t)__builtin_ctzll(fw), bit = 1ull << (i % 64);
		uint64_t old = atomic_fetch_and_explicit(&l0[i / 64], ~bit, memory_order_seq_cst);

		if (old & bit) {
			if (old == bit && h->levels > 1)
				sum_clear(mem, 1, i / 64);
			return (int64_t)i;
		}
		start = i; /* lost the race for this bit */
	}
	return claim_loop(mem, from, to, start);
}

int rp_bitmap_claim_bit(void *mem, uint64_t i)
{
	const struct bm_hdr *h = hdr(mem);
	uint64_t bit = 1ull << (i % 64), old;

	if (i >= h->nbits)
		return -EINVAL;
	old = atomic_fetch_and_explicit(&lvl(mem, 0)[i / 64], ~bit, memory_order_seq_cst);
	if (!(old & bit))
		return -EBUSY;
	if (old == bit && h->levels > 1)
		sum_clear(mem, 1, i / 64);
	return 0;
}

bool rp_bitmap_release(void *mem, uint64_t i)
{
	const struct bm_hdr *h = hdr(mem);
	uint64_t bit = 1ull << (i % 64), old;

	if (i >= h->nbits)
		return false;
	/* S2: pairs with S1 in sum_clear(); also publishes the caller's prior writes to the claimer. */
	old = atomic_fetch_or_explicit(&lvl(mem, 0)[i / 64], bit, memory_order_seq_cst);
	if (old == 0 && h->levels > 1)
		sum_set(mem, 1, i / 64);
	return !(old & bit);
}

const void *rp_bitmap_word(const void *mem, uint64_t i)
{
	if (i >= hdr(mem)->nbits)
		return NULL;
	return &lvl(mem, 0)[i / 64];
}

bool rp_bitmap_test(const void *mem, uint64_t i)
{
	if (i >= hdr(mem)->nbits)
		return false;
	return (atomic_load_explicit(&lvl(mem, 0)[i / 64], memory_order_acquire) >> (i % 64)) & 1;
}

uint64_t rp_bitmap_count(const void *mem, uint64_t from, uint64_t to)
{
	const struct bm_hdr *h = hdr(mem);
	uint64_t n = 0;

	if (to > h->nbits)
		to = h->nbits;
	while (from < to) {
		uint64_t w = from / 64;
		uint64_t word = atomic_load_explicit(&lvl(mem, 0)[w], memory_order_relaxed);

		word &= ~0ull << (from % 64);
		if (w == (to - 1) / 64 && to % 64)
			word &= (1ull << (to % 64)) - 1;
		n += (uint64_t)__builtin_popcountll(word);
		from = (w + 1) * 64;
	}
	return n;
}

int64_t rp_bitmap_next(const void *mem, uint64_t from, uint64_t to)
{
	const struct bm_hdr *h = hdr(mem);
	int64_t b;

	if (to > h->nbits)
		to = h->nbits;
	if (from >= to)
		return -ENOSPC;
	b = find(mem, 0, from, to);
	return b < 0 ? -ENOSPC : b;
}

uint64_t rp_bitmap_rebuild(void *mem)
{
	const struct bm_hdr *h = hdr(mem);
	uint64_t changed = 0;

	for (uint32_t k = 1; k < h->levels; k++) {
		_Atomic uint64_t *below = lvl(mem, k - 1), *l = lvl(mem, k);

		for (uint64_t w = 0; w < h->nwords[k]; w++) {
			uint64_t v = 0;

			for (uint64_t b = 0; b < 64 && w * 64 + b < h->nwords[k - 1]; b++)
				if (atomic_load_explicit(&below[w * 64 + b], memory_order_relaxed))
					v |= 1ull << b;
			if (atomic_load_explicit(&l[w], memory_order_relaxed) != v) {
				atomic_store_explicit(&l[w], v, memory_order_relaxed);
				changed++;
			}
		}
	}
	/* Level 0's tail bits past nbits must stay clear: searches rely on it. */
	_Atomic uint64_t *l0 = lvl(mem, 0);
	uint64_t last = h->nwords[0] - 1, v = atomic_load_explicit(&l0[last], memory_order_relaxed);

	if (v & ~tail_mask(h->nbits)) {
		atomic_store_explicit(&l0[last], v & tail_mask(h->nbits), memory_order_relaxed);
		changed++;
	}
	return changed;
}

uint64_t rp_bitmap_check_summary(const void *mem)
{
	const struct bm_hdr *h = hdr(mem);
	uint64_t bad = 0;

	for (uint32_t k = 1; k < h->levels; k++) {
		_Atomic uint64_t *below = lvl(mem, k - 1), *l = lvl(mem, k);

		for (uint64_t i = 0; i < h->nwords[k - 1]; i++)
			if (atomic_load_explicit(&below[i], memory_order_relaxed) &&
			    !((atomic_load_explicit(&l[i / 64], memory_order_relaxed) >> (i % 64)) & 1))
				bad++;
	}
	return bad;
}
