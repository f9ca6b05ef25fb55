/* SPDX-License-Identifier: Apache-2.0 */
/*
 * railpool as a CNI IPAM plugin ("ipam": {"type": "railpool", ...}): ADD, DEL, CHECK, GC and
 * STATUS over the node store.
 *
 * Pool selection is core/select's (IPAM mode has no master, so no matchMasterSubnet):
 * ipam.ippools.ipv4 / ipv6 — exact names in written order, then every pool a wildcard (*, ?,
 * [..]) matches, by name.  Pools of the other family, disabled pools and pools not applied on
 * this node are skipped.  With no ippools at all, each family uses its `default: true` pools
 * (a family without one is not used).  The first candidate with a free address wins
 * (rp_store_reserve's order).
 *
 * Result: one ips[] entry per lease, "address" = the address with its pool's subnet prefix,
 * "gateway" = the pool's gateway; routes[] = every selected pool's `routes` (gateway as given
 * or, when absent, the pool's gateway) and — only with "ipam.defaultRoute": true — a default
 * route via the pool's gateway.  No implicit default route: like host-local, routes are what the
 * config asks for (the main plugin's interface is usually a secondary rail, and a second
 * default route would steal the pod's traffic from eth0).  ipam.routes (host-local style
 * {"dst", "gw"}) are appended for each family that got an address.  A route already listed
 * (same dst) is not repeated.  dns is empty.
 *
 * Requested addresses (CNI_ARGS IP=, args.cni.ips, runtimeConfig.ips) are honoured: each must
 * lie in a selected pool of its family (code 107) and be free (code 106); a family with a
 * request gets only the requested address(es).  A prefix written with the request is ignored:
 * the pool's subnet decides the prefix in the result.
 *
 * Process safety: any number of plugin processes may run these concurrently (the store is
 * lock-free); one attachment (container ID, ifname) being worked on by two processes gives
 * code 11 to the second.  A failed ADD aborts its reservation (nothing left behind); a crash
 * leaves RESERVED leases that the next ADDs sweep.
 * Allocations: *result is a new jansson reference owned by the caller.
 * Errors: -errno with e->cni_code set (core/errors.h) and e->msg naming the culprit.
 */
#ifndef RP_CORE_IPAM_H
#define RP_CORE_IPAM_H

#include <jansson.h>

#include "core/cni.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Run @env->cmd (ADD, DEL, CHECK, GC, STATUS) for the IPAM config @conf against the store at
 * @state_path (already resolved: see core/cni.h for the precedence).  On success returns 0 and,
 * for ADD, *@result = the CNI result in @conf's version; other commands leave *@result NULL.
 * DEL succeeds when nothing is held and when the store file does not exist.
 */
int rp_ipam_run(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		json_t **result, struct rp_err *e);

int rp_ipam_add(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		json_t **result, struct rp_err *e);
int rp_ipam_del(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		struct rp_err *e);
/* Code 3 when nothing is held; 110 when prevResult (if given) differs from the leases. */
int rp_ipam_check(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		  struct rp_err *e);
/* Releases every LIVE IPAM attachment of network conf->name not in conf->valid, then sweeps
 * what dead processes left.  Code 7 when the config has no valid-attachments list. */
int rp_ipam_gc(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
	       struct rp_err *e);
/* 0 when the store opens and, for each family referenced, a selected pool has a free address;
 * else code 50 with why. */
int rp_ipam_status(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		   struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
