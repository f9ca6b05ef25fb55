/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One IPAM ADD+DEL as whole processes, as a runtime pays for it: railpool vs the reference
 * host-local (Debian's containernetworking-plugins), in the same run, same pool size, both
 * keeping their state on tmpfs.  Scenarios: N leases already held (default 0 and 1000), one
 * client, then C concurrent clients (default 8).  Each "op" is exec(ADD) + exec(DEL) of a fresh
 * container ID; the ADD must exit 0 (the run aborts otherwise).
 *
 *   build/bin/bench_ipam_exec [--iters N] [--clients C] [--held 0,1000] [--railpool PATH]
 *                             [--host-local PATH] [--floor PATH] [--dir DIR] [--throughput] [--machine]
 *
 * --machine first prints what process start-up and the store mapping cost on this machine, the
 * parts of the floor a static C binary cannot avoid: one CPUID instruction (glibc's start-up
 * runs dozens), one null system call, the first touch of a page in a fresh 2 MiB region of a
 * shared tmpfs mapping (a new page table), and munmap of a store-sized mapping with 5 such
 * regions touched.
 *
 * The two plugins run interleaved (each client alternates between them), so both see the same
 * machine load.  Prints per (plugin, scenario) mean/p50/p99 wall time and the plugin processes'
 * user+system CPU per ADD+DEL (from wait4: the load-insensitive figure), then the speedups;
 * --throughput adds each plugin alone with C clients (aggregate ADD+DEL/s).  The floor is measured
 * in the same run, interleaved the same way: two execs of a static binary that does nothing
 * (`busybox true`, --floor PATH), i.e. what any ADD+DEL pair of processes costs on this machine.
 * --alt PATH adds a second railpool build (e.g. one linked with jemalloc), interleaved the same
 * way on the same store, so two builds compare within one run.
 * Root only (railpool opens only root-owned stores).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <time.h>
#include <unistd.h>

#include "shm/store.h"
#include "tests/common/exec.h"
#include "tests/common/store.h"

#define POOL_LO "10.200.0.10"
#define POOL_HI "10.200.255.250"

struct plugin {
	const char *name;
	const char *path;
	const char *arg1; /* argv[1] or NULL */
	char conf_path[512];
};

static char dir[256];
static int iters = 400, clients = 8, throughput, machine;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ru_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000ull;
}

/*
 * exec @p with CNI_COMMAND=@cmd for container @cid; returns the exit status (or -1) and adds the
 * process's user+system CPU to *@cpu_ns (wait4: per child, so concurrent runs do not mix).
 * Deliberately not tests/common's rpt_exec_run: this whole call is inside the timed window, and
 * the harness would add work there that the figures in PERFORMANCE.md never contained: it
 * callocs the env array, opens the conf file and /dev/null in the parent (here the spawn's file
 * actions open them in the child) and so closes both between spawn and wait4, and mallocs two
 * empty captures after the wait.
 */
