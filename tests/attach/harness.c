/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the rails pipeline tests (see harness.h). */
#include "harness.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/node.h"
#include "tests/common/exec.h"

char ht_prefix[16], ht_node_ns[64], ht_state[128], ht_bindir[256], ht_srcdir[256];
char ht_sysfs_env[320];

void ht_init(const char *tag)
{
	snprintf(ht_prefix, sizeof(ht_prefix), "%s%d", tag, getpid() % 100000);
	snprintf(ht_node_ns, sizeof(ht_node_ns), "/run/netns/%snode", ht_prefix);
	snprintf(ht_state, sizeof(ht_state), "/run/railpool-test-%s.shm", ht_prefix);
	snprintf(ht_bindir, sizeof(ht_bindir), "%s", getenv("RP_BIN_DIR") ? getenv("RP_BIN_DIR") : "build/bin");
	snprintf(ht_srcdir, sizeof(ht_srcdir), "%s", getenv("RP_SOURCE_DIR") ? getenv("RP_SOURCE_DIR") : ".");
}

int ht_run(bool in_node, char *const argv[], char *const env[], const char *in, char **out)
{
	struct rpt_exec x = { .argv = (const char *const *)argv, .env = (const char *const *)env,
			      .env_inherit = true, .stdin_text = in, .netns = in_node ? ht_node_ns : NULL,
			      .out = RPT_CAPTURE, .err = RPT_INHERIT };
	struct rpt_run r;
	int ret = rpt_exec_run(&x, &r);

	if (ret)
		fail_msg("exec %s: %s", argv[0], strerror(-ret));
	ret = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	rpt_run_free(&r);
	return ret;
}

json_t *ht_ipj(const char *pod, const char *args)
{
	char *out;
	json_t *j;

	assert_int_equal(rpt_sh(&out, RPT_INHERIT, "ip -n %s -j %s", pod, args), 0);
	j = json_loads(out[0] ? out : "[]", 0, NULL);
	free(out);
	assert_non_null(j);
	return j;
}

void ht_assert_pod_clean(const char *pod)
{
	json_t *links = ht_ipj(pod, "link show"), *rules = ht_ipj(pod, "rule show"), *l;
	size_t i;

	json_array_foreach(links, i, l) {
		const char *n = json_string_value(json_object_get(l, "ifname"));
		assert_true(strcmp(n, "lo") == 0 || strcmp(n, "eth0") == 0);
	}
	json_array_foreach(rules, i, l) {
		const char *t = json_string_value(json_object_get(l, "table"));
		assert_true(!strcmp(t, "local") || !strcmp(t, "main") || !strcmp(t, "default"));
	}
	json_decref(links);
	json_decref(rules);
}

size_t ht_leases(const char *prefix, bool match)
{
	char *out;
	json_t *j, *arr, *l;
	size_t n = 0, i, plen = strlen(prefix);

	assert_int_equal(ht_ctl(&out, "get", "leases", "-o", "json"), 0);
	j = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(j);
	arr = json_is_array(j) ? j : json_object_get(j, "leases");
	json_array_foreach(arr, i, l) {
		const char *pool = json_string_value(json_object_get(l, "pool"));
		bool hit = pool && !strncmp(pool, prefix, plen);
		n += hit == match;
	}
	json_decref(j);
	return n;
}

int ht_cni(const char *cmd, const char *cid, const char *pod, const char *ifname, const char *conf, json_t **res)
{
	char bin[300], e1[64], e2[160], e3[200], e4[64], e5[300], e6[200];
	char *argv[] = { bin, NULL };
	char *env[] = { e1, e2, e3, e4, e5, e6, ht_sysfs_env[0] ? ht_sysfs_env : NULL, NULL };
	char *out;
	int rc;

	snprintf(bin, sizeof(bin), "%s/railpool", ht_bindir);
	snprintf(e1, sizeof(e1), "CNI_COMMAND=%s", cmd);
	snprintf(e2, sizeof(e2), "CNI_CONTAINERID=%s", cid);
	snprintf(e3, sizeof(e3), "CNI_NETNS=%s%s", pod[0] ? "/run/netns/" : "", pod);
	snprintf(e4, sizeof(e4), "CNI_IFNAME=%s", ifname);
	snprintf(e5, sizeof(e5), "CNI_PATH=%s", ht_bindir);
	snprintf(e6, sizeof(e6), "RAILPOOL_STATE=%s", ht_state);
	rc = ht_run(true, argv, env, conf, &out);
	if (res)
		*res = json_loads(out, 0, NULL);
	if (rc)
		print_message("railpool %s -> exit %d: %s\n", cmd, rc, out);
	free(out);
	return rc;
}

int ht_ctl(char **out, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char bin[300], st[200];
	char *argv[] = { bin, "--state", st, "--node", "node1", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };

	snprintf(bin, sizeof(bin), "%s/railpoolctl", ht_bindir);
	char *env[] = { ht_sysfs_env[0] ? ht_sysfs_env : NULL, NULL };

	snprintf(st, sizeof(st), "%s", ht_state);
	return ht_run(true, argv, env, NULL, out);
}

json_t *ht_find_link(json_t *links, const char *name)
{
	json_t *l;
	size_t i;

	json_array_foreach(links, i, l)
		if (!strcmp(json_string_value(json_object_get(l, "ifname")), name))
			return l;
	return NULL;
}

void ht_pod_add(const char *name, int n)
{
	char pname[32], peer[32], cidr[32];
	struct rp_sim_pod p = { 0 };
	struct rp_err e = { 0 };

	snprintf(pname, sizeof(pname), "%s", name);
	snprintf(peer, sizeof(peer), "%se%d", ht_prefix, n);
	snprintf(cidr, sizeof(cidr), "10.233.119.%d/24", 100 + n);
	p.name = pname;
	p.node_netns = ht_node_ns;
	p.eth0_peer = peer;
	p.eth0_cidr = cidr;
	p.eth0_gw = "10.233.119.1";
	if (rp_sim_pod_add(&p, &e))
		fail_msg("pod %s: %s", name, e.msg);
}

void ht_pod_del(const char *name)
{
	struct rp_sim_pod p = { .name = name };
	struct rp_err e = { 0 };

	rp_sim_pod_del(&p, &e);
}

