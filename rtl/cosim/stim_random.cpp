// Random stimulus: writes, invalidates, action writes, map writes and
// clears, lookups and backpressure, in phases of a few thousand cycles with
// their own rates (idle, write storms, full throughput, long stalls).
//
// Lookups are made to hit: entries are written from a few base keys under
// a small palette of masks, so that several entries often match one key
// (the priority encoder has work to do), and most keys are built from an
// entry the generator wrote.  Actions name VPIDs from a small pool that
// the map writes also target, so that map timing is exercised.  Inputs
// that are not valid carry random data, which the RTL must ignore.
#include <algorithm>
#include <vector>

#include "rtl/cosim/stim_common.h"

namespace {

constexpr unsigned kBases = 8;
constexpr unsigned kMasks = 8;
constexpr unsigned kPhaseCycles = 4096;

class RandomStim final : public Stimulus {
public:
	explicit RandomStim(const StimParams &p)
		: p_(p), r_(p.seed * 0x2545f4914f6cdd1dull + 17),
		  written_(p.depth, false), value_(p.depth), mask_(p.depth)
	{
		for (auto &b : base_)
			b = key_random(r_, p.key_bits);
		for (auto &m : masks_)
			m = mask_random(r_, p.key_bits);
		vpid_pool_ = p.n_vpids < 16 ? p.n_vpids : 16;
		hot_ = p.depth < 32 ? p.depth : 32;
		new_phase();
	}

	void next(lookup_core_in *in, bool *reset) override
	{
		if (++cycle_ % kPhaseCycles == 0)
			new_phase();
		// Reset with the table, the map and the pipeline full; offered
		// beats wait (nothing is accepted at a reset edge) and the
		// table the generator remembers is forgotten.
		*reset = reset_left_ > 0;
		if (reset_left_) {
			reset_left_--;
			in->cfg_valid = false;
			in->req_valid = false;
			in->rsp_ready = r_.chance(500);
			std::fill(written_.begin(), written_.end(), false);
			live_.clear();
			return;
		}
		if (!cfg_pending_ && r_.chance(cfg_rate_)) {
			make_cfg(&cfg_);
			cfg_pending_ = true;
		}
		if (!req_pending_ && r_.chance(req_rate_)) {
			make_req(&req_);
			req_pending_ = true;
		}
		if (cfg_pending_) {
			in->cfg_valid = true;
			in->op = cfg_.op;
			in->index = cfg_.index;
			in->value = cfg_.value;
			in->mask = cfg_.mask;
			in->action = cfg_.action;
			in->ppid = cfg_.ppid;
		} else {
			in->cfg_valid = false;
			if (r_.chance(50))
				make_cfg(in);
		}
		if (req_pending_) {
			in->req_valid = true;
			in->key = req_.key;
			in->tag = req_.tag;
		} else {
			in->req_valid = false;
			if (r_.chance(50)) {
				in->key = key_random(r_, p_.key_bits);
				in->tag = (uint8_t)r_.next();
			}
		}
		in->rsp_ready = r_.chance(ready_rate_);
	}

	void accepted(bool cfg, bool req) override
	{
		if (cfg) {
			cfg_pending_ = false;
			note_write(cfg_);
		}
		if (req)
			req_pending_ = false;
	}

	bool done() const override { return true; }
	const char *name() const override { return "random"; }

private:
	void new_phase()
	{
		static const uint32_t cfg_rates[] = { 0, 20, 100, 300, 950 };
		static const uint32_t req_rates[] = { 300, 900, 1000, 1000 };
		static const uint32_t ready_rates[] = { 1000, 1000, 900, 500, 100 };

		cfg_rate_ = cfg_rates[r_.below(5)];
		req_rate_ = req_rates[r_.below(4)];
		ready_rate_ = ready_rates[r_.below(5)];
		if (r_.chance(150))
			reset_left_ = 1 + r_.below(3);
		// Some phases aim their writes at the few entries and VPIDs that
		// the lookups hit, so that write/lookup races are frequent.
		focus_ = r_.chance(500);
	}

