/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PF VF-config messages: the exact bytes of RTM_SETLINK/IFLA_VFINFO_LIST and of the
 * RTM_GETLINK state query, decoded attribute by attribute; the recorder's fake PF applies and
 * reports them; kernel errors carry their extack text; the real channel talks to the kernel.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "sim/nlrec.h"
#include "vf/cfg.h"
#include "vf/link.h"

static const uint8_t MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* Strict policy: exact payload sizes of every IFLA_VF_* the builder may emit. */
static struct nla_policy vf_pol[IFLA_VF_MAX + 1] = {
	[IFLA_VF_MAC] = { .minlen = sizeof(struct ifla_vf_mac), .maxlen = sizeof(struct ifla_vf_mac) },
	[IFLA_VF_VLAN] = { .minlen = sizeof(struct ifla_vf_vlan), .maxlen = sizeof(struct ifla_vf_vlan) },
	[IFLA_VF_SPOOFCHK] = { .minlen = sizeof(struct ifla_vf_spoofchk),
			       .maxlen = sizeof(struct ifla_vf_spoofchk) },
	[IFLA_VF_TRUST] = { .minlen = sizeof(struct ifla_vf_trust), .maxlen = sizeof(struct ifla_vf_trust) },
	[IFLA_VF_LINK_STATE] = { .minlen = sizeof(struct ifla_vf_link_state),
				 .maxlen = sizeof(struct ifla_vf_link_state) },
};

/* Decode @h as a SETLINK for VF @vf; returns the IFLA_VF_* present as a RP_VF_SET_* mask. */
static uint32_t decode_setlink(const struct nlmsghdr *h, int ifindex, uint32_t vf, struct rp_vf_cfg *got)
{
	struct nlattr *tb[IFLA_MAX + 1], *vtb[IFLA_VF_MAX + 1], *pos;
	const struct ifinfomsg *ifi = nlmsg_data(h);
	uint32_t mask = 0, expect_len;
	int rem, ninfo = 0, ntop = 0, i;

	assert_int_equal(h->nlmsg_type, RTM_SETLINK);
	assert_true(h->nlmsg_flags & NLM_F_REQUEST);
	assert_true(h->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, ifindex);
	assert_int_equal(ifi->ifi_change, 0);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(nlmsg_parse((struct nlmsghdr *)h, sizeof(*ifi), tb, IFLA_MAX, NULL), 0);
	for (i = 0; i <= IFLA_MAX; i++)
		ntop += tb[i] != NULL;
	assert_int_equal(ntop, 1); /* nothing but IFLA_VFINFO_LIST */
	assert_non_null(tb[IFLA_VFINFO_LIST]);
	memset(got, 0, sizeof(*got));
	nla_for_each_nested(pos, tb[IFLA_VFINFO_LIST], rem) {
		assert_int_equal(nla_type(pos), IFLA_VF_INFO);
		ninfo++;
		assert_int_equal(nla_parse_nested(vtb, IFLA_VF_MAX, pos, vf_pol), 0);
		for (i = 0; i <= IFLA_VF_MAX; i++) {
			if (!vtb[i])
				continue;
			switch (i) {
			case IFLA_VF_MAC: {
				const struct ifla_vf_mac *a = nla_data(vtb[i]);
				static const uint8_t zero[26];

				assert_int_equal(a->vf, vf);
				memcpy(got->mac, a->mac, 6);
				assert_memory_equal(a->mac + 6, zero, 26); /* rest of the 32-byte field */
				mask |= RP_VF_SET_MAC;
				break;
			}
			case IFLA_VF_VLAN: {
				const struct ifla_vf_vlan *a = nla_data(vtb[i]);

				assert_int_equal(a->vf, vf);
				got->vlan = (uint16_t)a->vlan;
				got->qos = (uint8_t)a->qos;
				mask |= RP_VF_SET_VLAN;
				break;
			}
			case IFLA_VF_SPOOFCHK: {
				const struct ifla_vf_spoofchk *a = nla_data(vtb[i]);

				assert_int_equal(a->vf, vf);
				assert_true(a->setting <= 1);
				got->spoofchk = (uint8_t)a->setting;
				mask |= RP_VF_SET_SPOOFCHK;
				break;
			}
			case IFLA_VF_TRUST: {
				const struct ifla_vf_trust *a = nla_data(vtb[i]);

				assert_int_equal(a->vf, vf);
				got->trust = (uint8_t)a->setting;
				mask |= RP_VF_SET_TRUST;
				break;
			}
			case IFLA_VF_LINK_STATE: {
				const struct ifla_vf_link_state *a = nla_data(vtb[i]);

				assert_int_equal(a->vf, vf);
				got->link_state = (uint8_t)a->link_state;
				mask |= RP_VF_SET_LINK_STATE;
				break;
			}
			default:
				fail_msg("unexpected IFLA_VF attribute %d", i);
			}
		}
	}
	assert_int_equal(ninfo, 1);
	/* Exact size: header + ifinfomsg + list(info(attrs)), nothing trailing. */
	expect_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)) + 2 * NLA_HDRLEN;
	if (mask & RP_VF_SET_MAC)
		expect_len += nla_total_size(sizeof(struct ifla_vf_mac));
	if (mask & RP_VF_SET_VLAN)
		expect_len += nla_total_size(sizeof(struct ifla_vf_vlan));
	if (mask & RP_VF_SET_SPOOFCHK)
		expect_len += nla_total_size(sizeof(struct ifla_vf_spoofchk));
	if (mask & RP_VF_SET_TRUST)
		expect_len += nla_total_size(sizeof(struct ifla_vf_trust));
	if (mask & RP_VF_SET_LINK_STATE)
		expect_len += nla_total_size(sizeof(struct ifla_vf_link_state));
	assert_int_equal(h->nlmsg_len, expect_len);
	got->mask = mask;
	got->vf = vf;
	return mask;
}

