/* SPDX-License-Identifier: Apache-2.0 */
#include "sim/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "sim/nlrec.h"

/* Names and paths here are bounded by construction (prefix <= 8, PCI bus/slot from small
 * indices, root from mkdtemp under /tmp); GCC cannot see those bounds. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define SIM_MAX_PF 32
#define SIM_MAX_VF 256

struct sim_vf {
	int live;
	char netdev[16];   /* current host name (net/<netdev>) */
	char rdma[32];
};

struct sim_pf {
	char name[16];
	char pci[16];
	int ifindex;
	char rdma[32];
	uint32_t nvfs; /* realized */
	struct sim_vf vf[SIM_MAX_VF];
};

struct rp_sim_sysfs {
	struct rp_sim_sysfs_opts o;
	char prefix[16];
	char root[256];
	int fab_fd;
	struct nl_sock *sk;
	struct nl_sock *fab_sk; /* in the fabric netns: sets the peers up */
	uint32_t nrdma;
	struct sim_pf pf[SIM_MAX_PF];
	uint32_t npfs;
};

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int put_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(content);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, content, len) != (ssize_t)len)
		rc = -EIO;
	close(fd);
	return rc;
}

static int putf(const char *content, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(const char *content, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return put_file(p, content);
}

static int mkdirf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int mkdirf(const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	return mkdirs(p);
}

static int linkf(const char *target, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int linkf(const char *target, const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	unlink(p);
	return symlink(target, p) ? -errno : 0;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *rp_sim_sysfs_root(const struct rp_sim_sysfs *s)
{
	return s->root;
}

int rp_sim_sysfs_fabric_fd(const struct rp_sim_sysfs *s)
{
	return s->fab_fd;
}

static int make_fabric(struct rp_sim_sysfs *s, struct rp_err *e)
{
	int self, rc = 0;

	if (s->o.fabric_netns_path) {
		s->fab_fd = open(s->o.fabric_netns_path, O_RDONLY | O_CLOEXEC);
		if (s->fab_fd < 0)
			return rp_err_set(e, -errno, "sim: open fabric netns %s: %s", s->o.fabric_netns_path,
					  strerror(errno));
		return 0;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (self < 0)
		return rp_err_set(e, -errno, "sim: open own netns: %s", strerror(errno));
	if (unshare(CLONE_NEWNET)) {
		rc = rp_err_set(e, -errno, "sim: unshare(CLONE_NEWNET) for the fabric netns: %s",
				strerror(errno));
		close(self);
		return rc;
	}
	s->fab_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->fab_fd < 0)
		rc = rp_err_set(e, -errno, "sim: open fabric netns: %s", strerror(errno));
	RP_ASSERT(setns(self, CLONE_NEWNET) == 0);
	close(self);
	return rc;
}

/* The socket VF netdevs are created and deleted through: in node_netns_path or ours. */
static int open_sock(struct rp_sim_sysfs *s, struct rp_err *e)
{
	int self = -1, node = -1, rc = 0;

	s->sk = nl_socket_alloc();
	if (!s->sk)
		return rp_err_set(e, -ENOMEM, "out of memory");
	if (s->o.node_netns_path) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		node = open(s->o.node_netns_path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || node < 0 || setns(node, CLONE_NEWNET)) {
			rc = rp_err_set(e, -errno, "sim: entering node netns %s: %s", s->o.node_netns_path,
					strerror(errno));
			goto out;
		}
	}
	if (nl_connect(s->sk, NETLINK_ROUTE))
		rc = rp_err_set(e, -EIO, "sim: cannot open a NETLINK_ROUTE socket");
	if (s->o.node_netns_path)
		RP_ASSERT(setns(self, CLONE_NEWNET) == 0);
out:
	if (self >= 0)
		close(self);
	if (node >= 0)
		close(node);
	return rc;
}

/* The fabric end is up, as a switch port would be: a VF set up in a pod then has carrier
 * (operstate UP) like a real one. */
static int peer_up(struct rp_sim_sysfs *s, const char *peer_name, struct rp_err *e)
{
	struct rtnl_link *l = NULL, *chg;
	int rc;

	if (!s->fab_sk) {
		int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

		s->fab_sk = nl_socket_alloc();
		if (self < 0 || !s->fab_sk || setns(s->fab_fd, CLONE_NEWNET)) {
			if (self >= 0)
				close(self);
			return rp_err_set(e, -ENOMEM, "sim: fabric netlink socket");
		}
		rc = nl_connect(s->fab_sk, NETLINK_ROUTE);
		RP_ASSERT(setns(self, CLONE_NEWNET) == 0);
		close(self);
		if (rc < 0)
			return rp_err_set(e, -EIO, "sim: fabric netlink socket: %s", nl_geterror(rc));
	}
	rc = rtnl_link_get_kernel(s->fab_sk, 0, peer_name, &l);
	chg = rtnl_link_alloc();
	if (rc >= 0 && chg) {
		rtnl_link_set_flags(chg, IFF_UP);
		rc = rtnl_link_change(s->fab_sk, l, chg, 0);
	}
	if (l)
		rtnl_link_put(l);
	if (chg)
		rtnl_link_put(chg);
	if (rc < 0)
		return rp_err_set(e, -EIO, "sim: setting %s up: %s", peer_name, nl_geterror(rc));
	return 0;
}

static int veth_add(struct rp_sim_sysfs *s, const char *name, const char *peer_name, struct rp_err *e)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	int rc;

	if (!l)
		return rp_err_set(e, -ENOMEM, "out of memory");
	rtnl_link_set_name(l, name);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, s->fab_fd);
	rc = rtnl_link_add(s->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(l);
	if (rc < 0)
		return rp_err_set(e, -EIO, "sim: creating veth %s: %s", name, nl_geterror(rc));
	return peer_up(s, peer_name, e);
}

static void link_del(struct rp_sim_sysfs *s, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return;
	rtnl_link_set_name(l, name);
	rtnl_link_delete(s->sk, l);
	rtnl_link_put(l);
}

/* GIDs of a fresh device: link-local from @idx as v1 and v2, and unused entries up to 7. */
static int rdma_dev_make(struct rp_sim_sysfs *s, const char *pcidir, const char *dev, const char *ndev,
			 uint32_t idx)
{
	char gid[64];
	int rc, i;

	rc = mkdirf("%s/infiniband/%s/ports/1/gids", pcidir, dev);
	rc = rc ? rc : mkdirf("%s/infiniband/%s/ports/1/gid_attrs/types", pcidir, dev);
	rc = rc ? rc : mkdirf("%s/infiniband/%s/ports/1/gid_attrs/ndevs", pcidir, dev);
	rc = rc ? rc : mkdirf("%s/class/infiniband", s->root);
	if (rc)
		return rc;
	snprintf(gid, sizeof(gid), "fe80:0000:0000:0000:0000:00ff:fe00:%04x\n", idx);
	for (i = 0; i < 8 && !rc; i++) {
		rc = putf(i < 2 ? gid : "0000:0000:0000:0000:0000:0000:0000:0000\n",
			  "%s/infiniband/%s/ports/1/gids/%d", pcidir, dev, i);
		if (!rc && i < 2) {
			rc = putf(i ? "RoCE v2\n" : "IB/RoCE v1\n", "%s/infiniband/%s/ports/1/gid_attrs/types/%d",
				  pcidir, dev, i);
			if (!rc && ndev) {
				char nd[32];

				snprintf(nd, sizeof(nd), "%s\n", ndev);
				rc = putf(nd, "%s/infiniband/%s/ports/1/gid_attrs/ndevs/%d", pcidir, dev, i);
			}
		}
	}
	if (rc)
		return rc;
	{
		char tgt[PATH_MAX + 64];

		snprintf(tgt, sizeof(tgt), "%s/infiniband/%s", pcidir, dev);
		rc = linkf(tgt, "%s/class/infiniband/%s", s->root, dev);
	}
	if (!rc && s->o.rec)
		rc = rp_sim_nlrec_add_rdma_dev(s->o.rec, idx + 1, dev, ndev, 0);
	return rc;
}

/* PCI address of VF @v of PF @p (0-based): PF p is bus 0x86 + p, its VFs 8 functions a slot. */
static void vf_pci(char out[16], uint32_t p, uint32_t v)
{
	snprintf(out, 16, "0000:%02x:%02x.%u", 0x86 + p, 1 + v / 8, v % 8);
}

static int vf_create(struct rp_sim_sysfs *s, uint32_t p, uint32_t v, struct rp_err *e)
{
	struct sim_pf *pf = &s->pf[p];
	struct sim_vf *vf = &pf->vf[v];
	char pci[16], dir[PATH_MAX], tgt[PATH_MAX], peer[16];
	int rc;

	vf_pci(pci, p, v);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", s->root, pci);
	snprintf(vf->netdev, sizeof(vf->netdev), "%sp%uv%u", s->prefix, p + 1, v);
	rc = mkdirf("%s/net/%s", dir, vf->netdev);
	rc = rc ? rc : linkf("../../../bus/pci/drivers/mlx5_core", "%s/driver", dir);
	if (!rc) {
		snprintf(tgt, sizeof(tgt), "../%s", pf->pci);
		rc = linkf(tgt, "%s/physfn", dir);
	}
	if (!rc) {
		snprintf(tgt, sizeof(tgt), "../%s", pci);
		rc = linkf(tgt, "%s/bus/pci/devices/%s/virtfn%u", s->root, pf->pci, v);
	}
	if (!rc && s->o.rdma) {
		snprintf(vf->rdma, sizeof(vf->rdma), "mlx5_%u", s->nrdma);
		rc = rdma_dev_make(s, dir, vf->rdma, vf->netdev, s->nrdma);
		s->nrdma++;
	}
	if (rc)
		return rp_err_set(e, rc, "sim: building VF %u of %s under %s: %s", v, pf->name, dir,
				  strerror(-rc));
	if (s->o.real_netdevs) {
		snprintf(peer, sizeof(peer), "f%uv%u", p + 1, v);
		rc = veth_add(s, vf->netdev, peer, e);
		if (rc)
			return rc;
	}
	vf->live = 1;
	return 0;
}

static void vf_remove(struct rp_sim_sysfs *s, uint32_t p, uint32_t v)
{
	struct sim_pf *pf = &s->pf[p];
	struct sim_vf *vf = &pf->vf[v];
	char pci[16], dir[PATH_MAX];

	if (!vf->live)
		return;
	if (s->o.real_netdevs)
		link_del(s, vf->netdev);
	vf_pci(pci, p, v);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", s->root, pci);
	rm_tree(dir);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s/virtfn%u", s->root, pf->pci, v);
	unlink(dir);
	if (vf->rdma[0]) {
		snprintf(dir, sizeof(dir), "%s/class/infiniband/%s", s->root, vf->rdma);
		unlink(dir);
	}
	memset(vf, 0, sizeof(*vf));
}

static int pf_create(struct rp_sim_sysfs *s, uint32_t p, struct rp_err *e)
{
	struct sim_pf *pf = &s->pf[p];
	char dir[PATH_MAX], tgt[PATH_MAX + 32], buf[32];
	int rc;

	snprintf(pf->name, sizeof(pf->name), "%s%u", s->o.pf_base, p + 1);
	snprintf(pf->pci, sizeof(pf->pci), "0000:%02x:00.0", 0x86 + p);
	pf->ifindex = 100000 + (int)p; /* fake: far above what a test machine allocates */
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", s->root, pf->pci);
	rc = mkdirf("%s/net/%s", dir, pf->name);
	snprintf(buf, sizeof(buf), "%u\n", s->o.totalvfs);
	rc = rc ? rc : put_file(strcat(strcpy(tgt, dir), "/sriov_totalvfs"), buf);
	rc = rc ? rc : put_file(strcat(strcpy(tgt, dir), "/sriov_numvfs"), "0\n");
	rc = rc ? rc : linkf("../../../bus/pci/drivers/mlx5_core", "%s/driver", dir);
	rc = rc ? rc : putf("1\n", "%s/net/%s/type", dir, pf->name);
	snprintf(buf, sizeof(buf), "%u\n", s->o.pf_mtu);
	rc = rc ? rc : putf(buf, "%s/net/%s/mtu", dir, pf->name);
	snprintf(buf, sizeof(buf), "%d\n", pf->ifindex);
	rc = rc ? rc : putf(buf, "%s/net/%s/ifindex", dir, pf->name);
	if (!rc) {
		rc = linkf(dir, "%s/net/%s/device", dir, pf->name);
		snprintf(tgt, sizeof(tgt), "%s/net/%s", dir, pf->name);
		rc = rc ? rc : linkf(tgt, "%s/class/net/%s", s->root, pf->name);
	}
	if (!rc && s->o.rdma) {
		snprintf(pf->rdma, sizeof(pf->rdma), "mlx5_%u", s->nrdma);
		rc = rdma_dev_make(s, dir, pf->rdma, pf->name, s->nrdma);
		s->nrdma++;
	}
	if (!rc && s->o.rec)
		rc = rp_sim_nlrec_add_pf(s->o.rec, pf->ifindex, s->o.totalvfs);
	if (rc)
		return rp_err_set(e, rc, "sim: building PF %s under %s: %s", pf->name, dir, strerror(-rc));
	return 0;
}

int rp_sim_sysfs_sync(struct rp_sim_sysfs *s, struct rp_err *e)
{
	uint32_t p, v;
	int rc;

	for (p = 0; p < s->npfs; p++) {
		struct sim_pf *pf = &s->pf[p];
		char path[PATH_MAX], buf[32];
		unsigned long want;
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/sriov_numvfs", s->root, pf->pci);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return rp_err_set(e, -errno, "sim: %s: %s", path, strerror(errno));
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		want = strtoul(buf, NULL, 10);
		if (want > s->o.totalvfs || want > SIM_MAX_VF)
			return rp_err_set(e, -EINVAL, "sim: %s: %lu VFs exceed sriov_totalvfs %u", pf->name,
					  want, s->o.totalvfs);
		for (v = (uint32_t)want; v < pf->nvfs; v++)
			vf_remove(s, p, v);
		for (v = pf->nvfs; v < want; v++) {
			rc = vf_create(s, p, v, e);
			if (rc) {
				pf->nvfs = v + 1; /* so destroy removes the partial one too */
				return rc;
			}
		}
		pf->nvfs = (uint32_t)want;
	}
	return 0;
}

int rp_sim_sysfs_create(const struct rp_sim_sysfs_opts *o, struct rp_sim_sysfs **out, struct rp_err *e)
{
	struct rp_sim_sysfs *s;
	char tmpl[PATH_MAX];
	uint32_t p;
	int rc;

	*out = NULL;
	if (!o->prefix || !*o->prefix || strlen(o->prefix) > 8)
		return rp_err_set(e, -EINVAL, "sim: prefix must be 1..8 characters");
	s = calloc(1, sizeof(*s));
	if (!s)
		return rp_err_set(e, -ENOMEM, "out of memory");
	s->o = *o;
	s->fab_fd = -1;
	snprintf(s->prefix, sizeof(s->prefix), "%s", o->prefix);
	if (!s->o.pf_base)
		s->o.pf_base = "eno3np";
	s->o.npfs = o->npfs ? o->npfs : 8;
	s->o.totalvfs = o->totalvfs ? o->totalvfs : 127;
	s->o.pf_mtu = o->pf_mtu ? o->pf_mtu : 1500;
	if (s->o.npfs > SIM_MAX_PF || strlen(s->o.pf_base) > 12) {
		free(s);
		return rp_err_set(e, -EINVAL, "sim: at most %d PFs with a base name of 12 characters",
				  SIM_MAX_PF);
	}
	snprintf(tmpl, sizeof(tmpl), "/tmp/%s-sysfs-XXXXXX", s->prefix);
	if (!mkdtemp(tmpl)) {
		rc = rp_err_set(e, -errno, "sim: mkdtemp %s: %s", tmpl, strerror(errno));
		free(s);
		return rc;
	}
	snprintf(s->root, sizeof(s->root), "%s", tmpl);
	rc = mkdirf("%s/bus/pci/drivers/mlx5_core", s->root);
	rc = rc ? rc : mkdirf("%s/class/net", s->root);
	if (rc) {
		rp_err_set(e, rc, "sim: building %s: %s", s->root, strerror(-rc));
		goto err;
	}
	if (o->real_netdevs) {
		rc = open_sock(s, e);
		if (rc)
			goto err;
		rc = make_fabric(s, e);
		if (rc)
			goto err;
	}
	for (p = 0; p < s->o.npfs; p++) {
		rc = pf_create(s, p, e);
		s->npfs = p + 1;
		if (rc)
			goto err;
		if (s->o.numvfs) {
			char path[PATH_MAX], buf[16];

			snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/sriov_numvfs", s->root,
				 s->pf[p].pci);
			snprintf(buf, sizeof(buf), "%u\n", s->o.numvfs);
			rc = put_file(path, buf);
			if (rc) {
				rp_err_set(e, rc, "sim: %s: %s", path, strerror(-rc));
				goto err;
			}
		}
	}
	rc = rp_sim_sysfs_sync(s, e);
	if (rc)
		goto err;
	*out = s;
	return 0;
err:
	rp_sim_sysfs_destroy(s);
	return rc;
}

