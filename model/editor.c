#include "model/editor.h"

#include <string.h>

#include "model/proto.h"

#define MAX_IP_LEN 65535u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of n bytes taken as big-endian 16-bit words (an odd
 * last byte padded with zero), added to sum; not complemented.  The sum is
 * independent of byte order (RFC 1071 2.B), so it adds native 32-bit loads
 * and swaps once at the end: the IPv6 encap sums every byte of the frame. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
	uint64_t s = 0;
	uint32_t w;
	uint16_t h;

	for (; n >= 16; p += 16, n -= 16) {
		uint32_t v[4];

		memcpy(v, p, 16);
		s += (uint64_t)v[0] + v[1] + v[2] + v[3];
	}
	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = { p[0], 0 };

		memcpy(&h, last, 2);
		s += h;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (s >> 8 | s << 8) & 0xffff;
#endif
	sum += (uint32_t)s;
	return (sum & 0xffff) + (sum >> 16);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word m -> m'. */
static void csum_replace16(uint8_t *csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~rd16(csum);

	sum += (uint16_t)~old;
	sum += new;
	wr16(csum, csum_fold(sum));
}

static uint32_t fnv1a(uint32_t h, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint16_t entropy_port(const struct pkt_hdrs *h, const uint8_t *mac)
{
	uint32_t x = 2166136261u;
	uint8_t b[5];

	if (h->have & (HDR_IPV4 | HDR_IPV6)) {
		x = fnv1a(x, h->src_ip, 16);
		x = fnv1a(x, h->dst_ip, 16);
		/* Every fragment of a datagram takes the first one's path: only
		 * the first carries ports, so fragments hash without them. */
		bool frag = h->have & HDR_FRAG;

		b[0] = h->ip_proto;
		wr16(b + 1, frag ? 0 : h->l4_sport);
		wr16(b + 3, frag ? 0 : h->l4_dport);
		x = fnv1a(x, b, 5);
	} else {
		x = fnv1a(x, mac, 12);
		wr16(b, h->ethertype);
		x = fnv1a(x, b, 2);
	}
	return (uint16_t)(0xc000 | ((x ^ x >> 16) & 0x3fff));
}

uint16_t editor_entropy_port(const struct pkt_hdrs *h, const uint8_t *frame)
{
	return entropy_port(h, frame + h->l2_off);
}

/* What the check phase worked out, so the apply phase cannot fail. */
struct edit_plan {
	const struct pkt_hdrs *h;  /* headers of the frame being delivered */
	uint32_t strip;            /* bytes a decap removes from the front */
	uint32_t in_len;           /* frame length less a trailer a decap drops */
	uint32_t l2, l3;           /* offsets after the strip */
	bool ipv6;
	uint8_t vlan_op;           /* resolved: rewrite on untagged -> push */
	struct encap_layout lay;
	uint32_t out_len;
};

static enum editor_status plan_edits(const struct pnic_action *a,
				     const struct encap_template *tpl,
				     const struct parser_result *pr,
				     const uint8_t *buf, uint32_t len,
				     uint32_t cap, struct edit_plan *pl)
{
	const struct pkt_hdrs *h = &pr->outer;
	uint32_t cur;

	if (a->tunnel_op > TUNNEL_OP_VXLAN_ENCAP ||
	    a->vlan_op > VLAN_OP_REWRITE || (a->set_dscp && a->dscp > 63))
		return EDIT_BAD_ACTION;
	pl->strip = 0;
	if (a->tunnel_op == TUNNEL_OP_VXLAN_DECAP) {
		if (pr->tunnel != TUNNEL_VXLAN || !pr->have_inner)
			return EDIT_NOT_VXLAN;
		h = &pr->inner;
		if (!(h->have & HDR_ETH) || h->l2_off == 0 ||
		    (uint32_t)h->l2_off + PROTO_ETH_HLEN > len)
			return EDIT_SHORT_FRAME;
		pl->strip = h->l2_off;
		/* Bytes after the outer IP packet (Ethernet padding, a captured
		 * FCS) are not part of the inner frame: trim them. */
		if ((pr->outer.have & (HDR_IPV4 | HDR_IPV6)) &&
		    (uint32_t)pr->outer.l3_off + pr->outer.ip_total_len < len &&
		    (uint32_t)pr->outer.l3_off + pr->outer.ip_total_len >=
		    (uint32_t)h->l2_off + PROTO_ETH_HLEN)
			len = pr->outer.l3_off + pr->outer.ip_total_len;
	}
	pl->h = h;
	pl->in_len = len;
	cur = len - pl->strip;
	pl->l2 = h->l2_off - pl->strip;

	if (a->dec_ttl || a->set_dscp) {
		const uint8_t *ip;

		if (!(h->have & (HDR_IPV4 | HDR_IPV6)))
			return EDIT_NOT_IP;
		pl->ipv6 = !(h->have & HDR_IPV4);
		if (h->l3_off < h->l2_off + PROTO_ETH_HLEN ||
		    (uint32_t)h->l3_off + (pl->ipv6 ? PROTO_IPV6_HLEN : PROTO_IPV4_HLEN) > len)
			return EDIT_SHORT_FRAME;
		ip = buf + h->l3_off;
		if ((ip[0] >> 4) != (pl->ipv6 ? 6 : 4))
			return EDIT_NOT_IP;
		if (a->dec_ttl && ip[pl->ipv6 ? 7 : 8] <= 1)
			return EDIT_TTL_EXPIRED;
		pl->l3 = h->l3_off - pl->strip;
	}

	pl->vlan_op = a->vlan_op;
	if (a->vlan_op != VLAN_OP_NONE) {
		if (!(h->have & HDR_ETH) || pl->l2 + PROTO_ETH_HLEN > cur)
			return EDIT_SHORT_FRAME;
		if (a->vlan_op == VLAN_OP_REWRITE && h->n_vlans == 0)
			pl->vlan_op = VLAN_OP_PUSH;
		if (pl->vlan_op == VLAN_OP_PUSH) {
			if (h->n_vlans >= 2)
				return EDIT_VLAN_FULL;
			cur += PROTO_VLAN_HLEN;
		} else {
			if (h->n_vlans == 0)
				return EDIT_NO_VLAN;
			if (pl->l2 + PROTO_ETH_HLEN + PROTO_VLAN_HLEN > cur)
				return EDIT_SHORT_FRAME;
			if (pl->vlan_op == VLAN_OP_POP)
				cur -= PROTO_VLAN_HLEN;
		}
	}

	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP) {
		if (!tpl)
			return EDIT_NO_TEMPLATE;
		if (encap_template_layout(tpl, &pl->lay, NULL) < 0)
			return EDIT_BAD_TEMPLATE;
		if (!(h->have & HDR_ETH) || pl->l2 + PROTO_ETH_HLEN > cur)
			return EDIT_SHORT_FRAME;
		cur += tpl->len;
		/* The outer IPv4 total length / IPv6 payload length are 16 bits
		 * (the UDP length is never larger than either). */
		if (cur - pl->lay.l3_off - (pl->lay.ipv6 ? PROTO_IPV6_HLEN : 0) >
		    MAX_IP_LEN)
			return EDIT_NO_ROOM;
	}
	/* Intermediate lengths never exceed max(len, cur): decap only
	 * shrinks and comes first, and the growing edits come last. */
	if (cur > cap)
		return EDIT_NO_ROOM;
	pl->out_len = cur;
	return EDIT_OK;
}

