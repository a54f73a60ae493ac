/* tracegen: deterministic synthetic Ethernet traces, and the flow entries
 * that match them.
 *
 * N packets over F flows.  Each flow is drawn once from the seed: IPv4 or
 * IPv6, TCP or UDP, optionally 802.1Q-tagged, optionally carried in VXLAN
 * (outer IPv4/UDP 4789 with a VNI, inner Ethernet/IP/L4).  Packets pick a
 * flow uniformly at random, carry 0..max-payload bytes, and are stamped at
 * a fixed rate.  Same arguments, same bytes: a trace can be regenerated
 * instead of stored.
 *
 * --scenario writes a complete scenario (docs/scenario.md) with one exact
 * match entry per flow (the outer 5-tuple, plus VLAN id and VNI where the
 * flow has them) forwarding to a VPID; --flows-yaml writes only the flows
 * list, to paste into a hand-written scenario.  (--config, the option's
 * old name, is kept as an alias.)  Every scenario written loads:
 * the TCAM depth is the smallest power of two that holds the entries, and
 * entries beyond the largest TCAM (TCAM_MAX_DEPTH, the bound replay
 * checks) are refused before anything is written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/frame.h"
#include "model/proto.h"
#include "model/tcam.h"
#include "model/vpid_map.h"
#include "io/cli.h"
#include "io/num.h"
#include "io/outfile.h"
#include "io/pcap_out.h"
#include "tools/splitmix.h"

#define PROG "tracegen"

struct opts {
	uint64_t packets;
	uint32_t flows;
	double rate;          /* packets per second */
	uint64_t seed;
	unsigned ipv6_pct, udp_pct, vlan_pct, vxlan_pct, miss_pct;
	unsigned max_payload;
	uint32_t n_vpids;
	const char *out, *scenario, *flows_yaml;
};

struct flow {
	bool v6, udp, vlan, vxlan, no_entry;
	uint16_t vid;
	uint32_t vni;
	uint8_t src[16], dst[16];        /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t osrc[4], odst[4];        /* VXLAN outer IPv4 */
	uint16_t osport;
	uint8_t ttl, tos;
	uint32_t vpid;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return splitmix64(&rng_state);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: tracegen --out FILE.pcap [options]\n"
"\n"
"Write a deterministic Ethernet pcap (nanosecond timestamps) of N packets\n"
"over F flows, and optionally the flow entries that match them.\n"
"\n"
"options:\n"
"  -o, --out FILE        pcap to write (required)\n"
"  -n, --packets N       packets, 0..2^40 (default 300)\n"
"  -f, --flows F         flows, 1..16777216 (default 16)\n"
"  -r, --rate PPS        timestamps spaced at this rate, > 0 (default 1e6)\n"
"  -s, --seed S          random seed, 0..2^64-1 (default 1)\n"
"      --ipv6 PCT        percent of flows that are IPv6 (default 25)\n"
"      --udp PCT         percent of flows that are UDP (default 40)\n"
"      --vlan PCT        percent of flows that are 802.1Q-tagged (default 15)\n"
"      --vxlan PCT       percent of flows carried in VXLAN (default 10)\n"
"      --max-payload B   L4 payload 0..B bytes, random per packet; B in\n"
"                        0..1400 (default 64)\n"
"      --scenario FILE   write a complete scenario: 4 ports, a VPID map,\n"
"                        one exact-match entry per flow, the pcap as input\n"
"                        on port 0 (--config FILE, its old name, still works)\n"
"      --flows-yaml FILE write only the flows list (a scenario snippet)\n"
"      --miss PCT        percent of flows left without an entry, so their\n"
"                        packets miss (default 0)\n"
"      --vpids N         VPIDs that entries forward to, 1..%u (default 8)\n"
"  -h, --help            this text\n"
"\n"
"Numbers are decimal or 0x hex, never negative; N and F may end in K, M or\n"
"G (x1000).  PPS is a plain decimal number (1000, 2.5e6).\n",
		(unsigned)VPID_MAP_MAX_VPIDS);
}

