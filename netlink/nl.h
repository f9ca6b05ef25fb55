/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtnetlink transactions: many requests per sendmsg(), one socket per network namespace.
 *
 * A transaction (struct rp_nl_txn) queues operations for ONE namespace's socket.  Commit sends
 * them all in a single sendmsg(), each message with its own sequence number and NLM_F_ACK, then
 * reads the replies and matches every ACK by (port id, seq).  The kernel processes a batch
 * sequentially and keeps going after an error, so commit does NOT stop at the first failure:
 * it reports the first failing operation and records the inverse of every operation that
 * succeeded (even those after the failure) on an undo stack.  The caller then calls
 * rp_nl_txn_rollback(), which sends the whole stack, newest first, in one more sendmsg.  An
 * operation may push its inverse onto ANOTHER transaction's stack: a macvlan created from the
 * host socket directly inside a pod namespace is deleted through the pod's socket.
 *
 * Failure text: "<operation description>: <strerror>[: <kernel extended-ack text>]", e.g.
 * "add address 172.16.11.3/16 on net3: File exists".  libnl's -NLE_* codes and the kernel's
 * errno are converted to -errno here, once.
 *
 * Socket cache: rp_nl_sock_host()/rp_nl_sock_netns() open one socket per namespace per
 * process, the first time; a namespace's socket is opened by setns() into it and back (the
 * thread's original namespace is restored on every path).  A cached entry is revalidated by the
 * inode of the namespace file, so a re-created namespace of the same name gets a new socket.
 *
 * Thread safety: the cache itself is mutex-protected; a socket and its transactions belong to
 * one thread at a time (the CNI plugin is single-threaded).  rp_nl_stats_get() is atomic.
 * Allocations: transactions own their queued messages (nl_msg) and free them in
 * rp_nl_txn_free(); cached sockets live until rp_nl_sock_cache_flush() or process exit.
 */
#ifndef RP_NETLINK_NL_H
#define RP_NETLINK_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nl_msg;
struct rp_nl_sock;
struct rp_nl_txn;

#define RP_NL_DESC_MAX 192

/* Called for every non-ACK reply to one request (e.g. the RTM_NEWLINK answering an
 * RTM_GETLINK, or each message of a dump).  Return 0 to go on, -errno to fail the operation.
 * @h points into the socket's receive area: copy what you keep, and do not use the same socket
 * from the callback.  A reply longer than 8 KiB in a batch fails its operation with -EMSGSIZE
 * (no rtnetlink answer this module asks for comes near that; VF lists go through raw sockets). */
typedef int (*rp_nl_reply_cb)(const struct nlmsghdr *h, void *arg);

/* ---- sockets ---------------------------------------------------------------------------- */

/* The socket of the namespace the process was in at the first call. */
int rp_nl_sock_host(struct rp_nl_sock **out, struct rp_err *e);
/* The socket inside the namespace file @path (/run/netns/x, /proc/<pid>/ns/net).  -ENOENT when
 * the namespace is gone (callers that tear down treat that as success). */
int rp_nl_sock_netns(const char *path, struct rp_nl_sock **out, struct rp_err *e);
/* An O_RDONLY|O_CLOEXEC fd of the socket's namespace (owned by the socket; do not close). */
int rp_nl_sock_ns_fd(const struct rp_nl_sock *s);
/* The namespace file path this socket was opened for ("" for the host socket). */
const char *rp_nl_sock_path(const struct rp_nl_sock *s);
/* Close every cached socket.  A cached socket keeps its namespace alive: whoever deletes a
 * namespace file should rp_nl_sock_forget() it so the kernel can tear the namespace down. */
void rp_nl_sock_cache_flush(void);
void rp_nl_sock_forget(const char *path);

/* Run @fn(@arg) with the calling thread inside the namespace at @path and come back; returns
 * fn's result, or -errno if entering/leaving failed (leaving failing is fatal: RP_ASSERT). */
int rp_nl_netns_run(const char *path, int (*fn)(void *arg), void *arg, struct rp_err *e);

/*
 * Run @fn(@arg) with the calling thread inside the namespace of the open fd @netns_fd (< 0: in
 * the current one, no setns) and come back; returns fn's result, or -errno with "open own
 * netns: ..." / "setns into target netns: ..." in @e.  Failing to come back is fatal (RP_ASSERT).
 */
int rp_nl_netns_fd_run(int netns_fd, int (*fn)(void *arg), void *arg, struct rp_err *e);

/* ---- raw sockets: one request in flight, any netlink protocol ---------------------------- */

