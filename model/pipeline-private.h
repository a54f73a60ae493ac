/* Pipeline internals shared by the files of the block.  Not a contract:
 * nothing outside the pipeline block and its tests includes this file.
 *
 *   pipeline.c         the block: parameters, create, commands, the event
 *                      loop (next event, one edge, run until), the to-host
 *                      queue's consumer side, statistics, conservation
 *   pipeline_mac.c     the ports: serialisation in, arrivals ahead, the
 *                      ingress buffers, the egress queues, serialisation out
 *   pipeline_stages.c  the header path: the parser's arbiter, parser, key
 *                      build, lookup core, action stage, editor, and where
 *                      each packet's outputs go
 *   pipeline_events.c  events without a packet (flow end, aging) and the
 *                      config port's two sources
 *   pipeline_pre.c     the header work done ahead, untimed: parse and key
 *                      at a frame's arrival, lookups together at a run's
 *                      start (used at the stages while they still hold)
 *
 * The header path is one ring of slots in packet order; every stage holds a
 * contiguous run of it (the pipeline never reorders), so a stage is two
 * sequence numbers, its oldest and the next stage's oldest:
 *
 *   [s_edit, s_act) editor   [s_act, s_core) action   [s_core, s_key) core
 *   [s_key, s_parse) key build   [s_parse, s_next) parser
 *
 * A frame stays in its port's ingress buffer from its last bit until its
 * outputs leave the editor (the header travels, the frame waits), so a
 * slot points at it there.  docs/timing.md describes the model.
 */
#ifndef PNIC_PIPELINE_PRIVATE_H
#define PNIC_PIPELINE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/datapath.h"
#include "model/frame_fifo.h"
#include "model/lookup_core.h"
#include "model/pipeline.h"
#include "model/timebase.h"

__extension__ typedef unsigned __int128 pl_u128;

/* Wire bytes around a frame: preamble and SFD before it, FCS after it (not
 * in len), then the inter-frame gap; a frame shorter than the minimum is
 * padded. */
#define PL_PREAMBLE 8u
#define PL_FCS 4u
#define PL_IFG 12u
#define PL_MIN_FRAME 60u
/* The core's registers: S1, S2, S3 and the response register; the bypass
 * lane beside it is as deep, and a bypass joins it only while the core's
 * window holds fewer packets than that. */
#define PL_CORE_DEPTH (LOOKUP_CORE_LATENCY + 1)

/* Occupancy of one queue over time. */
struct pl_occ {
	uint64_t frames, bytes;
	uint64_t max_frames, max_bytes;
	pl_u128 area_frames, area_bytes;   /* sums of occupancy x edges */
	uint64_t since;                    /* edge of the last change */
};

/* A frame on a port's way in: an entry of its arrivals ahead, then
 * (copied whole) of its ingress buffer. */
struct pl_rx {
	uint64_t id;
	uint64_t first, last;    /* edges of its first and last bit */
	uint64_t land;           /* edge it is in the ingress buffer */
	uint32_t caplen, len;    /* caplen 0 when oversize (nothing kept) */
	uint8_t frame[];
};

/* A frame in an egress queue: all that its departure still changes.  Its
 * bytes went to the egress callback at its enqueue, when its departure
 * was fixed (the queue is FIFO and the wire's rate constant). */
struct pl_tx {
	uint64_t last;               /* edge its last bit is out */
	uint32_t len;
	enum pipeline_tx_kind kind;
};

/* A frame in the to-host queue. */
struct pl_up {
	struct pipeline_upcall u;     /* frame set when popped */
	uint8_t frame[];
};

struct pl_port {
	struct timebase bits;            /* cycles per bit at the port's speed */
	struct timebase_step ifg;        /* the inter-frame gap */
	struct timebase_step rx_step, tx_step;  /* a frame of rx_len, tx_len */
	uint32_t rx_len, tx_len;         /* bytes the steps are for (0: none) */
	/* in */
	struct timebase_instant rx_free; /* the next frame may start here */
	uint64_t rx_last_given;          /* first_bit of the last arrival */
	struct frame_fifo *wire;         /* arrivals given ahead */
	uint32_t wire_frames;
	uint64_t wire_bytes;
	struct frame_fifo *in;           /* the ingress buffer */
	struct pl_rx *in_next;           /* oldest not yet granted, or NULL */
	struct pl_occ in_occ;
	/* out */
	struct pl_tx *txq;               /* the egress queue, a ring */
	uint32_t txq_head, txq_n;
	struct pl_occ eg_occ;
	struct timebase_instant tx_free; /* the next frame may start here */
	/* counts */
	uint64_t rx_frames, rx_bytes, squeezed, tx_frames, tx_bytes;
};

