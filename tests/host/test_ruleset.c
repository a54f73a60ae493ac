#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/ruleset.h"
#include "tests/rng.h"

static uint64_t rnd64(void)
{
	return (uint64_t)rnd() << 32 | rnd();
}

static struct ruleset *make(bool fw_allow, bool fwd_forward, uint32_t max)
{
	struct ruleset_params p = { .fw_default_allow = fw_allow,
				    .fwd_default_forward = fwd_forward,
				    .default_dest = 999, .max_entries = max };
	struct pnic_error err;
	struct ruleset *rs;

	cr_assert_eq(ruleset_create(&p, &rs, &err), 0, "%s", err.msg);
	return rs;
}

static struct ruleset_rule any_rule(enum ruleset_verdict v)
{
	struct ruleset_rule r = { .verdict = v, .sport_hi = 65535,
				  .dport_hi = 65535 };
	return r;
}

static struct ruleset_ip v4(uint32_t a)
{
	return ruleset_ip_v4(a);
}

static uint32_t add(struct ruleset *rs, uint32_t pos, const struct ruleset_rule *r)
{
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_rule_add(rs, pos, r, &id, NULL, NULL, NULL, &err), 0,
		     "%s", err.msg);
	return id;
}

static uint32_t route(struct ruleset *rs, uint32_t a, unsigned len4, uint32_t dest)
{
	struct pnic_error err;
	uint32_t id;

	cr_assert_eq(ruleset_l3_add(rs, v4(a), (uint8_t)(96 + len4), dest, &id,
				    NULL, NULL, NULL, &err), 0, "%s", err.msg);
	return id;
}

static struct ruleset_hdr hdr4(uint32_t vnic, uint32_t s, uint32_t d,
			       uint16_t sp, uint16_t dp, uint8_t proto)
{
	struct ruleset_hdr h = { .vnic = vnic, .src_ip = v4(s), .dst_ip = v4(d),
				 .sport = sp, .dport = dp, .proto = proto };
	return h;
}

static bool same_decision(const struct ruleset_decision *a,
			  const struct ruleset_decision *b)
{
	return a->verdict == b->verdict && a->stateful == b->stateful &&
	       a->dest == b->dest && a->rule == b->rule && a->fwd == b->fwd &&
	       a->fwd_entry == b->fwd_entry;
}

/* ---- classification ------------------------------------------------------ */

Test(ruleset, first_match_scope_and_defaults)
{
	struct ruleset *rs = make(false, false, 0);
	struct ruleset_rule web = any_rule(RULESET_ALLOW), blk = any_rule(RULESET_DENY);
	struct ruleset_decision d;
	struct ruleset_cost c;
	struct ruleset_hdr h = hdr4(1, 0x0a000001, 0x0a000102, 4000, 80, 6);
	uint32_t r_web, r_blk, rt;

	web.dport_lo = web.dport_hi = 80;
	web.proto = 6;
	web.proto_mask = 0xff;
	web.stateful = true;
	blk.scoped = true;
	blk.vnic = 2;
	r_web = add(rs, RULESET_END, &web);
	r_blk = add(rs, 0, &blk);            /* before web, for VNIC 2 only */
	cr_assert_eq(ruleset_rule_pos(rs, r_blk), 0);
	cr_assert_eq(ruleset_rule_pos(rs, r_web), 1);

	/* VNIC 1: the scoped rule is not in its chain and not counted */
	ruleset_classify(rs, &h, &d, &c);
	cr_assert_eq(d.rule, r_web);
	cr_assert_eq(c.rules_evaluated, 1);
	/* no route, forwarding default deny: nothing left to track */
	cr_assert_eq(d.verdict, RULESET_DENY);
	cr_assert_not(d.stateful);
	cr_assert_eq(d.fwd, RULESET_FWD_DEFAULT);
	rt = route(rs, 0x0a000100, 24, 7);
	ruleset_classify(rs, &h, &d, &c);
	cr_assert_eq(d.verdict, RULESET_ALLOW);
	cr_assert_eq(d.dest, 7);
	cr_assert(d.stateful);
	cr_assert_eq(d.fwd_entry, rt);
	cr_assert_eq(c.fwd_probed, 1);

	h.vnic = 2;
	ruleset_classify(rs, &h, &d, &c);
	cr_assert_eq(d.rule, r_blk);
	cr_assert_eq(d.verdict, RULESET_DENY);
	cr_assert_eq(d.fwd, RULESET_FWD_NONE);
	cr_assert_eq(c.fwd_probed, 0);

	h.vnic = 1;
	h.dport = 81;                         /* no rule: firewall default deny */
	ruleset_classify(rs, &h, &d, &c);
	cr_assert_eq(d.rule, RULESET_NONE);
	cr_assert_eq(d.verdict, RULESET_DENY);
	cr_assert_eq(c.rules_evaluated, 1);
	ruleset_destroy(rs);
}

