/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "core/model_internal.h"

/* The blob is read in place from shared memory by other processes: pin every layout. */
static_assert(sizeof(struct rp_blob_hdr) == 120, "blob header layout");
static_assert(sizeof(struct rp_blob_range) == 32, "blob range layout");
static_assert(sizeof(struct rp_blob_route) == 36, "blob route layout");
static_assert(sizeof(struct rp_blob_pool) == 192, "blob pool layout");
static_assert(offsetof(struct rp_blob_pool, ips_first) == 164, "blob pool layout");
static_assert(sizeof(struct rp_blob_ref) == 64, "blob ref layout");
static_assert(sizeof(struct rp_blob_net) == 560, "blob net layout");
static_assert(sizeof(struct rp_blob_policy) == 728, "blob policy layout");
static_assert(sizeof(struct rp_blob_rdma) == 400, "blob rdma layout");

#define ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

static void copy_str(char *dst, size_t dlen, const char *src)
{
	size_t n = strnlen(src, dlen - 1);

	memset(dst, 0, dlen);
	memcpy(dst, src, n);
}

static void put_range(struct rp_blob_range *b, const struct rp_range *r)
{
	memcpy(b->lo, r->lo.b, 16);
	memcpy(b->hi, r->hi.b, 16);
}

static int cmp_pool_idx(const void *a, const void *b, void *arg)
{
	const struct rp_model *m = arg;

	return strcmp(m->pools[*(const uint32_t *)a].name, m->pools[*(const uint32_t *)b].name);
}

static int cmp_net_idx(const void *a, const void *b, void *arg)
{
	const struct rp_model *m = arg;
	const struct rp_model_net *x = &m->nets[*(const uint32_t *)a];
	const struct rp_model_net *y = &m->nets[*(const uint32_t *)b];
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->name, y->name);
}

/* Indices of @n records in the order the blob needs (readers binary-search pools by name and
 * injection lists networks by namespace/name), whether or not the model was validated. */
static uint32_t *sorted_order(const struct rp_model *m, uint32_t n, int (*cmp)(const void *, const void *, void *))
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	if (n > 1)
		qsort_r(idx, n, sizeof(*idx), cmp, (void *)m);
	return idx;
}

/* Slot pool names and windows: policies first (in model order), then rdma resources. */
static int slot_name(const struct rp_model *m, uint32_t i, char *buf, size_t len)
{
	int n;

	if (i < m->npolicies)
		n = snprintf(buf, len, "vf:%s", m->policies[i].resource);
	else
		n = snprintf(buf, len, "rdma:%s/%s", m->rdma[i - m->npolicies].prefix, m->rdma[i - m->npolicies].name);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

static int cmp_slot_name(const void *a, const void *b, void *arg)
{
	char (*names)[RP_NAME_MAX + 8] = arg;

	return strcmp(names[*(const uint32_t *)a], names[*(const uint32_t *)b]);
}

/* bases[i] for slot pool i (see slot_name); malloc'd, NULL on -ENOMEM. */
static uint32_t *slot_bases(const struct rp_model *m)
{
	uint32_t n = m->npolicies + m->nrdma;
	char (*names)[RP_NAME_MAX + 8] = calloc(n ? n : 1, sizeof(*names));
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	uint32_t *bases = malloc((n ? n : 1) * sizeof(*bases));
	uint8_t *used = calloc(65536, 1);

	if (!names || !order || !bases || !used) {
		free(bases);
		bases = NULL;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (slot_name(m, i, names[i], sizeof(names[i])))
			names[i][0] = '\0'; /* refused by validation; any window will do */
		order[i] = i;
	}
	if (n > 1)
		qsort_r(order, n, sizeof(*order), cmp_slot_name, names);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = order[k];
		uint32_t w = XXH32(names[i], strlen(names[i]), 0) & 0xffffu;

		while (used[w])
			w = (w + 1) & 0xffffu;
		used[w] = 1;
		bases[i] = w << 16;
	}
out:
	free(names);
	free(order);
	free(used);
	return bases;
}

