/* The reports of `pnicsim run`: summary.json (deterministic: simulated
 * results only), timing.json (the host's figures) and the readable
 * summary. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "model/mbox.h"
#include "model/nic_cmd.h"
#include "tools/pnicsim/run.h"
#include "io/stop.h"

static void set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* A fraction rounded to 1e-6 of its unit, so the file reads well. */
static void set_real(json_t *o, const char *key, double v)
{
	json_object_set_new(o, key, json_real(round(v * 1e6) / 1e6));
}

static void set_bool(json_t *o, const char *key, bool v)
{
	json_object_set_new(o, key, json_boolean(v));
}

static json_t *add_obj(json_t *parent, const char *key)
{
	json_t *o = json_object();

	json_object_set_new(parent, key, o);
	return o;
}

/* ---- latency ----------------------------------------------------------- */

/* min/mean/p50/p99/p99.9/max of h, each times `scale`. */
static json_t *stats_json(const struct hist *h, double scale)
{
	json_t *o = json_object();

	set_real(o, "min", (double)hist_min(h) * scale);
	set_real(o, "mean", hist_mean(h) * scale);
	set_real(o, "p50", (double)hist_quantile(h, 0.5) * scale);
	set_real(o, "p99", (double)hist_quantile(h, 0.99) * scale);
	set_real(o, "p99.9", (double)hist_quantile(h, 0.999) * scale);
	set_real(o, "max", (double)hist_max(h) * scale);
	return o;
}

/* A histogram in cycles, or in ps, in both units. */
static json_t *latency_json(const struct run *r, const struct hist *h,
			    bool in_ps)
{
	double hz = (double)r->sp.clock_hz;
	json_t *o = json_object();

	set_int(o, "count", h->count);
	json_object_set_new(o, "cycles", stats_json(h, in_ps ? hz / 1e12 : 1.0));
	json_object_set_new(o, "ns", stats_json(h, in_ps ? 1e-3 : 1e9 / hz));
	return o;
}

static const char *const path_names[RUN_PATHS] = { "hit", "miss", "to_host" };

static json_t *latencies_json(const struct run *r)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < RUN_PATHS; i++)
		json_object_set_new(o, path_names[i], latency_json(r, &r->lat[i], false));
	return o;
}

static json_t *trip_json(const struct run *r)
{
	json_t *o = json_object(), *parts;

	json_object_set_new(o, "total", latency_json(r, r->trip, true));
	parts = add_obj(o, "parts");
	for (unsigned i = 0; i < RUN_TRIP_PARTS; i++)
		json_object_set_new(parts, run_trip_part_name(i),
				    latency_json(r, &r->trip_part[i], true));
	set_int(o, "followed", r->res.miss_trips);
	set_int(o, "incomplete", r->trip_incomplete);
	return o;
}

/* ---- parameters -------------------------------------------------------- */

static json_t *stage_json(const struct pipeline_stage *s)
{
	json_t *o = json_object();

	set_int(o, "latency", s->latency);
	set_int(o, "ii", s->ii);
	return o;
}

static json_t *nic_json(const struct run *r)
{
	const struct pipeline_timing *t = &r->sp.timing;
	const struct pipeline_bounds *b = &r->sp.bounds;
	json_t *o = json_object(), *tj, *q;

	set_int(o, "clock_hz", r->sp.clock_hz);
	tj = add_obj(o, "timing");
	set_int(tj, "mac_rx", t->mac_rx);
	set_int(tj, "parser_base", t->parser_base);
	set_int(tj, "parser_bytes", t->parser_bytes);
	json_object_set_new(tj, "key", stage_json(&t->key));
	json_object_set_new(tj, "action", stage_json(&t->action));
	json_object_set_new(tj, "editor", stage_json(&t->editor));
	set_int(tj, "mac_tx", t->mac_tx);
	q = add_obj(o, "queues");
	set_int(q, "ingress_bytes", b->ingress_bytes);
	set_int(q, "ingress_frames", b->ingress_frames);
	set_int(q, "egress_bytes", b->egress_bytes);
	set_int(q, "egress_frames", b->egress_frames);
	set_int(q, "to_host_bytes", b->to_host_bytes);
	set_int(q, "to_host_frames", b->to_host_frames);
	set_int(q, "cfg_commands", b->cfg_commands);
	set_int(q, "wire_bytes", b->wire_bytes);
	set_int(q, "wire_frames", b->wire_frames);
	set_int(q, "max_frame", b->max_frame);
	return o;
}

