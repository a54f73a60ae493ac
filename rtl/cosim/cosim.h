// Lockstep harness: the Verilated lookup core against the C model.
//
// One main (cosim_main.cpp) owns the run: a Dut (the Verilated top, behind
// the small interface below so that only dut_verilated.cpp depends on the
// port widths of one build), the C model (model/lookup_core.h) and a
// Stimulus.  Each cycle the stimulus sets the inputs after the rising edge,
// both sides get the identical struct lookup_core_in, every output is
// compared before the next rising edge, and both take that edge.  The
// first difference stops the run with a report; the run is then repeated
// from the start with the same seed and a VCD written around the failing
// cycle, which works because everything (stimulus and Verilator's random
// initial state) derives from the seed.
//
// Everything here except dut_verilated.cpp is compiled once and shared by
// the builds of every (Depth, KeyWidth) configuration.
#ifndef PNIC_COSIM_H
#define PNIC_COSIM_H

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

extern "C" {
#include "model/lookup_core.h"
}

// What a run is asked to do (options.cpp parses the command line).
struct CosimOpts {
	uint64_t seed = 1;
	uint64_t cycles = 100000;
	bool cycles_set = false;       // --cycles given (scenario mode: one pass if not)
	std::string mode;              // random (default) | directed | traffic | scenario
	bool vcd = true;               // write a VCD around a mismatch
	std::string vcd_file;          // default: cosim_<D>x<K>_<seed>.vcd
	bool coverage = false;         // print the coverage summary
	std::string coverage_file;     // default: coverage_<D>x<K>.dat
	bool profile = false;          // time the C model separately
	bool quiet = false;
	std::string pcap;              // traffic mode: packets
	std::string rules;             // traffic mode: ClassBench rules
	std::string trace;             // traffic mode: ClassBench headers
	std::string scenario;          // scenario mode: the YAML file
	uint32_t n_vpids = 0;          // fixed by the build (NumVpids)
};

// Returns 0 and fills o, or prints why and returns 2 (1 for --help: exit 0).
int cosim_parse_opts(int argc, char **argv, CosimOpts *o);

// The RTL, one clock cycle at a time.  set() drives the inputs (between
// edges), outputs() reads them after the combinational settle, rise() is
// the rising edge.  rst_n low makes the edge a reset edge.
class Dut {
public:
	virtual ~Dut() = default;
	virtual void set(const lookup_core_in &in, bool rst_n) = 0;
	virtual void outputs(lookup_core_out *out) = 0;
	virtual void rise() = 0;
	// Start dumping to a VCD from now on; stop() closes it.
	virtual bool trace_start(const std::string &path) = 0;
	virtual void trace_stop() = 0;
	// An RTL assertion ($error, assert) fired since the start.
	virtual bool rtl_error() = 0;
	// Coverage builds only: write the counters; false when not built so.
	virtual bool coverage_write(const std::string &path) = 0;
};

// The build's configuration, fixed when the RTL was Verilated.
struct DutConfig {
	uint32_t depth;
	uint16_t key_bits;
	uint32_t n_vpids;
	bool coverage;
};
DutConfig dut_config();
// Its name as mk/cosim.mk and pnicsim cosim spell it: <D>x<K>, and
// v<NumVpids> when the map RAM is not the default size.
std::string dut_config_name(const DutConfig &c);
// Verilator's initial state is random per seed (randReset(2)).
std::unique_ptr<Dut> dut_create(uint64_t seed, bool trace);

// Cycle inputs with valid/ready discipline: a beat offered stays, with the
// same data, until it is accepted.  next() fills the inputs of the coming
// cycle and says whether its edge is a reset edge (then nothing is offered
// and nothing accepted); accepted() reports what the edge took.  done()
// says the minimum work is done (directed mode: one full script).
// response() sees each response taken, after the comparison with the C
// model: a stimulus that knows more about the answer than the C model
// (scenario mode: what pnicsim replay decided for the packet) returns
// false and says why.  summary() is its part of a passing run's result.
class Stimulus {
public:
	virtual ~Stimulus() = default;
	virtual void next(lookup_core_in *in, bool *reset) = 0;
	virtual void accepted(bool cfg, bool req) = 0;
	virtual bool done() const { return false; }
	virtual bool response(const lookup_core_rsp &rsp, std::string *why)
	{
		(void)rsp;
		(void)why;
		return true;
	}
	virtual std::string summary() const { return ""; }
	virtual const char *name() const = 0;
};

struct StimParams {
	uint32_t depth;
	uint16_t key_bits;
	uint32_t n_vpids;
	uint64_t seed;
};

std::unique_ptr<Stimulus> stim_random(const StimParams &p);
std::unique_ptr<Stimulus> stim_directed(const StimParams &p);
// nullptr and a message in err when the inputs cannot be read.
std::unique_ptr<Stimulus> stim_traffic(const StimParams &p,
				       const CosimOpts &o, std::string *err);
// A user's scenario (stim_scenario.cpp): nullptr and a message in err when
// it cannot be read or does not fit the build.
std::unique_ptr<Stimulus> stim_scenario(const StimParams &p,
					const CosimOpts &o, std::string *err);

// Small deterministic generator (xoshiro256**), seeded with splitmix64.
class Rng {
public:
	explicit Rng(uint64_t seed);
	uint64_t next();
	uint32_t below(uint32_t n) { return (uint32_t)((next() >> 32) * n >> 32); }
	bool chance(uint32_t per_mille) { return below(1000) < per_mille; }

private:
	uint64_t s_[4];
};

// compare.cpp: the outputs the contract makes observable.
bool cosim_outputs_equal(const lookup_core_out &exp, const lookup_core_out &act,
			 uint32_t key_bits);
void cosim_print_in(FILE *f, const lookup_core_in &in, uint16_t key_bits);
void cosim_print_mismatch(FILE *f, uint64_t cycle, const lookup_core_in &in,
			  const lookup_core_out &exp, const lookup_core_out &act,
			  uint16_t key_bits);

// coverage.cpp: summary of a Verilator coverage.dat (points hit / total,
// by kind).  Returns false when the file cannot be read.
bool cosim_coverage_summary(FILE *f, const std::string &path);

#endif
