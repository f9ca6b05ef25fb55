/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shm/ unit tests: layout, header validation, lease/owner transitions, apply semantics, sweep of
 * a dead child's reservation, fsck + repair.  Uses store_internal.h only to damage files on
 * purpose and to check the layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "shm/store.h"
#include "shm/store_internal.h"

#define STORE_FIXTURE_NAME "store"
#include "store_fixture.h"

static struct rp_store_range rng(const char *lo, const char *hi)
{
	return (struct rp_store_range){ ip4(lo), ip4(hi) };
}

static int apply1(struct rp_store *s, const char *name, const struct rp_store_range *r, uint32_t nr,
		  const struct rp_store_range *x, uint32_t nx)
{
	struct rp_store_pool_def p = { .family = RP_FAM_V4, .nranges = nr, .ranges = r, .nexcl = nx,
				       .excl = x };
	struct rp_store_config c = { 1, &p, "blob", 4 };
	struct rp_err e = { 0 };
	int ret;

	snprintf(p.name, sizeof(p.name), "%s", name);
	ret = rp_store_apply(s, &c, &e);
	if (ret)
		fprintf(stderr, "apply: %d %s\n", ret, e.msg);
	return ret;
}

static void test_layout(void **st)
{
	(void)st;
	/* the static_asserts in store_internal.h hold at compile time; check the file agrees */
	assert_int_equal(sizeof(struct rp_shm_hdr), 4096);
	assert_int_equal(sizeof(struct rp_owner_rec), 576);
	assert_int_equal(offsetof(struct rp_shm_ctl, writer) % 64, 0);
	struct rp_store *s = open_store();
	struct stat sb;
	struct rp_store_layout l;

	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(rp_store_layout(s, &l), 0);
	assert_int_equal(l.total, (uint64_t)sb.st_size);
	assert_int_equal(l.header_len, 4096);
	assert_int_equal(l.gen, 1);
	/* sparse: far less resident than the file size */
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_true(ss.resident_bytes < ss.file_bytes);
	rp_store_close(s);
}

static int reopen(void)
{
	struct rp_store *s = NULL;
	int ret = rp_store_open(path, oflags & ~RP_STORE_CREATE, NULL, &s, NULL);

	if (!ret)
		rp_store_close(s);
	return ret;
}

