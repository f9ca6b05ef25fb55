/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node store: one mmap'd file (default /run/railpool/node.shm) shared by every railpool
 * process on the node.  It holds the applied configuration (pools for allocation plus an opaque
 * blob that core/ owns) and one lease per allocatable address or device slot.  Allocation is
 * lock-free: bitmaps find a free lease, a CAS on the lease's 64-bit state word takes it.
 * See docs/architecture.md, "The node store", for the layout, the lease and owner state machines
 * and every memory-ordering pairing.
 *
 * Process/thread safety: a `struct rp_store` handle belongs to one thread at a time (it carries
 * that thread's reader slot and its cached view of the pinned generation); it does not survive
 * fork() (a child opens its own).  Any number of processes, each with its own handle, may call every
 * function concurrently; rp_store_apply() calls are serialised by the store's writer word
 * (a second concurrent apply waits, then fails with -EBUSY after its timeout).
 *
 * Errors: functions return 0 (or a count / index) on success and -errno on failure, and fill
 * `struct rp_err` (may be NULL) with a message that names the check or the culprit.
 */
#ifndef RP_SHM_STORE_H
#define RP_SHM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_STORE_DEFAULT_PATH "/run/railpool/node.shm"
#define RP_STORE_ENV "RAILPOOL_STATE"

#define RP_NAME_MAX 64         /* pool names, resource names (incl. NUL) */
#define RP_CID_MAX 128         /* container ID (incl. NUL); longer IDs are refused */
#define RP_IFNAME_MAX 16       /* IFNAMSIZ */
#define RP_NETNS_MAX 128       /* netns path kept for GC; longer paths are kept truncated=empty */
#define RP_OWNER_MAX_LEASES 8  /* leases one attachment (container ID, ifname) may hold */
#define RP_OWNER_DATA_MAX 192  /* opaque per-attachment bytes for core/ (e.g. a VF's saved state) */

/* What a pool hands out. */
enum rp_family {
	RP_FAM_V4 = 4,
	RP_FAM_V6 = 6,
	RP_FAM_SLOT = 1, /* device slots (VFs, shared-RDMA users): "addresses" are indices 0..n-1;
			    all slot pools share one index space, so give each resource its own
			    range (e.g. resource r: r * 65536 + i) */
};

/* An address as the store sees it: 16 bytes, network order.  IPv4 uses b[0..3], rest zero.
 * A slot index uses b[12..15] (big-endian u32), rest zero. */
struct rp_ip {
	uint8_t family; /* enum rp_family */
	uint8_t b[16];
};

struct rp_store_params {
	uint32_t max_leases;  /* lease records over all extents (default 1 << 24) */
	uint32_t max_owners;  /* attachments (default 1 << 16); the table has 2x slots */
	uint32_t config_bytes; /* size of each of the two config areas (default 8 MiB) */
	uint32_t max_readers; /* cross-process reader epoch slots (default 1024) */
};

enum {
	RP_STORE_CREATE = 1u << 0, /* create (mode 0600) when missing; never truncates an existing file */
	RP_STORE_RDONLY = 1u << 1, /* map read-only: get/describe/fsck without --repair */
	RP_STORE_NOCHECK_OWNER = 1u << 2, /* tests only: skip the root-owner check (never the mode check) */
};
/* With RP_STORE_CREATE: create an older file format (1 or 2), which this build still attaches —
 * compatibility tests, or a node that may roll back to a v2 binary.  0: the current one. */
#define RP_STORE_CREATE_FORMAT(vmaj) ((unsigned)(vmaj) << 8)
#define RP_STORE_FORMAT_OF(flags) (((flags) >> 8) & 0xfu)

struct rp_store;

/*
 * Open (and with RP_STORE_CREATE, create) the store at @path.  The file is opened with O_NOFOLLOW
 * and refused when it is a symlink, not a regular file, not owned by root (unless
 * RP_STORE_NOCHECK_OWNER), has any group/other permission bits, is shorter than its header says,
 * or fails any header check (magic, version, header size, total size vs fstat, header checksum,
 * control word check, config area generation and checksum).  @params is used only on creation
 * (NULL: defaults).  On success *out is a handle owned by the caller.
 * Errors: -ENOENT (missing, no CREATE), -ELOOP (symlink), -EPERM (owner/mode), -EBADMSG (a
 * header/config check failed: e->msg names the check), -EPROTO (version), others from the OS.
 */
int rp_store_open(const char *path, unsigned flags, const struct rp_store_params *params,
		  struct rp_store **out, struct rp_err *e);
void rp_store_close(struct rp_store *s);

/*
 * One-shot processes (the CNI plugin), process-wide, for handles opened from now on; never for
 * long-lived users.  Two things change:
 * - rp_store_close() still gives up the reader slot and the descriptor but leaves the mapping to
 *   exit, which tears it down for less than munmap() does (page-table teardown and a TLB flush
 *   per call; 0.1-0.6 ms on a VM, PERFORMANCE.md §5); a long-lived user would leak the address
 *   space.
 * - A writable handle maps each store page it is about to use with one
 *   madvise(MADV_POPULATE_WRITE) before the first access, instead of taking a read fault there:
 *   a read fault on a shared tmpfs mapping also maps every cached page of the 64 KiB around it
 *   (fault-around), ~3 us per page on the test VM, and the store's header, bitmap and lease
 *   windows are dense with cached pages a CNI call never reads (PERFORMANCE.md §5, session 5).
 *   A long-lived user would pay a system call per page for nothing: its pages stay mapped.
 */
void rp_store_set_oneshot(bool on);

/* Resolve the store path: @explicit_path if not NULL/empty, else env RAILPOOL_STATE, else the
 * default. Returns a pointer to static or caller storage; never NULL. */
const char *rp_store_path(const char *explicit_path);

/* ---- configuration (written by `railpoolctl apply`) ---- */

struct rp_store_range {
	struct rp_ip lo, hi; /* inclusive; same family */
};

struct rp_store_pool_def {
	char name[RP_NAME_MAX];
	uint8_t family;                     /* enum rp_family */
	uint32_t nranges;
	const struct rp_store_range *ranges; /* allocatable set before exclusions; may overlap each
						other within the pool (merged); never another pool's */
	uint32_t nexcl;
	const struct rp_store_range *excl;   /* never handed out once this config is published */
};

struct rp_store_config {
	uint32_t npools;
	const struct rp_store_pool_def *pools;
	const void *blob;   /* opaque to shm/, owned by core/: copied, checksummed, versioned */
	uint32_t blob_len;
};

/*
 * Publish @cfg as the next config generation while allocators keep running.  Pools are matched
 * to the previous generation by name; an address keeps its one lease record for ever, so
 * growing, shrinking, excluding, moving an address between pools, removing and re-adding a pool
 * never lose or duplicate a lease.  Addresses leaving the allocatable set are blocked before the
 * new generation is published (a held one is marked so that it is blocked when released and a
 * still-RESERVED one can no longer be committed); addresses joining it are freed after.
 * Two pools of one family sharing an address is refused (-EINVAL, names both).  Waits for
 * readers of the generation being overwritten to leave (dead readers are skipped).
 * Errors: -EINVAL (bad definition), -ENOSPC (lease/config capacity), -EBUSY/-ETIMEDOUT
 * (another apply, or a live reader that does not leave), -EROFS.
 */
int rp_store_apply(struct rp_store *s, const struct rp_store_config *cfg, struct rp_err *e);

/* ---- reading the configuration ---- */

/*
 * A read section pins one config generation: pointers in @v stay valid and unchanged until
 * rp_store_read_end().  Sections do not nest; every alloc/lookup call below must run inside one
 * (they use the pinned generation).  Cost: two loads and a store (no locked
 * instruction while the generation is unchanged, see docs/architecture.md D1a).
 */
struct rp_store_view {
	uint64_t gen;
	const void *blob;
	uint32_t blob_len;
	uint32_t npools;
};
int rp_store_read_begin(struct rp_store *s, struct rp_store_view *v);
void rp_store_read_end(struct rp_store *s);

/* Index of the pool named @name in the pinned generation, or -ENOENT. */
int rp_store_pool_find(struct rp_store *s, const char *name);

struct rp_store_pool_info {
	char name[RP_NAME_MAX];
	uint8_t family;
	uint64_t total; /* allocatable addresses under this generation */
	uint64_t used;  /* of those, RESERVED or COMMITTED */
	uint64_t free;
};
int rp_store_pool_info(struct rp_store *s, uint32_t pool, struct rp_store_pool_info *out);
/* Name of pool @pool in the pinned generation, or NULL.  O(1): for the fast path, where
 * rp_store_pool_info()'s counts (a bitmap popcount over the whole pool) are not wanted. */
const char *rp_store_pool_name(struct rp_store *s, uint32_t pool);

/* ---- attachments (owners) and their leases ---- */

struct rp_owner_key {
	const char *container_id; /* non-empty, < RP_CID_MAX */
	const char *ifname;       /* non-empty, < RP_IFNAME_MAX */
};

struct rp_lease_info {
	uint32_t pool;      /* pool index in the pinned generation, or UINT32_MAX if no pool holds
			       the address any more */
	struct rp_ip ip;
	uint64_t id;        /* stable lease id (opaque) */
};

struct rp_owner_info {
	char container_id[RP_CID_MAX];
	char ifname[RP_IFNAME_MAX];
	char netns[RP_NETNS_MAX];
	uint32_t nleases;
	struct rp_lease_info leases[RP_OWNER_MAX_LEASES];
	uint8_t data[RP_OWNER_DATA_MAX];
	uint32_t data_len;
	int32_t pid;        /* the process building or releasing it, 0 when LIVE */
	uint8_t state;      /* enum rp_owner_state */
	uint64_t created_ns; /* CLOCK_REALTIME at commit */
};

enum rp_owner_state { RP_OWNER_RESERVED = 1, RP_OWNER_LIVE = 2, RP_OWNER_RELEASING = 3 };

/* An attachment being built by this process (RESERVED): private until commit. */
struct rp_owner {
	uint32_t rec;     /* owner record index */
	uint32_t tag;     /* record incarnation */
	uint32_t nleases;
	uint64_t lease_ids[RP_OWNER_MAX_LEASES];
};

/*
 * Start an attachment for @k.  Returns 0 with @o a fresh RESERVED record; RP_OWNER_EXISTS (1)
 * when a LIVE attachment for @k exists (@info filled, @o untouched: the idempotent-ADD path);
 * -EBUSY when a live process is building or releasing it; -ENOSPC when the owner table is full;
 * -EINVAL for a bad key.  Sweeps a bounded number of dead RESERVED leases/owners as it goes.
 */
#define RP_OWNER_EXISTS 1
int rp_store_owner_begin(struct rp_store *s, const struct rp_owner_key *k, const char *netns,
			 struct rp_owner *o, struct rp_owner_info *info, struct rp_err *e);

/*
 * Reserve one address for @o from the first of @pools (indices, tried in order) that has one;
 * with @want, exactly that address (or slot), which must belong to one of @pools.
 * On success fills @out and records the lease in @o.
 * Errors: -ENOSPC (all pools exhausted), -EADDRINUSE (@want is held), -ENOENT (@want in no pool),
 * -E2BIG (owner already holds RP_OWNER_MAX_LEASES).
 * Cost: O(1) in pool size and fill level (hierarchical bitmap, next-fit from a rotating hint).
 */
int rp_store_reserve(struct rp_store *s, struct rp_owner *o, const uint32_t *pools, uint32_t npools,
		     const struct rp_ip *want, struct rp_lease_info *out, struct rp_err *e);

/* Attach up to RP_OWNER_DATA_MAX opaque bytes to the record before commit. */
int rp_store_owner_set_data(struct rp_store *s, struct rp_owner *o, const void *data, uint32_t len);

/*
 * Make @o LIVE: every lease RESERVED -> COMMITTED, then the record RESERVED -> LIVE (the single
 * commit point).  -ESTALE if a config published meanwhile excluded one of the leases: nothing is
 * committed, the caller aborts and may retry.
 */
int rp_store_commit(struct rp_store *s, struct rp_owner *o, struct rp_err *e);

/* Undo an uncommitted @o: leases freed, record dropped. Never fails. */
void rp_store_abort(struct rp_store *s, struct rp_owner *o);

/* Look up the LIVE attachment of @k. 0 and @info filled, or -ENOENT. -EBUSY if in flux. */
int rp_store_lookup(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info);

/*
 * The same, but the record a dead process left RESERVED or RELEASING for @k (an ADD or DEL killed
 * half-way) is returned too, info->state saying which, instead of being finished: its data (an
 * SR-IOV rail's saved VF state) are what the runtime's DEL needs to undo that process's work.
 * The record stays for rp_store_release() (which finishes it: 0, nothing LIVE was held) or a
 * sweep.
 */
int rp_store_lookup_any(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info);

/* Free every lease of @k and drop its record. 0 also when nothing is held (DEL is idempotent).
 * With @info, the released attachment is copied out first (for restoring a VF, say). Returns
 * 1 when something was released, 0 when nothing was held, -EBUSY if another process is working
 * on it. */
int rp_store_release(struct rp_store *s, const struct rp_owner_key *k, struct rp_owner_info *info);

/* ---- recovery and maintenance ---- */

struct rp_sweep_stats {
	uint64_t leases_freed;   /* RESERVED leases of dead processes */
	uint64_t owners_freed;   /* RESERVED/RELEASING records of dead processes */
	uint64_t orphans_freed;  /* COMMITTED leases whose record is gone */
	uint64_t scanned;
};
/* Reclaim what dead processes left: @budget records/leases at most (0 = everything). */
int rp_store_sweep(struct rp_store *s, uint32_t budget, struct rp_sweep_stats *st);

/* Call @fn for every owner record (LIVE, and RESERVED/RELEASING too). @fn returns non-zero to stop. */
typedef int (*rp_owner_fn)(const struct rp_owner_info *info, void *arg);
int rp_store_foreach_owner(struct rp_store *s, rp_owner_fn fn, void *arg);

/* Release every LIVE attachment for which @keep returns 0 (dead netns, not in the runtime's
 * valid-attachments list...). With @dry_run only count. Returns the number released. */
int rp_store_gc(struct rp_store *s, rp_owner_fn keep, void *arg, bool dry_run);

struct rp_store_stats {
	uint64_t gen;
	uint64_t file_bytes;     /* st_size */
	uint64_t resident_bytes; /* st_blocks * 512: what tmpfs actually holds */
	uint32_t npools, nextents;
	uint64_t leases_total, leases_free, leases_reserved, leases_committed, leases_blocked;
	uint32_t owners_live, owners_reserved, owners_max;
	uint32_t readers_active;
};
int rp_store_stats(struct rp_store *s, struct rp_store_stats *st);

/*
 * Check every invariant (docs/architecture.md lists them) and report each violation through
 * @report; with RP_FSCK_REPAIR (store opened read-write) rebuild the bitmaps and hints from the
 * leases, re-derive blocked states from the published config, and free orphans.
 * Returns the number of problems found (0 = clean) or -errno.
 */
#define RP_FSCK_REPAIR 1u
typedef void (*rp_fsck_report_fn)(const char *problem, void *arg);
int rp_store_fsck(struct rp_store *s, unsigned flags, rp_fsck_report_fn report, void *arg);

/*
 * The byte ranges attach verifies completely: every single-byte change inside the header,
 * the control word or the used part of the active config area makes rp_store_open() fail with
 * -EBADMSG (for corruption tests, fsck and the fuzzer).  A snapshot; valid until the next apply.
 */
struct rp_store_layout {
	uint64_t total;
	uint64_t header_off, header_len;
	uint64_t ctl_off, ctl_len;
	uint64_t config_off, config_len; /* the active area, used bytes */
	uint64_t gen;
};
int rp_store_layout(struct rp_store *s, struct rp_store_layout *out);

/* ---- helpers ---- */
/* Parse/format "10.0.0.1", "fd00::1" (and for RP_FAM_SLOT a decimal index). 0 or -EINVAL. */
int rp_ip_parse(const char *str, struct rp_ip *out);
int rp_ip_format(const struct rp_ip *ip, char *buf, size_t len);
struct rp_ip rp_ip_slot(uint32_t index);
uint32_t rp_ip_slot_index(const struct rp_ip *ip);

/* Start time of @pid (field 22 of /proc/PID/stat) or 0 if the process is gone. */
uint64_t rp_proc_start_time(pid_t pid);

#ifdef __cplusplus
}
#endif
#endif
