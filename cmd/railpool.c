/* SPDX-License-Identifier: Apache-2.0 */
/*
 * railpool — the CNI plugin.  A thin main: argv (--state PATH, --version), the CNI_* env and the
 * network config on stdin go to core/cni; the command runs in core/ipam (IPAM mode) or core/attach
 * (rails mode); the result or the error JSON goes to stdout.  Exit 0 on success, 1 on a CNI error
 * (the JSON says which), 2 on a bad command line.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/attach.h"
#include "core/cni.h"
#include "core/ipam.h"
#include "netlink/nl.h"
#include "shm/store.h"

#define RAILPOOL_VERSION "0.1.0"
#define STDIN_MAX (64u << 20) /* GC's valid-attachments list can be long; anything bigger is wrong */

extern char **environ;

static int read_stdin(char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	if (isatty(STDIN_FILENO)) /* run by hand: no config follows */
		goto done;
	for (;;) {
		ssize_t r;
		if (n == cap) {
			char *nb;
			if (cap >= STDIN_MAX) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;
			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
done:
	*out = buf;
	*len = n;
	return 0;
}

static int print_json(json_t *j)
{
	int ret = j ? json_dumpf(j, stdout, JSON_COMPACT) : -1;

	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
	return ret;
}

static int cni_error(const char *version, const struct rp_err *e)
{
	print_json(rp_cni_error_json(version, rp_cni_code_from_err(e), e->msg, NULL));
	return 1;
}

/*
 * jansson seeds its hash function from /dev/urandom (open, read, close) at the first object.
 * The kernel already gave this process 16 random bytes (AT_RANDOM): seed from those instead.
 * glibc made its stack and pointer guards from the same bytes, so they go through a one-way
 * mix (the sum of two bijective mixes of the halves reveals neither half).
 */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void json_seed(void)
{
	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
	uint64_t lo = 0, hi = 0, seed;

	if (r) {
		memcpy(&lo, r, 8);
		memcpy(&hi, r + 8, 8);
	} else { /* no auxv entry (not on Linux): still differ per process */
		lo = (uint64_t)getpid();
		hi = (uint64_t)(uintptr_t)&lo;
	}
	seed = mix64(lo) + mix64(hi ^ 0x9e3779b97f4a7c15ull);
	json_object_seed((size_t)(seed ? seed : 1)); /* 0 would make jansson read /dev/urandom */
}

/* RAILPOOL_NL_STATS=1: one line on stderr with this command's netlink traffic (for benchmarks:
 * stdout carries only the CNI result). */
static void nl_stats_report(const struct rp_cni_env *env)
{
	const char *v = getenv("RAILPOOL_NL_STATS");
	struct rp_nl_stats st;

	if (!v || !*v || !strcmp(v, "0"))
		return;
	rp_nl_stats_get(&st);
	fprintf(stderr, "railpool netlink: command %s sendmsg %llu sockets %llu max_per_socket %llu recv %llu "
		"raw_sendmsg %llu raw_recv %llu\n", env ? rp_cni_cmd_name(env->cmd) : "?",
		(unsigned long long)st.sendmsg, (unsigned long long)st.sockets,
		(unsigned long long)st.max_sendmsg_per_sock, (unsigned long long)st.recv_calls,
		(unsigned long long)st.raw_sendmsg, (unsigned long long)st.raw_recv_calls);
}

/*
 * A CNI call is a fresh process: every heap and stack page it uses is touched for the first time,
 * and each first touch is a page fault.  On the virtualised test node a fault costs ~15 us, while
 * madvise(MADV_POPULATE_WRITE) maps pages for ~0.7 us each (PERFORMANCE.md), so the plugin takes
 * its heap (an 8-rail ADD peaks at ~300 KiB: the pod socket's 120 KiB receive ring, the host
 * socket's 7.5 KiB one, jansson) and the top of its stack in two calls: ~60 faults fewer per ADD.
 * Only the block itself is populated, not glibc's top pad past it (pages an ADD never uses).  On
 * bare metal both costs are small and about even.  Only hints: a kernel before 5.14 answers
 * EINVAL and the faults happen as before.
 */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) /* they bring their own allocator */
#define PREFAULT_HEAP (320u << 10)
#define PREFAULT_STACK (32u << 10)

static void populate(uintptr_t lo, uintptr_t hi)
{
	lo &= ~(uintptr_t)4095;
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

static void prefault(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), brk_end;
	void *p;

	/* the heap grows by brk only (no mmap'd chunks) and keeps what it grew: one populated
	 * region serves every later malloc */
	mallopt(M_MMAP_THRESHOLD, 2 * PREFAULT_HEAP);
	mallopt(M_TRIM_THRESHOLD, 4 * PREFAULT_HEAP);
	p = malloc(PREFAULT_HEAP);
	brk_end = (uintptr_t)sbrk(0);
	/* only glibc's brk heap: another allocator's block is not below the break */
	if (p && (uintptr_t)p < brk_end && brk_end - (uintptr_t)p <= 2 * PREFAULT_HEAP)
		populate((uintptr_t)p, (uintptr_t)p + PREFAULT_HEAP);
	free(p);
	/* the stack VMA reaches 128 KiB below the entry stack pointer (exec's stack_expand) */
	populate(sp - PREFAULT_STACK, sp);
}
#else
static void prefault(void)
{
}
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: railpool [--state PATH] [--version]\n"
		   "A CNI plugin: the runtime sets CNI_COMMAND and friends and writes the network config "
		   "on stdin.\n--state PATH overrides ipam.stateFile, stateFile and RAILPOOL_STATE.\n");
}

