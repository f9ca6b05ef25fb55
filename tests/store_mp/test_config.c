/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Config change under load: fork()ed allocators cycle begin/reserve/commit/release on pools "a"
 * and "b" while the parent applies a sequence of configurations (grow, shrink, exclude single
 * addresses and ranges, add a pool, remove it, re-add it, move addresses between pools).
 *
 * Checked while running: no address is ever held by two attachments (per-address holder counter
 * in shared memory).  For every commit a child checks that the address is allocatable under at
 * least one of the configs that may have been published while commit ran (from the last apply
 * that had returned before the call to the one after the last that had returned after it) — so
 * an address excluded by an apply that had returned is never newly committed — and records
 * (generation its read section saw, address); the parent checks afterwards that each address was
 * allocatable in that generation's config.  After each apply the parent pauses the
 * children (they hold nothing then) and checks that exactly the allocatable set of the new config
 * can be reserved — nothing lost, nothing excluded handed out — and that fsck is clean.
 *
 * Usage: test_store_mp_config [rounds] (default 8 x RP_TEST_SCALE, at least 1).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/store_mp/child.h"

#define NCHILD 4
#define NADDR 512 /* 10.1.X.Y, X in {0,1}: index X*256+Y */
#define BASE MP_IP4(10, 1, 0, 0)
#define NCFG 10
#define MAX_APPLY 256
#define MAX_GEN 256

struct span {
	uint16_t lo, hi;
};
struct pool_spec {
	const char *name;
	struct span r[3];
	struct span x[4];
};
struct cfg_spec {
	const char *what;
	struct pool_spec p[2];
};

#define S(a, b) { a, b }
static const struct cfg_spec cfgs[NCFG] = {
	{ "initial a=.0.0-63", { { "a", { S(0, 63) }, { S(0, 0) } } } },
	{ "grow a to .0.0-127", { { "a", { S(0, 127) }, { S(0, 0) } } } },
	{ "shrink a to .0.0-31", { { "a", { S(0, 31) }, { S(0, 0) } } } },
	{ "a=.0.0-63 excluding .5 .7 .10-.12",
	  { { "a", { S(0, 63) }, { S(5, 5), S(7, 7), S(10, 12) } } } },
	{ "add pool b=.1.0-31", { { "a", { S(0, 63) }, { S(5, 5), S(7, 7), S(10, 12) } },
				 { "b", { S(256, 287) }, { S(0, 0) } } } },
	{ "remove pool a", { { "b", { S(256, 287) }, { S(0, 0) } } } },
	{ "re-add a=.0.0-63", { { "a", { S(0, 63) }, { S(0, 0) } }, { "b", { S(256, 287) }, { S(0, 0) } } } },
	{ "move .0.32-63 from a to b", { { "a", { S(0, 31) }, { S(0, 0) } },
					 { "b", { S(32, 63), S(256, 287) }, { S(0, 0) } } } },
	{ "grow both, exclude .0.0-15 and .1.1 .1.3 .1.5",
	  { { "a", { S(0, 127) }, { S(0, 15) } }, { "b", { S(256, 319) }, { S(257, 257), S(259, 259), S(261, 261) } } } },
	{ "back to a=.0.0-63 b=.1.0-31", { { "a", { S(0, 63) }, { S(0, 0) } }, { "b", { S(256, 287) }, { S(0, 0) } } } },
};
#undef S

struct cfg_shared {
	_Atomic int holder[NADDR];
	_Atomic int applied;   /* number of the last apply that returned */
	_Atomic int pause_req, paused, stop, exited;
	_Atomic long cycles, commits, stale, enospc, noent;
	_Atomic int cfg_of[MAX_APPLY]; /* config of each apply, written before it starts; -1 after */
	_Atomic long window_checked, gen_unchecked;
	uint8_t seen[NCHILD][MAX_GEN][NADDR]; /* committed under generation g */
	struct mp_report rep;
};

static int rounds;
static const char *store_path;
static struct cfg_shared *sh;
static struct mp_claims claims;
static uint8_t allowed[NCFG][NADDR];

static uint32_t idx_host(uint32_t idx)
{
	return BASE + idx;
}