int rp_model_encode(const struct rp_model *m, void **out, uint32_t *len, struct rp_err *e)
{
	size_t nranges = 0, nroutes = 0, nrefs = 0, total;
	struct rp_blob_hdr *h;
	uint8_t *b;

	for (uint32_t i = 0; i < m->npools; i++) {
		nranges += (size_t)m->pools[i].nips + m->pools[i].nexcl;
		nroutes += m->pools[i].nroutes;
	}
	for (uint32_t i = 0; i < m->nnets; i++)
		nrefs += (size_t)m->nets[i].nv4 + m->nets[i].nv6;

	size_t pools_off = ALIGN8(sizeof(*h));
	size_t ranges_off = ALIGN8(pools_off + (size_t)m->npools * sizeof(struct rp_blob_pool));
	size_t routes_off = ALIGN8(ranges_off + nranges * sizeof(struct rp_blob_range));
	size_t nets_off = ALIGN8(routes_off + nroutes * sizeof(struct rp_blob_route));
	size_t refs_off = ALIGN8(nets_off + (size_t)m->nnets * sizeof(struct rp_blob_net));
	size_t pol_off = ALIGN8(refs_off + nrefs * sizeof(struct rp_blob_ref));
	size_t rdma_off = ALIGN8(pol_off + (size_t)m->npolicies * sizeof(struct rp_blob_policy));
	total = ALIGN8(rdma_off + (size_t)m->nrdma * sizeof(struct rp_blob_rdma));
	if (total > UINT32_MAX)
		return rp_err_set(e, -E2BIG, "the configuration encodes to %zu bytes (over 4 GiB)", total);
	uint32_t *pord = sorted_order(m, m->npools, cmp_pool_idx);
	uint32_t *nord = sorted_order(m, m->nnets, cmp_net_idx);
	uint32_t *bases = slot_bases(m);
	b = pord && nord && bases ? calloc(1, total) : NULL;
	if (!b) {
		free(pord);
		free(nord);
		free(bases);
		return rp_err_set(e, -ENOMEM, "out of memory encoding the configuration (%zu bytes)", total);
	}
	h = (struct rp_blob_hdr *)b;
	h->magic = RP_BLOB_MAGIC;
	h->major = RP_BLOB_VERSION_MAJOR;
	h->minor = RP_BLOB_VERSION_MINOR;
	h->hdr_size = sizeof(*h);
	h->total_size = (uint32_t)total;
	h->npools = m->npools;
	h->pools_off = (uint32_t)pools_off;
	h->pool_size = sizeof(struct rp_blob_pool);
	h->nranges = (uint32_t)nranges;
	h->ranges_off = (uint32_t)ranges_off;
	h->nroutes = (uint32_t)nroutes;
	h->routes_off = (uint32_t)routes_off;
	h->nnets = m->nnets;
	h->nets_off = (uint32_t)nets_off;
	h->net_size = sizeof(struct rp_blob_net);
	h->nrefs = (uint32_t)nrefs;
	h->refs_off = (uint32_t)refs_off;
	h->npolicies = m->npolicies;
	h->policies_off = (uint32_t)pol_off;
	h->policy_size = sizeof(struct rp_blob_policy);
	h->nrdma = m->nrdma;
	h->rdma_off = (uint32_t)rdma_off;
	h->rdma_size = sizeof(struct rp_blob_rdma);

	struct rp_blob_range *rg = (struct rp_blob_range *)(b + ranges_off);
	struct rp_blob_route *rt = (struct rp_blob_route *)(b + routes_off);
	uint32_t ri = 0, ti = 0, fi = 0;
	for (uint32_t i = 0; i < m->npools; i++) {
		const struct rp_model_pool *p = &m->pools[pord[i]];
		struct rp_blob_pool *bp = (struct rp_blob_pool *)(b + pools_off) + i;

		copy_str(bp->name, sizeof(bp->name), p->name);
		copy_str(bp->node, sizeof(bp->node), p->node);
		bp->family = p->family;
		bp->prefix = p->subnet.prefix;
		bp->flags = (uint8_t)((p->is_default ? RP_BLOB_POOL_DEFAULT : 0) |
				      (p->disable ? RP_BLOB_POOL_DISABLE : 0) |
				      (p->has_gateway ? RP_BLOB_POOL_GATEWAY : 0));
		memcpy(bp->subnet, p->subnet.addr.b, 16);
		if (p->has_gateway)
			memcpy(bp->gateway, p->gateway.b, 16);
		bp->ips_first = ri;
		bp->nips = p->nips;
		for (uint32_t j = 0; j < p->nips; j++)
			put_range(&rg[ri++], &p->ips[j]);
		bp->excl_first = ri;
		bp->nexcl = p->nexcl;
		for (uint32_t j = 0; j < p->nexcl; j++)
			put_range(&rg[ri++], &p->excl[j]);
		bp->routes_first = ti;
		bp->nroutes = p->nroutes;
		for (uint32_t j = 0; j < p->nroutes; j++, ti++) {
			memcpy(rt[ti].dst, p->routes[j].dst.addr.b, 16);
			memcpy(rt[ti].gw, p->routes[j].gw.b, 16);
			rt[ti].family = p->routes[j].dst.addr.family;
			rt[ti].prefix = p->routes[j].dst.prefix;
		}
	}
	struct rp_blob_ref *rf = (struct rp_blob_ref *)(b + refs_off);
	for (uint32_t i = 0; i < m->nnets; i++) {
		const struct rp_model_net *n = &m->nets[nord[i]];
		struct rp_blob_net *bn = (struct rp_blob_net *)(b + nets_off) + i;

		copy_str(bn->name, sizeof(bn->name), n->name);
		copy_str(bn->ns, sizeof(bn->ns), n->ns);
		copy_str(bn->master, sizeof(bn->master), n->master);
		copy_str(bn->resource, sizeof(bn->resource), n->resource);
		copy_str(bn->rdma_resource, sizeof(bn->rdma_resource), n->rdma_resource);
		copy_str(bn->inject_rdma, sizeof(bn->inject_rdma), n->inject_rdma);
		copy_str(bn->inject_net, sizeof(bn->inject_net), n->inject_net);
		bn->cni_type = n->cni_type;
		bn->flags = (uint8_t)((n->rdma ? RP_BLOB_NET_RDMA : 0) | (n->match_master_subnet ? RP_BLOB_NET_MMS : 0));
		bn->mtu = n->mtu;
		bn->vlan = n->vlan;
		bn->v4_first = fi;
		bn->nv4 = n->nv4;
		for (uint32_t j = 0; j < n->nv4; j++)
			copy_str(rf[fi++].name, RP_NAME_MAX, n->v4[j]);
		bn->v6_first = fi;
		bn->nv6 = n->nv6;
		for (uint32_t j = 0; j < n->nv6; j++)
			copy_str(rf[fi++].name, RP_NAME_MAX, n->v6[j]);
	}
	for (uint32_t i = 0; i < m->npolicies; i++) {
		const struct rp_model_policy *p = &m->policies[i];
		struct rp_blob_policy *bp = (struct rp_blob_policy *)(b + pol_off) + i;

		copy_str(bp->name, sizeof(bp->name), p->name);
		copy_str(bp->ns, sizeof(bp->ns), p->ns);
		copy_str(bp->resource, sizeof(bp->resource), p->resource);
		copy_str(bp->node_hostname, sizeof(bp->node_hostname), p->node_hostname);
		bp->num_vfs = p->num_vfs;
		bp->npfs = p->npfs;
		for (uint32_t j = 0; j < p->npfs; j++) {
			copy_str(bp->pfs[j].name, sizeof(bp->pfs[j].name), p->pfs[j].name);
			bp->pfs[j].first = p->pfs[j].first;
			bp->pfs[j].last = p->pfs[j].last;
		}
		bp->is_rdma = p->is_rdma;
		bp->link_ib = !strcmp(p->link_type, "ib");
		bp->vfio = !strcmp(p->device_type, "vfio-pci");
		bp->priority = p->priority;
		bp->slot_base = bases[i];
	}
	for (uint32_t i = 0; i < m->nrdma; i++) {
		const struct rp_model_rdma *r = &m->rdma[i];
		struct rp_blob_rdma *br = (struct rp_blob_rdma *)(b + rdma_off) + i;

		copy_str(br->prefix, sizeof(br->prefix), r->prefix);
		copy_str(br->name, sizeof(br->name), r->name);
		br->hca_max = r->hca_max;
		br->nifnames = r->nifnames;
		for (uint32_t j = 0; j < r->nifnames; j++)
			copy_str(br->ifnames[j], sizeof(br->ifnames[j]), r->ifnames[j]);
		br->slot_base = bases[m->npolicies + i];
	}
	free(pord);
	free(nord);
	free(bases);
	*out = b;
	*len = (uint32_t)total;
	return 0;
}

