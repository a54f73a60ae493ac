/* Mailbox wire format: every byte offset of every slot, written once for
 * the driver and the device (see mbox.h; docs/mailbox.md has the tables). */
#include "model/mbox.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/proto.h"

/* ---- little-endian fields ------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put_words(uint8_t *p, const uint64_t *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put64(p + 8 * i, w[i]);
}

static void get_words(const uint8_t *p, uint64_t *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		w[i] = get64(p + 8 * i);
}

/* ---- names and errnos ---------------------------------------------------- */

static const struct {
	const char *name;
	int err_no;
} errs[MBOX_ERR_END] = {
	[MBOX_OK]             = { "ok", 0 },
	[MBOX_ERR_OP]         = { "op", EINVAL },
	[MBOX_ERR_RESERVED]   = { "reserved", EINVAL },
	[MBOX_ERR_LEN]        = { "len", ERANGE },
	[MBOX_ERR_KEY_BITS]   = { "key_bits", ERANGE },
	[MBOX_ERR_ACTION]     = { "action", EINVAL },
	[MBOX_ERR_DMA]        = { "dma", EFAULT },
	[MBOX_ERR_REFUSED]    = { "refused", 0 },
	[MBOX_ERR_RING_SIZE]  = { "ring_size", EINVAL },
	[MBOX_ERR_RING_ALIGN] = { "ring_align", EINVAL },
	[MBOX_ERR_RING_DMA]   = { "ring_dma", EFAULT },
	[MBOX_ERR_DOORBELL]   = { "doorbell", EINVAL },
	[MBOX_ERR_RXB_DMA]    = { "rxb_dma", EFAULT },
};

const char *mbox_err_name(uint32_t code)
{
	return code < MBOX_ERR_END && errs[code].name ? errs[code].name : "?";
}

int mbox_err_errno(enum mbox_err code)
{
	return (unsigned)code < MBOX_ERR_END ? errs[code].err_no : EINVAL;
}

uint32_t mbox_slot_bytes(enum mbox_ring r)
{
	static const uint32_t bytes[MBOX_RING_COUNT] = {
		MBOX_DESC_BYTES, MBOX_CPL_BYTES, MBOX_EVT_BYTES, MBOX_RXD_BYTES,
	};

	return (unsigned)r < MBOX_RING_COUNT ? bytes[r] : 0;
}

/* ---- descriptor layout --------------------------------------------------- */

/* Header: op, flags (0), reserved (0), tag. */
#define D_OP        0
#define D_FLAGS     1
#define D_TAG       4
#define D_BODY      8
/* Bodies: the first field is at D_BODY for every op. */
#define D_INDEX     8
#define D_KEY_BITS 12
#define D_ACTION   16        /* 16 bytes, bits ACTION_WORD_BITS.. zero */
#define D_VALUE    32        /* 64 bytes */
#define D_MASK     96        /* 64 bytes */
#define D_PPID     12        /* MAP_SET */
#define D_COUNT    12        /* COUNTER_READ */
#define D_ADDR     16        /* COUNTER_READ, PACKET_OUT */
#define D_BUF_LEN  24        /* COUNTER_READ */
#define D_TPL_ID    8
#define D_TPL_LEN  10
#define D_TPL      12        /* 128 bytes */
#define D_PKT_LEN  12
#define D_AGE_MODE 11        /* CONFIG: aging mode, timeouts, sweep */
#define D_AGE_NS   16        /* 4 x 8 bytes, one per class */
#define D_SWEEP_NS 48
#define ACTION_BYTES 16

static_assert(D_ADDR == MBOX_DESC_CTR_ADDR_OFF && D_ADDR == MBOX_DESC_PKT_ADDR_OFF,
	      "the header names the address fields' offsets");

/* Per op: where the body ends (every byte from there on is reserved) and
 * the one reserved run inside it, if any. */
static const struct {
	uint8_t end, rsvd_off, rsvd_len;
} layout[NIC_OP_END] = {
	[NIC_OP_ENTRY_WRITE]      = { 160, 0, 0 },
	[NIC_OP_ENTRY_INVALIDATE] = { 12, 0, 0 },
	[NIC_OP_ACTION_WRITE]     = { 32, 12, 4 },
	[NIC_OP_MAP_SET]          = { 16, 0, 0 },
	[NIC_OP_MAP_CLEAR]        = { 12, 0, 0 },
	[NIC_OP_COUNTER_READ]     = { 28, 0, 0 },
	[NIC_OP_TEMPLATE_SET]     = { 140, 9, 1 },
	[NIC_OP_CONFIG]           = { 56, 12, 4 },
	[NIC_OP_PACKET_OUT]       = { 24, 0, 0 },
};

