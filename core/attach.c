/* SPDX-License-Identifier: Apache-2.0 */
/* Rails mode: the attach/detach pipeline (see core/attach.h for the order of steps). */
#include "core/attach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/owner_data.h"
#include "core/rails.h"
#include "core/railsconf.h"
#include "core/select.h"
#include "core/session.h"
#include "core/sriov.h"
#include "netlink/nl.h"

#define MAX_MASTER_ADDRS 32

/* One rail of the pod being worked on. */
struct rail {
	unsigned idx;                 /* rail number: table and rule priority follow it */
	char name[16];                /* pod interface */
	uint8_t cni_type;             /* enum rp_cni_type */
	char master[RP_IFNAME_MAX];
	char rdma_res[RP_MODEL_RES_MAX];
	char label[48];               /* "rail 3 (net3)" */
	uint32_t mtu;
	bool mms;
	const struct rp_blob_net *net; /* NULL: inline rail */
	const struct rp_railsconf_rail *inl;
	struct rp_owner o;
	bool begun;                   /* o is ours (RESERVED) */
	bool existed;                 /* a LIVE attachment was there already */
	struct rp_owner_info info;    /* when existed */
	uint32_t nleases;
	struct rp_lease_info leases[RP_OWNER_MAX_LEASES];
	/* cniType sriov */
	char resource[RP_MODEL_RES_MAX]; /* as the rail names it: "spidernet.io/eno3np2" */
	bool rdma_iso;
	int32_t vlan;                 /* -1: leave the PF's setting */
	const struct rp_blob_policy *pol;
	bool is_vf;                   /* holds (or held, at DEL) a VF: saved is valid */
	bool prepared;                /* PF settings applied, state saved: restore on failure */
	struct rp_sriov_saved saved;
	struct rp_sriov_plan splan;
	struct rp_owner_data od;
};

struct pod {
	const struct rp_cni_env *env;
	const struct rp_cni_conf *conf;
	struct rp_railsconf rc;
	struct rp_session ss;
	unsigned n;
	bool single;                  /* single-rail mode: DEL removes only this rail */
	struct rail rails[RP_RAILS_MAX];
	struct rp_rails_opts opts;
	struct rp_addr master_addrs[MAX_MASTER_ADDRS];
	int master_addr_ifindex[MAX_MASTER_ADDRS];
	uint32_t nmaster_addrs;
	int master_ifindex[RP_RAILS_MAX];
	struct rp_sriov_chans ch;     /* open when a rail is sriov */
	bool have_ch;
	int pod_fd;                   /* the pod netns, for VF/RDMA moves; -1 */
};

/* Bounded copy that always terminates (truncates silently: callers copy validated names). */
static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memmove(dst, src, n);
	dst[n] = '\0';
}

/* Keep the layer's code if it set one, else use @cni_code. */
static int with_code(struct rp_err *e, int ret, int cni_code)
{
	if (e && !e->cni_code)
		e->cni_code = cni_code;
	if (e)
		e->code = ret;
	return ret;
}

int rp_attach_ifname(const char *base, unsigned i, unsigned n, char out[16])
{
	size_t len = strlen(base), digits = 0;
	unsigned long first = 1;
	int w;

	while (digits < len && base[len - 1 - digits] >= '0' && base[len - 1 - digits] <= '9')
		digits++;
	if (n == 1 && i == 1) {
		if (len >= 16)
			return -EINVAL;
		memcpy(out, base, len + 1);
		return 0;
	}
	if (digits && digits <= 6)
		first = strtoul(base + len - digits, NULL, 10);
	else
		digits = 0;
	w = snprintf(out, 16, "%.*s%lu", (int)(len - digits), base, first + i - 1);
	return w < 0 || w >= 16 ? -EINVAL : 0;
}

/* Rail number of single-rail mode: "railIndex", else CNI_IFNAME's trailing number (net3 -> 3),
 * else 1.  eth0 -> 1: rail numbers start at 1. */
static unsigned single_index(const struct rp_railsconf *rc, const char *ifname)
{
	size_t len = strlen(ifname), d = 0;
	unsigned long v;

	if (rc->rail_index)
		return rc->rail_index;
	while (d < len && ifname[len - 1 - d] >= '0' && ifname[len - 1 - d] <= '9')
		d++;
	if (!d || d > 6)
		return 1;
	v = strtoul(ifname + len - d, NULL, 10);
	return v == 0 ? 1 : v > RP_RAILS_MAX ? RP_RAILS_MAX : (unsigned)v;
}

static int parse_rails(struct pod *p, struct rp_err *e)
{
	int ret = rp_railsconf_parse(p->conf->root, &p->rc, e);

	if (ret)
		return with_code(e, ret, RP_CNI_ERR_INVALID_CONFIG);
	p->n = p->rc.nrails;
	if (!p->n || p->n > RP_RAILS_MAX)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "rails: %u rails configured; give 1 to %d", p->n,
			    RP_RAILS_MAX);
	p->single = p->n == 1;
	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		r->idx = p->single ? single_index(&p->rc, p->env->ifname) : i + 1;
		if (rp_attach_ifname(p->env->ifname, i + 1, p->n, r->name))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_ENV,
				    "CNI_IFNAME=%s: rail %u's interface name would exceed 15 characters; use a "
				    "shorter name such as net1", p->env->ifname, i + 1);
		char nm[16];
		scopy(nm, sizeof(nm), r->name);
		snprintf(r->label, sizeof(r->label), "rail %u (%s)", r->idx, nm);
	}
	p->opts.table_base = p->rc.route_table_base;
	p->opts.prio_base = p->rc.rule_priority_base;
	p->opts.probe_timeout_ms = p->rc.probe_timeout_ms;
	return 0;
}

static const char *state_of(const struct pod *p, const char *state_path)
{
	if ((!state_path || !*state_path) && p->rc.state_file[0])
		return p->rc.state_file;
	if ((!state_path || !*state_path) && p->conf->state_file[0])
		return p->conf->state_file;
	return rp_store_path(state_path);
}

