/* Pipeline ports: serialisation arithmetic in and out at every speed,
 * line rate with no drop, an oversubscribed egress, the ingress buffer,
 * oversize frames, refused arrivals, and idle time that costs nothing. */
#include "tests/model/pipeline_fixture.h"

TestSuite(pipeline_mac, .init = pfx_setup, .fini = pfx_teardown);

/* 60 bytes captured (64 with the FCS) and 1514 (1518): the wire adds FCS,
 * preamble and gap, 24 bytes. */
#define WIRE(len) ((len) + 24u)

static uint32_t mbps4[4];

/* Port 0 at in_mbps, port 1 at out_mbps, everything forwarded 0 -> 1,
 * queues deep enough for the test. */
static void one_way(uint64_t hz, uint32_t in_mbps, uint32_t out_mbps)
{
	mbps4[0] = in_mbps;
	mbps4[1] = out_mbps;
	mbps4[2] = mbps4[3] = 100000;
	fx.p.port_mbps = mbps4;
	fx.p.clock_hz = hz;
	fx.p.bounds.egress_bytes = 8 << 20;
	fx.p.bounds.egress_frames = 1 << 14;
	fx.p.bounds.ingress_bytes = 1 << 20;
	fx.p.bounds.ingress_frames = 1 << 14;
	pfx_make_7_to_1();
}

/* n frames of len bytes given back to back on port 0 from edge 0. */
static void back_to_back(uint32_t n, uint32_t len, uint64_t hz, uint32_t mbps)
{
	uint8_t f[1600];
	uint32_t m;

	for (uint32_t k = 0; k < n; k++) {
		m = pfx_udp(f, 7, len, k);
		pfx_feed(0, f, m, m, pfx_line_edge(k, WIRE(len), hz, mbps));
	}
	pfx_drain();
}

static void check_in(uint32_t n, uint32_t len, uint64_t hz, uint32_t mbps)
{
	for (uint64_t k = 0; k < n; k++) {
		const struct pipeline_record *r = &fx.rec[k];
		uint64_t start = k * WIRE(len) * 8;

		cr_assert_eq(fx.have_rec[k], 1, "one record for %llu", (unsigned long long)k);
		cr_assert_eq(r->arrival_first, pfx_line_ceil(start, hz, mbps),
			     "%u Mb/s, %u bytes, frame %llu", mbps, len, (unsigned long long)k);
		cr_assert_eq(r->arrival_last,
			     pfx_line_ceil(start + (WIRE(len) - 12) * 8, hz, mbps),
			     "%u Mb/s, %u bytes, frame %llu", mbps, len, (unsigned long long)k);
		cr_assert_eq(r->path, PL_PATH_HIT);
	}
}

static void serialise_in(uint64_t hz, uint32_t mbps, uint32_t len)
{
	pfx_setup();
	one_way(hz, mbps, PIPELINE_MAX_MBPS);
	back_to_back(3000, len, hz, mbps);
	check_in(3000, len, hz, mbps);
	cr_assert_eq(pfx_stats().departed, 3000);
	pfx_teardown();
}

/* Frame k's first bit is k wire slots in, its last bit a gap before the
 * next: exact at 25G, 100G and 400G, 64 and 1518 bytes, at a clock with a
 * whole number of cycles per bit and at one without. */
Test(pipeline_mac, serialisation_in_per_speed)
{
	static const uint32_t speeds[] = { 25000, 100000, 400000 };
	static const uint64_t clocks[] = { 1000000000, 322265625 };

	pfx_teardown();
	for (unsigned c = 0; c < 2; c++)
		for (unsigned s = 0; s < 3; s++) {
			serialise_in(clocks[c], speeds[s], 60);
			serialise_in(clocks[c], speeds[s], 1514);
		}
	pfx_setup();
}

/* A backlogged egress sends back to back: frame k's last bit is k slots
 * after the first frame's start, plus its own length, exactly. */
