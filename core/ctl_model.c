/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl: the parts that read manifests and the applied model (core/model.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctl_internal.h"
#include "core/inject.h"
#include "core/manifest.h"
#include "core/model.h"
#include "core/railsconf.h"

/* ---- the applied model as JSON (shared by get, describe, apply's diff and conflist) ---- */

static const char *fam_name(uint8_t fam)
{
	return fam == 6 ? "ipv6" : "ipv4";
}

static json_t *range_list(const struct rp_model_view *v, uint32_t first, uint32_t n, uint8_t fam)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < n; k++) {
		struct rp_range r;
		char buf[RP_RANGE_STRLEN];

		rp_blob_range_get(v, first + k, fam, &r);
		if (rp_range_format(&r, buf, sizeof(buf)) == 0)
			json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *pool_json(const struct rp_model_view *v, uint32_t i)
{
	const struct rp_blob_pool *p = &v->pools[i];
	struct rp_cidr sn;
	struct rp_addr gw;
	char buf[RP_CIDR_STRLEN], gws[RP_ADDR_STRLEN] = "";
	json_t *routes = json_array();

	rp_blob_pool_subnet(p, &sn);
	if (rp_cidr_format(&sn, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "-");
	if (rp_blob_pool_gateway(p, &gw))
		(void)rp_addr_format(&gw, gws, sizeof(gws));
	for (uint32_t k = 0; k < p->nroutes; k++) {
		const struct rp_blob_route *r = &v->routes[p->routes_first + k];
		struct rp_cidr dst = { .prefix = r->prefix };
		struct rp_addr via = { .family = r->family };
		char d[RP_CIDR_STRLEN], g[RP_ADDR_STRLEN];

		dst.addr.family = r->family;
		memcpy(dst.addr.b, r->dst, 16);
		memcpy(via.b, r->gw, 16);
		if (rp_cidr_format(&dst, d, sizeof(d)) < 0 || rp_addr_format(&via, g, sizeof(g)) < 0)
			continue;
		json_array_append_new(routes, json_pack("{s:s, s:s}", "dst", d, "gw", g));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:o, s:o, s:o}", "name", p->name, "family",
			 fam_name(p->family), "subnet", buf, "gateway", gws, "node", p->node, "default",
			 (p->flags & RP_BLOB_POOL_DEFAULT) != 0, "disable", (p->flags & RP_BLOB_POOL_DISABLE) != 0,
			 "ips", range_list(v, p->ips_first, p->nips, p->family), "excludeIPs",
			 range_list(v, p->excl_first, p->nexcl, p->family), "routes", routes);
}

static json_t *ref_list(const struct rp_model_view *v, uint32_t first, uint32_t n)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < n; k++)
		json_array_append_new(a, json_string(v->refs[first + k].name));
	return a;
}

static json_t *net_json(const struct rp_model_view *v, uint32_t i)
{
	const struct rp_blob_net *n = &v->nets[i];
	json_t *o = json_pack("{s:s, s:s, s:s}", "name", n->name, "namespace", n->ns, "cniType",
			      rp_cni_type_name(n->cni_type));

	if (n->cni_type == RP_CNI_MACVLAN)
		json_object_set_new(o, "master", json_string(n->master));
	if (n->resource[0])
		json_object_set_new(o, "resourceName", json_string(n->resource));
	if (n->rdma_resource[0])
		json_object_set_new(o, "rdmaResourceName", json_string(n->rdma_resource));
	json_object_set_new(o, "rdmaIsolation", json_boolean(n->flags & RP_BLOB_NET_RDMA));
	json_object_set_new(o, "mtu", json_integer(n->mtu));
	if (n->vlan >= 0)
		json_object_set_new(o, "vlanID", json_integer(n->vlan));
	json_object_set_new(o, "ippools", json_pack("{s:o, s:o}", "ipv4", ref_list(v, n->v4_first, n->nv4), "ipv6",
						    ref_list(v, n->v6_first, n->nv6)));
	json_object_set_new(o, "matchMasterSubnet", json_boolean(n->flags & RP_BLOB_NET_MMS));
	json_t *ann = json_object();
	if (n->inject_rdma[0])
		json_object_set_new(ann, "cni.spidernet.io/rdma-resource-inject", json_string(n->inject_rdma));
	if (n->inject_net[0])
		json_object_set_new(ann, "cni.spidernet.io/network-resource-inject", json_string(n->inject_net));
	json_object_set_new(o, "annotations", ann);
	return o;
}

