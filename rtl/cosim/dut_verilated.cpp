// The Verilated lookup core behind the Dut interface.  The only harness
// file compiled per configuration: the port types of Vlookup_core depend
// on the -G parameters of the build, which mk/cosim.mk also passes here as
// COSIM_DEPTH, COSIM_KEY_BITS and, for a map RAM of other than the RTL's
// default size, COSIM_NUM_VPIDS.  The default comes from the same C header
// as LOOKUP_CORE_DEFAULT_VPIDS.
#include <cstring>

#include "Vlookup_core.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include "rtl/cosim/cosim.h"
#include "rtl/cosim/port_io.h"

#ifndef COSIM_DEPTH
#error "COSIM_DEPTH must be set by the build (mk/cosim.mk)"
#endif
#ifndef COSIM_NUM_VPIDS
#define COSIM_NUM_VPIDS LOOKUP_CORE_DEFAULT_VPIDS
#endif

namespace {

class VerilatedDut final : public Dut {
public:
	VerilatedDut(uint64_t seed, bool trace)
	{
		ctx_ = std::make_unique<VerilatedContext>();
		// Random initial state per seed (--x-initial unique in the build)
		// so that a register the reset forgets shows as a mismatch.
		ctx_->randReset(2);
		ctx_->randSeed((int)(seed % 0x7ffffffeu) + 1);
		ctx_->traceEverOn(trace);
		// An RTL assertion is reported by the harness, with the cycle,
		// the history and a VCD, instead of stopping the process.
		ctx_->fatalOnError(false);
		top_ = std::make_unique<Vlookup_core>(ctx_.get(), "lookup_core");
		top_->clk_i = 0;
		top_->rst_ni = 0;
	}

	~VerilatedDut() override
	{
		trace_stop();
		top_->final();
	}

	void set(const lookup_core_in &in, bool rst_n) override
	{
		const unsigned kb = COSIM_KEY_BITS;

		top_->rst_ni = rst_n;
		top_->cfg_valid_i = in.cfg_valid;
		top_->cfg_op_i = in.op & 7u;
		top_->cfg_index_i = in.index;
		port_put(top_->cfg_value_i, in.value.w, kb);
		port_put(top_->cfg_mask_i, in.mask.w, kb);
		port_put(top_->cfg_action_i, in.action.w, ACTION_WORD_BITS);
		top_->cfg_ppid_i = in.ppid;
		top_->req_valid_i = in.req_valid;
		port_put(top_->req_key_i, in.key.w, kb);
		top_->req_tag_i = in.tag;
		top_->rsp_ready_i = in.rsp_ready;
		// The falling edge: drive, settle, dump.
		top_->clk_i = 0;
		top_->eval();
		if (vcd_)
			vcd_->dump(ctx_->time());
		ctx_->timeInc(1);
	}

	void outputs(lookup_core_out *out) override
	{
		uint64_t w[2] = { 0, 0 };

		out->cfg_ready = top_->cfg_ready_o;
		out->req_ready = top_->req_ready_o;
		out->rsp.valid = top_->rsp_valid_o;
		out->rsp.tag = top_->rsp_tag_o;
		out->rsp.res.hit = top_->rsp_hit_o;
		port_get(top_->rsp_index_o, w, 32);
		out->rsp.res.index = (uint32_t)w[0];
		port_get(top_->rsp_action_o, out->rsp.res.action.w, ACTION_WORD_BITS);
		out->rsp.res.ppid = top_->rsp_ppid_o;
		out->rsp.res.mapped = top_->rsp_mapped_o;
	}

	void rise() override
	{
		top_->clk_i = 1;
		top_->eval();
		if (vcd_)
			vcd_->dump(ctx_->time());
		ctx_->timeInc(1);
	}

	bool trace_start(const std::string &path) override
	{
		vcd_ = std::make_unique<VerilatedVcdC>();
		top_->trace(vcd_.get(), 99);
		vcd_->open(path.c_str());
		if (!vcd_->isOpen()) {
			vcd_.reset();
			return false;
		}
		return true;
	}

	void trace_stop() override
	{
		if (vcd_) {
			vcd_->close();
			vcd_.reset();
		}
	}

	bool rtl_error() override { return ctx_->gotError(); }

	bool coverage_write(const std::string &path) override
	{
#if VM_COVERAGE
		ctx_->coveragep()->write(path.c_str());
		return true;
#else
		(void)path;
		return false;
#endif
	}

private:
	std::unique_ptr<VerilatedContext> ctx_;
	std::unique_ptr<Vlookup_core> top_;
	std::unique_ptr<VerilatedVcdC> vcd_;
};

}  // namespace

DutConfig dut_config()
{
	return DutConfig{ COSIM_DEPTH, COSIM_KEY_BITS, COSIM_NUM_VPIDS,
			  VM_COVERAGE != 0 };
}

std::unique_ptr<Dut> dut_create(uint64_t seed, bool trace)
{
	return std::make_unique<VerilatedDut>(seed, trace);
}
