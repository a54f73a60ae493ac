/* A scenario's YAML as a tree of libyaml node structs, built from
 * libyaml's events (io/scenario-private.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/scenario-private.h"

/* The document is built here from libyaml's events, not by
 * yaml_parser_load(), so that what no scenario needs is refused where it
 * appears, before it costs anything: nesting deeper than SCENARIO_MAX_DEPTH
 * (libyaml's scanner and loader take time quadratic in the depth: 100,000
 * levels cost half a minute), a list or mapping longer than SCENARIO_MAX_ITEMS,
 * a value longer than SCENARIO_MAX_SCALAR, anchors and aliases (a few bytes of
 * aliases can stand for billions of nodes), tags, and a second document. */

struct level {
	int node;           /* the collection being filled */
	bool map;
	int key;            /* a mapping's key awaiting its value, 0 if none */
	int value_key;      /* the key of the value being built */
	size_t items;       /* items of a list, pairs of a mapping */
};

struct builder {
	struct scenario_ctx *x;
	struct level stack[SCENARIO_MAX_DEPTH];
	int depth;
	bool had_document;
};

/* The field path of the node about to be added ("flows[3].match"). */
static void builder_path(const struct builder *b, char *buf)
{
	buf[0] = '\0';
	for (int i = 0; i < b->depth; i++) {
		const struct level *l = &b->stack[i];
		bool top = i == b->depth - 1;
		int key = top ? l->key : l->value_key;
		char tmp[SCENARIO_PATH_LEN];

		if (!l->map) {
			scenario_index_path(tmp, buf, top ? l->items : l->items - 1);
		} else if (key) {
			yaml_node_t *k = scenario_node(b->x, key);

			scenario_subpath(tmp, buf, k->type == YAML_SCALAR_NODE ? scenario_str(k) : "?");
		} else {
			break;
		}
		memcpy(buf, tmp, SCENARIO_PATH_LEN);
	}
}

static int refuse(const struct builder *b, const yaml_event_t *ev,
		  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(const struct builder *b, const yaml_event_t *ev,
		  const char *fmt, ...)
{
	char path[SCENARIO_PATH_LEN], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	builder_path(b, path);
	return scenario_fail_at(b->x, &ev->start_mark, path, "%s", msg);
}

/* "!!int" for libyaml's "tag:yaml.org,2002:int", other tags as given. */
static const char *tag_text(const yaml_char_t *tag, char *buf, size_t n)
{
	static const char std[] = "tag:yaml.org,2002:";

	if (!strncmp((const char *)tag, std, sizeof std - 1))
		snprintf(buf, n, "!!%s", (const char *)tag + sizeof std - 1);
	else
		snprintf(buf, n, "%s", (const char *)tag);
	return buf;
}

/* What a node may not carry, and whether its parent and the nesting have
 * room for it. */
static int check_node(const struct builder *b, const yaml_event_t *ev,
		      const yaml_char_t *anchor, const yaml_char_t *tag,
		      bool collection)
{
	const struct level *l = b->depth ? &b->stack[b->depth - 1] : NULL;
	char t[64];

	if (anchor)
		return refuse(b, ev, "anchor '&%s': a scenario has no anchors or aliases; write the value out",
			      (const char *)anchor);
	if (tag)
		return refuse(b, ev, "tag '%s': a scenario has no tags; each field has one type (docs/scenario.md)",
			      tag_text(tag, t, sizeof t));
	if (l && (!l->map || !l->key) && l->items >= SCENARIO_MAX_ITEMS)
		return refuse(b, ev, "more than %d %s; no list or mapping in a scenario is longer (flows: at most the TCAM's %d entries)",
			      SCENARIO_MAX_ITEMS, l->map ? "keys" : "items",
			      TCAM_MAX_DEPTH);
	if (collection && b->depth == SCENARIO_MAX_DEPTH)
		return refuse(b, ev, "nested more than %d deep; a scenario nests at most 5 lists and mappings",
			      SCENARIO_MAX_DEPTH);
	return 0;
}

/* A new node of the tree, zeroed but for its type and place; its id, or
 * 0 when out of memory. */
static int new_node(struct scenario_tree *t, yaml_node_type_t type,
		    const yaml_event_t *ev)
{
	yaml_node_t *n;

	if (t->n >= INT_MAX)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		yaml_node_t *p = realloc(t->nodes, cap * sizeof *p);

		if (!p)
			return 0;
		t->nodes = p;
		t->cap = cap;
	}
	n = &t->nodes[t->n++];
	memset(n, 0, sizeof *n);
	n->type = type;
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	return (int)t->n;
}

/* An array that doubles from 4 elements as it fills: the array with room
 * for element `len` (moved if need be), or NULL when out of memory. */
static void *grow(void *a, size_t len, size_t size)
{
	if (len && (len < 4 || (len & (len - 1))))
		return a;
	return realloc(a, (len ? 2 * len : 4) * size);
}

