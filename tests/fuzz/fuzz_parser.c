/* Fuzz the parser and the key builder: the input is a frame.  It sits in a
 * heap buffer of exactly its size, so ASan sees any read past the capture.
 * Each input is parsed twice: as a whole frame, and as the capture of a
 * longer wire frame (snaplen cut; past 64 KiB, so the BIG TCP length rule
 * is reached too).  Checked: the result describes bytes inside the capture,
 * the layer flags agree with each other, a successful parse depends on the
 * first `depth` bytes only, keys never carry bits above the profile's
 * width, and key_builder_build() equals packing key_builder_fields(). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/key_builder.h"
#include "model/parser.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void check_hdrs(const struct pkt_hdrs *h, uint32_t depth)
{
	CHECK(h->n_vlans <= 2);
	CHECK(!!(h->have & HDR_VLAN) == (h->n_vlans > 0));
	for (unsigned i = 0; i < h->n_vlans; i++)
		CHECK(h->vlan_off[i] + 4u <= depth);
	if (h->have & (HDR_IPV4 | HDR_IPV6 | HDR_ARP))
		CHECK(h->l3_off < depth && (h->have & HDR_ETH));
	CHECK(!((h->have & HDR_IPV4) && (h->have & HDR_IPV6)));
	if (h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) {
		CHECK(h->have & (HDR_IPV4 | HDR_IPV6));
		CHECK(!(h->have & HDR_LATER_FRAG));
		CHECK(h->l4_off > h->l3_off);
		CHECK(h->l4_payload_off > h->l4_off && h->l4_payload_off <= depth);
	} else {
		CHECK(h->l4_off == 0 && h->l4_sport == 0 && h->l4_dport == 0);
	}
	if (!(h->have & HDR_TCP))
		CHECK(h->tcp_flags == 0);
	if (h->have & HDR_LATER_FRAG)
		CHECK(h->have & HDR_FRAG);
}

static void check_key(const struct key_profile *p, const struct parser_result *r)
{
	struct pnic_key k, packed;
	struct key_profile_fields f;

	key_builder_build(p, r, 0xbeef, &k);
	for (unsigned b = p->key_bits; b < PNIC_KEY_MAX_BITS; b++)
		CHECK(!(k.w[b / 64] >> (b % 64) & 1));
	key_builder_fields(r, 0xbeef, &f);
	key_profile_pack(p, &f, &packed);
	CHECK(key_equal(&k, &packed, PNIC_KEY_WORDS));
	if (!(r->outer.have & (HDR_TCP | HDR_UDP | HDR_ICMP)))
		CHECK(f.lo[KP_L4_SRC] == 0 && f.lo[KP_L4_DST] == 0);
	CHECK(f.lo[KP_VNI] == r->vni);
}

static void one(const uint8_t *frame, uint32_t cap, uint32_t len)
{
	struct parser_result r, again;
	enum parser_status st = parser_parse(frame, cap, len, &r);

	CHECK(st == r.status && (unsigned)st < PARSE_STATUS_COUNT);
	CHECK(r.depth <= cap);
	check_hdrs(&r.outer, r.depth);
	if (r.have_inner) {
		CHECK(r.tunnel != TUNNEL_NONE);
		CHECK(r.inner.l2_off >= r.tunnel_off);
		check_hdrs(&r.inner, r.depth);
	} else {
		CHECK(r.inner.have == 0);
	}
	if (r.tunnel == TUNNEL_NONE)
		CHECK(r.vni == 0 && r.tunnel_off == 0);
	if (st == PARSE_OK) {
		parser_parse(frame, r.depth, len, &again);
		CHECK(memcmp(&r, &again, sizeof r) == 0);
	}
	check_key(key_profile_default(), &r);
	check_key(key_profile_ipv4_5tuple(), &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if (size > 0xffff)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	one(buf, (uint32_t)size, (uint32_t)size);
	one(buf, (uint32_t)size, 70000);
	free(buf);
	return 0;
}
