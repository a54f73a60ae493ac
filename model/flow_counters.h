/* Per-entry flow counters: packets, bytes and last-hit time for each of the
 * `depth` flow entries (one per TCAM / action RAM index).
 *
 * The datapath calls flow_counters_hit() for a hit whose action has the
 * `count` bit; that call is the hot path: a bounds check and three stores,
 * no other branch.  Time is the caller's: `now` is a uint64 simulation
 * timestamp in whatever unit the caller uses throughout (ns or cycles);
 * the counters only store it, and last_hit 0 means "never hit" only if the
 * caller's clock never hits at 0 (packets tells for sure).
 *
 * When the host rewrites an entry for a different flow it clears that
 * entry's counters (flow_counters_clear), so a new flow never inherits the
 * old one's figures.  The totals are running sums of every counted hit
 * since creation and are not reduced by a clear: the traffic still
 * happened.  A hit with an index out of range is not lost either: it goes
 * to `stray`, which a correct datapath keeps at zero.
 *
 * Function only: the datapath decides when hits happen.
 */
#ifndef PNIC_FLOW_COUNTERS_H
#define PNIC_FLOW_COUNTERS_H

#include <stdint.h>

#include "model/error.h"

struct flow_counters;

struct flow_counters_params {
	uint32_t depth;   /* entries, same as the TCAM's */
};

struct flow_counter {
	uint64_t packets;
	uint64_t bytes;
	uint64_t last_hit;   /* the caller's `now` at the latest hit */
};

struct flow_counters_totals {
	uint64_t packets;   /* every counted hit since creation */
	uint64_t bytes;
	uint64_t stray;     /* hits with an index >= depth (ignored) */
	uint64_t clears;    /* flow_counters_clear() calls that succeeded */
};

int flow_counters_create(const struct flow_counters_params *p,
			 struct flow_counters **out, struct pnic_error *err);
void flow_counters_destroy(struct flow_counters *c);

void flow_counters_hit(struct flow_counters *c, uint32_t index,
		       uint32_t bytes, uint64_t now);
/* Entry `index`'s line on its way into the cache, for a hit to come
 * (nothing if index >= depth). */
void flow_counters_prefetch(const struct flow_counters *c, uint32_t index);
/* Fills *out with entry `index` (all zero if index >= depth). */
void flow_counters_read(const struct flow_counters *c, uint32_t index,
			struct flow_counter *out);
/* Zero entry `index`; -ERANGE if index >= depth. */
int flow_counters_clear(struct flow_counters *c, uint32_t index,
			struct pnic_error *err);
void flow_counters_totals(const struct flow_counters *c,
			  struct flow_counters_totals *out);
uint32_t flow_counters_depth(const struct flow_counters *c);

#endif
