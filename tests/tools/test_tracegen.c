/* tracegen: same arguments, same bytes; the asked packet count, link type
 * and timestamps as libpcap reads them; every frame parses (model/parser)
 * with the shape the percentages ask for; the scenario it writes loads; the
 * refusals.  (tests/scenarios/tracegen_check.sh regenerates the bundled
 * trace and replays a generated scenario.) */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/parser.h"
#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"
#include "io/scenario.h"

static char out[8192];

TU_SCRATCH_SUITE(tracegen);

/* Run tracegen with printf-style arguments (a literal format). */
#define tracegen(fmt, ...) \
	run_toolf("tracegen", out, sizeof out, "" fmt, ##__VA_ARGS__)

/* What the frames of a trace look like. */
struct shape {
	long packets, parse_ok, ipv4, ipv6, tcp, udp, vlan, vxlan, min_len;
	long flows;                   /* distinct outer 5-tuples + VNI */
	bool ts_ok;                   /* stamped at 1e18+... every 1/rate s */
};

struct tuple {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t vni;
};

static void shape_of(const char *name, double rate, struct shape *s)
{
	char path[256], eb[PCAP_ERRBUF_SIZE];
	static struct tuple seen[4096];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;

	memset(s, 0, sizeof *s);
	s->min_len = 1 << 30;
	s->ts_ok = true;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct parser_result r;
		const struct pkt_hdrs *l;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		uint64_t want = 1700000000000000000ull +
				(uint64_t)((double)s->packets * 1e9 / rate);
		struct tuple t;
		long k;

		if (ts != want)
			s->ts_ok = false;
		cr_assert_eq(h->caplen, h->len);
		if ((long)h->len < s->min_len)
			s->min_len = h->len;
		s->packets++;
		if (parser_parse(d, h->caplen, h->len, &r) != PARSE_OK)
			continue;
		s->parse_ok++;
		l = &r.outer;
		s->ipv4 += !!(l->have & HDR_IPV4);
		s->ipv6 += !!(l->have & HDR_IPV6);
		s->vlan += l->n_vlans == 1;
		s->vxlan += r.tunnel == TUNNEL_VXLAN && r.have_inner;
		l = r.have_inner ? &r.inner : &r.outer;
		s->tcp += !!(l->have & HDR_TCP);
		s->udp += !!(l->have & HDR_UDP);
		memset(&t, 0, sizeof t);
		memcpy(t.src, r.outer.src_ip, 16);
		memcpy(t.dst, r.outer.dst_ip, 16);
		t.sport = r.outer.l4_sport;
		t.dport = r.outer.l4_dport;
		t.vni = r.vni;
		for (k = 0; k < s->flows && memcmp(&seen[k], &t, sizeof t); k++)
			;
		if (k == s->flows && s->flows < 4096)
			seen[s->flows++] = t;
	}
	pcap_close(p);
}

Test(tracegen, deterministic_per_seed)
{
	cr_assert_eq(tracegen("-o %s/a.pcap -n 500 -f 20 -s 4", dir), 0, "%s", out);
	cr_assert_eq(tracegen("--out %s/b.pcap --packets 500 --flows 20 --seed 4", dir), 0, "%s", out);
	cr_assert_eq(tracegen("-o %s/c.pcap -n 500 -f 20 -s 5", dir), 0, "%s", out);
	cr_assert(tu_same_file(dir, "a.pcap", "b.pcap"), "same seed, different bytes");
	cr_assert(!tu_same_file(dir, "a.pcap", "c.pcap"), "seeds 4 and 5 gave the same trace");
}

Test(tracegen, counts_timestamps_and_parsing)
{
	struct shape s;

	cr_assert_eq(tracegen("-o %s/t.pcap -n 700 -f 9 -s 2 --rate 3000", dir), 0, "%s", out);
	shape_of("t.pcap", 3000, &s);
	cr_assert_eq(s.packets, 700);
	cr_assert_eq(s.parse_ok, 700);
	cr_assert(s.ts_ok, "timestamps not at 1/rate spacing");
	cr_assert_eq(s.flows, 9, "%ld distinct flows, asked 9", s.flows);
	cr_assert_geq(s.min_len, 60);

	/* defaults: 300 packets, 16 flows, 1 M packets/s */
	cr_assert_eq(tracegen("-o %s/d.pcap", dir), 0, "%s", out);
	shape_of("d.pcap", 1e6, &s);
	cr_assert_eq(s.packets, 300);
	cr_assert(s.ts_ok);
	cr_assert_eq(s.flows, 16);
}

