/* fpagbench: a tiny run over a cbgen rule set prints its figures, each
 * well formed and consistent (p50 <= p99 <= max, the full re-check slower
 * than the mean update), offloads the flows, checks every one through the
 * NIC; bad options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[16384];

TU_SCRATCH_SUITE(fpagbench);

static double figure(const char *name)
{
	return tu_figure(out, name);
}

Test(fpagbench, tiny_run_revises_and_checks)
{
	cr_assert_eq(run_toolf("cbgen", out, sizeof out, "rules 300 --seed 4 -o %s/r.txt", dir),
		     0, "%s", out);
	cr_assert_eq(run_toolf("fpagbench", out, sizeof out,
			       "--rules %s/r.txt --flows 2000 --vnics 64 --updates 90 "
			       "--baseline 2 --name t", dir), 0, "%s", out);
	cr_assert_gt(figure("t_entries"), 1500);
	cr_assert_gt(figure("t_p50_us"), 0);
	cr_assert_leq(figure("t_p50_us"), figure("t_p99_us"));
	cr_assert_leq(figure("t_p99_us"), figure("t_max_us"));
	cr_assert_gt(figure("t_checks_per_update"), 0);
	cr_assert_gt(figure("t_rewritten_per_update") + figure("t_invalidated_per_update") +
		     figure("t_untouched_per_update"), 0, "no update touched an entry");
	cr_assert_gt(figure("t_recheck_all_ms") * 1000, figure("t_mean_us"));
	cr_assert_gt(figure("t_speedup_mean"), 1);
	cr_assert(strstr(out, "of 2000 flows hit an entry, each as the rules decide"), "%s", out);
}

Test(fpagbench, bad_options_refused)
{
	static const char *const bad[] = {
		"", "--rules", "--rules x --flows 0", "--rules x --flows 200000",
		"--rules x --vnics 0", "--rules x --deny 101", "--rules x --frob 1",
		"--rules x --updates 0", "--rules x extra",
	};

	cr_assert_eq(run_tool("fpagbench", "--help", out, sizeof out), 0, "%s", out);
	cr_assert(strstr(out, "usage: fpagbench"), "%s", out);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(run_tool("fpagbench", bad[i], out, sizeof out), 2,
			     "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
	cr_assert_eq(run_tool("fpagbench", "--rules /nonexistent/r.txt", out, sizeof out), 1,
		     "%s", out);
}
