/* The functional datapath with hand-built tables and crafted frames, and
 * its flow-end events on the shared capture corpus against tshark. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "io/pcap_in.h"
#include "model/datapath.h"
#include "model/frame.h"
#include "model/nic.h"
#include "model/proto.h"
#include "tests/corpus.h"
#include "tests/tools/tool_util.h"

#define MAX_OUT 8

struct seen {
	struct datapath_out o;
	struct lookup_result res;   /* *o.lookup, when it was set */
	uint8_t frame[256];
	uint32_t caplen, len;
};

struct fixture {
	struct lookup *lk;
	struct datapath *dp;
	struct seen out[MAX_OUT];
	unsigned n_out;
};

static struct fixture fx;

static void record(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	struct fixture *f = ctx;
	struct seen *s;

	cr_assert_lt(f->n_out, MAX_OUT);
	s = &f->out[f->n_out++];
	s->o = *o;
	if (o->lookup)
		s->res = *o->lookup;
	else
		memset(&s->res, 0, sizeof s->res);
	s->caplen = caplen;
	s->len = len;
	memcpy(s->frame, frame, caplen < sizeof s->frame ? caplen : sizeof s->frame);
}

static void table_write(const struct lookup_write *w)
{
	struct pnic_error err;

	cr_assert_eq(lookup_write(fx.lk, w, &err), 0, "%s", err.msg);
}

static void map_set(uint32_t vpid, uint16_t ppid)
{
	struct lookup_write w = { .op = LC_OP_MAP_WRITE, .index = vpid,
				  .ppid = ppid };

	table_write(&w);
}

static void build(enum datapath_miss_policy miss, enum datapath_parse_error_policy perr,
		  enum vpid_unmapped_policy unmapped)
{
	struct lookup_params lp = { .depth = 16,
				    .key_bits = key_profile_default()->key_bits,
				    .n_vpids = 16, .n_ppids = 4 };
	struct datapath_params dpp = {
		.profile = key_profile_default(),
		.policy = { .miss = miss, .parse_errors = perr,
			    .unmapped = unmapped },
		.out = record, .ctx = &fx,
	};
	struct pnic_error err;

	memset(&fx, 0, sizeof fx);
	cr_assert_eq(lookup_create(&lp, &fx.lk, &err), 0, "%s", err.msg);
	/* VPID 1 -> PPID 2, VPID 2 -> PPID 3; VPID 5 unmapped */
	map_set(1, 2);
	map_set(2, 3);
	dpp.lookup = fx.lk;
	cr_assert_eq(datapath_create(&dpp, &fx.dp, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	datapath_destroy(fx.dp);
	lookup_destroy(fx.lk);
}

static void default_build(void)
{
	build(DP_MISS_TO_HOST, DP_PERR_LOOKUP, VPID_UNMAPPED_DROP);
}

TestSuite(datapath, .init = default_build, .fini = teardown);

/* Entry `index`: match UDP/TCP destination port `dport` (0: match all). */
static void add_entry(uint32_t index, uint16_t dport,
		      const struct pnic_action *a)
{
	const struct key_profile *p = key_profile_default();
	struct key_profile_fields v, m;
	struct lookup_write w = { .op = LC_OP_TCAM_WRITE, .index = index };
	struct pnic_error err;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	if (dport) {
		key_profile_set(&v, KP_L4_DST, dport);
		key_profile_set(&m, KP_L4_DST, 0xffff);
	}
	key_profile_pack(p, &v, &w.value);
	key_profile_pack(p, &m, &w.mask);
	cr_assert_eq(action_validate(a, &err), 0, "%s", err.msg);
	action_pack(a, &w.action);
	table_write(&w);
}

/* Ethernet / IPv4 (TTL 64, TOS 0) / UDP to dport, 60 bytes. */
static unsigned udp_frame(uint8_t *f, uint16_t dport)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 2 };
	const struct frame_ipv4 ip = {
		.id = 0x1234, .frag = PROTO_IPV4_DF, .ttl = 64,
		.proto = PROTO_IP_UDP, .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 },
	};
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, f, 60);
	frame_eth(&b, dst, src, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&b, &ip);
	l4 = frame_udp(&b, 12345, dport);
	frame_fill(&b, 0xab, 60 - b.n);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
	return b.n;
}

static void run(uint32_t in_port, const uint8_t *f, unsigned n)
{
	fx.n_out = 0;
	datapath_process(fx.dp, in_port, f, n, n, 1000);
}

static void check_balance(void)
{
	const struct datapath_stats *s = datapath_stats(fx.dp);

	cr_assert_eq(s->packets, s->egress + s->to_host + s->drops -
				 s->drop_reason[DP_DROP_MIRROR_UNMAPPED],
		     "every packet ends in exactly one place");
	cr_assert_eq(s->packets, s->hits + s->misses +
				 s->drop_reason[DP_DROP_BAD_PORT] +
				 s->drop_reason[DP_DROP_PARSE_ERROR] +
				 s->host_reason[DP_HOST_PARSE_ERROR]);
}