static bool op_known(uint32_t op)
{
	return op > 0 && op < NIC_OP_END;
}

static void encode_entry(const struct mbox_desc *d, uint8_t *out)
{
	const struct nic_cmd_entry *e = &d->cmd.entry;

	put32(out + D_INDEX, e->index);
	put32(out + D_KEY_BITS, d->key_bits);
	put_words(out + D_ACTION, e->action.w, 2);
	put_words(out + D_VALUE, e->value.w, PNIC_KEY_WORDS);
	put_words(out + D_MASK, e->mask.w, PNIC_KEY_WORDS);
}

/* The ops that point into host memory. */
static void encode_data(const struct mbox_desc *d, uint8_t *out)
{
	const struct nic_cmd *c = &d->cmd;

	put64(out + D_ADDR, d->addr);
	if (c->op == NIC_OP_PACKET_OUT) {
		put32(out + D_INDEX, c->packet.ppid);
		put32(out + D_PKT_LEN, c->packet.len);
		return;
	}
	put32(out + D_INDEX, c->counters.first);
	put32(out + D_COUNT, c->counters.count);
	put32(out + D_BUF_LEN, d->buf_len);
}

/* The length as given (a test may send a bad one); the bytes up to it. */
static void encode_template(const struct nic_cmd_template *t, uint8_t *out)
{
	out[D_TPL_ID] = t->id;
	put16(out + D_TPL_LEN, t->tpl.len);
	memcpy(out + D_TPL, t->tpl.bytes,
	       t->tpl.len < MBOX_TEMPLATE_BYTES ? t->tpl.len : MBOX_TEMPLATE_BYTES);
}

static void encode_body(const struct mbox_desc *d, uint8_t *out)
{
	const struct nic_cmd *c = &d->cmd;

	switch (c->op) {
	case NIC_OP_ENTRY_WRITE:
		encode_entry(d, out);
		break;
	case NIC_OP_ENTRY_INVALIDATE:
		put32(out + D_INDEX, c->index);
		break;
	case NIC_OP_ACTION_WRITE:
		put32(out + D_INDEX, c->action.index);
		put_words(out + D_ACTION, c->action.action.w, 2);
		break;
	case NIC_OP_MAP_SET:
	case NIC_OP_MAP_CLEAR:
		put32(out + D_INDEX, c->map.vpid);
		if (c->op == NIC_OP_MAP_SET)
			put32(out + D_PPID, c->map.ppid);
		break;
	case NIC_OP_COUNTER_READ:
	case NIC_OP_PACKET_OUT:
		encode_data(d, out);
		break;
	case NIC_OP_TEMPLATE_SET:
		encode_template(&c->tpl, out);
		break;
	case NIC_OP_CONFIG:
		out[D_BODY] = (uint8_t)c->config.miss;
		out[D_BODY + 1] = (uint8_t)c->config.parse_errors;
		out[D_BODY + 2] = (uint8_t)c->config.unmapped;
		out[D_AGE_MODE] = c->config.age.mode;
		put_words(out + D_AGE_NS, c->config.age.timeout_ns,
			  ACTION_AGE_CLASSES);
		put64(out + D_SWEEP_NS, c->config.age.sweep_ns);
		break;
	}
}

void mbox_desc_encode(const struct mbox_desc *d, uint8_t *out)
{
	memset(out, 0, MBOX_DESC_BYTES);
	out[D_OP] = (uint8_t)d->cmd.op;
	put32(out + D_TAG, d->tag);
	if (op_known(d->cmd.op))
		encode_body(d, out);
}

/* ---- descriptor decoding ------------------------------------------------- */

