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
