/* The mailbox driver in a loopback: host memory is a byte array, the
 * device's DMA copies in and out of it, the driver's register writes go
 * straight to the device, and the device's sink is a NIC in process whose
 * to-host packets come back up as miss events.  Every op end to end, the
 * host's flow table over the mailbox unchanged, wrap-around, full rings,
 * busy sinks, reordered doorbells, DMA faults, events and their drops,
 * and the whole miss loop: miss -> install -> packet-out -> hit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/flow_table.h"
#include "host/mbox_drv.h"
#include "model/encap.h"
#include "model/key_builder.h"
#include "model/mbox_dev.h"
#include "model/nic.h"
#include "tests/mbox_rig.h"
#include "tests/model/frames.h"

#define DEPTH 1024
#define KB 104                          /* ipv4_5tuple */
#define MEM (4u << 20)
#define LOG 8192

static struct mbox_mem mem;
static struct nic *nic;
static struct mbox_dev *dev;
static struct mbox_drv *drv;
static struct mbox_completion cpls[LOG];
static unsigned n_cpls;
static unsigned irqs[MBOX_IRQ_VECTORS];
static bool busy_random, hold_doorbells;
static uint64_t seed = 1;
static uint32_t held[16];
static unsigned n_held;
/* What left the NIC. */
static unsigned egress[4], to_host, drops;
static uint32_t last_ppid, last_len;
static uint8_t last_frame[128];

/* ---- the loopback -------------------------------------------------------- */

static int sink_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	if (busy_random && mem_rand(&seed) % 2)
		return -EBUSY;
	return nic_apply(ctx, c, res, err);
}

static void bar_write(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	if (hold_doorbells && off == MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DOORBELL) {
		cr_assert_lt(n_held, 16);
		held[n_held++] = v;
		return;
	}
	mbox_dev_bar_write(dev, off, v);
}

static uint32_t bar_read(void *ctx, uint32_t off)
{
	(void)ctx;
	return mbox_dev_bar_read(dev, off);
}

/* Held doorbells arrive newest first. */
static void release_doorbells(void)
{
	while (n_held)
		mbox_dev_bar_write(dev, MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DOORBELL,
				   held[--n_held]);
}

/* The host's wait: the device runs, and the host's completion handling
 * logs what came back. */
static int wait_cb(void *ctx)
{
	struct mbox_dev_progress pr;

	(void)ctx;
	release_doorbells();
	pr = mbox_dev_service(dev, 1 + (unsigned)(mem_rand(&seed) % 8));
	cr_assert_lt(n_cpls, LOG);
	n_cpls += mbox_drv_poll_completions(drv, cpls + n_cpls, LOG - n_cpls);
	return pr.wait == MBOX_DEV_OFF ? -EIO : 0;
}

static void count_irq(void *ctx, unsigned v)
{
	(void)ctx;
	irqs[v]++;
}

/* A to-host packet becomes a miss event, with the key the lookup used. */
static void to_host_event(const struct datapath_out *o, const uint8_t *frame,
			  uint32_t caplen, uint32_t len)
{
	struct mbox_event ev = { .type = MBOX_EV_MISS, .reason = (uint8_t)o->host,
				 .in_ppid = (uint16_t)o->in_port, .frame = frame,
				 .caplen = caplen, .len = len, .key_bits = KB };
	struct parser_result pr;

	parser_parse(frame, caplen, len, &pr);
	key_builder_build(key_profile_ipv4_5tuple(), &pr, (uint16_t)o->in_port, &ev.key);
	mbox_dev_event(dev, &ev);
}

static void record(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	(void)ctx;
	if (o->kind == DP_OUT_TO_HOST) {
		to_host++;
		to_host_event(o, frame, caplen, len);
	} else if (o->kind == DP_OUT_DROP) {
		drops++;
	} else {
		egress[o->ppid]++;
		last_ppid = o->ppid;
		last_len = caplen;
		memcpy(last_frame, frame, caplen < 128 ? caplen : 128);
	}
}