Test(tracegen, percentages_shape_the_flows)
{
	struct shape s;

	cr_assert_eq(tracegen("-o %s/a.pcap -n 200 -f 30 --ipv6 100 --udp 100 --vlan 100 --vxlan 0",
			      dir), 0, "%s", out);
	shape_of("a.pcap", 1e6, &s);
	cr_assert_eq(s.parse_ok, 200);
	cr_assert_eq(s.ipv6, 200);
	cr_assert_eq(s.udp, 200);
	cr_assert_eq(s.vlan, 200);
	cr_assert_eq(s.vxlan, 0);

	cr_assert_eq(tracegen("-o %s/b.pcap -n 200 -f 30 --ipv6 0 --udp 0 --vlan 0 --vxlan 100",
			      dir), 0, "%s", out);
	shape_of("b.pcap", 1e6, &s);
	cr_assert_eq(s.parse_ok, 200);
	cr_assert_eq(s.vxlan, 200);
	cr_assert_eq(s.ipv4, 200, "VXLAN's outer header is IPv4");
	cr_assert_eq(s.tcp, 200, "inner TCP");
	cr_assert_eq(s.vlan, 0);

	/* smallest frames: IPv4/TCP with no payload, padded to 60 */
	cr_assert_eq(tracegen("-o %s/c.pcap -n 50 --ipv6 0 --udp 0 --vlan 0 --vxlan 0 --max-payload 0",
			      dir), 0, "%s", out);
	shape_of("c.pcap", 1e6, &s);
	cr_assert_eq(s.packets, 50);
	cr_assert_eq(s.min_len, 60);
	cr_assert_eq(s.tcp, 50);
	cr_assert_eq(s.ipv4, 50);
}

