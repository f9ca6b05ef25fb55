/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the fork()ed allocators of the store_mp tests share: starting them, and reserving leases
 * against a per-address holder count in shared memory, the oracle that no address is ever held
 * by two attachments at once.
 *
 * Process safety: the counts are atomics in mp_shared_alloc() memory, updated by every child;
 * struct mp_held is per process.
 */
#ifndef RP_TESTS_STORE_MP_CHILD_H
#define RP_TESTS_STORE_MP_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include "tests/store_mp/mp_common.h"

/* @n children (mp_fork), child i leaving with _exit(@fn(i)); their pids into @pids.  0, or -errno
 * when a fork failed (the children started so far keep running; their pids are in @pids). */
int mp_spawn(pid_t *pids, int n, int (*fn)(int));

struct mp_claims {
	_Atomic int *holder;   /* a count per address of the block */
	uint32_t base, naddr;  /* the IPv4 block (host order) every pool lies in */
	struct mp_report *rep; /* where children report failures */
};

/* One attachment's claimed addresses, as offsets from the block's base, in reserve order. */
struct mp_held {
	uint32_t a[RP_OWNER_MAX_LEASES];
	uint32_t n;
};

/*
 * Reserve up to @want leases for @o, each from @pools[0..@np) in that preference, and claim each
 * address.  A lease outside the block or from a pool not asked for, and an address someone else
 * holds, is reported as "@who: ...".  Stops at the first failed reserve: -ENOSPC is returned
 * without a report, any other error is reported and returned; -EPROTO after a foreign lease.
 * 0 when all @want are held.  Either way @h lists the addresses claimed.
 */
int mp_reserve_claimed(struct rp_store *s, struct rp_owner *o, const uint32_t *pools, uint32_t np, uint32_t want,
		       const struct mp_claims *c, const char *who, struct mp_held *h);

/* Drop @h's claims.  With @check, each address must have been held by us alone until now
 * (reported as "@who: ..." otherwise). */
void mp_unclaim(const struct mp_held *h, const struct mp_claims *c, int check, const char *who);

#endif
