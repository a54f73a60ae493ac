/* oracle: the correctness oracle of a timed FPAG run (see oracle.h). */
#include "host/oracle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What the NIC did with one arrival, as far as it is known. */
enum nic_state {
	NS_NONE = 0,              /* nothing yet */
	NS_FORWARD,               /* left by out_ppid with the bytes at out_off */
	NS_DROP,                  /* dropped by decision */
	NS_CAPACITY,              /* dropped for want of room */
	NS_HOST,                  /* went to the host as event seq */
};

struct opkt {
	uint64_t at_ns;
	uint64_t done_ns;         /* when it was decided (the host's time for
				   * one that went up) */
	uint64_t in_off, out_off; /* the arena: its bytes, the NIC's output */
	uint32_t in_port, caplen, len;
	uint32_t out_ppid, out_caplen;
	uint8_t state;            /* enum nic_state */
	bool known;               /* given to oracle_arrival() */
	bool miss;                /* NS_HOST: the FPAG decides it */
	bool handled, queued, sent;
};

struct window {
	uint32_t op;
	uint64_t from, to;
};

struct oracle {
	struct oracle_params p;
	struct fpag_prog_action *actions;
	struct opkt *pk;
	uint64_t n_pk, cap_pk;
	uint8_t *arena;
	uint64_t n_arena, cap_arena;
	uint64_t *seq_id;         /* by event seq: id + 1, 0 none */
	uint64_t cap_seq;
	struct window *win;
	uint64_t n_win, cap_win;
	struct oracle_stats st;
	struct oracle_mismatch first[ORACLE_FIRST];
	uint32_t n_first;
	bool finished;
	/* the decider's PACKET_OUT of the packet being decided */
	bool cap_sent;
	uint32_t cap_ppid, cap_len;
	uint8_t cap_frame[NIC_PACKET_OUT_MAX_LEN];
};

/* ---- growing arrays --------------------------------------------------------- */

/* *buf holds *cap items of size sz; make room for n. */
static int grow(void **buf, uint64_t *cap, uint64_t n, size_t sz,
		struct pnic_error *err)
{
	uint64_t c = *cap ? *cap : 1024;
	void *b;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	b = realloc(*buf, c * sz);
	if (!b)
		return pnic_err(err, ENOMEM, "oracle: out of memory keeping %llu items of the run",
				(unsigned long long)n);
	memset((uint8_t *)b + *cap * sz, 0, (c - *cap) * sz);
	*buf = b;
	*cap = c;
	return 0;
}

/* caplen bytes into the arena: their offset in *off. */
static int keep(struct oracle *o, const uint8_t *frame, uint32_t caplen,
		uint64_t *off, struct pnic_error *err)
{
	int rc = grow((void **)&o->arena, &o->cap_arena, o->n_arena + caplen + 1, 1, err);

	if (rc < 0)
		return rc;
	memcpy(o->arena + o->n_arena, frame, caplen);
	*off = o->n_arena;
	o->n_arena += caplen;
	return 0;
}

static struct opkt *pkt(struct oracle *o, uint64_t id)
{
	return id < o->n_pk && o->pk[id].known ? &o->pk[id] : NULL;
}

static struct opkt *by_seq(struct oracle *o, uint32_t seq)
{
	return seq < o->cap_seq && o->seq_id[seq] ? pkt(o, o->seq_id[seq] - 1) : NULL;
}

/* ---- create ----------------------------------------------------------------- */

int oracle_create(const struct oracle_params *p, struct oracle **out,
		  struct pnic_error *err)
{
	struct oracle *o;

	*out = NULL;
	if (!p->fpag.rules || !p->fpag.profile)
		return pnic_err(err, EINVAL, "oracle: the FPAG's parameters need a key profile and a rule set");
	if (p->n_actions && !p->actions)
		return pnic_err(err, EINVAL, "oracle: %u actions but no array", p->n_actions);
	o = calloc(1, sizeof *o);
	if (!o || !(o->actions = calloc(p->n_actions ? p->n_actions : 1, sizeof *o->actions))) {
		free(o);
		return pnic_err(err, ENOMEM, "oracle: out of memory");
	}
	o->p = *p;
	if (p->n_actions)
		memcpy(o->actions, p->actions, p->n_actions * sizeof *o->actions);
	*out = o;
	return 0;
}

