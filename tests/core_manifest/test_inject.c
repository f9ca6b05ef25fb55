/* SPDX-License-Identifier: Apache-2.0 */
/* Resource injection: the seeds' webhook examples reproduced exactly, and every error class. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/inject.h"
#include "helpers.h"
#include "tests/common/seeds.h"

struct fx {
	struct rp_model m;
	void *blob;
	uint32_t len;
	struct rp_model_view v;
};

static void fx_load(struct fx *f, const char *dir)
{
	struct rp_err e = { 0 };
	char rel[128];

	rp_model_init(&f->m);
	for (int n = 1; n <= 8; n++) {
		snprintf(rel, sizeof(rel), "%s/gpu%d.yaml", dir, n);
		if (rp_manifest_load_file(&f->m, h_data(rel), &e))
			fail_msg("%s", e.msg);
	}
	if (rp_model_validate(&f->m, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(rp_model_encode(&f->m, &f->blob, &f->len, &e), 0);
	assert_int_equal(rp_model_view_init(&f->v, f->blob, f->len, &e), 0);
}

static void fx_free(struct fx *f)
{
	free(f->blob);
	rp_model_free(&f->m);
}

/* The seeds' application, around the annotation fragment they print. */
static const char daemonset[] =
	"apiVersion: apps/v1\n"
	"kind: DaemonSet\n"
	"metadata:\n"
	"  name: rdma-tools\n"
	"  namespace: default\n"
	"spec:\n"
	"  selector:\n"
	"    matchLabels: {app: rdma-tools}\n"
	"  template:\n"
	"    metadata:\n"
	"      labels: {app: rdma-tools}\n"
	"      annotations:\n"
	"        cni.spidernet.io/rdma-resource-inject: rdma-network\n"
	"    spec:\n"
	"      containers:\n"
	"      - name: rdma-tools\n"
	"        image: ghcr.io/spidernet-io/rdma-tools:latest\n"
	"        resources:\n"
	"          limits:\n"
	"            cpu: \"1\"\n"
	"      - name: sidecar\n"
	"        image: busybox\n";

/* The networks annotation text of a seed file: the `|-` block after "networks: |-", unindented. */
static char *seed_networks(const char *rel, const char *marker)
{
	FILE *fp = fopen(h_data(rel), "r");
	char line[512], *out = calloc(1, 4096);
	int in = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *s = line;

		if (strstr(line, marker)) {
			in = 1;
			continue;
		}
		if (!in)
			continue;
		while (*s == ' ')
			s++;
		if (*s != '[' && *s != '{')
			break;
		strcat(out, s);
	}
	fclose(fp);
	size_t n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return out;
}

static json_t *run_json(struct fx *f, const char *in, int expect_rc)
{
	struct rp_inject_opts o = { .format = RP_INJECT_OUT_JSON };
	struct rp_err e = { 0 };
	char *out = NULL;
	size_t len = 0;
	int rc = rp_inject(&f->v, "ds.yaml", in, strlen(in), &o, &out, &len, &e);

	if (rc != expect_rc)
		fail_msg("rc %d, want %d: %s", rc, expect_rc, e.msg);
	json_t *j = json_loadb(out, len, 0, NULL);
	assert_non_null(j);
	free(out);
	return j;
}

static void check_limits(json_t *j, const char *suffix)
{
	json_t *c0 = json_array_get(json_object_get(json_object_get(json_object_get(json_object_get(j, "spec"), "template"), "spec"), "containers"), 0);
	json_t *lim = json_object_get(json_object_get(c0, "resources"), "limits");
	char key[64];

	assert_int_equal(json_object_size(lim), 9);
	assert_string_equal(json_string_value(json_object_get(lim, "cpu")), "1");
	for (int n = 1; n <= 8; n++) {
		snprintf(key, sizeof(key), "spidernet.io/gpu%d%s", n, suffix);
		assert_true(json_is_integer(json_object_get(lim, key)));
		assert_int_equal(json_integer_value(json_object_get(lim, key)), 1);
	}
	/* Only the first container. */
	json_t *c1 = json_array_get(json_object_get(json_object_get(json_object_get(json_object_get(j, "spec"), "template"), "spec"), "containers"), 1);
	assert_null(json_object_get(c1, "resources"));
}

