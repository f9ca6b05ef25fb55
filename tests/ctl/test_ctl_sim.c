/* SPDX-License-Identifier: Apache-2.0 */
/* `railpoolctl sim up|down` (root): the simulated node appears and disappears completely. */
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
#include <jansson.h>

#include "sim/node.h"
#include "tests/common/exec.h"

static char g_bin[4096], g_prefix[16], g_n1[24], g_n2[24], g_names[64], g_node[64], g_fab[64];

/* Run a shell command; returns its exit status (128+signal when killed) and (if @out) its stdout. */
static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **out, const char *fmt, ...)
{
	va_list ap;
	int st;

	va_start(ap, fmt);
	st = rpt_vsh(out, RPT_INHERIT, fmt, ap);
	va_end(ap);
	assert_true(st >= 0); /* the shell itself started */
	return st;
}

static void sim_down_direct(void)
{
	struct rp_sim_spec spec = { .prefix = g_prefix, .own_netns = 1, .nnics = 2 };
	struct rp_err e = { 0 };

	spec.nics[0].name = g_n1;
	spec.nics[1].name = g_n2;
	rp_sim_down(&spec, &e);
}

static int teardown(void **state)
{
	(void)state;
	sim_down_direct(); /* whatever the test left, even after a failed assert */
	return 0;
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(sh(NULL, "%s sim 2>/dev/null", g_bin), 2);
	assert_int_equal(sh(NULL, "%s sim sideways 2>/dev/null", g_bin), 2);
	assert_int_equal(sh(NULL, "%s sim up --nics 99 2>/dev/null", g_bin), 2);
	assert_int_equal(sh(NULL, "%s sim up --prefix waytoolongprefix 2>/dev/null", g_bin), 2);
	assert_int_equal(sh(NULL, "%s sim up --nics 2 --names a,b,c 2>/dev/null", g_bin), 2);
	assert_int_equal(sh(NULL, "%s sim up --netns=other --prefix x 2>/dev/null", g_bin), 2);
	char *out = NULL;
	assert_int_equal(sh(&out, "%s sim --help", g_bin), 0);
	assert_non_null(strstr(out, "usage: railpoolctl sim"));
	free(out);
}

static void test_up_down(void **state)
{
	(void)state;
	char *out = NULL;
	struct stat st;
	json_error_t je;

	int rc = sh(&out, "%s sim up --prefix %s --netns --nics 2 --names %s --mtu 9000 --gateways 172.16.11.254/16,172.16.12.254/16 2>&1",
		    g_bin, g_prefix, g_names);
	if (rc != 0)
		fail_msg("sim up: exit %d: %s", rc, out);
	assert_non_null(strstr(out, g_n1));
	free(out);
	assert_int_equal(stat(g_node, &st), 0);
	assert_int_equal(stat(g_fab, &st), 0);

	/* Both NICs in the node netns, up, MTU 9000. */
	assert_int_equal(sh(&out, "ip -n %snode -j link show", g_prefix), 0);
	json_t *links = json_loads(out, 0, &je);
	assert_non_null(links);
	free(out);
	int found = 0;
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l) {
		const char *name = json_string_value(json_object_get(l, "ifname"));
		if (name && (!strcmp(name, g_n1) || !strcmp(name, g_n2))) {
			found++;
			assert_int_equal(json_integer_value(json_object_get(l, "mtu")), 9000);
		}
	}
	json_decref(links);
	assert_int_equal(found, 2);
	/* The rails' gateways answer from the fabric netns. */
	assert_int_equal(sh(&out, "ip -n %sfab -o addr show", g_prefix), 0);
	assert_non_null(strstr(out, "172.16.11.254/16"));
	assert_non_null(strstr(out, "172.16.12.254/16"));
	free(out);

	rc = sh(&out, "%s sim down --prefix %s --netns --nics 2 --names %s 2>&1", g_bin, g_prefix, g_names);
	if (rc != 0)
		fail_msg("sim down: exit %d: %s", rc, out);
	free(out);
	assert_int_equal(stat(g_node, &st), -1);
	assert_int_equal(stat(g_fab, &st), -1);
	/* Idempotent. */
	assert_int_equal(sh(NULL, "%s sim down --prefix %s --netns --nics 2 --names %s >/dev/null 2>&1", g_bin, g_prefix,
			    g_names),
			 0);
}

/*
 * The operator's path end to end on a simulated node: apply -> conflist -> the `railpool`
 * plugin attaches a pod with the printed config -> get leases shows it -> the pod's netns dies
 * -> gc frees it -> fsck is clean.
 */
static char g_dir[128];

static int e2e_teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "ip netns del %spod 2>/dev/null; rm -rf %s", g_prefix, g_dir);
	if (system(cmd) < 0)
		perror("system");
	{
		struct rp_sim_spec spec = { .prefix = g_prefix, .own_netns = 0, .nnics = 2 };
		struct rp_err e = { 0 };

		spec.nics[0].name = g_n1;
		spec.nics[1].name = g_n2;
		rp_sim_down(&spec, &e);
	}
	return 0;
}

