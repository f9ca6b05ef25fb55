/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read sections: pinning a config generation with the cross-process epoch slots.
 *
 * Why no liburcu here: a struct rp_store handle belongs to one thread at a time, and the parsed
 * view (pointers into the mapping) is cached in the handle, so there is no pointer shared
 * between threads of one process that could need in-process RCU.  Multithreaded users open one
 * handle per thread; each handle has its own epoch slot, and the cross-process epoch protocol
 * below is what protects the config areas.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shm/store_internal.h"

static void view_fill(const struct rp_store *s, struct rp_store_view *v)
{
	v->gen = s->view_ctl >> 32;
	v->blob = (const char *)s->cfg + s->cfg->blob_off;
	v->blob_len = s->cfg->blob_len;
	v->npools = s->cfg->npools;
}

static __attribute__((noinline)) int read_begin_slow(struct rp_store *s, struct rp_store_view *v)
{
	const char *why; /* rp_store_fsck() and rp_store_open() explain a failure */

	for (;;) {
		/* A1: pairs with R1 in publish() (store_apply.c): the area is complete before ctl. */
		uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire);
		uint64_t gen = c >> 32;

		if (c != s->view_ctl && ((uint32_t)c != rp_store_ctl_hash(gen) || gen == 0))
			return -EBADMSG;
		if (s->reader_slot >= 0) {
			struct rp_shm_reader *r = &s->readers[s->reader_slot];

			if (s->asym && c == s->view_ctl) {
				/* D1a: the same Dekker without the reader's fence (a locked
				 * instruction per section): the writer's membarrier() in
				 * rp_store_membarrier(), between its ctl store and its epoch scan,
				 * runs a full barrier on this thread, so either the writer sees
				 * our epoch or our re-load sees its ctl.  Only while the
				 * generation is the one this handle last pinned. */
				atomic_store_explicit(&r->epoch, gen, memory_order_relaxed);
				atomic_signal_fence(memory_order_seq_cst);
				if (atomic_load_explicit(&s->ctl->ctl, memory_order_relaxed) != c)
					continue;
			} else {
				/* D1: store epoch, then re-load ctl (both seq_cst); pairs with D2
				 * in rp_store_wait_readers(): apply stores ctl, then scans the
				 * epochs.  Either apply sees our epoch, or we see its new ctl and
				 * retry. */
				atomic_store_explicit(&r->epoch, gen, memory_order_seq_cst);
				if (atomic_load_explicit(&s->ctl->ctl, memory_order_seq_cst) != c)
					continue;
			}
		}
		if (c != s->view_ctl) {
			const struct rp_cfg_hdr *cfg = rp_store_cfg_area(s, gen);

			if (rp_store_cfg_check(s, cfg, gen, 0, &why) < 0) {
				if (s->reader_slot >= 0)
					atomic_store_explicit(&s->readers[s->reader_slot].epoch, 0,
							      memory_order_release);
				return -EBADMSG;
			}
			s->cfg = cfg;
			s->pools = (const void *)((const char *)cfg + cfg->pools_off);
			s->segs = (const void *)((const char *)cfg + cfg->segs_off);
			s->exts = (const void *)((const char *)cfg + cfg->exts_off);
			s->view_ctl = c;
		}
		break;
	}
	s->in_read = 1;
	if (v)
		view_fill(s, v);
	return 0;
}

int rp_store_read_begin(struct rp_store *s, struct rp_store_view *v)
{
	if (s->in_read)
		return -EINVAL;
	/* The common case, without the slow path's stack frame: an RD_ASYM handle whose generation
	 * is unchanged (D1a, exactly as in the loop of read_begin_slow(), which also handles a
	 * re-load that sees a new generation). */
	if (s->asym && s->reader_slot >= 0) {
		uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire); /* A1 */

		if (c == s->view_ctl) {
			atomic_store_explicit(&s->readers[s->reader_slot].epoch, c >> 32,
					      memory_order_relaxed);
			atomic_signal_fence(memory_order_seq_cst);
			if (atomic_load_explicit(&s->ctl->ctl, memory_order_relaxed) == c) {
				s->in_read = 1;
				if (v)
					view_fill(s, v);
				return 0;
			}
		}
	}
	return read_begin_slow(s, v);
}

void rp_store_read_end(struct rp_store *s)
{
	if (!s->in_read)
		return;
	s->in_read = 0;
	if (s->reader_slot >= 0) {
		/* R2: pairs with D2 in rp_store_wait_readers(): our reads of the area are done. */
		atomic_store_explicit(&s->readers[s->reader_slot].epoch, 0, memory_order_release);
		/* R6: pairs with A6 in rp_store_grace(). */
		atomic_store_explicit(&s->readers[s->reader_slot].seq, ++s->read_seq,
				      memory_order_release);
	}
}

int rp_store_pool_find(struct rp_store *s, const char *name)
{
	if (!s->in_read || !name)
		return -EINVAL;
	for (uint32_t i = 0; i < s->cfg->npools; i++)
		if (strncmp(s->pools[i].name, name, RP_NAME_MAX) == 0)
			return (int)i;
	return -ENOENT;
}

