/* Mailbox driver: memory carving, posting, completions, events, the
 * synchronous sink (see mbox_drv.h). */
#include "host/mbox_drv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEF_CMD      64u
#define DEF_CPL      64u
#define DEF_EVT     256u
#define DEF_RXB     256u
#define DEF_RX_BUF 2048u
#define DEF_PKT      16u
#define DEF_CTR       2u
#define DEF_WAITS 1000000u
#define MAX_BUFS   4096u     /* per pool */
/* Buffers are cache-line multiples, like the rings. */
#define PKT_BUF_BYTES ((NIC_PACKET_OUT_MAX_LEN + 63u) & ~63u)
#define CTR_BUF_BYTES (MBOX_COUNTER_READ_MAX * MBOX_CTR_BYTES)

/* The regions carved from host memory, in this order. */
enum region {
	R_CMD, R_CPL, R_EVT, R_RXD,      /* the rings (enum mbox_ring order) */
	R_RX, R_PKT, R_CTR,              /* receive, packet-out, counter buffers */
	R_COUNT
};

/* What the driver remembers of a posted command until it completes. */
struct slot {
	uint64_t cookie;
	uint32_t op;
	uint32_t buf;                    /* its packet-out or counter buffer */
	struct flow_counter *out;        /* COUNTER_READ */
	uint32_t count;
	bool sync;                       /* posted by the sink */
};

/* A pool of equal buffers: a stack of free indices. */
struct pool {
	uint32_t *free;
	uint32_t n_free;
};

struct mbox_drv {
	struct mbox_drv_params p;        /* defaults applied */
	size_t at[R_COUNT];              /* byte offset of each region */
	uint32_t key_bits;               /* the device's, read at create */
	uint32_t cmd_tail, cmd_done, cmd_rung;
	uint32_t cpl_head, evt_head, rxb_tail;
	uint32_t evt_seq;                /* the seq the next event should have */
	uint32_t ctl_seq;                /* ... and its ctl_seq */
	uint32_t async;                  /* posted by mbox_drv_post, in flight */
	struct slot *slots;              /* cmd_entries */
	struct pool pkt, ctr;
	uint32_t *rx_back;               /* buffers to lend again */
	uint32_t n_rx_back;
	bool *lent;                      /* receive buffer i is the device's */
	bool sync_done;
	struct mbox_completion sync_cpl;
	struct mbox_drv_stats st;
};

/* ---- registers ----------------------------------------------------------- */

static void reg_w(struct mbox_drv *drv, uint32_t off, uint32_t value)
{
	drv->st.bar_writes++;
	drv->p.bar_write(drv->p.ctx, off, value);
}

static uint32_t reg_r(struct mbox_drv *drv, uint32_t off)
{
	drv->st.bar_reads++;
	return drv->p.bar_read(drv->p.ctx, off);
}

static void ring_w(struct mbox_drv *drv, enum mbox_ring r, uint32_t reg,
		   uint32_t value)
{
	reg_w(drv, MBOX_REG_RING(r) + reg, value);
}

/* ---- geometry ------------------------------------------------------------ */

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

static void apply_defaults(struct mbox_drv_params *p)
{
	p->cmd_entries = or_default(p->cmd_entries, DEF_CMD);
	p->cpl_entries = or_default(p->cpl_entries, DEF_CPL);
	p->evt_entries = or_default(p->evt_entries, DEF_EVT);
	p->rxb_entries = or_default(p->rxb_entries, DEF_RXB);
	p->rx_buf_bytes = or_default(p->rx_buf_bytes, DEF_RX_BUF);
	p->pkt_bufs = or_default(p->pkt_bufs, DEF_PKT);
	p->ctr_bufs = or_default(p->ctr_bufs, DEF_CTR);
	p->wait_max = or_default(p->wait_max, DEF_WAITS);
}

static size_t align64(size_t n)
{
	return (n + 63u) & ~(size_t)63u;
}

