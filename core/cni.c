/* SPDX-License-Identifier: Apache-2.0 */
/* The CNI protocol: environment, network config, version negotiation, result/error JSON. */
#include "core/cni.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const supported_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

const char *rp_cni_cmd_name(int cmd)
{
	switch (cmd) {
	case RP_CNI_CMD_ADD: return "ADD";
	case RP_CNI_CMD_DEL: return "DEL";
	case RP_CNI_CMD_CHECK: return "CHECK";
	case RP_CNI_CMD_GC: return "GC";
	case RP_CNI_CMD_STATUS: return "STATUS";
	case RP_CNI_CMD_VERSION: return "VERSION";
	default: return "?";
	}
}

static int env_err(struct rp_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int env_err(struct rp_err *e, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->code = -EINVAL;
		e->cni_code = RP_CNI_ERR_INVALID_ENV;
	}
	return -EINVAL;
}

static int ip_parse(const char *s, struct rp_cni_ip *out, bool allow_zero_prefix)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix = 0;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* A bare number would parse as a device slot; addresses always carry '.' or ':'. */
	if (!strchr(buf, '.') && !strchr(buf, ':'))
		return -EINVAL;
	if (rp_ip_parse(buf, &out->ip) != 0 ||
	    (out->ip.family != RP_FAM_V4 && out->ip.family != RP_FAM_V6))
		return -EINVAL;
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end || errno || (prefix == 0 && !allow_zero_prefix) ||
		    prefix > (out->ip.family == RP_FAM_V4 ? 32u : 128u))
			return -EINVAL;
	}
	out->prefix = (uint8_t)prefix;
	return 0;
}

int rp_cni_ip_parse(const char *s, struct rp_cni_ip *out)
{
	return ip_parse(s, out, false);
}

