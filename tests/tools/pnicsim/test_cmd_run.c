/* pnicsim run end to end on a trace and scenario written by the test: the
 * command line, refusals of bad scenarios (file:line:column and field,
 * exit 2, nothing written), and the outputs read back with jansson and
 * libpcap, not the project's readers: summary.json's counts against
 * packets.csv's lines, timeseries.csv's windows, every egress frame's
 * pcap timestamp against its record's departure, the plots, and the
 * switches that leave files out.  (tests/scenarios/run-*.sh cover the
 * demo's regression, determinism and an interrupted run.) */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/pcap_out.h"
#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

static char out[65536];

TU_SCRATCH_SUITE(cmd_run);

#define run(fmt, ...) \
	run_toolf("pnicsim", out, sizeof out, "run " fmt, ##__VA_ARGS__)

/* Ethernet / IPv4 / TCP to port dport, 60 bytes, from 10.0.0.<i>. */
static uint32_t tcp_frame(uint8_t *b, unsigned i, uint16_t dport)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = b + 14, *l4 = ip + 20;

	memset(b, 0, 60);
	memcpy(b, eth, sizeof eth);
	ip[0] = 0x45;
	ip[3] = 40;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10; ip[15] = (uint8_t)(i % 4);
	ip[16] = 10; ip[17] = 1; ip[19] = 1;
	l4[1] = (uint8_t)(i % 4);
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	l4[12] = 0x50;
	l4[13] = 0x10;
	return 60;
}

/* 40 frames 1 us apart: ports 80 (to vf1), 22 (dropped), 443 (miss). */
#define N_PKTS 40
static const uint16_t dports[] = { 80, 80, 22, 443 };

static void write_trace(void)
{
	char path[256];
	uint8_t f[60];
	struct pcap_out *o;
	struct pnic_error err;

	snprintf(path, sizeof path, "%s/in.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < N_PKTS; i++) {
		uint32_t n = tcp_frame(f, i, dports[i % 4]);

		pcap_out_write(o, f, n, n, 1000000000ull + i * 1000ull);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
}

#define CFG \
	"tcam: { depth: 64, miss: to_host }\n" \
	"ports: [ { ppid: 0, name: wire0 }, { ppid: 1, name: vf1, speed: 25G },\n" \
	"         { ppid: 2, name: vf2 } ]\n" \
	"vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: vf1 }, { vpid: 2, ppid: vf2 } ] }\n" \
	"flows:\n" \
	"  - { match: { ip_proto: tcp, l4_dst: 80 }, action: { forward: 1 } }\n" \
	"  - { match: { ip_proto: tcp, l4_dst: 22 }, action: drop }\n" \
	"inputs: [ { pcap: in.pcap, in_port: wire0 } ]\n" \
	"run: { window_ns: 5000 }\n"

/* cfg.yaml: CFG and `extra`, and the trace. */
static void write_scenario(const char *extra)
{
	char path[256], text[4096];

	snprintf(text, sizeof text, "%s%s", CFG, extra);
	snprintf(path, sizeof path, "%s/cfg.yaml", dir);
	tu_write(path, text);
	write_trace();
}

static json_t *load_summary(const char *sub)
{
	char path[256];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof path, "%s/%s/summary.json", dir, sub);
	j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s: %s (line %d)", path, e.text, e.line);
	return j;
}

/* The integer at a /-separated path of j. */
static long long jint(json_t *j, const char *path)
{
	char buf[256], *save, *k;

	snprintf(buf, sizeof buf, "%s", path);
	for (k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(k, NULL, 10))
				     : json_object_get(j, k);
	cr_assert(json_is_integer(j), "%s is not an integer", path);
	return json_integer_value(j);
}

static char *read_out(const char *sub, const char *name)
{
	char path[256];
	size_t n;
	char *s;

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	s = tu_read(path, &n);
	cr_assert_not_null(s, "no %s", path);
	return s;
}

static bool exists_out(const char *sub, const char *name)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	return tu_exists(path);
}

/* ---- the command line ---------------------------------------------------- */