Test(ruleset, l2_before_l3_longest_prefix_and_default_dest)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_hdr h = hdr4(1, 1, 0x0a010203, 1, 2, 17);
	struct ruleset_decision d;
	struct pnic_error err;
	uint32_t r8, r16, l2;

	ruleset_classify(rs, &h, &d, NULL);
	cr_assert_eq(d.fwd, RULESET_FWD_DEFAULT);
	cr_assert_eq(d.dest, 999);
	r8 = route(rs, 0x0a000000, 8, 10);
	r16 = route(rs, 0x0a010000, 16, 11);
	ruleset_classify(rs, &h, &d, NULL);
	cr_assert_eq(d.fwd_entry, r16);
	h.dst_ip = v4(0x0a020203);
	ruleset_classify(rs, &h, &d, NULL);
	cr_assert_eq(d.fwd_entry, r8);
	cr_assert_eq(d.dest, 10);
	cr_assert_eq(ruleset_l2_add(rs, 0x0200000000aaull, 12, &l2, NULL, NULL,
				    NULL, &err), 0);
	h.dst_mac = 0x0200000000aaull;
	ruleset_classify(rs, &h, &d, NULL);
	cr_assert_eq(d.fwd, RULESET_FWD_L2);
	cr_assert_eq(d.dest, 12);
	cr_assert_eq(ruleset_l2_add(rs, 0x0200000000aaull, 13, NULL, NULL, NULL,
				    NULL, &err), -EEXIST);
	cr_assert_eq(ruleset_l3_add(rs, v4(0x0a000000), 104, 1, NULL, NULL, NULL,
				    NULL, &err), -EEXIST);
	cr_assert_eq(ruleset_l3_add(rs, v4(0), 129, 1, NULL, NULL, NULL, NULL,
				    &err), -EINVAL);
	cr_assert_eq(ruleset_fwd_remove(rs, l2, NULL, NULL, NULL, &err), 0);
	cr_assert_eq(ruleset_fwd_remove(rs, l2, NULL, NULL, NULL, &err), -ENOENT);
	ruleset_classify(rs, &h, &d, NULL);
	cr_assert_eq(d.fwd_entry, r8);
	ruleset_destroy(rs);
}

Test(ruleset, refuses_bad_rules_and_ids)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct pnic_error err;
	uint32_t id;

	r.stateful = true;
	cr_assert_eq(ruleset_rule_add(rs, 0, &r, &id, NULL, NULL, NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "stateful"), "%s", err.msg);
	r = any_rule(RULESET_ALLOW);
	r.src_len = 129;
	cr_assert_eq(ruleset_rule_add(rs, 0, &r, &id, NULL, NULL, NULL, &err), -EINVAL);
	r = any_rule(RULESET_ALLOW);
	r.dport_lo = 9;
	r.dport_hi = 8;
	cr_assert_eq(ruleset_rule_add(rs, 0, &r, &id, NULL, NULL, NULL, &err), -EINVAL);
	r.verdict = (enum ruleset_verdict)7;
	cr_assert_eq(ruleset_rule_validate(&r, &err), -EINVAL);
	cr_assert_eq(ruleset_rule_remove(rs, 0, NULL, NULL, NULL, &err), -ENOENT);
	r = any_rule(RULESET_ALLOW);
	cr_assert_eq(ruleset_rule_change(rs, 3, &r, NULL, NULL, NULL, &err), -ENOENT);
	cr_assert_eq(ruleset_rule_count(rs), 0);
	ruleset_destroy(rs);
}

Test(ruleset, ids_stay_across_updates)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule r = any_rule(RULESET_ALLOW);
	struct pnic_error err;
	uint32_t a = add(rs, RULESET_END, &r), b = add(rs, RULESET_END, &r);
	uint32_t c = add(rs, 0, &r);

	cr_assert_eq(ruleset_rule_at(rs, 0), c);
	cr_assert_eq(ruleset_rule_at(rs, 2), b);
	cr_assert_eq(ruleset_rule_remove(rs, a, NULL, NULL, NULL, &err), 0);
	cr_assert_eq(ruleset_rule_pos(rs, b), 1);
	cr_assert_eq(ruleset_rule_pos(rs, a), RULESET_NONE);
	cr_assert_null(ruleset_rule_get(rs, a));
	cr_assert_neq(add(rs, 1, &r), a, "ids are never reused");
	cr_assert_eq(ruleset_rule_at(rs, 3), RULESET_NONE);
	ruleset_destroy(rs);
}

/* ---- megaflows: maximal in simple cases ---------------------------------- */

static void megaflow(const struct ruleset *rs, const struct ruleset_hdr *h,
		     struct ruleset_match *m)
{
	struct ruleset_decision d;

	ruleset_megaflow(rs, h, &d, m, NULL);
}

static struct ruleset_ip ipmask(unsigned len)
{
	struct ruleset_ip m = { 0, 0 };

