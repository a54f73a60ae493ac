/* scenario: the YAML file that describes one pNIC and the traffic to run
 * through it, as `pnicsim replay` runs it (docs/scenario.md).
 *
 * Loading parses, resolves and validates everything before anything runs:
 * the key profile, the TCAM depth, the ports (PPIDs and line rates), the
 * VPID map, the VXLAN encap templates (their fields, built into header
 * bytes by the encap block, model/encap.h), the flow entries (field-wise
 * matches packed into keys with the profile, or raw hex value/mask;
 * actions), the inputs and the PCIe link's parameters.  Line rates and the
 * link are the timed system's; the functional replay reads and checks
 * them but has no use for them.  Every refusal names the file, the
 * line and column, the field path (e.g. "flows[3].match.src_ip") and what
 * was expected.  Unknown keys are refused, so a typo never passes.  The
 * YAML is read event by event, and what no scenario needs (a second
 * document, tags, anchors and aliases, nesting or lengths past the
 * SCENARIO_MAX_* bounds below) is refused where it appears, so any file
 * costs time linear in its size.  Every number goes through
 * num_parse_u64() (io/num.h).  The reader is one file per top-level
 * section (io/scenario-private.h).
 *
 * The result is a plain C struct that the core's blocks can be filled
 * from; it owns its arrays, and scenario_destroy() frees them.
 * Edge code: uses libyaml.
 */
#ifndef PNICSIM_SCENARIO_H
#define PNICSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/fpag.h"
#include "host/ruleset.h"
#include "host/tcam_place.h"
#include "model/action.h"
#include "model/action_ram.h"
#include "model/datapath.h"
#include "model/error.h"
#include "model/key.h"
#include "model/key_profile.h"
#include "model/lookup_core.h"
#include "model/nic_cmd.h"
#include "model/pcie.h"
#include "model/pipeline.h"
#include "model/tcam.h"
#include "model/vpid_map.h"

#define SCENARIO_NAME_MAX 32

/* Bounds no valid scenario comes near, refused where they are crossed so
 * that a broken or hostile file costs little: nesting (a scenario nests 5
 * lists and mappings deep), items of one list or keys of one mapping (the
 * longest list is flows, at most the TCAM's depth), bytes of one value
 * (the longest is a path). */
#define SCENARIO_MAX_DEPTH  16
#define SCENARIO_MAX_ITEMS  TCAM_MAX_DEPTH
#define SCENARIO_MAX_SCALAR 4096

/* A port's line rate: 10 Mb/s to 1.6 Tb/s. */
#define SCENARIO_MIN_BPS 10000000ull
#define SCENARIO_MAX_BPS 1600000000000ull

struct scenario_port {
	uint32_t ppid;
	char name[SCENARIO_NAME_MAX];
	uint64_t bps;              /* line rate in bit/s; 0 if not given */
};

struct scenario_map {
	uint32_t vpid;
	uint32_t ppid;
	char name[SCENARIO_NAME_MAX];    /* the VNIC's name for reports; "" if none */
};

struct scenario_template {
	uint8_t id;
	char name[SCENARIO_NAME_MAX];
	struct encap_template t;
};

struct scenario_flow {
	uint32_t index;            /* TCAM entry */
	struct pnic_key value;     /* already value & mask */
	struct pnic_key mask;
	struct pnic_action action;
	unsigned line;             /* where it was written */
};

/* When a timed run lets an input's packets arrive (replay, untimed, takes
 * them in file order whatever the pace). */
enum scenario_pace {
	SCENARIO_PACE_TRACE = 0,   /* the capture's timestamps / multiplier */
	SCENARIO_PACE_LINE_RATE,   /* back to back at the port's line rate */
};

/* A burst of new flows from a VNIC (`table_flood`), as a traffic
 * generator sends it: IPv4, 64-byte frames, flow i from source port
 * 1024 + i % 64512 to dst_port + i / 64512, one every gap_ps from the
 * event's time. */
struct scenario_flood {
	uint64_t src_mac, dst_mac;
	uint32_t src_ip, dst_ip;
	uint8_t proto;             /* 17 UDP, 6 TCP (SYNs) */
	uint16_t dst_port;
	uint32_t flows;
	uint64_t gap_ps;
};

