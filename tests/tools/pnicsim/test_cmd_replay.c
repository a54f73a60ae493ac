/* pnicsim replay end to end on a trace and config written by the test,
 * with answers known in advance: which frames leave on which PPID, go to
 * the host or are dropped, what summary.json counts, what the edits did to
 * the bytes.  The outputs are read back with libpcap and jansson, not with
 * the project's readers.  (tests/scenarios/ covers the bundled demo and the
 * damaged-input cases; this covers the command's own contract.) */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"
#include "tools/io/pcap_out.h"

static char out[65536];

TU_SCRATCH_SUITE(cmd_replay);

/* Run pnicsim replay with printf-style arguments (a literal format). */
#define replay(fmt, ...) \
	run_toolf("pnicsim", out, sizeof out, "replay " fmt, ##__VA_ARGS__)

/* Ethernet / IPv4 (TTL 64) / TCP or UDP, 60 bytes, from 10.0.0.<i>. */
static uint32_t ipv4_frame(uint8_t *b, unsigned i, uint8_t proto, uint16_t dport)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *ip = b + 14, *l4 = ip + 20;
	unsigned l4len = proto == 6 ? 20 : 8;

	memset(b, 0, 60);
	memcpy(b, eth, sizeof eth);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = (uint8_t)(20 + l4len);
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10; ip[15] = (uint8_t)i;
	ip[16] = 10; ip[17] = 1; ip[19] = 1;
	l4[0] = 0x30; l4[1] = (uint8_t)(i + 1);
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == 6) {
		l4[12] = 0x50;
		l4[13] = 0x10;
	} else {
		l4[5] = 8;
	}
	return 60;
}

/* The trace: 5 TCP:80, 3 UDP:53, 2 TCP:22, 4 TCP:443 (interleaved). */
static const struct { uint8_t proto; uint16_t dport; } pkts[] = {
	{ 6, 80 }, { 17, 53 }, { 6, 443 }, { 6, 22 }, { 6, 80 }, { 6, 443 },
	{ 17, 53 }, { 6, 80 }, { 6, 22 }, { 6, 443 }, { 6, 80 }, { 17, 53 },
	{ 6, 443 }, { 6, 80 },
};
#define N_PKTS (sizeof pkts / sizeof pkts[0])

static void write_trace(const char *name)
{
	char path[256];
	uint8_t f[60];
	struct pcap_out *o;
	struct pnic_error err;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < N_PKTS; i++) {
		uint32_t n = ipv4_frame(f, i, pkts[i].proto, pkts[i].dport);

		pcap_out_write(o, f, n, n, 1000000000ull + i * 1000ull);
	}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
}

static const char cfg_text[] =
	"tcam: { depth: 16, miss: to_host }\n"
	"ports: [ { ppid: 0, name: wire0 }, { ppid: 1, name: vf1 }, { ppid: 2, name: vf2 } ]\n"
	"vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: vf1 }, { vpid: 2, ppid: vf2 } ] }\n"
	"flows:\n"
	"  - { match: { ip_proto: tcp, l4_dst: 80 }, action: { forward: 1, count: true } }\n"
	"  - { match: { ip_proto: udp }, action: { forward: 2, dec_ttl: true } }\n"
	"  - { match: { ip_proto: tcp, l4_dst: 22 }, action: drop }\n"
	"inputs:\n"
	"  - { pcap: in.pcap, in_port: wire0, loops: LOOPS }\n";

/* cfg.yaml with the trace replayed `loops` times. */
static void write_config(const char *name, unsigned loops)
{
	char path[256], text[sizeof cfg_text + 16], *p;

	snprintf(text, sizeof text, "%s", cfg_text);
	p = strstr(text, "LOOPS");
	snprintf(p, sizeof text - (size_t)(p - text), "%u }\n", loops);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	tu_write(path, text);
	write_trace("in.pcap");
}

static long count_in(const char *sub, const char *file)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, file);
	return tu_pcap_count(path);
}

static json_int_t jint(json_t *root, const char *dotted)
{
	char buf[128], *save = NULL, *tok;
	json_t *j = root;

	snprintf(buf, sizeof buf, "%s", dotted);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(j))
			j = json_array_get(j, strtoul(tok, NULL, 10));
		else
			j = json_object_get(j, tok);
		cr_assert_not_null(j, "summary.json has no %s", dotted);
	}
	cr_assert(json_is_integer(j), "%s is not an integer", dotted);
	return json_integer_value(j);
}

static json_t *load_summary(const char *sub)
{
	char path[256];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof path, "%s/%s/summary.json", dir, sub);
	j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s:%d: %s", path, e.line, e.text);
	return j;
}

