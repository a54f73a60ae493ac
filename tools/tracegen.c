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
 *
 * --connections N writes connections over time instead (docs/tracegen.md):
 * Poisson arrivals, lognormal response sizes, TCP with handshake, data and
 * ACKs both ways and FIN or RST teardown, UDP request/response, idle gaps;
 * the client's packets to --out, the server's to --reverse, each in time
 * order, and a scenario with both as inputs and an entry per direction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/frame.h"
#include "model/proto.h"
#include "model/tcam.h"
#include "model/vpid_map.h"
#include "io/cli.h"
#include "io/num.h"
#include "io/outfile.h"
#include "io/pcap_out.h"
#include "io/stop.h"
#include "tools/splitmix.h"

#define PROG "tracegen"

/* Every trace starts at this stamp (ns since the epoch, in 2023). */
#define TS_BASE 1700000000000000000ull

struct opts {
	uint64_t packets;
	uint32_t flows;
	double rate;          /* packets per second */
	uint64_t seed;
	unsigned ipv6_pct, udp_pct, vlan_pct, vxlan_pct, miss_pct;
	unsigned max_payload;
	uint32_t n_vpids;
	const char *out, *scenario, *flows_yaml;
	/* connection mode (--connections) */
	uint64_t connections;
	double conn_rate;       /* connections per second */
	const char *reverse;
	unsigned rst_pct, open_pct, idle_pct;
	uint32_t rtt_us, mss, idle_ms;
	uint64_t size_median, size_max;
	double size_sigma;
	uint32_t vm_clients, vm_servers;   /* --vms C,S; 0: no VMs */
	bool report;            /* --report: what the connections made */
	uint64_t given;         /* options given, by bit (opt_bit()) */
};

struct flow {
	bool v6, udp, vlan, vxlan, no_entry;
	bool rev;                        /* server to client */
	bool vm;                         /* between VMs: the MACs below */
	uint8_t smac[6], dmac[6];
	uint16_t vid;
	uint32_t vni;
	uint8_t src[16], dst[16];        /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t osrc[4], odst[4];        /* VXLAN outer IPv4 */
	uint16_t osport;
	uint8_t ttl, tos;
	uint32_t vpid;
};

/* Packet mode and the connection arrivals draw from this stream; each
 * connection draws from its own (conn_rng()), so that its attributes can
 * be drawn again, alone, to write its entries. */
static uint64_t rng_state;

static uint64_t rnd(uint64_t *st)
{
	return splitmix64(st);
}

static unsigned rnd_below(uint64_t *st, unsigned n)
{
	return (unsigned)(rnd(st) % n);
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
"connections (docs/tracegen.md): --connections N writes connections instead:\n"
"TCP with handshake, data both ways, FIN or RST; UDP request/response.\n"
"The percentages above apply per connection; -n, -f, -r, --max-payload do not.\n"
"      --connections N   connections, 1..16777216\n"
"      --reverse FILE    pcap of the server-to-client side (required); the\n"
"                        scenario reads it on vf0, --out on wire0, and has\n"
"                        an entry for each direction (the way back: VPID 0)\n"
"      --conn-rate R     Poisson arrivals per second, > 0 (default 1000)\n"
"      --rtt-us T        round trip, 1..10000000 us (default 100)\n"
"      --mss B           segment payload, 64..1400 (default 1400)\n"
"      --size-median B   lognormal response bytes per connection: median\n"
"      --size-sigma S    and sigma of its log (defaults 2000, 1.9: 80%%\n"
"      --size-max B      under 10 KB), capped at B (default 100M)\n"
"      --rst PCT         TCP connections ending in an RST (default 5)\n"
"      --open PCT        TCP connections left open (default 5)\n"
"      --idle PCT        connections pausing once between exchanges\n"
"                        (default 10), for an exponential time of mean\n"
"      --idle-ms MS      MS, 1..1000000 (default 15000)\n"
"      --vms C,S         between C client VMs and S server VMs (1..250 each)\n"
"                        on one host; --scenario then writes the FPAG's\n"
  "                        scenario: VNICs, a firewall, a timed migration\n"
"      --report          print the packets each side sent, the trace's\n"
"                        length and the most connections open at once\n"
"\n"
"Numbers are decimal or 0x hex, never negative; N and F may end in K, M or\n"
"G (x1000).  PPS is a plain decimal number (1000, 2.5e6).\n",
		(unsigned)VPID_MAP_MAX_VPIDS);
}

/* ---- flows ------------------------------------------------------------- */

static void make_flow(const struct opts *o, uint32_t i, uint64_t *st,
		      struct flow *f)
{
	memset(f, 0, sizeof *f);
	f->v6 = rnd_below(st, 100) < o->ipv6_pct;
	f->udp = rnd_below(st, 100) < o->udp_pct;
	f->vlan = rnd_below(st, 100) < o->vlan_pct;
	f->vxlan = rnd_below(st, 100) < o->vxlan_pct;
	f->no_entry = rnd_below(st, 100) < o->miss_pct;
	f->vid = (uint16_t)(100 + rnd_below(st, 8));
	f->vni = 5000 + rnd_below(st, 16);
	/* Unique 5-tuples: the flow number lives in the addresses. */
	if (f->v6) {
		static const uint8_t pfx_s[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 };
		static const uint8_t pfx_d[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0 };

		memcpy(f->src, pfx_s, 8);
		memcpy(f->dst, pfx_d, 8);
		for (int b = 0; b < 4; b++) {
			f->src[12 + b] = (uint8_t)(i >> (24 - 8 * b));
			f->dst[12 + b] = (uint8_t)(rnd(st) & 0xff);
		}
	} else {
		f->src[0] = 10;
		f->src[1] = (uint8_t)(i >> 16);
		f->src[2] = (uint8_t)(i >> 8);
		f->src[3] = (uint8_t)i;
		f->dst[0] = 192;
		f->dst[1] = 168;
		f->dst[2] = (uint8_t)rnd_below(st, 256);
		f->dst[3] = (uint8_t)(1 + rnd_below(st, 254));
	}
	f->sport = (uint16_t)(1024 + rnd_below(st, 60000));
	{
		static const uint16_t ports[] = { 80, 443, 53, 22, 8080, 123, 5201 };

		f->dport = ports[rnd_below(st, sizeof ports / sizeof ports[0])];
	}
	f->osrc[0] = 172; f->osrc[1] = 16; f->osrc[2] = 0;
	f->osrc[3] = (uint8_t)(1 + rnd_below(st, 8));
	f->odst[0] = 172; f->odst[1] = 16; f->odst[2] = 1;
	f->odst[3] = (uint8_t)(1 + rnd_below(st, 8));
	f->osport = (uint16_t)(49152 + (i % 16384));
	f->ttl = (uint8_t)(32 + rnd_below(st, 96));
	f->tos = (uint8_t)(rnd_below(st, 8) << 5);
	f->vpid = rnd_below(st, o->n_vpids);
}

/* ---- packets ----------------------------------------------------------- */

/* What varies from one packet of a flow to the next. */
struct l4seg {
	uint32_t seq, ack;
	uint8_t flags;          /* TCP */
	uint16_t ipid;          /* IPv4 identification */
	unsigned payload;       /* L4 payload bytes, (seq + i) & 0xff each */
};