static void test_setlink_bytes_all(void **state)
{
	struct rp_vf_cfg c = { .vf = 7, .mask = RP_VF_SET_ALL, .vlan = 100, .qos = 3, .spoofchk = 0,
			       .trust = 1, .link_state = RP_VF_LINK_ENABLE };
	struct rp_vf_cfg got;
	struct nl_msg *m;

	(void)state;
	memcpy(c.mac, MAC, 6);
	assert_int_equal(rp_vf_cfg_msg(42, &c, &m), 0);
	nlmsg_hdr(m)->nlmsg_flags |= NLM_F_ACK; /* what the channel adds */
	assert_int_equal(decode_setlink(nlmsg_hdr(m), 42, 7, &got), RP_VF_SET_ALL);
	assert_memory_equal(got.mac, MAC, 6);
	assert_int_equal(got.vlan, 100);
	assert_int_equal(got.qos, 3);
	assert_int_equal(got.spoofchk, 0);
	assert_int_equal(got.trust, 1);
	assert_int_equal(got.link_state, RP_VF_LINK_ENABLE);
	nlmsg_free(m);
}

static void test_setlink_bytes_subsets(void **state)
{
	static const uint32_t masks[] = { RP_VF_SET_MAC, RP_VF_SET_VLAN, RP_VF_SET_SPOOFCHK,
					  RP_VF_SET_TRUST, RP_VF_SET_LINK_STATE,
					  RP_VF_SET_VLAN | RP_VF_SET_TRUST };
	struct rp_vf_cfg c = { .vf = 0, .vlan = 4095, .spoofchk = 1, .link_state = RP_VF_LINK_DISABLE };
	struct rp_vf_cfg got;
	struct nl_msg *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		c.mask = masks[i];
		assert_int_equal(rp_vf_cfg_msg(5, &c, &m), 0);
		nlmsg_hdr(m)->nlmsg_flags |= NLM_F_ACK;
		assert_int_equal(decode_setlink(nlmsg_hdr(m), 5, 0, &got), masks[i]);
		nlmsg_free(m);
	}
	/* refused at build time: nothing to set, VLAN/qos out of range, bad ifindex */
	c.mask = 0;
	assert_int_equal(rp_vf_cfg_msg(5, &c, &m), -EINVAL);
	c.mask = RP_VF_SET_VLAN;
	c.vlan = 4096;
	assert_int_equal(rp_vf_cfg_msg(5, &c, &m), -EINVAL);
	c.vlan = 1;
	c.qos = 8;
	assert_int_equal(rp_vf_cfg_msg(5, &c, &m), -EINVAL);
	c.qos = 0;
	assert_int_equal(rp_vf_cfg_msg(0, &c, &m), -EINVAL);
	assert_null(m);
}

static void test_getlink_bytes(void **state)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct nl_msg *m;
	struct nlmsghdr *h;
	int i, n = 0;

	(void)state;
	assert_int_equal(rp_vf_state_msg(42, &m), 0);
	h = nlmsg_hdr(m);
	assert_int_equal(h->nlmsg_type, RTM_GETLINK);
	assert_false(h->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(((struct ifinfomsg *)nlmsg_data(h))->ifi_index, 42);
	assert_int_equal(nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL), 0);
	for (i = 0; i <= IFLA_MAX; i++)
		n += tb[i] != NULL;
	assert_int_equal(n, 1);
	assert_non_null(tb[IFLA_EXT_MASK]);
	assert_int_equal(nla_len(tb[IFLA_EXT_MASK]), 4);
	assert_int_equal(nla_get_u32(tb[IFLA_EXT_MASK]), RTEXT_FILTER_VF);
	assert_int_equal(h->nlmsg_len, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)) + nla_total_size(4));
	nlmsg_free(m);
}

