/* SPDX-License-Identifier: Apache-2.0 */
#include "sim/nlsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <netlink/msg.h>

/* The wire format and paths of vf/relay.h (sim/ must not include vf/; keep them in step). */
#define RELAY_DIR "railpool-sim"
#define RELAY_MAGIC "railpool simulated node v1"
#define RELAY_MAX 65536
#define MAX_CLIENTS 16

struct client {
	int fd;
	pid_t pid;
};

struct rp_sim_nlsrv {
	struct rp_sim_nlrec *rec;
	rp_sim_nlsrv_hook hook;
	void *hook_arg;
	pthread_mutex_t lock;
	pthread_t thr;
	int lfd, stop_pipe[2];
	struct client cl[MAX_CLIENTS];
	unsigned ncl;
	char dir[PATH_MAX], marker[PATH_MAX + 16], sock[PATH_MAX + 16];
	uint8_t buf[RELAY_MAX];
};

struct reply_ctx {
	int fd;
	int err;
};

static int fwd(const struct nlmsghdr *h, void *arg)
{
	struct reply_ctx *c = arg;

	if (!c->err && send(c->fd, h, h->nlmsg_len, MSG_NOSIGNAL) != (ssize_t)h->nlmsg_len)
		c->err = -errno;
	return 0;
}

/* One request from @c: record and answer it.  0, or -1 when the client is gone. */
static int serve_one(struct rp_sim_nlsrv *s, struct client *c)
{
	struct reply_ctx rc = { .fd = c->fd };
	struct rp_err e = { 0 };
	struct nl_msg *m;
	ssize_t n = recv(c->fd, s->buf, sizeof(s->buf), 0);
	const struct nlmsghdr *h = (const void *)s->buf;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr err;
		char text[sizeof(e.msg)];
	} fin;
	int ret;

	if (n <= 0 || (size_t)n < sizeof(*h) || h->nlmsg_len > (size_t)n || h->nlmsg_len < sizeof(*h))
		return -1;
	m = nlmsg_convert((struct nlmsghdr *)h);
	if (!m)
		return -1;
	pthread_mutex_lock(&s->lock);
	if (s->hook)
		s->hook(nlmsg_hdr(m), c->pid, s->hook_arg);
	ret = rp_sim_nlrec_xfer(s->rec, m, fwd, &rc, &e);
	pthread_mutex_unlock(&s->lock);
	nlmsg_free(m);
	memset(&fin, 0, sizeof(fin));
	fin.h.nlmsg_type = NLMSG_ERROR;
	fin.err.error = ret ? ret : rc.err;
	snprintf(fin.text, sizeof(fin.text), "%s", ret ? e.msg : "");
	fin.h.nlmsg_len = (uint32_t)(offsetof(__typeof__(fin), text) + strlen(fin.text) + 1);
	return send(c->fd, &fin, fin.h.nlmsg_len, MSG_NOSIGNAL) == (ssize_t)fin.h.nlmsg_len ? 0 : -1;
}

static void *run(void *arg)
{
	struct rp_sim_nlsrv *s = arg;

	for (;;) {
		struct pollfd pf[MAX_CLIENTS + 2];
		unsigned i, n = 0;

		pf[n++] = (struct pollfd){ .fd = s->stop_pipe[0], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (i = 0; i < s->ncl; i++)
			pf[n++] = (struct pollfd){ .fd = s->cl[i].fd, .events = POLLIN };
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		for (i = s->ncl; i-- > 0;) {
			if (!pf[2 + i].revents)
				continue;
			if (serve_one(s, &s->cl[i])) {
				close(s->cl[i].fd);
				s->cl[i] = s->cl[--s->ncl];
			}
		}
		if (pf[1].revents & POLLIN) {
			int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
			struct ucred cr;
			socklen_t len = sizeof(cr);

			if (fd < 0)
				continue;
			if (s->ncl == MAX_CLIENTS || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
				close(fd);
				continue;
			}
			s->cl[s->ncl++] = (struct client){ .fd = fd, .pid = cr.pid };
		}
	}
	return NULL;
}

int rp_sim_nlsrv_start(struct rp_sim_nlrec *rec, const char *root, rp_sim_nlsrv_hook hook, void *hook_arg,
		       struct rp_sim_nlsrv **out, struct rp_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rp_sim_nlsrv *s = calloc(1, sizeof(*s));
	int fd, rc;

	*out = NULL;
	if (!s)
		return rp_err_set(e, -ENOMEM, "out of memory");
	s->rec = rec;
	s->hook = hook;
	s->hook_arg = hook_arg;
	s->lfd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", root, RELAY_DIR);
	snprintf(s->marker, sizeof(s->marker), "%s/marker", s->dir);
	snprintf(s->sock, sizeof(s->sock), "%s/nl.sock", s->dir);
	if (strlen(s->sock) >= sizeof(sa.sun_path)) {
		rc = rp_err_set(e, -ENAMETOOLONG, "sim: relay socket path %s is too long", s->sock);
		goto err;
	}
	if (mkdir(s->dir, 0755) && errno != EEXIST) {
		rc = rp_err_set(e, -errno, "sim: mkdir %s: %s", s->dir, strerror(errno));
		goto err;
	}
	strcpy(sa.sun_path, s->sock);
	unlink(s->sock);
	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(s->sock, 0600) ||
	    listen(s->lfd, 16) || pipe2(s->stop_pipe, O_CLOEXEC)) {
		rc = rp_err_set(e, -errno, "sim: relay socket %s: %s", s->sock, strerror(errno));
		goto err;
	}
	fd = open(s->marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, RELAY_MAGIC "\n", sizeof(RELAY_MAGIC)) != (ssize_t)sizeof(RELAY_MAGIC)) {
		rc = rp_err_set(e, fd < 0 ? -errno : -EIO, "sim: writing %s: %s", s->marker, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto err;
	}
	close(fd);
	rc = -pthread_create(&s->thr, NULL, run, s);
	if (rc) {
		rp_err_set(e, rc, "sim: relay thread: %s", strerror(-rc));
		goto err;
	}
	*out = s;
	return 0;
err:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop_pipe[0] >= 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
	}
	unlink(s->marker);
	unlink(s->sock);
	rmdir(s->dir);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return rc;
}

void rp_sim_nlsrv_stop(struct rp_sim_nlsrv *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) == 1)
		pthread_join(s->thr, NULL);
	for (unsigned i = 0; i < s->ncl; i++)
		close(s->cl[i].fd);
	close(s->lfd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	unlink(s->marker);
	unlink(s->sock);
	rmdir(s->dir);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void rp_sim_nlsrv_lock(struct rp_sim_nlsrv *s)
{
	pthread_mutex_lock(&s->lock);
}

void rp_sim_nlsrv_unlock(struct rp_sim_nlsrv *s)
{
	pthread_mutex_unlock(&s->lock);
}
