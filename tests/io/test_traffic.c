/* traffic: the offer times of an input's frames under each pace, loops
 * and their period, out-of-order stamps, damage. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/pcap_out.h"
#include "io/traffic.h"
#include "model/parser.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/pnic-traffic-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/in.pcap", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

TestSuite(traffic, .init = setup, .fini = teardown);

/* A capture of n 60-byte frames stamped ts[i] ns; frame i's byte 20 is i. */
static void write_capture(const uint64_t *ts, unsigned n)
{
	struct pcap_out *o;
	struct pnic_error err;
	uint8_t f[60] = { 0 };

	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < n; i++) {
		f[20] = (uint8_t)i;
		pcap_out_write(o, f, sizeof f, sizeof f, ts[i]);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
}

/* The offer times of every frame, into got (at most max). */
static unsigned offers(struct scenario_input *in, uint64_t *got, unsigned max,
		       struct traffic **keep)
{
	struct traffic *t;
	struct traffic_pkt p;
	struct pnic_error err;
	unsigned n = 0;
	int rc;

	in->path = path;
	cr_assert_eq(traffic_open(in, &t, &err), 0, "%s", err.msg);
	while ((rc = traffic_next(t, &p, &err)) == 1) {
		cr_assert_lt(n, max);
		cr_assert_eq(p.in_port, in->in_port);
		cr_assert_eq(p.frame[20], (uint8_t)((p.number - 1) & 0xff));
		got[n++] = p.offer_ps;
	}
	cr_assert_eq(rc, 0, "%s", err.msg);
	if (keep)
		*keep = t;
	else
		traffic_close(t);
	return n;
}

Test(traffic, trace_pace_keeps_the_spacing)
{
	static const uint64_t ts[] = { 5000000000ull, 5000001000ull,
				       5000003000ull };
	struct scenario_input in = { .in_port = 3, .loops = 1,
				     .pace = SCENARIO_PACE_TRACE, .multiplier = 1 };
	uint64_t got[8];

	write_capture(ts, 3);
	cr_assert_eq(offers(&in, got, 8, NULL), 3);
	cr_assert_eq(got[0], 0, "the first frame starts the run");
	cr_assert_eq(got[1], 1000000);
	cr_assert_eq(got[2], 3000000);
}

/* On the shared clock an input starts at its lead (over its multiplier)
 * and its loops keep their own period. */
Test(traffic, lead_on_the_shared_clock)
{
	static const uint64_t ts[] = { 1000, 2000, 4000 };
	struct scenario_input in = { .loops = 2, .pace = SCENARIO_PACE_TRACE,
				     .multiplier = 2, .lead_ns = 50000 };
	uint64_t got[8];

	write_capture(ts, 3);
	cr_assert_eq(offers(&in, got, 8, NULL), 6);
	cr_assert_eq(got[0], 25000000, "50 us of the capture's time, twice as fast");
	cr_assert_eq(got[2], 25000000 + 1500000);
	cr_assert_eq(got[3], 25000000 + 2250000);
}

/* A table flood's generated input: one frame per flow, a gap apart from
 * the lead, each a distinct 5-tuple that parses as IPv4 UDP (or a TCP
 * SYN), ports rolling over into the next destination port. */
