#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/parser.h"
#include "tests/corpus.h"
#include "tests/model/frames.h"
#include "tests/tools/tool_util.h"
#include "io/pcap_in.h"
#include "io/pcap_out.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static int is_trunc(enum parser_status s)
{
	return s == PARSE_TRUNC_L2 || s == PARSE_TRUNC_L3 ||
	       s == PARSE_TRUNC_L4 || s == PARSE_TRUNC_EXT ||
	       s == PARSE_TRUNC_TUNNEL;
}

/* When PNICSIM_SEED_DIR is set, every crafted frame is also written there
 * (tests/fuzz/seeds.sh uses this to seed the parser fuzzer). */
static void dump_seed(const uint8_t *b, uint32_t n)
{
	static unsigned seq;
	const char *dir = getenv("PNICSIM_SEED_DIR");
	char path[512];
	FILE *fp;

	if (!dir)
		return;
	snprintf(path, sizeof path, "%s/frame-%d-%u", dir, (int)getpid(), seq++);
	fp = fopen(path, "wb");
	if (!fp)
		return;
	fwrite(b, 1, n, fp);
	fclose(fp);
}

/* Parse the first n bytes for every n < caplen, each from a buffer of
 * exactly n bytes so that ASan catches a read past the capture.  A cut
 * before `full->depth` removes a header the full parse needed, so it must
 * not give PARSE_OK; a cut at or after it must give the full result when
 * that was PARSE_OK (a malformed header is examined past `depth`). */
static void check_truncations(const uint8_t *b, uint32_t caplen, uint32_t len,
			      const struct parser_result *full)
{
	for (uint32_t n = 0; n < caplen; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct parser_result r, r2;

		cr_assert_not_null(copy);
		memcpy(copy, b, n);
		/* snaplen-style cut: the wire length is still known */
		parser_parse(copy, n, len, &r);
		cr_assert_leq(r.depth, n, "cut %u: depth %u", n, r.depth);
		if (n < full->depth) {
			cr_assert_neq(r.status, PARSE_OK, "cut %u of %u (depth %u) parsed ok",
				      n, caplen, full->depth);
			if (full->status == PARSE_OK)
				cr_assert(is_trunc(r.status), "cut %u: status %s",
					  n, parser_status_name(r.status));
		} else if (full->status == PARSE_OK) {
			cr_assert_eq(memcmp(&r, full, sizeof r), 0,
				     "cut %u >= depth %u changed the result", n, full->depth);
		}
		/* frame that really is this short on the wire */
		parser_parse(copy, n, n, &r2);
		cr_assert_leq(r2.depth, n, "short %u: depth %u", n, r2.depth);
		if (n < full->depth)
			cr_assert_neq(r2.status, PARSE_OK, "short %u parsed ok", n);
		free(copy);
	}
}

/* Parse a crafted frame (from an exact-size copy) and check every cut. */
static enum parser_status parse_fb_len(const struct fb *f, uint32_t len,
				      struct parser_result *r)
{
	uint8_t *copy = malloc(f->n);

	cr_assert_not_null(copy);
	memcpy(copy, f->b, f->n);
	dump_seed(f->b, f->n);
	parser_parse(copy, f->n, len, r);
	free(copy);
	cr_assert_leq(r->depth, f->n);
	check_truncations(f->b, f->n, len, r);
	return r->status;
}

static enum parser_status parse_fb(const struct fb *f, struct parser_result *r)
{
	return parse_fb_len(f, f->n, r);
}

static void assert_mapped(const uint8_t ip[16], uint32_t v4)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	cr_assert_eq(memcmp(ip, prefix, 12), 0);
	cr_assert_eq(ip[12], v4 >> 24);
	cr_assert_eq(ip[13], (v4 >> 16) & 0xff);
	cr_assert_eq(ip[14], (v4 >> 8) & 0xff);
	cr_assert_eq(ip[15], v4 & 0xff);
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void assert_no_tunnel(const struct parser_result *r)
{
	cr_assert_eq(r->tunnel, TUNNEL_NONE);
	cr_assert_eq(r->vni, 0);
	cr_assert_eq(r->tunnel_off, 0);
	cr_assert_eq(r->have_inner, false);
	cr_assert(all_zero(&r->inner, sizeof r->inner));
}

/* Outer Ethernet/IPv4/UDP to `dport`; returns the IP and UDP offsets. */
static void outer_udp(struct fb *f, uint16_t dport, uint32_t *ip, uint32_t *udp)
{
	fb_eth(f, 0x0800);
	*ip = fb_ipv4(f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 0x4000, 0);
	*udp = fb_udp(f, 49152, dport);
}

static void inner_ipv4_tcp(struct fb *f, int vlan)
{
	uint32_t ip;

	fb_bytes(f, FB_MAC_SRC, 6);
	fb_bytes(f, FB_MAC_DST, 6);
	if (vlan)
		fb_tag(f, 0x8100, 0x0123);
	fb_u16(f, 0x0800);
	ip = fb_ipv4(f, 6, IP4(10, 9, 8, 7), IP4(10, 6, 5, 4), 0, 0);
	fb_tcp(f, 5555, 6666, 0x11, 0);
	fb_payload(f, 4);
	fb_ipv4_fix(f, ip);
}

/* ---- Ethernet / IPv4 ---------------------------------------------------- */

Test(parser, ipv4_tcp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(192, 168, 1, 2), 0x4000, 0);
	fb_tcp(&f, 1234, 80, 0x12, 0);
	fb_payload(&f, 10);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.depth, 54);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.outer.l2_off, 0);
	cr_assert_eq(r.outer.l3_off, 14);
	cr_assert_eq(r.outer.l4_off, 34);
	cr_assert_eq(r.outer.l4_payload_off, 54);
	cr_assert_eq(r.outer.n_vlans, 0);
	cr_assert_eq(r.outer.vlan_tci[0], 0);
	cr_assert_eq(r.outer.ethertype, 0x0800);
	cr_assert_eq(r.outer.ip_proto, 6);
	cr_assert_eq(r.outer.ttl, 64);
	cr_assert_eq(r.outer.tos, 0x28);
	cr_assert_eq(r.outer.ip_total_len, 50);
	assert_mapped(r.outer.src_ip, IP4(10, 0, 0, 1));
	assert_mapped(r.outer.dst_ip, IP4(192, 168, 1, 2));
	cr_assert_eq(r.outer.l4_sport, 1234);
	cr_assert_eq(r.outer.l4_dport, 80);
	cr_assert_eq(r.outer.tcp_flags, 0x12);
	assert_no_tunnel(&r);
	cr_assert_str_eq(parser_status_name(r.status), "ok");
}

Test(parser, ipv4_tcp_options)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(&f, 40000, 443, 0x02, 5);      /* SYN with 20 option bytes */
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.l4_off, 34);
	cr_assert_eq(r.outer.l4_payload_off, 74);
	cr_assert_eq(r.depth, 74);
	cr_assert_eq(r.outer.tcp_flags, 0x02);
	cr_assert_eq(r.outer.l4_sport, 40000);
	cr_assert_eq(r.outer.l4_dport, 443);
}

Test(parser, ipv4_udp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(172, 16, 0, 9), IP4(8, 8, 8, 8), 0, 0);
	udp = fb_udp(&f, 5353, 53);
	fb_payload(&f, 30);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.depth, 42);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_UDP);
	cr_assert_eq(r.outer.ip_proto, 17);
	cr_assert_eq(r.outer.l4_off, 34);
	cr_assert_eq(r.outer.l4_payload_off, 42);
	cr_assert_eq(r.outer.l4_sport, 5353);
	cr_assert_eq(r.outer.l4_dport, 53);
	cr_assert_eq(r.outer.tcp_flags, 0);
	assert_mapped(r.outer.src_ip, IP4(172, 16, 0, 9));
	assert_mapped(r.outer.dst_ip, IP4(8, 8, 8, 8));
	assert_no_tunnel(&r);
}

Test(parser, ipv4_icmp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 1, IP4(10, 1, 1, 1), IP4(10, 2, 2, 2), 0, 0);
	fb_icmp(&f, 3, 1);
	fb_payload(&f, 28);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.depth, 42);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_ICMP);
	cr_assert_eq(r.outer.ip_proto, 1);
	cr_assert_eq(r.outer.l4_off, 34);
	cr_assert_eq(r.outer.l4_payload_off, 42);
	cr_assert_eq(r.outer.l4_sport, 3);   /* type */
	cr_assert_eq(r.outer.l4_dport, 1);   /* code */
}

Test(parser, ipv4_options)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 10); /* IHL 15 */
	udp = fb_udp(&f, 1, 2);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.l3_off, 14);
	cr_assert_eq(r.outer.l4_off, 14 + 60);
	cr_assert_eq(r.depth, 14 + 60 + 8);
	cr_assert_eq(r.outer.l4_sport, 1);
	cr_assert_eq(r.outer.l4_dport, 2);
}

Test(parser, ipv4_first_fragment)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0x2000, 0); /* MF */
	udp = fb_udp(&f, 7000, 7001);
	fb_payload(&f, 64);
	fb_ipv4_fix(&f, ip);
	/* The UDP length is the datagram's; the rest follows in later
	 * fragments, past this packet's end. */
	fb_put16(&f, udp + 4, 8 + 64 + 1480);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_FRAG | HDR_UDP);
	cr_assert_eq(r.outer.l4_sport, 7000);
	cr_assert_eq(r.outer.l4_dport, 7001);
	cr_assert_eq(r.depth, 42);
}

Test(parser, ipv4_later_fragment)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 185, 0);
	fb_payload(&f, 40);   /* looks like a UDP header but is not one */
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_FRAG | HDR_LATER_FRAG);
	cr_assert_eq(r.outer.ip_proto, 17);
	cr_assert_eq(r.outer.l4_off, 0);
	cr_assert_eq(r.outer.l4_payload_off, 0);
	cr_assert_eq(r.outer.l4_sport, 0);
	cr_assert_eq(r.outer.l4_dport, 0);
	cr_assert_eq(r.depth, 34);
}

Test(parser, ipv4_last_fragment_without_mf)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0x4000 | 3, 0);
	fb_payload(&f, 24);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_FRAG | HDR_LATER_FRAG);
	cr_assert_eq(r.outer.tcp_flags, 0);
}

Test(parser, ethernet_padding_is_not_ip)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(&f, 1, 2, 0x10, 0);
	fb_ipv4_fix(&f, ip);
	fb_fill(&f, 0, 6);    /* pad to 60 bytes */

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(f.n, 60);
	cr_assert_eq(r.outer.ip_total_len, 40);
	cr_assert_eq(r.depth, 54);
}

Test(parser, non_ip_ethertype)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_eth(&f, 0x88cc);   /* LLDP */
	fb_payload(&f, 46);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH);
	cr_assert_eq(r.outer.ethertype, 0x88cc);
	cr_assert_eq(r.depth, 14);
	cr_assert_eq(r.outer.l3_off, 0);
}

