/* The scenario's `nic` section: the timed pNIC's clock, the latency and
 * initiation interval of its stages (struct pipeline_timing) and the
 * bounds of its queues (struct pipeline_bounds).  Everything optional:
 * what is not written keeps pipeline_params_default()'s value
 * (docs/timing.md gives each default and its reason).  Only `pnicsim run`
 * uses the section; the functional replay reads and checks it. */
#include <stddef.h>
#include <stdint.h>

#include "io/num.h"
#include "io/scenario-private.h"
#include "model/frame_fifo.h"

/* 1 MHz .. 10 GHz: past either end no NIC clock exists. */
#define NIC_MIN_CLOCK_HZ 1000000ull
#define NIC_MAX_CLOCK_HZ 10000000000ull
/* A queue's frame bound: more than any buffer memory holds frames of. */
#define NIC_MAX_QUEUE_FRAMES (1u << 24)

struct field {
	const char *key;
	size_t off;
	uint32_t min, max;
};

#define T(k, lo, hi) { #k, offsetof(struct pipeline_timing, k), lo, hi }
static const struct field timing_fields[] = {
	T(mac_rx, 0, PIPELINE_MAX_STAGE_CYCLES),
	T(parser_base, 0, PIPELINE_MAX_STAGE_CYCLES),
	T(parser_bytes, 1, 4096),
	T(mac_tx, 0, PIPELINE_MAX_STAGE_CYCLES),
};
#undef T

/* The stages that have a latency and an II. */
static const struct {
	const char *key;
	size_t off;
} stages[] = {
	{ "key", offsetof(struct pipeline_timing, key) },
	{ "action", offsetof(struct pipeline_timing, action) },
	{ "editor", offsetof(struct pipeline_timing, editor) },
};

#define B(k, ...) { #k, offsetof(struct pipeline_bounds, k), __VA_ARGS__ }
#define QBYTES 1, (uint32_t)(FRAME_FIFO_MAX_BYTES / 4)
#define QFRAMES 1, NIC_MAX_QUEUE_FRAMES
static const struct field bound_fields[] = {
	B(ingress_bytes, QBYTES), B(ingress_frames, QFRAMES),
	B(egress_bytes, QBYTES), B(egress_frames, QFRAMES),
	B(to_host_bytes, QBYTES), B(to_host_frames, QFRAMES),
	B(cfg_commands, 1, 65536),
	B(wire_bytes, QBYTES), B(wire_frames, QFRAMES),
	B(max_frame, 60, 65535),
	B(hold_frames, 1, DP_HOLD_FRAMES_MAX),
};
#undef B

#define N_TIMING (sizeof timing_fields / sizeof timing_fields[0])
#define N_STAGES (sizeof stages / sizeof stages[0])
#define N_BOUNDS (sizeof bound_fields / sizeof bound_fields[0])

static uint32_t *at(void *base, size_t off)
{
	return (uint32_t *)((char *)base + off);
}

static int read_fields(struct scenario_ctx *x, yaml_node_t *n,
		       const char *path, const struct field *f, size_t nf,
		       void *base)
{
	int rc = 0;

	for (size_t i = 0; i < nf && !rc; i++)
		rc = scenario_opt_u32(x, n, path, f[i].key, f[i].min, f[i].max,
				      at(base, f[i].off));
	return rc;
}

static int read_stage(struct scenario_ctx *x, yaml_node_t *n,
		      const char *path, struct pipeline_stage *s)
{
	static const char *const keys[] = { "latency", "ii", NULL };
	int rc;

	if ((rc = scenario_mapping(x, n, path, "a mapping with latency and ii (cycles)", keys)) ||
	    (rc = scenario_opt_u32(x, n, path, "latency", 1,
				   PIPELINE_MAX_STAGE_CYCLES, &s->latency)))
		return rc;
	return scenario_opt_u32(x, n, path, "ii", 1, PIPELINE_MAX_STAGE_CYCLES,
				&s->ii);
}

