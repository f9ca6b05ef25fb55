/* SPDX-License-Identifier: Apache-2.0 */
/* The real rp_vf_chan: one NETLINK_ROUTE socket, one request in flight, replies matched by seq. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "vf/cfg.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

struct route_chan {
	int fd;
	uint32_t seq;
	uint32_t pid;
};

/* Copy the extended-ack text (if any) of error message @h into @e. */
static void ext_ack_text(const struct nlmsghdr *h, char *buf, size_t len)
{
	const struct nlmsgerr *err = NLMSG_DATA(h);
	size_t off = sizeof(*err);
	const struct nlattr *a;
	int rem;

	buf[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return;
	a = (const struct nlattr *)((const char *)err + NLMSG_ALIGN(off));
	rem = (int)(h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off));
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			snprintf(buf, len, ": %.*s", nla_len(a), (const char *)nla_data(a));
			return;
		}
	}
}

static int route_xfer(void *ctx, struct nl_msg *req, rp_nl_reply_fn cb, void *arg, struct rp_err *e)
{
	struct route_chan *c = ctx;
	struct nlmsghdr *rh = nlmsg_hdr(req);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *buf = NULL, ext[256];
	size_t cap = 32768;
	int rc = 0, stop = 0;

	rh->nlmsg_seq = ++c->seq;
	rh->nlmsg_pid = 0;
	rh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(c->fd, rh, rh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rp_err_set(e, -errno, "netlink send: %s", strerror(errno));
	if (!c->pid) {
		/* The kernel autobinds at the first send; replies carry that port id. */
		struct sockaddr_nl me;
		socklen_t alen = sizeof(me);

		if (!getsockname(c->fd, (struct sockaddr *)&me, &alen))
			c->pid = me.nl_pid;
	}
	buf = malloc(cap);
	if (!buf)
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = recv(c->fd, buf, cap, MSG_PEEK | MSG_TRUNC);
		struct nlmsghdr *h;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = rp_err_set(e, -errno, "netlink receive: %s", strerror(errno));
			break;
		}
		if ((size_t)n > cap) {
			char *nb = realloc(buf, (size_t)n);

			if (!nb) {
				rc = rp_err_set(e, -ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap = (size_t)n;
		}
		n = recv(c->fd, buf, cap, 0);
		if (n < 0) {
			rc = rp_err_set(e, -errno, "netlink receive: %s", strerror(errno));
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != c->seq || (c->pid && h->nlmsg_pid != c->pid))
				continue; /* a stale reply to an earlier, abandoned request */
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);

				if (err->error) {
					ext_ack_text(h, ext, sizeof(ext));
					rc = rp_err_set(e, err->error, "kernel: %s%s", strerror(-err->error),
							ext);
				}
				goto out;
			}
			if (!stop && cb)
				stop = cb(h, arg);
		}
	}
out:
	free(buf);
	return rc;
}

int rp_vf_chan_open(struct rp_vf_chan *ch, struct rp_err *e)
{
	struct route_chan *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return rp_err_set(e, -ENOMEM, "out of memory");
	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (c->fd < 0) {
		int rc = -errno;

		free(c);
		return rp_err_set(e, rc, "NETLINK_ROUTE socket: %s", strerror(-rc));
	}
	setsockopt(c->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	c->seq = (uint32_t)time(NULL);
	ch->xfer = route_xfer;
	ch->ctx = c;
	return 0;
}

void rp_vf_chan_close(struct rp_vf_chan *ch)
{
	struct route_chan *c = ch->ctx;

	if (ch->xfer != route_xfer || !c)
		return;
	close(c->fd);
	free(c);
	ch->ctx = NULL;
	ch->xfer = NULL;
}
