/* SPDX-License-Identifier: Apache-2.0 */
#include "core/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

unsigned rp_addr_bits(uint8_t family)
{
	return family == 6 ? 128 : 32;
}

/* inet_pton(AF_INET) would accept the text but say nothing about what is wrong; operators get
 * "172.16.1.256" from the seeds, so name the octet. */
static int parse_v4(const char *s, size_t n, struct rp_addr *out, struct rp_err *e)
{
	unsigned oct = 0;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->family = 4;
	while (oct < 4) {
		size_t start = i;
		unsigned v = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (i - start >= 3)
				return rp_err_set(e, -EINVAL, "octet %u has too many digits", oct + 1);
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == start)
			return rp_err_set(e, -EINVAL, "octet %u is missing or not a number", oct + 1);
		if (i - start > 1 && s[start] == '0')
			return rp_err_set(e, -EINVAL, "octet %u has a leading zero (%.*s)", oct + 1,
					  (int)(i - start), s + start);
		if (v > 255)
			return rp_err_set(e, -EINVAL, "%u is not an IPv4 octet (0..255)", v);
		out->b[oct++] = (uint8_t)v;
		if (oct < 4) {
			if (i >= n || s[i] != '.')
				return rp_err_set(e, -EINVAL, "an IPv4 address has four dot-separated octets");
			i++;
		}
	}
	if (i != n)
		return rp_err_set(e, -EINVAL, "unexpected text after the address");
	return 0;
}

int rp_addr_parse_n(const char *s, size_t n, struct rp_addr *out, struct rp_err *e)
{
	char buf[RP_ADDR_STRLEN + 1];

	if (!s || n == 0)
		return rp_err_set(e, -EINVAL, "empty address");
	if (memchr(s, ':', n)) {
		if (n >= sizeof(buf))
			return rp_err_set(e, -EINVAL, "too long for an IPv6 address");
		memcpy(buf, s, n);
		buf[n] = '\0';
		memset(out, 0, sizeof(*out));
		out->family = 6;
		if (inet_pton(AF_INET6, buf, out->b) != 1)
			return rp_err_set(e, -EINVAL, "not a valid IPv6 address");
		return 0;
	}
	return parse_v4(s, n, out, e);
}

int rp_addr_parse(const char *s, struct rp_addr *out, struct rp_err *e)
{
	return rp_addr_parse_n(s, s ? strlen(s) : 0, out, e);
}

int rp_addr_format(const struct rp_addr *a, char *buf, size_t len)
{
	if (a->family != 4 && a->family != 6)
		return -EINVAL;
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf, (socklen_t)len))
		return -ENOSPC;
	return 0;
}

