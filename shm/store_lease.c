/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leases and owner records: begin / reserve / commit / abort / lookup / release, and the pieces
 * the sweeper shares.  Every lease transition is one CAS on its state word; every owner
 * transition one CAS (or a store by the record's sole owner) on the record's state word.
 * Labels (docs/architecture.md): A3/R3 record publication, D3 same-key detection, A5/R5 lease hand-over.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#define XXH_INLINE_ALL /* the key hash is on the fast path: inline XXH64 for short inputs */
#include <xxhash.h>

#include "shm/store_internal.h"

static inline uint64_t key_hash(const char *cid, size_t a, const char *ifname, size_t b)
{
	char buf[RP_CID_MAX + RP_IFNAME_MAX];
	uint64_t k;

	memcpy(buf, cid, a);
	buf[a] = '\0';
	memcpy(buf + a + 1, ifname, b);
	k = XXH64(buf, a + 1 + b, 0x72706f776e657231ull);
	return k ? k : 1;
}

static inline uint64_t cid_hash(const char *cid, size_t len)
{
	return XXH64(cid, len, 0x72706f6469643031ull);
}

uint64_t rp_store_cid_hash(const char *cid)
{
	return cid_hash(cid, strnlen(cid, RP_CID_MAX - 1));
}

uint64_t rp_store_key(const char *cid, const char *ifname)
{
	return key_hash(cid, strnlen(cid, RP_CID_MAX - 1), ifname, strnlen(ifname, RP_IFNAME_MAX - 1));
}

/* key_hash() of the padded words: whole-word copies instead of two variable-length memcpys. */
static inline uint64_t key_hash_words(const struct rp_key_ctx *kc)
{
	uint64_t buf[RP_CID_MAX / 8 + RP_IFNAME_MAX / 8 + 1];
	char *tail = (char *)buf + kc->cid_len + 1;
	uint64_t k;

	for (uint32_t w = 0; w < kc->cid_words; w++)
		buf[w] = kc->cid[w]; /* ends with the NUL (and zero padding) */
	for (uint32_t w = 0; w < kc->if_words; w++)
		memcpy(tail + 8 * w, &kc->ifname[w], 8);
	k = XXH64(buf, kc->cid_len + 1 + kc->if_len, 0x72706f776e657231ull);
	return k ? k : 1;
}

/*
 * The attachment key once per call: validated, zero-padded as the record stores it (for a
 * word-wise compare), hashed, and its home slot.  The handle keeps the last one: an attachment's
 * begin, lookup and release (the same key, one thread) hash it once; a hit costs two strcmp.
 */
static __attribute__((noinline)) int key_prep_miss(struct rp_store *s, const struct rp_owner_key *k,
						   bool same_cid, struct rp_err *e)
{
	struct rp_key_ctx *kc = &s->kc;
	size_t a, b;

	kc->key = 0; /* invalid until complete */
	if ((a = strnlen(k->container_id, RP_CID_MAX)) >= RP_CID_MAX)
		return rp_err_set(e, -EINVAL, "attachment key: container ID longer than %d bytes",
				  RP_CID_MAX - 1);
	if ((b = strnlen(k->ifname, RP_IFNAME_MAX)) >= RP_IFNAME_MAX)
		return rp_err_set(e, -EINVAL, "attachment key: ifname '%.*s...' longer than %d bytes",
				  RP_IFNAME_MAX - 1, k->ifname, RP_IFNAME_MAX - 1);
	kc->cid_words = (uint32_t)(a / 8 + 1);
	kc->if_words = (uint32_t)(b / 8 + 1);
	/* only the words compared and stored need zero padding */
	kc->cid[kc->cid_words - 1] = 0;
	kc->ifname[kc->if_words - 1] = 0;
	memcpy(kc->cid, k->container_id, a);
	memcpy(kc->ifname, k->ifname, b);
	kc->cid_len = (uint32_t)a;
	kc->if_len = (uint32_t)b;
	if (!same_cid)
		kc->cid_hash = s->home_cid ? cid_hash(k->container_id, a) : 0;
	kc->key = key_hash_words(kc);
	kc->home = rp_store_home(s, kc->key, kc->cid_hash);
	return 0;
}

/* The hit is inline (begin and release of one attachment both come here); the miss, with the
 * hash inlined into it, would otherwise make every call pay its large stack frame. */
static inline int key_prep(struct rp_store *s, const struct rp_owner_key *k,
			   const struct rp_key_ctx **out, struct rp_err *e)
{
	struct rp_key_ctx *kc = &s->kc;

	*out = kc;
	if (!k || !k->container_id || !k->ifname || !*k->container_id || !*k->ifname)
		return rp_err_set(e, -EINVAL, "attachment key: container ID and ifname must be set");
	if (kc->key && strcmp(k->container_id, (const char *)kc->cid) == 0) {
		if (strcmp(k->ifname, (const char *)kc->ifname) == 0)
			return 0;
		return key_prep_miss(s, k, true, e); /* the next rail of the same pod: its cid hash stands */
	}
	return key_prep_miss(s, k, false, e);
}

/* Record fields are written by the record's owner while RESERVED and read by anyone (seqlock
 * style): word-wise relaxed atomics keep that well-defined. */
static void put_words(_Atomic uint64_t *dst, size_t cap, const void *src, size_t len)
{
	uint64_t w;

	for (size_t off = 0; off < cap; off += 8) {
		w = 0;
		if (off < len)
			memcpy(&w, (const char *)src + off, len - off < 8 ? len - off : 8);
		atomic_store_explicit(&dst[off / 8], w, memory_order_relaxed);
		if (off >= len)
			break; /* one zero word terminates strings; the rest is never read as text */
	}
}

static void put_str(_Atomic uint64_t *dst, size_t cap, const char *str)
{
	size_t n = str ? strnlen(str, cap - 1) : 0;

	put_words(dst, cap, str ? str : "", n);
}

static void get_words(const _Atomic uint64_t *src, size_t cap, void *dst)
{
	for (size_t off = 0; off < cap; off += 8) {
		uint64_t w = atomic_load_explicit(&src[off / 8], memory_order_relaxed);

		memcpy((char *)dst + off, &w, 8);
	}
}

int rp_store_owner_copy(struct rp_store *s, uint32_t rec, struct rp_owner_info *info,
			uint64_t *state_out)
{
	struct rp_owner_rec *r = &s->owners[rec];

	for (int tries = 0; tries < 1000; tries++) {
		/* A3: pairs with R3 in rp_store_commit(): a LIVE record's fields are complete. */
		uint64_t st = atomic_load_explicit(&r->state, memory_order_acquire);
		uint64_t meta = atomic_load_explicit(&r->meta, memory_order_relaxed);
		uint32_t n = META_N(meta), dlen = META_DLEN(meta);

		memset(info, 0, sizeof(*info));
		get_words(r->cid, RP_CID_MAX, info->container_id);
		get_words(r->ifname, RP_IFNAME_MAX, info->ifname);
		get_words(r->netns, RP_NETNS_MAX, info->netns);
		get_words(r->data, RP_OWNER_DATA_MAX, info->data);
		for (uint32_t i = 0; i < RP_OWNER_MAX_LEASES; i++)
			info->leases[i].id = atomic_load_explicit(&r->leases[i], memory_order_relaxed);
		info->created_ns = atomic_load_explicit(&r->created_ns, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&r->state, memory_order_relaxed) != st ||
		    atomic_load_explicit(&r->meta, memory_order_relaxed) != meta)
			continue;
		info->container_id[RP_CID_MAX - 1] = '\0';
		info->ifname[RP_IFNAME_MAX - 1] = '\0';
		info->netns[RP_NETNS_MAX - 1] = '\0';
		info->nleases = n > RP_OWNER_MAX_LEASES ? RP_OWNER_MAX_LEASES : n;
		info->data_len = dlen > RP_OWNER_DATA_MAX ? RP_OWNER_DATA_MAX : dlen;
		for (uint32_t i = 0; i < RP_OWNER_MAX_LEASES; i++) {
			if (i >= info->nleases) {
				info->leases[i].id = 0;
				continue;
			}
			info->leases[i].pool = UINT32_MAX;
			if (s->in_read && info->leases[i].id < s->cfg->next_lease)
				info->leases[i].pool = rp_store_lease_pool(s, info->leases[i].id,
									   &info->leases[i].ip);
		}
		switch (O_STATE(st)) {
		case O_RESERVED:
			info->state = RP_OWNER_RESERVED;
			info->pid = PROC_PID(O_PAYLOAD(st));
			break;
		case O_RELEASING:
			info->state = RP_OWNER_RELEASING;
			info->pid = PROC_PID(O_PAYLOAD(st));
			break;
		case O_LIVE:
			info->state = RP_OWNER_LIVE;
			break;
		default:
			info->state = 0;
		}
		if (state_out)
			*state_out = st;
		return 0;
	}
	return -EBUSY;
}