static void serialise_out(uint64_t hz, uint32_t mbps, uint32_t len)
{
	uint32_t n = 2000;
	uint64_t s0;

	pfx_setup();
	one_way(hz, PIPELINE_MAX_MBPS, mbps);
	back_to_back(n, len, hz, PIPELINE_MAX_MBPS);
	s0 = fx.tx[0].first_bit;
	for (uint64_t k = 0; k < n; k++) {
		__extension__ unsigned __int128 edge =
			(unsigned __int128)s0 * mbps * 1000000 +
			(unsigned __int128)(k * WIRE(len) + WIRE(len) - 12) * 8 * hz;
		uint64_t d = (uint64_t)mbps * 1000000;

		cr_assert_eq(fx.tx[k].n, 1);
		cr_assert_eq(fx.tx[k].last_bit, (uint64_t)((edge + d - 1) / d),
			     "%u Mb/s, %u bytes, frame %llu", mbps, len,
			     (unsigned long long)k);
		cr_assert_eq(fx.rec[k].departure, fx.tx[k].last_bit);
	}
	pfx_teardown();
}

Test(pipeline_mac, serialisation_out_per_speed)
{
	static const uint32_t speeds[] = { 25000, 100000, 400000 };

	pfx_teardown();
	for (unsigned s = 0; s < 3; s++) {
		serialise_out(1000000000, speeds[s], 60);
		serialise_out(322265625, speeds[s], 1514);
	}
	pfx_setup();
}

/* 64-byte frames at 100G line rate, all hits, at clocks where one lookup a
 * cycle suffices (148.8 Mpps needs 148.8 MHz): nothing dropped, everything
 * out, and no packet ever waits: each one's last bit to its lookup takes
 * the unloaded cycles (MAC 3 + parser 2 + 1 beat + key build 1). */
static void line_rate(uint64_t hz, uint32_t n)
{
	struct pipeline_port_stats ps;
	struct pipeline_stats st;

	pfx_setup();
	one_way(hz, 100000, 100000);
	back_to_back(n, 60, hz, 100000);
	st = pfx_stats();
	for (unsigned r = 0; r < PL_DROP_COUNT; r++)
		cr_assert_eq(st.dropped[r], 0, "%s at %llu Hz",
			     pipeline_drop_name((enum pipeline_drop)r),
			     (unsigned long long)hz);
	cr_assert_eq(st.departed, n);
	cr_assert_eq(st.lookups, n);
	cr_assert_eq(st.core_stall_cycles, 0);
	for (uint64_t k = 0; k < n; k++)
		cr_assert_eq(fx.rec[k].lookup_issue - fx.rec[k].arrival_last, 7,
			     "frame %llu waited at %llu Hz", (unsigned long long)k,
			     (unsigned long long)hz);
	cr_assert_eq(pipeline_port_stats(fx.pl, 1, &ps), 0);
	cr_assert_eq(ps.tx_frames, n);
	pfx_teardown();
}

Test(pipeline_mac, line_rate_64b_100g_no_drop)
{
	pfx_teardown();
	line_rate(1000000000, 100000);
	line_rate(150000000, 100000);
	pfx_setup();
}

/* Below 148.8 MHz one lookup a cycle cannot keep up: the ingress buffer
 * fills and frames are dropped there, every one counted. */
Test(pipeline_mac, too_slow_a_clock_drops_at_ingress)
{
	struct pipeline_stats st;

	one_way(140000000, 100000, 100000);
	fx.p.bounds.ingress_bytes = 8192;
	pipeline_destroy(fx.pl);
	pfx_make_7_to_1();
	back_to_back(50000, 60, 140000000, 100000);
	st = pfx_stats();
	cr_assert_gt(st.dropped[PL_DROP_INGRESS_FULL], 0);
	cr_assert_eq(st.departed + st.dropped[PL_DROP_INGRESS_FULL], 50000);
	for (uint64_t k = 0; k < 50000; k++)
		if (fx.rec[k].path == PL_PATH_DROP) {
			cr_assert_eq(fx.rec[k].drop, PL_DROP_INGRESS_FULL);
			cr_assert_eq(fx.rec[k].parse_done, PIPELINE_NEVER);
		}
}

/* Two 100G ports at 75% load each into one 100G egress: 1.5x.  The egress
 * queue fills, and what does not fit is dropped at its tail, counted, with
 * a record naming the queue; nothing else is lost. */
