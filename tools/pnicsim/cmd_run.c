/* pnicsim run: the whole system in simulated time.
 *
 * Reads the YAML scenario (io/scenario: the replay's sections plus nic,
 * host and run), lays its nic and host sections over the system's
 * defaults, and calls system_run() (model/sc/system.h: the SystemC
 * pNIC + PCIe link + host).  The system hands out every egress frame,
 * per-packet record, window and miss round trip through callbacks, which
 * run_out.c writes as they come; run_report.c makes summary.json and
 * timing.json at the end, run_plot.c the plots, and outdir puts them all
 * in place at once, or none of them.
 *
 * SIGINT and SIGTERM only set stop_signal (stop.h); the system checks it
 * once per epoch and ends as a complete run would, marked interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/cli.h"
#include "tools/pnicsim/commands.h"
#include "tools/pnicsim/run.h"
#include "io/stop.h"

#define PROG "pnicsim run"

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim run SCENARIO.yaml [--out DIR] [--no-packets] [--no-plots]\n"
"                   [--no-pcap] [--json] [--quiet] [--progress]\n"
"\n"
"Run a scenario through the whole system in simulated time: its traffic\n"
"(pcaps per port, paced by their timestamps or at line rate) into the\n"
"cycle-level pNIC, misses over the PCIe mailbox to the host program, which\n"
"installs an entry and sends the packet back out (docs/run.md).  SCENARIO\n"
"is replay's (docs/scenario.md) plus the optional sections nic (clock,\n"
"stage timing, queue bounds), host (the host program) and run (outputs).\n"
"The whole scenario is validated before anything runs; an error names the\n"
"file, line, column and field.\n"
"\n"
"options:\n"
"  --out DIR       output folder (default: the scenario's `output`, else\n"
"                  out/<scenario name>); created if missing\n"
"  --no-packets    do not write packets.csv (as run.packets_csv: false)\n"
"  --no-plots      do not make the plots (as run.plots: false)\n"
"  --no-pcap       do not write the egress pcaps (for benchmarks: writing\n"
"                  every frame out is a tenth of a large run's time)\n"
"  --json          print summary.json to stdout instead of the readable summary\n"
"  --quiet         print nothing on success (errors still go to stderr)\n"
"  --progress      show the progress line even when stderr is not a terminal\n"
"  --oracle        check every packet's decision against the slow path\n"
"                  alone (as run.oracle: true; host.program fpag only)\n"
"  --set PATH=V    run as if the scenario said V at PATH (keys and list\n"
"                  positions joined by dots: fpag.flow_dest=ppid,\n"
"                  inputs.0.multiplier=2); may be repeated; for sweeps\n"
"  -h, --help      this text\n"
"\n"
"outputs in DIR:\n"
"  summary.json         every counter and result (docs/run.md); nothing of\n"
"                       the host it ran on: the same scenario gives the\n"
"                       same bytes\n"
"  timing.json          wall seconds, the model's and the SystemC kernel's\n"
"                       share, packets and cycles per wall second\n"
"  packets.csv          one line per arrival: its cycle at every stage,\n"
"                       path, drop or host reason, egress PPID, entry\n"
"  timeseries.csv       one line per window: counts and queue depths\n"
"  egress-ppid<N>.pcap  frames sent out of PPID N, stamped with their\n"
"                       simulated departure (ns)\n"
"  latency-cdf.png/.svg, timeseries.png/.svg   plots (gnuplot; skipped\n"
"                       with a note when gnuplot is missing)\n"
"\n"
"Outputs are written under hidden temporary names and put in place when the\n"
"run ends, summary.json last; a run that fails leaves DIR as it was.  A\n"
"progress line (simulated time, packets, packets/s) goes to stderr every\n"
"half second once a run has taken 2 s, when stderr is a terminal.\n"
"\n"
"exit status: 0 the run completed; 1 the run failed (a damaged input, a\n"
"conservation check): nothing written; 2 bad usage, a bad scenario or\n"
"one the system cannot run, an input that is an output, or an output\n"
"that could not be written: nothing written; 128+N interrupted by signal\n"
"N (130 SIGINT, 143 SIGTERM), outputs complete up to the interruption and\n"
"summary.json says \"interrupted\": true; 3 the run completed and its\n"
"outputs are written, but an expectation of the scenario's `expect` was\n"
"not met (each named on stderr with its line).\n");
}

#define RUN_MAX_SETS 64

struct run_opts {
	const char *config, *out;
	const char *sets[RUN_MAX_SETS];
	size_t n_sets;
	bool no_packets, no_plots, no_pcap, json, quiet, progress, oracle;
};

/* -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "no-packets", no_argument, NULL, 'P' },
		{ "no-plots", no_argument, NULL, 'G' },
		{ "no-pcap", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, NULL, 'p' },
		{ "oracle", no_argument, NULL, 'O' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'P': o->no_packets = true; break;
		case 'G': o->no_plots = true; break;
		case 'n': o->no_pcap = true; break;
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'p': o->progress = true; break;
		case 'O': o->oracle = true; break;
		case 's':
			if (o->n_sets == RUN_MAX_SETS)
				return cli_usage_error(PROG, "more than %d --set options", RUN_MAX_SETS);
			o->sets[o->n_sets++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: return cli_getopt_error(PROG, c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(PROG, "expected one SCENARIO.yaml, got %d arguments",
				       argc - optind);
	o->config = argv[optind];
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the system's parameters ------------------------------------------- */