/* ---- flows ------------------------------------------------------------- */

static void make_flow(const struct opts *o, uint32_t i, struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->v6 = rnd_below(100) < o->ipv6_pct;
	f->udp = rnd_below(100) < o->udp_pct;
	f->vlan = rnd_below(100) < o->vlan_pct;
	f->vxlan = rnd_below(100) < o->vxlan_pct;
	f->no_entry = rnd_below(100) < o->miss_pct;
	f->vid = (uint16_t)(100 + rnd_below(8));
	f->vni = 5000 + rnd_below(16);
	/* Unique 5-tuples: the flow number lives in the addresses. */
	if (f->v6) {
		static const uint8_t pfx_s[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };
		static const uint8_t pfx_d[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0 };

		memcpy(f->src, pfx_s, 8);
		memcpy(f->dst, pfx_d, 8);
		for (int b = 0; b < 4; b++) {
			f->src[12 + b] = (uint8_t)(i >> (24 - 8 * b));
			f->dst[12 + b] = (uint8_t)(rnd() & 0xff);
		}
	} else {
		f->src[0] = 10;
		f->src[1] = (uint8_t)(i >> 16);
		f->src[2] = (uint8_t)(i >> 8);
		f->src[3] = (uint8_t)i;
		f->dst[0] = 192;
		f->dst[1] = 168;
		f->dst[2] = (uint8_t)rnd_below(256);
		f->dst[3] = (uint8_t)(1 + rnd_below(254));
	}
	f->sport = (uint16_t)(1024 + rnd_below(60000));
	{
		static const uint16_t ports[] = { 80, 443, 53, 22, 8080, 123, 5201 };

		f->dport = ports[rnd_below(sizeof ports / sizeof ports[0])];
	}
	f->osrc[0] = 172; f->osrc[1] = 16; f->osrc[2] = 0;
	f->osrc[3] = (uint8_t)(1 + rnd_below(8));
	f->odst[0] = 172; f->odst[1] = 16; f->odst[2] = 1;
	f->odst[3] = (uint8_t)(1 + rnd_below(8));
	f->osport = (uint16_t)(49152 + (i % 16384));
	f->ttl = (uint8_t)(32 + rnd_below(96));
	f->tos = (uint8_t)(rnd_below(8) << 5);
	f->vpid = rnd_below(o->n_vpids);
}

/* ---- packets ----------------------------------------------------------- */

/* Ethernet (+tag) + IP + L4 + payload at the cursor, checksums filled. */
static void inner_frame(const struct flow *f, bool tag, unsigned payload,
			uint32_t seq, struct frame_buf *b)
{
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x01 };
	const uint8_t smac[6] = { 0x02, 0x00, 0x00, f->src[1], f->src[2], f->src[3] };
	uint16_t et = f->v6 ? PROTO_ETH_P_IPV6 : PROTO_ETH_P_IPV4;
	uint8_t proto = f->udp ? PROTO_IP_UDP : PROTO_IP_TCP;
	uint32_t l3, l4;

	frame_eth(b, dmac, smac, tag ? PROTO_ETH_P_8021Q : et);
	if (tag)
		frame_vlan(b, f->vid, et);
	if (f->v6) {
		struct frame_ipv6 h = { .tclass = f->tos, .next = proto,
					.hop_limit = f->ttl };

		memcpy(h.src, f->src, 16);
		memcpy(h.dst, f->dst, 16);
		l3 = frame_ipv6(b, &h);
	} else {
		struct frame_ipv4 h = { .tos = f->tos, .id = (uint16_t)seq,
					.frag = PROTO_IPV4_DF, .ttl = f->ttl,
					.proto = proto };

		memcpy(h.src, f->src, 4);
		memcpy(h.dst, f->dst, 4);
		l3 = frame_ipv4(b, &h);
	}
	if (f->udp) {
		l4 = frame_udp(b, f->sport, f->dport);
	} else {
		struct frame_tcp h = { .sport = f->sport, .dport = f->dport,
				       .seq = seq, .window = 65535,
				       /* SYN, then ACK */
				       .flags = seq == 0 ? PROTO_TCP_SYN : PROTO_TCP_ACK };

		l4 = frame_tcp(b, &h);
	}
	for (unsigned i = 0; i < payload; i++)
		frame_u8(b, (uint8_t)(seq + i));
	if (f->udp)
		frame_udp_end(b, l4);
	if (f->v6)
		frame_ipv6_end(b, l3);
	else
		frame_ipv4_end(b, l3, true);
	frame_l4_csum(b, l3, l4);
}

