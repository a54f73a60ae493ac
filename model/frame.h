/* Frame builder: writes packet headers field by field into a buffer.
 *
 * One writer per header (Ethernet, 802.1Q tag, ARP, IPv4, IPv6 and its
 * extension headers, TCP, UDP, ICMP, VXLAN, Geneve, GRE), shared by the
 * encap block (the outer headers of a VXLAN template), the tools that make
 * traffic (tracegen, the benches) and the tests, so that a header is laid
 * out in one place.  Each writer appends at the cursor and returns the
 * offset where its header starts; length fields that depend on what
 * follows are written as 0 and set by the *_end() calls once the payload is
 * in, and checksums likewise (frame_ipv4_end(), frame_l4_csum()).  Every
 * field is the caller's: the writers choose no value of their own but
 * those a header fixes (IPv4's version, the VXLAN I flag).
 *
 * The buffer is the caller's: struct frame_buf is a cursor over it, not a
 * handle, and callers read its bytes and length directly.  A write that
 * would pass `cap` writes nothing and sets `overflow`, which stays set, so
 * a caller checks once at the end.  No allocation, no state beyond the
 * cursor; nothing here is on the datapath's per-packet path.
 */
#ifndef PNIC_FRAME_H
#define PNIC_FRAME_H

#include <stdbool.h>
#include <stdint.h>

struct frame_buf {
	uint8_t *b;         /* the caller's buffer */
	uint32_t n;         /* bytes written */
	uint32_t cap;       /* bytes the buffer holds */
	bool overflow;      /* a write did not fit (and was not made) */
};

/* A cursor at the start of buf. */
void frame_init(struct frame_buf *f, uint8_t *buf, uint32_t cap);

/* Raw bytes at the cursor, numbers big-endian. */
void frame_u8(struct frame_buf *f, uint8_t v);
void frame_u16(struct frame_buf *f, uint16_t v);
void frame_u32(struct frame_buf *f, uint32_t v);
void frame_bytes(struct frame_buf *f, const void *p, uint32_t n);
void frame_fill(struct frame_buf *f, uint8_t v, uint32_t n);
/* Overwrite the 16 bits at `off` (already written). */
void frame_set16(struct frame_buf *f, uint32_t off, uint16_t v);

/* Ethernet: destination, source, ethertype (a TPID when a tag follows). */
uint32_t frame_eth(struct frame_buf *f, const uint8_t dst[6],
		   const uint8_t src[6], uint16_t ethertype);
/* The rest of a tag after the TPID the previous header named: the TCI,
 * then the ethertype (or the next TPID) it carries. */
uint32_t frame_vlan(struct frame_buf *f, uint16_t tci, uint16_t ethertype);

/* ARP over Ethernet / IPv4 (28 bytes). */
uint32_t frame_arp(struct frame_buf *f, uint16_t op, const uint8_t sha[6],
		   const uint8_t spa[4], const uint8_t tha[6],
		   const uint8_t tpa[4]);

struct frame_ipv4 {
	uint8_t tos, ttl, proto;
	uint16_t id;
	uint16_t frag;              /* flags and fragment offset */
	uint8_t src[4], dst[4];
	uint8_t opt_words;          /* 32-bit words of NOP options, 0..10 */
};
/* Total length and checksum 0: frame_ipv4_end(). */
uint32_t frame_ipv4(struct frame_buf *f, const struct frame_ipv4 *h);
/* The header at `off` gets its total length (what was written since
 * `off`) and, if `csum`, its header checksum. */
void frame_ipv4_end(struct frame_buf *f, uint32_t off, bool csum);

struct frame_ipv6 {
	uint8_t tclass, next, hop_limit;
	uint32_t flow_label;        /* 20 bits */
	uint8_t src[16], dst[16];
};
/* Payload length 0: frame_ipv6_end(). */
uint32_t frame_ipv6(struct frame_buf *f, const struct frame_ipv6 *h);
void frame_ipv6_end(struct frame_buf *f, uint32_t off);

/* Hop-by-hop, routing or destination options of (len8 + 1) * 8 bytes,
 * the option bytes zero. */
uint32_t frame_ipv6_opts(struct frame_buf *f, uint8_t next, uint8_t len8);
uint32_t frame_ipv6_frag(struct frame_buf *f, uint8_t next, uint16_t offset8,
			 bool more, uint32_t id);
/* AH (RFC 4302) for an ICV of icv_len bytes (a multiple of 4), which the
 * caller writes after it. */
uint32_t frame_ah(struct frame_buf *f, uint8_t next, uint32_t spi,
		  uint32_t seq, uint16_t icv_len);

struct frame_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t opt_words;          /* 32-bit words of NOP options, 0..10 */
};
/* Checksum 0: frame_l4_csum(). */
uint32_t frame_tcp(struct frame_buf *f, const struct frame_tcp *h);
/* Length and checksum 0: frame_udp_end(), frame_l4_csum(). */
uint32_t frame_udp(struct frame_buf *f, uint16_t sport, uint16_t dport);
void frame_udp_end(struct frame_buf *f, uint32_t off);
/* The TCP or UDP checksum of the segment from l4_off to the cursor, over
 * the pseudo-header of the IPv4 or IPv6 header (no extension headers) at
 * l3_off, whose protocol says which.  A result of 0 is written as 0xffff:
 * UDP's rule, since 0 there means no checksum; for TCP the two are the
 * same number in one's complement. */
void frame_l4_csum(struct frame_buf *f, uint32_t l3_off, uint32_t l4_off);

/* ICMP or ICMPv6: type, code, checksum 0, then the 32-bit `rest`. */
uint32_t frame_icmp(struct frame_buf *f, uint8_t type, uint8_t code,
		    uint32_t rest);

/* VXLAN with the I flag and `vni`. */
uint32_t frame_vxlan(struct frame_buf *f, uint32_t vni);
/* Geneve version 0 carrying `proto`, announcing opt_words 32-bit words of
 * options, which the caller writes after it. */
uint32_t frame_geneve(struct frame_buf *f, uint32_t vni, uint16_t proto,
		      uint8_t opt_words);
/* GRE flags-and-version and protocol; the words the flags announce follow,
 * from the caller. */
uint32_t frame_gre(struct frame_buf *f, uint16_t flags, uint16_t proto);

/* The Internet checksum (RFC 1071) of n bytes with `sum` added in. */
uint16_t frame_csum(const uint8_t *p, uint32_t n, uint32_t sum);

#endif
