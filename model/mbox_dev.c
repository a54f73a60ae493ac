/* Mailbox device: registers, doorbells, the command path and the event
 * path (see mbox_dev.h). */
#include "model/mbox_dev.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One ring: what the driver programmed and the two free-running counts.
 * Producer rings (CMD, RXB): db is the driver's tail, dev the device's
 * head.  Consumer rings (CPL, EVT): dev is the device's tail, db the
 * driver's head. */
struct ring {
	uint64_t base;
	uint32_t size;
	uint32_t db;
	uint32_t dev;
};

struct mbox_dev {
	struct mbox_dev_params p;
	struct ring ring[MBOX_RING_COUNT];
	uint32_t ctrl;
	bool ready, failed;
	uint32_t err_code, err_info;
	uint32_t irq_enable;
	uint32_t irq_count[MBOX_IRQ_VECTORS];
	uint32_t irq_usecs[MBOX_IRQ_VECTORS];
	uint32_t irq_pending[MBOX_IRQ_VECTORS];
	uint32_t evt_seq;
	uint32_t ctl_seq;               /* events without a packet meant */
	/* The command in hand: fetched, decoded, its completion begun; kept
	 * across calls while the sink says -EBUSY. */
	bool held;
	uint8_t slot[MBOX_DESC_BYTES];
	struct mbox_desc desc;
	struct mbox_cpl cpl;
	/* Scratch for the commands that carry data: allocated once. */
	uint8_t *frame;                 /* NIC_PACKET_OUT_MAX_LEN */
	struct flow_counter *ctr;       /* MBOX_COUNTER_READ_MAX */
	uint8_t *ctr_wire;              /* MBOX_COUNTER_READ_MAX records */
	struct mbox_dev_stats st;
	struct pnic_error last;
};

static const bool driver_produces[MBOX_RING_COUNT] = {
	[MBOX_RING_CMD] = true, [MBOX_RING_RXB] = true,
};

int mbox_dev_create(const struct mbox_dev_params *p, struct mbox_dev **out,
		    struct pnic_error *err)
{
	uint32_t max = p->ring_max ? p->ring_max : MBOX_RING_MAX_ENTRIES;
	struct mbox_dev *d;

	*out = NULL;
	if (!p->sink.submit || !p->dma_read || !p->dma_write)
		return pnic_err(err, EINVAL,
				"a mailbox device needs a command sink and both DMA callbacks");
	if (p->key_bits == 0 || p->key_bits > PNIC_KEY_MAX_BITS)
		return pnic_err(err, EINVAL, "key width %u is not 1..%u",
				p->key_bits, PNIC_KEY_MAX_BITS);
	if (!mbox_ring_size_ok(max, MBOX_RING_MAX_ENTRIES))
		return pnic_err(err, EINVAL,
				"largest ring %u is not a power of two in %u..%u",
				max, MBOX_RING_MIN_ENTRIES, MBOX_RING_MAX_ENTRIES);
	d = calloc(1, sizeof *d);
	if (!d)
		goto no_memory;
	d->p = *p;
	d->p.ring_max = max;
	d->frame = malloc(NIC_PACKET_OUT_MAX_LEN);
	d->ctr = calloc(MBOX_COUNTER_READ_MAX, sizeof *d->ctr);
	d->ctr_wire = malloc(MBOX_COUNTER_READ_MAX * MBOX_CTR_BYTES);
	if (!d->frame || !d->ctr || !d->ctr_wire)
		goto free_dev;
	*out = d;
	return 0;

free_dev:
	mbox_dev_destroy(d);
no_memory:
	return pnic_err(err, ENOMEM, "out of memory for a mailbox device");
}

void mbox_dev_destroy(struct mbox_dev *d)
{
	if (!d)
		return;
	free(d->frame);
	free(d->ctr);
	free(d->ctr_wire);
	free(d);
}

/* ---- DMA, interrupts, errors --------------------------------------------- */

