/* The scenario's `fpag` section: the defaults, what is written, the
 * default route, the program's sections checked together, and refusals
 * that name the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/fpag_base.h"
#include "tests/io/scenario_bad.h"

#define parse scenario_test_parse

Test(scenario_fpag, absent_means_the_defaults)
{
	struct scenario *c;
	struct pnic_error err;
	struct fpag_costs d;

	fpag_costs_default(&d);
	cr_assert_eq(parse(FPAG_BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->host.program, SCENARIO_PROGRAM_FPAG);
	cr_assert_eq(c->fpag.flow_dest, FPAG_DEST_VPID);
	cr_assert_eq(c->fpag.shape, FPAG_SHAPE_MEGAFLOW);
	cr_assert_eq(c->fpag.full, TP_FULL_REFUSE);
	cr_assert_eq(memcmp(&c->fpag.costs, &d, sizeof d), 0);
	cr_assert_eq(c->fpag.default_uplink, UINT32_MAX);
	cr_assert(c->fpag.ct_max_conns == 0 && c->fpag.ct_time_wait_ns == 0,
		  "conntrack's own defaults");
	scenario_destroy(c);
}

Test(scenario_fpag, what_is_written_is_taken)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(FPAG_BASE "fpag:\n"
		       "  flow_dest: ppid\n"
		       "  entry_shape: exact\n"
		       "  table_full: refuse\n"
		       "  default_route: wan\n"
		       "  costs_ns: { packet: 1, rule: 2, conntrack: 3, install: 4, packet_out: 5,\n"
		       "              counter_poll: 6, counter_record: 7 }\n"
		       "  conntrack: { max_conns: 300000, time_wait_ns: 1000000000 }\n",
		       &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->fpag.flow_dest, FPAG_DEST_PPID);
	cr_assert_eq(c->fpag.shape, FPAG_SHAPE_EXACT);
	cr_assert_eq(c->fpag.full, TP_FULL_REFUSE);
	cr_assert_eq(c->fpag.default_uplink, 0);
	cr_assert(c->fpag.costs.packet_ns == 1 && c->fpag.costs.rule_ns == 2 &&
		  c->fpag.costs.conntrack_ns == 3 && c->fpag.costs.install_ns == 4 &&
		  c->fpag.costs.packet_out_ns == 5);
	cr_assert(c->fpag.costs.counter_poll_ns == 6 && c->fpag.costs.counter_record_ns == 7);
	cr_assert_eq(c->fpag.ct_max_conns, 300000);
	cr_assert_eq(c->fpag.ct_time_wait_ns, 1000000000);
	scenario_destroy(c);
}

/* runs_on: nic_cores: the mailbox's link becomes the on-chip one and the
 * costs are the host's times the cores' slowdown. */
Test(scenario_fpag, nic_cores_make_the_link_and_the_costs)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(FPAG_BASE "fpag:\n"
		       "  runs_on: nic_cores\n"
		       "  nic_cores: { write_ns: 30, read_rtt_ns: 80, irq_ns: 400, poll_ns: 10, slowdown: 2.5 }\n"
		       "  costs_ns: { packet: 100, rule: 2 }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert(c->fpag.on_nic_cores);
	cr_assert_eq(c->pcie.write_ns, 30);
	cr_assert_eq(c->pcie.read_rtt_ns, 80);
	cr_assert_eq(c->pcie.irq_ns, 400);
	cr_assert_eq(c->pcie.poll_ns, 10);
	cr_assert_eq(pcie_validate(&c->pcie, &err), 0, "%s", err.msg);
	cr_assert_eq(c->fpag.costs.packet_ns, 250);
	cr_assert_eq(c->fpag.costs.rule_ns, 5);
	cr_assert_eq(c->fpag.costs.counter_poll_ns, 1250, "the default's 500, slowed");
	scenario_destroy(c);
}

Test(scenario_fpag, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ FPAG_BASE "fpag: { flow_dest: mac }\n", 10, 20, "fpag.flow_dest", "vpid" },
		{ FPAG_BASE "fpag: { entry_shape: wide }\n", 10, 22, "fpag.entry_shape", "megaflow" },
		{ FPAG_BASE "fpag: { default_route: a }\n", 10, 24, "fpag.default_route", "uplink" },
		{ FPAG_BASE "fpag: { costs_ns: { packet: 1000001 } }\n", 10, 29,
		  "fpag.costs_ns.packet", "1000000" },
		{ FPAG_BASE "fpag: { costs_ns: { lunch: 1 } }\n", 10, 21, "fpag.costs_ns.lunch", "lunch" },
		{ FPAG_BASE "flows: [ { index: 0, match: { ethertype: 0x0800 }, action: { drop: true } } ]\n",
		  10, 8, "flows", "give no flows" },
		{ SCENARIO_TEST_MIN "fpag: { flow_dest: ppid }\n", 4, 7, "fpag", "host.program: fpag" },
		{ FPAG_BASE "fpag: { nic_cores: { slowdown: 2 } }\n", 10, 20, "fpag.nic_cores", "runs_on" },
		{ FPAG_BASE "fpag: { runs_on: nic_cores, nic_cores: { slowdown: 0 } }\n", 10, 52,
		  "fpag.nic_cores.slowdown", "0.1 to 100" },
		{ FPAG_BASE "fpag: { runs_on: nic_cores }\npcie: { gen: 3 }\n", 11, 7, "pcie", "nic_cores" },
		{ FPAG_BASE "fpag: { runs_on: fpga }\n", 10, 18, "fpag.runs_on", "nic_cores" },
		{ FPAG_BASE "fpag: { table_full: evict_lru }\n", 10, 21, "fpag.table_full", "stats_ns" },
		{ FPAG_BASE "fpag: { conntrack: { max_conns: 8 } }\n", 10, 33,
		  "fpag.conntrack.max_conns", "16" },
		{ FPAG_BASE "fpag: { conntrack: { time_wait_ns: 0 } }\n", 10, 36,
		  "fpag.conntrack.time_wait_ns", "" },
		{ FPAG_BASE "fpag: { conntrack: { syn_ns: 5 } }\n", 10, 22, "fpag.conntrack.syn_ns",
		  "syn_ns" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