static uint32_t entries(const struct mbox_drv_params *p, enum mbox_ring r)
{
	const uint32_t e[MBOX_RING_COUNT] = { p->cmd_entries, p->cpl_entries,
					      p->evt_entries, p->rxb_entries };

	return e[r];
}

/* Offsets of every region; the total, or 0 for counts out of range. */
static size_t carve(const struct mbox_drv_params *p, size_t *at)
{
	size_t bytes[R_COUNT], total = 0;

	for (unsigned r = 0; r < MBOX_RING_COUNT; r++) {
		if (!mbox_ring_size_ok(entries(p, r), MBOX_RING_MAX_ENTRIES))
			return 0;
		bytes[r] = (size_t)entries(p, r) * mbox_slot_bytes(r);
	}
	if (p->pkt_bufs > MAX_BUFS || p->ctr_bufs > MAX_BUFS ||
	    p->rx_buf_bytes > NIC_PACKET_OUT_MAX_LEN + 64u)
		return 0;
	bytes[R_RX] = (size_t)p->rxb_entries * align64(p->rx_buf_bytes);
	bytes[R_PKT] = (size_t)p->pkt_bufs * PKT_BUF_BYTES;
	bytes[R_CTR] = (size_t)p->ctr_bufs * CTR_BUF_BYTES;
	for (unsigned r = 0; r < R_COUNT; r++) {
		at[r] = total;
		total += align64(bytes[r]);
	}
	return total;
}

size_t mbox_drv_mem_bytes(const struct mbox_drv_params *p)
{
	struct mbox_drv_params q = *p;
	size_t at[R_COUNT];

	apply_defaults(&q);
	return carve(&q, at);
}

static uint8_t *mem_at(const struct mbox_drv *drv, enum region r,
		       size_t index, size_t bytes)
{
	return drv->p.mem + drv->at[r] + index * bytes;
}

static uint64_t dma_at(const struct mbox_drv *drv, enum region r,
		       size_t index, size_t bytes)
{
	return drv->p.mem_dma + drv->at[r] + index * bytes;
}

/* ---- create -------------------------------------------------------------- */

static int check_params(const struct mbox_drv_params *p, size_t need,
			struct pnic_error *err)
{
	if (!p->mem || !p->bar_write || !p->bar_read)
		return pnic_err(err, EINVAL,
				"a mailbox driver needs host memory and both register callbacks");
	if (!need)
		return pnic_err(err, EINVAL,
				"ring entries must be powers of two in %u..%u, buffer pools at most %u, receive buffers at most %u bytes",
				MBOX_RING_MIN_ENTRIES, MBOX_RING_MAX_ENTRIES,
				MAX_BUFS, NIC_PACKET_OUT_MAX_LEN + 64u);
	if (p->mem_dma % MBOX_RING_ALIGN)
		return pnic_err(err, EINVAL,
				"host memory at DMA address 0x%llx is not %u-byte aligned",
				(unsigned long long)p->mem_dma, MBOX_RING_ALIGN);
	if (p->mem_bytes < need)
		return pnic_err(err, EINVAL,
				"host memory of %zu bytes; these rings and buffers need %zu",
				p->mem_bytes, need);
	return 0;
}

static int pool_init(struct pool *pl, uint32_t n)
{
	pl->free = calloc(n, sizeof *pl->free);
	if (!pl->free)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		pl->free[i] = n - 1 - i;
	pl->n_free = n;
	return 0;
}

static int alloc_state(struct mbox_drv *drv)
{
	const struct mbox_drv_params *p = &drv->p;

	drv->slots = calloc(p->cmd_entries, sizeof *drv->slots);
	drv->rx_back = calloc(p->rxb_entries, sizeof *drv->rx_back);
	drv->lent = calloc(p->rxb_entries, sizeof *drv->lent);
	if (!drv->slots || !drv->rx_back || !drv->lent ||
	    pool_init(&drv->pkt, p->pkt_bufs) || pool_init(&drv->ctr, p->ctr_bufs))
		return -ENOMEM;
	return 0;
}