Test(traffic, generated_flood)
{
	struct scenario_input in = {
		.path = "flood", .loops = 1, .pace = SCENARIO_PACE_TRACE, .multiplier = 1,
		.in_port = 2, .generated = true, .own_clock = true, .lead_ns = 3000,
		.flood = { .src_mac = 0x020000000001ull, .dst_mac = 0x020000000002ull,
			   .src_ip = 0x0a000001, .dst_ip = 0x0a000002, .proto = 17,
			   .dst_port = 5001, .flows = 64514, .gap_ps = 1000 },
	};
	struct traffic *t;
	struct traffic_pkt p;
	struct parser_result pr;
	struct pnic_error err;
	uint32_t n = 0;
	int rc;

	cr_assert_eq(traffic_open(&in, &t, &err), 0, "%s", err.msg);
	while ((rc = traffic_next(t, &p, &err)) == 1) {
		cr_assert_eq(p.offer_ps, 3000000 + (uint64_t)n * 1000);
		cr_assert_eq(p.in_port, 2);
		parser_parse(p.frame, p.caplen, p.len, &pr);
		cr_assert(pr.outer.have & HDR_UDP);
		cr_assert_eq(pr.outer.l4_sport, 1024 + n % 64512);
		cr_assert_eq(pr.outer.l4_dport, 5001 + n / 64512);
		cr_assert_eq(p.frame[11], 0x01, "the flooding VNIC's MAC");
		n++;
	}
	cr_assert_eq(rc, 0);
	cr_assert_eq(n, 64514);
	traffic_close(t);
	in.flood.proto = 6;
	in.flood.flows = 1;
	cr_assert_eq(traffic_open(&in, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(traffic_next(t, &p, &err), 1);
	parser_parse(p.frame, p.caplen, p.len, &pr);
	cr_assert(pr.outer.have & HDR_TCP);
	cr_assert_eq(pr.outer.tcp_flags, 0x02, "a SYN");
	cr_assert_eq(traffic_next(t, &p, &err), 0);
	traffic_close(t);
}

/* Loops follow each other as the frames of a loop do: a period is the
 * span plus the mean gap. */
Test(traffic, loops_and_multiplier)
{
	static const uint64_t ts[] = { 1000, 2000, 4000 };
	struct scenario_input in = { .loops = 3, .pace = SCENARIO_PACE_TRACE,
				     .multiplier = 2 };
	struct traffic *t;
	uint64_t got[16];

	write_capture(ts, 3);
	cr_assert_eq(offers(&in, got, 16, &t), 9);
	/* offsets 0, 500, 1500 ns; period 1500 + 750 ns */
	cr_assert_eq(traffic_period_ps(t), 2250000);
	traffic_close(t);
	cr_assert_eq(got[1], 500000);
	cr_assert_eq(got[2], 1500000);
	cr_assert_eq(got[3], 2250000);
	cr_assert_eq(got[5], 2250000 + 1500000);
	cr_assert_eq(got[8], 2 * 2250000 + 1500000);
}

/* A multiplier is applied to each frame's offset from the first, so a
 * third of a nanosecond does not add up over a long trace. */
Test(traffic, multiplier_does_not_drift)
{
	enum { N = 30000 };
	uint64_t *ts = malloc(N * sizeof *ts), *got = malloc(N * sizeof *got);
	struct scenario_input in = { .loops = 1, .pace = SCENARIO_PACE_TRACE,
				     .multiplier = 3 };

	for (unsigned i = 0; i < N; i++)
		ts[i] = 1000000 + i;          /* 1 ns apart */
	write_capture(ts, N);
	cr_assert_eq(offers(&in, got, N, NULL), N);
	cr_assert_eq(got[N - 1], ((N - 1) * 1000 + 1) / 3, "rounded once, not summed");
	free(ts);
	free(got);
}

Test(traffic, line_rate_offers_everything_at_once)
{
	static const uint64_t ts[] = { 1000, 900000, 7000000 };
	struct scenario_input in = { .loops = 2, .pace = SCENARIO_PACE_LINE_RATE,
				     .multiplier = 1 };
	uint64_t got[8];

	write_capture(ts, 3);
	cr_assert_eq(offers(&in, got, 8, NULL), 6);
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(got[i], 0);
}

/* A frame stamped before the one ahead of it is offered with it. */
Test(traffic, stamps_going_backwards_are_held)
{
	static const uint64_t ts[] = { 1000, 5000, 3000, 6000, 500 };
	struct scenario_input in = { .loops = 1, .pace = SCENARIO_PACE_TRACE,
				     .multiplier = 1 };
	uint64_t got[8];

	write_capture(ts, 5);
	cr_assert_eq(offers(&in, got, 8, NULL), 5);
	cr_assert_eq(got[2], 4000000);
	cr_assert_eq(got[3], 5000000);
	cr_assert_eq(got[4], 5000000);
}

Test(traffic, one_frame_loops_back_to_back)
{
	static const uint64_t ts[] = { 77 };
	struct scenario_input in = { .loops = 4, .pace = SCENARIO_PACE_TRACE,
				     .multiplier = 1 };
	uint64_t got[8];

	write_capture(ts, 1);
	cr_assert_eq(offers(&in, got, 8, NULL), 4);
	cr_assert_eq(got[3], 0);
}

/* A damaged capture is played once, up to the damage, which is reported. */
Test(traffic, damage_ends_the_input)
{
	static const uint64_t ts[] = { 1000, 2000, 3000 };
	struct scenario_input in = { .path = path, .loops = 5,
				     .pace = SCENARIO_PACE_TRACE, .multiplier = 1 };
	struct traffic *t;
	struct traffic_pkt p;
	struct pnic_error err;
	unsigned n = 0;
	int rc;

	write_capture(ts, 3);
	cr_assert_eq(truncate(path, 24 + 2 * (16 + 60) + 10), 0);
	cr_assert_eq(traffic_open(&in, &t, &err), 0, "%s", err.msg);
	while ((rc = traffic_next(t, &p, &err)) == 1)
		n++;
	cr_assert_eq(n, 2);
	cr_assert_lt(rc, 0);
	cr_assert(strstr(err.msg, "in.pcap"), "%s", err.msg);
	traffic_close(t);
}

Test(traffic, missing_capture)
{
	struct scenario_input in = { .path = "/nonexistent/x.pcap", .loops = 1 };
	struct traffic *t = (struct traffic *)&in;
	struct pnic_error err;

	cr_assert_lt(traffic_open(&in, &t, &err), 0);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "/nonexistent/x.pcap"), "%s", err.msg);
}