static inline void lease_bit_set(struct rp_store *s, uint64_t lease)
{
	_Atomic uint64_t *l = &s->leases[lease];

	rp_bitmap_release(s->bitmap, lease);
	/* An apply may have blocked the lease between the FREE store and the bit: its claim_bit
	 * found nothing to clear, so take the stale bit back; and if an apply unblocked it again
	 * meanwhile, the bit belongs there after all. */
	if (L_STATE(atomic_load_explicit(l, memory_order_seq_cst)) == L_BLOCKED &&
	    rp_bitmap_claim_bit(s->bitmap, lease) == 0 &&
	    L_STATE(atomic_load_explicit(l, memory_order_seq_cst)) == L_FREE)
		rp_bitmap_release(s->bitmap, lease);
}

void rp_store_lease_bit_set(struct rp_store *s, uint64_t lease)
{
	lease_bit_set(s, lease);
}

/* Hand a lease back: from exactly @expect (DOOMED aside) to FREE (bit set) or, when DOOMED, to
 * BLOCKED.  No-op if the lease is no longer in @expect (someone else already did it).  Inline
 * into release, the fast path; rp_store_lease_put() for the rest. */
static inline void lease_put(struct rp_store *s, uint64_t lease, uint64_t expect)
{
	_Atomic uint64_t *l = &s->leases[lease];
	uint64_t w = atomic_load_explicit(l, memory_order_relaxed);

	if ((w & ~L_DOOMED) != expect)
		return;
	rp_store_pend(s, PEND_LEASE(lease));
	while ((w & ~L_DOOMED) == expect) {
		uint64_t nw = (w & L_DOOMED) ? L_MAKE(L_BLOCKED, 0) : L_MAKE(L_FREE, 0);

		/* R5: the release half of this CAS, then the bitmap's seq_cst fetch_or, hand the
		 * lease to the next claimer (A5 in rp_store_reserve()). */
		if (atomic_compare_exchange_weak_explicit(l, &w, nw, memory_order_acq_rel,
							  memory_order_relaxed)) {
			if (!(w & L_DOOMED))
				lease_bit_set(s, lease);
			break;
		}
	}
	rp_store_pend(s, PEND_NONE);
}

