/* Editor tests: every edited frame is compared byte for byte with an
 * expected frame built from scratch by the builder below (which knows
 * nothing of the editor), with checksums from a plain full-sum routine.
 * Parse results are filled by the builder, as the parser would (checked
 * against the real parser below, which also runs the random combinations
 * and round trips over the capture corpus). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/editor.h"
#include "model/frame.h"
#include "tests/corpus.h"
#include "io/pcap_in.h"

#define CAP 2048

/* ---- independent checksum --------------------------------------------- */

static uint16_t full_csum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	for (uint32_t i = 0; i < n; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(int ipver, const uint8_t *ip, uint8_t proto,
			   uint32_t l4len)
{
	uint32_t s = 0;
	const uint8_t *a = ip + (ipver == 4 ? 12 : 8);
	unsigned n = ipver == 4 ? 8 : 32;

	for (unsigned i = 0; i < n; i += 2)
		s += (uint32_t)(a[i] << 8 | a[i + 1]);
	s += proto;
	s += l4len >> 16;
	s += l4len & 0xffff;
	return s;
}

/* ---- frame builder ------------------------------------------------------ */

struct fspec {
	uint8_t dmac[6], smac[6];
	int n_vlans;
	uint16_t tpid[2], tci[2];
	int ipver;                  /* 0: ARP, 4, 6 */
	uint8_t tos, ttl, proto;    /* proto 6: TCP, 17: UDP */
	uint16_t ip_id, frag;       /* IPv4 id and flags/offset word */
	uint32_t flow_label;
	uint8_t src[16], dst[16];   /* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;
	bool udp_csum_zero;
	const uint8_t *payload;     /* NULL: a pattern of paylen bytes */
	uint32_t paylen;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static struct fspec base_spec(int ipver, uint8_t proto)
{
	struct fspec s;

	memset(&s, 0, sizeof s);
	memcpy(s.dmac, "\x00\x16\x3e\x11\x22\x33", 6);
	memcpy(s.smac, "\x00\x16\x3e\x44\x55\x66", 6);
	s.ipver = ipver;
	s.tos = 0x00;
	s.ttl = 64;
	s.proto = proto;
	s.ip_id = 0x1234;
	s.frag = 0x4000;
	s.flow_label = 0x12345;
	if (ipver == 4) {
		memcpy(s.src, "\xc0\xa8\x01\x0a", 4);
		memcpy(s.dst, "\xc0\xa8\x02\x14", 4);
	} else {
		memcpy(s.src, "\xfd\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x0a", 16);
		memcpy(s.dst, "\xfd\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x14", 16);
	}
	s.sport = 40000;
	s.dport = proto == 6 ? 443 : 53;
	s.paylen = 37;
	return s;
}

/* The Ethernet header and tags of s; fills h's L2 part. */
static void build_l2(const struct fspec *s, uint16_t etype,
		     struct frame_buf *f, struct pkt_hdrs *h, uint16_t base)
{
	frame_eth(f, s->dmac, s->smac, s->n_vlans ? s->tpid[0] : etype);
	h->have = HDR_ETH;
	h->l2_off = base;
	for (int i = 0; i < s->n_vlans; i++) {
		h->vlan_off[i] = base + f->n - 2;
		h->vlan_tpid[i] = s->tpid[i];
		h->vlan_tci[i] = s->tci[i];
		frame_vlan(f, s->tci[i], i + 1 < s->n_vlans ? s->tpid[i + 1] : etype);
	}
	if (s->n_vlans)
		h->have |= HDR_VLAN;
	h->n_vlans = s->n_vlans;
	h->ethertype = etype;
}

/* The IP header of s (lengths patched later by the caller). */
static void build_ip(const struct fspec *s, struct frame_buf *f)
{
	if (s->ipver == 4) {
		struct frame_ipv4 ip = { .tos = s->tos, .id = s->ip_id,
					 .frag = s->frag, .ttl = s->ttl,
					 .proto = s->proto };

		memcpy(ip.src, s->src, 4);
		memcpy(ip.dst, s->dst, 4);
		frame_ipv4(f, &ip);
	} else {
		struct frame_ipv6 ip = { .tclass = s->tos, .next = s->proto,
					 .hop_limit = s->ttl,
					 .flow_label = s->flow_label };

		memcpy(ip.src, s->src, 16);
		memcpy(ip.dst, s->dst, 16);
		frame_ipv6(f, &ip);
	}
}

/* The TCP or UDP header of s and its payload. */
static void build_l4(const struct fspec *s, struct frame_buf *f)
{
	if (s->proto == 6) {
		const struct frame_tcp t = { .sport = s->sport, .dport = s->dport,
					     .seq = 0x01020304, .ack = 7,
					     .flags = 0x18, .window = 8192 };

		frame_tcp(f, &t);
	} else {
		frame_udp(f, s->sport, s->dport);
	}
	for (uint32_t i = 0; i < s->paylen; i++)
		frame_u8(f, s->payload ? s->payload[i] : (uint8_t)(i * 7 + 3));
}

/* Build the frame at out with the frame builder, checksums from
 * full_csum(); fill h as a parser would, with offsets + base. */
static uint32_t build(const struct fspec *s, uint8_t *out, struct pkt_hdrs *h,
		      uint16_t base)
{
	uint16_t etype = s->ipver == 4 ? 0x0800 : s->ipver == 6 ? 0x86dd : 0x0806;
	struct frame_buf f;
	uint32_t l3, l4, l4len;

	memset(h, 0, sizeof *h);
	/* out holds the frame: CAP bytes, or more for the longest frames. */
	frame_init(&f, out, 70000);
	build_l2(s, etype, &f, h, base);
	l3 = f.n;
	h->l3_off = base + l3;
	if (s->ipver == 0) {
		static const uint8_t none[6];

		frame_arp(&f, 1, s->smac, s->src, none, s->dst);
		h->have |= HDR_ARP;
		return f.n;
	}
	build_ip(s, &f);
	l4 = f.n;
	build_l4(s, &f);
	cr_assert(!f.overflow);
	l4len = f.n - l4;
	if (s->proto == 6) {
		h->have |= HDR_TCP;
		h->tcp_flags = 0x18;
	} else {
		frame_udp_end(&f, l4);
		h->have |= HDR_UDP;
	}
	h->l4_payload_off = base + l4 + (s->proto == 6 ? 20 : 8);
	if (s->ipver == 4) {
		uint8_t *ip = out + l3;

		frame_ipv4_end(&f, l3, false);
		put16(ip + 10, full_csum(ip, 20, 0));
		h->have |= HDR_IPV4;
		h->ip_total_len = 20 + l4len;
		memset(h->src_ip, 0, 16);
		h->src_ip[10] = h->src_ip[11] = 0xff;
		h->dst_ip[10] = h->dst_ip[11] = 0xff;
		memcpy(h->src_ip + 12, s->src, 4);
		memcpy(h->dst_ip + 12, s->dst, 4);
	} else {
		frame_ipv6_end(&f, l3);
		h->have |= HDR_IPV6;
		h->ip_total_len = 40 + l4len;
		memcpy(h->src_ip, s->src, 16);
		memcpy(h->dst_ip, s->dst, 16);
	}
	h->ip_proto = s->proto;
	h->ttl = s->ttl;
	h->tos = s->tos;
	h->l4_off = base + l4;
	h->l4_sport = s->sport;
	h->l4_dport = s->dport;
	if (!(s->proto == 17 && s->udp_csum_zero && s->ipver == 4)) {
		uint8_t *c = out + l4 + (s->proto == 6 ? 16 : 6);
		uint16_t v = full_csum(out + l4, l4len,
				       pseudo_sum(s->ipver, out + l3, s->proto, l4len));

		if (s->proto == 17 && v == 0)
			v = 0xffff;
		put16(c, v);
	}
	return l4 + l4len;
}

static void shift_hdrs(struct pkt_hdrs *h, uint16_t d)
{
	h->l2_off += d;
	h->l3_off += d;
	h->l4_off += d;
	h->l4_payload_off += d;
	for (int i = 0; i < h->n_vlans; i++)
		h->vlan_off[i] += d;
}

static struct fspec outer_spec(int ipver)
{
	struct fspec o = base_spec(ipver, 17);

	memcpy(o.dmac, "\x02\xaa\x00\x00\x00\x01", 6);
	memcpy(o.smac, "\x02\xbb\x00\x00\x00\x02", 6);
	if (ipver == 4) {
		memcpy(o.src, "\x0a\x00\x00\x01", 4);
		memcpy(o.dst, "\x0a\x00\x00\x02", 4);
	} else {
		memcpy(o.src, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 16);
		memcpy(o.dst, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02", 16);
	}
	o.ip_id = 0;
	o.flow_label = 0;
	o.dport = 4789;
	o.udp_csum_zero = true;
	return o;
}

/* outer / UDP 4789 / VXLAN vni / the ilen bytes at inner (no parse of
 * them: pr->have_inner false). */
static uint32_t build_vxlan_raw(const struct fspec *outer, uint32_t vni,
				const uint8_t *inner, uint32_t ilen,
				uint8_t *out, struct parser_result *pr)
{
	uint8_t pay[CAP];
	struct fspec o = *outer;
	uint32_t n;

	memset(pay, 0, 8);
	pay[0] = 0x08;
	pay[4] = vni >> 16;
	pay[5] = vni >> 8;
	pay[6] = vni;
	memcpy(pay + 8, inner, ilen);
	o.payload = pay;
	o.paylen = 8 + ilen;
	memset(pr, 0, sizeof *pr);
	n = build(&o, out, &pr->outer, 0);
	pr->tunnel = TUNNEL_VXLAN;
	pr->vni = vni;
	pr->tunnel_off = n - ilen - 8;
	pr->depth = n;
	return n;
}

/* outer / UDP 4789 / VXLAN vni / inner; fills pr for the whole frame. */
static uint32_t build_vxlan(const struct fspec *outer, uint32_t vni,
			    const struct fspec *inner, uint8_t *out,
			    struct parser_result *pr)
{
	uint8_t pay[CAP];
	struct fspec o = *outer;
	struct pkt_hdrs ih;
	uint32_t ilen = 0, n, hdr;

	memset(pay, 0, 8);
	pay[0] = 0x08;
	pay[4] = vni >> 16;
	pay[5] = vni >> 8;
	pay[6] = vni;
	if (inner)
		ilen = build(inner, pay + 8, &ih, 0);
	o.payload = pay;
	o.paylen = 8 + ilen;
	memset(pr, 0, sizeof *pr);
	n = build(&o, out, &pr->outer, 0);
	hdr = n - ilen;
	pr->tunnel = TUNNEL_VXLAN;
	pr->vni = vni;
	pr->tunnel_off = hdr - 8;
	if (inner) {
		shift_hdrs(&ih, hdr);
		pr->inner = ih;
		pr->have_inner = true;
	}
	pr->depth = n;
	return n;
}

static struct encap_template make_template(const struct fspec *outer,
					   uint32_t vni)
{
	struct encap_template t;
	struct parser_result pr;
	uint8_t b[CAP];
	uint32_t n = build_vxlan(outer, vni, NULL, b, &pr);

	memset(&t, 0, sizeof t);
	cr_assert_leq(n, ENCAP_TEMPLATE_MAX_BYTES);
	memcpy(t.bytes, b, n);
	t.len = n;
	return t;
}

static uint32_t simple(const struct fspec *s, uint8_t *out,
		       struct parser_result *pr)
{
	uint32_t n;

	memset(pr, 0, sizeof *pr);
	n = build(s, out, &pr->outer, 0);
	pr->depth = (uint16_t)(n < 65535 ? n : 65535);
	return n;
}

/* The documented entropy hash, written out again. */
static uint16_t expected_port(const struct fspec *in)
{
	uint8_t b[37];
	uint32_t x = 2166136261u;

	memset(b, 0, sizeof b);
	if (in->ipver == 0) {
		memcpy(b, in->dmac, 6);
		memcpy(b + 6, in->smac, 6);
		put16(b + 12, 0x0806);
		for (int i = 0; i < 14; i++)
			x = (x ^ b[i]) * 16777619u;
		return 0xc000 | ((x ^ x >> 16) & 0x3fff);
	}
	if (in->ipver == 4) {
		b[10] = b[11] = 0xff;
		memcpy(b + 12, in->src, 4);
		b[26] = b[27] = 0xff;
		memcpy(b + 28, in->dst, 4);
	} else {
		memcpy(b, in->src, 16);
		memcpy(b + 16, in->dst, 16);
	}
	b[32] = in->proto;
	put16(b + 33, in->sport);
	put16(b + 35, in->dport);
	for (int i = 0; i < 37; i++)
		x = (x ^ b[i]) * 16777619u;
	return 0xc000 | ((x ^ x >> 16) & 0x3fff);
}

/* ---- checks ------------------------------------------------------------- */

static void assert_same(const uint8_t *got, uint32_t glen, const uint8_t *exp,
			uint32_t elen)
{
	cr_assert_eq(glen, elen, "length %u, expected %u", glen, elen);
	for (uint32_t i = 0; i < elen; i++)
		cr_assert_eq(got[i], exp[i],
			     "byte %u: 0x%02x, expected 0x%02x", i, got[i], exp[i]);
}

/* Every IPv4 header checksum and TCP/UDP checksum at the levels h names is
 * valid in buf, by full recomputation. */
static void assert_checksums(const uint8_t *buf, const struct pkt_hdrs *h)
{
	const uint8_t *ip = buf + h->l3_off;
	uint32_t l4len;

	if (h->have & HDR_IPV4) {
		cr_assert_eq(full_csum(ip, (ip[0] & 15) * 4, 0), 0,
			     "IPv4 header checksum at %u", h->l3_off);
		l4len = (uint32_t)(ip[2] << 8 | ip[3]) - (ip[0] & 15) * 4;
	} else if (h->have & HDR_IPV6) {
		l4len = (uint32_t)(ip[4] << 8 | ip[5]);
	} else {
		return;
	}
	if ((h->have & HDR_UDP) && !(buf[h->l4_off + 6] | buf[h->l4_off + 7]))
		return;   /* zero UDP checksum: none */
	if (h->have & (HDR_TCP | HDR_UDP))
		cr_assert_eq(full_csum(buf + h->l4_off, l4len,
				       pseudo_sum(h->have & HDR_IPV4 ? 4 : 6, ip,
						  h->ip_proto, l4len)), 0,
			     "L4 checksum at %u", h->l4_off);
}

/* Run the editor on a copy; return its result. */
static int edit(const struct pnic_action *a, const struct encap_template *t,
		const struct parser_result *pr, const uint8_t *in, uint32_t inlen,
		uint8_t *out, uint32_t *outlen, uint32_t cap)
{
	memset(out, 0xcc, CAP);
	memcpy(out, in, inlen);
	*outlen = inlen;
	return editor_apply(a, t, pr, out, outlen, cap, NULL);
}

/* Expect a refusal and an untouched frame. */
static void assert_refused(const struct pnic_action *a,
			   const struct encap_template *t,
			   const struct parser_result *pr, const uint8_t *in,
			   uint32_t inlen, uint32_t cap, enum editor_status why)
{
	uint8_t out[CAP];
	uint32_t n;
	int rc = edit(a, t, pr, in, inlen, out, &n, cap);

	cr_assert_eq(rc, -(int)why, "got %d (%s), expected %s", rc,
		     rc < 0 ? editor_status_name(-rc) : "ok",
		     editor_status_name(why));
	assert_same(out, n, in, inlen);
	for (uint32_t i = inlen; i < CAP; i++)
		cr_assert_eq(out[i], 0xcc, "wrote past the frame at %u", i);
}

static void assert_edit(const struct pnic_action *a,
			const struct encap_template *t,
			const struct parser_result *pr, const uint8_t *in,
			uint32_t inlen, const uint8_t *exp, uint32_t elen,
			const struct pkt_hdrs *eh)
{
	uint8_t out[CAP];
	uint32_t n;
	int rc = edit(a, t, pr, in, inlen, out, &n, CAP);

	cr_assert_eq(rc, 0, "refused: %s", editor_status_name(-rc));
	assert_same(out, n, exp, elen);
	for (uint32_t i = n; i < CAP && i < inlen + 200; i++)
		cr_assert(out[i] == 0xcc || i < inlen,
			  "wrote past the new frame end at %u", i);
	if (eh)
		assert_checksums(out, eh);
}

/* ---- VLAN --------------------------------------------------------------- */

Test(editor, vlan_push_untagged_and_tagged)
{
	struct fspec s = base_spec(4, 6), e;
	struct parser_result pr, epr;
	uint8_t in[CAP], exp[CAP];
	uint32_t n, en;
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_PUSH,
				 .vlan_tci = 0x6064 };

	n = simple(&s, in, &pr);
	e = s;
	e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 0x6064;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);

	/* onto a tagged frame: the new tag is outermost */
	s.n_vlans = 1; s.tpid[0] = 0x8100; s.tci[0] = 0x0005;
	n = simple(&s, in, &pr);
	e = s;
	e.n_vlans = 2; e.tpid[0] = 0x8100; e.tci[0] = 0x6064;
	e.tpid[1] = 0x8100; e.tci[1] = 0x0005;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);

	/* a third tag is refused */
	n = simple(&e, in, &pr);
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_VLAN_FULL);
}

