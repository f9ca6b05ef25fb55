/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core/rails on a simulated node (root, real namespaces): an 8-rail macvlan pod exactly as
 * planned (checked through netlink dumps AND `ip -j` parsed with jansson), detach leaves
 * nothing, injected failures leave nothing, IPv6 rails, gateway/conflict probes, and the
 * sendmsg ceilings (<= 2 per namespace touched).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/rails.h"
#include "netlink/nl.h"
#include "sim/node.h"
#include "tests/common/exec.h"
#include "tests/common/node.h"

#define NNICS 8

static char prefix[16], node_path[128], gw_b[NNICS][32];
static struct rpt_seed_node node;
static int pod_seq;
static char pod_name[64], pod_path[160], pod_peer[32];
static struct rp_sim_pod pod;

static void ip_parse(const char *s, struct rp_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->b) == 1)
		ip->family = RP_FAM_V4;
	else if (inet_pton(AF_INET6, s, ip->b) == 1)
		ip->family = RP_FAM_V6;
	else
		fail_msg("bad test address %s", s);
}

static void cleanup_all(void)
{
	if (pod_name[0])
		rp_sim_pod_del(&pod, NULL);
	if (prefix[0])
		rp_sim_down(&node.spec, NULL);
}

static void on_signal(int sig)
{
	cleanup_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int group_setup(void **state)
{
	struct rp_err e = { 0 };
	(void)state;

	snprintf(prefix, sizeof(prefix), "rpt%d", getpid() % 1000000);
	rpt_seed_node(&node, prefix, 1, NNICS, 9000);
	for (int i = 0; i < NNICS; i++) {
		snprintf(gw_b[i], sizeof(gw_b[i]), "fd00:%d::fe/64", 11 + i);
		if (i == 2) { /* rail 3's gateway is absent: the probe test expects silence */
			node.spec.nics[i].gw_cidr[0] = NULL;
			continue;
		}
		/* rail 6's fabric also claims 172.16.16.99: the conflict probe expects an answer */
		node.spec.nics[i].gw_cidr[1] = i == 5 ? "172.16.16.99/16" : gw_b[i];
	}
	atexit(cleanup_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rp_sim_up(&node.spec, &e)) {
		fprintf(stderr, "sim up failed: %s\n", e.msg);
		prefix[0] = '\0';
		return -1;
	}
	rp_sim_node_netns_path(&node.spec, node_path, sizeof(node_path));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	cleanup_all();
	prefix[0] = '\0';
	return 0;
}

static int pod_setup(void **state)
{
	struct rp_err e = { 0 };
	(void)state;

	snprintf(pod_name, sizeof(pod_name), "%spod%d", prefix, ++pod_seq);
	snprintf(pod_path, sizeof(pod_path), "/run/netns/%s", pod_name);
	snprintf(pod_peer, sizeof(pod_peer), "%se%d", prefix, pod_seq);
	pod = (struct rp_sim_pod){ .name = pod_name, .node_netns = node_path, .eth0_peer = pod_peer,
				   .eth0_cidr = "10.233.119.164/24", .eth0_gw = "10.233.119.1" };
	if (rp_sim_pod_add(&pod, &e)) {
		fprintf(stderr, "pod add failed: %s\n", e.msg);
		pod_name[0] = '\0';
		return -1;
	}
	return 0;
}

static int pod_teardown(void **state)
{
	(void)state;
	if (pod_name[0])
		rp_sim_pod_del(&pod, NULL);
	pod_name[0] = '\0';
	return 0;
}

static struct rp_rails_opts opts_default(void)
{
	return (struct rp_rails_opts){ .host_netns = node_path, .probe_timeout_ms = 500 };
}

/* Rail i (1-based) on NIC i: 172.16.(10+i).10/16 via .254, optional fd00:(10+i)::10/64. */
static void make_plan(struct rp_rail_plan *p, int i, bool v4, bool v6)
{
	char buf[64];

	memset(p, 0, sizeof(*p));
	p->kind = RP_RAIL_MACVLAN;
	assert_true(snprintf(p->master, sizeof(p->master), "%s", node.names[i - 1]) < (int)sizeof(p->master));
	snprintf(p->name, sizeof(p->name), "net%d", i);
	p->mtu = i <= 4 ? 1500 : 0;
	if (v4) {
		snprintf(buf, sizeof(buf), "172.16.%d.10", 10 + i);
		ip_parse(buf, &p->addrs[p->naddrs].ip);
		p->addrs[p->naddrs++].prefix = 16;
		snprintf(buf, sizeof(buf), "172.16.%d.254", 10 + i);
		ip_parse(buf, &p->gw4);
		snprintf(buf, sizeof(buf), "10.%d.0.0", 100 + i);
		ip_parse(buf, &p->routes[0].dst);
		p->routes[0].dst_len = 16;
		p->routes[0].gw = p->gw4;
		p->nroutes = 1;
	}
	if (v6) {
		snprintf(buf, sizeof(buf), "fd00:%d::10", 10 + i);
		ip_parse(buf, &p->addrs[p->naddrs].ip);
		p->addrs[p->naddrs++].prefix = 64;
		snprintf(buf, sizeof(buf), "fd00:%d::fe", 10 + i);
		ip_parse(buf, &p->gw6);
	}
}

/* ---- netlink views ------------------------------------------------------------------------ */

struct view {
	struct rp_nl_link_info links[64];
	size_t nlinks;
	struct rp_nl_addr_info addrs[128];
	size_t naddrs;
	struct rp_nl_route_info routes[256];
	size_t nroutes;
	struct rp_nl_rule_info rules[128];
	size_t nrules;
};

/* v_link, v_addr, v_route, v_rule: dump callbacks appending to the view (extra records dropped). */
#define V_COLLECT(fn, type, arr, count)                  \
	static int fn(const type *x, void *a)            \
	{                                                \
		struct view *v = a;                      \
		if (v->count < RP_ARRAY_SIZE(v->arr))    \
			v->arr[v->count++] = *x;         \
		return 0;                                \
	}
V_COLLECT(v_link, struct rp_nl_link_info, links, nlinks)
V_COLLECT(v_addr, struct rp_nl_addr_info, addrs, naddrs)
V_COLLECT(v_route, struct rp_nl_route_info, routes, nroutes)
V_COLLECT(v_rule, struct rp_nl_rule_info, rules, nrules)
static void v_reset(void *a)
{
	struct view *v = a;
	v->nlinks = v->naddrs = v->nroutes = v->nrules = 0;
}

static struct view *view_of(const char *path)
{
	struct view *v = calloc(1, sizeof(*v));
	struct rp_nl_sock *s;
	struct rp_err e = { 0 };

	assert_non_null(v);
	if (path)
		assert_int_equal(rp_nl_sock_netns(path, &s, &e), 0);
	else
		assert_int_equal(rp_nl_sock_host(&s, &e), 0);
	assert_int_equal(rp_nl_dump_links(s, v_link, NULL, v, &e), 0);
	assert_int_equal(rp_nl_dump_addrs(s, AF_UNSPEC, v_addr, NULL, v, &e), 0);
	assert_int_equal(rp_nl_dump_routes(s, AF_UNSPEC, v_route, NULL, v, &e), 0);
	assert_int_equal(rp_nl_dump_rules(s, AF_UNSPEC, v_rule, NULL, v, &e), 0);
	(void)v_reset;
	return v;
}

static const struct rp_nl_link_info *find_link(const struct view *v, const char *name)
{
	for (size_t i = 0; i < v->nlinks; i++)
		if (!strcmp(v->links[i].name, name))
			return &v->links[i];
	return NULL;
}

static bool ipeq(const struct rp_ip *a, const struct rp_ip *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == RP_FAM_V4 ? 4 : 16);
}

