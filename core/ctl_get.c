/* SPDX-License-Identifier: Apache-2.0 */
/* railpoolctl get / describe: read-only views of the node store. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "core/ctl_internal.h"

static const char *family_str(uint8_t fam)
{
	switch (fam) {
	case RP_FAM_V4:
		return "ipv4";
	case RP_FAM_V6:
		return "ipv6";
	case RP_FAM_SLOT:
		return "slot";
	default:
		return "?";
	}
}

static const char *owner_state_str(uint8_t st)
{
	switch (st) {
	case RP_OWNER_LIVE:
		return "committed";
	case RP_OWNER_RESERVED:
		return "reserved";
	case RP_OWNER_RELEASING:
		return "releasing";
	default:
		return "?";
	}
}

/* ---- pools ---- */

/* One row per pool of the pinned generation; model metadata (subnet, gateway, ...) merged in by
 * rp_ctl_pool_meta() when the blob is readable. */
static json_t *pool_rows(struct rp_ctl *c, struct rp_store *s, const struct rp_store_view *v,
			 const char *only)
{
	json_t *rows = json_array();

	for (uint32_t i = 0; i < v->npools; i++) {
		struct rp_store_pool_info pi;

		if (rp_store_pool_info(s, i, &pi) < 0)
			continue;
		if (only && strcmp(only, pi.name))
			continue;
		json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "name", pi.name, "subnet", "-",
					"family", family_str(pi.family), "total", (json_int_t)pi.total, "used",
					(json_int_t)pi.used, "free", (json_int_t)pi.free, "node", "", "gateway", "");
		rp_ctl_pool_meta(c, v, pi.name, row);
		json_array_append_new(rows, row);
	}
	return rows;
}

static const struct rp_ctl_col pool_cols[] = {
	{ "NAME", "name", false },   { "SUBNET", "subnet", false }, { "FAMILY", "family", false },
	{ "TOTAL", "total", false }, { "USED", "used", false },     { "FREE", "free", false },
	{ "NODE", "node", true },    { "GATEWAY", "gateway", true },
};

/* ---- leases ---- */

struct lease_ctx {
	struct rp_store *s;
	json_t *rows;
	const char *pool; /* only this pool's leases, or NULL */
};

static int lease_row(const struct rp_owner_info *info, void *arg)
{
	struct lease_ctx *l = arg;

	for (uint32_t i = 0; i < info->nleases && i < RP_OWNER_MAX_LEASES; i++) {
		const struct rp_lease_info *li = &info->leases[i];
		struct rp_store_pool_info pi = { .name = "-" };
		char ip[64];

		if (li->pool != UINT32_MAX)
			(void)rp_store_pool_info(l->s, li->pool, &pi);
		if (l->pool && strcmp(l->pool, pi.name))
			continue;
		json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "pool", pi.name, "ip",
					rp_ctl_ip_str(&li->ip, ip, sizeof(ip)), "containerID", info->container_id,
					"ifname", info->ifname, "state", owner_state_str(info->state), "netns",
					info->netns);
		if (info->pid)
			json_object_set_new(row, "pid", json_integer(info->pid));
		json_array_append_new(l->rows, row);
	}
	return 0;
}

static int cmp_lease(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = strcmp(json_string_value(json_object_get(x, "pool")), json_string_value(json_object_get(y, "pool")));

	if (r)
		return r;
	r = strcmp(json_string_value(json_object_get(x, "containerID")),
		   json_string_value(json_object_get(y, "containerID")));
	if (r)
		return r;
	return strcmp(json_string_value(json_object_get(x, "ifname")), json_string_value(json_object_get(y, "ifname")));
}

/* Stable output regardless of owner-table order. */
static json_t *sorted(json_t *rows)
{
	size_t n = json_array_size(rows);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	json_t *out = json_array();

	if (!v)
		return rows;
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof(*v), cmp_lease);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(rows);
	return out;
}

static json_t *lease_rows(struct rp_store *s, const char *pool, int *err)
{
	struct lease_ctx l = { .s = s, .rows = json_array(), .pool = pool };

	*err = rp_store_foreach_owner(s, lease_row, &l);
	return sorted(l.rows);
}

