#include "model/parser.h"

#include <stddef.h>
#include <string.h>

#include "model/proto.h"

/* Two bounds govern every header:
 *  - `cap`: the captured bytes.  Nothing is read at or past it; a header
 *    that does not fit gives a TRUNC_* status.
 *  - `end`: where the innermost packet whose length is known ends.  It
 *    starts at the frame's wire length, and every length field the parser
 *    accepts (IPv4 total length, IPv6 payload length, UDP length) narrows
 *    it to what that header says it carries, so everything after a length
 *    field, inner frames included, is bounded by it.  A header past `end`
 *    gives a BAD_* status: the frame contradicts its own length fields.
 * Headers are claimed through span(), which checks both (the IP headers,
 * which set `end`, check their own length fields).  `depth` advances only
 * when a header has been accepted whole, so it never exceeds `cap`, and a
 * layer's HDR_* flag and fields are set only when its header was
 * accepted.  Header lengths, ethertypes, protocol numbers, ports and
 * flag bits are model/proto.h's. */

/* A longer chain is refused: real stacks send a few at most, and a hardware
 * parser walks a bounded number of stages. */
#define MAX_EXT      8
#define MAX_VLANS    2
/* GRE source-route entries before the NULL one; real routing lists are
 * short, and the walk is as bounded as the extension chain. */
#define GRE_MAX_SRE  8

/* BIG TCP sends IPv4 total length / IPv6 payload length 0 when the packet
 * does not fit 16 bits; only a frame this long may do so. */
#define BIG_FRAME 65536u

