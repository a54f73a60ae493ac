/* run: the state of one `pnicsim run`, shared by the files of the command
 * (cmd_run.c runs it, run_out.c writes the per-packet, per-window and
 * per-frame outputs as the system hands them out, run_report.c makes
 * summary.json, timing.json and the readable summary, run_plot.c the
 * plots).  Private to tools/pnicsim/.
 */
#ifndef PNICSIM_RUN_H
#define PNICSIM_RUN_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "io/scenario.h"
#include "model/hist.h"
#include "model/sc/system.h"
#include "tools/pnicsim/outdir.h"

/* The paths a packet's latency is reported for, from the last bit in
 * (arrival_last): hit to its last bit out, miss and to_host to the
 * to-host queue, drop to where it was dropped is not a latency and is
 * not reported. */
enum run_path {
	RUN_PATH_HIT = 0,
	RUN_PATH_MISS,
	RUN_PATH_TO_HOST,
	RUN_PATHS
};

/* The steps of a miss's round trip (struct system_miss_trip), each the
 * time from the step before it: the parts that sum to the whole. */
#define RUN_TRIP_PARTS 6

/* packets.csv's buffer, and the room one line may take (fifteen fields,
 * the longest names, and put_u64's 20 bytes of slack). */
#define RUN_CSV_BUF (256u * 1024)
#define RUN_CSV_LINE 512u

/* A number's decimal digits but the last four, kept for the next one
 * (run_out.c); n == 0: none yet.  20 bytes of slack after them. */
struct run_digits {
	uint64_t hi;
	unsigned n;
	char d[40];
};

/* A timed event of the scenario, followed (run_actions.c). */
struct run_action {
	uint64_t mac;                   /* the moving VNIC's */
	uint32_t to_ppid;
	uint64_t at_ps;                 /* when it is due, from the run's start */
	bool done;                      /* the system reported it */
	struct system_action a;
	uint64_t misdelivered;          /* its frames out of another PPID after at_ps */
	uint64_t during_drops, during_misses, during_to_host;
	/* A table flood: its window is its frames' span, not a repair. */
	uint64_t span_ps;
	uint64_t during_hits;
};

struct run {
	struct scenario *cfg;
	const char *out_dir;
	struct outdir *out;
	struct system_params sp;
	struct system_result res;
	int sys_rc;                     /* system_run()'s */
	struct pnic_error sys_err;
	bool packets_csv, plots, pcaps, quiet, progress;
	FILE *packets, *timeseries;     /* NULL when not written */
	char *csv;                      /* packets.csv's lines not yet written */
	size_t csv_n;
	struct run_digits csv_ids, csv_edges;
	uint64_t records;               /* per-packet records seen */
	uint64_t path_count[4];         /* records by enum pipeline_path */
	uint64_t windows;
	uint64_t window_max_count;      /* the plots' y ranges */
	uint64_t window_max_depth;
	struct hist *lat;               /* RUN_PATHS, in cycles */
	struct hist *trip;              /* the round trip, in ps */
	struct hist *trip_part;         /* RUN_TRIP_PARTS, in ps */
	uint64_t trip_incomplete;       /* misses whose loop did not close */
	int signal;                     /* the signal that stopped the run */
	double wall_s;
	double progress_t0, progress_last;
	bool progress_shown;
	bool plots_made;
	char plot_note[PATH_MAX + 320];            /* why there are no plots, or "" */
	const char *const *sets;        /* --set PATH=V, as given */
	size_t n_sets;
	uint64_t start_ps;              /* the sources' start */
	uint32_t n_actions;
	struct run_action *actions;
	/* Per endpoint (VNICs, then uplinks): the FPAG's totals at the end. */
	uint32_t n_totals;
	struct fpag_totals *totals;
};

/* ---- run_out.c: the system's callbacks --------------------------------- */

/* Open packets.csv and timeseries.csv (as asked) and write their headers. */
int run_out_open(struct run *r, struct pnic_error *err);
void run_out_egress(void *ctx, const struct pipeline_egress *e,
		    uint64_t departure_ns);
void run_out_record(void *ctx, const struct pipeline_record *rec);
void run_out_window(void *ctx, const struct system_window *w);
void run_out_miss(void *ctx, const struct system_miss_trip *t);

/* ---- run_actions.c: the scenario's timed events ------------------------ */

int run_actions_init(struct run *r);
void run_actions_free(struct run *r);
void run_out_start(void *ctx, uint64_t start_ps);
void run_out_action(void *ctx, const struct system_action *a);
void run_out_fpag_end(void *ctx, const struct fpag *f);
json_t *run_totals_json(const struct run *r);
void run_actions_egress(struct run *r, const struct pipeline_egress *e,
			uint64_t departure_ps);
void run_actions_record(struct run *r, const struct pipeline_record *rec,
			uint64_t arrival_ps);
json_t *run_actions_json(const struct run *r);
/* ---- run_expect.c: the scenario's expectations ------------------------- */

/* {checked, met, failed: [figure...]}, each failure also reported to
 * `report` (may be NULL) with the scenario's line. */
json_t *run_expect_json(const struct run *r, const json_t *summary, FILE *report);

/* A NIC clock edge in ps from the run's start. */
uint64_t run_edge_ps(const struct run *r, uint64_t edge);
/* packets.csv's buffered lines into the file (after the run). */
void run_out_flush(struct run *r);
/* The progress line's end, if one was shown. */
void run_out_progress_end(struct run *r);
/* The names of the round trip's parts, in order. */
const char *run_trip_part_name(unsigned i);

/* ---- run_report.c -------------------------------------------------------- */

/* summary.json: every result of the run and nothing of the host it ran
 * on, so two runs of the same scenario give the same bytes. */
json_t *run_summary_json(const struct run *r);
/* timing.json: wall seconds, the model's and the kernel's share, speed. */
json_t *run_timing_json(const struct run *r);
void run_summary_print(FILE *f, const struct run *r);

/* ---- run_plot.c ---------------------------------------------------------- */

/* The latency CDF per path and the time series, as PNG and SVG, made by
 * gnuplot into the output folder.  Never fails the run: without gnuplot,
 * or when it fails, r->plot_note says why and no plot is written. */
void run_plot(struct run *r);

#endif