/* Fill each rail's settings from its SpiderMultusConfig (or inline definition). */
static int resolve_rails(struct pod *p, struct rp_err *e)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		const struct rp_railsconf_rail *c = &p->rc.rails[i];

		if (c->network[0]) {
			char ns[RP_RAILSCONF_NET_MAX], *slash;
			const char *name = c->network;

			scopy(ns, sizeof(ns), c->network);
			slash = strchr(ns, '/');
			if (slash) {
				*slash = '\0';
				name = slash + 1;
			}
			r->net = rp_model_view_net_find(&p->ss.v, slash ? ns : NULL, name);
			if (!r->net)
				return rp_err_setc(e, -ENOENT, RP_CNI_ERR_INVALID_CONFIG,
					    "rails[%u].network: SpiderMultusConfig %s is not applied in node store %s; "
					    "apply it with `railpoolctl apply -f` (see `railpoolctl get networks`)",
					    i, c->network, p->ss.path);
			r->cni_type = r->net->cni_type;
			scopy(r->master, sizeof(r->master), r->net->master);
			scopy(r->rdma_res, sizeof(r->rdma_res), r->net->rdma_resource);
			r->mtu = r->net->mtu;
			r->mms = r->net->flags & RP_BLOB_NET_MMS;
			scopy(r->resource, sizeof(r->resource), r->net->resource);
			r->rdma_iso = r->net->flags & RP_BLOB_NET_RDMA;
			r->vlan = r->net->vlan > 0 ? r->net->vlan : -1;
		} else {
			r->inl = c;
			r->cni_type = !strcmp(c->cni_type, "sriov") ? RP_CNI_SRIOV : RP_CNI_MACVLAN;
			scopy(r->master, sizeof(r->master), c->master);
			scopy(r->rdma_res, sizeof(r->rdma_res), c->rdma_resource_name);
			r->mtu = c->mtu;
			r->mms = c->match_master_subnet;
			scopy(r->resource, sizeof(r->resource), c->resource_name);
			r->rdma_iso = c->rdma_isolation;
			r->vlan = c->vlan_id ? (int32_t)c->vlan_id : -1;
		}
		if (r->cni_type == RP_CNI_SRIOV) {
			/* The policy names the VFs; its first PF stands in as the master whose
			 * addresses matchMasterSubnet compares (the exclusive-subnet scheme). */
			r->pol = rp_model_view_policy_find(&p->ss.v, r->resource);
			if (!r->pol)
				return rp_err_setc(e, -ENOENT, RP_CNI_ERR_INVALID_CONFIG,
					    "%s: no SriovNetworkNodePolicy provides resource %s in node store %s; apply "
					    "the policy with `railpoolctl apply -f` (see `railpoolctl get resources`)",
					    r->label, r->resource, p->ss.path);
			if (!r->pol->npfs)
				return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					    "%s: SriovNetworkNodePolicy %s names no PF", r->label, r->pol->name);
			scopy(r->master, sizeof(r->master), r->pol->pfs[0].name);
			continue;
		}
		if (r->cni_type != RP_CNI_MACVLAN)
			return rp_err_setc(e, -EOPNOTSUPP, RP_CNI_ERR_UNSUPPORTED_FIELD,
				    "%s: cniType %s rails are not supported by the rails pipeline; use macvlan or sriov",
				    r->label, rp_cni_type_name(r->cni_type));
		if (!r->master[0])
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "%s: macvlan rail without a master interface",
				    r->label);
	}
	return 0;
}

static int collect_addr(const struct rp_nl_addr_info *a, void *arg)
{
	struct pod *p = arg;

	for (unsigned i = 0; i < p->n; i++) {
		if (p->master_ifindex[i] != a->ifindex || p->nmaster_addrs >= MAX_MASTER_ADDRS)
			continue;
		p->master_addrs[p->nmaster_addrs].family = a->ip.family;
		memcpy(p->master_addrs[p->nmaster_addrs].b, a->ip.b, 16);
		p->master_addr_ifindex[p->nmaster_addrs] = a->ifindex;
		p->nmaster_addrs++;
		break;
	}
	return 0;
}

static void reset_addrs(void *arg)
{
	((struct pod *)arg)->nmaster_addrs = 0;
}

/* matchMasterSubnet needs the masters' addresses: one batched GETLINK, one address dump. */
static int read_master_addrs(struct pod *p, struct rp_err *e)
{
	const char *names[RP_RAILS_MAX];
	struct rp_nl_link_info li[RP_RAILS_MAX];
	struct rp_nl_sock *hs;
	bool any = false;
	int ret;

	for (unsigned i = 0; i < p->n; i++) {
		names[i] = p->rails[i].master;
		any |= p->rails[i].mms;
	}
	if (!any)
		return 0;
	if ((ret = rp_nl_sock_host(&hs, e)) || (ret = rp_nl_links_get(hs, names, p->n, li, e)))
		return with_code(e, ret, RP_CNI_ERR_INVALID_CONFIG);
	for (unsigned i = 0; i < p->n; i++)
		p->master_ifindex[i] = p->rails[i].mms ? li[i].ifindex : 0;
	ret = rp_nl_dump_addrs(hs, AF_UNSPEC, collect_addr, reset_addrs, p, e);
	return ret ? with_code(e, ret, RP_CNI_ERR_INTERNAL) : 0;
}

/* Addresses of rail @i's own master, for its selection request. */
static uint32_t rail_master_addrs(const struct pod *p, unsigned i, struct rp_addr *out)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < p->nmaster_addrs; k++)
		if (p->master_addr_ifindex[k] == p->master_ifindex[i])
			out[n++] = p->master_addrs[k];
	return n;
}

static void owner_data_fill(const struct pod *p, const struct rail *r, struct rp_owner_data *d)
{
	rp_owner_data_init(d, RP_OWNER_KIND_RAILS, p->conf->name);
	d->rail = (uint8_t)r->idx;
}