static int parse_timing(struct scenario_ctx *x, yaml_node_t *n)
{
	const char *keys[N_TIMING + N_STAGES + 1];
	struct pipeline_timing *t = &x->c->nic.timing;
	char sub[SCENARIO_PATH_LEN];
	int rc;

	for (size_t i = 0; i < N_TIMING; i++)
		keys[i] = timing_fields[i].key;
	for (size_t i = 0; i < N_STAGES; i++)
		keys[N_TIMING + i] = stages[i].key;
	keys[N_TIMING + N_STAGES] = NULL;
	if ((rc = scenario_mapping(x, n, "nic.timing", "a mapping of stage timings in cycles", keys)) ||
	    (rc = read_fields(x, n, "nic.timing", timing_fields, N_TIMING, t)))
		return rc;
	for (size_t i = 0; i < N_STAGES && !rc; i++) {
		yaml_node_t *v = scenario_get(x, n, stages[i].key);

		scenario_subpath(sub, "nic.timing", stages[i].key);
		if (v)
			rc = read_stage(x, v, sub, (struct pipeline_stage *)
					((char *)t + stages[i].off));
	}
	return rc;
}

static int parse_queues(struct scenario_ctx *x, yaml_node_t *n)
{
	const char *keys[N_BOUNDS + 1];
	struct pipeline_bounds *b = &x->c->nic.bounds;
	yaml_node_t *v;
	int rc;

	for (size_t i = 0; i < N_BOUNDS; i++)
		keys[i] = bound_fields[i].key;
	keys[N_BOUNDS] = NULL;
	if ((rc = scenario_mapping(x, n, "nic.queues", "a mapping of queue bounds", keys)) ||
	    (rc = read_fields(x, n, "nic.queues", bound_fields, N_BOUNDS, b)))
		return rc;
	if (b->wire_bytes >= b->max_frame)
		return 0;
	/* A frame of max_frame bytes could never be given to its port. */
	v = scenario_get(x, n, "wire_bytes");
	if (!v)
		v = scenario_get(x, n, "max_frame");
	return scenario_fail(x, v, v == scenario_get(x, n, "wire_bytes")
			     ? "nic.queues.wire_bytes" : "nic.queues.max_frame",
			     "wire_bytes %u is less than max_frame %u: a frame that long could never arrive",
			     b->wire_bytes, b->max_frame);
}

/* The clock in Hz, SI suffixes allowed ("1G", "322265625"). */
static int parse_clock(struct scenario_ctx *x, yaml_node_t *n)
{
	char q[SCENARIO_MAX_SCALAR + 3];

	if (n->type == YAML_SCALAR_NODE &&
	    !num_parse_u64(scenario_str(n), NIC_MIN_CLOCK_HZ, NIC_MAX_CLOCK_HZ,
			   NUM_SI, &x->c->nic.clock_hz))
		return 0;
	return scenario_fail(x, n, "nic.clock", "expected a clock in Hz from 1M to 10G, such as 1G, 500M or 322265625; got %s",
			     scenario_quoted(n, q, sizeof q));
}

static int parse_nic(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = { "clock", "timing", "queues", NULL };
	yaml_node_t *v;
	int rc;

	if ((rc = scenario_mapping(x, n, "nic", "a mapping with clock, timing and queues", keys)))
		return rc;
	if ((v = scenario_get(x, n, "clock")) && (rc = parse_clock(x, v)))
		return rc;
	if ((v = scenario_get(x, n, "timing")) && (rc = parse_timing(x, v)))
		return rc;
	if ((v = scenario_get(x, n, "queues")))
		rc = parse_queues(x, v);
	return rc;
}

static void nic_defaults(struct scenario *c)
{
	struct pipeline_params p;

	pipeline_params_default(&p);
	c->nic.clock_hz = p.clock_hz;
	c->nic.timing = p.timing;
	c->nic.bounds = p.bounds;
}

const struct scenario_section scenario_section_nic = {
	.key = "nic", .parse = parse_nic, .defaults = nic_defaults,
};
