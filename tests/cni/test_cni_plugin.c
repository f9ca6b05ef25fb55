/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The railpool binary as a CNI runtime drives it: env + stdin in, JSON + exit status out.
 * Every bad-input class gets the right code and a message that names the culprit; ADD is
 * idempotent, DEL repeatable, CHECK/GC/STATUS/VERSION behave, result shapes follow cniVersion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static const char *pools_yaml =
	"apiVersion: spiderpool.spidernet.io/v2beta1\n"
	"kind: SpiderIPPool\n"
	"metadata: {name: net-a}\n"
	"spec:\n"
	"  subnet: 10.10.0.0/24\n"
	"  ips: [10.10.0.10-10.10.0.40]\n"
	"  gateway: 10.10.0.1\n"
	"  routes: [{dst: 10.20.0.0/16, gw: 10.10.0.1}]\n"
	"  default: true\n"
	"---\n"
	"apiVersion: spiderpool.spidernet.io/v2beta1\n"
	"kind: SpiderIPPool\n"
	"metadata: {name: tiny}\n"
	"spec:\n"
	"  subnet: 10.30.0.0/24\n"
	"  ips: [10.30.0.5-10.30.0.6]\n"
	"  gateway: 10.30.0.1\n"
	"---\n"
	"apiVersion: spiderpool.spidernet.io/v2beta1\n"
	"kind: SpiderIPPool\n"
	"metadata: {name: v6-a}\n"
	"spec:\n"
	"  subnet: fd00:10::/64\n"
	"  ips: [fd00:10::10-fd00:10::40]\n"
	"  gateway: fd00:10::1\n";

static char store[512];
static char cbuf[8192];

static int setup(void **state)
{
	(void)state;
	snprintf(store, sizeof(store), "%s/node.shm", rpt_tmpdir());
	unlink(store);
	return rpt_store_apply(store, pools_yaml) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(store);
	return 0;
}

/* An IPAM config behind macvlan; @ipam_extra / @top_extra start with ',' when given. */
static const char *conf(const char *ver, const char *ipam_extra, const char *top_extra)
{
	snprintf(cbuf, sizeof(cbuf),
		 "{\"cniVersion\":\"%s\",\"name\":\"rpnet\",\"type\":\"macvlan\",\"master\":\"eth0\","
		 "\"ipam\":{\"type\":\"railpool\",\"stateFile\":\"%s\"%s}%s}",
		 ver, store, ipam_extra ? ipam_extra : ",\"ippools\":{\"ipv4\":[\"net-a\"]}", top_extra ? top_extra : "");
	return cbuf;
}

static void run(const char *cmd, const char *cid, const char *ifname, const char *args, const char *stdin_text,
		struct rpt_run *r)
{
	static const char *const keys[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_ARGS"};
	const char *vals[] = {cmd, cid, ifname, args}; /* NULL: the variable is not set at all */
	char kv[4][600];
	const char *env[8];
	int n = 0;

	for (int i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		snprintf(kv[i], sizeof(kv[i]), "%s=%s", keys[i], vals[i]);
		env[n++] = kv[i];
	}
	env[n++] = "CNI_NETNS=/var/run/netns/rpt-test";
	env[n++] = "CNI_PATH=/usr/lib/cni";
	env[n] = NULL;
	assert_int_equal(rpt_exec(NULL, NULL, env, stdin_text, r), 0);
}

/* An error JSON with @code whose msg contains @needle. */
static void expect_err(struct rpt_run *r, int code, const char *needle)
{
	if (r->status != 1 || rpt_code(r) != code || !strstr(rpt_msg(r), needle))
		fprintf(stderr, "unexpected: status %d stdout %s (want code %d, msg with \"%s\")\n", r->status, r->out,
			code, needle);
	assert_int_equal(r->status, 1);
	assert_int_equal(rpt_code(r), code);
	assert_non_null(strstr(rpt_msg(r), needle));
	assert_non_null(json_object_get(r->json, "cniVersion"));
	rpt_run_free(r);
}

/* ADD of @cid/net1 with CNI_ARGS @args and @stdin_text must fail with an error JSON of @code
 * naming @needle. */
static void add_err(const char *cid, const char *args, const char *stdin_text, int code, const char *needle)
{
	struct rpt_run r;

	run("ADD", cid, "net1", args, stdin_text, &r);
	expect_err(&r, code, needle);
}

static const char *first_addr(const struct rpt_run *r)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(r->json, "ips"), 0), "address"));
}

