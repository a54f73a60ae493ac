/* A pipeline for the pipeline tests: made from the defaults with what a
 * test changes, its records and departures logged by packet id, tables
 * programmed by commands through its sink, frames built with the model's
 * frame builder.  Shared by test_pipeline.c, test_pipeline_mac.c and
 * test_pipeline_stages.c. */
#ifndef PNIC_TEST_PIPELINE_FIXTURE_H
#define PNIC_TEST_PIPELINE_FIXTURE_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/frame.h"
#include "model/pipeline.h"
#include "model/proto.h"
#include "tests/model/cmds.h"

#define PFX_MAX_IDS (1u << 18)
#define PFX_MAX_POS 1024u

/* What left a port for one packet id (the last such frame). */
struct pfx_tx {
	uint32_t n;                 /* frames of this kind with this id */
	uint32_t ppid, caplen, len;
	enum pipeline_tx_kind kind;
	uint64_t first_bit, last_bit;
	uint64_t sum;               /* of the bytes */
};

struct pfx {
	struct pipeline *pl;
	struct pipeline_params p;
	struct pipeline_record *rec;   /* by id */
	uint8_t *have_rec;             /* records seen for the id */
	struct pfx_tx *tx;             /* forwarded, by id */
	struct pfx_tx *mir;            /* mirror copies, by id */
	struct pfx_tx *po;             /* packet-outs by their number */
	uint64_t n_rec, n_tx;
	uint64_t hi;                   /* ids below this may have been written */
};

static struct pfx fx;

/* The logs, allocated once for the process (a test binary runs many
 * setups) and cleared as far as the last run wrote. */
static struct {
	struct pipeline_record *rec;
	uint8_t *have_rec;
	struct pfx_tx *tx, *mir, *po;
	uint64_t hi;
} pfx_logs;

static inline uint64_t pfx_sum(const uint8_t *b, uint32_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ^ n;
}

static inline void pfx_on_record(void *ctx, const struct pipeline_record *r)
{
	struct pfx *f = ctx;

	cr_assert_lt(r->id, PFX_MAX_IDS);
	f->hi = r->id >= f->hi ? r->id + 1 : f->hi;
	f->rec[r->id] = *r;
	f->have_rec[r->id]++;
	f->n_rec++;
}

static inline void pfx_on_egress(void *ctx, const struct pipeline_egress *e)
{
	struct pfx *f = ctx;
	struct pfx_tx *t;

	cr_assert_lt(e->id, e->kind == PL_TX_PACKET_OUT ? PFX_MAX_POS : PFX_MAX_IDS);
	f->hi = e->id >= f->hi ? e->id + 1 : f->hi;
	t = e->kind == PL_TX_PACKET_OUT ? &f->po[e->id] :
	    e->kind == PL_TX_MIRROR ? &f->mir[e->id] : &f->tx[e->id];
	cr_assert_leq(e->first_bit, e->last_bit);
	t->n++;
	t->ppid = e->ppid;
	t->caplen = e->caplen;
	t->len = e->len;
	t->kind = e->kind;
	t->first_bit = e->first_bit;
	t->last_bit = e->last_bit;
	t->sum = pfx_sum(e->frame, e->caplen);
	f->n_tx++;
}

/* The defaults, logged: the test changes fx.p, then calls pfx_make(). */
static inline void pfx_setup(void)
{
	memset(&fx, 0, sizeof fx);
	pipeline_params_default(&fx.p);
	fx.p.profile = key_profile_ipv4_5tuple();
	fx.p.depth = 64;
	fx.p.n_vpids = 16;
	fx.p.egress = pfx_on_egress;
	fx.p.record = pfx_on_record;
	fx.p.ctx = &fx;
	if (!pfx_logs.rec) {
		pfx_logs.rec = calloc(PFX_MAX_IDS, sizeof *pfx_logs.rec);
		pfx_logs.have_rec = calloc(PFX_MAX_IDS, 1);
		pfx_logs.tx = calloc(PFX_MAX_IDS, sizeof *pfx_logs.tx);
		pfx_logs.mir = calloc(PFX_MAX_IDS, sizeof *pfx_logs.mir);
		pfx_logs.po = calloc(PFX_MAX_POS, sizeof *pfx_logs.po);
		cr_assert(pfx_logs.rec && pfx_logs.have_rec && pfx_logs.tx &&
			  pfx_logs.mir && pfx_logs.po);
	}
	memset(pfx_logs.rec, 0, pfx_logs.hi * sizeof *pfx_logs.rec);
	memset(pfx_logs.have_rec, 0, pfx_logs.hi);
	memset(pfx_logs.tx, 0, pfx_logs.hi * sizeof *pfx_logs.tx);
	memset(pfx_logs.mir, 0, pfx_logs.hi * sizeof *pfx_logs.mir);
	memset(pfx_logs.po, 0, PFX_MAX_POS * sizeof *pfx_logs.po);
	pfx_logs.hi = 0;
	fx.rec = pfx_logs.rec;
	fx.have_rec = pfx_logs.have_rec;
	fx.tx = pfx_logs.tx;
	fx.mir = pfx_logs.mir;
	fx.po = pfx_logs.po;
}

static inline void pfx_make(void)
{
	struct pnic_error err;

	cr_assert_eq(pipeline_create(&fx.p, &fx.pl, &err), 0, "%s", err.msg);
}

