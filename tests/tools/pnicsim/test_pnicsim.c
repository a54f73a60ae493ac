/* The front end: help, dispatch, unknown commands.  Runs the built
 * program (make test builds it first). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

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

/* Two lines, the fault and where help is: the help would bury the one
 * line that matters. */
Test(pnicsim, unknown_command_is_refused)
{
	static char out[8192];

	cr_assert_eq(run("frobnicate", out, sizeof out), 2);
	cr_assert_str_eq(out, "pnicsim: unknown command 'frobnicate'\n"
			      "Try 'pnicsim --help' for more information.\n");
	cr_assert_eq(run("--frob", out, sizeof out), 2);
	cr_assert_str_eq(out, "pnicsim: unknown option '--frob'\n"
			      "Try 'pnicsim --help' for more information.\n");
	cr_assert_eq(run("", out, sizeof out), 2);
	cr_assert(strstr(out, "pnicsim: no command given\n"), "%s", out);
	cr_assert_eq(tu_lines(out), 2, "%s", out);
}

/* "pnicsim X.Y.Z" from the VERSION file, and in a git checkout the
 * commit after it (tests/tools/pnicsim/version.sh checks that part). */
Test(pnicsim, version)
{
	static char out[512], other[512];
	char want[128], release[64] = "";
	FILE *f = fopen("VERSION", "r");

	cr_assert_not_null(f, "no VERSION file at the top of the tree");
	cr_assert_not_null(fgets(release, sizeof release, f));
	fclose(f);
	release[strcspn(release, "\n")] = '\0';
	cr_assert_gt(strlen(release), 0);
	snprintf(want, sizeof want, "pnicsim %s", release);

	cr_assert_eq(run("--version", out, sizeof out), 0, "%s", out);
	cr_assert_eq(strncmp(out, want, strlen(want)), 0, "'%s' is not '%s...'", out, want);
	cr_assert(out[strlen(want)] == '\n' || !strncmp(out + strlen(want), " (git ", 6),
		  "%s", out);
	cr_assert_eq(tu_lines(out), 1, "%s", out);
	cr_assert_eq(run("version", other, sizeof other), 0, "%s", other);
	cr_assert_str_eq(other, out);
	cr_assert_eq(run("--help", other, sizeof other), 0);
	cr_assert(strstr(other, "--version"), "the help does not say: %s", other);
}
