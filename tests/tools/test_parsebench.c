/* parsebench: a tiny run on the built-in mix and on a capture written by
 * the test prints the documented "BENCH <name> <number>" lines with
 * positive numbers; a capture that cannot be read is skipped and said so;
 * bad options are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"
#include "io/pcap_out.h"

static char out[16384], names[1024];

TU_SCRATCH_SUITE(parsebench);

static int parsebench(const char *args)
{
	return run_tool("parsebench", args, out, sizeof out);
}

Test(parsebench, builtin_mix)
{
	cr_assert_eq(parsebench("--time 0.01"), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 2, "%s", out);
	cr_assert_str_eq(names, "parser_mix_mpps parser_mix_key_mpps ");
	cr_assert(strstr(out, "5 mix frames (5 parse ok"), "%s", out);
}

/* 30 Ethernet/IPv4/UDP frames (an empty datagram: UDP length 8) and 10
 * cut after the Ethernet header. */
Test(parsebench, capture)
{
	char path[128], args[256];
	uint8_t f[64] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
			  0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, [39] = 8 };
	struct pnic_error err;
	struct pcap_out *o;

	snprintf(path, sizeof path, "%s/c.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (int i = 0; i < 40; i++)
		pcap_out_write(o, f, i < 30 ? 60 : 16, 60, (uint64_t)i);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);

	snprintf(args, sizeof args, "--time 0.01 %s", path);
	cr_assert_eq(parsebench(args), 0, "%s", out);
	cr_assert_eq(tu_bench_lines(out, names, sizeof names), 2, "%s", out);
	cr_assert_str_eq(names, "parser_corpus_mpps parser_corpus_key_mpps ");
	cr_assert(strstr(out, "40 corpus frames (30 parse ok"), "%s", out);

	/* an unreadable capture is skipped, named; with nothing left, exit 1 */
	snprintf(args, sizeof args, "--time 0.01 %s %s/none.pcap", path, dir);
	cr_assert_eq(parsebench(args), 0, "%s", out);
	cr_assert(strstr(out, "none.pcap"), "%s", out);
	cr_assert(strstr(out, "(skipped)"), "%s", out);
	cr_assert(strstr(out, "40 corpus frames"), "%s", out);
	snprintf(args, sizeof args, "--time 0.01 %s/none.pcap", dir);
	cr_assert_eq(parsebench(args), 1, "%s", out);
	cr_assert(strstr(out, "no frames to time"), "%s", out);
	cr_assert_null(strstr(out, "BENCH"), "%s", out);
}

Test(parsebench, bad_options_refused)
{
	static const char *const bad[] = {
		"--time 0", "--time soon", "--time -1", "--time", "--frob",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(parsebench(bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

/* strtod() alone took "inf" and "1e999" (a run that never ends, hence
 * the timeout) and a space before the number. */
Test(parsebench, endless_or_junk_times_refused)
{
	static const char *const bad[] = {
		"--time inf", "--time 1e999", "--time ' 0.01'", "--time nan",
		"--time 0x1p-7",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(run_tool_timeout(20, "parsebench", bad[i], out, sizeof out), 2,
			     "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "BENCH"), "'%s' ran: %s", bad[i], out);
	}
}

Test(parsebench, help_and_two_line_usage_errors)
{
	static const struct { const char *args, *fault; } cases[] = {
		{ "--frob", "parsebench: unknown option '--frob'\n" },
		{ "--time", "parsebench: option '--time' needs a value\n" },
		{ "--time -1", "parsebench: --time: '-1' is not a number" },
		{ "--time 0", "parsebench: --time: '0' is out of range" },
	};

	cr_assert_eq(parsebench("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: parsebench [--time SEC]"), "%s", out);
	cr_assert(strstr(out, "--time SEC"), "%s", out);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(parsebench(cases[i].args), 2, "%s", out);
		tu_expect_usage_error(out, "parsebench", cases[i].fault);
	}
}
