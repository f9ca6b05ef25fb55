/* SPDX-License-Identifier: Apache-2.0 */
/* IPAM ADD/DEL/CHECK/GC/STATUS over the node store (see core/ipam.h for the contract). */
#include "core/ipam.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/model.h"
#include "core/owner_data.h"
#include "core/select.h"
#include "core/session.h"

/* A selected pool: store index and blob record. */
struct sel_pool {
	uint32_t idx;
	const struct rp_blob_pool *bp;
};

struct sel {
	uint32_t n;
	struct sel_pool p[RP_CNI_MAX_POOLS * 4];
};

/* @state_path is normally resolved by the caller already; NULL/"" falls back to env/default. */
static const char *state_of(const struct rp_cni_conf *c, const char *state_path)
{
	if ((!state_path || !*state_path) && c->state_file[0])
		return c->state_file;
	return rp_store_path(state_path);
}

/* Appends to @why (for the "nothing usable" message) without overflowing. */
static void why_add(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_add(char *why, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(why + n, cap - n, fmt, ap);
	va_end(ap);
}

/*
 * The pools of @fam to try, in core/select's order, mapped to store indices.  nodeName is not
 * filtered here: the store holds only this node's pools (railpoolctl apply --node), so a pool of
 * another node simply is not applied — reported as such.  @nrefs 0 means the default pools
 * (only when the config names no pool at all; see @use_defaults).
 * Returns 0 with sl->n possibly 0 (family not used), or -ENOENT (code 101) naming what was tried.
 */
static int select_family(struct rp_store *s, const struct rp_model_view *v, uint8_t fam,
			 const char (*refs)[RP_NAME_MAX], uint32_t nrefs, bool use_defaults, struct sel *sl,
			 struct rp_err *e)
{
	const char *refp[RP_CNI_MAX_POOLS];
	uint32_t idx[RP_ARRAY_SIZE(sl->p)];
	struct rp_select_req req = {0};
	struct rp_err se = {0};
	char what[32], why[512] = "";
	int n;

	sl->n = 0;
	if (!nrefs && !use_defaults)
		return 0;
	for (uint32_t r = 0; r < nrefs; r++)
		refp[r] = refs[r];
	snprintf(what, sizeof(what), "ipam.ippools.ipv%u", fam);
	req.family = fam;
	req.refs = refp;
	req.nrefs = nrefs;
	req.what = what;
	n = rp_select_pools(v, &req, idx, RP_ARRAY_SIZE(idx), &se);
	if (n == -E2BIG)
		n = (int)RP_ARRAY_SIZE(idx); /* the first ones are plenty to try */
	if (n == -ENOENT && !nrefs)
		return 0; /* no default pool of this family: the family is simply not used */
	if (n < 0)
		return rp_err_setc(e, n, n == -ENOENT ? RP_CNI_ERR_NO_POOL : RP_CNI_ERR_INVALID_CONFIG,
			    "%s; check the names against `railpoolctl get pools`", se.msg);
	for (int i = 0; i < n; i++) {
		const struct rp_blob_pool *bp = &v->pools[idx[i]];
		int si = rp_store_pool_find(s, bp->name);
		if (si < 0) {
			why_add(why, sizeof(why), "%s%s (not applied on this node; nodeName \"%s\")", why[0] ? ", " : "",
				bp->name, bp->node);
			continue;
		}
		sl->p[sl->n].idx = (uint32_t)si;
		sl->p[sl->n].bp = bp;
		sl->n++;
	}
	if (!sl->n)
		return rp_err_setc(e, -ENOENT, RP_CNI_ERR_NO_POOL, "%s: no IPv%u pool usable here: %s", what, fam, why);
	return 0;
}

/* Both families; with no ippools at all, the default pools of each (Spiderpool's behaviour). */
static int select_both(struct rp_store *s, const struct rp_model_view *v, const struct rp_cni_conf *c,
		       struct sel *s4, struct sel *s6, struct rp_err *e)
{
	bool defaults = !c->npools_v4 && !c->npools_v6;
	int ret;

	if ((ret = select_family(s, v, RP_FAM_V4, (const char (*)[RP_NAME_MAX])c->pools_v4, c->npools_v4,
				 defaults, s4, e)) ||
	    (ret = select_family(s, v, RP_FAM_V6, (const char (*)[RP_NAME_MAX])c->pools_v6, c->npools_v6,
				 defaults, s6, e)))
		return ret;
	if (!s4->n && !s6->n)
		return rp_err_setc(e, -ENOENT, RP_CNI_ERR_NO_POOL, "ipam.ippools names no pool and no applied pool is "
			    "marked default: true; list pools in ipam.ippools.ipv4 / ipv6");
	return 0;
}

static int pool_list(const struct sel *sl, uint32_t *idx, char *names, size_t cap)
{
	names[0] = '\0';
	for (uint32_t i = 0; i < sl->n; i++) {
		idx[i] = sl->p[i].idx;
		why_add(names, cap, "%s%s", i ? ", " : "", sl->p[i].bp->name);
	}
	return (int)sl->n;
}

static bool route_dup(json_t *res, const char *dst)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(res, "routes"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "dst")), dst))
			return true;
	return false;
}

