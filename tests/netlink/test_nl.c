/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netlink/ transactions and sim/node.  Message builders are checked byte for byte without
 * root; the rest runs in private namespaces (root): one sendmsg per batch, ACKs matched per
 * operation, the first failure reported with the kernel's extended-ack text, every successful
 * operation (also those after the failure) undone in one more sendmsg, dumps, the socket cache,
 * and the simulated node leaving nothing behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/nl.h"
#include "netlink/probe.h"
#include "sim/node.h"
#include "tests/common/exec.h"

static uint64_t nl_sends(void)
{
	struct rp_nl_stats st;

	rp_nl_stats_get(&st);
	return st.sendmsg;
}

static char prefix[16], ns_name[64], ns_path[128];

static struct rp_ip ip_of(const char *s)
{
	struct rp_ip ip = { 0 };
	if (inet_pton(AF_INET, s, ip.b) == 1)
		ip.family = RP_FAM_V4;
	else if (inet_pton(AF_INET6, s, ip.b) == 1)
		ip.family = RP_FAM_V6;
	return ip;
}

/* ---- builders (no root) ------------------------------------------------------------------- */

static void test_msg_addr_bytes(void **state)
{
	struct rp_ip a = ip_of("172.16.11.3");
	struct nl_msg *m = rp_nl_msg_addr(true, 7, &a, 16);
	struct nlmsghdr *h;
	struct ifaddrmsg *ifa;
	struct nlattr *tb[IFA_MAX + 1];
	(void)state;

	assert_non_null(m);
	h = nlmsg_hdr(m);
	assert_int_equal(h->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
	ifa = nlmsg_data(h);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 16);
	assert_int_equal(ifa->ifa_index, 7);
	assert_int_equal(nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	assert_non_null(tb[IFA_LOCAL]);
	assert_memory_equal(nla_data(tb[IFA_LOCAL]), a.b, 4);
	assert_non_null(tb[IFA_BROADCAST]);
	assert_memory_equal(nla_data(tb[IFA_BROADCAST]), "\xac\x10\xff\xff", 4);
	nlmsg_free(m);

	struct rp_ip b = ip_of("fd00:11::3");
	m = rp_nl_msg_addr(true, 7, &b, 64);
	assert_non_null(m);
	h = nlmsg_hdr(m);
	assert_int_equal(nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL), 0);
	assert_non_null(tb[IFA_FLAGS]);
	assert_true(nla_get_u32(tb[IFA_FLAGS]) & IFA_F_NODAD);
	nlmsg_free(m);

	/* Bad arguments build nothing. */
	assert_null(rp_nl_msg_addr(true, 0, &a, 16));
	assert_null(rp_nl_msg_addr(true, 7, &a, 33));
}

