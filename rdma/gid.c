/* SPDX-License-Identifier: Apache-2.0 */
#include "rdma/gid.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *rp_rdma_sysfs_root(void)
{
	const char *r = getenv("RAILPOOL_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno; /* unused GID slots read as EINVAL on real sysfs */
	buf[r] = '\0';
	while (r > 0 && buf[r - 1] == '\n')
		buf[--r] = '\0';
	return 0;
}

/* vsnprintf: paths longer than PATH_MAX simply fail to open, which is the right outcome. */
static void pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_addr(const char *addr, uint8_t gid[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		memset(gid, 0, 10);
		gid[10] = gid[11] = 0xff;
		memcpy(gid + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, addr, gid) == 1 ? 0 : -EINVAL;
}

static int is_uint(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Search one port; updates *best when a better match shows up. */
static void scan_port(const char *pdir, uint32_t port, const uint8_t want[16], const char *ndev,
		      struct rp_rdma_gid *best, int *found)
{
	char p[PATH_MAX + 64], buf[64];
	struct dirent *de;
	DIR *d;

	pathf(p, sizeof(p), "%s/gids", pdir);
	d = opendir(p);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct rp_rdma_gid g = { .port = port };

		if (!is_uint(de->d_name))
			continue;
		g.index = (uint32_t)strtoul(de->d_name, NULL, 10);
		pathf(p, sizeof(p), "%s/gids/%s", pdir, de->d_name);
		if (read_str(p, buf, sizeof(buf)) || inet_pton(AF_INET6, buf, g.gid) != 1 ||
		    memcmp(g.gid, want, 16))
			continue;
		pathf(p, sizeof(p), "%s/gid_attrs/types/%s", pdir, de->d_name);
		if (!read_str(p, buf, sizeof(buf)))
			copy_str(g.type, sizeof(g.type), buf);
		pathf(p, sizeof(p), "%s/gid_attrs/ndevs/%s", pdir, de->d_name);
		if (!read_str(p, buf, sizeof(buf)))
			copy_str(g.ndev, sizeof(g.ndev), buf);
		if (ndev && strcmp(ndev, g.ndev))
			continue;
		g.roce_v2 = !strcasecmp(g.type, "RoCE v2");
		if (!*found || g.roce_v2 > best->roce_v2 ||
		    (g.roce_v2 == best->roce_v2 &&
		     (g.port < best->port || (g.port == best->port && g.index < best->index)))) {
			*best = g;
			*found = 1;
		}
	}
	closedir(d);
}

int rp_rdma_gid_find(const char *root, const char *dev, const char *addr, const char *ndev,
		     struct rp_rdma_gid *out, struct rp_err *e)
{
	char p[PATH_MAX], pdir[PATH_MAX + 64];
	uint8_t want[16];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (!root)
		root = rp_rdma_sysfs_root();
	if (!addr || parse_addr(addr, want))
		return rp_err_set(e, -EINVAL, "'%s' is not an IPv4 or IPv6 address", addr ? addr : "");
	if (!dev || !*dev || strchr(dev, '/'))
		return rp_err_set(e, -EINVAL, "bad RDMA device name '%s'", dev ? dev : "");
	pathf(p, sizeof(p), "%s/class/infiniband/%s/ports", root, dev);
	d = opendir(p);
	if (!d)
		return rp_err_set(e, -ENOENT, "RDMA device %s not found (%s: %s)", dev, p, strerror(errno));
	while ((de = readdir(d))) {
		if (!is_uint(de->d_name))
			continue;
		pathf(pdir, sizeof(pdir), "%s/%s", p, de->d_name);
		scan_port(pdir, (uint32_t)strtoul(de->d_name, NULL, 10), want, ndev, out, &found);
	}
	closedir(d);
	if (!found)
		return rp_err_set(e, -ENOENT, "RDMA device %s has no GID for %s%s%s (is the address "
				  "configured on its netdev?)", dev, addr, ndev ? " on " : "", ndev ? ndev : "");
	return 0;
}
