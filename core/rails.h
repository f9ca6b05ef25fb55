/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Apply N resolved rails to a pod namespace with one netlink transaction per namespace.
 *
 * Layout in the pod for rail i (1-based), following design.md "Attaching a pod":
 *   - link netN (macvlan on the master, mode bridge, created directly inside the pod with its
 *     final name; IFLA_GROUP RP_RAILS_LINK_GROUP marks it as ours), up, MTU, rp_filter 0
 *     (per device, and net.ipv4.conf.all.rp_filter forced to 0 as Spiderpool relaxes it);
 *   - its addresses (IPv6 with IFA_F_NODAD);
 *   - table T = table_base + i - 1 (default 100: net1 -> 100 ... net8 -> 107) holding
 *     `<subnet> dev netN scope link src <ip>` and `default via <gateway> dev netN`;
 *   - rule `from <ip>/32 (or /128) lookup T` with priority P = prio_base + i - 1.  Default
 *     prio_base RP_RAILS_PRIO_BASE = 32700: the rules sit just before `32766: from all lookup
 *     main` like the seed's 32762.., the numbers follow the rail index (never the kernel's
 *     auto-numbering), and 1..32699 stays free for administrators' rules that must win;
 *   - the pool's routes in the main table (`dst via gw dev netN`); eth0 is never touched.
 *
 * Netlink cost of an attach: host namespace 2 sendmsg (one batched RTM_GETLINK of all masters
 * for their ifindex and MTU, one batch of all RTM_NEWLINK), pod namespace 2 (one batched
 * RTM_GETLINK for the new ifindexes and MACs, one batch of all link/addr/route/rule ops).
 * A failure costs one more pod sendmsg (the rollback).  Detach: 1 sendmsg in the pod (plus one
 * RTM_GETLINK per RP_RAIL_MOVE rail, whose index is needed to rename it back).
 *
 * Failure: a macvlan MTU above the master's (-ERANGE, e->cni_code RP_CNI_ERR_MTU; an
 * RP_RAIL_MOVE rail's MTU is its caller's to check against the PF) or a missing master
 * (-ENODEV) is refused before anything is touched; any later failure (kernel error, probe failure) undoes everything done, newest
 * first, and @e names the rail and the failing operation with the kernel's extended-ack text.
 *
 * Thread safety: one attach/detach/check per pod at a time (netlink/'s sockets are per
 * process and used by one thread at a time).  Allocations: none kept.
 */
#ifndef RP_CORE_RAILS_H
#define RP_CORE_RAILS_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_RAILS_MAX 16
#define RP_RAILS_TABLE_BASE 100
#define RP_RAILS_PRIO_BASE 32700
#define RP_RAILS_LINK_GROUP 0x52500001u /* IFLA_GROUP of railpool's macvlan rails ("RP") */
#define RP_RAILS_MAX_ADDRS 2            /* one IPv4 and/or one IPv6 */
#define RP_RAILS_MAX_ROUTES 8

enum rp_rail_kind {
	RP_RAIL_MACVLAN = 0, /* create a macvlan on @master inside the pod */
	RP_RAIL_MOVE = 1,    /* move the existing host netdev @master into the pod as @name (SR-IOV VF);
				never carries the group (VFs cannot be deleted) */
};

struct rp_rail_addr {
	struct rp_ip ip; /* family RP_FAM_V4/RP_FAM_V6 */
	uint8_t prefix;
};

struct rp_rail_route {
	struct rp_ip dst; /* network */
	uint8_t dst_len;
	struct rp_ip gw;  /* family 0: `dst dev netN` (scope link) */
};

struct rp_rail_plan {
	int kind;                 /* enum rp_rail_kind */
	char master[16];          /* host-namespace netdev */
	char name[16];            /* final name in the pod, e.g. "net3" */
	uint32_t mtu;             /* 0: inherit the master's */
	uint8_t mac[6];
	bool has_mac;
	unsigned naddrs;
	struct rp_rail_addr addrs[RP_RAILS_MAX_ADDRS];
	struct rp_ip gw4, gw6;    /* family 0: none (then no default route in the rail's table) */
	unsigned nroutes;
	struct rp_rail_route routes[RP_RAILS_MAX_ROUTES]; /* main table */
	bool probe_gateway;       /* ARP/NDP the gateway(s), fail when silent */
	bool probe_conflict;      /* fail when another host answers for our address */
	unsigned rail;            /* rail number for table, rule priority and messages; 0: position
				     (plans[i] is rail i + 1).  Single-rail mode sets it (net5 -> 5). */
};

/* The rail number of plans[@i]. */
static inline unsigned rp_rail_no(const struct rp_rail_plan *p, unsigned i)
{
	return p->rail ? p->rail : i + 1;
}

struct rp_rails_opts {
	const char *host_netns;   /* namespace file of the masters; NULL: the process's namespace */
	uint32_t table_base;      /* 0: RP_RAILS_TABLE_BASE */
	uint32_t prio_base;       /* 0: RP_RAILS_PRIO_BASE */
	uint32_t probe_timeout_ms;/* one deadline for all probes; 0: 1000 */
};

struct rp_rail_result {
	int ifindex;              /* in the pod */
	uint8_t mac[6];
	char name[16];
};

/*
 * Main-table route @k of plans[@i] is shadowed when an earlier rail (or an earlier route of the
 * same rail) already routes the same destination: the main table holds one route per prefix, so
 * the first rail's wins (the exclusive-subnet scheme gives every rail `172.16.0.0/16 via <its
 * gateway>`; the pod keeps net1's, as design.md shows) and the others are neither added nor
 * checked.  Each rail's own table still routes its traffic through its own gateway.
 */
bool rp_rails_route_shadowed(const struct rp_rail_plan *plans, unsigned i, unsigned k);

/* Rail i (1-based): its table and rule priority under @o (NULL: defaults). */
uint32_t rp_rails_table(const struct rp_rails_opts *o, unsigned i);
uint32_t rp_rails_prio(const struct rp_rails_opts *o, unsigned i);

/*
 * Attach @n rails (plans[0] is rail 1) to the pod namespace file @netns.  On success fills
 * @out[0..n-1].  On failure nothing is left in the pod or the host and @e says e.g.
 * "rail 5 (net5): add address 172.16.15.10/16 on net5: File exists".
 */
int rp_rails_attach(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		    struct rp_rail_result *out, struct rp_err *e);

/*
 * Remove every railpool rail from the pod: all macvlan rails in ONE RTM_DELLINK by group, the
 * rules of rails 1..RP_RAILS_MAX (both families) by table+priority, RP_RAIL_MOVE rails in
 * @plans (may be NULL) moved back to the host under their master name.  Idempotent; 0 when the
 * namespace is already gone.
 */
int rp_rails_detach(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		    struct rp_err *e);

/*
 * Verify the pod matches the plans (CNI CHECK): links (name, up, MTU when set), addresses,
 * rules, the rail tables' routes and the main-table routes.  -ENOENT with @e listing what is
 * missing, e.g. "rail 3 (net3): route default via 172.16.13.254 table 102 is missing".
 */
int rp_rails_check(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		   struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