	if (len >= 64) {
		m.hi = ~0ull;
		m.lo = len == 64 ? 0 : ~0ull << (128 - len);
	} else if (len) {
		m.hi = ~0ull << (64 - len);
	}
	return m;
}

static void expect_mask(const struct ruleset_match *m, const struct ruleset_hdr *want)
{
	const struct ruleset_hdr *k = &m->mask;

	cr_assert_eq(k->vnic, want->vnic);
	cr_assert_eq(k->dst_mac, want->dst_mac);
	cr_assert_eq(k->src_ip.hi, want->src_ip.hi);
	cr_assert_eq(k->src_ip.lo, want->src_ip.lo);
	cr_assert_eq(k->dst_ip.hi, want->dst_ip.hi);
	cr_assert_eq(k->dst_ip.lo, want->dst_ip.lo, "dst lo %llx want %llx",
		     (unsigned long long)k->dst_ip.lo,
		     (unsigned long long)want->dst_ip.lo);
	cr_assert_eq(k->sport, want->sport);
	cr_assert_eq(k->dport, want->dport, "dport mask %x want %x", k->dport,
		     want->dport);
	cr_assert_eq(k->proto, want->proto, "proto mask %x want %x", k->proto,
		     want->proto);
	cr_assert_eq(k->tcp_flags, want->tcp_flags);
}

Test(ruleset, megaflow_no_rules_is_all_wildcard)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_hdr h = hdr4(3, 1, 2, 3, 4, 6), none = { 0 };
	struct ruleset_match m;

	megaflow(rs, &h, &m);
	expect_mask(&m, &none);
	ruleset_destroy(rs);
}

Test(ruleset, megaflow_one_bit_of_protocol_is_enough)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(3, 1, 2, 3, 80, 17), want = { 0 };
	struct ruleset_match m;

	r.proto = 6;
	r.proto_mask = 0xff;
	r.dport_lo = r.dport_hi = 80;
	add(rs, 0, &r);
	megaflow(rs, &h, &m);
	/* 17 ^ 6 = 0x17: the top differing bit 0x10 keeps every header off the
	 * rule; unmasking any less meets it */
	want.proto = 0x10;
	expect_mask(&m, &want);
	cr_assert_eq(m.value.proto, 0x10);
	ruleset_destroy(rs);
}

Test(ruleset, megaflow_prefix_of_the_decider)
{
	struct ruleset *rs = make(false, true, 0);
	struct ruleset_rule r = any_rule(RULESET_ALLOW);
	struct ruleset_hdr h = hdr4(3, 0x0a010203, 2, 3, 4, 6), want = { 0 };
	struct ruleset_match m;

	r.src_ip = v4(0x0a000000);
	r.src_len = 104;
	add(rs, 0, &r);
	megaflow(rs, &h, &m);
	want.src_ip = ipmask(104);
	expect_mask(&m, &want);
	ruleset_destroy(rs);
}

Test(ruleset, megaflow_largest_aligned_block_off_a_range)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(3, 1, 2, 3, 2048, 6), want = { 0 };
	struct ruleset_match m;

	r.dport_lo = 1000;
	r.dport_hi = 1999;
	add(rs, 0, &r);
	megaflow(rs, &h, &m);
	want.dport = 0xf800;           /* [2048, 4095]; [0, 4095] meets the rule */
	expect_mask(&m, &want);
	h.dport = 1500;                /* inside: the largest block in the range */
	megaflow(rs, &h, &m);
	want.dport = 0xfe00;           /* [1024, 1535]; [0, 2047] leaves it */
	expect_mask(&m, &want);
	ruleset_destroy(rs);
}

Test(ruleset, megaflow_route_bits_and_scope)
{
	struct ruleset *rs = make(true, false, 0);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(1, 1, 0x0a020001, 3, 4, 6), want = { 0 };
	struct ruleset_match m;

	route(rs, 0x0a000000, 8, 10);
	route(rs, 0x0a010000, 16, 11);
	megaflow(rs, &h, &m);
	/* 10.2 and 10.1 share 14 bits: a /15 stays off 10.1/16, inside 10/8 */
	want.dst_ip = ipmask(96 + 15);
	expect_mask(&m, &want);
	r.scoped = true;
	r.vnic = 2;
	add(rs, 0, &r);
	megaflow(rs, &h, &m);
	want.vnic = UINT32_MAX;        /* nothing but the VNIC keeps it off */
	expect_mask(&m, &want);
	ruleset_destroy(rs);
}

/* Rule a alone is cheapest to avoid by one protocol bit; rule b then needs
 * the source-port block [4096, 8191], which avoids a as well, so widening
 * gives the protocol bit back. */