static void flip(uint64_t off)
{
	int fd = open(path, O_RDWR);
	uint8_t b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

static void test_header_validation(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.1.0.1", "10.1.0.50");
	struct rp_store_layout l;

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	assert_int_equal(rp_store_layout(s, &l), 0);
	rp_store_close(s);
	assert_int_equal(reopen(), 0);
	/* every byte of header, control word and active config area */
	for (uint64_t off = 0; off < l.header_len; off += 1) {
		flip(off);
		int ret = reopen();
		flip(off);
		if (ret != -EBADMSG && ret != -EPROTO)
			fail_msg("header byte %llu not detected (%d)", (unsigned long long)off, ret);
	}
	for (uint64_t off = l.ctl_off; off < l.ctl_off + l.ctl_len; off++) {
		flip(off);
		assert_int_equal(reopen(), -EBADMSG);
		flip(off);
	}
	for (uint64_t off = l.config_off; off < l.config_off + l.config_len; off++) {
		flip(off);
		int ret = reopen();
		flip(off);
		if (ret != -EBADMSG)
			fail_msg("config byte %llu not detected (%d)", (unsigned long long)off, ret);
	}
	assert_int_equal(reopen(), 0);
	/* version: an unknown major is refused with -EPROTO (checksum recomputed so only the version
	 * differs); a relabelled major is refused by its layout check. */
	{
		int fd = open(path, O_RDWR);
		struct rp_shm_hdr h, orig;

		assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
		assert_int_equal(h.vmaj, RP_STORE_VMAJ);
		orig = h;
		h.vmaj = RP_STORE_VMAJ + 1;
		h.checksum = 0;
		h.checksum = XXH64(&h, sizeof(h), 0);
		assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
		assert_int_equal(reopen(), -EPROTO);
		assert_int_equal(pwrite(fd, &orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
		/* a current file relabelled as an older major does not have that version's layout */
		h = orig;
		h.vmaj = RP_STORE_VMAJ_KEYHOME;
		h.checksum = 0;
		h.checksum = XXH64(&h, sizeof(h), 0);
		assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
		assert_int_equal(reopen(), -EBADMSG);
		assert_int_equal(pwrite(fd, &orig, sizeof(orig), 0), (ssize_t)sizeof(orig));
		close(fd);
	}
	assert_int_equal(reopen(), 0);
	/* Genuine older files are still attached and usable: 1.x with symmetric read sections only,
	 * 2.x with membarrier() sections; both with whole-key owner home slots and their own layout. */
	for (uint32_t vm = RP_STORE_VMAJ_SYM; vm < RP_STORE_VMAJ; vm++) {
		char old[300];
		struct rp_store *s1 = NULL;
		struct rp_store_view v;
		struct rp_err oe = { 0 };

		snprintf(old, sizeof(old), "%s.v%u", path, vm);
		unlink(old);
		assert_int_equal(rp_store_open(old, oflags | RP_STORE_CREATE_FORMAT(vm), &small, &s1, &oe), 0);
		assert_int_equal(s1->h.vmaj, vm);
		rp_store_close(s1);
		s1 = NULL;
		assert_int_equal(rp_store_open(old, oflags & ~RP_STORE_CREATE, NULL, &s1, &oe), 0);
		assert_int_equal(s1->home_cid, 0);
		if (vm == RP_STORE_VMAJ_SYM)
			assert_int_equal(s1->asym, 0);
		assert_true(s1->h.cfg_off[0] < s1->h.readers_off); /* the v1/v2 order */
		for (int i = 0; i < 3; i++) {
			assert_int_equal(rp_store_read_begin(s1, &v), 0);
			rp_store_read_end(s1);
		}
		rp_store_close(s1);
		unlink(old);
	}
	{
		struct rp_store *s1 = NULL;

		assert_int_equal(rp_store_open(path, oflags | RP_STORE_CREATE_FORMAT(RP_STORE_VMAJ + 1), &small, &s1,
					       NULL), -EINVAL);
	}
	/* mode with group/other bits */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(reopen(), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	/* owner other than root */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		struct rp_store *s2 = NULL;
		assert_int_equal(rp_store_open(path, 0, NULL, &s2, NULL), -EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(rp_store_open(path, 0, NULL, &s2, NULL), 0);
		rp_store_close(s2);
	}
	/* symlink */
	char link[300];
	snprintf(link, sizeof(link), "%s.lnk", path);
	unlink(link);
	assert_int_equal(symlink(path, link), 0);
	struct rp_store *s3 = NULL;
	assert_int_equal(rp_store_open(link, oflags & ~RP_STORE_CREATE, NULL, &s3, NULL), -ELOOP);
	unlink(link);
	/* truncated */
	assert_int_equal(truncate(path, (off_t)(l.total - 4096)), 0);
	assert_int_equal(reopen(), -EBADMSG);
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(reopen(), -EBADMSG);
	/* missing without CREATE */
	unlink(path);
	assert_int_equal(reopen(), -ENOENT);
}

static void test_lease_transitions(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.0.0.1", "10.0.0.4");
	struct rp_owner_key k = { "c1", "net1" }, k2 = { "c2", "net1" };
	struct rp_owner o, o2;
	struct rp_owner_info info;
	struct rp_lease_info li, li2;
	struct rp_store_view v;
	struct rp_err e = { 0 };
	char buf[64];

	assert_int_equal(apply1(s, "pool-a", &r, 1, NULL, 0), 0);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(v.gen, 2);
	assert_int_equal(v.npools, 1);
	assert_int_equal(v.blob_len, 4);
	assert_memory_equal(v.blob, "blob", 4);
	uint32_t pool = (uint32_t)rp_store_pool_find(s, "pool-a");
	assert_int_equal(pool, 0);
	assert_int_equal(rp_store_pool_find(s, "nope"), -ENOENT);

	assert_int_equal(rp_store_owner_begin(s, &k, "/var/run/netns/x", &o, &info, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
	rp_ip_format(&li.ip, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(rp_store_owner_set_data(s, &o, "vfdata", 6), 0);
	/* a second begin of the same key while it is being built: busy */
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o2, &info, &e), -EBUSY);
	assert_int_equal(rp_store_lookup(s, &k, &info), -EBUSY);
	assert_int_equal(rp_store_commit(s, &o, &e), 0);
	/* idempotent ADD */
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o2, &info, &e), RP_OWNER_EXISTS);
	assert_int_equal(info.nleases, 1);
	assert_int_equal(info.leases[0].id, li.id);
	assert_int_equal(info.leases[0].pool, 0);
	assert_string_equal(info.netns, "/var/run/netns/x");
	assert_int_equal(info.data_len, 6);
	assert_memory_equal(info.data, "vfdata", 6);
	assert_int_equal(info.state, RP_OWNER_LIVE);
	assert_int_equal(rp_store_lookup(s, &k, &info), 0);
	assert_true(info.created_ns > 0);

	/* want: specific address */
	struct rp_ip want = ip4("10.0.0.1");
	assert_int_equal(rp_store_owner_begin(s, &k2, NULL, &o2, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, &want, &li2, &e), -EADDRINUSE);
	want = ip4("10.0.0.9");
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, &want, &li2, &e), -ENOENT);
	want = ip4("10.0.0.3");
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, &want, &li2, &e), 0);
	/* next-fit continues after the last searched-for address (.1), skipping held .3 */
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li2, &e), 0);
	rp_ip_format(&li2.ip, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.2");
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li2, &e), 0);
	rp_ip_format(&li2.ip, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.4");
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li2, &e), -ENOSPC);
	struct rp_store_pool_info pi;
	assert_int_equal(rp_store_pool_info(s, pool, &pi), 0);
	assert_int_equal(pi.total, 4);
	assert_int_equal(pi.free, 0);
	assert_int_equal(pi.used, 4);
	rp_store_abort(s, &o2);
	assert_int_equal(rp_store_lookup(s, &k2, &info), -ENOENT);
	assert_int_equal(rp_store_pool_info(s, pool, &pi), 0);
	assert_int_equal(pi.free, 3);

	/* max leases per owner */
	struct rp_store_range big = rng("10.0.0.1", "10.0.0.40");
	rp_store_read_end(s);
	assert_int_equal(apply1(s, "pool-a", &big, 1, NULL, 0), 0);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(rp_store_owner_begin(s, &k2, NULL, &o2, NULL, &e), 0);
	for (int i = 0; i < RP_OWNER_MAX_LEASES; i++)
		assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li2, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li2, &e), -E2BIG);
	assert_int_equal(rp_store_commit(s, &o2, &e), 0);
	rp_store_read_end(s);

	/* release: 1, then idempotent 0 */
	assert_int_equal(rp_store_release(s, &k, &info), 1);
	assert_int_equal(info.leases[0].id, li.id);
	assert_int_equal(rp_store_release(s, &k, NULL), 0);
	assert_int_equal(rp_store_lookup(s, &k, &info), -ENOENT);
	assert_int_equal(rp_store_release(s, &k2, NULL), 1);
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.leases_reserved + ss.leases_committed, 0);
	assert_int_equal(ss.owners_live + ss.owners_reserved, 0);
	assert_int_equal(ss.leases_free, 40);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	/* bad keys */
	struct rp_owner_key bad = { "", "net1" };
	assert_int_equal(rp_store_owner_begin(s, &bad, NULL, &o, NULL, &e), -EINVAL);
	rp_store_close(s);
}

