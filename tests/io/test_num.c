/* num: the one reading of user-typed numbers.  The cases are the ones that
 * went wrong when every program called strtoull(..., 0) itself: octal
 * leading zeros, negatives wrapping to 2^64-1, suffixes overflowing. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>

#include "io/num.h"

static int parse(const char *s, unsigned flags, uint64_t *v)
{
	return num_parse_u64(s, 0, UINT64_MAX, flags, v);
}

Test(num, decimal_and_hex)
{
	uint64_t v;

	cr_assert_eq(parse("0", 0, &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse("443", 0, &v), 0);
	cr_assert_eq(v, 443);
	cr_assert_eq(parse("0x1bB", 0, &v), 0);
	cr_assert_eq(v, 0x1bb);
	cr_assert_eq(parse("0XFFFFFFFFFFFFFFFF", 0, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(parse("18446744073709551615", 0, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(num, leading_zero_is_decimal_not_octal)
{
	uint64_t v;

	cr_assert_eq(parse("0443", 0, &v), 0);
	cr_assert_eq(v, 443, "0443 read as %llu", (unsigned long long)v);
	cr_assert_eq(parse("0100", 0, &v), 0);
	cr_assert_eq(v, 100);
	cr_assert_eq(parse("080", 0, &v), 0);
	cr_assert_eq(v, 80);
}

Test(num, signs_spaces_and_junk_are_refused)
{
	static const char *bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x", "0x-1", "1.5", "1e3", "12a",
		"0b101", "1K", "--1", "0o17", "\t7",
	};
	uint64_t v = 77;

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(parse(bad[i], 0, &v), -EINVAL, "'%s' accepted", bad[i]);
		cr_expect_eq(v, 77, "'%s' changed the output", bad[i]);
	}
	cr_expect_eq(num_parse_u64(NULL, 0, 1, 0, &v), -EINVAL);
}

Test(num, overflow_is_out_of_range)
{
	uint64_t v = 77;

	cr_expect_eq(parse("18446744073709551616", 0, &v), -ERANGE);
	cr_expect_eq(parse("99999999999999999999999", 0, &v), -ERANGE);
	cr_expect_eq(parse("0x10000000000000000", 0, &v), -ERANGE);
	cr_expect_eq(parse("20000000000000000K", NUM_SI, &v), -ERANGE);
	cr_expect_eq(parse("18446744073709552K", NUM_SI, &v), -ERANGE);
	cr_expect_eq(parse("18446744073709551K", NUM_SI, &v), 0);
	cr_expect_eq(v, 18446744073709551000ull);
	cr_expect_eq(parse("17179869184G", NUM_BIN, &v), -ERANGE);
}

Test(num, suffixes_only_when_asked)
{
	uint64_t v;

	cr_assert_eq(parse("100K", NUM_SI, &v), 0);
	cr_assert_eq(v, 100000);
	cr_assert_eq(parse("3m", NUM_SI, &v), 0);
	cr_assert_eq(v, 3000000);
	cr_assert_eq(parse("2G", NUM_SI, &v), 0);
	cr_assert_eq(v, 2000000000);
	cr_assert_eq(parse("16k", NUM_BIN, &v), 0);
	cr_assert_eq(v, 16384);
	cr_assert_eq(parse("1M", NUM_BIN, &v), 0);
	cr_assert_eq(v, 1u << 20);
	cr_assert_eq(parse("1M", 0, &v), -EINVAL);
	cr_assert_eq(parse("1KK", NUM_SI, &v), -EINVAL);
	/* A hex number has no suffix: 0x1b is 27, not 1 billion. */
	cr_assert_eq(parse("0x1g", NUM_SI, &v), -EINVAL);
	cr_assert_eq(parse("0x1b", NUM_SI, &v), 0);
	cr_assert_eq(v, 0x1b);
}

