/* tcambench: a tiny run (the smallest depth, 10 ms per figure) prints the
 * documented well-formed "BENCH <name> <number>" lines with positive
 * numbers, named by size and tag; and bad options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[16384], names[2048];

static int tcambench(const char *args)
{
	return run_tool("tcambench", args, out, sizeof out);
}

Test(tcambench, tiny_run_prints_every_figure)
{
	static const char *const want[] = {
		"tcam_flow_16_mlps ", "tcam_flow_16_burst_mlps ",
		"tcam_flow_16_speedup ", "tcam_flow_16_linear_klps ",
		"tcam_flow_32_mlps ", "tcam_flow_32_burst_mlps ",
		"tcam_flow_32_speedup ", "tcam_flow_32_linear_klps ",
	};

	cr_assert_eq(tcambench("--sizes 16,32 --time 0.01"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 8, "%s", out);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		cr_assert(strstr(names, want[i]), "no %s in: %s", want[i], out);
	/* the readable line says what was measured */
	cr_assert(strstr(out, "tcam flow 16 "), "%s", out);
	cr_assert(strstr(out, "372-bit keys"), "%s", out);
}

Test(tcambench, tag_profile_and_no_linear)
{
	cr_assert_eq(tcambench("--sizes 16 --time 0.01 --profile ipv4_5tuple --tag v4 "
			       "--no-linear --zipf 1 --miss-pct 0 --seed 0x2a"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 2, "%s", out);
	cr_assert_str_eq(names, "tcam_flow_16_v4_mlps tcam_flow_16_v4_burst_mlps ");
	cr_assert(strstr(out, "104-bit keys"), "%s", out);
	cr_assert(strstr(out, "100% flow hits"), "%s", out);
	/* 1k names the size as given */
	cr_assert_eq(tcambench("--sizes 1K --time 0.01 --no-linear"), 0, "%s", out);
	cr_assert(strstr(out, "BENCH tcam_flow_1k_mlps "), "%s", out);
}

Test(tcambench, bad_options_refused)
{
	static const char *const bad[] = {
		"--sizes 8", "--sizes 1m", "--sizes 16,,x", "--sizes 300k",
		"--time 0", "--time fast", "--time -1",
		"--miss-pct 101", "--miss-pct many", "--miss-pct -1",
		"--zipf 0", "--zipf 5", "--zipf x", "--seed x", "--seed -3",
		"--profile nope", "--frob", "--sizes", "--time",
	};

	cr_assert_eq(tcambench("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: tcambench"), "%s", out);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(tcambench(bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

/* What strtoul(), strtoull() and strtod() let through: a percentage that
 * wraps in 32 bits (4294967297 was 1), a size whose k overflows (2^64 +
 * 1024 was 1k), a seed beyond 64 bits (read as 2^64-1), a space before a
 * sign, and "inf" seconds, a run that never ends (hence the timeout). */
Test(tcambench, numbers_that_wrap_are_refused)
{
	static const char *const bad[] = {
		"--miss-pct 4294967297", "--sizes 18014398509481985k",
		"--seed 99999999999999999999", "--seed ' -3'", "--sizes ' 16'",
		"--time inf", "--time nan", "--time ' 1'", "--zipf inf",
		"--zipf nan", "--tag 'a b'",
	};
	char args[128];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(args, sizeof args, "--sizes 16 --time 0.01 --no-linear %s", bad[i]);
		cr_assert_eq(run_tool_timeout(20, "tcambench", args, out, sizeof out), 2,
			     "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

Test(tcambench, usage_errors_are_two_lines)
{
	static const struct { const char *args, *fault; } cases[] = {
		{ "--frob", "tcambench: unknown option '--frob'\n" },
		{ "--time", "tcambench: option '--time' needs a value\n" },
		{ "--sizes 8", "tcambench: --sizes: bad size '8'" },
		{ "--zipf 5", "tcambench: --zipf: '5' is out of range" },
		{ "--profile nope", "tcambench: --profile: unknown key profile 'nope'\n" },
		{ "extra", "tcambench: unexpected argument 'extra'\n" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(tcambench(cases[i].args), 2, "%s", out);
		tu_expect_usage_error(out, "tcambench", cases[i].fault);
	}
}