static json_t *policy_json(const struct rp_blob_policy *p)
{
	json_t *pfs = json_array();

	for (uint32_t k = 0; k < p->npfs && k < RP_MODEL_MAX_PFS; k++) {
		char buf[RP_IFNAME_MAX + 32];

		if (p->pfs[k].first >= 0)
			snprintf(buf, sizeof(buf), "%s#%d-%d", p->pfs[k].name, p->pfs[k].first, p->pfs[k].last);
		else
			snprintf(buf, sizeof(buf), "%s", p->pfs[k].name);
		json_array_append_new(pfs, json_string(buf));
	}
	return json_pack("{s:s, s:s, s:s, s:i, s:o, s:b, s:s, s:s, s:i}", "name", p->name, "namespace", p->ns,
			 "resourceName", p->resource, "numVfs", (int)p->num_vfs, "pfNames", pfs, "isRdma",
			 p->is_rdma != 0, "linkType", p->link_ib ? "ib" : "eth", "deviceType",
			 p->vfio ? "vfio-pci" : "netdevice", "priority", (int)p->priority);
}

static json_t *rdma_json(const struct rp_blob_rdma *r)
{
	json_t *ifs = json_array();

	for (uint32_t k = 0; k < r->nifnames && k < RP_MODEL_MAX_PFS; k++)
		json_array_append_new(ifs, json_string(r->ifnames[k]));
	return json_pack("{s:s, s:s, s:i, s:o}", "resourcePrefix", r->prefix, "resourceName", r->name, "rdmaHcaMax",
			 (int)r->hca_max, "ifNames", ifs);
}

/* The model view of the pinned generation; an unreadable blob is reported once. */
static int store_model(struct rp_ctl *c, const struct rp_store_view *sv, struct rp_model_view *mv)
{
	struct rp_err e = { 0 };
	int rc = rp_model_view_init(mv, sv->blob, sv->blob_len, &e);

	if (rc < 0)
		rp_ctl_fail(c, RP_CTL_EUSER, NULL, "the applied configuration cannot be read: %s; re-apply the manifests",
			    e.msg[0] ? e.msg : strerror(-rc));
	return rc;
}

void rp_ctl_pool_meta(struct rp_ctl *c, const struct rp_store_view *v, const char *name, json_t *row)
{
	struct rp_model_view mv;
	int i;

	(void)c;
	if (rp_model_view_init(&mv, v->blob, v->blob_len, NULL) < 0)
		return;
	i = rp_model_view_pool_find(&mv, name);
	if (i < 0)
		return;
	json_t *p = pool_json(&mv, (uint32_t)i);
	json_object_set(row, "subnet", json_object_get(p, "subnet"));
	json_object_set(row, "gateway", json_object_get(p, "gateway"));
	json_object_set(row, "node", json_object_get(p, "node"));
	json_decref(p);
}

void rp_ctl_pool_detail(struct rp_ctl *c, const struct rp_store_view *v, const char *name, json_t *d)
{
	static const char *const keys[] = { "ips", "excludeIPs", "routes", "default", "disable" };
	struct rp_model_view mv;
	int i;

	if (store_model(c, v, &mv) < 0)
		return;
	i = rp_model_view_pool_find(&mv, name);
	if (i < 0)
		return;
	json_t *p = pool_json(&mv, (uint32_t)i);
	for (size_t k = 0; k < RP_ARRAY_SIZE(keys); k++)
		json_object_set(d, keys[k], json_object_get(p, keys[k]));
	json_decref(p);
}

static const struct rp_ctl_col net_cols[] = {
	{ "NAMESPACE", "namespace", false },
	{ "NAME", "name", false },
	{ "TYPE", "cniType", false },
	{ "MASTER", "master", false },
	{ "RESOURCE", "resource", false },
	{ "IPV4-POOLS", "ipv4", false },
	{ "IPV6-POOLS", "ipv6", false },
	{ "MTU", "mtu", false },
	{ "RDMA-ISOLATION", "rdmaIsolation", true },
	{ "MATCH-MASTER-SUBNET", "matchMasterSubnet", true },
	{ "INJECT", "inject", true },
};

