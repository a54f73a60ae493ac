#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/classbench.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/pnic_cbtest_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(classbench, .init = make_dir, .fini = remove_dir);

static const char *write_tmp(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

Test(classbench, parses_rules)
{
	const char *path = write_tmp("r.txt",
		"@10.1.2.3/8\t192.168.1.0/24\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\t\n"
		"# a comment line\n"
		"\n"
		"@0.0.0.0/0  1.2.3.4/32   1024 :65535   0:1023 0x00/0x00 0x1000/0x1000  \r\n"
		"@255.255.255.255/32\t0.0.0.0/0\t5:5\t0 : 65535\t0x11/0xff");
	struct classbench_rules r;
	struct pnic_error err;

	cr_assert_eq(classbench_rules_load(path, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(r.flags_ignored, 1);
	cr_assert_eq(r.rules[0].src_ip, 0x0a000000, "host bits beyond /8 dropped");
	cr_assert_eq(r.rules[0].src_len, 8);
	cr_assert_eq(r.rules[0].dst_ip, 0xc0a80100);
	cr_assert_eq(r.rules[0].dst_len, 24);
	cr_assert_eq(r.rules[0].sport_lo, 0);
	cr_assert_eq(r.rules[0].sport_hi, 65535);
	cr_assert_eq(r.rules[0].dport_lo, 80);
	cr_assert_eq(r.rules[0].dport_hi, 80);
	cr_assert_eq(r.rules[0].proto, 6);
	cr_assert_eq(r.rules[0].proto_mask, 0xff);
	cr_assert_eq(r.rules[0].tcp_flags_mask, 0, "flags field ignored");
	cr_assert_eq(r.rules[1].dst_ip, 0x01020304);
	cr_assert_eq(r.rules[1].sport_lo, 1024);
	cr_assert_eq(r.rules[1].dport_hi, 1023);
	cr_assert_eq(r.rules[1].proto_mask, 0);
	cr_assert_eq(r.rules[2].src_ip, 0xffffffff);
	cr_assert_eq(r.rules[2].proto, 17);
	for (uint32_t i = 0; i < r.n; i++)
		cr_assert_eq(r.rules[i].action, i);
	/* the flags field as trace_generator's one word, value << 16 | mask */
	cr_assert_eq(r.flags[0], 0);
	cr_assert_eq(r.flags[1], 0x10001000u);
	cr_assert_eq(r.flags[2], 0, "no flags field");
	classbench_rules_free(&r);
	classbench_rules_free(NULL);
}

/* One bad line after a good one: the error names file, line 2, the column
 * where `at` starts in the line (its end when `at` is NULL), the field, and
 * says what was expected. */
static void bad_rule(const char *line, const char *at, const char *field,
		     const char *needle)
{
	unsigned column = at ? (unsigned)(strstr(line, at) - line) + 1
			     : (unsigned)strlen(line) + 1;
	char text[512];
	struct classbench_rules r;
	struct pnic_error err;
	char buf[512];

	snprintf(text, sizeof text,
		 "@1.0.0.0/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF\t0x0000/0x0000\t\n%s\n",
		 line);
	const char *path = write_tmp("bad.txt", text);

	cr_assert_eq(classbench_rules_load(path, &r, &err), -EINVAL, "accepted: %s", line);
	pnic_error_str(&err, buf, sizeof buf);
	cr_assert_str_eq(err.file, path);
	cr_assert_eq(err.line, 2, "%s", buf);
	cr_assert_eq(err.column, column, "%s (column %u, want %u)", buf, err.column, column);
	if (field)
		cr_assert_str_eq(err.field, field, "%s", buf);
	cr_assert(strstr(err.msg, needle), "'%s' lacks '%s'", buf, needle);
	cr_assert_null(r.rules);
}

Test(classbench, bad_rules)
{
	bad_rule("@1.2.3.4/33\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF",
		 "33", "source", "prefix length 33 is above 32");
	bad_rule("@1.2.3.4/8\t2.0.0.0/40\t0 : 65535\t0 : 65535\t0x06/0xFF",
		 "40", "destination", "prefix length 40 is above 32");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t80 : 79\t0 : 65535\t0x06/0xFF",
		 "80 :", "source_ports", "low end above its high end");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t9000 : 80\t0x06/0xFF",
		 "9000", "destination_ports", "9000 : 80");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535",
		 NULL, "protocol", "missing field");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535",
		 NULL, "destination_ports", "missing field");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0xZZ/0xFF",
		 "ZZ", "protocol", "hex digits");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t6/0xFF",
		 "6/", "protocol", "hex like 0xFF");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x106/0xFF",
		 "0x106", "protocol", "above 0xFF");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF\t0x0000/0xG000",
		 "G", "flags", "hex");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF\t0x0/0x0\tjunk",
		 "junk", NULL, "unexpected text");
	bad_rule("1.2.3.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF",
		 "1.2", "source", "'@'");
	bad_rule("@1.2.300.4/8\t2.0.0.0/8\t0 : 65535\t0 : 65535\t0x06/0xFF",
		 "300", "source", "address byte 300 is above 255");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 : 70000\t0 : 65535\t0x06/0xFF",
		 "70000", "source_ports", "high port 70000 is above 65535");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8\t0 - 65535\t0 : 65535\t0x06/0xFF",
		 "- ", "source_ports", "':'");
	bad_rule("@1.2.3.4/8\t2.0.0.0/8x\t0 : 65535\t0 : 65535\t0x06/0xFF",
		 "x", "source_ports", "whitespace");
}

