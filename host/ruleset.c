#include "host/ruleset.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* 128-bit arithmetic for IPv6 prefixes (GCC and Clang). */
typedef unsigned __int128 u128;

enum { F_SRC, F_DST };            /* IP and port fields */
enum { T_PROTO, T_FLAGS };        /* ternary fields */

/* A match in the form the algorithms use: IP fields as prefixes, ports as
 * aligned blocks of 2^bits values, the rest ternary or exact-or-any. */
struct mf {
	u128 ip[2];
	uint8_t iplen[2];
	uint16_t port[2];
	uint8_t pbits[2];
	uint8_t tv[2], tm[2];
	uint64_t vnic;            /* a u32; 64 bits to share code with mac */
	bool vnic_exact;
	uint64_t mac;
	bool mac_exact;
};

/* A rule in the same form, ports as ranges. */
struct rr {
	u128 ip[2];
	uint8_t iplen[2];
	uint16_t lo[2], hi[2];
	uint8_t tv[2], tm[2];
	bool scoped;
	uint32_t vnic;
};

struct slot {
	uint32_t id;
	struct rr m;
	struct ruleset_rule pub;
};

struct l2e {
	uint64_t mac;
	uint32_t dest, id;
};

struct l3e {
	u128 ip;
	uint8_t len;
	uint32_t dest, id;
};

struct entry {
	struct mf m;
	struct ruleset_decision d;
	uint32_t prev, next;      /* in its decider's list; next: free list */
	bool live;
};

struct ruleset {
	struct ruleset_params p;
	struct slot *rules;       /* in position order */
	uint32_t n_rules, cap_rules;
	uint32_t next_id;         /* rule ids issued */
	uint32_t cap_ids;
	uint32_t *id_pos;         /* [next_id]: position or RULESET_NONE */
	uint32_t *head;           /* [next_id]: first entry decided by id */
	uint32_t default_head;    /* entries decided by the firewall default */
	struct l2e *l2;           /* sorted by mac */
	uint32_t n_l2, cap_l2;
	struct l3e *l3;           /* sorted by length, longest first */
	uint32_t n_l3, cap_l3;
	uint32_t next_fwd_id;
	struct entry *ent;
	uint32_t free_ent, n_ent;
	uint32_t ent_hw;          /* entries ever used: those from here on
				   * are free and untouched */
	uint64_t flags_used;      /* union of the rules' TCP flag masks */
};

#define NONE RULESET_NONE
#define MAC_MASK 0xffffffffffffull

static u128 ip_get(struct ruleset_ip a)
{
	return (u128)a.hi << 64 | a.lo;
}

static struct ruleset_ip ip_put(u128 v)
{
	return (struct ruleset_ip){ .hi = (uint64_t)(v >> 64), .lo = (uint64_t)v };
}

static u128 pmask(unsigned len)
{
	return len == 0 ? 0 : ~(u128)0 << (128 - len);
}

/* Leading bits a and b share (128 if equal). */
static unsigned cpl(u128 a, u128 b)
{
	u128 x = a ^ b;
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;

	if (hi)
		return (unsigned)__builtin_clzll(hi);
	return lo ? 64 + (unsigned)__builtin_clzll(lo) : 128;
}

struct ruleset_ip ruleset_ip_v4(uint32_t addr)
{
	return (struct ruleset_ip){ .hi = 0, .lo = 0xffff00000000ull | addr };
}

/* ---- field relations: the one matching logic --------------------------- */

static bool ip_overlap(u128 a, unsigned la, u128 b, unsigned lb)
{
	return !((a ^ b) & pmask(la < lb ? la : lb));
}

/* Prefix a/la contains prefix b/lb. */
static bool ip_contains(u128 a, unsigned la, u128 b, unsigned lb)
{
	return la <= lb && !((a ^ b) & pmask(la));
}

static uint32_t blk_end(uint16_t base, unsigned bits)
{
	return (uint32_t)base + (1u << bits) - 1;
}

static bool tern_overlap(uint8_t v1, uint8_t m1, uint8_t v2, uint8_t m2)
{
	return !((v1 ^ v2) & m1 & m2);
}

static bool vnic_overlap(const struct rr *r, const struct mf *m)
{
	return !r->scoped || !m->vnic_exact || r->vnic == m->vnic;
}

/* Whether rule r meets match m, and (*in) whether it holds all of it. */
static bool rule_meets(const struct rr *r, const struct mf *m, bool *in)
{
	bool all = !r->scoped || m->vnic_exact;

	if (!vnic_overlap(r, m))
		return false;
	for (int f = 0; f < 2; f++) {
		uint32_t end = blk_end(m->port[f], m->pbits[f]);

		if (!ip_overlap(r->ip[f], r->iplen[f], m->ip[f], m->iplen[f]) ||
		    m->port[f] > r->hi[f] || end < r->lo[f] ||
		    !tern_overlap(r->tv[f], r->tm[f], m->tv[f], m->tm[f]))
			return false;
		all = all && r->iplen[f] <= m->iplen[f] &&
		      r->lo[f] <= m->port[f] && end <= r->hi[f] &&
		      !(r->tm[f] & ~m->tm[f]);
	}
	*in = all;
	return true;
}

static bool rules_overlap(const struct rr *a, const struct rr *b)
{
	if (a->scoped && b->scoped && a->vnic != b->vnic)
		return false;
	for (int f = 0; f < 2; f++)
		if (!ip_overlap(a->ip[f], a->iplen[f], b->ip[f], b->iplen[f]) ||
		    a->lo[f] > b->hi[f] || b->lo[f] > a->hi[f] ||
		    !tern_overlap(a->tv[f], a->tm[f], b->tv[f], b->tm[f]))
			return false;
	return true;
}

