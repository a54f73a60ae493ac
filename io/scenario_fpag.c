/* The scenario's `fpag` section: the FPAG's policies (docs/fpag.md):
 * flow_dest (vpid, or the ppid baseline), entry_shape (megaflow or exact),
 * table_full (refuse: the flow stays in the slow path; evict_lru: the
 * entry hit least recently by the counters' reads goes), the host CPU costs
 * of its steps (costs_ns) and where a packet with no route goes
 * (default_route: an uplink's name; dropped if not given). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/scenario-private.h"

/* A step's cost: up to one simulated millisecond. */
#define FPAG_MAX_COST_NS 1000000u

/* The embedded cores' defaults (docs/fpag.md "Where the FPAG runs"). */
#define CORE_WRITE_NS     40u
#define CORE_READ_RTT_NS  100u
#define CORE_IRQ_NS       500u
#define CORE_POLL_NS      20u
#define CORE_SLOWDOWN     2.0

static void fpag_defaults(struct scenario *c)
{
	c->fpag.core_write_ns = CORE_WRITE_NS;
	c->fpag.core_read_rtt_ns = CORE_READ_RTT_NS;
	c->fpag.core_irq_ns = CORE_IRQ_NS;
	c->fpag.core_poll_ns = CORE_POLL_NS;
	c->fpag.core_slowdown = CORE_SLOWDOWN;
	c->fpag.flow_dest = FPAG_DEST_VPID;
	c->fpag.shape = FPAG_SHAPE_MEGAFLOW;
	c->fpag.ordering = FPAG_ORDER_HOLD;
	c->fpag.full = TP_FULL_REFUSE;
	fpag_costs_default(&c->fpag.costs);
	c->fpag.default_uplink = UINT32_MAX;
}

static int costs(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "packet", "rule", "conntrack", "install",
					     "packet_out", "counter_poll", "counter_record",
					     NULL };
	struct fpag_costs *k = &x->c->fpag.costs;
	uint32_t *at[] = { &k->packet_ns, &k->rule_ns, &k->conntrack_ns,
			   &k->install_ns, &k->packet_out_ns, &k->counter_poll_ns,
			   &k->counter_record_ns };
	int rc;

	if ((rc = scenario_mapping(x, m, "fpag.costs_ns", "a mapping of step costs in ns", keys)))
		return rc;
	for (int i = 0; keys[i] && !rc; i++)
		rc = scenario_opt_u32(x, m, "fpag.costs_ns", keys[i], 0, FPAG_MAX_COST_NS, at[i]);
	return rc;
}

static int nic_cores(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "write_ns", "read_rtt_ns", "irq_ns", "poll_ns",
					     "slowdown", NULL };
	struct scenario_fpag *f = &x->c->fpag;
	yaml_node_t *n;
	char *end;
	int rc;

	if ((rc = scenario_mapping(x, m, "fpag.nic_cores", "a mapping of the embedded cores' parameters", keys)) ||
	    (rc = scenario_opt_u32(x, m, "fpag.nic_cores", "write_ns", 1, FPAG_MAX_COST_NS, &f->core_write_ns)) ||
	    (rc = scenario_opt_u32(x, m, "fpag.nic_cores", "read_rtt_ns", 1, FPAG_MAX_COST_NS, &f->core_read_rtt_ns)) ||
	    (rc = scenario_opt_u32(x, m, "fpag.nic_cores", "irq_ns", 1, FPAG_MAX_COST_NS, &f->core_irq_ns)) ||
	    (rc = scenario_opt_u32(x, m, "fpag.nic_cores", "poll_ns", 1, FPAG_MAX_COST_NS, &f->core_poll_ns)))
		return rc;
	if (!(n = scenario_get(x, m, "slowdown")))
		return 0;
	f->core_slowdown = n->type == YAML_SCALAR_NODE ? strtod(scenario_str(n), &end) : 0;
	if (n->type != YAML_SCALAR_NODE || *end || !(f->core_slowdown >= 0.1 && f->core_slowdown <= 100))
		return scenario_fail(x, n, "fpag.nic_cores.slowdown", "expected a factor from 0.1 to 100 (2: the cores take twice the host's time)");
	return 0;
}

/* stats_ns: how often the counters are read (0: never); age_classes:
 * the NIC timeout class (0 never, 1..3: aging.timeouts_ns) per kind of
 * entry. */
