/* The scenario's `events`: migrations in time order, by VNIC and port
 * name, and refusals that name the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/fpag_base.h"
#include "tests/io/scenario_bad.h"

#define parse scenario_test_parse

Test(scenario_events, migrations_are_read)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(FPAG_BASE "events:\n"
		       "  - { at_ns: 1000, migrate: { vnic: b, to: up } }\n"
		       "  - { at_ns: 1000, migrate: { vnic: a, to: 1 } }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->n_events, 2);
	cr_assert_eq(c->events[0].at_ns, 1000);
	cr_assert_eq(c->events[0].kind, SCENARIO_EV_MIGRATE);
	cr_assert_eq(c->events[0].vnic, 1);
	cr_assert_eq(c->events[0].ppid, 2);
	cr_assert_eq(c->events[1].vnic, 0);
	cr_assert_eq(c->events[1].ppid, 1);
	cr_assert_eq(c->events[1].line, 12);
	scenario_destroy(c);
}

Test(scenario_events, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ FPAG_BASE "events: [ { migrate: { vnic: a, to: vf1 } } ]\n", 10, 11, "events[0]", "at_ns" },
		{ FPAG_BASE "events: [ { at_ns: 5 } ]\n", 10, 11, "events[0]", "migrate" },
		{ FPAG_BASE "events: [ { at_ns: 5, migrate: { vnic: wan, to: vf1 } } ]\n", 10, 40,
		  "events[0].migrate.vnic", "VNIC" },
		{ FPAG_BASE "events: [ { at_ns: 5, migrate: { vnic: a, to: vf0 } } ]\n", 10, 47,
		  "events[0].migrate.to", "already" },
		{ FPAG_BASE "events: [ { at_ns: 5, migrate: { vnic: a, to: vf7 } } ]\n", 10, 47,
		  "events[0].migrate.to", "port" },
		{ FPAG_BASE "events:\n  - { at_ns: 5, migrate: { vnic: a, to: vf1 } }\n"
		  "  - { at_ns: 4, migrate: { vnic: a, to: up } }\n", 12, 14, "events[1].at_ns", "time order" },
		{ FPAG_BASE "events: [ { at_ns: -1, migrate: { vnic: a, to: vf1 } } ]\n", 10, 20,
		  "events[0].at_ns", "" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
