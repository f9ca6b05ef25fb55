/* SPDX-License-Identifier: Apache-2.0 */
/* The parser of the kernel's RTM_NEWLINK reply carrying a PF's IFLA_VFINFO_LIST. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "vf/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *h;
	struct rp_vf_cfg c;
	uint32_t vf;

	if (size < NLMSG_HDRLEN || size > 65536)
		return 0;
	h = malloc(size); /* aligned, like the channel's receive buffer */
	if (!h)
		return 0;
	memcpy(h, data, size);
	/* The channel only hands over messages that passed NLMSG_OK(): length within the buffer. */
	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > size)
		h->nlmsg_len = (uint32_t)size;
	for (vf = 0; vf < 4; vf++)
		if (rp_vf_state_parse(h, vf, &c) == 0 && c.vf != vf)
			abort();
	free(h);
	return 0;
}