static void test_msg_rule_route_link_bytes(void **state)
{
	struct rp_ip src = ip_of("172.16.11.10"), gw = ip_of("172.16.11.254");
	struct nlattr *tb[FRA_MAX + 1], *rt[RTA_MAX + 1], *lt[IFLA_MAX + 1];
	struct nl_msg *m;
	struct nlmsghdr *h;
	(void)state;

	m = rp_nl_msg_rule(true, AF_INET, &src, 32, 107, 32707);
	assert_non_null(m);
	h = nlmsg_hdr(m);
	assert_int_equal(h->nlmsg_type, RTM_NEWRULE);
	struct fib_rule_hdr *fr = nlmsg_data(h);
	assert_int_equal(fr->src_len, 32);
	assert_int_equal(fr->action, FR_ACT_TO_TBL);
	assert_int_equal(nlmsg_parse(h, sizeof(*fr), tb, FRA_MAX, NULL), 0);
	assert_int_equal(nla_get_u32(tb[FRA_TABLE]), 107);
	assert_int_equal(nla_get_u32(tb[FRA_PRIORITY]), 32707);
	assert_memory_equal(nla_data(tb[FRA_SRC]), src.b, 4);
	nlmsg_free(m);
	/* Delete by table + priority: no source at all. */
	m = rp_nl_msg_rule(false, AF_INET6, NULL, 0, 100, 32700);
	assert_non_null(m);
	assert_int_equal(nlmsg_parse(nlmsg_hdr(m), sizeof(*fr), tb, FRA_MAX, NULL), 0);
	assert_null(tb[FRA_SRC]);
	nlmsg_free(m);

	struct rp_nl_route r = { .table = 100, .gw = &gw, .oif = 9 };
	m = rp_nl_msg_route(true, &r);
	assert_non_null(m);
	h = nlmsg_hdr(m);
	struct rtmsg *rm = nlmsg_data(h);
	assert_int_equal(rm->rtm_family, AF_INET);
	assert_int_equal(rm->rtm_dst_len, 0);
	assert_int_equal(rm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(nlmsg_parse(h, sizeof(*rm), rt, RTA_MAX, NULL), 0);
	assert_int_equal(nla_get_u32(rt[RTA_TABLE]), 100);
	assert_int_equal(nla_get_u32(rt[RTA_OIF]), 9);
	assert_memory_equal(nla_data(rt[RTA_GATEWAY]), gw.b, 4);
	assert_null(rt[RTA_DST]);
	nlmsg_free(m);

	m = rp_nl_msg_link_del_group(0x52500001u);
	assert_non_null(m);
	h = nlmsg_hdr(m);
	assert_int_equal(h->nlmsg_type, RTM_DELLINK);
	assert_int_equal(((struct ifinfomsg *)nlmsg_data(h))->ifi_index, 0);
	assert_int_equal(nlmsg_parse(h, sizeof(struct ifinfomsg), lt, IFLA_MAX, NULL), 0);
	assert_int_equal(nla_get_u32(lt[IFLA_GROUP]), 0x52500001u);
	nlmsg_free(m);
	assert_null(rp_nl_msg_link_del_group(0)); /* group 0 would delete every ordinary link */

	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct rp_nl_macvlan mv = { .name = "net3", .master_ifindex = 4, .netns_fd = 5, .mtu = 1500, .mac = mac,
				    .group = 7, .up = true };
	m = rp_nl_msg_macvlan_add(&mv);
	assert_non_null(m);
	h = nlmsg_hdr(m);
	assert_int_equal(nlmsg_parse(h, sizeof(struct ifinfomsg), lt, IFLA_MAX, NULL), 0);
	assert_string_equal(nla_get_string(lt[IFLA_IFNAME]), "net3");
	assert_int_equal(nla_get_u32(lt[IFLA_LINK]), 4);
	assert_int_equal(nla_get_u32(lt[IFLA_NET_NS_FD]), 5);
	assert_int_equal(nla_get_u32(lt[IFLA_MTU]), 1500);
	assert_int_equal(nla_get_u32(lt[IFLA_GROUP]), 7);
	assert_memory_equal(nla_data(lt[IFLA_ADDRESS]), mac, 6);
	struct nlattr *li[IFLA_INFO_MAX + 1], *md[IFLA_MACVLAN_MAX + 1];
	assert_int_equal(nla_parse_nested(li, IFLA_INFO_MAX, lt[IFLA_LINKINFO], NULL), 0);
	assert_string_equal(nla_get_string(li[IFLA_INFO_KIND]), "macvlan");
	assert_int_equal(nla_parse_nested(md, IFLA_MACVLAN_MAX, li[IFLA_INFO_DATA], NULL), 0);
	assert_int_equal(nla_get_u32(md[IFLA_MACVLAN_MODE]), MACVLAN_MODE_BRIDGE);
	nlmsg_free(m);
	mv.name = "a-name-longer-than-15";
	assert_null(rp_nl_msg_macvlan_add(&mv));
}

/* ---- live (root) -------------------------------------------------------------------------- */

static int ns_setup(void **state)
{
	struct rp_err e = { 0 };
	(void)state;
	snprintf(ns_name, sizeof(ns_name), "%sn", prefix);
	snprintf(ns_path, sizeof(ns_path), "/run/netns/%s", ns_name);
	if (rp_sim_netns_add(ns_name, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return 0;
}

static int ns_teardown(void **state)
{
	(void)state;
	rp_sim_netns_del(ns_name, NULL);
	return 0;
}

static int add_veth(struct rp_nl_txn *t, const char *a, const char *b)
{
	return rp_nl_txn_add(t, rp_nl_msg_veth_add(a, -1, b, -1, 0, false), rp_nl_msg_link_del(0, a), NULL, NULL, NULL,
			     "create veth %s", a);
}

static int count_link(const struct rp_nl_link_info *l, void *arg)
{
	if (strcmp(l->name, "lo"))
		(*(int *)arg)++;
	return 0;
}

static int links_in(struct rp_nl_sock *s)
{
	int n = 0;
	struct rp_err e;
	assert_int_equal(rp_nl_dump_links(s, count_link, NULL, &n, &e), 0);
	return n;
}

/* Rules this test made: table 100..139 (the namespace's default rules use 253-255). */
static int count_rule(const struct rp_nl_rule_info *r, void *arg)
{
	if (r->table >= 100 && r->table < 140)
		(*(int *)arg)++;
	return 0;
}

static void test_batch_fail_and_undo(void **state)
{
	struct rp_nl_sock *s;
	struct rp_nl_txn *t;
	struct rp_err e = { 0 };
	(void)state;

	assert_int_equal(rp_nl_sock_netns(ns_path, &s, &e), 0);
	assert_int_equal(rp_nl_txn_new(s, &t), 0);
	/* Four links, the third op a duplicate: the kernel applies 1, 2 and 4 and fails 3. */
	assert_int_equal(add_veth(t, "va", "vap"), 0);
	assert_int_equal(add_veth(t, "vb", "vbp"), 0);
	assert_int_equal(add_veth(t, "va", "vcp"), 0);
	assert_int_equal(add_veth(t, "vd", "vdp"), 0);
	uint64_t c0 = nl_sends();
	assert_int_equal(rp_nl_txn_commit(t, &e), -EEXIST);
	assert_int_equal(nl_sends() - c0, 1);
	print_message("error: %s\n", e.msg);
	assert_string_equal(e.msg, "create veth va: File exists");
	assert_int_equal(rp_nl_txn_pending(t), 0);
	assert_int_equal(rp_nl_txn_undo_depth(t), 3);
	assert_int_equal(links_in(s), 6); /* va, vap, vb, vbp, vd, vdp */
	c0 = nl_sends();
	assert_int_equal(rp_nl_txn_rollback(t, &e), 0);
	assert_int_equal(nl_sends() - c0, 1);
	assert_int_equal(rp_nl_txn_undo_depth(t), 0);
	assert_int_equal(links_in(s), 0);
	/* Rolling back again sends nothing; an empty commit sends nothing. */
	c0 = nl_sends();
	assert_int_equal(rp_nl_txn_rollback(t, &e), 0);
	assert_int_equal(rp_nl_txn_commit(t, &e), 0);
	assert_int_equal(nl_sends(), c0);
	rp_nl_txn_free(t);
}

/* One read per reply, many replies per read: a 40-operation batch (one of them failing) and a
 * dump of its result cost a handful of receive calls, not two per reply (MSG_PEEK, then read). */
static void test_batch_receive_calls(void **state)
{
	struct rp_nl_sock *s;
	struct rp_nl_txn *t;
	struct rp_err e = { 0 };
	struct rp_nl_stats a, b;
	struct rp_ip src;
	int nrules = 0;
	char ip[32];
	(void)state;

	assert_int_equal(rp_nl_sock_netns(ns_path, &s, &e), 0);
	assert_int_equal(rp_nl_txn_new(s, &t), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(ip, sizeof(ip), "10.9.0.%d", i == 20 ? 19 : i + 1); /* #20 repeats #19's rule */
		src = ip_of(ip);
		assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_rule(true, AF_INET, &src, 32, 100 + (i == 20 ? 18 : i),
								 32000 + (i == 20 ? 18 : i)),
					       rp_nl_msg_rule(false, AF_INET, &src, 32, 100 + i, 32000 + i), NULL, NULL, NULL,
					       "rule %d", i),
				 0);
	}
	rp_nl_stats_get(&a);
	assert_int_equal(rp_nl_txn_commit(t, &e), -EEXIST);
	rp_nl_stats_get(&b);
	print_message("error: %s; receive calls %llu\n", e.msg, (unsigned long long)(b.recv_calls - a.recv_calls));
	assert_string_equal(e.msg, "rule 20: File exists");
	assert_int_equal(b.sendmsg - a.sendmsg, 1);
	/* 40 ACKs at up to RP_NL_RX_SLOTS (15) per recvmmsg: 3 when all are queued at once */
	assert_true(b.recv_calls - a.recv_calls >= 3);
	assert_true(b.recv_calls - a.recv_calls <= 6);
	assert_int_equal(rp_nl_txn_undo_depth(t), 39);
	assert_true(b.sockets >= 1);
	assert_true(b.max_sendmsg_per_sock >= rp_nl_sock_sendmsg_count(s));
	rp_nl_stats_get(&a);
	assert_int_equal(rp_nl_dump_rules(s, AF_INET, count_rule, NULL, &nrules, &e), 0);
	rp_nl_stats_get(&b);
	assert_int_equal(nrules, 39);
	assert_true(b.recv_calls - a.recv_calls <= 3); /* 39 rules and the DONE: one or two parts */
	assert_int_equal(rp_nl_txn_rollback(t, &e), 0);
	nrules = 0;
	assert_int_equal(rp_nl_dump_rules(s, AF_INET, count_rule, NULL, &nrules, &e), 0);
	assert_int_equal(nrules, 0);
	rp_nl_txn_free(t);
}

static void test_extack_and_routes(void **state)
{
	struct rp_nl_sock *s;
	struct rp_nl_txn *t;
	struct rp_err e = { 0 };
	struct rp_nl_link_info li;
	const char *name = "va";
	struct rp_ip a = ip_of("172.16.11.3"), far = ip_of("192.0.2.1"), net = ip_of("10.1.0.0");
	(void)state;

	assert_int_equal(rp_nl_sock_netns(ns_path, &s, &e), 0);
	assert_int_equal(rp_nl_txn_new(s, &t), 0);
	assert_int_equal(add_veth(t, "va", "vap"), 0);
	assert_int_equal(rp_nl_txn_commit(t, &e), 0);
	assert_int_equal(rp_nl_links_get(s, &name, 1, &li, &e), 0);
	assert_true(li.ifindex > 0);
	assert_string_equal(li.kind, "veth");
	{
		/* the ioctl lookup agrees with RTM_GETLINK in the socket's namespace (not ours) */
		struct rp_nl_link_info b, b2[2];
		const char *missing[] = { "va", "rpnosuch0" };

		assert_int_equal(rp_nl_links_brief(s, &name, 1, &b, &e), 0);
		assert_int_equal(b.ifindex, li.ifindex);
		assert_string_equal(b.name, "va");
		assert_int_equal(b.mtu, li.mtu);
		assert_int_equal(rp_nl_links_brief(s, missing, 2, b2, &e), -ENODEV);
		assert_string_equal(e.msg, "get link rpnosuch0: No such device");
	}
	struct rp_nl_link_set up = { .ifindex = li.ifindex, .netns_fd = -1, .up = 1, .rp_filter = 0 };
	assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_link_set(&up), NULL, NULL, NULL, NULL, "set va up"), 0);
	assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_addr(true, li.ifindex, &a, 16), rp_nl_msg_addr(false, li.ifindex, &a, 16),
				       NULL, NULL, NULL, "add address 172.16.11.3/16 on va"), 0);
	/* A gateway outside every connected subnet: the kernel explains in its extended ACK. */
	struct rp_nl_route r = { .table = 100, .dst = &net, .dst_len = 16, .gw = &far, .oif = li.ifindex };
	assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_route(true, &r), rp_nl_msg_route(false, &r), NULL, NULL, NULL,
				       "add route 10.1.0.0/16 via 192.0.2.1 dev va table 100"), 0);
	assert_int_not_equal(rp_nl_txn_commit(t, &e), 0);
	print_message("error: %s\n", e.msg);
	assert_non_null(strstr(e.msg, "add route 10.1.0.0/16 via 192.0.2.1 dev va table 100: "));
	/* "<op>: <strerror>: <extack>" -- two separators after the description. */
	const char *rest = e.msg + strlen("add route 10.1.0.0/16 via 192.0.2.1 dev va table 100: ");
	assert_non_null(strstr(rest, ": "));
	/* A second commit of the address fails with EEXIST exactly as the brief words it. */
	assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_addr(true, li.ifindex, &a, 16), NULL, NULL, NULL, NULL,
				       "add address 172.16.11.3/16 on va"), 0);
	assert_int_equal(rp_nl_txn_commit(t, &e), -EEXIST);
	print_message("error: %s\n", e.msg);
	assert_string_equal(e.msg, "add address 172.16.11.3/16 on va: File exists: ipv4: Address already assigned");
	assert_int_equal(rp_nl_txn_rollback(t, &e), 0); /* address, then va */
	assert_int_equal(links_in(s), 0);
	rp_nl_txn_free(t);
}

