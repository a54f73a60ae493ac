/* The mailbox device, driven through its registers and raw host memory
 * (no driver): ring checks, ownership, doorbells, every descriptor fault,
 * a full completion ring, a busy sink, DMA faults, events and their
 * drops, interrupts, and 10^5 random descriptors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/mbox_dev.h"
#include "model/nic.h"
#include "tests/mbox_rig.h"

#define DEPTH 64
#define KB 104                          /* ipv4_5tuple */
#define MEM (2u << 20)
#define CMD_AT  (MEM_DMA + 0x00000)     /* up to 1024 descriptors */
#define CPL_AT  (MEM_DMA + 0x40000)
#define EVT_AT  (MEM_DMA + 0x50000)     /* up to 1024 events */
#define RXB_AT  (MEM_DMA + 0x70000)
#define BUF_AT  (MEM_DMA + 0x80000)     /* receive buffers, 2 KiB each */
#define BUF_LEN 2048u
#define DATA_AT (MEM_DMA + 0x100000)    /* frames, counter results */

static struct mbox_mem mem;
static struct nic *nic;
static struct mbox_dev *dev;
static uint32_t n_cmd, n_cpl, n_evt, n_rxb;
static uint32_t cmd_tail, cpl_head, evt_head, rxb_tail;
static unsigned irqs[MBOX_IRQ_VECTORS];
static bool busy;
static unsigned submits;
static uint32_t out_ppid, out_len;
static uint8_t out_frame[64];
static unsigned outs;

static int busy_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	submits++;
	if (busy)
		return -EBUSY;
	return nic_apply(ctx, c, res, err);
}

static void count_irq(void *ctx, unsigned v)
{
	(void)ctx;
	cr_assert_lt(v, MBOX_IRQ_VECTORS);
	irqs[v]++;
}

static void record(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		   uint32_t caplen, uint32_t len)
{
	(void)ctx;
	(void)len;
	outs++;
	out_ppid = o->ppid;
	out_len = caplen;
	memcpy(out_frame, frame, caplen < sizeof out_frame ? caplen : sizeof out_frame);
}

static void setup(void)
{
	mem_init(&mem, MEM);
	mbox_rig(&mem, DEPTH, record, busy_submit, count_irq, &nic, &dev);
	cmd_tail = cpl_head = evt_head = rxb_tail = 0;
	memset(irqs, 0, sizeof irqs);
	busy = false;
	submits = outs = 0;
}

static void teardown(void)
{
	mbox_dev_destroy(dev);
	nic_destroy(nic);
	mem_free(&mem);
}

TestSuite(mbox_dev, .init = setup, .fini = teardown);

/* ---- a minimal host: registers and raw ring memory ----------------------- */

static void reg(uint32_t off, uint32_t v)
{
	mbox_dev_bar_write(dev, off, v);
}

static uint32_t rd(uint32_t off)
{
	return mbox_dev_bar_read(dev, off);
}

static void ring_set(enum mbox_ring r, uint64_t base, uint32_t entries)
{
	reg(MBOX_REG_RING(r) + MBOX_RING_BASE_LO, (uint32_t)base);
	reg(MBOX_REG_RING(r) + MBOX_RING_BASE_HI, (uint32_t)(base >> 32));
	reg(MBOX_REG_RING(r) + MBOX_RING_SIZE, entries);
}

static void program(uint32_t cmd, uint32_t cpl, uint32_t evt, uint32_t rxb)
{
	n_cmd = cmd, n_cpl = cpl, n_evt = evt, n_rxb = rxb;
	ring_set(MBOX_RING_CMD, CMD_AT, cmd);
	ring_set(MBOX_RING_CPL, CPL_AT, cpl);
	ring_set(MBOX_RING_EVT, EVT_AT, evt);
	ring_set(MBOX_RING_RXB, RXB_AT, rxb);
}

static void start(uint32_t cmd, uint32_t cpl, uint32_t evt, uint32_t rxb)
{
	program(cmd, cpl, evt, rxb);
	reg(MBOX_REG_CTRL, MBOX_CTRL_ENABLE);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY, "%s",
		     mbox_dev_last_error(dev));
}

static void doorbell(enum mbox_ring r, uint32_t v)
{
	reg(MBOX_REG_RING(r) + MBOX_RING_DOORBELL, v);
}

static void put_raw(const uint8_t *desc)
{
	memcpy(mem_at(&mem, CMD_AT + (cmd_tail % n_cmd) * MBOX_DESC_BYTES), desc,
	       MBOX_DESC_BYTES);
	cmd_tail++;
}

static void put(struct mbox_desc m)
{
	uint8_t raw[MBOX_DESC_BYTES];

	m.tag = cmd_tail;
	mbox_desc_encode(&m, raw);
	put_raw(raw);
}

/* The next completion, if the device has written it (phase). */
static bool take(struct mbox_cpl *c)
{
	const uint8_t *s = mem_at(&mem, CPL_AT + (cpl_head % n_cpl) * MBOX_CPL_BYTES);

	if (mbox_slot_phase(s, MBOX_CPL_BYTES) != mbox_phase(cpl_head, n_cpl))
		return false;
	mbox_cpl_decode(s, c);
	cr_assert_eq(c->tag, cpl_head, "completions come in ring order");
	cpl_head++;
	return true;
}

static struct mbox_dev_progress service(void)
{
	return mbox_dev_service(dev, 1000000);
}