/* ---- VLAN --------------------------------------------------------------- */

Test(parser, vlan_8021q)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_macs(&f);
	fb_tag(&f, 0x8100, 0x2064);           /* PCP 1, VID 100 */
	fb_u16(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(&f, 1, 2, 0x11, 0);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_VLAN | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.outer.n_vlans, 1);
	cr_assert_eq(r.outer.vlan_off[0], 12);
	cr_assert_eq(r.outer.vlan_tpid[0], 0x8100);
	cr_assert_eq(r.outer.vlan_tci[0], 0x2064);
	cr_assert_eq(r.outer.vlan_off[1], 0);
	cr_assert_eq(r.outer.ethertype, 0x0800);
	cr_assert_eq(r.outer.l3_off, 18);
	cr_assert_eq(r.outer.l4_off, 38);
	cr_assert_eq(r.depth, 58);
}

Test(parser, qinq_88a8)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_macs(&f);
	fb_tag(&f, 0x88a8, 0x00c8);           /* S-tag VID 200 */
	fb_tag(&f, 0x8100, 0xe00a);           /* C-tag PCP 7 VID 10 */
	fb_u16(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	udp = fb_udp(&f, 100, 200);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.n_vlans, 2);
	cr_assert_eq(r.outer.vlan_off[0], 12);
	cr_assert_eq(r.outer.vlan_off[1], 16);
	cr_assert_eq(r.outer.vlan_tpid[0], 0x88a8);
	cr_assert_eq(r.outer.vlan_tpid[1], 0x8100);
	cr_assert_eq(r.outer.vlan_tci[0], 0x00c8);
	cr_assert_eq(r.outer.vlan_tci[1], 0xe00a);
	cr_assert_eq(r.outer.l3_off, 22);
	cr_assert_eq(r.outer.l4_off, 42);
	cr_assert_eq(r.depth, 50);
}

Test(parser, qinq_9100)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_macs(&f);
	fb_tag(&f, 0x9100, 0x0005);
	fb_tag(&f, 0x8100, 0x0006);
	fb_u16(&f, 0x0806);
	fb_u16(&f, 1);
	fb_u16(&f, 0x0800);
	fb_u8(&f, 6);
	fb_u8(&f, 4);
	fb_u16(&f, 1);
	fb_fill(&f, 0x11, 20);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.n_vlans, 2);
	cr_assert_eq(r.outer.vlan_tpid[0], 0x9100);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_VLAN | HDR_ARP);
	cr_assert_eq(r.outer.l3_off, 22);
	cr_assert_eq(r.depth, 50);
}

Test(parser, triple_tag_refused)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_macs(&f);
	fb_tag(&f, 0x88a8, 1);
	fb_tag(&f, 0x8100, 2);
	fb_tag(&f, 0x8100, 3);
	fb_u16(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(&f, 1, 2, 0, 0);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_TOO_MANY_TAGS);
	cr_assert_eq(r.outer.n_vlans, 2);
	cr_assert_eq(r.outer.vlan_tci[1], 2);
	cr_assert_eq(r.depth, 22);
	cr_assert_eq(r.outer.l3_off, 0);
	cr_assert_eq(r.outer.have & (HDR_IPV4 | HDR_TCP), 0);
	cr_assert_str_eq(parser_status_name(r.status), "too_many_tags");
}

/* ---- ARP ---------------------------------------------------------------- */

static void arp_body(struct fb *f)
{
	fb_arp(f, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2));
}

Test(parser, arp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_eth(&f, 0x0806);
	arp_body(&f);
	fb_fill(&f, 0, 18);    /* padding to 60 */

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_ARP);
	cr_assert_eq(r.outer.ethertype, 0x0806);
	cr_assert_eq(r.outer.l3_off, 14);
	cr_assert_eq(r.depth, 42);
	cr_assert_eq(r.outer.ip_proto, 0);
	cr_assert(all_zero(r.outer.src_ip, 16));
}

Test(parser, rarp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_eth(&f, 0x8035);
	arp_body(&f);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_ARP);
	cr_assert_eq(r.depth, 42);
}

Test(parser, arp_cut_at_28_bytes)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_eth(&f, 0x0806);
	arp_body(&f);
	f.n -= 1;              /* the target address lacks a byte */

	cr_assert_eq(parse_fb(&f, &r), PARSE_TRUNC_L3);
	cr_assert_eq(r.outer.have, HDR_ETH);
	cr_assert_eq(r.depth, 14);
}

/* ---- IPv6 --------------------------------------------------------------- */

static void assert_v6_addrs(const struct pkt_hdrs *h)
{
	cr_assert_eq(memcmp(h->src_ip, FB_V6_SRC, 16), 0);
	cr_assert_eq(memcmp(h->dst_ip, FB_V6_DST, 16), 0);
}

Test(parser, ipv6_tcp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 6);
	fb_tcp(&f, 33000, 22, 0x18, 3);
	fb_payload(&f, 5);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_TCP);
	cr_assert_eq(r.outer.ethertype, 0x86dd);
	cr_assert_eq(r.outer.l3_off, 14);
	cr_assert_eq(r.outer.l4_off, 54);
	cr_assert_eq(r.outer.l4_payload_off, 86);
	cr_assert_eq(r.depth, 86);
	cr_assert_eq(r.outer.ip_proto, 6);
	cr_assert_eq(r.outer.ttl, 63);
	cr_assert_eq(r.outer.tos, 0xb8);
	cr_assert_eq(r.outer.ip_total_len, 40 + 32 + 5);
	assert_v6_addrs(&r.outer);
	cr_assert_eq(r.outer.l4_sport, 33000);
	cr_assert_eq(r.outer.l4_dport, 22);
	cr_assert_eq(r.outer.tcp_flags, 0x18);
	assert_no_tunnel(&r);
}

Test(parser, ipv6_udp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 17);
	udp = fb_udp(&f, 546, 547);
	fb_payload(&f, 12);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_UDP);
	cr_assert_eq(r.outer.l4_off, 54);
	cr_assert_eq(r.depth, 62);
	cr_assert_eq(r.outer.l4_sport, 546);
	cr_assert_eq(r.outer.l4_dport, 547);
	assert_v6_addrs(&r.outer);
}

Test(parser, icmpv6)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 58);
	fb_icmp(&f, 128, 0);
	fb_payload(&f, 16);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_ICMP);
	cr_assert_eq(r.outer.ip_proto, 58);
	cr_assert_eq(r.outer.l4_sport, 128);
	cr_assert_eq(r.outer.l4_dport, 0);
	cr_assert_eq(r.depth, 62);
}

/* One extension header of each kind, then UDP. */
static void ext_then_udp(uint8_t kind, uint8_t len, uint32_t ext_bytes)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, kind);
	if (kind == 44)
		fb_ext_frag(&f, 17, 0, 1);
	else if (kind == 51)
		fb_ext_ah(&f, 17, len);
	else
		fb_ext(&f, 17, len);
	udp = fb_udp(&f, 4000, 5000);
	fb_payload(&f, 8);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "ext %u: %s", kind,
		     parser_status_name(r.status));
	cr_assert_eq(r.outer.ip_proto, 17);
	cr_assert_eq(r.outer.l4_off, 54 + ext_bytes, "ext %u", kind);
	cr_assert_eq(r.depth, 54 + ext_bytes + 8);
	cr_assert_eq(r.outer.l4_sport, 4000);
	cr_assert_eq(r.outer.l4_dport, 5000);
	cr_assert_eq(!!(r.outer.have & HDR_FRAG), kind == 44);
	cr_assert_eq(r.outer.have & HDR_LATER_FRAG, 0);
}

Test(parser, ipv6_hop_by_hop)
{
	ext_then_udp(0, 0, 8);
}

Test(parser, ipv6_routing)
{
	ext_then_udp(43, 2, 24);
}

Test(parser, ipv6_first_fragment)
{
	ext_then_udp(44, 0, 8);
}

Test(parser, ipv6_dest_options)
{
	ext_then_udp(60, 1, 16);
}

Test(parser, ipv6_ah)
{
	ext_then_udp(51, 4, 24);   /* (4 + 2) * 4 */
}

Test(parser, ipv6_ah_minimal)
{
	ext_then_udp(51, 1, 12);   /* no ICV */
}

Test(parser, ipv6_later_fragment)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 44);
	fb_ext_frag(&f, 6, 100, 0);
	fb_payload(&f, 40);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_FRAG | HDR_LATER_FRAG);
	cr_assert_eq(r.outer.ip_proto, 6);
	cr_assert_eq(r.outer.l4_off, 0);
	cr_assert_eq(r.outer.l4_sport, 0);
	cr_assert_eq(r.outer.tcp_flags, 0);
	cr_assert_eq(r.depth, 62);
}

/* RFC 6946: a fragment header with offset 0 and M clear is the whole
 * packet.  Its L4 header is parsed, and a tunnel inside it too. */
Test(parser, ipv6_atomic_fragment)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 44);
	fb_ext_frag(&f, 17, 0, 0);
	udp = fb_udp(&f, 1000, 4789);
	fb_vxlan(&f, 0x5150);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_UDP);
	cr_assert_eq(r.outer.ip_proto, 17);
	cr_assert_eq(r.outer.l4_off, 62);
	cr_assert_eq(r.outer.l4_dport, 4789);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.tunnel_off, 70);
	cr_assert_eq(r.vni, 0x5150);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.inner.l4_dport, 6666);
}

/* IP / fragment (offset in 8-byte units, more) / UDP to 4789 / VXLAN in
 * either family, with only the first fragment's bytes. */
static void build_fragment(struct fb *f, int v6, uint16_t offset8, int more)
{
	uint32_t ip, udp;

	if (v6) {
		fb_eth(f, 0x86dd);
		ip = fb_ipv6(f, 44);
		fb_ext_frag(f, 17, offset8, more);
	} else {
		fb_eth(f, 0x0800);
		ip = fb_ipv4(f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2),
			     (uint16_t)(0x4000 * !more | 0x2000 * !!more | offset8), 0);
	}
	udp = fb_udp(f, 1000, 4789);
	fb_vxlan(f, 0x33);
	inner_ipv4_tcp(f, 0);
	fb_udp_fix(f, udp);
	if (v6)
		fb_ipv6_fix(f, ip);
	else
		fb_ipv4_fix(f, ip);
}

static enum parser_status fragment_of(int v6, uint16_t offset8, int more,
				     struct parser_result *r)
{
	struct fb f = { .n = 0 };

	build_fragment(&f, v6, offset8, more);
	return parse_fb(&f, r);
}

/* One rule for both families: offset 0 and no more fragments (IPv4 MF 0,
 * DF or not; IPv6 atomic) is whole, MF alone a first fragment (L4, no
 * tunnel), an offset a later fragment (neither). */