/* in_port: vnics: a frame enters by its source VNIC's port when offered,
 * following the migrations; a stranger by the first uplink; with no
 * uplink, a stranger is refused with its packet named. */
Test(traffic, frames_follow_their_vnic)
{
	struct scenario_vnic vn = { .name = "a", .v = { .mac = 0x02000000000aull, .ppid = 1 } };
	struct scenario_uplink up = { .name = "u", .ppid = 3 };
	struct scenario_event ev = { .at_ns = 2, .kind = SCENARIO_EV_MIGRATE, .vnic = 0, .ppid = 2 };
	uint32_t by_mac[1] = { 0 };
	struct scenario c = { .topo = { .n_vnics = 1, .vnics = &vn, .by_mac = by_mac,
					.n_uplinks = 1, .uplinks = &up },
			      .n_events = 1, .events = &ev };
	struct scenario_input in = { .path = path, .loops = 1, .multiplier = 1,
				     .by_vnic = true, .owner = &c };
	static const uint8_t src[6] = { 2, 0, 0, 0, 0, 0x0a };
	struct pcap_out *o;
	struct traffic *t;
	struct traffic_pkt p;
	struct pnic_error err;
	uint32_t want[4] = { 1, 2, 2, 3 };
	uint8_t f[60] = { 0 };

	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 4; i++) {
		memcpy(f + 6, src, 6);
		f[11] = i == 3 ? 0x0b : 0x0a;   /* the last: no VNIC's */
		pcap_out_write(o, f, sizeof f, sizeof f, 1000 + 1000 * i);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
	cr_assert_eq(traffic_open(&in, &t, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(traffic_next(t, &p, &err), 1, "%s", err.msg);
		cr_assert_eq(p.in_port, want[i], "frame %u at %llu ps", i,
			     (unsigned long long)p.offer_ps);
	}
	traffic_close(t);
	c.topo.n_uplinks = 0;
	cr_assert_eq(traffic_open(&in, &t, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(traffic_next(t, &p, &err), 1, "%s", err.msg);
	cr_assert_eq(traffic_next(t, &p, &err), -EINVAL);
	cr_assert(strstr(err.msg, "packet 4") && strstr(err.msg, "02000000000b"), "%s", err.msg);
	traffic_close(t);
}
