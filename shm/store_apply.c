/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publishing a config generation while allocators run.  Order (docs/architecture.md, "Apply"):
 *   writer lock -> reconcile the published generation (repairs a crashed apply) -> compute the
 *   new pools' allocatable intervals, extents and segments -> wait for readers of the inactive
 *   area -> write it -> block/doom leases leaving the set or changing pool -> publish ctl (R1)
 *   -> (if an address changed pool: wait for readers of the old generation) -> reconcile the new
 *   generation (unblock joiners, clear DOOMED) -> unlock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shm/store_internal.h"

#define REMOVED UINT32_MAX

struct ival {
	rp_u128 lo, hi; /* inclusive */
	uint32_t pool;
	uint8_t family;
};

struct work {
	struct ival *iv;
	uint32_t niv, ivcap;
	struct rp_cfg_extent *ext;
	uint32_t next, extcap;
	uint64_t next_lease;
	struct rp_cfg_seg *seg;
	uint32_t nseg, segcap;
	struct rp_cfg_pool *pools;
};

static rp_u128 fam_max(uint8_t f)
{
	return f == RP_FAM_V6 ? ~(rp_u128)0 : (rp_u128)UINT32_MAX;
}

static const char *fmt_addr(uint8_t f, rp_u128 v, char *buf, size_t len)
{
	struct rp_ip ip = rp_ip_from_u128(f, v);

	if (rp_ip_format(&ip, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	uint32_t ncap = *cap ? *cap * 2 : 64;

	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, (size_t)ncap * elem);

	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge @n intervals in place (overlapping or adjacent); returns the new count. */
static uint32_t merge(struct ival *v, uint32_t n)
{
	uint32_t m = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), ival_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (v[m].hi == ~(rp_u128)0 || v[i].lo <= v[m].hi + 1) {
			if (v[i].hi > v[m].hi)
				v[m].hi = v[i].hi;
		} else {
			v[++m] = v[i];
		}
	}
	return m + 1;
}

static int to_ivals(const struct rp_store_pool_def *d, const struct rp_store_range *r, uint32_t n,
		    const char *what, struct ival **out, struct rp_err *e)
{
	char a[64], b[64];
	struct ival *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].lo.family != d->family || r[i].hi.family != d->family) {
			free(v);
			return rp_err_set(e, -EINVAL, "pool %s: %s %u has family %u/%u, the pool is %u",
					  d->name, what, i, r[i].lo.family, r[i].hi.family, d->family);
		}
		v[i].lo = rp_ip_to_u128(&r[i].lo);
		v[i].hi = rp_ip_to_u128(&r[i].hi);
		v[i].family = d->family;
		if (v[i].lo > v[i].hi) {
			int ret = rp_err_set(e, -EINVAL, "pool %s: %s %s-%s is reversed", d->name, what,
					     fmt_addr(d->family, v[i].lo, a, sizeof(a)),
					     fmt_addr(d->family, v[i].hi, b, sizeof(b)));

			free(v);
			return ret;
		}
	}
	*out = v;
	return 0;
}

/* The pool's allocatable set: merged ranges minus merged exclusions, appended to w->iv. */
static int pool_ivals(struct work *w, const struct rp_store_pool_def *d, uint32_t pool,
		      uint64_t max_leases, struct rp_err *e)
{
	struct ival *r = NULL, *x = NULL;
	uint32_t nr, nx, j = 0;
	rp_u128 total = 0;
	int ret;

	if ((ret = to_ivals(d, d->ranges, d->nranges, "range", &r, e)) < 0)
		return ret;
	if ((ret = to_ivals(d, d->excl, d->nexcl, "excluded range", &x, e)) < 0)
		goto out;
	nr = merge(r, d->nranges);
	nx = merge(x, d->nexcl);
	for (uint32_t i = 0; i < nr; i++) {
		rp_u128 cur = r[i].lo, hi = r[i].hi;
		uint32_t k;

		while (j < nx && x[j].hi < cur)
			j++;
		k = j;
		for (;;) {
			if (k < nx && x[k].lo <= cur) { /* cur is excluded */
				if (x[k].hi >= hi)
					break;
				cur = x[k].hi + 1;
				k++;
				continue;
			}
			rp_u128 piece = k < nx && x[k].lo <= hi ? x[k].lo - 1 : hi;

			if ((ret = grow((void **)&w->iv, &w->ivcap, w->niv + 1, sizeof(*w->iv))) < 0)
				goto out;
			w->iv[w->niv++] = (struct ival){ cur, piece, pool, d->family };
			total += piece - cur + 1;
			if (piece == hi)
				break;
			cur = piece + 1;
		}
	}
	if (total > max_leases)
		ret = rp_err_set(e, -ENOSPC, "pool %s has more addresses than the store's %llu leases",
				 d->name, (unsigned long long)max_leases);
out:
	free(r);
	free(x);
	return ret < 0 ? ret : 0;
}

