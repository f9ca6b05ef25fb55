/* SPDX-License-Identifier: Apache-2.0 */
/* Per-namespace rtnetlink sockets, opened once per process, and the sendmsg counter. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "netlink/nl_internal.h"

#define RP_NL_BUF (1u << 20) /* socket buffers: an 8-rail batch and its ACKs fit many times */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rp_nl_sock *cache_head;   /* namespace sockets */
static struct rp_nl_sock *host_sock;
static _Atomic uint64_t sendmsg_count, recv_count, raw_send_count, raw_recv_count, sock_count, sock_max_send;

void rp_nl_stats_get(struct rp_nl_stats *out)
{
	out->sendmsg = atomic_load_explicit(&sendmsg_count, memory_order_relaxed);
	out->recv_calls = atomic_load_explicit(&recv_count, memory_order_relaxed);
	out->raw_sendmsg = atomic_load_explicit(&raw_send_count, memory_order_relaxed);
	out->raw_recv_calls = atomic_load_explicit(&raw_recv_count, memory_order_relaxed);
	out->sockets = atomic_load_explicit(&sock_count, memory_order_relaxed);
	out->max_sendmsg_per_sock = atomic_load_explicit(&sock_max_send, memory_order_relaxed);
}

void rp_nl__raw_count(int send, int recv)
{
	if (send)
		atomic_fetch_add_explicit(&raw_send_count, (uint64_t)send, memory_order_relaxed);
	if (recv)
		atomic_fetch_add_explicit(&raw_recv_count, (uint64_t)recv, memory_order_relaxed);
}

ssize_t rp_nl__sendmsg(struct rp_nl_sock *s, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
	uint64_t m;
	ssize_t n;

	atomic_fetch_add_explicit(&sendmsg_count, 1, memory_order_relaxed);
	s->nsend++;
	m = atomic_load_explicit(&sock_max_send, memory_order_relaxed);
	while (s->nsend > m &&
	       !atomic_compare_exchange_weak_explicit(&sock_max_send, &m, s->nsend, memory_order_relaxed,
						      memory_order_relaxed))
		;
	do
		n = sendmsg(s->fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n;
}

static int rx_reserve(struct rp_nl_sock *s, size_t need)
{
	void *nb;

	if (s->rxcap >= need)
		return 0;
	/* realloc would copy stale bytes for nothing */
	nb = malloc(need);
	if (!nb)
		return -ENOMEM;
	free(s->rx);
	s->rx = nb;
	s->rxcap = need;
	return 0;
}

int rp_nl__recv_batch(struct rp_nl_sock *s, struct rp_nl_rx *out, size_t slot)
{
	struct mmsghdr mm[RP_NL_RX_SLOTS];
	struct iovec iov[RP_NL_RX_SLOTS];
	struct sockaddr_nl sa[RP_NL_RX_SLOTS];
	unsigned int got = 0;
	int n;

	if (rx_reserve(s, (size_t)RP_NL_RX_SLOTS * slot))
		return -ENOMEM;
	for (unsigned int i = 0; i < RP_NL_RX_SLOTS; i++) {
		iov[i].iov_base = (char *)s->rx + (size_t)i * slot;
		iov[i].iov_len = slot;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &sa[i];
		mm[i].msg_hdr.msg_namelen = sizeof(sa[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		atomic_fetch_add_explicit(&recv_count, 1, memory_order_relaxed);
		s->nrecv++;
		/* MSG_WAITFORONE: block for the first datagram only, then take what is queued. */
		n = recvmmsg(s->fd, mm, RP_NL_RX_SLOTS, MSG_WAITFORONE, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		unsigned int len = mm[i].msg_len;

		if (sa[i].nl_pid != 0) /* only the kernel talks to us */
			continue;
		out[got].h = iov[i].iov_base;
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			out[got].len = -(int)(len < slot ? len : slot);
		else
			out[got].len = (int)len;
		got++;
	}
	return (int)got;
}

ssize_t rp_nl__recv(struct rp_nl_sock *s, int flags, size_t *trunc_len)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (rx_reserve(s, (size_t)RP_NL_RX_SLOTS * RP_NL_RX_SLOT))
		return -ENOMEM;
	for (;;) {
		iov.iov_base = s->rx;
		iov.iov_len = s->rxcap;
		mh.msg_flags = 0;
		atomic_fetch_add_explicit(&recv_count, 1, memory_order_relaxed);
		s->nrecv++;
		/* MSG_TRUNC: the real length even when the datagram did not fit */
		n = recvmsg(s->fd, &mh, MSG_TRUNC | flags);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (sa.nl_pid != 0)
			continue;
		if ((size_t)n > s->rxcap) {
			*trunc_len = (size_t)n;
			return rx_reserve(s, (size_t)n) ? -ENOMEM : -EMSGSIZE;
		}
		return n;
	}
}

static int sock_open_here(struct rp_nl_sock *s, struct rp_err *e)
{
	int one = 1, sz = RP_NL_BUF;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return rp_err_set(e, -errno, "netlink socket: %s", strerror(errno));
	/* FORCE variants need CAP_NET_ADMIN; fall back to the capped ones silently. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Extended ACK carries the kernel's reason text; CAP_ACK keeps ACKs small in big batches. */
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &sl) < 0) {
		int err = -errno;
		close(s->fd);
		s->fd = -1;
		return rp_err_set(e, err, "netlink bind: %s", strerror(-err));
	}
	s->portid = sa.nl_pid;
	s->seq = (uint32_t)time(NULL);
	atomic_fetch_add_explicit(&sock_count, 1, memory_order_relaxed);
	return 0;
}

static void sock_close(struct rp_nl_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->ns_fd >= 0)
		close(s->ns_fd);
	free(s->rx);
	free(s);
}

