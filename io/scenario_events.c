/* The scenario's `events`: what happens at a time during a timed run,
 * carried out by the FPAG (host.program: fpag): `migrate` moves a VNIC to
 * another port, `rule_add`, `rule_remove` and `rule_change` update the
 * firewall (rules by id: io/scenario.h), `vm_remove` takes a VNIC away,
 * `vm_add` brings one declared `start: later` (or removed before) up;
 * `table_flood` is traffic: a VNIC sends a burst of new flows, which the
 * scenario adds as a generated input.  Events are given in time order
 * (at_ns, from the start of the run); the run reports what each came to. */
#include <stdlib.h>
#include <string.h>

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

/* `to` naming a remote host: the VNIC moves behind it (its uplink's
 * port).  False when `to` is no remote host's name. */
static bool to_remote_host(const struct scenario *c, yaml_node_t *n,
			   struct scenario_event *ev)
{
	const struct scenario_topology *t = &c->topo;

	for (uint32_t h = 0; n->type == YAML_SCALAR_NODE && h < t->n_remote_hosts; h++)
		if (!strcmp(t->remote_hosts[h].name, scenario_str(n))) {
			ev->kind = SCENARIO_EV_MIGRATE_REMOTE;
			ev->host = h;
			ev->ppid = t->uplinks[t->remote_hosts[h].v.uplink].ppid;
			return true;
		}
	return false;
}

/* Where VNIC v is before the event being read (the last move of it
 * among the events before): its port, and the remote host it is behind
 * (-1: none). */
static void vnic_where(const struct scenario *c, uint32_t v, uint32_t *ppid,
		       int *host)
{
	*ppid = c->topo.vnics[v].v.ppid;
	*host = -1;
	for (uint32_t e = 0; e < c->n_events; e++)
		if (c->events[e].vnic == v && (c->events[e].kind == SCENARIO_EV_MIGRATE ||
					       c->events[e].kind == SCENARIO_EV_MIGRATE_REMOTE)) {
			*ppid = c->events[e].ppid;
			*host = c->events[e].kind == SCENARIO_EV_MIGRATE_REMOTE ?
				(int)c->events[e].host : -1;
		}
}

/* A move to where the VNIC is already says nothing: refused. */
static int moves(struct scenario_ctx *x, yaml_node_t *n, const char *sub,
		 const struct scenario_event *ev)
{
	bool remote = ev->kind == SCENARIO_EV_MIGRATE_REMOTE;
	uint32_t ppid;
	int host;

	vnic_where(x->c, ev->vnic, &ppid, &host);
	if (remote ? host == (int)ev->host : host < 0 && ppid == ev->ppid)
		return scenario_fail(x, n, sub, "VNIC '%s' is %s already",
				     x->c->topo.vnics[ev->vnic].name,
				     remote ? "behind that host" : "on that port");
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
	if (!to_remote_host(x->c, n, ev) &&
	    (rc = scenario_port_ref(x, n, sub, &ev->ppid)))
		return rc;
	return moves(x, n, sub, ev);
}

/* Whether VNIC v is up just before event `upto` (declared `start: now`,
 * or `later`, and the last vm_add / vm_remove before says). */
static bool vnic_up_before(const struct scenario *c, uint32_t v, uint32_t upto)
{
	bool up = !c->topo.vnics[v].v.later;

	for (uint32_t e = 0; e < upto; e++)
		if (c->events[e].vnic == v && (c->events[e].kind == SCENARIO_EV_VM_ADD ||
					       c->events[e].kind == SCENARIO_EV_VM_REMOVE))
			up = c->events[e].kind == SCENARIO_EV_VM_ADD;
	return up;
}

/* vm_remove and vm_add: { vnic }, refused unless the VNIC is up (remove)
 * or down (add) just before. */
static int vm_event(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		    enum scenario_event_kind kind, struct scenario_event *ev)
{
	static const char *const keys[] = { "vnic", NULL };
	const struct scenario *c = x->c;
	bool add = kind == SCENARIO_EV_VM_ADD;
	char sub[SCENARIO_PATH_LEN];
	int rc = scenario_mapping(x, m, path, "a mapping with vnic", keys);

	ev->kind = kind;
	if (rc || (rc = vnic_ref(x, m, path, "vnic", &ev->vnic)))
		return rc;
	scenario_subpath(sub, path, "vnic");
	if (vnic_up_before(c, ev->vnic, c->n_events) != add)
		return 0;
	return scenario_fail(x, scenario_get(x, m, "vnic"), sub, add ?
			     "VNIC '%s' is up then: vm_add brings up a VNIC declared with start: later, or one a vm_remove took away" :
			     "VNIC '%s' is not up then (start: later and no vm_add before, or removed already)",
			     c->topo.vnics[ev->vnic].name);
}

