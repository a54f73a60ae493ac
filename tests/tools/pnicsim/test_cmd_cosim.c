/* pnicsim cosim without Verilator: the help, the refusals, the message for
 * a configuration that is not built, and the hand-over to the harness,
 * which is played here by a small shell script standing in for
 * build/cosim/<D>x<K>/cosim (PNICSIM_COSIM_DIR points at it, a folder
 * outside any source tree, so nothing is built).  The configuration a
 * scenario gets is tests/tools/pnicsim/test_cosim_config.c's, building
 * one test_cosim_build.c's; the real binaries are exercised by
 * tests/cosim/cmd-cosim.sh and tests/cosim/scenario.sh. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/key_profile.h"
#include "model/lookup_core.h"
#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char dir[64];
static char out[16384];

static void setup(void)
{
	tu_mkdtemp(dir, sizeof dir);
	/* never the real build/cosim, whatever is built there */
	setenv("PNICSIM_COSIM_DIR", dir, 1);
}

static void teardown(void)
{
	unsetenv("PNICSIM_COSIM_DIR");
	tu_rmrf(dir);
}

TestSuite(cmd_cosim, .init = setup, .fini = teardown);

/* Run pnicsim cosim with printf-style arguments (a literal format). */
#define cosim(fmt, ...) \
	run_toolf("pnicsim", out, sizeof out, "cosim " fmt, ##__VA_ARGS__)

/* A stand-in harness for configuration cfg: prints its argv, exits 7. */
static void fake_harness(const char *cfg)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, cfg);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/%s/cosim", dir, cfg);
	tu_write(path, "#!/bin/sh\necho \"harness $0 args:$*\"\nexit 7\n");
	cr_assert_eq(chmod(path, 0755), 0);
}

/* "power of two in 16..4096": the RTL's depths, from the C headers. */
static const char *depth_range(void)
{
	static char r[64];

	snprintf(r, sizeof r, "power of two in %u..%u", (unsigned)TCAM_MIN_DEPTH,
		 LOOKUP_CORE_RTL_MAX_DEPTH);
	return r;
}

Test(cmd_cosim, help_documents_the_options)
{
	char w[64];

	cr_assert_eq(cosim("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: pnicsim cosim --scenario FILE.yaml"), "%s", out);
	cr_assert(strstr(out, "pnicsim cosim --depth D --key-bits K"), "%s", out);
	for (const char *const *o = (const char *const[]){ "--seed", "--cycles",
		"--mode random|directed|traffic", "--vcd", "--vcd-file",
		"--coverage", "--pcap", "--rules", depth_range(), "1..512",
		"--scenario FILE", "tcam.depth rounded up to a power of two",
		"built on first use", "make build/cosim/<D>x<K>/cosim",
		"docs/cosim.md", NULL }; *o; o++)
		cr_assert(strstr(out, *o), "help lacks '%s': %s", *o, out);
	/* every built-in profile's width is offered, by name */
	for (unsigned i = 0; i < key_profile_builtin_count(); i++) {
		const struct key_profile *p = key_profile_builtin_at(i);

		snprintf(w, sizeof w, " %u (%s)", p->key_bits, p->name);
		cr_assert(strstr(out, w), "help lacks '%s': %s", w, out);
	}
	cr_assert_eq(cosim("-h"), 0, "%s", out);
	cr_assert(strstr(out, "usage: pnicsim cosim"), "%s", out);
}

Test(cmd_cosim, unbuilt_configuration_names_its_make_command)
{
	cr_assert_eq(cosim("--depth 64 --key-bits 128"), 2, "%s", out);
	cr_assert(strstr(out, "configuration 64x128 is not built, and"), "%s", out);
	cr_assert(strstr(out, "is not the build/cosim of a pnicsim source tree"), "%s", out);
	cr_assert(strstr(out, "\n  make build/cosim/64x128/cosim\n"), "%s", out);
	cr_assert_eq(cosim("--depth 16 --key-bits 104 --coverage"), 2, "%s", out);
	cr_assert(strstr(out, "make build/cosim/16x104-cov/cosim"), "%s", out);
	/* --help with a configuration is the harness's help: not built either */
	cr_assert_eq(cosim("--depth 16 --key-bits 372 --help"), 2, "%s", out);
	cr_assert(strstr(out, "make build/cosim/16x372/cosim"), "%s", out);
}

