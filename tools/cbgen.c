/* cbgen: ClassBench-format rule and header-trace generator.
 *
 *   cbgen rules N [--seed S] [--style acl|fw|ipc|flow] [-o FILE]
 *   cbgen trace RULES M [--seed S] [--random PCT] [-o FILE]
 *
 * Rules look like ClassBench's acl, fw and ipc seeds without copying any
 * (the families below): per family a protocol mix, port-class pairs (WC,
 * HI, LO, AR, EM) and prefix-length pairs skewed as in its seed, with
 * addresses drawn from a small pool of networks so that rules nest and
 * overlap (priority matters).  "flow" style gives mostly exact 5-tuples,
 * the shape of per-connection flow entries.
 *
 * A trace header is drawn from a chosen rule (every field inside the rule's
 * prefixes and ranges, often at a range's edge) and written as ClassBench's
 * trace_generator writes one: the five header fields, the rule's flags
 * field as one 32-bit word (value << 16 | mask, or 0 or 4294967295 for a
 * wildcard) and the rule's 0-based index as filter id.  PCT percent of
 * headers (default 10) are uniformly random and carry filter id -1.
 * Output is a function of the arguments and the seed only.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/classbench.h"
#include "io/cli.h"
#include "io/num.h"
#include "io/outfile.h"
#include "tools/splitmix.h"

static uint64_t rng_s[4];

/* A second stream, for the flags column only, so that adding that column
 * left every other byte of a trace as it was for the same seed. */
static uint64_t corner_s;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**, seeded by splitmix64: fast and the same on every libc. */
static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed);
}