static void setup(void)
{
	mem_init(&mem, MEM);
	mbox_rig(&mem, DEPTH, record, sink_submit, count_irq, &nic, &dev);
	drv = NULL;
	n_cpls = n_held = to_host = drops = 0;
	memset(egress, 0, sizeof egress);
	memset(irqs, 0, sizeof irqs);
	busy_random = hold_doorbells = false;
}

static void teardown(void)
{
	mbox_drv_destroy(drv);
	mbox_dev_destroy(dev);
	nic_destroy(nic);
	mem_free(&mem);
}

TestSuite(mbox_drv, .init = setup, .fini = teardown);

static struct mbox_drv_params params(uint32_t cmd, uint32_t cpl, uint32_t evt,
				     uint32_t rxb)
{
	return (struct mbox_drv_params){
		.mem = mem.bytes, .mem_dma = mem.dma, .mem_bytes = mem.size,
		.cmd_entries = cmd, .cpl_entries = cpl, .evt_entries = evt,
		.rxb_entries = rxb, .pkt_bufs = 2, .ctr_bufs = 2,
		.bar_write = bar_write, .bar_read = bar_read, .wait = wait_cb,
		.wait_max = 10000,
	};
}

static void open_with(const struct mbox_drv_params *p)
{
	struct pnic_error err;

	cr_assert_eq(mbox_drv_create(p, &drv, &err), 0, "%s", err.msg);
}

static void open_drv(uint32_t cmd, uint32_t cpl, uint32_t evt, uint32_t rxb)
{
	struct mbox_drv_params p = params(cmd, cpl, evt, rxb);

	open_with(&p);
}

static void submit(struct nic_cmd c)
{
	struct nic_cmd_sink s = mbox_drv_sink(drv);
	struct pnic_error err;

	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), 0, "%s", err.msg);
}

static struct nic_cmd map_set(uint32_t vpid, uint32_t ppid)
{
	return (struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { vpid, ppid } };
}

static struct action_word fwd(uint16_t vpid, bool count)
{
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = vpid, .count = count };
	struct action_word w;

	action_pack(&a, &w);
	return w;
}

static void dport_key(uint16_t dport, struct pnic_key *v, struct pnic_key *m)
{
	struct key_profile_fields fv, fm;

	memset(&fv, 0, sizeof fv);
	memset(&fm, 0, sizeof fm);
	key_profile_set(&fv, KP_L4_DST, dport);
	key_profile_set(&fm, KP_L4_DST, 0xffff);
	key_profile_pack(key_profile_ipv4_5tuple(), &fv, v);
	key_profile_pack(key_profile_ipv4_5tuple(), &fm, m);
}

static struct nic_cmd entry(uint32_t index, uint16_t dport, struct action_word w)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE };

	c.entry.index = index;
	c.entry.action = w;
	dport_key(dport, &c.entry.value, &c.entry.mask);
	return c;
}

static void send(uint32_t port, uint16_t sport, uint16_t dport)
{
	uint8_t f[60];
	unsigned n = udp_frame(f, sport, dport);

	nic_process(nic, port, f, n, n, 1000);
}

/* Run the device until it has nothing left, logging completions. */
static void drain(void)
{
	mbox_drv_doorbell(drv);
	for (unsigned i = 0; i < 100000 && mbox_drv_in_flight(drv); i++)
		cr_assert_eq(wait_cb(NULL), 0);
	cr_assert_eq(mbox_drv_in_flight(drv), 0);
}

/* ---- creation ------------------------------------------------------------ */

static uint32_t no_device(void *ctx, uint32_t off)
{
	(void)ctx;
	(void)off;
	return 0xffffffffu;           /* what a read of nothing returns */
}

Test(mbox_drv, create_refuses_what_cannot_work)
{
	struct mbox_drv_params p = params(8, 8, 8, 8);
	struct pnic_error err;
	size_t need = mbox_drv_mem_bytes(&p);

	cr_assert_gt(need, 0);
	p.mem_bytes = need - 1;
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), -EINVAL);
	cr_assert(strstr(err.msg, "need"), "%s", err.msg);
	p = params(8, 8, 8, 8);
	p.mem_dma += 8;
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), -EINVAL);
	cr_assert(strstr(err.msg, "aligned"), "%s", err.msg);
	p = params(12, 8, 8, 8);
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), -EINVAL);
	cr_assert(strstr(err.msg, "powers of two"), "%s", err.msg);
	cr_assert_eq(mbox_drv_mem_bytes(&p), 0);
	p = params(8, 8, 8, 8);
	p.bar_read = no_device;
	cr_assert_eq(mbox_drv_create(&p, &drv, &err), -ENODEV);
	cr_assert(strstr(err.msg, "PNMB"), "%s", err.msg);
	cr_assert_null(drv);
	mbox_drv_destroy(NULL);
}

