#include "model/key_builder.h"

#include <string.h>

static inline uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void key_builder_fields(const struct parse_result *r, uint16_t in_port,
			struct kp_fields *out)
{
	const struct pkt_hdrs *h = &r->outer;

	memset(out, 0, sizeof *out);
	out->lo[KP_IN_PORT] = in_port;
	if (h->n_vlans)
		out->lo[KP_VLAN_VID] = h->vlan_tci[0] & 0x0fff;
	out->lo[KP_ETHERTYPE] = h->ethertype;
	if (h->have & (HDR_IPV4 | HDR_IPV6)) {
		out->lo[KP_IP_PROTO] = h->ip_proto;
		/* The parser stores IPv4 mapped, so one path serves both. */
		out->hi[KP_SRC_IP] = be64(h->src_ip);
		out->lo[KP_SRC_IP] = be64(h->src_ip + 8);
		out->hi[KP_DST_IP] = be64(h->dst_ip);
		out->lo[KP_DST_IP] = be64(h->dst_ip + 8);
	}
	if ((h->have & (HDR_TCP | HDR_UDP | HDR_ICMP)) &&
	    !(h->have & HDR_LATER_FRAG)) {
		out->lo[KP_L4_SRC] = h->l4_sport;
		out->lo[KP_L4_DST] = h->l4_dport;
		if (h->have & HDR_TCP)
			out->lo[KP_TCP_FLAGS] = h->tcp_flags;
	}
	out->lo[KP_VNI] = r->vni & 0xffffff;
}

void key_builder_build(const struct key_profile *profile,
		       const struct parse_result *r, uint16_t in_port,
		       struct pnic_key *key)
{
	struct kp_fields f;

	key_builder_fields(r, in_port, &f);
	key_profile_pack(profile, &f, key);
}
