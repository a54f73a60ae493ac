/* The untimed lookup: its stages, its checked writes, and the one lookup
 * read two ways, through the functional datapath and through the
 * cycle-level lookup core, on the same stimulus. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/datapath.h"
#include "model/key_builder.h"
#include "model/lookup.h"
#include "model/lookup_core.h"
#include "model/nic_cmd.h"
#include "model/parser.h"
#include "tests/model/frames.h"

#define DEPTH 64
#define KEY_BITS 104
#define VPIDS 16
#define PORTS 8

static const struct lookup_params params = {
	.depth = DEPTH, .key_bits = KEY_BITS, .n_vpids = VPIDS, .n_ppids = PORTS,
};

static struct lookup *lk;

static void setup(void)
{
	struct pnic_error err;

	cr_assert_eq(lookup_create(&params, &lk, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	lookup_destroy(lk);
	lk = NULL;
}

TestSuite(lookup, .init = setup, .fini = teardown);

static struct pnic_key key_of(uint64_t v)
{
	struct pnic_key k;

	key_zero(&k);
	k.w[0] = v;
	return k;
}

static struct action_word word(unsigned kind, uint16_t vpid, uint64_t rest)
{
	struct action_word w = { { kind | (uint64_t)vpid << ACTW_VPID_OFF |
				   rest << 24, 0 } };

	return w;
}

static void write_ok(const struct lookup_write *w)
{
	struct pnic_error err;

	cr_assert_eq(lookup_write(lk, w, &err), 0, "%s", err.msg);
}

static void entry(uint32_t index, uint64_t value, uint64_t mask,
		  struct action_word a)
{
	struct lookup_write w = { .op = LC_OP_TCAM_WRITE, .index = index,
				  .value = key_of(value), .mask = key_of(mask),
				  .action = a };

	write_ok(&w);
}

static void map(uint32_t vpid, uint16_t ppid)
{
	struct lookup_write w = { .op = LC_OP_MAP_WRITE, .index = vpid,
				  .ppid = ppid };

	write_ok(&w);
}

Test(lookup, create_refuses_bad_sizes)
{
	struct lookup_params p = params;
	struct lookup *bad = (struct lookup *)1;
	struct pnic_error err;

	p.depth = 8;
	cr_assert_lt(lookup_create(&p, &bad, &err), 0);
	cr_assert_null(bad);
	p = params;
	p.n_ppids = 0;
	cr_assert_lt(lookup_create(&p, &bad, &err), 0);
	p = params;
	p.n_vpids = VPID_MAP_MAX_VPIDS + 1;
	cr_assert_lt(lookup_create(&p, &bad, &err), 0);
	lookup_destroy(NULL);
	cr_assert_eq(lookup_params(lk)->n_ppids, PORTS);
}

/* A miss reads what the lookup core's response carries on a miss. */
Test(lookup, miss_is_all_zero)
{
	struct lookup_result r;

	memset(&r, 0xa5, sizeof r);
	lookup_run(lk, &(struct pnic_key){ { 7 } }, &r);
	cr_assert(!r.hit && !r.mapped);
	cr_assert_eq(r.index, 0);
	cr_assert_eq(r.action.w[0] | r.action.w[1], 0);
	cr_assert_eq(r.ppid, 0);
	cr_assert_eq(lookup_match(lk, &(struct pnic_key){ { 7 } }), TCAM_MISS);
}

/* The word comes back as written, kind 3 included (the lookup decodes no
 * kind), and the map reads its VPID on every hit, a drop's included. */