Test(cmd_run, usage_errors)
{
	cr_assert_eq(run(""), 2);
	tu_expect_usage_error(out, "pnicsim run", "expected one SCENARIO.yaml, got 0");
	cr_assert_eq(run("a.yaml b.yaml"), 2);
	tu_expect_usage_error(out, "pnicsim run", "got 2 arguments");
	cr_assert_eq(run("--bogus a.yaml"), 2);
	tu_expect_usage_error(out, "pnicsim run", "--bogus");
	cr_assert_eq(run("a.yaml --out"), 2);
	tu_expect_usage_error(out, "pnicsim run", "--out");
	cr_assert_eq(run("--help"), 0);
	cr_assert(strstr(out, "usage: pnicsim run SCENARIO.yaml"), "%s", out);
	cr_assert(strstr(out, "exit status"), "%s", out);
	cr_assert_eq(run_tool("pnicsim", "--help", out, sizeof out), 0);
	cr_assert(strstr(out, "  run "), "pnicsim lists run: %s", out);
}

/* A bad value in a timed section: exit 2, the place and field named,
 * and no output folder made. */
Test(cmd_run, bad_scenario_refused_with_place)
{
	static const struct {
		const char *extra, *where, *words;
	} bads[] = {
		{ "nic: { clock: fast }\n", "cfg.yaml:10:15: nic.clock", "clock in Hz" },
		{ "host: { notify: smoke }\n", "cfg.yaml:10:17: host.notify", "irq or poll" },
		{ "nic: { timing: { key: { ii: 0 } } }\n", "cfg.yaml:10:29: nic.timing.key.ii", "1..4096" },
		{ "bogus: 1\n", "cfg.yaml:10:1: bogus", "unknown key" },
	};

	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		write_scenario(bads[i].extra);
		cr_assert_eq(run("%s/cfg.yaml --out %s/o", dir, dir), 2, "%zu: %s", i, out);
		cr_assert(strstr(out, bads[i].where), "%zu: no '%s' in: %s", i, bads[i].where, out);
		cr_assert(strstr(out, bads[i].words), "%zu: no '%s' in: %s", i, bads[i].words, out);
		cr_assert(!exists_out("o", "summary.json"), "%zu: nothing written", i);
	}
}

Test(cmd_run, no_inputs_is_a_usage_error)
{
	char path[256];

	snprintf(path, sizeof path, "%s/none.yaml", dir);
	tu_write(path, "tcam: { depth: 64 }\nports: [ { ppid: 0 } ]\nvpid_map: { n_vpids: 4 }\n");
	cr_assert_eq(run("%s --out %s/o", path, dir), 2, "%s", out);
	tu_expect_usage_error(out, "pnicsim run", "lists no inputs");
}

/* ---- the outputs --------------------------------------------------------- */

/* Lines of packets.csv with path hit and out_ppid ppid: their departure
 * cycles, in order (the egress is in order per PPID). */
static unsigned departures(const char *csv, unsigned ppid, uint64_t *dep,
			   unsigned cap)
{
	unsigned n = 0;

	for (const char *l = strchr(csv, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
		unsigned long long f[10];
		char path[16];
		unsigned op;
		int got = sscanf(l, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%15[a-z_],,,%u,",
				 &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6],
				 &f[7], &f[8], &f[9], path, &op);

		if (got == 12 && !strcmp(path, "hit") && op == ppid && n < cap)
			dep[n++] = f[9];
	}
	return n;
}

/* Every number of packets.csv as printf writes it (no padding, no
 * leading zero: it is formatted by hand), the ids 0..N-1 once each, and
 * a record's edges in stage order. */
static void check_csv_numbers(const char *csv)
{
	static bool seen[N_PKTS];
	unsigned lines = 0;

	memset(seen, 0, sizeof seen);
	for (const char *l = strchr(csv, '\n') + 1; *l; l = strchr(l, '\n') + 1) {
		unsigned long long v[10] = { 0 }, last = 0;
		const char *f = l;

		for (unsigned i = 0; i < 10; i++) {
			char *end, again[24];

			if (*f != ',') {
				v[i] = strtoull(f, &end, 10);
				snprintf(again, sizeof again, "%llu", v[i]);
				cr_assert_eq(strncmp(f, again, (size_t)(end - f)), 0,
					     "field %u: %.100s", i, l);
				cr_assert_eq(strlen(again), (size_t)(end - f), "%.100s", l);
				f = end;
				if (i >= 3) {
					cr_assert_geq(v[i], last, "edges in order: %.100s", l);
					last = v[i];
				}
			}
			cr_assert_eq(*f, ',', "%.100s", l);
			f++;
		}
		cr_assert_lt(v[0], N_PKTS);
		cr_assert(!seen[v[0]], "id %llu once", v[0]);
		seen[v[0]] = true;
		lines++;
	}
	cr_assert_eq(lines, N_PKTS);
}

