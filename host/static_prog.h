/* static_prog: the simple static host program of the timed system
 * (docs/system.md): the host software that closes the miss loop.
 *
 * The scenario's tables are programmed before the program starts (the
 * system submits scenario_program() through mbox_drv_sink()).  Then, on
 * every MISS event the driver hands out: spend `miss_ns` of host CPU,
 * install an exact-match entry for the flow (value = the event's key,
 * mask all ones over the key width, the configured action) at the next
 * free TCAM index, and send the frame back out with PACKET_OUT to the PPID
 * the action's VPID maps to, spending install_ns and packet_out_ns.  A
 * full table is counted and the packet-outs go on.  Commands are posted
 * in a batch and published with one doorbell per poll.
 *
 * Ordering (params.hold, docs/fpag.md "Ordering guarantee"): the entry is
 * written with the hold action and the miss's frame queued, not sent;
 * a later miss with the same key before the marker is queued behind it
 * (the entry is installed once); on the entry's LANDED marker the queued
 * frames go out in arrival order, then an ACTION_WRITE without hold
 * releases the packets the NIC held.  At most STATIC_PROG_PENDING
 * entries wait at once and STATIC_PROG_QUEUE frames; past either, a
 * miss is handled as without hold, counted (order_overflow).
 *
 * Plain C, no SystemC: the program runs over a driver handle and a
 * `spend` callback through which the host's CPU time passes (the SystemC
 * host thread advances its local time; a test adds it up).  It never
 * waits itself: a full command ring or packet buffer pool is waited out
 * with mbox_drv_post_wait(), i.e. the driver's wait callback.
 * No allocation after create.
 */
#ifndef PNIC_STATIC_PROG_H
#define PNIC_STATIC_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "host/mbox_drv.h"
#include "model/action.h"
#include "model/error.h"

/* Host CPU per step, ns (defaults and reasons in docs/system.md). */
struct static_prog_costs {
	uint32_t miss_ns;         /* take the event, classify the flow */
	uint32_t install_ns;      /* build and post the ENTRY_WRITE */
	uint32_t packet_out_ns;   /* copy the frame, post the PACKET_OUT */
};

void static_prog_costs_default(struct static_prog_costs *c);

/* What the program did with one miss, for the round-trip accounting. */
struct static_prog_handled {
	uint32_t seq;             /* the event's sequence number */
	bool installed;           /* an ENTRY_WRITE was posted */
	uint32_t index;           /* its TCAM index */
	bool packet_out;          /* a PACKET_OUT was posted */
	bool queued;              /* its PACKET_OUT waits for the marker */
};

#define STATIC_PROG_PENDING 64u
#define STATIC_PROG_QUEUE 256u

struct static_prog_params {
	struct mbox_drv *drv;
	uint32_t key_bits;        /* the NIC's key width */
	uint32_t depth;           /* TCAM entries */
	uint32_t first_index;     /* the first entry the program may use */
	struct pnic_action action;  /* validated by create */
	uint32_t out_ppid;        /* packet-outs go here; UINT32_MAX: none */
	bool install;             /* false: count misses only */
	struct static_prog_costs costs;
	void (*spend)(void *ctx, uint64_t ns);      /* may be NULL */
	/* Called after a miss's commands are posted (may be NULL). */
	void (*handled)(void *ctx, const struct static_prog_handled *h);
	/* Ordering: new entries hold until their marker (see above). */
	bool hold;
	/* A queued miss's PACKET_OUT was posted (may be NULL). */
	void (*released)(void *ctx, uint32_t seq);
	void *ctx;
};

struct static_prog_stats {
	uint64_t polls;           /* static_prog_poll() calls */
	uint64_t misses;          /* TCAM misses handled */
	uint64_t to_host;         /* MISS events for another reason (a to-host
				   * action, an unmapped VPID, a parse error):
				   * counted, no entry installed */
	uint64_t other_events;    /* FLOW_END, AGED, ERROR: counted only */
	uint64_t event_gaps;      /* events the device dropped (seq gaps) */
	uint64_t installed;       /* ENTRY_WRITEs posted */
	uint64_t table_full;      /* misses with no free index left */
	uint64_t packet_outs;     /* PACKET_OUTs posted */
	uint64_t completions, cpl_errors;
	uint64_t post_errors;     /* posts refused for good (not -EAGAIN) */
	uint64_t cpu_ns;          /* host CPU spent */
	/* ordering */
	uint64_t markers;         /* LANDED events */
	uint64_t markers_stale;   /* ... of no entry waiting */
	uint64_t releases;        /* ACTION_WRITEs that ended a hold */
	uint64_t order_queued;    /* misses queued behind a holding entry */
	uint64_t order_overflow;  /* misses handled without hold: no room */
};

struct static_prog;

int static_prog_create(const struct static_prog_params *p,
		       struct static_prog **out, struct pnic_error *err);
void static_prog_destroy(struct static_prog *sp);

/* One pass: take completions, take every event the driver has, handle
 * the misses, ring the doorbell once.  The number of events taken, or a
 * negative errno when the driver gave up waiting (err set). */
int static_prog_poll(struct static_prog *sp, struct pnic_error *err);

const struct static_prog_stats *static_prog_stats(const struct static_prog *sp);

#endif