int rp_addr_cmp(const struct rp_addr *a, const struct rp_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

rp_u128 rp_addr_to_u128(const struct rp_addr *a)
{
	unsigned n = a->family == 4 ? 4 : 16;
	rp_u128 v = 0;

	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

struct rp_addr rp_addr_from_u128(uint8_t family, rp_u128 v)
{
	struct rp_addr a;
	unsigned n = family == 4 ? 4 : 16;

	memset(&a, 0, sizeof(a));
	a.family = family;
	for (unsigned i = n; i-- > 0;) {
		a.b[i] = (uint8_t)v;
		v >>= 8;
	}
	return a;
}

static rp_u128 family_max(uint8_t family)
{
	return family == 4 ? (rp_u128)UINT32_MAX : ~(rp_u128)0;
}

int rp_addr_add(const struct rp_addr *a, __int128 off, struct rp_addr *out)
{
	rp_u128 v = rp_addr_to_u128(a), r;

	if (off >= 0) {
		r = v + (rp_u128)off;
		if (r < v || r > family_max(a->family))
			return -ERANGE;
	} else {
		rp_u128 d = (rp_u128)(-(off + 1)) + 1;

		if (d > v)
			return -ERANGE;
		r = v - d;
	}
	*out = rp_addr_from_u128(a->family, r);
	return 0;
}

static rp_u128 host_mask(uint8_t family, unsigned prefix)
{
	unsigned bits = rp_addr_bits(family);

	if (prefix >= bits)
		return 0;
	if (bits - prefix == 128)
		return ~(rp_u128)0;
	return (((rp_u128)1) << (bits - prefix)) - 1;
}

int rp_cidr_parse(const char *s, struct rp_cidr *out, bool *normalised, struct rp_err *e)
{
	const char *slash;
	unsigned prefix = 0;
	int rc;

	if (!s || !*s)
		return rp_err_set(e, -EINVAL, "empty subnet");
	slash = strchr(s, '/');
	if (!slash)
		return rp_err_set(e, -EINVAL, "a subnet needs a prefix length (e.g. 172.16.0.0/16)");
	rc = rp_addr_parse_n(s, (size_t)(slash - s), &out->addr, e);
	if (rc)
		return rc;
	const char *p = slash + 1;
	if (!*p)
		return rp_err_set(e, -EINVAL, "missing prefix length after '/'");
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || prefix > 200)
			return rp_err_set(e, -EINVAL, "prefix length is not a number");
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	if (prefix > rp_addr_bits(out->addr.family))
		return rp_err_set(e, -EINVAL, "prefix length %u is too long for IPv%u (max %u)", prefix,
				  out->addr.family, rp_addr_bits(out->addr.family));
	out->prefix = (uint8_t)prefix;
	rp_u128 v = rp_addr_to_u128(&out->addr);
	rp_u128 m = host_mask(out->addr.family, prefix);
	if (normalised)
		*normalised = (v & m) != 0;
	out->addr = rp_addr_from_u128(out->addr.family, v & ~m);
	return 0;
}

int rp_cidr_format(const struct rp_cidr *c, char *buf, size_t len)
{
	char a[RP_ADDR_STRLEN];
	int rc = rp_addr_format(&c->addr, a, sizeof(a));

	if (rc)
		return rc;
	if ((size_t)snprintf(buf, len, "%s/%u", a, c->prefix) >= len)
		return -ENOSPC;
	return 0;
}

struct rp_addr rp_cidr_first(const struct rp_cidr *c)
{
	return c->addr;
}

struct rp_addr rp_cidr_last(const struct rp_cidr *c)
{
	return rp_addr_from_u128(c->addr.family,
				 rp_addr_to_u128(&c->addr) | host_mask(c->addr.family, c->prefix));
}

bool rp_cidr_contains(const struct rp_cidr *c, const struct rp_addr *a)
{
	unsigned full = c->prefix / 8, rem = c->prefix % 8;

	/* Byte-wise: selection runs this per candidate pool on the CNI ADD path. */
	if (a->family != c->addr.family || c->prefix > rp_addr_bits(a->family))
		return false;
	if (memcmp(a->b, c->addr.b, full))
		return false;
	if (rem) {
		uint8_t m = (uint8_t)(0xffu << (8 - rem));

		return (a->b[full] & m) == (c->addr.b[full] & m);
	}
	return true;
}

bool rp_cidr_contains_range(const struct rp_cidr *c, const struct rp_range *r)
{
	return rp_cidr_contains(c, &r->lo) && rp_cidr_contains(c, &r->hi);
}

bool rp_cidr_is_default(const struct rp_cidr *c)
{
	return c->prefix == 0;
}

int rp_range_parse(const char *s, struct rp_range *out, struct rp_err *e)
{
	const char *dash;
	int rc;

	if (!s || !*s)
		return rp_err_set(e, -EINVAL, "empty range");
	dash = strchr(s, '-');
	if (!dash) {
		rc = rp_addr_parse(s, &out->lo, e);
		if (rc)
			return rc;
		out->hi = out->lo;
		return 0;
	}
	rc = rp_addr_parse_n(s, (size_t)(dash - s), &out->lo, e);
	if (rc)
		return rp_err_prefix(e, "range start: ");
	rc = rp_addr_parse(dash + 1, &out->hi, e);
	if (rc)
		return rp_err_prefix(e, "range end: ");
	if (out->lo.family != out->hi.family)
		return rp_err_set(e, -EINVAL, "range mixes IPv4 and IPv6");
	if (rp_addr_cmp(&out->lo, &out->hi) > 0)
		return rp_err_set(e, -EINVAL, "range start is above its end; write the lower address first");
	return 0;
}

int rp_range_format(const struct rp_range *r, char *buf, size_t len)
{
	char a[RP_ADDR_STRLEN], b[RP_ADDR_STRLEN];
	int n;

	if (rp_addr_format(&r->lo, a, sizeof(a)) || rp_addr_format(&r->hi, b, sizeof(b)))
		return -EINVAL;
	if (!rp_addr_cmp(&r->lo, &r->hi))
		n = snprintf(buf, len, "%s", a);
	else
		n = snprintf(buf, len, "%s-%s", a, b);
	return (size_t)n >= len ? -ENOSPC : 0;
}

rp_u128 rp_range_count(const struct rp_range *r)
{
	rp_u128 d = rp_addr_to_u128(&r->hi) - rp_addr_to_u128(&r->lo);

	return d == ~(rp_u128)0 ? d : d + 1;
}

bool rp_range_contains(const struct rp_range *r, const struct rp_addr *a)
{
	return a->family == r->lo.family && rp_addr_cmp(&r->lo, a) <= 0 && rp_addr_cmp(a, &r->hi) <= 0;
}

bool rp_range_overlap(const struct rp_range *a, const struct rp_range *b)
{
	if (a->lo.family != b->lo.family)
		return false;
	return rp_addr_cmp(&a->lo, &b->hi) <= 0 && rp_addr_cmp(&b->lo, &a->hi) <= 0;
}

void rp_addr_to_ip(const struct rp_addr *a, struct rp_ip *out)
{
	memset(out, 0, sizeof(*out));
	out->family = a->family;
	memcpy(out->b, a->b, 16);
}

int rp_addr_from_ip(const struct rp_ip *ip, struct rp_addr *out)
{
	if (ip->family != RP_FAM_V4 && ip->family != RP_FAM_V6)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = ip->family;
	memcpy(out->b, ip->b, ip->family == RP_FAM_V4 ? 4 : 16);
	return 0;
}
