/* SPDX-License-Identifier: Apache-2.0 */
#include "core/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"

static int fail(struct rp_err *e, int code, int cni_code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(struct rp_err *e, int code, int cni_code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->code = code;
		e->cni_code = cni_code;
	}
	return code;
}

int rp_session_open(struct rp_session *ss, const char *path, struct rp_err *e)
{
	struct rp_err oe = {0};
	int ret;

	memset(ss, 0, sizeof(*ss));
	ss->path = path;
	ret = rp_store_open(path, 0, NULL, &ss->store, &oe);
	if (ret == 0)
		return 0;
	if (ret == -ENOENT)
		return fail(e, ret, RP_CNI_ERR_IO,
			    "node store %s does not exist; load the manifests with `railpoolctl --state %s apply -f "
			    "FILE.yaml`, or point stateFile / RAILPOOL_STATE at the right file", path, path);
	if (ret == -EBADMSG || ret == -EPROTO)
		return fail(e, ret, RP_CNI_ERR_STORE_CORRUPT, "node store %s is unusable: %s; run `railpoolctl "
			    "--state %s fsck`", path, oe.msg[0] ? oe.msg : strerror(-ret), path);
	return fail(e, ret, RP_CNI_ERR_IO, "cannot open node store %s: %s", path,
		    oe.msg[0] ? oe.msg : strerror(-ret));
}

int rp_session_read(struct rp_session *ss, bool need_pools, struct rp_err *e)
{
	struct rp_err ve = {0};
	int ret = rp_store_read_begin(ss->store, &ss->sv);

	if (ret)
		return fail(e, ret, RP_CNI_ERR_IO, "node store %s: cannot read its configuration: %s", ss->path,
			    strerror(-ret));
	ss->reading = true;
	ret = rp_model_view_init(&ss->v, ss->sv.blob, ss->sv.blob_len, &ve);
	if (ret)
		return fail(e, ret, RP_CNI_ERR_STORE_CORRUPT, "node store %s: %s; re-apply the manifests with "
			    "the railpoolctl of this build", ss->path, ve.msg);
	if (need_pools && !rp_model_view_npools(&ss->v))
		return fail(e, -ENOENT, RP_CNI_ERR_NO_CONFIG, "node store %s holds no pools; load them with "
			    "`railpoolctl --state %s apply -f POOLS.yaml`", ss->path, ss->path);
	return 0;
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

const struct rp_blob_pool *rp_session_pool_of(struct rp_session *ss, uint32_t pool)
{
	struct rp_store_pool_info pi;
	int bi;

	if (pool == UINT32_MAX || rp_store_pool_info(ss->store, pool, &pi) != 0)
		return NULL;
	bi = rp_model_view_pool_find(&ss->v, pi.name);
	return bi < 0 ? NULL : &ss->v.pools[bi];
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
