/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated node's relay (vf/relay.h client, sim/nlsrv.h server): the switch fires only with
 * RAILPOOL_SYSFS_ROOT *and* the sim's marker and socket; a request travels byte for byte to the
 * recorder and its answer (replies, kernel error with text) comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "sim/nlrec.h"
#include "sim/nlsrv.h"
#include "vf/cfg.h"
#include "vf/pci.h"
#include "vf/relay.h"

static char root[64];

static int setup(void **st)
{
	(void)st;
	snprintf(root, sizeof(root), "/tmp/rpr%d-XXXXXX", getpid() % 100000);
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **st)
{
	char p[128];

	(void)st;
	snprintf(p, sizeof(p), "%s/%s/marker", root, RP_VF_RELAY_DIR);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", root, RP_VF_RELAY_DIR);
	rmdir(p);
	rmdir(root);
	unsetenv(RP_VF_SYSFS_ENV);
	return 0;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

/* Without the env variable, without the marker, with a wrong magic or without the socket: the
 * real kernel.  Only the sim's own files switch. */
static void test_switch(void **st)
{
	char path[256], dir[128], marker[160];
	struct rp_sim_nlrec *rec;
	struct rp_sim_nlsrv *srv;
	struct rp_err e = { 0 };

	(void)st;
	unsetenv(RP_VF_SYSFS_ENV);
	assert_int_equal(rp_vf_relay_path(root, path, sizeof(path)), 0);
	setenv(RP_VF_SYSFS_ENV, root, 1);
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 0); /* no marker */
	snprintf(dir, sizeof(dir), "%s/%s", root, RP_VF_RELAY_DIR);
	snprintf(marker, sizeof(marker), "%s/marker", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(marker, "something else\n");
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 0); /* wrong magic */
	put(marker, RP_VF_RELAY_MAGIC "\n");
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 0); /* no socket */
	assert_int_equal(rp_sim_nlrec_new(&rec), 0);
	assert_int_equal(rp_sim_nlsrv_start(rec, root, NULL, NULL, &srv, &e), 0);
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 1);
	chmod(marker, 0666); /* world-writable marker: refused */
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 0);
	chmod(marker, 0644);
	rp_sim_nlsrv_stop(srv);
	rp_sim_nlrec_free(rec);
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 0); /* stop removed both */
}

/* A PF VF-config through the relay: the recorder keeps the exact bytes and applies them; a
 * kernel error comes back with its text. */
static void test_roundtrip(void **st)
{
	struct rp_vf_cfg c = { .vf = 3, .mask = RP_VF_SET_VLAN | RP_VF_SET_TRUST, .vlan = 42, .qos = 1, .trust = 1 };
	struct rp_sim_vf_state vs;
	struct rp_sim_nlrec *rec;
	struct rp_sim_nlsrv *srv;
	struct rp_vf_chan ch;
	struct rp_vf_cfg got;
	struct rp_err e = { 0 };
	char path[256];
	struct nl_msg *want;
	const struct nlmsghdr *h;

	(void)st;
	setenv(RP_VF_SYSFS_ENV, root, 1);
	assert_int_equal(rp_sim_nlrec_new(&rec), 0);
	assert_int_equal(rp_sim_nlrec_add_pf(rec, 4242, 8), 0);
	assert_int_equal(rp_sim_nlsrv_start(rec, root, NULL, NULL, &srv, &e), 0);
	assert_int_equal(rp_vf_relay_path(NULL, path, sizeof(path)), 1);
	assert_int_equal(rp_vf_chan_open_relay(&ch, path, &e), 0);
	assert_int_equal(rp_vf_cfg_apply(&ch, 4242, "pf0", &c, &e), 0);
	/* the reply path: GETLINK's answer parsed on this side of the relay */
	assert_int_equal(rp_vf_state_get(&ch, 4242, "pf0", 3, &got, &e), 0);
	assert_int_equal(got.vlan, 42);
	assert_int_equal(got.qos, 1);
	assert_int_equal(got.trust, 1);
	/* an injected kernel error arrives with its extack text */
	rp_sim_nlsrv_lock(srv);
	rp_sim_nlrec_fail_next(rec, -EBUSY, "VF is busy");
	rp_sim_nlsrv_unlock(srv);
	assert_int_equal(rp_vf_cfg_apply(&ch, 4242, "pf0", &c, &e), -EBUSY);
	assert_non_null(strstr(e.msg, "VF is busy"));
	rp_vf_chan_close(&ch);
	rp_sim_nlsrv_stop(srv); /* joins the thread: the recorder is ours again */
	assert_int_equal(rp_sim_nlrec_vf(rec, 4242, 3, &vs), 0);
	assert_int_equal(vs.vlan, 42);
	assert_int_equal(vs.trust, 1);
	/* byte for byte what vf/cfg.h builds (seq and flags as the channel sets them) */
	assert_int_equal(rp_vf_cfg_msg(4242, &c, &want), 0);
	h = rp_sim_nlrec_msg(rec, 0);
	assert_non_null(h);
	assert_int_equal(h->nlmsg_type, RTM_SETLINK);
	assert_int_equal(h->nlmsg_len, nlmsg_hdr(want)->nlmsg_len);
	assert_memory_equal((const char *)h + sizeof(*h), (const char *)nlmsg_hdr(want) + sizeof(*h),
			    h->nlmsg_len - sizeof(*h));
	nlmsg_free(want);
	assert_int_equal(rp_sim_nlrec_count(rec), 3);
	rp_sim_nlrec_free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests_name("sriov_relay", tests, setup, teardown);
}
