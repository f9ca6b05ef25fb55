/* SPDX-License-Identifier: Apache-2.0 */
/* core/addr: parsing, formatting, CIDR normalisation, range math, store conversion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"

static struct rp_addr A(const char *s)
{
	struct rp_addr a;

	assert_int_equal(rp_addr_parse(s, &a, NULL), 0);
	return a;
}

static void t_parse_v4(void **st)
{
	struct rp_addr a;
	struct rp_err e;
	char buf[RP_ADDR_STRLEN];

	(void)st;
	assert_int_equal(rp_addr_parse("172.16.1.255", &a, &e), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.b[3], 255);
	assert_int_equal(a.b[4], 0);
	assert_int_equal(rp_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "172.16.1.255");
	assert_int_equal(rp_addr_parse("172.16.1.256", &a, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "256 is not an IPv4 octet"));
	assert_int_equal(rp_addr_parse("172.16.01.1", &a, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "leading zero"));
	assert_int_equal(rp_addr_parse("172.16.1", &a, &e), -EINVAL);
	assert_int_equal(rp_addr_parse("172.16.1.1.1", &a, &e), -EINVAL);
	assert_int_equal(rp_addr_parse("172.16.1.1 ", &a, &e), -EINVAL);
	assert_int_equal(rp_addr_parse("", &a, &e), -EINVAL);
	assert_int_equal(rp_addr_parse("1234.1.1.1", &a, &e), -EINVAL);
	assert_int_equal(rp_addr_parse("0.0.0.0", &a, &e), 0);
}

static void t_parse_v6(void **st)
{
	struct rp_addr a;
	char buf[RP_ADDR_STRLEN];

	(void)st;
	assert_int_equal(rp_addr_parse("fd00:0:0::1", &a, NULL), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.b[15], 1);
	rp_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::1");
	assert_int_equal(rp_addr_parse("fd00:::1", &a, NULL), -EINVAL);
	assert_int_equal(rp_addr_parse("fd00::g", &a, NULL), -EINVAL);
}

static void t_cidr(void **st)
{
	struct rp_cidr c;
	bool norm = false;
	char buf[RP_CIDR_STRLEN];
	struct rp_err e;

	(void)st;
	/* The macvlan seed writes 172.16.11.0/16: accepted, normalised, reported. */
	assert_int_equal(rp_cidr_parse("172.16.11.0/16", &c, &norm, &e), 0);
	assert_true(norm);
	rp_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "172.16.0.0/16");
	assert_true(rp_cidr_contains(&c, &(struct rp_addr){ 0 }) == false);
	struct rp_addr in = A("172.16.18.200"), out = A("172.17.0.1");
	assert_true(rp_cidr_contains(&c, &in));
	assert_false(rp_cidr_contains(&c, &out));
	assert_int_equal(rp_cidr_parse("172.16.1.32/27", &c, &norm, &e), 0);
	assert_false(norm);
	struct rp_addr last = rp_cidr_last(&c);
	rp_addr_format(&last, buf, sizeof(buf));
	assert_string_equal(buf, "172.16.1.63");
	assert_int_equal(rp_cidr_parse("172.16.1.0/33", &c, &norm, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(rp_cidr_parse("172.16.1.0", &c, &norm, &e), -EINVAL);
	assert_int_equal(rp_cidr_parse("172.16.1.0/", &c, &norm, &e), -EINVAL);
	assert_int_equal(rp_cidr_parse("0.0.0.0/0", &c, &norm, &e), 0);
	assert_true(rp_cidr_is_default(&c));
	assert_int_equal(rp_cidr_parse("fd00::1/64", &c, &norm, &e), 0);
	assert_true(norm);
	rp_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::/64");
	assert_int_equal(rp_cidr_parse("::/0", &c, &norm, &e), 0);
	assert_true(rp_cidr_contains(&c, &(struct rp_addr){ .family = 6, .b = { 0xff } }));
	assert_int_equal(rp_cidr_parse("fd00::/129", &c, &norm, &e), -EINVAL);
}

static void t_range(void **st)
{
	struct rp_range r, r2;
	struct rp_err e;
	char buf[RP_RANGE_STRLEN];

	(void)st;
	assert_int_equal(rp_range_parse("172.16.11.1-172.16.11.200", &r, &e), 0);
	assert_true(rp_range_count(&r) == 200);
	rp_range_format(&r, buf, sizeof(buf));
	assert_string_equal(buf, "172.16.11.1-172.16.11.200");
	assert_int_equal(rp_range_parse("172.16.1.226-172.16.1.256", &r, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "range end"));
	assert_non_null(strstr(e.msg, "256"));
	assert_int_equal(rp_range_parse("172.16.1.9-172.16.1.2", &r, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "above its end"));
	assert_int_equal(rp_range_parse("172.16.1.1-fd00::1", &r, &e), -EINVAL);
	assert_int_equal(rp_range_parse("10.0.0.7", &r, &e), 0);
	assert_true(rp_range_count(&r) == 1);
	assert_int_equal(rp_range_parse("fd00::1-fd00::1:0", &r, &e), 0);
	assert_true(rp_range_count(&r) == 65536);
	assert_int_equal(rp_range_parse("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &r, &e), 0);
	assert_true(rp_range_count(&r) == ~(rp_u128)0);
	assert_int_equal(rp_range_parse("10.0.0.1-10.0.0.10", &r, NULL), 0);
	assert_int_equal(rp_range_parse("10.0.0.10-10.0.0.20", &r2, NULL), 0);
	assert_true(rp_range_overlap(&r, &r2));
	assert_int_equal(rp_range_parse("10.0.0.11-10.0.0.20", &r2, NULL), 0);
	assert_false(rp_range_overlap(&r, &r2));
	struct rp_addr x = A("10.0.0.10");
	assert_true(rp_range_contains(&r, &x));
	assert_false(rp_range_contains(&r2, &x));
}

static void t_arith(void **st)
{
	struct rp_addr a = A("10.0.0.255"), o;
	char buf[RP_ADDR_STRLEN];

	(void)st;
	assert_int_equal(rp_addr_add(&a, 1, &o), 0);
	rp_addr_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.1.0");
	assert_int_equal(rp_addr_add(&o, -257, &o), 0);
	rp_addr_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "9.255.255.255");
	a = A("255.255.255.255");
	assert_int_equal(rp_addr_add(&a, 1, &o), -ERANGE);
	a = A("0.0.0.0");
	assert_int_equal(rp_addr_add(&a, -1, &o), -ERANGE);
	a = A("fd00::ffff:ffff");
	assert_int_equal(rp_addr_add(&a, 1, &o), 0);
	rp_addr_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::1:0:0");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(rp_addr_add(&a, 1, &o), -ERANGE);
	struct rp_addr b = A("10.0.0.1"), c = A("9.0.0.1"), d = A("::1");
	assert_true(rp_addr_cmp(&b, &c) > 0);
	assert_true(rp_addr_cmp(&b, &d) < 0);
	assert_true(rp_addr_cmp(&b, &b) == 0);
}

static void t_store_ip(void **st)
{
	struct rp_addr a = A("172.16.1.2"), back;
	struct rp_ip ip;

	(void)st;
	rp_addr_to_ip(&a, &ip);
	assert_int_equal(ip.family, RP_FAM_V4);
	assert_int_equal(ip.b[0], 172);
	assert_int_equal(ip.b[3], 2);
	assert_int_equal(ip.b[4], 0);
	assert_int_equal(rp_addr_from_ip(&ip, &back), 0);
	assert_int_equal(rp_addr_cmp(&a, &back), 0);
	ip.family = RP_FAM_SLOT;
	assert_int_equal(rp_addr_from_ip(&ip, &back), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(t_parse_v4), cmocka_unit_test(t_parse_v6), cmocka_unit_test(t_cidr),
		cmocka_unit_test(t_range),    cmocka_unit_test(t_arith),    cmocka_unit_test(t_store_ip),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
