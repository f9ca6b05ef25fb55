/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the core_manifest tests: data paths, log capture, model loading. */
#ifndef RP_TEST_CORE_MANIFEST_HELPERS_H
#define RP_TEST_CORE_MANIFEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/manifest.h"
#include "core/model.h"

static char h_log[64][RP_ERR_MSG_MAX];
static unsigned h_nlog, h_nwarn;

static void h_hook(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level == RP_LOG_WARN)
		h_nwarn++;
	snprintf(h_log[h_nlog % 64], sizeof(h_log[0]), "%s", msg);
	h_nlog++;
}

static inline void h_capture(void)
{
	h_nlog = h_nwarn = 0;
	rp_log_set_hook(h_hook, NULL);
}

/* Was a message containing all of @a, @b, @c (NULL = skip) logged? */
static inline int h_logged(const char *a, const char *b, const char *c)
{
	for (unsigned i = 0; i < h_nlog && i < 64; i++)
		if (strstr(h_log[i], a) && (!b || strstr(h_log[i], b)) && (!c || strstr(h_log[i], c)))
			return 1;
	return 0;
}

static inline const char *h_data(const char *rel)
{
	static char buf[8][1024];
	static unsigned n;
	const char *root = getenv("RP_SOURCE_DIR");
	char *b = buf[n++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/tests/data/%s", root ? root : "../..", rel);
	return b;
}

/* Load @rel files (NULL-terminated) into @m; returns the first non-zero result. */
static inline int h_load(struct rp_model *m, struct rp_err *e, const char *const *rel)
{
	int rc = 0;

	for (; *rel; rel++) {
		int r = rp_manifest_load_file(m, h_data(*rel), e);

		if (r && !rc)
			rc = r;
	}
	return rc;
}

/* h_pool(m, name), h_net(m, name): the model's record of that name, or NULL. */
#define H_FIND(fn, type, arr, count)                                          \
	static inline const type *fn(const struct rp_model *m, const char *name) \
	{                                                                     \
		for (uint32_t i = 0; i < m->count; i++)                       \
			if (!strcmp(m->arr[i].name, name))                    \
				return &m->arr[i];                            \
		return NULL;                                                  \
	}
H_FIND(h_pool, struct rp_model_pool, pools, npools)
H_FIND(h_net, struct rp_model_net, nets, nnets)

/* h_fmt_range(), h_fmt_cidr(), h_fmt_addr(): the value as text, in a ring of 4 buffers per type
 * so a few can appear in one assertion. */
#define H_FMT(fn, type, format, len)                  \
	static inline const char *fn(const type *v)   \
	{                                             \
		static char b[4][len];                \
		static unsigned n;                    \
		char *s = b[n++ % 4];                 \
		format(v, s, len);                    \
		return s;                             \
	}
H_FMT(h_fmt_range, struct rp_range, rp_range_format, RP_RANGE_STRLEN)
H_FMT(h_fmt_cidr, struct rp_cidr, rp_cidr_format, RP_CIDR_STRLEN)
H_FMT(h_fmt_addr, struct rp_addr, rp_addr_format, RP_ADDR_STRLEN)

static inline uint32_t h_slot(const struct rp_ip *ip)
{
	return ((uint32_t)ip->b[12] << 24) | ((uint32_t)ip->b[13] << 16) | ((uint32_t)ip->b[14] << 8) | ip->b[15];
}

/* Slot pools of one store config must use disjoint windows (one slot index space). */
static inline int h_slots_disjoint(const struct rp_store_config *c)
{
	for (uint32_t i = 0; i < c->npools; i++)
		for (uint32_t j = i + 1; j < c->npools; j++) {
			const struct rp_store_pool_def *a = &c->pools[i], *b = &c->pools[j];

			if (a->family != RP_FAM_SLOT || b->family != RP_FAM_SLOT || !a->nranges || !b->nranges)
				continue;
			if (h_slot(&a->ranges[0].lo) <= h_slot(&b->ranges[0].hi) &&
			    h_slot(&b->ranges[0].lo) <= h_slot(&a->ranges[0].hi))
				return 0;
		}
	return 1;
}

#endif
