/* SPDX-License-Identifier: Apache-2.0 */
/* The rails-mode plugin config: parse and print (see core/railsconf.h for the shape). */
#include "core/railsconf.h"

#include <errno.h>
#include <netinet/ether.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CNI_ERR_UNSUPPORTED_FIELD 2
#define CNI_ERR_INVALID_CONFIG 7

static int bad(struct rp_err *e, int cni_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct rp_err *e, int cni_code, const char *fmt, ...)
{
	char msg[RP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp_err_set(e, -EINVAL, "rails config: %s", msg);
	if (e)
		e->cni_code = cni_code;
	return -EINVAL;
}

void rp_railsconf_init(struct rp_railsconf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->route_table_base = RP_RAILSCONF_DEFAULT_TABLE_BASE;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* Copy string field @key of @obj into @dst (absent: untouched).  @path prefixes the field name. */
static int get_str(const json_t *obj, const char *path, const char *key, char *dst, size_t cap, bool nonempty,
		   struct rp_err *e)
{
	const json_t *v = json_object_get(obj, key);
	size_t n;

	if (!v)
		return 0;
	if (!json_is_string(v))
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s must be a string, not %s", path, key, type_name(v));
	n = json_string_length(v);
	if (n >= cap)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s \"%s\" is too long (at most %zu characters)", path, key,
			   json_string_value(v), cap - 1);
	if (nonempty && n == 0)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s must not be empty", path, key);
	if (strlen(json_string_value(v)) != n)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s contains a NUL character", path, key);
	memcpy(dst, json_string_value(v), n + 1);
	return 0;
}

static int get_uint(const json_t *obj, const char *path, const char *key, uint32_t max, uint32_t *dst,
		    struct rp_err *e)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s must be an integer, not %s", path, key, type_name(v));
	if (json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)max)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s %" JSON_INTEGER_FORMAT " is out of range (0..%u)", path,
			   key, json_integer_value(v), max);
	*dst = (uint32_t)json_integer_value(v);
	return 0;
}

static int get_bool(const json_t *obj, const char *path, const char *key, bool *dst, struct rp_err *e)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s must be true or false, not %s", path, key, type_name(v));
	*dst = json_is_true(v);
	return 0;
}

static int get_pools(const json_t *ipp, const char *path, const char *fam, char (*dst)[RP_NAME_MAX],
		     uint32_t *n, struct rp_err *e)
{
	const json_t *a = json_object_get(ipp, fam), *it;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools.%s must be an array of pool names, not %s", path, fam,
			   type_name(a));
	if (json_array_size(a) > RP_RAIL_POOLS_MAX)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools.%s lists %zu pools; at most %d", path, fam,
			   json_array_size(a), RP_RAIL_POOLS_MAX);
	json_array_foreach(a, i, it) {
		if (!json_is_string(it) || !json_string_length(it))
			return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools.%s[%zu] must be a non-empty pool name", path,
				   fam, i);
		if (json_string_length(it) >= RP_NAME_MAX)
			return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools.%s[%zu] \"%s\" is too long (pool names have at most %d characters)",
				   path, fam, i, json_string_value(it), RP_NAME_MAX - 1);
		snprintf(dst[i], RP_NAME_MAX, "%s", json_string_value(it));
	}
	*n = (uint32_t)json_array_size(a);
	return 0;
}

static const char *const rail_keys[] = { "network",      "cniType", "master",        "resourceName",
					 "rdmaResourceName", "mtu",   "vlanID",        "rdmaIsolation",
					 "matchMasterSubnet", "ippools", "vlanQoS", "spoofchk", "trust",
					 "link_state", "mac" };

/* A string field that must be one of @words (NULL-terminated); its index in *@dst, or -1 when
 * absent. */
static int get_word(const json_t *obj, const char *path, const char *key, const char *const *words,
		    int32_t *dst, struct rp_err *e)
{
	const json_t *v = json_object_get(obj, key);
	char list[96] = "";
	size_t off = 0;

	*dst = -1;
	if (!v)
		return 0;
	for (int i = 0; json_is_string(v) && words[i]; i++)
		if (!strcmp(json_string_value(v), words[i])) {
			*dst = i;
			return 0;
		}
	for (int i = 0; words[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "", words[i]);
	if (json_is_string(v))
		return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s: \"%s\" is not one of %s", path, key,
			   json_string_value(v), list);
	return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s must be one of %s, not %s", path, key, list, type_name(v));
}