static void mf_exact(const struct ruleset_hdr *h, struct mf *m)
{
	m->ip[F_SRC] = ip_get(h->src_ip);
	m->ip[F_DST] = ip_get(h->dst_ip);
	m->iplen[0] = m->iplen[1] = 128;
	m->port[F_SRC] = h->sport;
	m->port[F_DST] = h->dport;
	m->pbits[0] = m->pbits[1] = 0;
	m->tv[T_PROTO] = h->proto;
	m->tv[T_FLAGS] = h->tcp_flags;
	m->tm[0] = m->tm[1] = 0xff;
	m->vnic = h->vnic;
	m->vnic_exact = true;
	m->mac = h->dst_mac & MAC_MASK;
	m->mac_exact = true;
}

static void rr_from(const struct ruleset_rule *r, struct rr *o)
{
	o->ip[F_SRC] = ip_get(r->src_ip) & pmask(r->src_len);
	o->ip[F_DST] = ip_get(r->dst_ip) & pmask(r->dst_len);
	o->iplen[F_SRC] = r->src_len;
	o->iplen[F_DST] = r->dst_len;
	o->lo[F_SRC] = r->sport_lo;
	o->hi[F_SRC] = r->sport_hi;
	o->lo[F_DST] = r->dport_lo;
	o->hi[F_DST] = r->dport_hi;
	o->tm[T_PROTO] = r->proto_mask;
	o->tv[T_PROTO] = r->proto & r->proto_mask;
	o->tm[T_FLAGS] = r->tcp_flags_mask;
	o->tv[T_FLAGS] = r->tcp_flags & r->tcp_flags_mask;
	o->scoped = r->scoped;
	o->vnic = r->vnic;
}

/* A point against a rule, compared directly: no conversion to the
 * megaflow form, so it stays cheap for the ACL's oracle (a linear scan per
 * header) and independent of rule_meets(), which classification uses. */
bool ruleset_rule_matches(const struct ruleset_rule *r,
			  const struct ruleset_hdr *h)
{
	return (!r->scoped || r->vnic == h->vnic) &&
	       !((ip_get(h->src_ip) ^ ip_get(r->src_ip)) & pmask(r->src_len)) &&
	       !((ip_get(h->dst_ip) ^ ip_get(r->dst_ip)) & pmask(r->dst_len)) &&
	       h->sport >= r->sport_lo && h->sport <= r->sport_hi &&
	       h->dport >= r->dport_lo && h->dport <= r->dport_hi &&
	       !((h->proto ^ r->proto) & r->proto_mask) &&
	       !((h->tcp_flags ^ r->tcp_flags) & r->tcp_flags_mask);
}

int ruleset_rule_validate(const struct ruleset_rule *r, struct pnic_error *err)
{
	if (r->verdict != RULESET_ALLOW && r->verdict != RULESET_DENY)
		return pnic_err(err, EINVAL, "verdict %d is neither allow nor deny",
				(int)r->verdict);
	if (r->stateful && r->verdict != RULESET_ALLOW)
		return pnic_err(err, EINVAL,
				"a deny rule cannot be stateful: only allowed connections are tracked");
	if (r->src_len > 128 || r->dst_len > 128)
		return pnic_err(err, EINVAL,
				"prefix length %u is above 128 (an IPv4 /n is /(96 + n))",
				r->src_len > 128 ? r->src_len : r->dst_len);
	if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi)
		return pnic_err(err, EINVAL,
				"%s port range has its low end above its high end",
				r->sport_lo > r->sport_hi ? "source" : "destination");
	return 0;
}

void ruleset_rule_from_acl(const struct acl_rule *a, enum ruleset_verdict v,
			   struct ruleset_rule *out)
{
	memset(out, 0, sizeof *out);
	out->verdict = v;
	out->src_ip = ruleset_ip_v4(a->src_ip);
	out->dst_ip = ruleset_ip_v4(a->dst_ip);
	out->src_len = (uint8_t)(96 + (a->src_len > 32 ? 32 : a->src_len));
	out->dst_len = (uint8_t)(96 + (a->dst_len > 32 ? 32 : a->dst_len));
	out->sport_lo = a->sport_lo;
	out->sport_hi = a->sport_hi;
	out->dport_lo = a->dport_lo;
	out->dport_hi = a->dport_hi;
	out->proto = a->proto;
	out->proto_mask = a->proto_mask;
	out->tcp_flags = a->tcp_flags;
	out->tcp_flags_mask = a->tcp_flags_mask;
}

void ruleset_hdr_from_acl(const struct acl_header *a, struct ruleset_hdr *out)
{
	memset(out, 0, sizeof *out);
	out->src_ip = ruleset_ip_v4(a->src_ip);
	out->dst_ip = ruleset_ip_v4(a->dst_ip);
	out->sport = a->sport;
	out->dport = a->dport;
	out->proto = a->proto;
	out->tcp_flags = a->tcp_flags;
}

/* ---- matches: public form <-> internal form ------------------------------ */

static unsigned lead_ones(u128 m)
{
	return cpl(m, ~(u128)0);
}

/* IP field f and port field f of a public match; -EINVAL unless both
 * masks are prefixes. */
static int mf_block_from(const struct ruleset_match *p, int f, struct mf *m)
{
	u128 mk = ip_get(f ? p->mask.dst_ip : p->mask.src_ip);
	u128 v = ip_get(f ? p->value.dst_ip : p->value.src_ip);
	uint16_t pm = f ? p->mask.dport : p->mask.sport;
	unsigned bits = pm == 0 ? 16 : (unsigned)__builtin_ctz(pm);
	unsigned len = lead_ones(mk);

	if (mk != pmask(len) || (uint16_t)(0xffffu << bits) != pm)
		return -EINVAL;
	m->ip[f] = v & mk;
	m->iplen[f] = (uint8_t)len;
	m->pbits[f] = (uint8_t)bits;
	m->port[f] = (f ? p->value.dport : p->value.sport) & pm;
	return 0;
}

