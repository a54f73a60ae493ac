/* The front end: help, dispatch, unknown commands.  Runs the built
 * program (make test builds it first). */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/tools/run_tool.h"

static int run(const char *args, char *out, size_t cap)
{
	return run_tool("pnicsim", args, out, cap);
}

Test(pnicsim, help_lists_every_command)
{
	static char out[8192];

	cr_assert_eq(run("--help", out, sizeof out), 0);
	cr_assert(strstr(out, "usage: pnicsim COMMAND"), "%s", out);
	cr_assert(strstr(out, "replay"), "%s", out);
	cr_assert(strstr(out, "classify"), "%s", out);
	cr_assert(strstr(out, "cosim"), "%s", out);
}

Test(pnicsim, each_command_has_help)
{
	static const char *cmds[] = { "replay", "classify", "cosim" };
	static char out[16384];
	char args[64];

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		snprintf(args, sizeof args, "%s --help", cmds[i]);
		cr_assert_eq(run(args, out, sizeof out), 0, "%s: %s", cmds[i], out);
		cr_assert(strstr(out, cmds[i]), "%s: %s", cmds[i], out);
	}
}

Test(pnicsim, unknown_command_is_refused)
{
	static char out[8192];

	cr_assert_eq(run("frobnicate", out, sizeof out), 2);
	cr_assert(strstr(out, "unknown command 'frobnicate'"), "%s", out);
	cr_assert_eq(run("", out, sizeof out), 2);
}
