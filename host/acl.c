#include "host/acl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/range_prefix.h"
#include "host/ruleset.h"

struct acl {
	const struct key_profile *profile;
	uint32_t n_rules;
	struct acl_rule *rules;
	uint32_t *rule_first;     /* n_rules + 1 offsets into the entries */
	uint32_t n_entries;
	uint32_t *entry_rule;
	struct pnic_key *values;
	struct pnic_key *masks;
	uint32_t base;            /* TCAM index of entry 0 once installed */
};

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static bool full_range(uint16_t lo, uint16_t hi)
{
	return lo == 0 && hi == 0xffff;
}

int acl_rule_validate(const struct acl_rule *r, struct pnic_error *err)
{
	if (r->src_len > 32)
		return pnic_err(err, EINVAL,
				"source prefix length %u is above 32", r->src_len);
	if (r->dst_len > 32)
		return pnic_err(err, EINVAL,
				"destination prefix length %u is above 32",
				r->dst_len);
	if (r->sport_lo > r->sport_hi)
		return pnic_err(err, EINVAL,
				"source port range %u : %u has its low end above its high end",
				r->sport_lo, r->sport_hi);
	if (r->dport_lo > r->dport_hi)
		return pnic_err(err, EINVAL,
				"destination port range %u : %u has its low end above its high end",
				r->dport_lo, r->dport_hi);
	return 0;
}

uint32_t acl_rule_entries(const struct acl_rule *r)
{
	return range_prefix_count(r->sport_lo, r->sport_hi, 16) *
	       range_prefix_count(r->dport_lo, r->dport_hi, 16);
}

/* The rule set's matcher is the one oracle: an ACL rule is an IPv4 case
 * of a rule-set rule. */
bool acl_rule_matches(const struct acl_rule *r, const struct acl_header *h)
{
	struct ruleset_rule rr;
	struct ruleset_hdr hh;

	ruleset_rule_from_acl(r, RULESET_ALLOW, &rr);
	ruleset_hdr_from_acl(h, &hh);
	return ruleset_rule_matches(&rr, &hh);
}

int32_t acl_classify_linear(const struct acl_rule *rules, uint32_t n,
			    const struct acl_header *h)
{
	for (uint32_t i = 0; i < n; i++)
		if (acl_rule_matches(&rules[i], h))
			return (int32_t)i;
	return -1;
}

/* Whether the profile can express what rule r matches on. */
static int check_expressible(const struct key_profile *p,
			     const struct acl_rule *r, uint32_t idx,
			     struct pnic_error *err)
{
	static const struct {
		enum key_profile_field_id id;
		unsigned width;
	} need[] = {
		{ KP_SRC_IP, 32 }, { KP_DST_IP, 32 }, { KP_L4_SRC, 16 },
		{ KP_L4_DST, 16 }, { KP_IP_PROTO, 8 }, { KP_TCP_FLAGS, 8 },
	};
	bool used[] = {
		r->src_len > 0, r->dst_len > 0,
		!full_range(r->sport_lo, r->sport_hi),
		!full_range(r->dport_lo, r->dport_hi),
		r->proto_mask != 0, r->tcp_flags_mask != 0,
	};

	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		const struct key_profile_field *f;

		if (!used[i])
			continue;
		f = key_profile_find(p, need[i].id);
		if (!f)
			return pnic_err(err, EINVAL,
					"rule %u matches on %s but key profile '%s' has no such field",
					idx, key_profile_field_name(need[i].id), p->name);
		if (f->width < need[i].width)
			return pnic_err(err, EINVAL,
					"rule %u matches on %s but key profile '%s' gives it %u bits, %u needed",
					idx, key_profile_field_name(need[i].id), p->name,
					f->width, need[i].width);
	}
	return 0;
}

/* An IP field wider than 32 bits holds IPv4-mapped IPv6 addresses, so its
 * mask also covers the ::ffff:0:0/96 part: an IPv4 rule never matches an
 * IPv6 packet. */
