#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/acl.h"
#include "host/range_prefix.h"
#include "model/nic.h"
#include "tests/rng.h"

static void random_ports(uint16_t *lo, uint16_t *hi)
{
	uint32_t a, b;

	switch (rnd() % 6) {
	case 0: *lo = 0; *hi = 65535; return;
	case 1: *lo = *hi = rnd() & 0xffff; return;
	case 2: *lo = 1024; *hi = 65535; return;
	case 3: *lo = 0; *hi = 1023; return;
	case 4: a = rnd() & 0xffff; b = a + rnd() % 200;
		*lo = a; *hi = b > 65535 ? 65535 : b; return;
	default: a = rnd() & 0xffff; b = rnd() & 0xffff;
		*lo = a < b ? a : b; *hi = a < b ? b : a; return;
	}
}

/* Rules drawn from a small address pool so that they overlap a lot and
 * priority actually decides. */
static void random_rule(struct acl_rule *r, bool flags)
{
	static const uint32_t pool[] = { 0x0a000000, 0x0a010000, 0xc0a80100, 0x0a0100ff };
	static const uint8_t lens[] = { 0, 8, 16, 24, 32, 12, 28 };

	memset(r, 0, sizeof *r);
	r->src_ip = pool[rnd() % 4] | (rnd() & 0xff);
	r->dst_ip = pool[rnd() % 4] | (rnd() & 0x3);
	r->src_len = lens[rnd() % 7];
	r->dst_len = lens[rnd() % 7];
	random_ports(&r->sport_lo, &r->sport_hi);
	random_ports(&r->dport_lo, &r->dport_hi);
	switch (rnd() % 3) {
	case 0: r->proto = 6; r->proto_mask = 0xff; break;
	case 1: r->proto = 17; r->proto_mask = 0xff; break;
	default: r->proto = rnd() & 0xff; r->proto_mask = 0; break;
	}
	if (flags && rnd() % 3 == 0) {
		r->tcp_flags = 0x02;
		r->tcp_flags_mask = rnd() % 2 ? 0x02 : 0x12;
	}
	r->action = rnd();
}

static uint16_t in_range(uint16_t lo, uint16_t hi)
{
	return (uint16_t)(lo + rnd() % ((uint32_t)hi - lo + 1));
}

static void random_header(struct acl_header *h, const struct acl_rule *rules,
			  uint32_t n)
{
	const struct acl_rule *r = &rules[rnd() % n];
	uint32_t sm = r->src_len ? 0xffffffffu << (32 - r->src_len) : 0;
	uint32_t dm = r->dst_len ? 0xffffffffu << (32 - r->dst_len) : 0;

	h->src_ip = (r->src_ip & sm) | (rnd() & ~sm);
	h->dst_ip = (r->dst_ip & dm) | (rnd() & ~dm);
	h->sport = in_range(r->sport_lo, r->sport_hi);
	h->dport = in_range(r->dport_lo, r->dport_hi);
	h->proto = (r->proto & r->proto_mask) | (rnd() & ~r->proto_mask);
	h->tcp_flags = rnd() & 0xff;
	if (rnd() % 4 == 0) {
		/* push one field out of the rule, often onto a range edge */
		switch (rnd() % 4) {
		case 0: h->sport = r->sport_hi < 65535 ? r->sport_hi + 1 : r->sport_lo - 1; break;
		case 1: h->dport = r->dport_lo > 0 ? r->dport_lo - 1 : r->dport_hi + 1; break;
		case 2: h->src_ip ^= 0x80000000u >> (rnd() % 32); break;
		default: h->proto ^= 1; break;
		}
	}
}

/* A NIC of `depth` entries for profile p. */
static struct nic *make_nic(const struct key_profile *p, uint32_t depth)
{
	struct nic_params np = { .profile = p, .depth = depth, .n_ports = 4,
				 .n_vpids = 16 };
	struct pnic_error err;
	struct nic *n;

	cr_assert_eq(nic_create(&np, &n, &err), 0, "%s", err.msg);
	return n;
}

/* Install a into n at base, every entry forwarding to the rule's VPID. */
static void rule_vpid(void *ctx, uint32_t rule, struct action_word *out)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = (uint16_t)rule };

	(void)ctx;
	action_pack(&a, out);
}

static int install(struct acl *a, struct nic *n, uint32_t base,
		   struct pnic_error *err)
{
	struct nic_cmd_sink sink = nic_sink(n);

	return acl_install(a, &sink, base, lookup_params(nic_lookup(n))->depth,
			   rule_vpid, NULL, err);
}

/* The whole lookup of a matching header reads the action the install
 * wrote for its rule. */
static void check_action(const struct acl *a, const struct lookup *lk,
			 const struct acl_header *h, int32_t rule)
{
	struct lookup_result res;
	struct pnic_key k;

	acl_header_key(a, h, &k);
	lookup_run(lk, &k, &res);
	cr_assert(res.hit);
	cr_assert_eq(lookup_action_vpid(&res.action), (uint16_t)rule);
}

