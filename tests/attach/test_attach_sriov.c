/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SR-IOV rails end to end: the built `railpool` and `railpoolctl`, exec'd as a runtime and an
 * operator would, on a simulated node with 8 PFs eno3np1..eno3np8 (fake sysfs, 12 VFs each whose
 * netdevs are real veth ends) and the seed's SriovNetworkNodePolicy, pools and
 * SpiderMultusConfigs.  The plugin reaches the fake PFs and RDMA devices through the relay of
 * vf/relay.h, served here by sim/nlsrv.h from an in-process recorder, so every PF VF-config and
 * RDMA-netlink message is decoded here attribute by attribute.  The pod is read with `ip -j`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <rdma/rdma_netlink.h>

#include "harness.h"
#include "shm/store_internal.h"
#include "sim/nlrec.h"
#include "sim/nlsrv.h"
#include "sim/node.h"
#include "sim/sysfs.h"

#define NPF 8
#define NVF 12

static struct rp_sim_spec spec;
static char nic_names[NPF][16], host_cidrs[NPF][32], gw_cidrs[NPF][32];
static struct rp_sim_sysfs *sys;
static struct rp_sim_nlrec *rec;
static struct rp_sim_nlsrv *srv;
static char fab_ns[96], shared_state[128], excl_state[128];

/* The VF's netdev as the host had it before any ADD. */
struct vf_orig {
	char name[16];
	char mac[24];
};
static struct vf_orig orig[NPF + 1][NVF];

/* RDMA device moves seen by the relay: device index and the netns inode the fd named. */
struct rdma_move {
	uint32_t dev;
	unsigned long ino;
};
static struct rdma_move moves[512];
static size_t nmoves;

static unsigned long ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* Runs in the relay thread while the plugin waits for the answer: its fd is still open. */
static void relay_hook(const struct nlmsghdr *h, pid_t peer, void *arg)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	char path[64];

	(void)arg;
	if (h->nlmsg_type != RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_SET) ||
	    nlmsg_parse((struct nlmsghdr *)h, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, NULL) < 0 ||
	    !tb[RDMA_NLDEV_NET_NS_FD] || !tb[RDMA_NLDEV_ATTR_DEV_INDEX] || nmoves == RP_ARRAY_SIZE(moves))
		return;
	snprintf(path, sizeof(path), "/proc/%d/fd/%u", (int)peer, nla_get_u32(tb[RDMA_NLDEV_NET_NS_FD]));
	moves[nmoves].dev = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
	moves[nmoves].ino = ino_of(path); /* the namespace the fd names, however it was opened */
	nmoves++;
}

static void set_rdma_mode(int mode)
{
	rp_sim_nlsrv_lock(srv);
	rp_sim_nlrec_set_rdma_mode(rec, mode);
	rp_sim_nlsrv_unlock(srv);
}

/* `ip -j link show` of the node netns as a JSON array. */
static json_t *node_links(void)
{
	char pod[80];

	snprintf(pod, sizeof(pod), "%snode", ht_prefix);
	return ht_ipj(pod, "link show");
}

static void record_orig(void)
{
	json_t *links = node_links();

	for (uint32_t p = 1; p <= NPF; p++)
		for (uint32_t v = 0; v < NVF; v++) {
			json_t *l;
			assert_int_equal(rp_sim_sysfs_vf_netdev(sys, p, v, orig[p][v].name), 0);
			l = ht_find_link(links, orig[p][v].name);
			assert_non_null(l);
			snprintf(orig[p][v].mac, sizeof(orig[p][v].mac), "%s",
				 json_string_value(json_object_get(l, "address")));
		}
	json_decref(links);
}

/* Every VF is in the node netns under its original name, MAC and MTU 1500. */
static void assert_vfs_home(void)
{
	json_t *links = node_links();
	struct rp_err e = { 0 };

	for (uint32_t p = 1; p <= NPF; p++)
		for (uint32_t v = 0; v < NVF; v++) {
			json_t *l = ht_find_link(links, orig[p][v].name);
			if (!l)
				fail_msg("VF %u of PF %u (%s) is not back in the host", v, p, orig[p][v].name);
			assert_string_equal(json_string_value(json_object_get(l, "address")), orig[p][v].mac);
			assert_int_equal(json_integer_value(json_object_get(l, "mtu")), 1500);
		}
	json_decref(links);
	assert_int_equal(rp_sim_sysfs_refresh(sys, &e), 0);
}

static size_t leases_of(const char *pool_prefix)
{
	return ht_leases("vf:", pool_prefix != NULL);
}
#define ip_leases() leases_of(NULL)
#define vf_leases() leases_of("vf:")

/* Nothing of the node is held: every VF home, no address or VF lease in the store. */
static void assert_all_released(void)
{
	assert_vfs_home();
	assert_int_equal(ip_leases(), 0);
	assert_int_equal(vf_leases(), 0);
}

/* The seed's shared-subnet rails: SpiderMultusConfig spiderpool/eno3npN for rail N. */
static char *conf_rails(const char *rail5)
{
	static char buf[4096];
	size_t off = 0;

	off += (size_t)snprintf(buf + off, sizeof(buf) - off,
				"{\"cniVersion\":\"1.0.0\",\"name\":\"sriov-rails\",\"type\":\"railpool\",\"rails\":[");
	for (int i = 1; i <= NPF; i++) {
		if (i == 5 && rail5)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, ",%s", rail5);
		else
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s{\"network\":\"spiderpool/eno3np%d\"}",
						i > 1 ? "," : "", i);
	}
	snprintf(buf + off, sizeof(buf) - off, "]}");
	return buf;
}