static void test_doomed_estale(void **st)
{
	(void)st;
	struct rp_store *s = open_store(), *w = open_store();
	struct rp_store_range r = rng("10.0.0.1", "10.0.0.8");
	struct rp_store_range x = rng("10.0.0.1", "10.0.0.1");
	struct rp_owner_key k = { "c1", "net1" }, k2 = { "c2", "net1" };
	struct rp_owner o, o2;
	struct rp_lease_info li;
	struct rp_err e = { 0 };
	char buf[64];

	assert_int_equal(apply1(w, "p", &r, 1, NULL, 0), 0);
	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	uint32_t pool = 0;
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
	rp_ip_format(&li.ip, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1");
	/* a new config excludes it while it is RESERVED (our read section pins gen 2; the apply
	 * writes gen 3 into the other area, so it does not wait for us) */
	assert_int_equal(apply1(w, "p", &r, 1, &x, 1), 0);
	assert_int_equal(rp_store_commit(s, &o, &e), -ESTALE);
	rp_store_abort(s, &o);
	rp_store_read_end(s);
	/* the excluded address is never handed out again */
	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	struct rp_ip want = ip4("10.0.0.1");
	assert_int_equal(rp_store_owner_begin(s, &k2, NULL, &o2, NULL, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, &want, &li, &e), -ENOENT);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li, &e), 0);
		rp_ip_format(&li.ip, buf, sizeof(buf));
		assert_string_not_equal(buf, "10.0.0.1");
	}
	assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li, &e), -ENOSPC);
	assert_int_equal(rp_store_commit(s, &o2, &e), 0);
	rp_store_read_end(s);
	/* a COMMITTED lease excluded later: release sends it to BLOCKED, not FREE */
	struct rp_store_range x2 = rng("10.0.0.2", "10.0.0.2");
	assert_int_equal(apply1(w, "p", &r, 1, &x2, 1), 0); /* .1 back, .2 out */
	assert_int_equal(rp_store_release(s, &k2, NULL), 1);
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.leases_free, 7);
	assert_true(ss.leases_blocked >= 1);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(w);
	rp_store_close(s);
}

/* A child begins attachment dead/net1, reserves two addresses and exits without commit, abort
 * or close; with @forget, its record first forgets the second lease (a lease RESERVED with no
 * record pointing at it). */
static void die_reserving(int forget)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct rp_store *c = NULL;
		struct rp_owner o;
		struct rp_lease_info li;
		uint32_t pool = 0;
		struct rp_owner_key k = { "dead", "net1" };

		if (rp_store_open(path, oflags, NULL, &c, NULL) || rp_store_read_begin(c, NULL) ||
		    rp_store_owner_begin(c, &k, NULL, &o, NULL, NULL) ||
		    rp_store_reserve(c, &o, &pool, 1, NULL, &li, NULL) ||
		    rp_store_reserve(c, &o, &pool, 1, NULL, &li, NULL))
			_exit(1);
		if (forget)
			atomic_store(&c->owners[o.rec].meta, META_MAKE(o.tag, 1, 0));
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A dead process's reservations never make an allocation fail: a reserve that finds its pools
 * exhausted (or its wanted address held) frees what dead processes hold RESERVED there and tries
 * again — whether or not a bounded sweep has come by. */
static void test_sweep_on_exhaustion(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.0.0.1", "10.0.0.2");
	struct rp_store_stats ss;
	struct rp_err e = { 0 };

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	for (int mode = 0; mode < 2; mode++) {
		struct rp_ip want = ip4("10.0.0.2");

		die_reserving(0); /* both addresses RESERVED by a process that is gone */
		assert_int_equal(rp_store_stats(s, &ss), 0);
		assert_int_equal(ss.leases_reserved, 2);

		struct rp_owner_key k = { "alive", "net1" };
		struct rp_owner o;
		struct rp_owner_info info;
		struct rp_lease_info li;
		uint32_t pool = 0;

		s->sweep_tick = 1; /* no bounded sweep in the next calls: only the exhaustion path */
		assert_int_equal(rp_store_read_begin(s, NULL), 0);
		assert_int_equal(rp_store_owner_begin(s, &k, "", &o, &info, &e), 0);
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, mode ? &want : NULL, &li, &e), 0);
		if (mode)
			assert_memory_equal(li.ip.b, want.b, 16);
		assert_int_equal(rp_store_commit(s, &o, &e), 0);
		rp_store_read_end(s);
		/* a pool full of live commitments still says so */
		struct rp_owner_key k2 = { "alive", "net2" };
		struct rp_owner o2;

		assert_int_equal(rp_store_read_begin(s, NULL), 0);
		assert_int_equal(rp_store_owner_begin(s, &k2, "", &o2, &info, &e), 0);
		assert_int_equal(rp_store_reserve(s, &o2, &pool, 1, NULL, &li, &e), 0);
		assert_int_equal(rp_store_commit(s, &o2, &e), 0);
		struct rp_owner_key k3 = { "alive", "net3" };
		struct rp_owner o3;

		assert_int_equal(rp_store_owner_begin(s, &k3, "", &o3, &info, &e), 0);
		assert_int_equal(rp_store_reserve(s, &o3, &pool, 1, NULL, &li, &e), -ENOSPC);
		assert_int_equal(rp_store_reserve(s, &o3, &pool, 1, &want, &li, &e), -EADDRINUSE);
		rp_store_abort(s, &o3);
		rp_store_read_end(s);
		assert_int_equal(rp_store_release(s, &k, NULL), 1);
		assert_int_equal(rp_store_release(s, &k2, NULL), 1);
		assert_int_equal(rp_store_sweep(s, 0, NULL), 0); /* the dead child's record */
		assert_int_equal(rp_store_stats(s, &ss), 0);
		assert_int_equal(ss.leases_free, 2);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	}
	rp_store_close(s);
}