static inline void pfx_conserved(void)
{
	struct pnic_error err;

	cr_assert_eq(pipeline_check_conservation(fx.pl, &err), 0, "%s", err.msg);
}

/* Every run ends with the books balanced. */
static inline void pfx_teardown(void)
{
	if (fx.pl)
		pfx_conserved();
	pipeline_destroy(fx.pl);
	if (fx.hi > pfx_logs.hi)
		pfx_logs.hi = fx.hi > PFX_MAX_IDS ? PFX_MAX_IDS : fx.hi;
	memset(&fx, 0, sizeof fx);
}

/* Submit through the sink; a full config FIFO is waited out by running
 * the pipeline to its next event, as the mailbox device will. */
static inline void pfx_submit(const struct nic_cmd *c)
{
	struct nic_cmd_sink s = pipeline_sink(fx.pl);
	struct pnic_error err;
	int rc;

	while ((rc = nic_cmd_submit(&s, c, NULL, &err)) == -EBUSY)
		pipeline_run_until(fx.pl, pipeline_next_event(fx.pl));
	cr_assert_eq(rc, 0, "%s", err.msg);
}

static inline void pfx_map(uint32_t vpid, uint32_t ppid)
{
	pfx_submit(&(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { vpid, ppid } });
}

static inline struct action_word pfx_act(struct pnic_action a)
{
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

/* Entry `index` matching UDP destination port dport (ipv4_5tuple). */
static inline struct nic_cmd pfx_entry(uint32_t index, uint16_t dport,
				       struct pnic_action a)
{
	return tc_entry_dport(index, dport, pfx_act(a));
}

static inline void pfx_forward(uint32_t index, uint16_t dport, uint32_t vpid)
{
	struct nic_cmd c = pfx_entry(index, dport, (struct pnic_action){
		.kind = ACT_FORWARD, .vpid = (uint16_t)vpid });

	pfx_submit(&c);
}

/* Ethernet / IPv4 / UDP to dport, `len` bytes (at least 42), the payload
 * marked with `mark`. */
static inline uint32_t pfx_udp(uint8_t *f, uint16_t dport, uint32_t len,
			       uint32_t mark)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 2 };
	const struct frame_ipv4 ip = {
		.ttl = 64, .proto = PROTO_IP_UDP,
		.src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 },
	};
	struct frame_buf b;
	uint32_t l3, l4;

	frame_init(&b, f, len);
	frame_eth(&b, dst, src, PROTO_ETH_P_IPV4);
	l3 = frame_ipv4(&b, &ip);
	l4 = frame_udp(&b, 12345, dport);
	frame_u32(&b, mark);
	frame_fill(&b, 0xab, len - b.n);
	frame_udp_end(&b, l4);
	frame_ipv4_end(&b, l3, true);
	cr_assert(!b.overflow);
	return b.n;
}

/* A pipeline made from fx.p that forwards UDP to port 7 (entry 0) by
 * VPID 1 to PPID 1; the two writes reach the config port at edges 1 and 2,
 * before any frame given from edge 0 on is parsed. */
static inline void pfx_make_7_to_1(void)
{
	pfx_make();
	pfx_map(1, 1);
	pfx_forward(0, 7, 1);
}

static inline void pfx_arrive(uint32_t port, const uint8_t *f, uint32_t n,
			      uint64_t first_bit)
{
	struct pnic_error err;

	cr_assert_eq(pipeline_arrive(fx.pl, port, f, n, n, first_bit, &err), 0,
		     "%s", err.msg);
}

/* The same, waiting out a full bound of arrivals ahead. */
static inline void pfx_feed(uint32_t port, const uint8_t *f, uint32_t n,
			    uint32_t len, uint64_t first_bit)
{
	struct pnic_error err;
	int rc;

	while ((rc = pipeline_arrive(fx.pl, port, f, n, len, first_bit, &err)) == -ENOBUFS)
		pipeline_run_until(fx.pl, pipeline_next_event(fx.pl));
	cr_assert_eq(rc, 0, "%s", err.msg);
}

/* The edge at or before the exact start of frame k of a port at line
 * rate: k * wire bytes * 8 bits * clock / rate. */
static inline uint64_t pfx_line_edge(uint64_t k, uint32_t wire_bytes,
				     uint64_t hz, uint32_t mbps)
{
	__extension__ unsigned __int128 x = (unsigned __int128)k * wire_bytes * 8 * hz;

	return (uint64_t)(x / ((unsigned __int128)mbps * 1000000));
}

static inline uint64_t pfx_line_ceil(uint64_t bits, uint64_t hz, uint32_t mbps)
{
	__extension__ unsigned __int128 x = (unsigned __int128)bits * hz;
	uint64_t d = (uint64_t)mbps * 1000000;

	return (uint64_t)((x + d - 1) / d);
}

static inline void pfx_drain(void)
{
	pipeline_run_until(fx.pl, PIPELINE_NEVER);
	cr_assert_eq(pipeline_next_event(fx.pl), PIPELINE_NEVER);
}

static inline struct pipeline_stats pfx_stats(void)
{
	struct pipeline_stats st;

	pipeline_stats(fx.pl, &st);
	return st;
}

#endif