/* ---- the view ---- */

static bool table_ok(const struct rp_blob_hdr *h, uint32_t off, uint32_t n, uint32_t size)
{
	uint64_t end = (uint64_t)off + (uint64_t)n * size;

	return off >= h->hdr_size && (off & 7u) == 0 && end <= h->total_size;
}

static bool str_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int rp_model_view_init(struct rp_model_view *v, const void *blob, uint32_t len, struct rp_err *e)
{
	const struct rp_blob_hdr *h = blob;

	memset(v, 0, sizeof(*v));
	if (!blob || !len)
		return 0;
	if ((uintptr_t)blob & 7u)
		return rp_err_set(e, -EBADMSG, "configuration blob: not 8-byte aligned");
	if (len < sizeof(*h))
		return rp_err_set(e, -EBADMSG, "configuration blob: %u bytes, shorter than its header", len);
	if (h->magic != RP_BLOB_MAGIC)
		return rp_err_set(e, -EBADMSG, "configuration blob: bad magic 0x%08x", h->magic);
	if (h->major != RP_BLOB_VERSION_MAJOR)
		return rp_err_set(e, -EPROTO, "configuration blob: version %u.%u, this railpool reads %u.x; re-apply the manifests with this version's railpoolctl",
				  h->major, h->minor, RP_BLOB_VERSION_MAJOR);
	if (h->hdr_size < sizeof(*h) || h->total_size != len || h->hdr_size > len)
		return rp_err_set(e, -EBADMSG, "configuration blob: header size %u / total size %u disagree with %u bytes",
				  h->hdr_size, h->total_size, len);
	/* A newer minor may grow records; we read the prefix we know. */
	if (h->pool_size < sizeof(struct rp_blob_pool) || h->net_size < sizeof(struct rp_blob_net) ||
	    h->policy_size < sizeof(struct rp_blob_policy) || h->rdma_size < sizeof(struct rp_blob_rdma))
		return rp_err_set(e, -EBADMSG, "configuration blob: record sizes too small");
	if (h->pool_size != sizeof(struct rp_blob_pool) || h->net_size != sizeof(struct rp_blob_net) ||
	    h->policy_size != sizeof(struct rp_blob_policy) || h->rdma_size != sizeof(struct rp_blob_rdma))
		return rp_err_set(e, -EPROTO, "configuration blob: record sizes of version %u.%u are not readable by this railpool",
				  h->major, h->minor);
	if (!table_ok(h, h->pools_off, h->npools, h->pool_size) ||
	    !table_ok(h, h->ranges_off, h->nranges, sizeof(struct rp_blob_range)) ||
	    !table_ok(h, h->routes_off, h->nroutes, sizeof(struct rp_blob_route)) ||
	    !table_ok(h, h->nets_off, h->nnets, h->net_size) ||
	    !table_ok(h, h->refs_off, h->nrefs, sizeof(struct rp_blob_ref)) ||
	    !table_ok(h, h->policies_off, h->npolicies, h->policy_size) ||
	    !table_ok(h, h->rdma_off, h->nrdma, h->rdma_size))
		return rp_err_set(e, -EBADMSG, "configuration blob: a table lies outside the blob");
	v->base = blob;
	v->len = len;
	v->h = h;
	v->pools = (const void *)(v->base + h->pools_off);
	v->ranges = (const void *)(v->base + h->ranges_off);
	v->routes = (const void *)(v->base + h->routes_off);
	v->nets = (const void *)(v->base + h->nets_off);
	v->refs = (const void *)(v->base + h->refs_off);
	v->policies = (const void *)(v->base + h->policies_off);
	v->rdma = (const void *)(v->base + h->rdma_off);
	for (uint32_t i = 0; i < h->npools; i++) {
		const struct rp_blob_pool *p = &v->pools[i];

		if (!str_ok(p->name, sizeof(p->name)) || !str_ok(p->node, sizeof(p->node)) ||
		    (p->family != 4 && p->family != 6) || p->prefix > (p->family == 4 ? 32 : 128) ||
		    (uint64_t)p->ips_first + p->nips > h->nranges || (uint64_t)p->excl_first + p->nexcl > h->nranges ||
		    (uint64_t)p->routes_first + p->nroutes > h->nroutes ||
		    (i && strcmp(v->pools[i - 1].name, p->name) >= 0))
			goto bad_record;
	}
	for (uint32_t i = 0; i < h->nnets; i++) {
		const struct rp_blob_net *n = &v->nets[i];

		if (!str_ok(n->name, sizeof(n->name)) || !str_ok(n->ns, sizeof(n->ns)) ||
		    !str_ok(n->master, sizeof(n->master)) || !str_ok(n->resource, sizeof(n->resource)) ||
		    !str_ok(n->rdma_resource, sizeof(n->rdma_resource)) ||
		    !str_ok(n->inject_rdma, sizeof(n->inject_rdma)) || !str_ok(n->inject_net, sizeof(n->inject_net)) ||
		    (uint64_t)n->v4_first + n->nv4 > h->nrefs || (uint64_t)n->v6_first + n->nv6 > h->nrefs)
			goto bad_record;
	}
	for (uint32_t i = 0; i < h->nrefs; i++)
		if (!str_ok(v->refs[i].name, sizeof(v->refs[i].name)))
			goto bad_record;
	for (uint32_t i = 0; i < h->npolicies; i++) {
		const struct rp_blob_policy *p = &v->policies[i];

		if (!str_ok(p->name, sizeof(p->name)) || !str_ok(p->ns, sizeof(p->ns)) ||
		    !str_ok(p->resource, sizeof(p->resource)) || !str_ok(p->node_hostname, sizeof(p->node_hostname)) ||
		    p->npfs > RP_MODEL_MAX_PFS)
			goto bad_record;
		for (uint32_t j = 0; j < p->npfs; j++)
			if (!str_ok(p->pfs[j].name, sizeof(p->pfs[j].name)))
				goto bad_record;
	}
	for (uint32_t i = 0; i < h->nrdma; i++) {
		const struct rp_blob_rdma *r = &v->rdma[i];

		if (!str_ok(r->prefix, sizeof(r->prefix)) || !str_ok(r->name, sizeof(r->name)) ||
		    r->nifnames > RP_MODEL_MAX_PFS)
			goto bad_record;
		for (uint32_t j = 0; j < r->nifnames; j++)
			if (!str_ok(r->ifnames[j], sizeof(r->ifnames[j])))
				goto bad_record;
	}
	return 0;
bad_record:
	memset(v, 0, sizeof(*v));
	return rp_err_set(e, -EBADMSG, "configuration blob: a record is malformed (string, family or index out of bounds)");
}

