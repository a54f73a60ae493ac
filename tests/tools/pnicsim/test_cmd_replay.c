/* pnicsim replay end to end on a trace and scenario written by the test,
 * with answers known in advance: which frames leave on which PPID, go to
 * the host or are dropped, what summary.json counts, what the edits did to
 * the bytes.  The outputs are read back with libpcap and jansson, not with
 * the project's readers.  (tests/scenarios/ covers the bundled demo and the
 * damaged-input cases; this covers the command's own contract.) */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"
#include "model/key_profile.h"
#include "io/pcap_out.h"

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
static void write_scenario(const char *name, unsigned loops)
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

static json_t *load_json(const char *sub, const char *name)
{
	char path[256];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s:%d: %s", path, e.line, e.text);
	return j;
}

static json_t *load_summary(const char *sub)
{
	return load_json(sub, "summary.json");
}

static const char *jstr(json_t *root, const char *key)
{
	json_t *j = json_object_get(root, key);

	cr_assert(json_is_string(j), "%s is not a string", key);
	return json_string_value(j);
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

	write_scenario("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	cr_assert(strstr(out, "packets 14 (840 bytes): 10 hits, 4 misses"), "%s", out);

	/* PPID 0 sent nothing: no file for it (its tx count is in the summary) */
	snprintf(path, sizeof path, "%s/o/egress-ppid0.pcap", dir);
	cr_assert(!tu_exists(path), "egress-ppid0.pcap made for a port that sent nothing");
	cr_assert_eq(count_in("o", "egress-ppid1.pcap"), 5);
	cr_assert_eq(count_in("o", "egress-ppid2.pcap"), 3);
	cr_assert_eq(count_in("o", "to-host.pcap"), 4);
	cr_assert_eq(count_in("o", "drops.pcap"), 2);

	s = load_summary("o");
	check_counts(s, 1);
	cr_assert_null(json_object_get(s, "performance"), "host timing in summary.json");
	cr_assert(json_is_false(json_object_get(s, "interrupted")));
	json_decref(s);
	s = load_json("o", "timing.json");
	cr_assert(json_is_real(json_object_get(s, "core_seconds")));
	cr_assert(json_is_real(json_object_get(s, "wall_seconds")));
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

	write_scenario("cfg.yaml", 3);
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

	write_scenario("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --json 2>/dev/null", dir, dir);
	cr_assert_eq(replay("%s", args), 0, "%s", out);
	j = json_loads(out, 0, &e);
	cr_assert_not_null(j, "stdout is not JSON (%d: %s): %s", e.line, e.text, out);
	check_counts(j, 1);
	f = load_summary("o");
	cr_assert(json_equal(j, f), "--json and summary.json differ");
	json_decref(j);
	json_decref(f);
}

Test(cmd_replay, no_pcap_writes_only_the_summary)
{
	char args[512], path[256];
	json_t *s;

	write_scenario("cfg.yaml", 1);
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

/* The scenario's `output` is relative to the scenario's folder; --out wins. */
Test(cmd_replay, output_folder_from_scenario)
{
	char args[512], path[256], *text;

	write_scenario("cfg.yaml", 1);
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

Test(cmd_replay, bad_scenario_names_file_line_column)
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
	cr_assert(!tu_exists(path), "a bad scenario created its output folder");

	/* a typo in a top-level key, at line 1 column 1 */
	snprintf(path, sizeof path, "%s/typo.yaml", dir);
	tu_write(path, "tcamm: { depth: 16 }\n");
	snprintf(args, sizeof args, "%s --out %s/o", path, dir);
	cr_assert_eq(replay("%s", args), 2, "%s", out);
	snprintf(want, sizeof want, "%s:1:1: tcamm: unknown key", path);
	cr_assert(strstr(out, want), "no '%s' in: %s", want, out);
}

Test(cmd_replay, missing_input_or_scenario_refused)
{
	char args[512], path[256];

	write_scenario("cfg.yaml", 1);
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
	cr_assert(strstr(out, "usage: pnicsim replay SCENARIO.yaml"), "%s", out);
	cr_assert(strstr(out, "--no-pcap"), "%s", out);
	cr_assert(strstr(out, "summary.json"), "%s", out);
	cr_assert(strstr(out, "exit status"), "%s", out);
	cr_assert(strstr(out, "--pcap FILE [--in-port PORT]"), "%s", out);
	cr_assert(strstr(out, "relative to\nthe current folder"), "%s", out);
	cr_assert(strstr(out, "130 SIGINT"), "%s", out);
	cr_assert_eq(replay("%s", ""), 2, "%s", out);
	cr_assert(strstr(out, "expected one SCENARIO.yaml"), "%s", out);
	cr_assert_eq(replay("a.yaml b.yaml"), 2, "%s", out);
	cr_assert_eq(replay("--frobnicate x.yaml"), 2, "%s", out);
}

/* A usage error is one line naming the fault and one saying where help
 * is, never the whole help. */
static void check_usage_error(const char *args, const char *fault)
{
	cr_assert_eq(replay("%s", args), 2, "%s: %s", args, out);
	tu_expect_usage_error(out, "pnicsim replay", fault);
}

Test(cmd_replay, usage_errors_are_one_line)
{
	check_usage_error("--frobnicate x.yaml",
			  "pnicsim replay: unknown option '--frobnicate'");
	check_usage_error("-x x.yaml", "pnicsim replay: unknown option '-x'");
	check_usage_error("--json=yes x.yaml", "option '--json' takes no value");
	check_usage_error("x.yaml --out", "pnicsim replay: option '--out' needs a value");
	check_usage_error("x.yaml --pcap", "option '--pcap' needs a value");
	check_usage_error("", "pnicsim replay: expected one SCENARIO.yaml");
	check_usage_error("a.yaml b.yaml", "expected one SCENARIO.yaml");
	check_usage_error("x.yaml --in-port 1 --pcap a.pcap",
			  "--in-port '1' must follow the --pcap it applies to");
	check_usage_error("x.yaml --pcap a.pcap --in-port 1 --in-port 2",
			  "--in-port given twice for --pcap 'a.pcap'");
}

/* ---- the output folder ------------------------------------------------- */

/* Names, sizes and a hash of the bytes of every file in dir/sub, sorted:
 * equal strings mean an untouched folder. */
static char *folder_state(const char *sub)
{
	char path[256], *st = calloc(1, 65536);
	struct dirent **names;
	size_t k = 0;
	int n;

	cr_assert_not_null(st);
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	n = scandir(path, &names, NULL, alphasort);
	cr_assert_geq(n, 0, "cannot list %s", path);
	for (int i = 0; i < n; i++) {
		char file[512];
		size_t len = 0;
		uint64_t h = 1469598103934665603ull;
		char *b;

		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		b = names[i]->d_name[0] == '.' && strlen(names[i]->d_name) <= 2 ? NULL : tu_read(file, &len);
		for (size_t j = 0; b && j < len; j++)
			h = (h ^ (uint8_t)b[j]) * 1099511628211ull;
		k += (size_t)snprintf(st + k, 65536 - k, "%s %zu %016llx\n",
				      names[i]->d_name, len, (unsigned long long)h);
		free(b);
		free(names[i]);
	}
	free(names);
	return st;
}

/* Whether dir/sub holds a temporary of a run (".NAME.tmp-PID"). */
static bool has_temporaries(const char *sub)
{
	char path[256];
	struct dirent *e;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	d = opendir(path);
	cr_assert_not_null(d, "cannot list %s", path);
	while ((e = readdir(d)))
		any |= strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return any;
}

/* cfg.yaml with its input replaced by `input` (as written in the file). */
static void write_scenario_input(const char *name, const char *input)
{
	char path[256], text[sizeof cfg_text + 256], *p;

	snprintf(text, sizeof text, "%s", cfg_text);
	p = strstr(text, "in.pcap");
	snprintf(p, sizeof text - (size_t)(p - text), "%s, in_port: wire0 }\n", input);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	tu_write(path, text);
}

/* Replaying an output of the same folder is refused before anything is
 * written, however the input reaches it: its own name, ../, a symlink to
 * it, a symlink named like an output, a symlinked folder, a hard link. */
Test(cmd_replay, input_that_is_an_output_is_refused)
{
	char path[512], target[256], *before, *after;
	static const struct { const char *input, *words; } cases[] = {
		{ "o/to-host.pcap", "is the output" },
		{ "o/../o/drops.pcap", "is the output" },
		{ "link.pcap", "is the output" },
		{ "o/egress-ppid9.pcap", "is the output" },
		{ "alias/to-host.pcap", "is the output" },
		{ "hard.pcap", "is the same file as the output" },
	};

	write_scenario("cfg.yaml", 1);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir), 0, "%s", out);
	/* link.pcap -> o/egress-ppid1.pcap; o/egress-ppid9.pcap -> in.pcap
	 * (named like an output: the run would remove it as an earlier
	 * run's); alias -> o; hard.pcap is o/to-host.pcap's other name */
	snprintf(path, sizeof path, "%s/link.pcap", dir);
	snprintf(target, sizeof target, "%s/o/egress-ppid1.pcap", dir);
	cr_assert_eq(symlink(target, path), 0);
	snprintf(path, sizeof path, "%s/o/egress-ppid9.pcap", dir);
	snprintf(target, sizeof target, "%s/in.pcap", dir);
	cr_assert_eq(symlink(target, path), 0);
	snprintf(path, sizeof path, "%s/alias", dir);
	cr_assert_eq(symlink("o", path), 0);
	snprintf(path, sizeof path, "%s/hard.pcap", dir);
	snprintf(target, sizeof target, "%s/o/to-host.pcap", dir);
	cr_assert_eq(link(target, path), 0);
	before = folder_state("o");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_scenario_input("again.yaml", cases[i].input);
		cr_assert_eq(replay("%s/again.yaml --out %s/o", dir, dir), 2,
			     "%s: %s", cases[i].input, out);
		cr_assert(strstr(out, cases[i].words), "%s: %s", cases[i].input, out);
		cr_assert(strstr(out, "replaying it would overwrite it"), "%s", out);
		after = folder_state("o");
		cr_assert_str_eq(after, before, "%s: the output folder changed", cases[i].input);
		free(after);
		/* the same through --pcap, relative to the current folder */
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].input);
		cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s", dir, dir, path), 2,
			     "--pcap %s: %s", path, out);
		cr_assert(strstr(out, cases[i].words), "%s: %s", path, out);
		after = folder_state("o");
		cr_assert_str_eq(after, before, "--pcap %s: the output folder changed", path);
		free(after);
	}
	free(before);
	/* a copy out of the folder replays as any capture */
	snprintf(path, sizeof path, "cp %s/o/to-host.pcap %s/host-copy.pcap", dir, dir);
	cr_assert_eq(system(path), 0);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s/host-copy.pcap 2>/dev/null",
			    dir, dir, dir), 0, "%s", out);
	cr_assert(strstr(out, "packets 4 "), "%s", out);
}