Test(ruleset, megaflow_widening_undoes_a_greedy_choice)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule a = any_rule(RULESET_DENY), b = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(3, 1, 2, 5000, 80, 6), want = { 0 };
	struct ruleset_match m;

	a.proto = 17;
	a.proto_mask = 0xff;
	a.sport_hi = 1023;
	b.sport_hi = 4095;
	add(rs, RULESET_END, &a);
	add(rs, RULESET_END, &b);
	megaflow(rs, &h, &m);
	want.sport = 0xf000;
	expect_mask(&m, &want);
	ruleset_destroy(rs);
}

/* ---- megaflows: the property ------------------------------------------- */

static const uint32_t v4pool[] = { 0x0a000000, 0x0a010000, 0xc0a80100, 0x0a0100f0 };

static struct ruleset_ip pool_ip(unsigned *lenmax)
{
	struct ruleset_ip a;

	if (rnd() % 4 == 0) {           /* IPv6 2001:db8:x::y */
		a.hi = 0x20010db800000000ull | (rnd() % 3) << 16;
		a.lo = rnd() % 4;
		*lenmax = 128;
		return a;
	}
	a = v4(v4pool[rnd() % 4] | (rnd() & 0x1f));
	*lenmax = 32;
	return a;
}

static uint8_t pool_len(unsigned lenmax)
{
	static const uint8_t l4[] = { 0, 8, 16, 24, 28, 32 };
	static const uint8_t l6[] = { 0, 32, 48, 64, 126, 128 };
	unsigned i = rnd() % 6;

	if (lenmax == 32)
		return i == 0 && rnd() % 2 ? 0 : (uint8_t)(96 + l4[i]);
	return l6[i];
}

static void pool_ports(uint16_t *lo, uint16_t *hi)
{
	uint32_t a = rnd() & 0xffff, b;

	switch (rnd() % 5) {
	case 0: *lo = 0; *hi = 65535; return;
	case 1: *lo = *hi = (uint16_t)(rnd() % 2 ? 80 : 443); return;
	case 2: *lo = 1024; *hi = 65535; return;
	case 3: b = a + rnd() % 300;
		*lo = (uint16_t)a; *hi = (uint16_t)(b > 65535 ? 65535 : b); return;
	default: b = rnd() & 0xffff;
		*lo = (uint16_t)(a < b ? a : b); *hi = (uint16_t)(a < b ? b : a); return;
	}
}

static void pool_rule(struct ruleset_rule *r)
{
	unsigned lm;

	*r = any_rule(rnd() % 2 ? RULESET_ALLOW : RULESET_DENY);
	r->stateful = r->verdict == RULESET_ALLOW && rnd() % 3 == 0;
	r->scoped = rnd() % 3 == 0;
	r->vnic = 1 + rnd() % 3;
	if (rnd() % 4) {
		r->src_ip = pool_ip(&lm);
		r->src_len = pool_len(lm);
	}
	if (rnd() % 4) {
		r->dst_ip = pool_ip(&lm);
		r->dst_len = pool_len(lm);
	}
	pool_ports(&r->sport_lo, &r->sport_hi);
	pool_ports(&r->dport_lo, &r->dport_hi);
	switch (rnd() % 4) {
	case 0: r->proto = 6; r->proto_mask = 0xff; break;
	case 1: r->proto = 17; r->proto_mask = 0xff; break;
	case 2: r->proto = 1; r->proto_mask = 0xff; break;
	default: break;
	}
	if (rnd() % 6 == 0) {
		r->tcp_flags = 0x02;
		r->tcp_flags_mask = rnd() % 2 ? 0x02 : 0x12;
	}
}

static void pool_hdr(struct ruleset_hdr *h)
{
	static const uint8_t protos[] = { 6, 17, 1, 6, 47 };
	unsigned lm;

	memset(h, 0, sizeof *h);
	h->vnic = 1 + rnd() % 3;
	h->dst_mac = 0x020000000000ull | (rnd() % 6);
	h->src_ip = pool_ip(&lm);
	h->dst_ip = pool_ip(&lm);
	if (rnd() % 3 == 0) {           /* anywhere in a pool /16 */
		h->dst_ip.lo ^= rnd() & 0xffff;
		h->src_ip.lo ^= rnd() & 0xffff;
	}
	h->sport = (uint16_t)(rnd() % 3 == 0 ? 1024 : rnd());
	h->dport = (uint16_t)(rnd() % 3 == 0 ? (rnd() % 2 ? 80 : 443) : rnd());
	h->proto = protos[rnd() % 5];
	h->tcp_flags = (uint8_t)rnd();
}

static struct ruleset *pool_set(uint32_t n_rules)
{
	struct ruleset *rs = make(rnd() % 2, rnd() % 2, 4096);
	struct pnic_error err;
	unsigned lm;