int rp_ctl_get_networks(struct rp_ctl *c, const struct rp_store_view *v)
{
	struct rp_model_view mv;
	json_t *rows;

	if (store_model(c, v, &mv) < 0)
		return RP_CTL_EUSER;
	rows = json_array();
	for (uint32_t i = 0; i < rp_model_view_nnets(&mv); i++) {
		json_t *n = net_json(&mv, i);

		if (c->output == RP_CTL_OUT_TABLE || c->output == RP_CTL_OUT_WIDE) {
			const struct rp_blob_net *b = &mv.nets[i];
			json_t *ipp = json_object_get(n, "ippools");

			json_object_set_new(n, "resource", json_string(b->resource[0] ? b->resource : b->rdma_resource));
			json_object_set(n, "ipv4", json_object_get(ipp, "ipv4"));
			json_object_set(n, "ipv6", json_object_get(ipp, "ipv6"));
			json_object_set(n, "inject", json_object_get(n, "annotations"));
		}
		json_array_append_new(rows, n);
	}
	rp_ctl_render(c, rows, net_cols, RP_ARRAY_SIZE(net_cols));
	json_decref(rows);
	return RP_CTL_OK;
}

/* ---- apply ---- */

/* Everything of a model view keyed "Kind name" -> record JSON, for the diff. */
static json_t *model_index(const struct rp_model_view *v)
{
	json_t *idx = json_object();
	char key[RP_NAME_MAX * 3];

	for (uint32_t i = 0; i < rp_model_view_npools(v); i++) {
		snprintf(key, sizeof(key), "SpiderIPPool %s", v->pools[i].name);
		json_object_set_new(idx, key, pool_json(v, i));
	}
	for (uint32_t i = 0; i < rp_model_view_nnets(v); i++) {
		snprintf(key, sizeof(key), "SpiderMultusConfig %s/%s", v->nets[i].ns, v->nets[i].name);
		json_object_set_new(idx, key, net_json(v, i));
	}
	for (uint32_t i = 0; v->h && i < v->h->npolicies; i++) {
		snprintf(key, sizeof(key), "SriovNetworkNodePolicy %s/%s", v->policies[i].ns, v->policies[i].name);
		json_object_set_new(idx, key, policy_json(&v->policies[i]));
	}
	for (uint32_t i = 0; v->h && i < v->h->nrdma; i++) {
		snprintf(key, sizeof(key), "RdmaSharedDevice %s/%s", v->rdma[i].prefix, v->rdma[i].name);
		json_object_set_new(idx, key, rdma_json(&v->rdma[i]));
	}
	return idx;
}

static json_t *model_diff(json_t *old, json_t *new)
{
	json_t *changes = json_array(), *it;
	const char *k;

	json_object_foreach(new, k, it) {
		json_t *was = json_object_get(old, k);

		if (!was || !json_equal(was, it))
			json_array_append_new(changes, json_pack("{s:s, s:s}", "object", k, "action",
								 was ? "changed" : "added"));
	}
	json_object_foreach(old, k, it) {
		if (!json_object_get(new, k))
			json_array_append_new(changes, json_pack("{s:s, s:s}", "object", k, "action", "removed"));
	}
	return changes;
}

static void apply_usage(FILE *f)
{
	fputs("usage: railpoolctl apply -f FILE... [--dry-run]\n"
	      "Load every manifest (YAML or JSON, several documents per file; `-f -` reads stdin),\n"
	      "validate them together, then publish them to the node store in one step: a bad\n"
	      "document changes nothing.  The store (and its directory, mode 0700) is created when\n"
	      "missing.  Prints what was added, changed and removed.\n"
	      "  -f, --filename FILE   a manifest file; repeat, or list several after one -f\n"
	      "  --dry-run             validate and show the changes without applying them\n",
	      f);
}

