/* The pipeline's events without a packet: flow end from the action stage,
 * aging sweeps as edges of their own, delete mode's invalidates through
 * the config port, all in the to-host queue in the order they happened. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/pipeline.h"
#include "tests/model/pipeline_fixture.h"

TestSuite(pipeline_events, .init = pfx_setup, .fini = pfx_teardown);

/* Ethernet / IPv4 / TCP to dport with flags, 64 bytes. */
static uint32_t tcp_frame(uint8_t *f, uint16_t dport, uint8_t flags)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	const struct frame_ipv4 ip = {
		.ttl = 64, .proto = PROTO_IP_TCP,
		.src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 },
	};
	const struct frame_tcp tcp = { .sport = 4000, .dport = dport,
				       .flags = flags, .window = 1000 };
	struct frame_buf b;
	uint32_t l3;

	frame_init(&b, f, 64);
	frame_eth(&b, mac, mac, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&b, &ip);
	frame_tcp(&b, &tcp);
	frame_fill(&b, 0, 64 - b.n);
	frame_ipv4_end(&b, l3, true);
	return b.n;
}

static void entry(uint32_t index, uint16_t dport, uint8_t age_class,
		  bool notify_end)
{
	struct nic_cmd c = pfx_entry(index, dport, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .age_class = age_class,
		.notify_end = notify_end });

	pfx_submit(&c);
}

static void aging(uint8_t mode, uint64_t timeout_ns, uint64_t sweep_ns)
{
	struct nic_cmd c = { .op = NIC_OP_CONFIG };

	c.config.age = (struct flow_age_config){
		.mode = mode, .timeout_ns = { 0, timeout_ns, 2 * timeout_ns, 3 * timeout_ns },
		.sweep_ns = sweep_ns };
	pfx_submit(&c);
}

static uint64_t ticks_now(void)
{
	struct pipeline_stats st;

	pipeline_stats(fx.pl, &st);
	return st.ticks;
}

static void run_all(void)
{
	pipeline_run_until(fx.pl, PIPELINE_NEVER);
}

Test(pipeline_events, a_fin_on_a_notify_entry_goes_up_and_the_packet_on)
{
	struct pipeline_upcall u;
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t n = tcp_frame(f, 80, PROTO_TCP_FIN | PROTO_TCP_ACK);

	pfx_make();
	pfx_map(1, 1);
	entry(3, 80, 0, true);
	pfx_arrive(0, f, n, 100);
	n = tcp_frame(f, 80, PROTO_TCP_ACK);
	pfx_arrive(0, f, n, 200);
	run_all();
	cr_assert_eq(fx.tx[0].n, 1, "the FIN is forwarded");
	cr_assert_eq(fx.tx[1].n, 1);
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_FLOW_END);
	cr_assert_eq(u.entry, 3);
	cr_assert_eq(u.in_port, 0);
	cr_assert_eq(u.tcp_flags, PROTO_TCP_FIN | PROTO_TCP_ACK);
	cr_assert_eq(u.enqueued, fx.rec[0].lookup_response,
		     "raised when the action stage decides the packet");
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), -EAGAIN, "one event only");
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.events[PL_UP_FLOW_END], 1);
	cr_assert_eq(st.events_popped, 1);
	cr_assert_eq(st.to_host, 0);
}

Test(pipeline_events, an_idle_entry_is_found_at_the_sweep_edge)
{
	struct pipeline_upcall u;
	uint8_t f[64];
	uint32_t n = tcp_frame(f, 80, PROTO_TCP_ACK);
	uint64_t ticks;

	pfx_make();          /* 1 GHz: an edge is a ns */
	pfx_map(1, 1);
	aging(FLOW_AGE_NOTIFY, 1000000, 1000);
	entry(3, 80, 1, false);
	pfx_arrive(0, f, n, 5000);
	run_all();
	/* last hit at the frame's first bit, 5000 ns: due at 1005000 */
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_AGED);
	cr_assert_eq(u.entry, 3);
	cr_assert_eq(u.last_hit_ns, 5000);
	cr_assert_eq(u.enqueued, 1005000);
	cr_assert_eq(fx.tx[0].n, 1, "notify: the entry stays");
	/* a second of idle time with aging on costs a handful of edges */
	ticks = ticks_now();
	pipeline_run_until(fx.pl, 1000000000);
	cr_assert_leq(ticks_now() - ticks, 2);
}

