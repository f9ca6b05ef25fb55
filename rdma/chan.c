/* SPDX-License-Identifier: Apache-2.0 */
/* The real rp_rdma_chan: a NETLINK_RDMA rp_nl_raw socket, one request in flight. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netlink/nl.h"
#include "rdma/nldev.h"

static int rdma_xfer(void *ctx, struct nl_msg *req, rp_rdma_reply_fn cb, void *arg, struct rp_err *e)
{
	return rp_nl_raw_xfer(ctx, req, cb, arg, e);
}

struct open_arg {
	struct rp_rdma_chan *ch;
	struct rp_err *e;
};

static int open_here(void *arg)
{
	struct open_arg *a = arg;
	struct rp_nl_raw *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return rp_err_set(a->e, -ENOMEM, "out of memory");
	rc = rp_nl_raw_open(c, NETLINK_RDMA);
	if (rc) {
		free(c);
		if (rc == -EPROTONOSUPPORT)
			return rp_err_set(a->e, rc, "NETLINK_RDMA socket: RDMA netlink is not supported by "
						    "this kernel (no ib_core); RDMA features are unavailable here");
		return rp_err_set(a->e, rc, "NETLINK_RDMA socket: %s", strerror(-rc));
	}
	a->ch->xfer = rdma_xfer;
	a->ch->ctx = c;
	return 0;
}

int rp_rdma_chan_open(struct rp_rdma_chan *ch, int netns_fd, struct rp_err *e)
{
	struct open_arg a = { .ch = ch, .e = e };

	return rp_nl_netns_fd_run(netns_fd, open_here, &a, e);
}

void rp_rdma_chan_close(struct rp_rdma_chan *ch)
{
	struct rp_nl_raw *c = ch->ctx;

	if (ch->xfer != rdma_xfer || !c)
		return;
	rp_nl_raw_close(c);
	free(c);
	ch->ctx = NULL;
	ch->xfer = NULL;
}
