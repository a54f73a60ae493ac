/* What the files of the scenario reader share (io/scenario*.c); not for
 * other code.
 *
 * A scenario is read in two passes.  scenario_yaml.c turns libyaml's
 * events into a tree of libyaml node structs, refusing what no scenario
 * needs as it goes.  Then each top-level section is read from the tree by
 * its own file, in the order of the section table (scenario.c), into the
 * struct scenario: a section may use what an earlier one read (flows name
 * ports, templates and the key profile).  scenario_node.c holds what every
 * section reads with: node types, keys, numbers, names, addresses, and
 * the errors that name the file, line, column and field path.
 *
 * A new section is one file that defines a struct scenario_section, its
 * declaration below, and its line in the table; no other file changes.
 */
#ifndef PNICSIM_SCENARIO_PRIVATE_H
#define PNICSIM_SCENARIO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "io/scenario.h"

#define SCENARIO_PATH_LEN 96   /* field paths; pnic_error.field holds 64 */

/* The document as libyaml's node structs, numbered from 1 in file order
 * as libyaml numbers them. */
struct scenario_tree {
	yaml_node_t *nodes;
	size_t n, cap;
};

struct scenario_ctx {
	struct scenario_tree doc;
	const char *file;
	char *dir;                  /* folder of the scenario, "" if none */
	struct pnic_error *err;
	struct scenario *c;
};

/* One top-level key of a scenario.  defaults (NULL if none) sets the
 * section's fields before any section is read, whether the key is written
 * or not; parse reads the key's value into x->c; release frees what parse
 * allocated (NULL if nothing), and is called on a scenario however far
 * its reading got. */
struct scenario_section {
	const char *key;
	bool required;
	void (*defaults)(struct scenario *c);
	int (*parse)(struct scenario_ctx *x, yaml_node_t *value);
	void (*release)(struct scenario *c);
};

/* The sections, each defined in its own file. */
extern const struct scenario_section scenario_section_key_profile; /* scenario_profile.c */
extern const struct scenario_section scenario_section_tcam;        /* scenario_tcam.c */
extern const struct scenario_section scenario_section_parse_errors;
extern const struct scenario_section scenario_section_ports;       /* scenario_ports.c */
extern const struct scenario_section scenario_section_vpid_map;
extern const struct scenario_section scenario_section_encap;       /* scenario_encap.c */
extern const struct scenario_section scenario_section_flows;       /* scenario_flows.c */
extern const struct scenario_section scenario_section_inputs;      /* scenario_inputs.c */
extern const struct scenario_section scenario_section_output;
extern const struct scenario_section scenario_section_pcie;        /* scenario_pcie.c */
extern const struct scenario_section scenario_section_nic;         /* scenario_nic.c */
extern const struct scenario_section scenario_section_run;         /* scenario_run.c */
extern const struct scenario_section scenario_section_aging;       /* scenario_aging.c */
extern const struct scenario_section scenario_section_host;        /* scenario_host.c */
extern const struct scenario_section scenario_section_topology;    /* scenario_topology.c */
extern const struct scenario_section scenario_section_rules;       /* scenario_rules.c */
extern const struct scenario_section scenario_section_fpag;        /* scenario_fpag.c */
extern const struct scenario_section scenario_section_events;      /* scenario_events.c */
extern const struct scenario_section scenario_section_expect;      /* scenario_expect.c */

/* ---- YAML to nodes (scenario_yaml.c) ----------------------------------- */

/* Parse buf into x->doc, which the caller frees whatever the result. */
int scenario_read_yaml(struct scenario_ctx *x, const char *buf, size_t len);
void scenario_tree_free(struct scenario_tree *t);

/* ---- errors (scenario_node.c) ------------------------------------------ */