static void test_rails_e2e(void **state)
{
	(void)state;
	char rp[4200], path[256], *out = NULL;
	json_error_t je;
	FILE *f;
	int rc;

	snprintf(rp, sizeof(rp), "%s/railpool", getenv("RP_BIN_DIR"));
	if (access(rp, X_OK) < 0) {
		fail_msg("%s not built; the rails end-to-end check needs the plugin", rp);
	}
	snprintf(g_dir, sizeof(g_dir), "/tmp/rpt%d-e2e", (int)getpid());
	assert_int_equal(mkdir(g_dir, 0700), 0);
	rc = sh(&out, "%s sim up --prefix %s --nics 2 --names %s --gateways 10.77.1.1/24,10.77.2.1/24 2>&1", g_bin, g_prefix,
		g_names);
	if (rc)
		fail_msg("sim up: %s", out);
	free(out);

	snprintf(path, sizeof(path), "%s/rails.yaml", g_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 1; i <= 2; i++)
		fprintf(f,
			"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\nmetadata: {name: rpt-e2e%d}\n"
			"spec: {subnet: 10.77.%d.0/24, ips: [10.77.%d.10-10.77.%d.20], gateway: 10.77.%d.1}\n---\n"
			"apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderMultusConfig\n"
			"metadata: {name: rpt-e2e%d, namespace: spiderpool}\n"
			"spec: {cniType: macvlan, macvlan: {master: [\"%s\"], ippools: {ipv4: [rpt-e2e%d]}}}\n---\n",
			i, i, i, i, i, i, i == 1 ? g_n1 : g_n2, i);
	fclose(f);
	rc = sh(&out, "%s --state %s/s apply -f %s 2>&1", g_bin, g_dir, path);
	if (rc)
		fail_msg("apply: %s", out);
	free(out);

	/* The conflist's plugin, as the runtime hands it to the plugin (name/version inherited). */
	assert_int_equal(sh(&out, "%s --state %s/s conflist --name rpt-e2e rpt-e2e1 spiderpool/rpt-e2e2", g_bin, g_dir), 0);
	json_t *cl = json_loads(out, 0, &je);
	free(out);
	assert_non_null(cl);
	json_t *plugin = json_deep_copy(json_array_get(json_object_get(cl, "plugins"), 0));
	json_object_set(plugin, "cniVersion", json_object_get(cl, "cniVersion"));
	json_object_set(plugin, "name", json_object_get(cl, "name"));
	snprintf(path, sizeof(path), "%s/plugin.json", g_dir);
	assert_int_equal(json_dump_file(plugin, path, 0), 0);
	json_decref(plugin);
	json_decref(cl);

	assert_int_equal(sh(NULL, "ip netns add %spod && ip -n %spod link set lo up", g_prefix, g_prefix), 0);
	rc = sh(&out, "CNI_COMMAND=ADD CNI_CONTAINERID=rpte2e CNI_NETNS=/run/netns/%spod CNI_IFNAME=net1 CNI_PATH=%s %s < %s",
		g_prefix, getenv("RP_BIN_DIR"), rp, path);
	if (rc)
		fail_msg("railpool ADD with the conflist's config: exit %d: %s", rc, out);
	json_t *res = json_loads(out, 0, &je);
	free(out);
	assert_non_null(res);
	assert_int_equal(json_array_size(json_object_get(res, "ips")), 2);
	json_decref(res);

	assert_int_equal(sh(&out, "%s --state %s/s get leases -o json", g_bin, g_dir), 0);
	json_t *leases = json_loads(out, 0, &je);
	free(out);
	assert_int_equal(json_array_size(leases), 2);
	char ns[64];
	snprintf(ns, sizeof(ns), "/run/netns/%spod", g_prefix);
	assert_string_equal(json_string_value(json_object_get(json_array_get(leases, 0), "netns")), ns);
	json_decref(leases);

	/* The pod's netns goes away without a DEL: gc frees both rails' attachments. */
	assert_int_equal(sh(NULL, "ip netns del %spod", g_prefix), 0);
	assert_int_equal(sh(&out, "%s --state %s/s gc", g_bin, g_dir), 0);
	assert_non_null(strstr(out, "released 2 attachment(s)"));
	free(out);
	assert_int_equal(sh(&out, "%s --state %s/s get leases -o json", g_bin, g_dir), 0);
	leases = json_loads(out, 0, &je);
	free(out);
	assert_int_equal(json_array_size(leases), 0);
	json_decref(leases);
	assert_int_equal(sh(&out, "%s --state %s/s fsck", g_bin, g_dir), 0);
	assert_non_null(strstr(out, "clean"));
	free(out);
}

int main(void)
{
	const char *bin = getenv("RP_BIN_DIR");

	if (geteuid() != 0) {
		printf("SKIP: railpoolctl sim needs root (network namespaces, veths)\n");
		return 77;
	}
	if (!bin) {
		fprintf(stderr, "RP_BIN_DIR must be set (ctest sets it)\n");
		return 1;
	}
	snprintf(g_bin, sizeof(g_bin), "%s/railpoolctl", bin);
	snprintf(g_prefix, sizeof(g_prefix), "rc%d", (int)(getpid() % 100000));
	snprintf(g_n1, sizeof(g_n1), "%sn1", g_prefix);
	snprintf(g_n2, sizeof(g_n2), "%sn2", g_prefix);
	snprintf(g_names, sizeof(g_names), "%s,%s", g_n1, g_n2);
	snprintf(g_node, sizeof(g_node), "/run/netns/%snode", g_prefix);
	snprintf(g_fab, sizeof(g_fab), "/run/netns/%sfab", g_prefix);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test_teardown(test_up_down, teardown),
		cmocka_unit_test_teardown(test_rails_e2e, e2e_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