void rp_store_lease_put(struct rp_store *s, uint64_t lease, uint64_t expect)
{
	lease_put(s, lease, expect);
}

static void owner_drop(struct rp_owner_rec *r, uint32_t tag)
{
	/* ordered before the TOMB by the release store: a scanner that sees the old key then
	 * reads the state and skips the record */
	atomic_store_explicit(&r->key, 0, memory_order_relaxed);
	atomic_store_explicit(&r->state, O_MAKE(O_TOMB, tag), memory_order_release);
}

/* Take over a dead process's RESERVED/RELEASING record @rec (still in @expect) and undo it. */
void rp_store_owner_finish(struct rp_store *s, uint32_t rec, uint64_t expect)
{
	struct rp_owner_rec *r = &s->owners[rec];
	uint64_t dead = O_PAYLOAD(expect);

	if (!atomic_compare_exchange_strong_explicit(&r->state, &expect,
						     O_MAKE(O_RELEASING, rp_store_self()),
						     memory_order_acq_rel, memory_order_relaxed))
		return;
	uint64_t meta = atomic_load_explicit(&r->meta, memory_order_relaxed);
	uint32_t tag = META_TAG(meta), n = META_N(meta);

	for (uint32_t i = 0; i < n && i < RP_OWNER_MAX_LEASES; i++) {
		uint64_t id = atomic_load_explicit(&r->leases[i], memory_order_relaxed);

		if (id >= s->h.max_leases)
			continue;
		rp_store_lease_put(s, id, L_MAKE(L_RESERVED, dead));
		rp_store_lease_put(s, id, L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(rec, tag)));
	}
	owner_drop(r, tag);
	atomic_fetch_add_explicit(&s->ctl->swept_owners, 1, memory_order_relaxed);
}

/* How far from @home records of keys hashing to @home may lie. */
static uint64_t probe_max(struct rp_store *s, uint32_t home)
{
	uint64_t m = atomic_load_explicit(&s->owners[home].home_maxd, memory_order_seq_cst);

	return m >= s->nslots ? s->nslots - 1 : m;
}

/* One-shot handles: map the records a scan from @kc's home reads ([home, home + home_maxd]) and
 * @ahead more, the slot a begin is likely to claim (records never written are holes of the
 * file: only a caller about to write one asks for it).  Not across the table's end. */
static void prefault_probe(struct rp_store *s, const struct rp_key_ctx *kc, uint32_t ahead)
{
	uint64_t n;

	if (!s->prefault)
		return;
	rp_store_prefault(s, &s->owners[kc->home], sizeof(struct rp_owner_rec));
	n = probe_max(s, kc->home) + 1 + ahead;
	if (n > s->nslots - kc->home)
		n = s->nslots - kc->home;
	rp_store_prefault(s, &s->owners[kc->home], (size_t)n * sizeof(struct rp_owner_rec));
}

/* One-shot handles: map lease @id's state word and its bitmap leaf word, the two a claim or a
 * release of it writes. */
static inline void prefault_lease(struct rp_store *s, uint64_t id)
{
	rp_store_prefault(s, &s->leases[id], sizeof(s->leases[0]));
	rp_store_prefault(s, rp_bitmap_word(s->bitmap, id), 8);
}

static int rec_matches(const struct rp_owner_rec *r, const struct rp_key_ctx *kc)
{
	for (uint32_t i = 0; i < kc->cid_words; i++)
		if (atomic_load_explicit(&r->cid[i], memory_order_relaxed) != kc->cid[i])
			return 0;
	for (uint32_t i = 0; i < kc->if_words; i++)
		if (atomic_load_explicit(&r->ifname[i], memory_order_relaxed) != kc->ifname[i])
			return 0;
	return 1;
}

