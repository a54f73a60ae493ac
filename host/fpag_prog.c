/* fpag_prog: the FPAG over the mailbox driver (see fpag_prog.h). */
#include "host/fpag_prog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/proto.h"

/* Events taken per driver call. */
#define FP_BURST 32u

struct fpag_prog {
	struct fpag_prog_params p;
	struct fpag *fpag;
	struct fpag_prog_action *actions;
	uint32_t next_action;
	/* What the FPAG posted since the scope began (a miss, an action). */
	uint32_t scope_writes, scope_outs, scope_cmds;
	bool sink_failed;           /* the driver refused a post in the scope */
	struct fpag_prog_stats st;
	struct mbox_event_rx ev[FP_BURST];
};

/* ---- the FPAG's sink: post now, publish at the poll's doorbell ---------- */

/* A counter read needs its records before the FPAG goes on: drain what is
 * in flight, then the driver's own sink posts it and waits for it. */
static int counter_read(struct fpag_prog *fp, const struct nic_cmd *c,
			struct nic_cmd_result *res, struct pnic_error *err)
{
	struct nic_cmd_sink s;

	if (!fp->p.wait)
		return pnic_err(err, EINVAL, "host program: a counter read needs the driver's wait callback");
	mbox_drv_doorbell(fp->p.drv);
	while (mbox_drv_in_flight(fp->p.drv) > 0)
		if (fp->p.wait(fp->p.ctx) < 0)
			return pnic_err(err, EINTR, "host program: the run ended during a counter read");
	s = mbox_drv_sink(fp->p.drv);
	return nic_cmd_submit(&s, c, res, err);
}

static int prog_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	struct fpag_prog *fp = ctx;
	int rc;

	if (c->op == NIC_OP_COUNTER_READ) {
		rc = counter_read(fp, c, res, err);
	} else {
		rc = mbox_drv_post_wait(fp->p.drv, c, fp->st.posted + 1, err);
		if (res)
			*res = (struct nic_cmd_result){ 0, 0 };
	}
	if (rc < 0) {
		fp->sink_failed = true;
		return rc;
	}
	fp->st.posted++;
	fp->scope_cmds++;
	fp->scope_writes += c->op == NIC_OP_ENTRY_WRITE;
	fp->scope_outs += c->op == NIC_OP_PACKET_OUT;
	if (c->op == NIC_OP_PACKET_OUT && fp->p.packet_out && fp->fpag)
		fp->p.packet_out(fp->p.ctx, (uint32_t)fpag_out_tag(fp->fpag), c);
	return 0;
}

static void prog_spend(void *ctx, uint64_t ns)
{
	struct fpag_prog *fp = ctx;

	if (fp->p.spend)
		fp->p.spend(fp->p.ctx, ns);
}

/* A queued miss's PACKET_OUT posted, on its marker: the tag is its
 * event's sequence number. */
static void prog_order_out(void *ctx, uint64_t tag)
{
	struct fpag_prog *fp = ctx;

	if (fp->p.released)
		fp->p.released(fp->p.ctx, (uint32_t)tag);
}

static void scope_begin(struct fpag_prog *fp)
{
	fp->scope_writes = fp->scope_outs = fp->scope_cmds = 0;
	fp->sink_failed = false;
}

/* ---- create ----------------------------------------------------------------- */

static int check_actions(const struct fpag_prog_params *p, struct pnic_error *err)
{
	for (uint32_t i = 0; i < p->n_actions; i++) {
		const struct fpag_prog_action *a = &p->actions[i];

		if (i && a->at_ns < p->actions[i - 1].at_ns)
			return pnic_err(err, EINVAL, "host program: action %u is due before action %u (give them in time order)",
					i, i - 1);
		if ((unsigned)a->op >= FPAG_PROG_OPS)
			return pnic_err(err, EINVAL, "host program: action %u has unknown op %d", i, (int)a->op);
		if ((a->op == FPAG_PROG_MIGRATE || a->op == FPAG_PROG_VNIC_REMOVE ||
		     a->op == FPAG_PROG_VNIC_START || a->op == FPAG_PROG_MIGRATE_REMOTE) &&
		    a->vnic >= p->fpag.n_vnics)
			return pnic_err(err, ERANGE, "host program: action %u names VNIC %u, there are %u",
					i, a->vnic, p->fpag.n_vnics);
		if (a->op == FPAG_PROG_MIGRATE && a->ppid >= p->fpag.n_ports)
			return pnic_err(err, ERANGE, "host program: action %u moves to PPID %u, the NIC has %u",
					i, a->ppid, p->fpag.n_ports);
	}
	return 0;
}

