/* Timebase: cycles per unit as a reduced fraction (see timebase.h). */
#include "model/timebase.h"

#include <errno.h>

__extension__ typedef unsigned __int128 tb_u128;

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

static uint64_t saturate(tb_u128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

int timebase_init(struct timebase *tb, uint64_t cycles_per_s,
		  uint64_t units_per_s, struct pnic_error *err)
{
	uint64_t g;

	if (cycles_per_s == 0 || cycles_per_s > TIMEBASE_MAX_RATE)
		return pnic_err(err, EINVAL,
				"clock of %llu Hz is not 1..%llu Hz",
				(unsigned long long)cycles_per_s,
				(unsigned long long)TIMEBASE_MAX_RATE);
	if (units_per_s == 0 || units_per_s > TIMEBASE_MAX_RATE)
		return pnic_err(err, EINVAL,
				"rate of %llu per second is not 1..%llu",
				(unsigned long long)units_per_s,
				(unsigned long long)TIMEBASE_MAX_RATE);
	g = gcd(cycles_per_s, units_per_s);
	tb->num = cycles_per_s / g;
	tb->den = units_per_s / g;
	return 0;
}

void timebase_advance(const struct timebase *tb, struct timebase_instant *t,
		      uint64_t units)
{
	/* frac < den <= 10^13 and units * num < 2^64 * 10^13 < 2^108: the sum
	 * fits 128 bits.  A frame's bits times a clock's num fit 64 bits, and
	 * a 64-bit division is several times cheaper than a 128-bit one. */
	tb_u128 sum = (tb_u128)units * tb->num + t->frac;

	if (sum <= UINT64_MAX) {
		uint64_t s = (uint64_t)sum, q = s / tb->den;

		t->frac = s - q * tb->den;
		t->cycle = t->cycle + q < t->cycle ? UINT64_MAX : t->cycle + q;
		return;
	}
	t->frac = (uint64_t)(sum % tb->den);
	t->cycle = saturate((tb_u128)t->cycle + sum / tb->den);
}

uint64_t timebase_to_cycles(const struct timebase *tb, uint64_t units)
{
	tb_u128 p = (tb_u128)units * tb->num;

	return saturate(p / tb->den + (p % tb->den != 0));
}

uint64_t timebase_to_units(const struct timebase *tb, uint64_t cycles)
{
	tb_u128 p = (tb_u128)cycles * tb->den;

	if (tb->num == 1)
		return saturate(p);
	return p <= UINT64_MAX ? (uint64_t)p / tb->num : saturate(p / tb->num);
}

void timebase_step_init(const struct timebase *tb, uint64_t units,
			struct timebase_step *s)
{
	struct timebase_instant t = { 0, 0 };

	timebase_advance(tb, &t, units);
	s->cycles = t.cycle;
	s->frac = t.frac;
}
