/* Pipeline: the pNIC at clock-cycle level, a packet's stages in order.
 *
 *   port wire --serialise--> MAC rx --> ingress buffer (per port, bounded)
 *     --round-robin--> parser --> key build --> lookup core (lookup_core.h)
 *     --> action stage --> editor --> egress queue (per PPID, bounded)
 *     --> MAC tx --serialise--> port wire
 *                                 \--> to-host queue (bounded) --> the host
 *   table commands --> config FIFO (bounded) --> the core's config port
 *   packet-out commands --> the egress queue of their PPID
 *
 * What a packet becomes is decided by the functional datapath's own code
 * (datapath.h): the parser stage runs datapath_front() (parse, key build)
 * and the action stage datapath_back() (counters, action, editor) with the
 * lookup core's response, so a packet gets the same decision and the same
 * bytes as in an untimed replay of the same tables.  This block adds only
 * when: every stage has a latency and an initiation interval in cycles
 * (struct pipeline_timing), ports serialise frames at their own speed
 * (preamble, FCS and inter-frame gap counted, in exact fractions of a
 * cycle: timebase.h), the lookup core is the cycle-exact model of the RTL,
 * stepped edge by edge whenever a table write or a stall is in play (and
 * otherwise answered at once with the result it would give, at the edge
 * it would give it), and queues are bounded.  docs/timing.md has every default and the reasons, with
 * the stage-by-stage cycle diagram.
 *
 * Rules:
 * - Time is the NIC clock's edge count (uint64).  Everything happens at an
 *   edge; pipeline_run_until(c) does all that happens at edges up to c,
 *   and between calls the pipeline sits at edge pipeline_now().  Edges at
 *   which nothing happens cost nothing: idle time is skipped whole.
 * - A wire cannot be held back (no PAUSE is modelled): a frame that finds
 *   its port's ingress buffer full is dropped.  Inside, stages back-press:
 *   a stage that cannot pass its packet on holds it, up to the core's
 *   global stall and the ingress buffers.  Queues after the decision
 *   (egress, to-host) drop at their tail when full.  Every drop is counted
 *   with its reason (enum pipeline_drop), and a record says what happened
 *   to every arrival.
 * - Table commands enter a FIFO in front of the core's config port and
 *   take effect at the edge the port accepts them, where a write takes the
 *   lookup slot of that edge (docs/lookup_core_contract.md); a full FIFO
 *   refuses the command with -EBUSY and applies nothing, so the submitter
 *   (the mailbox device) stops and retries.  Other commands act at once,
 *   through the NIC's one apply (nic_apply_valid).  PACKET_OUT re-enters
 *   at the egress queue of its PPID: the host decided, so no lookup, no
 *   edit.
 * - Misses and to-host packets wait in the to-host queue until the
 *   consumer takes them with pipeline_to_host_pop().
 * - A frame's departure is fixed when it enters its egress queue (FIFO, a
 *   constant-rate wire): the egress callback and a forwarded packet's
 *   record are called then, with the edges of its first and last bit out
 *   (later than now); the queue's occupancy falls at the last bit.  Every
 *   other record comes when its packet is dropped or enters the to-host
 *   queue.
 * - Frames are copied in (pipeline_arrive, PACKET_OUT) and out (the
 *   callbacks' and pop's pointers are valid until they return, or until
 *   the next pop).  No allocation after create.  Callbacks must not call
 *   back into the pipeline.
 *
 * Only pipeline_run_until() advances time.
 */
#ifndef PNIC_PIPELINE_H
#define PNIC_PIPELINE_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/datapath.h"
#include "model/error.h"
#include "model/key.h"
#include "model/key_profile.h"
#include "model/lookup.h"
#include "model/nic_cmd.h"

#define PIPELINE_MAX_PORTS 256
#define PIPELINE_MAX_MBPS 1600000u        /* 1.6 Tb/s */
#define PIPELINE_MAX_STAGE_CYCLES 4096u   /* a latency or II */
#define PIPELINE_NEVER UINT64_MAX         /* a stage not reached */
/* The latest first bit an arrival may have: 2^62 cycles (146 years at
 * 1 GHz), so that no edge a frame reaches after it can wrap. */
