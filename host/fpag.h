/* FPAG: the host's flow processing and action generator, the program
 * that closes the miss loop with a policy (docs/fpag.md has the design).
 *
 * What it models: a host (or the pNIC's cores) that takes each packet the
 * NIC could not decide, decides it in the slow path (host/ruleset, and
 * host/conntrack for stateful rules), sends it on with PACKET_OUT, and
 * offloads the decision as a flow entry placed by priority
 * (host/tcam_place) whose action names a VPID (host/vpid).  FLOW_END
 * events tear connections down; a VNIC that moves is repaired by one map
 * write (flow_dest VPID) or by rewriting every entry forwarding to it
 * (flow_dest PPID, the baseline).
 *
 * Endpoints: the ruleset's destinations and VNIC ids are endpoint indices,
 * VNIC slots first (0 .. max_vnics - 1: the params' VNICs, then those
 * fpag_vnic_add() gives, never reused), then uplinks (max_vnics + j), then
 * the VMs behind VXLAN uplinks' remote hosts (max_vnics + n_uplinks + k).
 * max_vnics defaults to n_vnics.  Entries toward a remote VM (or a VNIC
 * moved behind a remote host) name the uplink's VPID and encapsulate with
 * the host's template (one per host and VNI, written at create); VXLAN
 * frames from an uplink are decided by their inner headers and their
 * entries match the VNI and the inner 5-tuple and decapsulate.
 *
 * Invariants kept after every call:
 *   - an entry never matches the ingress PPID (in_port is wildcarded), so
 *     it keeps deciding after its VNIC moves; it matches the ethertype of
 *     the packet it came from (so wildcarded IP fields never take in ARP
 *     or the other IP family), and, when its rule is scoped to a VNIC,
 *     that VNIC's source address (and VLAN): the key has no MAC;
 *   - every live entry names one VPID (or drops), counted in host/vpid;
 *   - levels: 0 holds the entries of established connections (their
 *     decision is the connection's, above every rule); 1 + p the entries
 *     decided by the rule at position p; the last one the default's;
 *   - a tracked connection's entries are exact and carry notify_end; when
 *     its teardown completes both are invalidated and forgotten.
 *
 * Ownership: the ruleset is the caller's (it must outlive the FPAG and is
 * read and registered into, not changed otherwise); the topology arrays
 * are copied.  The FPAG owns its conntrack, VPID allocator, flow table
 * and placement.  Commands go to the params' sink in the order issued.
 *
 * Entries leave by FLOW_END teardown, by aging (AGED: in delete mode the
 * NIC removed the entry; in notify mode the FPAG invalidates it), by
 * conntrack timeouts (fpag_tick), by rule updates (the rule set's impact
 * callback names exactly the entries whose decision changed), by VNIC
 * removal, and by eviction.  An AGED event names an index, which the host
 * may have rewritten since the sweep found it: the FPAG mirrors the NIC's
 * write generation of every index (each ENTRY_WRITE, ACTION_WRITE and
 * ENTRY_INVALIDATE it sent, and each delete the NIC reported), so it acts
 * on an event only when it names the entry as it stands (docs/fpag.md).
 *
 * Ordering (params.ordering hold): a new entry is written with hold, and
 * the misses of its flow that reach the host before its landed marker
 * are queued, not sent; on the marker they are sent in arrival order,
 * then the entry is released (docs/fpag.md, "Ordering guarantee").  An
 * entry that leaves while misses wait for it sends them at once.
 *
 * Statistics (params.count): entries carry the count bit; the FPAG reads
 * the NIC's counters in batches (fpag_counters_poll) and keeps per-flow
 * and per-endpoint totals.  The NIC never clears a counter, so the FPAG
 * keeps the value it last read per index, and reads an index its entry
 * left before writing a new entry there (one COUNTER_READ of one record),
 * so no packet is counted to the wrong flow.
 *
 * Time: nothing here waits.  Host CPU time passes through the `spend`
 * callback (packet_ns, rule_ns per rule and forwarding probe, conntrack_ns,
 * install_ns, packet_out_ns, counter_poll_ns per COUNTER_READ and
 * counter_record_ns per record it returns) and is counted in cpu_ns; `now_ns` drives
 * conntrack's clocks and the poll period; fpag_next_deadline() says when
 * fpag_tick() has work.  No allocation after create.
 */
