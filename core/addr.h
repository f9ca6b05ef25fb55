/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4/IPv6 address, CIDR and range math for manifests and pool selection.
 *
 * Addresses are 16 bytes in network order (IPv4 in b[0..3], the rest zero), the same layout as
 * shm's struct rp_ip, so conversion is a copy.  Arithmetic works on unsigned __int128.
 *
 * Thread safety: every function is pure (no global state) and safe from any thread.
 * Allocations: none.
 * Errors: parsers return 0 or -EINVAL and, when @e is not NULL, say why in e->msg (the text is
 * meant to be embedded after "field X = VALUE: ").
 */
#ifndef RP_CORE_ADDR_H
#define RP_CORE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/common.h"
#include "shm/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define RP_CIDR_STRLEN 50
#define RP_RANGE_STRLEN 96

struct rp_addr {
	uint8_t family; /* 4 or 6 (enum rp_family values) */
	uint8_t b[16];
};

struct rp_cidr {
	struct rp_addr addr; /* normalised: host bits cleared */
	uint8_t prefix;
};

struct rp_range {
	struct rp_addr lo, hi; /* inclusive, same family, lo <= hi */
};

typedef unsigned __int128 rp_u128;

/* "10.0.0.1" (dotted quad, four decimal octets 0..255, no leading zeros beyond "0") or an IPv6
 * text form inet_pton accepts.  Surrounding blanks are not accepted. */
int rp_addr_parse(const char *s, struct rp_addr *out, struct rp_err *e);
/* Same, from a buffer that is not NUL-terminated (@n bytes). */
int rp_addr_parse_n(const char *s, size_t n, struct rp_addr *out, struct rp_err *e);
/* Formats into @buf (>= RP_ADDR_STRLEN); returns 0, or -ENOSPC / -EINVAL. */
int rp_addr_format(const struct rp_addr *a, char *buf, size_t len);

/* <0, 0, >0; addresses of different families order IPv4 first. */
int rp_addr_cmp(const struct rp_addr *a, const struct rp_addr *b);
rp_u128 rp_addr_to_u128(const struct rp_addr *a);
struct rp_addr rp_addr_from_u128(uint8_t family, rp_u128 v);
/* @a + @off (which may be negative); -ERANGE when the result leaves the family's space. */
int rp_addr_add(const struct rp_addr *a, __int128 off, struct rp_addr *out);
unsigned rp_addr_bits(uint8_t family); /* 32 or 128 */

/*
 * "a.b.c.d/n" or "x::/n".  Host bits set are accepted and cleared; *@normalised (may be NULL)
 * tells whether that happened, so callers can warn.  A bare address is refused (a prefix length
 * is required).
 */
int rp_cidr_parse(const char *s, struct rp_cidr *out, bool *normalised, struct rp_err *e);
int rp_cidr_format(const struct rp_cidr *c, char *buf, size_t len);
bool rp_cidr_contains(const struct rp_cidr *c, const struct rp_addr *a);
bool rp_cidr_contains_range(const struct rp_cidr *c, const struct rp_range *r);
struct rp_addr rp_cidr_first(const struct rp_cidr *c);
struct rp_addr rp_cidr_last(const struct rp_cidr *c);
/* Is this the whole address space (0.0.0.0/0, ::/0)? */
bool rp_cidr_is_default(const struct rp_cidr *c);

/*
 * "a" (a one-address range) or "a-b" with lo <= hi of one family.  The message says which end is
 * wrong and why (e.g. "256 is not an IPv4 octet (0..255)").
 */
int rp_range_parse(const char *s, struct rp_range *out, struct rp_err *e);
int rp_range_format(const struct rp_range *r, char *buf, size_t len);
/* Number of addresses; IPv6 ::/0 saturates at 2^128-1. */
rp_u128 rp_range_count(const struct rp_range *r);
bool rp_range_contains(const struct rp_range *r, const struct rp_addr *a);
bool rp_range_overlap(const struct rp_range *a, const struct rp_range *b);

/* Conversions to and from the node store's address type. */
void rp_addr_to_ip(const struct rp_addr *a, struct rp_ip *out);
int rp_addr_from_ip(const struct rp_ip *ip, struct rp_addr *out); /* -EINVAL for slots */

#ifdef __cplusplus
}
#endif
#endif
