/* Lookup core timing: latency, throughput, stall, write priority and the
 * visibility of a write at each pipeline distance, as
 * docs/lookup_core_contract.md states them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/lookup_core.h"
#include "tests/model/cmds.h"

#define DEPTH 64
#define KEY_BITS 104
#define VPIDS 32

static struct lookup_core *lc;

static void setup(void)
{
	struct lookup_core_params p = {
		.depth = DEPTH, .key_bits = KEY_BITS, .n_vpids = VPIDS,
	};
	struct pnic_error err;

	cr_assert_eq(lookup_core_create(&p, &lc, &err), 0, "%s", err.msg);
	lookup_core_reset(lc);
}

static void teardown(void)
{
	lookup_core_destroy(lc);
	lc = NULL;
}

TestSuite(lookup_core, .init = setup, .fini = teardown);

/* An idle cycle's inputs: nothing offered, response taken. */
static struct lookup_core_in idle(void)
{
	struct lookup_core_in in;

	memset(&in, 0, sizeof in);
	in.rsp_ready = true;
	return in;
}

static struct pnic_key key_of(uint64_t v)
{
	struct pnic_key k;

	key_zero(&k);
	k.w[0] = v;
	return k;
}

static struct action_word action_to(uint16_t vpid, uint64_t extra)
{
	struct action_word w = { { 0, 0 } };

	w.w[0] = ACT_FORWARD | (uint64_t)vpid << ACTW_VPID_OFF | extra << 24;
	return w;
}

/* One clock cycle: the outputs seen before the edge, then the edge. */
static struct lookup_core_out cycle(const struct lookup_core_in *in)
{
	struct lookup_core_out out;

	lookup_core_eval(lc, in, &out);
	lookup_core_step(lc, in);
	return out;
}

static struct lookup_core_in cfg(uint8_t op, uint32_t index, uint64_t value,
				 uint64_t mask, struct action_word a,
				 uint16_t ppid)
{
	struct lookup_core_in in = idle();

	in.cfg_valid = true;
	in.op = op;
	in.index = index;
	in.value = key_of(value);
	in.mask = key_of(mask);
	in.action = a;
	in.ppid = ppid;
	return in;
}

static struct lookup_core_in req(uint64_t key, uint8_t tag)
{
	struct lookup_core_in in = idle();

	in.req_valid = true;
	in.key = key_of(key);
	in.tag = tag;
	return in;
}

static void write_entry(uint32_t index, uint64_t value, uint64_t mask,
			uint16_t vpid)
{
	struct lookup_core_in in = cfg(LC_OP_TCAM_WRITE, index, value, mask,
				       action_to(vpid, index), 0);

	cr_assert(cycle(&in).cfg_ready);
}

static void map_vpid(uint16_t vpid, uint16_t ppid)
{
	struct lookup_core_in in = cfg(LC_OP_MAP_WRITE, vpid, 0, 0,
				       action_to(0, 0), ppid);

	cr_assert(cycle(&in).cfg_ready);
}

/* Idle cycles until a response shows; returns it, failing after `max`. */
static struct lookup_core_rsp wait_rsp(unsigned max, unsigned *waited)
{
	struct lookup_core_in in = idle();

	for (unsigned i = 0; i <= max; i++) {
		struct lookup_core_out out = cycle(&in);

		if (out.rsp.valid) {
			if (waited)
				*waited = i;
			return out.rsp;
		}
	}
	cr_assert_fail("no response within %u cycles", max);
	return (struct lookup_core_rsp){ 0 };
}

Test(lookup_core, params_refused)
{
	struct lookup_core_params p = { .depth = 100, .key_bits = 104 };
	struct lookup_core *bad = NULL;
	struct pnic_error err;

	cr_assert_eq(lookup_core_create(&p, &bad, &err), -EINVAL);
	cr_assert_null(bad);
	cr_assert(strstr(err.msg, "power of two"), "%s", err.msg);
	p.depth = 64;
	p.key_bits = 0;
	cr_assert_eq(lookup_core_create(&p, &bad, &err), -EINVAL);
	lookup_core_destroy(NULL);
}

