/* SPDX-License-Identifier: Apache-2.0 */
/* Creating, validating and mapping the store file. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "shm/store_internal.h"

#define CTL_SEED 0x7270637463746c31ull

static bool oneshot; /* rp_store_set_oneshot() */

uint32_t rp_store_ctl_hash(uint64_t gen)
{
	return (uint32_t)XXH64(&gen, sizeof(gen), CTL_SEED);
}

uint64_t rp_store_ctl_make(uint64_t gen)
{
	return (gen << 32) | rp_store_ctl_hash(gen);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static void params_default(struct rp_store_params *p)
{
	p->max_leases = 1u << 24;
	p->max_owners = 1u << 16;
	p->config_bytes = 8u << 20;
	p->max_readers = 1024;
}

static int params_check(const struct rp_store_params *p, struct rp_err *e)
{
	if (p->max_leases < 1 || p->max_leases > (1u << 28))
		return rp_err_set(e, -EINVAL, "store params: max_leases %u not in [1, 2^28]", p->max_leases);
	if (p->max_owners < 1 || p->max_owners > (1u << 24))
		return rp_err_set(e, -EINVAL, "store params: max_owners %u not in [1, 2^24]", p->max_owners);
	if (p->config_bytes < 4096 || p->config_bytes > (1u << 30))
		return rp_err_set(e, -EINVAL, "store params: config_bytes %u not in [4096, 2^30]",
				  p->config_bytes);
	if (p->max_readers < 1 || p->max_readers > 65536)
		return rp_err_set(e, -EINVAL, "store params: max_readers %u not in [1, 65536]",
				  p->max_readers);

	return 0;
}

/*
 * Every offset and size derives from the four params and the major version, so attach can
 * recompute and compare.  v3 orders the regions by what a short-lived process touches: header,
 * control block, reader slots and the bitmap's header and first leaf words share the first
 * 2 MiB; the bitmap's summary levels and the extent hints the next; then the leases (used from
 * the front).  In a fresh process every 2 MiB stretch of the mapping it touches costs a
 * page-table page on top of its page faults (~100 us on the test VM), and v1/v2's order —
 * configuration areas first, the bitmap after 128 MiB of leases — made a CNI call touch seven
 * such stretches where v3 needs five (PERFORMANCE.md §5).
 */
static void layout(struct rp_shm_hdr *h, const struct rp_store_params *p, uint16_t vmaj)
{
	uint64_t off = RP_STORE_HDR_BYTES, readers = (uint64_t)p->max_readers * sizeof(struct rp_shm_reader);
	uint32_t ext = p->max_leases / 64;

	memset(h, 0, sizeof(*h));
	h->vmaj = vmaj;
	h->vmin = RP_STORE_VMIN;
	h->header_size = RP_STORE_HDR_BYTES;
	h->max_leases = p->max_leases;
	h->max_owners = p->max_owners;
	h->config_bytes = p->config_bytes;
	h->max_readers = p->max_readers;
	h->max_extents = ext < 64 ? 64 : ext > 65536 ? 65536 : ext;
	h->owner_size = sizeof(struct rp_owner_rec);
	h->bitmap_bytes = rp_bitmap_bytes(p->max_leases);
	h->ctl_off = off;
	off += RP_STORE_PAGE;
	if (vmaj >= 3) {
		h->readers_off = off;
		off = align_up(off + readers, RP_STORE_PAGE);
		h->bitmap_off = off;
		off = align_up(off + h->bitmap_bytes, RP_STORE_PAGE);
		h->hints_off = off;
		off = align_up(off + (uint64_t)h->max_extents * sizeof(struct rp_shm_hint), RP_STORE_PAGE);
		h->leases_off = off;
		off = align_up(off + (uint64_t)p->max_leases * 8, RP_STORE_PAGE);
		for (int i = 0; i < 2; i++) {
			h->cfg_off[i] = off;
			off = align_up(off + p->config_bytes, RP_STORE_PAGE);
		}
	} else {
		for (int i = 0; i < 2; i++) {
			h->cfg_off[i] = off;
			off = align_up(off + p->config_bytes, RP_STORE_PAGE);
		}
		h->readers_off = off;
		off = align_up(off + readers, RP_STORE_PAGE);
		h->hints_off = off;
		off = align_up(off + (uint64_t)h->max_extents * sizeof(struct rp_shm_hint), RP_STORE_PAGE);
		h->leases_off = off;
		off = align_up(off + (uint64_t)p->max_leases * 8, RP_STORE_PAGE);
		h->bitmap_off = off;
		off = align_up(off + h->bitmap_bytes, RP_STORE_PAGE);
	}
	h->owners_off = off;
	off = align_up(off + 2ull * p->max_owners * sizeof(struct rp_owner_rec), RP_STORE_PAGE);
	h->total_size = off;
}

static uint64_t hdr_checksum(const struct rp_shm_hdr *h)
{
	struct rp_shm_hdr tmp;

	memcpy(&tmp, h, sizeof(tmp));
	tmp.checksum = 0;
	return XXH64(&tmp, sizeof(tmp), 0);
}

uint64_t rp_store_cfg_checksum(const struct rp_cfg_hdr *c)
{
	struct rp_cfg_hdr tmp;

	memcpy(&tmp, c, sizeof(tmp));
	tmp.checksum = 0;
	/* the header's hash seeds the body's: one xxh64 chain over [0, size) */
	return XXH64((const char *)c + sizeof(tmp), c->size - sizeof(tmp), XXH64(&tmp, sizeof(tmp), 0));
}

struct rp_cfg_hdr *rp_store_cfg_area(struct rp_store *s, uint64_t gen)
{
	return (struct rp_cfg_hdr *)(s->base + s->h.cfg_off[gen & 1]);
}

static int range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int rp_store_cfg_check(struct rp_store *s, const struct rp_cfg_hdr *c, uint64_t gen, int checksum,
		       const char **why)
{
	uint64_t cap = s->h.config_bytes;

	rp_store_prefault(s, c, sizeof(*c));
	if (c->gen != gen)
		return *why = "config area generation does not match the control word", -EBADMSG;
	if (c->size < sizeof(*c) || c->size > cap)
		return *why = "config area size out of bounds", -EBADMSG;
	rp_store_prefault(s, c, c->size);
	if (checksum && rp_store_cfg_checksum(c) != c->checksum)
		return *why = "config area checksum mismatch", -EBADMSG;
	if (c->npools > RP_STORE_MAX_POOLS || c->nextents > s->h.max_extents ||
	    !range_ok(c->pools_off, (uint64_t)c->npools * sizeof(struct rp_cfg_pool), c->size) ||
	    !range_ok(c->segs_off, (uint64_t)c->nsegs * sizeof(struct rp_cfg_seg), c->size) ||
	    !range_ok(c->exts_off, (uint64_t)c->nextents * sizeof(struct rp_cfg_extent), c->size) ||
	    !range_ok(c->blob_off, c->blob_len, c->size) || c->pools_off % 8 || c->segs_off % 8 ||
	    c->exts_off % 8 || c->next_lease > s->h.max_leases)
		return *why = "config area tables out of bounds", -EBADMSG;
	const struct rp_cfg_pool *pools = (const void *)((const char *)c + c->pools_off);
	const struct rp_cfg_seg *segs = (const void *)((const char *)c + c->segs_off);
	const struct rp_cfg_extent *exts = (const void *)((const char *)c + c->exts_off);
	uint64_t next = 0;

	for (uint32_t i = 0; i < c->nextents; i++) {
		if (exts[i].lease_base != next || exts[i].count == 0 ||
		    exts[i].count > c->next_lease - next)
			return *why = "config area extent table inconsistent", -EBADMSG;
		next += exts[i].count;
	}
	if (next != c->next_lease)
		return *why = "config area extent table does not end at next_lease", -EBADMSG;
	for (uint32_t i = 0; i < c->nsegs; i++) {
		const struct rp_cfg_seg *g = &segs[i];

		if (g->extent >= c->nextents || g->pool >= c->npools || g->from >= g->to ||
		    g->from < exts[g->extent].lease_base ||
		    g->to > exts[g->extent].lease_base + exts[g->extent].count)
			return *why = "config area segment out of its extent", -EBADMSG;
	}
	for (uint32_t i = 0; i < c->npools; i++) {
		const struct rp_cfg_pool *p = &pools[i];

		if (p->seg_first > c->nsegs || p->nsegs > c->nsegs - p->seg_first ||
		    memchr(p->name, 0, sizeof(p->name)) == NULL)
			return *why = "config area pool table inconsistent", -EBADMSG;
		for (uint32_t j = 0; j < p->nsegs; j++)
			if (segs[p->seg_first + j].pool != i)
				return *why = "config area pool/segment link broken", -EBADMSG;
	}
	return 0;
}

/* Build the empty generation-1 store in a temp file and link it into place, so no process can
 * map a half-initialised file. -EEXIST if another process won the race (use its file). */
static int create_file(const char *path, const struct rp_store_params *p, uint16_t vmaj, struct rp_err *e)
{
	char tmp[PATH_MAX], dirbuf[PATH_MAX];
	struct rp_shm_hdr h;
	char *base = MAP_FAILED;
	int fd, ret;

	if (snprintf(dirbuf, sizeof(dirbuf), "%s", path) >= (int)sizeof(dirbuf))
		return rp_err_set(e, -ENAMETOOLONG, "store %s: path too long", path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%d.%lx", dirname(dirbuf),
		     basename((char *)(strrchr(path, '/') ? strrchr(path, '/') + 1 : path)), (int)getpid(),
		     (unsigned long)rp_store_now_ns()) >= (int)sizeof(tmp))
		return rp_err_set(e, -ENAMETOOLONG, "store %s: path too long", path);
	layout(&h, p, vmaj);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rp_err_set(e, -errno, "store %s: cannot create %s: %s", path, tmp, strerror(errno));
	if (fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)h.total_size) < 0) {
		ret = rp_err_set(e, -errno, "store %s: cannot size %s: %s", path, tmp, strerror(errno));
		goto err_unlink;
	}
	base = mmap(NULL, h.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		ret = rp_err_set(e, -errno, "store %s: mmap: %s", path, strerror(errno));
		goto err_unlink;
	}
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	h.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	rp_bitmap_init(base + h.bitmap_off, h.max_leases, false);
	struct rp_cfg_hdr *c = (struct rp_cfg_hdr *)(base + h.cfg_off[1]);

	c->gen = 1;
	c->size = sizeof(*c);
	c->pools_off = c->segs_off = c->exts_off = c->blob_off = sizeof(*c);
	c->checksum = rp_store_cfg_checksum(c);
	struct rp_shm_ctl *ctl = (struct rp_shm_ctl *)(base + h.ctl_off);

	atomic_store_explicit(&ctl->ctl, rp_store_ctl_make(1), memory_order_relaxed);
	h.magic = RP_STORE_MAGIC;
	h.checksum = hdr_checksum(&h);
	h.magic = 0;
	memcpy(base, &h, sizeof(h));
	/* R0: pairs with A0 in rp_store_open(): the magic goes last. */
	atomic_store_explicit((_Atomic uint64_t *)base, RP_STORE_MAGIC, memory_order_release);
	munmap(base, h.total_size);
	if (fsync(fd) < 0) {
		ret = rp_err_set(e, -errno, "store %s: fsync: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (link(tmp, path) < 0) {
		ret = -errno;
		if (ret != -EEXIST)
			rp_err_set(e, ret, "store %s: cannot link the new store into place: %s", path,
				   strerror(errno));
		goto err_unlink;
	}
	unlink(tmp);
	close(fd);
	return 0;

err_unlink:
	unlink(tmp);
	close(fd);
	return ret;
}

