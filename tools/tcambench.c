/* tcambench: lookups per second of the TCAM model, fast and linear.
 *
 * Builds flow-like tables (what a flow cache offloaded to a NIC holds): a
 * few high-priority wildcard rules, then one exact entry per flow (in_port,
 * ethertype and the 5-tuple), then a few low-priority wildcard rules down to
 * a catch-all.  Lookup keys are mostly packets of installed flows (with
 * random TCP flags, which the entries ignore) and some packets of unknown
 * flows.  One thread, so one core.
 *
 *   tcambench [--profile NAME] [--sizes 1k,16k,64k] [--time SEC]
 *             [--miss-pct P] [--zipf S] [--tag NAME] [--seed N] [--no-linear]
 *
 * Flows are drawn uniformly (the worst case for caches) unless --zipf gives
 * a popularity exponent.  Prints a human-readable line per size and, for
 * bench/run.sh (<tag> only when --tag is given),
 *   BENCH tcam_flow_<size>[_<tag>]_mlps <M lookups/s, tcam_lookup>
 *   BENCH tcam_flow_<size>[_<tag>]_burst_mlps <M lookups/s, tcam_lookup_burst>
 *   BENCH tcam_flow_<size>[_<tag>]_speedup <tcam_lookup / linear>
 *   BENCH tcam_flow_<size>[_<tag>]_linear_klps <K lookups/s>
 * Before timing, both lookups are compared on a sample of the keys; any
 * difference stops the program with exit status 1.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/key_profile.h"
#include "model/proto.h"
#include "model/tcam.h"
#include "io/cli.h"
#include "io/num.h"
#include "tools/splitmix.h"

#define N_KEYS (1u << 17)
#define CHECK_KEYS 2000u
#define MAX_SIZES 8
#define PROG "tcambench"

struct opts {
	const struct key_profile *prof;
	uint32_t sizes[MAX_SIZES];
	char size_names[MAX_SIZES][16];
	unsigned n_sizes;
	double seconds;
	unsigned miss_pct;
	double zipf;        /* 0: flows drawn uniformly; else Zipf exponent */
	const char *tag;    /* inserted in figure names, e.g. "zipf" */
	uint64_t seed;
	int linear;
};

static uint64_t rng;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A flow's fields; IPs are IPv4 (mapped into 128-bit fields as needed). */
struct flow {
	uint16_t in_port;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
};

static void random_flow(struct flow *f)
{
	uint64_t r = rnd(), s = rnd();

	f->in_port = (uint16_t)(r & 7);
	f->proto = (r >> 3) & 1 ? 6 : 17;
	f->src = 0x0a000000u | (uint32_t)(s & 0xffffff);     /* 10/8 */
	f->dst = 0xac100000u | (uint32_t)(s >> 24 & 0xfffff); /* 172.16/12 */
	f->sport = (uint16_t)(1024 + (r >> 8) % 64000);
	f->dport = (uint16_t)(r >> 32);
}

static void flow_fields(const struct flow *f, struct key_profile_fields *kf)
{
	memset(kf, 0, sizeof *kf);
	key_profile_set(kf, KP_IN_PORT, f->in_port);
	key_profile_set(kf, KP_ETHERTYPE, PROTO_ETH_P_IPV4);
	key_profile_set(kf, KP_IP_PROTO, f->proto);
	key_profile_set_ipv4(kf, KP_SRC_IP, f->src);
	key_profile_set_ipv4(kf, KP_DST_IP, f->dst);
	key_profile_set(kf, KP_L4_SRC, f->sport);
	key_profile_set(kf, KP_L4_DST, f->dport);
}

/* All ones over a field (as wide as the profile has it). */
static void mask_all(struct key_profile_fields *m, enum key_profile_field_id id)
{
	m->lo[id] = ~0ull;
	m->hi[id] = ~0ull;
}

