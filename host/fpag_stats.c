/* FPAG: statistics: the counters read in batches, totals per flow and per
 * endpoint. */
#include "host/fpag-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* An index whose counters matter: it holds an entry, or one left it
 * unread. */
static bool counted(const struct fpag *f, uint32_t i)
{
	return f->slot[i].dirty || tcam_place_handle_at(f->tp, i) != TP_NONE;
}

int fpag_counters_poll(struct fpag *f, uint64_t now_ns, struct pnic_error *err)
{
	int rc;

	fpag_note_time(f, now_ns);
	if (!f->p.count)
		return 0;
	if (f->p.stats_ns)
		f->next_poll = now_ns + f->p.stats_ns;
	f->st.counter_polls++;
	for (uint32_t i = 0; i < f->depth;) {
		uint32_t n = f->depth - i < f->batch ? f->depth - i : f->batch;

		if (!counted(f, i)) {
			i++;
			continue;
		}
		if ((rc = fpag_read_run(f, i, n, err)) < 0)
			return rc;
		i += n;
	}
	return 0;
}

int fpag_vnic_totals(const struct fpag *f, uint32_t endpoint,
		     struct fpag_totals *out)
{
	if (endpoint == FPAG_NONE)
		endpoint = f->n_ep;
	if (endpoint > f->n_ep)
		return -ENOENT;
	*out = f->tot[endpoint];
	return 0;
}

int fpag_entry_totals(const struct fpag *f, uint32_t index,
		      struct fpag_flow_totals *out)
{
	uint32_t h = tcam_place_handle_at(f->tp, index);
	const struct fpag_rec *r;

	if (h == TP_NONE)
		return -ENOENT;
	r = &f->rec[h];
	*out = (struct fpag_flow_totals){
		.packets = r->packets, .bytes = r->bytes, .last_hit = r->last_hit,
		.src = r->src, .dest = r->dest,
	};
	return 0;
}