#define PIPELINE_MAX_CYCLE (1ull << 62)

/* Why a packet, a mirror copy or a packet-out was dropped.  The first
 * values are the datapath's decisions (enum datapath_drop_reason, the same
 * numbers); the rest are the pipeline's, made by time. */
enum pipeline_drop {
	PL_DROP_ACTION = DP_DROP_ACTION,
	PL_DROP_MISS = DP_DROP_MISS,
	PL_DROP_UNMAPPED_VPID = DP_DROP_UNMAPPED_VPID,
	PL_DROP_MIRROR_UNMAPPED = DP_DROP_MIRROR_UNMAPPED,  /* a mirror copy */
	PL_DROP_PARSE_ERROR = DP_DROP_PARSE_ERROR,
	PL_DROP_EDIT = DP_DROP_EDIT,
	PL_DROP_BAD_PORT = DP_DROP_BAD_PORT,  /* never: arrive refuses the port */
	PL_DROP_BAD_ACTION = DP_DROP_BAD_ACTION,
	PL_DROP_HOLD_FULL = DP_DROP_HOLD_FULL,
	PL_DROP_OVERSIZE = DP_DROP_REASON_COUNT,  /* longer than max_frame */
	PL_DROP_INGRESS_FULL,       /* the port's ingress buffer */
	PL_DROP_EGRESS_FULL,        /* the PPID's egress queue */
	PL_DROP_MIRROR_EGRESS_FULL, /* the same, for a mirror copy */
	PL_DROP_TO_HOST_FULL,       /* the to-host queue */
	PL_DROP_PACKET_OUT_FULL,    /* the egress queue, for a packet-out */
	PL_DROP_COUNT
};

static_assert(PL_DROP_HOLD_FULL + 1 == DP_DROP_REASON_COUNT,
	      "the datapath's reasons come first, with their own numbers");

/* What became of an arrival. */
enum pipeline_path {
	PL_PATH_HIT = 0,   /* forwarded: left by out_ppid */
	PL_PATH_MISS,      /* missed, went to the host */
	PL_PATH_TO_HOST,   /* went to the host for another reason */
	PL_PATH_DROP,      /* dropped, for `drop` */
};

/* One stage: cycles from taking a packet to offering it on, and cycles
 * between two packets taken. */
struct pipeline_stage {
	uint32_t latency;   /* 1..PIPELINE_MAX_STAGE_CYCLES */
	uint32_t ii;        /* 1..PIPELINE_MAX_STAGE_CYCLES */
};

struct pipeline_timing {
	uint32_t mac_rx;        /* last bit in -> in the ingress buffer */
	uint32_t parser_base;   /* parser latency besides its beats */
	uint32_t parser_bytes;  /* header bytes the parser reads a cycle; a
				 * packet is ceil(depth / this) beats (at least
				 * 1): its II, and its latency with the base */
	struct pipeline_stage key;      /* key build */
	struct pipeline_stage action;   /* decode, mirror map read, counters */
	struct pipeline_stage editor;
	uint32_t mac_tx;        /* in the egress queue -> first bit out, at
				 * the earliest */
};

/* Queue bounds: a queue is full when one more frame would pass either of
 * its two bounds.  Bytes count frames as the wire does less preamble, FCS
 * and gap (a frame's len). */
struct pipeline_bounds {
	uint32_t ingress_bytes, ingress_frames;  /* per port */
	uint32_t egress_bytes, egress_frames;    /* per PPID */
	uint32_t to_host_bytes, to_host_frames;
	uint32_t cfg_commands;                   /* table commands waiting */
	/* Arrivals given ahead of time per port, not yet in the ingress
	 * buffer: what pipeline_arrive() takes before it says -ENOBUFS. */
	uint32_t wire_bytes, wire_frames;
	uint32_t max_frame;    /* longest frame a MAC takes, FCS not counted */
	/* The hold buffer (datapath.h): frames held at once, each slot
	 * max_frame long; 0: DP_HOLD_FRAMES_DEFAULT. */
	uint32_t hold_frames;
};