/* The flow as its other end sends it: addresses, ports and (for VXLAN)
 * the outer addresses swapped, the MACs swapped by `rev`. */
static void flow_reverse(const struct flow *f, struct flow *r)
{
	*r = *f;
	r->rev = !f->rev;
	memcpy(r->src, f->dst, 16);
	memcpy(r->dst, f->src, 16);
	r->sport = f->dport;
	r->dport = f->sport;
	memcpy(r->osrc, f->odst, 4);
	memcpy(r->odst, f->osrc, 4);
	memcpy(r->smac, f->dmac, 6);
	memcpy(r->dmac, f->smac, 6);
}

/* The L4 header and payload at the cursor; returns its offset. */
static uint32_t l4_segment(const struct flow *f, const struct l4seg *g,
			   struct frame_buf *b)
{
	uint32_t l4;

	if (f->udp) {
		l4 = frame_udp(b, f->sport, f->dport);
	} else {
		struct frame_tcp h = { .sport = f->sport, .dport = f->dport,
				       .seq = g->seq, .ack = g->ack,
				       .window = 65535, .flags = g->flags };

		l4 = frame_tcp(b, &h);
	}
	for (unsigned i = 0; i < g->payload; i++)
		frame_u8(b, (uint8_t)(g->seq + i));
	if (f->udp)
		frame_udp_end(b, l4);
	return l4;
}

/* Ethernet (+tag) + IP + L4 + payload at the cursor, checksums filled.
 * The host's MAC comes from the client's address, the other is the
 * gateway's; `rev` says which way the frame goes. */
static void inner_frame(const struct flow *f, bool tag, const struct l4seg *g,
			struct frame_buf *b)
{
	static const uint8_t gw[6] = { 0x02, 0x00, 0x00, 0x00, 0x10, 0x01 };
	const uint8_t *cli = f->rev ? f->dst : f->src;
	const uint8_t host[6] = { 0x02, 0x00, 0x00, cli[1], cli[2], cli[3] };
	uint16_t et = f->v6 ? PROTO_ETH_P_IPV6 : PROTO_ETH_P_IPV4;
	uint8_t proto = f->udp ? PROTO_IP_UDP : PROTO_IP_TCP;
	uint32_t l3, l4;

	if (f->vm)
		frame_eth(b, f->dmac, f->smac, et);
	else
		frame_eth(b, f->rev ? host : gw, f->rev ? gw : host,
			  tag ? PROTO_ETH_P_8021Q : et);
	if (tag)
		frame_vlan(b, f->vid, et);
	if (f->v6) {
		struct frame_ipv6 h = { .tclass = f->tos, .next = proto,
					.hop_limit = f->ttl };

		memcpy(h.src, f->src, 16);
		memcpy(h.dst, f->dst, 16);
		l3 = frame_ipv6(b, &h);
	} else {
		struct frame_ipv4 h = { .tos = f->tos, .id = g->ipid,
					.frag = PROTO_IPV4_DF, .ttl = f->ttl,
					.proto = proto };

		memcpy(h.src, f->src, 4);
		memcpy(h.dst, f->dst, 4);
		l3 = frame_ipv4(b, &h);
	}
	l4 = l4_segment(f, g, b);
	if (f->v6)
		frame_ipv6_end(b, l3);
	else
		frame_ipv4_end(b, l3, true);
	frame_l4_csum(b, l3, l4);
}

/* The packet into buf (2048 bytes), padded to the 60-byte Ethernet
 * minimum; returns its length. */
static size_t make_packet(const struct flow *f, const struct l4seg *g,
			  uint8_t *buf)
{
	static const uint8_t vtep_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x20, 0x01 };
	static const uint8_t vtep_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x20, 0x02 };
	struct frame_ipv4 ip = { .frag = PROTO_IPV4_DF, .ttl = PROTO_IP_TTL_DEFAULT,
				 .proto = PROTO_IP_UDP };
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, buf, 2048);
	if (!f->vxlan) {
		inner_frame(f, f->vlan, g, &b);
		goto pad;
	}
	/* outer Ethernet (+tag) / IPv4 / UDP 4789 / VXLAN / inner frame */
	frame_eth(&b, f->rev ? vtep_b : vtep_a, f->rev ? vtep_a : vtep_b,
		  f->vlan ? PROTO_ETH_P_8021Q : PROTO_ETH_P_IPV4);
	if (f->vlan)
		frame_vlan(&b, f->vid, PROTO_ETH_P_IPV4);
	memcpy(ip.src, f->osrc, 4);
	memcpy(ip.dst, f->odst, 4);
	l3 = frame_ipv4(&b, &ip);
	l4 = frame_udp(&b, f->osport, PROTO_UDP_VXLAN);
	frame_vxlan(&b, f->vni);
	inner_frame(f, false, g, &b);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
pad:
	if (b.n < PROTO_ETH_MIN_FRAME) {
		memset(buf + b.n, 0, PROTO_ETH_MIN_FRAME - b.n);
		return PROTO_ETH_MIN_FRAME;
	}
	return b.n;
}

/* ---- connections -------------------------------------------------------- *
 *
 * A connection is a client (the --out side) and a server (the --reverse
 * side) seen from between them: whatever one side sends, the other's
 * answer passes the capture point half a round trip later.  Each
 * connection is a small state machine producing its packets one at a time
 * in time order; a min-heap of the connections' next packets merges them,
 * so memory follows the connections open at once, not the trace's length.
 *
 * TCP: SYN, SYN-ACK, ACK; then exchanges, each a request (client to
 * server) and a response (server to client), every transfer sent in
 * flights of cwnd segments (IW10, doubling per flight up to the 64 KiB
 * window), the receiver ACKing every second segment and a flight's last;
 * the next flight leaves when the flight's last ACK reaches the sender.
 * Then FIN/ACK each way (either side first), an RST, or nothing (left
 * open).  Sequence and acknowledgement numbers follow the bytes exactly:
 * no segment is skipped or acknowledged before it passed.  UDP: the same
 * exchanges without handshake, ACKs or teardown.
 */

enum { CLI, SRV };
enum phase { PH_SYN, PH_SYNACK, PH_ACK3, PH_XFER, PH_FIN1, PH_FINACK1,
	     PH_FIN2, PH_FINACK2, PH_RST, PH_DONE };
enum conn_end { END_FIN, END_RST, END_OPEN };

/* One packet of a connection. */
struct cpkt {
	uint64_t t;             /* ns from the trace's start */
	uint8_t side;           /* CLI or SRV: who sends it */
	struct l4seg g;
};

/* One side's bytes to the other, in flights. */
struct xfer {
	uint64_t bytes, t0;     /* bytes in the transfer; flight start */
	uint32_t isn;           /* sender's sequence number at its start */
	uint32_t segs, done;    /* segments in all; before this flight */
	uint32_t w, sent, acked;/* this flight: segments, sent, acknowledged */
	uint32_t cwnd;
};