Test(mbox_drv, create_starts_the_device)
{
	open_drv(0, 0, 0, 0);         /* the defaults */
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_STATUS), MBOX_STATUS_READY);
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_SIZE), 64);
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_RING(MBOX_RING_RXB) + MBOX_RING_DOORBELL),
		     256, "every receive buffer is lent");
	mbox_drv_destroy(drv);
	drv = NULL;
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_STATUS), 0, "destroy resets it");
}

/* ---- every op, through the synchronous sink ------------------------------ */

Test(mbox_drv, table_ops_through_the_hosts_flow_table)
{
	struct flow_table_params fp = { .depth = DEPTH };
	struct flow_table *ft;
	struct pnic_key v, m;
	struct action_word w = fwd(1, false);
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	fp.sink = mbox_drv_sink(drv);
	cr_assert_eq(flow_table_create(&fp, &ft, &err), 0, "%s", err.msg);
	submit(map_set(1, 2));
	submit(map_set(3, 1));
	dport_key(53, &v, &m);
	cr_assert_eq(flow_table_write(ft, 5, &v, &m, &w, &err), 0, "%s", err.msg);
	send(0, 1000, 53);
	cr_assert_eq(egress[2], 1, "ENTRY_WRITE and MAP_SET took effect");
	w = fwd(3, false);
	cr_assert_eq(flow_table_set_action(ft, 5, &w, &err), 0, "%s", err.msg);
	send(0, 1000, 53);
	cr_assert_eq(egress[1], 1, "ACTION_WRITE took effect");
	submit((struct nic_cmd){ .op = NIC_OP_MAP_CLEAR, .map.vpid = 3 });
	send(0, 1000, 53);
	cr_assert_eq(drops, 1, "MAP_CLEAR: unmapped goes by policy (dropped)");
	cr_assert_eq(flow_table_withdraw(ft, 5, &err), 0, "%s", err.msg);
	send(0, 1000, 53);
	cr_assert_eq(to_host, 1, "ENTRY_INVALIDATE: a miss");
	cr_assert_eq(mbox_dev_stats(dev)->commands[NIC_OP_ENTRY_INVALIDATE], 1);
	flow_table_destroy(ft);
}

Test(mbox_drv, template_and_config)
{
	struct encap_fields f = { .eth_dst = { 2, 0, 0, 0, 0, 9 },
				  .eth_src = { 2, 0, 0, 0, 0, 8 },
				  .src_ip = { 10, 0, 0, 1 }, .dst_ip = { 10, 0, 0, 2 },
				  .ttl = 64, .vni = 77 };
	struct nic_cmd t = { .op = NIC_OP_TEMPLATE_SET, .tpl.id = 3 };
	struct nic_cmd cfg = { .op = NIC_OP_CONFIG, .config.miss = DP_MISS_DROP };
	const struct encap_template *got;
	struct pnic_error err;

	cr_assert_eq(encap_build(&f, &t.tpl.tpl, &err), 0, "%s", err.msg);
	open_drv(8, 8, 8, 8);
	submit(t);
	got = lookup_template(nic_lookup(nic), 3);
	cr_assert_not_null(got);
	cr_assert_eq(got->len, t.tpl.tpl.len);
	cr_assert_eq(memcmp(got->bytes, t.tpl.tpl.bytes, got->len), 0);
	send(0, 1, 2);
	cr_assert_eq(to_host, 1);
	submit(cfg);
	send(0, 1, 2);
	cr_assert_eq(drops, 1, "CONFIG: misses are dropped now");
}