Test(parser, fragments_same_in_both_families)
{
	static const struct {
		uint16_t offset8;
		int more;
		uint32_t frag;
		int l4, tunnel;
	} c[] = {
		{ 0, 0, 0, 1, 1 },
		{ 0, 1, HDR_FRAG, 1, 0 },
		{ 185, 1, HDR_FRAG | HDR_LATER_FRAG, 0, 0 },
		{ 185, 0, HDR_FRAG | HDR_LATER_FRAG, 0, 0 },
	};

	for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
		for (int v6 = 0; v6 < 2; v6++) {
			struct parser_result r;

			cr_assert_eq(fragment_of(v6, c[i].offset8, c[i].more, &r),
				     PARSE_OK, "case %u v6 %d: %s", i, v6,
				     parser_status_name(r.status));
			cr_assert_eq(r.outer.have & (HDR_FRAG | HDR_LATER_FRAG),
				     c[i].frag, "case %u v6 %d", i, v6);
			cr_assert_eq(!!(r.outer.have & HDR_UDP), c[i].l4,
				     "case %u v6 %d", i, v6);
			cr_assert_eq(r.tunnel == TUNNEL_VXLAN, c[i].tunnel,
				     "case %u v6 %d", i, v6);
			cr_assert_eq(r.have_inner, c[i].tunnel);
		}
	}
}

Test(parser, ipv6_ext_chain)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 0);
	fb_ext(&f, 60, 0);          /* hop-by-hop, 8 */
	fb_ext(&f, 43, 1);          /* dest options, 16 */
	fb_ext(&f, 44, 2);          /* routing, 24 */
	fb_ext_frag(&f, 51, 0, 1);  /* fragment, 8 */
	fb_ext_ah(&f, 60, 4);       /* AH, 24 */
	fb_ext(&f, 6, 0);           /* dest options, 8 */
	fb_tcp(&f, 9, 10, 0x01, 0);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_FRAG | HDR_TCP);
	cr_assert_eq(r.outer.ip_proto, 6);
	cr_assert_eq(r.outer.l4_off, 54 + 88);
	cr_assert_eq(r.depth, 54 + 88 + 20);
	cr_assert_eq(r.outer.tcp_flags, 0x01);
}

/* ---- AH and ESP, in both families -------------------------------------- */

/* Ethernet/IP (4 or 6) carrying `proto` first; returns the IP offset. */
static uint32_t ip_of_family(struct fb *f, int v6, uint8_t proto)
{
	if (v6) {
		fb_eth(f, 0x86dd);
		return fb_ipv6(f, proto);
	}
	fb_eth(f, 0x0800);
	return fb_ipv4(f, proto, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
}

static void ip_fix(struct fb *f, int v6, uint32_t ip)
{
	if (v6)
		fb_ipv6_fix(f, ip);
	else
		fb_ipv4_fix(f, ip);
}

/* IP / AH (`ah_len`: (len + 2) * 4 bytes) / TCP. */
static void build_ah_tcp(struct fb *f, int v6, uint8_t ah_len)
{
	uint32_t ip;

	ip = ip_of_family(f, v6, 51);
	fb_ext_ah(f, 6, ah_len);
	fb_tcp(f, 2000, 443, 0x18, 0);
	fb_payload(f, 8);
	ip_fix(f, v6, ip);
}

static enum parser_status ah_tcp(int v6, uint8_t ah_len, struct parser_result *r)
{
	struct fb f = { .n = 0 };

	build_ah_tcp(&f, v6, ah_len);
	return parse_fb(&f, r);
}

Test(parser, ipv4_ah)
{
	struct parser_result r;

	cr_assert_eq(ah_tcp(0, 4, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.outer.ip_proto, 6);
	cr_assert_eq(r.outer.l4_off, 34 + 24);
	cr_assert_eq(r.outer.l4_sport, 2000);
	cr_assert_eq(r.outer.l4_dport, 443);
	cr_assert_eq(r.outer.tcp_flags, 0x18);
	cr_assert_eq(r.depth, 34 + 24 + 20);
}

/* One AH walk: the same AH gives the same upper layer after IPv4 and IPv6,
 * and the same refusal when it is too short or runs past the packet. */
Test(parser, ah_same_in_both_families)
{
	struct parser_result r4, r6;

	for (uint8_t len = 0; len < 8; len++) {
		enum parser_status s4 = ah_tcp(0, len, &r4);
		enum parser_status s6 = ah_tcp(1, len, &r6);

		cr_assert_eq(s4, s6, "AH length %u: %s vs %s", len,
			     parser_status_name(s4), parser_status_name(s6));
		cr_assert_eq(s4, len < 1 ? PARSE_BAD_EXT : PARSE_OK, "AH length %u", len);
		cr_assert_eq(r4.outer.ip_proto, r6.outer.ip_proto);
		cr_assert_eq(r4.outer.have & ~HDR_IPV4, r6.outer.have & ~HDR_IPV6);
		cr_assert_eq(r4.outer.l4_dport, r6.outer.l4_dport);
		cr_assert_eq(r4.depth + 20, r6.depth);
		if (s4 == PARSE_OK)
			cr_assert_eq(r4.outer.l4_off + 20, r6.outer.l4_off,
				     "AH length %u", len);
	}
}

Test(parser, ipv4_ah_beyond_total_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	ip = ip_of_family(&f, 0, 51);
	fb_ext_ah(&f, 17, 4);             /* 24 bytes */
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, ip + 2, 20 + 16);    /* the IP packet holds 16 */
	fb_fill(&f, 0, 10);
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4);
	cr_assert_eq(r.outer.ip_proto, 51);
	cr_assert_eq(r.depth, 34);
}

Test(parser, ipv4_ah_chain_limit)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	ip = ip_of_family(&f, 0, 51);
	for (int i = 0; i < 9; i++)
		fb_ext_ah(&f, i < 8 ? 51 : 6, 1);
	fb_tcp(&f, 1, 2, 0x10, 0);
	fb_ipv4_fix(&f, ip);
	cr_assert_eq(parse_fb(&f, &r), PARSE_TOO_MANY_EXT);
	cr_assert_eq(r.depth, 34 + 8 * 12);
}

/* AH goes before fragmentation (RFC 4302): a later fragment's bytes after
 * the IPv4 header are payload even when the protocol says AH. */
Test(parser, ipv4_later_fragment_of_ah)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 51, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 100, 0);
	fb_ext_ah(&f, 6, 1);              /* looks like AH, is payload */
	fb_payload(&f, 20);
	fb_ipv4_fix(&f, ip);
	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_FRAG | HDR_LATER_FRAG);
	cr_assert_eq(r.outer.ip_proto, 51);
	cr_assert_eq(r.depth, 34);
}

/* ESP encrypts what follows its header: the parse ends after the IP
 * header (chain) with ip_proto 50, the same in both families, after AH
 * too. */
Test(parser, esp_same_in_both_families)
{
	for (int v6 = 0; v6 < 2; v6++) {
		for (int ah = 0; ah < 2; ah++) {
			struct fb f = { .n = 0 };
			struct parser_result r;
			uint32_t ip, l3_end = v6 ? 54 : 34;

			ip = ip_of_family(&f, v6, ah ? 51 : 50);
			if (ah)
				fb_ext_ah(&f, 50, 1);
			fb_u32(&f, 0x100);         /* SPI */
			fb_u32(&f, 1);             /* sequence */
			fb_payload(&f, 24);
			ip_fix(&f, v6, ip);
			cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
			cr_assert_eq(r.outer.have, HDR_ETH | (v6 ? HDR_IPV6 : HDR_IPV4));
			cr_assert_eq(r.outer.ip_proto, 50);
			cr_assert_eq(r.outer.l4_off, 0);
			cr_assert_eq(r.depth, l3_end + (ah ? 12 : 0), "v6 %d ah %d", v6, ah);
			assert_no_tunnel(&r);
		}
	}
}

static enum parser_status dstopts_chain(unsigned n, struct parser_result *r)
{
	struct fb f = { .n = 0 };
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 60);
	for (unsigned i = 0; i < n; i++)
		fb_ext(&f, i + 1 < n ? 60 : 17, 0);
	udp = fb_udp(&f, 1, 2);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);
	return parse_fb(&f, r);
}

Test(parser, ipv6_ext_chain_limit)
{
	struct parser_result r;

	cr_assert_eq(dstopts_chain(8, &r), PARSE_OK);
	cr_assert_eq(r.depth, 54 + 64 + 8);
	cr_assert_eq(dstopts_chain(9, &r), PARSE_TOO_MANY_EXT);
	cr_assert_eq(r.depth, 54 + 64);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6);
}

Test(parser, ipv6_hop_by_hop_not_first)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 60);
	fb_ext(&f, 0, 0);
	fb_ext(&f, 17, 0);
	udp = fb_udp(&f, 1, 2);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_EXT);
	cr_assert_eq(r.depth, 62);
}

Test(parser, ipv6_ah_too_short)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 51);
	fb_ext_ah(&f, 17, 0);       /* 8 bytes: no room for the sequence */
	udp = fb_udp(&f, 1, 2);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_EXT);
	cr_assert_eq(r.depth, 54);
}

Test(parser, ipv6_ext_beyond_payload_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 43);
	fb_ext(&f, 17, 3);          /* 32 bytes */
	fb_ipv6_fix(&f, ip);
	fb_put16(&f, ip + 4, 16);   /* payload length says 16 */

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.depth, 54);
}

Test(parser, ipv6_no_next_header)
{
	struct fb f = { .n = 0 };
	struct parser_result r;

	fb_eth(&f, 0x86dd);
	fb_ipv6(&f, 59);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6);
	cr_assert_eq(r.outer.ip_total_len, 40);
	cr_assert_eq(r.depth, 54);
}

/* ---- tunnels ------------------------------------------------------------ */

Test(parser, vxlan_inner_ipv4_tcp)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 0xabcdef);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_UDP);
	cr_assert_eq(r.outer.l4_dport, 4789);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.vni, 0xabcdef);
	cr_assert_eq(r.tunnel_off, 42);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.inner.l2_off, 50);
	cr_assert_eq(r.inner.l3_off, 64);
	cr_assert_eq(r.inner.l4_off, 84);
	cr_assert_eq(r.inner.l4_payload_off, 104);
	cr_assert_eq(r.inner.ethertype, 0x0800);
	assert_mapped(r.inner.src_ip, IP4(10, 9, 8, 7));
	assert_mapped(r.inner.dst_ip, IP4(10, 6, 5, 4));
	cr_assert_eq(r.inner.l4_sport, 5555);
	cr_assert_eq(r.inner.l4_dport, 6666);
	cr_assert_eq(r.inner.tcp_flags, 0x11);
	assert_mapped(r.outer.src_ip, IP4(192, 0, 2, 1));
	cr_assert_eq(r.depth, 104);
}

Test(parser, vxlan_inner_vlan)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 42);
	inner_ipv4_tcp(&f, 1);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.vni, 42);
	cr_assert_eq(r.outer.n_vlans, 0);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_VLAN | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.inner.n_vlans, 1);
	cr_assert_eq(r.inner.vlan_off[0], 62);
	cr_assert_eq(r.inner.vlan_tci[0], 0x0123);
	cr_assert_eq(r.inner.l3_off, 68);
	cr_assert_eq(r.depth, 108);
}

