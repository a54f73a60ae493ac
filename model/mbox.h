/* Mailbox wire format: what the host's driver (host/mbox_drv) and the
 * pNIC's mailbox (model/mbox_dev) agree on over PCIe, and nothing else.
 *
 * The device has one BAR of 32-bit registers (MBOX_REG_*) and four rings
 * in host memory, each an array of fixed-size slots:
 *
 *   ring  producer  slot  ownership
 *   CMD   driver    256   tail doorbell (CMD_TAIL), free-running count
 *   CPL   device     16   phase bit in the slot's last byte; CPL_HEAD
 *   EVT   device    128   phase bit in the slot's last byte; EVT_HEAD
 *   RXB   driver     16   tail doorbell (RXB_TAIL): receive buffers
 *
 * Ownership is NVMe's: the driver tells the device how far it has
 * written with a posted register write (the device never reads a slot to
 * find out, so it never consumes one the driver has not published), and
 * the device tells the driver with a phase bit in host memory (the driver
 * polls its own memory, never a register over PCIe).  Doorbell values are
 * free-running 32-bit counts, not slot indices: a ring uses all its
 * slots, and a doorbell that arrives late (smaller than one already seen)
 * is recognised as stale and ignored.  docs/mailbox.md is the datasheet.
 *
 * Every field travels little-endian at a fixed byte offset, encoded and
 * decoded by the functions below (no struct overlays wire bytes), so the
 * layout is written once for both ends.  Decoding a descriptor checks
 * everything the wire can get wrong (op, reserved bytes, lengths, widths)
 * and names the offending byte; what the NIC's sizes refuse is the NIC's
 * (nic_cmd_validate).
 *
 * Function only: no state, no allocation, no time.
 */
#ifndef PNIC_MBOX_H
#define PNIC_MBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"
#include "model/key.h"
#include "model/nic_cmd.h"

/* ---- registers (BAR offsets, 32-bit) ------------------------------------ */

#define MBOX_REG_ID          0x000u  /* RO "PNMB" */
#define MBOX_REG_VERSION     0x004u  /* RO major << 16 | minor */
#define MBOX_REG_CTRL        0x008u  /* RW MBOX_CTRL_* */
#define MBOX_REG_STATUS      0x00cu  /* RO MBOX_STATUS_* */
#define MBOX_REG_ERR_CODE    0x010u  /* RO first fatal enum mbox_err */
#define MBOX_REG_ERR_INFO    0x014u  /* RO its detail (ring id, value) */
#define MBOX_REG_KEY_BITS    0x018u  /* RO the NIC's key width */
#define MBOX_REG_RING_MAX    0x01cu  /* RO largest ring, entries */
#define MBOX_REG_CTR_MAX     0x020u  /* RO counter records per read */
#define MBOX_REG_IRQ_ENABLE  0x030u  /* RW bit v enables vector v */
/* Per ring r (enum mbox_ring): a block of MBOX_RING_STRIDE bytes. */
#define MBOX_REG_RING(r)     (0x040u + 0x20u * (uint32_t)(r))
#define MBOX_RING_BASE_LO    0x00u   /* RW DMA address, 64-byte aligned */
#define MBOX_RING_BASE_HI    0x04u   /* RW */
#define MBOX_RING_SIZE       0x08u   /* RW entries, a power of two */
#define MBOX_RING_DOORBELL   0x0cu   /* RW driver's count: tail or head */
#define MBOX_RING_DEV_PTR    0x10u   /* RO device's count: head or tail */
/* Interrupt moderation per vector v. */
#define MBOX_REG_IRQ_COUNT(v) (0x0c0u + 8u * (uint32_t)(v)) /* RW entries */
#define MBOX_REG_IRQ_USECS(v) (0x0c4u + 8u * (uint32_t)(v)) /* RW holdoff */
/* Statistics (RO, low 32 bits of the device's counters). */
#define MBOX_REG_CMD_DONE    0x100u  /* completions written */
#define MBOX_REG_CMD_ERRORS  0x104u  /* completions with an error */
#define MBOX_REG_EVT_DROPS   0x108u  /* events dropped: ring full */
#define MBOX_REG_RXB_DROPS   0x10cu  /* misses dropped: no buffer */
#define MBOX_REG_DB_STALE    0x110u  /* stale doorbells ignored */
#define MBOX_REG_END         0x114u

#define MBOX_ID      0x504e4d42u     /* "PNMB" */
#define MBOX_VERSION 0x00010000u     /* 1.0 */

#define MBOX_CTRL_ENABLE     0x1u    /* 0 -> 1: check rings, run; 1 -> 0: reset */

#define MBOX_STATUS_READY    0x1u    /* enabled, rings valid */
#define MBOX_STATUS_ERROR    0x2u    /* stopped on a fatal error */
#define MBOX_STATUS_BUSY     0x4u    /* a command waits for the NIC */
#define MBOX_STATUS_CPL_FULL 0x8u    /* a command waits for a CPL slot */

