/* Flow table: the host's copy of its NIC's entries, changed only through
 * commands the sink accepted (see flow_table.h). */
#include "host/flow_table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "model/tcam.h"

enum slot_state {
	SLOT_UNUSED = 0,
	SLOT_LIVE,
	SLOT_WITHDRAWN,
};

struct slot {
	enum slot_state state;
	struct pnic_key value;      /* as written: value & mask */
	struct pnic_key mask;
	struct action_word action;
	uint32_t hnext;             /* live slots' hash chain */
};

#define FT_NONE UINT32_MAX

/* Live entries are chained by a hash of (value, mask), so that the check
 * a host makes on every miss costs a chain, not the table. */
struct flow_table {
	uint32_t depth;
	uint32_t used;              /* indices below have held an entry */
	struct nic_cmd_sink sink;
	struct slot *slots;         /* depth */
	uint32_t *bucket;           /* nb, chain heads */
	uint32_t nb;                /* a power of two >= depth */
};

static uint32_t hash_key(const struct flow_table *t, const struct pnic_key *v,
			 const struct pnic_key *m)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++) {
		h = (h ^ v->w[i]) * 0xff51afd7ed558ccdull;
		h = (h ^ m->w[i] ^ h >> 29) * 0xc4ceb9fe1a85ec53ull;
	}
	return (uint32_t)(h ^ h >> 32) & (t->nb - 1);
}

static void chain_link(struct flow_table *t, uint32_t i)
{
	struct slot *s = &t->slots[i];
	uint32_t *head = &t->bucket[hash_key(t, &s->value, &s->mask)];

	s->hnext = *head;
	*head = i;
}

static void chain_unlink(struct flow_table *t, uint32_t i)
{
	struct slot *s = &t->slots[i];
	uint32_t *p = &t->bucket[hash_key(t, &s->value, &s->mask)];

	while (*p != FT_NONE && *p != i)
		p = &t->slots[*p].hnext;
	if (*p == i)
		*p = s->hnext;
}

int flow_table_create(const struct flow_table_params *p,
		      struct flow_table **out, struct pnic_error *err)
{
	struct flow_table *t;

	*out = NULL;
	if (p->depth == 0 || p->depth > TCAM_MAX_DEPTH)
		return pnic_err(err, EINVAL,
				"flow table depth %u is outside 1..%u",
				p->depth, TCAM_MAX_DEPTH);
	if (!p->sink.submit)
		return pnic_err(err, EINVAL, "a flow table needs a command sink");
	t = calloc(1, sizeof *t);
	if (!t)
		return pnic_err(err, ENOMEM, "out of memory for a flow table");
	for (t->nb = 1; t->nb < p->depth; t->nb *= 2)
		;
	t->slots = calloc(p->depth, sizeof *t->slots);
	t->bucket = malloc(t->nb * sizeof *t->bucket);
	if (!t->slots || !t->bucket) {
		flow_table_destroy(t);
		return pnic_err(err, ENOMEM,
				"out of memory for a flow table of %u entries",
				p->depth);
	}
	for (uint32_t i = 0; i < t->nb; i++)
		t->bucket[i] = FT_NONE;
	t->depth = p->depth;
	t->sink = p->sink;
	*out = t;
	return 0;
}

void flow_table_destroy(struct flow_table *t)
{
	if (!t)
		return;
	free(t->bucket);
	free(t->slots);
	free(t);
}

static int submit(struct flow_table *t, const struct nic_cmd *c,
		  struct pnic_error *err)
{
	return nic_cmd_submit(&t->sink, c, NULL, err);
}

static int check_index(const struct flow_table *t, uint32_t index,
		       struct pnic_error *err)
{
	if (index >= t->depth)
		return pnic_err(err, ERANGE,
				"flow entry %u is out of range (0..%u)", index,
				t->depth - 1);
	return 0;
}

/* The slot of an index that must be in state `want`. */
static int slot_in(struct flow_table *t, uint32_t index, enum slot_state want,
		   struct slot **out, struct pnic_error *err)
{
	static const char *const what[] = {
		[SLOT_UNUSED] = "unused", [SLOT_LIVE] = "live",
		[SLOT_WITHDRAWN] = "withdrawn",
	};
	int rc = check_index(t, index, err);

	if (rc)
		return rc;
	if (t->slots[index].state != want)
		return pnic_err(err, ENOENT, "flow entry %u is %s, not %s",
				index, what[t->slots[index].state], what[want]);
	*out = &t->slots[index];
	return 0;
}