/* A run that fails part-way (here: a file size limit) leaves no
 * temporaries and the earlier run's results as they were. */
Test(cmd_replay, failed_run_leaves_earlier_results_alone)
{
	struct rlimit old, small = { 4096, 0 };
	char *before, *after;

	write_scenario("cfg.yaml", 1);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir), 0, "%s", out);
	before = folder_state("o");
	write_scenario("cfg.yaml", 200);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	/* Past the limit a write fails with EFBIG instead of killing. */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o", dir, dir), 2, "%s", out);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	cr_assert(strstr(out, "File too large"), "%s", out);
	cr_assert(strstr(out, "no results written to"), "%s", out);
	after = folder_state("o");
	cr_assert_str_eq(after, before, "a failed run changed the earlier results");
	cr_assert(!has_temporaries("o"));
	free(before);
	free(after);
}

/* What an earlier run made and this run does not (an egress port the new
 * scenario does not use, the pcaps before a --no-pcap run) is removed, so
 * every file beside summary.json is this run's.  Other files, and the
 * temporaries of live runs, are left alone; those of dead runs go. */
Test(cmd_replay, earlier_outputs_this_run_does_not_make_are_removed)
{
	static const char seven[] =
		"tcam: { depth: 16 }\n"
		"ports: [ { ppid: 0, name: wire0 }, { ppid: 7, name: p7 } ]\n"
		"vpid_map: { n_vpids: 4, map: [ { vpid: 1, ppid: p7 } ] }\n"
		"flows: [ { action: { forward: 1 } } ]\n"
		"inputs: [ { pcap: in.pcap, in_port: wire0 } ]\n";
	char path[256];
	json_t *s;

	write_scenario("cfg.yaml", 1);
	snprintf(path, sizeof path, "%s/seven.yaml", dir);
	tu_write(path, seven);
	cr_assert_eq(replay("%s/seven.yaml --out %s/o 2>/dev/null", dir, dir), 0, "%s", out);
	cr_assert_eq(count_in("o", "egress-ppid7.pcap"), 14);
	snprintf(path, sizeof path, "%s/o/notes.txt", dir);
	tu_write(path, "mine\n");
	snprintf(path, sizeof path, "%s/o/.drops.pcap.tmp-%ld", dir, (long)getppid());
	tu_write(path, "a live run's\n");
	snprintf(path, sizeof path, "%s/o/.drops.pcap.tmp-999999999", dir);
	tu_write(path, "a dead run's\n");

	cr_assert_eq(replay("%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir), 0, "%s", out);
	snprintf(path, sizeof path, "%s/o/egress-ppid7.pcap", dir);
	cr_assert(!tu_exists(path), "egress-ppid7.pcap of the earlier run left beside the new summary");
	cr_assert_eq(count_in("o", "egress-ppid1.pcap"), 5);
	cr_assert_eq(count_in("o", "to-host.pcap"), 4);
	snprintf(path, sizeof path, "%s/o/notes.txt", dir);
	cr_assert(tu_exists(path), "a file that is not an output was removed");
	snprintf(path, sizeof path, "%s/o/.drops.pcap.tmp-%ld", dir, (long)getppid());
	cr_assert(tu_exists(path), "a live run's temporary was removed");
	snprintf(path, sizeof path, "%s/o/.drops.pcap.tmp-999999999", dir);
	cr_assert(!tu_exists(path), "a dead run's temporary was left");

	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --no-pcap 2>/dev/null", dir, dir), 0, "%s", out);
	for (const char *const *f = (const char *const[]){ "egress-ppid1.pcap",
		"egress-ppid2.pcap", "to-host.pcap", "drops.pcap", NULL }; *f; f++) {
		snprintf(path, sizeof path, "%s/o/%s", dir, *f);
		cr_assert(!tu_exists(path), "%s left beside a --no-pcap summary", *f);
	}
	s = load_summary("o");
	check_counts(s, 1);
	json_decref(s);
}

/* ---- many ports under a low file limit ---------------------------------- */

#define MANY_PORTS 300
#define PER_PORT 3

/* Port i's frames are TCP to port 1000 + i, sent round robin over the
 * ports so that every frame goes to a different file than the last. */
static void write_many_ports(void)
{
	char path[256];
	char *text = malloc(1 << 20);
	size_t k = 0;
	struct pcap_out *o;
	struct pnic_error err;
	uint8_t f[60];

	cr_assert_not_null(text);
	k += (size_t)snprintf(text + k, (1 << 20) - k,
			      "tcam: { depth: 512, miss: drop }\nports:\n");
	for (int i = 0; i < MANY_PORTS; i++)
		k += (size_t)snprintf(text + k, (1 << 20) - k, "  - { ppid: %d }\n", i);
	k += (size_t)snprintf(text + k, (1 << 20) - k,
			      "vpid_map:\n  n_vpids: %d\n  map:\n", MANY_PORTS);
	for (int i = 0; i < MANY_PORTS; i++)
		k += (size_t)snprintf(text + k, (1 << 20) - k,
				      "    - { vpid: %d, ppid: %d }\n", i, i);
	k += (size_t)snprintf(text + k, (1 << 20) - k, "flows:\n");
	for (int i = 0; i < MANY_PORTS; i++)
		k += (size_t)snprintf(text + k, (1 << 20) - k,
				      "  - { match: { l4_dst: %d }, action: { forward: %d } }\n",
				      1000 + i, i);
	snprintf(text + k, (1 << 20) - k, "inputs: [ { pcap: many.pcap, in_port: 0 } ]\n");
	snprintf(path, sizeof path, "%s/many.yaml", dir);
	tu_write(path, text);
	free(text);

	snprintf(path, sizeof path, "%s/many.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned r = 0; r < PER_PORT; r++)
		for (unsigned i = 0; i < MANY_PORTS; i++) {
			uint32_t n = ipv4_frame(f, i, 6, (uint16_t)(1000 + i));

			pcap_out_write(o, f, n, n, (uint64_t)(r * MANY_PORTS + i) * 1000);
		}
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
}

/* 300 ports emitting under a 64-file limit: every port's pcap is whole
 * and in order, no more than the limit was ever open. */
Test(cmd_replay, many_ports_under_a_low_file_limit)
{
	struct rlimit old, low = { 64, 0 };
	char path[256], eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	json_t *t;

	write_many_ports();
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low.rlim_max = old.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cr_assert_eq(replay("%s/many.yaml --out %s/o", dir, dir), 0, "%s", out);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (unsigned i = 0; i < MANY_PORTS; i++) {
		pcap_t *p;
		unsigned n;

		snprintf(path, sizeof path, "%s/o/egress-ppid%u.pcap", dir, i);
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
		cr_assert_not_null(p, "%s", eb);
		for (n = 0; pcap_next_ex(p, &h, &d) == 1; n++) {
			cr_assert_eq((uint64_t)h->ts.tv_usec,
				     (uint64_t)(n * MANY_PORTS + i) * 1000,
				     "port %u frame %u out of order", i, n);
			cr_assert_eq(d[14 + 15], (uint8_t)i);
		}
		cr_assert_eq(n, PER_PORT, "port %u: %u frames", i, n);
		pcap_close(p);
	}
	cr_assert_eq(count_in("o", "to-host.pcap"), 0);
	cr_assert_eq(count_in("o", "drops.pcap"), 0);
	cr_assert(!has_temporaries("o"));
	t = load_json("o", "timing.json");
	cr_assert_lt(jint(t, "pcaps_open_max"), 64);
	json_decref(t);
}

/* ---- --pcap and --in-port ----------------------------------------------- */

/* `abs` as a path relative to the current folder (the tests run the
 * program from the repository's top). */
static void relative_to_cwd(const char *abs, char *buf, size_t n)
{
	char cwd[PATH_MAX];
	size_t k = 0;

	cr_assert_not_null(realpath(".", cwd));
	for (const char *c = cwd; *c; c++)
		if (*c == '/' && c[1])
			k += (size_t)snprintf(buf + k, n - k, "../");
	snprintf(buf + k, n - k, "%s", abs + 1);
}

Test(cmd_replay, pcap_on_the_command_line)
{
	char abs[256], rel[512];
	json_t *s;

	write_scenario("cfg.yaml", 3);
	snprintf(abs, sizeof abs, "%s/in.pcap", dir);
	relative_to_cwd(abs, rel, sizeof rel);
	/* replaces the scenario's input (3 loops): once, on its first port */
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s 2>/dev/null", dir, dir, rel),
		     0, "%s", out);
	s = load_summary("o");
	check_counts(s, 1);
	cr_assert_str_eq(jstr(json_array_get(json_object_get(s, "inputs"), 0), "pcap"), rel);
	cr_assert_eq(jint(s, "inputs.0.in_port"), 0);
	json_decref(s);

	/* twice, the second on vf1 by name: its packets arrive on PPID 1 */
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s --pcap %s --in-port vf1 --json 2>/dev/null",
			    dir, dir, rel, abs), 0, "%s", out);
	s = json_loads(out, 0, NULL);
	cr_assert_not_null(s, "%s", out);
	cr_assert_eq(json_array_size(json_object_get(s, "inputs")), 2);
	cr_assert_eq(jint(s, "inputs.0.in_port"), 0);
	cr_assert_eq(jint(s, "inputs.1.in_port"), 1);
	cr_assert_eq(jint(s, "ports.0.rx_packets"), 14);
	cr_assert_eq(jint(s, "ports.1.rx_packets"), 14);
	json_decref(s);
	/* by number */
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s --in-port 2 --json 2>/dev/null",
			    dir, dir, abs), 0, "%s", out);
	s = json_loads(out, 0, NULL);
	cr_assert_not_null(s, "%s", out);
	cr_assert_eq(jint(s, "ports.2.rx_packets"), 14);
	json_decref(s);
}

