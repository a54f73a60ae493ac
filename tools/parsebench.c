/* parsebench: frames per second through the parser and the key builder.
 *
 *   parsebench [--time SEC] [CAPTURE ...]
 *
 * Without captures it times a built-in mix of data-centre frames (IPv4/TCP,
 * IPv4/UDP, 802.1Q IPv4/TCP, IPv6/TCP, VXLAN with inner IPv4/TCP, one of
 * each in turn).  With captures (pcap/pcapng, read through pcap_in) it
 * times their frames, all held in memory.  One thread, so one core.
 * Prints a human-readable line and, for bench/run.sh,
 *   BENCH parser_<set>_mpps      <M frames/s, parser_parse>
 *   BENCH parser_<set>_key_mpps  <M frames/s, parser_parse + key_builder_run
 *                                 with the default 372-bit profile compiled,
 *                                 as the datapath builds keys>
 * where <set> is "mix" for the built-in frames and "corpus" for captures.
 */
#include <errno.h>
#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/frame.h"
#include "model/key_builder.h"
#include "model/parser.h"
#include "model/proto.h"
#include "io/cli.h"
#include "io/num.h"
#include "io/pcap_in.h"

#define PROG "parsebench"

struct frame {
	uint32_t off;       /* in the arena */
	uint32_t caplen;
	uint32_t len;
};

struct frames {
	uint8_t *arena;
	size_t used, size;
	struct frame *f;
	size_t n, cap;
};

static int frames_add(struct frames *s, const uint8_t *b, uint32_t caplen,
		      uint32_t len)
{
	if (s->used + caplen > s->size) {
		size_t size = s->size ? s->size * 2 : 1 << 20;
		uint8_t *a;

		while (size < s->used + caplen)
			size *= 2;
		a = realloc(s->arena, size);
		if (!a)
			return -ENOMEM;
		s->arena = a;
		s->size = size;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct frame *f = realloc(s->f, cap * sizeof *f);

		if (!f)
			return -ENOMEM;
		s->f = f;
		s->cap = cap;
	}
	memcpy(s->arena + s->used, b, caplen);
	s->f[s->n++] = (struct frame){ (uint32_t)s->used, caplen, len };
	s->used += caplen;
	return 0;
}

/* ---- the built-in mix --------------------------------------------------- */

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static uint32_t ipv4(struct frame_buf *f, uint8_t proto)
{
	const struct frame_ipv4 h = {
		.id = 1, .frag = PROTO_IPV4_DF, .ttl = PROTO_IP_TTL_DEFAULT,
		.proto = proto, .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 },
	};

	return frame_ipv4(f, &h);
}

/* TCP with 12 bytes of options, as Linux sends with timestamps, and 64
 * bytes of payload. */
static void tcp(struct frame_buf *f)
{
	const struct frame_tcp h = {
		.sport = 40000, .dport = 443, .seq = 1, .ack = 2,
		.flags = PROTO_TCP_ACK, .window = 512, .opt_words = 3,
	};

	frame_tcp(f, &h);
	frame_fill(f, 0xa5, 64);
}

/* Ethernet / IPv4 / TCP, or inside 802.1Q tag 100 when `vlan`. */
static void ipv4_tcp(struct frame_buf *f, bool vlan)
{
	uint32_t ip;

	frame_eth(f, mac_dst, mac_src, vlan ? PROTO_ETH_P_8021Q : PROTO_ETH_P_IPV4);
	if (vlan)
		frame_vlan(f, 100, PROTO_ETH_P_IPV4);
	ip = ipv4(f, PROTO_IP_TCP);
	tcp(f);
	frame_ipv4_end(f, ip, false);
}

static void ipv4_udp(struct frame_buf *f)
{
	uint32_t ip, udp;

	frame_eth(f, mac_dst, mac_src, PROTO_ETH_P_IPV4);
	ip = ipv4(f, PROTO_IP_UDP);
	udp = frame_udp(f, 5000, 53);
	frame_fill(f, 0xa5, 64);
	frame_udp_end(f, udp);
	frame_ipv4_end(f, ip, false);
}

static void ipv6_tcp(struct frame_buf *f)
{
	struct frame_ipv6 h = { .next = PROTO_IP_TCP, .hop_limit = 64,
				.src = { 0x20, 0x01, 0x0d, 0xb8 },
				.dst = { 0x20, 0x01, 0x0d, 0xb8 } };
	uint32_t ip;

	h.src[15] = 1;
	h.dst[15] = 2;
	frame_eth(f, mac_dst, mac_src, PROTO_ETH_P_IPV6);
	ip = frame_ipv6(f, &h);
	tcp(f);
	frame_ipv6_end(f, ip);
}

static void vxlan_ipv4_tcp(struct frame_buf *f)
{
	uint32_t ip, udp;

	frame_eth(f, mac_dst, mac_src, PROTO_ETH_P_IPV4);
	ip = ipv4(f, PROTO_IP_UDP);
	udp = frame_udp(f, 50000, PROTO_UDP_VXLAN);
	frame_vxlan(f, 0x1234);
	ipv4_tcp(f, false);
	frame_udp_end(f, udp);
	frame_ipv4_end(f, ip, false);
}

