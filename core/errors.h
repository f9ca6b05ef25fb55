/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CNI error codes the railpool plugin prints in its error JSON ({cniVersion, code, msg,
 * details} on stdout, exit status 1).
 *
 * Codes 1..99 are the CNI specification's (SPEC.md, "Error"); a runtime may act on them (11:
 * retry later; 50: plugin not ready).  Codes >= 100 are railpool's own; they are stable (never
 * renumbered) so operators can alert on them.  Every message names the culprit (env var, config
 * field, pool, file) and says what to do; the code only classifies.
 *
 * A layer that knows the right code sets `struct rp_err.cni_code`; otherwise core/ derives it
 * from the -errno with rp_cni_code_from_errno() (core/cni.h).
 */
#ifndef RP_CORE_ERRORS_H
#define RP_CORE_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the CNI specification's codes ---- */
#define RP_CNI_ERR_INCOMPATIBLE_VERSION 1 /* cniVersion not supported, or a command the version lacks */
#define RP_CNI_ERR_UNSUPPORTED_FIELD 2    /* a known field/value this plugin (build) does not support */
#define RP_CNI_ERR_UNKNOWN_CONTAINER 3    /* CHECK of an attachment that does not exist */
#define RP_CNI_ERR_INVALID_ENV 4          /* CNI_* variable missing or malformed (named in msg) */
#define RP_CNI_ERR_IO 5                   /* node store cannot be opened/read (path + reason) */
#define RP_CNI_ERR_DECODE 6               /* stdin is not JSON (line/column in msg) */
#define RP_CNI_ERR_INVALID_CONFIG 7       /* network config field missing/invalid (field named) */
#define RP_CNI_ERR_TRY_AGAIN 11           /* another process is working on this attachment */
#define RP_CNI_ERR_NOT_AVAILABLE 50       /* STATUS: cannot serve ADD now (why in msg) */
#define RP_CNI_ERR_NOT_AVAILABLE_DAMAGED 51 /* STATUS: and existing attachments may be damaged */

/* ---- railpool's own codes (>= 100) ---- */
#define RP_CNI_ERR_POOL_EXHAUSTED 100  /* every selected pool of a family has no free address */
#define RP_CNI_ERR_NO_POOL 101         /* no pool matched the references (msg lists what was tried) */
#define RP_CNI_ERR_VF_EXHAUSTED 102    /* no free VF for the resource */
#define RP_CNI_ERR_MTU 103             /* requested MTU above the master's/PF's */
#define RP_CNI_ERR_RDMA_MODE 104       /* RDMA netns mode is shared/exclusive, the rail needs the other */
#define RP_CNI_ERR_STORE_CORRUPT 105   /* store/blob failed a check: run `railpoolctl fsck` */
#define RP_CNI_ERR_IP_IN_USE 106       /* a requested address is held by another attachment */
#define RP_CNI_ERR_IP_NOT_IN_POOL 107  /* a requested address is in none of the selected pools */
#define RP_CNI_ERR_OWNER_TABLE_FULL 108 /* the store's attachment table is full */
#define RP_CNI_ERR_CONFIG_CHANGED 109  /* pools changed under the ADD twice in a row; retry */
#define RP_CNI_ERR_CHECK_MISMATCH 110  /* CHECK: prevResult disagrees with what the store holds */
#define RP_CNI_ERR_NO_CONFIG 111       /* the store holds no applied pools: `railpoolctl apply` */
#define RP_CNI_ERR_NETLINK 112         /* the kernel refused a rail operation (msg: rail, operation, extack) */
#define RP_CNI_ERR_RDMA_EXHAUSTED 113  /* a shared RDMA resource has rdmaHcaMax users already */
#define RP_CNI_ERR_GATEWAY 114         /* gateway probe: no ARP/NDP answer within the deadline */
#define RP_CNI_ERR_IP_CONFLICT 115     /* conflict probe: another host answers for the address */
#define RP_CNI_ERR_INTERNAL 199        /* anything else (msg has the errno text) */

#ifdef __cplusplus
}
#endif
#endif