static size_t routes_in_table(const struct view *v, uint32_t table, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < v->nroutes; i++)
		n += v->routes[i].table == table && v->routes[i].family == family;
	return n;
}

static const struct rp_nl_route_info *find_route(const struct view *v, uint32_t table, const struct rp_ip *dst,
						 uint8_t dst_len, const struct rp_ip *gw, int oif)
{
	for (size_t i = 0; i < v->nroutes; i++) {
		const struct rp_nl_route_info *r = &v->routes[i];
		if (r->table != table || r->oif != oif || r->dst_len != dst_len)
			continue;
		if (dst ? !ipeq(&r->dst, dst) : r->dst.family != 0)
			continue;
		if (gw ? !ipeq(&r->gw, gw) : r->gw.family != 0)
			continue;
		return r;
	}
	return NULL;
}

/* Nothing of ours: no rail link, no rule or route in a rail table. */
static void assert_pod_clean(const char *path)
{
	struct view *v = view_of(path);

	for (size_t i = 0; i < v->nlinks; i++) {
		assert_int_not_equal(v->links[i].group, RP_RAILS_LINK_GROUP);
		assert_true(strncmp(v->links[i].name, "net", 3) != 0);
	}
	for (size_t i = 0; i < v->nrules; i++)
		assert_false(v->rules[i].table >= RP_RAILS_TABLE_BASE && v->rules[i].table < RP_RAILS_TABLE_BASE + RP_RAILS_MAX);
	for (size_t i = 0; i < v->nroutes; i++)
		assert_false(v->routes[i].table >= RP_RAILS_TABLE_BASE &&
			     v->routes[i].table < RP_RAILS_TABLE_BASE + RP_RAILS_MAX);
	free(v);
}