static json_t *host_params_json(const struct system_host_params *h)
{
	json_t *o = json_object();
	char act[64];

	set_bool(o, "enabled", h->enabled);
	json_object_set_new(o, "notify", json_string(h->mode == SYSTEM_HOST_POLL ? "poll" : "irq"));
	set_int(o, "poll_interval_ns", h->poll_interval_ns);
	set_int(o, "irq_holdoff_us", h->irq_usecs);
	set_int(o, "miss_ns", h->costs.miss_ns);
	set_int(o, "install_ns", h->costs.install_ns);
	set_int(o, "packet_out_ns", h->costs.packet_out_ns);
	set_bool(o, "install", h->install);
	json_object_set_new(o, "ordering", json_string(h->hold ? "hold" : "none"));
	if (!h->action_set)
		snprintf(act, sizeof act, "forward to the first mapped vpid");
	else if (h->action.kind == ACT_FORWARD)
		snprintf(act, sizeof act, "forward vpid %u", h->action.vpid);
	else
		snprintf(act, sizeof act, "%s", action_kind_name(h->action.kind));
	json_object_set_new(o, "action", json_string(act));
	set_int(o, "cmd_ring", h->cmd_entries);
	set_int(o, "cpl_ring", h->cpl_entries);
	set_int(o, "evt_ring", h->evt_entries);
	set_int(o, "rxb_ring", h->rxb_entries);
	return o;
}

static json_t *pcie_json(const struct pcie_params *p)
{
	json_t *o = json_object();

	set_int(o, "gen", p->gen);
	set_int(o, "lanes", p->lanes);
	set_int(o, "mps", p->mps);
	set_int(o, "mrrs", p->mrrs);
	set_int(o, "dllp_permille", p->dllp_permille);
	set_int(o, "read_rtt_ns", p->read_rtt_ns);
	set_int(o, "write_ns", p->write_ns);
	set_int(o, "irq_ns", p->irq_ns);
	set_int(o, "poll_ns", p->poll_ns);
	return o;
}

static json_t *scenario_json(const struct run *r)
{
	const struct scenario *c = r->cfg;
	json_t *o = json_object();

	json_t *sets = json_array();

	json_object_set_new(o, "scenario", json_string(c->file));
	for (size_t i = 0; i < r->n_sets; i++)
		json_array_append_new(sets, json_string(r->sets[i]));
	json_object_set_new(o, "set", sets);
	json_object_set_new(o, "key_profile", json_string(c->profile->name));
	set_int(o, "key_bits", c->profile->key_bits);
	set_int(o, "tcam_depth", c->tcam_depth);
	set_int(o, "window_ns", r->sp.window_ps / 1000);
	set_bool(o, "interrupted", r->signal != 0);
	json_object_set_new(o, "signal", r->signal ? json_string(stop_signal_name(r->signal)) : json_null());
	return o;
}

/* ---- the pipeline ------------------------------------------------------ */

static json_t *queue_json(const struct pipeline_queue_stats *q)
{
	json_t *o = json_object();

	set_int(o, "frames_max", q->max_frames);
	set_real(o, "frames_mean", q->mean_frames);
	set_int(o, "bytes_max", q->max_bytes);
	set_real(o, "bytes_mean", q->mean_bytes);
	set_int(o, "frames_at_end", q->frames);
	return o;
}

