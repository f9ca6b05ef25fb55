/* SPDX-License-Identifier: Apache-2.0 */
#include "core/sriov.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"
#include "rdma/sysfs.h"
#include "vf/link.h"
#include "vf/relay.h"

/* ---- provisioning and the resource view ---- */

/* Callers check lengths first where truncation would matter. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void pf_range(int32_t first, int32_t last, uint32_t num_vfs, uint32_t *lo, uint32_t *n)
{
	if (first < 0) {
		*lo = 0;
		*n = num_vfs;
	} else {
		*lo = (uint32_t)first;
		*n = (uint32_t)(last - first + 1);
	}
}

int rp_sriov_provision(const char *root, const struct rp_model_policy *p, struct rp_err *e)
{
	struct rp_pf_info pf;
	uint32_t i;
	int rc;

	for (i = 0; i < p->npfs; i++) {
		const struct rp_model_pf *s = &p->pfs[i];

		rc = rp_vf_pf_get(root, s->name, &pf, e);
		if (rc)
			return rp_err_prefix(e, "SriovNetworkNodePolicy %s: ", p->name);
		if (p->num_vfs > pf.totalvfs)
			return rp_err_set(e, -EINVAL,
					  "SriovNetworkNodePolicy %s: numVfs %u exceeds sriov_totalvfs %u of PF "
					  "%s; lower numVfs", p->name, p->num_vfs, pf.totalvfs, s->name);
		if (s->first >= 0 && (s->first > s->last || (uint32_t)s->last >= p->num_vfs))
			return rp_err_set(e, -EINVAL,
					  "SriovNetworkNodePolicy %s: pfNames entry %s#%d-%d is outside VFs "
					  "0-%u (numVfs %u)", p->name, s->name, s->first, s->last,
					  p->num_vfs ? p->num_vfs - 1 : 0, p->num_vfs);
	}
	for (i = 0; i < p->npfs; i++) {
		rc = rp_vf_provision(root, p->pfs[i].name, p->num_vfs, e);
		if (rc)
			return rp_err_prefix(e, "SriovNetworkNodePolicy %s: ", p->name);
	}
	return 0;
}

int rp_sriov_slot_pci(const char *root, const struct rp_blob_pf *pfs, uint32_t npfs, uint32_t num_vfs,
		      uint32_t slot, char pci[RP_PCI_ADDR_MAX], struct rp_err *e)
{
	uint32_t i, lo, n, left = slot;

	for (i = 0; i < npfs; i++) {
		struct rp_pf_info pf;
		struct rp_vf_info *vfs;
		size_t nv;
		int rc;

		pf_range(pfs[i].first, pfs[i].last, num_vfs, &lo, &n);
		if (left >= n) {
			left -= n;
			continue;
		}
		rc = rp_vf_pf_get(root, pfs[i].name, &pf, e);
		rc = rc ? rc : rp_vf_list(root, &pf, &vfs, &nv, e);
		if (rc)
			return rc;
		if (lo + left >= nv) {
			free(vfs);
			return rp_err_set(e, -ENOENT, "VF slot %u is VF %u of PF %s, but it has only %zu VFs "
					  "(sriov_numvfs not provisioned?)", slot, lo + left, pfs[i].name, nv);
		}
		snprintf(pci, RP_PCI_ADDR_MAX, "%s", vfs[lo + left].pci);
		free(vfs);
		return 0;
	}
	return rp_err_set(e, -ENOENT, "VF slot %u is past the policy's VFs", slot);
}

json_t *rp_sriov_allocatable_json(const char *root, const struct rp_model_policy *p, size_t n,
				  const char *prefix)
{
	json_t *o = json_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		uint64_t count = 0;
		char key[RP_MODEL_RES_MAX + 64], q[32];
		uint32_t j, lo, cnt;

		for (j = 0; j < p[i].npfs; j++) {
			struct rp_pf_info pf;

			if (rp_vf_pf_get(root, p[i].pfs[j].name, &pf, NULL))
				continue;
			pf_range(p[i].pfs[j].first, p[i].pfs[j].last, pf.numvfs, &lo, &cnt);
			if (lo >= pf.numvfs)
				continue;
			count += lo + cnt > pf.numvfs ? pf.numvfs - lo : cnt;
		}
		snprintf(key, sizeof(key), "%s%s", strchr(p[i].resource, '/') ? "" : prefix ? prefix : "",
			 p[i].resource);
		snprintf(q, sizeof(q), "%llu", (unsigned long long)count);
		if (json_object_set_new(o, key, json_string(q))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

const char *rp_sriov_device_id(const json_t *conf)
{
	const json_t *v = json_object_get(conf, "deviceID");

	if (json_is_string(v) && *json_string_value(v))
		return json_string_value(v);
	v = json_object_get(json_object_get(conf, "runtimeConfig"), "deviceID");
	if (json_is_string(v) && *json_string_value(v))
		return json_string_value(v);
	return NULL;
}

json_t *rp_sriov_rdma_json(const char *root, struct rp_rdma_chan *ch)
{
	struct rp_rdma_sysfs_dev *d = NULL;
	struct rp_rdma_chan own;
	struct rp_err e = { 0 };
	json_t *o = json_object(), *arr = json_array();
	size_t n = 0, i;
	int mode = -1, rc = 0;

	if (!o || !arr)
		goto err;
	if (!ch) {
		rc = rp_rdma_chan_open(&own, -1, &e);
		if (!rc)
			ch = &own;
	}
	if (ch)
		rc = rp_rdma_mode_get(ch, &mode, &e);
	if (ch == &own)
		rp_rdma_chan_close(&own);
	json_object_set_new(o, "netnsMode", json_string(rc ? "unknown" : rp_rdma_mode_name(mode)));
	if (rc)
		json_object_set_new(o, "netnsModeError", json_string(e.msg));
	if (rp_rdma_sysfs_list(root, &d, &n, NULL))
		n = 0;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", d[i].name, "netdev", d[i].netdev,
						     "pci", d[i].pci));
	free(d);
	json_object_set_new(o, "devices", arr);
	return o;
err:
	json_decref(o);
	json_decref(arr);
	return NULL;
}

int rp_sriov_err_slot(struct rp_err *e, int rc, const char *resource, const char *device_id,
		      uint32_t nvfs)
{
	if (rc == -ENOSPC)
		rc = rp_err_set(e, -ENOSPC,
				"no free VF for resource %s: all %u VFs are in use; free a pod using it or "
				"raise numVfs in its SriovNetworkNodePolicy", resource, nvfs);
	else if (rc == -EADDRINUSE)
		rc = rp_err_set(e, -EADDRINUSE,
				"VF %s (deviceID) of resource %s is already in use by another attachment; "
				"the device plugin handed out a busy VF — check its allocation state",
				device_id ? device_id : "?", resource);
	else
		return rc;
	if (e)
		e->cni_code = RP_CNI_ERR_VF_EXHAUSTED;
	return rc;
}

/* ---- attach ---- */

