/* The scenario's `host` section: the host program that closes the miss
 * loop in a timed run, `static` (host/static_prog.h, docs/system.md) or
 * `fpag` (host/fpag_prog.h, docs/fpag.md): whether it runs, how it learns of events (interrupts
 * or polling), its CPU costs, whether a miss installs an entry and with
 * which action (written as flows[].action is), and the mailbox's ring
 * sizes.  Everything optional; what is written is marked in `given`, and
 * `pnicsim run` lays it over the system's defaults, so the defaults live
 * in one place (system_params_default()).  The functional replay reads
 * and checks the section, and ignores it. */
#include <stddef.h>
#include <stdint.h>

#include "io/scenario-private.h"
#include "model/mbox.h"

/* A poll interval or a cost: up to one simulated second. */
#define HOST_MAX_NS 1000000000u

static const struct {
	const char *key;
	size_t off;
	uint32_t bit, min, max;
} fields[] = {
	{ "poll_interval_ns", offsetof(struct scenario_host, poll_interval_ns),
	  SCENARIO_HOST_POLL_INTERVAL, 1, HOST_MAX_NS },
	{ "irq_holdoff_us", offsetof(struct scenario_host, irq_usecs),
	  SCENARIO_HOST_IRQ_USECS, 0, 65535 },
	{ "miss_ns", offsetof(struct scenario_host, miss_ns),
	  SCENARIO_HOST_MISS_NS, 0, HOST_MAX_NS },
	{ "install_ns", offsetof(struct scenario_host, install_ns),
	  SCENARIO_HOST_INSTALL_NS, 0, HOST_MAX_NS },
	{ "packet_out_ns", offsetof(struct scenario_host, packet_out_ns),
	  SCENARIO_HOST_PACKET_OUT_NS, 0, HOST_MAX_NS },
};

static const struct {
	const char *key;
	size_t off;
	uint32_t bit;
} rings[] = {
	{ "cmd_ring", offsetof(struct scenario_host, cmd_entries), SCENARIO_HOST_CMD_RING },
	{ "cpl_ring", offsetof(struct scenario_host, cpl_entries), SCENARIO_HOST_CPL_RING },
	{ "evt_ring", offsetof(struct scenario_host, evt_entries), SCENARIO_HOST_EVT_RING },
	{ "rxb_ring", offsetof(struct scenario_host, rxb_entries), SCENARIO_HOST_RXB_RING },
};

#define N_FIELDS (sizeof fields / sizeof fields[0])
#define N_RINGS (sizeof rings / sizeof rings[0])

static uint32_t *at(struct scenario_host *h, size_t off)
{
	return (uint32_t *)((char *)h + off);
}

/* The mailbox takes a ring of a power of two entries in 2..4096. */
static int ring(struct scenario_ctx *x, yaml_node_t *n, size_t i)
{
	struct scenario_host *h = &x->c->host;
	yaml_node_t *v = scenario_get(x, n, rings[i].key);
	char path[SCENARIO_PATH_LEN];
	int rc;

	if (!v)
		return 0;
	scenario_subpath(path, "host", rings[i].key);
	if ((rc = scenario_u32(x, v, path, MBOX_RING_MIN_ENTRIES,
			       MBOX_RING_MAX_ENTRIES, at(h, rings[i].off))))
		return rc;
	if (!mbox_ring_size_ok(*at(h, rings[i].off), MBOX_RING_MAX_ENTRIES))
		return scenario_fail(x, v, path, "a ring holds a power of two entries (2, 4, ... 4096), not %u",
				     *at(h, rings[i].off));
	h->given |= rings[i].bit;
	return 0;
}

static int numbers(struct scenario_ctx *x, yaml_node_t *n)
{
	struct scenario_host *h = &x->c->host;
	int rc = 0;

	for (size_t i = 0; i < N_FIELDS && !rc; i++) {
		if (!scenario_get(x, n, fields[i].key))
			continue;
		rc = scenario_opt_u32(x, n, "host", fields[i].key, fields[i].min,
				      fields[i].max, at(h, fields[i].off));
		h->given |= fields[i].bit;
	}
	for (size_t i = 0; i < N_RINGS && !rc; i++)
		rc = ring(x, n, i);
	return rc;
}

/* A bool key, marked given when written. */
static int flag(struct scenario_ctx *x, yaml_node_t *n, const char *key,
		uint32_t bit, bool *v)
{
	struct scenario_host *h = &x->c->host;

	if (scenario_get(x, n, key))
		h->given |= bit;
	return scenario_opt_bool(x, n, "host", key, v);
}

static int choices(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const modes[] = { "irq", "poll", NULL };
	struct scenario_host *h = &x->c->host;
	yaml_node_t *v;
	int rc, m;

	if ((rc = flag(x, n, "enabled", SCENARIO_HOST_ENABLED, &h->enabled)) ||
	    (rc = flag(x, n, "install", SCENARIO_HOST_INSTALL, &h->install)))
		return rc;
	if ((v = scenario_get(x, n, "program"))) {
		static const char *const progs[] = { "static", "fpag", NULL };

		if ((rc = scenario_enum(x, v, "host.program", progs, &m)))
			return rc;
		h->program = (enum scenario_program)m;
		h->given |= SCENARIO_HOST_PROGRAM;
	}
	if ((v = scenario_get(x, n, "notify"))) {
		if ((rc = scenario_enum(x, v, "host.notify", modes, &m)))
			return rc;
		h->poll = m == 1;
		h->given |= SCENARIO_HOST_NOTIFY;
	}
	if ((v = scenario_get(x, n, "ordering"))) {
		static const char *const orders[] = { "none", "hold", NULL };

		if ((rc = scenario_enum(x, v, "host.ordering", orders, &m)))
			return rc;
		h->hold = m == 1;
		h->given |= SCENARIO_HOST_ORDERING;
	}
	if (!(v = scenario_get(x, n, "action")))
		return 0;
	h->given |= SCENARIO_HOST_ACTION;
	return scenario_action(x, v, "host.action", &h->action);
}

static int parse_host(struct scenario_ctx *x, yaml_node_t *n)
{
	static const char *const keys[] = {
		"enabled", "program", "notify", "poll_interval_ns", "irq_holdoff_us",
		"miss_ns", "install_ns", "packet_out_ns", "install", "ordering", "action",
		"cmd_ring", "cpl_ring", "evt_ring", "rxb_ring", NULL
	};
	int rc;

	if ((rc = scenario_mapping(x, n, "host", "a mapping of the host program's parameters", keys)) ||
	    (rc = choices(x, n)))
		return rc;
	return numbers(x, n);
}

const struct scenario_section scenario_section_host = {
	.key = "host", .parse = parse_host,
};
