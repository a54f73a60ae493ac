#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/pcap_out.h"
#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

/* A folder holding an (empty) capture that the scenarios name, so input
 * paths resolve, and files that are not captures; scenarios are parsed as
 * if they were DIR/test.yaml. */
static char dir[64];
static char cfgname[128];
static const char *const files[] = {
	"in.pcap", "empty.pcap", "text.pcap", "fifo.pcap", "ng.pcapng",
	"swapped.pcap", "locked.pcap", "c2s.pcap", "s2c.pcap",
};

static void put_file(const char *name, const void *bytes, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

/* A capture of one 60-byte frame stamped ts ns. */
static void one_frame(const char *name, uint64_t ts)
{
	static const uint8_t f[60];
	struct pcap_out *o;
	char path[128];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert_eq(pcap_out_open(path, &o, NULL), 0);
	pcap_out_write(o, f, sizeof f, sizeof f, ts);
	cr_assert_eq(pcap_out_close(o, NULL), 0);
}

static void setup(void)
{
	struct pcap_out *o;
	char path[128];

	snprintf(dir, sizeof dir, "/tmp/pnic-rc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/in.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, NULL), 0);
	pcap_out_close(o, NULL);
	put_file("empty.pcap", "", 0);
	put_file("text.pcap", "tcam: { depth: 64 }\n", 20);
	put_file("ng.pcapng", "\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a", 12);
	put_file("swapped.pcap", "\xa1\xb2\x3c\x4d\0\x02\0\x04", 8);
	put_file("locked.pcap", "\xd4\xc3\xb2\xa1", 4);
	snprintf(path, sizeof path, "%s/locked.pcap", dir);
	cr_assert_eq(chmod(path, 0), 0);
	snprintf(path, sizeof path, "%s/fifo.pcap", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	snprintf(cfgname, sizeof cfgname, "%s/test.yaml", dir);
	one_frame("c2s.pcap", 1700000000000005000ull);
	one_frame("s2c.pcap", 1700000000000055000ull);
}

static void teardown(void)
{
	char path[128];

	cr_assert_eq(seteuid(getuid()), 0);

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

TestSuite(scenario, .init = setup, .fini = teardown);

#define BASE \
	"tcam: { depth: 64, miss: to_host }\n"            /* line 1 */ \
	"ports:\n"                                        /* line 2 */ \
	"  - { ppid: 0, name: up0 }\n"                    /* line 3 */ \
	"  - { ppid: 1, name: up1 }\n"                    /* line 4 */ \
	"  - { ppid: 2, name: vf0 }\n"                    /* line 5 */ \
	"vpid_map:\n"                                     /* line 6 */ \
	"  n_vpids: 16\n"                                 /* line 7 */ \
	"  unmapped: drop\n"                              /* line 8 */ \
	"  map: [ { vpid: 1, ppid: up1 }, { vpid: 2, ppid: 2 } ]\n" /* 9 */ \
	"inputs: [ { pcap: in.pcap, in_port: up0 } ]\n"   /* line 10 */

static int parse(const char *text, struct scenario **c,
		 struct pnic_error *err)
{
	pnic_error_clear(err);
	return scenario_parse(text, strlen(text), cfgname, c, err);
}

/* Captures of one conversation, one per direction: on the shared clock
 * the second starts 50 us after the first, as its stamps say; `clock:
 * own` starts it at 0; line-rate inputs have no lead. */
Test(scenario, inputs_share_one_clock)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse("tcam: { depth: 64 }\nports: [ { ppid: 0 }, { ppid: 1 } ]\n"
		       "vpid_map: { n_vpids: 4 }\n"
		       "inputs: [ { pcap: s2c.pcap, in_port: 1 },\n"
		       "          { pcap: c2s.pcap, in_port: 0, multiplier: 2 },\n"
		       "          { pcap: s2c.pcap, in_port: 1, clock: own },\n"
		       "          { pcap: s2c.pcap, in_port: 1, pace: line_rate },\n"
		       "          { pcap: in.pcap, in_port: 1 } ]\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->inputs[0].lead_ns, 50000, "50 us after the earliest");
	cr_assert_eq(c->inputs[1].lead_ns, 0, "the earliest is time 0");
	cr_assert(c->inputs[2].own_clock);
	cr_assert_eq(c->inputs[2].lead_ns, 0);
	cr_assert_eq(c->inputs[3].lead_ns, 0);
	cr_assert_eq(c->inputs[4].lead_ns, 0, "no frame: no lead");
	scenario_destroy(c);
}

Test(scenario, good_minimal)
{
	struct scenario *c;
	struct pnic_error err;
	int rc = parse(BASE, &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->tcam_depth, 64);
	cr_assert_eq(c->miss, DP_MISS_TO_HOST);
	cr_assert_eq(c->n_ports, 3);
	cr_assert_eq(c->n_ppids, 3);
	cr_assert_str_eq(scenario_port_name(c, 2), "vf0");
	cr_assert_eq(c->n_vpids, 16);
	cr_assert_eq(c->n_maps, 2);
	cr_assert_eq(c->maps[0].ppid, 1);
	cr_assert_eq(c->n_flows, 0);
	cr_assert_eq(c->n_inputs, 1);
	cr_assert_eq(c->inputs[0].in_port, 0);
	cr_assert_eq(c->inputs[0].loops, 1);
	cr_assert_eq(c->inputs[0].pace, SCENARIO_PACE_TRACE);
	cr_assert_eq(c->inputs[0].multiplier, 1.0);
	cr_assert(strstr(c->inputs[0].path, dir) == c->inputs[0].path);
	cr_assert_eq(c->profile, key_profile_default());
	scenario_destroy(c);
}

/* Line rates and the PCIe link: what is written, the defaults elsewhere. */
Test(scenario, good_speeds_and_pcie)
{
	struct scenario *c;
	struct pnic_error err;
	struct pcie_params d = pcie_defaults();
	int rc = parse("tcam: { depth: 64 }\n"
		       "ports: [ { ppid: 0, speed: 400G }, { ppid: 1, speed: 25G },\n"
		       "         { ppid: 2, speed: 2500M }, { ppid: 3 } ]\n"
		       "vpid_map: { n_vpids: 4 }\n"
		       "inputs: [ { pcap: in.pcap, in_port: 0, multiplier: 2.5 },\n"
		       "          { pcap: in.pcap, in_port: 1, pace: line_rate } ]\n"
		       "pcie: { gen: 5, lanes: 16, read_rtt_ns: 900 }\n", &c, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(c->ports[0].bps, 400000000000ull);
	cr_assert_eq(c->ports[1].bps, 25000000000ull);
	cr_assert_eq(c->ports[2].bps, 2500000000ull);
	cr_assert_eq(c->ports[3].bps, 0, "not given");
	cr_assert_eq(c->inputs[0].pace, SCENARIO_PACE_TRACE);
	cr_assert_eq(c->inputs[0].multiplier, 2.5);
	cr_assert_eq(c->inputs[1].pace, SCENARIO_PACE_LINE_RATE);
	cr_assert_eq(c->pcie.gen, 5);
	cr_assert_eq(c->pcie.lanes, 16);
	cr_assert_eq(c->pcie.read_rtt_ns, 900);
	cr_assert_eq(c->pcie.mps, d.mps, "the others at their defaults");
	cr_assert_eq(c->pcie.write_ns, d.write_ns);
	scenario_destroy(c);
	cr_assert_eq(parse(BASE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(memcmp(&c->pcie, &d, sizeof d), 0, "no pcie: the defaults");
	scenario_destroy(c);
}

Test(scenario, good_flows_and_templates)
{
	const char *text = BASE
		"encap_templates:\n"
		"  - { id: 3, name: dc2, eth_dst: 02:00:00:00:00:aa, eth_src: 02:00:00:00:00:bb,\n"
		"      src_ip: 192.0.2.1, dst_ip: 198.51.100.7, udp_src: 1234, vni: 5000 }\n"
		"  - { id: 4, eth_dst: 02:00:00:00:00:aa, eth_src: 02:00:00:00:00:bb, vlan: 7,\n"
		"      src_ip: 2001:db8::1, dst_ip: 2001:db8::2, vni: 1 }\n"
		"flows:\n"
		"  - match: { src_ip: 10.0.0.0/8, ip_proto: tcp, l4_dst: 80, in_port: up0 }\n"
		"    action: { forward: 1, count: true, dec_ttl: true, dscp: 46 }\n"
		"  - index: 10\n"
		"    match: { vni: 5000, tcp_flags: { value: 0x02, mask: 0x12 } }\n"
		"    action: { forward: 2, vxlan_decap: true, mirror: 3, age_class: 3, notify_end: true }\n"
		"  - match: { dst_ip: 2001:db8::/32 }\n"
		"    action: { forward: 2, vxlan_encap: dc2, vlan_push: 100, vlan_pcp: 5 }\n"
		"  - value: 0x1f\n"
		"    mask: 0xff\n"
		"    action: drop\n"
		"  - action: to_host\n"
		"output: out\n";
	const struct key_profile *p = key_profile_default();
	struct scenario *c;
	struct pnic_error err;
	struct key_profile_fields f;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->n_templates, 2);
	cr_assert_eq(c->templates[0].t.len, 14 + 20 + 8 + 8);
	cr_assert_eq(c->templates[1].t.len, 18 + 40 + 8 + 8);
	cr_assert_eq(c->templates[0].t.bytes[12], 0x08);
	/* VNI 5000 = 0x001388 at the VXLAN header's bytes 4..6 */
	cr_assert_eq(c->templates[0].t.bytes[42 + 5], 0x13);
	cr_assert_eq(c->templates[0].t.bytes[42 + 6], 0x88);
	cr_assert_eq(c->n_flows, 5);
	cr_assert_eq(c->flows[0].index, 0);
	cr_assert_eq(c->flows[1].index, 10);
	cr_assert_eq(c->flows[2].index, 11, "list order continues after an index");
	cr_assert_eq(c->flows[3].index, 12);
	cr_assert_eq(c->flows[4].index, 13);

	key_profile_unpack(p, &c->flows[0].value, &f);
	cr_assert_eq(f.lo[KP_SRC_IP], 0x0000ffff0a000000ull);
	cr_assert_eq(f.lo[KP_IP_PROTO], 6);
	cr_assert_eq(f.lo[KP_L4_DST], 80);
	key_profile_unpack(p, &c->flows[0].mask, &f);
	cr_assert_eq(f.lo[KP_SRC_IP], 0xffffffffff000000ull);
	cr_assert_eq(f.hi[KP_SRC_IP], ~0ull);
	cr_assert_eq(f.lo[KP_L4_SRC], 0, "unnamed fields are wildcards");
	cr_assert_eq(f.lo[KP_IN_PORT], 0xffff);
	cr_assert_eq(c->flows[0].action.kind, ACT_FORWARD);
	cr_assert_eq(c->flows[0].action.vpid, 1);
	cr_assert(c->flows[0].action.count && c->flows[0].action.dec_ttl);
	cr_assert(c->flows[0].action.set_dscp && c->flows[0].action.dscp == 46);

	key_profile_unpack(p, &c->flows[1].mask, &f);
	cr_assert_eq(f.lo[KP_TCP_FLAGS], 0x12);
	cr_assert_eq(f.lo[KP_VNI], 0xffffff);
	cr_assert_eq(c->flows[1].action.tunnel_op, TUNNEL_OP_VXLAN_DECAP);
	cr_assert(c->flows[1].action.mirror && c->flows[1].action.mirror_vpid == 3);
	cr_assert_eq(c->flows[1].action.age_class, 3);
	cr_assert(c->flows[1].action.notify_end);
	cr_assert_eq(c->flows[0].action.age_class, 0, "never ages by default");
	cr_assert_not(c->flows[0].action.notify_end);

	key_profile_unpack(p, &c->flows[2].mask, &f);
	cr_assert_eq(f.hi[KP_DST_IP], 0xffffffff00000000ull);
	cr_assert_eq(f.lo[KP_DST_IP], 0);
	cr_assert_eq(c->flows[2].action.tunnel_op, TUNNEL_OP_VXLAN_ENCAP);
	cr_assert_eq(c->flows[2].action.encap_id, 3);
	cr_assert_eq(c->flows[2].action.vlan_op, VLAN_OP_PUSH);
	cr_assert_eq(c->flows[2].action.vlan_tci, (5 << 13) | 100);

	cr_assert_eq(c->flows[3].value.w[0], 0x1f);
	cr_assert_eq(c->flows[3].mask.w[0], 0xff);
	cr_assert_eq(c->flows[3].action.kind, ACT_DROP);
	cr_assert_eq(c->flows[4].action.kind, ACT_TO_HOST);
	cr_assert_eq(c->flows[4].mask.w[0], 0, "no match: catch-all");
	cr_assert_not_null(c->out_dir);
	scenario_destroy(c);
}

Test(scenario, good_custom_profile)
{
	const char *text = BASE
		"key_profile:\n"
		"  name: small\n"
		"  fields: [ { field: src_ip, width: 32 }, { field: l4_dst } ]\n"
		"flows:\n"
		"  - { match: { src_ip: 10.1.2.3, l4_dst: 53 }, action: drop }\n";
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c->profile->name, "small");
	cr_assert_eq(c->profile->key_bits, 48);
	cr_assert_eq(c->flows[0].value.w[0], (53ull << 32) | 0x0a010203u);
	cr_assert_eq(c->flows[0].mask.w[0], 0xffffffffffffull);
	cr_assert(!c->profile->terminate);
	scenario_destroy(c);
}

/* terminate: the fields read a VXLAN frame's inner headers; inner fields
 * beside it are refused, with the reason. */
Test(scenario, custom_profile_that_terminates)
{
	const char *text = BASE
		"key_profile:\n"
		"  terminate: true\n"
		"  fields: [ { field: vni }, { field: src_ip }, { field: l4_dst } ]\n";
	const char *bad = BASE
		"key_profile:\n"
		"  terminate: true\n"
		"  fields: [ { field: vni }, { field: inner_src_ip } ]\n";
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert(c->profile->terminate);
	scenario_destroy(c);
	cr_assert_lt(parse(bad, &c, &err), 0);
	cr_assert(strstr(err.msg, "terminate"), "%s", err.msg);
}

/* Every number is decimal or 0x hex, and a leading zero is decimal (as
 * in YAML 1.2's core schema), never octal: 0443 is port 443, not 291. */
Test(scenario, leading_zero_is_decimal)
{
	const char *text =
		"tcam: { depth: 0100 }\n"
		"ports: [ { ppid: 00 }, { ppid: 010, name: up } ]\n"
		"vpid_map: { n_vpids: 016, map: [ { vpid: 09, ppid: 010 } ] }\n"
		"encap_templates:\n"
		"  - { id: 07, eth_dst: 02:00:00:00:00:aa, eth_src: 2:0:0:0:0:bb,\n"
		"      vlan: 0100, src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 0x10 }\n"
		"flows:\n"
		"  - match: { l4_dst: 0443, src_ip: 10.0.0.0/08, in_port: 010 }\n"
		"    action: { forward: 0x0f, vxlan_encap: 07, vlan_push: 080 }\n"
		"  - index: 020\n"
		"    match: { tcp_flags: { value: 010, mask: 0x12 } }\n"
		"    action: drop\n"
		"inputs: [ { pcap: in.pcap, in_port: 010, loops: 010 } ]\n";
	const struct key_profile *p = key_profile_default();
	struct scenario *c;
	struct pnic_error err;
	struct key_profile_fields f;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->tcam_depth, 100);
	cr_assert_eq(c->ports[1].ppid, 10);
	cr_assert_eq(c->n_vpids, 16);
	cr_assert_eq(c->maps[0].vpid, 9);
	cr_assert_eq(c->maps[0].ppid, 10);
	cr_assert_eq(c->templates[0].id, 7);
	cr_assert_eq(c->templates[0].t.bytes[6], 0x02, "MAC bytes of one digit");
	cr_assert_eq(c->templates[0].t.bytes[11], 0xbb);
	cr_assert_eq(c->templates[0].t.bytes[15], 100, "VLAN 0100 is 100");
	key_profile_unpack(p, &c->flows[0].value, &f);
	cr_assert_eq(f.lo[KP_L4_DST], 443);
	cr_assert_eq(f.lo[KP_IN_PORT], 10);
	key_profile_unpack(p, &c->flows[0].mask, &f);
	cr_assert_eq(f.lo[KP_SRC_IP], 0xffffffffff000000ull, "/08 is /8");
	cr_assert_eq(c->flows[0].action.vpid, 15);
	cr_assert_eq(c->flows[0].action.encap_id, 7);
	cr_assert_eq(c->flows[0].action.vlan_tci, 80);
	cr_assert_eq(c->flows[1].index, 20);
	key_profile_unpack(p, &c->flows[1].value, &f);
	cr_assert_eq(f.lo[KP_TCP_FLAGS], 10 & 0x12);
	cr_assert_eq(c->inputs[0].in_port, 10);
	cr_assert_eq(c->inputs[0].loops, 10);
	scenario_destroy(c);
}

/* Each bad scenario must be refused with its line:column and field path in
 * the message. */
static const struct scenario_bad bads[] = {
	{ BASE "tcamm: 1\n", 11, 1, "tcamm", "unknown key" },
	{ BASE "flows:\n  - { match: { src_ip: 10.0.0.0/33 }, action: drop }\n",
	  12, 24, "flows[0].match.src_ip", "prefix" },
	{ BASE "flows:\n  - { match: { src_ipp: 1 }, action: drop }\n",
	  12, 16, "flows[0].match.src_ipp", "unknown key field" },
	{ BASE "flows:\n  - { match: { l4_dst: 70000 }, action: drop }\n",
	  12, 24, "flows[0].match.l4_dst", "16 bits" },
	{ BASE "flows:\n  - { match: { ip_proto: tcpp }, action: drop }\n",
	  12, 26, "flows[0].match.ip_proto", "expected an integer" },
	{ BASE "flows:\n  - { match: { in_port: 7 }, action: drop }\n",
	  12, 25, "flows[0].match.in_port", "not a declared port" },
	{ BASE "flows:\n  - { action: { forward: 16 } }\n",
	  12, 26, "flows[0].action.forward", "0..15" },
	{ BASE "flows:\n  - { action: { forward: 1, drop: true } }\n",
	  12, 15, "flows[0].action", "exactly one" },
	{ BASE "flows:\n  - { action: { forward: 1, mirror: 99 } }\n",
	  12, 37, "flows[0].action.mirror", "0..15" },
	{ BASE "flows:\n  - { action: { forward: 1, dscp: 64 } }\n",
	  12, 35, "flows[0].action.dscp", "0..63" },
	{ BASE "flows:\n  - { action: { forward: 1, age_class: 4 } }\n",
	  12, 40, "flows[0].action.age_class", "0..3" },
	{ BASE "flows:\n  - { action: { forward: 1, notify_end: 2 } }\n",
	  12, 41, "flows[0].action.notify_end", "true or false" },
	{ BASE "flows:\n  - { action: { forward: 1, vxlan_encap: nowhere } }\n",
	  12, 42, "flows[0].action.vxlan_encap", "template" },
	{ BASE "flows:\n  - { action: { forward: 1, vlan_push: 1, vlan_pop: true } }\n",
	  12, 40, "flows[0].action", "exclude" },
	{ BASE "flows:\n  - { action: { forwrd: 1 } }\n",
	  12, 17, "flows[0].action.forwrd", "unknown key" },
	{ BASE "flows:\n  - { index: 64, action: drop }\n",
	  12, 14, "flows[0].index", "0..63" },
	{ BASE "flows:\n  - { index: 5, action: drop }\n  - { index: 5, action: drop }\n",
	  13, 14, "flows[1]", "line 12" },
	{ BASE "flows:\n  - { value: 0x1, action: drop }\n",
	  12, 5, "flows[0]", "together" },
	{ BASE "flows:\n  - { value: 0x1g, mask: 0x1, action: drop }\n",
	  12, 14, "flows[0].value", "hex" },
	{ BASE "flows:\n  - { value: 0x1, mask: 0x10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000, action: drop }\n",
	  12, 25, "flows[0].mask", "372 bits" },
	{ BASE "flows:\n  - { match: { src_ip: 10.0.0.1 } }\n",
	  12, 5, "flows[0]", "missing required key 'action'" },
	{ BASE "flows:\n  - { action: drp }\n",
	  12, 15, "flows[0].action", "expected drop" },
	{ "tcam: { depth: 8 }\n", 1, 16, "tcam.depth", "16..262144" },
	{ "tcam: { depth: 64, miss: maybe }\n", 1, 26, "tcam.miss", "to_host or drop" },
	{ "tcam: { depth: 64 }\nports: []\n", 2, 8, "ports", "at least one" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 }, { ppid: 0 } ]\n",
	  2, 31, "ports[1].ppid", "twice" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\n", 1, 1, "", "missing required key 'vpid_map'" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4, map: [ { vpid: 4, ppid: 0 } ] }\n",
	  3, 40, "vpid_map.map[0].vpid", "0..3" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: 9 } ] }\n",
	  3, 49, "vpid_map.map[0].ppid", "not a declared port" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4, unmapped: lost }\n",
	  3, 35, "vpid_map.unmapped", "drop or to_host" },
	{ BASE "encap_templates:\n  - { eth_dst: 02:00:00:00:00:01, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 2001:db8::1, vni: 1 }\n",
	  12, 89, "encap_templates[0].dst_ip", "same family" },
	{ BASE "encap_templates:\n  - { eth_dst: 02:00:00:00:01, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 1 }\n",
	  12, 16, "encap_templates[0].eth_dst", "MAC" },
	{ BASE "encap_templates:\n  - { eth_dst: 02:00:00:00:00:01, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 16777216 }\n",
	  12, 104, "encap_templates[0].vni", "0..16777215" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\ninputs: [ { pcap: missing.pcap, in_port: 0 } ]\n",
	  4, 19, "inputs[0].pcap", "cannot read" },
