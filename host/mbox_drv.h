/* Mailbox driver: the host's end of the PCIe mailbox (wire format in
 * model/mbox.h, datasheet in docs/mailbox.md).
 *
 * The driver owns a region of host memory it is given (a byte array and
 * the DMA address the device reaches it at): the four rings and its
 * buffers are carved from it at create.  It reaches the device only
 * through the register callbacks (a posted write, a read round trip) and
 * never touches the device's state, so the same driver runs against the
 * C device in a test and across the SystemC PCIe link.
 *
 * Commands: mbox_drv_post() writes a descriptor into the command ring;
 * posts are batched until mbox_drv_doorbell() publishes them all with one
 * register write.  A full ring, or no free packet-out / counter buffer,
 * is -EAGAIN: the caller polls completions and retries (or uses
 * mbox_drv_post_wait()).  Nothing is dropped: a command is either refused
 * at post or completes exactly once, in posting order.
 * mbox_drv_poll_completions() reads completions from host memory (no
 * register read) and acknowledges them with one CPL_HEAD write per call.
 * mbox_drv_sink() is a struct nic_cmd_sink over the mailbox, so host code
 * written for a NIC in process (host/flow_table, host/acl) runs over the
 * mailbox unchanged.
 *
 * Events: mbox_drv_poll_events() hands out misses (frame, key, ingress
 * PPID, reason), flow ends, aged entries and errors.  A miss's frame sits
 * in one of the driver's receive buffers and stays valid until the next
 * mbox_drv_poll_events() call, which gives those buffers back to the
 * device.
 *
 * Interrupts start disabled (polling); mbox_drv_irq_enable() and
 * mbox_drv_irq_moderate() set them.  No call advances simulated time: the
 * timed layer charges the register callbacks and the device's DMA, and
 * the wait callback is where the host lets time pass.  No allocation after
 * create.
 */
#ifndef PNIC_MBOX_DRV_H
#define PNIC_MBOX_DRV_H

#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/mbox.h"
#include "model/nic_cmd.h"

struct mbox_drv;

struct mbox_drv_params {
	uint8_t *mem;                /* host memory the driver owns */
	uint64_t mem_dma;            /* its DMA address, 64-byte aligned */
	size_t mem_bytes;            /* at least mbox_drv_mem_bytes() */
	/* Ring entries, powers of two within the device's RING_MAX; 0 takes
	 * the default (64, 64, 256, 256). */
	uint32_t cmd_entries, cpl_entries, evt_entries, rxb_entries;
	uint32_t rx_buf_bytes;       /* each receive buffer; 0: 2048 */
	uint32_t pkt_bufs;           /* packet-out buffers; 0: 16 */
	uint32_t ctr_bufs;           /* counter-read buffers; 0: 2 */
	void (*bar_write)(void *ctx, uint32_t off, uint32_t value);
	uint32_t (*bar_read)(void *ctx, uint32_t off);
	/* Let the device progress (the SystemC host thread waits for an
	 * interrupt or a polling period; a test runs the device).  The host's
	 * own completion handling runs here too, since only completions free
	 * command slots.  Negative to give up.  May be NULL: then
	 * mbox_drv_post_wait() and the sink do not wait. */
	int (*wait)(void *ctx);
	uint32_t wait_max;           /* waits before -ETIMEDOUT; 0: 1000000 */
	void *ctx;
};

/* What a command came to. */
struct mbox_completion {
	uint64_t cookie;             /* as posted */
	uint32_t op;                 /* enum nic_op, as posted */
	int32_t status;              /* 0 or a negative errno */
	uint8_t code;                /* enum mbox_err */
	uint16_t detail;             /* descriptor byte at fault */
	uint32_t count;              /* COUNTER_READ: records copied to out */
};

/* One event. */
struct mbox_event_rx {
	uint8_t type;                /* enum mbox_event_type */
	uint8_t reason;              /* MISS: mbox_miss_reason; FLOW_END: FIN/RST */
	uint16_t in_ppid;            /* MISS, FLOW_END */
	uint32_t seq;
	uint32_t dropped_before;     /* events the device dropped just before */
	uint32_t ctl_dropped_before; /* ... of them without a packet (LANDED,
				      * FLOW_END, AGED, ERROR): the ones the
				      * host cannot learn from a later miss */
	uint32_t entry;              /* FLOW_END, AGED, LANDED */
	uint64_t last_hit;           /* AGED */
	uint32_t gen;                /* AGED, LANDED: the entry's write generation;
				      * reason MBOX_AGED_REMOVED: delete mode */
	uint32_t code, detail;       /* ERROR */
	const uint8_t *frame;        /* MISS: until the next poll_events */
	uint32_t caplen, len;        /* MISS: bytes at frame, wire length */
	uint16_t key_bits;           /* MISS */
	struct pnic_key key;
};

