/* SPDX-License-Identifier: Apache-2.0 */
/*
 * railpoolctl end to end: every test drives the built binary ($RP_BIN_DIR/railpoolctl) against
 * a private store under /tmp/rpt<pid>-<n>/ that teardown removes (also after a failed assert,
 * cmocka still runs teardown).  Leases are made through the store API, as the CNI plugin would.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/railsconf.h"
#include "shm/store.h"
#include "sim/sysfs.h"
#include "tests/common/exec.h"
#include "tests/common/seeds.h"

static char g_bin[4096], g_data[4096], g_seed[4096];
static char g_dir[256], g_state[320];
static int g_seq;

struct res {
	int code;
	char *out, *err;
};

static void res_free(struct res *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Run railpoolctl with RAILPOOL_STATE=g_state, stdin from @in (NULL: /dev/null). */
static void ctlv(struct res *r, const char *in, const char *const *args)
{
	char state_env[400];
	const char *argv[64], *env[] = { state_env, NULL };
	struct rpt_exec x = { .argv = argv, .env = env, .env_inherit = true, .stdin_path = in };
	struct rpt_run run;
	int n = 0;

	snprintf(state_env, sizeof(state_env), "RAILPOOL_STATE=%s", g_state);
	argv[n++] = g_bin;
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	assert_int_equal(rpt_exec_run(&x, &run), 0);
	assert_false(run.signaled); /* a crash (ASan, abort) is never an answer */
	r->code = run.status;
	r->out = run.out;
	r->err = run.err;
	if (getenv("RP_TEST_VERBOSE"))
		fprintf(stderr, "$ railpoolctl ... -> %d\n%s%s", r->code, r->out, r->err);
}

#define CTL(r, ...) ctlv((r), NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define CTL_IN(r, in, ...) ctlv((r), (in), (const char *const[]){ __VA_ARGS__, NULL })

static void expect(struct res *r, int code, const char *where, const char *needle)
{
	const char *hay = !strcmp(where, "out") ? r->out : r->err;

	if (r->code != code) {
		fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", r->out, r->err);
		fail_msg("exit %d, expected %d (output above)", r->code, code);
	}
	if (needle && !strstr(hay, needle)) {
		fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", r->out, r->err);
		fail_msg("std%s lacks \"%s\" (output above)", where, needle);
	}
}

/* railpoolctl @args must exit @code with @needle (NULL: anything) on std@where. */
static void ctl_expect(int code, const char *where, const char *needle, const char *const *args)
{
	struct res r;

	ctlv(&r, NULL, args);
	expect(&r, code, where, needle);
	res_free(&r);
}
#define CTL_EXPECT(code, where, needle, ...) \
	ctl_expect((code), (where), (needle), (const char *const[]){ __VA_ARGS__, NULL })

