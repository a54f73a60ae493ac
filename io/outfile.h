/* outfile: a result that appears under its name only when complete.
 *
 * A program writes each result under a temporary name beside its target,
 * ".NAME.tmp-PID" in the same folder (so that the rename is atomic, the
 * half-written file is hidden, and its name says which run made it), and
 * renames it into place once everything is written.  A run that fails
 * removes its temporaries and leaves what was there before; a run killed
 * outright leaves only a dot file that no reader takes for a result.
 * A target that exists and is not a regular file (/dev/null, a FIFO, a
 * terminal) is written in place: it holds nothing to protect, and a
 * rename would replace the device with a file.
 *
 * Edge code for every program that writes files: the core never sees one.
 */
#ifndef PNICSIM_OUTFILE_H
#define PNICSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/error.h"

struct outfile;

/* The temporary name of path for this process: "DIR/.NAME.tmp-PID".
 * 0, or -ENAMETOOLONG when it does not fit in n bytes. */
int outfile_tmp_name(const char *path, char *buf, size_t n);

/* Whether a file name (no folder) is a temporary "." NAME ".tmp-" PID;
 * if so NAME goes to target (n bytes) and the PID to *pid. */
bool outfile_parse_tmp_name(const char *name, char *target, size_t n,
			    long *pid);

/* A result at path, for a writer that opens files itself (libpcap):
 * it writes outfile_write_path(), the temporary or the target itself.
 * 0, or a negative errno with err naming path. */
int outfile_begin(const char *path, struct outfile **out,
		  struct pnic_error *err);
const char *outfile_write_path(const struct outfile *o);

/* outfile_begin() and a stream on the file to write. */
int outfile_open(const char *path, struct outfile **out,
		 struct pnic_error *err);
/* NULL for an outfile that was only begun. */
FILE *outfile_stream(const struct outfile *o);

/* Flush and close the stream, keeping the temporary: a program with several
 * results finishes each before committing any, so that all appear or none
 * does.  0, or a negative errno (a full disk) with err naming path.
 * Idempotent. */
int outfile_finish(struct outfile *o, struct pnic_error *err);

/* Finish and rename into place; frees o whatever the outcome (a failure
 * removes the temporary).  0 or a negative errno with err set. */
int outfile_commit(struct outfile *o, struct pnic_error *err);

/* Close and remove the temporary (if the writer made it), leaving path as
 * it was; frees o.  NULL-safe. */
void outfile_discard(struct outfile *o);

#endif
