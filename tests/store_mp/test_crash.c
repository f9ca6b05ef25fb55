/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash: hundreds of fork()ed allocators are SIGKILLed at random points (10% right after fork,
 * 15% while starting, the rest while inside a randomly chosen owner_begin, reserve, commit or
 * release, found by polling the phase each victim publishes) while a survivor process keeps
 * allocating and the parent holds a few committed attachments.  Afterwards a full
 * rp_store_sweep() must leave no RESERVED lease or record of a dead process, no address held
 * twice, and every address accounted for: free + held by live attachments == total.
 *
 * Duplicate detection while running: holder[addr] is the serial of the process that reserved it
 * (CAS 0 -> serial after reserve, serial -> 0 before release).  Finding another serial there is a
 * duplicate unless that process has been killed (alive[serial] cleared by the parent right after
 * kill() returns), in which case the store legitimately swept its lease.
 *
 * Usage: test_store_mp_crash [victims] (default 520 x RP_TEST_SCALE: 520 in the ASan run, 104 under TSan).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/store_mp/mp_common.h"

#define POOL_N 4096
#define BASE MP_IP4(10, 2, 0, 0)
#define MAX_SERIAL 4096
#define PARENT_OWNERS 4
#define PARENT_LEASES 2
#define SURVIVOR_LEASES 3
#define CONCURRENT 2

enum phase { PH_NONE, PH_OPEN, PH_BEGIN, PH_RESERVE, PH_COMMIT, PH_RELEASE, PH_OTHER, PH_MAX };
static const char *const phase_names[PH_MAX] = { "fork", "open", "owner_begin", "reserve",
						 "commit", "release", "between" };

struct crash_shared {
	_Atomic int32_t holder[POOL_N];
	_Atomic uint8_t alive[MAX_SERIAL];
	_Atomic uint8_t phase[MAX_SERIAL];
	_Atomic long cycles, enospc, ebusy, stale_holder_ok;
	_Atomic int survivor_stop, survivor_ready, survivor_done;
	uint32_t survivor_addrs[SURVIVOR_LEASES];
	struct mp_report rep;
};

static long nvictims;
static const char *store_path;
static struct crash_shared *sh;

/* Wait a little for the parent to mark a killed process dead before calling it a duplicate. */
static int holder_is_dead(int32_t serial)
{
	for (int i = 0; i < 200; i++) {
		if (!atomic_load(&sh->alive[serial]))
			return 1;
		usleep(500);
	}
	return 0;
}

static void claim_holder(int32_t me, uint32_t a)
{
	for (;;) {
		int32_t cur = 0;

		if (atomic_compare_exchange_strong(&sh->holder[a], &cur, me))
			return;
		if (!holder_is_dead(cur)) {
			mp_report_fail(&sh->rep, "process %d: DUPLICATE: 10.2.%u.%u held by live process %d", me,
				       a >> 8, a & 255, cur);
			return;
		}
		if (atomic_compare_exchange_strong(&sh->holder[a], &cur, me)) {
			atomic_fetch_add(&sh->stale_holder_ok, 1);
			return;
		}
	}
}

static void drop_holder(int32_t me, uint32_t a)
{
	int32_t cur = me;

	if (!atomic_compare_exchange_strong(&sh->holder[a], &cur, 0))
		mp_report_fail(&sh->rep, "process %d: holder of 10.2.%u.%u became %d while we held it", me,
			       a >> 8, a & 255, cur);
}

static void set_phase(int32_t me, enum phase p)
{
	atomic_store_explicit(&sh->phase[me], (uint8_t)p, memory_order_relaxed);
}

/*
 * One allocate/commit/release cycle with random pauses between the steps.  With @keep the
 * committed attachment is kept (and its addresses returned in @addrs).  Returns 0, or 1 when the
 * store was legitimately busy/full, or -1 after reporting a failure.
 */