/* The node namespace holds exactly lo, the NICs and pod eth0 peers: no macvlan left behind. */
static void assert_host_clean(void)
{
	struct view *v = view_of(node_path);

	for (size_t i = 0; i < v->nlinks; i++) {
		const char *n = v->links[i].name;
		bool nic = false;
		for (int k = 0; k < NNICS; k++)
			nic |= !strcmp(n, node.names[k]);
		assert_true(nic || !strcmp(n, "lo") || !strncmp(n, prefix, strlen(prefix)));
		assert_string_not_equal(v->links[i].kind, "macvlan");
	}
	free(v);
}

/* ---- `ip -j` views ------------------------------------------------------------------------ */

static json_t *ip_json(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *ip_json(const char *fmt, ...)
{
	char cmd[512], *buf;
	va_list ap;
	json_error_t je;
	json_t *j;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(rpt_sh(&buf, RPT_INHERIT, "%s", cmd), 0);
	j = json_loads(buf, 0, &je);
	if (!j)
		fail_msg("`%s` printed no JSON: %s (%s)", cmd, je.text, buf);
	free(buf);
	return j;
}

static const char *js(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void check_with_ip(int n, bool v6)
{
	json_t *links = ip_json("ip -j -n %s link show", pod_name);
	json_t *addrs = ip_json("ip -j -n %s addr show", pod_name);
	json_t *rules = ip_json("ip -j -n %s rule show", pod_name);
	json_t *mainr = ip_json("ip -j -n %s route show table main", pod_name);
	size_t i;
	json_t *x;

	for (int r = 1; r <= n; r++) {
		char name[16], ip4[32], gw4[32], table[16], net[32];
		bool seen = false;
		snprintf(name, sizeof(name), "net%d", r);
		snprintf(ip4, sizeof(ip4), "172.16.%d.10", 10 + r);
		snprintf(gw4, sizeof(gw4), "172.16.%d.254", 10 + r);
		snprintf(table, sizeof(table), "%d", 100 + r - 1);
		json_array_foreach(links, i, x) if (!strcmp(js(x, "ifname"), name)) {
			seen = true;
			assert_int_equal(json_integer_value(json_object_get(x, "mtu")), r <= 4 ? 1500 : 9000);
			json_t *fl = json_object_get(x, "flags"), *f;
			size_t k;
			bool up = false;
			json_array_foreach(fl, k, f) up |= !strcmp(json_string_value(f), "UP");
			assert_true(up);
		}
		(void)seen;
		/* Addresses: exactly our v4 (+v6) plus the link-local. */
		seen = false;
		json_array_foreach(addrs, i, x) if (!strcmp(js(x, "ifname"), name)) {
			json_t *ai = json_object_get(x, "addr_info"), *a;
			size_t k;
			bool have4 = false, have6 = !v6;
			json_array_foreach(ai, k, a) {
				if (!strcmp(js(a, "local"), ip4)) {
					have4 = true;
					assert_int_equal(json_integer_value(json_object_get(a, "prefixlen")), 16);
				}
				if (v6 && !strncmp(js(a, "local"), "fd00:", 5)) {
					have6 = true;
					assert_int_equal(json_integer_value(json_object_get(a, "prefixlen")), 64);
					assert_true(json_is_true(json_object_get(a, "nodad")));
				}
			}
			assert_true(have4 && have6);
			seen = true;
		}
		assert_true(seen);
		/* Rule: `32700+r-1: from <ip> lookup <100+r-1>`. */
		seen = false;
		json_array_foreach(rules, i, x) if (!strcmp(js(x, "src"), ip4)) {
			assert_int_equal(json_integer_value(json_object_get(x, "priority")), RP_RAILS_PRIO_BASE + r - 1);
			assert_string_equal(js(x, "table"), table);
			seen = true;
		}
		assert_true(seen);
		/* The rail table: subnet route and default, nothing else (IPv4). */
		json_t *tr = ip_json("ip -j -n %s -4 route show table %s", pod_name, table);
		assert_int_equal(json_array_size(tr), 2);
		bool sub = false, def = false;
		json_array_foreach(tr, i, x) {
			assert_string_equal(js(x, "dev"), name);
			if (!strcmp(js(x, "dst"), "172.16.0.0/16")) {
				sub = true;
				assert_string_equal(js(x, "prefsrc"), ip4);
				assert_string_equal(js(x, "scope"), "link");
			}
			if (!strcmp(js(x, "dst"), "default")) {
				def = true;
				assert_string_equal(js(x, "gateway"), gw4);
			}
		}
		assert_true(sub && def);
		json_decref(tr);
		/* The pool's route in main. */
		snprintf(net, sizeof(net), "10.%d.0.0/16", 100 + r);
		seen = false;
		json_array_foreach(mainr, i, x) if (!strcmp(js(x, "dst"), net)) {
			assert_string_equal(js(x, "gateway"), gw4);
			assert_string_equal(js(x, "dev"), name);
			seen = true;
		}
		assert_true(seen);
	}
	/* eth0's default route untouched and the only default in main. */
	int ndef = 0;
	json_array_foreach(mainr, i, x) if (!strcmp(js(x, "dst"), "default")) {
		ndef++;
		assert_string_equal(js(x, "gateway"), "10.233.119.1");
		assert_string_equal(js(x, "dev"), "eth0");
	}
	assert_int_equal(ndef, 1);
	json_decref(links);
	json_decref(addrs);
	json_decref(rules);
	json_decref(mainr);
}

static void check_with_netlink(const struct rp_rail_plan *plans, int n, const struct rp_rail_result *res)
{
	struct view *v = view_of(pod_path);
	const struct rp_nl_link_info *eth0 = find_link(v, "eth0");
	struct rp_ip gw0;

	for (int r = 1; r <= n; r++) {
		const struct rp_rail_plan *p = &plans[r - 1];
		const struct rp_nl_link_info *l = find_link(v, p->name);
		uint32_t table = RP_RAILS_TABLE_BASE + r - 1, prio = RP_RAILS_PRIO_BASE + r - 1;
		assert_non_null(l);
		assert_string_equal(l->kind, "macvlan");
		assert_int_equal(l->group, 0); /* `ip a` shows "group default", as in the seed */
		assert_true(l->flags & IFF_UP);
		assert_int_equal(l->mtu, p->mtu ? p->mtu : 9000);
		assert_int_equal(l->ifindex, res[r - 1].ifindex);
		assert_memory_equal(l->mac, res[r - 1].mac, 6);
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_rail_addr *a = &p->addrs[k];
			bool found = false;
			for (size_t j = 0; j < v->naddrs; j++)
				if (v->addrs[j].ifindex == l->ifindex && ipeq(&v->addrs[j].ip, &a->ip)) {
					found = true;
					assert_int_equal(v->addrs[j].prefix, a->prefix);
					if (a->ip.family == RP_FAM_V6)
						assert_true(v->addrs[j].flags & IFA_F_NODAD);
				}
			assert_true(found);
			found = false;
			for (size_t j = 0; j < v->nrules; j++)
				if (ipeq(&v->rules[j].src, &a->ip)) {
					found = true;
					assert_int_equal(v->rules[j].table, table);
					assert_int_equal(v->rules[j].prio, prio);
					assert_int_equal(v->rules[j].src_len, a->ip.family == RP_FAM_V4 ? 32 : 128);
				}
			assert_true(found);
			const struct rp_ip *gw = a->ip.family == RP_FAM_V4 ? &p->gw4 : &p->gw6;
			assert_non_null(find_route(v, table, NULL, 0, gw, l->ifindex));
			struct rp_ip net = a->ip;
			if (a->ip.family == RP_FAM_V4) {
				net.b[2] = net.b[3] = 0;
				const struct rp_nl_route_info *sr = find_route(v, table, &net, 16, NULL, l->ifindex);
				assert_non_null(sr);
				assert_true(ipeq(&sr->src, &a->ip));
				assert_int_equal(sr->scope, RT_SCOPE_LINK);
			}
		}
		assert_int_equal(routes_in_table(v, table, AF_INET), 2);
		for (unsigned k = 0; k < p->nroutes; k++)
			assert_non_null(find_route(v, RT_TABLE_MAIN, &p->routes[k].dst, p->routes[k].dst_len, &p->routes[k].gw,
						   l->ifindex));
	}
	assert_non_null(eth0);
	ip_parse("10.233.119.1", &gw0);
	assert_non_null(find_route(v, RT_TABLE_MAIN, NULL, 0, &gw0, eth0->ifindex));
	free(v);
}

static uint64_t nl_sends(void)
{
	struct rp_nl_stats st;

	rp_nl_stats_get(&st);
	return st.sendmsg;
}

static uint64_t sock_count(const char *path)
{
	struct rp_nl_sock *s;
	struct rp_err e;
	assert_int_equal(rp_nl_sock_netns(path, &s, &e), 0);
	return rp_nl_sock_sendmsg_count(s);
}

static int sysctl_in_pod(const char *dev)
{
	char *out;
	int v = -1;

	rpt_sh(&out, RPT_INHERIT, "ip netns exec %s cat /proc/sys/net/ipv4/conf/%s/rp_filter", pod_name, dev);
	assert_non_null(out);
	assert_int_equal(sscanf(out, "%d", &v), 1);
	free(out);
	return v;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* Rails 1..@n, each as make_plan(i, @v4, @v6) plans it. */
static void make_plans(struct rp_rail_plan *plans, int n, bool v4, bool v6)
{
	for (int i = 1; i <= n; i++)
		make_plan(&plans[i - 1], i, v4, v6);
}

/* Attach @plans into @path; it must fail with @err and a message containing @needle.  Returns
 * that message (valid until the next call). */
static const char *attach_refused(const char *path, struct rp_rail_plan *plans, int n, int err, const char *needle)
{
	static struct rp_err e;
	struct rp_rail_result res[NNICS];
	struct rp_rails_opts o = opts_default();
	int r;

	memset(&e, 0, sizeof(e));
	r = rp_rails_attach(path, plans, n, &o, res, &e);
	print_message("error: %s\n", e.msg);
	assert_int_equal(r, err);
	assert_non_null(strstr(e.msg, needle));
	return e.msg;
}

/* Attach @plans into the pod; it must succeed. */
static void attach_ok(struct rp_rail_plan *plans, int n, struct rp_rail_result *res)
{
	struct rp_rails_opts o = opts_default();
	struct rp_err e = { 0 };

	if (rp_rails_attach(pod_path, plans, n, &o, res, &e))
		fail_msg("attach: %s", e.msg);
}

/* CHECK passes, then DETACH succeeds; the pod keeps nothing of ours. */
static void check_and_detach(struct rp_rail_plan *plans, int n)
{
	struct rp_rails_opts o = opts_default();
	struct rp_err e = { 0 };

	if (rp_rails_check(pod_path, plans, n, &o, &e))
		fail_msg("check: %s", e.msg);
	assert_int_equal(rp_rails_detach(pod_path, plans, n, &o, &e), 0);
	assert_pod_clean(pod_path);
}

/* Nothing left in the pod or on the node. */
static void assert_all_clean(void)
{
	assert_pod_clean(pod_path);
	assert_host_clean();
}

static void test_eight_rails(void **state)
{
	struct rp_rail_plan plans[NNICS];
	struct rp_rail_result res[NNICS];
	struct rp_rails_opts o = opts_default();
	struct rp_err e = { 0 };
	(void)state;

	make_plans(plans, NNICS, true, false);
	/* A strict pod: new links inherit rp_filter=1 from "default"; attach must relax both. */
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT,
				"ip netns exec %s sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter && "
				"echo 1 > /proc/sys/net/ipv4/conf/default/rp_filter'", pod_name),
			 0);
	/* Open the cached sockets first so the counts below are the attach's own. */
	struct rp_nl_stats st0, st1;
	uint64_t h0 = sock_count(node_path), p0 = sock_count(pod_path), t0 = nl_sends();
	rp_nl_stats_get(&st0);
	attach_ok(plans, NNICS, res);
	rp_nl_stats_get(&st1);
	uint64_t dh = sock_count(node_path) - h0, dp = sock_count(pod_path) - p0, dt = nl_sends() - t0;
	uint64_t dr = st1.recv_calls - st0.recv_calls;
	print_message("8-rail attach: %llu sendmsg in the host netns, %llu in the pod (%llu total), %llu receive "
		      "calls\n", (unsigned long long)dh, (unsigned long long)dp, (unsigned long long)dt,
		      (unsigned long long)dr);
	assert_int_equal(dh, 1);
	assert_int_equal(dp, 2); /* the links' indexes, then everything else (all.rp_filter read too) */
	assert_int_equal(dt, dh + dp);
	/* up to 15 replies per recvmmsg: the host's 8 ACKs (1 call); the 8 GETLINK answers and their
	 * 8 ACKs (2); the pod batch's ~50 replies (4).  Asking only for as many as there were ops
	 * still unanswered took 5 calls for the GETLINK batch alone. */
	assert_true(dr >= 5 && dr <= 7);

	check_with_netlink(plans, NNICS, res);
	check_with_ip(NNICS, false);
	if (rp_rails_check(pod_path, plans, NNICS, &o, &e))
		fail_msg("check after attach: %s", e.msg);
	assert_int_equal(sysctl_in_pod("all"), 0);
	assert_int_equal(sysctl_in_pod("default"), 1); /* untouched */
	for (int i = 1; i <= NNICS; i++) {
		char dev[16];
		snprintf(dev, sizeof(dev), "net%d", i);
		assert_int_equal(sysctl_in_pod(dev), 0);
	}

	/* CHECK notices a deleted route, precisely. */
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %s route del default table 102", pod_name), 0);
	assert_int_equal(rp_rails_check(pod_path, plans, NNICS, &o, &e), -ENOENT);
	print_message("check: %s\n", e.msg);
	assert_non_null(strstr(e.msg, "rail 3 (net3): route default via 172.16.13.254 table 102 is missing"));

	h0 = sock_count(node_path);
	p0 = sock_count(pod_path);
	if (rp_rails_detach(pod_path, plans, NNICS, &o, &e))
		fail_msg("detach: %s", e.msg);
	dh = sock_count(node_path) - h0;
	dp = sock_count(pod_path) - p0;
	print_message("8-rail detach: %llu sendmsg in the host netns, %llu in the pod\n", (unsigned long long)dh,
		      (unsigned long long)dp);
	assert_true(dh <= 2);
	assert_true(dp <= 2);
	assert_all_clean();
	/* eth0 kept its default route. */
	json_t *mainr = ip_json("ip -j -n %s route show default", pod_name);
	assert_int_equal(json_array_size(mainr), 1);
	assert_string_equal(js(json_array_get(mainr, 0), "dev"), "eth0");
	json_decref(mainr);
	/* Repeated detach is fine, and so is a detach after the namespace is gone. */
	assert_int_equal(rp_rails_detach(pod_path, plans, NNICS, &o, &e), 0);
	assert_int_equal(rp_rails_detach(pod_path, NULL, 0, &o, &e), 0);
	rp_sim_pod_del(&pod, NULL);
	pod_name[0] = '\0';
	assert_int_equal(rp_rails_detach(pod_path, plans, NNICS, &o, &e), 0);
}

