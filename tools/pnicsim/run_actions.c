/* The scenario's timed events in a run (host.program fpag): what each
 * came to, as summary.json's "events" reports it (docs/run.md).  For a
 * migration: the commands it took, the time from when it was due until
 * the NIC had applied the last of them (the fast path correct again), and
 * the packets the move cost — frames for the VNIC (by destination MAC)
 * that left by another PPID than the VNIC's after the event
 * (misdelivered), and the packets that arrived between the event and the
 * repair and were dropped, missed or went to the host. */
#include <stdlib.h>
#include <string.h>

#include "tools/pnicsim/run.h"

int run_actions_init(struct run *r)
{
	const struct scenario *c = r->cfg;

	r->n_actions = c->n_events;
	r->actions = calloc(c->n_events ? c->n_events : 1, sizeof *r->actions);
	if (!r->actions)
		return -1;
	for (uint32_t i = 0; i < c->n_events; i++) {
		const struct scenario_vnic *v = &c->topo.vnics[c->events[i].vnic];

		r->actions[i].mac = v->v.mac;
		r->actions[i].to_ppid = c->events[i].ppid;
		r->actions[i].a.repaired_ps = UINT64_MAX;
	}
	return 0;
}

void run_actions_free(struct run *r)
{
	free(r->actions);
	r->actions = NULL;
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

/* Packets that arrived while a move was under way. */
void run_actions_record(struct run *r, const struct pipeline_record *rec,
			uint64_t arrival_ps)
{
	for (uint32_t i = 0; i < r->n_actions; i++) {
		struct run_action *ra = &r->actions[i];

		if (arrival_ps < ra->at_ps || arrival_ps >= ra->a.repaired_ps)
			continue;
		ra->during_drops += rec->path == PL_PATH_DROP;
		ra->during_misses += rec->path == PL_PATH_MISS;
		ra->during_to_host += rec->path == PL_PATH_TO_HOST;
	}
}

static void set_int(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
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

		json_object_set_new(o, "kind", json_string("migrate"));
		json_object_set_new(o, "vnic", json_string(r->cfg->topo.vnics[ev->vnic].name));
		json_object_set_new(o, "to", json_string(scenario_port_name(r->cfg, ev->ppid)));
		set_int(o, "at_ns", ev->at_ns);
		json_object_set_new(o, "ran", json_boolean(ra->done));
		json_object_set_new(o, "status", json_integer(ra->a.status));
		set_int(o, "commands", ra->a.cmds);
		json_object_set_new(o, "repaired", json_boolean(repaired));
		set_int(o, "repair_ns", (repair_ps + 500) / 1000);
		set_int(o, "repair_cycles", repaired ? (uint64_t)((double)repair_ps * 1e-12 *
						       (double)r->sp.clock_hz + 0.5) : 0);
		set_int(o, "misdelivered", ra->misdelivered);
		set_int(o, "dropped_during", ra->during_drops);
		set_int(o, "missed_during", ra->during_misses);
		set_int(o, "to_host_during", ra->during_to_host);
		json_array_append_new(a, o);
	}
	return a;
}