/* One frame leaving a port (called when it is queued; see above). */
enum pipeline_tx_kind {
	PL_TX_FORWARD = 0,   /* an arrival, forwarded */
	PL_TX_MIRROR,        /* the mirror copy of an arrival */
	PL_TX_PACKET_OUT,    /* a frame the host sent (PACKET_OUT) */
};

struct pipeline_egress {
	uint64_t id;          /* the arrival's id; a packet-out's own number */
	enum pipeline_tx_kind kind;
	uint32_t ppid;
	const uint8_t *frame;
	uint32_t caplen, len;
	uint64_t first_bit, last_bit;   /* edges */
};

/* What happened to one arrival, delivered once its fate is final (in its
 * egress queue, departure fixed; into the to-host queue; or dropped).
 * Edges; a stage not reached is PIPELINE_NEVER. */
struct pipeline_record {
	uint64_t id;                 /* arrivals are numbered 0, 1, ... */
	uint32_t in_port;
	uint32_t len;
	uint64_t arrival_first;      /* first bit (preamble) on the wire */
	uint64_t arrival_last;       /* last bit (FCS) on the wire */
	uint64_t parse_done;         /* left the parser */
	uint64_t lookup_issue;       /* request accepted by the lookup core */
	uint64_t lookup_response;    /* response taken by the action stage */
	uint64_t enqueue;            /* into the egress or to-host queue */
	uint64_t departure;          /* last bit out (PL_PATH_HIT) */
	enum pipeline_path path;
	enum pipeline_drop drop;     /* PL_PATH_DROP */
	enum datapath_host_reason host;  /* PL_PATH_MISS, PL_PATH_TO_HOST */
	uint32_t out_ppid;           /* the PPID it was forwarded to
				      * (PL_PATH_HIT, or dropped at that
				      * PPID's full queue); else UINT32_MAX */
	int32_t entry;               /* TCAM index hit, or TCAM_MISS */
};

typedef void (*pipeline_egress_fn)(void *ctx, const struct pipeline_egress *e);
typedef void (*pipeline_record_fn)(void *ctx, const struct pipeline_record *r);

struct pipeline_params {
	const struct key_profile *profile;  /* validated; the core's key width */
	uint32_t depth;           /* TCAM entries, a power of two, 16..65536 */
	uint32_t n_vpids;         /* map RAM depth */
	uint32_t n_ports;         /* PPIDs 0..n_ports-1, 1..PIPELINE_MAX_PORTS */
	const uint32_t *port_mbps;  /* each PPID's speed in Mb/s (n_ports of
				     * them), or NULL: all PIPELINE_DEFAULT_MBPS */
	uint64_t clock_hz;        /* the NIC clock, in Hz (322.265625 MHz is
				   * 322265625: whole in Hz, not in MHz) */
	struct pipeline_timing timing;
	struct pipeline_bounds bounds;
	struct datapath_policy policy;   /* until a CONFIG command */
	/* The reference scheduler: step the cycle-exact core at every edge
	 * it holds a lookup, never taking the fast path, and move every
	 * stage's packet at a visit of its own edge, none decided ahead
	 * (docs/timing.md): the same results, slower; what the fast path
	 * and the moves decided ahead are tested against. */
	bool stepped_core;
	pipeline_egress_fn egress;       /* may be NULL */
	pipeline_record_fn record;       /* may be NULL */
	void *ctx;
};

#define PIPELINE_DEFAULT_MBPS 100000u

/* Every field its default (docs/timing.md): the default key profile, 1024
 * entries, 256 VPIDs, 4 ports at 100G, a 1 GHz clock, the default stage
 * timing and bounds, policies 0, no callbacks. */
void pipeline_params_default(struct pipeline_params *p);

struct pipeline;

int pipeline_create(const struct pipeline_params *p, struct pipeline **out,
		    struct pnic_error *err);
void pipeline_destroy(struct pipeline *pl);