static int put(struct tcam *t, const struct key_profile *p, uint32_t idx,
	       const struct key_profile_fields *v, const struct key_profile_fields *m)
{
	struct pnic_key kv, km;
	struct pnic_error err;
	int rc;

	/* A rule on a field the profile lacks would match too much: leave
	 * its entry empty. */
	for (unsigned f = 0; f < KP_FIELD_COUNT; f++)
		if ((m->lo[f] | m->hi[f]) && !key_profile_find(p, (enum key_profile_field_id)f))
			return 0;
	key_profile_pack(p, v, &kv);
	key_profile_pack(p, m, &km);
	rc = tcam_write(t, idx, &kv, &km, &err);
	if (rc)
		fprintf(stderr, "tcambench: %s\n", err.msg);
	return rc;
}

static const enum key_profile_field_id flow_ids[] = {
	KP_IN_PORT, KP_ETHERTYPE, KP_IP_PROTO, KP_SRC_IP, KP_DST_IP,
	KP_L4_SRC, KP_L4_DST,
};

#define N_TOP 4
#define N_BOTTOM 4

/* Fill a table of `depth` entries; returns the flows installed (caller
 * frees) through *flows_out. */
static int build_table(const struct opts *o, uint32_t depth, struct tcam **out,
		       struct flow **flows_out, uint32_t *n_flows_out)
{
	const struct key_profile *p = o->prof;
	struct tcam_params tp = { .depth = depth, .key_bits = p->key_bits };
	uint32_t n_flows = depth - N_TOP - N_BOTTOM;
	struct key_profile_fields v, m;
	struct pnic_error err;
	struct flow *flows;
	struct tcam *t;
	uint32_t idx = 0;
	int rc;

	rc = tcam_create(&tp, &t, &err);
	if (rc) {
		fprintf(stderr, "tcambench: %s\n", err.msg);
		return rc;
	}
	flows = calloc(n_flows, sizeof *flows);
	if (!flows) {
		tcam_destroy(t);
		return -ENOMEM;
	}

	/* High priority: ACL-like wildcards that ordinary traffic misses. */
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set_ipv4(&v, KP_DST_IP, 0xc0a80001);                /* one host */
	key_profile_set_ipv4_prefix_mask(&m, KP_DST_IP, 32, 1);
	key_profile_set(&v, KP_IP_PROTO, 6);
	mask_all(&m, KP_IP_PROTO);
	key_profile_set(&v, KP_L4_DST, 22);
	mask_all(&m, KP_L4_DST);
	rc |= put(t, p, idx++, &v, &m);
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set_ipv4(&v, KP_SRC_IP, 0xc6336400);                /* a /24 */
	key_profile_set_ipv4_prefix_mask(&m, KP_SRC_IP, 24, 1);
	rc |= put(t, p, idx++, &v, &m);
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set(&v, KP_ETHERTYPE, 0x0806);                      /* ARP */
	mask_all(&m, KP_ETHERTYPE);
	rc |= put(t, p, idx++, &v, &m);
	key_profile_set(&v, KP_ETHERTYPE, 0x88cc);                      /* LLDP */
	rc |= put(t, p, idx++, &v, &m);

	/* The flows: exact in_port, ethertype, 5-tuple (those of them the
	 * profile has). */
	memset(&m, 0, sizeof m);
	for (unsigned i = 0; i < sizeof flow_ids / sizeof flow_ids[0]; i++)
		if (key_profile_find(p, flow_ids[i]))
			mask_all(&m, flow_ids[i]);
	for (uint32_t i = 0; i < n_flows && !rc; i++) {
		random_flow(&flows[i]);
		flow_fields(&flows[i], &v);
		rc = put(t, p, idx++, &v, &m);
	}

	/* Low priority: a route, per-port defaults, a catch-all. */
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set_ipv4(&v, KP_DST_IP, 0xac100000);
	key_profile_set_ipv4_prefix_mask(&m, KP_DST_IP, 16, 1);
	rc |= put(t, p, idx++, &v, &m);
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	mask_all(&m, KP_IN_PORT);
	key_profile_set(&v, KP_IN_PORT, 0);
	rc |= put(t, p, idx++, &v, &m);
	key_profile_set(&v, KP_IN_PORT, 1);
	rc |= put(t, p, idx++, &v, &m);
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	rc |= put(t, p, idx++, &v, &m);

