/* SPDX-License-Identifier: Apache-2.0 */
/* tests/common's helpers: what each capture, environment and stdin mode really gives the child. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/common/exec.h"
#include "tests/common/node.h"
#include "tests/common/store.h"

static char tmp[64], ns[32];

static int setup(void **st)
{
	(void)st;
	snprintf(tmp, sizeof(tmp), "/tmp/rpt%d-common", (int)getpid());
	return mkdir(tmp, 0700);
}

static int teardown(void **st)
{
	(void)st;
	if (ns[0]) {
		rpt_sh(NULL, RPT_DISCARD, "ip netns del %s", ns);
		ns[0] = '\0';
	}
	return rpt_rm_rf(tmp);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* stdout as JSON: an object by default, a scalar only with JSON_DECODE_ANY. */
static void json_cases(void)
{
	struct rpt_exec x = { .argv = ARGV("/bin/echo", "{\"a\": 1}"), .parse_json = true };
	struct rpt_run r;

	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(json_integer_value(json_object_get(r.json, "a")), 1);
	rpt_run_free(&r);
	x.argv = ARGV("/bin/echo", "7");
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_null(r.json); /* a scalar needs JSON_DECODE_ANY */
	assert_true(r.json_err.text[0] != '\0');
	rpt_run_free(&r);
	x.json_flags = JSON_DECODE_ANY;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(json_integer_value(r.json), 7);
	rpt_run_free(&r);
}

static void test_capture_and_status(void **st)
{
	struct rpt_exec x = { .argv = ARGV("/bin/sh", "-c", "echo out; echo err >&2; exit 3") };
	struct rpt_run r;

	(void)st;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(r.status, 3);
	assert_false(r.signaled);
	assert_string_equal(r.out, "out\n");
	assert_int_equal(r.out_len, 4);
	assert_string_equal(r.err, "err\n");
	assert_null(r.json);
	rpt_run_free(&r);

	x.err = RPT_MERGE;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_string_equal(r.out, "out\nerr\n");
	assert_string_equal(r.err, "");
	rpt_run_free(&r);

	x.out = RPT_DISCARD;
	x.err = RPT_DISCARD;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out, "");
	rpt_run_free(&r);

	x.argv = ARGV("/bin/sh", "-c", "kill -9 $$");
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_true(r.signaled);
	assert_int_equal(r.status, 128 + 9);
	rpt_run_free(&r);

	x.argv = ARGV("/nonexistent/rpt-prog");
	assert_int_equal(rpt_exec_run(&x, &r), -ENOENT);
	assert_null(r.out);
	json_cases();
}

static void test_environment(void **st)
{
	struct rpt_exec x = { .argv = ARGV("/usr/bin/env"), .env = ARGV("A=1", "B=two words") };
	struct rpt_run r;

	(void)st;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_string_equal(r.out, "A=1\nB=two words\n"); /* exactly, nothing inherited */
	rpt_run_free(&r);

	setenv("RPT_COMMON_X", "old", 1);
	setenv("RPT_COMMON_Y", "kept", 1);
	x.argv = ARGV("/bin/sh", "-c", "echo \"$RPT_COMMON_X $RPT_COMMON_Y $A\"; env | grep -c '^RPT_COMMON_X='");
	x.env = ARGV("RPT_COMMON_X=new", "A=1");
	x.env_inherit = true;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_string_equal(r.out, "new kept 1\n1\n"); /* replaced, not doubled */
	rpt_run_free(&r);
	unsetenv("RPT_COMMON_X");
	unsetenv("RPT_COMMON_Y");
}

static void test_stdin(void **st)
{
	size_t n = 300000;
	char *big = malloc(n + 1), path[128];
	struct rpt_exec x = { .argv = ARGV("/bin/cat") };
	struct rpt_run r;
	FILE *f;

	(void)st;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	x.stdin_text = big; /* larger than a pipe: the child is fed and drained without deadlock */
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(r.out_len, n);
	assert_string_equal(r.out, big);
	rpt_run_free(&r);
	free(big);

	x.stdin_text = NULL;
	assert_int_equal(rpt_exec_run(&x, &r), 0); /* /dev/null */
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	rpt_run_free(&r);

	snprintf(path, sizeof(path), "%s/in", tmp);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("from a file\n", f);
	fclose(f);
	x.stdin_path = path;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_string_equal(r.out, "from a file\n");
	rpt_run_free(&r);
	x.stdin_path = "/nonexistent/rpt-in";
	assert_int_equal(rpt_exec_run(&x, &r), -ENOENT);
}