static int cycle(struct rp_store *s, int32_t me, long i, uint64_t *rnd, uint32_t want, int keep,
		 uint32_t *addrs)
{
	char cid[64];
	struct rp_owner_key k = { .container_id = cid, .ifname = "net1" };
	struct rp_store_view v;
	struct rp_owner o;
	struct rp_owner_info info;
	struct rp_err e = { 0 };
	uint32_t held[RP_OWNER_MAX_LEASES], n = 0, pool;
	int rc;

	snprintf(cid, sizeof(cid), "%s-%d-%ld", keep ? "survivor" : "crash", me, i);
	if (rp_store_read_begin(s, &v)) {
		mp_report_fail(&sh->rep, "process %d: read_begin failed", me);
		return -1;
	}
	pool = 0;
	set_phase(me, PH_BEGIN);
	rc = rp_store_owner_begin(s, &k, "/proc/self/ns/net", &o, &info, &e);
	set_phase(me, PH_OTHER);
	if (rc == -ENOSPC || rc == -EBUSY) {
		atomic_fetch_add(rc == -EBUSY ? &sh->ebusy : &sh->enospc, 1);
		rp_store_read_end(s);
		return 1;
	}
	if (rc) {
		mp_report_fail(&sh->rep, "process %d: owner_begin %s: %d %s", me, cid, rc, e.msg);
		rp_store_read_end(s);
		return -1;
	}
	for (uint32_t j = 0; j < want; j++) {
		struct rp_lease_info li;
		uint32_t a;

		mp_spin((uint32_t)(mp_rand(rnd) % 2000));
		set_phase(me, PH_RESERVE);
		rc = rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e);
		set_phase(me, PH_OTHER);
		if (rc) {
			if (rc == -ENOSPC)
				atomic_fetch_add(&sh->enospc, 1);
			else
				mp_report_fail(&sh->rep, "process %d: reserve: %d %s", me, rc, e.msg);
			break;
		}
		a = mp_v4_host(&li.ip) - BASE;
		if (a >= POOL_N) {
			mp_report_fail(&sh->rep, "process %d: reserve returned a foreign address", me);
			break;
		}
		claim_holder(me, a);
		held[n++] = a;
	}
	if (n != want) {
		for (uint32_t j = 0; j < n; j++)
			drop_holder(me, held[j]);
		rp_store_abort(s, &o);
		rp_store_read_end(s);
		return rc == -ENOSPC ? 1 : -1;
	}
	mp_spin((uint32_t)(mp_rand(rnd) % 2000));
	set_phase(me, PH_COMMIT);
	rc = rp_store_commit(s, &o, &e);
	set_phase(me, PH_OTHER);
	rp_store_read_end(s);
	if (rc) {
		mp_report_fail(&sh->rep, "process %d: commit: %d %s", me, rc, e.msg);
		return -1;
	}
	if (keep) {
		memcpy(addrs, held, n * sizeof(held[0]));
		return 0;
	}
	mp_spin((uint32_t)(mp_rand(rnd) % 2000));
	for (uint32_t j = 0; j < n; j++)
		drop_holder(me, held[j]);
	if (rp_store_read_begin(s, &v)) {
		mp_report_fail(&sh->rep, "process %d: read_begin failed", me);
		return -1;
	}
	set_phase(me, PH_RELEASE);
	rc = rp_store_release(s, &k, NULL);
	set_phase(me, PH_OTHER);
	rp_store_read_end(s);
	if (rc != 1) {
		mp_report_fail(&sh->rep, "process %d: release %s: %d, want 1", me, cid, rc);
		return -1;
	}
	atomic_fetch_add_explicit(&sh->cycles, 1, memory_order_relaxed);
	return 0;
}

static int victim(int32_t me)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	uint64_t rnd = ((uint64_t)getpid() << 20) ^ (uint64_t)me * 0x9e3779b97f4a7c15ull;
	int rc;

	set_phase(me, PH_OPEN);
	rc = mp_open(store_path, 0, NULL, &s, &e);
	set_phase(me, PH_OTHER);
	if (rc) {
		mp_report_fail(&sh->rep, "process %d: open: %d %s", me, rc, e.msg);
		return 2;
	}
	for (long i = 0;; i++) {
		if (cycle(s, me, i, &rnd, 1 + (uint32_t)(mp_rand(&rnd) % 4), 0, NULL) < 0)
			usleep(1000); /* reported; keep going so the parent's kill still lands */
	}
}

static int survivor(int32_t me)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };
	uint64_t rnd = 42;
	long i = 0;
	int rc;

	rc = mp_open(store_path, 0, NULL, &s, &e);
	if (rc) {
		mp_report_fail(&sh->rep, "survivor: open: %d %s", rc, e.msg);
		return 2;
	}
	while (!atomic_load(&sh->survivor_stop)) {
		if (cycle(s, me, i++, &rnd, 1 + (uint32_t)(mp_rand(&rnd) % 4), 0, NULL) < 0)
			return 3;
	}
	rc = cycle(s, me, i, &rnd, SURVIVOR_LEASES, 1, sh->survivor_addrs);
	if (rc)
		return 4;
	atomic_store(&sh->survivor_ready, 1);
	while (!atomic_load(&sh->survivor_done))
		usleep(1000);
	rp_store_close(s);
	return 0;
}

struct scan {
	uint8_t seen[POOL_N];
	long live, other, victims_live, leases, dup;
};

