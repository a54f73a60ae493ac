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

/* One field's value (hi:lo), by the rules in the header. */
static inline void field_value(const struct parser_result *r, uint16_t in_port,
			       enum key_profile_field_id id, uint64_t *lo, uint64_t *hi)
{
	const struct pkt_hdrs *h = &r->outer;
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
		*lo = 0;
		break;
	}
}

void key_builder_fields(const struct parser_result *r, uint16_t in_port,
			struct key_profile_fields *out)
{
	for (int id = 0; id < KP_FIELD_COUNT; id++)
		field_value(r, in_port, (enum key_profile_field_id)id, &out->lo[id],
			    &out->hi[id]);
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
	key_zero(key);
	for (unsigned i = 0; i < profile->n_fields; i++) {
		const struct key_profile_field *d = &profile->fields[i];
		uint64_t lo, hi;

		field_value(r, in_port, d->id, &lo, &hi);
		if (d->width <= 64) {
			or_bits(key, d->offset, d->width, lo);
		} else {
			or_bits(key, d->offset, 64, lo);
			or_bits(key, d->offset + 64, d->width - 64, hi);
		}
	}
}