static int dma_r(struct mbox_dev *d, uint64_t addr, void *buf, uint32_t len)
{
	int rc = d->p.dma_read(d->p.ctx, addr, buf, len);

	d->st.dma_reads++;
	if (!rc)
		d->st.dma_read_bytes += len;
	return rc;
}

static int dma_w(struct mbox_dev *d, uint64_t addr, const void *buf,
		 uint32_t len)
{
	int rc = d->p.dma_write(d->p.ctx, addr, buf, len);

	d->st.dma_writes++;
	if (!rc)
		d->st.dma_write_bytes += len;
	return rc;
}

static uint64_t slot_addr(const struct mbox_dev *d, enum mbox_ring r,
			  uint32_t count)
{
	const struct ring *g = &d->ring[r];

	return g->base + (uint64_t)(count & (g->size - 1)) * mbox_slot_bytes(r);
}

static void fire(struct mbox_dev *d, unsigned v)
{
	d->irq_pending[v] = 0;
	d->st.irqs[v]++;
	if (d->p.irq)
		d->p.irq(d->p.ctx, v);
}

static bool irq_on(const struct mbox_dev *d, unsigned v)
{
	return d->irq_enable >> v & 1u;
}

/* An entry was written on vector v's ring: interrupt once the moderation
 * count is reached (a count of 0 behaves as 1). */
static void produced(struct mbox_dev *d, unsigned v)
{
	uint32_t count = d->irq_count[v] ? d->irq_count[v] : 1;

	if (d->irq_pending[v] < UINT32_MAX)
		d->irq_pending[v]++;
	if (irq_on(d, v) && d->irq_pending[v] >= count)
		fire(d, v);
}

static void note(struct mbox_dev *d, enum mbox_err code,
		 const char *what, uint32_t info)
{
	d->st.errors[code]++;
	pnic_err(&d->last, mbox_err_errno(code), "mailbox: %s (%s %u)",
		 mbox_err_name(code), what, info);
}

/* ---- events -------------------------------------------------------------- */

static bool evt_full(const struct mbox_dev *d)
{
	const struct ring *q = &d->ring[MBOX_RING_EVT];

	return q->dev - q->db >= q->size;
}

/* Whether only half the event ring is free: that half is kept for the
 * events without a packet (landed markers, flow ends, aged), so that a
 * miss storm does not cost the host the ones it cannot recover.  Half,
 * because under a sustained storm every miss the host takes can come
 * back as a marker: markers then enter as fast as misses leave, and
 * take up to as much room as the misses ahead of them (an eighth lost
 * markers on the table flood). */
static bool evt_kept(const struct mbox_dev *d)
{
	const struct ring *q = &d->ring[MBOX_RING_EVT];

	return q->size - (q->dev - q->db) <= q->size / 2;
}

static int write_evt(struct mbox_dev *d, struct mbox_evt *e);

/* The device's own error event: posted if there is room (else dropped and
 * counted like any other event). */
static void post_error(struct mbox_dev *d, enum mbox_err code, uint32_t detail)
{
	struct mbox_evt e = { .type = MBOX_EV_ERROR, .code = code,
			      .detail = detail, .seq = d->evt_seq++,
			      .ctl_seq = d->ctl_seq++ };

	if (evt_full(d)) {
		d->st.event_drops[MBOX_EV_ERROR]++;
		return;
	}
	write_evt(d, &e);
}

/* A ring's DMA failed: stop, say why (register, event when the event
 * ring is not the one at fault, interrupt).  Always -EIO. */
static int fatal(struct mbox_dev *d, enum mbox_ring r)
{
	if (d->failed)
		return -EIO;
	d->failed = true;
	d->err_code = MBOX_ERR_RING_DMA;
	d->err_info = r;
	note(d, MBOX_ERR_RING_DMA, "ring", r);
	if (r != MBOX_RING_EVT)
		post_error(d, MBOX_ERR_RING_DMA, r);
	d->ready = false;
	d->held = false;
	if (irq_on(d, MBOX_IRQ_EVT))
		fire(d, MBOX_IRQ_EVT);
	return -EIO;
}

