// Directed corner cases, as a script of cycles (see ScriptQueue):
//   empty table; every entry matching, then invalidated one by one (each
//   index wins once); only the highest / lowest index; a write of each kind
//   to the entry (or VPID) a lookup uses, at every distance from the
//   lookup's accept edge, with and without a stall in between; back-to-back
//   writes with a lookup waiting; a full-depth fill with one exact key per
//   entry; backpressure patterns.
// The script ends after one round; done() then says so, and further
// rounds (new keys) follow while the run asks for more cycles.
#include "rtl/cosim/stim_common.h"

namespace {

class DirectedStim final : public Stimulus {
public:
	explicit DirectedStim(const StimParams &p)
		: p_(p), r_(p.seed * 0x9e3779b97f4a7c15ull + 5)
	{
		key_zero(&zero_);
		ones_ = zero_;
		key_set_range(&ones_, 0, p.key_bits);
		build();
	}

	void next(lookup_core_in *in, bool *reset) override
	{
		if (q_.empty()) {
			rounds_++;
			build();
		}
		q_.next(in, reset);
	}

	void accepted(bool cfg, bool req) override { q_.accepted(cfg, req); }
	bool done() const override { return rounds_ > 0; }
	const char *name() const override { return "directed"; }

private:
	uint16_t vpid() { return (uint16_t)r_.below(p_.n_vpids); }
	uint8_t tag() { return tag_++; }

	void write(uint32_t index, const pnic_key &value, const pnic_key &mask,
		   uint16_t vpid)
	{
		q_.push(in_cfg(LC_OP_TCAM_WRITE, index, value, mask,
			       action_random(r_, vpid), 0));
	}
	void op(uint8_t o, uint32_t index, uint16_t vpid = 0, uint16_t ppid = 0)
	{
		q_.push(in_cfg(o, index, zero_, zero_, action_random(r_, vpid),
			       ppid));
	}
	void lookup(const pnic_key &k) { q_.push(in_req(k, tag())); }
	void idle(unsigned n, bool ready = true)
	{
		lookup_core_in in = in_idle();

		in.rsp_ready = ready;
		for (unsigned i = 0; i < n; i++)
			q_.push(in);
	}

	void clear_all()
	{
		for (uint32_t i = 0; i < p_.depth; i++)
			op(LC_OP_TCAM_INVALIDATE, (uint16_t)i);
		for (uint32_t v = 0; v < p_.n_vpids; v++)
			op(LC_OP_MAP_CLEAR, (uint16_t)v);
	}

	void empty_table()
	{
		clear_all();
		for (unsigned i = 0; i < 16; i++)
			lookup(key_random(r_, p_.key_bits));
		lookup(zero_);
		lookup(ones_);
		idle(4);
	}

	// Every entry matches every key: the winner is the lowest valid one,
	// and invalidating from the bottom makes each index win in turn.
	void all_matching()
	{
		for (uint32_t i = 0; i < p_.depth; i++)
			write((uint16_t)i, zero_, zero_, vpid());
		for (uint32_t i = 0; i < p_.depth; i++) {
			lookup(key_random(r_, p_.key_bits));
			op(LC_OP_TCAM_INVALIDATE, (uint16_t)i);
		}
		lookup(key_random(r_, p_.key_bits));
		idle(4);
	}

	void highest_and_lowest()
	{
		pnic_key k = key_random(r_, p_.key_bits);
		uint16_t top = (uint16_t)(p_.depth - 1);

		clear_all();
		op(LC_OP_MAP_WRITE, 3, 0, 77);
		write(top, k, ones_, 3);
		lookup(k);
		write(0, zero_, zero_, 3);
		lookup(k);
		op(LC_OP_TCAM_INVALIDATE, 0);
		lookup(k);
		op(LC_OP_TCAM_INVALIDATE, top);
		lookup(k);
		// Out of range: no-ops.
		write((uint16_t)p_.depth, zero_, zero_, 3);
		op(LC_OP_MAP_WRITE, (uint16_t)p_.n_vpids, 0, 5);
		lookup(k);
		idle(4);
	}