int rp_model_view_pool_find(const struct rp_model_view *v, const char *name)
{
	uint32_t lo = 0, hi = rp_model_view_npools(v);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v->pools[mid].name, name);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

const struct rp_blob_net *rp_model_view_net_find(const struct rp_model_view *v, const char *ns, const char *name)
{
	for (uint32_t i = 0; i < rp_model_view_nnets(v); i++)
		if ((!ns || !strcmp(v->nets[i].ns, ns)) && !strcmp(v->nets[i].name, name))
			return &v->nets[i];
	return NULL;
}

const struct rp_blob_policy *rp_model_view_policy_find(const struct rp_model_view *v, const char *resource)
{
	const char *slash = strrchr(resource, '/');
	uint32_t n = v->h ? v->h->npolicies : 0;

	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(v->policies[i].resource, resource))
			return &v->policies[i];
	if (slash)
		for (uint32_t i = 0; i < n; i++)
			if (!strcmp(v->policies[i].resource, slash + 1))
				return &v->policies[i];
	return NULL;
}

const struct rp_blob_rdma *rp_model_view_rdma_find(const struct rp_model_view *v, const char *resource)
{
	uint32_t n = v->h ? v->h->nrdma : 0;
	const char *slash = strrchr(resource, '/');

	for (uint32_t i = 0; i < n; i++) {
		size_t pl = strlen(v->rdma[i].prefix);

		if (slash && (size_t)(slash - resource) == pl && !strncmp(resource, v->rdma[i].prefix, pl) &&
		    !strcmp(slash + 1, v->rdma[i].name))
			return &v->rdma[i];
	}
	return NULL;
}