/* One output of a packet, as datapath_back() made it. */
struct pl_out {
	enum datapath_out_kind kind;
	int32_t held;              /* DP_OUT_HOLD: the hold buffer's slot */
	uint64_t hold_serial;      /* DP_OUT_HOLD: pl_held's serial then */
	bool mirror;
	uint32_t ppid;
	enum datapath_drop_reason drop;
	enum datapath_host_reason host;
	const uint8_t *frame;      /* in the ingress buffer, or the slot's edit */
	uint32_t caplen, len;
};

/* A packet on the header path. */
struct pl_slot {
	uint64_t ready;            /* edge from which it may leave its stage */
	uint64_t edit_at;          /* edge it enters the editor, set when the
				    * action stage takes it (NEVER: moved
				    * there by the editor's own rule) */
	bool edit_marked;          /* edit_at is a mark, not a visit */
	uint32_t port;
	bool lookup;               /* looked up (else it rides the bypass) */
	struct pl_rx *rx;          /* its frame, in the ingress buffer */
	uint64_t ts_ns;            /* its first bit, for the flow counters */
	struct pnic_key key;
	struct datapath_work wk;
	struct lookup_result res;
	struct pipeline_record rec;
	unsigned n_out;
	struct pl_out out[2];      /* a mirror copy, then the packet */
	uint8_t *edit;             /* this slot's room for an edited frame */
};

/* A packet in the datapath's hold buffer, by its slot there: what the
 * pipeline still owes it (its record; its key, should it go to the host)
 * and where it is for the in-flight count: still in its header-path slot
 * (its frame in the ingress buffer) or parked (only in the hold buffer).
 * serial tells a slot's holds apart (a release can free it, and a new
 * hit take it, before the first holder's slot leaves the editor). */
enum pl_hold_state { PL_HOLD_FREE = 0, PL_HOLD_IN_SLOT, PL_HOLD_PARKED };

struct pl_held {
	struct pipeline_record rec;
	struct pnic_key key;
	bool lookup;
	uint32_t port;
	uint64_t serial;
	enum pl_hold_state state;
};

struct pipeline {
	struct pipeline_params p;
	struct lookup_params sizes;      /* what commands are checked against */
	struct lookup_core *core;
	struct datapath *dp;
	struct timebase ns;              /* cycles per ns */
	uint64_t now;
	uint64_t ticks;
	/* Moves made ahead (docs/timing.md, "Moves decided ahead"): edges
	 * the model acts at that the loop need not visit, bit k for edge
	 * now + 1 + k, counted in ticks when time passes them; whether
	 * moves are made ahead at all (not with stepped_core); and the
	 * edge the running pipeline_run_until() goes to. */
	uint64_t marks;
	bool ahead;
	uint64_t horizon;
	uint64_t visits;                 /* for the tests: edges visited */

	struct pl_port *ports;           /* n_ports */
	uint64_t next_land;              /* earliest landing of any port */
	uint64_t next_tx;                /* earliest departure not yet settled */
	uint32_t port_words;             /* words of the port bit sets used */
	uint64_t rx_busy[PIPELINE_MAX_PORTS / 64];  /* ports with arrivals ahead */
	uint64_t tx_busy[PIPELINE_MAX_PORTS / 64];  /* ports with frames queued */
	uint64_t waiting[PIPELINE_MAX_PORTS / 64];  /* ports with frames to
						      * grant */
	uint32_t n_waiting;                          /* bits set in waiting */
	uint32_t rr;                     /* the port granted last */

	/* the header path */
	struct pl_slot *slots;
	uint64_t slot_mask;
	uint8_t *edit_mem;
	uint64_t s_edit, s_act, s_core, s_key, s_parse, s_next;
	uint32_t cap_parser, cap_key, cap_act, cap_edit;
	uint64_t parse_next, key_next, act_next, edit_next;  /* edges from which
							 * each stage may take
							 * (its II) */
	unsigned core_busy;              /* lookups in the core */
	/* The fast path (pipeline_stages.c): of core_busy, the lookups
	 * answered at their issue and not in the core model's registers;
	 * the last edge at which one of them keeps the core busy; and the
	 * steps and lookups counted for them that the core model did not
	 * count itself. */
	unsigned fast_n;
	uint64_t busy_to;
	uint64_t fast_steps, fast_lookups;
	uint64_t fast_replays;           /* for the tests: times it handed over */
	struct lookup_core_in cin;
	struct pl_slot *cur;             /* in datapath_back(), else NULL */

	/* the config FIFO */
	struct lookup_write *cfg;
	uint32_t cfg_head, cfg_n;
	struct pl_occ cfg_occ;

