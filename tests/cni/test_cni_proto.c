/* SPDX-License-Identifier: Apache-2.0 */
/* core/cni in-process: env parsing, config parsing, version negotiation, result/error JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cni.h"

static int env_code(char **envp, struct rp_cni_env *env, struct rp_err *e)
{
	memset(e, 0, sizeof(*e));
	return rp_cni_env_parse(envp, env, e);
}

static void t_env(void **st)
{
	struct rp_cni_env env;
	struct rp_err e;
	char *ok[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=abc-1.2_3", "CNI_NETNS=/var/run/netns/x",
		      "CNI_IFNAME=net1", "CNI_ARGS=IP=10.0.0.5,fd00::5/64;K8S_POD_NAME=p1;IgnoreUnknown=true;X=y",
		      NULL};
	char *del[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=eth0", NULL};
	char *gc[] = {"CNI_COMMAND=GC", NULL};
	char *noif[] = {"CNI_COMMAND=CHECK", "CNI_CONTAINERID=c", "CNI_NETNS=/x", NULL};
	char *dotif[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=..", NULL};
	char *colon[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=a:b", NULL};
	char *dash[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=-c", "CNI_IFNAME=a", NULL};
	char *ipbad[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=a", "CNI_ARGS=IP=5", NULL};
	char *ipmany[] = {"CNI_COMMAND=DEL", "CNI_CONTAINERID=c", "CNI_IFNAME=a",
			  "CNI_ARGS=IP=1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5", NULL};
	char *empty_key[] = {"CNI_COMMAND=GC", "CNI_ARGS==v", NULL};
	(void)st;

	assert_int_equal(env_code(ok, &env, &e), 0);
	assert_int_equal(env.cmd, RP_CNI_CMD_ADD);
	assert_string_equal(env.container_id, "abc-1.2_3");
	assert_string_equal(env.ifname, "net1");
	assert_int_equal(env.nips, 2);
	assert_int_equal(env.ips[0].ip.family, RP_FAM_V4);
	assert_int_equal(env.ips[1].ip.family, RP_FAM_V6);
	assert_int_equal(env.ips[1].prefix, 64);
	assert_string_equal(env.pod_name, "p1");
	assert_true(env.ignore_unknown);

	assert_int_equal(env_code(del, &env, &e), 0); /* DEL without CNI_NETNS */
	assert_int_equal(env_code(gc, &env, &e), 0);
	assert_int_equal(env.cmd, RP_CNI_CMD_GC);
	assert_int_equal(env_code(noif, &env, &e), -EINVAL);
	assert_int_equal(e.cni_code, 4);
	assert_non_null(strstr(e.msg, "CNI_IFNAME"));
	assert_int_equal(env_code(dotif, &env, &e), -EINVAL);
	assert_int_equal(env_code(colon, &env, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a:b"));
	assert_int_equal(env_code(dash, &env, &e), -EINVAL);
	assert_int_equal(env_code(ipbad, &env, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "IP="));
	assert_int_equal(env_code(ipmany, &env, &e), -EINVAL);
	assert_int_equal(env_code(empty_key, &env, &e), -EINVAL);
	assert_int_equal(e.cni_code, 4);
}

static int conf_parse(const char *s, int cmd, struct rp_cni_conf *c, struct rp_err *e)
{
	memset(e, 0, sizeof(*e));
	return rp_cni_conf_parse(s, strlen(s), cmd, c, e);
}

static void t_conf(void **st)
{
	struct rp_cni_conf c;
	struct rp_err e;
	(void)st;

	assert_int_equal(conf_parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"macvlan\",\"stateFile\":\"/top\","
				    "\"deviceID\":\"0000:01:00.2\",\"ipam\":{\"type\":\"railpool\",\"ippools\":{\"ipv4\":"
				    "[\"a*\",\"b\"],\"ipv6\":\"v6\"}},\"args\":{\"cni\":{\"ips\":[\"10.1.1.1\"]}},"
				    "\"runtimeConfig\":{\"ips\":[\"fd00::1/64\"],\"deviceID\":\"0000:01:00.3\"}}",
				    RP_CNI_CMD_ADD, &c, &e), 0);
	assert_int_equal(c.mode, RP_CNI_MODE_IPAM);
	assert_int_equal(c.version, RP_CNI_V(0, 4, 0));
	assert_int_equal(c.npools_v4, 2);
	assert_string_equal(c.pools_v4[0], "a*");
	assert_int_equal(c.npools_v6, 1);
	assert_string_equal(c.state_file, "/top");
	assert_string_equal(c.device_id, "0000:01:00.3");
	assert_int_equal(c.nreq, 2);
	rp_cni_conf_free(&c);

	/* ipam.stateFile wins over the top-level one */
	assert_int_equal(conf_parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"x\",\"stateFile\":\"/top\","
				    "\"ipam\":{\"type\":\"railpool\",\"stateFile\":\"/ipam\",\"ippools\":{\"ipv4\":[\"a\"]}}}",
				    RP_CNI_CMD_ADD, &c, &e), 0);
	assert_string_equal(c.state_file, "/ipam");
	rp_cni_conf_free(&c);

	/* duplicate keys are a decode error, not a silent last-one-wins */
	assert_int_equal(conf_parse("{\"cniVersion\":\"1.0.0\",\"cniVersion\":\"1.1.0\"}", RP_CNI_CMD_ADD, &c, &e), -EINVAL);
	assert_int_equal(e.cni_code, 6);
	rp_cni_conf_free(&c);
	assert_int_equal(conf_parse("[1]", RP_CNI_CMD_ADD, &c, &e), -EINVAL);
	assert_int_equal(e.cni_code, 6);
	rp_cni_conf_free(&c);
	assert_int_equal(conf_parse("{\"name\":\"n\"}", RP_CNI_CMD_ADD, &c, &e), -EPROTONOSUPPORT);
	assert_int_equal(e.cni_code, 1);
	rp_cni_conf_free(&c);

	/* GC list, sorted lookups */
	assert_int_equal(conf_parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"x\",\"ipam\":{\"type\":\"railpool\"},"
				    "\"cni.dev/valid-attachments\":[{\"containerID\":\"z\",\"ifname\":\"e\"},"
				    "{\"containerID\":\"a\",\"ifname\":\"e\"}]}", RP_CNI_CMD_GC, &c, &e), 0);
	assert_true(c.has_valid);
	assert_true(rp_cni_conf_valid_has(&c, "a", "e"));
	assert_true(rp_cni_conf_valid_has(&c, "z", "e"));
	assert_false(rp_cni_conf_valid_has(&c, "a", "f"));
	rp_cni_conf_free(&c);

	/* rails mode is recognised and left to core/attach */
	assert_int_equal(conf_parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"railpool\",\"rails\":[]}",
				    RP_CNI_CMD_ADD, &c, &e), 0);
	assert_int_equal(c.mode, RP_CNI_MODE_RAILS);
	rp_cni_conf_free(&c);
}