static json_t *packets_json(const struct run *r)
{
	const struct pipeline_stats *s = &r->res.pipeline;
	json_t *o = json_object(), *p, *d;

	set_int(o, "arrivals", s->arrivals);
	set_int(o, "departed", s->departed);
	set_int(o, "to_host", s->to_host);
	set_int(o, "to_host_popped", s->to_host_popped);
	set_int(o, "in_flight", s->in_flight);
	p = add_obj(o, "paths");
	for (unsigned i = 0; i < 4; i++)
		set_int(p, pipeline_path_name(i), r->path_count[i]);
	set_int(o, "mirrors", s->mirrors);
	set_int(o, "mirrors_departed", s->mirrors_departed);
	set_int(o, "packet_outs", s->packet_outs);
	set_int(o, "packet_outs_departed", s->packet_outs_departed);
	d = add_obj(o, "drops");
	for (unsigned i = 0; i < PL_DROP_COUNT; i++)
		set_int(d, pipeline_drop_name(i), s->dropped[i]);
	d = add_obj(o, "events");
	set_int(d, "flow_end", s->events[PL_UP_FLOW_END]);
	set_int(d, "aged", s->events[PL_UP_AGED]);
	set_int(d, "flow_end_dropped", s->event_drops[PL_UP_FLOW_END]);
	set_int(d, "aged_dropped", s->event_drops[PL_UP_AGED]);
	set_int(d, "popped", s->events_popped);
	set_int(d, "aged_deletes", s->aged_deletes);
	set_int(d, "aged_deletes_cancelled", s->aged_cancelled);
	set_int(d, "aged_paused", s->aged_paused);
	d = add_obj(o, "order");
	set_int(d, "departures", r->res.order.departures);
	set_int(d, "in_order", r->res.order.in_order);
	set_int(d, "reordered", r->res.order.reordered);
	set_int(d, "unmatched", r->res.order.unmatched);
	set_int(d, "untracked", r->res.order.untracked);
	set_int(d, "flow_generations", r->res.order.flow_generations);
	set_int(d, "to_host_dropped", r->res.order.to_host_dropped);
	d = add_obj(o, "hold");
	set_int(d, "markers", s->events[PL_UP_LANDED]);
	set_int(d, "markers_dropped", s->event_drops[PL_UP_LANDED]);
	set_int(d, "held", s->held);
	set_int(d, "held_now", s->held_now);
	set_int(d, "held_max", s->held_max);
	set_int(d, "released", s->released);
	set_int(d, "cancelled", s->hold_cancelled);
	return o;
}

static json_t *core_json(const struct run *r)
{
	const struct pipeline_stats *s = &r->res.pipeline;
	json_t *o = json_object();

	set_int(o, "lookups", s->lookups);
	set_real(o, "lookups_per_cycle", s->cycles ? (double)s->lookups / (double)s->cycles : 0.0);
	set_int(o, "cfg_writes", s->cfg_writes);
	set_int(o, "core_steps", s->core_steps);
	set_int(o, "core_stall_cycles", s->core_stall_cycles);
	set_int(o, "ticks", s->ticks);
	return o;
}