static void check_counts(json_t *s, unsigned loops)
{
	json_int_t k = loops;

	cr_assert_eq(jint(s, "packets"), 14 * k);
	cr_assert_eq(jint(s, "packets_read"), 14 * k);
	cr_assert_eq(jint(s, "inputs.0.packets"), 14 * k);
	cr_assert_eq(jint(s, "inputs.0.loops"), k);
	cr_assert_eq(jint(s, "file_errors"), 0);
	cr_assert_eq(jint(s, "hits"), 10 * k);
	cr_assert_eq(jint(s, "misses"), 4 * k);
	cr_assert_eq(jint(s, "egress"), 8 * k);
	cr_assert_eq(jint(s, "to_host.packets"), 4 * k);
	cr_assert_eq(jint(s, "to_host.reasons.miss"), 4 * k);
	cr_assert_eq(jint(s, "drops.packets"), 2 * k);
	cr_assert_eq(jint(s, "parse_errors.packets"), 0);
	cr_assert_eq(jint(s, "tcam_entries"), 3);
	cr_assert_eq(jint(s, "entries.0.hits"), 5 * k);
	cr_assert_eq(jint(s, "entries.0.counter_packets"), 5 * k);
	cr_assert_eq(jint(s, "entries.0.counter_bytes"), 5 * 60 * k);
	cr_assert_eq(jint(s, "entries.1.hits"), 3 * k);
	cr_assert_eq(jint(s, "entries.2.hits"), 2 * k);
	cr_assert_eq(jint(s, "ports.0.rx_packets"), 14 * k);
	cr_assert_eq(jint(s, "ports.0.rx_bytes"), 14 * 60 * k);
	cr_assert_eq(jint(s, "ports.1.tx_packets"), 5 * k);
	cr_assert_eq(jint(s, "ports.2.tx_packets"), 3 * k);
	cr_assert_eq(jint(s, "ports.0.tx_packets"), 0);
	cr_assert_eq(jint(s, "editor.ops.dec_ttl"), 3 * k);
}

