/* pipebench: packets per second of the cycle-level pipeline, one core.
 *
 * 64-byte frames (60 bytes and the FCS) at the full line rate of their
 * ports, every one a hit (16 flows, one forwarding entry each, default
 * 372-bit key profile), with the per-packet record and the egress
 * callback on, as a simulation run that writes them would have them.
 * Arrivals are given a quantum (1000 cycles) ahead, then the pipeline is
 * run to the quantum's end, as a SystemC wrapper with temporal decoupling
 * drives it.  The time is the thread's CPU time of that loop: copying
 * frames in, every stage, the lookup core's steps, the callbacks.
 *
 *   pipebench [--packets N] [--runs R] [--case NAME]
 *
 * Cases: one 100G port into another at a 1 GHz clock (6.72 cycles a
 * packet: 100g_1ghz), the same at 322.265625 MHz (100g_322mhz), four
 * 100G ports into four at 1 GHz (1.68 cycles a packet: 4x100g_1ghz); the
 * 1 GHz cases again with the 104-bit ipv4_5tuple profile (*_5tuple).
 * Before a figure is printed the run is checked: every packet out, no
 * drop, the conservation check; a run that fails it stops the program
 * with exit status 1.  Then the idle gap (gap): the first case's packets
 * in two halves ten seconds apart, whose CPU time is reported against the
 * run without the gap.  For bench/run.sh:
 *   BENCH pipeline_<case>_mpps  <M packets/s, best of R runs>
 *   BENCH pipeline_gap_ratio    <CPU time with a 10 s gap / without>
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/frame.h"
#include "model/pipeline.h"
#include "model/proto.h"
#include "model/timebase.h"
#include "io/cli.h"
#include "io/num.h"

#define PROG "pipebench"
#define FLOWS 16
#define QUANTUM 1000

struct bench_case {
	const char *name;
	uint64_t hz;
	uint32_t ports;      /* ports in, each into the next */
	bool five_tuple;     /* the 104-bit ipv4_5tuple key profile, not the
			      * 372-bit default */
};

struct counts {
	uint64_t records, egress, sum;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_record(void *ctx, const struct pipeline_record *r)
{
	struct counts *c = ctx;

	c->records++;
	c->sum += r->departure - r->arrival_first;
}

static void on_egress(void *ctx, const struct pipeline_egress *e)
{
	struct counts *c = ctx;

	c->egress++;
	c->sum += e->len;
}

static void fail(const char *name, const char *what, const char *detail)
{
	fprintf(stderr, PROG ": %s: %s%s%s\n", name, what, detail ? ": " : "",
		detail ? detail : "");
	exit(1);
}

/* Ethernet / IPv4 / UDP to port 1000 + flow, 60 bytes. */
static void make_frame(uint8_t *b, uint32_t flow)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 2 };
	const struct frame_ipv4 ip = { .ttl = 64, .proto = PROTO_IP_UDP,
				       .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 } };
	struct frame_buf f;
	uint32_t l3, l4;

	frame_init(&f, b, 60);
	frame_eth(&f, dst, src, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&f, &ip);
	l4 = frame_udp(&f, 4000, (uint16_t)(1000 + flow));
	frame_fill(&f, 0, 60 - f.n);
	frame_udp_end(&f, l4);
	frame_ipv4_end(&f, l3, true);
}

/* Port p's VPID p + 1 maps to port (p + 1) % ports (one port: into port
 * 1); flow i's entry
 * forwards to VPID i % ports + 1, and port p sends flows with i % ports
 * == p, so every port sends to the next. */
static const struct key_profile *profile(const struct bench_case *c)
{
	return c->five_tuple ? key_profile_ipv4_5tuple() : key_profile_default();
}