Test(pipeline_events, delete_mode_invalidates_through_the_config_port)
{
	struct pipeline_upcall u;
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t n = tcp_frame(f, 80, PROTO_TCP_ACK);

	pfx_make();
	pfx_map(1, 1);
	aging(FLOW_AGE_DELETE, 10000, 100);
	entry(3, 80, 1, false);
	pfx_arrive(0, f, n, 1000);
	pfx_arrive(0, f, n, 50000);
	run_all();
	cr_assert_eq(fx.tx[0].n, 1);
	cr_assert_eq(fx.rec[1].path, PL_PATH_MISS, "entry 3 was deleted at 11000");
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_AGED);
	cr_assert_eq(u.enqueued, 11000);
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_PACKET, "then the miss, in order");
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.aged_deletes, 1);
	cr_assert_eq(st.aged_cancelled, 0);
	cr_assert_eq(st.cfg_writes, 3, "map, entry, the aging invalidate");
}

Test(pipeline_events, a_full_to_host_queue_drops_events_counted)
{
	struct pipeline_upcall u;
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t n = tcp_frame(f, 80, PROTO_TCP_RST);

	fx.p.bounds.to_host_frames = 2;
	pfx_make();
	pfx_map(1, 1);
	entry(3, 80, 0, true);
	for (unsigned i = 0; i < 5; i++)
		pfx_arrive(0, f, n, 100 + 100 * i);
	run_all();
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.events[PL_UP_FLOW_END], 5);
	cr_assert_eq(st.event_drops[PL_UP_FLOW_END], 3);
	cr_assert_eq(st.departed, 5, "packets are not held for their events");
	/* the next event in tells of the three lost before it */
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
		cr_assert_eq(u.lost_before, 0);
	}
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), -EAGAIN);
	pfx_arrive(0, f, n, 2000);
	run_all();
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_FLOW_END);
	cr_assert_eq(u.lost_before, 3);
}

/* Misses fill the to-host queue only to half its frames: the flow end
 * of a RST that hits still gets in behind them. */
Test(pipeline_events, misses_leave_the_last_eighth_of_the_queue_to_events)
{
	struct pipeline_stats st;
	uint8_t f[64], rst[64];
	uint32_t n = tcp_frame(f, 81, PROTO_TCP_ACK);
	uint32_t nr = tcp_frame(rst, 80, PROTO_TCP_RST);

	fx.p.bounds.to_host_frames = 16;
	pfx_make();
	pfx_map(1, 1);
	entry(3, 80, 0, true);
	for (unsigned i = 0; i < 20; i++)
		pfx_arrive(0, f, n, 100 + 100 * i);
	pfx_arrive(0, rst, nr, 3000);
	run_all();
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.to_host_queue.max_frames, 9, "8 misses and the event");
	cr_assert_eq(st.dropped[PL_DROP_TO_HOST_FULL], 12);
	cr_assert_eq(st.events[PL_UP_FLOW_END], 1);
	cr_assert_eq(st.event_drops[PL_UP_FLOW_END], 0);
}

/* Back-to-back hits while the aging engine's invalidates land: the
 * lookup core's fast path hands over to the stepped core exactly as a
 * host write makes it, so both give the same records. */
static void aging_under_traffic(bool stepped, struct pipeline_record *out,
				unsigned n_pkts)
{
	uint8_t f[64];
	uint32_t n = tcp_frame(f, 80, PROTO_TCP_ACK);

	pfx_setup();
	fx.p.stepped_core = stepped;
	pfx_make();
	pfx_map(1, 1);
	aging(FLOW_AGE_DELETE, 2000, 10);
	for (uint32_t i = 0; i < 8; i++)
		entry(i, (uint16_t)(80 + i), 1, false);
	/* entry 0 is hit until 3000; the others age at 2000 and go while
	 * entry 0's lookups are in flight every 7 edges */
	for (unsigned i = 0; i < n_pkts; i++)
		pfx_arrive(0, f, n, 100 + 7 * i);
	run_all();
	pfx_conserved();
	memcpy(out, fx.rec, n_pkts * sizeof *out);
	pfx_teardown();
}

