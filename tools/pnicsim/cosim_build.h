/* cosim_build: where pnicsim cosim finds an RTL configuration's binary,
 * and building a missing one on demand.  Private to tools/pnicsim/.
 *
 * Each configuration (cosim_config.h) is its own Verilated binary,
 * <dir>/<name>/cosim, made by mk/cosim.mk.  The folder is build/cosim
 * beside this program's build/bin, or PNICSIM_COSIM_DIR; the source tree
 * that builds it is the folder two up from it, when the folder is named
 * build/cosim and the tree holds the Makefile and mk/cosim.mk.
 *
 * A missing binary is built by running `make -C <tree> build/cosim/<name>/
 * cosim` there, after saying so on stderr; its output goes to
 * <dir>/<name>/make.log and is shown only when it fails.  Runs that build
 * at once are kept apart with flock(2) on two files in <dir>:
 *   <name>.lock   held exclusively while the configuration is built, and
 *                 shared while a run checks that its binary is there, so
 *                 that no run execs a binary another run is still linking;
 *   .build.lock   held exclusively by every build, so that builds (each of
 *                 which also makes the files every configuration shares:
 *                 the harness objects, the Verilator runtime, libpnic)
 *                 run one at a time and never write the same file at once.
 * The configuration's lock is always taken first, so two runs cannot wait
 * on each other.  A run that finds its configuration locked says it is
 * waiting, and once it has the lock looks again: the other run may have
 * built it.  make itself locks nothing, so a `make` typed in the tree at
 * the same time is not kept out.  A binary that is there is used as it
 * is: after a change to the RTL or the harness, `make build/cosim/<name>/
 * cosim` (or removing the configuration's folder) rebuilds it.
 */
#ifndef PNICSIM_COSIM_BUILD_H
#define PNICSIM_COSIM_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/pnicsim/cosim_config.h"

/* The folder of the configurations; 0 or a negative errno. */
int cosim_dir(char *buf, size_t len);

/* Whether dir/<name>/cosim is there (and not being built by another run). */
bool cosim_built(const char *dir, const struct cosim_config *c);

/* dir/<name>/cosim, built now if it is missing.  0 when it is there, or
 * the exit status (2) once the reason is printed: no source tree to build
 * in (with the make command to run), or make failed (with its output). */
int cosim_build(const char *dir, const struct cosim_config *c);

#endif