static int load_stdin(struct rp_model *m, struct rp_err *e)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int rc;

	if (!buf)
		return rp_err_set(e, -ENOMEM, "<stdin>: out of memory");
	for (;;) {
		if (len == cap) {
			if (cap >= RP_MANIFEST_MAX_BYTES) {
				free(buf);
				return rp_err_set(e, -EFBIG, "<stdin>: more than %u bytes", RP_MANIFEST_MAX_BYTES);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return rp_err_set(e, -ENOMEM, "<stdin>: out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, stdin);
		len += n;
		if (n == 0)
			break;
	}
	rc = rp_manifest_load_buf(m, "<stdin>", buf, len, e);
	free(buf);
	return rc;
}

int rp_ctl_cmd_apply(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "filename", required_argument, NULL, 'f' },
					    { "dry-run", no_argument, NULL, 'n' },
					    RP_CTL_HELP_OPT,
					    { 0 } };
	const char **files = calloc((size_t)argc + 1, sizeof(*files));
	struct rp_model m;
	struct rp_model_store ms = { 0 };
	struct rp_model_view oldv, newv;
	struct rp_store *s = NULL;
	struct rp_store_view sv = { 0 };
	struct rp_err e = { 0 };
	json_t *oldi = NULL, *newi = NULL, *changes = NULL, *old_pools = json_object();
	bool dry = false, reading = false, saw_f = false, existed = true;
	int nfiles = 0, opt, rc, failed = 0;
	uint32_t old_npools = 0;

	rp_model_init(&m);
	if (!files)
		return rp_ctl_fail(c, RP_CTL_EUSER, "apply", "out of memory");
	while ((opt = getopt_long(argc, argv, "f:nh", lo, NULL)) != -1) {
		switch (opt) {
		case 'f':
			files[nfiles++] = optarg;
			saw_f = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'h':
			apply_usage(c->out);
			rc = RP_CTL_OK;
			goto out;
		default:
			apply_usage(c->err);
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "apply", "%s %s", opt == ':' ? "missing value for" : "unknown option",
					 argv[optind - 1]);
			goto out;
		}
	}
	/* `-f a.yaml b.yaml` as kubectl users write it with a shell glob. */
	for (int i = optind; i < argc && saw_f; i++)
		files[nfiles++] = argv[i];
	if (!nfiles || (!saw_f && optind < argc)) {
		apply_usage(c->err);
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "apply", "no manifest given: use -f FILE (or -f - for stdin)");
		goto out;
	}

	/* Load every file even after a failure so the operator sees all problems at once; they are
	 * printed from m.problems below, not as they are logged. */
	rp_ctl_log_mute_errors(true);
	for (int i = 0; i < nfiles; i++) {
		struct rp_err fe = { 0 };
		int r = !strcmp(files[i], "-") ? load_stdin(&m, &fe) : rp_manifest_load_file(&m, files[i], &fe);

		if (r < 0) {
			failed++;
			if (r != -EINVAL || !m.nproblems) {
				if (!fe.msg[0] || !strstr(fe.msg, files[i]))
					rp_ctl_fail(c, RP_CTL_EUSER, "apply", "%s: %s", files[i], fe.msg[0] ? fe.msg : strerror(-r));
				else
					rp_ctl_fail(c, RP_CTL_EUSER, "apply", "%s", fe.msg);
			}
		}
	}
	if (!failed && rp_model_validate(&m, &e) < 0)
		failed++;
	rp_ctl_log_mute_errors(false);
	if (failed) {
		for (uint32_t i = 0; i < m.nproblems; i++)
			rp_ctl_fail(c, RP_CTL_EUSER, "apply", "%s", m.problems[i]);
		if (!m.nproblems && e.msg[0])
			rp_ctl_fail(c, RP_CTL_EUSER, "apply", "%s", e.msg);
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "apply", "nothing applied: fix the problem(s) above and re-run");
		goto out;
	}
	rc = rp_model_store_build(&m, c->node, &ms, &e);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "apply", "nothing applied: %s", e.msg[0] ? e.msg : strerror(-rc));
		goto out;
	}
	rc = rp_model_view_init(&newv, ms.cfg.blob, ms.cfg.blob_len, &e);
	RP_ASSERT(rc == 0); /* we just encoded it */
	newi = model_index(&newv);

	if (dry && access(c->state_path, F_OK) < 0) {
		oldi = json_object();
	} else {
		existed = access(c->state_path, F_OK) == 0;
		rc = rp_ctl_open_store(c, "apply", !dry, !dry, &s);
		if (rc)
			goto out;
		rc = rp_store_read_begin(s, &sv);
		if (rc < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "apply", "cannot read the store's configuration: %s", strerror(-rc));
			goto out;
		}
		reading = true;
		old_npools = sv.npools;
		/* The same blob applied for another --node publishes another pool set. */
		for (uint32_t i = 0; i < sv.npools; i++) {
			struct rp_store_pool_info pi;

			if (rp_store_pool_info(s, i, &pi) == 0)
				json_object_set_new(old_pools, pi.name, json_true());
		}
		/* An unreadable old blob (another major version) is replaced wholesale. */
		if (rp_model_view_init(&oldv, sv.blob, sv.blob_len, NULL) < 0)
			memset(&oldv, 0, sizeof(oldv));
		oldi = model_index(&oldv);
	}
	changes = model_diff(oldi, newi);
	bool same_blob = s && sv.blob_len == ms.cfg.blob_len && sv.blob_len &&
			 !memcmp(sv.blob, ms.cfg.blob, sv.blob_len) && old_npools == ms.cfg.npools;
	for (uint32_t i = 0; same_blob && i < ms.cfg.npools; i++)
		same_blob = json_object_get(old_pools, ms.cfg.pools[i].name) != NULL;
	if (reading) {
		/* apply waits for readers of the generation it overwrites: never be one of them. */
		rp_store_read_end(s);
		reading = false;
	}
	uint64_t gen = sv.gen;
	if (!dry && !same_blob) {
		rc = rp_store_apply(s, &ms.cfg, &e);
		if (rc < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "apply", "nothing applied: the node store refused the configuration: %s",
					 e.msg[0] ? e.msg : strerror(-rc));
			/* All or nothing includes the file: a store this apply created holds nothing yet
			 * (no pool, so no lease anyone could hold). */
			if (!existed)
				unlink(c->state_path);
			goto out;
		}
		struct rp_store_view nv;
		if (rp_store_read_begin(s, &nv) == 0) {
			gen = nv.gen;
			rp_store_read_end(s);
		}
	}

	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML) {
		json_t *o = json_pack("{s:b, s:s, s:O, s:I, s:i}", "dryRun", dry, "store", c->state_path, "changes", changes,
				      "generation", (json_int_t)gen, "storePools", (int)ms.cfg.npools);
		rp_ctl_render(c, o, NULL, 0);
		json_decref(o);
	} else {
		size_t i;
		json_t *it;

		json_array_foreach(changes, i, it) {
			fprintf(c->out, "%s %s%s\n", json_string_value(json_object_get(it, "object")),
				dry ? "would be " : "", json_string_value(json_object_get(it, "action")));
		}
		if (!json_array_size(changes))
			fprintf(c->out, "no changes to the manifests\n");
		if (dry)
			fprintf(c->out, "dry run: %u pool(s) for node %s, nothing applied\n", ms.cfg.npools, c->node);
		else if (same_blob)
			fprintf(c->out, "store %s unchanged (generation %llu)\n", c->state_path, (unsigned long long)gen);
		else
			fprintf(c->out, "applied to %s: %u pool(s) for node %s (generation %llu)\n", c->state_path,
				ms.cfg.npools, c->node, (unsigned long long)gen);
	}
	rc = RP_CTL_OK;
