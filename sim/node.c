/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated GPU node: veth "NICs", a fabric namespace with the gateways, pod namespaces. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include "netlink/nl.h"
#include "sim/node.h"

#define NETNS_DIR "/run/netns"

static int parse_ip(const char *s, struct rp_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->b) == 1) {
		ip->family = RP_FAM_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->b) == 1) {
		ip->family = RP_FAM_V6;
		return 0;
	}
	return -EINVAL;
}

static int parse_cidr(const char *s, struct rp_ip *ip, uint8_t *plen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (parse_ip(buf, ip))
		return -EINVAL;
	p = strtol(slash + 1, &end, 10);
	if (*end || p < 0 || p > (ip->family == RP_FAM_V4 ? 32 : 128))
		return -EINVAL;
	*plen = (uint8_t)p;
	return 0;
}

void rp_sim_node_netns_path(const struct rp_sim_spec *spec, char *buf, size_t len)
{
	if (spec->own_netns)
		snprintf(buf, len, NETNS_DIR "/%snode", spec->prefix);
	else if (len)
		buf[0] = '\0';
}

void rp_sim_fabric_netns_path(const struct rp_sim_spec *spec, char *buf, size_t len)
{
	snprintf(buf, len, NETNS_DIR "/%sfab", spec->prefix);
}

/* /run/netns must be a shared mount point so namespaces bound there show in every mount
 * namespace, as iproute2 arranges it. */