Test(pipeline_mac, egress_oversubscribed_1_5x)
{
	struct pipeline_stats st;
	struct pipeline_port_stats ps;
	uint32_t n = 20000, m;
	uint8_t f[64];
	uint64_t drops = 0;

	fx.p.bounds.egress_bytes = 64 * 1024;
	pfx_make();
	pfx_map(1, 2);
	pfx_forward(0, 7, 1);
	for (uint32_t k = 0; k < n; k++) {
		/* 84 wire bytes at 75% of 100G: one every 8.96 ns */
		uint64_t t = pfx_line_edge(k, 112, 1000000000, 100000);

		m = pfx_udp(f, 7, 60, k);
		pfx_feed(0, f, m, m, t);
		pfx_feed(1, f, m, m, t);
	}
	pfx_drain();
	st = pfx_stats();
	cr_assert_eq(st.arrivals, 2 * n);
	cr_assert_gt(st.dropped[PL_DROP_EGRESS_FULL], 2 * n / 5);
	cr_assert_eq(st.departed + st.dropped[PL_DROP_EGRESS_FULL], 2 * n);
	for (uint64_t k = 0; k < 2 * n; k++)
		if (fx.rec[k].path == PL_PATH_DROP) {
			cr_assert_eq(fx.rec[k].drop, PL_DROP_EGRESS_FULL);
			cr_assert_eq(fx.rec[k].out_ppid, 2);
			drops++;
		}
	cr_assert_eq(drops, st.dropped[PL_DROP_EGRESS_FULL]);
	cr_assert_eq(pipeline_port_stats(fx.pl, 2, &ps), 0);
	cr_assert_leq(ps.egress.max_bytes, 64 * 1024);
	cr_assert_gt(ps.egress.mean_bytes, 32 * 1024, "the queue stays full");
}

/* The wire cannot wait: with the action stage taking a packet every 4
 * cycles, 400G of 64-byte frames back up into the ingress buffer and
 * overflow it. */
Test(pipeline_mac, ingress_buffer_full_is_a_counted_drop)
{
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t m;

	mbps4[0] = 400000;
	mbps4[1] = mbps4[2] = mbps4[3] = 400000;
	fx.p.port_mbps = mbps4;
	fx.p.timing.action.ii = 4;
	fx.p.bounds.ingress_bytes = 4096;
	pfx_make_7_to_1();
	for (uint32_t k = 0; k < 5000; k++) {
		m = pfx_udp(f, 7, 60, k);
		pfx_feed(0, f, m, m, pfx_line_edge(k, 84, 1000000000, 400000));
	}
	pfx_drain();
	st = pfx_stats();
	cr_assert_gt(st.dropped[PL_DROP_INGRESS_FULL], 1000);
	cr_assert_eq(st.departed + st.dropped[PL_DROP_INGRESS_FULL], 5000);
	cr_assert_gt(st.core_stall_cycles, 0, "the action stage held the core");
}

Test(pipeline_mac, oversize_frames_are_dropped_by_the_mac)
{
	static uint8_t f[2000];
	uint32_t m;

	fx.p.bounds.max_frame = 1514;
	pfx_make_7_to_1();
	m = pfx_udp(f, 7, 1515, 0);
	pfx_arrive(0, f, m, 0);
	m = pfx_udp(f, 7, 1514, 1);
	pfx_arrive(0, f, m, 10);
	cr_assert_eq(pipeline_arrive(fx.pl, 0, f, 100, 70000, 20, NULL), 0,
		     "a long frame captured short is still oversize");
	pfx_drain();
	cr_assert_eq(pfx_stats().dropped[PL_DROP_OVERSIZE], 2);
	cr_assert_eq(fx.rec[0].drop, PL_DROP_OVERSIZE);
	cr_assert_eq(fx.rec[1].path, PL_PATH_HIT);
	cr_assert_eq(fx.rec[2].drop, PL_DROP_OVERSIZE);
	cr_assert_eq(fx.rec[2].len, 70000);
}

/* A trace faster than the line: the second frame starts when the first's
 * gap ends, and says so. */