static int reserve_family(struct pod *p, struct rail *r, uint8_t fam, struct rp_err *e)
{
	const char *refs_buf[RP_MODEL_MAX_REFS];
	const char *inl_refs[RP_RAIL_POOLS_MAX];
	struct rp_addr maddrs[MAX_MASTER_ADDRS];
	struct rp_select_req req;
	uint32_t bidx[64], sidx[64];
	int nsel, ret;
	uint32_t nstore;

	if (r->net) {
		rp_select_req_from_net(&p->ss.v, r->net, fam, refs_buf, &req);
	} else {
		const struct rp_railsconf_rail *c = r->inl;
		uint32_t nref = fam == RP_FAM_V4 ? c->npools_v4 : c->npools_v6;
		memset(&req, 0, sizeof(req));
		for (uint32_t k = 0; k < nref; k++)
			inl_refs[k] = fam == RP_FAM_V4 ? c->pools_v4[k] : c->pools_v6[k];
		req.family = fam;
		req.refs = inl_refs;
		req.nrefs = nref;
	}
	if (!req.nrefs)
		return 0; /* no pool of this version named: the rail has no such address */
	req.node = rp_session_node();
	req.what = r->label;
	req.match_master_subnet = r->mms;
	if (r->mms) {
		req.nmaster = rail_master_addrs(p, (unsigned)(r - p->rails), maddrs);
		req.master_addrs = maddrs;
	}
	nsel = rp_select_pools(&p->ss.v, &req, bidx, RP_ARRAY_SIZE(bidx), e);
	if (nsel == -E2BIG)
		nsel = RP_ARRAY_SIZE(bidx);
	if (nsel < 0)
		return with_code(e, nsel, RP_CNI_ERR_NO_POOL);
	nstore = rp_session_store_pools(&p->ss, bidx, (uint32_t)nsel, sidx);
	if (!nstore)
		return rp_err_setc(e, -ENOENT, RP_CNI_ERR_NO_POOL, "%s: the selected IPv%u pools are not applied on node %s",
			    r->label, fam, rp_session_node());
	ret = rp_store_reserve(p->ss.store, &r->o, sidx, nstore, NULL, &r->leases[r->nleases], e);
	if (ret == -ENOSPC) {
		char names[512] = "";
		size_t off = 0;
		for (int k = 0; k < nsel && off < sizeof(names) - 80; k++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", k ? ", " : "",
						p->ss.v.pools[bidx[k]].name);
		return rp_err_setc(e, ret, RP_CNI_ERR_POOL_EXHAUSTED,
			    "%s: no free IPv%u address in pool%s %s; grow the pool or release addresses "
			    "(`railpoolctl get pools`)", r->label, fam, nsel > 1 ? "s" : "", names);
	}
	if (ret)
		return with_code(e, ret, RP_CNI_ERR_INTERNAL);
	r->nleases++;
	return 0;
}

/* One user slot of the shared RDMA resource, counted against rdmaHcaMax. */
static int reserve_rdma(struct pod *p, struct rail *r, struct rp_err *e)
{
	char pool[RP_NAME_MAX];
	uint32_t sp;
	int idx, ret;

	if (!r->rdma_res[0])
		return 0;
	if (snprintf(pool, sizeof(pool), "rdma:%s", r->rdma_res) >= (int)sizeof(pool))
		return 0;
	idx = rp_store_pool_find(p->ss.store, pool);
	if (idx < 0) {
		rp_log(RP_LOG_INFO, "%s: shared RDMA resource %s is not configured on this node; users are not counted",
		       r->label, r->rdma_res);
		return 0;
	}
	sp = (uint32_t)idx;
	ret = rp_store_reserve(p->ss.store, &r->o, &sp, 1, NULL, &r->leases[r->nleases], e);
	if (ret == -ENOSPC)
		return rp_err_setc(e, ret, RP_CNI_ERR_RDMA_EXHAUSTED,
			    "%s: shared RDMA resource %s has all its rdmaHcaMax users; raise rdmaHcaMax in the "
			    "rdma shared device plugin config or stop pods using it", r->label, r->rdma_res);
	if (ret)
		return with_code(e, ret, RP_CNI_ERR_INTERNAL);
	r->nleases++;
	return 0;
}

/* Channels and the pod netns fd, once per pod, only when a rail is sriov. */
static int open_vf_chans(struct pod *p, struct rp_err *e)
{
	bool rdma = false;
	int ret;

	if (p->have_ch)
		return 0;
	for (unsigned i = 0; i < p->n; i++) {
		const struct rail *r = &p->rails[i];
		rdma |= (r->cni_type == RP_CNI_SRIOV && r->rdma_iso) || (r->is_vf && (r->saved.flags & RP_SRIOV_RDMA_MOVED));
	}
	ret = rp_sriov_chans_open(&p->ch, rdma, e);
	if (ret)
		return with_code(e, ret, ret == -EPROTONOSUPPORT ? RP_CNI_ERR_RDMA_MODE : RP_CNI_ERR_NETLINK);
	p->have_ch = true;
	if (p->env->netns[0])
		p->pod_fd = open(p->env->netns, O_RDONLY | O_CLOEXEC);
	return 0;
}

static void close_vf_chans(struct pod *p)
{
	if (p->have_ch)
		rp_sriov_chans_close(&p->ch);
	p->have_ch = false;
	if (p->pod_fd >= 0)
		close(p->pod_fd);
	p->pod_fd = -1;
}

/* Keep @r's saved VF state in its owner record before anything moves, so a DEL can restore. */
static int save_vf_state(struct pod *p, struct rail *r, struct rp_err *e)
{
	int ret;

	memcpy(r->od.state, &r->saved, sizeof(r->saved));
	ret = rp_store_owner_set_data(p->ss.store, &r->o, &r->od, sizeof(r->od));
	return ret ? rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "%s: cannot record the VF's state in the node store",
				 r->label) : 0;
}

