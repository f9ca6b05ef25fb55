/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach/detach pipeline of rails mode (`"type": "railpool"` with "rails", core/railsconf.h):
 * one CNI ADD gives the pod all its rails.
 *
 * ADD, in order (docs/architecture.md, "The attach pipeline"):
 *   1. parse the rails config; open the store and pin one config generation (core/session.h);
 *   2. resolve each rail: its SpiderMultusConfig from the store's model blob (or the inline
 *      rail), its pod interface name (rails mode: CNI_IFNAME's trailing number raised by i-1,
 *      net1 -> net1..net8, eth0 -> eth0..eth7, a name without a number gets one; single-rail
 *      mode (one rail): CNI_IFNAME itself, the rail number from "railIndex" or the name's number);
 *   3. select pools per rail and IP version (core/select.h; with matchMasterSubnet the master's
 *      addresses are read from the host once), start one store attachment per rail
 *      (container ID, pod ifname), reserve its addresses and, for a shared-RDMA rail, one user
 *      slot of "rdma:<resource>" — all RESERVED, nothing visible yet; for an SR-IOV rail
 *      (cniType sriov) one slot of "vf:<resource>" (the deviceID's in single-rail mode), then
 *      the VF's original state saved in the rail's owner data and its PF-side settings applied
 *      (core/sriov.h rp_sriov_prepare);
 *   4. one netlink transaction per namespace for all rails together (core/rails.h; a VF is an
 *      RP_RAIL_MOVE entry), then with rdmaIsolation the VFs' RDMA devices into the pod;
 *   5. commit every attachment (the store's single commit point per attachment).
 * Any failure undoes everything in reverse order: netlink rollback (core/rails), every prepared
 * VF restored (rp_sriov_restore), then rp_store_abort of every attachment begun.  A crash
 * between 3 and 5 leaves RESERVED leases of a dead pid, swept by later ADDs or `railpoolctl gc`
 * (a VF moved by a crashed ADD is not restored by the sweep: the runtime's DEL of a failed ADD
 * finds no LIVE record; known gap).
 *
 * A repeated ADD of a pod whose rails are all LIVE returns the same result (addresses from the
 * store, MACs from the pod); a partially present pod is refused (code 11: DEL it first).
 * DEL: VF rails (known from their owner records) are restored first — from the pod, or by PCI
 * address from the host when the netns is gone; then the macvlan rails leave in one kernel
 * operation (link group delete; single-rail mode deletes its one link), rules go, then the
 * leases are released.  Idempotent; succeeds when the netns or the store is gone.
 * CHECK: every rail's attachment exists and the pod matches it.  GC: releases this network's
 * attachments whose container is not in valid-attachments, restoring their VFs first.
 *
 * Process safety: as core/ipam.h.  Allocations: *result is the caller's.
 * Errors: -errno with e->cni_code set (core/errors.h) and e->msg naming rail, pool or field.
 */
#ifndef RP_CORE_ATTACH_H
#define RP_CORE_ATTACH_H

#include <jansson.h>

#include "core/cni.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run @env->cmd for the rails config @conf (mode RP_CNI_MODE_RAILS) against the store at
 * @state_path (resolved by the caller, core/cni.h).  ADD sets *@result. */
int rp_attach_run(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		  json_t **result, struct rp_err *e);

/* Pod interface name of rail @i (1-based) of @n for CNI_IFNAME @base; -EINVAL when too long. */
int rp_attach_ifname(const char *base, unsigned i, unsigned n, char out[16]);

#ifdef __cplusplus
}
#endif
#endif
