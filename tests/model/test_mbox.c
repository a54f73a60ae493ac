/* The mailbox wire format: every op's descriptor survives encode and
 * decode, fields sit at the offsets docs/mailbox.md gives, every fault is
 * named with its byte, and the slots keep their phase in the last byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/mbox.h"

#define KB 104

static uint8_t d[MBOX_DESC_BYTES];

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct mbox_desc entry_desc(void)
{
	struct mbox_desc m = { .tag = 0xa1b2c3d4, .key_bits = KB,
			       .cmd.op = NIC_OP_ENTRY_WRITE };

	m.cmd.entry.index = 77;
	m.cmd.entry.value.w[0] = 0x1122334455667788ull;
	m.cmd.entry.value.w[1] = 0xabcdef;             /* bits 64..87 */
	m.cmd.entry.mask.w[0] = ~0ull;
	m.cmd.entry.mask.w[1] = 0xffffffffffull;       /* bits 64..103 */
	m.cmd.entry.action.w[0] = 0x0123456789abcdefull;
	m.cmd.entry.action.w[1] = 0xfe;                /* bits 64..71 */
	return m;
}

static enum mbox_err decode(struct mbox_desc *m, uint16_t *off)
{
	struct pnic_error err;

	return mbox_desc_decode(d, KB, m, off, &err);
}

static void roundtrip(const struct mbox_desc *in, struct mbox_desc *out)
{
	uint16_t off;

	mbox_desc_encode(in, d);
	cr_assert_eq(decode(out, &off), MBOX_OK, "op %u", in->cmd.op);
	cr_assert_eq(out->tag, in->tag);
	cr_assert_eq(out->cmd.op, in->cmd.op);
}

Test(mbox, entry_write_layout_and_roundtrip)
{
	struct mbox_desc m = entry_desc(), r;

	roundtrip(&m, &r);
	cr_assert_eq(d[0], NIC_OP_ENTRY_WRITE);
	cr_assert_eq(le32(d + 4), 0xa1b2c3d4);
	cr_assert_eq(le32(d + 8), 77);
	cr_assert_eq(le32(d + 12), KB);
	cr_assert_eq(d[16], 0xef);               /* action, little-endian */
	cr_assert_eq(d[24], 0xfe);               /* action bits 64..71 */
	cr_assert_eq(d[32], 0x88);               /* value */
	cr_assert_eq(d[96], 0xff);               /* mask */
	cr_assert_eq(r.cmd.entry.index, 77);
	cr_assert_eq(r.key_bits, KB);
	cr_assert(key_equal(&r.cmd.entry.value, &m.cmd.entry.value, PNIC_KEY_WORDS));
	cr_assert(key_equal(&r.cmd.entry.mask, &m.cmd.entry.mask, PNIC_KEY_WORDS));
	cr_assert_eq(r.cmd.entry.action.w[0], m.cmd.entry.action.w[0]);
	cr_assert_eq(r.cmd.entry.action.w[1], 0xfe);
}

Test(mbox, every_other_op_roundtrips)
{
	struct mbox_desc m = { .tag = 9 }, r;

	m.cmd.op = NIC_OP_ENTRY_INVALIDATE;
	m.cmd.index = 5;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.index, 5);

	m.cmd.op = NIC_OP_ACTION_WRITE;
	m.cmd.action.index = 6;
	m.cmd.action.action.w[0] = 0x55;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.action.index, 6);
	cr_assert_eq(r.cmd.action.action.w[0], 0x55);
	cr_assert_eq(d[16], 0x55, "the action sits where ENTRY_WRITE's does");

	m.cmd.op = NIC_OP_MAP_SET;
	m.cmd.map.vpid = 3;
	m.cmd.map.ppid = 2;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.map.vpid, 3);
	cr_assert_eq(r.cmd.map.ppid, 2);

	m.cmd.op = NIC_OP_MAP_CLEAR;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.map.vpid, 3);
	cr_assert_eq(r.cmd.map.ppid, 0, "MAP_CLEAR carries no PPID");

	m.cmd.op = NIC_OP_CONFIG;
	m.cmd.config = (struct datapath_policy){
		.miss = DP_MISS_DROP, .parse_errors = DP_PERR_TO_HOST,
		.unmapped = VPID_UNMAPPED_TO_HOST,
		.age = { .mode = FLOW_AGE_DELETE,
			 .timeout_ns = { 0, 5, 1ull << 40, 86400ull * 1000000000ull },
			 .sweep_ns = 123456789 },
	};
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.config.miss, DP_MISS_DROP);
	cr_assert_eq(r.cmd.config.parse_errors, DP_PERR_TO_HOST);
	cr_assert_eq(r.cmd.config.unmapped, VPID_UNMAPPED_TO_HOST);
	cr_assert_eq(r.cmd.config.age.mode, FLOW_AGE_DELETE);
	for (unsigned k = 0; k < ACTION_AGE_CLASSES; k++)
		cr_assert_eq(r.cmd.config.age.timeout_ns[k],
			     m.cmd.config.age.timeout_ns[k], "class %u", k);
	cr_assert_eq(r.cmd.config.age.sweep_ns, 123456789);
}