static int write_evt(struct mbox_dev *d, struct mbox_evt *e)
{
	struct ring *q = &d->ring[MBOX_RING_EVT];
	uint8_t buf[MBOX_EVT_BYTES];

	e->phase = mbox_phase(q->dev, q->size);
	mbox_evt_encode(e, buf);
	if (dma_w(d, slot_addr(d, MBOX_RING_EVT, q->dev), buf, sizeof buf))
		return fatal(d, MBOX_RING_EVT);
	q->dev++;
	d->st.events[e->type]++;
	produced(d, MBOX_IRQ_EVT);
	return 0;
}

static bool event_ok(const struct mbox_event *ev)
{
	if (ev->type == MBOX_EV_NONE || ev->type >= MBOX_EV_COUNT)
		return false;
	if (ev->type != MBOX_EV_MISS)
		return true;
	return ev->caplen <= ev->len && (ev->frame || !ev->caplen) &&
	       ev->key_bits <= PNIC_KEY_MAX_BITS;
}

/* A miss: its frame into the next receive buffer, then the event. */
static int post_miss(struct mbox_dev *d, const struct mbox_event *ev,
		     struct mbox_evt *e)
{
	struct ring *b = &d->ring[MBOX_RING_RXB];
	uint8_t raw[MBOX_RXD_BYTES];
	struct mbox_rxd rxd;

	if (b->db == b->dev) {
		d->st.rxb_drops++;
		return -ENOBUFS;
	}
	if (dma_r(d, slot_addr(d, MBOX_RING_RXB, b->dev), raw, sizeof raw))
		return fatal(d, MBOX_RING_RXB);
	b->dev++;
	mbox_rxd_decode(raw, &rxd);
	e->caplen = ev->caplen < rxd.len ? ev->caplen : rxd.len;
	if (e->caplen && dma_w(d, rxd.addr, ev->frame, e->caplen)) {
		note(d, MBOX_ERR_RXB_DMA, "buffer", rxd.id);
		post_error(d, MBOX_ERR_RXB_DMA, rxd.id);
		return -EFAULT;
	}
	d->st.truncated += e->caplen < ev->caplen;
	e->buf_id = rxd.id;
	e->len = ev->len;
	e->key_bits = ev->key_bits;
	e->key = ev->key;
	return write_evt(d, e);
}

int mbox_dev_event(struct mbox_dev *d, const struct mbox_event *ev)
{
	struct mbox_evt e;

	if (!event_ok(ev)) {
		d->st.bad_events++;
		return -EINVAL;
	}
	if (!d->ready) {
		d->st.off_drops++;
		return -ENODEV;
	}
	e = (struct mbox_evt){ .type = ev->type, .reason = ev->reason,
			       .in_ppid = ev->in_ppid, .seq = d->evt_seq++,
			       .entry = ev->entry, .last_hit = ev->last_hit,
			       .gen = ev->gen, .code = ev->code, .detail = ev->detail,
			       .ctl_seq = d->ctl_seq };
	d->ctl_seq += ev->type != MBOX_EV_MISS;
	if (evt_full(d) || (ev->type == MBOX_EV_MISS && evt_kept(d))) {
		d->st.event_drops[ev->type]++;
		return -ENOSPC;
	}
	if (ev->type == MBOX_EV_MISS)
		return post_miss(d, ev, &e);
	return write_evt(d, &e);
}

uint32_t mbox_dev_next_seq(const struct mbox_dev *d)
{
	return d->evt_seq;
}

bool mbox_dev_event_room(const struct mbox_dev *d)
{
	return !d->ready || !evt_full(d);
}