	if (rc) {
		free(flows);
		tcam_destroy(t);
		return rc < 0 ? rc : -EINVAL;
	}
	*out = t;
	*flows_out = flows;
	*n_flows_out = n_flows;
	return 0;
}

/* Flow popularity: uniform, or Zipf (rank r drawn with weight 1/r^s, as
 * measured on real links) with ranks shuffled over the table. */
static uint32_t *popularity_cdf(const struct opts *o, uint32_t n_flows)
{
	double *w = malloc(n_flows * sizeof *w), sum = 0, acc = 0;
	uint32_t *cdf = malloc(n_flows * sizeof *cdf);

	if (!w || !cdf) {
		free(w);
		free(cdf);
		return NULL;
	}
	for (uint32_t r = 0; r < n_flows; r++)
		sum += w[r] = 1.0 / pow(r + 1.0, o->zipf);
	for (uint32_t r = 0; r < n_flows; r++) {
		acc += w[r];
		cdf[r] = (uint32_t)(acc / sum * 4294967295.0);
	}
	cdf[n_flows - 1] = UINT32_MAX;
	free(w);
	return cdf;
}

static uint32_t draw_flow(const uint32_t *cdf, const uint32_t *perm,
			  uint32_t n_flows)
{
	uint32_t u = (uint32_t)rnd(), lo = 0, hi = n_flows - 1;

	if (!cdf)
		return (uint32_t)(rnd() % n_flows);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return perm[lo];
}

static struct pnic_key *make_keys(const struct opts *o, const struct flow *flows,
				  uint32_t n_flows)
{
	struct pnic_key *keys = malloc(N_KEYS * sizeof *keys);
	static const uint8_t flags[] = { 0x02, 0x10, 0x18, 0x11, 0x04 };
	uint32_t *cdf = NULL, *perm = NULL;

	if (!keys)
		return NULL;
	if (o->zipf > 0) {
		cdf = popularity_cdf(o, n_flows);
		perm = malloc(n_flows * sizeof *perm);
		if (!cdf || !perm) {
			free(cdf);
			free(perm);
			free(keys);
			return NULL;
		}
		for (uint32_t i = 0; i < n_flows; i++)
			perm[i] = i;
		for (uint32_t i = n_flows - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(rnd() % (i + 1)), x = perm[i];

			perm[i] = perm[j];
			perm[j] = x;
		}
	}
	for (uint32_t i = 0; i < N_KEYS; i++) {
		struct key_profile_fields f;
		struct flow unknown;

		if (rnd() % 100 < o->miss_pct) {
			random_flow(&unknown);
			flow_fields(&unknown, &f);
		} else {
			flow_fields(&flows[draw_flow(cdf, perm, n_flows)], &f);
		}
		key_profile_set(&f, KP_TCP_FLAGS, flags[rnd() % sizeof flags]);
		key_profile_pack(o->prof, &f, &keys[i]);
	}
	free(cdf);
	free(perm);
	return keys;
}

typedef int32_t (*lookup_fn)(const struct tcam *, const struct pnic_key *);

/* Lookups per second over the key array, for about `seconds`: one key at
 * a time through fn, or (fn NULL) through tcam_lookup_burst() in bursts
 * of 32 keys. */
static double measure(lookup_fn fn, const struct tcam *t,
		      const struct pnic_key *keys, double seconds,
		      uint64_t *sink)
{
	uint64_t n = 0, acc = 0;
	uint32_t batch = 1024, i = 0;
	int32_t out[32];
	double t0 = now(), el;

	do {
		for (uint32_t b = 0; b < batch; b += 32) {
			if (fn) {
				for (uint32_t j = 0; j < 32; j++)
					acc += (uint32_t)fn(t, &keys[i + j]);
			} else {
				tcam_lookup_burst(t, &keys[i], 32, out);
				acc += (uint32_t)out[0] + (uint32_t)out[31];
			}
			i = (i + 32) & (N_KEYS - 1);
		}
		n += batch;
		el = now() - t0;
		/* Keep the clock reads rare for fast lookups. */
		if (el < seconds / 64 && batch < (1u << 20))
			batch *= 2;
	} while (el < seconds);
	*sink += acc;
	return (double)n / el;
}

