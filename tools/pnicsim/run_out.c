/* The outputs `pnicsim run` writes while the system runs: one pcap per
 * egress PPID (through outdir, nanosecond timestamps = simulated
 * departure), packets.csv (a line per record), timeseries.csv (a line per
 * window), the latency histograms, and the progress line.  The CSV lines
 * are formatted by hand into one big buffer: a record is written per
 * packet, and printf (or an fwrite a line) would cost more than the
 * simulation of it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/tcam.h"
#include "tools/pnicsim/run.h"

#define PROGRESS_AFTER_S 2.0
#define PROGRESS_EVERY_S 0.5
#define PROGRESS_RECORDS 4096   /* records between two looks at the clock */

static const char packets_header[] =
	"id,in_port,len,arrival_first,arrival_last,parse_done,lookup_issue,"
	"lookup_response,enqueue,departure,path,drop,host_reason,out_ppid,entry\n";

static const char timeseries_header[] =
	"start_ns,end_ns,arrivals,departed,hits,misses,to_host,dropped,"
	"packet_outs,commands,events,event_drops,ingress_frames,egress_frames,"
	"to_host_frames,cfg_commands\n";

/* A write error in either stream is caught when the commit closes it. */
int run_out_open(struct run *r, struct pnic_error *err)
{
	int rc;

	if (r->packets_csv) {
		if ((rc = outdir_stream(r->out, "packets.csv", &r->packets, err)))
			return rc;
		if (!(r->csv = malloc(RUN_CSV_BUF)))
			return pnic_err(err, ENOMEM, "out of memory for packets.csv's buffer");
		fputs(packets_header, r->packets);
	}
	if ((rc = outdir_stream(r->out, "timeseries.csv", &r->timeseries, err)))
		return rc;
	fputs(timeseries_header, r->timeseries);
	return 0;
}

void run_out_egress(void *ctx, const struct pipeline_egress *e,
		    uint64_t departure_ns)
{
	struct run *r = ctx;
	struct datapath_out d = { .kind = DP_OUT_EGRESS, .ppid = e->ppid,
				  .ts_ns = departure_ns };

	outdir_frame(r->out, &d, e->frame, e->caplen, e->len);
	if (r->n_actions)
		run_actions_egress(r, e, run_edge_ps(r, e->last_bit));
}

uint64_t run_edge_ps(const struct run *r, uint64_t edge)
{
	return (uint64_t)((unsigned __int128)edge * 1000000000000ull / r->sp.clock_hz);
}

/* ---- packets.csv ------------------------------------------------------- */

/* "00" .. "99": two digits a division. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* v in decimal at p (which has 20 bytes of room past the digits); the
 * end.  Written backwards two digits at a time, then copied whole. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[40];
	char *end = tmp + 20, *q = end;

	while (v >= 100) {
		q -= 2;
		memcpy(q, &digit_pairs[2 * (v % 100)], 2);
		v /= 100;
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, &digit_pairs[2 * v], 2);
	} else {
		*--q = (char)('0' + v);
	}
	memcpy(p, q, 20);
	return p + (end - q);
}

/* The digits of a number's high part (all but its last four), kept: the
 * edges of one record, and the ids of consecutive ones, mostly share it,
 * so a number is mostly its high digits copied and four more made. */