void mbox_dev_events_lost(struct mbox_dev *d, uint32_t n)
{
	d->evt_seq += n;
	d->ctl_seq += n;
}

/* ---- commands ------------------------------------------------------------ */

static void fail(struct mbox_dev *d, enum mbox_err code, int err_no,
		 uint16_t at)
{
	d->cpl.status = (uint8_t)code;
	d->cpl.err_no = (uint8_t)(err_no > 255 ? 255 : err_no);
	d->cpl.detail = at;
}

/* Decode the fetched slot and fetch what the command points at. */
static void begin(struct mbox_dev *d)
{
	struct mbox_desc *m = &d->desc;
	enum mbox_err e;
	uint16_t at;

	e = mbox_desc_decode(d->slot, d->p.key_bits, m, &at, &d->last);
	d->cpl = (struct mbox_cpl){ .tag = m->tag, .op = d->slot[0] };
	if (e) {
		fail(d, e, mbox_err_errno(e), at);
		return;
	}
	if (m->cmd.op == NIC_OP_COUNTER_READ)
		m->cmd.counters.out = d->ctr;
	if (m->cmd.op != NIC_OP_PACKET_OUT)
		return;
	if (dma_r(d, m->addr, d->frame, m->cmd.packet.len)) {
		pnic_err(&d->last, EFAULT,
			 "packet_out: frame at 0x%llx is outside host memory",
			 (unsigned long long)m->addr);
		fail(d, MBOX_ERR_DMA, EFAULT, MBOX_DESC_PKT_ADDR_OFF);
		return;
	}
	m->cmd.packet.frame = d->frame;
}

static void write_counters(struct mbox_dev *d, uint32_t count)
{
	const struct mbox_desc *m = &d->desc;

	if (count > m->cmd.counters.count)
		count = m->cmd.counters.count;
	for (uint32_t i = 0; i < count; i++)
		mbox_ctr_encode(&d->ctr[i], d->ctr_wire + i * MBOX_CTR_BYTES);
	if (dma_w(d, m->addr, d->ctr_wire, count * MBOX_CTR_BYTES)) {
		pnic_err(&d->last, EFAULT,
			 "counter_read: results at 0x%llx are outside host memory",
			 (unsigned long long)m->addr);
		fail(d, MBOX_ERR_DMA, EFAULT, MBOX_DESC_CTR_ADDR_OFF);
		return;
	}
	d->cpl.count = count;
}

/* Hand the command to the NIC: 0, or -EBUSY with nothing applied. */
static int submit(struct mbox_dev *d)
{
	struct nic_cmd_result res = { 0, 0 };
	struct pnic_error err;
	int rc;

	err.msg[0] = '\0';
	rc = nic_cmd_submit(&d->p.sink, &d->desc.cmd, &res, &err);
	if (rc == -EBUSY)
		return rc;
	if (rc) {
		pnic_err(&d->last, -rc, "%s", err.msg);
		fail(d, MBOX_ERR_REFUSED, -rc, 0);
	} else if (d->desc.cmd.op == NIC_OP_COUNTER_READ) {
		write_counters(d, res.count);
	}
	return 0;
}

static int complete(struct mbox_dev *d)
{
	struct ring *q = &d->ring[MBOX_RING_CPL];
	uint8_t buf[MBOX_CPL_BYTES];
	uint8_t op = d->cpl.op;

	d->cpl.phase = mbox_phase(q->dev, q->size);
	mbox_cpl_encode(&d->cpl, buf);
	if (dma_w(d, slot_addr(d, MBOX_RING_CPL, q->dev), buf, sizeof buf))
		return fatal(d, MBOX_RING_CPL);
	q->dev++;
	d->ring[MBOX_RING_CMD].dev++;
	d->st.commands[op < NIC_OP_END ? op : 0]++;
	if (d->cpl.status)
		d->st.errors[d->cpl.status]++;
	produced(d, MBOX_IRQ_CPL);
	return 0;
}