/* The deepest core the TCAM allows (LC_INDEX_BITS carries its indices):
 * an entry written past 64K is found, and an index past the depth is a
 * no-op. */
Test(lookup_core, deepest_core_indexes_past_64k)
{
	struct lookup_core_params p = { .depth = LOOKUP_CORE_MAX_DEPTH, .key_bits = 104 };
	struct lookup_core *deep = NULL, *keep = lc;
	struct lookup_core_in in;
	struct pnic_error err;
	struct lookup_core_rsp r;

	cr_assert_eq(LOOKUP_CORE_MAX_DEPTH, TCAM_MAX_DEPTH);
	cr_assert_eq(lookup_core_create(&p, &deep, &err), 0, "%s", err.msg);
	lookup_core_reset(deep);
	lc = deep;
	write_entry(200000, 9, ~0ull, 3);
	in = cfg(LC_OP_TCAM_WRITE, 0, 9, ~0ull, action_to(4, 0), 0);
	in.index = LOOKUP_CORE_MAX_DEPTH;    /* out of range: nothing */
	cr_assert(cycle(&in).cfg_ready);
	in = req(9, 1);
	cr_assert(cycle(&in).req_ready);
	r = wait_rsp(8, NULL);
	cr_assert(r.res.hit && r.res.index == 200000, "hit %d index %u", r.res.hit,
		  r.res.index);
	lc = keep;
	lookup_core_destroy(deep);
}

Test(lookup_core, latency_is_three)
{
	struct lookup_core_in in = req(5, 0x42);
	struct lookup_core_out out;
	unsigned waited;

	write_entry(3, 5, ~0ull, 7);
	out = cycle(&in);
	cr_assert(out.req_ready);
	cr_assert(!out.rsp.valid);
	/* Accepted at edge E (end of cycle t), the response register loads at
	 * E+3 and shows in cycle t+4: wait_rsp() starts at t+1. */
	struct lookup_core_rsp r = wait_rsp(10, &waited);
	cr_assert_eq(waited, LOOKUP_CORE_LATENCY);
	cr_assert_eq(r.tag, 0x42);
	cr_assert(r.res.hit);
	cr_assert_eq(r.res.index, 3);
}

Test(lookup_core, back_to_back_one_per_cycle)
{
	struct lookup_core_in in;
	unsigned seen = 0;

	write_entry(0, 0, 0, 1);   /* matches everything */
	for (unsigned c = 0; c < 200 + LOOKUP_CORE_LATENCY; c++) {
		struct lookup_core_out out;

		in = c < 200 ? req(c, (uint8_t)c) : idle();
		out = cycle(&in);
		if (c < 200)
			cr_assert(out.req_ready, "cycle %u", c);
		if (c > LOOKUP_CORE_LATENCY) {
			cr_assert(out.rsp.valid, "cycle %u", c);
			cr_assert_eq(out.rsp.tag, (uint8_t)(c - LOOKUP_CORE_LATENCY - 1));
			seen++;
		}
	}
	cr_assert_eq(seen, 200 - 1);
	cr_assert_eq(lookup_core_stats(lc)->lookups, 200);
}

