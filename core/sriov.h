/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SR-IOV rails: provisioning from SriovNetworkNodePolicy, resolving a rail's VF (deviceID from
 * the device plugin, or a slot of the store's "vf:<resource>" pool), saving the VF's original
 * state, configuring it through the PF, planning its move into the pod, and restoring all of it
 * on DEL — also when the pod netns is gone and the kernel has returned the VF under another name.
 *
 * Channels: @pf_ch carries PF VF-config messages (vf/cfg.h), @host_ch looks up/moves host
 * netdevs; in production both are one real NETLINK_ROUTE channel, on the simulated node @pf_ch
 * is the recorder (the sim's PFs are fake) and @host_ch real (its VFs are real veths).
 * rp_sriov_chans_open() makes that choice for the plugin: the recorder is reached through
 * vf/relay.h, and only when env RAILPOOL_SYSFS_ROOT points at a tree whose
 * railpool-sim/marker the simulated node wrote (sim/nlsrv.h); /sys can never hold it, so
 * production always gets the real kernel.  PF and RDMA channels are then one relay connection.
 * @root is the sysfs root (NULL: RAILPOOL_SYSFS_ROOT or /sys).
 *
 * Thread safety: reentrant (may setns() the calling thread briefly, see vf/link.h).
 * Allocations: rp_sriov_allocatable_json() returns a new jansson reference; nothing else keeps
 * memory.  Errors: -errno with e->msg naming the PF/VF/deviceID and the fix; e->cni_code set for
 * VF exhausted (102), MTU (103) and RDMA mode (104).
 */
#ifndef RP_CORE_SRIOV_H
#define RP_CORE_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/model.h"
#include "core/owner_data.h"
#include "rdma/nldev.h"
#include "shm/common.h"
#include "vf/cfg.h"
#include "vf/pci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- provisioning and the resource view ---- */

/* Write sriov_numvfs of every PF of @p (numVfs <= totalvfs; "#first-last" must lie below
 * numVfs).  Nothing is written unless every PF passes the checks. */
int rp_sriov_provision(const char *root, const struct rp_model_policy *p, struct rp_err *e);

/* VFs the policy hands out, in slot order (PFs in pfNames order, VF indices ascending, "#a-b"
 * ranges honoured): slot @slot's PCI address.  -ENOENT past the end or when sysfs lacks it. */
int rp_sriov_slot_pci(const char *root, const struct rp_blob_pf *pfs, uint32_t npfs, uint32_t num_vfs,
		      uint32_t slot, char pci[RP_PCI_ADDR_MAX], struct rp_err *e);

/* {"<prefix><resourceName>": "<VFs present in sysfs>"} for @n policies (prefix e.g.
 * "spidernet.io/"; a resourceName that already has a '/' is used as is), like the node's
 * status.allocatable.  NULL on allocation failure. */
json_t *rp_sriov_allocatable_json(const char *root, const struct rp_model_policy *p, size_t n,
				  const char *prefix);

/* The VF a CNI network config names: top-level "deviceID" (as Multus writes it) or else
 * runtimeConfig.deviceID; NULL when neither is a string.  Borrowed from @conf. */
const char *rp_sriov_device_id(const json_t *conf);

/*
 * `railpoolctl get rdma`'s node part: {"netnsMode": "shared"|"exclusive"|"unknown",
 * "netnsModeError": "<why unknown>" (only then), "devices": [{"name", "netdev", "pci"}...]}
 * from sysfs (@root) and, for the mode, @ch (NULL: a real NETLINK_RDMA channel is opened).
 * NULL on allocation failure.
 */
json_t *rp_sriov_rdma_json(const char *root, struct rp_rdma_chan *ch);

/* ---- attach / detach ---- */

/* Saved per-VF state: fixed width, lives in the store owner's opaque data (96 of 192 bytes). */
struct rp_sriov_saved {
	char pci[RP_PCI_ADDR_MAX];       /* the VF, the key to find it again on DEL */
	char host_ifname[RP_VF_IFNAME_MAX]; /* its netdev name in the host before ADD */
	char pf[RP_VF_IFNAME_MAX];
	uint8_t mac[6];                  /* netdev MAC before ADD */
	uint8_t flags;                   /* RP_SRIOV_* */
	uint8_t pad0;
	uint32_t mtu;                    /* netdev MTU before ADD */
	struct rp_vf_cfg pf_cfg;         /* PF-side VF settings before ADD (mask = what was read) */
	char rdma_dev[16];               /* the VF's RDMA device, "" none */
};
_Static_assert(sizeof(struct rp_sriov_saved) == 96, "rp_sriov_saved layout");
_Static_assert(offsetof(struct rp_sriov_saved, mtu) == 56 &&
		       offsetof(struct rp_sriov_saved, pf_cfg) == 60 &&
		       offsetof(struct rp_sriov_saved, rdma_dev) == 80, "rp_sriov_saved layout");
_Static_assert(sizeof(struct rp_sriov_saved) <= RP_OWNER_DATA_STATE_MAX,
	       "rp_sriov_saved must fit rp_owner_data.state");
enum { RP_SRIOV_CFG_CHANGED = 1u << 0, RP_SRIOV_RDMA_MOVED = 1u << 1, RP_SRIOV_MOVED = 1u << 2 };

struct rp_sriov_req {
	const char *resource;   /* for messages: "spidernet.io/eno3np2" */
	const char *device_id;  /* VF PCI address (deviceID / runtimeConfig.deviceID / slot's) */
	const char *pod_ifname; /* "net3" */
	uint32_t mtu;           /* 0: keep */
	const uint8_t *mac;     /* NULL: keep; else set on the PF side and the netdev */
	int32_t vlan;           /* -1: keep */
	int32_t qos;            /* with vlan; -1 = 0 */
	int32_t spoofchk;       /* -1 keep, 0/1 */
	int32_t trust;          /* -1 keep, 0/1 */
	int32_t link_state;     /* -1 keep, RP_VF_LINK_* */
	bool rdma_isolation;
};

/* The rails transaction entry: move host netdev @host_ifname into the pod as @pod_ifname. */
struct rp_sriov_plan {
	char host_ifname[RP_VF_IFNAME_MAX];
	char pod_ifname[RP_VF_IFNAME_MAX];
	uint32_t mtu;                    /* 0: keep */
	uint8_t mac[6];
	uint8_t set_mac;
	uint8_t pad0;
	char pci[RP_PCI_ADDR_MAX];       /* CNI result's pciID */
	char rdma_dev[16];               /* to move with rdmaIsolation, "" none */
};

/*
 * Resolve @req->device_id to a VF with a host netdev, check MTU <= PF MTU, with rdmaIsolation
 * check the VF has an RDMA device and (through @rdma_ch, may be NULL to skip) exclusive mode,
 * save the original state into @saved, apply the PF-side settings, fill @plan.
 * On failure nothing is changed (PF settings rolled back).  Errors: -EINVAL (deviceID), -ENOENT
 * (no such VF), -EBUSY (VF netdev not in the host: used by another pod?), -ERANGE (MTU),
 * -EPERM (RDMA mode), kernel errors.
 */
int rp_sriov_prepare(const char *root, struct rp_vf_chan *pf_ch, struct rp_vf_chan *host_ch,
		     struct rp_rdma_chan *rdma_ch, const struct rp_sriov_req *req,
		     struct rp_sriov_saved *saved, struct rp_sriov_plan *plan, struct rp_err *e);

/* Standalone executor of @plan (ADD without the batched transaction): move the VF into
 * @pod_netns_fd renamed and with MTU/MAC; with @rdma_ch and plan->rdma_dev, move the RDMA
 * device too.  Sets RP_SRIOV_MOVED / RP_SRIOV_RDMA_MOVED in @saved. */
int rp_sriov_move_in(struct rp_vf_chan *host_ch, struct rp_rdma_chan *rdma_ch,
		     const struct rp_sriov_plan *plan, int pod_netns_fd, struct rp_sriov_saved *saved,
		     struct rp_err *e);

/*
 * DEL / rollback: bring the VF back as @saved describes.  Looks for it in @pod_netns_fd (-1:
 * gone) as @pod_ifname, else in the host by PCI address under whatever name it has now; moves
 * or renames it to its original name, MAC and MTU; moves the RDMA device back (from the pod,
 * through a channel opened there, unless @pod_rdma_ch is given) into @host_netns_fd; restores
 * the PF-side settings.  Every step is attempted; returns 0 when the VF is found nowhere (already
 * restored or gone: DEL is idempotent, logged) or the first error.
 */
int rp_sriov_restore(const char *root, struct rp_vf_chan *pf_ch, struct rp_vf_chan *host_ch,
		     struct rp_rdma_chan *pod_rdma_ch, const struct rp_sriov_saved *saved,
		     const char *pod_ifname, int pod_netns_fd, int host_netns_fd, struct rp_err *e);

/* ---- glue for the rails pipeline (core/attach.c) ---- */

/* The channels of one attach/detach (see the top of this file for the sim switch). */
struct rp_sriov_chans {
	struct rp_vf_chan pf;     /* PF VF-config: the host channel, or the relay on the sim */
	struct rp_vf_chan host;   /* host netdevs: real NETLINK_ROUTE in the caller's netns */
	struct rp_rdma_chan rdma; /* valid when has_rdma */
	bool sim;                 /* pf (and rdma) are the relay */
	bool has_host, has_pf, has_rdma;
};

/* Open the host channel, the PF channel and, with @need_rdma, the RDMA channel (host netns).
 * On failure nothing stays open. */
int rp_sriov_chans_open(struct rp_sriov_chans *c, bool need_rdma, struct rp_err *e);
void rp_sriov_chans_close(struct rp_sriov_chans *c);
/* The channel rp_sriov_restore() should use for the pod side of an RDMA move: the relay on the
 * sim, NULL (open one in the pod) on a real node. */
struct rp_rdma_chan *rp_sriov_chans_pod_rdma(struct rp_sriov_chans *c);

/* VFs policy @p hands out (numVfs per PF, or the "#first-last" counts). */
uint32_t rp_sriov_policy_vfs(const struct rp_blob_policy *p);

/* Inverse of rp_sriov_slot_pci(): the slot of VF @pci (a deviceID) among the policy's VFs.
 * -EINVAL (not a PCI address), -ENOENT (no such VF, or not one of the policy's) with @e
 * naming the deviceID, its PF and the policy's PFs. */
int rp_sriov_pci_slot(const char *root, const struct rp_blob_pf *pfs, uint32_t npfs, uint32_t num_vfs,
		      const char *pci, uint32_t *slot, struct rp_err *e);

/* The saved VF state in a rails owner record, when it holds one: true and @out filled. */
bool rp_sriov_saved_get(const struct rp_owner_info *info, struct rp_sriov_saved *out);

/* Error mapping for the store's VF slot pool: -ENOSPC -> "no free VF" (cni 102) naming the
 * resource and how many it has; -EADDRINUSE -> "deviceID <pci> is already in use" (cni 102). */
int rp_sriov_err_slot(struct rp_err *e, int rc, const char *resource, const char *device_id,
		      uint32_t nvfs);

#ifdef __cplusplus
}
#endif
#endif
