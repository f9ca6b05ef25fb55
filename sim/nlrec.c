/* SPDX-License-Identifier: Apache-2.0 */
#include "sim/nlrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <rdma/rdma_netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#define REC_MAX_PF 64
#define REC_MAX_VF 256
#define REC_MAX_RDMA 512

struct rec_pf {
	int ifindex;
	uint32_t nvfs;
	struct rp_sim_vf_state vf[REC_MAX_VF];
};

struct rec_rdma {
	uint32_t index;
	char name[64];
	char ndev[16];
	uint32_t ndev_index;
	int netns;
};

struct rp_sim_nlrec {
	struct nlmsghdr **msgs;
	size_t n, cap;
	uint32_t seq;
	int fail_err;
	char fail_msg[256];
	struct rec_pf pf[REC_MAX_PF];
	size_t npf;
	int rdma_mode;
	struct rec_rdma rdma[REC_MAX_RDMA];
	size_t nrdma;
};

int rp_sim_nlrec_new(struct rp_sim_nlrec **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->rdma_mode = 1; /* the kernel's default: shared */
	(*out)->seq = 1000;
	return 0;
}

void rp_sim_nlrec_clear(struct rp_sim_nlrec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->msgs[i]);
	r->n = 0;
}

void rp_sim_nlrec_free(struct rp_sim_nlrec *r)
{
	if (!r)
		return;
	rp_sim_nlrec_clear(r);
	free(r->msgs);
	free(r);
}

size_t rp_sim_nlrec_count(const struct rp_sim_nlrec *r)
{
	return r->n;
}

const struct nlmsghdr *rp_sim_nlrec_msg(const struct rp_sim_nlrec *r, size_t i)
{
	return i < r->n ? r->msgs[i] : NULL;
}

void rp_sim_nlrec_fail_next(struct rp_sim_nlrec *r, int err, const char *msg)
{
	r->fail_err = err;
	snprintf(r->fail_msg, sizeof(r->fail_msg), "%s", msg ? msg : "");
}

static struct rec_pf *find_pf(const struct rp_sim_nlrec *r, int ifindex)
{
	size_t i;

	for (i = 0; i < r->npf; i++)
		if (r->pf[i].ifindex == ifindex)
			return (struct rec_pf *)&r->pf[i];
	return NULL;
}

int rp_sim_nlrec_add_pf(struct rp_sim_nlrec *r, int ifindex, uint32_t nvfs)
{
	struct rec_pf *p = find_pf(r, ifindex);
	uint32_t i;

	if (nvfs > REC_MAX_VF)
		return -E2BIG;
	if (!p) {
		if (r->npf == REC_MAX_PF)
			return -ENOSPC;
		p = &r->pf[r->npf++];
	}
	memset(p, 0, sizeof(*p));
	p->ifindex = ifindex;
	p->nvfs = nvfs;
	for (i = 0; i < nvfs; i++)
		p->vf[i].spoofchk = 1;
	return 0;
}

int rp_sim_nlrec_vf(const struct rp_sim_nlrec *r, int ifindex, uint32_t vf, struct rp_sim_vf_state *out)
{
	struct rec_pf *p = find_pf(r, ifindex);

	if (!p || vf >= p->nvfs)
		return -ENOENT;
	*out = p->vf[vf];
	return 0;
}

int rp_sim_nlrec_vf_set(struct rp_sim_nlrec *r, int ifindex, uint32_t vf, const struct rp_sim_vf_state *st)
{
	struct rec_pf *p = find_pf(r, ifindex);

	if (!p || vf >= p->nvfs)
		return -ENOENT;
	p->vf[vf] = *st;
	return 0;
}

void rp_sim_nlrec_set_rdma_mode(struct rp_sim_nlrec *r, int mode)
{
	r->rdma_mode = mode;
}

int rp_sim_nlrec_rdma_mode(const struct rp_sim_nlrec *r)
{
	return r->rdma_mode;
}

int rp_sim_nlrec_add_rdma_dev(struct rp_sim_nlrec *r, uint32_t index, const char *name,
			      const char *ndev, uint32_t ndev_index)
{
	struct rec_rdma *d;

	if (r->nrdma == REC_MAX_RDMA)
		return -ENOSPC;
	d = &r->rdma[r->nrdma++];
	memset(d, 0, sizeof(*d));
	d->index = index;
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->ndev, sizeof(d->ndev), "%s", ndev ? ndev : "");
	d->ndev_index = ndev_index;
	d->netns = -1;
	return 0;
}

int rp_sim_nlrec_rdma_dev_netns(const struct rp_sim_nlrec *r, uint32_t index)
{
	size_t i;

	for (i = 0; i < r->nrdma; i++)
		if (r->rdma[i].index == index)
			return r->rdma[i].netns;
	return -1;
}

/* ---- the fake kernel ---- */

