/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run a program the way a container runtime or a shell user does and keep what it said: argv,
 * an environment (exact, or the caller's with some entries replaced), stdin from text or a file,
 * optionally inside a network namespace; stdout and stderr captured, the exit status and the
 * child's rusage (wait4) returned, stdout parsed as JSON on request.  Shared by the tests that
 * drive the built binaries (tests/cni, tests/ctl, tests/runtime, tests/rails) and usable from
 * bench/ (plain C, no cmocka).
 *
 * Thread safety: rpt_exec_run() may run in several threads at once (each run has its own
 * close-on-exec pipes; without @netns the child is started with posix_spawn, with it by fork and
 * only async-signal-safe calls before exec); with env_inherit the caller's environment must not
 * change meanwhile.  Allocations: rpt_run's out/err/json, released by rpt_run_free().  Errors: -errno when
 * the program could not be started (it was not run; *r holds nothing to free); a program that
 * ran and failed is 0 with r->status set.
 */
#ifndef RP_TESTS_COMMON_EXEC_H
#define RP_TESTS_COMMON_EXEC_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rpt_stream {
	RPT_CAPTURE = 0, /* into rpt_run.out / .err */
	RPT_INHERIT,     /* the caller's own stdout / stderr */
	RPT_DISCARD,     /* /dev/null */
	RPT_MERGE,       /* stderr only: into the same capture as stdout (2>&1) */
};

struct rpt_exec {
	const char *const *argv;  /* argv[0] is the program's path (no PATH search); NULL-terminated */
	const char *const *env;   /* "K=V" entries, NULL-terminated; may be NULL */
	bool env_inherit;         /* false: the environment is exactly @env; true: the caller's, with
				   * @env's entries replacing (by key) or adding to it */
	const char *stdin_text;   /* fed on stdin (the whole text, then EOF) */
	const char *stdin_path;   /* or a file on stdin; with neither, /dev/null */
	const char *netns;        /* a netns file (e.g. /run/netns/x) joined before exec; NULL: stay.
				   * A failed setns makes the child exit 126. */
	enum rpt_stream out, err;
	bool parse_json;          /* parse stdout into rpt_run.json */
	size_t json_flags;        /* jansson decoding flags for that */
};

struct rpt_run {
	int status;             /* exit status, or 128+signal when killed */
	bool signaled;          /* killed by a signal (a crash is never an answer) */
	char *out, *err;        /* captured text, NUL-terminated; "" when not captured */
	size_t out_len, err_len;
	json_t *json;           /* stdout parsed, NULL when not requested or not JSON */
	json_error_t json_err;  /* why not, when requested */
	struct rusage ru;       /* the child's own resource use */
};

/* Run @x to completion.  0 (see r->status) or -errno; *r is zeroed first either way. */
int rpt_exec_run(const struct rpt_exec *x, struct rpt_run *r);
void rpt_run_free(struct rpt_run *r);

/*
 * `/bin/sh -c CMD` with the caller's environment and stdin from /dev/null; stdout captured into
 * *@out (malloc'd, caller frees; NULL: dropped), stderr as @err says (RPT_MERGE: `2>&1`).
 * Returns the exit status (128+signal when killed) or -errno when the shell could not start.
 */
int rpt_sh(char **out, enum rpt_stream err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rpt_vsh(char **out, enum rpt_stream err, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Remove @path and everything below it (no links followed); a missing path is fine. 0 or -errno. */
int rpt_rm_rf(const char *path);

/* The whole file, NUL-terminated (malloc'd; *@len, if not NULL, its length), or NULL with errno. */
char *rpt_read_file(const char *path, size_t *len);

/* Create or truncate @path (mode 0666 & ~umask) and write @text into it.  0 or -errno. */
int rpt_write_file(const char *path, const char *text);

#ifdef __cplusplus
}
#endif
#endif