static void expect_ok_add(struct rpt_run *r)
{
	if (r->status != 0)
		fprintf(stderr, "ADD failed: %s\n", r->out);
	assert_int_equal(r->status, 0);
	assert_non_null(first_addr(r));
}

/* ADD of @cid/net1 with CNI_ARGS @args and @stdin_text must succeed with an address. */
static void add_ok(const char *cid, const char *args, const char *stdin_text)
{
	struct rpt_run r;

	run("ADD", cid, "net1", args, stdin_text, &r);
	expect_ok_add(&r);
	rpt_run_free(&r);
}

/* ---- VERSION ---- */
static void t_version(void **st)
{
	struct rpt_run r;
	json_t *sv;
	(void)st;
	run("VERSION", NULL, NULL, NULL, "{\"cniVersion\":\"1.0.0\"}", &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(json_string_value(json_object_get(r.json, "cniVersion")), "1.0.0");
	sv = json_object_get(r.json, "supportedVersions");
	assert_int_equal(json_array_size(sv), 5);
	assert_string_equal(json_string_value(json_array_get(sv, 2)), "0.4.0");
	assert_string_equal(json_string_value(json_array_get(sv, 4)), "1.1.0");
	rpt_run_free(&r);
	run("VERSION", NULL, NULL, NULL, "", &r); /* no config at all */
	assert_int_equal(r.status, 0);
	assert_string_equal(json_string_value(json_object_get(r.json, "cniVersion")), "1.1.0");
	rpt_run_free(&r);
}

/* ---- bad environment ---- */
static void t_bad_env(void **st)
{
	struct rpt_run r;
	(void)st;
	run(NULL, "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 4, "CNI_COMMAND");
	run("FROB", "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 4, "FROB");
	run("ADD", NULL, "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 4, "CNI_CONTAINERID");
	add_err("bad/id", NULL, conf("1.0.0", NULL, NULL), 4, "bad/id");
	run("ADD", "c1", NULL, NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 4, "CNI_IFNAME");
	run("ADD", "c1", "waytoolonginterfacename", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 4, "waytoolong");
	/* CNI_NETNS missing */
	{
		const char *env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_IFNAME=net1", NULL};
		assert_int_equal(rpt_exec(NULL, NULL, env, conf("1.0.0", NULL, NULL), &r), 0);
		expect_err(&r, 4, "CNI_NETNS");
	}
	/* the error speaks the config's version */
	run(NULL, "c1", "net1", NULL, conf("0.4.0", NULL, NULL), &r);
	assert_string_equal(json_string_value(json_object_get(r.json, "cniVersion")), "0.4.0");
	expect_err(&r, 4, "CNI_COMMAND");
	/* CNI_ARGS */
	add_err("c1", "IP=300.1.1.1", conf("1.0.0", NULL, NULL), 4, "300.1.1.1");
	add_err("c1", "FOO=bar", conf("1.0.0", NULL, NULL), 4, "FOO");
	add_err("c1", "justtext", conf("1.0.0", NULL, NULL), 4, "CNI_ARGS");
	/* IgnoreUnknown lets Kubernetes-style args through */
	add_ok("c1", "IgnoreUnknown=1;K8S_POD_NAME=p;FOO=bar", conf("1.0.0", NULL, NULL));
}

/* ---- bad config ---- */
static void t_bad_conf(void **st)
{
	struct rpt_run r;
	(void)st;
	add_err("c1", NULL, "{\"cniVersion\": \"1.0.0\",\n \"name\": }", 6, "line 2");
	add_err("c1", NULL, conf("0.2.0", NULL, NULL), 1, "0.2.0");
	add_err("c1", NULL, conf("9.9.9", NULL, NULL), 1, "9.9.9");
	add_err("c1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"net-a\"]},\"rangez\":[]", NULL), 2, "ipam.rangez");
	add_err("c1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv5\":[\"net-a\"]}", NULL), 2, "ipam.ippools.ipv5");
	add_err("c1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[42]}", NULL), 7, "ipam.ippools.ipv4[0]");
	add_err("c1", NULL, conf("1.0.0", ",\"ippools\":[]", NULL), 7, "ipam.ippools");
	add_err("c1", NULL, "{\"cniVersion\":\"1.0.0\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"railpool\"}}", 7, "\"name\"");
	add_err("c1", NULL, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"host-local\"}}", 7,
		"ipam.type");
	add_err("c1", NULL, conf("1.0.0", NULL, ",\"runtimeConfig\":{\"ips\":[\"nonsense\"]}"), 7, "runtimeConfig.ips[0]");
	/* rails mode is dispatched to core/attach, which names the bad field */
	add_err("c1", NULL, "{\"cniVersion\":\"1.0.0\",\"name\":\"rails\",\"type\":\"railpool\",\"rails\":[]}", 7, "rails");
	/* CHECK needs 0.4.0, GC and STATUS 1.1.0 */
	run("CHECK", "c1", "net1", NULL, conf("0.3.1", NULL, NULL), &r);
	expect_err(&r, 1, "CHECK");
	run("STATUS", NULL, NULL, NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 1, "STATUS");
}

/* ---- store problems ---- */
static void t_store_errors(void **st)
{
	struct rpt_run r;
	char bad[600], cfg[8192];
	FILE *f;
	(void)st;
	snprintf(bad, sizeof(bad), "%s/missing.shm", rpt_tmpdir());
	snprintf(cfg, sizeof(cfg), "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"macvlan\",\"ipam\":{\"type\":"
		 "\"railpool\",\"ippools\":{\"ipv4\":[\"net-a\"]},\"stateFile\":\"%s\"}}", bad);
	add_err("c1", NULL, cfg, 5, bad);
	run("DEL", "c1", "net1", NULL, cfg, &r); /* DEL before anything exists is fine */
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	rpt_run_free(&r);
	run("CHECK", "c1", "net1", NULL, cfg, &r);
	expect_err(&r, 3, "c1");
	run("STATUS", NULL, NULL, NULL, cfg, &r);
	/* cfg is 1.0.0: STATUS refused on version before the store is looked at */
	expect_err(&r, 1, "STATUS");
	snprintf(cfg, sizeof(cfg), "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"macvlan\",\"ipam\":{\"type\":"
		 "\"railpool\",\"ippools\":{\"ipv4\":[\"net-a\"]},\"stateFile\":\"%s\"}}", bad);
	run("STATUS", NULL, NULL, NULL, cfg, &r);
	expect_err(&r, 50, bad);

	/* a corrupt file */
	f = fopen(bad, "w");
	assert_non_null(f);
	for (int i = 0; i < 8192; i++)
		fputc(i * 7, f);
	fclose(f);
	chmod(bad, 0600);
	run("ADD", "c1", "net1", NULL, cfg, &r);
	assert_true(rpt_code(&r) == 105 || rpt_code(&r) == 5);
	expect_err(&r, rpt_code(&r), bad);
	/* group/other permission bits: refused, the path named */
	chmod(bad, 0644);
	run("ADD", "c1", "net1", NULL, cfg, &r);
	expect_err(&r, rpt_code(&r) == 105 ? 105 : 5, bad);
	unlink(bad);
	/* a symlink */
	assert_int_equal(symlink(store, bad), 0);
	add_err("c1", NULL, cfg, 5, bad);
	unlink(bad);
	/* --state overrides ipam.stateFile */
	{
		const char *argv[] = {"--state", store, NULL};
		const char *env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=c1", "CNI_IFNAME=net1", "CNI_NETNS=/x", NULL};
		assert_int_equal(rpt_exec(NULL, argv, env, cfg, &r), 0);
		expect_ok_add(&r);
		rpt_run_free(&r);
	}
}

/* ---- ADD, idempotence, DEL ---- */
static void t_add_del(void **st)
{
	struct rpt_run r, r2;
	char a1[64];
	(void)st;
	run("ADD", "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_ok_add(&r);
	snprintf(a1, sizeof(a1), "%s", first_addr(&r));
	assert_non_null(strstr(a1, "10.10.0."));
	assert_non_null(strstr(a1, "/24"));
	{
		json_t *ip = json_array_get(json_object_get(r.json, "ips"), 0);
		json_t *rt = json_array_get(json_object_get(r.json, "routes"), 0);
		assert_string_equal(json_string_value(json_object_get(ip, "gateway")), "10.10.0.1");
		assert_null(json_object_get(ip, "version"));
		assert_string_equal(json_string_value(json_object_get(rt, "dst")), "10.20.0.0/16");
		assert_string_equal(json_string_value(json_object_get(rt, "gw")), "10.10.0.1");
		assert_int_equal(json_array_size(json_object_get(r.json, "routes")), 1); /* no default route */
		assert_true(json_is_object(json_object_get(r.json, "dns")));
	}
	rpt_run_free(&r);
	/* idempotent */
	run("ADD", "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_ok_add(&r);
	assert_string_equal(first_addr(&r), a1);
	rpt_run_free(&r);
	/* another interface of the same container: another address */
	run("ADD", "c1", "net2", NULL, conf("1.0.0", NULL, NULL), &r2);
	expect_ok_add(&r2);
	assert_string_not_equal(first_addr(&r2), a1);
	rpt_run_free(&r2);
	/* DEL twice */
	for (int i = 0; i < 2; i++) {
		run("DEL", "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.out, "");
		rpt_run_free(&r);
	}
	run("CHECK", "c1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_err(&r, 3, "c1");
	/* defaultRoute on request */
	run("ADD", "c9", "net1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"net-a\"]},\"defaultRoute\":true", NULL), &r);
	expect_ok_add(&r);
	{
		json_t *routes = json_object_get(r.json, "routes");
		assert_int_equal(json_array_size(routes), 2);
		assert_string_equal(json_string_value(json_object_get(json_array_get(routes, 1), "dst")), "0.0.0.0/0");
	}
	rpt_run_free(&r);
	/* ipam.routes, host-local style; the IPv6 one is skipped for an IPv4-only result */
	run("ADD", "c10", "net1", NULL,
	    conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"net-a\"]},\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.10.0.2\"},"
		 "{\"dst\":\"10.20.0.0/16\"},{\"dst\":\"fd00:99::/64\"}]", NULL), &r);
	expect_ok_add(&r);
	{
		json_t *routes = json_object_get(r.json, "routes");
		assert_int_equal(json_array_size(routes), 2); /* pool route + 0.0.0.0/0; 10.20/16 not repeated */
		assert_string_equal(json_string_value(json_object_get(json_array_get(routes, 1), "gw")), "10.10.0.2");
	}
	rpt_run_free(&r);
	add_err("c11", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"net-a\"]},\"routes\":[{\"dst\":\"10.1.1.1\"}]", NULL), 7,
		"ipam.routes[0].dst");
}

/* ---- result shapes per version, dual stack ---- */
static void t_versions(void **st)
{
	static const char *vers[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	struct rpt_run r;
	(void)st;
	for (size_t i = 0; i < 5; i++) {
		char cid[32];
		json_t *ips;
		snprintf(cid, sizeof(cid), "ver%zu", i);
		run("ADD", cid, "eth0", NULL,
		    conf(vers[i], ",\"ippools\":{\"ipv4\":[\"net-a\"],\"ipv6\":[\"v6-a\"]}", NULL), &r);
		expect_ok_add(&r);
		assert_string_equal(json_string_value(json_object_get(r.json, "cniVersion")), vers[i]);
		ips = json_object_get(r.json, "ips");
		assert_int_equal(json_array_size(ips), 2);
		assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ips, 1), "address")), "fd00:10::"));
		assert_non_null(strstr(json_string_value(json_object_get(json_array_get(ips, 1), "address")), "/64"));
		if (vers[i][0] == '0') {
			assert_string_equal(json_string_value(json_object_get(json_array_get(ips, 0), "version")), "4");
			assert_string_equal(json_string_value(json_object_get(json_array_get(ips, 1), "version")), "6");
		} else {
			assert_null(json_object_get(json_array_get(ips, 0), "version"));
			assert_null(json_object_get(json_array_get(ips, 1), "version"));
		}
		assert_null(json_object_get(json_array_get(ips, 0), "interface")); /* IPAM knows no interface */
		rpt_run_free(&r);
	}
}

