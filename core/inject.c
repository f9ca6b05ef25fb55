/* SPDX-License-Identifier: Apache-2.0 */
#include "core/inject.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/manifest_internal.h"

static json_t *obj_get(json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

/* Get or create the object at @key. */
static json_t *obj_child(json_t *o, const char *key)
{
	json_t *c = json_object_get(o, key);

	if (json_is_object(c))
		return c;
	if (c && !json_is_null(c))
		return NULL;
	c = json_object();
	if (!c || json_object_set_new(o, key, c))
		return NULL;
	return c;
}

static json_t *pod_template(json_t *root, const char *kind)
{
	json_t *spec = obj_get(root, "spec");

	if (!strcmp(kind, "Pod"))
		return root;
	if (!strcmp(kind, "CronJob"))
		return obj_get(obj_get(obj_get(spec, "jobTemplate"), "spec"), "template");
	return obj_get(spec, "template");
}

static bool in_list(const char *s, const char *const *list, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i] && !strcmp(list[i], s))
			return true;
	return false;
}

static int render(json_t *root, int format, char **out, size_t *outlen, struct rp_err *e)
{
	if (format == RP_INJECT_OUT_JSON) {
		char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!s)
			return rp_err_set(e, -ENOMEM, "out of memory rendering the object");
		*out = s;
		*outlen = strlen(s);
		return 0;
	}
	if (rp_manifest_json_to_yaml(root, out, outlen))
		return rp_err_set(e, -ENOMEM, "could not render the object as YAML");
	return 0;
}