static void program(struct pipeline *pl, const struct bench_case *c)
{
	const struct key_profile *kp = profile(c);
	struct pnic_error err;

	for (uint32_t p = 0; p < c->ports; p++) {
		struct nic_cmd m = { .op = NIC_OP_MAP_SET,
				     .map = { p + 1, c->ports < 2 ? 1 : (p + 1) % c->ports } };

		if (pipeline_apply(pl, &m, NULL, &err))
			fail(c->name, "map_set", err.msg);
	}
	for (uint32_t i = 0; i < FLOWS; i++) {
		struct pnic_action a = { .kind = ACT_FORWARD,
					 .vpid = (uint16_t)(i % c->ports + 1) };
		struct nic_cmd e = { .op = NIC_OP_ENTRY_WRITE, .entry.index = i };
		struct key_profile_fields v, m;

		memset(&v, 0, sizeof v);
		memset(&m, 0, sizeof m);
		key_profile_set(&v, KP_L4_DST, 1000 + i);
		key_profile_set(&m, KP_L4_DST, 0xffff);
		key_profile_pack(kp, &v, &e.entry.value);
		key_profile_pack(kp, &m, &e.entry.mask);
		action_pack(&a, &e.entry.action);
		if (pipeline_apply(pl, &e, NULL, &err))
			fail(c->name, "entry_write", err.msg);
	}
	pipeline_run_until(pl, PIPELINE_NEVER);
}

static struct pipeline *make(const struct bench_case *c, struct counts *n)
{
	struct pipeline_params p;
	struct pipeline *pl;
	struct pnic_error err;

	pipeline_params_default(&p);
	p.profile = profile(c);
	p.n_ports = c->ports < 2 ? 2 : c->ports;
	p.clock_hz = c->hz;
	p.depth = 64;
	p.record = on_record;
	p.egress = on_egress;
	p.ctx = n;
	if (pipeline_create(&p, &pl, &err))
		fail(c->name, "pipeline_create", err.msg);
	program(pl, c);
	return pl;
}

/* n packets per port from edge `start`, back to back at 100G line rate
 * (frame k at the edge at or before k * 672 bits), given a quantum ahead
 * and run through. */
static void feed(struct pipeline *pl, const struct bench_case *c,
		 const uint8_t frames[FLOWS][60], uint64_t n, uint64_t start)
{
	struct timebase_instant at = { start, 0 };
	struct pnic_error err;
	struct timebase line;
	uint64_t k = 0, q = pipeline_now(pl) + 1;

	if (timebase_init(&line, c->hz, 100000000000ull, &err))
		fail(c->name, "timebase_init", err.msg);
	while (k < n) {
		/* The next quantum with traffic: a source with nothing to send
		 * until later lets time jump there. */
		q = (at.cycle > q ? at.cycle : q) + QUANTUM;
		for (; k < n && at.cycle < q; k++) {
			for (uint32_t p = 0; p < c->ports; p++)
				if (pipeline_arrive(pl, p, frames[(k * c->ports + p) % FLOWS],
						    60, 60, at.cycle, &err))
					fail(c->name, "pipeline_arrive", err.msg);
			timebase_advance(&line, &at, 84 * 8);
		}
		pipeline_run_until(pl, q - 1);
	}
}

static void check(struct pipeline *pl, const struct bench_case *c,
		  const struct counts *n, uint64_t packets, double *ticks)
{
	struct pipeline_stats st;
	struct pnic_error err;

	pipeline_run_until(pl, PIPELINE_NEVER);
	pipeline_stats(pl, &st);
	*ticks = (double)st.ticks / (double)packets;
	if (pipeline_check_conservation(pl, &err))
		fail(c->name, "conservation", err.msg);
	if (st.departed != packets || n->records != packets || n->egress != packets)
		fail(c->name, "not every packet left", NULL);
	for (unsigned r = 0; r < PL_DROP_COUNT; r++)
		if (st.dropped[r])
			fail(c->name, "dropped", pipeline_drop_name((enum pipeline_drop)r));
}

/* CPU seconds of one run of n packets per port (two halves `gap` cycles
 * apart), checked. */
