/* fpag_setup: a scenario onto the FPAG (see fpag_setup.h). */
#include "io/fpag_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/classbench.h"

static int add_rule(struct ruleset *rs, const struct ruleset_rule *r,
		    struct pnic_error *err)
{
	uint32_t id;

	return ruleset_rule_add(rs, RULESET_END, r, &id, NULL, NULL, NULL, err);
}

static int add_classbench(const struct scenario *c, struct ruleset *rs,
			  struct pnic_error *err)
{
	struct classbench_rules cb = { 0 };
	struct ruleset_rule r;
	int rc = classbench_rules_load(c->rules.classbench, &cb, err);

	for (uint32_t i = 0; rc == 0 && i < cb.n; i++) {
		ruleset_rule_from_acl(&cb.rules[i], c->rules.classbench_verdict, &r);
		rc = add_rule(rs, &r, err);
	}
	classbench_rules_free(&cb);
	return rc;
}

static int add_route(struct ruleset *rs, struct ruleset_ip ip, uint8_t len,
		     uint32_t dest, struct pnic_error *err)
{
	uint32_t id;

	return ruleset_l3_add(rs, ip, len, dest, &id, NULL, NULL, NULL, err);
}

/* Each VNIC's addresses to the VNIC; each uplink's prefixes to it. */
static int add_routes(const struct scenario *c, struct ruleset *rs,
		      struct pnic_error *err)
{
	const struct scenario_topology *t = &c->topo;
	int rc = 0;

	for (uint32_t i = 0; rc == 0 && i < t->n_vnics; i++) {
		const struct fpag_vnic *v = &t->vnics[i].v;

		if (v->has_ipv4)
			rc = add_route(rs, ruleset_ip_v4(v->ipv4), 128, i, err);
		if (rc == 0 && v->has_ipv6)
			rc = add_route(rs, v->ipv6, 128, i, err);
	}
	for (uint32_t k = 0; rc == 0 && k < t->n_remote_vms; k++) {
		const struct fpag_remote_vm *r = &t->remote_vms[k].v;
		uint32_t ep = t->n_vnics + t->n_uplinks + k;

		if (r->has_ipv4)
			rc = add_route(rs, ruleset_ip_v4(r->ipv4), 128, ep, err);
		if (rc == 0 && r->has_ipv6)
			rc = add_route(rs, r->ipv6, 128, ep, err);
	}
	for (uint32_t j = 0; rc == 0 && j < t->n_uplinks; j++)
		for (uint32_t k = 0; rc == 0 && k < t->uplinks[j].n_routes; k++)
			rc = add_route(rs, t->uplinks[j].routes[k].ip,
				       t->uplinks[j].routes[k].len, t->n_vnics + j, err);
	return rc;
}

static int make_rules(const struct scenario *c, struct fpag_setup *s,
		      struct pnic_error *err)
{
	struct ruleset_params rp = {
		.fw_default_allow = c->rules.default_allow,
		.fwd_default_forward = c->fpag.default_uplink != UINT32_MAX,
		.default_dest = c->topo.n_vnics + c->fpag.default_uplink,
		/* Every entry the table holds registered (the set's default
		 * is 64K: past it a deeper table's flows stayed slow). */
		.max_entries = c->tcam_depth > 65536 ? c->tcam_depth : 0,
	};
	int rc = ruleset_create(&rp, &s->rules, err);

	for (uint32_t i = 0; rc == 0 && i < c->rules.n; i++)
		rc = add_rule(s->rules, &c->rules.list[i], err);
	if (rc == 0 && c->rules.classbench)
		rc = add_classbench(c, s->rules, err);
	if (rc == 0)
		rc = add_routes(c, s->rules, err);
	return rc;
}

static const enum fpag_prog_op op_of[] = {
	[SCENARIO_EV_MIGRATE] = FPAG_PROG_MIGRATE,
	[SCENARIO_EV_RULE_ADD] = FPAG_PROG_RULE_ADD,
	[SCENARIO_EV_RULE_REMOVE] = FPAG_PROG_RULE_REMOVE,
	[SCENARIO_EV_RULE_CHANGE] = FPAG_PROG_RULE_CHANGE,
	[SCENARIO_EV_VM_REMOVE] = FPAG_PROG_VNIC_REMOVE,
	[SCENARIO_EV_VM_ADD] = FPAG_PROG_VNIC_START,
	[SCENARIO_EV_TABLE_FLOOD] = FPAG_PROG_MARK,   /* traffic: an input */
	[SCENARIO_EV_MIGRATE_REMOTE] = FPAG_PROG_MIGRATE_REMOTE,
};

