/* The scenario's `aging` section: off when absent, what is written taken
 * into the NIC's policies, and refusals that name the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

#define NAME SCENARIO_TEST_FILE
#define BASE SCENARIO_TEST_MIN
#define parse scenario_test_parse

Test(scenario_aging, absent_means_off_with_the_default_timeouts)
{
	struct flow_age_config d;
	struct scenario *c;
	struct pnic_error err;

	flow_age_config_default(&d);
	cr_assert_eq(parse(BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->aging.mode, FLOW_AGE_OFF);
	cr_assert_eq(scenario_policy(c).age.mode, FLOW_AGE_OFF);
	for (unsigned k = 0; k < ACTION_AGE_CLASSES; k++)
		cr_assert_eq(c->aging.timeout_ns[k], d.timeout_ns[k]);
	cr_assert_eq(c->aging.sweep_ns, d.sweep_ns);
	scenario_destroy(c);
}

Test(scenario_aging, what_is_written_reaches_the_policy)
{
	struct scenario *c;
	struct pnic_error err;
	struct datapath_policy p;
	int rc = parse(BASE "aging:\n"
		       "  mode: delete\n"
		       "  timeouts_ns: [ 1000, 2000000, 0x10 ]\n"
		       "  sweep_ns: 500\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	p = scenario_policy(c);
	cr_assert_eq(p.age.mode, FLOW_AGE_DELETE);
	cr_assert_eq(p.age.timeout_ns[0], 0);
	cr_assert_eq(p.age.timeout_ns[1], 1000);
	cr_assert_eq(p.age.timeout_ns[2], 2000000);
	cr_assert_eq(p.age.timeout_ns[3], 16);
	cr_assert_eq(p.age.sweep_ns, 500);
	cr_assert_eq(datapath_policy_validate(&p, &err), 0, "%s", err.msg);
	scenario_destroy(c);
}

Test(scenario_aging, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ BASE "aging: { mode: sometimes }\n", 4, 16, "aging.mode", "delete" },
		{ BASE "aging: { timeouts_ns: [ 1, 2, 3 ] }\n", 4, 8, "aging", "mode" },
		{ BASE "aging: { mode: notify, timeouts_ns: [ 1, 2 ] }\n", 4, 37,
		  "aging.timeouts_ns", "3 timeouts" },
		{ BASE "aging: { mode: notify, timeouts_ns: [ 1, 0, 3 ] }\n", 4, 42,
		  "aging.timeouts_ns[1]", "1.." },
		{ BASE "aging: { mode: notify, sweep_ns: 86400000000001 }\n", 4, 34,
		  "aging.sweep_ns", "86400000000000" },
		{ BASE "aging: { mode: notify, every: 1 }\n", 4, 24, "aging.every", "unknown key" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], NAME);
}