Test(pipeline_events, aging_deletes_under_traffic_same_on_the_fast_path)
{
	enum { N = 420 };
	static struct pipeline_record a[N], b[N];

	aging_under_traffic(false, a, N);
	aging_under_traffic(true, b, N);
	for (unsigned i = 0; i < N; i++)
		cr_assert(!memcmp(&a[i], &b[i], sizeof a[i]),
			  "packet %u: issue %llu/%llu response %llu/%llu path %d/%d", i,
			  (unsigned long long)a[i].lookup_issue,
			  (unsigned long long)b[i].lookup_issue,
			  (unsigned long long)a[i].lookup_response,
			  (unsigned long long)b[i].lookup_response, a[i].path, b[i].path);
	cr_assert_eq(a[N - 1].path, PL_PATH_HIT);
}

/* ---- hold, landed marker, release ------------------------------------------ */

static void udp_at(uint16_t dport, uint32_t mark, uint64_t t)
{
	uint8_t f[64];
	uint32_t n = pfx_udp(f, dport, 64, mark);

	pfx_feed(0, f, n, n, t);
}

static void hold_entry(uint32_t index, uint16_t dport)
{
	struct nic_cmd c = pfx_entry(index, dport, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = 1, .hold = true });

	pfx_submit(&c);
}

static void release(uint32_t index, uint32_t vpid)
{
	pfx_submit(&(struct nic_cmd){ .op = NIC_OP_ACTION_WRITE, .action = {
		.index = index,
		.action = pfx_act((struct pnic_action){ .kind = ACT_FORWARD,
							.vpid = (uint16_t)vpid }) } });
}

/* Two misses wait for the host; the entry lands with hold; three hits
 * wait in the hold buffer (in flight); the to-host queue gives the
 * misses, then the marker; the release sends the held packets in
 * arrival order, before the hit after it. */
Test(pipeline_events, the_marker_follows_the_misses_and_the_release_keeps_order)
{
	struct pipeline_upcall u;
	struct pipeline_stats st;

	pfx_make();
	pfx_map(1, 1);
	pfx_map(2, 2);
	udp_at(80, 0, 10);
	udp_at(80, 1, 20);
	pfx_drain();
	hold_entry(0, 80);
	pfx_drain();
	for (uint32_t k = 2; k < 5; k++)
		udp_at(80, k, pipeline_now(fx.pl) + 10);
	pfx_drain();
	st = pfx_stats();
	cr_assert_eq(st.held_now, 3);
	cr_assert_eq(st.in_flight, 3, "held packets are in flight");
	cr_assert_eq(fx.n_tx, 0);
	for (uint64_t id = 2; id < 5; id++)
		cr_assert_eq(fx.have_rec[id], 0, "packet %llu not final", (unsigned long long)id);
	pfx_conserved();
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert(u.type == PL_UP_PACKET && u.id == 0);
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert(u.type == PL_UP_PACKET && u.id == 1);
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_LANDED, "the marker comes behind the misses");
	cr_assert_eq(u.entry, 0);
	cr_assert_eq(u.gen, datapath_entry_gen(pipeline_datapath(fx.pl), 0));
	release(0, 2);
	udp_at(80, 5, pipeline_now(fx.pl) + 2);
	pfx_drain();
	for (uint64_t id = 2; id < 6; id++) {
		cr_assert_eq(fx.have_rec[id], 1);
		cr_assert_eq(fx.rec[id].path, PL_PATH_HIT, "packet %llu", (unsigned long long)id);
		cr_assert_eq(fx.rec[id].out_ppid, 2, "the release's VPID 2");
		cr_assert_eq(fx.rec[id].entry, 0);
		if (id > 2)
			cr_assert_gt(fx.tx[id].last_bit, fx.tx[id - 1].last_bit,
				     "packet %llu leaves after %llu",
				     (unsigned long long)id, (unsigned long long)id - 1);
	}
	cr_assert_eq(fx.rec[2].enqueue, fx.rec[4].enqueue, "released at one edge");
	st = pfx_stats();
	cr_assert_eq(st.held_now, 0);
	cr_assert_eq(st.in_flight, 0);
}