Test(editor, vlan_pop)
{
	struct fspec s = base_spec(6, 17), e;
	struct parser_result pr, epr;
	uint8_t in[CAP], exp[CAP];
	uint32_t n, en;
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_POP };

	s.n_vlans = 1; s.tpid[0] = 0x8100; s.tci[0] = 0xe00a;
	n = simple(&s, in, &pr);
	e = base_spec(6, 17);
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);

	/* QinQ: the outer S-tag goes, the C-tag stays */
	s.n_vlans = 2; s.tpid[0] = 0x88a8; s.tci[0] = 0x0100;
	s.tpid[1] = 0x8100; s.tci[1] = 0x0200;
	n = simple(&s, in, &pr);
	e = s;
	e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 0x0200;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);

	/* untagged */
	e = base_spec(6, 17);
	n = simple(&e, in, &pr);
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NO_VLAN);
}

Test(editor, vlan_rewrite)
{
	struct fspec s = base_spec(4, 17), e;
	struct parser_result pr, epr;
	uint8_t in[CAP], exp[CAP];
	uint32_t n, en;
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_REWRITE,
				 .vlan_tci = 0xa123 };

	s.n_vlans = 2; s.tpid[0] = 0x8100; s.tci[0] = 0x0001;
	s.tpid[1] = 0x8100; s.tci[1] = 0x0002;
	n = simple(&s, in, &pr);
	e = s;
	e.tci[0] = 0xa123;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);

	/* untagged: a rewrite pushes */
	s = base_spec(4, 17);
	n = simple(&s, in, &pr);
	e = s;
	e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 0xa123;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
}