/* Check the device is there and takes these rings. */
static int probe(struct mbox_drv *drv, struct pnic_error *err)
{
	uint32_t id = reg_r(drv, MBOX_REG_ID);
	uint32_t max = reg_r(drv, MBOX_REG_RING_MAX);

	if (id != MBOX_ID)
		return pnic_err(err, ENODEV,
				"no mailbox at this BAR: ID reads 0x%08x, expected 0x%08x (PNMB)",
				id, MBOX_ID);
	for (unsigned r = 0; r < MBOX_RING_COUNT; r++)
		if (entries(&drv->p, r) > max)
			return pnic_err(err, EINVAL,
					"ring %u of %u entries: the device takes at most %u",
					r, entries(&drv->p, r), max);
	drv->key_bits = reg_r(drv, MBOX_REG_KEY_BITS);
	return 0;
}

/* Lend receive buffer id to the device (published at the next RXB_TAIL). */
static void lend(struct mbox_drv *drv, uint32_t id)
{
	struct mbox_rxd d = {
		.addr = dma_at(drv, R_RX, id, align64(drv->p.rx_buf_bytes)),
		.len = drv->p.rx_buf_bytes, .id = id,
	};
	uint32_t slot = drv->rxb_tail & (drv->p.rxb_entries - 1);

	mbox_rxd_encode(&d, mem_at(drv, R_RXD, slot, MBOX_RXD_BYTES));
	drv->lent[id] = true;
	drv->rxb_tail++;
}

static int start(struct mbox_drv *drv, struct pnic_error *err)
{
	uint32_t status, code;

	reg_w(drv, MBOX_REG_CTRL, 0);
	for (unsigned r = 0; r < MBOX_RING_COUNT; r++) {
		uint64_t base = dma_at(drv, r, 0, 0);

		ring_w(drv, r, MBOX_RING_BASE_LO, (uint32_t)base);
		ring_w(drv, r, MBOX_RING_BASE_HI, (uint32_t)(base >> 32));
		ring_w(drv, r, MBOX_RING_SIZE, entries(&drv->p, r));
	}
	reg_w(drv, MBOX_REG_CTRL, MBOX_CTRL_ENABLE);
	status = mbox_drv_device_status(drv, &code);
	if (!(status & MBOX_STATUS_READY))
		return pnic_err(err, EIO,
				"the mailbox did not start: STATUS 0x%x, ERR_CODE %u (%s)",
				status, code, mbox_err_name(code));
	for (uint32_t id = 0; id < drv->p.rxb_entries; id++)
		lend(drv, id);
	ring_w(drv, MBOX_RING_RXB, MBOX_RING_DOORBELL, drv->rxb_tail);
	return 0;
}

int mbox_drv_create(const struct mbox_drv_params *p, struct mbox_drv **out,
		    struct pnic_error *err)
{
	struct mbox_drv *drv;
	int rc;

	*out = NULL;
	drv = calloc(1, sizeof *drv);
	if (!drv)
		return pnic_err(err, ENOMEM, "out of memory for a mailbox driver");
	drv->p = *p;
	apply_defaults(&drv->p);
	rc = check_params(&drv->p, carve(&drv->p, drv->at), err);
	if (rc)
		goto free_drv;
	if (alloc_state(drv)) {
		rc = pnic_err(err, ENOMEM, "out of memory for a mailbox driver");
		goto free_drv;
	}
	/* The phase protocol needs rings that start zeroed. */
	memset(drv->p.mem, 0, drv->at[R_RX]);
	rc = probe(drv, err);
	if (!rc)
		rc = start(drv, err);
	if (rc)
		goto free_drv;
	*out = drv;
	return 0;

free_drv:
	mbox_drv_destroy(drv);
	return rc;
}

