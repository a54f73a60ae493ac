/* tracegen: same arguments, same bytes; the asked packet count, link type
 * and timestamps as libpcap reads them; every frame parses (model/parser)
 * with the shape the percentages ask for; the scenario it writes loads; the
 * refusals.  (tests/scenarios/tracegen_check.sh regenerates the bundled
 * trace and replays a generated scenario.) */
#include <criterion/criterion.h>
#include <math.h>
#include <pcap/pcap.h>
#include <signal.h>
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

/* Two outputs naming one file would share one temporary and leave a mix
 * of both in place: refused before anything is written, however the
 * names are spelt. */
Test(tracegen, outputs_naming_one_file_refused)
{
	char cmd[512];

	cr_assert_eq(tracegen("-o %s/x -n 5 --scenario %s/x", dir, dir), 2, "%s", out);
	expect_usage_error("tracegen: --scenario and --out name the same file");
	cr_assert_eq(tracegen("-o %s/x.pcap --scenario %s/s.yaml --flows-yaml %s/./s.yaml",
			      dir, dir, dir), 2, "%s", out);
	expect_usage_error("tracegen: --flows-yaml and --scenario name the same file");
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/../%s/x.pcap --connections 5",
			      dir, dir, strrchr(dir, '/') + 1), 2, "%s", out);
	expect_usage_error("tracegen: --reverse and --out name the same file");
	snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
	cr_assert_eq(system(cmd), 0, "a refused run left a file");
	/* the same name in two folders is two files */
	cr_assert_eq(mkdir(strcat(strcpy(cmd, dir), "/sub"), 0755), 0);
	cr_assert_eq(tracegen("-o %s/x.pcap -n 5 --flows-yaml %s/sub/x.pcap", dir, dir), 0, "%s", out);
}

/* SIGTERM while the traces are being written (SIGINT has the same
 * handler, but a background job's is ignored): the run dies of the
 * signal and leaves no result and no temporary, and an earlier result as
 * it was.  `args` runs for much longer than the wait. */
static void interrupted(const char *args)
{
	char cmd[1024], path[256], *after;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/k.pcap", dir);
	tu_write(path, "earlier");
	snprintf(cmd, sizeof cmd,
		 "{ " TOOL_BIN_DIR "tracegen -o '%s' --scenario '%s/s.yaml' %s & p=$!; "
		 "i=0; until ls -A '%s' | grep -q tmp-; do "
		 "i=$((i+1)); [ $i -lt 500 ] || exit 99; sleep 0.01; done; "
		 "kill -TERM $p; wait $p; } 2>/dev/null",
		 path, dir, args, dir);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 128 + SIGTERM, "%s", cmd);
	snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -q tmp-", dir);
	cr_assert_neq(system(cmd), 0, "a temporary was left behind");
	after = tu_read(path, &n);
	cr_assert(n == 7 && !memcmp(after, "earlier", 7), "the earlier result changed");
	free(after);
	snprintf(path, sizeof path, "%s/s.yaml", dir);
	cr_assert(!tu_exists(path), "scenario written");
}

