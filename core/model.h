/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration model: what the manifests say (SpiderIPPool, SpiderMultusConfig,
 * SriovNetworkNodePolicy, the rdma shared device plugin's config.json), in memory and as a
 * compact, position-independent binary "blob" that the node store keeps opaque
 * (struct rp_store_config.blob) and that a CNI process reads straight from the mmap.
 *
 * Life cycle (railpoolctl apply): rp_model_init() -> rp_manifest_load_*() for every file ->
 * rp_model_validate() -> rp_model_store_build() (pool defs + blob) -> rp_store_apply() ->
 * rp_model_store_free() + rp_model_free().  Nothing is applied unless load and validate both
 * returned 0: a file that fails leaves the caller with a model it must discard.
 *
 * Thread safety: a struct rp_model belongs to one thread.  A struct rp_model_view is read-only
 * and may be shared by any number of threads and processes.
 * Allocations: the model owns heap arrays (rp_model_free releases them); the view allocates
 * nothing.
 */
#ifndef RP_CORE_MODEL_H
#define RP_CORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_MODEL_NODE_MAX 64   /* node names (incl. NUL): HOST_NAME_MAX */
#define RP_MODEL_RES_MAX 128   /* resource names "prefix/name" (incl. NUL) */
#define RP_MODEL_SRC_MAX 160   /* "file: document N (Kind name)" kept for messages */
#define RP_MODEL_MAX_REFS 16   /* ippools.ipv4 / ipv6 entries per network */
#define RP_MODEL_MAX_PFS 16    /* nicSelector.pfNames / selectors.ifNames entries */

#define RP_ANNOT_RDMA_INJECT "cni.spidernet.io/rdma-resource-inject"
#define RP_ANNOT_NET_INJECT "cni.spidernet.io/network-resource-inject"
#define RP_ANNOT_NETWORKS "k8s.v1.cni.cncf.io/networks"

/* Where a record came from, for messages: "pools.yaml: document 2 (SpiderIPPool gpu1-net11)". */
struct rp_model_src {
	char where[RP_MODEL_SRC_MAX];
};

struct rp_model_route {
	struct rp_cidr dst;
	struct rp_addr gw;
};

/* SpiderIPPool. */
struct rp_model_pool {
	char name[RP_NAME_MAX];
	uint8_t family;            /* 4 or 6 */
	struct rp_cidr subnet;     /* normalised */
	struct rp_range *ips;      /* spec.ips, in written order */
	uint32_t nips;
	struct rp_range *excl;     /* spec.excludeIPs */
	uint32_t nexcl;
	bool has_gateway;
	struct rp_addr gateway;
	struct rp_model_route *routes;
	uint32_t nroutes;
	char node[RP_MODEL_NODE_MAX]; /* spec.nodeName ("" = every node) */
	bool is_default;
	bool disable;
	struct rp_model_src src;
};

enum rp_cni_type {
	RP_CNI_NONE = 0,
	RP_CNI_MACVLAN = 1,
	RP_CNI_SRIOV = 2,
	RP_CNI_IPVLAN = 3,  /* parsed, refused by validation: not supported on this node */
	RP_CNI_IBSRIOV = 4, /* idem */
	RP_CNI_IPOIB = 5,   /* idem */
	RP_CNI_CUSTOM = 6,  /* idem */
};
const char *rp_cni_type_name(int t); /* "macvlan", "sriov", "ipvlan", "ib-sriov", "ipoib", "custom" */

/* SpiderMultusConfig. */
struct rp_model_net {
	char name[RP_NAME_MAX];
	char ns[RP_NAME_MAX];                 /* metadata.namespace, default "default" */
	uint8_t cni_type;                     /* enum rp_cni_type */
	char master[RP_IFNAME_MAX];           /* macvlan.master[0] */
	char resource[RP_MODEL_RES_MAX];      /* sriov.resourceName */
	char rdma_resource[RP_MODEL_RES_MAX]; /* macvlan rdmaResourceName (spec or spec.macvlan) */
	bool rdma;                            /* rdmaIsolation / enableRdma */
	uint32_t mtu;                         /* 0 = inherit */
	int32_t vlan;                         /* -1 = none */
	char v4[RP_MODEL_MAX_REFS][RP_NAME_MAX]; /* pool references, may hold wildcards */
	uint32_t nv4;
	char v6[RP_MODEL_MAX_REFS][RP_NAME_MAX];
	uint32_t nv6;
	bool match_master_subnet;
	char inject_rdma[RP_NAME_MAX]; /* annotation cni.spidernet.io/rdma-resource-inject */
	char inject_net[RP_NAME_MAX];  /* annotation cni.spidernet.io/network-resource-inject */
	struct rp_model_src src;
};

struct rp_model_pf {
	char name[RP_IFNAME_MAX];
	int32_t first, last; /* "pf#first-last"; -1/-1 when the whole PF (VFs 0..numVfs-1) */
};

/* SriovNetworkNodePolicy. */
struct rp_model_policy {
	char name[RP_NAME_MAX];
	char ns[RP_NAME_MAX];
	char resource[RP_MODEL_RES_MAX]; /* spec.resourceName, as written (no prefix) */
	uint32_t num_vfs;
	struct rp_model_pf pfs[RP_MODEL_MAX_PFS];
	uint32_t npfs;
	char link_type[16];   /* "eth" / "ib" (lowercased), "" = eth */
	char device_type[16]; /* "netdevice" / "vfio-pci", "" = netdevice */
	bool is_rdma;
	int32_t priority;     /* -1 = unset */
	char node_hostname[RP_MODEL_NODE_MAX]; /* nodeSelector kubernetes.io/hostname, "" = any */
	struct rp_model_src src;
};

/* One entry of the rdma shared device plugin's configList. */
struct rp_model_rdma {
	char prefix[RP_NAME_MAX]; /* resourcePrefix (default "rdma") */
	char name[RP_NAME_MAX];   /* resourceName */
	uint32_t hca_max;         /* rdmaHcaMax */
	char ifnames[RP_MODEL_MAX_PFS][RP_IFNAME_MAX];
	uint32_t nifnames;
	struct rp_model_src src;
};

struct rp_model {
	struct rp_model_pool *pools;
	uint32_t npools, cap_pools;
	struct rp_model_net *nets;
	uint32_t nnets, cap_nets;
	struct rp_model_policy *policies;
	uint32_t npolicies, cap_policies;
	struct rp_model_rdma *rdma;
	uint32_t nrdma, cap_rdma;
	/* Every problem found by load and validate, one full message each (file, document, field,
	 * value, what to do); e->msg of the failing call holds the first. */
	char **problems;
	uint32_t nproblems;
	uint32_t nwarnings; /* warnings logged (unknown fields, normalised subnets, ...) */
};

void rp_model_init(struct rp_model *m);
void rp_model_free(struct rp_model *m);

/* Record a problem (formatted) in m->problems; also logged at RP_LOG_ERR. Returns -EINVAL. */
int rp_model_problem(struct rp_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log a warning (RP_LOG_WARN) and count it. */
void rp_model_warn(struct rp_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Cross-document checks over everything loaded (per-document checks happen while loading, see
 * core/manifest.h):
 *  - names unique per kind (pools by name; SpiderMultusConfigs and policies by namespace/name;
 *    rdma resources by prefix/name); one SriovNetworkNodePolicy per resourceName and node;
 *  - no two pools that can meet on one node (same nodeName, or either empty) share an address
 *    of spec.ips (the message names both pools and both ranges);
 *  - a SpiderMultusConfig that references no pool is allowed only when some enabled pool is
 *    default: true (the rail then takes the default pools at ADD time); otherwise it could never
 *    get an address and is refused;
 *  - an exact pool reference naming a pool of the other IP version is refused; references that
 *    match no loaded pool are a warning (the pool may be applied later);
 *  - slot pool names ("vf:<resourceName>", "rdma:<prefix>/<name>") fit RP_NAME_MAX.
 * Returns 0, or -EINVAL with e->msg = the first problem plus "(and N more problems)"; all of
 * them are in m->problems.  Also sorts pools by name and networks and policies by
 * namespace/name (the blob, selection and injection order rely on it).
 */
int rp_model_validate(struct rp_model *m, struct rp_err *e);

/* ---- blob: encoding and zero-copy reading ---- */

#define RP_BLOB_MAGIC 0x424d5052u /* "RPMB" little-endian */
#define RP_BLOB_VERSION_MAJOR 1   /* a reader refuses another major */
#define RP_BLOB_VERSION_MINOR 0   /* added fields at the end of records; readers ignore */

/* All records: fixed-width little-endian integers, byte arrays, explicit padding, no
 * pointers; offsets are from the blob start. The blob must start 8-byte aligned. */
struct rp_blob_hdr {
	uint32_t magic;
	uint16_t major, minor;
	uint32_t hdr_size;
	uint32_t total_size;
	uint32_t npools, pools_off, pool_size;
	uint32_t nranges, ranges_off;
	uint32_t nroutes, routes_off;
	uint32_t nnets, nets_off, net_size;
	uint32_t nrefs, refs_off;
	uint32_t npolicies, policies_off, policy_size;
	uint32_t nrdma, rdma_off, rdma_size;
	uint32_t reserved[8];
};

enum {
	RP_BLOB_POOL_DEFAULT = 1u << 0,
	RP_BLOB_POOL_DISABLE = 1u << 1,
	RP_BLOB_POOL_GATEWAY = 1u << 2,
};

struct rp_blob_range {
	uint8_t lo[16], hi[16];
};

struct rp_blob_route {
	uint8_t dst[16];
	uint8_t gw[16];
	uint8_t family, prefix, pad[2];
};

/* Pools are sorted by name (strcmp), so exact lookups and wildcard prefixes binary-search. */
struct rp_blob_pool {
	char name[RP_NAME_MAX];
	char node[RP_MODEL_NODE_MAX];
	uint8_t family, prefix, flags, pad0;
	uint8_t subnet[16];
	uint8_t gateway[16];
	uint32_t ips_first, nips;     /* indices into the range table */
	uint32_t excl_first, nexcl;
	uint32_t routes_first, nroutes;
	uint32_t pad1;
};

struct rp_blob_ref {
	char name[RP_NAME_MAX];
};

enum { RP_BLOB_NET_RDMA = 1u << 0, RP_BLOB_NET_MMS = 1u << 1 };

/* Networks sorted by namespace, then name. */
struct rp_blob_net {
	char name[RP_NAME_MAX];
	char ns[RP_NAME_MAX];
	char master[RP_IFNAME_MAX];
	char resource[RP_MODEL_RES_MAX];
	char rdma_resource[RP_MODEL_RES_MAX];
	char inject_rdma[RP_NAME_MAX];
	char inject_net[RP_NAME_MAX];
	uint8_t cni_type, flags, pad[2];
	uint32_t mtu;
	int32_t vlan;
	uint32_t v4_first, nv4; /* indices into the ref table */
	uint32_t v6_first, nv6;
	uint32_t pad1;
};

struct rp_blob_pf {
	char name[RP_IFNAME_MAX];
	int32_t first, last;
};

struct rp_blob_policy {
	char name[RP_NAME_MAX];
	char ns[RP_NAME_MAX];
	char resource[RP_MODEL_RES_MAX];
	char node_hostname[RP_MODEL_NODE_MAX];
	uint32_t num_vfs, npfs;
	struct rp_blob_pf pfs[RP_MODEL_MAX_PFS];
	uint8_t is_rdma, link_ib, vfio, pad;
	int32_t priority;
	uint32_t slot_base; /* its store slots are slot_base + 0..slots-1 (see rp_model_store_build) */
	uint32_t pad1;
};

struct rp_blob_rdma {
	char prefix[RP_NAME_MAX];
	char name[RP_NAME_MAX];
	uint32_t hca_max, nifnames;
	char ifnames[RP_MODEL_MAX_PFS][RP_IFNAME_MAX];
	uint32_t slot_base; /* its store slots are slot_base + 0..hca_max-1 */
	uint32_t pad1;
};

/*
 * Encode every record of @m (all nodes: selection explains why another node's pool was skipped)
 * into one malloc'd blob; *@out is the caller's to free().  Call after rp_model_validate().
 * Errors: -ENOMEM, -E2BIG (over 4 GiB).
 */
int rp_model_encode(const struct rp_model *m, void **out, uint32_t *len, struct rp_err *e);

/* A read-only view over a blob (e.g. straight from the store's mmap). */
struct rp_model_view {
	const uint8_t *base;
	uint32_t len;
	const struct rp_blob_hdr *h;
	const struct rp_blob_pool *pools;
	const struct rp_blob_range *ranges;
	const struct rp_blob_route *routes;
	const struct rp_blob_net *nets;
	const struct rp_blob_ref *refs;
	const struct rp_blob_policy *policies;
	const struct rp_blob_rdma *rdma;
};

/*
 * Check the header (magic, major version, sizes, every table inside the blob, alignment) and
 * every record's sub-table indices; O(records), no allocation.  An empty blob (NULL/0) gives an
 * empty view.  Errors: -EBADMSG (e->msg names the check), -EPROTO (another major version).
 */
int rp_model_view_init(struct rp_model_view *v, const void *blob, uint32_t len, struct rp_err *e);

static inline uint32_t rp_model_view_npools(const struct rp_model_view *v)
{
	return v->h ? v->h->npools : 0;
}
static inline uint32_t rp_model_view_nnets(const struct rp_model_view *v)
{
	return v->h ? v->h->nnets : 0;
}
/* Index of the pool named @name, or -ENOENT. O(log n). */
int rp_model_view_pool_find(const struct rp_model_view *v, const char *name);
/* The SpiderMultusConfig @ns/@name (@ns NULL: the first of that name), or NULL. */
const struct rp_blob_net *rp_model_view_net_find(const struct rp_model_view *v, const char *ns,
						 const char *name);
/*
 * The SriovNetworkNodePolicy providing @resource as a SpiderMultusConfig names it: the exact
 * resourceName, or its part after the last '/' (the device plugin adds a prefix such as
 * "spidernet.io/"). NULL when none.
 */
const struct rp_blob_policy *rp_model_view_policy_find(const struct rp_model_view *v,
							const char *resource);
/* The shared RDMA resource "prefix/name" (as a SpiderMultusConfig's rdmaResourceName names it),
 * or NULL. */
const struct rp_blob_rdma *rp_model_view_rdma_find(const struct rp_model_view *v, const char *resource);
/* Decoding helpers for blob records. */
void rp_blob_pool_subnet(const struct rp_blob_pool *p, struct rp_cidr *out);
bool rp_blob_pool_gateway(const struct rp_blob_pool *p, struct rp_addr *out);
void rp_blob_range_get(const struct rp_model_view *v, uint32_t idx, uint8_t family, struct rp_range *out);
/* Route @i (0..p->nroutes-1) of pool @p. */
void rp_blob_pool_route(const struct rp_model_view *v, const struct rp_blob_pool *p, uint32_t i,
			struct rp_cidr *dst, struct rp_addr *gw);

/* ---- node store configuration ---- */

/*
 * The node store's view of @m for node @node: one RP_FAM_V4/V6 pool per SpiderIPPool whose
 * nodeName is empty or @node (disabled pools are applied too, so leases they hold stay
 * accounted, but selection never picks them), one RP_FAM_SLOT pool "vf:<resourceName>" per
 * SriovNetworkNodePolicy that applies to @node (slots = the VFs it provisions: numVfs per PF, or
 * the "#first-last" count), and one "rdma:<resourcePrefix>/<resourceName>" per shared RDMA
 * resource (rdmaHcaMax slots); plus the blob.  Everything lives in @out until
 * rp_model_store_free().  Errors: -ENOMEM, -EINVAL (a slot pool name over RP_NAME_MAX-1).
 *
 * Slot pools share the store's one slot index space, so each gets its own 65536-slot window:
 * slot_base = (xxh32(pool name) & 0xffff) << 16, probing to the next free window in name order
 * on a collision.  The base depends only on the name (and, on a collision, the other names),
 * not on the order of the manifests, so a held VF keeps its slot across re-applies.  The blob
 * records it (rp_blob_policy.slot_base, rp_blob_rdma.slot_base): VF slot s of a lease is
 * rp_ip_slot_index(lease) - slot_base, counted over the policy's PFs in order (numVfs each, or
 * the "#first-last" VFs).  With @node NULL every pool and policy is included.
 */
struct rp_model_store {
	struct rp_store_config cfg;
	struct rp_store_pool_def *defs;
	struct rp_store_range *ranges;
	void *blob;
};
int rp_model_store_build(const struct rp_model *m, const char *node, struct rp_model_store *out,
			 struct rp_err *e);
void rp_model_store_free(struct rp_model_store *out);

/* Number of VFs policy @p provisions (sum over PFs). */
uint32_t rp_model_policy_slots(const struct rp_model_policy *p);

#ifdef __cplusplus
}
#endif
#endif