Test(tracegen, scenario_and_snippet)
{
	char path[256], msg[512];
	struct scenario *c;
	struct pnic_error err;
	char *snip;
	unsigned lines = 0;

	cr_assert_eq(tracegen("-o %s/t.pcap -n 100 -f 12 -s 8 --vpids 5 --scenario %s/t.yaml --flows-yaml %s/f.yaml",
			      dir, dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/t.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	cr_assert_eq(c->n_flows, 12u);
	cr_assert_eq(c->n_vpids, 5u);
	cr_assert_eq(c->n_ports, 4u);
	cr_assert_geq(c->tcam_depth, 16u);
	cr_assert_eq(c->n_inputs, 1u);
	snprintf(path, sizeof path, "%s/t.pcap", dir);
	cr_assert(strstr(c->inputs[0].path, "t.pcap"), "%s", c->inputs[0].path);
	cr_assert(tu_exists(c->inputs[0].path), "input %s", c->inputs[0].path);
	for (uint32_t i = 0; i < c->n_flows; i++)
		cr_assert_lt(c->flows[i].action.vpid, 5u);
	scenario_destroy(c);

	snprintf(path, sizeof path, "%s/f.yaml", dir);
	snip = tu_read(path, NULL);
	cr_assert_not_null(snip);
	for (char *p = snip; (p = strstr(p, "  - { match")); p++)
		lines++;
	cr_assert_eq(lines, 12u);
	free(snip);

	/* --miss 50: about half the flows get no entry */
	/* --config, the option's old name, still writes the scenario */
	cr_assert_eq(tracegen("-o %s/m.pcap -n 100 -f 40 -s 8 --miss 50 --config %s/m.yaml",
			      dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	cr_assert(c->n_flows > 5 && c->n_flows < 35, "%u entries", c->n_flows);
	scenario_destroy(c);

	/* --miss 100: no entry at all, still a scenario that loads */
	cr_assert_eq(tracegen("-o %s/m.pcap -n 10 -f 4 --miss 100 --scenario %s/m.yaml --flows-yaml %s/mf.yaml",
			      dir, dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	cr_assert_eq(c->n_flows, 0u);
	scenario_destroy(c);
}

/* Entries beyond the largest TCAM would make a scenario replay refuses:
 * refused before anything is written.  (tests/scenarios/tracegen_check.sh
 * replays a scenario at the maximum, 262144 entries.) */
Test(tracegen, entries_fit_the_largest_tcam)
{
	char path[256];
	char *text;

	cr_assert_eq(tracegen("-o %s/x.pcap -n 10 -f 262145 --scenario %s/x.yaml", dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "262145 flow entries do not fit the largest TCAM (262144 entries)"), "%s", out);
	snprintf(path, sizeof path, "%s/x.yaml", dir);
	cr_assert(!tu_exists(path), "scenario written");
	snprintf(path, sizeof path, "%s/x.pcap", dir);
	cr_assert(!tu_exists(path), "trace written");
	cr_assert_eq(tracegen("-o %s/x.pcap -n 10 -f 262145 --flows-yaml %s/f.yaml", dir, dir), 2, "%s", out);
	/* without an entry table there is nothing to fit */
	cr_assert_eq(tracegen("-o %s/x.pcap -n 10 -f 262145", dir), 0, "%s", out);

	/* 300000 flows of which about half have entries: the largest depth */
	cr_assert_eq(tracegen("-o %s/m.pcap -n 10 -f 300000 --miss 50 --scenario %s/m.yaml", dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	text = tu_read(path, NULL);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\ntcam: { depth: 262144, "), "%.300s", text);
	free(text);
}

/* The pcap's path is written so that any name reads back: YAML gives
 * ", ", ": ", " #" and quotes a meaning. */
Test(tracegen, scenario_input_path_quoted)
{
	static const char name[] = "a, b: \"c\" \\ #1.pcap";
	char path[256], msg[512];
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(tracegen("-o '%s/%s' -n 5 -f 3 --scenario '%s/t.yaml'", dir, name, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/t.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert_str_eq(c->inputs[0].path, path);
	scenario_destroy(c);

	/* in another folder: the absolute path */
	snprintf(path, sizeof path, "%s/sub, #2", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(tracegen("-o '%s/%s' -n 5 -f 3 --scenario '%s/sub, #2/t.yaml'", dir, name, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/sub, #2/t.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	cr_assert(strstr(c->inputs[0].path, name), "%s", c->inputs[0].path);
	scenario_destroy(c);
}

/* Two lines: the fault and where help is; never the whole help. */
static void expect_usage_error(const char *fault)
{
	tu_expect_usage_error(out, "tracegen", fault);
}

Test(tracegen, bad_arguments_refused)
{
	cr_assert_eq(tracegen("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: tracegen --out FILE.pcap"), "%s", out);
	cr_assert_eq(tracegen("%s", ""), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap -f 0", dir), 2, "%s", out);
	cr_assert(strstr(out, "--flows: '0' is out of range 1..16777216"), "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap -n -5", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --ipv6 101", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --rate 0", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --rate fast", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --max-payload 1401", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --vpids 0", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --frob", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap extra", dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/no/such/x.pcap", dir), 1, "%s", out);
	cr_assert(strstr(out, "cannot write"), "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --scenario %s/no/such/x.yaml", dir, dir), 1, "%s", out);
	cr_assert(strstr(out, "cannot write"), "%s", out);
}

/* A run that fails part-way leaves nothing that looks like a result: the
 * trace is not left behind without the scenario it was asked with, nor any
 * temporary, and an earlier result is left as it was. */
Test(tracegen, failed_run_leaves_no_result)
{
	char path[256], cmd[512], *before, *after;
	size_t n_before = 0, n_after = 0;

	snprintf(path, sizeof path, "%s/x.pcap", dir);
	cr_assert_eq(tracegen("-o %s/x.pcap --scenario %s/no/such/x.yaml", dir, dir), 1, "%s", out);
	cr_assert(!tu_exists(path), "the trace was left without its scenario");
	cr_assert_eq(tracegen("-o %s -n 5", path), 0, "%s", out);
	before = tu_read(path, &n_before);
	cr_assert_eq(tracegen("-o %s -n 50 --flows-yaml %s", path, dir), 1, "%s", out);
	after = tu_read(path, &n_after);
	cr_assert(n_after == n_before && !memcmp(after, before, n_before),
		  "a failed run replaced the earlier trace");
	free(before);
	free(after);
	snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q tmp-", dir);
	cr_assert_neq(system(cmd), 0, "a temporary was left behind");
}

/* What strtoull() and strtod() let through: a space before a sign (the
 * seed wrapped to 2^64-1), a leading zero read as octal (0101 was 65),
 * an infinite rate (every stamp the same), a rate so slow the stamps
 * wrap. */
Test(tracegen, numbers_that_wrap_are_refused)
{
	static const char *const bad[] = {
		"--seed ' -1'", "--packets ' -0'", "--vxlan 0101", "--miss 0144",
		"--rate inf", "--rate nan", "--rate ' 5'", "--rate 1e-9",
		"--packets 2000000000000K", "--flows 0x1000001",
	};
	char p[128];

	snprintf(p, sizeof p, "%s/x.pcap", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(tracegen("-o %s %s", p, bad[i]), 2, "'%s' accepted: %s",
			     bad[i], out);
		cr_assert(!tu_exists(p), "'%s' wrote a trace", bad[i]);
	}
	/* and what it takes: hex, a leading zero as decimal, a suffix */
	cr_assert_eq(tracegen("-o %s --seed 0x2a --vxlan 010 -n 1K -f 0x10", p), 0, "%s", out);
	cr_assert_eq(tu_pcap_count(p), 1000);
}

Test(tracegen, usage_errors_are_two_lines)
{
	cr_assert_eq(tracegen("%s", ""), 2, "%s", out);
	expect_usage_error("tracegen: --out FILE.pcap is required");
	cr_assert_eq(tracegen("-o %s/x.pcap --frob", dir), 2, "%s", out);
	expect_usage_error("tracegen: unknown option '--frob'");
	cr_assert_eq(tracegen("-o %s/x.pcap -q", dir), 2, "%s", out);
	expect_usage_error("tracegen: unknown option '-q'");
	cr_assert_eq(tracegen("-o %s/x.pcap --seed", dir), 2, "%s", out);
	expect_usage_error("tracegen: option '--seed' needs a value");
	cr_assert_eq(tracegen("-o %s/x.pcap extra", dir), 2, "%s", out);
	expect_usage_error("tracegen: unexpected argument 'extra'");
	cr_assert_eq(tracegen("-o %s/x.pcap --udp 101", dir), 2, "%s", out);
	expect_usage_error("tracegen: --udp: '101' is out of range 0..100");
	cr_assert_eq(tracegen("-o %s/x.pcap --rate 0", dir), 2, "%s", out);
	expect_usage_error("tracegen: --rate: '0' is out of range");
}