/* Every frame's pcap timestamp (ns) equals its record's departure: the
 * clock is 1 GHz, so a cycle is a nanosecond. */
static void check_timestamps(const char *csv, unsigned ppid)
{
	char path[256], eb[PCAP_ERRBUF_SIZE];
	uint64_t dep[N_PKTS];
	unsigned n = departures(csv, ppid, dep, N_PKTS), k = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;

	snprintf(path, sizeof path, "%s/o/egress-ppid%u.pcap", dir, ppid);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	while (pcap_next_ex(p, &h, &d) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;

		cr_assert_lt(k, n, "more frames than records on ppid %u", ppid);
		cr_assert_eq(ts, dep[k], "frame %u on ppid %u: ts %llu, departure %llu",
			     k, ppid, (unsigned long long)ts, (unsigned long long)dep[k]);
		k++;
	}
	pcap_close(p);
	cr_assert_eq(k, n, "ppid %u: %u frames, %u records", ppid, k, n);
}

/* The windows tile the run from 0 (each starts where the one before
 * ended; one that spans idle time skipped whole may be longer than
 * window_ns) and their counts add up to the summary's. */
static void check_windows(const char *ts, json_t *s)
{
	unsigned long long prev_end = 0, sum[4] = { 0 };
	const char *l = strchr(ts, '\n') + 1;

	for (; *l; l = strchr(l, '\n') + 1) {
		unsigned long long st, en, arr, dep, hit, miss;

		cr_assert_eq(sscanf(l, "%llu,%llu,%llu,%llu,%llu,%llu,", &st, &en,
				    &arr, &dep, &hit, &miss), 6, "%.80s", l);
		cr_assert_eq(st, prev_end, "windows tile the run: %.80s", l);
		cr_assert_gt(en, st);
		cr_assert(en - st >= 5000 || !strchr(strchr(l, '\n') + 1, '\n'),
			  "only the last window is short: %.80s", l);
		prev_end = en;
		sum[0] += arr, sum[1] += dep, sum[2] += hit, sum[3] += miss;
	}
	cr_assert_eq(sum[0], N_PKTS, "arrivals over the windows");
	/* A window's hits are the TCAM's, whatever the action: the
	 * forwarded packets and those its drop entry dropped. */
	cr_assert_eq(sum[2], jint(s, "packets/paths/hit") + jint(s, "packets/drops/action"),
		     "hits over the windows");
	cr_assert_eq(sum[3], jint(s, "packets/paths/miss"), "misses over the windows");
}

/* With the host program off: hits go out of vf1, 22 is dropped, 443
 * misses and stays in the to-host queue. */