/* The host section's numbers and where they go in the system's
 * parameters. */
#define HP(bit, from, to) \
	{ bit, offsetof(struct scenario_host, from), \
	  offsetof(struct system_host_params, to) }
static const struct {
	uint32_t bit;
	size_t from, to;
} host_numbers[] = {
	HP(SCENARIO_HOST_POLL_INTERVAL, poll_interval_ns, poll_interval_ns),
	HP(SCENARIO_HOST_IRQ_USECS, irq_usecs, irq_usecs),
	HP(SCENARIO_HOST_MISS_NS, miss_ns, costs.miss_ns),
	HP(SCENARIO_HOST_INSTALL_NS, install_ns, costs.install_ns),
	HP(SCENARIO_HOST_PACKET_OUT_NS, packet_out_ns, costs.packet_out_ns),
	HP(SCENARIO_HOST_CMD_RING, cmd_entries, cmd_entries),
	HP(SCENARIO_HOST_CPL_RING, cpl_entries, cpl_entries),
	HP(SCENARIO_HOST_EVT_RING, evt_entries, evt_entries),
	HP(SCENARIO_HOST_RXB_RING, rxb_entries, rxb_entries),
};
#undef HP

/* The scenario's host section over the system's defaults: only what it
 * wrote. */
static void host_params(const struct scenario_host *s,
			struct system_host_params *h)
{
	for (size_t i = 0; i < sizeof host_numbers / sizeof host_numbers[0]; i++)
		if (s->given & host_numbers[i].bit)
			memcpy((char *)h + host_numbers[i].to,
			       (const char *)s + host_numbers[i].from, sizeof(uint32_t));
	if (s->given & SCENARIO_HOST_ENABLED)
		h->enabled = s->enabled;
	if (s->given & SCENARIO_HOST_NOTIFY)
		h->mode = s->poll ? SYSTEM_HOST_POLL : SYSTEM_HOST_IRQ;
	if (s->given & SCENARIO_HOST_INSTALL)
		h->install = s->install;
	if (s->given & SCENARIO_HOST_ORDERING)
		h->hold = s->hold;
	if (s->given & SCENARIO_HOST_ACTION) {
		h->action_set = true;
		h->action = s->action;
	}
}

static void system_params(struct run *r)
{
	struct system_params *p = &r->sp;
	const struct scenario *c = r->cfg;

	system_params_default(p);
	p->scenario = c;
	p->clock_hz = c->nic.clock_hz;
	p->timing = c->nic.timing;
	p->bounds = c->nic.bounds;
	host_params(&c->host, &p->host);
	p->window_ps = c->run.window_ns * 1000;
	p->oracle = c->run.oracle;
	p->egress = run_out_egress;
	p->record = run_out_record;
	p->window = run_out_window;
	p->miss = run_out_miss;
	p->action = run_out_action;
	p->start = run_out_start;
	p->fpag_end = run_out_fpag_end;
	p->ctx = r;
	p->stop = &stop_signal;
}

/* ---- setting up -------------------------------------------------------- */

static int fail(const struct pnic_error *err, int status)
{
	char msg[1024];

	fprintf(stderr, PROG ": %s\n", pnic_error_str(err, msg, sizeof msg));
	return status;
}

/* The histograms: 4 KB each, on the heap. */
static int alloc_hists(struct run *r)
{
	r->lat = calloc(RUN_PATHS, sizeof *r->lat);
	r->trip = calloc(1, sizeof *r->trip);
	r->trip_part = calloc(RUN_TRIP_PARTS, sizeof *r->trip_part);
	return r->lat && r->trip && r->trip_part ? 0 : -ENOMEM;
}

/* Load the scenario, settle the output folder and refuse inputs that are
 * outputs; 0 or the exit status. */