static int apply(const char *state_path, const char *const *files, size_t n)
{
	char bin[300], *argv[64], *out = NULL, *env[] = { ht_sysfs_env, NULL };
	size_t a = 0;
	int rc;

	snprintf(bin, sizeof(bin), "%s/railpoolctl", ht_bindir);
	argv[a++] = bin;
	argv[a++] = "--state";
	argv[a++] = (char *)state_path;
	argv[a++] = "--node";
	argv[a++] = "node1";
	argv[a++] = "apply";
	for (size_t i = 0; i < n; i++) {
		argv[a++] = "-f";
		argv[a++] = (char *)files[i];
	}
	argv[a] = NULL;
	rc = ht_run(true, argv, env, NULL, &out);
	if (rc)
		print_message("apply failed: %s\n", out);
	free(out);
	return rc;
}

static int setup(void **st)
{
	struct rp_sim_sysfs_opts so = { 0 };
	struct rp_err e = { 0 };
	char files[NPF][400], f2[4][400];
	const char *fl[NPF], *fl2[4];

	(void)st;
	ht_init("rpv");
	spec.prefix = ht_prefix;
	spec.own_netns = 1;
	spec.nnics = NPF;
	/* The PFs as netdevs too (the sim's PFs are sysfs only): their host addresses are what
	 * matchMasterSubnet compares in the exclusive-subnet scheme (172.16.1.0/27 per rail). */
	for (int i = 0; i < NPF; i++) {
		snprintf(nic_names[i], sizeof(nic_names[i]), "eno3np%d", i + 1);
		snprintf(host_cidrs[i], sizeof(host_cidrs[i]), "172.16.1.%d/27", 32 * i + 30);
		snprintf(gw_cidrs[i], sizeof(gw_cidrs[i]), "172.16.1.%d/27", 32 * i + 1);
		spec.nics[i].name = nic_names[i];
		spec.nics[i].mtu = 9000;
		spec.nics[i].host_cidr[0] = host_cidrs[i];
		spec.nics[i].gw_cidr[0] = gw_cidrs[i];
	}
	rp_sim_down(&spec, &e);
	if (rp_sim_up(&spec, &e)) {
		print_message("sim up: %s\n", e.msg);
		return -1;
	}
	rp_sim_fabric_netns_path(&spec, fab_ns, sizeof(fab_ns));
	if (rp_sim_nlrec_new(&rec))
		return -1;
	so.prefix = ht_prefix;
	so.pf_base = "eno3np";
	so.npfs = NPF;
	so.totalvfs = 127;
	so.numvfs = NVF; /* what the policies' numVfs: 12 provision */
	so.pf_mtu = 9000;
	so.real_netdevs = 1;
	so.rdma = 1;
	so.rec = rec;
	so.node_netns_path = ht_node_ns;
	so.fabric_netns_path = fab_ns;
	if (rp_sim_sysfs_create(&so, &sys, &e)) {
		print_message("sim sysfs: %s\n", e.msg);
		return -1;
	}
	if (rp_sim_nlsrv_start(rec, rp_sim_sysfs_root(sys), relay_hook, NULL, &srv, &e)) {
		print_message("sim relay: %s\n", e.msg);
		return -1;
	}
	snprintf(ht_sysfs_env, sizeof(ht_sysfs_env), "RAILPOOL_SYSFS_ROOT=%s", rp_sim_sysfs_root(sys));
	set_rdma_mode(0); /* exclusive: the seed's configs ask for rdmaIsolation (enableRdma) */
	record_orig();

	snprintf(shared_state, sizeof(shared_state), "%s", ht_state);
	snprintf(excl_state, sizeof(excl_state), "/run/railpool-test-%sx.shm", ht_prefix);
	unlink(shared_state);
	unlink(excl_state);
	for (int i = 0; i < NPF; i++) {
		snprintf(files[i], sizeof(files[i]), "%s/tests/data/sriov-roce-8rail/eno3np%d.yaml", ht_srcdir, i + 1);
		fl[i] = files[i];
	}
	if (apply(shared_state, fl, NPF))
		return -1;
	snprintf(f2[0], sizeof(f2[0]), "%s/tests/data/sriov-roce-exclusive/policies.yaml", ht_srcdir);
	snprintf(f2[1], sizeof(f2[1]), "%s/tests/data/sriov-roce-exclusive/pools-node1.yaml", ht_srcdir);
	snprintf(f2[2], sizeof(f2[2]), "%s/tests/data/sriov-roce-exclusive/pools-node2.yaml", ht_srcdir);
	snprintf(f2[3], sizeof(f2[3]), "%s/tests/data/sriov-roce-exclusive/multus-configs.yaml", ht_srcdir);
	for (int i = 0; i < 4; i++)
		fl2[i] = f2[i];
	return apply(excl_state, fl2, 4) ? -1 : 0;
}

static int teardown(void **st)
{
	struct rp_err e = { 0 };
	char name[32];

	(void)st;
	for (int i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "%sp%d", ht_prefix, i);
		ht_pod_del(name);
	}
	rp_sim_nlsrv_stop(srv);
	rp_sim_sysfs_destroy(sys);
	rp_sim_nlrec_free(rec);
	rp_sim_down(&spec, &e);
	unlink(shared_state);
	unlink(excl_state);
	return 0;
}

/* VF index of PCI address 0000:BB:DD.F as the sim numbers them (DD = 1 + v / 8, F = v % 8). */
static int vf_of_pci(const char *pci, uint32_t *pf, uint32_t *vf)
{
	unsigned bus, dev, fn;

	if (sscanf(pci, "0000:%x:%x.%u", &bus, &dev, &fn) != 3 || bus < 0x86 || dev < 1)
		return -1;
	*pf = bus - 0x86 + 1;
	*vf = (dev - 1) * 8 + fn;
	return 0;
}

