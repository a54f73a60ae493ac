/* The NIC's aging engine (model/flow_age.h): its mode, the idle timeout
 * of age classes 1..3 and the sweep period, in ns.  Absent: aging off. */
#include <stdio.h>

#include "io/scenario-private.h"

static void aging_defaults(struct scenario *c)
{
	flow_age_config_default(&c->aging);
}

static int timeouts(struct scenario_ctx *x, yaml_node_t *n)
{
	struct flow_age_config *a = &x->c->aging;
	char path[SCENARIO_PATH_LEN];
	yaml_node_t *v = scenario_get(x, n, "timeouts_ns"), *it;
	int rc;

	if (!v)
		return 0;
	if ((rc = scenario_want(x, v, YAML_SEQUENCE_NODE, "aging.timeouts_ns",
				"a list of 3 timeouts, classes 1..3")))
		return rc;
	if (v->data.sequence.items.top - v->data.sequence.items.start !=
	    ACTION_AGE_CLASSES - 1)
		return scenario_fail(x, v, "aging.timeouts_ns",
				     "expected %u timeouts (classes 1..%u)",
				     ACTION_AGE_CLASSES - 1, ACTION_AGE_CLASSES - 1);
	for (unsigned k = 1; k < ACTION_AGE_CLASSES; k++) {
		snprintf(path, sizeof path, "aging.timeouts_ns[%u]", k - 1);
		it = scenario_item(x, v, k - 1);
		if ((rc = scenario_u64(x, it, path, 1, FLOW_AGE_MAX_NS,
				       &a->timeout_ns[k])))
			return rc;
	}
	return 0;
}

static int parse_aging(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "mode", "timeouts_ns", "sweep_ns", NULL };
	static const char *const modes[] = { "off", "notify", "delete", NULL };
	struct flow_age_config *a = &x->c->aging;
	yaml_node_t *v;
	int rc, m;

	if ((rc = scenario_mapping(x, n, "aging",
				   "a mapping with mode, timeouts_ns, sweep_ns", keys)) ||
	    (rc = scenario_require(x, n, "mode", "aging", &v)))
		return rc;
	if ((rc = scenario_enum(x, v, "aging.mode", modes, &m)))
		return rc;
	a->mode = (uint8_t)m;
	if ((rc = timeouts(x, n)))
		return rc;
	if ((v = scenario_get(x, n, "sweep_ns")))
		rc = scenario_u64(x, v, "aging.sweep_ns", 1, FLOW_AGE_MAX_NS,
				  &a->sweep_ns);
	return rc;
}

const struct scenario_section scenario_section_aging = {
	.key = "aging", .defaults = aging_defaults, .parse = parse_aging,
};
