/* The scenario's `rules`: rules as the rule set takes them (prefixes in
 * the 128-bit form, port ranges, protocols, VNIC scope), the default, a
 * ClassBench file's path, and refusals that name the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "model/proto.h"
#include "tests/io/fpag_base.h"
#include "tests/io/scenario_bad.h"

#define parse scenario_test_parse

Test(scenario_rules, rules_are_read_in_order)
{
	struct scenario *c;
	struct pnic_error err;
	const struct ruleset_rule *r;
	int rc = parse(FPAG_BASE "rules:\n"
		       "  default: allow\n"
		       "  list:\n"
		       "    - { action: deny, proto: tcp, dst_port: 22 }\n"
		       "    - { action: allow, stateful: true, vnic: b, src: 10.1.0.0/16, dst: '2001:db8::/32', src_port: 1024-65535, proto: 6 }\n"
		       "  classbench: acl1.txt\n"
		       "  classbench_action: deny\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert(c->rules.default_allow);
	cr_assert_eq(c->rules.n, 2);
	r = &c->rules.list[0];
	cr_assert_eq(r->verdict, RULESET_DENY);
	cr_assert(!r->scoped && !r->stateful);
	cr_assert_eq(r->proto, PROTO_IP_TCP);
	cr_assert_eq(r->proto_mask, 0xff);
	cr_assert(r->dport_lo == 22 && r->dport_hi == 22);
	cr_assert(r->sport_lo == 0 && r->sport_hi == 65535, "unwritten: any");
	cr_assert_eq(r->src_len, 0);
	r = &c->rules.list[1];
	cr_assert(r->verdict == RULESET_ALLOW && r->stateful && r->scoped);
	cr_assert_eq(r->vnic, 1);
	cr_assert_eq(r->src_len, 96 + 16);
	cr_assert_eq(r->src_ip.lo, 0xffff0a010000ull);
	cr_assert_eq(r->dst_len, 32);
	cr_assert(r->sport_lo == 1024 && r->sport_hi == 65535);
	cr_assert_str_eq(c->rules.classbench, "/tmp/dir/acl1.txt");
	cr_assert_eq(c->rules.classbench_verdict, RULESET_DENY);
	scenario_destroy(c);
}

Test(scenario_rules, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ FPAG_BASE "rules: { list: [ { proto: tcp } ] }\n", 10, 18, "rules.list[0]", "action" },
		{ FPAG_BASE "rules: { list: [ { action: maybe } ] }\n", 10, 28, "rules.list[0].action", "allow" },
		{ FPAG_BASE "rules: { list: [ { action: allow, dst_port: 90-80 } ] }\n", 10, 45,
		  "rules.list[0].dst_port", "lo <= hi" },
		{ FPAG_BASE "rules: { list: [ { action: allow, proto: sctpx } ] }\n", 10, 42,
		  "rules.list[0].proto", "tcp, udp" },
		{ FPAG_BASE "rules: { list: [ { action: allow, vnic: wan } ] }\n", 10, 41,
		  "rules.list[0].vnic", "VNIC" },
		{ FPAG_BASE "rules: { list: [ { action: deny, stateful: true } ] }\n", 10, 18,
		  "rules.list[0]", "stateful" },
		{ FPAG_BASE "rules: { default: never }\n", 10, 19, "rules.default", "allow" },
		{ FPAG_BASE "rules: { classbench_action: deny }\n", 10, 29, "rules.classbench_action",
		  "classbench file" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