	// A write of kind `kind` placed `dist` cycles after a lookup's accept
	// (negative: before), optionally with the pipeline stalled for `stall`
	// cycles after the lookup.
	void distance_case(unsigned kind, int dist, unsigned stall)
	{
		pnic_key k = key_random(r_, p_.key_bits);
		pnic_key other = key_random(r_, p_.key_bits);
		const uint16_t e = 5, v = 2;
		lookup_core_in w;

		// Known state: entry 5 hits k with VPID 2 mapped to PPID 100.
		op(LC_OP_TCAM_INVALIDATE, 1);
		write(e, k, ones_, v);
		op(LC_OP_MAP_WRITE, v, 0, 100);
		idle(4);
		switch (kind) {
		case 0:   // a new, better entry
			w = in_cfg(LC_OP_TCAM_WRITE, 1, k, ones_,
				   action_random(r_, v), 0);
			break;
		case 1:   // the hit entry rewritten to miss
			w = in_cfg(LC_OP_TCAM_WRITE, e, other, ones_,
				   action_random(r_, v), 0);
			break;
		case 2:
			w = in_cfg(LC_OP_TCAM_INVALIDATE, e, zero_, zero_,
				   action_random(r_, 0), 0);
			break;
		case 3:
			w = in_cfg(LC_OP_ACTION_WRITE, e, zero_, zero_,
				   action_random(r_, v), 0);
			break;
		case 4:
			w = in_cfg(LC_OP_MAP_WRITE, v, zero_, zero_,
				   action_random(r_, 0), 200);
			break;
		default:
			w = in_cfg(LC_OP_MAP_CLEAR, v, zero_, zero_,
				   action_random(r_, 0), 0);
			break;
		}
		if (stall) {
			// A lookup ahead of ours fills the response register
			// first, so that rsp_ready low really stalls.
			lookup(other);
			idle(0);
		}
		if (dist < 0) {
			q_.push(w);
			idle((unsigned)(-dist - 1));
			lookup(k);
		} else if (dist == 0) {
			lookup_core_in both = w;

			both.req_valid = true;
			both.key = k;
			both.tag = tag();
			q_.push(both);
		} else {
			lookup(k);
			if (stall) {
				idle(2);
				idle(stall, false);
			}
			idle((unsigned)dist - 1);
			q_.push(w);
		}
		idle(6);
	}

	void distances()
	{
		for (unsigned kind = 0; kind < 6; kind++)
			for (int d = -2; d <= 5; d++)
				for (unsigned stall : { 0u, 3u })
					distance_case(kind, d, stall);
	}

	void back_to_back_writes()
	{
		std::vector<pnic_key> keys;

		clear_all();
		for (uint32_t i = 0; i < 64 && i < p_.depth; i++) {
			lookup_core_in w;

			keys.push_back(key_random(r_, p_.key_bits));
			w = in_cfg(LC_OP_TCAM_WRITE, (uint16_t)i, keys.back(),
				   ones_, action_random(r_, vpid()), 0);
			// A lookup waits on the wires the whole time.
			w.req_valid = true;
			w.key = keys[0];
			w.tag = 0xee;
			q_.push(w);
		}
		for (const auto &k : keys)
			lookup(k);
		idle(4);
	}

	void full_fill()
	{
		std::vector<pnic_key> keys(p_.depth);

		for (uint32_t v = 0; v < p_.n_vpids; v++)
			op(LC_OP_MAP_WRITE, (uint16_t)v, 0,
			   (uint16_t)r_.below(0xffff));
		for (uint32_t i = 0; i < p_.depth; i++) {
			keys[i] = key_random(r_, p_.key_bits);
			write((uint16_t)i, keys[i], ones_, vpid());
		}
		for (uint32_t i = 0; i < p_.depth; i++)
			lookup(keys[p_.depth - 1 - i]);
		// Same keys under backpressure: every other cycle, then bursts.
		for (uint32_t i = 0; i < p_.depth && i < 512; i++) {
			lookup_core_in in = in_req(keys[i], tag());

			in.rsp_ready = (i & 1) || (i & 64);
			q_.push(in);
		}
		idle(8, false);
		idle(8);
	}

	// Reset with lookups in flight and a full table and map: afterwards
	// nothing is valid and nothing is mapped, until written again.
	void reset_case()
	{
		pnic_key k = key_random(r_, p_.key_bits);

		op(LC_OP_MAP_WRITE, 1, 0, 9);
		write(3, k, ones_, 1);
		write(0, zero_, zero_, 1);
		lookup(k);
		lookup(k);
		lookup(k);
		q_.push_reset(2);
		idle(4);
		lookup(k);
		write(3, k, ones_, 1);
		lookup(k);
		idle(4);
	}

	void build()
	{
		reset_case();
		empty_table();
		all_matching();
		highest_and_lowest();
		distances();
		back_to_back_writes();
		full_fill();
	}

	StimParams p_;
	Rng r_;
	ScriptQueue q_;
	pnic_key zero_, ones_;
	uint8_t tag_ = 0;
	unsigned rounds_ = 0;
};

}  // namespace

std::unique_ptr<Stimulus> stim_directed(const StimParams &p)
{
	return std::make_unique<DirectedStim>(p);
}