static void apply_l3(const struct pnic_action *a, const struct edit_plan *pl,
		     uint8_t *buf)
{
	uint8_t *ip = buf + pl->l3;

	if (pl->ipv6) {
		if (a->dec_ttl)
			ip[7]--;
		if (a->set_dscp) {
			uint8_t tc = (uint8_t)(ip[0] << 4 | ip[1] >> 4);

			tc = (uint8_t)(a->dscp << 2 | (tc & 3));
			ip[0] = (uint8_t)(0x60 | tc >> 4);
			ip[1] = (uint8_t)((tc & 0x0f) << 4 | (ip[1] & 0x0f));
		}
		return;
	}
	if (a->dec_ttl) {
		uint16_t old = rd16(ip + 8);

		ip[8]--;
		csum_replace16(ip + 10, old, rd16(ip + 8));
	}
	if (a->set_dscp) {
		uint16_t old = rd16(ip);

		ip[1] = (uint8_t)(a->dscp << 2 | (ip[1] & 3));
		csum_replace16(ip + 10, old, rd16(ip));
	}
}

static uint32_t apply_vlan(const struct pnic_action *a,
			   const struct edit_plan *pl, uint8_t *buf,
			   uint32_t len)
{
	uint8_t *tag = buf + pl->l2 + 12;

	switch (pl->vlan_op) {
	case VLAN_OP_PUSH:
		memmove(tag + PROTO_VLAN_HLEN, tag, len - (pl->l2 + 12));
		wr16(tag, PROTO_ETH_P_8021Q);
		wr16(tag + 2, a->vlan_tci);
		return len + PROTO_VLAN_HLEN;
	case VLAN_OP_POP:
		memmove(tag, tag + PROTO_VLAN_HLEN, len - (pl->l2 + 12 + PROTO_VLAN_HLEN));
		return len - PROTO_VLAN_HLEN;
	case VLAN_OP_REWRITE:
		wr16(tag + 2, a->vlan_tci);
		return len;
	}
	return len;
}