static int want_pf_cfg(const struct rp_sriov_req *r, uint32_t vf, struct rp_vf_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->vf = vf;
	if (r->mac) {
		memcpy(c->mac, r->mac, 6);
		c->mask |= RP_VF_SET_MAC;
	}
	if (r->vlan >= 0) {
		c->vlan = (uint16_t)r->vlan;
		c->qos = r->qos > 0 ? (uint8_t)r->qos : 0;
		c->mask |= RP_VF_SET_VLAN;
	}
	if (r->spoofchk >= 0) {
		c->spoofchk = (uint8_t)!!r->spoofchk;
		c->mask |= RP_VF_SET_SPOOFCHK;
	}
	if (r->trust >= 0) {
		c->trust = (uint8_t)!!r->trust;
		c->mask |= RP_VF_SET_TRUST;
	}
	if (r->link_state >= 0) {
		c->link_state = (uint8_t)r->link_state;
		c->mask |= RP_VF_SET_LINK_STATE;
	}
	return c->mask != 0;
}

int rp_sriov_prepare(const char *root, struct rp_vf_chan *pf_ch, struct rp_vf_chan *host_ch,
		     struct rp_rdma_chan *rdma_ch, const struct rp_sriov_req *req,
		     struct rp_sriov_saved *saved, struct rp_sriov_plan *plan, struct rp_err *e)
{
	const char *res = req->resource ? req->resource : "?";
	struct rp_vf_info vf;
	struct rp_pf_info pf;
	struct rp_vf_link link;
	struct rp_vf_cfg want;
	char pfname[RP_VF_IFNAME_MAX];
	int rc;