static int mf_from(const struct ruleset_match *p, struct mf *m)
{
	uint64_t mac = p->mask.dst_mac & MAC_MASK;

	if (mf_block_from(p, F_SRC, m) || mf_block_from(p, F_DST, m) ||
	    (p->mask.vnic != 0 && p->mask.vnic != UINT32_MAX) ||
	    (mac != 0 && mac != MAC_MASK))
		return -EINVAL;
	m->tm[T_PROTO] = p->mask.proto;
	m->tv[T_PROTO] = p->value.proto & p->mask.proto;
	m->tm[T_FLAGS] = p->mask.tcp_flags;
	m->tv[T_FLAGS] = p->value.tcp_flags & p->mask.tcp_flags;
	m->vnic_exact = p->mask.vnic != 0;
	m->vnic = m->vnic_exact ? p->value.vnic : 0;
	m->mac_exact = mac != 0;
	m->mac = m->mac_exact ? p->value.dst_mac & MAC_MASK : 0;
	return 0;
}

static void mf_to(const struct mf *m, struct ruleset_match *p)
{
	memset(p, 0, sizeof *p);
	p->value.src_ip = ip_put(m->ip[F_SRC]);
	p->value.dst_ip = ip_put(m->ip[F_DST]);
	p->mask.src_ip = ip_put(pmask(m->iplen[F_SRC]));
	p->mask.dst_ip = ip_put(pmask(m->iplen[F_DST]));
	p->value.sport = m->port[F_SRC];
	p->value.dport = m->port[F_DST];
	p->mask.sport = (uint16_t)(0xffffu << m->pbits[F_SRC]);
	p->mask.dport = (uint16_t)(0xffffu << m->pbits[F_DST]);
	p->value.proto = m->tv[T_PROTO];
	p->mask.proto = m->tm[T_PROTO];
	p->value.tcp_flags = m->tv[T_FLAGS];
	p->mask.tcp_flags = m->tm[T_FLAGS];
	p->value.vnic = (uint32_t)m->vnic;
	p->mask.vnic = m->vnic_exact ? UINT32_MAX : 0;
	p->value.dst_mac = m->mac;
	p->mask.dst_mac = m->mac_exact ? MAC_MASK : 0;
}

bool ruleset_match_has(const struct ruleset_match *m,
		       const struct ruleset_hdr *h)
{
	const struct ruleset_hdr *v = &m->value, *k = &m->mask;

	return !((h->vnic ^ v->vnic) & k->vnic) &&
	       !((h->dst_mac ^ v->dst_mac) & k->dst_mac & MAC_MASK) &&
	       !((ip_get(h->src_ip) ^ ip_get(v->src_ip)) & ip_get(k->src_ip)) &&
	       !((ip_get(h->dst_ip) ^ ip_get(v->dst_ip)) & ip_get(k->dst_ip)) &&
	       !((h->sport ^ v->sport) & k->sport) &&
	       !((h->dport ^ v->dport) & k->dport) &&
	       !((h->proto ^ v->proto) & k->proto) &&
	       !((h->tcp_flags ^ v->tcp_flags) & k->tcp_flags);
}

static void fields_ip(struct key_profile_fields *f, enum key_profile_field_id id,
		      struct ruleset_ip a)
{
	f->hi[id] = a.hi;
	f->lo[id] = a.lo;
}

void ruleset_match_fields(const struct ruleset_match *m,
			  struct key_profile_fields *value,
			  struct key_profile_fields *mask)
{
	const struct ruleset_hdr *hs[2] = { &m->value, &m->mask };
	struct key_profile_fields *out[2] = { value, mask };

	for (int i = 0; i < 2; i++) {
		memset(out[i], 0, sizeof *out[i]);
		fields_ip(out[i], KP_SRC_IP, hs[i]->src_ip);
		fields_ip(out[i], KP_DST_IP, hs[i]->dst_ip);
		key_profile_set(out[i], KP_L4_SRC, hs[i]->sport);
		key_profile_set(out[i], KP_L4_DST, hs[i]->dport);
		key_profile_set(out[i], KP_IP_PROTO, hs[i]->proto);
		key_profile_set(out[i], KP_TCP_FLAGS, hs[i]->tcp_flags);
	}
}

/* ---- the decision a whole match gets ---------------------------------- */

static const struct l2e *l2_find(const struct ruleset *rs, uint64_t mac)
{
	uint32_t lo = 0, hi = rs->n_l2;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rs->l2[mid].mac == mac)
			return &rs->l2[mid];
		if (rs->l2[mid].mac < mac)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void fwd_default(const struct ruleset *rs, struct ruleset_decision *d)
{
	d->fwd = RULESET_FWD_DEFAULT;
	if (rs->p.fwd_default_forward) {
		d->dest = rs->p.default_dest;
	} else {
		d->verdict = RULESET_DENY;
		d->stateful = false;
	}
}

/* Forwarding for an allowed match: L2, then the longest prefix.  Routes
 * run longest first, so the first that holds the match is the answer and
 * a longer one that only meets it splits the match. */
static int forward(const struct ruleset *rs, const struct mf *m,
		   struct ruleset_decision *d, uint32_t *probes)
{
	if (rs->n_l2) {
		const struct l2e *e;

		if (!m->mac_exact)
			return -EAGAIN;
		(*probes)++;
		e = l2_find(rs, m->mac);
		if (e) {
			d->fwd = RULESET_FWD_L2;
			d->fwd_entry = e->id;
			d->dest = e->dest;
			return 0;
		}
	}
	for (uint32_t i = 0; i < rs->n_l3; i++) {
		const struct l3e *r = &rs->l3[i];

		(*probes)++;
		if (r->len > m->iplen[F_DST]) {
			if (ip_overlap(r->ip, r->len, m->ip[F_DST], m->iplen[F_DST]))
				return -EAGAIN;
		} else if (ip_contains(r->ip, r->len, m->ip[F_DST],
				       m->iplen[F_DST])) {
			d->fwd = RULESET_FWD_L3;
			d->fwd_entry = r->id;
			d->dest = r->dest;
			return 0;
		}
	}
	fwd_default(rs, d);
	return 0;
}