static const char *networks_of(json_t *j)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(json_object_get(json_object_get(j, "spec"), "template"), "metadata"), "annotations"),
		RP_ANNOT_NETWORKS));
}

/* Macvlan guide, webhook section: configs gpuN-sriov (macvlan, rdmaResourceName gpuNrdma). */
static void t_seed_macvlan_inject(void **st)
{
	struct fx f;
	char *want = seed_networks("seed-macvlan/inject-result-fragment.yaml", "networks: |-");

	(void)st;
	h_capture();
	fx_load(&f, "macvlan-inject-8rail");
	json_t *j = run_json(&f, daemonset, 0);
	assert_string_equal(networks_of(j), RPT_SEED_MACVLAN_NETWORKS);
	assert_string_equal(networks_of(j), want); /* byte for byte as the seed prints it */
	check_limits(j, "rdma");
	json_decref(j);

	/* YAML in, YAML out: the annotation is a literal block like the seed's `|-`. */
	struct rp_err e = { 0 };
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(rp_inject(&f.v, "ds.yaml", daemonset, strlen(daemonset), NULL, &out, &len, &e), 0);
	assert_non_null(strstr(out, "k8s.v1.cni.cncf.io/networks: |-\n"));
	assert_non_null(strstr(out, "          [{\"name\":\"gpu1-sriov\",\"namespace\":\"spiderpool\"},\n"
				    "          {\"name\":\"gpu2-sriov\",\"namespace\":\"spiderpool\"},\n"));
	assert_non_null(strstr(out, "spidernet.io/gpu8rdma: 1\n"));
	assert_non_null(strstr(out, "cpu: \"1\"\n")); /* a string stays a string */
	free(out);
	free(want);
	fx_free(&f);
}

/* SR-IOV guide, webhook section: configs gpuN-sriov (sriov, resourceName gpuNsriov). */
static void t_seed_sriov_inject(void **st)
{
	struct fx f;
	char *want = seed_networks("seed-sriov-roce/inject-result-fragment.yaml", "networks: |-");
	char *values = seed_networks("seed-sriov-roce/rdma-tools-values.yaml", "networks: |-");

	(void)st;
	h_capture();
	fx_load(&f, "sriov-roce-inject-8rail");
	json_t *j = run_json(&f, daemonset, 0);
	assert_string_equal(networks_of(j), want);
	assert_string_equal(networks_of(j), values);
	/* The configured resourceName (the seed's sample prints gpuNrdma, which no device plugin of
	 * this setup offers; the values.yaml of the same guide uses gpuNsriov). */
	check_limits(j, "sriov");
	json_decref(j);
	free(want);
	free(values);
	fx_free(&f);
}

