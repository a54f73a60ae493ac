/* system: the whole pNIC + PCIe link + host, in simulated time (SystemC).
 *
 * One call, system_run(), elaborates the SystemC modules for a scenario
 * and runs it to the end of its traffic (docs/system.md):
 *   - a source per scenario input (io/traffic: offer times in ps, turned
 *     into NIC clock edges by the pipeline's exact conversion);
 *   - the pNIC: the cycle-level pipeline (model/pipeline.h) and the
 *     mailbox device (model/mbox_dev.h), its BAR a TLM target socket, its
 *     DMA a TLM initiator socket;
 *   - the PCIe link (model/pcie.h): every TLM transaction through it is
 *     annotated with the delay the link computes;
 *   - the host: a thread running the static host program
 *     (host/static_prog.h) over the mailbox driver (host/mbox_drv.h), in
 *     host memory that the NIC's DMA writes into.
 *
 * Synchronisation is exact, not approximate: the link's smallest one-way
 * latency (pcie write_ns) is the lookahead, and the modules advance in
 * epochs no longer than it, so whatever one side sends during an epoch
 * lands at or after the other side's epoch end and is applied at its own
 * time.  Idle time is skipped across the whole system: when neither the
 * pipeline, a source, the link nor the host has anything before T, the
 * next epoch starts at T.  The SystemC kernel is entered per epoch, never
 * per packet or per cycle.
 *
 * The caller writes files: the system hands out every egress frame with
 * its departure in ns, every per-packet record, a per-window time series
 * and every miss round trip through the callbacks below (any may be
 * NULL).  Callbacks must not call back into the system.
 *
 * SystemC elaborates once per process: system_run() may be called once per
 * process (a second call is -EALREADY).  The SystemC banner is silenced.
 */