#define INPUT(file) "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n" \
		    "inputs: [ { pcap: in.pcap, in_port: 0 },\n  { pcap: " file ", in_port: 0 } ]\n"
	/* inputs[].pcap: a readable regular file that starts like a capture */
	{ INPUT("."), 5, 11, "inputs[1].pcap", "is a folder, not a capture file" },
	{ INPUT("/dev/null"), 5, 11, "inputs[1].pcap", "'/dev/null' is a character device, not a capture file" },
	{ INPUT("fifo.pcap"), 5, 11, "inputs[1].pcap", "is a FIFO, not a capture file" },
	{ INPUT("empty.pcap"), 5, 11, "inputs[1].pcap", "is not a pcap or pcapng file (shorter than a file header)" },
	{ INPUT("text.pcap"), 5, 11, "inputs[1].pcap", "is not a pcap or pcapng file (no capture magic number" },
	{ INPUT("missing/"), 5, 11, "inputs[1].pcap", "cannot read" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\ninputs: [ { pcap: in.pcap, in_port: 3 } ]\n",
	  4, 37, "inputs[0].in_port", "not a declared port" },
	{ "key_profile: fancy\n", 1, 14, "key_profile", "unknown built-in" },
	{ "key_profile: { fields: [ { field: src_ip, width: 129 } ] }\n",
	  1, 50, "key_profile.fields[0].width", "1..128" },
	{ "key_profile: { fields: [ { field: src_ip, offset: 0 }, { field: dst_ip, offset: 64 } ] }\n",
	  1, 14, "key_profile", "overlap" },
	{ "key_profile: ipv4_5tuple\n" BASE "flows:\n  - { match: { vni: 1 }, action: drop }\n",
	  13, 16, "flows[0].match.vni", "not in key profile" },
	{ "key_profile: ipv4_5tuple\n" BASE "flows:\n  - { match: { src_ip: 2001:db8::1 }, action: drop }\n",
	  13, 24, "flows[0].match.src_ip", "IPv6" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 }\n", 3, 1, "", "YAML" },
	{ "tcam: [ 1, 2 ]\n", 1, 7, "tcam", "expected a mapping" },
	{ "- 1\n", 1, 1, "", "expected a mapping" },
	{ "", 1, 1, "", "empty" },
	{ "tcam: { depth: 64, depth: 32 }\n", 1, 20, "tcam.depth", "twice" },
	{ "tcam: { depth: -5 }\n", 1, 16, "tcam.depth", "16..262144" },
	{ "tcam: { depth: 64 }\nparse_errors: ignore\n", 2, 15, "parse_errors", "lookup or drop or to_host" },
	/* numbers: decimal or 0x hex, nothing else */
	{ BASE "flows:\n  - { match: { l4_dst: 0o17 }, action: drop }\n",
	  12, 24, "flows[0].match.l4_dst", "decimal or 0x hex" },
	{ BASE "flows:\n  - { match: { l4_dst: 1_000 }, action: drop }\n",
	  12, 24, "flows[0].match.l4_dst", "decimal or 0x hex" },
	{ BASE "flows:\n  - { match: { vni: 18446744073709551616 }, action: drop }\n",
	  12, 21, "flows[0].match.vni", "does not fit the field's 24 bits" },
	{ BASE "flows:\n  - { action: { forward: 1e1 } }\n",
	  12, 26, "flows[0].action.forward", "expected an integer in 0..15 (decimal or 0x hex), got '1e1'" },
	{ "tcam: { depth: +64 }\n", 1, 16, "tcam.depth", "(decimal or 0x hex), got '+64'" },
	{ "tcam: { depth: 0x }\n", 1, 16, "tcam.depth", "16..262144" },
	/* numbers inside strings */
	{ BASE "flows:\n  - { match: { src_ip: 10.0.0.010 }, action: drop }\n",
	  12, 24, "flows[0].match.src_ip", "must not start with 0" },
	{ BASE "flows:\n  - { match: { src_ip: 10.0.0.0/0x8 }, action: drop }\n",
	  12, 24, "flows[0].match.src_ip", "not a decimal number in 0..32" },
	{ BASE "flows:\n  - { match: { src_ip: 10.0.0.0/ }, action: drop }\n",
	  12, 24, "flows[0].match.src_ip", "not a decimal number" },
	{ BASE "flows:\n  - { match: { dst_ip: \"2001:db8::/+32\" }, action: drop }\n",
	  12, 24, "flows[0].match.dst_ip", "not a decimal number in 0..128" },
	{ BASE "flows:\n  - { value: 10, mask: 0xff, action: drop }\n",
	  12, 14, "flows[0].value", "expected 0x and hex digits" },
	{ BASE "flows:\n  - { value: 0x10, mask: 0x, action: drop }\n",
	  12, 26, "flows[0].mask", "expected 0x and hex digits" },
	{ BASE "encap_templates:\n  - { eth_dst: -1:00:00:00:00:01, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 1 }\n",
	  12, 16, "encap_templates[0].eth_dst", "MAC" },
	{ BASE "encap_templates:\n  - { eth_dst: 0x2:00:00:00:00:01, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 1 }\n",
	  12, 16, "encap_templates[0].eth_dst", "MAC" },
	{ BASE "encap_templates:\n  - { eth_dst: \"02:00:00:00:00: 1\", eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 1 }\n",
	  12, 16, "encap_templates[0].eth_dst", "MAC" },
	/* YAML that no scenario needs: tags, anchors, aliases, more documents */
	{ "tcam: !!map { depth: 64 }\n", 1, 7, "tcam", "tag '!!map'" },
	{ "tcam: { depth: !!int 64 }\n", 1, 16, "tcam.depth", "tag '!!int'" },
	{ "tcam: { depth: !!str 64 }\n", 1, 16, "tcam.depth", "tag '!!str'" },
	{ BASE "flows:\n  - { match: { l4_dst: !port 80 }, action: drop }\n",
	  12, 24, "flows[0].match.l4_dst", "tag '!port'" },
	{ BASE "flows:\n  - { value: !!binary AAE=, mask: 0x1, action: drop }\n",
	  12, 14, "flows[0].value", "tag '!!binary'" },
	{ "tcam: { depth: ! 64 }\n", 1, 16, "tcam.depth", "tag '!'" },
	{ "%TAG !e! tag:example.com,2000:\n---\ntcam: { depth: !e!n 64 }\n",
	  3, 16, "tcam.depth", "tag 'tag:example.com,2000:n'" },
	{ "!!map\ntcam: { depth: 64 }\n", 1, 1, "", "tag '!!map'" },
	{ BASE "flows:\n  - &e { action: drop }\n  - *e\n", 12, 5, "flows[0]", "anchor '&e'" },
	{ BASE "flows:\n  - *e\n", 12, 5, "flows[0]", "alias '*e'" },
	{ "tcam: { depth: 64, miss: \"drop\\0x\" }\n", 1, 26, "tcam.miss", "NUL" },
	{ BASE "---\ntcam: { depth: 32 }\n", 11, 1, "", "second YAML document" },
	{ "---\n" BASE "...\n---\n", 13, 1, "", "second YAML document" },
	{ BASE "...\nports: []\n", 12, 1, "", "YAML syntax" },
	{ BASE "flows:\n  - { match: { l4_dst: { value: [[[[[[[[[[[[ 1 ]]]]]]]]]]]], mask: 1 } }, action: drop }\n",
	  12, 44, "flows[0].match.l4_dst.value[0][0][0][0][0][0][0][0][0][0][0]", "nested more than 16 deep" },
	{ BASE "flows:\n  - { match: { l4_dst: { value: [[[[[[[[[[[ 1 ]]]]]]]]]]], mask: 1 } }, action: drop }\n",
	  12, 33, "flows[0].match.l4_dst.value", "expected an integer" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n"
	  "inputs: [ { pcap: in.pcap, in_port: 0, pace: fast } ]\n", 4, 46,
	  "inputs[0].pace", "trace or line_rate" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n"
	  "inputs: [ { pcap: in.pcap, in_port: 0, clock: wall } ]\n", 4, 47,
	  "inputs[0].clock", "shared or own" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n"
	  "inputs: [ { pcap: in.pcap, in_port: 0, multiplier: 0 } ]\n", 4, 52,
	  "inputs[0].multiplier", "greater than 0" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n"
	  "inputs: [ { pcap: in.pcap, in_port: 0, pace: line_rate, multiplier: 2 } ]\n",
	  4, 69, "inputs[0].multiplier", "pace line_rate has none" },
	{ BASE "pcie: { gen: 6 }\n", 11, 14, "pcie.gen", "generation 6 is not 1..5" },
	{ BASE "pcie: { lanes: 8, mps: 300 }\n", 11, 24, "pcie.mps", "max payload size 300" },
	{ BASE "pcie: { gne: 4 }\n", 11, 9, "pcie.gne", "unknown key" },
	{ BASE "pcie: { read_rtt_ns: -1 }\n", 11, 22, "pcie.read_rtt_ns", "expected an integer" },
	{ BASE "pcie: 4\n", 11, 7, "pcie", "expected a mapping of PCIe link parameters" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0, speed: 100X } ]\n", 2, 28,
	  "ports[0].speed", "line rate in bit/s" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0, speed: 2T } ]\n", 2, 28,
	  "ports[0].speed", "10M to 1600G" },
	{ "tcam: { depth: 64 }\nports: [ { ppid: 0, speed: 9M } ]\n", 2, 28,
	  "ports[0].speed", "got '9M'" },
	{ BASE "encap_templates:\n  - { eth_dst: 02:00:00:00:00:001, eth_src: 02:00:00:00:00:02, src_ip: 10.0.0.1, dst_ip: 10.0.0.2, vni: 1 }\n",
	  12, 16, "encap_templates[0].eth_dst", "MAC" },
};

