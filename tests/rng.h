/* The tests' deterministic random source as one global stream: the
 * project's splitmix64 (tools/splitmix.h), so a seed means the same
 * sequence everywhere and there is one generator, not one per test.  Seed
 * by setting rng_state.  Header-only: each test is its own binary. */
#ifndef TESTS_RNG_H
#define TESTS_RNG_H

#include <stdint.h>

#include "tools/splitmix.h"

static uint64_t rng_state = 1;

static inline uint32_t rnd(void)
{
	return (uint32_t)(splitmix64(&rng_state) >> 32);
}

#endif
