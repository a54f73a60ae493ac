/* The scenario's `events`: what happens at a time during a timed run,
 * carried out by the FPAG (host.program: fpag): `migrate` moves a VNIC to
 * another port.  Events are given in time order (at_ns, from the start
 * of the run); the run reports what each came to. */
#include <stdlib.h>

#include "io/scenario-private.h"

#define EVENTS_MAX 65536u

static int migrate(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		   struct scenario_event *ev)
{
	static const char *const keys[] = { "vnic", "to", NULL };
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int e, rc;

	if ((rc = scenario_mapping(x, m, path, "a mapping with vnic and to", keys)) ||
	    (rc = scenario_require(x, m, "vnic", path, &n)))
		return rc;
	scenario_subpath(sub, path, "vnic");
	e = n->type == YAML_SCALAR_NODE ? scenario_endpoint(x->c, scenario_str(n)) : -1;
	if (e < 0 || (uint32_t)e >= x->c->topo.n_vnics)
		return scenario_fail(x, n, sub, "expected the name of a VNIC under topology.vnics");
	ev->kind = SCENARIO_EV_MIGRATE;
	ev->vnic = (uint32_t)e;
	if ((rc = scenario_require(x, m, "to", path, &n)))
		return rc;
	scenario_subpath(sub, path, "to");
	if ((rc = scenario_port_ref(x, n, sub, &ev->ppid)))
		return rc;
	if (ev->ppid == x->c->topo.vnics[e].v.ppid)
		return scenario_fail(x, n, sub, "VNIC '%s' is on that port already",
				     x->c->topo.vnics[e].name);
	return 0;
}

static int event(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		 size_t i, void *arg)
{
	static const char *const keys[] = { "at_ns", "migrate", NULL };
	struct scenario *c = x->c;
	struct scenario_event *ev = &c->events[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with at_ns and what happens", keys)) ||
	    (rc = scenario_require(x, m, "at_ns", path, &n)))
		return rc;
	scenario_subpath(sub, path, "at_ns");
	if ((rc = scenario_u64(x, n, sub, 0, UINT64_MAX / 1000, &ev->at_ns)))
		return rc;
	if (i && ev->at_ns < c->events[i - 1].at_ns)
		return scenario_fail(x, n, sub, "events are given in time order: %llu ns is before the previous event's %llu ns",
				     (unsigned long long)ev->at_ns,
				     (unsigned long long)c->events[i - 1].at_ns);
	ev->line = (unsigned)m->start_mark.line + 1;
	if (!(n = scenario_get(x, m, "migrate")))
		return scenario_fail(x, m, path, "an event needs what happens: migrate");
	scenario_subpath(sub, path, "migrate");
	if ((rc = migrate(x, n, sub, ev)))
		return rc;
	c->n_events++;
	return 0;
}

static int parse_events(struct scenario_ctx *x, yaml_node_t *seq)
{
	return scenario_list(x, seq, "events", "a list of timed events", EVENTS_MAX,
			     sizeof *x->c->events, (void **)&x->c->events, event, NULL);
}

static void release_events(struct scenario *c)
{
	free(c->events);
}

const struct scenario_section scenario_section_events = {
	.key = "events", .parse = parse_events, .release = release_events,
};
