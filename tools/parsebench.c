/* parsebench: frames per second through the parser and the key builder.
 *
 *   parsebench [--time SEC] [CAPTURE ...]
 *
 * Without captures it times a built-in mix of data-centre frames (IPv4/TCP,
 * IPv4/UDP, 802.1Q IPv4/TCP, IPv6/TCP, VXLAN with inner IPv4/TCP, one of
 * each in turn).  With captures (pcap/pcapng, read through pcap_in) it
 * times their frames, all held in memory.  One thread, so one core.
 * Prints a human-readable line and, for bench/run.sh,
 *   BENCH parser_<set>_mpps      <M frames/s, parse_frame>
 *   BENCH parser_<set>_key_mpps  <M frames/s, parse_frame + key_builder_build
 *                                 with the default 372-bit profile>
 * where <set> is "mix" for the built-in frames and "corpus" for captures.
 */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/key_builder.h"
#include "model/parser.h"
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

struct fb {
	uint8_t b[256];
	uint32_t n;
};

static void u8(struct fb *f, unsigned v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void u16(struct fb *f, unsigned v)
{
	u8(f, v >> 8);
	u8(f, v);
}

static void u32(struct fb *f, uint32_t v)
{
	u16(f, v >> 16);
	u16(f, v & 0xffff);
}

static void fill(struct fb *f, unsigned v, unsigned n)
{
	while (n--)
		u8(f, v);
}

static void macs(struct fb *f)
{
	u16(f, 0x0200); u32(f, 1);
	u16(f, 0x0200); u32(f, 2);
}

static uint32_t ipv4(struct fb *f, unsigned proto)
{
	uint32_t off = f->n;

	u8(f, 0x45); u8(f, 0); u16(f, 0); u16(f, 1); u16(f, 0x4000);
	u8(f, 64); u8(f, proto); u16(f, 0);
	u32(f, 0x0a000001); u32(f, 0x0a000002);
	return off;
}

static void ipv4_fix(struct fb *f, uint32_t off)
{
	f->b[off + 2] = (uint8_t)((f->n - off) >> 8);
	f->b[off + 3] = (uint8_t)(f->n - off);
}

static void tcp(struct fb *f)
{
	u16(f, 40000); u16(f, 443); u32(f, 1); u32(f, 2);
	u8(f, 0x80); u8(f, 0x10); u16(f, 512); u32(f, 0);
	fill(f, 1, 12);     /* timestamps, as Linux sends */
}

static void inner_tcp(struct fb *f)
{
	uint32_t ip;

	macs(f);
	u16(f, 0x0800);
	ip = ipv4(f, 6);
	tcp(f);
	fill(f, 0xa5, 64);
	ipv4_fix(f, ip);
}

static int builtin_mix(struct frames *s)
{
	struct fb f;
	uint32_t ip, udp;
	int rc = 0;

	f.n = 0;                    /* IPv4/TCP */
	macs(&f); u16(&f, 0x0800);
	ip = ipv4(&f, 6); tcp(&f); fill(&f, 0xa5, 64); ipv4_fix(&f, ip);
	rc |= frames_add(s, f.b, f.n, f.n);

	f.n = 0;                    /* IPv4/UDP */
	macs(&f); u16(&f, 0x0800);
	ip = ipv4(&f, 17); u16(&f, 5000); u16(&f, 53); u16(&f, 72); u16(&f, 0);
	fill(&f, 0xa5, 64); ipv4_fix(&f, ip);
	rc |= frames_add(s, f.b, f.n, f.n);

	f.n = 0;                    /* 802.1Q IPv4/TCP */
	macs(&f); u16(&f, 0x8100); u16(&f, 100); u16(&f, 0x0800);
	ip = ipv4(&f, 6); tcp(&f); fill(&f, 0xa5, 64); ipv4_fix(&f, ip);
	rc |= frames_add(s, f.b, f.n, f.n);

	f.n = 0;                    /* IPv6/TCP */
	macs(&f); u16(&f, 0x86dd);
	u32(&f, 0x60000000); u16(&f, 32 + 64); u8(&f, 6); u8(&f, 64);
	u32(&f, 0x20010db8); fill(&f, 0, 11); u8(&f, 1);
	u32(&f, 0x20010db8); fill(&f, 0, 11); u8(&f, 2);
	tcp(&f); fill(&f, 0xa5, 64);
	rc |= frames_add(s, f.b, f.n, f.n);

	f.n = 0;                    /* VXLAN, inner IPv4/TCP */
	macs(&f); u16(&f, 0x0800);
	ip = ipv4(&f, 17); udp = f.n;
	u16(&f, 50000); u16(&f, 4789); u16(&f, 0); u16(&f, 0);
	u32(&f, 0x08000000); u32(&f, 0x00123400);
	inner_tcp(&f);
	f.b[udp + 4] = (uint8_t)((f.n - udp) >> 8);
	f.b[udp + 5] = (uint8_t)(f.n - udp);
	ipv4_fix(&f, ip);
	rc |= frames_add(s, f.b, f.n, f.n);
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
	const struct key_profile *p = key_profile_default();
	uint64_t done = 0;
	double t0 = now(), t;

	do {
		/* read the clock every 4K frames or so, not per pass */
		for (size_t j = 0, i = 0; j < 4096 || i != 0; j++) {
			const struct frame *f = &s->f[i];
			struct parse_result r;

			parse_frame(s->arena + f->off, f->caplen, f->len, &r);
			if (with_key) {
				struct pnic_key k;

				key_builder_build(p, &r, 1, &k);
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
		struct parse_result r;

		parse_frame(s.arena + s.f[i].off, s.f[i].caplen, s.f[i].len, &r);
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