struct scenario_input {
	char *path;                /* resolved against the scenario's folder */
	uint32_t in_port;          /* PPID */
	uint32_t loops;            /* times the file is replayed, >= 1 */
	enum scenario_pace pace;
	double multiplier;         /* > 0; 1 unless given (pace trace only) */
	/* in_port: vnics — each frame enters by the port its source VNIC is
	 * attached to when it is offered (following the migrations), or the
	 * first uplink's for a source that is no VNIC; in_port is then
	 * unused.  owner: the scenario, for scenario_attachment(). */
	bool by_vnic;
	const struct scenario *owner;
	unsigned line;
	/* pace trace: the inputs share one clock (the earliest first stamp
	 * among them is time 0, so captures of one conversation taken per
	 * direction keep their spacing) unless own_clock, when the input's
	 * first frame is at 0.  lead_ns: how far after time 0 this input's
	 * first frame is, in the capture's time (before the multiplier). */
	bool own_clock;
	uint64_t lead_ns;
	/* A table_flood event's traffic (generated, no capture: path names
	 * the event): flood.flows frames of distinct flows, by_vnic. */
	bool generated;
	struct scenario_flood flood;
};

/* The timed pNIC (`nic`; pnicsim run only): pipeline_params_default()'s
 * values unless given. */
struct scenario_nic {
	uint64_t clock_hz;
	struct pipeline_timing timing;
	struct pipeline_bounds bounds;
};

/* The time series' window unless `run.window_ns` says otherwise: 100 us,
 * 40 windows over the demo's 4 ms, 10 000 a simulated second. */
#define SCENARIO_RUN_WINDOW_NS 100000ull

/* What a timed run writes (`run`; pnicsim run only). */
struct scenario_run {
	bool packets_csv;          /* packets.csv; true unless given */
	bool plots;                /* the gnuplot plots; true unless given */
	uint64_t window_ns;        /* the time series' window, >= 1 */
	bool oracle;               /* the correctness oracle (host/oracle.h);
				    * false unless given */
};

/* The static host program of a timed run (`host`; pnicsim run only).
 * Only the fields whose bit is in `given` were written: pnicsim run lays
 * them over the system's defaults (system_params_default()). */
enum scenario_host_given {
	SCENARIO_HOST_ENABLED       = 1u << 0,
	SCENARIO_HOST_NOTIFY        = 1u << 1,
	SCENARIO_HOST_POLL_INTERVAL = 1u << 2,
	SCENARIO_HOST_IRQ_USECS     = 1u << 3,
	SCENARIO_HOST_MISS_NS       = 1u << 4,
	SCENARIO_HOST_INSTALL_NS    = 1u << 5,
	SCENARIO_HOST_PACKET_OUT_NS = 1u << 6,
	SCENARIO_HOST_INSTALL       = 1u << 7,
	SCENARIO_HOST_ACTION        = 1u << 8,
	SCENARIO_HOST_CMD_RING      = 1u << 9,
	SCENARIO_HOST_CPL_RING      = 1u << 10,
	SCENARIO_HOST_EVT_RING      = 1u << 11,
	SCENARIO_HOST_RXB_RING      = 1u << 12,
	SCENARIO_HOST_PROGRAM       = 1u << 13,
	SCENARIO_HOST_ORDERING      = 1u << 14,
};

enum scenario_program {
	SCENARIO_PROGRAM_STATIC = 0,   /* host/static_prog.h */
	SCENARIO_PROGRAM_FPAG,         /* host/fpag_prog.h: topology, rules,
					* fpag and events sections */
};

struct scenario_host {
	uint32_t given;            /* enum scenario_host_given bits */
	bool enabled;              /* the program runs at all */
	enum scenario_program program;
	bool poll;                 /* notify: poll (else irq) */
	uint32_t poll_interval_ns;
	uint32_t irq_usecs;        /* interrupt moderation holdoff */
	uint32_t miss_ns, install_ns, packet_out_ns;   /* host CPU costs */
	bool install;              /* a miss installs an entry */
	bool hold;                 /* ordering: hold (the static program's
				    * entries hold until their marker) */
	struct pnic_action action; /* the entry's action */
	uint32_t cmd_entries, cpl_entries, evt_entries, rxb_entries;
};

/* ---- the FPAG's world (host.program: fpag; docs/fpag.md) --------------- */

/* A VNIC of a VM (`topology.vnics`); v.id is its position. */
struct scenario_vnic {
	char name[SCENARIO_NAME_MAX];
	struct fpag_vnic v;
	unsigned line;
};

/* An IP prefix in the rule set's 128-bit form (IPv4 as ::ffff:a.b.c.d). */
struct scenario_prefix {
	struct ruleset_ip ip;
	uint8_t len;               /* 0..128 */
};

/* A PPID toward other hosts and the prefixes reached through it. */
struct scenario_uplink {
	char name[SCENARIO_NAME_MAX];
	uint32_t ppid;
	uint32_t n_routes;
	struct scenario_prefix *routes;
	struct fpag_uplink v;      /* with its VTEP when it is a VXLAN uplink */
};

