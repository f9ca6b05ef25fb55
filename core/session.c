/* SPDX-License-Identifier: Apache-2.0 */
#include "core/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"

int rp_session_open_store(const char *path, struct rp_store **out, struct rp_err *e)
{
	struct rp_err oe = {0};
	int ret = rp_store_open(path, 0, NULL, out, &oe);

	if (ret == 0)
		return 0;
	if (ret == -ENOENT)
		return rp_err_setc(e, ret, RP_CNI_ERR_IO,
				   "node store %s does not exist; load the manifests with `railpoolctl --state %s apply -f "
				   "FILE.yaml`, or point stateFile / ipam.stateFile / RAILPOOL_STATE at the right file",
				   path, path);
	if (ret == -EBADMSG || ret == -EPROTO)
		return rp_err_setc(e, ret, RP_CNI_ERR_STORE_CORRUPT, "node store %s is unusable: %s; run `railpoolctl "
				   "--state %s fsck`", path, oe.msg[0] ? oe.msg : strerror(-ret), path);
	return rp_err_setc(e, ret, RP_CNI_ERR_IO, "cannot open node store %s: %s", path,
			   oe.msg[0] ? oe.msg : strerror(-ret));
}

int rp_session_view(struct rp_store *s, struct rp_store_view *sv, struct rp_model_view *v, const char *path,
		    bool need_pools, struct rp_err *e)
{
	struct rp_err ve = {0};
	int ret = rp_store_read_begin(s, sv);

	if (ret)
		return rp_err_setc(e, ret, RP_CNI_ERR_IO, "node store %s: cannot read its configuration: %s", path,
				   strerror(-ret));
	ret = rp_model_view_init(v, sv->blob, sv->blob_len, &ve);
	if (ret) {
		rp_store_read_end(s);
		return rp_err_setc(e, ret, RP_CNI_ERR_STORE_CORRUPT, "node store %s: %s; re-apply the manifests with "
				   "the railpoolctl of this build", path, ve.msg);
	}
	if (need_pools && !rp_model_view_npools(v)) {
		rp_store_read_end(s);
		return rp_err_setc(e, -ENOENT, RP_CNI_ERR_NO_CONFIG, "node store %s holds no pools; load them with "
				   "`railpoolctl --state %s apply -f POOLS.yaml`", path, path);
	}
	return 0;
}

int rp_session_open(struct rp_session *ss, const char *path, struct rp_err *e)
{
	memset(ss, 0, sizeof(*ss));
	ss->path = path;
	return rp_session_open_store(path, &ss->store, e);
}

int rp_session_read(struct rp_session *ss, bool need_pools, struct rp_err *e)
{
	int ret = rp_session_view(ss->store, &ss->sv, &ss->v, ss->path, need_pools, e);

	ss->reading = ret == 0;
	return ret;
}

void rp_session_close(struct rp_session *ss)
{
	if (ss->reading)
		rp_store_read_end(ss->store);
	ss->reading = false;
	if (ss->store)
		rp_store_close(ss->store);
	ss->store = NULL;
}

bool rp_session_ip_is_zero(const uint8_t b[16])
{
	for (int i = 0; i < 16; i++)
		if (b[i])
			return false;
	return true;
}

struct rp_ip rp_session_blob_ip(uint8_t family, const uint8_t b[16])
{
	struct rp_ip ip;

	ip.family = family;
	memcpy(ip.b, b, 16);
	return ip;
}

const struct rp_blob_pool *rp_session_pool_of_store(struct rp_store *s, const struct rp_model_view *v, uint32_t pool)
{
	const char *name = pool == UINT32_MAX ? NULL : rp_store_pool_name(s, pool);
	int bi;

	if (!name)
		return NULL;
	bi = rp_model_view_pool_find(v, name);
	return bi < 0 ? NULL : &v->pools[bi];
}

const struct rp_blob_pool *rp_session_pool_of(struct rp_session *ss, uint32_t pool)
{
	return rp_session_pool_of_store(ss->store, &ss->v, pool);
}

uint32_t rp_session_store_pools(struct rp_session *ss, const uint32_t *bidx, uint32_t n, uint32_t *out)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i++) {
		int sp = rp_store_pool_find(ss->store, ss->v.pools[bidx[i]].name);
		if (sp >= 0)
			out[m++] = (uint32_t)sp;
	}
	return m;
}

const char *rp_session_node(void)
{
	static char host[256];
	const char *env = getenv("RAILPOOL_NODE");

	if (env && *env)
		return env;
	if (!host[0] && gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	return host;
}