static enum mbox_err fault(struct pnic_error *err, uint16_t *off, unsigned at,
			   enum mbox_err code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum mbox_err fault(struct pnic_error *err, uint16_t *off, unsigned at,
			   enum mbox_err code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	*off = (uint16_t)at;
	pnic_err(err, mbox_err_errno(code), "descriptor byte %u: %s", at, msg);
	return code;
}

/* The first byte in [from, to) that is not zero, or -1.  Most runs are
 * all zero (a command's reserved tail is most of its descriptor), so one
 * memcmp settles them. */
static int first_nonzero(const uint8_t *in, unsigned from, unsigned to)
{
	static const uint8_t zeros[MBOX_DESC_BYTES];

	if (from >= to || !memcmp(in + from, zeros, to - from))
		return -1;
	for (unsigned i = from; i < to; i++)
		if (in[i])
			return (int)i;
	return -1;
}

static enum mbox_err check_reserved(const uint8_t *in, uint32_t op,
				    uint16_t *off, struct pnic_error *err)
{
	unsigned r = layout[op].rsvd_off;
	int at = first_nonzero(in, D_FLAGS, D_TAG);

	if (at < 0 && layout[op].rsvd_len)
		at = first_nonzero(in, r, r + layout[op].rsvd_len);
	if (at < 0)
		at = first_nonzero(in, layout[op].end, MBOX_DESC_BYTES);
	if (at < 0)
		return MBOX_OK;
	return fault(err, off, (unsigned)at, MBOX_ERR_RESERVED,
		     "%s: reserved byte is 0x%02x, not 0", nic_cmd_op_name(op),
		     in[at]);
}

/* A field of `bytes` bytes at base carrying `bits` bits: the first byte
 * with a bit at or above them, or -1. */
static int bits_excess(const uint8_t *in, unsigned base, uint32_t bits,
		       unsigned bytes)
{
	unsigned byte = bits / 8;

	if (bits % 8 && in[base + byte] >> (bits % 8))
		return (int)(base + byte);
	return first_nonzero(in, base + (bits + 7) / 8, base + bytes);
}

static int key_excess(const uint8_t *in, unsigned base, uint32_t bits)
{
	return bits_excess(in, base, bits, MBOX_KEY_BYTES);
}

static enum mbox_err decode_action(const uint8_t *in, struct action_word *w,
				   uint16_t *off, struct pnic_error *err)
{
	int at = bits_excess(in, D_ACTION, ACTION_WORD_BITS, ACTION_BYTES);

	if (at >= 0)
		return fault(err, off, (unsigned)at, MBOX_ERR_ACTION,
			     "action word has bits above its %u",
			     ACTION_WORD_BITS);
	get_words(in + D_ACTION, w->w, 2);
	return MBOX_OK;
}

static enum mbox_err decode_entry(const uint8_t *in, uint32_t key_bits_max,
				  struct mbox_desc *d, uint16_t *off,
				  struct pnic_error *err)
{
	struct nic_cmd_entry *e = &d->cmd.entry;
	uint32_t bits = get32(in + D_KEY_BITS);
	int at;

	if (bits == 0 || bits > key_bits_max)
		return fault(err, off, D_KEY_BITS, MBOX_ERR_KEY_BITS,
			     "entry_write: key of %u bits, the NIC's is %u",
			     bits, key_bits_max);
	at = key_excess(in, D_VALUE, bits);
	if (at < 0)
		at = key_excess(in, D_MASK, bits);
	if (at >= 0)
		return fault(err, off, (unsigned)at, MBOX_ERR_KEY_BITS,
			     "entry_write: %s has bits above its %u",
			     at < D_MASK ? "value" : "mask", bits);
	d->key_bits = bits;
	e->index = get32(in + D_INDEX);
	get_words(in + D_VALUE, e->value.w, PNIC_KEY_WORDS);
	get_words(in + D_MASK, e->mask.w, PNIC_KEY_WORDS);
	return decode_action(in, &e->action, off, err);
}

static enum mbox_err decode_counters(const uint8_t *in, struct mbox_desc *d,
				     uint16_t *off, struct pnic_error *err)
{
	struct nic_cmd_counters *c = &d->cmd.counters;

	c->first = get32(in + D_INDEX);
	c->count = get32(in + D_COUNT);
	d->addr = get64(in + D_ADDR);
	d->buf_len = get32(in + D_BUF_LEN);
	if (c->count == 0 || c->count > MBOX_COUNTER_READ_MAX)
		return fault(err, off, D_COUNT, MBOX_ERR_LEN,
			     "counter_read: count %u is not 1..%u", c->count,
			     MBOX_COUNTER_READ_MAX);
	if (d->buf_len / MBOX_CTR_BYTES < c->count)
		return fault(err, off, D_BUF_LEN, MBOX_ERR_LEN,
			     "counter_read: %u records need %u bytes, the buffer has %u",
			     c->count, c->count * MBOX_CTR_BYTES, d->buf_len);
	return MBOX_OK;
}

static enum mbox_err decode_template(const uint8_t *in, struct mbox_desc *d,
				     uint16_t *off, struct pnic_error *err)
{
	struct nic_cmd_template *t = &d->cmd.tpl;
	uint16_t len = get16(in + D_TPL_LEN);

	if (len > MBOX_TEMPLATE_BYTES)
		return fault(err, off, D_TPL_LEN, MBOX_ERR_LEN,
			     "template_set: template of %u bytes, at most %u",
			     len, MBOX_TEMPLATE_BYTES);
	t->id = in[D_TPL_ID];
	t->tpl.len = len;
	memcpy(t->tpl.bytes, in + D_TPL, len);
	return MBOX_OK;
}

static enum mbox_err decode_packet(const uint8_t *in, struct mbox_desc *d,
				   uint16_t *off, struct pnic_error *err)
{
	struct nic_cmd_packet *p = &d->cmd.packet;

	p->ppid = get32(in + D_INDEX);
	p->len = get32(in + D_PKT_LEN);
	d->addr = get64(in + D_ADDR);
	if (p->len < PROTO_ETH_HLEN || p->len > NIC_PACKET_OUT_MAX_LEN)
		return fault(err, off, D_PKT_LEN, MBOX_ERR_LEN,
			     "packet_out: frame of %u bytes is not %u..%u",
			     p->len, PROTO_ETH_HLEN, NIC_PACKET_OUT_MAX_LEN);
	return MBOX_OK;
}

static enum mbox_err decode_body(const uint8_t *in, uint32_t key_bits_max,
				 struct mbox_desc *d, uint16_t *off,
				 struct pnic_error *err)
{
	struct nic_cmd *c = &d->cmd;

	switch (c->op) {
	case NIC_OP_ENTRY_WRITE:
		return decode_entry(in, key_bits_max, d, off, err);
	case NIC_OP_ACTION_WRITE:
		c->action.index = get32(in + D_INDEX);
		return decode_action(in, &c->action.action, off, err);
	case NIC_OP_MAP_SET:
	case NIC_OP_MAP_CLEAR:
		c->map.vpid = get32(in + D_INDEX);
		c->map.ppid = c->op == NIC_OP_MAP_SET ? get32(in + D_PPID) : 0;
		return MBOX_OK;
	case NIC_OP_COUNTER_READ:
		return decode_counters(in, d, off, err);
	case NIC_OP_TEMPLATE_SET:
		return decode_template(in, d, off, err);
	case NIC_OP_CONFIG:
		c->config.miss = in[D_BODY];
		c->config.parse_errors = in[D_BODY + 1];
		c->config.unmapped = in[D_BODY + 2];
		c->config.age.mode = in[D_AGE_MODE];
		get_words(in + D_AGE_NS, c->config.age.timeout_ns,
			  ACTION_AGE_CLASSES);
		c->config.age.sweep_ns = get64(in + D_SWEEP_NS);
		return MBOX_OK;
	case NIC_OP_PACKET_OUT:
		return decode_packet(in, d, off, err);
	default:   /* NIC_OP_ENTRY_INVALIDATE */
		c->index = get32(in + D_INDEX);
		return MBOX_OK;
	}
}

enum mbox_err mbox_desc_decode(const uint8_t *in, uint32_t key_bits_max,
			       struct mbox_desc *out, uint16_t *off,
			       struct pnic_error *err)
{
	uint32_t op = in[D_OP];
	enum mbox_err rc;

	memset(out, 0, sizeof *out);
	out->tag = get32(in + D_TAG);
	*off = 0;
	if (!op_known(op))
		return fault(err, off, D_OP, MBOX_ERR_OP,
			     "op %u is not one of 1..%u (entry_write ... packet_out)",
			     op, NIC_OP_END - 1);
	rc = check_reserved(in, op, off, err);
	if (rc)
		return rc;
	out->cmd.op = op;
	return decode_body(in, key_bits_max, out, off, err);
}

/* ---- completions --------------------------------------------------------- */

#define C_TAG     0
#define C_COUNT   4
#define C_STATUS  8
#define C_ERRNO   9
#define C_DETAIL 10
#define C_OP     12

void mbox_cpl_encode(const struct mbox_cpl *c, uint8_t *out)
{
	memset(out, 0, MBOX_CPL_BYTES);
	put32(out + C_TAG, c->tag);
	put32(out + C_COUNT, c->count);
	out[C_STATUS] = c->status;
	out[C_ERRNO] = c->err_no;
	put16(out + C_DETAIL, c->detail);
	out[C_OP] = c->op;
	out[MBOX_CPL_BYTES - 1] = c->phase & 1u;
}

void mbox_cpl_decode(const uint8_t *in, struct mbox_cpl *out)
{
	*out = (struct mbox_cpl){
		.tag = get32(in + C_TAG), .count = get32(in + C_COUNT),
		.status = in[C_STATUS], .err_no = in[C_ERRNO],
		.detail = get16(in + C_DETAIL), .op = in[C_OP],
		.phase = mbox_slot_phase(in, MBOX_CPL_BYTES),
	};
}

/* ---- events -------------------------------------------------------------- */

#define E_TYPE      0
#define E_REASON    1
#define E_PPID      2
#define E_SEQ       4
#define E_ENTRY     8
#define E_BUF_ID   12
#define E_LEN      16
#define E_CAPLEN   20
#define E_LAST_HIT 24
#define E_CODE     32
#define E_DETAIL   36
#define E_KEY_BITS 40
#define E_KEY      48        /* 64 bytes */
#define E_CTL_SEQ 112

/* The events whose bytes 12..15 carry a write generation, not a buffer. */
static bool evt_has_gen(uint8_t type)
{
	return type == MBOX_EV_AGED || type == MBOX_EV_LANDED;
}

void mbox_evt_encode(const struct mbox_evt *e, uint8_t *out)
{
	memset(out, 0, MBOX_EVT_BYTES);
	out[E_TYPE] = e->type;
	out[E_REASON] = e->reason;
	put16(out + E_PPID, e->in_ppid);
	put32(out + E_SEQ, e->seq);
	put32(out + E_ENTRY, e->entry);
	put32(out + E_BUF_ID, evt_has_gen(e->type) ? e->gen : e->buf_id);
	put32(out + E_LEN, e->len);
	put32(out + E_CAPLEN, e->caplen);
	put64(out + E_LAST_HIT, e->last_hit);
	put32(out + E_CODE, e->code);
	put32(out + E_DETAIL, e->detail);
	put16(out + E_KEY_BITS, e->key_bits);
	put_words(out + E_KEY, e->key.w, PNIC_KEY_WORDS);
	put32(out + E_CTL_SEQ, e->ctl_seq);
	out[MBOX_EVT_BYTES - 1] = e->phase & 1u;
}

void mbox_evt_decode(const uint8_t *in, struct mbox_evt *out)
{
	*out = (struct mbox_evt){
		.type = in[E_TYPE], .reason = in[E_REASON],
		.in_ppid = get16(in + E_PPID), .seq = get32(in + E_SEQ),
		.entry = get32(in + E_ENTRY), .buf_id = get32(in + E_BUF_ID),
		.len = get32(in + E_LEN), .caplen = get32(in + E_CAPLEN),
		.last_hit = get64(in + E_LAST_HIT), .code = get32(in + E_CODE),
		.detail = get32(in + E_DETAIL), .key_bits = get16(in + E_KEY_BITS),
		.ctl_seq = get32(in + E_CTL_SEQ),
		.phase = mbox_slot_phase(in, MBOX_EVT_BYTES),
	};
	get_words(in + E_KEY, out->key.w, PNIC_KEY_WORDS);
	if (evt_has_gen(out->type)) {
		out->gen = out->buf_id;
		out->buf_id = 0;
	}
}

/* ---- receive buffers and counter records --------------------------------- */

void mbox_rxd_encode(const struct mbox_rxd *d, uint8_t *out)
{
	put64(out, d->addr);
	put32(out + 8, d->len);
	put32(out + 12, d->id);
}

void mbox_rxd_decode(const uint8_t *in, struct mbox_rxd *out)
{
	*out = (struct mbox_rxd){ .addr = get64(in), .len = get32(in + 8),
				  .id = get32(in + 12) };
}

void mbox_ctr_encode(const struct flow_counter *c, uint8_t *out)
{
	put64(out, c->packets);
	put64(out + 8, c->bytes);
	put64(out + 16, c->last_hit);
}

void mbox_ctr_decode(const uint8_t *in, struct flow_counter *out)
{
	*out = (struct flow_counter){ .packets = get64(in),
				      .bytes = get64(in + 8),
				      .last_hit = get64(in + 16) };
}