out:
	if (reading)
		rp_store_read_end(s);
	rp_store_close(s);
	json_decref(oldi);
	json_decref(newi);
	json_decref(changes);
	json_decref(old_pools);
	if (ms.blob || ms.defs)
		rp_model_store_free(&ms);
	rp_model_free(&m);
	free(files);
	return rc;
}

/* ---- conflist ---- */

static void conflist_usage(FILE *f)
{
	fputs("usage: railpoolctl conflist [--single] [--inline] [--name NAME] [--cni-version V] [--dir DIR] NETWORK...\n"
	      "Print the CNI network configuration for applied SpiderMultusConfigs (NETWORK is\n"
	      "NAME or NAMESPACE/NAME, see `railpoolctl get networks`).\n"
	      "  (default)          rails mode: one config, every NETWORK a rail (net1, net2, ...)\n"
	      "  --single           one config per NETWORK for Multus (one NAD per rail)\n"
	      "  --inline           spell each rail out instead of referencing the applied network\n"
	      "  --name NAME        the network name of the rails config (default railpool-rails)\n"
	      "  --cni-version V    default 1.0.0\n"
	      "  --dir DIR          write NAME.conflist files into DIR instead of printing\n",
	      f);
}

static int rail_from_net(struct rp_ctl *c, const struct rp_model_view *mv, const struct rp_blob_net *n, bool inl,
			 struct rp_railsconf_rail *r)
{
	memset(r, 0, sizeof(*r));
	if (!inl) {
		snprintf(r->network, sizeof(r->network), "%s/%s", n->ns, n->name);
		return 0;
	}
	if (n->nv4 > RP_RAIL_POOLS_MAX || n->nv6 > RP_RAIL_POOLS_MAX)
		return rp_ctl_fail(c, RP_CTL_EUSER, "conflist",
				   "%s/%s references more than %d pools per family; an inline rail holds at most that — drop --inline",
				   n->ns, n->name, RP_RAIL_POOLS_MAX);
	snprintf(r->cni_type, sizeof(r->cni_type), "%s", rp_cni_type_name(n->cni_type));
	snprintf(r->master, sizeof(r->master), "%s", n->master);
	if (n->cni_type == RP_CNI_SRIOV)
		snprintf(r->resource_name, sizeof(r->resource_name), "%s", n->resource);
	snprintf(r->rdma_resource_name, sizeof(r->rdma_resource_name), "%s", n->rdma_resource);
	r->mtu = n->mtu;
	r->vlan_id = n->vlan > 0 ? (uint32_t)n->vlan : 0;
	r->rdma_isolation = (n->flags & RP_BLOB_NET_RDMA) != 0;
	r->match_master_subnet = (n->flags & RP_BLOB_NET_MMS) != 0;
	for (uint32_t k = 0; k < n->nv4; k++)
		snprintf(r->pools_v4[k], RP_NAME_MAX, "%s", mv->refs[n->v4_first + k].name);
	for (uint32_t k = 0; k < n->nv6; k++)
		snprintf(r->pools_v6[k], RP_NAME_MAX, "%s", mv->refs[n->v6_first + k].name);
	r->npools_v4 = n->nv4;
	r->npools_v6 = n->nv6;
	return 0;
}