struct conn {
	struct flow f;
	uint64_t id, rng;
	struct cpkt next;       /* the packet the heap orders it by */
	struct xfer x;
	uint64_t t;             /* next handshake or teardown packet */
	uint64_t resp_bytes;    /* all responses together */
	uint64_t idle_ns;
	uint32_t nxt[2];        /* each side's next sequence number */
	uint16_t ipid[2];
	uint16_t n_exch, xi;    /* exchanges; current transfer (2 per exchange) */
	uint16_t idle_at;       /* the exchange it pauses before, or 0 */
	uint8_t phase, end, closer;
};

/* Derived from the options once. */
struct ctiming {
	uint64_t half_rtt, gap;     /* ns: half the round trip, a frame's time */
	uint32_t mss, cwnd_max;
	double mu;                  /* ln of the median response size */
};

/* A connection's own stream, from the seed and its number alone. */
static uint64_t conn_rng(uint64_t seed, uint64_t id)
{
	uint64_t s = seed ^ (id * 0xd1b54a32d192ed03ull);

	return splitmix64(&s);
}

/* Uniform in (0, 1]: never 0, so that its log is finite. */
static double rnd_unit(uint64_t *st)
{
	return (double)((rnd(st) >> 11) + 1) * 0x1p-53;
}

static double rnd_exp(uint64_t *st, double mean)
{
	return -log(rnd_unit(st)) * mean;
}

/* Lognormal by Box-Muller: exp(mu + sigma * N(0, 1)). */
static double rnd_lognormal(uint64_t *st, double mu, double sigma)
{
	double r = sqrt(-2.0 * log(rnd_unit(st)));

	return exp(mu + sigma * r * cos(2.0 * M_PI * rnd_unit(st)));
}

/* VM v of side `side` (1: clients, 2: servers): MAC 02:00:00:00:side:v+1,
 * IPv4 10.0.side.v+1, IPv6 2001:db8:0:side::v+1 (docs/tracegen.md). */
static void vm_addr(unsigned side, uint32_t v, bool v6, uint8_t mac[6],
		    uint8_t ip[16])
{
	static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 };
	const uint8_t m[6] = { 2, 0, 0, 0, (uint8_t)side, (uint8_t)(v + 1) };

	memcpy(mac, m, 6);
	memset(ip, 0, 16);
	if (v6) {
		memcpy(ip, pfx, 8);
		ip[7] = (uint8_t)side;
		ip[15] = (uint8_t)(v + 1);
	} else {
		ip[0] = 10;
		ip[2] = (uint8_t)side;
		ip[3] = (uint8_t)(v + 1);
	}
}

/* A connection between a client VM and a server VM, drawn after the
 * rest of its flow (so traces without --vms keep their bytes): untagged,
 * not tunnelled, the VMs' own MACs. */
static void vm_flow(const struct opts *o, uint64_t *st, struct flow *f)
{
	uint32_t c = rnd_below(st, o->vm_clients), v = rnd_below(st, o->vm_servers);

	f->vm = true;
	f->vlan = f->vxlan = false;
	vm_addr(1, c, f->v6, f->smac, f->src);
	vm_addr(2, v, f->v6, f->dmac, f->dst);
}

/* The connection's addresses and shape: the first draws of its stream,
 * so that writing its entries needs only these. */
static void conn_flow(const struct opts *o, uint64_t id, uint64_t *st,
		      struct flow *f)
{
	*st = conn_rng(o->seed, id);
	make_flow(o, (uint32_t)id, st, f);
	if (o->vm_clients)
		vm_flow(o, st, f);
	/* VPID 0 is the uplink, the way back; the VNICs are the others. */
	f->vpid = o->n_vpids > 1 ? 1 + f->vpid % (o->n_vpids - 1) : 0;
}

static uint64_t draw_size(const struct opts *o, const struct ctiming *k,
			  uint64_t *st)
{
	double b = rnd_lognormal(st, k->mu, o->size_sigma);

	return b < 1 ? 1 : b > (double)o->size_max ? o->size_max : (uint64_t)b;
}

static void conn_shape(const struct opts *o, const struct ctiming *k,
		       struct conn *c)
{
	uint64_t *st = &c->rng;

	c->resp_bytes = draw_size(o, k, st);
	c->n_exch = (uint16_t)(1 + rnd_below(st, 4));
	c->end = rnd_below(st, 100) < o->rst_pct ? END_RST :
		 rnd_below(st, 100) < o->open_pct ? END_OPEN : END_FIN;
	c->closer = (uint8_t)rnd_below(st, 2);
	c->nxt[CLI] = (uint32_t)rnd(st);
	c->nxt[SRV] = (uint32_t)rnd(st);
	c->ipid[CLI] = (uint16_t)rnd(st);
	c->ipid[SRV] = (uint16_t)rnd(st);
	if (rnd_below(st, 100) < o->idle_pct) {
		/* A pause between two exchanges, so that packets follow it. */
		if (c->n_exch < 2)
			c->n_exch = 2;
		c->idle_at = (uint16_t)(1 + rnd_below(st, c->n_exch - 1u));
		c->idle_ns = (uint64_t)rnd_exp(st, (double)o->idle_ms * 1e6);
	}
	/* every response carries at least a byte */
	if (c->resp_bytes < c->n_exch)
		c->resp_bytes = c->n_exch;
}

/* Bytes of transfer xi: a request of 32..512 bytes (at most one
 * segment), or this exchange's share of the response bytes. */
static uint64_t xfer_bytes(const struct conn *c, const struct ctiming *k)
{
	uint64_t share = c->resp_bytes / c->n_exch;
	uint64_t rq;

	if (c->xi & 1)
		return c->xi == 1 ? c->resp_bytes - share * (c->n_exch - 1u) : share;
	/* Drawn from the exchange's number, not the stream: the stream
	 * was read to the end by conn_shape(). */
	rq = 32 + (c->id * 2654435761u + c->xi * 40503u) % 481;
	return rq > k->mss ? k->mss : rq;
}

static void xfer_begin(struct conn *c, const struct ctiming *k, uint64_t t)
{
	struct xfer *x = &c->x;

	x->bytes = xfer_bytes(c, k);
	x->isn = c->nxt[c->xi & 1 ? SRV : CLI];
	x->segs = (uint32_t)((x->bytes + k->mss - 1) / k->mss);
	x->done = 0;
	x->cwnd = 10 < k->cwnd_max ? 10 : k->cwnd_max;
	/* UDP has no window: the whole transfer is one flight. */
	x->w = c->f.udp ? x->segs : (x->segs < x->cwnd ? x->segs : x->cwnd);
	x->sent = x->acked = 0;
	x->t0 = t;
	c->phase = PH_XFER;
}

static void emit(struct conn *c, uint64_t t, int side, uint8_t flags,
		 uint32_t seq, uint32_t ack, unsigned len)
{
	c->next.t = t;
	c->next.side = (uint8_t)side;
	c->next.g = (struct l4seg){ .seq = seq, .ack = ack, .flags = flags,
				    .ipid = c->ipid[side]++, .payload = len };
}

/* After the last transfer: the teardown, or the end.  `t` is when the
 * last data reached the client (its ACK's time, for TCP). */
