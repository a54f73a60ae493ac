/* VPID allocator: unmap first, quarantine until purged, oldest-freed
 * reuse behind a fence (see vpid.h). */
#include "host/vpid.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "model/vpid_map.h"

struct vpid_slot {
	uint8_t state;               /* enum vpid_state */
	bool used;                   /* held at least once: reuse needs a fence */
	uint32_t ppid;               /* BOUND: where it maps */
	uint32_t entries;            /* flow entries naming it */
};

struct vpid_alloc {
	uint32_t first, count;
	struct nic_cmd_sink sink;
	struct vpid_slot *slots;     /* count, by vpid - first */
	uint32_t *fifo;              /* free VPIDs, oldest freed at head */
	uint32_t head, n_free;
	uint32_t n_draining;
	struct vpid_stats st;
};

int vpid_create(const struct vpid_params *p, struct vpid_alloc **out,
		struct pnic_error *err)
{
	struct vpid_alloc *a;

	*out = NULL;
	if (p->count == 0 || p->first >= VPID_MAP_MAX_VPIDS ||
	    p->count > VPID_MAP_MAX_VPIDS - p->first)
		return pnic_err(err, ERANGE,
				"VPID range %u + %u is not within 0..%u",
				p->first, p->count, VPID_MAP_MAX_VPIDS - 1);
	if (!p->sink.submit)
		return pnic_err(err, EINVAL, "a VPID allocator needs a command sink");
	a = calloc(1, sizeof *a);
	if (!a)
		return pnic_err(err, ENOMEM, "out of memory for a VPID allocator");
	a->slots = calloc(p->count, sizeof *a->slots);
	a->fifo = calloc(p->count, sizeof *a->fifo);
	if (!a->slots || !a->fifo) {
		vpid_destroy(a);
		return pnic_err(err, ENOMEM,
				"out of memory for %u VPIDs", p->count);
	}
	a->first = p->first;
	a->count = p->count;
	a->sink = p->sink;
	for (uint32_t i = 0; i < p->count; i++)
		a->fifo[i] = p->first + i;
	a->n_free = p->count;
	*out = a;
	return 0;
}

void vpid_destroy(struct vpid_alloc *a)
{
	if (!a)
		return;
	free(a->fifo);
	free(a->slots);
	free(a);
}

static struct vpid_slot *slot_of(const struct vpid_alloc *a, uint32_t vpid)
{
	if (vpid < a->first || vpid - a->first >= a->count)
		return NULL;
	return &a->slots[vpid - a->first];
}

static int check_slot(struct vpid_alloc *a, uint32_t vpid,
		      struct vpid_slot **out, struct pnic_error *err)
{
	*out = slot_of(a, vpid);
	if (!*out)
		return pnic_err(err, ERANGE, "VPID %u is outside this range (%u..%u)",
				vpid, a->first, a->first + a->count - 1);
	return 0;
}

static const char *state_name(uint8_t s)
{
	static const char *const name[] = {
		[VPID_FREE] = "free", [VPID_BOUND] = "bound",
		[VPID_DRAINING] = "draining",
	};
	return name[s];
}

static int bound_slot(struct vpid_alloc *a, uint32_t vpid,
		      struct vpid_slot **out, struct pnic_error *err)
{
	int rc = check_slot(a, vpid, out, err);

	if (rc)
		return rc;
	if ((*out)->state != VPID_BOUND)
		return pnic_err(err, ENOENT, "VPID %u is %s, not bound", vpid,
				state_name((*out)->state));
	return 0;
}

static int map_cmd(struct vpid_alloc *a, uint32_t op, uint32_t vpid,
		   uint32_t ppid, struct pnic_error *err)
{
	struct nic_cmd c = { .op = op, .map = { .vpid = vpid, .ppid = ppid } };
	int rc = nic_cmd_submit(&a->sink, &c, NULL, err);

	if (rc)
		return rc;
	if (op == NIC_OP_MAP_SET)
		a->st.map_sets++;
	else
		a->st.map_clears++;
	return 0;
}

static void push_free(struct vpid_alloc *a, uint32_t vpid)
{
	a->fifo[(a->head + a->n_free) % a->count] = vpid;
	a->n_free++;
	a->slots[vpid - a->first].state = VPID_FREE;
}