Test(cmd_replay, pcap_on_the_command_line_refused)
{
	char args[512];

	write_scenario("cfg.yaml", 1);
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --pcap %s/in.pcap --in-port", dir, dir, dir);
	check_usage_error(strcat(args, " vf9"), "--in-port: 'vf9' is not a port name of");
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --pcap %s/in.pcap --in-port 5", dir, dir, dir);
	check_usage_error(args, "--in-port: '5' is not a declared PPID of");
	snprintf(args, sizeof args, "%s/cfg.yaml --out %s/o --pcap %s/in.pcap --in-port 70000", dir, dir, dir);
	check_usage_error(args, "--in-port: '70000' is out of range 0..65534");
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s/nope.pcap", dir, dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "nope.pcap': No such file"), "%s", out);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s", dir, dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "is a folder"), "%s", out);
	snprintf(args, sizeof args, "%s/o", dir);
	cr_assert(!tu_exists(args), "a refused --pcap created the output folder");
}

/* A scenario may leave its inputs to the command line; with neither, the
 * run is refused before anything is written. */
Test(cmd_replay, scenario_without_inputs)
{
	char path[256], args[512], text[sizeof cfg_text];

	snprintf(text, sizeof text, "%s", cfg_text);
	*strstr(text, "inputs:") = '\0';
	snprintf(path, sizeof path, "%s/cfg.yaml", dir);
	tu_write(path, text);
	write_trace("in.pcap");
	snprintf(args, sizeof args, "%s --out %s/o", path, dir);
	check_usage_error(args, "lists no inputs: add some under 'inputs' or give --pcap FILE");
	snprintf(path, sizeof path, "%s/o", dir);
	cr_assert(!tu_exists(path), "a refused run created the output folder");
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap %s/in.pcap", dir, dir, dir),
		     0, "%s", out);
	cr_assert(strstr(out, "packets 14 "), "%s", out);
	/* the port is the scenario's first: wire0 */
	cr_assert(strstr(out, "port 0 "), "%s", out);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o --pcap /dev/null", dir, dir), 2, "%s", out);
	cr_assert(strstr(out, "--pcap: '/dev/null' is a character device, not a capture file"),
		  "%s", out);
}