/* One command through: publish, service, completion, acknowledge. */
static struct mbox_cpl run1(struct mbox_desc m)
{
	struct mbox_cpl c;

	put(m);
	doorbell(MBOX_RING_CMD, cmd_tail);
	cr_assert_eq(service().done, 1);
	cr_assert(take(&c));
	doorbell(MBOX_RING_CPL, cpl_head);
	return c;
}

static void lend(uint32_t count, uint32_t len)
{
	for (uint32_t i = 0; i < count; i++, rxb_tail++) {
		struct mbox_rxd d = { .addr = BUF_AT + (rxb_tail % n_rxb) * BUF_LEN,
				      .len = len, .id = rxb_tail % n_rxb };

		mbox_rxd_encode(&d, mem_at(&mem, RXB_AT + (rxb_tail % n_rxb) * MBOX_RXD_BYTES));
	}
	doorbell(MBOX_RING_RXB, rxb_tail);
}

static bool take_evt(struct mbox_evt *e)
{
	const uint8_t *s = mem_at(&mem, EVT_AT + (evt_head % n_evt) * MBOX_EVT_BYTES);

	if (mbox_slot_phase(s, MBOX_EVT_BYTES) != mbox_phase(evt_head, n_evt))
		return false;
	mbox_evt_decode(s, e);
	evt_head++;
	return true;
}

static struct mbox_desc entry(uint32_t index, uint16_t dport, uint16_t vpid)
{
	struct mbox_desc m = { .cmd.op = NIC_OP_ENTRY_WRITE, .key_bits = KB };
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = vpid };
	struct key_profile_fields v, k;

	memset(&v, 0, sizeof v);
	memset(&k, 0, sizeof k);
	key_profile_set(&v, KP_L4_DST, dport);
	key_profile_set(&k, KP_L4_DST, 0xffff);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &m.cmd.entry.value);
	key_profile_pack(key_profile_ipv4_5tuple(), &k, &m.cmd.entry.mask);
	m.cmd.entry.index = index;
	action_pack(&a, &m.cmd.entry.action);
	return m;
}

static int32_t match(uint16_t dport)
{
	struct key_profile_fields v;
	struct pnic_key k;

	memset(&v, 0, sizeof v);
	key_profile_set(&v, KP_L4_DST, dport);
	key_profile_pack(key_profile_ipv4_5tuple(), &v, &k);
	return lookup_match(nic_lookup(nic), &k);
}

static struct mbox_desc map_set(uint32_t vpid, uint32_t ppid)
{
	struct mbox_desc m = { .cmd.op = NIC_OP_MAP_SET };

	m.cmd.map.vpid = vpid;
	m.cmd.map.ppid = ppid;
	return m;
}

/* ---- creation and registers ---------------------------------------------- */

Test(mbox_dev, create_refuses_what_cannot_work)
{
	struct mbox_dev_params p = { .key_bits = KB, .dma_read = mem_dma_read,
				     .dma_write = mem_dma_write,
				     .sink = nic_sink(nic) };
	struct pnic_error err;
	struct mbox_dev *d;

	p.key_bits = 0;
	cr_assert_eq(mbox_dev_create(&p, &d, &err), -EINVAL);
	cr_assert_null(d);
	p.key_bits = KB;
	p.ring_max = 100;
	cr_assert_eq(mbox_dev_create(&p, &d, &err), -EINVAL);
	cr_assert(strstr(err.msg, "power of two"), "%s", err.msg);
	p.ring_max = 0;
	p.dma_write = NULL;
	cr_assert_eq(mbox_dev_create(&p, &d, &err), -EINVAL);
	mbox_dev_destroy(NULL);
}

Test(mbox_dev, registers_identify_the_device)
{
	cr_assert_eq(rd(MBOX_REG_ID), MBOX_ID);
	cr_assert_eq(rd(MBOX_REG_VERSION), MBOX_VERSION);
	cr_assert_eq(rd(MBOX_REG_KEY_BITS), KB);
	cr_assert_eq(rd(MBOX_REG_RING_MAX), MBOX_RING_MAX_ENTRIES);
	cr_assert_eq(rd(MBOX_REG_CTR_MAX), MBOX_COUNTER_READ_MAX);
	cr_assert_eq(rd(MBOX_REG_STATUS), 0, "disabled after reset");
	reg(MBOX_REG_ID, 1);
	cr_assert_eq(rd(MBOX_REG_ID), MBOX_ID, "RO registers ignore writes");
	cr_assert_eq(rd(0x3fc), 0, "unknown offsets read 0");
	reg(MBOX_REG_IRQ_COUNT(1), 8);
	reg(MBOX_REG_IRQ_USECS(1), 50);
	cr_assert_eq(rd(MBOX_REG_IRQ_COUNT(1)), 8);
	cr_assert_eq(rd(MBOX_REG_IRQ_USECS(1)), 50);
	cr_assert_eq(rd(MBOX_REG_IRQ_COUNT(0)), 0);
}

/* Enabling with ring r programmed badly: the error, the ring named, and
 * a device that takes nothing. */