/* RDMA device index (as the recorder numbers it) of VF @v of PF @p. */
static uint32_t rdma_index(uint32_t p, uint32_t v)
{
	char dev[32];
	unsigned n;

	assert_int_equal(rp_sim_sysfs_vf_rdma(sys, p, v, dev), 0);
	assert_int_equal(sscanf(dev, "mlx5_%u", &n), 1);
	return n + 1;
}

/*
 * The pod holds rails 1..8 as the sim's VFs: interface i of @result names VF (pf i, some vf) by
 * pciID; inside the pod netN has that VF's MAC (the veth keeps it across the move), MTU @mtu,
 * its address from pool eno3np<i> (172.16.1<i>.x/16), `from <ip> lookup 100+i-1`, and in that table the subnet
 * route and `default via <gw>`.  Fills @vf_used[i] with the VF index.
 */
static void assert_pod_vfs(const char *pod, json_t *result, unsigned mtu, uint32_t vf_used[NPF + 1])
{
	json_t *links = ht_ipj(pod, "addr show"), *rules = ht_ipj(pod, "rule show"), *hl = node_links();
	json_t *ifs = json_object_get(result, "interfaces"), *ips = json_object_get(result, "ips");

	assert_int_equal(json_array_size(ifs), NPF);
	assert_int_equal(json_array_size(ips), NPF);
	for (uint32_t i = 1; i <= NPF; i++) {
		json_t *itf = json_array_get(ifs, i - 1), *l, *ai, *a = NULL, *r;
		const char *pci = json_string_value(json_object_get(itf, "pciID"));
		const char *addr = json_string_value(json_object_get(json_array_get(ips, i - 1), "address"));
		char name[16], ip[48], want[48], *slash, args[64], gw[32], t[8];
		uint32_t p = 0, v = 0;
		bool rule = false;
		size_t k;

		snprintf(name, sizeof(name), "net%u", i);
		assert_non_null(pci);
		assert_int_equal(vf_of_pci(pci, &p, &v), 0);
		assert_int_equal(p, i);
		assert_true(v < NVF);
		vf_used[i] = v;
		assert_string_equal(json_string_value(json_object_get(itf, "name")), name);
		assert_string_equal(json_string_value(json_object_get(itf, "mac")), orig[p][v].mac);
		assert_null(ht_find_link(hl, orig[p][v].name)); /* it left the host */
		l = ht_find_link(links, name);
		assert_non_null(l);
		assert_string_equal(json_string_value(json_object_get(l, "address")), orig[p][v].mac);
		assert_int_equal(json_integer_value(json_object_get(l, "mtu")), mtu);
		assert_string_equal(json_string_value(json_object_get(l, "operstate")), "UP");
		assert_non_null(addr);
		snprintf(ip, sizeof(ip), "%s", addr);
		slash = strchr(ip, '/');
		assert_non_null(slash);
		*slash = '\0';
		snprintf(want, sizeof(want), "172.16.1%u.", i);
		assert_memory_equal(ip, want, strlen(want));
		ai = json_object_get(l, "addr_info");
		json_array_foreach(ai, k, r)
			if (!strcmp(json_string_value(json_object_get(r, "local")), ip))
				a = r;
		assert_non_null(a);
		assert_int_equal(json_integer_value(json_object_get(a, "prefixlen")), 16);
		snprintf(t, sizeof(t), "%u", 100 + i - 1);
		json_array_foreach(rules, k, r) {
			const char *src = json_string_value(json_object_get(r, "src"));
			if (src && !strcmp(src, ip)) {
				assert_string_equal(json_string_value(json_object_get(r, "table")), t);
				assert_int_equal(json_integer_value(json_object_get(r, "priority")), 32700 + i - 1);
				rule = true;
			}
		}
		assert_true(rule);
		snprintf(args, sizeof(args), "route show table %u", 100 + i - 1);
		snprintf(gw, sizeof(gw), "172.16.1%u.254", i);
		{
			json_t *x = ht_ipj(pod, args), *def = NULL;
			json_array_foreach(x, k, r)
				if (!strcmp(json_string_value(json_object_get(r, "dst")), "default"))
					def = r;
			assert_non_null(def);
			assert_string_equal(json_string_value(json_object_get(def, "gateway")), gw);
			assert_string_equal(json_string_value(json_object_get(def, "dev")), name);
			json_decref(x);
		}
	}
	json_decref(links);
	json_decref(rules);
	json_decref(hl);
}

/* `railpoolctl get resources`: 12 allocatable VFs per resource, as the seed's node shows. */
static void test_resources(void **st)
{
	char *out, key[64];
	json_t *j, *alloc, *rows, *row;
	size_t i;
	int sriov = 0;

	(void)st;
	assert_int_equal(ht_ctl(&out, "get", "resources", "-o", "json"), 0);
	j = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(j);
	alloc = json_object_get(j, "allocatable");
	for (int p = 1; p <= NPF; p++) {
		snprintf(key, sizeof(key), "spidernet.io/eno3np%d", p);
		assert_non_null(json_object_get(alloc, key));
		assert_string_equal(json_string_value(json_object_get(alloc, key)), "12");
	}
	rows = json_object_get(j, "resources");
	json_array_foreach(rows, i, row) {
		if (strcmp(json_string_value(json_object_get(row, "kind")), "sriov-vf"))
			continue;
		sriov++;
		assert_int_equal(json_integer_value(json_object_get(row, "present")), NVF);
		assert_int_equal(json_integer_value(json_object_get(row, "free")), NVF);
	}
	assert_int_equal(sriov, NPF);
	json_decref(j);
	assert_int_equal(ht_ctl(&out, "get", "rdma", "-o", "json"), 0);
	j = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(j);
	/* through the relay: the recorder's mode and devices, as RDMA netlink would list them */
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "exclusive");
	assert_int_equal(json_array_size(json_object_get(j, "devices")), NPF * (NVF + 1));
	json_decref(j);
}