Test(tracegen, interrupted_run_leaves_no_result)
{
	char rev[512];

	interrupted("-n 1G");
	snprintf(rev, sizeof rev, "--reverse '%s/r.pcap' --connections 100K --conn-rate 1e6", dir);
	interrupted(rev);
	snprintf(rev, sizeof rev, "%s/r.pcap", dir);
	cr_assert(!tu_exists(rev), "reverse trace written");
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

/* ---- --connections ------------------------------------------------------ */

#include "io/pcap_in.h"

/* What the two traces say of each connection, read back with io/pcap_in
 * and model/parser.  The client's address holds the connection's number
 * (10.a.b.c, or 2001:db8:1::a.b.c in its last bytes). */
struct cstate {
	bool seen, tcp, syn, synack, est, rst, bad;
	int fins;                     /* FINs seen, either side */
	bool last_ack;                /* the ACK of the second FIN */
	uint32_t nxt[2];              /* each side's next sequence number */
	uint64_t bytes[2];            /* payload bytes each way */
	uint64_t first_ts;
	char why[160];
};

struct cscan {
	struct cstate *c;
	long n_conns, packets[2], tcp, rst, open, closed, order_bad;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void cbad(struct cstate *s, const char *fmt, uint32_t a, uint32_t b)
{
	if (!s->bad)
		snprintf(s->why, sizeof s->why, fmt, a, b);
	s->bad = true;
}

/* One TCP segment from `side` against the connection's state: the
 * handshake first, every sequence number the next expected one, every
 * acknowledgement of bytes already sent, nothing after an RST. */
static void tcp_check(struct cstate *s, int side, uint8_t fl, uint32_t seq,
		      uint32_t ack, uint32_t len)
{
	int o = !side;

	if (s->rst)
		cbad(s, "packet after RST (side %u)%u", (uint32_t)side, 0);
	if (!s->syn) {
		if (side != 0 || fl != 0x02)
			cbad(s, "first packet not a client SYN (flags %#x)%u", fl, 0);
		s->syn = true;
		s->nxt[0] = seq + 1;
		return;
	}
	if (!s->synack) {
		if (side != 1 || fl != 0x12 || ack != s->nxt[0])
			cbad(s, "second packet not the SYN-ACK (flags %#x ack %u)", fl, ack);
		s->synack = true;
		s->nxt[1] = seq + 1;
		return;
	}
	if (!s->est && (side != 0 || len || !(fl & 0x10) || ack != s->nxt[1]))
		cbad(s, "third packet not the client's ACK (flags %#x)%u", fl, 0);
	s->est = true;
	if (seq != s->nxt[side])
		cbad(s, "seq %u where %u expected", seq, s->nxt[side]);
	if (!(fl & 0x10) || ack != s->nxt[o]) {
		/* a pure ACK may acknowledge less than all: never more */
		if (!(fl & 0x10) || (int32_t)(ack - s->nxt[o]) > 0 || fl & 0x01)
			cbad(s, "ack %u beyond the other side's %u", ack, s->nxt[o]);
	}
	if (s->fins == 2 && fl == 0x10 && ack == s->nxt[o])
		s->last_ack = true;
	s->nxt[side] += len + !!(fl & 0x01);
	s->bytes[side] += len;
	if (fl & 0x01)
		s->fins++;
	if (fl & 0x04)
		s->rst = true;
}

static void scan_packet(struct cscan *k, int side, const struct pcap_in_pkt *p)
{
	struct parser_result r;
	const struct pkt_hdrs *l;
	const uint8_t *cli;
	struct cstate *s;
	uint32_t id, len;

	cr_assert_eq(parser_parse(p->frame, p->caplen, p->len, &r), PARSE_OK,
		     "side %d packet %llu does not parse", side,
		     (unsigned long long)p->number);
	l = r.have_inner ? &r.inner : &r.outer;
	cli = side ? l->dst_ip : l->src_ip;
	id = (uint32_t)cli[13] << 16 | (uint32_t)cli[14] << 8 | cli[15];
	cr_assert_lt(id, (uint32_t)k->n_conns, "connection %u", id);
	s = &k->c[id];
	if (!s->seen)
		s->first_ts = p->ts_ns;
	s->seen = true;
	s->tcp = !!(l->have & HDR_TCP);
	len = (uint32_t)(l->l3_off + l->ip_total_len - l->l4_payload_off);
	k->packets[side]++;
	if (!s->tcp) {
		s->bytes[side] += len;
		return;
	}
	tcp_check(s, side, l->tcp_flags, be32(p->frame + l->l4_off + 4),
		  be32(p->frame + l->l4_off + 8), len);
}

/* Both traces of dir/name.{c,s}.pcap, merged by time as the generator
 * merged them (the client's first on equal stamps is not promised, so
 * ties are taken client first only where it keeps them consistent). */
static void cscan_run(const char *c_name, const char *s_name, long n_conns,
		      struct cscan *k)
{
	struct pcap_in *in[2];
	struct pcap_in_pkt pk[2];
	struct pnic_error err;
	char path[256];
	int more[2];
	uint64_t last[2] = { 0, 0 };

	memset(k, 0, sizeof *k);
	k->n_conns = n_conns;
	k->c = calloc((size_t)n_conns, sizeof *k->c);
	cr_assert_not_null(k->c);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, i ? s_name : c_name);
		cr_assert_eq(pcap_in_open(path, &in[i], &err), 0, "%s", err.msg);
		more[i] = pcap_in_next(in[i], &pk[i], &err);
	}
	while (more[0] == 1 || more[1] == 1) {
		int side = more[1] != 1 ? 0 : more[0] != 1 ? 1 :
			   pk[1].ts_ns < pk[0].ts_ns;

		if (pk[side].ts_ns < last[side])
			k->order_bad++;
		last[side] = pk[side].ts_ns;
		scan_packet(k, side, &pk[side]);
		more[side] = pcap_in_next(in[side], &pk[side], &err);
	}
	for (int i = 0; i < 2; i++)
		pcap_in_close(in[i]);
	for (long i = 0; i < n_conns; i++) {
		struct cstate *s = &k->c[i];

		cr_assert(s->seen, "connection %ld has no packet", i);
		cr_assert(!s->bad, "connection %ld: %s", i, s->why);
		if (!s->tcp)
			continue;
		k->tcp++;
		k->rst += s->rst;
		k->closed += s->fins == 2;
		k->open += !s->rst && !s->fins;
		cr_assert(s->rst || s->fins == 2 || s->fins == 0,
			  "connection %ld: %d FINs", i, s->fins);
		cr_assert(s->fins < 2 || s->last_ack,
			  "connection %ld: the second FIN is never acknowledged", i);
		cr_assert(s->bytes[0] && s->bytes[1], "connection %ld: data one way only", i);
	}
}

