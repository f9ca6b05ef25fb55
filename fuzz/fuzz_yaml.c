/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest loader end to end: load (YAML/JSON, any kind), validate, encode the blob, read it
 * back through the view, select pools for every network, build the store configuration.  The
 * input is also handed to the blob reader as if it were a (corrupt) blob from the store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/manifest.h"
#include "core/select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(int level, const char *msg, void *arg)
{
	(void)level, (void)msg, (void)arg;
}

static void select_all(const struct rp_model_view *v)
{
	struct rp_addr master[2];
	uint32_t out[64];
	const char *refs[RP_MODEL_MAX_REFS];

	rp_addr_parse("172.16.1.40", &master[0], NULL);
	rp_addr_parse("fd00::1", &master[1], NULL);
	for (uint32_t i = 0; i < rp_model_view_nnets(v); i++) {
		for (uint8_t fam = 4; fam <= 6; fam += 2) {
			struct rp_select_req r;
			struct rp_err e;

			rp_select_req_from_net(v, &v->nets[i], fam, refs, &r);
			r.node = "node1";
			r.master_addrs = master;
			r.nmaster = 2;
			rp_select_pools(v, &r, out, 64, &e);
		}
	}
	struct rp_select_req d = { .family = 4, .node = "node1" };
	struct rp_err e;
	rp_select_pools(v, &d, out, 64, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rp_model m;
	struct rp_err e;
	struct rp_model_view v;
	void *blob;
	uint32_t len;

	rp_log_set_hook(quiet, NULL);
	rp_model_init(&m);
	if (!rp_manifest_load_buf(&m, "fuzz.yaml", data, size, &e) && !rp_model_validate(&m, &e) &&
	    !rp_model_encode(&m, &blob, &len, &e)) {
		RP_ASSERT(rp_model_view_init(&v, blob, len, &e) == 0);
		RP_ASSERT(rp_model_view_npools(&v) == m.npools);
		select_all(&v);
		free(blob);
		struct rp_model_store s;
		if (!rp_model_store_build(&m, "node1", &s, &e))
			rp_model_store_free(&s);
	}
	rp_model_free(&m);

	/* The same bytes as a blob: must be refused or read safely. */
	if (size >= sizeof(struct rp_blob_hdr) && size < (1u << 24)) {
		void *copy = aligned_alloc(8, (size + 7) & ~(size_t)7);

		if (copy) {
			memcpy(copy, data, size);
			if (!rp_model_view_init(&v, copy, (uint32_t)size, &e))
				select_all(&v);
			free(copy);
		}
	}
	return 0;
}