static int scan_owner(const struct rp_owner_info *info, void *arg)
{
	struct scan *sc = arg;

	if (info->state != RP_OWNER_LIVE) {
		printf("crash: owner %s/%s left in state %u by pid %d\n", info->container_id, info->ifname,
		       info->state, info->pid);
		sc->other++;
		return 0;
	}
	sc->live++;
	if (!strncmp(info->container_id, "crash-", 6))
		sc->victims_live++;
	for (uint32_t j = 0; j < info->nleases; j++) {
		uint32_t a = mp_v4_host(&info->leases[j].ip) - BASE;

		sc->leases++;
		if (a >= POOL_N || sc->seen[a]++) {
			printf("crash: address index %u held twice (second by %s)\n", a, info->container_id);
			sc->dup++;
		}
	}
	return 0;
}

static int keep_non_victims(const struct rp_owner_info *info, void *arg)
{
	(void)arg;
	return strncmp(info->container_id, "crash-", 6) != 0;
}

static void check_accounting(struct rp_store *s, uint64_t want_used, struct scan *sc)
{
	struct rp_store_view v;
	struct rp_store_pool_info pi;
	struct rp_store_stats st;

	int problems = mp_fsck(s, "crash");

	memset(sc, 0, sizeof(*sc));
	assert_int_equal(rp_store_foreach_owner(s, scan_owner, sc), 0);
	assert_int_equal(sc->other, 0);
	assert_int_equal(sc->dup, 0);
	if (problems)
		printf("crash: fsck found %d problem(s) after a full sweep: a killed process left the store "
		       "inconsistent\n", problems);
	assert_int_equal(problems, 0);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(rp_store_pool_info(s, 0, &pi), 0);
	rp_store_read_end(s);
	assert_int_equal(rp_store_stats(s, &st), 0);
	printf("crash: pool total %llu used %llu free %llu; leases committed %llu reserved %llu; owners "
	       "live %u reserved %u\n",
	       (unsigned long long)pi.total, (unsigned long long)pi.used, (unsigned long long)pi.free,
	       (unsigned long long)st.leases_committed, (unsigned long long)st.leases_reserved,
	       st.owners_live, st.owners_reserved);
	assert_int_equal(pi.total, POOL_N);
	assert_int_equal(st.leases_reserved, 0);
	assert_int_equal(st.owners_reserved, 0);
	assert_int_equal(st.owners_live, sc->live);
	assert_int_equal(st.leases_committed, sc->leases);
	assert_int_equal(pi.used, sc->leases);
	assert_int_equal(pi.free + pi.used, pi.total);
	if (want_used)
		assert_int_equal(pi.used, want_used);
}

static pid_t spawn(int32_t serial, int (*fn)(int32_t))
{
	pid_t pid;

	atomic_store(&sh->alive[serial], 1);
	atomic_store(&sh->phase[serial], PH_NONE);
	pid = mp_fork();
	if (pid == 0)
		_exit(fn(serial));
	return pid;
}