Test(datapath, hit_forwards_through_the_map)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .count = true };
	struct flow_counter fc;
	struct datapath_port_stats ps;
	uint64_t pk, by;
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(3, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[0].o.ppid, 2);
	cr_assert_eq(fx.out[0].o.entry, 3);
	cr_assert_eq(fx.out[0].o.ts_ns, 1000);
	cr_assert_eq(fx.out[0].caplen, n);
	cr_assert_arr_eq(fx.out[0].frame, f, n, "unedited");
	cr_assert_eq(datapath_stats(fx.dp)->hits, 1);
	ps = datapath_port_stats(fx.dp, 0);
	cr_assert_eq(ps.rx_packets, 1);
	cr_assert_eq(ps.rx_bytes, n);
	ps = datapath_port_stats(fx.dp, 2);
	cr_assert_eq(ps.tx_packets, 1);
	datapath_entry_stats(fx.dp, 3, &pk, &by);
	cr_assert_eq(pk, 1);
	cr_assert_eq(by, n);
	flow_counters_read(datapath_counters(fx.dp), 3, &fc);
	cr_assert_eq(fc.packets, 1, "count bit feeds the flow counters");
	cr_assert_eq(fc.last_hit, 1000);
	check_balance();
}

Test(datapath, lowest_index_wins)
{
	struct pnic_action fwd = { .kind = ACT_FORWARD, .vpid = 2 };
	struct pnic_action drop = { .kind = ACT_DROP };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(7, 0, &drop);    /* catch-all, later */
	add_entry(2, 80, &fwd);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[0].o.ppid, 3);
	n = udp_frame(f, 81);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_ACTION);
	cr_assert_eq(fx.out[0].o.entry, 7);
	check_balance();
}

Test(datapath, big_frame_is_edited_not_refused)
{
	/* An 80 KB BIG-TCP-style IPv4 frame (total length 0, measured by the
	 * wire length): a TTL decrement does not grow it, so the datapath must
	 * hand it to the editor rather than refuse it for its size. */
	enum { BIG = 80000 };
	static uint8_t f[BIG];
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .dec_ttl = true };
	uint16_t c;

	udp_frame(f, 80);
	memset(f + 60, 0xab, BIG - 60);
	f[16] = 0;
	f[17] = 0;
	f[24] = 0;
	f[25] = 0;
	c = frame_csum(f + 14, 20, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	add_entry(1, 80, &a);
	run(0, f, BIG);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS, "kind %d drop %d",
		     fx.out[0].o.kind, fx.out[0].o.drop);
	cr_assert_eq(fx.out[0].caplen, BIG);
	cr_assert_eq(fx.out[0].frame[22], 63, "TTL decremented");
	cr_assert_eq(frame_csum(fx.out[0].frame + 14, 20, 0), 0, "IPv4 checksum valid");
	check_balance();
}

Test(datapath, miss_goes_to_host)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	run(1, f, n);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_MISS);
	cr_assert_eq(fx.out[0].o.entry, TCAM_MISS);
	cr_assert_eq(datapath_stats(fx.dp)->misses, 1);
	cr_assert_eq(datapath_stats(fx.dp)->to_host, 1);
	check_balance();
}

Test(datapath, miss_policy_drop)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	teardown();
	build(DP_MISS_DROP, DP_PERR_LOOKUP, VPID_UNMAPPED_DROP);
	run(1, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_MISS);
	check_balance();
}

Test(datapath, unmapped_vpid_follows_map_policy)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 5 };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_UNMAPPED_VPID);
	cr_assert_eq(datapath_stats(fx.dp)->unmapped_hits, 1);
	check_balance();

	teardown();
	build(DP_MISS_TO_HOST, DP_PERR_LOOKUP, VPID_UNMAPPED_TO_HOST);
	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_UNMAPPED_VPID);
	check_balance();
}

Test(datapath, mirror_copy_is_the_original)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .mirror = true,
				 .mirror_vpid = 2, .dec_ttl = true };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 2);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert(fx.out[0].o.mirror);
	cr_assert_eq(fx.out[0].o.ppid, 3);
	cr_assert_arr_eq(fx.out[0].frame, f, n, "mirror copy unedited");
	cr_assert_eq(fx.out[1].o.kind, DP_OUT_EGRESS);
	cr_assert_not(fx.out[1].o.mirror);
	cr_assert_eq(fx.out[1].o.ppid, 2);
	cr_assert_eq(fx.out[1].frame[22], 63, "forwarded copy edited");
	cr_assert_eq(datapath_stats(fx.dp)->mirrors, 1);
	cr_assert_eq(datapath_stats(fx.dp)->egress, 1);
	cr_assert_eq(datapath_port_stats(fx.dp, 3).tx_packets, 1);
	check_balance();
}

Test(datapath, mirror_to_unmapped_vpid_drops_the_copy_only)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .mirror = true,
				 .mirror_vpid = 9 };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 2);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_MIRROR_UNMAPPED);
	cr_assert_eq(fx.out[1].o.kind, DP_OUT_EGRESS);
	check_balance();
}

Test(datapath, drop_and_to_host_actions)
{
	struct pnic_action d = { .kind = ACT_DROP };
	struct pnic_action h = { .kind = ACT_TO_HOST, .dec_ttl = true };
	uint8_t f[64];
	unsigned n;

	add_entry(0, 22, &d);
	add_entry(1, 53, &h);
	n = udp_frame(f, 22);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_ACTION);
	n = udp_frame(f, 53);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_ACTION);
	cr_assert_arr_eq(fx.out[0].frame, f, n, "the host sees the frame as received");
	check_balance();
}