static void test_socket_cache(void **state)
{
	struct rp_nl_sock *a, *b;
	struct rp_err e = { 0 };
	(void)state;

	assert_int_equal(rp_nl_sock_netns(ns_path, &a, &e), 0);
	assert_int_equal(rp_nl_sock_netns(ns_path, &b, &e), 0);
	assert_ptr_equal(a, b);
	/* Same name, new namespace: a new socket, inside the new one. */
	assert_int_equal(rp_sim_netns_del(ns_name, &e), 0);
	assert_int_equal(rp_nl_sock_netns(ns_path, &a, &e), -ENOENT);
	assert_int_equal(rp_sim_netns_add(ns_name, &e), 0);
	assert_int_equal(rp_nl_sock_netns(ns_path, &a, &e), 0);
	assert_int_equal(links_in(a), 0);
}

static int netconf_cb(const struct nlmsghdr *h, void *arg)
{
	return rp_nl_netconf_parse(h, arg);
}

/* net.ipv4.conf.<all|dev>.rp_filter as RTM_GETNETCONF reports it inside the namespace. */
static int netconf_rp_filter(struct rp_nl_sock *s, int ifindex)
{
	struct rp_nl_netconf nc = { .rp_filter = -7 };
	struct rp_nl_txn *t;
	struct rp_err e = { 0 };

	assert_int_equal(rp_nl_txn_new(s, &t), 0);
	assert_int_equal(rp_nl_txn_add(t, rp_nl_msg_netconf_get(AF_INET, ifindex), NULL, NULL, netconf_cb, &nc,
				       "read rp_filter"), 0);
	if (rp_nl_txn_commit(t, &e))
		fail_msg("netconf: %s", e.msg);
	rp_nl_txn_free(t);
	assert_int_equal(nc.ifindex, ifindex);
	return nc.rp_filter;
}