static int prepare(struct run *r, const struct run_opts *o, char **out_default)
{
	struct pnic_error err;

	pnic_error_clear(&err);
	if (scenario_load_set(o->config, o->sets, o->n_sets, &r->cfg, &err))
		return fail(&err, 2);
	r->sets = o->sets;
	r->n_sets = o->n_sets;
	if (!r->cfg->n_inputs)
		return cli_usage_error(PROG, "%s lists no inputs: add some under 'inputs'",
				       r->cfg->file);
	r->out_dir = o->out ? o->out : r->cfg->out_dir;
	if (!r->out_dir)
		r->out_dir = *out_default = outdir_default(o->config);
	if (!r->out_dir || alloc_hists(r) || run_actions_init(r)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	r->packets_csv = r->cfg->run.packets_csv && !o->no_packets;
	r->plots = r->cfg->run.plots && !o->no_plots;
	r->pcaps = !o->no_pcap;
	r->quiet = o->quiet;
	r->progress = !o->quiet && (o->progress || isatty(STDERR_FILENO));
	system_params(r);
	r->sp.oracle = r->sp.oracle || o->oracle;
	if (outdir_check_inputs(r->out_dir, r->cfg->file, r->cfg->inputs,
				r->cfg->n_inputs, &err))
		return fail(&err, 2);
	return 0;
}

/* ---- running and writing ----------------------------------------------- */

static int run_system(struct run *r)
{
	struct stop_saved saved;
	double t0 = now_s();

	stop_catch(&saved);
	r->progress_t0 = r->progress_last = t0;
	pnic_error_clear(&r->sys_err);
	r->sys_rc = system_run(&r->sp, &r->res, &r->sys_err);
	r->wall_s = now_s() - t0;
	stop_restore(&saved);
	run_out_flush(r);
	run_out_progress_end(r);
	if (r->sys_rc) {
		/* Parameters the system refused are the scenario's fault. */
		fail(&r->sys_err, 0);
		fprintf(stderr, PROG ": no results written to %s\n", r->out_dir);
		return r->sys_rc == -EINVAL || r->sys_rc == -ERANGE ? 2 : 1;
	}
	r->signal = r->res.interrupted ? (stop_signal ? stop_signal : SIGINT) : 0;
	return 0;
}

static int write_outputs(struct run *r, const json_t *summary)
{
	struct pnic_error err;
	json_t *timing = run_timing_json(r);
	int rc;

	pnic_error_clear(&err);
	rc = timing ? outdir_json(r->out, "timing.json", timing, &err)
		    : pnic_err(&err, ENOMEM, "out of memory");
	json_decref(timing);
	if (rc || (rc = outdir_json(r->out, "summary.json", summary, &err)) ||
	    (rc = outdir_commit(r->out, &err))) {
		fail(&err, 0);
		fprintf(stderr, PROG ": no results written to %s\n", r->out_dir);
		return 2;
	}
	return 0;
}

static void report(const struct run *r, const json_t *summary, bool json)
{
	if (json) {
		json_dumpf(summary, stdout, JSON_INDENT(2) | JSON_SORT_KEYS |
			   JSON_REAL_PRECISION(12));
		fputc('\n', stdout);
	} else if (!r->quiet) {
		run_summary_print(stdout, r);
	}
	fflush(stdout);
	if (!r->quiet)
		fprintf(stderr, "run: %llu packets, %llu cycles, wall %.3f s (%.2f M packets/s, SystemC kernel %.0f %%)%s\n",
			(unsigned long long)r->records,
			(unsigned long long)r->res.cycles, r->wall_s,
			r->wall_s > 0 ? (double)r->records / r->wall_s / 1e6 : 0.0,
			r->res.kernel_share * 100.0,
			r->signal ? " (interrupted)" : "");
}

static int run_and_write(struct run *r, bool json)
{
	struct pnic_error err;
	json_t *summary;
	int status;

	pnic_error_clear(&err);
	if (outdir_create(r->out_dir, r->cfg->n_ppids, r->pcaps ? OUTDIR_EGRESS_PCAPS : 0,
			  &r->out, &err) || run_out_open(r, &err))
		return fail(&err, 2);
	if ((status = run_system(r)))
		return status;
	if (r->plots)
		run_plot(r);
	else
		snprintf(r->plot_note, sizeof r->plot_note, "not made (switched off)");
	summary = run_summary_json(r);
	if (!summary) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	/* The expectations are judged on the summary and kept in it. */
	if (r->cfg->n_expects)
		json_object_set_new(summary, "expect", run_expect_json(r, summary, stderr));
	if (!(status = write_outputs(r, summary))) {
		report(r, summary, json);
		status = r->signal ? 128 + r->signal :
			 json_array_size(json_object_get(json_object_get(summary, "expect"),
							 "failed")) ? 3 : 0;
	}
	json_decref(summary);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run *r = calloc(1, sizeof *r);
	char *out_default = NULL;
	int status;

	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	if ((status = parse_options(argc, argv, &o)) >= 0)
		goto free_run;
	if (!(status = prepare(r, &o, &out_default)))
		status = run_and_write(r, o.json);
	outdir_destroy(r->out);
free_run:
	free(r->csv);
	run_actions_free(r);
	free(r->trip_part);
	free(r->trip);
	free(r->lat);
	free(out_default);
	scenario_destroy(r->cfg);
	free(r);
	return status;
}
