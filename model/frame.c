#include "model/frame.h"

#include <string.h>

#include "model/proto.h"

void frame_init(struct frame_buf *f, uint8_t *buf, uint32_t cap)
{
	f->b = buf;
	f->n = 0;
	f->cap = cap;
	f->overflow = false;
}

/* Room for n more bytes: where they go, or NULL (and overflow set). */
static uint8_t *take(struct frame_buf *f, uint32_t n)
{
	uint8_t *p;

	if (f->overflow || n > f->cap - f->n) {
		f->overflow = true;
		return NULL;
	}
	p = f->b + f->n;
	f->n += n;
	return p;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

void frame_u8(struct frame_buf *f, uint8_t v)
{
	uint8_t *p = take(f, 1);

	if (p)
		*p = v;
}

void frame_u16(struct frame_buf *f, uint16_t v)
{
	uint8_t *p = take(f, 2);

	if (p)
		wr16(p, v);
}

void frame_u32(struct frame_buf *f, uint32_t v)
{
	uint8_t *p = take(f, 4);

	if (p)
		wr32(p, v);
}

void frame_bytes(struct frame_buf *f, const void *src, uint32_t n)
{
	uint8_t *p = take(f, n);

	if (p && n)
		memcpy(p, src, n);
}

void frame_fill(struct frame_buf *f, uint8_t v, uint32_t n)
{
	uint8_t *p = take(f, n);

	if (p)
		memset(p, v, n);
}

void frame_set16(struct frame_buf *f, uint32_t off, uint16_t v)
{
	if (off > f->n || f->n - off < 2) {
		f->overflow = true;
		return;
	}
	wr16(f->b + off, v);
}

/* A header of n bytes at the cursor, zeroed: its offset in *off and its
 * bytes, or NULL. */
static uint8_t *header(struct frame_buf *f, uint32_t n, uint32_t *off)
{
	uint8_t *p;

	*off = f->n;
	p = take(f, n);
	if (p)
		memset(p, 0, n);
	return p;
}

uint32_t frame_eth(struct frame_buf *f, const uint8_t dst[6],
		   const uint8_t src[6], uint16_t ethertype)
{
	uint32_t off;
	uint8_t *p = header(f, PROTO_ETH_HLEN, &off);

	if (p) {
		memcpy(p, dst, PROTO_ETH_ALEN);
		memcpy(p + 6, src, PROTO_ETH_ALEN);
		wr16(p + 12, ethertype);
	}
	return off;
}

uint32_t frame_vlan(struct frame_buf *f, uint16_t tci, uint16_t ethertype)
{
	uint32_t off = f->n;

	frame_u16(f, tci);
	frame_u16(f, ethertype);
	return off;
}

uint32_t frame_arp(struct frame_buf *f, uint16_t op, const uint8_t sha[6],
		   const uint8_t spa[4], const uint8_t tha[6],
		   const uint8_t tpa[4])
{
	uint32_t off = f->n;

	frame_u16(f, PROTO_ARP_HTYPE_ETH);
	frame_u16(f, PROTO_ETH_P_IPV4);
	frame_u8(f, PROTO_ETH_ALEN);
	frame_u8(f, 4);
	frame_u16(f, op);
	frame_bytes(f, sha, PROTO_ETH_ALEN);
	frame_bytes(f, spa, 4);
	frame_bytes(f, tha, PROTO_ETH_ALEN);
	frame_bytes(f, tpa, 4);
	return off;
}

/* NOP options (type 1) fill a header's option words, for IPv4 and TCP
 * alike: a receiver skips them one byte at a time. */
#define OPT_NOP 0x01

uint32_t frame_ipv4(struct frame_buf *f, const struct frame_ipv4 *h)
{
	uint32_t off;
	uint8_t *p = header(f, PROTO_IPV4_HLEN, &off);

	if (!p)
		return off;
	p[0] = (uint8_t)(0x40 | (5 + h->opt_words));
	p[1] = h->tos;
	wr16(p + 4, h->id);
	wr16(p + 6, h->frag);
	p[8] = h->ttl;
	p[9] = h->proto;
	memcpy(p + 12, h->src, 4);
	memcpy(p + 16, h->dst, 4);
	frame_fill(f, OPT_NOP, h->opt_words * 4u);
	return off;
}

void frame_ipv4_end(struct frame_buf *f, uint32_t off, bool csum)
{
	uint8_t *p = f->b + off;

	if (off > f->n || f->n - off < PROTO_IPV4_HLEN) {
		f->overflow = true;
		return;
	}
	wr16(p + 2, (uint16_t)(f->n - off));
	if (csum) {
		wr16(p + 10, 0);
		wr16(p + 10, frame_csum(p, (p[0] & 0x0fu) * 4, 0));
	}
}

uint32_t frame_ipv6(struct frame_buf *f, const struct frame_ipv6 *h)
{
	uint32_t off;
	uint8_t *p = header(f, PROTO_IPV6_HLEN, &off);

	if (!p)
		return off;
	wr32(p, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flow_label & 0xfffff));
	p[6] = h->next;
	p[7] = h->hop_limit;
	memcpy(p + 8, h->src, 16);
	memcpy(p + 24, h->dst, 16);
	return off;
}

