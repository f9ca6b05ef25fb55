/* SPDX-License-Identifier: Apache-2.0 */
/* Attach/detach N rails to a pod: one netlink transaction per namespace (see rails.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <sys/socket.h>
#include <sys/statfs.h>

#include "core/rails.h"

#include "core/errors.h"
#include "netlink/nl.h"
#include "netlink/probe.h"

#define DEFAULT_PROBE_MS 1000

uint32_t rp_rails_table(const struct rp_rails_opts *o, unsigned i)
{
	return (o && o->table_base ? o->table_base : RP_RAILS_TABLE_BASE) + i - 1;
}

uint32_t rp_rails_prio(const struct rp_rails_opts *o, unsigned i)
{
	return (o && o->prio_base ? o->prio_base : RP_RAILS_PRIO_BASE) + i - 1;
}

static int host_sock(const struct rp_rails_opts *o, struct rp_nl_sock **s, struct rp_err *e)
{
	return o && o->host_netns && *o->host_netns ? rp_nl_sock_netns(o->host_netns, s, e) : rp_nl_sock_host(s, e);
}

static struct rp_ip network_of(const struct rp_ip *ip, uint8_t prefix)
{
	struct rp_ip n = *ip;
	unsigned bits = ip->family == RP_FAM_V4 ? 32 : 128;

	for (unsigned b = prefix; b < bits; b++)
		n.b[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	return n;
}

static const struct rp_ip *gw_for(const struct rp_rail_plan *p, uint8_t family)
{
	const struct rp_ip *g = family == RP_FAM_V4 ? &p->gw4 : &p->gw6;
	return g->family == family ? g : NULL;
}

static int validate(const struct rp_rail_plan *plans, unsigned n, struct rp_err *e)
{
	if (n == 0 || n > RP_RAILS_MAX)
		return rp_err_set(e, -EINVAL, "rails: %u rails requested; between 1 and %d are supported", n, RP_RAILS_MAX);
	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		if (!p->name[0] || memchr(p->name, '\0', sizeof(p->name)) == NULL || !p->master[0] ||
		    memchr(p->master, '\0', sizeof(p->master)) == NULL)
			return rp_err_set(e, -EINVAL, "rail %u: interface name or master missing or longer than 15", rp_rail_no(&plans[i], i));
		if (p->kind != RP_RAIL_MACVLAN && p->kind != RP_RAIL_MOVE)
			return rp_err_set(e, -EINVAL, "rail %u (%s): unknown kind %d", rp_rail_no(&plans[i], i), p->name, p->kind);
		if (p->naddrs > RP_RAILS_MAX_ADDRS || p->nroutes > RP_RAILS_MAX_ROUTES)
			return rp_err_set(e, -EINVAL, "rail %u (%s): too many addresses or routes", rp_rail_no(&plans[i], i), p->name);
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_rail_addr *a = &p->addrs[k];
			if ((a->ip.family != RP_FAM_V4 && a->ip.family != RP_FAM_V6) ||
			    a->prefix > (a->ip.family == RP_FAM_V4 ? 32 : 128))
				return rp_err_set(e, -EINVAL, "rail %u (%s): address %u has no family or a bad prefix", rp_rail_no(&plans[i], i),
						  p->name, k + 1);
		}
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(plans[j].name, p->name))
				return rp_err_set(e, -EINVAL, "rails %u and %u are both named %s", j + 1, i + 1, p->name);
	}
	return 0;
}

/* Runs inside the pod: /proc/sys/net is the namespace of the opener. */
static int write_zero(void *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Host namespace: create/move every rail into the pod in one batch. Inverses go to @pod_t. */
static int queue_host(struct rp_nl_txn *host_t, struct rp_nl_txn *pod_t, int host_ns, int pod_ns,
		      const struct rp_rail_plan *plans, unsigned n, const struct rp_nl_link_info *mli)
{
	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		struct nl_msg *m, *undo;
		int err;

		if (p->kind == RP_RAIL_MACVLAN) {
			struct rp_nl_macvlan mv = { .name = p->name, .master_ifindex = mli[i].ifindex, .netns_fd = pod_ns,
						    .mtu = p->mtu, .mac = p->has_mac ? p->mac : NULL,
						    .up = true };
			m = rp_nl_msg_macvlan_add(&mv);
			undo = rp_nl_msg_link_del(0, p->name);
			err = rp_nl_txn_add(host_t, m, undo, pod_t, NULL, NULL, "rail %u (%s): create macvlan %s on %s", rp_rail_no(&plans[i], i),
					    p->name, p->name, p->master);
		} else {
			/* The kernel keeps the ifindex across namespaces unless it is taken in the pod;
			 * the undo assumes it kept it (it is only used on a failed attach). */
			struct rp_nl_link_set mv = { .ifindex = mli[i].ifindex, .new_name = p->name, .netns_fd = pod_ns,
						     .mtu = p->mtu, .up = 1, .rp_filter = -1,
						     .mac = p->has_mac ? p->mac : NULL };
			struct rp_nl_link_set back = { .ifindex = mli[i].ifindex, .new_name = p->master, .netns_fd = host_ns,
						       .mtu = mli[i].mtu, .up = -1, .rp_filter = -1 };
			m = rp_nl_msg_link_set(&mv);
			undo = rp_nl_msg_link_set(&back);
			err = rp_nl_txn_add(host_t, m, undo, pod_t, NULL, NULL, "rail %u (%s): move %s into the pod as %s", rp_rail_no(&plans[i], i),
					    p->name, p->master, p->name);
		}
		if (err)
			return err;
	}
	return 0;
}