Test(mbox, data_ops_carry_addresses)
{
	struct mbox_desc m = { .tag = 1, .addr = 0x1234567890ull }, r;

	m.cmd.op = NIC_OP_COUNTER_READ;
	m.cmd.counters.first = 10;
	m.cmd.counters.count = 3;
	m.buf_len = 3 * MBOX_CTR_BYTES;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.counters.first, 10);
	cr_assert_eq(r.cmd.counters.count, 3);
	cr_assert_eq(r.addr, 0x1234567890ull);
	cr_assert_eq(le32(d + MBOX_DESC_CTR_ADDR_OFF), 0x34567890);
	cr_assert_null(r.cmd.counters.out, "pointers never travel");

	m = (struct mbox_desc){ .tag = 2, .addr = 0x40ull };
	m.cmd.op = NIC_OP_PACKET_OUT;
	m.cmd.packet.ppid = 3;
	m.cmd.packet.len = 60;
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.packet.ppid, 3);
	cr_assert_eq(r.cmd.packet.len, 60);
	cr_assert_eq(r.addr, 0x40);

	m = (struct mbox_desc){ .tag = 3 };
	m.cmd.op = NIC_OP_TEMPLATE_SET;
	m.cmd.tpl.id = 200;
	m.cmd.tpl.tpl.len = 50;
	memset(m.cmd.tpl.tpl.bytes, 0x5a, 50);
	roundtrip(&m, &r);
	cr_assert_eq(r.cmd.tpl.id, 200);
	cr_assert_eq(r.cmd.tpl.tpl.len, 50);
	cr_assert_eq(r.cmd.tpl.tpl.bytes[49], 0x5a);
	cr_assert_eq(r.cmd.tpl.tpl.bytes[50], 0);
}

/* d decodes to code at byte off, with errno e, and still yields the tag. */
static void refused(enum mbox_err code, uint16_t off, int e)
{
	struct pnic_error err;
	struct mbox_desc r;
	uint16_t at;

	cr_assert_eq(mbox_desc_decode(d, KB, &r, &at, &err), code,
		     "expected %s: %s", mbox_err_name(code), err.msg);
	cr_assert_eq(at, off, "%s at byte %u, expected %u", err.msg, at, off);
	cr_assert_eq(mbox_err_errno(code), e);
	cr_assert_eq(r.tag, le32(d + 4));
	cr_assert(strstr(err.msg, "descriptor byte"), "%s", err.msg);
}

/* m with byte `at` set to v is refused with code, naming that byte. */
static void poked(const struct mbox_desc *m, unsigned at, uint8_t v,
		  enum mbox_err code)
{
	mbox_desc_encode(m, d);
	d[at] = v;
	refused(code, (uint16_t)at, mbox_err_errno(code));
}

Test(mbox, header_faults)
{
	struct mbox_desc m = entry_desc();

	memset(d, 0, sizeof d);
	refused(MBOX_ERR_OP, 0, EINVAL);
	d[0] = NIC_OP_END;
	refused(MBOX_ERR_OP, 0, EINVAL);
	poked(&m, 1, 1, MBOX_ERR_RESERVED);
	poked(&m, 3, 0x80, MBOX_ERR_RESERVED);
	poked(&m, 255, 1, MBOX_ERR_RESERVED);
	poked(&m, 160, 1, MBOX_ERR_RESERVED);
}

Test(mbox, reserved_inside_bodies)
{
	struct mbox_desc m = { .cmd.op = NIC_OP_ACTION_WRITE };

	poked(&m, 13, 1, MBOX_ERR_RESERVED);
	m.cmd.op = NIC_OP_TEMPLATE_SET;
	poked(&m, 9, 1, MBOX_ERR_RESERVED);
	m.cmd.op = NIC_OP_MAP_CLEAR;
	poked(&m, 12, 1, MBOX_ERR_RESERVED);   /* where MAP_SET has its PPID */
}