/* The decision all of m gets, the rules scanned from position `from` (the
 * caller knows those before it miss all of m): the first rule that meets
 * m must hold it whole.  -EAGAIN if m is split. */
static int decide(const struct ruleset *rs, const struct mf *m, uint32_t from,
		  struct ruleset_decision *d, uint32_t *rules, uint32_t *probes)
{
	const struct slot *s = NULL;
	bool in = false;
	uint32_t i;

	for (i = from; i < rs->n_rules; i++) {
		s = &rs->rules[i];
		if (!vnic_overlap(&s->m, m))
			continue;
		(*rules)++;
		if (rule_meets(&s->m, m, &in))
			break;
	}
	if (i < rs->n_rules && !in)
		return -EAGAIN;
	memset(d, 0, sizeof *d);
	d->rule = NONE;
	d->fwd_entry = NONE;
	d->fwd = RULESET_FWD_NONE;
	if (i < rs->n_rules) {
		d->rule = s->id;
		d->verdict = s->pub.verdict;
		d->stateful = s->pub.stateful;
	} else {
		d->verdict = rs->p.fw_default_allow ? RULESET_ALLOW : RULESET_DENY;
	}
	if (d->verdict == RULESET_DENY)
		return 0;
	return forward(rs, m, d, probes);
}

static bool same_dec(const struct ruleset_decision *a,
		     const struct ruleset_decision *b)
{
	return a->verdict == b->verdict && a->stateful == b->stateful &&
	       a->dest == b->dest && a->rule == b->rule && a->fwd == b->fwd &&
	       a->fwd_entry == b->fwd_entry;
}

void ruleset_classify(const struct ruleset *rs, const struct ruleset_hdr *h,
		      struct ruleset_decision *d, struct ruleset_cost *cost)
{
	struct ruleset_cost c = { 0 };
	struct mf m;

	/* An exact match is never split, so this always decides. */
	mf_exact(h, &m);
	decide(rs, &m, 0, d, &c.rules_evaluated, &c.fwd_probed);
	if (cost)
		*cost = c;
}

int ruleset_match_decide(const struct ruleset *rs,
			 const struct ruleset_match *m,
			 struct ruleset_decision *d, struct ruleset_cost *cost)
{
	struct ruleset_cost c = { 0 };
	struct mf x;
	int rc = mf_from(m, &x);

	if (rc == 0)
		rc = decide(rs, &x, 0, d, &c.rules_evaluated, &c.fwd_probed);
	if (cost)
		*cost = c;
	return rc;
}

/* ---- megaflow derivation ------------------------------------------------ */

static uint16_t blk_base(uint16_t v, unsigned bits)
{
	return bits >= 16 ? 0 : (uint16_t)(v & (0xffffu << bits));
}

static void set_iplen(struct mf *m, const struct mf *hx, int f, unsigned len)
{
	m->iplen[f] = (uint8_t)len;
	m->ip[f] = hx->ip[f] & pmask(len);
}

static void set_pbits(struct mf *m, const struct mf *hx, int f, unsigned bits)
{
	m->pbits[f] = (uint8_t)bits;
	m->port[f] = blk_base(hx->port[f], bits);
}

/* The match the deciding rule (NULL: none) alone allows: its prefixes, the
 * largest aligned port blocks around the header inside its ranges, its
 * masks, its VNIC. */
static void mf_init(const struct rr *r, const struct mf *hx, struct mf *m)
{
	memset(m, 0, sizeof *m);
	m->pbits[F_SRC] = m->pbits[F_DST] = 16;
	if (!r)
		return;
	for (int f = 0; f < 2; f++) {
		unsigned k = 16;

		set_iplen(m, hx, f, r->iplen[f]);
		while (blk_base(hx->port[f], k) < r->lo[f] ||
		       blk_end(blk_base(hx->port[f], k), k) > r->hi[f])
			k--;
		set_pbits(m, hx, f, k);
		m->tm[f] = r->tm[f];
		m->tv[f] = hx->tv[f] & r->tm[f];
	}
	m->vnic_exact = r->scoped;
	m->vnic = r->scoped ? hx->vnic : 0;
}

enum { N_IP, N_PORT = 2, N_TERN = 4, N_VNIC = 6 };

struct narrowing {
	int what;        /* N_IP + f, N_PORT + f, N_TERN + f, N_VNIC; -1 none */
	unsigned arg;    /* new prefix length, block bits, or mask bit */
	unsigned cost;   /* wildcard bits lost */
};

static void consider(struct narrowing *n, int what, unsigned arg,
		     unsigned cost)
{
	if (cost < n->cost)
		*n = (struct narrowing){ what, arg, cost };
}

/* The ways to keep m off rule r through field pair f (IP, port, ternary),
 * each where the header itself is outside r. */
static void options_in(const struct rr *r, const struct mf *hx,
		       const struct mf *m, int f, struct narrowing *n)
{
	uint8_t diff = (hx->tv[f] ^ r->tv[f]) & r->tm[f] & ~m->tm[f];
	uint16_t v = hx->port[f];

	if (!ip_contains(r->ip[f], r->iplen[f], hx->ip[f], 128)) {
		unsigned need = cpl(hx->ip[f], r->ip[f]) + 1;
		unsigned len = need > m->iplen[f] ? need : m->iplen[f];

		consider(n, N_IP + f, len, len - m->iplen[f]);
	}
	if (v < r->lo[f] || v > r->hi[f]) {
		unsigned k = m->pbits[f];

		while (blk_base(v, k) <= r->hi[f] &&
		       blk_end(blk_base(v, k), k) >= r->lo[f])
			k--;
		consider(n, N_PORT + f, k, m->pbits[f] - k);
	}
	if (diff)
		consider(n, N_TERN + f, 1u << (31 - __builtin_clz(diff)), 1);
}

