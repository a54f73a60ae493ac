/* The scenario's `expect`: bounds on the run's figures, so that a
 * scenario is its own regression test (pnicsim run checks them against
 * summary.json and exits 3 when one is not met; docs/run.md).  A figure
 * is a summary.json path, keys and list positions joined by dots
 * (events.0.commands, latency.hit.ns.p99); each bound is a number, at
 * least `min`, at most `max`, or exactly `equals`.  Which paths exist is
 * the run's to say: an unknown one fails the run, never passes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/scenario-private.h"

#define EXPECT_MAX 1024u

/* A finite number, decimal or with an exponent ("0", "2.5", "1e6"). */
static int number(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		  const char *key, bool *has, double *v)
{
	yaml_node_t *n = scenario_get(x, m, key);
	char sub[SCENARIO_PATH_LEN];
	const char *s;
	char *end;

	if (!n)
		return 0;
	scenario_subpath(sub, path, key);
	s = n->type == YAML_SCALAR_NODE ? scenario_str(n) : "";
	*v = strtod(s, &end);
	if (!*s || *end || !isfinite(*v))
		return scenario_fail(x, n, sub, "expected a number, such as 0, 2.5 or 1e6");
	*has = true;
	return 0;
}

static int figure(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		  struct scenario_expect *e)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *n;
	int rc = scenario_require(x, m, "figure", path, &n);

	if (rc)
		return rc;
	scenario_subpath(sub, path, "figure");
	if (n->type != YAML_SCALAR_NODE || !*scenario_str(n) ||
	    strlen(scenario_str(n)) >= sizeof e->figure)
		return scenario_fail(x, n, sub, "expected a summary.json path such as events.0.commands (under %zu characters)",
				     sizeof e->figure);
	strcpy(e->figure, scenario_str(n));
	return 0;
}

static int expectation(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		       size_t i, void *arg)
{
	static const char *const keys[] = { "figure", "min", "max", "equals", NULL };
	struct scenario_expect *e = &x->c->expects[i];
	int rc;

	(void)arg;
	if ((rc = scenario_mapping(x, m, path, "a mapping with figure and min, max or equals", keys)) ||
	    (rc = figure(x, m, path, e)) ||
	    (rc = number(x, m, path, "min", &e->has_min, &e->min)) ||
	    (rc = number(x, m, path, "max", &e->has_max, &e->max)) ||
	    (rc = number(x, m, path, "equals", &e->has_equals, &e->equals)))
		return rc;
	if (!e->has_min && !e->has_max && !e->has_equals)
		return scenario_fail(x, m, path, "an expectation needs min, max or equals");
	if (e->has_min && e->has_max && e->min > e->max)
		return scenario_fail(x, m, path, "min %g is above max %g", e->min, e->max);
	e->line = (unsigned)m->start_mark.line + 1;
	x->c->n_expects++;
	return 0;
}

static int parse_expect(struct scenario_ctx *x, yaml_node_t *seq)
{
	return scenario_list(x, seq, "expect", "a list of expectations", EXPECT_MAX,
			     sizeof *x->c->expects, (void **)&x->c->expects, expectation, NULL);
}

static void release_expect(struct scenario *c)
{
	free(c->expects);
}

const struct scenario_section scenario_section_expect = {
	.key = "expect", .parse = parse_expect, .release = release_expect,
};
