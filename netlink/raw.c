/* SPDX-License-Identifier: Apache-2.0 */
/* One request in flight on a raw netlink socket of any protocol, replies matched by (port id, seq). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include "netlink/nl_internal.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int rp_nl_raw_open(struct rp_nl_raw *r, int protocol)
{
	int one = 1;

	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (r->fd < 0)
		return -errno;
	/* Best effort: without them errors just lose the kernel's reason text / ACKs grow. */
	(void)setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(r->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	r->seq = (uint32_t)time(NULL);
	r->pid = 0;
	return 0;
}

void rp_nl_raw_close(struct rp_nl_raw *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* A request that only reads (an rtnetlink RTM_GET* or any dump) may be sent again when its
 * answer did not fit the buffer. */
static bool repeatable(const struct rp_nl_raw *r, const struct nlmsghdr *rh)
{
	int proto = 0;
	socklen_t pl = sizeof(proto);

	if (rh->nlmsg_flags & NLM_F_DUMP)
		return true;
	return !getsockopt(r->fd, SOL_SOCKET, SO_PROTOCOL, &proto, &pl) && proto == NETLINK_ROUTE &&
	       rh->nlmsg_type >= RTM_BASE && (rh->nlmsg_type & 3) == 2;
}

static int raw_send(struct rp_nl_raw *r, struct nlmsghdr *rh, struct rp_err *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	rh->nlmsg_seq = ++r->seq;
	rh->nlmsg_pid = 0;
	rh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	rp_nl__raw_count(1, 0);
	if (sendto(r->fd, rh, rh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rp_err_set(e, -errno, "netlink send: %s", strerror(errno));
	if (!r->pid) {
		/* The kernel autobinds at the first send; replies carry that port id. */
		struct sockaddr_nl me;
		socklen_t alen = sizeof(me);

		if (!getsockname(r->fd, (struct sockaddr *)&me, &alen))
			r->pid = me.nl_pid;
	}
	return 0;
}

int rp_nl_raw_xfer(struct rp_nl_raw *r, struct nl_msg *req, int (*cb)(const struct nlmsghdr *h, void *arg),
		   void *arg, struct rp_err *e)
{
	struct nlmsghdr *rh = nlmsg_hdr(req);
	char *buf = NULL;
	size_t cap = 65536; /* a VF list of ~180 VFs; larger answers are read again, see below */
	int rc, stop = 0, resent = 0;

	if ((rc = raw_send(r, rh, e)))
		return rc;
	buf = malloc(cap);
	if (!buf)
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (;;) {
		/* One read per datagram (no MSG_PEEK first); MSG_TRUNC returns the real length of a
		 * datagram that did not fit, which is then lost. */
		ssize_t n = recv(r->fd, buf, cap, MSG_TRUNC);
		struct nlmsghdr *h;

		rp_nl__raw_count(0, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = rp_err_set(e, -errno, "netlink receive: %s", strerror(errno));
			break;
		}
		if ((size_t)n > cap) {
			char *nb;

			if (resent++ || !repeatable(r, rh)) {
				rc = rp_err_set(e, -EMSGSIZE, "netlink receive: a %zd-byte answer did not fit the %zu-byte "
						"buffer", n, cap);
				break;
			}
			nb = realloc(buf, (size_t)n);
			if (!nb) {
				rc = rp_err_set(e, -ENOMEM, "out of memory");
				break;
			}
			buf = nb;
			cap = (size_t)n;
			/* The rest of the old answer carries the old seq and is skipped as stale. */
			if ((rc = raw_send(r, rh, e)))
				break;
			stop = 0;
			continue;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->seq || (r->pid && h->nlmsg_pid != r->pid))
				continue; /* a stale reply to an earlier, abandoned request */
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(h);
				const char *ext;

				if (err->error) {
					ext = rp_nl__extack(h);
					/* %.253s: the text was always cut at 256 bytes with its ": " */
					rc = rp_err_set(e, err->error, "kernel: %s%s%.253s", strerror(-err->error),
							ext && *ext ? ": " : "", ext ? ext : "");
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

int rp_nl_netns_fd_run(int netns_fd, int (*fn)(void *arg), void *arg, struct rp_err *e)
{
	int self, rc;

	if (netns_fd < 0)
		return fn(arg);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return rp_err_set(e, -errno, "open own netns: %s", strerror(errno));
	if (setns(netns_fd, CLONE_NEWNET)) {
		rc = rp_err_set(e, -errno, "setns into target netns: %s", strerror(errno));
		close(self);
		return rc;
	}
	rc = fn(arg);
	/* A thread left in the pod's netns would run every later call there: never ignore this. */
	RP_ASSERT(setns(self, CLONE_NEWNET) == 0);
	close(self);
	return rc;
}