/* Rule r misses the header but meets m: take the cheapest way (fewest
 * wildcard bits lost) to make m miss it too. */
static void narrow_for(const struct rr *r, const struct mf *hx, struct mf *m)
{
	struct narrowing n = { -1, 0, UINT_MAX };

	options_in(r, hx, m, 0, &n);
	options_in(r, hx, m, 1, &n);
	if (r->scoped && r->vnic != hx->vnic && !m->vnic_exact)
		consider(&n, N_VNIC, 0, 32);
	if (n.what >= N_VNIC) {
		m->vnic_exact = true;
		m->vnic = hx->vnic;
	} else if (n.what >= N_TERN) {
		m->tm[n.what - N_TERN] |= (uint8_t)n.arg;
		m->tv[n.what - N_TERN] = hx->tv[n.what - N_TERN] & m->tm[n.what - N_TERN];
	} else if (n.what >= N_PORT) {
		set_pbits(m, hx, n.what - N_PORT, n.arg);
	} else if (n.what >= N_IP) {
		set_iplen(m, hx, n.what - N_IP, n.arg);
	}
}

/* Forwarding's part of an allowed decision: the MAC when L2 entries exist,
 * and destination prefix bits enough to stay inside the chosen route and
 * off every longer one. */
static void fwd_narrow(const struct ruleset *rs, const struct mf *hx,
		       struct mf *m, const struct ruleset_decision *d,
		       uint32_t *checks)
{
	if (d->fwd == RULESET_FWD_NONE)
		return;
	if (rs->n_l2) {
		m->mac_exact = true;
		m->mac = hx->mac;
	}
	if (d->fwd == RULESET_FWD_L2)
		return;
	for (uint32_t i = 0; i < rs->n_l3; i++) {
		const struct l3e *r = &rs->l3[i];
		unsigned need;

		(*checks)++;
		if (ip_contains(r->ip, r->len, hx->ip[F_DST], 128)) {
			if (r->len > m->iplen[F_DST])
				set_iplen(m, hx, F_DST, r->len);
			return;
		}
		if (!ip_overlap(r->ip, r->len, m->ip[F_DST], m->iplen[F_DST]))
			continue;
		need = cpl(r->ip, hx->ip[F_DST]) + 1;
		if (need > m->iplen[F_DST])
			set_iplen(m, hx, F_DST, need);
	}
}

static bool still(const struct ruleset *rs, const struct mf *m,
		  const struct ruleset_decision *d, uint32_t *checks)
{
	struct ruleset_decision x;
	uint32_t probes = 0;
	int rc = decide(rs, m, 0, &x, checks, &probes);

	*checks += probes;
	return rc == 0 && same_dec(&x, d);
}

/* Validity is monotone (a smaller match of a valid one is valid), so the
 * shortest valid prefix and the largest valid block are found by bisection,
 * and one pass leaves no field that could widen by one step. */
static void widen_blocks(const struct ruleset *rs, const struct mf *hx,
			 struct mf *m, const struct ruleset_decision *d,
			 uint32_t *checks)
{
	for (int f = 0; f < 2; f++) {
		unsigned lo = 0, hi = m->iplen[f];

		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;

			set_iplen(m, hx, f, mid);
			if (still(rs, m, d, checks))
				hi = mid;
			else
				lo = mid + 1;
		}
		set_iplen(m, hx, f, lo);
		lo = m->pbits[f];
		hi = 16;
		while (lo < hi) {
			unsigned mid = (lo + hi + 1) / 2;

			set_pbits(m, hx, f, mid);
			if (still(rs, m, d, checks))
				lo = mid;
			else
				hi = mid - 1;
		}
		set_pbits(m, hx, f, lo);
	}
}

/* An exact-or-any field (VNIC, MAC) of m: any, if the decision stays. */
static void widen_exact(const struct ruleset *rs, struct mf *m,
			const struct ruleset_decision *d, uint32_t *checks,
			bool *exact, uint64_t *v, uint64_t hv)
{
	if (!*exact)
		return;
	*exact = false;
	*v = 0;
	if (!still(rs, m, d, checks)) {
		*exact = true;
		*v = hv;
	}
}

static void widen_bits(const struct ruleset *rs, const struct mf *hx,
		       struct mf *m, const struct ruleset_decision *d,
		       uint32_t *checks)
{
	for (int f = 0; f < 2; f++)
		for (unsigned b = 0x80; b; b >>= 1) {
			if (!(m->tm[f] & b))
				continue;
			m->tm[f] &= (uint8_t)~b;
			m->tv[f] = hx->tv[f] & m->tm[f];
			if (!still(rs, m, d, checks)) {
				m->tm[f] |= (uint8_t)b;
				m->tv[f] = hx->tv[f] & m->tm[f];
			}
		}
	widen_exact(rs, m, d, checks, &m->vnic_exact, &m->vnic, hx->vnic);
	widen_exact(rs, m, d, checks, &m->mac_exact, &m->mac, hx->mac);
}

void ruleset_megaflow(const struct ruleset *rs, const struct ruleset_hdr *h,
		      struct ruleset_decision *d, struct ruleset_match *m,
		      struct ruleset_cost *cost)
{
	struct ruleset_cost c = { 0 };
	uint32_t dpos = rs->n_rules;
	struct mf hx, x;

	mf_exact(h, &hx);
	decide(rs, &hx, 0, d, &c.rules_evaluated, &c.fwd_probed);
	if (d->rule != NONE)
		dpos = rs->id_pos[d->rule];
	mf_init(dpos < rs->n_rules ? &rs->rules[dpos].m : NULL, &hx, &x);
	for (uint32_t i = 0; i < dpos; i++) {
		bool in;

		c.mf_checks++;
		if (rule_meets(&rs->rules[i].m, &x, &in))
			narrow_for(&rs->rules[i].m, &hx, &x);
	}
	fwd_narrow(rs, &hx, &x, d, &c.mf_checks);
	widen_blocks(rs, &hx, &x, d, &c.mf_checks);
	widen_bits(rs, &hx, &x, d, &c.mf_checks);
	mf_to(&x, m);
	if (cost)
		*cost = c;
}

