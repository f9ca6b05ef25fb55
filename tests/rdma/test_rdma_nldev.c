/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RDMA netlink: exact bytes of every nldev request decoded attribute by attribute; mode
 * checks and their errors; device list and moves through the recorder; the real NETLINK_RDMA
 * socket on this kernel (which has no RDMA: a clear error, or real answers where it has).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <rdma/rdma_netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "rdma/nldev.h"
#include "sim/nlrec.h"

static struct nla_policy pol[RDMA_NLDEV_ATTR_MAX] = {
	[RDMA_NLDEV_ATTR_DEV_INDEX] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[RDMA_NLDEV_NET_NS_FD] = { .type = NLA_U32, .minlen = 4, .maxlen = 4 },
	[RDMA_NLDEV_SYS_ATTR_NETNS_MODE] = { .type = NLA_U8, .minlen = 1, .maxlen = 1 },
};

/* Parse @h as nldev command @cmd with @flags; returns the number of attributes present. */
static int decode(const struct nlmsghdr *h, int cmd, int flags, struct nlattr **tb)
{
	int i, n = 0;

	assert_int_equal(h->nlmsg_type, RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd));
	assert_int_equal(RDMA_NL_GET_CLIENT(h->nlmsg_type), RDMA_NL_NLDEV);
	assert_int_equal(RDMA_NL_GET_OP(h->nlmsg_type), cmd);
	assert_int_equal(h->nlmsg_flags & ~NLM_F_ACK, NLM_F_REQUEST | flags);
	assert_int_equal(nlmsg_parse((struct nlmsghdr *)h, 0, tb, RDMA_NLDEV_ATTR_MAX - 1, pol), 0);
	for (i = 0; i < RDMA_NLDEV_ATTR_MAX; i++)
		n += tb[i] != NULL;
	return n;
}

static void test_bytes(void **state)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct nl_msg *m;

	(void)state;
	assert_int_equal(rp_rdma_msg_sys_get(&m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_SYS_GET, 0, tb), 0);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_len, NLMSG_HDRLEN);
	nlmsg_free(m);

	assert_int_equal(rp_rdma_msg_sys_set(RP_RDMA_EXCLUSIVE, &m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_SYS_SET, 0, tb), 1);
	assert_int_equal(nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]), 0);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_len, NLMSG_HDRLEN + nla_total_size(1));
	nlmsg_free(m);
	assert_int_equal(rp_rdma_msg_sys_set(RP_RDMA_SHARED, &m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_SYS_SET, 0, tb), 1);
	assert_int_equal(nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]), 1);
	nlmsg_free(m);
	assert_int_equal(rp_rdma_msg_sys_set(2, &m), -EINVAL);

	assert_int_equal(rp_rdma_msg_dev_dump(&m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_GET, NLM_F_DUMP, tb), 0);
	nlmsg_free(m);

	assert_int_equal(rp_rdma_msg_port_dump(7, &m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_PORT_GET, NLM_F_DUMP, tb), 1);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]), 7);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_len, NLMSG_HDRLEN + nla_total_size(4));
	nlmsg_free(m);

	assert_int_equal(rp_rdma_msg_dev_move(3, 17, &m), 0);
	assert_int_equal(decode(nlmsg_hdr(m), RDMA_NLDEV_CMD_SET, 0, tb), 2);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]), 3);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_NET_NS_FD]), 17);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_len, NLMSG_HDRLEN + 2 * nla_total_size(4));
	nlmsg_free(m);
	assert_int_equal(rp_rdma_msg_dev_move(3, -1, &m), -EBADF);
}

struct fx {
	struct rp_sim_nlrec *r;
	struct rp_rdma_chan ch;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || rp_sim_nlrec_new(&f->r))
		return -1;
	f->ch.xfer = rp_sim_nlrec_xfer;
	f->ch.ctx = f->r;
	rp_sim_nlrec_add_rdma_dev(f->r, 1, "mlx5_0", "eno3np1", 101);
	rp_sim_nlrec_add_rdma_dev(f->r, 2, "mlx5_1", "eno3np2", 102);
	rp_sim_nlrec_add_rdma_dev(f->r, 9, "mlx5_9", NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rp_sim_nlrec_free(f->r);
	free(f);
	return 0;
}

