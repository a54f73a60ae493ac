// Pieces the stimulus generators share: keys cut to the port width, a
// palette of masks, actions with a VPID from a small pool (so that map
// writes meet the lookups that read them), and the queue of offered beats
// that stay on the wires until taken.
#ifndef PNIC_COSIM_STIM_COMMON_H
#define PNIC_COSIM_STIM_COMMON_H

#include <deque>
#include <vector>

extern "C" {
#include "model/nic_cmd.h"
}

#include "rtl/cosim/cosim.h"

void key_cut(pnic_key *k, unsigned bits);
pnic_key key_random(Rng &r, unsigned bits);
// Ones at [lo, lo + n).
void key_set_range(pnic_key *k, unsigned lo, unsigned n);
// A mask of 1..4 random bit ranges, or all ones, or a prefix.
pnic_key mask_random(Rng &r, unsigned bits);
action_word action_random(Rng &r, uint16_t vpid);
// The key with every bit under `mask` taken from `value` and the rest from
// `noise`: a key that hits the entry (value, mask).
pnic_key key_hitting(const pnic_key &value, const pnic_key &mask,
		     const pnic_key &noise, unsigned bits);

// A scripted sequence of cycles.  Each item is the inputs of one cycle; an
// item whose beat is refused is offered again (with the response taken, so
// that a script cannot stall itself forever), and only the part that was
// refused stays.
class ScriptQueue {
public:
	void push(const lookup_core_in &in) { q_.push_back({ in, false }); }
	// n cycles of reset.
	void push_reset(unsigned n);
	bool empty() const { return q_.empty(); }
	size_t size() const { return q_.size(); }
	// The inputs for the coming cycle (idle, response taken, if empty).
	void next(lookup_core_in *in, bool *reset);
	void accepted(bool cfg, bool req);

private:
	struct Item {
		lookup_core_in in;
		bool reset;
	};
	std::deque<Item> q_;
	bool refused_ = false;
};

// Host commands onto the config port: a command sink (model/nic_cmd.h)
// whose submit() checks a command against the build's sizes, as a NIC
// does, and queues the beat of a table op; it refuses the ops the port
// does not carry.  The beat takes effect when the port accepts it, so a
// submit that returns 0 is a posted write.
class CfgPortSink {
public:
	CfgPortSink(const StimParams &p, ScriptQueue *q);
	nic_cmd_sink sink() { return { submit, this }; }

private:
	static int submit(void *ctx, const nic_cmd *c, nic_cmd_result *res,
			  pnic_error *err);

	struct lookup_params sizes_;
	ScriptQueue *q_;
};

lookup_core_in in_idle();
lookup_core_in in_cfg(uint8_t op, uint32_t index, const pnic_key &value,
		      const pnic_key &mask, const action_word &a, uint16_t ppid);
lookup_core_in in_req(const pnic_key &key, uint8_t tag);

#endif
