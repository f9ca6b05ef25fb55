/* SPDX-License-Identifier: Apache-2.0 */
/* The real rp_vf_chan: a NETLINK_ROUTE rp_nl_raw socket, one request in flight. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netlink/nl.h"
#include "vf/cfg.h"
#include "vf/vf_internal.h"

static int route_xfer(void *ctx, struct nl_msg *req, rp_nl_reply_fn cb, void *arg, struct rp_err *e)
{
	return rp_nl_raw_xfer(ctx, req, cb, arg, e);
}

int rp_vf_chan_open(struct rp_vf_chan *ch, struct rp_err *e)
{
	struct rp_nl_raw *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return rp_err_set(e, -ENOMEM, "out of memory");
	rc = rp_nl_raw_open(c, NETLINK_ROUTE);
	if (rc) {
		free(c);
		return rp_err_set(e, rc, "NETLINK_ROUTE socket: %s", strerror(-rc));
	}
	ch->xfer = route_xfer;
	ch->ctx = c;
	return 0;
}

void rp_vf_chan_close(struct rp_vf_chan *ch)
{
	struct rp_nl_raw *c = ch->ctx;

	if (ch->xfer == rp_vf__relay_xfer) {
		rp_vf__relay_close(ch);
		return;
	}
	if (ch->xfer != route_xfer || !c)
		return;
	rp_nl_raw_close(c);
	free(c);
	ch->ctx = NULL;
	ch->xfer = NULL;
}