static void test_mode(void **state)
{
	struct fx *f = *state;
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct rp_err e = { 0 };
	int mode;

	assert_int_equal(rp_rdma_mode_get(&f->ch, &mode, &e), 0);
	assert_int_equal(mode, RP_RDMA_SHARED);
	assert_int_equal(decode(rp_sim_nlrec_msg(f->r, 0), RDMA_NLDEV_CMD_SYS_GET, 0, tb), 0);

	/* rdmaIsolation in shared mode: the error names the fix */
	assert_int_equal(rp_rdma_mode_require(&f->ch, RP_RDMA_EXCLUSIVE, "rdmaIsolation", &e), -EPERM);
	assert_string_equal(e.msg, "RDMA subsystem is in shared netns mode; rdmaIsolation needs exclusive: "
				   "run `rdma system set netns exclusive` (and reboot or reload the driver)");
	assert_int_equal(rp_rdma_mode_require(&f->ch, RP_RDMA_SHARED, "shared RDMA macvlan rails", &e), 0);

	assert_int_equal(rp_rdma_mode_set(&f->ch, RP_RDMA_EXCLUSIVE, &e), 0);
	assert_int_equal(decode(rp_sim_nlrec_msg(f->r, rp_sim_nlrec_count(f->r) - 1), RDMA_NLDEV_CMD_SYS_SET, 0,
				tb), 1);
	assert_int_equal(nla_get_u8(tb[RDMA_NLDEV_SYS_ATTR_NETNS_MODE]), RP_RDMA_EXCLUSIVE);
	assert_int_equal(rp_sim_nlrec_rdma_mode(f->r), RP_RDMA_EXCLUSIVE);
	assert_int_equal(rp_rdma_mode_require(&f->ch, RP_RDMA_EXCLUSIVE, "rdmaIsolation", &e), 0);
	assert_int_equal(rp_rdma_mode_require(&f->ch, RP_RDMA_SHARED, "shared RDMA macvlan rails", &e), -EPERM);
	assert_string_equal(e.msg, "RDMA subsystem is in exclusive netns mode; shared RDMA macvlan rails needs "
				   "shared: run `rdma system set netns shared` (and reboot or reload the driver)");
	assert_int_equal(rp_rdma_mode_set(&f->ch, 5, &e), -EINVAL);

	/* a kernel error on the way carries the kernel's text */
	rp_sim_nlrec_fail_next(f->r, -EPERM, "Operation not permitted in this netns");
	assert_int_equal(rp_rdma_mode_get(&f->ch, &mode, &e), -EPERM);
	assert_non_null(strstr(e.msg, "reading the RDMA netns mode"));
	assert_non_null(strstr(e.msg, "Operation not permitted in this netns"));
}

static void test_list_and_move(void **state)
{
	struct fx *f = *state;
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct rp_rdma_dev *d;
	struct rp_err e = { 0 };
	uint32_t idx;
	size_t n;

	assert_int_equal(rp_rdma_dev_list(&f->ch, &d, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].name, "mlx5_0");
	assert_string_equal(d[0].ndev, "eno3np1");
	assert_int_equal(d[0].ndev_index, 101);
	assert_int_equal(d[0].port, 1);
	assert_string_equal(d[1].ndev, "eno3np2");
	assert_int_equal(d[2].index, 9);
	assert_string_equal(d[2].ndev, "");
	free(d);
	/* one dump of devices, then one port dump per device naming it */
	assert_int_equal(rp_sim_nlrec_count(f->r), 4);
	assert_int_equal(decode(rp_sim_nlrec_msg(f->r, 0), RDMA_NLDEV_CMD_GET, NLM_F_DUMP, tb), 0);
	assert_int_equal(decode(rp_sim_nlrec_msg(f->r, 3), RDMA_NLDEV_CMD_PORT_GET, NLM_F_DUMP, tb), 1);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]), 9);

	assert_int_equal(rp_rdma_dev_index(&f->ch, "mlx5_1", &idx, &e), 0);
	assert_int_equal(idx, 2);
	assert_int_equal(rp_rdma_dev_index(&f->ch, "mlx5_7", &idx, &e), -ENODEV);
	assert_non_null(strstr(e.msg, "mlx5_7"));

	/* shared mode: the kernel refuses the move, the error names the fix */
	rp_sim_nlrec_clear(f->r);
	assert_int_equal(rp_rdma_dev_move(&f->ch, "mlx5_1", 33, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "rdma system set netns exclusive"));
	assert_int_equal(rp_sim_nlrec_rdma_dev_netns(f->r, 2), -1);

	rp_sim_nlrec_set_rdma_mode(f->r, RP_RDMA_EXCLUSIVE);
	rp_sim_nlrec_clear(f->r);
	assert_int_equal(rp_rdma_dev_move(&f->ch, "mlx5_1", 33, &e), 0);
	assert_int_equal(rp_sim_nlrec_count(f->r), 2); /* the index lookup, then the move */
	assert_int_equal(decode(rp_sim_nlrec_msg(f->r, 1), RDMA_NLDEV_CMD_SET, 0, tb), 2);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]), 2);
	assert_int_equal(nla_get_u32(tb[RDMA_NLDEV_NET_NS_FD]), 33);
	assert_int_equal(rp_sim_nlrec_rdma_dev_netns(f->r, 2), 33);
}

/* This machine's kernel: either NETLINK_RDMA is missing (a clear error) or it answers. */
static void test_real_socket(void **state)
{
	struct rp_rdma_chan ch;
	struct rp_err e = { 0 };
	int rc, mode;

	(void)state;
	rc = rp_rdma_chan_open(&ch, -1, &e);
	if (rc) {
		printf("# NETLINK_RDMA unavailable here: %s\n", e.msg);
		assert_int_equal(rc, -EPROTONOSUPPORT);
		assert_non_null(strstr(e.msg, "RDMA netlink is not supported"));
		return;
	}
	rc = rp_rdma_mode_get(&ch, &mode, &e);
	printf("# NETLINK_RDMA: mode_get rc %d mode %d %s\n", rc, mode, rc ? e.msg : "");
	if (!rc)
		assert_true(mode == RP_RDMA_SHARED || mode == RP_RDMA_EXCLUSIVE);
	else
		assert_non_null(strstr(e.msg, "RDMA netns mode"));
	rp_rdma_chan_close(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_move, setup, teardown),
		cmocka_unit_test(test_real_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