static int netns_dir_ready(struct rp_err *e)
{
	if (mkdir(NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return rp_err_set(e, -errno, "mkdir " NETNS_DIR ": %s", strerror(errno));
	if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return rp_err_set(e, -errno, "make " NETNS_DIR " shared: %s", strerror(errno));
	if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return rp_err_set(e, -errno, "bind " NETNS_DIR ": %s", strerror(errno));
	return 0;
}

static int lo_up(struct rp_nl_sock *s, struct rp_err *e)
{
	struct rp_nl_link_set ls = { .ifindex = 1, .netns_fd = -1, .up = 1, .rp_filter = -1 };
	struct rp_nl_txn *t;
	int err;

	if (rp_nl_txn_new(s, &t))
		return rp_err_set(e, -ENOMEM, "out of memory");
	err = rp_nl_txn_add(t, rp_nl_msg_link_set(&ls), NULL, NULL, NULL, NULL, "set lo up");
	if (!err)
		err = rp_nl_txn_commit(t, e);
	rp_nl_txn_free(t);
	return err;
}

int rp_sim_netns_add(const char *name, struct rp_err *e)
{
	char path[256];
	struct rp_nl_sock *s;
	int fd, orig, err;

	if (!name || !*name || strchr(name, '/'))
		return rp_err_set(e, -EINVAL, "bad netns name '%s'", name ? name : "");
	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	err = netns_dir_ready(e);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return rp_err_set(e, -errno, "create %s: %s", path, strerror(errno));
	close(fd);
	orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		err = rp_err_set(e, -errno, "open own netns: %s", strerror(errno));
		goto err_unlink;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		err = rp_err_set(e, -errno, "unshare(CLONE_NEWNET): %s", strerror(errno));
		goto err_orig;
	}
	err = 0;
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		err = rp_err_set(e, -errno, "bind netns on %s: %s", path, strerror(errno));
	if (setns(orig, CLONE_NEWNET) < 0)
		RP_ASSERT(!"cannot return to the original netns");
	if (err)
		goto err_orig;
	close(orig);
	err = rp_nl_sock_netns(path, &s, e);
	if (!err)
		err = lo_up(s, e);
	if (err) {
		rp_sim_netns_del(name, NULL);
		return rp_err_prefix(e, "netns %s: ", name);
	}
	return 0;
err_orig:
	close(orig);
err_unlink:
	unlink(path);
	return err;
}

int rp_sim_netns_del(const char *name, struct rp_err *e)
{
	char path[256];

	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	rp_nl_sock_forget(path);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return rp_err_set(e, -errno, "umount %s: %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return rp_err_set(e, -errno, "remove %s: %s", path, strerror(errno));
	return 0;
}

static int sock_for(const char *path, struct rp_nl_sock **s, struct rp_err *e)
{
	return path && *path ? rp_nl_sock_netns(path, s, e) : rp_nl_sock_host(s, e);
}

/* Queue address adds for @cidrs on @ifindex. */
static int queue_addrs(struct rp_nl_txn *t, int ifindex, const char *ifname, const char *const cidrs[2],
		       struct rp_err *e)
{
	/* veth refuses IFF_UP at creation (ENOTCONN: the peer is not wired yet), so up here. */
	struct rp_nl_link_set ls = { .ifindex = ifindex, .netns_fd = -1, .up = 1, .rp_filter = -1 };

	if (rp_nl_txn_add(t, rp_nl_msg_link_set(&ls), NULL, NULL, NULL, NULL, "set %s up", ifname))
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (int k = 0; k < 2; k++) {
		struct rp_ip ip;
		uint8_t plen;
		if (!cidrs[k])
			continue;
		if (parse_cidr(cidrs[k], &ip, &plen))
			return rp_err_set(e, -EINVAL, "%s: bad address '%s' (want a.b.c.d/n or x::/n)", ifname, cidrs[k]);
		if (rp_nl_txn_add(t, rp_nl_msg_addr(true, ifindex, &ip, plen), NULL, NULL, NULL, NULL, "add address %s on %s",
				  cidrs[k], ifname))
			return rp_err_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}

static int write_sysctl(void *arg)
{
	const char *const *kv = arg;
	int fd = open(kv[0], O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, kv[1], strlen(kv[1])) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Look up @names (one per NIC) in @sock's namespace and give each its addresses: the NIC's
 * host_cidr (@gw 0) or its fabric peer's gw_cidr (@gw 1).  One batched lookup, one batch. */
static int address_links(struct rp_nl_sock *sock, const char *const *names, const struct rp_sim_spec *spec, int gw,
			 struct rp_err *e)
{
	struct rp_nl_link_info li[RP_SIM_MAX_NICS];
	struct rp_nl_txn *t = NULL;
	int err;

	if ((err = rp_nl_links_get(sock, names, spec->nnics, li, e)))
		return err;
	if (rp_nl_txn_new(sock, &t))
		return rp_err_set(e, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < spec->nnics && !err; i++)
		err = queue_addrs(t, li[i].ifindex, names[i], gw ? spec->nics[i].gw_cidr : spec->nics[i].host_cidr, e);
	if (!err)
		err = rp_nl_txn_commit(t, e);
	rp_nl_txn_free(t);
	return err;
}

int rp_sim_up(const struct rp_sim_spec *spec, struct rp_err *e)
{
	char node_path[256], fab_path[256], fab_name[64], node_name[64], peer[16];
	const char *names[RP_SIM_MAX_NICS], *pnames[RP_SIM_MAX_NICS];
	char pbuf[RP_SIM_MAX_NICS][16];
	struct rp_nl_sock *host, *node, *fab;
	struct rp_nl_txn *t = NULL;
	int err;

	if (!spec->prefix || !*spec->prefix || strlen(spec->prefix) > RP_SIM_PREFIX_MAX || spec->nnics > RP_SIM_MAX_NICS)
		return rp_err_set(e, -EINVAL, "sim node: prefix must be 1..%d characters and NICs at most %d",
				  RP_SIM_PREFIX_MAX, RP_SIM_MAX_NICS);
	rp_sim_node_netns_path(spec, node_path, sizeof(node_path));
	rp_sim_fabric_netns_path(spec, fab_path, sizeof(fab_path));
	snprintf(fab_name, sizeof(fab_name), "%sfab", spec->prefix);
	snprintf(node_name, sizeof(node_name), "%snode", spec->prefix);
	if ((err = rp_sim_netns_add(fab_name, e)))
		return err;
	if (spec->own_netns && (err = rp_sim_netns_add(node_name, e)))
		goto fail;
	{
		const char *kv[2] = { "/proc/sys/net/ipv4/conf/all/arp_ignore", "1" };
		if ((err = rp_nl_netns_run(fab_path, write_sysctl, (void *)kv, e))) {
			rp_err_set(e, err, "fabric %s: set arp_ignore: %s", fab_name, strerror(-err));
			goto fail;
		}
	}
	if ((err = rp_nl_sock_host(&host, e)) || (err = sock_for(node_path, &node, e)) ||
	    (err = rp_nl_sock_netns(fab_path, &fab, e)))
		goto fail;
	/* All veths from the host socket in one batch, each end created in its namespace. */
	if (rp_nl_txn_new(host, &t)) {
		err = rp_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < spec->nnics; i++) {
		const struct rp_sim_nic *n = &spec->nics[i];
		snprintf(peer, sizeof(peer), "%sf%u", spec->prefix, i + 1);
		snprintf(pbuf[i], sizeof(pbuf[i]), "%s", peer);
		names[i] = n->name;
		pnames[i] = pbuf[i];
		err = rp_nl_txn_add(t, rp_nl_msg_veth_add(n->name, rp_nl_sock_ns_fd(node), peer, rp_nl_sock_ns_fd(fab), n->mtu, false),
				    NULL, NULL, NULL, NULL, "create NIC %s (veth peer %s)", n->name ? n->name : "?", peer);
		if (err) {
			rp_err_set(e, err, "NIC %u: bad name or out of memory", i + 1);
			goto fail;
		}
	}
	if ((err = rp_nl_txn_commit(t, e)))
		goto fail;
	rp_nl_txn_free(t);
	t = NULL;
	/* Host addresses on the NICs, then the gateways on their fabric peers. */
	if ((err = address_links(node, names, spec, 0, e)) || (err = address_links(fab, pnames, spec, 1, e)))
		goto fail;
	return 0;
fail:
	rp_nl_txn_free(t);
	rp_err_prefix(e, "sim node %s: ", spec->prefix);
	rp_sim_down(spec, NULL);
	return err;
}

int rp_sim_down(const struct rp_sim_spec *spec, struct rp_err *e)
{
	char node_path[256], name[64];
	struct rp_nl_sock *node;
	struct rp_nl_txn *t;
	int err = 0, r;

	if (!spec->prefix || !*spec->prefix)
		return rp_err_set(e, -EINVAL, "sim node: empty prefix");
	rp_sim_node_netns_path(spec, node_path, sizeof(node_path));
	/* Delete the NIC ends synchronously: a namespace's own teardown is asynchronous, and callers
	 * check right after that no link is left. */
	if (sock_for(node_path, &node, NULL) == 0 && rp_nl_txn_new(node, &t) == 0) {
		for (unsigned i = 0; i < spec->nnics; i++)
			if (spec->nics[i].name)
				rp_nl_txn_add(t, rp_nl_msg_link_del(0, spec->nics[i].name), NULL, NULL, NULL, NULL,
					      "delete NIC %s", spec->nics[i].name);
		r = rp_nl_txn_commit(t, NULL); /* ENODEV for the missing ones: fine */
		(void)r;
		rp_nl_txn_free(t);
	}
	snprintf(name, sizeof(name), "%sfab", spec->prefix);
	if ((r = rp_sim_netns_del(name, e)))
		err = r;
	if (spec->own_netns) {
		snprintf(name, sizeof(name), "%snode", spec->prefix);
		if ((r = rp_sim_netns_del(name, e)) && !err)
			err = r;
	}
	return err;
}

int rp_sim_pod_add(const struct rp_sim_pod *p, struct rp_err *e)
{
	char path[256];
	struct rp_nl_sock *node, *pod;
	struct rp_nl_txn *t = NULL;
	struct rp_nl_link_info li;
	const char *eth0 = "eth0";
	int err;

	if ((err = rp_sim_netns_add(p->name, e)))
		return err;
	if (!p->eth0_peer)
		return 0;
	snprintf(path, sizeof(path), NETNS_DIR "/%s", p->name);
	if ((err = sock_for(p->node_netns, &node, e)) || (err = rp_nl_sock_netns(path, &pod, e)))
		goto fail;
	if (rp_nl_txn_new(node, &t)) {
		err = rp_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((err = rp_nl_txn_add(t, rp_nl_msg_veth_add(p->eth0_peer, -1, "eth0", rp_nl_sock_ns_fd(pod), 0, false), NULL,
				 NULL, NULL, NULL, "create eth0 (peer %s)", p->eth0_peer)))
		goto fail;
	{
		struct rp_nl_link_set ls = { .name = p->eth0_peer, .netns_fd = -1, .up = 1, .rp_filter = -1 };
		err = rp_nl_txn_add(t, rp_nl_msg_link_set(&ls), NULL, NULL, NULL, NULL, "set %s up", p->eth0_peer);
	}
	if (err || (err = rp_nl_txn_commit(t, e)))
		goto fail;
	rp_nl_txn_free(t);
	t = NULL;
	if ((err = rp_nl_links_get(pod, &eth0, 1, &li, e)))
		goto fail;
	if (rp_nl_txn_new(pod, &t)) {
		err = rp_err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	{
		const char *c[2] = { p->eth0_cidr, NULL };
		if ((err = queue_addrs(t, li.ifindex, "eth0", c, e)))
			goto fail;
	}
	if (p->eth0_gw) {
		struct rp_ip gw;
		if (parse_ip(p->eth0_gw, &gw)) {
			err = rp_err_set(e, -EINVAL, "eth0 gateway '%s' is not an IP address", p->eth0_gw);
			goto fail;
		}
		struct rp_nl_route r = { .table = RT_TABLE_MAIN, .gw = &gw, .oif = li.ifindex };
		if ((err = rp_nl_txn_add(t, rp_nl_msg_route(true, &r), NULL, NULL, NULL, NULL, "add default via %s dev eth0",
					 p->eth0_gw)))
			goto fail;
	}
	if ((err = rp_nl_txn_commit(t, e)))
		goto fail;
	rp_nl_txn_free(t);
	return 0;
fail:
	rp_nl_txn_free(t);
	rp_err_prefix(e, "sim pod %s: ", p->name);
	rp_sim_pod_del(p, NULL);
	return err;
}

int rp_sim_pod_del(const struct rp_sim_pod *p, struct rp_err *e)
{
	struct rp_nl_sock *node;
	struct rp_nl_txn *t;

	if (p->eth0_peer && sock_for(p->node_netns, &node, NULL) == 0 && rp_nl_txn_new(node, &t) == 0) {
		rp_nl_txn_add(t, rp_nl_msg_link_del(0, p->eth0_peer), NULL, NULL, NULL, NULL, "delete %s", p->eth0_peer);
		(void)rp_nl_txn_commit(t, NULL);
		rp_nl_txn_free(t);
	}
	return rp_sim_netns_del(p->name, e);
}