enum scan_result { SCAN_NONE, SCAN_LIVE, SCAN_BUSY, SCAN_DEAD };

/*
 * Look for another record of @kc in its probe window (skipping @self).  LIVE and matching:
 * *found (+ @info if not NULL).  A RESERVED/RELEASING record of a live process: SCAN_BUSY.
 * Dead ones are finished on the way — except, with @want_dead, a matching one, which is copied
 * into @info and reported (SCAN_DEAD) so that its data survive until the caller is done with
 * them.  With @self set, a RESERVED record further from home than @self_dist is marked LOST
 * instead (the lower slot wins a same-key race).
 */
/* Inlined into its three callers (constant @self/@info fold away); not under TSan, where GCC
 * rejects an inlined atomic_thread_fence (-Wtsan). */
#if RP_CAS16
#define SCAN_INLINE inline __attribute__((always_inline))
#else
#define SCAN_INLINE
#endif
static SCAN_INLINE enum scan_result
scan_key(struct rp_store *s, const struct rp_key_ctx *kc, uint32_t self,
	 uint64_t self_dist, uint32_t *found, struct rp_owner_info *info, int want_dead)
{
	uint32_t n = s->nslots, i = kc->home;
	uint64_t maxp = probe_max(s, kc->home), key = kc->key;

	for (uint64_t d = 0; d <= maxp; d++, i = i + 1 == n ? 0 : i + 1) {
		struct rp_owner_rec *r = &s->owners[i];

		if (i == self)
			continue;
		/* D3: pairs with the seq_cst key store in rp_store_owner_begin(). */
		if (atomic_load_explicit(&r->key, memory_order_seq_cst) != key)
			continue;
		for (;;) {
			uint64_t st = atomic_load_explicit(&r->state, memory_order_acquire);
			uint64_t os = O_STATE(st);

			if (os == O_LIVE) {
				if (!rec_matches(r, kc) ||
				    (info && rp_store_owner_copy(s, i, info, NULL) < 0))
					break;
				atomic_thread_fence(memory_order_acquire);
				if (atomic_load_explicit(&r->state, memory_order_relaxed) != st)
					continue;
				*found = i;
				return SCAN_LIVE;
			}
			if ((os != O_RESERVED && os != O_RELEASING) || (st & O_LOST))
				break;
			if (!rp_store_proc_alive(s, O_PAYLOAD(st))) {
				if (want_dead && rec_matches(r, kc) &&
				    (!info || rp_store_owner_copy(s, i, info, NULL) == 0)) {
					*found = i;
					return SCAN_DEAD;
				}
				/* a read-only handle's mapping is PROT_READ: it only looks past the
				 * dead record; the next writer (or sweep) finishes it */
				if (!s->rdonly)
					rp_store_owner_finish(s, i, st);
				break;
			}
			if (self != UINT32_MAX && os == O_RESERVED && d > self_dist) {
				if (atomic_compare_exchange_strong_explicit(&r->state, &st, st | O_LOST,
									    memory_order_acq_rel,
									    memory_order_relaxed))
					break;
				continue; /* changed under us: look again */
			}
			*found = i;
			return SCAN_BUSY;
		}
	}
	return SCAN_NONE;
}

/*
 * Claim EMPTY/TOMB record @r (state @st) as @nst and publish @key in one step.  On x86-64 one
 * `lock cmpxchg16b` over the adjacent state and key words: a locked instruction is a full fence
 * and all of them are totally ordered, which is what D3 needs from the separate claim CAS +
 * seq_cst key store of the portable version (one locked instruction fewer per begin).
 * TSan cannot see inline assembly, so sanitizer builds use the portable pair.
 */
static inline bool claim_slot(struct rp_owner_rec *r, uint64_t st, uint64_t nst, uint64_t key)
{
#if RP_CAS16
	uint64_t okey = atomic_load_explicit(&r->key, memory_order_relaxed); /* 0 unless corrupt */
	volatile char(*words)[16] = (volatile char(*)[16])(void *)&r->state;
	bool ok;

	__asm__ __volatile__("lock cmpxchg16b %1"
			     : "=@ccz"(ok), "+m"(*words),
			       "+a"(st), "+d"(okey)
			     : "b"(nst), "c"(key)
			     : "memory");
	return ok;
#else
	if (!atomic_compare_exchange_strong_explicit(&r->state, &st, nst, memory_order_acq_rel,
						     memory_order_relaxed))
		return false;
	atomic_store_explicit(&r->key, key, memory_order_seq_cst);
	return true;
#endif
}

int rp_store_owner_begin(struct rp_store *s, const struct rp_owner_key *k, const char *netns,
			 struct rp_owner *o, struct rp_owner_info *info, struct rp_err *e)
{
	const struct rp_key_ctx *kc;
	uint32_t found = 0, n = s->nslots, h, slot = UINT32_MAX, i;
	uint64_t me = rp_store_self(), d, st = 0;
	int ret, pinned;

