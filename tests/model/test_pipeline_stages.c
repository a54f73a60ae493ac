/* Pipeline header path: each stage's latency and II as the parameters
 * say, the parser's beats from the parse depth, back-pressure into the
 * lookup core, a table write taking a lookup slot and racing a lookup
 * exactly as the lookup core's contract says, the bypass of packets that
 * are not looked up, and the round-robin arbiter. */
#include "model/lookup_core.h"
#include "tests/model/pipeline_fixture.h"

TestSuite(pipeline_stages, .init = pfx_setup, .fini = pfx_teardown);

/* One packet alone: every stage takes exactly its latency. */
Test(pipeline_stages, unloaded_latency_of_every_stage)
{
	const struct pipeline_record *r = &fx.rec[0];
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);
	uint64_t t0;

	fx.p.timing = (struct pipeline_timing){
		.mac_rx = 5, .parser_base = 4, .parser_bytes = 16,
		.key = { 2, 1 }, .action = { 3, 1 }, .editor = { 4, 1 },
		.mac_tx = 6,
	};
	pfx_make_7_to_1();
	t0 = pipeline_now(fx.pl) + 10;
	pfx_arrive(0, f, m, t0);
	pfx_drain();
	/* 100G at 1 GHz: 72 bytes of frame and preamble are 5.76 cycles */
	cr_assert_eq(r->arrival_first, t0);
	cr_assert_eq(r->arrival_last, t0 + 6);
	/* Ethernet + IPv4 + UDP = 42 bytes: 3 beats of 16 */
	cr_assert_eq(r->parse_done, r->arrival_last + 5 + 4 + 3);
	cr_assert_eq(r->lookup_issue, r->parse_done + 2);
	cr_assert_eq(r->lookup_response, r->lookup_issue + LOOKUP_CORE_LATENCY + 1);
	cr_assert_eq(r->enqueue, r->lookup_response + 3 + 4);
	cr_assert_eq(fx.tx[0].first_bit, r->enqueue + 6);
	cr_assert_eq(r->departure, r->enqueue + 6 + 6);
	cr_assert_eq(r->path, PL_PATH_HIT);
	cr_assert_eq(r->out_ppid, 1);
	cr_assert_eq(r->entry, 0);
}

/* The parser reads a header at parser_bytes a cycle: a deeper header is
 * more beats, in latency and in II. */
Test(pipeline_stages, parser_beats_follow_the_parse_depth)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 1 }, src[6] = { 2, 0, 0, 0, 0, 2 };
	uint8_t f[128], g[64];
	struct frame_buf b;
	uint32_t m = pfx_udp(g, 7, 60, 0), l3, l4;

	/* Ethernet, two VLAN tags, IPv4 with 40 bytes of options, UDP:
	 * 14 + 8 + 60 + 8 = 90 bytes, 6 beats of 16 */
	frame_init(&b, f, sizeof f);
	frame_eth(&b, dst, src, PROTO_ETH_P_8021AD);
	frame_vlan(&b, 5, PROTO_ETH_P_8021Q);
	frame_vlan(&b, 6, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&b, &(struct frame_ipv4){ .ttl = 64, .proto = PROTO_IP_UDP,
						   .opt_words = 10 });
	l4 = frame_udp(&b, 1, 7);
	frame_fill(&b, 0, 10);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
	fx.p.timing.parser_bytes = 16;
	pfx_make_7_to_1();
	pfx_arrive(0, f, b.n, 100);
	pfx_arrive(0, g, m, 1000);
	pfx_drain();
	cr_assert_eq(fx.rec[0].parse_done - fx.rec[0].arrival_last, 3 + 2 + 6);
	cr_assert_eq(fx.rec[1].parse_done - fx.rec[1].arrival_last, 3 + 2 + 3);
	cr_assert_eq(fx.rec[0].path, PL_PATH_HIT);
}

/* Back to back at 400G, a 3-beat header lets the parser take a packet
 * every 3 cycles: the II is the beats. */
/* Ports at 400G into a parser that reads 16 bytes a cycle: a minimum
 * Ethernet/IPv4/UDP header (42 bytes) is 3 beats. */
static void slow_parser(void)
{
	static uint32_t mbps[4] = { 400000, 400000, 400000, 400000 };

	fx.p.port_mbps = mbps;
	fx.p.timing.parser_bytes = 16;
	pfx_make_7_to_1();
}