/* ---- the entries' match and action -------------------------------------- */

/* Every entry is shown with its match, decoded from value and mask through
 * the key profile (raw hex entries too), and its action with the VPID, its
 * name and the PPID and port it maps to. */
Test(cmd_replay, entries_show_match_and_action)
{
	char path[256], text[4096], hexv[200], hexm[200];
	const struct key_profile *p = key_profile_default();
	struct key_profile_fields v, m;
	struct pnic_key kv, km;
	json_t *s, *e;
	int w;

	/* raw value/mask for ip_proto 17, l4_dst 53 in the default profile */
	memset(&v, 0, sizeof v);
	memset(&m, 0, sizeof m);
	key_profile_set(&v, KP_IP_PROTO, 17);
	key_profile_set(&m, KP_IP_PROTO, 0xff);
	key_profile_set(&v, KP_L4_DST, 53);
	key_profile_set(&m, KP_L4_DST, 0xffff);
	key_profile_pack(p, &v, &kv);
	key_profile_pack(p, &m, &km);
	for (w = PNIC_KEY_WORDS - 1; w > 0 && !km.w[w]; w--)
		;
	{
		size_t a = (size_t)snprintf(hexv, sizeof hexv, "0x%llx", (unsigned long long)kv.w[w]);
		size_t b = (size_t)snprintf(hexm, sizeof hexm, "0x%llx", (unsigned long long)km.w[w]);

		for (int i = w - 1; i >= 0; i--) {
			a += (size_t)snprintf(hexv + a, sizeof hexv - a, "%016llx", (unsigned long long)kv.w[i]);
			b += (size_t)snprintf(hexm + b, sizeof hexm - b, "%016llx", (unsigned long long)km.w[i]);
		}
	}
	write_trace("in.pcap");
	snprintf(text, sizeof text,
		 "tcam: { depth: 16, miss: to_host }\n"
		 "ports: [ { ppid: 0, name: wire0 }, { ppid: 1, name: vf1 }, { ppid: 2, name: vf2 } ]\n"
		 "vpid_map: { n_vpids: 8, map: [ { vpid: 1, ppid: vf1, name: vm_a }, { vpid: 3, ppid: 2 } ] }\n"
		 "flows:\n"
		 "  - { match: { dst_ip: 10.0.0.0/8, ip_proto: tcp, l4_dst: 443 }, action: { forward: 1, mirror: 3 } }\n"
		 "  - { match: { in_port: wire0, tcp_flags: { value: 0x02, mask: 0x12 } }, action: { forward: 5 } }\n"
		 "  - { value: \"%s\", mask: \"%s\", action: { forward: 3, dec_ttl: true } }\n"
		 "  - { match: { src_ip: \"2001:db8::/32\" }, action: drop }\n"
		 "  - { action: to_host }\n"
		 "inputs: [ { pcap: in.pcap, in_port: wire0 } ]\n", hexv, hexm);
	snprintf(path, sizeof path, "%s/cfg.yaml", dir);
	tu_write(path, text);
	cr_assert_eq(replay("%s/cfg.yaml --out %s/o 2>/dev/null", dir, dir), 0, "%s", out);
	cr_assert(strstr(out, "ip_proto 6 dst_ip 10.0.0.0/8 l4_dst 443\n"), "%s", out);
	cr_assert(strstr(out, "-> forward vpid 1 vm_a -> ppid 1 vf1, mirror vpid 3 -> ppid 2 vf2\n"), "%s", out);
	cr_assert(strstr(out, "in_port 0 wire0 tcp_flags 0x2/0x12\n"), "%s", out);
	cr_assert(strstr(out, "-> forward vpid 5 -> unmapped (drop)\n"), "%s", out);
	cr_assert(strstr(out, "ip_proto 17 l4_dst 53\n"), "%s", out);
	cr_assert(strstr(out, "-> forward vpid 3 -> ppid 2 vf2, dec_ttl\n"), "%s", out);
	cr_assert(strstr(out, "src_ip 2001:db8::/32\n"), "%s", out);
	cr_assert(strstr(out, "  any\n"), "%s", out);
	cr_assert(strstr(out, "vpid 1     vm_a         -> ppid 1   vf1"), "%s", out);

	s = load_summary("o");
	e = json_array_get(json_object_get(s, "entries"), 0);
	cr_assert_str_eq(jstr(e, "match"), "ip_proto 6 dst_ip 10.0.0.0/8 l4_dst 443");
	cr_assert_str_eq(jstr(e, "action"), "forward");
	cr_assert_str_eq(jstr(e, "action_text"),
			 "forward vpid 1 vm_a -> ppid 1 vf1, mirror vpid 3 -> ppid 2 vf2");
	cr_assert_eq(jint(s, "entries.0.vpid"), 1);
	cr_assert_eq(jint(s, "entries.0.ppid"), 1);
	cr_assert_eq(jint(s, "entries.0.mirror_ppid"), 2);
	cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(s, "entries"), 1), "ppid")));
	cr_assert_str_eq(jstr(json_array_get(json_object_get(s, "entries"), 2), "match"),
			 "ip_proto 17 l4_dst 53");
	cr_assert_str_eq(jstr(json_array_get(json_object_get(json_object_get(s, "vpid_map"), "map"), 0), "name"), "vm_a");
	cr_assert_str_eq(jstr(json_array_get(json_object_get(json_object_get(s, "vpid_map"), "map"), 1), "port"), "vf2");
	json_decref(s);
}

