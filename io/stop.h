/* stop: SIGINT and SIGTERM as a clean stop, for the programs that run
 * long (pnicsim replay and run, tracegen).
 *
 * One signal sets stop_signal, which the run checks between packets (or
 * epochs) and ends as a complete run would, marked interrupted; a second
 * one ends the process at once (SA_RESETHAND), writing nothing.  No
 * SA_RESTART: a read blocked on a pipe returns rather than waiting for
 * data.  A signal the caller ignores (a background job's SIGINT) stays
 * ignored.
 */
#ifndef PNIC_IO_STOP_H
#define PNIC_IO_STOP_H

#include <signal.h>

#define STOP_N_SIGNALS 2

/* The signal that asked the run to stop, or 0. */
extern volatile sig_atomic_t stop_signal;

struct stop_saved {
	struct sigaction sa[STOP_N_SIGNALS];
};

/* Clear stop_signal and catch the signals, saving their handlers. */
void stop_catch(struct stop_saved *saved);
void stop_restore(const struct stop_saved *saved);
/* "SIGINT", "SIGTERM", or "a signal". */
const char *stop_signal_name(int sig);

#endif