void mbox_drv_destroy(struct mbox_drv *drv)
{
	if (!drv)
		return;
	if (drv->slots && drv->p.bar_write)
		reg_w(drv, MBOX_REG_CTRL, 0);
	free(drv->slots);
	free(drv->rx_back);
	free(drv->lent);
	free(drv->pkt.free);
	free(drv->ctr.free);
	free(drv);
}

/* ---- commands ------------------------------------------------------------ */

static int take_buf(struct mbox_drv *drv, struct pool *pl, uint32_t *buf,
		    struct pnic_error *err)
{
	if (!pl->n_free) {
		drv->st.pool_empty++;
		return pnic_err(err, EAGAIN,
				"mailbox: no free %s buffer; poll completions and retry",
				pl == &drv->pkt ? "packet-out" : "counter-read");
	}
	*buf = pl->free[--pl->n_free];
	return 0;
}

static void give_buf(struct pool *pl, uint32_t buf)
{
	pl->free[pl->n_free++] = buf;
}

/* The buffer a PACKET_OUT or COUNTER_READ carries, and its address. */
static int attach(struct mbox_drv *drv, const struct nic_cmd *c,
		  struct mbox_desc *m, struct slot *s, struct pnic_error *err)
{
	const struct nic_cmd_packet *pk = &c->packet;
	int rc;

	if (c->op == NIC_OP_PACKET_OUT) {
		if ((!pk->frame && pk->len) || pk->len > NIC_PACKET_OUT_MAX_LEN)
			return pnic_err(err, EINVAL,
					"packet_out: %u bytes at %p cannot be carried (at most %u)",
					pk->len, (const void *)pk->frame,
					NIC_PACKET_OUT_MAX_LEN);
		if ((rc = take_buf(drv, &drv->pkt, &s->buf, err)))
			return rc;
		if (pk->len)
			memcpy(mem_at(drv, R_PKT, s->buf, PKT_BUF_BYTES),
			       pk->frame, pk->len);
		m->addr = dma_at(drv, R_PKT, s->buf, PKT_BUF_BYTES);
	} else if (c->op == NIC_OP_COUNTER_READ) {
		if (!c->counters.out || c->counters.count > MBOX_COUNTER_READ_MAX)
			return pnic_err(err, EINVAL,
					"counter_read: %u records %s; read at most %u a command",
					c->counters.count,
					c->counters.out ? "asked" : "and no buffer",
					MBOX_COUNTER_READ_MAX);
		if ((rc = take_buf(drv, &drv->ctr, &s->buf, err)))
			return rc;
		m->addr = dma_at(drv, R_CTR, s->buf, CTR_BUF_BYTES);
		m->buf_len = CTR_BUF_BYTES;
		s->out = c->counters.out;
		s->count = c->counters.count;
	}
	return 0;
}

static int post(struct mbox_drv *drv, const struct nic_cmd *c,
		uint64_t cookie, bool sync, struct pnic_error *err)
{
	uint32_t n = drv->p.cmd_entries, i = drv->cmd_tail & (n - 1);
	struct mbox_desc m = { .tag = drv->cmd_tail, .cmd = *c,
			       .key_bits = drv->key_bits };
	struct slot *s = &drv->slots[i];
	int rc;

	if (drv->cmd_tail - drv->cmd_done >= n) {
		drv->st.ring_full++;
		return pnic_err(err, EAGAIN,
				"mailbox: command ring full (%u in flight); poll completions and retry",
				n);
	}
	*s = (struct slot){ .cookie = cookie, .op = c->op, .sync = sync };
	rc = attach(drv, c, &m, s, err);
	if (rc)
		return rc;
	mbox_desc_encode(&m, mem_at(drv, R_CMD, i, MBOX_DESC_BYTES));
	drv->cmd_tail++;
	drv->async += !sync;
	drv->st.posted++;
	return 0;
}