static void refuses_ring(enum mbox_err code, uint32_t ring)
{
	struct mbox_event ev = { .type = MBOX_EV_AGED };

	reg(MBOX_REG_CTRL, MBOX_CTRL_ENABLE);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_ERROR);
	cr_assert_eq(rd(MBOX_REG_ERR_CODE), code, "%s", mbox_dev_last_error(dev));
	cr_assert_eq(rd(MBOX_REG_ERR_INFO), ring);
	put(map_set(1, 1));
	doorbell(MBOX_RING_CMD, cmd_tail);
	cr_assert_eq(service().wait, MBOX_DEV_OFF);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DOORBELL), 0,
		     "doorbells are ignored");
	cr_assert_eq(mbox_dev_event(dev, &ev), -ENODEV);
	reg(MBOX_REG_CTRL, 0);
	cr_assert_eq(rd(MBOX_REG_STATUS), 0, "clearing ENABLE resets");
	cmd_tail = 0;
}

Test(mbox_dev, ring_sizes_and_bases_are_checked)
{
	program(6, 4, 4, 4);
	refuses_ring(MBOX_ERR_RING_SIZE, MBOX_RING_CMD);
	program(4, 1, 4, 4);
	refuses_ring(MBOX_ERR_RING_SIZE, MBOX_RING_CPL);
	program(4, 4, 8192, 4);
	refuses_ring(MBOX_ERR_RING_SIZE, MBOX_RING_EVT);
	program(4, 4, 4, 0);
	refuses_ring(MBOX_ERR_RING_SIZE, MBOX_RING_RXB);
	program(4, 4, 4, 4);
	ring_set(MBOX_RING_EVT, EVT_AT + 16, 4);
	refuses_ring(MBOX_ERR_RING_ALIGN, MBOX_RING_EVT);
	start(4, 4, 4, 4);
	cr_assert_eq(mbox_dev_stats(dev)->errors[MBOX_ERR_RING_SIZE], 4);
}

Test(mbox_dev, rings_are_fixed_while_enabled)
{
	start(4, 4, 4, 4);
	ring_set(MBOX_RING_CMD, CMD_AT + 0x1000, 8);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_SIZE), 4);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_BASE_LO),
		     (uint32_t)CMD_AT);
}

/* ---- commands ------------------------------------------------------------ */

Test(mbox_dev, entry_write_reaches_the_nic)
{
	struct mbox_cpl c;

	start(4, 4, 4, 4);
	cr_assert_eq(match(53), TCAM_MISS);
	c = run1(entry(9, 53, 1));
	cr_assert_eq(c.status, MBOX_OK);
	cr_assert_eq(c.op, NIC_OP_ENTRY_WRITE);
	cr_assert_eq(match(53), 9);
	cr_assert_eq(mbox_dev_stats(dev)->commands[NIC_OP_ENTRY_WRITE], 1);
	cr_assert_eq(rd(MBOX_REG_CMD_DONE), 1);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DEV_PTR), 1);
}

/* A descriptor that is one fault away from a good one. */
struct fault_case {
	const char *what;
	struct mbox_desc m;
	unsigned byte;          /* set this byte ... */
	uint8_t value;          /* ... to this (when byte != 0) */
	enum mbox_err code;
	uint16_t detail;
	int err_no;
};

static struct mbox_desc with_addr(uint32_t op, uint64_t addr)
{
	struct mbox_desc m = { .cmd.op = op, .addr = addr };

	if (op == NIC_OP_COUNTER_READ) {
		m.cmd.counters.count = 2;
		m.buf_len = 2 * MBOX_CTR_BYTES;
	} else {
		m.cmd.packet.len = 60;
	}
	return m;
}

Test(mbox_dev, every_fault_gets_an_error_completion)
{
	struct mbox_desc wide = entry(1, 80, 1), bits = entry(1, 80, 1);
	struct mbox_desc refused = entry(DEPTH, 80, 1);
	struct fault_case cases[] = {
		{ "unknown op", map_set(1, 1), 0, 0x20, MBOX_ERR_OP, 0, EINVAL },
		{ "op 0", map_set(1, 1), 0, 0, MBOX_ERR_OP, 0, EINVAL },
		{ "flags", map_set(1, 1), 1, 1, MBOX_ERR_RESERVED, 1, EINVAL },
		{ "tail", map_set(1, 1), 200, 7, MBOX_ERR_RESERVED, 200, EINVAL },
		{ "key bits", wide, 0, 0, MBOX_ERR_KEY_BITS, 12, ERANGE },
		{ "value bit 104", bits, 45, 1, MBOX_ERR_KEY_BITS, 45, ERANGE },
		{ "action bit 76", entry(1, 80, 1), 25, 1u << (ACTION_WORD_BITS % 8),
		  MBOX_ERR_ACTION, 25, EINVAL },
		{ "counters beyond memory", with_addr(NIC_OP_COUNTER_READ, DATA_AT + MEM),
		  0, 0, MBOX_ERR_DMA, MBOX_DESC_CTR_ADDR_OFF, EFAULT },
		{ "frame beyond memory", with_addr(NIC_OP_PACKET_OUT, MEM_DMA - 64),
		  0, 0, MBOX_ERR_DMA, MBOX_DESC_PKT_ADDR_OFF, EFAULT },
		{ "frame too short", with_addr(NIC_OP_PACKET_OUT, DATA_AT), 12, 13,
		  MBOX_ERR_LEN, 12, ERANGE },
		{ "index past the TCAM", refused, 0, 0, MBOX_ERR_REFUSED, 0, ERANGE },
	};
	unsigned n = sizeof cases / sizeof cases[0];
	uint8_t raw[MBOX_DESC_BYTES];
	struct mbox_cpl c;

	wide.key_bits = KB + 8;
	cases[4].m = wide;
	start(16, 16, 4, 4);
	for (unsigned i = 0; i < n; i++) {
		cases[i].m.tag = cmd_tail;
		mbox_desc_encode(&cases[i].m, raw);
		if (cases[i].byte || i < 2)
			raw[cases[i].byte] = cases[i].value;
		put_raw(raw);
	}
	doorbell(MBOX_RING_CMD, cmd_tail);
	cr_assert_eq(service().done, n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert(take(&c));
		cr_assert_eq(c.status, cases[i].code, "%s: %s", cases[i].what,
			     mbox_err_name(c.status));
		cr_assert_eq(c.detail, cases[i].detail, "%s", cases[i].what);
		cr_assert_eq(c.err_no, cases[i].err_no, "%s", cases[i].what);
	}
	cr_assert_eq(match(80), TCAM_MISS, "no faulty entry write took effect");
	cr_assert_eq(rd(MBOX_REG_CMD_ERRORS), n);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY,
		     "a descriptor's fault does not stop the device");
	cr_assert(strstr(mbox_dev_last_error(dev), "entry_write"), "%s",
		  mbox_dev_last_error(dev));
}

