/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl get resources / get rdma: device views over the store, vf/ and rdma/. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ctl_internal.h"
#include "core/model.h"
#include "rdma/gid.h"
#include "rdma/nldev.h"
#include "vf/pci.h"
#include "vf/relay.h"

/* The name the device plugin advertises for policy resource @res: the spelling a sriov
 * SpiderMultusConfig uses for it ("spidernet.io/eno3np2"), else the bare name. */
static void advertised_name(const struct rp_model_view *mv, const char *res, char *out, size_t len)
{
	size_t rl = strlen(res);

	for (uint32_t i = 0; i < rp_model_view_nnets(mv); i++) {
		const char *r = mv->nets[i].resource;
		size_t l = strlen(r);

		if (mv->nets[i].cni_type != RP_CNI_SRIOV || l < rl)
			continue;
		if (!strcmp(r, res) || (l > rl && r[l - rl - 1] == '/' && !strcmp(r + l - rl, res))) {
			snprintf(out, len, "%s", r);
			return;
		}
	}
	snprintf(out, len, "%s", res);
}

/* VFs present in sysfs now for the policy of @res: sum over its PFs of sriov_numvfs (or the
 * "#first-last" share).  -1 when a PF cannot be read (not on this node, or not SR-IOV). */
static long vfs_present(const struct rp_model_view *mv, const char *res, json_t *row)
{
	long sum = 0;

	for (uint32_t i = 0; mv->h && i < mv->h->npolicies; i++) {
		const struct rp_blob_policy *p = &mv->policies[i];

		if (strcmp(p->resource, res))
			continue;
		json_t *pfs = json_array();
		for (uint32_t k = 0; k < p->npfs && k < RP_MODEL_MAX_PFS; k++) {
			struct rp_pf_info pf;
			struct rp_err e = { 0 };

			json_array_append_new(pfs, json_string(p->pfs[k].name));
			if (rp_vf_pf_get(NULL, p->pfs[k].name, &pf, &e) < 0) {
				json_object_set_new(row, "problem", json_string(e.msg));
				sum = -1;
				continue;
			}
			if (sum < 0)
				continue;
			if (p->pfs[k].first >= 0) {
				long hi = p->pfs[k].last < (int32_t)pf.numvfs ? p->pfs[k].last : (long)pf.numvfs - 1;
				sum += hi >= p->pfs[k].first ? hi - p->pfs[k].first + 1 : 0;
			} else {
				sum += pf.numvfs;
			}
		}
		json_object_set_new(row, "pfNames", pfs);
		return sum;
	}
	return -1;
}

static const struct rp_ctl_col res_cols[] = {
	{ "RESOURCE", "resource", false }, { "KIND", "kind", false },     { "ALLOCATABLE", "allocatable", false },
	{ "USED", "used", false },         { "FREE", "free", false },     { "PRESENT", "present", true },
	{ "PFS", "pfNames", true },        { "PROBLEM", "problem", true },
};

int rp_ctl_get_resources(struct rp_ctl *c)
{
	struct rp_store *s = NULL;
	struct rp_store_view sv;
	struct rp_model_view mv;
	json_t *rows, *alloc;
	int rc;

	rc = rp_ctl_open_store(c, "get resources", false, false, &s);
	if (rc)
		return rc;
	rc = rp_store_read_begin(s, &sv);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "get resources", "cannot read the store's configuration: %s", strerror(-rc));
		goto out_close;
	}
	if (rp_model_view_init(&mv, sv.blob, sv.blob_len, NULL) < 0)
		memset(&mv, 0, sizeof(mv));
	rows = json_array();
	alloc = json_object();
	for (uint32_t i = 0; i < sv.npools; i++) {
		struct rp_store_pool_info pi;
		char name[RP_MODEL_RES_MAX];
		const char *kind;

		if (rp_store_pool_info(s, i, &pi) < 0 || pi.family != RP_FAM_SLOT)
			continue;
		json_t *row = json_object();
		if (!strncmp(pi.name, "vf:", 3)) {
			kind = "sriov-vf";
			advertised_name(&mv, pi.name + 3, name, sizeof(name));
			long present = vfs_present(&mv, pi.name + 3, row);
			json_object_set_new(row, "present", present >= 0 ? json_integer(present) : json_string("-"));
		} else if (!strncmp(pi.name, "rdma:", 5)) {
			kind = "rdma-shared";
			snprintf(name, sizeof(name), "%s", pi.name + 5);
		} else {
			kind = "slot";
			snprintf(name, sizeof(name), "%s", pi.name);
		}
		json_object_set_new(row, "resource", json_string(name));
		json_object_set_new(row, "kind", json_string(kind));
		json_object_set_new(row, "allocatable", json_integer((json_int_t)pi.total));
		json_object_set_new(row, "used", json_integer((json_int_t)pi.used));
		json_object_set_new(row, "free", json_integer((json_int_t)pi.free));
		json_array_append_new(rows, row);
		/* Kubernetes spells quantities as strings: "spidernet.io/eno3np2": "12". */
		char q[32];
		snprintf(q, sizeof(q), "%llu", (unsigned long long)pi.total);
		json_object_set_new(alloc, name, json_string(q));
	}
	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML) {
		json_t *o = json_pack("{s:s, s:O, s:O}", "name", c->node, "allocatable", alloc, "resources", rows);

		rp_ctl_render(c, o, NULL, 0);
		json_decref(o);
	} else {
		rp_ctl_render(c, rows, res_cols, RP_ARRAY_SIZE(res_cols));
	}
	json_decref(rows);
	json_decref(alloc);
	rc = RP_CTL_OK;
	rp_store_read_end(s);
