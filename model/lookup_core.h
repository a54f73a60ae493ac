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

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/error.h"
#include "model/key.h"
#include "model/lookup.h"
#include "model/lookup_core_ops.h"

#define LOOKUP_CORE_LATENCY 3
#define LOOKUP_CORE_MAX_DEPTH 65536   /* cfg_index_i is 16 bits */
#define LOOKUP_CORE_DEFAULT_VPIDS 256

struct lookup_core;

struct lookup_core_params {
	uint32_t depth;     /* TCAM entries: power of two, TCAM_MIN_DEPTH..65536 */
	uint16_t key_bits;  /* 1..PNIC_KEY_MAX_BITS */
	uint32_t n_vpids;   /* map RAM depth, 1..VPID_MAP_MAX_VPIDS (0: 256) */
};

/* The input ports for one cycle (clock and reset aside). */
struct lookup_core_in {
	bool cfg_valid;
	uint8_t op;                  /* enum lookup_core_op */
	uint16_t index;              /* entry index or VPID */
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

const struct lookup_core_params *lookup_core_params(const struct lookup_core *lc);
const struct lookup_core_stats *lookup_core_stats(const struct lookup_core *lc);
/* The core's tables, read-only, for inspection. */
const struct lookup *lookup_core_lookup(const struct lookup_core *lc);

#endif
