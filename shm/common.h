/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Project-wide basics every layer may use: the log hook, the error record that carries a
 * user-facing message up through the layers, and the invariant check.  Lives in shm/ because
 * shm/ is the lowest layer that reports anything (bitmap/ reports nothing).
 *
 * Thread/process safety: rp_log_set_hook() is meant to be called once at start-up; rp_log()
 * and the rp_err_* helpers are safe from any thread.
 */
#ifndef RP_COMMON_H
#define RP_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rp_log_level { RP_LOG_ERR = 0, RP_LOG_WARN = 1, RP_LOG_INFO = 2, RP_LOG_DEBUG = 3 };

typedef void (*rp_log_fn)(int level, const char *msg, void *arg);

/* Route every library message through @fn (NULL restores the default: stderr at WARN and up,
 * or at the level named by env RAILPOOL_LOG=err|warn|info|debug). */
void rp_log_set_hook(rp_log_fn fn, void *arg);
void rp_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define RP_ERR_MSG_MAX 1024

/*
 * An error on its way to the user.  @code is -errno (or a plugin code mapped later by core/);
 * @msg says what was wrong, where (file, document, field, value) and what to do.  Functions that
 * take a `struct rp_err *` fill it on failure and leave it untouched on success; NULL is allowed.
 */
struct rp_err {
	int code;          /* -errno of the failure */
	int cni_code;      /* CNI error code if a layer knows it better than core/ would, else 0 */
	char msg[RP_ERR_MSG_MAX];
};

/* Set @e (if not NULL) and return @code, so callers can write `return rp_err_set(e, -EINVAL, ...)`. */
int rp_err_set(struct rp_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, also setting e->cni_code (core/ knows the CNI code at the failure site). */
int rp_err_setc(struct rp_err *e, int code, int cni_code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prefix the existing message with context ("rail 5 (net5): "); returns e->code. */
int rp_err_prefix(struct rp_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Broken invariant: report file/function/line and abort. Never for bad input. */
#define RP_ASSERT(cond)                                                                            \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			rp_panic(__FILE__, __func__, __LINE__, #cond);                             \
	} while (0)
__attribute__((noreturn)) void rp_panic(const char *file, const char *func, int line, const char *what);

#define RP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RP_CACHE_LINE 64

#ifdef __cplusplus
}
#endif
#endif
