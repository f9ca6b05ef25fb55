/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing rtnetlink objects against an nla_policy, dumps, and batched link lookups. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "netlink/nl_internal.h"

static int put_ip(struct rp_ip *ip, int af, const struct nlattr *a)
{
	int want = af == AF_INET ? 4 : 16;

	if (nla_len(a) != want)
		return -EBADMSG;
	memset(ip, 0, sizeof(*ip));
	ip->family = af == AF_INET ? RP_FAM_V4 : RP_FAM_V6;
	memcpy(ip->b, nla_data(a), (size_t)want);
	return 0;
}

int rp_nl_link_parse(const struct nlmsghdr *h, struct rp_nl_link_info *out)
{
	static struct nla_policy pol[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = 16 },
		[IFLA_MTU] = { .type = NLA_U32 },
		[IFLA_GROUP] = { .type = NLA_U32 },
		[IFLA_LINK] = { .type = NLA_U32 },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
	};
	static struct nla_policy ipol[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING, .maxlen = 16 },
	};
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK || nlmsg_datalen(h) < (int)sizeof(*ifi))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifi), tb, IFLA_MAX, pol) < 0)
		return -EBADMSG;
	ifi = nlmsg_data(h);
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(out->name, tb[IFLA_IFNAME], sizeof(out->name));
	if (tb[IFLA_MTU])
		out->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_GROUP])
		out->group = nla_get_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_LINK])
		out->link = (int)nla_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(out->mac, nla_data(tb[IFLA_ADDRESS]), 6);
		out->has_mac = 1;
	}
	if (tb[IFLA_LINKINFO] && nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], ipol) == 0 && li[IFLA_INFO_KIND])
		nla_strlcpy(out->kind, li[IFLA_INFO_KIND], sizeof(out->kind));
	return 0;
}

int rp_nl_netconf_parse(const struct nlmsghdr *h, struct rp_nl_netconf *out)
{
	static struct nla_policy pol[NETCONFA_MAX + 1] = {
		[NETCONFA_IFINDEX] = { .type = NLA_U32 },
		[NETCONFA_RP_FILTER] = { .type = NLA_U32 },
	};
	struct nlattr *tb[NETCONFA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWNETCONF || nlmsg_datalen(h) < (int)sizeof(struct netconfmsg))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(struct netconfmsg), tb, NETCONFA_MAX, pol) < 0)
		return -EBADMSG;
	out->ifindex = tb[NETCONFA_IFINDEX] ? (int)nla_get_u32(tb[NETCONFA_IFINDEX]) : 0;
	out->rp_filter = tb[NETCONFA_RP_FILTER] ? (int)nla_get_u32(tb[NETCONFA_RP_FILTER]) : -1;
	return 0;
}

int rp_nl_addr_parse(const struct nlmsghdr *h, struct rp_nl_addr_info *out)
{
	static struct nla_policy pol[IFA_MAX + 1] = {
		[IFA_FLAGS] = { .type = NLA_U32 },
	};
	struct nlattr *tb[IFA_MAX + 1], *a;
	const struct ifaddrmsg *ifa;

	if (h->nlmsg_type != RTM_NEWADDR || nlmsg_datalen(h) < (int)sizeof(*ifa))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifa), tb, IFA_MAX, pol) < 0)
		return -EBADMSG;
	ifa = nlmsg_data(h);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(out, 0, sizeof(*out));
	out->ifindex = (int)ifa->ifa_index;
	out->prefix = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return -EBADMSG;
	return put_ip(&out->ip, ifa->ifa_family, a);
}

