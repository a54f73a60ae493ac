/* Packet editor: applies an action's edits to a frame in place.
 *
 * Edits (model/action.h): VXLAN decap, TTL / hop-limit decrement, DSCP
 * rewrite, VLAN push / pop / rewrite, VXLAN encap from a template.  When an
 * action asks for several they run in this fixed order, and why:
 *   1. decap   — the L3 and VLAN edits are meant for the frame being
 *                delivered, which after a decap is the inner (tenant) frame;
 *   2. TTL, DSCP on the (new) outermost IP header — the hop this NIC stands
 *                for is the tenant's hop, as on a router that routes then
 *                tunnels;
 *   3. VLAN    — on the (new) outermost Ethernet header; it shifts L3 by 4
 *                bytes, so it runs after the L3 edits that used the parser's
 *                offsets;
 *   4. encap   — last, so the tunnel carries the fully edited inner frame and
 *                the outer UDP source port hashes the final inner headers;
 *                the outer VLAN, TTL and DSCP come from the template.
 *
 * Checksums: TTL and DSCP update the IPv4 header checksum incrementally
 * (RFC 1624); neither field is covered by the TCP/UDP pseudo-header, so L4
 * checksums stay valid, as they do through VLAN edits and decap.  Encap
 * writes the outer IPv4 total length and a full header checksum (or the
 * IPv6 payload length), the UDP length, a UDP source port from a hash of
 * the inner flow (entropy for ECMP, RFC 7348) and the UDP checksum: 0 over
 * IPv4, computed over IPv6 (RFC 6935 would allow 0; receivers that follow
 * RFC 8200 drop it).  The VNI and every other outer field are the
 * template's.
 *
 * All or nothing: every precondition (and the final length against `cap`)
 * is checked before the first byte moves, so a refused frame is untouched
 * and *len unchanged.  A refusal returns a negative enum editor_status,
 * which the datapath counts as a drop with that reason.  The parse result
 * must describe the frame as it is on entry (offsets absolute in `buf`); it
 * is stale afterwards.  The editor pads nothing: a frame shortened below
 * 60 bytes by a pop or decap is padded by the egress MAC.
 *
 * Hot path: no allocation, no formatting; cost is a memmove of the frame
 * per length-changing edit, plus one pass over it for an IPv6 encap's UDP
 * checksum.
 */
#ifndef PNIC_EDITOR_H
#define PNIC_EDITOR_H

#include <stdint.h>

#include "model/action.h"
#include "model/encap.h"
#include "model/parser.h"

/* Why an edit was refused; editor_apply() returns the negated value. */
enum editor_status {
	EDIT_OK = 0,
	EDIT_BAD_ACTION,    /* op code or DSCP out of range (not from a packed word) */
	EDIT_NOT_VXLAN,     /* decap on a frame without a parsed VXLAN inner frame */
	EDIT_NOT_IP,        /* TTL / DSCP on a frame whose outermost L3 is not IP */
	EDIT_TTL_EXPIRED,   /* TTL / hop limit 0 or 1 before the decrement */
	EDIT_NO_VLAN,       /* pop on an untagged frame */
	EDIT_VLAN_FULL,     /* push onto a frame that already has 2 tags */
	EDIT_NO_TEMPLATE,   /* encap with no template (id never set) */
	EDIT_BAD_TEMPLATE,  /* template fails encap_template_layout() */
	EDIT_NO_ROOM,       /* result longer than cap, or an encap whose outer
			     * IP length field would overflow 16 bits */
	EDIT_SHORT_FRAME,   /* frame too short for, or parse result not locating,
			     * the header an edit needs */
	EDIT_STATUS_COUNT
};

/* Edits actually applied, for statistics. */
enum editor_op {
	EDIT_OP_DECAP,
	EDIT_OP_DEC_TTL,
	EDIT_OP_SET_DSCP,
	EDIT_OP_VLAN_PUSH,
	EDIT_OP_VLAN_POP,
	EDIT_OP_VLAN_REWRITE,   /* of an existing tag; on an untagged frame a
				 * rewrite is a push and counts as one */
	EDIT_OP_ENCAP,
	EDIT_OP_COUNT
};

struct editor_stats {
	uint64_t frames;                        /* calls that succeeded */
	uint64_t ops[EDIT_OP_COUNT];
	uint64_t refused[EDIT_STATUS_COUNT];    /* [EDIT_OK] stays 0 */
};

/* Apply a's edits (kind, VPIDs, mirror and count are not the editor's
 * business) to the *len-byte frame in buf, which has room for cap bytes.
 * tpl is the encap template a->encap_id names (NULL if unset; ignored
 * unless a->tunnel_op is TUNNEL_OP_VXLAN_ENCAP).  pr is the parse of the
 * frame.  st may be NULL.  Returns 0, with *len the new length, or
 * -EDIT_* with the frame untouched. */
int editor_apply(const struct pnic_action *a, const struct encap_template *tpl,
		 const struct parser_result *pr, uint8_t *buf, uint32_t *len,
		 uint32_t cap, struct editor_stats *st);

/* The outer UDP source port an encap gives a frame: FNV-1a (32-bit) over
 * the inner src_ip[16], dst_ip[16], ip_proto, l4_sport (big-endian),
 * l4_dport (big-endian) from h when h is IPv4/IPv6 (ports as 0 for any
 * fragment, so all fragments of a datagram take one path), else over the
 * 12 MAC bytes at frame+h->l2_off and the ethertype (big-endian); folded as
 * 0xc000 | ((x ^ x >> 16) & 0x3fff), the dynamic port range. */
uint16_t editor_entropy_port(const struct pkt_hdrs *h, const uint8_t *frame);

/* Stable short names: "ok", "ttl_expired", "no_room", ... / "decap", ... */
const char *editor_status_name(enum editor_status s);
const char *editor_op_name(enum editor_op op);

#endif
