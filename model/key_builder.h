/* Key builder: parse result -> key fields -> lookup key.
 *
 * What: fills one value per KP_* field (model/key_profile.h) from a parse
 * result and the ingress port; key_builder_build() then packs the fields a
 * profile names into a pnic_key.  The builder always computes every field;
 * the profile alone decides which of them reach the key, where and how
 * wide (a field narrower than its value keeps the low bits), so a new
 * profile never needs builder code.
 *
 * Outer and inner fields: the outer fields (and the VNI) are what the
 * pNIC sees on the wire; the KP_INNER_* fields are a VXLAN frame's inner
 * 5-tuple, their own muxes, zero when the frame has no inner frame.  A
 * terminating profile (key_profile.h; the built-in "vxlan") instead has
 * the outer fields read the inner headers of a frame that has them: one
 * select per packet in front of the muxes, as a tunnel endpoint matches
 * after decapsulation.  Either lets one table match local traffic by its
 * 5-tuple and tunnelled traffic by VNI and inner 5-tuple; the
 * terminating one fits 128-bit inner addresses.
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

#include <stdbool.h>
#include <stdint.h>

#include "model/key.h"
#include "model/key_profile.h"
#include "model/parser.h"

/* Every KP_* field of a parsed frame that arrived on PPID `in_port`. */
void key_builder_fields(const struct parser_result *r, uint16_t in_port,
			struct key_profile_fields *out);

/* The fields `profile` reads: key_builder_fields(), or, for a
 * terminating profile and a frame with an inner frame, every field but
 * in_port and the VNI from the inner headers. */
void key_builder_fields_of(const struct key_profile *profile,
			   const struct parser_result *r, uint16_t in_port,
			   struct key_profile_fields *out);

/* key_builder_fields_of() packed with `profile` (key_profile_pack()). */
void key_builder_build(const struct key_profile *profile,
		       const struct parser_result *r, uint16_t in_port,
		       struct pnic_key *key);

/* A profile compiled for the per-packet build: one op per 64-bit piece of
 * a field (a field wider than 64 bits is two), each the value it takes
 * (its field id twice, plus one for the high 64 bits), the key word its
 * lowest bit lands in, its shift and mask, and whether it spills into
 * the next word.  key_builder_run() is then every field value computed
 * at once and a loop over the ops with no switch:
 * the same key as key_builder_build(), bit for bit (the build stays as
 * the simple oracle, and the tests hold the two together).  Plain data,
 * made once (the datapath makes it at create), no allocation. */
struct key_builder_op {
	uint64_t mask;      /* the piece's width in low ones */
	uint8_t src;        /* 2 * field id, + 1 for the high 64 bits */
	uint8_t word;       /* key word of its lowest bit */
	uint8_t shift;      /* its bit in that word */
	uint8_t spill;      /* it runs on into word + 1 */
};

struct key_builder_plan {
	unsigned n_ops;
	bool inner;                  /* it reads an inner field */
	bool terminate;              /* the profile's (key_profile.h) */
	struct key_builder_op op[2 * KP_MAX_FIELDS];
};

/* Compile a validated profile. */
void key_builder_plan(const struct key_profile *profile,
		      struct key_builder_plan *plan);
/* key_builder_build() for the plan's profile. */
void key_builder_run(const struct key_builder_plan *plan,
		     const struct parser_result *r, uint16_t in_port,
		     struct pnic_key *key);

#endif