static void t_forms(void **st)
{
	struct fx f;
	struct rp_err e = { 0 };
	char *out = NULL;
	size_t len = 0;

	(void)st;
	h_capture();
	fx_load(&f, "macvlan-inject-8rail");
	/* A bare Pod in JSON, network-resource-inject: no config carries that one. */
	const char *pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ai\","
			  "\"annotations\":{\"cni.spidernet.io/network-resource-inject\":\"rdma-network\"}},"
			  "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}";
	assert_int_equal(rp_inject(&f.v, "pod.json", pod, strlen(pod), NULL, &out, &len, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "pod.json: Pod ai/p: no SpiderMultusConfig has annotation cni.spidernet.io/network-resource-inject: rdma-network"));
	/* rdma-resource-inject on a bare Pod: JSON in, JSON out, limits created. */
	const char *pod2 = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"ai\","
			   "\"annotations\":{\"cni.spidernet.io/rdma-resource-inject\":\"rdma-network\"}},"
			   "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}";
	assert_int_equal(rp_inject(&f.v, "pod.json", pod2, strlen(pod2), NULL, &out, &len, &e), 0);
	json_t *j = json_loadb(out, len, 0, NULL);
	assert_non_null(j);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(json_object_get(j, "metadata"), "annotations"), RP_ANNOT_NETWORKS)),
			       "gpu8-sriov"));
	json_t *lim = json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(j, "spec"), "containers"), 0), "resources"), "limits");
	assert_int_equal(json_object_size(lim), 8);
	json_decref(j);
	free(out);
	out = NULL;

	/* Namespace lists: excluded, or not included, is skipped (object re-emitted unchanged). */
	const char *ex[] = { "ai" }, *inc[] = { "other" };
	struct rp_inject_opts o = { .ns_exclude = ex, .n_exclude = 1, .format = RP_INJECT_OUT_JSON };
	assert_int_equal(rp_inject(&f.v, "pod.json", pod2, strlen(pod2), &o, &out, &len, &e), RP_INJECT_SKIPPED);
	assert_non_null(strstr(e.msg, "namespace ai is excluded"));
	assert_null(strstr(out, RP_ANNOT_NETWORKS));
	free(out);
	out = NULL;
	struct rp_inject_opts o2 = { .ns_include = inc, .n_include = 1 };
	assert_int_equal(rp_inject(&f.v, "pod.json", pod2, strlen(pod2), &o2, &out, &len, &e), RP_INJECT_SKIPPED);
	assert_non_null(strstr(e.msg, "not in the include list"));
	free(out);
	out = NULL;
	/* No inject annotation at all. */
	const char *plain = "kind: Pod\nmetadata: {name: q}\nspec: {containers: [{name: c}]}\n";
	assert_int_equal(rp_inject(&f.v, "q.yaml", plain, strlen(plain), NULL, &out, &len, &e), RP_INJECT_SKIPPED);
	assert_non_null(strstr(out, "name: q"));
	free(out);
	out = NULL;
	/* Conflict with an existing networks annotation. */
	const char *conflict = "kind: Deployment\nmetadata: {name: d, namespace: ai}\nspec:\n  template:\n    metadata:\n"
			       "      annotations:\n        cni.spidernet.io/rdma-resource-inject: rdma-network\n"
			       "        k8s.v1.cni.cncf.io/networks: '[{\"name\":\"x\"}]'\n"
			       "    spec: {containers: [{name: c}]}\n";
	assert_int_equal(rp_inject(&f.v, "d.yaml", conflict, strlen(conflict), NULL, &out, &len, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "d.yaml: Deployment ai/d: the pod already has annotation k8s.v1.cni.cncf.io/networks"));
	assert_null(out);
	/* No containers; no template; not an object; syntax. */
	const char *nocont = "kind: Pod\nmetadata: {name: q, annotations: {cni.spidernet.io/rdma-resource-inject: rdma-network}}\nspec: {}\n";
	assert_int_equal(rp_inject(&f.v, "q.yaml", nocont, strlen(nocont), NULL, &out, &len, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "spec.containers is empty"));
	const char *notpl = "kind: Service\nmetadata: {name: s}\nspec: {}\n";
	assert_int_equal(rp_inject(&f.v, "s.yaml", notpl, strlen(notpl), NULL, &out, &len, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no pod template"));
	assert_int_equal(rp_inject(&f.v, "x.yaml", "[1, 2]", 6, NULL, &out, &len, &e), -EINVAL);
	assert_int_equal(rp_inject(&f.v, "x.yaml", "kind: [", 7, NULL, &out, &len, &e), -EINVAL);
	if (!strstr(e.msg, "x.yaml: YAML syntax error at line 2 column 1"))
		fail_msg("%s", e.msg);
	/* CronJob's template lives deeper. */
	const char *cron = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n"
			   "        metadata: {annotations: {cni.spidernet.io/rdma-resource-inject: rdma-network}}\n"
			   "        spec: {containers: [{name: c}]}\n";
	assert_int_equal(rp_inject(&f.v, "c.yaml", cron, strlen(cron), NULL, &out, &len, &e), 0);
	assert_non_null(strstr(out, "spidernet.io/gpu3rdma: 1"));
	free(out);
	fx_free(&f);
}

/* Errors that need configs a validated model never holds: built by hand. */
static void t_bad_configs(void **st)
{
	struct rp_model m;
	struct rp_err e = { 0 };
	struct rp_model_view v;
	void *blob;
	uint32_t len;
	char *out = NULL;
	size_t olen;
	const char *pod = "kind: Pod\nmetadata: {name: p, annotations: {cni.spidernet.io/network-resource-inject: n1}}\n"
			  "spec: {containers: [{name: c}]}\n";

	(void)st;
	rp_model_init(&m);
	m.nets = calloc(2, sizeof(*m.nets));
	m.nnets = 2;
	strcpy(m.nets[0].name, "a");
	strcpy(m.nets[0].ns, "x");
	m.nets[0].cni_type = RP_CNI_MACVLAN; /* no rdmaResourceName: network only */
	strcpy(m.nets[0].inject_net, "n1");
	strcpy(m.nets[1].name, "b");
	strcpy(m.nets[1].ns, "x");
	m.nets[1].cni_type = RP_CNI_IPVLAN;
	strcpy(m.nets[1].inject_net, "n1");
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	assert_int_equal(rp_inject(&v, "p.yaml", pod, strlen(pod), NULL, &out, &olen, &e), -ENOTSUP);
	assert_non_null(strstr(e.msg, "SpiderMultusConfig x/b"));
	assert_non_null(strstr(e.msg, "cniType ipvlan, which is not supported on this node"));
	free(blob);
	m.nets[1].cni_type = RP_CNI_SRIOV; /* empty resourceName */
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	assert_int_equal(rp_inject(&v, "p.yaml", pod, strlen(pod), NULL, &out, &olen, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "SpiderMultusConfig x/b"));
	assert_non_null(strstr(e.msg, "empty resource name; set spec.sriov.resourceName"));
	free(blob);
	strcpy(m.nets[1].resource, "spidernet.io/vf");
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	struct rp_inject_opts oj = { .format = RP_INJECT_OUT_JSON };
	assert_int_equal(rp_inject(&v, "p.yaml", pod, strlen(pod), &oj, &out, &olen, &e), 0);
	json_t *j = json_loadb(out, olen, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "metadata"), "annotations"),
							      RP_ANNOT_NETWORKS)),
			    "[{\"name\":\"a\",\"namespace\":\"x\"},\n{\"name\":\"b\",\"namespace\":\"x\"}]");
	json_t *lim = json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(j, "spec"), "containers"), 0),
						      "resources"), "limits");
	assert_int_equal(json_object_size(lim), 1); /* the macvlan config adds its network only */
	assert_int_equal(json_integer_value(json_object_get(lim, "spidernet.io/vf")), 1);
	json_decref(j);
	free(out);
	free(blob);
	/* The macvlan one, matched through rdma-resource-inject, must have a resource. */
	strcpy(m.nets[0].inject_rdma, "r1");
	assert_int_equal(rp_model_encode(&m, &blob, &len, &e), 0);
	assert_int_equal(rp_model_view_init(&v, blob, len, &e), 0);
	const char *pod2 = "kind: Pod\nmetadata: {name: p, annotations: {cni.spidernet.io/rdma-resource-inject: r1}}\n"
			   "spec: {containers: [{name: c}]}\n";
	out = NULL;
	assert_int_equal(rp_inject(&v, "p.yaml", pod2, strlen(pod2), NULL, &out, &olen, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "set spec.macvlan.rdmaResourceName"));
	free(blob);
	rp_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(t_seed_macvlan_inject),
		cmocka_unit_test(t_seed_sriov_inject),
		cmocka_unit_test(t_forms),
		cmocka_unit_test(t_bad_configs),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
