/* The scenario's `host` section: what is written (and marked given), the
 * action read as flows[].action is, and refusals naming place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

#define NAME SCENARIO_TEST_FILE
#define BASE \
	"tcam: { depth: 64 }\n"                           /* 1 */ \
	"ports: [ { ppid: 0 }, { ppid: 1 } ]\n"           /* 2 */ \
	"vpid_map: { n_vpids: 4, map: [ { vpid: 2, ppid: 1 } ] }\n" /* 3 */

#define parse scenario_test_parse

Test(scenario_host, nothing_written_nothing_given)
{
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->host.given, 0);
	scenario_destroy(c);
	cr_assert_eq(parse(BASE "host: {}\n", &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->host.given, 0);
	scenario_destroy(c);
}

Test(scenario_host, every_field)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(BASE "host:\n"
		       "  enabled: true\n  notify: poll\n  poll_interval_ns: 500\n"
		       "  irq_holdoff_us: 8\n  miss_ns: 1200\n  install_ns: 300\n"
		       "  packet_out_ns: 0\n  install: false\n"
		       "  action: { forward: 2, dec_ttl: true }\n"
		       "  cmd_ring: 64\n  cpl_ring: 128\n  evt_ring: 1024\n  rxb_ring: 2\n",
		       &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->host.given, (1u << 13) - 1, "every bit: %#x", c->host.given);
	cr_assert(c->host.enabled);
	cr_assert(c->host.poll);
	cr_assert_eq(c->host.poll_interval_ns, 500);
	cr_assert_eq(c->host.irq_usecs, 8);
	cr_assert_eq(c->host.miss_ns, 1200);
	cr_assert_eq(c->host.install_ns, 300);
	cr_assert_eq(c->host.packet_out_ns, 0);
	cr_assert(!c->host.install);
	cr_assert_eq(c->host.action.kind, ACT_FORWARD);
	cr_assert_eq(c->host.action.vpid, 2);
	cr_assert_eq(c->host.cmd_entries, 64);
	cr_assert_eq(c->host.cpl_entries, 128);
	cr_assert_eq(c->host.evt_entries, 1024);
	cr_assert_eq(c->host.rxb_entries, 2);
	scenario_destroy(c);
	cr_assert_eq(parse(BASE "host: { notify: irq, miss_ns: 7 }\n", &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->host.given, SCENARIO_HOST_NOTIFY | SCENARIO_HOST_MISS_NS);
	cr_assert(!c->host.poll);
	scenario_destroy(c);
}

static const struct scenario_bad bads[] = {
	{ BASE "host: on\n", 4, 7, "host", "mapping of the host program's parameters" },
	{ BASE "host: { mode: irq }\n", 4, 9, "host.mode", "unknown key" },
	{ BASE "host: { notify: msi }\n", 4, 17, "host.notify", "irq or poll" },
	{ BASE "host: { poll_interval_ns: 0 }\n", 4, 27, "host.poll_interval_ns", "1..1000000000" },
	{ BASE "host: { miss_ns: -3 }\n", 4, 18, "host.miss_ns", "expected an integer" },
	{ BASE "host: { evt_ring: 100 }\n", 4, 19, "host.evt_ring", "power of two" },
	{ BASE "host: { cmd_ring: 8192 }\n", 4, 19, "host.cmd_ring", "2..4096" },
	{ BASE "host: { install: 1 }\n", 4, 18, "host.install", "true or false" },
	{ BASE "host: { action: { forward: 9 } }\n", 4, 28, "host.action.forward", "0..3" },
	{ BASE "host: { action: teleport }\n", 4, 17, "host.action", "expected drop, to_host or a mapping" },
};

Test(scenario_host, bad_values_name_place_and_field)
{
	scenario_check_bads(bads, sizeof bads / sizeof bads[0], NAME);
}