	if (s->rdonly)
		return rp_err_set(e, -EROFS, "store %s: opened read-only", s->path);
	if ((ret = key_prep(s, k, &kc, e)) < 0)
		return ret;
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return rp_err_set(e, ret, "store %s: cannot read the configuration", s->path);
	h = kc->home;
	prefault_probe(s, kc, 1);
	/* amortised: a few records every 64th call keeps the fast path free of extra misses */
	if ((s->sweep_tick++ & (RP_SWEEP_EVERY - 1)) == 0)
		rp_store_sweep_some(s, 8, NULL);

	switch (scan_key(s, kc, UINT32_MAX, 0, &found, info, 0)) {
	case SCAN_LIVE:
		ret = RP_OWNER_EXISTS;
		goto out;
	case SCAN_BUSY:
		ret = rp_err_set(e, -EBUSY, "attachment %s/%s is being set up or torn down by another "
				 "process; retry", k->container_id, k->ifname);
		goto out;
	case SCAN_DEAD: /* not asked for */
	case SCAN_NONE:
		break;
	}
	_Atomic uint64_t *hm = &s->owners[h].home_maxd;
	uint64_t mp = atomic_load_explicit(hm, memory_order_seq_cst);

	for (d = 0, i = h; d < n; d++, i = i + 1 == n ? 0 : i + 1) {
		st = atomic_load_explicit(&s->owners[i].state, memory_order_relaxed);
		if (O_STATE(st) != O_EMPTY && O_STATE(st) != O_TOMB)
			continue;
		/* Lookups must reach the slot before anyone can see its key (published by the
		 * claim): raise the home's window first.  A failed claim leaves it wider (harmless:
		 * it only grows anyway). */
		while (mp < d && !atomic_compare_exchange_weak_explicit(hm, &mp, d, memory_order_seq_cst,
									 memory_order_seq_cst))
			;
		if (claim_slot(&s->owners[i], st, O_MAKE(O_RESERVED, me), kc->key)) {
			slot = i;
			break;
		}
	}
	if (slot == UINT32_MAX) {
		ret = rp_err_set(e, -ENOSPC, "store %s: owner table full (%u attachments)", s->path, n);
		goto out;
	}
	mp = atomic_load_explicit(&s->ctl->max_probe, memory_order_relaxed);
	while (mp < d && !atomic_compare_exchange_weak_explicit(&s->ctl->max_probe, &mp, d,
								 memory_order_relaxed,
								 memory_order_relaxed))
		; /* statistics only */
	struct rp_owner_rec *r = &s->owners[slot];
	uint64_t oldmeta = atomic_load_explicit(&r->meta, memory_order_relaxed);
	uint32_t tag = (O_STATE(st) == O_TOMB ? (uint32_t)O_PAYLOAD(st) : META_TAG(oldmeta)) + 1;

	atomic_store_explicit(&r->meta, META_MAKE(tag, 0, 0), memory_order_relaxed);
	atomic_store_explicit(&r->created_ns, 0, memory_order_relaxed);
	for (uint32_t w = 0; w < kc->cid_words; w++)
		atomic_store_explicit(&r->cid[w], kc->cid[w], memory_order_relaxed);
	for (uint32_t w = 0; w < kc->if_words; w++)
		atomic_store_explicit(&r->ifname[w], kc->ifname[w], memory_order_relaxed);
	if (netns && *netns && strnlen(netns, RP_NETNS_MAX) < RP_NETNS_MAX)
		put_str(r->netns, RP_NETNS_MAX, netns);
	else
		atomic_store_explicit(&r->netns[0], 0, memory_order_relaxed);
	/* D3: the key was published with the claim; rescan (seq_cst): of two concurrent begins for
	 * one key at least one sees the other. */
	switch (scan_key(s, kc, slot, d, &found, info, 0)) {
	case SCAN_LIVE:
		owner_drop(r, tag);
		ret = RP_OWNER_EXISTS;
		goto out;
	case SCAN_BUSY:
		owner_drop(r, tag);
		ret = rp_err_set(e, -EBUSY, "attachment %s/%s is being set up by another process at the "
				 "same time; retry", k->container_id, k->ifname);
		goto out;
	case SCAN_DEAD: /* not asked for */
	case SCAN_NONE:
		break;
	}
	memset(o, 0, sizeof(*o));
	o->rec = slot;
	o->tag = tag;
	ret = 0;
out:
	rp_store_view_unpin(s, pinned);
	return ret;
}

static int seg_of(struct rp_store *s, const struct rp_cfg_pool *p, rp_u128 a, uint64_t *lease,
		  uint32_t *ext)
{
	for (uint32_t j = 0; j < p->nsegs; j++) {
		const struct rp_cfg_seg *g = &s->segs[p->seg_first + j];
		const struct rp_cfg_extent *x = &s->exts[g->extent];
		rp_u128 base = rp_store_be128(x->base);

		if (a < base || a - base >= x->count)
			continue;
		uint64_t id = x->lease_base + (uint64_t)(a - base);

		if (id >= g->from && id < g->to) {
			*lease = id;
			*ext = g->extent;
			return 1;
		}
	}
	return 0;
}