/* "@dir/@name" from a ring of 16 buffers: one command line names up to 9 files. */
static const char *path_in(const char *dir, const char *name)
{
	static char buf[16][4300];
	static int k;
	char *b = buf[k++ % 16];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static const char *data(const char *name)
{
	return path_in(g_data, name);
}

static json_t *ctl_json(const char *const *args)
{
	struct res r;
	json_error_t je;

	ctlv(&r, NULL, args);
	if (r.code != 0)
		fail_msg("exit %d: %s", r.code, r.err);
	json_t *v = json_loads(r.out, 0, &je);
	if (!v)
		fail_msg("not JSON (%s at %d): %s", je.text, je.line, r.out);
	res_free(&r);
	return v;
}
#define CTL_JSON(...) ctl_json((const char *const[]){ __VA_ARGS__, NULL })

static json_t *find_row(json_t *rows, const char *key, const char *val)
{
	size_t i;
	json_t *it;

	json_array_foreach(rows, i, it) {
		if (json_is_string(json_object_get(it, key)) && !strcmp(json_string_value(json_object_get(it, key)), val))
			return it;
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/rpt%d-%d", (int)getpid(), ++g_seq);
	if (mkdir(g_dir, 0700) < 0)
		return -1;
	/* A directory that does not exist yet: apply must create it with mode 0700. */
	snprintf(g_state, sizeof(g_state), "%s/run/node.shm", g_dir);
	return 0;
}

static struct rp_sim_sysfs *g_sim; /* test_devices_sim's fake sysfs, removed even on failure */

static int teardown(void **state)
{
	(void)state;
	if (g_sim) {
		rp_sim_sysfs_destroy(g_sim);
		g_sim = NULL;
	}
	unsetenv("RAILPOOL_SYSFS_ROOT");
	rpt_rm_rf(g_dir);
	return 0;
}

static void apply_fixture(void)
{
	CTL_EXPECT(0, "out", "SpiderIPPool rpt-a added", "apply", "-f", data("pools.yaml"), "-f", data("net.yaml"));
}

/* ---- store API helpers (what the CNI plugin does) ---- */

static struct rp_store *store_open_rw(void)
{
	struct rp_store *s = NULL;
	struct rp_err e = { 0 };

	if (rp_store_open(g_state, geteuid() ? RP_STORE_NOCHECK_OWNER : 0, NULL, &s, &e) < 0)
		fail_msg("store open: %s", e.msg);
	return s;
}

static void attach(const char *pool, const char *cid, const char *ifname, const char *netns, char *ip_out)
{
	struct rp_store *s = store_open_rw();
	struct rp_store_view v;
	struct rp_owner o;
	struct rp_owner_info info;
	struct rp_lease_info li;
	struct rp_owner_key k = { .container_id = cid, .ifname = ifname };
	struct rp_err e = { 0 };
	uint32_t idx;
	int rc;

	assert_int_equal(rp_store_read_begin(s, &v), 0);
	rc = rp_store_pool_find(s, pool);
	assert_true(rc >= 0);
	idx = (uint32_t)rc;
	assert_int_equal(rp_store_owner_begin(s, &k, netns, &o, &info, &e), 0);
	if (rp_store_reserve(s, &o, &idx, 1, NULL, &li, &e) < 0)
		fail_msg("reserve: %s", e.msg);
	assert_int_equal(rp_store_commit(s, &o, &e), 0);
	rp_store_read_end(s);
	rp_ip_format(&li.ip, ip_out, 64);
	rp_store_close(s);
}

/* ---- tests ---- */

static void test_usage_and_exit_codes(void **state)
{
	(void)state;
	struct res r;

	CTL_EXPECT(0, "out", "usage: railpoolctl", "--help");
	ctlv(&r, NULL, (const char *const[]){ NULL });
	expect(&r, 2, "err", "usage: railpoolctl");
	res_free(&r);
	CTL_EXPECT(2, "err", "unknown command 'frobnicate'", "frobnicate");
	CTL_EXPECT(2, "err", "what to get?", "get");
	CTL_EXPECT(2, "err", "unknown resource 'widgets'", "get", "widgets");
	CTL_EXPECT(2, "err", "-o xml: unknown output format", "-o", "xml", "get", "pools");
	CTL_EXPECT(2, "err", "--state needs a PATH", "get", "pools", "--state");
	CTL_EXPECT(2, "err", "no manifest given", "apply");
	CTL_EXPECT(2, "err", "unknown option --bogus", "gc", "--bogus");
	CTL_EXPECT(2, "err", "expected `describe pool NAME`", "describe", "pool");
	CTL_EXPECT(0, "out", "usage: railpoolctl apply", "apply", "--help");
	/* User errors: exit 1 with the culprit named. */
	CTL(&r, "get", "pools");
	expect(&r, 1, "err", "no node store at");
	assert_non_null(strstr(r.err, g_state));
	res_free(&r);
	CTL_EXPECT(1, "err", "/nonexistent/rpt.yaml", "apply", "-f", "/nonexistent/rpt.yaml");
	struct stat st;
	assert_int_equal(stat(g_state, &st), -1); /* a failed apply created nothing */
}

static void test_apply_and_get_pools(void **state)
{
	(void)state;
	struct stat st;
	char dir[400];

	apply_fixture();
	/* The store and the directory apply created. */
	snprintf(dir, sizeof(dir), "%s/run", g_dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(g_state, &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);

	json_t *pools = CTL_JSON("get", "pools", "-o", "json");
	json_t *a = find_row(pools, "name", "rpt-a"), *b = find_row(pools, "name", "rpt-b");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(json_string_value(json_object_get(a, "subnet")), "10.55.0.0/24");
	assert_string_equal(json_string_value(json_object_get(a, "family")), "ipv4");
	assert_int_equal(json_integer_value(json_object_get(a, "total")), 9); /* 10 minus one excluded */
	assert_int_equal(json_integer_value(json_object_get(a, "used")), 0);
	assert_int_equal(json_integer_value(json_object_get(a, "free")), 9);
	assert_string_equal(json_string_value(json_object_get(a, "gateway")), "10.55.0.1");
	assert_string_equal(json_string_value(json_object_get(b, "family")), "ipv6");
	assert_int_equal(json_integer_value(json_object_get(b, "total")), 16);
	json_decref(pools);

	/* Table: header and one line per pool. */
	struct res r;
	CTL(&r, "get", "pools");
	expect(&r, 0, "out", "NAME");
	assert_non_null(strstr(r.out, "SUBNET"));
	assert_non_null(strstr(r.out, "FREE"));
	assert_null(strstr(r.out, "GATEWAY"));
	assert_non_null(strstr(r.out, "rpt-a"));
	assert_non_null(strstr(r.out, "10.55.0.0/24"));
	res_free(&r);
	CTL_EXPECT(0, "out", "GATEWAY", "get", "pools", "-o", "wide");
	CTL_EXPECT(0, "out", "name: rpt-a", "get", "pools", "-o", "yaml");

	/* Networks. */
	json_t *nets = CTL_JSON("-o", "json", "get", "networks");
	json_t *n1 = find_row(nets, "name", "rpt-net1");
	assert_non_null(n1);
	assert_string_equal(json_string_value(json_object_get(n1, "namespace")), "spiderpool");
	assert_string_equal(json_string_value(json_object_get(n1, "cniType")), "macvlan");
	assert_string_equal(json_string_value(json_object_get(n1, "master")), "rptnic1");
	assert_int_equal(json_integer_value(json_object_get(n1, "mtu")), 1480);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(n1, "ippools"), "ipv4"), 0)),
			    "rpt-a");
	json_decref(nets);

	/* Re-applying the same manifests changes nothing; adding one file adds exactly one pool. */
	CTL(&r, "apply", "-f", data("pools.yaml"), data("net.yaml"));
	expect(&r, 0, "out", "no changes");
	assert_non_null(strstr(r.out, "unchanged"));
	res_free(&r);
	CTL_EXPECT(0, "out", "SpiderIPPool rpt-c would be added",
		   "apply", "--dry-run", "-f", data("pools.yaml"), data("net.yaml"), data("grow.yaml"));
	pools = CTL_JSON("get", "pools", "-o", "json");
	assert_null(find_row(pools, "name", "rpt-c")); /* dry run */
	json_decref(pools);
	CTL(&r, "apply", "-f", data("pools.yaml"), data("net.yaml"), data("grow.yaml"));
	expect(&r, 0, "out", "SpiderIPPool rpt-c added");
	assert_null(strstr(r.out, "rpt-a"));
	res_free(&r);
	pools = CTL_JSON("get", "pools", "-o", "json");
	assert_int_equal(json_integer_value(json_object_get(find_row(pools, "name", "rpt-c"), "total")), 256);
	json_decref(pools);
	/* Leaving a pool out removes it. */
	CTL_EXPECT(0, "out", "SpiderIPPool rpt-c removed", "apply", "-f", data("pools.yaml"), data("net.yaml"));
}