Test(lookup, word_as_written_and_mapped_on_every_hit)
{
	struct lookup_result r;
	struct pnic_key k = key_of(0x1234);

	map(5, 6);
	entry(9, 0x1234, 0xffff, word(ACT_DROP, 5, 0x77));
	lookup_run(lk, &k, &r);
	cr_assert(r.hit);
	cr_assert_eq(r.index, 9);
	cr_assert_eq(r.action.w[0], word(ACT_DROP, 5, 0x77).w[0]);
	cr_assert(r.mapped, "a drop's VPID field is mapped too");
	cr_assert_eq(r.ppid, 6);

	entry(9, 0x1234, 0xffff, word(3, 5, 0));
	lookup_run(lk, &k, &r);
	cr_assert_eq(r.action.w[0] & 3, 3, "kind 3 is returned, not decoded");
	cr_assert(r.mapped);

	entry(9, 0x1234, 0xffff, word(ACT_FORWARD, 4, 0));
	lookup_run(lk, &k, &r);
	cr_assert(r.hit && !r.mapped);
	cr_assert_eq(r.ppid, 0);
	entry(9, 0x1234, 0xffff, word(ACT_FORWARD, 0xffff, 0));
	lookup_run(lk, &k, &r);
	cr_assert(!r.mapped, "a VPID beyond the map is unmapped");
	cr_assert_eq(lookup_map_read(lk, 5), 6);
	cr_assert_eq(lookup_map_read(lk, 4), VPID_UNMAPPED);
	cr_assert_eq(lookup_map_read(lk, 1u << 20), VPID_UNMAPPED);
}

/* The stages one at a time compose to the whole lookup. */
Test(lookup, stages_compose_to_run)
{
	struct lookup_result a, b;
	struct pnic_key k = key_of(0x50);

	map(2, 1);
	entry(3, 0x50, 0xf0, word(ACT_FORWARD, 2, 1));
	entry(1, 0x50, 0xff, word(ACT_TO_HOST, 7, 2));
	lookup_stage_match(lk, &k, &a);
	cr_assert(a.hit && a.index == 1);
	cr_assert_eq(a.action.w[0], 0, "the match stage reads no word");
	lookup_stage_action(lk, &a);
	cr_assert_eq(a.action.w[0], word(ACT_TO_HOST, 7, 2).w[0]);
	cr_assert(!a.mapped, "nor does the action stage map");
	lookup_stage_map(lk, &a);
	lookup_run(lk, &k, &b);
	cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
	cr_assert_eq(lookup_match_linear(lk, &k), 1);
}

Test(lookup, burst_equals_single)
{
	struct pnic_key keys[100];
	struct lookup_result one, burst[100];

	for (uint32_t v = 0; v < VPIDS; v += 2)
		map(v, (uint16_t)(v % PORTS));
	for (uint32_t i = 0; i < 40; i++)
		entry(i, i * 3, i % 4 ? 0xff : 0xf8,
		      word(i % 3, (uint16_t)(i % 20), i));
	for (unsigned i = 0; i < 100; i++)
		keys[i] = key_of(i * 7 % 150);
	lookup_run_burst(lk, keys, 100, burst);
	for (unsigned i = 0; i < 100; i++) {
		lookup_run(lk, &keys[i], &one);
		cr_assert_eq(memcmp(&one, &burst[i], sizeof one), 0, "key %u", i);
	}
}