static double run_once(const struct bench_case *c,
		       const uint8_t frames[FLOWS][60], uint64_t n, uint64_t gap,
		       double *ticks)
{
	struct counts cnt = { 0, 0, 0 };
	struct pipeline *pl = make(c, &cnt);
	double t0 = cpu_now(), el;

	feed(pl, c, frames, n / 2, pipeline_now(pl) + 1);
	feed(pl, c, frames, n - n / 2, pipeline_now(pl) + 1 + gap);
	pipeline_run_until(pl, PIPELINE_NEVER);
	el = cpu_now() - t0;
	check(pl, c, &cnt, n * c->ports, ticks);
	pipeline_destroy(pl);
	return el;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: pipebench [--packets N] [--runs R]\n"
"\n"
"Packets per second of the cycle-level pipeline on one core: 64-byte frames\n"
"at 100G line rate, all hits, records and egress callbacks on.  Cases: one\n"
"port into another at 1 GHz (100g_1ghz) and at 322.265625 MHz (100g_322mhz),\n"
"four ports into four at 1 GHz (4x100g_1ghz), with the default 372-bit key\n"
"profile; the 1 GHz cases again with the 104-bit ipv4_5tuple profile\n"
"(*_5tuple).  Then (gap) the CPU time of the first case's traffic with a\n"
"10-second gap in the middle, against none.\n"
"\n"
"  --packets N   packets per port per run, 2..2^32 (default 2M)\n"
"  --runs R      runs per case, the best counts, 1..100 (default 3)\n"
"  --case NAME   only this case (100g_1ghz, ..., or gap), e.g. to profile it\n");
}

static const struct bench_case cases[] = {
	{ "100g_1ghz", 1000000000, 1, false },
	{ "100g_322mhz", 322265625, 1, false },
	{ "4x100g_1ghz", 1000000000, 4, false },
	{ "100g_1ghz_5tuple", 1000000000, 1, true },
	{ "4x100g_1ghz_5tuple", 1000000000, 4, true },
};

#define N_CASES (sizeof cases / sizeof cases[0])

static bool case_known(const char *name)
{
	for (size_t k = 0; k < N_CASES; k++)
		if (!strcmp(cases[k].name, name))
			return true;
	return !strcmp(name, "gap");
}

/* One option and its value: 0, or the usage error's exit status. */
static int parse_opt(const char *a, const char *v, uint64_t *packets,
		     uint64_t *runs, const char **only)
{
	if (!strcmp(a, "--case")) {
		if (!case_known(v))
			return cli_usage_error(PROG, "--case: no case '%s'", v);
		*only = v;
		return 0;
	}
	if (!strcmp(a, "--packets"))
		return num_option(PROG, a, v, 2, 1ull << 32, NUM_SI, packets) ? 0
									     : cli_try_help(PROG);
	return num_option(PROG, a, v, 1, 100, NUM_SI, runs) ? 0 : cli_try_help(PROG);
}

static int parse_args(int argc, char **argv, uint64_t *packets, uint64_t *runs,
		      const char **only)
{
	int rc = 0;

	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--packets") && strcmp(a, "--runs") && strcmp(a, "--case"))
			return cli_usage_error(PROG, a[0] == '-' ? "unknown option '%s'"
					       : "unexpected argument '%s'", a);
		if (i + 1 >= argc)
			return cli_usage_error(PROG, "option '%s' needs a value", a);
		rc = parse_opt(a, argv[i + 1], packets, runs, only);
		i++;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t frames[FLOWS][60];
	uint64_t packets = 2000000, runs = 3;
	double plain, gapped, ticks_plain, ticks_gap;
	const char *only = NULL;
	int rc = parse_args(argc, argv, &packets, &runs, &only);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < FLOWS; i++)
		make_frame(frames[i], i);
	for (size_t k = 0; k < N_CASES; k++) {
		const struct bench_case *c = &cases[k];
		double best = 0, ticks = 0;

		if (only && strcmp(only, c->name))
			continue;
		for (uint64_t r = 0; r < runs; r++) {
			double el = run_once(c, frames, packets, 0, &ticks);
			double mpps = (double)(packets * c->ports) / el / 1e6;

			best = mpps > best ? mpps : best;
		}
		printf("%-20s %7.2f M packets/s, %6.1f ns/packet, %.2f edges visited/packet\n",
		       c->name, best, 1e3 / best, ticks);
		printf("BENCH pipeline_%s_mpps %.2f\n", c->name, best);
	}
	if (only && strcmp(only, "gap"))
		return 0;
	plain = run_once(&cases[0], frames, packets, 0, &ticks_plain);
	gapped = run_once(&cases[0], frames, packets, 10000000000ull, &ticks_gap);
	printf("gap                  %7.3f s CPU with a 10 s gap, %.3f s without; %.2f and %.2f edges visited/packet\n",
	       gapped, plain, ticks_gap, ticks_plain);
	printf("BENCH pipeline_gap_ratio %.3f\n", gapped / plain);
	return 0;
}
