/* SPDX-License-Identifier: Apache-2.0 */
#include "core/manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/model_internal.h"

#define PATH_MAX_LEN 160

/* snprintf that truncates silently: messages and paths are bounded on purpose. */
__attribute__((format(printf, 3, 4))) static void sfmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* One document being loaded. */
struct ld {
	struct rp_model *m;
	const char *file;
	yaml_document_t *d;
	unsigned doc;        /* 1-based index in the file */
	char kind[40];
	char name[RP_NAME_MAX * 2];
	unsigned problems;   /* in this document */
};

static void where(const struct ld *l, char *buf, size_t len)
{
	if (!l->kind[0])
		sfmt(buf, len, "%s: document %u", l->file, l->doc);
	else
		sfmt(buf, len, "%s: document %u (%s %s)", l->file, l->doc, l->kind, l->name[0] ? l->name : "<unnamed>");
}

__attribute__((format(printf, 4, 5))) static void problem(struct ld *l, const char *path,
							   const char *value, const char *fmt, ...)
{
	char w[RP_MODEL_SRC_MAX], why[RP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	where(l, w, sizeof(w));
	l->problems++;
	if (value)
		rp_model_problem(l->m, "%s: %s = \"%.200s\": %s", w, path, value, why);
	else
		rp_model_problem(l->m, "%s: %s: %s", w, path, why);
}

__attribute__((format(printf, 3, 4))) static void warn(struct ld *l, const char *path, const char *fmt, ...)
{
	char w[RP_MODEL_SRC_MAX], why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	where(l, w, sizeof(w));
	rp_model_warn(l->m, "%s: %s: %s", w, path, why);
}

static void unknown(struct ld *l, const char *path)
{
	warn(l, path, "unknown field, ignored (check its spelling and level)");
}

static yaml_node_t *node(struct ld *l, int idx)
{
	return yaml_document_get_node(l->d, idx);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !n->data.scalar.length || !strcmp(sval(n), "~") || !strcmp(sval(n), "null") ||
	       !strcmp(sval(n), "Null") || !strcmp(sval(n), "NULL");
}

static void subpath(char *out, const char *path, const char *key)
{
	sfmt(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key);
}

static void idxpath(char *out, const char *path, size_t i)
{
	sfmt(out, PATH_MAX_LEN, "%s[%zu]", path, i);
}

static bool want_map(struct ld *l, yaml_node_t *n, const char *path)
{
	if (n && n->type == YAML_MAPPING_NODE)
		return true;
	problem(l, path, n && n->type == YAML_SCALAR_NODE ? sval(n) : NULL,
		"expected a mapping (key: value pairs)");
	return false;
}

static bool get_str(struct ld *l, yaml_node_t *n, const char *path, char *buf, size_t len)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		problem(l, path, NULL, "expected a string");
		return false;
	}
	if (n->data.scalar.length >= len) {
		problem(l, path, sval(n), "too long (at most %zu characters)", len - 1);
		return false;
	}
	if (strlen(sval(n)) != n->data.scalar.length) {
		problem(l, path, NULL, "contains a NUL character");
		return false;
	}
	memcpy(buf, sval(n), n->data.scalar.length + 1);
	return true;
}

static bool get_bool(struct ld *l, yaml_node_t *n, const char *path, bool *out)
{
	if (n && n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		const char *v = sval(n);

		if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
			*out = true;
			return true;
		}
		if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
			*out = false;
			return true;
		}
	}
	problem(l, path, n && n->type == YAML_SCALAR_NODE ? sval(n) : NULL,
		"expected true or false (unquoted)");
	return false;
}

static bool get_int(struct ld *l, yaml_node_t *n, const char *path, long long min, long long max,
		    long long *out)
{
	char *end;
	long long v;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    !n->data.scalar.length) {
		problem(l, path, n && n->type == YAML_SCALAR_NODE ? sval(n) : NULL,
			"expected an unquoted integer");
		return false;
	}
	errno = 0;
	v = strtoll(sval(n), &end, 10);
	if (errno || *end || !isdigit((unsigned char)sval(n)[n->data.scalar.length - 1]) ||
	    isspace((unsigned char)sval(n)[0])) {
		problem(l, path, sval(n), "expected an integer");
		return false;
	}
	if (v < min || v > max) {
		problem(l, path, sval(n), "out of range (%lld..%lld)", min, max);
		return false;
	}
	*out = v;
	return true;
}

/* A list of strings; a single scalar is taken as a list of one. */
static bool get_str_list(struct ld *l, yaml_node_t *n, const char *path, char *arr, size_t width,
			 uint32_t max, uint32_t *count)
{
	char p[PATH_MAX_LEN];

	*count = 0;
	if (is_null(n))
		return true;
	if (n->type == YAML_SCALAR_NODE)
		return get_str(l, n, path, arr, width) && (*count = 1);
	if (n->type != YAML_SEQUENCE_NODE) {
		problem(l, path, NULL, "expected a list of strings");
		return false;
	}
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt > max) {
		problem(l, path, NULL, "lists %zu entries; at most %u are supported", cnt, max);
		return false;
	}
	for (size_t i = 0; i < cnt; i++) {
		idxpath(p, path, i);
		if (!get_str(l, node(l, n->data.sequence.items.start[i]), p, arr + i * width, width))
			return false;
	}
	*count = (uint32_t)cnt;
	return true;
}

/* Iterate the pairs of a mapping; @kvar names make the hidden loop variables unique so the
 * loops nest. `continue` moves to the next pair. */