static void test_sweep_dead_child(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.0.0.1", "10.0.0.2");
	struct rp_sweep_stats sw;

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	for (int mode = 0; mode < 2; mode++) {
		die_reserving(mode == 1);
		struct rp_store_stats ss;
		assert_int_equal(rp_store_stats(s, &ss), 0);
		assert_int_equal(ss.leases_reserved, 2);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL) > 0, 1);
		{
			/* a read-only handle (get/describe) steps over the dead record: its mapping is
			 * PROT_READ, so finishing it there would fault (found by fuzz_store) */
			struct rp_store *ro = NULL;
			struct rp_owner_info oi;
			struct rp_owner_key dk = { "dead", "net1" };

			assert_int_equal(rp_store_open(path, (oflags & ~RP_STORE_CREATE) | RP_STORE_RDONLY, NULL,
						       &ro, NULL), 0);
			assert_int_equal(rp_store_lookup(ro, &dk, &oi), -ENOENT);
			rp_store_close(ro);
			assert_int_equal(rp_store_stats(s, &ss), 0);
			assert_int_equal(ss.leases_reserved, 2); /* untouched: the writer's sweep does it */
		}
		{
			/* DEL's lookup sees the dead process's record (its data restore a VF) and
			 * leaves it for the release or the sweep */
			struct rp_owner_info oi;
			struct rp_owner_key dk = { "dead", "net1" };

			assert_int_equal(rp_store_lookup_any(s, &dk, &oi), 0);
			assert_int_equal(oi.state, RP_OWNER_RESERVED);
			assert_string_equal(oi.container_id, "dead");
			assert_int_equal(rp_store_stats(s, &ss), 0);
			assert_int_equal(ss.leases_reserved, 2);
			assert_int_equal(ss.owners_reserved, 1);
		}
		assert_int_equal(rp_store_sweep(s, 0, &sw), 0);
		assert_int_equal(sw.owners_freed, 1);
		assert_int_equal(sw.leases_freed, mode == 1 ? 1 : 0);
		assert_int_equal(rp_store_stats(s, &ss), 0);
		assert_int_equal(ss.leases_reserved, 0);
		assert_int_equal(ss.leases_free, 2);
		assert_int_equal(ss.owners_reserved, 0);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	}
	/* the same key can be used again afterwards */
	struct rp_owner o;
	struct rp_owner_key k = { "dead", "net1" };
	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, NULL), 0);
	rp_store_abort(s, &o);
	rp_store_read_end(s);
	rp_store_close(s);
}

static uint64_t pool_total(struct rp_store *s, const char *name, uint64_t *freep)
{
	struct rp_store_pool_info pi;

	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	int p = rp_store_pool_find(s, name);
	assert_true(p >= 0);
	assert_int_equal(rp_store_pool_info(s, (uint32_t)p, &pi), 0);
	rp_store_read_end(s);
	if (freep)
		*freep = pi.free;
	return pi.total;
}

/*
 * A process SIGKILLed between a lease word and its bitmap bit leaves a FREE lease with a clear
 * bit (invisible to allocation).  Its reader slot's `pending` says which lease or extent it was
 * working on, so the next process to open the store finishes the job; without the marker only
 * the full sweep's grace-period repair finds it.
 */
static void test_dead_window(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.0.0.1", "10.0.0.4");
	struct rp_sweep_stats sw;

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	/* 0: PEND_LEASE, 1: PEND_EXT, 2: no marker, 3: PEND_LEASE with the lease RESERVED too —
	 * killed after reserve's CAS, before the record lists the lease (an orphan reservation that
	 * only a full sweep would otherwise find: seen in tests/storm) */
	for (int mode = 0; mode < 4; mode++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct rp_store *c = NULL;

			if (rp_store_open(path, oflags, NULL, &c, NULL) || rp_store_read_begin(c, NULL))
				_exit(1);
			const struct rp_cfg_seg *g = &c->segs[c->pools[0].seg_first];
			uint64_t id = g->from + 1;

			if (mode == 0 || mode == 3)
				rp_store_pend(c, PEND_LEASE(id));
			else if (mode == 1)
				rp_store_pend(c, PEND_EXT | g->extent);
			if (rp_bitmap_claim_bit(c->bitmap, id) < 0)
				_exit(2);
			if (mode == 3) {
				uint64_t exp = L_MAKE(L_FREE, 0);

				if (!atomic_compare_exchange_strong(&c->leases[id], &exp,
								    L_MAKE(L_RESERVED, rp_store_self())))
					_exit(4);
			}
			kill(getpid(), SIGKILL); /* inside the window: bit claimed, lease FREE (or RESERVED) */
			_exit(3);
		}
		int status;
		uint64_t freen;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 1);
		pool_total(s, "p", &freen);
		assert_int_equal(freen, 3);

		struct rp_store *n = open_store(); /* the next CNI process */
		pool_total(n, "p", &freen);
		assert_int_equal(freen, mode == 2 ? 3 : 4);
		assert_int_equal(rp_store_fsck(n, 0, NULL, NULL), mode == 2 ? 1 : 0);
		if (mode == 2) {
			assert_int_equal(rp_store_sweep(n, 0, &sw), 0);
			assert_int_equal(sw.leases_freed, 1);
			assert_int_equal(rp_store_fsck(n, 0, NULL, NULL), 0);
		}
		rp_store_close(n);
		/* every address is allocatable again */
		struct rp_owner o;
		struct rp_owner_key k = { "after", "net1" };
		uint32_t pool = 0;
		assert_int_equal(rp_store_read_begin(s, NULL), 0);
		assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, NULL), 0);
		for (int i = 0; i < 4; i++)
			assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, NULL, NULL), 0);
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, NULL, NULL), -ENOSPC);
		rp_store_abort(s, &o);
		rp_store_read_end(s);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	}
	rp_store_close(s);
}

