/* Lookup core: the cycle-exact model of rtl/lookup_core.sv.
 *
 * The core is TCAM -> action RAM -> VPID map behind a config write port and
 * a valid/ready lookup stream, in three stages (docs/lookup_core_contract.md
 * is the binding description; this model and the RTL both implement it, and
 * rtl/cosim checks them against each other every cycle):
 *
 *   accept edge E:  S1 <- key, tag
 *   edge E+1:       S2 <- lowest valid matching TCAM index (or miss)
 *   edge E+2:       S3 <- action RAM[index]
 *   edge E+3:       response <- action, map[action.vpid]   (rsp_valid_o)
 *
 * Every stage moves only when the response register is empty or being
 * taken (one global stall), a config write takes the lookup slot, and a
 * stage sees exactly the writes accepted at edges before the edge at which
 * it samples.  The function of each stage is the untimed lookup's
 * (lookup.h: lookup_stage_match, _action, _map, the same calls the
 * functional datapath makes through lookup_run), and a config beat is a
 * lookup_write(); this file adds only the registers and when each stage
 * and each write happens.
 *
 * The interface mirrors the RTL ports so that the lockstep harness can feed
 * both the same values: fill a struct lookup_core_in for the cycle, call
 * lookup_core_eval() for the outputs of that cycle (ready signals depend
 * combinationally on cfg_valid and rsp_ready; the response is registered),
 * then lookup_core_step() for the rising clock edge.  Only step() and
 * reset() advance simulated time.  Input fields are cut to their port
 * widths (a key to key_bits, the action to ACTION_WORD_BITS), as the wires
 * would.  A beat the lookup's write check refuses (an index out of range,
 * an unknown op, PPID 0xffff = VPID_UNMAPPED in a MAP_WRITE) is a no-op,
 * as in the RTL.
 *
 * The core owns its lookup tables.  No allocation after create.
 */
#ifndef PNIC_LOOKUP_CORE_H
#define PNIC_LOOKUP_CORE_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/error.h"
#include "model/key.h"
#include "model/lookup.h"
#include "model/lookup_core_ops.h"

#define LOOKUP_CORE_LATENCY 3

/* Limits.  These and the ones they build on (TCAM_MIN_DEPTH,
 * PNIC_KEY_MAX_BITS, VPID_MAP_MAX_VPIDS) are written here and nowhere else:
 * tools/kpgen exports them to the RTL package (LookupCoreMaxDepth, ...),
 * which the RTL checks its parameters against, and the cosim harness and
 * `pnicsim cosim` read them from here.
 *
 * The model's depth: an entry index travels on cfg_index_i. */
#define LOOKUP_CORE_MAX_DEPTH (1u << LC_INDEX_BITS)
/* The RTL's: the deepest configuration linted (rtl/lint.sh) and run in
 * lockstep with this model (bench/parts/40-cosim.sh).  Not a build cost:
 * 4096x128 builds in about 20 s and 370 MB, as 1024x128 does; past 8192,
 * Verilator's -Wall also stops at tcam.sv's reset of its valid bits
 * (docs/cosim.md, "Limits", has the figures). */
#define LOOKUP_CORE_RTL_MAX_DEPTH 4096u
/* Map RAM depth when the parameters leave it 0, and the RTL's NumVpids. */
#define LOOKUP_CORE_DEFAULT_VPIDS 256u

static_assert(LOOKUP_CORE_RTL_MAX_DEPTH <= LOOKUP_CORE_MAX_DEPTH &&
	      LOOKUP_CORE_MAX_DEPTH <= TCAM_MAX_DEPTH,
	      "the RTL's depth fits the model's, which fits the TCAM's");
static_assert((TCAM_MIN_DEPTH & (TCAM_MIN_DEPTH - 1)) == 0 &&
	      (LOOKUP_CORE_RTL_MAX_DEPTH & (LOOKUP_CORE_RTL_MAX_DEPTH - 1)) == 0,
	      "the core's depths are powers of two");
static_assert(VPID_MAP_MAX_VPIDS <= (1u << ACTW_VPID_W) &&
	      VPID_MAP_MAX_VPIDS <= (1u << LC_INDEX_BITS),
	      "every VPID of the map fits the action's VPID field and cfg_index_i");
static_assert(LOOKUP_CORE_DEFAULT_VPIDS >= 1 &&
	      LOOKUP_CORE_DEFAULT_VPIDS <= VPID_MAP_MAX_VPIDS,
	      "the default map depth is a legal one");

