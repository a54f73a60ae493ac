/* The FPAG over a NIC in process: VXLAN uplinks (host/fpag_vxlan.c, and
 * the moves of host/fpag_topo.c to and from a remote host): encap toward
 * remote VMs, decap by VNI and inner 5-tuple, IPv4 and IPv6 tenants. */
#include "tests/host/fpag_rig.h"

/* ---- VXLAN uplinks ------------------------------------------------------- */

/* PPID 3 is a VXLAN uplink (VTEP 192.0.2.1); remote host 0 (VTEP
 * 192.0.2.2) has VM 9 (10.0.0.9 and 2001:db8::9, VNI 100), endpoint 4 (3
 * VNIC slots, one uplink).  VNICs 0 and 1 are in VNI 100; with v6_tenants
 * VNIC d also has 2001:db8::(d + 1) and the datagrams are IPv6. */
#define RVM_IP IP(10, 0, 0, 9)
static bool v6_tenants;

static struct ruleset_ip v6_of(unsigned n)
{
	return (struct ruleset_ip){ .hi = 0x20010db800000000ull, .lo = n };
}
static struct fpag_vnic vx_vnics[3];
static const struct fpag_uplink vx_up = {
	.id = 20, .ppid = 3, .vtep_mac = MAC(20), .vtep_ipv4 = IP(192, 0, 2, 1),
	.next_hop_mac = MAC(21),
};
static const struct fpag_remote_host vx_host = { .id = 30, .uplink = 0,
						 .vtep_ipv4 = IP(192, 0, 2, 2) };
static const struct fpag_remote_vm vx_vm = {
	.id = 40, .host = 0, .mac = MAC(9), .has_ipv4 = true, .ipv4 = RVM_IP,
	.has_ipv6 = true, .ipv6 = { .hi = 0x20010db800000000ull, .lo = 9 }, .vni = 100,
};

static void tune_vxlan(struct nic_params *np, struct fpag_params *fpp)
{
	memcpy(vx_vnics, vnics, sizeof vx_vnics);
	vx_vnics[0].vni = vx_vnics[1].vni = 100;
	for (unsigned d = 0; v6_tenants && d < 3; d++) {
		vx_vnics[d].has_ipv6 = true;
		vx_vnics[d].ipv6 = v6_of(d + 1);
	}
	np->profile = fpp->profile = key_profile_vxlan();
	fpp->vnics = vx_vnics;
	fpp->uplinks = &vx_up;
	fpp->n_uplinks = 1;
	fpp->remote_hosts = &vx_host;
	fpp->n_remote_hosts = 1;
	fpp->remote_vms = &vx_vm;
	fpp->n_remote_vms = 1;
}

/* make_rules plus a route to the remote VM (endpoint 4). */
static void vx_rules(void)
{
	struct pnic_error err;
	uint32_t id;

	make_rules();
	cr_assert_eq(ruleset_l3_add(rs, ruleset_ip_v4(RVM_IP), 128, 4, &id, NULL, NULL,
				    NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(ruleset_l3_add(rs, v6_of(9), 128, 4, &id, NULL, NULL, NULL, &err),
		     0, "%s", err.msg);
	for (uint32_t d = 0; v6_tenants && d < 3; d++)
		cr_assert_eq(ruleset_l3_add(rs, v6_of(d + 1), 128, d, &id, NULL, NULL,
					    NULL, &err), 0, "%s", err.msg);
}

static void put_v6(uint8_t b[16], struct ruleset_ip a)
{
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(a.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(a.lo >> (56 - 8 * i));
	}
}

/* The IPv6 header of a tenant's datagram from VM s to VM d (9: the
 * remote VM, else VNIC n as 2001:db8::(n + 1)). */
static uint32_t ipv6_hdr(struct frame_buf *f, unsigned s, unsigned d)
{
	struct frame_ipv6 ip = { .next = UDP, .hop_limit = 64 };

	put_v6(ip.src, v6_of(s == 9 ? 9 : s + 1));
	put_v6(ip.dst, v6_of(d == 9 ? 9 : d + 1));
	return frame_ipv6(f, &ip);
}

/* A UDP datagram from VM s to VM d (9: the remote VM, else a VNIC), into
 * f at its offset: IPv4, or IPv6 with v6_tenants. */
static void udp_frame(struct frame_buf *f, unsigned s, unsigned d,
		      uint16_t sport, uint16_t dport)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = UDP };
	uint8_t dm[6], sm[6];
	uint32_t l3, l4;

	mac_of(d, dm);
	mac_of(s, sm);
	put32(ip.src, s == 9 ? RVM_IP : vnics[s].ipv4);
	put32(ip.dst, d == 9 ? RVM_IP : vnics[d].ipv4);
	frame_eth(f, dm, sm, v6_tenants ? 0x86dd : 0x0800);
	l3 = v6_tenants ? ipv6_hdr(f, s, d) : frame_ipv4(f, &ip);
	l4 = frame_udp(f, sport, dport);
	frame_fill(f, 0, 8);
	frame_udp_end(f, l4);
	if (v6_tenants)
		frame_ipv6_end(f, l3);
	else
		frame_ipv4_end(f, l3, true);
	frame_l4_csum(f, l3, l4);
}

