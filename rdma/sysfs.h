/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RDMA devices as sysfs shows them (no netlink, no verbs): which RDMA device belongs to a
 * netdev (how a shared-RDMA macvlan rail's master maps to the device whose users the store
 * counts against rdmaHcaMax), and the device list for `railpoolctl get rdma`.
 * <root> is the argument, or env RAILPOOL_SYSFS_ROOT, or /sys.
 *
 * Thread safety: reentrant.  Allocations: rp_rdma_sysfs_list() returns a malloc'd array.
 * Errors: -ENOENT (no such netdev / no RDMA device on it), -ENOMEM.
 */
#ifndef RP_RDMA_SYSFS_H
#define RP_RDMA_SYSFS_H

#include <stddef.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_rdma_sysfs_dev {
	char name[64];
	char netdev[16]; /* netdev of port 1's GID 0 (gid_attrs/ndevs/0), "" unknown */
	char pci[16];    /* the PCI function, "" unknown */
};

/* The RDMA device of netdev @ifname: <root>/class/net/<ifname>/device/infiniband/<dev>. */
int rp_rdma_dev_of_netdev(const char *root, const char *ifname, char dev[64], struct rp_err *e);

/* Every <root>/class/infiniband/<dev>, sorted by name. */
int rp_rdma_sysfs_list(const char *root, struct rp_rdma_sysfs_dev **out, size_t *n, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