/* Every refusal names the fault and changes nothing. */
Test(lookup, write_checks)
{
	static const struct {
		struct lookup_write w;
		int rc;
		const char *says;
	} bad[] = {
		{ { .op = LC_OP_TCAM_WRITE, .index = DEPTH }, -ERANGE, "entry index 64" },
		{ { .op = LC_OP_TCAM_INVALIDATE, .index = 1000 }, -ERANGE, "0..63" },
		{ { .op = LC_OP_ACTION_WRITE, .index = DEPTH }, -ERANGE, "entry index" },
		{ { .op = LC_OP_TCAM_WRITE, .index = 1, .value = { { 0, 1ull << 40 } } },
		  -EINVAL, "bit 104" },
		{ { .op = LC_OP_TCAM_WRITE, .index = 1, .mask = { { 0, 0, 1 } } },
		  -EINVAL, "bit 104" },
		{ { .op = LC_OP_ACTION_WRITE, .index = 1, .action = { { 0, 1ull << (ACTION_WORD_BITS - 64) } } },
		  -EINVAL, "bit 76" },
		{ { .op = LC_OP_MAP_WRITE, .index = VPIDS, .ppid = 1 }, -ERANGE, "VPID 16" },
		{ { .op = LC_OP_MAP_WRITE, .index = 1, .ppid = PORTS }, -ERANGE, "PPID 8" },
		{ { .op = LC_OP_MAP_WRITE, .index = 1, .ppid = 0xffff }, -EINVAL, "reserved" },
		{ { .op = LC_OP_MAP_CLEAR, .index = VPIDS }, -ERANGE, "VPID 16" },
		{ { .op = LC_OP_NOP }, -EINVAL, "op 0" },
		{ { .op = 6 }, -EINVAL, "op 6" },
	};
	struct pnic_error err;
	struct lookup_result r;

	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(lookup_write_check(&params, &bad[i].w, &err), bad[i].rc,
			     "case %u", i);
		cr_assert(strstr(err.msg, bad[i].says), "case %u: %s", i, err.msg);
		cr_assert_eq(lookup_write(lk, &bad[i].w, &err), bad[i].rc);
	}
	cr_assert_eq(tcam_used(lookup_tcam(lk)), 0);
	for (uint32_t v = 0; v < VPIDS; v++)
		cr_assert_eq(lookup_map_read(lk, v), VPID_UNMAPPED);
	/* the edges are taken */
	entry(DEPTH - 1, 1, 1, word(ACT_FORWARD, VPIDS - 1, 0));
	map(VPIDS - 1, PORTS - 1);
	lookup_run(lk, &(struct pnic_key){ { 1 } }, &r);
	cr_assert(r.hit && r.index == DEPTH - 1 && r.mapped && r.ppid == PORTS - 1);
}

/* An entry write stores value & mask and writes the word with it; an
 * action write changes the word only; invalidate and clear undo. */
Test(lookup, writes_take_effect)
{
	struct lookup_write w = { .op = LC_OP_ACTION_WRITE, .index = 2,
				  .action = word(ACT_TO_HOST, 1, 9) };
	struct lookup_result r;

	entry(2, 0xffff, 0x0f0f, word(ACT_FORWARD, 1, 0));
	map(1, 3);
	lookup_run(lk, &(struct pnic_key){ { 0x1f2f } }, &r);
	cr_assert(r.hit && r.index == 2 && r.ppid == 3);
	write_ok(&w);
	lookup_run(lk, &(struct pnic_key){ { 0x1f2f } }, &r);
	cr_assert_eq(r.action.w[0], word(ACT_TO_HOST, 1, 9).w[0]);
	w = (struct lookup_write){ .op = LC_OP_MAP_CLEAR, .index = 1 };
	write_ok(&w);
	lookup_run(lk, &(struct pnic_key){ { 0x1f2f } }, &r);
	cr_assert(r.hit && !r.mapped);
	w = (struct lookup_write){ .op = LC_OP_TCAM_INVALIDATE, .index = 2 };
	write_ok(&w);
	cr_assert_eq(lookup_match(lk, &(struct pnic_key){ { 0x1f2f } }), TCAM_MISS);
}

/* Reset clears valid bits only, as the RTL's: the words stay. */
Test(lookup, reset_clears_valid_bits_only)
{
	struct lookup_result r = { .hit = true, .index = 4 };

	entry(4, 1, 1, word(ACT_FORWARD, 2, 5));
	map(2, 1);
	lookup_reset(lk);
	cr_assert_eq(lookup_match(lk, &(struct pnic_key){ { 1 } }), TCAM_MISS);
	cr_assert_eq(lookup_map_read(lk, 2), VPID_UNMAPPED);
	lookup_stage_action(lk, &r);
	cr_assert_eq(r.action.w[0], word(ACT_FORWARD, 2, 5).w[0]);
}

