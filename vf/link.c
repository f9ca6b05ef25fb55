/* SPDX-License-Identifier: Apache-2.0 */
#include "vf/link.h"

#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "netlink/nl.h"

struct open_arg {
	struct rp_vf_chan *ch;
	struct rp_err *e;
};

static int open_here(void *arg)
{
	struct open_arg *a = arg;

	return rp_vf_chan_open(a->ch, a->e);
}

int rp_vf_chan_open_in(struct rp_vf_chan *ch, int netns_fd, struct rp_err *e)
{
	struct open_arg a = { .ch = ch, .e = e };

	return rp_nl_netns_fd_run(netns_fd, open_here, &a, e);
}

struct get_arg {
	struct rp_vf_link *out;
	int found;
};

static int get_cb(const struct nlmsghdr *h, void *arg)
{
	struct get_arg *a = arg;
	struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return 0;
	memset(a->out, 0, sizeof(*a->out));
	a->out->ifindex = ifi->ifi_index;
	a->out->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(a->out->name, tb[IFLA_IFNAME], sizeof(a->out->name));
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(a->out->mac, nla_data(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_MTU] && nla_len(tb[IFLA_MTU]) >= 4)
		a->out->mtu = nla_get_u32(tb[IFLA_MTU]);
	a->found = 1;
	return 1;
}

int rp_vf_link_get(struct rp_vf_chan *ch, const char *ifname, struct rp_vf_link *out,
		   struct rp_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct get_arg a = { .out = out };
	struct nl_msg *m;
	int rc;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return rp_err_set(e, -EINVAL, "bad interface name '%s'", ifname ? ifname : "");
	m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, ifname) ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)) {
		nlmsg_free(m);
		return rp_err_set(e, -ENOMEM, "out of memory");
	}
	rc = ch->xfer(ch->ctx, m, get_cb, &a, e);
	nlmsg_free(m);
	if (rc == -ENODEV || (!rc && !a.found))
		return rp_err_set(e, -ENODEV, "no interface %s in this network namespace", ifname);
	if (rc)
		return rp_err_prefix(e, "looking up %s: ", ifname);
	return 0;
}

static int set_down(struct rp_vf_chan *ch, int ifindex, struct rp_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_change = IFF_UP, .ifi_flags = 0 };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST);
	int rc;

	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return rp_err_set(e, -ENOMEM, "out of memory");
	}
	rc = ch->xfer(ch->ctx, m, NULL, NULL, e);
	nlmsg_free(m);
	return rc;
}

int rp_vf_link_move(struct rp_vf_chan *ch, const char *ifname, int to_netns_fd,
		    const char *newname, uint32_t mtu, const uint8_t *mac, struct rp_err *e)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rp_vf_link l;
	struct nl_msg *m;
	int rc;

	if (newname && (!*newname || strlen(newname) >= IFNAMSIZ))
		return rp_err_set(e, -EINVAL, "bad new interface name '%s'", newname);
	rc = rp_vf_link_get(ch, ifname, &l, e);
	if (rc)
		return rc;
	if (l.flags & IFF_UP) {
		rc = set_down(ch, l.ifindex, e);
		if (rc)
			return rp_err_prefix(e, "setting %s down: ", ifname);
	}
	ifi.ifi_index = l.ifindex;
	m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST);
	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    (to_netns_fd >= 0 && nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)to_netns_fd)) ||
	    (newname && nla_put_string(m, IFLA_IFNAME, newname)) ||
	    (mtu && nla_put_u32(m, IFLA_MTU, mtu)) || (mac && nla_put(m, IFLA_ADDRESS, 6, mac))) {
		nlmsg_free(m);
		return rp_err_set(e, -ENOMEM, "out of memory");
	}
	rc = ch->xfer(ch->ctx, m, NULL, NULL, e);
	nlmsg_free(m);
	if (rc)
		return rp_err_prefix(e, "moving %s%s%s (mtu %u): ", ifname, newname ? " as " : "",
				     newname ? newname : "", mtu);
	return 0;
}