out_close:
	rp_store_close(s);
	return rc;
}

/* ---- get rdma ---- */

/* Devices from sysfs when RDMA netlink is unavailable (this machine, the simulated node):
 * class/infiniband/<dev> resolves to <pci dir>/infiniband/<dev>; the netdev is <pci dir>/net/. */
static int rdma_sysfs_list(const char *root, json_t *rows, char *why, size_t whylen)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/class/infiniband", root);
	d = opendir(dir);
	if (!d) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char link[PATH_MAX + 300], real[PATH_MAX], net[PATH_MAX + 16], ndev[300] = "";

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
		if (realpath(link, real)) {
			char *cut = strrchr(real, '/');
			if (cut) {
				*cut = '\0';
				cut = strrchr(real, '/'); /* .../infiniband */
				if (cut)
					*cut = '\0';
			}
			snprintf(net, sizeof(net), "%s/net", real);
			DIR *nd = opendir(net);
			struct dirent *ne;
			while (nd && (ne = readdir(nd))) {
				if (ne->d_name[0] != '.') {
					snprintf(ndev, sizeof(ndev), "%s", ne->d_name);
					break;
				}
			}
			if (nd)
				closedir(nd);
		}
		json_array_append_new(rows, json_pack("{s:s, s:s, s:i, s:s}", "name", de->d_name, "netdev", ndev, "port", 1,
						      "source", "sysfs"));
	}
	closedir(d);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strverscmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

static void sort_rows(json_t *rows)
{
	size_t n = json_array_size(rows);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(rows, i));
	qsort(v, n, sizeof(*v), cmp_name);
	json_array_clear(rows);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, v[i]);
	free(v);
}

static void rdma_usage(FILE *f)
{
	fputs("usage: railpoolctl get rdma [--addr IP] [-o json|yaml|table|wide]\n"
	      "RDMA devices (RDMA netlink, else sysfs / RAILPOOL_SYSFS_ROOT), their netdevs, the\n"
	      "system netns mode, the shared-RDMA resource each serves with its users (leases held\n"
	      "against rdmaHcaMax), and with --addr the GID index of that address on each device\n"
	      "(the value for NCCL_IB_GID_INDEX or ib_read_lat -x).\n",
	      f);
}

static const struct rp_ctl_col rdma_cols[] = {
	{ "NAME", "name", false },      { "NETDEV", "netdev", false },   { "MODE", "mode", false },
	{ "RESOURCE", "resource", false }, { "USERS", "users", false }, { "MAX", "max", false },
	{ "GID-INDEX", "gidIndex", false }, { "PORT", "port", true },    { "SOURCE", "source", true },
};