	for (uint32_t i = 0; i < n_rules; i++) {
		struct ruleset_rule r;

		pool_rule(&r);
		add(rs, RULESET_END, &r);
	}
	for (uint32_t i = rnd() % 5; i > 0; i--) {
		struct ruleset_ip a = pool_ip(&lm);

		/* duplicates are refused, which is fine here */
		ruleset_l3_add(rs, a, pool_len(lm), rnd() % 8, NULL, NULL, NULL,
			       NULL, &err);
	}
	for (uint32_t i = rnd() % 3 == 0 ? rnd() % 4 : 0; i > 0; i--)
		ruleset_l2_add(rs, 0x020000000000ull | (rnd() % 6), 20 + i, NULL,
			       NULL, NULL, NULL, &err);
	return rs;
}

static uint64_t pick(uint64_t value, uint64_t mask)
{
	/* edges of the wildcard space as often as the middle */
	switch (rnd() % 4) {
	case 0: return value & mask;
	case 1: return (value & mask) | ~mask;
	default: return (value & mask) | (rnd64() & ~mask);
	}
}

/* A random header inside m. */
static void inside(const struct ruleset_match *m, struct ruleset_hdr *h)
{
	const struct ruleset_hdr *v = &m->value, *k = &m->mask;

	h->vnic = (uint32_t)pick(v->vnic, k->vnic | 0xffffffff00000000ull);
	if (!k->vnic)
		h->vnic = 1 + rnd() % 4;
	h->dst_mac = pick(v->dst_mac, k->dst_mac) & 0xffffffffffffull;
	if (!k->dst_mac)
		h->dst_mac = 0x020000000000ull | (rnd() % 6);
	h->src_ip.hi = pick(v->src_ip.hi, k->src_ip.hi);
	h->src_ip.lo = pick(v->src_ip.lo, k->src_ip.lo);
	h->dst_ip.hi = pick(v->dst_ip.hi, k->dst_ip.hi);
	h->dst_ip.lo = pick(v->dst_ip.lo, k->dst_ip.lo);
	h->sport = (uint16_t)pick(v->sport, k->sport | ~0xffffull);
	h->dport = (uint16_t)pick(v->dport, k->dport | ~0xffffull);
	h->proto = (uint8_t)pick(v->proto, k->proto | ~0xffull);
	h->tcp_flags = (uint8_t)pick(v->tcp_flags, k->tcp_flags | ~0xffull);
}

static uint64_t check_uniform(const struct ruleset *rs,
			      const struct ruleset_match *m,
			      const struct ruleset_decision *d, unsigned samples)
{
	for (unsigned s = 0; s < samples; s++) {
		struct ruleset_decision x;
		struct ruleset_hdr h;

		inside(m, &h);
		cr_assert(ruleset_match_has(m, &h));
		ruleset_classify(rs, &h, &x, NULL);
		cr_assert(same_decision(&x, d),
			  "sample %u: rule %u verdict %d dest %u fwd %u, megaflow says rule %u verdict %d dest %u fwd %u",
			  s, x.rule, x.verdict, x.dest, x.fwd_entry, d->rule,
			  d->verdict, d->dest, d->fwd_entry);
	}
	return samples;
}

Test(ruleset, megaflow_property_random_sets, .timeout = 120)
{
	uint64_t checks = 0, wild = 0, n_mf = 0;

	rng_state = 12345;
	for (unsigned set = 0; set < 300; set++) {
		struct ruleset *rs = pool_set(1 + rnd() % 24);

		for (unsigned i = 0; i < 20; i++) {
			struct ruleset_decision d, dm;
			struct ruleset_match m, ex;
			struct ruleset_hdr h;

			pool_hdr(&h);
			ruleset_megaflow(rs, &h, &d, &m, NULL);
			cr_assert(ruleset_match_has(&m, &h));
			cr_assert_eq(ruleset_match_decide(rs, &m, &dm, NULL), 0);
			cr_assert(same_decision(&d, &dm));
			checks += check_uniform(rs, &m, &d, 20);
			ruleset_exact(rs, &h, &ex);
			checks += check_uniform(rs, &ex, &d, 4);
			wild += __builtin_popcount(m.mask.dport) == 0;
			n_mf++;
		}
		ruleset_destroy(rs);
	}
	cr_assert_geq(checks, 100000, "only %llu checks", (unsigned long long)checks);
	/* the sets are meant to leave some fields wide open, and not all */
	cr_assert_gt(wild, 0);
	cr_assert_lt(wild, n_mf);
}

