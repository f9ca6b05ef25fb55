/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node store internals shared by the files of shm/: the file layout (every shared struct with
 * fixed-width fields, explicit padding and static_asserts), the lease and owner state-word
 * encodings and the private handle.  Never included from outside shm/.  docs/architecture.md explains
 * the layout, state machines, invariants and every acquire/release pairing (labels A*, R*, D*).
 */
#ifndef RP_SHM_STORE_INTERNAL_H
#define RP_SHM_STORE_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bitmap/bitmap.h"
#include "shm/store.h"

#define RP_STORE_MAGIC 0x6c6f6f706c696172ull /* "railpool" little-endian */
#define RP_STORE_VMAJ 3     /* 3: an owner record's home slot comes from its container ID alone */
#define RP_STORE_VMAJ_KEYHOME 2 /* still attached: home slot from the whole key (see rp_store_home) */
#define RP_STORE_VMAJ_SYM 1 /* still attached, as 2, with every read section symmetric (no membarrier) */
#define RP_STORE_VMIN 0
#define RP_STORE_HDR_BYTES 4096u
#define RP_STORE_PAGE 4096u
#define RP_STORE_MAX_POOLS 4096u
#define RP_STORE_WAIT_MS 10000 /* apply: wait for the writer word and for old readers */

/* ---- 1. header: immutable once the magic is published; xxh64 over all 4096 bytes ---- */
struct rp_shm_hdr {
	uint64_t magic;        /* published last (R0 in create), loaded with acquire (A0 in open) */
	uint16_t vmaj, vmin;
	uint32_t header_size;  /* RP_STORE_HDR_BYTES */
	uint64_t total_size;   /* == st_size */
	uint32_t max_leases, max_owners, config_bytes, max_readers;
	uint32_t max_extents, owner_size;
	uint64_t ctl_off;
	uint64_t cfg_off[2];
	uint64_t readers_off;
	uint64_t hints_off;
	uint64_t leases_off;
	uint64_t bitmap_off, bitmap_bytes;
	uint64_t owners_off;
	uint64_t created_ns;
	uint64_t checksum; /* xxh64(seed 0) of the 4096 header bytes with this field zero */
	uint8_t pad[RP_STORE_HDR_BYTES - 136];
};
_Static_assert(sizeof(struct rp_shm_hdr) == RP_STORE_HDR_BYTES, "header size");
_Static_assert(offsetof(struct rp_shm_hdr, vmaj) == 8, "hdr.vmaj");
_Static_assert(offsetof(struct rp_shm_hdr, total_size) == 16, "hdr.total_size");
_Static_assert(offsetof(struct rp_shm_hdr, max_leases) == 24, "hdr.max_leases");
_Static_assert(offsetof(struct rp_shm_hdr, ctl_off) == 48, "hdr.ctl_off");
_Static_assert(offsetof(struct rp_shm_hdr, checksum) == 128, "hdr.checksum");

/* ---- 2. control block: mutable, each contended word on its own cache line ---- */
struct rp_shm_ctl {
	alignas(64) _Atomic uint64_t ctl;     /* (gen << 32) | hash32(gen) */
	alignas(64) _Atomic uint64_t writer;  /* proc id of the apply in progress, 0 = none */
	alignas(64) _Atomic uint64_t max_probe; /* owner table: longest probe distance ever used */
	alignas(64) _Atomic uint64_t applies; /* statistics, relaxed */
	_Atomic uint64_t swept_leases;
	_Atomic uint64_t swept_owners;
	_Atomic uint64_t swept_orphans;
	uint8_t pad[RP_STORE_PAGE - 224];
};
_Static_assert(sizeof(struct rp_shm_ctl) == RP_STORE_PAGE, "ctl size");
_Static_assert(offsetof(struct rp_shm_ctl, writer) == 64, "ctl.writer");
_Static_assert(offsetof(struct rp_shm_ctl, max_probe) == 128, "ctl.max_probe");

/* ---- 3. config areas (slot = gen & 1): header + pools + segments + extents + blob ---- */
struct rp_cfg_hdr {
	uint64_t gen;
	uint32_t size;      /* bytes covered by checksum, this header included */
	uint32_t npools;
	uint64_t checksum;  /* xxh64 over [0, size) with this field zero */
	uint32_t nsegs, nextents;
	uint64_t next_lease; /* extent allocator: first lease index not in any extent */
	uint32_t pools_off, segs_off, exts_off, blob_off; /* from the area start */
	uint32_t blob_len;
	uint32_t pad0;
	uint8_t pad[64];
};
_Static_assert(sizeof(struct rp_cfg_hdr) == 128, "cfg hdr size");
_Static_assert(offsetof(struct rp_cfg_hdr, checksum) == 16, "cfg.checksum");
_Static_assert(offsetof(struct rp_cfg_hdr, next_lease) == 32, "cfg.next_lease");

