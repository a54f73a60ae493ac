/* Datapath: the functional (untimed) pNIC pipeline for one packet.
 *
 * A frame travels, in this order:
 *   parse -> key build -> lookup (TCAM -> action RAM -> VPID map)
 *         -> action stage -> editor -> egress PPID | to-host | drop
 *                                       (+ a mirror copy)
 * The lookup is the untimed one (lookup.h) the lookup core runs too: it
 * returns the action word as written and maps its VPID on every hit.  A
 * miss goes to the host (or is dropped, by policy).  The action stage
 * decodes the word: forward to the VPID's PPID (an unmapped VPID follows
 * the unmapped policy); drop; to-host; kind 3, which no checked write
 * makes, is dropped as undecodable_action.  Edits (VLAN, VXLAN, TTL,
 * DSCP) apply to forwarded packets only: a packet sent to the host leaves
 * as it came, so the host's slow path sees what the wire carried.
 * A mirror copy is the packet as received, sent to the mirror VPID's PPID,
 * which the action stage reads through the map RAM's second read port
 * (lookup_map_read); an unmapped mirror VPID drops the copy (counted)
 * whatever the policy, since the host must not see an exception for a
 * copy.
 *
 * The lookup is given by the caller, who fills it and keeps ownership;
 * the datapath owns its counters (the NIC's flow counters, fed for entries
 * whose action has `count`, and the simulator's own per-entry hit counts,
 * kept for every entry) and its policies.  Every packet ends in exactly
 * one place (plus at most one mirror copy), and every drop is counted with
 * its reason: packets == egress + to_host + drops + held_now -
 * drop_reason[DP_DROP_MIRROR_UNMAPPED].  Outputs go through a callback, so
 * the datapath knows nothing of files.
 *
 * Hold, landed marker, release (the ordering guarantee of docs/fpag.md):
 * a hit on an entry whose word has `hold` waits, copied, in the bounded
 * hold buffer (DP_OUT_HOLD; full: dropped, hold_full).  The datapath
 * learns of every write as it lands (datapath_table_written), and there:
 * a write with hold (ENTRY_WRITE or ACTION_WRITE) makes the entry
 * holding and reports a DP_EV_LANDED event, the marker, naming the index
 * and the write generation; an ACTION_WRITE without hold releases the
 * entry's held packets, in arrival order, through the action stage with
 * the new word (outputs at the write's time, ahead of any later hit); an
 * ENTRY_WRITE without hold or an ENTRY_INVALIDATE (the host's, or delete
 * mode's aging) cancels the hold: its packets go to the host, in order,
 * as DP_HOST_HOLD_CANCELLED (the match they hit is gone: the host decides
 * them as misses).  A hit whose word has hold on an entry not holding
 * (looked up before the release landed) follows the word's action.  The
 * untimed path is the same code: with a NIC in process the release comes
 * when the host writes it, and a replay of tables with hold entries and
 * no host holds their hits to the end, reported as held_now.
 *
 * Hot path: datapath_process() allocates nothing and formats nothing.
 */
#ifndef PNIC_DATAPATH_H
#define PNIC_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/editor.h"
#include "model/error.h"
#include "model/flow_age.h"
#include "model/flow_counters.h"
#include "model/key_profile.h"
#include "model/lookup.h"
#include "model/parser.h"
#include "model/vpid_map.h"

/* What a TCAM miss does. */
enum datapath_miss_policy {
	DP_MISS_TO_HOST = 0,
	DP_MISS_DROP,
};

/* What a frame the parser could not fully parse does. */
enum datapath_parse_error_policy {
	DP_PERR_LOOKUP = 0,  /* look it up with the fields parsed so far */
	DP_PERR_DROP,
	DP_PERR_TO_HOST,
};

enum datapath_drop_reason {
	DP_DROP_ACTION = 0,        /* the entry's action is drop */
	DP_DROP_MISS,              /* miss under the drop miss policy */
	DP_DROP_UNMAPPED_VPID,     /* forward to an unmapped VPID, policy drop */
	DP_DROP_MIRROR_UNMAPPED,   /* mirror copy to an unmapped VPID */
	DP_DROP_PARSE_ERROR,       /* parse error under the drop policy */
	DP_DROP_EDIT,              /* the editor refused the edit */
	DP_DROP_BAD_PORT,          /* ingress port is not a PPID of the NIC */
	DP_DROP_BAD_ACTION,        /* the action word's kind is 3, undecodable */
	DP_DROP_HOLD_FULL,         /* a hit on a holding entry found no room in
				    * the hold buffer (or was longer than a
				    * slot) */
	DP_DROP_REASON_COUNT
};

