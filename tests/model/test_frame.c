/* Frame builder tests: headers written field by field read back with the
 * parser, lengths and checksums right (checked by a plain sum written
 * again here), and a write that does not fit refused without a byte
 * written.  The parser and key builder tests use the builder for every
 * frame they parse (tests/model/frames.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "model/frame.h"
#include "model/parser.h"
#include "model/proto.h"

/* The Internet checksum written out again: 0 over a header or segment
 * whose checksum is right. */
static uint16_t plain_sum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	for (uint32_t i = 0; i < n; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 2 };

Test(frame, ipv4_tcp_reads_back_with_checksums)
{
	uint8_t b[128];
	struct frame_buf f;
	const struct frame_ipv4 ip = { .tos = 0x28, .id = 7, .frag = PROTO_IPV4_DF,
				       .ttl = 33, .proto = PROTO_IP_TCP,
				       .src = { 10, 1, 2, 3 }, .dst = { 10, 4, 5, 6 },
				       .opt_words = 1 };
	const struct frame_tcp tcp = { .sport = 1000, .dport = 80, .seq = 5,
				       .ack = 6, .flags = PROTO_TCP_SYN,
				       .window = 100, .opt_words = 2 };
	struct parser_result r;
	uint32_t l3, l4, ps;

	frame_init(&f, b, sizeof b);
	frame_eth(&f, dst, src, PROTO_ETH_P_8021Q);
	frame_vlan(&f, 0xa123, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&f, &ip);
	l4 = frame_tcp(&f, &tcp);
	frame_fill(&f, 0x77, 11);
	frame_ipv4_end(&f, l3, true);
	frame_l4_csum(&f, l3, l4);
	cr_assert(!f.overflow);
	cr_assert_eq(l3, 18);
	cr_assert_eq(l4, 18 + 24);
	cr_assert_eq(f.n, 18 + 24 + 28 + 11);
	cr_assert_eq(parser_parse(b, f.n, f.n, &r), PARSE_OK);
	cr_assert_eq(r.outer.vlan_tci[0], 0xa123);
	cr_assert_eq(r.outer.ttl, 33);
	cr_assert_eq(r.outer.tos, 0x28);
	cr_assert_eq(r.outer.ip_total_len, 24 + 28 + 11);
	cr_assert_eq(r.outer.l4_payload_off, l4 + 28);
	cr_assert_eq(r.outer.tcp_flags, PROTO_TCP_SYN);
	cr_assert_eq(plain_sum(b + l3, 24, 0), 0, "IPv4 header checksum");
	ps = (10 << 8 | 1) + (2 << 8 | 3) + (10 << 8 | 4) + (5 << 8 | 6) +
	     PROTO_IP_TCP + 28 + 11;
	cr_assert_eq(plain_sum(b + l4, 28 + 11, ps), 0, "TCP checksum");
}

Test(frame, ipv6_udp_with_extension_headers)
{
	uint8_t b[256];
	struct frame_buf f;
	struct frame_ipv6 ip = { .tclass = 0xb8, .flow_label = 0x12345,
				 .next = PROTO_IP_HOPOPTS, .hop_limit = 5 };
	struct parser_result r;
	uint32_t l3, l4;

	ip.src[0] = 0x20;
	ip.dst[15] = 9;
	frame_init(&f, b, sizeof b);
	frame_eth(&f, dst, src, PROTO_ETH_P_IPV6);
	l3 = frame_ipv6(&f, &ip);
	frame_ipv6_opts(&f, PROTO_IP_AH, 1);
	frame_ah(&f, PROTO_IP_UDP, 0x100, 1, 8);
	frame_fill(&f, 0, 8);
	l4 = frame_udp(&f, 53, 5353);
	frame_fill(&f, 1, 3);
	frame_udp_end(&f, l4);
	frame_ipv6_end(&f, l3);
	cr_assert(!f.overflow);
	cr_assert_eq(b[l3 + 40 + 16 + 1], 3, "AH length: 20 bytes in 4-byte words less 2");
	cr_assert_eq(parser_parse(b, f.n, f.n, &r), PARSE_OK);
	cr_assert_eq(r.outer.tos, 0xb8);
	cr_assert_eq(r.outer.ip_proto, PROTO_IP_UDP);
	cr_assert_eq(r.outer.l4_off, l4);
	cr_assert_eq(r.outer.ip_total_len, f.n - l3);
	cr_assert_eq(b[l3 + 1] & 0x0f, 0x1);
	cr_assert_eq(b[l3 + 2] << 8 | b[l3 + 3], 0x2345);
}

Test(frame, tunnels_and_arp)
{
	uint8_t b[256], none[6] = { 0 };
	struct frame_buf f;
	struct parser_result r;

	frame_init(&f, b, sizeof b);
	frame_eth(&f, dst, src, PROTO_ETH_P_ARP);
	frame_arp(&f, PROTO_ARP_OP_REQUEST, src, (const uint8_t[4]){ 1, 2, 3, 4 },
		  none, (const uint8_t[4]){ 5, 6, 7, 8 });
	cr_assert_eq(f.n, 14 + 28);
	cr_assert_eq(parser_parse(b, f.n, f.n, &r), PARSE_OK);
	cr_assert(r.outer.have & HDR_ARP);

	frame_init(&f, b, sizeof b);
	cr_assert_eq(frame_vxlan(&f, 0x1abcdef), 0);
	cr_assert_eq(memcmp(b, "\x08\0\0\0\xab\xcd\xef\0", 8), 0, "24 bits of VNI");
	frame_geneve(&f, 5, PROTO_ETH_P_TEB, 2);
	cr_assert_eq(memcmp(b + 8, "\x02\0\x65\x58\0\0\x05\0", 8), 0);
	frame_gre(&f, PROTO_GRE_K, PROTO_ETH_P_TEB);
	frame_icmp(&f, 8, 0, 0x00010002);
	cr_assert_eq(f.n, 8 + 8 + 4 + 8);
}

Test(frame, a_write_that_does_not_fit_writes_nothing)
{
	uint8_t b[20];
	struct frame_buf f;

	memset(b, 0xcc, sizeof b);
	frame_init(&f, b, 16);
	frame_eth(&f, dst, src, PROTO_ETH_P_IPV4);
	cr_assert(!f.overflow);
	frame_u32(&f, 0x11223344);
	cr_assert(f.overflow);
	cr_assert_eq(f.n, 14);
	cr_assert_eq(b[14], 0xcc, "nothing written past the cursor");
	frame_u8(&f, 1);
	cr_assert_eq(f.n, 14, "overflow stays set");
	frame_ipv4_end(&f, 10, true);
	frame_set16(&f, 13, 0);
	cr_assert_eq(b[13], 0x00, "ethertype low byte untouched");
	frame_init(&f, b, 16);
	frame_set16(&f, 0, 0xffff);
	cr_assert(f.overflow, "nothing written yet at 0");
}