struct rp_cfg_pool {
	char name[RP_NAME_MAX];
	uint8_t family;
	uint8_t pad[3];
	uint32_t seg_first, nsegs;
	uint32_t pad1;
	uint64_t total; /* allocatable addresses (sum of segment sizes) */
	uint64_t pad2;
};
_Static_assert(sizeof(struct rp_cfg_pool) == 96, "pool size");

/* A pool's allocatable addresses inside one extent: leases [from, to) (global lease indices). */
struct rp_cfg_seg {
	uint32_t extent, pool;
	uint64_t from, to;
};
_Static_assert(sizeof(struct rp_cfg_seg) == 24, "seg size");

/* Never moved or removed once created: an address keeps its one lease for ever. */
struct rp_cfg_extent {
	uint8_t family;
	uint8_t pad[7];
	uint8_t base[16]; /* first address, big-endian 128-bit */
	uint64_t count;
	uint64_t lease_base; /* its leases: [lease_base, lease_base + count); also its bitmap bits */
};
_Static_assert(sizeof(struct rp_cfg_extent) == 40, "extent size");
_Static_assert(offsetof(struct rp_cfg_extent, lease_base) == 32, "extent.lease_base");

/* ---- 4. reader epoch slots ---- */
struct rp_shm_reader {
	alignas(64) _Atomic uint64_t owner; /* proc id, 0 = free */
	_Atomic uint64_t epoch;             /* pinned gen, 0 = not reading */
	_Atomic uint64_t seq;               /* read sections ended (grace periods) */
	_Atomic uint64_t mode;              /* RD_ASYM: relies on the writer's membarrier() (D1a) */
	_Atomic uint64_t pending;           /* the lease/bit window this process is in (PEND_*) */
	uint8_t pad[24];
};
_Static_assert(sizeof(struct rp_shm_reader) == 64, "reader size");
#define RD_ASYM 1ull
/*
 * `pending`: a lease's word and its bitmap bit change in two steps (reserve: claim the bit, then
 * CAS FREE->RESERVED; release: CAS ->FREE, then set the bit).  A process killed between them
 * leaves a FREE lease with a clear bit, invisible to allocation.  Before the first step it
 * stores which lease (PEND_LEASE) or, while the bitmap search has not picked one yet, which
 * extent (PEND_EXT) it works on; after the second, PEND_NONE.  Whoever finds the slot's owner
 * dead finishes the work (rp_store_pending_repair()).  Neither store is an RMW: a stale bit
 * (set over a lease that is not FREE) is harmless — allocation succeeds only by the lease CAS
 * from FREE, and a claimer that loses that CAS just consumes the bit — so a repair that races a
 * live process costs nothing but a skipped bit, and the stores need no ordering beyond the
 * release on clearing.
 */
#define PEND_NONE 0ull
#define PEND_EXT (1ull << 63)
#define PEND_LEASE(id) ((uint64_t)(id) + 1)

/* ---- 5. extent next-fit hints: one cache line each (relaxed) ---- */
struct rp_shm_hint {
	alignas(64) _Atomic uint64_t next;
	uint8_t pad[56];
};
_Static_assert(sizeof(struct rp_shm_hint) == 64, "hint size");

/* ---- 6. lease state word ---- */
#define L_BLOCKED 0ull /* zero-filled leases of a fresh extent are BLOCKED: no init needed */
#define L_FREE 1ull
#define L_RESERVED 2ull
#define L_COMMITTED 3ull
#define L_STATE(w) ((w) >> 62)
#define L_DOOMED (1ull << 61)
#define L_PAYLOAD(w) ((w) & ((1ull << 61) - 1))
#define L_MAKE(st, payload) (((uint64_t)(st) << 62) | (payload))
#define L_COMMIT_PAYLOAD(rec, tag) (((uint64_t)(rec) << 32) | (uint32_t)(tag))
#define L_COMMIT_REC(w) ((uint32_t)((L_PAYLOAD(w) >> 32) & 0x1fffffff))
#define L_COMMIT_TAG(w) ((uint32_t)(w))