static void test_apply_stdin(void **state)
{
	(void)state;
	struct res r;

	CTL_IN(&r, data("pools.yaml"), "apply", "-f", "-");
	expect(&r, 0, "out", "SpiderIPPool rpt-b added");
	res_free(&r);
}

/* --node decides which nodeName pools this node's store allocates from. */
static void test_node(void **state)
{
	(void)state;

	CTL_EXPECT(0, "out", "1 pool(s) for node rpt-worker2",
		   "--node", "rpt-worker2", "apply", "-f", data("nodepools.yaml"));
	json_t *pools = CTL_JSON("get", "pools", "-o", "json");
	assert_int_equal(json_array_size(pools), 1);
	json_t *p = find_row(pools, "name", "rpt-node2");
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "node")), "rpt-worker2");
	assert_int_equal(json_integer_value(json_object_get(p, "total")), 10);
	json_decref(pools);
	/* The other node's pool is known to the model (listed as applied) but not allocatable here. */
	CTL_EXPECT(1, "err", "no pool named 'rpt-node1' on this node", "describe", "pool", "rpt-node1");
	CTL_EXPECT(0, "out", "1 pool(s) for node rpt-worker1",
		   "apply", "--node=rpt-worker1", "-f", data("nodepools.yaml"));
	pools = CTL_JSON("get", "pools", "-o", "json");
	assert_non_null(find_row(pools, "name", "rpt-node1"));
	assert_null(find_row(pools, "name", "rpt-node2"));
	json_decref(pools);
}

static void test_invalid_changes_nothing(void **state)
{
	(void)state;
	struct res r, before_p, before_n, after_p, after_n;

	apply_fixture();
	CTL(&before_p, "get", "pools", "-o", "json");
	CTL(&before_n, "get", "networks", "-o", "json");
	/* Good files plus one bad document: nothing is applied, the message names file, field, value. */
	CTL(&r, "apply", "-f", data("pools.yaml"), "-f", data("grow.yaml"), "-f", data("bad.yaml"));
	expect(&r, 1, "err", "bad.yaml");
	assert_non_null(strstr(r.err, "rpt-d"));
	assert_non_null(strstr(r.err, "256"));
	assert_non_null(strstr(r.err, "ips"));
	assert_non_null(strstr(r.err, "nothing applied"));
	res_free(&r);
	CTL(&after_p, "get", "pools", "-o", "json");
	CTL(&after_n, "get", "networks", "-o", "json");
	assert_int_equal(after_p.code, 0);
	assert_string_equal(before_p.out, after_p.out);
	assert_string_equal(before_n.out, after_n.out);
	assert_null(strstr(after_p.out, "rpt-c"));
	res_free(&before_p);
	res_free(&before_n);
	res_free(&after_p);
	res_free(&after_n);
	/* A file that is not YAML at all. */
	char junk[400];
	snprintf(junk, sizeof(junk), "%s/junk.yaml", g_dir);
	FILE *f = fopen(junk, "w");
	fputs("kind: SpiderIPPool\n  metadata: [unclosed\n", f);
	fclose(f);
	CTL_EXPECT(1, "err", "junk.yaml", "apply", "-f", junk);
}

static void test_describe_and_leases(void **state)
{
	(void)state;
	struct res r;
	char ip1[64], ip2[64];

	apply_fixture();
	attach("rpt-a", "rptcontainer0001", "net1", "/proc/1/ns/net", ip1);
	attach("rpt-a", "rptcontainer0002", "net1", "/proc/1/ns/net", ip2);
	assert_string_not_equal(ip1, ip2);

	json_t *leases = CTL_JSON("get", "leases", "-o", "json");
	assert_int_equal(json_array_size(leases), 2);
	json_t *l = find_row(leases, "containerID", "rptcontainer0001");
	assert_non_null(l);
	assert_string_equal(json_string_value(json_object_get(l, "pool")), "rpt-a");
	assert_string_equal(json_string_value(json_object_get(l, "ip")), ip1);
	assert_string_equal(json_string_value(json_object_get(l, "ifname")), "net1");
	assert_string_equal(json_string_value(json_object_get(l, "state")), "committed");
	assert_string_equal(json_string_value(json_object_get(l, "netns")), "/proc/1/ns/net");
	json_decref(leases);

	CTL(&r, "get", "leases");
	expect(&r, 0, "out", "CONTAINER-ID");
	assert_non_null(strstr(r.out, ip2));
	res_free(&r);

	json_t *pools = CTL_JSON("get", "pools", "-o", "json");
	json_t *a = find_row(pools, "name", "rpt-a");
	assert_int_equal(json_integer_value(json_object_get(a, "used")), 2);
	assert_int_equal(json_integer_value(json_object_get(a, "free")), 7);
	json_decref(pools);

	json_t *d = CTL_JSON("describe", "pool", "rpt-a", "-o", "json");
	assert_string_equal(json_string_value(json_object_get(d, "subnet")), "10.55.0.0/24");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "ips"), 0)), "10.55.0.10-10.55.0.19");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "excludeIPs"), 0)), "10.55.0.15");
	json_t *rt = json_array_get(json_object_get(d, "routes"), 0);
	assert_string_equal(json_string_value(json_object_get(rt, "dst")), "10.56.0.0/16");
	assert_string_equal(json_string_value(json_object_get(rt, "gw")), "10.55.0.1");
	assert_int_equal(json_integer_value(json_object_get(d, "used")), 2);
	assert_int_equal(json_array_size(json_object_get(d, "leases")), 2);
	json_decref(d);

	CTL(&r, "describe", "pool", "rpt-a");
	expect(&r, 0, "out", "10.55.0.10-10.55.0.19");
	assert_non_null(strstr(r.out, "dst 10.56.0.0/16 gw 10.55.0.1"));
	assert_non_null(strstr(r.out, "rptcontainer0002"));
	res_free(&r);
	CTL_EXPECT(1, "err", "no pool named 'rpt-zz'", "describe", "pool", "rpt-zz");
}