Test(mbox_drv, packet_out_leaves_the_right_port_with_the_right_bytes)
{
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet.ppid = 3 };
	uint8_t f[60];

	po.packet.len = udp_frame(f, 4242, 8080);
	po.packet.frame = f;
	open_drv(8, 8, 8, 8);
	submit(po);
	cr_assert_eq(egress[3], 1);
	cr_assert_eq(last_len, 60);
	cr_assert_eq(memcmp(last_frame, f, 60), 0);
	cr_assert_eq(datapath_stats(nic_datapath(nic))->packet_outs, 1);
}

Test(mbox_drv, counters_read_in_batches)
{
	enum { N = 600 };
	static struct flow_counter got[N];
	struct flow_counter want;
	struct nic_cmd c = { .op = NIC_OP_COUNTER_READ };
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	submit(map_set(1, 2));
	for (uint32_t i = 0; i < N; i++)
		submit(entry(i, (uint16_t)(1000 + i), fwd(1, true)));
	for (uint32_t i = 0; i < N; i++)
		for (uint32_t k = 0; k < i % 5; k++)
			send(0, 7, (uint16_t)(1000 + i));
	memset(got, 0xff, sizeof got);
	for (uint32_t first = 0; first < N; first += MBOX_COUNTER_READ_MAX) {
		c.counters.first = first;
		c.counters.count = N - first < MBOX_COUNTER_READ_MAX ? N - first
								    : MBOX_COUNTER_READ_MAX;
		c.counters.out = got + first;
		cr_assert_eq(mbox_drv_post_wait(drv, &c, first, &err), 0, "%s", err.msg);
	}
	drain();
	cr_assert_eq(n_cpls, 3, "600 entries in batches of 256");
	cr_assert_eq(cpls[2].count, N - 2 * MBOX_COUNTER_READ_MAX);
	for (uint32_t i = 0; i < N; i++) {
		flow_counters_read(datapath_counters(nic_datapath(nic)), i, &want);
		cr_assert_eq(got[i].packets, i % 5, "entry %u", i);
		cr_assert_eq(got[i].bytes, want.bytes, "entry %u", i);
		cr_assert_eq(got[i].last_hit, want.last_hit, "entry %u", i);
	}
}

/* ---- full rings and pools ------------------------------------------------ */

Test(mbox_drv, a_full_ring_is_eagain_until_completions)
{
	struct nic_cmd c = map_set(1, 1);
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(mbox_drv_post(drv, &c, i, &err), 0, "%s", err.msg);
	cr_assert_eq(mbox_drv_post(drv, &c, 8, &err), -EAGAIN);
	cr_assert(strstr(err.msg, "poll completions"), "%s", err.msg);
	cr_assert_eq(mbox_drv_stats(drv)->ring_full, 1);
	mbox_drv_doorbell(drv);
	cr_assert_eq(mbox_dev_service(dev, 100).done, 8);
	cr_assert_eq(mbox_drv_post(drv, &c, 8, &err), -EAGAIN,
		     "completed, but not yet polled");
	cr_assert_eq(mbox_drv_poll_completions(drv, cpls, 3), 3);
	cr_assert_eq(mbox_drv_post(drv, &c, 8, &err), 0, "%s", err.msg);
	cr_assert_eq(mbox_drv_in_flight(drv), 6);
}

