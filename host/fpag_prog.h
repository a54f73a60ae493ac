/* fpag_prog: the FPAG (host/fpag.h) as the timed system's host program,
 * over the mailbox driver (host/mbox_drv.h) — what `host.program: fpag`
 * runs in `pnicsim run` (docs/fpag.md "Where it sits").
 *
 * One poll: take the completions, take every event the driver has (a
 * TCAM miss goes to fpag_miss, FLOW_END and AGED to fpag_event; misses for
 * another reason — a to-host action, an unmapped VPID, a parse error —
 * are counted), run the scenario's timed actions that are due (a VNIC
 * migrating to another PPID, a rule added, removed or changed, a VNIC
 * leaving), let the FPAG's timers run (fpag_tick: conntrack timeouts,
 * counter polls), ring the doorbell once.  The FPAG's
 * commands are posted as they come (a full ring is waited out through the
 * driver's wait callback) and published by that doorbell; commands are
 * numbered in posting order from 1, which is the order the device applies
 * them (the mailbox never reorders), so a caller that counts the
 * commands the NIC applies knows when an action's last command landed.
 *
 * Plain C, no SystemC: host CPU time passes through `spend` (the FPAG's
 * cost model); `now_ns` is the host's clock at the poll.  Nothing here
 * waits but the driver.  No allocation after create.
 */
#ifndef PNIC_FPAG_PROG_H
#define PNIC_FPAG_PROG_H

#include <stdint.h>

#include "host/fpag.h"
#include "host/mbox_drv.h"
#include "model/error.h"

enum fpag_prog_op {
	FPAG_PROG_MIGRATE = 0,      /* VNIC `vnic` moves to PPID `ppid` */
	FPAG_PROG_RULE_ADD,         /* `rule` goes in at position `pos` */
	FPAG_PROG_RULE_REMOVE,      /* rule `rule_id` goes */
	FPAG_PROG_RULE_CHANGE,      /* rule `rule_id` becomes `rule` */
	FPAG_PROG_VNIC_REMOVE,      /* VNIC `vnic` leaves (its VM stops) */
	FPAG_PROG_VNIC_START,       /* VNIC `vnic`, declared later, arrives */
	FPAG_PROG_MARK,             /* nothing for the FPAG: an event of the
				     * traffic (a table flood), reported */
	FPAG_PROG_MIGRATE_REMOTE,   /* VNIC `vnic` moves behind remote host
				     * `host` */
	FPAG_PROG_OPS
};

/* A timed action of the scenario. */
struct fpag_prog_action {
	uint64_t at_ns;
	enum fpag_prog_op op;
	uint32_t vnic;              /* index in the FPAG's VNICs */
	uint32_t ppid;
	uint32_t pos, rule_id;      /* rule ops: position, the rule's id */
	uint32_t host;              /* MIGRATE_REMOTE: the remote host */
	struct ruleset_rule rule;   /* RULE_ADD, RULE_CHANGE */
};

/* What one miss came to, for the round-trip accounting. */
struct fpag_prog_handled {
	uint32_t seq;               /* the event's sequence number */
	uint32_t entry_writes;      /* ENTRY_WRITEs posted (an install and
				     * the moves placing it) */
	uint32_t packet_outs;       /* PACKET_OUTs posted (0 or 1) */
	bool queued;                /* its PACKET_OUT waits for its entry's
				     * landed marker (ordering hold): a
				     * `released` call follows when posted */
};

/* What one timed action came to. */
struct fpag_prog_done {
	uint32_t action;            /* its index in the params */
	enum fpag_prog_op op;
	uint64_t at_ns;             /* when it was due */
	uint64_t ran_ns;            /* the poll that ran it */
	uint32_t cmds;              /* commands it posted */
	uint64_t last_cmd;          /* the number of its last (0: none) */
	int status;                 /* 0, or the FPAG's refusal (-ERANGE...) */
};

struct fpag_prog_params {
	struct mbox_drv *drv;
	/* The FPAG's parameters; sink, spend and ctx are the program's own
	 * (set by create), the rest as given. */
	struct fpag_params fpag;
	const struct fpag_prog_action *actions;   /* copied; by at_ns */
	uint32_t n_actions;
	void (*spend)(void *ctx, uint64_t ns);    /* may be NULL */
	void (*handled)(void *ctx, const struct fpag_prog_handled *h);
	/* The PACKET_OUT of the miss of event seq, queued, was posted (may
	 * be NULL). */
	void (*released)(void *ctx, uint32_t seq);
	void (*action_done)(void *ctx, const struct fpag_prog_done *d);
	/* A PACKET_OUT was posted, for the miss of event seq (may be NULL;
	 * c and its frame valid during the call): what the host finally
	 * sent for that packet (the correctness oracle, host/oracle.h). */
	void (*packet_out)(void *ctx, uint32_t seq, const struct nic_cmd *c);
	/* COUNTER_READ waits for its completion: let the device progress
	 * (the driver's wait callback); may be NULL when no counters are
	 * read. */
	int (*wait)(void *ctx);
	void *ctx;
};

struct fpag_prog_stats {
	uint64_t polls;
	uint64_t misses;            /* TCAM misses handed to the FPAG */
	uint64_t to_host;           /* MISS events for another reason */
	uint64_t flow_events;       /* FLOW_END and AGED handed to the FPAG */
	uint64_t errors;            /* ERROR events */
	uint64_t event_gaps;        /* events the device dropped (seq gaps) */
	uint64_t posted;            /* commands posted */
	uint64_t completions, cpl_errors;
	uint64_t actions_run, actions_refused;
	uint64_t ticks;             /* fpag_tick calls (timeouts, counter polls) */
};

struct fpag_prog;

/* Checks the actions (sorted by time, VNIC and PPID in range), creates
 * the FPAG (which programs the VPID map through the driver). */
int fpag_prog_create(const struct fpag_prog_params *p, struct fpag_prog **out,
		     struct pnic_error *err);
void fpag_prog_destroy(struct fpag_prog *fp);

/* One pass at host time now_ns (see above).  The number of events taken,
 * or a negative errno when the driver gave up or the FPAG failed (err
 * set). */
int fpag_prog_poll(struct fpag_prog *fp, uint64_t now_ns,
		   struct pnic_error *err);

/* When the program wants to run next on its own (a timed action, the
 * FPAG's timers: conntrack timeouts, counter polls), ns; UINT64_MAX if
 * never as things stand. */
uint64_t fpag_prog_next_ns(const struct fpag_prog *fp);
/* The same, for the timed actions alone (the timers recur for ever). */
uint64_t fpag_prog_next_action_ns(const struct fpag_prog *fp);

/* What a timed action does to an FPAG (the program's, or the
 * correctness oracle's decider): 0, or the FPAG's refusal. */
int fpag_prog_action_run(struct fpag *f, const struct fpag_prog_action *a,
			 struct pnic_error *err);

const struct fpag_prog_stats *fpag_prog_stats(const struct fpag_prog *fp);
const struct fpag *fpag_prog_fpag(const struct fpag_prog *fp);

#endif
