/* Flow table: the host's copy of the flow entries it installs on one NIC.
 *
 * A driver does not read its NIC's TCAM back to learn what is there: it
 * keeps what it wrote.  This block keeps, per entry index, the value, mask
 * and action word last written and whether the entry is live, and changes
 * an entry only by submitting the command that makes the NIC agree:
 * ENTRY_WRITE to add, restore or rewrite one, ACTION_WRITE to change what
 * a live one does, ENTRY_INVALIDATE to withdraw one (its copy stays, so
 * it can be put back as it was).  The copy changes only when the sink
 * accepts the command, so it never holds what the NIC refused.
 *
 * Commands go to the sink given at creation (model/nic_cmd.h): a NIC in
 * this process, the lookup core's config port in the RTL cosim, or, later,
 * the mailbox; the code here is the same for all three.
 *
 * Placement: flow_table_add() takes the lowest index that has never held
 * an entry, so a host that adds in priority order (a catch-all last) gets
 * "lowest index wins" right.  flow_table_find() looks for an entry with
 * exactly a given match, the check a host makes before installing a flow
 * after a miss: live entries are chained by a hash of their value and
 * mask, so it costs one chain; flow_table_find_linear() is the plain scan
 * it is tested against.
 */
#ifndef PNIC_FLOW_TABLE_H
#define PNIC_FLOW_TABLE_H

#include <stdint.h>

#include "model/action.h"
#include "model/error.h"
#include "model/key.h"
#include "model/nic_cmd.h"

struct flow_table;

struct flow_table_params {
	uint32_t depth;              /* the NIC's entries, 1..TCAM_MAX_DEPTH */
	struct nic_cmd_sink sink;    /* where the commands go */
};

int flow_table_create(const struct flow_table_params *p,
		      struct flow_table **out, struct pnic_error *err);
void flow_table_destroy(struct flow_table *t);

/* Write entry `index` (ENTRY_WRITE); it is live afterwards. */
int flow_table_write(struct flow_table *t, uint32_t index,
		     const struct pnic_key *value, const struct pnic_key *mask,
		     const struct action_word *action, struct pnic_error *err);
/* Write an entry at the lowest index never used; *index says where.
 * -ENOSPC when every index has been used. */
int flow_table_add(struct flow_table *t, const struct pnic_key *value,
		   const struct pnic_key *mask, const struct action_word *action,
		   uint32_t *index, struct pnic_error *err);
/* Change what a live entry does (ACTION_WRITE).  -ENOENT if not live. */
int flow_table_set_action(struct flow_table *t, uint32_t index,
			  const struct action_word *action,
			  struct pnic_error *err);
/* Withdraw a live entry (ENTRY_INVALIDATE), keeping its copy.
 * -ENOENT if not live. */
int flow_table_withdraw(struct flow_table *t, uint32_t index,
			struct pnic_error *err);
/* The NIC removed a live entry itself (aging in delete mode): withdrawn
 * in the copy, no command sent.  -ENOENT if not live. */
int flow_table_forget(struct flow_table *t, uint32_t index,
		      struct pnic_error *err);
/* Write a withdrawn entry back as it was (ENTRY_WRITE).  -ENOENT if it
 * was never written or is live. */
int flow_table_restore(struct flow_table *t, uint32_t index,
		       struct pnic_error *err);

/* A live entry whose value and mask are exactly these, or -1. */
int32_t flow_table_find(const struct flow_table *t,
			const struct pnic_key *value,
			const struct pnic_key *mask);
/* The same by a scan (the lowest such index): the oracle. */
int32_t flow_table_find_linear(const struct flow_table *t,
			       const struct pnic_key *value,
			       const struct pnic_key *mask);
/* Indices used so far (the next flow_table_add() takes this one). */
uint32_t flow_table_used(const struct flow_table *t);
uint32_t flow_table_depth(const struct flow_table *t);
/* The copy of a live entry (value as written: value & mask), for a host
 * that moves entries (host/tcam_place.h).  -ENOENT if not live, -ERANGE
 * past the depth. */
int flow_table_get(const struct flow_table *t, uint32_t index,
		   struct pnic_key *value, struct pnic_key *mask,
		   struct action_word *action);

#endif
