/* SPDX-License-Identifier: Apache-2.0 */
/* CNI CHECK for rails: compare dumps of the pod's links, addresses, rules and routes to the plan. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "core/rails.h"
#include "netlink/nl.h"

struct vec {
	void *v;
	size_t n, cap, sz;
};

static int vec_push(struct vec *v, const void *x)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 64;
		void *nv = realloc(v->v, nc * v->sz);
		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	memcpy((char *)v->v + v->n * v->sz, x, v->sz);
	v->n++;
	return 0;
}

static void vec_reset(void *a)
{
	((struct vec *)a)->n = 0;
}

static int on_link(const struct rp_nl_link_info *x, void *a) { return vec_push(a, x); }
static int on_addr(const struct rp_nl_addr_info *x, void *a) { return vec_push(a, x); }
static int on_route(const struct rp_nl_route_info *x, void *a) { return vec_push(a, x); }
static int on_rule(const struct rp_nl_rule_info *x, void *a) { return vec_push(a, x); }

static bool ip_eq(const struct rp_ip *a, const struct rp_ip *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == RP_FAM_V4 ? 4 : 16);
}

struct report {
	struct rp_err *e;
	char buf[RP_ERR_MSG_MAX];
	size_t len;
	unsigned missing;
};

static void miss(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void miss(struct report *r, const char *fmt, ...)
{
	va_list ap;

	r->missing++;
	if (r->len + 4 >= sizeof(r->buf))
		return;
	if (r->len)
		r->len += (size_t)snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "; ");
	va_start(ap, fmt);
	int w = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		r->len += (size_t)w;
	if (r->len >= sizeof(r->buf))
		r->len = sizeof(r->buf) - 1;
}

static bool has_route(const struct vec *routes, uint32_t table, const struct rp_ip *dst, uint8_t dst_len,
		      const struct rp_ip *gw, int oif)
{
	const struct rp_nl_route_info *ri = routes->v;

	for (size_t j = 0; j < routes->n; j++) {
		const struct rp_nl_route_info *x = &ri[j];
		if (x->table != table || x->oif != oif || x->dst_len != (dst ? dst_len : 0))
			continue;
		if (dst ? !ip_eq(&x->dst, dst) : x->dst.family != 0)
			continue;
		if (gw ? !ip_eq(&x->gw, gw) : x->gw.family != 0)
			continue;
		return true;
	}
	return false;
}

static struct rp_ip net_of(const struct rp_ip *ip, uint8_t prefix)
{
	struct rp_ip n = *ip;
	unsigned bits = ip->family == RP_FAM_V4 ? 32 : 128;

	for (unsigned b = prefix; b < bits; b++)
		n.b[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	return n;
}

int rp_rails_check(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		   struct rp_err *e)
{
	struct vec links = { .sz = sizeof(struct rp_nl_link_info) }, addrs = { .sz = sizeof(struct rp_nl_addr_info) },
		   routes = { .sz = sizeof(struct rp_nl_route_info) }, rules = { .sz = sizeof(struct rp_nl_rule_info) };
	struct report rep = { .e = e };
	struct rp_nl_sock *pod;
	char b1[48], b2[48];
	int err;

	if (n > RP_RAILS_MAX)
		return rp_err_set(e, -EINVAL, "rails: check of %u rails", n);
	if ((err = rp_nl_sock_netns(netns, &pod, e)))
		return err;
	if ((err = rp_nl_dump_links(pod, on_link, vec_reset, &links, e)) || (err = rp_nl_dump_addrs(pod, AF_UNSPEC, on_addr, vec_reset, &addrs, e)) ||
	    (err = rp_nl_dump_routes(pod, AF_UNSPEC, on_route, vec_reset, &routes, e)) ||
	    (err = rp_nl_dump_rules(pod, AF_UNSPEC, on_rule, vec_reset, &rules, e)))
		goto out;
	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		const struct rp_nl_link_info *li = NULL, *lv = links.v;
		uint32_t table = rp_rails_table(o, rp_rail_no(&plans[i], i)), prio = rp_rails_prio(o, rp_rail_no(&plans[i], i));

		for (size_t j = 0; j < links.n; j++)
			if (!strcmp(lv[j].name, p->name))
				li = &lv[j];
		if (!li) {
			miss(&rep, "rail %u (%s): interface %s is missing", rp_rail_no(&plans[i], i), p->name, p->name);
			continue;
		}
		if (!(li->flags & IFF_UP))
			miss(&rep, "rail %u (%s): interface is down", rp_rail_no(&plans[i], i), p->name);
		if (p->mtu && li->mtu != p->mtu)
			miss(&rep, "rail %u (%s): MTU is %u, want %u", rp_rail_no(&plans[i], i), p->name, li->mtu, p->mtu);
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_rail_addr *a = &p->addrs[k];
			const struct rp_nl_addr_info *av = addrs.v;
			const struct rp_nl_rule_info *rv = rules.v;
			bool found = false;
			uint8_t host_len = a->ip.family == RP_FAM_V4 ? 32 : 128;

			rp_nl_ip_str(&a->ip, b1, sizeof(b1));
			for (size_t j = 0; j < addrs.n && !found; j++)
				found = av[j].ifindex == li->ifindex && av[j].prefix == a->prefix && ip_eq(&av[j].ip, &a->ip);
			if (!found)
				miss(&rep, "rail %u (%s): address %s/%u is missing", rp_rail_no(&plans[i], i), p->name, b1, a->prefix);
			found = false;
			for (size_t j = 0; j < rules.n && !found; j++)
				found = rv[j].table == table && rv[j].prio == prio && rv[j].src_len == host_len &&
					ip_eq(&rv[j].src, &a->ip);
			if (!found)
				miss(&rep, "rail %u (%s): rule %u: from %s lookup %u is missing", rp_rail_no(&plans[i], i), p->name, prio, b1, table);
			struct rp_ip net = net_of(&a->ip, a->prefix);
			if (!has_route(&routes, table, &net, a->prefix, NULL, li->ifindex))
				miss(&rep, "rail %u (%s): route %s/%u dev %s table %u is missing", rp_rail_no(&plans[i], i), p->name,
				     rp_nl_ip_str(&net, b2, sizeof(b2)), a->prefix, p->name, table);
			const struct rp_ip *gw = a->ip.family == RP_FAM_V4 ? &p->gw4 : &p->gw6;
			if (gw->family == a->ip.family && !has_route(&routes, table, NULL, 0, gw, li->ifindex))
				miss(&rep, "rail %u (%s): route default via %s table %u is missing", rp_rail_no(&plans[i], i), p->name,
				     rp_nl_ip_str(gw, b2, sizeof(b2)), table);
		}
		for (unsigned k = 0; k < p->nroutes; k++) {
			const struct rp_rail_route *r = &p->routes[k];
			if (rp_rails_route_shadowed(plans, i, k))
				continue;
			if (!has_route(&routes, RT_TABLE_MAIN, &r->dst, r->dst_len, r->gw.family ? &r->gw : NULL, li->ifindex))
				miss(&rep, "rail %u (%s): route %s/%u%s%s dev %s (main table) is missing", rp_rail_no(&plans[i], i), p->name,
				     rp_nl_ip_str(&r->dst, b1, sizeof(b1)), r->dst_len, r->gw.family ? " via " : "",
				     r->gw.family ? rp_nl_ip_str(&r->gw, b2, sizeof(b2)) : "", p->name);
		}
	}
	if (rep.missing)
		err = rp_err_set(e, -ENOENT, "rails check in %s: %s", netns, rep.buf);
out:
	free(links.v);
	free(addrs.v);
	free(routes.v);
	free(rules.v);
	return err;
}