Test(mbox, key_and_action_faults)
{
	struct mbox_desc m = entry_desc();

	m.key_bits = 0;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_KEY_BITS, 12, ERANGE);
	m.key_bits = KB + 1;           /* wider than the NIC's */
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_KEY_BITS, 12, ERANGE);
	m = entry_desc();
	m.cmd.entry.value.w[1] = 1ull << (KB - 64);   /* bit 104 */
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_KEY_BITS, 32 + 13, ERANGE);
	m = entry_desc();
	m.cmd.entry.mask.w[7] = 1ull << 63;           /* bit 511 */
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_KEY_BITS, 96 + 63, ERANGE);
	m = entry_desc();
	m.key_bits = 100;              /* bits 100..103 of the mask are set */
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_KEY_BITS, 96 + 12, ERANGE);
	m = entry_desc();
	m.cmd.entry.action.w[1] = 1ull << (ACTION_WORD_BITS - 64);  /* bit 76 */
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_ACTION, 25, EINVAL);
}

Test(mbox, length_faults)
{
	struct mbox_desc m = { .cmd.op = NIC_OP_COUNTER_READ };

	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 12, ERANGE);                 /* count 0 */
	m.cmd.counters.count = MBOX_COUNTER_READ_MAX + 1;
	m.buf_len = UINT32_MAX;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 12, ERANGE);
	m.cmd.counters.count = 4;
	m.buf_len = 4 * MBOX_CTR_BYTES - 1;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 24, ERANGE);

	m = (struct mbox_desc){ .cmd.op = NIC_OP_PACKET_OUT };
	m.cmd.packet.len = 13;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 12, ERANGE);
	m.cmd.packet.len = NIC_PACKET_OUT_MAX_LEN + 1;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 12, ERANGE);

	m = (struct mbox_desc){ .cmd.op = NIC_OP_TEMPLATE_SET };
	m.cmd.tpl.tpl.len = MBOX_TEMPLATE_BYTES + 1;
	mbox_desc_encode(&m, d);
	refused(MBOX_ERR_LEN, 10, ERANGE);
}

Test(mbox, completion_layout)
{
	struct mbox_cpl c = { .tag = 0x01020304, .count = 7, .status = MBOX_ERR_LEN,
			      .err_no = ERANGE, .detail = 12, .op = 6, .phase = 1 }, r;
	uint8_t b[MBOX_CPL_BYTES];

	mbox_cpl_encode(&c, b);
	cr_assert_eq(le32(b), 0x01020304);
	cr_assert_eq(b[8], MBOX_ERR_LEN);
	cr_assert_eq(b[15], 1, "phase in the last byte");
	cr_assert_eq(mbox_slot_phase(b, sizeof b), 1);
	mbox_cpl_decode(b, &r);
	/* Field by field: the struct has padding, which memcmp would read. */
	cr_assert(r.tag == c.tag && r.count == c.count && r.status == c.status &&
		  r.err_no == c.err_no && r.detail == c.detail && r.op == c.op &&
		  r.phase == c.phase);
}

Test(mbox, event_layout)
{
	struct mbox_evt e = { .type = MBOX_EV_MISS, .reason = MBOX_MISS_UNMAPPED,
			      .in_ppid = 3, .seq = 99, .buf_id = 4, .len = 1500,
			      .caplen = 128, .key_bits = KB, .phase = 1 }, r;
	uint8_t b[MBOX_EVT_BYTES];

	e.key.w[0] = 0xdeadbeef;
	e.key.w[7] = 1;
	mbox_evt_encode(&e, b);
	cr_assert_eq(b[0], MBOX_EV_MISS);
	cr_assert_eq(le32(b + 4), 99);
	cr_assert_eq(b[48], 0xef, "key at byte 48");
	cr_assert_eq(b[127], 1, "phase in the last byte");
	mbox_evt_decode(b, &r);
	cr_assert_eq(r.type, e.type);
	cr_assert_eq(r.reason, e.reason);
	cr_assert_eq(r.in_ppid, 3);
	cr_assert_eq(r.buf_id, 4);
	cr_assert_eq(r.len, 1500);
	cr_assert_eq(r.caplen, 128);
	cr_assert_eq(r.key_bits, KB);
	cr_assert(key_equal(&r.key, &e.key, PNIC_KEY_WORDS));

	e = (struct mbox_evt){ .type = MBOX_EV_AGED, .entry = 12,
			       .last_hit = 0x1122334455ull, .ctl_seq = 0x01020304 };
	mbox_evt_encode(&e, b);
	cr_assert_eq(le32(b + 112), 0x01020304, "ctl_seq at byte 112");
	mbox_evt_decode(b, &r);
	cr_assert_eq(r.ctl_seq, 0x01020304);
	cr_assert_eq(r.entry, 12);
	cr_assert_eq(r.last_hit, 0x1122334455ull);
	cr_assert_eq(r.phase, 0);
}