enum mbox_ring {
	MBOX_RING_CMD = 0,   /* commands, driver -> device */
	MBOX_RING_CPL,       /* completions, device -> driver */
	MBOX_RING_EVT,       /* events, device -> driver */
	MBOX_RING_RXB,       /* free receive buffers, driver -> device */
	MBOX_RING_COUNT
};

enum mbox_irq {
	MBOX_IRQ_CPL = 0,    /* completions */
	MBOX_IRQ_EVT,        /* events, and the device's fatal errors */
	MBOX_IRQ_VECTORS
};

/* ---- geometry and limits ------------------------------------------------- */

#define MBOX_DESC_BYTES        NIC_CMD_DESC_BYTES  /* 256 */
#define MBOX_CPL_BYTES         16u
#define MBOX_EVT_BYTES         128u
#define MBOX_RXD_BYTES         16u
#define MBOX_CTR_BYTES         24u     /* one counter record */
#define MBOX_KEY_BYTES         (PNIC_KEY_MAX_BITS / 8)
#define MBOX_RING_ALIGN        64u
#define MBOX_RING_MIN_ENTRIES  2u
#define MBOX_RING_MAX_ENTRIES  4096u
#define MBOX_COUNTER_READ_MAX  256u    /* records per COUNTER_READ */
#define MBOX_TEMPLATE_BYTES    128u

/* Slot bytes of ring r. */
uint32_t mbox_slot_bytes(enum mbox_ring r);

/* The phase a producer writes on its pass over a ring: 1 on the first
 * pass (rings start zeroed, so a zero phase is "not written"), 0 on the
 * second, and so on.  count is the free-running count of the slot. */
static inline uint8_t mbox_phase(uint32_t count, uint32_t entries)
{
	return (uint8_t)(((count / entries) & 1u) ^ 1u);
}

/* The phase bit of a CPL or EVT slot: bit 0 of its last byte, which the
 * producer writes last. */
static inline uint8_t mbox_slot_phase(const uint8_t *slot, uint32_t bytes)
{
	return slot[bytes - 1] & 1u;
}

/* A ring size the device takes: a power of two within the limits. */
static inline bool mbox_ring_size_ok(uint32_t entries, uint32_t max)
{
	return entries >= MBOX_RING_MIN_ENTRIES && entries <= max &&
	       (entries & (entries - 1)) == 0;
}

/* ---- error codes --------------------------------------------------------- */

enum mbox_err {
	MBOX_OK = 0,
	/* A command's completion status. */
	MBOX_ERR_OP = 1,          /* op is none of 1..9 */
	MBOX_ERR_RESERVED,        /* a reserved byte or flag is not zero */
	MBOX_ERR_LEN,             /* a length or count out of its range */
	MBOX_ERR_KEY_BITS,        /* key wider than the NIC's, or bits above it */
	MBOX_ERR_ACTION,          /* action word bits at or above ACTION_WORD_BITS */
	MBOX_ERR_DMA,             /* a DMA through the descriptor's address failed */
	MBOX_ERR_REFUSED,         /* the NIC refused the command (errno says why) */
	/* The device's own (ERR_CODE register, ERROR events). */
	MBOX_ERR_RING_SIZE = 16,  /* a ring size not a power of two in 2..RING_MAX */
	MBOX_ERR_RING_ALIGN,      /* a ring base not 64-byte aligned */
	MBOX_ERR_RING_DMA,        /* a ring's DMA failed: the device stopped */
	MBOX_ERR_DOORBELL,        /* a doorbell past what its ring holds: ignored */
	MBOX_ERR_RXB_DMA,         /* a receive buffer's DMA failed: miss dropped */
	MBOX_ERR_END
};

/* "op", "reserved", ... ("?" for a code that is none). */
const char *mbox_err_name(uint32_t code);
/* The errno a completion with this code carries (EINVAL, ERANGE, EFAULT;
 * 0 for MBOX_OK and MBOX_ERR_REFUSED, whose errno is the NIC's). */
int mbox_err_errno(enum mbox_err code);

/* ---- command descriptors (CMD ring) -------------------------------------- */

/* A command as the wire carries it: the NIC command, with the pointers
 * of COUNTER_READ and PACKET_OUT replaced by DMA addresses. */
struct mbox_desc {
	uint32_t tag;            /* the driver's; echoed in the completion */
	struct nic_cmd cmd;      /* counters.out and packet.frame are NULL */
	uint32_t key_bits;       /* ENTRY_WRITE: bits of value and mask carried */
	uint64_t addr;           /* COUNTER_READ results, PACKET_OUT frame */
	uint32_t buf_len;        /* COUNTER_READ: bytes at addr */
};

/* Byte offset of the address field of COUNTER_READ and PACKET_OUT (for
 * a DMA fault's detail). */
#define MBOX_DESC_CTR_ADDR_OFF 16u
#define MBOX_DESC_PKT_ADDR_OFF 16u

