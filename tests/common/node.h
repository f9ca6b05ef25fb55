/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated node of the macvlan seed (tests/data/macvlan-8rail) as a sim/node.h spec, for
 * tests and benchmarks that bring it up.  Not thread-safe; allocates nothing (the names and
 * addresses live in struct rpt_seed_node, which must outlive every use of its spec).
 */
#ifndef RP_TESTS_COMMON_NODE_H
#define RP_TESTS_COMMON_NODE_H

#include "sim/node.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rpt_seed_node {
	struct rp_sim_spec spec;
	char names[RP_SIM_MAX_NICS][32];
	char gws[RP_SIM_MAX_NICS][32];
};

/*
 * Fill @n's spec (the node is not brought up): @nrails NICs (at most RP_SIM_MAX_NICS), NIC i
 * (1-based) with MTU @mtu and gateway 172.16.<10+i>.254/16 on its fabric peer; named as the seed
 * names them, "enp<10+i>s0f0np0", when @own_netns (the node has a namespace of its own), else
 * "<prefix>n<i>" so that they cannot clash with anything in the current namespace.
 * Returns &n->spec, or NULL when @nrails is too large.
 */
struct rp_sim_spec *rpt_seed_node(struct rpt_seed_node *n, const char *prefix, int own_netns, unsigned nrails,
				  unsigned mtu);

#ifdef __cplusplus
}
#endif
#endif