/* The packet into b (2048 bytes); returns its length. */
static size_t make_packet(const struct flow *f, unsigned payload,
			  uint32_t seq, uint8_t *buf)
{
	static const uint8_t odmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x20, 0x01 };
	static const uint8_t osmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x20, 0x02 };
	struct frame_ipv4 ip = { .frag = PROTO_IPV4_DF, .ttl = PROTO_IP_TTL_DEFAULT,
				 .proto = PROTO_IP_UDP };
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, buf, 2048);
	if (!f->vxlan) {
		inner_frame(f, f->vlan, payload, seq, &b);
		return b.n;
	}
	/* outer Ethernet (+tag) / IPv4 / UDP 4789 / VXLAN / inner frame */
	frame_eth(&b, odmac, osmac, f->vlan ? PROTO_ETH_P_8021Q : PROTO_ETH_P_IPV4);
	if (f->vlan)
		frame_vlan(&b, f->vid, PROTO_ETH_P_IPV4);
	memcpy(ip.src, f->osrc, 4);
	memcpy(ip.dst, f->odst, 4);
	l3 = frame_ipv4(&b, &ip);
	l4 = frame_udp(&b, f->osport, PROTO_UDP_VXLAN);
	frame_vxlan(&b, f->vni);
	inner_frame(f, false, payload, seq, &b);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
	return b.n;
}

/* ---- YAML -------------------------------------------------------------- */

static void ip_str(const struct flow *f, const uint8_t *a, bool outer,
		   char *buf, size_t n)
{
	inet_ntop(f->v6 && !outer ? AF_INET6 : AF_INET, a, buf, (socklen_t)n);
}

static uint32_t count_entries(const struct flow *flows, uint32_t n)
{
	uint32_t entries = 0;

	for (uint32_t i = 0; i < n; i++)
		entries += !flows[i].no_entry;
	return entries;
}

/* Entries that no TCAM replay builds could hold are refused before the
 * trace is written: a scenario or snippet that cannot load is no use.
 * Returns the exit status, 0 if they fit. */
static int check_entries(const struct opts *o, const struct flow *flows)
{
	uint32_t entries = count_entries(flows, o->flows);

	if ((!o->scenario && !o->flows_yaml) || entries <= TCAM_MAX_DEPTH)
		return 0;
	return cli_usage_error("tracegen",
			       "%u flow entries do not fit the largest TCAM (%u entries); give fewer --flows or a higher --miss",
			       entries, TCAM_MAX_DEPTH);
}