bool rp_rails_route_shadowed(const struct rp_rail_plan *plans, unsigned i, unsigned k)
{
	const struct rp_rail_route *r = &plans[i].routes[k];

	for (unsigned j = 0; j <= i; j++)
		for (unsigned m = 0; m < (j == i ? k : plans[j].nroutes); m++) {
			const struct rp_rail_route *o = &plans[j].routes[m];
			if (o->dst.family == r->dst.family && o->dst_len == r->dst_len &&
			    !memcmp(o->dst.b, r->dst.b, sizeof(r->dst.b)))
				return true;
		}
	return false;
}

static int add_route(struct rp_nl_txn *t, unsigned i, const char *name, const struct rp_nl_route *r, const char *what)
{
	return rp_nl_txn_add(t, rp_nl_msg_route(true, r), rp_nl_msg_route(false, r), NULL, NULL, NULL,
			     "rail %u (%s): add route %s table %u", i, name, what, r->table);
}

static int netconf_cb(const struct nlmsghdr *h, void *arg)
{
	return rp_nl_netconf_parse(h, arg);
}

/* Pod namespace: all.rp_filter read, rp_filter, addresses, rail tables, rules, main routes, in
 * one batch. */
static int queue_pod(struct rp_nl_txn *t, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		     const struct rp_nl_link_info *pli, struct rp_nl_netconf *all)
{
	char b1[48], b2[48], what[160];
	int err;

	if ((err = rp_nl_txn_add(t, rp_nl_msg_netconf_get(AF_INET, NETCONFA_IFINDEX_ALL), NULL, NULL, netconf_cb, all,
				 "read net.ipv4.conf.all.rp_filter")))
		return err;

	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		struct rp_nl_link_set ls = { .ifindex = pli[i].ifindex, .netns_fd = -1, .up = 1, .rp_filter = 0 };
		if ((err = rp_nl_txn_add(t, rp_nl_msg_link_set(&ls), NULL, NULL, NULL, NULL,
					 "rail %u (%s): set %s up with rp_filter 0", rp_rail_no(&plans[i], i), p->name, p->name)))
			return err;
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_rail_addr *a = &p->addrs[k];
			if ((err = rp_nl_txn_add(t, rp_nl_msg_addr(true, pli[i].ifindex, &a->ip, a->prefix),
						 rp_nl_msg_addr(false, pli[i].ifindex, &a->ip, a->prefix), NULL, NULL, NULL,
						 "rail %u (%s): add address %s/%u on %s", rp_rail_no(&plans[i], i), p->name,
						 rp_nl_ip_str(&a->ip, b1, sizeof(b1)), a->prefix, p->name)))
				return err;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		uint32_t table = rp_rails_table(o, rp_rail_no(&plans[i], i)), prio = rp_rails_prio(o, rp_rail_no(&plans[i], i));
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_rail_addr *a = &p->addrs[k];
			struct rp_ip net = network_of(&a->ip, a->prefix);
			const struct rp_ip *gw = gw_for(p, a->ip.family);
			int af = rp_nl_af(&a->ip);
			uint8_t host_len = a->ip.family == RP_FAM_V4 ? 32 : 128;
			struct rp_nl_route sub = { .table = table, .dst = &net, .dst_len = a->prefix, .src = &a->ip,
						   .oif = pli[i].ifindex };

			snprintf(what, sizeof(what), "%s/%u dev %s src %s", rp_nl_ip_str(&net, b1, sizeof(b1)), a->prefix,
				 p->name, rp_nl_ip_str(&a->ip, b2, sizeof(b2)));
			if ((err = add_route(t, rp_rail_no(&plans[i], i), p->name, &sub, what)))
				return err;
			if (gw) {
				struct rp_nl_route def = { .table = table, .gw = gw, .oif = pli[i].ifindex, .family = af };
				snprintf(what, sizeof(what), "default via %s dev %s", rp_nl_ip_str(gw, b1, sizeof(b1)), p->name);
				if ((err = add_route(t, rp_rail_no(&plans[i], i), p->name, &def, what)))
					return err;
			}
			if ((err = rp_nl_txn_add(t, rp_nl_msg_rule(true, af, &a->ip, host_len, table, prio),
						 rp_nl_msg_rule(false, af, &a->ip, host_len, table, prio), NULL, NULL, NULL,
						 "rail %u (%s): add rule %u: from %s lookup %u", rp_rail_no(&plans[i], i), p->name, prio,
						 rp_nl_ip_str(&a->ip, b1, sizeof(b1)), table)))
				return err;
		}
		for (unsigned k = 0; k < p->nroutes; k++) {
			const struct rp_rail_route *r = &p->routes[k];
			if (rp_rails_route_shadowed(plans, i, k))
				continue;
			struct rp_nl_route mr = { .table = RT_TABLE_MAIN, .dst = &r->dst, .dst_len = r->dst_len,
						  .gw = r->gw.family ? &r->gw : NULL, .oif = pli[i].ifindex };
			if (r->gw.family)
				snprintf(what, sizeof(what), "%s/%u via %s dev %s", rp_nl_ip_str(&r->dst, b1, sizeof(b1)),
					 r->dst_len, rp_nl_ip_str(&r->gw, b2, sizeof(b2)), p->name);
			else
				snprintf(what, sizeof(what), "%s/%u dev %s", rp_nl_ip_str(&r->dst, b1, sizeof(b1)), r->dst_len,
					 p->name);
			if ((err = add_route(t, rp_rail_no(&plans[i], i), p->name, &mr, what)))
				return err;
		}
	}
	return 0;
}