#define CONN_ARGS "--ipv6 30 --vlan 20 --vxlan 20 --udp 30 --rst 20 --open 10 --idle 20 --idle-ms 2"

/* Handshake, sequence and acknowledgement numbers, teardown, per
 * connection, across the two traces. */
Test(tracegen, connections_are_tcp)
{
	struct cscan k;

	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/s.pcap --connections 400 -s 11 " CONN_ARGS,
			      dir, dir), 0, "%s", out);
	cscan_run("c.pcap", "s.pcap", 400, &k);
	cr_assert_eq(k.order_bad, 0, "a trace out of time order");
	cr_assert(k.packets[0] > 400 && k.packets[1] > 400, "%ld / %ld packets",
		  k.packets[0], k.packets[1]);
	cr_assert(k.tcp > 230 && k.tcp < 330, "%ld TCP of 400 at --udp 30", k.tcp);
	/* 20% RST; of the rest 10% open, the others closed both ways */
	cr_assert(k.rst > k.tcp / 10 && k.rst < k.tcp * 3 / 10, "%ld RST of %ld", k.rst, k.tcp);
	cr_assert(k.open > 0 && k.open < k.tcp / 5, "%ld open of %ld", k.open, k.tcp);
	cr_assert_eq(k.rst + k.open + k.closed, k.tcp);
	free(k.c);
}

/* Arrivals are Poisson at --conn-rate (mean gap 1/rate, coefficient of
 * variation 1) and response sizes lognormal with the documented median
 * and 80% under 10 KB. */
Test(tracegen, connection_arrivals_and_sizes)
{
	enum { N = 4000 };
	struct cscan k;
	double sum = 0, sq = 0, mean, cv, under = 0;
	long below_median = 0;

	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/s.pcap --connections %d -s 5 --udp 0 --rst 0 --open 0 --idle 0 --conn-rate 2000 --rtt-us 20",
			      dir, dir, N), 0, "%s", out);
	cscan_run("c.pcap", "s.pcap", N, &k);
	for (int i = 1; i < N; i++) {
		double g = (double)(k.c[i].first_ts - k.c[i - 1].first_ts) * 1e-9;

		sum += g;
		sq += g * g;
	}
	mean = sum / (N - 1);
	cv = sqrt(sq / (N - 1) - mean * mean) / mean;
	/* 4000 exponential gaps: the mean within ~3 standard errors (1.6%) */
	cr_assert(fabs(mean * 2000 - 1) < 0.05, "mean gap %g s, rate 2000/s", mean);
	cr_assert(fabs(cv - 1) < 0.08, "coefficient of variation %g", cv);
	for (int i = 0; i < N; i++) {
		under += k.c[i].bytes[1] < 10000;
		below_median += k.c[i].bytes[1] < 2000;
	}
	cr_assert(fabs(under / N - 0.80) < 0.03, "%g under 10 KB", under / N);
	cr_assert(labs(below_median - N / 2) < N / 20, "%ld of %d under the median",
		  below_median, N);
	free(k.c);
}