Test(mbox_drv, an_empty_buffer_pool_is_eagain)
{
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet.ppid = 1 };
	struct pnic_error err;
	uint8_t f[60];

	po.packet.len = udp_frame(f, 1, 2);
	po.packet.frame = f;
	open_drv(8, 8, 8, 8);            /* two packet-out buffers */
	cr_assert_eq(mbox_drv_post(drv, &po, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(mbox_drv_post(drv, &po, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(mbox_drv_post(drv, &po, 2, &err), -EAGAIN);
	cr_assert(strstr(err.msg, "packet-out"), "%s", err.msg);
	cr_assert_eq(mbox_drv_post_wait(drv, &po, 2, &err), 0, "%s", err.msg);
	drain();
	cr_assert_eq(egress[1], 3);
}

Test(mbox_drv, what_cannot_be_carried_is_refused_at_post)
{
	struct flow_counter out[4];
	struct nic_cmd c = { .op = NIC_OP_COUNTER_READ, .counters = { 0, 300, out } };
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet.len = 60 };
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	cr_assert_eq(mbox_drv_post(drv, &c, 0, &err), -EINVAL);
	cr_assert(strstr(err.msg, "at most 256"), "%s", err.msg);
	c.counters.count = 4;
	c.counters.out = NULL;
	cr_assert_eq(mbox_drv_post(drv, &c, 0, &err), -EINVAL);
	cr_assert_eq(mbox_drv_post(drv, &po, 0, &err), -EINVAL, "no frame");
	cr_assert_eq(mbox_drv_in_flight(drv), 0, "nothing half-posted");
}

/* ---- errors come back as completions ------------------------------------- */

Test(mbox_drv, device_and_nic_refusals_reach_the_caller)
{
	struct nic_cmd_sink s;
	struct nic_cmd c = entry(1, 80, fwd(1, false));
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet.len = 10 };
	struct nic_cmd cfg = { .op = NIC_OP_CONFIG, .config.miss = 7 };
	struct nic_cmd_result res;
	struct pnic_error err;
	uint8_t f[10] = { 0 };

	open_drv(8, 8, 8, 8);
	s = mbox_drv_sink(drv);
	c.entry.value.w[1] = 1ull << 50;   /* bit 114: past the 104-bit key */
	cr_assert_eq(nic_cmd_submit(&s, &c, &res, &err), -ERANGE);
	cr_assert(strstr(err.msg, "key_bits"), "%s", err.msg);
	cr_assert_eq(res.status, -ERANGE);
	po.packet.frame = f;
	cr_assert_eq(nic_cmd_submit(&s, &po, NULL, &err), -ERANGE);
	cr_assert(strstr(err.msg, "len"), "%s", err.msg);
	cr_assert_eq(nic_cmd_submit(&s, &cfg, NULL, &err), -EINVAL);
	cr_assert(strstr(err.msg, "refused"), "%s", err.msg);
	c = entry(DEPTH, 80, fwd(1, false));
	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), -ERANGE);
	cr_assert_eq(mbox_drv_stats(drv)->cpl_errors, 4);
	submit(map_set(1, 1));             /* and the mailbox goes on */
}

Test(mbox_drv, the_sink_waits_for_posted_commands_first)
{
	struct nic_cmd c = map_set(1, 1);
	struct nic_cmd_sink s;
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	s = mbox_drv_sink(drv);
	cr_assert_eq(mbox_drv_post(drv, &c, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), -EBUSY);
	cr_assert(strstr(err.msg, "in flight"), "%s", err.msg);
	drain();
	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), 0, "%s", err.msg);
}

/* ---- ordering, wrap-around, busy sinks, doorbells ------------------------ */

/* Post n MAP_SETs (vpid i % 8 -> PPID i % 4, cookie base + i) in random
 * batches, waiting when the ring is full. */
static void post_maps(unsigned base, unsigned n)
{
	struct pnic_error err;

	for (unsigned i = 0; i < n;) {
		unsigned batch = 1 + (unsigned)(mem_rand(&seed) % 8);

		for (unsigned k = 0; k < batch && i < n; k++, i++) {
			struct nic_cmd c = map_set((base + i) % 8, (base + i) % 4);

			cr_assert_eq(mbox_drv_post_wait(drv, &c, base + i, &err), 0,
				     "%s", err.msg);
		}
		mbox_drv_doorbell(drv);
		if (mem_rand(&seed) % 2)
			wait_cb(NULL);
	}
	drain();
}

static void assert_in_order(unsigned n)
{
	cr_assert_eq(n_cpls, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(cpls[i].cookie, i, "completion %u", i);
		cr_assert_eq(cpls[i].status, 0, "completion %u", i);
	}
	for (unsigned v = 0; v < 8; v++) {
		unsigned last = n - 8 + ((v - (n - 8)) % 8 + 8) % 8;

		cr_assert_eq(lookup_map_read(nic_lookup(nic), v), last % 4,
			     "VPID %u holds the last write", v);
	}
	cr_assert_eq(mbox_drv_stats(drv)->tag_mismatches, 0);
}