/* The attach path reads all.rp_filter this way instead of entering the pod for /proc. */
static void test_netconf_rp_filter(void **state)
{
	struct rp_nl_sock *s;
	struct rp_err e = { 0 };
	(void)state;

	assert_int_equal(rp_nl_sock_netns(ns_path, &s, &e), 0);
	for (int v = 2; v >= 0; v--) {
		assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip netns exec %s sysctl -qw net.ipv4.conf.all.rp_filter=%d",
					ns_name, v), 0);
		assert_int_equal(netconf_rp_filter(s, NETCONFA_IFINDEX_ALL), v);
	}
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip netns exec %s sysctl -qw net.ipv4.conf.lo.rp_filter=1", ns_name), 0);
	assert_int_equal(netconf_rp_filter(s, 1), 1);
}

static void test_sim_node(void **state)
{
	struct rp_sim_spec sp = { .own_netns = 1, .nnics = 2 };
	struct rp_err e = { 0 };
	char pfx[24], cmd[256];
	struct stat st;
	(void)state;

	snprintf(pfx, sizeof(pfx), "%sx", prefix);
	sp.prefix = pfx;
	sp.nics[0] = (struct rp_sim_nic){ .name = "eno3np1", .mtu = 4200, .host_cidr = { "172.16.1.2/24" },
					  .gw_cidr = { "172.16.1.1/24" } };
	sp.nics[1] = (struct rp_sim_nic){ .name = "eno3np2", .gw_cidr = { "172.16.2.1/24" } };
	if (rp_sim_up(&sp, &e))
		fail_msg("sim up: %s", e.msg);
	/* ip-netns compatible, MTU set, address present, gateway reachable from the node. */
	snprintf(cmd, sizeof(cmd), "ip netns exec %snode ip -o addr show eno3np1 | grep -q '172.16.1.2/24'", pfx);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "ip -n %snode link show eno3np1 | grep -q 'mtu 4200'", pfx);
	assert_int_equal(system(cmd), 0);
	{
		/* The gateway answers ARP on its rail; a silent address times out. */
		char node[128];
		const char *nic = "eno3np1";
		struct rp_nl_sock *ns;
		struct rp_nl_link_info li;
		struct rp_nl_probe pr[2] = { 0 };
		rp_sim_node_netns_path(&sp, node, sizeof(node));
		assert_int_equal(rp_nl_sock_netns(node, &ns, &e), 0);
		assert_int_equal(rp_nl_links_get(ns, &nic, 1, &li, &e), 0);
		for (int k = 0; k < 2; k++) {
			pr[k].ifindex = li.ifindex;
			pr[k].ifname = nic;
			memcpy(pr[k].mac, li.mac, 6);
			pr[k].local = ip_of("172.16.1.2");
		}
		pr[0].gateway = ip_of("172.16.1.1");
		pr[1].gateway = ip_of("172.16.1.77");
		assert_int_equal(rp_nl_probe_run(node, pr, 2, 400, &e), 0);
		assert_int_equal(pr[0].gw_result, 0);
		assert_int_equal(pr[1].gw_result, -ETIMEDOUT);
	}
	assert_int_equal(rp_sim_down(&sp, &e), 0);
	snprintf(cmd, sizeof(cmd), "/run/netns/%snode", pfx);
	assert_int_not_equal(stat(cmd, &st), 0);
	snprintf(cmd, sizeof(cmd), "/run/netns/%sfab", pfx);
	assert_int_not_equal(stat(cmd, &st), 0);
	assert_int_equal(rp_sim_down(&sp, &e), 0); /* idempotent */

	/* A bad NIC name fails the whole up and leaves nothing. */
	sp.nics[1].name = "a-name-far-too-long";
	assert_int_not_equal(rp_sim_up(&sp, &e), 0);
	print_message("error: %s\n", e.msg);
	snprintf(cmd, sizeof(cmd), "/run/netns/%sfab", pfx);
	assert_int_not_equal(stat(cmd, &st), 0);
}