/* Headers from a ClassBench-shaped ACL classify as the ACL's oracle says. */
Test(ruleset, acl_rules_classify_as_the_acl)
{
	struct ruleset *rs = make(false, true, 0);
	struct acl_rule a[40];

	rng_state = 77;
	for (unsigned i = 0; i < 40; i++) {
		struct ruleset_rule r;

		memset(&a[i], 0, sizeof a[i]);
		a[i].src_ip = v4pool[rnd() % 4];
		a[i].src_len = (uint8_t)(rnd() % 33);
		a[i].dst_ip = v4pool[rnd() % 4];
		a[i].dst_len = (uint8_t)(rnd() % 33);
		pool_ports(&a[i].sport_lo, &a[i].sport_hi);
		pool_ports(&a[i].dport_lo, &a[i].dport_hi);
		a[i].proto = 6;
		a[i].proto_mask = (uint8_t)(rnd() % 2 ? 0xff : 0);
		ruleset_rule_from_acl(&a[i], RULESET_ALLOW, &r);
		add(rs, RULESET_END, &r);
	}
	for (unsigned i = 0; i < 5000; i++) {
		struct acl_header h = { .src_ip = v4pool[rnd() % 4] | (rnd() & 0xffff),
					.dst_ip = v4pool[rnd() % 4] | (rnd() & 0xff),
					.sport = (uint16_t)rnd(), .dport = (uint16_t)rnd(),
					.proto = (uint8_t)(rnd() % 2 ? 6 : 17) };
		struct ruleset_hdr rh;
		struct ruleset_decision d;
		int32_t want = acl_classify_linear(a, 40, &h);

		ruleset_hdr_from_acl(&h, &rh);
		ruleset_classify(rs, &rh, &d, NULL);
		cr_assert_eq(d.rule == RULESET_NONE ? -1 : (int32_t)d.rule, want);
	}
	ruleset_destroy(rs);
}

/* The direct matcher and classification's block relation are written
 * apart: on one-rule sets each must say what the other says. */
Test(ruleset, rule_matches_as_classify)
{
	unsigned hits = 0;

	rng_state = 4242;
	for (unsigned set = 0; set < 400; set++) {
		struct ruleset *rs = make(false, true, 16);
		struct ruleset_rule r;
		uint32_t id;

		pool_rule(&r);
		id = add(rs, RULESET_END, &r);
		for (unsigned i = 0; i < 50; i++) {
			struct ruleset_decision d;
			struct ruleset_hdr h;

			pool_hdr(&h);
			ruleset_classify(rs, &h, &d, NULL);
			cr_assert_eq(ruleset_rule_matches(&r, &h), d.rule == id,
				     "set %u header %u", set, i);
			hits += d.rule == id;
		}
		ruleset_destroy(rs);
	}
	/* both answers must occur for the comparison to mean anything */
	cr_assert_gt(hits, 0);
	cr_assert_lt(hits, 400 * 50);
}

/* ---- registered entries and update impact -------------------------------- */

Test(ruleset, entry_registry_refusals)
{
	struct ruleset *rs = make(true, true, 2);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(1, 1, 2, 3, 100, 6);
	struct ruleset_match m;
	struct pnic_error err;
	uint32_t e1, e2, e3;

	r.dport_lo = 100;
	r.dport_hi = 100;
	add(rs, 0, &r);
	ruleset_exact(rs, &h, &m);
	m.mask.dport = 0xff00;          /* holds 100 and 101: not uniform */
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e1, &err), -EAGAIN);
	m.mask.dport = 0x00ff;          /* not a prefix */
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e1, &err), -EINVAL);
	m.mask.dport = 0xffff;
	m.mask.vnic = 0xff;             /* partial VNIC mask */
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e1, &err), -EINVAL);
	ruleset_exact(rs, &h, &m);
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e1, &err), 0);
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e2, &err), 0);
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e3, &err), -ENOSPC);
	cr_assert_eq(ruleset_entry_count(rs), 2);
	cr_assert_eq(ruleset_entry_capacity(rs), 2);
	cr_assert(e1 < 2 && e2 < 2, "entry ids are below the capacity");
	cr_assert_eq(ruleset_entry_remove(rs, e1), 0);
	cr_assert_eq(ruleset_entry_remove(rs, e1), -ENOENT);
	cr_assert_eq(ruleset_entry_remove(rs, 77), -ENOENT);
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e3, &err), 0);
	ruleset_destroy(rs);
}

/* An entry's match comes back as registered (value normalised by its
 * mask); an id not registered is refused. */
Test(ruleset, entry_match_is_what_was_registered)
{
	struct ruleset *rs = make(true, true, 4);
	struct ruleset_hdr h = hdr4(1, 0x0a000001, 0x0a000002, 1234, 80, 6);
	struct ruleset_match m, back;
	struct pnic_error err;
	uint32_t e;

	ruleset_exact(rs, &h, &m);
	m.mask.sport = 0xff00;
	m.value.sport = 1234;           /* 0x04d2: 0x0400 under the mask */
	m.mask.src_ip.lo &= ~(uint64_t)0xff;  /* a /24 */
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e, &err), 0, "%s", err.msg);
	cr_assert_eq(ruleset_entry_match(rs, e, &back), 0);
	cr_assert_eq(back.value.sport, 0x0400);
	cr_assert_eq(back.mask.sport, 0xff00);
	cr_assert_eq(back.mask.src_ip.lo & 0xffffffff, 0xffffff00);
	cr_assert_eq(back.value.src_ip.lo & 0xffffffff, 0x0a000000);
	cr_assert_eq(back.value.dport, 80);
	cr_assert_eq(back.mask.dport, 0xffff);
	cr_assert_eq(back.value.proto, 6);
	cr_assert_eq(ruleset_entry_remove(rs, e), 0);
	cr_assert_eq(ruleset_entry_match(rs, e, &back), -ENOENT);
	cr_assert_eq(ruleset_entry_match(rs, 99, &back), -ENOENT);
	ruleset_destroy(rs);
}

