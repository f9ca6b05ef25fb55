/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the railpool CNI plugin: build a node store from manifest text, and run the
 * BUILT binary ($RP_BIN_DIR/railpool, or any plugin) the way a runtime does (fork/exec with the
 * CNI_* environment and the config on stdin), capturing stdout and the exit status.
 * Not thread-safe; one test process at a time per temp dir.
 */
#ifndef RP_TESTS_CNI_HARNESS_H
#define RP_TESTS_CNI_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A private temp dir "/tmp/rptcni<pid>-XXXXXX"; removed (recursively) by rpt_tmpdir_remove. */
const char *rpt_tmpdir(void);
void rpt_tmpdir_remove(void);

/* Create (or re-apply) the store at @path from manifest text @yaml. 0 or -errno (printed). */
int rpt_store_apply(const char *path, const char *yaml);

struct rpt_run {
	int status;     /* exit status, or 128+signal */
	char *out;      /* stdout, NUL-terminated (malloc'd) */
	char *err;      /* stderr */
	json_t *json;   /* stdout parsed, NULL when not JSON */
};

/*
 * Run @prog (NULL: $RP_BIN_DIR/railpool) with @argv_extra (NULL-terminated, may be NULL), an
 * environment of exactly @env ("K=V" strings, NULL-terminated) plus PATH, and @stdin_text.
 */
int rpt_exec(const char *prog, const char *const *argv_extra, const char *const *env,
	     const char *stdin_text, struct rpt_run *r);
void rpt_run_free(struct rpt_run *r);

/* Shortcuts for the JSON answer. */
int rpt_code(const struct rpt_run *r);        /* "code" of an error JSON, -1 if none */
const char *rpt_msg(const struct rpt_run *r); /* "msg" or "" */

#ifdef __cplusplus
}
#endif
#endif