static void test_mtu_above_master(void **state)
{
	struct rp_rail_plan plans[NNICS];
	(void)state;

	make_plans(plans, NNICS, true, false);
	plans[4].mtu = 9500;
	uint64_t p0 = sock_count(pod_path), h0 = sock_count(node_path);
	attach_refused(pod_path, plans, NNICS, -ERANGE,
		       "rail 5 (net5): MTU 9500 is above the MTU 9000 of its master enp15s0f0np0");
	/* Refused before anything was touched: the masters were looked up by interface ioctls,
	 * and no netlink message went out in either namespace. */
	assert_int_equal(sock_count(pod_path) - p0, 0);
	assert_int_equal(sock_count(node_path) - h0, 0);
	assert_all_clean();
	/* A missing master is refused the same way. */
	plans[4].mtu = 0;
	snprintf(plans[6].master, sizeof(plans[6].master), "nosuchnic0");
	attach_refused(pod_path, plans, NNICS, -ENODEV, "get link nosuchnic0: No such device");
	assert_all_clean();
}

static void test_stale_link_in_pod(void **state)
{
	struct rp_rail_plan plans[NNICS];
	(void)state;

	make_plans(plans, NNICS, true, false);
	/* Someone left a "net5" in the pod: rail 5's create fails in the middle of the host batch. */
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %s link add net5 type veth peer name xnet5", pod_name), 0);
	attach_refused(pod_path, plans, NNICS, -EEXIST,
		       "rail 5 (net5): create macvlan net5 on enp15s0f0np0: File exists");
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %s link del net5", pod_name), 0);
	assert_all_clean();
}

