/* The scenario's `run` section: what `pnicsim run` writes besides
 * summary.json (the per-packet CSV, plots) and the time series' window.
 * All optional; the functional replay reads and checks it, and ignores
 * it. */
#include "io/scenario-private.h"

/* A window from 1 ns to 1000 s of simulated time. */
#define RUN_MAX_WINDOW_NS 1000000000000ull

static int parse_run(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "packets_csv", "window_ns", "plots", "oracle", NULL };
	struct scenario_run *r = &x->c->run;
	yaml_node_t *v;
	int rc;

	if ((rc = scenario_mapping(x, n, "run", "a mapping with packets_csv, window_ns, plots and oracle", keys)) ||
	    (rc = scenario_opt_bool(x, n, "run", "packets_csv", &r->packets_csv)) ||
	    (rc = scenario_opt_bool(x, n, "run", "plots", &r->plots)) ||
	    (rc = scenario_opt_bool(x, n, "run", "oracle", &r->oracle)))
		return rc;
	if (!(v = scenario_get(x, n, "window_ns")))
		return 0;
	return scenario_u64(x, v, "run.window_ns", 1, RUN_MAX_WINDOW_NS,
			    &r->window_ns);
}

static void run_defaults(struct scenario *c)
{
	c->run = (struct scenario_run){
		.packets_csv = true, .plots = true,
		.window_ns = SCENARIO_RUN_WINDOW_NS,
	};
}

const struct scenario_section scenario_section_run = {
	.key = "run", .parse = parse_run, .defaults = run_defaults,
};
