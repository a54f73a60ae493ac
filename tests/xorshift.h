/* A deterministic random source for tests: xorshift32, independent of
 * libc's rand(), so a seed means the same sequence everywhere.  Seed by
 * setting rng_state (non-zero).  Header-only: each test is its own binary. */
#ifndef TESTS_XORSHIFT_H
#define TESTS_XORSHIFT_H

#include <stdint.h>

static uint32_t rng_state = 1;

static inline uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

#endif
