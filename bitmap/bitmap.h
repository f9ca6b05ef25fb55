/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lock-free hierarchical bitmap over caller memory (typically inside the mmap'd node store).
 * All state lives in the caller's bytes: offsets, never pointers, so every process may map the
 * bytes at a different address.  Level 0 holds one bit per item (1 = set, e.g. "free"); each
 * upper level holds one bit per 64-bit word of the level below meaning "that word may have a
 * set bit".  Summary bits are hints: they may be stale-positive at any time and stale-negative
 * only transiently (between a releaser's level-0 fetch_or and its summary fetch_or, or while a
 * claimer re-checks a word it just saw empty).  A search therefore costs O(levels) word scans,
 * independent of the number of bits and of how many are set.
 *
 * Concurrency (any number of threads/processes on the same bytes):
 *   operation            | may run concurrently with
 *   claim / claim_bit    | everything except init / rebuild
 *   release              | everything except init / rebuild
 *   test / count / next  | everything (results are a snapshot of each word, not of the whole)
 *   init / rebuild       | nothing (caller-exclusive: creation, fsck --repair)
 *
 * Memory ordering: every read-modify-write is seq_cst.  S1/S2 below is the one pairing:
 * a claimer that empties a word clears its summary bit (S1) and then re-loads the word; a
 * releaser sets a level-0 bit and then, if the word was empty, sets the summary bit (S2).  In
 * the seq_cst total order either the claimer's re-load sees the new bit (and re-sets the summary)
 * or the releaser's summary fetch_or comes after the clear, so a summary bit is never left
 * clear over a non-empty word.  A claim (fetch_and) reads-from the releasing fetch_or, so a
 * claimer sees everything the releaser wrote before releasing (the lease state word).
 *
 * Allocations: none.  Errors: -EINVAL (bad size/range), -ENOSPC (nothing set), -EBUSY.
 */
#ifndef RP_BITMAP_H
#define RP_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_BITMAP_MAX_BITS (1ull << 32)
#define RP_BITMAP_MAX_LEVELS 6

/* Bytes of caller memory needed for @nbits bits (header included, 64-byte aligned start
 * required), or 0 if @nbits is 0 or above RP_BITMAP_MAX_BITS. */
size_t rp_bitmap_bytes(uint64_t nbits);

/* Lay out @nbits bits in @mem (rp_bitmap_bytes(nbits) bytes), all set or all clear.  A zero-filled
 * buffer plus rp_bitmap_init(mem, n, false) only writes the header, so a sparse file stays sparse. */
int rp_bitmap_init(void *mem, uint64_t nbits, bool set);

/* Number of bits, from the header (0 if the header is invalid). */
uint64_t rp_bitmap_nbits(const void *mem);

/* Check the header (nbits, levels, offsets) against @bytes available; 0 or -EINVAL. */
int rp_bitmap_check(const void *mem, size_t bytes);

/* Find a set bit in [@from, @to), searching next-fit from @start (wrapping inside the range),
 * clear it atomically and return its index; -ENOSPC if none was found, -EINVAL for a bad range. */
int64_t rp_bitmap_claim(void *mem, uint64_t from, uint64_t to, uint64_t start);

/* Atomically clear bit @bit: 0 if this call cleared it, -EBUSY if it was already clear. */
int rp_bitmap_claim_bit(void *mem, uint64_t bit);

/* Atomically set bit @bit; returns true if it was clear before (false: it was already set). */
bool rp_bitmap_release(void *mem, uint64_t bit);

bool rp_bitmap_test(const void *mem, uint64_t bit);
/* The level-0 word holding bit @bit (what a claim or release of it touches first), or NULL if
 * @bit is out of range: for a caller that maps its pages ahead of use. */
const void *rp_bitmap_word(const void *mem, uint64_t bit);

/* Set bits in [@from, @to). */
uint64_t rp_bitmap_count(const void *mem, uint64_t from, uint64_t to);

/* First set bit in [@from, @to) or -ENOSPC (iterate: next(i + 1, to)). O(levels). */
int64_t rp_bitmap_next(const void *mem, uint64_t from, uint64_t to);

/* Recompute every summary level from level 0 (caller-exclusive). Returns how many summary
 * words changed (0 = the summaries were exact). */
uint64_t rp_bitmap_rebuild(void *mem);

/* Count summary bits that are clear over a non-empty word (must be 0 when quiescent). */
uint64_t rp_bitmap_check_summary(const void *mem);

#ifdef __cplusplus
}
#endif
#endif