static int owns(struct rp_store *s, const struct rp_owner *o, uint64_t me)
{
	if (!o || o->rec >= s->nslots)
		return 0;
	return O_MAKE(O_RESERVED, me) ==
	       (atomic_load_explicit(&s->owners[o->rec].state, memory_order_relaxed) & ~O_LOST);
}

/* rp_ip_from_u128() of lease @id of extent @x, written in place (no 17-byte struct returned
 * through the stack and re-read: that store-forwarding stall was visible on the fast path). */
static inline void lease_ip(struct rp_ip *ip, const struct rp_cfg_extent *x, uint64_t id)
{
	if (x->family == RP_FAM_V4 || x->family == RP_FAM_SLOT) {
		uint32_t v, lo;

		memcpy(&lo, x->base + 12, 4);
		v = htobe32(be32toh(lo) + (uint32_t)(id - x->lease_base));
		memset(ip, 0, sizeof(*ip));
		ip->family = x->family;
		memcpy(ip->b + (x->family == RP_FAM_V4 ? 0 : 12), &v, 4);
		return;
	}
	*ip = rp_ip_from_u128(x->family, rp_store_be128(x->base) + (id - x->lease_base));
}

int rp_store_reserve(struct rp_store *s, struct rp_owner *o, const uint32_t *pools, uint32_t npools,
		     const struct rp_ip *want, struct rp_lease_info *out, struct rp_err *e)
{
	uint64_t me = rp_store_self(), mine = L_MAKE(L_RESERVED, me), id = 0;
	uint32_t pool = UINT32_MAX, ext = 0;
	uint64_t want_id = 0;
	int inuse = 0, swept = 0;

	if (s->rdonly)
		return rp_err_set(e, -EROFS, "store %s: opened read-only", s->path);
	if (!s->in_read)
		return rp_err_set(e, -EINVAL, "rp_store_reserve outside a read section");
	if (!owns(s, o, me))
		return rp_err_set(e, -EINVAL, "rp_store_reserve: attachment not being built by this process");
	if (o->nleases >= RP_OWNER_MAX_LEASES)
		return rp_err_set(e, -E2BIG, "attachment already holds %d addresses", RP_OWNER_MAX_LEASES);
	if ((s->sweep_tick++ & (RP_SWEEP_EVERY - 1)) == 0)
		rp_store_sweep_some(s, 16, NULL);
retry:
	for (uint32_t pi = 0; pi < npools && pool == UINT32_MAX; pi++) {
		if (pools[pi] >= s->cfg->npools)
			continue;
		const struct rp_cfg_pool *p = &s->pools[pools[pi]];

		if (want) {
			uint64_t exp = L_MAKE(L_FREE, 0);

			if (want->family != p->family || !seg_of(s, p, rp_ip_to_u128(want), &id, &ext))
				continue;
			prefault_lease(s, id);
			rp_store_pend(s, PEND_LEASE(id));
			if (rp_bitmap_claim_bit(s->bitmap, id) < 0) {
				inuse = 1;
				want_id = id;
				continue;
			}
			if (!atomic_compare_exchange_strong_explicit(&s->leases[id], &exp, mine,
								     memory_order_acq_rel,
								     memory_order_relaxed)) {
				/* a newer config blocked it: the stale bit is consumed */
				continue;
			}
			pool = pools[pi];
			break;
		}
		for (uint32_t j = 0; j < p->nsegs && pool == UINT32_MAX; j++) {
			const struct rp_cfg_seg *g = &s->segs[p->seg_first + j];
			_Atomic uint64_t *hint = &s->hints[g->extent].next;
			uint64_t start;

			rp_store_prefault(s, hint, sizeof(*hint));
			start = atomic_load_explicit(hint, memory_order_relaxed);
			/* where the search starts (rp_bitmap_claim() starts a hint outside the
			 * segment at its front) */
			prefault_lease(s, start >= g->from && start < g->to ? start : g->from);
			rp_store_pend(s, PEND_EXT | g->extent);
			for (;;) {
				/* A5: the bitmap claim (seq_cst RMW) reads from R5's fetch_or. */
				int64_t b = rp_bitmap_claim(s->bitmap, g->from, g->to, start);
				uint64_t exp = L_MAKE(L_FREE, 0);

				if (b < 0)
					break;
				/* Load before the CAS: a lease behind a stale bit costs no locked
				 * instruction, and next-fit's first touch of a lease page in a fresh
				 * mapping is a read fault, which maps the pages around it as well
				 * (fault-around), where the CAS alone would take one write fault per
				 * page (measured: 9x fewer faults walking a 1M-lease pool).  The
				 * prefetchw first asks for the line exclusive, so that under contention
				 * the load does not fetch it shared only for the CAS to fetch it again. */
				__builtin_prefetch(&s->leases[b], 1, 3);
				if (atomic_load_explicit(&s->leases[b], memory_order_relaxed) == exp &&
				    atomic_compare_exchange_strong_explicit(&s->leases[b], &exp, mine,
									    memory_order_acq_rel,
									    memory_order_relaxed)) {
					id = (uint64_t)b;
					pool = pools[pi];
					ext = g->extent;
					atomic_store_explicit(hint, id + 1, memory_order_relaxed);
					/* next-fit walks forward: in a large pool the lease words
					 * ahead are cold */
					__builtin_prefetch(&s->leases[id + 16], 1, 1);
					break;
				}
				start = (uint64_t)b + 1; /* BLOCKED behind a stale bit: skip it */
			}
		}
	}
	/* Found: the window stays marked (now with the lease itself) until the record lists the
	 * lease, so that a process killed in between leaves a marker, not an orphan reservation
	 * only a full sweep would find (the next open frees it: rp_store_pending_repair). */
	rp_store_pend(s, pool == UINT32_MAX ? PEND_NONE : PEND_LEASE(id));
	if (pool == UINT32_MAX && !swept) {
		/* Exhausted (or the wanted address held): before failing, free what dead processes
		 * hold RESERVED in these pools — the bounded sweeps may not have come by yet — and
		 * try once more. */
		uint64_t freed = 0;

		swept = 1;
		if (want && inuse)
			freed = rp_store_sweep_range(s, want_id, want_id + 1);
		else if (!want)
			freed = rp_store_sweep_pools(s, pools, npools, RP_SWEEP_ON_FULL);
		if (freed) {
			inuse = 0;
			goto retry;
		}
	}
	if (pool == UINT32_MAX) {
		if (want) {
			char buf[64] = "?";

			rp_ip_format(want, buf, sizeof(buf));
			if (inuse)
				return rp_err_set(e, -EADDRINUSE, "address %s is already in use", buf);
			return rp_err_set(e, -ENOENT, "address %s is not allocatable in the given pools",
					  buf);
		}
		return rp_err_set(e, -ENOSPC, "no free address in the %u candidate pool(s)", npools);
	}
	struct rp_owner_rec *r = &s->owners[o->rec];

	atomic_store_explicit(&r->leases[o->nleases], id, memory_order_relaxed);
	o->lease_ids[o->nleases++] = id;
	uint64_t meta = atomic_load_explicit(&r->meta, memory_order_relaxed);

	atomic_store_explicit(&r->meta, META_MAKE(o->tag, o->nleases, META_DLEN(meta)),
			      memory_order_relaxed);
	rp_store_pend(s, PEND_NONE);
	if (out) {
		const struct rp_cfg_extent *x = &s->exts[ext];

		out->id = id;
		out->pool = pool;
		lease_ip(&out->ip, x, id);
	}
	return 0;
}

