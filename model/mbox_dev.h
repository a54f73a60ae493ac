/* Mailbox device: the pNIC's end of the PCIe mailbox (wire format in
 * mbox.h, datasheet in docs/mailbox.md).
 *
 * The device holds the BAR registers and the device-side ring counts.  It
 * reaches host memory only through the DMA callbacks it is made with, and
 * the NIC only through a command sink (nic_cmd.h): it decodes each command
 * descriptor into a struct nic_cmd and submits it, so a command over the
 * mailbox runs the same code as one submitted in process.
 *
 * Invariants:
 * - A command is fetched only when the driver has published it (CMD_TAIL)
 *   and a completion slot is free, and completes exactly once, in ring
 *   order.  A full completion ring makes the device wait; nothing is
 *   dropped.
 * - A sink returning -EBUSY (the pipeline's config port is full) applies
 *   nothing: the device keeps the decoded descriptor, stops fetching, and
 *   submits it again on the next mbox_dev_service().  Any other refusal,
 *   and every malformed descriptor, gets an error completion naming the
 *   code, the errno and the descriptor byte at fault.
 * - A DMA fault through a descriptor's own address (counter results, a
 *   packet-out frame) fails that command; a DMA fault on a ring stops the
 *   device (STATUS.ERROR, ERR_CODE ring_dma, an ERROR event when the event
 *   ring still works, an interrupt on the event vector) until the driver
 *   resets it by clearing CTRL.ENABLE.  Nothing user-supplied aborts.
 * - An event is written only into a slot the driver has freed (EVT_HEAD);
 *   with the ring full it is dropped and counted by type, as is a miss
 *   with no receive buffer.
 *
 * Untimed: the calls below do the DMA and register work of a step and
 * return; the SystemC layer charges each DMA callback and register access
 * with its PCIe cost and decides when mbox_dev_service() runs (after a
 * doorbell, after the sink drains) and when a moderation holdoff expires
 * (mbox_dev_irq_flush).  No allocation after create.
 */
#ifndef PNIC_MBOX_DEV_H
#define PNIC_MBOX_DEV_H

#include <stdint.h>

#include "model/error.h"
#include "model/mbox.h"
#include "model/nic_cmd.h"

struct mbox_dev;

struct mbox_dev_params {
	struct nic_cmd_sink sink;       /* where decoded commands go */
	uint32_t key_bits;              /* the NIC's key width, 1..512 */
	uint32_t ring_max;              /* largest ring taken, a power of two
					 * 2..MBOX_RING_MAX_ENTRIES; 0: that */
	/* Host memory: 0 or a negative errno (an address outside it). */
	int (*dma_read)(void *ctx, uint64_t addr, void *buf, uint32_t len);
	int (*dma_write)(void *ctx, uint64_t addr, const void *buf,
			 uint32_t len);
	void (*irq)(void *ctx, unsigned vector);  /* may be NULL */
	void *ctx;
};

/* An event for the host: what the pipeline hands the mailbox. */
struct mbox_event {
	uint8_t type;            /* enum mbox_event_type */
	uint8_t reason;          /* MISS: mbox_miss_reason; FLOW_END: FIN/RST */
	uint16_t in_ppid;        /* MISS, FLOW_END */
	uint32_t entry;          /* FLOW_END, AGED */
	uint64_t last_hit;       /* AGED */
	uint32_t gen;            /* AGED: the entry's write generation */
	uint32_t code, detail;   /* ERROR */
	const uint8_t *frame;    /* MISS: caplen bytes of a len-byte frame */
	uint32_t caplen, len;
	uint16_t key_bits;       /* MISS: the key the lookup missed with */
	struct pnic_key key;
};

/* Why mbox_dev_service() stopped. */
enum mbox_dev_wait {
	MBOX_DEV_IDLE = 0,       /* no published command left */
	MBOX_DEV_MORE,           /* the budget ran out; commands wait */
	MBOX_DEV_BUSY,           /* the sink said -EBUSY: call again when it drains */
	MBOX_DEV_CPL_FULL,       /* no completion slot: waits for CPL_HEAD */
	MBOX_DEV_OFF,            /* not enabled, or stopped on an error */
};

