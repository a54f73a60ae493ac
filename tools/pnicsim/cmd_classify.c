/* pnicsim classify: ClassBench headers through an ACL compiled into the TCAM.
 *
 * Loads a rule file, compiles it (port ranges expanded into prefixes, rules
 * placed in priority order), installs it in a NIC through commands (the
 * host's ENTRY_WRITEs, as host/acl emits them), and looks every header of
 * a trace up in the NIC's untimed lookup (its match stage, the TCAM): the
 * matching rule's 0-based index, or -1, one line per header on stdout.
 * Only the lookup loop is timed; it looks keys up in bursts
 * (tcam_lookup_burst), as a burst-oriented datapath would, or one at a time
 * with --single.  --check compares every answer with a first-match scan
 * over the rules themselves (prefix and range comparison, no TCAM), the
 * oracle for the whole chain.  --writes K then times K single-entry
 * invalidates and K writes (each entry put back as it was) between bursts
 * of lookups, and checks that the answers did not change.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/acl.h"
#include "model/nic.h"
#include "model/tcam-private.h"
#include "io/classbench.h"
#include "io/cli.h"
#include "io/num.h"
#include "tools/pnicsim/commands.h"
#include "tools/splitmix.h"

#define PROG "pnicsim classify"
#define DEFAULT_DEPTH 65536u

static void usage(void)
{
	printf(
"usage: pnicsim classify RULES TRACE [--depth N] [--linear | --single]\n"
"                                    [--check] [--profile NAME] [--repeat K]\n"
"                                    [--writes K] [--quiet]\n"
"                                    [--strategy NAME]\n"
"\n"
"Classify ClassBench header traces against a ClassBench rule file through\n"
"the TCAM model.  The rules are compiled into TCAM entries: each port range\n"
"becomes its minimal set of prefixes and a rule the cross product of its\n"
"source and destination port prefixes; rule i's entries all sit before rule\n"
"i+1's, so the lowest matching TCAM index is the first matching rule.\n"
"\n"
"  RULES  ClassBench filters, one per line, first = highest priority:\n"
"         @SA/len DA/len splo : sphi dplo : dphi 0xPP/0xMM [0xFFFF/0xMMMM]\n"
"         (the last field, ClassBench flags, is parsed and ignored).\n"
"  TRACE  headers, one per line, decimal, as ClassBench's trace_generator\n"
"         writes them: src_ip dst_ip src_port dst_port proto [[flags] filter_id]\n"
"         flags      the generating rule's flags field as one 32-bit word\n"
"                    (value << 16 | mask, or 0 or 4294967295 for a wildcard);\n"
"                    any value is read, none is matched (not TCP flags).\n"
"         filter_id  0-based index of the rule the header was drawn from,\n"
"                    -1 for none; with 6 numbers the sixth is the filter_id.\n"
"\n"
"stdout: one line per header: the 0-based index (file order) of the first\n"
"        matching rule, or -1 when no rule matches.\n"
"stderr: a summary, one 'name value' per line: headers, matches, misses,\n"
"        rules, tcam_entries (after range expansion), masks (distinct TCAM\n"
"        masks), build_seconds (compile and install), tcam_bytes (the\n"
"        TCAM's memory: entries and its indexes), lookup (burst, single or\n"
"        linear), lookups_per_s (the lookup loop only: key already built,\n"
"        TCAM lookup, entry->rule map), lookups_per_cpu_s (the same per\n"
"        second of this thread's CPU time, which other processes do not\n"
"        take), with --writes the latency\n"
"        percentiles (write_p50_us ... invalidate_max_us), filter_id\n"
"        (whether each header that names its rule matched at or before it:\n"
"        that rule matches it, so the first match cannot be later), check.\n"
"\n"
"options:\n"
"  --depth N       TCAM entries (%u..%u, default %u), or 'auto': the\n"
"                  smallest power of two that holds the compiled set.  A rule\n"
"                  set that needs more entries than the depth is refused.\n"
"  --linear        look up with the TCAM's linear scan (the oracle) instead\n"
"                  of its fast lookup; same answers, slower.\n"
"  --single        look keys up one at a time (tcam_lookup) instead of in\n"
"                  bursts of 64 (tcam_lookup_burst); same answers.\n"
"  --check         also find each header's first matching rule by scanning\n"
"                  the rules directly (no TCAM) and fail (exit 1) on any\n"
"                  disagreement.\n"
"  --profile NAME  key profile (default ipv4_5tuple; ipv4_flow, default).\n"
"  --repeat K      run the lookup loop K times (1..1000000, default 1;\n"
"                  timing only).\n"
"  --writes K      after the lookups, K times: invalidate a random entry,\n"
"                  look up 64 headers, write the entry back, look up 64\n"
"                  more; each write and invalidate timed alone (0..1000000,\n"
"                  default 0); the answers must stay the same (exit 1).\n"
"  --quiet         do not print the per-header answers.\n"
"  --strategy NAME the TCAM's fast lookup: auto (default: by masks and\n"
"                  entries, docs/tcam.md), tuple, bitmap or part (forced,\n"
"                  to measure one against another; same answers).\n"
"Numbers are decimal or 0x hex.\n"
"\n"
"exit status: 0 ok, 1 bad input or a --check disagreement, 2 bad usage.\n",
		(unsigned)TCAM_MIN_DEPTH, (unsigned)TCAM_MAX_DEPTH,
		DEFAULT_DEPTH);
}

struct opts {
	const char *rules, *trace;
	uint32_t depth;
	bool linear, single, check, quiet;
	const struct key_profile *profile;
	uint64_t repeat, writes;
	enum tcam_strategy strategy;
};

static int strategy_arg(const char *s, enum tcam_strategy *out)
{
	static const char *const names[] = {
		[TCAM_STRATEGY_AUTO] = "auto", [TCAM_STRATEGY_TUPLE] = "tuple",
		[TCAM_STRATEGY_BITMAP] = "bitmap", [TCAM_STRATEGY_PART] = "part",
	};

	for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum tcam_strategy)i;
			return 0;
		}
	return cli_usage_error(PROG, "unknown strategy '%s' (auto, tuple, bitmap or part)", s);
}

/* 0, or 2 with the fault and where help is on stderr. */
static int number_arg(const char *opt, const char *s, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	return num_option(PROG, opt, s, min, max, 0, out) ? 0 : cli_try_help(PROG);
}