void rp_sim_sysfs_destroy(struct rp_sim_sysfs *s)
{
	uint32_t p, v;

	if (!s)
		return;
	for (p = 0; p < s->npfs; p++)
		for (v = 0; v < s->pf[p].nvfs; v++)
			if (s->pf[p].vf[v].live && s->o.real_netdevs)
				link_del(s, s->pf[p].vf[v].netdev);
	/* Veths moved elsewhere die with their peers when the fabric netns goes away. */
	if (s->fab_fd >= 0)
		close(s->fab_fd);
	if (s->sk)
		nl_socket_free(s->sk);
	if (s->fab_sk)
		nl_socket_free(s->fab_sk);
	if (s->root[0])
		rm_tree(s->root);
	free(s);
}

const char *rp_sim_sysfs_pf_name(const struct rp_sim_sysfs *s, uint32_t pf)
{
	return pf >= 1 && pf <= s->npfs ? s->pf[pf - 1].name : NULL;
}

int rp_sim_sysfs_pf_ifindex(const struct rp_sim_sysfs *s, uint32_t pf)
{
	return pf >= 1 && pf <= s->npfs ? s->pf[pf - 1].ifindex : -ENOENT;
}

static const struct sim_vf *get_vf(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf)
{
	if (pf < 1 || pf > s->npfs || vf >= s->pf[pf - 1].nvfs || !s->pf[pf - 1].vf[vf].live)
		return NULL;
	return &s->pf[pf - 1].vf[vf];
}