Test(lookup, templates_pass_through_to_the_action_ram)
{
	struct encap_template t = { .len = 3 };
	struct pnic_error err;

	cr_assert_null(lookup_template(lk, 4));
	cr_assert_lt(lookup_template_set(lk, 4, &t, &err), 0);
	cr_assert_null(lookup_template(lk, 4));
}

/* ---- one lookup, two readers ------------------------------------------ */

/* The functional datapath and the cycle-level lookup core on the same
 * stimulus: tables written by the same random commands (entry, invalidate,
 * action, map set and clear; some action words of kind 3, written around
 * the command checks as only a raw table write can), then the same
 * packets, as frames through the datapath and as their keys through the
 * core's request port with random back-pressure.  Every result must be the
 * same: hit, index, action word, PPID, mapped.  The datapath's decision
 * must follow from it. */

#define EQ_ROUNDS 60
#define EQ_PKTS 96

static uint32_t eq_rng;

static uint32_t rnd(void)
{
	eq_rng ^= eq_rng << 13;
	eq_rng ^= eq_rng >> 17;
	eq_rng ^= eq_rng << 5;
	return eq_rng;
}

struct eq {
	struct lookup *lk;                 /* the datapath's tables */
	struct datapath *dp;
	struct lookup_core *lc;
	struct lookup_result dp_res[EQ_PKTS];
	struct datapath_out dp_out[EQ_PKTS];     /* the packet's own output */
	bool dp_seen[EQ_PKTS];
	struct lookup_result lc_res[EQ_PKTS];
	bool lc_seen[EQ_PKTS];
	unsigned lc_pending;
	uint64_t kind3, unmapped, misses, cmds[NIC_OP_END];
};

static void eq_out(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct eq *e = ctx;
	unsigned i = (unsigned)o->ts_ns;

	(void)frame;
	(void)caplen;
	(void)len;
	cr_assert_lt(i, EQ_PKTS);
	cr_assert_not_null(o->lookup, "every packet here is looked up");
	if (o->mirror)
		return;
	cr_assert(!e->dp_seen[i], "packet %u has one output", i);
	e->dp_seen[i] = true;
	e->dp_res[i] = *o->lookup;
	e->dp_out[i] = *o;
}

/* Field pools small enough that packets hit, wide enough that they miss. */
static const uint32_t eq_src[] = { 0x0a000001, 0x0a000002, 0x0a000102, 0xc0a80001 };
static const uint16_t eq_dport[] = { 53, 80, 443, 8080, 9000 };

static unsigned eq_frame(uint8_t *f, uint32_t src, uint16_t dport, uint8_t proto)
{
	udp_frame(f, 12345, dport);
	f[23] = proto;
	for (int b = 0; b < 4; b++)
		f[26 + b] = (uint8_t)(src >> (24 - 8 * b));
	if (proto == 6) {
		f[16] = 0;
		f[17] = 60 - 14;
		f[46] = 0x50;    /* TCP data offset: 20 bytes */
	}
	return 60;
}

static struct action_word eq_word(void)
{
	struct pnic_action a = {
		.kind = (uint8_t)(rnd() % 3), .vpid = (uint16_t)(rnd() % (VPIDS + 4)),
		.mirror = rnd() % 4 == 0, .mirror_vpid = (uint16_t)(rnd() % (VPIDS + 4)),
		.count = rnd() % 2, .dscp = (uint8_t)(rnd() % 64),
		.set_dscp = rnd() % 5 == 0,
	};
	struct action_word w;

	action_pack(&a, &w);
	if (rnd() % 8 == 0)
		w.w[0] |= 3;    /* kind 3: no checked write makes it */
	return w;
}