Test(scenario, bad_scenarios_name_place_and_field)
{
	scenario_check_bads(bads, sizeof bads / sizeof bads[0], cfgname);
}

/* Refused early and cheaply: libyaml's loader took 37 s to refuse this
 * 200 KB file, its time quadratic in the nesting depth. */
Test(scenario, deep_nesting_refused_at_the_limit)
{
	const size_t depth = 100000;
	char *text = malloc(2 * depth + 2);
	struct scenario *c;
	struct pnic_error err;
	struct timespec t0, t1;

	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	strcpy(text + 2 * depth, "\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_lt(parse(text, &c, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_null(c);
	cr_assert_eq(err.line, 1);
	cr_assert_eq(err.column, SCENARIO_MAX_DEPTH + 1);
	cr_assert_not_null(strstr(err.msg, "nested more than 16 deep"), "%s", err.msg);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 2, "took %ld s", (long)(t1.tv_sec - t0.tv_sec));
	free(text);
}

/* A list or mapping may hold SCENARIO_MAX_ITEMS (the most flows a TCAM takes);
 * one more is refused where it appears, before the rest is read. */
static void check_items(const char *open, const char *item, const char *close,
			size_t n, const char *field, const char *words)
{
	size_t cap = strlen(open) + n * (strlen(item) + 16) + 16, len;
	char *text = malloc(cap);
	struct scenario *c;
	struct pnic_error err;

	len = (size_t)snprintf(text, cap, "%s", open);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, item, i);
	snprintf(text + len, cap - len, "%s", close);
	cr_assert_lt(parse(text, &c, &err), 0);
	cr_assert_str_eq(err.field, field);
	cr_assert_not_null(strstr(err.msg, words), "'%s' not in: %s", words, err.msg);
	free(text);
}