static void test_apply_semantics(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_err e = { 0 };
	uint64_t fr;

	struct rp_store_range r1 = rng("10.0.0.0", "10.0.0.9");
	assert_int_equal(apply1(s, "a", &r1, 1, NULL, 0), 0);
	assert_int_equal(pool_total(s, "a", &fr), 10);
	assert_int_equal(fr, 10);
	/* hold .0-.9 */
	struct rp_owner o;
	struct rp_owner_key k = { "c", "net1" };
	struct rp_lease_info li;
	uint32_t pool = 0;
	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	assert_int_equal(rp_store_owner_begin(s, &k, NULL, &o, NULL, &e), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
	assert_int_equal(rp_store_commit(s, &o, &e), 0);
	rp_store_read_end(s);
	/* grow */
	struct rp_store_range r2 = rng("10.0.0.0", "10.0.0.19");
	assert_int_equal(apply1(s, "a", &r2, 1, NULL, 0), 0);
	assert_int_equal(pool_total(s, "a", &fr), 20);
	assert_int_equal(fr, 12);
	/* shrink below held addresses + exclude a range: held ones stay held */
	struct rp_store_range r3 = rng("10.0.0.0", "10.0.0.5");
	struct rp_store_range x3 = rng("10.0.0.2", "10.0.0.3");
	assert_int_equal(apply1(s, "a", &r3, 1, &x3, 1), 0);
	assert_int_equal(pool_total(s, "a", &fr), 4);
	assert_int_equal(fr, 0);
	struct rp_owner_info info;
	assert_int_equal(rp_store_read_begin(s, NULL), 0);
	assert_int_equal(rp_store_lookup(s, &k, &info), 0);
	assert_int_equal(info.nleases, 8);
	assert_int_equal(info.leases[7].pool, UINT32_MAX); /* 10.0.0.7 left the pool */
	assert_int_equal(info.leases[0].pool, 0);
	rp_store_read_end(s);
	assert_int_equal(rp_store_release(s, &k, NULL), 1);
	assert_int_equal(pool_total(s, "a", &fr), 4);
	assert_int_equal(fr, 4);
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.leases_free, 4);
	assert_int_equal(ss.leases_total, 256); /* one 256-aligned extent covers it all */
	assert_int_equal(ss.nextents, 1);

	/* two pools, moving an address from a to b, and removing a */
	struct rp_store_pool_def defs[2] = {
		{ .name = "a", .family = RP_FAM_V4, .nranges = 1, .ranges = &r3 },
		{ .name = "b", .family = RP_FAM_V4, .nranges = 1 },
	};
	struct rp_store_range rb = rng("10.0.0.5", "10.0.0.6");
	defs[1].ranges = &rb;
	struct rp_store_config c = { 2, defs, NULL, 0 };
	assert_int_equal(rp_store_apply(s, &c, &e), -EINVAL); /* .5 in both */
	assert_non_null(strstr(e.msg, "10.0.0.5"));
	struct rp_store_range r4 = rng("10.0.0.0", "10.0.0.4");
	defs[0].ranges = &r4;
	assert_int_equal(rp_store_apply(s, &c, &e), 0);
	assert_int_equal(pool_total(s, "a", NULL), 5);
	assert_int_equal(pool_total(s, "b", NULL), 2);
	/* IPv6 and slot pools next to it, an address far away gets its own extent */
	struct rp_store_range r6 = { ip4("fd00::1"), ip4("fd00::ff") };
	struct rp_store_range rs = { rp_ip_slot(0), rp_ip_slot(7) };
	struct rp_store_range rf = rng("192.168.7.9", "192.168.7.9");
	struct rp_store_pool_def d3[4] = {
		{ .name = "a", .family = RP_FAM_V4, .nranges = 1, .ranges = &r4 },
		{ .name = "v6", .family = RP_FAM_V6, .nranges = 1, .ranges = &r6 },
		{ .name = "vf", .family = RP_FAM_SLOT, .nranges = 1, .ranges = &rs },
		{ .name = "far", .family = RP_FAM_V4, .nranges = 1, .ranges = &rf },
	};
	struct rp_store_config c3 = { 4, d3, NULL, 0 };
	assert_int_equal(rp_store_apply(s, &c3, &e), 0);
	assert_int_equal(pool_total(s, "v6", NULL), 255);
	assert_int_equal(pool_total(s, "vf", NULL), 8);
	assert_int_equal(pool_total(s, "far", NULL), 1);
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.nextents, 4);
	assert_int_equal(ss.leases_free, 5 + 255 + 8 + 1);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	/* capacity */
	struct rp_store_range huge = { ip4("fd01::"), ip4("fd01::ffff:ffff") };
	d3[1].ranges = &huge;
	assert_int_equal(rp_store_apply(s, &c3, &e), -ENOSPC);
	/* bad definitions */
	struct rp_store_range rev = rng("10.0.0.9", "10.0.0.1");
	assert_int_equal(apply1(s, "bad", &rev, 1, NULL, 0), -EINVAL);
	rp_store_close(s);
}

static int count_reports;
static void report(const char *problem, void *arg)
{
	(void)arg;
	(void)problem;
	count_reports++;
}