	memset(saved, 0, sizeof(*saved));
	memset(plan, 0, sizeof(*plan));
	if (!req->pod_ifname || !*req->pod_ifname || strlen(req->pod_ifname) >= RP_VF_IFNAME_MAX)
		return rp_err_set(e, -EINVAL, "resource %s: bad pod interface name", res);
	rc = rp_vf_get(root, req->device_id, &vf, e);
	if (rc)
		return rp_err_prefix(e, "resource %s: ", res);
	if (!vf.netdev[0])
		return rp_err_set(e, -EBUSY,
				  "VF %s (deviceID) of resource %s has no netdev in the host network "
				  "namespace: it is in use by another pod or bound to vfio-pci", vf.pci, res);
	rc = rp_vf_netdev_of(root, vf.pf_pci, pfname, e);
	rc = rc ? rc : rp_vf_pf_get(root, pfname, &pf, e);
	if (rc)
		return rp_err_prefix(e, "VF %s: its PF %s: ", vf.pci, vf.pf_pci);
	if (req->mtu && pf.mtu && req->mtu > pf.mtu) {
		rc = rp_err_set(e, -ERANGE, "resource %s: MTU %u is above the MTU %u of PF %s; lower the "
				"rail's mtu or raise the PF's", res, req->mtu, pf.mtu, pf.netdev);
		if (e)
			e->cni_code = RP_CNI_ERR_MTU;
		return rc;
	}
	if (strlen(vf.rdma_dev) >= sizeof(saved->rdma_dev))
		return rp_err_set(e, -ENAMETOOLONG, "VF %s: RDMA device name %s is too long", vf.pci,
				  vf.rdma_dev);
	if (req->rdma_isolation) {
		if (!vf.rdma_dev[0])
			return rp_err_set(e, -ENODEV,
					  "resource %s: VF %s has no RDMA device but rdmaIsolation is set "
					  "(isRdma: true in its SriovNetworkNodePolicy?)", res, vf.pci);
		if (rdma_ch) {
			rc = rp_rdma_mode_require(rdma_ch, RP_RDMA_EXCLUSIVE, "rdmaIsolation", e);
			if (rc) {
				if (e && rc == -EPERM)
					e->cni_code = RP_CNI_ERR_RDMA_MODE;
				return rc;
			}
		}
	}
	rc = rp_vf_link_get(host_ch, vf.netdev, &link, e);
	if (rc == -ENODEV)
		return rp_err_set(e, -EBUSY,
				  "VF %s (deviceID) of resource %s: its netdev %s is not in the host network "
				  "namespace; it is in use by another pod", vf.pci, res, vf.netdev);
	if (rc)
		return rc;
	snprintf(saved->pci, sizeof(saved->pci), "%s", vf.pci);
	snprintf(saved->host_ifname, sizeof(saved->host_ifname), "%s", link.name);
	snprintf(saved->pf, sizeof(saved->pf), "%s", pf.netdev);
	copy_str(saved->rdma_dev, sizeof(saved->rdma_dev), vf.rdma_dev);
	memcpy(saved->mac, link.mac, 6);
	saved->mtu = link.mtu;
	if (want_pf_cfg(req, (uint32_t)vf.index, &want)) {
		rc = rp_vf_state_get(pf_ch, pf.ifindex, pf.netdev, (uint32_t)vf.index, &saved->pf_cfg, e);
		if (rc)
			return rc;
		rc = rp_vf_cfg_apply(pf_ch, pf.ifindex, pf.netdev, &want, e);
		if (rc) {
			/* The kernel applies IFLA_VF_* one by one: undo whatever got through. */
			if (saved->pf_cfg.mask)
				rp_vf_cfg_apply(pf_ch, pf.ifindex, pf.netdev, &saved->pf_cfg, NULL);
			return rc;
		}
		saved->flags |= RP_SRIOV_CFG_CHANGED;
	}
	snprintf(plan->host_ifname, sizeof(plan->host_ifname), "%s", link.name);
	snprintf(plan->pod_ifname, sizeof(plan->pod_ifname), "%s", req->pod_ifname);
	snprintf(plan->pci, sizeof(plan->pci), "%s", vf.pci);
	plan->mtu = req->mtu;
	if (req->mac) {
		memcpy(plan->mac, req->mac, 6);
		plan->set_mac = 1;
	}
	if (req->rdma_isolation)
		copy_str(plan->rdma_dev, sizeof(plan->rdma_dev), vf.rdma_dev);
	return 0;
}

