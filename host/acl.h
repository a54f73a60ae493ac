/* ACL: an ordered rule set compiled into TCAM entries.
 *
 * A rule matches IPv4 source/destination prefixes, source/destination port
 * ranges, the IP protocol under a mask and, optionally, TCP flags under a
 * mask.  Priority is file order: rule 0 is the highest.  A TCAM matches
 * value/mask only, so each port range is expanded into its minimal prefix
 * cover (host/range_prefix.h) and a rule becomes the cross product of its
 * source-port and destination-port prefixes: up to 30 x 30 entries, 1 for a
 * rule with wildcard or exact ports.  The entries of one rule are disjoint,
 * so their order among themselves does not matter.
 *
 * Placement: the entries of rule i all come before those of rule i + 1, at
 * consecutive TCAM indices from a base, so the TCAM's "lowest matching index
 * wins" gives exactly "first matching rule wins".  The compiled set keeps the
 * map entry -> rule, so a lookup answers with a rule index.  A set that does
 * not fit is refused whole (entries needed vs depth): nothing is installed
 * half-way.
 *
 * The key layout comes from a key profile (ipv4_5tuple by default).  A
 * profile without a field can only take rules that wildcard that field;
 * TCP flags need a profile with tcp_flags (e.g. ipv4_flow).
 *
 * Installing is host code: acl_install() emits one ENTRY_WRITE command per
 * entry into a command sink (model/nic_cmd.h), so the same call programs
 * a NIC in this process, the RTL through its config port, or, later, a
 * NIC over the mailbox.  acl_lookup() answers from the untimed lookup of a
 * NIC the set was installed in.
 *
 * acl_rule_matches() and acl_classify_linear() compare ranges and prefixes
 * directly, without prefixes or a TCAM: they are the oracle the compiled
 * form is tested against; acl_rule_matches() is the rule set's matcher
 * (host/ruleset.h) on the rule seen as an IPv4 rule-set rule, so the ACL
 * and the slow path share one.  Lookups allocate nothing.  The compiled set owns
 * its copy of the rules and entries.
 */
#ifndef PNIC_ACL_H
#define PNIC_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/action.h"
#include "model/error.h"
#include "model/key.h"
#include "model/key_profile.h"
#include "model/lookup.h"
#include "model/nic_cmd.h"

struct acl_rule {
	uint32_t src_ip, dst_ip;     /* bits beyond the prefix are ignored */
	uint8_t src_len, dst_len;    /* prefix lengths, 0..32 */
	uint16_t sport_lo, sport_hi; /* inclusive; 0..65535 is any */
	uint16_t dport_lo, dport_hi;
	uint8_t proto, proto_mask;   /* mask 0 is any protocol */
	uint8_t tcp_flags, tcp_flags_mask; /* mask 0 (the default) is any */
	uint32_t action;             /* opaque to the ACL: the caller's id */
};

/* The fields of a packet header an ACL looks at. */
struct acl_header {
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t tcp_flags;
};

struct acl_params {
	const struct key_profile *profile; /* NULL: ipv4_5tuple */
	uint32_t depth;      /* TCAM entries available; 0: TCAM_MAX_DEPTH */
};

struct acl;

/* A rule's own consistency: prefix lengths <= 32, lo <= hi for ports. */
int acl_rule_validate(const struct acl_rule *r, struct pnic_error *err);
/* TCAM entries a (valid) rule expands into. */
uint32_t acl_rule_entries(const struct acl_rule *r);

/* The oracle: direct prefix/range comparison. */
bool acl_rule_matches(const struct acl_rule *r, const struct acl_header *h);
/* First rule of rules[0..n) that matches h, or -1. */
int32_t acl_classify_linear(const struct acl_rule *rules, uint32_t n,
			    const struct acl_header *h);

/* Compile n rules (copied).  -EINVAL for an invalid rule or one the profile
 * cannot express (err names the rule), -ENOSPC when the entries do not fit
 * in params->depth (err says how many are needed). */
int acl_compile(const struct acl_params *params, const struct acl_rule *rules,
		uint32_t n, struct acl **out, struct pnic_error *err);
void acl_destroy(struct acl *a);

const struct key_profile *acl_profile(const struct acl *a);
/* Entries after range expansion, and the TCAM-relative layout. */
uint32_t acl_entry_count(const struct acl *a);
/* The rule entry `entry` (0-based, relative to the base) was made from. */
uint32_t acl_entry_rule(const struct acl *a, uint32_t entry);
/* First entry of a rule; its entries run up to acl_rule_first_entry(r+1). */
uint32_t acl_rule_first_entry(const struct acl *a, uint32_t rule);
/* Value and mask of an entry, as written to the TCAM. */
void acl_entry_get(const struct acl *a, uint32_t entry,
		   struct pnic_key *value, struct pnic_key *mask);

/* The lookup key of a header under the set's profile. */
void acl_header_key(const struct acl *a, const struct acl_header *h,
		    struct pnic_key *key);

/* The action word of the entries of rule `rule` (whose action id is the
 * caller's): the caller's mapping from a rule to what the NIC does. */
typedef void (*acl_action_fn)(void *ctx, uint32_t rule,
			      struct action_word *out);

/* Submit one ENTRY_WRITE per entry to sink, at indices base, base + 1, ...
 * in rule order, each with action(ctx, rule) or, when action is NULL, the
 * zero word (drop).  -ENOSPC (nothing submitted) if they do not fit below
 * depth; otherwise the first refusal of the sink, entries before it
 * written.  Remembers base for acl_lookup(). */
int acl_install(struct acl *a, const struct nic_cmd_sink *sink,
		uint32_t base, uint32_t depth, acl_action_fn action,
		void *ctx, struct pnic_error *err);
/* Rule index of the first matching rule through the match stage of the
 * lookup the set was installed in (fast TCAM lookup, or the linear scan
 * that is its oracle), or -1. */
int32_t acl_lookup(const struct acl *a, const struct lookup *lk,
		   const struct acl_header *h);
int32_t acl_lookup_linear(const struct acl *a, const struct lookup *lk,
			  const struct acl_header *h);
/* Map a TCAM index answer (or TCAM_MISS) to a rule index (or -1). */
int32_t acl_index_rule(const struct acl *a, int32_t tcam_index);

#endif
