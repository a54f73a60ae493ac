/* Encap block tests: a template built from fields, put in front of a
 * frame with the lengths an encap fills in, parses back to those fields
 * (the project's parser) and dissects to them (Wireshark, the peer no one
 * here wrote); fields out of range and malformed templates are refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcap_out.h"
#include "model/encap.h"
#include "model/frame.h"
#include "model/parser.h"
#include "model/proto.h"
#include "tests/tools/tool_util.h"

/* Outer fields: one case per family, with and without a tag. */
static struct encap_fields fields(bool ipv6, bool vlan)
{
	struct encap_fields f = {
		.eth_dst = { 0x02, 0x00, 0x00, 0x00, 0x30, 0x01 },
		.eth_src = { 0x02, 0x00, 0x00, 0x00, 0x30, 0x02 },
		.vlan = vlan, .vlan_vid = 2047, .vlan_pcp = 5, .ipv6 = ipv6,
		.src_ip = { 192, 0, 2, 1 }, .dst_ip = { 198, 51, 100, 7 },
		.ttl = 9, .udp_src = 1234, .vni = 0xabcdef,
	};

	if (ipv6) {
		memcpy(f.src_ip, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f.dst_ip, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\x12\x34", 16);
	}
	return f;
}

/* The template, then an inner Ethernet / IPv4 / UDP frame, with the
 * outer lengths set as the editor sets them; returns the frame's length. */
static uint32_t encapsulate(const struct encap_template *t, uint8_t *buf,
			    uint32_t cap)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	const struct frame_ipv4 ip = { .ttl = 64, .proto = PROTO_IP_UDP,
				       .src = { 10, 0, 0, 1 },
				       .dst = { 10, 0, 0, 2 } };
	struct encap_layout lay;
	struct pnic_error err;
	struct frame_buf f;
	uint32_t l3, l4;

	cr_assert_eq(encap_template_layout(t, &lay, &err), 0, "%s", err.msg);
	frame_init(&f, buf, cap);
	frame_bytes(&f, t->bytes, t->len);
	frame_eth(&f, mac, mac, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&f, &ip);
	l4 = frame_udp(&f, 7, 9);
	frame_fill(&f, 0x5a, 20);
	frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
	frame_udp_end(&f, lay.l4_off);
	if (lay.ipv6)
		frame_ipv6_end(&f, lay.l3_off);
	else
		frame_ipv4_end(&f, lay.l3_off, true);
	cr_assert(!f.overflow);
	return f.n;
}

Test(encap, built_template_parses_back_to_its_fields)
{
	for (int v6 = 0; v6 < 2; v6++)
		for (int vl = 0; vl < 2; vl++) {
			struct encap_fields in = fields(v6, vl);
			const struct pkt_hdrs *o;
			struct encap_template t;
			struct parser_result r;
			struct pnic_error err;
			uint8_t frame[256], ip[16] = { 0 };
			uint32_t n;

			cr_assert_eq(encap_build(&in, &t, &err), 0, "%s", err.msg);
			cr_assert_eq(t.len, 14 + 4 * vl + (v6 ? 40 : 20) + 8 + 8);
			n = encapsulate(&t, frame, sizeof frame);
			cr_assert_eq(parser_parse(frame, n, n, &r), PARSE_OK,
				     "v6 %d vlan %d: %s", v6, vl,
				     parser_status_name(r.status));
			o = &r.outer;
			cr_assert_eq(memcmp(frame, in.eth_dst, 6), 0);
			cr_assert_eq(memcmp(frame + 6, in.eth_src, 6), 0);
			cr_assert_eq(o->n_vlans, vl);
			if (vl)
				cr_assert_eq(o->vlan_tci[0], 5 << 13 | 2047);
			cr_assert_eq(o->ethertype, v6 ? PROTO_ETH_P_IPV6 : PROTO_ETH_P_IPV4);
			if (!v6) {
				ip[10] = ip[11] = 0xff;
				memcpy(ip + 12, in.src_ip, 4);
				cr_assert_eq(memcmp(o->src_ip, ip, 16), 0);
				memcpy(ip + 12, in.dst_ip, 4);
				cr_assert_eq(memcmp(o->dst_ip, ip, 16), 0);
				cr_assert(!(o->have & HDR_FRAG));
			} else {
				cr_assert_eq(memcmp(o->src_ip, in.src_ip, 16), 0);
				cr_assert_eq(memcmp(o->dst_ip, in.dst_ip, 16), 0);
			}
			cr_assert_eq(o->ttl, 9);
			cr_assert_eq(o->ip_proto, PROTO_IP_UDP);
			cr_assert_eq(o->l4_sport, 1234);
			cr_assert_eq(o->l4_dport, PROTO_UDP_VXLAN);
			cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
			cr_assert_eq(r.vni, 0xabcdef);
			cr_assert(r.have_inner);
			cr_assert_eq(r.inner.l2_off, t.len);
		}
}

Test(encap, layout_of_a_built_template)
{
	struct encap_fields in = fields(true, true);
	struct encap_template t;
	struct encap_layout lay;

	cr_assert_eq(encap_build(&in, &t, NULL), 0);
	cr_assert_eq(encap_template_layout(&t, &lay, NULL), 0);
	cr_assert(lay.vlan && lay.ipv6);
	cr_assert_eq(lay.l3_off, 18);
	cr_assert_eq(lay.l4_off, 58);
	cr_assert_eq(lay.vxlan_off, 66);
	cr_assert_eq(lay.vni, 0xabcdef);
	cr_assert_eq(t.len, ENCAP_TEMPLATE_MAX_BYTES - 54);
}

