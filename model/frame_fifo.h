/* Frame FIFO: the memory of one packet queue, entries of any size in one
 * byte array, each contiguous, released oldest first.
 *
 * The cycle-level pipeline keeps every queue of frames (a port's arrivals
 * given ahead, its ingress buffer, an egress queue, the to-host queue) in
 * one of these: an entry is the caller's descriptor followed by the frame
 * bytes, pushed at the back and popped at the front, so a frame is copied
 * once into its queue and read there in place (the parser, the editor,
 * the egress MAC take a pointer into it).  Entries are 8-byte aligned and
 * never move; a push that does not fit before the end of the array wraps
 * to its start (the bytes left at the end are unused until the front
 * passes them), as a hardware packet buffer's write pointer would.
 *
 * What a queue admits (its bound in frames and bytes) is the caller's
 * rule; this block only stores.  frame_fifo_size_for() gives a size at
 * which a push that keeps within the caller's bounds always fits, wrap
 * and all, so the caller's bound is the only limit anyone sees.
 *
 * No allocation after create; no simulated time.
 */
#ifndef PNIC_FRAME_FIFO_H
#define PNIC_FRAME_FIFO_H

#include <stdint.h>

#include "model/error.h"

struct frame_fifo;

/* Limit of one array (and so of one queue's bytes): 1 GiB. */
#define FRAME_FIFO_MAX_BYTES (1ull << 30)

int frame_fifo_create(uint64_t bytes, struct frame_fifo **out,
		      struct pnic_error *err);
void frame_fifo_destroy(struct frame_fifo *f);

/* The array size at which any sequence of pushes, with at most `entries`
 * entries held at once, totalling at most `bytes` held at once, each at
 * most `max_entry` bytes, always fits (plus `extra` entries of max_entry
 * held beyond those bounds, e.g. one the caller has popped logically but
 * still reads).  Saturates at FRAME_FIFO_MAX_BYTES + 1, which create
 * refuses. */
uint64_t frame_fifo_size_for(uint32_t entries, uint64_t bytes,
			     uint32_t max_entry, uint32_t extra);

/* n contiguous bytes at the back (8-byte aligned), or NULL when they do
 * not fit; nothing changes then. */
void *frame_fifo_push(struct frame_fifo *f, uint32_t n);
/* The oldest entry, or NULL when empty. */
void *frame_fifo_front(const struct frame_fifo *f);
/* The entry pushed after e, or NULL when e is the newest. */
void *frame_fifo_next(const struct frame_fifo *f, const void *e);
/* Release the oldest entry (nothing when empty). */
void frame_fifo_pop(struct frame_fifo *f);
uint32_t frame_fifo_count(const struct frame_fifo *f);

#endif
