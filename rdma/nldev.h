/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RDMA devices over RDMA netlink (NETLINK_RDMA, client RDMA_NL_NLDEV): list devices and their
 * netdevs, read/set the system netns mode, move a device into another netns and back.
 *
 * Messages travel through a channel with the same xfer signature as vf/cfg.h: the real one is a
 * NETLINK_RDMA socket (rp_rdma_chan_open*), tests plug in the recorder of sim/nlrec.h and
 * decode the exact bytes.  Message builders are public so tests can check them too.
 *
 * Thread safety: a channel belongs to one thread.  Allocations: builders return an nl_msg the
 * caller frees with nlmsg_free(); rp_rdma_dev_list() returns a malloc'd array.
 * Errors: -errno; a kernel without RDMA netlink gives -EPROTONOSUPPORT with a message saying so;
 * a wrong netns mode gives -EPERM with a message naming the `rdma system set netns` fix.
 */
#ifndef RP_RDMA_NLDEV_H
#define RP_RDMA_NLDEV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "shm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nl_msg;

typedef int (*rp_rdma_reply_fn)(const struct nlmsghdr *h, void *arg);
/* Identical to vf/cfg.h's rp_nl_xfer_fn so one recorder serves both. */
typedef int (*rp_rdma_xfer_fn)(void *ctx, struct nl_msg *req, rp_rdma_reply_fn cb, void *arg,
			       struct rp_err *e);
struct rp_rdma_chan {
	rp_rdma_xfer_fn xfer;
	void *ctx;
};

/* Real NETLINK_RDMA channel in netns @netns_fd (-1: the calling thread's). */
int rp_rdma_chan_open(struct rp_rdma_chan *ch, int netns_fd, struct rp_err *e);
void rp_rdma_chan_close(struct rp_rdma_chan *ch);

/* RDMA_NLDEV_SYS_ATTR_NETNS_MODE values, as the kernel reports them. */
enum rp_rdma_mode { RP_RDMA_EXCLUSIVE = 0, RP_RDMA_SHARED = 1 };
const char *rp_rdma_mode_name(int mode); /* "exclusive" / "shared" */

#define RP_RDMA_NAME_MAX 64
struct rp_rdma_dev {
	uint32_t index;
	char name[RP_RDMA_NAME_MAX];
	uint32_t port;       /* first port with a netdev, 0 none */
	uint32_t ndev_index; /* its netdev's ifindex, 0 none */
	char ndev[16];       /* its netdev's name, "" none */
};

/* Builders (NLM_F_REQUEST set; the channel adds seq and ACK). */
int rp_rdma_msg_sys_get(struct nl_msg **out);
int rp_rdma_msg_sys_set(int mode, struct nl_msg **out);
int rp_rdma_msg_dev_dump(struct nl_msg **out);
int rp_rdma_msg_port_dump(uint32_t dev_index, struct nl_msg **out);
int rp_rdma_msg_dev_move(uint32_t dev_index, int netns_fd, struct nl_msg **out);

int rp_rdma_mode_get(struct rp_rdma_chan *ch, int *mode, struct rp_err *e);
int rp_rdma_mode_set(struct rp_rdma_chan *ch, int mode, struct rp_err *e);
/*
 * 0 when the system is in @want mode, else -EPERM and a message naming @who (e.g.
 * "rdmaIsolation" or "shared RDMA macvlan rails") and the command that fixes it.
 */
int rp_rdma_mode_require(struct rp_rdma_chan *ch, int want, const char *who, struct rp_err *e);
/* The message rp_rdma_mode_require() gives for @have != @want (for callers with a cached mode). */
int rp_rdma_mode_error(int have, int want, const char *who, struct rp_err *e);

/* Devices visible through @ch, with the netdev of their first port; *out malloc'd. */
int rp_rdma_dev_list(struct rp_rdma_chan *ch, struct rp_rdma_dev **out, size_t *n, struct rp_err *e);
/* Index of device @name. -ENODEV when not visible in the channel's netns. */
int rp_rdma_dev_index(struct rp_rdma_chan *ch, const char *name, uint32_t *index, struct rp_err *e);
/* Move device @name into netns @netns_fd (exclusive mode only; the kernel refuses otherwise). */
int rp_rdma_dev_move(struct rp_rdma_chan *ch, const char *name, int netns_fd, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
