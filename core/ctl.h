/* SPDX-License-Identifier: Apache-2.0 */
/*
 * railpoolctl, the operator's tool, as a library: cmd/railpoolctl.c is a thin main over
 * rp_ctl_main(), so every subcommand can also be driven from a test in-process.
 *
 * Exit codes (the return value of rp_ctl_main and of every rp_ctl_fn): RP_CTL_OK 0,
 * RP_CTL_EUSER 1 (a user error: the message on c->err names the file, field or value and what
 * to do), RP_CTL_EUSAGE 2 (bad command line: the message says which argument and points at
 * --help).
 *
 * Thread safety: none; one rp_ctl_main() per process at a time (it installs a log hook that
 * writes to c->err and uses getopt).  Allocations are released before return.
 */
#ifndef RP_CORE_CTL_H
#define RP_CORE_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RP_CTL_OK = 0, RP_CTL_EUSER = 1, RP_CTL_EUSAGE = 2 };

enum rp_ctl_output { RP_CTL_OUT_TABLE = 0, RP_CTL_OUT_WIDE, RP_CTL_OUT_JSON, RP_CTL_OUT_YAML };

/* The global options every subcommand sees. */
struct rp_ctl {
	const char *state_path; /* resolved: --state, else env RAILPOOL_STATE, else the default */
	char node[256];         /* --node, else the hostname */
	int output;             /* enum rp_ctl_output, from -o (global or per subcommand) */
	bool output_set;        /* -o was given */
	FILE *out, *err;
};

/* A subcommand: argv[0] is its name; getopt state is reset before the call. Returns an exit
 * code. */
typedef int (*rp_ctl_fn)(struct rp_ctl *c, int argc, char **argv);

struct rp_ctl_cmd {
	const char *name;
	rp_ctl_fn fn;
	const char *summary; /* one line for the top-level --help */
};

/*
 * Parse the global options, then run the subcommand named by the first operand.  @extra
 * (NULL-name terminated, may be NULL) adds subcommands that live above core/ (the `sim`
 * command wraps sim/, which core/ may not use).  Output goes to @out, messages to @err.
 */
int rp_ctl_main(int argc, char **argv, const struct rp_ctl_cmd *extra, FILE *out, FILE *err);

/* ---- helpers shared by the subcommands (also used by cmd/ for `sim`) ---- */

/* Print "railpoolctl: <cmd>: <message>\n" on c->err and return @code. */
int rp_ctl_fail(struct rp_ctl *c, int code, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse "-o json|table|wide|yaml"; returns 0 or RP_CTL_EUSAGE after printing why. */
int rp_ctl_parse_output(struct rp_ctl *c, const char *cmd, const char *val);

/*
 * Open the store named by c->state_path.  Read-only unless @rw; @create creates it (and its
 * directory, mode 0700) when missing.  On failure prints an explanation (the store's message
 * names the failed check; ENOENT says how to create it) and returns RP_CTL_EUSER.
 */
int rp_ctl_open_store(struct rp_ctl *c, const char *cmd, bool rw, bool create, struct rp_store **out);

#ifdef __cplusplus
}
#endif
#endif
