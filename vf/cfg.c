/* SPDX-License-Identifier: Apache-2.0 */
#include "vf/cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "vf/vf_internal.h"

static int put_vf_info(struct nl_msg *m, const struct rp_vf_cfg *c)
{
	struct nlattr *list, *info;

	list = nla_nest_start(m, IFLA_VFINFO_LIST);
	if (!list)
		return -ENOMEM;
	info = nla_nest_start(m, IFLA_VF_INFO);
	if (!info)
		return -ENOMEM;
	if (c->mask & RP_VF_SET_MAC) {
		struct ifla_vf_mac a = { .vf = c->vf };

		memcpy(a.mac, c->mac, 6);
		if (nla_put(m, IFLA_VF_MAC, sizeof(a), &a))
			return -ENOMEM;
	}
	if (c->mask & RP_VF_SET_VLAN) {
		struct ifla_vf_vlan a = { .vf = c->vf, .vlan = c->vlan, .qos = c->qos };

		if (nla_put(m, IFLA_VF_VLAN, sizeof(a), &a))
			return -ENOMEM;
	}
	if (c->mask & RP_VF_SET_SPOOFCHK) {
		struct ifla_vf_spoofchk a = { .vf = c->vf, .setting = c->spoofchk };

		if (nla_put(m, IFLA_VF_SPOOFCHK, sizeof(a), &a))
			return -ENOMEM;
	}
	if (c->mask & RP_VF_SET_TRUST) {
		struct ifla_vf_trust a = { .vf = c->vf, .setting = c->trust };

		if (nla_put(m, IFLA_VF_TRUST, sizeof(a), &a))
			return -ENOMEM;
	}
	if (c->mask & RP_VF_SET_LINK_STATE) {
		struct ifla_vf_link_state a = { .vf = c->vf, .link_state = c->link_state };

		if (nla_put(m, IFLA_VF_LINK_STATE, sizeof(a), &a))
			return -ENOMEM;
	}
	nla_nest_end(m, info);
	nla_nest_end(m, list);
	return 0;
}

int rp_vf_cfg_msg(int pf_ifindex, const struct rp_vf_cfg *c, struct nl_msg **out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = pf_ifindex };
	struct nl_msg *m;
	int rc;

	*out = NULL;
	if (!(c->mask & RP_VF_SET_ALL) || pf_ifindex <= 0 || c->vlan > 4095 || c->qos > 7 ||
	    c->link_state > RP_VF_LINK_DISABLE)
		return -EINVAL;
	m = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		rc = -ENOMEM;
		goto err;
	}
	rc = put_vf_info(m, c);
	if (rc)
		goto err;
	*out = m;
	return 0;
err:
	nlmsg_free(m);
	return rc;
}

int rp_vf_cfg_apply(struct rp_vf_chan *ch, int pf_ifindex, const char *pf_name,
		    const struct rp_vf_cfg *c, struct rp_err *e)
{
	struct nl_msg *m;
	int rc = rp_vf_cfg_msg(pf_ifindex, c, &m);

	if (rc)
		return rp_err_set(e, rc, "PF %s: cannot build VF %u config (vlan %u, qos %u)", pf_name,
				  c->vf, c->vlan, c->qos);
	rc = ch->xfer(ch->ctx, m, NULL, NULL, e);
	nlmsg_free(m);
	if (rc)
		rp_err_prefix(e, "PF %s VF %u: setting MAC/VLAN/spoofchk/trust/link state: ", pf_name,
			      c->vf);
	return rc;
}

int rp_vf_state_msg(int pf_ifindex, struct nl_msg **out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = pf_ifindex };
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);

	*out = NULL;
	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_VF)) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

static struct nla_policy vf_info_pol[IFLA_VF_MAX + 1] = {
	[IFLA_VF_MAC] = { .minlen = sizeof(struct ifla_vf_mac) },
	[IFLA_VF_VLAN] = { .minlen = sizeof(struct ifla_vf_vlan) },
	[IFLA_VF_SPOOFCHK] = { .minlen = sizeof(struct ifla_vf_spoofchk) },
	[IFLA_VF_TRUST] = { .minlen = sizeof(struct ifla_vf_trust) },
	[IFLA_VF_LINK_STATE] = { .minlen = sizeof(struct ifla_vf_link_state) },
};