static void conn_close(struct conn *c, const struct ctiming *k, uint64_t t)
{
	if (c->f.udp || c->end == END_OPEN) {
		c->phase = PH_DONE;
		return;
	}
	c->phase = c->end == END_RST ? PH_RST : PH_FIN1;
	/* The client closes as soon as it has the data; the server once
	 * the client's last ACK has reached it. */
	c->t = t + (c->closer == CLI ? k->gap : k->half_rtt);
}

/* The flight is over at `t` (its last ACK, or its last datagram's
 * arrival): the next flight, the next transfer, or the close. */
static void flight_end(struct conn *c, const struct ctiming *k, uint64_t t)
{
	struct xfer *x = &c->x;

	x->done += x->w;
	if (x->done < x->segs) {
		x->cwnd = x->cwnd * 2 < k->cwnd_max ? x->cwnd * 2 : k->cwnd_max;
		x->w = x->segs - x->done < x->cwnd ? x->segs - x->done : x->cwnd;
		x->sent = x->acked = 0;
		x->t0 = t + k->half_rtt;
		return;
	}
	if (++c->xi == 2u * c->n_exch) {
		conn_close(c, k, t);
		return;
	}
	/* The receiver answers: the next transfer is its own. */
	t += k->gap;
	if (!(c->xi & 1) && c->xi / 2 == c->idle_at)
		t += c->idle_ns;
	xfer_begin(c, k, t);
}

/* The sender's next segment, at t. */
static void xfer_data(struct conn *c, const struct ctiming *k, int s,
		      uint64_t t)
{
	struct xfer *x = &c->x;
	uint64_t off = (uint64_t)(x->done + x->sent) * k->mss;
	unsigned len = (unsigned)(x->bytes - off < k->mss ? x->bytes - off : k->mss);
	bool last = off + len == x->bytes;

	emit(c, t, s, PROTO_TCP_ACK | (last ? PROTO_TCP_PSH : 0),
	     c->nxt[s], c->nxt[!s], len);
	c->nxt[s] += len;
	x->sent++;
}

/* The transfer's next packet: the sender's next segment or the
 * receiver's next ACK (of every second segment, and of the flight's
 * last), whichever passes first. */
static void xfer_step(struct conn *c, const struct ctiming *k)
{
	struct xfer *x = &c->x;
	int s = c->xi & 1 ? SRV : CLI;
	uint64_t t_data = x->sent < x->w ? x->t0 + x->sent * k->gap : UINT64_MAX;
	uint32_t upto = x->acked + 2 < x->w ? x->acked + 2 : x->w;
	uint64_t t_ack = !c->f.udp && x->acked < x->w ?
			 x->t0 + (upto - 1) * k->gap + k->half_rtt : UINT64_MAX;
	uint64_t got = (uint64_t)(x->done + upto) * k->mss;

	if (t_data <= t_ack) {
		xfer_data(c, k, s, t_data);
	} else {
		emit(c, t_ack, !s, PROTO_TCP_ACK, c->nxt[!s],
		     x->isn + (uint32_t)(got < x->bytes ? got : x->bytes), 0);
		x->acked = upto;
	}
	if (x->sent == x->w && (c->f.udp || x->acked == x->w))
		flight_end(c, k, x->t0 + (x->w - 1) * k->gap + k->half_rtt);
}

/* A handshake or teardown packet from `side` at c->t; `after` is the
 * wait until the next one, `consumes` whether it takes a sequence number
 * (SYN, FIN). */
static void ctl(struct conn *c, int side, uint8_t flags, bool consumes,
		uint64_t after, enum phase next)
{
	emit(c, c->t, side, flags, c->nxt[side],
	     flags & PROTO_TCP_ACK ? c->nxt[!side] : 0, 0);
	c->nxt[side] += consumes;
	c->t += after;
	c->phase = (uint8_t)next;
}

/* The handshake and the teardowns, one packet a phase: who sends it,
 * its flags, whether it takes a sequence number (SYN, FIN), the wait
 * until the next phase's packet. */
enum { BY_CLI, BY_SRV, BY_CLOSER, BY_OTHER };
enum { WAIT_NONE, WAIT_HALF_RTT, WAIT_GAP };

static const struct ctl_step {
	uint8_t by, flags;
	bool consumes;
	uint8_t wait, next;
} ctl_steps[] = {
	[PH_SYN] = { BY_CLI, PROTO_TCP_SYN, true, WAIT_HALF_RTT, PH_SYNACK },
	[PH_SYNACK] = { BY_SRV, PROTO_TCP_SYN | PROTO_TCP_ACK, true,
			WAIT_HALF_RTT, PH_ACK3 },
	[PH_ACK3] = { BY_CLI, PROTO_TCP_ACK, false, WAIT_GAP, PH_XFER },
	[PH_FIN1] = { BY_CLOSER, PROTO_TCP_FIN | PROTO_TCP_ACK, true,
		      WAIT_HALF_RTT, PH_FINACK1 },
	[PH_FINACK1] = { BY_OTHER, PROTO_TCP_ACK, false, WAIT_GAP, PH_FIN2 },
	[PH_FIN2] = { BY_OTHER, PROTO_TCP_FIN | PROTO_TCP_ACK, true,
		      WAIT_HALF_RTT, PH_FINACK2 },
	[PH_FINACK2] = { BY_CLOSER, PROTO_TCP_ACK, false, WAIT_NONE, PH_DONE },
	[PH_RST] = { BY_CLOSER, PROTO_TCP_RST | PROTO_TCP_ACK, false,
		     WAIT_NONE, PH_DONE },
};

/* The connection's next packet into c->next; false when it has none. */
static bool conn_step(struct conn *c, const struct ctiming *k)
{
	const struct ctl_step *st;
	int side;

	if (c->phase == PH_XFER) {
		xfer_step(c, k);
		return true;
	}
	if (c->phase == PH_DONE)
		return false;
	st = &ctl_steps[c->phase];
	side = st->by == BY_CLI ? CLI : st->by == BY_SRV ? SRV :
	       st->by == BY_CLOSER ? c->closer : !c->closer;
	ctl(c, side, st->flags, st->consumes,
	    st->wait == WAIT_HALF_RTT ? k->half_rtt :
	    st->wait == WAIT_GAP ? k->gap : 0, st->next);
	/* after the handshake's ACK, the first request */
	if (st->next == PH_XFER)
		xfer_begin(c, k, c->t);
	return true;
}

static void conn_start(const struct opts *o, const struct ctiming *k,
		       uint64_t id, uint64_t t, struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->id = id;
	conn_flow(o, id, &c->rng, &c->f);
	conn_shape(o, k, c);
	c->t = t;
	if (c->f.udp)
		xfer_begin(c, k, t);
	else
		c->phase = PH_SYN;
}

/* ---- the merge: a min-heap of connections by next packet ---------------- */

struct cheap {
	struct conn *pool;      /* slots, reused as connections end */
	uint32_t n_slots, cap;  /* slots handed out; allocated */
	uint32_t *free, n_free;
	uint32_t *h, n;         /* heap of slot numbers */
	uint32_t peak;          /* most connections open at once */
	uint64_t sent[2];       /* packets per side */
	uint64_t last_t;        /* the last packet's time */
};