/*
 * The VF of sriov rail @r: the deviceID the device plugin passed (single-rail mode: Multus hands
 * one config, and its deviceID, per rail), else the next free slot of "vf:<resource>".  Either
 * way the slot is a lease of the rail, so a VF is never handed out twice.  Then the VF's state
 * is saved and its PF-side settings applied (rp_sriov_prepare).
 */
static int reserve_vf(struct pod *p, struct rail *r, struct rp_err *e)
{
	const struct rp_blob_policy *pol = r->pol;
	const char *devid = p->single ? rp_sriov_device_id(p->conf->root) : NULL;
	uint32_t nvfs = rp_sriov_policy_vfs(pol), slot = 0, sp;
	struct rp_lease_info *l = &r->leases[r->nleases];
	char pool[RP_MODEL_RES_MAX + 8], pci[RP_PCI_ADDR_MAX];
	struct rp_sriov_req req;
	struct rp_ip want;
	int idx, ret;

	snprintf(pool, sizeof(pool), "vf:%s", pol->resource); /* rp_model_validate: fits RP_NAME_MAX */
	idx = rp_store_pool_find(p->ss.store, pool);
	if (idx < 0)
		return rp_err_setc(e, -ENOENT, RP_CNI_ERR_INVALID_CONFIG,
			    "%s: SriovNetworkNodePolicy %s (resource %s) does not apply to node %s (nodeSelector); "
			    "no VF slots in the node store", r->label, pol->name, r->resource, rp_session_node());
	sp = (uint32_t)idx;
	if (devid) {
		ret = rp_sriov_pci_slot(NULL, pol->pfs, pol->npfs, pol->num_vfs, devid, &slot, e);
		if (ret) {
			rp_err_prefix(e, "%s: ", r->label);
			return with_code(e, ret, RP_CNI_ERR_INVALID_CONFIG);
		}
		want = rp_ip_slot(pol->slot_base + slot);
	}
	ret = rp_store_reserve(p->ss.store, &r->o, &sp, 1, devid ? &want : NULL, l, e);
	if (ret == -ENOSPC || ret == -EADDRINUSE) {
		rp_sriov_err_slot(e, ret, r->resource, devid, nvfs);
		return rp_err_prefix(e, "%s: ", r->label);
	}
	if (ret)
		return with_code(e, ret, RP_CNI_ERR_INTERNAL);
	r->nleases++;
	if (devid) {
		scopy(pci, sizeof(pci), devid);
	} else {
		slot = rp_ip_slot_index(&l->ip) - pol->slot_base;
		ret = rp_sriov_slot_pci(NULL, pol->pfs, pol->npfs, pol->num_vfs, slot, pci, e);
		if (ret) {
			rp_err_prefix(e, "%s: resource %s: ", r->label, r->resource);
			return with_code(e, ret, RP_CNI_ERR_VF_EXHAUSTED);
		}
	}
	if ((ret = open_vf_chans(p, e)))
		return ret;
	memset(&req, 0, sizeof(req));
	req.resource = r->resource;
	req.device_id = pci;
	req.pod_ifname = r->name;
	req.mtu = r->mtu;
	req.vlan = r->vlan;
	req.qos = -1;
	req.spoofchk = req.trust = req.link_state = -1;
	if (r->inl) { /* sriov-cni style settings exist only on inline rails (see core/railsconf.h) */
		req.qos = r->inl->vlan_qos;
		req.spoofchk = r->inl->spoofchk;
		req.trust = r->inl->trust;
		req.link_state = r->inl->link_state;
		req.mac = r->inl->has_mac ? r->inl->mac : NULL;
	}
	req.rdma_isolation = r->rdma_iso;
	ret = rp_sriov_prepare(NULL, &p->ch.pf, &p->ch.host, r->rdma_iso ? &p->ch.rdma : NULL, &req, &r->saved,
			       &r->splan, e);
	if (ret) {
		rp_err_prefix(e, "%s: ", r->label);
		return with_code(e, ret, ret == -EBUSY ? RP_CNI_ERR_VF_EXHAUSTED : RP_CNI_ERR_NETLINK);
	}
	r->is_vf = r->prepared = true;
	return save_vf_state(p, r, e);
}

/* Give every prepared VF back (name, MAC, MTU, RDMA device, PF settings).  @in_pod: the rails
 * transaction succeeded, so netN in the pod is the VF; otherwise it rolled the moves back and
 * the pod's own interfaces must not be touched. */
static int restore_vfs(struct pod *p, bool in_pod, bool only_prepared, struct rp_err *e)
{
	int first = 0;

	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		struct rp_err one = {0};
		int ret;

		if (!r->is_vf || (only_prepared && !r->prepared))
			continue;
		ret = rp_sriov_restore(NULL, &p->ch.pf, &p->ch.host, rp_sriov_chans_pod_rdma(&p->ch), &r->saved, r->name,
				       in_pod ? p->pod_fd : -1, -1, &one);
		if (ret) {
			rp_log(RP_LOG_ERR, "%s: %s", r->label, one.msg);
			if (!first) {
				first = ret;
				rp_err_setc(e, ret, RP_CNI_ERR_NETLINK, "%s: %s", r->label, one.msg);
			}
			continue;
		}
		r->prepared = false;
	}
	return first;
}

/* rdmaIsolation: after the VFs are in the pod, their RDMA devices follow (RDMA netlink; the
 * rtnetlink transaction cannot carry them).  The saved state says so before commit. */