/* ---- environment ---- */

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static bool valid_container_id(const char *s)
{
	const char *p;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static bool valid_ifname(const char *s)
{
	const char *p;

	if (!*s || strlen(s) >= RP_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static bool truthy(const char *v)
{
	return !strcasecmp(v, "1") || !strcasecmp(v, "true");
}

/* CNI_ARGS "K=V;K=V".  Parsed in two passes so IgnoreUnknown may come after the unknown key. */
static int parse_cni_args(const char *args, struct rp_cni_env *out, struct rp_err *e)
{
	char *dup = strdup(args), *save = NULL, *tok;
	char unknown[128] = "";
	int ret = 0;

	if (!dup)
		return rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory parsing CNI_ARGS");
	for (tok = strtok_r(dup, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '=');
		const char *k = tok, *v;

		if (!eq || eq == tok) {
			ret = env_err(e, "CNI_ARGS=\"%.200s\": \"%.64s\" is not KEY=VALUE; separate pairs with ';'",
				      args, tok);
			goto out;
		}
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(k, "IP")) {
			char *ipsave = NULL, *one;
			char *list = strdup(v);
			if (!list) {
				ret = rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory");
				goto out;
			}
			for (one = strtok_r(list, ",", &ipsave); one; one = strtok_r(NULL, ",", &ipsave)) {
				if (out->nips >= RP_CNI_MAX_IPS) {
					free(list);
					ret = env_err(e, "CNI_ARGS: IP=\"%.100s\" requests more than %d addresses",
						      v, RP_CNI_MAX_IPS);
					goto out;
				}
				if (rp_cni_ip_parse(one, &out->ips[out->nips]) != 0) {
					ret = env_err(e, "CNI_ARGS: IP=\"%.100s\": \"%.64s\" is not an IPv4/IPv6 address",
						      v, one);
					free(list);
					goto out;
				}
				out->nips++;
			}
			free(list);
			if (!*v) {
				ret = env_err(e, "CNI_ARGS: IP is empty; give an address such as IP=10.0.0.5");
				goto out;
			}
		} else if (!strcmp(k, "IgnoreUnknown")) {
			out->ignore_unknown = truthy(v);
		} else if (!strcmp(k, "K8S_POD_NAME")) {
			snprintf(out->pod_name, sizeof(out->pod_name), "%s", v);
		} else if (!strcmp(k, "K8S_POD_NAMESPACE")) {
			snprintf(out->pod_namespace, sizeof(out->pod_namespace), "%s", v);
		} else if (!strcmp(k, "K8S_POD_INFRA_CONTAINER_ID") || !strcmp(k, "K8S_POD_UID")) {
			/* known, not needed */
		} else if (!unknown[0]) {
			snprintf(unknown, sizeof(unknown), "%s", k);
		}
	}
	if (unknown[0] && !out->ignore_unknown)
		ret = env_err(e, "CNI_ARGS: unknown key \"%s\"; railpool understands IP, IgnoreUnknown and "
			      "K8S_POD_*; add IgnoreUnknown=1 to pass other keys", unknown);
out:
	free(dup);
	return ret;
}

int rp_cni_env_parse(char *const *envp, struct rp_cni_env *out, struct rp_err *e)
{
	const char *cmd = env_get(envp, "CNI_COMMAND");
	const char *v;
	bool need_cid = false, need_netns = false, need_ifname = false;

	memset(out, 0, sizeof(*out));
	if (!cmd || !*cmd)
		return env_err(e, "CNI_COMMAND is not set; the runtime sets it to ADD, DEL, CHECK, GC, "
			       "STATUS or VERSION");
	if (!strcmp(cmd, "ADD"))
		out->cmd = RP_CNI_CMD_ADD;
	else if (!strcmp(cmd, "DEL"))
		out->cmd = RP_CNI_CMD_DEL;
	else if (!strcmp(cmd, "CHECK"))
		out->cmd = RP_CNI_CMD_CHECK;
	else if (!strcmp(cmd, "GC"))
		out->cmd = RP_CNI_CMD_GC;
	else if (!strcmp(cmd, "STATUS"))
		out->cmd = RP_CNI_CMD_STATUS;
	else if (!strcmp(cmd, "VERSION"))
		out->cmd = RP_CNI_CMD_VERSION;
	else
		return env_err(e, "CNI_COMMAND=\"%.64s\" is not a CNI command; expected ADD, DEL, CHECK, GC, "
			       "STATUS or VERSION", cmd);

	switch (out->cmd) {
	case RP_CNI_CMD_ADD:
	case RP_CNI_CMD_CHECK:
		need_netns = true;
		/* fall through */
	case RP_CNI_CMD_DEL:
		need_cid = need_ifname = true;
		break;
	default:
		break;
	}

	v = env_get(envp, "CNI_CONTAINERID");
	if (v && *v) {
		if (strlen(v) >= RP_CID_MAX)
			return env_err(e, "CNI_CONTAINERID=\"%.40s...\" is %zu bytes; railpool accepts at most %d",
				       v, strlen(v), RP_CID_MAX - 1);
		if (!valid_container_id(v))
			return env_err(e, "CNI_CONTAINERID=\"%.128s\" is invalid: it must start with a letter or "
				       "digit and contain only letters, digits, '_', '.' and '-'", v);
		snprintf(out->container_id, sizeof(out->container_id), "%s", v);
	} else if (need_cid) {
		return env_err(e, "CNI_CONTAINERID is not set; %s needs the container ID", cmd);
	}

	v = env_get(envp, "CNI_NETNS");
	if (v && *v) {
		if (strlen(v) >= sizeof(out->netns))
			return env_err(e, "CNI_NETNS is %zu bytes long; at most %zu", strlen(v), sizeof(out->netns) - 1);
		snprintf(out->netns, sizeof(out->netns), "%s", v);
	} else if (need_netns) {
		return env_err(e, "CNI_NETNS is not set; %s needs the network namespace path", cmd);
	}

	v = env_get(envp, "CNI_IFNAME");
	if (v && *v) {
		if (!valid_ifname(v))
			return env_err(e, "CNI_IFNAME=\"%.64s\" is not a valid interface name: 1..15 bytes, not "
				       "\".\" or \"..\", no '/', ':' or blanks", v);
		snprintf(out->ifname, sizeof(out->ifname), "%s", v);
	} else if (need_ifname) {
		return env_err(e, "CNI_IFNAME is not set; %s needs the interface name", cmd);
	}

	v = env_get(envp, "CNI_PATH");
	out->has_path = v && *v;

	v = env_get(envp, "CNI_ARGS");
	if (v && *v)
		return parse_cni_args(v, out, e);
	return 0;
}

/* ---- versions ---- */

uint32_t rp_cni_version_parse(const char *ver)
{
	size_t i;

	for (i = 0; i < RP_ARRAY_SIZE(supported_versions); i++)
		if (!strcmp(ver, supported_versions[i]))
			return RP_CNI_V((uint32_t)(ver[0] - '0'), (uint32_t)(ver[2] - '0'),
					(uint32_t)(ver[4] - '0'));
	return 0;
}

json_t *rp_cni_version_json(const char *version)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	if (!o || !a)
		goto err;
	for (i = 0; i < RP_ARRAY_SIZE(supported_versions); i++)
		if (json_array_append_new(a, json_string(supported_versions[i])))
			goto err;
	if (json_object_set_new(o, "cniVersion",
				json_string(version && *version ? version : RP_CNI_VERSION_LATEST)) ||
	    json_object_set_new(o, "supportedVersions", a))
		goto err_a_owned;
	return o;
err:
	json_decref(a);
err_a_owned:
	json_decref(o);
	return NULL;
}

/* ---- config ---- */

static int get_string(const json_t *obj, const char *key, const char *path, char *dst, size_t cap,
		      bool required, struct rp_err *e)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v || json_is_null(v)) {
		if (required)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s\" is missing; it must be a string", path);
		return 0;
	}
	if (!json_is_string(v))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"%s\" must be a string",
				path);
	s = json_string_value(v);
	if (strlen(s) >= cap)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
				"network config: \"%s\" = \"%.40s...\" is longer than %zu bytes", path, s, cap - 1);
	if (required && !*s)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"%s\" is empty", path);
	snprintf(dst, cap, "%s", s);
	return 0;
}