int mbox_drv_post(struct mbox_drv *drv, const struct nic_cmd *c,
		  uint64_t cookie, struct pnic_error *err)
{
	return post(drv, c, cookie, false, err);
}

void mbox_drv_doorbell(struct mbox_drv *drv)
{
	if (drv->cmd_rung == drv->cmd_tail)
		return;
	ring_w(drv, MBOX_RING_CMD, MBOX_RING_DOORBELL, drv->cmd_tail);
	drv->cmd_rung = drv->cmd_tail;
	drv->st.doorbells++;
}

uint32_t mbox_drv_in_flight(const struct mbox_drv *drv)
{
	return drv->cmd_tail - drv->cmd_done;
}

static int timed_out(struct mbox_drv *drv, const char *what,
		     struct pnic_error *err)
{
	uint32_t code, status = mbox_drv_device_status(drv, &code);

	return pnic_err(err, ETIMEDOUT,
			"mailbox: gave up waiting for %s after %u waits (device STATUS 0x%x, ERR_CODE %s)",
			what, drv->p.wait_max, status, mbox_err_name(code));
}

/* One wait: 0, or the negative errno that ends the waiting. */
static int wait_once(struct mbox_drv *drv, uint32_t *waits, const char *what,
		     struct pnic_error *err)
{
	if (!drv->p.wait)
		return pnic_err(err, EAGAIN, "mailbox: no wait callback to wait for %s",
				what);
	if (++*waits > drv->p.wait_max)
		return timed_out(drv, what, err);
	drv->st.waits++;
	mbox_drv_doorbell(drv);
	if (drv->p.wait(drv->p.ctx) < 0)
		return pnic_err(err, EINTR, "mailbox: the wait for %s was given up", what);
	return 0;
}

int mbox_drv_post_wait(struct mbox_drv *drv, const struct nic_cmd *c,
		       uint64_t cookie, struct pnic_error *err)
{
	uint32_t waits = 0;
	int rc;

	while ((rc = post(drv, c, cookie, false, err)) == -EAGAIN)
		if ((rc = wait_once(drv, &waits, "room to post", err)))
			return rc;
	return rc;
}

/* ---- completions --------------------------------------------------------- */

static void finish(struct mbox_drv *drv, struct slot *s, struct mbox_completion *c)
{
	uint8_t *buf;

	if (s->op == NIC_OP_PACKET_OUT) {
		give_buf(&drv->pkt, s->buf);
	} else if (s->op == NIC_OP_COUNTER_READ) {
		buf = mem_at(drv, R_CTR, s->buf, CTR_BUF_BYTES);
		if (c->count > s->count)
			c->count = s->count;
		for (uint32_t i = 0; i < c->count; i++)
			mbox_ctr_decode(buf + i * MBOX_CTR_BYTES, &s->out[i]);
		give_buf(&drv->ctr, s->buf);
	}
}

/* The next completion if the device has written it: true, *c filled and
 * *sync whether the sink posted it. */
static bool take_cpl(struct mbox_drv *drv, struct mbox_completion *c,
		     bool *sync)
{
	uint32_t n = drv->p.cpl_entries;
	const uint8_t *raw = mem_at(drv, R_CPL, drv->cpl_head & (n - 1),
				    MBOX_CPL_BYTES);
	struct slot *s = &drv->slots[drv->cmd_done & (drv->p.cmd_entries - 1)];
	struct mbox_cpl w;

	if (mbox_slot_phase(raw, MBOX_CPL_BYTES) != mbox_phase(drv->cpl_head, n))
		return false;
	mbox_cpl_decode(raw, &w);
	drv->st.tag_mismatches += w.tag != drv->cmd_done;
	*c = (struct mbox_completion){
		.cookie = s->cookie, .op = s->op, .code = w.status,
		.status = w.status ? -(w.err_no ? w.err_no : EIO) : 0,
		.detail = w.detail, .count = w.status ? 0 : w.count,
	};
	finish(drv, s, c);
	*sync = s->sync;
	drv->async -= !s->sync;
	drv->cpl_head++;
	drv->cmd_done++;
	drv->st.completed++;
	drv->st.cpl_errors += c->status != 0;
	return true;
}