Test(lookup_core, stall_holds_everything)
{
	struct lookup_core_in in;
	struct lookup_core_out out;

	write_entry(9, 0x77, ~0ull, 4);
	for (unsigned t = 1; t <= 3; t++) {
		in = req(0x77, (uint8_t)t);
		cr_assert(cycle(&in).req_ready);
	}
	/* Cycle after edge E+3 of the first lookup: its response shows. */
	in = idle();
	cr_assert(!cycle(&in).rsp.valid);
	in.rsp_ready = false;
	out = cycle(&in);
	cr_assert(out.rsp.valid);
	cr_assert_eq(out.rsp.tag, 1);
	/* Held while not taken; nothing else moves, nothing is accepted. */
	for (unsigned i = 0; i < 5; i++) {
		in = req(0x77, 99);
		in.rsp_ready = false;
		in.cfg_valid = i == 2;
		in.op = LC_OP_TCAM_INVALIDATE;
		in.index = 9;
		out = cycle(&in);
		cr_assert(!out.req_ready);
		cr_assert(!out.cfg_ready);
		cr_assert(out.rsp.valid);
		cr_assert_eq(out.rsp.tag, 1);
		cr_assert_eq(out.rsp.res.index, 9);
	}
	/* Released: the remaining two follow back to back, still hitting
	 * (the refused invalidate did not land). */
	in = idle();
	cr_assert_eq(cycle(&in).rsp.tag, 1);
	out = cycle(&in);
	cr_assert(out.rsp.valid && out.rsp.res.hit);
	cr_assert_eq(out.rsp.tag, 2);
	out = cycle(&in);
	cr_assert(out.rsp.valid && out.rsp.res.hit);
	cr_assert_eq(out.rsp.tag, 3);
	out = cycle(&in);
	cr_assert(!out.rsp.valid);
	cr_assert_eq(lookup_core_stats(lc)->stall_cycles, 6);
}

Test(lookup_core, write_takes_the_lookup_slot)
{
	struct lookup_core_in in = cfg(LC_OP_TCAM_WRITE, 1, 5, ~0ull,
				       action_to(2, 0), 0);
	struct lookup_core_out out;

	in.req_valid = true;
	in.key = key_of(5);
	in.tag = 0x10;
	out = cycle(&in);
	cr_assert(out.cfg_ready);
	cr_assert(!out.req_ready);
	/* The request was not taken: the pipeline stays empty. */
	in = idle();
	for (unsigned i = 0; i < 5; i++)
		cr_assert(!cycle(&in).rsp.valid);
	cr_assert_eq(lookup_core_stats(lc)->lookups, 0);
	/* Offered again without a write, it goes and sees the write. */
	in = req(5, 0x10);
	cr_assert(cycle(&in).req_ready);
	cr_assert(wait_rsp(5, NULL).res.hit);
}

/* Accept a lookup of key 5 at edge E (cycle c0) and put `w` on the config
 * port `dist` cycles later (dist = -1: the cycle before).  Returns the
 * lookup's response. */
static struct lookup_core_rsp lookup_with_write_at(int dist,
						   struct lookup_core_in w)
{
	struct lookup_core_in in;
	struct lookup_core_rsp r = { 0 };
	bool got = false;

	if (dist < 0)
		cr_assert(cycle(&w).cfg_ready);
	in = req(5, 0xab);
	cr_assert(cycle(&in).req_ready);
	for (int c = 1; c <= 6; c++) {
		struct lookup_core_out out;

		in = c == dist ? w : idle();
		out = cycle(&in);
		if (out.rsp.valid && out.rsp.tag == 0xab) {
			r = out.rsp;
			got = true;
		}
	}
	cr_assert(got);
	return r;
}

Test(lookup_core, tcam_write_visibility)
{
	/* Seen if accepted before the lookup's accept edge, not after. */
	struct lookup_core_in w = cfg(LC_OP_TCAM_WRITE, 4, 5, ~0ull,
				      action_to(3, 0), 0);

	cr_assert(lookup_with_write_at(-1, w).res.hit);
	lookup_core_reset(lc);
	cr_assert(!lookup_with_write_at(1, w).res.hit);
	lookup_core_reset(lc);
	cr_assert(!lookup_with_write_at(2, w).res.hit);
}

Test(lookup_core, tcam_invalidate_visibility)
{
	struct lookup_core_in w = cfg(LC_OP_TCAM_INVALIDATE, 4, 0, 0,
				      action_to(0, 0), 0);

	write_entry(4, 5, ~0ull, 3);
	cr_assert(!lookup_with_write_at(-1, w).res.hit);
	write_entry(4, 5, ~0ull, 3);
	cr_assert(lookup_with_write_at(1, w).res.hit);
}