static int reply(struct nl_msg *m, int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	int rc = cb ? cb(nlmsg_hdr(m), arg) : 0;

	nlmsg_free(m);
	(void)rc;
	return 0;
}

static int route_setlink(struct rp_sim_nlrec *r, struct nlmsghdr *h)
{
	struct nlattr *tb[IFLA_MAX + 1], *vtb[IFLA_VF_MAX + 1], *pos;
	const struct ifinfomsg *ifi = nlmsg_data(h);
	struct rec_pf *p;
	int rem;

	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return -EINVAL;
	if (!tb[IFLA_VFINFO_LIST])
		return 0;
	p = find_pf(r, ifi->ifi_index);
	if (!p)
		return -ENODEV;
	nla_for_each_nested(pos, tb[IFLA_VFINFO_LIST], rem) {
		if (nla_type(pos) != IFLA_VF_INFO || nla_parse_nested(vtb, IFLA_VF_MAX, pos, NULL) < 0)
			return -EINVAL;
		/* Like the kernel's do_setvfinfo: each attribute names its VF; out of range is EINVAL. */
		if (vtb[IFLA_VF_MAC]) {
			const struct ifla_vf_mac *a = nla_data(vtb[IFLA_VF_MAC]);

			if (a->vf >= p->nvfs)
				return -EINVAL;
			memcpy(p->vf[a->vf].mac, a->mac, 6);
		}
		if (vtb[IFLA_VF_VLAN]) {
			const struct ifla_vf_vlan *a = nla_data(vtb[IFLA_VF_VLAN]);

			if (a->vf >= p->nvfs || a->vlan > 4095 || a->qos > 7)
				return -EINVAL;
			p->vf[a->vf].vlan = (uint16_t)a->vlan;
			p->vf[a->vf].qos = (uint8_t)a->qos;
		}
		if (vtb[IFLA_VF_SPOOFCHK]) {
			const struct ifla_vf_spoofchk *a = nla_data(vtb[IFLA_VF_SPOOFCHK]);

			if (a->vf >= p->nvfs)
				return -EINVAL;
			p->vf[a->vf].spoofchk = !!a->setting;
		}
		if (vtb[IFLA_VF_TRUST]) {
			const struct ifla_vf_trust *a = nla_data(vtb[IFLA_VF_TRUST]);

			if (a->vf >= p->nvfs)
				return -EINVAL;
			p->vf[a->vf].trust = !!a->setting;
		}
		if (vtb[IFLA_VF_LINK_STATE]) {
			const struct ifla_vf_link_state *a = nla_data(vtb[IFLA_VF_LINK_STATE]);

			if (a->vf >= p->nvfs || a->link_state > 2)
				return -EINVAL;
			p->vf[a->vf].link_state = (uint8_t)a->link_state;
		}
	}
	return 0;
}

static int route_getlink(struct rp_sim_nlrec *r, struct nlmsghdr *h,
			 int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	const struct ifinfomsg *req = nlmsg_data(h);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = req->ifi_index };
	struct rec_pf *p = find_pf(r, req->ifi_index);
	struct nlattr *list, *info;
	struct nl_msg *m;
	uint32_t i;

	if (!p)
		return -ENODEV;
	/* A PF with 127 VFs reports ~12 KiB: more than nlmsg_alloc_simple()'s default page. */
	m = nlmsg_alloc_size(65536);
	if (!m || !nlmsg_put(m, 0, h->nlmsg_seq, RTM_NEWLINK, 0, 0) ||
	    nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto nomem;
	if (nla_put_u32(m, IFLA_NUM_VF, p->nvfs))
		goto nomem;
	list = nla_nest_start(m, IFLA_VFINFO_LIST);
	if (!list)
		goto nomem;
	for (i = 0; i < p->nvfs; i++) {
		struct ifla_vf_mac mac = { .vf = i };
		struct ifla_vf_vlan vlan = { .vf = i, .vlan = p->vf[i].vlan, .qos = p->vf[i].qos };
		struct ifla_vf_spoofchk sp = { .vf = i, .setting = p->vf[i].spoofchk };
		struct ifla_vf_trust tr = { .vf = i, .setting = p->vf[i].trust };
		struct ifla_vf_link_state ls = { .vf = i, .link_state = p->vf[i].link_state };

		memcpy(mac.mac, p->vf[i].mac, 6);
		info = nla_nest_start(m, IFLA_VF_INFO);
		if (!info || nla_put(m, IFLA_VF_MAC, sizeof(mac), &mac) ||
		    nla_put(m, IFLA_VF_VLAN, sizeof(vlan), &vlan) ||
		    nla_put(m, IFLA_VF_SPOOFCHK, sizeof(sp), &sp) ||
		    nla_put(m, IFLA_VF_LINK_STATE, sizeof(ls), &ls) ||
		    nla_put(m, IFLA_VF_TRUST, sizeof(tr), &tr))
			goto nomem;
		nla_nest_end(m, info);
	}
	nla_nest_end(m, list);
	return reply(m, cb, arg);
nomem:
	nlmsg_free(m);
	return -ENOMEM;
}

