#include "model/encap.h"

#include <errno.h>
#include <string.h>

#include "model/frame.h"
#include "model/proto.h"

/* The shortest template: Ethernet / IPv4 / UDP / VXLAN. */
#define MIN_TEMPLATE (PROTO_ETH_HLEN + PROTO_IPV4_HLEN + PROTO_UDP_HLEN + \
		      PROTO_VXLAN_HLEN)

static int check_fields(const struct encap_fields *in, struct pnic_error *err)
{
	if (in->vlan && in->vlan_vid > PROTO_VLAN_VID_MAX)
		return pnic_err_at(err, EINVAL, NULL, 0, 0, "vlan",
				   "VLAN id %u is outside 0..%u", in->vlan_vid,
				   PROTO_VLAN_VID_MAX);
	if (in->vlan && in->vlan_pcp > PROTO_VLAN_PCP_MAX)
		return pnic_err_at(err, EINVAL, NULL, 0, 0, "vlan_pcp",
				   "VLAN priority %u is outside 0..%u",
				   in->vlan_pcp, PROTO_VLAN_PCP_MAX);
	if (in->ttl == 0)
		return pnic_err_at(err, EINVAL, NULL, 0, 0, "ttl",
				   "TTL 0; the first router would drop every packet");
	if (in->vni > PROTO_VXLAN_VNI_MAX)
		return pnic_err_at(err, EINVAL, NULL, 0, 0, "vni",
				   "VNI %u is outside 0..%u", in->vni,
				   PROTO_VXLAN_VNI_MAX);
	return 0;
}

/* The outer IP header; lengths and the IPv4 checksum stay 0: they are the
 * editor's, per packet. */
static void put_ip(struct frame_buf *f, const struct encap_fields *in)
{
	if (in->ipv6) {
		struct frame_ipv6 h = { .next = PROTO_IP_UDP,
					.hop_limit = in->ttl };

		memcpy(h.src, in->src_ip, 16);
		memcpy(h.dst, in->dst_ip, 16);
		frame_ipv6(f, &h);
	} else {
		struct frame_ipv4 h = { .frag = PROTO_IPV4_DF, .ttl = in->ttl,
					.proto = PROTO_IP_UDP };

		memcpy(h.src, in->src_ip, 4);
		memcpy(h.dst, in->dst_ip, 4);
		frame_ipv4(f, &h);
	}
}

int encap_build(const struct encap_fields *in, struct encap_template *out,
		struct pnic_error *err)
{
	uint16_t ethertype = in->ipv6 ? PROTO_ETH_P_IPV6 : PROTO_ETH_P_IPV4;
	struct frame_buf f;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = check_fields(in, err)))
		return rc;
	frame_init(&f, out->bytes, sizeof out->bytes);
	frame_eth(&f, in->eth_dst, in->eth_src,
		  in->vlan ? PROTO_ETH_P_8021Q : ethertype);
	if (in->vlan)
		frame_vlan(&f, (uint16_t)(in->vlan_pcp << PROTO_VLAN_PCP_SHIFT |
					  in->vlan_vid), ethertype);
	put_ip(&f, in);
	frame_udp(&f, in->udp_src, PROTO_UDP_VXLAN);
	frame_vxlan(&f, in->vni);
	/* At most 74 bytes: a template always has room. */
	out->len = (uint16_t)f.n;
	return 0;
}

/* ---- checking a template ------------------------------------------------ */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int layout_ipv4(const struct encap_template *t, uint32_t *off,
		       struct pnic_error *err)
{
	const uint8_t *ip = t->bytes + *off;
	uint32_t ihl = (ip[0] & 0x0f) * 4u;

	if (ip[0] >> 4 != 4)
		return pnic_err(err, EINVAL,
				"encap template: IP version %u under ethertype 0x0800, expected 4",
				ip[0] >> 4);
	if (ihl < PROTO_IPV4_HLEN || *off + ihl > t->len)
		return pnic_err(err, EINVAL,
				"encap template: IPv4 header length %u is below 20 or runs past the template",
				ihl);
	if (ip[9] != PROTO_IP_UDP)
		return pnic_err(err, EINVAL,
				"encap template: IPv4 protocol %u, expected UDP (17)",
				ip[9]);
	if (rd16(ip + 6) & (PROTO_IPV4_MF | PROTO_IPV4_FRAG_OFF))
		return pnic_err(err, EINVAL,
				"encap template: IPv4 header has MF or a fragment offset; an outer header must not be a fragment");
	if (ip[8] == 0)
		return pnic_err(err, EINVAL,
				"encap template: IPv4 TTL is 0; the first router would drop every packet");
	*off += ihl;
	return 0;
}

