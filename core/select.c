/* SPDX-License-Identifier: Apache-2.0 */
#include "core/select.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Collects the reasons for the error message; only built on the (rare) failure path, so the
 * successful selection formats nothing. */
struct explain {
	char buf[RP_ERR_MSG_MAX];
	size_t len;
	unsigned tried;
	bool truncated;
};

__attribute__((format(printf, 2, 3))) static void say(struct explain *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x || x->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(x->buf + x->len, sizeof(x->buf) - x->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(x->buf) - x->len - 8) {
		x->buf[x->len] = '\0';
		x->truncated = true;
		return;
	}
	x->len += (size_t)n;
}

struct sel {
	const struct rp_model_view *v;
	const struct rp_select_req *r;
	uint32_t *out;
	uint32_t max, n;
	bool overflow;
	struct explain *x;
};

static bool is_wild(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

static void consider(struct sel *s, uint32_t idx)
{
	const struct rp_blob_pool *p = &s->v->pools[idx];
	const struct rp_select_req *r = s->r;

	/* No duplicate check here: names are unique, repeated exact references are skipped by the
	 * caller and wildcard matches skip the exact ones, so each pool arrives at most once. */
	if (s->x)
		s->x->tried++;
	if (p->family != r->family) {
		say(s->x, "%s%s (IPv%u, not IPv%u)", s->x && s->x->tried > 1 ? ", " : "", p->name, p->family, r->family);
		return;
	}
	if (p->flags & RP_BLOB_POOL_DISABLE) {
		say(s->x, "%s%s (disable: true)", s->x && s->x->tried > 1 ? ", " : "", p->name);
		return;
	}
	if (p->node[0] && r->node && r->node[0] && strcmp(p->node, r->node)) {
		say(s->x, "%s%s (nodeName %s, this node is %s)", s->x && s->x->tried > 1 ? ", " : "", p->name, p->node,
		    r->node);
		return;
	}
	if (r->match_master_subnet) {
		struct rp_cidr c;
		bool hit = false;

		rp_blob_pool_subnet(p, &c);
		for (uint32_t i = 0; i < r->nmaster && !hit; i++)
			hit = rp_cidr_contains(&c, &r->master_addrs[i]);
		if (!hit) {
			char cs[RP_CIDR_STRLEN];

			if (s->x) {
				rp_cidr_format(&c, cs, sizeof(cs));
				say(s->x, "%s%s (matchMasterSubnet: subnet %s holds none of the master's addresses)",
				    s->x->tried > 1 ? ", " : "", p->name, cs);
			}
			return;
		}
	}
	if (s->n < s->max)
		s->out[s->n] = idx;
	else
		s->overflow = true;
	s->n++;
}

/* First index whose name is >= @key (n if none). */
static uint32_t lower_bound(const struct rp_model_view *v, const char *key, size_t klen)
{
	uint32_t lo = 0, hi = rp_model_view_npools(v);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (strncmp(v->pools[mid].name, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index at or after @from whose name does not start with @key. */
static uint32_t prefix_end(const struct rp_model_view *v, uint32_t from, const char *key, size_t klen)
{
	uint32_t lo = from, hi = rp_model_view_npools(v);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (strncmp(v->pools[mid].name, key, klen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void run(struct sel *s)
{
	const struct rp_select_req *r = s->r;
	const struct rp_model_view *v = s->v;
	uint32_t npools = rp_model_view_npools(v);
	uint32_t lo[RP_MODEL_MAX_REFS], hi[RP_MODEL_MAX_REFS];
	uint32_t wild[RP_MODEL_MAX_REFS], nwild = 0, span_lo = UINT32_MAX, span_hi = 0;
	bool prefix_only[RP_MODEL_MAX_REFS];
	unsigned matched[RP_MODEL_MAX_REFS] = { 0 };

	if (!r->nrefs) {
		for (uint32_t i = 0; i < npools; i++)
			if (v->pools[i].flags & RP_BLOB_POOL_DEFAULT)
				consider(s, i);
		return;
	}
	for (uint32_t i = 0; i < r->nrefs; i++) {
		const char *ref = r->refs[i];
		bool dup = false;

		if (is_wild(ref)) {
			if (nwild < RP_MODEL_MAX_REFS)
				wild[nwild++] = i;
			continue;
		}
		for (uint32_t j = 0; j < i; j++)
			dup |= !strcmp(r->refs[j], ref);
		if (dup)
			continue;
		int idx = rp_model_view_pool_find(v, ref);
		if (idx < 0) {
			if (s->x)
				s->x->tried++;
			say(s->x, "%s%s (no such pool)", s->x && s->x->tried > 1 ? ", " : "", ref);
			continue;
		}
		consider(s, (uint32_t)idx);
	}
	if (!nwild)
		return;
	/* Exact names already taken must not come again from a wildcard. */
	uint32_t nexact = s->n < s->max ? s->n : s->max;
	for (uint32_t w = 0; w < nwild; w++) {
		const char *pat = r->refs[wild[w]];
		size_t plen = strcspn(pat, "*?[\\");

		/* "eno3np1-rail1*", the seeds' form: the name-sorted slice is exactly the match set. */
		prefix_only[w] = pat[plen] == '*' && pat[plen + 1] == '\0';
		lo[w] = lower_bound(v, pat, plen);
		hi[w] = prefix_end(v, lo[w], pat, plen);
		if (lo[w] < span_lo)
			span_lo = lo[w];
		if (hi[w] > span_hi)
			span_hi = hi[w];
	}
	for (uint32_t i = span_lo; i < span_hi; i++) {
		bool hit = false, taken = false;

		for (uint32_t w = 0; w < nwild; w++) {
			if (i < lo[w] || i >= hi[w] ||
			    (!prefix_only[w] && fnmatch(r->refs[wild[w]], v->pools[i].name, 0)))
				continue;
			matched[w]++;
			hit = true;
		}
		if (!hit)
			continue;
		for (uint32_t j = 0; j < nexact; j++)
			taken |= s->out[j] == i;
		if (!taken)
			consider(s, i);
	}
	for (uint32_t w = 0; w < nwild && s->x; w++)
		if (!matched[w])
			say(s->x, "%spattern \"%s\" matched no pool", s->x->tried++ ? ", " : "", r->refs[wild[w]]);
}

int rp_select_pools(const struct rp_model_view *v, const struct rp_select_req *req, uint32_t *out, uint32_t max,
		    struct rp_err *e)
{
	struct sel s = { .v = v, .r = req, .out = out, .max = max };
	const char *what = req->what ? req->what : "pool selection";

	if ((req->family != 4 && req->family != 6) || !max || req->nrefs > RP_MODEL_MAX_REFS)
		return rp_err_set(e, -EINVAL, "%s: bad request (family %u, %u references, room for %u)", what,
				  req->family, req->nrefs, max);
	run(&s);
	if (s.n && s.overflow)
		return rp_err_set(e, -E2BIG, "%s: %u pools qualify, only %u fit", what, s.n, max);
	if (s.n)
		return (int)s.n;

	struct explain x = { .len = 0 };
	s = (struct sel){ .v = v, .r = req, .out = out, .max = max, .x = &x };
	run(&s);
	if (!req->nrefs)
		say(&x, "%sthe rail names no pool and no IPv%u pool marked default: true qualifies; name pools in the network's ippools.ipv%u",
		    x.tried ? "; " : "", req->family, req->family);
	if (req->match_master_subnet && !req->nmaster)
		say(&x, "; the master has no IPv%u address, so matchMasterSubnet can match nothing", req->family);
	return rp_err_set(e, -ENOENT, "%s: no IPv%u pool qualifies on node %s: tried %s%s", what, req->family,
			  req->node && req->node[0] ? req->node : "(any)", x.buf, x.truncated ? ", ..." : "");
}

void rp_select_req_from_net(const struct rp_model_view *v, const struct rp_blob_net *n, uint8_t family,
			    const char **refs_buf, struct rp_select_req *req)
{
	uint32_t first = family == 6 ? n->v6_first : n->v4_first;
	uint32_t cnt = family == 6 ? n->nv6 : n->nv4;

	memset(req, 0, sizeof(*req));
	if (cnt > RP_MODEL_MAX_REFS)
		cnt = RP_MODEL_MAX_REFS;
	for (uint32_t i = 0; i < cnt; i++)
		refs_buf[i] = v->refs[first + i].name;
	req->family = family;
	req->refs = refs_buf;
	req->nrefs = cnt;
	req->match_master_subnet = (n->flags & RP_BLOB_NET_MMS) != 0;
}
