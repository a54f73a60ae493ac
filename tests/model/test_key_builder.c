#include <criterion/criterion.h>
#include <string.h>

#include "io/pcap_in.h"
#include "model/key_builder.h"
#include "model/parser.h"
#include "tests/corpus.h"
#include "tests/model/frames.h"
#include "tools/splitmix.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* key_builder_build() must give what packing key_builder_fields() gives
 * (the build takes a shortcut past the field table). */
static void same_as_pack(const struct parser_result *r, uint16_t in_port)
{
	const struct key_profile *ps[] = { key_profile_default(),
					   key_profile_ipv4_5tuple(),
					   key_profile_vxlan() };

	for (unsigned i = 0; i < 3; i++) {
		struct pnic_key a, b;
		struct key_profile_fields v;

		key_builder_fields_of(ps[i], r, in_port, &v);
		key_profile_pack(ps[i], &v, &a);
		key_builder_build(ps[i], r, in_port, &b);
		cr_assert(key_equal(&a, &b, PNIC_KEY_WORDS), "profile %s", ps[i]->name);
	}
}

static void build(const struct fb *f, const struct key_profile *p,
		  uint16_t in_port, struct parser_result *r, struct pnic_key *k)
{
	parser_parse(f->b, f->n, f->n, r);
	key_builder_build(p, r, in_port, k);
	same_as_pack(r, in_port);
}

/* Default profile bit positions (model/key_profile.c). */
static uint64_t dflt(const struct pnic_key *k, enum key_profile_field_id id, int hi)
{
	const struct key_profile_field *d = key_profile_find(key_profile_default(), id);

	cr_assert_not_null(d);
	if (d->width <= 64)
		return hi ? 0 : key_get_u64(k, d->offset, d->width);
	return hi ? key_get_u64(k, d->offset + 64, d->width - 64)
		  : key_get_u64(k, d->offset, 64);
}

static void vlan_ipv4_tcp(struct fb *f)
{
	uint32_t ip;

	fb_macs(f);
	fb_tag(f, 0x8100, 0xa123);           /* PCP 5, VID 0x123 */
	fb_u16(f, 0x0800);
	ip = fb_ipv4(f, 6, IP4(10, 0, 0, 1), IP4(192, 168, 7, 9), 0x4000, 0);
	fb_tcp(f, 1234, 80, 0x11, 0);
	fb_ipv4_fix(f, ip);
}

Test(key_builder, ipv4_tcp_default_profile_bits)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key k;

	vlan_ipv4_tcp(&f);
	build(&f, key_profile_default(), 7, &r, &k);
	cr_assert_eq(r.status, PARSE_OK);

	/* literal offsets: the layout is a contract with the RTL */
	cr_assert_eq(key_get_u64(&k, 0, 16), 7);
	cr_assert_eq(key_get_u64(&k, 16, 12), 0x123);
	cr_assert_eq(key_get_u64(&k, 28, 16), 0x0800);
	cr_assert_eq(key_get_u64(&k, 44, 8), 6);
	cr_assert_eq(key_get_u64(&k, 52, 64), 0x0000ffff0a000001ull);
	cr_assert_eq(key_get_u64(&k, 116, 64), 0);
	cr_assert_eq(key_get_u64(&k, 180, 64), 0x0000ffffc0a80709ull);
	cr_assert_eq(key_get_u64(&k, 244, 64), 0);
	cr_assert_eq(key_get_u64(&k, 308, 16), 1234);
	cr_assert_eq(key_get_u64(&k, 324, 16), 80);
	cr_assert_eq(key_get_u64(&k, 340, 8), 0x11);
	cr_assert_eq(key_get_u64(&k, 348, 24), 0);
	/* nothing above 372 bits */
	cr_assert_eq(k.w[5] >> (372 - 320), 0);
	cr_assert_eq(k.w[6] | k.w[7], 0);
}