static void test_address_in_use_in_pod(void **state)
{
	struct rp_rail_plan plans[NNICS];
	(void)state;

	make_plans(plans, NNICS, true, false);
	/* Rail 5's address is already present on the pod's eth0 with the same prefix, and
	 * already routed: its rule exists.  The pod batch fails at rail 5 and all is undone. */
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT,
				"ip -n %s addr add 172.16.15.10/16 dev eth0 && "
				"ip -n %s rule add from 172.16.15.10 lookup 104 pref 32704", pod_name, pod_name),
			 0);
	attach_refused(pod_path, plans, NNICS, -EEXIST,
		       "rail 5 (net5): add rule 32704: from 172.16.15.10 lookup 104: File exists");
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT,
				"ip -n %s rule del pref 32704 && ip -n %s addr del 172.16.15.10/16 dev eth0", pod_name,
				pod_name),
			 0);
	assert_all_clean();
	/* eth0's own configuration survived the rollback. */
	json_t *mainr = ip_json("ip -j -n %s route show default", pod_name);
	assert_int_equal(json_array_size(mainr), 1);
	json_decref(mainr);
}

static void test_netns_gone(void **state)
{
	struct rp_rail_plan plans[2];
	struct rp_rails_opts o = opts_default();
	struct rp_err e = { 0 };
	char path[200];
	(void)state;

	make_plans(plans, 2, true, false);
	snprintf(path, sizeof(path), "/run/netns/%snope", prefix);
	attach_refused(path, plans, 2, -ENOENT, path);
	assert_int_equal(rp_rails_detach(path, plans, 2, &o, &e), 0);
	/* A file left behind without its namespace mount: nothing to detach either. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(rp_rails_detach(path, plans, 2, &o, &e), 0);
	attach_refused(path, plans, 2, -EINVAL, "");
	unlink(path);
	assert_host_clean();
}

static void test_ipv6_rails_and_probes(void **state)
{
	struct rp_rail_plan plans[2];
	struct rp_rail_result res[2];
	(void)state;

	/* Dual-stack rails 1 and 2 with both gateways probed (ARP and NDP answer from the fabric). */
	make_plans(plans, 2, true, true);
	plans[0].probe_gateway = plans[1].probe_gateway = true;
	attach_ok(plans, 2, res);
	/* a pod at all.rp_filter=0 keeps it */
	assert_int_equal(sysctl_in_pod("all"), 0);
	check_with_netlink(plans, 2, res);
	check_with_ip(2, true);
	/* IPv6 rules and table routes. */
	json_t *rules = ip_json("ip -6 -j -n %s rule show", pod_name), *x;
	size_t i;
	int seen = 0;
	json_array_foreach(rules, i, x) if (!strncmp(js(x, "src"), "fd00:", 5)) {
		seen++;
		assert_int_equal(json_integer_value(json_object_get(x, "priority")),
				 RP_RAILS_PRIO_BASE + (strcmp(js(x, "src"), "fd00:11::10") ? 1 : 0));
	}
	assert_int_equal(seen, 2);
	json_decref(rules);
	json_t *t6 = ip_json("ip -6 -j -n %s route show table 101", pod_name);
	bool def = false, sub = false;
	json_array_foreach(t6, i, x) {
		def |= !strcmp(js(x, "dst"), "default") && !strcmp(js(x, "gateway"), "fd00:12::fe");
		sub |= !strcmp(js(x, "dst"), "fd00:12::/64") && !strcmp(js(x, "prefsrc"), "fd00:12::10");
	}
	assert_true(def && sub);
	json_decref(t6);
	check_and_detach(plans, 2);
	assert_host_clean();
}

