/* The scenario's `expect`: figures and bounds as written, and refusals
 * that name the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

#define BASE SCENARIO_TEST_MIN
#define parse scenario_test_parse

Test(scenario_expect, bounds_are_read)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(BASE "expect:\n"
		       "  - { figure: events.0.commands, equals: 1 }\n"
		       "  - { figure: latency.hit.ns.p99, min: 0.5, max: 1e3 }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->n_expects, 2);
	cr_assert_str_eq(c->expects[0].figure, "events.0.commands");
	cr_assert(c->expects[0].has_equals && !c->expects[0].has_min && !c->expects[0].has_max);
	cr_assert_float_eq(c->expects[0].equals, 1.0, 0);
	cr_assert(c->expects[1].has_min && c->expects[1].has_max);
	cr_assert_float_eq(c->expects[1].min, 0.5, 0);
	cr_assert_float_eq(c->expects[1].max, 1000.0, 0);
	cr_assert_eq(c->expects[1].line, 6);
	scenario_destroy(c);
}

Test(scenario_expect, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ BASE "expect: [ { min: 1 } ]\n", 4, 11, "expect[0]", "figure" },
		{ BASE "expect: [ { figure: a.b } ]\n", 4, 11, "expect[0]", "min, max or equals" },
		{ BASE "expect: [ { figure: a, max: lots } ]\n", 4, 29, "expect[0].max", "number" },
		{ BASE "expect: [ { figure: a, max: nan } ]\n", 4, 29, "expect[0].max", "number" },
		{ BASE "expect: [ { figure: a, min: 2, max: 1 } ]\n", 4, 11, "expect[0]", "above max" },
		{ BASE "expect: [ { figure: a, atleast: 1 } ]\n", 4, 24, "expect[0].atleast", "atleast" },
		{ BASE "expect: { figure: a }\n", 4, 9, "expect", "list" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
