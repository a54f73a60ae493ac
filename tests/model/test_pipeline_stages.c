/* Pipeline header path: each stage's latency and II as the parameters
 * say, the parser's beats from the parse depth, back-pressure into the
 * lookup core, a table write taking a lookup slot and racing a lookup
 * exactly as the lookup core's contract says, the bypass of packets that
 * are not looked up, and the round-robin arbiter. */
#include <stdio.h>

#include "model/lookup_core.h"
#include "model/pipeline-private.h"
#include "tests/model/pipeline_fixture.h"
#include "tools/splitmix.h"

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

/* ---- the core's fast path against the stepped core ------------------------- */

/* A pipeline's every output, folded into words in the order it came. */
struct dlog {
	uint64_t *w;
	size_t n, cap;
};

static void dlog_put(struct dlog *l, uint64_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1 << 16;
		l->w = realloc(l->w, l->cap * sizeof *l->w);
		cr_assert(l->w);
	}
	l->w[l->n++] = v;
}

static void dlog_record(void *ctx, const struct pipeline_record *r)
{
	const uint64_t v[] = { 1, r->id, r->in_port, r->len, r->arrival_first,
			       r->arrival_last, r->parse_done, r->lookup_issue,
			       r->lookup_response, r->enqueue, r->departure, r->path,
			       r->drop, r->host, r->out_ppid, (uint64_t)r->entry };

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		dlog_put(ctx, v[i]);
}

static void dlog_egress(void *ctx, const struct pipeline_egress *e)
{
	const uint64_t v[] = { 2, e->id, e->kind, e->ppid, e->caplen, e->len,
			       e->first_bit, e->last_bit, pfx_sum(e->frame, e->caplen) };

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		dlog_put(ctx, v[i]);
}

static uint64_t rnd_state;

static uint64_t rnd(uint64_t n)
{
	return splitmix64(&rnd_state) % n;
}

/* Timing that stalls the core now and then: slow action and editor
 * stages, 400G ports, small egress queues. */
static void diff_params(struct pipeline_params *p, uint64_t seed)
{
	static uint32_t mbps[4] = { 400000, 100000, 400000, 25000 };

	rnd_state = seed;
	pipeline_params_default(p);
	p->profile = key_profile_ipv4_5tuple();
	p->depth = 64;
	p->n_vpids = 16;
	p->port_mbps = mbps;
	p->policy.parse_errors = (enum datapath_parse_error_policy)rnd(3);
	p->timing.parser_bytes = 16 + 16 * (uint32_t)rnd(4);
	p->timing.key = (struct pipeline_stage){ 1 + (uint32_t)rnd(2), 1 + (uint32_t)rnd(2) };
	p->timing.action = (struct pipeline_stage){ 1 + (uint32_t)rnd(3), 1 + (uint32_t)rnd(3) };
	p->timing.editor = (struct pipeline_stage){ 1 + (uint32_t)rnd(4), 1 + (uint32_t)rnd(2) };
	p->bounds.egress_frames = 4 + (uint32_t)rnd(60);
	p->bounds.to_host_frames = 8;
	p->bounds.cfg_commands = 1 + (uint32_t)rnd(4);
}

/* One random table command: an entry (UDP destination port 7..10) to a
 * VPID, an entry invalidated, an action word rewritten, a VPID mapped. */
static struct nic_cmd diff_cmd(void)
{
	struct pnic_action a = { .kind = rnd(8) ? ACT_FORWARD : ACT_TO_HOST,
				 .vpid = (uint16_t)rnd(4) };
	uint32_t index = (uint32_t)rnd(8);

	switch (rnd(4)) {
	case 0:
		return pfx_entry(index, (uint16_t)(7 + rnd(4)), a);
	case 1:
		return (struct nic_cmd){ .op = NIC_OP_ENTRY_INVALIDATE, .index = index };
	case 2:
		return (struct nic_cmd){ .op = NIC_OP_ACTION_WRITE,
					 .action = { index, pfx_act(a) } };
	default:
		return (struct nic_cmd){ .op = NIC_OP_MAP_SET,
					 .map = { (uint32_t)rnd(4), (uint32_t)rnd(4) } };
	}
}

static void diff_apply(struct pipeline *pl, const struct nic_cmd *c)
{
	struct pnic_error err;
	int rc;

	while ((rc = pipeline_apply(pl, c, NULL, &err)) == -EBUSY)
		pipeline_run_until(pl, pipeline_next_event(pl));
	cr_assert_eq(rc, 0, "%s", err.msg);
}

static void diff_arrive(struct pipeline *pl, uint32_t port, const uint8_t *f,
			uint32_t n, uint64_t at)
{
	struct pnic_error err;
	int rc;

	while ((rc = pipeline_arrive(pl, port, f, n, n, at, &err)) == -ENOBUFS)
		pipeline_run_until(pl, pipeline_next_event(pl));
	cr_assert_eq(rc, 0, "%s", err.msg);
}