	/* aging (datapath.h): the next sweep as an edge, and the invalidates
	 * of delete mode, which take the core's config port before the
	 * host's FIFO (index, write generation when found) */
	uint64_t next_age;
	uint64_t age_due_ns;             /* datapath_age_next() it is for */
	bool age_paused;                 /* stopped for room: next_age NEVER
					  * until a pop frees some */
	struct pl_age_del { uint32_t index, gen; } *age_del;   /* depth */
	uint32_t age_del_head, age_del_n;
	bool age_del_beat;               /* the beat offered is an invalidate */
	struct lookup_write cfg_offered; /* the beat offered at this edge */

	/* the header work done ahead (pipeline_pre.c; NULL with
	 * stepped_core), a ring by arrival id; arrivals below pre_looked
	 * have had their lookups taken */
	struct pl_pre *pre;               /* opaque outside pipeline_pre.c */
	uint64_t pre_mask, pre_looked;
	uint64_t pre_fronts, pre_results; /* for the tests: work ahead used */

	/* the to-host queue */
	struct frame_fifo *up;
	struct pl_occ up_occ;
	bool up_held;                    /* the front was popped, still read */

	/* the hold buffer's packets (datapath_hold_frames of them): parked,
	 * and released while still in their slot (counted twice until the
	 * slot leaves the editor) */
	struct pl_held *held;
	uint64_t hold_serial, held_parked, held_early;

	/* counts */
	uint64_t arrivals, departed, to_host, to_host_popped;
	uint64_t dropped[PL_DROP_COUNT];
	uint64_t mirrors, mirrors_departed, mirrors_queued;
	uint64_t packet_outs, packet_outs_departed, packet_outs_queued;
	uint64_t events[PL_UP_TYPES], event_drops[PL_UP_TYPES], events_popped;
	uint32_t up_lost;       /* events dropped since the last entry queued */
	uint64_t aged_deletes, aged_cancelled, aged_paused;
};

static inline struct pl_slot *pl_slot(const struct pipeline *pl, uint64_t seq)
{
	return &pl->slots[seq & pl->slot_mask];
}

