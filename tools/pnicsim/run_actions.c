/* The scenario's timed events in a run (host.program fpag): what each
 * came to, as summary.json's "events" reports it (docs/run.md): the
 * commands it took, the time from when it was due until the NIC had
 * applied the last of them (for a migration: the fast path correct
 * again), and the packets that arrived meanwhile and were dropped, missed
 * or went to the host.  For a migration also the frames for the VNIC (by
 * destination MAC) that left by another PPID than the VNIC's after the
 * event (misdelivered). */
#include <stdlib.h>
#include <string.h>

#include "tools/pnicsim/run.h"

static void set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

int run_actions_init(struct run *r)
{
	const struct scenario *c = r->cfg;

	r->n_actions = c->n_events;
	r->actions = calloc(c->n_events ? c->n_events : 1, sizeof *r->actions);
	if (!r->actions)
		return -1;
	for (uint32_t i = 0; i < c->n_events; i++) {
		const struct scenario_vnic *v = &c->topo.vnics[c->events[i].vnic];
		bool moves = c->events[i].kind == SCENARIO_EV_MIGRATE ||
			     c->events[i].kind == SCENARIO_EV_MIGRATE_REMOTE;

		/* Misdelivery is a migration's: no MAC to follow otherwise. */
		r->actions[i].mac = moves ? v->v.mac : UINT64_MAX;
		r->actions[i].to_ppid = c->events[i].ppid;
		r->actions[i].a.repaired_ps = UINT64_MAX;
		if (c->events[i].kind == SCENARIO_EV_TABLE_FLOOD) {
			const struct scenario_flood *fl = &c->inputs[c->events[i].input].flood;

			r->actions[i].span_ps = (uint64_t)fl->flows * fl->gap_ps;
		}
	}
	return 0;
}

void run_actions_free(struct run *r)
{
	free(r->actions);
	free(r->totals);
	r->actions = NULL;
	r->totals = NULL;
}

/* The hits the FPAG counted per endpoint (fpag.stats_ns), kept for the
 * summary.  Out of memory: none kept, the summary says so by omission. */
void run_out_fpag_end(void *ctx, const struct fpag *f)
{
	struct run *r = ctx;
	uint32_t n = r->cfg->topo.n_vnics + r->cfg->topo.n_uplinks;

	if (!r->cfg->fpag.stats_ns || !(r->totals = calloc(n ? n : 1, sizeof *r->totals)))
		return;
	r->n_totals = n;
	for (uint32_t e = 0; e < n; e++)
		fpag_vnic_totals(f, e, &r->totals[e]);
}

json_t *run_totals_json(const struct run *r)
{
	const struct scenario_topology *t = &r->cfg->topo;
	json_t *a = json_array();

	for (uint32_t e = 0; e < r->n_totals; e++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(e < t->n_vnics ? t->vnics[e].name :
							   t->uplinks[e - t->n_vnics].name));
		set_int(o, "tx_packets", r->totals[e].tx_packets);
		set_int(o, "tx_bytes", r->totals[e].tx_bytes);
		set_int(o, "rx_packets", r->totals[e].rx_packets);
		set_int(o, "rx_bytes", r->totals[e].rx_bytes);
		json_array_append_new(a, o);
	}
	return a;
}

void run_out_start(void *ctx, uint64_t start_ps)
{
	struct run *r = ctx;

	r->start_ps = start_ps;
	for (uint32_t i = 0; i < r->n_actions; i++)
		r->actions[i].at_ps = start_ps + r->cfg->events[i].at_ns * 1000;
}

void run_out_action(void *ctx, const struct system_action *a)
{
	struct run *r = ctx;

	if (a->index < r->n_actions) {
		r->actions[a->index].a = *a;
		r->actions[a->index].done = true;
	}
}

static uint64_t dst_mac(const uint8_t *f, uint32_t caplen)
{
	uint64_t m = 0;

	if (caplen < 6)
		return UINT64_MAX;
	for (int i = 0; i < 6; i++)
		m = m << 8 | f[i];
	return m;
}

/* A frame for a VNIC that has moved, leaving by another PPID. */
void run_actions_egress(struct run *r, const struct pipeline_egress *e,
			uint64_t departure_ps)
{
	uint64_t mac;

	if (r->n_actions == 0)
		return;
	mac = dst_mac(e->frame, e->caplen);
	for (uint32_t i = 0; i < r->n_actions; i++) {
		struct run_action *ra = &r->actions[i];

		if (ra->mac == mac && departure_ps >= ra->at_ps && e->ppid != ra->to_ppid &&
		    (i + 1 == r->n_actions || departure_ps < r->actions[i + 1].at_ps))
			ra->misdelivered++;
	}
}

/* When an event's window closes: a flood's last frame offered, else the
 * repair (the NIC applied its last command). */
static uint64_t window_end(const struct run_action *ra)
{
	return ra->span_ps ? ra->at_ps + ra->span_ps : ra->a.repaired_ps;
}