static int validate(struct rp_store *s, const struct stat *st, struct rp_err *e)
{
	const char *path = s->path, *why = NULL;
	struct rp_store_params p;
	struct rp_shm_hdr want;

	/* A0: pairs with R0 in create_file(). */
	uint64_t magic = atomic_load_explicit((_Atomic uint64_t *)s->base, memory_order_acquire);

	if (magic != RP_STORE_MAGIC)
		return rp_err_set(e, -EBADMSG, "store %s: bad magic %#llx (not a railpool store, or "
				  "corrupted): remove it and apply the configuration again", path,
				  (unsigned long long)magic);
	memcpy(&s->h, s->base, sizeof(s->h));
	if (s->h.vmaj != RP_STORE_VMAJ && s->h.vmaj != RP_STORE_VMAJ_KEYHOME && s->h.vmaj != RP_STORE_VMAJ_SYM)
		return rp_err_set(e, -EPROTO, "store %s: version %u.%u, this build reads %u.x to %u.x",
				  path, s->h.vmaj, s->h.vmin, RP_STORE_VMAJ_SYM, RP_STORE_VMAJ);
	if (s->h.header_size != RP_STORE_HDR_BYTES)
		return rp_err_set(e, -EBADMSG, "store %s: header size %u, expected %u", path,
				  s->h.header_size, RP_STORE_HDR_BYTES);
	if (s->h.total_size != (uint64_t)st->st_size)
		return rp_err_set(e, -EBADMSG, "store %s: total size %llu in header but the file has "
				  "%lld bytes (truncated?)", path, (unsigned long long)s->h.total_size,
				  (long long)st->st_size);
	if (hdr_checksum(&s->h) != s->h.checksum)
		return rp_err_set(e, -EBADMSG, "store %s: header checksum mismatch", path);
	p = (struct rp_store_params){ s->h.max_leases, s->h.max_owners, s->h.config_bytes,
				      s->h.max_readers };
	if (params_check(&p, NULL) < 0)
		return rp_err_set(e, -EBADMSG, "store %s: header parameters out of range", path);
	layout(&want, &p, s->h.vmaj); /* vmaj checked above; covered by the checksum */
	want.magic = s->h.magic;
	want.created_ns = s->h.created_ns;
	want.checksum = s->h.checksum;
	if (memcmp(&want, &s->h, sizeof(want)) != 0)
		return rp_err_set(e, -EBADMSG, "store %s: header region layout inconsistent", path);
	s->ctl = (struct rp_shm_ctl *)(s->base + s->h.ctl_off);
	s->readers = (struct rp_shm_reader *)(s->base + s->h.readers_off);
	s->hints = (struct rp_shm_hint *)(s->base + s->h.hints_off);
	s->leases = (_Atomic uint64_t *)(s->base + s->h.leases_off);
	s->bitmap = s->base + s->h.bitmap_off;
	s->owners = (struct rp_owner_rec *)(s->base + s->h.owners_off);
	s->nslots = 2 * s->h.max_owners;
	s->home_cid = s->h.vmaj >= 3;
	/* what every call touches next: the control word, the reader slots a claim and the pending
	 * scan look at (claimed lowest first), the bitmap header */
	rp_store_prefault(s, s->ctl, sizeof(*s->ctl));
	rp_store_prefault(s, s->readers, (s->h.max_readers < RP_STORE_PENDING_SCAN ? s->h.max_readers :
					  RP_STORE_PENDING_SCAN) * sizeof(*s->readers));
	rp_store_prefault(s, s->bitmap, 128);
	if (rp_bitmap_check(s->bitmap, s->h.bitmap_bytes) < 0 ||
	    rp_bitmap_nbits(s->bitmap) != s->h.max_leases)
		return rp_err_set(e, -EBADMSG, "store %s: lease bitmap header invalid", path);
	uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire);

	if ((uint32_t)c != rp_store_ctl_hash(c >> 32) || (c >> 32) == 0)
		return rp_err_set(e, -EBADMSG, "store %s: control word check failed", path);
	(void)why;
	return 0;
}

