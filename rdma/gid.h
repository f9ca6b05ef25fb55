/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RoCE GID index lookup from sysfs: the index a job passes to NCCL_IB_GID_INDEX or
 * `ib_read_lat -x`.  Reads <root>/class/infiniband/<dev>/ports/<p>/gids/<n> and
 * gid_attrs/{types,ndevs}/<n>; <root> is the argument, or env RAILPOOL_SYSFS_ROOT, or /sys.
 *
 * Thread safety: reentrant, reads sysfs only.  Allocations: none.
 * Errors: -ENOENT (device or no GID holds the address), -EINVAL (bad address), others -errno.
 */
#ifndef RP_RDMA_GID_H
#define RP_RDMA_GID_H

#include <stdint.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_rdma_gid {
	uint32_t port;
	uint32_t index;
	uint8_t gid[16];
	char type[16];  /* "RoCE v2", "IB/RoCE v1", "" when unreadable */
	char ndev[16];  /* gid_attrs/ndevs/<n>, "" when unreadable */
	uint8_t roce_v2;
};

/* The sysfs root in effect (env RAILPOOL_SYSFS_ROOT, default "/sys"). */
const char *rp_rdma_sysfs_root(void);

/*
 * Find the GID of @addr (IPv4 dotted or IPv6 text; IPv4 matches its ::ffff:a.b.c.d GID) on any
 * port of RDMA device @dev, optionally only entries whose netdev is @ndev (NULL: any).  A RoCE v2
 * entry wins over a v1 entry for the same address; among equals the lowest port/index.
 */
int rp_rdma_gid_find(const char *root, const char *dev, const char *addr, const char *ndev,
		     struct rp_rdma_gid *out, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
