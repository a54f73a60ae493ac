/* The scenario's flows: the TCAM entries in priority order, each placed
 * at an index, with a match (scenario_match.c) or a raw value/mask, and an
 * action (scenario_action.c). */
#include <stdlib.h>
#include <string.h>

#include "io/scenario-private.h"

/* The TCAM indexes taken so far, and the one an entry without `index`
 * takes. */
struct placement {
	uint8_t *used;
	uint32_t next;
};

/* Hex digit d at position i (0: least significant) into k: -1, or the
 * first bit it sets at or past `bits`, which it does not set. */
static int put_digit(struct pnic_key *k, size_t i, int d, unsigned bits)
{
	for (unsigned b = 0; b < 4; b++) {
		unsigned bit = (unsigned)i * 4 + b;

		if (!(d & (1 << b)))
			continue;
		if (bit >= bits)
			return (int)bit;
		k->w[bit / 64] |= 1ull << (bit % 64);
	}
	return -1;
}

/* A raw key: "0x" and hex digits, bit 0 = least significant.  The 0x is
 * required so that "value: 10" is never read as sixteen where every other
 * number of the scenario would be ten. */
static int hex_key(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		   struct pnic_key *k)
{
	const struct key_profile *prof = x->c->profile;
	const char *s = n->type == YAML_SCALAR_NODE ? scenario_str(n) : NULL;
	size_t len;

	key_zero(k);
	if (!s)
		return scenario_fail(x, n, path, "expected 0x and hex digits, got %s",
				     scenario_kind(n));
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return scenario_fail(x, n, path, "expected 0x and hex digits, got '%s'", s);
	len = strlen(s + 2);
	for (size_t i = 0; i < len; i++) {
		int d = scenario_hex_digit(s[2 + len - 1 - i]), over;

		if (d < 0)
			return scenario_fail(x, n, path, "expected 0x and hex digits only, got '%s'", s);
		over = put_digit(k, i, d, prof->key_bits);
		if (over >= 0)
			return scenario_fail(x, n, path,
					     "bit %d is set but the key of profile '%s' is %u bits",
					     over, prof->name, prof->key_bits);
	}
	return 0;
}

/* The entry's key: a match, a raw value and mask, or neither (match
 * all). */
static int entry_key(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		     struct scenario_flow *f)
{
	yaml_node_t *m = scenario_get(x, e, "match");
	yaml_node_t *val = scenario_get(x, e, "value");
	yaml_node_t *msk = scenario_get(x, e, "mask");
	char sub[SCENARIO_PATH_LEN];
	int rc;

	if (m && (val || msk))
		return scenario_fail(x, val ? val : msk, path,
				     "give either match or value/mask, not both");
	if (!!val != !!msk)
		return scenario_fail(x, e, path, "value and mask go together");
	if (m) {
		scenario_subpath(sub, path, "match");
		return scenario_match(x, m, sub, f);
	}
	key_zero(&f->value);
	key_zero(&f->mask);
	if (!val)
		return 0;
	scenario_subpath(sub, path, "value");
	if ((rc = hex_key(x, val, sub, &f->value)))
		return rc;
	scenario_subpath(sub, path, "mask");
	if ((rc = hex_key(x, msk, sub, &f->mask)))
		return rc;
	for (unsigned w = 0; w < PNIC_KEY_WORDS; w++)
		f->value.w[w] &= f->mask.w[w];
	return 0;
}

/* The entry's TCAM index: `index`, or the one after the previous entry's;
 * not taken by an earlier entry. */
static int entry_index(struct scenario_ctx *x, yaml_node_t *e,
		       const char *path, size_t i, struct placement *pl)
{
	struct scenario *c = x->c;
	struct scenario_flow *f = &c->flows[i];
	yaml_node_t *v = scenario_get(x, e, "index");
	unsigned other = 0;
	int rc;

	f->index = pl->next;
	if (!v && pl->next >= c->tcam_depth)
		return scenario_fail(x, e, path,
				     "no TCAM index left after %u (depth %u); give an index",
				     pl->next - 1, c->tcam_depth);
	if ((rc = scenario_opt_u32(x, e, path, "index", 0, c->tcam_depth - 1, &f->index)))
		return rc;
	if (!pl->used[f->index]) {
		pl->used[f->index] = 1;
		pl->next = f->index + 1;
		return 0;
	}
	for (size_t j = 0; j < i; j++)
		if (c->flows[j].index == f->index)
			other = c->flows[j].line;
	return scenario_fail(x, v ? v : e, path,
			     "TCAM index %u is already taken by the entry at line %u",
			     f->index, other);
}

static int entry(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		 size_t i, void *arg)
{
	static const char *const keys[] = {
		"index", "match", "value", "mask", "action", NULL
	};
	struct scenario_flow *f = &x->c->flows[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc;

	f->line = (unsigned)e->start_mark.line + 1;
	if ((rc = scenario_mapping(x, e, path, "a mapping with match and action", keys)) ||
	    (rc = entry_index(x, e, path, i, arg)) ||
	    (rc = entry_key(x, e, path, f)) ||
	    (rc = scenario_require(x, e, "action", path, &v)))
		return rc;
	scenario_subpath(sub, path, "action");
	if ((rc = scenario_action(x, v, sub, &f->action)))
		return rc;
	x->c->n_flows++;
	return 0;
}

static int parse_flows(struct scenario_ctx *x, yaml_node_t *seq)
{
	struct scenario *c = x->c;
	struct placement pl = { NULL, 0 };
	size_t n;
	int rc;

	if ((rc = scenario_want(x, seq, YAML_SEQUENCE_NODE, "flows", "a list of flow entries")))
		return rc;
	n = scenario_len(seq);
	if (n > c->tcam_depth)
		return scenario_fail(x, seq, "flows",
				     "%zu flow entries do not fit a TCAM of depth %u",
				     n, c->tcam_depth);
	c->flows = calloc(n ? n : 1, sizeof *c->flows);
	pl.used = calloc(c->tcam_depth, 1);
	if (!c->flows || !pl.used)
		rc = scenario_nomem(x);
	else
		rc = scenario_each(x, seq, "flows", entry, &pl);
	free(pl.used);
	return rc;
}

static void release_flows(struct scenario *c)
{
	free(c->flows);
}

const struct scenario_section scenario_section_flows = {
	.key = "flows", .parse = parse_flows, .release = release_flows,
};