static int move_rdma_in(struct pod *p, struct rp_err *e)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		int ret;

		if (!r->is_vf || !r->splan.rdma_dev[0])
			continue;
		if (p->pod_fd < 0)
			return rp_err_setc(e, -ENOENT, RP_CNI_ERR_INVALID_ENV, "%s: cannot open CNI_NETNS %s to move RDMA "
				    "device %s into it", r->label, p->env->netns, r->splan.rdma_dev);
		ret = rp_rdma_dev_move(&p->ch.rdma, r->splan.rdma_dev, p->pod_fd, e);
		if (ret) {
			rp_err_prefix(e, "%s: rdmaIsolation: ", r->label);
			return with_code(e, ret, ret == -EOPNOTSUPP || ret == -EPERM ? RP_CNI_ERR_RDMA_MODE : RP_CNI_ERR_NETLINK);
		}
		r->saved.flags |= RP_SRIOV_RDMA_MOVED | RP_SRIOV_MOVED;
		if ((ret = save_vf_state(p, r, e)))
			return ret;
	}
	return 0;
}

static void abort_all(struct pod *p)
{
	struct rp_err ign = {0};

	restore_vfs(p, false, true, &ign);
	for (unsigned i = 0; i < p->n; i++)
		if (p->rails[i].begun) {
			rp_store_abort(p->ss.store, &p->rails[i].o);
			p->rails[i].begun = false;
		}
}

/* The rails plan entry of @r from its leases. */
static int build_plan(struct pod *p, const struct rail *r, struct rp_rail_plan *pl, struct rp_err *e)
{
	memset(pl, 0, sizeof(*pl));
	pl->kind = r->is_vf ? RP_RAIL_MOVE : RP_RAIL_MACVLAN;
	pl->rail = r->idx;
	scopy(pl->master, sizeof(pl->master), r->is_vf ? r->saved.host_ifname : r->master);
	scopy(pl->name, sizeof(pl->name), r->name);
	pl->mtu = r->mtu;
	if (r->is_vf && r->splan.set_mac) { /* a MAC the rail asked for: on the netdev too */
		memcpy(pl->mac, r->splan.mac, 6);
		pl->has_mac = true;
	}
	pl->probe_gateway = p->rc.probe_gateway;
	pl->probe_conflict = p->rc.probe_conflict;
	for (uint32_t k = 0; k < r->nleases; k++) {
		const struct rp_lease_info *l = &r->leases[k];
		const struct rp_blob_pool *bp;

		if (l->ip.family != RP_FAM_V4 && l->ip.family != RP_FAM_V6)
			continue; /* device slots */
		bp = rp_session_pool_of(&p->ss, l->pool);
		if (!bp)
			return rp_err_setc(e, -ESTALE, RP_CNI_ERR_CONFIG_CHANGED,
				    "%s: its address is no longer in an applied pool (pools changed); DEL and ADD again",
				    r->label);
		if (pl->naddrs >= RP_RAILS_MAX_ADDRS)
			continue;
		pl->addrs[pl->naddrs].ip = l->ip;
		pl->addrs[pl->naddrs].prefix = bp->prefix;
		pl->naddrs++;
		if (bp->flags & RP_BLOB_POOL_GATEWAY) {
			struct rp_ip gw = rp_session_blob_ip(bp->family, bp->gateway);
			if (bp->family == RP_FAM_V4)
				pl->gw4 = gw;
			else
				pl->gw6 = gw;
		}
		for (uint32_t k2 = 0; k2 < bp->nroutes && pl->nroutes < RP_RAILS_MAX_ROUTES; k2++) {
			const struct rp_blob_route *rt = &p->ss.v.routes[bp->routes_first + k2];
			struct rp_rail_route *o = &pl->routes[pl->nroutes++];
			o->dst = rp_session_blob_ip(rt->family, rt->dst);
			o->dst_len = rt->prefix;
			if (!rp_session_ip_is_zero(rt->gw))
				o->gw = rp_session_blob_ip(rt->family, rt->gw);
			else if (bp->flags & RP_BLOB_POOL_GATEWAY)
				o->gw = rp_session_blob_ip(bp->family, bp->gateway);
		}
	}
	return 0;
}

static int build_result(struct pod *p, const struct rp_rail_plan *plans, const struct rp_rail_result *res,
			json_t **out, struct rp_err *e)
{
	json_t *r = rp_cni_result_new(p->conf->cni_version), *ifs = json_array();
	char mac[32], a[64], d[80];

	if (!r || !ifs || json_object_set_new(r, "interfaces", ifs))
		goto err_nomem;
	for (unsigned i = 0; i < p->n; i++) {
		const struct rp_rail_plan *pl = &plans[i];
		json_t *o = json_object();

		rp_nl_mac_str(res[i].mac, mac, sizeof(mac));
		if (!o || json_object_set_new(o, "name", json_string(pl->name)) ||
		    json_object_set_new(o, "mac", json_string(mac)) ||
		    json_object_set_new(o, "sandbox", json_string(p->env->netns)) ||
		    (p->rails[i].is_vf && json_object_set_new(o, "pciID", json_string(p->rails[i].saved.pci))) ||
		    json_array_append_new(ifs, o))
			goto err_nomem;
		for (unsigned k = 0; k < pl->naddrs; k++) {
			const struct rp_ip *gw = pl->addrs[k].ip.family == RP_FAM_V4 ? &pl->gw4 : &pl->gw6;
			json_t *ips = json_object_get(r, "ips");
			if (rp_cni_result_add_ip(r, p->conf->version, &pl->addrs[k].ip, pl->addrs[k].prefix,
						 gw->family ? gw : NULL) ||
			    json_object_set_new(json_array_get(ips, json_array_size(ips) - 1), "interface",
						json_integer(i)))
				goto err_nomem;
		}
		for (unsigned k = 0; k < pl->nroutes; k++) {
			const struct rp_rail_route *rt = &pl->routes[k];
			bool dup = false;
			json_t *x;
			size_t j;

			rp_ip_format(&rt->dst, a, sizeof(a));
			snprintf(d, sizeof(d), "%s/%u", a, rt->dst_len);
			json_array_foreach(json_object_get(r, "routes"), j, x)
				dup |= !strcmp(json_string_value(json_object_get(x, "dst")), d);
			if (!dup && rp_cni_result_add_route(r, &rt->dst, rt->dst_len, rt->gw.family ? &rt->gw : NULL))
				goto err_nomem;
		}
	}
	*out = r;
	return 0;
err_nomem:
	json_decref(r);
	return rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory building the result");
}