Test(editor, vlan_on_arp)
{
	struct fspec s = base_spec(0, 0), e;
	struct parser_result pr, epr;
	uint8_t in[CAP], exp[CAP];
	uint32_t n, en;
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_PUSH,
				 .vlan_tci = 7 };

	n = simple(&s, in, &pr);
	e = s;
	e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 7;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, NULL);
}

/* ---- TTL and DSCP --------------------------------------------------------- */

Test(editor, dec_ttl_ipv4_ipv6)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int v = 4; v <= 6; v += 2)
		for (int p = 6; p <= 17; p += 11)
			for (unsigned ttl = 2; ttl <= 255; ttl += 51) {
				struct fspec s = base_spec(v, p), e;

				s.ttl = ttl;
				s.tos = 0xb9;
				n = simple(&s, in, &pr);
				e = s;
				e.ttl = ttl - 1;
				en = simple(&e, exp, &epr);
				assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
			}
}

/* The incremental update matches a full recomputation whatever the header:
 * sweep ids so the checksum takes many values, including near 0 / 0xffff. */
Test(editor, dec_ttl_ipv4_checksum_sweep)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (uint32_t id = 0; id < 65536; id += 97) {
		struct fspec s = base_spec(4, 17), e;

		s.ip_id = id;
		s.ttl = 2 + id % 250;
		s.paylen = 3;
		n = simple(&s, in, &pr);
		e = s;
		e.ttl = s.ttl - 1;
		en = simple(&e, exp, &epr);
		assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
	}
}

Test(editor, ttl_expired_and_not_ip)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true };
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n;

	for (int v = 4; v <= 6; v += 2)
		for (unsigned ttl = 0; ttl <= 1; ttl++) {
			struct fspec s = base_spec(v, 6);

			s.ttl = ttl;
			n = simple(&s, in, &pr);
			assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_TTL_EXPIRED);
		}
	{
		struct fspec s = base_spec(0, 0);

		n = simple(&s, in, &pr);
		assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NOT_IP);
		a = (struct pnic_action){ .set_dscp = true, .dscp = 10 };
		assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NOT_IP);
	}
}