static int add_route(json_t *res, const struct rp_ip *dst, uint8_t prefix, const struct rp_ip *gw)
{
	char a[64], d[80];

	rp_ip_format(dst, a, sizeof(a));
	snprintf(d, sizeof(d), "%s/%u", a, prefix);
	if (route_dup(res, d)) /* several leases from pools with the same route */
		return 0;
	return rp_cni_result_add_route(res, dst, prefix, gw);
}

static int build_result(struct rp_store *s, const struct rp_model_view *v, const struct rp_cni_conf *c,
			const struct rp_lease_info *leases, uint32_t n, json_t **out, struct rp_err *e)
{
	json_t *res = rp_cni_result_new(c->cni_version);

	if (!res)
		goto err_nomem;
	for (uint32_t i = 0; i < n; i++) {
		const struct rp_blob_pool *bp = rp_session_pool_of_store(s, v, leases[i].pool);
		struct rp_ip gw;
		bool has_gw;
		char a[64];

		if (!bp) {
			rp_ip_format(&leases[i].ip, a, sizeof(a));
			json_decref(res);
			return rp_err_setc(e, -ESTALE, RP_CNI_ERR_CONFIG_CHANGED,
				    "address %s is no longer in any applied pool (pools changed); DEL and ADD again", a);
		}
		has_gw = bp->flags & RP_BLOB_POOL_GATEWAY;
		gw = rp_session_blob_ip(bp->family, bp->gateway);
		if (rp_cni_result_add_ip(res, c->version, &leases[i].ip, bp->prefix, has_gw ? &gw : NULL))
			goto err_nomem;
		for (uint32_t r = 0; r < bp->nroutes; r++) {
			const struct rp_blob_route *rt = &v->routes[bp->routes_first + r];
			struct rp_ip dst = rp_session_blob_ip(rt->family, rt->dst), rgw = rp_session_blob_ip(rt->family, rt->gw);
			const struct rp_ip *g = !rp_session_ip_is_zero(rt->gw) ? &rgw : has_gw ? &gw : NULL;
			if (add_route(res, &dst, rt->prefix, g))
				goto err_nomem;
		}
		if (c->default_route && has_gw) {
			struct rp_ip any = {.family = bp->family};
			if (add_route(res, &any, 0, &gw))
				goto err_nomem;
		}
	}
	/* ipam.routes of a family we handed an address of */
	for (uint32_t r = 0; r < c->nroutes; r++) {
		bool fam = false;
		for (uint32_t i = 0; i < n; i++)
			fam |= leases[i].ip.family == c->routes[r].dst.ip.family;
		if (fam && add_route(res, &c->routes[r].dst.ip, c->routes[r].dst.prefix,
				     c->routes[r].gw.family ? &c->routes[r].gw : NULL))
			goto err_nomem;
	}
	*out = res;
	return 0;
err_nomem:
	json_decref(res);
	return rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory building the result");
}