Test(cmd_cosim, bad_values_refused)
{
	char want[96];

	cr_assert_eq(cosim("--depth 100 --key-bits 128"), 2, "%s", out);
	snprintf(want, sizeof want, "--depth 100 must be a %s", depth_range());
	cr_assert(strstr(out, want), "%s", out);
	cr_assert_eq(cosim("--depth %u --key-bits 128", TCAM_MIN_DEPTH / 2), 2, "%s", out);
	cr_assert(strstr(out, depth_range()), "%s", out);
	cr_assert_eq(cosim("--depth %u --key-bits 128", LOOKUP_CORE_RTL_MAX_DEPTH * 2), 2,
		     "%s", out);
	cr_assert(strstr(out, depth_range()), "%s", out);
	/* the bounds themselves are configurations (not built here) */
	cr_assert_eq(cosim("--depth %u --key-bits 128", LOOKUP_CORE_RTL_MAX_DEPTH), 2,
		     "%s", out);
	cr_assert(strstr(out, "is not built"), "%s", out);
	cr_assert_eq(cosim("--depth %u --key-bits 128", TCAM_MIN_DEPTH), 2, "%s", out);
	cr_assert(strstr(out, "is not built"), "%s", out);
	cr_assert_eq(cosim("--depth 64 --key-bits 0"), 2, "%s", out);
	cr_assert(strstr(out, "--key-bits 0 must be 1..512 (the RTL's KeyMaxBits)"),
		  "%s", out);
	cr_assert_eq(cosim("--depth 64 --key-bits 513"), 2, "%s", out);
	cr_assert(strstr(out, "--key-bits 513 must be 1..512"), "%s", out);
	cr_assert_eq(cosim("--depth sixty --key-bits 128"), 2, "%s", out);
	cr_assert(strstr(out, "--depth: 'sixty' is not a number"), "%s", out);
	cr_assert_eq(cosim("--depth 64 --key-bits"), 2, "%s", out);
	cr_assert(strstr(out, "option '--key-bits' needs a value"), "%s", out);
	cr_assert_eq(cosim("%s", ""), 2, "%s", out);
}

/* The one reading of numbers: no sign, no spaces (strtoul() took
 * ' 64'), nothing that wraps to another number, 0x hex and leading
 * zeros (decimal) accepted. */
Test(cmd_cosim, wrapping_numbers_refused)
{
	static const char *const bad[] = {
		"--depth -64 --key-bits 128", "--depth 64 --key-bits -128",
		"--depth 4294967312 --key-bits 128",
		"--depth 64 --key-bits 4294967424",
		"--depth 18446744073709551680 --key-bits 128",
		"--depth 20000000000000000K --key-bits 128",
		"--depth ' 64' --key-bits 128",
	};

	fake_harness("16x128");
	fake_harness("64x128");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(cosim("%s", bad[i]), 2, "'%s' accepted: %s", bad[i], out);
		cr_assert_null(strstr(out, "harness"), "'%s' ran: %s", bad[i], out);
	}
	cr_assert_eq(cosim("--depth 0x40 --key-bits 128"), 7, "%s", out);
	cr_assert_eq(cosim("--depth 064 --key-bits 0128"), 7, "%s", out);
}

/* Two lines: the fault and where help is; never the whole help. */
static void expect_usage_error(const char *fault)
{
	tu_expect_usage_error(out, "pnicsim cosim", fault);
}

