/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Manifest loader: YAML (several documents per file, `---`) or JSON (JSON is YAML flow style;
 * libyaml reads both) into a struct rp_model (core/model.h).
 *
 * Kinds: SpiderIPPool, SpiderMultusConfig (spiderpool.spidernet.io), SriovNetworkNodePolicy
 * (sriovnetwork.openshift.io), the rdma shared device plugin's config.json (a bare
 * {"configList": [...]} document, or a ConfigMap carrying it in data."config.json"), and `List`
 * (items: [...]) or a top-level sequence of any of these.  Any other kind is skipped with a
 * warning.  Fields are accepted where the seeds put them as well as where upstream Spiderpool
 * does: rdmaResourceName and enableRdma at spec or spec.macvlan; ippools at spec.<type>.ippools
 * or spec.ippools; matchMasterSubnet at spec, spec.<type>, or inside either ippools.
 * Unknown fields are a warning (rp_log WARN naming file, document and field), never an error.
 *
 * Checks done per document while loading (problems name FILE, "document N (Kind name)", the
 * FIELD path such as spec.ips[0], the VALUE, and what to do):
 *  - types (string/int/bool/list), names non-empty, <= 63 chars, DNS-1123 (pool names must not
 *    contain wildcard characters);
 *  - SpiderIPPool: subnet required (host bits set are accepted, normalised, and warned about);
 *    ipVersion (4/6/ipv4/ipv6) must agree with the subnet; every address of ips, excludeIPs,
 *    gateway and route gateways parses (octets 0..255), ranges have lo <= hi, and lie inside the
 *    subnet; the gateway is not allocatable (not in ips minus excludeIPs); a route to 0.0.0.0/0
 *    or ::/0 is refused (use gateway); vlan is ignored with a warning;
 *  - SpiderMultusConfig: cniType macvlan|sriov (ipvlan, ib-sriov, ipoib, custom are parsed and
 *    refused: "cniType X is not supported on this node"); macvlan.master lists exactly one
 *    interface; mtu 0 (inherit) or 68..65535; vlanID 0..4094; at most RP_MODEL_MAX_REFS pool
 *    references per family;
 *  - SriovNetworkNodePolicy: resourceName and pfNames required; "pf#first-last" with
 *    first <= last < numVfs; numVfs 0..1024; linkType eth|ib; deviceType netdevice|vfio-pci;
 *    priority 0..99;
 *  - rdma shared config: resourceName required, rdmaHcaMax 1..65535.
 * Cross-document checks are in rp_model_validate() (core/model.h): unique names per kind,
 * overlapping ranges between pools of one node (both named), references.
 *
 * Thread safety: none shared; the model belongs to the caller's thread.
 * Allocations: appends to @m (released by rp_model_free).
 * Errors: -EINVAL when any document of the file has a problem: e->msg holds the first plus
 * "(and N more problems)", m->problems all of them (each is also logged at RP_LOG_ERR as it is
 * found); nothing of the file stays in @m (records of earlier files do).  -ENOENT/-EACCES/-EISDIR/-EFBIG (over 64 MiB) from reading the file; a YAML syntax
 * error is -EINVAL with its line and column.
 */
#ifndef RP_CORE_MANIFEST_H
#define RP_CORE_MANIFEST_H

#include <stddef.h>

#include "core/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_MANIFEST_MAX_BYTES (64u << 20)

int rp_manifest_load_file(struct rp_model *m, const char *path, struct rp_err *e);
/* @label names the input in messages (a file name, "<stdin>"). */
int rp_manifest_load_buf(struct rp_model *m, const char *label, const void *buf, size_t len,
			 struct rp_err *e);

/* Read a whole file (<= RP_MANIFEST_MAX_BYTES) into a malloc'd NUL-terminated buffer. */
int rp_manifest_read_file(const char *path, char **out, size_t *len, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