static int parse_pool_list(const json_t *arr, const char *path, char (*dst)[RP_NAME_MAX], uint32_t *n,
			   struct rp_err *e)
{
	size_t i;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (json_is_string(arr)) { /* a single name is common enough in hand-written configs */
		if (strlen(json_string_value(arr)) >= RP_NAME_MAX || !*json_string_value(arr))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s\" = \"%.64s\" is not a pool name (1..%d bytes)", path,
					json_string_value(arr), RP_NAME_MAX - 1);
		snprintf(dst[0], RP_NAME_MAX, "%s", json_string_value(arr));
		*n = 1;
		return 0;
	}
	if (!json_is_array(arr))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
				"network config: \"%s\" must be an array of pool names", path);
	if (json_array_size(arr) > RP_CNI_MAX_POOLS)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
				"network config: \"%s\" lists %zu pools; at most %d (use a wildcard)", path,
				json_array_size(arr), RP_CNI_MAX_POOLS);
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s || strlen(s) >= RP_NAME_MAX)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s[%zu]\" must be a pool name string of 1..%d bytes", path,
					i, RP_NAME_MAX - 1);
		snprintf(dst[*n], RP_NAME_MAX, "%s", s);
		(*n)++;
	}
	return 0;
}

/* Addresses from args.cni.ips / runtimeConfig.ips: strings, "a.b.c.d" or with "/prefix". */
static int parse_req_ips(const json_t *arr, const char *path, struct rp_cni_conf *c, struct rp_err *e)
{
	size_t i;
	json_t *v;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
				"network config: \"%s\" must be an array of addresses", path);
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (c->nreq >= RP_CNI_MAX_IPS)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s\" requests more than %d addresses", path, RP_CNI_MAX_IPS);
		if (!s || rp_cni_ip_parse(s, &c->req[c->nreq]) != 0)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s[%zu]\" = %s%.64s%s is not an IPv4/IPv6 address", path,
					i, s ? "\"" : "", s ? s : "(not a string)", s ? "\"" : "");
		c->nreq++;
	}
	return 0;
}

