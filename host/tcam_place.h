/* TCAM placement: where the host puts a flow entry of a given priority in
 * its NIC's table, so that "lowest matching index wins" gives the
 * highest-priority decision, with few moves and no wrong decision while
 * entries move.
 *
 * Priorities are levels 0 .. n_levels - 1; level 0 is the highest (it
 * must sit at the lowest indices), the NIC's own sense of order.  The
 * invariant kept after every command: every entry of level p is at a
 * lower index than every entry of a level q > p.  Entries of one level
 * sit in any order among themselves, and an order between two of them
 * may change when one moves; so two entries of equal priority that
 * overlap (some key matches both) decide in an unspecified order, as
 * OpenFlow leaves them.  A caller that needs one to win gives it a
 * higher level.
 *
 * Algorithms (Shah & Gupta, "Fast updating algorithms for TCAMs", IEEE
 * Micro 2001; docs/fpag_tables.md has the figures):
 *   TP_ALGO_PLO    the priority-order algorithm: to make room at level p,
 *                  a chain moves at most one entry per level between the
 *                  insertion point and the nearest free slot (the first
 *                  entry of a level below to the slot after its last, or
 *                  the last entry of a level above to the slot before its
 *                  first), whichever way crosses fewer levels.
 *   TP_ALGO_NAIVE  the baseline: shift every entry between the insertion
 *                  point and the first free slot below it down by one.
 * Free space (TP_LAYOUT_*): where a new level's entries go in an empty
 * region, which decides where the free slots stay: all at the bottom
 * (TOP: entries packed from index 0), in the middle (MIDDLE: levels of
 * the upper half packed from the top, the rest from the bottom, so a
 * chain crosses at most half the levels), or between levels (SPREAD:
 * each level starts at its share of the table, so gaps sit between
 * levels and most inserts move nothing).
 *
 * Moves never open a window where a packet matches the wrong entry.  A
 * move writes the copy at its new place first and invalidates the old
 * place second, and the chain runs from the free slot toward the
 * insertion point, so every intermediate table is the old one with one
 * entry present twice, both copies within the order above.  A slot is
 * written only while invalid: overwriting a live entry would let a
 * lookup already past its TCAM compare read the new action word
 * (docs/lookup_core_contract.md); an invalidate followed by any later
 * config beat cannot.  Each insert is one ENTRY_WRITE plus two commands
 * per move; a delete is one ENTRY_INVALIDATE and moves nothing.
 *
 * Table full (no free slot): TP_FULL_REFUSE refuses the insert
 * (-ENOSPC: the flow stays in the slow path); TP_FULL_EVICT_LRU removes
 * the entry hit least recently (last-hit times from the caller's
 * last_hit callback, per index, e.g. the NIC's flow counters; a caller
 * pins an entry by answering UINT64_MAX; the scan is O(depth), so a
 * caller that indexes its last hits answers the optional victim callback
 * instead) and reports the victim so the caller can drop its flow record
 * (and its VPID count, host/vpid.h).
 * An eviction is a delete and then the insert: between the two, the
 * victim's packets see the table without it (a lower-priority entry or a
 * miss), as after any delete.  Both policies are counted.
 *
 * Entries are named by handles that survive moves; the optional moved
 * callback tells the caller when an entry changes index (the NIC's
 * counters are per index).  tcam_place owns placement in the flow table
 * it is given: nobody else may write that table's entries.  No call
 * advances simulated time; no allocation after create.
 */
#ifndef PNIC_TCAM_PLACE_H
#define PNIC_TCAM_PLACE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/flow_table.h"
#include "model/action.h"
#include "model/error.h"
#include "model/key.h"

enum tcam_place_algo {
	TP_ALGO_PLO = 0,
	TP_ALGO_NAIVE,
};

enum tcam_place_layout {
	TP_LAYOUT_TOP = 0,
	TP_LAYOUT_MIDDLE,
	TP_LAYOUT_SPREAD,
};

enum tcam_place_full {
	TP_FULL_REFUSE = 0,
	TP_FULL_EVICT_LRU,
};

#define TP_MAX_LEVELS 65536u
#define TP_NONE UINT32_MAX

struct tcam_place_params {
	struct flow_table *table;    /* given, not owned; never written */
	uint32_t n_levels;           /* 1..TP_MAX_LEVELS */
	enum tcam_place_algo algo;
	enum tcam_place_layout layout;
	enum tcam_place_full full;
	/* TP_FULL_EVICT_LRU: when entry `index` was last hit. */
	uint64_t (*last_hit)(void *ctx, uint32_t index);
	/* May be NULL: the index to evict, from the caller's own index of
	 * last hits (TP_NONE: all pinned); else a scan of last_hit. */
	uint32_t (*victim)(void *ctx);
	/* May be NULL: entry `handle` moved from one index to another. */
	void (*moved)(void *ctx, uint32_t handle, uint32_t from, uint32_t to);
	void *ctx;
};

struct tcam_place_entry {
	struct pnic_key value, mask;
	struct action_word action;
	uint32_t level;              /* 0 is the highest priority */
};

/* What one insert did. */
struct tcam_place_result {
	uint32_t handle;             /* the new entry's */
	uint32_t index;              /* where it went */
	uint32_t moves;              /* entries moved to make room */
	uint32_t writes;             /* commands sent, eviction included */
	uint32_t victim;             /* handle evicted, or TP_NONE */
	uint32_t victim_index;
};

struct tcam_place_stats {
	uint64_t inserts, deletes;
	uint64_t moves;              /* entries moved by inserts */
	uint64_t writes;             /* ENTRY_WRITE + ENTRY_INVALIDATE sent */
	uint64_t max_moves;          /* the worst single insert */
	uint64_t refused_full;       /* TP_FULL_REFUSE: left in the slow path */
	uint64_t evictions;          /* TP_FULL_EVICT_LRU */
	uint64_t forgotten;          /* entries the NIC removed itself */
};

struct tcam_place;

int tcam_place_create(const struct tcam_place_params *p,
		      struct tcam_place **out, struct pnic_error *err);
void tcam_place_destroy(struct tcam_place *tp);

/* Place e (see above).  -ERANGE for a level out of range, -ENOSPC when
 * full under TP_FULL_REFUSE, or the sink's error (the table keeps its
 * order; the entry being moved may be live twice). */
int tcam_place_insert(struct tcam_place *tp, const struct tcam_place_entry *e,
		      struct tcam_place_result *r, struct pnic_error *err);
/* Invalidate the entry; its slot is free.  -ENOENT for a handle not live. */
int tcam_place_delete(struct tcam_place *tp, uint32_t handle,
		      struct pnic_error *err);

/* The NIC removed the entry itself (aging in delete mode): its slot is
 * free, no command sent.  -ENOENT for a handle not live. */
int tcam_place_forget(struct tcam_place *tp, uint32_t handle,
		      struct pnic_error *err);

/* The index of a live handle, or TP_NONE. */
uint32_t tcam_place_index(const struct tcam_place *tp, uint32_t handle);
/* The handle of the entry at index, or TP_NONE if the slot is free (an
 * event the NIC reports by index names this entry). */
uint32_t tcam_place_handle_at(const struct tcam_place *tp, uint32_t index);
/* The level of the entry at index, or TP_NONE if the slot is free. */
uint32_t tcam_place_level_at(const struct tcam_place *tp, uint32_t index);
uint32_t tcam_place_live(const struct tcam_place *tp);
const struct tcam_place_stats *tcam_place_stats(const struct tcam_place *tp);

#endif