void frame_ipv6_end(struct frame_buf *f, uint32_t off)
{
	if (off > f->n || f->n - off < PROTO_IPV6_HLEN) {
		f->overflow = true;
		return;
	}
	wr16(f->b + off + 4, (uint16_t)(f->n - off - PROTO_IPV6_HLEN));
}

uint32_t frame_ipv6_opts(struct frame_buf *f, uint8_t next, uint8_t len8)
{
	uint32_t off = f->n;

	frame_u8(f, next);
	frame_u8(f, len8);
	frame_fill(f, 0, (len8 + 1u) * 8 - 2);
	return off;
}

uint32_t frame_ipv6_frag(struct frame_buf *f, uint8_t next, uint16_t offset8,
			 bool more, uint32_t id)
{
	uint32_t off = f->n;

	frame_u8(f, next);
	frame_u8(f, 0);
	frame_u16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	frame_u32(f, id);
	return off;
}

uint32_t frame_ah(struct frame_buf *f, uint8_t next, uint32_t spi,
		  uint32_t seq, uint16_t icv_len)
{
	uint32_t off = f->n;

	frame_u8(f, next);
	frame_u8(f, (uint8_t)((PROTO_AH_MIN_HLEN + icv_len) / 4 - 2));
	frame_u16(f, 0);
	frame_u32(f, spi);
	frame_u32(f, seq);
	return off;
}

uint32_t frame_tcp(struct frame_buf *f, const struct frame_tcp *h)
{
	uint32_t off;
	uint8_t *p = header(f, PROTO_TCP_HLEN, &off);

	if (!p)
		return off;
	wr16(p, h->sport);
	wr16(p + 2, h->dport);
	wr32(p + 4, h->seq);
	wr32(p + 8, h->ack);
	p[12] = (uint8_t)((5 + h->opt_words) << 4);
	p[13] = h->flags;
	wr16(p + 14, h->window);
	frame_fill(f, OPT_NOP, h->opt_words * 4u);
	return off;
}

uint32_t frame_udp(struct frame_buf *f, uint16_t sport, uint16_t dport)
{
	uint32_t off;
	uint8_t *p = header(f, PROTO_UDP_HLEN, &off);

	if (p) {
		wr16(p, sport);
		wr16(p + 2, dport);
	}
	return off;
}

void frame_udp_end(struct frame_buf *f, uint32_t off)
{
	if (off > f->n || f->n - off < PROTO_UDP_HLEN) {
		f->overflow = true;
		return;
	}
	wr16(f->b + off + 4, (uint16_t)(f->n - off));
}

/* The 16-bit one's complement sum of n bytes, not folded. */
static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

uint16_t frame_csum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	sum = sum16(p, n, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void frame_l4_csum(struct frame_buf *f, uint32_t l3_off, uint32_t l4_off)
{
	const uint8_t *ip;
	uint32_t len, at, s;
	uint8_t proto;
	uint16_t c;
	bool v6;

	if (f->overflow || l3_off > l4_off || l4_off > f->n ||
	    l4_off - l3_off < PROTO_IPV4_HLEN) {
		f->overflow = true;
		return;
	}
	ip = f->b + l3_off;
	v6 = ip[0] >> 4 == 6;
	proto = v6 ? ip[6] : ip[9];
	len = f->n - l4_off;
	at = l4_off + (proto == PROTO_IP_UDP ? 6 : 16);
	if (at + 2 > f->n || (v6 && l4_off - l3_off < PROTO_IPV6_HLEN)) {
		f->overflow = true;
		return;
	}
	s = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
	s += proto + len;
	wr16(f->b + at, 0);
	c = frame_csum(f->b + l4_off, len, s);
	wr16(f->b + at, c ? c : 0xffff);
}

uint32_t frame_icmp(struct frame_buf *f, uint8_t type, uint8_t code,
		    uint32_t rest)
{
	uint32_t off = f->n;

	frame_u8(f, type);
	frame_u8(f, code);
	frame_u16(f, 0);
	frame_u32(f, rest);
	return off;
}

uint32_t frame_vxlan(struct frame_buf *f, uint32_t vni)
{
	uint32_t off = f->n;

	frame_u32(f, (uint32_t)PROTO_VXLAN_FLAG_I << 24);
	frame_u32(f, (vni & PROTO_VXLAN_VNI_MAX) << 8);
	return off;
}

uint32_t frame_geneve(struct frame_buf *f, uint32_t vni, uint16_t proto,
		      uint8_t opt_words)
{
	uint32_t off = f->n;

	frame_u8(f, opt_words & 0x3f);
	frame_u8(f, 0);
	frame_u16(f, proto);
	frame_u32(f, (vni & 0xffffff) << 8);
	return off;
}

uint32_t frame_gre(struct frame_buf *f, uint16_t flags, uint16_t proto)
{
	uint32_t off = f->n;

	frame_u16(f, flags);
	frame_u16(f, proto);
	return off;
}
