/* editbench: frames per second of the packet editor, per edit.
 *
 * Each case edits a copy of one frame again and again: copy the frame
 * into the buffer, then editor_apply() with a parse result computed once
 * (parsing is the parser's cost, not the editor's).  The "copy" case runs
 * the same loop with no edit, so the editor's own cost is the difference.
 * Frames: Ethernet / IPv4 / TCP of 60 and 1514 bytes (no FCS); decap runs
 * on the same frames inside VXLAN over IPv4.  One thread, so one core.
 *
 *   editbench [--time SEC]
 *
 * Prints a line per case and, for bench/run.sh,
 *   BENCH editor_<case>_<size>_mpps <M frames/s>
 * Before timing, every case's result is parsed again and checked (TTL
 * decremented, tag present, inner frame back ...); a wrong edit stops the
 * program with exit status 1.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/editor.h"
#include "model/parser.h"
#include "io/cli.h"
#include "io/num.h"

#define PROG "editbench"

#define BUF 4096

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet / IPv4 / TCP, `len` bytes in all. */
static uint32_t tcp_frame(uint8_t *b, uint32_t len)
{
	memset(b, 0, len);
	memcpy(b, "\x00\x16\x3e\x11\x22\x33\x00\x16\x3e\x44\x55\x66\x08\x00", 14);
	b[14] = 0x45;
	put16(b + 16, (uint16_t)(len - 14));
	put16(b + 20, 0x4000);
	b[22] = 64;
	b[23] = 6;
	memcpy(b + 26, "\xc0\xa8\x01\x0a\xc0\xa8\x02\x14", 8);
	put16(b + 24, csum(b + 14, 20));
	put16(b + 34, 40000);
	put16(b + 36, 443);
	b[46] = 0x50;
	b[47] = 0x10;
	for (uint32_t i = 54; i < len; i++)
		b[i] = (uint8_t)i;
	return len;
}

static struct encap_template template(int ipv6)
{
	struct encap_template t;
	uint8_t *b = t.bytes;
	uint32_t o;

	memset(&t, 0, sizeof t);
	memcpy(b, "\x02\xaa\x00\x00\x00\x01\x02\xbb\x00\x00\x00\x02", 12);
	if (!ipv6) {
		put16(b + 12, 0x0800);
		b[14] = 0x45;
		put16(b + 20, 0x4000);
		b[22] = 64;
		b[23] = 17;
		memcpy(b + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		o = 34;
	} else {
		put16(b + 12, 0x86dd);
		b[14] = 0x60;
		b[20] = 17;
		b[21] = 64;
		b[22] = 0x20;
		b[23] = 0x01;
		b[37] = 1;
		b[38] = 0x20;
		b[39] = 0x01;
		b[53] = 2;
		o = 54;
	}
	put16(b + o + 2, 4789);
	b[o + 8] = 0x08;
	b[o + 14] = 42;
	t.len = (uint16_t)(o + 16);
	return t;
}

struct bench_case {
	const char *name;
	struct pnic_action a;
	int tpl;             /* -1 none, 0 IPv4, 1 IPv6 */
	int input;           /* 0 plain, 1 tagged, 2 VXLAN */
};

static void fail(const char *c, unsigned size, const char *why)
{
	fprintf(stderr, "editbench: %s on %u bytes: %s\n", c, size, why);
	exit(1);
}

/* The edit did what it says, judged by parsing the result. */
static void check(const struct bench_case *c, unsigned size,
		  const uint8_t *in, uint32_t inlen,
		  const struct parse_result *pin, const uint8_t *out,
		  uint32_t outlen)
{
	struct parse_result r;

	parse_frame(out, outlen, outlen, &r);
	if (r.status != PARSE_OK)
		fail(c->name, size, "result does not parse");
	if (c->a.dec_ttl && r.outer.ttl != pin->outer.ttl - 1)
		fail(c->name, size, "TTL not decremented");
	if (c->a.set_dscp && r.outer.tos >> 2 != c->a.dscp)
		fail(c->name, size, "DSCP not set");
	if ((c->a.dec_ttl || c->a.set_dscp) &&
	    csum(out + r.outer.l3_off, 20) != 0)
		fail(c->name, size, "IPv4 header checksum wrong");
	if (c->a.vlan_op == VLAN_OP_PUSH &&
	    (r.outer.n_vlans != 1 || r.outer.vlan_tci[0] != c->a.vlan_tci))
		fail(c->name, size, "no tag pushed");
	if (c->a.vlan_op == VLAN_OP_POP && r.outer.n_vlans != 0)
		fail(c->name, size, "tag not popped");
	if (c->a.tunnel_op == TUNNEL_OP_VXLAN_ENCAP &&
	    (r.tunnel != TUNNEL_VXLAN || !r.have_inner || r.vni != 42 ||
	     memcmp(out + r.inner.l2_off, in, inlen)))
		fail(c->name, size, "not encapsulated");
	if (c->a.tunnel_op == TUNNEL_OP_VXLAN_DECAP &&
	    (outlen != inlen - pin->inner.l2_off ||
	     memcmp(out, in + pin->inner.l2_off, outlen)))
		fail(c->name, size, "not decapsulated");
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: editbench [--time SEC]\n"
"\n"
"Frames per second of the packet editor, per edit (TTL, DSCP, VLAN push and\n"
"pop, VXLAN decap and encap) on 60- and 1514-byte frames, one core; each\n"
"edit's result is checked before it is timed.\n"
"\n"
"  --time SEC    seconds per case, a number > 0 (default 0.3)\n");
}

