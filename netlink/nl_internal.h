/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of netlink/. */
#ifndef RP_NETLINK_NL_INTERNAL_H
#define RP_NETLINK_NL_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "netlink/nl.h"

struct rp_nl_sock {
	int fd;          /* NETLINK_ROUTE, EXT_ACK + CAP_ACK on */
	int ns_fd;       /* the namespace the socket lives in */
	uint32_t portid; /* kernel-assigned nl_pid */
	uint32_t seq;    /* last sequence number used */
	uint64_t nsend;  /* sendmsg() calls through this socket */
	dev_t ns_dev;    /* identity of the namespace file, to notice a re-created namespace */
	ino_t ns_ino;
	char path[256];
	struct rp_nl_sock *next;
};

/* Counts and issues one sendmsg(); returns bytes or -errno. */
ssize_t rp_nl__sendmsg(struct rp_nl_sock *s, const void *buf, size_t len);
/* One recvmsg() into a buffer grown as needed (buffer and capacity owned by the caller); bytes or -errno. */
ssize_t rp_nl__recv(struct rp_nl_sock *s, void **buf, size_t *cap);
/* Extended-ack text of an NLMSG_ERROR, or NULL. */
const char *rp_nl__extack(const struct nlmsghdr *h);

#endif
