/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/store_mp/store_presets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/store.h"

static int open_store(const char *path, unsigned flags, const struct rp_store_params *p, struct rp_store **s,
		      struct rp_err *e)
{
	return rp_store_open(path, flags | (geteuid() ? RP_STORE_NOCHECK_OWNER : 0), p, s, e);
}

static struct rp_store_range range(const char *lo, const char *hi)
{
	struct rp_store_range r;

	rp_ip_parse(lo, &r.lo);
	rp_ip_parse(hi, &r.hi);
	return r;
}

static const struct rp_store_params tiny = {
	.max_leases = 1024, .max_owners = 8, .config_bytes = 4096, .max_readers = 2,
};

static int commit_one(struct rp_store *s, const char *cid, const uint32_t *pools, uint32_t npools,
		      uint32_t n, int commit)
{
	struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };
	struct rp_store_view v;
	struct rp_owner o;
	struct rp_owner_info info;
	struct rp_lease_info li;
	struct rp_err e = { 0 };
	int rc;

	if ((rc = rp_store_read_begin(s, &v)))
		return rc;
	rc = rp_store_owner_begin(s, &k, "/var/run/netns/corpus", &o, &info, &e);
	for (uint32_t i = 0; !rc && i < n; i++)
		rc = rp_store_reserve(s, &o, pools, npools, NULL, &li, &e);
	if (!rc)
		rc = rp_store_owner_set_data(s, &o, "saved-vf-state", 14);
	if (!rc && commit)
		rc = rp_store_commit(s, &o, &e);
	if (rc)
		fprintf(stderr, "preset: %s: %d %s\n", cid, rc, e.msg);
	rp_store_read_end(s);
	return rc;
}

int rp_test_store_preset(const char *tmp, int variant, const char **name)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	struct rp_store_range r4 = range("10.9.0.1", "10.9.0.100");
	struct rp_store_range x4 = range("10.9.0.50", "10.9.0.59");
	struct rp_store_range r6 = range("fd00:9::1", "fd00:9::40"), rs = { rp_ip_slot(0), rp_ip_slot(7) };
	struct rp_store_pool_def defs[3] = {
		{ .name = "rail1-v4", .family = RP_FAM_V4, .nranges = 1, .ranges = &r4, .nexcl = 1, .excl = &x4 },
		{ .name = "rail1-v6", .family = RP_FAM_V6, .nranges = 1, .ranges = &r6 },
		{ .name = "mlx5-vfs", .family = RP_FAM_SLOT, .nranges = 1, .ranges = &rs },
	};
	static const char blob[] = "{\"rails\":8}";
	struct rp_store_config cfg = { .npools = 3, .pools = defs, .blob = blob, .blob_len = sizeof(blob) };
	uint32_t all[3] = { 0, 1, 2 };
	int rc;

	rc = open_store(tmp, RP_STORE_CREATE, &tiny, &s, &e);
	if (rc) {
		fprintf(stderr, "preset %d: create %s: %s\n", variant, tmp, e.msg);
		return rc;
	}
	switch (variant) {
	case 0: /* fresh, never configured */
		*name = "fresh";
		break;
	case 1: /* one IPv4 pool, nothing allocated */
		cfg.npools = 1;
		cfg.blob = NULL;
		cfg.blob_len = 0;
		rc = rp_store_apply(s, &cfg, &e);
		*name = "one-pool";
		break;
	case 2: /* three pools, committed attachments, one still RESERVED */
		rc = rp_store_apply(s, &cfg, &e);
		rc = rc ?: commit_one(s, "c0ffee01", &all[0], 1, 2, 1);
		rc = rc ?: commit_one(s, "c0ffee02", &all[1], 1, 1, 1);
		rc = rc ?: commit_one(s, "c0ffee03", &all[2], 1, 1, 1);
		rc = rc ?: commit_one(s, "c0ffee04", all, 3, 3, 0);
		*name = "leases";
		break;
	case 3: /* second generation (active slot 1): a shrunk pool whose held addresses are doomed */
		rc = rp_store_apply(s, &cfg, &e);
		rc = rc ?: commit_one(s, "c0ffee05", &all[0], 1, 4, 1);
		r4 = range("10.9.0.2", "10.9.0.40");
		rc = rc ?: rp_store_apply(s, &cfg, &e);
		*name = "gen2-shrunk";
		break;
	default: /* a RESERVED attachment of a process that died */
		rc = rp_store_apply(s, &cfg, &e);
		if (!rc) {
			pid_t pid = fork();

			if (pid == 0) {
				struct rp_store *c = NULL;

				if (open_store(tmp, 0, NULL, &c, &e) == 0)
					commit_one(c, "deadbeef", all, 3, 2, 0);
				_exit(0);
			}
			while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		*name = "dead-reserver";
		break;
	}
	rp_store_close(s);
	if (rc) {
		fprintf(stderr, "preset %d: %d %s\n", variant, rc, e.msg);
		unlink(tmp);
	}
	return rc;
}
