/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address, CIDR and range parsing: whatever parses must format and parse back to the same value,
 * and the arithmetic must agree with the parsed bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256];
	char buf[RP_RANGE_STRLEN];
	struct rp_addr a, b;
	struct rp_cidr c, c2;
	struct rp_range r, r2;
	struct rp_err e;
	bool norm;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (!rp_addr_parse_n(s, size, &a, &e)) {
		RP_ASSERT(rp_addr_format(&a, buf, sizeof(buf)) == 0);
		RP_ASSERT(rp_addr_parse(buf, &b, &e) == 0 && rp_addr_cmp(&a, &b) == 0);
		struct rp_ip ip;
		rp_addr_to_ip(&a, &ip);
		RP_ASSERT(rp_addr_from_ip(&ip, &b) == 0 && rp_addr_cmp(&a, &b) == 0);
		rp_u128 v = rp_addr_to_u128(&a);
		if (!rp_addr_add(&a, 1, &b))
			RP_ASSERT(rp_addr_to_u128(&b) == v + 1);
		if (!rp_addr_add(&a, -1, &b))
			RP_ASSERT(rp_addr_to_u128(&b) == v - 1);
	}
	if (!rp_cidr_parse(s, &c, &norm, &e)) {
		RP_ASSERT(rp_cidr_format(&c, buf, sizeof(buf)) == 0);
		RP_ASSERT(rp_cidr_parse(buf, &c2, &norm, &e) == 0 && !norm);
		RP_ASSERT(rp_addr_cmp(&c.addr, &c2.addr) == 0 && c.prefix == c2.prefix);
		struct rp_addr first = rp_cidr_first(&c), last = rp_cidr_last(&c);
		RP_ASSERT(rp_cidr_contains(&c, &first) && rp_cidr_contains(&c, &last));
		if (!rp_addr_add(&last, 1, &b))
			RP_ASSERT(!rp_cidr_contains(&c, &b));
	}
	if (!rp_range_parse(s, &r, &e)) {
		RP_ASSERT(rp_addr_cmp(&r.lo, &r.hi) <= 0);
		RP_ASSERT(rp_range_format(&r, buf, sizeof(buf)) == 0);
		RP_ASSERT(rp_range_parse(buf, &r2, &e) == 0);
		RP_ASSERT(!rp_addr_cmp(&r.lo, &r2.lo) && !rp_addr_cmp(&r.hi, &r2.hi));
		RP_ASSERT(rp_range_count(&r) >= 1 && rp_range_overlap(&r, &r2));
		RP_ASSERT(rp_range_contains(&r, &r.lo) && rp_range_contains(&r, &r.hi));
	}
	return 0;
}