#define FOR_PAIRS(l, map, kvar, vvar, keyname)                                                     \
	for (yaml_node_pair_t *pr_##kvar = (map)->data.mapping.pairs.start;                        \
	     pr_##kvar < (map)->data.mapping.pairs.top; pr_##kvar++)                               \
		for (yaml_node_t *kvar = node(l, pr_##kvar->key), *vvar = node(l, pr_##kvar->value),   \
				 *once_##kvar = (yaml_node_t *)1;                                          \
		     once_##kvar; once_##kvar = NULL)                                              \
			for (const char *keyname = kvar && kvar->type == YAML_SCALAR_NODE ? sval(kvar) : ""; \
			     once_##kvar; once_##kvar = NULL)

static yaml_node_t *map_get(struct ld *l, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key))
			return node(l, p->value);
	}
	return NULL;
}

/* DNS-1123 label: what Kubernetes accepts for these names, and free of wildcard characters. */
static bool check_name(struct ld *l, const char *path, const char *name)
{
	size_t n = strlen(name);

	if (!n) {
		problem(l, path, name, "must not be empty");
		return false;
	}
	if (n > RP_NAME_MAX - 1) {
		problem(l, path, name, "is %zu characters; at most %d are allowed", n, RP_NAME_MAX - 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
			problem(l, path, name,
				"character '%c' is not allowed: use lower-case letters, digits, '-' and '.'",
				c);
			return false;
		}
	}
	if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1])) {
		problem(l, path, name, "must start and end with a letter or digit");
		return false;
	}
	return true;
}

/* ---- metadata ---- */

static void load_metadata(struct ld *l, yaml_node_t *md, char *name, size_t nlen, char *ns, size_t nslen,
			  char *inj_rdma, char *inj_net)
{
	char p[PATH_MAX_LEN];

	if (!md) {
		problem(l, "metadata", NULL, "missing; add metadata.name");
		return;
	}
	if (!want_map(l, md, "metadata"))
		return;
	FOR_PAIRS(l, md, k, v, key)
	{
		subpath(p, "metadata", key);
		if (!strcmp(key, "name")) {
			get_str(l, v, p, name, nlen);
		} else if (!strcmp(key, "namespace")) {
			if (ns)
				get_str(l, v, p, ns, nslen);
		} else if (!strcmp(key, "annotations")) {
			if (is_null(v) || !want_map(l, v, p))
				continue;
			yaml_node_t *a = map_get(l, v, RP_ANNOT_RDMA_INJECT);
			if (a && inj_rdma) {
				subpath(p, "metadata.annotations", RP_ANNOT_RDMA_INJECT);
				get_str(l, a, p, inj_rdma, RP_NAME_MAX);
			}
			a = map_get(l, v, RP_ANNOT_NET_INJECT);
			if (a && inj_net) {
				subpath(p, "metadata.annotations", RP_ANNOT_NET_INJECT);
				get_str(l, a, p, inj_net, RP_NAME_MAX);
			}
		} else if (!strcmp(key, "labels") || !strcmp(key, "uid") || !strcmp(key, "resourceVersion") ||
			   !strcmp(key, "generation") || !strcmp(key, "creationTimestamp") ||
			   !strcmp(key, "managedFields") || !strcmp(key, "finalizers") ||
			   !strcmp(key, "ownerReferences") || !strcmp(key, "generateName")) {
			/* Kubernetes bookkeeping: meaningless here, and expected in `kubectl get -o yaml`. */
		} else {
			unknown(l, p);
		}
	}
}

/* ---- SpiderIPPool ---- */

static bool parse_ranges(struct ld *l, yaml_node_t *n, const char *path, struct rp_range **out,
			 uint32_t *count)
{
	char p[PATH_MAX_LEN];
	struct rp_err e;

	free(*out); /* a repeated key: the last one wins, as in Kubernetes' YAML reader */
	*out = NULL;
	*count = 0;
	if (is_null(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE) {
		problem(l, path, n->type == YAML_SCALAR_NODE ? sval(n) : NULL,
			"expected a list of addresses and a-b ranges");
		return false;
	}
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cnt)
		return true;
	*out = calloc(cnt, sizeof(**out));
	if (!*out) {
		problem(l, path, NULL, "out of memory");
		return false;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = node(l, n->data.sequence.items.start[i]);

		idxpath(p, path, i);
		if (!it || it->type != YAML_SCALAR_NODE) {
			problem(l, p, NULL, "expected an address or an a-b range");
			return false;
		}
		if (rp_range_parse(sval(it), &(*out)[i], &e)) {
			problem(l, p, sval(it), "%s; write an address or an a-b range of valid addresses", e.msg);
			return false;
		}
		*count = (uint32_t)(i + 1);
	}
	return true;
}

static int parse_family(const char *v)
{
	if (!strcmp(v, "4") || !strcasecmp(v, "ipv4"))
		return 4;
	if (!strcmp(v, "6") || !strcasecmp(v, "ipv6"))
		return 6;
	return 0;
}

static void fmt_range(const struct rp_range *r, char *buf, size_t len)
{
	if (rp_range_format(r, buf, len))
		sfmt(buf, len, "?");
}

