/* pnicsim cosim: run the lookup core RTL in lockstep with the C model.
 *
 * The Verilated RTL is compiled per configuration (cosim_config.h), so
 * this command decides the configuration, from --depth and --key-bits or
 * from a scenario (--scenario FILE: the smallest core that holds it),
 * builds it if it is missing (cosim_build.h), and execs its binary with
 * the remaining options; the harness itself is rtl/cosim/.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/key.h"
#include "model/key_profile.h"
#include "model/lookup_core.h"
#include "model/tcam.h"
#include "io/cli.h"
#include "io/num.h"
#include "io/scenario.h"
#include "tools/pnicsim/commands.h"
#include "tools/pnicsim/cosim_build.h"
#include "tools/pnicsim/cosim_config.h"

/* The depths the RTL is built at (it refuses others at elaboration). */
#define COSIM_MIN_DEPTH ((unsigned)TCAM_MIN_DEPTH)
#define COSIM_MAX_DEPTH LOOKUP_CORE_RTL_MAX_DEPTH
#define COSIM_MAX_KEY_BITS ((unsigned)PNIC_KEY_MAX_BITS)
#define COSIM_MAX_ARGS 64
#define PROG "pnicsim cosim"

static void usage_profiles(FILE *f)
{
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		fprintf(f, " %u (%s)", key_profile_builtin_at(i)->key_bits,
			key_profile_builtin_at(i)->name);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim cosim --scenario FILE.yaml [OPTION]...\n"
"       pnicsim cosim --depth D --key-bits K [--mode random|directed|traffic]\n"
"                     [OPTION]...\n"
"options: [--seed N] [--cycles N] [--vcd on|off] [--vcd-file PATH]\n"
"         [--coverage] [--profile] [--quiet] [--pcap FILE|DIR] [--rules FILE]\n"
"         [--trace FILE]\n"
"\n"
"Run the lookup core RTL (rtl/, Verilated) in lockstep with the cycle-exact\n"
"C model (model/lookup_core.c): the same inputs every cycle, every output\n"
"compared every cycle.  A mismatch prints the cycle, the inputs, expected\n"
"and actual outputs, writes a VCD of the cycles around it and exits 1.\n"
"\n"
"  --scenario FILE a replay scenario (docs/scenario.md): its VPID map and\n"
"                  entries are programmed through the core's config port as\n"
"                  the NIC's commands, its captures become lookups, and every\n"
"                  answer is also checked against what pnicsim replay decides.\n"
"                  The configuration is the smallest that holds it: Depth\n"
"                  tcam.depth rounded up to a power of two (at most %u),\n"
"                  KeyWidth its key profile's, NumVpids 256 or, for a larger\n"
"                  map, its size rounded up to a power of two\n"
"  --depth D       TCAM entries, a power of two in %u..%u (1K = 1024)\n"
"  --key-bits K    key width, 1..%u; traffic mode needs a built-in\n"
"                  profile's:",
		COSIM_MAX_DEPTH, COSIM_MIN_DEPTH, COSIM_MAX_DEPTH, COSIM_MAX_KEY_BITS);
	usage_profiles(f);
	fprintf(f,
"\n"
"  --coverage      use the coverage build and print its summary\n"
"  other options   passed to the harness; see 'pnicsim cosim --depth D\n"
"                  --key-bits K --help' and docs/cosim.md\n"
"\n"
"Numbers are decimal or 0x hex, never negative.\n"
"Each configuration is its own binary, build/cosim/<D>x<K>[v<V>]/cosim (made\n"
"by 'make build/cosim/<D>x<K>/cosim'; '-cov' appended for coverage).  One\n"
"that is missing is built on first use (stderr says so), when pnicsim runs\n"
"from its source tree's build/bin.\n"
"Exit status: 0 all cycles matched, 1 mismatch, 2 usage or setup error.\n");
}