Test(cmd_cosim, says_which_of_depth_and_key_bits_is_missing)
{
	cr_assert_eq(cosim("--key-bits 128"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --depth is missing");
	cr_assert_null(strstr(out, "--key-bits is missing"), "%s", out);
	cr_assert_eq(cosim("--depth 64 --seed 3"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --key-bits is missing");
	cr_assert_eq(cosim("--seed 3"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --depth and --key-bits are missing");
}

Test(cmd_cosim, usage_errors_are_two_lines)
{
	cr_assert_eq(cosim("--depth 100 --key-bits 128"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --depth 100 must be a power of two");
	cr_assert_eq(cosim("--depth -1 --key-bits 128"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --depth: '-1' is not a number");
	cr_assert_eq(cosim("--depth 64 --key-bits 513"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --key-bits 513 must be 1..512");
}

/* A built configuration is exec'd with every option but --depth and
 * --key-bits, in order; its exit status is the command's. */
Test(cmd_cosim, hands_over_to_the_configuration_binary)
{
	char want[512];

	fake_harness("64x128");
	cr_assert_eq(cosim("--seed 3 --depth 64 --mode directed --key-bits 128 --quiet"),
		     7, "%s", out);
	snprintf(want, sizeof want, "harness %s/64x128/cosim args:--seed 3 --mode directed --quiet\n",
		 dir);
	cr_assert_str_eq(out, want);

	fake_harness("64x128-cov");
	cr_assert_eq(cosim("--depth 64 --key-bits 128 --coverage"), 7, "%s", out);
	snprintf(want, sizeof want, "harness %s/64x128-cov/cosim args:--coverage\n", dir);
	cr_assert_str_eq(out, want);
}

/* Any key width the RTL takes is a configuration, not only a built-in
 * profile's: it runs when built, and is built (or named) when not. */
Test(cmd_cosim, any_key_width_is_a_configuration)
{
	char want[512];

	fake_harness("16x80");
	cr_assert_eq(cosim("--depth 16 --key-bits 80 --seed 2"), 7, "%s", out);
	snprintf(want, sizeof want, "harness %s/16x80/cosim args:--seed 2\n", dir);
	cr_assert_str_eq(out, want);
	cr_assert_eq(cosim("--depth 16 --key-bits 1"), 2, "%s", out);
	cr_assert(strstr(out, "make build/cosim/16x1/cosim"), "%s", out);
	cr_assert_eq(cosim("--depth 16 --key-bits 512"), 2, "%s", out);
	cr_assert(strstr(out, "make build/cosim/16x512/cosim"), "%s", out);
}

/* A scenario chooses the configuration; the sizes given as well would
 * contradict it or say nothing, so they are refused. */
Test(cmd_cosim, scenario_refuses_depth_and_key_bits)
{
	cr_assert_eq(cosim("--scenario scenarios/demo.yaml --depth 64"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --scenario chooses the configuration "
			   "from the scenario (tcam.depth, key_profile, "
			   "vpid_map.n_vpids); leave out --depth\n");
	cr_assert_eq(cosim("--key-bits 372 --scenario scenarios/demo.yaml"), 2, "%s", out);
	expect_usage_error("; leave out --key-bits\n");
	cr_assert_eq(cosim("--depth 64 --key-bits 372 --scenario scenarios/demo.yaml"),
		     2, "%s", out);
	expect_usage_error("; leave out --depth and --key-bits\n");
	cr_assert_eq(cosim("--scenario"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: option '--scenario' needs a value");
	cr_assert_eq(cosim("--scenario ''"), 2, "%s", out);
	expect_usage_error("pnicsim cosim: --scenario needs a file name, not ''");
	/* neither a scenario nor sizes: the message offers both */
	cr_assert_eq(cosim("--seed 3"), 2, "%s", out);
	expect_usage_error("or give --scenario FILE");
}

Test(cmd_cosim, scenario_file_faults_name_the_file)
{
	char path[128];

	cr_assert_eq(cosim("--scenario %s/missing.yaml", dir), 2, "%s", out);
	snprintf(path, sizeof path, "pnicsim cosim: %s/missing.yaml: cannot open", dir);
	cr_assert(strstr(out, path), "%s", out);
	snprintf(path, sizeof path, "%s/bad.yaml", dir);
	tu_write(path, "tcam: { depth: 64 }\ntcamm: 1\n");
	cr_assert_eq(cosim("--scenario %s", path), 2, "%s", out);
	cr_assert(strstr(out, "bad.yaml:2:1: tcamm: unknown key 'tcamm'"), "%s", out);
	cr_assert_null(strstr(out, "harness"), "%s", out);
}

/* The scenario's path reaches the harness as given, after the options
 * before it, and the help names the command typed. */
Test(cmd_cosim, scenario_hands_over_to_its_configuration)
{
	char want[512];

	fake_harness("64x372");
	cr_assert_eq(cosim("--quiet --scenario scenarios/demo.yaml --seed 9"), 7, "%s", out);
	snprintf(want, sizeof want, "harness %s/64x372/cosim args:--quiet --scenario "
		 "scenarios/demo.yaml --seed 9\n", dir);
	cr_assert_str_eq(out, want);
	/* --help with a scenario is pnicsim cosim's own */
	cr_assert_eq(cosim("--scenario scenarios/demo.yaml --help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: pnicsim cosim --scenario FILE.yaml"), "%s", out);
}
