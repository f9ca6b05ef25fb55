/* SPDX-License-Identifier: Apache-2.0 */
/* Recovery and maintenance: sweep, foreach/gc, stats, fsck. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "shm/store_internal.h"

/* Is COMMITTED(rec, tag) still referenced by its record?  Conservative: when in doubt, yes. */
static int commit_owned(struct rp_store *s, uint32_t rec, uint32_t tag)
{
	if (rec >= s->nslots)
		return 0;
	struct rp_owner_rec *r = &s->owners[rec];
	uint64_t st = atomic_load_explicit(&r->state, memory_order_acquire);

	switch (O_STATE(st)) {
	case O_LIVE:
		return (uint32_t)O_PAYLOAD(st) == tag;
	case O_RESERVED:
	case O_RELEASING:
		return META_TAG(atomic_load_explicit(&r->meta, memory_order_relaxed)) == tag;
	default:
		return 0;
	}
}

/* @full: also free orphaned COMMITTED leases (touches their owner records: cold pages, so
 * only the full sweep does it). */
static void sweep_lease(struct rp_store *s, uint64_t id, struct rp_sweep_stats *st, int full)
{
	uint64_t w = atomic_load_explicit(&s->leases[id], memory_order_acquire);

	switch (L_STATE(w)) {
	case L_RESERVED:
		if (!rp_store_proc_alive(s, L_PAYLOAD(w) & ~L_DOOMED)) {
			rp_store_lease_put(s, id, w & ~L_DOOMED);
			atomic_fetch_add_explicit(&s->ctl->swept_leases, 1, memory_order_relaxed);
			if (st)
				st->leases_freed++;
		}
		break;
	case L_COMMITTED:
		if (full && !commit_owned(s, L_COMMIT_REC(w), L_COMMIT_TAG(w))) {
			rp_store_lease_put(s, id, w & ~L_DOOMED);
			atomic_fetch_add_explicit(&s->ctl->swept_orphans, 1, memory_order_relaxed);
			if (st)
				st->orphans_freed++;
		}
		break;
	}
}

uint64_t rp_store_sweep_range(struct rp_store *s, uint64_t from, uint64_t to)
{
	struct rp_sweep_stats st = { 0 };

	for (uint64_t id = from; id < to; id++)
		sweep_lease(s, id, &st, 0);
	return st.leases_freed;
}

uint64_t rp_store_sweep_pools(struct rp_store *s, const uint32_t *pools, uint32_t npools, uint64_t budget)
{
	uint64_t freed = 0;

	for (uint32_t pi = 0; pi < npools && budget; pi++) {
		if (pools[pi] >= s->cfg->npools)
			continue;
		const struct rp_cfg_pool *p = &s->pools[pools[pi]];

		for (uint32_t j = 0; j < p->nsegs && budget; j++) {
			const struct rp_cfg_seg *g = &s->segs[p->seg_first + j];
			uint64_t to = g->to - g->from > budget ? g->from + budget : g->to;

			freed += rp_store_sweep_range(s, g->from, to);
			budget -= to - g->from;
		}
	}
	return freed;
}

static void sweep_owner(struct rp_store *s, uint32_t i, struct rp_sweep_stats *st)
{
	uint64_t w = atomic_load_explicit(&s->owners[i].state, memory_order_acquire);

	if ((O_STATE(w) == O_RESERVED || O_STATE(w) == O_RELEASING) &&
	    !rp_store_proc_alive(s, O_PAYLOAD(w))) {
		rp_store_owner_finish(s, i, w);
		if (st)
			st->owners_freed++;
	}
}

/*
 * Scanning the owner table must not touch pages the file never had: on tmpfs a read fault on a
 * hole of a shared mapping allocates the page, and a full scan would make a 2 MiB store 75 MiB.
 * A record whose first byte lies in a hole has a zero state word, i.e. O_EMPTY, so skipping it
 * loses nothing.  slot_skip() returns @i if record @i starts in data, else the first record that
 * does (or nslots); *@data_end caches where the current data run ends so that a scan costs two
 * lseek() calls per run of written pages, not one per record.  On an lseek error nothing is
 * skipped.
 */