static int bench_size(const struct opts *o, unsigned si, uint64_t *sink)
{
	uint32_t depth = o->sizes[si], n_flows, hits = 0;
	const char *name = o->size_names[si];
	struct pnic_key *keys;
	struct flow *flows;
	struct tcam *t;
	double fast, burst, slow = 0;
	char fig[48];
	int rc;

	rc = build_table(o, depth, &t, &flows, &n_flows);
	if (rc)
		return rc;
	keys = make_keys(o, flows, n_flows);
	if (!keys) {
		rc = -ENOMEM;
		goto out_table;
	}
	for (uint32_t i = 0; i < CHECK_KEYS; i++) {
		int32_t a = tcam_lookup(t, &keys[i]);
		int32_t b = tcam_lookup_linear(t, &keys[i]);
		int32_t c;

		tcam_lookup_burst(t, &keys[i], 1, &c);
		if (a != b || c != b) {
			fprintf(stderr, "tcambench: %s: key %u: tcam_lookup %d, tcam_lookup_burst %d, tcam_lookup_linear %d\n",
				name, i, a, c, b);
			rc = -EPROTO;
			goto out_keys;
		}
		hits += a >= N_TOP && (uint32_t)a < N_TOP + n_flows;
	}
	fast = measure(tcam_lookup, t, keys, o->seconds, sink);
	burst = measure(NULL, t, keys, o->seconds, sink);
	if (o->linear)
		slow = measure(tcam_lookup_linear, t, keys, o->seconds, sink);
	snprintf(fig, sizeof fig, "tcam_flow_%s%s%s", name, o->tag ? "_" : "",
		 o->tag ? o->tag : "");
	printf("tcam flow %-4s %6u entries, %u masks, %u-bit keys, %s traffic, %.0f%% flow hits: "
	       "fast %.2f M lookups/s (burst %.2f)",
	       name, tcam_used(t), tcam_mask_count(t), tcam_key_bits(t),
	       o->tag ? o->tag : "uniform", 100.0 * hits / CHECK_KEYS,
	       fast / 1e6, burst / 1e6);
	if (o->linear)
		printf(", linear %.1f K lookups/s, speedup %.0fx", slow / 1e3,
		       fast / slow);
	printf("\n");
	printf("BENCH %s_mlps %.2f\n", fig, fast / 1e6);
	printf("BENCH %s_burst_mlps %.2f\n", fig, burst / 1e6);
	if (o->linear) {
		printf("BENCH %s_speedup %.1f\n", fig, fast / slow);
		printf("BENCH %s_linear_klps %.2f\n", fig, slow / 1e3);
	}
	fflush(stdout);
out_keys:
	free(keys);
out_table:
	free(flows);
	tcam_destroy(t);
	return rc;
}

/* --sizes: up to MAX_SIZES depths, each named in the figures as typed
 * (lower case), so "16k" gives tcam_flow_16k_... as it always has. */