Test(scenario, longest_list_and_mapping)
{
	char field[64];

	snprintf(field, sizeof field, "inputs[%d]", SCENARIO_MAX_ITEMS);
	check_items(BASE "inputs: [", "0,", "0]\n", SCENARIO_MAX_ITEMS,
		    field, "more than 262144 items");
	check_items("inputs: [", "0,", "0]\n", SCENARIO_MAX_ITEMS - 1,
		    "", "missing required key 'tcam'");
	check_items("tcam: {", "k%zu: 0,", "z: 0}\n", SCENARIO_MAX_ITEMS,
		    "tcam", "more than 262144 keys");
	check_items("tcam: {", "k%zu: 0,", "z: 0}\n", SCENARIO_MAX_ITEMS - 1,
		    "tcam.k0", "unknown key");
}

Test(scenario, longest_value)
{
	char *text = malloc(SCENARIO_MAX_SCALAR + 64);
	struct scenario *c;
	struct pnic_error err;

	for (int extra = 0; extra <= 1; extra++) {
		int n = snprintf(text, 64, "tcam: { depth: ");

		memset(text + n, '1', SCENARIO_MAX_SCALAR + extra);
		strcpy(text + n + SCENARIO_MAX_SCALAR + extra, " }\n");
		cr_assert_lt(parse(text, &c, &err), 0);
		cr_assert_str_eq(err.field, "tcam.depth");
		cr_assert_not_null(strstr(err.msg, extra ? "a value of 4097 bytes" :
					  "expected an integer in 16..262144"),
				   "%s", err.msg);
	}
	free(text);
}

