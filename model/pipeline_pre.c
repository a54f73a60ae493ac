/* Pipeline header work done ahead (see pipeline-private.h): each frame is
 * parsed and its key built when it is given (pipeline_arrive), and the
 * keys given since the last run are looked up together when the next run
 * starts, so that their table reads overlap (lookup_core_result_burst)
 * instead of each waiting for its own cache misses at its issue edge.
 *
 * None of it is timed or seen: the parser's and key stage's results are a
 * function of the frame and its port alone, so the grant takes them as
 * they were made; a lookup taken ahead stands in for the one at its issue
 * only while the tables' generation is the one it was taken at
 * (lookup_generation()), and is redone otherwise.  Lookups in the core
 * model (not on its fast path) never use them.  The reference scheduler
 * (stepped_core) does everything at its stage, so the differential test
 * holds these results to the direct ones.  A frame whose room in the ring
 * was taken by a later arrival before its grant (more frames waiting than
 * the ring holds) is simply worked at its stage.
 */
#include <errno.h>
#include <stdlib.h>

#include "model/pipeline-private.h"

/* A frame's work done ahead. */
struct pl_pre {
	uint64_t tag;                /* the arrival it is for, plus one (0:
				      * none, as calloc leaves it) */
	uint64_t gen;                /* the tables' generation of res, or
				      * PIPELINE_NEVER: not looked up */
	struct datapath_work wk;
	struct pnic_key key;
	struct lookup_result res;
};

/* Room for every frame the wire and an ingress buffer can hold, up to a
 * bound past which the work would leave the caches before it is used. */
#define PL_PRE_MAX 8192u
/* A grant sends the per-entry state of the frame this many arrivals
 * later on its way into the cache: far enough ahead that it is there
 * when that frame's action stage comes, near enough that it stays. */
#define PL_PRE_PREFETCH 16u

int pipeline_pre_create(struct pipeline *pl, struct pnic_error *err)
{
	const struct pipeline_bounds *b = &pl->p.bounds;
	uint64_t want = (uint64_t)b->wire_frames + b->ingress_frames, n = 1;

	if (pl->p.stepped_core)
		return 0;
	while (n < want && n < PL_PRE_MAX)
		n <<= 1;
	pl->pre = calloc(n, sizeof *pl->pre);
	if (!pl->pre)
		return pnic_err(err, ENOMEM, "out of memory for %llu frames' work ahead",
				(unsigned long long)n);
	pl->pre_mask = n - 1;
	return 0;
}

void pipeline_pre_destroy(struct pipeline *pl)
{
	free(pl->pre);
}

void pipeline_pre_arrive(struct pipeline *pl, uint32_t port,
			 const struct pl_rx *e)
{
	struct datapath_pkt p = { e->frame, e->caplen, e->len, 0 };
	struct pl_pre *x;

	if (!pl->pre)
		return;
	x = &pl->pre[e->id & pl->pre_mask];
	x->tag = e->id + 1;
	x->gen = PIPELINE_NEVER;
	datapath_front(pl->dp, port, &p, &x->wk, &x->key);
}

/* Up to LOOKUP_BURST of the arrivals [*from, to) that need a lookup,
 * looked up together at generation gen; *from moves past them. */
static void lookup_some(struct pipeline *pl, uint64_t *from, uint64_t to,
			uint64_t gen)
{
	struct pnic_key keys[LOOKUP_BURST];
	struct lookup_result res[LOOKUP_BURST];
	struct pl_pre *who[LOOKUP_BURST];
	uint32_t n = 0;

	for (; *from < to && n < LOOKUP_BURST; (*from)++) {
		struct pl_pre *x = &pl->pre[*from & pl->pre_mask];

		if (x->tag == *from + 1 && x->wk.state == DP_WORK_LOOKUP) {
			keys[n] = x->key;
			who[n++] = x;
		}
	}
	if (!n)
		return;
	lookup_core_result_burst(pl->core, keys, n, res);
	for (uint32_t i = 0; i < n; i++) {
		who[i]->res = res[i];
		who[i]->gen = gen;
	}
}

void pipeline_pre_lookups(struct pipeline *pl)
{
	uint64_t to = pl->arrivals, from = pl->pre_looked;
	uint64_t gen;

	if (!pl->pre || from == to)
		return;
	if (to - from > pl->pre_mask + 1)
		from = to - (pl->pre_mask + 1);
	gen = lookup_generation(lookup_core_lookup(pl->core));
	while (from < to)
		lookup_some(pl, &from, to, gen);
	pl->pre_looked = to;
}

/* The entry a later frame's lookup ahead found, its counters and
 * last-hit time fetched now (a miss each on a table of many flows). */
static void prefetch_later(const struct pipeline *pl, uint64_t id)
{
	const struct pl_pre *y = &pl->pre[id & pl->pre_mask];

	if (y->tag == id + 1 && y->gen != PIPELINE_NEVER && y->res.hit)
		datapath_prefetch(pl->dp, y->res.index);
}

bool pipeline_pre_front(struct pipeline *pl, struct pl_slot *s)
{
	const struct pl_pre *x;

	if (!pl->pre)
		return false;
	prefetch_later(pl, s->rec.id + PL_PRE_PREFETCH);
	x = &pl->pre[s->rec.id & pl->pre_mask];
	if (x->tag != s->rec.id + 1)
		return false;
	s->wk = x->wk;
	if (x->wk.state == DP_WORK_LOOKUP)
		s->key = x->key;
	pl->pre_fronts++;
	return true;
}

bool pipeline_pre_result(struct pipeline *pl, struct pl_slot *s)
{
	const struct pl_pre *x;

	if (!pl->pre)
		return false;
	x = &pl->pre[s->rec.id & pl->pre_mask];
	if (x->tag != s->rec.id + 1 ||
	    x->gen != lookup_generation(lookup_core_lookup(pl->core)))
		return false;
	s->res = x->res;
	pl->pre_results++;
	return true;
}
