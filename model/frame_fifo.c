/* Frame FIFO: entries in one byte array, wrapping whole (see frame_fifo.h).
 *
 * Each entry is an 8-byte header holding its size (header included,
 * rounded up to 8) and then the caller's bytes.  Not wrapped, the entries
 * lie in [tail, head); wrapped, in [tail, wrap_end) and then [0, head),
 * with the bytes from wrap_end to the end of the array unused.
 */
#include "model/frame_fifo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define HDR 8u

struct frame_fifo {
	uint8_t *mem;
	uint64_t size;
	uint64_t head;       /* where the next entry goes */
	uint64_t tail;       /* the oldest entry */
	uint64_t wrap_end;   /* wrapped: the end of the entries at the top */
	bool wrapped;
	uint32_t count;
};

static uint64_t entry_bytes(uint32_t n)
{
	return HDR + (((uint64_t)n + 7) & ~7ull);
}

uint64_t frame_fifo_size_for(uint32_t entries, uint64_t bytes,
			     uint32_t max_entry, uint32_t extra)
{
	/* Held: every entry's header and rounding, and the bytes; H at most.
	 * One entry more, M, covers the wrap.  Not wrapped, the two free
	 * ends sum to at least n + M >= 2n for a push of n, so one of them
	 * takes it; wrapped, the unused top is less than M (the push that
	 * wrapped did not fit there), so the free middle exceeds H - held >= n.
	 * tests/model/test_frame_fifo.c checks it at random. */
	uint64_t held = (uint64_t)entries * (HDR + 7) + bytes;
	uint64_t need = held + (1 + (uint64_t)extra) * entry_bytes(max_entry);

	return need > FRAME_FIFO_MAX_BYTES ? FRAME_FIFO_MAX_BYTES + 1 : need;
}

int frame_fifo_create(uint64_t bytes, struct frame_fifo **out,
		      struct pnic_error *err)
{
	struct frame_fifo *f;

	*out = NULL;
	if (bytes < 2 * HDR || bytes > FRAME_FIFO_MAX_BYTES)
		return pnic_err(err, EINVAL,
				"a frame FIFO of %llu bytes is not %u..%llu bytes",
				(unsigned long long)bytes, 2 * HDR,
				(unsigned long long)FRAME_FIFO_MAX_BYTES);
	f = calloc(1, sizeof *f);
	if (!f)
		return pnic_err(err, ENOMEM, "out of memory for a frame FIFO");
	f->size = bytes & ~7ull;
	f->mem = malloc(f->size);
	if (!f->mem) {
		free(f);
		return pnic_err(err, ENOMEM,
				"out of memory for a frame FIFO of %llu bytes",
				(unsigned long long)bytes);
	}
	*out = f;
	return 0;
}

void frame_fifo_destroy(struct frame_fifo *f)
{
	if (!f)
		return;
	free(f->mem);
	free(f);
}

static void *place(struct frame_fifo *f, uint64_t at, uint64_t need)
{
	*(uint64_t *)(f->mem + at) = need;
	f->head = at + need;
	f->count++;
	return f->mem + at + HDR;
}

void *frame_fifo_push(struct frame_fifo *f, uint32_t n)
{
	uint64_t need = entry_bytes(n);

	if (f->wrapped)
		return f->tail - f->head >= need ? place(f, f->head, need) : NULL;
	if (f->size - f->head >= need)
		return place(f, f->head, need);
	if (f->tail < need)
		return NULL;
	f->wrap_end = f->head;
	f->wrapped = true;
	return place(f, 0, need);
}

void *frame_fifo_front(const struct frame_fifo *f)
{
	return f->count ? f->mem + f->tail + HDR : NULL;
}

void *frame_fifo_next(const struct frame_fifo *f, const void *e)
{
	uint64_t at = (uint64_t)((const uint8_t *)e - f->mem) - HDR;

	at += *(const uint64_t *)(f->mem + at);
	if (f->wrapped && at == f->wrap_end)
		at = 0;
	return at == f->head ? NULL : f->mem + at + HDR;
}

void frame_fifo_pop(struct frame_fifo *f)
{
	if (!f->count)
		return;
	f->tail += *(const uint64_t *)(f->mem + f->tail);
	if (f->wrapped && f->tail == f->wrap_end) {
		f->tail = 0;
		f->wrapped = false;
	}
	if (--f->count == 0)
		f->head = f->tail = 0;
}

uint32_t frame_fifo_count(const struct frame_fifo *f)
{
	return f->count;
}