/* A process identity: pid (22 bits) and start time (38 bits, clock ticks) = 60 bits. */
#define PROC_ST_BITS 38
#define PROC_PID(p) ((pid_t)((p) >> PROC_ST_BITS))
#define PROC_ST(p) ((p) & ((1ull << PROC_ST_BITS) - 1))

/* ---- 7. owner records ---- */
#define O_EMPTY 0ull
#define O_TOMB 1ull
#define O_RESERVED 2ull
#define O_LIVE 3ull
#define O_RELEASING 4ull
#define O_STATE(w) ((w) >> 61)
#define O_LOST (1ull << 60) /* a RESERVED record lost a same-key race: its commit must fail */
#define O_PAYLOAD(w) ((w) & ((1ull << 60) - 1))
#define O_MAKE(st, payload) (((uint64_t)(st) << 61) | (payload))

struct rp_owner_rec {
	_Atomic uint64_t state; /* O_* + proc id (RESERVED/RELEASING) or tag (LIVE/TOMB) */
	_Atomic uint64_t key;   /* xxh64(cid, ifname), 0 while EMPTY/TOMB */
	_Atomic uint64_t meta;  /* tag | nleases << 32 | data_len << 40 */
	_Atomic uint64_t created_ns;
	_Atomic uint64_t leases[RP_OWNER_MAX_LEASES];
	_Atomic uint64_t cid[RP_CID_MAX / 8];
	_Atomic uint64_t ifname[RP_IFNAME_MAX / 8];
	_Atomic uint64_t netns[RP_NETNS_MAX / 8];
	_Atomic uint64_t data[RP_OWNER_DATA_MAX / 8];
	/* Of the slot as a home: the longest probe distance of any record whose key hashes here
	 * (only grows; fetch_max).  Lookups of a key scan [home, home + home_maxd]. */
	_Atomic uint64_t home_maxd;
	uint64_t pad;
};
_Static_assert(sizeof(struct rp_owner_rec) == 576, "owner record size");
_Static_assert(offsetof(struct rp_owner_rec, leases) == 32, "owner.leases");
/* claim_slot() (store_lease.c) updates state and key with one 16-byte CAS: adjacent, 16-aligned
 * (records start on a page and are a multiple of 16 bytes). */
_Static_assert(offsetof(struct rp_owner_rec, key) == 8, "owner.key next to state");
_Static_assert(sizeof(struct rp_owner_rec) % 16 == 0, "owner record 16-byte multiple");
_Static_assert(offsetof(struct rp_owner_rec, cid) == 96, "owner.cid");
_Static_assert(offsetof(struct rp_owner_rec, data) == 368, "owner.data");
#define META_TAG(m) ((uint32_t)(m))
#define META_N(m) ((uint32_t)(((m) >> 32) & 0xff))
#define META_DLEN(m) ((uint32_t)(((m) >> 40) & 0xffff))
#define META_MAKE(tag, n, dlen) ((uint64_t)(tag) | ((uint64_t)(n) << 32) | ((uint64_t)(dlen) << 40))

/* x86-64: claim an owner record and publish its key with one cmpxchg16b (not under TSan, which
 * cannot model inline assembly). */
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__) && !defined(RP_NO_CAS16)
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RP_CAS16 0
#endif
#endif
#ifndef RP_CAS16
#define RP_CAS16 1
#endif
#else
#define RP_CAS16 0
#endif

/* ---- the private handle ---- */
struct rp_liveness {
	uint64_t proc;
	uint64_t checked_ns;
};

/* An attachment key prepared for the owner table (store_lease.c): zero-padded words as a record
 * stores them, lengths, hash (0 = not valid) and home slot. */
struct rp_key_ctx {
	uint64_t cid[RP_CID_MAX / 8];
	uint64_t ifname[RP_IFNAME_MAX / 8];
	uint32_t cid_words, if_words; /* through the word holding the NUL */
	uint32_t cid_len, if_len;
	uint64_t key;
	uint64_t cid_hash; /* valid with key */
	uint32_t home;
};

#define RP_STORE_PF_PAGES 32 /* an 8-rail ADD maps ~15 store pages */

