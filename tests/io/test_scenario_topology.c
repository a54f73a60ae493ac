/* The scenario's `topology`: VNICs and uplinks as the FPAG takes them,
 * names shared by rules and events, and refusals that name the place and
 * field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/fpag_base.h"
#include "tests/io/scenario_bad.h"

#define parse scenario_test_parse

Test(scenario_topology, vnics_and_uplinks_are_read)
{
	struct scenario *c;
	struct pnic_error err;
	const struct fpag_vnic *a, *b;

	cr_assert_eq(parse(FPAG_BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->topo.n_vnics, 2);
	a = &c->topo.vnics[0].v;
	b = &c->topo.vnics[1].v;
	cr_assert_eq(a->mac, 0x02000000000aull);
	cr_assert(a->has_ipv4 && !a->has_ipv6);
	cr_assert_eq(a->ipv4, 0x0a000001u);
	cr_assert_eq(a->ppid, 0);
	cr_assert_eq(a->id, 0);
	cr_assert(b->has_ipv6 && !b->has_ipv4 && b->has_vlan);
	cr_assert_eq(b->ipv6.hi, 0x20010db800000000ull);
	cr_assert_eq(b->ipv6.lo, 0xb);
	cr_assert_eq(b->vlan, 7);
	cr_assert_eq(b->ppid, 1);
	cr_assert_eq(c->topo.n_uplinks, 1);
	cr_assert_eq(c->topo.uplinks[0].ppid, 2);
	cr_assert_eq(c->topo.uplinks[0].n_routes, 2);
	cr_assert_eq(c->topo.uplinks[0].routes[0].len, 96, "IPv4 /0 is ::ffff:0:0/96");
	cr_assert_eq(c->topo.uplinks[0].routes[1].len, 0);
	cr_assert_eq(scenario_endpoint(c, "a"), 0);
	cr_assert_eq(scenario_endpoint(c, "wan"), 2);
	cr_assert_eq(scenario_endpoint(c, "nobody"), -1);
	scenario_destroy(c);
}

#define HEAD \
	"tcam: { depth: 64 }\n" \
	"ports: [ { ppid: 0, name: vf0 } ]\n" \
	"vpid_map: { n_vpids: 8 }\n" \
	"host: { program: fpag }\n"

Test(scenario_topology, refusals_name_line_column_and_field)
{
	static const struct scenario_bad bads[] = {
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', port: vf0 } ] }\n",
		  5, 22, "topology.vnics[0]", "ipv4 or an ipv6" },
		{ HEAD "topology: { vnics: [ { name: a, mac: nope, ipv4: 10.0.0.1, port: vf0 } ] }\n",
		  5, 38, "topology.vnics[0].mac", "MAC" },
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf9 } ] }\n",
		  5, 81, "topology.vnics[0].port", "port" },
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: '2001:db8::1', port: vf0 } ] }\n",
		  5, 65, "topology.vnics[0].ipv4", "IPv4" },
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0 } ],\n"
		  "  uplinks: [ { name: a, port: vf0 } ] }\n", 6, 22, "topology.uplinks[0].name", "already" },
		{ HEAD "topology: { uplinks: [ { name: u, port: vf0, routes: [ 10.0.0.0/33 ] } ] }\n",
		  5, 56, "topology.uplinks[0].routes[0]", "prefix" },
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0, vlan: 4096 } ] }\n",
		  5, 92, "topology.vnics[0].vlan", "4095" },
		{ HEAD "topology: { vms: [] }\n", 5, 13, "topology.vms", "vms" },
		{ HEAD "topology: { vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0 },\n"
		  "  { name: b, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.2, port: vf0 } ] }\n", 5, 20,
		  "topology.vnics", "same MAC" },
		{ HEAD, 1, 1, "topology", "at least one VNIC" },
		{ SCENARIO_TEST_MIN "topology: { uplinks: [ { name: u, port: 0 } ] }\n", 4, 11,
		  "topology", "host.program: fpag" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
}