int rp_inject(const struct rp_model_view *v, const char *label, const void *buf, size_t len,
	      const struct rp_inject_opts *o, char **out, size_t *outlen, struct rp_err *e)
{
	static const struct rp_inject_opts none;
	const char *src = label ? label : "<input>";
	json_t *root, *tpl, *md, *ann, *nets = NULL;
	const char *kind, *ns = "default", *name = "<unnamed>", *vr = NULL, *vn = NULL;
	int format, rc;
	size_t i;

	if (!o)
		o = &none;
	format = o->format;
	if (format == RP_INJECT_OUT_AUTO) {
		const char *p = buf;

		for (i = 0; i < len && strchr(" \t\r\n", p[i]); i++)
			;
		format = i < len && p[i] == '{' ? RP_INJECT_OUT_JSON : RP_INJECT_OUT_YAML;
	}
	root = rp_manifest_yaml_to_json(src, buf, len, e);
	if (!root)
		return e ? e->code : -EINVAL;
	if (!json_is_object(root)) {
		rc = rp_err_set(e, -EINVAL, "%s: expected a Kubernetes object (a mapping with kind)", src);
		goto out;
	}
	kind = json_string_value(obj_get(root, "kind"));
	if (!kind) {
		rc = rp_err_set(e, -EINVAL, "%s: kind: missing; expected a Pod or a workload with a pod template", src);
		goto out;
	}
	md = obj_get(root, "metadata");
	if (json_string_value(obj_get(md, "namespace")))
		ns = json_string_value(obj_get(md, "namespace"));
	if (json_string_value(obj_get(md, "name")))
		name = json_string_value(obj_get(md, "name"));
	tpl = pod_template(root, kind);
	if (!json_is_object(tpl)) {
		rc = rp_err_set(e, -EINVAL, "%s: %s %s/%s: no pod template (spec.template) to inject into", src, kind, ns,
				name);
		goto out;
	}
	ann = obj_get(obj_get(tpl, "metadata"), "annotations");
	vr = json_string_value(obj_get(ann, RP_ANNOT_RDMA_INJECT));
	vn = json_string_value(obj_get(ann, RP_ANNOT_NET_INJECT));
	if (!vr && !vn) {
		rp_err_set(e, 0, "%s: %s %s/%s: no %s or %s annotation on the pod; nothing injected", src, kind, ns, name,
			   RP_ANNOT_RDMA_INJECT, RP_ANNOT_NET_INJECT);
		goto skip;
	}
	if (in_list(ns, o->ns_exclude, o->n_exclude) || (o->n_include && !in_list(ns, o->ns_include, o->n_include))) {
		rp_err_set(e, 0, "%s: %s %s/%s: namespace %s is %s; nothing injected", src, kind, ns, name, ns,
			   in_list(ns, o->ns_exclude, o->n_exclude) ? "excluded" : "not in the include list");
		goto skip;
	}
	const char *annot = vr ? RP_ANNOT_RDMA_INJECT : RP_ANNOT_NET_INJECT;
	const char *val = vr ? vr : vn;
	if (obj_get(ann, RP_ANNOT_NETWORKS)) {
		rc = rp_err_set(e, -EEXIST,
				"%s: %s %s/%s: the pod already has annotation %s, which conflicts with %s: %s; remove %s and let the injection write it",
				src, kind, ns, name, RP_ANNOT_NETWORKS, annot, val, RP_ANNOT_NETWORKS);
		goto out;
	}
	json_t *containers = obj_get(obj_get(tpl, "spec"), "containers");
	json_t *c0 = json_array_get(containers, 0);
	if (!json_is_object(c0)) {
		rc = rp_err_set(e, -EINVAL, "%s: %s %s/%s: spec.containers is empty; nothing to give the resources to", src,
				kind, ns, name);
		goto out;
	}

	char *text = NULL;
	size_t tlen = 0, tcap = 0, nmatch = 0;
	json_t *limits_to_add = json_object();
	if (!limits_to_add) {
		rc = rp_err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t k = 0; k < rp_model_view_nnets(v); k++) {
		const struct rp_blob_net *n = &v->nets[k];
		bool by_rdma = vr && n->inject_rdma[0] && !strcmp(n->inject_rdma, vr);
		bool by_net = vn && n->inject_net[0] && !strcmp(n->inject_net, vn);
		const char *res;

		if (!by_rdma && !by_net)
			continue;
		if (n->cni_type != RP_CNI_MACVLAN && n->cni_type != RP_CNI_SRIOV) {
			rc = rp_err_set(e, -ENOTSUP, "%s: %s %s/%s: SpiderMultusConfig %s/%s (matched by %s: %s) has cniType %s, which is not supported on this node",
					src, kind, ns, name, n->ns, n->name, by_rdma ? RP_ANNOT_RDMA_INJECT : RP_ANNOT_NET_INJECT,
					by_rdma ? vr : vn, rp_cni_type_name(n->cni_type));
			goto err_text;
		}
		res = n->cni_type == RP_CNI_SRIOV ? n->resource : n->rdma_resource;
		if (!res[0] && (by_rdma || n->cni_type == RP_CNI_SRIOV)) {
			rc = rp_err_set(e, -EINVAL, "%s: %s %s/%s: SpiderMultusConfig %s/%s (matched by %s: %s) has an empty resource name; set %s",
					src, kind, ns, name, n->ns, n->name, by_rdma ? RP_ANNOT_RDMA_INJECT : RP_ANNOT_NET_INJECT,
					by_rdma ? vr : vn,
					n->cni_type == RP_CNI_SRIOV ? "spec.sriov.resourceName" : "spec.macvlan.rdmaResourceName");
			goto err_text;
		}
		json_t *entry = json_pack("{s:s, s:s}", "name", n->name, "namespace", n->ns);
		char *es = entry ? json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(entry);
		if (!es)
			goto err_oom;
		size_t el = strlen(es);
		if (tlen + el + 4 > tcap) {
			size_t nc = tcap ? tcap * 2 : 512;
			while (nc < tlen + el + 4)
				nc *= 2;
			char *nt = realloc(text, nc);
			if (!nt) {
				free(es);
				goto err_oom;
			}
			text = nt;
			tcap = nc;
		}
		/* The seeds print one entry per line; Multus reads it either way. */
		text[tlen++] = nmatch ? ',' : '[';
		if (nmatch)
			text[tlen++] = '\n';
		memcpy(text + tlen, es, el);
		tlen += el;
		free(es);
		nmatch++;
		if (res[0] && json_object_set_new(limits_to_add, res, json_integer(1)))
			goto err_oom;
	}
	if (!nmatch) {
		rc = rp_err_set(e, -ENOENT, "%s: %s %s/%s: no SpiderMultusConfig has annotation %s: %s; add it to the rails' SpiderMultusConfigs (and apply them) or fix the pod's annotation",
				src, kind, ns, name, annot, val);
		goto err_text;
	}
	text[tlen++] = ']';
	text[tlen] = '\0';
	nets = json_string(text);
	free(text);
	text = NULL;
	json_t *tmd = obj_child(tpl, "metadata");
	json_t *tann = tmd ? obj_child(tmd, "annotations") : NULL;
	json_t *res = obj_child(c0, "resources");
	json_t *lim = res ? obj_child(res, "limits") : NULL;
	if (!nets || !tann || !lim || json_object_set_new(tann, RP_ANNOT_NETWORKS, json_incref(nets))) {
		json_decref(nets);
		json_decref(limits_to_add);
		rc = rp_err_set(e, -EINVAL, "%s: %s %s/%s: metadata.annotations or the first container's resources.limits is not an object",
				src, kind, ns, name);
		goto out;
	}
	const char *rk;
	json_t *rv;
	json_object_foreach(limits_to_add, rk, rv)
	{
		if (!json_object_get(lim, rk))
			json_object_set(lim, rk, rv);
	}
	json_decref(limits_to_add);
	json_decref(nets);
	rc = render(root, format, out, outlen, e);
	goto out;
err_oom:
	rc = rp_err_set(e, -ENOMEM, "out of memory");
err_text:
	free(text);
	json_decref(limits_to_add);
	goto out;
skip:
	rc = render(root, format, out, outlen, e);
	if (!rc)
		rc = RP_INJECT_SKIPPED;
out:
	json_decref(root);
	return rc;
}
