/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every CNI command that touches the node store starts with: open the store (mapping the
 * failure to the right CNI code and a message that says what to do), pin one config generation
 * and view core's model blob inside it; plus the small conversions between blob records and
 * store addresses that the IPAM and rails paths share.
 *
 * Thread safety: a session belongs to one thread.  Allocations: the store handle (closed by
 * rp_session_close).  Errors: -errno with e->cni_code set (core/errors.h).
 */
#ifndef RP_CORE_SESSION_H
#define RP_CORE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_session {
	const char *path;
	struct rp_store *store;
	struct rp_store_view sv;
	struct rp_model_view v;
	bool reading;
};

/* The two steps below on their own, for callers that keep the store and views themselves.
 * rp_session_view() ends the read section again when it fails. */
int rp_session_open_store(const char *path, struct rp_store **out, struct rp_err *e);
int rp_session_view(struct rp_store *s, struct rp_store_view *sv, struct rp_model_view *v, const char *path,
		    bool need_pools, struct rp_err *e);

/* Open the store at @path (no creation).  -ENOENT: code 5 naming `railpoolctl apply`; a failed
 * header/config check: code 105 naming `railpoolctl fsck`; anything else code 5. */
int rp_session_open(struct rp_session *ss, const char *path, struct rp_err *e);
/* Pin a generation and view its blob; with @need_pools, an empty configuration is code 111. */
int rp_session_read(struct rp_session *ss, bool need_pools, struct rp_err *e);
void rp_session_close(struct rp_session *ss);

/* A blob address as a store address. */
struct rp_ip rp_session_blob_ip(uint8_t family, const uint8_t b[16]);
bool rp_session_ip_is_zero(const uint8_t b[16]);
/* The blob record of store pool @pool in the pinned generation, or NULL. */
const struct rp_blob_pool *rp_session_pool_of(struct rp_session *ss, uint32_t pool);
const struct rp_blob_pool *rp_session_pool_of_store(struct rp_store *s, const struct rp_model_view *v, uint32_t pool);
/* Store pool indices for blob pools @bidx[0..n-1] (pools not applied on this node dropped);
 * returns how many were mapped. */
uint32_t rp_session_store_pools(struct rp_session *ss, const uint32_t *bidx, uint32_t n, uint32_t *out);

/* This node's name: env RAILPOOL_NODE, else the hostname. */
const char *rp_session_node(void);

#ifdef __cplusplus
}
#endif
#endif
