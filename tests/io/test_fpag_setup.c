/* A scenario onto the FPAG: the rule set holds the list, then the routes
 * (each VNIC's address to it, the uplink's prefixes, the default route),
 * the topology and the events become the program's arrays, and what
 * cannot run is refused with the field named. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/fpag_setup.h"
#include "model/proto.h"
#include "tests/io/fpag_base.h"
#include "tests/io/scenario_bad.h"

static struct ruleset_decision classify(const struct fpag_setup *s, uint32_t vnic,
					struct ruleset_ip dst, uint8_t proto,
					uint16_t dport)
{
	struct ruleset_hdr h = { .vnic = vnic, .src_ip = ruleset_ip_v4(0x0a000001),
				 .dst_ip = dst, .sport = 40000, .dport = dport,
				 .proto = proto };
	struct ruleset_decision d;
	struct ruleset_cost k;

	ruleset_classify(s->rules, &h, &d, &k);
	return d;
}

Test(fpag_setup, rules_routes_topology_and_events)
{
	struct scenario *c;
	struct fpag_setup s;
	struct pnic_error err;
	struct ruleset_decision d;
	struct ruleset_ip b6 = { 0x20010db800000000ull, 0xb };

	cr_assert_eq(scenario_test_parse(FPAG_BASE
		"rules: { default: allow, list: [ { action: deny, proto: tcp, dst_port: 22 } ] }\n"
		"events: [ { at_ns: 7, migrate: { vnic: b, to: vf0 } } ]\n", &c, &err), 0,
		"%s", err.msg);
	cr_assert_eq(fpag_setup_create(c, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.fpag.n_vnics, 2);
	cr_assert_eq(s.fpag.n_uplinks, 1);
	cr_assert_eq(s.uplinks[0].id, 2);
	cr_assert_eq(s.uplinks[0].ppid, 2);
	cr_assert_eq(s.fpag.n_ports, 3);
	cr_assert_eq(s.fpag.depth, 64);
	cr_assert_eq(s.fpag.ct.max_conns, 0, "conntrack's default under 64K entries");
	cr_assert_eq(s.n_actions, 1);
	cr_assert(s.actions[0].at_ns == 7 && s.actions[0].vnic == 1 && s.actions[0].ppid == 0);
	d = classify(&s, 0, b6, PROTO_IP_UDP, 53);
	cr_assert(d.verdict == RULESET_ALLOW && d.dest == 1, "VNIC b's address routes to it");
	d = classify(&s, 0, ruleset_ip_v4(0x08080808), PROTO_IP_UDP, 53);
	cr_assert(d.verdict == RULESET_ALLOW && d.dest == 2, "the rest to the uplink");
	d = classify(&s, 0, b6, PROTO_IP_TCP, 22);
	cr_assert_eq(d.verdict, RULESET_DENY, "the list comes first");
	fpag_setup_free(&s);
	scenario_destroy(c);
}

Test(fpag_setup, too_few_vpids_and_a_missing_classbench_file_are_refused)
{
	struct scenario *c;
	struct fpag_setup s;
	struct pnic_error err;
	char text[2048];

	snprintf(text, sizeof text, "%s", FPAG_BASE);
	memcpy(strstr(text, "n_vpids: 8"), "n_vpids: 2", 10);
	cr_assert_eq(scenario_test_parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(fpag_setup_create(c, &s, &err), -ERANGE);
	cr_assert_str_eq(err.field, "vpid_map.n_vpids");
	cr_assert(strstr(err.msg, "needs 3 VPIDs"), "%s", err.msg);
	cr_assert_null(s.rules, "nothing half-made");
	scenario_destroy(c);
	cr_assert_eq(scenario_test_parse(FPAG_BASE "rules: { classbench: /nonexistent/acl.txt }\n",
					 &c, &err), 0, "%s", err.msg);
	cr_assert_lt(fpag_setup_create(c, &s, &err), 0);
	cr_assert(strstr(err.file, "/nonexistent/acl.txt") || strstr(err.msg, "/nonexistent/acl.txt"),
		  "%s: %s", err.file, err.msg);
	scenario_destroy(c);
}

/* A table deeper than the 64K that conntrack and the rule set's entry
 * registry hold by default brings both up to its depth. */
Test(fpag_setup, conntrack_follows_a_deep_table)
{
	struct scenario *c;
	struct fpag_setup s;
	struct pnic_error err;

	cr_assert_eq(scenario_test_parse(FPAG_BASE, &c, &err), 0, "%s", err.msg);
	c->tcam_depth = 131072;
	cr_assert_eq(fpag_setup_create(c, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.fpag.ct.max_conns, 131072);
	cr_assert_eq(ruleset_entry_capacity(s.rules), 131072, "every entry registered");
	fpag_setup_free(&s);
	scenario_destroy(c);
}

/* fpag.conntrack: the scenario's size and TIME_WAIT timeout, the rest
 * of conntrack's timeouts its own (0). */
Test(fpag_setup, conntrack_as_the_scenario_says)
{
	struct scenario *c;
	struct fpag_setup s;
	struct pnic_error err;

	cr_assert_eq(scenario_test_parse(FPAG_BASE
		"fpag: { conntrack: { max_conns: 5000, time_wait_ns: 7000 } }\n", &c, &err), 0,
		"%s", err.msg);
	cr_assert_eq(fpag_setup_create(c, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.fpag.ct.max_conns, 5000);
	cr_assert_eq(s.fpag.ct.timeout_ns[CT_TCP_TIME_WAIT], 7000);
	cr_assert_eq(s.fpag.ct.timeout_ns[CT_TCP_ESTABLISHED], 0);
	fpag_setup_free(&s);
	scenario_destroy(c);
}