static void eq_entry_cmd(struct nic_cmd *c)
{
	const struct key_profile *p = key_profile_ipv4_5tuple();
	struct key_profile_fields v, m;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	/* No catch-all: every entry matches a port or an address, so that
	 * packets miss as well as hit. */
	bool by_src = rnd() % 2, by_port = !by_src || rnd() % 2;

	if (by_src) {
		key_profile_set_ipv4(&v, KP_SRC_IP, eq_src[rnd() % 4]);
		key_profile_set_ipv4_prefix_mask(&m, KP_SRC_IP, rnd() % 4 ? 32 : 16, false);
	}
	if (by_port) {
		key_profile_set(&v, KP_L4_DST, eq_dport[rnd() % 5]);
		key_profile_set(&m, KP_L4_DST, 0xffff);
	}
	if (rnd() % 3 == 0) {
		key_profile_set(&v, KP_IP_PROTO, rnd() % 2 ? 6 : 17);
		key_profile_set(&m, KP_IP_PROTO, 0xff);
	}
	c->op = NIC_OP_ENTRY_WRITE;
	c->entry.index = rnd() % DEPTH;
	key_profile_pack(p, &v, &c->entry.value);
	key_profile_pack(p, &m, &c->entry.mask);
	c->entry.action = eq_word();
}

static void eq_random_cmd(struct nic_cmd *c)
{
	unsigned x = rnd() % 10;

	memset(c, 0, sizeof *c);
	if (x < 4) {
		eq_entry_cmd(c);
	} else if (x < 5) {
		c->op = NIC_OP_ENTRY_INVALIDATE;
		c->index = rnd() % DEPTH;
	} else if (x < 7) {
		c->op = NIC_OP_ACTION_WRITE;
		c->action.index = rnd() % DEPTH;
		c->action.action = eq_word();
	} else if (x < 9) {
		c->op = NIC_OP_MAP_SET;
		c->map.vpid = rnd() % VPIDS;
		c->map.ppid = rnd() % PORTS;
	} else {
		c->op = NIC_OP_MAP_CLEAR;
		c->map.vpid = rnd() % VPIDS;
	}
}

static struct lookup_core_in eq_idle(void)
{
	struct lookup_core_in in;

	memset(&in, 0, sizeof in);
	in.rsp_ready = true;
	return in;
}

/* One clock cycle of the core; a response taken is filed by its tag. */
static struct lookup_core_out eq_cycle(struct eq *e,
				       const struct lookup_core_in *in)
{
	struct lookup_core_out out;

	lookup_core_eval(e->lc, in, &out);
	if (out.rsp.valid && in->rsp_ready) {
		cr_assert_lt(out.rsp.tag, EQ_PKTS);
		cr_assert(!e->lc_seen[out.rsp.tag]);
		e->lc_seen[out.rsp.tag] = true;
		e->lc_res[out.rsp.tag] = out.rsp.res;
		e->lc_pending--;
	}
	lookup_core_step(e->lc, in);
	return out;
}

/* The same command to both: a table write to the datapath's lookup, and
 * the same write as a beat on the core's config port, offered until it is
 * accepted. */
static void eq_apply(struct eq *e, const struct nic_cmd *c)
{
	struct lookup_core_in in = eq_idle();
	struct lookup_write w;
	struct pnic_error err;

	cr_assert(nic_cmd_table_write(c, &w));
	cr_assert_eq(lookup_write(e->lk, &w, &err), 0, "%s", err.msg);
	lookup_core_in_beat(&in, &w);
	while (!eq_cycle(e, &in).cfg_ready)
		;
	e->cmds[c->op]++;
}

/* Until every lookup in the core has answered. */
static void eq_drain(struct eq *e)
{
	struct lookup_core_in in = eq_idle();

	for (unsigned i = 0; e->lc_pending && i < 100; i++)
		eq_cycle(e, &in);
	cr_assert_eq(e->lc_pending, 0);
}