Test(editor, set_dscp_keeps_ecn)
{
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int v = 4; v <= 6; v += 2)
		for (unsigned tos = 0; tos < 256; tos += 17)
			for (unsigned d = 0; d < 64; d += 21) {
				struct pnic_action a = { .kind = ACT_FORWARD,
							 .set_dscp = true, .dscp = d };
				struct fspec s = base_spec(v, 6), e;

				s.tos = tos;
				n = simple(&s, in, &pr);
				e = s;
				e.tos = (uint8_t)(d << 2 | (tos & 3));
				en = simple(&e, exp, &epr);
				assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
			}
}

Test(editor, dec_ttl_and_dscp_together)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true,
				 .set_dscp = true, .dscp = 46 };
	struct fspec s = base_spec(4, 6), e;
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	s.tos = 0x02;
	n = simple(&s, in, &pr);
	e = s;
	e.ttl = 63;
	e.tos = 46 << 2 | 2;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
}

Test(editor, vlan_push_and_dscp)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_PUSH,
				 .vlan_tci = 0x2064, .set_dscp = true, .dscp = 34 };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int v = 4; v <= 6; v += 2) {
		struct fspec s = base_spec(v, 17), e;

		n = simple(&s, in, &pr);
		e = s;
		e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 0x2064;
		e.tos = 34 << 2;
		en = simple(&e, exp, &epr);
		assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
	}
}

/* ---- VXLAN decap --------------------------------------------------------- */

Test(editor, decap)
{
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int ov = 4; ov <= 6; ov += 2)
		for (int iv = 0; iv <= 6; iv += 2) {
			struct fspec o = outer_spec(ov);
			struct fspec i = base_spec(iv == 2 ? 4 : iv, 6);

			if (iv == 4) {
				i.n_vlans = 1; i.tpid[0] = 0x8100; i.tci[0] = 9;
			}
			if (ov == 6)
				o.udp_csum_zero = false;
			o.n_vlans = iv == 6;
			o.tpid[0] = 0x8100; o.tci[0] = 100;
			n = build_vxlan(&o, 0xabcdef, &i, in, &pr);
			en = simple(&i, exp, &epr);
			assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
		}
}

Test(editor, decap_drops_outer_trailer)
{
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int ov = 4; ov <= 6; ov += 2) {
		struct fspec o = outer_spec(ov), i = base_spec(4, 17);

		i.paylen = 1;
		n = build_vxlan(&o, 3, &i, in, &pr);
		memcpy(in + n, "\xde\xad\xbe\xef", 4);   /* e.g. a captured FCS */
		en = simple(&i, exp, &epr);
		assert_edit(&a, NULL, &pr, in, n + 4, exp, en, &epr.outer);
	}
}

Test(editor, decap_refused_on_non_vxlan)
{
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	struct fspec s = base_spec(4, 17);
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n;

	n = simple(&s, in, &pr);
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NOT_VXLAN);
	/* Geneve is recognised by the parser but is not VXLAN */
	pr.tunnel = TUNNEL_GENEVE;
	pr.have_inner = true;
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NOT_VXLAN);
	/* VXLAN whose inner frame was cut off */
	{
		struct fspec o = outer_spec(4), i = base_spec(4, 6);

		n = build_vxlan(&o, 5, &i, in, &pr);
		pr.have_inner = false;
		assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NOT_VXLAN);
	}
}

Test(editor, decap_and_ttl)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	for (int iv = 4; iv <= 6; iv += 2) {
		struct fspec o = outer_spec(4), i = base_spec(iv, 17), e;

		o.ttl = 1;    /* the outer TTL is not the one decremented */
		i.ttl = 20;
		n = build_vxlan(&o, 77, &i, in, &pr);
		e = i;
		e.ttl = 19;
		en = simple(&e, exp, &epr);
		assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
		/* inner TTL 1: refused, nothing stripped */
		i.ttl = 1;
		o.ttl = 64;
		n = build_vxlan(&o, 77, &i, in, &pr);
		assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_TTL_EXPIRED);
	}
}

Test(editor, ttl_without_decap_hits_outer)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true };
	struct fspec o = outer_spec(4), i = base_spec(4, 6), e;
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	n = build_vxlan(&o, 77, &i, in, &pr);
	e = o;
	e.ttl = o.ttl - 1;
	en = build_vxlan(&e, 77, &i, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
}

Test(editor, decap_and_vlan_pop_inner)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_POP,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
	struct fspec o = outer_spec(6), i = base_spec(4, 6), e;
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	o.n_vlans = 1; o.tpid[0] = 0x8100; o.tci[0] = 3;
	o.udp_csum_zero = false;
	i.n_vlans = 1; i.tpid[0] = 0x8100; i.tci[0] = 4;
	n = build_vxlan(&o, 1, &i, in, &pr);
	e = i;
	e.n_vlans = 0;
	en = simple(&e, exp, &epr);
	assert_edit(&a, NULL, &pr, in, n, exp, en, &epr.outer);
}

/* ---- VXLAN encap --------------------------------------------------------- */

static void check_encap(int ov, bool ovlan, const struct fspec *inner)
{
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP, .encap_id = 3 };
	struct fspec o = outer_spec(ov);
	struct encap_template t;
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	o.tos = 0x20;
	o.ttl = 33;
	if (ovlan) {
		o.n_vlans = 1; o.tpid[0] = 0x8100; o.tci[0] = 0x0fff;
	}
	o.sport = 0;                /* the template's port is replaced */
	t = make_template(&o, 0x010203);
	n = simple(inner, in, &pr);
	o.sport = inner->ipver ? expected_port(inner) : 0;
	o.udp_csum_zero = ov == 4;
	en = build_vxlan(&o, 0x010203, inner, exp, &epr);
	if (!inner->ipver) {
		uint8_t out[CAP];
		uint32_t m;
		struct encap_layout lay;

		/* non-IP inner: the port is the hash of MACs + ethertype;
		 * check its range here and everything else below */
		cr_assert_eq(edit(&a, &t, &pr, in, n, out, &m, CAP), 0);
		cr_assert_eq(encap_template_layout(&t, &lay, NULL), 0);
		o.sport = (uint16_t)(out[lay.l4_off] << 8 | out[lay.l4_off + 1]);
		cr_assert_geq(o.sport, 0xc000);
		en = build_vxlan(&o, 0x010203, inner, exp, &epr);
	}
	assert_edit(&a, &t, &pr, in, n, exp, en, &epr.outer);
	assert_checksums(exp, &epr.inner);
	/* one byte short of room: refused */
	assert_refused(&a, &t, &pr, in, n, en - 1, EDIT_NO_ROOM);
	{
		uint8_t out[CAP];
		uint32_t m;

		cr_assert_eq(edit(&a, &t, &pr, in, n, out, &m, en), 0);
		cr_assert_eq(m, en);
	}
}