enum datapath_out_kind {
	DP_OUT_EGRESS = 0,
	DP_OUT_TO_HOST,
	DP_OUT_DROP,
	DP_OUT_HOLD,               /* waits in the hold buffer (slot `held`) */
};

/* Why a packet went to the host. */
enum datapath_host_reason {
	DP_HOST_MISS = 0,
	DP_HOST_ACTION,            /* the entry's action is to-host */
	DP_HOST_UNMAPPED_VPID,     /* forward to an unmapped VPID, policy to-host */
	DP_HOST_PARSE_ERROR,       /* parse error under the to-host policy */
	DP_HOST_HOLD_CANCELLED,    /* held, and its entry was invalidated or
				    * overwritten before the release */
	DP_HOST_REASON_COUNT
};

/* One output of the datapath, handed to the callback with the frame. */
struct datapath_out {
	enum datapath_out_kind kind;
	uint32_t ppid;             /* DP_OUT_EGRESS */
	enum datapath_drop_reason drop;  /* DP_OUT_DROP */
	enum datapath_host_reason host;  /* DP_OUT_TO_HOST */
	int32_t entry;             /* TCAM index hit, or TCAM_MISS */
	/* The lookup's answer for this packet; NULL when it was not looked
	 * up (bad ingress port, parse error short-cut).  Valid during the
	 * callback only. */
	const struct lookup_result *lookup;
	bool mirror;               /* this is a mirror copy */
	uint32_t in_port;
	uint64_t ts_ns;
	/* DP_OUT_HOLD: the hold buffer slot the packet waits in; an output
	 * of a packet leaving the hold buffer (released or cancelled): the
	 * slot it left; otherwise DP_NOT_HELD. */
	int32_t held;
};

#define DP_NOT_HELD (-1)

typedef void (*datapath_out_fn)(void *ctx, const struct datapath_out *o,
			  const uint8_t *frame, uint32_t caplen, uint32_t len);

/* What the datapath does where a packet cannot simply follow its entry,
 * and how its entries age (all zero: the defaults, aging off). */
struct datapath_policy {
	enum datapath_miss_policy miss;
	enum datapath_parse_error_policy parse_errors;
	enum vpid_unmapped_policy unmapped;  /* forward to an unmapped VPID */
	struct flow_age_config age;
};

/* Events for the host that are not packets: a TCP FIN or RST hit an entry
 * whose action has notify_end (the packet still follows its action), or
 * the aging engine found an entry idle past its class's timeout. */
enum datapath_event_type {
	DP_EV_FLOW_END = 0,
	DP_EV_AGED,
	DP_EV_LANDED,              /* a write with hold applied: the marker */
};

struct datapath_event {
	enum datapath_event_type type;
	uint32_t entry;            /* TCAM index */
	uint32_t in_port;          /* FLOW_END: the packet's ingress PPID */
	uint8_t tcp_flags;         /* FLOW_END: its flags (FIN and/or RST) */
	uint64_t last_hit;         /* AGED: latest write or hit, ns */
	uint32_t gen;              /* AGED: the entry's write generation;
				    * LANDED: the generation the write gave it */
	bool remove;               /* AGED in delete mode: the owner of the
				    * tables invalidates the entry (if its
				    * generation is still gen) */
	uint64_t ts_ns;            /* FLOW_END: the packet's; AGED: the sweep's;
				    * LANDED: the write's */
};

typedef void (*datapath_event_fn)(void *ctx, const struct datapath_event *ev);

struct datapath_params {
	const struct key_profile *profile;  /* validated */
	const struct lookup *lookup;        /* given, not owned */
	uint32_t n_ports;                   /* PPIDs 0..n_ports-1, at most the
					     * lookup's n_ppids; 0: that many */
	struct datapath_policy policy;
	datapath_out_fn out;                      /* may be NULL: count only */
	void *ctx;
	datapath_event_fn event;                  /* may be NULL: count only */
	void *event_ctx;
	/* The hold buffer: slots shared by every holding entry, each as
	 * long as the longest frame it takes (0: the defaults below). */
	uint32_t hold_frames;
	uint32_t hold_frame_bytes;
};

/* 64 slots: a flow's packets during one miss round trip (7 us on the
 * bundled scenarios) at 10G with 1500-byte frames are 6, a few flows
 * pending at once are tens; 9216 bytes: a jumbo frame with its tags. */