Test(num, bounds)
{
	uint64_t v;

	cr_assert_eq(num_parse_u64("16", 16, 4096, 0, &v), 0);
	cr_assert_eq(num_parse_u64("4096", 16, 4096, 0, &v), 0);
	cr_assert_eq(num_parse_u64("15", 16, 4096, 0, &v), -ERANGE);
	cr_assert_eq(num_parse_u64("4097", 16, 4096, 0, &v), -ERANGE);
	cr_assert_eq(num_parse_u64("5K", 16, 4096, NUM_SI, &v), -ERANGE);
}

Test(num, option_messages, .init = cr_redirect_stderr)
{
	uint64_t v;

	cr_assert(!num_option("pnicsim cosim", "--cycles", "-1", 0, UINT64_MAX,
			      NUM_SI, &v));
	cr_assert(!num_option("cbgen", "--seed", "1", 2, 9, 0, &v));
	cr_assert(num_option("cbgen", "--seed", "0x9", 2, 9, 0, &v));
	cr_assert_eq(v, 9);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"pnicsim cosim: --cycles: '-1' is not a number (want 0..2^64-1, "
		"decimal or 0x hex, K/M/G suffix allowed)\n"
		"cbgen: --seed: '1' is out of range 2..9\n");
}

/* Times, rates and exponents: strtod() alone took "inf" (a benchmark that
 * never ends), "nan", hex floats, signs and spaces. */
Test(num, positive_fractions)
{
	static const struct { const char *s; double v; } good[] = {
		{ "0.5", 0.5 }, { ".25", 0.25 }, { "2", 2 }, { "1e-3", 1e-3 },
		{ "1E+2", 100 }, { "3.", 3 }, { "007", 7 },
	};
	double v;

	for (unsigned i = 0; i < sizeof good / sizeof good[0]; i++) {
		cr_expect_eq(num_parse_positive(good[i].s, DBL_MAX, &v), 0,
			     "'%s' refused", good[i].s);
		cr_expect_float_eq(v, good[i].v, 1e-12, "'%s'", good[i].s);
	}
}

Test(num, positive_refuses_junk_nan_inf_and_signs)
{
	static const char *bad[] = {
		"", "nan", "NAN", "inf", "infinity", "-inf", "-1", "+1", " 1",
		"1 ", "0x1p3", "1e", "1e+", ".", "e3", "1.5.3", "1s", "1,5",
	};
	double v = 77;

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_expect_eq(num_parse_positive(bad[i], DBL_MAX, &v), -EINVAL,
			     "'%s' accepted", bad[i]);
		cr_expect_eq(v, 77, "'%s' changed the output", bad[i]);
	}
	cr_expect_eq(num_parse_positive(NULL, 1, &v), -EINVAL);
}

Test(num, positive_range)
{
	double v = 77;

	cr_expect_eq(num_parse_positive("0", DBL_MAX, &v), -ERANGE);
	cr_expect_eq(num_parse_positive("0.000", DBL_MAX, &v), -ERANGE);
	cr_expect_eq(num_parse_positive("1e-400", DBL_MAX, &v), -ERANGE);
	cr_expect_eq(num_parse_positive("1e999", DBL_MAX, &v), -ERANGE);
	cr_expect_eq(num_parse_positive("4.0001", 4, &v), -ERANGE);
	cr_expect_eq(v, 77);
	cr_expect_eq(num_parse_positive("4", 4, &v), 0);
	cr_expect_float_eq(v, 4, 1e-12);
}

Test(num, positive_option_messages, .init = cr_redirect_stderr)
{
	double v;

	cr_assert(!num_option_positive("tcambench", "--time", "inf", DBL_MAX, &v));
	cr_assert(!num_option_positive("tcambench", "--zipf", "5", 4, &v));
	cr_assert(!num_option_positive("editbench", "--time", "0", DBL_MAX, &v));
	cr_assert(num_option_positive("tcambench", "--zipf", "1.5", 4, &v));
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"tcambench: --time: 'inf' is not a number (want a number > 0, "
		"e.g. 0.5 or 1e-3)\n"
		"tcambench: --zipf: '5' is out of range (want a number > 0 and <= 4)\n"
		"editbench: --time: '0' is out of range (want a number > 0)\n");
}