static uint64_t rng_next(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* Uniform in [0, n). */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Index drawn from percentage weights that sum to 100. */
static unsigned pick(const unsigned *pct, unsigned n)
{
	unsigned r = rnd(100), acc = 0;

	for (unsigned i = 0; i < n; i++) {
		acc += pct[i];
		if (r < acc)
			return i;
	}
	return n - 1;
}

static uint32_t mask_of(unsigned len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* Networks the rules are drawn from: few enough that prefixes nest. */
#define N_NETS 48
static uint32_t nets[N_NETS];

static uint32_t pick_addr(void)
{
	/* a /16 from the pool, then a /24 inside it among a few, then a host */
	uint32_t a = nets[rnd(N_NETS)];

	return a | (rnd(8) * 37 % 256) << 8 | rnd(256);
}

static const uint16_t well_known[] = {
	80, 443, 22, 53, 25, 110, 143, 3306, 8080, 123, 161, 389, 1521, 5060,
	21, 23, 135, 139, 445, 993, 995, 1433, 3389, 8443,
};

enum port_shape { P_ANY, P_EXACT, P_SMALL, P_HIGH, P_LOW, P_ARB };

static void gen_ports(enum port_shape s, uint16_t *lo, uint16_t *hi)
{
	uint32_t a, b;

	switch (s) {
	case P_ANY:
		*lo = 0;
		*hi = 65535;
		return;
	case P_EXACT:
		a = rnd(4) ? well_known[rnd(sizeof well_known / sizeof well_known[0])]
			   : rnd(65536);
		*lo = *hi = (uint16_t)a;
		return;
	case P_SMALL:
		a = rnd(3) ? 1024 + rnd(64512) : rnd(65536);
		b = a + 1 + rnd(rnd(2) ? 16 : 256);
		*lo = (uint16_t)a;
		*hi = (uint16_t)(b > 65535 ? 65535 : b);
		return;
	case P_HIGH:
		*lo = 1024;
		*hi = 65535;
		return;
	case P_LOW:
		*lo = 0;
		*hi = 1023;
		return;
	case P_ARB:
	default:
		a = rnd(65536);
		b = rnd(65536);
		*lo = (uint16_t)(a < b ? a : b);
		*hi = (uint16_t)(a < b ? b : a);
		return;
	}
}

/* ---- ClassBench-like families ------------------------------------------
 *
 * After ClassBench (Taylor & Turner, ToN 2007): a rule is drawn as a
 * protocol, then for TCP and UDP a pair of port classes (WC wildcard, HI
 * 1024 : 65535, LO 0 : 1023, AR an arbitrary range, EM an exact port), then
 * a pair of prefix lengths whose distribution depends on the family (acl
 * seeds are mostly specific destinations, fw seeds wildcard an address
 * half the time, ipc seeds mix).  The weights are chosen so that the
 * compiled sets (TCAM entries after port-range expansion, distinct masks)
 * fall in the ranges of the published seeds' 1K and 10K sets
 * (tests/tools/test_cbgen.c pins them; docs/rules.md has the table). */
enum port_class { PC_WC, PC_HI, PC_LO, PC_AR, PC_EM };

struct port_pair {
	uint8_t src, dst;       /* enum port_class */
	uint8_t w;
};

struct len_weight {
	uint8_t len, w;
};

#define FAM_PAIRS 12
#define FAM_LENS 10

struct family {
	const char *name;
	unsigned proto_w[4];    /* TCP, UDP, any protocol, another exact */
	struct port_pair ports[FAM_PAIRS];
	/* Prefix lengths: a weighted list, and `spread` percent drawn
	 * uniformly from 0..32.  They are drawn once per family to make the
	 * family's support of (source, destination) length pairs, as a
	 * ClassBench seed has its own (a few hundred pairs); rules then pick
	 * a pair by Zipf(pair_zipf / 100) over that support, in the order
	 * drawn.  The support is what bounds the distinct masks as the set
	 * grows: fw1 has 849 at 1K rules and only 1307 at 10K. */
	struct len_weight src[FAM_LENS], dst[FAM_LENS];
	unsigned src_spread, dst_spread;
	unsigned n_pairs, pair_zipf;
	/* Arbitrary ranges come from a pool of n_ar per family (a seed's
	 * list of ranges seen), ar_small percent of them narrow. */
	unsigned n_ar, ar_small;
};

/* Weights are percents (each list sums to 100, or less when `spread`
 * makes up the rest). */
static const struct family families[] = {
	{ "acl", { 60, 22, 14, 4 },
	  { { PC_WC, PC_EM, 60 }, { PC_WC, PC_WC, 22 }, { PC_WC, PC_AR, 4 },
	    { PC_WC, PC_HI, 2 }, { PC_HI, PC_EM, 1 }, { PC_EM, PC_WC, 4 },
	    { PC_WC, PC_LO, 2 }, { PC_EM, PC_EM, 3 }, { PC_AR, PC_WC, 2 } },
	  { { 32, 30 }, { 24, 16 }, { 0, 14 }, { 16, 8 }, { 28, 5 },
	    { 8, 3 }, { 30, 3 }, { 29, 3 }, { 27, 2 }, { 26, 2 } },
	  { { 32, 42 }, { 24, 20 }, { 28, 6 }, { 16, 6 }, { 0, 4 },
	    { 30, 4 }, { 29, 4 }, { 27, 2 }, { 26, 2 }, { 25, 2 } },
	  14, 8, 300, 140, 20, 80 },
	{ "fw", { 45, 20, 30, 5 },
	  { { PC_WC, PC_WC, 26 }, { PC_WC, PC_EM, 26 }, { PC_HI, PC_EM, 9 },
	    { PC_WC, PC_HI, 9 }, { PC_HI, PC_WC, 6 }, { PC_WC, PC_AR, 10 },
	    { PC_AR, PC_WC, 5 }, { PC_EM, PC_WC, 4 }, { PC_AR, PC_EM, 2 },
	    { PC_EM, PC_HI, 3 } },
	  { { 0, 34 }, { 32, 16 }, { 24, 8 }, { 16, 6 }, { 8, 3 },
	    { 28, 3 }, { 29, 2 }, { 30, 2 } },
	  { { 0, 24 }, { 32, 22 }, { 24, 10 }, { 16, 6 }, { 8, 3 },
	    { 28, 3 }, { 29, 2 }, { 30, 2 } },
	  26, 28, 250, 60, 12, 50 },
	{ "ipc", { 40, 25, 25, 10 },
	  { { PC_WC, PC_WC, 38 }, { PC_WC, PC_EM, 28 }, { PC_EM, PC_WC, 12 },
	    { PC_EM, PC_EM, 10 }, { PC_WC, PC_HI, 2 }, { PC_HI, PC_WC, 1 },
	    { PC_WC, PC_AR, 3 }, { PC_AR, PC_WC, 1 }, { PC_WC, PC_LO, 5 } },
	  { { 32, 36 }, { 24, 14 }, { 0, 12 }, { 16, 8 }, { 28, 4 },
	    { 8, 4 }, { 30, 3 }, { 29, 3 }, { 31, 2 } },
	  { { 32, 38 }, { 24, 14 }, { 0, 10 }, { 16, 8 }, { 28, 4 },
	    { 8, 4 }, { 30, 3 }, { 29, 3 }, { 31, 2 } },
	  14, 14, 400, 100, 10, 80 },
};


#define N_FAMILIES (sizeof families / sizeof families[0])

static const struct family *family_named(const char *name)
{
	for (unsigned i = 0; i < N_FAMILIES; i++)
		if (!strcmp(families[i].name, name))
			return &families[i];
	return NULL;
}

static uint8_t pick_len(const struct len_weight *lw, unsigned spread)
{
	unsigned r = rnd(100), acc = spread;

	if (r < spread)
		return (uint8_t)rnd(33);
	for (unsigned i = 0; i < FAM_LENS && lw[i].w; i++) {
		acc += lw[i].w;
		if (r < acc)
			return lw[i].len;
	}
	return lw[0].len;
}

/* A family's supports, drawn from a stream of their own (fixed per
 * family, whatever --seed says: a seed file's lists do not change with
 * the random draws made from them). */
#define MAX_SUPPORT 512

static struct {
	uint8_t src_len[MAX_SUPPORT], dst_len[MAX_SUPPORT], ports[MAX_SUPPORT];
	double pair_cum[MAX_SUPPORT];
	uint16_t ar_lo[MAX_SUPPORT], ar_hi[MAX_SUPPORT];
	unsigned n_pairs, n_ar;
} sup;

/* Cumulative Zipf(s) weights of ranks 1..n. */
static void zipf_cum(double *cum, unsigned n, double s)
{
	double acc = 0;

	for (unsigned i = 0; i < n; i++) {
		acc += pow(i + 1, -s);
		cum[i] = acc;
	}
}

/* An index by the cumulative weights cum[0..n). */
static unsigned pick_cum(const double *cum, unsigned n)
{
	double x = (double)(rng_next() >> 11) * 0x1p-53 * cum[n - 1];
	unsigned lo = 0, hi = n - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool pair_known(unsigned n, uint8_t s, uint8_t d, uint8_t p)
{
	for (unsigned i = 0; i < n; i++)
		if (sup.src_len[i] == s && sup.dst_len[i] == d &&
		    sup.ports[i] == p)
			return true;
	return false;
}

/* A port-class pair of the family, by its weights. */
static uint8_t pick_ports(const struct family *f)
{
	unsigned k = 0, x = rnd(100), acc = 0;

	for (; k < FAM_PAIRS && f->ports[k].w; k++) {
		acc += f->ports[k].w;
		if (x < acc)
			return (uint8_t)k;
	}
	return 0;
}

/* Draws from the main stream, which the caller seeds and restores. */
static void family_support(const struct family *f)
{
	unsigned n = 0;

	for (unsigned tries = 0; n < f->n_pairs && tries < 100000; tries++) {
		uint8_t sl = pick_len(f->src, f->src_spread);
		uint8_t dl = pick_len(f->dst, f->dst_spread);
		uint8_t pp = pick_ports(f);

		if (pair_known(n, sl, dl, pp))
			continue;
		sup.src_len[n] = sl;
		sup.dst_len[n] = dl;
		sup.ports[n] = pp;
		n++;
	}
	sup.n_pairs = n;
	zipf_cum(sup.pair_cum, n, f->pair_zipf / 100.0);
	for (unsigned i = 0; i < f->n_ar; i++)
		gen_ports(rnd(100) < f->ar_small ? P_SMALL : P_ARB,
			  &sup.ar_lo[i], &sup.ar_hi[i]);
	sup.n_ar = f->n_ar;
}

static void class_ports(uint8_t c, uint16_t *lo, uint16_t *hi)
{
	unsigned k;

	switch (c) {
	case PC_WC: gen_ports(P_ANY, lo, hi); return;
	case PC_HI: gen_ports(P_HIGH, lo, hi); return;
	case PC_LO: gen_ports(P_LOW, lo, hi); return;
	case PC_EM: gen_ports(P_EXACT, lo, hi); return;
	default:
		k = rnd(sup.n_ar);
		*lo = sup.ar_lo[k];
		*hi = sup.ar_hi[k];
		return;
	}
}

static void gen_rule_family(const struct family *f, struct acl_rule *r,
			    uint16_t *flags, uint16_t *fmask)
{
	static const uint8_t other_proto[] = { 1, 47, 50, 51, 89 };
	unsigned k = pick_cum(sup.pair_cum, sup.n_pairs);

	memset(r, 0, sizeof *r);
	r->src_len = sup.src_len[k];
	r->dst_len = sup.dst_len[k];
	r->src_ip = pick_addr() & mask_of(r->src_len);
	r->dst_ip = pick_addr() & mask_of(r->dst_len);
	switch (pick(f->proto_w, 4)) {
	case 0: r->proto = 6; r->proto_mask = 0xff; break;
	case 1: r->proto = 17; r->proto_mask = 0xff; break;
	case 2: r->proto = 0; r->proto_mask = 0; break;
	default:
		r->proto = other_proto[rnd(sizeof other_proto)];
		r->proto_mask = 0xff;
		break;
	}
	r->sport_hi = r->dport_hi = 65535;
	if (r->proto == 6 || r->proto == 17) {
		class_ports(f->ports[sup.ports[k]].src, &r->sport_lo, &r->sport_hi);
		class_ports(f->ports[sup.ports[k]].dst, &r->dport_lo, &r->dport_hi);
	}
	/* a few rules carry a ClassBench flags match (ignored by pnicsim) */
	*flags = *fmask = 0;
	if (r->proto == 6 && rnd(50) == 0)
		*flags = *fmask = 0x0200;
}

static void gen_rule_flow(struct acl_rule *r)
{
	memset(r, 0, sizeof *r);
	r->src_len = rnd(10) < 8 ? 32 : 24;
	r->dst_len = rnd(10) < 9 ? 32 : 24;
	r->src_ip = pick_addr() & mask_of(r->src_len);
	r->dst_ip = pick_addr() & mask_of(r->dst_len);
	r->proto = rnd(10) < 7 ? 6 : 17;
	r->proto_mask = 0xff;
	gen_ports(rnd(10) < 8 ? P_EXACT : P_ANY, &r->sport_lo, &r->sport_hi);
	if (r->sport_lo == r->sport_hi && rnd(2)) {
		/* an ephemeral client port */
		r->sport_lo = r->sport_hi = (uint16_t)(32768 + rnd(28232));
	}
	gen_ports(rnd(20) ? P_EXACT : P_SMALL, &r->dport_lo, &r->dport_hi);
}

/* Broad rules (both prefixes short) go after the specific ones, as a real
 * ACL ends with its catch-alls; otherwise one early wildcard rule would
 * answer for most of a trace. */
static bool broad(const struct acl_rule *r)
{
	return r->src_len + r->dst_len < 16;
}

/* Every draw starts here: the seed, then the network pool. */
static void rng_start(uint64_t seed)
{
	rng_seed(seed);
	corner_s = seed ^ 0x666c616773636f6cull;
	for (int i = 0; i < N_NETS; i++)
		nets[i] = (uint32_t)(rng_next() & 0xffff0000u);
}

/* The rules are one stream of draws from the seed, so the set is drawn
 * twice instead of being held: the first pass writes the specific rules,
 * the second the broad ones, in the order drawn.  Memory stays the same
 * whatever N is; the price is drawing every rule twice. */
static void write_rules(FILE *out, uint64_t seed, uint32_t n,
			const struct family *fam)
{
	for (int pass = 0; pass < 2; pass++) {
		if (fam) {
			rng_seed(0x636c617373626eull ^ (uint64_t)(fam - families));
			family_support(fam);
		}
		rng_start(seed);
		for (uint32_t i = 0; i < n; i++) {
			struct acl_rule r;
			uint16_t fl = 0, fm = 0;

			if (fam)
				gen_rule_family(fam, &r, &fl, &fm);
			else
				gen_rule_flow(&r);
			if (broad(&r) == (pass == 1))
				classbench_write_rule(out, &r, fl, fm);
		}
	}
}

static uint16_t port_in(uint16_t lo, uint16_t hi)
{
	switch (rnd(4)) {
	case 0: return lo;
	case 1: return hi;
	default: return (uint16_t)(lo + rnd((uint32_t)hi - lo + 1));
	}
}

/* The flags column as ClassBench's trace_generator writes it: the rule's
 * flags field as the word value << 16 | mask, which it treats as a range
 * and takes a corner of, so the word itself when the mask is non-zero and
 * 0 or 4294967295 when the flags are a wildcard. */
static uint32_t flags_corner(uint32_t word)
{
	if (word & 0xffff)
		return word;
	return splitmix64(&corner_s) >> 63 ? 0xffffffffu : 0;
}

static void gen_header(const struct classbench_rules *rs, struct classbench_header *h,
		       unsigned random_pct)
{
	static const uint8_t protos[] = { 6, 17, 1, 47 };

	memset(h, 0, sizeof *h);
	if (rnd(100) < random_pct) {
		h->h.src_ip = (uint32_t)rng_next();
		h->h.dst_ip = (uint32_t)rng_next();
		if (rnd(2)) {
			/* inside the /16s the rules use, so some still match */
			h->h.src_ip = (rs->rules[rnd(rs->n)].src_ip & 0xffff0000u) |
				      rnd(65536);
			h->h.dst_ip = (rs->rules[rnd(rs->n)].dst_ip & 0xffff0000u) |
				      rnd(65536);
		}
		h->h.sport = (uint16_t)rnd(65536);
		h->h.dport = rnd(2) ? well_known[rnd(sizeof well_known / 2)]
				    : (uint16_t)rnd(65536);
		h->h.proto = rnd(8) ? protos[rnd(4)] : (uint8_t)rnd(256);
		h->flags = flags_corner(0);
		h->filter_id = -1;
		return;
	}

	uint32_t i = rnd(rs->n);
	const struct acl_rule *r = &rs->rules[i];
	uint32_t sm = mask_of(r->src_len), dm = mask_of(r->dst_len);

	h->h.src_ip = (r->src_ip & sm) | ((uint32_t)rng_next() & ~sm);
	h->h.dst_ip = (r->dst_ip & dm) | ((uint32_t)rng_next() & ~dm);
	h->h.sport = port_in(r->sport_lo, r->sport_hi);
	h->h.dport = port_in(r->dport_lo, r->dport_hi);
	h->h.proto = (uint8_t)((r->proto & r->proto_mask) |
			       ((rnd(2) ? protos[rnd(4)] : rnd(256)) &
				~r->proto_mask));
	h->flags = flags_corner(rs->flags[i]);
	h->filter_id = i;
}

#define PROG "cbgen"
#define MAX_COUNT 100000000u

static void usage(void)
{
	printf("usage: cbgen rules N [--seed S] [--style acl|fw|ipc|flow] [-o FILE]\n"
	       "       cbgen trace RULES M [--seed S] [--random PCT] [-o FILE]\n"
	       "\n"
	       "Writes ClassBench-format rules or header traces (see docs/rules.md).\n"
	       "  rules N        N filters (1..%u), first line = highest priority.\n"
	       "                 --style acl (default), fw or ipc: shaped like the\n"
	       "                 ClassBench seeds of that name (specific\n"
	       "                 destinations and exact ports; many wildcards and\n"
	       "                 port ranges; a mix); flow: mostly exact 5-tuples.\n"
	       "  trace RULES M  M headers (1..%u) 'src dst sport dport proto flags\n"
	       "                 filter_id', as ClassBench's trace_generator writes\n"
	       "                 them: each drawn inside a random rule of RULES;\n"
	       "                 flags = that rule's flags field as value << 16 | mask\n"
	       "                 (0 or 4294967295 for a wildcard), filter_id = its\n"
	       "                 0-based index; PCT%% (0..100, default 10) are random\n"
	       "                 headers with filter_id -1.\n"
	       "  --seed S       generator seed (0..2^64-1, default 1); same seed,\n"
	       "                 same output.\n"
	       "  -o FILE        write to FILE instead of stdout.\n"
	       "Numbers are decimal or 0x hex.  Exit status: 0 ok, 1 a file could\n"
	       "not be read or written, 2 bad usage.\n",
	       MAX_COUNT, MAX_COUNT);
}

struct opts {
	bool rules_mode;
	const struct family *family;    /* NULL: --style flow */
	const char *style, *random, *out_path, *pos[2];
	unsigned npos;
	uint64_t seed, count, random_pct;
};

/* 0, or 2 with the fault and where help is on stderr. */
static int number_arg(const char *what, const char *s, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	return num_option(PROG, what, s, min, max, 0, out) ? 0 : cli_try_help(PROG);
}

/* One option at argv[*i] (its value, if any, at argv[*i + 1]). */
static int parse_option(int argc, char **argv, int *i, struct opts *o)
{
	const char *a = argv[*i];

	if (strcmp(a, "--seed") && strcmp(a, "--style") && strcmp(a, "-o") &&
	    strcmp(a, "--random"))
		return cli_usage_error(PROG, "unknown option '%s'", a);
	if (*i + 1 >= argc)
		return cli_usage_error(PROG, "%s needs a value", a);
	(*i)++;
	if (!strcmp(a, "--seed"))
		return number_arg("--seed", argv[*i], 0, UINT64_MAX, &o->seed);
	if (!strcmp(a, "--style"))
		o->style = argv[*i];
	else if (!strcmp(a, "--random"))
		o->random = argv[*i];
	else
		o->out_path = argv[*i];
	return 0;
}

/* What only one mode takes, and the positional arguments. */
static int check_mode(struct opts *o)
{
	if (o->rules_mode && o->random)
		return cli_usage_error(PROG, "--random is for 'cbgen trace'");
	if (!o->rules_mode && o->style)
		return cli_usage_error(PROG, "--style is for 'cbgen rules'");
	o->family = family_named(o->style ? o->style : "acl");
	if (!o->family && strcmp(o->style, "flow"))
		return cli_usage_error(PROG, "unknown --style '%s' (acl, fw, ipc or flow)",
				       o->style);
	if (o->npos != (o->rules_mode ? 1u : 2u))
		return cli_usage_error(PROG, "%s expects %s", o->rules_mode ?
				       "rules" : "trace", o->rules_mode ?
				       "N (number of rules)" :
				       "RULES (a ClassBench file) and M (number of headers)");
	if (o->random && number_arg("--random", o->random, 0, 100,
				    &o->random_pct))
		return 2;
	return number_arg(o->rules_mode ? "N" : "M", o->pos[o->npos - 1], 1,
			  MAX_COUNT, &o->count);
}

/* 0: run, 1: help printed, 2: usage error printed. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int rc;

	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->random_pct = 10;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 1;
		}
	if (argc < 2)
		return cli_usage_error(PROG, "expected 'rules N' or 'trace RULES M'");
	if (strcmp(argv[1], "rules") && strcmp(argv[1], "trace"))
		return cli_usage_error(PROG, "unknown mode '%s' (rules or trace)",
				       argv[1]);
	o->rules_mode = !strcmp(argv[1], "rules");
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		/* "-5" is a count to refuse as a number, not an option */
		if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
			rc = parse_option(argc, argv, &i, o);
			if (rc)
				return rc;
		} else if (o->npos < (o->rules_mode ? 1u : 2u)) {
			o->pos[o->npos++] = a;
		} else {
			return cli_usage_error(PROG, "unexpected argument '%s'", a);
		}
	}
	return check_mode(o);
}

