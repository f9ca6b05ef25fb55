/* SPDX-License-Identifier: Apache-2.0 */
/* vf/ internals: small sysfs readers shared by the files of this module. */
#ifndef RP_VF_INTERNAL_H
#define RP_VF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Read a sysfs attribute into @buf (trailing newline stripped). Returns length or -errno. */
int rp_vf__read_str(const char *path, char *buf, size_t len);
/* Read a decimal unsigned attribute. 0 or -errno (-EINVAL when not a number). */
int rp_vf__read_u32(const char *path, uint32_t *out);
/* Basename of the target of symlink @path into @buf. 0 or -errno. */
int rp_vf__link_base(const char *path, char *buf, size_t len);
/* First entry (not "." / "..") of directory @path into @buf. 0, -ENOENT when empty/missing. */
int rp_vf__first_entry(const char *path, char *buf, size_t len);


struct nl_msg;
struct rp_vf_chan;
struct rp_err;
struct nlmsghdr;
/* vf/relay.c: the relay channel's xfer and close (rp_vf_chan_close dispatches on xfer). */
int rp_vf__relay_xfer(void *ctx, struct nl_msg *req, int (*cb)(const struct nlmsghdr *, void *), void *arg,
		      struct rp_err *e);
void rp_vf__relay_close(struct rp_vf_chan *ch);

#endif
