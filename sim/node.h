/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A simulated GPU node for tests, the demo and benchmarks (needs root: CAP_SYS_ADMIN+NET_ADMIN).
 *
 * rp_sim_up() builds N "NICs": veth pairs whose NIC end lives in the node namespace (the
 * current one, or the named namespace "<prefix>node" so tests stay isolated) under the given
 * name (enp11s0f0np0.., eno3np1..), with MTU, up, and optional host addresses; the peer end
 * "<prefix>f<i>" lives in the fabric namespace "<prefix>fab" and holds that rail's gateway
 * address(es), so ARP/NDP probes for the gateway get answers (arp_ignore=1 there, so each
 * gateway answers only on its own rail).
 * rp_sim_down() removes everything carrying the spec's names; it is idempotent and safe after a
 * partial rp_sim_up() (which itself cleans up on failure).
 *
 * Namespaces are created like `ip netns add`: a bind mount of the namespace on
 * /run/netns/<name> (made a shared mount point first), so `ip netns exec <name>` works.
 *
 * Thread safety: none (setup code; run from one thread).  Allocations: none kept.
 * Errors: -errno with @e saying which object failed.
 */
#ifndef RP_SIM_NODE_H
#define RP_SIM_NODE_H

#include <stdint.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_SIM_MAX_NICS 16
#define RP_SIM_PREFIX_MAX 10 /* leaves room for "f<i>" and "node" within IFNAMSIZ */

struct rp_sim_nic {
	const char *name;        /* NIC name in the node namespace */
	uint32_t mtu;            /* 0: the kernel default (1500) */
	const char *host_cidr[2]; /* optional addresses on the NIC, "172.16.11.1/16", "fd00:11::1/64" */
	const char *gw_cidr[2];   /* gateway addresses on the fabric peer, "172.16.11.254/16" */
};

struct rp_sim_spec {
	const char *prefix;      /* unique, <= RP_SIM_PREFIX_MAX chars, e.g. "rpt1234" */
	int own_netns;           /* 1: NICs go to netns "<prefix>node"; 0: the current netns */
	unsigned nnics;
	struct rp_sim_nic nics[RP_SIM_MAX_NICS];
};

int rp_sim_up(const struct rp_sim_spec *spec, struct rp_err *e);
int rp_sim_down(const struct rp_sim_spec *spec, struct rp_err *e);

/* "/run/netns/<prefix>node" when own_netns, else "" (the current namespace). */
void rp_sim_node_netns_path(const struct rp_sim_spec *spec, char *buf, size_t len);
/* "/run/netns/<prefix>fab". */
void rp_sim_fabric_netns_path(const struct rp_sim_spec *spec, char *buf, size_t len);

/* ip-netns-compatible namespaces: /run/netns/<name>, loopback up.  add fails with -EEXIST when
 * present; del is idempotent (0 when absent). */
int rp_sim_netns_add(const char *name, struct rp_err *e);
int rp_sim_netns_del(const char *name, struct rp_err *e);

struct rp_sim_pod {
	const char *name;       /* netns name under /run/netns */
	const char *node_netns; /* node namespace path for eth0's peer; NULL or "": current */
	const char *eth0_peer;  /* host-side name of eth0's veth peer; NULL: no eth0 */
	const char *eth0_cidr;  /* "10.233.119.164/24" */
	const char *eth0_gw;    /* "10.233.119.1": default route via eth0 */
};
int rp_sim_pod_add(const struct rp_sim_pod *p, struct rp_err *e);
int rp_sim_pod_del(const struct rp_sim_pod *p, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
