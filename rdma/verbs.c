/* SPDX-License-Identifier: Apache-2.0 */
#include "rdma/verbs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>
#if __has_include(<infiniband/mlx5dv.h>)
#include <infiniband/mlx5dv.h>
#define RP_HAVE_MLX5DV 1
#endif

static void query_dev(struct ibv_device *dev, struct rp_rdma_verbs_dev *out)
{
	struct ibv_gid_entry ents[RP_RDMA_VERBS_MAX_GIDS];
	struct ibv_port_attr pa;
	struct ibv_context *ctx;
	ssize_t n, i;

	snprintf(out->name, sizeof(out->name), "%s", ibv_get_device_name(dev));
	out->guid = ibv_get_device_guid(dev);
#ifdef RP_HAVE_MLX5DV
	out->mlx5 = mlx5dv_is_supported(dev) ? 1 : 0;
#endif
	ctx = ibv_open_device(dev);
	if (!ctx)
		return; /* listed but not openable (permissions): name and GUID still useful */
	if (!ibv_query_port(ctx, 1, &pa)) {
		out->port_state = (uint8_t)pa.state;
		out->link_layer = pa.link_layer;
		out->active_mtu = 128u << pa.active_mtu;
	}
	n = ibv_query_gid_table(ctx, ents, RP_RDMA_VERBS_MAX_GIDS, 0);
	for (i = 0; i < n && out->ngids < RP_RDMA_VERBS_MAX_GIDS; i++) {
		struct rp_rdma_verbs_gid *g;

		if (ents[i].port_num != 1)
			continue;
		g = &out->gids[out->ngids++];
		g->index = ents[i].gid_index;
		memcpy(g->gid, ents[i].gid.raw, 16);
		g->type = ents[i].gid_type;
		g->ndev_index = ents[i].ndev_ifindex;
	}
	ibv_close_device(ctx);
}

int rp_rdma_verbs_list(struct rp_rdma_verbs_dev **out, size_t *n, struct rp_err *e)
{
	struct ibv_device **list;
	struct rp_rdma_verbs_dev *v;
	int num = 0, i;

	*out = NULL;
	*n = 0;
	errno = 0;
	list = ibv_get_device_list(&num);
	if (!list && errno == ENOSYS)
		/* libibverbs' way of saying the kernel has no uverbs at all. */
		return rp_err_set(e, -ENODEV, "no RDMA device: the kernel has no RDMA user verbs support "
				  "(libibverbs: %s)", strerror(ENOSYS));
	if (!list)
		return rp_err_set(e, errno ? -errno : -ENODEV, "libibverbs: cannot list RDMA devices: %s",
				  strerror(errno ? errno : ENODEV));
	if (num == 0) {
		ibv_free_device_list(list);
		return rp_err_set(e, -ENODEV, "no RDMA device: libibverbs found none (no RDMA NIC or "
				  "provider driver on this machine)");
	}
	v = calloc((size_t)num, sizeof(*v));
	if (!v) {
		ibv_free_device_list(list);
		return rp_err_set(e, -ENOMEM, "out of memory");
	}
	for (i = 0; i < num; i++)
		query_dev(list[i], &v[i]);
	ibv_free_device_list(list);
	*out = v;
	*n = (size_t)num;
	return 0;
}