Test(datapath, edits_are_applied)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .dec_ttl = true,
				 .set_dscp = true, .dscp = 46,
				 .vlan_op = VLAN_OP_PUSH, .vlan_tci = 100 };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);
	const uint8_t *o;

	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[0].caplen, n + 4, "VLAN tag pushed");
	cr_assert_eq(fx.out[0].len, n + 4);
	o = fx.out[0].frame;
	cr_assert_eq(o[12] << 8 | o[13], 0x8100);
	cr_assert_eq((o[14] << 8 | o[15]) & 0xfff, 100);
	cr_assert_eq(o[18 + 1], 46 << 2, "DSCP");
	cr_assert_eq(o[18 + 8], 63, "TTL");
	cr_assert_eq(frame_csum(o + 18, 20, 0), 0, "IPv4 checksum still valid");
	cr_assert_eq(datapath_stats(fx.dp)->edited, 1);
	cr_assert_eq(datapath_stats(fx.dp)->edit.ops[EDIT_OP_VLAN_PUSH], 1);
	check_balance();
}

Test(datapath, editor_refusal_is_a_counted_drop)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1,
				 .vlan_op = VLAN_OP_POP };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_EDIT);
	cr_assert_arr_eq(fx.out[0].frame, f, n);
	cr_assert_eq(datapath_stats(fx.dp)->edit.refused[EDIT_NO_VLAN], 1);
	check_balance();
}

Test(datapath, parse_error_policies)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	/* lookup: counted, then looked up like any frame (here: a miss) */
	run(0, f, 20);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_MISS);
	cr_assert_eq(datapath_stats(fx.dp)->parse_errors, 1);
	cr_assert_eq(datapath_stats(fx.dp)->parse_status[PARSE_TRUNC_L3], 1);
	check_balance();

	teardown();
	build(DP_MISS_TO_HOST, DP_PERR_DROP, VPID_UNMAPPED_DROP);
	run(0, f, 20);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_PARSE_ERROR);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST, "a good frame still passes");
	check_balance();

	teardown();
	build(DP_MISS_DROP, DP_PERR_TO_HOST, VPID_UNMAPPED_DROP);
	run(0, f, 20);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_PARSE_ERROR);
	check_balance();
}

Test(datapath, bad_ingress_port_and_tiny_frames)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	run(4, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_BAD_PORT);
	run(0, f, 0);
	cr_assert_eq(fx.n_out, 1);
	run(0, f, 5);
	cr_assert_eq(fx.n_out, 1);
	check_balance();
}

Test(datapath, refuses_mismatched_blocks)
{
	struct datapath_params p = { .profile = key_profile_default() };
	struct datapath *dp;
	struct pnic_error err;

	cr_assert_lt(datapath_create(&p, &dp, &err), 0);
	cr_assert_null(dp);
	p.lookup = fx.lk;
	p.policy.miss = (enum datapath_miss_policy)7;
	cr_assert_lt(datapath_create(&p, &dp, &err), 0);
	cr_assert(strstr(err.msg, "miss policy 7"), "%s", err.msg);
	p.policy.miss = DP_MISS_DROP;
	p.policy.unmapped = (enum vpid_unmapped_policy)2;
	cr_assert_lt(datapath_create(&p, &dp, &err), 0);
	cr_assert(strstr(err.msg, "unmapped-VPID policy 2"), "%s", err.msg);
}

Test(datapath, names)
{
	for (unsigned i = 0; i < DP_DROP_REASON_COUNT; i++)
		cr_assert_str_neq(datapath_drop_reason_name(i), "?");
	for (unsigned i = 0; i < DP_HOST_REASON_COUNT; i++)
		cr_assert_str_neq(datapath_host_reason_name(i), "?");
	cr_assert_str_eq(datapath_drop_reason_name(DP_DROP_REASON_COUNT), "?");
}

/* The burst path against packet-at-a-time (the oracle): same outputs in
 * the same order, same counters, on a mix of hits, misses, edits, mirrors,
 * refusals and malformed frames. */
struct log {
	unsigned n;
	struct { struct datapath_out o; uint32_t caplen, len; uint32_t sum; } e[512];
};

static void log_out(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len)
{
	struct log *l = ctx;
	uint32_t s = 0;

	cr_assert_lt(l->n, 512);
	for (uint32_t i = 0; i < caplen; i++)
		s = s * 31 + frame[i];
	l->e[l->n].o = *o;
	l->e[l->n].caplen = caplen;
	l->e[l->n].len = len;
	l->e[l->n].sum = s;
	l->n++;
}

static void same_log(const struct log *x, const struct log *y)
{
	cr_assert_eq(x->n, y->n);
	for (unsigned i = 0; i < x->n; i++) {
		cr_assert_eq(x->e[i].o.kind, y->e[i].o.kind, "output %u", i);
		cr_assert_eq(x->e[i].o.ppid, y->e[i].o.ppid, "output %u", i);
		cr_assert_eq(x->e[i].o.entry, y->e[i].o.entry, "output %u", i);
		cr_assert_eq(x->e[i].o.drop, y->e[i].o.drop, "output %u", i);
		cr_assert_eq(x->e[i].o.host, y->e[i].o.host, "output %u", i);
		cr_assert_eq(x->e[i].o.mirror, y->e[i].o.mirror, "output %u", i);
		cr_assert_eq(x->e[i].o.ts_ns, y->e[i].o.ts_ns, "output %u", i);
		cr_assert_eq(x->e[i].caplen, y->e[i].caplen, "output %u", i);
		cr_assert_eq(x->e[i].len, y->e[i].len, "output %u", i);
		cr_assert_eq(x->e[i].sum, y->e[i].sum, "output %u", i);
	}
}