/* Through the recorder: save, configure, read back, restore — as ADD/DEL do. */
static void test_recorder_roundtrip(void **state)
{
	struct rp_sim_nlrec *r;
	struct rp_vf_chan ch;
	struct rp_vf_cfg orig, want = { .vf = 3, .mask = RP_VF_SET_ALL, .vlan = 200, .spoofchk = 0,
					.trust = 1, .link_state = RP_VF_LINK_ENABLE }, got;
	struct rp_sim_vf_state st;
	struct rp_err e = { 0 };

	(void)state;
	memcpy(want.mac, MAC, 6);
	assert_int_equal(rp_sim_nlrec_new(&r), 0);
	ch.xfer = rp_sim_nlrec_xfer;
	ch.ctx = r;
	assert_int_equal(rp_sim_nlrec_add_pf(r, 100001, 12), 0);

	assert_int_equal(rp_vf_state_get(&ch, 100001, "eno3np2", 3, &orig, &e), 0);
	assert_int_equal(orig.mask, RP_VF_SET_ALL);
	assert_int_equal(orig.spoofchk, 1);
	assert_int_equal(orig.trust, 0);
	assert_int_equal(orig.vlan, 0);

	assert_int_equal(rp_vf_cfg_apply(&ch, 100001, "eno3np2", &want, &e), 0);
	assert_int_equal(rp_sim_nlrec_count(r), 2);
	decode_setlink(rp_sim_nlrec_msg(r, 1), 100001, 3, &got);
	assert_memory_equal(&got, &want, sizeof(got));
	assert_int_equal(rp_sim_nlrec_vf(r, 100001, 3, &st), 0);
	assert_memory_equal(st.mac, MAC, 6);
	assert_int_equal(st.vlan, 200);
	assert_int_equal(st.trust, 1);
	assert_int_equal(st.spoofchk, 0);
	/* neighbours untouched */
	assert_int_equal(rp_sim_nlrec_vf(r, 100001, 2, &st), 0);
	assert_int_equal(st.vlan, 0);

	assert_int_equal(rp_vf_state_get(&ch, 100001, "eno3np2", 3, &got, &e), 0);
	assert_memory_equal(&got, &want, sizeof(got));

	assert_int_equal(rp_vf_cfg_apply(&ch, 100001, "eno3np2", &orig, &e), 0);
	assert_int_equal(rp_sim_nlrec_vf(r, 100001, 3, &st), 0);
	assert_int_equal(st.vlan, 0);
	assert_int_equal(st.spoofchk, 1);
	assert_int_equal(st.trust, 0);

	/* errors: out-of-range VF, unknown VF in the reply, kernel extack text */
	want.vf = 12;
	assert_int_equal(rp_vf_cfg_apply(&ch, 100001, "eno3np2", &want, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "PF eno3np2 VF 12"));
	assert_int_equal(rp_vf_state_get(&ch, 100001, "eno3np2", 40, &got, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "no state for VF 40"));
	rp_sim_nlrec_fail_next(r, -EOPNOTSUPP, "VF trust is not supported by this driver");
	want.vf = 1;
	assert_int_equal(rp_vf_cfg_apply(&ch, 100001, "eno3np2", &want, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "VF trust is not supported by this driver"));
	rp_sim_nlrec_free(r);
}

/* The real channel against this machine's kernel: lo exists everywhere, a PF here does not. */
static void test_real_channel(void **state)
{
	struct rp_vf_chan ch;
	struct rp_vf_link l;
	struct rp_vf_cfg c = { .vf = 0, .mask = RP_VF_SET_TRUST, .trust = 1 };
	struct rp_err e = { 0 };

	(void)state;
	assert_int_equal(rp_vf_chan_open(&ch, &e), 0);
	assert_int_equal(rp_vf_link_get(&ch, "lo", &l, &e), 0);
	assert_int_equal(l.ifindex, 1);
	assert_string_equal(l.name, "lo");
	assert_int_equal(rp_vf_link_get(&ch, "rpt-no-such", &l, &e), -ENODEV);
	/* lo has no VFs: the kernel refuses, and the error says which PF/VF */
	assert_true(rp_vf_cfg_apply(&ch, 1, "lo", &c, &e) < 0);
	assert_non_null(strstr(e.msg, "PF lo VF 0"));
	rp_vf_chan_close(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setlink_bytes_all),
		cmocka_unit_test(test_setlink_bytes_subsets),
		cmocka_unit_test(test_getlink_bytes),
		cmocka_unit_test(test_recorder_roundtrip),
		cmocka_unit_test(test_real_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
