/* SPDX-License-Identifier: Apache-2.0 */
/* One request in flight on a raw netlink socket of any protocol, replies matched by (port id, seq). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
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

int rp_nl_raw_xfer(struct rp_nl_raw *r, struct nl_msg *req, int (*cb)(const struct nlmsghdr *h, void *arg),
		   void *arg, struct rp_err *e)
{
	struct nlmsghdr *rh = nlmsg_hdr(req);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char *buf = NULL;
	size_t cap = 32768;
	int rc = 0, stop = 0;

	rh->nlmsg_seq = ++r->seq;
	rh->nlmsg_pid = 0;
	rh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(r->fd, rh, rh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rp_err_set(e, -errno, "netlink send: %s", strerror(errno));
	if (!r->pid) {
		/* The kernel autobinds at the first send; replies carry that port id. */
		struct sockaddr_nl me;
		socklen_t alen = sizeof(me);

		if (!getsockname(r->fd, (struct sockaddr *)&me, &alen))
			r->pid = me.nl_pid;
	}
	buf = malloc(cap);
	if (!buf)
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = recv(r->fd, buf, cap, MSG_PEEK | MSG_TRUNC);
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
		n = recv(r->fd, buf, cap, 0);
		if (n < 0) {
			rc = rp_err_set(e, -errno, "netlink receive: %s", strerror(errno));
			break;
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