Test(key_builder, ipv4_tcp_matches_hand_built_key)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key k, want;
	struct key_profile_fields v;

	vlan_ipv4_tcp(&f);
	build(&f, key_profile_default(), 7, &r, &k);

	memset(&v, 0, sizeof v);
	key_profile_set(&v, KP_IN_PORT, 7);
	key_profile_set(&v, KP_VLAN_VID, 0x123);
	key_profile_set(&v, KP_ETHERTYPE, 0x0800);
	key_profile_set(&v, KP_IP_PROTO, 6);
	key_profile_set_ipv4(&v, KP_SRC_IP, IP4(10, 0, 0, 1));
	key_profile_set_ipv4(&v, KP_DST_IP, IP4(192, 168, 7, 9));
	key_profile_set(&v, KP_L4_SRC, 1234);
	key_profile_set(&v, KP_L4_DST, 80);
	key_profile_set(&v, KP_TCP_FLAGS, 0x11);
	key_profile_pack(key_profile_default(), &v, &want);
	cr_assert(key_equal(&k, &want, PNIC_KEY_WORDS));
}

Test(key_builder, ipv4_5tuple_profile_bits)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key k;

	vlan_ipv4_tcp(&f);
	build(&f, key_profile_ipv4_5tuple(), 7, &r, &k);
	cr_assert_eq(key_get_u64(&k, 0, 32), IP4(10, 0, 0, 1));
	cr_assert_eq(key_get_u64(&k, 32, 32), IP4(192, 168, 7, 9));
	cr_assert_eq(key_get_u64(&k, 64, 16), 1234);
	cr_assert_eq(key_get_u64(&k, 80, 16), 80);
	cr_assert_eq(key_get_u64(&k, 96, 8), 6);
	cr_assert_eq(k.w[1] >> (104 - 64), 0);
	for (int i = 2; i < PNIC_KEY_WORDS; i++)
		cr_assert_eq(k.w[i], 0);
}

Test(key_builder, ipv6_udp_fields)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key k;
	uint32_t ip, udp;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, 17);
	udp = fb_udp(&f, 546, 547);
	fb_udp_fix(&f, udp);
	fb_ipv6_fix(&f, ip);
	build(&f, key_profile_default(), 3, &r, &k);

	cr_assert_eq(dflt(&k, KP_VLAN_VID, 0), 0);
	cr_assert_eq(dflt(&k, KP_ETHERTYPE, 0), 0x86dd);
	cr_assert_eq(dflt(&k, KP_IP_PROTO, 0), 17);
	cr_assert_eq(dflt(&k, KP_SRC_IP, 1), 0x20010db800000000ull);
	cr_assert_eq(dflt(&k, KP_SRC_IP, 0), 0x0000000000000001ull);
	cr_assert_eq(dflt(&k, KP_DST_IP, 1), 0x20010db800000000ull);
	cr_assert_eq(dflt(&k, KP_DST_IP, 0), 0x00000000aabbccddull);
	cr_assert_eq(dflt(&k, KP_L4_SRC, 0), 546);
	cr_assert_eq(dflt(&k, KP_L4_DST, 0), 547);
	cr_assert_eq(dflt(&k, KP_TCP_FLAGS, 0), 0);
}

Test(key_builder, icmp_type_code)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct key_profile_fields v;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 1, 1, 2, 0, 0);
	fb_icmp(&f, 11, 1);
	fb_ipv4_fix(&f, ip);
	parser_parse(f.b, f.n, f.n, &r);
	same_as_pack(&r, 0);
	key_builder_fields(&r, 0, &v);
	cr_assert_eq(v.lo[KP_L4_SRC], 11);
	cr_assert_eq(v.lo[KP_L4_DST], 1);
	cr_assert_eq(v.lo[KP_IP_PROTO], 1);
}

Test(key_builder, later_fragment_has_no_l4)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct key_profile_fields v;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 100, 0);
	fb_tcp(&f, 1234, 80, 0x02, 0);    /* bytes that look like TCP */
	fb_ipv4_fix(&f, ip);
	parser_parse(f.b, f.n, f.n, &r);
	same_as_pack(&r, 1);
	key_builder_fields(&r, 1, &v);
	cr_assert_eq(v.lo[KP_IP_PROTO], 6);
	cr_assert_eq(v.lo[KP_SRC_IP], 0x0000ffff0a000001ull);
	cr_assert_eq(v.lo[KP_L4_SRC], 0);
	cr_assert_eq(v.lo[KP_L4_DST], 0);
	cr_assert_eq(v.lo[KP_TCP_FLAGS], 0);
}