/* One command from fetch to completion: 0, -EBUSY (kept for later) or
 * -EIO (a ring fault stopped the device). */
static int run_one(struct mbox_dev *d)
{
	struct ring *g = &d->ring[MBOX_RING_CMD];

	if (!d->held) {
		if (dma_r(d, slot_addr(d, MBOX_RING_CMD, g->dev), d->slot,
			  MBOX_DESC_BYTES))
			return fatal(d, MBOX_RING_CMD);
		d->held = true;
		begin(d);
	}
	if (d->cpl.status == MBOX_OK && submit(d) == -EBUSY) {
		d->st.busy_stalls++;
		return -EBUSY;
	}
	d->held = false;
	return complete(d);
}

static bool cpl_full(const struct mbox_dev *d)
{
	const struct ring *q = &d->ring[MBOX_RING_CPL];

	return q->dev - q->db >= q->size;
}

static enum mbox_dev_wait next_wait(struct mbox_dev *d)
{
	const struct ring *g = &d->ring[MBOX_RING_CMD];

	if (!d->ready)
		return MBOX_DEV_OFF;
	if (g->dev == g->db)
		return MBOX_DEV_IDLE;
	if (cpl_full(d)) {
		d->st.cpl_full_stalls++;
		return MBOX_DEV_CPL_FULL;
	}
	return MBOX_DEV_MORE;
}

struct mbox_dev_progress mbox_dev_service(struct mbox_dev *d, unsigned budget)
{
	struct mbox_dev_progress pr = { 0, MBOX_DEV_IDLE };
	int rc;

	for (;;) {
		pr.wait = next_wait(d);
		if (pr.wait != MBOX_DEV_MORE || pr.done == budget)
			break;
		rc = run_one(d);
		if (rc) {
			pr.wait = rc == -EBUSY ? MBOX_DEV_BUSY : MBOX_DEV_OFF;
			break;
		}
		pr.done++;
	}
	return pr;
}

/* ---- registers ----------------------------------------------------------- */

/* Back to the reset state: counts zero, no error, nothing held.  The ring
 * bases and sizes and the interrupt settings stay programmed. */
static void reset(struct mbox_dev *d)
{
	for (unsigned r = 0; r < MBOX_RING_COUNT; r++)
		d->ring[r].db = d->ring[r].dev = 0;
	d->ready = d->failed = d->held = false;
	d->err_code = d->err_info = 0;
	d->evt_seq = 0;
	d->ctl_seq = 0;
	memset(d->irq_pending, 0, sizeof d->irq_pending);
}

static void enable(struct mbox_dev *d)
{
	for (unsigned r = 0; r < MBOX_RING_COUNT; r++) {
		enum mbox_err e = MBOX_OK;

		if (!mbox_ring_size_ok(d->ring[r].size, d->p.ring_max))
			e = MBOX_ERR_RING_SIZE;
		else if (d->ring[r].base % MBOX_RING_ALIGN)
			e = MBOX_ERR_RING_ALIGN;
		if (e) {
			d->failed = true;
			d->err_code = e;
			d->err_info = r;
			note(d, e, "ring", r);
			return;
		}
	}
	d->ready = true;
}

static void write_ctrl(struct mbox_dev *d, uint32_t value)
{
	bool on = value & MBOX_CTRL_ENABLE;

	if (!on)
		reset(d);
	else if (!(d->ctrl & MBOX_CTRL_ENABLE))
		enable(d);
	d->ctrl = value & MBOX_CTRL_ENABLE;
}

/* Entries the driver has not acknowledged on vector v's ring. */
static bool unacked(const struct mbox_dev *d, unsigned v)
{
	const struct ring *q = &d->ring[v == MBOX_IRQ_CPL ? MBOX_RING_CPL
							  : MBOX_RING_EVT];

	return q->dev != q->db;
}

/* Enabling a vector with entries waiting interrupts at once, so that a
 * driver that polls, then re-enables, cannot miss an entry written in
 * between. */