Test(pipeline_events, an_invalidate_while_holding_sends_the_held_to_the_host)
{
	struct pipeline_upcall u;

	pfx_make();
	pfx_map(1, 1);
	hold_entry(3, 80);
	pfx_drain();
	cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
	cr_assert_eq(u.type, PL_UP_LANDED);
	udp_at(80, 0, pipeline_now(fx.pl) + 10);
	udp_at(80, 1, pipeline_now(fx.pl) + 20);
	pfx_drain();
	pfx_submit(&(struct nic_cmd){ .op = NIC_OP_ENTRY_INVALIDATE, .index = 3 });
	pfx_drain();
	for (uint64_t id = 0; id < 2; id++) {
		cr_assert_eq(fx.rec[id].path, PL_PATH_TO_HOST);
		cr_assert_eq(fx.rec[id].host, DP_HOST_HOLD_CANCELLED);
		cr_assert_eq(pipeline_to_host_pop(fx.pl, &u), 0);
		cr_assert_eq(u.type, PL_UP_PACKET);
		cr_assert_eq(u.id, id, "in arrival order");
		cr_assert_eq(u.reason, DP_HOST_HOLD_CANCELLED);
		cr_assert_eq(u.entry, 3);
		cr_assert_gt(u.key_bits, 0, "with the key it was looked up with");
	}
	cr_assert_eq(pfx_stats().in_flight, 0);
}

/* A run that ends holding reports the packets in flight, and the books
 * balance (pfx_teardown checks); a full buffer's drop has its reason. */
Test(pipeline_events, a_run_ending_with_packets_held_reports_them)
{
	struct pipeline_stats st;

	fx.p.bounds.hold_frames = 2;
	pfx_make();
	pfx_map(1, 1);
	hold_entry(0, 80);
	pfx_drain();
	for (uint32_t k = 0; k < 3; k++)
		udp_at(80, k, pipeline_now(fx.pl) + 10);
	pfx_drain();
	st = pfx_stats();
	cr_assert_eq(st.held_now, 2);
	cr_assert_eq(st.in_flight, 2);
	cr_assert_eq(st.dropped[PL_DROP_HOLD_FULL], 1);
	cr_assert_eq(fx.rec[2].drop, PL_DROP_HOLD_FULL);
	cr_assert_str_eq(pipeline_drop_name(PL_DROP_HOLD_FULL), "hold_full");
}

/* A release that lands while the held packet's slot is still in the
 * editor: counted once in flight, then gone. */
Test(pipeline_events, a_release_right_behind_the_hold_counts_once)
{
	pfx_make();
	pfx_map(1, 1);
	hold_entry(0, 80);
	pfx_drain();
	udp_at(80, 0, pipeline_now(fx.pl) + 1);
	for (uint64_t e = pipeline_now(fx.pl); pfx_stats().dropped[0] == 0 &&
	     !datapath_stats(pipeline_datapath(fx.pl))->held; e++)
		pipeline_run_until(fx.pl, e);
	release(0, 1);
	pfx_conserved();
	pfx_drain();
	cr_assert_eq(fx.rec[0].path, PL_PATH_HIT);
	cr_assert_eq(pfx_stats().in_flight, 0);
}

/* Twelve entries idle at one sweep, a to-host queue of 8: the engine
 * reports while the queue holds less than a quarter (2), stops, and goes
 * on where it stopped as each pop frees room, long before the next
 * sweep.  Each entry is tried once, in index order (unpaced, the sweep
 * tried all twelve against the queue and found the four refused again
 * at the next sweep, and again while the queue stayed full). */
Test(pipeline_events, a_sweep_reports_only_what_the_queue_has_room_for)
{
	struct pipeline_upcall u;
	struct pipeline_stats st;
	const uint64_t sweep = 1000000, before_next = sweep + sweep / 2;
	uint32_t got = 0;

	fx.p.bounds.to_host_frames = 8;
	pfx_make();
	pfx_map(1, 1);
	aging(FLOW_AGE_NOTIFY, 1000, sweep);
	for (uint32_t i = 0; i < 12; i++)
		entry(i, (uint16_t)(80 + i), 1, false);
	pipeline_run_until(fx.pl, sweep + 10);
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.events[PL_UP_AGED], 2, "a quarter of the queue, no more tried");
	cr_assert_eq(st.aged_paused, 1);
	while (pipeline_to_host_pop(fx.pl, &u) == 0) {
		cr_assert_eq(u.type, PL_UP_AGED);
		cr_assert_eq(u.entry, (int32_t)got, "where it stopped");
		cr_assert_lt(u.enqueued, before_next, "resumed at the pop");
		got++;
		pipeline_run_until(fx.pl, pipeline_now(fx.pl) + 10);
	}
	cr_assert_eq(got, 12);
	pipeline_stats(fx.pl, &st);
	cr_assert_eq(st.events[PL_UP_AGED], 12, "each entry tried once");
	cr_assert_eq(st.event_drops[PL_UP_AGED], 0);
	cr_assert_eq(st.aged_paused, 10, "stopped for room at each report but the last");
}
