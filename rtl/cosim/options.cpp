// Command line of the cosim binary.  pnicsim cosim passes its options on
// with argv[0] set to the command the user typed ("pnicsim cosim --depth D
// --key-bits K", or "pnicsim cosim --scenario FILE"), so that the help and
// every usage error point at it.
#include <cstring>

#include "rtl/cosim/cosim.h"

extern "C" {
#include "io/cli.h"
#include "io/num.h"
}

namespace {

const char kProg[] = "cosim";

void usage(FILE *f, const char *cmd)
{
	DutConfig c = dut_config();

	fprintf(f,
		"usage: %s [OPTION]...\n\n"
		"Runs the lookup core RTL (this build: Depth %u, KeyWidth %u, NumVpids %u%s)\n"
		"in lockstep with the C model and compares every output every cycle.\n\n"
		"  --seed N        stimulus and RTL initial state, 0..2^64-1 (default 1)\n"
		"  --cycles N      cycles after reset (K/M/G suffixes: x1000; default 100K);\n"
		"                  directed mode runs at least one full script, scenario\n"
		"                  mode one pass over its captures (its default)\n"
		"  --mode MODE     random | directed | traffic (default random)\n"
		"  --scenario FILE scenario mode: the scenario's map and entries through the\n"
		"                  config port, its captures as lookups, every response\n"
		"                  checked against what pnicsim replay decides\n"
		"  --vcd on|off    on a mismatch, re-run and dump cycles N-100..N+10 (default on)\n"
		"  --vcd-file P    where (default cosim_<D>x<K>_<seed>.vcd); checked at start\n"
		"  --coverage      print the RTL coverage summary (coverage builds only)\n"
		"  --coverage-file P  coverage data (default coverage_<D>x<K>.dat); checked at start\n"
		"  --profile       time the C model's share of the lockstep run\n"
		"  --pcap FILE|DIR traffic mode: keys from these packets (parser, key builder)\n"
		"  --trace FILE    traffic mode: keys from ClassBench trace headers\n"
		"  --rules FILE    traffic mode: entries from ClassBench rules (host/acl);\n"
		"                  without it, one exact entry per distinct key\n\n"
		"Numbers are decimal or 0x hex, never negative.  An output file that\n"
		"cannot be written is refused before the run, not after it.\n"
		"Exit status: 0 all cycles matched, 1 mismatch, 2 usage or setup error.\n",
		cmd, c.depth, c.key_bits, c.n_vpids, c.coverage ? ", coverage" : "");
}

// The options without a value: 1 when a is one (and set), 0 otherwise.
int parse_flag(const char *a, CosimOpts *o)
{
	if (!strcmp(a, "--coverage"))
		o->coverage = true;
	else if (!strcmp(a, "--profile"))
		o->profile = true;
	else if (!strcmp(a, "--quiet"))
		o->quiet = true;
	else
		return 0;
	return 1;
}

// Where an option that names a file keeps it, or nullptr.
std::string *path_option(const char *a, CosimOpts *o)
{
	if (!strcmp(a, "--vcd-file"))
		return &o->vcd_file;
	if (!strcmp(a, "--coverage-file"))
		return &o->coverage_file;
	if (!strcmp(a, "--pcap"))
		return &o->pcap;
	if (!strcmp(a, "--rules"))
		return &o->rules;
	if (!strcmp(a, "--trace"))
		return &o->trace;
	if (!strcmp(a, "--scenario"))
		return &o->scenario;
	return nullptr;
}

bool takes_value(const char *a, CosimOpts *o)
{
	static const char *const valued[] = { "--seed", "--cycles", "--mode", "--vcd" };

	for (const char *v : valued)
		if (!strcmp(a, v))
			return true;
	return path_option(a, o) != nullptr;
}

// One option with its value: 0, or 2 once the usage error is reported.
int parse_value(const char *cmd, const char *a, const char *v, CosimOpts *o)
{
	if (!strcmp(a, "--seed"))
		return num_option(kProg, a, v, 0, UINT64_MAX, 0, &o->seed) ? 0 : cli_try_help(cmd);
	if (!strcmp(a, "--cycles")) {
		o->cycles_set = true;
		return num_option(kProg, a, v, 0, UINT64_MAX, NUM_SI, &o->cycles) ? 0 : cli_try_help(cmd);
	}
	if (!strcmp(a, "--mode")) {
		o->mode = v;
		if (o->mode != "random" && o->mode != "directed" && o->mode != "traffic" &&
		    o->mode != "scenario")
			return cli_usage_error_cmd(kProg, cmd, "--mode '%s': use random, "
						   "directed or traffic (or --scenario FILE)", v);
		return 0;
	}
	if (!strcmp(a, "--vcd")) {
		if (strcmp(v, "on") && strcmp(v, "off"))
			return cli_usage_error_cmd(kProg, cmd, "--vcd '%s': use on or off", v);
		o->vcd = !strcmp(v, "on");
		return 0;
	}
	if (!*v)
		return cli_usage_error_cmd(kProg, cmd, "%s needs a file name, not ''", a);
	*path_option(a, o) = v;
	return 0;
}

// An output the run would write but could not: refused now, so that a
// run never ends by naming a file it did not write.
int check_output(const char *opt, const std::string &path, const char *hint)
{
	int rc = cli_output_check(path.c_str());

	if (!rc)
		return 0;
	fprintf(stderr, "cosim: cannot write %s '%s': %s%s\n", opt, path.c_str(),
		strerror(-rc), hint);
	return 2;
}

// A scenario names its own captures and tables: it is a mode of its own,
// which runs one pass over the captures unless --cycles asks for more.
int check_scenario(const char *cmd, CosimOpts *o)
{
	if (o->scenario.empty()) {
		if (o->mode == "scenario")
			return cli_usage_error_cmd(kProg, cmd, "--mode scenario needs --scenario FILE");
		if (o->mode.empty())
			o->mode = "random";
		return 0;
	}
	if (!o->mode.empty() && o->mode != "scenario")
		return cli_usage_error_cmd(kProg, cmd, "--scenario runs the scenario's "
					   "captures; it takes no --mode %s", o->mode.c_str());
	if (!o->pcap.empty() || !o->rules.empty() || !o->trace.empty())
		return cli_usage_error_cmd(kProg, cmd, "--scenario names its own captures "
					   "and entries; leave out --pcap, --rules and --trace");
	o->mode = "scenario";
	if (!o->cycles_set)
		o->cycles = 0;
	return 0;
}

int check_outputs(const CosimOpts &o)
{
	if (o.vcd && check_output("--vcd-file", o.vcd_file, " (a mismatch's VCD "
				  "goes there; give a writable path, or --vcd off)"))
		return 2;
	if (o.coverage && check_output("--coverage-file", o.coverage_file, ""))
		return 2;
	return 0;
}

}  // namespace

