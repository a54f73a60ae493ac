/* The configuration pnicsim cosim --scenario runs (cosim_config.c): the
 * scenario's depth rounded up to a power of two within the RTL's depths,
 * its key profile's width, the default map or its own, the -cov build;
 * and the scenarios the RTL cannot hold, refused with the file and the
 * field.  The choice shows as the binary exec'd: a stand-in harness per
 * configuration in a folder outside any source tree (PNICSIM_COSIM_DIR),
 * so a wrong choice finds nothing to run and nothing is built. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/lookup_core.h"
#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char dir[64];
static char out[16384];
static char pcap[PATH_MAX];

static void setup(void)
{
	tu_mkdtemp(dir, sizeof dir);
	setenv("PNICSIM_COSIM_DIR", dir, 1);
	cr_assert_not_null(realpath("traces/demo.pcap", pcap));
}

static void teardown(void)
{
	unsetenv("PNICSIM_COSIM_DIR");
	tu_rmrf(dir);
}

TestSuite(cosim_config, .init = setup, .fini = teardown);

#define cosim(fmt, ...) \
	run_toolf("pnicsim", out, sizeof out, "cosim " fmt, ##__VA_ARGS__)

/* A stand-in harness for configuration cfg: prints its path and argv. */
static void fake_harness(const char *cfg)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, cfg);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/%s/cosim", dir, cfg);
	tu_write(path, "#!/bin/sh\necho \"harness $0 args:$*\"\nexit 7\n");
	cr_assert_eq(chmod(path, 0755), 0);
}

/* dir/s.yaml: a scenario of this key profile (YAML), depth and map, with
 * these flows (YAML list items, or "" for none). */
static const char *scenario(const char *profile, unsigned depth,
			    unsigned n_vpids, const char *flows)
{
	static char path[128];
	char text[PATH_MAX + 2048];

	snprintf(text, sizeof text,
		 "key_profile: %s\n"
		 "tcam: { depth: %u }\n"
		 "ports:\n  - { ppid: 0, name: wire0 }\n  - { ppid: 1, name: vf0 }\n"
		 "vpid_map:\n  n_vpids: %u\n  map:\n    - { vpid: 1, ppid: vf0 }\n"
		 "flows:%s\n%s"
		 "inputs:\n  - { pcap: %s, in_port: wire0 }\n",
		 profile, depth, n_vpids, *flows ? "" : " []", flows, pcap);
	snprintf(path, sizeof path, "%s/s.yaml", dir);
	tu_write(path, text);
	return path;
}

#define ONE_FLOW "  - { match: { l4_dst: 80 }, action: { forward: 1 } }\n"
#define THREE_FLOWS ONE_FLOW ONE_FLOW ONE_FLOW

/* The scenario runs in configuration cfg, and its path reaches it. */
static void expect_config(const char *path, const char *cfg, const char *opts)
{
	char want[512];

	fake_harness(cfg);
	cr_assert_eq(cosim("--scenario %s%s", path, opts), 7, "%s: %s", cfg, out);
	snprintf(want, sizeof want, "harness %s/%s/cosim args:--scenario %s%s\n",
		 dir, cfg, path, opts);
	cr_assert(strstr(out, want), "want '%s' in: %s", want, out);
}

Test(cosim_config, depth_rounds_up_to_a_power_of_two)
{
	expect_config(scenario("default", 16, 16, ONE_FLOW), "16x372", "");
	expect_config(scenario("default", 17, 16, ONE_FLOW), "32x372", "");
	expect_config(scenario("default", 100, 16, THREE_FLOWS), "128x372", "");
	expect_config(scenario("default", 4096, 16, ONE_FLOW), "4096x372", "");
	/* fitting, it says nothing about the depth */
	cr_assert_null(strstr(out, "beyond the RTL"), "%s", out);
}