int rp_store_pool_info(struct rp_store *s, uint32_t pool, struct rp_store_pool_info *out)
{
	if (!s->in_read)
		return -EINVAL;
	if (pool >= s->cfg->npools)
		return -ENOENT;
	const struct rp_cfg_pool *p = &s->pools[pool];
	uint64_t free_n = 0;

	memset(out, 0, sizeof(*out));
	memcpy(out->name, p->name, RP_NAME_MAX);
	out->name[RP_NAME_MAX - 1] = '\0';
	out->family = p->family;
	for (uint32_t j = 0; j < p->nsegs; j++) {
		const struct rp_cfg_seg *g = &s->segs[p->seg_first + j];

		free_n += rp_bitmap_count(s->bitmap, g->from, g->to);
	}
	out->total = p->total;
	out->free = free_n > p->total ? p->total : free_n;
	out->used = out->total - out->free;
	return 0;
}

const char *rp_store_pool_name(struct rp_store *s, uint32_t pool)
{
	/* names are NUL-terminated when apply writes them (copied with RP_NAME_MAX - 1) */
	if (!s->in_read || pool >= s->cfg->npools)
		return NULL;
	return s->pools[pool].name;
}

uint32_t rp_store_lease_pool(struct rp_store *s, uint64_t lease, struct rp_ip *ip)
{
	const struct rp_cfg_hdr *c = s->cfg;
	uint32_t lo = 0, hi = c->nextents;

	if (ip)
		memset(ip, 0, sizeof(*ip));
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->exts[mid].lease_base + s->exts[mid].count <= lease)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= c->nextents || lease < s->exts[lo].lease_base)
		return UINT32_MAX;
	if (ip)
		*ip = rp_ip_from_u128(s->exts[lo].family, rp_store_be128(s->exts[lo].base) +
								 (lease - s->exts[lo].lease_base));
	for (uint32_t i = 0; i < c->nsegs; i++)
		if (s->segs[i].from <= lease && lease < s->segs[i].to)
			return s->segs[i].pool;
	return UINT32_MAX;
}

int rp_store_membarrier_register(void)
{
	return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0 ? 0 : -errno;
}

int rp_store_membarrier(struct rp_store *s, struct rp_err *e)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0 ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return 0;
	/* No barrier here (seccomp?): fine unless a live reader skips its fence.  A reader
	 * publishes RD_ASYM (seq_cst) before its first section, which is symmetric, so one that
	 * registers after this scan pins a generation >= the one published before it. */
	for (uint32_t i = 0; i < s->h.max_readers; i++) {
		struct rp_shm_reader *r = &s->readers[i];
		uint64_t o = atomic_load_explicit(&r->owner, memory_order_seq_cst);

		if ((int32_t)i == s->reader_slot || o == 0 ||
		    atomic_load_explicit(&r->mode, memory_order_seq_cst) != RD_ASYM)
			continue;
		if (rp_store_proc_alive(s, o))
			return rp_err_set(e, -ENOSYS, "store %s: membarrier() is unavailable in this "
					  "process but reader pid %d relies on it", s->path,
					  (int)PROC_PID(o));
	}
	return 0;
}

int rp_store_wait_readers(struct rp_store *s, uint64_t gen, struct rp_err *e)
{
	uint64_t deadline = rp_store_now_ns() + (uint64_t)RP_STORE_WAIT_MS * 1000000ull;
	int ret;

	/* D1a: after the ctl store of gen + 1 (ours, or the previous apply's, seen through the
	 * writer word), before the epoch loads. */
	if ((ret = rp_store_membarrier(s, e)) < 0)
		return ret;

	for (uint32_t i = 0; i < s->h.max_readers; i++) {
		struct rp_shm_reader *r = &s->readers[i];

		if ((int32_t)i == s->reader_slot)
			continue;
		for (unsigned spins = 0;; spins++) {
			uint64_t o = atomic_load_explicit(&r->owner, memory_order_seq_cst);
			/* D2: pairs with D1 in rp_store_read_begin(); with R2 in read_end (acquire). */
			uint64_t ep = atomic_load_explicit(&r->epoch, memory_order_seq_cst);

			if (o == 0 || ep == 0 || ep > gen)
				break;
			if (!rp_store_proc_alive(s, o))
				break; /* a crashed reader never blocks reclamation */
			if (rp_store_now_ns() > deadline)
				return rp_err_set(e, -ETIMEDOUT, "store %s: reader pid %d still uses config "
						  "generation %llu after %d ms", s->path, (int)PROC_PID(o),
						  (unsigned long long)ep, RP_STORE_WAIT_MS);
			if (spins > 100) {
				struct timespec ts = { 0, 200000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	return 0;
}

int rp_store_grace(struct rp_store *s, unsigned ms)
{
	uint64_t deadline = rp_store_now_ns() + (uint64_t)ms * 1000000ull;
	int ret;

	/* D1a: an asymmetric reader's epoch store is visible before the scan below. */
	if ((ret = rp_store_membarrier(s, NULL)) < 0)
		return ret;

	for (uint32_t i = 0; i < s->h.max_readers; i++) {
		struct rp_shm_reader *r = &s->readers[i];

		if ((int32_t)i == s->reader_slot)
			continue;
		/* A6: pairs with R6 in rp_store_read_end(); seq_cst like D2. */
		uint64_t seq0 = atomic_load_explicit(&r->seq, memory_order_seq_cst);

		for (unsigned spins = 0;; spins++) {
			uint64_t o = atomic_load_explicit(&r->owner, memory_order_seq_cst);

			if (o == 0 || atomic_load_explicit(&r->epoch, memory_order_seq_cst) == 0 ||
			    atomic_load_explicit(&r->seq, memory_order_acquire) != seq0 ||
			    !rp_store_proc_alive(s, o))
				break;
			if (rp_store_now_ns() > deadline)
				return -ETIMEDOUT;
			if (spins > 100) {
				struct timespec ts = { 0, 100000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	return 0;
}
