/* The scenario's `nic` section: the clock, stage timing and queue bounds
 * as written, pipeline_params_default()'s values elsewhere, and refusals
 * that name the place and the field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

#define NAME SCENARIO_TEST_FILE
#define BASE SCENARIO_TEST_MIN
#define parse scenario_test_parse

Test(scenario_nic, absent_means_the_pipeline_defaults)
{
	struct pipeline_params d;
	struct scenario *c;
	struct pnic_error err;

	pipeline_params_default(&d);
	cr_assert_eq(parse(BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nic.clock_hz, d.clock_hz);
	cr_assert_eq(memcmp(&c->nic.timing, &d.timing, sizeof d.timing), 0);
	cr_assert_eq(memcmp(&c->nic.bounds, &d.bounds, sizeof d.bounds), 0);
	scenario_destroy(c);
}

Test(scenario_nic, what_is_written_the_rest_default)
{
	struct pipeline_params d;
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(BASE "nic:\n"
		       "  clock: 322265625\n"
		       "  timing: { mac_rx: 0, parser_bytes: 32, key: { latency: 4 },\n"
		       "            editor: { latency: 6, ii: 2 } }\n"
		       "  queues: { egress_frames: 16, max_frame: 1518, wire_bytes: 1518 }\n",
		       &c, &err);

	pipeline_params_default(&d);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->nic.clock_hz, 322265625);
	cr_assert_eq(c->nic.timing.mac_rx, 0);
	cr_assert_eq(c->nic.timing.parser_bytes, 32);
	cr_assert_eq(c->nic.timing.key.latency, 4);
	cr_assert_eq(c->nic.timing.key.ii, d.timing.key.ii);
	cr_assert_eq(c->nic.timing.editor.latency, 6);
	cr_assert_eq(c->nic.timing.editor.ii, 2);
	cr_assert_eq(c->nic.timing.mac_tx, d.timing.mac_tx);
	cr_assert_eq(c->nic.bounds.egress_frames, 16);
	cr_assert_eq(c->nic.bounds.egress_bytes, d.bounds.egress_bytes);
	cr_assert_eq(c->nic.bounds.max_frame, 1518);
	scenario_destroy(c);
	cr_assert_eq(parse(BASE "nic: { clock: 1G }\n", &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nic.clock_hz, 1000000000);
	scenario_destroy(c);
	cr_assert_eq(parse(BASE "nic: { clock: 2500M }\n", &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->nic.clock_hz, 2500000000);
	scenario_destroy(c);
}

static const struct scenario_bad bads[] = {
	{ BASE "nic: 5\n", 4, 6, "nic", "expected a mapping with clock, timing and queues" },
	{ BASE "nic: { clk: 1G }\n", 4, 8, "nic.clk", "unknown key" },
	{ BASE "nic: { clock: 1X }\n", 4, 15, "nic.clock", "clock in Hz from 1M to 10G" },
	{ BASE "nic: { clock: 20G }\n", 4, 15, "nic.clock", "got '20G'" },
	{ BASE "nic: { clock: 999k }\n", 4, 15, "nic.clock", "1M to 10G" },
	{ BASE "nic: { timing: { parser_bytes: 0 } }\n", 4, 32, "nic.timing.parser_bytes", "1..4096" },
	{ BASE "nic: { timing: { mac_rx: 4097 } }\n", 4, 26, "nic.timing.mac_rx", "0..4096" },
	{ BASE "nic: { timing: { key: { latency: 0 } } }\n", 4, 34, "nic.timing.key.latency", "1..4096" },
	{ BASE "nic: { timing: { action: { ii: x } } }\n", 4, 32, "nic.timing.action.ii", "expected an integer" },
	{ BASE "nic: { timing: { editor: 3 } }\n", 4, 26, "nic.timing.editor", "latency and ii" },
	{ BASE "nic: { timing: { parser: 3 } }\n", 4, 18, "nic.timing.parser", "unknown key" },
	{ BASE "nic: { queues: { ingress_frames: 0 } }\n", 4, 34, "nic.queues.ingress_frames", "1..16777216" },
	{ BASE "nic: { queues: { egress_bytes: 0x40000000 } }\n", 4, 32, "nic.queues.egress_bytes", "1..268435456" },
	{ BASE "nic: { queues: { max_frame: 59 } }\n", 4, 29, "nic.queues.max_frame", "60..65535" },
	{ BASE "nic: { queues: { wire_bytes: 1000 } }\n", 4, 30, "nic.queues.wire_bytes", "less than max_frame 9022" },
	{ BASE "nic: { queues: { max_frame: 4000, wire_bytes: 3000 } }\n", 4, 47, "nic.queues.wire_bytes", "wire_bytes 3000" },
	{ BASE "nic: { queues: { ingres_bytes: 1 } }\n", 4, 18, "nic.queues.ingres_bytes", "unknown key" },
	{ BASE "nic: { queues: [] }\n", 4, 16, "nic.queues", "mapping of queue bounds" },
};

Test(scenario_nic, bad_values_name_place_and_field)
{
	scenario_check_bads(bads, sizeof bads / sizeof bads[0], NAME);
}