/* Checks that need the whole spec (fields come in any order: the seeds write gateway first). */
static void check_pool(struct ld *l, struct rp_model_pool *p)
{
	char path[PATH_MAX_LEN], a[RP_RANGE_STRLEN], s[RP_CIDR_STRLEN];

	rp_cidr_format(&p->subnet, s, sizeof(s));
	for (uint32_t i = 0; i < p->nips; i++) {
		idxpath(path, "spec.ips", i);
		fmt_range(&p->ips[i], a, sizeof(a));
		if (p->ips[i].lo.family != p->family)
			problem(l, path, a, "is IPv%u but spec.subnet %s is IPv%u", p->ips[i].lo.family, s,
				p->family);
		else if (!rp_cidr_contains_range(&p->subnet, &p->ips[i])) {
			struct rp_addr last = rp_cidr_last(&p->subnet);
			char la[RP_ADDR_STRLEN], fa[RP_ADDR_STRLEN];

			rp_addr_format(&last, la, sizeof(la));
			rp_addr_format(&p->subnet.addr, fa, sizeof(fa));
			problem(l, path, a,
				"runs outside spec.subnet %s (%s..%s); keep the range inside the subnet or widen the subnet",
				s, fa, la);
		}
	}
	for (uint32_t i = 0; i < p->nexcl; i++) {
		idxpath(path, "spec.excludeIPs", i);
		fmt_range(&p->excl[i], a, sizeof(a));
		if (p->excl[i].lo.family != p->family || !rp_cidr_contains_range(&p->subnet, &p->excl[i]))
			problem(l, path, a, "is not inside spec.subnet %s; remove it or fix the subnet", s);
	}
	if (p->has_gateway) {
		rp_addr_format(&p->gateway, a, sizeof(a));
		if (!rp_cidr_contains(&p->subnet, &p->gateway)) {
			problem(l, "spec.gateway", a, "is not inside spec.subnet %s", s);
		} else {
			for (uint32_t i = 0; i < p->nips; i++) {
				bool excluded = false;

				if (!rp_range_contains(&p->ips[i], &p->gateway))
					continue;
				for (uint32_t j = 0; j < p->nexcl; j++)
					excluded |= rp_range_contains(&p->excl[j], &p->gateway);
				if (!excluded) {
					char r[RP_RANGE_STRLEN];

					fmt_range(&p->ips[i], r, sizeof(r));
					problem(l, "spec.gateway", a,
						"is allocatable (inside spec.ips[%u] = \"%s\"): a pod could get the gateway's address; add it to spec.excludeIPs or shrink the range",
						i, r);
					break;
				}
			}
		}
	}
	for (uint32_t i = 0; i < p->nroutes; i++) {
		char g[RP_ADDR_STRLEN];

		rp_cidr_format(&p->routes[i].dst, a, sizeof(a));
		rp_addr_format(&p->routes[i].gw, g, sizeof(g));
		sfmt(path, sizeof(path), "spec.routes[%u].to", i);
		if (p->routes[i].dst.addr.family != p->family)
			problem(l, path, a, "is not IPv%u like spec.subnet %s", p->family, s);
		else if (rp_cidr_is_default(&p->routes[i].dst))
			problem(l, path, a,
				"a default route is refused: use spec.gateway (it becomes the default route of the interface's own table)");
		sfmt(path, sizeof(path), "spec.routes[%u].via", i);
		if (!rp_cidr_contains(&p->subnet, &p->routes[i].gw))
			problem(l, path, g, "is not inside spec.subnet %s: the gateway must be on-link", s);
	}
	for (uint32_t i = 0; i < p->nips; i++)
		for (uint32_t j = i + 1; j < p->nips; j++)
			if (rp_range_overlap(&p->ips[i], &p->ips[j]))
				warn(l, "spec.ips", "entries %u and %u overlap (merged)", i, j);
	if (!p->nips)
		warn(l, "spec.ips", "empty: this pool has nothing to allocate");
}

static void load_routes(struct ld *l, yaml_node_t *n, struct rp_model_pool *p)
{
	char path[PATH_MAX_LEN], sp[PATH_MAX_LEN];
	struct rp_err e;

	free(p->routes);
	p->routes = NULL;
	p->nroutes = 0;
	if (is_null(n))
		return;
	if (n->type != YAML_SEQUENCE_NODE) {
		problem(l, "spec.routes", NULL, "expected a list of {to, via}");
		return;
	}
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!cnt)
		return;
	p->routes = calloc(cnt, sizeof(*p->routes));
	if (!p->routes) {
		problem(l, "spec.routes", NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *r = node(l, n->data.sequence.items.start[i]);
		bool have_to = false, have_via = false;

		idxpath(path, "spec.routes", i);
		if (!want_map(l, r, path))
			return;
		FOR_PAIRS(l, r, k, v, key)
		{
			subpath(sp, path, key);
			if (!strcmp(key, "to") || !strcmp(key, "dst")) {
				bool norm = false;

				if (!v || v->type != YAML_SCALAR_NODE) {
					problem(l, sp, NULL, "expected a subnet like 172.16.0.0/16");
					return;
				}
				if (rp_cidr_parse(sval(v), &p->routes[i].dst, &norm, &e)) {
					problem(l, sp, sval(v), "%s", e.msg);
					return;
				}
				if (norm)
					warn(l, sp, "\"%s\" has host bits set; using its network address", sval(v));
				have_to = true;
			} else if (!strcmp(key, "via") || !strcmp(key, "gw")) {
				if (!v || v->type != YAML_SCALAR_NODE) {
					problem(l, sp, NULL, "expected an address");
					return;
				}
				if (rp_addr_parse(sval(v), &p->routes[i].gw, &e)) {
					problem(l, sp, sval(v), "%s", e.msg);
					return;
				}
				have_via = true;
			} else {
				unknown(l, sp);
			}
		}
		if (!have_to || !have_via) {
			problem(l, path, NULL, "a route needs both 'to' (or 'dst') and 'via' (or 'gw')");
			return;
		}
		p->nroutes = (uint32_t)(i + 1);
	}
}

static void free_pool(struct rp_model_pool *p)
{
	free(p->ips);
	free(p->excl);
	free(p->routes);
}

