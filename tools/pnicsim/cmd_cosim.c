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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/key_profile.h"
#include "tools/pnicsim/commands.h"

#define COSIM_MIN_DEPTH 16u
#define COSIM_MAX_DEPTH 4096u
#define COSIM_MAX_ARGS 64

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim cosim --depth D --key-bits K [--seed N] [--cycles N]\n"
"                     [--mode random|directed|traffic] [--vcd on|off]\n"
"                     [--vcd-file PATH] [--coverage] [--profile] [--quiet]\n"
"                     [--pcap FILE --rules FILE]\n"
"\n"
"Run the lookup core RTL (rtl/, Verilated) in lockstep with the cycle-exact\n"
"C model (model/lookup_core.c): the same inputs every cycle, every output\n"
"compared every cycle.  A mismatch prints the cycle, the inputs, expected\n"
"and actual outputs, writes a VCD of the cycles around it and exits 1.\n"
"\n"
"  --depth D       TCAM entries, a power of two in %u..%u\n"
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
"Each configuration is its own binary, build/cosim/<D>x<K>/cosim (made by\n"
"'make build/cosim/<D>x<K>/cosim'; '-cov' appended for coverage).\n"
"Exit status: 0 all cycles matched, 1 mismatch, 2 usage or setup error.\n");
}

static bool parse_u32(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT_MAX)
		return false;
	*out = (unsigned)v;
	return true;
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

int cmd_cosim(int argc, char **argv)
{
	char *pass[COSIM_MAX_ARGS + 2];
	unsigned depth = 0, kbits = 0;
	bool coverage = false, help = false;
	char dir[PATH_MAX], bin[PATH_MAX + 64], cfg[32];
	int n = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--depth") || !strcmp(a, "--key-bits")) {
			unsigned *dst = a[2] == 'd' ? &depth : &kbits;

			if (i + 1 >= argc || !parse_u32(argv[i + 1], dst)) {
				fprintf(stderr, "pnicsim cosim: %s needs a number\n", a);
				return 2;
			}
			i++;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			help = true;
		if (!strcmp(a, "--coverage"))
			coverage = true;
		if (n >= COSIM_MAX_ARGS) {
			fprintf(stderr, "pnicsim cosim: too many options\n");
			return 2;
		}
		pass[n++] = argv[i];
	}
	if (help && (!depth || !kbits)) {
		usage(stdout);
		return 0;
	}
	if (!depth || !kbits) {
		fprintf(stderr, "pnicsim cosim: --depth and --key-bits are required\n\n");
		usage(stderr);
		return 2;
	}
	if (depth < COSIM_MIN_DEPTH || depth > COSIM_MAX_DEPTH ||
	    (depth & (depth - 1))) {
		fprintf(stderr, "pnicsim cosim: --depth %u must be a power of two "
			"in %u..%u\n", depth, COSIM_MIN_DEPTH, COSIM_MAX_DEPTH);
		return 2;
	}
	if (!key_bits_known(kbits)) {
		fprintf(stderr, "pnicsim cosim: --key-bits %u is not the width of a "
			"built-in key profile (see --help)\n", kbits);
		return 2;
	}
	if (cosim_dir(dir, sizeof dir)) {
		fprintf(stderr, "pnicsim cosim: cannot locate build/cosim; set "
			"PNICSIM_COSIM_DIR\n");
		return 2;
	}
	snprintf(cfg, sizeof cfg, "%ux%u%s", depth, kbits, coverage ? "-cov" : "");
	snprintf(bin, sizeof bin, "%s/%s/cosim", dir, cfg);
	if (access(bin, X_OK)) {
		fprintf(stderr, "pnicsim cosim: configuration %s is not built; run "
			"(from the repository root):\n  make build/cosim/%s/cosim\n",
			cfg, cfg);
		return 2;
	}
	pass[0] = bin;
	pass[n] = NULL;
	fflush(NULL);
	execv(bin, pass);
	fprintf(stderr, "pnicsim cosim: cannot run %s: %s\n", bin, strerror(errno));
	return 2;
}