Test(editor, encap_ipv4_template)
{
	struct fspec i = base_spec(4, 6);

	check_encap(4, false, &i);
	i = base_spec(6, 17);
	check_encap(4, false, &i);
	i = base_spec(4, 17);
	i.n_vlans = 1; i.tpid[0] = 0x8100; i.tci[0] = 12;
	check_encap(4, true, &i);
	i = base_spec(0, 0);
	check_encap(4, false, &i);
}

Test(editor, encap_ipv6_template)
{
	struct fspec i = base_spec(4, 6);

	check_encap(6, false, &i);
	i = base_spec(6, 17);
	check_encap(6, true, &i);
	/* odd inner length exercises the checksum's last byte */
	i.paylen = 101;
	check_encap(6, false, &i);
	for (uint32_t p = 0; p < 300; p += 7) {
		i = base_spec(4, 17);
		i.paylen = p;
		i.sport = (uint16_t)(p * 131);
		check_encap(6, p & 8, &i);
	}
}

Test(editor, encap_entropy_port)
{
	struct fspec i = base_spec(4, 6);
	struct parser_result pr;
	uint8_t in[CAP];
	unsigned distinct = 0;
	bool seen[0x4000] = { false };

	for (unsigned k = 0; k < 1000; k++) {
		uint16_t p;

		i.sport = (uint16_t)(10000 + k);
		simple(&i, in, &pr);
		p = editor_entropy_port(&pr.outer, in);
		cr_assert_eq(p, expected_port(&i));
		cr_assert_geq(p, 0xc000);
		distinct += !seen[p & 0x3fff];
		seen[p & 0x3fff] = true;
	}
	/* 1000 balls in 16384 bins: ~970 distinct expected */
	cr_assert_gt(distinct, 900, "only %u distinct ports", distinct);
}

Test(editor, entropy_port_of_fragments_ignores_ports)
{
	struct fspec i = base_spec(4, 17), z;
	struct parser_result pr;
	uint8_t in[CAP];
	uint16_t p;

	simple(&i, in, &pr);
	pr.outer.have |= HDR_FRAG;
	p = editor_entropy_port(&pr.outer, in);
	z = i;
	z.sport = z.dport = 0;
	cr_assert_eq(p, expected_port(&z));
	cr_assert_neq(p, expected_port(&i));
}

Test(editor, decap_then_encap_retunnels)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .dec_ttl = true,
				 .vlan_op = VLAN_OP_PUSH, .vlan_tci = 0x0042,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP };
	struct fspec o1 = outer_spec(4), o2 = outer_spec(6), i = base_spec(4, 6), e;
	struct encap_template t;
	uint8_t in[CAP], exp[CAP];
	struct parser_result pr, epr;
	uint32_t n, en;

	/* Only one tunnel op fits in an action: decap+encap is two entries.
	 * Here: TTL and VLAN on the outer of a plain frame, then encap. */
	t = make_template(&o2, 0xfffffe);
	n = simple(&i, in, &pr);
	e = i;
	e.ttl = 63;
	e.n_vlans = 1; e.tpid[0] = 0x8100; e.tci[0] = 0x0042;
	o2.sport = expected_port(&i);
	o2.udp_csum_zero = false;
	en = build_vxlan(&o2, 0xfffffe, &e, exp, &epr);
	assert_edit(&a, &t, &pr, in, n, exp, en, &epr.outer);
	assert_checksums(exp, &epr.inner);
	(void)o1;
}

Test(editor, encap_refusals)
{
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP };
	struct fspec o = outer_spec(4), i = base_spec(4, 6);
	struct encap_template t = make_template(&o, 1);
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n = simple(&i, in, &pr);

	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_NO_TEMPLATE);
	t.bytes[36] = 0;   /* UDP destination port no longer 4789 */
	assert_refused(&a, &t, &pr, in, n, CAP, EDIT_BAD_TEMPLATE);
	t.len = 0;
	assert_refused(&a, &t, &pr, in, n, CAP, EDIT_BAD_TEMPLATE);
}

/* ---- other refusals, names, stats ---------------------------------------- */

Test(editor, no_room_for_push)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_PUSH,
				 .vlan_tci = 1 };
	struct fspec s = base_spec(4, 6);
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n = simple(&s, in, &pr);

	assert_refused(&a, NULL, &pr, in, n, n + 3, EDIT_NO_ROOM);
	/* pop then nothing grows: fits in the original length */
	s.n_vlans = 1; s.tpid[0] = 0x8100;
	n = simple(&s, in, &pr);
	a.vlan_op = VLAN_OP_POP;
	a.vlan_tci = 0;
	{
		uint8_t out[CAP];
		uint32_t m;

		cr_assert_eq(edit(&a, NULL, &pr, in, n, out, &m, n), 0);
		cr_assert_eq(m, n - 4);
	}
}

Test(editor, encap_outer_length_must_fit_16_bits)
{
	static uint8_t in[70000], buf[70000];
	struct pnic_action a = { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP };
	struct fspec o = outer_spec(4), s = base_spec(4, 17);
	struct encap_template t = make_template(&o, 1);
	struct parser_result pr;
	uint32_t n, m;

	s.paylen = 65535 - 28;          /* the largest IPv4 packet */
	n = simple(&s, in, &pr);
	cr_assert_eq(n, 14 + 65535);
	memcpy(buf, in, n);
	m = n;
	cr_assert_eq(editor_apply(&a, &t, &pr, buf, &m, sizeof buf, NULL),
		     -EDIT_NO_ROOM);
	cr_assert_eq(m, n);
	cr_assert_eq(memcmp(buf, in, n), 0);
	/* 50 bytes less and the outer IPv4 total length is exactly 65535 */
	s.paylen -= 50;
	n = simple(&s, in, &pr);
	memcpy(buf, in, n);
	m = n;
	cr_assert_eq(editor_apply(&a, &t, &pr, buf, &m, sizeof buf, NULL), 0);
	cr_assert_eq(buf[16] << 8 | buf[17], 65535);
	cr_assert_eq(full_csum(buf + 14, 20, 0), 0);
	/* in-place edits do not care how long the frame is */
	a = (struct pnic_action){ .dec_ttl = true };
	s.paylen = 65535 - 28;
	n = simple(&s, in, &pr);
	m = n;
	cr_assert_eq(editor_apply(&a, NULL, &pr, in, &m, n, NULL), 0);
}

Test(editor, bad_action_and_short_frame)
{
	struct fspec s = base_spec(4, 6);
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n = simple(&s, in, &pr);
	struct pnic_action a = { .tunnel_op = 3 };

	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_BAD_ACTION);
	a = (struct pnic_action){ .vlan_op = 4 };
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_BAD_ACTION);
	a = (struct pnic_action){ .set_dscp = true, .dscp = 64 };
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_BAD_ACTION);
	/* a parse result that points past the frame */
	a = (struct pnic_action){ .dec_ttl = true };
	assert_refused(&a, NULL, &pr, in, 30, CAP, EDIT_SHORT_FRAME);
	a = (struct pnic_action){ .vlan_op = VLAN_OP_PUSH };
	assert_refused(&a, NULL, &pr, in, 10, CAP, EDIT_SHORT_FRAME);
	pr.outer.have = 0;
	assert_refused(&a, NULL, &pr, in, n, CAP, EDIT_SHORT_FRAME);
}