/* A host behind a VXLAN uplink, and a VM on it (an endpoint, after the
 * uplinks: rules and routes name it). */
struct scenario_remote_host {
	char name[SCENARIO_NAME_MAX];
	struct fpag_remote_host v;
};

struct scenario_remote_vm {
	char name[SCENARIO_NAME_MAX];
	struct fpag_remote_vm v;
};

struct scenario_topology {
	uint32_t n_vnics;
	struct scenario_vnic *vnics;
	uint32_t *by_mac;          /* VNIC positions sorted by MAC (unique) */
	uint32_t n_uplinks;
	struct scenario_uplink *uplinks;
	uint32_t n_remote_hosts;
	struct scenario_remote_host *remote_hosts;
	uint32_t n_remote_vms;
	struct scenario_remote_vm *remote_vms;
};

/* The firewall (`rules`): the inline list, then a ClassBench file's rules
 * (all with one verdict), first match decides; `default` when none does.
 * A rule's vnic (scoped) is a VNIC's position. */
struct scenario_rules {
	bool default_allow;
	uint32_t n;
	struct ruleset_rule *list;
	char *classbench;          /* resolved path; NULL if none */
	enum ruleset_verdict classbench_verdict;
};

/* The FPAG's policies and costs (`fpag`). */
struct scenario_fpag {
	enum fpag_flow_dest flow_dest;
	enum fpag_shape shape;
	enum fpag_ordering ordering;   /* hold (the default) or none */
	enum tcam_place_full full;
	struct fpag_costs costs;
	uint32_t default_uplink;   /* forwarding miss: to this uplink's
				    * position; UINT32_MAX: dropped */
	/* runs_on: nic_cores — the FPAG on the pNIC's embedded cores: the
	 * mailbox crosses the on-chip interconnect (scenario.pcie is made
	 * from these, docs/fpag.md) and every cost is multiplied by
	 * slowdown (the costs above are as written, for a host CPU). */
	uint64_t stats_ns;         /* counter polls this often; 0: none */
	uint8_t age_class[FPAG_KIND_COUNT];  /* per kind of entry; 0: never */
	/* conntrack: records held (0: the table's depth past 64K, else
	 * 64K) and the TIME_WAIT timeout (0: Linux's 120 s). */
	uint32_t ct_max_conns;
	uint64_t ct_time_wait_ns;
	bool on_nic_cores;
	uint32_t core_write_ns, core_read_rtt_ns, core_irq_ns, core_poll_ns;
	double core_slowdown;
};

enum scenario_event_kind {
	SCENARIO_EV_MIGRATE = 0,   /* a VNIC moves to another PPID */
	SCENARIO_EV_RULE_ADD,      /* `rule` goes in at position `pos` */
	SCENARIO_EV_RULE_REMOVE,   /* the rule of id `rule_id` goes */
	SCENARIO_EV_RULE_CHANGE,   /* the rule of id `rule_id` becomes `rule` */
	SCENARIO_EV_VM_REMOVE,     /* a VNIC leaves */
	SCENARIO_EV_VM_ADD,        /* a VNIC declared `start: later` (or
				    * removed before) arrives */
	SCENARIO_EV_TABLE_FLOOD,   /* a VNIC sends a burst of new flows:
				    * inputs[input] generates them */
	SCENARIO_EV_MIGRATE_REMOTE, /* a VNIC moves to remote host `host`
				     * (ppid: its uplink's) */
};

/* A timed event (`events`), in time order.  Rule ids: rules.list's are
 * 0, 1, ... in order, then the ClassBench file's, then each rule_add's
 * in event order. */
struct scenario_event {
	uint64_t at_ns;
	enum scenario_event_kind kind;
	uint32_t vnic;             /* position in topology.vnics */
	uint32_t ppid;
	uint32_t pos, rule_id;
	struct ruleset_rule rule;
	uint32_t input;            /* TABLE_FLOOD: its generated input */
	uint32_t host;             /* MIGRATE_REMOTE: the remote host */
	unsigned line;
};

/* A bound on one of the run's figures (`expect`; pnicsim run checks it). */
struct scenario_expect {
	char figure[96];           /* a summary.json path: events.0.commands */
	bool has_min, has_max, has_equals;
	double min, max, equals;
	unsigned line;
};

struct scenario {
	char *file;                        /* the scenario's path */
	const struct key_profile *profile; /* built-in, or &custom */
	struct key_profile custom;
	uint32_t tcam_depth;
	enum datapath_miss_policy miss;
	enum datapath_parse_error_policy parse_errors;
	struct flow_age_config aging;      /* off unless given */