/* The sriov-cni style VF settings of an inline sriov rail. */
static int get_vf_settings(const json_t *r, const char *path, struct rp_railsconf_rail *out, struct rp_err *e)
{
	static const char *const off_on[] = { "off", "on", NULL };
	/* indices are the kernel's IFLA_VF_LINK_STATE_* values (vf/cfg.h RP_VF_LINK_*) */
	static const char *const link[] = { "auto", "enable", "disable", NULL };
	const json_t *m = json_object_get(r, "mac");
	uint32_t qos = 0;
	int rc;

	if ((rc = get_word(r, path, "spoofchk", off_on, &out->spoofchk, e)) ||
	    (rc = get_word(r, path, "trust", off_on, &out->trust, e)) ||
	    (rc = get_word(r, path, "link_state", link, &out->link_state, e)) ||
	    (rc = get_uint(r, path, "vlanQoS", 7, &qos, e)))
		return rc;
	out->vlan_qos = json_object_get(r, "vlanQoS") ? (int32_t)qos : -1;
	if (m) {
		struct ether_addr a;

		if (!json_is_string(m) || !ether_aton_r(json_string_value(m), &a))
			return bad(e, CNI_ERR_INVALID_CONFIG, "%smac must be a MAC address like \"02:00:00:00:00:01\"",
				   path);
		if (a.ether_addr_octet[0] & 1)
			return bad(e, CNI_ERR_INVALID_CONFIG, "%smac %s is a multicast address; a VF needs a unicast MAC",
				   path, json_string_value(m));
		memcpy(out->mac, a.ether_addr_octet, 6);
		out->has_mac = true;
	}
	return 0;
}

static int parse_rail(const json_t *r, size_t i, struct rp_railsconf_rail *out, struct rp_err *e)
{
	char path[48];
	const char *k;
	json_t *v;
	int rc;

	snprintf(path, sizeof(path), "rails[%zu].", i);
	if (!json_is_object(r))
		return bad(e, CNI_ERR_INVALID_CONFIG, "rails[%zu] must be an object like {\"network\": \"gpu1-macvlan\"}, not %s",
			   i, type_name(r));
	json_object_foreach((json_t *)r, k, v) {
		bool known = false;

		for (size_t j = 0; j < RP_ARRAY_SIZE(rail_keys) && !known; j++)
			known = !strcmp(k, rail_keys[j]);
		if (!known)
			return bad(e, CNI_ERR_INVALID_CONFIG, "%s%s: unknown field; a rail has network, or cniType, master, resourceName, rdmaResourceName, mtu, vlanID, rdmaIsolation, matchMasterSubnet, ippools (sriov also vlanQoS, spoofchk, trust, link_state, mac)",
				   path, k);
	}
	if ((rc = get_str(r, path, "network", out->network, sizeof(out->network), true, e)) ||
	    (rc = get_str(r, path, "cniType", out->cni_type, sizeof(out->cni_type), true, e)) ||
	    (rc = get_str(r, path, "master", out->master, sizeof(out->master), true, e)) ||
	    (rc = get_str(r, path, "resourceName", out->resource_name, sizeof(out->resource_name), true, e)) ||
	    (rc = get_str(r, path, "rdmaResourceName", out->rdma_resource_name, sizeof(out->rdma_resource_name),
			  false, e)) ||
	    (rc = get_uint(r, path, "mtu", 65535, &out->mtu, e)) ||
	    (rc = get_uint(r, path, "vlanID", 4094, &out->vlan_id, e)) ||
	    (rc = get_bool(r, path, "rdmaIsolation", &out->rdma_isolation, e)) ||
	    (rc = get_bool(r, path, "matchMasterSubnet", &out->match_master_subnet, e)) ||
	    (rc = get_vf_settings(r, path, out, e)))
		return rc;
	v = json_object_get(r, "ippools");
	if (v) {
		if (!json_is_object(v))
			return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools must be an object {\"ipv4\": [...], \"ipv6\": [...]}, not %s",
				   path, type_name(v));
		json_t *sub;

		json_object_foreach(v, k, sub) {
			(void)sub;
			if (strcmp(k, "ipv4") && strcmp(k, "ipv6"))
				return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools.%s: unknown field; use ipv4 and ipv6",
					   path, k);
		}
		v = json_object_get(r, "ippools");
		if ((rc = get_pools(v, path, "ipv4", out->pools_v4, &out->npools_v4, e)) ||
		    (rc = get_pools(v, path, "ipv6", out->pools_v6, &out->npools_v6, e)))
			return rc;
	}

	if (out->network[0]) {
		for (size_t j = 1; j < RP_ARRAY_SIZE(rail_keys); j++)
			if (json_object_get(r, rail_keys[j]))
				return bad(e, CNI_ERR_INVALID_CONFIG, "%s: names network \"%s\" and also sets %s; give either a network reference or an inline rail",
					   path, out->network, rail_keys[j]);
		return 0;
	}
	if (!out->cni_type[0])
		return bad(e, CNI_ERR_INVALID_CONFIG, "rails[%zu] needs \"network\" (an applied SpiderMultusConfig) or an inline \"cniType\"",
			   i);
	if (!strcmp(out->cni_type, "macvlan")) {
		if (!out->master[0])
			return bad(e, CNI_ERR_INVALID_CONFIG, "%smaster is missing: a macvlan rail needs its host interface (e.g. \"enp11s0f0np0\")",
				   path);
		if (out->resource_name[0] || out->rdma_isolation || out->vlan_id || out->vlan_qos >= 0 ||
		    out->spoofchk >= 0 || out->trust >= 0 || out->link_state >= 0 || out->has_mac)
			return bad(e, CNI_ERR_INVALID_CONFIG, "%s: resourceName, rdmaIsolation, vlanID, vlanQoS, spoofchk, trust, link_state and mac are for sriov rails, not macvlan",
				   path);
	} else if (!strcmp(out->cni_type, "sriov")) {
		if (!out->resource_name[0])
			return bad(e, CNI_ERR_INVALID_CONFIG, "%sresourceName is missing: an sriov rail needs the device plugin resource (e.g. \"spidernet.io/eno3np2\")",
				   path);
		if (out->master[0])
			return bad(e, CNI_ERR_INVALID_CONFIG, "%smaster is for macvlan rails; an sriov rail takes its VF from resourceName",
				   path);
		if (out->vlan_qos > 0 && !out->vlan_id)
			return bad(e, CNI_ERR_INVALID_CONFIG, "%svlanQoS %d needs a vlanID: the priority is carried in the VLAN tag",
				   path, out->vlan_qos);
	} else if (!strcmp(out->cni_type, "ipvlan") || !strcmp(out->cni_type, "ib-sriov") ||
		   !strcmp(out->cni_type, "ipoib")) {
		return bad(e, CNI_ERR_UNSUPPORTED_FIELD, "%scniType \"%s\" is not supported on this node; use macvlan or sriov",
			   path, out->cni_type);
	} else {
		return bad(e, CNI_ERR_INVALID_CONFIG, "%scniType \"%s\" is unknown; use macvlan or sriov", path,
			   out->cni_type);
	}
	if (!out->npools_v4 && !out->npools_v6)
		return bad(e, CNI_ERR_INVALID_CONFIG, "%sippools names no pool: give ippools.ipv4 and/or ippools.ipv6", path);
	return 0;
}