Test(lookup_core, action_write_visibility)
{
	/* The action RAM samples at E+2: writes at E+1 are seen. */
	struct lookup_core_in w = cfg(LC_OP_ACTION_WRITE, 4, 0, 0,
				      action_to(6, 0x55), 0);
	struct lookup_core_rsp r;

	write_entry(4, 5, ~0ull, 3);
	r = lookup_with_write_at(1, w);
	cr_assert_eq(lookup_action_vpid(&r.res.action), 6);
	w.action = action_to(8, 0x66);
	r = lookup_with_write_at(2, w);
	cr_assert_eq(lookup_action_vpid(&r.res.action), 6);
	r = lookup_with_write_at(-1, cfg(LC_OP_NOP, 0, 0, 0, action_to(0, 0), 0));
	cr_assert_eq(lookup_action_vpid(&r.res.action), 8);
}

Test(lookup_core, map_write_visibility)
{
	/* The map samples at E+3: writes at E+2 are seen, at E+3 not. */
	struct lookup_core_in w = cfg(LC_OP_MAP_WRITE, 3, 0, 0,
				      action_to(0, 0), 21);
	struct lookup_core_rsp r;

	write_entry(4, 5, ~0ull, 3);
	r = lookup_with_write_at(2, w);
	cr_assert(r.res.mapped);
	cr_assert_eq(r.res.ppid, 21);
	w.ppid = 22;
	r = lookup_with_write_at(3, w);
	cr_assert_eq(r.res.ppid, 21);
	w = cfg(LC_OP_MAP_CLEAR, 3, 0, 0, action_to(0, 0), 0);
	r = lookup_with_write_at(3, w);
	cr_assert(r.res.mapped);
	cr_assert_eq(r.res.ppid, 22);
	r = lookup_with_write_at(2, w);
	cr_assert(!r.res.mapped);
	cr_assert_eq(r.res.ppid, 0);
}

Test(lookup_core, visibility_counts_advancing_edges_only)
{
	/* Under a stall "E+k" is the k-th advancing edge: a map write offered
	 * while the pipeline is stalled is not accepted and the lookup's map
	 * read waits for the stall to end. */
	struct lookup_core_in in;
	struct lookup_core_out out;

	write_entry(4, 5, ~0ull, 3);
	in = req(1, 0xa0);   /* a miss ahead of ours, to stall on */
	cycle(&in);
	in = req(5, 0xab);
	cycle(&in);
	in = idle();
	cycle(&in);
	cycle(&in);          /* 0xa0 is now in the response register */
	in.rsp_ready = false;
	for (unsigned i = 0; i < 4; i++) {
		in.cfg_valid = true;
		in.op = LC_OP_MAP_WRITE;
		in.index = 3;
		in.ppid = 9;
		out = cycle(&in);
		cr_assert(!out.cfg_ready);
		cr_assert_eq(out.rsp.tag, 0xa0);
	}
	/* The write goes at the advancing edge that moves 0xab into the
	 * response register: too late for its map read. */
	in.rsp_ready = true;
	out = cycle(&in);
	cr_assert(out.cfg_ready);
	in = idle();
	out = cycle(&in);
	cr_assert_eq(out.rsp.tag, 0xab);
	cr_assert(out.rsp.res.hit);
	cr_assert(!out.rsp.res.mapped);
}

Test(lookup_core, lowest_index_wins_and_miss_is_zero)
{
	struct lookup_core_in in;
	struct lookup_core_rsp r;

	write_entry(40, 0x1200, 0xff00, 5);
	write_entry(17, 0x1234, 0xffff, 6);
	write_entry(30, 0, 0, 7);
	map_vpid(6, 60);
	in = req(0x1234, 1);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert(r.res.hit);
	cr_assert_eq(r.res.index, 17);
	cr_assert_eq(lookup_action_vpid(&r.res.action), 6);
	cr_assert(r.res.mapped);
	cr_assert_eq(r.res.ppid, 60);

	in = req(0x12ff, 2);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert_eq(r.res.index, 30);
	cr_assert(!r.res.mapped);   /* VPID 7 never mapped */
	cr_assert_eq(r.res.ppid, 0);

	in = cfg(LC_OP_TCAM_INVALIDATE, 30, 0, 0, action_to(0, 0), 0);
	cycle(&in);
	in = req(0x99, 3);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert(!r.res.hit);
	cr_assert_eq(r.tag, 3);
	cr_assert_eq(r.res.index, 0);
	cr_assert_eq(r.res.action.w[0] | r.res.action.w[1], 0);
	cr_assert_eq(r.res.ppid, 0);
	cr_assert(!r.res.mapped);
}