/* Every rail already LIVE (a repeated ADD): the same result, MACs read from the pod. */
static int add_existing(struct pod *p, json_t **result, struct rp_err *e)
{
	struct rp_rail_plan plans[RP_RAILS_MAX];
	struct rp_rail_result res[RP_RAILS_MAX];
	struct rp_nl_link_info li[RP_RAILS_MAX];
	const char *names[RP_RAILS_MAX];
	struct rp_nl_sock *ps;
	int ret;

	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		r->nleases = r->info.nleases;
		memcpy(r->leases, r->info.leases, sizeof(r->leases));
		r->is_vf = rp_sriov_saved_get(&r->info, &r->saved);
		if ((ret = build_plan(p, r, &plans[i], e)))
			return ret;
		names[i] = r->name;
	}
	ret = rp_nl_sock_netns(p->env->netns, &ps, e);
	if (!ret)
		ret = rp_nl_links_get(ps, names, p->n, li, e);
	if (ret)
		return rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN,
			    "container %s already holds its rails in the node store but the pod's interfaces are not "
			    "all there (%s); DEL the attachment first", p->env->container_id, e ? e->msg : "");
	for (unsigned i = 0; i < p->n; i++) {
		res[i].ifindex = li[i].ifindex;
		memcpy(res[i].mac, li[i].mac, 6);
		scopy(res[i].name, sizeof(res[i].name), li[i].name);
	}
	return build_result(p, plans, res, result, e);
}

/* The pod side of DEL (and of an ADD undone after its transaction): VFs back to the host as
 * they were, then the macvlan rails (one group delete) and every rail's rules.  VF rails are
 * never passed to core/rails' group delete: a VF must come back, not be deleted. */
static int detach_rails(struct pod *p, struct rp_err *e)
{
	struct rp_rail_plan plans[RP_RAILS_MAX];
	unsigned n = 0;

	memset(plans, 0, sizeof(plans));
	for (unsigned i = 0; i < p->n; i++) {
		if (p->rails[i].is_vf)
			continue;
		plans[n].kind = RP_RAIL_MACVLAN;
		plans[n].rail = p->rails[i].idx;
		scopy(plans[n].name, sizeof(plans[n].name), p->rails[i].name);
		n++;
	}
	return rp_rails_detach(p->env->netns, plans, n, &p->opts, e);
}

static void undo_attached(struct pod *p, struct rp_err *e)
{
	if (p->have_ch)
		restore_vfs(p, true, false, e);
	detach_rails(p, e);
}

static int attach_add(struct pod *p, json_t **result, struct rp_err *e)
{
	struct rp_rail_plan plans[RP_RAILS_MAX];
	struct rp_rail_result res[RP_RAILS_MAX];
	unsigned nexist = 0;
	int ret;

	if ((ret = resolve_rails(p, e)) || (ret = read_master_addrs(p, e)))
		return ret;
	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		struct rp_owner_key k = {.container_id = p->env->container_id, .ifname = r->name};

		ret = rp_store_owner_begin(p->ss.store, &k, p->env->netns, &r->o, &r->info, e);
		if (ret == RP_OWNER_EXISTS) {
			r->existed = true;
			nexist++;
			continue;
		}
		if (ret == -EBUSY) {
			ret = rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "%s: another process is attaching or detaching "
				   "container %s right now; try again", r->label, p->env->container_id);
			goto err_abort;
		}
		if (ret == -ENOSPC) {
			ret = rp_err_setc(e, ret, RP_CNI_ERR_OWNER_TABLE_FULL, "%s: the node store's attachment table is full; "
				   "run `railpoolctl gc` or recreate the store with more owners", r->label);
			goto err_abort;
		}
		if (ret) {
			ret = with_code(e, ret, RP_CNI_ERR_INTERNAL);
			goto err_abort;
		}
		r->begun = true;
		owner_data_fill(p, r, &r->od);
		if ((ret = rp_store_owner_set_data(p->ss.store, &r->o, &r->od, sizeof(r->od))) ||
		    (ret = reserve_family(p, r, RP_FAM_V4, e)) || (ret = reserve_family(p, r, RP_FAM_V6, e)) ||
		    (ret = reserve_rdma(p, r, e)))
			goto err_abort;
		if (!r->nleases) {
			ret = rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "%s: no ippools.ipv4 or ipv6 given", r->label);
			goto err_abort;
		}
		if (r->cni_type == RP_CNI_SRIOV && (ret = reserve_vf(p, r, e)))
			goto err_abort;
	}
	if (nexist) {
		abort_all(p);
		if (nexist == p->n)
			return add_existing(p, result, e);
		return rp_err_setc(e, -EEXIST, RP_CNI_ERR_TRY_AGAIN,
			    "container %s holds %u of its %u rails already (a previous ADD was not cleaned up); DEL "
			    "the attachment, then ADD again", p->env->container_id, nexist, p->n);
	}
	for (unsigned i = 0; i < p->n; i++)
		if ((ret = build_plan(p, &p->rails[i], &plans[i], e)))
			goto err_abort;
	ret = rp_rails_attach(p->env->netns, plans, p->n, &p->opts, res, e);
	if (ret) {
		/* core/rails classifies MTU problems; everything else is the kernel refusing */
		if (e && !e->cni_code)
			e->cni_code = ret == -ERANGE ? RP_CNI_ERR_MTU : RP_CNI_ERR_NETLINK;
		goto err_abort;
	}
	if (p->have_ch && (ret = move_rdma_in(p, e))) {
		struct rp_err de = {0};
		undo_attached(p, &de);
		goto err_abort;
	}
	for (unsigned i = 0; i < p->n; i++) {
		ret = rp_store_commit(p->ss.store, &p->rails[i].o, e);
		if (ret) {
			struct rp_err de = {0};
			/* Rails committed before this one keep their leases until the runtime's DEL; the
			 * pod's interfaces go now, so nothing half-configured survives. */
			undo_attached(p, &de);
			for (unsigned j = 0; j < i; j++) {
				struct rp_owner_key k = {.container_id = p->env->container_id, .ifname = p->rails[j].name};
				rp_store_release(p->ss.store, &k, NULL);
			}
			ret = rp_err_setc(e, ret, ret == -ESTALE ? RP_CNI_ERR_CONFIG_CHANGED : RP_CNI_ERR_INTERNAL,
				   "%s: %s; nothing was attached, try again", p->rails[i].label,
				   ret == -ESTALE ? "its address was excluded by a configuration applied meanwhile"
						  : "the node store refused the commit");
			goto err_abort;
		}
		p->rails[i].begun = false;
	}
	return build_result(p, plans, res, result, e);