static int add_extent(struct work *w, struct rp_store *s, uint8_t f, rp_u128 lo, rp_u128 hi,
		      struct rp_err *e)
{
	rp_u128 count = hi - lo + 1;

	if (count > s->h.max_leases - w->next_lease)
		return rp_err_set(e, -ENOSPC, "store %s: out of lease records (%u): create the store "
				  "with a larger max_leases", s->path, s->h.max_leases);
	if (w->next >= s->h.max_extents)
		return rp_err_set(e, -ENOSPC, "store %s: out of extents (%u)", s->path, s->h.max_extents);
	if (grow((void **)&w->ext, &w->extcap, w->next + 1, sizeof(*w->ext)) < 0)
		return rp_err_set(e, -ENOMEM, "out of memory");
	struct rp_cfg_extent *x = &w->ext[w->next++];

	memset(x, 0, sizeof(*x));
	x->family = f;
	rp_store_put_be128(x->base, lo);
	x->count = (uint64_t)count;
	x->lease_base = w->next_lease;
	w->next_lease += (uint64_t)count;
	return 0;
}

/* Cover [lo, hi] with extents: existing ones, plus new ones for the gaps, rounded out to the
 * enclosing 256-aligned block without overlapping a neighbour (no 1-address extents). */
static int cover(struct work *w, struct rp_store *s, uint8_t f, rp_u128 lo, rp_u128 hi,
		 struct rp_err *e)
{
	rp_u128 cur = lo;
	int ret;

	for (;;) {
		int found = 0, has_next = 0, has_prev = 0;
		rp_u128 next_start = 0, prev_end = 0, fend = 0;

		for (uint32_t i = 0; i < w->next; i++) {
			if (w->ext[i].family != f)
				continue;
			rp_u128 xb = rp_store_be128(w->ext[i].base), xe = xb + w->ext[i].count - 1;

			if (xb <= cur && cur <= xe) {
				found = 1;
				fend = xe;
				break;
			}
			if (xb > cur && (!has_next || xb < next_start)) {
				has_next = 1;
				next_start = xb;
			}
			if (xe < cur && (!has_prev || xe > prev_end)) {
				has_prev = 1;
				prev_end = xe;
			}
		}
		if (found) {
			if (fend >= hi)
				return 0;
			cur = fend + 1;
			continue;
		}
		rp_u128 gap_hi = has_next && next_start - 1 < hi ? next_start - 1 : hi;
		rp_u128 nlo = cur & ~(rp_u128)255, nhi = gap_hi | 255;

		if (has_prev && nlo <= prev_end)
			nlo = prev_end + 1;
		if (nhi > fam_max(f))
			nhi = fam_max(f);
		if (has_next && nhi >= next_start)
			nhi = next_start - 1;
		if ((ret = add_extent(w, s, f, nlo, nhi, e)) < 0)
			return ret;
		if (gap_hi >= hi)
			return 0;
		cur = gap_hi + 1;
	}
}