Test(pipeline_mac, squeezed_frames_start_when_the_wire_is_free)
{
	struct pipeline_port_stats ps;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	pfx_make_7_to_1();
	pfx_arrive(0, f, m, 100);
	pfx_arrive(0, f, m, 101);
	pfx_arrive(0, f, m, 500);
	pfx_drain();
	/* 100G at 1 GHz: 84 bytes are 6.72 cycles, 72 of them 5.76 */
	cr_assert_eq(fx.rec[0].arrival_first, 100);
	cr_assert_eq(fx.rec[0].arrival_last, 106);
	cr_assert_eq(fx.rec[1].arrival_first, 107);
	cr_assert_eq(fx.rec[1].arrival_last, 113, "106.72 + 5.76 = 112.48");
	cr_assert_eq(fx.rec[2].arrival_first, 500);
	cr_assert_eq(pipeline_port_stats(fx.pl, 0, &ps), 0);
	cr_assert_eq(ps.squeezed, 1);
	cr_assert_eq(ps.rx_frames, 3);
	cr_assert_eq(ps.rx_bytes, 180);
}

Test(pipeline_mac, refused_arrivals_change_nothing)
{
	struct pnic_error err;
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	fx.p.bounds.wire_frames = 2;
	pfx_make();
	cr_assert_eq(pipeline_arrive(fx.pl, 4, f, m, m, 0, &err), -EINVAL);
	cr_assert(strstr(err.msg, "port 4 is not one of 0..3"), "%s", err.msg);
	cr_assert_eq(pipeline_arrive(fx.pl, 0, NULL, m, m, 0, &err), -EINVAL);
	pfx_arrive(0, f, m, 50);
	cr_assert_eq(pipeline_arrive(fx.pl, 0, f, m, m, 49, &err), -EINVAL);
	cr_assert(strstr(err.msg, "time order"), "%s", err.msg);
	pfx_arrive(0, f, m, 60);
	cr_assert_eq(pipeline_arrive(fx.pl, 0, f, m, m, 70, &err), -ENOBUFS);
	cr_assert(strstr(err.msg, "2 frames"), "%s", err.msg);
	pipeline_run_until(fx.pl, 80);
	cr_assert_eq(pipeline_arrive(fx.pl, 0, f, m, m, 79, &err), -EINVAL);
	cr_assert(strstr(err.msg, "before now"), "%s", err.msg);
	pfx_arrive(0, f, m, 80);
	cr_assert_eq(pipeline_arrive(fx.pl, 1, f, m, m, PIPELINE_MAX_CYCLE + 1, &err), -ERANGE);
	cr_assert(strstr(err.msg, "past the last one timed"), "%s", err.msg);
	pfx_drain();
	cr_assert_eq(pfx_stats().arrivals, 3);
	cr_assert_eq(pfx_stats().to_host, 3, "misses");
	cr_assert_eq(pipeline_port_stats(fx.pl, 9, NULL), -EINVAL);
}

/* Two bursts of traffic cost the same work whether a microsecond or ten
 * seconds lie between them: edges visited and core steps do not grow with
 * the gap. */
static struct pipeline_stats gap_run(uint64_t gap)
{
	struct pipeline_stats st;
	uint8_t f[64];
	uint32_t m;

	pfx_setup();
	pfx_make_7_to_1();
	for (uint32_t k = 0; k < 2000; k++) {
		m = pfx_udp(f, 7, 60, k);
		pfx_feed(0, f, m, m, k * 10 + (k >= 1000 ? gap : 0));
	}
	pfx_drain();
	st = pfx_stats();
	cr_assert_eq(st.departed, 2000);
	pfx_teardown();
	return st;
}

Test(pipeline_mac, idle_time_is_free)
{
	struct pipeline_stats a, b;

	pfx_teardown();
	a = gap_run(1000);
	b = gap_run(10000000000ull);     /* 10 s at 1 GHz */
	cr_assert_eq(a.ticks, b.ticks);
	cr_assert_eq(a.core_steps, b.core_steps);
	cr_assert_eq(b.cycles - a.cycles, 10000000000ull - 1000);
	pfx_setup();
}
