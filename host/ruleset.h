/* Rule set: the slow path's policy (firewall, forwarding), its megaflows
 * and the impact of a rule update on the entries derived from it.
 *
 * Firewall: an ordered list of rules, first match decides.  A rule matches
 * source and destination IP prefixes (IPv6, or IPv4-mapped ::ffff:a.b.c.d,
 * so an IPv4 /n is a /(96 + n)), source and destination port ranges (the L4
 * fields: TCP/UDP ports, ICMP type and code; zero for a packet without
 * them), the IP protocol and the TCP flags under masks (mask 0: any), and
 * is global or scoped to one VNIC (a caller's u32; the set knows no
 * topology).  A rule allows or denies; an allow rule may be `stateful` (the
 * caller puts its connections through conntrack).  No matching rule: the
 * params' firewall default.  ruleset_rule_matches() is the one matcher of
 * the project: host/acl.c's oracle uses it too.
 *
 * Forwarding, consulted for allowed packets only: L2 (exact destination
 * MAC), then L3 (longest destination prefix), then the default (deny, or a
 * destination).  A destination is the caller's u32 (a VNIC or an uplink).
 *
 * Rules and forwarding entries get ids that stay theirs across updates
 * (never reused), so derived entries can name them.  Positions shift.
 *
 * Classification answers the decision (verdict, destination, deciding rule,
 * forwarding entry) and a cost record (rules evaluated: the global ones and
 * those scoped to the packet's VNIC, as a per-VNIC chain would; forwarding
 * entries probed: 1 for L2, as a hash, and each route compared for L3) that
 * the caller's cost model turns into time.  Nothing here advances time.
 *
 * Megaflows (ruleset_megaflow): the decision plus a ternary match around the
 * header that every header inside gets the same decision from the same rule
 * and forwarding entry.  IP and port fields are aligned blocks (prefixes),
 * VNIC and MAC exact or any, protocol and TCP flags bitwise ternary.  Built
 * as Open vSwitch un-wildcards, but choosing per earlier rule the field that
 * costs fewest bits, then widened field by field while the decision stays:
 * the result is inclusion-maximal among matches of that shape (a larger
 * one would contain a one-step widening, which was tried).  Derivation
 * costs O(rules before the decider) per check, about 40 checks.
 * docs/fpag_policy.md has the proof sketch.
 *
 * Update impact: the caller registers each offloaded entry (its match); the
 * set computes and indexes its decision by deciding rule.  A rule add,
 * remove or change revises exactly the entries whose decision changes,
 * through a callback: the new decision, or "re-derive" (the entry is no
 * longer uniform; the set forgets it and the caller deletes it).  An added
 * rule is checked against later deciders only, and their entries only when
 * the two rules overlap; a removed rule re-decides its own entries only.
 * Forwarding updates scan the allowed entries (O(entries), documented).
 *
 * Ownership: the set copies rules and matches.  Classification, megaflow
 * and match decisions allocate nothing; rule adds may grow arrays.
 */
#ifndef PNIC_RULESET_H
#define PNIC_RULESET_H

#include <stdbool.h>
#include <stdint.h>

#include "host/acl.h"
#include "model/error.h"
#include "model/key_profile.h"

#define RULESET_NONE UINT32_MAX   /* no rule / no forwarding entry */
#define RULESET_END UINT32_MAX    /* add position: after the last rule */

/* 128 bits, most significant half first: ::ffff:a.b.c.d is {0, 0xffff << 32 | a}. */
struct ruleset_ip {
	uint64_t hi, lo;
};

enum ruleset_verdict { RULESET_DENY, RULESET_ALLOW };

struct ruleset_rule {
	enum ruleset_verdict verdict;
	bool stateful;               /* allow rules only */
	bool scoped;                 /* only packets from VNIC `vnic` */
	uint32_t vnic;
	struct ruleset_ip src_ip, dst_ip; /* bits beyond the prefix ignored */
	uint8_t src_len, dst_len;    /* 0..128 */
	uint16_t sport_lo, sport_hi; /* inclusive; 0..65535 is any */
	uint16_t dport_lo, dport_hi;
	uint8_t proto, proto_mask;   /* mask 0: any protocol, 0xff: exact */
	uint8_t tcp_flags, tcp_flags_mask;
};

