/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for the railpool CNI plugin: build a node store from manifest text, and run the
 * BUILT binary ($RP_BIN_DIR/railpool, or any plugin) the way a runtime does (spawned with the
 * CNI_* environment and the config on stdin), capturing stdout and the exit status.
 * Not thread-safe; one test process at a time per temp dir.
 */
#ifndef RP_TESTS_CNI_HARNESS_H
#define RP_TESTS_CNI_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "tests/common/exec.h" /* struct rpt_run, rpt_run_free() */

#ifdef __cplusplus
extern "C" {
#endif

/* A private temp dir "/tmp/rptcni<pid>-XXXXXX"; removed (recursively) by rpt_tmpdir_remove. */
const char *rpt_tmpdir(void);
void rpt_tmpdir_remove(void);

/* Create (or re-apply) the store at @path from manifest text @yaml. 0 or -errno (printed). */
int rpt_store_apply(const char *path, const char *yaml);

/*
 * Run @prog (NULL: $RP_BIN_DIR/railpool) with @argv_extra (NULL-terminated, may be NULL), an
 * environment of exactly @env ("K=V" strings, NULL-terminated) plus PATH, and @stdin_text;
 * stdout parsed as JSON (any value) into r->json; stderr, when any, is echoed.  0 or -errno.
 */
int rpt_exec(const char *prog, const char *const *argv_extra, const char *const *env,
	     const char *stdin_text, struct rpt_run *r);

/* Shortcuts for the JSON answer. */
int rpt_code(const struct rpt_run *r);        /* "code" of an error JSON, -1 if none */
const char *rpt_msg(const struct rpt_run *r); /* "msg" or "" */

#ifdef __cplusplus
}
#endif
#endif
