/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the rails pipeline tests share: exec the built `railpool` / `railpoolctl` as a runtime
 * and an operator would (env + stdin, inside the simulated node's netns), read a pod with
 * `ip -j`, and make or remove pods.  State lives in the ht_* globals that ht_init() fills:
 * prefix "<tag><pid>", node netns /run/netns/<prefix>node, the store /run/railpool-test-<prefix>.shm.
 * cmocka assertions fail the calling test; one test thread.
 */
#ifndef RP_TESTS_ATTACH_HARNESS_H
#define RP_TESTS_ATTACH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

extern char ht_prefix[16], ht_node_ns[64], ht_state[128], ht_bindir[256], ht_srcdir[256];
/* "RAILPOOL_SYSFS_ROOT=..." passed to both binaries when not empty (the SR-IOV sim). */
extern char ht_sysfs_env[320];

void ht_init(const char *tag);

/* Run @argv (inside the node netns when @in_node) with the caller's environment plus @env,
 * stdin @in, stderr inherited; capture stdout into *@out (malloc'd) when @out (rpt_exec_run of
 * tests/common/exec.h).  Returns the exit status (128+signal when killed); a program that could
 * not be started (or a node netns that cannot be opened) fails the calling test. */
int ht_run(bool in_node, char *const argv[], char *const env[], const char *in, char **out);
/* `ip -n POD -j ARGS` parsed ("[]" when empty). */
json_t *ht_ipj(const char *pod, const char *args);
/* Nothing of railpool's is left in @pod: only lo and eth0, only the local/main/default rules. */
void ht_assert_pod_clean(const char *pod);
/* Leases in the store (`railpoolctl get leases`) whose pool name starts with @prefix (@match)
 * or does not (!@match): e.g. ("rdma:", true) counts shared-RDMA user slots. */
size_t ht_leases(const char *prefix, bool match);
/* One CNI call of the plugin in the node netns; *@res the parsed stdout when @res. */
int ht_cni(const char *cmd, const char *cid, const char *pod, const char *ifname, const char *conf,
	   json_t **res);
/* railpoolctl --state <store> --node node1 a1 a2 a3 a4 (NULLs end the list). */
int ht_ctl(char **out, const char *a1, const char *a2, const char *a3, const char *a4);
json_t *ht_find_link(json_t *links, const char *name);
/* Pod netns @name with eth0 (10.233.119.<100+n>/24, default route) peered into the node. */
void ht_pod_add(const char *name, int n);
void ht_pod_del(const char *name);

#endif