/*
 * A netlink socket of any protocol (NETLINK_ROUTE, NETLINK_RDMA, ...) for callers that send one
 * request at a time and wait for its ACK, e.g. the vf/ and rdma/ channels.  Unlike the cached
 * rp_nl_sock it is not bound up front and its sends are not counted in rp_nl_stats_get().sendmsg
 * (rp_nl_stats_get() counts them apart).  Each reply is read once into a 64 KiB buffer; a longer
 * answer to a read-only request (an rtnetlink RTM_GET* or a dump) is asked for again with a
 * buffer of its size, for any other request it is -EMSGSIZE.
 * A socket belongs to one thread at a time; the struct is the caller's, the fd is closed by
 * rp_nl_raw_close().
 */
struct rp_nl_raw {
	int fd;
	uint32_t seq; /* last sequence number used */
	uint32_t pid; /* port id the kernel autobound at the first send; 0 until then */
};

/* socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, @protocol) in the thread's current namespace, with
 * extended and capped ACKs requested.  Returns 0 or socket()'s -errno; @r->fd is < 0 on error.
 * Does not word an error: the caller knows what the protocol means to its users. */
int rp_nl_raw_open(struct rp_nl_raw *r, int protocol);
void rp_nl_raw_close(struct rp_nl_raw *r);

/*
 * Send @req (seq and pid are set here; NLM_F_REQUEST|NLM_F_ACK added) and read replies until the
 * ACK or NLMSG_DONE of that seq from our port id; stale replies to earlier requests are skipped.
 * @cb (may be NULL) sees every other reply; a nonzero return stops further calls for this
 * request (the ACK is still awaited) and is otherwise ignored.  Returns 0, or -errno with @e set:
 * "netlink send: ...", "netlink receive: ...", "out of memory", or for an error ACK the kernel's
 * errno with "kernel: <strerror>[: <extended-ack text>]".
 */
int rp_nl_raw_xfer(struct rp_nl_raw *r, struct nl_msg *req, int (*cb)(const struct nlmsghdr *h, void *arg),
		   void *arg, struct rp_err *e);

/* Number of netlink sendmsg() calls issued through one socket (i.e. in one namespace); the
 * process's totals are in rp_nl_stats_get(). */
uint64_t rp_nl_sock_sendmsg_count(const struct rp_nl_sock *s);

/* This process's netlink traffic through this module so far (relaxed counters: exact once the
 * threads that used the module are done).  For benchmarks and the plugin's RAILPOOL_NL_STATS
 * report. */
struct rp_nl_stats {
	uint64_t sendmsg;              /* sendmsg() calls through the cached namespace sockets */
	uint64_t recv_calls;           /* recvmsg()/recvmmsg() calls on those sockets */
	uint64_t raw_sendmsg;          /* requests sent by rp_nl_raw_xfer() */
	uint64_t raw_recv_calls;       /* its receive calls */
	uint64_t sockets;              /* namespace sockets opened (one per namespace, host included) */
	uint64_t max_sendmsg_per_sock; /* the most sendmsg() through one of them: per namespace */
};
void rp_nl_stats_get(struct rp_nl_stats *out);

/* ---- transactions ----------------------------------------------------------------------- */

int rp_nl_txn_new(struct rp_nl_sock *s, struct rp_nl_txn **out);
void rp_nl_txn_free(struct rp_nl_txn *t);
struct rp_nl_sock *rp_nl_txn_sock(const struct rp_nl_txn *t);

/*
 * Queue @msg (ownership taken, also on error).  @undo (may be NULL; ownership taken) is pushed on
 * @undo_to's undo stack (NULL: @t's own) once @msg is ACKed.  @cb (may be NULL) sees the
 * non-ACK replies to @msg.  @fmt describes the operation for error messages.  @undo_to must
 * live until @t has been committed.
 * Returns 0 or -ENOMEM.
 */