int rp_railsconf_parse(const json_t *plugin, struct rp_railsconf *out, struct rp_err *e)
{
	const json_t *rails, *it;
	size_t i;
	int rc;

	rp_railsconf_init(out);
	if (!json_is_object(plugin))
		return bad(e, CNI_ERR_INVALID_CONFIG, "the plugin config must be a JSON object, not %s", type_name(plugin));
	it = json_object_get(plugin, "type");
	if (it && (!json_is_string(it) || strcmp(json_string_value(it), "railpool")))
		return bad(e, CNI_ERR_INVALID_CONFIG, "type must be \"railpool\"");
	if ((rc = get_str(plugin, "", "cniVersion", out->cni_version, sizeof(out->cni_version), false, e)) ||
	    (rc = get_str(plugin, "", "name", out->name, sizeof(out->name), false, e)) ||
	    (rc = get_str(plugin, "", "stateFile", out->state_file, sizeof(out->state_file), true, e)) ||
	    (rc = get_uint(plugin, "", "railIndex", RP_RAILSCONF_RAILS_MAX, &out->rail_index, e)) ||
	    (rc = get_uint(plugin, "", "routeTableBase", 0x7fffffff, &out->route_table_base, e)) ||
	    (rc = get_uint(plugin, "", "rulePriorityBase", 0x7fffffff, &out->rule_priority_base, e)) ||
	    (rc = get_bool(plugin, "", "probeGateway", &out->probe_gateway, e)) ||
	    (rc = get_bool(plugin, "", "probeConflict", &out->probe_conflict, e)) ||
	    (rc = get_uint(plugin, "", "probeTimeoutMs", 60000, &out->probe_timeout_ms, e)))
		return rc;
	/* Table 0 is unspec, 253..255 are default/main/local: rails must never land there. */
	if (out->route_table_base == 0 || (out->route_table_base <= 255 && out->route_table_base + RP_RAILSCONF_RAILS_MAX > 253))
		return bad(e, CNI_ERR_INVALID_CONFIG, "routeTableBase %u would put rail tables on a reserved table (0, 253-255); use e.g. 100",
			   out->route_table_base);
	rails = json_object_get(plugin, "rails");
	if (!rails)
		return bad(e, CNI_ERR_INVALID_CONFIG, "rails is missing: list the rails, e.g. \"rails\": [{\"network\": \"gpu1-macvlan\"}]");
	if (!json_is_array(rails) || json_array_size(rails) == 0)
		return bad(e, CNI_ERR_INVALID_CONFIG, "rails must be a non-empty array");
	if (json_array_size(rails) > RP_RAILSCONF_RAILS_MAX)
		return bad(e, CNI_ERR_INVALID_CONFIG, "rails lists %zu rails; at most %d", json_array_size(rails), RP_RAILSCONF_RAILS_MAX);
	if (out->rail_index && json_array_size(rails) != 1)
		return bad(e, CNI_ERR_INVALID_CONFIG, "railIndex %u (single-rail mode) needs exactly one rail, not %zu",
			   out->rail_index, json_array_size(rails));
	json_array_foreach(rails, i, it) {
		rc = parse_rail(it, i, &out->rails[i], e);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (out->rails[i].network[0] && !strcmp(out->rails[i].network, out->rails[j].network))
				return bad(e, CNI_ERR_INVALID_CONFIG, "rails[%zu].network \"%s\" repeats rails[%zu]; each network is one rail",
					   i, out->rails[i].network, j);
	}
	out->nrails = (uint32_t)json_array_size(rails);
	return 0;
}