int flow_table_write(struct flow_table *t, uint32_t index,
		     const struct pnic_key *value, const struct pnic_key *mask,
		     const struct action_word *action, struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE,
			     .entry = { .index = index, .mask = *mask,
					.action = *action } };
	struct slot *s;
	int rc;

	/* Checked here too: the copy must not depend on the sink's checks. */
	if ((rc = check_index(t, index, err)))
		return rc;
	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		c.entry.value.w[i] = value->w[i] & mask->w[i];
	if ((rc = submit(t, &c, err)))
		return rc;
	s = &t->slots[index];
	if (s->state == SLOT_LIVE)
		chain_unlink(t, index);
	s->state = SLOT_LIVE;
	s->value = c.entry.value;
	s->mask = *mask;
	s->action = *action;
	chain_link(t, index);
	if (index >= t->used)
		t->used = index + 1;
	return 0;
}

int flow_table_add(struct flow_table *t, const struct pnic_key *value,
		   const struct pnic_key *mask, const struct action_word *action,
		   uint32_t *index, struct pnic_error *err)
{
	if (t->used == t->depth)
		return pnic_err(err, ENOSPC,
				"the flow table is full (%u entries)", t->depth);
	*index = t->used;
	return flow_table_write(t, *index, value, mask, action, err);
}

int flow_table_set_action(struct flow_table *t, uint32_t index,
			  const struct action_word *action,
			  struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ACTION_WRITE,
			     .action = { .index = index, .action = *action } };
	struct slot *s = NULL;
	int rc;

	if ((rc = slot_in(t, index, SLOT_LIVE, &s, err)) ||
	    (rc = submit(t, &c, err)))
		return rc;
	s->action = *action;
	return 0;
}

/* A live entry leaves the copy: by an ENTRY_INVALIDATE (send), or
 * because the NIC removed it itself. */
static int leave(struct flow_table *t, uint32_t index, bool send,
		 struct pnic_error *err)
{
	struct nic_cmd c = { .op = NIC_OP_ENTRY_INVALIDATE, .index = index };
	struct slot *s = NULL;
	int rc;

	if ((rc = slot_in(t, index, SLOT_LIVE, &s, err)) ||
	    (send && (rc = submit(t, &c, err))))
		return rc;
	chain_unlink(t, index);
	s->state = SLOT_WITHDRAWN;
	return 0;
}

int flow_table_withdraw(struct flow_table *t, uint32_t index,
			struct pnic_error *err)
{
	return leave(t, index, true, err);
}

int flow_table_forget(struct flow_table *t, uint32_t index,
		      struct pnic_error *err)
{
	return leave(t, index, false, err);
}

int flow_table_restore(struct flow_table *t, uint32_t index,
		       struct pnic_error *err)
{
	struct slot *s = NULL;
	int rc = slot_in(t, index, SLOT_WITHDRAWN, &s, err);

	if (rc)
		return rc;
	return flow_table_write(t, index, &s->value, &s->mask, &s->action, err);
}

int32_t flow_table_find(const struct flow_table *t,
			const struct pnic_key *value,
			const struct pnic_key *mask)
{
	struct pnic_key v;

	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		v.w[i] = value->w[i] & mask->w[i];
	for (uint32_t i = t->bucket[hash_key(t, &v, mask)]; i != FT_NONE;
	     i = t->slots[i].hnext) {
		const struct slot *s = &t->slots[i];

		if (key_equal(&s->mask, mask, PNIC_KEY_WORDS) &&
		    key_equal(&s->value, &v, PNIC_KEY_WORDS))
			return (int32_t)i;
	}
	return -1;
}

int32_t flow_table_find_linear(const struct flow_table *t,
			       const struct pnic_key *value,
			       const struct pnic_key *mask)
{
	struct pnic_key v;

	for (unsigned i = 0; i < PNIC_KEY_WORDS; i++)
		v.w[i] = value->w[i] & mask->w[i];
	for (uint32_t i = 0; i < t->used; i++) {
		const struct slot *s = &t->slots[i];

		if (s->state == SLOT_LIVE &&
		    key_equal(&s->mask, mask, PNIC_KEY_WORDS) &&
		    key_equal(&s->value, &v, PNIC_KEY_WORDS))
			return (int32_t)i;
	}
	return -1;
}

uint32_t flow_table_used(const struct flow_table *t)
{
	return t->used;
}

uint32_t flow_table_depth(const struct flow_table *t)
{
	return t->depth;
}

int flow_table_get(const struct flow_table *t, uint32_t index,
		   struct pnic_key *value, struct pnic_key *mask,
		   struct action_word *action)
{
	const struct slot *s;

	if (index >= t->depth)
		return -ERANGE;
	s = &t->slots[index];
	if (s->state != SLOT_LIVE)
		return -ENOENT;
	*value = s->value;
	*mask = s->mask;
	*action = s->action;
	return 0;
}