#ifndef PNIC_SC_SYSTEM_H
#define PNIC_SC_SYSTEM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* The C blocks' headers are plain C: C++ includes them as C. */
#ifdef __cplusplus
extern "C" {
#endif
#include "host/fpag_prog.h"
#include "host/mbox_drv.h"
#include "host/oracle.h"
#include "host/static_prog.h"
#include "io/scenario.h"
#include "model/error.h"
#include "model/mbox_dev.h"
#include "model/pcie.h"
#include "model/order_check.h"
#include "model/pipeline.h"

/* How the host learns of events and completions. */
enum system_host_mode {
	SYSTEM_HOST_IRQ = 0,     /* sleeps until an MSI-X (pcie irq_ns) */
	SYSTEM_HOST_POLL,        /* polls the rings every poll_interval_ns,
				  * each poll costing pcie poll_ns */
};

struct system_host_params {
	bool enabled;                /* false: no host program at all (no
				      * mailbox traffic; misses stay queued
				      * and are counted at the end) */
	enum system_host_mode mode;
	uint32_t poll_interval_ns;   /* SYSTEM_HOST_POLL: period, >= 1 */
	struct static_prog_costs costs;   /* host CPU per miss, install,
					   * packet-out (docs/system.md) */
	/* The action a miss's exact-match entry is installed with; its VPID
	 * (ACT_FORWARD) names the PPID the packet-out goes to through the
	 * scenario's map.  action_set false: forward to the scenario's first
	 * mapped VPID. */
	bool action_set;
	struct pnic_action action;
	bool install;                /* false: count misses, no install, no
				      * packet-out */
	bool hold;                   /* the static program's ordering: hold */
	uint32_t irq_usecs;          /* SYSTEM_HOST_IRQ: moderation holdoff
				      * on the event vector, 0: none */
	/* Mailbox rings (0: the driver's defaults). */
	uint32_t cmd_entries, cpl_entries, evt_entries, rxb_entries;
};

/* One window of the time series: counts of what happened in
 * [start_ps, end_ps), queue depths at its end. */
struct system_window {
	uint64_t start_ps, end_ps;
	uint64_t arrivals, departed, hits, misses, to_host, dropped;
	uint64_t packet_outs, commands, events, event_drops;
	uint64_t ingress_frames;     /* summed over ports, at end_ps */
	uint64_t egress_frames;      /* summed over PPIDs, at end_ps */
	uint64_t to_host_frames, cfg_commands;
};

/* A miss, followed around the loop: arrival -> to-host queue -> event in
 * host memory -> host notices -> host program (miss, install,
 * packet-out) -> doorbell at the device -> descriptors fetched -> entry
 * written in the core -> packet-out departed.  Times in ps from the start
 * of the run; a step not reached is UINT64_MAX.  total = installed -
 * arrival_last; the parts (docs/system.md) sum to it. */
struct system_miss_trip {
	uint64_t id;                 /* the arrival's id */
	uint32_t in_port;
	uint64_t arrival_last;       /* last bit in */
	uint64_t to_host;            /* in the to-host queue */
	uint64_t event_landed;       /* the event's DMA complete in host memory */
	uint64_t host_seen;          /* the host polled it (irq + handler, or
				      * the next poll) */
	uint64_t host_done;          /* the program's CPU costs spent, the
				      * doorbell written */
	uint64_t doorbell;           /* the doorbell at the device */
	uint64_t installed;          /* the entry written in the core */
	uint64_t packet_out_departed;   /* last bit of the packet-out out */
};

/* A timed action of the host program (a VNIC's migration): when it was
 * due, when the host ran it, the commands it took and when the NIC had
 * applied the last of them — the fast path correct again.  Times in ps
 * from the start of the run; an action that needed no command is in
 * effect when it ran (repaired_ps = ran_ps), one the program refused has
 * repaired_ps UINT64_MAX and status its negative errno. */
struct system_action {
	uint32_t index;              /* the scenario's event */
	uint64_t at_ps, ran_ps, repaired_ps;
	uint32_t cmds;
	int status;
};

typedef void (*system_egress_fn)(void *ctx, const struct pipeline_egress *e,
				 uint64_t departure_ns);
typedef void (*system_window_fn)(void *ctx, const struct system_window *w);
typedef void (*system_miss_fn)(void *ctx, const struct system_miss_trip *t);
typedef void (*system_action_fn)(void *ctx, const struct system_action *a);
/* The tables are in and the sources start at start_ps: the scenario's
 * times (inputs, events) count from here. */
typedef void (*system_start_fn)(void *ctx, uint64_t start_ps);
/* The run is over and the FPAG (host.program: fpag) is about to go: what
 * the caller wants of it (fpag_vnic_totals()...), read only. */
typedef void (*system_fpag_fn)(void *ctx, const struct fpag *f);

struct system_params {
	const struct scenario *scenario;   /* loaded; not owned */
	uint64_t clock_hz;                 /* the NIC clock */
	struct pipeline_timing timing;     /* pipeline_params_default()'s */
	struct pipeline_bounds bounds;
	struct system_host_params host;
	/* The epoch (quantum), ps: 0 takes the lookahead (pcie write_ns);
	 * larger than the lookahead is refused (results would not be
	 * exact). */
	uint64_t quantum_ps;
	uint64_t window_ps;                /* 0: no time series */
	uint64_t stop_ps;                  /* 0: run until every input is done
					    * and everything has drained */
	system_egress_fn egress;
	pipeline_record_fn record;
	system_window_fn window;
	system_miss_fn miss;
	system_action_fn action;
	system_start_fn start;
	system_fpag_fn fpag_end;
	void *ctx;
	/* Set non-zero (from a signal handler) to stop at the next epoch:
	 * the result says interrupted.  May be NULL. */
	volatile sig_atomic_t *stop;
	/* The correctness oracle (host/oracle.h): every packet's decision
	 * against a slow-path-only run of the same rules; host.program
	 * fpag only. */
	bool oracle;
};

struct system_result {
	struct pipeline_stats pipeline;
	struct order_check_stats order;  /* flows' departures against arrivals */
	uint32_t n_ports;
	struct pipeline_port_stats ports[PIPELINE_MAX_PORTS];
	struct mbox_dev_stats dev;
	struct mbox_drv_stats drv;
	struct pcie_link_stats link;
	struct static_prog_stats prog;
	bool fpag_ran;               /* host.program fpag: the two below */
	struct fpag_prog_stats fprog;
	struct fpag_stats fpag;
	uint64_t actions_done;       /* timed actions reported */
	uint64_t misses_out;         /* popped from the to-host queue */
	uint64_t miss_trips;         /* misses followed to the install */
	uint64_t setup_ps;           /* the tables in, the sources started */
	uint64_t sim_ps, cycles;
	uint64_t epochs;             /* SystemC waits per thread */
	uint64_t skipped_ps;         /* idle time jumped over */
	uint64_t skipped_polls;      /* empty polls not run (poll mode) */
	double wall_s;               /* the whole run, elaboration included */
	double traffic_wall_s;       /* from the sources' start to the end:
				      * what packets per second are measured
				      * over (the scenario's programming
				      * aside) */
	double model_s;              /* inside the C blocks (pipeline, device,
				      * driver, host program, sources) */
	double kernel_share;         /* 1 - model_s / wall_s of the run loop */
	bool interrupted;            /* *stop was set */
	bool oracle_ran;             /* params.oracle: the three below */
	struct oracle_stats oracle;
	struct oracle_mismatch oracle_first[ORACLE_FIRST];
	uint32_t oracle_n_first;
};

/* Defaults: no scenario, the pipeline's default clock, timing and
 * bounds, host enabled in IRQ mode with the costs static_prog_costs_default()
 * gives, install on, quantum 0, no window, no callbacks. */
void system_params_default(struct system_params *p);

/* Run the scenario.  0; a negative errno with err set when the parameters
 * or the scenario cannot run (the field named), when an input is damaged,
 * or when a conservation check fails at the end (-EPROTO: the pipeline's,
 * or the mailbox's: misses out = events written + event drops + misses
 * the host never took); res is filled as far as the run went.  -EALREADY
 * on a second call in one process. */
int system_run(const struct system_params *p, struct system_result *res,
	       struct pnic_error *err);

#ifdef __cplusplus
}
#endif

#endif