Test(mbox_dev, packet_out_and_counter_read_use_host_memory)
{
	struct mbox_desc po = with_addr(NIC_OP_PACKET_OUT, DATA_AT);
	struct mbox_desc cr = with_addr(NIC_OP_COUNTER_READ, DATA_AT + 0x1000);
	struct flow_counter fc;
	struct mbox_cpl c;

	start(4, 4, 4, 4);
	for (unsigned i = 0; i < 60; i++)
		mem_at(&mem, DATA_AT)[i] = (uint8_t)(i * 3);
	po.cmd.packet.ppid = 2;
	c = run1(po);
	cr_assert_eq(c.status, MBOX_OK);
	cr_assert_eq(outs, 1);
	cr_assert_eq(out_ppid, 2);
	cr_assert_eq(out_len, 60);
	cr_assert_eq(memcmp(out_frame, mem_at(&mem, DATA_AT), 60), 0);
	memset(mem_at(&mem, DATA_AT + 0x1000), 0xee, 2 * MBOX_CTR_BYTES);
	c = run1(cr);
	cr_assert_eq(c.status, MBOX_OK);
	cr_assert_eq(c.count, 2);
	mbox_ctr_decode(mem_at(&mem, DATA_AT + 0x1000 + MBOX_CTR_BYTES), &fc);
	cr_assert_eq(fc.packets, 0, "the records were written");
}

/* ---- ownership and doorbells --------------------------------------------- */

static uint32_t highest_read;

static void watch_cmd(void *ctx, uint64_t addr, uint32_t len)
{
	uint32_t slot = (uint32_t)((addr - CMD_AT) / MBOX_DESC_BYTES);

	(void)ctx;
	cr_assert_eq(len, MBOX_DESC_BYTES);
	if (slot + 1 > highest_read)
		highest_read = slot + 1;
}

Test(mbox_dev, only_published_slots_are_consumed)
{
	struct mbox_cpl c;

	start(8, 8, 4, 4);
	mem.watch_lo = CMD_AT;
	mem.watch_hi = CMD_AT + 8 * MBOX_DESC_BYTES;
	mem.watch = watch_cmd;
	highest_read = 0;
	put(map_set(1, 1));
	put(map_set(2, 2));
	put(map_set(3, 3));           /* written, not published */
	cr_assert_eq(service().wait, MBOX_DEV_IDLE, "nothing rung yet");
	cr_assert_eq(highest_read, 0);
	doorbell(MBOX_RING_CMD, 2);
	cr_assert_eq(service().done, 2);
	cr_assert_eq(highest_read, 2, "slot 2 was never read");
	cr_assert_eq(lookup_map_read(nic_lookup(nic), 3), VPID_UNMAPPED);
	doorbell(MBOX_RING_CMD, 3);
	cr_assert_eq(service().done, 1);
	cr_assert_eq(highest_read, 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert(take(&c));
	cr_assert_not(take(&c), "no completion beyond what was done");
}

Test(mbox_dev, a_late_doorbell_is_ignored)
{
	start(8, 8, 4, 4);
	for (unsigned i = 0; i < 4; i++)
		put(map_set(i, i % 4));
	doorbell(MBOX_RING_CMD, 4);
	doorbell(MBOX_RING_CMD, 2);   /* arrives after the newer one */
	cr_assert_eq(service().done, 4);
	cr_assert_eq(mbox_dev_stats(dev)->stale_doorbells, 1);
	cr_assert_eq(rd(MBOX_REG_DB_STALE), 1);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CMD) + MBOX_RING_DOORBELL), 4);
}

Test(mbox_dev, a_doorbell_past_the_ring_is_refused)
{
	struct mbox_evt e;

	start(4, 4, 4, 4);
	doorbell(MBOX_RING_CMD, 5);    /* 5 published in a ring of 4 */
	cr_assert_eq(service().wait, MBOX_DEV_IDLE, "nothing taken");
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_ERROR);
	cr_assert_eq(e.code, MBOX_ERR_DOORBELL);
	cr_assert_eq(e.detail, MBOX_RING_CMD);
	doorbell(MBOX_RING_CPL, 1);    /* acknowledges a completion never written */
	doorbell(MBOX_RING_EVT, 1);    /* fine: one event was written */
	cr_assert_eq(mbox_dev_stats(dev)->bad_doorbells, 2);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_CPL) + MBOX_RING_DOORBELL), 0);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY, "not fatal");
}