/* --report: the packets each side wrote (as read back), and the most
 * connections open at once: all of them when they arrive within a round
 * trip, one or two when they come 100 ms apart and last about 1 ms. */
Test(tracegen, report_counts_packets_and_open_connections)
{
	struct cscan k;
	long cli, srv, peak;
	double secs;

	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/s.pcap --connections 100 -s 3 --idle 0 --conn-rate 1e9 --report",
			      dir, dir), 0, "%s", out);
	cr_assert_eq(sscanf(out, "tracegen: 100 connections, %ld client and %ld server packets over %lf s, at most %ld open at once",
			    &cli, &srv, &secs, &peak), 4, "%s", out);
	cscan_run("c.pcap", "s.pcap", 100, &k);
	cr_assert(cli == k.packets[0] && srv == k.packets[1], "%s: %ld / %ld read back",
		  out, k.packets[0], k.packets[1]);
	cr_assert_eq(peak, 100, "%s", out);
	free(k.c);
	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/s.pcap --connections 50 -s 3 --idle 0 --conn-rate 10 --size-max 1000 --report",
			      dir, dir), 0, "%s", out);
	cr_assert_eq(sscanf(out, "tracegen: 50 connections, %ld client and %ld server packets over %lf s, at most %ld open at once",
			    &cli, &srv, &secs, &peak), 4, "%s", out);
	cr_assert(peak >= 1 && peak <= 2, "%s", out);
	cr_assert(secs > 2 && secs < 10, "50 arrivals at 10/s: %s", out);
}

Test(tracegen, connections_deterministic_and_scenario)
{
	char path[256], msg[512];
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(tracegen("-o %s/a.pcap --reverse %s/ar.pcap --connections 50 -s 4 --scenario %s/a.yaml",
			      dir, dir, dir), 0, "%s", out);
	cr_assert_eq(tracegen("-o %s/b.pcap --reverse %s/br.pcap --connections 50 -s 4", dir, dir), 0, "%s", out);
	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/cr.pcap --connections 50 -s 5", dir, dir), 0, "%s", out);
	cr_assert(tu_same_file(dir, "a.pcap", "b.pcap"), "same seed, different bytes");
	cr_assert(tu_same_file(dir, "ar.pcap", "br.pcap"), "same seed, different bytes");
	cr_assert(!tu_same_file(dir, "a.pcap", "c.pcap"), "seeds 4 and 5 gave the same trace");
	snprintf(path, sizeof path, "%s/a.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s",
		     pnic_error_str(&err, msg, sizeof msg));
	cr_assert_eq(c->n_flows, 100u, "an entry each way");
	cr_assert_eq(c->n_inputs, 2u);
	cr_assert(strstr(c->inputs[0].path, "a.pcap"), "%s", c->inputs[0].path);
	cr_assert(strstr(c->inputs[1].path, "ar.pcap"), "%s", c->inputs[1].path);
	cr_assert_eq(c->inputs[0].in_port, 0u);
	cr_assert_eq(c->inputs[1].in_port, 2u);
	scenario_destroy(c);
}

Test(tracegen, connection_options_refused)
{
	char path[256];

	cr_assert_eq(tracegen("-o %s/x.pcap --connections 5", dir), 2, "%s", out);
	expect_usage_error("tracegen: --connections needs --reverse FILE.pcap (the server-to-client side)");
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 -n 9", dir, dir), 2, "%s", out);
	expect_usage_error("tracegen: --packets does not apply with --connections (the connections make the packets)");
	cr_assert_eq(tracegen("-o %s/x.pcap --rst 5", dir), 2, "%s", out);
	expect_usage_error("tracegen: --rst applies only with --connections");
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/x.pcap --connections 5", dir, dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 0", dir, dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 --mss 63", dir, dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 --conn-rate 0", dir, dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 16M --conn-rate 0.01", dir, dir), 2, "%s", out);
	snprintf(path, sizeof path, "%s/x.pcap", dir);
	cr_assert(!tu_exists(path), "a refused run wrote a trace");
	/* the reverse trace's folder is checked before anything is written */
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/no/y.pcap --connections 5", dir, dir), 1, "%s", out);
	cr_assert(strstr(out, "cannot write"), "%s", out);
}