/* What the command line asked for; pass[] gets the options that are the
 * harness's, in order. */
struct cosim_args {
	uint64_t depth, kbits;
	const char *scenario;
	bool have_depth, have_kbits, coverage, help;
	char *pass[COSIM_MAX_ARGS + 2];
	int n;
};

/* --depth or --key-bits with its value; 0 or the usage error's status. */
static int parse_size(struct cosim_args *c, const char *opt, const char *v)
{
	bool depth = !strcmp(opt, "--depth");

	if (!v)
		return cli_usage_error(PROG, "option '%s' needs a value", opt);
	/* A depth is a count of entries: 1K is 1024, as in tcambench. */
	if (!num_option(PROG, opt, v, 0, UINT32_MAX, depth ? NUM_BIN : 0,
			depth ? &c->depth : &c->kbits))
		return cli_try_help(PROG);
	*(depth ? &c->have_depth : &c->have_kbits) = true;
	return 0;
}

static int push(struct cosim_args *c, char *arg)
{
	if (c->n >= COSIM_MAX_ARGS)
		return cli_usage_error(PROG, "too many options (at most %d)",
				       COSIM_MAX_ARGS);
	c->pass[c->n++] = arg;
	return 0;
}

/* --scenario FILE, which the harness gets too. */
static int parse_scenario(struct cosim_args *c, char *opt, char *v)
{
	int rc;

	if (!v)
		return cli_usage_error(PROG, "option '--scenario' needs a value");
	if (!*v)
		return cli_usage_error(PROG, "--scenario needs a file name, not ''");
	c->scenario = v;
	if ((rc = push(c, opt)))
		return rc;
	return push(c, v);
}

static int parse_args(int argc, char **argv, struct cosim_args *c)
{
	int rc;

	c->n = 1;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--depth") || !strcmp(a, "--key-bits"))
			rc = parse_size(c, a, v);
		else if (!strcmp(a, "--scenario"))
			rc = parse_scenario(c, a, v);
		else {
			c->help |= !strcmp(a, "--help") || !strcmp(a, "-h");
			c->coverage |= !strcmp(a, "--coverage");
			if ((rc = push(c, a)))
				return rc;
			continue;
		}
		if (rc)
			return rc;
		i++;
	}
	return 0;
}

/* With a scenario, the configuration is the scenario's. */
static int check_scenario_args(const struct cosim_args *c)
{
	if (c->have_depth || c->have_kbits)
		return cli_usage_error(PROG, "--scenario chooses the configuration "
				       "from the scenario (tcam.depth, key_profile, "
				       "vpid_map.n_vpids); leave out %s",
				       c->have_depth && c->have_kbits ?
				       "--depth and --key-bits" :
				       c->have_depth ? "--depth" : "--key-bits");
	return 0;
}

/* Which of the two is missing, or what is wrong with it. */
static int check_args(const struct cosim_args *c)
{
	if (c->scenario)
		return check_scenario_args(c);
	if (!c->have_depth && !c->have_kbits)
		return cli_usage_error(PROG, "--depth and --key-bits are missing "
				       "(the configuration to run), or give "
				       "--scenario FILE");
	if (!c->have_depth)
		return cli_usage_error(PROG, "--depth is missing (TCAM entries, a "
				       "power of two in %u..%u)", COSIM_MIN_DEPTH,
				       COSIM_MAX_DEPTH);
	if (!c->have_kbits)
		return cli_usage_error(PROG, "--key-bits is missing (the key's "
				       "width, 1..%u)", COSIM_MAX_KEY_BITS);
	if (c->depth < COSIM_MIN_DEPTH || c->depth > COSIM_MAX_DEPTH ||
	    (c->depth & (c->depth - 1)))
		return cli_usage_error(PROG, "--depth %llu must be a power of two "
				       "in %u..%u", (unsigned long long)c->depth,
				       COSIM_MIN_DEPTH, COSIM_MAX_DEPTH);
	if (c->kbits < 1 || c->kbits > COSIM_MAX_KEY_BITS)
		return cli_usage_error(PROG, "--key-bits %llu must be 1..%u (the "
				       "RTL's KeyMaxBits)",
				       (unsigned long long)c->kbits, COSIM_MAX_KEY_BITS);
	return 0;
}