static int stats_and_aging(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const kinds[] = { "stateless", "tcp", "other", NULL };
	struct scenario_fpag *f = &x->c->fpag;
	yaml_node_t *n = scenario_get(x, m, "stats_ns");
	uint32_t v;
	int rc;

	if (n && (rc = scenario_u64(x, n, "fpag.stats_ns", 0, UINT64_MAX / 1000, &f->stats_ns)))
		return rc;
	if (!(n = scenario_get(x, m, "age_classes")))
		return 0;
	if ((rc = scenario_mapping(x, n, "fpag.age_classes", "a mapping of a class per kind: stateless, tcp, other", kinds)))
		return rc;
	for (int k = 0; kinds[k]; k++) {
		v = f->age_class[k];
		if ((rc = scenario_opt_u32(x, n, "fpag.age_classes", kinds[k], 0, ACTION_AGE_CLASSES - 1, &v)))
			return rc;
		f->age_class[k] = (uint8_t)v;
	}
	return 0;
}

/* conntrack: how many connections the slow path tracks at once and how
 * long a closed one stays in TIME_WAIT.  Linux's 120 s holds every
 * connection closed in the last two minutes: at 100K new connections a
 * second that is 12M records, so a busy host's table is sized to it or
 * the timeout cut (bench/parts/61-fpag-1m.sh does the latter). */
static int conntrack(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "max_conns", "time_wait_ns", NULL };
	struct scenario_fpag *f = &x->c->fpag;
	yaml_node_t *n = scenario_get(x, m, "conntrack"), *t;
	int rc;

	if (!n)
		return 0;
	if ((rc = scenario_mapping(x, n, "fpag.conntrack", "a mapping: max_conns, time_wait_ns", keys)) ||
	    (rc = scenario_opt_u32(x, n, "fpag.conntrack", "max_conns", 16, 1u << 24, &f->ct_max_conns)))
		return rc;
	if ((t = scenario_get(x, n, "time_wait_ns")))
		return scenario_u64(x, t, "fpag.conntrack.time_wait_ns", 1, 86400ull * 1000000000,
				    &f->ct_time_wait_ns);
	return 0;
}

static int choice(struct scenario_ctx *x, yaml_node_t *m, const char *key,
		  const char *const *names, int *v)
{
	yaml_node_t *n = scenario_get(x, m, key);
	char path[SCENARIO_PATH_LEN];

	if (!n)
		return 0;
	scenario_subpath(path, "fpag", key);
	return scenario_enum(x, n, path, names, v);
}

static int default_route(struct scenario_ctx *x, yaml_node_t *m)
{
	yaml_node_t *n = scenario_get(x, m, "default_route");
	const struct scenario_topology *t = &x->c->topo;
	int e;

	if (!n)
		return 0;
	e = n->type == YAML_SCALAR_NODE ? scenario_endpoint(x->c, scenario_str(n)) : -1;
	if (e < (int)t->n_vnics)
		return scenario_fail(x, n, "fpag.default_route", "expected the name of an uplink under topology.uplinks");
	x->c->fpag.default_uplink = (uint32_t)e - t->n_vnics;
	return 0;
}

/* nic_cores only with runs_on: nic_cores; evict_lru only with the
 * counters read (the least recently hit entry is known from them). */
static int place_and_full(struct scenario_ctx *x, yaml_node_t *m)
{
	struct scenario_fpag *f = &x->c->fpag;
	yaml_node_t *n = scenario_get(x, m, "nic_cores");
	int rc;

	if (n && !f->on_nic_cores)
		return scenario_fail(x, n, "fpag.nic_cores", "nic_cores is for runs_on: nic_cores");
	if (n && (rc = nic_cores(x, n)))
		return rc;
	if (f->full == TP_FULL_EVICT_LRU && !f->stats_ns)
		return scenario_fail(x, scenario_get(x, m, "table_full"), "fpag.table_full",
				     "evict_lru needs fpag.stats_ns: the last hits come from the counters the FPAG reads");
	return 0;
}

static int parse_fpag(struct scenario_ctx *x, yaml_node_t *m)
{
	static const char *const keys[] = { "flow_dest", "entry_shape", "table_full",
					     "costs_ns", "default_route", "runs_on",
					     "nic_cores", "stats_ns", "age_classes", "ordering",
					     "conntrack", NULL };
	static const char *const orders[] = { "none", "hold", NULL };
	static const char *const places[] = { "host", "nic_cores", NULL };
	static const char *const dests[] = { "vpid", "ppid", NULL };
	static const char *const shapes[] = { "megaflow", "exact", NULL };
	static const char *const fulls[] = { "refuse", "evict_lru", NULL };
	struct scenario_fpag *f = &x->c->fpag;
	int d = (int)f->flow_dest, s = (int)f->shape, full = 0, on = 0;
	int o = (int)f->ordering, rc;
	yaml_node_t *n;

	if ((rc = scenario_mapping(x, m, "fpag", "a mapping of the FPAG's policies", keys)) ||
	    (rc = choice(x, m, "flow_dest", dests, &d)) ||
	    (rc = choice(x, m, "entry_shape", shapes, &s)) ||
	    (rc = choice(x, m, "table_full", fulls, &full)) ||
	    (rc = choice(x, m, "runs_on", places, &on)) ||
	    (rc = choice(x, m, "ordering", orders, &o)) ||
	    (rc = default_route(x, m)))
		return rc;
	f->on_nic_cores = on == 1;
	f->flow_dest = (enum fpag_flow_dest)d;
	f->shape = (enum fpag_shape)s;
	f->ordering = (enum fpag_ordering)o;
	f->full = full ? TP_FULL_EVICT_LRU : TP_FULL_REFUSE;
	if ((rc = stats_and_aging(x, m)) || (rc = place_and_full(x, m)) ||
	    (rc = conntrack(x, m)))
		return rc;
	if ((n = scenario_get(x, m, "costs_ns")))
		return costs(x, n);
	return 0;
}