/* Packets that arrived while a move was under way, or during a flood. */
void run_actions_record(struct run *r, const struct pipeline_record *rec,
			uint64_t arrival_ps)
{
	for (uint32_t i = 0; i < r->n_actions; i++) {
		struct run_action *ra = &r->actions[i];

		if (arrival_ps < ra->at_ps || arrival_ps >= window_end(ra) ||
		    (ra->done && ra->a.status < 0))
			continue;
		ra->during_hits += rec->path == PL_PATH_HIT;
		ra->during_drops += rec->path == PL_PATH_DROP;
		ra->during_misses += rec->path == PL_PATH_MISS;
		ra->during_to_host += rec->path == PL_PATH_TO_HOST;
	}
}

static void flood_what_json(const struct scenario_flood *fl, json_t *o)
{
	set_int(o, "flows", fl->flows);
	set_int(o, "rate_pps", (uint64_t)(1e12 / (double)fl->gap_ps + 0.5));
	json_object_set_new(o, "proto", json_string(fl->proto == 6 ? "tcp" : "udp"));
}

/* What the event was, as the scenario said it. */
static void what_json(const struct scenario *c, const struct scenario_event *ev,
		      json_t *o)
{
	static const char *const kinds[] = {
		[SCENARIO_EV_MIGRATE] = "migrate", [SCENARIO_EV_RULE_ADD] = "rule_add",
		[SCENARIO_EV_RULE_REMOVE] = "rule_remove",
		[SCENARIO_EV_RULE_CHANGE] = "rule_change", [SCENARIO_EV_VM_REMOVE] = "vm_remove",
		[SCENARIO_EV_VM_ADD] = "vm_add", [SCENARIO_EV_TABLE_FLOOD] = "table_flood",
		[SCENARIO_EV_MIGRATE_REMOTE] = "migrate",
	};
	bool rule = ev->kind == SCENARIO_EV_RULE_ADD || ev->kind == SCENARIO_EV_RULE_REMOVE ||
		    ev->kind == SCENARIO_EV_RULE_CHANGE;

	json_object_set_new(o, "kind", json_string(kinds[ev->kind]));
	if (!rule)
		json_object_set_new(o, "vnic", json_string(c->topo.vnics[ev->vnic].name));
	if (ev->kind == SCENARIO_EV_TABLE_FLOOD)
		flood_what_json(&c->inputs[ev->input].flood, o);
	if (ev->kind == SCENARIO_EV_MIGRATE)
		json_object_set_new(o, "to", json_string(scenario_port_name(c, ev->ppid)));
	if (ev->kind == SCENARIO_EV_MIGRATE_REMOTE)
		json_object_set_new(o, "to", json_string(c->topo.remote_hosts[ev->host].name));
	if (ev->kind == SCENARIO_EV_RULE_REMOVE || ev->kind == SCENARIO_EV_RULE_CHANGE)
		set_int(o, "rule", ev->rule_id);
	if (ev->kind == SCENARIO_EV_RULE_ADD && ev->pos != RULESET_END)
		set_int(o, "at", ev->pos);
}

/* A flood repairs nothing: its window is its span, and what the
 * packets in it did is the figure (the flood's own and everyone
 * else's). */
static void flood_json(const struct run_action *ra, json_t *o)
{
	set_int(o, "window_ns", ra->span_ps / 1000);
	set_int(o, "hits_during", ra->during_hits);
}

json_t *run_actions_json(const struct run *r)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < r->n_actions; i++) {
		const struct run_action *ra = &r->actions[i];
		const struct scenario_event *ev = &r->cfg->events[i];
		json_t *o = json_object();
		bool repaired = ra->done && ra->a.repaired_ps != UINT64_MAX;
		uint64_t repair_ps = repaired ? ra->a.repaired_ps - ra->at_ps : 0;

		what_json(r->cfg, ev, o);
		if (ra->span_ps)
			flood_json(ra, o);
		set_int(o, "at_ns", ev->at_ns);
		json_object_set_new(o, "ran", json_boolean(ra->done));
		json_object_set_new(o, "status", json_integer(ra->a.status));
		set_int(o, "commands", ra->a.cmds);
		if (!ra->span_ps) {
			json_object_set_new(o, "repaired", json_boolean(repaired));
			set_int(o, "repair_ns", (repair_ps + 500) / 1000);
			set_int(o, "repair_cycles", repaired ? (uint64_t)((double)repair_ps * 1e-12 *
							       (double)r->sp.clock_hz + 0.5) : 0);
			set_int(o, "misdelivered", ra->misdelivered);
		}
		set_int(o, "dropped_during", ra->during_drops);
		set_int(o, "missed_during", ra->during_misses);
		set_int(o, "to_host_during", ra->during_to_host);
		json_array_append_new(a, o);
	}
	return a;
}