struct seen {
	uint32_t n;
	struct ruleset_impact im[4096];
};

static void record(void *ctx, const struct ruleset_impact *im)
{
	struct seen *s = ctx;

	cr_assert_lt(s->n, 4096);
	s->im[s->n++] = *im;
}

/* Every registered entry's stored decision is what its match gets now. */
static void check_registry(const struct ruleset *rs, const bool *live,
			   const struct ruleset_match *m, uint32_t n)
{
	for (uint32_t e = 0; e < n; e++) {
		struct ruleset_decision now, stored;

		if (!live[e])
			continue;
		cr_assert_eq(ruleset_entry_decision(rs, e, &stored), 0);
		cr_assert_eq(ruleset_match_decide(rs, &m[e], &now, NULL), 0,
			     "entry %u is split but was not reported", e);
		cr_assert(same_decision(&now, &stored), "entry %u stale", e);
		check_uniform(rs, &m[e], &stored, 2);
	}
}

/* Random updates on random sets with many registered megaflows: the
 * reported entries are exactly those whose decision changed. */
Test(ruleset, update_impact_is_exact_random, .timeout = 120)
{
	static struct seen s;
	static struct ruleset_match m[512];
	static struct ruleset_decision before[512];
	static bool live[512];
	uint64_t reported = 0;

	rng_state = 4242;
	for (unsigned set = 0; set < 60; set++) {
		struct ruleset *rs = pool_set(4 + rnd() % 20);
		uint32_t n = 0;

		for (unsigned i = 0; i < 300; i++) {
			struct ruleset_decision d;
			struct ruleset_hdr h;
			struct pnic_error err;
			uint32_t e;

			pool_hdr(&h);
			if (rnd() % 3)
				ruleset_megaflow(rs, &h, &d, &m[n], NULL);
			else
				ruleset_exact(rs, &h, &m[n]);
			cr_assert_eq(ruleset_entry_add(rs, &m[n], &d, &e, &err), 0, "%s", err.msg);
			cr_assert_eq(e, n);
			live[n++] = true;
		}
		for (unsigned u = 0; u < 12; u++) {
			struct ruleset_rule r;
			struct pnic_error err;
			uint32_t cnt = ruleset_rule_count(rs), id;
			int rc = 0;

			for (uint32_t e = 0; e < n; e++)
				if (live[e])
					ruleset_entry_decision(rs, e, &before[e]);
			pool_rule(&r);
			s.n = 0;
			switch (rnd() % 4) {
			case 0: rc = ruleset_rule_add(rs, rnd() % (cnt + 1), &r, &id,
						      record, &s, NULL, &err); break;
			case 1: rc = cnt ? ruleset_rule_remove(rs, ruleset_rule_at(rs, rnd() % cnt),
							       record, &s, NULL, &err) : 0; break;
			case 2: rc = cnt ? ruleset_rule_change(rs, ruleset_rule_at(rs, rnd() % cnt),
							       &r, record, &s, NULL, &err) : 0; break;
			default: rc = ruleset_l3_add(rs, v4(v4pool[rnd() % 4]), (uint8_t)(96 + 8 * (rnd() % 4)),
						     rnd() % 8, NULL, record, &s, NULL, &err);
				rc = rc == -EEXIST ? 0 : rc; break;
			}
			cr_assert_eq(rc, 0, "%s", err.msg);
			for (uint32_t i = 0; i < s.n; i++) {
				const struct ruleset_impact *im = &s.im[i];
				struct ruleset_decision now;

				cr_assert(same_decision(&im->old, &before[im->entry]));
				if (im->rederive) {
					cr_assert_eq(ruleset_match_decide(rs, &m[im->entry], &now, NULL),
						     -EAGAIN);
					live[im->entry] = false;
				} else {
					cr_assert(!same_decision(&im->now, &im->old),
						  "entry %u reported unchanged", im->entry);
				}
			}
			reported += s.n;
			check_registry(rs, live, m, n);
		}
		ruleset_destroy(rs);
	}
	cr_assert_gt(reported, 100, "updates are meant to hit entries: %llu",
		     (unsigned long long)reported);
}

/* 100 rules, each deciding 10 entries; a rule added on top that overlaps
 * one of them costs checks in proportion to that, not to the table. */