/* "Billion laughs": ten nested lists of ten aliases stand for 10^10
 * nodes.  Refused at the first anchor. */
Test(scenario, billion_laughs_refused)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
	struct scenario *c;
	struct pnic_error err;

	for (int i = 1; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n",
				      i, i, i - 1, i - 1, i - 1, i - 1, i - 1,
				      i - 1, i - 1, i - 1, i - 1, i - 1);
	snprintf(text + n, sizeof text - n, "tcam: *a9\n");
	cr_assert_lt(parse(text, &c, &err), 0);
	cr_assert_eq(err.line, 1);
	cr_assert_eq(err.column, 5);
	cr_assert_str_eq(err.field, "a0");
	cr_assert_not_null(strstr(err.msg, "anchor '&a0'"), "%s", err.msg);
}

/* Any capture libpcap reads passes validation: pcapng, and pcap in
 * either byte order; what follows the magic number is the run's to
 * judge. */
Test(scenario, capture_magic_numbers)
{
	const char *text = "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\n"
		"vpid_map: { n_vpids: 4 }\n"
		"inputs: [ { pcap: ng.pcapng, in_port: 0 }, { pcap: swapped.pcap, in_port: 0 } ]\n";
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c->n_inputs, 2);
	scenario_destroy(c);
}

/* Root reads any file, so as root the check runs with the effective
 * user "nobody" (teardown takes root back). */