struct cursor {
	const uint8_t *p;
	uint32_t cap;     /* captured bytes of the whole frame */
	uint32_t end;     /* end of the innermost length-bounded packet */
	uint32_t lim;     /* the nearer of the two, so that a header that
			   * fits costs one compare */
	uint32_t depth;   /* end of the last header accepted */
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline int is_vlan_tpid(uint16_t t)
{
	return t == PROTO_ETH_P_8021Q || t == PROTO_ETH_P_8021AD || t == PROTO_ETH_P_QINQ1;
}

/* Which families walk a protocol number as an extension header: IPv6 its
 * kinds (RFC 8200), IPv4 its only one, AH.  A table, so that the usual
 * upper-layer protocol costs one test. */
#define EXT_IPV4 1u
#define EXT_IPV6 2u

static const uint8_t ext_family[256] = {
	[PROTO_IP_HOPOPTS]  = EXT_IPV6,
	[PROTO_IP_ROUTING]  = EXT_IPV6,
	[PROTO_IP_FRAGMENT] = EXT_IPV6,
	[PROTO_IP_DSTOPTS]  = EXT_IPV6,
	[PROTO_IP_AH]       = EXT_IPV4 | EXT_IPV6,
};

/* A length field was accepted: what follows ends at `end`. */
static inline void set_end(struct cursor *c, uint32_t end)
{
	c->end = end;
	c->lim = end < c->cap ? end : c->cap;
}

/* Whether a header ending at `upto` may be accepted: `bad` when the
 * enclosing length field does not cover it, `trunc` when the capture does
 * not hold it.  The length is checked first: a header the packet cannot
 * hold is malformed whatever the capture kept of it. */
static inline enum parser_status span(const struct cursor *c, uint32_t upto,
				     enum parser_status bad,
				     enum parser_status trunc)
{
	if (upto <= c->lim)
		return PARSE_OK;
	return upto > c->end ? bad : trunc;
}

static inline void map_ipv4(uint8_t dst[16], const uint8_t *src)
{
	memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	memcpy(dst + 12, src, 4);
}

/* UDP header at `off`.  Its length bounds what it carries, a tunnel's
 * inner frame included (RFC 768); one below the header or past the IP
 * packet is refused, as a receiving stack drops it.  A first fragment's
 * UDP length is the whole datagram's, which only reassembly holds, so past
 * the packet it is let be (nothing after it is parsed in a fragment). */
static enum parser_status parse_udp(struct cursor *c, struct pkt_hdrs *h,
				   uint32_t off)
{
	const uint8_t *p = c->p + off;
	enum parser_status st;
	uint32_t ulen;

	st = span(c, off + PROTO_UDP_HLEN, PARSE_BAD_IP_LEN, PARSE_TRUNC_L4);
	if (st != PARSE_OK)
		return st;
	ulen = rd16(p + 4);
	/* From 8 to the end of the IP packet, in one unsigned compare (a
	 * length below 8 wraps around); the exceptions are rare.  RFC 2675: a
	 * jumbogram's UDP length is 0, and the IP packet, longer than 16 bits
	 * can say, measures it. */
	if (ulen - PROTO_UDP_HLEN > c->end - off - PROTO_UDP_HLEN) {
		if (ulen == 0 && c->end - off > 0xffff)
			ulen = c->end - off;
		else if (ulen >= PROTO_UDP_HLEN && (h->have & HDR_FRAG))
			ulen = c->end - off;
		else
			return PARSE_BAD_L4;
	}
	set_end(c, off + ulen);
	h->have |= HDR_UDP;
	h->l4_sport = rd16(p);
	h->l4_dport = rd16(p + 2);
	return PARSE_OK;
}

/* L4 header at `off`, inside the IP packet that ends at c->end. */
static enum parser_status parse_l4(struct cursor *c, struct pkt_hdrs *h,
				  uint32_t off)
{
	const uint8_t *p = c->p + off;
	enum parser_status st;
	uint32_t hlen;

	switch (h->ip_proto) {
	case PROTO_IP_TCP:
		st = span(c, off + PROTO_TCP_HLEN, PARSE_BAD_IP_LEN, PARSE_TRUNC_L4);
		if (st != PARSE_OK)
			return st;
		hlen = (uint32_t)(p[12] >> 4) * 4;
		if (hlen < PROTO_TCP_HLEN)
			return PARSE_BAD_L4;
		st = span(c, off + hlen, PARSE_BAD_L4, PARSE_TRUNC_L4);
		if (st != PARSE_OK)
			return st;
		h->have |= HDR_TCP;
		h->l4_sport = rd16(p);
		h->l4_dport = rd16(p + 2);
		h->tcp_flags = p[13];
		break;
	case PROTO_IP_UDP:
		hlen = PROTO_UDP_HLEN;
		st = parse_udp(c, h, off);
		if (st != PARSE_OK)
			return st;
		break;
	case PROTO_IP_ICMP:
	case PROTO_IP_ICMPV6:
		/* Every ICMP message has the 8-byte header; type and code go
		 * where the key builder looks for ports. */
		hlen = PROTO_ICMP_HLEN;
		st = span(c, off + hlen, PARSE_BAD_IP_LEN, PARSE_TRUNC_L4);
		if (st != PARSE_OK)
			return st;
		h->have |= HDR_ICMP;
		h->l4_sport = p[0];
		h->l4_dport = p[1];
		break;
	default:
		/* ESP, SCTP, ...: the IP header is the last one we know. */
		return PARSE_OK;
	}
	h->l4_off = (uint16_t)off;
	h->l4_payload_off = (uint16_t)(off + hlen);
	c->depth = off + hlen;
	return PARSE_OK;
}

/* A fragment's offset field and more-fragments flag, each as its bits
 * masked from the header (non-zero when set).  Offset 0 and no more to
 * follow is the whole datagram, an atomic fragment (RFC 6946): it is
 * parsed as an unfragmented packet, L4 header and tunnel included, and
 * both families decide this here. */
static inline void mark_fragment(struct pkt_hdrs *h, uint32_t offset,
				 uint32_t more)
{
	if (offset | more) {
		h->have |= HDR_FRAG;
		if (offset)
			h->have |= HDR_LATER_FRAG;
	}
}

/* IPv4 header at `off`.  On success c->end is where the packet ends. */
static enum parser_status parse_ipv4(struct cursor *c, struct pkt_hdrs *h,
				    uint32_t off)
{
	const uint8_t *p = c->p + off;
	uint32_t ihl, tot, frag;

	if (off + PROTO_IPV4_HLEN > c->cap)
		return PARSE_TRUNC_L3;
	if (p[0] >> 4 != 4)
		return PARSE_BAD_IP_VERSION;
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if (ihl < PROTO_IPV4_HLEN)
		return PARSE_BAD_IHL;
	tot = rd16(p + 2);
	if (tot == 0 && c->end >= BIG_FRAME)
		tot = c->end - off;
	else if (tot < PROTO_IPV4_HLEN || off + tot > c->end)
		return PARSE_BAD_IP_LEN;
	if (ihl > tot)
		return PARSE_BAD_IHL;
	if (off + ihl > c->cap)
		return PARSE_TRUNC_L3;

	h->have |= HDR_IPV4;
	h->l3_off = (uint16_t)off;
	h->tos = p[1];
	h->ip_total_len = rd16(p + 2);
	h->ttl = p[8];
	h->ip_proto = p[9];
	map_ipv4(h->src_ip, p + 12);
	map_ipv4(h->dst_ip, p + 16);
	frag = rd16(p + 6);
	mark_fragment(h, frag & PROTO_IPV4_FRAG_OFF, frag & PROTO_IPV4_MF);
	c->depth = off + ihl;
	set_end(c, off + tot);
	return PARSE_OK;
}

/* IPv6 header at `off`, without its extension headers. */
static enum parser_status parse_ipv6(struct cursor *c, struct pkt_hdrs *h,
				    uint32_t off)
{
	const uint8_t *p = c->p + off;
	uint32_t plen;

	if (off + PROTO_IPV6_HLEN > c->cap)
		return PARSE_TRUNC_L3;
	if (p[0] >> 4 != 6)
		return PARSE_BAD_IP_VERSION;
	plen = rd16(p + 4);
	if (plen == 0 && c->end >= BIG_FRAME)
		plen = c->end - off - PROTO_IPV6_HLEN;
	else if (off + PROTO_IPV6_HLEN + plen > c->end)
		return PARSE_BAD_IP_LEN;

	h->have |= HDR_IPV6;
	h->l3_off = (uint16_t)off;
	h->tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	h->ip_total_len = (uint16_t)(rd16(p + 4) + PROTO_IPV6_HLEN);
	h->ttl = p[7];
	memcpy(h->src_ip, p + 8, 16);
	memcpy(h->dst_ip, p + 24, 16);
	h->ip_proto = p[6];
	c->depth = off + PROTO_IPV6_HLEN;
	set_end(c, off + PROTO_IPV6_HLEN + plen);
	return PARSE_OK;
}

/* Length of the extension header `nh` whose first bytes are at `e`: AH
 * counts 4-byte words less 2 (RFC 4302), the fragment header is fixed, the
 * others count 8-byte units less 1 (RFC 8200). */
static inline uint32_t ext_len(uint8_t nh, const uint8_t *e)
{
	if (nh == PROTO_IP_FRAGMENT)
		return PROTO_IPV6_FRAG_HLEN;
	if (nh == PROTO_IP_AH)
		return ((uint32_t)e[1] + 2) * 4;
	return ((uint32_t)e[1] + 1) * 8;
}

/* The extension headers of `family` (EXT_IPV4 or EXT_IPV6) from c->depth
 * to the upper-layer header; on success h->ip_proto is the protocol they
 * lead to and c->depth where it starts.  IPv6 has several kinds; IPv4's
 * only one is AH, and the same walk skips it, so both families reach the
 * same header after it.  A later fragment carries payload only, from the
 * end of its IPv4 header or of its IPv6 fragment header: the walk stops
 * there. */
static enum parser_status parse_ext(struct cursor *c, struct pkt_hdrs *h,
				   unsigned family)
{
	uint32_t pos = c->depth, n_ext = 0;
	uint8_t nh = h->ip_proto;
	enum parser_status st;

	while ((ext_family[nh] & family) && !(h->have & HDR_LATER_FRAG)) {
		const uint8_t *e = c->p + pos;
		uint32_t elen;

		if (n_ext == MAX_EXT)
			return PARSE_TOO_MANY_EXT;
		/* RFC 8200: hop-by-hop options only right after the header. */
		if (nh == PROTO_IP_HOPOPTS && n_ext != 0)
			return PARSE_BAD_EXT;
		st = span(c, pos + 2, PARSE_BAD_IP_LEN, PARSE_TRUNC_EXT);
		if (st != PARSE_OK)
			return st;
		elen = ext_len(nh, e);
		/* AH holds at least next header, length, SPI and sequence. */
		if (nh == PROTO_IP_AH && elen < PROTO_AH_MIN_HLEN)
			return PARSE_BAD_EXT;
		st = span(c, pos + elen, PARSE_BAD_IP_LEN, PARSE_TRUNC_EXT);
		if (st != PARSE_OK)
			return st;
		n_ext++;
		pos += elen;
		c->depth = pos;
		if (nh == PROTO_IP_FRAGMENT)
			mark_fragment(h, rd16(e + 2) & 0xfff8u, e[3] & 1u);
		nh = e[0];
		h->ip_proto = nh;
	}
	return PARSE_OK;
}

/* Ethernet, its tags and ARP are bounded by the frame's end, checked after
 * the capture.  For the outer frame that end is the wire length, which the
 * capture never exceeds, so only the capture can cut them (a runt is cut
 * short); for an inner frame it is the length field of the packet carrying
 * it, and a header the capture holds past it is malformed. */
static inline enum parser_status span_l2(const struct cursor *c, uint32_t upto,
					enum parser_status trunc)
{
	if (upto <= c->lim)
		return PARSE_OK;
	return upto > c->cap ? trunc : PARSE_BAD_IP_LEN;
}

static enum parser_status parse_arp(struct cursor *c, struct pkt_hdrs *h,
				   uint32_t off)
{
	const uint8_t *p = c->p + off;
	enum parser_status st;
	uint32_t alen;

	st = span_l2(c, off + PROTO_ARP_FIXED_HLEN, PARSE_TRUNC_L3);
	if (st != PARSE_OK)
		return st;
	/* 28 bytes for Ethernet/IPv4: fixed part, then two hardware and two
	 * protocol addresses. */
	alen = PROTO_ARP_FIXED_HLEN + 2u * (p[4] + p[5]);
	st = span_l2(c, off + alen, PARSE_TRUNC_L3);
	if (st != PARSE_OK)
		return st;
	h->have |= HDR_ARP;
	h->l3_off = (uint16_t)off;
	c->depth = off + alen;
	return PARSE_OK;
}

/* Ethernet header and VLAN tags at `off`; on success *l3 is where the
 * ethertype's header starts. */
static enum parser_status parse_l2(struct cursor *c, struct pkt_hdrs *h,
				  uint32_t off, uint32_t *l3)
{
	const uint8_t *p = c->p;
	enum parser_status st;
	uint16_t et;

	st = span_l2(c, off + PROTO_ETH_HLEN, PARSE_TRUNC_L2);
	if (st != PARSE_OK)
		return st;
	h->have |= HDR_ETH;
	h->l2_off = (uint16_t)off;
	et = rd16(p + off + 12);
	off += PROTO_ETH_HLEN;
	c->depth = off;
	while (is_vlan_tpid(et)) {
		if (h->n_vlans == MAX_VLANS) {
			h->ethertype = et;
			return PARSE_TOO_MANY_TAGS;
		}
		st = span_l2(c, off + PROTO_VLAN_HLEN, PARSE_TRUNC_L2);
		if (st != PARSE_OK)
			return st;
		h->have |= HDR_VLAN;
		h->vlan_off[h->n_vlans] = (uint16_t)(off - 2);
		h->vlan_tpid[h->n_vlans] = et;
		h->vlan_tci[h->n_vlans] = rd16(p + off);
		h->n_vlans++;
		et = rd16(p + off + 2);
		off += PROTO_VLAN_HLEN;
		c->depth = off;
	}
	h->ethertype = et;
	*l3 = off;
	return PARSE_OK;
}

/* One encapsulation level: Ethernet at `off` up to the L4 header. */
static enum parser_status parse_level(struct cursor *c, struct pkt_hdrs *h,
				     uint32_t off)
{
	enum parser_status st;
	unsigned family;

	st = parse_l2(c, h, off, &off);
	if (st != PARSE_OK)
		return st;
	switch (h->ethertype) {
	case PROTO_ETH_P_IPV4:
		st = parse_ipv4(c, h, off);
		family = EXT_IPV4;
		break;
	case PROTO_ETH_P_IPV6:
		st = parse_ipv6(c, h, off);
		family = EXT_IPV6;
		break;
	case PROTO_ETH_P_ARP:
	case PROTO_ETH_P_RARP:
		return parse_arp(c, h, off);
	default:
		return PARSE_OK;
	}
	if (st != PARSE_OK)
		return st;
	st = parse_ext(c, h, family);
	if (st != PARSE_OK || (h->have & HDR_LATER_FRAG))
		return st;
	return parse_l4(c, h, c->depth);
}

static enum parser_status trunc_to_tunnel(enum parser_status st)
{
	switch (st) {
	case PARSE_TRUNC_L2:
	case PARSE_TRUNC_L3:
	case PARSE_TRUNC_L4:
	case PARSE_TRUNC_EXT:
		return PARSE_TRUNC_TUNNEL;
	default:
		return st;
	}
}

/* The inner Ethernet frame of a tunnel at `off`, bounded by c->end: the
 * UDP datagram for VXLAN and Geneve, the IP packet for GRE. */
static enum parser_status parse_inner(struct cursor *c, struct parser_result *r,
				     uint32_t off)
{
	enum parser_status st;

	st = parse_level(c, &r->inner, off);
	r->have_inner = (r->inner.have & HDR_ETH) != 0;
	return trunc_to_tunnel(st);
}

/* Claim tunnel header bytes up to `upto`: the enclosing length must cover
 * them (else the frame lies) and the capture must hold them (else it is
 * cut). */
static enum parser_status tunnel_take(struct cursor *c, uint32_t upto)
{
	enum parser_status st;