static void test_gateway_silent(void **state)
{
	struct rp_rail_plan plans[3];
	(void)state;

	make_plans(plans, 3, true, false);
	for (int i = 0; i < 3; i++)
		plans[i].probe_gateway = true;
	assert_string_equal(attach_refused(pod_path, plans, 3, -EHOSTUNREACH, ""),
			    "rail 3 (net3): gateway 172.16.13.254 did not answer ARP within 500 ms");
	assert_all_clean();
}

static void test_address_conflict(void **state)
{
	struct rp_rail_plan plans[6];
	(void)state;

	make_plans(plans, 6, true, false);
	/* Another host (the fabric) owns 172.16.16.99; rail 6 is planned with it. */
	ip_parse("172.16.16.99", &plans[5].addrs[0].ip);
	plans[5].probe_conflict = true;
	attach_refused(pod_path, plans, 6, -EADDRINUSE, "rail 6 (net6): address 172.16.16.99 is already in use by ");
	assert_all_clean();
}

static void test_address_conflict_v6(void **state)
{
	struct rp_rail_plan plans[2];
	(void)state;

	/* IPv6-only rail 2 planned with the fabric's own fd00:12::fe: the DAD probe is answered. */
	make_plan(&plans[0], 1, true, false);
	make_plan(&plans[1], 2, false, true);
	ip_parse("fd00:12::fe", &plans[1].addrs[0].ip);
	memset(&plans[1].gw6, 0, sizeof(plans[1].gw6));
	plans[1].probe_conflict = true;
	assert_non_null(strstr(attach_refused(pod_path, plans, 2, -EADDRINUSE,
					      "rail 2 (net2): address fd00:12::fe is already in use by "),
			       "(answered NDP)"));
	assert_all_clean();
}