/* ---- exhaustion; a failed ADD leaves nothing behind ---- */
static void t_exhausted(void **st)
{
	const char *tiny = ",\"ippools\":{\"ipv4\":[\"tiny\"]}";
	const char *tiny11 = ",\"ippools\":{\"ipv4\":[\"tiny\"]}";
	struct rpt_run r;
	char cfg11[8192];
	(void)st;
	add_ok("e1", NULL, conf("1.0.0", tiny, NULL));
	add_ok("e2", NULL, conf("1.0.0", tiny, NULL));
	add_err("e3", NULL, conf("1.0.0", tiny, NULL), 100, "tiny");
	snprintf(cfg11, sizeof(cfg11), "%s", conf("1.1.0", tiny11, NULL));
	run("STATUS", NULL, NULL, NULL, cfg11, &r);
	expect_err(&r, 50, "tiny");
	/* dual-stack ADD whose v4 fails must not keep its v6 address */
	add_err("e4", NULL, conf("1.0.0", ",\"ippools\":{\"ipv6\":[\"v6-a\"],\"ipv4\":[\"tiny\"]}", NULL), 100, "tiny");
	run("CHECK", "e4", "net1", NULL, conf("1.0.0", tiny, NULL), &r);
	expect_err(&r, 3, "e4");
	run("DEL", "e1", "net1", NULL, conf("1.0.0", tiny, NULL), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	run("STATUS", NULL, NULL, NULL, cfg11, &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	add_ok("e3", NULL, conf("1.0.0", tiny, NULL));
}

/* ---- requested addresses ---- */
static void t_requested(void **st)
{
	struct rpt_run r;
	(void)st;
	run("ADD", "q1", "net1", "IP=10.10.0.33", conf("1.0.0", NULL, NULL), &r);
	expect_ok_add(&r);
	assert_string_equal(first_addr(&r), "10.10.0.33/24");
	rpt_run_free(&r);
	add_err("q2", "IgnoreUnknown=1;IP=10.10.0.33", conf("1.0.0", NULL, NULL), 106, "10.10.0.33");
	add_err("q2", "IP=10.99.0.1", conf("1.0.0", NULL, NULL), 107, "10.99.0.1");
	add_err("q2", "IP=fd00:10::20", conf("1.0.0", NULL, NULL), 107, "fd00:10::20");
	run("ADD", "q3", "net1", NULL, conf("1.0.0", NULL, ",\"runtimeConfig\":{\"ips\":[\"10.10.0.34/24\"]}"), &r);
	expect_ok_add(&r);
	assert_string_equal(first_addr(&r), "10.10.0.34/24");
	rpt_run_free(&r);
	run("ADD", "q4", "net1", NULL, conf("1.0.0", NULL, ",\"args\":{\"cni\":{\"ips\":[\"10.10.0.35\"]}}"), &r);
	expect_ok_add(&r);
	assert_string_equal(first_addr(&r), "10.10.0.35/24");
	rpt_run_free(&r);
	/* the requested address was not leaked by the failed ADDs of q2 */
	run("DEL", "q1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	rpt_run_free(&r);
	add_ok("q2", "IP=10.10.0.33", conf("1.0.0", NULL, NULL));
}

/* ---- pool selection ---- */
static void t_select(void **st)
{
	struct rpt_run r;
	(void)st;
	run("ADD", "w1", "net1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"net-*\"]}", NULL), &r);
	expect_ok_add(&r);
	assert_non_null(strstr(first_addr(&r), "10.10.0."));
	rpt_run_free(&r);
	run("ADD", "w2", "net1", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"nope*\",\"gone\"]}", NULL), &r);
	assert_int_equal(rpt_code(&r), 101);
	assert_non_null(strstr(rpt_msg(&r), "gone"));
	expect_err(&r, 101, "nope*");
	/* a v6 pool named under ipv4 is filtered with a reason */
	add_err("w3", NULL, conf("1.0.0", ",\"ippools\":{\"ipv4\":[\"v6-a\"]}", NULL), 101, "v6-a (IPv6");
	/* no ippools at all: the default pools (net-a is default: true; no IPv6 default) */
	run("ADD", "w4", "net1", NULL, conf("1.0.0", "", NULL), &r);
	expect_ok_add(&r);
	assert_non_null(strstr(first_addr(&r), "10.10.0."));
	assert_int_equal(json_array_size(json_object_get(r.json, "ips")), 1);
	rpt_run_free(&r);
}

/* ---- CHECK ---- */
static void t_check(void **st)
{
	struct rpt_run r;
	char prev[1024], extra[1200];
	(void)st;
	run("ADD", "k1", "net1", NULL, conf("1.0.0", NULL, NULL), &r);
	expect_ok_add(&r);
	snprintf(prev, sizeof(prev), "%s", r.out);
	prev[strcspn(prev, "\n")] = '\0';
	rpt_run_free(&r);
	snprintf(extra, sizeof(extra), ",\"prevResult\":%s", prev);
	run("CHECK", "k1", "net1", NULL, conf("1.0.0", NULL, extra), &r);
	if (r.status)
		fprintf(stderr, "CHECK: %s\n", r.out);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");
	rpt_run_free(&r);
	/* prevResult lists an address railpool does not hold */
	{
		char *mine = strstr(prev, "\"address\":\"");
		char a[64], bad[600];
		assert_non_null(mine);
		snprintf(a, sizeof(a), "%s", mine + 11);
		a[strcspn(a, "\"")] = '\0';
		snprintf(bad, sizeof(bad), ",\"prevResult\":{\"ips\":[{\"address\":\"%s\"},{\"address\":\"10.10.0.99/24\"}]}", a);
		run("CHECK", "k1", "net1", NULL, conf("1.0.0", NULL, bad), &r);
		expect_err(&r, 110, "10.10.0.99");
		/* and one that misses the address railpool holds */
		run("CHECK", "k1", "net1", NULL, conf("1.0.0", NULL, ",\"prevResult\":{\"ips\":[]}"), &r);
		expect_err(&r, 110, a);
	}
	run("CHECK", "k2", "net1", NULL, conf("1.0.0", NULL, extra), &r);
	expect_err(&r, 3, "k2");
}

/* ---- GC ---- */
static void t_gc(void **st)
{
	struct rpt_run r;
	char extra[8192];
	(void)st;
	for (int i = 1; i <= 3; i++) {
		char cid[16];
		snprintf(cid, sizeof(cid), "g%d", i);
		run("ADD", cid, "net1", NULL, conf("1.1.0", NULL, NULL), &r);
		expect_ok_add(&r);
		rpt_run_free(&r);
	}
	/* GC of another network touches nothing of ours */
	snprintf(extra, sizeof(extra), "%s", conf("1.1.0", NULL, ",\"cni.dev/valid-attachments\":[]"));
	{
		char *p = strstr(extra, "\"rpnet\"");
		memcpy(p, "\"other\"", 7);
	}
	run("GC", NULL, NULL, NULL, extra, &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	run("CHECK", "g2", "net1", NULL, conf("1.1.0", NULL, NULL), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	/* no list: refused */
	run("GC", NULL, NULL, NULL, conf("1.1.0", NULL, NULL), &r);
	expect_err(&r, 7, "valid-attachments");
	/* keep g1 only */
	run("GC", NULL, NULL, NULL,
	    conf("1.1.0", NULL, ",\"cni.dev/valid-attachments\":[{\"containerID\":\"g1\",\"ifname\":\"net1\"}]"), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	run("CHECK", "g1", "net1", NULL, conf("1.1.0", NULL, NULL), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	run("CHECK", "g2", "net1", NULL, conf("1.1.0", NULL, NULL), &r);
	expect_err(&r, 3, "g2");
	run("CHECK", "g3", "net1", NULL, conf("1.1.0", NULL, NULL), &r);
	expect_err(&r, 3, "g3");
	/* the older spelling */
	run("GC", NULL, NULL, NULL, conf("1.1.0", NULL, ",\"cni.dev/attachments\":[]"), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
	run("CHECK", "g1", "net1", NULL, conf("1.1.0", NULL, NULL), &r);
	expect_err(&r, 3, "g1");
	/* STATUS fine */
	run("STATUS", NULL, NULL, NULL, conf("1.1.0", NULL, NULL), &r);
	assert_int_equal(r.status, 0);
	rpt_run_free(&r);
}

/* ---- concurrent runtimes: distinct containers get distinct addresses; one key, one answer ---- */
static void t_concurrent(void **st)
{
	enum { N = 8 };
	char addrs[N][64];
	int fds[N][2];
	pid_t pids[N];
	(void)st;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			assert_int_equal(pipe(fds[i]), 0);
			pids[i] = fork();
			if (pids[i] == 0) {
				struct rpt_run r;
				char cid[32], line[128];
				/* round 0: N containers; round 1: the same key N times at once */
				snprintf(cid, sizeof(cid), round ? "same" : "par%d", i);
				run("ADD", cid, "net1", NULL, conf("1.0.0", NULL, NULL), &r);
				snprintf(line, sizeof(line), "%d %d %s", r.status, rpt_code(&r),
					 r.status == 0 && first_addr(&r) ? first_addr(&r) : "-");
				if (write(fds[i][1], line, strlen(line) + 1) < 0)
					_exit(2);
				_exit(0);
			}
			close(fds[i][1]);
		}
		for (int i = 0; i < N; i++) {
			char line[128] = "";
			int status, code;
			ssize_t n = read(fds[i][0], line, sizeof(line) - 1);
			close(fds[i][0]);
			waitpid(pids[i], NULL, 0);
			assert_true(n > 0);
			assert_int_equal(sscanf(line, "%d %d %63s", &status, &code, addrs[i]), 3);
			if (round == 0) {
				assert_int_equal(status, 0);
				for (int j = 0; j < i; j++)
					assert_string_not_equal(addrs[i], addrs[j]);
			} else {
				/* idempotent ADD or "try again" (11) while another process builds it */
				assert_true(status == 0 || code == 11);
				if (status == 0)
					for (int j = 0; j < i; j++)
						if (strcmp(addrs[j], "-"))
							assert_string_equal(addrs[i], addrs[j]);
			}
		}
	}
}

/* argv[1] "errors" or "ops" picks one half (two ctest entries keep each under a minute on a
 * loaded 2-core box); no argument runs everything. */
int main(int argc, char **argv)
{
	const struct CMUnitTest errors[] = {
		cmocka_unit_test_setup_teardown(t_version, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_env, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(t_store_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(t_requested, setup, teardown),
	};
	const struct CMUnitTest ops[] = {
		cmocka_unit_test_setup_teardown(t_add_del, setup, teardown),
		cmocka_unit_test_setup_teardown(t_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(t_select, setup, teardown),
		cmocka_unit_test_setup_teardown(t_check, setup, teardown),
		cmocka_unit_test_setup_teardown(t_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(t_concurrent, setup, teardown),
	};
	const char *which = argc > 1 ? argv[1] : "all";
	int ret = 0;

	if (geteuid() != 0) {
		printf("SKIP: the plugin only opens root-owned node stores; run as root\n");
		return 77;
	}
	atexit(rpt_tmpdir_remove);
	if (strcmp(which, "ops"))
		ret |= cmocka_run_group_tests_name("cni_errors", errors, NULL, NULL);
	if (strcmp(which, "errors"))
		ret |= cmocka_run_group_tests_name("cni_ops", ops, NULL, NULL);
	rpt_tmpdir_remove();
	return ret;
}
