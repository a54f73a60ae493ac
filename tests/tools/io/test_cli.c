/* cli: a usage error is two lines on stderr and exit status 2. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>

#include "tools/io/cli.h"

Test(cli, usage_error_is_two_lines_and_status_2, .init = cr_redirect_stderr)
{
	cr_assert_eq(cli_usage_error("pnicsim replay", "unknown option '%s'",
				     "--outt"), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"pnicsim replay: unknown option '--outt'\n"
		"Try 'pnicsim replay --help' for more information.\n");
}
