/* Lookup: the untimed TCAM -> action RAM -> VPID map read, written once.
 *
 * The block owns the three tables the RTL's lookup core holds: the TCAM
 * (lowest valid matching index wins), the action RAM (one 72-bit word per
 * entry; it also keeps the VXLAN encap templates the editor reads) and
 * the VPID->PPID map RAM.  A lookup is three stages, exported one by one
 * because the cycle-level lookup core (lookup_core.h) runs each at its own
 * edge, and composed by lookup_run() for the functional datapath
 * (datapath.h), so both read the tables through the same code:
 *
 *   match   key -> lowest valid matching index, or a miss
 *   action  index -> the action word as written (no field is decoded)
 *   map     the word's VPID -> PPID, on every hit, whatever the kind
 *
 * The lookup decodes no action kind, as the RTL does not: what a word
 * means (forward, drop, to host, or kind 3, which is undecodable) is the
 * datapath's action stage's business.  A miss reads index 0, the zero
 * word, PPID 0, unmapped, exactly as the lookup core's response carries
 * it.  Reads count nothing: counters belong to whoever decides what a
 * result means.
 *
 * Table writes carry the lookup core's config-port op codes
 * (lookup_core_ops.h), so a write is described once for the port, the
 * NIC's commands (nic_cmd.h) and this block.  lookup_write_check() is a
 * function of the parameters alone, so a command can be checked before it
 * reaches any table; lookup_write() checks, then writes.  The checks are
 * of ranges and widths only (kind 3 is the command set's refusal).
 *
 * No call advances time.  Reads neither allocate nor modify anything.
 */
#ifndef PNIC_LOOKUP_H
#define PNIC_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/action_ram.h"
#include "model/error.h"
#include "model/key.h"
#include "model/lookup_core_ops.h"
#include "model/tcam.h"
#include "model/vpid_map.h"

struct lookup;

struct lookup_params {
	uint32_t depth;     /* entries, TCAM_MIN_DEPTH..TCAM_MAX_DEPTH */
	uint16_t key_bits;  /* 1..PNIC_KEY_MAX_BITS */
	uint32_t n_vpids;   /* map RAM depth, 1..VPID_MAP_MAX_VPIDS */
	uint32_t n_ppids;   /* a map write names a PPID below this,
			     * 1..VPID_MAP_MAX_PPIDS */
};

/* What one lookup answers: the lookup core's response without its
 * handshake (valid, tag). */
struct lookup_result {
	bool hit;
	uint32_t index;              /* 0 on a miss */
	struct action_word action;   /* zero on a miss */
	uint16_t ppid;               /* 0 unless mapped */
	bool mapped;                 /* hit, and the action's VPID is mapped */
};

/* One table write, as the config port carries it. */
struct lookup_write {
	uint8_t op;                  /* enum lookup_core_op */
	uint32_t index;              /* entry index, or VPID for map ops */
	struct pnic_key value;       /* LC_OP_TCAM_WRITE */
	struct pnic_key mask;        /* LC_OP_TCAM_WRITE */
	struct action_word action;   /* LC_OP_TCAM_WRITE, LC_OP_ACTION_WRITE */
	uint16_t ppid;               /* LC_OP_MAP_WRITE */
};

int lookup_create(const struct lookup_params *p, struct lookup **out,
		  struct pnic_error *err);
void lookup_destroy(struct lookup *lk);
const struct lookup_params *lookup_params(const struct lookup *lk);

/* ---- the three stages ---------------------------------------------------- */

/* Match: fills hit and index and zeroes the rest of *r. */
void lookup_stage_match(const struct lookup *lk, const struct pnic_key *key,
			struct lookup_result *r);
/* Action: on a hit, the word at r->index. */
void lookup_stage_action(const struct lookup *lk, struct lookup_result *r);
/* Map: on a hit, the PPID of the word's VPID field and whether it is
 * mapped. */
void lookup_stage_map(const struct lookup *lk, struct lookup_result *r);

/* The map RAM at one VPID: the PPID, or VPID_UNMAPPED (also for a VPID
 * beyond the map).  The map stage reads the action's VPID through it; the
 * datapath's action stage reads a mirror VPID through it (a second read
 * port of the map RAM, docs/datapath.md). */
uint32_t lookup_map_read(const struct lookup *lk, uint32_t vpid);

/* ---- the whole lookup ---------------------------------------------------- */

void lookup_run(const struct lookup *lk, const struct pnic_key *key,
		struct lookup_result *r);
/* Moves on with every accepted write and every reset (never otherwise):
 * two lookups of one key at one generation give the same result, so a
 * result taken ahead holds while the generation it was taken at does. */
uint64_t lookup_generation(const struct lookup *lk);
/* r[i] = lookup_run(keys[i]) for i < n; the TCAM reads of the keys go
 * together (tcam_lookup_burst), LOOKUP_BURST at a time, so that their
 * cache misses overlap. */
#define LOOKUP_BURST 32
void lookup_run_burst(const struct lookup *lk, const struct pnic_key *keys,
		      uint32_t n, struct lookup_result *r);
/* The match stage alone, for callers that want only the index
 * (classify): the fast TCAM lookup, and the linear scan that is its
 * oracle.  TCAM_MISS or the index. */
int32_t lookup_match(const struct lookup *lk, const struct pnic_key *key);
int32_t lookup_match_linear(const struct lookup *lk,
			    const struct pnic_key *key);

/* ---- table writes -------------------------------------------------------- */

/* Whether w is a write these parameters take: a known op, an index below
 * depth (entry ops) or n_vpids (map ops), value and mask within key_bits,
 * an action word within ACTION_WORD_BITS, a PPID below n_ppids and not
 * VPID_UNMAPPED.  -EINVAL or -ERANGE with a message, 0 if it is. */
int lookup_write_check(const struct lookup_params *p,
		       const struct lookup_write *w, struct pnic_error *err);
/* Check, then write: LC_OP_TCAM_WRITE writes the entry (value stored as
 * value & mask) and its action word together, as the RTL does. */
int lookup_write(struct lookup *lk, const struct lookup_write *w,
		 struct pnic_error *err);
/* Every entry invalid and every VPID unmapped; values, masks, words and
 * PPIDs stay, as the RTL's reset clears valid bits only. */
void lookup_reset(struct lookup *lk);

/* ---- the encap templates the action RAM keeps for the editor ------------- */

int lookup_template_set(struct lookup *lk, uint8_t id,
			const struct encap_template *t, struct pnic_error *err);
/* NULL if template id was never set. */
const struct encap_template *lookup_template(const struct lookup *lk,
					     uint8_t id);

/* ---- read-only views, for reports ---------------------------------------- */

const struct tcam *lookup_tcam(const struct lookup *lk);

/* The VPID field of an action word (bits ACTW_VPID_OFF +: ACTW_VPID_W),
 * which the map stage reads without decoding the rest. */
static inline uint16_t lookup_action_vpid(const struct action_word *w)
{
	return (uint16_t)(w->w[0] >> ACTW_VPID_OFF);
}

#endif