struct mbox_drv_stats {
	uint64_t posted, completed, cpl_errors;
	uint64_t ring_full;          /* posts refused: command ring full */
	uint64_t pool_empty;         /* posts refused: no free buffer */
	uint64_t doorbells;          /* CMD_TAIL writes */
	uint64_t bar_writes, bar_reads;
	uint64_t waits;
	uint64_t events[MBOX_EV_COUNT];
	uint64_t event_gaps;         /* events the device dropped (seq gaps) */
	uint64_t ctl_gaps;           /* ... of them without a packet */
	uint64_t tag_mismatches;     /* completions out of order: never, unless
				      * the device breaks the protocol */
	uint64_t bad_buf_ids;        /* events naming a buffer not lent */
};

/* Bytes of host memory these parameters need (defaults applied), or 0 if
 * a count is out of range. */
size_t mbox_drv_mem_bytes(const struct mbox_drv_params *p);

/* Carve the memory, program and enable the device, lend it every receive
 * buffer.  -ENODEV if the BAR is not a mailbox, -EINVAL for parameters
 * (a ring the device does not take, too little memory), -EIO if the
 * device refuses to start (its ERR_CODE named). */
int mbox_drv_create(const struct mbox_drv_params *p, struct mbox_drv **out,
		    struct pnic_error *err);
/* Resets the device (CTRL = 0) so that it stops using the memory. */
void mbox_drv_destroy(struct mbox_drv *drv);

/* Queue c (not yet published).  0, -EAGAIN (ring or buffer pool full),
 * -EINVAL (c cannot be carried: COUNTER_READ of more than
 * MBOX_COUNTER_READ_MAX or without out, PACKET_OUT without a frame or
 * longer than NIC_PACKET_OUT_MAX_LEN).  PACKET_OUT's frame is copied;
 * COUNTER_READ's out must stay valid until its completion. */
int mbox_drv_post(struct mbox_drv *drv, const struct nic_cmd *c,
		  uint64_t cookie, struct pnic_error *err);
/* The same, waiting (doorbell, then the wait callback) while -EAGAIN. */
int mbox_drv_post_wait(struct mbox_drv *drv, const struct nic_cmd *c,
		       uint64_t cookie, struct pnic_error *err);
/* Publish every queued command (one CMD_TAIL write; none if nothing new). */
void mbox_drv_doorbell(struct mbox_drv *drv);
/* Commands queued or in flight. */
uint32_t mbox_drv_in_flight(const struct mbox_drv *drv);

/* Up to max completions, in posting order. */
unsigned mbox_drv_poll_completions(struct mbox_drv *drv,
				   struct mbox_completion *out, unsigned max);
/* Up to max events, in the order the device wrote them. */
unsigned mbox_drv_poll_events(struct mbox_drv *drv, struct mbox_event_rx *out,
			      unsigned max);

/* Whether an event waits in the ring (its slot shows this pass's phase):
 * a poll that stopped at its budget has more to take, and, as NAPI, polls
 * again rather than wait for an interrupt that may not come. */
bool mbox_drv_events_ready(const struct mbox_drv *drv);

/* Every completion there is now, for a program that only counts them:
 * how many, and *errors grows by those with a non-zero status. */
uint64_t mbox_drv_take_completions(struct mbox_drv *drv, uint64_t *errors);

/* A sink whose submit posts, rings, and waits for that completion (the
 * NIC's status and count; COUNTER_READ's records in c->counters.out).
 * -EBUSY while commands from mbox_drv_post() are in flight. */
struct nic_cmd_sink mbox_drv_sink(struct mbox_drv *drv);

/* Interrupts: bit v of mask enables vector v (enum mbox_irq); moderation:
 * an interrupt per `count` entries, or after `usecs` of holdoff. */
void mbox_drv_irq_enable(struct mbox_drv *drv, uint32_t mask);
void mbox_drv_irq_moderate(struct mbox_drv *drv, unsigned vector,
			   uint32_t count, uint32_t usecs);

/* The device's STATUS register (a read over PCIe), and its ERR_CODE. */
uint32_t mbox_drv_device_status(struct mbox_drv *drv, uint32_t *err_code);

const struct mbox_drv_stats *mbox_drv_stats(const struct mbox_drv *drv);

#endif