Test(mbox_drv, rings_wrap_many_times_in_random_batches)
{
	open_drv(8, 4, 8, 8);
	post_maps(0, 1000);              /* 125 passes of the command ring */
	assert_in_order(1000);
	cr_assert_gt(mbox_drv_stats(drv)->ring_full, 0, "the ring did fill");
	cr_assert_gt(mbox_dev_stats(dev)->cpl_full_stalls, 0,
		     "so did the completion ring");
}

Test(mbox_drv, writes_to_one_entry_end_with_the_last)
{
	struct pnic_error err;
	struct lookup_result r;
	struct pnic_key k, m;

	open_drv(8, 8, 8, 8);
	for (unsigned i = 0; i < 100; i++) {
		struct nic_cmd c = entry(7, 53, fwd((uint16_t)(i % 8), false));

		cr_assert_eq(mbox_drv_post_wait(drv, &c, i, &err), 0, "%s", err.msg);
	}
	drain();
	dport_key(53, &k, &m);
	lookup_run(nic_lookup(nic), &k, &r);
	cr_assert(r.hit);
	cr_assert_eq(r.index, 7);
	cr_assert_eq(lookup_action_vpid(&r.action), 99 % 8);
}

Test(mbox_drv, a_busy_sink_keeps_the_order)
{
	open_drv(8, 8, 8, 8);
	busy_random = true;
	post_maps(0, 500);
	assert_in_order(500);
	cr_assert_gt(mbox_dev_stats(dev)->busy_stalls, 100);
}

Test(mbox_drv, doorbells_arriving_out_of_order)
{
	struct nic_cmd c = map_set(1, 1);
	struct pnic_error err;

	open_drv(8, 8, 8, 8);
	hold_doorbells = true;
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(mbox_drv_post(drv, &c, i, &err), 0);
	mbox_drv_doorbell(drv);             /* tail 3 ... */
	for (unsigned i = 3; i < 5; i++)
		cr_assert_eq(mbox_drv_post(drv, &c, i, &err), 0);
	mbox_drv_doorbell(drv);             /* ... tail 5, delivered first */
	hold_doorbells = false;
	drain();
	cr_assert_eq(n_cpls, 5);
	cr_assert_eq(mbox_dev_stats(dev)->stale_doorbells, 1);
}

/* ---- the driver never reads what the device has not written -------------- */

Test(mbox_drv, stale_slots_are_never_taken_for_completions)
{
	struct nic_cmd c = map_set(1, 1);
	struct mbox_completion got[8];
	struct pnic_error err;
	uint64_t cpl_at;

	open_drv(8, 8, 8, 8);
	/* Garbage with the wrong phase in every completion slot (the ring
	 * follows the 8 command slots). */
	cpl_at = mem.dma + 8 * MBOX_DESC_BYTES;
	for (unsigned i = 0; i < 8; i++) {
		memset(mem_at(&mem, cpl_at + i * MBOX_CPL_BYTES), 0xee, MBOX_CPL_BYTES);
		mem_at(&mem, cpl_at + i * MBOX_CPL_BYTES)[MBOX_CPL_BYTES - 1] = 0xfe;
	}
	cr_assert_eq(mbox_drv_post(drv, &c, 0, &err), 0);
	mbox_drv_doorbell(drv);
	cr_assert_eq(mbox_drv_poll_completions(drv, got, 8), 0,
		     "nothing written yet: nothing taken");
	mem.fault_lo = cpl_at;                 /* the first completion is torn */
	mem.fault_hi = cpl_at + MBOX_CPL_BYTES;
	mem.torn = MBOX_CPL_BYTES - 1;
	cr_assert_eq(mbox_dev_service(dev, 8).wait, MBOX_DEV_OFF);
	cr_assert_eq(mbox_drv_poll_completions(drv, got, 8), 0,
		     "a completion without its phase byte is not taken");
	cr_assert_eq(mbox_drv_stats(drv)->completed, 0);
}