static bool before(const struct cheap *q, uint32_t a, uint32_t b)
{
	const struct conn *x = &q->pool[a], *y = &q->pool[b];

	return x->next.t != y->next.t ? x->next.t < y->next.t : x->id < y->id;
}

static void sift_down(struct cheap *q, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i, tmp;

		if (l < q->n && before(q, q->h[l], q->h[m]))
			m = l;
		if (l + 1 < q->n && before(q, q->h[l + 1], q->h[m]))
			m = l + 1;
		if (m == i)
			return;
		tmp = q->h[i];
		q->h[i] = q->h[m];
		q->h[m] = tmp;
		i = m;
	}
}

static void sift_up(struct cheap *q, uint32_t i)
{
	while (i && before(q, q->h[i], q->h[(i - 1) / 2])) {
		uint32_t p = (i - 1) / 2, tmp = q->h[i];

		q->h[i] = q->h[p];
		q->h[p] = tmp;
		i = p;
	}
}

/* A free slot, growing the pool when none is; UINT32_MAX when memory
 * runs out. */
static uint32_t slot_get(struct cheap *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 1024;
	struct conn *pool;
	uint32_t *fr, *h;

	if (q->n_free)
		return q->free[--q->n_free];
	if (q->n_slots < q->cap)
		return q->n_slots++;
	if (cap < q->cap || !(pool = realloc(q->pool, cap * sizeof *pool)))
		return UINT32_MAX;
	q->pool = pool;
	if (!(fr = realloc(q->free, cap * sizeof *fr)))
		return UINT32_MAX;
	q->free = fr;
	if (!(h = realloc(q->h, cap * sizeof *h)))
		return UINT32_MAX;
	q->h = h;
	q->cap = cap;
	return q->n_slots++;
}

static void cheap_free(struct cheap *q)
{
	free(q->pool);
	free(q->free);
	free(q->h);
}

static struct ctiming ctiming_of(const struct opts *o)
{
	struct ctiming k = {
		.half_rtt = (uint64_t)o->rtt_us * 500,
		/* a full frame's time at 10 Gb/s: MSS + headers + preamble
		 * and gap, 8 bits a byte, 10 bits a ns */
		.gap = ((uint64_t)o->mss + 100) * 8 / 10,
		.mss = o->mss,
		/* the 64 KiB window unscaled, never quite full */
		.cwnd_max = 65534 / o->mss,
		.mu = log((double)o->size_median),
	};

	return k;
}

/* The connection in slot i sends its next packet into the trace of its
 * side; it goes back into the heap, or its slot is freed. */
static void conn_emit(struct cheap *q, const struct ctiming *k,
		      struct pcap_out *w[2])
{
	uint32_t i = q->h[0];
	struct conn *c = &q->pool[i];
	struct flow rf;
	uint8_t frame[2048];
	size_t n;

	if (c->next.side == SRV)
		flow_reverse(&c->f, &rf);
	n = make_packet(c->next.side == SRV ? &rf : &c->f, &c->next.g, frame);
	pcap_out_write(w[c->next.side], frame, (uint32_t)n, (uint32_t)n,
		       TS_BASE + c->next.t);
	q->sent[c->next.side]++;
	q->last_t = c->next.t;
	if (!conn_step(c, k)) {
		q->free[q->n_free++] = i;
		q->h[0] = q->h[--q->n];
	}
	if (q->n)
		sift_down(q, 0);
}

/* Both traces: connections arrive (Poisson, --conn-rate) and send their
 * packets, merged by time.  0, or -1 when memory runs out (reported). */
static int merge_conns(const struct opts *o, struct pcap_out *w[2])
{
	struct ctiming k = ctiming_of(o);
	struct cheap q = { 0 };
	double mean_gap = 1e9 / o->conn_rate, arrive;
	uint64_t id = 0;
	int rc = 0;

	arrive = rnd_exp(&rng_state, mean_gap);
	while ((id < o->connections || q.n) && !stop_signal) {
		uint32_t i;

		if (q.n && (id == o->connections ||
			    q.pool[q.h[0]].next.t < (uint64_t)arrive)) {
			conn_emit(&q, &k, w);
			continue;
		}
		if ((i = slot_get(&q)) == UINT32_MAX) {
			fprintf(stderr, "tracegen: out of memory with %u connections open\n",
				q.n);
			rc = -1;
			break;
		}
		conn_start(o, &k, id++, (uint64_t)arrive, &q.pool[i]);
		conn_step(&q.pool[i], &k);
		q.h[q.n++] = i;
		if (q.n > q.peak)
			q.peak = q.n;
		sift_up(&q, q.n - 1);
		arrive += rnd_exp(&rng_state, mean_gap);
	}
	cheap_free(&q);
	/* On stdout, for benches that size a run by it (docs/tracegen.md). */
	if (o->report && !rc && !stop_signal)
		printf("tracegen: %llu connections, %llu client and %llu server "
		       "packets over %.6f s, at most %u open at once\n",
		       (unsigned long long)id, (unsigned long long)q.sent[CLI],
		       (unsigned long long)q.sent[SRV], q.last_t / 1e9, q.peak);
	return rc;
}

/* The two traces under their temporary names; 0 or -1 (reported). */
static int write_conn_traces(const struct opts *o, const char *out,
			     const char *rev)
{
	struct pcap_out *w[2] = { NULL, NULL };
	struct pnic_error err, spare;
	int rc, merged;

	if (!(rc = pcap_out_open(out, &w[CLI], &err)))
		rc = pcap_out_open(rev, &w[SRV], &err);
	merged = rc ? -1 : merge_conns(o, w);
	for (int side = CLI; side <= SRV; side++)
		if (pcap_out_close(w[side], rc ? &spare : &err) && !rc)
			rc = -1;
	if (rc)
		fprintf(stderr, "tracegen: %s\n", err.msg);
	return rc || merged ? -1 : 0;
}

/* ---- YAML -------------------------------------------------------------- */

static void ip_str(const struct flow *f, const uint8_t *a, bool outer,
		   char *buf, size_t n)
{
	inet_ntop(f->v6 && !outer ? AF_INET6 : AF_INET, a, buf, (socklen_t)n);
}

/* Entry sources: the flows, or each connection's two directions (the
 * client's packets, then the server's, forwarded to VPID 0, the uplink).
 * A connection's flow is drawn again from its own stream, so that no
 * list of connections is kept. */
static uint64_t n_sources(const struct opts *o)
{
	return o->connections ? 2 * o->connections : o->flows;
}

/* Source i into *f; whether it has an entry. */
static bool source(const struct opts *o, const struct flow *flows,
		   uint64_t i, struct flow *f)
{
	struct flow c;
	uint64_t st;

	if (!o->connections) {
		*f = flows[i];
		return !f->no_entry;
	}
	conn_flow(o, i / 2, &st, &c);
	if (i & 1) {
		flow_reverse(&c, f);
		f->vpid = 0;
	} else {
		*f = c;
	}
	return !f->no_entry;
}