/* The remote VM's datagram to VNIC d, as it arrives over the underlay:
 * VXLAN from VTEP 192.0.2.2 in VNI 100. */
static void send_tunnelled(unsigned d, uint16_t sport)
{
	struct frame_ipv4 ip = { .ttl = 64, .proto = UDP };
	uint8_t b[FMAX], dm[6], sm[6];
	struct frame_buf f;
	struct pnic_error err;
	uint32_t l3, l4;

	mac_of(20, dm);
	mac_of(21, sm);
	put32(ip.src, IP(192, 0, 2, 2));
	put32(ip.dst, IP(192, 0, 2, 1));
	frame_init(&f, b, FMAX);
	frame_eth(&f, dm, sm, 0x0800);
	l3 = frame_ipv4(&f, &ip);
	l4 = frame_udp(&f, 49152, 4789);
	frame_vxlan(&f, 100);
	udp_frame(&f, 9, d, sport, 5001);
	frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	cr_assert(!f.overflow);
	now += 1000;
	nic_process(nic, 3, b, f.n, f.n, now);
	for (unsigned i = 0; i < nq; i++)
		cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len,
				       now, &err), 0, "%s", err.msg);
	nq = 0;
}

/* VNIC s's datagram to the remote VM. */
static void send_to_remote(unsigned s, uint16_t sport)
{
	uint8_t b[FMAX];
	struct frame_buf f;
	struct pnic_error err;

	frame_init(&f, b, FMAX);
	udp_frame(&f, s, 9, sport, 5001);
	now += 1000;
	nic_process(nic, at[s], b, f.n, f.n, now);
	for (unsigned i = 0; i < nq; i++)
		cr_assert_eq(fpag_miss(fp, q[i].in_port, q[i].b, q[i].len, q[i].len,
				       now, &err), 0, "%s", err.msg);
	nq = 0;
}

/* What left PPID p last: a VXLAN frame to VTEP 192.0.2.2 in VNI vni
 * carrying a frame to MAC(dmac), or (vni 0) a bare frame to MAC(dmac). */
static void expect_out(unsigned p, uint32_t vni, unsigned dmac)
{
	struct parser_result pr;
	const struct pkt_hdrs *h;

	parser_parse(last_out[p].b, last_out[p].len, last_out[p].len, &pr);
	cr_assert_eq(pr.status, PARSE_OK);
	cr_assert_eq(pr.tunnel == TUNNEL_VXLAN, vni != 0, "tunnelled: %d", pr.tunnel);
	h = vni ? &pr.inner : &pr.outer;
	if (vni) {
		cr_assert_eq(pr.vni, vni);
		cr_assert_eq(pr.outer.dst_ip[15], 2, "to VTEP 192.0.2.2");
		cr_assert_eq(pr.outer.src_ip[15], 1, "from ours");
	}
	cr_assert_eq(last_out[p].b[h->l2_off + 5], (uint8_t)MAC(dmac));
}

Test(fpag_vxlan, to_a_remote_vm_encapsulated, .fini = teardown_all)
{
	const struct fpag_stats *st;

	tune = tune_vxlan;
	rules_fn = vx_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	cr_assert_eq(st->templates, 1);
	send_to_remote(0, 1000);
	cr_assert_eq(st->encaps, 1, "the packet-out is encapsulated on the host");
	cr_assert_eq(egress[3], 1);
	expect_out(3, 100, 9);
	cr_assert_eq(st->installs, 1);
	send_to_remote(0, 1000);
	cr_assert_eq(dps()->hits, 1, "the entry encapsulates on the NIC");
	cr_assert_eq(egress[3], 2);
	expect_out(3, 100, 9);
}