Test(mbox_drv, a_stopped_device_fails_the_sink_not_hangs)
{
	struct nic_cmd_sink s;
	struct nic_cmd c = map_set(1, 1);
	struct pnic_error err;
	uint32_t code;

	open_drv(8, 8, 8, 8);
	s = mbox_drv_sink(drv);
	mem.fault_lo = mem.dma;                /* the command ring */
	mem.fault_hi = mem.dma + MBOX_DESC_BYTES;
	cr_assert_eq(nic_cmd_submit(&s, &c, NULL, &err), -EINTR);
	cr_assert_eq(mbox_drv_device_status(drv, &code), MBOX_STATUS_ERROR);
	cr_assert_eq(code, MBOX_ERR_RING_DMA);
}

/* ---- events -------------------------------------------------------------- */

Test(mbox_drv, a_miss_arrives_with_frame_key_and_port)
{
	struct mbox_event_rx ev[4];
	struct key_profile_fields kf;
	uint8_t f[60];

	open_drv(8, 8, 8, 8);
	udp_frame(f, 1234, 5678);
	send(2, 1234, 5678);
	cr_assert_eq(mbox_drv_poll_events(drv, ev, 4), 1);
	cr_assert_eq(ev[0].type, MBOX_EV_MISS);
	cr_assert_eq(ev[0].reason, MBOX_MISS_TCAM);
	cr_assert_eq(ev[0].in_ppid, 2);
	cr_assert_eq(ev[0].caplen, 60);
	cr_assert_eq(ev[0].len, 60);
	cr_assert_eq(memcmp(ev[0].frame, f, 60), 0);
	cr_assert_eq(ev[0].key_bits, KB);
	key_profile_unpack(key_profile_ipv4_5tuple(), &ev[0].key, &kf);
	cr_assert_eq(kf.lo[KP_L4_SRC], 1234);
	cr_assert_eq(kf.lo[KP_L4_DST], 5678);
	cr_assert_eq(mbox_drv_poll_events(drv, ev, 4), 0);
}

Test(mbox_drv, receive_buffers_are_lent_again)
{
	struct mbox_event_rx ev[4];
	unsigned got = 0;

	open_drv(8, 8, 4, 4);
	for (unsigned i = 0; i < 50; i++) {
		send(0, (uint16_t)i, 9);
		got += mbox_drv_poll_events(drv, ev, 4);
	}
	cr_assert_eq(got, 50, "12 passes of 4 buffers, none lost");
	cr_assert_eq(mbox_dev_stats(dev)->rxb_drops, 0);
	cr_assert_eq(mbox_drv_stats(drv)->bad_buf_ids, 0);
}

Test(mbox_drv, a_full_event_ring_drops_misses_and_says_so)
{
	struct mbox_event_rx ev[8];

	open_drv(8, 8, 4, 8);
	for (unsigned i = 0; i < 10; i++)
		send(0, (uint16_t)i, 9);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_MISS], 8,
		     "misses take half the ring");
	cr_assert_eq(mbox_drv_poll_events(drv, ev, 8), 2);
	cr_assert_eq(ev[1].dropped_before, 0);
	send(0, 77, 9);
	cr_assert_eq(mbox_drv_poll_events(drv, ev, 8), 1);
	cr_assert_eq(ev[0].dropped_before, 8, "the gap is the drops");
	cr_assert_eq(mbox_drv_stats(drv)->event_gaps, 8);
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_EVT_DROPS), 8);
	cr_assert_eq(ev[0].ctl_dropped_before, 0, "only misses were lost");
	cr_assert_eq(mbox_drv_stats(drv)->ctl_gaps, 0);
}

/* A gap of events without a packet is told apart from one of misses:
 * a lost marker is the host's to recover. */
Test(mbox_drv, a_lost_event_without_a_packet_is_told_apart)
{
	struct mbox_event landed = { .type = MBOX_EV_LANDED, .entry = 3, .gen = 1 };
	struct mbox_event_rx ev[8];
	unsigned n;

	open_drv(8, 8, 8, 8);
	for (unsigned i = 0; i < 7; i++)
		send(0, (uint16_t)i, 9);
	for (unsigned i = 0; i < 5; i++)
		mbox_dev_event(dev, &landed);
	mbox_dev_events_lost(dev, 2);
	n = mbox_drv_poll_events(drv, ev, 8);
	cr_assert_eq(n, 8, "4 misses (half the ring kept) and 4 markers");
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_MISS], 3);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_LANDED], 1);
	cr_assert_eq(ev[4].dropped_before, 3, "the first marker tells of 3 misses");
	cr_assert_eq(ev[4].ctl_dropped_before, 0, "... none without a packet");
	send(0, 99, 9);
	cr_assert_eq(mbox_drv_poll_events(drv, ev, 8), 1);
	cr_assert_eq(ev[0].dropped_before, 3, "a marker, 2 lost upstream");
	cr_assert_eq(ev[0].ctl_dropped_before, 3);
	cr_assert_eq(mbox_drv_stats(drv)->ctl_gaps, 3);
}