/* Claim a reader epoch slot: a free one, or one whose process is dead. */
static int reader_claim(struct rp_store *s, struct rp_err *e)
{
	uint64_t me = rp_store_self();

	for (uint32_t pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < s->h.max_readers; i++) {
			struct rp_shm_reader *r = &s->readers[i];
			uint64_t o = atomic_load_explicit(&r->owner, memory_order_relaxed);

			if (o != 0 && (pass == 0 || rp_store_proc_alive(s, o)))
				continue;
			if (atomic_compare_exchange_strong_explicit(&r->owner, &o, me, memory_order_seq_cst,
								    memory_order_relaxed)) {
				atomic_store_explicit(&r->epoch, 0, memory_order_seq_cst);
				/* Before any section; the first one is symmetric (no view cached yet),
				 * which a writer without membarrier() relies on (see
				 * rp_store_membarrier()). */
				atomic_store_explicit(&r->mode, s->asym ? RD_ASYM : 0, memory_order_seq_cst);
				s->reader_slot = (int32_t)i;
				return 0;
			}
		}
	}
	return rp_err_set(e, -EAGAIN, "store %s: all %u reader slots are held by live processes",
			  s->path, s->h.max_readers);
}

int rp_store_open(const char *path, unsigned flags, const struct rp_store_params *params,
		  struct rp_store **out, struct rp_err *e)
{
	struct rp_store_params p;
	struct rp_store *s;
	struct stat st;
	unsigned fmt = RP_STORE_FORMAT_OF(flags);
	int ret, fd;

