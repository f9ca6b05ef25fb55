/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pod resource injection over a fixed model (the seeds' webhook configs).  Properties: a mutated
 * object re-injected is a conflict (it now has the networks annotation); a skipped one is
 * skipped again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/inject.h"
#include "core/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char model_yaml[] =
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: gpu1-net11}\n"
	"spec: {gateway: 172.16.11.254, subnet: 172.16.11.0/16, ips: [172.16.11.1-172.16.11.200]}\n---\n"
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderMultusConfig\n"
	"metadata: {name: gpu1-sriov, namespace: spiderpool, annotations: {cni.spidernet.io/rdma-resource-inject: rdma-network}}\n"
	"spec: {cniType: macvlan, macvlan: {master: [enp11s0f0np0], enableRdma: true, rdmaResourceName: spidernet.io/gpu1rdma},"
	" ippools: {ipv4: [gpu1-net11]}}\n---\n"
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderMultusConfig\n"
	"metadata: {name: gpu2-sriov, namespace: spiderpool, annotations: {cni.spidernet.io/rdma-resource-inject: rdma-network,"
	" cni.spidernet.io/network-resource-inject: net}}\n"
	"spec: {cniType: sriov, sriov: {resourceName: spidernet.io/gpu2sriov, enableRdma: true}, ippools: {ipv4: [gpu1-net11]}}\n---\n"
	"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderMultusConfig\n"
	"metadata: {name: plain, namespace: other, annotations: {cni.spidernet.io/network-resource-inject: net}}\n"
	"spec: {cniType: macvlan, macvlan: {master: [eth1]}, ippools: {ipv4: [gpu1-net11]}}\n";

static struct rp_model_view view;
static void *blob;

static void quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

static void init_model(void)
{
	struct rp_model m;
	struct rp_err e;
	uint32_t len;

	rp_log_set_hook(quiet, NULL);
	rp_model_init(&m);
	RP_ASSERT(rp_manifest_load_buf(&m, "model.yaml", model_yaml, sizeof(model_yaml) - 1, &e) == 0);
	RP_ASSERT(rp_model_validate(&m, &e) == 0);
	RP_ASSERT(rp_model_encode(&m, &blob, &len, &e) == 0);
	RP_ASSERT(rp_model_view_init(&view, blob, len, &e) == 0);
	rp_model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const excl[] = { "kube-system" };
	struct rp_inject_opts o = { .ns_exclude = excl, .n_exclude = 1 };
	struct rp_err e;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	int rc, rc2;

	if (!blob)
		init_model();
	o.format = size && (data[0] & 1) ? RP_INJECT_OUT_JSON : RP_INJECT_OUT_AUTO;
	rc = rp_inject(&view, "pod", data, size, &o, &out, &len, &e);
	if (rc == 0 || rc == RP_INJECT_SKIPPED) {
		RP_ASSERT(out && strlen(out) == len);
		rc2 = rp_inject(&view, "pod", out, len, &o, &out2, &len2, &e);
		RP_ASSERT(rc == 0 ? rc2 == -EEXIST : rc2 == RP_INJECT_SKIPPED);
		free(out2);
		free(out);
	}
	return 0;
}