/* Turn a spec into definitions; @rbuf/@xbuf hold the ranges.  Returns npools. */
static uint32_t build(const struct cfg_spec *c, struct rp_store_pool_def defs[2],
		      struct rp_store_range rbuf[2][3], struct rp_store_range xbuf[2][4])
{
	uint32_t np = 0;

	for (int i = 0; i < 2 && c->p[i].name; i++, np++) {
		const struct pool_spec *ps = &c->p[i];
		uint32_t nr = 0, nx = 0;

		memset(&defs[i], 0, sizeof(defs[i]));
		snprintf(defs[i].name, sizeof(defs[i].name), "%s", ps->name);
		defs[i].family = RP_FAM_V4;
		for (int j = 0; j < 3 && (ps->r[j].hi || ps->r[j].lo); j++)
			rbuf[i][nr++] = mp_range_v4(idx_host(ps->r[j].lo), idx_host(ps->r[j].hi));
		for (int j = 0; j < 4 && (ps->x[j].hi || ps->x[j].lo); j++)
			xbuf[i][nx++] = mp_range_v4(idx_host(ps->x[j].lo), idx_host(ps->x[j].hi));
		defs[i].nranges = nr;
		defs[i].ranges = rbuf[i];
		defs[i].nexcl = nx;
		defs[i].excl = nx ? xbuf[i] : NULL;
	}
	return np;
}

static void compute_allowed(void)
{
	for (int c = 0; c < NCFG; c++) {
		for (int i = 0; i < 2 && cfgs[c].p[i].name; i++) {
			const struct pool_spec *ps = &cfgs[c].p[i];

			for (int j = 0; j < 3 && (ps->r[j].hi || ps->r[j].lo); j++)
				for (int a = ps->r[j].lo; a <= ps->r[j].hi; a++)
					allowed[c][a] = 1;
			for (int j = 0; j < 4 && (ps->x[j].hi || ps->x[j].lo); j++)
				for (int a = ps->x[j].lo; a <= ps->x[j].hi; a++)
					allowed[c][a] = 0;
		}
	}
}

static uint64_t pool_expected(int c, const char *name)
{
	uint8_t in[NADDR] = { 0 };
	uint64_t n = 0;

	for (int i = 0; i < 2 && cfgs[c].p[i].name; i++) {
		const struct pool_spec *ps = &cfgs[c].p[i];

		if (strcmp(ps->name, name))
			continue;
		for (int j = 0; j < 3 && (ps->r[j].hi || ps->r[j].lo); j++)
			for (int a = ps->r[j].lo; a <= ps->r[j].hi; a++)
				in[a] = 1;
		for (int j = 0; j < 4 && (ps->x[j].hi || ps->x[j].lo); j++)
			for (int a = ps->x[j].lo; a <= ps->x[j].hi; a++)
				in[a] = 0;
	}
	for (int a = 0; a < NADDR; a++)
		n += in[a];
	return n;
}

