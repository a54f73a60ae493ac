#include "model/key_builder.h"

#include <string.h>

#include "model/proto.h"

static inline uint64_t be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* An inner field's value: the VXLAN frame's inner headers, by the outer
 * fields' rules; zero without an inner frame. */
static inline void inner_value(const struct parser_result *r,
			       enum key_profile_field_id id, uint64_t *lo,
			       uint64_t *hi)
{
	const struct pkt_hdrs *h = &r->inner;
	int in = r->have_inner;
	int ip = in & ((h->have & (HDR_IPV4 | HDR_IPV6)) != 0);
	int l4 = in & ((h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) != 0) &
		 ((h->have & HDR_LATER_FRAG) == 0);

	*lo = *hi = 0;
	if (id == KP_INNER_SRC_IP || id == KP_INNER_DST_IP) {
		const uint8_t *a = id == KP_INNER_SRC_IP ? h->src_ip : h->dst_ip;

		*hi = ip ? be64(a) : 0;
		*lo = ip ? be64(a + 8) : 0;
	} else if (id == KP_INNER_IP_PROTO) {
		*lo = ip ? h->ip_proto : 0;
	} else if (l4) {
		*lo = id == KP_INNER_L4_SRC ? h->l4_sport : h->l4_dport;
	}
}

/* The headers a profile's fields read: a terminating profile's the inner
 * ones when there are. */
static inline const struct pkt_hdrs *hdrs_of(bool terminate,
					     const struct parser_result *r)
{
	return terminate && r->have_inner ? &r->inner : &r->outer;
}

/* One field's value (hi:lo), by the rules in the header, from h (the
 * outer headers, or the inner ones for a terminating profile). */
static inline void field_value(const struct parser_result *r,
			       const struct pkt_hdrs *h, uint16_t in_port,
			       enum key_profile_field_id id, uint64_t *lo, uint64_t *hi)
{
	int ip = (h->have & (HDR_IPV4 | HDR_IPV6)) != 0;
	int l4 = (h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) &&
		 !(h->have & HDR_LATER_FRAG);

	*hi = 0;
	switch (id) {
	case KP_IN_PORT:
		*lo = in_port;
		break;
	case KP_VLAN_VID:
		*lo = h->n_vlans ? h->vlan_tci[0] & PROTO_VLAN_VID_MASK : 0;
		break;
	case KP_ETHERTYPE:
		*lo = h->ethertype;
		break;
	case KP_IP_PROTO:
		*lo = ip ? h->ip_proto : 0;
		break;
	case KP_SRC_IP:
		/* The parser stores IPv4 mapped, so one path serves both. */
		*hi = ip ? be64(h->src_ip) : 0;
		*lo = ip ? be64(h->src_ip + 8) : 0;
		break;
	case KP_DST_IP:
		*hi = ip ? be64(h->dst_ip) : 0;
		*lo = ip ? be64(h->dst_ip + 8) : 0;
		break;
	case KP_L4_SRC:
		*lo = l4 ? h->l4_sport : 0;
		break;
	case KP_L4_DST:
		*lo = l4 ? h->l4_dport : 0;
		break;
	case KP_TCP_FLAGS:
		*lo = l4 && (h->have & HDR_TCP) ? h->tcp_flags : 0;
		break;
	case KP_VNI:
		*lo = r->vni & 0xffffff;
		break;
	default:
		/* The KP_INNER_* fields; none other is left. */
		inner_value(r, id, lo, hi);
		break;
	}
}

static void fields_from(const struct parser_result *r,
			const struct pkt_hdrs *h, uint16_t in_port,
			struct key_profile_fields *out)
{
	for (int id = 0; id < KP_FIELD_COUNT; id++)
		field_value(r, h, in_port, (enum key_profile_field_id)id,
			    &out->lo[id], &out->hi[id]);
}

void key_builder_fields(const struct parser_result *r, uint16_t in_port,
			struct key_profile_fields *out)
{
	fields_from(r, &r->outer, in_port, out);
}

void key_builder_fields_of(const struct key_profile *profile,
			   const struct parser_result *r, uint16_t in_port,
			   struct key_profile_fields *out)
{
	fields_from(r, hdrs_of(profile->terminate, r), in_port, out);
}

/* key_put_u64() into a zeroed key: an OR suffices. */
static inline void or_bits(struct pnic_key *k, unsigned off, unsigned width,
			   uint64_t v)
{
	unsigned word = off / 64, sh = off % 64;

	if (width < 64)
		v &= (1ull << width) - 1;
	k->w[word] |= v << sh;
	if (sh && sh + width > 64)
		k->w[word + 1] |= v >> (64 - sh);
}

/* Same key as key_profile_pack(key_builder_fields()), without the
 * intermediate table: this runs once per packet. */
void key_builder_build(const struct key_profile *profile,
		       const struct parser_result *r, uint16_t in_port,
		       struct pnic_key *key)
{
	const struct pkt_hdrs *h = hdrs_of(profile->terminate, r);

