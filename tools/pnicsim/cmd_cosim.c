/* pnicsim cosim: run the lookup core RTL in lockstep with the C model.
 *
 * The Verilated RTL is compiled per configuration (Depth x KeyWidth are
 * Verilog parameters, fixed at Verilate time), so this command only picks
 * the binary mk/cosim.mk built for the asked configuration and execs it
 * with the remaining options; the harness itself is rtl/cosim/.  A
 * configuration that is not built yet is refused with the make command
 * that builds it.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/key_profile.h"
#include "model/lookup_core.h"
#include "model/tcam.h"
#include "io/cli.h"
#include "io/num.h"
#include "tools/pnicsim/commands.h"

/* The depths the RTL is built at (it refuses others at elaboration). */
#define COSIM_MIN_DEPTH ((unsigned)TCAM_MIN_DEPTH)
#define COSIM_MAX_DEPTH LOOKUP_CORE_RTL_MAX_DEPTH
#define COSIM_MAX_ARGS 64
#define PROG "pnicsim cosim"

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim cosim --depth D --key-bits K [--seed N] [--cycles N]\n"
"                     [--mode random|directed|traffic] [--vcd on|off]\n"
"                     [--vcd-file PATH] [--coverage] [--profile] [--quiet]\n"
"                     [--pcap FILE|DIR] [--rules FILE] [--trace FILE]\n"
"\n"
"Run the lookup core RTL (rtl/, Verilated) in lockstep with the cycle-exact\n"
"C model (model/lookup_core.c): the same inputs every cycle, every output\n"
"compared every cycle.  A mismatch prints the cycle, the inputs, expected\n"
"and actual outputs, writes a VCD of the cycles around it and exits 1.\n"
"\n"
"  --depth D       TCAM entries, a power of two in %u..%u (1K = 1024)\n"
"  --key-bits K    key width; must be a built-in key profile's:",
		COSIM_MIN_DEPTH, COSIM_MAX_DEPTH);
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		fprintf(f, " %u (%s)", key_profile_builtin_at(i)->key_bits,
			key_profile_builtin_at(i)->name);
	fprintf(f,
"\n"
"  --coverage      use the coverage build and print its summary\n"
"  other options   passed to the harness; see 'pnicsim cosim --depth D\n"
"                  --key-bits K --help' and docs/cosim.md\n"
"\n"
"Numbers are decimal or 0x hex, never negative.\n"
"Each configuration is its own binary, build/cosim/<D>x<K>/cosim (made by\n"
"'make build/cosim/<D>x<K>/cosim'; '-cov' appended for coverage).\n"
"Exit status: 0 all cycles matched, 1 mismatch, 2 usage or setup error.\n");
}

static bool key_bits_known(unsigned k)
{
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		if (key_profile_builtin_at(i)->key_bits == k)
			return true;
	return false;
}

/* build/cosim relative to this program (build/bin/pnicsim), unless
 * PNICSIM_COSIM_DIR says otherwise. */
static int cosim_dir(char *buf, size_t len)
{
	const char *env = getenv("PNICSIM_COSIM_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -ENAMETOOLONG;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return snprintf(buf, len, "%s/../cosim", exe) < (int)len ? 0 : -ENAMETOOLONG;
}

/* What the command line asked for; pass[] gets the options that are the
 * harness's, in order. */
struct cosim_args {
	uint64_t depth, kbits;
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

static int parse_args(int argc, char **argv, struct cosim_args *c)
{
	int rc;

	c->n = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--depth") || !strcmp(a, "--key-bits")) {
			if ((rc = parse_size(c, a, i + 1 < argc ? argv[i + 1] : NULL)))
				return rc;
			i++;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			c->help = true;
		if (!strcmp(a, "--coverage"))
			c->coverage = true;
		if (c->n >= COSIM_MAX_ARGS)
			return cli_usage_error(PROG, "too many options (at most %d)",
					       COSIM_MAX_ARGS);
		c->pass[c->n++] = argv[i];
	}
	return 0;
}

/* Which of the two is missing, or what is wrong with it. */
static int check_args(const struct cosim_args *c)
{
	if (!c->have_depth && !c->have_kbits)
		return cli_usage_error(PROG, "--depth and --key-bits are missing "
				       "(the configuration to run)");
	if (!c->have_depth)
		return cli_usage_error(PROG, "--depth is missing (TCAM entries, a "
				       "power of two in %u..%u)", COSIM_MIN_DEPTH,
				       COSIM_MAX_DEPTH);
	if (!c->have_kbits)
		return cli_usage_error(PROG, "--key-bits is missing (a built-in "
				       "key profile's width)");
	if (c->depth < COSIM_MIN_DEPTH || c->depth > COSIM_MAX_DEPTH ||
	    (c->depth & (c->depth - 1)))
		return cli_usage_error(PROG, "--depth %llu must be a power of two "
				       "in %u..%u", (unsigned long long)c->depth,
				       COSIM_MIN_DEPTH, COSIM_MAX_DEPTH);
	if (!key_bits_known((unsigned)c->kbits))
		return cli_usage_error(PROG, "--key-bits %llu is not the width of a "
				       "built-in key profile",
				       (unsigned long long)c->kbits);
	return 0;
}

int cmd_cosim(int argc, char **argv)
{
	struct cosim_args c = { 0 };
	char dir[PATH_MAX], bin[PATH_MAX + 64], cfg[32], cmd[96];
	int rc;

	if ((rc = parse_args(argc, argv, &c)))
		return rc;
	if (c.help && !(c.have_depth && c.have_kbits)) {
		usage(stdout);
		return 0;
	}
	if ((rc = check_args(&c)))
		return rc;
	if (cosim_dir(dir, sizeof dir)) {
		fprintf(stderr, PROG ": cannot locate build/cosim; set "
			"PNICSIM_COSIM_DIR\n");
		return 2;
	}
	snprintf(cfg, sizeof cfg, "%ux%u%s", (unsigned)c.depth,
		 (unsigned)c.kbits, c.coverage ? "-cov" : "");
	snprintf(bin, sizeof bin, "%s/%s/cosim", dir, cfg);
	if (access(bin, X_OK)) {
		fprintf(stderr, PROG ": configuration %s is not built; run "
			"(from the repository root):\n  make build/cosim/%s/cosim\n",
			cfg, cfg);
		return 2;
	}
	/* The harness's help and usage errors name the command typed. */
	snprintf(cmd, sizeof cmd, PROG " --depth %u --key-bits %u%s",
		 (unsigned)c.depth, (unsigned)c.kbits,
		 c.coverage ? " --coverage" : "");
	c.pass[0] = cmd;
	c.pass[c.n] = NULL;
	fflush(NULL);
	execv(bin, c.pass);
	fprintf(stderr, PROG ": cannot run %s: %s\n", bin, strerror(errno));
	return 2;
}