struct lookup_core;

struct lookup_core_params {
	uint32_t depth;     /* TCAM entries: power of two,
			     * TCAM_MIN_DEPTH..LOOKUP_CORE_MAX_DEPTH */
	uint16_t key_bits;  /* 1..PNIC_KEY_MAX_BITS */
	uint32_t n_vpids;   /* map RAM depth, 1..VPID_MAP_MAX_VPIDS
			     * (0: LOOKUP_CORE_DEFAULT_VPIDS) */
};

/* The input ports for one cycle (clock and reset aside). */
struct lookup_core_in {
	bool cfg_valid;
	uint8_t op;                  /* enum lookup_core_op */
	uint32_t index;              /* entry index or VPID, LC_INDEX_BITS */
	struct pnic_key value;
	struct pnic_key mask;
	struct action_word action;
	uint16_t ppid;

	bool req_valid;
	struct pnic_key key;
	uint8_t tag;

	bool rsp_ready;
};

/* The response register: the untimed lookup's result, with the
 * handshake around it. */
struct lookup_core_rsp {
	bool valid;
	uint8_t tag;
	struct lookup_result res;    /* hit, index, action, ppid, mapped */
};

/* The output ports for one cycle. */
struct lookup_core_out {
	bool cfg_ready;
	bool req_ready;
	struct lookup_core_rsp rsp;  /* rsp.valid is rsp_valid_o */
};

struct lookup_core_stats {
	uint64_t cycles;        /* edges stepped, reset edges included */
	uint64_t stall_cycles;  /* edges on which the pipeline held */
	uint64_t lookups;       /* requests accepted */
	uint64_t responses;     /* responses taken (valid && ready) */
	uint64_t hits;          /* responses taken that hit */
	uint64_t cfg_writes;    /* config beats accepted (no-ops included) */
};

int lookup_core_create(const struct lookup_core_params *p,
		       struct lookup_core **out, struct pnic_error *err);
void lookup_core_destroy(struct lookup_core *lc);

/* One rising edge with rst_ni low: pipeline, TCAM entry and map valid bits
 * clear; values, masks, action words and PPIDs stay (never observable). */
void lookup_core_reset(struct lookup_core *lc);

/* The outputs in the cycle whose inputs are `in` (no state change). */
void lookup_core_eval(const struct lookup_core *lc,
		      const struct lookup_core_in *in,
		      struct lookup_core_out *out);

/* The rising clock edge at the end of the cycle whose inputs are `in`. */
void lookup_core_step(struct lookup_core *lc, const struct lookup_core_in *in);

/* Offer w on the config port this cycle: cfg_valid and the beat's fields
 * (a struct lookup_write is what the port carries, lookup.h). */
static inline void lookup_core_in_beat(struct lookup_core_in *in,
				       const struct lookup_write *w)
{
	in->cfg_valid = true;
	in->op = w->op;
	in->index = w->index;
	in->value = w->value;
	in->mask = w->mask;
	in->action = w->action;
	in->ppid = w->ppid;
}

/* What a request for `key` accepted now responds with, when no config
 * beat is accepted during its flight (at the two edges after the accept,
 * at which its action and map stages sample the tables): the untimed
 * lookup on the tables as they stand, the key cut to the port's width.
 * No state change, no time: the pipeline's fast path (docs/timing.md,
 * "The lookup core's fast path"). */
void lookup_core_result(const struct lookup_core *lc, const struct pnic_key *key,
			struct lookup_result *res);
/* res[i] = lookup_core_result(keys[i]) for i < n, the keys' table reads
 * together (lookup_run_burst) so that their cache misses overlap. */
void lookup_core_result_burst(const struct lookup_core *lc,
			      const struct pnic_key *keys, uint32_t n,
			      struct lookup_result *res);

const struct lookup_core_params *lookup_core_params(const struct lookup_core *lc);
const struct lookup_core_stats *lookup_core_stats(const struct lookup_core *lc);
/* The core's tables, read-only, for inspection. */
const struct lookup *lookup_core_lookup(const struct lookup_core *lc);
/* The same, writable, for what no port of the core carries: the VXLAN
 * encap templates that the action RAM keeps for the editor (TEMPLATE_SET;
 * the RTL holds no templates).  Entries and the map change through the
 * config port only, at the edge that accepts the beat; a write through
 * this pointer would bypass that timing. */
struct lookup *lookup_core_tables(struct lookup_core *lc);

#endif