int rp_vf_state_parse(const struct nlmsghdr *h, uint32_t vf, struct rp_vf_cfg *out)
{
	struct nlattr *tb[IFLA_MAX + 1], *vtb[IFLA_VF_MAX + 1], *pos;
	int rem;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return -EBADMSG;
	if (!tb[IFLA_VFINFO_LIST])
		return -ENOENT;
	nla_for_each_nested(pos, tb[IFLA_VFINFO_LIST], rem) {
		const struct ifla_vf_mac *mac;

		if (nla_type(pos) != IFLA_VF_INFO ||
		    nla_parse_nested(vtb, IFLA_VF_MAX, pos, vf_info_pol) < 0 || !vtb[IFLA_VF_MAC])
			continue;
		mac = nla_data(vtb[IFLA_VF_MAC]);
		if (mac->vf != vf)
			continue;
		memset(out, 0, sizeof(*out));
		out->vf = vf;
		out->mask = RP_VF_SET_MAC;
		memcpy(out->mac, mac->mac, 6);
		if (vtb[IFLA_VF_VLAN]) {
			const struct ifla_vf_vlan *v = nla_data(vtb[IFLA_VF_VLAN]);

			out->vlan = (uint16_t)v->vlan;
			out->qos = (uint8_t)v->qos;
			out->mask |= RP_VF_SET_VLAN;
		}
		if (vtb[IFLA_VF_SPOOFCHK]) {
			const struct ifla_vf_spoofchk *s = nla_data(vtb[IFLA_VF_SPOOFCHK]);

			/* Drivers without spoof checking report (u32)-1: leave it unsaved. */
			if (s->setting <= 1) {
				out->spoofchk = (uint8_t)s->setting;
				out->mask |= RP_VF_SET_SPOOFCHK;
			}
		}
		if (vtb[IFLA_VF_TRUST]) {
			const struct ifla_vf_trust *t = nla_data(vtb[IFLA_VF_TRUST]);

			if (t->setting <= 1) {
				out->trust = (uint8_t)t->setting;
				out->mask |= RP_VF_SET_TRUST;
			}
		}
		if (vtb[IFLA_VF_LINK_STATE]) {
			const struct ifla_vf_link_state *l = nla_data(vtb[IFLA_VF_LINK_STATE]);

			if (l->link_state <= RP_VF_LINK_DISABLE) {
				out->link_state = (uint8_t)l->link_state;
				out->mask |= RP_VF_SET_LINK_STATE;
			}
		}
		return 0;
	}
	return -ENOENT;
}

struct state_arg {
	uint32_t vf;
	struct rp_vf_cfg *out;
	int rc;
};

static int state_cb(const struct nlmsghdr *h, void *arg)
{
	struct state_arg *a = arg;

	a->rc = rp_vf_state_parse(h, a->vf, a->out);
	return 0;
}

int rp_vf_state_get(struct rp_vf_chan *ch, int pf_ifindex, const char *pf_name, uint32_t vf,
		    struct rp_vf_cfg *out, struct rp_err *e)
{
	struct state_arg a = { .vf = vf, .out = out, .rc = -ENOENT };
	struct nl_msg *m;
	int rc = rp_vf_state_msg(pf_ifindex, &m);

	if (rc)
		return rp_err_set(e, rc, "PF %s: cannot build RTM_GETLINK", pf_name);
	rc = ch->xfer(ch->ctx, m, state_cb, &a, e);
	nlmsg_free(m);
	if (rc)
		return rp_err_prefix(e, "PF %s: reading VF state: ", pf_name);
	if (a.rc)
		return rp_err_set(e, a.rc, "PF %s: the kernel reported no state for VF %u (%s)",
				  pf_name, vf, a.rc == -ENOENT ? "no such VF" : "malformed reply");
	return 0;
}