static uint32_t slot_skip(const struct rp_store *s, uint32_t i, uint32_t *data_end)
{
	const uint64_t rs = sizeof(struct rp_owner_rec), base = s->h.owners_off;
	off_t off, d, h;

	if (i < *data_end)
		return i;
	off = (off_t)(base + (uint64_t)i * rs);
	d = lseek(s->fd, off, SEEK_DATA);
	if (d < 0) {
		if (errno == ENXIO)
			return s->nslots; /* nothing written past @off */
		*data_end = s->nslots;
		return i;
	}
	if (d > off)
		i = (uint32_t)(((uint64_t)d - base + rs - 1) / rs);
	if (i >= s->nslots)
		return s->nslots;
	h = lseek(s->fd, (off_t)(base + (uint64_t)i * rs), SEEK_HOLE);
	*data_end = h < 0 ? s->nslots : (uint32_t)(((uint64_t)h - base + rs - 1) / rs);
	if (*data_end <= i)
		*data_end = i + 1;
	return i;
}

/*
 * Bounded sweep from the handle's private cursors (no shared cursor: no cache-line ping-pong):
 * @budget consecutive leases (RESERVED by dead processes), and one owner record per 256 calls
 * (records are 576 bytes apart: each visit may fault in a cold page of a fresh mapping).
 */
void rp_store_sweep_some(struct rp_store *s, uint32_t budget, struct rp_sweep_stats *st)
{
	uint64_t nl = s->cfg ? s->cfg->next_lease : 0;
	uint32_t owners = st ? budget / 8 + 1 : (s->sweep_owner_calls++ % 256 == 0);

	if (s->rdonly)
		return;
	if (nl) {
		uint64_t c = s->sweep_lease % nl; /* one division, not one per lease */

		for (uint32_t i = 0; i < budget; i++) {
			sweep_lease(s, c, st, 0);
			c = c + 1 == nl ? 0 : c + 1;
		}
		s->sweep_lease = c;
		/* The next sweep (a few calls away) starts here: in a large store those lines are
		 * cold, so start fetching them now rather than stall on each then. */
		for (uint32_t i = 0; i < 24 && c + i < nl; i += 8)
			__builtin_prefetch(&s->leases[c + i], 0, 1);
	}
	for (uint32_t i = 0; i < owners; i++) {
		/* Never fault in a hole of the owner table (see slot_skip()): on tmpfs that allocates
		 * the page, so the rotating cursor would slowly make the whole table resident, and
		 * each fault costs microseconds.  The handle remembers the written run the cursor is
		 * in (pages never become holes again: the file is never punched), so a long-lived
		 * handle pays the lseek()s only when it leaves a run, not on every visit (two system
		 * calls, several microseconds in a VM with page-table isolation). */
		uint32_t at = (uint32_t)(s->sweep_owner % s->nslots), j = at, de = 0;

		if (at < s->sweep_ds || at >= s->sweep_de) {
			j = slot_skip(s, at, &de);
			s->sweep_ds = j;
			s->sweep_de = j < s->nslots ? de : 0;
		}
		if (j < s->nslots) {
			sweep_owner(s, j, st);
			s->sweep_owner += j - at + 1;
		} else {
			s->sweep_owner += s->nslots - at; /* wrap to record 0 */
		}
	}
	if (st)
		st->scanned += budget + owners;
}

/* Does another reader slot than @skip (live, or dead and not yet repaired) declare a window
 * over lease @id?  Such a lease is left to that process (or to its own repair). */
static bool pending_elsewhere(struct rp_store *s, uint64_t id, uint32_t skip, uint32_t nslots)
{
	for (uint32_t i = 0; i < nslots; i++) {
		const struct rp_shm_reader *r = &s->readers[i];
		uint64_t p;

		if (i == skip || atomic_load_explicit(&r->owner, memory_order_relaxed) == 0)
			continue;
		p = atomic_load_explicit(&r->pending, memory_order_acquire);
		if (!p)
			continue;
		if (p & PEND_EXT) {
			uint64_t x = p & ~PEND_EXT;

			if (x < s->cfg->nextents && id >= s->exts[x].lease_base &&
			    id - s->exts[x].lease_base < s->exts[x].count)
				return true;
		} else if (p - 1 == id) {
			return true;
		}
	}
	return false;
}