int rp_sim_sysfs_vf_pci(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[16])
{
	if (!get_vf(s, pf, vf))
		return -ENOENT;
	vf_pci(out, pf - 1, vf);
	return 0;
}

int rp_sim_sysfs_vf_netdev(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[16])
{
	const struct sim_vf *v = get_vf(s, pf, vf);

	if (!v)
		return -ENOENT;
	snprintf(out, 16, "%s", v->netdev);
	return 0;
}

int rp_sim_sysfs_vf_rdma(const struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, char out[32])
{
	const struct sim_vf *v = get_vf(s, pf, vf);

	if (!v || !v->rdma[0])
		return -ENOENT;
	snprintf(out, 32, "%s", v->rdma);
	return 0;
}

int rp_sim_sysfs_gid_set(struct rp_sim_sysfs *s, const char *rdma_dev, uint32_t index,
			 const char *gid, const char *type, const char *ndev)
{
	char base[PATH_MAX], buf[80];
	int rc;

	snprintf(base, sizeof(base), "%s/class/infiniband/%s/ports/1", s->root, rdma_dev);
	snprintf(buf, sizeof(buf), "%s\n", gid);
	rc = putf(buf, "%s/gids/%u", base, index);
	if (!rc && type) {
		snprintf(buf, sizeof(buf), "%s\n", type);
		rc = putf(buf, "%s/gid_attrs/types/%u", base, index);
	}
	if (!rc && ndev) {
		snprintf(buf, sizeof(buf), "%s\n", ndev);
		rc = putf(buf, "%s/gid_attrs/ndevs/%u", base, index);
	}
	return rc;
}

