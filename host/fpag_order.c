/* FPAG: the ordering guarantee: misses queued behind an entry that holds,
 * sent on its landed marker, then the release (docs/fpag.md, "Ordering
 * guarantee"). */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool word_holds(const struct action_word *w)
{
	return w->w[ACTW_HOLD_OFF / 64] >> (ACTW_HOLD_OFF % 64) & 1;
}

/* Whether the entry at index i was last written with hold (not yet
 * released): its flow's misses wait for its marker. */
static bool entry_holds(const struct fpag *f, uint32_t i)
{
	struct pnic_key v, m;
	struct action_word w;

	return i < f->depth && flow_table_get(f->ft, i, &v, &m, &w) == 0 &&
	       word_holds(&w);
}

/* A miss behind the entry at index i: queued for its marker, or sent at
 * once (counted) when the queue has no room. */
static int order_queue(struct fpag *f, uint32_t i, uint32_t dest,
		       const uint8_t *frame, uint32_t caplen,
		       struct pnic_error *err)
{
	uint32_t h = f->slot[i].handle, k = f->q_free;

	if (k == Q_NONE || caplen > NIC_PACKET_OUT_MAX_LEN || h >= f->depth) {
		f->st.order_overflow++;
		return fpag_packet_out(f, dest, frame, caplen, f->tag, err);
	}
	f->q_free = f->q[k].next;
	f->q[k] = (struct fpag_qpkt){ Q_NONE, dest, caplen, f->now, f->tag };
	memcpy(f->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN, frame, caplen);
	if (f->q_tail[h] == Q_NONE)
		f->q_head[h] = k;
	else
		f->q[f->q_tail[h]].next = k;
	f->q_tail[h] = k;
	f->st.order_queued++;
	return 0;
}

/* Send entry handle h's queued misses in order; *sent counts them. */
static int order_send(struct fpag *f, uint32_t h, uint64_t *sent,
		      struct pnic_error *err)
{
	uint32_t k;
	int rc = 0;

	while (rc == 0 && (k = f->q_head[h]) != Q_NONE) {
		struct fpag_qpkt *q = &f->q[k];
		uint64_t wait = f->now - q->at;

		f->q_head[h] = q->next;
		rc = fpag_packet_out(f, q->dest, f->q_mem + (size_t)k * NIC_PACKET_OUT_MAX_LEN,
				q->caplen, q->tag, err);
		if (rc == 0 && f->p.order_out)
			f->p.order_out(f->p.ctx, q->tag);
		f->st.order_wait_ns += wait;
		if (wait > f->st.order_wait_max_ns)
			f->st.order_wait_max_ns = wait;
		(*sent)++;
		q->next = f->q_free;
		f->q_free = k;
	}
	if (f->q_head[h] == Q_NONE)
		f->q_tail[h] = Q_NONE;
	return rc;
}

/* The entry leaves (invalidated, evicted, aged): its queued misses go
 * now, ahead of the held packets the NIC sends up when the invalidate
 * lands.  A sink's refusal is counted (forget cannot fail). */
void fpag_order_left(struct fpag *f, uint32_t handle)
{
	struct pnic_error err;

	if (f->q && f->q_head[handle] != Q_NONE &&
	    order_send(f, handle, &f->st.order_flushed, &err) < 0)
		f->st.cmd_errors++;
}

/* A move writes the entry's copy (hold and all) at its new index, then
 * invalidates the old one.  The copy's marker is queued when it lands,
 * before the invalidate sends the packets held at the old index up
 * cancelled: released on that marker, the new index would let later hits
 * out ahead of them.  So a holding entry that moved is noted here ... */
void fpag_order_moved(struct fpag *f, uint32_t handle, uint32_t to)
{
	if (f->rearm && f->n_rearm < f->depth && entry_holds(f, to))
		f->rearm[f->n_rearm++] = handle;
}

/* ... and, once the insert's commands are out, its hold is written again
 * (an ACTION_WRITE of the same word): that write's marker lands after the
 * invalidate, so behind the cancelled packets, and is the one that
 * releases (the copy's names an older generation: stale). */
int fpag_order_rearm(struct fpag *f, struct pnic_error *err)
{
	struct pnic_key v, m;
	struct action_word w;
	int rc;

	while (f->n_rearm) {
		uint32_t i = tcam_place_index(f->tp, f->rearm[--f->n_rearm]);

		if (i == TP_NONE || flow_table_get(f->ft, i, &v, &m, &w) < 0 ||
		    !word_holds(&w))
			continue;
		if ((rc = flow_table_set_action(f->ft, i, &w, err)) < 0) {
			f->n_rearm = 0;
			f->st.cmd_errors++;
			return rc;
		}
		f->st.order_rearms++;
	}
	return 0;
}

int fpag_miss_in_order(struct fpag *f, const struct fpag_pkt *k,
		       uint32_t dest, bool entry, const uint8_t *frame,
		       uint32_t caplen, struct pnic_error *err)
{
	const uint8_t *out = fpag_onward(f, dest, frame, &caplen, k, &entry);
	uint32_t at = TP_NONE;
	int rc;

	if (!out)
		return 0;
	if (entry && (rc = fpag_install(f, k, dest, &at, err)) < 0)
		return rc;
	if (dest < f->n_ep && at != TP_NONE && entry_holds(f, at))
		return order_queue(f, at, dest, out, caplen, err);
	return fpag_packet_out(f, dest, out, caplen, f->tag, err);
}

/* Entry i, holding with word w: its queued misses out in order, then the
 * word without hold (the release). */
static int release(struct fpag *f, uint32_t i, struct action_word w,
		   struct pnic_error *err)
{
	int rc;

	if (f->q && f->slot[i].handle < f->depth &&
	    (rc = order_send(f, f->slot[i].handle, &f->st.order_sent, err)) < 0)
		return rc;
	w.w[ACTW_HOLD_OFF / 64] &= ~(1ull << (ACTW_HOLD_OFF % 64));
	rc = flow_table_set_action(f->ft, i, &w, err);
	if (rc < 0) {
		f->st.cmd_errors++;
		return rc;
	}
	f->st.releases++;
	return 0;
}

/* The landed marker: if it names the index as the host last wrote it,
 * and that write held, every miss before the entry is here: send the
 * queued ones, then release (the word without hold). */
int fpag_landed(struct fpag *f, const struct datapath_event *ev,
		struct pnic_error *err)
{
	uint32_t i = ev->entry;
	struct pnic_key v, m;
	struct action_word w;

	f->st.markers++;
	if (i >= f->depth || f->slot[i].gen != ev->gen ||
	    flow_table_get(f->ft, i, &v, &m, &w) < 0 || !word_holds(&w)) {
		f->st.markers_stale++;
		return 0;
	}
	return release(f, i, w, err);
}

int fpag_events_lost(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	struct pnic_key v, m;
	struct action_word w;
	int rc;

	fpag_note_time(f, now_ns);
	for (uint32_t i = 0; i < f->depth; i++) {
		if (flow_table_get(f->ft, i, &v, &m, &w) < 0 || !word_holds(&w))
			continue;
		if ((rc = release(f, i, w, err)) < 0)
			return rc;
		f->st.gap_releases++;
	}
	return 0;
}

void fpag_set_tag(struct fpag *f, uint64_t tag)
{
	f->tag = tag;
}

uint64_t fpag_out_tag(const struct fpag *f)
{
	return f->out_tag;
}