static void set_ip(const struct key_profile *p, struct key_profile_fields *v,
		   struct key_profile_fields *m, enum key_profile_field_id id, uint32_t addr,
		   unsigned len)
{
	const struct key_profile_field *f = key_profile_find(p, id);

	key_profile_set_ipv4(v, id, addr & prefix_mask(len));
	key_profile_set_ipv4_prefix_mask(m, id, len, f && f->width > 32);
}

static void emit_rule(struct acl *a, uint32_t ri, uint32_t *next)
{
	const struct acl_rule *r = &a->rules[ri];
	struct range_prefix sp[RANGE_PREFIX_MAX], dp[RANGE_PREFIX_MAX];
	int ns = range_prefix_expand(r->sport_lo, r->sport_hi, 16, sp,
				     RANGE_PREFIX_MAX, NULL);
	int nd = range_prefix_expand(r->dport_lo, r->dport_hi, 16, dp,
				     RANGE_PREFIX_MAX, NULL);
	struct key_profile_fields v, m;

	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	set_ip(a->profile, &v, &m, KP_SRC_IP, r->src_ip, r->src_len);
	set_ip(a->profile, &v, &m, KP_DST_IP, r->dst_ip, r->dst_len);
	key_profile_set(&v, KP_IP_PROTO, r->proto & r->proto_mask);
	key_profile_set(&m, KP_IP_PROTO, r->proto_mask);
	key_profile_set(&v, KP_TCP_FLAGS, r->tcp_flags & r->tcp_flags_mask);
	key_profile_set(&m, KP_TCP_FLAGS, r->tcp_flags_mask);
	for (int i = 0; i < ns; i++) {
		key_profile_set(&v, KP_L4_SRC, sp[i].value);
		key_profile_set(&m, KP_L4_SRC, sp[i].mask);
		for (int j = 0; j < nd; j++) {
			uint32_t e = (*next)++;

			key_profile_set(&v, KP_L4_DST, dp[j].value);
			key_profile_set(&m, KP_L4_DST, dp[j].mask);
			key_profile_pack(a->profile, &v, &a->values[e]);
			key_profile_pack(a->profile, &m, &a->masks[e]);
			a->entry_rule[e] = ri;
		}
	}
}

int acl_compile(const struct acl_params *params, const struct acl_rule *rules,
		uint32_t n, struct acl **out, struct pnic_error *err)
{
	const struct key_profile *p = params && params->profile ?
		params->profile : key_profile_ipv4_5tuple();
	uint32_t depth = params && params->depth ? params->depth : TCAM_MAX_DEPTH;
	uint64_t total = 0;
	struct acl *a;
	int rc;

	*out = NULL;
	rc = key_profile_validate(p, err);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		rc = acl_rule_validate(&rules[i], err);
		if (rc) {
			char msg[sizeof err->msg];

			if (err) {
				memcpy(msg, err->msg, sizeof msg);
				pnic_err(err, EINVAL, "rule %u: %.200s", i, msg);
			}
			return rc;
		}
		rc = check_expressible(p, &rules[i], i, err);
		if (rc)
			return rc;
		total += acl_rule_entries(&rules[i]);
	}
	if (total > depth)
		return pnic_err(err, ENOSPC,
				"%u rule%s need%s %llu TCAM entries after port-range expansion, but the TCAM has %u; give a deeper TCAM or fewer/wider port ranges",
				n, n == 1 ? "" : "s", n == 1 ? "s" : "",
				(unsigned long long)total, depth);

	a = calloc(1, sizeof *a);
	if (!a)
		goto nomem;
	a->profile = p;
	a->n_rules = n;
	a->n_entries = (uint32_t)total;
	a->rules = malloc((n ? n : 1) * sizeof *a->rules);
	a->rule_first = malloc(((size_t)n + 1) * sizeof *a->rule_first);
	a->entry_rule = malloc((total ? total : 1) * sizeof *a->entry_rule);
	a->values = malloc((total ? total : 1) * sizeof *a->values);
	a->masks = malloc((total ? total : 1) * sizeof *a->masks);
	if (!a->rules || !a->rule_first || !a->entry_rule || !a->values ||
	    !a->masks)
		goto free_acl;
	if (n)
		memcpy(a->rules, rules, n * sizeof *rules);

	uint32_t next = 0;

	for (uint32_t i = 0; i < n; i++) {
		a->rule_first[i] = next;
		emit_rule(a, i, &next);
	}
	a->rule_first[n] = next;
	*out = a;
	return 0;