/* 'auto' (0) or a depth the TCAM model takes. */
static int depth_arg(const char *s, uint32_t *depth)
{
	char range[64];
	uint64_t v;
	int rc;

	if (!strcmp(s, "auto")) {
		*depth = 0;
		return 0;
	}
	rc = num_parse_u64(s, TCAM_MIN_DEPTH, TCAM_MAX_DEPTH, 0, &v);
	if (!rc) {
		*depth = (uint32_t)v;
		return 0;
	}
	num_range_str(TCAM_MIN_DEPTH, TCAM_MAX_DEPTH, range, sizeof range);
	if (rc == -ERANGE)
		return cli_usage_error(PROG, "--depth: '%s' is out of range %s",
				       s, range);
	return cli_usage_error(PROG, "--depth: '%s' is not 'auto' or a number (want %s, decimal or 0x hex)",
			       s, range);
}

/* An option that takes a value: argv[*i] and its value argv[*i + 1]. */
static int value_option(int argc, char **argv, int *i, struct opts *o)
{
	const char *a = argv[*i], *val;

	if (*i + 1 >= argc)
		return cli_usage_error(PROG, "%s needs a value", a);
	val = argv[++*i];
	if (!strcmp(a, "--depth"))
		return depth_arg(val, &o->depth);
	if (!strcmp(a, "--repeat"))
		return number_arg("--repeat", val, 1, 1000000, &o->repeat);
	if (!strcmp(a, "--writes"))
		return number_arg("--writes", val, 0, 1000000, &o->writes);
	if (!strcmp(a, "--strategy"))
		return strategy_arg(val, &o->strategy);
	o->profile = key_profile_builtin(val);
	if (!o->profile)
		return cli_usage_error(PROG, "unknown key profile '%s' (ipv4_5tuple, ipv4_flow or default)",
				       val);
	return 0;
}