static void write_irq_enable(struct mbox_dev *d, uint32_t value)
{
	uint32_t rising = value & ~d->irq_enable;

	d->irq_enable = value & ((1u << MBOX_IRQ_VECTORS) - 1);
	for (unsigned v = 0; v < MBOX_IRQ_VECTORS; v++)
		if ((rising >> v & 1u) && d->ready && unacked(d, v))
			fire(d, v);
}

/* A doorbell moves the driver's count forward by at most what the ring
 * allows: a producer's tail to head + size, a consumer's head to the
 * device's tail.  A value behind the count arrived late and is ignored. */
static void doorbell(struct mbox_dev *d, enum mbox_ring r, uint32_t value)
{
	struct ring *g = &d->ring[r];
	uint32_t ahead = value - g->db;
	uint32_t room = driver_produces[r] ? g->size - (g->db - g->dev)
					   : g->dev - g->db;

	d->st.doorbells++;
	if (!d->ready || ahead == 0)
		return;
	if (ahead > INT32_MAX) {
		d->st.stale_doorbells++;
		return;
	}
	if (ahead > room) {
		d->st.bad_doorbells++;
		note(d, MBOX_ERR_DOORBELL, "ring", r);
		post_error(d, MBOX_ERR_DOORBELL, r);
		return;
	}
	g->db = value;
	if (!driver_produces[r] && g->db == g->dev)
		d->irq_pending[r == MBOX_RING_CPL ? MBOX_IRQ_CPL : MBOX_IRQ_EVT] = 0;
}

static void write_ring(struct mbox_dev *d, enum mbox_ring r, uint32_t reg,
		       uint32_t value)
{
	struct ring *g = &d->ring[r];
	bool programmable = !(d->ctrl & MBOX_CTRL_ENABLE);

	if (reg == MBOX_RING_DOORBELL)
		doorbell(d, r, value);
	else if (reg == MBOX_RING_BASE_LO && programmable)
		g->base = (g->base & ~0xffffffffull) | value;
	else if (reg == MBOX_RING_BASE_HI && programmable)
		g->base = (g->base & 0xffffffffull) | (uint64_t)value << 32;
	else if (reg == MBOX_RING_SIZE && programmable)
		g->size = value;
}

/* IRQ_COUNT(v) and IRQ_USECS(v), or NULL for another offset. */
static uint32_t *irq_reg(struct mbox_dev *d, uint32_t off)
{
	uint32_t v = (off - MBOX_REG_IRQ_COUNT(0)) / 8;

	if (off < MBOX_REG_IRQ_COUNT(0) || v >= MBOX_IRQ_VECTORS || off % 4)
		return NULL;
	return off == MBOX_REG_IRQ_COUNT(v) ? &d->irq_count[v]
					    : &d->irq_usecs[v];
}

static bool ring_reg(uint32_t off, enum mbox_ring *r, uint32_t *reg)
{
	if (off < MBOX_REG_RING(0) || off >= MBOX_REG_RING(MBOX_RING_COUNT))
		return false;
	*r = (enum mbox_ring)((off - MBOX_REG_RING(0)) / 0x20u);
	*reg = (off - MBOX_REG_RING(0)) % 0x20u;
	return true;
}

void mbox_dev_bar_write(struct mbox_dev *d, uint32_t off, uint32_t value)
{
	uint32_t *irq = irq_reg(d, off);
	enum mbox_ring r;
	uint32_t reg;

	d->st.bar_writes++;
	if (ring_reg(off, &r, &reg))
		write_ring(d, r, reg, value);
	else if (off == MBOX_REG_CTRL)
		write_ctrl(d, value);
	else if (off == MBOX_REG_IRQ_ENABLE)
		write_irq_enable(d, value);
	else if (irq)
		*irq = value;
}

