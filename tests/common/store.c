/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/common/store.h"

#include <string.h>
#include <unistd.h>

#include "core/manifest.h"
#include "core/model.h"

int rpt_store_from_yaml(const char *path, const char *name, const char *yaml, const struct rp_store_params *params,
			unsigned flags, struct rp_err *e)
{
	struct rp_model m;
	struct rp_model_store ms;
	struct rp_store *s;
	char node[256] = "";
	int ret;

	gethostname(node, sizeof(node) - 1);
	rp_model_init(&m);
	ret = rp_manifest_load_buf(&m, name, yaml, strlen(yaml), e);
	if (!ret)
		ret = rp_model_validate(&m, e);
	if (ret) {
		rp_err_prefix(e, "manifests: ");
		goto out_model;
	}
	ret = rp_model_store_build(&m, node, &ms, e);
	if (ret) {
		rp_err_prefix(e, "build: ");
		goto out_model;
	}
	ret = rp_store_open(path, flags, params, &s, e);
	if (!ret) {
		ret = rp_store_apply(s, &ms.cfg, e);
		rp_store_close(s);
	}
	if (ret)
		rp_err_prefix(e, "store %s: ", path);
	rp_model_store_free(&ms);
out_model:
	rp_model_free(&m);
	return ret;
}