int fpag_prog_create(const struct fpag_prog_params *p, struct fpag_prog **out,
		     struct pnic_error *err)
{
	struct fpag_prog *fp;
	struct fpag_params fpp = p->fpag;
	int rc;

	*out = NULL;
	if (!p->drv)
		return pnic_err(err, EINVAL, "host program: no driver");
	if (p->n_actions && !p->actions)
		return pnic_err(err, EINVAL, "host program: %u actions but no array", p->n_actions);
	if ((rc = check_actions(p, err)) < 0)
		return rc;
	fp = calloc(1, sizeof *fp);
	if (!fp || !(fp->actions = calloc(p->n_actions ? p->n_actions : 1, sizeof *fp->actions))) {
		free(fp);
		return pnic_err(err, ENOMEM, "host program: out of memory");
	}
	fp->p = *p;
	if (p->n_actions)
		memcpy(fp->actions, p->actions, p->n_actions * sizeof *fp->actions);
	fpp.sink = (struct nic_cmd_sink){ prog_submit, fp };
	fpp.spend = prog_spend;
	fpp.order_out = prog_order_out;
	fpp.ctx = fp;
	if ((rc = fpag_create(&fpp, &fp->fpag, err)) < 0) {
		fpag_prog_destroy(fp);
		return rc;
	}
	*out = fp;
	return 0;
}

void fpag_prog_destroy(struct fpag_prog *fp)
{
	if (!fp)
		return;
	fpag_destroy(fp->fpag);
	free(fp->actions);
	free(fp);
}

/* ---- one poll --------------------------------------------------------------- */

static int on_miss(struct fpag_prog *fp, const struct mbox_event_rx *e,
		   uint64_t now_ns, struct pnic_error *err)
{
	struct fpag_prog_handled h = { .seq = e->seq };
	uint64_t queued;
	int rc;

	/* A held packet whose entry left before its release is a miss now:
	 * the match it hit is gone. */
	if (e->reason != MBOX_MISS_TCAM && e->reason != MBOX_MISS_HOLD_CANCELLED) {
		fp->st.to_host++;
		return 0;
	}
	fp->st.misses++;
	scope_begin(fp);
	queued = fpag_stats(fp->fpag)->order_queued;
	fpag_set_tag(fp->fpag, e->seq);
	rc = fpag_miss(fp->fpag, e->in_ppid, e->frame, e->caplen, e->len, now_ns, err);
	if (rc < 0)
		return rc;
	h.entry_writes = fp->scope_writes;
	h.packet_outs = fp->scope_outs;
	h.queued = fpag_stats(fp->fpag)->order_queued > queued;
	if (fp->p.handled)
		fp->p.handled(fp->p.ctx, &h);
	return 0;
}

/* FLOW_END, AGED and LANDED (the marker) as the datapath raised them.  Over the mailbox, delete
 * mode's invalidates are the NIC's own (docs/timing.md "Events and
 * aging"), so the host is never asked to remove. */
static int on_flow_event(struct fpag_prog *fp, const struct mbox_event_rx *e,
			 uint64_t now_ns, struct pnic_error *err)
{
	struct datapath_event ev = {
		.type = e->type == MBOX_EV_FLOW_END ? DP_EV_FLOW_END :
			e->type == MBOX_EV_LANDED ? DP_EV_LANDED : DP_EV_AGED,
		.entry = e->entry, .in_port = e->in_ppid, .last_hit = e->last_hit,
		.ts_ns = now_ns,
	};

	if (e->type == MBOX_EV_LANDED)
		ev.gen = e->gen;
	if (e->type == MBOX_EV_AGED) {
		ev.gen = e->gen;
		ev.remove = e->reason & MBOX_AGED_REMOVED;
	}
	if (e->type == MBOX_EV_FLOW_END)
		ev.tcp_flags = (uint8_t)((e->reason & MBOX_FLOW_FIN ? PROTO_TCP_FIN : 0) |
					 (e->reason & MBOX_FLOW_RST ? PROTO_TCP_RST : 0));
	fp->st.flow_events++;
	return fpag_event(fp->fpag, &ev, now_ns, err);
}