/* RP_RAIL_MOVE (the SR-IOV path): an existing node netdev moves into the pod as netN with an
 * MTU, gets the rail's layout, and goes back under its own name on detach. */
static void test_move_rail(void **state)
{
	struct rp_rail_plan plans[2];
	struct rp_rail_result res[2];
	char vf[32];
	(void)state;

	snprintf(vf, sizeof(vf), "%svf", prefix);
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %snode link add %s mtu 9000 type veth peer name %svp", prefix,
				vf, prefix),
			 0);
	make_plans(plans, 2, true, false);
	plans[1].kind = RP_RAIL_MOVE;
	assert_true(strlen(vf) < sizeof(plans[1].master));
	memcpy(plans[1].master, vf, strlen(vf) + 1);
	plans[1].mtu = 4000;
	attach_ok(plans, 2, res);
	struct view *v = view_of(pod_path);
	const struct rp_nl_link_info *l = find_link(v, "net2");
	assert_non_null(l);
	assert_string_equal(l->kind, "veth");
	assert_int_equal(l->mtu, 4000);
	assert_int_not_equal(l->group, RP_RAILS_LINK_GROUP);
	free(v);
	check_and_detach(plans, 2);
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip -n %snode link show %s >/dev/null && ip -n %snode link del %s",
				prefix, vf, prefix, vf),
			 0);
	assert_host_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_eight_rails, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_above_master, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_stale_link_in_pod, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_address_in_use_in_pod, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_netns_gone, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_rails_and_probes, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_gateway_silent, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_address_conflict, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_address_conflict_v6, pod_setup, pod_teardown),
		cmocka_unit_test_setup_teardown(test_move_rail, pod_setup, pod_teardown),
	};

	if (geteuid() != 0) {
		printf("SKIP: needs root (creates network namespaces, veths and macvlans)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