/* Restore the bit of every FREE, bit-clear lease in the window @p that no other slot claims. */
static uint64_t pending_fix(struct rp_store *s, uint64_t p, uint32_t slot, uint32_t nslots)
{
	uint64_t from, to, fixed = 0;

	if (p & PEND_EXT) {
		uint64_t x = p & ~PEND_EXT;

		if (x >= s->cfg->nextents)
			return 0;
		from = s->exts[x].lease_base;
		to = from + s->exts[x].count;
	} else {
		from = p - 1;
		to = from + 1;
	}
	if (to > s->cfg->next_lease)
		to = s->cfg->next_lease;
	for (uint64_t id = from; id < to; id++) {
		uint64_t w = atomic_load_explicit(&s->leases[id], memory_order_acquire);

		/* reserved, but killed before its record listed it: free it if its holder is dead
		 * (sweep_lease() checks; a record that does list it is finished by CAS on the same
		 * word, so the lease is freed once) */
		if (L_STATE(w) == L_RESERVED) {
			fixed += rp_store_sweep_range(s, id, id + 1);
			continue;
		}
		if (L_STATE(w) != L_FREE || rp_bitmap_test(s->bitmap, id) || pending_elsewhere(s, id, slot, nslots))
			continue;
		rp_store_lease_bit_set(s, id);
		fixed++;
	}
	return fixed;
}

uint64_t rp_store_pending_repair(struct rp_store *s, uint32_t nslots)
{
	uint64_t me = rp_store_self(), fixed = 0;

	if (s->rdonly || !s->cfg)
		return 0;
	if (nslots > s->h.max_readers)
		nslots = s->h.max_readers;
	for (uint32_t i = 0; i < nslots; i++) {
		struct rp_shm_reader *r = &s->readers[i];
		uint64_t p = atomic_load_explicit(&r->pending, memory_order_acquire), o;

		if (!p)
			continue;
		if ((int32_t)i == s->reader_slot) {
			/* inherited from the dead process whose slot reader_claim() took over; this
			 * handle has not started a window yet (open runs this first) */
			fixed += pending_fix(s, p, i, nslots);
			atomic_store_explicit(&r->pending, PEND_NONE, memory_order_release);
			continue;
		}
		o = atomic_load_explicit(&r->owner, memory_order_relaxed);
		if (o == 0 || rp_store_proc_alive(s, o))
			continue;
		/* Take the dead slot so exactly one process repairs it; clear its epoch first so a
		 * writer never waits on a section that died with its process. */
		if (!atomic_compare_exchange_strong_explicit(&r->owner, &o, me, memory_order_acq_rel,
							     memory_order_relaxed))
			continue;
		atomic_store_explicit(&r->epoch, 0, memory_order_release);
		fixed += pending_fix(s, atomic_load_explicit(&r->pending, memory_order_acquire), i, nslots);
		atomic_store_explicit(&r->pending, PEND_NONE, memory_order_release);
		atomic_store_explicit(&r->owner, 0, memory_order_release);
	}
	if (fixed)
		atomic_fetch_add_explicit(&s->ctl->swept_leases, fixed, memory_order_relaxed);
	return fixed;
}

/*
 * A process killed between a lease's FREE store and its bitmap fetch_or (release), or between
 * the bitmap claim and the FREE->RESERVED CAS (reserve), leaves a FREE lease whose bit is
 * clear: invisible to allocation.  Live processes pass through the same state for a few
 * instructions, always inside a read section (or under the writer lock, for apply), so: note
 * the candidates, hold the writer lock, wait one grace period; those still FREE with a clear
 * bit were abandoned.  Returns how many were restored.
 */
static uint64_t repair_lost_bits(struct rp_store *s)
{
	uint64_t *cand = NULL, n = 0, cap = 0, fixed = 0;

	for (uint64_t id = 0; id < s->cfg->next_lease; id++) {
		if (L_STATE(atomic_load_explicit(&s->leases[id], memory_order_acquire)) != L_FREE ||
		    rp_bitmap_test(s->bitmap, id))
			continue;
		if (n == cap) {
			uint64_t *nc = realloc(cand, (cap = cap ? cap * 2 : 64) * sizeof(*cand));

			if (!nc)
				break;
			cand = nc;
		}
		cand[n++] = id;
	}
	if (n && rp_store_writer_lock(s, NULL) == 0) {
		if (rp_store_grace(s, 2000) == 0) {
			for (uint64_t i = 0; i < n; i++) {
				uint64_t id = cand[i];

				if (L_STATE(atomic_load_explicit(&s->leases[id], memory_order_seq_cst)) ==
					    L_FREE &&
				    !rp_bitmap_test(s->bitmap, id)) {
					rp_store_lease_bit_set(s, id);
					fixed++;
				}
			}
		}
		rp_store_writer_unlock(s);
	}
	free(cand);
	return fixed;
}