/* A store from manifest text; a manifest error names the step and the document. */
static void store_cases(void)
{
	static const char yaml[] = "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
				   "metadata: {name: rpt-common}\nspec:\n  subnet: 10.201.0.0/24\n"
				   "  ips: [10.201.0.10-10.201.0.20]\n";
	struct rp_store_params p = { .max_leases = 256, .max_owners = 64, .config_bytes = 1u << 16, .max_readers = 8 };
	struct rp_err e = { 0 };
	struct rp_store *s;
	struct rp_store_view v;
	char path[128];

	snprintf(path, sizeof(path), "%s/node.shm", tmp);
	assert_int_equal(rpt_store_from_yaml(path, "t.yaml", yaml, &p, RP_STORE_CREATE | RP_STORE_NOCHECK_OWNER, &e), 0);
	assert_int_equal(rp_store_open(path, RP_STORE_NOCHECK_OWNER, NULL, &s, &e), 0);
	assert_int_equal(rp_store_read_begin(s, &v), 0);
	int found = rp_store_pool_find(s, "rpt-common");
	rp_store_read_end(s);
	rp_store_close(s);
	assert_true(found >= 0);
	assert_true(rpt_store_from_yaml(path, "bad.yaml", "kind: [", &p, RP_STORE_NOCHECK_OWNER, &e) < 0);
	print_message("error: %s\n", e.msg);
	assert_int_equal(strncmp(e.msg, "manifests: ", 11), 0);
	assert_non_null(strstr(e.msg, "bad.yaml"));
}

/* The seed node's names: the seed's own in a private netns, unique ones in the current one. */
static void node_cases(void)
{
	struct rpt_seed_node n;

	assert_ptr_equal(rpt_seed_node(&n, "rptx", 1, 8, 9000), &n.spec);
	assert_int_equal(n.spec.nnics, 8);
	assert_int_equal(n.spec.own_netns, 1);
	assert_string_equal(n.spec.nics[0].name, "enp11s0f0np0");
	assert_string_equal(n.spec.nics[7].name, "enp18s0f0np0");
	assert_string_equal(n.spec.nics[4].gw_cidr[0], "172.16.15.254/16");
	assert_null(n.spec.nics[4].gw_cidr[1]);
	assert_int_equal(n.spec.nics[7].mtu, 9000);
	assert_non_null(rpt_seed_node(&n, "rptx", 0, 2, 1500));
	assert_string_equal(n.spec.nics[1].name, "rptxn2");
	assert_null(n.spec.nics[2].name);
	assert_null(rpt_seed_node(&n, "rptx", 0, RP_SIM_MAX_NICS + 1, 1500));
}

static void test_sh_and_files(void **st)
{
	char *out, path[128];
	size_t len;

	(void)st;
	assert_int_equal(rpt_sh(&out, RPT_MERGE, "echo %s; echo e >&2; exit %d", "hi", 4), 4);
	assert_string_equal(out, "hi\ne\n");
	free(out);
	assert_int_equal(rpt_sh(NULL, RPT_DISCARD, "mkdir -p %s/a/b && echo x > %s/a/b/f", tmp, tmp), 0);
	snprintf(path, sizeof(path), "%s/a/b/f", tmp);
	out = rpt_read_file(path, &len);
	assert_non_null(out);
	assert_int_equal(len, 2);
	assert_string_equal(out, "x\n");
	free(out);
	/* rpt_write_file truncates what was there */
	assert_int_equal(rpt_write_file(path, "longer text"), 0);
	assert_int_equal(rpt_write_file(path, "yz"), 0);
	out = rpt_read_file(path, &len);
	assert_non_null(out);
	assert_int_equal(len, 2);
	assert_string_equal(out, "yz");
	free(out);
	snprintf(path, sizeof(path), "%s/a/none/f", tmp);
	assert_int_equal(rpt_write_file(path, "x"), -ENOENT);
	snprintf(path, sizeof(path), "%s/a", tmp);
	assert_int_equal(rpt_rm_rf(path), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rpt_rm_rf(path), 0); /* already gone is fine */
	errno = 0;
	assert_null(rpt_read_file(path, NULL));
	assert_int_equal(errno, ENOENT);
	store_cases();
	node_cases();
}

static void test_netns(void **st)
{
	struct rpt_exec x = { .argv = ARGV("/bin/sh", "-c", "ls /proc/self/net/dev >/dev/null && "
							"awk 'NR>2 {print $1}' /proc/self/net/dev") };
	struct rpt_run r;
	char path[64];

	(void)st;
	if (geteuid() != 0) {
		print_message("SKIP: netns part needs root\n");
		skip();
	}
	snprintf(ns, sizeof(ns), "rpt%dcommon", (int)getpid());
	assert_int_equal(rpt_sh(NULL, RPT_INHERIT, "ip netns add %s", ns), 0);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	x.netns = path;
	assert_int_equal(rpt_exec_run(&x, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "lo:\n"); /* a fresh namespace holds only lo */
	rpt_run_free(&r);
	x.netns = "/nonexistent/rpt-ns";
	assert_int_equal(rpt_exec_run(&x, &r), -ENOENT);
}

int main(void)
{
	/* one scratch directory for the group; every test names its own files in it */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_and_status), cmocka_unit_test(test_environment),
		cmocka_unit_test(test_stdin),              cmocka_unit_test(test_sh_and_files),
		cmocka_unit_test(test_netns),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