Test(fpag_vxlan, from_the_uplink_by_vni_and_inner_headers, .fini = teardown_all)
{
	const struct fpag_stats *st;

	tune = tune_vxlan;
	rules_fn = vx_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	send_tunnelled(0, 2000);
	cr_assert_eq(st->tunnel_misses, 1);
	cr_assert_eq(st->decaps, 1);
	cr_assert_eq(egress[0], 1, "decapsulated to VNIC 0's port");
	expect_out(0, 0, 0);
	cr_assert_eq(st->installs, 1, "inexpressible %llu spoofed %llu refused %llu full %llu",
		     (unsigned long long)st->inexpressible, (unsigned long long)st->spoofed,
		     (unsigned long long)st->register_refused, (unsigned long long)st->table_full);
	send_tunnelled(0, 2000);
	cr_assert_eq(dps()->hits, 1, "matched by VNI and inner 5-tuple");
	cr_assert_eq(egress[0], 2);
	expect_out(0, 0, 0);
	send_tunnelled(0, 2001);
	cr_assert_eq(dps()->hits, 1, "another inner flow misses");
	cr_assert_eq(st->installs, 2);
	/* a local flow with the same outer protocol is not taken for VXLAN */
	send(0, 1, UDP, 4789, 5001, 0);
	cr_assert_eq(st->installs, 3);
	cr_assert_eq(egress[1], 1);
}

/* VNIC 1 moves behind remote host 0: its entries are rewritten with the
 * encap first, then its VPID maps to the uplink. */
Test(fpag_vxlan, a_vnic_moves_to_a_remote_host, .fini = teardown_all)
{
	const struct fpag_stats *st;
	struct pnic_error err;
	uint32_t cmds;

	tune = tune_vxlan;
	rules_fn = vx_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	send(0, 1, UDP, 1000, 5001, 0);
	send(0, 1, UDP, 1001, 5001, 0);
	cr_assert_eq(st->installs, 2);
	cr_assert_eq(fpag_migrate_remote(fp, 1, 0, &cmds, &err), 0, "%s", err.msg);
	cr_assert_eq(cmds, 3, "2 rewrites and the map write; the template exists");
	at[1] = 3;
	send(0, 1, UDP, 1000, 5001, 0);
	send(0, 1, UDP, 1001, 5001, 0);
	cr_assert_eq(dps()->hits, 2, "both flows follow, on the fast path");
	cr_assert_eq(egress[3], 2);
	expect_out(3, 100, 1);
	cr_assert_eq(fpag_migrate_remote(fp, 2, 0, &cmds, &err), -EINVAL, "VNIC 2 has no VNI");
	cr_assert_eq(fpag_migrate_remote(fp, 1, 7, &cmds, &err), -ENOENT);
}

/* Two flows from VNIC 0 to VNIC 1 and one from the remote VM to it, then
 * VNIC 1 behind remote host 0 (the remote VM's flow is remote to remote
 * there: it drops). */
static void vnic1_offloaded_then_remote(uint32_t want_cmds)
{
	const struct fpag_stats *st = fpag_stats(fp);
	struct pnic_error err;
	uint32_t cmds;

	send(0, 1, UDP, 1000, 5001, 0);
	send(0, 1, UDP, 1001, 5001, 0);
	send_tunnelled(1, 2000);
	cr_assert_eq(st->installs, 3);
	cr_assert_eq(fpag_migrate_remote(fp, 1, 0, &cmds, &err), 0, "%s", err.msg);
	cr_assert_eq(cmds, want_cmds);
	at[1] = 3;
	cr_assert_eq(egress[1], 3);
	send_tunnelled(1, 2000);
	cr_assert_eq(egress[1] + egress[2] + egress[3], 3, "remote to remote: not carried");
}

/* ... and back to a local port: the entries lose their encap (and the
 * remote VM's regains its decap), in VPID mode after the map write. */