static int child(int me)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	uint64_t rnd = (uint64_t)(me + 1) * 0x9e3779b97f4a7c15ull;
	int rc = mp_open(store_path, 0, NULL, &s, &e);

	if (rc) {
		mp_report_fail(&sh->rep, "child %d: open: %d %s", me, rc, e.msg);
		atomic_fetch_add(&sh->exited, 1);
		return 2;
	}
	for (long i = 0; !atomic_load(&sh->stop); i++) {
		char cid[64];
		struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };
		struct rp_store_view v;
		struct rp_owner o;
		struct rp_owner_info info;
		uint32_t pools[2], np = 0;
		struct mp_held h;
		char who[64];
		uint32_t want = 1 + (uint32_t)(mp_rand(&rnd) % 3);
		int applied_pre, applied_post, pa, pb;

		if (atomic_load(&sh->pause_req)) {
			atomic_fetch_add(&sh->paused, 1);
			while (atomic_load(&sh->pause_req) && !atomic_load(&sh->stop))
				usleep(200);
			atomic_fetch_sub(&sh->paused, 1);
			continue;
		}
		snprintf(cid, sizeof(cid), "cfg-%d-%ld", me, i);
		if (rp_store_read_begin(s, &v)) {
			mp_report_fail(&sh->rep, "child %d: read_begin failed", me);
			break;
		}
		/* Alternate the preference so both pools get traffic. */
		pa = rp_store_pool_find(s, "a");
		pb = rp_store_pool_find(s, "b");
		if (i & 1) {
			int t = pa;
			pa = pb;
			pb = t;
		}
		if (pa >= 0)
			pools[np++] = (uint32_t)pa;
		if (pb >= 0)
			pools[np++] = (uint32_t)pb;
		if (!np) {
			mp_report_fail(&sh->rep, "child %d: gen %llu has no pool", me, (unsigned long long)v.gen);
			rp_store_read_end(s);
			break;
		}
		rc = rp_store_owner_begin(s, &k, "", &o, &info, &e);
		if (rc) {
			mp_report_fail(&sh->rep, "child %d: owner_begin: %d %s", me, rc, e.msg);
			rp_store_read_end(s);
			break;
		}
		snprintf(who, sizeof(who), "child %d (gen %llu)", me, (unsigned long long)v.gen);
		if (mp_reserve_claimed(s, &o, pools, np, want, &claims, who, &h) == -ENOSPC)
			atomic_fetch_add(&sh->enospc, 1);
		if (!h.n) {
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		/* A1 pairs with R1 in the parent: every apply numbered <= applied_pre has returned. */
		applied_pre = atomic_load_explicit(&sh->applied, memory_order_acquire);
		rc = rp_store_commit(s, &o, &e);
		if (rc == -ESTALE) {
			atomic_fetch_add(&sh->stale, 1);
			mp_unclaim(&h, &claims, 0, who);
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			continue;
		}
		if (rc) {
			mp_report_fail(&sh->rep, "child %d: commit: %d %s", me, rc, e.msg);
			mp_unclaim(&h, &claims, 0, who);
			rp_store_abort(s, &o);
			rp_store_read_end(s);
			break;
		}
		applied_post = atomic_load_explicit(&sh->applied, memory_order_acquire);
		rp_store_read_end(s);
		atomic_fetch_add(&sh->commits, 1);
		for (uint32_t j = 0; j < h.n; j++) {
			int ok_any = 0;

			for (int a = applied_pre; a <= applied_post + 1 && a < MAX_APPLY; a++) {
				int cf = atomic_load_explicit(&sh->cfg_of[a], memory_order_acquire);

				if (cf >= 0)
					ok_any |= allowed[cf][h.a[j]];
			}
			if (!ok_any)
				mp_report_fail(&sh->rep, "child %d: committed index %u under gen %llu after apply %d "
					       "('%s') had returned, before apply %d returned: excluded",
					       me, h.a[j], (unsigned long long)v.gen, applied_pre,
					       cfgs[atomic_load(&sh->cfg_of[applied_pre])].what, applied_post + 1);
			if (v.gen < MAX_GEN)
				sh->seen[me][v.gen][h.a[j]] = 1;
			else
				atomic_fetch_add(&sh->gen_unchecked, 1);
		}
		atomic_fetch_add_explicit(&sh->window_checked, h.n, memory_order_relaxed);
		mp_spin((uint32_t)(mp_rand(&rnd) % 3000));
		mp_unclaim(&h, &claims, 1, who);
		if (rp_store_read_begin(s, &v)) {
			mp_report_fail(&sh->rep, "child %d: read_begin failed", me);
			break;
		}
		rc = rp_store_release(s, &k, NULL);
		rp_store_read_end(s);
		if (rc != 1) {
			mp_report_fail(&sh->rep, "child %d: release: %d, want 1", me, rc);
			break;
		}
		atomic_fetch_add_explicit(&sh->cycles, 1, memory_order_relaxed);
	}
	rp_store_close(s);
	atomic_fetch_add(&sh->exited, 1);
	return 0;
}