static int option(int argc, char **argv, int *i, struct opts *o)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--linear"))
		o->linear = true;
	else if (!strcmp(a, "--single"))
		o->single = true;
	else if (!strcmp(a, "--check"))
		o->check = true;
	else if (!strcmp(a, "--quiet"))
		o->quiet = true;
	else if (!strcmp(a, "--depth") || !strcmp(a, "--repeat") ||
		 !strcmp(a, "--profile") || !strcmp(a, "--writes") ||
		 !strcmp(a, "--strategy"))
		return value_option(argc, argv, i, o);
	else
		return cli_usage_error(PROG, "unknown option '%s'", a);
	return 0;
}

/* One lookup for the loop. */
static int check_lookup(const struct opts *o)
{
	if (o->linear && o->single)
		return cli_usage_error(PROG, "--linear and --single are two lookups: choose one");
	return 0;
}

/* 0: run, 1: done (help printed), 2: usage error (message printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	unsigned npos = 0;
	int rc;

	memset(o, 0, sizeof *o);
	o->depth = DEFAULT_DEPTH;
	o->repeat = 1;
	o->profile = key_profile_ipv4_5tuple();
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 1;
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1]) {
			rc = option(argc, argv, &i, o);
			if (rc)
				return rc;
		} else if (npos == 0) {
			o->rules = a;
			npos++;
		} else if (npos == 1) {
			o->trace = a;
			npos++;
		} else {
			return cli_usage_error(PROG, "unexpected argument '%s'", a);
		}
	}
	if (npos != 2)
		return cli_usage_error(PROG, "expected RULES and TRACE files");
	return check_lookup(o);
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static void print_header(FILE *f, const struct acl_header *h)
{
	fprintf(f, "%u.%u.%u.%u -> %u.%u.%u.%u sport %u dport %u proto %u",
		h->src_ip >> 24, (h->src_ip >> 16) & 0xff, (h->src_ip >> 8) & 0xff,
		h->src_ip & 0xff, h->dst_ip >> 24, (h->dst_ip >> 16) & 0xff,
		(h->dst_ip >> 8) & 0xff, h->dst_ip & 0xff, h->sport, h->dport,
		h->proto);
}

/* A header drawn from rule k sits inside it, so its first match is rule k
 * or an earlier one; ignoring the rules' flags fields can only make that
 * match earlier.  Answers after k, or misses, mean a trace made for
 * another rule file, ids counted from 1, or a wrong answer. */
static void report_filter_ids(const struct classbench_trace *t, const int32_t *ans,
			      uint32_t n_rules)
{
	size_t named = 0, later = 0, beyond = 0;

	for (size_t i = 0; i < t->n; i++) {
		int64_t id = t->hdrs[i].filter_id;

		if (id < 0)
			continue;
		named++;
		if (id >= n_rules)
			beyond++;
		else if (ans[i] < 0 || ans[i] > id)
			later++;
	}
	if (!named)
		return;
	if (!later && !beyond) {
		fprintf(stderr, "filter_id     ok (%zu headers matched at or before the rule they were drawn from)\n",
			named);
		return;
	}
	fprintf(stderr, "filter_id     %zu of %zu headers did not match at or before their filter_id",
		later, named);
	if (beyond)
		fprintf(stderr, ", %zu name a rule past the last", beyond);
	fprintf(stderr, " (a trace for another rule file, or 1-based ids?)\n");
}

/* Everything one run holds, freed by run_free(). */
struct run {
	struct opts o;
	struct classbench_rules rules;
	struct classbench_trace trace;
	struct acl *acl;
	struct nic *nic;
	const struct lookup *lk;  /* the NIC's */
	struct pnic_key *keys;
	int32_t *ans;
	double seconds;           /* the timed loop, all repeats */
	double cpu_seconds;       /* the same, this thread's CPU time */
	double build_seconds;     /* compile and install */
	size_t matches, mismatches;
	double *lat[2];           /* --writes: seconds per invalidate, write */
	size_t changed;           /* answers that differ after the writes */
};

static int fail(const struct pnic_error *err)
{
	char buf[512];

	fprintf(stderr, PROG ": %s\n", pnic_error_str(err, buf, sizeof buf));
	return 1;
}

/* A NIC just big enough for classification: the asked depth (or the
 * smallest power of two that holds the set, as a hardware TCAM would be
 * sized; the linear oracle scans the whole depth), one port, one VPID. */