static int parse_prev_result(const json_t *prev, struct rp_cni_conf *c, struct rp_err *e)
{
	json_t *ips, *v;
	size_t i;

	if (!prev || json_is_null(prev))
		return 0;
	if (!json_is_object(prev))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"prevResult\" must be an object");
	c->has_prev = true;
	ips = json_object_get(prev, "ips");
	if (!ips || json_is_null(ips))
		return 0;
	if (!json_is_array(ips))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"prevResult.ips\" must be an array");
	json_array_foreach(ips, i, v) {
		const char *a = json_string_value(json_object_get(v, "address"));
		if (!a || rp_cni_ip_parse(a, &c->prev[c->nprev]) != 0)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"prevResult.ips[%zu].address\" must be an address with a "
					"prefix such as \"10.0.0.5/24\"", i);
		if (++c->nprev == RP_ARRAY_SIZE(c->prev))
			break; /* more than we could ever have handed out: CHECK will report the mismatch */
	}
	return 0;
}

static int att_cmp(const void *a, const void *b)
{
	const struct rp_cni_attachment *x = a, *y = b;
	int r = strcmp(x->container_id, y->container_id);
	return r ? r : strcmp(x->ifname, y->ifname);
}

static int parse_valid(const json_t *root, struct rp_cni_conf *c, struct rp_err *e)
{
	const char *key = "cni.dev/valid-attachments";
	json_t *arr = json_object_get(root, key), *v;
	size_t i;

	if (!arr) {
		key = "cni.dev/attachments";
		arr = json_object_get(root, key);
	}
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"%s\" must be an array", key);
	c->has_valid = true;
	c->valid = calloc(json_array_size(arr) + 1, sizeof(*c->valid));
	if (!c->valid)
		return rp_err_setc(e, -ENOMEM, RP_CNI_ERR_INTERNAL, "out of memory");
	json_array_foreach(arr, i, v) {
		const char *cid = json_string_value(json_object_get(v, "containerID"));
		const char *ifn = json_string_value(json_object_get(v, "ifname"));
		if (!cid || !ifn)
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"%s[%zu]\" needs string fields \"containerID\" and \"ifname\"",
					key, i);
		c->valid[c->nvalid].container_id = cid;
		c->valid[c->nvalid].ifname = ifn;
		c->nvalid++;
	}
	qsort(c->valid, c->nvalid, sizeof(*c->valid), att_cmp);
	return 0;
}

bool rp_cni_conf_valid_has(const struct rp_cni_conf *c, const char *cid, const char *ifname)
{
	struct rp_cni_attachment k = {cid, ifname};

	if (!c->nvalid)
		return false;
	return bsearch(&k, c->valid, c->nvalid, sizeof(*c->valid), att_cmp) != NULL;
}

static int parse_routes(const json_t *arr, struct rp_cni_conf *c, struct rp_err *e)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > RP_ARRAY_SIZE(c->routes))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
				"network config: \"ipam.routes\" must be an array of at most %zu {\"dst\", \"gw\"} objects",
				RP_ARRAY_SIZE(c->routes));
	json_array_foreach(arr, i, v) {
		const char *dst = json_string_value(json_object_get(v, "dst"));
		json_t *gwv = json_object_get(v, "gw");
		const char *gw = json_string_value(gwv);

		if (!json_is_object(v) || !dst || !strchr(dst, '/') || ip_parse(dst, &c->routes[i].dst, true))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"ipam.routes[%zu].dst\" must be a CIDR such as \"10.0.0.0/8\"", i);
		memset(&c->routes[i].gw, 0, sizeof(c->routes[i].gw));
		if (gwv && (!gw || rp_ip_parse(gw, &c->routes[i].gw) ||
			    c->routes[i].gw.family != c->routes[i].dst.ip.family))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"ipam.routes[%zu].gw\" must be an address of the same family as dst", i);
		c->nroutes++;
	}
	return 0;
}