static json_t *ports_json(const struct run *r)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < r->res.n_ports; i++) {
		const struct pipeline_port_stats *ps = &r->res.ports[i];
		json_t *o = json_object();

		set_int(o, "ppid", i);
		json_object_set_new(o, "name", json_string(scenario_port_name(r->cfg, i)));
		set_int(o, "rx_frames", ps->rx_frames);
		set_int(o, "rx_bytes", ps->rx_bytes);
		set_int(o, "squeezed", ps->squeezed);
		set_int(o, "tx_frames", ps->tx_frames);
		set_int(o, "tx_bytes", ps->tx_bytes);
		json_object_set_new(o, "ingress_queue", queue_json(&ps->ingress));
		json_object_set_new(o, "egress_queue", queue_json(&ps->egress));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- mailbox, link, host ------------------------------------------------- */

static const char *const event_names[MBOX_EV_COUNT] = {
	"none", "miss", "flow_end", "aged", "error", "landed",
};

static json_t *events_json(const uint64_t *v)
{
	json_t *o = json_object();

	for (unsigned i = 1; i < MBOX_EV_COUNT; i++)
		set_int(o, event_names[i], v[i]);
	return o;
}

/* A struct's uint64_t counters by name, for the stats structs whose
 * fields go to summary.json as they are. */
struct counter {
	const char *name;
	size_t off;
};

#define C(type, f) { #f, offsetof(type, f) }
#define N(a) (sizeof a / sizeof a[0])

static json_t *counters_json(json_t *o, const void *base,
			     const struct counter *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		set_int(o, c[i].name, *(const uint64_t *)((const char *)base + c[i].off));
	return o;
}

static const struct counter dev_counters[] = {
	C(struct mbox_dev_stats, rxb_drops), C(struct mbox_dev_stats, off_drops),
	C(struct mbox_dev_stats, bad_events), C(struct mbox_dev_stats, truncated),
	C(struct mbox_dev_stats, doorbells), C(struct mbox_dev_stats, stale_doorbells),
	C(struct mbox_dev_stats, bad_doorbells), C(struct mbox_dev_stats, busy_stalls),
	C(struct mbox_dev_stats, cpl_full_stalls), C(struct mbox_dev_stats, dma_reads),
	C(struct mbox_dev_stats, dma_read_bytes), C(struct mbox_dev_stats, dma_writes),
	C(struct mbox_dev_stats, dma_write_bytes), C(struct mbox_dev_stats, bar_reads),
	C(struct mbox_dev_stats, bar_writes),
};

static const struct counter drv_counters[] = {
	C(struct mbox_drv_stats, posted), C(struct mbox_drv_stats, completed),
	C(struct mbox_drv_stats, cpl_errors), C(struct mbox_drv_stats, ring_full),
	C(struct mbox_drv_stats, pool_empty), C(struct mbox_drv_stats, doorbells),
	C(struct mbox_drv_stats, bar_writes), C(struct mbox_drv_stats, bar_reads),
	C(struct mbox_drv_stats, waits), C(struct mbox_drv_stats, event_gaps),
	C(struct mbox_drv_stats, ctl_gaps),
	C(struct mbox_drv_stats, tag_mismatches), C(struct mbox_drv_stats, bad_buf_ids),
};

static const struct counter link_counters[] = {
	C(struct pcie_link_stats, up_bytes), C(struct pcie_link_stats, down_bytes),
	C(struct pcie_link_stats, up_busy_ps), C(struct pcie_link_stats, down_busy_ps),
	C(struct pcie_link_stats, dma_writes), C(struct pcie_link_stats, dma_reads),
	C(struct pcie_link_stats, mmio_writes), C(struct pcie_link_stats, interrupts),
	C(struct pcie_link_stats, dma_write_bytes), C(struct pcie_link_stats, dma_read_bytes),
};

static const struct counter prog_counters[] = {
	C(struct static_prog_stats, polls), C(struct static_prog_stats, misses),
	C(struct static_prog_stats, other_events), C(struct static_prog_stats, event_gaps),
	C(struct static_prog_stats, installed), C(struct static_prog_stats, table_full),
	C(struct static_prog_stats, packet_outs), C(struct static_prog_stats, completions),
	C(struct static_prog_stats, cpl_errors), C(struct static_prog_stats, post_errors),
	C(struct static_prog_stats, cpu_ns),
	C(struct static_prog_stats, markers), C(struct static_prog_stats, markers_stale),
	C(struct static_prog_stats, releases), C(struct static_prog_stats, order_queued),
	C(struct static_prog_stats, order_overflow),
};

static const struct counter fprog_counters[] = {
	C(struct fpag_prog_stats, polls), C(struct fpag_prog_stats, misses),
	C(struct fpag_prog_stats, to_host), C(struct fpag_prog_stats, flow_events),
	C(struct fpag_prog_stats, errors), C(struct fpag_prog_stats, event_gaps),
	C(struct fpag_prog_stats, posted), C(struct fpag_prog_stats, completions),
	C(struct fpag_prog_stats, cpl_errors), C(struct fpag_prog_stats, actions_run),
	C(struct fpag_prog_stats, actions_refused), C(struct fpag_prog_stats, ticks),
};

static const struct counter fpag_counters[] = {
	C(struct fpag_stats, misses), C(struct fpag_stats, not_ip),
	C(struct fpag_stats, unknown_source), C(struct fpag_stats, spoofed),
	C(struct fpag_stats, allowed), C(struct fpag_stats, denied),
	C(struct fpag_stats, ct_new), C(struct fpag_stats, ct_established),
	C(struct fpag_stats, ct_invalid), C(struct fpag_stats, ct_refused),
	C(struct fpag_stats, ct_closing),
	C(struct fpag_stats, installs), C(struct fpag_stats, drop_entries),
	C(struct fpag_stats, table_full), C(struct fpag_stats, evictions),
	C(struct fpag_stats, inexpressible), C(struct fpag_stats, register_refused),
	C(struct fpag_stats, entries_live), C(struct fpag_stats, packet_outs),
	C(struct fpag_stats, flow_end_events), C(struct fpag_stats, teardowns),
	C(struct fpag_stats, entries_removed), C(struct fpag_stats, other_events),
	C(struct fpag_stats, migrations), C(struct fpag_stats, migration_cmds),
	C(struct fpag_stats, cmd_errors), C(struct fpag_stats, cpu_ns),
	C(struct fpag_stats, no_dest), C(struct fpag_stats, aged_events),
	C(struct fpag_stats, aged_removed), C(struct fpag_stats, aged_stale),
	C(struct fpag_stats, aged_conns), C(struct fpag_stats, ct_expired),
	C(struct fpag_stats, rule_updates), C(struct fpag_stats, rule_checks),
	C(struct fpag_stats, rule_rewritten), C(struct fpag_stats, rule_invalidated),
	C(struct fpag_stats, rule_untouched), C(struct fpag_stats, rule_conns_torn),
	C(struct fpag_stats, vnic_adds), C(struct fpag_stats, vnic_removes),
	C(struct fpag_stats, vnic_entries_removed), C(struct fpag_stats, vnic_conns_removed),
	C(struct fpag_stats, counter_polls), C(struct fpag_stats, counter_reads),
	C(struct fpag_stats, counter_records), C(struct fpag_stats, ctr_packets),
	C(struct fpag_stats, ctr_bytes),
	C(struct fpag_stats, markers), C(struct fpag_stats, markers_stale),
	C(struct fpag_stats, releases), C(struct fpag_stats, gap_releases),
	C(struct fpag_stats, order_queued),
	C(struct fpag_stats, order_sent), C(struct fpag_stats, order_flushed),
	C(struct fpag_stats, order_rearms),
	C(struct fpag_stats, reply_drops_removed), C(struct fpag_stats, rule_reply_drops),
	C(struct fpag_stats, order_overflow), C(struct fpag_stats, order_wait_ns),
	C(struct fpag_stats, order_wait_max_ns),
	C(struct fpag_stats, ctr_bytes), C(struct fpag_stats, counter_cpu_ns),
	C(struct fpag_stats, templates), C(struct fpag_stats, tunnel_misses),
	C(struct fpag_stats, encaps), C(struct fpag_stats, decaps),
	C(struct fpag_stats, tunnel_refused), C(struct fpag_stats, remote_moves),
	C(struct fpag_stats, remote_move_cmds),
};

/* The host program's counters: the static program's, or the FPAG's and
 * its program's, with the scenario's timed events. */
static void program_json(const struct run *r, json_t *j)
{
	json_t *o;

	if (!r->res.fpag_ran) {
		json_object_set_new(j, "host_program", counters_json(json_object(), &r->res.prog,
								    prog_counters, N(prog_counters)));
		return;
	}
	o = counters_json(json_object(), &r->res.fprog, fprog_counters, N(fprog_counters));
	json_object_set_new(o, "program", json_string("fpag"));
	json_object_set_new(j, "host_program", o);
	json_object_set_new(j, "fpag", counters_json(json_object(), &r->res.fpag,
						      fpag_counters, N(fpag_counters)));
	json_object_set_new(o = add_obj(j, "fpag_config"), "flow_dest",
			    json_string(r->cfg->fpag.flow_dest == FPAG_DEST_PPID ? "ppid" : "vpid"));
	json_object_set_new(o, "entry_shape",
			    json_string(r->cfg->fpag.shape == FPAG_SHAPE_EXACT ? "exact" : "megaflow"));
	json_object_set_new(o, "runs_on", json_string(r->cfg->fpag.on_nic_cores ? "nic_cores" : "host"));
	json_object_set_new(o, "ordering",
			    json_string(r->cfg->fpag.ordering == FPAG_ORDER_HOLD ? "hold" : "none"));
	json_object_set_new(j, "events", run_actions_json(r));
	if (r->n_totals)
		json_object_set_new(j, "endpoints", run_totals_json(r));
}

/* ---- the correctness oracle ------------------------------------------- */

/* The timed actions' kinds, as the scenario's events name them. */
static const char *const oracle_kinds[FPAG_PROG_OPS] = {
	[FPAG_PROG_MIGRATE] = "migrate", [FPAG_PROG_RULE_ADD] = "rule_add",
	[FPAG_PROG_RULE_REMOVE] = "rule_remove",
	[FPAG_PROG_RULE_CHANGE] = "rule_change",
	[FPAG_PROG_VNIC_REMOVE] = "vm_remove", [FPAG_PROG_VNIC_START] = "vm_add",
	[FPAG_PROG_MARK] = "table_flood",
	[FPAG_PROG_MIGRATE_REMOTE] = "migrate_remote",
};

static json_t *decision_json(const struct oracle_decision *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "verdict", json_string(d->v == ORACLE_FORWARD ? "forward" :
						      d->v == ORACLE_DROP ? "drop" : "none"));
	if (d->v == ORACLE_FORWARD) {
		set_int(o, "ppid", d->ppid);
		set_int(o, "bytes", d->caplen);
	}
	return o;
}