void ruleset_exact(const struct ruleset *rs, const struct ruleset_hdr *h,
		   struct ruleset_match *m)
{
	struct mf x;

	mf_exact(h, &x);
	x.tm[T_FLAGS] = (uint8_t)rs->flags_used;
	x.tv[T_FLAGS] &= x.tm[T_FLAGS];
	x.mac_exact = rs->n_l2 > 0;
	x.mac = x.mac_exact ? x.mac : 0;
	mf_to(&x, m);
}

/* ---- life cycle ----------------------------------------------------------- */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, (size_t)n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

int ruleset_create(const struct ruleset_params *params, struct ruleset **out,
		   struct pnic_error *err)
{
	struct ruleset *rs = calloc(1, sizeof *rs);
	uint32_t n;

	*out = NULL;
	if (!rs)
		goto nomem;
	if (params)
		rs->p = *params;
	n = rs->p.max_entries ? rs->p.max_entries : 65536;
	rs->p.max_entries = n;
	rs->ent = calloc(n, sizeof *rs->ent);
	if (!rs->ent)
		goto free_rs;
	rs->free_ent = NONE;
	rs->default_head = NONE;
	*out = rs;
	return 0;

free_rs:
	ruleset_destroy(rs);
nomem:
	return pnic_err(err, ENOMEM, "out of memory creating a rule set");
}

void ruleset_destroy(struct ruleset *rs)
{
	if (!rs)
		return;
	free(rs->rules);
	free(rs->id_pos);
	free(rs->head);
	free(rs->l2);
	free(rs->l3);
	free(rs->ent);
	free(rs);
}

uint32_t ruleset_rule_count(const struct ruleset *rs)
{
	return rs->n_rules;
}

uint32_t ruleset_rule_at(const struct ruleset *rs, uint32_t pos)
{
	return pos < rs->n_rules ? rs->rules[pos].id : NONE;
}

uint32_t ruleset_rule_pos(const struct ruleset *rs, uint32_t id)
{
	return id < rs->next_id ? rs->id_pos[id] : NONE;
}

const struct ruleset_rule *ruleset_rule_get(const struct ruleset *rs,
					    uint32_t id)
{
	uint32_t pos = ruleset_rule_pos(rs, id);

	return pos == NONE ? NULL : &rs->rules[pos].pub;
}

/* ---- registered entries --------------------------------------------------- */

static uint32_t *list_of(struct ruleset *rs, uint32_t rule)
{
	return rule == NONE ? &rs->default_head : &rs->head[rule];
}

static void ent_link(struct ruleset *rs, uint32_t e)
{
	struct entry *x = &rs->ent[e];
	uint32_t *head = list_of(rs, x->d.rule);

	x->prev = NONE;
	x->next = *head;
	if (*head != NONE)
		rs->ent[*head].prev = e;
	*head = e;
}

static void ent_unlink(struct ruleset *rs, uint32_t e)
{
	struct entry *x = &rs->ent[e];

	if (x->prev != NONE)
		rs->ent[x->prev].next = x->next;
	else
		*list_of(rs, x->d.rule) = x->next;
	if (x->next != NONE)
		rs->ent[x->next].prev = x->prev;
}

static void ent_free(struct ruleset *rs, uint32_t e)
{
	rs->ent[e].live = false;
	rs->ent[e].next = rs->free_ent;
	rs->free_ent = e;
	rs->n_ent--;
}

int ruleset_entry_add(struct ruleset *rs, const struct ruleset_match *m,
		      struct ruleset_decision *d, uint32_t *entry,
		      struct pnic_error *err)
{
	struct ruleset_decision dd;
	uint32_t n = 0, p = 0, e;
	struct mf x;

	if (mf_from(m, &x))
		return pnic_err(err, EINVAL,
				"entry match has an IP or port mask that is not a prefix, or a partial VNIC/MAC mask");
	if (decide(rs, &x, 0, &dd, &n, &p))
		return pnic_err(err, EAGAIN,
				"entry match is not uniform: headers inside it get different decisions");
	if (rs->free_ent == NONE && rs->ent_hw == rs->p.max_entries)
		return pnic_err(err, ENOSPC,
				"%u entries registered already (max_entries)",
				rs->p.max_entries);
	e = rs->free_ent != NONE ? rs->free_ent : rs->ent_hw++;
	if (e == rs->free_ent)
		rs->free_ent = rs->ent[e].next;
	rs->ent[e].m = x;
	rs->ent[e].d = dd;
	rs->ent[e].live = true;
	ent_link(rs, e);
	rs->n_ent++;
	if (d)
		*d = dd;
	*entry = e;
	return 0;
}

int ruleset_entry_remove(struct ruleset *rs, uint32_t entry)
{
	if (entry >= rs->p.max_entries || !rs->ent[entry].live)
		return -ENOENT;
	ent_unlink(rs, entry);
	ent_free(rs, entry);
	return 0;
}

uint32_t ruleset_entry_capacity(const struct ruleset *rs)
{
	return rs->p.max_entries;
}

uint32_t ruleset_entry_count(const struct ruleset *rs)
{
	return rs->n_ent;
}

int ruleset_entry_match(const struct ruleset *rs, uint32_t entry,
			struct ruleset_match *m)
{
	if (entry >= rs->p.max_entries || !rs->ent[entry].live)
		return -ENOENT;
	mf_to(&rs->ent[entry].m, m);
	return 0;
}

int ruleset_entry_decision(const struct ruleset *rs, uint32_t entry,
			   struct ruleset_decision *d)
{
	if (entry >= rs->p.max_entries || !rs->ent[entry].live)
		return -ENOENT;
	*d = rs->ent[entry].d;
	return 0;
}