#define DP_HOLD_FRAMES_DEFAULT 64u
#define DP_HOLD_FRAME_BYTES_DEFAULT 9216u
#define DP_HOLD_FRAMES_MAX 65536u

struct datapath_port_stats {
	uint64_t rx_packets, rx_bytes;      /* arrived on this PPID */
	uint64_t tx_packets, tx_bytes;      /* left by this PPID (incl. mirror) */
};

struct datapath_stats {
	uint64_t packets, bytes;            /* processed */
	uint64_t hits, misses;
	uint64_t egress;                    /* packets forwarded (not mirrors) */
	uint64_t mirrors;                   /* mirror copies sent */
	uint64_t to_host, to_host_bytes;
	uint64_t packet_outs;               /* frames the host sent out */
	uint64_t host_reason[DP_HOST_REASON_COUNT];
	uint64_t drops;                     /* incl. dropped mirror copies */
	uint64_t drop_reason[DP_DROP_REASON_COUNT];
	uint64_t parse_errors;
	uint64_t parse_status[PARSE_STATUS_COUNT];
	uint64_t unmapped_hits;             /* forwards and mirrors to an
					     * unmapped VPID */
	uint64_t edited;                    /* forwarded packets the editor changed */
	uint64_t flow_end_events;           /* FIN/RST hits on notify_end entries */
	uint64_t aged_events;               /* entries the aging engine found */
	/* hold, landed marker, release */
	uint64_t held;                      /* hits that waited in the hold buffer */
	uint64_t held_now, held_max;        /* in it now; most at once */
	uint64_t released;                  /* left it by a release */
	uint64_t hold_cancelled;            /* left it for the host */
	uint64_t markers;                   /* LANDED events: hold writes applied */
	struct editor_stats edit;           /* edits applied, refusals by reason */
};

struct datapath;

int datapath_create(const struct datapath_params *p, struct datapath **out,
		    struct pnic_error *err);
void datapath_destroy(struct datapath *dp);

/* -EINVAL, naming the field, for a policy value that is none of its enum. */
int datapath_policy_validate(const struct datapath_policy *p, struct pnic_error *err);
/* Change the policies between packets (the NIC's CONFIG command). */
int datapath_set_policy(struct datapath *dp, const struct datapath_policy *p,
			struct pnic_error *err);

/* Run one frame (caplen bytes captured of a len-byte frame) that arrived
 * on PPID in_port at ts_ns through the pipeline. */
void datapath_process(struct datapath *dp, uint32_t in_port,
		      const uint8_t *frame, uint32_t caplen, uint32_t len,
		      uint64_t ts_ns);

/* A frame the host sends out of PPID ppid as it is (the NIC's PACKET_OUT
 * command): counted as a packet-out and as the port's transmit, and handed
 * to the callback as an egress with entry TCAM_MISS and no lookup.  It is
 * not one of `packets` (which counts arrivals).  -ERANGE for a PPID that
 * is not the NIC's. */
int datapath_packet_out(struct datapath *dp, uint32_t ppid,
			const uint8_t *frame, uint32_t len, uint64_t ts_ns,
			struct pnic_error *err);

/* One frame of a burst. */
struct datapath_pkt {
	const uint8_t *frame;
	uint32_t caplen;
	uint32_t len;
	uint64_t ts_ns;
};

#define DP_BURST 32

/* Same result as datapath_process() on each frame in turn (same outputs in
 * the same order, same counters), faster: the lookups of up to DP_BURST
 * frames are issued together (lookup_run_burst) so their cache misses
 * overlap. */
void datapath_process_burst(struct datapath *dp, uint32_t in_port,
			    const struct datapath_pkt *pkts, unsigned n);

/* ---- the two halves around the lookup ------------------------------------
 *
 * datapath_process() is datapath_front(), the lookup, then datapath_back().
 * A caller that times the stages (the cycle-level pipeline, pipeline.h)
 * calls the halves itself, so that the decisions and the bytes are made by
 * this code and no copy of it:
 *
 *   front   ingress check, parse, key build (reads the policies, changes
 *           nothing): the work's state says whether the key must be looked
 *           up (DP_WORK_LOOKUP) or the packet is already decided
 *   lookup  the caller's: lookup_run(), or the lookup core's response
 *   back    counters, action stage (the mirror VPID's map read), editor,
 *           outputs through the callback, in that order
 */
