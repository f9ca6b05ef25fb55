/* SPDX-License-Identifier: Apache-2.0 */
#include "tests/store_mp/mp_common.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[256];
static pid_t scratch_owner;

long mp_scaled(long n, long min)
{
	const char *v = getenv("RP_TEST_SCALE");
	double f = v && *v ? strtod(v, NULL) : 1.0;
	long r;

	if (!(f > 0))
		f = 1.0;
	r = (long)((double)n * f);
	return r < min ? min : r;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			rm_tree(p);
			continue;
		}
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

void mp_cleanup(void)
{
	/* fork()ed children inherit the atexit hook; only the creator removes the directory. */
	if (scratch[0] && getpid() == scratch_owner) {
		rm_tree(scratch);
		scratch[0] = 0;
	}
}

const char *mp_scratch_dir(const char *tag)
{
	const char *bases[] = { "/dev/shm", "/tmp" };

	if (scratch[0])
		return scratch;
	for (size_t i = 0; i < RP_ARRAY_SIZE(bases); i++) {
		snprintf(scratch, sizeof(scratch), "%s/rpt%d-%s", bases[i], (int)getpid(), tag);
		rm_tree(scratch);
		if (mkdir(scratch, 0700) == 0) {
			scratch_owner = getpid();
			atexit(mp_cleanup);
			return scratch;
		}
	}
	scratch[0] = 0;
	return NULL;
}

const char *mp_path(const char *name)
{
	static char bufs[16][512];
	static unsigned next;
	char *b = bufs[next++ % 16];

	snprintf(b, sizeof(bufs[0]), "%s/%s", scratch, name);
	return b;
}

int mp_open(const char *path, unsigned flags, const struct rp_store_params *p, struct rp_store **out,
	    struct rp_err *e)
{
	if (geteuid() != 0)
		flags |= RP_STORE_NOCHECK_OWNER;
	return rp_store_open(path, flags, p, out, e);
}

struct rp_store_params mp_small_params(uint32_t max_leases, uint32_t max_owners)
{
	struct rp_store_params p = {
		.max_leases = max_leases,
		.max_owners = max_owners,
		.config_bytes = 64 * 1024,
		.max_readers = 128,
	};
	return p;
}

void *mp_shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

struct rp_ip mp_v4(uint32_t host)
{
	struct rp_ip ip = { .family = RP_FAM_V4 };

	ip.b[0] = (uint8_t)(host >> 24);
	ip.b[1] = (uint8_t)(host >> 16);
	ip.b[2] = (uint8_t)(host >> 8);
	ip.b[3] = (uint8_t)host;
	return ip;
}

uint32_t mp_v4_host(const struct rp_ip *ip)
{
	return ((uint32_t)ip->b[0] << 24) | ((uint32_t)ip->b[1] << 16) | ((uint32_t)ip->b[2] << 8) |
	       ip->b[3];
}

struct rp_store_range mp_range_v4(uint32_t lo, uint32_t hi)
{
	struct rp_store_range r = { .lo = mp_v4(lo), .hi = mp_v4(hi) };
	return r;
}

uint64_t mp_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

void mp_spin(uint32_t n)
{
	for (volatile uint32_t i = 0; i < n; i++)
		;
}

static void fsck_print(const char *problem, void *arg)
{
	printf("%s: fsck: %s\n", (const char *)arg, problem);
}

int mp_fsck(struct rp_store *s, const char *who)
{
	return rp_store_fsck(s, 0, fsck_print, (void *)who);
}

int mp_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

void mp_report_fail(struct mp_report *r, const char *fmt, ...)
{
	int slot = atomic_fetch_add_explicit(&r->nmsg, 1, memory_order_relaxed);
	va_list ap;

	atomic_fetch_add_explicit(&r->errors, 1, memory_order_relaxed);
	if (slot >= (int)RP_ARRAY_SIZE(r->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg[slot], sizeof(r->msg[slot]), fmt, ap);
	va_end(ap);
}

long mp_report_dump(struct mp_report *r, const char *who)
{
	long n = atomic_load(&r->errors);
	int m = atomic_load(&r->nmsg);

	for (int i = 0; i < m && i < (int)RP_ARRAY_SIZE(r->msg); i++)
		printf("%s: child failure: %s\n", who, r->msg[i]);
	if (n)
		printf("%s: %ld child failures in all\n", who, n);
	return n;
}

pid_t mp_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died before prctl() took effect. */
		if (getppid() != parent)
			_exit(111);
	}
	return pid;
}

int mp_create(const char *path, const struct rp_store_params *p, const struct rp_store_config *cfg,
	      struct rp_store **out)
{
	struct rp_err e = { 0 };
	int rc = mp_open(path, RP_STORE_CREATE, p, out, &e);

	if (rc) {
		fprintf(stderr, "create: %s\n", e.msg);
		return rc;
	}
	rc = cfg ? rp_store_apply(*out, cfg, &e) : 0;
	if (rc) {
		fprintf(stderr, "apply: %s\n", e.msg);
		rp_store_close(*out);
		*out = NULL;
	}
	return rc;
}

void *mp_setup(const char *tag, size_t shared_len, const char **store_path)
{
	void *sh;

	if (!mp_scratch_dir(tag)) {
		printf("cannot create a scratch directory\n");
		return NULL;
	}
	*store_path = mp_path("node.shm");
	sh = mp_shared_alloc(shared_len);
	if (!sh)
		printf("cannot map %zu bytes of shared memory\n", shared_len);
	return sh;
}