Test(parser, vxlan_over_ipv6)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 17);
	udp = fb_udp(&f, 1000, 4789);
	fb_vxlan(&f, 7);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.tunnel_off, 62);
	cr_assert_eq(r.inner.l2_off, 70);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
}

Test(parser, vxlan_inner_cut_by_outer_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 1);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);
	/* outer IP and UDP lengths both 30 short */
	fb_put16(&f, ip + 2, (uint16_t)(f.n - ip - 30));
	fb_put16(&f, udp + 4, (uint16_t)(f.n - udp - 30));

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH);
}

Test(parser, vxlan_cut_inside_inner_frame)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 0x10);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	/* inner IPv4 header half captured; the wire length is whole */
	cr_assert_eq(parser_parse(f.b, 64 + 10, f.n, &r), PARSE_TRUNC_TUNNEL);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.vni, 0x10);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH);
	cr_assert_eq(r.depth, 64);
	/* VXLAN header itself cut */
	cr_assert_eq(parser_parse(f.b, 46, f.n, &r), PARSE_TRUNC_TUNNEL);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 42);
	cr_assert_str_eq(parser_status_name(r.status), "trunc_tunnel");
}

Test(parser, vxlan_without_i_flag_has_no_vni)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_u32(&f, 0);
	fb_u32(&f, 0x777700);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.vni, 0);
	cr_assert(r.have_inner);
}

Test(parser, vxlan_header_beyond_ip_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_u32(&f, 0x08000000);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);
	fb_fill(&f, 0, 4);          /* Ethernet padding, not VXLAN */

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.depth, 42);
}

Test(parser, vxlan_under_outer_vlan)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_macs(&f);
	fb_tag(&f, 0x8100, 0x0042);
	fb_u16(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 0, 0);
	udp = fb_udp(&f, 1, 4789);
	fb_vxlan(&f, 3);
	inner_ipv4_tcp(&f, 1);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.outer.vlan_tci[0], 0x0042);
	cr_assert_eq(r.tunnel_off, 46);
	cr_assert_eq(r.inner.l2_off, 54);
	cr_assert_eq(r.inner.vlan_off[0], 66);
	cr_assert_eq(r.inner.l4_off, 92);
}

Test(parser, geneve_version_1_recognised_only)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 6081, &ip, &udp);
	fb_u8(&f, 0x40);
	fb_u8(&f, 0);
	fb_u16(&f, 0x6558);
	fb_u32(&f, 5u << 8);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_GENEVE);
	cr_assert_eq(r.vni, 5);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 50);
}

Test(parser, gre_version_1_recognised_only)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, 1, 2, 0, 0);
	fb_u16(&f, 0x3001);               /* PPTP: K, S, version 1 */
	fb_u16(&f, 0x880b);
	fb_u32(&f, 0x00100000);
	fb_u32(&f, 9);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.vni, 0);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 38);
}

Test(parser, geneve_inner_ethernet)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 6081, &ip, &udp);
	fb_u8(&f, 0x02);                  /* version 0, 2 words of options */
	fb_u8(&f, 0);
	fb_u16(&f, 0x6558);
	fb_u32(&f, 0x123456u << 8);
	fb_u16(&f, 0x0102);               /* option class */
	fb_u8(&f, 0x03);                  /* type */
	fb_u8(&f, 1);                     /* 1 word of data */
	fb_u32(&f, 0xcafef00d);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_GENEVE);
	cr_assert_eq(r.vni, 0x123456);
	cr_assert_eq(r.tunnel_off, 42);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.l2_off, 58);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.inner.l4_dport, 6666);
	cr_assert_eq(r.depth, 58 + 54);
}

Test(parser, geneve_ip_payload_recognised)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 6081, &ip, &udp);
	fb_u8(&f, 0);
	fb_u8(&f, 0);
	fb_u16(&f, 0x0800);
	fb_u32(&f, 99u << 8);
	fb_payload(&f, 20);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_GENEVE);
	cr_assert_eq(r.vni, 99);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 50);
}

Test(parser, gre_recognised)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	fb_u16(&f, 0x0000);
	fb_u16(&f, 0x0800);               /* IPv4 in GRE */
	fb_payload(&f, 20);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.tunnel_off, 34);
	cr_assert_eq(r.outer.ip_proto, 47);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 38);
}

Test(parser, nvgre_inner_ethernet)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	fb_u16(&f, 0x2000);               /* K */
	fb_u16(&f, 0x6558);
	fb_u32(&f, 0x00beef00 | 0x17);    /* VSID 0x00beef, flow id 0x17 */
	inner_ipv4_tcp(&f, 0);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.vni, 0x00beef);
	cr_assert_eq(r.tunnel_off, 34);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.l2_off, 42);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
}

Test(parser, nvgre_after_ipv4_ah)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 51, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	fb_ext_ah(&f, 47, 4);             /* 24 bytes */
	fb_u16(&f, 0x2000);               /* K */
	fb_u16(&f, 0x6558);
	fb_u32(&f, 0x00abcd00);
	inner_ipv4_tcp(&f, 0);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.outer.ip_proto, 47);
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.tunnel_off, 34 + 24);
	cr_assert_eq(r.vni, 0xabcd);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.l2_off, 34 + 24 + 8);
	cr_assert_eq(r.inner.l4_dport, 6666);
}

Test(parser, gre_over_ipv6_with_checksum)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 47);
	fb_u16(&f, 0x8000);               /* C */
	fb_u16(&f, 0x86dd);
	fb_u32(&f, 0);
	fb_payload(&f, 40);
	fb_ipv6_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.tunnel_off, 54);
	cr_assert_eq(r.depth, 62);
}

/* ---- GRE routing (RFC 1701) -------------------------------------------- */

/* IPv4 / GRE with `flags` (R among them) and a key / `n_sre` source-route
 * entries of the IPv4 family, 8 bytes each, and the NULL entry / inner
 * Ethernet.  Returns the GRE offset. */
static uint32_t gre_routed(struct fb *f, uint16_t flags, unsigned n_sre)
{
	uint32_t ip, gre;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	gre = fb_gre(f, flags, 0x6558);
	if (flags & 0xc000)
		fb_u32(f, 0x0000);        /* checksum, offset */
	if (flags & 0x2000)
		fb_u32(f, 0x00c0de00);    /* VSID 0x00c0de */
	if (flags & 0x1000)
		fb_u32(f, 77);
	for (unsigned i = 0; i < n_sre; i++)
		fb_gre_sre(f, 0x0800, 8);
	fb_gre_sre(f, 0, 0);
	inner_ipv4_tcp(f, 0);
	fb_ipv4_fix(f, ip);
	return gre;
}

/* R set, C clear: the checksum and offset word is there all the same
 * (RFC 1701), then the key, then the routing list. */
Test(parser, gre_routing_walked)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t gre = gre_routed(&f, 0x6000, 2);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.tunnel_off, gre);
	cr_assert_eq(r.vni, 0x00c0de);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.l2_off, gre + 4 + 4 + 4 + 2 * 12 + 4);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	assert_mapped(r.inner.src_ip, IP4(10, 9, 8, 7));
	cr_assert_eq(r.inner.l4_dport, 6666);
}

/* C and R together share the one checksum and offset word. */
Test(parser, gre_routing_with_checksum_and_sequence)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t gre = gre_routed(&f, 0xf000, 1);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.vni, 0x00c0de);
	cr_assert_eq(r.inner.l2_off, gre + 4 + 4 + 4 + 4 + 12 + 4);
	cr_assert_eq(r.inner.l4_dport, 6666);
}

/* An entry of length 0 with a family is not the NULL one: the list goes
 * on to the entry with family 0 and length 0. */
Test(parser, gre_routing_empty_entry_is_not_the_end)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, gre;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	gre = fb_gre(&f, 0x4000, 0x6558);
	fb_u32(&f, 0);
	fb_gre_sre(&f, 0x0800, 0);
	fb_gre_sre(&f, 0xfffe, 4);        /* an AS path entry */
	fb_gre_sre(&f, 0, 0);
	inner_ipv4_tcp(&f, 0);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.inner.l2_off, gre + 8 + 4 + 8 + 4);
	cr_assert_eq(r.inner.l4_dport, 6666);
}

Test(parser, gre_routing_too_long)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t gre = gre_routed(&f, 0x4000, 8);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert(r.have_inner);

	f.n = 0;
	gre = gre_routed(&f, 0x4000, 9);
	cr_assert_eq(parse_fb(&f, &r), PARSE_TOO_MANY_SRE);
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert(!r.have_inner);
	cr_assert(all_zero(&r.inner, sizeof r.inner));
	cr_assert_eq(r.depth, gre + 8 + 8 * 12);
	cr_assert_str_eq(parser_status_name(r.status), "too_many_sre");
}

/* A list whose NULL entry the IP packet does not hold. */
Test(parser, gre_routing_beyond_ip_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, gre;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	gre = fb_gre(&f, 0x4000, 0x0800);
	fb_u32(&f, 0);
	fb_gre_sre(&f, 0x0800, 8);
	fb_gre_sre(&f, 0x0800, 16);
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, ip + 2, (uint16_t)(f.n - ip - 8));
	fb_fill(&f, 0, 8);                /* Ethernet padding */

	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN, "%s",
		     parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_GRE);
	cr_assert_eq(r.depth, gre + 8 + 12);   /* the first entry, whole */
}

/* Reserved bits that move nothing (strict route, recursion, flags) are
 * ignored, as RFC 2784 asks; undefined versions are recognised only. */
Test(parser, gre_reserved_bits_and_versions)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, gre;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	gre = fb_gre(&f, 0x2ff8, 0x6558);
	fb_u32(&f, 0x00000100);
	inner_ipv4_tcp(&f, 0);
	fb_ipv4_fix(&f, ip);
	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert_eq(r.vni, 1);
	cr_assert_eq(r.inner.l2_off, gre + 8);

	for (uint16_t v = 1; v < 8; v++) {
		fb_put16(&f, gre, (uint16_t)(0x2000 | v));
		cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "version %u", v);
		cr_assert_eq(r.tunnel, TUNNEL_GRE);
		cr_assert_eq(r.vni, 0);
		cr_assert(!r.have_inner);
		cr_assert_eq(r.depth, gre + 4);
	}
}

Test(parser, no_tunnel_in_fragment)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 0x2000, 0);
	udp = fb_udp(&f, 1, 4789);
	fb_vxlan(&f, 5);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);

	cr_assert_eq(parse_fb(&f, &r), PARSE_OK);
	cr_assert_eq(r.tunnel, TUNNEL_NONE);
	cr_assert_eq(r.vni, 0);
	cr_assert_eq(r.depth, 42);
}

/* ---- length fields bound what follows ----------------------------------- */