/* The RDMA moves recorded since @from: one per rail, VF i's device (rail order) into @ino. */
static void assert_rdma_moves(size_t from, const uint32_t vf_used[NPF + 1], unsigned long ino)
{
	struct rdma_move got[NPF * 2];
	size_t n;

	rp_sim_nlsrv_lock(srv); /* copy, then assert: a failed assert must not keep the lock */
	n = nmoves - from;
	memcpy(got, moves + from, (n < RP_ARRAY_SIZE(got) ? n : RP_ARRAY_SIZE(got)) * sizeof(got[0]));
	rp_sim_nlsrv_unlock(srv);
	assert_int_equal(n, NPF);
	for (uint32_t i = 1; i <= NPF; i++) {
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= got[k].dev == rdma_index(i, vf_used[i]) && got[k].ino == ino;
		if (!seen)
			fail_msg("rail %u: no move of RDMA device %u into netns %lu (first recorded: dev %u netns %lu)", i,
				 rdma_index(i, vf_used[i]), ino, got[0].dev, got[0].ino);
	}
}

/* Decode the last RDMA SET the recorder kept, attribute by attribute. */
static void assert_last_rdma_set(uint32_t dev)
{
	uint8_t buf[256];
	struct nlmsghdr *h = NULL;
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct nlattr *a;
	int rem, nattr = 0;

	rp_sim_nlsrv_lock(srv); /* copy, then assert: a failed assert must not keep the lock */
	for (size_t i = rp_sim_nlrec_count(rec); i-- > 0;) {
		const struct nlmsghdr *m = rp_sim_nlrec_msg(rec, i);
		if (m->nlmsg_type == RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_SET) && m->nlmsg_len <= sizeof(buf)) {
			memcpy(buf, m, m->nlmsg_len);
			h = (struct nlmsghdr *)buf;
			break;
		}
	}
	rp_sim_nlsrv_unlock(srv);
	assert_non_null(h);
	assert_true(h->nlmsg_flags & NLM_F_REQUEST);
	assert_true(h->nlmsg_flags & NLM_F_ACK);
	/* exactly two attributes: DEV_INDEX (u32), NET_NS_FD (u32) */
	nlmsg_for_each_attr(a, h, 0, rem) {
		nattr++;
		assert_true(nla_type(a) == RDMA_NLDEV_ATTR_DEV_INDEX || nla_type(a) == RDMA_NLDEV_NET_NS_FD);
		assert_int_equal(nla_len(a), 4);
	}
	assert_int_equal(nattr, 2);
	assert_true(nlmsg_parse(h, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, NULL) >= 0);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]), dev);
}