static json_t *mismatch_json(const struct oracle_mismatch *m)
{
	json_t *o = json_object();

	set_int(o, "id", m->id);
	set_int(o, "at_ns", m->at_ns);
	set_int(o, "in_port", m->in_port);
	json_object_set_new(o, "expected", decision_json(&m->expected));
	json_object_set_new(o, "got", decision_json(&m->got));
	if (m->byte >= 0)
		set_int(o, "first_byte_differing", (uint64_t)m->byte);
	return o;
}

/* summary.json's `oracle` (docs/run.md). */
static json_t *oracle_json(const struct run *r)
{
	const struct oracle_stats *s = &r->res.oracle;
	json_t *o = json_object(), *w, *a;

	set_int(o, "arrivals", s->arrivals);
	set_int(o, "compared", s->compared);
	set_int(o, "matched", s->matched);
	set_int(o, "in_window", s->in_window);
	w = add_obj(o, "in_window_by_kind");
	for (unsigned k = 0; k < FPAG_PROG_OPS; k++)
		if (s->in_window_kind[k])
			set_int(w, oracle_kinds[k], s->in_window_kind[k]);
	set_int(o, "mismatches", s->mismatches);
	set_int(o, "capacity_drops", s->capacity);
	set_int(o, "unresolved", s->unresolved);
	set_int(o, "forwards", s->forwards);
	set_int(o, "drops", s->drops);
	set_int(o, "windows", s->windows);
	set_int(o, "decider_refused", s->decider_errors);
	a = json_array();
	for (uint32_t i = 0; i < r->res.oracle_n_first; i++)
		json_array_append_new(a, mismatch_json(&r->res.oracle_first[i]));
	json_object_set_new(o, "first_mismatches", a);
	return o;
}

