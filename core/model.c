/* SPDX-License-Identifier: Apache-2.0 */
#include "core/model.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_internal.h"

const char *rp_cni_type_name(int t)
{
	switch (t) {
	case RP_CNI_MACVLAN: return "macvlan";
	case RP_CNI_SRIOV: return "sriov";
	case RP_CNI_IPVLAN: return "ipvlan";
	case RP_CNI_IBSRIOV: return "ib-sriov";
	case RP_CNI_IPOIB: return "ipoib";
	case RP_CNI_CUSTOM: return "custom";
	default: return "none";
	}
}

void rp_model_init(struct rp_model *m)
{
	memset(m, 0, sizeof(*m));
}

void rp_model_free(struct rp_model *m)
{
	for (uint32_t i = 0; i < m->npools; i++) {
		free(m->pools[i].ips);
		free(m->pools[i].excl);
		free(m->pools[i].routes);
	}
	free(m->pools);
	free(m->nets);
	free(m->policies);
	free(m->rdma);
	for (uint32_t i = 0; i < m->nproblems; i++)
		free(m->problems[i]);
	free(m->problems);
	memset(m, 0, sizeof(*m));
}

int rp_model_problem(struct rp_model *m, const char *fmt, ...)
{
	char buf[RP_ERR_MSG_MAX];
	va_list ap;
	char **np;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rp_log(RP_LOG_ERR, "%s", buf);
	np = realloc(m->problems, (m->nproblems + 1) * sizeof(*np));
	if (!np)
		return -EINVAL;
	m->problems = np;
	m->problems[m->nproblems] = strdup(buf);
	if (m->problems[m->nproblems])
		m->nproblems++;
	return -EINVAL;
}