static inline uint64_t pl_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t pl_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Time passes over the edges after now up to last: those marked count as
 * visited.  (A few marks at a time: counted one by one, which without
 * a popcount instruction is cheaper than the library's call.) */
static inline void pl_skip(struct pipeline *pl, uint64_t last)
{
	uint64_t d = last - pl->now, m;

	if (last <= pl->now)
		return;
	m = d >= 64 ? pl->marks : pl->marks & ((1ull << d) - 1);
	pl->marks = d >= 64 ? 0 : pl->marks >> d;
	for (; m; m &= m - 1)
		pl->ticks++;
	pl->now = last;
}

/* Edges from..to (from > now) marked as acted at; false (nothing
 * marked) when to lies past the 64 edges the marks hold. */
static inline bool pl_mark(struct pipeline *pl, uint64_t from, uint64_t to)
{
	uint64_t n = to - from + 1;

	if (to - pl->now > 64)
		return false;
	pl->marks |= (n == 64 ? ~0ull : (1ull << n) - 1) << (from - pl->now - 1);
	return true;
}

/* The first marked edge after now, or NEVER. */
static inline uint64_t pl_first_mark(const struct pipeline *pl)
{
	return pl->marks ? pl->now + 1 + (uint64_t)__builtin_ctzll(pl->marks)
			 : PIPELINE_NEVER;
}

/* Wire bits a frame of len bytes occupies, less the gap; and the gap. */
static inline uint64_t pl_frame_bits(uint32_t len)
{
	return 8ull * (PL_PREAMBLE + (len < PL_MIN_FRAME ? PL_MIN_FRAME : len) + PL_FCS);
}

/* Occupancy changes at edge t (inline: four of these a packet). */
static inline void pipeline_occ_add(struct pl_occ *o, uint64_t t,
				    int64_t frames, int64_t bytes)
{
	if (t > o->since) {
		o->area_frames += (pl_u128)o->frames * (t - o->since);
		o->area_bytes += (pl_u128)o->bytes * (t - o->since);
		o->since = t;
	}
	o->frames += (uint64_t)frames;
	o->bytes += (uint64_t)bytes;
	if (frames > 0) {
		o->max_frames = pl_max(o->max_frames, o->frames);
		o->max_bytes = pl_max(o->max_bytes, o->bytes);
	}
}

/* pipeline.c: a record as far as the wire knows the packet (every later
 * stage PIPELINE_NEVER, no PPID, no entry); the end of a packet, its
 * record out; the to-host queue's producer side (false when full). */
void pipeline_record_init(struct pipeline_record *r, uint32_t port,
			  const struct pl_rx *e);
void pipeline_record_out(struct pipeline *pl, const struct pipeline_record *r);
bool pipeline_up_enqueue(struct pipeline *pl, const struct pl_slot *s,
			 const struct pl_out *o, uint64_t t);
/* The same for a packet u describes (id, in_port, entry, key), with the
 * output's frame and reason. */
bool pipeline_up_push(struct pipeline *pl, const struct pipeline_upcall *u,
		      const struct pl_out *o, uint64_t t);

/* Beats waiting for the core's config port: the host's FIFO and delete
 * mode's invalidates (pipeline_events.c). */
static inline uint32_t pipeline_cfg_pending(const struct pipeline *pl)
{
	return pl->cfg_n + pl->age_del_n;
}

/* pipeline_events.c: the datapath's event callback; the aging engine's
 * next sweep as an edge (next_age, refreshed after anything that may move
 * it), its sweeps at edge t, and its resumption once a pop from the
 * to-host queue frees room (pipeline_age_room); the config port's
 * sources: the beat to offer (false: none), and the offered one taken. */
int pipeline_events_create(struct pipeline *pl, struct pnic_error *err);
void pipeline_events_destroy(struct pipeline *pl);
void pipeline_on_event(void *ctx, const struct datapath_event *ev);
void pipeline_age_refresh(struct pipeline *pl);
void pipeline_age_sweep(struct pipeline *pl, uint64_t t);
void pipeline_age_room(struct pipeline *pl);
bool pipeline_cfg_offer(struct pipeline *pl, struct lookup_write *w);
void pipeline_cfg_taken(struct pipeline *pl, const struct lookup_write *w,
			uint64_t t);

/* pipeline_mac.c */
int pipeline_mac_create(struct pipeline *pl, struct pnic_error *err);
void pipeline_mac_destroy(struct pipeline *pl);
int pipeline_mac_arrive(struct pipeline *pl, uint32_t port,
			const uint8_t *frame, uint32_t caplen, uint32_t len,
			uint64_t first_bit, struct pnic_error *err);
/* Frames whose last bit is in by edge t into their ingress buffers. */
void pipeline_mac_land(struct pipeline *pl, uint64_t t);
/* Departures up to edge t settled: each frame whose last bit is out by t
 * leaves its queue at that edge (occupancy, counts).  Departures are not
 * events: a queue settles when a frame is enqueued, and every queue at
 * the end of pipeline_run_until(). */
void pipeline_mac_settle(struct pipeline *pl, uint64_t t);
/* The last bit of the last frame queued anywhere, or 0. */
uint64_t pipeline_mac_last_departure(const struct pipeline *pl);
/* A frame into ppid's egress queue at edge t: its departure is fixed now,
 * so the egress callback and (rec, when given, its departure filled in)
 * the record go out with it.  true, or false when the queue is full (the
 * caller counts the drop; rec untouched). */
bool pipeline_mac_enqueue(struct pipeline *pl, uint32_t ppid, uint64_t t,
			  enum pipeline_tx_kind kind, uint64_t id,
			  const uint8_t *frame, uint32_t caplen, uint32_t len,
			  struct pipeline_record *rec);
/* The oldest frame of port's ingress buffer leaves it (its outputs are
 * out) at edge t. */
void pipeline_mac_release(struct pipeline *pl, uint32_t port, uint64_t t);

/* pipeline_pre.c: the work ahead of a frame just given; the lookups of
 * those given since the last call, together; the grant's parse and key
 * (false: none, work them), and the lookup result (false: none
 * that still holds, look up) for slot s. */
int pipeline_pre_create(struct pipeline *pl, struct pnic_error *err);
void pipeline_pre_destroy(struct pipeline *pl);
void pipeline_pre_arrive(struct pipeline *pl, uint32_t port,
			 const struct pl_rx *e);
void pipeline_pre_lookups(struct pipeline *pl);
bool pipeline_pre_front(struct pipeline *pl, struct pl_slot *s);
bool pipeline_pre_result(struct pipeline *pl, struct pl_slot *s);

/* pipeline_stages.c */
int pipeline_stages_create(struct pipeline *pl, struct pnic_error *err);
void pipeline_stages_destroy(struct pipeline *pl);
/* The header path's work at edge t, downstream first. */
void pipeline_stages_edge(struct pipeline *pl, uint64_t t);
/* The parser's grant, after the frames landing at t are in. */
void pipeline_stages_grant(struct pipeline *pl, uint64_t t);
/* The stages' moves made ahead whose edge has come by t (at the start of
 * every visit, and at the end of a run). */
void pipeline_stages_catch_up(struct pipeline *pl, uint64_t t);
/* The earliest edge after now at which the header path acts, or NEVER:
 * as the model sees it (the core busy at every edge it holds a lookup),
 * and as the event loop must visit it (not the edges at which only a
 * lookup answered on the fast path moves through the core). */
uint64_t pipeline_stages_next(const struct pipeline *pl);
uint64_t pipeline_stages_next_visit(const struct pipeline *pl);
/* datapath_back()'s outputs (the datapath's callback). */
void pipeline_stages_out(void *ctx, const struct datapath_out *o,
			 const uint8_t *frame, uint32_t caplen, uint32_t len);

#endif