/* Changing a pool while an address is held: the lease survives, totals follow the new ranges. */
static void test_apply_changes_pool(void **state)
{
	(void)state;
	struct res r;
	char ip[64];

	apply_fixture();
	attach("rpt-a", "rptholder", "net1", "/proc/1/ns/net", ip);
	CTL(&r, "apply", "-f", data("pools-grown.yaml"), data("net.yaml"));
	expect(&r, 0, "out", "SpiderIPPool rpt-a changed");
	assert_null(strstr(r.out, "rpt-b"));
	res_free(&r);
	json_t *d = CTL_JSON("describe", "pool", "rpt-a", "-o", "json");
	assert_int_equal(json_integer_value(json_object_get(d, "total")), 20);
	assert_int_equal(json_integer_value(json_object_get(d, "used")), 1);
	assert_int_equal(json_array_size(json_object_get(d, "excludeIPs")), 0);
	json_t *l = json_array_get(json_object_get(d, "leases"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "ip")), ip);
	assert_string_equal(json_string_value(json_object_get(l, "containerID")), "rptholder");
	json_decref(d);
}

static void test_gc(void **state)
{
	(void)state;
	struct res r;
	char ip[64], gone[400], file[400];

	apply_fixture();
	snprintf(gone, sizeof(gone), "%s/netns-gone", g_dir);
	snprintf(file, sizeof(file), "%s/netns-plainfile", g_dir);
	close(open(file, O_WRONLY | O_CREAT, 0600)); /* exists, but is not a namespace */
	attach("rpt-a", "rptlive", "net1", "/proc/1/ns/net", ip);
	attach("rpt-a", "rptgone", "net1", gone, ip);
	attach("rpt-b", "rptfile", "net1", file, ip);

	CTL(&r, "gc", "--dry-run");
	expect(&r, 0, "out", "would release 2 attachment(s)");
	assert_non_null(strstr(r.out, "rptgone/net1"));
	assert_non_null(strstr(r.out, "does not exist"));
	assert_non_null(strstr(r.out, "no longer a network namespace"));
	res_free(&r);
	json_t *leases = CTL_JSON("get", "leases", "-o", "json");
	assert_int_equal(json_array_size(leases), 3); /* dry run freed nothing */
	json_decref(leases);

	CTL_EXPECT(0, "out", "released 2 attachment(s)", "gc");
	leases = CTL_JSON("get", "leases", "-o", "json");
	assert_int_equal(json_array_size(leases), 1);
	assert_non_null(find_row(leases, "containerID", "rptlive"));
	json_decref(leases);
	CTL_EXPECT(0, "out", "released 0 attachment(s)", "gc");

	/* A process that dies between reserve and commit: gc sweeps its lease and record. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rp_store *s = NULL;
		struct rp_store_view v;
		struct rp_owner o;
		struct rp_owner_info info;
		struct rp_lease_info li;
		struct rp_owner_key k = { .container_id = "rptcrashed", .ifname = "net1" };
		uint32_t idx;

		if (rp_store_open(g_state, geteuid() ? RP_STORE_NOCHECK_OWNER : 0, NULL, &s, NULL) < 0 ||
		    rp_store_read_begin(s, &v) < 0)
			_exit(2);
		int pi = rp_store_pool_find(s, "rpt-a");
		if (pi < 0)
			_exit(3);
		idx = (uint32_t)pi;
		if (rp_store_owner_begin(s, &k, "/proc/1/ns/net", &o, &info, NULL) != 0 ||
		    rp_store_reserve(s, &o, &idx, 1, NULL, &li, NULL) < 0)
			_exit(4);
		_exit(0); /* crash: no commit, no abort, no close */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	leases = CTL_JSON("get", "leases", "-o", "json");
	json_t *crashed = find_row(leases, "containerID", "rptcrashed");
	assert_non_null(crashed);
	assert_string_equal(json_string_value(json_object_get(crashed, "state")), "reserved");
	json_decref(leases);
	CTL(&r, "gc");
	/* How the store splits the count (lease vs record) is its business; the record is swept. */
	expect(&r, 0, "out", "1 record(s) of dead processes");
	res_free(&r);
	leases = CTL_JSON("get", "leases", "-o", "json");
	assert_null(find_row(leases, "containerID", "rptcrashed"));
	json_decref(leases);
	json_t *pools = CTL_JSON("get", "pools", "-o", "json");
	assert_int_equal(json_integer_value(json_object_get(find_row(pools, "name", "rpt-a"), "used")), 1); /* rptlive */
	json_decref(pools);
}

/*
 * Find the bitmap bit of the lease just taken without knowing the layout: across one allocation
 * the only byte that goes from 0xff to 0xff minus exactly one bit is the free-bit of that lease
 * (lease words, owner records, hints and counters start from zero, not from all-ones).  The pool
 * covers a whole aligned 256-address block so its bitmap bytes are all-ones while free.
 */
static long find_cleared_bit(const unsigned char *a, const unsigned char *b, size_t n, unsigned char *mask)
{
	long hit = -1;

	for (size_t i = 0; i < n; i++) {
		if (a[i] != 0xff || b[i] == 0xff)
			continue;
		unsigned char x = (unsigned char)(a[i] ^ b[i]);
		if ((x & (x - 1)) == 0) {
			if (hit >= 0)
				return -2; /* ambiguous: do not guess */
			hit = (long)i;
			*mask = x;
		}
	}
	return hit;
}

static unsigned char *read_all(const char *path, size_t *n)
{
	unsigned char *buf = (unsigned char *)rpt_read_file(path, n);

	assert_non_null(buf);
	return buf;
}

/* Damage the store file in place: the byte at @off becomes (byte | @set) ^ @flip. */
static void damage(off_t off, unsigned char set, unsigned char flip)
{
	int fd = open(g_state, O_RDWR);
	unsigned char byte;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, off), 1);
	byte = (unsigned char)((byte | set) ^ flip);
	assert_int_equal(pwrite(fd, &byte, 1, off), 1);
	close(fd);
}