#define FOREACH_SLOT(s, i, de) \
	for (uint32_t de = 0, i = slot_skip((s), 0, &de); i < (s)->nslots; i = slot_skip((s), i + 1, &de))

int rp_store_sweep(struct rp_store *s, uint32_t budget, struct rp_sweep_stats *st)
{
	struct rp_sweep_stats local;
	int pinned, ret;

	if (s->rdonly)
		return -EROFS;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	if (budget) {
		rp_store_sweep_some(s, budget, st);
	} else {
		/* owners first: finishing a dead record frees its leases without a liveness check each */
		FOREACH_SLOT(s, i, de)
			sweep_owner(s, i, st);
		for (uint64_t id = 0; id < s->cfg->next_lease; id++)
			sweep_lease(s, id, st, 1);
		st->scanned = s->nslots + s->cfg->next_lease;
		st->leases_freed += rp_store_pending_repair(s, s->h.max_readers);
		st->leases_freed += repair_lost_bits(s);
	}
	rp_store_view_unpin(s, pinned);
	return 0;
}

int rp_store_foreach_owner(struct rp_store *s, rp_owner_fn fn, void *arg)
{
	struct rp_owner_info info;
	int pinned, ret;

	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	ret = 0;
	FOREACH_SLOT(s, i, de) {
		uint64_t st = atomic_load_explicit(&s->owners[i].state, memory_order_relaxed);

		if (ret)
			break;
		if (O_STATE(st) == O_EMPTY || O_STATE(st) == O_TOMB)
			continue;
		if (rp_store_owner_copy(s, i, &info, &st) < 0 || info.state == 0)
			continue;
		ret = fn(&info, arg);
	}
	rp_store_view_unpin(s, pinned);
	return ret;
}

int rp_store_gc(struct rp_store *s, rp_owner_fn keep, void *arg, bool dry_run)
{
	struct rp_owner_info info;
	int pinned, ret, n = 0;

	if (!dry_run && s->rdonly)
		return -EROFS;
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	FOREACH_SLOT(s, i, de) {
		uint64_t st = atomic_load_explicit(&s->owners[i].state, memory_order_relaxed);

		if (O_STATE(st) != O_LIVE || rp_store_owner_copy(s, i, &info, &st) < 0 ||
		    info.state != RP_OWNER_LIVE || keep(&info, arg))
			continue;
		if (dry_run) {
			n++;
			continue;
		}
		struct rp_owner_key k = { info.container_id, info.ifname };

		if (rp_store_release(s, &k, NULL) == 1)
			n++;
	}
	rp_store_view_unpin(s, pinned);
	return n;
}

int rp_store_stats(struct rp_store *s, struct rp_store_stats *out)
{
	struct stat st;
	int pinned, ret;

	memset(out, 0, sizeof(*out));
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	if (fstat(s->fd, &st) == 0) {
		out->file_bytes = (uint64_t)st.st_size;
		out->resident_bytes = (uint64_t)st.st_blocks * 512;
	}
	out->gen = s->view_ctl >> 32;
	out->npools = s->cfg->npools;
	out->nextents = s->cfg->nextents;
	out->leases_total = s->cfg->next_lease;
	for (uint64_t id = 0; id < s->cfg->next_lease; id++) {
		switch (L_STATE(atomic_load_explicit(&s->leases[id], memory_order_relaxed))) {
		case L_FREE:
			out->leases_free++;
			break;
		case L_RESERVED:
			out->leases_reserved++;
			break;
		case L_COMMITTED:
			out->leases_committed++;
			break;
		default:
			out->leases_blocked++;
		}
	}
	out->owners_max = s->h.max_owners;
	FOREACH_SLOT(s, i, de) {
		uint64_t w = atomic_load_explicit(&s->owners[i].state, memory_order_relaxed);

		if (O_STATE(w) == O_LIVE)
			out->owners_live++;
		else if (O_STATE(w) == O_RESERVED || O_STATE(w) == O_RELEASING)
			out->owners_reserved++;
	}
	for (uint32_t i = 0; i < s->h.max_readers; i++)
		if (atomic_load_explicit(&s->readers[i].owner, memory_order_relaxed))
			out->readers_active++;
	rp_store_view_unpin(s, pinned);
	return 0;
}