Test(mbox, aged_event_carries_generation_and_removal)
{
	struct mbox_evt e = { .type = MBOX_EV_AGED, .reason = MBOX_AGED_REMOVED, .entry = 9,
			      .gen = 0xdeadbeef, .last_hit = 77 }, r;
	uint8_t b[MBOX_EVT_BYTES];

	mbox_evt_encode(&e, b);
	cr_assert_eq(le32(b + 12), 0xdeadbeef, "bytes 12..15: the generation");
	mbox_evt_decode(b, &r);
	cr_assert_eq(r.gen, 0xdeadbeef);
	cr_assert_eq(r.buf_id, 0, "no buffer in an AGED event");
	cr_assert_eq(r.reason, MBOX_AGED_REMOVED);
	cr_assert_eq(r.entry, 9);
	cr_assert_eq(r.last_hit, 77);
}

Test(mbox, buffers_and_counters)
{
	struct mbox_rxd x = { .addr = 0xfedcba9876543210ull, .len = 2048, .id = 5 }, y;
	struct flow_counter c = { 1, 2, 3 }, c2;
	uint8_t b[MBOX_CTR_BYTES];

	mbox_rxd_encode(&x, b);
	mbox_rxd_decode(b, &y);
	cr_assert_eq(y.addr, x.addr);
	cr_assert_eq(y.len, 2048);
	cr_assert_eq(y.id, 5);
	mbox_ctr_encode(&c, b);
	mbox_ctr_decode(b, &c2);
	cr_assert_eq(c2.packets, 1);
	cr_assert_eq(c2.bytes, 2);
	cr_assert_eq(c2.last_hit, 3);
}

Test(mbox, phases_names_sizes)
{
	cr_assert_eq(mbox_phase(0, 4), 1);
	cr_assert_eq(mbox_phase(3, 4), 1);
	cr_assert_eq(mbox_phase(4, 4), 0);
	cr_assert_eq(mbox_phase(8, 4), 1);
	cr_assert_eq(mbox_phase(UINT32_MAX, 4096), 0, "2^32 is a whole number of passes");
	cr_assert(mbox_ring_size_ok(2, 4096));
	cr_assert(!mbox_ring_size_ok(1, 4096));
	cr_assert(!mbox_ring_size_ok(6, 4096));
	cr_assert(!mbox_ring_size_ok(8192, 4096));
	cr_assert_str_eq(mbox_err_name(MBOX_ERR_KEY_BITS), "key_bits");
	cr_assert_str_eq(mbox_err_name(MBOX_ERR_RING_DMA), "ring_dma");
	cr_assert_str_eq(mbox_err_name(12), "?");
	cr_assert_str_eq(mbox_err_name(1000), "?");
	cr_assert_eq(mbox_slot_bytes(MBOX_RING_CMD), 256);
	cr_assert_eq(mbox_slot_bytes(MBOX_RING_EVT), 128);
}

Test(mbox, landed_event_carries_entry_and_generation)
{
	struct mbox_evt e = { .type = MBOX_EV_LANDED, .entry = 300, .gen = 0xcafe0001 }, r;
	uint8_t b[MBOX_EVT_BYTES];

	mbox_evt_encode(&e, b);
	cr_assert_eq(b[0], MBOX_EV_LANDED);
	cr_assert_eq(MBOX_EV_LANDED, 5);
	cr_assert_eq(le32(b + 8), 300, "bytes 8..11: the entry");
	cr_assert_eq(le32(b + 12), 0xcafe0001, "bytes 12..15: the generation");
	mbox_evt_decode(b, &r);
	cr_assert_eq(r.gen, 0xcafe0001);
	cr_assert_eq(r.buf_id, 0, "no buffer in a LANDED event");
	cr_assert_eq(r.entry, 300);
	cr_assert_eq(MBOX_MISS_HOLD_CANCELLED, 4);
}