Test(scenario, unreadable_capture)
{
	const char *text = "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\n"
		"vpid_map: { n_vpids: 4 }\n"
		"inputs: [ { pcap: locked.pcap, in_port: 0 } ]\n";
	struct scenario *c;
	struct pnic_error err;

	if (geteuid() == 0) {
		cr_assert_eq(chmod(dir, 0755), 0);
		cr_assert_eq(seteuid(65534), 0, "seteuid: %s", strerror(errno));
	}
	cr_assert_lt(parse(text, &c, &err), 0);
	cr_assert_str_eq(err.field, "inputs[0].pcap");
	cr_assert_not_null(strstr(err.msg, "Permission denied"), "%s", err.msg);
}

Test(scenario, too_many_flows_for_depth)
{
	char *text = malloc(16384);
	size_t n = (size_t)snprintf(text, 16384, "%sflows:\n", BASE);
	struct scenario *c;
	struct pnic_error err;

	for (int i = 0; i < 65; i++)
		n += (size_t)snprintf(text + n, 16384 - n, "  - { action: drop }\n");
	cr_assert_lt(parse(text, &c, &err), 0);
	cr_assert_str_eq(err.field, "flows");
	cr_assert_eq(err.line, 12);
	cr_assert_not_null(strstr(err.msg, "depth 64"), "%s", err.msg);
	free(text);
}

