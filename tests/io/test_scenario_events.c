/* The scenario's `events`: migrations in time order, by VNIC and port
 * name, VMs added and removed, table floods (a generated input each), and
 * refusals that name the place and field. */
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

#define LATER_BASE \
	"tcam: { depth: 64 }\n"                                                 /* 1 */ \
	"ports: [ { ppid: 0, name: vf0 }, { ppid: 1, name: vf1 }, { ppid: 2, name: up } ]\n" \
	"vpid_map: { n_vpids: 8 }\n"                                            /* 3 */ \
	"host: { program: fpag }\n"                                             /* 4 */ \
	"topology:\n"                                                           /* 5 */ \
	"  vnics:\n"                                                            /* 6 */ \
	"    - { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0 }\n" \
	"    - { name: b, mac: '02:00:00:00:00:0b', ipv4: 10.0.0.2, port: vf1, start: later }\n" \
	"  uplinks: [ { name: wan, port: up, routes: [ 0.0.0.0/0 ] } ]\n"       /* 9 */

/* A VM declared `start: later` comes up, leaves and comes back. */
Test(scenario_events, vm_add_and_remove_are_read)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(LATER_BASE "events:\n"
		       "  - { at_ns: 1, vm_add: { vnic: b } }\n"
		       "  - { at_ns: 2, vm_remove: { vnic: b } }\n"
		       "  - { at_ns: 3, vm_add: { vnic: b } }\n"
		       "  - { at_ns: 4, vm_remove: { vnic: a } }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert(c->topo.vnics[1].v.later);
	cr_assert_not(c->topo.vnics[0].v.later);
	cr_assert_eq(c->n_events, 4);
	cr_assert_eq(c->events[0].kind, SCENARIO_EV_VM_ADD);
	cr_assert_eq(c->events[0].vnic, 1);
	cr_assert_eq(c->events[2].kind, SCENARIO_EV_VM_ADD);
	scenario_destroy(c);
}

/* A table flood is traffic: the scenario gains a generated input that
 * starts at the event's time and enters by the flooding VNIC's port. */
Test(scenario_events, table_flood_adds_a_generated_input)
{
	struct scenario *c;
	struct pnic_error err;
	const struct scenario_input *in;
	int rc = parse(LATER_BASE "events:\n"
		       "  - { at_ns: 7000, table_flood: { from: a, to: b, flows: 70000, rate_pps: 2000000, proto: tcp, dst_port: 80 } }\n"
		       "  - { at_ns: 9000, table_flood: { from: b, to: a, flows: 3 } }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->n_inputs, 2, "no inputs given: the two floods'");
	cr_assert_eq(c->events[0].kind, SCENARIO_EV_TABLE_FLOOD);
	cr_assert_eq(c->events[0].vnic, 0);
	cr_assert_eq(c->events[0].input, 0);
	in = &c->inputs[0];
	cr_assert(in->generated && in->by_vnic && in->own_clock);
	cr_assert_eq(in->lead_ns, 7000);
	cr_assert_eq(in->flood.flows, 70000);
	cr_assert_eq(in->flood.gap_ps, 500000);
	cr_assert_eq(in->flood.proto, 6);
	cr_assert_eq(in->flood.dst_port, 80);
	cr_assert_eq(in->flood.src_ip, 0x0a000001u);
	cr_assert_eq(in->flood.dst_ip, 0x0a000002u);
	cr_assert_eq(in->flood.dst_mac, 0x02000000000bull);
	cr_assert_str_eq(in->path, "events[0].table_flood");
	in = &c->inputs[1];
	cr_assert_eq(in->flood.proto, 17, "udp by default");
	cr_assert_eq(in->flood.gap_ps, 1000000, "1 M packets/s by default");
	cr_assert_eq(in->flood.dst_port, 5001);
	scenario_destroy(c);
}

Test(scenario_events, vm_and_flood_refusals)
{
	static const struct scenario_bad bads[] = {
		{ LATER_BASE "events: [ { at_ns: 1, vm_add: { vnic: a } } ]\n", 10, 39,
		  "events[0].vm_add.vnic", "start: later" },
		{ LATER_BASE "events: [ { at_ns: 1, vm_remove: { vnic: b } } ]\n", 10, 42,
		  "events[0].vm_remove.vnic", "not up" },
		{ LATER_BASE "events:\n  - { at_ns: 1, vm_add: { vnic: b } }\n"
		  "  - { at_ns: 2, vm_add: { vnic: b } }\n", 12, 33, "events[1].vm_add.vnic", "is up then" },
		{ LATER_BASE "events: [ { at_ns: 1, vm_add: { vnic: wan } } ]\n", 10, 39,
		  "events[0].vm_add.vnic", "VNIC" },
		{ FPAG_BASE "events: [ { at_ns: 1, table_flood: { from: a, to: b, flows: 5 } } ]\n", 10, 51,
		  "events[0].table_flood.to", "ipv4" },
		{ LATER_BASE "events: [ { at_ns: 1, table_flood: { from: a, to: b } } ]\n", 10, 36,
		  "events[0].table_flood", "flows" },
		{ LATER_BASE "events: [ { at_ns: 1, table_flood: { from: a, to: b, flows: 0 } } ]\n", 10, 61,
		  "events[0].table_flood.flows", "" },
		{ LATER_BASE "events: [ { at_ns: 1, table_flood: { from: a, to: b, flows: 9, proto: icmp } } ]\n", 10, 71,
		  "events[0].table_flood.proto", "udp or tcp" },
		{ "tcam: { depth: 64 }\nports: [ { ppid: 0, name: vf0 } ]\nvpid_map: { n_vpids: 8 }\n"
		  "host: { program: fpag }\n"
		  "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0, start: soon } ] }\n",
		  5, 93, "topology.vnics[0].start", "now or later" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
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
		{ FPAG_BASE "events:\n  - { at_ns: 5, migrate: { vnic: a, to: vf1 } }\n"
		  "  - { at_ns: 6, migrate: { vnic: a, to: vf1 } }\n", 12, 41,
		  "events[1].migrate.to", "on that port already" },
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