static void oracle_print(FILE *f, const struct run *r)
{
	const struct oracle_stats *s = &r->res.oracle;

	fprintf(f, "oracle: %llu packets compared with the slow path alone: %llu matched, %llu in update windows, %llu MISMATCHED; %llu capacity drops, %llu unresolved\n",
		(unsigned long long)s->compared, (unsigned long long)s->matched,
		(unsigned long long)s->in_window, (unsigned long long)s->mismatches,
		(unsigned long long)s->capacity, (unsigned long long)s->unresolved);
	for (uint32_t i = 0; i < r->res.oracle_n_first; i++) {
		const struct oracle_mismatch *m = &r->res.oracle_first[i];

		fprintf(f, "  arrival %llu at %llu ns on port %u: expected %s %u, got %s %u\n",
			(unsigned long long)m->id, (unsigned long long)m->at_ns, m->in_port,
			m->expected.v == ORACLE_FORWARD ? "forward to ppid" : "drop", m->expected.ppid,
			m->got.v == ORACLE_FORWARD ? "forward to ppid" : "drop", m->got.ppid);
	}
}

static json_t *device_json(const struct mbox_dev_stats *d)
{
	json_t *o = json_object(), *c = add_obj(o, "commands");
	json_t *e = add_obj(o, "errors");

	for (uint32_t i = 1; i < NIC_OP_END; i++)
		set_int(c, nic_cmd_op_name(i), d->commands[i]);
	set_int(c, "unknown", d->commands[0]);
	for (uint32_t i = 1; i < MBOX_ERR_END; i++)
		if (strcmp(mbox_err_name(i), "?"))
			set_int(e, mbox_err_name(i), d->errors[i]);
	json_object_set_new(o, "events", events_json(d->events));
	json_object_set_new(o, "event_drops", events_json(d->event_drops));
	set_int(o, "irqs_cpl", d->irqs[MBOX_IRQ_CPL]);
	set_int(o, "irqs_evt", d->irqs[MBOX_IRQ_EVT]);
	return counters_json(o, d, dev_counters, N(dev_counters));
}