err_abort:
	abort_all(p);
	return ret;
}

static bool netns_present(const char *path)
{
	struct stat st;

	return path && *path && stat(path, &st) == 0;
}

static bool gone(int ret)
{
	return ret == -ENODEV || ret == -ENOENT || ret == -ESRCH || ret == -EADDRNOTAVAIL || ret == -ENXIO;
}

/* Single-rail mode: this rail's link and rules only (other rails belong to other configs).  A
 * VF rail's link was given back by restore_vfs(); only its rules are left here. */
static int detach_one(struct pod *p, struct rp_err *e)
{
	const struct rail *r = &p->rails[0];
	uint32_t table = rp_rails_table(&p->opts, r->idx), prio = rp_rails_prio(&p->opts, r->idx);
	struct rp_nl_sock *ps;
	struct rp_nl_txn *t;
	int ret = rp_nl_sock_netns(p->env->netns, &ps, e);

	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if ((ret = rp_nl_txn_new(ps, &t)))
		return rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "out of memory");
	if (!r->is_vf)
		rp_nl_txn_add(t, rp_nl_msg_link_del(0, r->name), NULL, NULL, NULL, NULL, "delete link %s", r->name);
	rp_nl_txn_add(t, rp_nl_msg_rule(false, AF_INET, NULL, 0, table, prio), NULL, NULL, NULL, NULL,
		      "delete IPv4 rule table %u", table);
	rp_nl_txn_add(t, rp_nl_msg_rule(false, AF_INET6, NULL, 0, table, prio), NULL, NULL, NULL, NULL,
		      "delete IPv6 rule table %u", table);
	ret = rp_nl_txn_commit(t, e);
	rp_nl_txn_forget_undo(t);
	rp_nl_txn_free(t);
	return gone(ret) ? 0 : ret;
}

static int attach_del(struct pod *p, const char *path, struct rp_err *e)
{
	bool have_store, present = netns_present(p->env->netns), any_vf = false;
	int ret = rp_session_open(&p->ss, path, e);

	if (ret && ret != -ENOENT)
		return ret;
	have_store = ret == 0; /* no store: nothing can be held, but the pod may still have rails */
	/* Which rails hold a VF is in their store records (memory reads only: a macvlan-only pod's
	 * DEL costs no more syscalls than before) — also in the record an ADD killed after moving
	 * its VF left RESERVED: its saved state is how the VF gets home (rp_store_lookup_any). */
	for (unsigned i = 0; have_store && i < p->n; i++) {
		struct rail *r = &p->rails[i];
		struct rp_owner_key k = {.container_id = p->env->container_id, .ifname = r->name};

		ret = rp_store_lookup_any(p->ss.store, &k, &r->info);
		if (ret == -EBUSY)
			return rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "%s: another process is working on container %s; "
				    "try again", r->label, p->env->container_id);
		if (ret == 0 && rp_sriov_saved_get(&r->info, &r->saved))
			any_vf = r->is_vf = true;
	}
	if (any_vf) {
		if ((ret = open_vf_chans(p, e)))
			return ret;
		/* The pod netns may be gone: then the kernel has returned each VF under a name of its
		 * own, and restore finds it by PCI address. */
		if ((ret = restore_vfs(p, present && p->pod_fd >= 0, false, e)))
			return ret;
	}
	if (present) {
		ret = p->single ? detach_one(p, e) : detach_rails(p, e);
		if (ret)
			return with_code(e, ret, RP_CNI_ERR_NETLINK);
	}
	if (!have_store)
		return 0;
	for (unsigned i = 0; i < p->n; i++) {
		struct rp_owner_key k = {.container_id = p->env->container_id, .ifname = p->rails[i].name};
		ret = rp_store_release(p->ss.store, &k, NULL);
		if (ret == -EBUSY)
			return rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "%s: another process is working on container %s; "
				    "try again", p->rails[i].label, p->env->container_id);
		if (ret < 0)
			return with_code(e, ret, RP_CNI_ERR_INTERNAL);
	}
	return 0;
}

static int attach_check(struct pod *p, struct rp_err *e)
{
	struct rp_rail_plan plans[RP_RAILS_MAX];
	int ret;

	if ((ret = resolve_rails(p, e)))
		return ret;
	for (unsigned i = 0; i < p->n; i++) {
		struct rail *r = &p->rails[i];
		struct rp_owner_key k = {.container_id = p->env->container_id, .ifname = r->name};

		ret = rp_store_lookup(p->ss.store, &k, &r->info);
		if (ret == -ENOENT)
			return rp_err_setc(e, ret, RP_CNI_ERR_UNKNOWN_CONTAINER, "%s: container %s holds no attachment for it",
				    r->label, p->env->container_id);
		if (ret)
			return rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "%s: attachment is being changed; try again", r->label);
		r->nleases = r->info.nleases;
		memcpy(r->leases, r->info.leases, sizeof(r->leases));
		r->is_vf = rp_sriov_saved_get(&r->info, &r->saved);
		if ((ret = build_plan(p, r, &plans[i], e)))
			return ret;
	}
	ret = rp_rails_check(p->env->netns, plans, p->n, &p->opts, e);
	return ret ? with_code(e, ret, RP_CNI_ERR_CHECK_MISMATCH) : 0;
}