Test(key_builder, vxlan_outer_fields_and_vni)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key k;
	struct key_profile_fields v;
	uint32_t ip, udp, iip;

	fb_macs(&f);
	fb_tag(&f, 0x8100, 0x0064);
	fb_u16(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 0, 0);
	udp = fb_udp(&f, 50000, 4789);
	fb_vxlan(&f, 0x00fedc);
	fb_macs(&f);
	fb_tag(&f, 0x8100, 0x0fff);
	fb_u16(&f, 0x0800);
	iip = fb_ipv4(&f, 6, IP4(10, 0, 0, 5), IP4(10, 0, 0, 6), 0, 0);
	fb_tcp(&f, 1, 2, 0x04, 0);
	fb_ipv4_fix(&f, iip);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);
	build(&f, key_profile_default(), 2, &r, &k);

	cr_assert_eq(r.status, PARSE_OK);
	cr_assert_eq(dflt(&k, KP_VLAN_VID, 0), 100);    /* outer tag */
	cr_assert_eq(dflt(&k, KP_IP_PROTO, 0), 17);
	cr_assert_eq(dflt(&k, KP_SRC_IP, 0), 0x0000ffffc0000201ull);
	cr_assert_eq(dflt(&k, KP_L4_SRC, 0), 50000);
	cr_assert_eq(dflt(&k, KP_L4_DST, 0), 4789);
	cr_assert_eq(dflt(&k, KP_TCP_FLAGS, 0), 0);
	cr_assert_eq(dflt(&k, KP_VNI, 0), 0x00fedc);
	/* The inner fields carry the tenant's 5-tuple; the vxlan profile
	 * holds them beside the outer ones. */
	key_builder_fields(&r, 2, &v);
	cr_assert_eq(v.lo[KP_INNER_IP_PROTO], 6);
	cr_assert_eq(v.lo[KP_INNER_SRC_IP], 0x0000ffff0a000005ull);
	cr_assert_eq(v.lo[KP_INNER_DST_IP], 0x0000ffff0a000006ull);
	cr_assert_eq(v.lo[KP_INNER_L4_SRC], 1);
	cr_assert_eq(v.lo[KP_INNER_L4_DST], 2);
	same_as_pack(&r, 2);
	/* The vxlan profile terminates: its 5-tuple is the tenant's. */
	build(&f, key_profile_vxlan(), 2, &r, &k);
	key_profile_unpack(key_profile_vxlan(), &k, &v);
	cr_assert_eq(v.lo[KP_SRC_IP], 0x0000ffff0a000005ull, "the inner source");
	cr_assert_eq(v.lo[KP_IP_PROTO], 6);
	cr_assert_eq(v.lo[KP_L4_SRC], 1);
	cr_assert_eq(v.lo[KP_L4_DST], 2, "not the outer 4789");
	cr_assert_eq(v.lo[KP_VNI], 0x00fedc);
}

/* A terminating profile: an IPv6 tenant's frame in a VXLAN one gives its
 * 128-bit addresses and inner ethertype; a frame not tunnelled its own
 * fields and VNI 0; and the plan's key is the build's. */
Test(key_builder, terminating_profile_reads_the_inner_frame)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct key_builder_plan plan;
	struct pnic_key k, kp;
	struct key_profile_fields v;
	uint32_t ip, udp, iip, iudp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 17, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), 0, 0);
	udp = fb_udp(&f, 50000, 4789);
	fb_vxlan(&f, 77);
	fb_eth(&f, 0x86dd);
	iip = fb_ipv6(&f, 17);
	iudp = fb_udp(&f, 5353, 53);
	fb_udp_fix(&f, iudp);
	fb_ipv6_fix(&f, iip);
	fb_udp_fix(&f, udp);
	fb_ipv4_fix(&f, ip);
	build(&f, key_profile_vxlan(), 4, &r, &k);
	cr_assert_eq(r.status, PARSE_OK, "status %d", r.status);
	key_profile_unpack(key_profile_vxlan(), &k, &v);
	cr_assert_eq(v.lo[KP_ETHERTYPE], 0x86dd);
	cr_assert_eq(v.lo[KP_IP_PROTO], 17);
	cr_assert_eq(v.hi[KP_SRC_IP] >> 32, 0x20010db8u, "the tenant's IPv6 source");
	cr_assert_eq(v.lo[KP_L4_DST], 53);
	cr_assert_eq(v.lo[KP_VNI], 77);
	key_builder_plan(key_profile_vxlan(), &plan);
	key_builder_run(&plan, &r, 4, &kp);
	cr_assert(key_equal(&k, &kp, PNIC_KEY_WORDS), "the plan terminates too");

	f.n = 0;
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 0, 0);
	fb_tcp(&f, 40000, 80, 0x02, 0);
	fb_ipv4_fix(&f, ip);
	build(&f, key_profile_vxlan(), 4, &r, &k);
	key_profile_unpack(key_profile_vxlan(), &k, &v);
	cr_assert_eq(v.lo[KP_SRC_IP], 0x0000ffff0a000001ull, "not tunnelled: its own");
	cr_assert_eq(v.lo[KP_L4_DST], 80);
	cr_assert_eq(v.lo[KP_VNI], 0);
	key_builder_run(&plan, &r, 4, &kp);
	cr_assert(key_equal(&k, &kp, PNIC_KEY_WORDS));
}

