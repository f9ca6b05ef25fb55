/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Gateway reachability and address-conflict probes: ARP for IPv4, NDP for IPv6, every probe of
 * every rail in parallel under ONE deadline.  Raw AF_PACKET sockets are opened inside the pod
 * namespace (setns there and back) and bound to each interface; requests are resent every
 * 100 ms until answered or the deadline passes.
 *
 * Conflict: IPv4 sends RFC 5227 probes (sender 0.0.0.0, target = our address); IPv6 sends a DAD
 * neighbour solicitation (source ::).  Any answer from a MAC that is not ours is a conflict.
 *
 * Thread safety: one call per thread; no global state.  Allocations: none kept.
 */
#ifndef RP_NETLINK_PROBE_H
#define RP_NETLINK_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_nl_probe {
	/* in */
	int ifindex;          /* in the probed namespace */
	const char *ifname;   /* for messages */
	uint8_t mac[6];       /* the interface's MAC */
	struct rp_ip local;   /* our address on it */
	struct rp_ip gateway; /* family 0: no gateway probe */
	bool conflict;        /* probe for another owner of @local */
	/* out */
	int gw_result;        /* 0 answered (or not asked), -ETIMEDOUT silent */
	int conflict_result;  /* 0 none (or not asked), -EADDRINUSE someone answered */
	uint8_t gw_mac[6];
	uint8_t conflict_mac[6];
};

/*
 * Run all @n probes inside the namespace file @netns (NULL: the current one) until every one
 * is settled or @timeout_ms passed.  Returns 0 when the probes could be run (look at each
 * result), -errno when they could not (sockets, namespace).
 */
int rp_nl_probe_run(const char *netns, struct rp_nl_probe *p, unsigned n, unsigned timeout_ms, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
