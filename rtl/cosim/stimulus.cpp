// Random numbers, key and action makers, and the script queue shared by
// the stimulus generators.
#include <cerrno>
#include <cstring>

#include "rtl/cosim/stim_common.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

Rng::Rng(uint64_t seed)
{
	for (auto &s : s_)
		s = splitmix64(&seed);
}

uint64_t Rng::next()
{
	const uint64_t result = ((s_[1] * 5) << 7 | (s_[1] * 5) >> 57) * 9;
	const uint64_t t = s_[1] << 17;

	s_[2] ^= s_[0];
	s_[3] ^= s_[1];
	s_[1] ^= s_[2];
	s_[0] ^= s_[3];
	s_[2] ^= t;
	s_[3] = s_[3] << 45 | s_[3] >> 19;
	return result;
}

void key_cut(pnic_key *k, unsigned bits)
{
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++) {
		unsigned lo = i * 64;

		if (lo >= bits)
			k->w[i] = 0;
		else if (bits - lo < 64)
			k->w[i] &= (1ull << (bits - lo)) - 1;
	}
}

pnic_key key_random(Rng &r, unsigned bits)
{
	pnic_key k;

	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		k.w[i] = i * 64 < bits ? r.next() : 0;
	key_cut(&k, bits);
	return k;
}

void key_set_range(pnic_key *k, unsigned lo, unsigned n)
{
	for (unsigned b = lo; b < lo + n; b++)
		k->w[b / 64] |= 1ull << (b % 64);
}

pnic_key mask_random(Rng &r, unsigned bits)
{
	pnic_key m;
	unsigned kind = r.below(10);

	key_zero(&m);
	if (kind == 0) {
		key_set_range(&m, 0, bits);
	} else if (kind == 1) {
		key_set_range(&m, 0, 1 + r.below(bits));
	} else {
		unsigned n = 1 + r.below(4);

		for (unsigned i = 0; i < n; i++) {
			unsigned lo = r.below(bits);
			unsigned len = 1 + r.below(bits - lo < 40 ? bits - lo : 40);

			key_set_range(&m, lo, len);
		}
	}
	return m;
}

action_word action_random(Rng &r, uint16_t vpid)
{
	action_word a;

	a.w[0] = r.next();
	a.w[1] = r.next() & ((1ull << (ACTION_WORD_BITS - 64)) - 1);
	a.w[0] &= ~(((1ull << ACTW_VPID_W) - 1) << ACTW_VPID_OFF);
	a.w[0] |= (uint64_t)vpid << ACTW_VPID_OFF;
	return a;
}

pnic_key key_hitting(const pnic_key &value, const pnic_key &mask,
		     const pnic_key &noise, unsigned bits)
{
	pnic_key k;

	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		k.w[i] = (value.w[i] & mask.w[i]) | (noise.w[i] & ~mask.w[i]);
	key_cut(&k, bits);
	return k;
}

lookup_core_in in_idle()
{
	lookup_core_in in;

	memset(&in, 0, sizeof in);
	in.rsp_ready = true;
	return in;
}

lookup_core_in in_cfg(uint8_t op, uint32_t index, const pnic_key &value,
		      const pnic_key &mask, const action_word &a, uint16_t ppid)
{
	lookup_core_in in = in_idle();

	in.cfg_valid = true;
	in.op = op;
	in.index = index;
	in.value = value;
	in.mask = mask;
	in.action = a;
	in.ppid = ppid;
	return in;
}

lookup_core_in in_req(const pnic_key &key, uint8_t tag)
{
	lookup_core_in in = in_idle();

	in.req_valid = true;
	in.key = key;
	in.tag = tag;
	return in;
}

void ScriptQueue::push_reset(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		q_.push_back({ in_idle(), true });
}

void ScriptQueue::next(lookup_core_in *in, bool *reset)
{
	*reset = false;
	if (q_.empty()) {
		*in = in_idle();
		return;
	}
	*in = q_.front().in;
	*reset = q_.front().reset;
	if (refused_)
		in->rsp_ready = true;
}

void ScriptQueue::accepted(bool cfg, bool req)
{
	if (q_.empty())
		return;
	lookup_core_in &f = q_.front().in;

	if (cfg)
		f.cfg_valid = false;
	if (req)
		f.req_valid = false;
	if (!f.cfg_valid && !f.req_valid) {
		q_.pop_front();
		refused_ = false;
	} else {
		refused_ = true;
	}
}

CfgPortSink::CfgPortSink(const StimParams &p, ScriptQueue *q) : q_(q)
{
	// cfg_ppid_i is 16 bits with all-ones reserved: every other PPID is a
	// port to the core, as the C model's lookup is built.
	sizes_ = { p.depth, p.key_bits, p.n_vpids, VPID_MAP_MAX_PPIDS };
}

int CfgPortSink::submit(void *ctx, const nic_cmd *c, nic_cmd_result *res,
			pnic_error *err)
{
	CfgPortSink *s = static_cast<CfgPortSink *>(ctx);
	struct lookup_write w;
	int rc = nic_cmd_validate(c, &s->sizes_, err);

	if (!rc && !nic_cmd_table_write(c, &w))
		rc = pnic_err(err, EOPNOTSUPP,
			      "%s is not carried by the lookup core's config port",
			      nic_cmd_op_name(c->op));
	if (!rc)
		s->q_->push(in_cfg(w.op, w.index, w.value, w.mask,
				   w.action, w.ppid));
	if (res)
		*res = { rc, 0 };
	return rc;
}
