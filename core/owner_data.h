/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layout core/ keeps in a store owner's opaque data (rp_store_owner_set_data(), at most
 * RP_OWNER_DATA_MAX = 192 bytes, returned in struct rp_owner_info.data).  shm/ never looks inside.
 *
 * It lives in the shared file, so: fixed-width integers, explicit padding, no pointers, sizes
 * asserted.  A reader checks `version` first and treats an unknown major as "not ours" (GC skips
 * such records rather than guessing).  Readers must also accept data_len smaller than the struct
 * (an older writer): missing trailing bytes read as zero.
 *
 * Network scoping (GC): `net_hash` is xxh64 of the full CNI network name (seed 0), `net_name`
 * its first 63 bytes for humans (`railpoolctl get leases`).  GC of network N releases only
 * records whose kind matches and whose net_hash equals xxh64(N).
 *
 * `kind` tells who created the record and how to undo it: IPAM-only records hold nothing but
 * leases; RAILS records (core/attach) may carry one rail's saved state in `state` so DEL can
 * restore a VF (its original name, MAC, MTU, PF settings) even after the pod netns is gone.
 */
#ifndef RP_CORE_OWNER_DATA_H
#define RP_CORE_OWNER_DATA_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_OWNER_DATA_VERSION 1

enum rp_owner_kind {
	RP_OWNER_KIND_IPAM = 1,  /* railpool as ipam.type behind another plugin */
	RP_OWNER_KIND_RAILS = 2, /* rails / single-rail mode (core/attach) */
};

/* Bytes left for kind-specific state after the common header. */
#define RP_OWNER_DATA_STATE_MAX 112

struct rp_owner_data {
	uint8_t version;        /* RP_OWNER_DATA_VERSION */
	uint8_t kind;           /* enum rp_owner_kind */
	uint8_t rail;           /* RAILS: the rail number (1-based) this record is for, 0 = n/a */
	uint8_t flags;          /* reserved, 0 */
	uint32_t pad0;
	uint64_t net_hash;      /* xxh64(network name, 0) */
	char net_name[64];      /* NUL-terminated, truncated */
	/* RAILS: one rail's saved state, e.g. struct rp_sriov_saved (core/sriov.h, 96 bytes: it
	 * asserts that it fits RP_OWNER_DATA_STATE_MAX); IPAM: zero. */
	uint8_t state[RP_OWNER_DATA_STATE_MAX];
};

static_assert(sizeof(struct rp_owner_data) == RP_OWNER_DATA_MAX, "owner data must fill the store's slot");
static_assert(offsetof(struct rp_owner_data, net_hash) == 8, "owner data layout");
static_assert(offsetof(struct rp_owner_data, net_name) == 16, "owner data layout");
static_assert(offsetof(struct rp_owner_data, state) == 80, "owner data layout");

static inline uint64_t rp_owner_net_hash(const char *network)
{
	return XXH64(network, strlen(network), 0);
}

/* A fresh record for @kind on @network (state zeroed). */
static inline void rp_owner_data_init(struct rp_owner_data *d, uint8_t kind, const char *network)
{
	memset(d, 0, sizeof(*d));
	d->version = RP_OWNER_DATA_VERSION;
	d->kind = kind;
	d->net_hash = rp_owner_net_hash(network);
	snprintf(d->net_name, sizeof(d->net_name), "%s", network);
}

/* Copy @info's data into @d (short data reads as zero); true when it is a record of this layout
 * version (any kind). */
static inline bool rp_owner_data_get(const struct rp_owner_info *info, struct rp_owner_data *d)
{
	uint32_t n = info->data_len < sizeof(*d) ? info->data_len : (uint32_t)sizeof(*d);

	memset(d, 0, sizeof(*d));
	memcpy(d, info->data, n);
	d->net_name[sizeof(d->net_name) - 1] = '\0';
	return n >= offsetof(struct rp_owner_data, net_name) && d->version == RP_OWNER_DATA_VERSION;
}

#ifdef __cplusplus
}
#endif
#endif