static int build_nic(struct run *r, struct pnic_error *err)
{
	struct nic_params np = { .profile = r->o.profile, .depth = r->o.depth,
				 .n_ports = 1, .n_vpids = 1 };
	struct nic_cmd_sink sink;
	int rc;

	if (!np.depth)
		for (np.depth = TCAM_MIN_DEPTH; np.depth < acl_entry_count(r->acl);)
			np.depth *= 2;
	if ((rc = nic_create(&np, &r->nic, err)))
		return rc;
	r->lk = nic_lookup(r->nic);
	/* The NIC owns its TCAM and hands it out read-only; forcing a
	 * strategy is a measurement knob of this tool, set before any entry
	 * is installed. */
	if (r->o.strategy != TCAM_STRATEGY_AUTO &&
	    (rc = tcam_set_strategy((struct tcam *)lookup_tcam(r->lk), r->o.strategy)))
		return pnic_err(err, -rc, "out of memory for the %s strategy", "forced");
	sink = nic_sink(r->nic);
	return acl_install(r->acl, &sink, 0, np.depth, NULL, NULL, err);
}

/* The rule set compiled and installed in a NIC of the asked depth. */
static int install_rules(struct run *r)
{
	struct acl_params ap = { r->o.profile, r->o.depth };
	struct pnic_error err;
	char buf[512];
	int rc;

	double t0 = now_s();

	pnic_error_clear(&err);
	rc = acl_compile(&ap, r->rules.rules, r->rules.n, &r->acl, &err);
	if (rc) {
		fprintf(stderr, PROG ": %s: %s\n", r->o.rules,
			pnic_error_str(&err, buf, sizeof buf));
		if (rc == -ENOSPC)
			fprintf(stderr, PROG ": use --depth (up to %u)\n",
				(unsigned)TCAM_MAX_DEPTH);
		return 1;
	}
	if (build_nic(r, &err))
		return fail(&err);
	r->build_seconds = now_s() - t0;
	return 0;
}

/* Keys per burst of the lookup loop. */
#define BURST 64

/* Every key once, into out: the TCAM's answers mapped to rules. */
static void lookup_all(const struct run *r, int32_t *out)
{
	const struct tcam *t = lookup_tcam(r->lk);
	size_t n = r->trace.n;

	if (r->o.linear) {
		for (size_t i = 0; i < n; i++)
			out[i] = acl_index_rule(r->acl, lookup_match_linear(r->lk, &r->keys[i]));
	} else if (r->o.single) {
		for (size_t i = 0; i < n; i++)
			out[i] = acl_index_rule(r->acl, lookup_match(r->lk, &r->keys[i]));
	} else {
		for (size_t b = 0; b < n; b += BURST) {
			uint32_t m = n - b < BURST ? (uint32_t)(n - b) : BURST;

			tcam_lookup_burst(t, &r->keys[b], m, &out[b]);
			for (uint32_t i = 0; i < m; i++)
				out[b + i] = acl_index_rule(r->acl, out[b + i]);
		}
	}
}

/* Keys built before the clock starts; the timed loop is the lookup's
 * match stage (the TCAM) and the entry -> rule map, nothing else. */
static int lookups(struct run *r)
{
	const struct classbench_trace *t = &r->trace;

	r->keys = malloc(t->n * sizeof *r->keys);
	r->ans = malloc(t->n * sizeof *r->ans);
	if (!r->keys || !r->ans) {
		fprintf(stderr, PROG ": out of memory for %zu headers\n", t->n);
		return 1;
	}
	for (size_t i = 0; i < t->n; i++)
		acl_header_key(r->acl, &t->hdrs[i].h, &r->keys[i]);

	double t0 = now_s(), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

	for (uint64_t k = 0; k < r->o.repeat; k++)
		lookup_all(r, r->ans);
	r->seconds = now_s() - t0;
	r->cpu_seconds = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return 0;
}

/* One command to the NIC, timed; its wall time in seconds, or < 0. */
static double timed_cmd(struct run *r, const struct nic_cmd *c)
{
	struct nic_cmd_sink sink = nic_sink(r->nic);
	struct pnic_error err;
	double t0 = now_s();

	if (nic_cmd_submit(&sink, c, NULL, &err)) {
		fail(&err);
		return -1;
	}
	return now_s() - t0;
}

/* BURST lookups from position *pos of the trace (wrapping), answers
 * discarded: what runs between two writes. */