static uint64_t count_entries(const struct opts *o, const struct flow *flows)
{
	uint64_t entries = 0;
	struct flow f;

	for (uint64_t i = 0; i < n_sources(o); i++)
		entries += source(o, flows, i, &f);
	return entries;
}

/* Entries that no TCAM replay builds could hold are refused before the
 * trace is written: a scenario or snippet that cannot load is no use.
 * Returns the exit status, 0 if they fit. */
static int check_entries(const struct opts *o, const struct flow *flows)
{
	uint64_t entries;

	if ((!o->scenario && !o->flows_yaml) || o->vm_clients)
		return 0;
	entries = count_entries(o, flows);
	if (entries <= TCAM_MAX_DEPTH)
		return 0;
	return cli_usage_error(PROG,
			       "%llu flow entries do not fit the largest TCAM (%u entries); give fewer %s or a higher --miss",
			       (unsigned long long)entries, TCAM_MAX_DEPTH,
			       o->connections ? "--connections (2 entries each)" :
			       "--flows");
}

static void write_entry(FILE *y, const struct flow *f)
{
	char s[64], d[64];

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

static void write_flow_entries(FILE *y, const struct opts *o,
			       const struct flow *flows)
{
	struct flow f;

	/* "flows:" with nothing under it is a null, which the reader refuses */
	fprintf(y, count_entries(o, flows) ? "flows:\n" : "flows: []\n");
	for (uint64_t i = 0; i < n_sources(o); i++)
		if (source(o, flows, i, &f))
			write_entry(y, &f);
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

	char dir[PATH_MAX];

	/* The pcap is still under its temporary name (outfile.h): resolve its
	 * folder, which exists, so that the path holds from the scenario's. */
	snprintf(dir, sizeof dir, "%.*s", dp ? (int)dp : 1, dp ? pcap : ".");
	if (dp == dc && !strncmp(pcap, scenario, dp))
		snprintf(buf, n, "%s", base_name(pcap));
	else if (realpath(dir, real) &&
		 snprintf(buf, n, "%s/%s", strcmp(real, "/") ? real : "", base_name(pcap)) < (int)n)
		return;
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

static void write_input(FILE *y, const char *pcap, const char *scenario,
			const char *port)
{
	char in[PATH_MAX];

	input_path(pcap, scenario, in, sizeof in);
	fprintf(y, "  - { pcap: ");
	put_path(y, in);
	fprintf(y, ", in_port: %s }\n", port);
}

static void write_scenario(FILE *y, const struct opts *o,
			 const struct flow *flows)
{
	if (o->connections)
		fprintf(y, "# Generated by tracegen: %llu connections at %g/s, seed %llu.\n"
			   "# Client to server arrives on wire0, server to client on vf0.\n",
			(unsigned long long)o->connections, o->conn_rate,
			(unsigned long long)o->seed);
	else
		fprintf(y, "# Generated by tracegen: %llu packets, %u flows, seed %llu.\n",
			(unsigned long long)o->packets, o->flows,
			(unsigned long long)o->seed);
	fprintf(y, "key_profile: default\n");
	fprintf(y, "tcam: { depth: %u, miss: to_host }\n",
		pow2_at_least((uint32_t)count_entries(o, flows)));
	fprintf(y, "ports:\n"
		   "  - { ppid: 0, name: wire0 }\n"
		   "  - { ppid: 1, name: wire1 }\n"
		   "  - { ppid: 2, name: vf0 }\n"
		   "  - { ppid: 3, name: vf1 }\n");
	fprintf(y, "vpid_map:\n  n_vpids: %u\n  unmapped: drop\n  map:\n",
		o->n_vpids);
	/* With connections VPID 0 is the uplink, the server's way back. */
	for (uint32_t v = 0; v < o->n_vpids; v++)
		fprintf(y, "    - { vpid: %u, ppid: %u }\n", v,
			o->connections && !v ? 0 : 1 + v % 3);
	write_flow_entries(y, o, flows);
	fprintf(y, "inputs:\n");
	write_input(y, o->out, o->scenario, "wire0");
	if (o->connections)
		write_input(y, o->reverse, o->scenario, "vf0");
}

static void write_vm(FILE *y, unsigned side, uint32_t v, const char *port)
{
	uint8_t mac[6], ip4[16], ip6[16];
	char a4[64], a6[64];

	vm_addr(side, v, false, mac, ip4);
	vm_addr(side, v, true, mac, ip6);
	inet_ntop(AF_INET, ip4, a4, sizeof a4);
	inet_ntop(AF_INET6, ip6, a6, sizeof a6);
	fprintf(y, "    - { name: %s%u, mac: '02:00:00:00:%02x:%02x', ipv4: %s, ipv6: '%s', port: %s }\n",
		side == 1 ? "client" : "server", v, side, v + 1, a4, a6, port);
}

/* --vms: the FPAG's scenario.  Clients on vf0, servers on vf1, vf2 free
 * for a migration: server0 moves there halfway through the arrivals.  The
 * firewall allows TCP (tracked) and UDP, and denies the rest. */
static void write_vm_scenario(FILE *y, const struct opts *o)
{
	uint64_t depth = 2 * o->connections < TCAM_MAX_DEPTH ? 2 * o->connections : TCAM_MAX_DEPTH;
	uint32_t vnics = o->vm_clients + o->vm_servers;

	fprintf(y, "# Generated by tracegen: %llu connections at %g/s between %u client VMs (vf0)\n"
		   "# and %u server VMs (vf1), seed %llu; the FPAG decides and offloads them.\n",
		(unsigned long long)o->connections, o->conn_rate, o->vm_clients,
		o->vm_servers, (unsigned long long)o->seed);
	fprintf(y, "key_profile: default\n"
		   "tcam: { depth: %u, miss: to_host }\n"
		   "ports:\n  - { ppid: 0, name: vf0 }\n  - { ppid: 1, name: vf1 }\n"
		   "  - { ppid: 2, name: vf2 }\n"
		   "vpid_map: { n_vpids: %u, unmapped: drop }\n"
		   "host: { program: fpag }\n"
		   "fpag: { flow_dest: vpid, entry_shape: exact }\n"
		   "topology:\n  vnics:\n",
		pow2_at_least((uint32_t)depth), vnics > 3 ? vnics : 3);
	for (uint32_t i = 0; i < o->vm_clients; i++)
		write_vm(y, 1, i, "vf0");
	for (uint32_t i = 0; i < o->vm_servers; i++)
		write_vm(y, 2, i, "vf1");
	fprintf(y, "rules:\n  default: deny\n  list:\n"
		   "    - { action: allow, proto: tcp, stateful: true }\n"
		   "    - { action: allow, proto: udp }\n"
		   "events:\n  - { at_ns: %llu, migrate: { vnic: server0, to: vf2 } }\n",
		(unsigned long long)((double)o->connections / o->conn_rate / 2 * 1e9));
	/* Each VM's frames enter by its own port, wherever it is then. */
	fprintf(y, "inputs:\n");
	write_input(y, o->out, o->scenario, "vnics");
	write_input(y, o->reverse, o->scenario, "vnics");
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
	if (path == o->scenario && o->vm_clients)
		write_vm_scenario(outfile_stream(*y), o);
	else if (path == o->scenario)
		write_scenario(outfile_stream(*y), o, flows);
	else
		write_flow_entries(outfile_stream(*y), o, flows);
	if (!outfile_finish(*y, &err))
		return 0;
fail:
	fprintf(stderr, "tracegen: %s\n", err.msg);
	return -1;
}

/* ---- command line ------------------------------------------------------ */

enum { O_IPV6 = 256, O_UDP, O_VLAN, O_VXLAN, O_PAYLOAD, O_SCENARIO,
       O_SNIPPET, O_MISS, O_VPIDS, O_CONNS, O_CONN_RATE, O_REVERSE, O_RTT,
       O_MSS, O_RST, O_OPEN, O_IDLE, O_IDLE_MS, O_SIZE_MEDIAN, O_SIZE_SIGMA,
       O_SIZE_MAX, O_VMS, O_REPORT };

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
	{ "connections", required_argument, NULL, O_CONNS },
	{ "conn-rate", required_argument, NULL, O_CONN_RATE },
	{ "reverse", required_argument, NULL, O_REVERSE },
	{ "rtt-us", required_argument, NULL, O_RTT },
	{ "mss", required_argument, NULL, O_MSS },
	{ "rst", required_argument, NULL, O_RST },
	{ "open", required_argument, NULL, O_OPEN },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "idle-ms", required_argument, NULL, O_IDLE_MS },
	{ "size-median", required_argument, NULL, O_SIZE_MEDIAN },
	{ "size-sigma", required_argument, NULL, O_SIZE_SIGMA },
	{ "size-max", required_argument, NULL, O_SIZE_MAX },
	{ "vms", required_argument, NULL, O_VMS },
	{ "report", no_argument, NULL, O_REPORT },
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

/* The field a percentage option sets. */
static unsigned *percent_of(int c, struct opts *o)
{
	switch (c) {
	case O_IPV6: return &o->ipv6_pct;
	case O_UDP: return &o->udp_pct;
	case O_VLAN: return &o->vlan_pct;
	case O_VXLAN: return &o->vxlan_pct;
	case O_MISS: return &o->miss_pct;
	case O_RST: return &o->rst_pct;
	case O_OPEN: return &o->open_pct;
	case O_IDLE: return &o->idle_pct;
	default: return NULL;
	}
}

/* An integer option into a uint32_t field; false once reported. */
static bool set_u32(int c, const char *v, uint64_t min, uint64_t max,
		    uint32_t *field)
{
	uint64_t n;

	if (!num_option(PROG, opt_name(c), v, min, max, 0, &n))
		return false;
	*field = (uint32_t)n;
	return true;
}

/* --vms C,S: 1..250 client VMs and 1..250 server VMs. */
static bool set_vms(const char *v, struct opts *o)
{
	const char *comma = strchr(v, ',');
	char c[16];
	uint64_t a, b;

	if (!comma || (size_t)(comma - v) >= sizeof c) {
		fprintf(stderr, PROG ": --vms '%s': expected C,S (client and server VMs, each 1..250)\n", v);
		return false;
	}
	memcpy(c, v, (size_t)(comma - v));
	c[comma - v] = '\0';
	if (!num_option(PROG, "--vms (clients)", c, 1, 250, 0, &a) ||
	    !num_option(PROG, "--vms (servers)", comma + 1, 1, 250, 0, &b))
		return false;
	o->vm_clients = (uint32_t)a;
	o->vm_servers = (uint32_t)b;
	return true;
}

/* The connection mode's options; false once the fault is reported. */
static bool set_conn_option(int c, const char *v, struct opts *o)
{
	uint64_t n;

	switch (c) {
	case O_REVERSE: o->reverse = v; return true;
	case O_CONNS: return num_option(PROG, "--connections", v, 1, 1u << 24,
					NUM_SI, &o->connections);
	case O_CONN_RATE: return num_option_positive(PROG, "--conn-rate", v, 1e9,
						     &o->conn_rate);
	case O_SIZE_SIGMA: return num_option_positive(PROG, "--size-sigma", v, 10,
						      &o->size_sigma);
	case O_SIZE_MEDIAN: return num_option(PROG, "--size-median", v, 1, 1000000000,
					      NUM_SI, &o->size_median);
	case O_SIZE_MAX: return num_option(PROG, "--size-max", v, 1, 1000000000,
					   NUM_SI, &o->size_max);
	case O_RTT: return set_u32(c, v, 1, 10000000, &o->rtt_us);
	case O_MSS: return set_u32(c, v, 64, 1400, &o->mss);
	case O_IDLE_MS: return set_u32(c, v, 1, 1000000, &o->idle_ms);
	case O_VMS: return set_vms(v, o);
	case O_REPORT: o->report = true; return true;
	default:
		if (!num_option(PROG, opt_name(c), v, 0, 100, 0, &n))
			return false;
		*percent_of(c, o) = (unsigned)n;
		return true;
	}
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
		return set_conn_option(c, v, o);
	}
}