enum datapath_work_state {
	DP_WORK_BAD_PORT = 0,   /* in_port is not a PPID: back() drops it */
	DP_WORK_PARSE_DROP,     /* parse error, policy drop: no lookup */
	DP_WORK_PARSE_HOST,     /* parse error, policy to_host: no lookup */
	DP_WORK_LOOKUP,         /* the key must be looked up */
};

struct datapath_work {
	enum datapath_work_state state;
	/* DP_WORK_LOOKUP: the lookup's answer for the key, set by the caller
	 * before datapath_back() and read during it only. */
	const struct lookup_result *res;
	struct parser_result pr;    /* pr.depth is what the parser examined */
};

/* Parse p and, when wk->state is DP_WORK_LOOKUP, build its key into *key
 * (otherwise *key is left as it was). */
void datapath_front(const struct datapath *dp, uint32_t in_port,
		    const struct datapath_pkt *p, struct datapath_work *wk,
		    struct pnic_key *key);
/* The per-entry state a hit on `index` updates (its statistics, flow
 * counter and last-hit time) on its way into the cache, for a caller that
 * knows the lookup's answer some time before it calls datapath_back():
 * the answer does not change, only when the lines arrive.  Nothing for
 * an index out of range. */
void datapath_prefetch(const struct datapath *dp, uint32_t index);
/* Decide p from wk (and wk->res) and send its outputs. */
void datapath_back(struct datapath *dp, uint32_t in_port,
		   const struct datapath_pkt *p, const struct datapath_work *wk);

/* ---- aging ----------------------------------------------------------------
 *
 * The owner of the tables tells the datapath of every table write as it
 * lands (an entry's write restarts its idle time and may change its
 * class; an invalidate stops its aging), and runs the aging engine's
 * sweeps in time order with the packets: datapath_age() reports, as
 * DP_EV_AGED events, what the sweeps up to now_ns find.  In delete mode
 * the owner invalidates each reported entry whose generation is still the
 * event's (datapath_entry_gen), through its own write path. */
void datapath_table_written(struct datapath *dp, const struct lookup_write *w,
			    uint64_t now_ns);
/* (The hold: a write landing may release or cancel the entry's held
 * packets, their outputs through the callback, and report the marker,
 * as the note at the top says.) */
/* The next sweep that may find something (UINT64_MAX: none). */
uint64_t datapath_age_next(const struct datapath *dp);
/* Run the sweeps up to now_ns, reporting at most max entries; the number
 * reported.  The rest stay due, the first of them found first by the next
 * call: an engine whose report queue is full stops where it is and
 * resumes there (datapath_age_next() <= now_ns tells that it stopped). */
unsigned datapath_age(struct datapath *dp, uint64_t now_ns, unsigned max);
/* An AGED event of entry `index` found no room on its way to the host:
 * the entry stays (delete mode removes nothing unreported) and is found
 * again at the next sweep after now_ns (flow_age_retry). */
void datapath_age_retry(struct datapath *dp, uint32_t index, uint64_t now_ns);
uint32_t datapath_entry_gen(const struct datapath *dp, uint32_t index);
/* Whether entry index holds its hits now, and how many it holds. */
bool datapath_holding(const struct datapath *dp, uint32_t index);
uint32_t datapath_held(const struct datapath *dp, uint32_t index);
/* Slots of the hold buffer (the pipeline keeps a record per slot). */
uint32_t datapath_hold_frames(const struct datapath *dp);
/* The latest packet's timestamp seen (0 before any). */
uint64_t datapath_now(const struct datapath *dp);

const struct datapath_stats *datapath_stats(const struct datapath *dp);
/* Stats of one PPID (zeros if ppid >= n_ports). */
struct datapath_port_stats datapath_port_stats(const struct datapath *dp,
					 uint32_t ppid);
/* Packets and bytes that hit TCAM entry index (zero if out of range). */
void datapath_entry_stats(const struct datapath *dp, uint32_t index,
			  uint64_t *packets, uint64_t *bytes);

/* The NIC's per-entry counters (entries whose action has `count`). */
const struct flow_counters *datapath_counters(const struct datapath *dp);

/* Stable short names for reports ("unmapped_vpid", ...). */
const char *datapath_drop_reason_name(enum datapath_drop_reason r);
const char *datapath_host_reason_name(enum datapath_host_reason r);
const char *datapath_miss_policy_name(enum datapath_miss_policy p);
const char *datapath_parse_error_policy_name(enum datapath_parse_error_policy p);
const char *datapath_unmapped_policy_name(enum vpid_unmapped_policy p);

#endif
