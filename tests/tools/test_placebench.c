/* placebench: a tiny run prints every case and its well-formed
 * "BENCH place_<workload>_<strategy>_writes <number>" line, PLO writes
 * less than the naive shift, and bad options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[16384], names[4096];

static int placebench(const char *args)
{
	return run_tool("placebench", args, out, sizeof out);
}

static double figure(const char *name)
{
	return tu_figure(out, name);
}

Test(placebench, tiny_run_prints_every_case)
{
	static const char *const wl[] = { "random", "skewed", "descending", "churn" };
	static const char *const st[] = { "naive_top", "plo_top", "plo_middle",
					  "plo_spread" };
	char name[128];

	cr_assert_eq(placebench("--depth 64 --levels 8 --inserts 48 --seed 3"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 16, "%s", out);
	for (size_t w = 0; w < 4; w++)
		for (size_t s = 0; s < 4; s++) {
			snprintf(name, sizeof name, "place_%s_%s_writes", wl[w], st[s]);
			cr_assert_geq(figure(name), 1.0, "%s", name);
		}
	cr_assert(strstr(out, "depth 64, 8 levels, 48 inserts"), "%s", out);
	cr_assert(strstr(out, "moves/insert"), "%s", out);
	/* one entry per level at most: PLO beats the shift, the middle beats
	 * the bottom on random levels */
	cr_assert_lt(figure("place_random_plo_top_writes"),
		     figure("place_random_naive_top_writes"));
	cr_assert_lt(figure("place_random_plo_middle_writes"),
		     figure("place_random_plo_top_writes"));
	cr_assert_leq(figure("place_random_plo_top_writes"), 1 + 2 * 7);
}

Test(placebench, bad_options_refused)
{
	static const char *const bad[] = {
		"--depth 8", "--depth 1m", "--depth x", "--levels 0",
		"--levels 65537", "--inserts 0", "--inserts 100 --depth 64",
		"--seed -1", "--frob", "--depth", "extra",
	};

	cr_assert_eq(placebench("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: placebench"), "%s", out);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(placebench(bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
	cr_assert_eq(placebench("--depth"), 2);
	cr_assert(strstr(out, "option '--depth' needs a value"), "%s", out);
}