static json_t *driver_json(const struct mbox_drv_stats *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "events", events_json(d->events));
	return counters_json(o, d, drv_counters, N(drv_counters));
}

static json_t *simulated_json(const struct run *r)
{
	json_t *o = json_object();

	set_int(o, "ps", r->res.sim_ps);
	set_int(o, "cycles", r->res.cycles);
	set_int(o, "epochs", r->res.epochs);
	set_int(o, "skipped_ps", r->res.skipped_ps);
	set_int(o, "records", r->records);
	set_int(o, "windows", r->windows);
	return o;
}

json_t *run_summary_json(const struct run *r)
{
	json_t *j = json_object(), *q, *mb;

	json_object_set_new(j, "run", scenario_json(r));
	json_object_set_new(j, "nic", nic_json(r));
	json_object_set_new(j, "host", host_params_json(&r->sp.host));
	json_object_set_new(j, "pcie", pcie_json(&r->cfg->pcie));
	json_object_set_new(j, "simulated", simulated_json(r));
	json_object_set_new(j, "packets", packets_json(r));
	json_object_set_new(j, "core", core_json(r));
	q = add_obj(j, "queues");
	json_object_set_new(q, "to_host", queue_json(&r->res.pipeline.to_host_queue));
	json_object_set_new(q, "cfg_fifo", queue_json(&r->res.pipeline.cfg_fifo));
	json_object_set_new(j, "ports", ports_json(r));
	json_object_set_new(j, "latency", latencies_json(r));
	json_object_set_new(j, "miss_round_trip", trip_json(r));
	mb = add_obj(j, "mailbox");
	set_int(mb, "misses_out", r->res.misses_out);
	json_object_set_new(mb, "device", device_json(&r->res.dev));
	json_object_set_new(mb, "driver", driver_json(&r->res.drv));
	json_object_set_new(j, "pcie_link", counters_json(json_object(), &r->res.link,
							 link_counters, N(link_counters)));
	program_json(r, j);
	if (r->res.oracle_ran)
		json_object_set_new(j, "oracle", oracle_json(r));
	return j;
}

