/* scenario: the YAML file that describes one pNIC and the traffic to run
 * through it, as `pnicsim replay` runs it (docs/scenario.md).
 *
 * Loading parses, resolves and validates everything before anything runs:
 * the key profile, the TCAM depth, the ports (PPIDs), the VPID map, the
 * VXLAN encap templates (their fields, built into header bytes by the
 * encap block, model/encap.h), the flow entries
 * (field-wise matches packed into keys with the profile, or raw hex
 * value/mask; actions) and the inputs.  Every refusal names the file, the
 * line and column, the field path (e.g. "flows[3].match.src_ip") and what
 * was expected.  Unknown keys are refused, so a typo never passes.  The
 * YAML is read event by event, and what no scenario needs (a second
 * document, tags, anchors and aliases, nesting or lengths past the
 * SCENARIO_MAX_* bounds below) is refused where it appears, so any file
 * costs time linear in its size.  Every number goes through
 * num_parse_u64() (io/num.h).  The reader is one file per top-level
 * section (io/scenario-private.h).
 *
 * The result is a plain C struct that the core's blocks can be filled
 * from; it owns its arrays, and scenario_destroy() frees them.
 * Edge code: uses libyaml.
 */
#ifndef PNICSIM_SCENARIO_H
#define PNICSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "model/action.h"
#include "model/action_ram.h"
#include "model/datapath.h"
#include "model/error.h"
#include "model/key.h"
#include "model/key_profile.h"
#include "model/nic_cmd.h"
#include "model/tcam.h"
#include "model/vpid_map.h"

#define SCENARIO_NAME_MAX 32

/* Bounds no valid scenario comes near, refused where they are crossed so
 * that a broken or hostile file costs little: nesting (a scenario nests 5
 * lists and mappings deep), items of one list or keys of one mapping (the
 * longest list is flows, at most the TCAM's depth), bytes of one value
 * (the longest is a path). */
#define SCENARIO_MAX_DEPTH  16
#define SCENARIO_MAX_ITEMS  TCAM_MAX_DEPTH
#define SCENARIO_MAX_SCALAR 4096

struct scenario_port {
	uint32_t ppid;
	char name[SCENARIO_NAME_MAX];
};

struct scenario_map {
	uint32_t vpid;
	uint32_t ppid;
	char name[SCENARIO_NAME_MAX];    /* the VNIC's name for reports; "" if none */
};

struct scenario_template {
	uint8_t id;
	char name[SCENARIO_NAME_MAX];
	struct encap_template t;
};

struct scenario_flow {
	uint32_t index;            /* TCAM entry */
	struct pnic_key value;     /* already value & mask */
	struct pnic_key mask;
	struct pnic_action action;
	unsigned line;             /* where it was written */
};

struct scenario_input {
	char *path;                /* resolved against the scenario's folder */
	uint32_t in_port;          /* PPID */
	uint32_t loops;            /* times the file is replayed, >= 1 */
	unsigned line;
};

struct scenario {
	char *file;                        /* the scenario's path */
	const struct key_profile *profile; /* built-in, or &custom */
	struct key_profile custom;
	uint32_t tcam_depth;
	enum datapath_miss_policy miss;
	enum datapath_parse_error_policy parse_errors;

	uint32_t n_ports;
	struct scenario_port *ports;
	uint32_t n_ppids;                  /* highest PPID + 1 */

	uint32_t n_vpids;
	enum vpid_unmapped_policy unmapped;
	uint32_t n_maps;
	struct scenario_map *maps;

	uint32_t n_templates;
	struct scenario_template *templates;

	uint32_t n_flows;
	struct scenario_flow *flows;

	uint32_t n_inputs;
	struct scenario_input *inputs;

	char *out_dir;                     /* resolved; NULL if not given */
};

/* Load and validate the file at path. */
int scenario_load(const char *path, struct scenario **out,
		  struct pnic_error *err);
/* Same from bytes; `name` is the file named in messages and relative
 * paths resolve against its folder. */
int scenario_parse(const char *buf, size_t len, const char *name,
		   struct scenario **out, struct pnic_error *err);
void scenario_destroy(struct scenario *c);

/* The port name of a PPID ("" if it has none). */
const char *scenario_port_name(const struct scenario *c, uint32_t ppid);

/* The scenario's tables as NIC commands into sink, in order: MAP_SET per
 * VPID mapping, TEMPLATE_SET per encap template, ENTRY_WRITE per flow.  0,
 * or the first refusal with the file and what it was for in err (the
 * scenario was checked already, so a refusal is a sink's: a NIC of other
 * sizes, or one that is busy). */
int scenario_program(const struct scenario *c, const struct nic_cmd_sink *sink,
		     struct pnic_error *err);

#endif