/* An 8-rail SR-IOV pod (the shared-subnet scheme): ADD, CHECK, DEL, DEL again. */
static void test_8rail(void **st)
{
	char pod[32], pod_path[96];
	json_t *res = NULL, *res2 = NULL;
	const char *conf = conf_rails(NULL);
	uint32_t used[NPF + 1];
	size_t m0;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp1", ht_prefix);
	snprintf(pod_path, sizeof(pod_path), "/run/netns/%s", pod);
	ht_pod_add(pod, 1);
	m0 = nmoves;
	assert_int_equal(ht_cni("ADD", "c1", pod, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_pod_vfs(pod, res, 1500, used);
	assert_int_equal(ip_leases(), NPF);
	assert_int_equal(vf_leases(), NPF);
	/* enableRdma: each VF's RDMA device went into the pod's netns */
	assert_rdma_moves(m0, used, ino_of(pod_path));
	assert_last_rdma_set(rdma_index(NPF, used[NPF]));
	/* a repeated ADD gives the same answer */
	assert_int_equal(ht_cni("ADD", "c1", pod, "net1", conf, &res2), 0);
	assert_true(json_equal(json_object_get(res, "interfaces"), json_object_get(res2, "interfaces")));
	assert_int_equal(ht_cni("CHECK", "c1", pod, "net1", conf, NULL), 0);
	/* DEL: every VF home with its name, MAC and MTU; RDMA devices back in the node netns */
	m0 = nmoves;
	assert_int_equal(ht_cni("DEL", "c1", pod, "net1", conf, NULL), 0);
	assert_rdma_moves(m0, used, ino_of(ht_node_ns));
	ht_assert_pod_clean(pod);
	assert_all_released();
	assert_int_equal(ht_cni("DEL", "c1", pod, "net1", conf, NULL), 0);
	assert_vfs_home();
	json_decref(res);
	json_decref(res2);
	ht_pod_del(pod);
}

/* The pod netns is deleted before DEL: the kernel hands the VFs back under names of its own
 * (simulated: the veth dies with the netns and comes back renamed); DEL finds them by PCI
 * address and restores name, MAC and MTU. */
static void test_del_netns_gone(void **st)
{
	char pod[32], newname[16];
	json_t *res = NULL;
	const char *conf = conf_rails(NULL);
	uint32_t used[NPF + 1];
	struct rp_err e = { 0 };

	(void)st;
	snprintf(pod, sizeof(pod), "%sp2", ht_prefix);
	ht_pod_add(pod, 2);
	assert_int_equal(ht_cni("ADD", "c2", pod, "net1", conf, &res), 0);
	assert_pod_vfs(pod, res, 1500, used);
	ht_pod_del(pod);
	for (uint32_t i = 1; i <= NPF; i++) {
		snprintf(newname, sizeof(newname), "%.8sr%u", ht_prefix, i % 10);
		int rc;
		/* The netns (and the veth pair in it) dies asynchronously: retry until the old
		 * fabric end is gone. */
		for (int t = 0; (rc = rp_sim_sysfs_vf_respawn(sys, i, used[i], newname, &e)) && t < 200; t++)
			usleep(50 * 1000);
		if (rc)
			fail_msg("respawn: %s", e.msg);
	}
	assert_int_equal(ht_cni("DEL", "c2", pod, "net1", conf, NULL), 0);
	assert_all_released();
	json_decref(res);
}

/* Make every rail of container @cid look as an ADD SIGKILLed after moving its VFs and before
 * its commit leaves them: records and leases RESERVED by a process that is gone (a reaped child's
 * pid).  Direct writes through the store's internals: the kill window itself is too narrow to hit
 * on purpose, its result is exactly this. */
static void abandon_rails(const char *cid)
{
	struct rp_store *s = NULL;
	pid_t pid = fork();
	uint64_t dead;
	int found = 0;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	dead = (uint64_t)pid << PROC_ST_BITS | 4242;
	assert_int_equal(rp_store_open(ht_state, 0, NULL, &s, NULL), 0);
	for (uint32_t rail = 1; rail <= NPF; rail++) {
		char ifname[16];

		snprintf(ifname, sizeof(ifname), "net%u", rail);
		uint64_t key = rp_store_key(cid, ifname);
		uint32_t home = rp_store_home(s, key, rp_store_cid_hash(cid)), i = home;

		for (uint64_t d = 0; d <= atomic_load(&s->owners[home].home_maxd); d++, i = (i + 1) % s->nslots) {
			struct rp_owner_rec *r = &s->owners[i];

			if (atomic_load(&r->key) != key || O_STATE(atomic_load(&r->state)) != O_LIVE)
				continue;
			for (uint32_t j = 0; j < META_N(atomic_load(&r->meta)); j++)
				atomic_store(&s->leases[atomic_load(&r->leases[j])], L_MAKE(L_RESERVED, dead));
			atomic_store(&r->state, O_MAKE(O_RESERVED, dead));
			found++;
		}
	}
	assert_int_equal(found, NPF);
	rp_store_close(s);
}

/* An ADD killed after its VFs went into the pod, before the commit: the runtime's DEL still
 * brings every VF home with its name, MAC and MTU — the saved state is in the dead process's
 * RESERVED records (rp_store_lookup_any) — and frees every lease. */
static void test_del_after_killed_add(void **st)
{
	char pod[32];
	json_t *res = NULL;
	const char *conf = conf_rails(NULL);
	uint32_t used[NPF + 1];

	(void)st;
	snprintf(pod, sizeof(pod), "%sp10", ht_prefix);
	ht_pod_add(pod, 10);
	assert_int_equal(ht_cni("ADD", "k4", pod, "net1", conf, &res), 0);
	assert_pod_vfs(pod, res, 1500, used);
	abandon_rails("k4");
	assert_int_equal(ht_cni("DEL", "k4", pod, "net1", conf, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_all_released();
	json_decref(res);
	ht_pod_del(pod);
}

/* 12 VFs per PF (pods p21..p33: their eth0 peers must not meet ones of earlier pods whose
 * netns is still being torn down by the kernel): 12 pods attach, the 13th is refused (102, naming the resource and 12) and
 * leaves nothing behind. */
static void test_exhaustion(void **st)
{
	char pod[32], cid[16];
	json_t *res = NULL, *hl;
	const char *conf = conf_rails(NULL);
	const char *msg;
	int vfs_in_host = 0;

	(void)st;
	for (int i = 1; i <= NVF + 1; i++) {
		snprintf(pod, sizeof(pod), "%sp%d", ht_prefix, i + 20);
		ht_pod_add(pod, i + 20);
	}
	for (int i = 1; i <= NVF; i++) {
		snprintf(pod, sizeof(pod), "%sp%d", ht_prefix, i + 20);
		snprintf(cid, sizeof(cid), "x%d", i);
		assert_int_equal(ht_cni("ADD", cid, pod, "net1", conf, NULL), 0);
	}
	assert_int_equal(vf_leases(), NPF * NVF);
	snprintf(pod, sizeof(pod), "%sp%d", ht_prefix, NVF + 21);
	assert_int_not_equal(ht_cni("ADD", "x13", pod, "net1", conf, &res), 0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 102);
	msg = json_string_value(json_object_get(res, "msg"));
	assert_non_null(strstr(msg, "spidernet.io/eno3np1"));
	assert_non_null(strstr(msg, "12"));
	ht_assert_pod_clean(pod);
	assert_int_equal(vf_leases(), NPF * NVF);
	assert_int_equal(ip_leases(), NPF * NVF);
	hl = node_links();
	for (uint32_t p = 1; p <= NPF; p++)
		for (uint32_t v = 0; v < NVF; v++)
			vfs_in_host += ht_find_link(hl, orig[p][v].name) != NULL;
	assert_int_equal(vfs_in_host, 0);
	json_decref(hl);
	for (int i = 1; i <= NVF; i++) {
		snprintf(pod, sizeof(pod), "%sp%d", ht_prefix, i + 20);
		snprintf(cid, sizeof(cid), "x%d", i);
		assert_int_equal(ht_cni("DEL", cid, pod, "net1", conf, NULL), 0);
	}
	assert_all_released();
	for (int i = 1; i <= NVF + 1; i++) {
		snprintf(pod, sizeof(pod), "%sp%d", ht_prefix, i + 20);
		ht_pod_del(pod);
	}
	json_decref(res);
}

/* Multus mode: one config per rail, the device plugin's deviceID names the VF; the same VF for a
 * second container is refused with 102. */
static void test_single_rail_device_id(void **st)
{
	char pod[32], pod2[32], c1[512], c2[512], pci[16], links_pod[32];
	json_t *res = NULL, *links;
	uint32_t p = 0, v = 0;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp3", ht_prefix);
	snprintf(pod2, sizeof(pod2), "%sp4", ht_prefix);
	ht_pod_add(pod, 3);
	ht_pod_add(pod2, 4);
	assert_int_equal(rp_sim_sysfs_vf_pci(sys, 3, 7, pci), 0);
	snprintf(c1, sizeof(c1), "{\"cniVersion\":\"1.0.0\",\"name\":\"eno3np3\",\"type\":\"railpool\","
		 "\"deviceID\":\"%s\",\"rails\":[{\"network\":\"spiderpool/eno3np3\"}]}", pci);
	snprintf(c2, sizeof(c2), "{\"cniVersion\":\"1.0.0\",\"name\":\"eno3np3\",\"type\":\"railpool\","
		 "\"runtimeConfig\":{\"deviceID\":\"%s\"},\"rails\":[{\"network\":\"spiderpool/eno3np3\"}]}", pci);
	assert_int_equal(ht_cni("ADD", "s1", pod, "net3", c1, &res), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(res, "interfaces"), 0),
							     "pciID")), pci);
	assert_int_equal(vf_of_pci(pci, &p, &v), 0);
	snprintf(links_pod, sizeof(links_pod), "%s", pod);
	links = ht_ipj(links_pod, "link show");
	assert_non_null(ht_find_link(links, "net3"));
	assert_string_equal(json_string_value(json_object_get(ht_find_link(links, "net3"), "address")),
			    orig[3][7].mac);
	json_decref(links);
	json_decref(res);
	res = NULL;
	assert_int_equal(vf_leases(), 1);
	/* the same VF (runtimeConfig spelling) for another container */
	assert_int_not_equal(ht_cni("ADD", "s2", pod2, "net3", c2, &res), 0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 102);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), pci));
	ht_assert_pod_clean(pod2);
	assert_int_equal(vf_leases(), 1);
	assert_int_equal(ip_leases(), 1);
	assert_int_equal(ht_cni("DEL", "s1", pod, "net3", c1, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_all_released();
	json_decref(res);
	ht_pod_del(pod);
	ht_pod_del(pod2);
}

/* sriov-cni style VF settings on inline rails (spoofchk, trust, link_state, vlan + vlanQoS, mac):
 * the PF's view of the VF (the recorder) holds them while the pod runs, the pod's netdev carries
 * the MAC, and DEL puts every PF setting and the netdev's MAC back. */
static void test_vf_settings(void **st)
{
	struct rp_sim_vf_state before[3][NVF], now;
	char pod[32], conf[1024], mac[24];
	json_t *res = NULL, *links, *ifs;
	uint32_t p, v;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp9", ht_prefix);
	ht_pod_add(pod, 9);
	rp_sim_nlsrv_lock(srv);
	for (p = 1; p <= 2; p++)
		for (v = 0; v < NVF; v++)
			assert_int_equal(rp_sim_nlrec_vf(rec, rp_sim_sysfs_pf_ifindex(sys, p), v, &before[p][v]), 0);
	rp_sim_nlsrv_unlock(srv);
	snprintf(conf, sizeof(conf),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"sriov-settings\",\"type\":\"railpool\",\"rails\":["
		 "{\"cniType\":\"sriov\",\"resourceName\":\"spidernet.io/eno3np1\",\"vlanID\":300,"
		 "\"vlanQoS\":5,\"spoofchk\":\"off\",\"trust\":\"on\",\"link_state\":\"enable\","
		 "\"mac\":\"02:52:50:00:00:01\",\"ippools\":{\"ipv4\":[\"eno3np1\"]}},"
		 "{\"cniType\":\"sriov\",\"resourceName\":\"spidernet.io/eno3np2\",\"link_state\":\"disable\","
		 "\"ippools\":{\"ipv4\":[\"eno3np2\"]}}]}");
	assert_int_equal(ht_cni("ADD", "vs", pod, "net1", conf, &res), 0);
	ifs = json_object_get(res, "interfaces");
	for (unsigned i = 0; i < 2; i++) {
		const char *pci = json_string_value(json_object_get(json_array_get(ifs, i), "pciID"));

		assert_non_null(pci);
		assert_int_equal(vf_of_pci(pci, &p, &v), 0);
		assert_int_equal(p, i + 1);
		rp_sim_nlsrv_lock(srv);
		assert_int_equal(rp_sim_nlrec_vf(rec, rp_sim_sysfs_pf_ifindex(sys, p), v, &now), 0);
		rp_sim_nlsrv_unlock(srv);
		if (i == 0) {
			static const uint8_t want[6] = { 0x02, 0x52, 0x50, 0x00, 0x00, 0x01 };
			assert_int_equal(now.vlan, 300);
			assert_int_equal(now.qos, 5);
			assert_int_equal(now.spoofchk, 0);
			assert_int_equal(now.trust, 1);
			assert_int_equal(now.link_state, 1);
			assert_memory_equal(now.mac, want, 6);
		} else {
			/* only what the rail asked for changes */
			assert_int_equal(now.link_state, 2);
			assert_int_equal(now.vlan, before[p][v].vlan);
			assert_int_equal(now.spoofchk, before[p][v].spoofchk);
			assert_int_equal(now.trust, before[p][v].trust);
		}
	}
	links = ht_ipj(pod, "link show");
	snprintf(mac, sizeof(mac), "%s",
		 json_string_value(json_object_get(ht_find_link(links, "net1"), "address")));
	assert_string_equal(mac, "02:52:50:00:00:01");
	json_decref(links);
	json_decref(res);
	res = NULL;
	/* a bad setting is refused before anything is touched */
	assert_int_not_equal(ht_cni("ADD", "vs2", pod, "net1",
				    "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"type\":\"railpool\",\"rails\":["
				    "{\"cniType\":\"sriov\",\"resourceName\":\"spidernet.io/eno3np3\","
				    "\"trust\":\"yes\",\"ippools\":{\"ipv4\":[\"eno3np3\"]}}]}", &res), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 7);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "rails[0].trust"));
	json_decref(res);
	assert_int_equal(ht_cni("DEL", "vs", pod, "net1", conf, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_vfs_home();
	rp_sim_nlsrv_lock(srv);
	for (p = 1; p <= 2; p++)
		for (v = 0; v < NVF; v++) {
			assert_int_equal(rp_sim_nlrec_vf(rec, rp_sim_sysfs_pf_ifindex(sys, p), v, &now), 0);
			if (memcmp(&now, &before[p][v], sizeof(now)))
				fail_msg("PF %u VF %u: PF-side settings not restored by DEL", p, v);
		}
	rp_sim_nlsrv_unlock(srv);
	assert_int_equal(vf_leases(), 0);
	ht_pod_del(pod);
}

/* Rail 5 asks for an MTU above its PF's (9000): 103 after rails 1-4 were prepared with a VLAN
 * set through their PFs; every VF and every PF setting comes back, no lease survives. */
static void test_fail_rail5_mtu(void **st)
{
	char pod[32], rails[2048];
	json_t *res = NULL;
	size_t off = 0, n0;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp5", ht_prefix);
	ht_pod_add(pod, 5);
	off += (size_t)snprintf(rails + off, sizeof(rails) - off,
				"{\"cniVersion\":\"1.0.0\",\"name\":\"sriov-vlan\",\"type\":\"railpool\",\"rails\":[");
	for (int i = 1; i <= NPF; i++)
		off += (size_t)snprintf(rails + off, sizeof(rails) - off,
					"%s{\"cniType\":\"sriov\",\"resourceName\":\"spidernet.io/eno3np%d\",\"vlanID\":%d,"
					"\"mtu\":%d,\"ippools\":{\"ipv4\":[\"eno3np%d\"]}}",
					i > 1 ? "," : "", i, 100 + i, i == 5 ? 9500 : 4200, i);
	snprintf(rails + off, sizeof(rails) - off, "]}");
	rp_sim_nlsrv_lock(srv);
	n0 = rp_sim_nlrec_count(rec);
	rp_sim_nlsrv_unlock(srv);
	assert_int_not_equal(ht_cni("ADD", "f5", pod, "net1", rails, &res), 0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 103);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "net5"));
	ht_assert_pod_clean(pod);
	assert_all_released();
	/* PF side: rails 1-4 had VLAN 101..104 set, then put back; every VF of every PF reads 0 */
	{
		size_t sets = 0, bad_vlan = 0, n;
		uint8_t *copy[64];

		rp_sim_nlsrv_lock(srv); /* copy, then assert: a failed assert must not keep the lock */
		n = 0;
		for (size_t i = n0; i < rp_sim_nlrec_count(rec) && n < RP_ARRAY_SIZE(copy); i++) {
			const struct nlmsghdr *h = rp_sim_nlrec_msg(rec, i);
			if (h->nlmsg_type != RTM_SETLINK)
				continue;
			copy[n] = malloc(h->nlmsg_len);
			memcpy(copy[n++], h, h->nlmsg_len);
		}
		for (uint32_t p = 1; p <= NPF; p++)
			for (uint32_t v = 0; v < NVF; v++) {
				struct rp_sim_vf_state vs;
				if (rp_sim_nlrec_vf(rec, rp_sim_sysfs_pf_ifindex(sys, p), v, &vs) || vs.vlan)
					bad_vlan++;
			}
		rp_sim_nlsrv_unlock(srv);
		assert_int_equal(bad_vlan, 0);
		for (size_t i = 0; i < n; i++) {
			struct nlmsghdr *h = (struct nlmsghdr *)copy[i];
			struct nlattr *tb[IFLA_MAX + 1], *vtb[IFLA_VF_MAX + 1], *pos;
			int rem;

			assert_true(nlmsg_parse(h, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) >= 0);
			assert_non_null(tb[IFLA_VFINFO_LIST]);
			nla_for_each_nested(pos, tb[IFLA_VFINFO_LIST], rem) {
				const struct ifla_vf_vlan *vl;

				assert_int_equal(nla_type(pos), IFLA_VF_INFO);
				assert_true(nla_parse_nested(vtb, IFLA_VF_MAX, pos, NULL) >= 0);
				assert_non_null(vtb[IFLA_VF_VLAN]);
				assert_int_equal(nla_len(vtb[IFLA_VF_VLAN]), sizeof(struct ifla_vf_vlan));
				vl = nla_data(vtb[IFLA_VF_VLAN]);
				/* applies carry 101..104 (rail i: vlan 100 + i), restores carry 0 */
				assert_true(vl->vlan == 0 || (vl->vlan >= 101 && vl->vlan <= 104));
				sets += vl->vlan != 0;
			}
			free(copy[i]);
		}
		assert_int_equal(n, 8);    /* 4 applied, 4 restored */
		assert_int_equal(sets, 4); /* ... of which 4 set a VLAN */
	}
	json_decref(res);
	ht_pod_del(pod);
}

