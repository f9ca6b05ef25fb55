/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resource injection: the mutation Spiderpool's webhook applies to a pod (see the seeds, "基于
 * Webhook 自动注入 RDMA 网络资源"), as a library for `railpoolctl inject` and a future webhook.
 *
 * Input: a Pod, or a workload with a pod template (Deployment, DaemonSet, StatefulSet,
 * ReplicaSet, Job, ReplicationController: spec.template; CronJob: spec.jobTemplate.spec.template;
 * any other kind with spec.template), as YAML or JSON.  When the pod (template) carries
 * annotation cni.spidernet.io/rdma-resource-inject or cni.spidernet.io/network-resource-inject
 * with value V, every SpiderMultusConfig of the model with the same annotation and value
 * (both annotations may be used; the union is taken), in namespace/name order, becomes one entry
 * of the pod's k8s.v1.cni.cncf.io/networks annotation, written as the seeds show it:
 *   [{"name":"gpu1-sriov","namespace":"spiderpool"},\n{"name":"gpu2-sriov",...}]
 * and each config's resource (sriov: sriov.resourceName; macvlan: rdmaResourceName) gets limit
 * 1 on the first container (an existing limit for it is left as is).  A macvlan config without
 * rdmaResourceName matched through network-resource-inject adds the network only.
 * Note: the sriov seed's sample output lists spidernet.io/gpuNrdma limits for configs whose
 * resourceName is spidernet.io/gpuNsriov; that cannot be scheduled (no device plugin offers it),
 * so railpool injects the configured resourceName, as upstream Spiderpool does.
 *
 * Thread safety: pure over the read-only view; any thread.  Allocations: *out (free()).
 */
#ifndef RP_CORE_INJECT_H
#define RP_CORE_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rp_inject_format { RP_INJECT_OUT_AUTO = 0, RP_INJECT_OUT_YAML = 1, RP_INJECT_OUT_JSON = 2 };

struct rp_inject_opts {
	const char *const *ns_include; /* podResourceInject.namespacesInclude (empty: all) */
	uint32_t n_include;
	const char *const *ns_exclude; /* podResourceInject.namespacesExclude */
	uint32_t n_exclude;
	int format;                    /* enum rp_inject_format; AUTO: JSON in, JSON out */
};

#define RP_INJECT_SKIPPED 1

/*
 * Mutate the object in @buf.  Returns 0 (mutated; *out is the new object), RP_INJECT_SKIPPED
 * (no inject annotation, or the namespace is excluded / not included: *out is the object
 * re-emitted unchanged, e->msg says why), or an error with e->msg naming the pod, the
 * annotation and the culprit config:
 *   -EEXIST  the pod already has k8s.v1.cni.cncf.io/networks (conflict: remove it);
 *   -ENOENT  no SpiderMultusConfig carries the annotation value;
 *   -ENOTSUP a matched config's cniType is not supported on this node;
 *   -EINVAL  a matched config has an empty resource name, or bad input (not an object, no pod
 *            template, no containers, syntax: line and column);
 *   -ENOMEM.
 */
int rp_inject(const struct rp_model_view *v, const char *label, const void *buf, size_t len,
	      const struct rp_inject_opts *o, char **out, size_t *outlen, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
