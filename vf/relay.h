/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A netlink channel relayed over a local socket, for the simulated node only: the requests of a
 * vf/cfg.h or rdma/nldev.h channel go, byte for byte, to a stand-in kernel in another process
 * (sim/nlsrv.h serves sim/nlrec.h's recorder there), which records them and answers.  It is how
 * the exec'd `railpool` plugin talks to a fake PF and fake RDMA devices that only exist in the
 * test process, without core/ depending on sim/: this file knows the wire format, not the sim.
 *
 * The switch (rp_vf_relay_path): the relay is used only when env RAILPOOL_SYSFS_ROOT names a
 * directory that holds RP_VF_RELAY_DIR/marker starting with RP_VF_RELAY_MAGIC and the socket
 * RP_VF_RELAY_DIR/nl.sock next to it, both owned by the caller's uid (root in production).  The
 * real /sys can hold neither file, and without the env variable nothing is even looked at, so
 * production never relays by accident.
 *
 * Wire format (SOCK_SEQPACKET, one netlink message per packet): client -> server the request as
 * built (the server assigns seq like the channel it stands in for); server -> client zero or
 * more reply messages, then one NLMSG_ERROR packet (struct nlmsgerr, error = 0 or -errno)
 * followed by the NUL-terminated error text, "" when none.
 *
 * Thread safety: a channel belongs to one thread.  Allocations: the channel owns its socket
 * until rp_vf_chan_close().  Errors: -errno; a relay that hangs up gives -ECONNRESET.
 */
#ifndef RP_VF_RELAY_H
#define RP_VF_RELAY_H

#include <stddef.h>

#include "shm/common.h"
#include "vf/cfg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_VF_RELAY_DIR "railpool-sim"
#define RP_VF_RELAY_MAGIC "railpool simulated node v1"
#define RP_VF_RELAY_MAX 65536 /* largest packet either way */

/* The relay socket path for sysfs root @root into @buf when the switch above is on: 1; else 0
 * (use the real kernel).  Cheap when RAILPOOL_SYSFS_ROOT is unset: one getenv. */
int rp_vf_relay_path(const char *root, char *buf, size_t len);

/* Connect a channel to the relay at @path.  Close it with rp_vf_chan_close(). */
int rp_vf_chan_open_relay(struct rp_vf_chan *ch, const char *path, struct rp_err *e);

#ifdef __cplusplus
}
#endif
#endif