static uint32_t read_ring(const struct mbox_dev *d, enum mbox_ring r,
			  uint32_t reg)
{
	const struct ring *g = &d->ring[r];

	switch (reg) {
	case MBOX_RING_BASE_LO:
		return (uint32_t)g->base;
	case MBOX_RING_BASE_HI:
		return (uint32_t)(g->base >> 32);
	case MBOX_RING_SIZE:
		return g->size;
	case MBOX_RING_DOORBELL:
		return g->db;
	case MBOX_RING_DEV_PTR:
		return g->dev;
	default:
		return 0;
	}
}

static uint32_t status(const struct mbox_dev *d)
{
	const struct ring *g = &d->ring[MBOX_RING_CMD];
	uint32_t s = 0;

	if (d->ready)
		s |= MBOX_STATUS_READY;
	if (d->failed)
		s |= MBOX_STATUS_ERROR;
	if (d->held)
		s |= MBOX_STATUS_BUSY;
	if (d->ready && g->dev != g->db && cpl_full(d))
		s |= MBOX_STATUS_CPL_FULL;
	return s;
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t s = 0;

	for (unsigned i = 0; i < n; i++)
		s += v[i];
	return s;
}

static uint32_t read_stat(const struct mbox_dev *d, uint32_t off)
{
	const struct mbox_dev_stats *st = &d->st;

	switch (off) {
	case MBOX_REG_CMD_DONE:
		return (uint32_t)sum(st->commands, NIC_OP_END);
	case MBOX_REG_CMD_ERRORS:
		return (uint32_t)sum(st->errors, MBOX_ERR_REFUSED + 1);
	case MBOX_REG_EVT_DROPS:
		return (uint32_t)sum(st->event_drops, MBOX_EV_COUNT);
	case MBOX_REG_RXB_DROPS:
		return (uint32_t)st->rxb_drops;
	case MBOX_REG_DB_STALE:
		return (uint32_t)st->stale_doorbells;
	default:
		return 0;
	}
}

static uint32_t read_ctl(const struct mbox_dev *d, uint32_t off)
{
	switch (off) {
	case MBOX_REG_ID:
		return MBOX_ID;
	case MBOX_REG_VERSION:
		return MBOX_VERSION;
	case MBOX_REG_CTRL:
		return d->ctrl;
	case MBOX_REG_STATUS:
		return status(d);
	case MBOX_REG_ERR_CODE:
		return d->err_code;
	case MBOX_REG_ERR_INFO:
		return d->err_info;
	case MBOX_REG_KEY_BITS:
		return d->p.key_bits;
	case MBOX_REG_RING_MAX:
		return d->p.ring_max;
	case MBOX_REG_CTR_MAX:
		return MBOX_COUNTER_READ_MAX;
	case MBOX_REG_IRQ_ENABLE:
		return d->irq_enable;
	default:
		return read_stat(d, off);
	}
}

uint32_t mbox_dev_bar_read(struct mbox_dev *d, uint32_t off)
{
	uint32_t *irq = irq_reg(d, off);
	enum mbox_ring r;
	uint32_t reg;

	d->st.bar_reads++;
	if (ring_reg(off, &r, &reg))
		return read_ring(d, r, reg);
	if (irq)
		return *irq;
	return read_ctl(d, off);
}

/* ---- moderation, stats --------------------------------------------------- */

uint32_t mbox_dev_irq_pending(const struct mbox_dev *d, unsigned v)
{
	return v < MBOX_IRQ_VECTORS ? d->irq_pending[v] : 0;
}

void mbox_dev_irq_flush(struct mbox_dev *d, unsigned v)
{
	if (v < MBOX_IRQ_VECTORS && irq_on(d, v) && d->irq_pending[v])
		fire(d, v);
}

const struct mbox_dev_stats *mbox_dev_stats(const struct mbox_dev *d)
{
	return &d->st;
}

const char *mbox_dev_last_error(const struct mbox_dev *d)
{
	return d->last.msg;
}