void oracle_destroy(struct oracle *o)
{
	if (!o)
		return;
	free(o->actions);
	free(o->pk);
	free(o->arena);
	free(o->seq_id);
	free(o->win);
	free(o);
}

/* ---- during the run ---------------------------------------------------------- */

int oracle_arrival(struct oracle *o, uint64_t id, uint32_t in_port,
		   uint64_t at_ns, const uint8_t *frame, uint32_t caplen,
		   uint32_t len, struct pnic_error *err)
{
	struct opkt *k;
	uint64_t off;
	int rc;

	if ((rc = grow((void **)&o->pk, &o->cap_pk, id + 1, sizeof *o->pk, err)) < 0 ||
	    (rc = keep(o, frame, caplen, &off, err)) < 0)
		return rc;
	k = &o->pk[id];
	*k = (struct opkt){ .at_ns = at_ns, .done_ns = at_ns, .in_off = off,
			    .in_port = in_port, .caplen = caplen, .len = len,
			    .known = true };
	if (id >= o->n_pk)
		o->n_pk = id + 1;
	o->st.arrivals++;
	return 0;
}

/* What left for packet k (NULL: not one of the arrivals): kept.  The
 * arena may move, the packets do not. */
static int output(struct oracle *o, struct opkt *k, uint32_t ppid,
		  const uint8_t *frame, uint32_t caplen, struct pnic_error *err)
{
	uint64_t off;
	int rc;

	if (!k)
		return 0;
	if ((rc = keep(o, frame, caplen, &off, err)) < 0)
		return rc;
	k->out_ppid = ppid;
	k->out_caplen = caplen;
	k->out_off = off;
	return 0;
}

int oracle_forwarded(struct oracle *o, uint64_t id, uint32_t ppid,
		     const uint8_t *frame, uint32_t caplen,
		     struct pnic_error *err)
{
	struct opkt *k = pkt(o, id);
	int rc = output(o, k, ppid, frame, caplen, err);

	if (rc == 0 && k)
		k->state = NS_FORWARD;
	return rc;
}

void oracle_dropped(struct oracle *o, uint64_t id, bool capacity)
{
	struct opkt *k = pkt(o, id);

	if (k)
		k->state = capacity ? NS_CAPACITY : NS_DROP;
}

int oracle_to_host(struct oracle *o, uint64_t id, uint32_t seq, bool miss,
		   struct pnic_error *err)
{
	struct opkt *k = pkt(o, id);
	int rc;

	if (!k)
		return 0;
	if ((rc = grow((void **)&o->seq_id, &o->cap_seq, (uint64_t)seq + 1,
		       sizeof *o->seq_id, err)) < 0)
		return rc;
	o->seq_id[seq] = id + 1;
	k->state = NS_HOST;
	k->miss = miss;
	k->handled = k->queued = k->sent = false;
	return 0;
}

void oracle_host_handled(struct oracle *o, uint32_t seq, uint64_t now_ns,
			 bool queued)
{
	struct opkt *k = by_seq(o, seq);

	if (!k)
		return;
	k->handled = true;
	k->queued = queued;
	k->done_ns = now_ns;
}

int oracle_host_sent(struct oracle *o, uint32_t seq, uint32_t ppid,
		     const uint8_t *frame, uint32_t caplen,
		     struct pnic_error *err)
{
	struct opkt *k = by_seq(o, seq);
	int rc = output(o, k, ppid, frame, caplen, err);

	if (rc == 0 && k)
		k->sent = true;
	return rc;
}

void oracle_window(struct oracle *o, uint32_t action, uint64_t from_ns,
		   uint64_t to_ns)
{
	struct pnic_error err;

	/* Out of memory: the window is lost, and its packets may count as
	 * mismatches, which errs on the side of a failed check. */
	if (action >= o->p.n_actions ||
	    grow((void **)&o->win, &o->cap_win, o->n_win + 1, sizeof *o->win, &err) < 0)
		return;
	o->win[o->n_win++] = (struct window){ o->actions[action].op, from_ns,
					      to_ns < from_ns ? from_ns : to_ns };
	o->st.windows++;
}