Test(cmd_run, outputs_agree_with_each_other)
{
	static const char header[] =
		"id,in_port,len,arrival_first,arrival_last,parse_done,"
		"lookup_issue,lookup_response,enqueue,departure,path,drop,"
		"host_reason,out_ppid,entry\n";
	char *csv, *ts;
	json_t *s;

	write_scenario("host: { enabled: false }\n");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots", dir, dir), 0, "%s", out);
	s = load_summary("o");
	cr_assert_eq(jint(s, "packets/arrivals"), N_PKTS);
	cr_assert_eq(jint(s, "packets/paths/hit"), N_PKTS / 2);
	cr_assert_eq(jint(s, "packets/paths/drop"), N_PKTS / 4);
	cr_assert_eq(jint(s, "packets/paths/miss"), N_PKTS / 4);
	cr_assert_eq(jint(s, "packets/drops/action"), N_PKTS / 4);
	cr_assert_eq(jint(s, "latency/hit/count"), N_PKTS / 2);
	cr_assert_eq(jint(s, "ports/1/tx_frames"), N_PKTS / 2);
	cr_assert_eq(jint(s, "simulated/records"), N_PKTS);
	cr_assert(json_is_real(json_object_get(json_object_get(json_object_get(
		json_object_get(s, "latency"), "hit"), "ns"), "p99.9")));
	cr_assert(json_is_false(json_object_get(json_object_get(s, "run"), "interrupted")));

	csv = read_out("o", "packets.csv");
	cr_assert_eq(strncmp(csv, header, strlen(header)), 0, "%.200s", csv);
	cr_assert_eq(tu_lines(csv), 1 + N_PKTS, "a line per record");
	cr_assert(strstr(csv, ",drop,action,,,1\n"), "the drop names its reason and entry: %s", csv);
	cr_assert(strstr(csv, ",miss,,miss,,\n"), "a miss names its host reason: %s", csv);
	check_timestamps(csv, 1);
	check_csv_numbers(csv);
	cr_assert(!exists_out("o", "egress-ppid0.pcap"), "no frame left by ppid 0");
	cr_assert(!exists_out("o", "egress-ppid2.pcap"), "no frame left by ppid 2");

	ts = read_out("o", "timeseries.csv");
	cr_assert_eq(strncmp(ts, "start_ns,end_ns,arrivals,", 25), 0, "%.100s", ts);
	cr_assert_eq(tu_lines(ts), 1 + jint(s, "simulated/windows"));
	check_windows(ts, s);
	cr_assert(!exists_out("o", "latency-cdf.png"), "--no-plots");
	cr_assert(exists_out("o", "timing.json"));
	free(ts);
	free(csv);
	json_decref(s);
}

/* With the host program on, every miss is sent back out (packet-out) and
 * counted the same by the pipeline and the host program. */
Test(cmd_run, host_loop_counts_agree)
{
	json_t *s;

	write_scenario("host: { action: { forward: 2 }, miss_ns: 2500, notify: poll,\n"
		       "        poll_interval_ns: 700, evt_ring: 64 }\n");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots", dir, dir), 0, "%s", out);
	s = load_summary("o");
	/* What the scenario wrote, over the system's defaults. */
	cr_assert_eq(jint(s, "host/miss_ns"), 2500);
	cr_assert_eq(jint(s, "host/poll_interval_ns"), 700);
	cr_assert_eq(jint(s, "host/evt_ring"), 64);
	cr_assert_eq(jint(s, "host/install_ns"), 300, "the default");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "host"), "notify")), "poll");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "host"), "action")),
			 "forward vpid 2");
	cr_assert_geq(jint(s, "host_program/polls"), 1);
	cr_assert_eq(jint(s, "packets/arrivals"), N_PKTS);
	cr_assert_eq(jint(s, "host_program/packet_outs"), jint(s, "packets/packet_outs"));
	cr_assert_eq(jint(s, "packets/packet_outs_departed"), jint(s, "packets/packet_outs"));
	cr_assert_eq(jint(s, "host_program/misses") + jint(s, "packets/paths/hit"),
		     N_PKTS - N_PKTS / 4, "each 443 packet missed or hit an installed entry");
	json_decref(s);
}

static bool starts_with_file(const char *sub, const char *name,
			     const char *magic, size_t n)
{
	char *s = read_out(sub, name);
	bool ok = !memcmp(s, magic, n);

	free(s);
	return ok;
}

static bool file_has(const char *sub, const char *name, const char *needle)
{
	char *s = read_out(sub, name);
	bool ok = strstr(s, needle) != NULL;

	free(s);
	return ok;
}

Test(cmd_run, plots_made_or_explained)
{
	write_scenario("");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o", dir, dir), 0, "%s", out);
	cr_assert(starts_with_file("o", "latency-cdf.png", "\x89PNG", 4));
	cr_assert(starts_with_file("o", "timeseries.png", "\x89PNG", 4));
	cr_assert(file_has("o", "latency-cdf.svg", "<svg"));
	cr_assert(file_has("o", "timeseries.svg", "<svg"));
	/* Without gnuplot: the run still succeeds, says why, and the plots of
	 * the run before are gone (they are not this run's). */
	setenv("PNICSIM_GNUPLOT", "/nonexistent/gnuplot", 1);
	cr_assert_eq(run("%s/cfg.yaml --out %s/o", dir, dir), 0, "%s", out);
	unsetenv("PNICSIM_GNUPLOT");
	cr_assert(strstr(out, "plots: not made: /nonexistent/gnuplot was not found"), "%s", out);
	cr_assert(!exists_out("o", "latency-cdf.png"));
	cr_assert(!exists_out("o", "timeseries.svg"));
	cr_assert(exists_out("o", "summary.json"));
}

