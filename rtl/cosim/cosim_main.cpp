// cosim: the lookup core RTL and its C model in lockstep (see cosim.h).
//
// Per cycle: the stimulus sets the inputs after the rising edge; the RTL
// settles on them and the C model evaluates the same struct; every output
// is compared; then both take the rising edge.  Reset is held for a few
// cycles first (the RTL starts from random state) and nothing is compared
// before it ends.
#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <ctime>

#include <sys/stat.h>

#include "rtl/cosim/stim_common.h"

namespace {

constexpr unsigned kResetCycles = 4;
constexpr uint64_t kVcdBefore = 100;
constexpr uint64_t kVcdAfter = 10;
constexpr unsigned kHistory = 8;

struct Counts {
	uint64_t cycles = 0;
	uint64_t rsp = 0, hits = 0, mapped = 0;
	uint64_t ops[8] = {};
	uint64_t resets = 0;
	double wall_s = 0;
	uint64_t ticks_all = 0, ticks_model = 0;
	uint64_t n_timed = 0;           // model calls timed by --profile
	double tick_cost = 0;           // ticks of an empty timed region
	std::string summary;            // the stimulus's part of the result
};

// The last few cycles, printed with a mismatch to show how it came about.
struct HistEntry {
	uint64_t cycle;
	bool reset;
	lookup_core_in in;
	lookup_core_out exp;
};

// The profile's clock: the TSC where there is one (a few ns a read, so
// that timing every model call does not itself distort the share).
inline uint64_t ticks()
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
#endif
}

// What an empty timed region reads: the timer's own latency, which every
// timed model call also reads.  The least of a few runs of 1000, so a
// preemption during calibration does not count.
double timer_cost()
{
	double best = 1e30;

	for (int r = 0; r < 5; r++) {
		uint64_t sum = 0;

		for (int i = 0; i < 1000; i++) {
			uint64_t a = ticks();

			sum += ticks() - a;
		}
		best = std::min(best, (double)sum / 1000);
	}
	return best;
}

// The C model's share of the run, without the profile's own cost: each
// timed call is read one timer latency long, and the run is two timer
// reads longer per call than it would be unprofiled.
double model_share(const Counts &k)
{
	double model = (double)k.ticks_model - k.n_timed * k.tick_cost;
	double all = (double)k.ticks_all - 2 * k.n_timed * k.tick_cost;

	return all > 0 && model > 0 ? model / all : 0;
}