Test(mbox_dev, a_full_completion_ring_makes_the_device_wait)
{
	struct mbox_dev_progress pr;
	struct mbox_cpl c;
	unsigned got = 0;

	start(16, 4, 4, 4);
	for (unsigned i = 0; i < 16; i++)
		put(map_set(i % 8, i % 4));
	doorbell(MBOX_RING_CMD, 16);
	pr = service();
	cr_assert_eq(pr.done, 4);
	cr_assert_eq(pr.wait, MBOX_DEV_CPL_FULL);
	cr_assert(rd(MBOX_REG_STATUS) & MBOX_STATUS_CPL_FULL);
	while (take(&c))
		got++;
	cr_assert_eq(got, 4);
	cr_assert_eq(service().done, 0, "read but not acknowledged: still full");
	while (got < 16) {
		doorbell(MBOX_RING_CPL, cpl_head);
		cr_assert_eq(service().done, 4);
		while (take(&c))
			got++;
	}
	cr_assert_eq(rd(MBOX_REG_CMD_DONE), 16, "nothing lost");
	cr_assert_gt(mbox_dev_stats(dev)->cpl_full_stalls, 0);
}

Test(mbox_dev, a_busy_sink_stalls_then_resumes_in_order)
{
	struct mbox_dev_progress pr;
	struct mbox_cpl c;
	uint64_t reads;

	start(8, 8, 4, 4);
	put(map_set(1, 1));
	put(map_set(1, 2));
	put(map_set(1, 3));
	doorbell(MBOX_RING_CMD, 3);
	busy = true;
	pr = service();
	cr_assert_eq(pr.done, 0);
	cr_assert_eq(pr.wait, MBOX_DEV_BUSY);
	cr_assert(rd(MBOX_REG_STATUS) & MBOX_STATUS_BUSY);
	reads = mbox_dev_stats(dev)->dma_reads;
	cr_assert_eq(service().wait, MBOX_DEV_BUSY);
	cr_assert_eq(mbox_dev_stats(dev)->dma_reads, reads,
		     "the held descriptor is not fetched again");
	cr_assert_eq(lookup_map_read(nic_lookup(nic), 1), VPID_UNMAPPED,
		     "nothing applied while busy");
	busy = false;
	cr_assert_eq(service().done, 3);
	cr_assert_eq(lookup_map_read(nic_lookup(nic), 1), 3, "the last write wins");
	for (unsigned i = 0; i < 3; i++) {
		cr_assert(take(&c));
		cr_assert_eq(c.status, MBOX_OK);
	}
	cr_assert_eq(submits, 5);
	cr_assert_eq(mbox_dev_stats(dev)->busy_stalls, 2);
}

/* ---- DMA faults on the rings ---------------------------------------------- */

Test(mbox_dev, a_command_ring_fault_stops_the_device)
{
	struct mbox_evt e;

	program(4, 4, 4, 4);
	ring_set(MBOX_RING_CMD, MEM_DMA - 0x10000, 4);   /* not host memory */
	reg(MBOX_REG_IRQ_ENABLE, 1u << MBOX_IRQ_EVT);
	reg(MBOX_REG_CTRL, MBOX_CTRL_ENABLE);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY);
	doorbell(MBOX_RING_CMD, 1);
	cr_assert_eq(service().wait, MBOX_DEV_OFF);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_ERROR);
	cr_assert_eq(rd(MBOX_REG_ERR_CODE), MBOX_ERR_RING_DMA);
	cr_assert_eq(rd(MBOX_REG_ERR_INFO), MBOX_RING_CMD);
	cr_assert(take_evt(&e), "an ERROR event says why");
	cr_assert_eq(e.type, MBOX_EV_ERROR);
	cr_assert_eq(e.code, MBOX_ERR_RING_DMA);
	cr_assert_eq(irqs[MBOX_IRQ_EVT], 2, "the event, then the stop");
	cr_assert_eq(service().wait, MBOX_DEV_OFF, "stays stopped");
	reg(MBOX_REG_CTRL, 0);
	evt_head = 0;
	memset(mem_at(&mem, EVT_AT), 0, 4 * MBOX_EVT_BYTES);
	start(4, 4, 4, 4);
	cr_assert_eq(run1(map_set(2, 2)).status, MBOX_OK, "a reset recovers");
}

Test(mbox_dev, a_torn_completion_is_never_seen)
{
	struct mbox_cpl c;

	start(4, 4, 4, 4);
	mem.fault_lo = CPL_AT;
	mem.fault_hi = CPL_AT + MBOX_CPL_BYTES;
	mem.torn = MBOX_CPL_BYTES - 1;   /* all but the phase byte land */
	put(map_set(1, 1));
	doorbell(MBOX_RING_CMD, 1);
	cr_assert_eq(service().wait, MBOX_DEV_OFF);
	cr_assert_eq(mem_at(&mem, CPL_AT)[12], NIC_OP_MAP_SET,
		     "the write was torn (its op byte landed), not absent");
	cr_assert_not(take(&c), "the phase byte never landed");
	cr_assert_eq(rd(MBOX_REG_ERR_INFO), MBOX_RING_CPL);
}