static void load_pool(struct ld *l, yaml_node_t *root)
{
	struct rp_model_pool p;
	char path[PATH_MAX_LEN], ipver[16] = "";
	yaml_node_t *spec = map_get(l, root, "spec"), *subnet = NULL;
	struct rp_err e;
	unsigned before = l->problems;

	memset(&p, 0, sizeof(p));
	load_metadata(l, map_get(l, root, "metadata"), p.name, sizeof(p.name), NULL, 0, NULL, NULL);
	sfmt(l->name, sizeof(l->name), "%s", p.name);
	check_name(l, "metadata.name", p.name);
	if (!spec) {
		problem(l, "spec", NULL, "missing; a SpiderIPPool needs spec.subnet and spec.ips");
		goto out;
	}
	if (!want_map(l, spec, "spec"))
		goto out;
	FOR_PAIRS(l, spec, k, v, key)
	{
		subpath(path, "spec", key);
		if (!strcmp(key, "subnet")) {
			subnet = v;
		} else if (!strcmp(key, "ips")) {
			parse_ranges(l, v, path, &p.ips, &p.nips);
		} else if (!strcmp(key, "excludeIPs")) {
			parse_ranges(l, v, path, &p.excl, &p.nexcl);
		} else if (!strcmp(key, "gateway")) {
			if (is_null(v))
				continue;
			if (!v || v->type != YAML_SCALAR_NODE)
				problem(l, path, NULL, "expected an address");
			else if (rp_addr_parse(sval(v), &p.gateway, &e))
				problem(l, path, sval(v), "%s", e.msg);
			else
				p.has_gateway = true;
		} else if (!strcmp(key, "routes")) {
			load_routes(l, v, &p);
		} else if (!strcmp(key, "ipVersion")) {
			if (!is_null(v) && get_str(l, v, path, ipver, sizeof(ipver)) && !parse_family(ipver))
				problem(l, path, ipver, "expected 4, 6, ipv4 or ipv6");
		} else if (!strcmp(key, "nodeName")) {
			if (is_null(v))
				continue;
			/* Upstream's v2beta1 has nodeName as a list; one node is what the exclusive-subnet
			 * scheme needs, so accept a list of one. */
			char one[1][RP_MODEL_NODE_MAX];
			uint32_t n = 0;
			if (get_str_list(l, v, path, one[0], RP_MODEL_NODE_MAX, 1, &n) && n)
				memcpy(p.node, one[0], sizeof(p.node));
		} else if (!strcmp(key, "default")) {
			get_bool(l, v, path, &p.is_default);
		} else if (!strcmp(key, "disable")) {
			get_bool(l, v, path, &p.disable);
		} else if (!strcmp(key, "vlan")) {
			warn(l, path, "ignored: railpool takes the VLAN from the SpiderMultusConfig (vlanID)");
		} else if (!strcmp(key, "podAffinity") || !strcmp(key, "namespaceAffinity") ||
			   !strcmp(key, "namespaceName") || !strcmp(key, "nodeAffinity") ||
			   !strcmp(key, "multusName")) {
			warn(l, path, "ignored: railpool does not filter pools by affinity");
		} else {
			unknown(l, path);
		}
	}
	if (!subnet || is_null(subnet)) {
		problem(l, "spec.subnet", NULL, "missing; add the pool's subnet, e.g. 172.16.0.0/16");
		goto out;
	}
	if (subnet->type != YAML_SCALAR_NODE) {
		problem(l, "spec.subnet", NULL, "expected a subnet like 172.16.0.0/16");
		goto out;
	}
	bool norm = false;
	if (rp_cidr_parse(sval(subnet), &p.subnet, &norm, &e)) {
		problem(l, "spec.subnet", sval(subnet), "%s", e.msg);
		goto out;
	}
	p.family = p.subnet.addr.family;
	if (norm) {
		char s[RP_CIDR_STRLEN];

		rp_cidr_format(&p.subnet, s, sizeof(s));
		warn(l, "spec.subnet", "\"%s\" has host bits set; using %s", sval(subnet), s);
	}
	if (ipver[0] && parse_family(ipver) && parse_family(ipver) != p.family)
		problem(l, "spec.ipVersion", ipver, "disagrees with spec.subnet %s (IPv%u)", sval(subnet),
			p.family);
	if (p.has_gateway && p.gateway.family != p.family) {
		char g[RP_ADDR_STRLEN];

		rp_addr_format(&p.gateway, g, sizeof(g));
		problem(l, "spec.gateway", g, "is not IPv%u like spec.subnet", p.family);
		goto out;
	}
	if (l->problems == before)
		check_pool(l, &p);
out:
	where(l, p.src.where, sizeof(p.src.where));
	if (l->problems != before || rp_model_add_pool(l->m, &p)) {
		free_pool(&p);
		return;
	}
}

/* ---- SpiderMultusConfig ---- */

static void load_ippools(struct ld *l, yaml_node_t *n, const char *path, struct rp_model_net *net)
{
	char p[PATH_MAX_LEN];

	if (is_null(n) || !want_map(l, n, path))
		return;
	FOR_PAIRS(l, n, k, v, key)
	{
		subpath(p, path, key);
		if (!strcmp(key, "ipv4"))
			get_str_list(l, v, p, net->v4[0], RP_NAME_MAX, RP_MODEL_MAX_REFS, &net->nv4);
		else if (!strcmp(key, "ipv6"))
			get_str_list(l, v, p, net->v6[0], RP_NAME_MAX, RP_MODEL_MAX_REFS, &net->nv6);
		else if (!strcmp(key, "matchMasterSubnet"))
			get_bool(l, v, p, &net->match_master_subnet);
		else
			unknown(l, p);
	}
}

static int cni_type_parse(const char *s)
{
	static const struct {
		const char *name;
		int t;
	} tab[] = { { "macvlan", RP_CNI_MACVLAN }, { "sriov", RP_CNI_SRIOV },   { "ipvlan", RP_CNI_IPVLAN },
		    { "ib-sriov", RP_CNI_IBSRIOV }, { "ipoib", RP_CNI_IPOIB },   { "custom", RP_CNI_CUSTOM } };

	for (size_t i = 0; i < RP_ARRAY_SIZE(tab); i++)
		if (!strcmp(s, tab[i].name))
			return tab[i].t;
	return RP_CNI_NONE;
}