/* What the cycle-level pipeline does with the exported halves: front,
 * the lookup in between (here the untimed one), back. */
static void by_halves(struct datapath *dp, uint32_t in_port,
		      const struct datapath_pkt *p)
{
	struct datapath_work wk;
	struct lookup_result res;
	struct pnic_key key;

	datapath_front(dp, in_port, p, &wk, &key);
	if (wk.state == DP_WORK_LOOKUP) {
		lookup_run(fx.lk, &key, &res);
		wk.res = &res;
	}
	datapath_back(dp, in_port, p, &wk);
}

Test(datapath, burst_equals_one_at_a_time)
{
	static struct log one, burst, halves;
	struct pnic_action acts[] = {
		{ .kind = ACT_FORWARD, .vpid = 1, .count = true },
		{ .kind = ACT_FORWARD, .vpid = 2, .dec_ttl = true, .mirror = true, .mirror_vpid = 1 },
		{ .kind = ACT_DROP },
		{ .kind = ACT_TO_HOST },
		{ .kind = ACT_FORWARD, .vpid = 5 },
		{ .kind = ACT_FORWARD, .vpid = 1, .vlan_op = VLAN_OP_POP },
		{ .kind = ACT_FORWARD, .vpid = 1, .vlan_op = VLAN_OP_PUSH, .vlan_tci = 9, .set_dscp = true, .dscp = 3 },
	};
	struct datapath_params dpp = { .profile = key_profile_default(),
				       .lookup = fx.lk, .out = log_out };
	struct datapath *a, *b, *c;
	struct datapath_pkt pk[150];
	static uint8_t frames[150][64];
	struct pnic_error err;

	for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++)
		add_entry(i, (uint16_t)(1000 + i), &acts[i]);
	one.n = burst.n = halves.n = 0;
	dpp.ctx = &one;
	cr_assert_eq(datapath_create(&dpp, &a, &err), 0, "%s", err.msg);
	dpp.ctx = &burst;
	cr_assert_eq(datapath_create(&dpp, &b, &err), 0, "%s", err.msg);
	dpp.ctx = &halves;
	cr_assert_eq(datapath_create(&dpp, &c, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 150; i++) {
		unsigned n = udp_frame(frames[i], (uint16_t)(1000 + i % 9));

		if (i % 13 == 5)
			n = 30;       /* truncated */
		pk[i] = (struct datapath_pkt){ frames[i], n, n + (i % 7 == 0), i };
	}
	for (unsigned i = 0; i < 150; i++) {
		datapath_process(a, i % 11 == 3 ? 9 : 0, pk[i].frame,
				 pk[i].caplen, pk[i].len, pk[i].ts_ns);
		by_halves(c, i % 11 == 3 ? 9 : 0, &pk[i]);
	}
	/* bursts of uneven sizes, the bad port splitting them */
	for (unsigned i = 0; i < 150;) {
		unsigned m = 1 + i % 23;

		if (i % 11 == 3) {
			datapath_process_burst(b, 9, &pk[i], 1);
			i++;
			continue;
		}
		if (i + m > 150)
			m = 150 - i;
		for (unsigned k = i + 1; k < i + m; k++)
			if (k % 11 == 3) {
				m = k - i;
				break;
			}
		datapath_process_burst(b, 0, &pk[i], m);
		i += m;
	}
	same_log(&one, &burst);
	same_log(&one, &halves);
	cr_assert_eq(memcmp(datapath_stats(a), datapath_stats(b),
			    sizeof(struct datapath_stats)), 0, "same counters");
	cr_assert_eq(memcmp(datapath_stats(a), datapath_stats(c),
			    sizeof(struct datapath_stats)), 0, "same counters");
	cr_assert_gt(datapath_stats(a)->drop_reason[DP_DROP_BAD_PORT], 0);
	cr_assert_gt(datapath_stats(a)->parse_errors, 0);
	cr_assert_gt(datapath_stats(a)->drop_reason[DP_DROP_EDIT], 0);
	cr_assert_gt(datapath_stats(a)->mirrors, 0);
	datapath_destroy(a);
	datapath_destroy(b);
	datapath_destroy(c);
}

/* Fewer ports than the lookup maps to (the pipeline's datapath over the
 * lookup core, whose map takes any 16-bit PPID): a port past n_ports is
 * no ingress port, and a PPID past it no egress port. */
Test(datapath, fewer_ports_than_the_map)
{
	struct datapath_params dpp = { .profile = key_profile_default(),
				       .lookup = fx.lk, .n_ports = 3,
				       .out = record, .ctx = &fx };
	struct pnic_action to3 = { .kind = ACT_FORWARD, .vpid = 2 };
	struct pnic_action to2 = { .kind = ACT_FORWARD, .vpid = 1,
				   .mirror = true, .mirror_vpid = 2 };
	struct datapath *dp;
	struct pnic_error err;
	uint8_t f[64];

	cr_assert_eq(datapath_create(&dpp, &dp, &err), 0, "%s", err.msg);
	add_entry(0, 80, &to3);
	add_entry(1, 81, &to2);
	fx.n_out = 0;
	datapath_process(dp, 3, f, udp_frame(f, 80), 60, 0);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_BAD_PORT);
	fx.n_out = 0;
	datapath_process(dp, 0, f, udp_frame(f, 80), 60, 0);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_UNMAPPED_VPID);
	fx.n_out = 0;
	datapath_process(dp, 0, f, udp_frame(f, 81), 60, 0);
	cr_assert_eq(fx.n_out, 2);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_MIRROR_UNMAPPED);
	cr_assert_eq(fx.out[1].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[1].o.ppid, 2);
	datapath_destroy(dp);
	dpp.n_ports = 5;
	cr_assert_eq(datapath_create(&dpp, &dp, &err), -EINVAL);
	cr_assert(strstr(err.msg, "5 ports"), "%s", err.msg);
}