static void test_fsck(void **state)
{
	(void)state;
	struct res r;
	char ip[64];
	size_t n1, n2;

	/* One pool filling a whole aligned 256-address block, so its free bits are 0xff bytes. */
	CTL_EXPECT(0, "out", "SpiderIPPool rpt-c added", "apply", "-f", data("grow.yaml"));
	CTL_EXPECT(0, "out", "clean", "fsck");

	unsigned char *before = read_all(g_state, &n1);
	attach("rpt-c", "rptfsck", "net1", "/proc/1/ns/net", ip);
	unsigned char *after = read_all(g_state, &n2);
	assert_int_equal(n1, n2);
	unsigned char mask = 0;
	long off = find_cleared_bit(before, after, n1, &mask);
	free(before);
	free(after);
	if (off < 0)
		fail_msg("could not locate the lease's bitmap bit (%ld)", off);

	/* Damage: mark the committed lease free again in the index. */
	damage(off, mask, 0);

	CTL(&r, "fsck");
	expect(&r, 1, "out", "problem:");
	assert_non_null(strstr(r.out, "--repair"));
	res_free(&r);
	CTL_EXPECT(0, "out", "repaired", "fsck", "--repair");
	CTL_EXPECT(0, "out", "clean", "fsck");
	/* The lease survived the repair, and the next allocation does not hand out its address. */
	json_t *leases = CTL_JSON("get", "leases", "-o", "json");
	assert_non_null(find_row(leases, "ip", ip));
	json_decref(leases);
	char ip2[64];
	attach("rpt-c", "rptfsck2", "net1", "/proc/1/ns/net", ip2);
	assert_string_not_equal(ip, ip2);

	/* A store that does not open: fsck explains which check failed. */
	damage(0, 0, 0x5a);
	CTL(&r, "fsck");
	expect(&r, 1, "out", "cannot be opened");
	assert_non_null(strstr(r.out, "magic"));
	res_free(&r);
	CTL_EXPECT(1, "err", "railpoolctl fsck", "get", "pools");

	/* A store that does not exist. */
	CTL_EXPECT(1, "out", "does not exist", "--state", "/nonexistent/rpt/node.shm", "fsck");
}

static void test_conflist(void **state)
{
	(void)state;

	apply_fixture();
	json_t *c = CTL_JSON("conflist", "rpt-net1", "spiderpool/rpt-net2");
	assert_string_equal(json_string_value(json_object_get(c, "cniVersion")), "1.0.0");
	assert_string_equal(json_string_value(json_object_get(c, "name")), "railpool-rails");
	json_t *p = json_array_get(json_object_get(c, "plugins"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "type")), "railpool");
	assert_string_equal(json_string_value(json_object_get(p, "stateFile")), g_state);
	json_t *rails = json_object_get(p, "rails");
	assert_int_equal(json_array_size(rails), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rails, 0), "network")), "spiderpool/rpt-net1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rails, 1), "network")), "spiderpool/rpt-net2");
	/* What conflist prints is what the plugin's rails parser accepts. */
	struct rp_railsconf *rc = calloc(1, sizeof(*rc));
	struct rp_err e = { 0 };
	if (rp_railsconf_parse(p, rc, &e) != 0)
		fail_msg("conflist output refused by rp_railsconf_parse: %s", e.msg);
	assert_int_equal(rc->nrails, 2);
	assert_string_equal(rc->rails[1].network, "spiderpool/rpt-net2");
	assert_string_equal(rc->state_file, g_state);
	json_decref(c);

	c = CTL_JSON("conflist", "--inline", "--name", "gpu", "--cni-version", "1.1.0", "rpt-net1");
	p = json_array_get(json_object_get(c, "plugins"), 0);
	json_t *r0 = json_array_get(json_object_get(p, "rails"), 0);
	assert_string_equal(json_string_value(json_object_get(r0, "cniType")), "macvlan");
	assert_string_equal(json_string_value(json_object_get(r0, "master")), "rptnic1");
	assert_int_equal(json_integer_value(json_object_get(r0, "mtu")), 1480);
	assert_string_equal(json_string_value(json_object_get(r0, "rdmaResourceName")), "spidernet.io/shared_rpt1");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(r0, "ippools"), "ipv6"), 0)),
			    "rpt-b");
	if (rp_railsconf_parse(p, rc, &e) != 0)
		fail_msg("inline conflist refused by rp_railsconf_parse: %s", e.msg);
	assert_string_equal(rc->rails[0].master, "rptnic1");
	assert_int_equal(rc->rails[0].mtu, 1480);
	free(rc);
	json_decref(c);

	c = CTL_JSON("conflist", "--single", "rpt-net1", "rpt-net2");
	assert_int_equal(json_array_size(c), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "name")), "rpt-net2");
	json_decref(c);

	char dir[400], path[500];
	snprintf(dir, sizeof(dir), "%s/net.d", g_dir);
	mkdir(dir, 0700);
	CTL_EXPECT(0, "out", "wrote", "conflist", "--single", "--dir", dir, "rpt-net1", "rpt-net2");
	snprintf(path, sizeof(path), "%s/rpt-net2.conflist", dir);
	json_t *f = json_load_file(path, 0, NULL);
	assert_non_null(f);
	json_decref(f);

	CTL_EXPECT(1, "err", "no applied SpiderMultusConfig named 'rpt-nope'", "conflist", "rpt-nope");
	CTL_EXPECT(1, "err", "named twice", "conflist", "rpt-net1", "rpt-net1");
	CTL_EXPECT(2, "err", "name at least one", "conflist");
}

