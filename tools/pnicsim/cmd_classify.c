/* pnicsim classify: ClassBench headers through an ACL compiled into the TCAM.
 *
 * Loads a rule file, compiles it (port ranges expanded into prefixes, rules
 * placed in priority order), installs it in a TCAM model, and looks every
 * header of a trace up: the matching rule's 0-based index, or -1, one line
 * per header on stdout.  Only the lookup loop is timed.  --check compares
 * every answer with a first-match scan over the rules themselves (prefix and
 * range comparison, no TCAM), the oracle for the whole chain.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/acl.h"
#include "model/tcam.h"
#include "tools/io/classbench.h"
#include "tools/io/cli.h"
#include "tools/io/num.h"
#include "tools/pnicsim/commands.h"

#define PROG "pnicsim classify"
#define DEFAULT_DEPTH 65536u

static void usage(void)
{
	printf(
"usage: pnicsim classify RULES TRACE [--depth N] [--linear] [--check]\n"
"                                    [--profile NAME] [--repeat K] [--quiet]\n"
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
"        masks), lookup (fast or linear), lookups_per_s (the lookup loop\n"
"        only: key already built, TCAM lookup, entry->rule map), filter_id\n"
"        (whether each header that names its rule matched at or before it:\n"
"        that rule matches it, so the first match cannot be later), check.\n"
"\n"
"options:\n"
"  --depth N       TCAM entries (%u..%u, default %u), or 'auto': the\n"
"                  smallest power of two that holds the compiled set.  A rule\n"
"                  set that needs more entries than the depth is refused.\n"
"  --linear        look up with the TCAM's linear scan (the oracle) instead\n"
"                  of tuple space search; same answers, slower.\n"
"  --check         also find each header's first matching rule by scanning\n"
"                  the rules directly (no TCAM) and fail (exit 1) on any\n"
"                  disagreement.\n"
"  --profile NAME  key profile (default ipv4_5tuple; ipv4_flow, default).\n"
"  --repeat K      run the lookup loop K times (1..1000000, default 1;\n"
"                  timing only).\n"
"  --quiet         do not print the per-header answers.\n"
"Numbers are decimal or 0x hex.\n"
"\n"
"exit status: 0 ok, 1 bad input or a --check disagreement, 2 bad usage.\n",
		(unsigned)TCAM_MIN_DEPTH, (unsigned)TCAM_MAX_DEPTH,
		DEFAULT_DEPTH);
}

struct opts {
	const char *rules, *trace;
	uint32_t depth;
	bool linear, check, quiet;
	const struct key_profile *profile;
	uint64_t repeat;
};

/* num_option() reports a bad number on its own line; say where help is
 * after it, as cli_usage_error() does after every other fault.  0 or 2. */