/* VXLAN whose outer IP packet carries `trailer` bytes after the UDP
 * datagram: the UDP length, not the IP length, ends the inner frame. */
static void vxlan_udp_short_of_ip(struct fb *f, uint32_t trailer, uint32_t *udp)
{
	uint32_t ip;

	outer_udp(f, 4789, &ip, udp);
	fb_vxlan(f, 0x42);
	inner_ipv4_tcp(f, 0);
	fb_udp_fix(f, *udp);
	fb_fill(f, 0xee, trailer);
	fb_ipv4_fix(f, ip);
}

Test(parser, udp_length_ends_the_inner_frame)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t udp;

	/* The trailer past the UDP datagram is not part of the inner frame. */
	vxlan_udp_short_of_ip(&f, 12, &udp);
	cr_assert_eq(parse_fb(&f, &r), PARSE_OK, "%s", parser_status_name(r.status));
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH | HDR_IPV4 | HDR_TCP);

	/* A UDP length 12 bytes short cuts the inner IP packet: its total
	 * length reaches past the datagram, so the frame contradicts itself. */
	f.n = 0;
	vxlan_udp_short_of_ip(&f, 12, &udp);
	fb_put16(&f, udp + 4, (uint16_t)(f.n - udp - 24));
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN, "%s",
		     parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH);
	cr_assert_eq(r.depth, 50 + 14);
}

Test(parser, udp_length_ends_the_vxlan_header)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 9);
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, udp + 4, 8 + 4);     /* half the VXLAN header */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.tunnel, TUNNEL_VXLAN);
	cr_assert_eq(r.vni, 0);
	cr_assert_eq(r.depth, 42);
}

Test(parser, udp_length_ends_geneve_options)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 6081, &ip, &udp);
	fb_geneve(&f, 0x77, 0x6558, 4);
	inner_ipv4_tcp(&f, 0);
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, udp + 4, 8 + 8 + 8); /* 2 of the 4 option words */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN, "%s",
		     parser_status_name(r.status));
	cr_assert_eq(r.tunnel, TUNNEL_GENEVE);
	cr_assert_eq(r.vni, 0x77);
	cr_assert(!r.have_inner);
	cr_assert_eq(r.depth, 50);
}

/* An inner ARP or VLAN tag reaching past the UDP datagram: without an IP
 * length of its own, only the carrying length can refuse it. */
Test(parser, udp_length_ends_inner_arp_and_tags)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 3);
	fb_eth(&f, 0x0806);
	fb_arp(&f, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2));
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, udp + 4, (uint16_t)(f.n - udp - 4));
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN, "%s",
		     parser_status_name(r.status));
	cr_assert(r.have_inner);
	cr_assert_eq(r.inner.have, HDR_ETH);

	f.n = 0;
	outer_udp(&f, 4789, &ip, &udp);
	fb_vxlan(&f, 3);
	fb_macs(&f);
	fb_tag(&f, 0x8100, 0x0005);
	fb_u16(&f, 0x88cc);               /* LLDP: nothing more to parse */
	fb_payload(&f, 16);
	fb_ipv4_fix(&f, ip);
	fb_put16(&f, udp + 4, 8 + 8 + 14 + 2);
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN, "%s",
		     parser_status_name(r.status));
	cr_assert_eq(r.inner.have, HDR_ETH);
	cr_assert_eq(r.inner.n_vlans, 0);
}

Test(parser, udp_length_below_header)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	udp = fb_udp(&f, 53, 53);
	fb_payload(&f, 20);
	fb_ipv4_fix(&f, ip);
	for (uint16_t ulen = 0; ulen < 8; ulen++) {
		fb_put16(&f, udp + 4, ulen);
		cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_L4, "length %u", ulen);
		cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4);
		cr_assert_eq(r.outer.l4_sport, 0);
		cr_assert_eq(r.depth, 34);
	}
	cr_assert_str_eq(parser_status_name(r.status), "bad_l4");
}

Test(parser, udp_length_beyond_ip_packet)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 17);
	udp = fb_udp(&f, 1000, 4789);
	fb_vxlan(&f, 1);
	inner_ipv4_tcp(&f, 0);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);
	fb_put16(&f, udp + 4, (uint16_t)(f.n - udp + 1));
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_L4, "%s",
		     parser_status_name(r.status));
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6);
	assert_no_tunnel(&r);
	cr_assert_eq(r.depth, 54);
}

Test(parser, udp_length_zero_in_jumbogram)
{
	static struct fb f;
	struct parser_result r;

	/* RFC 2675: payload length and UDP length are both 0; the wire
	 * length measures the datagram. */
	f.n = 0;
	fb_eth(&f, 0x86dd);
	fb_ipv6(&f, 17);
	fb_udp(&f, 1, 2);
	fb_payload(&f, 100);
	cr_assert_eq(parse_fb_len(&f, 100000, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_UDP);
	cr_assert_eq(r.depth, 62);

	/* On a frame that fits 16 bits, 0 is just too short. */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	fb_ipv6_fix(&f, 14);
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_L4);
}

/* ---- malformed ---------------------------------------------------------- */

static void simple_ipv4_tcp(struct fb *f, uint32_t *ip)
{
	fb_eth(f, 0x0800);
	*ip = fb_ipv4(f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(f, 1, 2, 0x10, 0);
	fb_payload(f, 6);
	fb_ipv4_fix(f, *ip);
}

Test(parser, bad_ip_version)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	simple_ipv4_tcp(&f, &ip);
	f.b[ip] = 0x65;
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_VERSION);
	cr_assert_eq(r.depth, 14);
	cr_assert_eq(r.outer.have, HDR_ETH);
	cr_assert_eq(r.outer.ethertype, 0x0800);
	cr_assert_eq(r.outer.ip_proto, 0);

	f.n = 0;
	fb_eth(&f, 0x86dd);
	ip = fb_ipv4(&f, 6, 1, 2, 0, 5);  /* 40 bytes of IPv4 behind 0x86dd */
	fb_ipv4_fix(&f, ip);
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_VERSION);
	cr_assert_str_eq(parser_status_name(r.status), "bad_ip_version");
}

Test(parser, bad_ihl)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	simple_ipv4_tcp(&f, &ip);
	f.b[ip] = 0x44;                   /* IHL 4 */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IHL);
	cr_assert_eq(r.depth, 14);

	f.n = 0;
	simple_ipv4_tcp(&f, &ip);
	f.b[ip] = 0x4f;                   /* 60 bytes > total length 46 */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IHL);
	cr_assert_eq(r.outer.have, HDR_ETH);
}

Test(parser, bad_ipv4_total_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	simple_ipv4_tcp(&f, &ip);
	fb_put16(&f, ip + 2, 19);         /* below the header */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.depth, 14);

	f.n = 0;
	simple_ipv4_tcp(&f, &ip);
	fb_put16(&f, ip + 2, (uint16_t)(f.n - ip + 1));   /* past the frame */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);

	f.n = 0;
	simple_ipv4_tcp(&f, &ip);
	fb_put16(&f, ip + 2, 30);         /* holds no TCP header */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4);
	cr_assert_eq(r.depth, 34);

	f.n = 0;
	simple_ipv4_tcp(&f, &ip);
	fb_put16(&f, ip + 2, 0);          /* 0 on a short frame: not BIG TCP */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_str_eq(parser_status_name(r.status), "bad_ip_len");
}

Test(parser, bad_ipv6_payload_length)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 6);
	fb_tcp(&f, 1, 2, 0, 0);
	fb_ipv6_fix(&f, ip);
	fb_put16(&f, ip + 4, 21);         /* one more than the frame holds */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.depth, 14);

	fb_put16(&f, ip + 4, 12);         /* too short for TCP */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_IP_LEN);
	cr_assert_eq(r.depth, 54);
}

Test(parser, bad_tcp_data_offset)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	uint32_t ip, tcp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, 1, 2, 0, 0);
	tcp = fb_tcp(&f, 1, 2, 0x02, 0);
	fb_ipv4_fix(&f, ip);
	f.b[tcp + 12] = 0x40;             /* 4 words */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_L4);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4);
	cr_assert_eq(r.outer.l4_sport, 0);
	cr_assert_eq(r.depth, 34);

	f.b[tcp + 12] = 0x60;             /* 24 bytes, IP holds 20 */
	cr_assert_eq(parse_fb(&f, &r), PARSE_BAD_L4);
	cr_assert_str_eq(parser_status_name(r.status), "bad_l4");
}

Test(parser, big_tcp_ipv4_total_length_zero)
{
	static struct fb f;
	struct parser_result r;
	uint32_t ip;

	f.n = 0;
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0x4000, 0);
	fb_tcp(&f, 1, 2, 0x10, 3);
	fb_payload(&f, 100);
	(void)ip;                         /* total length stays 0 */

	cr_assert_eq(parse_fb_len(&f, 70000, &r), PARSE_OK);
	cr_assert_eq(r.outer.ip_total_len, 0);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV4 | HDR_TCP);
	cr_assert_eq(r.depth, 66);
}

Test(parser, big_tcp_ipv6_payload_length_zero)
{
	static struct fb f;
	struct parser_result r;

	f.n = 0;
	fb_eth(&f, 0x86dd);
	fb_ipv6(&f, 6);
	fb_tcp(&f, 1, 2, 0x10, 0);
	fb_payload(&f, 100);

	cr_assert_eq(parse_fb_len(&f, 100000, &r), PARSE_OK);
	cr_assert_eq(r.outer.have, HDR_ETH | HDR_IPV6 | HDR_TCP);
	cr_assert_eq(r.depth, 74);
}

Test(parser, empty_and_null)
{
	struct parser_result r;
	uint8_t b[1] = { 0 };

	cr_assert_eq(parser_parse(NULL, 0, 0, &r), PARSE_TRUNC_L2);
	cr_assert_eq(r.depth, 0);
	cr_assert_eq(parser_parse(b, 1, 0, &r), PARSE_TRUNC_L2);
	cr_assert_eq(r.outer.have, 0);
}