#ifndef PNIC_FPAG_H
#define PNIC_FPAG_H

#include <stdbool.h>
#include <stdint.h>

#include "host/conntrack.h"
#include "host/ruleset.h"
#include "host/tcam_place.h"
#include "model/datapath.h"
#include "model/error.h"
#include "model/key_profile.h"
#include "model/nic_cmd.h"

#define FPAG_NONE UINT32_MAX

enum fpag_flow_dest {
	FPAG_DEST_VPID = 0,   /* one VPID per VNIC and uplink, moved on migration */
	FPAG_DEST_PPID,       /* identity VPID per PPID: entries name PPIDs */
};

/* The ordering guarantee of a newly offloaded flow (docs/fpag.md). */
enum fpag_ordering {
	FPAG_ORDER_NONE = 0,  /* packet-out each miss at once (the packets
			       * that hit the new entry may overtake them) */
	FPAG_ORDER_HOLD,      /* install with hold, queue the flow's misses,
			       * send them and release on the landed marker */
};

enum fpag_shape {
	FPAG_SHAPE_MEGAFLOW = 0,  /* the widest entry that changes no decision */
	FPAG_SHAPE_EXACT,         /* the 5-tuple (ruleset_exact) */
};

struct fpag_vnic {
	uint32_t id;              /* the caller's name, for reports */
	uint64_t mac;             /* low 48 bits */
	bool has_ipv4, has_ipv6;
	uint32_t ipv4;
	struct ruleset_ip ipv6;
	bool has_vlan;
	uint16_t vlan;            /* VID */
	uint32_t ppid;            /* the host-facing PPID it is attached to */
	bool later;               /* in the params: its slot is reserved, the
				   * VNIC arrives by fpag_vnic_start() */
	uint32_t vni;             /* its tenant network over VXLAN uplinks,
				   * 1..2^24-1; 0: none */
};

/* A port toward other hosts.  With a VTEP (vtep_ipv4 != 0) it is a VXLAN
 * uplink: remote VMs behind it are reached encapsulated, and VXLAN frames
 * arriving on it are decided by their inner headers. */
struct fpag_uplink {
	uint32_t id;
	uint32_t ppid;
	uint64_t vtep_mac;        /* this host's VTEP: outer source MAC ... */
	uint32_t vtep_ipv4;       /* ... and IPv4 address (0: no VXLAN) */
	uint64_t next_hop_mac;    /* outer destination MAC (the underlay's
				   * gateway) */
};

/* A host reached through a VXLAN uplink, by its VTEP address. */
struct fpag_remote_host {
	uint32_t id;
	uint32_t uplink;          /* index in the params' uplinks */
	uint32_t vtep_ipv4;
};

/* A VM behind a remote host: an endpoint (after the uplinks) that entries
 * forward to through the uplink, encapsulated with its host's template
 * and its VNI. */
struct fpag_remote_vm {
	uint32_t id;
	uint32_t host;            /* index in the params' remote hosts */
	uint64_t mac;
	bool has_ipv4, has_ipv6;  /* at least one */
	uint32_t ipv4;
	struct ruleset_ip ipv6;
	uint32_t vni;             /* 1..2^24-1 */
};

/* Host CPU per step, ns (defaults and their reasons in docs/fpag.md). */
struct fpag_costs {
	uint32_t packet_ns;       /* take the event, parse, find the VNIC */
	uint32_t rule_ns;         /* one rule or forwarding entry compared */
	uint32_t conntrack_ns;    /* one conntrack lookup and update */
	uint32_t install_ns;      /* build and post an entry */
	uint32_t packet_out_ns;   /* copy the frame, post the PACKET_OUT */
	uint32_t counter_poll_ns; /* one COUNTER_READ: post it, take its
				   * completion */
	uint32_t counter_record_ns; /* fold one record into the totals */
};