Test(key_builder, arp_has_no_ip_fields)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct key_profile_fields v;

	fb_eth(&f, 0x0806);
	fb_u16(&f, 1);
	fb_u16(&f, 0x0800);
	fb_u8(&f, 6);
	fb_u8(&f, 4);
	fb_u16(&f, 2);
	fb_fill(&f, 0x33, 20);
	parser_parse(f.b, f.n, f.n, &r);
	same_as_pack(&r, 9);
	key_builder_fields(&r, 9, &v);
	cr_assert_eq(r.status, PARSE_OK);
	cr_assert_eq(v.lo[KP_IN_PORT], 9);
	cr_assert_eq(v.lo[KP_ETHERTYPE], 0x0806);
	for (int id = KP_IP_PROTO; id < KP_FIELD_COUNT; id++)
		cr_assert_eq(v.lo[id] | v.hi[id], 0, "field %s", key_profile_field_name(id));
}

Test(key_builder, truncated_l4_gives_zero_ports)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct key_profile_fields v;

	vlan_ipv4_tcp(&f);
	parser_parse(f.b, 18 + 20 + 10, f.n, &r);   /* half a TCP header */
	cr_assert_eq(r.status, PARSE_TRUNC_L4);
	same_as_pack(&r, 1);
	key_builder_fields(&r, 1, &v);
	cr_assert_eq(v.lo[KP_VLAN_VID], 0x123);
	cr_assert_eq(v.lo[KP_IP_PROTO], 6);
	cr_assert_eq(v.lo[KP_L4_SRC], 0);
	cr_assert_eq(v.lo[KP_TCP_FLAGS], 0);
}

Test(key_builder, fields_then_pack_equals_build)
{
	struct fb f = { .n = 0 };
	struct parser_result r;
	struct pnic_key a, b;
	struct key_profile_fields v;

	vlan_ipv4_tcp(&f);
	parser_parse(f.b, f.n, f.n, &r);
	key_builder_fields(&r, 5, &v);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &a);
	key_builder_build(key_profile_ipv4_5tuple(), &r, 5, &b);
	cr_assert(key_equal(&a, &b, PNIC_KEY_WORDS));
}

/* ---- the compiled build against the build -------------------------------- */

static uint64_t kb_state;

static uint64_t kb_rnd(void)
{
	return splitmix64(&kb_state);
}

/* A parse result with every byte random (a few layer bits favoured so
 * that both sides of each rule are taken). */
static void random_result(struct parser_result *r)
{
	uint8_t *b = (uint8_t *)r;

	for (size_t i = 0; i < sizeof *r; i++)
		b[i] = (uint8_t)kb_rnd();
	r->outer.n_vlans = (uint8_t)(kb_rnd() % 3);
	if (kb_rnd() % 2)
		r->outer.have &= ~HDR_LATER_FRAG;
	if (kb_rnd() % 2)
		r->inner.have &= ~HDR_LATER_FRAG;
	r->have_inner = kb_rnd() % 2;   /* a bool holds 0 or 1 */
}