/* A damaged capture may claim a wire length near 4 GiB; an edit that grows
 * the frame must not wrap the length below the captured bytes. */
Test(datapath, huge_claimed_length_saturates)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1,
				 .vlan_op = VLAN_OP_PUSH, .vlan_tci = 5 };
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	fx.n_out = 0;
	datapath_process(fx.dp, 0, f, n, UINT32_MAX, 1);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[0].caplen, n + 4);
	cr_assert_eq(fx.out[0].len, UINT32_MAX);
}

/* Kind 3 is refused by every checked write (action_validate), so a word
 * holding it came around the checks; the action stage trusts none of its
 * fields: no flow counter, no mirror copy, one drop under its own reason. */
Test(datapath, kind3_word_is_a_drop_of_its_own)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .mirror = true,
				 .mirror_vpid = 2, .count = true };
	struct lookup_write w = { .op = LC_OP_ACTION_WRITE, .index = 0 };
	struct flow_counter fc;
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(0, 80, &a);
	action_pack(&a, &w.action);
	w.action.w[0] |= 3;
	table_write(&w);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 1, "no mirror copy");
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_BAD_ACTION);
	cr_assert_eq(fx.out[0].o.entry, 0);
	cr_assert_str_eq(datapath_drop_reason_name(DP_DROP_BAD_ACTION), "undecodable_action");
	flow_counters_read(datapath_counters(fx.dp), 0, &fc);
	cr_assert_eq(fc.packets, 0, "the count bit of a bad word is not trusted");
	cr_assert_eq(datapath_stats(fx.dp)->hits, 1);
	cr_assert_eq(datapath_stats(fx.dp)->drop_reason[DP_DROP_ACTION], 0);
	check_balance();
}

/* Each output carries the lookup's answer: the word as written and the
 * action VPID's PPID, which the map reads on every hit (a drop's VPID
 * field included), as the lookup core's response does. */
Test(datapath, outputs_carry_the_lookup_result)
{
	struct pnic_action drop = { .kind = ACT_DROP, .vpid = 2 };
	struct action_word w;
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	add_entry(3, 80, &drop);
	action_pack(&drop, &w);
	run(0, f, n);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_ACTION);
	cr_assert_not_null(fx.out[0].o.lookup);
	cr_assert(fx.out[0].res.hit);
	cr_assert_eq(fx.out[0].res.index, 3);
	cr_assert_eq(memcmp(&fx.out[0].res.action, &w, sizeof w), 0);
	cr_assert(fx.out[0].res.mapped);
	cr_assert_eq(fx.out[0].res.ppid, 3);

	run(0, f, udp_frame(f, 81));
	cr_assert_eq(fx.out[0].o.host, DP_HOST_MISS);
	cr_assert(!fx.out[0].res.hit && !fx.out[0].res.mapped);
	cr_assert_eq(fx.out[0].res.index, 0);
	cr_assert_eq(fx.out[0].res.action.w[0] | fx.out[0].res.action.w[1], 0);

	run(7, f, n);
	cr_assert_null(fx.out[0].o.lookup, "a bad port is not looked up");
	check_balance();
}

/* The CONFIG command's effect: new policies apply from the next packet. */
Test(datapath, policy_changes_between_packets)
{
	struct datapath_policy pol = { .miss = DP_MISS_DROP };
	struct pnic_error err;
	uint8_t f[64];
	unsigned n = udp_frame(f, 81);

	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_TO_HOST);
	cr_assert_eq(datapath_set_policy(fx.dp, &pol, &err), 0, "%s", err.msg);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_MISS);
	pol.parse_errors = (enum datapath_parse_error_policy)3;
	cr_assert_eq(datapath_set_policy(fx.dp, &pol, &err), -EINVAL);
	cr_assert(strstr(err.msg, "parse-error policy 3"), "%s", err.msg);
	run(0, f, n);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_MISS, "a refused policy changes nothing");
	check_balance();
}

/* ---- flow end on captures no one here made ---------------------------- */

#define FE_FILES 256
#define FE_FRAMES (1u << 16)

/* Every frame of the corpus's clean classic-pcap files through a NIC whose
 * one entry matches everything and asks for flow-end events; the frames
 * that raised one, by file and frame number.  tshark reads the same files
 * once, concatenated by mergecap into a pcapng with one interface per file
 * (starting tshark per file would cost a second each). */
struct fe_run {
	unsigned n_files;
	char path[FE_FILES][512];
	uint64_t frames[FE_FILES];
	uint8_t *fired;                       /* [file][frame number] */
	unsigned file;
	uint64_t number;                      /* the frame being processed */
};

static void fe_event(void *ctx, const struct datapath_event *ev)
{
	struct fe_run *r = ctx;

	if (ev->type == DP_EV_FLOW_END && r->number < FE_FRAMES)
		r->fired[(size_t)r->file * FE_FRAMES + r->number] = 1;
}