	path = rp_store_path(path);
	if (params)
		p = *params;
	else
		params_default(&p);
	if ((ret = params_check(&p, e)) < 0)
		return rp_err_prefix(e, "store %s: ", path);
	if (fmt > RP_STORE_VMAJ || (fmt && fmt < RP_STORE_VMAJ_SYM))
		return rp_err_set(e, -EINVAL, "store %s: cannot create format %u (this build writes %u.x to %u.x)",
				  path, fmt, RP_STORE_VMAJ_SYM, RP_STORE_VMAJ);
	for (int attempt = 0;; attempt++) {
		/* O_NONBLOCK: opening a FIFO planted at the path must fail the type check, not hang */
		fd = open(path, ((flags & RP_STORE_RDONLY) ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_CLOEXEC |
					O_NONBLOCK);
		if (fd >= 0)
			break;
		ret = -errno;
		if (ret == -ELOOP)
			return rp_err_set(e, ret, "store %s: is a symlink; refusing to follow it", path);
		if (ret != -ENOENT || !(flags & RP_STORE_CREATE) || (flags & RP_STORE_RDONLY) || attempt > 3)
			return rp_err_set(e, ret, "store %s: open: %s", path, strerror(-ret));
		ret = create_file(path, &p, fmt ? (uint16_t)fmt : RP_STORE_VMAJ, e);
		if (ret < 0 && ret != -EEXIST)
			return ret;
	}
	s = calloc(1, sizeof(*s) + strlen(path) + 1);
	if (!s) {
		ret = rp_err_set(e, -ENOMEM, "store %s: out of memory", path);
		goto err_close;
	}
	strcpy(s->path, path);
	s->fd = fd;
	s->rdonly = !!(flags & RP_STORE_RDONLY);
	s->reader_slot = -1;
	s->base = MAP_FAILED;
	if (fstat(fd, &st) < 0) {
		ret = rp_err_set(e, -errno, "store %s: fstat: %s", path, strerror(errno));
		goto err_free;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = rp_err_set(e, -EPERM, "store %s: not a regular file", path);
		goto err_free;
	}
	if (st.st_uid != 0 && !(flags & RP_STORE_NOCHECK_OWNER)) {
		ret = rp_err_set(e, -EPERM, "store %s: owned by uid %u, not root", path,
				 (unsigned)st.st_uid);
		goto err_free;
	}
	if (st.st_mode & 077) {
		ret = rp_err_set(e, -EPERM, "store %s: mode %04o grants group/other access; expected 0600",
				 path, (unsigned)(st.st_mode & 07777));
		goto err_free;
	}
	if ((uint64_t)st.st_size < RP_STORE_HDR_BYTES) {
		ret = rp_err_set(e, -EBADMSG, "store %s: %lld bytes, shorter than the %u-byte header "
				 "(truncated)", path, (long long)st.st_size, RP_STORE_HDR_BYTES);
		goto err_free;
	}
	s->size = (size_t)st.st_size;
	s->base = mmap(NULL, s->size, s->rdonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->base == MAP_FAILED) {
		ret = rp_err_set(e, -errno, "store %s: mmap: %s", path, strerror(errno));
		goto err_free;
	}
	s->prefault = oneshot && !s->rdonly;
	rp_store_prefault(s, s->base, RP_STORE_HDR_BYTES);
	if ((ret = validate(s, &st, e)) < 0)
		goto err_unmap;
	/* Only stores whose writers all issue membarrier() (version 2) allow asymmetric sections. */
	s->asym = !s->rdonly && s->h.vmaj >= 2 && rp_store_membarrier_register() == 0;
	if (!s->rdonly && (ret = reader_claim(s, e)) < 0)
		goto err_unmap;
	uint32_t pid = (uint32_t)getpid();

	s->sweep_lease = (uint64_t)pid * 7919u;
	s->sweep_owner = (uint64_t)pid * 104729u;
	/* Bounded sweeps run every RP_SWEEP_EVERY-th begin or reserve and visit an owner record
	 * every 256th sweep, counted from a per-process phase: a long-lived user sweeps at the same
	 * rate, and a CNI process (a few calls) no longer always pays the first visit — cold pages of
	 * a fresh mapping. */
	s->sweep_tick = pid * 2654435761u >> 26; /* 0..63 */
	s->sweep_owner_calls = (pid * 2246822519u) >> 24;
	/* Verify the active config area completely, pinned so no apply can rewrite it meanwhile. */
	struct rp_store_view v;

	const char *why = "control word check failed";

	if ((ret = rp_store_read_begin(s, &v)) < 0) {
		uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire);

		v.gen = c >> 32;
		if ((uint32_t)c == rp_store_ctl_hash(v.gen))
			rp_store_cfg_check(s, rp_store_cfg_area(s, v.gen), v.gen, 0, &why);
	} else {
		ret = rp_store_cfg_check(s, s->cfg, v.gen, 1, &why);
		/* Finish the lease/bit windows of crashed processes.  Slots are claimed lowest
		 * first, so recent CNI processes live in the first few; the full sweep covers all. */
		if (ret == 0)
			rp_store_pending_repair(s, RP_STORE_PENDING_SCAN);
		rp_store_read_end(s);
	}
	if (ret < 0) {
		rp_err_set(e, ret, "store %s: %s (generation %llu)", path, why,
			   (unsigned long long)v.gen);
		goto err_reader;
	}
	*out = s;
	return 0;

err_reader:
	if (s->reader_slot >= 0)
		atomic_store_explicit(&s->readers[s->reader_slot].owner, 0, memory_order_release);
err_unmap:
	munmap(s->base, s->size);
err_free:
	free(s);
err_close:
	close(fd);
	return ret;
}