/* Every requested address, from CNI_ARGS and the config. */
static uint32_t requests(const struct rp_cni_env *env, const struct rp_cni_conf *c, struct rp_cni_ip *out,
			 uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < env->nips && n < cap; i++)
		out[n++] = env->ips[i];
	for (uint32_t i = 0; i < c->nreq && n < cap; i++) {
		bool dup = false;
		for (uint32_t j = 0; j < n; j++)
			dup |= !memcmp(&out[j].ip, &c->req[i].ip, sizeof(struct rp_ip));
		if (!dup)
			out[n++] = c->req[i];
	}
	return n;
}

/* Reserve everything @o needs in the pinned generation. */
static int reserve_all(struct rp_store *s, struct rp_owner *o, const struct rp_cni_env *env,
		       const struct rp_cni_conf *c, const struct sel *s4, const struct sel *s6,
		       struct rp_lease_info *leases, uint32_t *nleases, struct rp_err *e)
{
	struct rp_cni_ip req[RP_CNI_MAX_IPS * 2];
	uint32_t nreq = requests(env, c, req, RP_ARRAY_SIZE(req));
	const struct sel *sels[2] = {s4, s6};
	const uint8_t fams[2] = {RP_FAM_V4, RP_FAM_V6};

	*nleases = 0;
	for (int f = 0; f < 2; f++) {
		uint32_t idx[RP_ARRAY_SIZE(s4->p)];
		char names[512];
		bool requested = false;
		int np = pool_list(sels[f], idx, names, sizeof(names));
		struct rp_err re = {0};
		int ret;

		for (uint32_t r = 0; r < nreq; r++) {
			char a[64];
			if (req[r].ip.family != fams[f])
				continue;
			requested = true;
			rp_ip_format(&req[r].ip, a, sizeof(a));
			if (!np)
				return rp_err_setc(e, -ENOENT, RP_CNI_ERR_IP_NOT_IN_POOL,
					    "requested address %s: the config selects no IPv%u pool "
					    "(ipam.ippools.ipv%u); add the pool that holds it", a, fams[f], fams[f]);
			ret = rp_store_reserve(s, o, idx, (uint32_t)np, &req[r].ip, &leases[*nleases], &re);
			if (ret == -EADDRINUSE)
				return rp_err_setc(e, ret, RP_CNI_ERR_IP_IN_USE,
					    "requested address %s is already in use (pools %s); pick another or DEL "
					    "the attachment holding it", a, names);
			if (ret == -ENOENT)
				return rp_err_setc(e, ret, RP_CNI_ERR_IP_NOT_IN_POOL,
					    "requested address %s is not in any selected IPv%u pool (%s)", a, fams[f], names);
			if (ret)
				return rp_err_setc(e, ret, ret == -E2BIG ? RP_CNI_ERR_INVALID_CONFIG : RP_CNI_ERR_INTERNAL,
					    "reserving requested address %s: %s", a, re.msg[0] ? re.msg : strerror(-ret));
			(*nleases)++;
		}
		if (requested || !np)
			continue;
		ret = rp_store_reserve(s, o, idx, (uint32_t)np, NULL, &leases[*nleases], &re);
		if (ret == -ENOSPC)
			return rp_err_setc(e, ret, RP_CNI_ERR_POOL_EXHAUSTED,
				    "IPv%u pools exhausted: no free address in %s; grow the pool (railpoolctl apply) or "
				    "release attachments (railpoolctl gc)", fams[f], names);
		if (ret)
			return rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "reserving an IPv%u address from %s: %s", fams[f],
				    names, re.msg[0] ? re.msg : strerror(-ret));
		(*nleases)++;
	}
	return 0;
}

static int netns_fits(const char *netns)
{
	return strlen(netns) < RP_NETNS_MAX;
}