static int on_event(struct fpag_prog *fp, const struct mbox_event_rx *e,
		    uint64_t now_ns, struct pnic_error *err)
{
	int rc;

	fp->st.event_gaps += e->dropped_before;
	/* Only a lost event without a packet can be a lost landed marker;
	 * a lost miss is a dropped packet, and holds nothing. */
	if (e->ctl_dropped_before && (rc = fpag_events_lost(fp->fpag, now_ns, err)) < 0)
		return rc;
	switch (e->type) {
	case MBOX_EV_MISS:
		return on_miss(fp, e, now_ns, err);
	case MBOX_EV_FLOW_END:
	case MBOX_EV_AGED:
	case MBOX_EV_LANDED:
		return on_flow_event(fp, e, now_ns, err);
	default:
		fp->st.errors++;
		return 0;
	}
}

int fpag_prog_action_run(struct fpag *f, const struct fpag_prog_action *a,
			 struct pnic_error *err)
{
	switch (a->op) {
	case FPAG_PROG_MIGRATE:
		return fpag_migrate(f, a->vnic, a->ppid, NULL, err);
	case FPAG_PROG_RULE_ADD:
		return fpag_rule_add(f, a->pos, &a->rule, NULL, err);
	case FPAG_PROG_RULE_REMOVE:
		return fpag_rule_remove(f, a->rule_id, err);
	case FPAG_PROG_RULE_CHANGE:
		return fpag_rule_change(f, a->rule_id, &a->rule, err);
	case FPAG_PROG_VNIC_START:
		return fpag_vnic_start(f, a->vnic, err);
	case FPAG_PROG_MARK:
		return 0;
	case FPAG_PROG_MIGRATE_REMOTE:
		return fpag_migrate_remote(f, a->vnic, a->host, NULL, err);
	default:
		return fpag_vnic_remove(f, a->vnic, err);
	}
}

/* The FPAG's own timers, when due. */
static int tick(struct fpag_prog *fp, uint64_t now_ns, struct pnic_error *err)
{
	if (fpag_next_deadline(fp->fpag) > now_ns)
		return 0;
	fp->st.ticks++;
	return fpag_tick(fp->fpag, now_ns, err);
}

/* The actions due by now_ns, in order.  The FPAG's refusal (a VNIC not
 * present, a rule that is not there) is reported and counted, and the
 * run goes on; the driver's failure ends it. */
static int run_actions(struct fpag_prog *fp, uint64_t now_ns,
		       struct pnic_error *err)
{
	while (fp->next_action < fp->p.n_actions &&
	       fp->actions[fp->next_action].at_ns <= now_ns) {
		const struct fpag_prog_action *a = &fp->actions[fp->next_action];
		struct fpag_prog_done d = { .action = fp->next_action, .op = a->op,
					    .at_ns = a->at_ns, .ran_ns = now_ns };
		struct pnic_error e2;

		fp->next_action++;
		scope_begin(fp);
		d.status = fpag_prog_action_run(fp->fpag, a, &e2);
		if (d.status < 0 && fp->sink_failed) {
			*err = e2;
			return d.status;
		}
		d.cmds = fp->scope_cmds;
		d.last_cmd = d.cmds ? fp->st.posted : 0;
		fp->st.actions_run++;
		fp->st.actions_refused += d.status < 0;
		if (fp->p.action_done)
			fp->p.action_done(fp->p.ctx, &d);
	}
	return 0;
}

int fpag_prog_poll(struct fpag_prog *fp, uint64_t now_ns,
		   struct pnic_error *err)
{
	unsigned n;
	int rc;

	fp->st.polls++;
	fp->st.completions += mbox_drv_take_completions(fp->p.drv, &fp->st.cpl_errors);
	n = mbox_drv_poll_events(fp->p.drv, fp->ev, FP_BURST);
	for (unsigned i = 0; i < n; i++)
		if ((rc = on_event(fp, &fp->ev[i], now_ns, err)) < 0)
			return rc;
	if ((rc = run_actions(fp, now_ns, err)) < 0 || (rc = tick(fp, now_ns, err)) < 0)
		return rc;
	mbox_drv_doorbell(fp->p.drv);
	return (int)n;
}

uint64_t fpag_prog_next_ns(const struct fpag_prog *fp)
{
	uint64_t t = fpag_next_deadline(fp->fpag);

	if (fp->next_action < fp->p.n_actions && fp->actions[fp->next_action].at_ns < t)
		t = fp->actions[fp->next_action].at_ns;
	return t;
}

uint64_t fpag_prog_next_action_ns(const struct fpag_prog *fp)
{
	return fp->next_action < fp->p.n_actions ? fp->actions[fp->next_action].at_ns
						 : UINT64_MAX;
}

const struct fpag_prog_stats *fpag_prog_stats(const struct fpag_prog *fp)
{
	return &fp->st;
}

const struct fpag *fpag_prog_fpag(const struct fpag_prog *fp)
{
	return fp->fpag;
}