static struct nic *fe_nic(struct fe_run *r)
{
	struct nic_params p = { .profile = key_profile_default(), .depth = 16,
				.n_ports = 1, .n_vpids = 4, .event = fe_event,
				.ctx = r };
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = 1, .notify_end = true };
	struct nic_cmd map = { .op = NIC_OP_MAP_SET, .map = { 1, 0 } };
	struct nic_cmd e = { .op = NIC_OP_ENTRY_WRITE, .entry.index = 0 };
	struct pnic_error err;
	struct nic *n;

	action_pack(&a, &e.entry.action);     /* value and mask zero: any key */
	cr_assert_eq(nic_create(&p, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_apply(n, &map, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_apply(n, &e, NULL, &err), 0, "%s", err.msg);
	return n;
}

/* A classic pcap (one link type: one pcapng interface after mergecap). */
static bool fe_classic(const char *path)
{
	static const uint32_t magic[] = { 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1 };
	FILE *f = fopen(path, "rb");
	uint32_t m = 0;
	bool ok = f && fread(&m, 4, 1, f) == 1;

	if (f)
		fclose(f);
	for (unsigned i = 0; ok && i < 4; i++)
		if (m == magic[i])
			return true;
	return false;
}

/* Files libpcap reads to the end (damaged ones are test_pcap_in's). */
static void fe_file(const char *path, void *ctx)
{
	struct fe_run *r = ctx;
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	struct nic *n;
	int rc;

	if (r->n_files == FE_FILES || !fe_classic(path) ||
	    pcap_in_open(path, &in, &err) != 0)
		return;
	r->file = r->n_files;
	n = fe_nic(r);
	while ((rc = pcap_in_next(in, &pkt, &err)) == 1) {
		r->number = pkt.number;
		nic_process(n, 0, pkt.frame, pkt.caplen, pkt.len, pkt.ts_ns);
	}
	r->frames[r->file] = pcap_in_count(in);
	pcap_in_close(in);
	nic_destroy(n);
	if (rc != 0 || r->frames[r->file] >= FE_FRAMES) {
		memset(r->fired + (size_t)r->file * FE_FRAMES, 0, FE_FRAMES);
		return;
	}
	snprintf(r->path[r->n_files++], sizeof r->path[0], "%s", path);
}

/* Whether tshark's fields say the frame's first transport header (the one
 * after its first IP header, extension headers aside) is TCP with FIN or
 * RST: what the NIC looks at (the outer headers, datapath.h). */
static bool fe_theirs(char *protos, const char *fin, const char *rst)
{
	char *tok, *save = NULL;
	bool after_ip = false;

	for (tok = strtok_r(protos, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!after_ip) {
			after_ip = !strcmp(tok, "ip") || !strcmp(tok, "ipv6");
			continue;
		}
		if (!strncmp(tok, "ipv6.", 5) || !strcmp(tok, "ah"))
			continue;
		if (strcmp(tok, "tcp"))
			return false;
		return !strcmp(fin, "1") || !strcmp(fin, "True") ||
		       !strcmp(rst, "1") || !strcmp(rst, "True");
	}
	return false;
}

static FILE *fe_tshark(const struct fe_run *r, const char *all)
{
	static char cmd[FE_FILES * 520];
	size_t n = (size_t)snprintf(cmd, sizeof cmd,
				    "mergecap -a -I none -F pcapng -w '%s'", all);

	for (unsigned i = 0; i < r->n_files; i++)
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, " '%s'", r->path[i]);
	cr_assert_eq(system(cmd), 0, "mergecap failed: %s", cmd);
	snprintf(cmd, sizeof cmd,
		 "tshark -n -r '%s' -o ip.defragment:FALSE -o ipv6.defragment:FALSE "
		 "-T fields -E occurrence=f -e frame.interface_id -e frame.protocols "
		 "-e tcp.flags.fin -e tcp.flags.reset 2>/dev/null", all);
	return popen(cmd, "r");
}

TU_SCRATCH_SUITE(datapath_peer);

/* The NIC raises FLOW_END for exactly the frames tshark dissects as TCP
 * with FIN or RST right after their first IP header, on every capture of
 * the shared corpus libpcap reads whole. */
Test(datapath_peer, flow_end_fires_where_tshark_sees_fin_or_rst)
{
	static struct fe_run r;
	static uint64_t seen[FE_FILES];
	char all[600], *line = NULL, diffs[4096];
	size_t line_cap = 0, nd = 0;
	unsigned events = 0, disagree = 0;
	FILE *p;

	NEED_CORPUS();
	if (system("command -v tshark >/dev/null && command -v mergecap >/dev/null") != 0)
		cr_assert_fail("tshark or mergecap not found on PATH: declared dependencies "
			"(DEB_PACKAGES in mk/deps.mk); run `make deps`");
	r.fired = calloc((size_t)FE_FILES * FE_FRAMES, 1);
	corpus_walk(corpus, fe_file, &r);
	snprintf(all, sizeof all, "%s/all.pcapng", dir);
	p = fe_tshark(&r, all);
	cr_assert_not_null(p, "cannot run tshark");
	diffs[0] = '\0';
	while (getline(&line, &line_cap, p) > 0) {
		char *ifc = strtok(line, "\t\n"), *protos = strtok(NULL, "\t\n");
		char *fin = strtok(NULL, "\t\n"), *rst = strtok(NULL, "\t\n");
		unsigned f = ifc ? (unsigned)strtoul(ifc, NULL, 10) : FE_FILES;
		uint64_t number;
		bool ours, theirs;

		cr_assert_lt(f, r.n_files, "tshark interface %s", ifc ? ifc : "?");
		number = ++seen[f];
		theirs = protos && fin && rst && fe_theirs(protos, fin, rst);
		ours = number < FE_FRAMES && r.fired[(size_t)f * FE_FRAMES + number];
		events += ours;
		if (ours != theirs && nd < sizeof diffs - 200) {
			disagree++;
			nd += (size_t)snprintf(diffs + nd, sizeof diffs - nd,
					       "%s frame %llu: NIC %d, tshark %d\n", r.path[f],
					       (unsigned long long)number, ours, theirs);
		}
	}
	pclose(p);
	for (unsigned f = 0; f < r.n_files; f++)
		cr_assert_eq(seen[f], r.frames[f], "%s: tshark read %llu frames, libpcap %llu",
			     r.path[f], (unsigned long long)seen[f],
			     (unsigned long long)r.frames[f]);
	free(line);
	free(r.fired);
	cr_log_info("%u files, %u flow-end events", r.n_files, events);
	cr_assert_gt(events, 0, "the corpus has TCP teardowns: none seen");
	cr_assert_eq(disagree, 0, "%u frames disagree:\n%s", disagree, diffs);
}

