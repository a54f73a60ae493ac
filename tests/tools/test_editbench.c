/* editbench: a tiny run prints one well-formed "BENCH <name> <number>"
 * line per edit and frame size, with positive numbers (each case's result
 * is checked by the program before it is timed, exit 1 otherwise); bad
 * options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[16384], names[2048];

static int editbench(const char *args)
{
	return run_tool("editbench", args, out, sizeof out);
}

Test(editbench, tiny_run_prints_every_case)
{
	static const char *const cases[] = {
		"copy", "dec_ttl", "set_dscp", "vlan_push", "vlan_pop", "decap",
		"encap_v4", "encap_v6",
	};
	char want[64];

	cr_assert_eq(editbench("--time 0.001"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 16, "%s", out);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (unsigned s = 0; s < 2; s++) {
			snprintf(want, sizeof want, "editor_%s_%u_mpps ", cases[i],
				 s ? 1514 : 60);
			cr_assert(strstr(names, want), "no %s in: %s", want, out);
		}
}

Test(editbench, bad_options_refused)
{
	static const char *const bad[] = {
		"--time 0", "--time soon", "--time -1", "--time", "--frob", "extra",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(editbench(bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

/* strtod() alone took "inf" and "1e999" (a run that never ends, hence
 * the timeout) and a space before the number. */
Test(editbench, endless_or_junk_times_refused)
{
	static const char *const bad[] = {
		"--time inf", "--time 1e999", "--time ' 0.01'", "--time nan",
		"--time 0x1p-7",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(run_tool_timeout(20, "editbench", bad[i], out, sizeof out), 2,
			     "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

Test(editbench, help_and_two_line_usage_errors)
{
	static const struct { const char *args, *fault; } cases[] = {
		{ "--frob", "editbench: unknown option '--frob'\n" },
		{ "--time", "editbench: option '--time' needs a value\n" },
		{ "--time -1", "editbench: --time: '-1' is not a number" },
		{ "--time 0", "editbench: --time: '0' is out of range" },
	};

	cr_assert_eq(editbench("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: editbench [--time SEC]"), "%s", out);
	cr_assert(strstr(out, "--time SEC"), "%s", out);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(editbench(cases[i].args), 2, "%s", out);
		tu_expect_usage_error(out, "editbench", cases[i].fault);
	}
}
