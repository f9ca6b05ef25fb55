/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink request builders (libnl nl_msg + nla_put; every put is bounds-checked by libnl). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "netlink/nl_internal.h"

int rp_nl_af(const struct rp_ip *ip)
{
	if (!ip)
		return 0;
	return ip->family == RP_FAM_V4 ? AF_INET : ip->family == RP_FAM_V6 ? AF_INET6 : 0;
}

static int alen(int af)
{
	return af == AF_INET ? 4 : 16;
}

const char *rp_nl_mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

const char *rp_nl_ip_str(const struct rp_ip *ip, char *buf, size_t len)
{
	int af = rp_nl_af(ip);

	if (!af || !inet_ntop(af, ip->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

struct nl_msg *rp_nl__msg_new(int type, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(RP_NL_MSG_SIZE);

	if (m && !nlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, type, 0, flags)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static struct nl_msg *link_msg(int type, int flags, int ifindex, unsigned flags_set, unsigned change)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = flags_set,
				 .ifi_change = change };
	struct nl_msg *m = rp_nl__msg_new(type, flags);

	if (m && nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

static bool name_ok(const char *n)
{
	return n && *n && strlen(n) < IFNAMSIZ;
}

struct nl_msg *rp_nl_msg_macvlan_add(const struct rp_nl_macvlan *mv)
{
	struct nl_msg *m;
	struct nlattr *li, *data;

	if (!name_ok(mv->name) || mv->master_ifindex <= 0)
		return NULL;
	m = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, mv->up ? IFF_UP : 0, mv->up ? IFF_UP : 0);
	if (!m)
		return NULL;
	if (nla_put_string(m, IFLA_IFNAME, mv->name) < 0 || nla_put_u32(m, IFLA_LINK, (uint32_t)mv->master_ifindex) < 0)
		goto err;
	if (mv->netns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)mv->netns_fd) < 0)
		goto err;
	if (mv->mtu && nla_put_u32(m, IFLA_MTU, mv->mtu) < 0)
		goto err;
	if (mv->mac && nla_put(m, IFLA_ADDRESS, 6, mv->mac) < 0)
		goto err;
	if (mv->group && nla_put_u32(m, IFLA_GROUP, mv->group) < 0)
		goto err;
	if (!(li = nla_nest_start(m, IFLA_LINKINFO)) || nla_put_string(m, IFLA_INFO_KIND, "macvlan") < 0 ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)) || nla_put_u32(m, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE) < 0)
		goto err;
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

struct nl_msg *rp_nl_msg_veth_add(const char *name, int netns_fd, const char *peer, int peer_netns_fd,
				  uint32_t mtu, bool up)
{
	struct ifinfomsg pifi = { .ifi_family = AF_UNSPEC, .ifi_flags = up ? IFF_UP : 0, .ifi_change = up ? IFF_UP : 0 };
	struct nlattr *li, *data, *pe;
	struct nl_msg *m;

	if (!name_ok(name) || !name_ok(peer))
		return NULL;
	m = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, up ? IFF_UP : 0, up ? IFF_UP : 0);
	if (!m)
		return NULL;
	if (nla_put_string(m, IFLA_IFNAME, name) < 0)
		goto err;
	if (netns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)netns_fd) < 0)
		goto err;
	if (mtu && nla_put_u32(m, IFLA_MTU, mtu) < 0)
		goto err;
	if (!(li = nla_nest_start(m, IFLA_LINKINFO)) || nla_put_string(m, IFLA_INFO_KIND, "veth") < 0 ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)) || !(pe = nla_nest_start(m, VETH_INFO_PEER)))
		goto err;
	/* The peer's attributes follow its own ifinfomsg inside VETH_INFO_PEER. */
	if (nlmsg_append(m, &pifi, sizeof(pifi), NLMSG_ALIGNTO) < 0 || nla_put_string(m, IFLA_IFNAME, peer) < 0)
		goto err;
	if (peer_netns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd) < 0)
		goto err;
	if (mtu && nla_put_u32(m, IFLA_MTU, mtu) < 0)
		goto err;
	nla_nest_end(m, pe);
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