static void eq_keys(const uint8_t frames[][64], const unsigned *len,
		    const uint32_t *port, unsigned n, struct pnic_key *keys)
{
	for (unsigned i = 0; i < n; i++) {
		struct parser_result pr;

		parser_parse(frames[i], len[i], len[i], &pr);
		key_builder_build(key_profile_ipv4_5tuple(), &pr,
				  (uint16_t)port[i], &keys[i]);
	}
}

/* The keys through the core back to back, consumer stalling at random. */
static void eq_core_lookups(struct eq *e, const struct pnic_key *keys,
			    unsigned n)
{
	unsigned next = 0;

	memset(e->lc_seen, 0, sizeof e->lc_seen);
	while (next < n || e->lc_pending) {
		struct lookup_core_in in = eq_idle();

		in.rsp_ready = rnd() % 4 != 0;
		if (next < n) {
			in.req_valid = true;
			in.key = keys[next];
			in.tag = (uint8_t)next;
		}
		if (eq_cycle(e, &in).req_ready && in.req_valid) {
			next++;
			e->lc_pending++;
		}
	}
}

static bool same_result(const struct lookup_result *a,
			const struct lookup_result *b)
{
	return a->hit == b->hit && a->index == b->index &&
	       a->action.w[0] == b->action.w[0] &&
	       a->action.w[1] == b->action.w[1] &&
	       a->ppid == b->ppid && a->mapped == b->mapped;
}

/* What the datapath did with packet i follows from the result. */
static void eq_decision(struct eq *e, unsigned i)
{
	const struct lookup_result *r = &e->dp_res[i];
	const struct datapath_out *o = &e->dp_out[i];
	unsigned kind = r->action.w[0] & 3;

	if (!r->hit) {
		e->misses++;
		cr_assert_eq(o->kind, DP_OUT_TO_HOST);
		cr_assert_eq(o->host, DP_HOST_MISS);
		return;
	}
	cr_assert_eq(o->entry, (int32_t)r->index);
	if (kind == 3) {
		e->kind3++;
		cr_assert_eq(o->drop, DP_DROP_BAD_ACTION, "packet %u", i);
	} else if (kind == ACT_FORWARD && r->mapped) {
		cr_assert(o->kind == DP_OUT_EGRESS ||
			  (o->kind == DP_OUT_DROP && o->drop == DP_DROP_EDIT));
		if (o->kind == DP_OUT_EGRESS)
			cr_assert_eq(o->ppid, r->ppid);
	} else if (kind == ACT_FORWARD) {
		e->unmapped++;
		cr_assert_eq(o->drop, DP_DROP_UNMAPPED_VPID);
	} else {
		cr_assert_eq(o->kind, kind == ACT_DROP ? DP_OUT_DROP : DP_OUT_TO_HOST);
	}
}

static void eq_round(struct eq *e)
{
	static uint8_t frames[EQ_PKTS][64];
	unsigned len[EQ_PKTS];
	uint32_t port[EQ_PKTS];
	struct datapath_pkt pk[EQ_PKTS];
	struct pnic_key keys[EQ_PKTS];
	unsigned n_cmds = 1 + rnd() % 12;

	for (unsigned c = 0; c < n_cmds; c++) {
		struct nic_cmd cmd;

		eq_random_cmd(&cmd);
		eq_apply(e, &cmd);
	}
	for (unsigned i = 0; i < EQ_PKTS; i++) {
		uint16_t dport = rnd() % 3 ? eq_dport[rnd() % 5] : (uint16_t)rnd();

		len[i] = eq_frame(frames[i], eq_src[rnd() % 4], dport,
				  rnd() % 2 ? 6 : 17);
		port[i] = 0;
		pk[i] = (struct datapath_pkt){ frames[i], len[i], len[i], i };
	}
	memset(e->dp_seen, 0, sizeof e->dp_seen);
	datapath_process_burst(e->dp, 0, pk, EQ_PKTS);
	eq_keys(frames, len, port, EQ_PKTS, keys);
	eq_core_lookups(e, keys, EQ_PKTS);
	eq_drain(e);
	for (unsigned i = 0; i < EQ_PKTS; i++) {
		cr_assert(e->dp_seen[i] && e->lc_seen[i], "packet %u", i);
		cr_assert(same_result(&e->dp_res[i], &e->lc_res[i]),
			  "packet %u: datapath hit %d index %u action %016llx ppid %u mapped %d; "
			  "lookup core hit %d index %u action %016llx ppid %u mapped %d",
			  i, e->dp_res[i].hit, e->dp_res[i].index,
			  (unsigned long long)e->dp_res[i].action.w[0],
			  e->dp_res[i].ppid, e->dp_res[i].mapped,
			  e->lc_res[i].hit, e->lc_res[i].index,
			  (unsigned long long)e->lc_res[i].action.w[0],
			  e->lc_res[i].ppid, e->lc_res[i].mapped);
		eq_decision(e, i);
	}
}