/* spec.macvlan / spec.sriov (and the refused types' sections, whose fields we only skip). */
static void load_cni_section(struct ld *l, yaml_node_t *n, const char *path, int type, struct rp_model_net *net)
{
	char p[PATH_MAX_LEN];
	long long v64;

	if (is_null(n) || !want_map(l, n, path))
		return;
	if (type != RP_CNI_MACVLAN && type != RP_CNI_SRIOV)
		return;
	FOR_PAIRS(l, n, k, v, key)
	{
		subpath(p, path, key);
		if (type == RP_CNI_MACVLAN && !strcmp(key, "master")) {
			char m[4][RP_IFNAME_MAX];
			uint32_t cnt = 0;

			if (!get_str_list(l, v, p, m[0], RP_IFNAME_MAX, 4, &cnt))
				continue;
			if (cnt != 1)
				problem(l, p, cnt ? m[1] : NULL,
					"lists %u interfaces; railpool needs exactly one master per rail (bonds are not supported)",
					cnt);
			else
				memcpy(net->master, m[0], sizeof(net->master));
		} else if (type == RP_CNI_SRIOV && !strcmp(key, "resourceName")) {
			get_str(l, v, p, net->resource, sizeof(net->resource));
		} else if (type == RP_CNI_MACVLAN && !strcmp(key, "rdmaResourceName")) {
			get_str(l, v, p, net->rdma_resource, sizeof(net->rdma_resource));
		} else if (!strcmp(key, "rdmaIsolation") || !strcmp(key, "enableRdma")) {
			get_bool(l, v, p, &net->rdma);
		} else if (!strcmp(key, "mtu")) {
			if (get_int(l, v, p, 0, 65535, &v64)) {
				if (v64 && v64 < 68)
					problem(l, p, sval(v), "below the minimum MTU 68 (0 or absent: inherit)");
				net->mtu = (uint32_t)v64;
			}
		} else if (!strcmp(key, "vlanID")) {
			if (get_int(l, v, p, 0, 4094, &v64))
				net->vlan = (int32_t)v64;
		} else if (!strcmp(key, "ippools")) {
			load_ippools(l, v, p, net);
		} else if (!strcmp(key, "matchMasterSubnet")) {
			get_bool(l, v, p, &net->match_master_subnet);
		} else if (!strcmp(key, "minTxRateMbps") || !strcmp(key, "maxTxRateMbps") ||
			   !strcmp(key, "bond")) {
			warn(l, p, "not supported by railpool yet; ignored");
		} else {
			unknown(l, p);
		}
	}
}

static void load_net(struct ld *l, yaml_node_t *root)
{
	struct rp_model_net net;
	char path[PATH_MAX_LEN], type[32] = "";
	yaml_node_t *spec = map_get(l, root, "spec"), *sections[7] = { 0 };
	unsigned before = l->problems;

	memset(&net, 0, sizeof(net));
	net.vlan = -1;
	load_metadata(l, map_get(l, root, "metadata"), net.name, sizeof(net.name), net.ns, sizeof(net.ns),
		      net.inject_rdma, net.inject_net);
	if (!net.ns[0])
		sfmt(net.ns, sizeof(net.ns), "default");
	sfmt(l->name, sizeof(l->name), "%s/%s", net.ns, net.name);
	check_name(l, "metadata.name", net.name);
	check_name(l, "metadata.namespace", net.ns);
	if (!spec || !want_map(l, spec, "spec")) {
		if (!spec)
			problem(l, "spec", NULL, "missing; a SpiderMultusConfig needs spec.cniType");
		goto out;
	}
	yaml_node_t *ct = map_get(l, spec, "cniType");
	if (!ct || is_null(ct)) {
		problem(l, "spec.cniType", NULL, "missing; use macvlan or sriov");
		goto out;
	}
	if (!get_str(l, ct, "spec.cniType", type, sizeof(type)))
		goto out;
	net.cni_type = (uint8_t)cni_type_parse(type);
	if (net.cni_type == RP_CNI_NONE) {
		problem(l, "spec.cniType", type, "unknown; use macvlan or sriov");
		goto out;
	}
	/* Every key but the type's own section, the shared ippools and the seed-placed fields. */
	FOR_PAIRS(l, spec, k, v, key)
	{
		int sec = -1;

		subpath(path, "spec", key);
		if (!strcmp(key, "cniType"))
			continue;
		if (!strcmp(key, "macvlan"))
			sec = RP_CNI_MACVLAN;
		else if (!strcmp(key, "sriov"))
			sec = RP_CNI_SRIOV;
		else if (!strcmp(key, "ipvlan"))
			sec = RP_CNI_IPVLAN;
		else if (!strcmp(key, "ibsriov"))
			sec = RP_CNI_IBSRIOV;
		else if (!strcmp(key, "ipoib"))
			sec = RP_CNI_IPOIB;
		else if (!strcmp(key, "customCNI"))
			sec = RP_CNI_CUSTOM;
		if (sec >= 0) {
			if (sec != net.cni_type && !is_null(v))
				warn(l, path, "ignored: spec.cniType is %s", type);
			else
				sections[sec] = v;
			continue;
		}
		if (!strcmp(key, "ippools")) {
			load_ippools(l, v, path, &net);
		} else if (!strcmp(key, "rdmaResourceName")) {
			get_str(l, v, path, net.rdma_resource, sizeof(net.rdma_resource));
		} else if (!strcmp(key, "enableRdma") || !strcmp(key, "rdmaIsolation")) {
			get_bool(l, v, path, &net.rdma);
		} else if (!strcmp(key, "matchMasterSubnet")) {
			get_bool(l, v, path, &net.match_master_subnet);
		} else if (!strcmp(key, "enableCoordinator") || !strcmp(key, "coordinator") ||
			   !strcmp(key, "disableIPAM") || !strcmp(key, "chainCNIJsonData")) {
			warn(l, path, "ignored: railpool does its own routing and IPAM");
		} else {
			unknown(l, path);
		}
	}
	load_cni_section(l, sections[net.cni_type], net.cni_type == RP_CNI_MACVLAN ? "spec.macvlan" : "spec.sriov",
			 net.cni_type, &net);
	if (net.cni_type != RP_CNI_MACVLAN && net.cni_type != RP_CNI_SRIOV) {
		problem(l, "spec.cniType", type,
			"cniType %s is not supported on this node (supported: macvlan, sriov); remove this document or change spec.cniType",
			type);
		goto out;
	}
	if (net.cni_type == RP_CNI_MACVLAN && !net.master[0])
		problem(l, "spec.macvlan.master", NULL, "missing; name the master interface, e.g. [\"enp11s0f0np0\"]");
	if (net.cni_type == RP_CNI_SRIOV && net.rdma_resource[0])
		warn(l, "spec.rdmaResourceName", "ignored for cniType sriov: the VF's resource is spec.sriov.resourceName");
	if (net.cni_type == RP_CNI_SRIOV && !net.resource[0])
		warn(l, "spec.sriov.resourceName",
		     "missing: Multus must then pass the VF's deviceID itself, and resource injection refuses this config");
	for (uint32_t i = 0; i < net.nv4 + net.nv6; i++) {
		const char *ref = i < net.nv4 ? net.v4[i] : net.v6[i - net.nv4];

		if (!ref[0]) {
			sfmt(path, sizeof(path), "ippools.%s[%u]", i < net.nv4 ? "ipv4" : "ipv6",
				 i < net.nv4 ? i : i - net.nv4);
			problem(l, path, ref, "an empty pool reference; remove it");
		}
	}
out:
	where(l, net.src.where, sizeof(net.src.where));
	if (l->problems == before)
		rp_model_add_net(l->m, &net);
}