int rp_nl_txn_add(struct rp_nl_txn *t, struct nl_msg *msg, struct nl_msg *undo, struct rp_nl_txn *undo_to,
		  rp_nl_reply_cb cb, void *arg, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
size_t rp_nl_txn_pending(const struct rp_nl_txn *t);
size_t rp_nl_txn_undo_depth(const struct rp_nl_txn *t);

/*
 * Send every queued operation in one sendmsg() and collect every ACK.  Returns 0, or the
 * -errno of the first failing operation with @e describing it.  Either way the queue is empty
 * afterwards and the inverses of all successful operations are on their undo stacks.
 * An empty queue sends nothing.
 */
int rp_nl_txn_commit(struct rp_nl_txn *t, struct rp_err *e);
/* The same, but "already gone" answers (see rp_nl_txn_rollback) count as success: for teardown. */
int rp_nl_txn_commit_idempotent(struct rp_nl_txn *t, struct rp_err *e);

/*
 * Send @t's undo stack, newest first, in one sendmsg().  "Already gone" answers (ENOENT, ENODEV,
 * ESRCH, EADDRNOTAVAIL, ENXIO) count as success.  Returns 0 or the first other error (the rest
 * are still sent).  The stack is empty afterwards.
 */
int rp_nl_txn_rollback(struct rp_nl_txn *t, struct rp_err *e);
/* Forget the undo stack (after a successful attach). */
void rp_nl_txn_forget_undo(struct rp_nl_txn *t);

/* One dump request (NLM_F_DUMP added) with its own sendmsg; retried from scratch up to 8 times
 * when the kernel flags NLM_F_DUMP_INTR (then @reset(@arg) is called first, if not NULL), and
 * once when a part did not fit the 120 KiB receive area (which then grows to fit it). */
int rp_nl_dump(struct rp_nl_sock *s, struct nl_msg *req, rp_nl_reply_cb cb, void *arg,
	       void (*reset)(void *arg), const char *what, struct rp_err *e);

/* Convert libnl's -NLE_* (or a kernel -errno that went through libnl) to -errno. */
int rp_nl_errno(int nlerr);

/* ---- message builders (all return NULL on -ENOMEM or a bad argument) --------------------- */

/* Address family of a struct rp_ip (AF_INET/AF_INET6), 0 for anything else. */
int rp_nl_af(const struct rp_ip *ip);
/* "172.16.11.3" / "fd00::3" into @buf (>= 46 bytes); returns @buf. */
const char *rp_nl_ip_str(const struct rp_ip *ip, char *buf, size_t len);
/* "02:52:50:00:00:01" (as `ip link` prints it) into @buf (>= 18 bytes); returns @buf. */
const char *rp_nl_mac_str(const uint8_t mac[6], char *buf, size_t len);

struct rp_nl_macvlan {
	const char *name;     /* final name inside the target namespace */
	int master_ifindex;   /* in the sending socket's namespace */
	int netns_fd;         /* target namespace; -1: the sender's */
	uint32_t mtu;         /* 0: inherit the master's */
	const uint8_t *mac;   /* 6 bytes or NULL (kernel picks) */
	uint32_t group;       /* IFLA_GROUP, 0: none */
	bool up;
};
struct nl_msg *rp_nl_msg_macvlan_add(const struct rp_nl_macvlan *m);

/* RTM_NEWLINK kind veth; the peer named @peer lives in @peer_netns_fd (-1: same). */
struct nl_msg *rp_nl_msg_veth_add(const char *name, int netns_fd, const char *peer, int peer_netns_fd,
				  uint32_t mtu, bool up);

/* RTM_DELLINK by @ifindex (>0) or else by @name. */
struct nl_msg *rp_nl_msg_link_del(int ifindex, const char *name);
/* RTM_DELLINK ifi_index 0 + IFLA_GROUP: every link of the group in one kernel operation. */
struct nl_msg *rp_nl_msg_link_del_group(uint32_t group);
/* RTM_GETLINK by @ifindex (>0) or else by @name (a single reply, no dump). */
struct nl_msg *rp_nl_msg_link_get(int ifindex, const char *name);

struct rp_nl_link_set {
	int ifindex;          /* > 0, or 0 and @name */
	const char *name;     /* lookup name when ifindex is 0 */
	const char *new_name; /* rename (NULL: keep) */
	int netns_fd;         /* move into this namespace (-1: stay) */
	uint32_t mtu;         /* 0: keep */
	int up;               /* 1 up, 0 down, -1 keep */
	int rp_filter;        /* per-device IPv4 rp_filter via IFLA_AF_SPEC (-1 keep) */
	uint32_t group;       /* IFLA_GROUP (0: keep) */
	const uint8_t *mac;   /* IFLA_ADDRESS, 6 bytes (NULL: keep) */
};
struct nl_msg *rp_nl_msg_link_set(const struct rp_nl_link_set *s);

/* RTM_NEWADDR (@add, NLM_F_CREATE|NLM_F_EXCL) / RTM_DELADDR.  IPv6 gets IFA_F_NODAD. */
struct nl_msg *rp_nl_msg_addr(bool add, int ifindex, const struct rp_ip *ip, uint8_t prefix);

struct rp_nl_route {
	uint32_t table;
	const struct rp_ip *dst; /* NULL: default route of @family */
	uint8_t dst_len;
	const struct rp_ip *gw;  /* NULL: scope link */
	const struct rp_ip *src; /* preferred source, may be NULL */
	int oif;
	int family;              /* AF_INET/AF_INET6, needed when dst and gw are NULL */
};
struct nl_msg *rp_nl_msg_route(bool add, const struct rp_nl_route *r);

/* `from @src/@src_len lookup @table pref @prio`; @src NULL matches any source (delete by
 * table+priority). */
struct nl_msg *rp_nl_msg_rule(bool add, int family, const struct rp_ip *src, uint8_t src_len,
			      uint32_t table, uint32_t prio);

/* ---- parsed objects and dumps (replies are checked against an nla_policy) ---------------- */

struct rp_nl_link_info {
	int ifindex;
	char name[16];
	char kind[16];    /* IFLA_INFO_KIND, "" when none */
	uint32_t mtu;
	uint32_t group;
	uint32_t flags;   /* IFF_* */
	int link;         /* IFLA_LINK (0: none) */
	uint8_t mac[6];
	int has_mac;
};
int rp_nl_link_parse(const struct nlmsghdr *h, struct rp_nl_link_info *out);

struct rp_nl_addr_info {
	int ifindex;
	struct rp_ip ip;
	uint8_t prefix;
	uint32_t flags; /* IFA_F_* */
	uint8_t scope;
};
int rp_nl_addr_parse(const struct nlmsghdr *h, struct rp_nl_addr_info *out);

/* RTM_GETNETCONF of @af (AF_INET, AF_INET6) for @ifindex, or NETCONFA_IFINDEX_ALL /
 * NETCONFA_IFINDEX_DEFAULT: one RTM_NEWNETCONF answer.  Its parse: -1 for an absent value. */
struct nl_msg *rp_nl_msg_netconf_get(int af, int ifindex);
struct rp_nl_netconf {
	int ifindex;
	int rp_filter;
};
int rp_nl_netconf_parse(const struct nlmsghdr *h, struct rp_nl_netconf *out);

struct rp_nl_route_info {
	int family;
	uint32_t table;
	struct rp_ip dst; /* family 0 when default */
	uint8_t dst_len;
	struct rp_ip gw;  /* family 0 when none */
	struct rp_ip src; /* RTA_PREFSRC, family 0 when none */
	int oif;
	uint8_t scope, type, protocol;
};
int rp_nl_route_parse(const struct nlmsghdr *h, struct rp_nl_route_info *out);

struct rp_nl_rule_info {
	int family;
	uint32_t table, prio;
	struct rp_ip src; /* family 0 when "from all" */
	uint8_t src_len;
	uint8_t action;
};
int rp_nl_rule_parse(const struct nlmsghdr *h, struct rp_nl_rule_info *out);

/* Dumps; @fn is called per object and may return -errno to stop.  Each costs one sendmsg (a
 * retry after NLM_F_DUMP_INTR one more, after @reset(@arg) -- may be NULL -- so the caller can
 * drop what it collected).  @family AF_UNSPEC = both. */
int rp_nl_dump_links(struct rp_nl_sock *s, int (*fn)(const struct rp_nl_link_info *, void *), void (*reset)(void *),
		     void *arg, struct rp_err *e);
int rp_nl_dump_addrs(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_addr_info *, void *),
		     void (*reset)(void *), void *arg, struct rp_err *e);
int rp_nl_dump_routes(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_route_info *, void *),
		      void (*reset)(void *), void *arg, struct rp_err *e);
int rp_nl_dump_rules(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_rule_info *, void *),
		     void (*reset)(void *), void *arg, struct rp_err *e);

/*
 * What the attach path needs of @n master links, by name, through interface ioctls on @s's
 * socket (so in @s's namespace): ifindex, name and MTU; the other fields stay zero.  Two ~2 us
 * system calls per link instead of a netlink round trip in which the kernel builds a full link message for each
 * (~30 us apiece on the test VM).  -ENODEV with "get link X: No such device" like
 * rp_nl_links_get().
 */
int rp_nl_links_brief(struct rp_nl_sock *s, const char *const *names, size_t n, struct rp_nl_link_info *out,
		      struct rp_err *e);

/* Look up @n links by name in ONE sendmsg (batched RTM_GETLINK).  -ENODEV with "get link X: No
 * such device" when one is missing. */
int rp_nl_links_get(struct rp_nl_sock *s, const char *const *names, size_t n, struct rp_nl_link_info *out,
		    struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
