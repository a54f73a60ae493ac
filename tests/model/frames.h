/* Frames for the parser and key builder tests: the model's frame builder
 * (model/frame.h) with the values these tests fix (MACs, the IPv4 TOS,
 * id and TTL, the IPv6 addresses and flow label, TCP sequence numbers,
 * fill patterns), over a frame held in the test's own struct fb.  Length
 * fields are set by the *_fix() calls once the payload is known. */
#ifndef PNIC_TEST_FRAMES_H
#define PNIC_TEST_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "model/frame.h"
#include "model/proto.h"

struct fb {
	uint8_t b[4096];
	uint32_t n;
	struct frame_buf w;     /* the builder's cursor, from fb_w() */
};

/* The builder's cursor at the end of f; fb_keep() takes what it wrote. */
static inline struct frame_buf *fb_w(struct fb *f)
{
	frame_init(&f->w, f->b, sizeof f->b);
	f->w.n = f->n;
	return &f->w;
}

static inline uint32_t fb_keep(struct fb *f, uint32_t off)
{
	f->n = f->w.n;
	return off;
}

static inline void fb_u8(struct fb *f, uint8_t v)
{
	frame_u8(fb_w(f), v);
	fb_keep(f, 0);
}

static inline void fb_u16(struct fb *f, uint16_t v)
{
	frame_u16(fb_w(f), v);
	fb_keep(f, 0);
}

static inline void fb_u32(struct fb *f, uint32_t v)
{
	frame_u32(fb_w(f), v);
	fb_keep(f, 0);
}

static inline void fb_bytes(struct fb *f, const void *p, uint32_t n)
{
	frame_bytes(fb_w(f), p, n);
	fb_keep(f, 0);
}

static inline void fb_fill(struct fb *f, uint8_t v, uint32_t n)
{
	frame_fill(fb_w(f), v, n);
	fb_keep(f, 0);
}

static inline void fb_put16(struct fb *f, uint32_t off, uint16_t v)
{
	frame_set16(fb_w(f), off, v);
}

static const uint8_t FB_MAC_DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t FB_MAC_SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* Destination and source MAC; tags and the ethertype follow. */
static inline void fb_macs(struct fb *f)
{
	fb_bytes(f, FB_MAC_DST, 6);
	fb_bytes(f, FB_MAC_SRC, 6);
}

static inline void fb_eth(struct fb *f, uint16_t ethertype)
{
	fb_keep(f, frame_eth(fb_w(f), FB_MAC_DST, FB_MAC_SRC, ethertype));
}

/* A tag: its TPID and TCI (the ethertype after the tags follows). */
static inline void fb_tag(struct fb *f, uint16_t tpid, uint16_t tci)
{
	fb_u16(f, tpid);
	fb_u16(f, tci);
}

static inline void fb_ip4(uint8_t out[4], uint32_t a)
{
	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

/* IPv4 header, TOS 0x28, id 0x1234, TTL 64, with `opt_words` 32-bit words
 * of NOP options; the total length is patched by fb_ipv4_fix() and the
 * checksum left 0 (the parser does not check it).  Returns the header's
 * offset. */
static inline uint32_t fb_ipv4(struct fb *f, uint8_t proto, uint32_t src,
			       uint32_t dst, uint16_t frag, unsigned opt_words)
{
	struct frame_ipv4 h = { .tos = 0x28, .id = 0x1234, .frag = frag,
				.ttl = 64, .proto = proto,
				.opt_words = (uint8_t)opt_words };

	fb_ip4(h.src, src);
	fb_ip4(h.dst, dst);
	return fb_keep(f, frame_ipv4(fb_w(f), &h));
}

static inline void fb_ipv4_fix(struct fb *f, uint32_t off)
{
	frame_ipv4_end(fb_w(f), off, false);
}

static const uint8_t FB_V6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t FB_V6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };

/* IPv6 header, traffic class 0xb8, flow label 0x12345, hop limit 63. */
static inline uint32_t fb_ipv6(struct fb *f, uint8_t nh)
{
	struct frame_ipv6 h = { .tclass = 0xb8, .flow_label = 0x12345,
				.next = nh, .hop_limit = 63 };

	memcpy(h.src, FB_V6_SRC, 16);
	memcpy(h.dst, FB_V6_DST, 16);
	return fb_keep(f, frame_ipv6(fb_w(f), &h));
}

static inline void fb_ipv6_fix(struct fb *f, uint32_t off)
{
	frame_ipv6_end(fb_w(f), off);
}

/* Hop-by-hop / routing / destination options: (len + 1) * 8 bytes. */
static inline void fb_ext(struct fb *f, uint8_t nh, uint8_t len)
{
	fb_keep(f, frame_ipv6_opts(fb_w(f), nh, len));
}

static inline void fb_ext_frag(struct fb *f, uint8_t nh, uint16_t offset8,
			       int more)
{
	fb_keep(f, frame_ipv6_frag(fb_w(f), nh, offset8, more, 0xdeadbeef));
}

/* AH: (len + 2) * 4 bytes, SPI 0x100, sequence 7, the ICV 0x5a bytes.  A
 * length below 1 (shorter than AH's fixed part) still writes the fixed
 * part, with that length. */
