/* VPID allocator: the FPAG's owner of virtual port ids and of the NIC's
 * VPID->PPID map.
 *
 * Each VNIC interface gets a VPID from a configured range (first ..
 * first + count - 1, within the NIC's map RAM), unique on this NIC while
 * it is held.  Flow entries name the VPID; the map says which PPID it is
 * on now, so a VNIC that moves costs one MAP_SET (vpid_move).  All map
 * changes are commands to the sink given at creation (model/nic_cmd.h),
 * so the same allocator programs a NIC in process, the RTL's config port
 * or the mailbox.
 *
 * Reuse safety (the issue: a released and reused VPID must never let a
 * stale flow entry deliver to its new owner).  Three parts:
 *   1. Unmap first.  vpid_release() sends MAP_CLEAR before anything else:
 *      from then on an entry still naming the VPID forwards to an
 *      unmapped VPID, which the NIC drops or sends to the host (its
 *      unmapped policy), never to a port.
 *   2. Quarantine until purged.  The caller reports every flow entry it
 *      installs or removes that names a VPID (vpid_entry_added before it
 *      writes the entry, vpid_entry_removed once it has submitted the
 *      ENTRY_INVALIDATE; an entry naming two VPIDs, forward and mirror,
 *      reports both).  A released VPID with entries still naming it is
 *      DRAINING: it is not handed out again until the last of them is
 *      removed.  New entries naming a released VPID are refused
 *      (-ESTALE), so a flow set up while the VNIC went away cannot
 *      restart the count.  Since the NIC applies commands in ring order,
 *      every invalidate of an entry naming v is applied before the
 *      MAP_SET that gives v to its next owner, as long as the entries and
 *      the map go through one ordered channel (the same sink, or the same
 *      mailbox ring): a posted invalidate is enough.
 *   3. Fence and age.  Reuse takes the VPID freed longest ago (a FIFO),
 *      and the first MAP_SET of a reused VPID follows one more MAP_CLEAR
 *      of it: in the lookup core a lookup accepted one edge before an
 *      entry's invalidate reads the map two edges after it
 *      (docs/lookup_core_contract.md), and the extra config beat puts the
 *      new mapping past that read whatever else the ring carries.
 * Why not generations: the action word has 16 VPID bits and the map RAM
 * is indexed by them, so a generation field is only a bigger name space
 * cycled through, which delays reuse but bounds nothing: an entry that
 * is never purged outlives any finite quarantine.  Counting the entries
 * is exact, costs the caller two calls per entry, and needs no purge at
 * release time (entries can go by flow end or aging).
 *
 * Errors: 0 or a negative errno with err filled.  A command the sink
 * refuses changes no state here.  No call advances simulated time; no
 * allocation after create.
 */
#ifndef PNIC_VPID_H
#define PNIC_VPID_H

#include <stdint.h>

#include "model/error.h"
#include "model/nic_cmd.h"

enum vpid_state {
	VPID_FREE = 0,       /* never held, or purged: can be handed out */
	VPID_BOUND,          /* held by a VNIC, mapped to a PPID */
	VPID_DRAINING,       /* released, unmapped, entries still name it */
};

struct vpid_params {
	uint32_t first;               /* lowest VPID handed out */
	uint32_t count;               /* VPIDs in the range, >= 1 */
	struct nic_cmd_sink sink;     /* where MAP_SET / MAP_CLEAR go */
};

struct vpid_stats {
	uint64_t allocs, releases, moves;
	uint64_t reuses;              /* allocs of a VPID held before */
	uint64_t map_sets, map_clears;    /* commands the sink took */
	uint64_t fences;              /* of map_clears: before a reuse */
	uint64_t exhausted;           /* allocs refused: nothing free */
	uint64_t stale_refused;       /* entries naming a released VPID */
	uint64_t drained;             /* DRAINING -> FREE on the last entry */
};

struct vpid_alloc;

int vpid_create(const struct vpid_params *p, struct vpid_alloc **out,
		struct pnic_error *err);
void vpid_destroy(struct vpid_alloc *a);

/* A VPID for a new VNIC interface on `ppid` (the oldest free one), mapped
 * with MAP_SET.  -ENOSPC if none is free (the message says how many are
 * draining). */
int vpid_alloc(struct vpid_alloc *a, uint32_t ppid, uint32_t *vpid,
	       struct pnic_error *err);
/* The VNIC moved: one MAP_SET.  -ENOENT unless vpid is BOUND. */
int vpid_move(struct vpid_alloc *a, uint32_t vpid, uint32_t ppid,
	      struct pnic_error *err);
/* The VNIC went away: MAP_CLEAR, then FREE or DRAINING (see above).
 * -ENOENT unless vpid is BOUND. */
int vpid_release(struct vpid_alloc *a, uint32_t vpid, struct pnic_error *err);

/* An entry naming vpid is about to be written: -ESTALE unless BOUND. */
int vpid_entry_added(struct vpid_alloc *a, uint32_t vpid,
		     struct pnic_error *err);
/* An entry naming vpid is gone from the NIC.  -ENOENT if none was
 * counted. */
int vpid_entry_removed(struct vpid_alloc *a, uint32_t vpid,
		       struct pnic_error *err);

/* Queries; a VPID outside the range reads as FREE, 0 entries, unmapped. */
enum vpid_state vpid_state(const struct vpid_alloc *a, uint32_t vpid);
uint32_t vpid_entries(const struct vpid_alloc *a, uint32_t vpid);
/* The PPID a BOUND VPID maps to, else VPID_UNMAPPED. */
uint32_t vpid_ppid(const struct vpid_alloc *a, uint32_t vpid);
uint32_t vpid_free_count(const struct vpid_alloc *a);
const struct vpid_stats *vpid_stats(const struct vpid_alloc *a);

#endif