/* ---- the decider --------------------------------------------------------------- */

/* The decider's sink: a PACKET_OUT is its decision; the table and map
 * commands of an FPAG that installs nothing take no effect. */
static int decider_submit(void *ctx, const struct nic_cmd *c,
			  struct nic_cmd_result *res, struct pnic_error *err)
{
	struct oracle *o = ctx;

	(void)err;
	if (res)
		*res = (struct nic_cmd_result){ 0, 0 };
	if (c->op != NIC_OP_PACKET_OUT || c->packet.len > sizeof o->cap_frame)
		return 0;
	o->cap_sent = true;
	o->cap_ppid = c->packet.ppid;
	o->cap_len = c->packet.len;
	memcpy(o->cap_frame, c->packet.frame, c->packet.len);
	return 0;
}

static int decider_create(struct oracle *o, struct fpag **d,
			  struct pnic_error *err)
{
	struct fpag_params fp = o->p.fpag;

	fp.sink = (struct nic_cmd_sink){ decider_submit, o };
	fp.spend = NULL;
	fp.order_out = NULL;
	fp.last_hit = NULL;
	fp.ctx = o;
	fp.ordering = FPAG_ORDER_NONE;
	fp.full = TP_FULL_REFUSE;
	fp.count = false;
	fp.stats_ns = 0;
	fp.slow_path_only = true;
	return fpag_create(&fp, d, err);
}

/* Bring the decider to now: the actions due, then its timers. */
static int decider_advance(struct oracle *o, struct fpag *d, uint32_t *next,
			   uint64_t now, struct pnic_error *err)
{
	struct pnic_error e2;

	while (*next < o->p.n_actions && o->actions[*next].at_ns <= now) {
		/* A refusal is the real program's too (reported there). */
		if (fpag_prog_action_run(d, &o->actions[(*next)++], &e2) < 0)
			o->st.decider_errors++;
	}
	if (fpag_next_deadline(d) <= now)
		return fpag_tick(d, now, err);
	return 0;
}

struct order_key {
	uint64_t at_ns, id;
};

static int by_arrival(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->at_ns != y->at_ns)
		return x->at_ns < y->at_ns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- comparing ------------------------------------------------------------------ */

/* What the host made of a packet sent up: its PACKET_OUT; nothing, once
 * the FPAG took it without queueing it, or when the program drops it
 * (not a miss); else no decision yet. */
static enum oracle_verdict host_verdict(const struct opkt *k)
{
	if (k->sent)
		return ORACLE_FORWARD;
	return !k->miss || (k->handled && !k->queued) ? ORACLE_DROP : ORACLE_UNKNOWN;
}

/* The NIC's final decision; false when there is none to compare
 * (counted capacity or unresolved). */
static bool nic_decision(struct oracle *o, const struct opkt *k,
			 struct oracle_decision *got)
{
	enum oracle_verdict v = k->state == NS_FORWARD ? ORACLE_FORWARD :
				k->state == NS_DROP ? ORACLE_DROP :
				k->state == NS_HOST ? host_verdict(k) : ORACLE_UNKNOWN;

	*got = (struct oracle_decision){ ORACLE_UNKNOWN, 0, 0 };
	if (k->state == NS_CAPACITY) {
		o->st.capacity++;
		return false;
	}
	if (v == ORACLE_UNKNOWN) {
		o->st.unresolved++;
		return false;
	}
	if (v == ORACLE_FORWARD)
		*got = (struct oracle_decision){ v, k->out_ppid, k->out_caplen };
	else
		got->v = v;
	return true;
}

/* The first byte at which the NIC's output differs from the decider's,
 * -1 if none (the lengths are compared apart). */
static int32_t first_diff(const struct oracle *o, const struct opkt *k)
{
	uint32_t n = k->out_caplen < o->cap_len ? k->out_caplen : o->cap_len;

	for (uint32_t i = 0; i < n; i++)
		if (o->arena[k->out_off + i] != o->cap_frame[i])
			return (int32_t)i;
	return k->out_caplen == o->cap_len ? -1 : (int32_t)n;
}

