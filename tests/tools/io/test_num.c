/* num: the one reading of user-typed numbers.  The cases are the ones that
 * went wrong when every program called strtoull(..., 0) itself: octal
 * leading zeros, negatives wrapping to 2^64-1, suffixes overflowing. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/io/num.h"

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