	st = span(c, upto, PARSE_BAD_IP_LEN, PARSE_TRUNC_TUNNEL);
	if (st == PARSE_OK)
		c->depth = upto;
	return st;
}

static enum parser_status parse_vxlan(struct cursor *c, struct parser_result *r,
				     uint32_t off)
{
	const uint8_t *p = c->p + off;
	enum parser_status st;

	r->tunnel = TUNNEL_VXLAN;
	r->tunnel_off = (uint16_t)off;
	st = tunnel_take(c, off + PROTO_VXLAN_HLEN);
	if (st != PARSE_OK)
		return st;
	if (p[0] & PROTO_VXLAN_FLAG_I)
		r->vni = rd24(p + 4);
	return parse_inner(c, r, off + PROTO_VXLAN_HLEN);
}

static enum parser_status parse_geneve(struct cursor *c, struct parser_result *r,
				      uint32_t off)
{
	const uint8_t *p = c->p + off;
	enum parser_status st;
	uint32_t hlen;

	r->tunnel = TUNNEL_GENEVE;
	r->tunnel_off = (uint16_t)off;
	st = tunnel_take(c, off + PROTO_GENEVE_HLEN);
	if (st != PARSE_OK)
		return st;
	r->vni = rd24(p + 4);
	/* Version 0 only; a later version may lay out differently. */
	if (p[0] >> 6 != 0)
		return PARSE_OK;
	hlen = PROTO_GENEVE_HLEN + (uint32_t)(p[0] & 0x3f) * 4;
	st = tunnel_take(c, off + hlen);
	if (st != PARSE_OK)
		return st;
	if (rd16(p + 2) != PROTO_ETH_P_TEB)
		return PARSE_OK;
	return parse_inner(c, r, off + hlen);
}

/* GRE routing (RFC 1701): source-route entries from `pos`, each an address
 * family (2 bytes), an SRE offset (1) and an SRE length (1), then that many
 * bytes, up to a NULL entry, family 0 and length 0.  An entry of length 0
 * with a family is not the NULL one, and the walk goes on past it, as
 * Wireshark's does. */
static enum parser_status gre_routing(struct cursor *c, uint32_t pos)
{
	for (unsigned n = 0;; n++) {
		const uint8_t *e = c->p + pos;
		enum parser_status st;

		st = span(c, pos + PROTO_GRE_SRE_HLEN, PARSE_BAD_IP_LEN,
			  PARSE_TRUNC_TUNNEL);
		if (st != PARSE_OK)
			return st;
		if (rd16(e) == 0 && e[3] == 0)
			return tunnel_take(c, pos + PROTO_GRE_SRE_HLEN);
		if (n == GRE_MAX_SRE)
			return PARSE_TOO_MANY_SRE;
		pos += PROTO_GRE_SRE_HLEN + e[3];
		st = tunnel_take(c, pos);
		if (st != PARSE_OK)
			return st;
	}
}

/* GRE at c->depth, where the IP header (chain) ended.  Version 0 (RFC 2784;
 * key and sequence number RFC 2890; routing RFC 1701): the checksum and
 * offset word is there when C or R is set, then the key, the sequence
 * number and the routing list.  The other reserved bits do not move
 * anything and are ignored, as RFC 2784 asks.  Version 1 (PPTP, RFC 2637)
 * carries PPP and versions 2-7 are undefined: recognised, not walked, no
 * inner frame. */
static enum parser_status parse_gre(struct cursor *c, struct parser_result *r)
{
	uint32_t off = c->depth, key, hlen;
	const uint8_t *p = c->p + off;
	enum parser_status st;
	uint16_t fl;

