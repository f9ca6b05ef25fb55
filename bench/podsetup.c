/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pod network setup at scale (issue 6): real CNI ADD/DEL of the built plugin, spawned as a
 * runtime does (env + config on stdin, inside the node's network namespace), on a simulated
 * 8-NIC node, against the Multus-style path a user has today: per pod, R sequential invocations
 * of the reference macvlan plugin with host-local IPAM (Debian's containernetworking-plugins),
 * one config per rail.  Same node, same pods, same P, R, C, in the same run.
 *
 *   build-rel/bin/bench_podsetup [-p PODS] [-r RAILS] [-c 1,2,8] [-m burst,churn] [-o table|json]
 *                                [--no-ref] [--railpool PATH] [--railpoolctl PATH] [--cni-dir DIR]
 *                                [--data DIR] [--alt PATH]
 *
 * Modes (default churn; -m burst,churn for both): burst = ADD every pod, then DEL every pod;
 * churn = ADD P/2 pods, then one ADD of a new pod for every DEL of the oldest (about P/2 attached
 * throughout), then DEL the rest.  Pod namespaces are created before and deleted after each run
 * (not timed); container IDs are unique per run; each railpool run gets a freshly applied store.
 * Each timed operation is spawn (clone with CLONE_VM|CLONE_VFORK, as the Go runtimes of containerd
 * and CRI-O do) -> setns(node) -> exec -> wait4 of the whole plugin process (for
 * the reference: all R processes of one pod, one after the other, in reverse order on DEL).
 * The seed pools hold 200 addresses per rail; for P > 200 both sides get the same extra range.
 *
 * Reported per run: p50/p90/p99/max of ADD and DEL, pods/s (P over the run's wall time), the
 * store footprint (st_blocks*512 of the store file; host-local: its dataDir), the plugin's peak
 * RSS (wait4), and once per plugin the netlink send calls of one pod's ADD and DEL on one extra,
 * untimed pod: railpool counts its own (RAILPOOL_NL_STATS=1: sendmsg calls, namespace sockets,
 * the most through one socket, receive calls), the reference is counted with strace -f; then the
 * railpool/reference ratios and one summary line per run.  -o json prints the same as JSON.
 * Floors, measured once per invocation: the exec of a static binary that does nothing, timed as
 * the plugins are (spawn, setns, exec, wait4), and the kernel's own cost of one rail: one macvlan
 * created inside a pod namespace and one deleted, each a lone netlink request from this process.
 *
 * Checks after every run: every ADD and DEL succeeded, every ADD result held R addresses (the
 * reference: 1 per call), no address was held by two pods at once, no lease left (railpoolctl
 * get leases -o json; host-local: no lease file left in its dataDir), no link left in the node
 * or in any pod.  Exit 1 when a check fails.
 * --alt PATH: an A/B of two railpool builds within one run (both must read the same store
 * format): odd pods use PATH, even pods --railpool, so both see the same machine minute by
 * minute (on the shared test VM the same run's p50 moves by up to ±25 % within minutes, more
 * than most changes are worth); an `alt:` line (table output) gives each half's ADD and DEL p50
 * (wall and CPU) and their ratio, while the usual lines and checks cover both halves together.
 * Root only.  Everything it creates carries the prefix "rpb<pid>" and is removed on exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netlink/nl.h"
#include "sim/node.h"
#include "tests/common/exec.h"
#include "tests/common/node.h"

#define MAX_RAILS 8
#define MAX_CONC 64
#define SEED_IPS 200 /* addresses per rail in the seed manifests */

enum { PLUG_RAILPOOL, PLUG_REF };
enum { MODE_BURST, MODE_CHURN };
static const char *const plug_name[] = {"railpool", "macvlan+host-local"};
static const char *const mode_name[] = {"burst", "churn"};

/* ---- options and global state (setup code: main thread only unless noted) ---------------- */

static int npods = 1000, nrails = 8, json_out, no_ref;
static int concs[8] = {2}, nconcs = 1;
static int modes[2] = {MODE_CHURN}, nmodes = 1;
static char rp_path[PATH_MAX], alt_path[PATH_MAX], ctl_path[PATH_MAX], cni_dir[PATH_MAX] = "/usr/lib/cni", data_dir[PATH_MAX];

static char prefix[RP_SIM_PREFIX_MAX + 1];
static char dir[256];            /* temp dir on tmpfs: store, configs, host-local data */
static char store_path[300], rp_conf[300], ref_conf[MAX_RAILS][300], hl_dir[300];
static struct rpt_seed_node seed; /* the node's spec and its NICs' names */
static int sim_is_up, node_fd = -1, devnull = -1;
static int pods_made;            /* pod namespaces 0..pods_made-1 exist */
static volatile sig_atomic_t stop;
static int ctl_quiet;
static int apply_store(int seq);

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pod_netns(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%sp%d", prefix, i);
}

/* ---- one plugin process ------------------------------------------------------------------ */

static const char *strace_out; /* set: run plugins under strace (syscall counts, not timed) */
static const char *stats_out;  /* set: railpool reports its netlink counters (stderr to this file) */
/* Set (single-threaded, untimed) to spawn with fork: the only way to read a plugin's own peak
 * RSS, since a CLONE_VM child's exec charges the spawner's high-water mark to it. */
static int spawn_fork;

/* What the spawned child does before exec: runs on its own stack in the parent's memory
 * (CLONE_VM), the parent suspended until the exec (CLONE_VFORK), so only raw syscalls here. */
struct spawn {
	int in, out, err;
	const char *path;
	char *const *argv, *const *envp;
};

static int spawn_child(void *arg)
{
	const struct spawn *s = arg;

	if (setns(node_fd, CLONE_NEWNET) < 0 || dup2(s->in, 0) < 0 || dup2(s->out, 1) < 0 || dup2(s->err, 2) < 0)
		_exit(126);
	execve(s->path, s->argv, s->envp);
	_exit(127);
}

/*
 * Spawn (clone with CLONE_VM|CLONE_VFORK, as the Go runtimes of containerd and CRI-O start CNI
 * plugins: no copy of this process's page tables), enter the node namespace, exec @path with
 * @envp and @conf on stdin; collect stdout into @out (NUL-terminated, truncated to @outlen).
 * Returns the exit status (-1: did not run); adds the child's CPU time (user + system, wait4:
 * with the children it waited for, i.e. host-local under macvlan) to *@cpu_ns; with spawn_fork,
 * raises *@rss_kb to the child's peak RSS (the same way).  Thread-safe: every fd is
 * O_CLOEXEC so a concurrent child cannot hold our pipe open.
 * Deliberately not tests/common's rpt_exec_run: each call is a timed operation (and the exec
 * floor is timed through it), and the harness would add work inside that window: it forks, opens
 * and closes the node's netns file per call (here: node_fd, opened once), callocs the env array,
 * polls two streams and grows a malloc'd capture instead of reading into the caller's buffer.
 * Nor can it send stderr to a file (stats_out).
 */
static int run_cni(const char *path, char *const envp[], const char *conf, char *out, size_t outlen,
		   long *rss_kb, uint64_t *cpu_ns)
{
	char *argv[] = {(char *)path, NULL};
	char *sargv[] = {"/usr/bin/strace", "-f", "-qq", "-yy", "-A", "-e", "trace=sendmsg,sendto,sendmmsg", "-o",
			 (char *)strace_out, (char *)path, NULL};
	alignas(16) char stack[16384];
	struct spawn sp = {.path = strace_out ? sargv[0] : path, .argv = strace_out ? sargv : argv, .envp = envp};
	struct rusage ru;
	int pfd[2], st, ret = -1;
	size_t got = 0;
	pid_t pid;

	sp.err = devnull;
	sp.in = open(conf, O_RDONLY | O_CLOEXEC);
	if (sp.in < 0)
		return -1;
	if (stats_out && (sp.err = open(stats_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		close(sp.in);
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		close(sp.in);
		if (sp.err != devnull)
			close(sp.err);
		return -1;
	}
	sp.out = pfd[1];
	if (spawn_fork) {
		pid = fork();
		if (pid == 0)
			spawn_child(&sp);
	} else {
		pid = clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &sp);
	}
	close(pfd[1]);
	close(sp.in);
	if (sp.err != devnull)
		close(sp.err);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	for (;;) {
		char sink[4096];
		char *dst = got + 1 < outlen ? out + got : sink;
		size_t room = got + 1 < outlen ? outlen - 1 - got : sizeof(sink);
		ssize_t n = read(pfd[0], dst, room);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != sink)
			got += (size_t)n;
	}
	out[got < outlen ? got : outlen - 1] = '\0';
	close(pfd[0]);
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (spawn_fork && ru.ru_maxrss > *rss_kb)
		*rss_kb = ru.ru_maxrss;
	*cpu_ns += (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
		   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
	if (WIFEXITED(st))
		ret = WEXITSTATUS(st);
	return ret;
}

/* ---- a run: one plugin, one mode, one concurrency ---------------------------------------- */

struct op {
	int pod;
	int del;
};

enum { POD_PENDING, POD_ADDED, POD_FAILED };

struct pod {
	_Atomic int state;
	int naddr;
	uint32_t addr[MAX_RAILS * 2];
};

struct run {
	int plugin, mode, conc, seq;
	/* shared with workers */
	struct op *ops;
	int nops;
	atomic_int next;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pod *pods;
	int32_t *owner;      /* 65536: which pod (+1) holds 172.16.x.y now; under mu */
	uint64_t *add_ns, *del_ns, *add_cpu, *del_cpu; /* wall and CPU time, by pod (0: not run) */
	atomic_int nadd, ndel;
	atomic_int failures, dups, bad_results;
	atomic_long rss_kb;
	char first_err[512]; /* under mu */
	/* results */
	double wall_s, add_wall_s, del_wall_s;
	long store_peak, store_end;
	int leases_left, node_links_left, pod_links_left;
};

static void note_failure(struct run *r, const char *what, int pod, int st, const char *out)
{
	atomic_fetch_add(&r->failures, 1);
	pthread_mutex_lock(&r->mu);
	if (!r->first_err[0])
		snprintf(r->first_err, sizeof(r->first_err), "%s pod %d: exit %d: %.400s", what, pod, st, out);
	pthread_mutex_unlock(&r->mu);
}

/* Record the addresses of one ADD result (@want of them); count any address another live pod
 * holds. */
static void take_addrs(struct run *r, int pod, const char *out, size_t want)
{
	json_t *root = json_loads(out, 0, NULL), *ips = root ? json_object_get(root, "ips") : NULL, *ip;
	struct pod *p = &r->pods[pod];
	size_t i;

	if (!json_is_array(ips) || json_array_size(ips) != want) {
		atomic_fetch_add(&r->bad_results, 1);
		json_decref(root);
		return;
	}
	pthread_mutex_lock(&r->mu);
	json_array_foreach(ips, i, ip) {
		const char *a = json_string_value(json_object_get(ip, "address"));
		char buf[64], *slash;
		struct in_addr in;
		uint32_t h;

		if (!a || strlen(a) >= sizeof(buf)) {
			atomic_fetch_add(&r->bad_results, 1);
			continue;
		}
		strcpy(buf, a);
		if ((slash = strchr(buf, '/')))
			*slash = '\0';
		if (inet_pton(AF_INET, buf, &in) != 1 || ((h = ntohl(in.s_addr)) >> 16) != 0xac10 ||
		    p->naddr >= (int)(sizeof(p->addr) / sizeof(p->addr[0]))) {
			atomic_fetch_add(&r->bad_results, 1);
			continue;
		}
		if (r->owner[h & 0xffff])
			atomic_fetch_add(&r->dups, 1);
		else
			r->owner[h & 0xffff] = pod + 1;
		p->addr[p->naddr++] = h;
	}
	pthread_mutex_unlock(&r->mu);
	json_decref(root);
}

static void drop_addrs(struct run *r, int pod)
{
	struct pod *p = &r->pods[pod];

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < p->naddr; i++)
		if (r->owner[p->addr[i] & 0xffff] == pod + 1)
			r->owner[p->addr[i] & 0xffff] = 0;
	p->naddr = 0;
	pthread_mutex_unlock(&r->mu);
}

/* One pod's ADD or DEL as the runtime sees it; returns 0 when every process exited 0. */
static int pod_op(struct run *r, int pod, int del, char *out, size_t outlen, uint64_t *cpu_ns)
{
	char e_cmd[32], e_cid[64], e_ns[128], e_if[32], e_path[PATH_MAX + 16], e_state[340], ns[64];
	char *envp[] = {e_cmd, e_cid, e_ns, e_if, e_path, e_state, "RAILPOOL_NODE=node1", "PATH=/usr/bin:/bin",
			stats_out ? "RAILPOOL_NL_STATS=1" : NULL, NULL};
	long rss = 0;
	int st = 0;

	pod_netns(pod, ns, sizeof(ns));
	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", del ? "DEL" : "ADD");
	/* unique per run, as a runtime's IDs are */
	snprintf(e_cid, sizeof(e_cid), "CNI_CONTAINERID=%s-r%d-%d", prefix, r->seq, pod);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=/run/netns/%s", ns);
	if (r->plugin == PLUG_RAILPOOL) {
		snprintf(e_if, sizeof(e_if), "CNI_IFNAME=net1");
		snprintf(e_path, sizeof(e_path), "CNI_PATH=%s", cni_dir);
		snprintf(e_state, sizeof(e_state), "RAILPOOL_STATE=%s", store_path);
		st = run_cni(alt_path[0] && (pod & 1) ? alt_path : rp_path, envp, rp_conf, out, outlen, &rss, cpu_ns);
		if (st != 0)
			note_failure(r, del ? "railpool DEL" : "railpool ADD", pod, st, out);
		else if (!del)
			take_addrs(r, pod, out, (size_t)nrails);
	} else {
		char mv[PATH_MAX + 16];

		snprintf(mv, sizeof(mv), "%s/macvlan", cni_dir);
		snprintf(e_path, sizeof(e_path), "CNI_PATH=%s", cni_dir);
		snprintf(e_state, sizeof(e_state), "RP_BENCH=1");
		/* Multus calls the delegates in order on ADD and in reverse order on DEL. */
		for (int k = 0; k < nrails; k++) {
			int rail = del ? nrails - 1 - k : k, s;

			snprintf(e_if, sizeof(e_if), "CNI_IFNAME=net%d", rail + 1);
			s = run_cni(mv, envp, ref_conf[rail], out, outlen, &rss, cpu_ns);
			if (s != 0) {
				note_failure(r, del ? "macvlan DEL" : "macvlan ADD", pod, s, out);
				st = s;
			} else if (!del) {
				take_addrs(r, pod, out, 1);
			}
		}
	}
	if (rss > atomic_load(&r->rss_kb))
		atomic_store(&r->rss_kb, rss); /* a lost race only under-reports by one sample */
	return st;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	char out[16384];

	for (;;) {
		int i = atomic_fetch_add(&r->next, 1);
		const struct op *o;
		uint64_t t0;

		if (i >= r->nops || stop)
			return NULL;
		o = &r->ops[i];
		if (o->del) {
			/* churn: never DEL a pod whose ADD another worker still runs */
			pthread_mutex_lock(&r->mu);
			while (atomic_load(&r->pods[o->pod].state) == POD_PENDING)
				pthread_cond_wait(&r->cv, &r->mu);
			pthread_mutex_unlock(&r->mu);
		}
		uint64_t cpu = 0;
		t0 = now_ns();
		int st = pod_op(r, o->pod, o->del, out, sizeof(out), &cpu);
		uint64_t dt = now_ns() - t0;
		if (o->del) {
			atomic_fetch_add(&r->ndel, 1);
			r->del_ns[o->pod] = dt;
			r->del_cpu[o->pod] = cpu;
			drop_addrs(r, o->pod);
		} else {
			atomic_fetch_add(&r->nadd, 1);
			r->add_ns[o->pod] = dt;
			r->add_cpu[o->pod] = cpu;
			pthread_mutex_lock(&r->mu);
			atomic_store(&r->pods[o->pod].state, st == 0 ? POD_ADDED : POD_FAILED);
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
		}
	}
}

static long store_bytes(void)
{
	struct stat sb;

	if (stat(store_path, &sb) < 0)
		return -1;
	return (long)sb.st_blocks * 512;
}

static long hl_bytes_acc;
static int hl_leases_acc;
static int hl_walk(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	const char *base = p + f->base;

	hl_bytes_acc += (long)sb->st_blocks * 512;
	/* host-local keeps one file per address, plus "lock" and "last_reserved_ip.N" */
	if (flag == FTW_F && strcmp(base, "lock") && strncmp(base, "last_reserved_ip", 16))
		hl_leases_acc++;
	return 0;
}

/* The reference's "store": its dataDir (bytes on tmpfs, lease files). */
static long ref_footprint(int *leases)
{
	hl_bytes_acc = 0;
	hl_leases_acc = 0;
	nftw(hl_dir, hl_walk, 16, FTW_PHYS);
	if (leases)
		*leases = hl_leases_acc;
	return hl_bytes_acc;
}

static long footprint(int plugin)
{
	return plugin == PLUG_RAILPOOL ? store_bytes() : ref_footprint(NULL);
}

static void sample_footprint(struct run *r)
{
	long fp = footprint(r->plugin);

	if (fp > r->store_peak)
		r->store_peak = fp;
}

static void progress(const struct run *r, const char *label, int done, uint64_t dt, int tty)
{
	fprintf(stderr, "%s%-18s %-5s C=%d %-4s %6d/%d ops  %6.1fs  failures %d%s", tty ? "\r" : "",
		plug_name[r->plugin], mode_name[r->mode], r->conc, label, done, npods * 2, (double)dt / 1e9,
		atomic_load(&r->failures), tty ? "   " : "\n");
}

/* Execute ops [from, to) with @r->conc workers; progress on stderr from this thread. */
static int run_phase(struct run *r, int from, int to, const char *label)
{
	pthread_t th[MAX_CONC];
	int n = 0;
	uint64_t t0 = now_ns(), last = 0;
	int tty = isatty(2);

	atomic_store(&r->next, from);
	r->nops = to;
	for (; n < r->conc; n++)
		if (pthread_create(&th[n], NULL, worker, r))
			break;
	if (n == 0)
		return -EAGAIN;
	for (int tick = 0;; tick++) {
		int done = atomic_load(&r->nadd) + atomic_load(&r->ndel), fin = atomic_load(&r->next) >= to || stop;
		uint64_t t = now_ns();

		/* sample the footprint twice a second: walking host-local's dataDir is not free */
		if (tick % 5 == 0)
			sample_footprint(r);
		if (fin)
			break;
		if (t - last > (tty ? 500000000ull : 10000000000ull)) {
			progress(r, label, done, t - t0, tty);
			last = t;
		}
		usleep(100000);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	sample_footprint(r);
	progress(r, label, atomic_load(&r->nadd) + atomic_load(&r->ndel), now_ns() - t0, tty);
	return 0;
}

/* Links in the namespace open at @fd other than lo and @keep, counted in a child (setns). */
static int count_links(int fd, int keep_nics)
{
	struct if_nameindex *ifs, *it;
	int n = 0;

	if (setns(fd, CLONE_NEWNET) < 0)
		return -1;
	ifs = if_nameindex();
	if (!ifs)
		return -1;
	for (it = ifs; it->if_index; it++) {
		int skip = !strcmp(it->if_name, "lo");

		for (int k = 0; keep_nics && k < (int)seed.spec.nnics; k++)
			skip |= !strcmp(it->if_name, seed.names[k]);
		n += !skip;
	}
	if_freenameindex(ifs);
	return n;
}

/* Leftover links: in the node (beyond lo + the NICs) and in every pod (beyond lo). */
static int leftover_links(int *node_left, int *pods_left)
{
	int pfd[2], v[2] = {-1, -1};
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		char ns[64], path[128];
		int res[2] = {count_links(node_fd, 1), 0};

		for (int i = 0; i < pods_made; i++) {
			int fd, c;

			pod_netns(i, ns, sizeof(ns));
			snprintf(path, sizeof(path), "/run/netns/%s", ns);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			c = fd < 0 ? -1 : count_links(fd, 0);
			res[1] += c < 0 ? 1000 : c;
			if (fd >= 0)
				close(fd);
		}
		_exit(write(pfd[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid > 0) {
		if (read(pfd[0], v, sizeof(v)) != sizeof(v))
			v[0] = v[1] = -1;
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
	*node_left = v[0];
	*pods_left = v[1];
	return 0;
}

/* railpoolctl ...; its stdout parsed into *@json when @json (NULL: not JSON), else discarded.
 * Returns the exit status (-1: did not run or was killed).  Not timed. */
static int ctl(json_t **json, char *const args[])
{
	const char *argv[32];
	struct rpt_exec x = {.argv = argv, .env_inherit = true, .out = json ? RPT_CAPTURE : RPT_DISCARD,
			     .err = ctl_quiet ? RPT_DISCARD : RPT_INHERIT, .parse_json = json != NULL};
	struct rpt_run r;
	int n = 0, ret;

	argv[n++] = ctl_path;
	argv[n++] = "--state";
	argv[n++] = store_path;
	argv[n++] = "--node";
	argv[n++] = "node1";
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (json)
		*json = NULL;
	if (rpt_exec_run(&x, &r))
		return -1;
	ret = r.signaled ? -1 : r.status;
	if (json) {
		*json = r.json;
		r.json = NULL;
	}
	rpt_run_free(&r);
	return ret;
}

static int leases_held(void)
{
	char *args[] = {"get", "leases", "-o", "json", NULL};
	json_t *root, *arr;
	int n = -1;

	if (ctl(&root, args) != 0) {
		json_decref(root);
		return -1;
	}
	arr = json_is_array(root) ? root : json_object_get(root, "leases");
	if (json_is_array(arr))
		n = (int)json_array_size(arr);
	json_decref(root);
	return n;
}

static int make_pods(void)
{
	struct rp_err e = {0};
	char ns[64], path[128];

	for (; pods_made < npods; pods_made++) {
		pod_netns(pods_made, ns, sizeof(ns));
		if (rp_sim_netns_add(ns, &e)) {
			fprintf(stderr, "pod netns %s: %s\n", ns, e.msg);
			return -1;
		}
		/* the bind mount keeps it alive; do not hold a socket (and two fds) per pod */
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		rp_nl_sock_forget(path);
	}
	return 0;
}

static void del_pods(void)
{
	char ns[64], path[128];

	while (pods_made > 0) {
		pods_made--;
		pod_netns(pods_made, ns, sizeof(ns));
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		rp_nl_sock_forget(path);
		rp_sim_netns_del(ns, NULL);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct pct {
	double p50, p90, p99, max, mean; /* ms */
	int n;
};

static struct pct percentiles(uint64_t *v, int n)
{
	struct pct p = {.n = n};
	double sum = 0;

	if (n <= 0)
		return p;
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	for (int i = 0; i < n; i++)
		sum += (double)v[i];
	/* nearest rank */
	p.p50 = (double)v[(n - 1) * 50 / 100] / 1e6;
	p.p90 = (double)v[(n - 1) * 90 / 100] / 1e6;
	p.p99 = (double)v[(n - 1) * 99 / 100] / 1e6;
	p.max = (double)v[n - 1] / 1e6;
	p.mean = sum / n / 1e6;
	return p;
}

/* Percentiles of @v (by pod) over the pods whose @ran entry (a wall time, never 0) is set: all of
 * them (@parity -1), or the even or odd ones (--alt's two builds). */
static struct pct pct_pods(const uint64_t *v, const uint64_t *ran, int parity)
{
	uint64_t *w = malloc((size_t)npods * sizeof(*w));
	struct pct p = {0};
	int n = 0;

	if (!w)
		return p;
	for (int i = 0; i < npods; i++)
		if (ran[i] && (parity < 0 || i % 2 == parity))
			w[n++] = v[i];
	p = percentiles(w, n);
	free(w);
	return p;
}

struct result {
	int plugin, mode, conc;
	struct pct add, del, add_cpu, del_cpu;
	struct pct alt[2][4]; /* --alt: [even pods (--railpool), odd pods (--alt)][ADD, ADD CPU, DEL, DEL CPU] */
	double wall_s, add_wall_s, del_wall_s, pods_per_s;
	long store_peak, store_end, rss_kb;
	int failures, dups, bad_results, leases_left, node_links_left, pod_links_left;
	char first_err[512];
	int ok;
};

static int do_run(int plugin, int mode, int conc, struct result *res)
{
	static int seq;
	struct run r = {.plugin = plugin, .mode = mode, .conc = conc, .seq = seq++};
	int half = npods / 2, n = 0, ret = -ENOMEM;
	uint64_t t0, t1;

	memset(res, 0, sizeof(*res));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	r.ops = calloc((size_t)npods * 2, sizeof(*r.ops));
	r.pods = calloc((size_t)npods, sizeof(*r.pods));
	r.owner = calloc(65536, sizeof(*r.owner));
	r.add_ns = calloc((size_t)npods, sizeof(*r.add_ns));
	r.del_ns = calloc((size_t)npods, sizeof(*r.del_ns));
	r.add_cpu = calloc((size_t)npods, sizeof(*r.add_cpu));
	r.del_cpu = calloc((size_t)npods, sizeof(*r.del_cpu));
	if (!r.ops || !r.pods || !r.owner || !r.add_ns || !r.del_ns || !r.add_cpu || !r.del_cpu)
		goto out;
	if ((ret = make_pods()) || (plugin == PLUG_RAILPOOL && r.seq > 0 && (ret = apply_store(r.seq))))
		goto out;
	if (mode == MODE_BURST) {
		for (int i = 0; i < npods; i++)
			r.ops[n++] = (struct op){i, 0};
		for (int i = 0; i < npods; i++)
			r.ops[n++] = (struct op){i, 1};
		t0 = now_ns();
		run_phase(&r, 0, npods, "up");
		t1 = now_ns();
		run_phase(&r, npods, 2 * npods, "down");
		r.add_wall_s = (double)(t1 - t0) / 1e9;
		r.del_wall_s = (double)(now_ns() - t1) / 1e9;
		r.wall_s = r.add_wall_s + r.del_wall_s;
	} else {
		/* ADD 0..half-1; then ADD i, DEL i-half; then DEL the last half */
		for (int i = 0; i < half; i++)
			r.ops[n++] = (struct op){i, 0};
		for (int i = half; i < npods; i++) {
			r.ops[n++] = (struct op){i, 0};
			r.ops[n++] = (struct op){i - half, 1};
		}
		for (int i = npods - half; i < npods; i++)
			r.ops[n++] = (struct op){i, 1};
		t0 = now_ns();
		run_phase(&r, 0, n, "mix");
		r.wall_s = (double)(now_ns() - t0) / 1e9;
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	r.store_end = footprint(plugin);
	if (r.store_end > r.store_peak)
		r.store_peak = r.store_end;
	if (plugin == PLUG_RAILPOOL)
		r.leases_left = leases_held();
	else
		ref_footprint(&r.leases_left);
	leftover_links(&r.node_links_left, &r.pod_links_left);
	/* the plugin's peak RSS: one more ADD and DEL of the first pod, forked, after the checks */
	if (!stop && !atomic_load(&r.failures)) {
		char out[16384];

		spawn_fork = 1;
		uint64_t cpu = 0;

		pod_op(&r, 0, 0, out, sizeof(out), &cpu);
		pod_op(&r, 0, 1, out, sizeof(out), &cpu);
		spawn_fork = 0;
	}

	res->plugin = plugin;
	res->mode = mode;
	res->conc = conc;
	res->add = pct_pods(r.add_ns, r.add_ns, -1);
	res->del = pct_pods(r.del_ns, r.del_ns, -1);
	res->add_cpu = pct_pods(r.add_cpu, r.add_ns, -1);
	res->del_cpu = pct_pods(r.del_cpu, r.del_ns, -1);
	for (int h = 0; h < 2 && alt_path[0] && plugin == PLUG_RAILPOOL; h++) {
		res->alt[h][0] = pct_pods(r.add_ns, r.add_ns, h);
		res->alt[h][1] = pct_pods(r.add_cpu, r.add_ns, h);
		res->alt[h][2] = pct_pods(r.del_ns, r.del_ns, h);
		res->alt[h][3] = pct_pods(r.del_cpu, r.del_ns, h);
	}
	res->wall_s = r.wall_s;
	res->add_wall_s = r.add_wall_s;
	res->del_wall_s = r.del_wall_s;
	res->pods_per_s = r.wall_s > 0 ? npods / r.wall_s : 0;
	res->store_peak = r.store_peak;
	res->store_end = r.store_end;
	res->rss_kb = atomic_load(&r.rss_kb);
	res->failures = atomic_load(&r.failures);
	res->dups = atomic_load(&r.dups);
	res->bad_results = atomic_load(&r.bad_results);
	res->leases_left = r.leases_left;
	res->node_links_left = r.node_links_left;
	res->pod_links_left = r.pod_links_left;
	snprintf(res->first_err, sizeof(res->first_err), "%s", r.first_err);
	res->ok = !stop && res->add.n == npods && res->del.n == npods && !res->failures && !res->dups &&
		  !res->bad_results && res->leases_left == 0 && res->node_links_left == 0 && res->pod_links_left == 0;
	ret = 0;
	if (plugin == PLUG_RAILPOOL)
		unlink(store_path);
	/* fresh namespaces for the next run: a kernel that kept anything must not help the next one */
	del_pods();
out:
	free(r.ops);
	free(r.pods);
	free(r.owner);
	free(r.add_ns);
	free(r.del_ns);
	free(r.add_cpu);
	free(r.del_cpu);
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return ret;
}

/* The floor under every plugin: spawn + setns(node) + exec of a static C binary that does nothing
 * + wait4, as timed for the plugins (median of 41).  busybox is static; it runs its `true` applet
 * when called through a link named true.  Without busybox: /bin/true (dynamic, a little more). */
static const char *floor_bin = "/bin/true";
static double floor_cpu_ms; /* its CPU time (user + system), p50 */

static double exec_floor_ms(void)
{
	char *envp[] = {"PATH=/usr/bin:/bin", NULL}, out[64];
	static char link[PATH_MAX];
	uint64_t v[41];
	uint64_t cpu[41];
	long rss = 0;

	snprintf(link, sizeof(link), "%s/true", dir);
	if (!access("/bin/busybox", X_OK) && !symlink("/bin/busybox", link))
		floor_bin = link;
	for (int i = 0; i < 41; i++) {
		uint64_t t0 = now_ns();
		cpu[i] = 0;
		if (run_cni(floor_bin, envp, "/dev/null", out, sizeof(out), &rss, &cpu[i]) != 0)
			return -1;
		v[i] = now_ns() - t0;
	}
	floor_cpu_ms = percentiles(cpu, 41).p50;
	return percentiles(v, 41).p50;
}

/*
 * The kernel's part of one rail, alone: one RTM_NEWLINK creating a macvlan on the node's first NIC
 * directly inside a pod namespace, and one RTM_DELLINK deleting it from inside the pod, each a
 * single request in its own sendmsg through this process's cached sockets (no exec); median of 21
 * of each, in ms.
 */
static double mv_create_ms = -1, mv_delete_ms = -1;

static int kernel_floor(void)
{
	struct rp_nl_sock *hs = NULL, *ps = NULL;
	struct rp_nl_txn *t = NULL;
	struct rp_nl_link_info li;
	struct rp_err e = {0};
	char node[128], ns[64], pod[128];
	const char *master = seed.names[0];
	uint64_t c[21], d[21];
	int saved = npods, pod_fd = -1, ret;

	npods = 1;
	rp_sim_node_netns_path(&seed.spec, node, sizeof(node));
	if ((ret = make_pods()))
		goto out;
	pod_netns(0, ns, sizeof(ns));
	snprintf(pod, sizeof(pod), "/run/netns/%s", ns);
	if ((pod_fd = open(pod, O_RDONLY | O_CLOEXEC)) < 0 || (ret = rp_nl_sock_netns(node, &hs, &e)) ||
	    (ret = rp_nl_sock_netns(pod, &ps, &e)) || (ret = rp_nl_links_get(hs, &master, 1, &li, &e)))
		goto out;
	for (int i = 0; i < 21; i++) {
		struct rp_nl_macvlan mv = {.name = "rpbfloor", .master_ifindex = li.ifindex, .netns_fd = pod_fd};
		uint64_t t0;

		if ((ret = rp_nl_txn_new(hs, &t)) ||
		    (ret = rp_nl_txn_add(t, rp_nl_msg_macvlan_add(&mv), NULL, NULL, NULL, NULL, "create macvlan")))
			goto out;
		t0 = now_ns();
		ret = rp_nl_txn_commit(t, &e);
		c[i] = now_ns() - t0;
		rp_nl_txn_free(t);
		t = NULL;
		if (ret || (ret = rp_nl_txn_new(ps, &t)) ||
		    (ret = rp_nl_txn_add(t, rp_nl_msg_link_del(0, "rpbfloor"), NULL, NULL, NULL, NULL, "delete macvlan")))
			goto out;
		t0 = now_ns();
		ret = rp_nl_txn_commit(t, &e);
		d[i] = now_ns() - t0;
		rp_nl_txn_free(t);
		t = NULL;
		if (ret)
			goto out;
	}
	mv_create_ms = percentiles(c, 21).p50;
	mv_delete_ms = percentiles(d, 21).p50;
out:
	if (ret)
		fprintf(stderr, "kernel floor (one macvlan): %s\n", e.msg[0] ? e.msg : strerror(-ret));
	rp_nl_txn_free(t);
	if (pod_fd >= 0)
		close(pod_fd);
	rp_nl_sock_forget(node);
	del_pods();
	npods = saved;
	return ret;
}

/* Netlink send calls in @path's strace log (lines naming a NETLINK socket) and, in *@socks, how
 * many distinct netlink sockets they went through (the plugin opens one per namespace); -1 if
 * unreadable. */
static int count_netlink_sends(const char *path, int *socks)
{
	FILE *f = fopen(path, "r");
	char line[4096], seen[32][32];
	int n = 0, nseen = 0;

	*socks = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *at = strstr(line, "NETLINK:["), id[32];
		int k;

		if (!at || !(strstr(line, "sendmsg(") || strstr(line, "sendto(") || strstr(line, "sendmmsg(")))
			continue;
		n++;
		/* "pid sendmsg(5<NETLINK:[934662]>, ...": the socket inode names the socket */
		snprintf(id, sizeof(id), "%.*s", (int)strcspn(at, "]"), at);
		for (k = 0; k < nseen && strcmp(seen[k], id); k++)
			;
		if (k == nseen && nseen < 32)
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", id);
	}
	fclose(f);
	*socks = nseen;
	return n;
}

/* railpool's own count (RAILPOOL_NL_STATS=1 on stderr, in @path): sendmsg calls, the namespace
 * sockets they went through, the most through one socket, receive calls; -1 when absent. */
static int read_nl_stats(const char *path, int *socks, int *max_per, int *recvs)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = -1;

	*socks = *max_per = *recvs = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char cmd[16];
		if (sscanf(line, "railpool netlink: command %15s sendmsg %d sockets %d max_per_socket %d recv %d", cmd, &n,
			   socks, max_per, recvs) == 5)
			break;
		n = -1;
	}
	fclose(f);
	return n;
}

static int nl_maxper[2] = {-1, -1}, nl_recvs[2] = {-1, -1}; /* railpool [ADD, DEL] */

/*
 * One more pod, ADD and DEL, not timed: the netlink send calls of one pod's ADD and DEL.
 * railpool reports its own counters (RAILPOOL_NL_STATS=1); the reference runs under strace -f.
 */
static int syscall_counts(int plugin, int *add_n, int *del_n, int *add_socks, int *del_socks)
{
	struct run r = {.plugin = plugin, .mode = MODE_BURST, .conc = 1, .seq = 1000 + plugin};
	char path[2][400], out[16384];
	int ret = -ENOMEM, saved = npods;

	*add_n = *del_n = -1;
	if (plugin == PLUG_REF && access("/usr/bin/strace", X_OK))
		return -ENOENT;
	pthread_mutex_init(&r.mu, NULL);
	r.pods = calloc(1, sizeof(*r.pods));
	r.owner = calloc(65536, sizeof(*r.owner));
	if (!r.pods || !r.owner)
		goto out;
	npods = 1;
	if ((ret = make_pods()) || (plugin == PLUG_RAILPOOL && (ret = apply_store(r.seq))))
		goto out;
	for (int k = 0; k < 2; k++) {
		snprintf(path[k], sizeof(path[k]), "%s/%s-%d-%d", dir, plugin == PLUG_REF ? "strace" : "nlstats", plugin, k);
		if (plugin == PLUG_REF)
			strace_out = path[k];
		else
			stats_out = path[k];
		uint64_t cpu = 0;

		pod_op(&r, 0, k, out, sizeof(out), &cpu);
	}
	strace_out = stats_out = NULL;
	if (plugin == PLUG_REF) {
		*add_n = count_netlink_sends(path[0], add_socks);
		*del_n = count_netlink_sends(path[1], del_socks);
	} else {
		*add_n = read_nl_stats(path[0], add_socks, &nl_maxper[0], &nl_recvs[0]);
		*del_n = read_nl_stats(path[1], del_socks, &nl_maxper[1], &nl_recvs[1]);
	}
	ret = atomic_load(&r.failures) ? -EIO : 0;
	if (ret)
		fprintf(stderr, "%s syscall count run: %s\n", plug_name[plugin], r.first_err);
out:
	strace_out = stats_out = NULL;
	del_pods();
	npods = saved;
	if (plugin == PLUG_RAILPOOL)
		unlink(store_path);
	free(r.pods);
	free(r.owner);
	pthread_mutex_destroy(&r.mu);
	return ret;
}

/* ---- setup --------------------------------------------------------------------------------- */

/*
 * Extra addresses per rail when the seed's 200 are too few for P attached pods: rail n also gets
 * 172.16.(100+10n).1 - 172.16.(104+10n).254 (same /16, clear of 172.16.1n.x and the gateway).
 */
static int need_wide(void)
{
	return npods > SEED_IPS;
}

static void extra_range(int rail, char *buf, size_t len, int yaml)
{
	int a = 100 + 10 * (rail + 1);

	if (yaml)
		snprintf(buf, len, "\n    - 172.16.%d.1-172.16.%d.254", a, a + 4);
	else
		snprintf(buf, len, ",{\"subnet\":\"172.16.0.0/16\",\"rangeStart\":\"172.16.%d.1\",\"rangeEnd\":"
			 "\"172.16.%d.254\",\"gateway\":\"172.16.%d.254\"}", a, a + 4, 11 + rail);
}

/* tests/data/macvlan-8rail/gpuN.yaml, unchanged unless P needs wider pools (then copied with
 * the extra range added after the seed's range line). */
static int manifest_for(int rail, char *out, size_t len)
{
	char src[PATH_MAX + 32], seed_line[64], extra[96], *text, *at, *wide;
	int ret = 0;

	snprintf(src, sizeof(src), "%s/gpu%d.yaml", data_dir, rail + 1);
	if (!need_wide()) {
		snprintf(out, len, "%s", src);
		return access(src, R_OK) ? -errno : 0;
	}
	if (!(text = rpt_read_file(src, NULL)))
		return -errno;
	snprintf(seed_line, sizeof(seed_line), "-172.16.%d.200", 11 + rail);
	extra_range(rail, extra, sizeof(extra), 1);
	at = strstr(text, seed_line);
	if (!at || !(wide = malloc(strlen(text) + strlen(extra) + 1))) {
		free(text);
		fprintf(stderr, "%s: no line with '%s' to widen\n", src, seed_line);
		return -EINVAL;
	}
	at += strlen(seed_line);
	memcpy(wide, text, (size_t)(at - text));
	strcpy(wide + (at - text), extra);
	strcat(wide, at);
	snprintf(out, len, "%s/gpu%d.yaml", dir, rail + 1);
	ret = rpt_write_file(out, wide);
	free(wide);
	free(text);
	return ret;
}

static char manifest[MAX_RAILS][PATH_MAX + 32];

/*
 * A fresh store per run: the checks (railpoolctl get leases) and earlier runs must not change
 * the footprint or the state a run starts from.
 */
static int apply_store(int seq)
{
	char *args[2 + 2 * MAX_RAILS + 1];
	int n = 0, ret;

	snprintf(store_path, sizeof(store_path), "%s/node-%d.shm", dir, seq);
	args[n++] = "apply";
	for (int k = 0; k < nrails; k++) {
		args[n++] = "-f";
		args[n++] = manifest[k];
	}
	args[n] = NULL;
	if ((ret = ctl(NULL, args)) != 0) {
		fprintf(stderr, "railpoolctl apply failed (exit %d)\n", ret);
		return -EIO;
	}
	ctl_quiet = 1; /* the seed's warnings once are enough */
	return 0;
}

static int setup_railpool(void)
{
	char nets[MAX_RAILS][32];
	char *args[2 + 2 * MAX_RAILS + 1];
	json_t *root = NULL, *plug;
	int n = 0, ret;

	for (int k = 0; k < nrails; k++)
		if ((ret = manifest_for(k, manifest[k], sizeof(manifest[k]))))
			return ret;
	if ((ret = apply_store(0)))
		return ret;
	n = 0;
	args[n++] = "conflist";
	for (int k = 0; k < nrails; k++) {
		snprintf(nets[k], sizeof(nets[k]), "gpu%d-macvlan", k + 1);
		args[n++] = nets[k];
	}
	args[n] = NULL;
	if ((ret = ctl(&root, args)) != 0) {
		fprintf(stderr, "railpoolctl conflist failed (exit %d)\n", ret);
		json_decref(root);
		return -EIO;
	}
	/* What a runtime hands the plugin: one plugin object of the conflist + name + cniVersion. */
	plug = json_array_get(json_object_get(root, "plugins"), 0);
	if (!json_is_object(plug)) {
		fprintf(stderr, "railpoolctl conflist: no plugins[0]\n");
		json_decref(root);
		return -EINVAL;
	}
	/* the store comes from RAILPOOL_STATE: each run applies a fresh one */
	json_object_del(plug, "stateFile");
	json_object_set(plug, "name", json_object_get(root, "name"));
	json_object_set(plug, "cniVersion", json_object_get(root, "cniVersion"));
	ret = json_dump_file(plug, rp_conf, JSON_COMPACT) ? -EIO : 0;
	json_decref(root);
	return ret;
}

/* One macvlan + host-local config per rail: what one NetworkAttachmentDefinition holds. */
static int setup_ref(void)
{
	char conf[2048], extra[256];

	for (int k = 0; k < nrails; k++) {
		extra[0] = '\0';
		if (need_wide())
			extra_range(k, extra, sizeof(extra), 0);
		snprintf(ref_conf[k], sizeof(ref_conf[k]), "%s/ref-rail%d.json", dir, k + 1);
		snprintf(conf, sizeof(conf),
			 "{\"cniVersion\":\"1.0.0\",\"name\":\"gpu%d-macvlan\",\"type\":\"macvlan\",\"master\":\"%s\","
			 "\"mode\":\"bridge\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\",\"ranges\":[["
			 "{\"subnet\":\"172.16.0.0/16\",\"rangeStart\":\"172.16.%d.1\",\"rangeEnd\":\"172.16.%d.200\","
			 "\"gateway\":\"172.16.%d.254\"}%s]]}}",
			 k + 1, seed.names[k], hl_dir, 11 + k, 11 + k, 11 + k, extra);
		if (rpt_write_file(ref_conf[k], conf))
			return -EIO;
	}
	return 0;
}

static void cleanup(void)
{
	del_pods();
	if (sim_is_up) {
		rp_sim_down(&seed.spec, NULL);
		sim_is_up = 0;
	}
	if (dir[0]) {
		rpt_rm_rf(dir);
		dir[0] = '\0';
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- output -------------------------------------------------------------------------------- */

static void print_pct_json(const char *name, const struct pct *p)
{
	printf("\"%s\":{\"n\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}", name,
	       p->n, p->p50, p->p90, p->p99, p->max, p->mean);
}

static double ratio(double ref, double rp)
{
	return rp > 0 ? ref / rp : 0;
}

static double floor_ms;
static int nl_sends[2][2] = {{-1, -1}, {-1, -1}}; /* [plugin][ADD, DEL] */
static int nl_socks[2][2] = {{-1, -1}, {-1, -1}}; /* distinct netlink sockets they used */

static void print_json(const struct result *res, int nres, const char *load, const char *started)
{
	printf("{\"bench\":\"podsetup\",\"started\":\"%s\",\"nproc\":%ld,\"loadavg\":\"%s\",\"pods\":%d,\"rails\":%d,"
	       "\"exec_floor_ms\":%.3f,\"exec_floor_cpu_ms\":%.3f,\"exec_floor_binary\":\"%s\",\"macvlan_create_ms\":%.3f,\"macvlan_delete_ms\":%.3f,"
	       "\"netlink_sends_per_pod\":{\"railpool\":{\"add\":%d,\"del\":%d,\"add_sockets\":%d,"
	       "\"del_sockets\":%d,\"add_max_per_namespace\":%d,\"del_max_per_namespace\":%d,\"add_recv_calls\":%d,"
	       "\"del_recv_calls\":%d,\"counted_by\":\"plugin\"},\"reference\":{\"add\":%d,\"del\":%d,\"add_sockets\":%d,\"del_sockets\":%d}},"
	       "\"pools_widened\":%s,\"railpool\":\"%s\",\"reference\":\"%s/macvlan + host-local\",\"runs\":[",
	       started, sysconf(_SC_NPROCESSORS_ONLN), load, npods, nrails, floor_ms, floor_cpu_ms, floor_bin, mv_create_ms, mv_delete_ms,
	       nl_sends[0][0], nl_sends[0][1], nl_socks[0][0], nl_socks[0][1], nl_maxper[0],
	       nl_maxper[1], nl_recvs[0], nl_recvs[1], nl_sends[1][0],
	       nl_sends[1][1], nl_socks[1][0], nl_socks[1][1], need_wide() ? "true" : "false", rp_path,
	       cni_dir);
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		printf("%s{\"plugin\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,", i ? "," : "", plug_name[r->plugin],
		       mode_name[r->mode], r->conc);
		print_pct_json("add", &r->add);
		putchar(',');
		print_pct_json("del", &r->del);
		putchar(',');
		print_pct_json("add_cpu", &r->add_cpu);
		putchar(',');
		print_pct_json("del_cpu", &r->del_cpu);
		printf(",\"wall_s\":%.3f,\"pods_per_s\":%.2f", r->wall_s, r->pods_per_s);
		if (r->mode == MODE_BURST)
			printf(",\"add_pods_per_s\":%.2f,\"del_pods_per_s\":%.2f", r->add_wall_s > 0 ? npods / r->add_wall_s : 0,
			       r->del_wall_s > 0 ? npods / r->del_wall_s : 0);
		printf(",\"store_bytes_peak\":%ld,\"store_bytes_end\":%ld,\"peak_rss_kb\":%ld,\"failures\":%d,"
		       "\"duplicate_addresses\":%d,\"bad_results\":%d,\"leases_left\":%d,\"node_links_left\":%d,"
		       "\"pod_links_left\":%d,\"ok\":%s",
		       r->store_peak, r->store_end, r->rss_kb, r->failures, r->dups, r->bad_results, r->leases_left,
		       r->node_links_left, r->pod_links_left, r->ok ? "true" : "false");
		if (r->first_err[0]) {
			json_t *s = json_string(r->first_err);
			char *t = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
			printf(",\"first_error\":%s", t ? t : "\"?\"");
			free(t);
			json_decref(s);
		}
		printf("}");
	}
	printf("],\"ratios\":[");
	for (int i = 0, first = 1; i + 1 < nres; i++) {
		const struct result *a = &res[i], *b = &res[i + 1];

		if (a->plugin != PLUG_RAILPOOL || b->plugin != PLUG_REF)
			continue;
		printf("%s{\"mode\":\"%s\",\"concurrency\":%d,\"add_p50\":%.2f,\"add_p99\":%.2f,\"del_p50\":%.2f,"
		       "\"del_p99\":%.2f,\"pods_per_s\":%.2f}",
		       first ? "" : ",", mode_name[a->mode], a->conc, ratio(b->add.p50, a->add.p50),
		       ratio(b->add.p99, a->add.p99), ratio(b->del.p50, a->del.p50), ratio(b->del.p99, a->del.p99),
		       ratio(a->pods_per_s, b->pods_per_s));
		first = 0;
	}
	printf("]}\n");
}

static void print_table(const struct result *res, int nres, const char *load, const char *started)
{
	printf("pod setup: %d pods x %d rails on a simulated node; %ld CPUs; load %s; started %s%s\n", npods, nrails,
	       sysconf(_SC_NPROCESSORS_ONLN), load, started,
	       need_wide() ? "; pools widened beyond the seed's 200 addresses per rail" : "");
	printf("times in ms per pod (one ADD / DEL as the runtime sees it); floor: spawn+setns+exec+wait of %s "
	       "%.2f ms, CPU %.2f ms (%s); kernel alone: one macvlan created in a pod netns %.2f ms, deleted %.2f ms\n",
	       floor_bin, floor_ms, floor_cpu_ms, strcmp(floor_bin, "/bin/true") ? "busybox, static" : "dynamic", mv_create_ms, mv_delete_ms);
	printf("%-18s %-5s %2s | %7s %7s %7s %7s | %7s %7s %7s %7s | %7s %9s %8s %8s | %s\n", "plugin", "mode",
	       "C", "ADD p50", "p90", "p99", "max", "DEL p50", "p90", "p99", "max", "pods/s", "store KiB", "(end)",
	       "RSS KiB", "checks");
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		printf("%-18s %-5s %2d | %7.2f %7.2f %7.2f %7.2f | %7.2f %7.2f %7.2f %7.2f | %7.1f %9ld %8ld %8ld | ",
		       plug_name[r->plugin], mode_name[r->mode], r->conc, r->add.p50, r->add.p90, r->add.p99, r->add.max,
		       r->del.p50, r->del.p90, r->del.p99, r->del.max, r->pods_per_s, r->store_peak / 1024,
		       r->store_end / 1024, r->rss_kb);
		if (r->ok)
			printf("ok\n");
		else
			printf("FAIL: %d/%d ADD %d/%d DEL, %d failed, %d duplicate, %d bad results, %d leases, %d node links, "
			       "%d pod links left%s%s\n",
			       r->add.n, npods, r->del.n, npods, r->failures, r->dups, r->bad_results, r->leases_left,
			       r->node_links_left, r->pod_links_left, r->first_err[0] ? "; first: " : "", r->first_err);
	}
	printf("store KiB: railpool's store file / host-local's dataDir, allocated bytes (st_blocks*512) at the peak\n"
	       "  (sampled twice a second and after each phase) and at the end of the run (before the checks);\n"
	       "  each railpool run starts from a freshly applied store\n");
	printf("netlink sendmsg per pod (one extra pod; over N namespace sockets, at most M through one): railpool "
	       "ADD %d (N %d, M %d) DEL %d (N %d, M %d), counted by the plugin (RAILPOOL_NL_STATS), receive calls ADD %d "
	       "DEL %d; reference ADD %d (%d sockets) DEL %d (%d sockets), strace -f\n",
	       nl_sends[0][0], nl_socks[0][0], nl_maxper[0], nl_sends[0][1], nl_socks[0][1], nl_maxper[1], nl_recvs[0],
	       nl_recvs[1], nl_sends[1][0], nl_socks[1][0], nl_sends[1][1], nl_socks[1][1]);
	printf("RSS KiB: peak RSS of one plugin process (wait4 of one more ADD and DEL after the checks, forked;\n"
	       "  the reference includes host-local under macvlan)\n");
	for (int i = 0; i < nres; i++) {
		const struct result *a = &res[i], *b = i + 1 < nres ? &res[i + 1] : NULL;

		if (a->plugin != PLUG_RAILPOOL)
			continue;
		printf("summary: %d pods x %d rails, %s, C=%d: railpool ADD p50 %.2f ms p99 %.2f ms, DEL p50 %.2f ms p99 "
		       "%.2f ms, %.1f pods/s, CPU p50 ADD %.2f ms DEL %.2f ms (floor %.2f), checks %s",
		       npods, nrails, mode_name[a->mode], a->conc, a->add.p50, a->add.p99, a->del.p50, a->del.p99,
		       a->pods_per_s, a->add_cpu.p50, a->del_cpu.p50, floor_cpu_ms, a->ok ? "ok" : "FAILED");
		if (b && b->plugin == PLUG_REF)
			printf("; vs macvlan+host-local: ADD %.1fx (p50) %.1fx (p99), DEL %.1fx (p50) %.1fx (p99), pods/s "
			       "%.1fx, CPU ADD %.1fx DEL %.1fx, reference checks %s",
			       ratio(b->add.p50, a->add.p50), ratio(b->add.p99, a->add.p99), ratio(b->del.p50, a->del.p50),
			       ratio(b->del.p99, a->del.p99), ratio(a->pods_per_s, b->pods_per_s),
			       ratio(b->add_cpu.p50, a->add_cpu.p50), ratio(b->del_cpu.p50, a->del_cpu.p50), b->ok ? "ok" : "FAILED");
		printf("\n");
		if (alt_path[0] && a->alt[0][0].n)
			printf("alt: %s (even pods) vs %s (odd pods), C=%d: ADD p50 %.2f / %.2f ms (x%.3f), CPU %.2f / %.2f ms "
			       "(x%.3f); DEL p50 %.2f / %.2f ms (x%.3f), CPU %.2f / %.2f ms (x%.3f)\n",
			       rp_path, alt_path, a->conc, a->alt[0][0].p50, a->alt[1][0].p50,
			       ratio(a->alt[1][0].p50, a->alt[0][0].p50), a->alt[0][1].p50, a->alt[1][1].p50,
			       ratio(a->alt[1][1].p50, a->alt[0][1].p50), a->alt[0][2].p50, a->alt[1][2].p50,
			       ratio(a->alt[1][2].p50, a->alt[0][2].p50), a->alt[0][3].p50, a->alt[1][3].p50,
			       ratio(a->alt[1][3].p50, a->alt[0][3].p50));
	}
}

/* ---- main ---------------------------------------------------------------------------------- */

static int parse_list(const char *s, int *v, int max, int lo, int hi)
{
	char buf[128], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int x = atoi(t);
		if (n == max || x < lo || x > hi)
			return -1;
		v[n++] = x;
	}
	return n;
}

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [-p PODS] [-r RAILS] [-c 1,2,8] [-m burst,churn] [-o table|json] [--no-ref]\n"
		"          [--railpool PATH] [--railpoolctl PATH] [--cni-dir DIR] [--data DIR] [--alt PATH]\n"
		"  -p PODS   pods per run (default 1000)        -r RAILS  rails per pod, 1..8 (default 8)\n"
		"  -c LIST   concurrent runtimes (default 2)    -m LIST   modes: burst, churn (default churn)\n"
		"  --no-ref  skip the macvlan+host-local reference\n"
		"  --alt PATH  odd pods run this railpool build instead (an A/B within one run)\n",
		argv0);
}

int main(int argc, char **argv)
{
	static struct result res[2 * 2 * 8];
	char self[PATH_MAX - 32], load[64] = "?", started[32];
	int nres = 0, ok = 1;
	struct rp_err e = {0};
	ssize_t sl;

	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = '\0';
	if (strrchr(self, '/'))
		*strrchr(self, '/') = '\0';
	snprintf(rp_path, sizeof(rp_path), "%s/railpool", self);
	snprintf(ctl_path, sizeof(ctl_path), "%s/railpoolctl", self);
	snprintf(data_dir, sizeof(data_dir), "%s/tests/data/macvlan-8rail", RP_SRC_DIR);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!strcmp(a, "--no-ref")) {
			no_ref = 1;
			continue;
		}
		if (!v)
			goto bad;
		i++;
		if (!strcmp(a, "-p"))
			npods = atoi(v);
		else if (!strcmp(a, "-r"))
			nrails = atoi(v);
		else if (!strcmp(a, "-c")) {
			if ((nconcs = parse_list(v, concs, 8, 1, MAX_CONC)) < 1)
				goto bad;
		} else if (!strcmp(a, "-m")) {
			nmodes = 0;
			if (strstr(v, "burst"))
				modes[nmodes++] = MODE_BURST;
			if (strstr(v, "churn"))
				modes[nmodes++] = MODE_CHURN;
			if (!nmodes)
				goto bad;
		} else if (!strcmp(a, "-o")) {
			if (strcmp(v, "json") && strcmp(v, "table"))
				goto bad;
			json_out = !strcmp(v, "json");
		} else if (!strcmp(a, "--railpool"))
			snprintf(rp_path, sizeof(rp_path), "%s", v);
		else if (!strcmp(a, "--alt"))
			snprintf(alt_path, sizeof(alt_path), "%s", v);
		else if (!strcmp(a, "--railpoolctl"))
			snprintf(ctl_path, sizeof(ctl_path), "%s", v);
		else if (!strcmp(a, "--cni-dir"))
			snprintf(cni_dir, sizeof(cni_dir), "%s", v);
		else if (!strcmp(a, "--data"))
			snprintf(data_dir, sizeof(data_dir), "%s", v);
		else
			goto bad;
	}
	if (npods < 2 || npods > 1400 || nrails < 1 || nrails > MAX_RAILS) {
		fprintf(stderr, "-p 2..1400 and -r 1..%d\n", MAX_RAILS);
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: needs root (network namespaces, macvlan, root-owned store)\n");
		return 77;
	}
	if (alt_path[0] && access(alt_path, X_OK)) {
		fprintf(stderr, "--alt %s: not an executable\n", alt_path);
		return 2;
	}
	if (access(rp_path, X_OK) || access(ctl_path, X_OK)) {
		fprintf(stderr, "build railpool and railpoolctl first (%s, %s)\n", rp_path, ctl_path);
		return 2;
	}
	{
		FILE *f = fopen("/proc/loadavg", "r");
		time_t t = time(NULL);

		if (f) {
			char l1[16], l5[16], l15[16];

			if (fscanf(f, "%15s %15s %15s", l1, l5, l15) == 3)
				snprintf(load, sizeof(load), "%s %s %s", l1, l5, l15);
			fclose(f);
		}
		strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	}

	snprintf(prefix, sizeof(prefix), "rpb%u", (unsigned)getpid() % 10000000u);
	snprintf(dir, sizeof(dir), "/dev/shm/%s-XXXXXX", prefix);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	snprintf(store_path, sizeof(store_path), "%s/node.shm", dir);
	snprintf(rp_conf, sizeof(rp_conf), "%s/railpool.json", dir);
	snprintf(hl_dir, sizeof(hl_dir), "%s/host-local", dir);
	mkdir(hl_dir, 0700);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	/* The macvlan seed's node: enp11s0f0np0.. with gateways 172.16.1N.254/16, own namespace. */
	rpt_seed_node(&seed, prefix, 1, MAX_RAILS, 0);
	if (rp_sim_up(&seed.spec, &e)) {
		fprintf(stderr, "simulated node: %s\n", e.msg);
		return 1;
	}
	sim_is_up = 1;
	{
		char node[128];
		rp_sim_node_netns_path(&seed.spec, node, sizeof(node));
		node_fd = open(node, O_RDONLY | O_CLOEXEC);
		if (node_fd < 0) {
			fprintf(stderr, "open %s: %s\n", node, strerror(errno));
			return 1;
		}
	}
	if (setup_railpool() || (!no_ref && setup_ref()))
		return 1;
	floor_ms = exec_floor_ms();
	kernel_floor();
	fprintf(stderr, "node %snode up, %d rails; store %s; %d pods per run\n", prefix, nrails, store_path, npods);

	for (int m = 0; m < nmodes && !stop; m++) {
		for (int c = 0; c < nconcs && !stop; c++) {
			for (int p = 0; p < (no_ref ? 1 : 2) && !stop; p++) {
				if (do_run(p, modes[m], concs[c], &res[nres])) {
					fprintf(stderr, "run setup failed\n");
					return 1;
				}
				ok &= res[nres].ok;
				nres++;
			}
		}
	}
	for (int p = 0; p < (no_ref ? 1 : 2) && !stop; p++)
		if (syscall_counts(p, &nl_sends[p][0], &nl_sends[p][1], &nl_socks[p][0], &nl_socks[p][1]))
			fprintf(stderr, "%s: syscall count run failed\n", plug_name[p]);
	if (json_out)
		print_json(res, nres, load, started);
	else
		print_table(res, nres, load, started);
	fflush(stdout);
	return ok && !stop ? 0 : 1;
bad:
	usage(stderr, argv[0]);
	return 2;
}