unsigned mbox_drv_poll_completions(struct mbox_drv *drv,
				   struct mbox_completion *out, unsigned max)
{
	uint32_t head = drv->cpl_head;
	unsigned n = 0;
	bool sync;

	while (n < max && drv->cmd_done != drv->cmd_tail &&
	       take_cpl(drv, &out[n], &sync)) {
		if (!sync) {
			n++;
			continue;
		}
		drv->sync_cpl = out[n];
		drv->sync_done = true;
	}
	if (drv->cpl_head != head)
		ring_w(drv, MBOX_RING_CPL, MBOX_RING_DOORBELL, drv->cpl_head);
	return n;
}

uint64_t mbox_drv_take_completions(struct mbox_drv *drv, uint64_t *errors)
{
	struct mbox_completion c[32];
	uint64_t total = 0;
	unsigned n;

	while ((n = mbox_drv_poll_completions(drv, c, 32)) > 0) {
		total += n;
		for (unsigned i = 0; i < n; i++)
			*errors += c[i].status != 0;
	}
	return total;
}

/* ---- events -------------------------------------------------------------- */

/* Take back buffer id from the device's hands, for lending again. */
static bool reclaim(struct mbox_drv *drv, uint32_t id)
{
	if (id >= drv->p.rxb_entries || !drv->lent[id]) {
		drv->st.bad_buf_ids++;
		return false;
	}
	drv->lent[id] = false;
	drv->rx_back[drv->n_rx_back++] = id;
	return true;
}

static void fill_miss(struct mbox_drv *drv, const struct mbox_evt *e,
		      struct mbox_event_rx *ev)
{
	uint32_t cap = e->caplen < drv->p.rx_buf_bytes ? e->caplen
						       : drv->p.rx_buf_bytes;

	if (!reclaim(drv, e->buf_id))
		return;
	ev->frame = mem_at(drv, R_RX, e->buf_id, align64(drv->p.rx_buf_bytes));
	ev->caplen = cap;
	ev->len = e->len;
	ev->key_bits = e->key_bits;
	ev->key = e->key;
}

bool mbox_drv_events_ready(const struct mbox_drv *drv)
{
	uint32_t n = drv->p.evt_entries;
	const uint8_t *raw = mem_at(drv, R_EVT,
				    drv->evt_head & (n - 1), MBOX_EVT_BYTES);

	return mbox_slot_phase(raw, MBOX_EVT_BYTES) == mbox_phase(drv->evt_head, n);
}

static bool take_evt(struct mbox_drv *drv, struct mbox_event_rx *ev)
{
	uint32_t n = drv->p.evt_entries;
	const uint8_t *raw = mem_at(drv, R_EVT, drv->evt_head & (n - 1),
				    MBOX_EVT_BYTES);
	struct mbox_evt e;

	if (mbox_slot_phase(raw, MBOX_EVT_BYTES) != mbox_phase(drv->evt_head, n))
		return false;
	mbox_evt_decode(raw, &e);
	*ev = (struct mbox_event_rx){
		.type = e.type, .reason = e.reason, .in_ppid = e.in_ppid,
		.seq = e.seq, .dropped_before = e.seq - drv->evt_seq,
		.ctl_dropped_before = e.ctl_seq - drv->ctl_seq,
		.entry = e.entry, .last_hit = e.last_hit, .gen = e.gen,
		.code = e.code, .detail = e.detail,
	};
	if (e.type == MBOX_EV_MISS)
		fill_miss(drv, &e, ev);
	else if (e.type == MBOX_EV_ERROR && e.code == MBOX_ERR_RXB_DMA)
		reclaim(drv, e.detail);
	drv->st.event_gaps += ev->dropped_before;
	drv->st.ctl_gaps += ev->ctl_dropped_before;
	drv->ctl_seq = e.ctl_seq + (e.type != MBOX_EV_MISS);
	drv->st.events[e.type < MBOX_EV_COUNT ? e.type : 0]++;
	drv->evt_seq = e.seq + 1;
	drv->evt_head++;
	return true;
}

