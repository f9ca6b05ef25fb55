/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VF configuration through the PF: RTM_SETLINK on the PF carrying
 * IFLA_VFINFO_LIST { IFLA_VF_INFO { IFLA_VF_MAC, IFLA_VF_VLAN, IFLA_VF_SPOOFCHK, IFLA_VF_TRUST,
 * IFLA_VF_LINK_STATE } }, and reading the current VF state back with RTM_GETLINK +
 * IFLA_EXT_MASK(RTEXT_FILTER_VF) so it can be saved and restored on DEL.
 *
 * Messages travel through a channel: rp_vf_chan_open() gives the real one (a NETLINK_ROUTE
 * socket of the calling thread's netns); tests plug in a recorder (sim/nlrec.h) that keeps the
 * exact bytes and answers from a table.  The same xfer signature is used by rdma/nldev.h so one
 * recorder serves both.
 *
 * Thread safety: a channel belongs to one thread.  Allocations: rp_vf_cfg_msg() returns an
 * nl_msg the caller frees with nlmsg_free(); channels own their socket until closed.
 * Errors: -errno; kernel errors carry the extended-ack text in @e.
 */
#ifndef RP_VF_CFG_H
#define RP_VF_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nl_msg;

/* Called for each reply message that is neither an ACK/error nor DONE; non-zero stops. */
typedef int (*rp_nl_reply_fn)(const struct nlmsghdr *h, void *arg);
/* Send @req (the channel sets seq/pid and NLM_F_ACK), feed replies to @cb, wait for the ACK (or
 * NLMSG_DONE of a dump). Returns 0 or the kernel's -errno with its extack text in @e. */
typedef int (*rp_nl_xfer_fn)(void *ctx, struct nl_msg *req, rp_nl_reply_fn cb, void *arg,
			     struct rp_err *e);

struct rp_vf_chan {
	rp_nl_xfer_fn xfer;
	void *ctx;
};

/* Real channel: NETLINK_ROUTE socket in the calling thread's current netns. */
int rp_vf_chan_open(struct rp_vf_chan *ch, struct rp_err *e);
void rp_vf_chan_close(struct rp_vf_chan *ch);

enum {
	RP_VF_SET_MAC = 1u << 0,
	RP_VF_SET_VLAN = 1u << 1,
	RP_VF_SET_SPOOFCHK = 1u << 2,
	RP_VF_SET_TRUST = 1u << 3,
	RP_VF_SET_LINK_STATE = 1u << 4,
	RP_VF_SET_ALL = 0x1f,
};

/* IFLA_VF_LINK_STATE values (linux/if_link.h IFLA_VF_LINK_STATE_*). */
enum { RP_VF_LINK_AUTO = 0, RP_VF_LINK_ENABLE = 1, RP_VF_LINK_DISABLE = 2 };

/* One VF's PF-side settings.  Fixed width: it is saved inside the store's owner data. */
struct rp_vf_cfg {
	uint32_t vf;         /* VF index on the PF */
	uint32_t mask;       /* RP_VF_SET_*: which fields apply (or were read) */
	uint8_t mac[6];
	uint16_t vlan;       /* 0 = none */
	uint8_t qos;
	uint8_t spoofchk;    /* 0/1 */
	uint8_t trust;       /* 0/1 */
	uint8_t link_state;  /* RP_VF_LINK_* */
};
_Static_assert(sizeof(struct rp_vf_cfg) == 20 && offsetof(struct rp_vf_cfg, vlan) == 14,
	       "rp_vf_cfg is stored in owner data");

/* Build the RTM_SETLINK for @c on the PF with @pf_ifindex. 0 or -ENOMEM/-EINVAL (empty mask). */
int rp_vf_cfg_msg(int pf_ifindex, const struct rp_vf_cfg *c, struct nl_msg **out);
/* Build + send. @pf_name only labels errors. */
int rp_vf_cfg_apply(struct rp_vf_chan *ch, int pf_ifindex, const char *pf_name,
		    const struct rp_vf_cfg *c, struct rp_err *e);

/* Build the RTM_GETLINK (IFLA_EXT_MASK = RTEXT_FILTER_VF) for the PF. */
int rp_vf_state_msg(int pf_ifindex, struct nl_msg **out);
/* Parse VF @vf's state out of an RTM_NEWLINK reply; -ENOENT when the reply lists no such VF. */
int rp_vf_state_parse(const struct nlmsghdr *h, uint32_t vf, struct rp_vf_cfg *out);
/* Query the PF and return VF @vf's current state (mask = what the kernel reported). */
int rp_vf_state_get(struct rp_vf_chan *ch, int pf_ifindex, const char *pf_name, uint32_t vf,
		    struct rp_vf_cfg *out, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