static int rdma_msg(struct rp_sim_nlrec *r, struct nlmsghdr *h,
		    int (*cb)(const struct nlmsghdr *, void *), void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	int op = RDMA_NL_GET_OP(h->nlmsg_type);
	struct nl_msg *m;
	size_t i;

	if (RDMA_NL_GET_CLIENT(h->nlmsg_type) != RDMA_NL_NLDEV ||
	    nlmsg_parse(h, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, NULL) < 0)
		return -EINVAL;
	switch (op) {
	case RDMA_NLDEV_CMD_SYS_GET:
		m = nlmsg_alloc_simple(h->nlmsg_type, 0);
		if (!m || nla_put_u8(m, RDMA_NLDEV_SYS_ATTR_NETNS_MODE, (uint8_t)r->rdma_mode)) {
			nlmsg_free(m);
			return -ENOMEM;
		}
		return reply(m, cb, arg);
	case RDMA_NLDEV_CMD_SYS_SET:
		if (!tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE] || nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]) > 1)
			return -EINVAL;
		r->rdma_mode = nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]);
		return 0;
	case RDMA_NLDEV_CMD_GET:
	case RDMA_NLDEV_CMD_PORT_GET:
		for (i = 0; i < r->nrdma; i++) {
			struct rec_rdma *d = &r->rdma[i];

			if (op == RDMA_NLDEV_CMD_PORT_GET &&
			    (!tb[RDMA_NLDEV_ATTR_DEV_INDEX] ||
			     nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]) != d->index))
				continue;
			m = nlmsg_alloc_simple(h->nlmsg_type, NLM_F_MULTI);
			if (!m || nla_put_u32(m, RDMA_NLDEV_ATTR_DEV_INDEX, d->index) ||
			    nla_put_string(m, RDMA_NLDEV_ATTR_DEV_NAME, d->name) ||
			    (op == RDMA_NLDEV_CMD_PORT_GET &&
			     (nla_put_u32(m, RDMA_NLDEV_ATTR_PORT_INDEX, 1) ||
			      (d->ndev[0] && (nla_put_u32(m, RDMA_NLDEV_ATTR_NDEV_INDEX, d->ndev_index) ||
					      nla_put_string(m, RDMA_NLDEV_ATTR_NDEV_NAME, d->ndev)))))) {
				nlmsg_free(m);
				return -ENOMEM;
			}
			reply(m, cb, arg);
		}
		return 0;
	case RDMA_NLDEV_CMD_SET:
		if (!tb[RDMA_NLDEV_ATTR_DEV_INDEX])
			return -EINVAL;
		for (i = 0; i < r->nrdma; i++) {
			if (r->rdma[i].index != nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]))
				continue;
			if (tb[RDMA_NLDEV_NET_NS_FD]) {
				/* The kernel only moves devices in exclusive mode. */
				if (r->rdma_mode != 0)
					return -EOPNOTSUPP;
				r->rdma[i].netns = (int)nla_get_u32(tb[RDMA_NLDEV_NET_NS_FD]);
			}
			return 0;
		}
		return -ENODEV;
	default:
		return -EOPNOTSUPP;
	}
}

int rp_sim_nlrec_xfer(void *ctx, struct nl_msg *req, int (*cb)(const struct nlmsghdr *, void *),
		      void *arg, struct rp_err *e)
{
	struct rp_sim_nlrec *r = ctx;
	struct nlmsghdr *h = nlmsg_hdr(req), *copy;
	int rc;

	h->nlmsg_seq = ++r->seq;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct nlmsghdr **nv = realloc(r->msgs, cap * sizeof(*nv));

		if (!nv)
			return rp_err_set(e, -ENOMEM, "out of memory");
		r->msgs = nv;
		r->cap = cap;
	}
	copy = malloc(h->nlmsg_len);
	if (!copy)
		return rp_err_set(e, -ENOMEM, "out of memory");
	memcpy(copy, h, h->nlmsg_len);
	r->msgs[r->n++] = copy;
	if (r->fail_err) {
		rc = r->fail_err;
		r->fail_err = 0;
		return rp_err_set(e, rc, "kernel: %s%s%s", strerror(-rc), r->fail_msg[0] ? ": " : "",
				  r->fail_msg);
	}
	if (h->nlmsg_type >= RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, 0))
		rc = rdma_msg(r, h, cb, arg);
	else if (h->nlmsg_type == RTM_SETLINK)
		rc = route_setlink(r, h);
	else if (h->nlmsg_type == RTM_GETLINK)
		rc = route_getlink(r, h, cb, arg);
	else
		rc = 0;
	if (rc)
		return rp_err_set(e, rc, "kernel: %s", strerror(-rc));
	return 0;
}
