/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libibverbs (and mlx5dv for mlx5 devices) queries: devices, port state, RoCE GID table.
 * Complements rdma/gid.h (sysfs): verbs sees what the provider sees, sysfs works without
 * opening the device.
 *
 * Thread safety: reentrant.  Allocations: rp_rdma_verbs_list() returns a malloc'd array.
 * Errors: -ENODEV when libibverbs finds no device ("no RDMA device" — tests turn that into a
 * counted skip); libibverbs' positive errno is converted to -errno here, once.
 */
#ifndef RP_RDMA_VERBS_H
#define RP_RDMA_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_RDMA_VERBS_MAX_GIDS 16

struct rp_rdma_verbs_gid {
	uint32_t index;
	uint8_t gid[16];
	uint32_t type;       /* IBV_GID_TYPE_* */
	uint32_t ndev_index; /* ifindex of the netdev, 0 none */
};

struct rp_rdma_verbs_dev {
	char name[64];
	uint64_t guid;
	uint8_t mlx5;          /* mlx5dv_is_supported() */
	uint8_t port_state;    /* of port 1: IBV_PORT_* */
	uint8_t link_layer;    /* IBV_LINK_LAYER_* */
	uint8_t pad;
	uint32_t active_mtu;   /* bytes */
	uint32_t ngids;
	struct rp_rdma_verbs_gid gids[RP_RDMA_VERBS_MAX_GIDS]; /* port 1, non-zero GIDs */
};

/* Every device libibverbs sees, with port 1 state and its first GIDs. */
int rp_rdma_verbs_list(struct rp_rdma_verbs_dev **out, size_t *n, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