static void lookups_between(const struct run *r, size_t *pos)
{
	int32_t out[BURST];
	uint32_t m = r->trace.n < BURST ? (uint32_t)r->trace.n : BURST;

	if (*pos + m > r->trace.n)
		*pos = 0;
	tcam_lookup_burst(lookup_tcam(r->lk), &r->keys[*pos], m, out);
	*pos += m;
}

/* --writes K: K invalidates and K writes of random installed entries, each
 * put back as it was, between bursts of lookups; then every answer again. */
static int write_latency(struct run *r)
{
	uint32_t n_ent = acl_entry_count(r->acl);
	uint64_t seed = 0x77726974652d6c61ull;
	size_t pos = 0;
	int32_t *again;

	if (!r->o.writes)
		return 0;
	r->lat[0] = malloc(r->o.writes * sizeof *r->lat[0]);
	r->lat[1] = malloc(r->o.writes * sizeof *r->lat[1]);
	again = malloc(r->trace.n * sizeof *again);
	if (!r->lat[0] || !r->lat[1] || !again) {
		free(again);
		fprintf(stderr, PROG ": out of memory for --writes\n");
		return 1;
	}
	for (uint64_t k = 0; k < r->o.writes; k++) {
		uint32_t e = (uint32_t)(splitmix64(&seed) % n_ent);
		struct nic_cmd c = { .op = NIC_OP_ENTRY_INVALIDATE, .index = e };

		if ((r->lat[0][k] = timed_cmd(r, &c)) < 0)
			goto fail;
		lookups_between(r, &pos);
		c = (struct nic_cmd){ .op = NIC_OP_ENTRY_WRITE };
		c.entry.index = e;
		acl_entry_get(r->acl, e, &c.entry.value, &c.entry.mask);
		if ((r->lat[1][k] = timed_cmd(r, &c)) < 0)
			goto fail;
		lookups_between(r, &pos);
	}
	lookup_all(r, again);
	for (size_t i = 0; i < r->trace.n; i++)
		r->changed += again[i] != r->ans[i];
	free(again);
	return 0;
fail:
	free(again);
	return 1;
}

/* Header i against the oracle, the first ten disagreements printed. */
static void check_one(struct run *r, size_t i)
{
	const struct acl_header *h = &r->trace.hdrs[i].h;
	int32_t want = acl_classify_linear(r->rules.rules, r->rules.n, h);

	if (want == r->ans[i] || ++r->mismatches > 10)
		return;
	fprintf(stderr, PROG ": MISMATCH %s line %zu (", r->o.trace, i + 1);
	print_header(stderr, h);
	fprintf(stderr, "): TCAM says rule %d, the rules say %d\n", r->ans[i],
		want);
}

/* One answer per header on stdout (unless --quiet), counted and, with
 * --check, compared with the oracle. */