/* Lend again the buffers handed out by the previous poll. */
static void relend(struct mbox_drv *drv)
{
	if (!drv->n_rx_back)
		return;
	for (uint32_t i = 0; i < drv->n_rx_back; i++)
		lend(drv, drv->rx_back[i]);
	drv->n_rx_back = 0;
	ring_w(drv, MBOX_RING_RXB, MBOX_RING_DOORBELL, drv->rxb_tail);
}

unsigned mbox_drv_poll_events(struct mbox_drv *drv, struct mbox_event_rx *out,
			      unsigned max)
{
	unsigned n = 0;

	relend(drv);
	while (n < max && take_evt(drv, &out[n]))
		n++;
	if (n)
		ring_w(drv, MBOX_RING_EVT, MBOX_RING_DOORBELL, drv->evt_head);
	return n;
}

/* ---- the synchronous sink ------------------------------------------------ */

static int refused(const struct mbox_completion *c, struct pnic_error *err)
{
	return pnic_err(err, -c->status,
			"%s: the mailbox refused it: %s (errno %d), descriptor byte %u",
			nic_cmd_op_name(c->op), mbox_err_name(c->code),
			-c->status, c->detail);
}

static int sink_submit(void *ctx, const struct nic_cmd *c,
		       struct nic_cmd_result *res, struct pnic_error *err)
{
	struct mbox_drv *drv = ctx;
	struct mbox_completion none;
	uint32_t waits = 0;
	int rc;

	if (drv->async)
		return pnic_err(err, EBUSY,
				"mailbox: %u posted commands are in flight; poll their completions first",
				drv->async);
	drv->sync_done = false;
	if ((rc = post(drv, c, 0, true, err)))
		return rc;
	mbox_drv_doorbell(drv);
	for (;;) {
		/* Nothing else is in flight: the one completion is ours. */
		mbox_drv_poll_completions(drv, &none, 1);
		if (drv->sync_done)
			break;
		if ((rc = wait_once(drv, &waits, "a completion", err)))
			return rc;
	}
	if (res)
		*res = (struct nic_cmd_result){ .status = drv->sync_cpl.status,
						.count = drv->sync_cpl.count };
	return drv->sync_cpl.status ? refused(&drv->sync_cpl, err) : 0;
}

struct nic_cmd_sink mbox_drv_sink(struct mbox_drv *drv)
{
	return (struct nic_cmd_sink){ .submit = sink_submit, .ctx = drv };
}

/* ---- interrupts, status, stats ------------------------------------------- */

void mbox_drv_irq_enable(struct mbox_drv *drv, uint32_t mask)
{
	reg_w(drv, MBOX_REG_IRQ_ENABLE, mask);
}

void mbox_drv_irq_moderate(struct mbox_drv *drv, unsigned vector,
			   uint32_t count, uint32_t usecs)
{
	if (vector >= MBOX_IRQ_VECTORS)
		return;
	reg_w(drv, MBOX_REG_IRQ_COUNT(vector), count);
	reg_w(drv, MBOX_REG_IRQ_USECS(vector), usecs);
}

uint32_t mbox_drv_device_status(struct mbox_drv *drv, uint32_t *err_code)
{
	if (err_code)
		*err_code = reg_r(drv, MBOX_REG_ERR_CODE);
	return reg_r(drv, MBOX_REG_STATUS);
}

const struct mbox_drv_stats *mbox_drv_stats(const struct mbox_drv *drv)
{
	return &drv->st;
}
