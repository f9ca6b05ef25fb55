/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real container runtime drives railpool (issue 4): podman 4.3 with its CNI backend (argv[1]
 * "podman") or containerd's `ctr run --cni` (argv[1] "ctr") starts a busybox-static container
 * on a rails network whose only plugin is the built `railpool` binary.
 *
 * The runtime runs the plugin in the HOST netns, so the simulated node's NICs live there too,
 * under unique names "<prefix>n1".. (rp_sim_up with own_netns=0).  The macvlan seed's manifests
 * are rewritten to those masters and applied with the built `railpoolctl` into a private store
 * (/run/railpool-test-<prefix>.shm) which reaches the plugin through the conflist's "stateFile".
 * Everything the runtime keeps (podman root/runroot/tmpdir, containerd root/state/socket) lives
 * in a private temp dir, so the system's container state is never touched.
 *
 * The container's own view (busybox `ip -o addr`, `ip rule`, `ip route show table N`) and the
 * store's (`railpoolctl get leases -o json`) are the oracles.  A runtime that cannot run here
 * (binary missing, fails to start for an identified environmental reason) makes the test print
 * "SKIP: <runtime>: <reason>" and exit 77; a railpool failure (bad result, leftover leases) fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "sim/node.h"
#include "tests/common/exec.h"
#include "tests/common/node.h"

#define MAX_RAILS 8

static const char *runtime = "podman";
static unsigned nrails = MAX_RAILS;
static char prefix[16], tmp[128], state[128], bindir[256], srcdir[256], host[256], net[32];
static struct rpt_seed_node node;
static pid_t containerd_pid = -1;
/* Rails mode names rail i after CNI_IFNAME: podman is told net1 (net1..netN), ctr always uses
 * eth0 (eth0..ethN-1). */
static const char *if_base = "net";
static unsigned if_first = 1;

static const char *rail_if(unsigned i)
{
	static char name[4][16];
	static unsigned n;
	char *b = name[n++ % 4];

	snprintf(b, 16, "%s%u", if_base, if_first + i - 1);
	return b;
}

/* Run a shell command line (stderr merged into stdout); returns its exit status, 128+sig when
 * killed.  The command's output is kept in *out (caller frees) or printed when it failed. */