static int number_arg(const char *opt, const char *s, uint64_t min,
		      uint64_t max, uint64_t *out)
{
	if (num_option(PROG, opt, s, min, max, 0, out))
		return 0;
	fprintf(stderr, "Try '" PROG " --help' for more information.\n");
	return 2;
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
	else if (!strcmp(a, "--check"))
		o->check = true;
	else if (!strcmp(a, "--quiet"))
		o->quiet = true;
	else if (!strcmp(a, "--depth") || !strcmp(a, "--repeat") ||
		 !strcmp(a, "--profile"))
		return value_option(argc, argv, i, o);
	else
		return cli_usage_error(PROG, "unknown option '%s'", a);
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
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
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
static void report_filter_ids(const struct cb_trace *t, const int32_t *ans,
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

int cmd_classify(int argc, char **argv)
{
	struct cb_rules rules = { 0 };
	struct cb_trace trace = { 0 };
	struct acl_params ap;
	struct tcam_params tp;
	struct pnic_error err;
	struct pnic_key *keys = NULL;
	int32_t *ans = NULL;
	struct acl *acl = NULL;
	struct tcam *tcam = NULL;
	struct opts o;
	char buf[512];
	int rc = 1;

	pnic_error_clear(&err);
	switch (parse_args(argc, argv, &o)) {
	case 0: break;
	case 1: return 0;
	default: return 2;
	}
	if (cb_rules_load(o.rules, &rules, &err) ||
	    cb_trace_load(o.trace, &trace, &err)) {
		fprintf(stderr, "pnicsim classify: %s\n",
			pnic_error_str(&err, buf, sizeof buf));
		goto free_files;
	}

	ap.profile = o.profile;
	ap.depth = o.depth; /* 0 (auto): up to TCAM_MAX_DEPTH */
	rc = acl_compile(&ap, rules.rules, rules.n, &acl, &err);
	if (rc) {
		fprintf(stderr, "pnicsim classify: %s: %s\n", o.rules,
			pnic_error_str(&err, buf, sizeof buf));
		if (rc == -ENOSPC)
			fprintf(stderr, "pnicsim classify: use --depth (up to %u)\n",
				(unsigned)TCAM_MAX_DEPTH);
		rc = 1;
		goto free_files;
	}
	rc = 1;
	/* auto: the smallest power of two that holds the set, as a hardware
	 * TCAM would be sized (the linear oracle scans the whole depth) */
	tp.depth = o.depth;
	if (!tp.depth)
		for (tp.depth = TCAM_MIN_DEPTH; tp.depth < acl_entry_count(acl);)
			tp.depth *= 2;
	tp.key_bits = o.profile->key_bits;
	if (tcam_create(&tp, &tcam, &err) || acl_install(acl, tcam, 0, &err)) {
		fprintf(stderr, "pnicsim classify: %s\n",
			pnic_error_str(&err, buf, sizeof buf));
		goto free_acl;
	}

	keys = malloc(trace.n * sizeof *keys);
	ans = malloc(trace.n * sizeof *ans);
	if (!keys || !ans) {
		fprintf(stderr, "pnicsim classify: out of memory for %zu headers\n",
			trace.n);
		goto free_tcam;
	}
	for (size_t i = 0; i < trace.n; i++)
		acl_header_key(acl, &trace.hdrs[i].h, &keys[i]);

	/* The timed loop: TCAM lookup and the entry -> rule map, nothing else. */
	double t0 = now_s();

	for (uint64_t r = 0; r < o.repeat; r++) {
		if (o.linear)
			for (size_t i = 0; i < trace.n; i++)
				ans[i] = acl_index_rule(acl, tcam_lookup_linear(tcam, &keys[i]));
		else
			for (size_t i = 0; i < trace.n; i++)
				ans[i] = acl_index_rule(acl, tcam_lookup(tcam, &keys[i]));
	}
	double dt = now_s() - t0;

	size_t matches = 0, mismatches = 0;

	if (!o.quiet) {
		static char obuf[1 << 16];

		setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	}
	for (size_t i = 0; i < trace.n; i++) {
		const struct cb_header *h = &trace.hdrs[i];

		matches += ans[i] >= 0;
		if (!o.quiet)
			printf("%d\n", ans[i]);
		if (o.check) {
			int32_t want = acl_classify_linear(rules.rules, rules.n, &h->h);

			if (want != ans[i] && ++mismatches <= 10) {
				fprintf(stderr, "pnicsim classify: MISMATCH %s line %zu (",
					o.trace, i + 1);
				print_header(stderr, &h->h);
				fprintf(stderr, "): TCAM says rule %d, the rules say %d\n",
					ans[i], want);
			}
		}
	}
	if (fflush(stdout)) {
		fprintf(stderr, "pnicsim classify: cannot write the answers: %s\n",
			strerror(errno));
		goto free_tcam;
	}

	double lps = dt > 0 ? (double)trace.n * (double)o.repeat / dt : 0;

	fprintf(stderr, "headers       %zu\n", trace.n);
	fprintf(stderr, "matches       %zu\n", matches);
	fprintf(stderr, "misses        %zu\n", trace.n - matches);
	fprintf(stderr, "rules         %u\n", rules.n);
	fprintf(stderr, "tcam_entries  %u\n", acl_entry_count(acl));
	fprintf(stderr, "tcam_depth    %u\n", tcam_depth(tcam));
	fprintf(stderr, "masks         %u\n", tcam_mask_count(tcam));
	fprintf(stderr, "lookup        %s\n", o.linear ? "linear" : "fast");
	fprintf(stderr, "lookups_per_s %.0f\n", lps);
	fprintf(stderr, "loop_seconds  %.6f\n", dt);
	if (rules.flags_ignored)
		fprintf(stderr, "note          %u rules have a ClassBench flags match, ignored (docs/rules.md)\n",
			rules.flags_ignored);
	report_filter_ids(&trace, ans, rules.n);
	if (o.check) {
		if (mismatches) {
			fprintf(stderr, "check         FAILED: %zu of %zu answers differ from a linear scan over the rules\n",
				mismatches, trace.n);
			goto free_tcam;
		}
		fprintf(stderr, "check         ok (%zu answers agree with a linear scan over the rules)\n",
			trace.n);
	}
	rc = 0;

free_tcam:
	free(keys);
	free(ans);
	tcam_destroy(tcam);
free_acl:
	acl_destroy(acl);
free_files:
	cb_rules_free(&rules);
	cb_trace_free(&trace);
	return rc;
}