static void vnic1_comes_back(enum fpag_flow_dest mode)
{
	const struct fpag_stats *st;
	struct pnic_error err;
	uint32_t cmds, hits;

	tune = tune_vxlan;
	rules_fn = vx_rules;
	setup(mode, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	vnic1_offloaded_then_remote(mode == FPAG_DEST_VPID ? 4 : 3);
	cr_assert_eq(fpag_migrate(fp, 1, 2, &cmds, &err), 0, "%s", err.msg);
	cr_assert_eq(cmds, mode == FPAG_DEST_VPID ? 4 : 3, "the map write (vpid) and 3 rewrites");
	at[1] = 2;
	hits = (uint32_t)dps()->hits;
	send(0, 1, UDP, 1000, 5001, 0);
	expect_out(2, 0, 1);
	send(0, 1, UDP, 1001, 5001, 0);
	send_tunnelled(1, 2000);
	expect_out(2, 0, 1);
	cr_assert_eq(dps()->hits, hits + 3, "all three on the fast path");
	cr_assert_eq(egress[2], 3);
	cr_assert_eq(st->installs, 3);
	cr_assert_eq(st->migrations, 1);
	cr_assert_eq(fpag_migrate(fp, 1, 2, &cmds, &err), 0);
	cr_assert_eq(cmds, 0, "already there");
}

Test(fpag_vxlan, a_vnic_moves_back_from_a_remote_host, .fini = teardown_all)
{
	vnic1_comes_back(FPAG_DEST_VPID);
}

Test(fpag_vxlan, a_vnic_moves_back_from_a_remote_host_ppid, .fini = teardown_all)
{
	vnic1_comes_back(FPAG_DEST_PPID);
}

/* Remote host 1 behind the same uplink: the move from host 0 to host 1
 * rewrites the template of each entry and needs no map write. */
static const struct fpag_remote_host vx_hosts2[2] = {
	{ .id = 30, .uplink = 0, .vtep_ipv4 = IP(192, 0, 2, 2) },
	{ .id = 31, .uplink = 0, .vtep_ipv4 = IP(192, 0, 2, 3) },
};

static void tune_vxlan2(struct nic_params *np, struct fpag_params *fpp)
{
	tune_vxlan(np, fpp);
	fpp->remote_hosts = vx_hosts2;
	fpp->n_remote_hosts = 2;
}

Test(fpag_vxlan, a_vnic_moves_from_one_remote_host_to_another, .fini = teardown_all)
{
	const struct fpag_stats *st;
	struct pnic_error err;
	struct parser_result pr;
	uint32_t cmds;

	tune = tune_vxlan2;
	rules_fn = vx_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	vnic1_offloaded_then_remote(4);
	cr_assert_eq(fpag_migrate_remote(fp, 1, 1, &cmds, &err), 0, "%s", err.msg);
	cr_assert_eq(cmds, 4, "a template for (host 1, VNI 100) and 3 rewrites; same uplink, no map write");
	cr_assert_eq(st->templates, 2);
	cr_assert_eq(st->remote_moves, 2);
	send(0, 1, UDP, 1000, 5001, 0);
	parser_parse(last_out[3].b, last_out[3].len, last_out[3].len, &pr);
	cr_assert_eq(pr.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(pr.outer.dst_ip[15], 3, "to host 1's VTEP, 192.0.2.3");
	cr_assert_eq(fpag_migrate_remote(fp, 1, 1, &cmds, &err), 0);
	cr_assert_eq(cmds, 0, "already there");
}

Test(fpag_vxlan, refused_without_a_terminating_profile, .fini = teardown_all)
{
	struct fpag_params fpp = {
		.profile = key_profile_default(), .depth = DEPTH, .n_ports = PORTS,
		.vnics = vnics, .n_vnics = 3, .uplinks = &vx_up, .n_uplinks = 1,
	};
	struct pnic_error err;
	struct fpag *f = NULL;

	make_rules();
	fpp.rules = rs;
	fpp.sink = (struct nic_cmd_sink){ .submit = NULL };
	cr_assert_eq(nic_create(&(struct nic_params){ .profile = key_profile_default(),
						       .depth = DEPTH, .n_ports = PORTS,
						       .n_vpids = 16 }, &nic, &err), 0);
	fpp.sink = nic_sink(nic);
	cr_assert_eq(fpag_create(&fpp, &f, &err), -EINVAL);
	cr_assert(strstr(err.msg, "terminate"), "%s", err.msg);
	fpp.profile = key_profile_vxlan();
	fpp.remote_hosts = &(struct fpag_remote_host){ .uplink = 1 };
	fpp.n_remote_hosts = 1;
	cr_assert_eq(fpag_create(&fpp, &f, &err), -EINVAL);
	cr_assert(strstr(err.msg, "no VXLAN uplink"), "%s", err.msg);
}

/* IPv6 tenants over the IPv4 underlay: the vxlan profile terminates, so
 * the entries match the tenant's 128-bit addresses, from the uplink
 * (decapsulating) and toward it (encapsulating). */
Test(fpag_vxlan, ipv6_tenants_both_ways, .fini = teardown_all)
{
	const struct fpag_stats *st;

	v6_tenants = true;
	tune = tune_vxlan;
	rules_fn = vx_rules;
	setup(FPAG_DEST_VPID, FPAG_SHAPE_EXACT);
	st = fpag_stats(fp);
	send_tunnelled(0, 2000);
	cr_assert_eq(st->tunnel_refused, 0);
	cr_assert_eq(st->decaps, 1);
	cr_assert_eq(st->installs, 1, "spoofed %llu inexpressible %llu",
		     (unsigned long long)st->spoofed, (unsigned long long)st->inexpressible);
	send_tunnelled(0, 2000);
	cr_assert_eq(dps()->hits, 1, "matched by VNI and the inner IPv6 5-tuple");
	cr_assert_eq(egress[0], 2);
	expect_out(0, 0, 0);
	send_to_remote(0, 1000);
	send_to_remote(0, 1000);
	cr_assert_eq(st->installs, 2);
	cr_assert_eq(dps()->hits, 2, "encapsulated on the NIC");
	cr_assert_eq(egress[3], 2);
	expect_out(3, 100, 9);
	send_tunnelled(0, 2001);
	cr_assert_eq(dps()->hits, 2, "another inner flow misses");
}
