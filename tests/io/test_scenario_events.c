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

Test(scenario_events, rule_updates_and_vm_removal_are_read)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(FPAG_BASE "events:\n"
		       "  - { at_ns: 1, rule_add: { at: 0, rule: { action: deny, proto: udp, dst_port: 53 } } }\n"
		       "  - { at_ns: 2, rule_add: { rule: { action: allow } } }\n"
		       "  - { at_ns: 3, rule_remove: { rule: 4 } }\n"
		       "  - { at_ns: 4, rule_change: { rule: 1, to: { action: deny, vnic: b } } }\n"
		       "  - { at_ns: 5, vm_remove: { vnic: a } }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->n_events, 5);
	cr_assert_eq(c->events[0].kind, SCENARIO_EV_RULE_ADD);
	cr_assert_eq(c->events[0].pos, 0);
	cr_assert_eq(c->events[0].rule.verdict, RULESET_DENY);
	cr_assert(c->events[0].rule.dport_lo == 53 && c->events[0].rule.dport_hi == 53);
	cr_assert_eq(c->events[1].pos, RULESET_END, "no at: the end");
	cr_assert_eq(c->events[2].kind, SCENARIO_EV_RULE_REMOVE);
	cr_assert_eq(c->events[2].rule_id, 4);
	cr_assert_eq(c->events[3].kind, SCENARIO_EV_RULE_CHANGE);
	cr_assert_eq(c->events[3].rule_id, 1);
	cr_assert(c->events[3].rule.scoped && c->events[3].rule.vnic == 1);
	cr_assert_eq(c->events[4].kind, SCENARIO_EV_VM_REMOVE);
	cr_assert_eq(c->events[4].vnic, 0);
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
		{ FPAG_BASE "events: [ { at_ns: 1, vm_remove: { vnic: a }, rule_remove: { rule: 0 } } ]\n",
		  10, 11, "events[0]", "one thing" },
		{ FPAG_BASE "events: [ { at_ns: 1, rule_remove: { rule: 0, to: { action: deny } } } ]\n",
		  10, 51, "events[0].rule_remove", "no 'to'" },
		{ FPAG_BASE "events: [ { at_ns: 1, rule_change: { rule: 0 } } ]\n", 10, 36,
		  "events[0].rule_change", "to" },
		{ FPAG_BASE "events: [ { at_ns: 1, rule_add: { rule: { action: deny, stateful: true } } } ]\n",
		  10, 41, "events[0].rule_add.rule", "stateful" },
		{ FPAG_BASE "events: [ { at_ns: 1, vm_remove: { vnic: wan } } ]\n", 10, 42,
		  "events[0].vm_remove.vnic", "VNIC" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