double now_s()
{
	timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

std::unique_ptr<Stimulus> make_stim(const CosimOpts &o, const DutConfig &c,
				    std::string *err)
{
	StimParams p{ c.depth, c.key_bits, c.n_vpids, o.seed };

	if (o.mode == "directed")
		return stim_directed(p);
	if (o.mode == "traffic")
		return stim_traffic(p, o, err);
	if (o.mode == "scenario")
		return stim_scenario(p, o, err);
	return stim_random(p);
}

void print_history(FILE *f, const HistEntry *h, uint64_t n)
{
	uint64_t first = n > kHistory ? n - kHistory : 0;

	fprintf(f, "previous cycles (inputs taken; expected response):\n");
	for (uint64_t c = first; c < n; c++) {
		const HistEntry &e = h[c % kHistory];

		fprintf(f, "  %8" PRIu64 ": ", e.cycle);
		if (e.reset)
			fprintf(f, "RESET  ");
		if (e.in.cfg_valid)
			fprintf(f, "cfg op %u index %u%s  ", e.in.op & 7u, e.in.index,
				e.exp.cfg_ready ? "" : " (refused)");
		if (e.in.req_valid)
			fprintf(f, "req tag 0x%02x%s  ", e.in.tag,
				e.exp.req_ready ? "" : " (refused)");
		if (e.exp.rsp.valid)
			fprintf(f, "rsp tag 0x%02x hit %d index %u ppid %u mapped %d%s",
				e.exp.rsp.tag, e.exp.rsp.res.hit, e.exp.rsp.res.index,
				e.exp.rsp.res.ppid, e.exp.rsp.res.mapped,
				e.in.rsp_ready ? "" : " (stalled)");
		fputc('\n', f);
	}
}

// A traced re-run that cannot open its VCD ends there: carrying on
// untraced would compare again and report the mismatch as if the VCD
// had been written.
bool trace_begin(Dut *dut, const std::string &path)
{
	if (dut->trace_start(path))
		return true;
	fprintf(stderr, "cosim: cannot write the VCD %s\n", path.c_str());
	return false;
}

// Whether the traced re-run left a VCD to name: the path was checked at
// start, but the folder may have gone or the disk filled since.
bool vcd_written(const std::string &path)
{
	struct stat st;

	return !stat(path.c_str(), &st) && S_ISREG(st.st_mode) && st.st_size > 0;
}

// One run from reset.  With trace_to set, dumps a VCD of cycles
// [trace_from, trace_to] and runs to trace_to regardless of mismatches;
// otherwise stops at the first mismatch and returns its cycle in *bad.
int run(const CosimOpts &o, const DutConfig &c, bool tracing,
	 uint64_t trace_from, uint64_t trace_to, uint64_t *bad, Counts *k)
{
	struct lookup_core_params lp{ c.depth, c.key_bits, c.n_vpids };
	struct lookup_core *model = nullptr;
	pnic_error err;
	std::string serr;
	HistEntry hist[kHistory];

	if (lookup_core_create(&lp, &model, &err)) {
		fprintf(stderr, "cosim: C model: %s\n", err.msg);
		return 2;
	}
	std::unique_ptr<Stimulus> stim = make_stim(o, c, &serr);
	if (!stim) {
		fprintf(stderr, "cosim: %s\n", serr.c_str());
		lookup_core_destroy(model);
		return 2;
	}
	std::unique_ptr<Dut> dut = dut_create(o.seed, tracing);
	lookup_core_in in = in_idle();
	lookup_core_out exp, act;

	if (tracing && trace_from == 0 && !trace_begin(dut.get(), o.vcd_file)) {
		lookup_core_destroy(model);
		return 2;
	}
	for (unsigned i = 0; i < kResetCycles; i++) {
		dut->set(in, false);
		dut->rise();
		lookup_core_reset(model);
	}

	int rc = 0;
	if (o.profile)
		k->tick_cost = timer_cost();
	double t0 = now_s();
	uint64_t tk0 = ticks(), tm = 0;
	uint64_t cyc = 0;

	for (; cyc < o.cycles || !stim->done(); cyc++) {
		if (tracing) {
			if (cyc == trace_from && cyc &&
			    !trace_begin(dut.get(), o.vcd_file)) {
				rc = 2;
				break;
			}
			if (cyc > trace_to)
				break;
		}
		bool reset;

		stim->next(&in, &reset);
		dut->set(in, !reset);
		dut->outputs(&act);
		if (o.profile) {
			uint64_t a = ticks();

			lookup_core_eval(model, &in, &exp);
			tm += ticks() - a;
			k->n_timed++;
		} else {
			lookup_core_eval(model, &in, &exp);
		}
		if (!tracing && !cosim_outputs_equal(exp, act, c.key_bits)) {
			cosim_print_mismatch(stdout, cyc, in, exp, act, c.key_bits);
			print_history(stdout, hist, cyc);
			*bad = cyc;
			rc = 1;
			break;
		}
		HistEntry &h = hist[cyc % kHistory];
		h.cycle = cyc;
		h.reset = reset;
		h.in = in;
		h.exp = exp;

		bool cfg_go = !reset && in.cfg_valid && exp.cfg_ready;
		bool req_go = !reset && in.req_valid && exp.req_ready;
		std::string why;

		stim->accepted(cfg_go, req_go);
		k->ops[in.op & 7] += cfg_go;
		if (!reset && exp.rsp.valid && in.rsp_ready) {
			k->rsp++;
			k->hits += exp.rsp.res.hit;
			k->mapped += exp.rsp.res.mapped;
			if (!stim->response(act.rsp, &why) && !tracing) {
				printf("MISMATCH at cycle %" PRIu64 ": %s", cyc, why.c_str());
				print_history(stdout, hist, cyc + 1);
				*bad = cyc;
				rc = 1;
				break;
			}
		}
		dut->rise();
		if (!tracing && dut->rtl_error()) {
			fflush(stderr);
			printf("MISMATCH at cycle %" PRIu64 ": an RTL assertion failed at "
			       "this cycle's rising edge (message above)\n", cyc);
			printf("inputs this cycle:\n");
			cosim_print_in(stdout, in, c.key_bits);
			print_history(stdout, hist, cyc + 1);
			*bad = cyc;
			rc = 1;
			break;
		}
		if (reset) {
			lookup_core_reset(model);
			k->resets++;
		} else if (o.profile) {
			uint64_t a = ticks();

			lookup_core_step(model, &in);
			tm += ticks() - a;
			k->n_timed++;
		} else {
			lookup_core_step(model, &in);
		}
	}
	k->cycles = cyc;
	k->summary = stim->summary();
	k->wall_s = now_s() - t0;
	k->ticks_all = ticks() - tk0;
	k->ticks_model = tm;
	if (o.coverage && !tracing) {
		if (!dut->coverage_write(o.coverage_file) ||
		    !cosim_coverage_summary(stdout, o.coverage_file)) {
			fprintf(stderr, "cosim: could not write coverage to %s\n",
				o.coverage_file.c_str());
			rc = rc ? rc : 2;
		}
	}
	dut.reset();
	lookup_core_destroy(model);
	return rc;
}

// The options that choose the stimulus, for the line that says how to
// run a failing case again.
std::string mode_args(const CosimOpts &o)
{
	if (o.mode == "scenario")
		return "--scenario " + o.scenario;
	return "--mode " + o.mode;
}

// A mismatch: the FAIL line, then the same run again from reset with a
// VCD around the failing cycle.
int report_fail(const CosimOpts &o, const DutConfig &c, uint64_t bad)
{
	printf("FAIL: mismatch at cycle %" PRIu64 " (mode %s, seed %" PRIu64
	       "); reproduce with --seed %" PRIu64 " %s --cycles %" PRIu64 "\n",
	       bad, o.mode.c_str(), o.seed, o.seed, mode_args(o).c_str(), bad + 1);
	if (!o.vcd)
		return 1;

	Counts kt;
	uint64_t from = bad > kVcdBefore ? bad - kVcdBefore : 0;

	fflush(stdout);
	int trc = run(o, c, true, from, bad + kVcdAfter, &bad, &kt);

	if (trc == 0 && !vcd_written(o.vcd_file))
		fprintf(stderr, "cosim: writing the VCD %s failed\n", o.vcd_file.c_str());
	else if (trc == 0)
		printf("VCD of cycles %" PRIu64 "..%" PRIu64 " (cycle %" PRIu64
		       " is at time %" PRIu64 ", inputs set; its rising edge at %" PRIu64 "): %s\n",
		       from, bad + kVcdAfter, bad, 2 * (bad + kResetCycles),
		       2 * (bad + kResetCycles) + 1, o.vcd_file.c_str());
	return 1;
}

void report_pass(const CosimOpts &o, const DutConfig &c, const Counts &k)
{
	double kcps = k.wall_s > 0 ? k.cycles / k.wall_s / 1e3 : 0;

	if (!k.summary.empty())
		printf("%s\n", k.summary.c_str());
	printf("PASS %s mode %s seed %" PRIu64 ": %" PRIu64 " cycles matched; "
	       "%" PRIu64 " responses (%.1f%% hit, %.1f%% mapped), "
	       "writes: %" PRIu64 " tcam %" PRIu64 " inval %" PRIu64 " action %"
	       PRIu64 " map %" PRIu64 " clear %" PRIu64 " nop; %" PRIu64 " reset cycles; %.0f kcycles/s",
	       dut_config_name(c).c_str(), o.mode.c_str(), o.seed, k.cycles, k.rsp,
	       k.rsp ? 100.0 * k.hits / k.rsp : 0.0,
	       k.rsp ? 100.0 * k.mapped / k.rsp : 0.0,
	       k.ops[LC_OP_TCAM_WRITE], k.ops[LC_OP_TCAM_INVALIDATE],
	       k.ops[LC_OP_ACTION_WRITE], k.ops[LC_OP_MAP_WRITE],
	       k.ops[LC_OP_MAP_CLEAR], k.ops[0] + k.ops[6] + k.ops[7], k.resets, kcps);
	if (o.profile)
		printf("; C model %.1f%% of the time", 100.0 * model_share(k));
	printf("\n");
}

}  // namespace

int main(int argc, char **argv)
{
	CosimOpts o;
	DutConfig c = dut_config();
	Counts k;
	uint64_t bad = 0;
	int rc;

	rc = cosim_parse_opts(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (!o.quiet)
		printf("cosim %s (NumVpids %u) mode %s seed %" PRIu64 ": %s\n",
		       dut_config_name(c).c_str(), c.n_vpids, o.mode.c_str(), o.seed,
		       o.mode == "scenario" && !o.cycles ? "one pass over the captures"
		       : (std::to_string(o.cycles) + " cycles").c_str());
	fflush(stdout);
	rc = run(o, c, false, 0, 0, &bad, &k);
	if (rc == 1)
		return report_fail(o, c, bad);
	if (rc == 0)
		report_pass(o, c, k);
	return rc;
}