struct rp_store {
	char *base;
	size_t size;
	int fd;
	int rdonly;
	struct rp_shm_hdr h; /* validated private copy: offsets are taken from here, never re-read */
	struct rp_shm_ctl *ctl;
	struct rp_shm_reader *readers;
	struct rp_shm_hint *hints;
	_Atomic uint64_t *leases;
	void *bitmap;
	struct rp_owner_rec *owners;
	uint32_t nslots; /* owner table slots: 2 * max_owners, so probes stay short */
	uint32_t sweep_tick, sweep_owner_calls;
	uint64_t read_seq;
	int32_t reader_slot; /* -1: none (read-only handle) */
	int asym;            /* registered for membarrier(): unchanged-generation sections skip the fence */
	int home_cid;        /* v3: home slot = hash(container ID) (rp_store_home) */
	int in_read;
	/* parsed view of the pinned generation (pointers into the mapping) */
	uint64_t view_ctl;
	const struct rp_cfg_hdr *cfg;
	const struct rp_cfg_pool *pools;
	const struct rp_cfg_seg *segs;
	const struct rp_cfg_extent *exts;
	uint64_t sweep_lease, sweep_owner; /* private rotating cursors of the bounded sweep */
	uint32_t sweep_ds, sweep_de; /* owner records [ds, de) lie in written pages (they stay so) */
	struct rp_liveness live[8];
	uint32_t live_next;
	struct rp_key_ctx kc; /* the last key prepared by this handle */
	/* one-shot handles (rp_store_set_oneshot): the pages rp_store_prefault() mapped, as offsets
	 * into the mapping, so a page is asked for once (a repeat would be a wasted system call) */
	int prefault;
	uint32_t npf;
	uint64_t pf[RP_STORE_PF_PAGES];
	char path[];
};

/*
 * The home slot of an attachment whose key is @key and whose container ID hashes to @cid_hash.
 * v3 stores use the container ID alone, so a pod's rails (one container, several ifnames) lie in
 * consecutive slots: a CNI process then touches one or two pages of the owner table instead of
 * one page (and, in a fresh process, one page-table page) per rail.  v1/v2 files keep the key.
 */
static inline uint32_t rp_store_home(const struct rp_store *s, uint64_t key, uint64_t cid_hash)
{
	return (uint32_t)((s->home_cid ? cid_hash : key) % s->nslots);
}

/* A one-shot handle maps the pages of [@p, @p + @len) (inside the mapping) before its first
 * access to them; every other handle returns at once.  See rp_store_set_oneshot(). */
void rp_store_prefault_slow(struct rp_store *s, const void *p, size_t len);
static inline void rp_store_prefault(struct rp_store *s, const void *p, size_t len)
{
	if (__builtin_expect(s->prefault, 0))
		rp_store_prefault_slow(s, p, len);
}

/* store_lease.c: the container-ID hash rp_store_home() takes. */
uint64_t rp_store_cid_hash(const char *cid);

/* Mark (or, with PEND_NONE, clear) this handle's lease/bit window; see `pending` above. */
static inline void rp_store_pend(struct rp_store *s, uint64_t what)
{
	if (s->reader_slot < 0)
		return;
	/* Two stores with constant orders: an order chosen at run time (what ? relaxed : release)
	 * is compiled as seq_cst, i.e. an xchg, a locked instruction, whenever @what is not a
	 * compile-time constant (PEND_LEASE(id)). */
	if (what)
		atomic_store_explicit(&s->readers[s->reader_slot].pending, what, memory_order_relaxed);
	else
		atomic_store_explicit(&s->readers[s->reader_slot].pending, what, memory_order_release);
}

/* store_maint.c: finish the lease/bit windows of dead processes in reader slots [0, @nslots)
 * (the handle's own slot too, when it inherited a dead process's); inside a read section.
 * Returns how many bits were restored. */
uint64_t rp_store_pending_repair(struct rp_store *s, uint32_t nslots);
#define RP_STORE_PENDING_SCAN 64 /* slots rp_store_open() looks at: one 4 KiB page */

/* store_proc.c */
/* This process's proc id (cached; reset in fork children).  Inline: it is on every fast path. */
extern _Atomic uint64_t rp_store_self_proc;
uint64_t rp_store_self_slow(void);
static inline uint64_t rp_store_self(void)
{
	uint64_t p = atomic_load_explicit(&rp_store_self_proc, memory_order_relaxed);

	return __builtin_expect(p != 0, 1) ? p : rp_store_self_slow();
}
/* 1 if @proc is alive (pid exists with the same start time), 0 if dead; cached per handle. */
int rp_store_proc_alive(struct rp_store *s, uint64_t proc);
uint64_t rp_store_now_ns(void);

