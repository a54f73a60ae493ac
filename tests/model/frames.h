/* Frame crafting for the parser and key builder tests: frames are written
 * byte by byte, then the length fields patched once the payload is known. */
#ifndef PNIC_TEST_FRAMES_H
#define PNIC_TEST_FRAMES_H

#include <stdint.h>
#include <string.h>

struct fb {
	uint8_t b[4096];
	uint32_t n;
};

static inline void fb_u8(struct fb *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static inline void fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

static inline void fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

static inline void fb_bytes(struct fb *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void fb_fill(struct fb *f, uint8_t v, uint32_t n)
{
	memset(f->b + f->n, v, n);
	f->n += n;
}

static inline void fb_put16(struct fb *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
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
	fb_macs(f);
	fb_u16(f, ethertype);
}

static inline void fb_tag(struct fb *f, uint16_t tpid, uint16_t tci)
{
	fb_u16(f, tpid);
	fb_u16(f, tci);
}

/* IPv4 header with `opt_words` 32-bit words of NOP options; the total
 * length is patched by fb_ipv4_fix().  Returns the header's offset. */
static inline uint32_t fb_ipv4(struct fb *f, uint8_t proto, uint32_t src,
			       uint32_t dst, uint16_t frag, unsigned opt_words)
{
	uint32_t off = f->n;

	fb_u8(f, (uint8_t)(0x40 | (5 + opt_words)));
	fb_u8(f, 0x28);             /* TOS */
	fb_u16(f, 0);               /* total length, patched */
	fb_u16(f, 0x1234);          /* id */
	fb_u16(f, frag);
	fb_u8(f, 64);               /* TTL */
	fb_u8(f, proto);
	fb_u16(f, 0);               /* checksum: the parser does not check */
	fb_u32(f, src);
	fb_u32(f, dst);
	fb_fill(f, 0x01, opt_words * 4);
	return off;
}

static inline void fb_ipv4_fix(struct fb *f, uint32_t off)
{
	fb_put16(f, off + 2, (uint16_t)(f->n - off));
}

static const uint8_t FB_V6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t FB_V6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };

/* IPv6 header, traffic class 0xb8, flow label 0x12345, hop limit 63. */
static inline uint32_t fb_ipv6(struct fb *f, uint8_t nh)
{
	uint32_t off = f->n;

	fb_u32(f, 0x6b812345);
	fb_u16(f, 0);               /* payload length, patched */
	fb_u8(f, nh);
	fb_u8(f, 63);
	fb_bytes(f, FB_V6_SRC, 16);
	fb_bytes(f, FB_V6_DST, 16);
	return off;
}

static inline void fb_ipv6_fix(struct fb *f, uint32_t off)
{
	fb_put16(f, off + 4, (uint16_t)(f->n - off - 40));
}

/* Hop-by-hop / routing / destination options: (len + 1) * 8 bytes. */
static inline void fb_ext(struct fb *f, uint8_t nh, uint8_t len)
{
	fb_u8(f, nh);
	fb_u8(f, len);
	fb_fill(f, 0, (uint32_t)(len + 1) * 8 - 2);
}

static inline void fb_ext_frag(struct fb *f, uint8_t nh, uint16_t offset8,
			       int more)
{
	fb_u8(f, nh);
	fb_u8(f, 0);
	fb_u16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	fb_u32(f, 0xdeadbeef);
}

/* AH: (len + 2) * 4 bytes. */
static inline void fb_ext_ah(struct fb *f, uint8_t nh, uint8_t len)
{
	fb_u8(f, nh);
	fb_u8(f, len);
	fb_u16(f, 0);
	fb_u32(f, 0x00000100);      /* SPI */
	fb_u32(f, 7);               /* sequence */
	if ((len + 2) * 4 > 12)
		fb_fill(f, 0x5a, (uint32_t)(len + 2) * 4 - 12);
}

static inline uint32_t fb_tcp(struct fb *f, uint16_t sport, uint16_t dport,
			      uint8_t flags, unsigned opt_words)
{
	uint32_t off = f->n;

	fb_u16(f, sport);
	fb_u16(f, dport);
	fb_u32(f, 1000);            /* seq */
	fb_u32(f, 2000);            /* ack */
	fb_u8(f, (uint8_t)((5 + opt_words) << 4));
	fb_u8(f, flags);
	fb_u16(f, 65535);           /* window */
	fb_u16(f, 0);
	fb_u16(f, 0);
	fb_fill(f, 0x01, opt_words * 4);
	return off;
}

static inline uint32_t fb_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	uint32_t off = f->n;

	fb_u16(f, sport);
	fb_u16(f, dport);
	fb_u16(f, 0);               /* length, patched */
	fb_u16(f, 0);
	return off;
}

static inline void fb_udp_fix(struct fb *f, uint32_t off)
{
	fb_put16(f, off + 4, (uint16_t)(f->n - off));
}

static inline void fb_icmp(struct fb *f, uint8_t type, uint8_t code)
{
	fb_u8(f, type);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, 0x00010002);      /* id, sequence */
}

static inline void fb_vxlan(struct fb *f, uint32_t vni)
{
	fb_u32(f, 0x08000000);
	fb_u32(f, vni << 8);
}

/* Geneve version 0 carrying `proto`, with `opt_words` 32-bit words of
 * options: one option (class 0x0102, type 3) holding the words after its
 * own header. */
static inline void fb_geneve(struct fb *f, uint32_t vni, uint16_t proto,
			     unsigned opt_words)
{
	fb_u8(f, (uint8_t)opt_words);
	fb_u8(f, 0);
	fb_u16(f, proto);
	fb_u32(f, vni << 8);
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
	uint32_t off = f->n;

	fb_u16(f, flags);
	fb_u16(f, proto);
	return off;
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

/* ARP request body (Ethernet/IPv4, 28 bytes) after the ethertype. */
static inline void fb_arp(struct fb *f, uint32_t sender, uint32_t target)
{
	fb_u16(f, 1);               /* Ethernet */
	fb_u16(f, 0x0800);          /* IPv4 */
	fb_u8(f, 6);
	fb_u8(f, 4);
	fb_u16(f, 1);               /* request */
	fb_bytes(f, FB_MAC_SRC, 6);
	fb_u32(f, sender);
	fb_fill(f, 0, 6);
	fb_u32(f, target);
}

static inline void fb_payload(struct fb *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		fb_u8(f, (uint8_t)(0xa0 + i));
}

#endif
