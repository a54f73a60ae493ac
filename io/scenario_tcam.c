/* The scenario's lookup policies: the TCAM (depth, what a miss does) and
 * what a frame the parser could not fully parse does (parse_errors). */
#include "io/scenario-private.h"

static int parse_tcam(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "depth", "miss", NULL };
	static const char *const miss[] = { "to_host", "drop", NULL };
	yaml_node_t *v;
	int rc, m;

	if ((rc = scenario_mapping(x, n, "tcam", "a mapping with depth and miss", keys)) ||
	    (rc = scenario_req_u32(x, n, "tcam", "depth", TCAM_MIN_DEPTH,
				   TCAM_MAX_DEPTH, &x->c->tcam_depth)))
		return rc;
	if (!(v = scenario_get(x, n, "miss")))
		return 0;
	if ((rc = scenario_enum(x, v, "tcam.miss", miss, &m)))
		return rc;
	x->c->miss = m ? DP_MISS_DROP : DP_MISS_TO_HOST;
	return 0;
}

const struct scenario_section scenario_section_tcam = {
	.key = "tcam", .required = true, .parse = parse_tcam,
};

static int parse_errors(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const perr[] = { "lookup", "drop", "to_host", NULL };
	int rc, e;

	if ((rc = scenario_enum(x, n, "parse_errors", perr, &e)))
		return rc;
	x->c->parse_errors = (enum datapath_parse_error_policy)e;
	return 0;
}

const struct scenario_section scenario_section_parse_errors = {
	.key = "parse_errors", .parse = parse_errors,
};
