/* Encap block: the outer headers of a VXLAN tunnel, as a template.
 *
 * A template is the bytes an encap action prepends to a frame: Ethernet
 * [+ one 802.1Q tag] / IPv4 or IPv6 / UDP to port 4789 / VXLAN with the
 * I flag, ending right after the VXLAN header.  The per-packet fields (the
 * outer IPv4 total length and header checksum or the IPv6 payload length,
 * the UDP length, source port and checksum) are the editor's; everything
 * else is the template's.
 *
 * encap_build() makes a template from its fields (what a scenario writes);
 * encap_template_layout() checks any template's bytes and says where the
 * editor finds the fields it fixes up.  The action RAM stores templates
 * (model/action_ram.h) and checks each one with encap_template_layout()
 * when it is written.  Function only, no state, no allocation.
 */
#ifndef PNIC_ENCAP_H
#define PNIC_ENCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"

#define ENCAP_TEMPLATE_MAX_BYTES 128

struct encap_template {
	uint8_t bytes[ENCAP_TEMPLATE_MAX_BYTES];
	uint16_t len;
};

/* The fields of a template.  Addresses are both IPv4 (the first 4 bytes)
 * or both IPv6. */
struct encap_fields {
	uint8_t eth_dst[6], eth_src[6];
	bool vlan;             /* an outer 802.1Q tag */
	uint16_t vlan_vid;     /* 0..4095 */
	uint8_t vlan_pcp;      /* 0..7 */
	bool ipv6;
	uint8_t src_ip[16], dst_ip[16];
	uint8_t ttl;           /* TTL / hop limit, 1..255 */
	uint16_t udp_src;      /* a placeholder: the editor writes the
				* entropy port per packet */
	uint32_t vni;          /* 0..16777215 */
};

/* Build the template for `in` into *out.  A field out of its range is
 * refused (-EINVAL, err->field names it) and *out is left zeroed. */
int encap_build(const struct encap_fields *in, struct encap_template *out,
		struct pnic_error *err);

/* Where the editor finds the fields it fixes up in a template.  Filled by
 * encap_template_layout(), which is also the check that
 * action_ram_set_template() applies: Ethernet [+ one 802.1Q tag] / IPv4
 * (no fragment bits, TTL > 0) or IPv6 (next header UDP, hop limit > 0) /
 * UDP destination port 4789 / VXLAN with the I flag, ending right after the
 * VXLAN header.  Constant time, no allocation: the editor calls it per
 * packet. */
struct encap_layout {
	uint16_t l3_off;     /* outer IPv4 / IPv6 header */
	uint16_t l4_off;     /* outer UDP header */
	uint16_t vxlan_off;  /* VXLAN header; the template ends 8 bytes on */
	bool ipv6;
	bool vlan;           /* template carries an outer 802.1Q tag */
	uint32_t vni;
};

int encap_template_layout(const struct encap_template *t,
			  struct encap_layout *out, struct pnic_error *err);

#endif