static json_t *make_conflist(const char *version, const char *name, const struct rp_railsconf *rc)
{
	json_t *plugin = rp_railsconf_to_json(rc);

	return json_pack("{s:s, s:s, s:[o]}", "cniVersion", version, "name", name, "plugins", plugin);
}

static int emit_conflist(struct rp_ctl *c, const char *dir, json_t *conf)
{
	const char *name = json_string_value(json_object_get(conf, "name"));
	char path[PATH_MAX];

	if (!dir) {
		json_dumpf(conf, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s.conflist", dir, name);
	if (json_dump_file(conf, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return rp_ctl_fail(c, RP_CTL_EUSER, "conflist", "cannot write %s: %s", path, strerror(errno));
	fprintf(c->out, "wrote %s\n", path);
	return 0;
}

int rp_ctl_cmd_conflist(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "single", no_argument, NULL, 's' },
					    { "inline", no_argument, NULL, 'i' },
					    { "name", required_argument, NULL, 'N' },
					    { "cni-version", required_argument, NULL, 'V' },
					    { "dir", required_argument, NULL, 'd' },
					    RP_CTL_HELP_OPT,
					    { 0 } };
	const char *name = "railpool-rails", *version = "1.0.0", *dir = NULL;
	bool single = false, inl = false;
	struct rp_store *s = NULL;
	struct rp_store_view sv;
	struct rp_model_view mv;
	struct rp_railsconf *rc = NULL;
	int opt, ret, nnames;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			single = true;
			break;
		case 'i':
			inl = true;
			break;
		case 'N':
			name = optarg;
			break;
		case 'V':
			version = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			conflist_usage(c->out);
			return RP_CTL_OK;
		default:
			conflist_usage(c->err);
			return rp_ctl_fail(c, RP_CTL_EUSAGE, "conflist", "%s %s", opt == ':' ? "missing value for" : "unknown option",
					   argv[optind - 1]);
		}
	}
	nnames = argc - optind;
	if (nnames <= 0) {
		conflist_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "conflist", "name at least one applied network (see `railpoolctl get networks`)");
	}
	if (!single && nnames > RP_RAILSCONF_RAILS_MAX)
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "conflist", "%d networks named; a rails config holds at most %d", nnames,
				   RP_RAILSCONF_RAILS_MAX);
	if (strcmp(version, "1.0.0") && strcmp(version, "1.1.0") && strcmp(version, "0.4.0") && strcmp(version, "0.3.1"))
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "conflist", "--cni-version %s: use 1.0.0, 1.1.0, 0.4.0 or 0.3.1", version);
	if (dir) {
		struct stat st;

		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return rp_ctl_fail(c, RP_CTL_EUSER, "conflist", "--dir %s is not a directory", dir);
	}
	ret = rp_ctl_open_store(c, "conflist", false, false, &s);
	if (ret)
		return ret;
	ret = rp_store_read_begin(s, &sv);
	if (ret < 0) {
		ret = rp_ctl_fail(c, RP_CTL_EUSER, "conflist", "cannot read the store's configuration: %s", strerror(-ret));
		goto out_close;
	}
	if (store_model(c, &sv, &mv) < 0) {
		ret = RP_CTL_EUSER;
		goto out;
	}
	rc = calloc(1, sizeof(*rc));
	if (!rc) {
		ret = rp_ctl_fail(c, RP_CTL_EUSER, "conflist", "out of memory");
		goto out;
	}
	rp_railsconf_init(rc);
	snprintf(rc->state_file, sizeof(rc->state_file), "%s", c->state_path);

	json_t *all = json_array();
	for (int i = 0; i < nnames; i++) {
		char nsbuf[RP_NAME_MAX];
		const char *arg = argv[optind + i], *slash = strchr(arg, '/'), *ns = NULL, *nm = arg;
		const struct rp_blob_net *n;

		if (slash) {
			snprintf(nsbuf, sizeof(nsbuf), "%.*s", (int)(slash - arg), arg);
			ns = nsbuf;
			nm = slash + 1;
		}
		n = rp_model_view_net_find(&mv, ns, nm);
		if (!n) {
			json_decref(all);
			ret = rp_ctl_fail(c, RP_CTL_EUSER, "conflist",
					  "no applied SpiderMultusConfig named '%s'; `railpoolctl get networks` lists them", arg);
			goto out;
		}
		for (uint32_t k = 0; k < rc->nrails && !single; k++) {
			char full[RP_RAILSCONF_NET_MAX];

			snprintf(full, sizeof(full), "%s/%s", n->ns, n->name);
			if (!strcmp(rc->rails[k].network, full)) {
				json_decref(all);
				ret = rp_ctl_fail(c, RP_CTL_EUSER, "conflist", "network '%s' named twice; each network is one rail", arg);
				goto out;
			}
		}
		struct rp_railsconf_rail *r = &rc->rails[single ? 0 : rc->nrails];
		if (rail_from_net(c, &mv, n, inl, r)) {
			json_decref(all);
			ret = RP_CTL_EUSER;
			goto out;
		}
		if (single) {
			rc->nrails = 1;
			json_array_append_new(all, make_conflist(version, n->name, rc));
		} else {
			rc->nrails++;
		}
	}
	if (!single)
		json_array_append_new(all, make_conflist(version, name, rc));
	ret = RP_CTL_OK;
	if (single && !dir) {
		json_dumpf(all, c->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', c->out);
	} else {
		size_t i;
		json_t *it;

		json_array_foreach(all, i, it) {
			if (emit_conflist(c, dir, it)) {
				ret = RP_CTL_EUSER;
				break;
			}
		}
	}
	json_decref(all);
out:
	free(rc);
	rp_store_read_end(s);
out_close:
	rp_store_close(s);
	return ret;
}