static void write_flow_entries(FILE *y, const struct flow *flows, uint32_t n)
{
	char s[64], d[64];

	/* "flows:" with nothing under it is a null, which the reader refuses */
	fprintf(y, count_entries(flows, n) ? "flows:\n" : "flows: []\n");
	for (uint32_t i = 0; i < n; i++) {
		const struct flow *f = &flows[i];

		if (f->no_entry)
			continue;
		if (f->vxlan) {
			ip_str(f, f->osrc, true, s, sizeof s);
			ip_str(f, f->odst, true, d, sizeof d);
			fprintf(y, "  - { match: { src_ip: %s, dst_ip: %s, ip_proto: udp, l4_src: %u, l4_dst: 4789, vni: %u%s",
				s, d, f->osport, f->vni, f->vlan ? "" : " }");
		} else {
			ip_str(f, f->src, false, s, sizeof s);
			ip_str(f, f->dst, false, d, sizeof d);
			/* IPv6 quoted: "2001:db8::," is not a plain flow scalar. */
			fprintf(y, "  - { match: { src_ip: \"%s\", dst_ip: \"%s\", ip_proto: %s, l4_src: %u, l4_dst: %u%s",
				s, d, f->udp ? "udp" : "tcp", f->sport, f->dport,
				f->vlan ? "" : " }");
		}
		if (f->vlan)
			fprintf(y, ", vlan_vid: %u }", f->vid);
		fprintf(y, ", action: { forward: %u } }\n", f->vpid);
	}
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t d = TCAM_MIN_DEPTH;

	while (d < n)
		d <<= 1;
	return d;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The pcap's path as the scenario will see it: relative when both files
 * share a folder, absolute otherwise. */
static void input_path(const char *pcap, const char *scenario, char *buf,
		       size_t n)
{
	size_t dp = (size_t)(base_name(pcap) - pcap);
	size_t dc = (size_t)(base_name(scenario) - scenario);
	char real[PATH_MAX];

	if (dp == dc && !strncmp(pcap, scenario, dp))
		snprintf(buf, n, "%s", base_name(pcap));
	else if (realpath(pcap, real))
		snprintf(buf, n, "%s", real);
	else
		snprintf(buf, n, "%s", pcap);
}

/* A path as a YAML double-quoted scalar: a path may hold anything YAML
 * gives a meaning to (", #, ": ", ", ", brackets, a leading & or *), so it
 * is always quoted. */
static void put_path(FILE *y, const char *p)
{
	fputc('"', y);
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '"' || ch == '\\')
			fprintf(y, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(y, "\\x%02x", ch);
		else
			fputc(ch, y);
	}
	fputc('"', y);
}

static void write_scenario(FILE *y, const struct opts *o,
			 const struct flow *flows)
{
	char in[PATH_MAX];

	input_path(o->out, o->scenario, in, sizeof in);
	fprintf(y, "# Generated by tracegen: %llu packets, %u flows, seed %llu.\n",
		(unsigned long long)o->packets, o->flows,
		(unsigned long long)o->seed);
	fprintf(y, "key_profile: default\n");
	fprintf(y, "tcam: { depth: %u, miss: to_host }\n",
		pow2_at_least(count_entries(flows, o->flows)));
	fprintf(y, "ports:\n"
		   "  - { ppid: 0, name: wire0 }\n"
		   "  - { ppid: 1, name: wire1 }\n"
		   "  - { ppid: 2, name: vf0 }\n"
		   "  - { ppid: 3, name: vf1 }\n");
	fprintf(y, "vpid_map:\n  n_vpids: %u\n  unmapped: drop\n  map:\n",
		o->n_vpids);
	for (uint32_t v = 0; v < o->n_vpids; v++)
		fprintf(y, "    - { vpid: %u, ppid: %u }\n", v, 1 + v % 3);
	write_flow_entries(y, flows, o->flows);
	fprintf(y, "inputs:\n  - { pcap: ");
	put_path(y, in);
	fprintf(y, ", in_port: wire0 }\n");
}

/* The scenario or the snippet, under its temporary name (outfile.h). */
static int write_yaml(const char *path, const struct opts *o,
		      const struct flow *flows, struct outfile **y)
{
	struct pnic_error err;

	if (!path)
		return 0;
	if (outfile_open(path, y, &err))
		goto fail;
	if (path == o->scenario)
		write_scenario(outfile_stream(*y), o, flows);
	else
		write_flow_entries(outfile_stream(*y), flows, o->flows);
	if (!outfile_finish(*y, &err))
		return 0;
fail:
	fprintf(stderr, "tracegen: %s\n", err.msg);
	return -1;
}

/* ---- command line ------------------------------------------------------ */