int rp_nl_route_parse(const struct nlmsghdr *h, struct rp_nl_route_info *out)
{
	static struct nla_policy pol[RTA_MAX + 1] = {
		[RTA_TABLE] = { .type = NLA_U32 },
		[RTA_OIF] = { .type = NLA_U32 },
	};
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rt;
	int af;

	if (h->nlmsg_type != RTM_NEWROUTE || nlmsg_datalen(h) < (int)sizeof(*rt))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(*rt), tb, RTA_MAX, pol) < 0)
		return -EBADMSG;
	rt = nlmsg_data(h);
	af = rt->rtm_family;
	if (af != AF_INET && af != AF_INET6)
		return -EAFNOSUPPORT;
	memset(out, 0, sizeof(*out));
	out->family = af;
	out->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
	out->dst_len = rt->rtm_dst_len;
	out->scope = rt->rtm_scope;
	out->type = rt->rtm_type;
	out->protocol = rt->rtm_protocol;
	if (tb[RTA_OIF])
		out->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_DST] && put_ip(&out->dst, af, tb[RTA_DST]))
		return -EBADMSG;
	if (tb[RTA_GATEWAY] && put_ip(&out->gw, af, tb[RTA_GATEWAY]))
		return -EBADMSG;
	if (tb[RTA_PREFSRC] && put_ip(&out->src, af, tb[RTA_PREFSRC]))
		return -EBADMSG;
	return 0;
}

int rp_nl_rule_parse(const struct nlmsghdr *h, struct rp_nl_rule_info *out)
{
	static struct nla_policy pol[FRA_MAX + 1] = {
		[FRA_TABLE] = { .type = NLA_U32 },
		[FRA_PRIORITY] = { .type = NLA_U32 },
	};
	struct nlattr *tb[FRA_MAX + 1];
	const struct fib_rule_hdr *fr;

	if (h->nlmsg_type != RTM_NEWRULE || nlmsg_datalen(h) < (int)sizeof(*fr))
		return -EBADMSG;
	if (nlmsg_parse((struct nlmsghdr *)h, sizeof(*fr), tb, FRA_MAX, pol) < 0)
		return -EBADMSG;
	fr = nlmsg_data(h);
	if (fr->family != AF_INET && fr->family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(out, 0, sizeof(*out));
	out->family = fr->family;
	out->table = tb[FRA_TABLE] ? nla_get_u32(tb[FRA_TABLE]) : fr->table;
	out->prio = tb[FRA_PRIORITY] ? nla_get_u32(tb[FRA_PRIORITY]) : 0;
	out->src_len = fr->src_len;
	out->action = fr->action;
	if (tb[FRA_SRC] && put_ip(&out->src, fr->family, tb[FRA_SRC]))
		return -EBADMSG;
	return 0;
}

struct dump_ctx {
	void *fn;
	void *arg;
	int kind; /* 0 link, 1 addr, 2 route, 3 rule */
	void (*reset)(void *arg);
};

static void dump_reset(void *arg)
{
	struct dump_ctx *c = arg;

	if (c->reset)
		c->reset(c->arg);
}

static int dump_cb(const struct nlmsghdr *h, void *arg)
{
	struct dump_ctx *c = arg;
	int r;

	switch (c->kind) {
	case 0: {
		struct rp_nl_link_info li;
		if ((r = rp_nl_link_parse(h, &li)))
			return r == -EAFNOSUPPORT ? 0 : r;
		return ((int (*)(const struct rp_nl_link_info *, void *))c->fn)(&li, c->arg);
	}
	case 1: {
		struct rp_nl_addr_info ai;
		if ((r = rp_nl_addr_parse(h, &ai)))
			return r == -EAFNOSUPPORT ? 0 : r;
		return ((int (*)(const struct rp_nl_addr_info *, void *))c->fn)(&ai, c->arg);
	}
	case 2: {
		struct rp_nl_route_info ri;
		if ((r = rp_nl_route_parse(h, &ri)))
			return r == -EAFNOSUPPORT ? 0 : r;
		return ((int (*)(const struct rp_nl_route_info *, void *))c->fn)(&ri, c->arg);
	}
	default: {
		struct rp_nl_rule_info ru;
		if ((r = rp_nl_rule_parse(h, &ru)))
			return r == -EAFNOSUPPORT ? 0 : r;
		return ((int (*)(const struct rp_nl_rule_info *, void *))c->fn)(&ru, c->arg);
	}
	}
}

static int dump_simple(struct rp_nl_sock *s, int type, const void *hdr, size_t hlen, struct dump_ctx *c,
		       const char *what, struct rp_err *e)
{
	struct nl_msg *m = rp_nl__msg_new(type, 0);

	if (!m || nlmsg_append(m, (void *)hdr, hlen, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return rp_err_set(e, -ENOMEM, "dump %s: out of memory", what);
	}
	if (type == RTM_GETLINK && nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(m);
		return rp_err_set(e, -ENOMEM, "dump %s: out of memory", what);
	}
	return rp_nl_dump(s, m, dump_cb, c, dump_reset, what, e);
}

int rp_nl_dump_links(struct rp_nl_sock *s, int (*fn)(const struct rp_nl_link_info *, void *), void (*reset)(void *),
		     void *arg, struct rp_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct dump_ctx c = { (void *)fn, arg, 0, reset };

	return dump_simple(s, RTM_GETLINK, &ifi, sizeof(ifi), &c, "links", e);
}

int rp_nl_dump_addrs(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_addr_info *, void *),
		     void (*reset)(void *), void *arg, struct rp_err *e)
{
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)family };
	struct dump_ctx c = { (void *)fn, arg, 1, reset };

	return dump_simple(s, RTM_GETADDR, &ifa, sizeof(ifa), &c, "addresses", e);
}