Test(ruleset, update_work_follows_the_affected_set)
{
	struct ruleset *rs = make(false, true, 0);
	struct ruleset_update_stats st;
	struct pnic_error err;
	struct ruleset_rule r;
	uint32_t ids[100], e;
	static struct seen s;

	for (uint32_t i = 0; i < 100; i++) {
		r = any_rule(RULESET_ALLOW);
		r.dst_ip = v4(0x0a000000 | i << 16);
		r.dst_len = 96 + 16;
		ids[i] = add(rs, RULESET_END, &r);
		for (uint32_t j = 0; j < 10; j++) {
			struct ruleset_hdr h = hdr4(1, 5, 0x0a000000 | i << 16 | j, 1000 + j, 80, 6);
			struct ruleset_match m;

			ruleset_exact(rs, &h, &m);
			cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e, &err), 0);
		}
	}
	r = any_rule(RULESET_DENY);
	r.dst_ip = v4(0x0a370000);      /* 10.55/16: rule 55's space */
	r.dst_len = 96 + 16;
	r.sport_lo = 1000;
	r.sport_hi = 1004;
	s.n = 0;
	cr_assert_eq(ruleset_rule_add(rs, 0, &r, NULL, record, &s, &st, &err), 0);
	cr_assert_eq(st.affected, 5);
	cr_assert_eq(s.n, 5);
	for (uint32_t i = 0; i < 5; i++) {
		cr_assert_eq(s.im[i].old.rule, ids[55]);
		cr_assert_eq(s.im[i].now.verdict, RULESET_DENY);
		cr_assert_not(s.im[i].same_action);
	}
	/* 100 rule-rule checks, 10 entry checks, 5 re-decisions of 1 rule */
	cr_assert_leq(st.checks, 100 + 10 + 5 * 2, "%llu checks", (unsigned long long)st.checks);

	/* a rule added last can only take default-decided entries: none */
	r.dst_ip = v4(0x0b000000);
	cr_assert_eq(ruleset_rule_add(rs, RULESET_END, &r, NULL, record, &s, &st, &err), 0);
	cr_assert_eq(st.affected, 0);
	cr_assert_leq(st.checks, 1);

	/* removing rule 3 re-decides its 10 entries only: default deny now */
	s.n = 0;
	cr_assert_eq(ruleset_rule_remove(rs, ids[3], record, &s, &st, &err), 0);
	cr_assert_eq(st.affected, 10);
	cr_assert_eq(s.im[0].now.rule, RULESET_NONE);
	cr_assert_eq(s.im[0].now.verdict, RULESET_DENY);

	/* changing rule 7 to deny: its 10 entries, same rule, new verdict */
	r = *ruleset_rule_get(rs, ids[7]);
	r.verdict = RULESET_DENY;
	s.n = 0;
	cr_assert_eq(ruleset_rule_change(rs, ids[7], &r, record, &s, &st, &err), 0);
	cr_assert_eq(st.affected, 10);
	cr_assert_eq(s.im[0].now.rule, ids[7]);
	ruleset_destroy(rs);
}

Test(ruleset, split_entries_are_rederived_and_forgotten)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_rule r = any_rule(RULESET_DENY);
	struct ruleset_hdr h = hdr4(1, 1, 2, 3, 4, 6);
	struct ruleset_update_stats st;
	struct ruleset_decision d;
	struct ruleset_match m;
	struct pnic_error err;
	static struct seen s;
	uint32_t e;

	ruleset_megaflow(rs, &h, &d, &m, NULL);   /* everything: all wildcard */
	cr_assert_eq(ruleset_entry_add(rs, &m, NULL, &e, &err), 0);
	r.dport_lo = r.dport_hi = 4;
	s.n = 0;
	cr_assert_eq(ruleset_rule_add(rs, 0, &r, NULL, record, &s, &st, &err), 0);
	cr_assert_eq(st.rederive, 1);
	cr_assert(s.im[0].rederive);
	cr_assert_eq(ruleset_entry_count(rs), 0);
	cr_assert_eq(ruleset_entry_decision(rs, e, &d), -ENOENT);
	ruleset_destroy(rs);
}

Test(ruleset, match_fields_for_the_key_profile)
{
	struct ruleset *rs = make(true, true, 0);
	struct ruleset_hdr h = hdr4(1, 0x01020304, 0x05060708, 3, 4, 17);
	struct key_profile_fields v, k;
	struct ruleset_match m;

	ruleset_exact(rs, &h, &m);
	ruleset_match_fields(&m, &v, &k);
	cr_assert_eq(v.lo[KP_SRC_IP], 0xffff01020304ull);
	cr_assert_eq(k.lo[KP_SRC_IP], ~0ull);
	cr_assert_eq(v.lo[KP_L4_DST], 4);
	cr_assert_eq(k.lo[KP_L4_DST], 0xffff);
	cr_assert_eq(v.lo[KP_IP_PROTO], 17);
	cr_assert_eq(k.lo[KP_TCP_FLAGS], 0);
	ruleset_destroy(rs);
}