static int shell(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int shell(char **out, const char *fmt, ...)
{
	char cmd[4096], *buf;
	int st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = rpt_sh(&buf, RPT_MERGE, "%s", cmd);
	assert_true(st >= 0); /* the shell itself started */
	if (st) {
		printf("$ %s\n-> exit %d\n%s\n", cmd, st, buf);
		fflush(stdout);
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return st;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* The leases the store holds, as `railpoolctl get leases -o json` prints them. */
static json_t *leases(void)
{
	char *out;
	json_t *j, *arr;

	assert_int_equal(shell(&out, "%s/railpoolctl --state %s --node %s get leases -o json 2>/dev/null", bindir,
			       state, host),
			 0);
	j = json_loads(out, 0, NULL);
	if (!j)
		fail_msg("get leases -o json: not JSON: %s", out);
	free(out);
	arr = json_is_array(j) ? json_incref(j) : json_incref(json_object_get(j, "leases"));
	json_decref(j);
	assert_true(json_is_array(arr));
	return arr;
}

static size_t leases_held(void)
{
	json_t *l = leases();
	size_t n = json_array_size(l);

	json_decref(l);
	return n;
}

/* ---- the simulated node, manifests, conflist, rootfs ---------------------------------------- */

/* The seed's gpuN.yaml with its master replaced by our NIC name. */
static void write_manifest(unsigned i, const char *path)
{
	char src[512], seed_master[16], *text, *hit, out[8192];

	snprintf(src, sizeof(src), "%s/tests/data/macvlan-8rail/gpu%u.yaml", srcdir, i);
	snprintf(seed_master, sizeof(seed_master), "enp1%us0f0np0", i);
	text = rpt_read_file(src, NULL);
	assert_non_null(text);
	hit = strstr(text, seed_master);
	assert_non_null(hit);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(hit - text), text, node.names[i - 1], hit + strlen(seed_master));
	assert_null(strstr(out, seed_master));
	write_file(path, out);
	free(text);
}

static int setup_node(void)
{
	struct rp_err e = { 0 };
	char cmd[4096], path[256], *out;
	size_t off;

	rpt_seed_node(&node, prefix, 0, nrails, 1500); /* in the host netns: names of our own */
	rp_sim_down(&node.spec, &e);
	if (rp_sim_up(&node.spec, &e)) {
		print_message("sim up: %s\n", e.msg);
		return -1;
	}
	unlink(state);
	off = (size_t)snprintf(cmd, sizeof(cmd), "%s/railpoolctl --state %s --node %s apply", bindir, state, host);
	for (unsigned i = 1; i <= nrails; i++) {
		snprintf(path, sizeof(path), "%s/gpu%u.yaml", tmp, i);
		write_manifest(i, path);
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " -f %s", path);
	}
	if (shell(NULL, "%s", cmd))
		return -1;
	off = (size_t)snprintf(cmd, sizeof(cmd), "%s/railpoolctl --state %s --node %s conflist --name %s --dir %s/net",
			       bindir, state, host, net, tmp);
	for (unsigned i = 1; i <= nrails; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " gpu%u-macvlan", i);
	if (shell(NULL, "mkdir -p %s/net && %s", tmp, cmd))
		return -1;
	/* the store must reach the plugin through the conflist: the runtime passes no env of ours */
	snprintf(path, sizeof(path), "%s/net/%s.conflist", tmp, net);
	out = rpt_read_file(path, NULL);
	if (!out || !strstr(out, state)) {
		print_message("%s: no stateFile %s in it: %s\n", path, state, out ? out : "(missing)");
		free(out);
		return -1;
	}
	free(out);
	/* busybox-static as the whole rootfs: no image registry is reachable */
	if (shell(NULL,
		  "set -e; r=%s/rootfs; mkdir -p $r/bin $r/proc $r/sys $r/dev $r/etc $r/tmp $r/run;"
		  " cp /bin/busybox $r/bin/busybox;"
		  " for a in sh ip cat sleep ls echo true touch; do ln -s busybox $r/bin/$a; done;"
		  " echo 'root:x:0:0:root:/:/bin/sh' > $r/etc/passwd; echo 'root:x:0:' > $r/etc/group",
		  tmp))
		return -1;
	return 0;
}

static void teardown_node(void)
{
	struct rp_err e = { 0 };

	if (!node.spec.prefix)
		return;
	rp_sim_down(&node.spec, &e);
	unlink(state);
}

/* Nothing mounted under our temp dir may survive into rm -rf. */
static bool tmp_made;

static void remove_tmp(void)
{
	if (!tmp_made)
		return;
	shell(NULL, "for m in $(awk '{print $2}' /proc/mounts | grep '^%s/' | sort -r); do umount -l \"$m\"; done;"
		    " rm -rf '%s'",
	      tmp, tmp);
}

/* ---- checks shared by the runtimes --------------------------------------------------------- */

/* The address of rail i's interface in busybox `ip -o addr` output
 * ("3: net2    inet 172.16.12.1/16 brd ..."). */
static bool find_addr(const char *ipaddr, unsigned i, char *ip, size_t len)
{
	char key[32];
	const char *p = ipaddr;

	snprintf(key, sizeof(key), " %s ", rail_if(i));
	while ((p = strstr(p, key)) != NULL) {
		const char *q = p + strlen(key);
		while (*q == ' ')
			q++;
		if (!strncmp(q, "inet ", 5)) {
			const char *a = q + 5, *end = strchr(a, ' ');
			if (!end || (size_t)(end - a) >= len)
				return false;
			snprintf(ip, len, "%.*s", (int)(end - a), a);
			return true;
		}
		p = q;
	}
	return false;
}

/* Long outputs go to stdout first: cmocka truncates its messages. */
#define FAILV(view, ...)                     \
	do {                                 \
		printf("%s\n", (view));      \
		fflush(stdout);              \
		fail_msg(__VA_ARGS__);       \
	} while (0)

/* What the container printed: "ip -o addr", "==", "ip rule", "==", then "T<n>" + `ip route show
 * table n` for every rail.  Every rail netI has an address of its pool (172.16.1I.x/16), a rule
 * "from <ip> lookup 100+I-1" and its table's default via the pool's gateway on netI.  The
 * addresses found go to @ips (when non-NULL). */
static void assert_container_view(const char *view, char ips[][48])
{
	for (unsigned i = 1; i <= nrails; i++) {
		char ip[48], want[48], rule[96], tbl[16], gw[96], *slash;
		const char *t, *tend;

		if (!find_addr(view, i, ip, sizeof(ip)))
			FAILV(view, "%s: no IPv4 address in the container's `ip -o addr`", rail_if(i));
		snprintf(want, sizeof(want), "172.16.1%u.", i);
		if (strncmp(ip, want, strlen(want)) || !strstr(ip, "/16"))
			fail_msg("%s: address %s is not from pool gpu%u-net1%u (%s*/16)", rail_if(i), ip, i, i, want);
		slash = strchr(ip, '/');
		*slash = '\0';
		if (ips)
			snprintf(ips[i - 1], 48, "%s", ip);
		snprintf(rule, sizeof(rule), "from %s lookup %u ", ip, 100 + i - 1);
		if (!strstr(view, rule))
			FAILV(view, "%s: no rule \"%s\" in the container's `ip rule`", rail_if(i), rule);
		snprintf(tbl, sizeof(tbl), "T%u\n", 100 + i - 1);
		t = strstr(view, tbl);
		assert_non_null(t);
		tend = strstr(t + 1, "\nT");
		snprintf(gw, sizeof(gw), "default via 172.16.1%u.254 dev %s ", i, rail_if(i));
		t = strstr(t, gw);
		if (!t || (tend && t > tend))
			FAILV(view, "%s: table %u lacks \"%s\"", rail_if(i), 100 + i - 1, gw);
	}
	/* exactly the rails: no net<N+1> */
	{
		char ip[48];
		assert_false(find_addr(view, nrails + 1, ip, sizeof(ip)));
	}
}

/* The shell line run inside the container. */
static const char *view_cmd(void)
{
	static char cmd[1024];
	size_t off;

	off = (size_t)snprintf(cmd, sizeof(cmd), "ip -o addr; echo ==; ip rule; echo ==;");
	for (unsigned i = 0; i < nrails; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " echo T%u; ip route show table %u;", 100 + i,
					100 + i);
	return cmd;
}

/* The store's leases are exactly the container's rails: one per netI, its address, the id. */
static void assert_leases_match(const char *cid, char ips[][48], const char *netns)
{
	json_t *l = leases(), *x;
	size_t k;

	assert_int_equal(json_array_size(l), nrails);
	json_array_foreach(l, k, x) {
		const char *ip = json_string_value(json_object_get(x, "ip"));
		const char *id = json_string_value(json_object_get(x, "containerID"));
		const char *ifn = json_string_value(json_object_get(x, "ifname"));
		const char *ns = json_string_value(json_object_get(x, "netns"));
		bool found = false;

		assert_non_null(ip);
		assert_non_null(id);
		assert_string_equal(id, cid);
		assert_non_null(ifn);
		for (unsigned i = 0; i < nrails; i++)
			if (!strcmp(ips[i], ip)) {
				/* the attachment records each rail under the name it got in the pod */
				assert_string_equal(ifn, rail_if(i + 1));
				found = true;
			}
		if (!found)
			fail_msg("lease %s for %s is no address of the container", ip, id);
		if (netns && ns && ns[0])
			assert_string_equal(ns, netns);
	}
	json_decref(l);
}

/* Nothing railpool made is left on the node: no lease, no address or route on the NICs, the
 * NICs themselves as the simulation made them. */
static void assert_node_clean(void)
{
	char *out;
	json_t *l = leases();

	if (json_array_size(l)) {
		char *dump = json_dumps(l, JSON_COMPACT);
		printf("leases left: %s\n", dump ? dump : "?");
		fflush(stdout);
		free(dump);
		fail_msg("%zu lease(s) left in the store after the container went", json_array_size(l));
	}
	json_decref(l);
	for (unsigned i = 0; i < nrails; i++) {
		assert_int_equal(shell(&out, "ip -o addr show dev %s scope global; ip route show dev %s", node.names[i],
				       node.names[i]),
				 0);
		if (out[0])
			fail_msg("%s carries state after the container went: %s", node.names[i], out);
		free(out);
	}
}

/* ---- podman -------------------------------------------------------------------------------- */

static char podman[1024];

static int podman_setup(char *why, size_t len)
{
	char conf[2048], path[256], *out;

	snprintf(conf, sizeof(conf),
		 "[containers]\n"
		 "[network]\n"
		 "network_backend = \"cni\"\n"
		 "cni_plugin_dirs = [\"%s\", \"/usr/lib/cni\"]\n"
		 "network_config_dir = \"%s/net\"\n"
		 "default_network = \"%s\"\n"
		 "[engine]\n"
		 "runtime = \"runc\"\n"
		 "cgroup_manager = \"cgroupfs\"\n"
		 "events_logger = \"none\"\n",
		 bindir, tmp, net);
	snprintf(path, sizeof(path), "%s/containers.conf", tmp);
	write_file(path, conf);
	/* crun fails on this cgroup layout; explicit ulimits (podman's defaults exceed the box's) */
	snprintf(podman, sizeof(podman),
		 "CONTAINERS_CONF=%s timeout 60 podman --root %s/root --runroot %s/runroot --tmpdir %s/ptmp"
		 " --runtime runc --cgroup-manager cgroupfs --events-backend none",
		 path, tmp, tmp, tmp);
	if (shell(NULL, "mkdir -p %s/root %s/runroot %s/ptmp", tmp, tmp, tmp))
		return -1;
	/* Can podman run a container here at all?  No CNI, so railpool plays no part in this. */
	if (shell(&out, "%s run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --rootfs %s/rootfs"
			" /bin/true",
		  podman, tmp)) {
		snprintf(why, len, "cannot run even a network-less container: %.400s", out);
		free(out);
		return 77;
	}
	free(out);
	return 0;
}

static void podman_teardown(void)
{
	if (podman[0])
		shell(NULL, "%s rm -a -f -t 0 >/dev/null", podman);
}

#define RUN_OPTS "--network %s:interface_name=net1 --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --rootfs %s/rootfs"

/* One-shot container: it prints its view and exits; podman tears the network down (CNI DEL). */
static void test_podman_run_once(void **st)
{
	char *out;

	(void)st;
	assert_int_equal(leases_held(), 0);
	if (shell(&out, "%s run --rm --name %sc1 " RUN_OPTS " /bin/sh -c '%s'", podman, prefix, net, tmp, view_cmd()))
		fail_msg("podman run failed");
	printf("container %sc1 saw:\n%s", prefix, out);
	fflush(stdout);
	assert_container_view(out, NULL);
	free(out);
	/* `run --rm` returns after cleanup: the DEL is done */
	assert_node_clean();
}

/* Long-running container: leases held while it runs match what it sees; stop + rm frees all. */
static void test_podman_run_rm(void **st)
{
	char *out, *cid, ips[MAX_RAILS][48], sandbox[512], cache[512];
	size_t n;
	struct stat sb;

	(void)st;
	if (shell(&cid, "%s run -d --name %sc2 " RUN_OPTS " /bin/sleep 600", podman, prefix, net, tmp))
		fail_msg("podman run -d failed");
	n = strcspn(cid, "\n");
	cid[n] = '\0';
	assert_int_equal(strlen(cid), 64);
	assert_int_equal(shell(&out, "%s inspect --format '{{.NetworkSettings.SandboxKey}}' %s", podman, cid), 0);
	snprintf(sandbox, sizeof(sandbox), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	assert_int_equal(shell(&out, "%s exec %s /bin/sh -c '%s'", podman, cid, view_cmd()), 0);
	printf("container %sc2 (%.12s, netns %s) sees:\n%s", prefix, cid, sandbox, out);
	fflush(stdout);
	assert_container_view(out, ips);
	free(out);
	assert_leases_match(cid, ips, sandbox[0] ? sandbox : NULL);
	/* libcni caches the ADD result until DEL */
	snprintf(cache, sizeof(cache), "/var/lib/cni/results/%s-%s-net1", net, cid);
	assert_int_equal(stat(cache, &sb), 0);

	assert_int_equal(shell(NULL, "%s rm -f -t 0 %s", podman, cid), 0);
	assert_node_clean();
	assert_int_not_equal(stat(cache, &sb), 0);
	if (sandbox[0])
		assert_int_not_equal(stat(sandbox, &sb), 0);
	free(cid);
}

/* ---- containerd's ctr ---------------------------------------------------------------------- */

static char ctr[512];
static bool run_cd_existed;

static bool wait_for(const char *path, int secs, pid_t alive)
{
	struct stat sb;

	for (int i = 0; i < secs * 10; i++) {
		if (stat(path, &sb) == 0)
			return true;
		if (alive > 0 && waitpid(alive, NULL, WNOHANG) == alive)
			return false;
		usleep(100 * 1000);
	}
	return false;
}

/* Starts a private containerd (everything under our temp dir except the shim sockets, which
 * containerd 1.6 always puts in /run/containerd/s); returns 0, or 77 with the reason in @why. */
static int ctr_setup(char *why, size_t len)
{
	char conf[2048], path[256], sock[256], log[256], script[2048];
	struct stat sb;
	int n;

	if (stat("/etc/cni/net.d", &sb) != 0 || stat("/opt", &sb) != 0) {
		/* ctr reads its CNI config from the fixed /etc/cni/net.d and plugins from /opt/cni/bin:
		 * the test shadows both in a private mount namespace, which needs them to exist */
		snprintf(why, len, "/etc/cni/net.d or /opt missing (ctr's fixed CNI dirs are shadowed, not created)");
		return 77;
	}
	run_cd_existed = stat("/run/containerd", &sb) == 0;
	snprintf(sock, sizeof(sock), "%s/containerd.sock", tmp);
	snprintf(log, sizeof(log), "%s/containerd.log", tmp);
	snprintf(conf, sizeof(conf),
		 "version = 2\n"
		 "root = \"%s/cd-root\"\n"
		 "state = \"%s/cd-state\"\n"
		 "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
		 "[grpc]\n  address = \"%s\"\n"
		 "[ttrpc]\n  address = \"%s.ttrpc\"\n"
		 "[debug]\n  address = \"%s.debug\"\n"
		 "[plugins]\n"
		 "  [plugins.\"io.containerd.internal.v1.opt\"]\n    path = \"%s/cd-opt\"\n",
		 tmp, tmp, sock, sock, sock, tmp);
	snprintf(path, sizeof(path), "%s/containerd.toml", tmp);
	write_file(path, conf);
	containerd_pid = fork();
	assert_true(containerd_pid >= 0);
	if (containerd_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("containerd", "containerd", "--config", path, (char *)NULL);
		_exit(127);
	}
	if (!wait_for(sock, 60, containerd_pid)) {
		char *l = rpt_read_file(log, NULL);
		snprintf(why, len, "containerd did not start within 60 s (log: %.300s)", l ? l : "none");
		free(l);
		return 77;
	}
	snprintf(ctr, sizeof(ctr), "timeout 60 ctr --address %s --namespace %s", sock, prefix);
	/* Can containerd run a container here at all?  No CNI, so railpool plays no part in this. */
	{
		char *out;
		if (shell(&out, "%s run --rm --fifo-dir %s/fifo --runc-root %s/runc --rootfs %s/rootfs %sprobe /bin/true",
			  ctr, tmp, tmp, tmp, prefix)) {
			snprintf(why, len, "cannot run even a network-less container: %.400s", out);
			free(out);
			return 77;
		}
		free(out);
	}
	/* The container prints its view, says it is ready and waits for "go" (both files in the
	 * rootfs, a host dir), so the store can be read while the rails exist. */
	n = snprintf(script, sizeof(script),
		 "set -e\n"
		 "mount --bind %s/net /etc/cni/net.d\n"
		 "mount -t tmpfs rpr-opt /opt\n"
		 "mkdir -p /opt/cni/bin\n"
		 "mount --bind %s /opt/cni/bin\n"
		 "exec ctr --address %s --namespace %s run --rm --cni --fifo-dir %s/fifo --runc-root %s/runc"
		 " --rootfs %s/rootfs %sc1 /bin/sh -c '%s touch /tmp/ready; while [ ! -e /tmp/go ]; do sleep 0.2; done'\n",
		 tmp, bindir, sock, prefix, tmp, tmp, tmp, prefix, view_cmd());
	assert_true(n > 0 && n < (int)sizeof(script));
	snprintf(path, sizeof(path), "%s/ctr-run.sh", tmp);
	write_file(path, script);
	return 0;
}

static void ctr_teardown(void)
{
	if (ctr[0])
		shell(NULL, "%s task delete -f %sprobe >/dev/null 2>&1; %s container delete %sprobe >/dev/null 2>&1;"
			    " %s task kill -s KILL %sc1 >/dev/null 2>&1; sleep 1; %s task delete -f %sc1 >/dev/null 2>&1;"
			    " %s container delete %sc1 >/dev/null 2>&1; true",
		      ctr, prefix, ctr, prefix, ctr, prefix, ctr, prefix, ctr, prefix);
	if (containerd_pid > 0) {
		kill(containerd_pid, SIGTERM);
		for (int i = 0; i < 100 && containerd_pid > 0; i++) {
			if (waitpid(containerd_pid, NULL, WNOHANG) == containerd_pid)
				containerd_pid = -1;
			else
				usleep(100 * 1000);
		}
		if (containerd_pid > 0) {
			kill(containerd_pid, SIGKILL);
			waitpid(containerd_pid, NULL, 0);
		}
		containerd_pid = -1;
	}
	/* a shim of ours outlives containerd when the container was not deleted */
	shell(NULL, "for p in $(pgrep -f '[c]ontainerd-shim-runc-v2 -namespace %s '); do kill -9 $p; done; true", prefix);
	/* what containerd 1.6 creates under /run regardless of its config: only when we made it */
	if (!run_cd_existed)
		shell(NULL, "rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc/%s /run/containerd/runc"
			    " /run/containerd 2>/dev/null; true",
		      prefix);
}

/* ctr run --cni: ADD after the task is created; when it exits, ctr deletes the task (and with it
 * the netns) and then calls DEL: railpool must release everything without the netns. */
static void test_ctr_run(void **st)
{
	char path[256], ready[256], go[256], out_path[256], *out;
	pid_t pid;
	int status;
	json_t *l, *x;
	size_t k;
	const char *id0 = NULL;

	(void)st;
	assert_int_equal(leases_held(), 0);
	snprintf(path, sizeof(path), "%s/ctr-run.sh", tmp);
	snprintf(ready, sizeof(ready), "%s/rootfs/tmp/ready", tmp);
	snprintf(go, sizeof(go), "%s/rootfs/tmp/go", tmp);
	snprintf(out_path, sizeof(out_path), "%s/ctr.out", tmp);
	unlink(ready);
	unlink(go);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("timeout", "timeout", "90", "unshare", "-m", "--propagation", "private", "sh", path, (char *)NULL);
		_exit(127);
	}
	if (!wait_for(ready, 90, pid)) {
		out = rpt_read_file(out_path, NULL);
		kill(pid, SIGTERM); /* timeout(1) passes it on to ctr; teardown kills the task */
		waitpid(pid, NULL, 0);
		FAILV(out ? out : "", "ctr run --cni: the container never got ready");
	}
	/* while it runs: one lease per rail, all for the one attachment */
	l = leases();
	assert_int_equal(json_array_size(l), nrails);
	json_array_foreach(l, k, x) {
		const char *id = json_string_value(json_object_get(x, "containerID"));
		assert_non_null(id);
		if (!id0)
			id0 = id;
		assert_string_equal(id, id0);
	}
	printf("ctr's attachment: %s, %zu leases\n", id0, json_array_size(l));
	fflush(stdout);
	assert_non_null(strstr(id0, "c1"));
	json_decref(l);
	write_file(go, "");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	out = rpt_read_file(out_path, NULL);
	assert_non_null(out);
	printf("container %sc1 saw:\n%s", prefix, out);
	fflush(stdout);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		FAILV(out, "ctr run --cni exited with status 0x%x", status);
	assert_container_view(out, NULL);
	free(out);
	/* ctr returns after the DEL */
	assert_node_clean();
}

/* ---- main ---------------------------------------------------------------------------------- */

static char skip_why[1024];

static int group_teardown(void **st);

/* cmocka skips the group teardown when the group setup fails: clean up on every exit path. */
static void cleanup_at_exit(void)
{
	group_teardown(NULL);
}

static int group_setup(void **st)
{
	int rc;

	(void)st;
	atexit(cleanup_at_exit);
	if (!mkdtemp(tmp)) {
		print_message("mkdtemp %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	tmp_made = true;
	if (setup_node())
		return -1;
	rc = !strcmp(runtime, "podman") ? podman_setup(skip_why, sizeof(skip_why)) : ctr_setup(skip_why, sizeof(skip_why));
	if (rc != 77)
		skip_why[0] = '\0';
	return rc ? -1 : 0;
}

static int group_teardown(void **st)
{
	static bool done;

	(void)st;
	if (done)
		return 0;
	done = true;
	if (!strcmp(runtime, "podman"))
		podman_teardown();
	else
		ctr_teardown();
	teardown_node();
	remove_tmp();
	return 0;
}

/* A runtime that cannot run here: its binaries, or a first sign of life. */
static bool runtime_missing(char *why, size_t len)
{
	const char *need_podman[] = { "podman", "runc", "conmon", NULL };
	const char *need_ctr[] = { "ctr", "containerd", "containerd-shim-runc-v2", "runc", NULL };
	const char **need = !strcmp(runtime, "podman") ? need_podman : need_ctr;
	char *out;

	for (int i = 0; need[i]; i++)
		if (shell(&out, "command -v %s", need[i])) {
			snprintf(why, len, "%s not installed", need[i]);
			free(out);
			return true;
		} else {
			free(out);
		}
	if (access("/bin/busybox", X_OK) != 0) {
		snprintf(why, len, "/bin/busybox (busybox-static) not installed");
		return true;
	}
	if (shell(&out, "file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || ! ldd /bin/busybox >/dev/null 2>&1")) {
		snprintf(why, len, "/bin/busybox is not statically linked (need busybox-static)");
		free(out);
		return true;
	}
	free(out);
	if (access("/usr/lib/cni/loopback", X_OK) != 0) {
		snprintf(why, len, "/usr/lib/cni/loopback (containernetworking-plugins) not installed");
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest podman_tests[] = {
		cmocka_unit_test(test_podman_run_once),
		cmocka_unit_test(test_podman_run_rm),
	};
	const struct CMUnitTest ctr_tests[] = {
		cmocka_unit_test(test_ctr_run),
	};
	char why[512];
	int rc;

	if (argc > 1)
		runtime = argv[1];
	if (strcmp(runtime, "podman") && strcmp(runtime, "ctr")) {
		fprintf(stderr, "usage: %s podman|ctr\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: %s: the runtime test needs root (network namespaces, macvlan, containers)\n", runtime);
		return 77;
	}
	if (runtime_missing(why, sizeof(why))) {
		printf("SKIP: %s: %s\n", runtime, why);
		return 77;
	}
	if (getenv("RP_RUNTIME_RAILS")) {
		nrails = (unsigned)atoi(getenv("RP_RUNTIME_RAILS"));
		if (nrails < 1 || nrails > MAX_RAILS)
			nrails = MAX_RAILS;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(prefix, sizeof(prefix), "rpr%d", getpid() % 10000);
	snprintf(net, sizeof(net), "%snet", prefix);
	snprintf(tmp, sizeof(tmp), "/tmp/%s.XXXXXX", prefix);
	snprintf(state, sizeof(state), "/run/railpool-test-%s.shm", prefix);
	snprintf(bindir, sizeof(bindir), "%s", getenv("RP_BIN_DIR") ? getenv("RP_BIN_DIR") : "build/bin");
	snprintf(srcdir, sizeof(srcdir), "%s", getenv("RP_SOURCE_DIR") ? getenv("RP_SOURCE_DIR") : ".");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "node1");
	if (!strcmp(runtime, "ctr")) {
		if_base = "eth";
		if_first = 0;
	}
	if (!strcmp(runtime, "podman"))
		rc = cmocka_run_group_tests_name("runtime_podman", podman_tests, group_setup, group_teardown);
	else
		rc = cmocka_run_group_tests_name("runtime_ctr", ctr_tests, group_setup, group_teardown);
	if (skip_why[0]) {
		printf("SKIP: %s: %s\n", runtime, skip_why);
		return 77;
	}
	return rc;
}