Test(one_lookup, datapath_and_lookup_core_agree)
{
	struct lookup_core_params cp = { .depth = DEPTH, .key_bits = KEY_BITS,
					 .n_vpids = VPIDS };
	struct lookup_params lp = params;
	static struct eq e;
	struct datapath_params dpp = { .profile = key_profile_ipv4_5tuple(),
				       .out = eq_out, .ctx = &e };
	struct pnic_error err;

	memset(&e, 0, sizeof e);
	eq_rng = 12345;
	cr_assert_eq(lookup_create(&lp, &e.lk, &err), 0, "%s", err.msg);
	dpp.lookup = e.lk;
	cr_assert_eq(datapath_create(&dpp, &e.dp, &err), 0, "%s", err.msg);
	cr_assert_eq(lookup_core_create(&cp, &e.lc, &err), 0, "%s", err.msg);
	lookup_core_reset(e.lc);
	for (unsigned r = 0; r < EQ_ROUNDS; r++)
		eq_round(&e);
	/* the stimulus reached every case it is meant to */
	cr_assert_gt(e.misses, 100);
	cr_assert_gt(e.kind3, 20);
	cr_assert_gt(e.unmapped, 20);
	for (unsigned op = NIC_OP_ENTRY_WRITE; op <= NIC_OP_MAP_CLEAR; op++)
		cr_assert_gt(e.cmds[op], 10, "op %u", op);
	cr_assert_gt(datapath_stats(e.dp)->mirrors, 20);
	cr_assert_eq(datapath_stats(e.dp)->hits + datapath_stats(e.dp)->misses,
		     (uint64_t)EQ_ROUNDS * EQ_PKTS);
	lookup_core_destroy(e.lc);
	datapath_destroy(e.dp);
	lookup_destroy(e.lk);
}

/* The generation moves on with every accepted write and every reset,
 * and with nothing else: not a lookup, not a refused write. */
Test(lookup, generation_moves_with_writes_only)
{
	struct lookup_write bad = { .op = LC_OP_TCAM_INVALIDATE, .index = DEPTH };
	struct pnic_key k = key_of(5);
	struct lookup_result r;
	uint64_t g = lookup_generation(lk);

	entry(0, 5, ~0ull, word(ACT_FORWARD, 1, 0));
	cr_assert_eq(lookup_generation(lk), g + 1);
	map(1, 2);
	cr_assert_eq(lookup_generation(lk), g + 2);
	lookup_run(lk, &k, &r);
	cr_assert_eq(lookup_generation(lk), g + 2, "a lookup writes nothing");
	cr_assert_lt(lookup_write(lk, &bad, NULL), 0);
	cr_assert_eq(lookup_generation(lk), g + 2, "a refused write changes nothing");
	lookup_reset(lk);
	cr_assert_eq(lookup_generation(lk), g + 3);
}
