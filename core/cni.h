/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CNI protocol as the railpool plugin speaks it: the CNI_* environment, the network config on
 * stdin, version negotiation, and the result / error JSON on stdout.
 *
 * Versions: results and errors are written in the config's cniVersion.  Supported: 0.3.0, 0.3.1,
 * 0.4.0 (as Multus still generates them), 1.0.0 and 1.1.0.  CHECK needs >= 0.4.0, GC and STATUS
 * need >= 1.1.0 (code 1 otherwise, as the reference skel does).
 *
 * Store path precedence: `--state PATH` (argv), then ipam.stateFile, then the top-level
 * stateFile, then env RAILPOOL_STATE, then RP_STORE_DEFAULT_PATH.
 *
 * Thread safety: every function works only on its arguments; no global state.
 * Allocations: struct rp_cni_conf owns the parsed JSON document and the valid-attachments array;
 * release with rp_cni_conf_free().  Result builders return a new jansson reference.
 * Errors: -errno with e->msg naming the variable or field and e->cni_code set (core/errors.h).
 */
#ifndef RP_CORE_CNI_H
#define RP_CORE_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/errors.h"
#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_CNI_VERSION_LATEST "1.1.0"
#define RP_CNI_MAX_IPS 4        /* requested addresses per attachment (all sources together) */
#define RP_CNI_MAX_POOLS 16     /* ipam.ippools.ipv4 / ipv6 entries */
#define RP_CNI_NAME_MAX 256     /* network name */
#define RP_CNI_PATH_MAX 4096
#define RP_CNI_NETNS_MAX 4096

/* Encoded versions: major << 16 | minor << 8 | patch. */
#define RP_CNI_V(maj, min, pat) (((maj) << 16) | ((min) << 8) | (pat))

enum rp_cni_cmd {
	RP_CNI_CMD_NONE = 0,
	RP_CNI_CMD_ADD,
	RP_CNI_CMD_DEL,
	RP_CNI_CMD_CHECK,
	RP_CNI_CMD_GC,
	RP_CNI_CMD_STATUS,
	RP_CNI_CMD_VERSION,
};
const char *rp_cni_cmd_name(int cmd); /* "ADD", ..., "?" */

/* An address with its prefix length (prefix 0 = not given). */
struct rp_cni_ip {
	struct rp_ip ip;
	uint8_t prefix;
};

/* The CNI_* environment. */
struct rp_cni_env {
	int cmd;                         /* enum rp_cni_cmd */
	char container_id[RP_CID_MAX];
	char netns[RP_CNI_NETNS_MAX];
	char ifname[RP_IFNAME_MAX];
	bool has_path;                   /* CNI_PATH given (we never exec delegates: not required) */
	/* CNI_ARGS */
	uint32_t nips;
	struct rp_cni_ip ips[RP_CNI_MAX_IPS]; /* IP=a[,b] */
	bool ignore_unknown;
	char pod_name[RP_NAME_MAX * 4];  /* K8S_POD_NAME (messages only) */
	char pod_namespace[RP_NAME_MAX * 4];
};

/*
 * Parse the environment @envp ("K=V" strings, NULL-terminated; pass `environ`).  Checks what
 * the command needs: ADD and CHECK need CNI_CONTAINERID, CNI_NETNS and CNI_IFNAME; DEL needs
 * CNI_CONTAINERID and CNI_IFNAME (CNI_NETNS may be empty: the netns may be gone); GC, STATUS
 * and VERSION need none.  CNI_CONTAINERID must be [A-Za-z0-9][A-Za-z0-9_.-]* and shorter than
 * RP_CID_MAX; CNI_IFNAME at most 15 bytes, not "." or "..", no '/', ':' or blank.
 * CNI_ARGS is "K=V;K=V": IP (one or more comma-separated addresses, IPv4/IPv6, optional
 * "/prefix"), IgnoreUnknown, K8S_POD_NAME, K8S_POD_NAMESPACE, K8S_POD_INFRA_CONTAINER_ID,
 * K8S_POD_UID; another key is refused unless IgnoreUnknown=1|true (host-local does the same).
 * Errors: -EINVAL, e->cni_code 4, e->msg names the variable and quotes the value.
 */
int rp_cni_env_parse(char *const *envp, struct rp_cni_env *out, struct rp_err *e);

/* One (containerID, ifname) of cni.dev/valid-attachments (or the older cni.dev/attachments). */
struct rp_cni_attachment {
	const char *container_id; /* points into the conf's JSON document */
	const char *ifname;
};

enum rp_cni_mode {
	RP_CNI_MODE_IPAM = 1,  /* ipam.type == "railpool" behind another main plugin */
	RP_CNI_MODE_RAILS = 2, /* type == "railpool" with "rails": core/attach's business */
};