static void test_inject(void **state)
{
	(void)state;
	struct res r;
	json_error_t je;

	apply_fixture();
	/* Two configs share the annotation value: both, sorted, and one limit per resource. */
	CTL(&r, "-o", "json", "inject", "-f", data("pod.yaml"));
	expect(&r, 0, "out", NULL);
	json_t *pod = json_loads(r.out, 0, &je);
	if (!pod)
		fail_msg("inject output is not JSON: %s", r.out);
	res_free(&r);
	json_t *ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
	const char *nets = json_string_value(json_object_get(ann, "k8s.v1.cni.cncf.io/networks"));
	assert_non_null(nets);
	json_t *nv = json_loads(nets, 0, &je);
	assert_non_null(nv);
	assert_int_equal(json_array_size(nv), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(nv, 0), "name")), "rpt-net1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nv, 0), "namespace")), "spiderpool");
	assert_string_equal(json_string_value(json_object_get(json_array_get(nv, 1), "name")), "rpt-net2");
	json_decref(nv);
	json_t *lim = json_object_get(json_object_get(json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0),
						      "resources"),
				      "limits");
	assert_non_null(json_object_get(lim, "spidernet.io/shared_rpt1"));
	assert_non_null(json_object_get(lim, "spidernet.io/shared_rpt2"));
	json_decref(pod);

	/* YAML in, YAML out by default; stdin works. */
	CTL_IN(&r, data("pod.yaml"), "inject", "-f", "-");
	expect(&r, 0, "out", "k8s.v1.cni.cncf.io/networks");
	assert_non_null(strstr(r.out, "rpt-net2"));
	res_free(&r);

	/* Namespace lists: excluded pods come back unchanged, with a note on stderr. */
	CTL(&r, "inject", "-f", data("pod.yaml"), "--namespaces-exclude", "kube-system,default");
	expect(&r, 0, "err", "unchanged");
	assert_null(strstr(r.out, "k8s.v1.cni.cncf.io/networks"));
	res_free(&r);
	CTL_EXPECT(0, "err", "unchanged", "inject", "-f", data("pod.yaml"), "--namespaces-include", "other");

	/* No applied config carries the seed's value "rdma-network": a user error naming it. */
	CTL_EXPECT(1, "err", "rdma-network", "inject", "-f", data("app.yaml"));
	CTL_EXPECT(2, "err", "no pod given", "inject");

	/* The seed's own example: its SpiderMultusConfig applied, its DaemonSet template mutated. */
	char seed[4300];
	snprintf(seed, sizeof(seed), "%s/seed-macvlan/inject-gpu1.yaml", g_seed);
	if (access(seed, R_OK) == 0) {
		CTL(&r, "apply", "-f", seed);
		expect(&r, 0, "out", "gpu1-sriov added");
		res_free(&r);
		CTL(&r, "inject", "-f", data("app.yaml"));
		expect(&r, 0, "out", "{\"name\":\"gpu1-sriov\",\"namespace\":\"spiderpool\"}");
		assert_non_null(strstr(r.out, "spidernet.io/gpu1rdma"));
		res_free(&r);
	} else {
		print_message("note: %s missing, seed injection example not checked\n", seed);
	}
}

static const char *seed(const char *name)
{
	return path_in(g_seed, name);
}

/* The seeds' manifests as tests/data holds them: totals, networks, resources, injection. */
static void test_seeds(void **state)
{
	(void)state;
	struct res r;
	char name[64];

	if (access(seed("macvlan-8rail/gpu8.yaml"), R_OK) < 0) {
		fail_msg("%s missing: tests/data is part of the checkout", seed("macvlan-8rail"));
	}
	CTL_EXPECT(0, "out", "SpiderIPPool gpu8-net18 added",
		   "apply", "-f", seed("macvlan-8rail/gpu1.yaml"), seed("macvlan-8rail/gpu2.yaml"),
		   seed("macvlan-8rail/gpu3.yaml"), seed("macvlan-8rail/gpu4.yaml"), seed("macvlan-8rail/gpu5.yaml"),
		   seed("macvlan-8rail/gpu6.yaml"), seed("macvlan-8rail/gpu7.yaml"), seed("macvlan-8rail/gpu8.yaml"));

	json_t *pools = CTL_JSON("get", "pools", "-o", "json");
	for (int i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "gpu%d-net1%d", i, i);
		json_t *p = find_row(pools, "name", name);
		if (!p)
			fail_msg("pool %s missing", name);
		/* The seed writes 172.16.1N.0/16: normalised to 172.16.0.0/16. */
		assert_string_equal(json_string_value(json_object_get(p, "subnet")), "172.16.0.0/16");
		assert_int_equal(json_integer_value(json_object_get(p, "total")), 200);
		assert_int_equal(json_integer_value(json_object_get(p, "free")), 200);
		char gw[32];
		snprintf(gw, sizeof(gw), "172.16.1%d.254", i);
		assert_string_equal(json_string_value(json_object_get(p, "gateway")), gw);
	}
	json_decref(pools);

	json_t *nets = CTL_JSON("get", "networks", "-o", "json");
	assert_int_equal(json_array_size(nets), 8);
	json_t *n3 = find_row(nets, "name", "gpu3-macvlan");
	assert_non_null(n3);
	assert_string_equal(json_string_value(json_object_get(n3, "master")), "enp13s0f0np0");
	assert_string_equal(json_string_value(json_object_get(n3, "rdmaResourceName")), "spidernet.io/shared_cx5_gpu3");
	json_decref(nets);

	/* All eight as rails of one config. */
	json_t *c = CTL_JSON("conflist", "gpu1-macvlan", "gpu2-macvlan", "gpu3-macvlan", "gpu4-macvlan", "gpu5-macvlan",
			     "gpu6-macvlan", "gpu7-macvlan", "gpu8-macvlan");
	json_t *rails = json_object_get(json_array_get(json_object_get(c, "plugins"), 0), "rails");
	assert_int_equal(json_array_size(rails), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rails, 7), "network")), "spiderpool/gpu8-macvlan");
	json_decref(c);

	/* The SR-IOV seed's invalid exclusive-subnet pool: refused naming file, field and value;
	 * the applied macvlan set is untouched. */
	struct res before, after;
	CTL(&before, "get", "pools", "-o", "json");
	CTL(&r, "apply", "-f", seed("seed-sriov-roce/exclusive-rail1-node1.yaml"));
	expect(&r, 1, "err", "exclusive-rail1-node1.yaml");
	assert_non_null(strstr(r.err, "spec.ips[0]"));
	assert_non_null(strstr(r.err, "172.16.1.32"));
	res_free(&r);
	CTL(&after, "get", "pools", "-o", "json");
	assert_string_equal(before.out, after.out);
	res_free(&before);
	res_free(&after);

	/* The macvlan guide's webhook example x 8, injected into the guide's DaemonSet: the networks
	 * annotation exactly as the guide prints it, and one limit per resource. */
	CTL_EXPECT(0, "out", "gpu8-sriov added",
		   "apply", "-f", seed("macvlan-inject-8rail/gpu1.yaml"), seed("macvlan-inject-8rail/gpu2.yaml"),
		   seed("macvlan-inject-8rail/gpu3.yaml"), seed("macvlan-inject-8rail/gpu4.yaml"),
		   seed("macvlan-inject-8rail/gpu5.yaml"), seed("macvlan-inject-8rail/gpu6.yaml"),
		   seed("macvlan-inject-8rail/gpu7.yaml"), seed("macvlan-inject-8rail/gpu8.yaml"));
	CTL(&r, "-o", "json", "inject", "-f", data("app.yaml"));
	expect(&r, 0, "out", NULL);
	json_t *ds = json_loads(r.out, 0, NULL);
	assert_non_null(ds);
	res_free(&r);
	json_t *tmpl = json_object_get(json_object_get(ds, "spec"), "template");
	const char *nv = json_string_value(
		json_object_get(json_object_get(json_object_get(tmpl, "metadata"), "annotations"), "k8s.v1.cni.cncf.io/networks"));
	assert_string_equal(nv, RPT_SEED_MACVLAN_NETWORKS);
	json_t *lim = json_object_get(
		json_object_get(json_array_get(json_object_get(json_object_get(tmpl, "spec"), "containers"), 0), "resources"),
		"limits");
	for (int i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "spidernet.io/gpu%drdma", i);
		if (json_integer_value(json_object_get(lim, name)) != 1)
			fail_msg("limit %s missing or not 1", name);
	}
	json_decref(ds);
}