	key_zero(key);
	for (unsigned i = 0; i < profile->n_fields; i++) {
		const struct key_profile_field *d = &profile->fields[i];
		uint64_t lo, hi;

		field_value(r, h, in_port, d->id, &lo, &hi);
		if (d->width <= 64) {
			or_bits(key, d->offset, d->width, lo);
		} else {
			or_bits(key, d->offset, 64, lo);
			or_bits(key, d->offset + 64, d->width - 64, hi);
		}
	}
}

/* ---- the compiled build --------------------------------------------------- */

static void plan_piece(struct key_builder_plan *plan, unsigned src,
		       unsigned off, unsigned width)
{
	struct key_builder_op *o = &plan->op[plan->n_ops++];

	o->mask = width < 64 ? (1ull << width) - 1 : ~0ull;
	o->src = (uint8_t)src;
	o->word = (uint8_t)(off / 64);
	o->shift = (uint8_t)(off % 64);
	o->spill = off % 64 && off % 64 + width > 64;
}

void key_builder_plan(const struct key_profile *profile,
		      struct key_builder_plan *plan)
{
	plan->n_ops = 0;
	plan->inner = false;
	plan->terminate = profile->terminate;
	for (unsigned i = 0; i < profile->n_fields; i++) {
		const struct key_profile_field *d = &profile->fields[i];

		plan->inner |= d->id >= KP_INNER_IP_PROTO;
		if (d->width <= 64) {
			plan_piece(plan, 2 * d->id, d->offset, d->width);
		} else {
			plan_piece(plan, 2 * d->id, d->offset, 64);
			plan_piece(plan, 2 * d->id + 1, d->offset + 64, d->width - 64);
		}
	}
}

/* The five fields from `proto` on (protocol, source and destination
 * address, source and destination port, in that order in the enum, outer
 * and inner alike) of h, each zero when its layer is absent or `on` is
 * zero. */
_Static_assert(KP_SRC_IP == KP_IP_PROTO + 1 && KP_L4_DST == KP_IP_PROTO + 4 &&
	       KP_INNER_SRC_IP == KP_INNER_IP_PROTO + 1 &&
	       KP_INNER_L4_DST == KP_INNER_IP_PROTO + 4,
	       "five_tuple() reads the fields in enum order");
static void five_tuple(const struct pkt_hdrs *h, uint64_t on, unsigned proto,
		       uint64_t v[2 * KP_FIELD_COUNT])
{
	uint64_t ip = (h->have & (HDR_IPV4 | HDR_IPV6)) ? on : 0;
	uint64_t l4 = (h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) &&
		      !(h->have & HDR_LATER_FRAG) ? on : 0;
	uint64_t *x = v + 2 * proto;

	/* Only the addresses are wider than 64 bits
	 * (key_profile_field_width), so only theirs are high words a plan
	 * reads. */
	x[0] = h->ip_proto & ip;
	x[3] = be64(h->src_ip) & ip;
	x[2] = be64(h->src_ip + 8) & ip;
	x[5] = be64(h->dst_ip) & ip;
	x[4] = be64(h->dst_ip + 8) & ip;
	x[6] = h->l4_sport & l4;
	x[8] = h->l4_dport & l4;
}

/* Every field a plan reads, lo at 2 * id and hi at 2 * id + 1, by the
 * rules of field_value() (which the tests hold this to), without its
 * switch: an absent layer's fields are masked to zero.  The inner ones
 * only for a plan that reads them (most profiles have none). */
static void all_values(const struct parser_result *r, uint16_t in_port,
		       const struct key_builder_plan *plan,
		       uint64_t v[2 * KP_FIELD_COUNT])
{
	const struct pkt_hdrs *h = hdrs_of(plan->terminate, r);
	bool l4 = (h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) &&
		  !(h->have & HDR_LATER_FRAG);

	v[2 * KP_IN_PORT] = in_port;
	v[2 * KP_VLAN_VID] = h->n_vlans ? h->vlan_tci[0] & PROTO_VLAN_VID_MASK : 0;
	v[2 * KP_ETHERTYPE] = h->ethertype;
	five_tuple(h, ~0ull, KP_IP_PROTO, v);
	v[2 * KP_TCP_FLAGS] = l4 && (h->have & HDR_TCP) ? h->tcp_flags : 0;
	v[2 * KP_VNI] = r->vni & 0xffffff;
	if (plan->inner)
		five_tuple(&r->inner, r->have_inner ? ~0ull : 0, KP_INNER_IP_PROTO, v);
}

void key_builder_run(const struct key_builder_plan *plan,
		     const struct parser_result *r, uint16_t in_port,
		     struct pnic_key *key)
{
	uint64_t v[2 * KP_FIELD_COUNT];

	all_values(r, in_port, plan, v);
	key_zero(key);
	for (unsigned i = 0; i < plan->n_ops; i++) {
		const struct key_builder_op *o = &plan->op[i];
		uint64_t x = v[o->src] & o->mask;

		key->w[o->word] |= x << o->shift;
		/* The same pieces every packet: a branch that predicts. */
		if (o->spill)
			key->w[o->word + 1] |= x >> (64 - o->shift);
	}
}
