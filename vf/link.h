/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving a VF netdev between network namespaces with its name, MAC and MTU: what DEL needs to
 * give a VF back to the host as it found it (ADD's move goes through the batched rails
 * transaction in netlink/, but these work standalone too).
 *
 * Netns fds: -1 means the calling thread's current netns.  Opening a socket in another netns
 * briefly setns()es the calling thread and switches back before returning.
 * Thread safety: reentrant; must not run concurrently with other setns() users on the same
 * thread.  Allocations: none kept.  Errors: -errno, @e names the device and namespace step.
 */
#ifndef RP_VF_LINK_H
#define RP_VF_LINK_H

#include <stdint.h>

#include "shm/common.h"
#include "vf/cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_vf_link {
	int32_t ifindex;
	char name[16];
	uint8_t mac[6];
	uint32_t mtu;
	uint32_t flags; /* IFF_* */
};

/* Real NETLINK_ROUTE channel opened inside netns @netns_fd (-1: current). */
int rp_vf_chan_open_in(struct rp_vf_chan *ch, int netns_fd, struct rp_err *e);

/* RTM_GETLINK by name through @ch. -ENODEV when there is no such link. */
int rp_vf_link_get(struct rp_vf_chan *ch, const char *ifname, struct rp_vf_link *out,
		   struct rp_err *e);

/*
 * Through @ch (a channel in the link's current netns): set @ifname down, then in one
 * RTM_SETLINK move it into @to_netns_fd (-1: stay) under @newname (NULL: keep) and set @mtu
 * (0: keep) and @mac (NULL: keep).  The kernel applies the namespace change first, so name,
 * MTU and MAC land in the target namespace atomically with the move.
 */
int rp_vf_link_move(struct rp_vf_chan *ch, const char *ifname, int to_netns_fd,
		    const char *newname, uint32_t mtu, const uint8_t *mac, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