#define GC_MAX_VFS 256

struct gc_vf {
	struct rp_sriov_saved saved;
	char ifname[RP_IFNAME_MAX];
	char netns[RP_NETNS_MAX];
};

struct gc_arg {
	const struct rp_cni_conf *conf;
	uint64_t net_hash;
	struct gc_vf *vfs;      /* stale VF rails, restored before their leases go */
	unsigned nvfs;
	bool rdma;
};

static int gc_keep(const struct rp_owner_info *info, void *arg)
{
	const struct gc_arg *g = arg;
	struct rp_owner_data od;

	memset(&od, 0, sizeof(od));
	memcpy(&od, info->data, info->data_len < sizeof(od) ? info->data_len : sizeof(od));
	if (od.version != RP_OWNER_DATA_VERSION || od.kind != RP_OWNER_KIND_RAILS || od.net_hash != g->net_hash)
		return 1; /* not this network's */
	/* valid-attachments name the CNI_IFNAME of the ADD (net1); its rails net1..netN go with it */
	for (uint32_t i = 0; i < g->conf->nvalid; i++)
		if (!strcmp(g->conf->valid[i].container_id, info->container_id))
			return 1;
	return 0;
}

static int gc_collect(const struct rp_owner_info *info, void *arg)
{
	struct gc_arg *g = arg;
	struct gc_vf *v;

	if (info->state != RP_OWNER_LIVE || gc_keep(info, arg) || g->nvfs == GC_MAX_VFS)
		return 0;
	v = &g->vfs[g->nvfs];
	if (!rp_sriov_saved_get(info, &v->saved))
		return 0;
	scopy(v->ifname, sizeof(v->ifname), info->ifname);
	scopy(v->netns, sizeof(v->netns), info->netns);
	g->rdma |= v->saved.flags & RP_SRIOV_RDMA_MOVED;
	g->nvfs++;
	return 0;
}

/* GC of a VF rail gives the VF back like DEL would (from its netns if that still exists, else
 * from the host by PCI address) before its slot is freed: a freed slot whose VF is still in a
 * dead pod's netns, or back under a kernel-chosen name, would be handed out broken. */
static void gc_restore_vfs(struct pod *p, struct gc_arg *g)
{
	if (!g->nvfs || rp_sriov_chans_open(&p->ch, g->rdma, NULL))
		return;
	p->have_ch = true;
	for (unsigned i = 0; i < g->nvfs; i++) {
		struct gc_vf *v = &g->vfs[i];
		int fd = v->netns[0] ? open(v->netns, O_RDONLY | O_CLOEXEC) : -1;
		struct rp_err e = {0};

		if (rp_sriov_restore(NULL, &p->ch.pf, &p->ch.host, rp_sriov_chans_pod_rdma(&p->ch), &v->saved, v->ifname, fd,
				     -1, &e))
			rp_log(RP_LOG_WARN, "GC: %s", e.msg);
		if (fd >= 0)
			close(fd);
	}
}

static int attach_gc(struct pod *p, struct rp_err *e)
{
	struct gc_arg g = {.conf = p->conf, .net_hash = rp_owner_net_hash(p->conf->name)};
	struct rp_sweep_stats st;
	int ret;

	if (!p->conf->has_valid)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
			    "GC needs cni.dev/valid-attachments in the config (CNI 1.1.0)");
	g.vfs = calloc(GC_MAX_VFS, sizeof(*g.vfs));
	if (g.vfs) {
		rp_store_foreach_owner(p->ss.store, gc_collect, &g);
		gc_restore_vfs(p, &g);
		free(g.vfs);
		g.vfs = NULL;
	}
	ret = rp_store_gc(p->ss.store, gc_keep, &g, false);
	if (ret < 0)
		return with_code(e, ret, RP_CNI_ERR_INTERNAL);
	rp_store_sweep(p->ss.store, 0, &st);
	return 0;
}

int rp_attach_run(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		  json_t **result, struct rp_err *e)
{
	struct pod *p = calloc(1, sizeof(*p));
	const char *path;
	int ret;

	if (!p)
		return rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory");
	*result = NULL;
	p->env = env;
	p->conf = conf;
	p->pod_fd = -1;
	if (env->cmd == RP_CNI_CMD_GC || env->cmd == RP_CNI_CMD_STATUS) {
		rp_railsconf_init(&p->rc);
		p->rc.nrails = 0;
	} else if ((ret = parse_rails(p, e))) {
		goto out;
	}
	path = state_of(p, state_path);
	if (env->cmd == RP_CNI_CMD_DEL) {
		ret = attach_del(p, path, e);
		goto out;
	}
	if ((ret = rp_session_open(&p->ss, path, e)) ||
	    (ret = rp_session_read(&p->ss, env->cmd == RP_CNI_CMD_ADD || env->cmd == RP_CNI_CMD_STATUS, e)))
		goto out;
	switch (env->cmd) {
	case RP_CNI_CMD_ADD:
		ret = attach_add(p, result, e);
		break;
	case RP_CNI_CMD_CHECK:
		ret = attach_check(p, e);
		break;
	case RP_CNI_CMD_GC:
		ret = attach_gc(p, e);
		break;
	case RP_CNI_CMD_STATUS:
		ret = 0;
		break;
	default:
		ret = rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_ENV, "CNI_COMMAND %s is not handled in rails mode",
			   rp_cni_cmd_name(env->cmd));
	}
out:
	close_vf_chans(p);
	rp_session_close(&p->ss);
	free(p);
	return ret;
}