int rp_ipam_add(const struct rp_cni_env *env, const struct rp_cni_conf *c, const char *state_path,
		json_t **result, struct rp_err *e)
{
	const char *path = state_of(c, state_path);
	struct rp_owner_key key = {env->container_id, env->ifname};
	struct rp_store *s;
	struct rp_store_view sv;
	struct rp_model_view v;
	struct rp_owner_info info;
	struct rp_owner o;
	struct rp_owner_data od;
	struct rp_lease_info leases[RP_OWNER_MAX_LEASES];
	uint32_t nleases;
	struct sel s4, s6;
	int ret, attempt;

	*result = NULL;
	ret = rp_session_open_store(path, &s, e);
	if (ret)
		return ret;
	rp_owner_data_init(&od, RP_OWNER_KIND_IPAM, c->name);
	for (attempt = 0;; attempt++) {
		ret = rp_session_view(s, &sv, &v, path, true, e);
		if (ret)
			goto out_close;
		if ((ret = select_both(s, &v, c, &s4, &s6, e)))
			goto out_end;
		ret = rp_store_owner_begin(s, &key, netns_fits(env->netns) ? env->netns : "", &o, &info, NULL);
		if (ret == RP_OWNER_EXISTS) {
			/* Idempotent ADD: the same addresses again. */
			ret = build_result(s, &v, c, info.leases, info.nleases, result, e);
			goto out_end;
		}
		if (ret == -EBUSY) {
			rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "container %s ifname %s: another railpool process is "
			     "adding or deleting this attachment; try again", env->container_id, env->ifname);
			goto out_end;
		}
		if (ret == -ENOSPC) {
			rp_err_setc(e, ret, RP_CNI_ERR_OWNER_TABLE_FULL, "node store %s: the attachment table is full; run "
			     "`railpoolctl gc` or recreate the store with more owners", path);
			goto out_end;
		}
		if (ret) {
			rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "container %s ifname %s: cannot start the attachment: %s",
			     env->container_id, env->ifname, strerror(-ret));
			goto out_end;
		}
		ret = reserve_all(s, &o, env, c, &s4, &s6, leases, &nleases, e);
		if (ret)
			goto out_abort;
		ret = rp_store_owner_set_data(s, &o, &od, sizeof(od));
		if (ret) {
			rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "recording the attachment: %s", strerror(-ret));
			goto out_abort;
		}
		ret = build_result(s, &v, c, leases, nleases, result, e);
		if (ret)
			goto out_abort;
		ret = rp_store_commit(s, &o, NULL);
		if (ret == -ESTALE && attempt == 0) {
			/* A config published meanwhile excluded a lease: start over on the new one. */
			json_decref(*result);
			*result = NULL;
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		if (ret) {
			json_decref(*result);
			*result = NULL;
			rp_err_setc(e, ret, ret == -ESTALE ? RP_CNI_ERR_CONFIG_CHANGED : RP_CNI_ERR_INTERNAL,
			     "committing the attachment: %s; try again", strerror(-ret));
			goto out_abort;
		}
		goto out_end;
	}
out_abort:
	rp_store_abort(s, &o);
out_end:
	rp_store_read_end(s);
out_close:
	rp_store_close(s);
	return ret < 0 ? ret : 0;
}

/* Pin a generation without viewing the model: DEL and GC need only the store. */
static int session_pin(struct rp_session *ss, struct rp_err *e)
{
	int ret = rp_store_read_begin(ss->store, &ss->sv);

	if (ret)
		return rp_err_setc(e, ret, RP_CNI_ERR_IO, "node store %s: %s", ss->path, strerror(-ret));
	ss->reading = true;
	return 0;
}

int rp_ipam_del(const struct rp_cni_env *env, const struct rp_cni_conf *c, const char *state_path,
		struct rp_err *e)
{
	struct rp_owner_key key = {env->container_id, env->ifname};
	struct rp_session ss;
	int ret;

	ret = rp_session_open(&ss, state_of(c, state_path), e);
	if (ret == -ENOENT)
		return 0; /* nothing was ever allocated here */
	if (ret)
		return ret;
	ret = session_pin(&ss, e);
	if (ret)
		goto out;
	ret = rp_store_release(ss.store, &key, NULL);
	if (ret == -EBUSY)
		rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "container %s ifname %s: another railpool process is working "
		     "on this attachment; try again", env->container_id, env->ifname);
	else if (ret < 0)
		rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "releasing container %s ifname %s: %s", env->container_id,
		     env->ifname, strerror(-ret));