/* Append to a list's items (libyaml's start/top; end is not kept). */
static bool push_item(yaml_node_t *seq, size_t len, int item)
{
	yaml_node_item_t *p = grow(seq->data.sequence.items.start, len,
				   sizeof *p);

	if (!p)
		return false;
	p[len] = item;
	seq->data.sequence.items.start = p;
	seq->data.sequence.items.top = seq->data.sequence.items.end = p + len + 1;
	return true;
}

static bool push_pair(yaml_node_t *map, size_t len, int key, int value)
{
	yaml_node_pair_t *p = grow(map->data.mapping.pairs.start, len,
				   sizeof *p);

	if (!p)
		return false;
	p[len].key = key;
	p[len].value = value;
	map->data.mapping.pairs.start = p;
	map->data.mapping.pairs.top = map->data.mapping.pairs.end = p + len + 1;
	return true;
}

void scenario_tree_free(struct scenario_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		yaml_node_t *n = &t->nodes[i];

		if (n->type == YAML_SCALAR_NODE)
			free(n->data.scalar.value);
		else if (n->type == YAML_SEQUENCE_NODE)
			free(n->data.sequence.items.start);
		else
			free(n->data.mapping.pairs.start);
	}
	free(t->nodes);
}

/* Hang node `id` under the collection being filled, if any. */
static int attach(struct builder *b, int id)
{
	struct level *l = b->depth ? &b->stack[b->depth - 1] : NULL;
	bool ok = true;

	if (!l)
		return 0;
	if (!l->map) {
		ok = push_item(scenario_node(b->x, l->node), l->items++, id);
	} else if (!l->key) {
		l->key = id;
		l->items++;
	} else {
		ok = push_pair(scenario_node(b->x, l->node), l->items - 1, l->key, id);
		l->value_key = l->key;
		l->key = 0;
	}
	return ok ? 0 : scenario_nomem(b->x);
}

static int add_scalar(struct builder *b, const yaml_event_t *ev)
{
	size_t len = ev->data.scalar.length;
	yaml_node_t *n;
	int rc, id;

	if ((rc = check_node(b, ev, ev->data.scalar.anchor,
			     ev->data.scalar.tag, false)))
		return rc;
	if (len > SCENARIO_MAX_SCALAR)
		return refuse(b, ev, "a value of %zu bytes; none in a scenario is longer than %d",
			      len, SCENARIO_MAX_SCALAR);
	/* The value is read as a C string from here on: a "\0" escape would
	 * silently cut it. */
	if (memchr(ev->data.scalar.value, '\0', len))
		return refuse(b, ev, "a value with a NUL character ('\\0')");
	id = new_node(&b->x->doc, YAML_SCALAR_NODE, ev);
	if (!id)
		return scenario_nomem(b->x);
	n = scenario_node(b->x, id);
	n->data.scalar.value = malloc(len + 1);
	if (!n->data.scalar.value)
		return scenario_nomem(b->x);
	memcpy(n->data.scalar.value, ev->data.scalar.value, len + 1);
	n->data.scalar.length = len;
	n->data.scalar.style = ev->data.scalar.style;
	return attach(b, id);
}

static int open_collection(struct builder *b, const yaml_event_t *ev)
{
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	struct level *l;
	int rc, id;

	if (map)
		rc = check_node(b, ev, ev->data.mapping_start.anchor,
				ev->data.mapping_start.tag, true);
	else
		rc = check_node(b, ev, ev->data.sequence_start.anchor,
				ev->data.sequence_start.tag, true);
	if (rc)
		return rc;
	id = new_node(&b->x->doc, map ? YAML_MAPPING_NODE : YAML_SEQUENCE_NODE, ev);
	if (!id)
		return scenario_nomem(b->x);
	if ((rc = attach(b, id)))
		return rc;
	l = &b->stack[b->depth++];
	memset(l, 0, sizeof *l);
	l->node = id;
	l->map = map;
	return 0;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->had_document)
			return refuse(b, ev, "a second YAML document; a scenario is one document");
		b->had_document = true;
		return 0;
	case YAML_ALIAS_EVENT:
		return refuse(b, ev, "alias '*%s': a scenario has no anchors or aliases; write the value out",
			      (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return add_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return open_collection(b, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

static int build_document(struct scenario_ctx *x, yaml_parser_t *parser)
{
	struct builder b = { .x = x };
	bool end = false;
	int rc = 0;

	while (!rc && !end) {
		yaml_event_t ev;

		if (!yaml_parser_parse(parser, &ev))
			return scenario_fail_at(x, &parser->problem_mark, "",
				       "YAML syntax: %s%s%s",
				       parser->problem ? parser->problem : "malformed",
				       parser->context ? " " : "",
				       parser->context ? parser->context : "");
		rc = on_event(&b, &ev);
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	return rc;
}

int scenario_read_yaml(struct scenario_ctx *x, const char *buf, size_t len)
{
	yaml_parser_t parser;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return scenario_nomem(x);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = build_document(x, &parser);
	yaml_parser_delete(&parser);
	return rc;
}