static void test_crash(void **state)
{
	struct rp_store_params p = mp_small_params(2 * POOL_N, 4096);
	struct rp_store_range r = mp_range_v4(BASE, BASE + POOL_N - 1);
	struct rp_store_pool_def def = { .name = "crash", .family = RP_FAM_V4, .nranges = 1, .ranges = &r };
	struct rp_store_config cfg = { .npools = 1, .pools = &def };
	struct rp_store *s = NULL;
	struct rp_sweep_stats sw = { 0 };
	static struct scan scan_buf;
	struct scan *sc = &scan_buf;
	uint32_t parent_addrs[PARENT_OWNERS][PARENT_LEASES];
	long kills_in[PH_MAX] = { 0 };
	uint64_t rnd = (uint64_t)time(NULL) | 1;
	pid_t surv, running[CONCURRENT];
	int32_t running_serial[CONCURRENT];
	int32_t next_serial = 3;
	long done = 0;
	int rc;

	(void)state;
	assert_int_equal(mp_create(store_path, &p, &cfg, &s), 0);

	/* The parent (serial 1) holds a few committed attachments throughout. */
	atomic_store(&sh->alive[1], 1);
	for (int i = 0; i < PARENT_OWNERS; i++) {
		assert_int_equal(cycle(s, 1, i, &rnd, PARENT_LEASES, 1, parent_addrs[i]), 0);
	}
	surv = spawn(2, survivor);
	assert_true(surv > 0);

	for (int c = 0; c < CONCURRENT; c++)
		running[c] = -1;
	while (done < nvictims) {
		int c = (int)(mp_rand(&rnd) % CONCURRENT);
		uint64_t dice = mp_rand(&rnd) % 100;
		int32_t ser;

		if (running[c] < 0) {
			if (next_serial >= MAX_SERIAL)
				break;
			running_serial[c] = next_serial++;
			running[c] = spawn(running_serial[c], victim);
			assert_true(running[c] > 0);
			continue;
		}
		ser = running_serial[c];
		/* 10% right after fork, 15% while starting up, the rest at a random point once it is
		 * cycling (so most kills land inside or between the store calls, not in fork/exec). */
		if (dice >= 25) {
			/* Wait for it to enter a chosen store call, then kill it a few spins in. */
			uint8_t target = (uint8_t)(PH_BEGIN + mp_rand(&rnd) % (PH_RELEASE - PH_BEGIN + 1));
			struct timespec t0, t1;

			for (int w = 0; w < 2000 && atomic_load(&sh->phase[ser]) <= PH_OPEN; w++)
				usleep(100);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				if (atomic_load_explicit(&sh->phase[ser], memory_order_relaxed) == target)
					break;
				clock_gettime(CLOCK_MONOTONIC, &t1);
			} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 10000000L);
			mp_spin((uint32_t)(mp_rand(&rnd) % 400));
		} else if (dice >= 10) {
			usleep((useconds_t)(mp_rand(&rnd) % 4000));
		}
		kills_in[atomic_load(&sh->phase[ser]) % PH_MAX]++;
		kill(running[c], SIGKILL);
		atomic_store(&sh->alive[ser], 0);
		if (mp_wait(running[c]) != 128 + SIGKILL)
			printf("crash: victim %d did not die by SIGKILL\n", ser);
		running[c] = -1;
		done++;
	}
	for (int c = 0; c < CONCURRENT; c++) {
		if (running[c] > 0) {
			kill(running[c], SIGKILL);
			atomic_store(&sh->alive[running_serial[c]], 0);
			mp_wait(running[c]);
		}
	}
	atomic_store(&sh->survivor_stop, 1);
	while (!atomic_load(&sh->survivor_ready) && kill(surv, 0) == 0)
		usleep(1000);

	printf("crash: %ld victims killed; at the kill they were in:", done);
	for (int i = 0; i < PH_MAX; i++)
		printf(" %s %ld", phase_names[i], kills_in[i]);
	printf("\ncrash: %ld completed cycles, %ld ENOSPC, %ld EBUSY, %ld addresses taken over from dead "
	       "holders\n",
	       atomic_load(&sh->cycles), atomic_load(&sh->enospc), atomic_load(&sh->ebusy),
	       atomic_load(&sh->stale_holder_ok));
	assert_int_equal(done, nvictims);
	assert_true(atomic_load(&sh->survivor_ready));

	rc = rp_store_sweep(s, 0, &sw);
	printf("crash: sweep rc %d: leases %llu owners %llu orphans %llu scanned %llu\n", rc,
	       (unsigned long long)sw.leases_freed, (unsigned long long)sw.owners_freed,
	       (unsigned long long)sw.orphans_freed, (unsigned long long)sw.scanned);
	assert_true(rc >= 0);

	/* Only LIVE attachments remain, none shares an address, counts agree. */
	check_accounting(s, 0, sc);
	printf("crash: %ld live attachments (%ld left committed by killed victims), %ld leases\n", sc->live,
	       sc->victims_live, sc->leases);
	for (int i = 0; i < PARENT_OWNERS; i++)
		for (int j = 0; j < PARENT_LEASES; j++)
			assert_int_equal(sc->seen[parent_addrs[i][j]], 1);
	for (int j = 0; j < SURVIVOR_LEASES; j++)
		assert_int_equal(sc->seen[sh->survivor_addrs[j]], 1);

	/* The runtime's GC drops the killed pods' attachments: exactly the live ones' leases remain. */
	rc = rp_store_gc(s, keep_non_victims, NULL, false);
	assert_int_equal(rc, sc->victims_live);
	check_accounting(s, PARENT_OWNERS * PARENT_LEASES + SURVIVOR_LEASES, sc);
	assert_int_equal(sc->live, PARENT_OWNERS + 1);

	atomic_store(&sh->survivor_done, 1);
	assert_int_equal(mp_wait(surv), 0);
	assert_int_equal(mp_report_dump(&sh->rep, "crash"), 0);
	rp_store_close(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash),
	};

	nvictims = argc > 1 ? atol(argv[1]) : mp_scaled(520, 100);
	if (nvictims > MAX_SERIAL - 8)
		nvictims = MAX_SERIAL - 8;
	sh = mp_setup("crash", sizeof(*sh), &store_path);
	if (!sh)
		return 1;
	printf("crash: %ld victims, %d at a time, store %s\n", nvictims, CONCURRENT, store_path);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