/* --no-packets and run.packets_csv: false leave packets.csv out, and a
 * later run without it removes the earlier one's. */
Test(cmd_run, packets_csv_switched_off)
{
	write_scenario("run: { plots: false }\n");
	/* run: twice is refused: the section is given once. */
	cr_assert_eq(run("%s/cfg.yaml --out %s/o", dir, dir), 2, "%s", out);
	write_scenario("");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots", dir, dir), 0, "%s", out);
	cr_assert(exists_out("o", "packets.csv"));
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots --no-packets", dir, dir), 0, "%s", out);
	cr_assert(!exists_out("o", "packets.csv"), "an earlier run's packets.csv is removed");
	cr_assert(exists_out("o", "timeseries.csv"));
}

/* --no-pcap leaves the egress pcaps out (an earlier run's go) and the
 * summary as it was. */
Test(cmd_run, egress_pcaps_switched_off)
{
	json_t *with, *without;

	write_scenario("");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots", dir, dir), 0, "%s", out);
	cr_assert(starts_with_file("o", "egress-ppid1.pcap", "\x4d\x3c\xb2\xa1", 4));
	with = load_summary("o");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots --no-pcap", dir, dir), 0, "%s", out);
	cr_assert(!exists_out("o", "egress-ppid1.pcap"), "an earlier run's pcap is removed");
	without = load_summary("o");
	cr_assert(json_equal(with, without));
	json_decref(with);
	json_decref(without);
}

Test(cmd_run, quiet_and_json)
{
	json_error_t e;
	json_t *j;

	write_scenario("");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots --quiet", dir, dir), 0, "%s", out);
	cr_assert_str_eq(out, "", "--quiet prints nothing");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots --json --quiet", dir, dir), 0, "%s", out);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "--json prints summary.json: %s", e.text);
	cr_assert_eq(jint(j, "packets/arrivals"), N_PKTS);
	json_decref(j);
}

/* expect: met, the run exits 0 and summary.json says so; one not met (or
 * a figure that does not exist), exit 3 with the outputs written and the
 * failure named with its line; --set reaches the scenario and the
 * summary. */
Test(cmd_run, expectations_and_set)
{
	json_t *j;

	write_scenario("expect:\n"
		       "  - { figure: packets.arrivals, equals: 40 }\n"
		       "  - { figure: packets.paths.drop, max: 10 }\n");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o --no-plots --quiet", dir, dir), 0, "%s", out);
	j = load_summary("o");
	cr_assert_eq(jint(j, "expect/checked"), 2);
	cr_assert_eq(jint(j, "expect/met"), 2);
	json_decref(j);
	write_scenario("expect:\n"
		       "  - { figure: packets.arrivals, min: 41 }\n"
		       "  - { figure: packets.arivals, min: 0 }\n");
	cr_assert_eq(run("%s/cfg.yaml --out %s/o2 --no-plots --quiet", dir, dir), 3, "%s", out);
	cr_assert(strstr(out, "cfg.yaml:") && strstr(out, "expect packets.arrivals: is 40, expected at least 41"),
		  "%s", out);
	cr_assert(strstr(out, "expect packets.arivals: names no figure"), "%s", out);
	j = load_summary("o2");
	cr_assert_eq(jint(j, "expect/met"), 0);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(j, "expect"), "failed")), 2);
	json_decref(j);
	cr_assert_eq(run("%s/cfg.yaml --out %s/o3 --no-plots --quiet --set expect.0.min=40", dir, dir),
		     3, "%s", out);
	j = load_summary("o3");
	cr_assert_eq(jint(j, "expect/met"), 1, "the override reached the scenario");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(j, "run"), "set"), 0)),
			 "expect.0.min=40");
	json_decref(j);
	cr_assert_eq(run("%s/cfg.yaml --out %s/o4 --no-plots --set nosuch.key=1", dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "nosuch.key"), "%s", out);
}