Test(lookup_core, vpid_beyond_map_is_unmapped)
{
	struct lookup_core_in in;
	struct lookup_core_rsp r;

	write_entry(2, 5, ~0ull, VPIDS + 3);
	map_vpid(VPIDS + 3, 4);   /* out of range: a no-op */
	in = req(5, 1);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert(r.res.hit);
	cr_assert(!r.res.mapped);
}

Test(lookup_core, out_of_range_and_unknown_ops_are_noops)
{
	struct lookup_core_in in;

	in = cfg(LC_OP_TCAM_WRITE, DEPTH, 5, ~0ull, action_to(1, 0), 0);
	cr_assert(cycle(&in).cfg_ready);
	for (uint8_t op = 6; op <= 8; op++) {
		in = cfg(op == 8 ? LC_OP_NOP : op, 1, 5, ~0ull, action_to(1, 0), 3);
		cycle(&in);
	}
	in = req(5, 1);
	cycle(&in);
	cr_assert(!wait_rsp(5, NULL).res.hit);
	cr_assert_eq(tcam_used(lookup_tcam(lookup_core_lookup(lc))), 0);
}

Test(lookup_core, key_bits_above_width_are_cut)
{
	struct lookup_core_in in;
	struct lookup_core_rsp r;

	/* Bits at and above KEY_BITS in value, mask and key are not on the
	 * wire; the bit just below is compared. */
	in = cfg(LC_OP_TCAM_WRITE, 1, 5, ~0ull, action_to(1, 0), 0);
	in.value.w[1] = 1ull << (KEY_BITS - 64);
	in.mask.w[1] = ~0ull;
	cycle(&in);
	in = req(5, 1);
	in.key.w[1] = 1ull << (KEY_BITS - 64 + 1);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert(r.res.hit);
	cr_assert_eq(r.res.index, 1);
	in = req(5, 2);
	in.key.w[1] = 1ull << (KEY_BITS - 64 - 1);
	cycle(&in);
	cr_assert(!wait_rsp(5, NULL).res.hit);
}

Test(lookup_core, reset_clears_valid_bits_only)
{
	struct lookup_core_in in;
	struct lookup_core_out out;

	write_entry(1, 5, ~0ull, 2);
	map_vpid(2, 20);
	in = req(5, 1);
	cycle(&in);
	cycle(&in);
	lookup_core_reset(lc);
	in = idle();
	for (unsigned i = 0; i < 5; i++) {
		out = cycle(&in);
		cr_assert(!out.rsp.valid, "in-flight lookups are flushed");
	}
	in = req(5, 3);
	cycle(&in);
	cr_assert(!wait_rsp(5, NULL).res.hit);
	/* Rewriting the entry alone brings the action back with it; the map
	 * entry stays unmapped. */
	write_entry(1, 5, ~0ull, 2);
	in = req(5, 4);
	cycle(&in);
	struct lookup_core_rsp r = wait_rsp(5, NULL);
	cr_assert(r.res.hit);
	cr_assert(!r.res.mapped);
}

/* The core decodes no field but the VPID: a kind-3 word comes back as
 * written, and a drop's VPID is mapped like any other (the datapath's
 * action stage decides what the word means). */
Test(lookup_core, word_returned_as_written_and_mapped_on_every_hit)
{
	struct action_word w = action_to(6, 0x1234);
	struct lookup_core_in in;
	struct lookup_core_rsp r;

	w.w[0] = (w.w[0] & ~3ull) | 3;
	in = cfg(LC_OP_TCAM_WRITE, 2, 9, ~0ull, w, 0);
	cycle(&in);
	map_vpid(6, 44);
	in = req(9, 1);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert(r.res.hit);
	cr_assert_eq(r.res.action.w[0], w.w[0]);
	cr_assert(r.res.mapped);
	cr_assert_eq(r.res.ppid, 44);
	w.w[0] &= ~3ull;    /* drop */
	in = cfg(LC_OP_ACTION_WRITE, 2, 0, 0, w, 0);
	cycle(&in);
	in = req(9, 2);
	cycle(&in);
	r = wait_rsp(5, NULL);
	cr_assert_eq(r.res.action.w[0] & 3, ACT_DROP);
	cr_assert(r.res.mapped && r.res.ppid == 44);
}