int rp_ctl_get_rdma(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { { "addr", required_argument, NULL, 'a' }, RP_CTL_HELP_OPT, { 0 } };
	const char *addr = NULL, *mode = "unknown";
	struct rp_rdma_chan ch;
	struct rp_vf_chan relay_ch;
	char relay[256];
	bool relayed = false;
	struct rp_err e = { 0 };
	struct rp_store *s = NULL;
	struct rp_store_view sv;
	struct rp_model_view mv;
	bool have_chan = false, reading = false;
	char why[PATH_MAX + 64] = "";
	json_t *rows = json_array();
	int opt, rc;

	memset(&mv, 0, sizeof(mv));
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'h':
			rdma_usage(c->out);
			rc = RP_CTL_OK;
			goto out;
		default:
			rdma_usage(c->err);
			rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "get rdma", "%s %s", opt == ':' ? "missing value for" : "unknown option",
					 argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = rp_ctl_fail(c, RP_CTL_EUSAGE, "get rdma", "unexpected argument '%s'; see --help", argv[optind]);
		goto out;
	}

	/* The simulated node answers RDMA netlink through its relay (vf/relay.h, same switch as the
	 * plugin's); a real node through NETLINK_RDMA. */
	if (rp_vf_relay_path(NULL, relay, sizeof(relay)) && rp_vf_chan_open_relay(&relay_ch, relay, &e) == 0) {
		ch.xfer = relay_ch.xfer;
		ch.ctx = relay_ch.ctx;
		relayed = true;
	}
	if (relayed || rp_rdma_chan_open(&ch, -1, &e) == 0) {
		struct rp_rdma_dev *devs = NULL;
		size_t n = 0;
		int m;

		have_chan = true;
		if (rp_rdma_mode_get(&ch, &m, &e) == 0)
			mode = rp_rdma_mode_name(m);
		if (rp_rdma_dev_list(&ch, &devs, &n, &e) == 0) {
			for (size_t i = 0; i < n; i++)
				json_array_append_new(rows, json_pack("{s:s, s:s, s:i, s:s}", "name", devs[i].name, "netdev",
								      devs[i].ndev, "port", (int)devs[i].port, "source",
								      "netlink"));
		}
		free(devs);
	} else {
		snprintf(why, sizeof(why), "RDMA netlink: %s", e.msg);
	}
	if (!json_array_size(rows)) {
		char sw[PATH_MAX + 32] = "";

		if (rdma_sysfs_list(rp_rdma_sysfs_root(), rows, sw, sizeof(sw)) < 0 || !json_array_size(rows)) {
			size_t l = strlen(why);
			snprintf(why + l, sizeof(why) - l, "%s%s", l ? "; " : "", sw[0] ? sw : "no device in sysfs");
		}
	}
	sort_rows(rows);

	/* Shared-RDMA users come from the store; without one the device list is still useful. */
	if (access(c->state_path, F_OK) == 0) {
		rc = rp_ctl_open_store(c, "get rdma", false, false, &s);
		if (rc)
			goto out;
		if (rp_store_read_begin(s, &sv) == 0) {
			reading = true;
			if (rp_model_view_init(&mv, sv.blob, sv.blob_len, NULL) < 0)
				memset(&mv, 0, sizeof(mv));
		}
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		const char *nd = json_string_value(json_object_get(row, "netdev"));

		json_object_set_new(row, "mode", json_string(mode));
		for (uint32_t k = 0; mv.h && k < mv.h->nrdma && nd && *nd; k++) {
			const struct rp_blob_rdma *r = &mv.rdma[k];
			bool match = false;

			for (uint32_t j = 0; j < r->nifnames && j < RP_MODEL_MAX_PFS && !match; j++)
				match = !strcmp(r->ifnames[j], nd);
			if (!match)
				continue;
			char res[RP_MODEL_RES_MAX], pool[RP_MODEL_RES_MAX + 8];
			snprintf(res, sizeof(res), "%s/%s", r->prefix, r->name);
			snprintf(pool, sizeof(pool), "rdma:%s", res);
			json_object_set_new(row, "resource", json_string(res));
			json_object_set_new(row, "max", json_integer(r->hca_max));
			int pi = rp_store_pool_find(s, pool);
			struct rp_store_pool_info info;
			if (pi >= 0 && rp_store_pool_info(s, (uint32_t)pi, &info) == 0)
				json_object_set_new(row, "users", json_integer((json_int_t)info.used));
			break;
		}
		if (addr) {
			struct rp_rdma_gid g;
			struct rp_err ge = { 0 };

			if (rp_rdma_gid_find(NULL, json_string_value(json_object_get(row, "name")), addr, NULL, &g, &ge) == 0) {
				json_object_set_new(row, "gidIndex", json_integer(g.index));
				json_object_set_new(row, "gidType", json_string(g.type));
				json_object_set_new(row, "gidPort", json_integer(g.port));
			}
		}
	}
	if (addr && !json_array_size(rows) && !why[0])
		snprintf(why, sizeof(why), "no RDMA device");

	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML) {
		json_t *o = json_pack("{s:s, s:O}", "mode", mode, "devices", rows);

		if (why[0])
			json_object_set_new(o, "note", json_string(why));
		rp_ctl_render(c, o, NULL, 0);
		json_decref(o);
	} else {
		rp_ctl_render(c, rows, rdma_cols, RP_ARRAY_SIZE(rdma_cols));
	}
	if (!json_array_size(rows))
		rp_ctl_fail(c, 0, "get rdma", "no RDMA devices found (%s)", why);
	else if (addr) {
		bool any = false;
		json_array_foreach(rows, i, row)
			any |= json_object_get(row, "gidIndex") != NULL;
		if (!any)
			rp_ctl_fail(c, 0, "get rdma", "no device has a GID for %s", addr);
	}
	rc = RP_CTL_OK;
out:
	if (reading)
		rp_store_read_end(s);
	rp_store_close(s);
	if (relayed)
		rp_vf_chan_close(&relay_ch);
	else if (have_chan)
		rp_rdma_chan_close(&ch);
	json_decref(rows);
	return rc;
}