Test(cosim_config, key_width_is_the_profile_s)
{
	expect_config(scenario("ipv4_5tuple", 64, 16, ONE_FLOW), "64x104", "");
	expect_config(scenario("{ fields: [ { field: l4_dst }, "
			       "{ field: dst_ip, width: 32 }, "
			       "{ field: ip_proto } ], key_bits: 80 }",
			       16, 16, ONE_FLOW), "16x80", "");
	expect_config(scenario("{ fields: [ { field: ip_proto, width: 1 } ] }",
			       16, 4, ""), "16x1", "");
}

/* A map of up to the RTL's default 256 VPIDs runs in the default build;
 * a larger one in a map RAM of the next power of two, named v<N>. */
Test(cosim_config, map_size_names_the_build_beyond_the_default)
{
	expect_config(scenario("ipv4_5tuple", 16, 2, ONE_FLOW), "16x104", "");
	expect_config(scenario("ipv4_5tuple", 32, LOOKUP_CORE_DEFAULT_VPIDS, ONE_FLOW),
		      "32x104", "");
	expect_config(scenario("ipv4_5tuple", 64, LOOKUP_CORE_DEFAULT_VPIDS + 1, ONE_FLOW),
		      "64x104v512", "");
	expect_config(scenario("ipv4_5tuple", 128, 1024, ONE_FLOW), "128x104v1024", "");
	expect_config(scenario("ipv4_5tuple", 256, 65536, ONE_FLOW), "256x104v65536", "");
}

Test(cosim_config, coverage_is_the_cov_build)
{
	expect_config(scenario("default", 64, 16, ONE_FLOW), "64x372-cov", " --coverage");
	expect_config(scenario("default", 64, 300, ONE_FLOW), "64x372v512-cov", " --coverage");
}

/* A scenario deeper than the RTL whose entries all lie below its depth
 * runs at the RTL's depth, and says so. */
Test(cosim_config, deeper_than_the_rtl_with_entries_below_it)
{
	char want[256];
	char cfg[32];

	snprintf(cfg, sizeof cfg, "%ux372", LOOKUP_CORE_RTL_MAX_DEPTH);
	expect_config(scenario("default", 2 * LOOKUP_CORE_RTL_MAX_DEPTH, 16,
			       THREE_FLOWS), cfg, "");
	snprintf(want, sizeof want, "pnicsim cosim: %s/s.yaml: tcam.depth %u is "
		 "beyond the RTL's %u entries; every entry lies below 3, so a core "
		 "of %u entries answers as the scenario's would\n", dir,
		 2 * LOOKUP_CORE_RTL_MAX_DEPTH, LOOKUP_CORE_RTL_MAX_DEPTH,
		 LOOKUP_CORE_RTL_MAX_DEPTH);
	cr_assert(strstr(out, want), "want '%s' in: %s", want, out);
}

/* An entry at or beyond the RTL's depth cannot be held: refused with the
 * file, the flow's line and list position, and why the ceiling is there. */
Test(cosim_config, entry_beyond_the_rtl_refused)
{
	char flows[256], want[512];
	char cfg[32];

	snprintf(flows, sizeof flows, ONE_FLOW
		 "  - { index: %u, match: { l4_dst: 53 }, action: drop }\n",
		 LOOKUP_CORE_RTL_MAX_DEPTH);
	snprintf(cfg, sizeof cfg, "%ux372", LOOKUP_CORE_RTL_MAX_DEPTH);
	fake_harness(cfg);
	cr_assert_eq(cosim("--scenario %s", scenario("default", 65536, 16, flows)),
		     2, "%s", out);
	snprintf(want, sizeof want, "pnicsim cosim: %s/s.yaml:12: flows[1]: entry "
		 "index %u is beyond the lookup core's %u entries: the RTL is built "
		 "at most %u entries deep (tcam.depth 65536 is cut to that; see "
		 "'Limits' in docs/cosim.md)\n", dir, LOOKUP_CORE_RTL_MAX_DEPTH,
		 LOOKUP_CORE_RTL_MAX_DEPTH, LOOKUP_CORE_RTL_MAX_DEPTH);
	cr_assert_str_eq(out, want);
}