static int parse_ipam(const json_t *ipam, int cmd, struct rp_cni_conf *c, struct rp_err *e)
{
	const char *k;
	json_t *v;
	int ret;

	json_object_foreach((json_t *)ipam, k, v) {
		if (!strcmp(k, "type") || !strcmp(k, "stateFile"))
			continue;
		if (!strcmp(k, "ippools")) {
			const char *pk;
			json_t *pv;
			if (!json_is_object(v))
				return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
						"network config: \"ipam.ippools\" must be an object "
						"{\"ipv4\": [...], \"ipv6\": [...]}");
			json_object_foreach(v, pk, pv) {
				if (!strcmp(pk, "ipv4"))
					ret = parse_pool_list(pv, "ipam.ippools.ipv4", c->pools_v4, &c->npools_v4, e);
				else if (!strcmp(pk, "ipv6"))
					ret = parse_pool_list(pv, "ipam.ippools.ipv6", c->pools_v6, &c->npools_v6, e);
				else
					ret = rp_err_setc(e, -EOPNOTSUPP, RP_CNI_ERR_UNSUPPORTED_FIELD,
						       "network config: \"ipam.ippools.%.64s\" is not supported; "
						       "use \"ipv4\" and \"ipv6\"", pk);
				if (ret)
					return ret;
			}
			continue;
		}
		if (!strcmp(k, "routes")) {
			if ((ret = parse_routes(v, c, e)))
				return ret;
			continue;
		}
		if (!strcmp(k, "defaultRoute")) {
			if (!json_is_boolean(v))
				return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
						"network config: \"ipam.defaultRoute\" must be true or false");
			c->default_route = json_is_true(v);
			continue;
		}
		return rp_err_setc(e, -EOPNOTSUPP, RP_CNI_ERR_UNSUPPORTED_FIELD,
				"network config: \"ipam.%.64s\" is not supported by railpool IPAM (known: type, "
				"ippools, stateFile, defaultRoute); remove it", k);
	}
	ret = get_string(ipam, "stateFile", "ipam.stateFile", c->state_file, sizeof(c->state_file), false, e);
	if (ret)
		return ret;
	(void)cmd; /* no pool named: the default pools are used (core/ipam) */
	return 0;
}

