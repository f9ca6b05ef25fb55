/* SPDX-License-Identifier: Apache-2.0 */
/* netlink/'s reply parsers (links, addresses, routes, rules) against arbitrary attribute bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink/nl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWRULE };
	struct rp_nl_link_info li;
	struct rp_nl_addr_info ai;
	struct rp_nl_route_info ri;
	struct rp_nl_rule_info ru;
	struct nlmsghdr *h;

	if (size < NLMSG_HDRLEN || size > 65536)
		return 0;
	h = malloc(size); /* aligned, like the receive buffer */
	if (!h)
		return 0;
	memcpy(h, data, size);
	/* The receive loop only hands over messages that passed NLMSG_OK(). */
	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > size)
		h->nlmsg_len = (uint32_t)size;
	/* Every parser sees every message: a reply of the wrong kind must be refused, not misread. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		h->nlmsg_type = types[i];
		if (rp_nl_link_parse(h, &li) == 0 && memchr(li.name, '\0', sizeof(li.name)) == NULL)
			abort();
		if (rp_nl_addr_parse(h, &ai) == 0 && ai.ip.family != RP_FAM_V4 && ai.ip.family != RP_FAM_V6)
			abort();
		if (rp_nl_route_parse(h, &ri) == 0 && ri.family != 2 && ri.family != 10)
			abort();
		if (rp_nl_rule_parse(h, &ru) == 0 && ru.family != 2 && ru.family != 10)
			abort();
	}
	free(h);
	return 0;
}
