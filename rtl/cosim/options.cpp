// Command line of the cosim binary (pnicsim cosim passes its options on).
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "rtl/cosim/cosim.h"

static void usage(FILE *f, const char *prog)
{
	DutConfig c = dut_config();

	fprintf(f,
		"usage: %s [--seed N] [--cycles N] [--mode MODE] [--vcd on|off]\n"
		"          [--vcd-file PATH] [--coverage] [--coverage-file PATH]\n"
		"          [--profile] [--quiet] [--pcap FILE|DIR] [--rules FILE] [--trace FILE]\n\n"
		"Runs the lookup core RTL (this build: Depth %u, KeyWidth %u, NumVpids %u%s)\n"
		"in lockstep with the C model and compares every output every cycle.\n\n"
		"  --seed N        stimulus and RTL initial state (default 1)\n"
		"  --cycles N      cycles after reset (K/M suffixes; default 100K);\n"
		"                  directed mode runs at least one full script\n"
		"  --mode MODE     random | directed | traffic (default random)\n"
		"  --vcd on|off    on a mismatch, re-run and dump cycles N-100..N+10 (default on)\n"
		"  --vcd-file P    where (default cosim_<D>x<K>_<seed>.vcd)\n"
		"  --coverage      print the RTL coverage summary (coverage builds only)\n"
		"  --coverage-file P  coverage data (default coverage_<D>x<K>.dat)\n"
		"  --profile       time the C model's share of the lockstep run\n"
		"  --pcap FILE|DIR traffic mode: keys from these packets (parser, key builder)\n"
		"  --trace FILE    traffic mode: keys from ClassBench trace headers\n"
		"  --rules FILE    traffic mode: entries from ClassBench rules (host/acl);\n"
		"                  without it, one exact entry per distinct key\n\n"
		"Exit status: 0 all cycles matched, 1 mismatch, 2 usage or setup error.\n",
		prog, c.depth, c.key_bits, c.n_vpids, c.coverage ? ", coverage" : "");
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	uint64_t mult = 1;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (*end == 'k' || *end == 'K')
		mult = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1000000, end++;
	if (*end)
		return false;
	*out = v * mult;
	return true;
}

int cosim_parse_opts(int argc, char **argv, CosimOpts *o)
{
	DutConfig c = dut_config();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		bool takes = true;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, argv[0]);
			return 1;
		} else if (!strcmp(a, "--coverage")) {
			o->coverage = true;
			takes = false;
		} else if (!strcmp(a, "--profile")) {
			o->profile = true;
			takes = false;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			takes = false;
		} else if (!v) {
			fprintf(stderr, "cosim: option %s needs a value (see --help)\n", a);
			return 2;
		} else if (!strcmp(a, "--seed")) {
			if (!parse_count(v, &o->seed)) {
				fprintf(stderr, "cosim: --seed '%s' is not a number\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--cycles")) {
			if (!parse_count(v, &o->cycles)) {
				fprintf(stderr, "cosim: --cycles '%s' is not a count (e.g. 100000, 2M)\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--mode")) {
			o->mode = v;
			if (o->mode != "random" && o->mode != "directed" &&
			    o->mode != "traffic") {
				fprintf(stderr, "cosim: --mode '%s': use random, directed or traffic\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--vcd")) {
			if (strcmp(v, "on") && strcmp(v, "off")) {
				fprintf(stderr, "cosim: --vcd '%s': use on or off\n", v);
				return 2;
			}
			o->vcd = !strcmp(v, "on");
		} else if (!strcmp(a, "--vcd-file")) {
			o->vcd_file = v;
		} else if (!strcmp(a, "--coverage-file")) {
			o->coverage_file = v;
		} else if (!strcmp(a, "--pcap")) {
			o->pcap = v;
		} else if (!strcmp(a, "--rules")) {
			o->rules = v;
		} else if (!strcmp(a, "--trace")) {
			o->trace = v;
		} else {
			fprintf(stderr, "cosim: unknown option '%s' (see --help)\n", a);
			return 2;
		}
		if (takes)
			i++;
	}
	if (o->coverage && !c.coverage) {
		fprintf(stderr, "cosim: --coverage needs the coverage build of this "
			"configuration; run it through 'pnicsim cosim --coverage' "
			"(make build/cosim/%ux%u-cov/cosim)\n", c.depth, c.key_bits);
		return 2;
	}
	std::string cfg = std::to_string(c.depth) + "x" + std::to_string(c.key_bits);
	if (o->vcd_file.empty())
		o->vcd_file = "cosim_" + cfg + "_" + std::to_string(o->seed) + ".vcd";
	if (o->coverage_file.empty())
		o->coverage_file = "coverage_" + cfg + ".dat";
	o->n_vpids = c.n_vpids;
	return 0;
}