static void t_result(void **st)
{
	struct rp_ip ip, gw;
	json_t *r;
	char *s;
	(void)st;

	assert_int_equal(rp_ip_parse("10.0.0.5", &ip), 0);
	assert_int_equal(rp_ip_parse("10.0.0.1", &gw), 0);
	r = rp_cni_result_new("0.3.1");
	assert_int_equal(rp_cni_result_add_ip(r, RP_CNI_V(0, 3, 1), &ip, 24, &gw), 0);
	assert_int_equal(rp_cni_result_add_route(r, &ip, 32, NULL), 0);
	s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"cniVersion\":\"0.3.1\",\"dns\":{},\"ips\":[{\"address\":\"10.0.0.5/24\","
			       "\"gateway\":\"10.0.0.1\",\"version\":\"4\"}],\"routes\":[{\"dst\":\"10.0.0.5/32\"}]}");
	free(s);
	json_decref(r);
	r = rp_cni_error_json(NULL, 7, "bad", "more");
	s = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"cniVersion\":\"1.1.0\",\"code\":7,\"details\":\"more\",\"msg\":\"bad\"}");
	free(s);
	json_decref(r);
	r = rp_cni_version_json("0.4.0");
	assert_string_equal(json_string_value(json_object_get(r, "cniVersion")), "0.4.0");
	json_decref(r);
	assert_int_equal(rp_cni_version_parse("0.3.1"), RP_CNI_V(0, 3, 1));
	assert_int_equal(rp_cni_version_parse("0.2.0"), 0);
	assert_int_equal(rp_cni_version_parse("1.1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_env),
		cmocka_unit_test(t_conf),
		cmocka_unit_test(t_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