static void test_fsck_repair(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.0.0.0", "10.0.0.199");
	struct rp_store_range r2 = rng("10.0.0.0", "10.0.0.99");

	assert_int_equal(apply1(s, "a", &r, 1, NULL, 0), 0);
	assert_int_equal(rp_store_fsck(s, 0, report, NULL), 0);
	/* damage: clear a free lease's bitmap bit, set a bit beyond the extents, wipe summaries,
	 * and unblock a lease that is not allocatable */
	assert_int_equal(apply1(s, "a", &r2, 1, NULL, 0), 0);
	assert_int_equal(rp_bitmap_claim_bit(s->bitmap, 17), 0);
	rp_bitmap_release(s->bitmap, 3000);
	atomic_store(&s->leases[150], L_MAKE(L_FREE, 0));
	count_reports = 0;
	int n = rp_store_fsck(s, 0, report, NULL);
	assert_int_equal(n, count_reports);
	assert_true(n >= 3);
	struct rp_store *ro = NULL;
	assert_int_equal(rp_store_open(path, (oflags & ~RP_STORE_CREATE) | RP_STORE_RDONLY, NULL, &ro,
				       NULL), 0);
	assert_int_equal(rp_store_fsck(ro, RP_FSCK_REPAIR, NULL, NULL), -EROFS);
	assert_int_equal(rp_store_fsck(ro, 0, NULL, NULL), n);
	rp_store_close(ro);
	assert_int_equal(rp_store_fsck(s, RP_FSCK_REPAIR, NULL, NULL), n);
	assert_int_equal(rp_store_fsck(s, 0, report, NULL), 0);
	assert_int_equal(pool_total(s, "a", NULL), 100);
	uint64_t fr;
	pool_total(s, "a", &fr);
	assert_int_equal(fr, 100);
	/* orphan: a COMMITTED lease no record holds */
	atomic_store(&s->leases[5], L_MAKE(L_COMMITTED, L_COMMIT_PAYLOAD(7, 99)));
	rp_bitmap_claim_bit(s->bitmap, 5);
	assert_true(rp_store_fsck(s, 0, NULL, NULL) >= 1);
	struct rp_sweep_stats sw;
	assert_int_equal(rp_store_sweep(s, 0, &sw), 0);
	assert_int_equal(sw.orphans_freed, 1);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	/* a lost bit (process killed between FREE and its bit): the full sweep restores it after
	 * a grace period, even with another live reader around (outside its read section) */
	struct rp_store *other = open_store();
	assert_int_equal(rp_bitmap_claim_bit(s->bitmap, 9), 0);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 1);
	assert_int_equal(rp_store_sweep(s, 0, &sw), 0);
	assert_int_equal(sw.leases_freed, 1);
	assert_true(rp_bitmap_test(s->bitmap, 9));
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	/* ...but not while a live reader sits in a read section (its window may be open) */
	assert_int_equal(rp_bitmap_claim_bit(s->bitmap, 9), 0);
	assert_int_equal(rp_store_read_begin(other, NULL), 0);
	assert_int_equal(rp_store_sweep(s, 0, &sw), 0);
	assert_int_equal(sw.leases_freed, 0);
	assert_false(rp_bitmap_test(s->bitmap, 9));
	rp_store_read_end(other);
	assert_int_equal(rp_store_sweep(s, 0, &sw), 0);
	assert_int_equal(sw.leases_freed, 1);
	rp_store_close(other);
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

/* Checksum of the config area @s has pinned (its used bytes). */
static uint32_t xxh_area(struct rp_store *s)
{
	return (uint32_t)XXH64(s->cfg, s->cfg->size, 0);
}

/* One full attachment cycle; returns the address reserved. */
static struct rp_ip cycle(struct rp_store *s, const char *cid, const char *ifname)
{
	struct rp_owner_key k = { cid, ifname };
	struct rp_owner o;
	struct rp_owner_info info;
	struct rp_lease_info li;
	struct rp_err e = { 0 };
	struct rp_store_view v;
	uint32_t pool = 0;

	assert_int_equal(rp_store_read_begin(s, &v), 0);
	assert_int_equal(rp_store_owner_begin(s, &k, "", &o, &info, &e), 0);
	assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
	assert_int_equal(rp_store_commit(s, &o, &e), 0);
	assert_int_equal(rp_store_release(s, &k, &info), 1);
	assert_int_equal(info.nleases, 1);
	assert_memory_equal(info.leases[0].ip.b, li.ip.b, 16);
	assert_string_equal(info.container_id, cid);
	assert_string_equal(info.ifname, ifname);
	rp_store_read_end(s);
	return li.ip;
}

/* The handle's prepared-key cache must never confuse keys: prefixes, same container with other
 * interfaces, word-boundary lengths, alternating keys. */
static void test_key_cache(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.9.0.1", "10.9.0.200");
	static const char *const cids[] = { "c", "cc", "c1234567", "c12345678", "c1234567",
					    "c123456789abcdef", "c123456789abcde", "cc" };
	static const char *const ifs[] = { "net1", "net10", "net1", "eth0", "net1", "n", "net1",
					   "net1" };
	struct rp_owner_info info;
	struct rp_store_view v;
	struct rp_err e = { 0 };

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	/* every key LIVE at once, each begun right after another key: each must find its own */
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	for (unsigned i = 0; i < RP_ARRAY_SIZE(cids); i++) {
		struct rp_owner_key k = { cids[i], ifs[i] };
		struct rp_owner o;
		struct rp_lease_info li;
		uint32_t pool = 0;
		int ret = rp_store_owner_begin(s, &k, "", &o, &info, &e);

		if (i == 4) { /* a repeat of key 0's neighbour 2: idempotent */
			assert_int_equal(ret, RP_OWNER_EXISTS);
			assert_string_equal(info.container_id, "c1234567");
			continue;
		}
		assert_int_equal(ret, 0);
		assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
		assert_int_equal(rp_store_commit(s, &o, &e), 0);
	}
	for (unsigned i = 0; i < RP_ARRAY_SIZE(cids); i++) {
		struct rp_owner_key k = { cids[i], ifs[i] };

		assert_int_equal(rp_store_lookup(s, &k, &info), 0);
		assert_string_equal(info.container_id, cids[i]);
		assert_string_equal(info.ifname, ifs[i]);
	}
	struct rp_owner_key miss = { "c123456789abcdef0", "net1" };
	assert_int_equal(rp_store_lookup(s, &miss, &info), -ENOENT);
	miss = (struct rp_owner_key){ "c", "net" };
	assert_int_equal(rp_store_lookup(s, &miss, &info), -ENOENT);
	/* invalid keys are still refused after a hit primed the cache */
	miss = (struct rp_owner_key){ "c", "" };
	assert_int_equal(rp_store_lookup(s, &miss, &info), -EINVAL);
	char longid[RP_CID_MAX + 1];
	memset(longid, 'x', RP_CID_MAX);
	longid[RP_CID_MAX] = '\0';
	miss = (struct rp_owner_key){ longid, "net1" };
	assert_int_equal(rp_store_lookup(s, &miss, &info), -EINVAL);
	for (unsigned i = 0; i < RP_ARRAY_SIZE(cids); i++) {
		struct rp_owner_key k = { cids[i], ifs[i] };

		assert_int_equal(rp_store_release(s, &k, &info), i == 4 ? 0 : 1);
	}
	rp_store_read_end(s);
	/* alternating keys, many cycles: all leases come back */
	for (int i = 0; i < 300; i++)
		cycle(s, i % 2 ? "alt-a" : "alt-b", "net1");
	struct rp_store_stats ss;
	assert_int_equal(rp_store_stats(s, &ss), 0);
	assert_int_equal(ss.leases_free, 200);
	assert_int_equal(ss.owners_live, 0);
	rp_store_close(s);
}