int rp_nl_sock_host(struct rp_nl_sock **out, struct rp_err *e)
{
	struct rp_nl_sock *s;
	int err;

	pthread_mutex_lock(&cache_lock);
	if (host_sock) {
		*out = host_sock;
		pthread_mutex_unlock(&cache_lock);
		return 0;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = rp_err_set(e, -ENOMEM, "netlink socket: out of memory");
		goto out;
	}
	s->fd = -1;
	s->ns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->ns_fd < 0) {
		err = rp_err_set(e, -errno, "open /proc/thread-self/ns/net: %s", strerror(errno));
		goto err_free;
	}
	err = sock_open_here(s, e);
	if (err)
		goto err_free;
	host_sock = s;
	*out = s;
	goto out;
err_free:
	sock_close(s);
out:
	pthread_mutex_unlock(&cache_lock);
	return err;
}

/* setns() back to @orig; failing to return would leave the thread in a pod: never continue. */
static void ns_return(int orig)
{
	int r = setns(orig, CLONE_NEWNET);
	RP_ASSERT(r == 0);
}

int rp_nl_sock_netns(const char *path, struct rp_nl_sock **out, struct rp_err *e)
{
	struct rp_nl_sock *s, **pp;
	struct stat st;
	int orig = -1, err;

	if (!path || !*path || strlen(path) >= sizeof(s->path))
		return rp_err_set(e, -EINVAL, "netns path '%s' is empty or too long", path ? path : "");
	pthread_mutex_lock(&cache_lock);
	if (stat(path, &st) < 0) {
		err = rp_err_set(e, -errno, "netns %s: %s", path, strerror(errno));
		goto out;
	}
	for (pp = &cache_head; (s = *pp); pp = &s->next) {
		if (strcmp(s->path, path))
			continue;
		if (s->ns_dev == st.st_dev && s->ns_ino == st.st_ino) {
			*out = s;
			err = 0;
			goto out;
		}
		/* Same name, another namespace: the old one is gone. */
		*pp = s->next;
		sock_close(s);
		break;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = rp_err_set(e, -ENOMEM, "netlink socket: out of memory");
		goto out;
	}
	s->fd = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->ns_fd < 0) {
		err = rp_err_set(e, -errno, "open netns %s: %s", path, strerror(errno));
		goto err_free;
	}
	if (fstat(s->ns_fd, &st) < 0) {
		err = rp_err_set(e, -errno, "netns %s: %s", path, strerror(errno));
		goto err_free;
	}
	s->ns_dev = st.st_dev;
	s->ns_ino = st.st_ino;
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		err = rp_err_set(e, -errno, "open /proc/thread-self/ns/net: %s", strerror(errno));
		goto err_free;
	}
	if (setns(s->ns_fd, CLONE_NEWNET) < 0) {
		if (errno == EINVAL)
			err = rp_err_set(e, -EINVAL, "netns %s is not a network namespace (setns refused it)", path);
		else
			err = rp_err_set(e, -errno, "enter netns %s: %s", path, strerror(errno));
		goto err_orig;
	}
	err = sock_open_here(s, e);
	ns_return(orig);
	if (err) {
		rp_err_prefix(e, "netns %s: ", path);
		goto err_orig;
	}
	close(orig);
	s->next = cache_head;
	cache_head = s;
	*out = s;
	goto out;
err_orig:
	close(orig);
err_free:
	sock_close(s);
out:
	pthread_mutex_unlock(&cache_lock);
	return err;
}

uint64_t rp_nl_sock_sendmsg_count(const struct rp_nl_sock *s)
{
	return s->nsend;
}

int rp_nl_sock_ns_fd(const struct rp_nl_sock *s)
{
	return s->ns_fd;
}

const char *rp_nl_sock_path(const struct rp_nl_sock *s)
{
	return s->path;
}

void rp_nl_sock_forget(const char *path)
{
	struct rp_nl_sock *s, **pp;

	pthread_mutex_lock(&cache_lock);
	for (pp = &cache_head; (s = *pp);) {
		if (!strcmp(s->path, path)) {
			*pp = s->next;
			sock_close(s);
		} else {
			pp = &s->next;
		}
	}
	pthread_mutex_unlock(&cache_lock);
}

void rp_nl_sock_cache_flush(void)
{
	struct rp_nl_sock *s;

	pthread_mutex_lock(&cache_lock);
	while ((s = cache_head)) {
		cache_head = s->next;
		sock_close(s);
	}
	sock_close(host_sock);
	host_sock = NULL;
	pthread_mutex_unlock(&cache_lock);
}

int rp_nl_netns_run(const char *path, int (*fn)(void *arg), void *arg, struct rp_err *e)
{
	int orig, target, ret;

	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return rp_err_set(e, -errno, "open netns %s: %s", path, strerror(errno));
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		ret = rp_err_set(e, -errno, "open /proc/thread-self/ns/net: %s", strerror(errno));
		goto out_target;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		ret = rp_err_set(e, -errno, "enter netns %s: %s", path, strerror(errno));
		goto out_orig;
	}
	ret = fn(arg);
	ns_return(orig);
out_orig:
	close(orig);
out_target:
	close(target);
	return ret;
}
