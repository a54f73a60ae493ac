/* Range-to-prefix expansion: a TCAM matches value/mask, not lo <= x <= hi.
 *
 * A range [lo, hi] over a W-bit field (1 <= W <= 32) is covered by the
 * prefixes of the maximal aligned power-of-two blocks inside it: the nodes
 * of the binary trie over [0, 2^W) that lie inside the range while their
 * parent does not.  That cover is disjoint, exact and minimal (no prefix
 * cover of the range has fewer entries), and it has at most 2W - 2 prefixes
 * for W >= 2 (30 for a 16-bit port range, reached by [1, 65534]).
 *
 * Each prefix is a (value, mask) pair over the low W bits: x is in the
 * prefix iff (x & mask) == value.  Pure functions, no allocation; callers
 * give room for RANGE_PREFIX_MAX entries (or range_prefix_max(W)).
 */
#ifndef PNIC_RANGE_PREFIX_H
#define PNIC_RANGE_PREFIX_H

#include <stdint.h>

#include "model/error.h"

/* Most prefixes any range over a field of at most 32 bits needs. */
#define RANGE_PREFIX_MAX 62

struct range_prefix {
	uint32_t value;   /* value & mask == value */
	uint32_t mask;    /* leading ones over the W-bit field */
};

/* Worst-case cover size for a W-bit field: 2W - 2 (1 for W == 1). */
unsigned range_prefix_max(unsigned width);

/* Number of prefixes the minimal cover of [lo, hi] has (no output).
 * 0 if the arguments are invalid (see range_prefix_expand). */
unsigned range_prefix_count(uint32_t lo, uint32_t hi, unsigned width);

/* Write the minimal cover of [lo, hi] over a `width`-bit field to out[],
 * lowest values first; return how many (>= 1).  -EINVAL if width is not in
 * 1..32, lo > hi or hi does not fit in width bits; -ENOSPC if cap is too
 * small (cap >= range_prefix_max(width) always suffices). */
int range_prefix_expand(uint32_t lo, uint32_t hi, unsigned width,
			struct range_prefix *out, unsigned cap,
			struct pnic_error *err);

#endif
