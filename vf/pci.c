/* SPDX-License-Identifier: Apache-2.0 */
#include "vf/pci.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vf/vf_internal.h"

const char *rp_vf_sysfs_root(void)
{
	const char *r = getenv(RP_VF_SYSFS_ENV);

	return r && *r ? r : "/sys";
}

static const char *root_or_default(const char *root)
{
	return root ? root : rp_vf_sysfs_root();
}

int rp_vf__read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	if (r < 0) {
		r = -errno;
		close(fd);
		return (int)r;
	}
	close(fd);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return (int)r;
}

int rp_vf__read_u32(const char *path, uint32_t *out)
{
	char buf[32], *end;
	unsigned long v;
	int rc = rp_vf__read_str(path, buf, sizeof(buf));

	if (rc < 0)
		return rc;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (end == buf || *end || errno || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int rp_vf__link_base(const char *path, char *buf, size_t len)
{
	char tgt[PATH_MAX];
	ssize_t r = readlink(path, tgt, sizeof(tgt) - 1);
	const char *b;

	if (r < 0)
		return -errno;
	tgt[r] = '\0';
	b = strrchr(tgt, '/');
	b = b ? b + 1 : tgt;
	if (strlen(b) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, b);
	return 0;
}

int rp_vf__first_entry(const char *path, char *buf, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) >= len) {
			rc = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, de->d_name);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

int rp_vf_pci_valid(const char *pci)
{
	/* dddd:bb:dd.f, hex digits; function 0-7 */
	static const char pat[] = "xxxx:xx:xx.x";
	size_t i;

	if (!pci || strlen(pci) != sizeof(pat) - 1)
		return 0;
	for (i = 0; i < sizeof(pat) - 1; i++) {
		if (pat[i] == 'x' ? !isxdigit((unsigned char)pci[i]) : pci[i] != pat[i])
			return 0;
	}
	return pci[11] >= '0' && pci[11] <= '7';
}

static int link_type_of(const char *root, const char *netdev)
{
	char p[PATH_MAX];
	uint32_t t;

	snprintf(p, sizeof(p), "%s/class/net/%s/type", root, netdev);
	if (rp_vf__read_u32(p, &t))
		return RP_LINK_UNKNOWN;
	return t == 1 ? RP_LINK_ETHER : t == 32 ? RP_LINK_INFINIBAND : RP_LINK_UNKNOWN;
}

int rp_vf_pf_get(const char *root, const char *pf_netdev, struct rp_pf_info *out, struct rp_err *e)
{
	char p[PATH_MAX + 64], dev[PATH_MAX];
	uint32_t v;
	int rc;

	root = root_or_default(root);
	memset(out, 0, sizeof(*out));
	if (!pf_netdev || !*pf_netdev || strlen(pf_netdev) >= sizeof(out->netdev) ||
	    strchr(pf_netdev, '/'))
		return rp_err_set(e, -EINVAL, "PF name '%s' is not a valid interface name",
				  pf_netdev ? pf_netdev : "");
	strcpy(out->netdev, pf_netdev);
	snprintf(dev, sizeof(dev), "%s/class/net/%s/device", root, pf_netdev);
	rc = rp_vf__link_base(dev, out->pci, sizeof(out->pci));
	if (rc)
		return rp_err_set(e, rc, "PF %s: no PCI device (%s: %s); check the interface name in "
				  "pfNames/nicSelector", pf_netdev, dev, strerror(-rc));
	snprintf(p, sizeof(p), "%s/sriov_totalvfs", dev);
	rc = rp_vf__read_u32(p, &out->totalvfs);
	if (rc)
		return rp_err_set(e, rc == -ENOENT ? -EOPNOTSUPP : rc,
				  "PF %s (%s) is not SR-IOV capable: cannot read %s (%s)", pf_netdev,
				  out->pci, p, strerror(-rc));
	snprintf(p, sizeof(p), "%s/sriov_numvfs", dev);
	rc = rp_vf__read_u32(p, &out->numvfs);
	if (rc)
		return rp_err_set(e, rc, "PF %s: cannot read %s (%s)", pf_netdev, p, strerror(-rc));
	if (out->numvfs > out->totalvfs)
		return rp_err_set(e, -EINVAL,
				  "PF %s: sriov_numvfs %u exceeds sriov_totalvfs %u (broken sysfs tree at %s)",
				  pf_netdev, out->numvfs, out->totalvfs, dev);
	snprintf(p, sizeof(p), "%s/driver", dev);
	rp_vf__link_base(p, out->driver, sizeof(out->driver));
	snprintf(p, sizeof(p), "%s/infiniband", dev);
	rp_vf__first_entry(p, out->rdma_dev, sizeof(out->rdma_dev));
	snprintf(p, sizeof(p), "%s/class/net/%s/mtu", root, pf_netdev);
	if (!rp_vf__read_u32(p, &v))
		out->mtu = v;
	snprintf(p, sizeof(p), "%s/class/net/%s/ifindex", root, pf_netdev);
	if (!rp_vf__read_u32(p, &v) && v <= INT32_MAX)
		out->ifindex = (int32_t)v;
	out->link_type = link_type_of(root, pf_netdev);
	return 0;
}

/* Fill the per-function fields of @out from PCI dir @dir. */
static void fill_fn(const char *root, const char *dir, struct rp_vf_info *out)
{
	char p[PATH_MAX + 16];

	(void)root;
	snprintf(p, sizeof(p), "%s/driver", dir);
	rp_vf__link_base(p, out->driver, sizeof(out->driver));
	snprintf(p, sizeof(p), "%s/net", dir);
	rp_vf__first_entry(p, out->netdev, sizeof(out->netdev));
	snprintf(p, sizeof(p), "%s/infiniband", dir);
	rp_vf__first_entry(p, out->rdma_dev, sizeof(out->rdma_dev));
}

int rp_vf_list(const char *root, const struct rp_pf_info *pf, struct rp_vf_info **out, size_t *n,
	       struct rp_err *e)
{
	struct rp_vf_info *v = NULL;
	char p[PATH_MAX], back[RP_PCI_ADDR_MAX];
	uint32_t i;
	int rc;

	root = root_or_default(root);
	*out = NULL;
	*n = 0;
	if (!pf->numvfs)
		return 0;
	v = calloc(pf->numvfs, sizeof(*v));
	if (!v)
		return rp_err_set(e, -ENOMEM, "out of memory listing VFs of %s", pf->netdev);
	for (i = 0; i < pf->numvfs; i++) {
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/virtfn%u", root, pf->pci, i);
		rc = rp_vf__link_base(p, v[i].pci, sizeof(v[i].pci));
		if (rc) {
			rp_err_set(e, -EINVAL, "PF %s: sriov_numvfs is %u but %s is missing (%s)",
				   pf->netdev, pf->numvfs, p, strerror(-rc));
			goto err;
		}
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/physfn", root, v[i].pci);
		rc = rp_vf__link_base(p, back, sizeof(back));
		if (rc || strcmp(back, pf->pci)) {
			rp_err_set(e, -EINVAL, "VF %s (virtfn%u of %s): physfn link %s %s", v[i].pci, i,
				   pf->netdev, p, rc ? "is missing" : "points to another PF");
			goto err;
		}
		strcpy(v[i].pf_pci, pf->pci);
		v[i].index = (int32_t)i;
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s", root, v[i].pci);
		fill_fn(root, p, &v[i]);
	}
	*out = v;
	*n = pf->numvfs;
	return 0;
err:
	free(v);
	return -EINVAL;
}

int rp_vf_get(const char *root, const char *pci, struct rp_vf_info *out, struct rp_err *e)
{
	char dir[PATH_MAX], p[PATH_MAX + 32], other[RP_PCI_ADDR_MAX];
	uint32_t i, total = 0;
	int rc;

	root = root_or_default(root);
	memset(out, 0, sizeof(*out));
	if (!rp_vf_pci_valid(pci))
		return rp_err_set(e, -EINVAL, "deviceID '%s' is not a PCI address (dddd:bb:dd.f)",
				  pci ? pci : "");
	strcpy(out->pci, pci);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", root, pci);
	if (access(dir, F_OK))
		return rp_err_set(e, -ENOENT, "VF %s: no such PCI device (%s)", pci, dir);
	snprintf(p, sizeof(p), "%s/physfn", dir);
	rc = rp_vf__link_base(p, out->pf_pci, sizeof(out->pf_pci));
	if (rc)
		return rp_err_set(e, -EINVAL, "PCI device %s is not a VF (no physfn link at %s)", pci, p);
	/* The VF index is the N of the PF's virtfnN that points back at us. */
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/sriov_totalvfs", root, out->pf_pci);
	rp_vf__read_u32(p, &total);
	out->index = -1;
	for (i = 0; i < total; i++) {
		snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/virtfn%u", root, out->pf_pci, i);
		if (rp_vf__link_base(p, other, sizeof(other)))
			continue;
		if (!strcmp(other, pci)) {
			out->index = (int32_t)i;
			break;
		}
	}
	if (out->index < 0)
		return rp_err_set(e, -EINVAL, "VF %s: its PF %s has no virtfnN link back to it", pci,
				  out->pf_pci);
	fill_fn(root, dir, out);
	return 0;
}

int rp_vf_netdev_of(const char *root, const char *pci, char name[RP_VF_IFNAME_MAX], struct rp_err *e)
{
	char p[PATH_MAX];
	int rc;

	root = root_or_default(root);
	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/net", root, pci);
	rc = rp_vf__first_entry(p, name, RP_VF_IFNAME_MAX);
	if (rc)
		return rp_err_set(e, -ENOENT, "PCI device %s has no netdev in this network namespace (%s)",
				  pci, p);
	return 0;
}

static int write_u32(const char *path, uint32_t v)
{
	char buf[16];
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	int len = snprintf(buf, sizeof(buf), "%u\n", v), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		rc = errno ? -errno : -EIO;
	close(fd);
	return rc;
}

int rp_vf_provision(const char *root, const char *pf_netdev, uint32_t numvfs, struct rp_err *e)
{
	struct rp_pf_info pf;
	char p[PATH_MAX];
	int rc;

	root = root_or_default(root);
	rc = rp_vf_pf_get(root, pf_netdev, &pf, e);
	if (rc)
		return rc;
	if (numvfs > pf.totalvfs)
		return rp_err_set(e, -EINVAL,
				  "PF %s: numVfs %u exceeds sriov_totalvfs %u; lower numVfs in the "
				  "SriovNetworkNodePolicy (or raise the NIC's firmware VF limit)",
				  pf_netdev, numvfs, pf.totalvfs);
	if (pf.numvfs == numvfs)
		return 0;
	snprintf(p, sizeof(p), "%s/class/net/%s/device/sriov_numvfs", root, pf_netdev);
	if (pf.numvfs) {
		/* The kernel refuses N -> M with EBUSY; going through 0 is the documented way. */
		rc = write_u32(p, 0);
		if (rc)
			return rp_err_set(e, rc, "PF %s: writing 0 to %s: %s", pf_netdev, p, strerror(-rc));
	}
	if (numvfs) {
		rc = write_u32(p, numvfs);
		if (rc)
			return rp_err_set(e, rc, "PF %s: writing %u to %s: %s", pf_netdev, numvfs, p,
					  strerror(-rc));
	}
	return 0;
}