void fpag_costs_default(struct fpag_costs *c);

/* Which age class (action.h: 0 never ages, 1..3 the NIC's timeouts) an
 * entry gets, by what it carries. */
enum fpag_kind {
	FPAG_KIND_STATELESS = 0,  /* a rule's decision (megaflow or exact) */
	FPAG_KIND_TCP,            /* a tracked TCP connection's direction */
	FPAG_KIND_OTHER,          /* a tracked UDP or ICMP pseudo-connection */
	FPAG_KIND_COUNT
};

struct fpag_params {
	const struct key_profile *profile;  /* validated; the NIC's */
	uint32_t depth;                     /* TCAM entries the FPAG owns */
	uint32_t n_ports;                   /* PPIDs 0 .. n_ports - 1 */
	const struct fpag_vnic *vnics;      /* copied */
	uint32_t n_vnics;
	const struct fpag_uplink *uplinks;  /* copied; may be NULL if none */
	uint32_t n_uplinks;
	struct ruleset *rules;              /* caller-owned */
	struct conntrack_params ct;
	enum fpag_flow_dest flow_dest;
	enum fpag_shape shape;
	enum tcam_place_full full;          /* table-full policy */
	/* TP_FULL_EVICT_LRU: when entry `index` was last hit. */
	uint64_t (*last_hit)(void *ctx, uint32_t index);
	struct fpag_costs costs;
	void (*spend)(void *ctx, uint64_t ns);  /* may be NULL */
	void *ctx;                              /* for spend and last_hit */
	struct nic_cmd_sink sink;           /* every command goes here */
	/* Second slice; all zero keeps the first slice's behaviour. */
	uint32_t max_vnics;                 /* VNIC slots, >= n_vnics; 0: n_vnics */
	uint32_t n_vpids;                   /* VPID mode: VPIDs 0 .. n_vpids - 1;
					     * 0: one per endpoint slot */
	uint32_t max_rules;                 /* rule levels to place by; 0: the
					     * rule count at create */
	uint8_t age_class[FPAG_KIND_COUNT]; /* 0: entries never age */
	bool count;                         /* entries counted, totals kept */
	uint32_t counter_batch;             /* records per COUNTER_READ; 0:
					     * MBOX_COUNTER_READ_MAX */
	uint64_t stats_ns;                  /* fpag_tick polls this often; 0: never */
	/* The ordering guarantee (zero: none, the first slices' behaviour). */
	enum fpag_ordering ordering;
	uint32_t order_frames;              /* misses queued at once, each up to
					     * NIC_PACKET_OUT_MAX_LEN bytes; 0:
					     * FPAG_ORDER_FRAMES_DEFAULT */
	/* A queued miss's PACKET_OUT was posted: the tag fpag_set_tag()
	 * gave before its fpag_miss (may be NULL; ctx as spend's). */
	void (*order_out)(void *ctx, uint64_t tag);
	/* VXLAN uplinks: endpoints max_vnics + n_uplinks + k are the remote
	 * VMs.  Needs a key profile with the VNI and the inner 5-tuple
	 * (key_profile_vxlan) when any uplink has a VTEP. */
	const struct fpag_remote_host *remote_hosts;  /* copied */
	uint32_t n_remote_hosts;
	const struct fpag_remote_vm *remote_vms;      /* copied */
	uint32_t n_remote_vms;
	/* Nothing is offloaded: every packet is decided in the slow path
	 * and sent on, no entry is installed (the correctness oracle's
	 * decider, host/oracle.h).  Commands still go to the sink. */
	bool slow_path_only;
};

/* A few flows pending at once, each with the misses of one round trip. */
#define FPAG_ORDER_FRAMES_DEFAULT 256u
#define FPAG_ORDER_FRAMES_MAX 65536u