Test(pipeline_stages, parser_ii_is_its_beats)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	slow_parser();
	for (uint32_t k = 0; k < 50; k++)
		pfx_arrive(0, f, m, 100);
	pfx_drain();
	for (uint32_t k = 10; k < 50; k++)
		cr_assert_eq(fx.rec[k].parse_done - fx.rec[k - 1].parse_done, 3,
			     "packet %u", k);
	cr_assert_eq(pfx_stats().departed, 50);
}

/* An action stage that takes a packet every 3 cycles holds the core's
 * response: the core stalls (and counts it), and responses are taken 3
 * cycles apart. */
Test(pipeline_stages, a_slow_action_stage_stalls_the_core)
{
	static uint32_t mbps[4] = { 400000, 400000, 400000, 400000 };
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	fx.p.port_mbps = mbps;
	fx.p.timing.action = (struct pipeline_stage){ 1, 3 };
	pfx_make_7_to_1();
	for (uint32_t k = 0; k < 100; k++)
		pfx_arrive(0, f, m, 100);
	pfx_drain();
	for (uint32_t k = 10; k < 100; k++)
		cr_assert_eq(fx.rec[k].lookup_response - fx.rec[k - 1].lookup_response, 3);
	st = pfx_stats();
	cr_assert_gt(st.core_stall_cycles, 100);
	cr_assert_eq(st.lookups, 100);
	cr_assert_eq(st.departed, 100);
}

/* ---- table writes against lookups ------------------------------------------ */

static uint64_t issue_edge;   /* the lookup's accept edge, run without writes */

/* Packet 0 on port 0 (UDP to 7) after the tables settle; with `w` given,
 * the write is submitted when the pipeline is at edge issue_edge - 1 + k,
 * so that the config port accepts it at issue_edge + k. */
static const struct pipeline_record *race(const struct nic_cmd *w, int k)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	pfx_setup();
	pfx_make_7_to_1();
	pipeline_run_until(fx.pl, 1000);
	pfx_arrive(0, f, m, 1000);
	if (w) {
		pipeline_run_until(fx.pl, issue_edge - 1 + (uint64_t)k);
		pfx_submit(w);
	}
	pfx_drain();
	cr_assert_eq(fx.have_rec[0], 1);
	return &fx.rec[0];
}

static void find_issue_edge(void)
{
	issue_edge = race(NULL, 0)->lookup_issue;
	pfx_teardown();
}

/* What the lookup saw, as the PPID it left by (UINT32_MAX: to the host). */
static uint32_t raced(const struct nic_cmd *w, int k, uint64_t *issue)
{
	const struct pipeline_record *r = race(w, k);
	uint32_t out = r->path == PL_PATH_HIT ? r->out_ppid : UINT32_MAX;

	*issue = r->lookup_issue;
	pfx_teardown();
	return out;
}

/* A write accepted at the edge the lookup would have been accepted takes
 * that slot: the lookup goes one edge later. */
Test(pipeline_stages, a_write_takes_the_lookup_slot)
{
	struct nic_cmd w = pfx_entry(5, 9, (struct pnic_action){ .kind = ACT_DROP });
	uint64_t issue;

	pfx_teardown();
	find_issue_edge();
	raced(&w, 0, &issue);
	cr_assert_eq(issue, issue_edge + 1);
	raced(&w, 1, &issue);
	cr_assert_eq(issue, issue_edge);
	pfx_setup();
}

/* docs/lookup_core_contract.md: a lookup accepted at edge E sees TCAM
 * writes accepted before E, action writes up to E+1, map writes up to
 * E+2.  The write is accepted at issue_edge + k; at k = 0 it takes the
 * slot and the lookup goes at E = issue_edge + 1, after it. */