Test(mbox_drv, interrupts_through_the_driver)
{
	open_drv(8, 8, 8, 8);
	mbox_drv_irq_moderate(drv, MBOX_IRQ_EVT, 2, 10);
	mbox_drv_irq_enable(drv, 1u << MBOX_IRQ_CPL | 1u << MBOX_IRQ_EVT);
	submit(map_set(1, 1));
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 1);
	for (unsigned i = 0; i < 5; i++)
		send(0, (uint16_t)i, 9);
	cr_assert_eq(irqs[MBOX_IRQ_EVT], 2, "one per two events");
	cr_assert_eq(mbox_dev_bar_read(dev, MBOX_REG_IRQ_USECS(MBOX_IRQ_EVT)), 10);
}

/* ---- the whole loop: the static host program ----------------------------- */

/* On a miss: an exact-match entry for the flow (forward to VPID 1), then
 * the packet back out where that entry would have sent it. */
static void handle_miss(struct flow_table *ft, const struct mbox_event_rx *ev)
{
	struct action_word w = fwd(1, true);
	struct pnic_key mask;
	struct nic_cmd po = { .op = NIC_OP_PACKET_OUT, .packet = { 2, ev->caplen, ev->frame } };
	struct pnic_error err;
	uint32_t index;

	key_zero(&mask);
	for (unsigned b = 0; b < ev->key_bits; b++)
		mask.w[b / 64] |= 1ull << (b % 64);
	cr_assert_eq(flow_table_add(ft, &ev->key, &mask, &w, &index, &err), 0,
		     "%s", err.msg);
	submit(po);
}

Test(mbox_drv, miss_install_packet_out_then_hit)
{
	enum { FLOWS = 200 };
	struct flow_table_params fp = { .depth = DEPTH };
	struct mbox_event_rx ev[8];
	const struct mbox_dev_stats *ds = mbox_dev_stats(dev);
	struct flow_table *ft;
	struct pnic_error err;
	uint64_t rd0, wr0, bw0;

	open_drv(16, 16, 8, 8);
	fp.sink = mbox_drv_sink(drv);
	cr_assert_eq(flow_table_create(&fp, &ft, &err), 0, "%s", err.msg);
	submit(map_set(1, 2));
	rd0 = ds->dma_read_bytes, wr0 = ds->dma_write_bytes;
	bw0 = mbox_drv_stats(drv)->bar_writes;
	for (unsigned i = 0; i < FLOWS; i++) {
		unsigned n;

		send(0, (uint16_t)(2000 + i), 80);
		n = mbox_drv_poll_events(drv, ev, 8);
		cr_assert_eq(n, 1);
		handle_miss(ft, &ev[0]);
	}
	cr_assert_eq(egress[2], FLOWS, "every missed packet went out by packet-out");
	for (unsigned i = 0; i < FLOWS; i++)
		send(0, (uint16_t)(2000 + i), 80);
	cr_assert_eq(egress[2], 2 * FLOWS, "and the rest of each flow hits");
	cr_assert_eq(to_host, FLOWS);
	if (getenv("PNICSIM_MBOX_FIGURES"))
		fprintf(stderr,
			"per miss loop: DMA read %.1f B, DMA write %.1f B, register writes %.2f\n",
			(double)(ds->dma_read_bytes - rd0) / FLOWS,
			(double)(ds->dma_write_bytes - wr0) / FLOWS,
			(double)(mbox_drv_stats(drv)->bar_writes - bw0) / FLOWS);
	flow_table_destroy(ft);
}