static int run_probes(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		      const struct rp_nl_link_info *pli, struct rp_err *e)
{
	struct rp_nl_probe pr[RP_RAILS_MAX * RP_RAILS_MAX_ADDRS];
	unsigned np = 0, rail[RP_RAILS_MAX * RP_RAILS_MAX_ADDRS];
	unsigned ms = o && o->probe_timeout_ms ? o->probe_timeout_ms : DEFAULT_PROBE_MS;
	char b1[48], b2[20];
	int err;

	for (unsigned i = 0; i < n; i++) {
		const struct rp_rail_plan *p = &plans[i];
		if (!p->probe_gateway && !p->probe_conflict)
			continue;
		for (unsigned k = 0; k < p->naddrs; k++) {
			const struct rp_ip *gw = gw_for(p, p->addrs[k].ip.family);
			struct rp_nl_probe *q = &pr[np];
			memset(q, 0, sizeof(*q));
			q->ifindex = pli[i].ifindex;
			q->ifname = p->name;
			memcpy(q->mac, pli[i].mac, 6);
			q->local = p->addrs[k].ip;
			if (p->probe_gateway && gw)
				q->gateway = *gw;
			q->conflict = p->probe_conflict;
			rail[np++] = i;
		}
	}
	if (!np)
		return 0;
	if ((err = rp_nl_probe_run(netns, pr, np, ms, e)))
		return err;
	for (unsigned j = 0; j < np; j++) {
		const struct rp_nl_probe *q = &pr[j];
		bool v6 = q->local.family == RP_FAM_V6;
		if (q->conflict_result) {
			rp_nl_mac_str(q->conflict_mac, b2, sizeof(b2));
			return rp_err_set(e, -EADDRINUSE, "rail %u (%s): address %s is already in use by %s (answered %s)",
					  rail[j] + 1, q->ifname, rp_nl_ip_str(&q->local, b1, sizeof(b1)), b2, v6 ? "NDP" : "ARP");
		}
		if (q->gw_result)
			return rp_err_set(e, -EHOSTUNREACH, "rail %u (%s): gateway %s did not answer %s within %u ms",
					  rail[j] + 1, q->ifname, rp_nl_ip_str(&q->gateway, b1, sizeof(b1)), v6 ? "NDP" : "ARP",
					  ms);
	}
	return 0;
}