Test(pipeline_stages, a_write_racing_a_lookup_is_seen_as_the_contract_says)
{
	/* Entry 0 rewritten to VPID 2 (PPID 2): match and action together. */
	struct nic_cmd tcam = pfx_entry(0, 7, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 2 });
	struct nic_cmd act = { .op = NIC_OP_ACTION_WRITE,
			       .action = { 0, pfx_act((struct pnic_action){
				       .kind = ACT_FORWARD, .vpid = 3 }) } };
	struct nic_cmd inval = { .op = NIC_OP_ENTRY_INVALIDATE, .index = 0 };
	struct nic_cmd map = { .op = NIC_OP_MAP_SET, .map = { 1, 3 } };
	uint64_t issue;

	pfx_teardown();
	find_issue_edge();
	/* ENTRY_INVALIDATE: the match stage samples at E+1 */
	cr_assert_eq(raced(&inval, 0, &issue), UINT32_MAX, "before the lookup: a miss");
	cr_assert_eq(raced(&inval, 1, &issue), 1, "after it: the old entry hit");
	/* MAP_SET VPID 1 -> PPID 3: the map stage samples at E+3 */
	cr_assert_eq(raced(&map, 0, &issue), 3);
	cr_assert_eq(raced(&map, 1, &issue), 3);
	cr_assert_eq(raced(&map, 2, &issue), 3);
	cr_assert_eq(raced(&map, 3, &issue), 1);
	/* ACTION_WRITE to VPID 3, unmapped: the action stage samples at E+2,
	 * and an unmapped VPID is dropped (policy drop) */
	cr_assert_eq(raced(&act, 0, &issue), UINT32_MAX);
	cr_assert_eq(raced(&act, 1, &issue), UINT32_MAX);
	cr_assert_eq(raced(&act, 2, &issue), 1);
	/* ENTRY_WRITE: the match at E+1 does not see a write at E+1, but the
	 * action read at E+2 does, so the old match pairs with the new word
	 * (VPID 2, unmapped here: dropped) */
	cr_assert_eq(raced(&tcam, 0, &issue), UINT32_MAX);
	cr_assert_eq(raced(&tcam, 1, &issue), UINT32_MAX);
	cr_assert_eq(raced(&tcam, 2, &issue), 1);
	pfx_setup();
}

/* ---- the bypass and the arbiter ------------------------------------------- */

/* A parse error under the drop or to_host policy is not looked up: it
 * rides beside the core, in order, and takes no lookup slot. */
Test(pipeline_stages, packets_not_looked_up_keep_their_order)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	fx.p.policy.parse_errors = DP_PERR_TO_HOST;
	pfx_make_7_to_1();
	for (uint32_t k = 0; k < 40; k++)
		pfx_arrive(0, f, k % 3 == 1 ? 30 : m, 100 + k * 7);
	pfx_drain();
	for (uint32_t k = 0; k < 40; k++) {
		const struct pipeline_record *r = &fx.rec[k];

		if (k % 3 == 1) {
			cr_assert_eq(r->path, PL_PATH_TO_HOST);
			cr_assert_eq(r->host, DP_HOST_PARSE_ERROR);
			cr_assert_eq(r->lookup_issue, PIPELINE_NEVER);
			cr_assert_eq(r->lookup_response, PIPELINE_NEVER);
		} else {
			cr_assert_eq(r->path, PL_PATH_HIT);
		}
		if (k)
			cr_assert_gt(r->enqueue, fx.rec[k - 1].enqueue, "in order");
	}
	cr_assert_eq(pfx_stats().lookups, 27);
}

/* Three ports land a frame at the same edges; the parser takes them in
 * turn, one a cycle. */
Test(pipeline_stages, the_arbiter_is_round_robin)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	pfx_make_7_to_1();
	for (uint32_t k = 0; k < 10; k++)
		for (uint32_t p = 0; p < 3; p++)
			pfx_arrive(p == 2 ? 3 : p, f, m, 100 + k * 7);
	pfx_drain();
	for (uint32_t k = 0; k < 10; k++) {
		uint64_t a = fx.rec[3 * k].parse_done, b = fx.rec[3 * k + 1].parse_done,
			 c = fx.rec[3 * k + 2].parse_done;

		cr_assert(b == a + 1 && c == b + 1, "round %u: %llu %llu %llu", k,
			  (unsigned long long)a, (unsigned long long)b,
			  (unsigned long long)c);
	}
}

/* Two ports with a backlog each (400G into a parser that takes a packet
 * every 3 cycles): the parser alternates, never the same port twice while
 * the other waits. */
Test(pipeline_stages, the_arbiter_alternates_between_backlogs)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	slow_parser();
	for (uint32_t k = 0; k < 20; k++) {
		pfx_arrive(0, f, m, 100);
		pfx_arrive(1, f, m, 100);
	}
	pfx_drain();
	/* ids alternate 0, 1 by port; the parser takes port 0's k-th and
	 * port 1's k-th one after the other */
	for (uint32_t k = 1; k < 20; k++) {
		cr_assert_eq(fx.rec[2 * k + 1].parse_done, fx.rec[2 * k].parse_done + 3,
			     "frame %u of port 1", k);
		cr_assert_eq(fx.rec[2 * k].parse_done, fx.rec[2 * k - 1].parse_done + 3,
			     "frame %u of port 0", k);
	}
}