struct fpag_stats {
	uint64_t misses;            /* fpag_miss calls */
	uint64_t not_ip;            /* frames without IPv4/IPv6: dropped */
	uint64_t unknown_source;    /* no VNIC of that MAC on that PPID */
	uint64_t spoofed;           /* a VNIC's packet from an address not its */
	uint64_t allowed, denied;   /* slow-path decisions */
	uint64_t ct_new, ct_established, ct_invalid, ct_refused;
	uint64_t ct_closing;        /* late packets of a torn-down connection:
				     * forwarded by the slow path, no entry */
	uint64_t installs;          /* entries placed */
	uint64_t drop_entries;      /* of which drop */
	uint64_t reply_drops_removed;  /* exact drop entries for a new
				     * connection's reply, removed as it opens */
	uint64_t table_full;        /* inserts refused: the flow stays slow */
	uint64_t evictions;         /* entries evicted to make room */
	uint64_t inexpressible;     /* matches the key profile cannot hold */
	uint64_t register_refused;  /* ruleset registration refused */
	uint64_t entries_live;
	uint64_t packet_outs;
	uint64_t flow_end_events, teardowns, entries_removed;
	uint64_t other_events;      /* AGED and events of unknown entries */
	uint64_t migrations, migration_cmds;
	uint64_t cmd_errors;        /* commands the sink refused */
	uint64_t cpu_ns;
	uint64_t no_dest;           /* decided to a removed VNIC: dropped, no entry */
	/* aging */
	uint64_t aged_events;       /* AGED events */
	uint64_t aged_removed;      /* entries gone by aging (either mode) */
	uint64_t aged_stale;        /* events naming an entry since rewritten */
	uint64_t aged_conns;        /* connections ended by their last entry aging */
	/* conntrack timeouts (fpag_tick) */
	uint64_t ct_expired;        /* connections timed out on the host */
	/* rule updates */
	uint64_t rule_updates;      /* fpag_rule_add/remove/change that succeeded */
	uint64_t rule_checks;       /* the rule set's checks for them */
	uint64_t rule_rewritten;    /* entries given a new action (ACTION_WRITE) */
	uint64_t rule_invalidated;  /* entries removed to be re-derived */
	uint64_t rule_untouched;    /* reported, same action: no command */
	uint64_t rule_conns_torn;   /* connections the new rules deny */
	uint64_t rule_reply_drops;  /* drop entries removed because a new
				     * stateful rule allows their replies */
	/* VNICs */
	uint64_t vnic_adds, vnic_removes;
	uint64_t vnic_entries_removed;  /* entries naming a removed VNIC */
	uint64_t vnic_conns_removed;
	/* counters */
	uint64_t counter_polls;     /* fpag_counters_poll calls that read */
	uint64_t counter_reads;     /* COUNTER_READ commands */
	uint64_t counter_records;   /* records they returned */
	uint64_t ctr_packets, ctr_bytes;    /* hits folded into the totals */
	/* the ordering guarantee */
	uint64_t markers;           /* LANDED events */
	uint64_t markers_stale;     /* ... naming a write since overtaken */
	uint64_t releases;          /* ACTION_WRITEs that ended a hold */
	uint64_t gap_releases;      /* ... of them for events lost (fpag_events_lost) */
	uint64_t order_queued;      /* misses queued behind a holding entry */
	uint64_t order_sent;        /* ... sent on its marker */
	uint64_t order_flushed;     /* ... sent because the entry left */
	uint64_t order_rearms;      /* holding entries moved, their hold
				     * written again behind the move */
	uint64_t order_overflow;    /* misses sent at once: the queue was full
				     * (their order is not guaranteed) */
	uint64_t order_wait_ns;     /* host time queued, summed */
	uint64_t order_wait_max_ns;
	uint64_t counter_cpu_ns;    /* of cpu_ns, spent reading counters */
	/* VXLAN uplinks */
	uint64_t templates;         /* encap templates written (TEMPLATE_SET) */
	uint64_t tunnel_misses;     /* VXLAN frames from an uplink, decided by
				     * their inner headers */
	uint64_t encaps, decaps;    /* packet-outs encapsulated / decapsulated
				     * on the host */
	uint64_t tunnel_refused;    /* frames no edit could carry: too long,
				     * remote to remote, an inner IPv6 the
				     * profile cannot match */
	uint64_t remote_moves;      /* VNICs moved behind an uplink */
	uint64_t remote_move_cmds;  /* their commands */
};

