/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rails-mode CNI config of the `railpool` plugin: the JSON shape that `railpoolctl conflist`
 * prints and that the plugin parses.  One plugin entry, `"type": "railpool"`, lists its rails:
 *
 *   {"cniVersion": "1.0.0", "name": "gpu-rails", "type": "railpool",
 *    "stateFile": "/run/railpool/node.shm",          optional (else env RAILPOOL_STATE/default)
 *    "rails": [                                      1..RP_RAILSCONF_RAILS_MAX, rail i is net<i> (i from 1)
 *      {"network": "gpu1-macvlan"},                  an applied SpiderMultusConfig ("ns/name" ok)
 *      {"cniType": "macvlan", "master": "enp11s0f0np0", "mtu": 0,           or inline
 *       "ippools": {"ipv4": ["gpu1-net11"], "ipv6": []}, "matchMasterSubnet": false,
 *       "rdmaResourceName": "spidernet.io/shared_cx5_gpu1"},
 *      {"cniType": "sriov", "resourceName": "spidernet.io/eno3np2", "rdmaIsolation": true,
 *       "vlanID": 0, "ippools": {"ipv4": ["eno3np2-rail1*"]}, "matchMasterSubnet": true}],
 *    "railIndex": 0,            single-rail mode (Multus, one NAD per rail): the rail's number;
 *                               0 = take it from CNI_IFNAME's trailing number (net3 -> 3)
 *    "routeTableBase": 100,     rail i uses table routeTableBase + i - 1
 *    "rulePriorityBase": 0,     rail i's rule priority is base + i - 1; 0 = core/rails'
 *                               RP_RAILS_PRIO_BASE (32700, just before the main table's 32766)
 *    "probeGateway": false, "probeConflict": false,   ARP/NDP probes, off by default
 *    "probeTimeoutMs": 0}       one deadline for all probes; 0 = core/rails' default (1000)
 * These map one to one onto struct rp_rails_opts (core/rails.h): table_base, prio_base,
 * probe_gateway, probe_conflict, probe_timeout_ms.
 *
 * Multus also wraps single configs in a conflist ({"name", "cniVersion", "plugins": [...]});
 * rp_railsconf_parse() takes the plugin object itself (one element of "plugins").
 * A rail names either "network" or an inline "cniType" (never both).  Unknown top-level keys are
 * the CNI runtime's business (args, runtimeConfig, prevResult, ...) and are ignored; unknown keys
 * inside a rail are refused (a typo there silently changes a pod's networking).
 *
 * Thread safety: pure functions.  Allocations: none kept (rp_railsconf_to_json returns a new
 * reference the caller owns).
 */
#ifndef RP_CORE_RAILSCONF_H
#define RP_CORE_RAILSCONF_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_RAILSCONF_RAILS_MAX 16
#define RP_RAIL_POOLS_MAX 8          /* pool references per family per rail */
#define RP_RAILSCONF_NET_MAX 128     /* "namespace/name" */
#define RP_RAILSCONF_PATH_MAX 256
#define RP_RAILSCONF_RES_MAX 128     /* "prefix/name" device plugin resources */
#define RP_RAILSCONF_DEFAULT_TABLE_BASE 100

struct rp_railsconf_rail {
	char network[RP_RAILSCONF_NET_MAX]; /* reference, or "" for an inline rail */
	char cni_type[16];                  /* inline: "macvlan" | "sriov" */
	char master[RP_IFNAME_MAX];         /* macvlan */
	char resource_name[RP_RAILSCONF_RES_MAX];    /* sriov: device plugin resource */
	char rdma_resource_name[RP_RAILSCONF_RES_MAX]; /* macvlan: shared RDMA resource */
	uint32_t mtu;                       /* 0 = inherit the master's / VF's */
	uint32_t vlan_id;                   /* sriov, 0..4094 */
	/* sriov, PF-side VF settings under sriov-cni's names: "vlanQoS" 0..7, "spoofchk" and
	 * "trust" "on"|"off", "link_state" "auto"|"enable"|"disable", "mac"; -1 / has_mac false =
	 * leave the VF as it is.  All are restored on DEL. */
	int32_t vlan_qos;
	int32_t spoofchk, trust, link_state;
	uint8_t mac[6];
	bool has_mac;
	bool rdma_isolation;
	bool match_master_subnet;
	uint32_t npools_v4, npools_v6;
	char pools_v4[RP_RAIL_POOLS_MAX][RP_NAME_MAX]; /* names or wildcards */
	char pools_v6[RP_RAIL_POOLS_MAX][RP_NAME_MAX];
};

struct rp_railsconf {
	char cni_version[16];
	char name[RP_RAILSCONF_NET_MAX];
	char state_file[RP_RAILSCONF_PATH_MAX]; /* "" = not given */
	uint32_t nrails;
	struct rp_railsconf_rail rails[RP_RAILSCONF_RAILS_MAX];
	uint32_t rail_index;        /* 0 = rails mode, or single-rail with the index from the ifname */
	uint32_t route_table_base;  /* default RP_RAILSCONF_DEFAULT_TABLE_BASE */
	uint32_t rule_priority_base; /* 0 = core/rails' default */
	bool probe_gateway, probe_conflict;
	uint32_t probe_timeout_ms;  /* 0 = the plugin's default */
};

/* Defaults for every optional field; nrails 0. */
void rp_railsconf_init(struct rp_railsconf *rc);

/*
 * Parse the plugin object @plugin (with "type": "railpool" and "rails").  Fills @out (all of it;
 * defaults for what is absent).  Errors: -EINVAL with e->msg naming the field path
 * ("rails[2].master") and the value, and saying what is expected; e->cni_code is 7 (invalid
 * network config) or 2 for a field that is recognised but unsupported ("cniType: ipvlan").
 */
int rp_railsconf_parse(const json_t *plugin, struct rp_railsconf *out, struct rp_err *e);

/* The plugin object for @rc (inverse of rp_railsconf_parse: parse(to_json(x)) == x).  Optional
 * fields at their defaults are left out.  NULL only on allocation failure. */
json_t *rp_railsconf_to_json(const struct rp_railsconf *rc);

#ifdef __cplusplus
}
#endif
#endif