/* ---- events -------------------------------------------------------------- */

static struct mbox_event miss(const uint8_t *frame, uint32_t len)
{
	struct mbox_event ev = { .type = MBOX_EV_MISS, .reason = MBOX_MISS_TCAM,
				 .in_ppid = 2, .frame = frame, .caplen = len,
				 .len = len, .key_bits = KB };

	ev.key.w[0] = 0x123456789ull;
	ev.key.w[1] = 0xff;
	return ev;
}

Test(mbox_dev, a_miss_carries_frame_key_and_port)
{
	uint8_t frame[100];
	struct mbox_event ev;
	struct mbox_evt e;

	for (unsigned i = 0; i < sizeof frame; i++)
		frame[i] = (uint8_t)(i ^ 0x5a);
	ev = miss(frame, sizeof frame);
	start(4, 4, 4, 4);
	lend(4, BUF_LEN);
	cr_assert_eq(mbox_dev_event(dev, &ev), 0);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_MISS);
	cr_assert_eq(e.reason, MBOX_MISS_TCAM);
	cr_assert_eq(e.in_ppid, 2);
	cr_assert_eq(e.buf_id, 0);
	cr_assert_eq(e.len, 100);
	cr_assert_eq(e.caplen, 100);
	cr_assert_eq(e.key_bits, KB);
	cr_assert(key_equal(&e.key, &ev.key, PNIC_KEY_WORDS));
	cr_assert_eq(memcmp(mem_at(&mem, BUF_AT), frame, sizeof frame), 0);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_RXB) + MBOX_RING_DEV_PTR), 1);
	cr_assert_eq(mbox_dev_stats(dev)->events[MBOX_EV_MISS], 1);
}

Test(mbox_dev, a_miss_without_a_buffer_is_dropped_and_counted)
{
	uint8_t frame[60] = { 0 };
	struct mbox_event ev = miss(frame, sizeof frame);
	struct mbox_evt e;

	start(4, 4, 4, 4);
	cr_assert_eq(mbox_dev_event(dev, &ev), -ENOBUFS);
	cr_assert_eq(rd(MBOX_REG_RXB_DROPS), 1);
	lend(1, BUF_LEN);
	cr_assert_eq(mbox_dev_event(dev, &ev), 0);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.seq, 1, "the gap before it is the drop");
}

Test(mbox_dev, a_full_event_ring_drops_and_counts_by_type)
{
	uint8_t frame[60] = { 0 };
	struct mbox_event ev = miss(frame, sizeof frame);
	struct mbox_event aged = { .type = MBOX_EV_AGED, .entry = 3 };
	struct mbox_evt e;
	unsigned got = 0;

	start(4, 4, 4, 8);
	lend(8, BUF_LEN);
	/* misses take half the ring (seq 0, 1; 2..5 dropped), AGED the rest
	 * (6, 7; 8 dropped) */
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(mbox_dev_event(dev, &ev), i < 2 ? 0 : -ENOSPC);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(mbox_dev_event(dev, &aged), i < 2 ? 0 : -ENOSPC);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_MISS], 4);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_AGED], 1);
	cr_assert_eq(rd(MBOX_REG_EVT_DROPS), 5);
	cr_assert_eq(rd(MBOX_REG_RING(MBOX_RING_RXB) + MBOX_RING_DEV_PTR), 2,
		     "a dropped miss keeps its buffer");
	while (take_evt(&e))
		cr_assert_eq(e.seq, got++ < 2 ? got - 1 : got + 3);
	cr_assert_eq(got, 4);
	cr_assert_eq(mbox_dev_event(dev, &aged), -ENOSPC, "not acknowledged yet");
	doorbell(MBOX_RING_EVT, evt_head);
	cr_assert_eq(mbox_dev_event(dev, &aged), 0);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.seq, 10, "seq 8 and 9 were dropped");
	cr_assert_eq(e.entry, 3);
}

/* Misses fill the event ring only to half: the other half is kept for
 * the events without a packet (a landed marker, a flow end), which get in
 * when a miss no longer does. */
Test(mbox_dev, misses_leave_the_last_eighth_of_the_ring_to_events)
{
	uint8_t frame[60] = { 0 };
	struct mbox_event ev = miss(frame, sizeof frame);
	struct mbox_event landed = { .type = MBOX_EV_LANDED, .entry = 5, .gen = 2 };
	struct mbox_evt e;
	unsigned got = 0;

	start(4, 4, 16, 16);
	lend(16, BUF_LEN);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(mbox_dev_event(dev, &ev), i < 8 ? 0 : -ENOSPC, "miss %u", i);
	for (unsigned i = 0; i < 9; i++)
		cr_assert_eq(mbox_dev_event(dev, &landed), i < 8 ? 0 : -ENOSPC,
			     "marker %u: in until the ring is full", i);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_MISS], 2);
	cr_assert_eq(mbox_dev_stats(dev)->event_drops[MBOX_EV_LANDED], 1);
	while (take_evt(&e))
		got += e.type == MBOX_EV_LANDED;
	cr_assert_eq(got, 8);
}

Test(mbox_dev, a_long_frame_is_cut_to_its_buffer)
{
	uint8_t frame[100] = { 1, 2, 3 };
	struct mbox_event ev = miss(frame, sizeof frame);
	struct mbox_evt e;

	start(4, 4, 4, 4);
	lend(1, 64);
	cr_assert_eq(mbox_dev_event(dev, &ev), 0);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.caplen, 64);
	cr_assert_eq(e.len, 100);
	cr_assert_eq(mbox_dev_stats(dev)->truncated, 1);
}