Test(editor, no_edits_is_identity)
{
	struct pnic_action a = { .kind = ACT_TO_HOST, .count = true, .mirror = true,
				 .mirror_vpid = 9 };
	struct fspec s = base_spec(6, 6);
	uint8_t in[CAP];
	struct parser_result pr;
	uint32_t n = simple(&s, in, &pr);

	assert_edit(&a, NULL, &pr, in, n, in, n, &pr.outer);
	/* a frame with no parse at all passes when nothing is asked */
	memset(&pr, 0, sizeof pr);
	assert_edit(&a, NULL, &pr, in, 5, in, 5, NULL);
}

Test(editor, stats_and_names)
{
	struct editor_stats st;
	struct fspec s = base_spec(4, 6);
	uint8_t buf[CAP];
	struct parser_result pr;
	uint32_t n;
	struct pnic_action a = { .vlan_op = VLAN_OP_REWRITE, .vlan_tci = 5,
				 .dec_ttl = true };

	memset(&st, 0, sizeof st);
	n = simple(&s, buf, &pr);
	cr_assert_eq(editor_apply(&a, NULL, &pr, buf, &n, CAP, &st), 0);
	cr_assert_eq(st.frames, 1);
	cr_assert_eq(st.ops[EDIT_OP_VLAN_PUSH], 1, "rewrite of untagged counts as push");
	cr_assert_eq(st.ops[EDIT_OP_VLAN_REWRITE], 0);
	cr_assert_eq(st.ops[EDIT_OP_DEC_TTL], 1);
	a.tunnel_op = TUNNEL_OP_VXLAN_DECAP;
	cr_assert_eq(editor_apply(&a, NULL, &pr, buf, &n, CAP, &st), -EDIT_NOT_VXLAN);
	cr_assert_eq(st.refused[EDIT_NOT_VXLAN], 1);
	cr_assert_eq(st.frames, 1);

	for (int i = 0; i < EDIT_STATUS_COUNT; i++) {
		cr_assert_str_neq(editor_status_name(i), "?");
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(editor_status_name(i), editor_status_name(j));
	}
	for (int i = 0; i < EDIT_OP_COUNT; i++)
		cr_assert_str_neq(editor_op_name(i), "?");
	cr_assert_str_eq(editor_status_name(EDIT_TTL_EXPIRED), "ttl_expired");
	cr_assert_str_eq(editor_status_name(EDIT_STATUS_COUNT), "?");
	cr_assert_str_eq(editor_op_name(EDIT_OP_COUNT), "?");
}

/* ---- random combinations against a model of the edits -------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11) % n;
}

/* A frame as a description: plain (outer only) or VXLAN (outer + inner). */
struct fdesc {
	bool vxlan;
	uint32_t vni;
	struct fspec outer, inner;
};

static uint32_t build_desc(const struct fdesc *d, uint8_t *out,
			   struct parser_result *pr)
{
	if (d->vxlan)
		return build_vxlan(&d->outer, d->vni, &d->inner, out, pr);
	return simple(&d->outer, out, pr);
}

static void random_tags(struct fspec *s)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8 };

	s->n_vlans = rnd(3);
	for (int i = 0; i < s->n_vlans; i++) {
		s->tpid[i] = tpids[rnd(2)];
		s->tci[i] = (uint16_t)rnd(65536);
	}
}

static struct fspec random_spec(void)
{
	int v = (int[]){ 0, 4, 4, 6, 6 }[rnd(5)];
	struct fspec s = base_spec(v, rnd(2) ? 6 : 17);

	random_tags(&s);
	s.ttl = (uint8_t)(rnd(4) ? rnd(256) : rnd(3));
	s.tos = (uint8_t)rnd(256);
	s.ip_id = (uint16_t)rnd(65536);
	s.sport = (uint16_t)rnd(65536);
	s.dport = (uint16_t)rnd(65536);
	s.src[3] = (uint8_t)rnd(256);
	s.paylen = rnd(400);
	return s;
}

/* What the editor must do, worked out on descriptions: the expected frame
 * (in out/outlen) or the refusal.  Follows the documented order. */
static enum editor_status model_edit(const struct pnic_action *a,
				     const struct fspec *tpl_outer, uint32_t tpl_vni,
				     const struct fdesc *in, uint32_t cap,
				     uint8_t *out, uint32_t *outlen,
				     struct parser_result *opr)
{
	struct fdesc cur = *in;
	struct fspec *top = &cur.outer;
	uint8_t tmp[CAP];
	struct parser_result tpr;
	uint32_t n;

	if (a->tunnel_op == TUNNEL_OP_VXLAN_DECAP) {
		if (!cur.vxlan)
			return EDIT_NOT_VXLAN;
		cur.vxlan = false;
		cur.outer = cur.inner;
	}
	if (a->dec_ttl || a->set_dscp) {
		if (top->ipver == 0)
			return EDIT_NOT_IP;
		if (a->dec_ttl && top->ttl <= 1)
			return EDIT_TTL_EXPIRED;
		if (a->dec_ttl)
			top->ttl--;
		if (a->set_dscp)
			top->tos = (uint8_t)(a->dscp << 2 | (top->tos & 3));
	}
	switch (a->vlan_op) {
	case VLAN_OP_REWRITE:
		if (top->n_vlans) {
			top->tci[0] = a->vlan_tci;
			break;
		}
		/* untagged: a rewrite pushes */
		/* fall through */
	case VLAN_OP_PUSH:
		if (top->n_vlans == 2)
			return EDIT_VLAN_FULL;
		top->tpid[1] = top->tpid[0];
		top->tci[1] = top->tci[0];
		top->tpid[0] = 0x8100;
		top->tci[0] = a->vlan_tci;
		top->n_vlans++;
		break;
	case VLAN_OP_POP:
		if (!top->n_vlans)
			return EDIT_NO_VLAN;
		top->tpid[0] = top->tpid[1];
		top->tci[0] = top->tci[1];
		top->n_vlans--;
		break;
	}
	n = build_desc(&cur, tmp, &tpr);
	if (a->tunnel_op == TUNNEL_OP_VXLAN_ENCAP) {
		struct fspec o = *tpl_outer;

		o.sport = expected_port(top);
		o.udp_csum_zero = o.ipver == 4;
		if (n + 14 + 4 * o.n_vlans + (o.ipver == 4 ? 20 : 40) + 16 > cap)
			return EDIT_NO_ROOM;
		*outlen = build_vxlan_raw(&o, tpl_vni, tmp, n, out, opr);
		return EDIT_OK;
	}
	if (n > cap)
		return EDIT_NO_ROOM;
	memcpy(out, tmp, n);
	*outlen = n;
	*opr = tpr;
	return EDIT_OK;
}