/* A frame (caplen bytes captured of len; FCS not counted) whose first bit
 * reaches port's wire at edge first_bit >= pipeline_now(), in nondecreasing
 * time per port.  If the wire is still busy with the previous frame (a
 * trace faster than the line), the frame starts when the wire is free
 * (counted as squeezed).  The n-th arrival taken has id n - 1.  -EINVAL for
 * a port that is not a PPID, a time in the past or out of order, no
 * frame; -ERANGE for a time past PIPELINE_MAX_CYCLE; -ENOBUFS when the port's arrivals ahead fill their bound (run the
 * pipeline on, then give it again).  Nothing changes on a refusal. */
int pipeline_arrive(struct pipeline *pl, uint32_t port, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t first_bit,
		    struct pnic_error *err);

/* Validate c (nic_cmd_validate against this NIC's sizes), then: a table op
 * into the config FIFO (-EBUSY, nothing applied, when it is full); any
 * other op applied at once.  res (may be NULL) as nic_apply(); a table op
 * accepted reports status 0, its effect comes at the port's edge. */
int pipeline_apply(struct pipeline *pl, const struct nic_cmd *c,
		   struct nic_cmd_result *res, struct pnic_error *err);
/* Whether the config FIFO has room: a valid table command is taken now,
 * not refused with -EBUSY (so a submitter can wait without retrying). */
bool pipeline_cfg_room(const struct pipeline *pl);
/* A sink whose submit is pipeline_apply() on pl. */
struct nic_cmd_sink pipeline_sink(struct pipeline *pl);

uint64_t pipeline_now(const struct pipeline *pl);
/* The next edge after now at which anything happens, or PIPELINE_NEVER
 * when nothing is in flight and nothing given ahead (the to-host queue
 * waits for its consumer and makes no event). */
uint64_t pipeline_next_event(const struct pipeline *pl);
/* Everything that happens at edges up to and including `cycle`; then
 * pipeline_now() is max(now, cycle). */
void pipeline_run_until(struct pipeline *pl, uint64_t cycle);

/* What the to-host queue carries: a packet for the host (miss, to-host
 * action or policy), or an event without one (the datapath's FLOW_END
 * and AGED, datapath.h), in the order they happened. */
enum pipeline_upcall_type {
	PL_UP_PACKET = 0,
	PL_UP_FLOW_END,
	PL_UP_AGED,
	PL_UP_LANDED,                /* a hold write applied: the marker */
	PL_UP_TYPES
};

struct pipeline_upcall {
	enum pipeline_upcall_type type;
	uint64_t id;                 /* PACKET */
	const uint8_t *frame;        /* valid until the next pop or destroy */
	uint32_t caplen, len;
	uint32_t in_port;
	enum datapath_host_reason reason;
	struct pnic_key key;         /* the key looked up */
	uint16_t key_bits;           /* its width; 0 when not looked up (a
				      * parse error under the to_host policy) */
	int32_t entry;               /* TCAM index hit (to-host action,
				      * unmapped VPID), or TCAM_MISS; the
				      * entry of a FLOW_END or AGED */
	uint8_t tcp_flags;           /* FLOW_END */
	uint64_t last_hit_ns;        /* AGED: latest write or hit */
	uint32_t gen;                /* AGED: the entry's write generation;
				      * LANDED: the one the hold write gave */
	bool removed;                /* AGED: delete mode's (the NIC removes it) */
	uint64_t enqueued;           /* edge */
	uint32_t lost_before;        /* events the full queue dropped just
				      * before this one entered it */
};

/* The oldest packet of the to-host queue, taken out of it: 0, or -EAGAIN
 * when the queue is empty. */
int pipeline_to_host_pop(struct pipeline *pl, struct pipeline_upcall *u);
/* What the next pop would give, left in the queue: 0 and its type, or
 * -EAGAIN when the queue is empty. */
int pipeline_to_host_peek(struct pipeline *pl, enum pipeline_upcall_type *type);

/* The NIC clock against nanoseconds, exactly: ns to the first edge at or
 * after it, an edge to the ns fully elapsed by it. */
