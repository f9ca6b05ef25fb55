/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the multi-process node-store tests (tests/store_mp/): scratch paths that are
 * removed even when a test fails, the test scale knob, shared anonymous memory that survives
 * fork(), and builders for pool definitions.
 *
 * Process safety: mp_shared_alloc() memory is MAP_SHARED, so parent and fork()ed children see
 * one copy; everything else is per-process.  Children must leave with _exit() so the parent's
 * atexit cleanup runs exactly once, in the parent.
 */
#ifndef RP_TESTS_STORE_MP_COMMON_H
#define RP_TESTS_STORE_MP_COMMON_H

#include <stdint.h>
#include <sys/types.h>

#include "shm/store.h"

/* RP_TEST_SCALE (e.g. 0.2 under TSan) times @n, at least @min. */
long mp_scaled(long n, long min);

/* A fresh private directory "/dev/shm/rpt<pid>-<tag>" (falls back to /tmp), removed with all its
 * files at exit of the creating process (and by mp_cleanup()). Returns its path (static). */
const char *mp_scratch_dir(const char *tag);
/* "<scratch>/<name>" in a static buffer that the 16th next call reuses. */
const char *mp_path(const char *name);
void mp_cleanup(void);

/* Open with RP_STORE_NOCHECK_OWNER added when not root (tests run as root in CI). */
int mp_open(const char *path, unsigned flags, const struct rp_store_params *p, struct rp_store **out,
	    struct rp_err *e);
/* Small parameters so a store file is a few hundred KiB (sparse). */
struct rp_store_params mp_small_params(uint32_t max_leases, uint32_t max_owners);

/* Zeroed MAP_SHARED|MAP_ANONYMOUS memory that fork()ed children share with the parent. */
void *mp_shared_alloc(size_t len);

/* IPv4 helpers: 10.a.b.c <-> host-order u32. */
struct rp_ip mp_v4(uint32_t host);
uint32_t mp_v4_host(const struct rp_ip *ip);
struct rp_store_range mp_range_v4(uint32_t lo, uint32_t hi);
#define MP_IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Cheap per-process PRNG (xorshift64*). */
uint64_t mp_rand(uint64_t *state);
/* Spin @n iterations without a syscall (moves kill points around inside a process). */
void mp_spin(uint32_t n);

/* Count fsck problems; prints each one to stdout with @who as prefix. */
int mp_fsck(struct rp_store *s, const char *who);

/* Failures seen by children, kept in shared memory for the parent to assert on: the count and
 * the first few messages. */
struct mp_report {
	_Atomic long errors;
	_Atomic int nmsg;
	char msg[4][256];
};
void mp_report_fail(struct mp_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the messages; returns the error count. */
long mp_report_dump(struct mp_report *r, const char *who);

/* fork() whose child is SIGKILLed when the parent dies (a failed assertion in the parent must not
 * leave allocators spinning for ever). */
pid_t mp_fork(void);

/* Wait for a child; returns its exit status (128+sig if killed). */
int mp_wait(pid_t pid);

/* Create the store at @path (mp_open with RP_STORE_CREATE) and apply @cfg unless NULL; on failure
 * says which step failed on stderr and closes it.  0 or -errno. */
int mp_create(const char *path, const struct rp_store_params *p, const struct rp_store_config *cfg,
	      struct rp_store **out);

/* What every test's main() starts with: the scratch directory "rpt<pid>-@tag", *@store_path set
 * to "<scratch>/node.shm", and @shared_len bytes of mp_shared_alloc() memory, returned; NULL
 * after saying why on stdout. */
void *mp_setup(const char *tag, size_t shared_len, const char **store_path);

#endif
