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
	uint64_t nrecv;  /* recvmsg()/recvmmsg() calls through this socket */
	void *rx;        /* receive area, allocated at the first receive, freed with the socket */
	size_t rxcap;
	dev_t ns_dev;    /* identity of the namespace file, to notice a re-created namespace */
	ino_t ns_ino;
	char path[256];
	struct rp_nl_sock *next;
};

/*
 * A request of @type with room for RP_NL_MSG_SIZE bytes (header included), or NULL.  Every
 * rtnetlink request built here stays under 300 bytes (a macvlan with all its attributes ~200);
 * libnl's default is a page per message, and an 8-rail pod queues ~100 messages (requests and
 * their undos), i.e. ~100 fresh heap pages to fault in.  An attribute that does not fit makes
 * the builder return NULL, as for -ENOMEM.
 */
#define RP_NL_MSG_SIZE 512
struct nl_msg *rp_nl__msg_new(int type, int flags);

/* Counts and issues one sendmsg(); returns bytes or -errno. */
ssize_t rp_nl__sendmsg(struct rp_nl_sock *s, const void *buf, size_t len);
/*
 * Receiving without MSG_PEEK: every reply is read exactly once.
 *
 * A batch's replies are all queued by the time its sendmsg() returns (rtnetlink handles a batch
 * synchronously), so rp_nl__recv_batch() takes as many as are there with one recvmmsg() into
 * RP_NL_RX_SLOTS slots of @slot bytes.  A batch that asks for data uses RP_NL_RX_SLOT: one
 * RTM_GETLINK answer without a VF list fits many times over (VF lists are asked for only
 * through raw.c).  A batch of ACKs only uses RP_NL_ACK_SLOT: a capped ACK is 36 bytes and an
 * error's extended ACK (message of at most 80 characters, offset, policy) stays far below it,
 * so fifteen ACKs land in two pages instead of fifteen, each page the kernel writes being a
 * first touch in a fresh CNI process.  A longer reply is cut: its slot still holds the header,
 * and the slot's length is returned NEGATED so the caller can fail that one request with
 * -EMSGSIZE (a cut error ACK keeps its error code and loses only its text).
 * rp_nl__recv() reads one datagram into the whole area (a dump part is at most 32 KiB unless a
 * single object is larger); a cut datagram returns -EMSGSIZE with *@trunc_len set to its real
 * length, and the area is grown to that for the retry.
 */
#define RP_NL_RX_SLOT 8192u
#define RP_NL_ACK_SLOT 512u
#define RP_NL_RX_SLOTS 15u /* 120 KiB: below glibc's mmap threshold, no new mapping */

struct rp_nl_rx {
	const struct nlmsghdr *h; /* start of the datagram */
	int len;                  /* bytes; negative: cut at -len (the reply was longer) */
};

/* Blocks for the first reply, then takes what is queued (up to RP_NL_RX_SLOTS); fills @out
 * (RP_NL_RX_SLOTS entries) and returns how many, or -errno.  The data lives in @s->rx until the next receive. */
int rp_nl__recv_batch(struct rp_nl_sock *s, struct rp_nl_rx *out, size_t slot);
/* One datagram into @s->rx (@flags: 0 or MSG_DONTWAIT); bytes or -errno (see above for
 * -EMSGSIZE). */
ssize_t rp_nl__recv(struct rp_nl_sock *s, int flags, size_t *trunc_len);
/* raw.c's traffic into rp_nl_stats_get()'s counters. */
void rp_nl__raw_count(int send, int recv);
/* Extended-ack text of an NLMSG_ERROR, or NULL. */
const char *rp_nl__extack(const struct nlmsghdr *h);

#endif