static uint32_t apply_encap(const struct encap_template *tpl,
			    const struct edit_plan *pl, uint8_t *buf,
			    uint32_t len)
{
	const struct encap_layout *lay = &pl->lay;
	uint32_t n = len + tpl->len;
	uint8_t *ip = buf + lay->l3_off;
	uint8_t *udp = buf + lay->l4_off;
	uint16_t sport;

	/* Hash before the move: the MACs are where the plan says. */
	sport = entropy_port(pl->h, buf + pl->l2);
	memmove(buf + tpl->len, buf, len);
	memcpy(buf, tpl->bytes, tpl->len);
	wr16(udp, sport);
	wr16(udp + 4, (uint16_t)(n - lay->l4_off));
	wr16(udp + 6, 0);
	if (!lay->ipv6) {
		uint32_t ihl = (ip[0] & 0x0f) * 4u;

		wr16(ip + 2, (uint16_t)(n - lay->l3_off));
		wr16(ip + 10, 0);
		wr16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	} else {
		uint32_t sum, ulen = n - lay->l4_off;
		uint8_t ph[8] = { 0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen,
				  0, 0, 0, PROTO_IP_UDP };
		uint16_t c;

		wr16(ip + 4, (uint16_t)(n - lay->l3_off - PROTO_IPV6_HLEN));
		sum = csum_add(0, ip + 8, 32);   /* source, destination */
		sum = csum_add(sum, ph, 8);
		sum = csum_add(sum, udp, ulen);
		c = csum_fold(sum);
		wr16(udp + 6, c ? c : 0xffff);
	}
	return n;
}

int editor_apply(const struct pnic_action *a, const struct encap_template *tpl,
		 const struct parser_result *pr, uint8_t *buf, uint32_t *len,
		 uint32_t cap, struct editor_stats *st)
{
	struct edit_plan pl;
	enum editor_status s;
	uint32_t n;

	s = plan_edits(a, tpl, pr, buf, *len, cap, &pl);
	if (s != EDIT_OK) {
		if (st)
			st->refused[s]++;
		return -(int)s;
	}
	n = pl.in_len;
	if (pl.strip) {
		n -= pl.strip;
		memmove(buf, buf + pl.strip, n);
	}
	if (a->dec_ttl || a->set_dscp)
		apply_l3(a, &pl, buf);
	if (pl.vlan_op != VLAN_OP_NONE)
		n = apply_vlan(a, &pl, buf, n);
	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP)
		n = apply_encap(tpl, &pl, buf, n);
	*len = n;
	if (st) {
		st->frames++;
		st->ops[EDIT_OP_DECAP] += a->tunnel_op == TUNNEL_OP_VXLAN_DECAP;
		st->ops[EDIT_OP_DEC_TTL] += a->dec_ttl;
		st->ops[EDIT_OP_SET_DSCP] += a->set_dscp;
		st->ops[EDIT_OP_VLAN_PUSH] += pl.vlan_op == VLAN_OP_PUSH;
		st->ops[EDIT_OP_VLAN_POP] += pl.vlan_op == VLAN_OP_POP;
		st->ops[EDIT_OP_VLAN_REWRITE] += pl.vlan_op == VLAN_OP_REWRITE;
		st->ops[EDIT_OP_ENCAP] += a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP;
	}
	return 0;
}

const char *editor_status_name(enum editor_status s)
{
	static const char *const names[EDIT_STATUS_COUNT] = {
		[EDIT_OK]           = "ok",
		[EDIT_BAD_ACTION]   = "bad_action",
		[EDIT_NOT_VXLAN]    = "not_vxlan",
		[EDIT_NOT_IP]       = "not_ip",
		[EDIT_TTL_EXPIRED]  = "ttl_expired",
		[EDIT_NO_VLAN]      = "no_vlan",
		[EDIT_VLAN_FULL]    = "vlan_full",
		[EDIT_NO_TEMPLATE]  = "no_template",
		[EDIT_BAD_TEMPLATE] = "bad_template",
		[EDIT_NO_ROOM]      = "no_room",
		[EDIT_SHORT_FRAME]  = "short_frame",
	};

	return (unsigned)s < EDIT_STATUS_COUNT ? names[s] : "?";
}

const char *editor_op_name(enum editor_op op)
{
	static const char *const names[EDIT_OP_COUNT] = {
		[EDIT_OP_DECAP]        = "decap",
		[EDIT_OP_DEC_TTL]      = "dec_ttl",
		[EDIT_OP_SET_DSCP]     = "set_dscp",
		[EDIT_OP_VLAN_PUSH]    = "vlan_push",
		[EDIT_OP_VLAN_POP]     = "vlan_pop",
		[EDIT_OP_VLAN_REWRITE] = "vlan_rewrite",
		[EDIT_OP_ENCAP]        = "encap",
	};

	return (unsigned)op < EDIT_OP_COUNT ? names[op] : "?";
}