/* ---- hold, landed marker, release ------------------------------------------ */

static struct datapath_event hold_ev[MAX_OUT];
static unsigned hold_n_ev;

static void hold_event(void *ctx, const struct datapath_event *ev)
{
	(void)ctx;
	cr_assert_lt(hold_n_ev, MAX_OUT);
	hold_ev[hold_n_ev++] = *ev;
}

/* The datapath with a hold buffer of `frames` slots and the event log. */
static void hold_build(uint32_t frames)
{
	struct lookup_params lp = { .depth = 16,
				    .key_bits = key_profile_default()->key_bits,
				    .n_vpids = 16, .n_ppids = 4 };
	struct datapath_params dpp = {
		.profile = key_profile_default(), .out = record, .ctx = &fx,
		.event = hold_event, .hold_frames = frames, .hold_frame_bytes = 128,
	};
	struct pnic_error err;

	memset(&fx, 0, sizeof fx);
	hold_n_ev = 0;
	cr_assert_eq(lookup_create(&lp, &fx.lk, &err), 0, "%s", err.msg);
	map_set(1, 2);
	map_set(2, 3);
	dpp.lookup = fx.lk;
	cr_assert_eq(datapath_create(&dpp, &fx.dp, &err), 0, "%s", err.msg);
}

static void hold_default(void)
{
	hold_build(4);
}

TestSuite(datapath_hold, .init = hold_default, .fini = teardown);

/* A write as its owner makes it: into the table, then told to the
 * datapath as it lands. */
static void landed(uint8_t op, uint32_t index, uint16_t dport,
		   const struct pnic_action *a)
{
	struct lookup_write w = { .op = op, .index = index };

	if (op == LC_OP_TCAM_WRITE) {
		add_entry(index, dport, a);
		w.action = (struct action_word){ { 0, 0 } };
		action_pack(a, &w.action);
	} else {
		if (a)
			action_pack(a, &w.action);
		table_write(&w);
	}
	fx.n_out = 0;
	datapath_table_written(fx.dp, &w, 5000);
}

/* Packet `seq` of the flow to port 80: its sequence number in the
 * payload. */
static void flow_pkt(uint8_t seq)
{
	uint8_t f[64];
	unsigned n = udp_frame(f, 80);

	f[50] = seq;
	fx.n_out = 0;
	datapath_process(fx.dp, 0, f, n, n, 1000 + seq);
}

static void hold_balance(void)
{
	const struct datapath_stats *s = datapath_stats(fx.dp);

	cr_assert_eq(s->packets, s->egress + s->to_host + s->drops + s->held_now -
				 s->drop_reason[DP_DROP_MIRROR_UNMAPPED],
		     "every packet ends in exactly one place, or is held");
}

static const struct pnic_action hold_fwd1 = { .kind = ACT_FORWARD, .vpid = 1,
					      .hold = true };

Test(datapath_hold, a_hold_write_reports_its_marker)
{
	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	cr_assert_eq(hold_n_ev, 1);
	cr_assert_eq(hold_ev[0].type, DP_EV_LANDED);
	cr_assert_eq(hold_ev[0].entry, 3);
	cr_assert_eq(hold_ev[0].gen, datapath_entry_gen(fx.dp, 3));
	cr_assert_eq(hold_ev[0].ts_ns, 5000);
	cr_assert(datapath_holding(fx.dp, 3));
	cr_assert_eq(datapath_stats(fx.dp)->markers, 1);
	/* A plain write reports nothing. */
	landed(LC_OP_TCAM_WRITE, 4, 81, &(struct pnic_action){ .kind = ACT_FORWARD });
	cr_assert_eq(hold_n_ev, 1);
	cr_assert_not(datapath_holding(fx.dp, 4));
}