/* The window the packet's decision was in the making in, or NULL. */
static const struct window *in_window(const struct oracle *o,
				      const struct opkt *k)
{
	for (uint64_t i = 0; i < o->n_win; i++)
		if (k->at_ns <= o->win[i].to && k->done_ns >= o->win[i].from)
			return &o->win[i];
	return NULL;
}

static void tally(struct oracle *o, uint64_t id, const struct opkt *k,
		  const struct oracle_decision *exp,
		  const struct oracle_decision *got, int32_t byte)
{
	const struct window *w;

	o->st.compared++;
	o->st.forwards += got->v == ORACLE_FORWARD;
	o->st.drops += got->v == ORACLE_DROP;
	if (exp->v == got->v && exp->ppid == got->ppid && byte < 0) {
		o->st.matched++;
		return;
	}
	if ((w = in_window(o, k))) {
		o->st.in_window++;
		o->st.in_window_kind[w->op]++;
		return;
	}
	o->st.mismatches++;
	if (o->n_first < ORACLE_FIRST)
		o->first[o->n_first++] = (struct oracle_mismatch){
			id, k->at_ns, k->in_port, *exp, *got, byte };
}

/* Decide packet id in the slow path and compare. */
static int decide_one(struct oracle *o, struct fpag *d, uint64_t id,
		      struct pnic_error *err)
{
	const struct opkt *k = &o->pk[id];
	struct oracle_decision exp = { ORACLE_DROP, 0, 0 }, got;
	bool have = nic_decision(o, k, &got);
	int32_t byte = -1;
	int rc;

	/* Lost for want of room: neither the NIC's FPAG nor its entries
	 * saw it, so the slow path does not either. */
	if (k->state == NS_CAPACITY)
		return 0;
	o->cap_sent = false;
	rc = fpag_miss(d, k->in_port, o->arena + k->in_off, k->caplen, k->len,
		       k->at_ns, err);
	if (rc < 0 || !have)
		return rc;
	if (o->cap_sent)
		exp = (struct oracle_decision){ ORACLE_FORWARD, o->cap_ppid, o->cap_len };
	if (exp.v == ORACLE_FORWARD && got.v == ORACLE_FORWARD && exp.ppid == got.ppid)
		byte = first_diff(o, k);
	tally(o, id, k, &exp, &got, byte);
	return 0;
}

/* The known arrivals, by arrival time (then id). */
static struct order_key *arrival_order(struct oracle *o, uint64_t *n,
				       struct pnic_error *err)
{
	struct order_key *ids = malloc((o->n_pk ? o->n_pk : 1) * sizeof *ids);

	*n = 0;
	if (!ids) {
		pnic_err(err, ENOMEM, "oracle: out of memory ordering %llu arrivals",
			 (unsigned long long)o->n_pk);
		return NULL;
	}
	for (uint64_t i = 0; i < o->n_pk; i++)
		if (o->pk[i].known)
			ids[(*n)++] = (struct order_key){ o->pk[i].at_ns, i };
	qsort(ids, *n, sizeof *ids, by_arrival);
	return ids;
}

int oracle_finish(struct oracle *o, struct pnic_error *err)
{
	struct fpag *d = NULL;
	struct order_key *ids;
	uint64_t n;
	uint32_t next = 0;
	int rc;

	if (o->finished)
		return pnic_err(err, EALREADY, "oracle: finished already");
	o->finished = true;
	if (!(ids = arrival_order(o, &n, err)))
		return -ENOMEM;
	rc = decider_create(o, &d, err);
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		rc = decider_advance(o, d, &next, ids[i].at_ns, err);
		if (rc == 0)
			rc = decide_one(o, d, ids[i].id, err);
	}
	fpag_destroy(d);
	free(ids);
	return rc;
}

const struct oracle_stats *oracle_stats(const struct oracle *o)
{
	return &o->st;
}

const struct oracle_mismatch *oracle_mismatches(const struct oracle *o,
						uint32_t *n)
{
	*n = o->n_first;
	return o->first;
}