static void random_combinations(bool real_parse)
{
	unsigned by_status[EDIT_STATUS_COUNT] = { 0 };

	for (int iter = 0; iter < 4000; iter++) {
		struct fdesc d;
		struct fspec to = outer_spec(rnd(2) ? 4 : 6);
		struct encap_template t;
		struct pnic_action a;
		struct parser_result pr, epr;
		uint8_t in[CAP], exp[CAP], out[CAP];
		uint32_t n, en = 0, m, cap;
		enum editor_status want;
		int rc;

		memset(&d, 0, sizeof d);
		d.vxlan = rnd(2);
		d.vni = rnd(1u << 24);
		if (d.vxlan) {
			d.outer = outer_spec(rnd(2) ? 4 : 6);
			random_tags(&d.outer);
			d.outer.ttl = (uint8_t)rnd(256);
			d.outer.tos = (uint8_t)rnd(256);
			d.outer.udp_csum_zero = d.outer.ipver == 4 && rnd(2);
			d.inner = random_spec();
		} else {
			d.outer = random_spec();
		}
		if (rnd(2)) {
			to.n_vlans = 1; to.tpid[0] = 0x8100; to.tci[0] = (uint16_t)rnd(4096);
		}
		to.ttl = (uint8_t)(1 + rnd(255));
		to.tos = (uint8_t)rnd(256);
		t = make_template(&to, d.vni ^ 0x5a5a5a);

		memset(&a, 0, sizeof a);
		a.kind = ACT_FORWARD;
		a.tunnel_op = rnd(3);
		a.vlan_op = rnd(4);
		if (a.vlan_op != VLAN_OP_POP)
			a.vlan_tci = (uint16_t)rnd(65536);
		a.dec_ttl = rnd(2);
		a.set_dscp = rnd(2);
		if (a.set_dscp)
			a.dscp = rnd(64);

		n = build_desc(&d, in, &pr);
		if (real_parse)
			parser_parse(in, n, n, &pr);
		cap = rnd(4) || n < 100 ? CAP : n - 100 + rnd(200);
		want = model_edit(&a, &to, d.vni ^ 0x5a5a5a, &d, cap, exp, &en, &epr);
		by_status[want]++;
		memset(out, 0xcc, sizeof out);
		memcpy(out, in, n);
		m = n;
		rc = editor_apply(&a, &t, &pr, out, &m, cap, NULL);
		cr_assert_eq(rc, -(int)want, "iter %d: got %s, expected %s", iter,
			     editor_status_name(rc < 0 ? -rc : 0),
			     editor_status_name(want));
		if (want != EDIT_OK) {
			assert_same(out, m, in, n);
			continue;
		}
		assert_same(out, m, exp, en);
		cr_assert_leq(m, cap);
		for (uint32_t i = m > n ? m : n; i < CAP; i++)
			cr_assert_eq(out[i], 0xcc, "iter %d: wrote at %u", iter, i);
		assert_checksums(out, &epr.outer);
		if (epr.have_inner)
			assert_checksums(out, &epr.inner);
	}
	/* the mix reached every outcome the model can produce */
	for (int s = 0; s < EDIT_STATUS_COUNT; s++)
		if (s != EDIT_BAD_ACTION && s != EDIT_NO_TEMPLATE &&
		    s != EDIT_BAD_TEMPLATE && s != EDIT_SHORT_FRAME)
			cr_assert_gt(by_status[s], 0, "no case ended in %s",
				     editor_status_name(s));
}

Test(editor, random_combinations_against_model)
{
	random_combinations(false);
}

/* ---- with the real parser ----------------------------------------------- */

/* The builder's parse results (used above) say what the parser says. */
static void assert_same_hdrs(const struct pkt_hdrs *a, const struct pkt_hdrs *b)
{
	uint32_t mask = HDR_ETH | HDR_VLAN | HDR_ARP | HDR_IPV4 | HDR_IPV6 |
			HDR_TCP | HDR_UDP;

	cr_assert_eq(a->have & mask, b->have & mask, "have 0x%x vs 0x%x",
		     a->have, b->have);
	cr_assert_eq(a->l2_off, b->l2_off);
	cr_assert_eq(a->n_vlans, b->n_vlans);
	for (int i = 0; i < a->n_vlans; i++) {
		cr_assert_eq(a->vlan_off[i], b->vlan_off[i]);
		cr_assert_eq(a->vlan_tci[i], b->vlan_tci[i]);
	}
	cr_assert_eq(a->ethertype, b->ethertype);
	cr_assert_eq(a->l3_off, b->l3_off);
	if (a->have & (HDR_IPV4 | HDR_IPV6)) {
		cr_assert_eq(a->ttl, b->ttl);
		cr_assert_eq(a->tos, b->tos);
		cr_assert_eq(a->ip_proto, b->ip_proto);
		cr_assert_eq(memcmp(a->src_ip, b->src_ip, 16), 0);
		cr_assert_eq(memcmp(a->dst_ip, b->dst_ip, 16), 0);
		cr_assert_eq(a->ip_total_len, b->ip_total_len);
		cr_assert_eq(a->l4_off, b->l4_off);
		cr_assert_eq(a->l4_sport, b->l4_sport);
		cr_assert_eq(a->l4_dport, b->l4_dport);
	}
}

Test(editor, builder_agrees_with_parser)
{
	for (int iter = 0; iter < 500; iter++) {
		struct fdesc d;
		struct parser_result pr, real;
		uint8_t in[CAP];
		uint32_t n;

		memset(&d, 0, sizeof d);
		d.vxlan = iter & 1;
		d.vni = rnd(1u << 24);
		if (d.vxlan) {
			d.outer = outer_spec(rnd(2) ? 4 : 6);
			random_tags(&d.outer);
			d.inner = random_spec();
		} else {
			d.outer = random_spec();
		}
		n = build_desc(&d, in, &pr);
		parser_parse(in, n, n, &real);
		cr_assert_eq(real.status, PARSE_OK, "iter %d: %s", iter,
			     parser_status_name(real.status));
		assert_same_hdrs(&pr.outer, &real.outer);
		cr_assert_eq(real.tunnel, pr.tunnel);
		cr_assert_eq(real.have_inner, pr.have_inner);
		if (pr.have_inner) {
			cr_assert_eq(real.vni, pr.vni);
			assert_same_hdrs(&pr.inner, &real.inner);
		}
	}
}

Test(editor, random_combinations_with_real_parser)
{
	random_combinations(true);
}

/* ---- the capture corpus ------------------------------------------------- */

struct corpus_counts {
	uint64_t frames, vlan_rt, encap_rt[2], ttl, ttl_expired, dscp, decap, too_big;
};

static void ipv4_hdr_valid(const uint8_t *f, uint32_t n, uint32_t l3,
			   bool *valid)
{
	uint32_t ihl = (f[l3] & 15) * 4u;

	*valid = ihl >= 20 && l3 + ihl <= n && full_csum(f + l3, ihl, 0) == 0;
}

static void corpus_frame(const uint8_t *frame, uint32_t n,
			 struct corpus_counts *c)
{
	uint32_t cap = n + 256, m, m2;
	uint8_t *b = malloc(cap);
	struct parser_result pr, p2;
	const struct pkt_hdrs *o;
	struct pnic_action a;
	int rc;