void rp_model_warn(struct rp_model *m, const char *fmt, ...)
{
	char buf[RP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rp_log(RP_LOG_WARN, "%s", buf);
	m->nwarnings++;
}

static int grow(void **arr, uint32_t *cap, uint32_t n, size_t size)
{
	void *p;
	uint32_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	p = realloc(*arr, nc * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

#define ADD(m, arr, n, cap, rec)                                                                   \
	do {                                                                                       \
		if (grow((void **)&(m)->arr, &(m)->cap, (m)->n, sizeof(*(m)->arr)))                 \
			return -ENOMEM;                                                            \
		(m)->arr[(m)->n++] = *(rec);                                                       \
		return 0;                                                                          \
	} while (0)

int rp_model_add_pool(struct rp_model *m, const struct rp_model_pool *p)
{
	ADD(m, pools, npools, cap_pools, p);
}

int rp_model_add_net(struct rp_model *m, const struct rp_model_net *n)
{
	ADD(m, nets, nnets, cap_nets, n);
}

int rp_model_add_policy(struct rp_model *m, const struct rp_model_policy *p)
{
	ADD(m, policies, npolicies, cap_policies, p);
}

int rp_model_add_rdma(struct rp_model *m, const struct rp_model_rdma *r)
{
	ADD(m, rdma, nrdma, cap_rdma, r);
}

void rp_model_mark(const struct rp_model *m, struct rp_model_mark *mark)
{
	mark->npools = m->npools;
	mark->nnets = m->nnets;
	mark->npolicies = m->npolicies;
	mark->nrdma = m->nrdma;
}

void rp_model_rollback(struct rp_model *m, const struct rp_model_mark *mark)
{
	for (uint32_t i = mark->npools; i < m->npools; i++) {
		free(m->pools[i].ips);
		free(m->pools[i].excl);
		free(m->pools[i].routes);
	}
	m->npools = mark->npools;
	m->nnets = mark->nnets;
	m->npolicies = mark->npolicies;
	m->nrdma = mark->nrdma;
}

uint32_t rp_model_policy_slots(const struct rp_model_policy *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->npfs; i++)
		n += p->pfs[i].first < 0 ? p->num_vfs : (uint32_t)(p->pfs[i].last - p->pfs[i].first + 1);
	return n;
}

/* ---- validation ---- */

static int cmp_pool(const void *a, const void *b)
{
	return strcmp(((const struct rp_model_pool *)a)->name, ((const struct rp_model_pool *)b)->name);
}

static int cmp_net(const void *a, const void *b)
{
	const struct rp_model_net *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

static int cmp_policy(const void *a, const void *b)
{
	const struct rp_model_policy *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

struct rref {
	const struct rp_range *r;
	uint32_t pool, idx;
};

static int cmp_rref(const void *a, const void *b)
{
	const struct rref *x = a, *y = b;
	int c = rp_addr_cmp(&x->r->lo, &y->r->lo);

	if (c)
		return c;
	return x->pool < y->pool ? -1 : x->pool > y->pool;
}

static bool nodes_meet(const struct rp_model_pool *a, const struct rp_model_pool *b)
{
	return !a->node[0] || !b->node[0] || !strcmp(a->node, b->node);
}

static void check_overlaps(struct rp_model *m)
{
	size_t n = 0, k = 0;
	struct rref *v;
	uint32_t reported = 0;

	for (uint32_t i = 0; i < m->npools; i++)
		n += m->pools[i].nips;
	if (!n)
		return;
	v = calloc(n, sizeof(*v));
	if (!v) {
		rp_model_problem(m, "out of memory checking pool overlaps");
		return;
	}
	for (uint32_t i = 0; i < m->npools; i++)
		for (uint32_t j = 0; j < m->pools[i].nips; j++)
			v[k++] = (struct rref){ &m->pools[i].ips[j], i, j };
	qsort(v, n, sizeof(*v), cmp_rref);
	for (size_t i = 0; i < n && reported < 64; i++) {
		for (size_t j = i + 1; j < n && rp_addr_cmp(&v[j].r->lo, &v[i].r->hi) <= 0; j++) {
			const struct rp_model_pool *a = &m->pools[v[i].pool], *b = &m->pools[v[j].pool];
			char ra[RP_RANGE_STRLEN], rb[RP_RANGE_STRLEN];

			if (v[i].pool == v[j].pool || v[i].r->lo.family != v[j].r->lo.family || !nodes_meet(a, b))
				continue;
			rp_range_format(v[i].r, ra, sizeof(ra));
			rp_range_format(v[j].r, rb, sizeof(rb));
			rp_model_problem(m,
					 "%s: spec.ips[%u] = \"%s\": overlaps spec.ips[%u] = \"%s\" of SpiderIPPool %s (%s); pools of one node must not share addresses: shrink one of the ranges",
					 b->src.where, v[j].idx, rb, v[i].idx, ra, a->name, a->src.where);
			if (++reported >= 64)
				break;
		}
	}
	/* A gateway inside another pool of the node would be handed to a pod. */
	for (uint32_t i = 0; i < m->npools && reported < 64; i++) {
		const struct rp_model_pool *g = &m->pools[i];

		if (!g->has_gateway)
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct rp_model_pool *o = &m->pools[v[j].pool];
			bool excluded = false;

			if (v[j].pool == i || !nodes_meet(g, o) || !rp_range_contains(v[j].r, &g->gateway))
				continue;
			for (uint32_t x = 0; x < o->nexcl; x++)
				excluded |= rp_range_contains(&o->excl[x], &g->gateway);
			if (excluded)
				continue;
			char ga[RP_ADDR_STRLEN], ra[RP_RANGE_STRLEN];

			rp_addr_format(&g->gateway, ga, sizeof(ga));
			rp_range_format(v[j].r, ra, sizeof(ra));
			rp_model_problem(m,
					 "%s: spec.gateway = \"%s\": is allocatable in SpiderIPPool %s (%s, spec.ips[%u] = \"%s\"); a pod could get the gateway's address: exclude it there",
					 g->src.where, ga, o->name, o->src.where, v[j].idx, ra);
			reported++;
			break;
		}
	}
	free(v);
}

static bool has_wild(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void check_refs(struct rp_model *m, const struct rp_model_net *net, const char *sec)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		uint32_t n = fam == 4 ? net->nv4 : net->nv6;

		for (uint32_t i = 0; i < n; i++) {
			const char *ref = fam == 4 ? net->v4[i] : net->v6[i];
			bool any = false, fam_ok = false;

			for (uint32_t p = 0; p < m->npools; p++) {
				bool hit = has_wild(ref) ? !fnmatch(ref, m->pools[p].name, 0)
							 : !strcmp(ref, m->pools[p].name);
				if (!hit)
					continue;
				any = true;
				fam_ok |= m->pools[p].family == fam;
			}
			if (any && !fam_ok && !has_wild(ref))
				rp_model_problem(m, "%s: %s.ippools.ipv%d[%u] = \"%s\": that pool is IPv%d; list it under ipv%d",
						 net->src.where, sec, fam, i, ref, 10 - fam, 10 - fam);
			else if (!any)
				rp_log(RP_LOG_WARN, "%s: %s.ippools.ipv%d[%u] = \"%s\": %s no SpiderIPPool loaded so far; it must be applied before pods use this network",
				       net->src.where, sec, fam, i, ref, has_wild(ref) ? "matches" : "names");
		}
	}
}

int rp_model_validate(struct rp_model *m, struct rp_err *e)
{
	uint32_t first = m->nproblems;
	bool any_default = false;

	if (m->npools > 1)
		qsort(m->pools, m->npools, sizeof(*m->pools), cmp_pool);
	if (m->nnets > 1)
		qsort(m->nets, m->nnets, sizeof(*m->nets), cmp_net);
	if (m->npolicies > 1)
		qsort(m->policies, m->npolicies, sizeof(*m->policies), cmp_policy);
	for (uint32_t i = 0; i < m->npools; i++) {
		any_default |= m->pools[i].is_default && !m->pools[i].disable;
		if (i && !strcmp(m->pools[i].name, m->pools[i - 1].name))
			rp_model_problem(m, "%s: metadata.name = \"%s\": another SpiderIPPool has this name (%s); pool names must be unique",
					 m->pools[i].src.where, m->pools[i].name, m->pools[i - 1].src.where);
	}
	for (uint32_t i = 0; i < m->nnets; i++) {
		const struct rp_model_net *n = &m->nets[i];
		const char *sec = n->cni_type == RP_CNI_MACVLAN ? "spec.macvlan" : "spec.sriov";

		if (i && !cmp_net(n, n - 1))
			rp_model_problem(m, "%s: metadata.name = \"%s\": another SpiderMultusConfig in namespace %s has this name (%s)",
					 n->src.where, n->name, n->ns, n[-1].src.where);
		if (!n->nv4 && !n->nv6 && !any_default)
			rp_model_problem(m, "%s: %s.ippools: names no pool and no SpiderIPPool is default: true; list pools under ippools.ipv4/ipv6 or mark a pool default",
					 n->src.where, sec);
		check_refs(m, n, sec);
	}
	for (uint32_t i = 0; i < m->npolicies; i++) {
		const struct rp_model_policy *p = &m->policies[i];

		if (i && !cmp_policy(p, p - 1))
			rp_model_problem(m, "%s: metadata.name = \"%s\": another SriovNetworkNodePolicy in namespace %s has this name (%s)",
					 p->src.where, p->name, p->ns, p[-1].src.where);
		if (strlen(p->resource) + 3 > RP_NAME_MAX - 1)
			rp_model_problem(m, "%s: spec.resourceName = \"%s\": too long for a VF slot pool (at most %d characters)",
					 p->src.where, p->resource, RP_NAME_MAX - 4);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(m->policies[j].resource, p->resource) &&
			    (!p->node_hostname[0] || !m->policies[j].node_hostname[0] ||
			     !strcmp(p->node_hostname, m->policies[j].node_hostname)))
				rp_model_problem(m, "%s: spec.resourceName = \"%s\": also provided by %s; railpool needs one policy per resource and node",
						 p->src.where, p->resource, m->policies[j].src.where);
	}
	for (uint32_t i = 0; i < m->nrdma; i++) {
		const struct rp_model_rdma *r = &m->rdma[i];

		if (strlen(r->prefix) + strlen(r->name) + 6 > RP_NAME_MAX - 1)
			rp_model_problem(m, "%s: resourcePrefix/resourceName = \"%s/%s\": too long for a slot pool (at most %d characters together)",
					 r->src.where, r->prefix, r->name, RP_NAME_MAX - 7);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(m->rdma[j].prefix, r->prefix) && !strcmp(m->rdma[j].name, r->name))
				rp_model_problem(m, "%s: resourceName = \"%s/%s\": defined twice (also %s)", r->src.where,
						 r->prefix, r->name, m->rdma[j].src.where);
	}
	check_overlaps(m);
	if (m->nproblems > first) {
		uint32_t more = m->nproblems - first - 1;

		if (more)
			return rp_err_set(e, -EINVAL, "%s (and %u more problem%s)", m->problems[first], more,
					  more == 1 ? "" : "s");
		return rp_err_set(e, -EINVAL, "%s", m->problems[first]);
	}
	return 0;
}