static void cleanup(void)
{
	char n[64];
	rp_sim_netns_del(ns_name, NULL);
	snprintf(n, sizeof(n), "%sxnode", prefix);
	rp_sim_netns_del(n, NULL);
	snprintf(n, sizeof(n), "%sxfab", prefix);
	rp_sim_netns_del(n, NULL);
}

int main(int argc, char **argv)
{
	bool want_live = argc > 1 && !strcmp(argv[1], "live");
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_msg_addr_bytes),
		cmocka_unit_test(test_msg_rule_route_link_bytes),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test_setup_teardown(test_batch_fail_and_undo, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_batch_receive_calls, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_extack_and_routes, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_socket_cache, ns_setup, ns_teardown),
		cmocka_unit_test_setup_teardown(test_netconf_rp_filter, ns_setup, ns_teardown),
		cmocka_unit_test(test_sim_node),
	};
	if (!want_live)
		return cmocka_run_group_tests_name("builders", unit, NULL, NULL);
	if (geteuid() != 0) {
		printf("SKIP: the live netlink tests need root (network namespaces, veths)\n");
		return 77;
	}
	snprintf(prefix, sizeof(prefix), "rpn%d", getpid() % 1000000);
	atexit(cleanup);
	return cmocka_run_group_tests_name("live", live, NULL, NULL);
}