static void diff_same_stats(struct pipeline *const pl[2])
{
	struct pipeline_stats a, b;

	pipeline_stats(pl[0], &a);
	pipeline_stats(pl[1], &b);
	cr_assert_eq(a.arrivals, b.arrivals);
	cr_assert_eq(a.departed, b.departed);
	cr_assert_eq(a.to_host, b.to_host);
	for (unsigned r = 0; r < PL_DROP_COUNT; r++)
		cr_assert_eq(a.dropped[r], b.dropped[r], "drop %s", pipeline_drop_name(r));
	cr_assert_eq(a.lookups, b.lookups);
	cr_assert_eq(a.cfg_writes, b.cfg_writes);
	cr_assert_eq(a.core_steps, b.core_steps);
	cr_assert_eq(a.core_stall_cycles, b.core_stall_cycles);
	cr_assert_eq(a.cycles, b.cycles);
	cr_assert_eq(a.ticks, b.ticks);
	cr_assert_eq(a.cfg_fifo.max_frames, b.cfg_fifo.max_frames);
	cr_assert_eq(a.cfg_fifo.mean_frames, b.cfg_fifo.mean_frames);
	cr_assert_eq(a.to_host_queue.mean_bytes, b.to_host_queue.mean_bytes);
}

/* One step of the stimulus, the same on both: a frame (a burst, a gap, a
 * parse error now and then), a table command, a run on, or a pop of the
 * to-host queue. */
static void diff_step(struct pipeline *const pl[2], uint64_t *t)
{
	uint64_t r = rnd(100), at;
	struct pipeline_upcall u;
	uint8_t f[64];
	struct nic_cmd c;
	uint32_t n;

	if (r < 60) {
		uint32_t port = (uint32_t)rnd(4);

		*t += rnd(10) ? rnd(12) : rnd(400);
		*t = *t > pipeline_now(pl[0]) ? *t : pipeline_now(pl[0]);
		n = rnd(12) ? pfx_udp(f, (uint16_t)(7 + rnd(5)), 60, (uint32_t)*t) : 20;
		for (int i = 0; i < 2; i++)
			diff_arrive(pl[i], port, f, n, *t);
	} else if (r < 75) {
		c = diff_cmd();
		for (int i = 0; i < 2; i++)
			diff_apply(pl[i], &c);
	} else if (r < 95) {
		at = pipeline_now(pl[0]) + rnd(30);
		for (int i = 0; i < 2; i++)
			pipeline_run_until(pl[i], at);
	} else {
		for (int i = 0; i < 2; i++)
			while (pipeline_to_host_pop(pl[i], &u) == 0)
				;
	}
	cr_assert_eq(pipeline_now(pl[0]), pipeline_now(pl[1]));
	cr_assert_eq(pipeline_next_event(pl[0]), pipeline_next_event(pl[1]));
	diff_same_stats(pl);
}

/* One random run on both: every record, every frame out and every count
 * the same.  Returns how often the fast path handed over to the core. */
static uint64_t diff_run(uint64_t seed, struct dlog log[2])
{
	struct pipeline *pl[2];
	struct pipeline_params p;
	struct pnic_error err;
	uint64_t t = 0, replays;

	for (int i = 0; i < 2; i++) {
		diff_params(&p, seed);
		p.stepped_core = i == 1;
		p.record = dlog_record;
		p.egress = dlog_egress;
		p.ctx = &log[i];
		log[i].n = 0;
		cr_assert_eq(pipeline_create(&p, &pl[i], &err), 0, "%s", err.msg);
		for (uint32_t v = 0; v < 4; v++)
			diff_apply(pl[i], &(struct nic_cmd){ .op = NIC_OP_MAP_SET,
							     .map = { v, v } });
	}
	for (int k = 0; k < 4000; k++)
		diff_step(pl, &t);
	for (int i = 0; i < 2; i++) {
		pipeline_run_until(pl[i], PIPELINE_NEVER);
		cr_assert_eq(pipeline_check_conservation(pl[i], &err), 0, "%s", err.msg);
	}
	cr_assert_eq(log[0].n, log[1].n, "seed %llu", (unsigned long long)seed);
	for (size_t j = 0; j < log[0].n; j++)
		cr_assert_eq(log[0].w[j], log[1].w[j], "seed %llu, word %zu",
			     (unsigned long long)seed, j);
	diff_same_stats(pl);
	cr_assert_eq(pl[1]->fast_lookups, 0, "the stepped core takes no fast path");
	cr_assert_eq(pl[1]->visits, pl[1]->ticks, "the reference visits every edge it acts at");
	cr_assert_lt(pl[0]->visits, pl[0]->ticks, "moves decided ahead save visits");
	replays = pl[0]->fast_replays;
	cr_assert_gt(pl[0]->fast_lookups, 0);
	pipeline_destroy(pl[0]);
	pipeline_destroy(pl[1]);
	return replays;
}

/* The fast path and the moves decided ahead give what stepping the core
 * and moving every stage at its own edge give, under writes, stalls,
 * bursts, gaps, bypasses and runs cut anywhere: random runs, each on both
 * (stepped_core is the reference scheduler).  A hang is a failure too. */
Test(pipeline_stages, the_fast_path_is_the_stepped_core, .timeout = 60)
{
	struct dlog log[2] = { { 0 }, { 0 } };
	uint64_t replays = 0;

	for (uint64_t seed = 1; seed <= 40; seed++)
		replays += diff_run(seed, log);
	cr_assert_gt(replays, 100, "writes and stalls met lookups in flight");
	free(log[0].w);
	free(log[1].w);
}