int rp_store_writer_lock(struct rp_store *s, struct rp_err *e)
{
	uint64_t me = rp_store_self(), deadline = rp_store_now_ns() + RP_STORE_WAIT_MS * 1000000ull;

	for (;;) {
		uint64_t w = atomic_load_explicit(&s->ctl->writer, memory_order_acquire);

		if (w == 0 || (w != me && !rp_store_proc_alive(s, w))) {
			if (w)
				rp_log(RP_LOG_WARN, "store %s: taking over the writer lock of dead pid %d",
				       s->path, (int)PROC_PID(w));
			/* A4: pairs with R4 in rp_store_writer_unlock(). */
			if (atomic_compare_exchange_strong_explicit(&s->ctl->writer, &w, me,
								    memory_order_acquire,
								    memory_order_relaxed))
				return 0;
			continue;
		}
		if (rp_store_now_ns() > deadline)
			return rp_err_set(e, -EBUSY, "store %s: another apply (pid %d) is running", s->path,
					  (int)PROC_PID(w));
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

void rp_store_writer_unlock(struct rp_store *s)
{
	/* R4: pairs with A4. */
	atomic_store_explicit(&s->ctl->writer, 0, memory_order_release);
}

/* Exclude a lease from allocation: FREE -> BLOCKED (bit cleared), held -> DOOMED. */
static void lease_block(struct rp_store *s, uint64_t id)
{
	_Atomic uint64_t *l = &s->leases[id];
	uint64_t w = atomic_load_explicit(l, memory_order_acquire);

	for (;;) {
		uint64_t st = L_STATE(w), nw;

		if (st == L_BLOCKED || (st != L_FREE && (w & L_DOOMED)))
			return;
		nw = st == L_FREE ? L_MAKE(L_BLOCKED, 0) : w | L_DOOMED;
		if (atomic_compare_exchange_weak_explicit(l, &w, nw, memory_order_acq_rel,
							  memory_order_acquire)) {
			if (st == L_FREE)
				rp_bitmap_claim_bit(s->bitmap, id); /* may already be claimed: fine */
			return;
		}
	}
}

/* Make a lease allocatable: BLOCKED -> FREE (bit set), held -> DOOMED cleared. */
static void lease_unblock(struct rp_store *s, uint64_t id)
{
	_Atomic uint64_t *l = &s->leases[id];
	uint64_t w = atomic_load_explicit(l, memory_order_acquire);

	for (;;) {
		uint64_t st = L_STATE(w), nw;

		if (st == L_FREE || (st != L_BLOCKED && !(w & L_DOOMED)))
			return;
		nw = st == L_BLOCKED ? L_MAKE(L_FREE, 0) : w & ~L_DOOMED;
		if (atomic_compare_exchange_weak_explicit(l, &w, nw, memory_order_acq_rel,
							  memory_order_acquire)) {
			if (st == L_BLOCKED)
				rp_bitmap_release(s->bitmap, id);
			return;
		}
	}
}

static const struct rp_cfg_seg *cfg_segs(const struct rp_cfg_hdr *c)
{
	return (const void *)((const char *)c + c->segs_off);
}

/* lease -> pool index + 1 under @c (0: not allocatable); @xlate maps pool indices (or NULL). */
static uint32_t *lease_map(const struct rp_cfg_hdr *c, const uint32_t *xlate)
{
	uint32_t *m = calloc(c->next_lease ? c->next_lease : 1, sizeof(*m));
	const struct rp_cfg_seg *g = cfg_segs(c);

	if (!m)
		return NULL;
	for (uint32_t i = 0; i < c->nsegs; i++) {
		uint32_t v = xlate ? xlate[g[i].pool] : g[i].pool + 1;

		for (uint64_t id = g[i].from; id < g[i].to; id++)
			m[id] = v;
	}
	return m;
}

int rp_store_reconcile(struct rp_store *s, const struct rp_cfg_hdr *c)
{
	uint32_t *m = lease_map(c, NULL);

	if (!m)
		return -ENOMEM;
	for (uint64_t id = 0; id < c->next_lease; id++) {
		if (m[id])
			lease_unblock(s, id);
		else
			lease_block(s, id);
	}
	free(m);
	return 0;
}

static int check_defs(const struct rp_store_config *cfg, struct rp_err *e)
{
	if (!cfg || (cfg->npools && !cfg->pools) || (cfg->blob_len && !cfg->blob))
		return rp_err_set(e, -EINVAL, "apply: empty configuration pointer");
	if (cfg->npools > RP_STORE_MAX_POOLS)
		return rp_err_set(e, -EINVAL, "apply: %u pools, at most %u", cfg->npools,
				  RP_STORE_MAX_POOLS);
	for (uint32_t i = 0; i < cfg->npools; i++) {
		const struct rp_store_pool_def *d = &cfg->pools[i];

		if (!d->name[0] || !memchr(d->name, 0, RP_NAME_MAX))
			return rp_err_set(e, -EINVAL, "apply: pool %u has an empty or unterminated name", i);
		if (d->family != RP_FAM_V4 && d->family != RP_FAM_V6 && d->family != RP_FAM_SLOT)
			return rp_err_set(e, -EINVAL, "pool %s: unknown family %u", d->name, d->family);
		if ((d->nranges && !d->ranges) || (d->nexcl && !d->excl))
			return rp_err_set(e, -EINVAL, "pool %s: missing range array", d->name);
		for (uint32_t j = 0; j < i; j++)
			if (!strncmp(cfg->pools[j].name, d->name, RP_NAME_MAX))
				return rp_err_set(e, -EINVAL, "apply: pool name %s used twice", d->name);
	}
	return 0;
}

int rp_store_apply(struct rp_store *s, const struct rp_store_config *cfg, struct rp_err *e)
{
	struct work w;
	uint32_t *xlate = NULL, *oldm = NULL, *newm = NULL;
	const char *why;
	char a[64];
	int ret, moved = 0;

	memset(&w, 0, sizeof(w));
	if (s->rdonly)
		return rp_err_set(e, -EROFS, "store %s: opened read-only", s->path);
	if ((ret = check_defs(cfg, e)) < 0)
		return ret;
	if ((ret = rp_store_writer_lock(s, e)) < 0)
		return ret;
	uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire), g = c >> 32;
	const struct rp_cfg_hdr *cur = rp_store_cfg_area(s, g);

	if ((uint32_t)c != rp_store_ctl_hash(g) || rp_store_cfg_check(s, cur, g, 1, &why) < 0) {
		ret = rp_err_set(e, -EBADMSG, "store %s: published configuration is corrupted (%s); "
				 "run railpoolctl fsck", s->path,
				 (uint32_t)c != rp_store_ctl_hash(g) ? "control word" : why);
		goto out;
	}
	if ((ret = rp_store_reconcile(s, cur)) < 0)
		goto out_nomem;

	/* pools -> allocatable intervals, overlap check */
	for (uint32_t i = 0; i < cfg->npools; i++)
		if ((ret = pool_ivals(&w, &cfg->pools[i], i, s->h.max_leases, e)) < 0)
			goto out;
	qsort(w.iv, w.niv, sizeof(*w.iv), ival_cmp);
	for (uint32_t i = 1; i < w.niv; i++) {
		if (w.iv[i].family == w.iv[i - 1].family && w.iv[i].lo <= w.iv[i - 1].hi) {
			ret = rp_err_set(e, -EINVAL, "pools %s and %s both contain %s: pools of one "
					 "family must not share addresses",
					 cfg->pools[w.iv[i - 1].pool].name, cfg->pools[w.iv[i].pool].name,
					 fmt_addr(w.iv[i].family, w.iv[i].lo, a, sizeof(a)));
			goto out;
		}
	}
	/* extents: the published ones unchanged, new ones appended */
	w.next = cur->nextents;
	w.next_lease = cur->next_lease;
	if (grow((void **)&w.ext, &w.extcap, w.next + 1, sizeof(*w.ext)) < 0)
		goto out_nomem;
	memcpy(w.ext, (const char *)cur + cur->exts_off, (size_t)w.next * sizeof(*w.ext));
	for (uint32_t i = 0; i < w.niv; i++)
		if ((ret = cover(&w, s, w.iv[i].family, w.iv[i].lo, w.iv[i].hi, e)) < 0)
			goto out;
	/* segments, grouped by pool */
	w.pools = calloc(cfg->npools ? cfg->npools : 1, sizeof(*w.pools));
	if (!w.pools)
		goto out_nomem;
	for (uint32_t p = 0; p < cfg->npools; p++) {
		struct rp_cfg_pool *cp = &w.pools[p];

		memcpy(cp->name, cfg->pools[p].name, strnlen(cfg->pools[p].name, RP_NAME_MAX - 1));
		cp->family = cfg->pools[p].family;
		cp->seg_first = w.nseg;
		for (uint32_t i = 0; i < w.niv; i++) {
			if (w.iv[i].pool != p)
				continue;
			for (uint32_t x = 0; x < w.next; x++) {
				const struct rp_cfg_extent *xe = &w.ext[x];
				rp_u128 xb = rp_store_be128(xe->base), xl = xb + xe->count - 1;

				if (xe->family != cp->family || xl < w.iv[i].lo || xb > w.iv[i].hi)
					continue;
				rp_u128 lo = w.iv[i].lo > xb ? w.iv[i].lo : xb;
				rp_u128 hi = w.iv[i].hi < xl ? w.iv[i].hi : xl;

				if (grow((void **)&w.seg, &w.segcap, w.nseg + 1, sizeof(*w.seg)) < 0)
					goto out_nomem;
				w.seg[w.nseg++] = (struct rp_cfg_seg){
					x, p, xe->lease_base + (uint64_t)(lo - xb),
					xe->lease_base + (uint64_t)(hi - xb) + 1 };
				cp->total += (uint64_t)(hi - lo) + 1;
			}
		}
		cp->nsegs = w.nseg - cp->seg_first;
	}
	uint64_t bytes = sizeof(struct rp_cfg_hdr) + (uint64_t)cfg->npools * sizeof(struct rp_cfg_pool) +
			 (uint64_t)w.nseg * sizeof(struct rp_cfg_seg) +
			 (uint64_t)w.next * sizeof(struct rp_cfg_extent) + cfg->blob_len;

	if (bytes > s->h.config_bytes) {
		ret = rp_err_set(e, -ENOSPC, "store %s: configuration needs %llu bytes, the store's "
				 "config area holds %u", s->path, (unsigned long long)bytes,
				 s->h.config_bytes);
		goto out;
	}
	/* the inactive area holds generation g-1: its readers must have left */
	if ((ret = rp_store_wait_readers(s, g - 1, e)) < 0)
		goto out;
	struct rp_cfg_hdr *nc = rp_store_cfg_area(s, g + 1);
	char *nb = (char *)nc;

	memset(nc, 0, sizeof(*nc));
	nc->gen = g + 1;
	nc->size = (uint32_t)bytes;
	nc->npools = cfg->npools;
	nc->nsegs = w.nseg;
	nc->nextents = w.next;
	nc->next_lease = w.next_lease;
	nc->pools_off = sizeof(*nc);
	nc->segs_off = nc->pools_off + cfg->npools * (uint32_t)sizeof(struct rp_cfg_pool);
	nc->exts_off = nc->segs_off + w.nseg * (uint32_t)sizeof(struct rp_cfg_seg);
	nc->blob_off = nc->exts_off + w.next * (uint32_t)sizeof(struct rp_cfg_extent);
	nc->blob_len = cfg->blob_len;
	if (cfg->npools)
		memcpy(nb + nc->pools_off, w.pools, cfg->npools * sizeof(struct rp_cfg_pool));
	if (w.nseg)
		memcpy(nb + nc->segs_off, w.seg, w.nseg * sizeof(struct rp_cfg_seg));
	if (w.next)
		memcpy(nb + nc->exts_off, w.ext, w.next * sizeof(struct rp_cfg_extent));
	if (cfg->blob_len)
		memcpy(nb + nc->blob_off, cfg->blob, cfg->blob_len);
	nc->checksum = rp_store_cfg_checksum(nc);

	/* block what leaves the allocatable set or changes pool, before anyone can see g+1 */
	const struct rp_cfg_pool *op = (const void *)((const char *)cur + cur->pools_off);

	xlate = calloc(cur->npools ? cur->npools : 1, sizeof(*xlate));
	if (!xlate)
		goto out_nomem;
	for (uint32_t j = 0; j < cur->npools; j++) {
		xlate[j] = REMOVED;
		for (uint32_t p = 0; p < cfg->npools; p++)
			if (!strncmp(op[j].name, w.pools[p].name, RP_NAME_MAX) &&
			    op[j].family == w.pools[p].family)
				xlate[j] = p + 1;
	}
	if (!(oldm = lease_map(cur, xlate)) || !(newm = lease_map(nc, NULL)))
		goto out_nomem;
	for (uint64_t id = 0; id < cur->next_lease; id++) {
		if (oldm[id] && oldm[id] != newm[id]) {
			lease_block(s, id);
			moved |= newm[id] != 0;
		}
	}
	/* R1: publish; pairs with A1 in rp_store_read_begin() and, seq_cst, with D1/D2. */
	atomic_store_explicit(&s->ctl->ctl, rp_store_ctl_make(g + 1), memory_order_seq_cst);
	atomic_fetch_add_explicit(&s->ctl->applies, 1, memory_order_relaxed);
	/* A reader still pinned at g could reserve a moved address for its old pool once it is
	 * unblocked: let those readers leave first. */
	if (moved && (ret = rp_store_wait_readers(s, g, e)) < 0) {
		rp_err_prefix(e, "generation %llu published, but addresses that changed pool stay "
			      "blocked until the next apply or fsck --repair: ", (unsigned long long)(g + 1));
		goto out;
	}
	if ((ret = rp_store_reconcile(s, nc)) < 0)
		goto out_nomem;
	ret = 0;
	goto out;
out_nomem:
	ret = rp_err_set(e, -ENOMEM, "apply: out of memory");
out:
	rp_store_writer_unlock(s);
	free(xlate);
	free(oldm);
	free(newm);
	free(w.iv);
	free(w.ext);
	free(w.seg);
	free(w.pools);
	return ret;
}