Test(parser, status_names)
{
	for (int i = 0; i < PARSE_STATUS_COUNT; i++) {
		const char *a = parser_status_name((enum parser_status)i);

		cr_assert_str_neq(a, "?", "status %d has no name", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(a, parser_status_name((enum parser_status)j));
	}
	cr_assert_str_eq(parser_status_name(PARSE_STATUS_COUNT), "?");
	cr_assert_str_eq(parser_status_name((enum parser_status)-1), "?");
}

/* ---- the shared capture corpus ------------------------------------------ */

/* What parsing one capture file gave. */
struct corpus_stats {
	unsigned packets;
	unsigned status[PARSE_STATUS_COUNT];
	unsigned tunnel[4];
	unsigned inner;
	unsigned qinq;
	unsigned l4;
	unsigned arp;
	unsigned inner_ipv6;
};

/* Every packet from an exact-size copy, and every cut up to a little past
 * its depth (the bytes after that are payload the parser never reads). */
static int parse_file(const char *path, struct corpus_stats *s)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;

	memset(s, 0, sizeof *s);
	if (pcap_in_open(path, &in, &err))
		return -1;
	while (pcap_in_next(in, &pkt, &err) == 1) {
		uint8_t *copy = malloc(pkt.caplen ? pkt.caplen : 1);
		struct parser_result r;
		uint32_t sweep;

		cr_assert_not_null(copy);
		memcpy(copy, pkt.frame, pkt.caplen);
		parser_parse(copy, pkt.caplen, pkt.len, &r);
		free(copy);
		cr_assert_leq(r.depth, pkt.caplen, "%s #%llu", path,
			      (unsigned long long)pkt.number);
		sweep = (uint32_t)r.depth + 16;
		if (sweep > pkt.caplen)
			sweep = pkt.caplen;
		check_truncations(pkt.frame, sweep, pkt.len, &r);
		s->packets++;
		s->status[r.status]++;
		s->tunnel[r.tunnel]++;
		s->inner += r.have_inner;
		s->qinq += r.outer.n_vlans == 2;
		s->l4 += !!(r.outer.have & (HDR_TCP | HDR_UDP | HDR_ICMP));
		s->arp += !!(r.outer.have & HDR_ARP);
		s->inner_ipv6 += !!(r.inner.have & HDR_IPV6);
	}
	pcap_in_close(in);
	return 0;
}

static void corpus_file(const char *rel, struct corpus_stats *s)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s", corpus, rel);
	if (access(path, R_OK))
		cr_skip("%s is not in the corpus", path);
	cr_assert_eq(parse_file(path, s), 0, "cannot read %s", path);
	cr_assert_gt(s->packets, 0, "%s", path);
}

struct corpus_sum {
	unsigned files, packets;
};

static void parse_one(const char *path, void *ctx)
{
	struct corpus_sum *sum = ctx;
	struct corpus_stats s;

	if (parse_file(path, &s) == 0) {
		sum->files++;
		sum->packets += s.packets;
	}
}

Test(parser_corpus, every_capture_parses_within_bounds)
{
	struct corpus_sum sum = { 0, 0 };

	NEED_CORPUS();
	corpus_walk(corpus, parse_one, &sum);
	cr_assert_gt(sum.files, 10, "only %u readable captures under %s",
		     sum.files, corpus);
	cr_assert_gt(sum.packets, 1000);
}

Test(parser_corpus, big_tcp_ipv4)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("tcpdump/bigtcp-ipv4.pcap", &s);
	cr_assert_eq(s.status[PARSE_OK], s.packets);
	cr_assert_eq(s.l4, s.packets);
}

Test(parser_corpus, qinq)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("tcpdump/802.1ad_QinQ.pcap", &s);
	cr_assert_eq(s.qinq, s.packets);
	cr_assert_eq(s.status[PARSE_OK], s.packets);
}

Test(parser_corpus, vxlan_and_geneve)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("tcpdump/vxlan.pcap", &s);
	cr_assert_eq(s.tunnel[TUNNEL_VXLAN], s.packets);
	cr_assert_eq(s.inner, s.packets);
	corpus_file("tcpdump/geneve.pcap", &s);
	cr_assert_eq(s.tunnel[TUNNEL_GENEVE], s.packets);
	cr_assert_eq(s.status[PARSE_OK], s.packets);
	corpus_file("tcpdump/gso-ipv4-vxlan-ipv6.pcap", &s);
	cr_assert_eq(s.tunnel[TUNNEL_VXLAN], s.packets);
	cr_assert_eq(s.inner_ipv6, s.packets);
	/* 8472 is the pre-IANA Linux VXLAN port: not a tunnel to us */
	corpus_file("tcpdump/vxlan_port_8472.pcap", &s);
	cr_assert_eq(s.tunnel[TUNNEL_NONE], s.packets);
}

Test(parser_corpus, gre)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("tcpdump/various_gre.pcap", &s);
	cr_assert_gt(s.tunnel[TUNNEL_GRE], 0);
	cr_assert_eq(s.status[PARSE_OK], s.packets);
}

Test(parser_corpus, arp_and_rarp)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("libpcap/rarp_req_reply.pcapng", &s);
	cr_assert_eq(s.arp, s.packets);
}

Test(parser_corpus, malformed_ip)
{
	struct corpus_stats s;

	NEED_CORPUS();
	corpus_file("tcpdump/ipv4_invalid_hdr_length.pcap", &s);
	cr_assert_eq(s.status[PARSE_BAD_IHL], s.packets);
	corpus_file("tcpdump/ipv4_invalid_total_length.pcap", &s);
	cr_assert_eq(s.status[PARSE_BAD_IP_LEN], s.packets);
	corpus_file("tcpdump/ipv6-bad-version.pcap", &s);
	cr_assert_gt(s.status[PARSE_BAD_IP_VERSION], 0);
	corpus_file("libpcap/ipv6_ext_headers.pcap", &s);   /* 100 headers */
	cr_assert_eq(s.status[PARSE_TOO_MANY_EXT], s.packets);
}

/* ---- Wireshark as the peer ---------------------------------------------- */

/* Wireshark's dissectors are a reference no one here wrote.  The frames
 * below go into a pcap, tshark dissects it, and for every frame the layers
 * and fields the parser reports must be the ones tshark shows.  Where the
 * parser stops early (a bad_* or trunc_* status, a tunnel it recognises
 * without parsing, the packet an ICMP error quotes) tshark may show more,
 * but what the parser did report must agree with it. */

static void peer_ipv4_l4(struct fb *f, int proto)
{
	uint32_t ip, l4;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, (uint8_t)proto, IP4(10, 0, 0, 1), IP4(192, 168, 1, 2), 0x4000, 0);
	if (proto == 6) {
		fb_tcp(f, 1234, 80, 0x12, 2);
	} else if (proto == 17) {
		l4 = fb_udp(f, 5353, 5354);
		fb_payload(f, 30);
		fb_udp_fix(f, l4);
	} else {
		fb_icmp(f, 8, 0);          /* echo request */
		fb_payload(f, 28);
	}
	fb_ipv4_fix(f, ip);
}

static void peer_ipv4_options(struct fb *f, int words)
{
	uint32_t ip, udp;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, (unsigned)words);
	udp = fb_udp(f, 1111, 2222);
	fb_payload(f, 4);
	fb_udp_fix(f, udp);
	fb_ipv4_fix(f, ip);
}

/* 802.1Q, 802.1ad + 802.1Q, or 0x9100 + 802.1Q tags over IPv4/TCP. */
static void peer_vlans(struct fb *f, int outer_tpid)
{
	uint32_t ip;

	fb_macs(f);
	fb_tag(f, (uint16_t)outer_tpid, 0x00c8);
	if (outer_tpid != 0x8100)
		fb_tag(f, 0x8100, 0xe00a);
	fb_u16(f, 0x0800);
	ip = fb_ipv4(f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(f, 3000, 4000, 0x10, 0);
	fb_ipv4_fix(f, ip);
}

static void peer_arp(struct fb *f, int ethertype)
{
	fb_eth(f, (uint16_t)ethertype);
	fb_arp(f, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2));
	fb_fill(f, 0, 18);
}

/* IPv6 with one extension header of kind `kind` (or none, -1) then UDP. */
static void peer_ipv6_ext(struct fb *f, int kind)
{
	uint32_t ip, udp;

	fb_eth(f, 0x86dd);
	ip = fb_ipv6(f, (uint8_t)(kind < 0 ? 17 : kind));
	if (kind == 44)
		fb_ext_frag(f, 17, 0, 1);
	else if (kind == 51)
		fb_ext_ah(f, 17, 4);
	else if (kind >= 0)
		fb_ext(f, 17, kind == 43 ? 2 : 0);
	udp = fb_udp(f, 4000, 5000);
	fb_payload(f, 8);
	fb_udp_fix(f, udp);
	fb_ipv6_fix(f, ip);
}

static void peer_ipv6_tcp_icmp(struct fb *f, int proto)
{
	uint32_t ip;

	fb_eth(f, 0x86dd);
	ip = fb_ipv6(f, (uint8_t)proto);
	if (proto == 6)
		fb_tcp(f, 33000, 22, 0x18, 3);
	else
		fb_icmp(f, 128, 0);
	fb_payload(f, 16);
	fb_ipv6_fix(f, ip);
}

static void peer_fragment(struct fb *f, int which)
{
	static const struct { int v6; uint16_t offset8; int more; } c[] = {
		{ 1, 0, 0 }, { 1, 0, 1 }, { 1, 185, 0 },
		{ 0, 0, 0 }, { 0, 0, 1 }, { 0, 185, 1 },
	};

	build_fragment(f, c[which].v6, c[which].offset8, c[which].more);
}

/* VXLAN over IPv4 (0), over IPv6 (1), or with a tagged inner frame (2). */
static void peer_vxlan(struct fb *f, int how)
{
	uint32_t ip, udp;

	if (how == 1) {
		fb_eth(f, 0x86dd);
		ip = fb_ipv6(f, 17);
		udp = fb_udp(f, 1000, 4789);
	} else {
		outer_udp(f, 4789, &ip, &udp);
	}
	fb_vxlan(f, 0xabcdef);
	inner_ipv4_tcp(f, how == 2);
	fb_udp_fix(f, udp);
	if (how == 1)
		fb_ipv6_fix(f, ip);
	else
		fb_ipv4_fix(f, ip);
}

static void peer_geneve(struct fb *f, int opt_words)
{
	uint32_t ip, udp;

	outer_udp(f, 6081, &ip, &udp);
	fb_geneve(f, 0x123456, 0x6558, (unsigned)opt_words);
	inner_ipv4_tcp(f, 0);
	fb_udp_fix(f, udp);
	fb_ipv4_fix(f, ip);
}

/* GRE over IPv4 with `flags` and protocol 0x6558 (the key, when K is set,
 * is NVGRE's VSID 0x00beef), or plain GRE carrying IPv4 when flags < 0. */
static void peer_gre(struct fb *f, int flags)
{
	uint32_t ip;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	if (flags < 0) {
		uint32_t in;

		fb_gre(f, 0, 0x0800);
		in = fb_ipv4(f, 6, IP4(10, 1, 1, 1), IP4(10, 2, 2, 2), 0, 0);
		fb_tcp(f, 7, 8, 0x02, 0);
		fb_ipv4_fix(f, in);
	} else {
		fb_gre(f, (uint16_t)flags, 0x6558);
		if (flags & 0x8000)
			fb_u32(f, 0);
		if (flags & 0x2000)
			fb_u32(f, 0x00beef17);
		if (flags & 0x1000)
			fb_u32(f, 9);
		inner_ipv4_tcp(f, 0);
	}
	fb_ipv4_fix(f, ip);
}