/* ---- timing.json and the readable summary ------------------------------ */

json_t *run_timing_json(const struct run *r)
{
	json_t *o = json_object();
	double w = r->res.wall_s > 0 ? r->res.wall_s : r->wall_s;

	set_real(o, "wall_s", r->wall_s);
	set_real(o, "system_wall_s", r->res.wall_s);
	set_real(o, "model_s", r->res.model_s);
	set_real(o, "kernel_share", r->res.kernel_share);
	set_real(o, "packets_per_s", w > 0 ? (double)r->records / w : 0.0);
	set_real(o, "cycles_per_s", w > 0 ? (double)r->res.cycles / w : 0.0);
	/* Over the traffic alone (the tables' programming aside), as
	 * bench/parts/50-run.sh reports the system's speed. */
	set_real(o, "traffic_wall_s", r->res.traffic_wall_s);
	set_real(o, "traffic_packets_per_s", r->res.traffic_wall_s > 0 ?
		 (double)r->records / r->res.traffic_wall_s : 0.0);
	return o;
}

static void print_latency(FILE *f, const char *name, const struct hist *h,
			  double to_ns)
{
	if (!h->count) {
		fprintf(f, "  %-14s none\n", name);
		return;
	}
	fprintf(f, "  %-14s %8llu  p50 %10.1f ns  p99 %10.1f ns  max %10.1f ns\n",
		name, (unsigned long long)h->count,
		(double)hist_quantile(h, 0.5) * to_ns,
		(double)hist_quantile(h, 0.99) * to_ns, (double)hist_max(h) * to_ns);
}

void run_summary_print(FILE *f, const struct run *r)
{
	const struct pipeline_stats *s = &r->res.pipeline;
	double to_ns = 1e9 / (double)r->sp.clock_hz;
	uint64_t drops = 0;

	for (unsigned i = 0; i < PL_DROP_COUNT; i++)
		drops += s->dropped[i];
	fprintf(f, "%s: %llu packets in %.6f ms simulated (%llu cycles at %.6g MHz)\n",
		r->cfg->file, (unsigned long long)s->arrivals,
		(double)r->res.sim_ps * 1e-9, (unsigned long long)r->res.cycles,
		(double)r->sp.clock_hz / 1e6);
	fprintf(f, "  hit %llu, miss %llu, to_host %llu, dropped %llu (all drops %llu), packet-outs %llu\n",
		(unsigned long long)r->path_count[PL_PATH_HIT],
		(unsigned long long)r->path_count[PL_PATH_MISS],
		(unsigned long long)r->path_count[PL_PATH_TO_HOST],
		(unsigned long long)r->path_count[PL_PATH_DROP],
		(unsigned long long)drops, (unsigned long long)s->packet_outs);
	fprintf(f, "latency from the last bit in:\n");
	for (unsigned i = 0; i < RUN_PATHS; i++)
		print_latency(f, path_names[i], &r->lat[i], to_ns);
	print_latency(f, "miss_install", r->trip, 1e-3);
	if (r->res.oracle_ran)
		oracle_print(f, r);
	if (r->signal)
		fprintf(f, "interrupted by %s\n", stop_signal_name(r->signal));
	if (r->plot_note[0])
		fprintf(f, "plots: %s\n", r->plot_note);
	fprintf(f, "outputs in %s/\n", r->out_dir);
}
