/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A recording stand-in for the PF VF-config (rtnetlink) and RDMA-netlink channels, for tests
 * only.  Its xfer function has the signature of vf/cfg.h rp_nl_xfer_fn and rdma/nldev.h
 * rp_rdma_xfer_fn, so a test writes
 *     struct rp_vf_chan ch = { rp_sim_nlrec_xfer, rec };
 * Every request is kept byte for byte (tests decode them attribute by attribute), and a small
 * fake kernel answers: fake PFs keep a VF table (RTM_SETLINK with IFLA_VFINFO_LIST updates it,
 * RTM_GETLINK with RTEXT_FILTER_VF reports it), fake RDMA devices answer nldev GET/PORT_GET
 * dumps, SYS_GET/SYS_SET read and write a fake netns mode, SET with NET_NS_FD records the move.
 * Anything else is recorded and ACKed.  rp_sim_nlrec_fail_next() injects one kernel error.
 * Other processes (the exec'd plugin on the simulated node) reach a recorder through
 * sim/nlsrv.h, which serves it over the relay of vf/relay.h.
 *
 * Thread safety: none (one test thread).  Allocations: owned by the recorder until freed.
 */
#ifndef RP_SIM_NLREC_H
#define RP_SIM_NLREC_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nl_msg;
struct rp_sim_nlrec;

struct rp_sim_vf_state {
	uint8_t mac[6];
	uint16_t vlan;
	uint8_t qos, spoofchk, trust, link_state;
};

int rp_sim_nlrec_new(struct rp_sim_nlrec **out);
void rp_sim_nlrec_free(struct rp_sim_nlrec *r);

int rp_sim_nlrec_xfer(void *ctx, struct nl_msg *req, int (*cb)(const struct nlmsghdr *, void *),
		      void *arg, struct rp_err *e);

/* Recorded requests, oldest first: exact bytes as sent (seq as the channel would set it). */
size_t rp_sim_nlrec_count(const struct rp_sim_nlrec *r);
const struct nlmsghdr *rp_sim_nlrec_msg(const struct rp_sim_nlrec *r, size_t i);
void rp_sim_nlrec_clear(struct rp_sim_nlrec *r);

/* Next request fails with @err (-errno) and extack text @msg (may be NULL). */
void rp_sim_nlrec_fail_next(struct rp_sim_nlrec *r, int err, const char *msg);

/* Fake PF with @nvfs VFs (spoofchk on, trust off, link auto, MAC 0, vlan 0). */
int rp_sim_nlrec_add_pf(struct rp_sim_nlrec *r, int ifindex, uint32_t nvfs);
int rp_sim_nlrec_vf(const struct rp_sim_nlrec *r, int ifindex, uint32_t vf, struct rp_sim_vf_state *out);
int rp_sim_nlrec_vf_set(struct rp_sim_nlrec *r, int ifindex, uint32_t vf, const struct rp_sim_vf_state *st);

/* Fake RDMA: mode (1 shared = kernel default, 0 exclusive) and devices. */
void rp_sim_nlrec_set_rdma_mode(struct rp_sim_nlrec *r, int mode);
int rp_sim_nlrec_rdma_mode(const struct rp_sim_nlrec *r);
int rp_sim_nlrec_add_rdma_dev(struct rp_sim_nlrec *r, uint32_t index, const char *name,
			      const char *ndev, uint32_t ndev_index);
/* The netns fd the last SET moved device @index to, or -1 when never moved. */
int rp_sim_nlrec_rdma_dev_netns(const struct rp_sim_nlrec *r, uint32_t index);

#ifdef __cplusplus
}
#endif
#endif