void rp_blob_pool_subnet(const struct rp_blob_pool *p, struct rp_cidr *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = p->family;
	memcpy(out->addr.b, p->subnet, 16);
	out->prefix = p->prefix;
}

bool rp_blob_pool_gateway(const struct rp_blob_pool *p, struct rp_addr *out)
{
	if (!(p->flags & RP_BLOB_POOL_GATEWAY))
		return false;
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	memcpy(out->b, p->gateway, 16);
	return true;
}

void rp_blob_range_get(const struct rp_model_view *v, uint32_t idx, uint8_t family, struct rp_range *out)
{
	memset(out, 0, sizeof(*out));
	out->lo.family = out->hi.family = family;
	memcpy(out->lo.b, v->ranges[idx].lo, 16);
	memcpy(out->hi.b, v->ranges[idx].hi, 16);
}

void rp_blob_pool_route(const struct rp_model_view *v, const struct rp_blob_pool *p, uint32_t i,
			struct rp_cidr *dst, struct rp_addr *gw)
{
	const struct rp_blob_route *r = &v->routes[p->routes_first + i];

	memset(dst, 0, sizeof(*dst));
	memset(gw, 0, sizeof(*gw));
	dst->addr.family = gw->family = r->family;
	memcpy(dst->addr.b, r->dst, 16);
	dst->prefix = r->prefix;
	memcpy(gw->b, r->gw, 16);
}