enum { O_IPV6 = 256, O_UDP, O_VLAN, O_VXLAN, O_PAYLOAD, O_SCENARIO,
       O_SNIPPET, O_MISS, O_VPIDS };

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "packets", required_argument, NULL, 'n' },
	{ "flows", required_argument, NULL, 'f' },
	{ "rate", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 's' },
	{ "ipv6", required_argument, NULL, O_IPV6 },
	{ "udp", required_argument, NULL, O_UDP },
	{ "vlan", required_argument, NULL, O_VLAN },
	{ "vxlan", required_argument, NULL, O_VXLAN },
	{ "max-payload", required_argument, NULL, O_PAYLOAD },
	{ "scenario", required_argument, NULL, O_SCENARIO },
	/* The option's old name, before the scenario was called one. */
	{ "config", required_argument, NULL, O_SCENARIO },
	{ "flows-yaml", required_argument, NULL, O_SNIPPET },
	{ "miss", required_argument, NULL, O_MISS },
	{ "vpids", required_argument, NULL, O_VPIDS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The long name of option c, for messages, whichever spelling was used. */
static const char *opt_name(int c)
{
	static char name[32];

	for (const struct option *l = long_opts; l->name; l++)
		if (l->val == c) {
			snprintf(name, sizeof name, "--%s", l->name);
			return name;
		}
	return "option";
}

/* --ipv6, --udp, --vlan, --vxlan, --miss: a percentage of the flows. */
static bool set_percent(int c, const char *v, struct opts *o)
{
	uint64_t n;

	if (!num_option(PROG, opt_name(c), v, 0, 100, 0, &n))
		return false;
	*(c == O_IPV6 ? &o->ipv6_pct : c == O_UDP ? &o->udp_pct :
	  c == O_VLAN ? &o->vlan_pct : c == O_VXLAN ? &o->vxlan_pct :
	  &o->miss_pct) = (unsigned)n;
	return true;
}

/* Option c with its value into o; false once the fault is reported. */
static bool set_option(int c, const char *v, struct opts *o)
{
	uint64_t n;

	switch (c) {
	case 'o': o->out = v; return true;
	case O_SCENARIO: o->scenario = v; return true;
	case O_SNIPPET: o->flows_yaml = v; return true;
	case 'r': return num_option_positive(PROG, "--rate", v, DBL_MAX, &o->rate);
	case 'n': return num_option(PROG, "--packets", v, 0, 1ull << 40, NUM_SI,
				    &o->packets);
	case 's': return num_option(PROG, "--seed", v, 0, UINT64_MAX, 0, &o->seed);
	case 'f':
		if (!num_option(PROG, "--flows", v, 1, 1u << 24, NUM_SI, &n))
			return false;
		o->flows = (uint32_t)n;
		return true;
	case O_PAYLOAD:
		if (!num_option(PROG, "--max-payload", v, 0, 1400, 0, &n))
			return false;
		o->max_payload = (unsigned)n;
		return true;
	case O_VPIDS:
		if (!num_option(PROG, "--vpids", v, 1, VPID_MAP_MAX_VPIDS, 0, &n))
			return false;
		o->n_vpids = (uint32_t)n;
		return true;
	default:
		return set_percent(c, v, o);
	}
}

/* 0 to run, 1 after the help (exit 0), or 2 after a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:n:f:r:s:h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error(PROG, c, argv);
		if (!set_option(c, optarg, o))
			return cli_try_help(PROG);
	}
	if (optind != argc)
		return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
	if (!o->out)
		return cli_usage_error(PROG, "--out FILE.pcap is required");
	/* Stamps are nanoseconds from 2023 in 64 bits: a rate so slow that
	 * the last packet's would wrap is refused, not wrapped. */
	if (o->packets > 1 && (double)(o->packets - 1) * 1e9 / o->rate > 1.6e19)
		return cli_usage_error(PROG, "--rate %g: %llu packets at this rate "
				       "outlast 64-bit nanosecond timestamps",
				       o->rate, (unsigned long long)o->packets);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

/* The trace, under its temporary name; 0 or -1 (reported). */
static int write_trace(const struct opts *o, struct flow *flows,
		       uint32_t *seq, const char *path)
{
	struct pcap_out *w;
	struct pnic_error err;
	uint8_t frame[2048];

	if (pcap_out_open(path, &w, &err))
		goto fail;
	for (uint64_t p = 0; p < o->packets; p++) {
		uint32_t fi = (uint32_t)(rnd() % o->flows);
		unsigned payload = o->max_payload ? rnd_below(o->max_payload + 1) : 0;
		size_t n = make_packet(&flows[fi], payload, seq[fi]++, frame);
		uint64_t ts = 1700000000000000000ull + (uint64_t)((double)p * 1e9 / o->rate);

		/* Short frames are padded to the 60-byte Ethernet minimum. */
		if (n < PROTO_ETH_MIN_FRAME) {
			memset(frame + n, 0, PROTO_ETH_MIN_FRAME - n);
			n = PROTO_ETH_MIN_FRAME;
		}
		pcap_out_write(w, frame, (uint32_t)n, (uint32_t)n, ts);
	}
	if (!pcap_out_close(w, &err))
		return 0;
fail:
	fprintf(stderr, "tracegen: %s\n", err.msg);
	return -1;
}

/* Renames *o into place (if there is one) and forgets it. */
static int commit(struct outfile **o, struct pnic_error *err)
{
	int rc = *o ? outfile_commit(*o, err) : 0;

	*o = NULL;
	return rc;
}

/* Each result's place is checked before any work, so that the renames at
 * the end (which cannot be undone one by one) do not fail half-way. */
static int check_outputs(const struct opts *o)
{
	const char *paths[] = { o->out, o->scenario, o->flows_yaml };
	int rc;

	for (unsigned i = 0; i < 3; i++)
		if (paths[i] && (rc = cli_output_check(paths[i]))) {
			fprintf(stderr, "tracegen: cannot write %s: %s\n",
				paths[i], strerror(-rc));
			return -1;
		}
	return 0;
}

/* Every result is written under its temporary name first and they are
 * renamed together at the end, so a run that fails (or is killed) leaves
 * no trace without its scenario, nor a half-written file. */
int main(int argc, char **argv)
{
	struct opts o = {
		.packets = 300, .flows = 16, .rate = 1e6, .seed = 1,
		.ipv6_pct = 25, .udp_pct = 40, .vlan_pct = 15, .vxlan_pct = 10,
		.max_payload = 64, .n_vpids = 8,
	};
	struct outfile *trace = NULL, *scenario = NULL, *snippet = NULL;
	struct flow *flows = NULL;
	struct pnic_error err;
	uint32_t *seq = NULL;
	int status = 1, rc;

	if ((rc = parse_args(argc, argv, &o)))
		return rc == 1 ? 0 : rc;
	rng_state = o.seed;
	flows = calloc(o.flows, sizeof *flows);
	seq = calloc(o.flows, sizeof *seq);
	if (!flows || !seq) {
		fprintf(stderr, "tracegen: out of memory for %u flows\n", o.flows);
		goto out;
	}
	for (uint32_t i = 0; i < o.flows; i++)
		make_flow(&o, i, &flows[i]);
	if ((rc = check_entries(&o, flows))) {
		status = rc;
		goto out;
	}
	if (check_outputs(&o))
		goto out;
	if (outfile_begin(o.out, &trace, &err)) {
		fprintf(stderr, "tracegen: %s\n", err.msg);
		goto out;
	}
	if (write_trace(&o, flows, seq, outfile_write_path(trace)) ||
	    write_yaml(o.scenario, &o, flows, &scenario) ||
	    write_yaml(o.flows_yaml, &o, flows, &snippet))
		goto discard;
	rc = commit(&trace, &err) || commit(&scenario, &err) ||
	     commit(&snippet, &err);
	if (rc)
		fprintf(stderr, "tracegen: %s\n", err.msg);
	else
		status = 0;
discard:
	outfile_discard(trace);
	outfile_discard(scenario);
	outfile_discard(snippet);
out:
	free(seq);
	free(flows);
	return status;
}