uint64_t pipeline_ns_to_cycles(const struct pipeline *pl, uint64_t ns);
uint64_t pipeline_cycles_to_ns(const struct pipeline *pl, uint64_t cycles);

/* ---- statistics ---------------------------------------------------------- */

struct pipeline_queue_stats {
	uint64_t frames, bytes;             /* now */
	uint64_t max_frames, max_bytes;
	double mean_frames, mean_bytes;     /* time-weighted, edges 0..now */
};

struct pipeline_port_stats {
	uint64_t rx_frames, rx_bytes;       /* arrivals given */
	uint64_t squeezed;                  /* started late: the wire was busy */
	uint64_t tx_frames, tx_bytes;       /* left, every kind */
	struct pipeline_queue_stats ingress, egress;
};

/* Each class of frame ends in exactly one place:
 *   arrivals    = departed + to_host + dropped (arrival reasons) + in_flight
 *                 (in_flight counts the packets in the hold buffer)
 *   mirrors     = mirrors_departed + dropped[MIRROR_UNMAPPED]
 *                 + dropped[MIRROR_EGRESS_FULL] + mirrors_queued
 *   packet_outs = packet_outs_departed + dropped[PACKET_OUT_FULL]
 *                 + packet_outs_queued
 *   to_host     = to_host_popped + to_host_queue.frames */
struct pipeline_stats {
	uint64_t arrivals, departed, to_host, in_flight;
	uint64_t dropped[PL_DROP_COUNT];
	uint64_t mirrors, mirrors_departed, mirrors_queued;
	uint64_t packet_outs, packet_outs_departed, packet_outs_queued;
	uint64_t to_host_popped;
	uint64_t events[PL_UP_TYPES];        /* FLOW_END, AGED queued ([0] unused) */
	uint64_t event_drops[PL_UP_TYPES];   /* of those, the to-host queue full */
	uint64_t events_popped;
	uint64_t aged_deletes;      /* invalidates the aging engine issued */
	uint64_t aged_cancelled;    /* ... dropped: the entry was rewritten */
	uint64_t aged_paused;       /* sweeps stopped for want of room to
				     * report, resumed when room freed */
	uint64_t held_now;          /* of in_flight, in the hold buffer */
	uint64_t held, held_max;    /* hits that waited there; most at once */
	uint64_t released, hold_cancelled;  /* left it: released, to the host */
	uint64_t lookups;           /* requests the core accepted */
	uint64_t cfg_writes;        /* config beats the core accepted */
	uint64_t core_steps;        /* edges the core was stepped */
	uint64_t core_stall_cycles; /* of those, edges it held */
	uint64_t cycles;            /* simulated: now */
	uint64_t ticks;             /* edges at which anything was done */
	struct pipeline_queue_stats to_host_queue, cfg_fifo;
};

void pipeline_stats(const struct pipeline *pl, struct pipeline_stats *st);
/* Two of those figures without the rest of the work (queue means, core
 * counts), for a caller that asks at every step: the frames in the
 * to-host queue (to_host_queue.frames), and the arrivals in flight but
 * not in the hold buffer (in_flight - held_now). */
uint64_t pipeline_to_host_frames(const struct pipeline *pl);
uint64_t pipeline_in_flight_unheld(const struct pipeline *pl);
/* -EINVAL for a port that is not a PPID. */
int pipeline_port_stats(const struct pipeline *pl, uint32_t port,
			struct pipeline_port_stats *ps);
/* Count what the queues and stages hold and check the equations above
 * with it: 0, or -EPROTO with the numbers that disagree. */
int pipeline_check_conservation(const struct pipeline *pl,
				struct pnic_error *err);

/* Read-only views for reports: the datapath (its decisions' counters) and
 * the core's tables. */
const struct datapath *pipeline_datapath(const struct pipeline *pl);
const struct lookup *pipeline_lookup(const struct pipeline *pl);

/* Stable short names: "ingress_buffer_full", ...; "hit", "miss", ... */
const char *pipeline_drop_name(enum pipeline_drop r);
const char *pipeline_path_name(enum pipeline_path p);

#endif
