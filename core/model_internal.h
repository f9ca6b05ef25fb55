/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between core/model*.c, core/manifest*.c, core/select.c and core/inject.c only. */
#ifndef RP_CORE_MODEL_INTERNAL_H
#define RP_CORE_MODEL_INTERNAL_H

#include "core/model.h"

/* Append a copy of the record; the model takes over the heap arrays inside @p (pools).
 * 0 or -ENOMEM (then the caller still owns them). */
int rp_model_add_pool(struct rp_model *m, const struct rp_model_pool *p);
int rp_model_add_net(struct rp_model *m, const struct rp_model_net *n);
int rp_model_add_policy(struct rp_model *m, const struct rp_model_policy *p);
int rp_model_add_rdma(struct rp_model *m, const struct rp_model_rdma *r);

/* Drop records added after the counts in @mark (a file that failed loads nothing). */
struct rp_model_mark {
	uint32_t npools, nnets, npolicies, nrdma;
};
void rp_model_mark(const struct rp_model *m, struct rp_model_mark *mark);
void rp_model_rollback(struct rp_model *m, const struct rp_model_mark *mark);

#endif