/* A scenario deeper than the RTL whose entries all fit runs in a core of
 * the RTL's depth: entries never written match nothing. */
static void note_cut_depth(const struct scenario *s, const struct cosim_config *cfg)
{
	if (s->tcam_depth > cfg->depth)
		fprintf(stderr, PROG ": %s: tcam.depth %u is beyond the RTL's %u "
			"entries; every entry lies below %u, so a core of %u entries "
			"answers as the scenario's would\n", s->file, s->tcam_depth,
			cfg->depth, scenario_entries_end(s), cfg->depth);
}

/* The configuration that holds the scenario; 0 or 2 once the reason (the
 * file, the field) is printed. */
static int scenario_config(const struct cosim_args *c, struct cosim_config *cfg)
{
	struct scenario *s = NULL;
	struct pnic_error err;
	char msg[512];
	int rc;

	pnic_error_clear(&err);
	rc = scenario_load(c->scenario, &s, &err);
	if (!rc)
		rc = cosim_config_for_scenario(s, c->coverage, cfg, &err);
	if (rc)
		fprintf(stderr, PROG ": %s\n", pnic_error_str(&err, msg, sizeof msg));
	else
		note_cut_depth(s, cfg);
	scenario_destroy(s);
	return rc ? 2 : 0;
}

/* The command the user typed, which the harness's help and usage errors
 * name as theirs. */
static void typed_command(const struct cosim_args *c, char *buf, size_t len)
{
	if (c->scenario)
		snprintf(buf, len, PROG " --scenario %s%s", c->scenario,
			 c->coverage ? " --coverage" : "");
	else
		snprintf(buf, len, PROG " --depth %u --key-bits %u%s",
			 (unsigned)c->depth, (unsigned)c->kbits,
			 c->coverage ? " --coverage" : "");
}

/* The configuration's binary, built if it is missing, exec'd. */
static int run_config(struct cosim_args *c, const struct cosim_config *cfg)
{
	char dir[PATH_MAX], bin[PATH_MAX + 64], cmd[PATH_MAX + 64];
	char name[COSIM_CONFIG_NAME_MAX];
	int rc;

	if (cosim_dir(dir, sizeof dir)) {
		fprintf(stderr, PROG ": cannot locate build/cosim; set "
			"PNICSIM_COSIM_DIR\n");
		return 2;
	}
	if (!cosim_built(dir, cfg) && (rc = cosim_build(dir, cfg)))
		return rc;
	cosim_config_name(cfg, name);
	snprintf(bin, sizeof bin, "%s/%s/cosim", dir, name);
	typed_command(c, cmd, sizeof cmd);
	c->pass[0] = cmd;
	c->pass[c->n] = NULL;
	fflush(NULL);
	execv(bin, c->pass);
	fprintf(stderr, PROG ": cannot run %s: %s\n", bin, strerror(errno));
	return 2;
}

int cmd_cosim(int argc, char **argv)
{
	struct cosim_args c = { 0 };
	struct cosim_config cfg = { 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &c)))
		return rc;
	if (c.help && !(c.have_depth && c.have_kbits)) {
		usage(stdout);
		return 0;
	}
	if ((rc = check_args(&c)))
		return rc;
	if (c.scenario) {
		if ((rc = scenario_config(&c, &cfg)))
			return rc;
	} else {
		cfg = (struct cosim_config){ .depth = (uint32_t)c.depth,
			.key_bits = (uint32_t)c.kbits, .coverage = c.coverage };
	}
	return run_config(&c, &cfg);
}