/* A custom profile with gaps: a raw entry's IPv4 mask that is not a
 * prefix is shown as address/mask, and mask bits outside every field are
 * shown too. */
Test(cmd_replay, raw_entry_with_odd_mask_and_unfielded_bits)
{
	char path[256];

	write_trace("in.pcap");
	snprintf(path, sizeof path, "%s/cfg.yaml", dir);
	tu_write(path,
		 "key_profile: { fields: [ { field: src_ip, offset: 0, width: 32 }, { field: l4_dst, offset: 32 },"
		 " { field: ip_proto, offset: 52 } ], key_bits: 64 }\n"
		 "tcam: { depth: 16 }\n"
		 "ports: [ { ppid: 0 } ]\n"
		 "vpid_map: { n_vpids: 2 }\n"
		 "flows:\n"
		 "  - { value: \"0x006201bb0a000001\", mask: \"0x0ff2ffffff0000ff\", action: drop }\n"
		 "inputs: [ { pcap: in.pcap, in_port: 0 } ]\n");
	cr_assert_eq(replay("%s --out %s/o 2>/dev/null", path, dir), 0, "%s", out);
	cr_assert(strstr(out, "src_ip 10.0.0.1/255.0.0.255 l4_dst 443 ip_proto 6 "
			      "other_bits 0x2000000000000/0x2000000000000\n"), "%s", out);
}