Test(datapath_hold, hits_wait_then_leave_in_arrival_order_on_release)
{
	struct pnic_action fin = { .kind = ACT_FORWARD, .vpid = 2 };

	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	for (uint8_t k = 1; k <= 3; k++) {
		flow_pkt(k);
		cr_assert_eq(fx.n_out, 1);
		cr_assert_eq(fx.out[0].o.kind, DP_OUT_HOLD, "packet %u waits", k);
		cr_assert_neq(fx.out[0].o.held, DP_NOT_HELD);
		cr_assert_eq(fx.out[0].o.entry, 3);
	}
	cr_assert_eq(datapath_held(fx.dp, 3), 3);
	cr_assert_eq(datapath_stats(fx.dp)->held_now, 3);
	cr_assert_eq(datapath_stats(fx.dp)->egress, 0);
	hold_balance();
	/* The release: an action write without hold, here to VPID 2. */
	landed(LC_OP_ACTION_WRITE, 3, 0, &fin);
	cr_assert_eq(fx.n_out, 3);
	for (unsigned k = 0; k < 3; k++) {
		cr_assert_eq(fx.out[k].o.kind, DP_OUT_EGRESS);
		cr_assert_eq(fx.out[k].o.ppid, 3, "the released word's VPID 2");
		cr_assert_eq(fx.out[k].frame[50], k + 1, "arrival order");
		cr_assert_neq(fx.out[k].o.held, DP_NOT_HELD);
		cr_assert_eq(fx.out[k].o.ts_ns, 5000, "they leave at the release");
	}
	cr_assert_eq(datapath_stats(fx.dp)->released, 3);
	cr_assert_eq(datapath_stats(fx.dp)->held_now, 0);
	cr_assert_not(datapath_holding(fx.dp, 3));
	flow_pkt(4);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS, "a later hit goes straight on");
	cr_assert_eq(fx.out[0].o.held, DP_NOT_HELD);
	hold_balance();
}

Test(datapath_hold, a_full_hold_buffer_drops_counted)
{
	teardown();
	hold_build(2);
	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	for (uint8_t k = 1; k <= 3; k++)
		flow_pkt(k);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_DROP);
	cr_assert_eq(fx.out[0].o.drop, DP_DROP_HOLD_FULL);
	cr_assert_eq(datapath_stats(fx.dp)->drop_reason[DP_DROP_HOLD_FULL], 1);
	cr_assert_eq(datapath_stats(fx.dp)->held, 2);
	cr_assert_str_eq(datapath_drop_reason_name(DP_DROP_HOLD_FULL), "hold_full");
	hold_balance();
	/* The slots come back with the release. */
	landed(LC_OP_ACTION_WRITE, 3, 0, &(struct pnic_action){ .kind = ACT_FORWARD, .vpid = 1 });
	cr_assert_eq(fx.n_out, 2);
	cr_assert_eq(fx.out[0].frame[50], 1);
	cr_assert_eq(fx.out[1].frame[50], 2);
	landed(LC_OP_ACTION_WRITE, 3, 0, &hold_fwd1);
	flow_pkt(4);
	flow_pkt(5);
	cr_assert_eq(datapath_stats(fx.dp)->held_now, 2);
	hold_balance();
}

Test(datapath_hold, an_invalidate_sends_the_held_packets_to_the_host)
{
	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	flow_pkt(1);
	flow_pkt(2);
	landed(LC_OP_TCAM_INVALIDATE, 3, 0, NULL);
	cr_assert_eq(fx.n_out, 2);
	for (unsigned k = 0; k < 2; k++) {
		cr_assert_eq(fx.out[k].o.kind, DP_OUT_TO_HOST);
		cr_assert_eq(fx.out[k].o.host, DP_HOST_HOLD_CANCELLED);
		cr_assert_eq(fx.out[k].frame[50], k + 1);
	}
	cr_assert_eq(datapath_stats(fx.dp)->hold_cancelled, 2);
	cr_assert_not(datapath_holding(fx.dp, 3));
	cr_assert_eq(hold_n_ev, 1, "an invalidate reports no marker");
	hold_balance();
}

Test(datapath_hold, an_entry_write_over_a_holding_entry_cancels_and_holds_anew)
{
	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	flow_pkt(1);
	landed(LC_OP_TCAM_WRITE, 3, 80, &hold_fwd1);
	cr_assert_eq(fx.n_out, 1);
	cr_assert_eq(fx.out[0].o.host, DP_HOST_HOLD_CANCELLED);
	cr_assert_eq(hold_n_ev, 2, "the new write has its own marker");
	cr_assert_gt(hold_ev[1].gen, hold_ev[0].gen);
	cr_assert(datapath_holding(fx.dp, 3));
	/* An action write that still holds keeps what waits. */
	flow_pkt(2);
	landed(LC_OP_ACTION_WRITE, 3, 0, &hold_fwd1);
	cr_assert_eq(fx.n_out, 0);
	cr_assert_eq(datapath_held(fx.dp, 3), 1);
	cr_assert_eq(hold_n_ev, 3);
	hold_balance();
}

Test(datapath_hold, a_hold_word_on_an_entry_not_holding_follows_its_action)
{
	/* Written to the table but not yet landed for the datapath: a
	 * packet looked up before the release landed, acted on after. */
	add_entry(3, 80, &hold_fwd1);
	flow_pkt(1);
	cr_assert_eq(fx.out[0].o.kind, DP_OUT_EGRESS);
	cr_assert_eq(fx.out[0].o.ppid, 2);
	cr_assert_eq(datapath_stats(fx.dp)->held, 0);
}

Test(datapath_hold, refuses_a_bad_hold_buffer)
{
	struct datapath_params dpp = {
		.profile = key_profile_default(), .lookup = fx.lk,
		.hold_frames = DP_HOLD_FRAMES_MAX + 1,
	};
	struct datapath *dp = NULL;
	struct pnic_error err;

	cr_assert_eq(datapath_create(&dpp, &dp, &err), -EINVAL);
	cr_assert(strstr(err.msg, "hold buffer"), "%s", err.msg);
	cr_assert_null(dp);
}