const struct scenario_section scenario_section_fpag = {
	.key = "fpag", .defaults = fpag_defaults, .parse = parse_fpag,
};

/* runs_on: nic_cores.  The mailbox is the same, but its rings live where
 * the cores reach them over the on-chip interconnect: the link the system
 * models is that interconnect (latencies from nic_cores, bandwidth far
 * above any PCIe link: gen 5 x32 as its stand-in), and the cores are
 * `slowdown` times slower than the host CPU the costs are written for. */
static int on_nic_cores(struct scenario_ctx *x, yaml_node_t *root)
{
	struct scenario *c = x->c;
	struct fpag_costs *k = &c->fpag.costs;
	uint32_t *cost[] = { &k->packet_ns, &k->rule_ns, &k->conntrack_ns,
			     &k->install_ns, &k->packet_out_ns, &k->counter_poll_ns,
			     &k->counter_record_ns };

	if (!c->fpag.on_nic_cores)
		return 0;
	if (scenario_get(x, root, "pcie"))
		return scenario_fail(x, scenario_get(x, root, "pcie"), "pcie",
				     "with fpag.runs_on: nic_cores the mailbox does not cross PCIe: give fpag.nic_cores instead");
	c->pcie = (struct pcie_params){
		.gen = 5, .lanes = 32, .mps = 4096, .mrrs = 4096, .dllp_permille = 0,
		.read_rtt_ns = c->fpag.core_read_rtt_ns, .write_ns = c->fpag.core_write_ns,
		.irq_ns = c->fpag.core_irq_ns, .poll_ns = c->fpag.core_poll_ns,
	};
	for (size_t i = 0; i < sizeof cost / sizeof cost[0]; i++)
		*cost[i] = (uint32_t)((double)*cost[i] * c->fpag.core_slowdown + 0.5);
	return 0;
}

/* With host.program fpag the FPAG owns the TCAM and the VPID map (it
 * places entries and hands out VPIDs itself), so the scenario gives it a
 * topology and no tables; without it, the FPAG's sections would be
 * silently ignored, so they are refused. */
static int refuse_fpag_parts(struct scenario_ctx *x, yaml_node_t *root)
{
	static const char *const fpag_only[] = { "topology", "rules", "fpag", "events", NULL };
	const struct scenario *c = x->c;
	yaml_node_t *n;

	for (uint32_t i = 0; i < c->n_inputs; i++)
		if (c->inputs[i].by_vnic)
			return scenario_fail(x, scenario_get(x, root, "inputs"), "inputs",
					     "input %u has in_port: vnics, which needs host.program: fpag and a topology",
					     i);
	for (int i = 0; fpag_only[i]; i++)
		if ((n = scenario_get(x, root, fpag_only[i])))
			return scenario_fail(x, n, fpag_only[i], "'%s' is for the FPAG: give host.program: fpag",
					     fpag_only[i]);
	return 0;
}

int scenario_check_program(struct scenario_ctx *x, yaml_node_t *root)
{
	const struct scenario *c = x->c;

	if (c->host.program != SCENARIO_PROGRAM_FPAG)
		return refuse_fpag_parts(x, root);
	if (c->n_flows || c->n_maps)
		return scenario_fail(x, scenario_get(x, root, c->n_flows ? "flows" : "vpid_map"),
				     c->n_flows ? "flows" : "vpid_map.map",
				     "with host.program: fpag the FPAG places the entries and maps the VPIDs: give no %s",
				     c->n_flows ? "flows" : "map");
	if (c->topo.n_vnics + c->topo.n_uplinks == 0)
		return scenario_fail(x, root, "topology", "host.program: fpag needs a topology with at least one VNIC or uplink");
	return on_nic_cores(x, root);
}