out:
	rp_session_close(&ss);
	return ret < 0 ? ret : 0;
}

static bool prev_has(const struct rp_cni_conf *c, const struct rp_ip *ip, uint8_t prefix)
{
	for (uint32_t i = 0; i < c->nprev; i++)
		if (!memcmp(&c->prev[i].ip, ip, sizeof(*ip)) && (!prefix || c->prev[i].prefix == prefix))
			return true;
	return false;
}

int rp_ipam_check(const struct rp_cni_env *env, const struct rp_cni_conf *c, const char *state_path,
		  struct rp_err *e)
{
	const char *path = state_of(c, state_path);
	struct rp_owner_key key = {env->container_id, env->ifname};
	struct rp_session ss;
	struct rp_owner_info info;
	int ret;

	ret = rp_session_open(&ss, path, e);
	if (ret == -ENOENT)
		return rp_err_setc(e, ret, RP_CNI_ERR_UNKNOWN_CONTAINER, "container %s ifname %s: no addresses held "
			    "(node store %s does not exist)", env->container_id, env->ifname, path);
	if (ret)
		return ret;
	ret = rp_session_read(&ss, true, e);
	if (ret)
		goto out;
	ret = rp_store_lookup(ss.store, &key, &info);
	if (ret == -ENOENT) {
		rp_err_setc(e, ret, RP_CNI_ERR_UNKNOWN_CONTAINER, "container %s ifname %s: railpool holds no addresses "
		     "for this attachment", env->container_id, env->ifname);
		goto out;
	}
	if (ret == -EBUSY) {
		rp_err_setc(e, ret, RP_CNI_ERR_TRY_AGAIN, "container %s ifname %s: being added or deleted; try again",
		     env->container_id, env->ifname);
		goto out;
	}
	if (ret) {
		rp_err_setc(e, ret, RP_CNI_ERR_INTERNAL, "looking up container %s: %s", env->container_id, strerror(-ret));
		goto out;
	}
	for (uint32_t i = 0; i < info.nleases; i++) {
		const struct rp_blob_pool *bp = rp_session_pool_of_store(ss.store, &ss.v, info.leases[i].pool);
		char a[64];

		rp_ip_format(&info.leases[i].ip, a, sizeof(a));
		if (!bp) {
			ret = rp_err_setc(e, -ESTALE, RP_CNI_ERR_CHECK_MISMATCH, "container %s ifname %s: address %s is no "
				   "longer in any applied pool", env->container_id, env->ifname, a);
			goto out;
		}
		if (c->has_prev && !prev_has(c, &info.leases[i].ip, bp->prefix)) {
			ret = rp_err_setc(e, -EINVAL, RP_CNI_ERR_CHECK_MISMATCH, "container %s ifname %s: railpool holds "
				   "%s/%u but prevResult.ips does not list it", env->container_id, env->ifname, a,
				   bp->prefix);
			goto out;
		}
	}
	for (uint32_t i = 0; c->has_prev && i < c->nprev; i++) {
		bool held = false;
		char a[64];
		for (uint32_t j = 0; j < info.nleases; j++)
			held |= !memcmp(&info.leases[j].ip, &c->prev[i].ip, sizeof(struct rp_ip));
		if (!held) {
			rp_ip_format(&c->prev[i].ip, a, sizeof(a));
			ret = rp_err_setc(e, -EINVAL, RP_CNI_ERR_CHECK_MISMATCH, "container %s ifname %s: prevResult.ips "
				   "lists %s, which railpool does not hold for this attachment", env->container_id,
				   env->ifname, a);
			goto out;
		}
	}
	ret = 0;
out:
	rp_session_close(&ss);
	return ret;
}

struct gc_arg {
	const struct rp_cni_conf *c;
	uint64_t net_hash;
};