/* Hits counted by the NIC, as the FPAG folded them in. */
struct fpag_totals {
	uint64_t tx_packets, tx_bytes;  /* from this endpoint (entries whose key
					 * pins it as the source) */
	uint64_t rx_packets, rx_bytes;  /* forwarded to this endpoint */
};

/* One live entry's counters since it was installed. */
struct fpag_flow_totals {
	uint64_t packets, bytes;
	uint64_t last_hit;          /* latest hit read, else the install time */
	uint32_t src;               /* endpoint its key pins, FPAG_NONE: any */
	uint32_t dest;              /* endpoint it forwards to, FPAG_NONE: drop */
};

struct fpag;

int fpag_create(const struct fpag_params *p, struct fpag **out,
		struct pnic_error *err);
void fpag_destroy(struct fpag *f);

/* A packet the NIC sent to the host (a miss) that arrived on in_ppid.
 * 0 when it was handled (installed, or counted: not IP, unknown source,
 * denied by conntrack, table full); a negative errno (err set) when a
 * command the FPAG needed was refused by the sink. */
int fpag_miss(struct fpag *f, uint32_t in_ppid, const uint8_t *frame,
	      uint32_t caplen, uint32_t len, uint64_t now_ns,
	      struct pnic_error *err);

/* The caller's name for the next fpag_miss()'s packet, kept with it if
 * it is queued (params.order_out). */
void fpag_set_tag(struct fpag *f, uint64_t tag);
/* While the sink takes a PACKET_OUT: the tag of the miss whose frame it
 * carries (the current miss's, or a queued one's sent on its marker). */
uint64_t fpag_out_tag(const struct fpag *f);

/* An event from the NIC.  FLOW_END advances the connection; a completed
 * teardown invalidates both directions' entries.  LANDED (the marker of
 * a write with hold, ev->gen its generation): when it names the index as
 * the host last wrote it, the misses queued for that entry are sent in
 * order and the entry released (ACTION_WRITE without hold).  AGED (ev->gen: the
 * entry's write generation when found; ev->remove: delete mode) forgets
 * the entry if the event names it as it stands, invalidating it in notify
 * mode; a connection whose last entry aged ends.  0, or the sink's error. */
/* Events were lost before the one now read (the event ring was full).
 * A lost LANDED marker would leave its entry holding for ever, and which
 * were lost cannot be known: every entry still holding is released now,
 * its queued misses sent first.  A packet of such a flow that missed and
 * is still behind the gap may then be overtaken (the order check counts
 * it); none stays held.  0, or the sink's error. */
int fpag_events_lost(struct fpag *f, uint64_t now_ns, struct pnic_error *err);
int fpag_event(struct fpag *f, const struct datapath_event *ev,
	       uint64_t now_ns, struct pnic_error *err);

/* VNIC `vnic` (its index in the params) moved to new_ppid.  *cmds (may be
 * NULL) gets the commands issued: 1 in VPID mode, one ACTION_WRITE per
 * entry forwarding to it in PPID mode.  -ENOENT bad VNIC, -ERANGE bad
 * PPID, or the sink's error. */
int fpag_migrate(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
		 uint32_t *cmds, struct pnic_error *err);

/* VNIC `vnic` moved to another host, `host` (a remote host's index),
 * behind that host's uplink: its traffic now leaves by the uplink,
 * encapsulated with the host's template and the VNIC's VNI.  One map
 * write moves the VPID to the uplink's PPID, but the encapsulation is the
 * action's: every entry forwarding to the VNIC is rewritten
 * (ACTION_WRITE) with the encap, first, so that no tenant frame reaches
 * the underlay bare; then, in VPID mode, the MAP_SET.  *cmds: the
 * template (if new), the rewrites and the map write.  -ENOENT bad VNIC or
 * host, -EINVAL the VNIC has no VNI, -ENOSPC no template free. */