static char *put_u64_cached(struct run_digits *c, char *p, uint64_t v)
{
	uint64_t hi = v / 10000;
	uint32_t lo = (uint32_t)(v - hi * 10000);

	if (!hi)
		return put_u64(p, v);
	if (hi != c->hi || !c->n) {
		c->hi = hi;
		c->n = (unsigned)(put_u64(c->d, hi) - c->d);
	}
	memcpy(p, c->d, 20);
	p += c->n;
	memcpy(p, &digit_pairs[2 * (lo / 100)], 2);
	memcpy(p + 2, &digit_pairs[2 * (lo % 100)], 2);
	return p + 4;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* An edge, or nothing for a stage not reached; then the comma. */
static char *put_edge(struct run_digits *c, char *p, uint64_t v)
{
	if (v != PIPELINE_NEVER)
		p = put_u64_cached(c, p, v);
	*p++ = ',';
	return p;
}

/* The lines go into one buffer, written out whole when it is nearly
 * full (and at the end: run_out_flush): one fwrite per RUN_CSV_BUF bytes,
 * not per line. */
static void write_record(struct run *r, const struct pipeline_record *rec)
{
	bool host = rec->path == PL_PATH_MISS || rec->path == PL_PATH_TO_HOST;
	char *p;

	if (r->csv_n > RUN_CSV_BUF - RUN_CSV_LINE)
		run_out_flush(r);
	p = r->csv + r->csv_n;

	p = put_u64_cached(&r->csv_ids, p, rec->id), *p++ = ',';
	p = put_u64(p, rec->in_port), *p++ = ',';
	p = put_u64(p, rec->len), *p++ = ',';
	p = put_edge(&r->csv_edges, p, rec->arrival_first);
	p = put_edge(&r->csv_edges, p, rec->arrival_last);
	p = put_edge(&r->csv_edges, p, rec->parse_done);
	p = put_edge(&r->csv_edges, p, rec->lookup_issue);
	p = put_edge(&r->csv_edges, p, rec->lookup_response);
	p = put_edge(&r->csv_edges, p, rec->enqueue);
	p = put_edge(&r->csv_edges, p, rec->departure);
	p = put_str(p, pipeline_path_name(rec->path)), *p++ = ',';
	if (rec->path == PL_PATH_DROP)
		p = put_str(p, pipeline_drop_name(rec->drop));
	*p++ = ',';
	if (host)
		p = put_str(p, datapath_host_reason_name(rec->host));
	*p++ = ',';
	if (rec->out_ppid != UINT32_MAX)
		p = put_u64(p, rec->out_ppid);
	*p++ = ',';
	if (rec->entry != TCAM_MISS)
		p = put_u64(p, (uint64_t)rec->entry);
	*p++ = '\n';
	r->csv_n = (size_t)(p - r->csv);
}

void run_out_flush(struct run *r)
{
	if (r->packets && r->csv_n)
		fwrite(r->csv, 1, r->csv_n, r->packets);
	r->csv_n = 0;
}

/* ---- progress ---------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "pnicsim run: 1.234567 ms simulated, 123456 packets, 2.31 M packets/s",
 * rewritten in place at most every PROGRESS_EVERY_S once the run has
 * taken PROGRESS_AFTER_S. */
static void progress(struct run *r, uint64_t sim_ps)
{
	double t = now_s(), el = t - r->progress_t0;

	if (el < PROGRESS_AFTER_S || t - r->progress_last < PROGRESS_EVERY_S)
		return;
	r->progress_last = t;
	r->progress_shown = true;
	fprintf(stderr, "\rpnicsim run: %.6f ms simulated, %llu packets, %.2f M packets/s ",
		(double)sim_ps * 1e-9, (unsigned long long)r->records,
		(double)r->records / el / 1e6);
	fflush(stderr);
}

void run_out_progress_end(struct run *r)
{
	if (r->progress_shown)
		fputc('\n', stderr);
}

/* ---- the callbacks ----------------------------------------------------- */

/* A record's latency from its last bit in: to its last bit out (hit), to
 * the to-host queue (miss, to_host). */
static void add_latency(struct run *r, const struct pipeline_record *rec)
{
	uint64_t end = rec->path == PL_PATH_HIT ? rec->departure : rec->enqueue;
	unsigned p = rec->path == PL_PATH_HIT ? RUN_PATH_HIT
		   : rec->path == PL_PATH_MISS ? RUN_PATH_MISS : RUN_PATH_TO_HOST;

	if (rec->path == PL_PATH_DROP || end == PIPELINE_NEVER ||
	    rec->arrival_last == PIPELINE_NEVER || end < rec->arrival_last)
		return;
	hist_add(&r->lat[p], end - rec->arrival_last);
}

void run_out_record(void *ctx, const struct pipeline_record *rec)
{
	struct run *r = ctx;

	r->records++;
	if ((unsigned)rec->path < 4)
		r->path_count[rec->path]++;
	add_latency(r, rec);
	if (r->n_actions && rec->arrival_last != PIPELINE_NEVER)
		run_actions_record(r, rec, run_edge_ps(r, rec->arrival_last));
	if (r->packets)
		write_record(r, rec);
	if (r->progress && r->records % PROGRESS_RECORDS == 0 &&
	    rec->arrival_last != PIPELINE_NEVER)
		progress(r, (uint64_t)((double)rec->arrival_last * 1e12 /
				       (double)r->sp.clock_hz));
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;

	return m > c ? m : c;
}

void run_out_window(void *ctx, const struct system_window *w)
{
	const uint64_t v[] = {
		w->start_ps / 1000, w->end_ps / 1000, w->arrivals, w->departed,
		w->hits, w->misses, w->to_host, w->dropped, w->packet_outs,
		w->commands, w->events, w->event_drops, w->ingress_frames,
		w->egress_frames, w->to_host_frames, w->cfg_commands,
	};
	struct run *r = ctx;
	char line[512], *p = line;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		p = put_u64(p, v[i]);
		*p++ = i + 1 < sizeof v / sizeof v[0] ? ',' : '\n';
	}
	fwrite(line, 1, (size_t)(p - line), r->timeseries);
	r->windows++;
	r->window_max_count = max3(r->window_max_count,
				   max3(w->departed, w->hits, w->misses),
				   max3(w->dropped, w->events, 0));
	r->window_max_depth = max3(r->window_max_depth,
				   max3(w->ingress_frames, w->egress_frames,
					w->to_host_frames), 0);
	if (r->progress)
		progress(r, w->end_ps);
}

static const char *const trip_parts[RUN_TRIP_PARTS] = {
	"nic_to_queue",       /* last bit in -> in the to-host queue */
	"event_dma",          /* -> the event in host memory */
	"host_notice",        /* -> the host sees it (interrupt or poll) */
	"host_program",       /* -> commands posted, doorbell written */
	"doorbell",           /* -> the doorbell at the device */
	"fetch_install",      /* -> descriptors fetched, entry in the core */
};

const char *run_trip_part_name(unsigned i)
{
	return i < RUN_TRIP_PARTS ? trip_parts[i] : "?";
}

void run_out_miss(void *ctx, const struct system_miss_trip *t)
{
	const uint64_t step[RUN_TRIP_PARTS + 1] = {
		t->arrival_last, t->to_host, t->event_landed, t->host_seen,
		t->host_done, t->doorbell, t->installed,
	};
	struct run *r = ctx;

	for (unsigned i = 0; i <= RUN_TRIP_PARTS; i++)
		if (step[i] == UINT64_MAX || (i && step[i] < step[i - 1])) {
			r->trip_incomplete++;
			return;
		}
	for (unsigned i = 0; i < RUN_TRIP_PARTS; i++)
		hist_add(&r->trip_part[i], step[i + 1] - step[i]);
	hist_add(r->trip, t->installed - t->arrival_last);
}