int main(int argc, char **argv)
{
	const char *state_arg = NULL;
	struct rp_cni_env env;
	struct rp_cni_conf conf;
	struct rp_err e = {0}, ce = {0};
	json_t *result = NULL;
	char *in = NULL;
	size_t inlen = 0;
	int ret, env_ret, conf_ret;

	prefault();
	json_seed();
	/* One command, then exit: exit tears the store mapping down for less than munmap(). */
	rp_store_set_oneshot(true);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--state") && i + 1 < argc) {
			state_arg = argv[++i];
		} else if (!strncmp(argv[i], "--state=", 8)) {
			state_arg = argv[i] + 8;
		} else if (!strcmp(argv[i], "--version")) {
			printf("railpool %s (CNI %s; supports 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0)\n", RAILPOOL_VERSION,
			       RP_CNI_VERSION_LATEST);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "railpool: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}

	env_ret = rp_cni_env_parse(environ, &env, &e);
	ret = read_stdin(&in, &inlen);
	if (ret) {
		if (env_ret)
			return cni_error(NULL, &e);
		e.code = ret;
		e.cni_code = RP_CNI_ERR_IO;
		snprintf(e.msg, sizeof(e.msg), "cannot read the network config from stdin: %s", strerror(-ret));
		return cni_error(NULL, &e);
	}
	/* Parse the config even after a bad env so the error speaks the config's cniVersion. */
	conf_ret = rp_cni_conf_parse(in, inlen, env_ret ? RP_CNI_CMD_VERSION : env.cmd, &conf, &ce);
	if (!env_ret && env.cmd == RP_CNI_CMD_VERSION) {
		/* VERSION answers even without (or with a bad) config: it is how runtimes probe us. */
		ret = print_json(rp_cni_version_json(conf.cni_version)) < 0 ? 1 : 0;
		goto out;
	}
	if (env_ret) {
		ret = cni_error(conf.cni_version, &e);
		goto out;
	}
	if (conf_ret) {
		ret = cni_error(conf.cni_version, &ce);
		goto out;
	}

	{
		const char *state = state_arg && *state_arg ? state_arg : conf.state_file[0] ? conf.state_file : NULL;
		state = rp_store_path(state);
		if (conf.mode == RP_CNI_MODE_RAILS)
			ret = rp_attach_run(&env, &conf, state, &result, &e);
		else
			ret = rp_ipam_run(&env, &conf, state, &result, &e);
	}
	if (ret) {
		ret = cni_error(conf.cni_version, &e);
		goto out;
	}
	if (result)
		ret = print_json(result) < 0 ? 1 : 0;
	else
		ret = 0;
out:
	nl_stats_report(env_ret ? NULL : &env);
	rp_cni_conf_free(&conf);
	free(in);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return ret; /* let the sanitizers' exit-time checks (leaks) run */
#else
	/* Straight to exit_group: libnl's and libc's exit handlers have nothing to do for us. */
	fflush(stdout);
	fflush(stderr);
	_exit(ret);
#endif
}