int fpag_migrate_remote(struct fpag *f, uint32_t vnic, uint32_t host,
			uint32_t *cmds, struct pnic_error *err);

/* Connection timeouts: connections on conntrack's timers whose deadline
 * passed are removed and their entries (both directions) invalidated;
 * with stats_ns, the counters are polled when due.  An offloaded
 * connection is on no timer: its entries' aging (AGED) ends it.  0, or
 * the sink's error. */
int fpag_tick(struct fpag *f, uint64_t now_ns, struct pnic_error *err);
/* When fpag_tick next has work (a conntrack deadline, a poll), UINT64_MAX
 * if never as things stand. */
uint64_t fpag_next_deadline(const struct fpag *f);

/* Rule updates through the rule set: every offloaded entry whose decision
 * changes is rewritten (ACTION_WRITE) or, when its match is no longer
 * uniform or now needs conntrack, invalidated (its next packet misses);
 * no other entry is touched.  Connections the new rules deny are torn
 * down.  id: as ruleset_rule_add's (may be NULL).  The rule set's errors
 * (-EINVAL, -ENOENT, -ENOMEM, nothing changed), or the sink's. */
int fpag_rule_add(struct fpag *f, uint32_t pos, const struct ruleset_rule *r,
		  uint32_t *id, struct pnic_error *err);
int fpag_rule_remove(struct fpag *f, uint32_t id, struct pnic_error *err);
int fpag_rule_change(struct fpag *f, uint32_t id, const struct ruleset_rule *r,
		     struct pnic_error *err);

/* A VNIC arrives: the next unused slot (*index, its endpoint), a VPID in
 * VPID mode (the one freed longest ago: possibly a removed VNIC's, which
 * host/vpid keeps from reaching it).  -ENOSPC no slot or no VPID, -ERANGE
 * bad PPID. */
int fpag_vnic_add(struct fpag *f, const struct fpag_vnic *v, uint32_t *index,
		  struct pnic_error *err);
/* The VNIC the params declared in slot `index` (later, or removed since)
 * arrives, as declared (on its PPID, or the one it last moved to): a VPID
 * in VPID mode, as fpag_vnic_add's.  Its slot is the endpoint the rule
 * set already names, so rules written for it apply from now.  -ENOENT
 * no such slot, -EEXIST present already, -ENOSPC no VPID free. */
int fpag_vnic_start(struct fpag *f, uint32_t index, struct pnic_error *err);
/* A VNIC leaves: its VPID unmapped and released, every entry naming it
 * (to it, or installed for its traffic) invalidated, its connections
 * removed.  Rules naming its endpoint stay: packets decided to it are
 * dropped without an entry (no_dest).  -ENOENT not a present VNIC. */
int fpag_vnic_remove(struct fpag *f, uint32_t index, struct pnic_error *err);
/* Whether the VNIC slot holds a VNIC now. */
bool fpag_vnic_present(const struct fpag *f, uint32_t index);

/* Read the counters of every index that holds, or held since the last
 * read, an entry, in COUNTER_READ batches; fold the deltas into the
 * totals and the last-hit times (which evict_lru uses when the params
 * give no last_hit).  0 (nothing when !count), or the sink's error. */
int fpag_counters_poll(struct fpag *f, uint64_t now_ns, struct pnic_error *err);
/* Totals of an endpoint; FPAG_NONE: the bucket of hits no endpoint owns
 * (tx: entries whose key names no source; rx: drop entries).  -ENOENT. */
int fpag_vnic_totals(const struct fpag *f, uint32_t endpoint,
		     struct fpag_totals *out);
/* The live entry at TCAM index `index`.  -ENOENT if none. */
int fpag_entry_totals(const struct fpag *f, uint32_t index,
		      struct fpag_flow_totals *out);

/* The VPID an endpoint's entries name now (in PPID mode its PPID's). */
uint32_t fpag_endpoint_vpid(const struct fpag *f, uint32_t endpoint);
const struct fpag_stats *fpag_stats(const struct fpag *f);

#endif