int rp_nl_dump_routes(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_route_info *, void *),
		      void (*reset)(void *), void *arg, struct rp_err *e)
{
	struct rtmsg rt = { .rtm_family = (uint8_t)family };
	struct dump_ctx c = { (void *)fn, arg, 2, reset };

	return dump_simple(s, RTM_GETROUTE, &rt, sizeof(rt), &c, "routes", e);
}

int rp_nl_dump_rules(struct rp_nl_sock *s, int family, int (*fn)(const struct rp_nl_rule_info *, void *),
		     void (*reset)(void *), void *arg, struct rp_err *e)
{
	struct fib_rule_hdr fr = { .family = (uint8_t)family };
	struct dump_ctx c = { (void *)fn, arg, 3, reset };

	return dump_simple(s, RTM_GETRULE, &fr, sizeof(fr), &c, "rules", e);
}

static int link_get_cb(const struct nlmsghdr *h, void *arg)
{
	return rp_nl_link_parse(h, arg);
}

int rp_nl_links_brief(struct rp_nl_sock *s, const char *const *names, size_t n, struct rp_nl_link_info *out,
		      struct rp_err *e)
{
	for (size_t i = 0; i < n; i++) {
		struct ifreq r;
		size_t len = names[i] ? strnlen(names[i], IFNAMSIZ) : 0;

		memset(&out[i], 0, sizeof(out[i]));
		if (!len || len >= IFNAMSIZ)
			return rp_err_set(e, -EINVAL, "get link '%s': bad interface name", names[i] ? names[i] : "");
		memset(&r, 0, sizeof(r));
		memcpy(r.ifr_name, names[i], len);
		if (ioctl(s->fd, SIOCGIFINDEX, &r) < 0)
			goto fail;
		out[i].ifindex = r.ifr_ifindex;
		memcpy(out[i].name, names[i], len);
		if (ioctl(s->fd, SIOCGIFMTU, &r) < 0)
			goto fail;
		out[i].mtu = (uint32_t)r.ifr_mtu;
		continue;
fail:
		return rp_err_set(e, -errno, "get link %s: %s", names[i], strerror(errno));
	}
	return 0;
}

int rp_nl_links_get(struct rp_nl_sock *s, const char *const *names, size_t n, struct rp_nl_link_info *out,
		    struct rp_err *e)
{
	struct rp_nl_txn *t;
	int err;

	if (!n)
		return 0;
	if (rp_nl_txn_new(s, &t))
		return rp_err_set(e, -ENOMEM, "get links: out of memory");
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		struct nl_msg *m = rp_nl_msg_link_get(0, names[i]);
		if (!m) {
			err = rp_err_set(e, -EINVAL, "get link '%s': bad interface name", names[i] ? names[i] : "");
			goto out;
		}
		err = rp_nl_txn_add(t, m, NULL, NULL, link_get_cb, &out[i], "get link %s", names[i]);
		if (err) {
			rp_err_set(e, err, "get links: out of memory");
			goto out;
		}
	}
	err = rp_nl_txn_commit(t, e);
out:
	rp_nl_txn_free(t);
	return err;
}