struct mbox_dev_progress {
	unsigned done;           /* commands completed by this call */
	enum mbox_dev_wait wait;
};

struct mbox_dev_stats {
	uint64_t commands[NIC_OP_END];     /* completed, by op ([0]: unknown) */
	uint64_t errors[MBOX_ERR_END];     /* error completions and device
					    * errors, by code */
	uint64_t events[MBOX_EV_COUNT];    /* written, by type */
	uint64_t event_drops[MBOX_EV_COUNT]; /* event ring full, by type */
	uint64_t rxb_drops;                /* misses with no receive buffer */
	uint64_t off_drops;                /* events while not ready */
	uint64_t bad_events;               /* refused mbox_dev_event() input */
	uint64_t truncated;                /* miss frames cut to their buffer */
	uint64_t doorbells;                /* doorbell writes */
	uint64_t stale_doorbells;          /* behind the count: ignored */
	uint64_t bad_doorbells;            /* past the ring: ignored */
	uint64_t irqs[MBOX_IRQ_VECTORS];
	uint64_t busy_stalls;              /* services stopped by -EBUSY */
	uint64_t cpl_full_stalls;          /* services stopped by a full CPL */
	uint64_t dma_reads, dma_read_bytes;
	uint64_t dma_writes, dma_write_bytes;
	uint64_t bar_reads, bar_writes;
};

int mbox_dev_create(const struct mbox_dev_params *p, struct mbox_dev **out,
		    struct pnic_error *err);
void mbox_dev_destroy(struct mbox_dev *d);

/* The BAR: a 32-bit access at a byte offset (MBOX_REG_*).  Unknown
 * offsets read 0 and ignore writes; so do writes to RO registers and to a
 * ring's base and size while the device is enabled. */
void mbox_dev_bar_write(struct mbox_dev *d, uint32_t off, uint32_t value);
uint32_t mbox_dev_bar_read(struct mbox_dev *d, uint32_t off);

/* Fetch, decode, submit and complete up to budget published commands. */
struct mbox_dev_progress mbox_dev_service(struct mbox_dev *d,
					  unsigned budget);

/* Post one event.  0; -ENOSPC (event ring full), -ENOBUFS (a miss with no
 * receive buffer), -ENODEV (not ready), -EFAULT (the receive buffer's
 * DMA failed: an ERROR event returns the buffer), -EIO (a ring's DMA
 * failed: the device stopped), -EINVAL (not an event).  Every refusal is
 * counted. */
int mbox_dev_event(struct mbox_dev *d, const struct mbox_event *ev);

/* Whether an event without a packet would be written now (the ring has a
 * slot, or the device is off and would refuse it anyway): the NIC holds
 * such an event back rather than drop it (model/sc/pnic.cpp). */
bool mbox_dev_event_room(const struct mbox_dev *d);

/* The seq the next event will carry (dropped ones count too). */
uint32_t mbox_dev_next_seq(const struct mbox_dev *d);

/* n events without a packet were lost before the device (the to-host
 * queue was full): they count in seq and ctl_seq as if dropped here, so
 * the driver sees the gap. */
void mbox_dev_events_lost(struct mbox_dev *d, uint32_t n);

/* Interrupt moderation: entries written on vector v since its last
 * interrupt, and the holdoff's end (the timed layer arms a timer of
 * IRQ_USECS(v) when pending turns non-zero and calls this at its end):
 * an interrupt if v is enabled and anything is pending. */
uint32_t mbox_dev_irq_pending(const struct mbox_dev *d, unsigned v);
void mbox_dev_irq_flush(struct mbox_dev *d, unsigned v);

const struct mbox_dev_stats *mbox_dev_stats(const struct mbox_dev *d);
/* The sentence of the latest error completion or device error ("" if
 * none), for logs: the wire carries codes only. */
const char *mbox_dev_last_error(const struct mbox_dev *d);

#endif