/* With the children paused and holding nothing: exactly config @c's allocatable set is free. */
static void check_quiescent(struct rp_store *s, int c)
{
	struct rp_store_view v;
	struct rp_store_stats st;
	struct rp_err e = { 0 };
	struct rp_owner o[NADDR / RP_OWNER_MAX_LEASES + 1];
	struct rp_owner_info info;
	uint8_t got[NADDR] = { 0 };
	int no = 0, nres = 0, rc;

	for (int a = 0; a < NADDR; a++)
		assert_int_equal(atomic_load(&sh->holder[a]), 0);
	assert_int_equal(rp_store_stats(s, &st), 0);
	assert_int_equal(st.leases_reserved, 0);
	assert_int_equal(st.leases_committed, 0);
	assert_int_equal(st.owners_live, 0);
	assert_int_equal(st.owners_reserved, 0);
	assert_int_equal(mp_fsck(s, "config"), 0);

	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(v.npools, cfgs[c].p[1].name ? 2 : 1);
	for (uint32_t i = 0; i < v.npools; i++) {
		struct rp_store_pool_info pi;

		assert_int_equal(rp_store_pool_info(s, i, &pi), 0);
		if (pi.total != pool_expected(c, pi.name) || pi.used != 0 || pi.free != pi.total)
			printf("config: after '%s': pool %s total %llu (want %llu) used %llu free %llu\n",
			       cfgs[c].what, pi.name, (unsigned long long)pi.total,
			       (unsigned long long)pool_expected(c, pi.name), (unsigned long long)pi.used,
			       (unsigned long long)pi.free);
		assert_int_equal(pi.total, pool_expected(c, pi.name));
		assert_int_equal(pi.used, 0);
		assert_int_equal(pi.free, pi.total);
	}
	/* Drain every pool: the addresses handed out are exactly the allowed set. */
	for (;;) {
		uint32_t pools[2] = { 0, 1 };
		char cid[32];
		struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };
		int stop = 0;

		snprintf(cid, sizeof(cid), "drain-%d", no);
		assert_true(no < (int)RP_ARRAY_SIZE(o));
		assert_int_equal(rp_store_owner_begin(s, &k, "", &o[no], &info, &e), 0);
		no++;
		for (int j = 0; j < RP_OWNER_MAX_LEASES; j++) {
			struct rp_lease_info li;
			uint32_t a;

			rc = rp_store_reserve(s, &o[no - 1], pools, v.npools, NULL, &li, &e);
			if (rc == -ENOSPC) {
				stop = 1;
				break;
			}
			assert_int_equal(rc, 0);
			a = mp_v4_host(&li.ip) - BASE;
			assert_true(a < NADDR);
			if (!allowed[c][a] || got[a])
				printf("config: after '%s': drained index %u (allowed %d, seen %d)\n", cfgs[c].what, a,
				       allowed[c][a], got[a]);
			assert_true(allowed[c][a]);
			assert_false(got[a]);
			got[a] = 1;
			nres++;
		}
		if (stop)
			break;
	}
	for (int a = 0; a < NADDR; a++) {
		if (allowed[c][a] && !got[a])
			printf("config: after '%s': allowed index %u was not handed out (lost)\n", cfgs[c].what, a);
		assert_int_equal(got[a], allowed[c][a]);
	}
	for (int i = 0; i < no; i++)
		rp_store_abort(s, &o[i]);
	rp_store_read_end(s);
	assert_int_equal(mp_fsck(s, "config"), 0);
}

static void apply_cfg(struct rp_store *s, int c)
{
	struct rp_store_pool_def defs[2];
	struct rp_store_range rbuf[2][3], xbuf[2][4];
	struct rp_store_config cfg = { 0 };
	struct rp_err e = { 0 };
	int rc;

	cfg.npools = build(&cfgs[c], defs, rbuf, xbuf);
	cfg.pools = defs;
	rc = rp_store_apply(s, &cfg, &e);
	if (rc)
		print_error("apply '%s': %d %s\n", cfgs[c].what, rc, e.msg);
	assert_int_equal(rc, 0);
}

static uint64_t current_gen(struct rp_store *s)
{
	struct rp_store_view v;
	uint64_t g;

	assert_int_equal(rp_store_read_begin(s, &v), 0);
	g = v.gen;
	rp_store_read_end(s);
	return g;
}