	uint32_t n_ports;
	struct scenario_port *ports;
	uint32_t n_ppids;                  /* highest PPID + 1 */

	uint32_t n_vpids;
	enum vpid_unmapped_policy unmapped;
	uint32_t n_maps;
	struct scenario_map *maps;

	uint32_t n_templates;
	struct scenario_template *templates;

	uint32_t n_flows;
	struct scenario_flow *flows;

	uint32_t n_inputs;
	struct scenario_input *inputs;

	char *out_dir;                     /* resolved; NULL if not given */

	struct pcie_params pcie;           /* pcie_defaults() unless given */
	struct scenario_nic nic;
	struct scenario_run run;
	struct scenario_host host;
	struct scenario_topology topo;
	struct scenario_rules rules;
	struct scenario_fpag fpag;
	uint32_t n_events;
	struct scenario_event *events;
	uint32_t n_expects;
	struct scenario_expect *expects;
};

/* Load and validate the file at path. */
int scenario_load(const char *path, struct scenario **out,
		  struct pnic_error *err);
/* Same from bytes; `name` is the file named in messages and relative
 * paths resolve against its folder. */
int scenario_parse(const char *buf, size_t len, const char *name,
		   struct scenario **out, struct pnic_error *err);
/* The same with overrides: each "PATH=VALUE" (keys and list positions
 * joined by dots: fpag.flow_dest=ppid, inputs.0.pace=line_rate) replaces
 * the value the file gives at PATH before anything is read, so it is
 * checked as if written there; a PATH the file does not have is refused
 * (err.field names it).  For parameter sweeps over one file. */
int scenario_load_set(const char *path, const char *const *sets, size_t n_sets,
		      struct scenario **out, struct pnic_error *err);
int scenario_parse_set(const char *buf, size_t len, const char *name,
		       const char *const *sets, size_t n_sets,
		       struct scenario **out, struct pnic_error *err);
void scenario_destroy(struct scenario *c);

/* The datapath policies the scenario sets: what a miss, a parse error and
 * an unmapped VPID do, and how entries age. */
struct datapath_policy scenario_policy(const struct scenario *c);

/* The position of the VNIC (0 .. n_vnics - 1) or uplink (n_vnics + j)
 * of that name, as the FPAG numbers endpoints; -1 if none. */
int scenario_endpoint(const struct scenario *c, const char *name);
/* The port a frame from this source MAC enters by at at_ns (from the
 * start of the traffic): its VNIC's, after the migrations due by then;
 * the first uplink's when no VNIC has that MAC; UINT32_MAX when there is
 * no uplink either. */
/* The remote host a frame from `mac` comes from at at_ns (a remote VM's,
 * or a VNIC's that moved behind it by then), -1 if none; *vni its VNI. */
int scenario_remote_source(const struct scenario *c, uint64_t mac,
			   uint64_t at_ns, uint32_t *vni);
uint32_t scenario_attachment(const struct scenario *c, uint64_t mac,
			     uint64_t at_ns);
/* The port name of a PPID ("" if it has none). */
const char *scenario_port_name(const struct scenario *c, uint32_t ppid);

/* ---- the scenario onto a NIC (scenario_program.c) ------------------------ */

/* Submit the scenario's tables to a sink as the NIC's commands, in the
 * order a driver programs a NIC: MAP_SET for each VPID of the map, then
 * TEMPLATE_SET for each encap template, then ENTRY_WRITE for each flow.
 * pnicsim replay submits them to the C NIC and pnicsim cosim to the lookup
 * core RTL, so both hold what the same commands make.  Stops at the first
 * refusal, with the scenario file and what the command was for ("vpid 3",
 * "flow at line 40") before the sink's message. */
int scenario_program(const struct scenario *c, const struct nic_cmd_sink *sink,
		     struct pnic_error *err);

/* One past the highest entry index the flows use (0 for none). */
uint32_t scenario_entries_end(const struct scenario *c);

/* Whether a lookup core of these sizes holds the scenario: its KeyWidth is
 * the profile's key width, its map has at least the scenario's VPIDs (a
 * p->n_vpids of 0 is LOOKUP_CORE_DEFAULT_VPIDS, as for lookup_core_create) and
 * every entry's index lies below its depth (which may be less than
 * tcam.depth: the lookups of a TCAM do not depend on entries never
 * written).  0, or -EINVAL / -ERANGE naming the file, the field (and the
 * flow's line) and the core's size. */
int scenario_core_check(const struct scenario *c,
			const struct lookup_core_params *p,
			struct pnic_error *err);

#endif