static int own_netns(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

int rp_sriov_move_in(struct rp_vf_chan *host_ch, struct rp_rdma_chan *rdma_ch,
		     const struct rp_sriov_plan *plan, int pod_netns_fd, struct rp_sriov_saved *saved,
		     struct rp_err *e)
{
	struct rp_vf_chan pod;
	int rc, host;

	rc = rp_vf_link_move(host_ch, plan->host_ifname, pod_netns_fd, plan->pod_ifname, plan->mtu,
			     plan->set_mac ? plan->mac : NULL, e);
	if (rc)
		return rc;
	saved->flags |= RP_SRIOV_MOVED;
	if (!rdma_ch || !plan->rdma_dev[0])
		return 0;
	rc = rp_rdma_dev_move(rdma_ch, plan->rdma_dev, pod_netns_fd, e);
	if (!rc) {
		saved->flags |= RP_SRIOV_RDMA_MOVED;
		return 0;
	}
	/* Roll the netdev back so a failed ADD leaves the VF as it found it. */
	host = own_netns();
	if (host >= 0 && !rp_vf_chan_open_in(&pod, pod_netns_fd, NULL)) {
		if (!rp_vf_link_move(&pod, plan->pod_ifname, host, saved->host_ifname, saved->mtu,
				     saved->mac, NULL))
			saved->flags &= (uint8_t)~RP_SRIOV_MOVED;
		rp_vf_chan_close(&pod);
	}
	if (host >= 0)
		close(host);
	return rc;
}

/* ---- detach ---- */

static void keep_first(int *first, int rc)
{
	if (rc && !*first)
		*first = rc;
}

int rp_sriov_restore(const char *root, struct rp_vf_chan *pf_ch, struct rp_vf_chan *host_ch,
		     struct rp_rdma_chan *pod_rdma_ch, const struct rp_sriov_saved *saved,
		     const char *pod_ifname, int pod_netns_fd, int host_netns_fd, struct rp_err *e)
{
	struct rp_err tmp, *ep = e ? e : &tmp;
	int first = 0, rc, own = -1, found = 0;
	struct rp_vf_link link;
	char cur[RP_VF_IFNAME_MAX];

	if (host_netns_fd < 0) {
		own = own_netns();
		if (own < 0)
			return rp_err_set(e, -errno, "open own netns: %s", strerror(errno));
		host_netns_fd = own;
	}
	/* RDMA first: in exclusive mode a device left behind would die with the netns' users. */
	if ((saved->flags & RP_SRIOV_RDMA_MOVED) && pod_netns_fd >= 0 && saved->rdma_dev[0]) {
		struct rp_rdma_chan rch, *rp = pod_rdma_ch;

		rc = 0;
		if (!rp) {
			rc = rp_rdma_chan_open(&rch, pod_netns_fd, ep);
			rp = rc ? NULL : &rch;
		}
		if (rp) {
			rc = rp_rdma_dev_move(rp, saved->rdma_dev, host_netns_fd, ep);
			if (rp == &rch)
				rp_rdma_chan_close(&rch);
		}
		keep_first(&first, rc);
	}
	if (pod_netns_fd >= 0 && pod_ifname && *pod_ifname) {
		struct rp_vf_chan pod;

		rc = rp_vf_chan_open_in(&pod, pod_netns_fd, first ? NULL : ep);
		if (!rc) {
			if (!rp_vf_link_get(&pod, pod_ifname, &link, NULL)) {
				found = 1;
				rc = rp_vf_link_move(&pod, pod_ifname, host_netns_fd, saved->host_ifname,
						     saved->mtu, saved->mac, first ? NULL : ep);
			}
			rp_vf_chan_close(&pod);
		}
		keep_first(&first, rc);
	}
	if (!found && !rp_vf_netdev_of(root, saved->pci, cur, NULL) &&
	    !rp_vf_link_get(host_ch, cur, &link, NULL)) {
		/* The netns died and the kernel returned the VF under a name of its own. */
		found = 1;
		rc = rp_vf_link_move(host_ch, cur, -1,
				     strcmp(cur, saved->host_ifname) ? saved->host_ifname : NULL,
				     saved->mtu, saved->mac, first ? NULL : ep);
		keep_first(&first, rc);
	}
	if (!found)
		rp_log(RP_LOG_WARN, "VF %s (%s): not found in the pod or the host; nothing to restore",
		       saved->pci, saved->host_ifname);
	if (saved->flags & RP_SRIOV_CFG_CHANGED) {
		struct rp_pf_info pf;

		rc = rp_vf_pf_get(root, saved->pf, &pf, first ? NULL : ep);
		if (!rc)
			rc = rp_vf_cfg_apply(pf_ch, pf.ifindex, pf.netdev, &saved->pf_cfg, first ? NULL : ep);
		keep_first(&first, rc);
	}
	if (own >= 0)
		close(own);
	if (first)
		rp_err_prefix(e, "restoring VF %s (%s): ", saved->pci, saved->host_ifname);
	return first;
}

/* ---- glue for the rails pipeline ---- */

int rp_sriov_chans_open(struct rp_sriov_chans *c, bool need_rdma, struct rp_err *e)
{
	char relay[256];
	int rc;

	memset(c, 0, sizeof(*c));
	rc = rp_vf_chan_open(&c->host, e);
	if (rc)
		return rc;
	c->has_host = true;
	if (rp_vf_relay_path(NULL, relay, sizeof(relay))) {
		rc = rp_vf_chan_open_relay(&c->pf, relay, e);
		if (rc)
			goto err;
		c->sim = c->has_pf = true;
		if (need_rdma) {
			/* One connection answers both: vf/cfg.h and rdma/nldev.h share the xfer type. */
			c->rdma.xfer = c->pf.xfer;
			c->rdma.ctx = c->pf.ctx;
			c->has_rdma = true;
		}
		return 0;
	}
	c->pf = c->host;
	if (need_rdma) {
		rc = rp_rdma_chan_open(&c->rdma, -1, e);
		if (rc)
			goto err;
		c->has_rdma = true;
	}
	return 0;
err:
	rp_sriov_chans_close(c);
	return rc;
}

void rp_sriov_chans_close(struct rp_sriov_chans *c)
{
	if (c->has_rdma && !c->sim)
		rp_rdma_chan_close(&c->rdma);
	if (c->has_pf)
		rp_vf_chan_close(&c->pf);
	if (c->has_host)
		rp_vf_chan_close(&c->host);
	memset(c, 0, sizeof(*c));
}

struct rp_rdma_chan *rp_sriov_chans_pod_rdma(struct rp_sriov_chans *c)
{
	return c->sim && c->has_rdma ? &c->rdma : NULL;
}

uint32_t rp_sriov_policy_vfs(const struct rp_blob_policy *p)
{
	uint32_t i, lo, n, sum = 0;

	for (i = 0; i < p->npfs && i < RP_MODEL_MAX_PFS; i++) {
		pf_range(p->pfs[i].first, p->pfs[i].last, p->num_vfs, &lo, &n);
		sum += n;
	}
	return sum;
}

int rp_sriov_pci_slot(const char *root, const struct rp_blob_pf *pfs, uint32_t npfs, uint32_t num_vfs,
		      const char *pci, uint32_t *slot, struct rp_err *e)
{
	char pfname[RP_VF_IFNAME_MAX];
	struct rp_vf_info vf;
	uint32_t i, lo, n, base = 0;
	int rc;

	if (!rp_vf_pci_valid(pci))
		return rp_err_set(e, -EINVAL, "deviceID %s is not a PCI address like 0000:86:01.2", pci);
	rc = rp_vf_get(root, pci, &vf, e);
	rc = rc ? rc : rp_vf_netdev_of(root, vf.pf_pci, pfname, e);
	if (rc)
		return rp_err_prefix(e, "deviceID %s: ", pci);
	for (i = 0; i < npfs; i++) {
		pf_range(pfs[i].first, pfs[i].last, num_vfs, &lo, &n);
		if (!strcmp(pfs[i].name, pfname) && vf.index >= 0 && (uint32_t)vf.index >= lo &&
		    (uint32_t)vf.index < lo + n) {
			*slot = base + (uint32_t)vf.index - lo;
			return 0;
		}
		base += n;
	}
	return rp_err_set(e, -ENOENT, "deviceID %s is VF %d of PF %s, which the resource's "
			  "SriovNetworkNodePolicy does not hand out (PFs %s%s); check the device plugin's "
			  "resource configuration", pci, vf.index, pfname, npfs ? pfs[0].name : "none",
			  npfs > 1 ? ", ..." : "");
}

bool rp_sriov_saved_get(const struct rp_owner_info *info, struct rp_sriov_saved *out)
{
	struct rp_owner_data d;

	if (!rp_owner_data_get(info, &d) || d.kind != RP_OWNER_KIND_RAILS)
		return false;
	memcpy(out, d.state, sizeof(*out));
	out->pci[sizeof(out->pci) - 1] = '\0';
	out->host_ifname[sizeof(out->host_ifname) - 1] = '\0';
	out->pf[sizeof(out->pf) - 1] = '\0';
	out->rdma_dev[sizeof(out->rdma_dev) - 1] = '\0';
	return out->pci[0] && out->host_ifname[0];
}