/* A flood endpoint: a VNIC with an IPv4 address (the generator's frames
 * are IPv4). */
static int flood_vnic(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		      const char *key, uint32_t *i)
{
	char sub[SCENARIO_PATH_LEN];
	int rc = vnic_ref(x, m, path, key, i);

	if (rc)
		return rc;
	scenario_subpath(sub, path, key);
	if (!x->c->topo.vnics[*i].v.has_ipv4)
		return scenario_fail(x, scenario_get(x, m, key), sub,
				     "table_flood sends IPv4: VNIC '%s' has no ipv4 address",
				     x->c->topo.vnics[*i].name);
	return 0;
}

/* The flood's own input: generated, entering by its VNIC's port. */
static int flood_input(struct scenario_ctx *x, struct scenario_event *ev,
		       const struct scenario_flood *fl, const char *path)
{
	struct scenario *c = x->c;
	struct scenario_input *in = realloc(c->inputs, (c->n_inputs + 1) * sizeof *in);

	if (!in)
		return scenario_nomem(x);
	c->inputs = in;
	in = &c->inputs[c->n_inputs];
	*in = (struct scenario_input){
		.path = strdup(path), .loops = 1, .pace = SCENARIO_PACE_TRACE,
		.multiplier = 1.0, .by_vnic = true, .owner = c, .line = ev->line,
		.own_clock = true, .lead_ns = ev->at_ns, .generated = true,
		.flood = *fl,
	};
	if (!in->path)
		return scenario_nomem(x);
	ev->input = c->n_inputs++;
	return 0;
}

/* table_flood: { from: VNIC, to: VNIC, flows: N, rate_pps: R,
 * proto: udp | tcp, dst_port: P }. */
static int table_flood(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		       struct scenario_event *ev)
{
	static const char *const keys[] = { "from", "to", "flows", "rate_pps", "proto",
					    "dst_port", NULL };
	static const char *const protos[] = { "udp", "tcp", NULL };
	struct scenario_flood fl = { .proto = 17, .dst_port = 5001 };
	const struct fpag_vnic *from, *to;
	uint32_t rate = 1000000, dport = 5001, dst;
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc, k = 0;

	ev->kind = SCENARIO_EV_TABLE_FLOOD;
	if ((rc = scenario_mapping(x, m, path, "a mapping with from, to and flows", keys)) ||
	    (rc = flood_vnic(x, m, path, "from", &ev->vnic)) ||
	    (rc = flood_vnic(x, m, path, "to", &dst)) ||
	    (rc = scenario_req_u32(x, m, path, "flows", 1, 1000000, &fl.flows)) ||
	    (rc = scenario_opt_u32(x, m, path, "rate_pps", 1, 1000000000, &rate)) ||
	    (rc = scenario_opt_u32(x, m, path, "dst_port", 1, 65535, &dport)))
		return rc;
	if ((n = scenario_get(x, m, "proto"))) {
		scenario_subpath(sub, path, "proto");
		if ((rc = scenario_enum(x, n, sub, protos, &k)))
			return rc;
	}
	from = &x->c->topo.vnics[ev->vnic].v;
	to = &x->c->topo.vnics[dst].v;
	fl = (struct scenario_flood){
		.src_mac = from->mac, .dst_mac = to->mac, .src_ip = from->ipv4,
		.dst_ip = to->ipv4, .proto = k ? 6 : 17, .dst_port = (uint16_t)dport,
		.flows = fl.flows, .gap_ps = 1000000000000ull / rate,
	};
	return flood_input(x, ev, &fl, path);
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
					     "rule_change", "vm_remove", "vm_add",
					     "table_flood", NULL };
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
		return scenario_fail(x, m, path, "an event needs what happens: migrate, rule_add, rule_remove, rule_change, vm_remove, vm_add or table_flood");
	scenario_subpath(sub, path, kinds[found]);
	switch (found) {
	case 0:
		return migrate(x, n, sub, ev);
	case 4:
		return vm_event(x, n, sub, SCENARIO_EV_VM_REMOVE, ev);
	case 5:
		return vm_event(x, n, sub, SCENARIO_EV_VM_ADD, ev);
	case 6:
		return table_flood(x, n, sub, ev);
	default:
		return rule_event(x, n, sub, (enum scenario_event_kind)found, ev);
	}
}

static int event(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		 size_t i, void *arg)
{
	static const char *const keys[] = { "at_ns", "migrate", "rule_add", "rule_remove",
					    "rule_change", "vm_remove", "vm_add",
					    "table_flood", NULL };
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