void rp_store_set_oneshot(bool on)
{
	oneshot = on;
}

void rp_store_prefault_slow(struct rp_store *s, const void *p, size_t len)
{
	uintptr_t at = (uintptr_t)p, base = (uintptr_t)s->base;
	uint64_t lo, hi, first = UINT64_MAX, end = 0;

	if (at < base || at - base >= s->size) /* NULL from rp_bitmap_word(), say */
		return;
	lo = (at - base) & ~(uint64_t)(RP_STORE_PAGE - 1);
	hi = at - base + len < s->size ? at - base + len : s->size;
	/* the pages not asked for yet: one call over the span from the first to the last of them */
	for (uint64_t pg = lo; pg < hi; pg += RP_STORE_PAGE) {
		uint32_t i = 0;

		while (i < s->npf && s->pf[i] != pg)
			i++;
		if (i < s->npf)
			continue;
		if (s->npf < RP_STORE_PF_PAGES)
			s->pf[s->npf++] = pg;
		if (first == UINT64_MAX)
			first = pg;
		end = pg + RP_STORE_PAGE;
	}
	/* Only a hint: a kernel before 5.14 answers EINVAL, and the access faults as before. */
	if (end)
		(void)madvise(s->base + first, end - first, MADV_POPULATE_WRITE);
}

void rp_store_close(struct rp_store *s)
{
	if (!s)
		return;
	if (s->in_read)
		rp_store_read_end(s);
	if (s->reader_slot >= 0) {
		atomic_store_explicit(&s->readers[s->reader_slot].epoch, 0, memory_order_release);
		atomic_store_explicit(&s->readers[s->reader_slot].owner, 0, memory_order_release);
	}
	if (!oneshot)
		munmap(s->base, s->size);
	close(s->fd);
	free(s);
}

int rp_store_layout(struct rp_store *s, struct rp_store_layout *out)
{
	uint64_t c = atomic_load_explicit(&s->ctl->ctl, memory_order_acquire);
	const struct rp_cfg_hdr *cfg = rp_store_cfg_area(s, c >> 32);

	memset(out, 0, sizeof(*out));
	out->total = s->size;
	out->header_off = 0;
	out->header_len = RP_STORE_HDR_BYTES;
	out->ctl_off = s->h.ctl_off;
	out->ctl_len = sizeof(uint64_t);
	out->config_off = s->h.cfg_off[(c >> 32) & 1];
	out->config_len = cfg->size <= s->h.config_bytes ? cfg->size : 0;
	out->gen = c >> 32;
	return 0;
}