static void refused(struct encap_fields in, const char *field, const char *why)
{
	struct encap_template t;
	struct pnic_error err;

	memset(&t, 0xee, sizeof t);
	cr_assert_eq(encap_build(&in, &t, &err), -EINVAL, "%s", field);
	cr_assert_str_eq(err.field, field);
	cr_assert(strstr(err.msg, why), "expected '%s' in '%s'", why, err.msg);
	cr_assert_eq(t.len, 0, "a refused template is left empty");
}

Test(encap, fields_out_of_range_refused)
{
	struct encap_fields in;

	in = fields(false, true); in.vlan_vid = 4096;
	refused(in, "vlan", "0..4095");
	in = fields(false, true); in.vlan_pcp = 8;
	refused(in, "vlan_pcp", "0..7");
	in = fields(true, false); in.ttl = 0;
	refused(in, "ttl", "TTL 0");
	in = fields(false, false); in.vni = 1u << 24;
	refused(in, "vni", "0..16777215");
	/* without a tag, its fields are not looked at */
	in = fields(false, false); in.vlan_vid = 9999;
	cr_assert_eq(encap_build(&in, &(struct encap_template){ .len = 0 }, NULL), 0);
}

Test(encap, layout_refuses_lengths)
{
	struct encap_template t;
	struct pnic_error err;
	struct encap_layout lay;
	struct encap_fields in = fields(false, false);

	cr_assert_eq(encap_build(&in, &t, NULL), 0);
	t.len = ENCAP_TEMPLATE_MAX_BYTES + 1;
	cr_assert_eq(encap_template_layout(&t, &lay, &err), -EINVAL);
	cr_assert(strstr(err.msg, "more than the 128"), "%s", err.msg);
	t.len = 49;
	cr_assert_eq(encap_template_layout(&t, &lay, &err), -EINVAL);
	cr_assert(strstr(err.msg, "too short"), "%s", err.msg);
	t.len = 58;
	cr_assert_eq(encap_template_layout(&t, &lay, &err), -EINVAL);
	cr_assert(strstr(err.msg, "must end with the VXLAN header"), "%s", err.msg);
}

/* ---- Wireshark as the peer ---------------------------------------------- */

/* The tshark fields compared, first occurrence (the outer headers). */
static const char *const peer_fields[] = {
	"eth.dst", "eth.src", "vlan.id", "vlan.priority", "ip.src", "ip.dst",
	"ip.ttl", "ip.flags.df", "ipv6.src", "ipv6.dst", "ipv6.hlim",
	"udp.srcport", "udp.dstport", "vxlan.flag_i", "vxlan.vni",
};

/* What tshark must print for case (v6, vl), tab-separated.  Under an
 * IPv6 outer header the first ip.* fields are the inner frame's (10.0.0.1
 * to 10.0.0.2, TTL 64, no DF). */
static void peer_expected(int v6, int vl, char *buf, size_t n)
{
	snprintf(buf, n,
		 "02:00:00:00:30:01\t02:00:00:00:30:02\t%s\t%s\t%s\t%s\t%s\t%s\t"
		 "%s\t%s\t%s\t1234\t4789\t1\t11259375",
		 vl ? "2047" : "", vl ? "5" : "",
		 v6 ? "10.0.0.1" : "192.0.2.1", v6 ? "10.0.0.2" : "198.51.100.7",
		 v6 ? "64" : "9", v6 ? "0" : "1",
		 v6 ? "2001:db8::1" : "", v6 ? "2001:db8::1234" : "",
		 v6 ? "9" : "");
}

TU_SCRATCH_SUITE(encap_peer);

Test(encap_peer, wireshark_reads_the_fields)
{
	char path[128], cmd[1024], *line = NULL, want[512];
	size_t line_cap = 0, k;
	struct pcap_out *o;
	struct pnic_error err;
	unsigned seen = 0;
	FILE *p;

	if (system("command -v tshark >/dev/null 2>&1") != 0)
		cr_assert_fail("tshark not found on PATH: it is a declared dependency "
			"(DEB_PACKAGES in mk/deps.mk); run `make deps`");
	snprintf(path, sizeof path, "%s/encap.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (int i = 0; i < 4; i++) {
		struct encap_fields in = fields(i >> 1, i & 1);
		struct encap_template t;
		uint8_t frame[256];
		uint32_t n;

		cr_assert_eq(encap_build(&in, &t, NULL), 0);
		n = encapsulate(&t, frame, sizeof frame);
		pcap_out_write(o, frame, n, n, (uint64_t)i * 1000);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
	k = (size_t)snprintf(cmd, sizeof cmd,
			     "WIRESHARK_CONFIG_DIR='%s' tshark -n -r '%s' -T fields "
			     "-E separator=/t -E occurrence=f", dir, path);
	for (size_t i = 0; i < sizeof peer_fields / sizeof peer_fields[0]; i++)
		k += (size_t)snprintf(cmd + k, sizeof cmd - k, " -e %s", peer_fields[i]);
	snprintf(cmd + k, sizeof cmd - k, " 2>/dev/null");
	p = popen(cmd, "r");
	cr_assert_not_null(p, "cannot run tshark");
	while (getline(&line, &line_cap, p) > 0 && seen < 4) {
		line[strcspn(line, "\n")] = '\0';
		peer_expected(seen >> 1, seen & 1, want, sizeof want);
		cr_expect_str_eq(line, want, "frame %u (IPv%d%s): tshark '%s', expected '%s'",
				 seen + 1, seen >> 1 ? 6 : 4, seen & 1 ? ", tagged" : "",
				 line, want);
		seen++;
	}
	free(line);
	cr_assert_eq(pclose(p), 0, "tshark failed");
	cr_assert_eq(seen, 4, "tshark dissected %u of 4 frames", seen);
}