/* ---- update impact -------------------------------------------------------- */

struct impact {
	ruleset_impact_fn fn;
	void *ctx;
	struct ruleset_update_stats st;
};

/* Decide entry e again (rules before `from` are known to miss it) and
 * report it if its decision changed. */
static void reeval(struct ruleset *rs, uint32_t e, uint32_t from,
		   struct impact *im)
{
	struct entry *x = &rs->ent[e];
	struct ruleset_impact r = { .entry = e, .old = x->d };
	uint32_t n = 0, p = 0;
	int rc = decide(rs, &x->m, from, &r.now, &n, &p);

	im->st.checks += n + p;
	if (rc == 0 && same_dec(&r.now, &x->d))
		return;
	ent_unlink(rs, e);
	if (rc) {
		r.rederive = true;
		memset(&r.now, 0, sizeof r.now);
		ent_free(rs, e);
		im->st.rederive++;
	} else {
		x->d = r.now;
		ent_link(rs, e);
		r.same_action = r.now.verdict == r.old.verdict &&
				r.now.dest == r.old.dest &&
				r.now.stateful == r.old.stateful;
		im->st.same_action += r.same_action;
	}
	im->st.affected++;
	if (im->fn)
		im->fn(im->ctx, &r);
}

/* Entries of one list that rule x (at pos) meets are decided again. */
static void scan_list(struct ruleset *rs, uint32_t head, const struct rr *x,
		      uint32_t pos, struct impact *im)
{
	uint32_t next;

	for (uint32_t e = head; e != NONE; e = next) {
		bool in;

		next = rs->ent[e].next;
		im->st.checks++;
		if (rule_meets(x, &rs->ent[e].m, &in))
			reeval(rs, e, pos, im);
	}
}

/* The rule at pos is new (or new-looking): it can only take entries whose
 * decider comes after it, and only from deciders it overlaps. */
static void steal(struct ruleset *rs, uint32_t pos, struct impact *im)
{
	const struct rr *x = &rs->rules[pos].m;

	for (uint32_t q = pos + 1; q < rs->n_rules; q++) {
		im->st.checks++;
		if (rules_overlap(x, &rs->rules[q].m))
			scan_list(rs, rs->head[rs->rules[q].id], x, pos, im);
	}
	scan_list(rs, rs->default_head, x, pos, im);
}

static void own_entries(struct ruleset *rs, uint32_t id, uint32_t pos,
			struct impact *im)
{
	uint32_t next;

	for (uint32_t e = rs->head[id]; e != NONE; e = next) {
		next = rs->ent[e].next;
		reeval(rs, e, pos, im);
	}
}

static void flags_recount(struct ruleset *rs)
{
	rs->flags_used = 0;
	for (uint32_t i = 0; i < rs->n_rules; i++)
		rs->flags_used |= rs->rules[i].m.tm[T_FLAGS];
}

static void renumber(struct ruleset *rs, uint32_t from)
{
	for (uint32_t i = from; i < rs->n_rules; i++)
		rs->id_pos[rs->rules[i].id] = i;
}

static int finish(struct impact *im, struct ruleset_update_stats *stats)
{
	if (stats)
		*stats = im->st;
	return 0;
}

static int bad_rule(const struct ruleset_rule *r, struct pnic_error *err)
{
	struct pnic_error e;
	int rc = ruleset_rule_validate(r, &e);

	if (rc)
		return pnic_err(err, -rc, "rule refused: %.200s", e.msg);
	return 0;
}

int ruleset_rule_add(struct ruleset *rs, uint32_t pos,
		     const struct ruleset_rule *r, uint32_t *id,
		     ruleset_impact_fn fn, void *ctx,
		     struct ruleset_update_stats *stats, struct pnic_error *err)
{
	struct impact im = { .fn = fn, .ctx = ctx };
	uint32_t cap_ids = rs->cap_ids;
	int rc = bad_rule(r, err);

	if (rc)
		return rc;
	if (grow((void **)&rs->rules, &rs->cap_rules, rs->n_rules + 1,
		 sizeof *rs->rules) ||
	    grow((void **)&rs->id_pos, &cap_ids, rs->next_id + 1,
		 sizeof *rs->id_pos) ||
	    grow((void **)&rs->head, &rs->cap_ids, rs->next_id + 1,
		 sizeof *rs->head))
		return pnic_err(err, ENOMEM, "out of memory adding rule %u",
				rs->n_rules);
	if (pos > rs->n_rules)
		pos = rs->n_rules;
	memmove(&rs->rules[pos + 1], &rs->rules[pos],
		(rs->n_rules - pos) * sizeof *rs->rules);
	rs->rules[pos].id = rs->next_id;
	rs->rules[pos].pub = *r;
	rr_from(r, &rs->rules[pos].m);
	rs->head[rs->next_id] = NONE;
	rs->next_id++;
	rs->n_rules++;
	renumber(rs, pos);
	flags_recount(rs);
	if (id)
		*id = rs->rules[pos].id;
	steal(rs, pos, &im);
	return finish(&im, stats);
}

int ruleset_rule_remove(struct ruleset *rs, uint32_t id, ruleset_impact_fn fn,
			void *ctx, struct ruleset_update_stats *stats,
			struct pnic_error *err)
{
	struct impact im = { .fn = fn, .ctx = ctx };
	uint32_t pos = ruleset_rule_pos(rs, id);

	if (pos == NONE)
		return pnic_err(err, ENOENT, "no rule with id %u", id);
	memmove(&rs->rules[pos], &rs->rules[pos + 1],
		(rs->n_rules - pos - 1) * sizeof *rs->rules);
	rs->n_rules--;
	rs->id_pos[id] = NONE;
	renumber(rs, pos);
	flags_recount(rs);
	own_entries(rs, id, pos, &im);
	return finish(&im, stats);
}