/* ---- SriovNetworkNodePolicy ---- */

static bool parse_pf(struct ld *l, const char *path, const char *s, struct rp_model_pf *pf)
{
	const char *hash = strchr(s, '#');
	size_t n = hash ? (size_t)(hash - s) : strlen(s);

	pf->first = pf->last = -1;
	if (!n || n >= RP_IFNAME_MAX) {
		problem(l, path, s, "not an interface name (1..%d characters before an optional #first-last)",
			RP_IFNAME_MAX - 1);
		return false;
	}
	memcpy(pf->name, s, n);
	pf->name[n] = '\0';
	if (!hash)
		return true;
	unsigned a, b;
	int used = 0;
	if (sscanf(hash + 1, "%u-%u%n", &a, &b, &used) != 2 || hash[1 + used] != '\0' || !isdigit((unsigned char)hash[1]) ||
	    a > 4096 || b > 4096) {
		problem(l, path, s, "the VF range must read pf#first-last, e.g. eno3np2#0-7");
		return false;
	}
	if (a > b) {
		problem(l, path, s, "VF range first %u is above last %u", a, b);
		return false;
	}
	pf->first = (int32_t)a;
	pf->last = (int32_t)b;
	return true;
}

static void load_policy(struct ld *l, yaml_node_t *root)
{
	struct rp_model_policy pol;
	char path[PATH_MAX_LEN], sp[PATH_MAX_LEN];
	yaml_node_t *spec = map_get(l, root, "spec");
	unsigned before = l->problems;
	long long v64;

	memset(&pol, 0, sizeof(pol));
	pol.priority = -1;
	load_metadata(l, map_get(l, root, "metadata"), pol.name, sizeof(pol.name), pol.ns, sizeof(pol.ns),
		      NULL, NULL);
	if (!pol.ns[0])
		sfmt(pol.ns, sizeof(pol.ns), "default");
	sfmt(l->name, sizeof(l->name), "%s/%s", pol.ns, pol.name);
	check_name(l, "metadata.name", pol.name);
	if (!spec || !want_map(l, spec, "spec")) {
		if (!spec)
			problem(l, "spec", NULL, "missing");
		goto out;
	}
	FOR_PAIRS(l, spec, k, v, key)
	{
		subpath(path, "spec", key);
		if (!strcmp(key, "resourceName")) {
			get_str(l, v, path, pol.resource, sizeof(pol.resource));
		} else if (!strcmp(key, "numVfs")) {
			if (get_int(l, v, path, 0, 1024, &v64))
				pol.num_vfs = (uint32_t)v64;
		} else if (!strcmp(key, "priority")) {
			if (get_int(l, v, path, 0, 99, &v64))
				pol.priority = (int32_t)v64;
		} else if (!strcmp(key, "isRdma")) {
			get_bool(l, v, path, &pol.is_rdma);
		} else if (!strcmp(key, "linkType")) {
			if (get_str(l, v, path, pol.link_type, sizeof(pol.link_type))) {
				for (char *c = pol.link_type; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				if (strcmp(pol.link_type, "eth") && strcmp(pol.link_type, "ib"))
					problem(l, path, sval(v), "expected eth or ib");
			}
		} else if (!strcmp(key, "deviceType")) {
			if (get_str(l, v, path, pol.device_type, sizeof(pol.device_type)) &&
			    strcmp(pol.device_type, "netdevice") && strcmp(pol.device_type, "vfio-pci"))
				problem(l, path, pol.device_type, "expected netdevice or vfio-pci");
		} else if (!strcmp(key, "nodeSelector")) {
			if (is_null(v) || !want_map(l, v, path))
				continue;
			FOR_PAIRS(l, v, k2, v2, key2)
			{
				subpath(sp, path, key2);
				if (!strcmp(key2, "kubernetes.io/hostname"))
					get_str(l, v2, sp, pol.node_hostname, sizeof(pol.node_hostname));
				else if (!v2 || v2->type != YAML_SCALAR_NODE)
					problem(l, sp, NULL, "expected a string label value");
			}
		} else if (!strcmp(key, "nicSelector")) {
			if (is_null(v) || !want_map(l, v, path))
				continue;
			FOR_PAIRS(l, v, k2, v2, key2)
			{
				subpath(sp, path, key2);
				if (!strcmp(key2, "pfNames")) {
					char names[RP_MODEL_MAX_PFS][RP_NAME_MAX];
					char ip[PATH_MAX_LEN];

					if (!get_str_list(l, v2, sp, names[0], RP_NAME_MAX, RP_MODEL_MAX_PFS, &pol.npfs))
						continue;
					for (uint32_t i = 0; i < pol.npfs; i++) {
						idxpath(ip, sp, i);
						parse_pf(l, ip, names[i], &pol.pfs[i]);
					}
				} else if (!strcmp(key2, "vendor") || !strcmp(key2, "deviceID") ||
					   !strcmp(key2, "rootDevices") || !strcmp(key2, "netFilter")) {
					warn(l, sp, "ignored: railpool selects PFs by pfNames");
				} else {
					unknown(l, sp);
				}
			}
		} else if (!strcmp(key, "mtu") || !strcmp(key, "eSwitchMode") || !strcmp(key, "needVhostNet") ||
			   !strcmp(key, "excludeTopology") || !strcmp(key, "vdpaType") ||
			   !strcmp(key, "externallyManaged") || !strcmp(key, "bridge")) {
			warn(l, path, "ignored: the SR-IOV operator's business, not railpool's");
		} else {
			unknown(l, path);
		}
	}
	if (!pol.resource[0])
		problem(l, "spec.resourceName", NULL, "missing; name the device plugin resource, e.g. eno3np2");
	if (!pol.npfs)
		problem(l, "spec.nicSelector.pfNames", NULL, "missing; list the PF(s), e.g. [eno3np2]");
	for (uint32_t i = 0; i < pol.npfs; i++) {
		if (pol.pfs[i].last >= 0 && (uint32_t)pol.pfs[i].last >= pol.num_vfs) {
			char v[64];

			idxpath(path, "spec.nicSelector.pfNames", i);
			sfmt(v, sizeof(v), "%s#%d-%d", pol.pfs[i].name, pol.pfs[i].first, pol.pfs[i].last);
			problem(l, path, v, "VF %d does not exist: spec.numVfs is %u (VFs 0..%d)", pol.pfs[i].last,
				pol.num_vfs, (int)pol.num_vfs - 1);
		}
	}
out:
	where(l, pol.src.where, sizeof(pol.src.where));
	if (l->problems == before)
		rp_model_add_policy(l->m, &pol);
}

/* ---- rdma shared device plugin config.json ---- */

static void load_rdma_config(struct ld *l, yaml_node_t *root, const char *base)
{
	char path[PATH_MAX_LEN], ip[PATH_MAX_LEN], sp[PATH_MAX_LEN], ssp[PATH_MAX_LEN];
	long long v64;

	if (!want_map(l, root, base[0] ? base : "config.json"))
		return;
	FOR_PAIRS(l, root, k, v, key)
	{
		subpath(path, base, key);
		if (!strcmp(key, "periodicUpdateInterval")) {
			get_int(l, v, path, 0, INT32_MAX, &v64);
		} else if (!strcmp(key, "configList")) {
			if (is_null(v))
				continue;
			if (v->type != YAML_SEQUENCE_NODE) {
				problem(l, path, NULL, "expected a list of resources");
				continue;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
				struct rp_model_rdma r;
				yaml_node_t *e = node(l, *it);
				unsigned before = l->problems;
				bool have_max = false;

				memset(&r, 0, sizeof(r));
				sfmt(r.prefix, sizeof(r.prefix), "rdma");
				idxpath(ip, path, (size_t)(it - v->data.sequence.items.start));
				if (!want_map(l, e, ip))
					continue;
				FOR_PAIRS(l, e, k2, v2, key2)
				{
					subpath(sp, ip, key2);
					if (!strcmp(key2, "resourcePrefix")) {
						get_str(l, v2, sp, r.prefix, sizeof(r.prefix));
					} else if (!strcmp(key2, "resourceName")) {
						get_str(l, v2, sp, r.name, sizeof(r.name));
					} else if (!strcmp(key2, "rdmaHcaMax")) {
						if (get_int(l, v2, sp, 1, 65535, &v64)) {
							r.hca_max = (uint32_t)v64;
							have_max = true;
						}
					} else if (!strcmp(key2, "selectors")) {
						if (is_null(v2) || !want_map(l, v2, sp))
							continue;
						FOR_PAIRS(l, v2, k3, v3, key3)
						{
							subpath(ssp, sp, key3);
							if (!strcmp(key3, "ifNames"))
								get_str_list(l, v3, ssp, r.ifnames[0], RP_IFNAME_MAX,
									     RP_MODEL_MAX_PFS, &r.nifnames);
							else if (!strcmp(key3, "vendors") || !strcmp(key3, "deviceIDs") ||
								 !strcmp(key3, "drivers") || !strcmp(key3, "linkTypes"))
								warn(l, ssp, "ignored: railpool selects shared RDMA devices by ifNames");
							else
								unknown(l, ssp);
						}
					} else if (!strcmp(key2, "devices")) {
						warn(l, sp, "ignored: railpool selects shared RDMA devices by ifNames");
					} else {
						unknown(l, sp);
					}
				}
				sfmt(l->name, sizeof(l->name), "%s/%s", r.prefix, r.name);
				if (!r.name[0]) {
					subpath(sp, ip, "resourceName");
					problem(l, sp, NULL, "missing");
				}
				if (!have_max) {
					subpath(sp, ip, "rdmaHcaMax");
					problem(l, sp, NULL, "missing; how many pods may share the device (e.g. 100)");
				}
				where(l, r.src.where, sizeof(r.src.where));
				if (l->problems == before)
					rp_model_add_rdma(l->m, &r);
			}
		} else {
			unknown(l, path);
		}
	}
}

static void load_root(struct ld *l, yaml_node_t *root, int depth);

static void load_config_map(struct ld *l, yaml_node_t *root)
{
	yaml_node_t *data = map_get(l, root, "data"), *cj;
	char name[RP_NAME_MAX] = "";

	load_metadata(l, map_get(l, root, "metadata"), name, sizeof(name), NULL, 0, NULL, NULL);
	sfmt(l->name, sizeof(l->name), "%s", name);
	cj = map_get(l, data, "config.json");
	if (!cj) {
		warn(l, "data", "no config.json key: not the rdma shared device plugin's ConfigMap, skipped");
		return;
	}
	if (cj->type != YAML_SCALAR_NODE) {
		problem(l, "data.config.json", NULL, "expected the JSON text as a string");
		return;
	}
	/* The embedded JSON is parsed as its own stream; messages keep this document's name. */
	yaml_parser_t p;
	yaml_document_t d;
	yaml_document_t *outer = l->d;

	if (!yaml_parser_initialize(&p)) {
		problem(l, "data.config.json", NULL, "out of memory");
		return;
	}
	yaml_parser_set_input_string(&p, cj->data.scalar.value, cj->data.scalar.length);
	if (!yaml_parser_load(&p, &d)) {
		problem(l, "data.config.json", NULL, "not valid JSON: %s at line %zu column %zu",
			p.problem ? p.problem : "syntax error", p.problem_mark.line + 1, p.problem_mark.column + 1);
		yaml_parser_delete(&p);
		return;
	}
	l->d = &d;
	yaml_node_t *r = yaml_document_get_root_node(&d);
	if (r)
		load_rdma_config(l, r, "data.config.json");
	l->d = outer;
	yaml_document_delete(&d);
	yaml_parser_delete(&p);
}

static void load_root(struct ld *l, yaml_node_t *root, int depth)
{
	char kind[40] = "", api[128] = "";
	yaml_node_t *k;

	l->kind[0] = l->name[0] = '\0';
	if (root->type == YAML_SEQUENCE_NODE && depth < 2) {
		for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top; it++) {
			yaml_node_t *n = node(l, *it);

			if (n)
				load_root(l, n, depth + 1);
		}
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		if (!is_null(root))
			problem(l, "(document)", NULL, "expected a Kubernetes object (a mapping with kind)");
		return;
	}
	k = map_get(l, root, "kind");
	if (!k) {
		if (map_get(l, root, "configList")) {
			sfmt(l->kind, sizeof(l->kind), "config.json");
			load_rdma_config(l, root, "");
			return;
		}
		problem(l, "kind", NULL, "missing; this document is not a manifest railpool knows");
		return;
	}
	if (!get_str(l, k, "kind", kind, sizeof(kind)))
		return;
	sfmt(l->kind, sizeof(l->kind), "%s", kind);
	yaml_node_t *a = map_get(l, root, "apiVersion");
	if (a && a->type == YAML_SCALAR_NODE)
		sfmt(api, sizeof(api), "%s", sval(a));
	if (!strcmp(kind, "SpiderIPPool") || !strcmp(kind, "SpiderMultusConfig")) {
		if (strncmp(api, "spiderpool.spidernet.io/", 24))
			warn(l, "apiVersion", "\"%s\" is not spiderpool.spidernet.io/v2beta1; reading it anyway", api);
		if (kind[6] == 'I')
			load_pool(l, root);
		else
			load_net(l, root);
	} else if (!strcmp(kind, "SriovNetworkNodePolicy")) {
		if (strncmp(api, "sriovnetwork.openshift.io/", 26))
			warn(l, "apiVersion", "\"%s\" is not sriovnetwork.openshift.io/v1; reading it anyway", api);
		load_policy(l, root);
	} else if (!strcmp(kind, "ConfigMap")) {
		load_config_map(l, root);
	} else if (!strcmp(kind, "List") && depth < 2) {
		yaml_node_t *items = map_get(l, root, "items");

		if (items && items->type == YAML_SEQUENCE_NODE)
			load_root(l, items, depth + 1);
	} else {
		warn(l, "kind", "\"%s\" is not a kind railpool reads; document skipped", kind);
	}
}