/* A pod's rails (one container ID, eight ifnames) in the owner table: v3 puts them in consecutive
 * slots (one or two pages for a CNI process to touch); a v2 file keeps whole-key home slots.
 * Either way every rail is found, released and fsck'd clean. */
static void test_owner_colocation(void **st)
{
	(void)st;
	for (int v = 3; v >= 2; v--) {
		struct rp_store *s = open_store();
		struct rp_store_range r = rng("10.9.0.1", "10.9.0.200");
		uint32_t rec[8], lo = UINT32_MAX, hi = 0;
		struct rp_owner_info info;
		struct rp_store_view vw;
		struct rp_err e = { 0 };
		char ifn[8][8];

		if (v == 2) {
			rp_store_close(s);
			unlink(path);
			assert_int_equal(rp_store_open(path, oflags | RP_STORE_CREATE_FORMAT(RP_STORE_VMAJ_KEYHOME),
						       &small, &s, &e), 0);
			assert_int_equal(s->home_cid, 0);
		} else {
			assert_int_equal(s->home_cid, 1);
		}
		assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
		assert_int_equal(rp_store_read_begin(s, &vw), 0);
		for (int i = 0; i < 8; i++) {
			snprintf(ifn[i], sizeof(ifn[i]), "net%d", i + 1);
			struct rp_owner_key k = { "pod-colocated-0123456789abcdef", ifn[i] };
			struct rp_owner o;
			struct rp_lease_info li;
			uint32_t pool = 0;

			assert_int_equal(rp_store_owner_begin(s, &k, "", &o, &info, &e), 0);
			assert_int_equal(rp_store_reserve(s, &o, &pool, 1, NULL, &li, &e), 0);
			assert_int_equal(rp_store_commit(s, &o, &e), 0);
			rec[i] = o.rec;
			lo = rec[i] < lo ? rec[i] : lo;
			hi = rec[i] > hi ? rec[i] : hi;
		}
		if (v == 3) {
			/* one home, linear probing from it: slots home..home+7 (mod the table) */
			uint32_t d = (rec[7] + s->nslots - rec[0]) % s->nslots;
			assert_int_equal(d, 7);
			for (int i = 1; i < 8; i++)
				assert_int_equal(rec[i], (rec[i - 1] + 1) % s->nslots);
		} else {
			assert_true(hi - lo > 7); /* 8 independent homes among 512 slots */
		}
		for (int i = 0; i < 8; i++) {
			struct rp_owner_key k = { "pod-colocated-0123456789abcdef", ifn[i] };

			assert_int_equal(rp_store_lookup(s, &k, &info), 0);
			assert_string_equal(info.ifname, ifn[i]);
		}
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
		for (int i = 0; i < 8; i++) {
			struct rp_owner_key k = { "pod-colocated-0123456789abcdef", ifn[i] };

			assert_int_equal(rp_store_release(s, &k, &info), 1);
		}
		rp_store_read_end(s);
		assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
		rp_store_close(s);
		unlink(path);
	}
}

/* A read-write handle on a version-2 store uses asymmetric read sections when membarrier()
 * works, and applies still wait for it: a section pinned across an apply keeps its area intact. */