static void test_config(void **state)
{
	struct rp_store_params p = mp_small_params(4096, 1024);
	struct rp_store *s = NULL;
	static uint64_t gen_of[MAX_APPLY];
	static int cfg_of[MAX_APPLY]; /* the parent's copy of sh->cfg_of */
	pid_t pids[NCHILD];
	int napply = 0;
	long bad = 0, checked = 0;

	(void)state;
	compute_allowed();
	assert_int_equal(mp_create(store_path, &p, NULL, &s), 0);
	apply_cfg(s, 0);
	for (int j = 0; j < MAX_APPLY; j++)
		atomic_store(&sh->cfg_of[j], -1);
	atomic_store(&sh->cfg_of[0], 0);
	cfg_of[0] = 0;
	gen_of[0] = current_gen(s);
	napply = 1;
	check_quiescent(s, 0);
	atomic_store(&sh->applied, 0);

	assert_int_equal(mp_spawn(pids, NCHILD, child), 0);
	for (int r = 0; r < rounds; r++) {
		for (int c = 1; c < NCFG && napply < MAX_APPLY; c++) {
			usleep(20000);
			cfg_of[napply] = c;
			atomic_store_explicit(&sh->cfg_of[napply], c, memory_order_release);
			apply_cfg(s, c);
			gen_of[napply] = current_gen(s);
			/* R1 pairs with A1 in child(). */
			atomic_store_explicit(&sh->applied, napply, memory_order_release);
			napply++;
			usleep(20000);

			atomic_store(&sh->pause_req, 1);
			while (atomic_load(&sh->paused) + atomic_load(&sh->exited) < NCHILD)
				usleep(200);
			check_quiescent(s, c);
			atomic_store(&sh->pause_req, 0);
			while (atomic_load(&sh->paused) > 0)
				usleep(200);
		}
	}
	atomic_store(&sh->stop, 1);
	for (int i = 0; i < NCHILD; i++)
		assert_int_equal(mp_wait(pids[i]), 0);
	printf("config: %d applies, %ld cycles, %ld commits, %ld ESTALE, %ld ENOSPC\n", napply,
	       atomic_load(&sh->cycles), atomic_load(&sh->commits), atomic_load(&sh->stale),
	       atomic_load(&sh->enospc));
	assert_int_equal(mp_report_dump(&sh->rep, "config"), 0);
	assert_true(atomic_load(&sh->commits) > 0);

	for (int ch = 0; ch < NCHILD; ch++) {
		for (uint64_t g = 0; g < MAX_GEN; g++) {
			int j, k = -1;

			for (j = 0; j < napply; j++)
				if (gen_of[j] == g)
					k = j;
			for (int a = 0; a < NADDR; a++) {
				if (!sh->seen[ch][g][a])
					continue;
				checked++;
				if (k < 0 || !allowed[cfg_of[k]][a]) {
					if (bad++ < 10)
						printf("config: child %d committed index %u under gen %llu (apply %d '%s'): "
						       "not allocatable there\n",
						       ch, a, (unsigned long long)g, k, k >= 0 ? cfgs[cfg_of[k]].what : "?");
				}
			}
		}
	}
	printf("config: %ld commits checked against the configs published meanwhile; %ld generations "
	       "beyond %d not checked\n",
	       atomic_load(&sh->window_checked), atomic_load(&sh->gen_unchecked), MAX_GEN);
	printf("config: %ld (generation, address) pairs checked against that generation's config, %ld "
	       "violations\n",
	       checked, bad);
	assert_int_equal(bad, 0);
	check_quiescent(s, cfg_of[napply - 1]);
	rp_store_close(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
	};

	rounds = argc > 1 ? atoi(argv[1]) : (int)mp_scaled(8, 1);
	sh = mp_setup("config", sizeof(*sh), &store_path);
	if (!sh)
		return 1;
	claims = (struct mp_claims){ .holder = sh->holder, .base = BASE, .naddr = NADDR, .rep = &sh->rep };
	printf("config: %d children, %d rounds of %d configs, store %s\n", NCHILD, rounds, NCFG - 1,
	       store_path);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
