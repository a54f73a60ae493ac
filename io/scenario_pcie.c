/* The scenario's PCIe link (model/pcie.h): any of its parameters, the
 * others at their defaults, checked together as the link checks them. */
#include <stddef.h>
#include <stdint.h>

#include "io/scenario-private.h"

static const struct {
	const char *key;
	size_t off;
} fields[] = {
	{ "gen", offsetof(struct pcie_params, gen) },
	{ "lanes", offsetof(struct pcie_params, lanes) },
	{ "mps", offsetof(struct pcie_params, mps) },
	{ "mrrs", offsetof(struct pcie_params, mrrs) },
	{ "dllp_permille", offsetof(struct pcie_params, dllp_permille) },
	{ "read_rtt_ns", offsetof(struct pcie_params, read_rtt_ns) },
	{ "write_ns", offsetof(struct pcie_params, write_ns) },
	{ "irq_ns", offsetof(struct pcie_params, irq_ns) },
	{ "poll_ns", offsetof(struct pcie_params, poll_ns) },
};

#define N_FIELDS (sizeof fields / sizeof fields[0])

static uint32_t *field(struct pcie_params *p, size_t i)
{
	return (uint32_t *)((char *)p + fields[i].off);
}

/* The link's own check, its message placed at the field it names. */
static int check(struct scenario_ctx *x, yaml_node_t *n)
{
	struct pnic_error e;
	char path[SCENARIO_PATH_LEN];
	yaml_node_t *at;

	if (!pcie_validate(&x->c->pcie, &e))
		return 0;
	at = scenario_get(x, n, e.field);
	scenario_subpath(path, "pcie", e.field);
	return scenario_fail(x, at ? at : n, path, "%s", e.msg);
}

static int parse_pcie(struct scenario_ctx *x, yaml_node_t *n)
{
	const char *keys[N_FIELDS + 1];
	int rc;

	for (size_t i = 0; i < N_FIELDS; i++)
		keys[i] = fields[i].key;
	keys[N_FIELDS] = NULL;
	if ((rc = scenario_mapping(x, n, "pcie", "a mapping of PCIe link parameters",
				   keys)))
		return rc;
	for (size_t i = 0; i < N_FIELDS && !rc; i++)
		rc = scenario_opt_u32(x, n, "pcie", fields[i].key, 0, UINT32_MAX,
				      field(&x->c->pcie, i));
	return rc ? rc : check(x, n);
}

const struct scenario_section scenario_section_pcie = {
	.key = "pcie", .parse = parse_pcie,
};