static void test_asym_sections(void **st)
{
	(void)st;
	struct rp_store *s = open_store(), *w = open_store();
	struct rp_store_range r = rng("10.8.0.1", "10.8.0.10"), r2 = rng("10.8.0.1", "10.8.0.20");
	struct rp_store_view v;

	assert_int_equal(apply1(w, "p", &r, 1, NULL, 0), 0);
	assert_int_equal(s->asym, rp_store_membarrier_register() == 0);
	assert_int_equal(atomic_load(&s->readers[s->reader_slot].mode), s->asym ? RD_ASYM : 0);
	for (int i = 0; i < 3; i++) { /* first section symmetric, then the fast path */
		assert_int_equal(rp_store_read_begin(s, &v), 0);
		assert_int_equal(atomic_load(&s->readers[s->reader_slot].epoch), v.gen);
		rp_store_read_end(s);
		assert_int_equal(atomic_load(&s->readers[s->reader_slot].epoch), 0);
	}
	/* pinned at g: one apply (g+1 into the other area) is fine, the next one (into g's area)
	 * must wait for us and time out while we stay */
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	uint64_t g = v.gen;
	uint32_t before = xxh_area(s);
	assert_int_equal(apply1(w, "p", &r2, 1, NULL, 0), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct rp_store *c = NULL;

		if (rp_store_open(path, oflags & ~RP_STORE_CREATE, NULL, &c, NULL))
			_exit(2);
		_exit(apply1(c, "p", &r, 1, NULL, 0) == -ETIMEDOUT ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(xxh_area(s), before);
	assert_int_equal(v.gen, g);
	rp_store_read_end(s);
	assert_int_equal(apply1(w, "p", &r, 1, NULL, 0), 0);
	rp_store_close(w);
	rp_store_close(s);
}

/* The bounded sweep never faults in holes of the sparse owner table. */
static void test_sweep_sparse(void **st)
{
	(void)st;
	static const struct rp_store_params big = { 4096, 1 << 16, 1 << 16, 16 };
	struct rp_store *s = NULL;
	struct rp_store_range r = rng("10.7.0.1", "10.7.0.100");
	struct rp_store_stats a, b;

	assert_int_equal(rp_store_open(path, oflags, &big, &s, NULL), 0);
	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	cycle(s, "sparse", "net1");
	assert_int_equal(rp_store_stats(s, &a), 0);
	/* 2 sweeps per 16 cycles, an owner visit per 256 sweeps: ~30 visits over 60,000 records
	 * that all lie in holes */
	for (int i = 0; i < 60000; i++)
		cycle(s, "sparse", "net1");
	assert_int_equal(rp_store_stats(s, &b), 0);
	if (b.resident_bytes > a.resident_bytes + 4 * 4096)
		fail_msg("resident grew from %llu to %llu bytes", (unsigned long long)a.resident_bytes,
			 (unsigned long long)b.resident_bytes);
	rp_store_close(s);
}

/* Pages of the store mapping that are mapped in this process (the VMA at @base, from smaps). */
static long mapped_pages(const void *base)
{
	char line[256];
	unsigned long lo, hi;
	int in = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = lo == (unsigned long)base;
		else if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb < 0 ? -1 : kb / 4;
}

/* A one-shot process (the CNI plugin) maps exactly the store pages it asks for ahead of use:
 * an 8-rail attach and its release touch no page that was not populated first (no read fault,
 * hence no fault-around), and each page is asked for once. */
static void test_oneshot_prefault(void **st)
{
	(void)st;
	struct rp_store *s = open_store();
	struct rp_store_range r = rng("10.6.0.1", "10.6.0.200");

	assert_int_equal(apply1(s, "p", &r, 1, NULL, 0), 0);
	cycle(s, "warm", "net1"); /* the pages around the ones a call uses are in the page cache */
	rp_store_close(s);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rp_store *c = NULL;
		struct rp_owner_info info;
		struct rp_err e = { 0 };
		char ifn[8][8];

		rp_store_set_oneshot(true);
		if (rp_store_open(path, oflags & ~RP_STORE_CREATE, NULL, &c, &e))
			_exit(10);
		c->sweep_tick = 1; /* no bounded sweep in these 16 calls: it visits pages on purpose */
		if (rp_store_read_begin(c, NULL))
			_exit(11);
		for (int i = 0; i < 8; i++) {
			struct rp_owner_key k = { "pod-oneshot-0123456789abcdef", ifn[i] };
			struct rp_owner o;
			uint32_t pool = 0;

			snprintf(ifn[i], sizeof(ifn[i]), "net%d", i + 1);
			if (rp_store_owner_begin(c, &k, "/run/netns/x", &o, &info, &e) ||
			    rp_store_reserve(c, &o, &pool, 1, NULL, NULL, &e) || rp_store_commit(c, &o, &e))
				_exit(12);
		}
		for (int i = 0; i < 8; i++) {
			struct rp_owner_key k = { "pod-oneshot-0123456789abcdef", ifn[i] };

			if (rp_store_release(c, &k, &info) != 1)
				_exit(13);
		}
		rp_store_read_end(c);
		long mapped = mapped_pages(c->base);

		if (mapped < 6 || mapped != (long)c->npf) {
			fprintf(stderr, "oneshot: %ld pages mapped, %u asked for\n", mapped, c->npf);
			_exit(14);
		}
		for (uint32_t i = 0; i < c->npf; i++)
			for (uint32_t j = i + 1; j < c->npf; j++)
				if (c->pf[i] == c->pf[j])
					_exit(15);
		_exit(0);
	}
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	s = open_store();
	assert_int_equal(rp_store_fsck(s, 0, NULL, NULL), 0);
	rp_store_close(s);
}

static void test_ip_helpers(void **st)
{
	(void)st;
	struct rp_ip ip;
	char buf[64];

	assert_int_equal(rp_ip_parse("fd00::10", &ip), 0);
	assert_int_equal(ip.family, RP_FAM_V6);
	assert_int_equal(rp_ip_format(&ip, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd00::10");
	assert_int_equal(rp_ip_parse("17", &ip), 0);
	assert_int_equal(ip.family, RP_FAM_SLOT);
	assert_int_equal(rp_ip_slot_index(&ip), 17);
	assert_int_equal(rp_ip_parse("10.0.0.256", &ip), -EINVAL);
	assert_int_equal(rp_ip_parse("", &ip), -EINVAL);
	assert_true(rp_proc_start_time(getpid()) > 0);
	assert_int_equal(rp_proc_start_time(-1), 0);
	setenv(RP_STORE_ENV, "/x/y", 1);
	assert_string_equal(rp_store_path(NULL), "/x/y");
	assert_string_equal(rp_store_path("/a"), "/a");
	unsetenv(RP_STORE_ENV);
	assert_string_equal(rp_store_path(""), RP_STORE_DEFAULT_PATH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doomed_estale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_dead_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_on_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_colocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asym_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oneshot_prefault, setup, teardown),
		cmocka_unit_test(test_ip_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