/* -o FILE is written under a temporary name and renamed when complete
 * (outfile.h): an interrupted 100M-rule run leaves no half set behind. */
static FILE *open_out(const struct opts *o, struct outfile **of)
{
	struct pnic_error err;

	*of = NULL;
	if (!o->out_path)
		return stdout;
	if (outfile_open(o->out_path, of, &err)) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		return NULL;
	}
	return outfile_stream(*of);
}

/* Flushes and closes the output; 0, or 1 after saying what failed. */
static int close_out(FILE *f, struct outfile *of)
{
	struct pnic_error err;

	if (of) {
		if (!outfile_commit(of, &err))
			return 0;
		fprintf(stderr, PROG ": %s\n", err.msg);
		return 1;
	}
	if (!fflush(f) && !ferror(f))
		return 0;
	fprintf(stderr, PROG ": write error on stdout\n");
	return 1;
}

static int run_rules(const struct opts *o)
{
	struct outfile *of;
	FILE *out = open_out(o, &of);

	if (!out)
		return 1;
	write_rules(out, o->seed, (uint32_t)o->count, o->family);
	return close_out(out, of);
}

static int run_trace(const struct opts *o)
{
	struct classbench_rules rs;
	struct pnic_error err;
	struct outfile *of;
	char buf[512];
	FILE *out;
	int rc = 1;

	if (classbench_rules_load(o->pos[0], &rs, &err)) {
		fprintf(stderr, PROG ": %s\n", pnic_error_str(&err, buf, sizeof buf));
		return 1;
	}
	out = open_out(o, &of);
	if (out) {
		rng_start(o->seed);
		for (uint64_t i = 0; i < o->count; i++) {
			struct classbench_header h;

			gen_header(&rs, &h, (unsigned)o->random_pct);
			classbench_write_header(out, &h);
		}
		rc = close_out(out, of);
	}
	classbench_rules_free(&rs);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;

	switch (parse_args(argc, argv, &o)) {
	case 0: break;
	case 1: return 0;
	default: return 2;
	}
	return o.rules_mode ? run_rules(&o) : run_trace(&o);
}