/* rdmaIsolation needs the exclusive RDMA netns mode: in shared mode ADD fails with 104 naming
 * the command that fixes it, and nothing is left. */
static void test_rdma_mode_wrong(void **st)
{
	char pod[32];
	json_t *res = NULL;

	(void)st;
	snprintf(pod, sizeof(pod), "%sp6", ht_prefix);
	ht_pod_add(pod, 6);
	set_rdma_mode(1);
	assert_int_not_equal(ht_cni("ADD", "r6", pod, "net1", conf_rails(NULL), &res), 0);
	set_rdma_mode(0);
	assert_non_null(res);
	assert_int_equal(json_integer_value(json_object_get(res, "code")), 104);
	assert_non_null(strstr(json_string_value(json_object_get(res, "msg")), "rdma system set netns exclusive"));
	ht_assert_pod_clean(pod);
	assert_all_released();
	json_decref(res);
	ht_pod_del(pod);
}

/* The exclusive-subnet scheme (wildcard pools, matchMasterSubnet, corrected ranges): rail i's
 * address comes from eno3np<i>-rail<i>-node1 because PF eno3np<i> holds 172.16.1.<32(i-1)+30>/27;
 * MTU 4200 (below the PFs' 9000), the pool's route 172.16.0.0/16 in the main table. */
