/* The scenario's files: the captures it replays (inputs) and the folder
 * its run writes to (output), both relative to the scenario's folder. */
#include <stdlib.h>
#include <string.h>

#include "io/num.h"
#include "io/pcap_in.h"
#include "io/scenario-private.h"

/* An input is checked as far as a scenario can answer for it
 * (pcap_in_check); the run finds the rest. */
static int check_capture(struct scenario_ctx *x, yaml_node_t *v,
			 const char *path, const char *file)
{
	struct pnic_error e;

	if (pcap_in_check(file, &e))
		return scenario_fail(x, v, path, "%s", e.msg);
	return 0;
}

static int input_path(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		      struct scenario_input *in)
{
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc;

	if ((rc = scenario_require(x, e, "pcap", path, &v)))
		return rc;
	scenario_subpath(sub, path, "pcap");
	if (v->type != YAML_SCALAR_NODE || !scenario_str(v)[0])
		return scenario_fail(x, v, sub, "expected the path of a capture file");
	in->path = scenario_resolve(x, scenario_str(v));
	if (!in->path)
		return scenario_nomem(x);
	x->c->n_inputs++;
	return check_capture(x, v, sub, in->path);
}

/* How a timed run paces the capture: its own timestamps, divided by
 * `multiplier`, or back to back at the port's line rate. */
static int input_pace(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		      struct scenario_input *in)
{
	static const char *const paces[] = { "trace", "line_rate", NULL };
	yaml_node_t *v = scenario_get(x, e, "pace");
	char sub[SCENARIO_PATH_LEN], q[SCENARIO_MAX_SCALAR + 3];
	int rc, pace = SCENARIO_PACE_TRACE;

	scenario_subpath(sub, path, "pace");
	if (v && (rc = scenario_enum(x, v, sub, paces, &pace)))
		return rc;
	in->pace = (enum scenario_pace)pace;
	in->multiplier = 1.0;
	if (!(v = scenario_get(x, e, "multiplier")))
		return 0;
	scenario_subpath(sub, path, "multiplier");
	if (in->pace != SCENARIO_PACE_TRACE)
		return scenario_fail(x, v, sub, "a multiplier scales the trace's own times; pace line_rate has none");
	if (v->type == YAML_SCALAR_NODE &&
	    !num_parse_positive(scenario_str(v), 1e6, &in->multiplier))
		return 0;
	return scenario_fail(x, v, sub, "expected a speed-up factor greater than 0 and at most 1000000 (0.5, 2, 10); got %s",
			     scenario_quoted(v, q, sizeof q));
}

/* `clock: shared` (the default) or `own`: see struct scenario_input. */
static int input_clock(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		       struct scenario_input *in)
{
	static const char *const clocks[] = { "shared", "own", NULL };
	yaml_node_t *v = scenario_get(x, e, "clock");
	char sub[SCENARIO_PATH_LEN];
	int rc, clock = 0;

	if (!v)
		return 0;
	scenario_subpath(sub, path, "clock");
	if ((rc = scenario_enum(x, v, sub, clocks, &clock)))
		return rc;
	in->own_clock = clock == 1;
	return 0;
}

static int input(struct scenario_ctx *x, yaml_node_t *e, const char *path,
		 size_t i, void *arg)
{
	static const char *const keys[] = { "pcap", "in_port", "loops", "pace",
					    "multiplier", "clock", NULL };
	struct scenario_input *in = &x->c->inputs[i];
	char sub[SCENARIO_PATH_LEN];
	yaml_node_t *v;
	int rc;

	(void)arg;
	in->line = (unsigned)e->start_mark.line + 1;
	in->loops = 1;
	if ((rc = scenario_mapping(x, e, path, "a mapping with pcap and in_port", keys)) ||
	    (rc = input_path(x, e, path, in)) ||
	    (rc = scenario_require(x, e, "in_port", path, &v)))
		return rc;
	scenario_subpath(sub, path, "in_port");
	if (v->type == YAML_SCALAR_NODE && !strcmp(scenario_str(v), "vnics")) {
		in->by_vnic = true;
		in->owner = x->c;
	} else if ((rc = scenario_port_ref(x, v, sub, &in->in_port))) {
		return rc;
	}
	if ((rc = scenario_opt_u32(x, e, path, "loops", 1, 1000000, &in->loops)) ||
	    (rc = input_clock(x, e, path, in)))
		return rc;
	return input_pace(x, e, path, in);
}

/* The first frame's stamp, UINT64_MAX for an empty or unreadable capture
 * (the run reports those). */
static uint64_t first_stamp(const char *file)
{
	struct pcap_in *pin;
	struct pcap_in_pkt k;
	uint64_t ts = UINT64_MAX;

	if (pcap_in_open(file, &pin, NULL) < 0)
		return ts;
	if (pcap_in_next(pin, &k, NULL) == 1)
		ts = k.ts_ns;
	pcap_in_close(pin);
	return ts;
}

static bool shares_clock(const struct scenario_input *in)
{
	return in->pace == SCENARIO_PACE_TRACE && !in->own_clock;
}

/* The inputs on the shared clock start where their first stamps put
 * them against the earliest one. */
static void set_leads(struct scenario *c)
{
	uint64_t t0 = UINT64_MAX;

	for (uint32_t i = 0; i < c->n_inputs; i++)
		if (shares_clock(&c->inputs[i])) {
			c->inputs[i].lead_ns = first_stamp(c->inputs[i].path);
			if (c->inputs[i].lead_ns < t0)
				t0 = c->inputs[i].lead_ns;
		}
	for (uint32_t i = 0; i < c->n_inputs; i++) {
		struct scenario_input *in = &c->inputs[i];

		in->lead_ns = shares_clock(in) && in->lead_ns != UINT64_MAX
			      ? in->lead_ns - t0 : 0;
	}
}

static int parse_inputs(struct scenario_ctx *x, yaml_node_t *seq)
{
	size_t n;
	int rc;

	if ((rc = scenario_want(x, seq, YAML_SEQUENCE_NODE, "inputs",
				"a list of {pcap, in_port}")))
		return rc;
	n = scenario_len(seq);
	if (n == 0)
		return scenario_fail(x, seq, "inputs", "expected at least one input");
	x->c->inputs = calloc(n, sizeof *x->c->inputs);
	if (!x->c->inputs)
		return scenario_nomem(x);
	if ((rc = scenario_each(x, seq, "inputs", input, NULL)))
		return rc;
	set_leads(x->c);
	return 0;
}

static void release_inputs(struct scenario *c)
{
	for (uint32_t i = 0; i < c->n_inputs; i++)
		free(c->inputs[i].path);
	free(c->inputs);
}

/* Optional: `pnicsim replay --pcap` gives a run its inputs. */
const struct scenario_section scenario_section_inputs = {
	.key = "inputs", .parse = parse_inputs, .release = release_inputs,
};

static int parse_output(struct scenario_ctx *x, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE || !scenario_str(v)[0])
		return scenario_fail(x, v, "output", "expected a folder path");
	x->c->out_dir = scenario_resolve(x, scenario_str(v));
	return x->c->out_dir ? 0 : scenario_nomem(x);
}

static void release_output(struct scenario *c)
{
	free(c->out_dir);
}

const struct scenario_section scenario_section_output = {
	.key = "output", .parse = parse_output, .release = release_output,
};