static const struct rp_ctl_col lease_cols[] = {
	{ "POOL", "pool", false },   { "IP", "ip", false },       { "CONTAINER-ID", "containerID", false },
	{ "IFNAME", "ifname", false }, { "STATE", "state", false }, { "NETNS", "netns", true },
};

/* ---- get ---- */

static void get_usage(FILE *f)
{
	fputs("usage: railpoolctl get pools|leases|networks|resources|rdma [-o json|yaml|table|wide]\n"
	      "  pools      NAME SUBNET FAMILY TOTAL USED FREE (wide: NODE GATEWAY)\n"
	      "  leases     POOL IP CONTAINER-ID IFNAME STATE (wide: NETNS)\n"
	      "  networks   the applied SpiderMultusConfigs\n"
	      "  resources  this node's allocatable device resources (SR-IOV VFs, shared RDMA)\n"
	      "  rdma       RDMA devices, netdevs, netns mode, users per shared device; --addr IP adds\n"
	      "             the GID index of IP on each device (`get rdma --help`)\n",
	      f);
}

int rp_ctl_cmd_get(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { RP_CTL_HELP_OPT, { 0 } };
	struct rp_store *s = NULL;
	struct rp_store_view v;
	const char *what;
	json_t *rows = NULL;
	int opt, rc, err = 0;

	/* `get rdma` has options of its own: hand it everything after the word. */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			if (!strcmp(argv[i], "rdma")) {
				argv[i] = argv[0];
				optind = 0;
				return rp_ctl_get_rdma(c, argc - i, argv + i);
			}
			break;
		}
	}
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (opt == 'h') {
			get_usage(c->out);
			return RP_CTL_OK;
		}
		get_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "get", "unknown option %s", argv[optind - 1]);
	}
	if (optind >= argc) {
		get_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "get", "what to get? pools, leases, networks, resources or rdma");
	}
	what = argv[optind];
	if (optind + 1 < argc)
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "get", "unexpected argument '%s'; see --help", argv[optind + 1]);
	if (!strcmp(what, "pool") || !strcmp(what, "lease") || !strcmp(what, "network"))
		what = !strcmp(what, "pool") ? "pools" : !strcmp(what, "lease") ? "leases" : "networks";
	if (!strcmp(what, "resources"))
		return rp_ctl_get_resources(c);
	if (strcmp(what, "pools") && strcmp(what, "leases") && strcmp(what, "networks")) {
		get_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "get", "unknown resource '%s'; use pools, leases, networks, resources or rdma",
				   what);
	}
	rc = rp_ctl_open_store(c, "get", false, false, &s);
	if (rc)
		return rc;
	rc = rp_store_read_begin(s, &v);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "get", "cannot read the store's configuration: %s", strerror(-rc));
		goto out_close;
	}
	if (!strcmp(what, "pools")) {
		rows = pool_rows(c, s, &v, NULL);
		rp_ctl_render(c, rows, pool_cols, RP_ARRAY_SIZE(pool_cols));
	} else if (!strcmp(what, "leases")) {
		rows = lease_rows(s, NULL, &err);
		if (err < 0) {
			rc = rp_ctl_fail(c, RP_CTL_EUSER, "get", "cannot list leases: %s", strerror(-err));
			goto out;
		}
		rp_ctl_render(c, rows, lease_cols, RP_ARRAY_SIZE(lease_cols));
	} else {
		rc = rp_ctl_get_networks(c, &v);
		goto out;
	}
	rc = RP_CTL_OK;
out:
	json_decref(rows);
	rp_store_read_end(s);
out_close:
	rp_store_close(s);
	return rc;
}

/* ---- describe pool ---- */

static void describe_usage(FILE *f)
{
	fputs("usage: railpoolctl describe pool NAME [-o json|yaml]\n"
	      "Everything about one pool: subnet, ranges, excluded IPs, gateway, routes, usage and\n"
	      "every lease it holds.\n",
	      f);
}