/* Write d into the 256 bytes at out.  No check: an op outside 1..9 gets a
 * header only, a key as wide as given (so a test can send bad ones). */
void mbox_desc_encode(const struct mbox_desc *d, uint8_t *out);

/* Decode the 256 bytes at in.  MBOX_OK, or the code of the first fault,
 * *off the byte offset of the field at fault, and err the sentence; the
 * tag is filled either way, so that a refusal's completion carries it.
 * key_bits_max is the NIC's key width (1..PNIC_KEY_MAX_BITS). */
enum mbox_err mbox_desc_decode(const uint8_t *in, uint32_t key_bits_max,
			       struct mbox_desc *out, uint16_t *off,
			       struct pnic_error *err);

/* ---- completions (CPL ring) ---------------------------------------------- */

struct mbox_cpl {
	uint32_t tag;            /* the command's */
	uint32_t count;          /* COUNTER_READ: records written */
	uint8_t status;          /* enum mbox_err */
	uint8_t err_no;          /* positive errno, 0 when status is MBOX_OK */
	uint16_t detail;         /* descriptor byte at fault */
	uint8_t op;              /* the command's op byte */
	uint8_t phase;
};

void mbox_cpl_encode(const struct mbox_cpl *c, uint8_t *out);
void mbox_cpl_decode(const uint8_t *in, struct mbox_cpl *out);

/* ---- events (EVT ring) --------------------------------------------------- */

enum mbox_event_type {
	MBOX_EV_NONE = 0,
	MBOX_EV_MISS,            /* a packet for the host: frame + key */
	MBOX_EV_FLOW_END,        /* TCP FIN or RST on an offloaded flow */
	MBOX_EV_AGED,            /* an entry idle past the aging time */
	MBOX_EV_ERROR,           /* the device's or the pipeline's error */
	MBOX_EV_LANDED,          /* a write with hold applied: the marker */
	MBOX_EV_COUNT
};

/* Why a packet went to the host: datapath_host_reason's values. */
enum mbox_miss_reason {
	MBOX_MISS_TCAM = DP_HOST_MISS,
	MBOX_MISS_TO_HOST = DP_HOST_ACTION,
	MBOX_MISS_UNMAPPED = DP_HOST_UNMAPPED_VPID,
	MBOX_MISS_PARSE_ERROR = DP_HOST_PARSE_ERROR,
	MBOX_MISS_HOLD_CANCELLED = DP_HOST_HOLD_CANCELLED,
};

#define MBOX_FLOW_FIN 1u
#define MBOX_FLOW_RST 2u
/* AGED's reason: the NIC removed the entry itself (delete mode). */
#define MBOX_AGED_REMOVED 1u

/* An event slot's fields; each type uses the ones its comment names and
 * leaves the others zero. */
struct mbox_evt {
	uint8_t type;            /* enum mbox_event_type */
	uint8_t reason;          /* MISS: mbox_miss_reason; FLOW_END: FIN/RST;
				  * AGED: MBOX_AGED_REMOVED */
	uint16_t in_ppid;        /* MISS, FLOW_END */
	uint32_t seq;            /* every event the device meant to post counts,
				  * dropped ones too: a gap is a drop */
	uint32_t entry;          /* FLOW_END, AGED, LANDED */
	uint32_t buf_id;         /* MISS: the receive buffer holding the frame */
	uint32_t gen;            /* AGED: the entry's write generation when
				  * found; LANDED: the one the hold write
				  * gave it (bytes 12..15, MISS's buf_id) */
	uint32_t len;            /* MISS: frame length on the wire */
	uint32_t caplen;         /* MISS: bytes in the buffer (<= len) */
	uint64_t last_hit;       /* AGED */
	uint32_t code;           /* ERROR: enum mbox_err, or the pipeline's */
	uint32_t detail;         /* ERROR */
	uint16_t key_bits;       /* MISS */
	struct pnic_key key;     /* MISS */
	uint32_t ctl_seq;        /* events without a packet (every type but
				  * MISS) the device meant to post before
				  * this one, dropped ones too: a gap in it
				  * is a lost marker, flow end or aged */
	uint8_t phase;
};

void mbox_evt_encode(const struct mbox_evt *e, uint8_t *out);
void mbox_evt_decode(const uint8_t *in, struct mbox_evt *out);

/* ---- receive buffers (RXB ring) and counter records ---------------------- */

struct mbox_rxd {
	uint64_t addr;           /* DMA address of the buffer */
	uint32_t len;            /* its bytes */
	uint32_t id;             /* the driver's; returned in the MISS event */
};

void mbox_rxd_encode(const struct mbox_rxd *d, uint8_t *out);
void mbox_rxd_decode(const uint8_t *in, struct mbox_rxd *out);

/* One flow counter record as COUNTER_READ writes it. */
void mbox_ctr_encode(const struct flow_counter *c, uint8_t *out);
void mbox_ctr_decode(const uint8_t *in, struct flow_counter *out);

#endif