Test(mbox_dev, a_bad_buffer_comes_back_in_an_error_event)
{
	uint8_t frame[60] = { 0 };
	struct mbox_event ev = miss(frame, sizeof frame);
	struct mbox_rxd d = { .addr = MEM_DMA + MEM, .len = BUF_LEN, .id = 7 };
	struct mbox_evt e;

	start(4, 4, 4, 4);
	mbox_rxd_encode(&d, mem_at(&mem, RXB_AT));
	doorbell(MBOX_RING_RXB, 1);
	cr_assert_eq(mbox_dev_event(dev, &ev), -EFAULT);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_ERROR);
	cr_assert_eq(e.code, MBOX_ERR_RXB_DMA);
	cr_assert_eq(e.detail, 7, "the buffer's id, so the driver gets it back");
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY);
}

Test(mbox_dev, flow_end_aged_and_error_events)
{
	struct mbox_event fe = { .type = MBOX_EV_FLOW_END, .reason = MBOX_FLOW_RST,
				 .in_ppid = 1, .entry = 17 };
	struct mbox_event ag = { .type = MBOX_EV_AGED, .entry = 5, .last_hit = 123456 };
	struct mbox_event er = { .type = MBOX_EV_ERROR, .code = 0x100, .detail = 42 };
	struct mbox_event bad = { .type = MBOX_EV_COUNT };
	struct mbox_event badmiss = { .type = MBOX_EV_MISS, .caplen = 10, .len = 5 };
	struct mbox_evt e;

	start(4, 4, 8, 4);
	cr_assert_eq(mbox_dev_event(dev, &fe), 0);
	cr_assert_eq(mbox_dev_event(dev, &ag), 0);
	cr_assert_eq(mbox_dev_event(dev, &er), 0);
	cr_assert_eq(mbox_dev_event(dev, &bad), -EINVAL);
	cr_assert_eq(mbox_dev_event(dev, &badmiss), -EINVAL);
	cr_assert_eq(mbox_dev_stats(dev)->bad_events, 2);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_FLOW_END);
	cr_assert_eq(e.reason, MBOX_FLOW_RST);
	cr_assert_eq(e.entry, 17);
	cr_assert_eq(e.in_ppid, 1);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_AGED);
	cr_assert_eq(e.last_hit, 123456);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.code, 0x100);
	cr_assert_eq(e.detail, 42);
	cr_assert_not(take_evt(&e));
}

/* ---- interrupts ---------------------------------------------------------- */

Test(mbox_dev, interrupts_follow_enable_and_moderation)
{
	struct mbox_cpl c;

	start(16, 16, 4, 4);
	run1(map_set(1, 1));
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 0, "disabled: polling");
	put(map_set(1, 2));
	doorbell(MBOX_RING_CMD, cmd_tail);
	service();
	reg(MBOX_REG_IRQ_ENABLE, 1u << MBOX_IRQ_CPL);
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 1, "enabling with an entry waiting fires");
	cr_assert(take(&c));
	doorbell(MBOX_RING_CPL, cpl_head);
	cr_assert_eq(mbox_dev_irq_pending(dev, MBOX_IRQ_CPL), 0);
	reg(MBOX_REG_IRQ_COUNT(MBOX_IRQ_CPL), 4);
	for (unsigned i = 0; i < 10; i++)
		put(map_set(1, i % 4));
	doorbell(MBOX_RING_CMD, cmd_tail);
	service();
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 3, "one per 4 completions");
	cr_assert_eq(mbox_dev_irq_pending(dev, MBOX_IRQ_CPL), 2);
	mbox_dev_irq_flush(dev, MBOX_IRQ_CPL);
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 4, "the holdoff's end fires the rest");
	mbox_dev_irq_flush(dev, MBOX_IRQ_CPL);
	cr_assert_eq(irqs[MBOX_IRQ_CPL], 4, "nothing pending, nothing fired");
	cr_assert_eq(irqs[MBOX_IRQ_EVT], 0);
}

/* ---- random descriptors -------------------------------------------------- */

/* Random bytes, shaped often enough to reach past the header checks: a
 * known op, zeroed reserved bytes, an address in host memory. */
static void random_desc(uint8_t *d, uint64_t *s)
{
	uint64_t r = mem_rand(s);
	unsigned keep = 8 + (unsigned)(mem_rand(s) % (MBOX_DESC_BYTES - 8));

	for (unsigned i = 0; i < MBOX_DESC_BYTES; i += 8) {
		uint64_t w = mem_rand(s);

		memcpy(d + i, &w, 8);
	}
	if (r & 1)
		d[0] = (uint8_t)(1 + (r >> 8) % (NIC_OP_END - 1));
	if (r & 2)
		memset(d + 1, 0, 3);
	if (r & 4)
		memset(d + keep, 0, MBOX_DESC_BYTES - keep);
	if (r & 8) {
		uint64_t a = DATA_AT + (r >> 16) % 0x8000;

		memcpy(d + 16, &a, 8);     /* little-endian host */
	}
	if (r & 16)
		d[12] = KB, d[13] = d[14] = d[15] = 0;
}