static void describe_text(struct rp_ctl *c, json_t *d)
{
	const char *k;
	json_t *it;

	json_object_foreach(d, k, it) {
		if (!strcmp(k, "leases"))
			continue;
		if (json_is_array(it)) {
			size_t i;
			json_t *e;

			fprintf(c->out, "%-12s", k);
			if (!json_array_size(it))
				fputs(" -", c->out);
			json_array_foreach(it, i, e) {
				char cell[512];

				if (json_is_object(e)) {
					const char *kk;
					json_t *vv;
					size_t off = 0;

					cell[0] = '\0';
					json_object_foreach(e, kk, vv) {
						int n = snprintf(cell + off, sizeof(cell) - off, "%s%s %s", off ? " " : "", kk,
								 json_is_string(vv) ? json_string_value(vv) : "?");
						if (n < 0 || (size_t)n >= sizeof(cell) - off)
							break;
						off += (size_t)n;
					}
				} else if (json_is_string(e)) {
					snprintf(cell, sizeof(cell), "%s", json_string_value(e));
				} else {
					snprintf(cell, sizeof(cell), "%" JSON_INTEGER_FORMAT, json_integer_value(e));
				}
				fprintf(c->out, "%s%s\n", i ? "            " : " ", cell);
			}
			if (!json_array_size(it))
				fputc('\n', c->out);
		} else if (json_is_string(it)) {
			fprintf(c->out, "%-12s %s\n", k, json_string_value(it)[0] ? json_string_value(it) : "-");
		} else if (json_is_integer(it)) {
			fprintf(c->out, "%-12s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(it));
		} else if (json_is_boolean(it)) {
			fprintf(c->out, "%-12s %s\n", k, json_is_true(it) ? "true" : "false");
		}
	}
	json_t *leases = json_object_get(d, "leases");
	fprintf(c->out, "leases       %zu\n", json_array_size(leases));
	if (json_array_size(leases)) {
		struct rp_ctl sub = *c;

		sub.output = RP_CTL_OUT_WIDE;
		rp_ctl_render(&sub, leases, lease_cols + 1, RP_ARRAY_SIZE(lease_cols) - 1);
	}
}

int rp_ctl_cmd_describe(struct rp_ctl *c, int argc, char **argv)
{
	static const struct option lo[] = { RP_CTL_HELP_OPT, { 0 } };
	struct rp_store *s = NULL;
	struct rp_store_view v;
	json_t *rows = NULL, *leases = NULL;
	const char *name;
	int opt, rc, err = 0;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (opt == 'h') {
			describe_usage(c->out);
			return RP_CTL_OK;
		}
		describe_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "describe", "unknown option %s", argv[optind - 1]);
	}
	if (argc - optind != 2 || (strcmp(argv[optind], "pool") && strcmp(argv[optind], "pools"))) {
		describe_usage(c->err);
		return rp_ctl_fail(c, RP_CTL_EUSAGE, "describe", "expected `describe pool NAME`");
	}
	name = argv[optind + 1];
	rc = rp_ctl_open_store(c, "describe", false, false, &s);
	if (rc)
		return rc;
	rc = rp_store_read_begin(s, &v);
	if (rc < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "describe", "cannot read the store's configuration: %s", strerror(-rc));
		goto out_close;
	}
	rows = pool_rows(c, s, &v, name);
	if (!json_array_size(rows)) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "describe",
				 "no pool named '%s' on this node; `railpoolctl get pools` lists them", name);
		goto out;
	}
	leases = lease_rows(s, name, &err);
	if (err < 0) {
		rc = rp_ctl_fail(c, RP_CTL_EUSER, "describe", "cannot list leases: %s", strerror(-err));
		goto out;
	}
	json_t *d = json_array_get(rows, 0);
	rp_ctl_pool_detail(c, &v, name, d);
	json_object_set(d, "leases", leases);
	if (c->output == RP_CTL_OUT_JSON || c->output == RP_CTL_OUT_YAML)
		rp_ctl_render(c, d, NULL, 0);
	else
		describe_text(c, d);
	rc = RP_CTL_OK;
out:
	json_decref(rows);
	json_decref(leases);
	rp_store_read_end(s);
out_close:
	rp_store_close(s);
	return rc;
}