static int run_plugin(const struct plugin *p, const char *cmd, const char *cid, uint64_t *cpu_ns)
{
	struct rusage ru;
	char e_cmd[32], e_cid[128];
	char *envp[] = {e_cmd, e_cid, "CNI_NETNS=/var/run/netns/bench", "CNI_IFNAME=net1",
			"CNI_PATH=/usr/lib/cni", "PATH=/usr/bin:/bin", NULL};
	char *argv[] = {(char *)p->path, (char *)p->arg1, NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", cmd);
	snprintf(e_cid, sizeof(e_cid), "CNI_CONTAINERID=%s", cid);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, p->conf_path, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	ret = posix_spawn(&pid, p->path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -1;
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	if (cpu_ns)
		*cpu_ns += ru_ns(&ru);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * A client runs ADD+DEL pairs.  With two plugins it alternates between them (and swaps the order
 * every pair), so both see the same machine load: on a shared 2-core box the load changes by
 * the minute and back-to-back runs would compare different machines.
 */
struct worker {
	struct plugin *const *ps;
	int np, id, n;
	uint64_t *lat[4], *cpu[4];
	int failed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char cid[64];

	for (int i = 0; i < w->n; i++) {
		for (int j = 0; j < w->np; j++) {
			int k = (i + j) % w->np;
			uint64_t t0 = now_ns(), cpu = 0;
			snprintf(cid, sizeof(cid), "bench-%d-%d", w->id, i);
			if (run_plugin(w->ps[k], "ADD", cid, &cpu) != 0 || run_plugin(w->ps[k], "DEL", cid, &cpu) != 0) {
				fprintf(stderr, "%s: ADD/DEL of %s failed\n", w->ps[k]->name, cid);
				w->failed = 1;
				return NULL;
			}
			w->lat[k][i] = now_ns() - t0;
			w->cpu[k][i] = cpu;
		}
	}
	return NULL;
}

struct result {
	double mean_us, p50_us, p99_us;
	double cpu_us; /* user+system CPU of the plugin processes per ADD+DEL: insensitive to load */
	double rate;   /* ADD+DEL per second over the run (meaningful only when measured alone) */
};

static void summarise(uint64_t *lat, const uint64_t *cpu, int total, double secs, struct result *r)
{
	uint64_t sum = 0, csum = 0;

	qsort(lat, (size_t)total, sizeof(*lat), cmp_u64);
	for (int i = 0; i < total; i++) {
		sum += lat[i];
		csum += cpu[i];
	}
	r->mean_us = (double)sum / total / 1e3;
	r->p50_us = (double)lat[total / 2] / 1e3;
	r->p99_us = (double)lat[(size_t)total * 99 / 100] / 1e3;
	r->cpu_us = (double)csum / total / 1e3;
	r->rate = total / secs;
}

/* @n pairs per plugin over @nclients clients; @np plugins interleaved; results in @r[0..np). */
static int measure(struct plugin *const *ps, int np, int nclients, int n, struct result *r)
{
	struct worker w[64];
	pthread_t th[64];
	int per = n / nclients, total = per * nclients, failed = 0;
	uint64_t *buf = calloc((size_t)total * 8, sizeof(*buf)), t0;
	double secs;

	if (!buf)
		return -ENOMEM;
	t0 = now_ns();
	for (int c = 0; c < nclients; c++) {
		w[c] = (struct worker){.ps = ps, .np = np, .id = c, .n = per};
		for (int k = 0; k < 4; k++) {
			w[c].lat[k] = buf + (size_t)(2 * k) * total + (size_t)c * per;
			w[c].cpu[k] = buf + (size_t)(2 * k + 1) * total + (size_t)c * per;
		}
		pthread_create(&th[c], NULL, work, &w[c]);
	}
	for (int c = 0; c < nclients; c++) {
		pthread_join(th[c], NULL);
		failed |= w[c].failed;
	}
	secs = (double)(now_ns() - t0) / 1e9;
	if (!failed)
		for (int k = 0; k < np; k++)
			summarise(buf + (size_t)(2 * k) * total, buf + (size_t)(2 * k + 1) * total, total, secs, &r[k]);
	free(buf);
	return failed ? -EIO : 0;
}

static int hold(const struct plugin *p, int from, int to)
{
	char cid[64];

	for (int i = from; i < to; i++) {
		snprintf(cid, sizeof(cid), "held-%d", i);
		if (run_plugin(p, "ADD", cid, NULL) != 0) {
			fprintf(stderr, "%s: holding lease %d failed\n", p->name, i);
			return -EIO;
		}
	}
	return 0;
}

static int make_store(const char *path)
{
	static const char yaml[] = "apiVersion: spiderpool.spidernet.io/v2beta1\nkind: SpiderIPPool\n"
				   "metadata: {name: bench}\nspec:\n  subnet: 10.200.0.0/16\n"
				   "  ips: [" POOL_LO "-" POOL_HI "]\n  gateway: 10.200.0.1\n";
	struct rp_store_params params = {.max_leases = 1u << 17, .max_owners = 1u << 15, .config_bytes = 1u << 20,
					 .max_readers = 256};
	struct rp_err e = {0};
	int ret = rpt_store_from_yaml(path, "bench.yaml", yaml, &params, RP_STORE_CREATE, &e);

	if (ret)
		fprintf(stderr, "bench pool: %s\n", e.msg);
	return ret;
}

/* Median of @n samples (ns), in us. */
static double med_us(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return (double)v[n / 2] / 1e3;
}

static void machine_costs(const char *base)
{
	enum { N = 201, REG = 2 << 20, NREG = 5 };
	uint64_t v[N], w[N];
	char path[300];
	size_t size = (size_t)232 << 20;
	int fd;

#if defined(__x86_64__) || defined(__i386__)
	for (int i = 0; i < N; i++) {
		unsigned a, b, c, d;
		uint64_t t0 = now_ns();
		__cpuid_count(0x8000001d, (unsigned)i & 3, a, b, c, d);
		__asm__ volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d));
		v[i] = now_ns() - t0;
	}
	printf("machine: one CPUID %.2f us", med_us(v, N));
#else
	printf("machine:");
#endif
	for (int i = 0; i < N; i++) {
		uint64_t t0 = now_ns();
		syscall(SYS_getppid);
		v[i] = now_ns() - t0;
	}
	printf("; one null syscall %.2f us", med_us(v, N));
	snprintf(path, sizeof(path), "%s/rpmachine%d", base, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		printf("; (no tmpfs file: %s)\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		return;
	}
	for (int k = 0; k < N / 10; k++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		uint64_t t0, t1;

		if (p == MAP_FAILED)
			break;
		for (int r = 0; r < NREG; r++) {
			t0 = now_ns();
			p[(size_t)(r * 9 + 3) * REG + 64] = 1; /* a page in a region never touched */
			t1 = now_ns();
			v[k * NREG + r] = t1 - t0;
		}
		t0 = now_ns();
		munmap(p, size);
		w[k] = now_ns() - t0;
	}
	printf("; first touch of a fresh 2 MiB region of a shared tmpfs mapping %.1f us; munmap of a 232 MiB mapping "
	       "with %d such regions touched %.1f us\n", med_us(v, N / 10 * NREG), NREG, med_us(w, N / 10));
	close(fd);
	unlink(path);
}

static void cleanup(void)
{
	if (dir[0])
		rpt_rm_rf(dir);
}

int main(int argc, char **argv)
{
	struct plugin rp = {.name = "railpool"}, hl = {.name = "host-local", .path = "/usr/lib/cni/host-local"},
		      fl = {.name = "floor", .path = "/bin/busybox", .arg1 = "true", .conf_path = "/dev/null"},
		      alt = {.name = "railpool-alt"};
	char self[PATH_MAX], rp_default[PATH_MAX + 16], store[400], conf[2048], held_list[256] = "0,1000";
	const char *base = "/dev/shm";
	double speed[16][4];
	int nspeed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iters") && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
			clients = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--held") && i + 1 < argc)
			snprintf(held_list, sizeof(held_list), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--railpool") && i + 1 < argc)
			rp.path = argv[++i];
		else if (!strcmp(argv[i], "--host-local") && i + 1 < argc)
			hl.path = argv[++i];
		else if (!strcmp(argv[i], "--throughput"))
			throughput = 1;
		else if (!strcmp(argv[i], "--machine"))
			machine = 1;
		else if (!strcmp(argv[i], "--alt") && i + 1 < argc)
			alt.path = argv[++i];
		else if (!strcmp(argv[i], "--floor") && i + 1 < argc)
			fl.path = argv[++i];
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			base = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--iters N] [--clients C] [--held 0,1000] [--railpool PATH] "
					"[--host-local PATH] [--floor STATIC_BINARY] [--alt RAILPOOL] [--dir TMPFS_DIR] [--throughput] "
					"[--machine]\n", argv[0]);
			return 2;
		}
	}
	if (geteuid() != 0) {
		printf("SKIP: railpool opens only root-owned stores; run as root\n");
		return 77;
	}
	if (clients < 1 || clients > 64 || iters < clients) {
		fprintf(stderr, "--clients 1..64 and --iters >= clients\n");
		return 2;
	}
	if (!rp.path) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(rp_default, sizeof(rp_default), "%s/railpool", self);
		rp.path = rp_default;
	}
	snprintf(dir, sizeof(dir), "%s/rpbench%d-XXXXXX", base, (int)getpid());
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	if (machine)
		machine_costs(base);
	printf("railpool %s vs host-local %s; state in %s; %d ADD+DEL per scenario\n", rp.path, hl.path, dir, iters);

	for (char *save = NULL, *tok = strtok_r(held_list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int held = atoi(tok);
		struct result r1[4], rc[4], rt[2];
		struct plugin *ps[4] = {&rp, &hl, &fl, &alt};
		int np = alt.path ? 4 : 3;
		char sub[320];

		/* Fresh state per scenario: a store / dataDir holding exactly @held leases. */
		snprintf(sub, sizeof(sub), "%s/held%d", dir, held);
		mkdir(sub, 0700);
		snprintf(store, sizeof(store), "%s/node.shm", sub);
		if (make_store(store))
			return 1;
		snprintf(rp.conf_path, sizeof(rp.conf_path), "%s/railpool.json", sub);
		snprintf(conf, sizeof(conf),
			 "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"railpool\","
			 "\"ippools\":{\"ipv4\":[\"bench\"]},\"stateFile\":\"%s\"}}", store);
		rpt_write_file(rp.conf_path, conf);
		snprintf(alt.conf_path, sizeof(alt.conf_path), "%s", rp.conf_path);
		snprintf(hl.conf_path, sizeof(hl.conf_path), "%s/host-local.json", sub);
		snprintf(conf, sizeof(conf),
			 "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"host-local\","
			 "\"dataDir\":\"%s/hl\",\"ranges\":[[{\"subnet\":\"10.200.0.0/16\",\"rangeStart\":\"" POOL_LO "\","
			 "\"rangeEnd\":\"" POOL_HI "\",\"gateway\":\"10.200.0.1\"}]]}}", sub);
		rpt_write_file(hl.conf_path, conf);

		for (int k = 0; k < 2; k++)
			if (hold(ps[k], 0, held))
				return 1;
		/* warm the page cache and both binaries, then interleaved runs */
		if (measure(ps, np, 1, 12, r1) || measure(ps, np, 1, iters, r1) || measure(ps, np, clients, iters, rc))
			return 1;
		for (int k = 0; k < np; k++) {
			printf("%-10s held=%-5d 1 client : mean %8.1f us  p50 %8.1f us  p99 %8.1f us  cpu %7.1f us\n",
			       ps[k]->name, held, r1[k].mean_us, r1[k].p50_us, r1[k].p99_us, r1[k].cpu_us);
			printf("%-10s held=%-5d %d clients: mean %8.1f us  p50 %8.1f us  p99 %8.1f us  cpu %7.1f us\n",
			       ps[k]->name, held, clients, rc[k].mean_us, rc[k].p50_us, rc[k].p99_us, rc[k].cpu_us);
		}
		if (throughput) {
			/* each alone: aggregate ADD+DEL/s with @clients clients */
			for (int k = 0; k < 2; k++) {
				if (measure(&ps[k], 1, clients, iters, &rt[k]))
					return 1;
				printf("%-10s held=%-5d %d clients alone: %7.1f ADD+DEL/s (cpu %7.1f us)\n", ps[k]->name, held,
				       clients, rt[k].rate, rt[k].cpu_us);
			}
		}
		printf("floor held=%d (2 execs of %s %s): railpool is %.1f ms wall, %.1f ms cpu above it with 1 client\n",
		       held, fl.path, fl.arg1, (r1[0].mean_us - r1[2].mean_us) / 1e3, (r1[0].cpu_us - r1[2].cpu_us) / 1e3);
		printf("speedup held=%d: 1 client %.1fx mean, %.1fx p50, %.1fx cpu; %d clients %.1fx mean, %.1fx p99, "
		       "%.1fx cpu", held, r1[1].mean_us / r1[0].mean_us, r1[1].p50_us / r1[0].p50_us,
		       r1[1].cpu_us / r1[0].cpu_us, clients, rc[1].mean_us / rc[0].mean_us, rc[1].p99_us / rc[0].p99_us,
		       rc[1].cpu_us / rc[0].cpu_us);
		if (throughput)
			printf("; throughput %.1fx", rt[0].rate / rt[1].rate);
		printf("\n");
		fflush(stdout);
		if (nspeed < 16) {
			speed[nspeed][0] = r1[1].mean_us / r1[0].mean_us;
			speed[nspeed][1] = r1[1].cpu_us / r1[0].cpu_us;
			speed[nspeed][2] = r1[0].mean_us;
			speed[nspeed][3] = held;
			nspeed++;
		}
	}
	printf("summary (1 client, railpool vs host-local):");
	for (int i = 0; i < nspeed; i++)
		printf(" held=%.0f %.1fx wall %.1fx cpu (railpool %.0f us);", speed[i][3], speed[i][0], speed[i][1],
		       speed[i][2]);
	printf("\n");
	return 0;
}