static void peer_pptp(struct fb *f, int unused)
{
	uint32_t ip, in;

	(void)unused;
	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, 47, IP4(198, 51, 100, 1), IP4(198, 51, 100, 2), 0, 0);
	fb_gre(f, 0x3001, 0x880b);        /* K, S, version 1 */
	fb_u16(f, 4 + 40);                /* payload length */
	fb_u16(f, 0x0010);                /* call id */
	fb_u32(f, 9);
	fb_u32(f, 0xff030021);            /* PPP: address, control, IPv4 */
	in = fb_ipv4(f, 6, IP4(10, 1, 1, 1), IP4(10, 2, 2, 2), 0, 0);
	fb_tcp(f, 7, 8, 0x02, 0);
	fb_ipv4_fix(f, in);
	fb_ipv4_fix(f, ip);
}

static void peer_gre_routed(struct fb *f, int n_sre)
{
	gre_routed(f, n_sre > 2 ? 0x4000 : 0x6000, (unsigned)n_sre);
}

static void peer_ah(struct fb *f, int v6)
{
	build_ah_tcp(f, v6, 4);
}

static void peer_esp(struct fb *f, int v6)
{
	uint32_t ip = ip_of_family(f, v6, 50);

	fb_u32(f, 0x100);
	fb_u32(f, 1);
	fb_payload(f, 24);
	ip_fix(f, v6, ip);
}

/* VXLAN whose UDP length is `delta` bytes off the datagram's, the outer IP
 * packet holding 12 bytes after the datagram. */
static void peer_udp_length(struct fb *f, int delta)
{
	uint32_t udp;

	vxlan_udp_short_of_ip(f, 12, &udp);
	fb_put16(f, udp + 4, (uint16_t)(f->n - 12 - udp + (uint32_t)delta));
}

static void peer_udp_too_short(struct fb *f, int ulen)
{
	uint32_t ip, udp;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, 17, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	udp = fb_udp(f, 53, 53);
	fb_payload(f, 20);
	fb_ipv4_fix(f, ip);
	fb_put16(f, udp + 4, (uint16_t)ulen);
}

static void peer_bad_ip(struct fb *f, int ihl_byte)
{
	uint32_t ip;

	simple_ipv4_tcp(f, &ip);
	f->b[ip] = (uint8_t)ihl_byte;
}

static const struct peer_frame {
	const char *name;
	void (*build)(struct fb *f, int arg);
	int arg;
	uint32_t caplen;          /* when not 0, the capture is cut there */
	enum parser_status want;
} peer_frames[] = {
	{ "ipv4_tcp", peer_ipv4_l4, 6, 0, PARSE_OK },
	{ "ipv4_udp", peer_ipv4_l4, 17, 0, PARSE_OK },
	{ "ipv4_icmp", peer_ipv4_l4, 1, 0, PARSE_OK },
	{ "ipv4_options", peer_ipv4_options, 10, 0, PARSE_OK },
	{ "vlan_8021q", peer_vlans, 0x8100, 0, PARSE_OK },
	{ "qinq_88a8", peer_vlans, 0x88a8, 0, PARSE_OK },
	{ "qinq_9100", peer_vlans, 0x9100, 0, PARSE_OK },
	{ "arp", peer_arp, 0x0806, 0, PARSE_OK },
	{ "rarp", peer_arp, 0x8035, 0, PARSE_OK },
	{ "ipv6_udp", peer_ipv6_ext, -1, 0, PARSE_OK },
	{ "ipv6_hop_by_hop", peer_ipv6_ext, 0, 0, PARSE_OK },
	{ "ipv6_routing", peer_ipv6_ext, 43, 0, PARSE_OK },
	{ "ipv6_first_fragment", peer_ipv6_ext, 44, 0, PARSE_OK },
	{ "ipv6_dest_options", peer_ipv6_ext, 60, 0, PARSE_OK },
	{ "ipv6_ah", peer_ipv6_ext, 51, 0, PARSE_OK },
	{ "ipv6_tcp", peer_ipv6_tcp_icmp, 6, 0, PARSE_OK },
	{ "icmpv6", peer_ipv6_tcp_icmp, 58, 0, PARSE_OK },
	{ "ipv6_atomic_fragment_vxlan", peer_fragment, 0, 0, PARSE_OK },
	{ "ipv6_first_fragment_vxlan", peer_fragment, 1, 0, PARSE_OK },
	{ "ipv6_later_fragment", peer_fragment, 2, 0, PARSE_OK },
	{ "ipv4_whole_vxlan", peer_fragment, 3, 0, PARSE_OK },
	{ "ipv4_first_fragment_vxlan", peer_fragment, 4, 0, PARSE_OK },
	{ "ipv4_later_fragment", peer_fragment, 5, 0, PARSE_OK },
	{ "ipv4_ah", peer_ah, 0, 0, PARSE_OK },
	{ "ipv6_ah_tcp", peer_ah, 1, 0, PARSE_OK },
	{ "ipv4_esp", peer_esp, 0, 0, PARSE_OK },
	{ "ipv6_esp", peer_esp, 1, 0, PARSE_OK },
	{ "vxlan", peer_vxlan, 0, 0, PARSE_OK },
	{ "vxlan_over_ipv6", peer_vxlan, 1, 0, PARSE_OK },
	{ "vxlan_inner_vlan", peer_vxlan, 2, 0, PARSE_OK },
	{ "vxlan_cut_in_inner_ip", peer_vxlan, 0, 64 + 10, PARSE_TRUNC_TUNNEL },
	{ "geneve", peer_geneve, 0, 0, PARSE_OK },
	{ "geneve_options", peer_geneve, 3, 0, PARSE_OK },
	{ "gre_ipv4", peer_gre, -1, 0, PARSE_OK },
	{ "nvgre", peer_gre, 0x2000, 0, PARSE_OK },
	{ "gre_csum_key_seq", peer_gre, 0xb000, 0, PARSE_OK },
	{ "gre_pptp", peer_pptp, 0, 0, PARSE_OK },
	{ "gre_routing", peer_gre_routed, 2, 0, PARSE_OK },
	{ "gre_routing_8", peer_gre_routed, 8, 0, PARSE_OK },
	{ "gre_routing_9", peer_gre_routed, 9, 0, PARSE_TOO_MANY_SRE },
	{ "udp_length_short_of_ip", peer_udp_length, 0, 0, PARSE_OK },
	{ "udp_length_cuts_inner", peer_udp_length, -12, 0, PARSE_BAD_IP_LEN },
	{ "udp_length_past_ip", peer_udp_length, 13, 0, PARSE_BAD_L4 },
	{ "udp_length_4", peer_udp_too_short, 4, 0, PARSE_BAD_L4 },
	{ "bad_ihl", peer_bad_ip, 0x44, 0, PARSE_BAD_IHL },
	{ "bad_ip_version", peer_bad_ip, 0x65, 0, PARSE_BAD_IP_VERSION },
};

#define PEER_N (sizeof peer_frames / sizeof peer_frames[0])

/* The tshark fields compared, in the order of its output after
 * frame.number and frame.protocols.  Wireshark names an 802.1ad tag apart
 * from an 802.1Q one (its type field is ieee8021ah.etype); gre.key is
 * compared as NVGRE's VSID, its upper 24 bits. */
static const char *const peer_fields[] = {
	"eth.type", "ieee8021ad.id", "ieee8021ah.etype", "vlan.id", "vlan.etype",
	"ip.src", "ip.dst", "ip.ttl",
	"ipv6.src", "ipv6.dst", "ipv6.hlim", "tcp.srcport", "tcp.dstport",
	"tcp.flags", "udp.srcport", "udp.dstport", "icmp.type", "icmp.code",
	"icmpv6.type", "icmpv6.code", "vxlan.vni", "geneve.vni", "gre.key",
};

#define PEER_NF (sizeof peer_fields / sizeof peer_fields[0])

/* Fields after those: whether tshark sees the outer packet as a fragment
 * (MF set or an offset), which the parser's HDR_FRAG must agree with. */
static const char *const peer_frag_fields[] = {
	"ip.flags.mf", "ip.frag_offset", "ipv6.fraghdr.more", "ipv6.fraghdr.offset",
};

#define PEER_NFRAG (sizeof peer_frag_fields / sizeof peer_frag_fields[0])

enum {
	PF_ETH_TYPE, PF_STAG_ID, PF_STAG_ETYPE, PF_VLAN_ID, PF_VLAN_ETYPE, PF_IP_SRC, PF_IP_DST, PF_IP_TTL,
	PF_IP6_SRC, PF_IP6_DST, PF_IP6_HLIM, PF_TCP_SPORT, PF_TCP_DPORT,
	PF_TCP_FLAGS, PF_UDP_SPORT, PF_UDP_DPORT, PF_ICMP_TYPE, PF_ICMP_CODE,
	PF_ICMP6_TYPE, PF_ICMP6_CODE, PF_VXLAN_VNI, PF_GENEVE_VNI, PF_GRE_VSID,
};

/* One frame as tshark names it: the layers of frame.protocols that the
 * parser knows, and each field's values, outer level first, comma
 * separated. */
struct peer_view {
	char layers[256];
	char field[PEER_NF][128];
	bool fragment;
};

/* The layers of frame.protocols the parser reports; the others (ethertype,
 * IPv6 extension headers, AH, payload dissectors) it walks or ignores. */
static bool peer_known_layer(const char *name)
{
	static const char *const known[] = {
		"eth", "ieee8021ad", "vlan", "arp", "ip", "ipv6", "tcp", "udp", "icmp",
		"icmpv6", "esp", "vxlan", "geneve", "gre",
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(name, known[i]))
			return true;
	return false;
}

static void peer_add(char *list, size_t cap, const char *v)
{
	size_t n = strlen(list);

	snprintf(list + n, cap - n, "%s%s", n ? "," : "", v);
}

static void peer_addf(struct peer_view *v, int field, const char *fmt,
		      unsigned x)
{
	char s[32];

	snprintf(s, sizeof s, fmt, x);
	peer_add(v->field[field], sizeof v->field[field], s);
}

static void peer_layer(struct peer_view *v, const char *name)
{
	peer_add(v->layers, sizeof v->layers, name);
}

static void peer_addr(struct peer_view *v, int field, int af, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	cr_assert_not_null(inet_ntop(af, a, s, sizeof s));
	peer_add(v->field[field], sizeof v->field[field], s);
}

static void peer_ip(struct peer_view *v, const struct pkt_hdrs *h)
{
	if (h->have & HDR_IPV4) {
		peer_layer(v, "ip");
		peer_addr(v, PF_IP_SRC, AF_INET, h->src_ip + 12);
		peer_addr(v, PF_IP_DST, AF_INET, h->dst_ip + 12);
		peer_addf(v, PF_IP_TTL, "%u", h->ttl);
	} else if (h->have & HDR_IPV6) {
		peer_layer(v, "ipv6");
		peer_addr(v, PF_IP6_SRC, AF_INET6, h->src_ip);
		peer_addr(v, PF_IP6_DST, AF_INET6, h->dst_ip);
		peer_addf(v, PF_IP6_HLIM, "%u", h->ttl);
	}
}