	r->tunnel = TUNNEL_GRE;
	r->tunnel_off = (uint16_t)off;
	st = tunnel_take(c, off + PROTO_GRE_HLEN);
	if (st != PARSE_OK)
		return st;
	fl = rd16(p);
	if (fl & PROTO_GRE_VERSION)
		return PARSE_OK;
	key = PROTO_GRE_HLEN + ((fl & (PROTO_GRE_C | PROTO_GRE_R)) ? 4 : 0);
	hlen = key + 4u * (!!(fl & PROTO_GRE_K) + !!(fl & PROTO_GRE_S));
	st = tunnel_take(c, off + hlen);
	if (st != PARSE_OK)
		return st;
	if (fl & PROTO_GRE_R) {
		st = gre_routing(c, off + hlen);
		if (st != PARSE_OK)
			return st;
	}
	if (rd16(p + 2) != PROTO_ETH_P_TEB)
		return PARSE_OK;
	/* NVGRE: the key's upper 24 bits are the virtual subnet id. */
	if (fl & PROTO_GRE_K)
		r->vni = rd24(p + key);
	return parse_inner(c, r, c->depth);
}

/* Tunnels are looked for at the outer level only, and not in fragments
 * (their inner frame may be split). */
static enum parser_status parse_tunnel(struct cursor *c, struct parser_result *r)
{
	const struct pkt_hdrs *o = &r->outer;

