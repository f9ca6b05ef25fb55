/* SPDX-License-Identifier: Apache-2.0 */
#include "rdma/nldev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rdma/rdma_netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

const char *rp_rdma_mode_name(int mode)
{
	return mode == RP_RDMA_SHARED ? "shared" : mode == RP_RDMA_EXCLUSIVE ? "exclusive" : "unknown";
}

static int msg_new(int cmd, int flags, struct nl_msg **out)
{
	*out = nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd), NLM_F_REQUEST | flags);
	return *out ? 0 : -ENOMEM;
}

int rp_rdma_msg_sys_get(struct nl_msg **out)
{
	return msg_new(RDMA_NLDEV_CMD_SYS_GET, 0, out);
}

int rp_rdma_msg_sys_set(int mode, struct nl_msg **out)
{
	if (mode != RP_RDMA_SHARED && mode != RP_RDMA_EXCLUSIVE)
		return -EINVAL;
	if (msg_new(RDMA_NLDEV_CMD_SYS_SET, 0, out))
		return -ENOMEM;
	if (nla_put_u8(*out, RDMA_NLDEV_SYS_ATTR_NETNS_MODE, (uint8_t)mode)) {
		nlmsg_free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int rp_rdma_msg_dev_dump(struct nl_msg **out)
{
	return msg_new(RDMA_NLDEV_CMD_GET, NLM_F_DUMP, out);
}

int rp_rdma_msg_port_dump(uint32_t dev_index, struct nl_msg **out)
{
	if (msg_new(RDMA_NLDEV_CMD_PORT_GET, NLM_F_DUMP, out))
		return -ENOMEM;
	if (nla_put_u32(*out, RDMA_NLDEV_ATTR_DEV_INDEX, dev_index)) {
		nlmsg_free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int rp_rdma_msg_dev_move(uint32_t dev_index, int netns_fd, struct nl_msg **out)
{
	if (netns_fd < 0)
		return -EBADF;
	if (msg_new(RDMA_NLDEV_CMD_SET, 0, out))
		return -ENOMEM;
	if (nla_put_u32(*out, RDMA_NLDEV_ATTR_DEV_INDEX, dev_index) ||
	    nla_put_u32(*out, RDMA_NLDEV_NET_NS_FD, (uint32_t)netns_fd)) {
		nlmsg_free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static struct nla_policy nldev_pol[RDMA_NLDEV_ATTR_MAX] = {
	[RDMA_NLDEV_ATTR_DEV_INDEX] = { .type = NLA_U32 },
	[RDMA_NLDEV_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING },
	[RDMA_NLDEV_ATTR_PORT_INDEX] = { .type = NLA_U32 },
	[RDMA_NLDEV_ATTR_NDEV_INDEX] = { .type = NLA_U32 },
	[RDMA_NLDEV_ATTR_NDEV_NAME] = { .type = NLA_NUL_STRING },
	[RDMA_NLDEV_SYS_ATTR_NETNS_MODE] = { .type = NLA_U8 },
};

static int parse(const struct nlmsghdr *h, struct nlattr **tb)
{
	return nlmsg_parse((struct nlmsghdr *)h, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, nldev_pol) < 0
		       ? -EBADMSG
		       : 0;
}

static int mode_cb(const struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	int *mode = arg;

	if (!parse(h, tb) && tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE])
		*mode = nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]);
	return 0;
}

/* Kernels without RDMA netlink (no ib_core) refuse the socket or the family. */
static int xfer(struct rp_rdma_chan *ch, struct nl_msg *m, rp_rdma_reply_fn cb, void *arg,
		const char *what, struct rp_err *e)
{
	int rc = ch->xfer(ch->ctx, m, cb, arg, e);

	nlmsg_free(m);
	if (rc == -EPROTONOSUPPORT)
		return rp_err_set(e, rc, "%s: RDMA netlink (nldev) is not available on this kernel (%s); "
				  "load ib_core or run where RDMA devices exist", what, strerror(-rc));
	if (rc)
		return rp_err_prefix(e, "%s: ", what);
	return 0;
}

int rp_rdma_mode_get(struct rp_rdma_chan *ch, int *mode, struct rp_err *e)
{
	struct nl_msg *m;
	int rc;

	*mode = -1;
	if (rp_rdma_msg_sys_get(&m))
		return rp_err_set(e, -ENOMEM, "out of memory");
	rc = xfer(ch, m, mode_cb, mode, "reading the RDMA netns mode", e);
	if (rc)
		return rc;
	if (*mode != RP_RDMA_SHARED && *mode != RP_RDMA_EXCLUSIVE)
		return rp_err_set(e, -EBADMSG, "reading the RDMA netns mode: the kernel's reply has no "
				  "valid netns mode");
	return 0;
}

int rp_rdma_mode_set(struct rp_rdma_chan *ch, int mode, struct rp_err *e)
{
	struct nl_msg *m;
	int rc = rp_rdma_msg_sys_set(mode, &m);

	if (rc)
		return rp_err_set(e, rc, "bad RDMA netns mode %d (0 exclusive, 1 shared)", mode);
	return xfer(ch, m, NULL, NULL, "setting the RDMA netns mode", e);
}

int rp_rdma_mode_error(int have, int want, const char *who, struct rp_err *e)
{
	if (have == want)
		return 0;
	if (want == RP_RDMA_EXCLUSIVE)
		return rp_err_set(e, -EPERM,
				  "RDMA subsystem is in %s netns mode; %s needs exclusive: run `rdma system "
				  "set netns exclusive` (and reboot or reload the driver)",
				  rp_rdma_mode_name(have), who);
	return rp_err_set(e, -EPERM,
			  "RDMA subsystem is in %s netns mode; %s needs shared: run `rdma system set "
			  "netns shared` (and reboot or reload the driver)",
			  rp_rdma_mode_name(have), who);
}

int rp_rdma_mode_require(struct rp_rdma_chan *ch, int want, const char *who, struct rp_err *e)
{
	int have, rc = rp_rdma_mode_get(ch, &have, e);

	if (rc)
		return rc;
	return rp_rdma_mode_error(have, want, who, e);
}

struct list_arg {
	struct rp_rdma_dev *v;
	size_t n, cap;
	int rc;
};

static int dev_cb(const struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct list_arg *a = arg;
	struct rp_rdma_dev *d;

	if (parse(h, tb) || !tb[RDMA_NLDEV_ATTR_DEV_INDEX] || !tb[RDMA_NLDEV_ATTR_DEV_NAME])
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct rp_rdma_dev *nv = realloc(a->v, cap * sizeof(*nv));

		if (!nv) {
			a->rc = -ENOMEM;
			return 1;
		}
		a->v = nv;
		a->cap = cap;
	}
	d = &a->v[a->n++];
	memset(d, 0, sizeof(*d));
	d->index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
	nla_strlcpy(d->name, tb[RDMA_NLDEV_ATTR_DEV_NAME], sizeof(d->name));
	return 0;
}

static int port_cb(const struct nlmsghdr *h, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct rp_rdma_dev *d = arg;

	if (d->ndev[0] || parse(h, tb) || !tb[RDMA_NLDEV_ATTR_NDEV_NAME])
		return 0;
	if (tb[RDMA_NLDEV_ATTR_PORT_INDEX])
		d->port = nla_get_u32(tb[RDMA_NLDEV_ATTR_PORT_INDEX]);
	if (tb[RDMA_NLDEV_ATTR_NDEV_INDEX])
		d->ndev_index = nla_get_u32(tb[RDMA_NLDEV_ATTR_NDEV_INDEX]);
	nla_strlcpy(d->ndev, tb[RDMA_NLDEV_ATTR_NDEV_NAME], sizeof(d->ndev));
	return 0;
}

/* Every RDMA device of the channel's namespace into @a (names and indices; ports not yet). */
static int dump_devs(struct rp_rdma_chan *ch, struct list_arg *a, struct rp_err *e)
{
	struct nl_msg *m;
	int rc;

	if (rp_rdma_msg_dev_dump(&m))
		return rp_err_set(e, -ENOMEM, "out of memory");
	rc = xfer(ch, m, dev_cb, a, "listing RDMA devices", e);
	if (!rc && a->rc)
		rc = rp_err_set(e, a->rc, "out of memory listing RDMA devices");
	return rc;
}

int rp_rdma_dev_list(struct rp_rdma_chan *ch, struct rp_rdma_dev **out, size_t *n, struct rp_err *e)
{
	struct list_arg a = { 0 };
	struct nl_msg *m;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = dump_devs(ch, &a, e);
	for (i = 0; !rc && i < a.n; i++) {
		if (rp_rdma_msg_port_dump(a.v[i].index, &m)) {
			rc = rp_err_set(e, -ENOMEM, "out of memory");
			break;
		}
		rc = xfer(ch, m, port_cb, &a.v[i], "listing RDMA ports", e);
	}
	if (rc) {
		free(a.v);
		return rc;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int rp_rdma_dev_index(struct rp_rdma_chan *ch, const char *name, uint32_t *index, struct rp_err *e)
{
	struct list_arg a = { 0 };
	size_t i;
	int rc;

	rc = dump_devs(ch, &a, e);
	for (i = 0; !rc && i < a.n; i++) {
		if (!strcmp(a.v[i].name, name)) {
			*index = a.v[i].index;
			free(a.v);
			return 0;
		}
	}
	free(a.v);
	if (rc)
		return rc;
	return rp_err_set(e, -ENODEV, "RDMA device %s is not visible in this network namespace", name);
}

int rp_rdma_dev_move(struct rp_rdma_chan *ch, const char *name, int netns_fd, struct rp_err *e)
{
	struct nl_msg *m;
	uint32_t idx;
	int rc = rp_rdma_dev_index(ch, name, &idx, e);

	if (rc)
		return rc;
	rc = rp_rdma_msg_dev_move(idx, netns_fd, &m);
	if (rc)
		return rp_err_set(e, rc, "RDMA device %s: bad target netns fd %d", name, netns_fd);
	rc = xfer(ch, m, NULL, NULL, "moving an RDMA device", e);
	if (rc == -EOPNOTSUPP)
		/* ib_core refuses per-device netns moves while the system is in shared mode. */
		return rp_err_set(e, rc, "RDMA device %s: the kernel refused to move it to another "
				  "network namespace (%s): the RDMA subsystem is in shared netns mode; run "
				  "`rdma system set netns exclusive` (and reboot or reload the driver)",
				  name, strerror(-rc));
	if (rc)
		return rp_err_prefix(e, "RDMA device %s: ", name);
	return 0;
}