/* Device resources: one SR-IOV policy of the seed (12 VFs) and one shared RDMA resource. */
static void test_resources(void **state)
{
	(void)state;
	struct res r;

	CTL_EXPECT(0, "out", "SriovNetworkNodePolicy spiderpool/eno3np2 added",
		   "apply", "-f", seed("sriov-roce-8rail/eno3np2.yaml"));
	json_t *res = CTL_JSON("get", "resources", "-o", "json");
	json_t *alloc = json_object_get(res, "allocatable");
	/* As the seed's `kubectl get no` shows it: "spidernet.io/eno3np2": "12". */
	assert_string_equal(json_string_value(json_object_get(alloc, "spidernet.io/eno3np2")), "12");
	json_t *row = find_row(json_object_get(res, "resources"), "resource", "spidernet.io/eno3np2");
	assert_non_null(row);
	assert_string_equal(json_string_value(json_object_get(row, "kind")), "sriov-vf");
	assert_int_equal(json_integer_value(json_object_get(row, "free")), 12);
	json_decref(res);

	CTL(&r, "apply", "-f", data("rdma1.json"), data("pools.yaml"), data("net.yaml"));
	expect(&r, 0, "out", "RdmaSharedDevice spidernet.io/shared_rpt1 added");
	assert_non_null(strstr(r.out, "SriovNetworkNodePolicy spiderpool/eno3np2 removed"));
	res_free(&r);
	res = CTL_JSON("get", "resources", "-o", "json");
	alloc = json_object_get(res, "allocatable");
	assert_string_equal(json_string_value(json_object_get(alloc, "spidernet.io/shared_rpt1")), "100");
	assert_null(json_object_get(alloc, "spidernet.io/eno3np2"));
	json_decref(res);
	CTL(&r, "get", "resources");
	expect(&r, 0, "out", "ALLOCATABLE");
	assert_non_null(strstr(r.out, "rdma-shared"));
	res_free(&r);
}

/* Several slot pools at once (8 SR-IOV policies, 8 shared RDMA resources), as the seeds' full
 * sets have them.  Kept as its own ctest (test_ctl_slots): see the report if it fails. */
static void test_resources_8rail(void **state)
{
	(void)state;
	char name[64];

	CTL_EXPECT(0, "out", "SriovNetworkNodePolicy spiderpool/eno3np8 added",
		   "apply", "-f", seed("sriov-roce-8rail/eno3np1.yaml"), seed("sriov-roce-8rail/eno3np2.yaml"),
		   seed("sriov-roce-8rail/eno3np3.yaml"), seed("sriov-roce-8rail/eno3np4.yaml"),
		   seed("sriov-roce-8rail/eno3np5.yaml"), seed("sriov-roce-8rail/eno3np6.yaml"),
		   seed("sriov-roce-8rail/eno3np7.yaml"), seed("sriov-roce-8rail/eno3np8.yaml"));
	json_t *res = CTL_JSON("get", "resources", "-o", "json");
	for (int i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "spidernet.io/eno3np%d", i);
		json_t *q = json_object_get(json_object_get(res, "allocatable"), name);
		if (!q || strcmp(json_string_value(q), "12"))
			fail_msg("%s: want 12 allocatable", name);
	}
	json_decref(res);
	CTL_EXPECT(0, "out", "RdmaSharedDevice spidernet.io/shared_cx5_gpu8 added",
		   "apply", "-f", seed("macvlan-8rail/rdma-shared-config.json"));
}

