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

#define VX_TOPO \
	"tcam: { depth: 64 }\n"                                                 /* 1 */ \
	"ports: [ { ppid: 0, name: vf0 }, { ppid: 1, name: up0 } ]\n"           /* 2 */ \
	"vpid_map: { n_vpids: 8 }\n"                                            /* 3 */ \
	"host: { program: fpag }\n"                                             /* 4 */ \
	"key_profile: vxlan\n"                                                  /* 5 */ \
	"topology:\n"                                                           /* 6 */ \
	"  vnics: [ { name: a, mac: '02:00:00:00:00:0a', ipv4: 10.0.0.1, port: vf0, vni: 100 } ]\n" \
	"  uplinks: [ { name: fab, port: up0, vtep: { mac: '02:00:00:00:aa:01', ipv4: 192.0.2.1 },\n" \
	"               next_hop_mac: '02:00:00:00:aa:fe' } ]\n"                /* 9 */ \
	"  remote_hosts: [ { name: hb, uplink: fab, vtep: 192.0.2.2 } ]\n"      /* 10 */

/* A VXLAN uplink, a remote host and a VM behind it (an endpoint after the
 * uplinks, routable by name), a VNIC with a VNI; a migration to the
 * remote host is a move behind its uplink. */
Test(scenario_topology, vxlan_uplinks_and_remote_vms)
{
	struct scenario *c;
	struct pnic_error err;
	const struct scenario_topology *t;
	uint32_t vni = 0;
	int rc = parse(VX_TOPO
		       "  remote_vms: [ { name: rb, host: hb, mac: '02:00:00:00:00:0b', ipv4: 10.0.0.2, vni: 100 } ]\n"
		       "events: [ { at_ns: 5, migrate: { vnic: a, to: hb } } ]\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	t = &c->topo;
	cr_assert_eq(t->vnics[0].v.vni, 100);
	cr_assert_eq(t->uplinks[0].v.vtep_ipv4, 0xc0000201u);
	cr_assert_eq(t->uplinks[0].v.vtep_mac, 0x02000000aa01ull);
	cr_assert_eq(t->uplinks[0].v.next_hop_mac, 0x02000000aafeull);
	cr_assert_eq(t->uplinks[0].v.ppid, 1);
	cr_assert_eq(t->n_remote_hosts, 1);
	cr_assert_eq(t->remote_hosts[0].v.vtep_ipv4, 0xc0000202u);
	cr_assert_eq(t->remote_vms[0].v.host, 0);
	cr_assert_eq(t->remote_vms[0].v.vni, 100);
	cr_assert_eq(scenario_endpoint(c, "rb"), 2, "after the VNIC and the uplink");
	cr_assert_eq(c->events[0].kind, SCENARIO_EV_MIGRATE_REMOTE);
	cr_assert_eq(c->events[0].host, 0);
	cr_assert_eq(c->events[0].ppid, 1, "behind the uplink's port");
	/* where frames come from: the remote VM always, the VNIC after its move */
	cr_assert_eq(scenario_remote_source(c, 0x02000000000bull, 0, &vni), 0);
	cr_assert_eq(vni, 100);
	cr_assert_eq(scenario_attachment(c, 0x02000000000bull, 0), 1);
	cr_assert_eq(scenario_remote_source(c, 0x02000000000aull, 4, &vni), -1);
	cr_assert_eq(scenario_remote_source(c, 0x02000000000aull, 5, &vni), 0);
	cr_assert_eq(scenario_attachment(c, 0x02000000000aull, 5), 1);
	scenario_destroy(c);
}

Test(scenario_topology, vxlan_refusals)
{
	static const struct scenario_bad bads[] = {
		{ VX_TOPO "  remote_vms: [ { name: rb, host: hx, mac: '02:00:00:00:00:0b', ipv4: 10.0.0.2, vni: 1 } ]\n",
		  11, 35, "topology.remote_vms[0].host", "remote host" },
		{ VX_TOPO "  remote_vms: [ { name: rb, host: hb, mac: '02:00:00:00:00:0b', ipv4: 10.0.0.2, vni: 0 } ]\n",
		  11, 86, "topology.remote_vms[0].vni", "" },
		{ VX_TOPO "  remote_vms: [ { name: hb, host: hb, mac: '02:00:00:00:00:0b', ipv4: 10.0.0.2, vni: 1 } ]\n",
		  11, 25, "topology.remote_vms[0].name", "already" },
		{ VX_TOPO "  remote_vms: [ { name: rb, host: hb, mac: '02:00:00:00:00:0b', ipv4: '2001:db8::1', vni: 1 } ]\n",
		  11, 71, "topology.remote_vms[0].ipv4", "IPv4" },
	};

	scenario_check_bads(bads, sizeof bads / sizeof bads[0], SCENARIO_TEST_FILE);
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