/* Option c's bit in opts.given: its place in long_opts. */
static uint64_t opt_bit(int c)
{
	for (unsigned i = 0; long_opts[i].name; i++)
		if (long_opts[i].val == c)
			return 1ull << i;
	return 0;
}

/* The first option of `set` that was given, or 0. */
static int given_of(const struct opts *o, const int *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (o->given & opt_bit(set[i]))
			return set[i];
	return 0;
}

/* Options of one mode are refused in the other: a --packets that
 * --connections would ignore is a mistake worth hearing about.  0 or
 * the exit status of the usage error. */
static int check_mode(const struct opts *o)
{
	static const int pkt_only[] = { 'n', 'f', 'r', O_PAYLOAD };
	static const int conn_only[] = {
		O_CONN_RATE, O_REVERSE, O_RTT, O_MSS, O_RST, O_OPEN, O_IDLE,
		O_IDLE_MS, O_SIZE_MEDIAN, O_SIZE_SIGMA, O_SIZE_MAX, O_VMS,
		O_REPORT,
	};
	static const int not_vms[] = { O_VLAN, O_VXLAN, O_VPIDS, O_MISS, O_SNIPPET };
	int c;

	if (!o->connections) {
		c = given_of(o, conn_only, sizeof conn_only / sizeof *conn_only);
		return c ? cli_usage_error(PROG, "%s applies only with --connections",
					   opt_name(c)) : 0;
	}
	if ((c = given_of(o, pkt_only, sizeof pkt_only / sizeof *pkt_only)))
		return cli_usage_error(PROG, "%s does not apply with --connections "
				       "(the connections make the packets)",
				       opt_name(c));
	if (!o->reverse)
		return cli_usage_error(PROG, "--connections needs --reverse FILE.pcap "
				       "(the server-to-client side)");
	if (o->vm_clients && (c = given_of(o, not_vms, sizeof not_vms / sizeof *not_vms)))
		return cli_usage_error(PROG, "%s does not apply with --vms (VMs talk "
				       "untagged and the FPAG writes the entries)", opt_name(c));
	/* Arrivals past ~3 years would bring the stamps near 64 bits. */
	if ((double)o->connections / o->conn_rate > 1e8)
		return cli_usage_error(PROG, "--conn-rate %g: %llu connections at this "
				       "rate last over 10^8 s", o->conn_rate,
				       (unsigned long long)o->connections);
	return 0;
}

