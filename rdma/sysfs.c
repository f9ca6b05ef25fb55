/* SPDX-License-Identifier: Apache-2.0 */
#include "rdma/sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdma/gid.h"

static void pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int first_entry(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= len)
			continue;
		memcpy(out, de->d_name, strlen(de->d_name) + 1);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

int rp_rdma_dev_of_netdev(const char *root, const char *ifname, char dev[64], struct rp_err *e)
{
	char p[PATH_MAX];

	if (!root)
		root = rp_rdma_sysfs_root();
	if (!ifname || !*ifname || strchr(ifname, '/'))
		return rp_err_set(e, -EINVAL, "bad interface name '%s'", ifname ? ifname : "");
	pathf(p, sizeof(p), "%s/class/net/%s/device/infiniband", root, ifname);
	if (first_entry(p, dev, 64))
		return rp_err_set(e, -ENOENT, "interface %s has no RDMA device (%s); is it an RDMA NIC "
				  "with its driver's RDMA support loaded?", ifname, p);
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct rp_rdma_sysfs_dev *)a)->name, ((const struct rp_rdma_sysfs_dev *)b)->name);
}

int rp_rdma_sysfs_list(const char *root, struct rp_rdma_sysfs_dev **out, size_t *n, struct rp_err *e)
{
	struct rp_rdma_sysfs_dev *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	char p[PATH_MAX], tgt[PATH_MAX];
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	if (!root)
		root = rp_rdma_sysfs_root();
	pathf(p, sizeof(p), "%s/class/infiniband", root);
	d = opendir(p);
	if (!d)
		return errno == ENOENT ? 0 : rp_err_set(e, -errno, "%s: %s", p, strerror(errno));
	while ((de = readdir(d))) {
		struct rp_rdma_sysfs_dev *x;
		ssize_t r;
		int fd;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(x->name))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				free(v);
				return rp_err_set(e, -ENOMEM, "out of memory");
			}
			v = nv;
		}
		x = &v[cnt++];
		memset(x, 0, sizeof(*x));
		memcpy(x->name, de->d_name, strlen(de->d_name) + 1);
		pathf(p, sizeof(p), "%s/class/infiniband/%s/ports/1/gid_attrs/ndevs/0", root, x->name);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			r = read(fd, x->netdev, sizeof(x->netdev) - 1);
			close(fd);
			x->netdev[r > 0 ? r : 0] = '\0';
			x->netdev[strcspn(x->netdev, "\n")] = '\0';
		}
		/* class/infiniband/<dev> -> .../<pci>/infiniband/<dev>: the PCI function is two up. */
		pathf(p, sizeof(p), "%s/class/infiniband/%s", root, x->name);
		if (realpath(p, tgt)) {
			char *s = strrchr(tgt, '/');

			if (s) {
				*s = '\0';
				s = strrchr(tgt, '/');
				if (s && !strcmp(s, "/infiniband")) {
					*s = '\0';
					s = strrchr(tgt, '/');
					if (s && strlen(s + 1) < sizeof(x->pci))
						memcpy(x->pci, s + 1, strlen(s + 1) + 1);
				}
			}
		}
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), cmp_dev);
	*out = v;
	*n = cnt;
	return 0;
}
