/* Timebase: exact conversion between NIC clock cycles and another unit
 * that runs at a fixed rate: nanoseconds, or the bits of a port's line
 * rate.
 *
 * A timebase is "cycles per unit" as a reduced fraction num / den, from
 * two integer rates in units per second (a 322.265625 MHz clock is
 * 322265625 Hz; 100G is 100000000000 bit/s).  An instant on the cycle
 * axis is whole cycles plus frac / den of a cycle, frac < den, so that
 * adding the serialisation time of one frame after another is integer
 * arithmetic with no rounding: ten million 64-byte frames at 100G end at
 * exactly 10^7 * 672 * clock / 10^11 cycles, whatever the clock.  Only
 * when an instant is read as a clock edge (timebase_ceil) is it rounded,
 * always up: the first edge at or after it.
 *
 * Plain values: no handle, no allocation.  Products are taken in 128 bits;
 * a result past 2^64 - 1 cycles saturates there.  Nothing here advances
 * any simulated time but the instants the caller holds.
 */
#ifndef PNIC_TIMEBASE_H
#define PNIC_TIMEBASE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"

/* Rates a timebase takes, in units per second: up to 10^13, which covers
 * a 10 THz clock and a 1.6 Tb/s port with room to spare. */
#define TIMEBASE_MAX_RATE 10000000000000ull

struct timebase {
	uint64_t num;    /* cycles per unit = num / den, in lowest terms */
	uint64_t den;
};

/* cycle + frac / den of the timebase it was advanced with. */
struct timebase_instant {
	uint64_t cycle;
	uint64_t frac;   /* < den */
};

/* Cycles per unit for a clock of cycles_per_s and a unit that runs at
 * units_per_s.  -EINVAL naming the rate for a zero rate or one past
 * TIMEBASE_MAX_RATE. */
int timebase_init(struct timebase *tb, uint64_t cycles_per_s,
		  uint64_t units_per_s, struct pnic_error *err);

/* t += units, exactly. */
void timebase_advance(const struct timebase *tb, struct timebase_instant *t,
		      uint64_t units);

/* A fixed span of units, as whole cycles and a remainder, so that adding
 * it to an instant takes no division: the serialisation time of a frame
 * of a given length, or an inter-frame gap, added frame after frame. */
struct timebase_step {
	uint64_t cycles;
	uint64_t frac;   /* < den */
};

void timebase_step_init(const struct timebase *tb, uint64_t units,
			struct timebase_step *s);

/* t += the step's span, exactly as timebase_advance() by its units. */
static inline void timebase_add(const struct timebase *tb,
				struct timebase_instant *t,
				const struct timebase_step *s)
{
	uint64_t c = t->cycle + s->cycles;

	t->frac += s->frac;
	if (t->frac >= tb->den) {
		t->frac -= tb->den;
		c++;
	}
	t->cycle = c < t->cycle ? UINT64_MAX : c;
}

/* The first clock edge at or after t. */
static inline uint64_t timebase_ceil(const struct timebase_instant *t)
{
	return t->cycle + (t->frac != 0 && t->cycle != UINT64_MAX);
}

/* Whether t lies after edge c. */
static inline bool timebase_after(const struct timebase_instant *t, uint64_t c)
{
	return t->cycle > c || (t->cycle == c && t->frac != 0);
}

/* Units to cycles, rounded up (the first edge at or after that time), and
 * cycles to units, rounded down (the units fully elapsed by that edge);
 * timebase_to_units(timebase_to_cycles(u)) >= u, and equal when a unit is
 * at least a cycle long. */
uint64_t timebase_to_cycles(const struct timebase *tb, uint64_t units);
uint64_t timebase_to_units(const struct timebase *tb, uint64_t cycles);

#endif