/* A refusal at mark m (none if NULL) with the field path. */
int scenario_fail_at(struct scenario_ctx *x, const yaml_mark_t *m,
		     const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A refusal where node n starts. */
int scenario_fail(struct scenario_ctx *x, const yaml_node_t *n,
		  const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int scenario_nomem(struct scenario_ctx *x);

/* ---- nodes ------------------------------------------------------------- */

yaml_node_t *scenario_node(struct scenario_ctx *x, int id);
/* "a scalar", "a list", "a mapping". */
const char *scenario_kind(const yaml_node_t *n);
/* A scalar's text. */
const char *scenario_str(const yaml_node_t *n);
/* A scalar's text quoted ('10.0.0.1'), or what the node is instead
 * ("a list"), for messages; buf holds SCENARIO_MAX_SCALAR + 3 bytes. */
const char *scenario_quoted(const yaml_node_t *n, char *buf, size_t len);
/* A list's length and its item i. */
size_t scenario_len(const yaml_node_t *seq);
yaml_node_t *scenario_item(struct scenario_ctx *x, const yaml_node_t *seq,
			   size_t i);
/* path + "." + key into buf (SCENARIO_PATH_LEN bytes), cut if too long. */
void scenario_subpath(char *buf, const char *path, const char *key);
/* "path[i]" into buf. */
void scenario_index_path(char *buf, const char *path, size_t i);

int scenario_want(struct scenario_ctx *x, const yaml_node_t *n,
		  yaml_node_type_t t, const char *path, const char *what);
/* A mapping (else "expected <what>") whose keys are all in `allowed`
 * (NULL-terminated), scalars, and given once. */
int scenario_mapping(struct scenario_ctx *x, yaml_node_t *n,
		     const char *path, const char *what,
		     const char *const *allowed);
int scenario_check_keys(struct scenario_ctx *x, yaml_node_t *map,
			const char *path, const char *const *allowed);
/* The value of key in map, or NULL. */
yaml_node_t *scenario_get(struct scenario_ctx *x, yaml_node_t *map,
			  const char *key);
int scenario_require(struct scenario_ctx *x, yaml_node_t *map,
		     const char *key, const char *path, yaml_node_t **out);

/* fn for each item of the list seq, with the item, its path ("ports[3]"),
 * its position and arg, until one fails. */
typedef int (*scenario_item_fn)(struct scenario_ctx *x, yaml_node_t *item,
				const char *path, size_t i, void *arg);
int scenario_each(struct scenario_ctx *x, yaml_node_t *seq, const char *path,
		  scenario_item_fn fn, void *arg);
/* A list of at most max items (else "expected <what>"): *out, calloc'd
 * with room for every item (at least one) of `size` bytes, then fn for
 * each item as scenario_each does.  *out is the caller's to free, however
 * far the items got. */
int scenario_list(struct scenario_ctx *x, yaml_node_t *seq, const char *path,
		  const char *what, size_t max, size_t size, void **out,
		  scenario_item_fn fn, void *arg);

/* ---- values ------------------------------------------------------------ */

/* Every integer goes through num_parse_u64(): decimal or 0x hex, a
 * leading zero still decimal, no sign, within [min, max]. */
int scenario_u64(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint64_t min, uint64_t max, uint64_t *v);
int scenario_u32(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint32_t min, uint32_t max, uint32_t *v);
int scenario_bool(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  bool *v);
/* One of `names` (NULL-terminated); *v is its position. */
int scenario_enum(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  const char *const *names, int *v);
/* Letters, digits, '_' and '-', not starting with a digit. */
int scenario_name(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		  char out[SCENARIO_NAME_MAX]);
int scenario_mac(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		 uint8_t mac[6]);
/* An IPv4 or IPv6 address, with a /prefix if allow_prefix: *v6 says which
 * (addr holds 4 or 16 bytes), *plen is the prefix (32 or 128 if none). */
int scenario_ip(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		bool allow_prefix, bool *v6, uint8_t addr[16], unsigned *plen);
int scenario_hex_digit(char c);

/* The same, for map's optional key (nothing happens when it is absent)
 * or required key, with the path path.key. */
int scenario_opt_u32(struct scenario_ctx *x, yaml_node_t *map,
		     const char *path, const char *key, uint32_t min,
		     uint32_t max, uint32_t *v);
int scenario_req_u32(struct scenario_ctx *x, yaml_node_t *map,
		     const char *path, const char *key, uint32_t min,
		     uint32_t max, uint32_t *v);
int scenario_opt_bool(struct scenario_ctx *x, yaml_node_t *map,
		      const char *path, const char *key, bool *v);

/* A path written in the scenario, resolved against its folder (malloc'd;
 * NULL when out of memory). */
char *scenario_resolve(struct scenario_ctx *x, const char *p);

/* ---- shared by sections ------------------------------------------------ */

/* A port: its PPID number or its name, declared under ports
 * (scenario_ports.c). */
int scenario_port_ref(struct scenario_ctx *x, yaml_node_t *n,
		      const char *path, uint32_t *ppid);

/* One firewall rule (scenario_rules.c), for rules.list and the events. */
int scenario_rule(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		  struct ruleset_rule *r);

/* The sections the host program needs, and only those (scenario_fpag.c). */
int scenario_check_program(struct scenario_ctx *x, yaml_node_t *root);

/* An IP prefix (IPv4 or IPv6, /len optional) in the rule set's form
 * (scenario_topology.c). */
int scenario_prefix(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		    struct scenario_prefix *out);

/* A flow entry's match into f->value and f->mask (scenario_match.c), and
 * its action (scenario_action.c). */
int scenario_match(struct scenario_ctx *x, yaml_node_t *m, const char *path,
		   struct scenario_flow *f);
int scenario_action(struct scenario_ctx *x, yaml_node_t *n, const char *path,
		    struct pnic_action *a);

#endif