struct rp_cni_conf {
	json_t *root;                     /* the whole document (owned) */
	char cni_version[16];             /* as written ("" = absent) */
	uint32_t version;                 /* RP_CNI_V() of cni_version */
	char name[RP_CNI_NAME_MAX];
	char type[64];
	int mode;                         /* enum rp_cni_mode */
	char state_file[RP_CNI_PATH_MAX]; /* ipam.stateFile, else top-level stateFile, else "" */
	/* ipam */
	uint32_t npools_v4, npools_v6;
	char pools_v4[RP_CNI_MAX_POOLS][RP_NAME_MAX]; /* pool names, shell wildcards allowed */
	char pools_v6[RP_CNI_MAX_POOLS][RP_NAME_MAX];
	bool default_route;               /* ipam.defaultRoute: add 0.0.0.0/0 (::/0) via the gateway */
	uint32_t nroutes;                 /* ipam.routes (host-local style): added to every result */
	struct {
		struct rp_cni_ip dst;     /* prefix required ("0.0.0.0/0" allowed here: explicit) */
		struct rp_ip gw;          /* family 0 = none */
	} routes[RP_CNI_MAX_POOLS];
	/* requested addresses: args.cni.ips, then runtimeConfig.ips (merged with CNI_ARGS IP later) */
	uint32_t nreq;
	struct rp_cni_ip req[RP_CNI_MAX_IPS];
	char device_id[128];              /* runtimeConfig.deviceID or top-level deviceID ("" none) */
	/* prevResult.ips (CHECK, DEL) */
	bool has_prev;
	uint32_t nprev;
	struct rp_cni_ip prev[RP_CNI_MAX_IPS * 2];
	/* GC */
	bool has_valid;
	uint32_t nvalid;
	struct rp_cni_attachment *valid;  /* malloc'd, sorted by (container_id, ifname) */
};

/*
 * Parse the network config @buf (@len bytes, not NUL-terminated) for command @cmd.
 * Checks: JSON object (code 6 with jansson's line/column otherwise); cniVersion supported and the
 * command allowed at it (code 1); name, type present strings (code 7); the mode: type
 * "railpool" with "rails" is RAILS mode (only the version/name/state fields are read here),
 * otherwise ipam.type must be "railpool" (code 7); for IPAM mode ipam keys are
 * type, ippools{ipv4,ipv6}, stateFile, defaultRoute, routes[{dst, gw}] — any other key is code 2 (a typo there
 * would silently change a pod's addressing).  No pool reference at all means the default pools.
 * Even on failure @out holds whatever was parsed (cni_version for the error JSON) and must be
 * released with rp_cni_conf_free().
 * Errors: -EINVAL / -EPROTONOSUPPORT / -EOPNOTSUPP with e->cni_code 1, 2, 6 or 7.
 */
int rp_cni_conf_parse(const char *buf, size_t len, int cmd, struct rp_cni_conf *out, struct rp_err *e);
void rp_cni_conf_free(struct rp_cni_conf *c);

/* Is @ver (e.g. "0.4.0") supported? Returns RP_CNI_V() or 0. */
uint32_t rp_cni_version_parse(const char *ver);
/* {"cniVersion": @version, "supportedVersions": [...]} (new reference).  @version is the
 * config's when supported (the reference plugins echo it), NULL/"" for RP_CNI_VERSION_LATEST. */
json_t *rp_cni_version_json(const char *version);

/* Is (@cid, @ifname) in @c's valid-attachments? O(log n). */
bool rp_cni_conf_valid_has(const struct rp_cni_conf *c, const char *cid, const char *ifname);

/*
 * Build an IPAM result in the shape of @version (0.3.x/0.4.0: ips[].version "4"/"6"; 1.x: no
 * version field).  rp_cni_result_new() returns {"cniVersion", "ips": [], "routes": [],
 * "dns": {}}; the add helpers append.  @gw NULL = no gateway.  NULL on allocation failure.
 */
json_t *rp_cni_result_new(const char *version);
int rp_cni_result_add_ip(json_t *res, uint32_t version, const struct rp_ip *ip, uint8_t prefix,
			 const struct rp_ip *gw);
int rp_cni_result_add_route(json_t *res, const struct rp_ip *dst, uint8_t prefix, const struct rp_ip *gw);

/* {"cniVersion", "code", "msg", "details"} (new reference); @details may be NULL. */
json_t *rp_cni_error_json(const char *version, int code, const char *msg, const char *details);

/* The CNI code for a failure that no layer classified: from e->cni_code or the -errno. */
int rp_cni_code_from_err(const struct rp_err *e);

/* "10.0.0.5/24" or "fd00::5/64" into @out (prefix 0 when none). 0 or -EINVAL. */
int rp_cni_ip_parse(const char *s, struct rp_cni_ip *out);

#ifdef __cplusplus
}
#endif
#endif