/* The header fields the set looks at. */
struct ruleset_hdr {
	uint32_t vnic;               /* ingress VNIC */
	uint64_t dst_mac;            /* low 48 bits */
	struct ruleset_ip src_ip, dst_ip;
	uint16_t sport, dport;       /* ICMP: type, code */
	uint8_t proto, tcp_flags;
};

/* A ternary match: a header h is inside iff (h ^ value) & mask is zero in
 * every field.  Masks the set accepts: IP and port masks are leading ones,
 * VNIC and MAC masks all or nothing, protocol and flags any bits. */
struct ruleset_match {
	struct ruleset_hdr value, mask;
};

enum ruleset_fwd_kind {
	RULESET_FWD_NONE,     /* denied by the firewall: not forwarded */
	RULESET_FWD_L2,
	RULESET_FWD_L3,
	RULESET_FWD_DEFAULT,  /* no L2 or L3 entry: the default action */
};

struct ruleset_decision {
	enum ruleset_verdict verdict;
	bool stateful;            /* the deciding rule's flag */
	uint32_t dest;            /* allowed: where to; denied: 0 */
	uint32_t rule;            /* deciding rule id, RULESET_NONE: default */
	enum ruleset_fwd_kind fwd;
	uint32_t fwd_entry;       /* L2/L3 entry id, else RULESET_NONE */
};

struct ruleset_cost {
	uint32_t rules_evaluated;
	uint32_t fwd_probed;
	uint32_t mf_checks;       /* rule/route checks spent deriving a megaflow */
};

struct ruleset_params {
	bool fw_default_allow;    /* verdict when no rule matches */
	bool fwd_default_forward; /* forwarding miss: to default_dest, else deny */
	uint32_t default_dest;
	uint32_t max_entries;     /* registered entries; 0: 65536 */
};

/* Per update: the work done and what it found. */
struct ruleset_update_stats {
	uint64_t checks;          /* rule-rule, rule-entry and re-decision checks */
	uint32_t affected;        /* entries reported through the callback */
	uint32_t rederive;        /* of which no longer uniform (forgotten) */
	uint32_t same_action;     /* of which new rule, same verdict and dest */
};

struct ruleset_impact {
	uint32_t entry;
	bool rederive;                  /* the set forgot it; delete it */
	bool same_action;               /* verdict, dest, stateful unchanged */
	struct ruleset_decision old, now; /* now: only when !rederive */
};

typedef void (*ruleset_impact_fn)(void *ctx, const struct ruleset_impact *im);

struct ruleset;

int ruleset_create(const struct ruleset_params *params, struct ruleset **out,
		   struct pnic_error *err);
void ruleset_destroy(struct ruleset *rs);

/* IPv4-mapped address ::ffff:a.b.c.d. */
struct ruleset_ip ruleset_ip_v4(uint32_t addr);

/* The one matcher: direct prefix/range/mask comparison. */
int ruleset_rule_validate(const struct ruleset_rule *r, struct pnic_error *err);
bool ruleset_rule_matches(const struct ruleset_rule *r,
			  const struct ruleset_hdr *h);
/* An ACL rule (IPv4 /n -> /(96 + n), global) and header, for ClassBench
 * sets and the ACL's oracle. */
void ruleset_rule_from_acl(const struct acl_rule *a, enum ruleset_verdict v,
			   struct ruleset_rule *out);
void ruleset_hdr_from_acl(const struct acl_header *a, struct ruleset_hdr *out);

/* Rule updates.  pos: 0 is first, RULESET_END (or >= count) appends.  fn
 * (may be NULL) hears of every registered entry whose decision changes;
 * stats (may be NULL) is filled.  fn may remove the entry it is told of
 * (ruleset_entry_remove), and no other, nor add one: the set is walking
 * its lists.  -EINVAL bad rule, -ENOENT unknown id, -ENOMEM. */
int ruleset_rule_add(struct ruleset *rs, uint32_t pos,
		     const struct ruleset_rule *r, uint32_t *id,
		     ruleset_impact_fn fn, void *ctx,
		     struct ruleset_update_stats *stats, struct pnic_error *err);
