/* Flow aging: which flow entries have been idle past their timeout.
 *
 * What it models: the pNIC's aging engine (as the P4 Portable NIC
 * Architecture's idle timeouts): every entry names a timeout class in its
 * action word (action.h `age_class`; class 0 never ages), the host sets
 * the timeout of classes 1..3 and a mode (off, notify, delete), and an
 * engine sweeping the table once every `sweep_ns` finds each entry whose
 * last activity (its write or its latest hit) is at least its timeout
 * old.  Found entries are reported (an AGED event); in delete mode the
 * NIC also invalidates them itself.  An entry found is reported once; in
 * notify mode it stays live, and a later hit makes it age anew.
 *
 * Exactly what a sweeping engine finds, without sweeping: an entry whose
 * deadline (last activity + timeout) is d is found by the first sweep at
 * or after d, and sweeps are at multiples of sweep_ns.  The block keeps a
 * min-heap of deadlines, refreshed lazily: a hit only stores its time;
 * when a deadline comes up the entry's real deadline is computed from its
 * latest activity, and it is found only if that has passed.  So hits cost
 * one store, idle time costs nothing, and a sweep costs only the entries
 * that are due.
 *
 * Time is the caller's, in ns.  No allocation after create.
 */
#ifndef PNIC_FLOW_AGE_H
#define PNIC_FLOW_AGE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/error.h"

enum flow_age_mode {
	FLOW_AGE_OFF = 0,
	FLOW_AGE_NOTIFY,      /* report; the entry stays */
	FLOW_AGE_DELETE,      /* report; the NIC invalidates the entry */
	FLOW_AGE_MODE_COUNT
};

/* The aging configuration (part of the NIC's CONFIG command). */
struct flow_age_config {
	uint8_t mode;                        /* enum flow_age_mode */
	uint64_t timeout_ns[ACTION_AGE_CLASSES];  /* [0] is 0: class 0 never */
	uint64_t sweep_ns;                   /* the engine's period, >= 1 */
};

/* The longest timeout and sweep period taken: a day. */
#define FLOW_AGE_MAX_NS (86400ull * 1000000000ull)

struct flow_age;

/* One entry found idle. */
struct flow_age_found {
	uint32_t index;
	uint64_t last;        /* its latest activity (write or hit), ns */
	uint64_t at;          /* the sweep that found it, ns */
	uint32_t gen;         /* its write generation (flow_age_gen) */
};

void flow_age_config_default(struct flow_age_config *c);
/* -EINVAL naming the field: a mode out of range, a timeout of class 0,
 * a timeout or sweep period of 0 (when aging is on) or over a day. */
int flow_age_config_validate(const struct flow_age_config *c,
			     struct pnic_error *err);

int flow_age_create(uint32_t depth, struct flow_age **out,
		    struct pnic_error *err);
void flow_age_destroy(struct flow_age *a);

/* Take a new (validated) configuration: every live entry's deadline is
 * computed anew from its latest activity. */
void flow_age_configure(struct flow_age *a, const struct flow_age_config *c);
const struct flow_age_config *flow_age_get_config(const struct flow_age *a);

/* Entry `index` was written at `now` with a word of class `cls` (0: it no
 * longer ages), or invalidated (cls 0).  Its generation advances. */
void flow_age_write(struct flow_age *a, uint32_t index, unsigned cls,
		    uint64_t now);
/* A hit on entry `index` at `now` (the hot path), and its line fetched
 * ahead of one (nothing if index >= depth). */
void flow_age_hit(struct flow_age *a, uint32_t index, uint64_t now);
void flow_age_prefetch(const struct flow_age *a, uint32_t index);

/* The earliest sweep at which an entry may be found (UINT64_MAX: none
 * ever, as things stand).  It may find nothing: a hit since moves the
 * deadline on. */
uint64_t flow_age_next(const struct flow_age *a);
/* The sweeps up to `now`: the entries they find, in the order found, at
 * most `max` into out (the rest stay due).  Returns how many. */
unsigned flow_age_expire(struct flow_age *a, uint64_t now,
			 struct flow_age_found *out, unsigned max);
/* Entry `index` was found but its report could not be queued: it is
 * found again at the first sweep after `now` (unless a hit or a write
 * moves it on first), so that no entry goes, or stays idle, unreported. */
void flow_age_retry(struct flow_age *a, uint32_t index, uint64_t now);
/* How many times entry `index` was written (an aged delete carries the
 * generation it was found at, so it can tell the entry was rewritten). */
uint32_t flow_age_gen(const struct flow_age *a, uint32_t index);

struct flow_age_stats {
	uint64_t found;          /* entries reported */
	uint64_t refreshed;      /* deadlines come up and moved on by hits */
	uint64_t rebuilds;       /* heap compactions */
	uint64_t retried;        /* found again: no room to report them */
};
const struct flow_age_stats *flow_age_stats(const struct flow_age *a);

#endif
