/* SPDX-License-Identifier: Apache-2.0 */
/* Process identity (pid + start time) and liveness, address helpers. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/store_internal.h"

uint64_t rp_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm (field 2) may contain spaces and parentheses: count fields after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* A zombie (or dead) task will never release what it holds: report it gone. */
	if (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X' || p[2] == 'x')
		return 0;
	p++;
	for (int field = 2; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	unsigned long long st = strtoull(p, NULL, 10);

	return st ? st : 1;
}

_Atomic uint64_t rp_store_self_proc;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void self_reset(void)
{
	atomic_store_explicit(&rp_store_self_proc, 0, memory_order_relaxed);
}

static void self_register(void)
{
	pthread_atfork(NULL, NULL, self_reset);
}

uint64_t rp_store_self_slow(void)
{
	uint64_t p;

	pthread_once(&self_once, self_register);
	pid_t pid = getpid();
	uint64_t st = rp_proc_start_time(pid);

	p = ((uint64_t)pid << PROC_ST_BITS) | PROC_ST(st);
	atomic_store_explicit(&rp_store_self_proc, p, memory_order_relaxed);
	return p;
}

uint64_t rp_store_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int rp_store_proc_alive(struct rp_store *s, uint64_t proc)
{
	uint64_t now;
	pid_t pid = PROC_PID(proc);

	if (proc == rp_store_self())
		return 1;
	if (pid <= 0)
		return 0;
	now = rp_store_now_ns();
	/* A positive answer is cached for 1 s: a live holder is checked often by sweeps, and at
	 * worst a just-died one is reclaimed a second later. */
	for (unsigned i = 0; i < RP_ARRAY_SIZE(s->live); i++)
		if (s->live[i].proc == proc && now - s->live[i].checked_ns < 1000000000ull)
			return 1;
	uint64_t st = rp_proc_start_time(pid);

	if (!st || PROC_ST(st) != PROC_ST(proc))
		return 0;
	s->live[s->live_next % RP_ARRAY_SIZE(s->live)] = (struct rp_liveness){ proc, now };
	s->live_next++;
	return 1;
}

rp_u128 rp_store_be128(const uint8_t b[16])
{
	uint64_t hi, lo;

	memcpy(&hi, b, 8);
	memcpy(&lo, b + 8, 8);
	return ((rp_u128)be64toh(hi) << 64) | be64toh(lo);
}

void rp_store_put_be128(uint8_t b[16], rp_u128 v)
{
	uint64_t hi = htobe64((uint64_t)(v >> 64)), lo = htobe64((uint64_t)v);

	memcpy(b, &hi, 8);
	memcpy(b + 8, &lo, 8);
}

rp_u128 rp_ip_to_u128(const struct rp_ip *ip)
{
	switch (ip->family) {
	case RP_FAM_V4:
		return ((rp_u128)ip->b[0] << 24) | ((rp_u128)ip->b[1] << 16) | ((rp_u128)ip->b[2] << 8) |
		       ip->b[3];
	case RP_FAM_SLOT:
		return ((rp_u128)ip->b[12] << 24) | ((rp_u128)ip->b[13] << 16) |
		       ((rp_u128)ip->b[14] << 8) | ip->b[15];
	default:
		return rp_store_be128(ip->b);
	}
}

struct rp_ip rp_ip_from_u128(uint8_t family, rp_u128 v)
{
	struct rp_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = family;
	if (family == RP_FAM_V4) {
		ip.b[0] = (uint8_t)(v >> 24);
		ip.b[1] = (uint8_t)(v >> 16);
		ip.b[2] = (uint8_t)(v >> 8);
		ip.b[3] = (uint8_t)v;
	} else if (family == RP_FAM_SLOT) {
		ip.b[12] = (uint8_t)(v >> 24);
		ip.b[13] = (uint8_t)(v >> 16);
		ip.b[14] = (uint8_t)(v >> 8);
		ip.b[15] = (uint8_t)v;
	} else {
		rp_store_put_be128(ip.b, v);
	}
	return ip;
}

struct rp_ip rp_ip_slot(uint32_t index)
{
	return rp_ip_from_u128(RP_FAM_SLOT, index);
}

uint32_t rp_ip_slot_index(const struct rp_ip *ip)
{
	return (uint32_t)rp_ip_to_u128(ip);
}

int rp_ip_parse(const char *str, struct rp_ip *out)
{
	struct rp_ip ip;

	if (!str || !*str || !out)
		return -EINVAL;
	memset(&ip, 0, sizeof(ip));
	if (strchr(str, ':')) {
		if (inet_pton(AF_INET6, str, ip.b) != 1)
			return -EINVAL;
		ip.family = RP_FAM_V6;
	} else if (strchr(str, '.')) {
		if (inet_pton(AF_INET, str, ip.b) != 1)
			return -EINVAL;
		ip.family = RP_FAM_V4;
	} else {
		char *end;
		unsigned long long v;

		if (str[0] < '0' || str[0] > '9')
			return -EINVAL;
		errno = 0;
		v = strtoull(str, &end, 10);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		ip = rp_ip_slot((uint32_t)v);
	}
	*out = ip;
	return 0;
}

int rp_ip_format(const struct rp_ip *ip, char *buf, size_t len)
{
	int n;

	if (!ip || !buf || !len)
		return -EINVAL;
	switch (ip->family) {
	case RP_FAM_V4:
		return inet_ntop(AF_INET, ip->b, buf, (socklen_t)len) ? 0 : -EINVAL;
	case RP_FAM_V6:
		return inet_ntop(AF_INET6, ip->b, buf, (socklen_t)len) ? 0 : -EINVAL;
	case RP_FAM_SLOT:
		n = snprintf(buf, len, "%u", rp_ip_slot_index(ip));
		return n < 0 || (size_t)n >= len ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

const char *rp_store_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv(RP_STORE_ENV);
	if (env && *env)
		return env;
	return RP_STORE_DEFAULT_PATH;
}