static int link_exists(struct rp_sim_sysfs *s, const char *name)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(s->sk, 0, name, &l);

	if (l)
		rtnl_link_put(l);
	return rc >= 0;
}

int rp_sim_sysfs_refresh(struct rp_sim_sysfs *s, struct rp_err *e)
{
	uint32_t p, v;

	if (!s->o.real_netdevs)
		return 0;
	for (p = 0; p < s->npfs; p++) {
		for (v = 0; v < s->pf[p].nvfs; v++) {
			struct sim_vf *vf = &s->pf[p].vf[v];
			char orig[16], pci[16], oldp[PATH_MAX], newp[PATH_MAX];

			snprintf(orig, sizeof(orig), "%sp%uv%u", s->prefix, p + 1, v);
			if (!vf->live || !strcmp(vf->netdev, orig) || link_exists(s, vf->netdev) ||
			    !link_exists(s, orig))
				continue;
			rp_sim_sysfs_vf_pci(s, p + 1, v, pci);
			snprintf(oldp, sizeof(oldp), "%s/bus/pci/devices/%s/net/%s", s->root, pci, vf->netdev);
			snprintf(newp, sizeof(newp), "%s/bus/pci/devices/%s/net/%s", s->root, pci, orig);
			if (rename(oldp, newp))
				return rp_err_set(e, -errno, "sim: rename %s: %s", oldp, strerror(errno));
			snprintf(vf->netdev, sizeof(vf->netdev), "%s", orig);
		}
	}
	return 0;
}

