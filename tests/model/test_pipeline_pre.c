/* Pipeline header work done ahead: each frame's parse and key made at its
 * arrival are the ones its grant takes, the lookups taken together at a
 * run's start are used at the issue edges while the tables stay as they
 * were, a write in between has them redone, a ring too small for the
 * frames waiting falls back to the work at the stages, and the reference
 * scheduler does all of it at the stages.  Every case ends with the
 * answers the stages give (the differential test in test_pipeline_stages.c
 * holds the whole of it against the reference on random runs). */
#include "model/pipeline-private.h"
#include "tests/model/pipeline_fixture.h"

TestSuite(pipeline_pre, .init = pfx_setup, .fini = pfx_teardown);

/* n frames to UDP port 7, one every 20 cycles from edge 100. */
static void give_flow(uint32_t n, uint16_t dport)
{
	uint8_t f[64];

	for (uint32_t i = 0; i < n; i++) {
		uint32_t m = pfx_udp(f, dport, 60, i);

		pfx_feed(0, f, m, m, 100 + 20ull * i);
	}
}

static void all_hit(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		cr_assert_eq(fx.rec[i].path, PL_PATH_HIT, "packet %u", i);
		cr_assert_eq(fx.rec[i].out_ppid, 1, "packet %u", i);
	}
}

Test(pipeline_pre, the_work_ahead_is_what_the_stages_use)
{
	pfx_make_7_to_1();
	pfx_drain();   /* the writes land: the lookups ahead then hold */
	give_flow(50, 7);
	pfx_drain();
	all_hit(50);
	cr_assert_eq(fx.pl->pre_fronts, 50);
	cr_assert_eq(fx.pl->pre_results, 50);
}

/* The lookups ahead are taken on an empty table; the entry lands before
 * the first issue, so each is redone, and every packet hits. */
Test(pipeline_pre, a_write_after_the_lookups_ahead_has_them_redone)
{
	pfx_make();
	pfx_map(1, 1);
	give_flow(20, 7);
	pipeline_run_until(fx.pl, 2);   /* the lookups ahead: all misses */
	pfx_forward(0, 7, 1);
	pfx_drain();
	all_hit(20);
	cr_assert_eq(fx.pl->pre_fronts, 20);
	cr_assert_eq(fx.pl->pre_results, 0, "no lookup taken before the write holds");
}

/* Frames given in two runs: the second run's lookups ahead are taken at
 * its start, on the tables the first left. */
Test(pipeline_pre, each_run_takes_the_lookups_of_the_frames_given_since)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0);

	pfx_make_7_to_1();
	pfx_drain();
	pfx_arrive(0, f, m, pipeline_now(fx.pl) + 10);
	pfx_drain();
	pfx_arrive(0, f, m, pipeline_now(fx.pl) + 10);
	pfx_drain();
	all_hit(2);
	cr_assert_eq(fx.pl->pre_results, 2);
}

/* More frames waiting than the ring holds: the oldest lose their work
 * ahead to later arrivals and are worked at their stages. */
Test(pipeline_pre, a_ring_smaller_than_the_frames_waiting_falls_back)
{
	uint8_t f[64];
	uint32_t m = pfx_udp(f, 7, 60, 0), n = 12000;

	fx.p.bounds.wire_frames = 16384;
	fx.p.bounds.wire_bytes = 16384 * 128;
	pfx_make_7_to_1();
	pfx_drain();
	for (uint32_t i = 0; i < n; i++)
		pfx_arrive(0, f, m, 100 + 20ull * i);
	pfx_drain();
	all_hit(n);
	cr_assert_lt(fx.pl->pre_fronts, n);
	cr_assert_gt(fx.pl->pre_fronts, 0);
}

Test(pipeline_pre, the_reference_scheduler_works_at_the_stages)
{
	fx.p.stepped_core = true;
	pfx_make_7_to_1();
	pfx_drain();
	give_flow(10, 7);
	pfx_drain();
	all_hit(10);
	cr_assert_eq(fx.pl->pre_fronts, 0);
	cr_assert_eq(fx.pl->pre_results, 0);
}