/* ---- inject ---- */

static void inject_usage(FILE *f)
{
	fputs("usage: railpoolctl inject -f POD.yaml [--namespaces-include a,b] [--namespaces-exclude c] [-o json|yaml]\n"
	      "Apply the RDMA/network resource injection (the Spiderpool webhook's mutation) to a Pod\n"
	      "or a workload's pod template and print the mutated object.  The pod's annotation\n"
	      "cni.spidernet.io/rdma-resource-inject (or network-resource-inject) selects every applied\n"
	      "SpiderMultusConfig with the same annotation value.  `-f -` reads stdin.\n"
	      "  --namespaces-include LIST   only mutate pods in these namespaces (comma separated)\n"
	      "  --namespaces-exclude LIST   never mutate pods in these namespaces\n",
	      f);
}

/* Split a comma list in place into @v (at most @max entries); returns the count or -E2BIG. */
static int split_list(char *s, const char **v, int max)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (!*tok)
			continue;
		if (n == max)
			return -E2BIG;
		v[n++] = tok;
	}
	return n;
}

static int read_input(const char *path, char **buf, size_t *len, struct rp_err *e)
{
	size_t cap = 1 << 16, n = 0;
	char *b;

	if (strcmp(path, "-"))
		return rp_manifest_read_file(path, buf, len, e);
	b = malloc(cap + 1);
	if (!b)
		return rp_err_set(e, -ENOMEM, "<stdin>: out of memory");
	for (;;) {
		if (n == cap) {
			char *nb = cap < RP_MANIFEST_MAX_BYTES ? realloc(b, cap * 2 + 1) : NULL;
			if (!nb) {
				free(b);
				return rp_err_set(e, -EFBIG, "<stdin>: too large");
			}
			b = nb;
			cap *= 2;
		}
		size_t k = fread(b + n, 1, cap - n, stdin);
		if (!k)
			break;
		n += k;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int rp_ctl_cmd_inject(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "filename", required_argument, NULL, 'f' },
					    { "namespaces-include", required_argument, NULL, 'I' },
					    { "namespaces-exclude", required_argument, NULL, 'X' },
					    RP_CTL_HELP_OPT,
					    { 0 } };
	const char *file = NULL, *inc[64], *exc[64];
	char *incs = NULL, *excs = NULL, *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	struct rp_inject_opts o = { .format = RP_INJECT_OUT_AUTO };
	struct rp_store *s = NULL;
	struct rp_store_view sv;
	struct rp_model_view mv;
	struct rp_err e = { 0 };
	bool reading = false;
	int opt, rc, n;

	while ((opt = getopt_long(argc, argv, "f:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'I':
			free(incs);
			incs = strdup(optarg);
			break;
		case 'X':
			free(excs);
			excs = strdup(optarg);
			break;
		case 'h':
			inject_usage(c->out);
			rc = RP_CTL_OK;
			goto out;
		default:
			inject_usage(c->err);
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "inject", "%s %s", opt == ':' ? "missing value for" : "unknown option",
					 argv[optind - 1]);
			goto out;
		}
	}
	if (!file || optind < argc) {
		inject_usage(c->err);
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "inject", optind < argc ? "unexpected argument; give the pod with -f"
									  : "no pod given: use -f POD.yaml (or -f - for stdin)");
		goto out;
	}
	if (incs) {
		n = split_list(incs, inc, (int)RP_ARRAY_SIZE(inc));
		if (n < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "inject", "--namespaces-include lists more than %zu namespaces",
					 RP_ARRAY_SIZE(inc));
			goto out;
		}
		o.ns_include = inc;
		o.n_include = (uint32_t)n;
	}
	if (excs) {
		n = split_list(excs, exc, (int)RP_ARRAY_SIZE(exc));
		if (n < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "inject", "--namespaces-exclude lists more than %zu namespaces",
					 RP_ARRAY_SIZE(exc));
			goto out;
		}
		o.ns_exclude = exc;
		o.n_exclude = (uint32_t)n;
	}
	if (c->output == RP_CTL_OUT_JSON)
		o.format = RP_INJECT_OUT_JSON;
	else if (c->output == RP_CTL_OUT_YAML)
		o.format = RP_INJECT_OUT_YAML;

	rc = read_input(file, &in, &inlen, &e);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "inject", "%s", e.msg[0] ? e.msg : strerror(-rc));
		goto out;
	}
	rc = rp_ctl_open_store(c, "inject", false, false, &s);
	if (rc)
		goto out;
	rc = rp_store_read_begin(s, &sv);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "inject", "cannot read the store's configuration: %s", strerror(-rc));
		goto out;
	}
	reading = true;
	if (store_model(c, &sv, &mv) < 0) {
		rc = RP_CTL_EUSER;
		goto out;
	}
	rc = rp_inject(&mv, strcmp(file, "-") ? file : "<stdin>", in, inlen, &o, &out, &outlen, &e);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "inject", "%s", e.msg[0] ? e.msg : strerror(-rc));
		goto out;
	}
	if (rc == RP_INJECT_SKIPPED)
		rp_ctl_fail(c, 0, "inject", "unchanged: %s", e.msg);
	fwrite(out, 1, outlen, c->out);
	if (outlen && out[outlen - 1] != '\n')
		fputc('\n', c->out);
	rc = RP_CTL_OK;
out:
	if (reading)
		rp_store_read_end(s);
	rp_store_close(s);
	free(in);
	free(out);
	free(incs);
	free(excs);
	return rc;
}