free_acl:
	acl_destroy(a);
nomem:
	return pnic_err(err, ENOMEM,
			"out of memory compiling %u rules into %llu entries", n,
			(unsigned long long)total);
}

void acl_destroy(struct acl *a)
{
	if (!a)
		return;
	free(a->rules);
	free(a->rule_first);
	free(a->entry_rule);
	free(a->values);
	free(a->masks);
	free(a);
}

const struct key_profile *acl_profile(const struct acl *a)
{
	return a->profile;
}

uint32_t acl_entry_count(const struct acl *a)
{
	return a->n_entries;
}

uint32_t acl_entry_rule(const struct acl *a, uint32_t entry)
{
	return a->entry_rule[entry];
}

uint32_t acl_rule_first_entry(const struct acl *a, uint32_t rule)
{
	return a->rule_first[rule <= a->n_rules ? rule : a->n_rules];
}

void acl_entry_get(const struct acl *a, uint32_t entry,
		   struct pnic_key *value, struct pnic_key *mask)
{
	*value = a->values[entry];
	*mask = a->masks[entry];
}

void acl_header_key(const struct acl *a, const struct acl_header *h,
		    struct pnic_key *key)
{
	struct key_profile_fields f;

	memset(&f, 0, sizeof f);
	key_profile_set_ipv4(&f, KP_SRC_IP, h->src_ip);
	key_profile_set_ipv4(&f, KP_DST_IP, h->dst_ip);
	key_profile_set(&f, KP_L4_SRC, h->sport);
	key_profile_set(&f, KP_L4_DST, h->dport);
	key_profile_set(&f, KP_IP_PROTO, h->proto);
	key_profile_set(&f, KP_TCP_FLAGS, h->tcp_flags);
	key_profile_pack(a->profile, &f, key);
}

int acl_install(struct acl *a, const struct nic_cmd_sink *sink,
		uint32_t base, uint32_t depth, acl_action_fn action,
		void *ctx, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE };
	int rc;

	if (base > depth || a->n_entries > depth - base)
		return pnic_err(err, ENOSPC,
				"%u rule%s need%s %u TCAM entries after port-range expansion, but the TCAM has %u (from index %u: %u free)",
				a->n_rules, a->n_rules == 1 ? "" : "s",
				a->n_rules == 1 ? "s" : "", a->n_entries, depth, base,
				base > depth ? 0 : depth - base);
	for (uint32_t e = 0; e < a->n_entries; e++) {
		c.entry.index = base + e;
		c.entry.value = a->values[e];
		c.entry.mask = a->masks[e];
		memset(&c.entry.action, 0, sizeof c.entry.action);
		if (action)
			action(ctx, a->entry_rule[e], &c.entry.action);
		rc = nic_cmd_submit(sink, &c, NULL, err);
		if (rc)
			return rc;
	}
	a->base = base;
	return 0;
}

int32_t acl_index_rule(const struct acl *a, int32_t tcam_index)
{
	uint32_t e;

	if (tcam_index < 0 || (uint32_t)tcam_index < a->base)
		return -1;
	e = (uint32_t)tcam_index - a->base;
	return e < a->n_entries ? (int32_t)a->entry_rule[e] : -1;
}

int32_t acl_lookup(const struct acl *a, const struct lookup *lk,
		   const struct acl_header *h)
{
	struct pnic_key k;

	acl_header_key(a, h, &k);
	return acl_index_rule(a, lookup_match(lk, &k));
}

int32_t acl_lookup_linear(const struct acl *a, const struct lookup *lk,
			  const struct acl_header *h)
{
	struct pnic_key k;

	acl_header_key(a, h, &k);
	return acl_index_rule(a, lookup_match_linear(lk, &k));
}
