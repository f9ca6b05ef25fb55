/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/store_mp/child.h"

#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>

int mp_spawn(pid_t *pids, int n, int (*fn)(int))
{
	for (int i = 0; i < n; i++) {
		pids[i] = mp_fork();
		if (pids[i] < 0)
			return -errno;
		if (pids[i] == 0)
			_exit(fn(i));
	}
	return 0;
}

static int asked_for(const uint32_t *pools, uint32_t np, uint32_t pool)
{
	for (uint32_t i = 0; i < np; i++)
		if (pools[i] == pool)
			return 1;
	return 0;
}

int mp_reserve_claimed(struct rp_store *s, struct rp_owner *o, const uint32_t *pools, uint32_t np, uint32_t want,
		       const struct mp_claims *c, const char *who, struct mp_held *h)
{
	h->n = 0;
	for (uint32_t j = 0; j < want; j++) {
		struct rp_err e = { 0 };
		struct rp_lease_info li;
		uint32_t a;
		int rc = rp_store_reserve(s, o, pools, np, NULL, &li, &e);

		if (rc == -ENOSPC)
			return rc;
		if (rc) {
			mp_report_fail(c->rep, "%s: reserve %u/%u: %d %s", who, j, want, rc, e.msg);
			return rc;
		}
		a = mp_v4_host(&li.ip) - c->base;
		if (li.ip.family != RP_FAM_V4 || a >= c->naddr || !asked_for(pools, np, li.pool)) {
			mp_report_fail(c->rep, "%s: reserve returned a foreign address (pool %u)", who, li.pool);
			return -EPROTO;
		}
		if (atomic_fetch_add(&c->holder[a], 1) != 0)
			mp_report_fail(c->rep, "%s: DUPLICATE holder of index %u", who, a);
		h->a[h->n++] = a;
	}
	return 0;
}

void mp_unclaim(const struct mp_held *h, const struct mp_claims *c, int check, const char *who)
{
	for (uint32_t j = 0; j < h->n; j++)
		if (atomic_fetch_sub(&c->holder[h->a[j]], 1) != 1 && check)
			mp_report_fail(c->rep, "%s: holder of index %u changed under us", who, h->a[j]);
}