int cosim_parse_opts(int argc, char **argv, CosimOpts *o)
{
	DutConfig c = dut_config();
	const char *cmd = argv[0];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, cmd);
			return 1;
		}
		if (parse_flag(a, o))
			continue;
		if (!takes_value(a, o))
			return cli_usage_error_cmd(kProg, cmd, "unknown option '%s'", a);
		if (i + 1 >= argc)
			return cli_usage_error_cmd(kProg, cmd, "option '%s' needs a value", a);
		if ((rc = parse_value(cmd, a, argv[++i], o)))
			return rc;
	}
	if ((rc = check_scenario(cmd, o)))
		return rc;
	std::string cfg = dut_config_name(c);
	if (o->vcd_file.empty())
		o->vcd_file = "cosim_" + cfg + "_" + std::to_string(o->seed) + ".vcd";
	if (o->coverage_file.empty())
		o->coverage_file = "coverage_" + cfg + ".dat";
	o->n_vpids = c.n_vpids;
	// Like a bad value, a path that cannot be written is a fault of the
	// command line; the build's abilities come after it, since their
	// message ends with the make command that fixes them.
	if (check_outputs(*o))
		return 2;
	if (o->coverage && !c.coverage) {
		fprintf(stderr, "cosim: --coverage needs the coverage build of this "
			"configuration; run it through 'pnicsim cosim --coverage' "
			"(make build/cosim/%s-cov/cosim)\n", cfg.c_str());
		return 2;
	}
	return 0;
}

std::string dut_config_name(const DutConfig &c)
{
	std::string n = std::to_string(c.depth) + "x" + std::to_string(c.key_bits);

	if (c.n_vpids != LOOKUP_CORE_DEFAULT_VPIDS)
		n += "v" + std::to_string(c.n_vpids);
	return n;
}
