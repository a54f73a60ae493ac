/* Key profile: which header fields form the lookup key, and where.
 *
 * A profile is data: a list of fields, each with a bit offset and a width,
 * packed into a fixed-width pnic_key (see key.h for bit numbering).  The C
 * model, the RTL parameters (tools/kpgen writes them as a SystemVerilog
 * package) and the cosim harness all read the same profile, so a width is
 * never typed twice.
 *
 * Field values are 128-bit integers (hi:lo).  IP addresses are IPv6 or
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so a 32-bit IP field holds the IPv4
 * address and a 128-bit one holds either family.  A field narrower than its
 * value keeps the low bits.  Absent headers give zero fields.
 *
 * Profiles are immutable after key_profile_validate() accepts them; the
 * built-in ones are static and need no freeing.
 */
#ifndef PNIC_KEY_PROFILE_H
#define PNIC_KEY_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"
#include "model/key.h"

enum key_profile_field_id {
	KP_IN_PORT,    /* ingress PPID */
	KP_VLAN_VID,   /* outermost VLAN id, 0 if untagged */
	KP_ETHERTYPE,  /* ethertype after VLAN tags */
	KP_IP_PROTO,   /* IPv4 protocol / IPv6 final next header */
	KP_SRC_IP,     /* IPv6 or IPv4-mapped */
	KP_DST_IP,
	KP_L4_SRC,     /* TCP/UDP source port; ICMP type */
	KP_L4_DST,     /* TCP/UDP destination port; ICMP code */
	KP_TCP_FLAGS,  /* FIN=0x01 ... CWR=0x80 */
	KP_VNI,        /* VXLAN/Geneve VNI, 0 if not tunnelled */
	/* A VXLAN frame's inner headers (model/key_builder.h): 0 when there
	 * is no inner frame. */
	KP_INNER_IP_PROTO,
	KP_INNER_SRC_IP,
	KP_INNER_DST_IP,
	KP_INNER_L4_SRC,
	KP_INNER_L4_DST,
	KP_FIELD_COUNT
};

#define KP_MAX_FIELDS 16

struct key_profile_field {
	enum key_profile_field_id id;
	uint16_t offset;   /* bit offset in the key */
	uint16_t width;    /* bits, 1..128 */
};

struct key_profile {
	char name[32];
	uint16_t key_bits;         /* total width; fields lie below it */
	uint8_t n_fields;
	struct key_profile_field fields[KP_MAX_FIELDS];
	/* Terminates tunnels: for a frame with an inner frame (VXLAN), every
	 * field but in_port and the VNI reads the inner headers, as a tunnel
	 * endpoint matches after decapsulation; the VNI (0 for a frame not
	 * tunnelled) tells the two apart.  No KP_INNER_* field then. */
	bool terminate;
};

/* One value per field id, 128 bits each. */
struct key_profile_fields {
	uint64_t lo[KP_FIELD_COUNT];
	uint64_t hi[KP_FIELD_COUNT];
};

/* Built-in profiles.  "default": in_port, vlan, ethertype, proto, 128-bit
 * src/dst IP, L4 ports, TCP flags, VNI (372 bits).  "ipv4_5tuple": 32-bit
 * src/dst IP, L4 ports, proto (104 bits).  "ipv4_flow": the 5-tuple, TCP
 * flags and in_port (128 bits).  "vxlan": a tunnel endpoint's, terminating
 * (struct key_profile): the ethertype and 5-tuple (128-bit IPs, either
 * family) of the tenant's frame, inner for a VXLAN frame, and the VNI
 * (336 bits).  Outer and inner 5-tuples at once, with 128-bit addresses,
 * would not fit the 512-bit key; a profile given as fields may still hold
 * the KP_INNER_* fields beside the outer ones. */
const struct key_profile *key_profile_default(void);
const struct key_profile *key_profile_vxlan(void);
const struct key_profile *key_profile_ipv4_5tuple(void);
const struct key_profile *key_profile_ipv4_flow(void);
/* By name ("default", "ipv4_5tuple", "ipv4_flow", "vxlan"); NULL if
 * unknown. */
const struct key_profile *key_profile_builtin(const char *name);
/* All built-ins, for tools that list or export them. */
unsigned key_profile_builtin_count(void);
const struct key_profile *key_profile_builtin_at(unsigned i);

/* Field names as used in configs and generated RTL ("src_ip", ...). */
const char *key_profile_field_name(enum key_profile_field_id id);
/* Field id by name; -1 if unknown. */
int key_profile_field_by_name(const char *name);
/* The natural width of a field's value (16 for ports, 128 for IPs ...). */
unsigned key_profile_field_width(enum key_profile_field_id id);

/* Check a (user-described) profile: widths, overlaps, key width within
 * PNIC_KEY_MAX_BITS, each field at most once. */
int key_profile_validate(const struct key_profile *p, struct pnic_error *err);

/* The field of a profile with this id, or NULL if the profile lacks it. */
const struct key_profile_field *key_profile_find(const struct key_profile *p,
					enum key_profile_field_id id);

/* Pack field values into a key (bits above key_bits are zero). */
void key_profile_pack(const struct key_profile *p, const struct key_profile_fields *f,
		      struct pnic_key *out);

/* Unpack a key into field values (fields the profile lacks are zero). */
void key_profile_unpack(const struct key_profile *p, const struct pnic_key *k,
			struct key_profile_fields *out);

/* Helpers for field values. */
void key_profile_set(struct key_profile_fields *f, enum key_profile_field_id id, uint64_t v);
void key_profile_set_ipv4(struct key_profile_fields *f, enum key_profile_field_id id, uint32_t addr);
void key_profile_set_ipv6(struct key_profile_fields *f, enum key_profile_field_id id,
		 const uint8_t addr[16]);
/* A mask of `len` leading one bits over an IPv4 address in an IP field
 * (and, for IPv4-mapped 128-bit fields, the ::ffff:0:0/96 prefix too when
 * map_prefix is set). */
void key_profile_set_ipv4_prefix_mask(struct key_profile_fields *f, enum key_profile_field_id id,
			     unsigned len, int map_prefix);

#endif