int rp_store_owner_set_data(struct rp_store *s, struct rp_owner *o, const void *data, uint32_t len)
{
	if (s->rdonly)
		return -EROFS;
	if (len > RP_OWNER_DATA_MAX || (len && !data))
		return -EINVAL;
	if (!owns(s, o, rp_store_self()))
		return -EINVAL;
	struct rp_owner_rec *r = &s->owners[o->rec];
	uint8_t buf[RP_OWNER_DATA_MAX] = { 0 };

	if (len)
		memcpy(buf, data, len);
	put_words(r->data, RP_OWNER_DATA_MAX, buf, RP_OWNER_DATA_MAX);
	atomic_store_explicit(&r->meta, META_MAKE(o->tag, o->nleases, len), memory_order_relaxed);
	return 0;
}

/* Undo the first @n lease commits of @o (back to RESERVED by us, DOOMED kept). */
static void uncommit(struct rp_store *s, struct rp_owner *o, uint32_t n, uint64_t me)
{
	uint64_t committed = L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(o->rec, o->tag));

	for (uint32_t i = 0; i < n; i++) {
		_Atomic uint64_t *l = &s->leases[o->lease_ids[i]];
		uint64_t w = atomic_load_explicit(l, memory_order_relaxed);

		while ((w & ~L_DOOMED) == committed &&
		       !atomic_compare_exchange_weak_explicit(l, &w,
							      L_MAKE(L_RESERVED, me) | (w & L_DOOMED),
							      memory_order_acq_rel, memory_order_relaxed))
			;
	}
}

