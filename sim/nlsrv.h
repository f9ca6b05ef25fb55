/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serves a sim/nlrec.h recorder to other processes: the stand-in kernel that the exec'd
 * `railpool` plugin reaches through vf/relay.h on the simulated node.  Start creates
 * <root>/railpool-sim/marker (the switch vf/relay.h checks) and the listening socket
 * <root>/railpool-sim/nl.sock, and runs one thread that answers every connected client
 * (several at once: the plugin may hold a PF and an RDMA channel together) until stop, which
 * removes both files.  Point RAILPOOL_SYSFS_ROOT of the plugin at @root (rp_sim_sysfs_root()).
 *
 * Thread safety: the server thread drives the recorder; a test reads or changes the recorder only
 * between rp_sim_nlsrv_lock() and rp_sim_nlsrv_unlock().  Allocations: freed by stop.
 * Errors: -errno with @e naming the file or socket.
 */
#ifndef RP_SIM_NLSRV_H
#define RP_SIM_NLSRV_H

#include <sys/types.h>
#include <linux/netlink.h>

#include "shm/common.h"
#include "sim/nlrec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rp_sim_nlsrv;

/* Called (under the lock) for every request before the recorder sees it, with the sending
 * process's pid (SO_PEERCRED), e.g. to resolve a netns fd number in that process. */
typedef void (*rp_sim_nlsrv_hook)(const struct nlmsghdr *req, pid_t peer, void *arg);

int rp_sim_nlsrv_start(struct rp_sim_nlrec *rec, const char *root, rp_sim_nlsrv_hook hook, void *hook_arg,
		       struct rp_sim_nlsrv **out, struct rp_err *e);
void rp_sim_nlsrv_stop(struct rp_sim_nlsrv *s);
void rp_sim_nlsrv_lock(struct rp_sim_nlsrv *s);
void rp_sim_nlsrv_unlock(struct rp_sim_nlsrv *s);

#ifdef __cplusplus
}
#endif
#endif