/* ---- the node store's configuration ---- */

/* Same layout as slot_ip() in shm/, built here so the apply path does not need the store. */
static struct rp_ip slot_ip(uint32_t index)
{
	struct rp_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = RP_FAM_SLOT;
	ip.b[12] = (uint8_t)(index >> 24);
	ip.b[13] = (uint8_t)(index >> 16);
	ip.b[14] = (uint8_t)(index >> 8);
	ip.b[15] = (uint8_t)index;
	return ip;
}

static bool policy_applies(const struct rp_model_policy *p, const char *node)
{
	return !p->node_hostname[0] || !node || !strcmp(p->node_hostname, node);
}

int rp_model_store_build(const struct rp_model *m, const char *node, struct rp_model_store *out, struct rp_err *e)
{
	uint32_t ndefs = 0, nranges = 0, di = 0, ri = 0;
	uint32_t *bases = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < m->npools; i++) {
		const struct rp_model_pool *p = &m->pools[i];

		if (p->node[0] && node && strcmp(p->node, node))
			continue;
		ndefs++;
		nranges += p->nips + p->nexcl;
	}
	for (uint32_t i = 0; i < m->npolicies; i++)
		if (policy_applies(&m->policies[i], node)) {
			ndefs++;
			nranges++;
		}
	ndefs += m->nrdma;
	nranges += m->nrdma;
	out->defs = calloc(ndefs ? ndefs : 1, sizeof(*out->defs));
	out->ranges = calloc(nranges ? nranges : 1, sizeof(*out->ranges));
	bases = slot_bases(m);
	if (!out->defs || !out->ranges || !bases) {
		rc = rp_err_set(e, -ENOMEM, "out of memory building the store configuration");
		goto err;
	}
	for (uint32_t i = 0; i < m->npools; i++) {
		const struct rp_model_pool *p = &m->pools[i];
		struct rp_store_pool_def *d;

		if (p->node[0] && node && strcmp(p->node, node))
			continue;
		d = &out->defs[di++];
		copy_str(d->name, sizeof(d->name), p->name);
		d->family = p->family;
		d->ranges = &out->ranges[ri];
		d->nranges = p->nips;
		for (uint32_t j = 0; j < p->nips; j++) {
			rp_addr_to_ip(&p->ips[j].lo, &out->ranges[ri].lo);
			rp_addr_to_ip(&p->ips[j].hi, &out->ranges[ri++].hi);
		}
		d->excl = &out->ranges[ri];
		d->nexcl = p->nexcl;
		for (uint32_t j = 0; j < p->nexcl; j++) {
			rp_addr_to_ip(&p->excl[j].lo, &out->ranges[ri].lo);
			rp_addr_to_ip(&p->excl[j].hi, &out->ranges[ri++].hi);
		}
		/* A pool's gateway is never handed out even if a range covers it (validation refuses
		 * that, but a hand-built model might not have been validated). */
	}
	for (uint32_t i = 0; i < m->npolicies; i++) {
		const struct rp_model_policy *p = &m->policies[i];
		uint32_t slots = rp_model_policy_slots(p);
		struct rp_store_pool_def *d;

		if (!policy_applies(p, node))
			continue;
		d = &out->defs[di++];
		if ((size_t)snprintf(d->name, sizeof(d->name), "vf:%s", p->resource) >= sizeof(d->name)) {
			rc = rp_err_set(e, -EINVAL, "%s: slot pool name vf:%s is too long", p->src.where, p->resource);
			goto err;
		}
		d->family = RP_FAM_SLOT;
		d->ranges = &out->ranges[ri];
		d->nranges = slots ? 1 : 0;
		if (slots > 65536) {
			rc = rp_err_set(e, -EINVAL, "%s: provisions %u VFs; at most 65536 per resource", p->src.where, slots);
			goto err;
		}
		if (slots) {
			out->ranges[ri].lo = slot_ip(bases[i]);
			out->ranges[ri].hi = slot_ip(bases[i] + slots - 1);
			ri++;
		}
	}
	for (uint32_t i = 0; i < m->nrdma; i++) {
		const struct rp_model_rdma *r = &m->rdma[i];
		struct rp_store_pool_def *d = &out->defs[di++];

		if ((size_t)snprintf(d->name, sizeof(d->name), "rdma:%s/%s", r->prefix, r->name) >= sizeof(d->name)) {
			rc = rp_err_set(e, -EINVAL, "%s: slot pool name rdma:%s/%s is too long", r->src.where, r->prefix,
					r->name);
			goto err;
		}
		d->family = RP_FAM_SLOT;
		d->ranges = &out->ranges[ri];
		d->nranges = 1;
		out->ranges[ri].lo = slot_ip(bases[m->npolicies + i]);
		out->ranges[ri].hi = slot_ip(bases[m->npolicies + i] + (r->hca_max ? r->hca_max - 1 : 0));
		ri++;
	}
	rc = rp_model_encode(m, &out->blob, &out->cfg.blob_len, e);
	if (rc)
		goto err;
	out->cfg.npools = di;
	out->cfg.pools = out->defs;
	out->cfg.blob = out->blob;
	free(bases);
	return 0;
err:
	free(bases);
	rp_model_store_free(out);
	return rc;
}

void rp_model_store_free(struct rp_model_store *out)
{
	free(out->defs);
	free(out->ranges);
	free(out->blob);
	memset(out, 0, sizeof(*out));
}