static int layout_ipv6(const struct encap_template *t, uint32_t *off,
		       struct pnic_error *err)
{
	const uint8_t *ip = t->bytes + *off;

	if (ip[0] >> 4 != 6)
		return pnic_err(err, EINVAL,
				"encap template: IP version %u under ethertype 0x86dd, expected 6",
				ip[0] >> 4);
	if (*off + PROTO_IPV6_HLEN > t->len)
		return pnic_err(err, EINVAL,
				"encap template: IPv6 header runs past the template");
	if (ip[6] != PROTO_IP_UDP)
		return pnic_err(err, EINVAL,
				"encap template: IPv6 next header %u, expected UDP (17) with no extension headers",
				ip[6]);
	if (ip[7] == 0)
		return pnic_err(err, EINVAL,
				"encap template: IPv6 hop limit is 0; the first router would drop every packet");
	*off += PROTO_IPV6_HLEN;
	return 0;
}

/* Ethernet [+ tag] and the IP header: out->l3_off, vlan, ipv6, and *off
 * past the IP header. */
static int layout_l2_l3(const struct encap_template *t,
			struct encap_layout *out, uint32_t *off,
			struct pnic_error *err)
{
	uint16_t etype = rd16(t->bytes + 12);

	*off = PROTO_ETH_HLEN;
	if (etype == PROTO_ETH_P_8021Q) {
		out->vlan = true;
		etype = rd16(t->bytes + 16);
		*off += PROTO_VLAN_HLEN;
	}
	out->l3_off = (uint16_t)*off;
	if (etype == PROTO_ETH_P_IPV4)
		return layout_ipv4(t, off, err);
	if (etype == PROTO_ETH_P_IPV6) {
		out->ipv6 = true;
		return layout_ipv6(t, off, err);
	}
	return pnic_err(err, EINVAL,
			"encap template: ethertype 0x%04x, expected IPv4 (0x0800) or IPv6 (0x86dd), optionally after one 802.1Q tag",
			etype);
}

/* UDP to the VXLAN port and the VXLAN header, ending the template. */
static int layout_udp_vxlan(const struct encap_template *t,
			    struct encap_layout *out, uint32_t off,
			    struct pnic_error *err)
{
	const uint8_t *b = t->bytes;

	out->l4_off = (uint16_t)off;
	if (off + PROTO_UDP_HLEN + PROTO_VXLAN_HLEN != t->len)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes but its UDP and VXLAN headers end at byte %u; the template must end with the VXLAN header",
				t->len, off + PROTO_UDP_HLEN + PROTO_VXLAN_HLEN);
	if (rd16(b + off + 2) != PROTO_UDP_VXLAN)
		return pnic_err(err, EINVAL,
				"encap template: UDP destination port %u, expected VXLAN (4789)",
				rd16(b + off + 2));
	off += PROTO_UDP_HLEN;
	out->vxlan_off = (uint16_t)off;
	if (!(b[off] & PROTO_VXLAN_FLAG_I))
		return pnic_err(err, EINVAL,
				"encap template: VXLAN flags 0x%02x lack the I flag (0x08), so receivers ignore the VNI",
				b[off]);
	out->vni = (uint32_t)b[off + 4] << 16 | (uint32_t)b[off + 5] << 8 |
		   b[off + 6];
	return 0;
}

int encap_template_layout(const struct encap_template *t,
			  struct encap_layout *out, struct pnic_error *err)
{
	uint32_t off;
	int rc;

	memset(out, 0, sizeof *out);
	if (t->len > ENCAP_TEMPLATE_MAX_BYTES)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes, more than the %u a template holds",
				t->len, ENCAP_TEMPLATE_MAX_BYTES);
	if (t->len < MIN_TEMPLATE)
		return pnic_err(err, EINVAL,
				"encap template is %u bytes, too short for Ethernet/IPv4/UDP/VXLAN (%u)",
				t->len, MIN_TEMPLATE);
	rc = layout_l2_l3(t, out, &off, err);
	if (rc)
		return rc;
	return layout_udp_vxlan(t, out, off, err);
}
