/* Flow aging (see flow_age.h): per-entry latest activity and a lazy
 * min-heap of the sweeps at which entries fall due. */
#include "model/flow_age.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { AGE_NONE = 0, AGE_ARMED, AGE_REPORTED };

struct age_entry {
	uint64_t last;     /* latest write or hit */
	uint64_t due;      /* ARMED: the sweep its heap item is for */
	uint32_t gen;
	uint8_t cls;
	uint8_t state;
};

/* A heap item: stale once its entry's due or state moved on. */
struct age_item {
	uint64_t due;
	uint32_t index;
};

struct flow_age {
	struct flow_age_config cfg;
	uint32_t depth;
	struct age_entry *e;
	struct age_item *heap;
	uint32_t n, cap;           /* cap: 2 x depth, compacted when full */
	struct flow_age_stats st;
};

void flow_age_config_default(struct flow_age_config *c)
{
	/* Off until the host turns it on.  The timeouts, should it do so
	 * without giving its own, are Open vSwitch's datapath flow idle
	 * timeout (10 s, max-idle) and two longer classes; a sweep every
	 * millisecond finds an entry within 1 ms of its deadline. */
	*c = (struct flow_age_config){
		.mode = FLOW_AGE_OFF,
		.timeout_ns = { 0, 10000000000ull, 60000000000ull, 300000000000ull },
		.sweep_ns = 1000000,
	};
}

int flow_age_config_validate(const struct flow_age_config *c,
			     struct pnic_error *err)
{
	if (c->mode >= FLOW_AGE_MODE_COUNT)
		return pnic_err(err, EINVAL,
				"aging mode %u is not off (0), notify (1) or delete (2)",
				c->mode);
	if (c->timeout_ns[0])
		return pnic_err(err, EINVAL,
				"age class 0 never ages: its timeout must be 0, not %llu ns",
				(unsigned long long)c->timeout_ns[0]);
	for (unsigned k = 1; k < ACTION_AGE_CLASSES; k++)
		if (c->timeout_ns[k] > FLOW_AGE_MAX_NS ||
		    (c->mode != FLOW_AGE_OFF && !c->timeout_ns[k]))
			return pnic_err(err, EINVAL,
					"age class %u timeout %llu ns is not 1..%llu ns",
					k, (unsigned long long)c->timeout_ns[k],
					(unsigned long long)FLOW_AGE_MAX_NS);
	if (c->sweep_ns > FLOW_AGE_MAX_NS ||
	    (c->mode != FLOW_AGE_OFF && !c->sweep_ns))
		return pnic_err(err, EINVAL,
				"aging sweep period %llu ns is not 1..%llu ns",
				(unsigned long long)c->sweep_ns,
				(unsigned long long)FLOW_AGE_MAX_NS);
	return 0;
}

int flow_age_create(uint32_t depth, struct flow_age **out,
		    struct pnic_error *err)
{
	struct flow_age *a;

	*out = NULL;
	if (!depth)
		return pnic_err(err, EINVAL, "aging needs a table of at least one entry");
	a = calloc(1, sizeof *a);
	if (!a)
		return pnic_err(err, ENOMEM, "out of memory for the aging engine");
	a->depth = depth;
	a->cap = 2 * depth;
	a->e = calloc(depth, sizeof *a->e);
	a->heap = calloc(a->cap, sizeof *a->heap);
	if (!a->e || !a->heap) {
		flow_age_destroy(a);
		return pnic_err(err, ENOMEM, "out of memory for aging %u entries",
				depth);
	}
	flow_age_config_default(&a->cfg);
	*out = a;
	return 0;
}

void flow_age_destroy(struct flow_age *a)
{
	if (!a)
		return;
	free(a->e);
	free(a->heap);
	free(a);
}

/* ---- the heap: ordered by (due, index), so one sweep finds in index
 * order, as an engine walking the table does ---- */

static bool before(const struct age_item *x, const struct age_item *y)
{
	return x->due < y->due || (x->due == y->due && x->index < y->index);
}

static void sift_up(struct flow_age *a, uint32_t i)
{
	struct age_item it = a->heap[i];

	while (i && before(&it, &a->heap[(i - 1) / 2])) {
		a->heap[i] = a->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	a->heap[i] = it;
}

static void sift_down(struct flow_age *a, uint32_t i)
{
	struct age_item it = a->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= a->n)
			break;
		if (c + 1 < a->n && before(&a->heap[c + 1], &a->heap[c]))
			c++;
		if (!before(&a->heap[c], &it))
			break;
		a->heap[i] = a->heap[c];
		i = c;
	}
	a->heap[i] = it;
}