static void peer_l4(struct peer_view *v, const struct pkt_hdrs *h)
{
	bool v6 = h->have & HDR_IPV6;

	if (h->have & HDR_TCP) {
		peer_layer(v, "tcp");
		peer_addf(v, PF_TCP_SPORT, "%u", h->l4_sport);
		peer_addf(v, PF_TCP_DPORT, "%u", h->l4_dport);
		peer_addf(v, PF_TCP_FLAGS, "0x%04x", h->tcp_flags);
	} else if (h->have & HDR_UDP) {
		peer_layer(v, "udp");
		peer_addf(v, PF_UDP_SPORT, "%u", h->l4_sport);
		peer_addf(v, PF_UDP_DPORT, "%u", h->l4_dport);
	} else if (h->have & HDR_ICMP) {
		peer_layer(v, v6 ? "icmpv6" : "icmp");
		peer_addf(v, v6 ? PF_ICMP6_TYPE : PF_ICMP_TYPE, "%u", h->l4_sport);
		peer_addf(v, v6 ? PF_ICMP6_CODE : PF_ICMP_CODE, "%u", h->l4_dport);
	}
}

/* One encapsulation level. */
static void peer_level(struct peer_view *v, const struct pkt_hdrs *h)
{
	if (!(h->have & HDR_ETH))
		return;
	peer_layer(v, "eth");
	peer_addf(v, PF_ETH_TYPE, "0x%04x",
		  h->n_vlans ? h->vlan_tpid[0] : h->ethertype);
	for (unsigned i = 0; i < h->n_vlans; i++) {
		bool stag = h->vlan_tpid[i] == 0x88a8;

		peer_layer(v, stag ? "ieee8021ad" : "vlan");
		peer_addf(v, stag ? PF_STAG_ID : PF_VLAN_ID, "%u",
			  h->vlan_tci[i] & 0x0fff);
		peer_addf(v, stag ? PF_STAG_ETYPE : PF_VLAN_ETYPE, "0x%04x",
			  i + 1 < h->n_vlans ? h->vlan_tpid[i + 1] : h->ethertype);
	}
	if (h->have & HDR_ARP)
		peer_layer(v, "arp");
	peer_ip(v, h);
	peer_l4(v, h);
}

/* What the parser reports of a frame, in tshark's terms; returns whether
 * the parse is open-ended: stopped on a fault, at a tunnel it only
 * recognises, or at an ICMP message whose quoted packet tshark shows. */
static bool peer_ours(const struct parser_result *r, struct peer_view *v)
{
	static const char *const tunnel[] = { "", "vxlan", "geneve", "gre" };
	static const int vni_field[] = { 0, PF_VXLAN_VNI, PF_GENEVE_VNI, PF_GRE_VSID };
	static const char *const vni_fmt[] = { "", "%u", "0x%06x", "%u" };

	memset(v, 0, sizeof *v);
	v->fragment = r->outer.have & HDR_FRAG;
	peer_level(v, &r->outer);
	if (r->status == PARSE_OK && r->tunnel == TUNNEL_NONE &&
	    (r->outer.have & (HDR_IPV4 | HDR_IPV6)) && r->outer.ip_proto == 50)
		peer_layer(v, "esp");
	if (r->tunnel != TUNNEL_NONE) {
		peer_layer(v, tunnel[r->tunnel]);
		if (r->tunnel != TUNNEL_GRE || r->vni)
			peer_addf(v, vni_field[r->tunnel], vni_fmt[r->tunnel], r->vni);
	}
	peer_level(v, &r->inner);
	return r->status != PARSE_OK ||
	       (r->tunnel != TUNNEL_NONE && !r->have_inner) ||
	       (r->outer.have & HDR_ICMP);
}

/* Whether the first value of a tshark column is set: a true boolean or a
 * non-zero number. */
static bool peer_set(const char *col)
{
	return col[0] == 'T' || (col[0] >= '1' && col[0] <= '9');
}

/* tshark's line for one frame: number, protocols, the compared fields,
 * then the fragment fields. */
static void peer_theirs(char *line, unsigned *number, struct peer_view *v)
{
	char *save = NULL, *tok, *col[2 + PEER_NF + PEER_NFRAG];
	unsigned n = 0;
	char *p = line;

	memset(v, 0, sizeof *v);
	/* strsep, not strtok: empty columns count. */
	while (n < 2 + PEER_NF + PEER_NFRAG && (tok = strsep(&p, "\t\n")))
		col[n++] = tok;
	cr_assert_eq(n, 2 + PEER_NF + PEER_NFRAG, "tshark gave %u columns", n);
	for (unsigned k = 0; k < PEER_NFRAG; k++)
		v->fragment |= peer_set(col[2 + PEER_NF + k]);
	*number = (unsigned)strtoul(col[0], NULL, 10);
	for (tok = strtok_r(col[1], ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		if (peer_known_layer(tok))
			peer_layer(v, tok);
	for (unsigned i = 0; i < PEER_NF; i++)
		snprintf(v->field[i], sizeof v->field[i], "%s", col[2 + i]);
	/* NVGRE: the key's upper 24 bits are the VSID. */
	if (v->field[PF_GRE_VSID][0]) {
		unsigned long key = strtoul(v->field[PF_GRE_VSID], NULL, 16);

		snprintf(v->field[PF_GRE_VSID], sizeof v->field[PF_GRE_VSID],
			 "%lu", key >> 8);
	}
}

/* Whether the comma-separated list `ours` equals `theirs`, or when `open`
 * is its prefix. */
static bool peer_list_agrees(const char *ours, const char *theirs, bool open)
{
	size_t n = strlen(ours);

	if (!open)
		return !strcmp(ours, theirs);
	return !strncmp(ours, theirs, n) &&
	       (n == 0 || theirs[n] == '\0' || theirs[n] == ',' || theirs[n] == ':');
}

/* Appends to `diffs` every way frame i's parse disagrees with tshark's. */
static void peer_compare(unsigned i, const struct parser_result *r,
			 const struct peer_view *theirs, char *diffs, size_t cap)
{
	const struct peer_frame *pf = &peer_frames[i];
	struct peer_view ours;
	bool open = peer_ours(r, &ours);
	size_t n;

	/* No tunnel is looked for in a fragment: its inner frame may be
	 * split.  Whether it is one is tshark's word, checked just below. */
	open |= theirs->fragment;
	if ((r->outer.have & (HDR_IPV4 | HDR_IPV6)) &&
	    ours.fragment != theirs->fragment) {
		n = strlen(diffs);
		snprintf(diffs + n, cap - n, "frame %u %s: fragment: parser %d, tshark %d\n",
			 i + 1, pf->name, ours.fragment, theirs->fragment);
	}

	if (r->status != pf->want) {
		n = strlen(diffs);
		snprintf(diffs + n, cap - n, "frame %u %s: status %s, expected %s\n",
			 i + 1, pf->name, parser_status_name(r->status),
			 parser_status_name(pf->want));
	}
	if (!peer_list_agrees(ours.layers, theirs->layers, open)) {
		n = strlen(diffs);
		snprintf(diffs + n, cap - n, "frame %u %s (%s): layers: parser %s, tshark %s\n",
			 i + 1, pf->name, parser_status_name(r->status),
			 ours.layers, theirs->layers);
	}
	for (unsigned k = 0; k < PEER_NF; k++) {
		if (peer_list_agrees(ours.field[k], theirs->field[k], open))
			continue;
		n = strlen(diffs);
		snprintf(diffs + n, cap - n, "frame %u %s (%s): %s: parser '%s', tshark '%s'\n",
			 i + 1, pf->name, parser_status_name(r->status),
			 peer_fields[k], ours.field[k], theirs->field[k]);
	}
}

/* Writes every peer frame to `path`; results[i] is the parser's. */
static void peer_write(const char *path, struct parser_result *results)
{
	struct pnic_error err;
	struct pcap_out *o;

	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < PEER_N; i++) {
		const struct peer_frame *pf = &peer_frames[i];
		struct fb f = { .n = 0 };
		uint32_t cap;

		pf->build(&f, pf->arg);
		cap = pf->caplen ? pf->caplen : f.n;
		parser_parse(f.b, cap, f.n, &results[i]);
		pcap_out_write(o, f.b, cap, f.n, (uint64_t)i * 1000);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
}

/* Runs tshark on `path`, its errors to dir/tshark.err.  A user's own
 * configuration ("decode as", disabled protocols) is kept out, and IP
 * reassembly is off: with it, a first fragment's L4 header shows only in
 * the reassembled datagram, which one fragment never completes. */
static FILE *peer_tshark(const char *dir, const char *path)
{
	char cmd[2048];
	size_t n;

	n = (size_t)snprintf(cmd, sizeof cmd,
			     "WIRESHARK_CONFIG_DIR='%s' tshark -n -r '%s' "
			     "-o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields "
			     "-E separator=/t -E occurrence=a -E aggregator=, "
			     "-e frame.number -e frame.protocols", dir, path);
	for (unsigned k = 0; k < PEER_NF; k++)
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, " -e %s", peer_fields[k]);
	for (unsigned k = 0; k < PEER_NFRAG; k++)
		n += (size_t)snprintf(cmd + n, sizeof cmd - n, " -e %s",
				      peer_frag_fields[k]);
	snprintf(cmd + n, sizeof cmd - n, " 2>'%s/tshark.err'", dir);
	return popen(cmd, "r");
}

TU_SCRATCH_SUITE(parser_peer);

Test(parser_peer, wireshark_agrees)
{
	static struct parser_result results[PEER_N];
	static char diffs[16384];
	char path[128], *line = NULL, *errtext;
	size_t line_cap = 0;
	unsigned seen = 0, number;
	FILE *p;

	if (system("command -v tshark >/dev/null 2>&1") != 0)
		cr_assert_fail("tshark not found on PATH: it is a declared dependency "
			"(DEB_PACKAGES in mk/deps.mk); run `make deps`");
	snprintf(path, sizeof path, "%s/peer.pcap", dir);
	peer_write(path, results);
	p = peer_tshark(dir, path);
	cr_assert_not_null(p, "cannot run tshark");
	while (getline(&line, &line_cap, p) > 0) {
		struct peer_view theirs;

		peer_theirs(line, &number, &theirs);
		cr_assert(number >= 1 && number <= PEER_N, "tshark frame %u", number);
		peer_compare(number - 1, &results[number - 1], &theirs, diffs, sizeof diffs);
		seen++;
	}
	free(line);
	snprintf(path, sizeof path, "%s/tshark.err", dir);
	errtext = tu_read(path, NULL);
	cr_assert_eq(pclose(p), 0, "tshark failed: %s", errtext ? errtext : "");
	free(errtext);
	cr_assert_eq(seen, PEER_N, "tshark dissected %u of %zu frames", seen, PEER_N);
	cr_assert_eq(diffs[0], '\0', "the parser disagrees with Wireshark:\n%s", diffs);
}