int rp_cni_conf_parse(const char *buf, size_t len, int cmd, struct rp_cni_conf *c, struct rp_err *e)
{
	json_error_t jerr;
	json_t *ipam, *v;
	int ret;

	memset(c, 0, sizeof(*c));
	c->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root)
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_DECODE,
				"network config on stdin is not valid JSON: line %d, column %d: %s", jerr.line,
				jerr.column, jerr.text);
	if (!json_is_object(c->root))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_DECODE, "network config on stdin must be a JSON object");

	v = json_object_get(c->root, "cniVersion");
	if (!v || !json_is_string(v))
		return rp_err_setc(e, -EPROTONOSUPPORT, RP_CNI_ERR_INCOMPATIBLE_VERSION,
				"network config: \"cniVersion\" is %s; railpool supports 0.3.0, 0.3.1, 0.4.0, "
				"1.0.0 and 1.1.0", v ? "not a string" : "missing");
	snprintf(c->cni_version, sizeof(c->cni_version), "%s", json_string_value(v));
	c->version = rp_cni_version_parse(c->cni_version);
	if (!c->version) {
		const char *bad = json_string_value(v);
		c->cni_version[0] = '\0'; /* answer in a version we speak */
		return rp_err_setc(e, -EPROTONOSUPPORT, RP_CNI_ERR_INCOMPATIBLE_VERSION,
				"network config: cniVersion \"%.32s\" is not supported; railpool supports 0.3.0, "
				"0.3.1, 0.4.0, 1.0.0 and 1.1.0", bad);
	}
	if (cmd == RP_CNI_CMD_VERSION)
		return 0;
	if (cmd == RP_CNI_CMD_CHECK && c->version < RP_CNI_V(0, 4, 0))
		return rp_err_setc(e, -EPROTONOSUPPORT, RP_CNI_ERR_INCOMPATIBLE_VERSION,
				"CHECK needs cniVersion 0.4.0 or later; the config says \"%s\"", c->cni_version);
	if ((cmd == RP_CNI_CMD_GC || cmd == RP_CNI_CMD_STATUS) && c->version < RP_CNI_V(1, 1, 0))
		return rp_err_setc(e, -EPROTONOSUPPORT, RP_CNI_ERR_INCOMPATIBLE_VERSION,
				"%s needs cniVersion 1.1.0; the config says \"%s\"", rp_cni_cmd_name(cmd),
				c->cni_version);

	if ((ret = get_string(c->root, "name", "name", c->name, sizeof(c->name), true, e)) ||
	    (ret = get_string(c->root, "type", "type", c->type, sizeof(c->type), true, e)))
		return ret;

	ipam = json_object_get(c->root, "ipam");
	if (ipam && !json_is_null(ipam) && !json_is_object(ipam))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"ipam\" must be an object");
	if (!strcmp(c->type, "railpool") &&
	    (json_object_get(c->root, "rails") || !ipam || json_is_null(ipam))) {
		c->mode = RP_CNI_MODE_RAILS;
	} else {
		const char *it = json_string_value(json_object_get(ipam, "type"));
		if (!ipam || json_is_null(ipam))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"type\" is \"%.64s\" and there is no \"ipam\"; railpool "
					"runs as \"type\": \"railpool\" or as \"ipam\": {\"type\": \"railpool\"}",
					c->type);
		if (!it || strcmp(it, "railpool"))
			return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG,
					"network config: \"ipam.type\" is %s%.64s%s; this plugin is \"railpool\"",
					it ? "\"" : "", it ? it : "missing", it ? "\"" : "");
		c->mode = RP_CNI_MODE_IPAM;
		if ((ret = parse_ipam(ipam, cmd, c, e)))
			return ret;
	}
	if (!c->state_file[0] &&
	    (ret = get_string(c->root, "stateFile", "stateFile", c->state_file, sizeof(c->state_file), false, e)))
		return ret;

	/* Requested addresses and the device ID (runtimeConfig wins over top-level deviceID). */
	v = json_object_get(json_object_get(json_object_get(c->root, "args"), "cni"), "ips");
	if ((ret = parse_req_ips(v, "args.cni.ips", c, e)))
		return ret;
	v = json_object_get(c->root, "runtimeConfig");
	if (v && !json_is_null(v) && !json_is_object(v))
		return rp_err_setc(e, -EINVAL, RP_CNI_ERR_INVALID_CONFIG, "network config: \"runtimeConfig\" must be an object");
	if ((ret = parse_req_ips(json_object_get(v, "ips"), "runtimeConfig.ips", c, e)))
		return ret;
	if ((ret = get_string(c->root, "deviceID", "deviceID", c->device_id, sizeof(c->device_id), false, e)) ||
	    (ret = get_string(v, "deviceID", "runtimeConfig.deviceID", c->device_id, sizeof(c->device_id), false, e)))
		return ret;

	if ((ret = parse_prev_result(json_object_get(c->root, "prevResult"), c, e)))
		return ret;
	if (cmd == RP_CNI_CMD_GC && (ret = parse_valid(c->root, c, e)))
		return ret;
	return 0;
}