static void check_random(const struct key_profile *p, bool flags,
			 uint32_t n_rules, uint32_t n_headers, uint32_t seed)
{
	struct acl_rule *rules = calloc(n_rules, sizeof *rules);
	struct acl_params ap = { .profile = p, .depth = 0 };
	struct pnic_error err;
	struct nic *n;
	const struct lookup *lk;
	struct acl *a;
	uint32_t hits = 0;

	rng_state = seed;
	for (uint32_t i = 0; i < n_rules; i++)
		random_rule(&rules[i], flags);
	cr_assert_eq(acl_compile(&ap, rules, n_rules, &a, &err), 0, "%s", err.msg);
	n = make_nic(p, acl_entry_count(a) + 7 < TCAM_MIN_DEPTH ?
		     TCAM_MIN_DEPTH : acl_entry_count(a) + 7);
	lk = nic_lookup(n);
	cr_assert_eq(install(a, n, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_used(lookup_tcam(lk)), acl_entry_count(a));

	for (uint32_t i = 0; i < n_headers; i++) {
		struct acl_header h;
		int32_t want, fast, slow;

		if (i % 10 == 0) {
			h.src_ip = rnd(); h.dst_ip = rnd();
			h.sport = rnd(); h.dport = rnd();
			h.proto = rnd(); h.tcp_flags = rnd();
		} else {
			random_header(&h, rules, n_rules);
		}
		want = acl_classify_linear(rules, n_rules, &h);
		fast = acl_lookup(a, lk, &h);
		slow = acl_lookup_linear(a, lk, &h);
		cr_assert_eq(fast, want, "profile %s header %u: tcam says rule %d, rules say %d",
			     p->name, i, fast, want);
		cr_assert_eq(slow, want);
		if (want >= 0)
			check_action(a, lk, &h, want);
		hits += want >= 0;
	}
	/* the headers are meant to hit mostly, and to miss sometimes */
	cr_assert_gt(hits, n_headers / 2);
	cr_assert_lt(hits, n_headers);
	nic_destroy(n);
	acl_destroy(a);
	free(rules);
}

Test(acl, random_rules_5tuple)
{
	check_random(key_profile_ipv4_5tuple(), false, 300, 6000, 1);
	check_random(key_profile_ipv4_5tuple(), false, 40, 3000, 99);
}

Test(acl, random_rules_with_flags_ipv4_flow)
{
	check_random(key_profile_ipv4_flow(), true, 200, 4000, 7);
}

Test(acl, random_rules_default_profile_mapped_ips)
{
	check_random(key_profile_default(), true, 100, 2000, 3);
}

Test(acl, layout_follows_rule_order)
{
	struct acl_rule r[3];
	struct acl *a;
	struct pnic_error err;

	memset(r, 0, sizeof r);
	for (int i = 0; i < 3; i++) {
		r[i].sport_hi = r[i].dport_hi = 65535;
	}
	r[1].sport_lo = 1; r[1].sport_hi = 65534;   /* 30 prefixes */
	r[1].dport_lo = 1024;                        /* 6 prefixes */
	r[2].dport_lo = r[2].dport_hi = 80;
	cr_assert_eq(acl_compile(NULL, r, 3, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(acl_rule_entries(&r[1]), 180);
	cr_assert_eq(acl_entry_count(a), 1 + 180 + 1);
	cr_assert_eq(acl_rule_first_entry(a, 0), 0);
	cr_assert_eq(acl_rule_first_entry(a, 1), 1);
	cr_assert_eq(acl_rule_first_entry(a, 2), 181);
	cr_assert_eq(acl_rule_first_entry(a, 3), 182);
	for (uint32_t e = 0; e < acl_entry_count(a); e++)
		cr_assert_eq(acl_entry_rule(a, e), e == 0 ? 0 : e < 181 ? 1 : 2);
	cr_assert_eq(acl_index_rule(a, TCAM_MISS), -1);
	cr_assert_eq(acl_index_rule(a, 500), -1);
	cr_assert_eq(acl_profile(a), key_profile_ipv4_5tuple());
	acl_destroy(a);
}

Test(acl, refuses_set_that_does_not_fit)
{
	struct acl_rule r[2];
	struct acl_params ap = { .depth = 100 };
	struct pnic_error err;
	struct acl *a;
	struct nic *n;

	memset(r, 0, sizeof r);
	r[0].sport_lo = 1; r[0].sport_hi = 65534; r[0].dport_hi = 65535;
	r[1].sport_hi = 65535; r[1].dport_lo = 1; r[1].dport_hi = 65534;
	r[1].proto = 6; r[1].proto_mask = 0xff;
	r[0].dport_lo = 1; r[0].dport_hi = 65534;   /* 900 entries */
	cr_assert_eq(acl_compile(&ap, r, 2, &a, &err), -ENOSPC);
	cr_assert_null(a);
	cr_assert(strstr(err.msg, "930 TCAM entries") && strstr(err.msg, "has 100"), "%s", err.msg);

	ap.depth = 0;
	cr_assert_eq(acl_compile(&ap, r, 2, &a, &err), 0, "%s", err.msg);
	n = make_nic(key_profile_ipv4_5tuple(), 64);
	cr_assert_eq(install(a, n, 0, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "930") && strstr(err.msg, "64"), "%s", err.msg);
	cr_assert_eq(tcam_used(lookup_tcam(nic_lookup(n))), 0,
		     "nothing installed half-way");
	nic_destroy(n);
	acl_destroy(a);
}

Test(acl, refuses_bad_rules_and_inexpressible_ones)
{
	struct acl_rule r;
	struct acl_params ap = { .profile = key_profile_ipv4_5tuple() };
	struct pnic_error err;
	struct acl *a;

	memset(&r, 0, sizeof r);
	r.sport_hi = r.dport_hi = 65535;
	r.src_len = 33;
	cr_assert_eq(acl_compile(&ap, &r, 1, &a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "rule 0") && strstr(err.msg, "33"), "%s", err.msg);
	r.src_len = 8;
	r.dport_lo = 9; r.dport_hi = 8;
	cr_assert_eq(acl_compile(&ap, &r, 1, &a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "low end"), "%s", err.msg);
	r.dport_lo = 0; r.dport_hi = 65535;
	r.tcp_flags = 2; r.tcp_flags_mask = 2;
	cr_assert_eq(acl_compile(&ap, &r, 1, &a, &err), -EINVAL);
	cr_assert(strstr(err.msg, "tcp_flags") && strstr(err.msg, "ipv4_5tuple"), "%s", err.msg);
	ap.profile = key_profile_ipv4_flow();
	cr_assert_eq(acl_compile(&ap, &r, 1, &a, &err), 0, "%s", err.msg);
	acl_destroy(a);
	acl_destroy(NULL);
}

/* A set compiled for a wider profile than the NIC's key: the NIC refuses
 * the first entry write, naming the key width. */
Test(acl, narrow_tcam_key_refused)
{
	struct acl_rule r;
	struct acl_params ap = { .profile = key_profile_default() };
	struct pnic_error err;
	struct acl *a;
	struct nic *n;

	memset(&r, 0, sizeof r);
	r.sport_hi = r.dport_hi = 65535;
	r.src_len = 8;
	cr_assert_eq(acl_compile(&ap, &r, 1, &a, &err), 0, "%s", err.msg);
	n = make_nic(key_profile_ipv4_5tuple(), 16);
	cr_assert_eq(install(a, n, 0, &err), -EINVAL);
	cr_assert(strstr(err.msg, "entry_write") && strstr(err.msg, "104"), "%s", err.msg);
	nic_destroy(n);
	acl_destroy(a);
}

/* What acl_install emits: one ENTRY_WRITE per entry, in order from base,
 * with the caller's action per rule (the zero word without one); a sink's
 * refusal ends it with the sink's error. */
struct recorder {
	unsigned n, refuse_at;
	struct nic_cmd cmds[8];
};

static int record(void *ctx, const struct nic_cmd *c, struct nic_cmd_result *res,
		  struct pnic_error *err)
{
	struct recorder *r = ctx;

	(void)res;
	if (r->n == r->refuse_at)
		return pnic_err(err, EBUSY, "sink full");
	cr_assert_lt(r->n, 8);
	r->cmds[r->n++] = *c;
	return 0;
}

Test(acl, install_emits_entry_writes)
{
	struct acl_rule rl[2];
	struct recorder rec = { .refuse_at = 99 };
	struct nic_cmd_sink sink = { record, &rec };
	struct pnic_error err;
	struct acl *a;

	memset(rl, 0, sizeof rl);
	rl[0].sport_hi = rl[0].dport_hi = 65535;
	rl[1].sport_hi = 65535;
	rl[1].dport_lo = 1024;                       /* 6 prefixes */
	rl[1].dport_hi = 65535;
	cr_assert_eq(acl_compile(NULL, rl, 2, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(acl_install(a, &sink, 10, 32, rule_vpid, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(rec.n, 7);
	for (unsigned i = 0; i < rec.n; i++) {
		struct pnic_key v, m;

		cr_assert_eq(rec.cmds[i].op, NIC_OP_ENTRY_WRITE);
		cr_assert_eq(rec.cmds[i].entry.index, 10 + i);
		acl_entry_get(a, i, &v, &m);
		cr_assert(key_equal(&rec.cmds[i].entry.value, &v, PNIC_KEY_WORDS));
		cr_assert(key_equal(&rec.cmds[i].entry.mask, &m, PNIC_KEY_WORDS));
		cr_assert_eq(lookup_action_vpid(&rec.cmds[i].entry.action), i ? 1 : 0);
	}
	cr_assert_eq(acl_index_rule(a, 10), 0);
	cr_assert_eq(acl_index_rule(a, 16), 1);

	rec = (struct recorder){ .refuse_at = 3 };
	cr_assert_eq(acl_install(a, &sink, 0, 16, NULL, NULL, &err), -EBUSY);
	cr_assert_str_eq(err.msg, "sink full");
	cr_assert_eq(rec.n, 3);
	cr_assert_eq(rec.cmds[0].entry.action.w[0] | rec.cmds[0].entry.action.w[1], 0,
		     "no action function: the zero word");
	acl_destroy(a);
}
