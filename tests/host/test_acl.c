#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/acl.h"
#include "host/range_prefix.h"

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: deterministic, independent of libc's rand() */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

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

static void check_random(const struct key_profile *p, bool flags,
			 uint32_t n_rules, uint32_t n_headers, uint32_t seed)
{
	struct acl_rule *rules = calloc(n_rules, sizeof *rules);
	struct acl_params ap = { .profile = p, .depth = 0 };
	struct tcam_params tp = { .depth = 0, .key_bits = p->key_bits };
	struct pnic_error err;
	struct tcam *t;
	struct acl *a;
	uint32_t hits = 0;

	rng_state = seed;
	for (uint32_t i = 0; i < n_rules; i++)
		random_rule(&rules[i], flags);
	cr_assert_eq(acl_compile(&ap, rules, n_rules, &a, &err), 0, "%s", err.msg);
	tp.depth = acl_entry_count(a) + 7 < TCAM_MIN_DEPTH ? TCAM_MIN_DEPTH
							     : acl_entry_count(a) + 7;
	cr_assert_eq(tcam_create(&tp, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(acl_install(a, t, 7, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_used(t), acl_entry_count(a));

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
		fast = acl_lookup(a, t, &h);
		slow = acl_lookup_tcam_linear(a, t, &h);
		cr_assert_eq(fast, want, "profile %s header %u: tcam says rule %d, rules say %d",
			     p->name, i, fast, want);
		cr_assert_eq(slow, want);
		hits += want >= 0;
	}
	/* the headers are meant to hit mostly, and to miss sometimes */
	cr_assert_gt(hits, n_headers / 2);
	cr_assert_lt(hits, n_headers);
	tcam_destroy(t);
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
	struct tcam_params tp = { .depth = 64, .key_bits = 104 };
	struct pnic_error err;
	struct acl *a;
	struct tcam *t;

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
	cr_assert_eq(tcam_create(&tp, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(acl_install(a, t, 0, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "930") && strstr(err.msg, "64"), "%s", err.msg);
	cr_assert_eq(tcam_used(t), 0, "nothing installed half-way");
	tcam_destroy(t);
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

Test(acl, narrow_tcam_key_refused)
{
	struct acl_rule r;
	struct tcam_params tp = { .depth = 16, .key_bits = 64 };
	struct pnic_error err;
	struct acl *a;
	struct tcam *t;

	memset(&r, 0, sizeof r);
	r.sport_hi = r.dport_hi = 65535;
	cr_assert_eq(acl_compile(NULL, &r, 1, &a, &err), 0, "%s", err.msg);
	cr_assert_eq(tcam_create(&tp, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(acl_install(a, t, 0, &err), -EINVAL);
	cr_assert(strstr(err.msg, "104"), "%s", err.msg);
	tcam_destroy(t);
	acl_destroy(a);
}
