/* pnicsim replay: run capture files through the functional datapath.
 *
 * Reads the YAML scenario (io/scenario), builds the NIC it describes
 * (model/nic) and programs it with the scenario's commands (map, template
 * and entry writes: scenario_program(), the list pnicsim cosim sends to the
 * RTL), runs every input (the config's, or --pcap's) through the NIC and
 * hands the outputs to outdir, which writes them all or nothing;
 * replay_report makes summary.json, timing.json and the readable summary.
 * Packets are read in batches into an arena so that the datapath loop can
 * be timed on its own (the figure `pnicsim replay` reports as core
 * packets/s), without the file reading in it.
 *
 * SIGINT and SIGTERM only set a flag; the read loop checks it between
 * packets, runs the batch already read, and the run ends as a complete
 * one would, marked interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/cli.h"
#include "io/num.h"
#include "io/pcap_in.h"
#include "tools/pnicsim/commands.h"
#include "tools/pnicsim/replay.h"
#include "io/stop.h"

#define PROG "pnicsim replay"
#define BATCH_PKTS 65536
#define BATCH_BYTES (32u << 20)

static void usage(FILE *f)
{
	fprintf(f,
"usage: pnicsim replay SCENARIO.yaml [--out DIR] [--pcap FILE [--in-port PORT]]...\n"
"                      [--json] [--no-pcap]\n"
"\n"
"Replay capture files through the functional pNIC datapath: parse -> key\n"
"build -> TCAM lookup -> action RAM -> VPID map -> editor -> egress, to-host\n"
"or drop.  SCENARIO names the key profile, TCAM depth and miss policy, ports,\n"
"VPID map, encap templates, flow entries and input captures (docs/scenario.md).\n"
"The whole scenario is validated before anything runs; an error names the\n"
"file, line, column and field.\n"
"\n"
"options:\n"
"  --out DIR       output folder (default: the scenario's `output`, else\n"
"                  out/<scenario name>); created if missing\n"
"  --pcap FILE     replay FILE instead of the scenario's inputs; may be given\n"
"                  several times (replayed in order, once each)\n"
"  --in-port PORT  the port the --pcap just before it arrives on: a PPID or\n"
"                  a port name of the scenario (default: the port of\n"
"                  the scenario's first input, else its first port)\n"
"  --json          print summary.json to stdout instead of the readable summary\n"
"  --no-pcap       do not write the pcap outputs (summary only; for benchmarks)\n"
"  -h, --help      this text\n"
"\n"
"Paths given on the command line (SCENARIO, --out, --pcap) are relative to\n"
"the current folder; paths written in SCENARIO (inputs, output) are\n"
"relative to SCENARIO's folder.\n"
"\n"
"outputs in DIR:\n"
"  egress-ppid<N>.pcap  frames sent out of PPID N (incl. mirror copies), as\n"
"                       edited; only for PPIDs that sent at least one frame\n"
"  to-host.pcap         frames sent to the host (misses, to_host actions,\n"
"                       unmapped VPIDs under the to_host policy), unedited\n"
"  drops.pcap           dropped frames (every reason), as received\n"
"  summary.json         every result: per-port packets/bytes, hits and\n"
"                       misses, each entry's match, action and hits, the VPID\n"
"                       map, drops and host sends by reason, parse errors by\n"
"                       reason, editor operations and refusals, per-input\n"
"                       packet counts and file errors, whether the run was\n"
"                       interrupted.  Nothing of the host: the same\n"
"                       scenario and inputs give the same bytes\n"
"  timing.json          the host's figures: datapath CPU seconds and\n"
"                       packets/s, wall seconds (also on stderr)\n"
"\n"
"Outputs are written under hidden temporary names and put in place when the\n"
"run ends, summary.json last.  A run that fails leaves DIR as it was, an\n"
"earlier run's results included; a run that ends replaces them, and removes\n"
"those of its outputs it did not make (e.g. egress-ppid7.pcap of a\n"
"scenario that had port 7).  An input that is, or would be replaced by, an output in\n"
"DIR is refused before anything is written.\n"
"\n"
"SIGINT or SIGTERM stops the run cleanly: the outputs hold every packet\n"
"processed before it, and summary.json says \"interrupted\": true and names\n"
"the signal.  A second signal ends the process at once, writing nothing.\n"
"\n"
"Capture files may be pcap or pcapng with Ethernet, raw IPv4/IPv6, BSD\n"
"loopback or Linux cooked link types (others are refused and reported).  A\n"
"file damaged part-way is replayed up to the damage and reported.\n"
"\n"
"exit status: 0 all inputs read cleanly; 1 an input was refused or damaged\n"
"(everything readable was still replayed and counted); 2 bad usage, bad\n"
"scenario, an input that is an output, or an output that could not be\n"
"written (nothing written); 128+N interrupted by signal N (130 SIGINT, 143\n"
"SIGTERM), outputs complete up to the interruption.\n");
}

/* ---- the command line -------------------------------------------------- */