/* store_open.c */
uint32_t rp_store_ctl_hash(uint64_t gen);
uint64_t rp_store_ctl_make(uint64_t gen);
struct rp_cfg_hdr *rp_store_cfg_area(struct rp_store *s, uint64_t gen);
/* Structural checks of a config area (bounds of every table); 0 or -EBADMSG with @why set. */
int rp_store_cfg_check(struct rp_store *s, const struct rp_cfg_hdr *c, uint64_t gen, int checksum,
		       const char **why);
uint64_t rp_store_cfg_checksum(const struct rp_cfg_hdr *c);

/* store_view.c */
/* Enter a read section unless the caller is already in one (*pinned says which); inline: the
 * already-inside case is on every fast path. */
static inline int rp_store_view_pin(struct rp_store *s, int *pinned)
{
	int ret;

	*pinned = 0;
	if (__builtin_expect(s->in_read, 1))
		return 0;
	if ((ret = rp_store_read_begin(s, NULL)) == 0)
		*pinned = 1;
	return ret;
}

static inline void rp_store_view_unpin(struct rp_store *s, int pinned)
{
	if (pinned)
		rp_store_read_end(s);
}
uint32_t rp_store_lease_pool(struct rp_store *s, uint64_t lease, struct rp_ip *ip);
/* Wait until no live reader has 0 < epoch <= @gen; -ETIMEDOUT with @e naming the pid. */
int rp_store_wait_readers(struct rp_store *s, uint64_t gen, struct rp_err *e);
/* Wait until every live reader that was inside a read section has left it once (a grace
 * period); 0 or -ETIMEDOUT after @ms. */
int rp_store_grace(struct rp_store *s, unsigned ms);
/* The writer half of D1a: a full barrier on every thread of every registered process (falls
 * back to the unexpedited global command).  -ENOSYS only when neither works and a live reader
 * relies on it. */
int rp_store_membarrier(struct rp_store *s, struct rp_err *e);
/* The reader half: register this process (once per open; cheap when already registered). */
int rp_store_membarrier_register(void);

/* store_lease.c */
void rp_store_lease_put(struct rp_store *s, uint64_t lease, uint64_t expect);
/* Set the bit of a lease just made FREE, taking it back if an apply blocked it meanwhile. */
void rp_store_lease_bit_set(struct rp_store *s, uint64_t lease);
void rp_store_owner_finish(struct rp_store *s, uint32_t rec, uint64_t expect_state);
uint64_t rp_store_key(const char *cid, const char *ifname);
int rp_store_owner_copy(struct rp_store *s, uint32_t rec, struct rp_owner_info *info,
			uint64_t *state_out);
void rp_store_sweep_some(struct rp_store *s, uint32_t budget, struct rp_sweep_stats *st);
/* Free leases [@from, @to) that dead processes hold RESERVED; returns how many. */
uint64_t rp_store_sweep_range(struct rp_store *s, uint64_t from, uint64_t to);
/* The same over the segments of @pools (indices into the pinned view), at most @budget leases. */
uint64_t rp_store_sweep_pools(struct rp_store *s, const uint32_t *pools, uint32_t npools, uint64_t budget);
/* Bounded sweeps: every RP_SWEEP_EVERY-th begin / reserve of a handle (see rp_store_sweep_some). */
#define RP_SWEEP_EVERY 64u
/* An allocation that finds its pools exhausted sweeps at most this many of their leases for
 * reservations of dead processes before it gives up (rp_store_reserve). */
#define RP_SWEEP_ON_FULL (1u << 20)

/* store_apply.c */
int rp_store_reconcile(struct rp_store *s, const struct rp_cfg_hdr *c);
/* The writer word serialises apply and fsck --repair; a dead holder is stolen. */
int rp_store_writer_lock(struct rp_store *s, struct rp_err *e);
void rp_store_writer_unlock(struct rp_store *s);

/* 128-bit address arithmetic */
typedef unsigned __int128 rp_u128;
rp_u128 rp_ip_to_u128(const struct rp_ip *ip);
struct rp_ip rp_ip_from_u128(uint8_t family, rp_u128 v);
rp_u128 rp_store_be128(const uint8_t b[16]);
void rp_store_put_be128(uint8_t b[16], rp_u128 v);

#endif
