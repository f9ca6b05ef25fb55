/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake SR-IOV sysfs tree for tests and the simulated node: PFs <pf_base>1..N at PCI
 * 0000:<0x86+i>:00.0 with sriov_totalvfs/sriov_numvfs, virtfnN/physfn links, VF PCI dirs with
 * net/<netdev>, driver links, and (optionally) infiniband/mlx5_N devices with ports/1/gids and
 * gid_attrs.  With real_netdevs the VF netdevs are REAL veth ends in the caller's netns (or
 * opts.node_netns_path) whose peers "f<pf>v<vf>" live in a private "fabric" netns (or
 * opts.fabric_netns_path), so moving a VF into a pod netns is a real move.
 * Point RAILPOOL_SYSFS_ROOT (or the root argument of vf/ and rdma/ calls) at
 * rp_sim_sysfs_root().
 *
 * Writing sriov_numvfs does nothing by itself (it is a plain file): rp_sim_sysfs_sync() then
 * does what the kernel would — create or remove VFs to match every PF's sriov_numvfs.
 *
 * Names: every netdev and the temp dir carry opts.prefix (unique per test, e.g. "rpt<pid>",
 * at most 8 characters): VF netdevs "<prefix>p<pf>v<vf>" (pf from 1).
 * Thread safety: one thread.  Allocations: everything is freed by rp_sim_sysfs_destroy(),
 * which also removes the veths, the fabric netns and the tree; a failed create leaves nothing.
 */
#ifndef RP_SIM_SYSFS_H
#define RP_SIM_SYSFS_H

#include <stdint.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_sim_nlrec;
struct rp_sim_sysfs;

struct rp_sim_sysfs_opts {
	const char *prefix;       /* required, 1..8 characters [a-z0-9] */
	const char *pf_base;      /* default "eno3np" -> eno3np1..; fake PFs, never real netdevs */
	uint32_t npfs;            /* default 8 */
	uint32_t totalvfs;        /* default 127 */
	uint32_t numvfs;          /* VFs realized at creation (default 0) */
	uint32_t pf_mtu;          /* default 1500 */
	int real_netdevs;         /* VF netdevs are real veths (needs root) */
	int rdma;                 /* infiniband/mlx5_N on every PF and VF */
	struct rp_sim_nlrec *rec; /* optional: register fake PFs and RDMA devices with it */
	/* With real_netdevs, optional: put the VF netdevs in this netns file instead of the
	 * caller's, and their peers in this one instead of a private fabric netns (to share
	 * sim/node.h's "/run/netns/<prefix>node" and "<prefix>fab"). */
	const char *node_netns_path;
	const char *fabric_netns_path;
};

int rp_sim_sysfs_create(const struct rp_sim_sysfs_opts *o, struct rp_sim_sysfs **out, struct rp_err *e);
void rp_sim_sysfs_destroy(struct rp_sim_sysfs *s);

const char *rp_sim_sysfs_root(const struct rp_sim_sysfs *s);
/* The fabric netns holding the veth peers (-1 without real_netdevs); owned by the sim. */
int rp_sim_sysfs_fabric_fd(const struct rp_sim_sysfs *s);
/* Realize every PF's sriov_numvfs (create/remove VFs, veths, RDMA devices). */
int rp_sim_sysfs_sync(struct rp_sim_sysfs *s, struct rp_err *e);

/* Lookups; pf is 1-based like the names, vf 0-based. -ENOENT when absent. */
const char *rp_sim_sysfs_pf_name(const struct rp_sim_sysfs *s, uint32_t pf);
int rp_sim_sysfs_pf_ifindex(const struct rp_sim_sysfs *s, uint32_t pf);
int rp_sim_sysfs_vf_pci(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[16]);
int rp_sim_sysfs_vf_netdev(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[16]);
int rp_sim_sysfs_vf_rdma(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[32]);

/* Write GID @index of @rdma_dev port 1: @gid in GID text form, @type ("RoCE v2"...), @ndev. */
int rp_sim_sysfs_gid_set(struct rp_sim_sysfs *s, const char *rdma_dev, uint32_t index,
			 const char *gid, const char *type, const char *ndev);

/*
 * What the kernel does when a pod netns holding a VF dies: the VF comes back to the host under
 * a new name.  With veths the pair dies with the netns, so this recreates VF (@pf, @vf) in the
 * caller's netns as @newname (fresh MAC, MTU 1500) and renames its net/ entry.  The old netdev
 * must be gone (its netns deleted).
 */
int rp_sim_sysfs_vf_respawn(struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, const char *newname,
			    struct rp_err *e);

/*
 * The kernel keeps net/<name> of a PCI function in step with renames; the sim's tree is plain
 * files.  After a VF came back under a name of its own (rp_sim_sysfs_vf_respawn) and was renamed
 * back to its original "<prefix>p<pf>v<vf>" (railpool's DEL), this renames its net/ entry back
 * too.  Entries whose netdev still exists under the recorded name are left alone.
 */
int rp_sim_sysfs_refresh(struct rp_sim_sysfs *s, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