struct fsck_ctx {
	rp_fsck_report_fn report;
	void *arg;
	int problems;
};

static void problem(struct fsck_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct fsck_ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->report)
		c->report(buf, c->arg);
}

static int key_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

int rp_store_fsck(struct rp_store *s, unsigned flags, rp_fsck_report_fn report, void *arg)
{
	struct fsck_ctx c = { report, arg, 0 };
	int repair = !!(flags & RP_FSCK_REPAIR), pinned, ret;
	uint32_t *pmap = NULL;
	uint64_t *keys = NULL;
	const char *why;

	if (repair && s->rdonly)
		return -EROFS;
	if (repair && (ret = rp_store_writer_lock(s, NULL)) < 0)
		return ret;
	if ((ret = rp_store_view_pin(s, &pinned)) < 0) {
		problem(&c, "control word or active config area invalid: %d", ret);
		goto out_unlock;
	}
	if (memcmp(s->base, &s->h, sizeof(s->h)) != 0)
		problem(&c, "header changed since this process attached (corrupted)");
	if (rp_store_cfg_check(s, s->cfg, s->view_ctl >> 32, 1, &why) < 0)
		problem(&c, "active config area: %s", why);
	const struct rp_cfg_hdr *cfg = s->cfg;
	uint64_t nl = cfg->next_lease;

	pmap = calloc(nl ? nl : 1, sizeof(*pmap));
	keys = calloc((size_t)s->nslots * 2, sizeof(*keys));
	if (!pmap || !keys) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < cfg->nsegs; i++)
		for (uint64_t id = s->segs[i].from; id < s->segs[i].to; id++) {
			if (pmap[id])
				problem(&c, "lease %llu is in two segments", (unsigned long long)id);
			pmap[id] = s->segs[i].pool + 1;
		}
	for (uint32_t p = 0; p < cfg->npools; p++) {
		uint64_t t = 0;

		for (uint32_t j = 0; j < s->pools[p].nsegs; j++)
			t += s->segs[s->pools[p].seg_first + j].to - s->segs[s->pools[p].seg_first + j].from;
		if (t != s->pools[p].total)
			problem(&c, "pool %s: total %llu but its segments hold %llu", s->pools[p].name,
				(unsigned long long)s->pools[p].total, (unsigned long long)t);
	}
	for (uint64_t id = 0; id < nl; id++) {
		_Atomic uint64_t *l = &s->leases[id];
		uint64_t w = atomic_load_explicit(l, memory_order_acquire);
		int allowed = pmap[id] != 0, bit = rp_bitmap_test(s->bitmap, id);
		uint64_t st = L_STATE(w);

		if (st == L_FREE && allowed && !bit) {
			problem(&c, "lease %llu is free but its bitmap bit is clear (lost)",
				(unsigned long long)id);
			if (repair)
				rp_bitmap_release(s->bitmap, id);
		} else if (st != L_FREE && bit) {
			problem(&c, "lease %llu is not free but its bitmap bit is set",
				(unsigned long long)id);
			if (repair)
				rp_bitmap_claim_bit(s->bitmap, id);
		}
		if (st == L_FREE && !allowed) {
			problem(&c, "lease %llu is free but not allocatable in generation %llu",
				(unsigned long long)id, (unsigned long long)cfg->gen);
			if (repair && atomic_compare_exchange_strong_explicit(l, &w, L_MAKE(L_BLOCKED, 0),
									      memory_order_acq_rel,
									      memory_order_relaxed))
				rp_bitmap_claim_bit(s->bitmap, id);
		} else if (st == L_BLOCKED && allowed) {
			problem(&c, "lease %llu is blocked but allocatable", (unsigned long long)id);
			if (repair && atomic_compare_exchange_strong_explicit(l, &w, L_MAKE(L_FREE, 0),
									      memory_order_acq_rel,
									      memory_order_relaxed))
				rp_bitmap_release(s->bitmap, id);
		} else if ((st == L_RESERVED || st == L_COMMITTED) && allowed == !!(w & L_DOOMED)) {
			problem(&c, "lease %llu: doomed flag %s", (unsigned long long)id,
				allowed ? "set on an allocatable lease" : "missing on an excluded lease");
			if (repair)
				atomic_compare_exchange_strong_explicit(l, &w, w ^ L_DOOMED,
									memory_order_acq_rel,
									memory_order_relaxed);
		}
		if (st == L_COMMITTED && !commit_owned(s, L_COMMIT_REC(w), L_COMMIT_TAG(w))) {
			problem(&c, "lease %llu is committed to record %u tag %u, which does not hold it "
				"(orphan)", (unsigned long long)id, L_COMMIT_REC(w), L_COMMIT_TAG(w));
			if (repair)
				rp_store_lease_put(s, id, atomic_load(l) & ~L_DOOMED);
		} else if (st == L_RESERVED && !rp_store_proc_alive(s, L_PAYLOAD(w) & ~L_DOOMED)) {
			problem(&c, "lease %llu is reserved by dead pid %d", (unsigned long long)id,
				(int)PROC_PID(L_PAYLOAD(w) & ~L_DOOMED));
			if (repair)
				rp_store_lease_put(s, id, w & ~L_DOOMED);
		}
	}
	uint64_t beyond = rp_bitmap_count(s->bitmap, nl, s->h.max_leases);

	if (beyond) {
		problem(&c, "%llu bitmap bits set beyond the last extent", (unsigned long long)beyond);
		for (int64_t b; repair && (b = rp_bitmap_next(s->bitmap, nl, s->h.max_leases)) >= 0;)
			rp_bitmap_claim_bit(s->bitmap, (uint64_t)b);
	}
	uint64_t bad = rp_bitmap_check_summary(s->bitmap);

	if (bad) {
		problem(&c, "%llu bitmap summary bits clear over non-empty words",
			(unsigned long long)bad);
		if (repair)
			rp_bitmap_rebuild(s->bitmap);
	}
	uint32_t nkeys = 0;

	FOREACH_SLOT(s, i, de) {
		struct rp_owner_rec *r = &s->owners[i];
		uint64_t w = atomic_load_explicit(&r->state, memory_order_acquire);
		struct rp_owner_info info;

		if (O_STATE(w) == O_RESERVED || O_STATE(w) == O_RELEASING) {
			if (!rp_store_proc_alive(s, O_PAYLOAD(w))) {
				problem(&c, "owner record %u is held by dead pid %d", i,
					(int)PROC_PID(O_PAYLOAD(w)));
				if (repair)
					rp_store_owner_finish(s, i, w);
			}
			continue;
		}
		if (O_STATE(w) != O_LIVE)
			continue;
		if (rp_store_owner_copy(s, i, &info, &w) < 0 || info.state != RP_OWNER_LIVE)
			continue;
		uint64_t key = atomic_load(&r->key);
		uint32_t home = rp_store_home(s, key, s->home_cid ? rp_store_cid_hash(info.container_id) : 0);

		if (!info.container_id[0] || !info.ifname[0] ||
		    key != rp_store_key(info.container_id, info.ifname))
			problem(&c, "owner record %u (%s/%s): key does not match its attachment", i,
				info.container_id, info.ifname);
		else if ((i + s->nslots - home) % s->nslots > atomic_load(&s->owners[home].home_maxd))
			problem(&c, "owner record %u (%s/%s) lies beyond the probe distance", i,
				info.container_id, info.ifname);
		keys[2 * nkeys] = key;
		keys[2 * nkeys + 1] = i;
		nkeys++;
		for (uint32_t j = 0; j < info.nleases; j++) {
			uint64_t id = info.leases[j].id, lw;

			if (id >= nl) {
				problem(&c, "owner record %u (%s/%s): lease %llu out of range", i,
					info.container_id, info.ifname, (unsigned long long)id);
				continue;
			}
			lw = atomic_load(&s->leases[id]) & ~L_DOOMED;
			if (lw != L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(i, (uint32_t)O_PAYLOAD(w))))
				problem(&c, "owner record %u (%s/%s): lease %llu is not committed to it", i,
					info.container_id, info.ifname, (unsigned long long)id);
		}
	}
	qsort(keys, nkeys, 2 * sizeof(*keys), key_cmp);
	for (uint32_t i = 1; i < nkeys; i++)
		if (keys[2 * i] == keys[2 * i - 2])
			problem(&c, "owner records %llu and %llu are LIVE for the same attachment",
				(unsigned long long)keys[2 * i - 1], (unsigned long long)keys[2 * i + 1]);
	ret = c.problems;
out:
	free(pmap);
	free(keys);
	rp_store_view_unpin(s, pinned);
out_unlock:
	if (repair)
		rp_store_writer_unlock(s);
	return ret < 0 ? ret : c.problems;
}
