/* cli: a usage error is two lines on stderr and exit status 2; getopt
 * faults are named in one line; an output path is checked without
 * leaving a file behind. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/cli.h"

Test(cli, usage_error_is_two_lines_and_status_2, .init = cr_redirect_stderr)
{
	cr_assert_eq(cli_usage_error("pnicsim replay", "unknown option '%s'",
				     "--outt"), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"pnicsim replay: unknown option '--outt'\n"
		"Try 'pnicsim replay --help' for more information.\n");
}

Test(cli, usage_error_cmd_points_at_the_command_typed, .init = cr_redirect_stderr)
{
	cr_assert_eq(cli_usage_error_cmd("cosim",
					 "pnicsim cosim --depth 64 --key-bits 128",
					 "unknown option '%s'", "--frob"), 2);
	cr_assert_eq(cli_try_help("tracegen"), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"cosim: unknown option '--frob'\n"
		"Try 'pnicsim cosim --depth 64 --key-bits 128 --help' for more information.\n"
		"Try 'tracegen --help' for more information.\n");
}

/* getopt_long() with opterr = 0 reports nothing itself; each fault is
 * named in one line. */
static int first_fault(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1)
		if (c == ':' || c == '?')
			return cli_getopt_error("prog", c, argv);
	return 0;
}

Test(cli, getopt_faults, .init = cr_redirect_stderr)
{
	char *a1[] = { "prog", "--out", NULL };
	char *a2[] = { "prog", "-o", NULL };
	char *a3[] = { "prog", "--frob", NULL };
	char *a4[] = { "prog", "-hx", NULL };
	char *a5[] = { "prog", "--help=yes", NULL };
	char *a6[] = { "prog", "--out", "x", "-h", NULL };

	cr_assert_eq(first_fault(2, a1), 2);
	cr_assert_eq(first_fault(2, a2), 2);
	cr_assert_eq(first_fault(2, a3), 2);
	cr_assert_eq(first_fault(2, a4), 2);
	cr_assert_eq(first_fault(2, a5), 2);
	cr_assert_eq(first_fault(4, a6), 0);
	fflush(stderr);
	cr_assert_stderr_eq_str(
		"prog: option '--out' needs a value\n"
		"Try 'prog --help' for more information.\n"
		"prog: option '-o' needs a value\n"
		"Try 'prog --help' for more information.\n"
		"prog: unknown option '--frob'\n"
		"Try 'prog --help' for more information.\n"
		"prog: unknown option '-x'\n"
		"Try 'prog --help' for more information.\n"
		"prog: option '--help' takes no value\n"
		"Try 'prog --help' for more information.\n");
}

/* A scratch folder per test: the checks must leave it as they found it. */
static char dir[64];

static void scratch(void)
{
	snprintf(dir, sizeof dir, "/tmp/pnicsim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void unscratch(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

static unsigned entries(const char *path)
{
	DIR *d = opendir(path);
	unsigned n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;
}

Test(cli, output_check_new_file_leaves_nothing, .init = scratch, .fini = unscratch)
{
	char p[128];

	snprintf(p, sizeof p, "%s/run.vcd", dir);
	cr_assert_eq(cli_output_check(p), 0);
	cr_assert_eq(entries(dir), 0u, "the check left a file behind");
}

Test(cli, output_check_existing_file_untouched, .init = scratch, .fini = unscratch)
{
	char p[128], buf[16] = { 0 };
	FILE *f;

	snprintf(p, sizeof p, "%s/old.vcd", dir);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs("old result", f);
	fclose(f);
	cr_assert_eq(cli_output_check(p), 0);
	f = fopen(p, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "old result");
	cr_assert_eq(cli_output_check("/dev/null"), 0);
}

Test(cli, output_check_refusals, .init = scratch, .fini = unscratch)
{
	char p[128];

	snprintf(p, sizeof p, "%s/no/such/run.vcd", dir);
	cr_assert_eq(cli_output_check(p), -ENOENT);
	cr_assert_eq(cli_output_check(dir), -EISDIR);
	snprintf(p, sizeof p, "%s/fifo", dir);
	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_assert_eq(cli_output_check(p), -ENXIO, "a FIFO without a reader");
	cr_assert_eq(entries(dir), 1u);
	if (geteuid() != 0) {
		snprintf(p, sizeof p, "%s/ro", dir);
		cr_assert_eq(mkdir(p, 0500), 0);
		snprintf(p, sizeof p, "%s/ro/run.vcd", dir);
		cr_assert_eq(cli_output_check(p), -EACCES);
	}
}