Test(mbox_dev, random_descriptors_all_complete, .timeout = 120)
{
	enum { N = 100000, RING = 256 };
	uint8_t raw[MBOX_DESC_BYTES];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct mbox_cpl c;
	unsigned done = 0, ok = 0;

	start(RING, RING, 4, 4);
	while (done < N) {
		unsigned batch = 1 + (unsigned)(mem_rand(&seed) % RING);

		for (unsigned i = 0; i < batch && done + i < N; i++) {
			random_desc(raw, &seed);
			for (unsigned b = 0; b < 4; b++)   /* the tag: ring order */
				raw[4 + b] = (uint8_t)(cmd_tail >> (8 * b));
			put_raw(raw);
		}
		doorbell(MBOX_RING_CMD, cmd_tail);
		cr_assert_eq(service().wait, MBOX_DEV_IDLE);
		while (take(&c)) {
			done++;
			ok += c.status == MBOX_OK;
		}
		doorbell(MBOX_RING_CPL, cpl_head);
	}
	cr_assert_eq(done, N);
	cr_assert_eq(rd(MBOX_REG_CMD_DONE), N);
	cr_assert_eq(rd(MBOX_REG_STATUS), MBOX_STATUS_READY);
	cr_assert_gt(ok, 0, "some random descriptors were good ones");
	cr_assert_gt(mbox_dev_stats(dev)->errors[MBOX_ERR_REFUSED], 0,
		     "some reached the NIC and were refused there");
}

/* ---- the ordering guarantee: marker and release ---------------------------- */

#include "tests/model/frames.h"

static uint32_t udp_to(uint8_t *f, uint16_t dport, uint8_t seq)
{
	return fb_udp64(f, 1000, dport, seq);
}

static struct mbox_desc release_of(uint32_t index, uint16_t vpid)
{
	struct mbox_desc m = { .cmd.op = NIC_OP_ACTION_WRITE };
	struct pnic_action a = { .kind = ACT_FORWARD, .vpid = vpid };

	m.cmd.action.index = index;
	action_pack(&a, &m.cmd.action.action);
	return m;
}

Test(mbox_dev, a_landed_marker_has_its_layout)
{
	struct mbox_event ev = { .type = MBOX_EV_LANDED, .entry = 7, .gen = 0x01020304 };
	struct mbox_evt e;
	const uint8_t *s;

	start(4, 4, 4, 4);
	cr_assert_eq(mbox_dev_event(dev, &ev), 0);
	s = mem_at(&mem, EVT_AT);
	cr_assert_eq(s[0], 5, "type 5: LANDED");
	cr_assert_eq(s[8], 7, "bytes 8..11: the entry");
	cr_assert_eq(s[12] | s[13] << 8 | s[14] << 16 | (uint32_t)s[15] << 24, 0x01020304u,
		     "bytes 12..15: the write generation");
	for (unsigned i = 16; i < MBOX_EVT_BYTES - 1; i++)
		cr_assert_eq(s[i], 0, "byte %u", i);
	cr_assert(take_evt(&e));
	cr_assert_eq(e.type, MBOX_EV_LANDED);
	cr_assert_eq(e.entry, 7);
	cr_assert_eq(e.gen, 0x01020304u);
	cr_assert_eq(e.buf_id, 0);
	cr_assert_eq(mbox_dev_stats(dev)->events[MBOX_EV_LANDED], 1);
}

/* Held packets wait through malformed releases (error completions, no
 * change) and leave, in order, on the good one. */
Test(mbox_dev, a_malformed_release_is_refused_and_releases_nothing)
{
	struct mbox_desc hold = entry(9, 53, 1), bad;
	struct pnic_action a;
	struct mbox_cpl c;
	uint8_t f[64];

	start(8, 8, 4, 4);
	cr_assert_eq(run1(map_set(1, 2)).status, MBOX_OK);
	action_unpack(&hold.cmd.entry.action, &a);
	a.hold = true;
	action_pack(&a, &hold.cmd.entry.action);
	cr_assert_eq(run1(hold).status, MBOX_OK);
	for (uint8_t k = 1; k <= 2; k++) {
		uint32_t n = udp_to(f, 53, k);

		nic_process(nic, 0, f, n, n, 100 + k);
	}
	cr_assert_eq(outs, 2, "two outputs: both into the hold buffer");
	cr_assert_eq(datapath_held(nic_datapath(nic), 9), 2);
	outs = 0;

	bad = release_of(DEPTH, 1);              /* no such entry */
	c = run1(bad);
	cr_assert_eq(c.status, MBOX_ERR_REFUSED);
	cr_assert_eq(c.err_no, ERANGE);
	bad = release_of(9, 1);                  /* a word past bit 75 */
	bad.cmd.action.action.w[1] |= 1ull << (ACTION_WORD_BITS - 64);
	c = run1(bad);
	cr_assert_eq(c.status, MBOX_ERR_ACTION);
	cr_assert_eq(datapath_held(nic_datapath(nic), 9), 2, "nothing released");
	cr_assert_eq(outs, 0);
	cr_assert_eq(mbox_dev_stats(dev)->errors[MBOX_ERR_REFUSED], 1);

	c = run1(release_of(9, 1));
	cr_assert_eq(c.status, MBOX_OK);
	cr_assert_eq(outs, 2, "released");
	cr_assert_eq(out_frame[60], 2, "the second arrival left last");
	cr_assert_eq(out_ppid, 2);
	cr_assert_eq(datapath_held(nic_datapath(nic), 9), 0);
}