int rp_rails_attach(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		    struct rp_rail_result *out, struct rp_err *e)
{
	const char *names[RP_RAILS_MAX];
	struct rp_nl_link_info mli[RP_RAILS_MAX], pli[RP_RAILS_MAX];
	struct rp_nl_sock *host, *pod;
	struct rp_nl_txn *host_t = NULL, *pod_t = NULL;
	struct rp_nl_netconf all = { .rp_filter = -1 };
	struct rp_err rb;
	int err;

	if ((err = validate(plans, n, e)))
		return err;
	if ((err = host_sock(o, &host, e)))
		return err;
	if ((err = rp_nl_sock_netns(netns, &pod, e)))
		return err;
	/* Masters first: a wrong master or MTU is refused before anything is touched. */
	for (unsigned i = 0; i < n; i++)
		names[i] = plans[i].master;
	if ((err = rp_nl_links_brief(host, names, n, mli, e)))
		return rp_err_prefix(e, "rails: host interfaces: ");
	/* A moved device (SR-IOV VF) may be raised up to its PF's MTU, which its caller checked
	 * (core/sriov.h); a macvlan can never exceed its master's current MTU. */
	for (unsigned i = 0; i < n; i++)
		if (plans[i].kind == RP_RAIL_MACVLAN && plans[i].mtu && plans[i].mtu > mli[i].mtu) {
			rp_err_set(e, -ERANGE,
				   "rail %u (%s): MTU %u is above the MTU %u of its master %s; lower the network's mtu "
				   "or raise the master's", rp_rail_no(&plans[i], i), plans[i].name, plans[i].mtu, mli[i].mtu, plans[i].master);
			if (e)
				e->cni_code = RP_CNI_ERR_MTU;
			return -ERANGE;
		}
	if (rp_nl_txn_new(host, &host_t) || rp_nl_txn_new(pod, &pod_t)) {
		err = rp_err_set(e, -ENOMEM, "rails: out of memory");
		goto out;
	}
	if ((err = queue_host(host_t, pod_t, rp_nl_sock_ns_fd(host), rp_nl_sock_ns_fd(pod), plans, n, mli))) {
		rp_err_set(e, err, "rails: cannot build the host requests (out of memory or a bad argument)");
		goto out;
	}
	if ((err = rp_nl_txn_commit(host_t, e)))
		goto undo;
	/* RTM_GETLINK also makes the kernel run the links' pending link-watch events, so they
	 * report operstate UP when ADD returns. */
	for (unsigned i = 0; i < n; i++)
		names[i] = plans[i].name;
	if ((err = rp_nl_links_get(pod, names, n, pli, e))) {
		rp_err_prefix(e, "rails: pod interfaces: ");
		goto undo;
	}
	if ((err = queue_pod(pod_t, plans, n, o, pli, &all))) {
		rp_err_set(e, err, "rails: cannot build the pod requests (out of memory or a bad argument)");
		goto undo;
	}
	if ((err = rp_nl_txn_commit(pod_t, e)))
		goto undo;
	/* The kernel takes max(all, device); the batch set the devices' and read "all".  Only a pod
	 * whose all.rp_filter is not 0 costs the trip into the namespace: a new namespace copies the
	 * node's value (net.core.devconf_inherit_init_net=0), so a node with systemd's
	 * rp_filter=2 pays it on every ADD. */
	if (all.rp_filter != 0) {
		int r = rp_nl_netns_run(netns, write_zero, (void *)"/proc/sys/net/ipv4/conf/all/rp_filter", NULL);
		if (r) {
			err = rp_err_set(e, r, "rails: set net.ipv4.conf.all.rp_filter=0 in %s: %s", netns, strerror(-r));
			goto undo;
		}
	}
	if ((err = run_probes(netns, plans, n, o, pli, e)))
		goto undo;
	rp_nl_txn_forget_undo(pod_t);
	rp_nl_txn_forget_undo(host_t);
	for (unsigned i = 0; i < n; i++) {
		out[i].ifindex = pli[i].ifindex;
		memcpy(out[i].mac, pli[i].mac, 6);
		snprintf(out[i].name, sizeof(out[i].name), "%s", plans[i].name);
	}
	goto out;
undo:
	/* Newest first: pod addresses/routes/rules, then the links the host created in the pod. */
	memset(&rb, 0, sizeof(rb));
	if (rp_nl_txn_rollback(pod_t, &rb) || rp_nl_txn_rollback(host_t, &rb))
		rp_log(RP_LOG_ERR, "rails: rollback in %s incomplete: %s", netns, rb.msg);
out:
	rp_nl_txn_free(pod_t);
	rp_nl_txn_free(host_t);
	return err;
}