static void plain_ipv4_tcp(struct frame_buf *f)
{
	ipv4_tcp(f, false);
}

static void tagged_ipv4_tcp(struct frame_buf *f)
{
	ipv4_tcp(f, true);
}

static int builtin_mix(struct frames *s)
{
	static void (*const make[])(struct frame_buf *) = {
		plain_ipv4_tcp, ipv4_udp, tagged_ipv4_tcp, ipv6_tcp, vxlan_ipv4_tcp,
	};
	uint8_t b[256];
	int rc = 0;

	for (unsigned i = 0; i < sizeof make / sizeof make[0]; i++) {
		struct frame_buf f;

		frame_init(&f, b, sizeof b);
		make[i](&f);
		rc |= f.overflow ? -ENOMEM : frames_add(s, f.b, f.n, f.n);
	}
	return rc ? -ENOMEM : 0;
}

static int load_capture(struct frames *s, const char *path)
{
	struct pnic_error err;
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	int rc;

	rc = pcap_in_open(path, &in, &err);
	if (rc) {
		fprintf(stderr, "parsebench: %s (skipped)\n", err.msg);
		return 0;
	}
	while ((rc = pcap_in_next(in, &pkt, &err)) == 1)
		if ((rc = frames_add(s, pkt.frame, pkt.caplen, pkt.len)))
			break;
	pcap_in_close(in);
	if (rc == -ENOMEM)
		return rc;
	return 0;
}

/* ---- timing ------------------------------------------------------------- */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Frames per second over at least `seconds`; `sink` keeps the work alive. */
static double run(const struct frames *s, double seconds, int with_key,
		  uint64_t *sink)
{
	struct key_builder_plan p;
	uint64_t done = 0;
	double t0 = now(), t;

	key_builder_plan(key_profile_default(), &p);
	do {
		/* read the clock every 4K frames or so, not per pass */
		for (size_t j = 0, i = 0; j < 4096 || i != 0; j++) {
			const struct frame *f = &s->f[i];
			struct parser_result r;

			parser_parse(s->arena + f->off, f->caplen, f->len, &r);
			if (with_key) {
				struct pnic_key k;

				key_builder_run(&p, &r, 1, &k);
				*sink += k.w[0] ^ k.w[5];
			} else {
				*sink += r.depth;
			}
			if (++i == s->n)
				i = 0;
			done++;
		}
		t = now() - t0;
	} while (t < seconds);
	return done / t;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: parsebench [--time SEC] [CAPTURE ...]\n"
"\n"
"Frames per second through the parser, and through the parser and the key\n"
"builder (default profile), one core.  Without captures, a built-in mix of\n"
"data-centre frames; with captures (pcap/pcapng), their frames, held in\n"
"memory.\n"
"\n"
"  --time SEC    seconds per figure, a number > 0 (default 1)\n");
}

int main(int argc, char **argv)
{
	struct frames s = { 0 };
	double seconds = 1.0, parse, key;
	const char *set = "mix";
	uint64_t sink = 0, depth = 0;
	unsigned status_ok = 0;
	int rc = 0;

	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--time")) {
			if (i + 1 >= argc)
				return cli_usage_error(PROG, "option '--time' needs a value");
			if (!num_option_positive(PROG, a, argv[++i], DBL_MAX, &seconds))
				return cli_try_help(PROG);
		} else if (a[0] == '-') {
			return cli_usage_error(PROG, "unknown option '%s'", a);
		} else {
			set = "corpus";
			rc = load_capture(&s, a);
		}
	}
	if (!rc && !strcmp(set, "mix"))
		rc = builtin_mix(&s);
	if (rc || s.n == 0) {
		fprintf(stderr, "parsebench: %s\n",
			rc ? "out of memory loading frames" : "no frames to time");
		free(s.arena);
		free(s.f);
		return 1;
	}
	for (size_t i = 0; i < s.n; i++) {
		struct parser_result r;

		parser_parse(s.arena + s.f[i].off, s.f[i].caplen, s.f[i].len, &r);
		depth += r.depth;
		status_ok += r.status == PARSE_OK;
	}
	parse = run(&s, seconds, 0, &sink);
	key = run(&s, seconds, 1, &sink);
	printf("parsebench: %zu %s frames (%u parse ok, mean depth %.1f bytes): "
	       "parse %.2f M/s, parse+key %.2f M/s (sink %llx)\n",
	       s.n, set, status_ok, (double)depth / s.n, parse / 1e6, key / 1e6,
	       (unsigned long long)(sink & 0xf));
	printf("BENCH parser_%s_mpps %.2f\n", set, parse / 1e6);
	printf("BENCH parser_%s_key_mpps %.2f\n", set, key / 1e6);
	free(s.arena);
	free(s.f);
	return 0;
}