struct opt_pcap {
	char *path;
	const char *port;          /* --in-port's text, or NULL */
};

struct replay_opts {
	const char *out;
	bool json, no_pcap;
	const char *config;
	struct opt_pcap *pcaps;
	unsigned n_pcaps;
};

enum { OPT_PCAP = 256, OPT_IN_PORT };

static int add_in_port(struct replay_opts *o, const char *port)
{
	struct opt_pcap *p = o->n_pcaps ? &o->pcaps[o->n_pcaps - 1] : NULL;

	if (!p)
		return cli_usage_error(PROG, "--in-port '%s' must follow the --pcap it applies to",
				       port);
	if (p->port)
		return cli_usage_error(PROG, "--in-port given twice for --pcap '%s'",
				       p->path);
	p->port = port;
	return -1;
}

/* -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct replay_opts *o)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-pcap", no_argument, NULL, 'n' },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "in-port", required_argument, NULL, OPT_IN_PORT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	o->pcaps = calloc((size_t)argc, sizeof *o->pcaps);
	if (!o->pcaps) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:jnh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'j': o->json = true; break;
		case 'n': o->no_pcap = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_PCAP:
			o->pcaps[o->n_pcaps++] = (struct opt_pcap){ optarg, NULL };
			break;
		case OPT_IN_PORT:
			if ((rc = add_in_port(o, optarg)) >= 0)
				return rc;
			break;
		default:
			return cli_getopt_error(PROG, c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(PROG, "expected one SCENARIO.yaml, got %d arguments",
				       argc - optind);
	o->config = argv[optind];
	return -1;
}

/* --in-port: a PPID number or a port name, declared in the config. */
static int resolve_port(const struct scenario *c, const char *s,
			uint32_t *ppid)
{
	uint64_t v;
	char range[48];
	int rc = num_parse_u64(s, 0, VPID_MAP_MAX_PPIDS - 1, 0, &v);

	if (rc == -ERANGE)
		return cli_usage_error(PROG, "--in-port: '%s' is out of range %s", s,
				       num_range_str(0, VPID_MAP_MAX_PPIDS - 1, range, sizeof range));
	for (uint32_t i = 0; i < c->n_ports; i++)
		if (rc == 0 ? c->ports[i].ppid == v : !strcmp(c->ports[i].name, s)) {
			*ppid = c->ports[i].ppid;
			return 0;
		}
	return cli_usage_error(PROG, "--in-port: '%s' is not a %s of %s (see its 'ports')",
			       s, rc == 0 ? "declared PPID" : "port name", c->file);
}

static int check_capture(const char *path)
{
	struct pnic_error err;

	if (!pcap_in_check(path, &err))
		return 0;
	fprintf(stderr, PROG ": --pcap: %s\n", err.msg);
	return 2;
}

/* The inputs of the run: --pcap's, each on its --in-port (or the
 * config's first input's port, else its first port), replacing the
 * config's. */
static int cli_inputs(struct replay *r, const struct replay_opts *o,
		      struct scenario_input **out)
{
	struct scenario_input *in;
	int rc;

	*out = NULL;
	if (!o->n_pcaps)
		return 0;
	in = calloc(o->n_pcaps, sizeof *in);
	if (!in) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	*out = in;
	for (unsigned i = 0; i < o->n_pcaps; i++) {
		in[i].in_port = r->cfg->n_inputs ? r->cfg->inputs[0].in_port
						  : r->cfg->ports[0].ppid;
		in[i].loops = 1;
		in[i].path = o->pcaps[i].path;
		if ((rc = check_capture(in[i].path)) ||
		    (o->pcaps[i].port &&
		     (rc = resolve_port(r->cfg, o->pcaps[i].port, &in[i].in_port))))
			return rc;
	}
	r->inputs = in;
	r->n_inputs = o->n_pcaps;
	return 0;
}

/* Refuse, before anything is written, an input (or the config) that is
 * an output of this run. */
static int check_inputs(const struct replay *r)
{
	struct pnic_error err;
	char msg[1024];

	pnic_error_clear(&err);
	if (!outdir_check_inputs(r->out_dir, r->cfg->file, r->inputs,
				 r->n_inputs, &err))
		return 0;
	fprintf(stderr, PROG ": %s\n", pnic_error_str(&err, msg, sizeof msg));
	return 2;
}

/* ---- the NIC ----------------------------------------------------------- */