	cr_assert_not_null(b);
	parser_parse(frame, n, n, &pr);
	o = &pr.outer;
	c->frames++;

	/* VLAN push then pop gives the frame back */
	if ((o->have & HDR_ETH) && o->n_vlans < 2 && pr.status != PARSE_TOO_MANY_TAGS) {
		memcpy(b, frame, n);
		m = n;
		a = (struct pnic_action){ .vlan_op = VLAN_OP_PUSH, .vlan_tci = 0x3456 };
		rc = editor_apply(&a, NULL, &pr, b, &m, cap, NULL);
		cr_assert_eq(rc, 0, "frame %llu (%u bytes, %s): push refused: %s",
			     (unsigned long long)c->frames, n,
			     parser_status_name(pr.status), editor_status_name(-rc));
		parser_parse(b, m, m, &p2);
		cr_assert_eq(p2.outer.n_vlans, o->n_vlans + 1);
		cr_assert_eq(p2.outer.vlan_tci[0], 0x3456);
		a = (struct pnic_action){ .vlan_op = VLAN_OP_POP };
		cr_assert_eq(editor_apply(&a, NULL, &p2, b, &m, cap, NULL), 0);
		assert_same(b, m, frame, n);
		c->vlan_rt++;
	}

	/* encap then decap gives the frame back; the outer headers check */
	for (int v = 0; v < 2 && (o->have & HDR_ETH); v++) {
		struct fspec to = outer_spec(v ? 6 : 4);
		struct encap_template t = make_template(&to, 0xc0ffee);

		memcpy(b, frame, n);
		m = n;
		a = (struct pnic_action){ .tunnel_op = TUNNEL_OP_VXLAN_ENCAP };
		rc = editor_apply(&a, &t, &pr, b, &m, cap, NULL);
		if (n + t.len - 14 - 40 * v > 65535) {
			/* big TCP (GSO) frames: the outer length would not fit */
			cr_assert_eq(rc, -EDIT_NO_ROOM);
			c->too_big++;
			continue;
		}
		cr_assert_eq(rc, 0, "%s", editor_status_name(-rc));
		cr_assert_eq(m, n + t.len);
		parser_parse(b, m, m, &p2);
		cr_assert_eq(p2.tunnel, TUNNEL_VXLAN);
		cr_assert(p2.have_inner);
		cr_assert_eq(p2.vni, 0xc0ffee);
		cr_assert_eq(p2.outer.ip_total_len, m - 14);
		assert_checksums(b, &p2.outer);
		if (v)   /* over IPv6 the UDP checksum must be there */
			cr_assert(b[14 + 40 + 6] | b[14 + 40 + 7]);
		a = (struct pnic_action){ .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
		m2 = m;
		rc = editor_apply(&a, NULL, &p2, b, &m2, cap, NULL);
		cr_assert_eq(rc, 0, "decap: %s", editor_status_name(-rc));
		assert_same(b, m2, frame, n);
		c->encap_rt[v]++;
	}

	/* TTL and DSCP keep a valid IPv4 header checksum valid */
	if ((o->have & (HDR_IPV4 | HDR_IPV6)) && pr.status == PARSE_OK) {
		bool v4 = o->have & HDR_IPV4, valid = true;
		uint32_t l3 = o->l3_off, at = l3 + (v4 ? 8 : 7);

		if (v4)
			ipv4_hdr_valid(frame, n, l3, &valid);
		memcpy(b, frame, n);
		m = n;
		a = (struct pnic_action){ .dec_ttl = true, .set_dscp = true,
					  .dscp = (uint8_t)(c->frames % 64) };
		rc = editor_apply(&a, NULL, &pr, b, &m, cap, NULL);
		if (frame[at] <= 1) {
			cr_assert_eq(rc, -EDIT_TTL_EXPIRED);
			c->ttl_expired++;
		} else {
			cr_assert_eq(rc, 0, "%s", editor_status_name(-rc));
			cr_assert_eq(b[at], frame[at] - 1);
			if (v4) {
				bool after;

				cr_assert_eq(b[l3 + 1] >> 2, a.dscp);
				cr_assert_eq(b[l3 + 1] & 3, frame[l3 + 1] & 3);
				ipv4_hdr_valid(b, m, l3, &after);
				cr_assert_eq(after, valid);
			} else {
				cr_assert_eq((b[l3] & 15) << 2 | b[l3 + 1] >> 6, a.dscp);
			}
			for (uint32_t i = 0; i < n; i++)
				if (i != at && i != l3 + 1 && i != l3 &&
				    !(v4 && (i == l3 + 10 || i == l3 + 11)))
					cr_assert_eq(b[i], frame[i], "byte %u", i);
			c->ttl++;
			c->dscp++;
		}
	}

	/* decap of a VXLAN frame leaves its inner frame */
	if (pr.tunnel == TUNNEL_VXLAN && pr.have_inner) {
		uint32_t end = n;

		if ((o->have & (HDR_IPV4 | HDR_IPV6)) &&
		    o->l3_off + o->ip_total_len < n)
			end = o->l3_off + o->ip_total_len;
		memcpy(b, frame, n);
		m = n;
		a = (struct pnic_action){ .tunnel_op = TUNNEL_OP_VXLAN_DECAP };
		rc = editor_apply(&a, NULL, &pr, b, &m, cap, NULL);
		cr_assert_eq(rc, 0, "%s", editor_status_name(-rc));
		assert_same(b, m, frame + pr.inner.l2_off, end - pr.inner.l2_off);
		c->decap++;
	}
	free(b);
}

static void corpus_capture(const char *path, void *c)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;

	if (pcap_in_open(path, &in, NULL))
		return;   /* the corpus holds damaged files on purpose */
	while (pcap_in_next(in, &pkt, NULL) == 1)
		corpus_frame(pkt.frame, pkt.caplen, c);
	pcap_in_close(in);
}

Test(editor, corpus_round_trips, .timeout = 60)
{
	struct corpus_counts c;

	NEED_CORPUS();
	memset(&c, 0, sizeof c);
	corpus_walk(corpus, corpus_capture, &c);
	cr_log_info("corpus: %llu frames, %llu VLAN round trips, %llu+%llu encap round trips, "
		    "%llu TTL/DSCP, %llu TTL expired, %llu decaps, %llu encaps too big",
		    (unsigned long long)c.frames, (unsigned long long)c.vlan_rt,
		    (unsigned long long)c.encap_rt[0], (unsigned long long)c.encap_rt[1],
		    (unsigned long long)c.ttl, (unsigned long long)c.ttl_expired,
		    (unsigned long long)c.decap, (unsigned long long)c.too_big);
	cr_assert_gt(c.frames, 100);
	cr_assert_gt(c.vlan_rt, 100);
	cr_assert_gt(c.encap_rt[1], 100);
	cr_assert_gt(c.ttl, 100);
	cr_assert_gt(c.decap, 0, "no VXLAN frame decapsulated (vxlan.pcap?)");
}