/* Whether two output paths name one file: the same name in the same
 * folder (by device and inode, so "a.pcap" and "./a.pcap" are one).  Both
 * would be written under one temporary name (outfile.h) and the second
 * rename would fail after the first had put a mix of both in place. */
static bool same_output(const char *a, const char *b)
{
	const char *na = base_name(a), *nb = base_name(b);
	char da[PATH_MAX], db[PATH_MAX];
	struct stat sa, sb;

	if (strcmp(na, nb))
		return false;
	snprintf(da, sizeof da, "%.*s.", (int)(na - a), a);
	snprintf(db, sizeof db, "%.*s.", (int)(nb - b), b);
	if (stat(da, &sa) || stat(db, &sb))
		return !strcmp(da, db);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* No two outputs may name one file.  0 or the usage error's status. */
static int check_distinct(const struct opts *o)
{
	const char *path[] = { o->out, o->reverse, o->scenario, o->flows_yaml };
	static const char *const name[] = { "--out", "--reverse", "--scenario",
					    "--flows-yaml" };

	for (unsigned i = 1; i < 4; i++)
		for (unsigned j = 0; path[i] && j < i; j++)
			if (path[j] && same_output(path[i], path[j]))
				return cli_usage_error(PROG, "%s and %s name the same file",
						       name[i], name[j]);
	return 0;
}

/* 0 to run, 1 after the help (exit 0), or 2 after a usage error. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c, rc;

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
		o->given |= opt_bit(c);
	}
	if (optind != argc)
		return cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
	if (!o->out)
		return cli_usage_error(PROG, "--out FILE.pcap is required");
	if ((rc = check_mode(o)) || (rc = check_distinct(o)))
		return rc;
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
	for (uint64_t p = 0; p < o->packets && !stop_signal; p++) {
		uint32_t fi = (uint32_t)(rnd(&rng_state) % o->flows);
		unsigned payload = o->max_payload ?
				   rnd_below(&rng_state, o->max_payload + 1) : 0;
		/* A flow's packets: SYN, then ACKs (no handshake, no peer). */
		struct l4seg g = { .seq = seq[fi], .ipid = (uint16_t)seq[fi],
				   .flags = seq[fi] ? PROTO_TCP_ACK : PROTO_TCP_SYN,
				   .payload = payload };
		size_t n = make_packet(&flows[fi], &g, frame);
		uint64_t ts = TS_BASE + (uint64_t)((double)p * 1e9 / o->rate);

		seq[fi]++;
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

/* All results into place, in order; stops at the first that fails. */
static int commit_all(struct outfile *t[2], struct outfile **scenario,
		      struct outfile **snippet, struct pnic_error *err)
{
	return commit(&t[0], err) || commit(&t[1], err) ||
	       commit(scenario, err) || commit(snippet, err);
}

/* Each result's place is checked before any work, so that the renames at
 * the end (which cannot be undone one by one) do not fail half-way. */
static int check_outputs(const struct opts *o)
{
	const char *paths[] = { o->out, o->reverse, o->scenario, o->flows_yaml };
	int rc;

	for (unsigned i = 0; i < 4; i++)
		if (paths[i] && (rc = cli_output_check(paths[i]))) {
			fprintf(stderr, "tracegen: cannot write %s: %s\n",
				paths[i], strerror(-rc));
			return -1;
		}
	return 0;
}

/* The flows of packet mode, drawn from the seed; 0 or -1 (reported). */
static int make_flows(const struct opts *o, struct flow **flows,
		      uint32_t **seq)
{
	if (o->connections)
		return 0;
	*flows = calloc(o->flows, sizeof **flows);
	*seq = calloc(o->flows, sizeof **seq);
	if (!*flows || !*seq) {
		fprintf(stderr, "tracegen: out of memory for %u flows\n", o->flows);
		return -1;
	}
	for (uint32_t i = 0; i < o->flows; i++)
		make_flow(o, i, &rng_state, &(*flows)[i]);
	return 0;
}

/* The trace (both, with connections) under temporary names; 0 or -1. */
static int write_traces(const struct opts *o, struct flow *flows,
			uint32_t *seq, struct outfile *t[2])
{
	struct pnic_error err;

	for (int i = 0; i < 2; i++)
		if ((i ? o->reverse : o->out) &&
		    outfile_begin(i ? o->reverse : o->out, &t[i], &err)) {
			fprintf(stderr, "tracegen: %s\n", err.msg);
			return -1;
		}
	if (o->connections)
		return write_conn_traces(o, outfile_write_path(t[0]),
					 outfile_write_path(t[1]));
	return write_trace(o, flows, seq, outfile_write_path(t[0]));
}

/* Every result is written under its temporary name first and they are
 * renamed together at the end, so a run that fails (or is interrupted)
 * leaves no trace without its scenario, nor a half-written file; one
 * killed outright (SIGKILL) leaves only dot-file temporaries. */
int main(int argc, char **argv)
{
	struct opts o = {
		.packets = 300, .flows = 16, .rate = 1e6, .seed = 1,
		.ipv6_pct = 25, .udp_pct = 40, .vlan_pct = 15, .vxlan_pct = 10,
		.max_payload = 64, .n_vpids = 8,
		.conn_rate = 1000, .rtt_us = 100, .mss = 1400,
		.rst_pct = 5, .open_pct = 5, .idle_pct = 10, .idle_ms = 15000,
		.size_median = 2000, .size_sigma = 1.9, .size_max = 100000000,
	};
	struct outfile *t[2] = { NULL, NULL }, *scenario = NULL, *snippet = NULL;
	struct flow *flows = NULL;
	struct pnic_error err;
	uint32_t *seq = NULL;
	struct stop_saved saved;
	int status = 1, rc;

	if ((rc = parse_args(argc, argv, &o)))
		return rc == 1 ? 0 : rc;
	/* Once caught, SIGINT or SIGTERM end the writing loops and the
	 * temporaries go before the process dies of the signal. */
	stop_catch(&saved);
	rng_state = o.seed;
	if (make_flows(&o, &flows, &seq))
		goto out;
	if ((rc = check_entries(&o, flows))) {
		status = rc;
		goto out;
	}
	if (check_outputs(&o) || write_traces(&o, flows, seq, t) || stop_signal ||
	    write_yaml(o.scenario, &o, flows, &scenario) ||
	    write_yaml(o.flows_yaml, &o, flows, &snippet) || stop_signal)
		goto discard;
	rc = commit_all(t, &scenario, &snippet, &err);
	if (rc)
		fprintf(stderr, "tracegen: %s\n", err.msg);
	else
		status = 0;
discard:
	outfile_discard(t[0]);
	outfile_discard(t[1]);
	outfile_discard(scenario);
	outfile_discard(snippet);
out:
	free(seq);
	free(flows);
	/* Interrupted before the results were in place: die of the signal,
	 * its handler reset, as an uncaught one would have killed. */
	if (stop_signal && status)
		raise(stop_signal);
	return status;
}
