/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A node store built from manifest text, as `railpoolctl apply` would build it, for tests and
 * benchmarks that need a store without running the CLI.  Not thread-safe (the manifest loader
 * is not); allocates nothing that outlives the call.
 */
#ifndef RP_TESTS_COMMON_STORE_H
#define RP_TESTS_COMMON_STORE_H

#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Load @yaml (named @name in messages), validate it, build this host's (gethostname) pools and
 * apply them to the store at @path, opened with @flags (e.g. RP_STORE_CREATE) and @params.
 * 0, or -errno with @e saying which step failed ("manifests: ...", "build: ...", "store PATH: ...").
 */
int rpt_store_from_yaml(const char *path, const char *name, const char *yaml, const struct rp_store_params *params,
			unsigned flags, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
