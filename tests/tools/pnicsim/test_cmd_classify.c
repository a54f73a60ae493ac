/* pnicsim classify on a hand-written rule file and trace whose answers are
 * worked out by hand: prefix nesting, a port range hit at both edges and
 * missed just outside, a wildcard protocol, overlapping rules where the
 * first in file order must win, headers that match nothing (-1).  The
 * stdout lines are compared exactly, the stderr summary field by field,
 * fast and linear lookups must agree, and bad files are refused with their
 * place.  (classify_e2e.sh runs large generated sets against --check.) */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[65536];

TU_SCRATCH_SUITE(cmd_classify);

/* Run pnicsim classify with printf-style arguments (a literal format). */
#define classify(fmt, ...) \
	run_toolf("pnicsim", out, sizeof out, "classify " fmt, ##__VA_ARGS__)

/* Rule 1's destination ports 1000..2000 take 8 prefixes, rule 3's source
 * ports 1024..65535 take 6: 1 + 8 + 1 + 6 + 1 = 17 TCAM entries. */
static const char rules_text[] =
	"# comment and blank lines are skipped\n"
	"\n"
	"@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\t\n"
	"@10.1.0.0/16\t0.0.0.0/0\t0 : 65535\t1000 : 2000\t0x11/0xFF\n"
	"@10.1.2.0/24 192.168.0.0/16   0 : 65535  0 : 65535  0x00/0x00\n"
	"@0.0.0.0/0\t192.168.1.0/24\t1024 : 65535\t0 : 65535\t0x06/0xFF\n"
	"@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x06/0xFF\n";

/* src dst sport dport proto, and the expected answer. */
static const struct { const char *line; int want; } hdrs[] = {
	{ "167838211 134744072 5000 80 6", 0 },       /* 10.1.2.3 -> 8.8.8.8 tcp/80: 0 and 4 match */
	{ "167838211 134744072 5000 443 6", 4 },      /* tcp/443: only the catch-all tcp rule */
	{ "167840009 134744072 5000 1000 17", 1 },    /* udp at the range's low edge */
	{ "167840009 134744072 5000 2000 17", 1 },    /* and its high edge */
	{ "167840009 134744072 5000 2001 17", -1 },   /* just above */
	{ "167840009 134744072 5000 999 17", -1 },    /* just below */
	{ "167838211 3232236805 5000 2001 17", 2 },   /* -> 192.168.5.5: any protocol */
	{ "167838211 3232236805 5 5 47", 2 },         /* GRE too */
	{ "184549377 3232235783 1024 22 6", 3 },      /* 11.0.0.1 -> 192.168.1.7, sport 1024 */
	{ "184549377 3232235783 1023 22 6", -1 },     /* sport 1023: below the range */
	{ "167838211 3232235783 1024 80 6", 0 },      /* 0, 2, 3, 4 match: 0 wins */
	{ "167838211 3232235783 1024 22 6", 2 },      /* 2, 3, 4 match: 2 wins */
	{ "16909060 84281096 1 1 6", -1 },            /* 1.2.3.4 -> 5.6.7.8 */
};
#define N_HDRS (sizeof hdrs / sizeof hdrs[0])

static void write_files(void)
{
	char path[256], trace[2048];
	size_t n = 0;

	snprintf(path, sizeof path, "%s/rules", dir);
	tu_write(path, rules_text);
	for (size_t i = 0; i < N_HDRS; i++)
		n += (size_t)snprintf(trace + n, sizeof trace - n, "%s\n", hdrs[i].line);
	snprintf(path, sizeof path, "%s/trace", dir);
	tu_write(path, trace);
}

/* The value of summary line `name` ("name   value") in out. */
static const char *field(const char *name)
{
	static char v[256];
	char key[64];
	const char *p = out;

	snprintf(key, sizeof key, "%s ", name);
	while ((p = strstr(p, key))) {
		if (p == out || p[-1] == '\n') {
			size_t k;

			p += strlen(key);
			p += strspn(p, " ");
			k = strcspn(p, "\n");
			snprintf(v, sizeof v, "%.*s", (int)k, p);
			return v;
		}
		p++;
	}
	cr_assert_fail("no summary line '%s' in: %s", name, out);
	return NULL;
}

static void check_answers_in(const char *path)
{
	char want[512];
	size_t n = 0;
	char *got;

	for (size_t i = 0; i < N_HDRS; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "%d\n", hdrs[i].want);
	got = tu_read(path, NULL);
	cr_assert_not_null(got, "%s", path);
	cr_assert_str_eq(got, want, "answers differ");
	free(got);
}

static void run_and_check(const char *extra, const char *lookup)
{
	char path[256];

	cr_assert_eq(classify("%s/rules %s/trace %s 2>%s/err >%s/ans", dir, dir,
			      extra, dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/ans", dir);
	check_answers_in(path);
	snprintf(path, sizeof path, "%s/err", dir);
	{
		char *e = tu_read(path, NULL);

		cr_assert_not_null(e);
		snprintf(out, sizeof out, "%s", e);
		free(e);
	}
	cr_assert_str_eq(field("headers"), "13");
	cr_assert_str_eq(field("matches"), "9");
	cr_assert_str_eq(field("misses"), "4");
	cr_assert_str_eq(field("rules"), "5");
	cr_assert_str_eq(field("tcam_entries"), "17");
	cr_assert_str_eq(field("lookup"), lookup);
	cr_assert_gt(atof(field("lookups_per_s")), 0);
	cr_assert_gt(atoi(field("masks")), 0);
	cr_assert_leq(atoi(field("masks")), 17);
	/* 17 entries of at least 2 key words each, and the depth's store */
	cr_assert_gt(atol(field("tcam_bytes")), 17 * 16);
	cr_assert_geq(atof(field("build_seconds")), 0);
	cr_assert_lt(atof(field("build_seconds")), 10);
}

/* --writes: latency percentiles in order, and every entry put back, so
 * the answers after are the answers before. */
Test(cmd_classify, writes_between_lookups)
{
	write_files();
	run_and_check("--writes 500 --check", "burst");
	cr_assert_leq(atof(field("write_p50_us")), atof(field("write_p99_us")));
	cr_assert_leq(atof(field("write_p99_us")), atof(field("write_max_us")));
	cr_assert_gt(atof(field("invalidate_max_us")), 0);
	cr_assert(strstr(field("writes"), "ok (500 invalidates"), "%s", out);
	cr_assert_eq(classify("%s/rules %s/trace --quiet", dir, dir), 0, "%s", out);
	cr_assert_null(strstr(out, "write_p50_us"), "no --writes, no latency: %s", out);
}

Test(cmd_classify, known_answers_fast)
{
	write_files();
	run_and_check("--check", "burst");
	cr_assert_str_eq(field("tcam_depth"), "65536");
	cr_assert(strstr(field("check"), "ok (13 answers agree"), "%s", out);
}

Test(cmd_classify, linear_gives_the_same)
{
	write_files();
	run_and_check("--linear --depth 64", "linear");
	cr_assert_str_eq(field("tcam_depth"), "64");
	cr_assert_null(strstr(out, "check "), "no --check, no check line: %s", out);
}

/* The other profiles hold the 5-tuple too: same answers. */
Test(cmd_classify, every_profile_gives_the_same)
{
	write_files();
	run_and_check("--profile ipv4_flow --depth auto", "burst");
	run_and_check("--profile ipv4_flow --single", "single");
	run_and_check("--profile default --linear --depth 32", "linear");
}

/* --strategy forces the TCAM's fast lookup: same answers from each, and
 * the summary names the index that gave them (auto: 17 entries of a few
 * masks, tuple search). */
Test(cmd_classify, every_strategy_gives_the_same)
{
	write_files();
	run_and_check("--check", "burst");
	cr_assert_str_eq(field("tcam_index"), "tuple");
	run_and_check("--strategy tuple --single", "single");
	cr_assert_str_eq(field("tcam_index"), "tuple");
	run_and_check("--strategy bitmap", "burst");
	cr_assert_str_eq(field("tcam_index"), "bitmap");
	run_and_check("--strategy part --check", "burst");
	cr_assert(!strncmp(field("tcam_index"), "part ", 5), "%s", out);
	run_and_check("--strategy auto --depth auto", "burst");
}

Test(cmd_classify, depth_auto_and_too_small)
{
	write_files();
	cr_assert_eq(classify("%s/rules %s/trace --depth auto --quiet", dir, dir), 0,
		     "%s", out);
	cr_assert_str_eq(field("tcam_depth"), "32");
	/* --quiet: nothing but the summary */
	cr_assert_eq(strncmp(out, "headers", 7), 0, "%s", out);

	cr_assert_eq(classify("%s/rules %s/trace --depth 16", dir, dir), 1, "%s", out);
	cr_assert(strstr(out, "17 TCAM entries"), "%s", out);
	cr_assert(strstr(out, "use --depth"), "%s", out);
}

/* A header generated from rule k carries filter id k; whether each matched
 * at or before it is reported (the 7-column trace format). */
Test(cmd_classify, filter_id_agreement)
{
	char path[256];

	write_files();
	snprintf(path, sizeof path, "%s/trace7", dir);
	tu_write(path, "167838211 134744072 5000 443 6 0 4\n"
		       "167838211 134744072 5000 443 6 0 1\n"
		       "167838211 134744072 5000 443 6 0 -1\n"
		       "167838211 134744072 5000 443 6 0 9\n");
	cr_assert_eq(classify("%s/rules %s", dir, path), 0, "%s", out);
	cr_assert(strstr(out, "4\n4\n4\n4\n"), "%s", out);
	cr_assert(strstr(out, "filter_id     1 of 3 headers did not match at or "
			      "before their filter_id, 1 name a rule past the last"),
		  "%s", out);

	tu_write(path, "167838211 134744072 5000 443 6 0 4\n"
		       "167838211 134744072 5000 443 6 0 -1\n");
	cr_assert_eq(classify("%s/rules %s --quiet", dir, path), 0, "%s", out);
	cr_assert_str_eq(field("filter_id"),
			 "ok (1 headers matched at or before the rule they were drawn from)");

	snprintf(path, sizeof path, "%s/trace5", dir);
	tu_write(path, "167838211 134744072 5000 443 6\n");
	cr_assert_eq(classify("%s/rules %s --quiet", dir, path), 0, "%s", out);
	cr_assert_null(strstr(out, "filter_id"), "no ids, no filter_id line: %s", out);
}

/* A trace as ClassBench's trace_generator writes it for the published
 * filter sets: tabs, 7 numbers, the sixth the generating rule's flags
 * field as one 32-bit word (4294967295 or 0 for a wildcard, 268439552 for
 * 0x1000/0x1000, 512 for 0x0000/0x0200), the seventh that rule's 0-based
 * index.  Each header sits at a corner of its rule. */
Test(cmd_classify, published_trace_form)
{
	char path[256], ans[256];
	char *got;

	write_files();
	snprintf(path, sizeof path, "%s/rules_trace", dir);
	tu_write(path,
		 "167838211\t134744072\t5000\t80\t6\t4294967295\t4\n"
		 "167838211\t3232236805\t5\t5\t47\t268439552\t2\n"
		 "184549377\t3232235783\t1024\t22\t6\t512\t3\n"
		 "167840009\t134744072\t5000\t1000\t17\t0\t1\n");
	snprintf(ans, sizeof ans, "%s/ans", dir);
	cr_assert_eq(classify("%s/rules %s --check 2>%s/err >%s", dir, path,
			      dir, ans), 0, "%s", out);
	got = tu_read(ans, NULL);
	cr_assert_not_null(got);
	cr_assert_str_eq(got, "0\n2\n3\n1\n");
	free(got);
	snprintf(path, sizeof path, "%s/err", dir);
	got = tu_read(path, NULL);
	cr_assert_not_null(got);
	snprintf(out, sizeof out, "%s", got);
	free(got);
	cr_assert_str_eq(field("headers"), "4");
	cr_assert_str_eq(field("filter_id"),
			 "ok (4 headers matched at or before the rule they were drawn from)");
	cr_assert(strstr(field("check"), "ok (4 answers agree"), "%s", out);
}

Test(cmd_classify, bad_rule_line_names_its_place)
{
	char path[256], want[512];

	write_files();
	snprintf(path, sizeof path, "%s/bad.rules", dir);
	tu_write(path,
		 "@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x06/0xFF\n"
		 "@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t90 : 80\t0x06/0xFF\n");
	cr_assert_eq(classify("%s %s/trace", path, dir), 1, "%s", out);
	snprintf(want, sizeof want,
		 "%s:2:33: destination_ports: port range 90 : 80 has its low end above its high end",
		 path);
	cr_assert(strstr(out, want), "no '%s' in: %s", want, out);

	tu_write(path, "@10.0.0.0/8\t0.0.0.0/0\t0 : 65535\t80 : 80\t0x06/0xFF\n"
		       "@10.0.0.0/8 0.0.0.0/0 0 : 65535 80 : 80 tcp\n");
	cr_assert_eq(classify("%s %s/trace", path, dir), 1, "%s", out);
	snprintf(want, sizeof want, "%s:2:", path);
	cr_assert(strstr(out, want), "no %s in: %s", want, out);

	/* a bad trace line, too */
	snprintf(path, sizeof path, "%s/bad.trace", dir);
	tu_write(path, "1 2 3 4 6\n1 2 70000 4 6\n");
	cr_assert_eq(classify("%s/rules %s", dir, path), 1, "%s", out);
	snprintf(want, sizeof want, "%s:2:5: src_port:", path);
	cr_assert(strstr(out, want), "no %s in: %s", want, out);
}

/* A usage error: exit 2 and, on stderr, one line that names the fault
 * (`fault` is part of it) and one that says where help is; never the
 * whole help text.  `args` follow RULES and TRACE. */
static void refused(const char *args, const char *fault)
{
	char *nl;

	cr_assert_eq(classify("%s/rules %s/trace %s", dir, dir, args), 2,
		     "%s: %s", args, out);
	nl = strchr(out, '\n');
	cr_assert_not_null(nl, "%s: %s", args, out);
	cr_assert_eq(strncmp(out, "pnicsim classify: ", 18), 0, "%s: %s", args, out);
	cr_assert(strstr(out, fault) && strstr(out, fault) < nl,
		  "%s: '%s' not on the first line of: %s", args, fault, out);
	cr_assert_str_eq(nl + 1,
			 "Try 'pnicsim classify --help' for more information.\n",
			 "%s", args);
}

/* --depth and --repeat are read by io/num: decimal or 0x hex, no
 * sign, no space, nothing after the number, nothing out of range. */
Test(cmd_classify, bad_numbers_refused)
{
	write_files();
	refused("--repeat 0", "--repeat: '0' is out of range 1..1000000");
	refused("--repeat -1", "--repeat: '-1' is not a number");
	refused("--repeat ' 5'", "--repeat: ' 5' is not a number");
	refused("--repeat +5", "--repeat: '+5' is not a number");
	refused("--repeat 5x", "--repeat: '5x' is not a number");
	refused("--repeat 18446744073709551616", "--repeat: '18446744073709551616' is out of range");
	refused("--depth -64", "--depth: '-64' is not 'auto' or a number");
	refused("--depth 8", "--depth: '8' is out of range 16..262144");
	refused("--depth 99999999999999999999", "--depth: '99999999999999999999' is out of range");
	refused("--depth 1k", "--depth: '1k' is not 'auto' or a number");
	refused("--depth ''", "--depth: '' is not 'auto' or a number");
}

/* Hex and a leading zero read as io/num reads them. */
Test(cmd_classify, numbers_decimal_or_hex)
{
	write_files();
	cr_assert_eq(classify("%s/rules %s/trace --quiet --depth 0x40 --repeat 0x2",
			      dir, dir), 0, "%s", out);
	cr_assert_str_eq(field("tcam_depth"), "64");
	cr_assert_eq(classify("%s/rules %s/trace --quiet --depth 040", dir, dir),
		     0, "%s", out);
	cr_assert_str_eq(field("tcam_depth"), "40");
}

Test(cmd_classify, bad_usage)
{
	write_files();
	cr_assert_eq(classify("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: pnicsim classify RULES TRACE"), "%s", out);
	refused("--profile nope", "unknown key profile 'nope'");
	refused("--depth", "--depth needs a value");
	refused("extra", "unexpected argument 'extra'");
	refused("--fast", "unknown option '--fast'");
	refused("--linear --single", "--linear and --single are two lookups");
	refused("--writes 1000001", "--writes: '1000001' is out of range");
	refused("--strategy fast", "unknown strategy 'fast' (auto, tuple, bitmap or part)");
	cr_assert_eq(classify("%s/rules", dir), 2, "%s", out);
	cr_assert_str_eq(out, "pnicsim classify: expected RULES and TRACE files\n"
			      "Try 'pnicsim classify --help' for more information.\n");
}
