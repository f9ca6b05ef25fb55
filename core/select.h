/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pool selection for one rail and one IP version, over the zero-copy model view (core/model.h),
 * as the CNI ADD path runs it.
 *
 * Candidates, in this stable order:
 *   1. references without wildcard characters, in the order written (duplicates dropped);
 *   2. then every pool matched by any wildcard reference (fnmatch(3): `*`, `?`, `[..]`),
 *      sorted by name (strcmp), excluding pools already listed in 1;
 *   3. with no reference at all: the pools marked default: true, sorted by name.
 * A candidate qualifies when it has the requested IP version, is not disabled, its nodeName is
 * empty or this node, and (with match_master_subnet) its subnet contains one of the master's /
 * PF's addresses.  The caller tries the qualifying pools in order (rp_store_reserve takes them
 * in order too).
 *
 * Thread safety: pure over the read-only view; safe from any thread.
 * Allocations: none.  Cost: O(refs * log pools) for exact names; a wildcard scans only the
 * name-sorted slice sharing its literal prefix (binary search), then fnmatch per pool of it.
 * Errors: -ENOENT when nothing qualifies; e->msg then lists every pool tried and why it was
 * filtered out (and patterns that matched nothing).  -E2BIG when more than @max qualify (the
 * first @max are in @out).  -EINVAL for a bad request.
 */
#ifndef RP_CORE_SELECT_H
#define RP_CORE_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/model.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_select_req {
	uint8_t family;              /* 4 or 6 */
	const char *node;            /* this node's name; NULL or "" = ignore nodeName */
	const char *const *refs;     /* pool references, may hold wildcards; NULL/0: default pools */
	uint32_t nrefs;
	bool match_master_subnet;
	const struct rp_addr *master_addrs; /* the master's / PF's addresses (caller reads them) */
	uint32_t nmaster;
	const char *what;            /* rail label for messages, e.g. "rail 1 (net1)"; may be NULL */
};

/* Indices into v->pools of the qualifying pools, in order; returns how many (>= 1). */
int rp_select_pools(const struct rp_model_view *v, const struct rp_select_req *req, uint32_t *out,
		    uint32_t max, struct rp_err *e);

/* The same request built from a SpiderMultusConfig's references for @family. @refs_buf must hold
 * RP_MODEL_MAX_REFS pointers; they point into the view. */
void rp_select_req_from_net(const struct rp_model_view *v, const struct rp_blob_net *n, uint8_t family,
			    const char **refs_buf, struct rp_select_req *req);

#ifdef __cplusplus
}
#endif
#endif
