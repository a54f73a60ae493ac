/* The scenario's `events`: what happens at a time during a timed run,
 * carried out by the FPAG (host.program: fpag): `migrate` moves a VNIC to
 * another port, `rule_add`, `rule_remove` and `rule_change` update the
 * firewall (rules by id: io/scenario.h), `vm_remove` takes a VNIC away.  Events are given in time order (at_ns, from the start
 * of the run); the run reports what each came to. */
#include <stdlib.h>

#include "io/scenario-private.h"

#define EVENTS_MAX 65536u

/* A VNIC by name (`key` under m). */
static int vnic_ref(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		    const char *key, uint32_t *vnic)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int e, rc = scenario_require(x, m, key, path, &n);

	if (rc)
		return rc;
	scenario_subpath(sub, path, key);
	e = n->type == YAML_SCALAR_NODE ? scenario_endpoint(x->c, scenario_str(n)) : -1;
	if (e < 0 || (uint32_t)e >= x->c->topo.n_vnics)
		return scenario_fail(x, n, sub, "expected the name of a VNIC under topology.vnics");
	*vnic = (uint32_t)e;
	return 0;
}

static int migrate(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		   struct scenario_event *ev)
{
	static const char *const keys[] = { "vnic", "to", NULL };
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	ev->kind = SCENARIO_EV_MIGRATE;
	if ((rc = scenario_mapping(x, m, path, "a mapping with vnic and to", keys)) ||
	    (rc = vnic_ref(x, m, path, "vnic", &ev->vnic)) ||
	    (rc = scenario_require(x, m, "to", path, &n)))
		return rc;
	scenario_subpath(sub, path, "to");
	if ((rc = scenario_port_ref(x, n, sub, &ev->ppid)))
		return rc;
	if (ev->ppid == x->c->topo.vnics[ev->vnic].v.ppid)
		return scenario_fail(x, n, sub, "VNIC '%s' is on that port already",
				     x->c->topo.vnics[ev->vnic].name);
	return 0;
}

static int vm_remove(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		     struct scenario_event *ev)
{
	static const char *const keys[] = { "vnic", NULL };
	int rc = scenario_mapping(x, m, path, "a mapping with vnic", keys);

	ev->kind = SCENARIO_EV_VM_REMOVE;
	return rc ? rc : vnic_ref(x, m, path, "vnic", &ev->vnic);
}

/* rule_add: { at: POS, rule: {...} }, rule_remove: { rule: ID },
 * rule_change: { rule: ID, to: {...} }. */
static int rule_event(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		      enum scenario_event_kind kind, struct scenario_event *ev)
{
	static const char *const add_keys[] = { "at", "rule", NULL };
	static const char *const id_keys[] = { "rule", "to", NULL };
	bool add = kind == SCENARIO_EV_RULE_ADD;
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc;

	ev->kind = kind;
	if ((rc = scenario_mapping(x, m, path, add ? "a mapping with at and rule" : "a mapping with rule (an id)",
				   add ? add_keys : id_keys)))
		return rc;
	if (add) {
		ev->pos = RULESET_END;
		if ((rc = scenario_opt_u32(x, m, path, "at", 0, UINT32_MAX - 1, &ev->pos)))
			return rc;
	} else if ((rc = scenario_req_u32(x, m, path, "rule", 0, UINT32_MAX - 1, &ev->rule_id))) {
		return rc;
	}
	if (kind == SCENARIO_EV_RULE_REMOVE) {
		if (scenario_get(x, m, "to"))
			return scenario_fail(x, scenario_get(x, m, "to"), path, "rule_remove takes no 'to'");
		return 0;
	}
	if ((rc = scenario_require(x, m, add ? "rule" : "to", path, &n)))
		return rc;
	scenario_subpath(sub, path, add ? "rule" : "to");
	return scenario_rule(x, n, sub, &ev->rule);
}

/* What happens: exactly one of the kinds. */
static int what(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		struct scenario_event *ev)
{
	static const char *const kinds[] = { "migrate", "rule_add", "rule_remove",
					     "rule_change", "vm_remove", NULL };
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n = NULL;
	int k, found = -1;

	for (k = 0; kinds[k]; k++)
		if (scenario_get(x, m, kinds[k])) {
			if (found >= 0)
				return scenario_fail(x, m, path, "one event does one thing: %s and %s",
						     kinds[found], kinds[k]);
			found = k;
			n = scenario_get(x, m, kinds[k]);
		}
	if (found < 0)
		return scenario_fail(x, m, path, "an event needs what happens: migrate, rule_add, rule_remove, rule_change or vm_remove");
	scenario_subpath(sub, path, kinds[found]);
	if (found == 0)
		return migrate(x, n, sub, ev);
	if (found == 4)
		return vm_remove(x, n, sub, ev);
	return rule_event(x, n, sub, (enum scenario_event_kind)found, ev);
}

static int event(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		 size_t i, void *arg)
{
	static const char *const keys[] = { "at_ns", "migrate", "rule_add", "rule_remove",
					    "rule_change", "vm_remove", NULL };
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
	if ((rc = what(x, m, path, ev)))
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
