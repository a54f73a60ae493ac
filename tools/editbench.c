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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/editor.h"
#include "model/encap.h"
#include "model/frame.h"
#include "model/parser.h"
#include "model/proto.h"
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

/* Ethernet / IPv4 / TCP, `len` bytes in all, into b (BUF bytes). */
static uint32_t tcp_frame(uint8_t *b, uint32_t len)
{
	static const uint8_t dst[6] = { 0x00, 0x16, 0x3e, 0x11, 0x22, 0x33 };
	static const uint8_t src[6] = { 0x00, 0x16, 0x3e, 0x44, 0x55, 0x66 };
	const struct frame_ipv4 ip = {
		.frag = PROTO_IPV4_DF, .ttl = PROTO_IP_TTL_DEFAULT,
		.proto = PROTO_IP_TCP, .src = { 192, 168, 1, 10 },
		.dst = { 192, 168, 2, 20 },
	};
	const struct frame_tcp tcp = { .sport = 40000, .dport = 443,
				       .flags = PROTO_TCP_ACK };
	struct frame_buf f;
	uint32_t l3;

	frame_init(&f, b, BUF);
	frame_eth(&f, dst, src, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&f, &ip);
	frame_tcp(&f, &tcp);
	while (f.n < len)
		frame_u8(&f, (uint8_t)f.n);
	frame_ipv4_end(&f, l3, true);
	return f.n;
}

/* The outer headers of the encap cases, VNI 42, over IPv4 or IPv6. */
static struct encap_template template(bool ipv6)
{
	struct encap_fields in = {
		.eth_dst = { 0x02, 0xaa, 0x00, 0x00, 0x00, 0x01 },
		.eth_src = { 0x02, 0xbb, 0x00, 0x00, 0x00, 0x02 },
		.ipv6 = ipv6, .ttl = PROTO_IP_TTL_DEFAULT, .vni = 42,
		.src_ip = { 10, 0, 0, 1 }, .dst_ip = { 10, 0, 0, 2 },
	};
	struct encap_template t;

	if (ipv6) {
		memcpy(in.src_ip, "\x20\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(in.dst_ip, "\x20\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	}
	if (encap_build(&in, &t, NULL)) {
		fprintf(stderr, "editbench: cannot build the encap template\n");
		exit(1);
	}
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
		  const struct parser_result *pin, const uint8_t *out,
		  uint32_t outlen)
{
	struct parser_result r;

	parser_parse(out, outlen, outlen, &r);
	if (r.status != PARSE_OK)
		fail(c->name, size, "result does not parse");
	if (c->a.dec_ttl && r.outer.ttl != pin->outer.ttl - 1)
		fail(c->name, size, "TTL not decremented");
	if (c->a.set_dscp && r.outer.tos >> 2 != c->a.dscp)
		fail(c->name, size, "DSCP not set");
	if ((c->a.dec_ttl || c->a.set_dscp) &&
	    frame_csum(out + r.outer.l3_off, PROTO_IPV4_HLEN, 0) != 0)
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
	struct encap_template tpl[2] = { template(false), template(true) };
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
			struct parser_result pr;
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

				parser_parse(in, n, n, &pr);
				if (editor_apply(&pre, &tpl[0], &pr, in, &n, BUF, NULL))
					fail(c->name, sizes[s], "could not build the input");
			}
			parser_parse(in, n, n, &pr);
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