/* rp_store_gc keep-callback: non-zero keeps the attachment. */
static int gc_keep(const struct rp_owner_info *info, void *arg)
{
	const struct gc_arg *g = arg;
	struct rp_owner_data d;

	if (!rp_owner_data_get(info, &d) || d.kind != RP_OWNER_KIND_IPAM || d.net_hash != g->net_hash)
		return 1; /* not this network's: never ours to judge */
	return rp_cni_conf_valid_has(g->c, info->container_id, info->ifname);
}

int rp_ipam_gc(const struct rp_cni_env *env, const struct rp_cni_conf *c, const char *state_path,
	       struct rp_err *e)
{
	struct gc_arg g = {c, rp_owner_net_hash(c->name)};
	struct rp_sweep_stats st;
	struct rp_session ss;
	int ret;

	(void)env;
	if (!c->has_valid)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "GC: the config has no "
			    "\"cni.dev/valid-attachments\" list; refusing to guess which attachments are live");
	ret = rp_session_open(&ss, state_of(c, state_path), e);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	ret = session_pin(&ss, e);
	if (ret)
		goto out;
	ret = rp_store_gc(ss.store, gc_keep, &g, false);
	if (ret >= 0) {
		rp_log(RP_LOG_INFO, "GC of network %s: released %d attachment(s)", c->name, ret);
		(void)rp_store_sweep(ss.store, 0, &st);
		ret = 0;
	} else {
		rp_err_setc(e, ret, ret == -EBUSY ? RP_CNI_ERR_TRY_AGAIN : RP_CNI_ERR_INTERNAL, "GC of network %s: %s",
		     c->name, strerror(-ret));
	}
out:
	rp_session_close(&ss);
	return ret;
}

int rp_ipam_status(const struct rp_cni_env *env, const struct rp_cni_conf *c, const char *state_path,
		   struct rp_err *e)
{
	struct rp_session ss;
	struct rp_err ie = {0};
	struct sel sl[2];
	int ret;

	(void)env;
	ret = rp_session_open(&ss, state_of(c, state_path), &ie);
	if (!ret)
		ret = rp_session_read(&ss, true, &ie);
	if (!ret)
		ret = select_both(ss.store, &ss.v, c, &sl[0], &sl[1], &ie);
	if (ret) {
		rp_err_setc(e, ret, RP_CNI_ERR_NOT_AVAILABLE, "%s", ie.msg);
		goto out;
	}
	for (int f = 0; f < 2; f++) {
		uint64_t free_total = 0;
		char names[512];
		uint32_t idx[RP_ARRAY_SIZE(sl[0].p)];

		if (!sl[f].n)
			continue;
		pool_list(&sl[f], idx, names, sizeof(names));
		for (uint32_t i = 0; i < sl[f].n; i++) {
			struct rp_store_pool_info pi;
			if (rp_store_pool_info(ss.store, sl[f].p[i].idx, &pi) == 0)
				free_total += pi.free;
		}
		if (!free_total) {
			ret = rp_err_setc(e, -ENOSPC, RP_CNI_ERR_NOT_AVAILABLE, "IPv%d pools exhausted: no free address in %s",
				   f ? 6 : 4, names);
			goto out;
		}
	}
	ret = 0;
out:
	rp_session_close(&ss);
	return ret;
}

int rp_ipam_run(const struct rp_cni_env *env, const struct rp_cni_conf *conf, const char *state_path,
		json_t **result, struct rp_err *e)
{
	*result = NULL;
	switch (env->cmd) {
	case RP_CNI_CMD_ADD:
		return rp_ipam_add(env, conf, state_path, result, e);
	case RP_CNI_CMD_DEL:
		return rp_ipam_del(env, conf, state_path, e);
	case RP_CNI_CMD_CHECK:
		return rp_ipam_check(env, conf, state_path, e);
	case RP_CNI_CMD_GC:
		return rp_ipam_gc(env, conf, state_path, e);
	case RP_CNI_CMD_STATUS:
		return rp_ipam_status(env, conf, state_path, e);
	default:
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_ENV, "CNI_COMMAND %s is not an IPAM command",
			    rp_cni_cmd_name(env->cmd));
	}
}