int rp_sim_sysfs_vf_respawn(struct rp_sim_sysfs *s, uint32_t pf, uint32_t vf, const char *newname,
			    struct rp_err *e)
{
	struct sim_vf *v = (struct sim_vf *)get_vf(s, pf, vf);
	char pci[16], oldp[PATH_MAX], newp[PATH_MAX], peer[16];
	int rc;

	if (!v || !newname || !*newname || strlen(newname) >= 16)
		return rp_err_set(e, -EINVAL, "sim: no VF %u on PF %u or bad name", vf, pf);
	rp_sim_sysfs_vf_pci(s, pf, vf, pci);
	if (s->o.real_netdevs) {
		snprintf(peer, sizeof(peer), "f%uv%u", pf, vf);
		rc = veth_add(s, newname, peer, e);
		if (rc)
			return rc;
	}
	snprintf(oldp, sizeof(oldp), "%s/bus/pci/devices/%s/net/%s", s->root, pci, v->netdev);
	snprintf(newp, sizeof(newp), "%s/bus/pci/devices/%s/net/%s", s->root, pci, newname);
	if (rename(oldp, newp))
		return rp_err_set(e, -errno, "sim: rename %s: %s", oldp, strerror(errno));
	snprintf(v->netdev, sizeof(v->netdev), "%s", newname);
	return 0;
}