static json_t *pools_json(const char (*p)[RP_NAME_MAX], uint32_t n)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(p[i]));
	return a;
}

json_t *rp_railsconf_to_json(const struct rp_railsconf *rc)
{
	json_t *o = json_object(), *rails = json_array();

	if (!o || !rails)
		goto err;
	if (rc->cni_version[0])
		json_object_set_new(o, "cniVersion", json_string(rc->cni_version));
	if (rc->name[0])
		json_object_set_new(o, "name", json_string(rc->name));
	json_object_set_new(o, "type", json_string("railpool"));
	if (rc->state_file[0])
		json_object_set_new(o, "stateFile", json_string(rc->state_file));
	for (uint32_t i = 0; i < rc->nrails && i < RP_RAILSCONF_RAILS_MAX; i++) {
		const struct rp_railsconf_rail *r = &rc->rails[i];
		json_t *j = json_object();

		if (r->network[0]) {
			json_object_set_new(j, "network", json_string(r->network));
		} else {
			json_object_set_new(j, "cniType", json_string(r->cni_type));
			if (r->master[0])
				json_object_set_new(j, "master", json_string(r->master));
			if (r->resource_name[0])
				json_object_set_new(j, "resourceName", json_string(r->resource_name));
			if (r->rdma_resource_name[0])
				json_object_set_new(j, "rdmaResourceName", json_string(r->rdma_resource_name));
			json_object_set_new(j, "mtu", json_integer(r->mtu));
			if (r->vlan_id)
				json_object_set_new(j, "vlanID", json_integer(r->vlan_id));
			if (r->rdma_isolation)
				json_object_set_new(j, "rdmaIsolation", json_true());
			if (r->match_master_subnet)
				json_object_set_new(j, "matchMasterSubnet", json_true());
			json_t *ipp = json_object();
			if (r->npools_v4)
				json_object_set_new(ipp, "ipv4", pools_json(r->pools_v4, r->npools_v4));
			if (r->npools_v6)
				json_object_set_new(ipp, "ipv6", pools_json(r->pools_v6, r->npools_v6));
			json_object_set_new(j, "ippools", ipp);
		}
		json_array_append_new(rails, j);
	}
	json_object_set_new(o, "rails", rails);
	rails = NULL;
	if (rc->rail_index)
		json_object_set_new(o, "railIndex", json_integer(rc->rail_index));
	json_object_set_new(o, "routeTableBase", json_integer(rc->route_table_base));
	if (rc->rule_priority_base)
		json_object_set_new(o, "rulePriorityBase", json_integer(rc->rule_priority_base));
	json_object_set_new(o, "probeGateway", json_boolean(rc->probe_gateway));
	json_object_set_new(o, "probeConflict", json_boolean(rc->probe_conflict));
	if (rc->probe_timeout_ms)
		json_object_set_new(o, "probeTimeoutMs", json_integer(rc->probe_timeout_ms));
	return o;
err:
	json_decref(o);
	json_decref(rails);
	return NULL;
}