static void on_output(void *ctx, const struct datapath_out *o, const uint8_t *frame,
		      uint32_t caplen, uint32_t len)
{
	struct replay *r = ctx;

	outdir_frame(r->out, o, frame, caplen, len);
}

static int build_nic(struct replay *r, struct pnic_error *err)
{
	const struct scenario *c = r->cfg;
	struct nic_params np = {
		.profile = c->profile, .depth = c->tcam_depth,
		.n_ports = c->n_ppids, .n_vpids = c->n_vpids,
		.policy = scenario_policy(c),
		.hold_frames = c->nic.bounds.hold_frames,
		/* Without pcaps the datapath only counts. */
		.out = r->write_pcaps ? on_output : NULL, .ctx = r,
	};
	struct nic_cmd_sink sink;
	int rc = nic_create(&np, &r->nic, err);

	if (rc)
		return rc;
	r->lk = nic_lookup(r->nic);
	r->dp = nic_datapath(r->nic);
	/* The scenario's tables as the commands pnicsim cosim also sends to
	 * the RTL's config port. */
	sink = nic_sink(r->nic);
	return scenario_program(c, &sink, err);
}

/* ---- stopping on a signal ---------------------------------------------- */

static bool should_stop(const struct replay *r)
{
	return stop_signal || (r->write_pcaps && outdir_failed(r->out));
}

/* ---- running the inputs ------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The datapath loop is timed in this thread's CPU time, so that other
 * processes sharing the machine do not count against it. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_batch(struct replay *r, uint32_t in_port, uint32_t n)
{
	double t0 = cpu_s();

	nic_process_burst(r->nic, in_port, r->pkts, n);
	r->core_s += cpu_s() - t0;
}

/* Arena for one batch: how much is in it. */
struct batch {
	uint32_t n;
	uint64_t used;
};

static void take_packet(struct replay *r, const struct scenario_input *inp,
			struct batch *b, const struct pcap_in_pkt *pkt)
{
	if (b->n == BATCH_PKTS || b->used + pkt->caplen > BATCH_BYTES) {
		run_batch(r, inp->in_port, b->n);
		*b = (struct batch){ 0, 0 };
	}
	if (pkt->caplen > BATCH_BYTES) {
		/* Larger than the arena: run it straight from libpcap. */
		double t0 = cpu_s();

		nic_process(r->nic, inp->in_port, pkt->frame, pkt->caplen,
			    pkt->len, pkt->ts_ns);
		r->core_s += cpu_s() - t0;
		return;
	}
	r->pkts[b->n++] = (struct datapath_pkt){ r->bytes + b->used, pkt->caplen,
					   pkt->len, pkt->ts_ns };
	memcpy(r->bytes + b->used, pkt->frame, pkt->caplen);
	b->used += pkt->caplen;
}

/* One pass over one input.  A stop request ends it between packets; what
 * was read is still processed, so the counts match the outputs. */
static void run_input(struct replay *r, const struct scenario_input *inp,
		      struct replay_input_result *res)
{
	struct batch b = { 0, 0 };
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	bool stopped = false;
	int rc;

	if (pcap_in_open(inp->path, &in, &err)) {
		res->refused = true;
		snprintf(res->error, sizeof res->error, "%s", err.msg);
		r->file_errors++;
		return;
	}
	res->linktype_name = pcap_in_linktype_name(in);
	for (;;) {
		if ((stopped = should_stop(r)))
			break;
		if ((rc = pcap_in_next(in, &pkt, &err)) != 1)
			break;
		take_packet(r, inp, &b, &pkt);
		res->packets++;
	}
	run_batch(r, inp->in_port, b.n);
	/* A read cut short by the signal (EINTR on a pipe) is the
	 * interruption, not damage. */
	if (stop_signal && (stopped || rc < 0))
		res->interrupted = true;
	else if (rc < 0) {
		snprintf(res->error, sizeof res->error, "%s", err.msg);
		r->file_errors++;
	}
	pcap_in_close(in);
}

static void run_inputs(struct replay *r)
{
	double t0 = now_s();

	for (uint32_t i = 0; i < r->n_inputs; i++) {
		struct replay_input_result *res = &r->results[i];
		uint32_t l;

		for (l = 0; l < r->inputs[i].loops && !should_stop(r); l++) {
			run_input(r, &r->inputs[i], res);
			/* A damaged file is not looped again: once is reported. */
			if (res->refused || res->error[0] || res->interrupted)
				break;
		}
		/* Not replayed in full because of the signal, started or not. */
		if (stop_signal && l < r->inputs[i].loops && !res->refused &&
		    !res->error[0])
			res->interrupted = true;
	}
	r->wall_s = now_s() - t0;
	r->signal = stop_signal;
}