/* tshark as a peer: one TCP conversation per TCP connection, and no TCP
 * analysis flag (lost or unseen segments, retransmissions, duplicate
 * ACKs, window problems) on the two traces merged. */
Test(tracegen, connections_tshark_peer)
{
	char cmd[1024];
	struct cscan k;
	FILE *p;
	long convs = 0, flagged = 0;
	char line[512];

	if (system("command -v tshark >/dev/null 2>&1 && command -v mergecap >/dev/null 2>&1")) {
		cr_skip_test("tshark or mergecap not installed: the peer check is skipped");
	}
	cr_assert_eq(tracegen("-o %s/c.pcap --reverse %s/s.pcap --connections 300 -s 9 " CONN_ARGS,
			      dir, dir), 0, "%s", out);
	cscan_run("c.pcap", "s.pcap", 300, &k);
	snprintf(cmd, sizeof cmd, "mergecap -w '%s/m.pcap' '%s/c.pcap' '%s/s.pcap'", dir, dir, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "cd '%s' && WIRESHARK_CONFIG_DIR='%s' tshark -n -r m.pcap -q -z conv,tcp 2>/dev/null",
		 dir, dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof line, p))
		convs += strstr(line, "<->") != NULL;
	cr_assert_eq(pclose(p), 0, "tshark failed");
	cr_assert_eq(convs, k.tcp, "tshark sees %ld TCP conversations, %ld connections", convs, k.tcp);
	snprintf(cmd, sizeof cmd, "cd '%s' && WIRESHARK_CONFIG_DIR='%s' tshark -n -r m.pcap -Y tcp.analysis.flags 2>/dev/null",
		 dir, dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof line, p))
		if (flagged++ < 5)
			cr_log_error("tshark: %s", line);
	cr_assert_eq(pclose(p), 0, "tshark failed");
	cr_assert_eq(flagged, 0, "%ld segments with TCP analysis flags", flagged);
	free(k.c);
}

/* --vms: connections between VMs, the VMs' own MACs and addresses, and
 * the FPAG's scenario: it loads, names every VM and moves one. */
Test(tracegen, vms_make_the_fpags_scenario)
{
	char path[256], msg[512];
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(tracegen("-o %s/a.pcap --reverse %s/ar.pcap --connections 40 --vms 3,2 -s 4 --scenario %s/a.yaml",
			      dir, dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/a.yaml", dir);
	cr_assert_eq(scenario_load(path, &c, &err), 0, "%s", pnic_error_str(&err, msg, sizeof msg));
	cr_assert_eq(c->host.program, SCENARIO_PROGRAM_FPAG);
	cr_assert_eq(c->topo.n_vnics, 5);
	cr_assert_str_eq(c->topo.vnics[3].name, "server0");
	cr_assert_eq(c->topo.vnics[3].v.mac, 0x020000000201ull);
	cr_assert_eq(c->topo.vnics[3].v.ipv4, 0x0a000201u);
	cr_assert_eq(c->n_flows, 0, "the FPAG writes the entries");
	cr_assert_eq(c->n_events, 1);
	cr_assert_eq(c->events[0].vnic, 3);
	cr_assert_eq(c->events[0].at_ns, 20000000, "halfway through 40 arrivals at 1000/s");
	cr_assert(c->inputs[0].by_vnic && c->inputs[1].by_vnic);
	cr_assert(strstr(c->inputs[1].path, "ar.pcap"), "%s", c->inputs[1].path);
	scenario_destroy(c);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 --vms 3", dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "expected C,S"), "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 --vms 3,251", dir, dir), 2, "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --reverse %s/y.pcap --connections 5 --vms 3,2 --vlan 5", dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "--vlan does not apply with --vms"), "%s", out);
	cr_assert_eq(tracegen("-o %s/x.pcap --vms 3,2", dir), 2, "%s", out);
	cr_assert(strstr(out, "--vms applies only with --connections"), "%s", out);
}