int main(int argc, char **argv)
{
	static const struct bench_case cases[] = {
		{ "copy",      { .kind = ACT_FORWARD }, -1, 0 },
		{ "dec_ttl",   { .kind = ACT_FORWARD, .dec_ttl = true }, -1, 0 },
		{ "set_dscp",  { .kind = ACT_FORWARD, .set_dscp = true, .dscp = 46 }, -1, 0 },
		{ "vlan_push", { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_PUSH,
				 .vlan_tci = 100 }, -1, 0 },
		{ "vlan_pop",  { .kind = ACT_FORWARD, .vlan_op = VLAN_OP_POP }, -1, 1 },
		{ "decap",     { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_DECAP }, -1, 2 },
		{ "encap_v4",  { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP }, 0, 0 },
		{ "encap_v6",  { .kind = ACT_FORWARD,
				 .tunnel_op = TUNNEL_OP_VXLAN_ENCAP }, 1, 0 },
	};
	static const unsigned sizes[] = { 60, 1514 };
	struct encap_template tpl[2] = { template(0), template(1) };
	double seconds = 0.3;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--time")) {
			if (i + 1 >= argc)
				return cli_usage_error(PROG, "option '--time' needs a value");
			if (!num_option_positive(PROG, a, argv[++i], DBL_MAX, &seconds))
				return cli_try_help(PROG);
		} else {
			return cli_usage_error(PROG, a[0] == '-' ? "unknown option '%s'"
					       : "unexpected argument '%s'", a);
		}
	}
	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
			const struct bench_case *c = &cases[k];
			const struct encap_template *t = c->tpl < 0 ? NULL : &tpl[c->tpl];
			static uint8_t in[BUF], buf[BUF];
			struct parse_result pr;
			uint32_t n = tcp_frame(in, sizes[s]), m;
			uint64_t iters = 0;
			double t0, el;
			int rc;

			if (c->input) {
				/* build the input with the editor itself */
				struct pnic_action pre = {
					.vlan_op = c->input == 1 ? VLAN_OP_PUSH : 0,
					.vlan_tci = 7,
					.tunnel_op = c->input == 2 ? TUNNEL_OP_VXLAN_ENCAP : 0,
				};

				parse_frame(in, n, n, &pr);
				if (editor_apply(&pre, &tpl[0], &pr, in, &n, BUF, NULL))
					fail(c->name, sizes[s], "could not build the input");
			}
			parse_frame(in, n, n, &pr);
			memcpy(buf, in, n);
			m = n;
			rc = editor_apply(&c->a, t, &pr, buf, &m, BUF, NULL);
			if (rc)
				fail(c->name, sizes[s], editor_status_name(-rc));
			check(c, sizes[s], in, n, &pr, buf, m);

			t0 = cpu_now();
			do {
				for (int j = 0; j < 1024; j++) {
					memcpy(buf, in, n);
					m = n;
					rc |= editor_apply(&c->a, t, &pr, buf, &m, BUF, NULL);
				}
				iters += 1024;
				el = cpu_now() - t0;
			} while (el < seconds);
			if (rc)
				fail(c->name, sizes[s], "an edit was refused while timing");
			printf("%-9s %4u bytes: %7.2f M frames/s, %6.1f ns/frame\n",
			       c->name, sizes[s], iters / el / 1e6, el * 1e9 / iters);
			printf("BENCH editor_%s_%u_mpps %.3f\n", c->name, sizes[s],
			       iters / el / 1e6);
		}
	}
	return 0;
}