Test(cmd_replay, outputs_and_counters)
{
	char args[512], path[256], eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	json_t *s;
	pcap_t *p;
	int n;

	write_config("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	cr_assert(strstr(out, "packets 14 (840 bytes): 10 hits, 4 misses"), "%s", out);

	cr_assert_eq(count_in("o", "egress-ppid0.pcap"), 0);
	cr_assert_eq(count_in("o", "egress-ppid1.pcap"), 5);
	cr_assert_eq(count_in("o", "egress-ppid2.pcap"), 3);
	cr_assert_eq(count_in("o", "to-host.pcap"), 4);
	cr_assert_eq(count_in("o", "drops.pcap"), 2);

	s = load_summary("o");
	check_counts(s, 1);
	json_decref(s);

	/* the UDP entry decrements the TTL: 64 -> 63 on the wire out of vf2,
	 * the to-host copies are unedited, timestamps carried through */
	snprintf(path, sizeof path, "%s/o/egress-ppid2.pcap", dir);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	for (n = 0; pcap_next_ex(p, &h, &d) == 1; n++) {
		cr_assert_eq(h->caplen, 60u);
		cr_assert_eq(d[14 + 9], 17);
		cr_assert_eq(d[14 + 8], 63, "TTL %u", d[14 + 8]);
	}
	cr_assert_eq(n, 3);
	pcap_close(p);
	snprintf(path, sizeof path, "%s/o/to-host.pcap", dir);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
	cr_assert_eq(d[14 + 8], 64);
	cr_assert_eq(d[14 + 15], 2, "first miss is packet 2");
	cr_assert_eq(h->ts.tv_sec, 1);
	cr_assert_eq(h->ts.tv_usec, 2000, "ns %ld", (long)h->ts.tv_usec);
	pcap_close(p);
}

Test(cmd_replay, loops_multiply_every_counter)
{
	char args[512];
	json_t *s;

	write_config("cfg.yaml", 3);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	s = load_summary("o");
	check_counts(s, 3);
	json_decref(s);
	cr_assert_eq(count_in("o", "egress-ppid1.pcap"), 15);
}

/* --json prints the same document summary.json holds. */
Test(cmd_replay, json_on_stdout)
{
	char args[512];
	json_error_t e;
	json_t *j, *f;

	write_config("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --json 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "stdout is not JSON (%d: %s): %s", e.line, e.text, out);
	check_counts(j, 1);
	f = load_summary("o");
	/* equal but for the timing figures */
	json_object_del(j, "performance");
	json_object_del(f, "performance");
	cr_assert(json_equal(j, f), "--json and summary.json differ");
	json_decref(j);
	json_decref(f);
}

Test(cmd_replay, no_pcap_writes_only_the_summary)
{
	char args[512], path[256];
	json_t *s;

	write_config("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --no-pcap 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	cr_assert(strstr(out, "--no-pcap"), "%s", out);
	for (const char *const *f = (const char *const[]){ "egress-ppid0.pcap",
		"egress-ppid1.pcap", "egress-ppid2.pcap", "to-host.pcap",
		"drops.pcap", NULL }; *f; f++) {
		snprintf(path, sizeof path, "%s/o/%s", dir, *f);
		cr_assert(!tu_exists(path), "%s written under --no-pcap", *f);
	}
	s = load_summary("o");
	check_counts(s, 1);
	json_decref(s);
}

/* The config's `output` is relative to the config's folder; --out wins. */
Test(cmd_replay, output_folder_from_config)
{
	char args[512], path[256], *text;

	write_config("cfg.yaml", 1);
	snprintf(path, sizeof path, "%s/cfg.yaml", dir);
	text = tu_read(path, NULL);
	cr_assert_not_null(text);
	{
		char buf[2048];

		snprintf(buf, sizeof buf, "%soutput: res/deep\n", text);
		tu_write(path, buf);
	}
	free(text);
	snprintf(args, sizeof args, "%s/cfg.yaml 2>/dev/null", dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	cr_assert_eq(count_in("res/deep", "egress-ppid1.pcap"), 5);
	snprintf(path, sizeof path, "%s/res/deep/summary.json", dir);
	cr_assert(tu_exists(path));
}

Test(cmd_replay, bad_config_names_file_line_column)
{
	char args[512], path[256], want[512];

	write_trace("in.pcap");
	snprintf(path, sizeof path, "%s/bad.yaml", dir);
	tu_write(path,
		 "tcam: { depth: 16 }\n"
		 "ports: [ { ppid: 0, name: wire0 } ]\n"
		 "vpid_map: { n_vpids: 4 }\n"
		 "flows:\n"
		 "  - { match: { ip_proto: tcp, l4_dst: 70000 }, action: drop }\n"
		 "inputs: [ { pcap: in.pcap, in_port: wire0 } ]\n");
	snprintf(args, sizeof args, "%s --out %s/o", path, dir);
	cr_assert_eq(replay("%s", args), 2, "%s", out);
	snprintf(want, sizeof want, "%s:5:", path);
	cr_assert(strstr(out, want), "no %s in: %s", want, out);
	cr_assert(strstr(out, "flows[0].match.l4_dst"), "%s", out);
	snprintf(path, sizeof path, "%s/o", dir);
	cr_assert(!tu_exists(path), "a bad config created its output folder");

	/* a typo in a top-level key, at line 1 column 1 */
	snprintf(path, sizeof path, "%s/typo.yaml", dir);
	tu_write(path, "tcamm: { depth: 16 }\n");
	snprintf(args, sizeof args, "%s --out %s/o", path, dir);
	cr_assert_eq(replay("%s", args), 2, "%s", out);
	snprintf(want, sizeof want, "%s:1:1: tcamm: unknown key", path);
	cr_assert(strstr(out, want), "no '%s' in: %s", want, out);
}

Test(cmd_replay, missing_input_or_config_refused)
{
	char args[512], path[256];

	write_config("cfg.yaml", 1);
	snprintf(path, sizeof path, "%s/in.pcap", dir);
	cr_assert_eq(remove(path), 0);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o", dir, dir);
	cr_assert_eq(replay("%s", args), 2, "%s", out);
	snprintf(path, sizeof path, "%s/cfg.yaml:9:", dir);
	cr_assert(strstr(out, path), "no %s in: %s", path, out);
	cr_assert(strstr(out, "inputs[0].pcap: cannot read '"), "%s", out);
	cr_assert(strstr(out, "/in.pcap': No such file"), "%s", out);

	snprintf(args, sizeof args, "%s/nope.yaml", dir);
	cr_assert_eq(replay("%s", args), 2, "%s", out);
	cr_assert(strstr(out, "nope.yaml"), "%s", out);
}

Test(cmd_replay, usage)
{
	cr_assert_eq(replay("--help"), 0, "%s", out);
	cr_assert(strstr(out, "usage: pnicsim replay CONFIG.yaml"), "%s", out);
	cr_assert(strstr(out, "--no-pcap"), "%s", out);
	cr_assert(strstr(out, "summary.json"), "%s", out);
	cr_assert(strstr(out, "exit status"), "%s", out);
	cr_assert_eq(replay("%s", ""), 2, "%s", out);
	cr_assert(strstr(out, "expected one CONFIG.yaml"), "%s", out);
	cr_assert_eq(replay("a.yaml b.yaml"), 2, "%s", out);
	cr_assert_eq(replay("--frobnicate x.yaml"), 2, "%s", out);
}