static int parse_sizes(struct opts *o, const char *arg)
{
	char buf[256], *save = NULL, *tok;
	uint64_t n;

	if (strlen(arg) >= sizeof buf)
		return cli_usage_error(PROG, "--sizes: the list is too long");
	snprintf(buf, sizeof buf, "%s", arg);
	o->n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (num_parse_u64(tok, TCAM_MIN_DEPTH, TCAM_MAX_DEPTH, NUM_BIN, &n) ||
		    strlen(tok) >= sizeof o->size_names[0] || o->n_sizes == MAX_SIZES)
			return cli_usage_error(PROG, "--sizes: bad size '%s' (want "
					       "%u..%u entries, e.g. 16k = 16384; "
					       "at most %u sizes)", tok,
					       (unsigned)TCAM_MIN_DEPTH,
					       (unsigned)TCAM_MAX_DEPTH,
					       (unsigned)MAX_SIZES);
		o->sizes[o->n_sizes] = (uint32_t)n;
		snprintf(o->size_names[o->n_sizes], sizeof o->size_names[0], "%s", tok);
		for (char *c = o->size_names[o->n_sizes]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		o->n_sizes++;
	}
	return o->n_sizes ? 0 : cli_usage_error(PROG, "--sizes: no size given");
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tcambench [--profile NAME] [--sizes 1k,16k,64k] [--time SEC]\n"
"                 [--miss-pct P] [--zipf S] [--tag NAME] [--seed N] [--no-linear]\n"
"\n"
"Lookups per second of the TCAM model (tcam_lookup, tcam_lookup_burst and\n"
"the linear oracle) on flow-like tables, one core.\n"
"\n"
"  --profile NAME  built-in key profile (default: default)\n"
"  --sizes LIST    table depths, comma-separated, %u..%u; k = 1024\n"
"                  (default 1k,16k,64k)\n"
"  --time SEC      seconds per figure, > 0 (default 0.5)\n"
"  --miss-pct P    percent of keys from unknown flows, 0..100 (default 10)\n"
"  --zipf S        Zipf flow popularity, exponent in (0, 4] (default uniform)\n"
"  --tag NAME      inserted in the figure names; a-z, 0-9 and _\n"
"  --seed N        random seed, 0..2^64-1 (default 1)\n"
"  --no-linear     skip the (slow) linear oracle's figure\n"
"\n"
"Numbers are decimal or 0x hex, never negative.\n",
		(unsigned)TCAM_MIN_DEPTH, (unsigned)TCAM_MAX_DEPTH);
}

/* An option with its value into o: 0, or 2 once the fault is reported. */
static int set_option(struct opts *o, const char *a, const char *v)
{
	uint64_t n;

	if (!strcmp(a, "--profile")) {
		o->prof = key_profile_builtin(v);
		return o->prof ? 0 : cli_usage_error(PROG, "--profile: unknown "
						      "key profile '%s'", v);
	}
	if (!strcmp(a, "--sizes"))
		return parse_sizes(o, v);
	if (!strcmp(a, "--time"))
		return num_option_positive(PROG, a, v, DBL_MAX, &o->seconds) ? 0 : cli_try_help(PROG);
	if (!strcmp(a, "--zipf"))
		return num_option_positive(PROG, a, v, 4, &o->zipf) ? 0 : cli_try_help(PROG);
	if (!strcmp(a, "--seed"))
		return num_option(PROG, a, v, 0, UINT64_MAX, 0, &o->seed) ? 0 : cli_try_help(PROG);
	if (!strcmp(a, "--miss-pct")) {
		if (!num_option(PROG, a, v, 0, 100, 0, &n))
			return cli_try_help(PROG);
		o->miss_pct = (unsigned)n;
		return 0;
	}
	/* The tag becomes part of "BENCH <name> <number>" lines. */
	if (!*v || v[strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_")])
		return cli_usage_error(PROG, "--tag '%s': use a-z, 0-9 and _", v);
	o->tag = v;
	return 0;
}

/* 0 to run, 1 after the help (exit 0), or 2 after a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const char *const valued[] = {
		"--profile", "--sizes", "--time", "--miss-pct", "--zipf", "--tag",
		"--seed",
	};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool known = false;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--no-linear")) {
			o->linear = 0;
			continue;
		}
		for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
			known |= !strcmp(a, valued[k]);
		if (!known)
			return cli_usage_error(PROG, a[0] == '-' ? "unknown option '%s'"
					       : "unexpected argument '%s'", a);
		if (i + 1 >= argc)
			return cli_usage_error(PROG, "option '%s' needs a value", a);
		if ((rc = set_option(o, a, argv[++i])))
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .seconds = 0.5, .miss_pct = 10, .seed = 1, .linear = 1 };
	uint64_t sink = 0;
	int rc;

	o.prof = key_profile_default();
	parse_sizes(&o, "1k,16k,64k");
	if ((rc = parse_args(argc, argv, &o)))
		return rc == 1 ? 0 : rc;
	rng = o.seed;
	for (unsigned s = 0; s < o.n_sizes; s++)
		if (bench_size(&o, s, &sink))
			return 1;
	/* Keeps the lookups from being optimised away. */
	if (sink == 42)
		fprintf(stderr, "\n");
	return 0;
}
