/* replay_out: the output folder of one `pnicsim replay` run.
 *
 * All or nothing.  Every output is written under a temporary name in the
 * folder, ".NAME.tmp-PID" (hidden, never taken for a result), and
 * replay_out_commit() renames them into place once the run is over
 * (completed, or interrupted and finished cleanly).  summary.json is the
 * seal: the commit removes the earlier one first and renames the new one
 * last, so a summary.json always sits beside the outputs of its own run.
 * The commit also removes the outputs of an earlier run that this run did
 * not make (egress-ppid7.pcap from a config that had port 7, the pcaps
 * before a --no-pcap run).  A run that fails never commits:
 * replay_out_destroy() removes its temporaries and leaves the folder, and
 * an earlier run's results in it, as it found them.
 *
 * Egress pcaps are created lazily, on their PPID's first frame, so a port
 * that sends nothing has no file; to-host.pcap and drops.pcap always
 * exist.  At most a budget of pcaps (from RLIMIT_NOFILE, less what the
 * process already holds) are open at once: past it the least recently
 * written one is parked (pcap_out_park) and reopened for appending when it
 * next gets a frame, so any number of ports fit any file limit.
 *
 * replay_out_check_input() guards the inputs: a capture that is, or would
 * be replaced by, an output of the run is refused before anything is
 * written.
 */
#ifndef PNICSIM_REPLAY_OUT_H
#define PNICSIM_REPLAY_OUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/datapath.h"
#include "model/error.h"

struct replay_out;

/* 0, or -EEXIST with err saying which output `path` is or would become:
 * the same file (device and inode) as an output already in `dir`, or a
 * name in `dir` (reached through any symlinks or ../) that the run writes
 * or removes.  A `dir` that does not exist yet holds nothing to clash
 * with. */
int replay_out_check_input(const char *dir, const char *path,
			   struct pnic_error *err);

/* Create the folder (and its parents) and the writers' table for PPIDs
 * 0..n_ppids-1.  With pcaps false only JSON files are written (and the
 * commit removes the pcaps of an earlier run). */
int replay_out_create(const char *dir, uint32_t n_ppids, bool pcaps,
		      struct replay_out **out, struct pnic_error *err);
/* Write one frame of the datapath's output to its pcap (egress PPID,
 * to-host or drops).  A failure (a file that cannot be created or
 * reopened) is remembered: replay_out_failed() says so and the commit
 * refuses. */
void replay_out_frame(struct replay_out *o, const struct datapath_out *d,
		      const uint8_t *frame, uint32_t caplen, uint32_t len);
/* True once a frame could not be written (the run should stop). */
bool replay_out_failed(const struct replay_out *o);
/* Write `name` (e.g. "summary.json") under its temporary name, for the
 * commit to rename. */
int replay_out_json(struct replay_out *o, const char *name, const json_t *j,
		    struct pnic_error *err);
/* Finish the pcaps and rename everything into place as described above.
 * On failure err says what, and the folder holds no summary.json. */
int replay_out_commit(struct replay_out *o, struct pnic_error *err);
/* The pcaps made (egress ones included), how many were open at most, and
 * how many the file limit allowed. */
uint32_t replay_out_pcaps(const struct replay_out *o);
unsigned replay_out_max_open(const struct replay_out *o);
unsigned replay_out_open_budget(const struct replay_out *o);
/* Close everything; an uncommitted run's temporaries are removed.
 * NULL-safe. */
void replay_out_destroy(struct replay_out *o);

#endif
