/* The scenario reader's top level: the table of sections, the root
 * mapping, and loading, parsing and freeing a scenario
 * (io/scenario-private.h says how the files share the work). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "io/scenario-private.h"

/* The top-level keys, in the order they are read: a section may use what
 * an earlier one read (flows use the profile, the TCAM's depth, the ports
 * and the templates).  A new section is one line here. */
static const struct scenario_section *const sections[] = {
	&scenario_section_key_profile,
	&scenario_section_tcam,
	&scenario_section_parse_errors,
	&scenario_section_aging,
	&scenario_section_ports,
	&scenario_section_vpid_map,
	&scenario_section_encap,
	&scenario_section_flows,
	&scenario_section_inputs,
	&scenario_section_output,
	&scenario_section_pcie,
	&scenario_section_nic,
	&scenario_section_run,
	&scenario_section_host,
	&scenario_section_topology,
	&scenario_section_rules,
	&scenario_section_fpag,
	&scenario_section_events,
	&scenario_section_expect,
};

#define N_SECTIONS (sizeof sections / sizeof sections[0])

static int parse_section(struct scenario_ctx *x, yaml_node_t *root,
			 const struct scenario_section *s)
{
	yaml_node_t *v = scenario_get(x, root, s->key);

	if (!v && s->required)
		return scenario_fail(x, root, "", "missing required key '%s'", s->key);
	return v ? s->parse(x, v) : 0;
}

static int parse_root(struct scenario_ctx *x)
{
	const char *keys[N_SECTIONS + 1];
	yaml_node_t *root = x->doc.n ? scenario_node(x, 1) : NULL;
	int rc;

	if (!root) {
		yaml_mark_t m = { 0, 0, 0 };

		return scenario_fail_at(x, &m, "", "the file is empty; expected a mapping with tcam, ports, vpid_map, flows and inputs");
	}
	for (size_t i = 0; i < N_SECTIONS; i++)
		keys[i] = sections[i]->key;
	keys[N_SECTIONS] = NULL;
	if ((rc = scenario_mapping(x, root, "",
				   "a mapping with tcam, ports, vpid_map, flows and inputs", keys)))
		return rc;
	x->c->profile = key_profile_default();
	x->c->pcie = pcie_defaults();
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (sections[i]->defaults)
			sections[i]->defaults(x->c);
	for (size_t i = 0; i < N_SECTIONS && !rc; i++)
		rc = parse_section(x, root, sections[i]);
	return rc ? rc : scenario_check_program(x, root);
}

/* The folder of the file `name`: "" for none, "/" for the root. */
static char *folder_of(const char *name)
{
	const char *slash = strrchr(name, '/');
	char *dir = strdup(name);

	if (!dir)
		return NULL;
	dir[slash ? (size_t)(slash - name) : 0] = '\0';
	if (slash == name)
		snprintf(dir, 2, "/");
	return dir;
}

/* One --set PATH=VALUE: the scalar at PATH (keys and list positions
 * joined by dots: fpag.flow_dest, inputs.0.pace) takes VALUE, as if the
 * file said so; a PATH the file does not have is refused. */
static yaml_node_t *walk(struct scenario_ctx *x, char *path)
{
	yaml_node_t *n = x->doc.n ? scenario_node(x, 1) : NULL;
	char *save = NULL, *part;
	uint64_t i;

	for (part = strtok_r(path, ".", &save); part && n; part = strtok_r(NULL, ".", &save)) {
		if (n->type == YAML_MAPPING_NODE)
			n = scenario_get(x, n, part);
		else if (n->type == YAML_SEQUENCE_NODE && !num_parse_u64(part, 0, SIZE_MAX, 0, &i) &&
			 i < scenario_len(n))
			n = scenario_item(x, n, (size_t)i);
		else
			n = NULL;
	}
	return n;
}

static int apply_set(struct scenario_ctx *x, const char *set)
{
	const char *eq = strchr(set, '=');
	char path[SCENARIO_PATH_LEN], *v;
	yaml_node_t *n;

	if (!eq || eq == set || (size_t)(eq - set) >= sizeof path)
		return pnic_err_at(x->err, EINVAL, x->file, 0, 0, "", "--set '%s': expected PATH=VALUE, such as fpag.flow_dest=ppid", set);
	snprintf(path, sizeof path, "%.*s", (int)(eq - set), set);
	n = walk(x, path);
	snprintf(path, sizeof path, "%.*s", (int)(eq - set), set);
	if (!n || n->type != YAML_SCALAR_NODE)
		return pnic_err_at(x->err, EINVAL, x->file, 0, 0, path,
				   "--set: the scenario has no single value at %s (write it in the file first)", path);
	if (!(v = strdup(eq + 1)))
		return scenario_nomem(x);
	free(n->data.scalar.value);
	n->data.scalar.value = (yaml_char_t *)v;
	n->data.scalar.length = strlen(v);
	return 0;
}

int scenario_parse(const char *buf, size_t len, const char *name,
		   struct scenario **out, struct pnic_error *err)
{
	return scenario_parse_set(buf, len, name, NULL, 0, out, err);
}

int scenario_parse_set(const char *buf, size_t len, const char *name,
		       const char *const *sets, size_t n_sets,
		       struct scenario **out, struct pnic_error *err)
{
	struct scenario_ctx x = { .file = name, .err = err };
	int rc;

	*out = NULL;
	x.c = calloc(1, sizeof *x.c);
	x.dir = folder_of(name);
	if (x.c)
		x.c->file = strdup(name);
	if (!x.c || !x.dir || !x.c->file) {
		rc = pnic_err(err, ENOMEM, "out of memory");
		goto free_all;
	}
	rc = scenario_read_yaml(&x, buf, len);
	for (size_t i = 0; !rc && i < n_sets; i++)
		rc = apply_set(&x, sets[i]);
	if (!rc)
		rc = parse_root(&x);
	scenario_tree_free(&x.doc);
	if (rc)
		goto free_all;
	free(x.dir);
	*out = x.c;
	return 0;

free_all:
	free(x.dir);
	scenario_destroy(x.c);
	return rc;
}

int scenario_load(const char *path, struct scenario **out,
		  struct pnic_error *err)
{
	return scenario_load_set(path, NULL, 0, out, err);
}

int scenario_load_set(const char *path, const char *const *sets, size_t n_sets,
		      struct scenario **out, struct pnic_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*out = NULL;
	if (!f)
		return pnic_err_at(err, errno, path, 0, 0, "", "cannot open: %s",
				   strerror(errno));
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				rc = pnic_err(err, ENOMEM, "out of memory");
				goto close_f;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = pnic_err_at(err, EIO, path, 0, 0, "", "read error");
		goto close_f;
	}
	rc = scenario_parse_set(buf, len, path, sets, n_sets, out, err);
close_f:
	fclose(f);
	free(buf);
	return rc;
}

void scenario_destroy(struct scenario *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < N_SECTIONS; i++)
		if (sections[i]->release)
			sections[i]->release(c);
	free(c->file);
	free(c);
}

struct datapath_policy scenario_policy(const struct scenario *c)
{
	return (struct datapath_policy){ .miss = c->miss,
					 .parse_errors = c->parse_errors,
					 .unmapped = c->unmapped,
					 .age = c->aging };
}

const char *scenario_port_name(const struct scenario *c, uint32_t ppid)
{
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (c->ports[i].ppid == ppid)
			return c->ports[i].name;
	return "";
}
