/* Timebase: reduced fractions, exact sums over millions of frames, edges
 * rounded up, saturation. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/timebase.h"

__extension__ typedef unsigned __int128 u128;

static struct timebase make(uint64_t hz, uint64_t units)
{
	struct timebase tb;
	struct pnic_error err;

	cr_assert_eq(timebase_init(&tb, hz, units, &err), 0, "%s", err.msg);
	return tb;
}

Test(timebase, fractions_are_reduced)
{
	struct timebase tb = make(1000000000, 1000000000);

	cr_assert_eq(tb.num, 1);
	cr_assert_eq(tb.den, 1);
	/* 322.265625 MHz against 100 Gb/s: 322265625 / 10^11 = 33 / 10240 */
	tb = make(322265625, 100000000000ull);
	cr_assert_eq(tb.num, 33);
	cr_assert_eq(tb.den, 10240);
}

Test(timebase, refuses_zero_and_huge_rates)
{
	struct timebase tb;
	struct pnic_error err;

	cr_assert_eq(timebase_init(&tb, 0, 1, &err), -EINVAL);
	cr_assert(strstr(err.msg, "clock of 0 Hz"), "%s", err.msg);
	cr_assert_eq(timebase_init(&tb, 1, 0, &err), -EINVAL);
	cr_assert_eq(timebase_init(&tb, TIMEBASE_MAX_RATE + 1, 1, &err), -EINVAL);
	cr_assert_eq(timebase_init(&tb, 1, TIMEBASE_MAX_RATE + 1, &err), -EINVAL);
	cr_assert(strstr(err.msg, "rate of"), "%s", err.msg);
	cr_assert_eq(timebase_init(&tb, TIMEBASE_MAX_RATE, TIMEBASE_MAX_RATE, NULL), 0);
}

/* n frames of `bytes` wire bytes back to back from cycle 0 end at exactly
 * n * bytes * 8 * hz / bps cycles: the sum of the fractions, not of
 * rounded parts. */
static void frames_end_exactly(uint64_t hz, uint64_t bps, uint64_t bytes,
			       uint64_t n)
{
	struct timebase tb = make(hz, bps);
	struct timebase_instant t = { 0, 0 };
	u128 total = (u128)n * bytes * 8 * hz;

	for (uint64_t i = 0; i < n; i++)
		timebase_advance(&tb, &t, bytes * 8);
	cr_assert_eq(t.cycle, (uint64_t)(total / bps),
		     "%llu Hz, %llu b/s, %llu bytes", (unsigned long long)hz,
		     (unsigned long long)bps, (unsigned long long)bytes);
	/* the remainder, in the timebase's own denominator */
	cr_assert_eq((u128)t.frac * bps, (total % bps) * tb.den);
	cr_assert_eq(timebase_ceil(&t), (uint64_t)((total + bps - 1) / bps));
}

Test(timebase, ten_million_min_frames_at_100g_do_not_drift)
{
	/* 64-byte frames: 60 + FCS 4 + preamble 8 + IFG 12 = 84 wire bytes */
	frames_end_exactly(1000000000, 100000000000ull, 84, 10000000);
	frames_end_exactly(322265625, 100000000000ull, 84, 10000000);
}

Test(timebase, every_speed_and_size)
{
	static const uint64_t bps[] = { 25000000000ull, 100000000000ull,
					400000000000ull };
	static const uint64_t hz[] = { 1000000000, 322265625, 156250000, 1 };

	for (unsigned s = 0; s < 3; s++)
		for (unsigned h = 0; h < 4; h++) {
			frames_end_exactly(hz[h], bps[s], 84, 100003);
			frames_end_exactly(hz[h], bps[s], 1538, 100003);
		}
}

Test(timebase, ceil_and_after)
{
	struct timebase_instant t = { 7, 0 };

	cr_assert_eq(timebase_ceil(&t), 7);
	cr_assert(!timebase_after(&t, 7));
	cr_assert(timebase_after(&t, 6));
	t.frac = 1;
	cr_assert_eq(timebase_ceil(&t), 8);
	cr_assert(timebase_after(&t, 7));
	cr_assert(!timebase_after(&t, 8));
	t = (struct timebase_instant){ UINT64_MAX, 3 };
	cr_assert_eq(timebase_ceil(&t), UINT64_MAX, "saturates");
}

Test(timebase, ns_and_cycles)
{
	struct timebase ns = make(322265625, 1000000000);

	/* 1 ns = 0.322265625 cycles: 1 ns is seen at edge 1 */
	cr_assert_eq(timebase_to_cycles(&ns, 0), 0);
	cr_assert_eq(timebase_to_cycles(&ns, 1), 1);
	cr_assert_eq(timebase_to_cycles(&ns, 1000000000), 322265625);
	cr_assert_eq(timebase_to_units(&ns, 322265625), 1000000000);
	cr_assert_eq(timebase_to_units(&ns, 1), 3, "3.1 ns elapsed by edge 1");
	for (uint64_t u = 0; u < 5000; u += 7)
		cr_assert_geq(timebase_to_units(&ns, timebase_to_cycles(&ns, u)), u);
	/* a unit longer than a cycle: the round trip is exact */
	ns = make(4000000000ull, 1000000000);
	for (uint64_t u = 0; u < 5000; u += 7)
		cr_assert_eq(timebase_to_units(&ns, timebase_to_cycles(&ns, u)), u);
	/* ten seconds at 1 GHz, the idle gap of the pipeline's tests */
	ns = make(1000000000, 1000000000);
	cr_assert_eq(timebase_to_cycles(&ns, 10000000000ull), 10000000000ull);
}

Test(timebase, saturates_instead_of_wrapping)
{
	struct timebase tb = make(TIMEBASE_MAX_RATE, 1);
	struct timebase_instant t = { UINT64_MAX - 5, 0 };

	cr_assert_eq(timebase_to_cycles(&tb, UINT64_MAX), UINT64_MAX);
	timebase_advance(&tb, &t, 1);
	cr_assert_eq(t.cycle, UINT64_MAX);
	cr_assert_eq(timebase_to_units(&tb, 0), 0);
	tb = make(1, TIMEBASE_MAX_RATE);
	cr_assert_eq(timebase_to_units(&tb, UINT64_MAX), UINT64_MAX);
}

/* A step added again and again lands where advancing by its units does,
 * and saturates the same way. */
Test(timebase, steps_equal_advances)
{
	static const uint64_t units[] = { 672, 96, 12304, 1, 0 };
	struct timebase tb = make(322265625, 100000000000ull);

	for (unsigned u = 0; u < sizeof units / sizeof units[0]; u++) {
		struct timebase_instant a = { 5, 0 }, b = { 5, 0 };
		struct timebase_step s;

		timebase_step_init(&tb, units[u], &s);
		cr_assert_lt(s.frac, tb.den);
		for (unsigned i = 0; i < 100000; i++) {
			timebase_advance(&tb, &a, units[u]);
			timebase_add(&tb, &b, &s);
		}
		cr_assert_eq(a.cycle, b.cycle, "%llu units", (unsigned long long)units[u]);
		cr_assert_eq(a.frac, b.frac, "%llu units", (unsigned long long)units[u]);
	}
	{
		struct timebase_instant t = { UINT64_MAX - 1, 0 };
		struct timebase_step s;

		timebase_step_init(&tb, 100000000000ull, &s);
		timebase_add(&tb, &t, &s);
		cr_assert_eq(t.cycle, UINT64_MAX);
	}
}
