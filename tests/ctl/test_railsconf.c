/* SPDX-License-Identifier: Apache-2.0 */
/* core/railsconf: the rails-mode plugin config parser and printer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/railsconf.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);

	if (!v)
		fail_msg("bad test JSON at %d:%d: %s", je.line, je.column, je.text);
	return v;
}

/* Parse @text expecting failure whose message contains every one of the NULL-terminated needles. */
static void expect_bad(const char *text, int cni_code, ...)
{
	struct rp_railsconf *rc = malloc(sizeof(*rc));
	struct rp_err e = { 0 };
	json_t *v = J(text);
	va_list ap;
	const char *needle;

	assert_int_equal(rp_railsconf_parse(v, rc, &e), -EINVAL);
	assert_int_equal(e.cni_code, cni_code);
	va_start(ap, cni_code);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(e.msg, needle))
			fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
	va_end(ap);
	json_decref(v);
	free(rc);
}

static void test_references(void **state)
{
	(void)state;
	struct rp_railsconf *rc = malloc(sizeof(*rc));
	struct rp_err e = { 0 };
	json_t *v = J("{\"cniVersion\":\"1.0.0\",\"name\":\"gpu-rails\",\"type\":\"railpool\","
		      "\"stateFile\":\"/run/railpool/node.shm\",\"rails\":[{\"network\":\"gpu1-macvlan\"},"
		      "{\"network\":\"kube-system/gpu2-macvlan\"}],\"probeGateway\":true}");

	assert_int_equal(rp_railsconf_parse(v, rc, &e), 0);
	assert_string_equal(rc->cni_version, "1.0.0");
	assert_string_equal(rc->name, "gpu-rails");
	assert_string_equal(rc->state_file, "/run/railpool/node.shm");
	assert_int_equal(rc->nrails, 2);
	assert_string_equal(rc->rails[0].network, "gpu1-macvlan");
	assert_string_equal(rc->rails[1].network, "kube-system/gpu2-macvlan");
	assert_int_equal(rc->route_table_base, 100);
	assert_true(rc->probe_gateway);
	assert_false(rc->probe_conflict);
	assert_int_equal(rc->rail_index, 0);
	json_decref(v);
	free(rc);
}

static void test_inline_roundtrip(void **state)
{
	(void)state;
	struct rp_railsconf *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct rp_err e = { 0 };
	json_t *v = J("{\"type\":\"railpool\",\"cniVersion\":\"1.1.0\",\"name\":\"x\",\"routeTableBase\":200,"
		      "\"rulePriorityBase\":3000,\"probeConflict\":true,\"probeTimeoutMs\":500,\"rails\":["
		      "{\"cniType\":\"macvlan\",\"master\":\"enp11s0f0np0\",\"mtu\":1500,"
		      "\"rdmaResourceName\":\"spidernet.io/shared_cx5_gpu1\",\"ippools\":{\"ipv4\":[\"gpu1-net11\"],"
		      "\"ipv6\":[\"gpu1-v6\"]}},"
		      "{\"cniType\":\"sriov\",\"resourceName\":\"spidernet.io/eno3np2\",\"rdmaIsolation\":true,"
		      "\"vlanID\":12,\"matchMasterSubnet\":true,\"ippools\":{\"ipv4\":[\"eno3np2-rail1*\"]}}]}");

	assert_int_equal(rp_railsconf_parse(v, a, &e), 0);
	assert_int_equal(a->nrails, 2);
	assert_string_equal(a->rails[0].cni_type, "macvlan");
	assert_string_equal(a->rails[0].master, "enp11s0f0np0");
	assert_int_equal(a->rails[0].mtu, 1500);
	assert_int_equal(a->rails[0].npools_v4, 1);
	assert_string_equal(a->rails[0].pools_v6[0], "gpu1-v6");
	assert_true(a->rails[1].rdma_isolation);
	assert_true(a->rails[1].match_master_subnet);
	assert_int_equal(a->rails[1].vlan_id, 12);
	assert_string_equal(a->rails[1].pools_v4[0], "eno3np2-rail1*");
	assert_int_equal(a->route_table_base, 200);
	assert_int_equal(a->rule_priority_base, 3000);
	assert_int_equal(a->probe_timeout_ms, 500);

	json_t *out = rp_railsconf_to_json(a);
	assert_non_null(out);
	assert_int_equal(rp_railsconf_parse(out, b, &e), 0);
	assert_memory_equal(a, b, sizeof(*a));
	/* The printed form is what the plugin's JSON parser sees: check one field literally. */
	assert_string_equal(json_string_value(json_object_get(out, "type")), "railpool");
	json_decref(out);
	json_decref(v);
	free(a);
	free(b);
}

static void test_errors_name_field(void **state)
{
	(void)state;
	expect_bad("{\"type\":\"railpool\"}", 7, "rails is missing", NULL);
	expect_bad("{\"type\":\"railpool\",\"rails\":[]}", 7, "non-empty", NULL);
	expect_bad("{\"type\":\"bridge\",\"rails\":[{\"network\":\"a\"}]}", 7, "type must be \"railpool\"", NULL);
	expect_bad("{\"rails\":[{\"network\":\"a\"},{\"cniType\":\"macvlan\",\"ippools\":{\"ipv4\":[\"p\"]}}]}", 7,
		   "rails[1].master", NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"macvlan\",\"master\":\"eth1\",\"mtu\":70000,\"ippools\":{\"ipv4\":[\"p\"]}}]}",
		   7, "rails[0].mtu", "70000", NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"ipvlan\",\"master\":\"eth1\"}]}", 2, "rails[0].cniType", "ipvlan",
		   "not supported on this node", NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"sriov\",\"ippools\":{\"ipv4\":[\"p\"]}}]}", 7, "rails[0].resourceName",
		   NULL);
	expect_bad("{\"rails\":[{\"network\":\"a\",\"mtu\":9000}]}", 7, "rails[0]", "either a network", NULL);
	expect_bad("{\"rails\":[{\"netwrok\":\"a\"}]}", 7, "rails[0].netwrok: unknown field", NULL);
	expect_bad("{\"rails\":[{\"network\":\"a\"},{\"network\":\"a\"}]}", 7, "rails[1].network", "repeats", NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"macvlan\",\"master\":\"eth1\",\"ippools\":{\"ipv4\":\"p\"}}]}", 7,
		   "rails[0].ippools.ipv4 must be an array", NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"macvlan\",\"master\":\"eth1\"}]}", 7, "rails[0].ippools names no pool", NULL);
	expect_bad("{\"routeTableBase\":250,\"rails\":[{\"network\":\"a\"}]}", 7, "routeTableBase 250", NULL);
	expect_bad("{\"railIndex\":3,\"rails\":[{\"network\":\"a\"},{\"network\":\"b\"}]}", 7, "railIndex 3", NULL);
	expect_bad("{\"probeGateway\":\"yes\",\"rails\":[{\"network\":\"a\"}]}", 7, "probeGateway must be true or false",
		   NULL);
	expect_bad("{\"rails\":[{\"cniType\":\"macvlan\",\"master\":\"an-interface-name-too-long\",\"ippools\":{\"ipv4\":[\"p\"]}}]}",
		   7, "rails[0].master", "too long", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_inline_roundtrip),
		cmocka_unit_test(test_errors_name_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