int vpid_alloc(struct vpid_alloc *a, uint32_t ppid, uint32_t *vpid,
	       struct pnic_error *err)
{
	struct vpid_slot *s;
	uint32_t v;
	int rc;

	if (a->n_free == 0) {
		a->st.exhausted++;
		return pnic_err(err, ENOSPC,
				"no free VPID in %u..%u (%u still named by flow entries)",
				a->first, a->first + a->count - 1, a->n_draining);
	}
	v = a->fifo[a->head];
	s = &a->slots[v - a->first];
	/* The fence: one config beat between the last invalidate of an
	 * entry naming v and the map write that hands v on. */
	if (s->used) {
		if ((rc = map_cmd(a, NIC_OP_MAP_CLEAR, v, 0, err)))
			return rc;
		a->st.fences++;
	}
	if ((rc = map_cmd(a, NIC_OP_MAP_SET, v, ppid, err)))
		return rc;
	a->head = (a->head + 1) % a->count;
	a->n_free--;
	a->st.allocs++;
	a->st.reuses += s->used;
	s->state = VPID_BOUND;
	s->used = true;
	s->ppid = ppid;
	*vpid = v;
	return 0;
}

int vpid_move(struct vpid_alloc *a, uint32_t vpid, uint32_t ppid,
	      struct pnic_error *err)
{
	struct vpid_slot *s;
	int rc;

	if ((rc = bound_slot(a, vpid, &s, err)) ||
	    (rc = map_cmd(a, NIC_OP_MAP_SET, vpid, ppid, err)))
		return rc;
	s->ppid = ppid;
	a->st.moves++;
	return 0;
}

int vpid_release(struct vpid_alloc *a, uint32_t vpid, struct pnic_error *err)
{
	struct vpid_slot *s;
	int rc;

	if ((rc = bound_slot(a, vpid, &s, err)) ||
	    (rc = map_cmd(a, NIC_OP_MAP_CLEAR, vpid, 0, err)))
		return rc;
	a->st.releases++;
	s->ppid = VPID_UNMAPPED;
	if (s->entries == 0) {
		push_free(a, vpid);
		return 0;
	}
	s->state = VPID_DRAINING;
	a->n_draining++;
	return 0;
}

int vpid_entry_added(struct vpid_alloc *a, uint32_t vpid,
		     struct pnic_error *err)
{
	struct vpid_slot *s;
	int rc = check_slot(a, vpid, &s, err);

	if (rc)
		return rc;
	if (s->state != VPID_BOUND) {
		a->st.stale_refused++;
		return pnic_err(err, ESTALE,
				"VPID %u is %s: an entry naming it could reach "
				"whoever gets it next", vpid, state_name(s->state));
	}
	s->entries++;
	return 0;
}

int vpid_entry_removed(struct vpid_alloc *a, uint32_t vpid,
		       struct pnic_error *err)
{
	struct vpid_slot *s;
	int rc = check_slot(a, vpid, &s, err);

	if (rc)
		return rc;
	if (s->entries == 0)
		return pnic_err(err, ENOENT,
				"VPID %u has no flow entry counted", vpid);
	if (--s->entries == 0 && s->state == VPID_DRAINING) {
		a->n_draining--;
		a->st.drained++;
		push_free(a, vpid);
	}
	return 0;
}

enum vpid_state vpid_state(const struct vpid_alloc *a, uint32_t vpid)
{
	const struct vpid_slot *s = slot_of(a, vpid);

	return s ? (enum vpid_state)s->state : VPID_FREE;
}

uint32_t vpid_entries(const struct vpid_alloc *a, uint32_t vpid)
{
	const struct vpid_slot *s = slot_of(a, vpid);

	return s ? s->entries : 0;
}

uint32_t vpid_ppid(const struct vpid_alloc *a, uint32_t vpid)
{
	const struct vpid_slot *s = slot_of(a, vpid);

	return s && s->state == VPID_BOUND ? s->ppid : VPID_UNMAPPED;
}

uint32_t vpid_free_count(const struct vpid_alloc *a)
{
	return a->n_free;
}

const struct vpid_stats *vpid_stats(const struct vpid_alloc *a)
{
	return &a->st;
}
