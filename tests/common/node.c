/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/common/node.h"

#include <stdio.h>
#include <string.h>

struct rp_sim_spec *rpt_seed_node(struct rpt_seed_node *n, const char *prefix, int own_netns, unsigned nrails,
				  unsigned mtu)
{
	if (nrails > RP_SIM_MAX_NICS)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->spec.prefix = prefix;
	n->spec.own_netns = own_netns;
	n->spec.nnics = nrails;
	for (unsigned i = 0; i < nrails; i++) {
		if (own_netns)
			snprintf(n->names[i], sizeof(n->names[i]), "enp%us0f0np0", 11 + i);
		else
			snprintf(n->names[i], sizeof(n->names[i]), "%sn%u", prefix, i + 1);
		snprintf(n->gws[i], sizeof(n->gws[i]), "172.16.%u.254/16", 11 + i);
		n->spec.nics[i].name = n->names[i];
		n->spec.nics[i].mtu = mtu;
		n->spec.nics[i].gw_cidr[0] = n->gws[i];
	}
	return &n->spec;
}
