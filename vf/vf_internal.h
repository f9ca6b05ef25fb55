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

#endif