static void test_exclusive_scheme(void **st)
{
	char pod[32], conf[2048];
	json_t *res = NULL, *main_rt, *r;
	size_t off = 0, k;
	int via = 0;

	(void)st;
	snprintf(ht_state, sizeof(ht_state), "%s", excl_state);
	snprintf(pod, sizeof(pod), "%sp7", ht_prefix);
	ht_pod_add(pod, 7);
	off += (size_t)snprintf(conf + off, sizeof(conf) - off,
				"{\"cniVersion\":\"1.0.0\",\"name\":\"sriov-excl\",\"type\":\"railpool\",\"rails\":[");
	for (int i = 1; i <= NPF; i++)
		off += (size_t)snprintf(conf + off, sizeof(conf) - off, "%s{\"network\":\"kube-system/sriov-eno3np%d\"}",
					i > 1 ? "," : "", i);
	snprintf(conf + off, sizeof(conf) - off, "]}");
	assert_int_equal(ht_cni("ADD", "e7", pod, "net1", conf, &res), 0);
	{
		json_t *ips = json_object_get(res, "ips");
		for (unsigned i = 1; i <= NPF; i++) {
			const char *a = json_string_value(json_object_get(json_array_get(ips, i - 1), "address"));
			unsigned o1, o2, o3, o4, pl;
			assert_int_equal(sscanf(a, "%u.%u.%u.%u/%u", &o1, &o2, &o3, &o4, &pl), 5);
			assert_true(o1 == 172 && o2 == 16 && o3 == 1 && pl == 27);
			assert_true(o4 >= 32 * (i - 1) + 2 && o4 <= 32 * (i - 1) + 30);
		}
	}
	{
		json_t *links = ht_ipj(pod, "link show");
		for (unsigned i = 1; i <= NPF; i++) {
			char nm[16];
			snprintf(nm, sizeof(nm), "net%u", i);
			assert_non_null(ht_find_link(links, nm));
			assert_int_equal(json_integer_value(json_object_get(ht_find_link(links, nm), "mtu")), 4200);
		}
		json_decref(links);
	}
	main_rt = ht_ipj(pod, "route show table main");
	/* the pools' route 172.16.0.0/16 once, through rail 1's gateway (the first rail wins) */
	json_array_foreach(main_rt, k, r)
		if (!strcmp(json_string_value(json_object_get(r, "dst")), "172.16.0.0/16")) {
			via++;
			assert_string_equal(json_string_value(json_object_get(r, "gateway")), "172.16.1.1");
			assert_string_equal(json_string_value(json_object_get(r, "dev")), "net1");
		}
	assert_int_equal(via, 1);
	json_decref(main_rt);
	assert_int_equal(ht_cni("CHECK", "e7", pod, "net1", conf, NULL), 0);
	assert_int_equal(ht_cni("DEL", "e7", pod, "net1", conf, NULL), 0);
	ht_assert_pod_clean(pod);
	assert_all_released();
	json_decref(res);
	ht_pod_del(pod);
	snprintf(ht_state, sizeof(ht_state), "%s", shared_state);
}