static inline void fb_ext_ah(struct fb *f, uint8_t nh, uint8_t len)
{
	uint32_t total = (len + 2u) * 4;
	uint16_t icv = (uint16_t)(total > PROTO_AH_MIN_HLEN ? total - PROTO_AH_MIN_HLEN : 0);
	uint32_t off = fb_keep(f, frame_ah(fb_w(f), nh, 0x100, 7, icv));

	f->b[off + 1] = len;
	fb_fill(f, 0x5a, icv);
}

/* TCP, seq 1000, ack 2000, window 65535, `opt_words` of NOP options. */
static inline uint32_t fb_tcp(struct fb *f, uint16_t sport, uint16_t dport,
			      uint8_t flags, unsigned opt_words)
{
	const struct frame_tcp h = { .sport = sport, .dport = dport,
				     .seq = 1000, .ack = 2000, .flags = flags,
				     .window = 65535,
				     .opt_words = (uint8_t)opt_words };

	return fb_keep(f, frame_tcp(fb_w(f), &h));
}

static inline uint32_t fb_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	return fb_keep(f, frame_udp(fb_w(f), sport, dport));
}

static inline void fb_udp_fix(struct fb *f, uint32_t off)
{
	frame_udp_end(fb_w(f), off);
}

/* ICMP with id 1, sequence 2. */
static inline void fb_icmp(struct fb *f, uint8_t type, uint8_t code)
{
	fb_keep(f, frame_icmp(fb_w(f), type, code, 0x00010002));
}

static inline void fb_vxlan(struct fb *f, uint32_t vni)
{
	fb_keep(f, frame_vxlan(fb_w(f), vni));
}

/* Geneve version 0 carrying `proto`, with `opt_words` 32-bit words of
 * options: one option (class 0x0102, type 3) holding the words after its
 * own header. */
static inline void fb_geneve(struct fb *f, uint32_t vni, uint16_t proto,
			     unsigned opt_words)
{
	fb_keep(f, frame_geneve(fb_w(f), vni, proto, (uint8_t)opt_words));
	if (opt_words == 0)
		return;
	fb_u16(f, 0x0102);
	fb_u8(f, 3);
	fb_u8(f, (uint8_t)(opt_words - 1));
	fb_fill(f, 0x5c, (opt_words - 1) * 4);
}

/* GRE base header; the words its flags announce follow, in order, from
 * the caller: checksum and offset (C or R), key (K), sequence number (S),
 * then the source-route entries (R). */
static inline uint32_t fb_gre(struct fb *f, uint16_t flags, uint16_t proto)
{
	return fb_keep(f, frame_gre(fb_w(f), flags, proto));
}

/* One RFC 1701 source-route entry with `len` bytes of routing information,
 * filled as IPv4 addresses 10.0.0.1, 10.0.0.2, ...; fb_gre_sre(f, 0, 0) is
 * the NULL entry that ends the list. */
static inline void fb_gre_sre(struct fb *f, uint16_t family, uint8_t len)
{
	fb_u16(f, family);
	fb_u8(f, 0);                /* SRE offset: the first entry is active */
	fb_u8(f, len);
	for (uint8_t i = 0; i < len; i++)
		fb_u8(f, i % 4 == 0 ? 10 : i % 4 == 3 ? (uint8_t)(i / 4 + 1) : 0);
}

/* ARP request (Ethernet/IPv4, 28 bytes) after the ethertype. */
static inline void fb_arp(struct fb *f, uint32_t sender, uint32_t target)
{
	static const uint8_t none[6];
	uint8_t spa[4], tpa[4];

	fb_ip4(spa, sender);
	fb_ip4(tpa, target);
	fb_keep(f, frame_arp(fb_w(f), PROTO_ARP_OP_REQUEST, FB_MAC_SRC, spa,
			     none, tpa));
}

static inline void fb_payload(struct fb *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		fb_u8(f, (uint8_t)(0xa0 + i));
}

/* Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 / UDP sport -> dport, 60 bytes
 * (no payload): the one frame the NIC and mailbox tests send. */
static inline unsigned udp_frame(uint8_t *f, uint16_t sport, uint16_t dport)
{
	static const uint8_t hdr[] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0x00, 0x00, 46, 0x12, 0x34, 0x40, 0x00, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0, 0, 0, 0, 0x00, 26, 0, 0,
	};

	memset(f, 0, 60);
	memcpy(f, hdr, sizeof hdr);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	return 60;
}

/* A 64-byte Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 / UDP frame from
 * sport to dport, its payload filled with `fill` (tests that tell
 * packets apart by it).  Its length. */
static inline uint32_t fb_udp64(uint8_t *f, uint16_t sport, uint16_t dport,
				uint8_t fill)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	const struct frame_ipv4 ip = { .ttl = 64, .proto = PROTO_IP_UDP,
				       .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 } };
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, f, 64);
	frame_eth(&b, mac, mac, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&b, &ip);
	l4 = frame_udp(&b, sport, dport);
	frame_fill(&b, fill, 64 - b.n);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
	return b.n;
}

#endif