int ruleset_rule_change(struct ruleset *rs, uint32_t id,
			const struct ruleset_rule *r, ruleset_impact_fn fn,
			void *ctx, struct ruleset_update_stats *stats,
			struct pnic_error *err)
{
	struct impact im = { .fn = fn, .ctx = ctx };
	uint32_t pos = ruleset_rule_pos(rs, id);
	int rc = bad_rule(r, err);

	if (rc)
		return rc;
	if (pos == NONE)
		return pnic_err(err, ENOENT, "no rule with id %u", id);
	rs->rules[pos].pub = *r;
	rr_from(r, &rs->rules[pos].m);
	flags_recount(rs);
	own_entries(rs, id, pos, &im);
	steal(rs, pos, &im);
	return finish(&im, stats);
}

/* ---- forwarding updates --------------------------------------------------- */

/* What a forwarding change touches: a MAC, a prefix, or an entry id. */
struct fwd_change {
	bool l2;
	uint64_t mac;
	u128 ip;
	uint8_t len;
	uint32_t removed;     /* id of a removed entry, else NONE */
};

static bool fwd_touches(const struct entry *x,
			const struct fwd_change *c)
{
	if (x->d.fwd == RULESET_FWD_NONE)
		return false;
	if (c->removed != NONE)
		return x->d.fwd_entry == c->removed;
	if (c->l2)
		return !x->m.mac_exact || x->m.mac == c->mac;
	return x->d.fwd != RULESET_FWD_L2 &&
	       ip_overlap(c->ip, c->len, x->m.ip[F_DST], x->m.iplen[F_DST]);
}

static int fwd_rescan(struct ruleset *rs, const struct fwd_change *c,
		      ruleset_impact_fn fn, void *ctx,
		      struct ruleset_update_stats *stats)
{
	struct impact im = { .fn = fn, .ctx = ctx };

	for (uint32_t e = 0; e < rs->ent_hw; e++) {
		const struct entry *x = &rs->ent[e];

		if (!x->live)
			continue;
		im.st.checks++;
		if (fwd_touches(x, c))
			reeval(rs, e, x->d.rule == NONE ? rs->n_rules :
			       rs->id_pos[x->d.rule], &im);
	}
	return finish(&im, stats);
}

int ruleset_l2_add(struct ruleset *rs, uint64_t mac, uint32_t dest,
		   uint32_t *id, ruleset_impact_fn fn, void *ctx,
		   struct ruleset_update_stats *stats, struct pnic_error *err)
{
	struct fwd_change c = { .l2 = true, .mac = mac & MAC_MASK,
				.removed = NONE };
	uint32_t i = 0;

	if (l2_find(rs, c.mac))
		return pnic_err(err, EEXIST, "MAC %012llx has an L2 entry already",
				(unsigned long long)c.mac);
	if (grow((void **)&rs->l2, &rs->cap_l2, rs->n_l2 + 1, sizeof *rs->l2))
		return pnic_err(err, ENOMEM, "out of memory adding an L2 entry");
	while (i < rs->n_l2 && rs->l2[i].mac < c.mac)
		i++;
	memmove(&rs->l2[i + 1], &rs->l2[i], (rs->n_l2 - i) * sizeof *rs->l2);
	rs->l2[i] = (struct l2e){ c.mac, dest, rs->next_fwd_id++ };
	rs->n_l2++;
	if (id)
		*id = rs->l2[i].id;
	return fwd_rescan(rs, &c, fn, ctx, stats);
}

int ruleset_l3_add(struct ruleset *rs, struct ruleset_ip prefix, uint8_t len,
		   uint32_t dest, uint32_t *id, ruleset_impact_fn fn,
		   void *ctx, struct ruleset_update_stats *stats,
		   struct pnic_error *err)
{
	struct fwd_change c = { .ip = ip_get(prefix) & pmask(len > 128 ? 0 : len),
				.len = len, .removed = NONE };
	uint32_t i = 0;

	if (len > 128)
		return pnic_err(err, EINVAL,
				"route prefix length %u is above 128 (IPv4 /n is /(96 + n))",
				len);
	for (uint32_t k = 0; k < rs->n_l3; k++)
		if (rs->l3[k].len == len && rs->l3[k].ip == c.ip)
			return pnic_err(err, EEXIST, "that prefix /%u has a route already",
					len);
	if (grow((void **)&rs->l3, &rs->cap_l3, rs->n_l3 + 1, sizeof *rs->l3))
		return pnic_err(err, ENOMEM, "out of memory adding a route");
	while (i < rs->n_l3 && rs->l3[i].len >= len)
		i++;
	memmove(&rs->l3[i + 1], &rs->l3[i], (rs->n_l3 - i) * sizeof *rs->l3);
	rs->l3[i] = (struct l3e){ c.ip, len, dest, rs->next_fwd_id++ };
	rs->n_l3++;
	if (id)
		*id = rs->l3[i].id;
	return fwd_rescan(rs, &c, fn, ctx, stats);
}

int ruleset_fwd_remove(struct ruleset *rs, uint32_t id, ruleset_impact_fn fn,
		       void *ctx, struct ruleset_update_stats *stats,
		       struct pnic_error *err)
{
	struct fwd_change c = { .removed = id };

	for (uint32_t i = 0; i < rs->n_l2; i++)
		if (rs->l2[i].id == id) {
			memmove(&rs->l2[i], &rs->l2[i + 1],
				(rs->n_l2 - i - 1) * sizeof *rs->l2);
			rs->n_l2--;
			return fwd_rescan(rs, &c, fn, ctx, stats);
		}
	for (uint32_t i = 0; i < rs->n_l3; i++)
		if (rs->l3[i].id == id) {
			memmove(&rs->l3[i], &rs->l3[i + 1],
				(rs->n_l3 - i - 1) * sizeof *rs->l3);
			rs->n_l3--;
			return fwd_rescan(rs, &c, fn, ctx, stats);
		}
	return pnic_err(err, ENOENT, "no forwarding entry with id %u", id);
}
