/* SPDX-License-Identifier: Apache-2.0 */
#include "vf/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <netlink/msg.h>

#include "vf/pci.h"
#include "vf/vf_internal.h"

struct relay {
	int fd;
	uint8_t buf[RP_VF_RELAY_MAX];
};

static int owned_by_me(const char *path, mode_t type)
{
	struct stat st;

	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type && st.st_uid == geteuid() &&
	       !(st.st_mode & S_IWOTH);
}

int rp_vf_relay_path(const char *root, char *buf, size_t len)
{
	const char *env = getenv(RP_VF_SYSFS_ENV);
	char marker[4096], magic[64];
	int n;

	if (!env || !*env)
		return 0;
	if (!root)
		root = env;
	n = snprintf(marker, sizeof(marker), "%s/%s/marker", root, RP_VF_RELAY_DIR);
	if (n < 0 || (size_t)n >= sizeof(marker) || !owned_by_me(marker, S_IFREG))
		return 0;
	if (rp_vf__read_str(marker, magic, sizeof(magic)) < 0 ||
	    strncmp(magic, RP_VF_RELAY_MAGIC, strlen(RP_VF_RELAY_MAGIC)))
		return 0;
	n = snprintf(buf, len, "%s/%s/nl.sock", root, RP_VF_RELAY_DIR);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return 0;
	return owned_by_me(buf, S_IFSOCK);
}

int rp_vf__relay_xfer(void *ctx, struct nl_msg *req, rp_nl_reply_fn cb, void *arg, struct rp_err *e)
{
	struct relay *r = ctx;
	const struct nlmsghdr *h = nlmsg_hdr(req);
	int stop = 0;

	if (send(r->fd, h, h->nlmsg_len, MSG_NOSIGNAL) != (ssize_t)h->nlmsg_len)
		return rp_err_set(e, -errno ? -errno : -EIO, "relay: send: %s", strerror(errno));
	for (;;) {
		ssize_t n = recv(r->fd, r->buf, sizeof(r->buf) - 1, 0);
		const struct nlmsghdr *rh = (const void *)r->buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return rp_err_set(e, n < 0 ? -errno : -ECONNRESET, "relay: the simulated kernel hung up");
		if ((size_t)n < sizeof(*rh) || rh->nlmsg_len > (size_t)n)
			return rp_err_set(e, -EBADMSG, "relay: short packet (%zd bytes)", n);
		if (rh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = NLMSG_DATA(rh);
			const char *text = (const char *)(err + 1);

			if (rh->nlmsg_len < NLMSG_LENGTH(sizeof(*err)))
				return rp_err_set(e, -EBADMSG, "relay: short error packet");
			r->buf[n] = '\0';
			if (!err->error)
				return 0;
			if ((const uint8_t *)text < r->buf + n && *text)
				return rp_err_set(e, err->error, "%s", text);
			return rp_err_set(e, err->error, "kernel: %s", strerror(-err->error));
		}
		if (cb && !stop)
			stop = cb(rh, arg);
	}
}

int rp_vf_chan_open_relay(struct rp_vf_chan *ch, const char *path, struct rp_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct relay *r;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return rp_err_set(e, -ENAMETOOLONG, "relay: socket path %s is too long", path);
	r = malloc(sizeof(*r));
	if (!r)
		return rp_err_set(e, -ENOMEM, "out of memory");
	strcpy(sa.sun_path, path);
	r->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	/* A stuck stand-in must fail the CNI call, not hang the runtime. */
	struct timeval tv = { .tv_sec = 20 };
	if (r->fd < 0 || setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(r->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = rp_err_set(e, -errno, "relay: connect %s: %s", path, strerror(errno));
		if (r->fd >= 0)
			close(r->fd);
		free(r);
		return rc;
	}
	ch->xfer = rp_vf__relay_xfer;
	ch->ctx = r;
	return 0;
}

void rp_vf__relay_close(struct rp_vf_chan *ch)
{
	struct relay *r = ch->ctx;

	if (r) {
		close(r->fd);
		free(r);
	}
	ch->ctx = NULL;
	ch->xfer = NULL;
}
