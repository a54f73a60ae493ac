/* oracle: the correctness oracle of a timed FPAG run (docs/fpag.md,
 * "Correctness oracle").  For every packet, the decision the NIC took
 * (forward to which PPID with which bytes, or drop) against the decision
 * a slow-path-only run of the same rules gives for that packet at that
 * moment.
 *
 * What it models: nothing of the NIC.  During the run the caller tells
 * it of every arrival (id, port, time, bytes) and of what became of it:
 * forwarded by the NIC (PPID, bytes as they left), dropped (a decision:
 * an action, a deny, an unmapped VPID; or for want of room, which is no
 * decision and is counted apart), sent to the host (the event's sequence
 * number), and, on the host's side, what the FPAG did with that event:
 * the PACKET_OUT it posted for it (PPID, bytes), or none (a drop).  At
 * the end, oracle_finish() runs the decider: a second FPAG made from the
 * same parameters with `slow_path_only` (no entry is ever installed, so
 * every packet meets the rules and conntrack), fed every arrival in
 * arrival order at its arrival time, the scenario's timed actions applied
 * when due and its timers (conntrack timeouts) run as time passes; its
 * sink keeps the PACKET_OUT of each packet and takes every other command
 * without effect.
 *
 * Windows: a timed action's window runs from its due time until the NIC
 * applied its last command (oracle_window()).  A packet whose decision
 * was in the making inside a window (from its arrival until the NIC or
 * the host decided it) and that disagrees is counted in_window under the
 * action's kind; a disagreement outside every window is a mismatch (the
 * first ORACLE_FIRST are kept).  Packets with no final decision at the
 * end (held, queued on the host, an event the host never took) are
 * `unresolved`.
 *
 * Invariants after oracle_finish(): compared = matched + in_window +
 * mismatches; arrivals = compared + capacity + unresolved.
 *
 * Memory: the arrivals' and the NIC's output frames are kept until the
 * end, in arrays that grow by doubling (an off-by-default check of a
 * bounded run, not a hot path of the model).  Untimed, no callbacks; the
 * caller owns the frames it passes (copied during the call).
 */
#ifndef PNIC_ORACLE_H
#define PNIC_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/fpag.h"
#include "host/fpag_prog.h"
#include "model/error.h"

/* Mismatches kept with their detail. */
#define ORACLE_FIRST 8u

enum oracle_verdict {
	ORACLE_UNKNOWN = 0,       /* no decision (yet) */
	ORACLE_FORWARD,           /* left by a PPID with some bytes */
	ORACLE_DROP,              /* decided: nothing leaves */
};

/* One packet's decision: a forward's PPID and the first bytes that left
 * (caplen of them), for a report. */
struct oracle_decision {
	enum oracle_verdict v;
	uint32_t ppid;
	uint32_t caplen;
};

struct oracle_mismatch {
	uint64_t id;              /* the arrival's */
	uint64_t at_ns;           /* its arrival, from the sources' start */
	uint32_t in_port;
	struct oracle_decision expected;   /* the slow path's */
	struct oracle_decision got;        /* the NIC's */
	int32_t byte;             /* both forwarded to one PPID: the first
				   * byte that differs; else -1 */
};

struct oracle_stats {
	uint64_t arrivals;
	uint64_t compared, matched;
	uint64_t in_window;                   /* all kinds */
	uint64_t in_window_kind[FPAG_PROG_OPS];   /* by the action's op */
	uint64_t mismatches;                  /* outside every window */
	uint64_t capacity;                    /* dropped for want of room */
	uint64_t unresolved;                  /* no final decision at the end */
	uint64_t forwards, drops;             /* the NIC's decisions compared */
	uint64_t windows;                     /* windows given */
	uint64_t decider_errors;              /* the decider's actions refused */
};

struct oracle_params {
	/* The run's FPAG parameters, with a rule set of the oracle's own (it
	 * changes with the rule updates): sink, spend, ctx, order_out,
	 * ordering, counting and slow_path_only are the oracle's. */
	struct fpag_params fpag;
	const struct fpag_prog_action *actions;   /* copied; by at_ns */
	uint32_t n_actions;
};

struct oracle;

int oracle_create(const struct oracle_params *p, struct oracle **out,
		  struct pnic_error *err);
void oracle_destroy(struct oracle *o);

/* Arrival `id` (0, 1, ... as the NIC numbers them) on in_port at at_ns.
 * 0, or -ENOMEM (err set). */
int oracle_arrival(struct oracle *o, uint64_t id, uint32_t in_port,
		   uint64_t at_ns, const uint8_t *frame, uint32_t caplen,
		   uint32_t len, struct pnic_error *err);

/* The NIC's side.  Calls naming an id not given to oracle_arrival() are
 * ignored. */
int oracle_forwarded(struct oracle *o, uint64_t id, uint32_t ppid,
		     const uint8_t *frame, uint32_t caplen,
		     struct pnic_error *err);
/* Dropped: capacity false for a decision (an action, a deny, an
 * unmapped VPID), true for want of room (a full queue or buffer). */
void oracle_dropped(struct oracle *o, uint64_t id, bool capacity);
/* Sent to the host as event seq (miss: a TCAM miss or a cancelled hold,
 * which the FPAG decides; otherwise the host program drops it). */
int oracle_to_host(struct oracle *o, uint64_t id, uint32_t seq, bool miss,
		   struct pnic_error *err);

/* The host's side: the FPAG took the miss of event seq at now_ns
 * (queued: its PACKET_OUT waits for its entry's marker), and posted a
 * PACKET_OUT for it. */
void oracle_host_handled(struct oracle *o, uint32_t seq, uint64_t now_ns,
			 bool queued);
int oracle_host_sent(struct oracle *o, uint32_t seq, uint32_t ppid,
		     const uint8_t *frame, uint32_t caplen,
		     struct pnic_error *err);

/* Timed action `action` (its index in the params) was due at from_ns and
 * the NIC had applied its last command at to_ns (UINT64_MAX: never). */
void oracle_window(struct oracle *o, uint32_t action, uint64_t from_ns,
		   uint64_t to_ns);

/* Run the decider over every arrival and compare.  0, or the decider's
 * failure (err set).  Once. */
int oracle_finish(struct oracle *o, struct pnic_error *err);

const struct oracle_stats *oracle_stats(const struct oracle *o);
/* The first mismatches (outside any window), in arrival order; *n of
 * them (at most ORACLE_FIRST). */
const struct oracle_mismatch *oracle_mismatches(const struct oracle *o,
						uint32_t *n);

#endif
