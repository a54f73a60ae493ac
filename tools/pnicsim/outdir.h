/* outdir: the output folder of one `pnicsim replay` or `pnicsim run`.
 *
 * All or nothing.  Every output is written under a temporary name in the
 * folder, ".NAME.tmp-PID" (hidden, never taken for a result), and
 * outdir_commit() renames them into place once the run is over
 * (completed, or interrupted and finished cleanly).  summary.json is the
 * seal: the commit removes the earlier one first and renames the new one
 * last, so a summary.json always sits beside the outputs of its own run.
 * The commit also removes the outputs of an earlier run that this run did
 * not make (egress-ppid7.pcap from a config that had port 7, the pcaps
 * before a --no-pcap run, packets.csv before a --no-packets run): the
 * names either command writes (outdir_owned_name) belong to the folder's
 * last run.  A run that fails never commits: outdir_destroy() removes its
 * temporaries and leaves the folder, and an earlier run's results in it,
 * as it found them.
 *
 * Egress pcaps are created lazily, on their PPID's first frame, so a port
 * that sends nothing has no file; to-host.pcap and drops.pcap (replay's,
 * OUTDIR_SIDE_PCAPS) always exist.  At most a budget of pcaps (from
 * RLIMIT_NOFILE, less what the process already holds) are open at once:
 * past it the least recently written one is parked (pcap_out_park) and
 * reopened for appending when it next gets a frame, so any number of
 * ports fit any file limit.
 *
 * Other outputs are files by name: JSON (outdir_json), a stream the caller
 * writes (outdir_stream: CSV) or a temporary path another program writes
 * (outdir_path: gnuplot's plots).
 *
 * outdir_check_input() guards the inputs: a capture that is, or would
 * be replaced by, an output of the run is refused before anything is
 * written.
 */
#ifndef PNICSIM_OUTDIR_H
#define PNICSIM_OUTDIR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/datapath.h"
#include "io/scenario.h"
#include "model/error.h"

struct outdir;

/* 0, or -EEXIST with err saying which output `path` is or would become:
 * the same file (device and inode) as an output already in `dir`, or a
 * name in `dir` (reached through any symlinks or ../) that the run writes
 * or removes.  A `dir` that does not exist yet holds nothing to clash
 * with. */
int outdir_check_input(const char *dir, const char *path,
		       struct pnic_error *err);

/* outdir_check_input() for every input and the scenario file itself. */
int outdir_check_inputs(const char *dir, const char *scenario,
			const struct scenario_input *in, uint32_t n,
			struct pnic_error *err);

/* "out/NAME" for the scenario file ".../NAME.yaml" (malloc'd; NULL when
 * out of memory): the folder when neither --out nor the scenario's
 * `output` names one. */
char *outdir_default(const char *scenario);

/* Whether a file name (no folder) is one a run writes, or removes as an
 * earlier run's: summary.json, timing.json, packets.csv, timeseries.csv,
 * the plots, to-host.pcap, drops.pcap, egress-ppid<N>.pcap. */
bool outdir_owned_name(const char *name);

enum outdir_flags {
	OUTDIR_EGRESS_PCAPS = 1u << 0,   /* egress-ppid<N>.pcap */
	OUTDIR_SIDE_PCAPS = 1u << 1,     /* to-host.pcap and drops.pcap */
};

/* Create the folder (and its parents) and the writers' table for PPIDs
 * 0..n_ppids-1.  flags say which pcaps are written; without them the
 * commit removes an earlier run's. */
int outdir_create(const char *dir, uint32_t n_ppids, unsigned flags,
		  struct outdir **out, struct pnic_error *err);
/* Write one frame of the datapath's output to its pcap (egress PPID,
 * to-host or drops).  A failure (a file that cannot be created or
 * reopened) is remembered: outdir_failed() says so and the commit
 * refuses. */
void outdir_frame(struct outdir *o, const struct datapath_out *d,
		  const uint8_t *frame, uint32_t caplen, uint32_t len);
/* True once a frame could not be written (the run should stop). */
bool outdir_failed(const struct outdir *o);
/* Write `name` (e.g. "summary.json") under its temporary name, for the
 * commit to rename. */
int outdir_json(struct outdir *o, const char *name, const json_t *j,
		struct pnic_error *err);
/* A stream on `name`'s temporary file for the caller to write (owned by
 * o: the commit flushes and closes it, and refuses on a write error). */
int outdir_stream(struct outdir *o, const char *name, FILE **f,
		  struct pnic_error *err);
/* The temporary path of `name` into buf, for another program to write
 * (gnuplot).  The commit renames it if it was made and otherwise treats
 * `name` as not made: the writer reports its own failure. */
int outdir_path(struct outdir *o, const char *name, char *buf, size_t n,
		struct pnic_error *err);
/* Where `name` is written until the commit (to read back a stream once
 * flushed: the plots read timeseries.csv). */
void outdir_tmp_path(const struct outdir *o, const char *name, char *buf,
		     size_t n);
/* Finish the pcaps and rename everything into place as described above.
 * On failure err says what, and the folder holds no summary.json. */
int outdir_commit(struct outdir *o, struct pnic_error *err);
/* The pcaps made (egress ones included), how many were open at most, and
 * how many the file limit allowed. */
uint32_t outdir_pcaps(const struct outdir *o);
unsigned outdir_max_open(const struct outdir *o);
unsigned outdir_open_budget(const struct outdir *o);
/* Close everything; an uncommitted run's temporaries are removed.
 * NULL-safe. */
void outdir_destroy(struct outdir *o);

#endif