void rp_cni_conf_free(struct rp_cni_conf *c)
{
	free(c->valid);
	c->valid = NULL;
	json_decref(c->root);
	c->root = NULL;
}

/* ---- results and errors ---- */

json_t *rp_cni_result_new(const char *version)
{
	json_t *r = json_object();

	if (!r)
		return NULL;
	if (json_object_set_new(r, "cniVersion", json_string(version)) ||
	    json_object_set_new(r, "ips", json_array()) || json_object_set_new(r, "routes", json_array()) ||
	    json_object_set_new(r, "dns", json_object())) {
		json_decref(r);
		return NULL;
	}
	return r;
}

static int fmt_cidr(const struct rp_ip *ip, uint8_t prefix, char *buf, size_t len)
{
	char a[64];

	if (rp_ip_format(ip, a, sizeof(a)) != 0)
		return -EINVAL;
	snprintf(buf, len, "%s/%u", a, prefix);
	return 0;
}

int rp_cni_result_add_ip(json_t *res, uint32_t version, const struct rp_ip *ip, uint8_t prefix,
			 const struct rp_ip *gw)
{
	json_t *o = json_object();
	char buf[80];

	if (!o)
		return -ENOMEM;
	if (fmt_cidr(ip, prefix, buf, sizeof(buf)))
		goto err;
	if (version < RP_CNI_V(1, 0, 0) &&
	    json_object_set_new(o, "version", json_string(ip->family == RP_FAM_V4 ? "4" : "6")))
		goto err;
	if (json_object_set_new(o, "address", json_string(buf)))
		goto err;
	if (gw) {
		if (rp_ip_format(gw, buf, sizeof(buf)) || json_object_set_new(o, "gateway", json_string(buf)))
			goto err;
	}
	return json_array_append_new(json_object_get(res, "ips"), o) ? -ENOMEM : 0;
err:
	json_decref(o);
	return -ENOMEM;
}

int rp_cni_result_add_route(json_t *res, const struct rp_ip *dst, uint8_t prefix, const struct rp_ip *gw)
{
	json_t *o = json_object();
	char buf[80];

	if (!o)
		return -ENOMEM;
	if (fmt_cidr(dst, prefix, buf, sizeof(buf)) || json_object_set_new(o, "dst", json_string(buf)))
		goto err;
	if (gw) {
		if (rp_ip_format(gw, buf, sizeof(buf)) || json_object_set_new(o, "gw", json_string(buf)))
			goto err;
	}
	return json_array_append_new(json_object_get(res, "routes"), o) ? -ENOMEM : 0;
err:
	json_decref(o);
	return -ENOMEM;
}

json_t *rp_cni_error_json(const char *version, int code, const char *msg, const char *details)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "cniVersion", json_string(version && *version ? version : RP_CNI_VERSION_LATEST)) ||
	    json_object_set_new(o, "code", json_integer(code)) ||
	    json_object_set_new(o, "msg", json_string(msg ? msg : "")) ||
	    (details && *details && json_object_set_new(o, "details", json_string(details)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int rp_cni_code_from_err(const struct rp_err *e)
{
	if (e->cni_code)
		return e->cni_code;
	switch (e->code) {
	case -EBUSY:
	case -EAGAIN:
		return RP_CNI_ERR_TRY_AGAIN;
	case -ENOSPC:
		return RP_CNI_ERR_POOL_EXHAUSTED;
	case -EADDRINUSE:
		return RP_CNI_ERR_IP_IN_USE;
	case -EBADMSG:
		return RP_CNI_ERR_STORE_CORRUPT;
	case -EINVAL:
		return RP_CNI_ERR_INVALID_CONFIG;
	case -EIO:
	case -EACCES:
	case -EPERM:
	case -ENOENT:
	case -ELOOP:
	case -EPROTO:
		return RP_CNI_ERR_IO;
	default:
		return RP_CNI_ERR_INTERNAL;
	}
}