Test(scenario, load_missing_file)
{
	struct scenario *c;
	struct pnic_error err;

	cr_assert_lt(scenario_load("/nonexistent/x.yaml", &c, &err), 0);
	cr_assert_not_null(strstr(err.msg, "cannot open"));
	cr_assert_str_eq(err.file, "/nonexistent/x.yaml");
}

/* A VPID map entry may name its VNIC, for reports; names are unique. */
Test(scenario, vpid_map_names)
{
	static const char text[] =
		"tcam: { depth: 64 }\n"
		"ports: [ { ppid: 0 }, { ppid: 1 } ]\n"
		"vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: 1, name: vm_a }, { vpid: 2, ppid: 0 } ] }\n"
		"inputs: [ { pcap: in.pcap, in_port: 0 } ]\n";
	static const char twice[] =
		"tcam: { depth: 64 }\n"
		"ports: [ { ppid: 0 }, { ppid: 1 } ]\n"
		"vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: 1, name: vm_a }, { vpid: 2, ppid: 0, name: vm_a } ] }\n";
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c->maps[0].name, "vm_a");
	cr_assert_str_eq(c->maps[1].name, "");
	scenario_destroy(c);
	cr_assert_lt(parse(twice, &c, &err), 0);
	cr_assert_str_eq(err.field, "vpid_map.map[1].name");
	cr_assert(strstr(err.msg, "'vm_a' is used twice"), "%s", err.msg);
	cr_assert_eq(err.line, 3);
}

