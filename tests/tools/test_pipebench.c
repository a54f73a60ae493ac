/* pipebench: a tiny run prints one well-formed "BENCH <name> <number>"
 * line per case and the gap ratio, with positive numbers (each run is
 * checked by the program before its figure is printed: every packet out,
 * nothing dropped, the books balanced; exit 1 otherwise); --case runs one;
 * bad options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[16384], names[2048];

static int pipebench(const char *args)
{
	return run_tool("pipebench", args, out, sizeof out);
}

Test(pipebench, tiny_run_prints_every_case)
{
	cr_assert_eq(pipebench("--packets 2000 --runs 1"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 6, "%s", out);
	cr_assert_str_eq(names, "pipeline_100g_1ghz_mpps pipeline_100g_322mhz_mpps "
			 "pipeline_4x100g_1ghz_mpps pipeline_100g_1ghz_5tuple_mpps "
			 "pipeline_4x100g_1ghz_5tuple_mpps pipeline_gap_ratio ");
	cr_assert(strstr(out, "edges visited/packet"), "%s", out);
}

Test(pipebench, one_case)
{
	cr_assert_eq(pipebench("--packets 1k --case 4x100g_1ghz"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 1, "%s", out);
	cr_assert_str_eq(names, "pipeline_4x100g_1ghz_mpps ");
	cr_assert_eq(pipebench("--packets 1k --case gap"), 0, "%s", out);
	cr_assert_str_eq((tu_bench_lines(out, names, sizeof names), names),
			 "pipeline_gap_ratio ");
}

Test(pipebench, bad_options_refused)
{
	static const char *const bad[] = {
		"--packets 1", "--packets many", "--runs 0", "--runs 101",
		"--case nope", "--case", "--frob", "extra",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(pipebench(bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}