/* get resources / get rdma against the simulated node's fake sysfs (no root needed). */
static void test_devices_sim(void **state)
{
	(void)state;
	struct rp_sim_sysfs_opts o = { .npfs = 2, .totalvfs = 16, .numvfs = 12, .rdma = 1 };
	struct rp_sim_sysfs *sim = NULL;
	struct rp_err e = { 0 };
	struct res r;
	char prefix[16], vfdev[16], vfrdma[32];


	snprintf(prefix, sizeof(prefix), "rt%d", (int)(getpid() % 100000));
	o.prefix = prefix;
	if (rp_sim_sysfs_create(&o, &sim, &e) < 0)
		fail_msg("sim sysfs: %s", e.msg);
	g_sim = sim;
	setenv("RAILPOOL_SYSFS_ROOT", rp_sim_sysfs_root(sim), 1);

	/* The seed's policy provisions 12 VFs on eno3np2: the fake PF has them. */
	CTL_EXPECT(0, "out", "added", "apply", "-f", seed("sriov-roce-8rail/eno3np2.yaml"));
	json_t *res = CTL_JSON("get", "resources", "-o", "json");
	json_t *row = find_row(json_object_get(res, "resources"), "resource", "spidernet.io/eno3np2");
	assert_non_null(row);
	assert_int_equal(json_integer_value(json_object_get(row, "present")), 12);
	assert_string_equal(json_string_value(json_array_get(json_object_get(row, "pfNames"), 0)), "eno3np2");
	json_decref(res);

	/* RDMA devices (sysfs: no RDMA netlink here), the VF's netdev, and a GID index by address. */
	assert_int_equal(rp_sim_sysfs_vf_netdev(sim, 2, 3, vfdev), 0);
	assert_int_equal(rp_sim_sysfs_vf_rdma(sim, 2, 3, vfrdma), 0);
	assert_int_equal(rp_sim_sysfs_gid_set(sim, vfrdma, 5, "0000:0000:0000:0000:0000:ffff:ac10:0c05", "RoCE v2", vfdev), 0);
	/* A shared-RDMA resource on that netdev, with one user holding a slot. */
	char cfg[400], slot[64];
	snprintf(cfg, sizeof(cfg), "%s/rdma-sim.json", g_dir);
	FILE *f = fopen(cfg, "w");
	assert_non_null(f);
	fprintf(f, "{\"configList\": [{\"resourcePrefix\": \"spidernet.io\", \"resourceName\": \"shared_sim\", "
		   "\"rdmaHcaMax\": 100, \"selectors\": {\"ifNames\": [\"%s\"]}}]}\n", vfdev);
	fclose(f);
	CTL_EXPECT(0, "out", "RdmaSharedDevice spidernet.io/shared_sim added", "apply", "-f", cfg);
	attach("rdma:spidernet.io/shared_sim", "rptrdmauser", "net1", "/proc/1/ns/net", slot);

	json_t *rd = CTL_JSON("get", "rdma", "--addr", "172.16.12.5", "-o", "json");
	json_t *dev = find_row(json_object_get(rd, "devices"), "name", vfrdma);
	if (!dev)
		fail_msg("device %s not listed", vfrdma);
	assert_string_equal(json_string_value(json_object_get(dev, "netdev")), vfdev);
	assert_int_equal(json_integer_value(json_object_get(dev, "gidIndex")), 5);
	assert_string_equal(json_string_value(json_object_get(dev, "gidType")), "RoCE v2");
	assert_string_equal(json_string_value(json_object_get(dev, "resource")), "spidernet.io/shared_sim");
	assert_int_equal(json_integer_value(json_object_get(dev, "users")), 1);
	assert_int_equal(json_integer_value(json_object_get(dev, "max")), 100);
	json_decref(rd);
	CTL(&r, "get", "rdma");
	expect(&r, 0, "out", "GID-INDEX");
	assert_non_null(strstr(r.out, vfrdma));
	res_free(&r);
	CTL_EXPECT(2, "err", "unknown option", "get", "rdma", "--bogus");

	unsetenv("RAILPOOL_SYSFS_ROOT");
	rp_sim_sysfs_destroy(sim);
	g_sim = NULL;
	/* No device at all: an empty list and a note, not a failure. */
	setenv("RAILPOOL_SYSFS_ROOT", g_dir, 1);
	CTL_EXPECT(0, "err", "no RDMA devices found", "get", "rdma");
	unsetenv("RAILPOOL_SYSFS_ROOT");
}

int main(int argc, char **argv)
{
	const char *group = argc > 1 ? argv[1] : "core";
	const char *bin = getenv("RP_BIN_DIR"), *src = getenv("RP_SOURCE_DIR");

	if (!bin || !src) {
		fprintf(stderr, "RP_BIN_DIR and RP_SOURCE_DIR must be set (ctest sets them)\n");
		return 1;
	}
	snprintf(g_bin, sizeof(g_bin), "%s/railpoolctl", bin);
	snprintf(g_data, sizeof(g_data), "%s/tests/ctl/data", src);
	snprintf(g_seed, sizeof(g_seed), "%s/tests/data", src);
	if (access(g_bin, X_OK) < 0) {
		fprintf(stderr, "%s: %s (build the railpoolctl target)\n", g_bin, strerror(errno));
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_usage_and_exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_and_get_pools, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_stdin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_and_leases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_changes_pool, setup, teardown),
	};
	const struct CMUnitTest maint_tests[] = {
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inject, setup, teardown),
	};
	const struct CMUnitTest seed_tests[] = {
		cmocka_unit_test_setup_teardown(test_seeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_sim, setup, teardown),
	};
	const struct CMUnitTest slot_tests[] = {
		cmocka_unit_test_setup_teardown(test_resources_8rail, setup, teardown),
	};
	/* Four ctest entries share this file (each stays well under a minute under ASan). */
	if (!strcmp(group, "slots"))
		return cmocka_run_group_tests(slot_tests, NULL, NULL);
	if (!strcmp(group, "maint"))
		return cmocka_run_group_tests(maint_tests, NULL, NULL);
	if (!strcmp(group, "seeds"))
		return cmocka_run_group_tests(seed_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