/* ---- main -------------------------------------------------------------- */

static int write_outputs(struct replay *r, const json_t *summary,
			 struct pnic_error *err)
{
	json_t *timing = replay_timing_json(r);
	int rc = outdir_json(r->out, "timing.json", timing, err);

	json_decref(timing);
	if (rc || (rc = outdir_json(r->out, "summary.json", summary, err)))
		return rc;
	return outdir_commit(r->out, err);
}

static void report(const struct replay *r, const json_t *summary, bool json)
{
	const struct datapath_stats *s = datapath_stats(r->dp);

	if (json) {
		json_dumpf(summary, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		replay_summary_print(stdout, r);
	}
	fflush(stdout);
	fprintf(stderr, "replay: %llu packets, datapath core %.3f s (%.2f M packets/s), wall %.3f s%s\n",
		(unsigned long long)s->packets, r->core_s,
		r->core_s > 0 ? (double)s->packets / r->core_s / 1e6 : 0.0,
		r->wall_s, r->signal ? " (interrupted)" : "");
}

static int exit_status(const struct replay *r)
{
	if (r->signal)
		return 128 + r->signal;
	return r->file_errors ? 1 : 0;
}

/* Load the config and settle the inputs and the output folder; 0 or the
 * exit status. */
static int prepare(struct replay *r, const struct replay_opts *o,
		   struct scenario_input **cli_in, char **out_default)
{
	struct pnic_error err;
	char msg[1024];
	int rc;

	pnic_error_clear(&err);
	if (scenario_load(o->config, &r->cfg, &err)) {
		fprintf(stderr, PROG ": %s\n", pnic_error_str(&err, msg, sizeof msg));
		return 2;
	}
	/* The FPAG writes its tables while traffic runs: only the timed
	 * system has a host to run it. */
	if (r->cfg->host.program == SCENARIO_PROGRAM_FPAG)
		return cli_usage_error(PROG, "%s runs the FPAG (host.program: fpag), which "
				       "needs the timed system: use pnicsim run", r->cfg->file);
	r->inputs = r->cfg->inputs;
	r->n_inputs = r->cfg->n_inputs;
	if ((rc = cli_inputs(r, o, cli_in)))
		return rc;
	if (!r->n_inputs)
		return cli_usage_error(PROG, "%s lists no inputs: add some under "
				       "'inputs' or give --pcap FILE", r->cfg->file);
	r->out_dir = o->out ? o->out : r->cfg->out_dir;
	if (!r->out_dir)
		r->out_dir = *out_default = outdir_default(o->config);
	r->results = calloc(r->n_inputs, sizeof *r->results);
	r->pkts = malloc(BATCH_PKTS * sizeof *r->pkts);
	r->bytes = malloc(BATCH_BYTES);
	if (!r->out_dir || !r->results || !r->pkts || !r->bytes) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	return check_inputs(r);
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	struct replay r = { .write_pcaps = true };
	struct stop_saved saved;
	struct scenario_input *cli_in = NULL;
	char *out_default = NULL;
	struct pnic_error err;
	json_t *summary = NULL;
	char msg[1024];
	int status;

	if ((status = parse_options(argc, argv, &o)) >= 0)
		goto free_opts;
	r.write_pcaps = !o.no_pcap;
	if ((status = prepare(&r, &o, &cli_in, &out_default)))
		goto free_run;
	status = 2;
	pnic_error_clear(&err);
	if (outdir_create(r.out_dir, r.cfg->n_ppids,
			  r.write_pcaps ? OUTDIR_EGRESS_PCAPS | OUTDIR_SIDE_PCAPS : 0,
			  &r.out, &err) ||
	    build_nic(&r, &err)) {
		fprintf(stderr, PROG ": %s\n", pnic_error_str(&err, msg, sizeof msg));
		goto destroy_nic;
	}
	stop_catch(&saved);
	run_inputs(&r);
	summary = replay_summary_json(&r);
	if (!summary || write_outputs(&r, summary, &err)) {
		fprintf(stderr, PROG ": %s\n" PROG ": no results written to %s\n",
			summary ? pnic_error_str(&err, msg, sizeof msg) : "out of memory",
			r.out_dir);
		goto restore_signals;
	}
	report(&r, summary, o.json);
	status = exit_status(&r);

restore_signals:
	stop_restore(&saved);
destroy_nic:
	outdir_destroy(r.out);
	nic_destroy(r.nic);
free_run:
	json_decref(summary);
	free(r.bytes);
	free(r.pkts);
	free(r.results);
	free(out_default);
	free(cli_in);
	scenario_destroy(r.cfg);
free_opts:
	free(o.pcaps);
	return status;
}