	if (o->have & HDR_FRAG)
		return PARSE_OK;
	if (o->have & HDR_UDP) {
		if (o->l4_dport == PROTO_UDP_VXLAN)
			return parse_vxlan(c, r, o->l4_payload_off);
		if (o->l4_dport == PROTO_UDP_GENEVE)
			return parse_geneve(c, r, o->l4_payload_off);
		return PARSE_OK;
	}
	if ((o->have & (HDR_IPV4 | HDR_IPV6)) && o->ip_proto == PROTO_IP_GRE)
		return parse_gre(c, r);
	return PARSE_OK;
}

/* parser_parse() clears the result piecewise; these hold when the pieces
 * cover every byte. */
_Static_assert(offsetof(struct parser_result, tunnel) ==
	       offsetof(struct parser_result, outer) + sizeof(struct pkt_hdrs),
	       "parser_result: clear the bytes between outer and tunnel");
_Static_assert(sizeof(struct parser_result) ==
	       offsetof(struct parser_result, inner) + sizeof(struct pkt_hdrs),
	       "parser_result: clear the bytes after inner");

enum parser_status parser_parse(const uint8_t *frame, uint32_t caplen,
			      uint32_t len, struct parser_result *out)
{
	struct cursor c = { .p = frame, .cap = caplen, .depth = 0 };
	enum parser_status st;

	/* Small clears, not one: for the whole struct GCC emits `rep stosq`,
	 * whose start-up cost was most of the parse of a short frame.  The
	 * pieces cover the padding too, so results compare with memcmp. */
	memset(out, 0, offsetof(struct parser_result, outer));
	memset(&out->outer, 0, sizeof out->outer);
	memset((uint8_t *)out + offsetof(struct parser_result, tunnel), 0,
	       offsetof(struct parser_result, inner) -
	       offsetof(struct parser_result, tunnel));
	memset(&out->inner, 0, sizeof out->inner);
	if (len < caplen)
		len = caplen;
	/* Offsets are 16 bits; headers never lie that deep, and bounding the
	 * readable part keeps every offset representable. */
	if (c.cap > 0xffff)
		c.cap = 0xffff;
	if (!frame)
		c.cap = 0;
	/* The wire length is never below the capture, so the capture is the
	 * nearer bound until a length field says otherwise. */
	c.end = len;
	c.lim = c.cap;

	st = parse_level(&c, &out->outer, 0);
	if (st == PARSE_OK)
		st = parse_tunnel(&c, out);
	out->status = st;
	out->depth = (uint16_t)c.depth;
	return st;
}

const char *parser_status_name(enum parser_status s)
{
	static const char *const names[PARSE_STATUS_COUNT] = {
		[PARSE_OK]             = "ok",
		[PARSE_TRUNC_L2]       = "trunc_l2",
		[PARSE_TRUNC_L3]       = "trunc_l3",
		[PARSE_TRUNC_L4]       = "trunc_l4",
		[PARSE_TRUNC_EXT]      = "trunc_ext",
		[PARSE_TRUNC_TUNNEL]   = "trunc_tunnel",
		[PARSE_BAD_IP_VERSION] = "bad_ip_version",
		[PARSE_BAD_IHL]        = "bad_ihl",
		[PARSE_BAD_IP_LEN]     = "bad_ip_len",
		[PARSE_BAD_EXT]        = "bad_ext",
		[PARSE_TOO_MANY_TAGS]  = "too_many_tags",
		[PARSE_TOO_MANY_EXT]   = "too_many_ext",
		[PARSE_BAD_L4]         = "bad_l4",
		[PARSE_TOO_MANY_SRE]   = "too_many_sre",
	};

	return (unsigned)s < PARSE_STATUS_COUNT && names[s] ? names[s] : "?";
}
