/* Key builder: parse result -> key fields -> lookup key.
 *
 * What: fills one value per KP_* field (model/key_profile.h) from a parse
 * result and the ingress port; key_builder_build() then packs the fields a
 * profile names into a pnic_key.  The builder always computes every field;
 * the profile alone decides which of them reach the key, where and how
 * wide (a field narrower than its value keeps the low bits), so a new
 * profile never needs builder code.
 *
 * Why outer headers only (plus the tunnel VNI): the key layout is fixed in
 * the RTL, one field mux per key field, so a field cannot switch between
 * outer and inner headers per packet.  The pNIC classifies what it sees on
 * the wire; the VNI names the tenant network of a VXLAN/Geneve/NVGRE frame,
 * and the inner headers stay in the parse result for the editor (decap)
 * and for the host.
 *
 * Field rules: absent layers give zero.  IPv4 addresses are IPv4-mapped
 * (::ffff:a.b.c.d), so a 32-bit IP field holds the IPv4 address and a
 * 128-bit one holds either family.  ICMP/ICMPv6 put type in l4_src and code
 * in l4_dst.  A non-first IP fragment has no L4 fields (all zero).  ARP has
 * no IP fields.  A truncated or malformed frame gives the fields parsed
 * before the fault (the pipeline decides what to do with its status).
 *
 * Pure functions, no allocation: they run once per packet.
 */
#ifndef PNIC_KEY_BUILDER_H
#define PNIC_KEY_BUILDER_H

#include <stdint.h>

#include "model/key.h"
#include "model/key_profile.h"
#include "model/parser.h"

/* Every KP_* field of a parsed frame that arrived on PPID `in_port`. */
void key_builder_fields(const struct parser_result *r, uint16_t in_port,
			struct key_profile_fields *out);

/* key_builder_fields() packed with `profile` (key_profile_pack()). */
void key_builder_build(const struct key_profile *profile,
		       const struct parser_result *r, uint16_t in_port,
		       struct pnic_key *key);

#endif
