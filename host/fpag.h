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
 * VNICs first (0 .. n_vnics - 1), then uplinks (n_vnics + j).
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
 * Time: nothing here waits.  Host CPU time passes through the `spend`
 * callback (packet_ns, rule_ns per rule and forwarding probe, conntrack_ns,
 * install_ns, packet_out_ns) and is counted in cpu_ns; `now_ns` only
 * drives conntrack's clocks.  No allocation after create.
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
};

struct fpag_uplink {
	uint32_t id;
	uint32_t ppid;
};

/* Host CPU per step, ns (defaults and their reasons in docs/fpag.md). */
struct fpag_costs {
	uint32_t packet_ns;       /* take the event, parse, find the VNIC */
	uint32_t rule_ns;         /* one rule or forwarding entry compared */
	uint32_t conntrack_ns;    /* one conntrack lookup and update */
	uint32_t install_ns;      /* build and post an entry */
	uint32_t packet_out_ns;   /* copy the frame, post the PACKET_OUT */
};

void fpag_costs_default(struct fpag_costs *c);

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
};

struct fpag_stats {
	uint64_t misses;            /* fpag_miss calls */
	uint64_t not_ip;            /* frames without IPv4/IPv6: dropped */
	uint64_t unknown_source;    /* no VNIC of that MAC on that PPID */
	uint64_t spoofed;           /* a VNIC's packet from an address not its */
	uint64_t allowed, denied;   /* slow-path decisions */
	uint64_t ct_new, ct_established, ct_invalid, ct_refused;
	uint64_t installs;          /* entries placed */
	uint64_t drop_entries;      /* of which drop */
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

/* An event from the NIC.  FLOW_END advances the connection; a completed
 * teardown invalidates both directions' entries.  Other events are
 * counted.  0, or the sink's error. */
int fpag_event(struct fpag *f, const struct datapath_event *ev,
	       uint64_t now_ns, struct pnic_error *err);

/* VNIC `vnic` (its index in the params) moved to new_ppid.  *cmds (may be
 * NULL) gets the commands issued: 1 in VPID mode, one ACTION_WRITE per
 * entry forwarding to it in PPID mode.  -ENOENT bad VNIC, -ERANGE bad
 * PPID, or the sink's error. */
int fpag_migrate(struct fpag *f, uint32_t vnic, uint32_t new_ppid,
		 uint32_t *cmds, struct pnic_error *err);

/* The VPID an endpoint's entries name now (in PPID mode its PPID's). */
uint32_t fpag_endpoint_vpid(const struct fpag *f, uint32_t endpoint);
const struct fpag_stats *fpag_stats(const struct fpag *f);

#endif