/* A valid profile of random fields at random offsets and widths. */
static void random_profile(struct key_profile *p)
{
	unsigned off = (unsigned)(kb_rnd() % 70);

	memset(p, 0, sizeof *p);
	strcpy(p->name, "random");
	for (int id = 0; id < KP_FIELD_COUNT; id++) {
		unsigned w = 1 + (unsigned)(kb_rnd() % key_profile_field_width(id));

		if (kb_rnd() % 4 == 0 || off + w > PNIC_KEY_MAX_BITS)
			continue;
		p->fields[p->n_fields++] = (struct key_profile_field){
			(enum key_profile_field_id)id, (uint16_t)off, (uint16_t)w };
		off += w + (unsigned)(kb_rnd() % 9);
	}
	p->key_bits = (uint16_t)(off > PNIC_KEY_MAX_BITS ? PNIC_KEY_MAX_BITS : off);
	if (!p->key_bits)
		p->key_bits = 1;
	p->terminate = kb_rnd() % 4 == 0;   /* refused with inner fields */
}

static void same_as_build(const struct key_profile *p, unsigned n)
{
	struct key_builder_plan plan;

	key_builder_plan(p, &plan);
	for (unsigned k = 0; k < n; k++) {
		struct parser_result r;
		struct pnic_key a, b;
		uint16_t port = (uint16_t)kb_rnd();

		random_result(&r);
		key_builder_build(p, &r, port, &a);
		memset(&b, 0x5a, sizeof b);
		key_builder_run(&plan, &r, port, &b);
		cr_assert(key_equal(&a, &b, PNIC_KEY_WORDS), "profile %s, case %u",
			  p->name, k);
	}
}

Test(key_builder, the_plan_builds_the_same_keys)
{
	struct key_profile p;
	struct pnic_error err;
	unsigned made = 0;

	kb_state = 9;
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		same_as_build(key_profile_builtin_at(i), 20000);
	for (unsigned i = 0; i < 300; i++) {
		random_profile(&p);
		if (p.n_fields && key_profile_validate(&p, &err) == 0) {
			same_as_build(&p, 200);
			made++;
		}
	}
	cr_assert_gt(made, 200);
}

/* ---- the capture corpus: frames no one here wrote ------------------------ */

struct kb_corpus {
	unsigned files;
	uint64_t frames, tunnelled;
	struct key_builder_plan plan[8];
};

/* Every frame of a capture, through every built-in profile: the plan
 * gives the build's key, and the build packs the fields the profile reads
 * (a terminating one's from the inner headers of a VXLAN frame). */
static void kb_file(const char *path, void *ctx)
{
	struct kb_corpus *c = ctx;
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;

	if (pcap_in_open(path, &in, &err))
		return;
	c->files++;
	while (pcap_in_next(in, &pkt, &err) == 1) {
		struct parser_result r;

		parser_parse(pkt.frame, pkt.caplen, pkt.len, &r);
		c->frames++;
		c->tunnelled += r.have_inner;
		for (unsigned i = 0; i < key_profile_builtin_count(); i++) {
			const struct key_profile *p = key_profile_builtin_at(i);
			struct key_profile_fields v;
			struct pnic_key a, b, k;

			key_builder_build(p, &r, 3, &a);
			key_builder_run(&c->plan[i], &r, 3, &b);
			key_builder_fields_of(p, &r, 3, &v);
			key_profile_pack(p, &v, &k);
			cr_assert(key_equal(&a, &b, PNIC_KEY_WORDS) &&
				  key_equal(&a, &k, PNIC_KEY_WORDS),
				  "%s, frame %llu, profile %s", path,
				  (unsigned long long)pkt.number, p->name);
		}
	}
	pcap_in_close(in);
}

Test(key_builder, every_corpus_frame_same_key_every_way)
{
	struct kb_corpus c = { 0 };

	NEED_CORPUS();
	cr_assert_leq(key_profile_builtin_count(), 8);
	for (unsigned i = 0; i < key_profile_builtin_count(); i++)
		key_builder_plan(key_profile_builtin_at(i), &c.plan[i]);
	corpus_walk(corpus, kb_file, &c);
	cr_assert_gt(c.files, 10, "only %u readable captures under %s", c.files, corpus);
	cr_log_info("key builder over the corpus: %u files, %llu frames, %llu tunnelled",
		    c.files, (unsigned long long)c.frames,
		    (unsigned long long)c.tunnelled);
}