int rp_store_commit(struct rp_store *s, struct rp_owner *o, struct rp_err *e)
{
	uint64_t me = rp_store_self(), mine = L_MAKE(L_RESERVED, me);
	uint64_t committed = L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(o->rec, o->tag));
	struct timespec ts;

	if (s->rdonly)
		return rp_err_set(e, -EROFS, "store %s: opened read-only", s->path);
	if (!owns(s, o, me))
		return rp_err_set(e, -EINVAL, "rp_store_commit: attachment not being built by this process");
	struct rp_owner_rec *r = &s->owners[o->rec];

	clock_gettime(CLOCK_REALTIME_COARSE, &ts); /* a timestamp for operators: jiffies suffice */
	atomic_store_explicit(&r->created_ns, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
			      memory_order_relaxed);
	for (uint32_t i = 0; i < o->nleases; i++) {
		_Atomic uint64_t *l = &s->leases[o->lease_ids[i]];
		uint64_t w = mine;

		if (!atomic_compare_exchange_strong_explicit(l, &w, committed, memory_order_acq_rel,
							     memory_order_relaxed)) {
			uncommit(s, o, i, me);
			if (w == (mine | L_DOOMED))
				return rp_err_set(e, -ESTALE, "a configuration published meanwhile "
						  "excluded an address of this attachment; retry");
			return rp_err_set(e, -EINVAL, "lease %llu is not reserved by this process",
					  (unsigned long long)o->lease_ids[i]);
		}
	}
	uint64_t st = O_MAKE(O_RESERVED, me);

	/* R3: the single commit point; pairs with A3 in rp_store_owner_copy(). */
	if (!atomic_compare_exchange_strong_explicit(&r->state, &st, O_MAKE(O_LIVE, o->tag),
						     memory_order_release, memory_order_relaxed)) {
		uncommit(s, o, o->nleases, me);
		return rp_err_set(e, -EBUSY, "a concurrent ADD of the same attachment won; retry");
	}
	return 0;
}

void rp_store_abort(struct rp_store *s, struct rp_owner *o)
{
	uint64_t me = rp_store_self();
	int pinned;

	if (s->rdonly || !owns(s, o, me))
		return;
	/* bit/lease windows must lie inside a read section (see rp_store_sweep's grace period) */
	if (rp_store_view_pin(s, &pinned) < 0)
		pinned = 0;
	for (uint32_t i = 0; i < o->nleases; i++) {
		rp_store_lease_put(s, o->lease_ids[i], L_MAKE(L_RESERVED, me));
		rp_store_lease_put(s, o->lease_ids[i],
				   L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(o->rec, o->tag)));
	}
	owner_drop(&s->owners[o->rec], o->tag);
	o->nleases = 0;
	rp_store_view_unpin(s, pinned);
}

static int lookup(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info, int want_dead)
{
	const struct rp_key_ctx *kc;
	uint32_t found;
	int ret, pinned;

	if ((ret = key_prep(s, k, &kc, NULL)) < 0)
		return ret;
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	prefault_probe(s, kc, 0);
	switch (scan_key(s, kc, UINT32_MAX, 0, &found, info, want_dead)) {
	case SCAN_LIVE:
	case SCAN_DEAD:
		ret = 0;
		break;
	case SCAN_BUSY:
		ret = -EBUSY;
		break;
	default:
		ret = -ENOENT;
	}
	rp_store_view_unpin(s, pinned);
	return ret;
}

int rp_store_lookup(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info)
{
	return lookup(s, k, info, 0);
}

int rp_store_lookup_any(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info)
{
	return lookup(s, k, info, 1);
}

int rp_store_release(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info)
{
	const struct rp_key_ctx *kc;
	uint64_t me = rp_store_self();
	uint32_t found;
	int ret, pinned;

	if (s->rdonly)
		return -EROFS;
	if ((ret = key_prep(s, k, &kc, NULL)) < 0)
		return ret;
	if ((ret = rp_store_view_pin(s, &pinned)) < 0)
		return ret;
	prefault_probe(s, kc, 0);
	for (int tries = 0;; tries++) {
		enum scan_result sr = scan_key(s, kc, UINT32_MAX, 0, &found, info, 0);

		if (sr == SCAN_NONE) {
			ret = 0;
			break;
		}
		if (sr == SCAN_BUSY || tries > 100) {
			ret = -EBUSY;
			break;
		}
		struct rp_owner_rec *r = &s->owners[found];
		uint64_t st = atomic_load_explicit(&r->state, memory_order_acquire);
		uint64_t meta = atomic_load_explicit(&r->meta, memory_order_relaxed);
		uint32_t tag = META_TAG(meta);

		if (O_STATE(st) != O_LIVE || (uint32_t)O_PAYLOAD(st) != tag)
			continue;
		if (!atomic_compare_exchange_strong_explicit(&r->state, &st, O_MAKE(O_RELEASING, me),
							     memory_order_acq_rel, memory_order_relaxed))
			continue;
		for (uint32_t i = 0; i < META_N(meta) && i < RP_OWNER_MAX_LEASES; i++) {
			uint64_t id = atomic_load_explicit(&r->leases[i], memory_order_relaxed);

			if (id >= s->h.max_leases)
				continue;
			prefault_lease(s, id);
			lease_put(s, id, L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(found, tag)));
		}
		owner_drop(r, tag);
		ret = 1;
		break;
	}
	rp_store_view_unpin(s, pinned);
	return ret;
}