/* CNI GC with the pod no longer among the valid attachments: its VFs come home before their
 * slots are freed (the pod netns still exists: GC takes them from there). */
static void test_gc(void **st)
{
	char pod[32], conf11[4096], gc[4200];
	const char *conf = conf_rails(NULL);

	(void)st;
	snprintf(pod, sizeof(pod), "%sp8", ht_prefix);
	ht_pod_add(pod, 8);
	snprintf(conf11, sizeof(conf11), "%s", conf);
	memcpy(strstr(conf11, "1.0.0"), "1.1.0", 5);
	assert_int_equal(ht_cni("ADD", "g8", pod, "net1", conf11, NULL), 0);
	assert_int_equal(vf_leases(), NPF);
	/* valid-attachments lists another container only */
	snprintf(gc, sizeof(gc), "%.*s,\"cni.dev/valid-attachments\":[{\"containerID\":\"other\",\"ifname\":\"net1\"}]}",
		 (int)strlen(conf11) - 1, conf11);
	assert_int_equal(ht_cni("GC", "", "", "net1", gc, NULL), 0);
	assert_int_equal(vf_leases(), 0);
	assert_int_equal(ip_leases(), 0);
	{
		json_t *links = ht_ipj(pod, "link show");
		assert_null(ht_find_link(links, "net1"));
		assert_null(ht_find_link(links, "net8"));
		json_decref(links);
	}
	assert_vfs_home();
	ht_pod_del(pod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_8rail),
		cmocka_unit_test(test_del_netns_gone),
		cmocka_unit_test(test_del_after_killed_add),
		cmocka_unit_test(test_single_rail_device_id),
		cmocka_unit_test(test_fail_rail5_mtu),
		cmocka_unit_test(test_vf_settings),
		cmocka_unit_test(test_rdma_mode_wrong),
		cmocka_unit_test(test_gc),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_exclusive_scheme),
	};

	if (geteuid() != 0) {
		printf("SKIP: the SR-IOV rails test needs root (network namespaces, veth moves)\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("attach_sriov", tests, setup, teardown);
}