Test(classbench, empty_and_missing_files)
{
	struct classbench_rules r;
	struct classbench_trace t;
	struct pnic_error err;
	const char *path = write_tmp("empty.txt", "\n  \n# only a comment\n");

	cr_assert_eq(classbench_rules_load(path, &r, &err), -EINVAL);
	cr_assert(strstr(err.msg, "no rules"), "%s", err.msg);
	cr_assert_str_eq(err.file, path);
	cr_assert_eq(classbench_trace_load(path, &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "no headers"), "%s", err.msg);
	cr_assert_lt(classbench_rules_load("/nonexistent/rules", &r, &err), 0);
	cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
	cr_assert_str_eq(err.file, "/nonexistent/rules");
}

Test(classbench, parses_traces)
{
	const char *path = write_tmp("t.txt",
		"167772161\t3232235777\t1234\t80\t6\t0\t17\n"
		"1 2 3 4 17 7\n"                 /* 6 columns: last is filter id */
		"1 2 3 4 17   \r\n"              /* 5 columns: no filter id */
		"4294967295\t0\t65535\t0\t255\t65535\t-1\n");
	struct classbench_trace t;
	struct pnic_error err;

	cr_assert_eq(classbench_trace_load(path, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n, 4);
	cr_assert_eq(t.hdrs[0].h.src_ip, 0x0a000001);
	cr_assert_eq(t.hdrs[0].h.dst_ip, 0xc0a80101);
	cr_assert_eq(t.hdrs[0].h.sport, 1234);
	cr_assert_eq(t.hdrs[0].h.dport, 80);
	cr_assert_eq(t.hdrs[0].h.proto, 6);
	cr_assert_eq(t.hdrs[0].filter_id, 17);
	cr_assert_eq(t.hdrs[1].filter_id, 7);
	cr_assert_eq(t.hdrs[1].flags, 0);
	cr_assert_eq(t.hdrs[2].filter_id, -1);
	cr_assert_eq(t.hdrs[3].h.src_ip, 0xffffffff);
	cr_assert_eq(t.hdrs[3].flags, 65535);
	cr_assert_eq(t.hdrs[3].filter_id, -1);
	classbench_trace_free(&t);
}

/* Lines as ClassBench's trace_generator writes them for the published
 * filter sets (acl1, fw1, ipc1 ... and their _trace files): the sixth of
 * seven numbers is the generating rule's flags field as one 32-bit word
 * (value << 16 | mask: 0x1000/0x1000 is 268439552, 0x0000/0x0200 is 512;
 * a wildcard gives 0 or 4294967295), the seventh its 0-based index.  Six
 * numbers come from a rule file without flags fields. */
Test(classbench, parses_published_traces)
{
	const char *path = write_tmp("acl1_trace",
		"3232235777\t3232235778\t80\t443\t6\t4294967295\t0\n"
		"567920121\t3194090308\t65535\t1521\t6\t268439552\t676\n"
		"3266998700\t1458994818\t0\t1521\t6\t512\t214\n"
		"1\t2\t3\t4\t17\t0\t4294967295\n"
		"3231124299\t255664495\t0\t65535\t6\t566\n");
	struct classbench_trace t;
	struct pnic_error err;
	char buf[512];

	cr_assert_eq(classbench_trace_load(path, &t, &err), 0, "%s",
		     pnic_error_str(&err, buf, sizeof buf));
	cr_assert_eq(t.n, 5);
	cr_assert_eq(t.hdrs[0].h.src_ip, 0xc0a80101);
	cr_assert_eq(t.hdrs[0].h.dst_ip, 0xc0a80102);
	cr_assert_eq(t.hdrs[0].h.sport, 80);
	cr_assert_eq(t.hdrs[0].h.dport, 443);
	cr_assert_eq(t.hdrs[0].h.proto, 6);
	cr_assert_eq(t.hdrs[0].flags, 4294967295u);
	cr_assert_eq(t.hdrs[0].filter_id, 0);
	cr_assert_eq(t.hdrs[1].flags, 268439552u);
	cr_assert_eq(t.hdrs[1].filter_id, 676);
	cr_assert_eq(t.hdrs[2].flags, 512u);
	cr_assert_eq(t.hdrs[2].filter_id, 214);
	cr_assert_eq(t.hdrs[3].filter_id, 4294967295ll);
	cr_assert_eq(t.hdrs[4].flags, 0u);
	cr_assert_eq(t.hdrs[4].filter_id, 566);
	for (size_t i = 0; i < t.n; i++)
		cr_assert_eq(t.hdrs[i].h.tcp_flags, 0,
			     "header %zu: the flags column is not TCP flags", i);
	classbench_trace_free(&t);
}

static void bad_trace(const char *line, unsigned column, const char *needle)
{
	struct classbench_trace t;
	struct pnic_error err;
	char text[256], buf[512];

	snprintf(text, sizeof text, "1 2 3 4 6 0 0\n%s\n", line);
	const char *path = write_tmp("badt.txt", text);

	cr_assert_eq(classbench_trace_load(path, &t, &err), -EINVAL, "accepted: %s", line);
	pnic_error_str(&err, buf, sizeof buf);
	cr_assert_eq(err.line, 2, "%s", buf);
	cr_assert_eq(err.column, column, "%s", buf);
	cr_assert(strstr(err.msg, needle), "'%s' lacks '%s'", buf, needle);
}

Test(classbench, bad_traces)
{
	bad_trace("1 2 3 4", 8, "found 4");
	bad_trace("1 2 70000 4 6 0 0", 5, "src_port 70000 is above 65535");
	bad_trace("1 2 3 4 300 0 0", 9, "proto 300 is above 255");
	bad_trace("1 2 3 4 6 0 0 9", 15, "at most 7");
	bad_trace("1 2 x 4 6 0 0", 5, "decimal number");
	bad_trace("1 2 3 4 6 0x10 0", 12, "whitespace");
	bad_trace("-1 2 3 4 6 0 0", 1, "only allowed as filter_id");
	bad_trace("1 2 3 4 6 0 99999999999", 13, "filter_id 99999999999 is above 4294967295");
	bad_trace("1 2 3 4 6 4294967296 0", 11, "flags 4294967296 is above 4294967295");
	bad_trace("1 2 3 4 6 -1 0", 11, "only allowed as filter_id");
	bad_trace("1 2 3 4 6 99999999999999999999 0", 11, "is above");
}

Test(classbench, write_then_parse_round_trip)
{
	struct acl_rule in = {
		.src_ip = 0x0a0b0000, .src_len = 16, .dst_ip = 0xc0000201,
		.dst_len = 32, .sport_lo = 1024, .sport_hi = 65535,
		.dport_lo = 443, .dport_hi = 443, .proto = 6, .proto_mask = 0xff,
	};
	struct classbench_header h = { .h = { 1, 2, 3, 4, 17, 0 }, .flags = 0, .filter_id = 5 };
	struct classbench_header h2 = { .h = { 9, 8, 7, 6, 5, 0 }, .filter_id = -1 };
	char path[128], tpath[128];
	struct classbench_rules r;
	struct classbench_trace t;
	struct pnic_error err;
	FILE *f;

	snprintf(path, sizeof path, "%s/rt.rules", dir);
	f = fopen(path, "w");
	classbench_write_rule(f, &in, 0x1000, 0x1000);
	fclose(f);
	cr_assert_eq(classbench_rules_load(path, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(memcmp(&r.rules[0], &in, sizeof in), 0);
	cr_assert_eq(r.flags_ignored, 1);
	cr_assert_eq(r.flags[0], 0x10001000u);
	classbench_rules_free(&r);

	snprintf(tpath, sizeof tpath, "%s/rt.trace", dir);
	f = fopen(tpath, "w");
	classbench_write_header(f, &h);
	classbench_write_header(f, &h2);
	fclose(f);
	cr_assert_eq(classbench_trace_load(tpath, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct classbench_header *a = &t.hdrs[i], *b = i ? &h2 : &h;

		cr_assert(a->h.src_ip == b->h.src_ip && a->h.dst_ip == b->h.dst_ip &&
			  a->h.sport == b->h.sport && a->h.dport == b->h.dport &&
			  a->h.proto == b->h.proto && a->flags == b->flags &&
			  a->filter_id == b->filter_id, "header %d differs", i);
	}
	classbench_trace_free(&t);
}