/* ---- interruption ------------------------------------------------------- */

static pid_t spawn_replay(const char *cfg, const char *outdir)
{
	char log[256];
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		snprintf(log, sizeof log, "%s/stdout", dir);
		int fd1 = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		snprintf(log, sizeof log, "%s/stderr", dir);
		int fd2 = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd1 < 0 || fd2 < 0 || dup2(fd1, 1) < 0 || dup2(fd2, 2) < 0)
			_exit(126);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execl(TOOL_BIN_DIR "pnicsim", "pnicsim", "replay", cfg, "--out",
		      outdir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait until the run is writing (a file appears in its folder), or fail. */
static void wait_for_output(const char *sub)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	for (int i = 0; i < 6000; i++) {
		DIR *d = opendir(path);
		struct dirent *e;
		bool any = false;

		while (d && (e = readdir(d)))
			any |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		if (d)
			closedir(d);
		if (any)
			return;
		sleep_ms(10);
	}
	cr_assert_fail("the replay never started writing");
}

static int wait_exit(pid_t pid)
{
	int st;

	for (int i = 0; i < 6000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			cr_assert(WIFEXITED(st), "replay died of signal %d instead of stopping cleanly",
				  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			return WEXITSTATUS(st);
		}
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	cr_assert_fail("the replay did not stop within 60 s of the signal");
	return -1;
}

static long sum_egress(const char *sub)
{
	char path[256];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "egress-ppid", 11)) {
			long k = count_in(sub, e->d_name);

			cr_assert_geq(k, 0, "%s is not a valid pcap", e->d_name);
			n += k;
		}
	closedir(d);
	return n;
}