/* The writable view reaches what no port carries, the encap templates,
 * and is the same tables the read-only view and the stages read. */
Test(lookup_core, tables_hold_the_templates)
{
	const struct encap_template t = tc_vxlan_template;

	cr_assert_null(lookup_template(lookup_core_lookup(lc), 3));
	cr_assert_eq(lookup_core_tables(lc), lookup_core_lookup(lc));
	cr_assert_eq(lookup_template_set(lookup_core_tables(lc), 3, &t, NULL), 0);
	cr_assert_not_null(lookup_template(lookup_core_lookup(lc), 3));
	cr_assert_eq(lookup_template(lookup_core_lookup(lc), 3)->len, 50);
}

/* lookup_core_result(): what a request accepted now responds with when no
 * write lands in its flight, key cut to the port, no state changed. */
Test(lookup_core, result_is_the_response_of_a_lookup_without_writes)
{
	uint64_t cycles;

	write_entry(3, 0x50, 0xf0, 2);
	write_entry(7, 5, ~0ull, 4);
	map_vpid(2, 11);
	for (uint64_t k = 0; k < 96; k++) {
		struct lookup_core_in in = req(k, (uint8_t)k);
		struct lookup_result r;
		struct pnic_key key = key_of(k);
		struct lookup_core_rsp rsp;

		/* bits above the key's width are not on the wire */
		key.w[1] = 1ull << (KEY_BITS - 64 + (k & 1));
		in.key = key;
		cycles = lookup_core_stats(lc)->cycles;
		lookup_core_result(lc, &key, &r);
		cr_assert_eq(lookup_core_stats(lc)->cycles, cycles);
		cycle(&in);
		rsp = wait_rsp(5, NULL);
		cr_assert_eq(r.hit, rsp.res.hit, "key %llu", (unsigned long long)k);
		cr_assert_eq(r.index, rsp.res.index);
		cr_assert_eq(r.action.w[0], rsp.res.action.w[0]);
		cr_assert_eq(r.action.w[1], rsp.res.action.w[1]);
		cr_assert_eq(r.ppid, rsp.res.ppid);
		cr_assert_eq(r.mapped, rsp.res.mapped);
	}
}

/* lookup_core_result_burst(): the single results, key for key, across
 * bursts of more keys than LOOKUP_BURST, keys cut to the port alike. */
Test(lookup_core, result_burst_is_the_single_results)
{
	enum { N = 3 * LOOKUP_BURST + 5 };
	struct pnic_key keys[N];
	struct lookup_result burst[N], one;

	write_entry(3, 0x50, 0xf0, 2);
	write_entry(7, 5, ~0ull, 4);
	map_vpid(2, 11);
	for (uint64_t k = 0; k < N; k++) {
		keys[k] = key_of(k % 2 ? 0x50 + k % 16 : k);
		keys[k].w[1] = 1ull << (KEY_BITS - 64 + (k & 1));
	}
	lookup_core_result_burst(lc, keys, N, burst);
	for (uint64_t k = 0; k < N; k++) {
		lookup_core_result(lc, &keys[k], &one);
		cr_assert_eq(burst[k].hit, one.hit, "key %llu", (unsigned long long)k);
		cr_assert_eq(burst[k].index, one.index);
		cr_assert_eq(burst[k].action.w[0], one.action.w[0]);
		cr_assert_eq(burst[k].ppid, one.ppid);
		cr_assert_eq(burst[k].mapped, one.mapped);
	}
	cr_assert(burst[1].hit && burst[5].hit && !burst[0].hit);
}