static int answers(struct run *r)
{
	if (!r->o.quiet) {
		static char obuf[1 << 16];

		setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	}
	for (size_t i = 0; i < r->trace.n; i++) {
		r->matches += r->ans[i] >= 0;
		if (!r->o.quiet)
			printf("%d\n", r->ans[i]);
		if (r->o.check)
			check_one(r, i);
	}
	if (fflush(stdout)) {
		fprintf(stderr, PROG ": cannot write the answers: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* p50, p99 and max of --writes' latencies, in microseconds; 1 when an
 * answer changed (every entry was put back as it was). */
static int report_writes(const struct run *r)
{
	static const char *const name[2] = { "invalidate", "write" };
	size_t n = r->o.writes;

	if (!n)
		return 0;
	for (int w = 0; w < 2; w++) {
		qsort(r->lat[w], n, sizeof *r->lat[w], cmp_double);
		fprintf(stderr, "%s_p50_us %.3f\n", name[w], r->lat[w][n / 2] * 1e6);
		fprintf(stderr, "%s_p99_us %.3f\n", name[w],
			r->lat[w][n * 99 / 100] * 1e6);
		fprintf(stderr, "%s_max_us %.3f\n", name[w], r->lat[w][n - 1] * 1e6);
	}
	if (!r->changed) {
		fprintf(stderr, "writes        ok (%zu invalidates and writes between lookups; every answer the same after)\n",
			n);
		return 0;
	}
	fprintf(stderr, "writes        FAILED: %zu answers changed after every entry was put back\n",
		r->changed);
	return 1;
}

/* Which fast lookup answers, and the partitions when it is the
 * partitioned index: "part 3: 56/8 24/8 - (entries 20163 6702 4663;
 * 812 blocks)", each partition's first dispatch bit / bits. */
static void print_strategy(const struct tcam *t)
{
	struct tcam_part_stats st;

	if (!tcam_uses_part(t)) {
		fprintf(stderr, "tcam_index    %s\n",
			tcam_uses_bitmap(t) ? "bitmap" : "tuple");
		return;
	}
	tcam_part_stats(t->pt, &st);
	fprintf(stderr, "tcam_index    part %u:", st.parts);
	for (unsigned p = 0; p < st.parts; p++)
		if (st.k[p])
			fprintf(stderr, " %u/%u", st.lo[p], st.k[p]);
		else
			fprintf(stderr, " -");
	fprintf(stderr, " (entries");
	for (unsigned p = 0; p < st.parts; p++)
		fprintf(stderr, " %u", st.entries[p]);
	fprintf(stderr, "; %u blocks)\n", st.blocks);
}

/* The stderr summary; 1 when --check found a disagreement. */
static int summary(const struct run *r)
{
	size_t n = r->trace.n;
	double lps = r->seconds > 0 ?
		     (double)n * (double)r->o.repeat / r->seconds : 0;

	fprintf(stderr, "headers       %zu\n", n);
	fprintf(stderr, "matches       %zu\n", r->matches);
	fprintf(stderr, "misses        %zu\n", n - r->matches);
	fprintf(stderr, "rules         %u\n", r->rules.n);
	fprintf(stderr, "tcam_entries  %u\n", acl_entry_count(r->acl));
	fprintf(stderr, "tcam_depth    %u\n", lookup_params(r->lk)->depth);
	fprintf(stderr, "masks         %u\n", tcam_mask_count(lookup_tcam(r->lk)));
	print_strategy(lookup_tcam(r->lk));
	fprintf(stderr, "build_seconds %.6f\n", r->build_seconds);
	fprintf(stderr, "tcam_bytes    %zu\n", tcam_memory(lookup_tcam(r->lk)));
	fprintf(stderr, "lookup        %s\n", r->o.linear ? "linear" :
		r->o.single ? "single" : "burst");
	fprintf(stderr, "lookups_per_s %.0f\n", lps);
	fprintf(stderr, "loop_seconds  %.6f\n", r->seconds);
	fprintf(stderr, "lookups_per_cpu_s %.0f\n", r->cpu_seconds > 0 ?
		(double)n * (double)r->o.repeat / r->cpu_seconds : 0);
	if (r->rules.flags_ignored)
		fprintf(stderr, "note          %u rules have a ClassBench flags match, ignored (docs/rules.md)\n",
			r->rules.flags_ignored);
	report_filter_ids(&r->trace, r->ans, r->rules.n);
	if (report_writes(r))
		return 1;
	if (!r->o.check)
		return 0;
	if (r->mismatches) {
		fprintf(stderr, "check         FAILED: %zu of %zu answers differ from a linear scan over the rules\n",
			r->mismatches, n);
		return 1;
	}
	fprintf(stderr, "check         ok (%zu answers agree with a linear scan over the rules)\n",
		n);
	return 0;
}

static void run_free(struct run *r)
{
	free(r->keys);
	free(r->ans);
	free(r->lat[0]);
	free(r->lat[1]);
	nic_destroy(r->nic);
	acl_destroy(r->acl);
	classbench_rules_free(&r->rules);
	classbench_trace_free(&r->trace);
}

int cmd_classify(int argc, char **argv)
{
	struct run r;
	struct pnic_error err;
	int rc;

	memset(&r, 0, sizeof r);
	switch (parse_args(argc, argv, &r.o)) {
	case 0: break;
	case 1: return 0;
	default: return 2;
	}
	pnic_error_clear(&err);
	if (classbench_rules_load(r.o.rules, &r.rules, &err) ||
	    classbench_trace_load(r.o.trace, &r.trace, &err))
		rc = fail(&err);
	else
		rc = install_rules(&r);
	if (!rc)
		rc = lookups(&r);
	if (!rc)
		rc = answers(&r);
	if (!rc)
		rc = write_latency(&r);
	if (!rc)
		rc = summary(&r);
	run_free(&r);
	return rc;
}