/* A sink that records the commands it is given, and refuses the n-th. */
struct rec_sink {
	uint32_t ops[16];
	uint32_t n, refuse_at;
};

static int rec_submit(void *ctx, const struct nic_cmd *c,
		      struct nic_cmd_result *res, struct pnic_error *err)
{
	struct rec_sink *s = ctx;

	(void)res;
	if (s->n == s->refuse_at)
		return pnic_err(err, EBUSY, "busy");
	cr_assert_lt(s->n, 16);
	s->ops[s->n++] = c->op;
	return 0;
}

/* The tables as commands: maps, templates, flows, in that order; a
 * refusal names the file and what the command was for. */
Test(scenario, program_into_a_sink)
{
	const char *text = BASE
		"encap_templates:\n"
		"  - { id: 3, name: dc2, eth_dst: 02:00:00:00:00:aa, eth_src: 02:00:00:00:00:bb,\n"
		"      src_ip: 192.0.2.1, dst_ip: 198.51.100.7, vni: 5000 }\n"
		"flows:\n"
		"  - { match: { l4_dst: 80 }, action: { forward: 1 } }\n"
		"  - { match: { l4_dst: 81 }, action: drop }\n";
	static const uint32_t want[] = { NIC_OP_MAP_SET, NIC_OP_MAP_SET,
					 NIC_OP_TEMPLATE_SET, NIC_OP_ENTRY_WRITE,
					 NIC_OP_ENTRY_WRITE };
	struct rec_sink rs = { .refuse_at = 99 };
	struct nic_cmd_sink sink = { rec_submit, &rs };
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(text, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(scenario_program(c, &sink, &err), 0, "%s", err.msg);
	cr_assert_eq(rs.n, 5);
	cr_assert_arr_eq(rs.ops, want, sizeof want);
	rs = (struct rec_sink){ .refuse_at = 3 };
	cr_assert_eq(scenario_program(c, &sink, &err), -EBUSY);
	cr_assert(strstr(err.msg, "test.yaml: flow at line 15: busy"), "%s", err.msg);
	cr_assert_eq(rs.n, 3, "nothing after the refusal");
	scenario_destroy(c);
}

/* --set: a scalar of the file replaced before anything is read, checked
 * as if written there; list positions by number; a path the file does
 * not have, or that is not one value, refused with the path named. */
Test(scenario, set_overrides_what_the_file_says)
{
	static const char text[] =
		"tcam: { depth: 64 }\n"
		"ports: [ { ppid: 0, name: a }, { ppid: 1, name: b } ]\n"
		"vpid_map: { n_vpids: 4, unmapped: drop }\n";
	const char *ok[] = { "tcam.depth=128", "vpid_map.unmapped=to_host", "ports.1.name=c" };
	const char *bad[][2] = {
		{ "tcam.width=3", "tcam.width" }, { "ports.2.name=y", "ports.2.name" },
		{ "ports=1", "ports" }, { "tcam.depth", "" }, { "=5", "" },
	};
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(scenario_parse_set(text, sizeof text - 1, "/tmp/s.yaml", ok, 3, &c, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(c->tcam_depth, 128);
	cr_assert_eq(c->unmapped, VPID_UNMAPPED_TO_HOST);
	cr_assert_str_eq(c->ports[1].name, "c");
	scenario_destroy(c);
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(scenario_parse_set(text, sizeof text - 1, "/tmp/s.yaml", bad[i], 1,
						&c, &err), -EINVAL, "%s", bad[i][0]);
		cr_assert_null(c);
		cr_assert_str_eq(err.field, bad[i][1], "%s: %s", bad[i][0], err.msg);
	}
	/* checked as if written: a depth the TCAM does not take */
	ok[0] = "tcam.depth=15";
	cr_assert_lt(scenario_parse_set(text, sizeof text - 1, "/tmp/s.yaml", ok, 1, &c, &err), 0);
	cr_assert_str_eq(err.field, "tcam.depth", "%s", err.msg);
}