int rp_manifest_load_buf(struct rp_model *m, const char *label, const void *buf, size_t len, struct rp_err *e)
{
	yaml_parser_t p;
	struct ld l;
	uint32_t first = m->nproblems;
	int rc = 0;

	struct rp_model_mark mark;

	memset(&l, 0, sizeof(l));
	l.m = m;
	l.file = label ? label : "<input>";
	rp_model_mark(m, &mark);
	if (len > RP_MANIFEST_MAX_BYTES)
		return rp_err_set(e, -EFBIG, "%s: larger than %u bytes", l.file, RP_MANIFEST_MAX_BYTES);
	if (!yaml_parser_initialize(&p))
		return rp_err_set(e, -ENOMEM, "%s: out of memory", l.file);
	yaml_parser_set_input_string(&p, buf, len);
	for (;;) {
		yaml_document_t d;
		yaml_node_t *root;

		if (!yaml_parser_load(&p, &d)) {
			l.doc++;
			sfmt(l.kind, sizeof(l.kind), "?");
			l.name[0] = '\0';
			rp_model_problem(m, "%s: document %u: YAML syntax error at line %zu column %zu: %s%s%s; nothing from this file is loaded",
					 l.file, l.doc, p.problem_mark.line + 1, p.problem_mark.column + 1,
					 p.problem ? p.problem : "unreadable", p.context ? " " : "",
					 p.context ? p.context : "");
			break;
		}
		root = yaml_document_get_root_node(&d);
		if (!root) {
			yaml_document_delete(&d);
			break;
		}
		l.doc++;
		l.d = &d;
		load_root(&l, root, 0);
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
	if (m->nproblems > first) {
		uint32_t more = m->nproblems - first - 1;

		rp_model_rollback(m, &mark);
		if (more)
			rc = rp_err_set(e, -EINVAL, "%s (and %u more problem%s)", m->problems[first], more,
					more == 1 ? "" : "s");
		else
			rc = rp_err_set(e, -EINVAL, "%s", m->problems[first]);
	}
	return rc;
}

int rp_manifest_read_file(const char *path, char **out, size_t *len, struct rp_err *e)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return rp_err_set(e, rc, "%s: cannot open: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		rp_err_set(e, rc, "%s: cannot stat: %s", path, strerror(-rc));
		goto err_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = rp_err_set(e, -EISDIR, "%s: is a directory; name the manifest files", path);
		goto err_close;
	}
	if (st.st_size > (off_t)RP_MANIFEST_MAX_BYTES) {
		rc = rp_err_set(e, -EFBIG, "%s: larger than %u bytes", path, RP_MANIFEST_MAX_BYTES);
		goto err_close;
	}
	/* Pipes and /dev/stdin report size 0: read until EOF. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap);
	if (!buf) {
		rc = rp_err_set(e, -ENOMEM, "%s: out of memory", path);
		goto err_close;
	}
	for (;;) {
		if (got + 1 >= cap) {
			char *nb;

			if (cap > RP_MANIFEST_MAX_BYTES) {
				rc = rp_err_set(e, -EFBIG, "%s: larger than %u bytes", path, RP_MANIFEST_MAX_BYTES);
				goto err_free;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = rp_err_set(e, -ENOMEM, "%s: out of memory", path);
				goto err_free;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			rp_err_set(e, rc, "%s: read failed: %s", path, strerror(-rc));
			goto err_free;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*len = got;
	return 0;
err_free:
	free(buf);
err_close:
	close(fd);
	return rc;
}

int rp_manifest_load_file(struct rp_model *m, const char *path, struct rp_err *e)
{
	char *buf;
	size_t len;
	int rc = rp_manifest_read_file(path, &buf, &len, e);

	if (rc)
		return rc;
	rc = rp_manifest_load_buf(m, path, buf, len, e);
	free(buf);
	return rc;
}