struct nl_msg *rp_nl_msg_link_del(int ifindex, const char *name)
{
	struct nl_msg *m;

	if (ifindex <= 0 && !name_ok(name))
		return NULL;
	m = link_msg(RTM_DELLINK, 0, ifindex > 0 ? ifindex : 0, 0, 0);
	if (m && ifindex <= 0 && nla_put_string(m, IFLA_IFNAME, name) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

struct nl_msg *rp_nl_msg_link_del_group(uint32_t group)
{
	struct nl_msg *m;

	if (!group) /* group 0 is every ordinary link */
		return NULL;
	m = link_msg(RTM_DELLINK, 0, 0, 0, 0);
	if (m && nla_put_u32(m, IFLA_GROUP, group) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

struct nl_msg *rp_nl_msg_link_get(int ifindex, const char *name)
{
	struct nl_msg *m;

	if (ifindex <= 0 && !name_ok(name))
		return NULL;
	m = link_msg(RTM_GETLINK, 0, ifindex > 0 ? ifindex : 0, 0, 0);
	if (!m)
		return NULL;
	if ((ifindex <= 0 && nla_put_string(m, IFLA_IFNAME, name) < 0) ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

struct nl_msg *rp_nl_msg_netconf_get(int af, int ifindex)
{
	struct netconfmsg ncm = { .ncm_family = (uint8_t)af };
	struct nl_msg *m = rp_nl__msg_new(RTM_GETNETCONF, 0);

	if (m && (nlmsg_append(m, &ncm, sizeof(ncm), NLMSG_ALIGNTO) < 0 ||
		  nla_put_s32(m, NETCONFA_IFINDEX, ifindex) < 0)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

struct nl_msg *rp_nl_msg_link_set(const struct rp_nl_link_set *s)
{
	unsigned fl = s->up == 1 ? IFF_UP : 0, ch = s->up >= 0 ? IFF_UP : 0;
	struct nl_msg *m;

	if (s->ifindex <= 0 && !name_ok(s->name))
		return NULL;
	if (s->new_name && (!name_ok(s->new_name) || s->ifindex <= 0))
		return NULL; /* renaming needs the index: the name attribute then carries the new name */
	m = link_msg(RTM_NEWLINK, 0, s->ifindex > 0 ? s->ifindex : 0, fl, ch);
	if (!m)
		return NULL;
	if (s->ifindex <= 0 && nla_put_string(m, IFLA_IFNAME, s->name) < 0)
		goto err;
	if (s->new_name && nla_put_string(m, IFLA_IFNAME, s->new_name) < 0)
		goto err;
	if (s->netns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)s->netns_fd) < 0)
		goto err;
	if (s->group && nla_put_u32(m, IFLA_GROUP, s->group) < 0)
		goto err;
	if (s->mtu && nla_put_u32(m, IFLA_MTU, s->mtu) < 0)
		goto err;
	if (s->mac && nla_put(m, IFLA_ADDRESS, 6, s->mac) < 0)
		goto err;
	if (s->rp_filter >= 0) {
		struct nlattr *af, *in, *conf;
		if (!(af = nla_nest_start(m, IFLA_AF_SPEC)) || !(in = nla_nest_start(m, AF_INET)) ||
		    !(conf = nla_nest_start(m, IFLA_INET_CONF)) ||
		    nla_put_u32(m, IPV4_DEVCONF_RP_FILTER, (uint32_t)s->rp_filter) < 0)
			goto err;
		nla_nest_end(m, conf);
		nla_nest_end(m, in);
		nla_nest_end(m, af);
	}
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

struct nl_msg *rp_nl_msg_addr(bool add, int ifindex, const struct rp_ip *ip, uint8_t prefix)
{
	int af = rp_nl_af(ip);
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)af, .ifa_prefixlen = prefix, .ifa_index = (uint32_t)ifindex,
				 .ifa_scope = RT_SCOPE_UNIVERSE };
	struct nl_msg *m;

	if (!af || ifindex <= 0 || prefix > alen(af) * 8)
		return NULL;
	if (add && af == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD; /* a pod must use its address at once; conflicts are probed */
	m = rp_nl__msg_new(add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (!m)
		return NULL;
	if (nlmsg_append(m, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 || nla_put(m, IFA_LOCAL, alen(af), ip->b) < 0 ||
	    nla_put(m, IFA_ADDRESS, alen(af), ip->b) < 0)
		goto err;
	if (add && af == AF_INET6 && nla_put_u32(m, IFA_FLAGS, IFA_F_NODAD) < 0)
		goto err;
	if (add && af == AF_INET && prefix < 31) {
		uint8_t brd[4];
		uint32_t a, mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		memcpy(&a, ip->b, 4);
		a |= ~mask;
		memcpy(brd, &a, 4);
		if (nla_put(m, IFA_BROADCAST, 4, brd) < 0)
			goto err;
	}
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

struct nl_msg *rp_nl_msg_route(bool add, const struct rp_nl_route *r)
{
	int af = r->dst ? rp_nl_af(r->dst) : r->gw ? rp_nl_af(r->gw) : r->family;
	struct rtmsg rt = {
		.rtm_family = (uint8_t)af,
		.rtm_dst_len = r->dst ? r->dst_len : 0,
		.rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC,
		.rtm_protocol = add ? RTPROT_STATIC : 0,
		.rtm_scope = add ? (r->gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK) : RT_SCOPE_NOWHERE,
		.rtm_type = add ? RTN_UNICAST : 0,
	};
	struct nl_msg *m;

	if ((af != AF_INET && af != AF_INET6) || (r->dst && rt.rtm_dst_len > alen(af) * 8) ||
	    (r->gw && rp_nl_af(r->gw) != af) || (r->src && rp_nl_af(r->src) != af) || r->table == 0)
		return NULL;
	m = rp_nl__msg_new(add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (!m)
		return NULL;
	if (nlmsg_append(m, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0 || nla_put_u32(m, RTA_TABLE, r->table) < 0)
		goto err;
	if (r->dst && nla_put(m, RTA_DST, alen(af), r->dst->b) < 0)
		goto err;
	if (r->gw && nla_put(m, RTA_GATEWAY, alen(af), r->gw->b) < 0)
		goto err;
	if (r->src && nla_put(m, RTA_PREFSRC, alen(af), r->src->b) < 0)
		goto err;
	if (r->oif > 0 && nla_put_u32(m, RTA_OIF, (uint32_t)r->oif) < 0)
		goto err;
	return m;
err:
	nlmsg_free(m);
	return NULL;
}

struct nl_msg *rp_nl_msg_rule(bool add, int family, const struct rp_ip *src, uint8_t src_len, uint32_t table,
			      uint32_t prio)
{
	struct fib_rule_hdr frh = {
		.family = (uint8_t)family,
		.src_len = src ? src_len : 0,
		.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_msg *m;

	if ((family != AF_INET && family != AF_INET6) || (src && (rp_nl_af(src) != family || src_len > alen(family) * 8)) ||
	    !table)
		return NULL;
	m = rp_nl__msg_new(add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (!m)
		return NULL;
	if (nlmsg_append(m, &frh, sizeof(frh), NLMSG_ALIGNTO) < 0 || nla_put_u32(m, FRA_TABLE, table) < 0 ||
	    nla_put_u32(m, FRA_PRIORITY, prio) < 0)
		goto err;
	if (src && nla_put(m, FRA_SRC, alen(family), src->b) < 0)
		goto err;
	return m;
err:
	nlmsg_free(m);
	return NULL;
}
