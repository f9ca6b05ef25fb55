/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SR-IOV PF and VF discovery and provisioning through sysfs.
 *
 * Every function takes the sysfs root explicitly (NULL = rp_vf_sysfs_root(): env
 * RAILPOOL_SYSFS_ROOT, default "/sys") so tests and the simulated node run on a fake tree.
 * Paths used, as the kernel lays them out:
 *   <root>/class/net/<pf>/device -> PCI function dir; <pci>/sriov_{numvfs,totalvfs};
 *   <pci>/virtfnN -> VF dir; <vf>/physfn -> PF dir; <pci>/driver -> driver dir;
 *   <pci>/net/<ifname>; <pci>/infiniband/<rdma dev>; <root>/class/net/<if>/{type,mtu,ifindex};
 *   <root>/bus/pci/devices/<pci address>.
 *
 * Thread/process safety: reentrant; they read (provisioning also writes) sysfs only.
 * Allocations: rp_vf_list() returns a malloc'd array the caller frees; nothing else allocates.
 * Errors: -errno with @e naming the path and what to do; -ENOENT when a device or link is
 * missing, -EINVAL for inconsistent trees (numvfs > totalvfs, a virtfn without physfn...).
 */
#ifndef RP_VF_PCI_H
#define RP_VF_PCI_H

#include <stdint.h>
#include <stddef.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_VF_SYSFS_ENV "RAILPOOL_SYSFS_ROOT"
#define RP_PCI_ADDR_MAX 16 /* "0000:86:00.2" + NUL, rounded */
#define RP_VF_IFNAME_MAX 16
#define RP_VF_NAME_MAX 32  /* driver and RDMA device names */

enum rp_vf_link_type { RP_LINK_UNKNOWN = 0, RP_LINK_ETHER = 1, RP_LINK_INFINIBAND = 32 };

struct rp_pf_info {
	char pci[RP_PCI_ADDR_MAX];
	char netdev[RP_VF_IFNAME_MAX];
	char driver[RP_VF_NAME_MAX];   /* "" when unbound */
	char rdma_dev[RP_VF_NAME_MAX]; /* infiniband/<dev> of the PF, "" none */
	uint32_t numvfs, totalvfs;
	uint32_t mtu;                  /* class/net/<pf>/mtu, 0 unknown */
	int32_t ifindex;               /* class/net/<pf>/ifindex, 0 unknown */
	int link_type;                 /* enum rp_vf_link_type, from class/net/<pf>/type */
};

struct rp_vf_info {
	char pci[RP_PCI_ADDR_MAX];
	char pf_pci[RP_PCI_ADDR_MAX];
	int32_t index;                 /* N of the PF's virtfnN */
	char netdev[RP_VF_IFNAME_MAX]; /* net/<ifname> as the host sees it; "" when none (vfio-pci,
					  or the netdev is in another netns) */
	char driver[RP_VF_NAME_MAX];
	char rdma_dev[RP_VF_NAME_MAX];
};

/* The sysfs root in effect: env RAILPOOL_SYSFS_ROOT if set and non-empty, else "/sys". */
const char *rp_vf_sysfs_root(void);

/* Describe SR-IOV PF @pf_netdev. -ENOENT when no such netdev, -EOPNOTSUPP when it is not an
 * SR-IOV PF (no sriov_totalvfs), -EINVAL when sriov_numvfs > sriov_totalvfs. */
int rp_vf_pf_get(const char *root, const char *pf_netdev, struct rp_pf_info *out, struct rp_err *e);

/* The PF's VFs virtfn0..numvfs-1 in index order; *out malloc'd (NULL when *n == 0).
 * -EINVAL when a virtfnN link is missing or its physfn does not point back to the PF. */
int rp_vf_list(const char *root, const struct rp_pf_info *pf, struct rp_vf_info **out, size_t *n,
	       struct rp_err *e);

/* Describe the VF at PCI address @pci (via bus/pci/devices/<pci> and its physfn link). */
int rp_vf_get(const char *root, const char *pci, struct rp_vf_info *out, struct rp_err *e);

/* The current host netdev name of the PCI function @pci into @name (net/<name>); -ENOENT when
 * it has none in this netns. */
int rp_vf_netdev_of(const char *root, const char *pci, char name[RP_VF_IFNAME_MAX], struct rp_err *e);

/*
 * Make PF @pf_netdev have @numvfs VFs: refuse numvfs > sriov_totalvfs (-EINVAL naming both),
 * do nothing when already there, else write 0 then @numvfs to sriov_numvfs (the kernel refuses
 * to change a non-zero count directly).  Not safe against concurrent provisioning of one PF.
 */
int rp_vf_provision(const char *root, const char *pf_netdev, uint32_t numvfs, struct rp_err *e);

/* Well-formed PCI address "dddd:bb:dd.f" (what the device plugin passes as deviceID). */
int rp_vf_pci_valid(const char *pci);

#ifdef __cplusplus
}
#endif
#endif