int ruleset_rule_remove(struct ruleset *rs, uint32_t id, ruleset_impact_fn fn,
			void *ctx, struct ruleset_update_stats *stats,
			struct pnic_error *err);
int ruleset_rule_change(struct ruleset *rs, uint32_t id,
			const struct ruleset_rule *r, ruleset_impact_fn fn,
			void *ctx, struct ruleset_update_stats *stats,
			struct pnic_error *err);
uint32_t ruleset_rule_count(const struct ruleset *rs);
/* Id of the rule at a position, RULESET_NONE past the end. */
uint32_t ruleset_rule_at(const struct ruleset *rs, uint32_t pos);
/* Position of a rule, RULESET_NONE if the id is not live. */
uint32_t ruleset_rule_pos(const struct ruleset *rs, uint32_t id);
const struct ruleset_rule *ruleset_rule_get(const struct ruleset *rs,
					    uint32_t id);

/* Forwarding entries (ids from their own counter).  A MAC or a prefix
 * already present is -EEXIST.  Impact as for rules, by a scan. */
int ruleset_l2_add(struct ruleset *rs, uint64_t mac, uint32_t dest,
		   uint32_t *id, ruleset_impact_fn fn, void *ctx,
		   struct ruleset_update_stats *stats, struct pnic_error *err);
int ruleset_l3_add(struct ruleset *rs, struct ruleset_ip prefix, uint8_t len,
		   uint32_t dest, uint32_t *id, ruleset_impact_fn fn,
		   void *ctx, struct ruleset_update_stats *stats,
		   struct pnic_error *err);
int ruleset_fwd_remove(struct ruleset *rs, uint32_t id, ruleset_impact_fn fn,
		       void *ctx, struct ruleset_update_stats *stats,
		       struct pnic_error *err);

/* The slow path.  cost may be NULL. */
void ruleset_classify(const struct ruleset *rs, const struct ruleset_hdr *h,
		      struct ruleset_decision *d, struct ruleset_cost *cost);
/* Classify and derive the widest uniform match around h. */
void ruleset_megaflow(const struct ruleset *rs, const struct ruleset_hdr *h,
		      struct ruleset_decision *d, struct ruleset_match *m,
		      struct ruleset_cost *cost);
/* The exact shape: VNIC and 5-tuple exact, plus the destination MAC when
 * L2 entries exist and the TCP flag bits some rule tests, so that it too
 * is uniform. */
void ruleset_exact(const struct ruleset *rs, const struct ruleset_hdr *h,
		   struct ruleset_match *m);
/* The decision every header in m gets: 0, -EAGAIN if they do not all get
 * the same one, -EINVAL if m's masks are not of the accepted shape. */
int ruleset_match_decide(const struct ruleset *rs,
			 const struct ruleset_match *m,
			 struct ruleset_decision *d, struct ruleset_cost *cost);
/* Whether h is inside m. */
bool ruleset_match_has(const struct ruleset_match *m,
		       const struct ruleset_hdr *h);
/* The match as key profile values and masks (src/dst IP, ports, protocol,
 * TCP flags; VNIC and MAC are the caller's to map). */
void ruleset_match_fields(const struct ruleset_match *m,
			  struct key_profile_fields *value,
			  struct key_profile_fields *mask);

/* Registered entries.  add: the decision is computed (d, may be NULL);
 * -EAGAIN if m is not uniform, -EINVAL bad shape, -ENOSPC full. */
int ruleset_entry_add(struct ruleset *rs, const struct ruleset_match *m,
		      struct ruleset_decision *d, uint32_t *entry,
		      struct pnic_error *err);
int ruleset_entry_remove(struct ruleset *rs, uint32_t entry);
uint32_t ruleset_entry_count(const struct ruleset *rs);
/* max_entries: entry ids are below it. */
uint32_t ruleset_entry_capacity(const struct ruleset *rs);
/* The entry's match (as registered, masks normalised); -ENOENT if not
 * registered. */
int ruleset_entry_match(const struct ruleset *rs, uint32_t entry,
			struct ruleset_match *m);
/* The entry's current decision; -ENOENT if not registered. */
int ruleset_entry_decision(const struct ruleset *rs, uint32_t entry,
			   struct ruleset_decision *d);

#endif