	uint32_t pick_index()
	{
		if (r_.chance(15))
			return p_.depth + r_.below((1u << LC_INDEX_BITS) - p_.depth);
		if (focus_ || r_.chance(300))
			return (uint16_t)r_.below(hot_);
		if (r_.chance(50))
			return (uint16_t)(r_.chance(500) ? 0 : p_.depth - 1);
		return (uint16_t)r_.below(p_.depth);
	}

	uint16_t pick_vpid()
	{
		if (r_.chance(20))
			return (uint16_t)r_.next();
		if (r_.chance(50))
			return (uint16_t)r_.below(p_.n_vpids + 8);
		return (uint16_t)r_.below(vpid_pool_);
	}

	void make_cfg(lookup_core_in *c)
	{
		uint32_t x = r_.below(1000);

		key_zero(&c->value);
		key_zero(&c->mask);
		c->action = action_random(r_, pick_vpid());
		// 0xffff is the reserved "unmapped" PPID: a map write of it
		// must be a no-op on both sides.
		c->ppid = r_.chance(50) ? 0xffff : (uint16_t)r_.below(0xffff);
		if (x < 400) {
			c->op = LC_OP_TCAM_WRITE;
			c->index = pick_index();
			c->mask = masks_[r_.below(kMasks)];
			c->value = base_[r_.below(kBases)];
			if (r_.chance(100))
				c->value = key_random(r_, p_.key_bits);
			// Value bits outside the mask are on the wire too; the
			// core must drop them.
			if (r_.chance(300)) {
				pnic_key noise = key_random(r_, p_.key_bits);

				for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
					c->value.w[i] |= noise.w[i] & ~c->mask.w[i];
			}
		} else if (x < 560) {
			c->op = LC_OP_TCAM_INVALIDATE;
			c->index = pick_index();
		} else if (x < 700) {
			c->op = LC_OP_ACTION_WRITE;
			c->index = pick_index();
		} else if (x < 880) {
			c->op = LC_OP_MAP_WRITE;
			c->index = pick_vpid();
		} else if (x < 980) {
			c->op = LC_OP_MAP_CLEAR;
			c->index = pick_vpid();
		} else {
			static const uint8_t noops[] = { LC_OP_NOP, 6, 7 };

			c->op = noops[r_.below(3)];
			c->index = pick_index();
			c->value = key_random(r_, p_.key_bits);
			c->mask = key_random(r_, p_.key_bits);
		}
	}

	void make_req(lookup_core_in *q)
	{
		uint32_t x = r_.below(1000);
		pnic_key noise = key_random(r_, p_.key_bits);

		q->tag = (uint8_t)r_.next();
		if (x < 600 && !live_.empty()) {
			uint32_t i = live_[r_.below((uint32_t)live_.size())];

			if (!written_[i])
				i = live_[0];
			q->key = key_hitting(value_[i], mask_[i], noise, p_.key_bits);
		} else if (x < 900) {
			pnic_key m = masks_[r_.below(kMasks)];

			q->key = key_hitting(base_[r_.below(kBases)], m, noise,
					     p_.key_bits);
		} else {
			q->key = noise;
		}
	}

	// Keep a list of entries believed valid, to build hitting keys from.
	// It may hold stale indices (invalidated later); those only give
	// misses, which is fine.
	void note_write(const lookup_core_in &c)
	{
		if (c.op != LC_OP_TCAM_WRITE || c.index >= p_.depth)
			return;
		if (!written_[c.index]) {
			written_[c.index] = true;
			live_.push_back(c.index);
		}
		value_[c.index] = c.value;
		mask_[c.index] = c.mask;
	}

	StimParams p_;
	Rng r_;
	pnic_key base_[kBases];
	pnic_key masks_[kMasks];
	uint32_t vpid_pool_;
	uint32_t hot_;

	std::vector<bool> written_;
	std::vector<pnic_key> value_, mask_;
	std::vector<uint32_t> live_;

	lookup_core_in cfg_{};
	lookup_core_in req_{};
	bool cfg_pending_ = false;
	bool req_pending_ = false;

	uint64_t cycle_ = 0;
	uint32_t cfg_rate_ = 0, req_rate_ = 0, ready_rate_ = 0;
	bool focus_ = false;
	unsigned reset_left_ = 0;
};

}  // namespace

std::unique_ptr<Stimulus> stim_random(const StimParams &p)
{
	return std::make_unique<RandomStim>(p);
}