int rp_rails_detach(const char *netns, const struct rp_rail_plan *plans, unsigned n, const struct rp_rails_opts *o,
		    struct rp_err *e)
{
	struct rp_nl_sock *pod, *host;
	struct rp_nl_txn *t = NULL;
	unsigned nmove = 0;
	int err;

	/* Gone, or a leftover file no longer bound to a namespace (runtimes unmount before they
	 * unlink, and some call DEL in between): the namespace took the rails with it. */
	struct statfs sf;
	if (!netns || statfs(netns, &sf) < 0) {
		if (netns && errno == ENOENT)
			return 0;
		return rp_err_set(e, netns ? -errno : -EINVAL, "rails: detach: netns %s: %s", netns ? netns : "(none)",
				  netns ? strerror(errno) : "no path");
	}
	if (sf.f_type != NSFS_MAGIC) {
		rp_log(RP_LOG_INFO, "rails: %s is no longer a network namespace; nothing to detach", netns);
		return 0;
	}
	err = rp_nl_sock_netns(netns, &pod, e);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (n > RP_RAILS_MAX || (n && !plans))
		return rp_err_set(e, -EINVAL, "rails: detach of %u rails", n);
	if (rp_nl_txn_new(pod, &t)) {
		err = rp_err_set(e, -ENOMEM, "rails: out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n; i++)
		nmove += plans[i].kind == RP_RAIL_MOVE;
	if (nmove) {
		/* Moved devices go back to the host under their original name (rename needs the index). */
		const char *names[RP_RAILS_MAX];
		struct rp_nl_link_info li;
		if ((err = host_sock(o, &host, e)))
			goto out;
		for (unsigned i = 0; i < n; i++) {
			if (plans[i].kind != RP_RAIL_MOVE)
				continue;
			names[0] = plans[i].name;
			struct rp_err ign;
			if (rp_nl_links_get(pod, names, 1, &li, &ign))
				continue; /* already gone back */
			struct rp_nl_link_set back = { .ifindex = li.ifindex, .new_name = plans[i].master,
						       .netns_fd = rp_nl_sock_ns_fd(host), .up = 0, .rp_filter = -1 };
			if ((err = rp_nl_txn_add(t, rp_nl_msg_link_set(&back), NULL, NULL, NULL, NULL,
						 "rail %u (%s): move back to the host as %s", rp_rail_no(&plans[i], i), plans[i].name, plans[i].master)))
				goto nomem;
		}
	}
	/* Mark our macvlans with the railpool group only now, in the same batch, so the pod's `ip a`
	 * shows "group default" as the seed does while one RTM_DELLINK still removes them all (one
	 * synchronize_net for every rail instead of one per link).  A link already gone answers
	 * ENODEV, which the idempotent commit accepts. */
	for (unsigned i = 0; i < n; i++) {
		if (plans[i].kind != RP_RAIL_MACVLAN)
			continue;
		struct rp_nl_link_set mark = { .name = plans[i].name, .netns_fd = -1, .up = -1, .rp_filter = -1,
					       .group = RP_RAILS_LINK_GROUP };
		if ((err = rp_nl_txn_add(t, rp_nl_msg_link_set(&mark), NULL, NULL, NULL, NULL,
					 "rail %u (%s): mark for deletion", rp_rail_no(&plans[i], i), plans[i].name)))
			goto nomem;
	}
	if ((err = rp_nl_txn_add(t, rp_nl_msg_link_del_group(RP_RAILS_LINK_GROUP), NULL, NULL, NULL, NULL,
				 "delete railpool links (group %#x)", RP_RAILS_LINK_GROUP)))
		goto nomem;
	/* Rules outlive their links: remove ours by table + priority (any source). */
	for (unsigned i = 1; i <= RP_RAILS_MAX; i++) {
		for (int f = 0; f < 2; f++) {
			int af = f ? AF_INET6 : AF_INET;
			if ((err = rp_nl_txn_add(t, rp_nl_msg_rule(false, af, NULL, 0, rp_rails_table(o, i), rp_rails_prio(o, i)),
						 NULL, NULL, NULL, NULL, "delete rule %u lookup %u (%s)", rp_rails_prio(o, i),
						 rp_rails_table(o, i), f ? "IPv6" : "IPv4")))
				goto nomem;
		}
	}
	err = rp_nl_txn_commit_idempotent(t, e);
	goto out;
nomem:
	rp_err_set(e, err, "rails: detach: out of memory");
out:
	rp_nl_txn_free(t);
	return err;
}