/* Replay a large trace many times, stop it with `sig` once it writes,
 * and check that it stopped cleanly: exit 128+sig, valid pcaps holding
 * exactly what the summary counts, the summary marked interrupted. */
static void interrupt_with(int sig, const char *name)
{
	char cfg[256], path[256], *log;
	json_t *s;
	pid_t pid;
	long pk;

	cr_assert_eq(run_toolf("tracegen", out, sizeof out,
			       "-o %s/big.pcap -n 50000 -f 64 -s 3", dir), 0, "%s", out);
	write_scenario_input("cfg.yaml", "big.pcap, loops: 1000");
	snprintf(cfg, sizeof cfg, "%s/cfg.yaml", dir);
	snprintf(path, sizeof path, "%s/o", dir);
	pid = spawn_replay(cfg, path);
	wait_for_output("o");
	sleep_ms(100);
	cr_assert_eq(kill(pid, sig), 0);
	cr_assert_eq(wait_exit(pid), 128 + sig);

	s = load_summary("o");
	cr_assert(json_is_true(json_object_get(s, "interrupted")));
	cr_assert_str_eq(jstr(s, "signal"), name);
	cr_assert(json_is_true(json_object_get(json_array_get(json_object_get(s, "inputs"), 0),
					       "interrupted")));
	pk = (long)jint(s, "packets");
	cr_assert_gt(pk, 0);
	cr_assert_lt(pk, 50000L * 1000);
	cr_assert_eq(jint(s, "packets_read"), pk);
	cr_assert_eq(jint(s, "inputs.0.packets"), pk);
	cr_assert_eq(jint(s, "hits") + jint(s, "misses"), pk);
	cr_assert_eq(sum_egress("o"), jint(s, "egress") + jint(s, "mirrors"));
	cr_assert_eq(count_in("o", "to-host.pcap"), jint(s, "to_host.packets"));
	cr_assert_eq(count_in("o", "drops.pcap"), jint(s, "drops.packets"));
	cr_assert_eq(jint(s, "egress") + jint(s, "to_host.packets") + jint(s, "drops.packets"), pk);
	json_decref(s);
	cr_assert(!has_temporaries("o"));
	snprintf(path, sizeof path, "%s/stdout", dir);
	log = tu_read(path, NULL);
	cr_assert(log && strstr(log, "INTERRUPTED by "), "%s", log);
	cr_assert(strstr(log, name), "%s", log);
	free(log);
	s = load_json("o", "timing.json");
	json_decref(s);
}

Test(cmd_replay, sigint_stops_cleanly, .timeout = 240)
{
	interrupt_with(SIGINT, "SIGINT");
}

Test(cmd_replay, sigterm_stops_cleanly, .timeout = 240)
{
	interrupt_with(SIGTERM, "SIGTERM");
}