static bool live_item(const struct flow_age *a, const struct age_item *it)
{
	const struct age_entry *e = &a->e[it->index];

	return e->state == AGE_ARMED && e->due == it->due;
}

/* Drop stale items: at most one live item per entry, so at most depth. */
static void compact(struct flow_age *a)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < a->n; i++)
		if (live_item(a, &a->heap[i]))
			a->heap[m++] = a->heap[i];
	a->n = m;
	for (uint32_t i = m / 2; i-- > 0;)
		sift_down(a, i);
	a->st.rebuilds++;
}

static void push(struct flow_age *a, uint64_t due, uint32_t index)
{
	if (a->n >= a->cap)
		compact(a);
	if (a->n >= a->cap)
		return;         /* never: at most one live item per entry */
	a->heap[a->n] = (struct age_item){ due, index };
	sift_up(a, a->n++);
}

static void pop(struct flow_age *a)
{
	a->heap[0] = a->heap[--a->n];
	if (a->n)
		sift_down(a, 0);
}

/* The sweep that finds an entry last active at `last`: the first multiple
 * of sweep_ns at or after last + its timeout (saturating). */
static uint64_t due_of(const struct flow_age *a, const struct age_entry *e)
{
	uint64_t d = e->last + a->cfg.timeout_ns[e->cls], s = a->cfg.sweep_ns;

	if (d < e->last || d > UINT64_MAX - s)
		return UINT64_MAX;
	return (d + s - 1) / s * s;
}

static void arm(struct flow_age *a, uint32_t index)
{
	struct age_entry *e = &a->e[index];

	if (a->cfg.mode == FLOW_AGE_OFF || !e->cls) {
		e->state = AGE_NONE;
		return;
	}
	e->state = AGE_ARMED;
	e->due = due_of(a, e);
	if (e->due != UINT64_MAX)
		push(a, e->due, index);
}

void flow_age_configure(struct flow_age *a, const struct flow_age_config *c)
{
	a->cfg = *c;
	a->n = 0;
	for (uint32_t i = 0; i < a->depth; i++)
		arm(a, i);
}

const struct flow_age_config *flow_age_get_config(const struct flow_age *a)
{
	return &a->cfg;
}

void flow_age_write(struct flow_age *a, uint32_t index, unsigned cls,
		    uint64_t now)
{
	struct age_entry *e;

	if (index >= a->depth)
		return;
	e = &a->e[index];
	e->gen++;
	e->last = now;
	e->cls = (uint8_t)(cls < ACTION_AGE_CLASSES ? cls : 0);
	arm(a, index);
}

void flow_age_hit(struct flow_age *a, uint32_t index, uint64_t now)
{
	struct age_entry *e;

	if (index >= a->depth)
		return;
	e = &a->e[index];
	e->last = now;
	/* Reported and still live (notify mode): it ages anew. */
	if (e->state == AGE_REPORTED)
		arm(a, index);
}

void flow_age_retry(struct flow_age *a, uint32_t index, uint64_t now)
{
	struct age_entry *e;
	uint64_t s = a->cfg.sweep_ns;

	if (index >= a->depth || a->e[index].state != AGE_REPORTED || !s)
		return;
	e = &a->e[index];
	e->state = AGE_ARMED;
	e->due = (now / s + 1) * s;
	push(a, e->due, index);
	a->st.retried++;
}

void flow_age_prefetch(const struct flow_age *a, uint32_t index)
{
	if (index < a->depth)
		__builtin_prefetch(&a->e[index], 1);
}

uint64_t flow_age_next(const struct flow_age *a)
{
	return a->n ? a->heap[0].due : UINT64_MAX;
}

unsigned flow_age_expire(struct flow_age *a, uint64_t now,
			 struct flow_age_found *out, unsigned max)
{
	unsigned k = 0;

	while (k < max && a->n && a->heap[0].due <= now) {
		struct age_item it = a->heap[0];
		struct age_entry *e = &a->e[it.index];
		uint64_t due;

		pop(a);
		if (!live_item(a, &it))
			continue;
		due = due_of(a, e);
		if (due > it.due) {
			/* hit since: the deadline moves on */
			a->st.refreshed++;
			e->due = due;
			if (due != UINT64_MAX)
				push(a, due, it.index);
			else
				e->state = AGE_NONE;
			continue;
		}
		e->state = AGE_REPORTED;
		a->st.found++;
		out[k++] = (struct flow_age_found){ .index = it.index,
						    .last = e->last,
						    .at = it.due, .gen = e->gen };
	}
	return k;
}

uint32_t flow_age_gen(const struct flow_age *a, uint32_t index)
{
	return index < a->depth ? a->e[index].gen : 0;
}

const struct flow_age_stats *flow_age_stats(const struct flow_age *a)
{
	return &a->st;
}