/* calloc of at least one item, so that an empty list is not NULL. */
static void *calloc1(uint32_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

static int copy_topology(const struct scenario *c, struct fpag_setup *s,
			 struct pnic_error *err)
{
	const struct scenario_topology *t = &c->topo;

	s->vnics = calloc1(t->n_vnics, sizeof *s->vnics);
	s->uplinks = calloc1(t->n_uplinks, sizeof *s->uplinks);
	s->actions = calloc1(c->n_events, sizeof *s->actions);
	s->rhosts = calloc1(t->n_remote_hosts, sizeof *s->rhosts);
	s->rvms = calloc1(t->n_remote_vms, sizeof *s->rvms);
	if (!s->vnics || !s->uplinks || !s->actions || !s->rhosts || !s->rvms)
		return pnic_err(err, ENOMEM, "%s: out of memory for the FPAG's topology", c->file);
	for (uint32_t h = 0; h < t->n_remote_hosts; h++)
		s->rhosts[h] = t->remote_hosts[h].v;
	for (uint32_t k = 0; k < t->n_remote_vms; k++)
		s->rvms[k] = t->remote_vms[k].v;
	for (uint32_t i = 0; i < t->n_vnics; i++)
		s->vnics[i] = t->vnics[i].v;
	for (uint32_t j = 0; j < t->n_uplinks; j++)
		s->uplinks[j] = t->uplinks[j].v;
	for (uint32_t i = 0; i < c->n_events; i++)
		s->actions[i] = (struct fpag_prog_action){
			.at_ns = c->events[i].at_ns, .op = op_of[c->events[i].kind],
			.vnic = c->events[i].vnic, .ppid = c->events[i].ppid,
			.pos = c->events[i].pos, .rule_id = c->events[i].rule_id,
			.host = c->events[i].host,
			.rule = c->events[i].rule,
		};
	s->n_actions = c->n_events;
	return 0;
}

/* The map RAM holds every VPID the FPAG hands out. */
static int check_vpids(const struct scenario *c, struct pnic_error *err)
{
	uint32_t need = c->fpag.flow_dest == FPAG_DEST_PPID ? c->n_ppids :
			c->topo.n_vnics + c->topo.n_uplinks;

	if (need > c->n_vpids)
		return pnic_err_at(err, ERANGE, c->file, 0, 0, "vpid_map.n_vpids",
				   "the FPAG needs %u VPIDs (flow_dest %s), the map holds %u",
				   need, c->fpag.flow_dest == FPAG_DEST_PPID ? "ppid" : "vpid",
				   c->n_vpids);
	return 0;
}

int fpag_setup_create(const struct scenario *c, struct fpag_setup *s,
		      struct pnic_error *err)
{
	int rc;

	memset(s, 0, sizeof *s);
	if ((rc = check_vpids(c, err)) < 0 || (rc = make_rules(c, s, err)) < 0 ||
	    (rc = copy_topology(c, s, err)) < 0) {
		fpag_setup_free(s);
		return rc;
	}
	s->fpag = (struct fpag_params){
		.profile = c->profile, .depth = c->tcam_depth, .n_ports = c->n_ppids,
		.vnics = s->vnics, .n_vnics = c->topo.n_vnics, .uplinks = s->uplinks,
		.n_uplinks = c->topo.n_uplinks, .rules = s->rules,
		.flow_dest = c->fpag.flow_dest, .shape = c->fpag.shape,
		.full = c->fpag.full, .costs = c->fpag.costs,
		.count = c->fpag.stats_ns > 0, .stats_ns = c->fpag.stats_ns,
		.ordering = c->fpag.ordering,
		/* Connections the table can offload, at least conntrack's
		 * default: a deeper TCAM than 64K (the 100K-flow migration
		 * bench) would otherwise find conntrack full first. */
		.ct = { .max_conns = c->fpag.ct_max_conns ? c->fpag.ct_max_conns :
				     c->tcam_depth > 65536 ? c->tcam_depth : 0,
			.timeout_ns = { [CT_TCP_TIME_WAIT] = c->fpag.ct_time_wait_ns } },
		.remote_hosts = s->rhosts, .n_remote_hosts = c->topo.n_remote_hosts,
		.remote_vms = s->rvms, .n_remote_vms = c->topo.n_remote_vms,
	};
	memcpy(s->fpag.age_class, c->fpag.age_class, sizeof s->fpag.age_class);
	return 0;
}

void fpag_setup_free(struct fpag_setup *s)
{
	ruleset_destroy(s->rules);
	free(s->vnics);
	free(s->uplinks);
	free(s->rhosts);
	free(s->rvms);
	free(s->actions);
	memset(s, 0, sizeof *s);
}
