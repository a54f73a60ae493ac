#include "io/stop.h"

#include <stddef.h>

volatile sig_atomic_t stop_signal;

static const int signals[STOP_N_SIGNALS] = { SIGINT, SIGTERM };

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void stop_catch(struct stop_saved *saved)
{
	struct sigaction sa = { .sa_handler = on_stop_signal,
				.sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	for (unsigned i = 0; i < STOP_N_SIGNALS; i++) {
		sigaction(signals[i], NULL, &saved->sa[i]);
		if (saved->sa[i].sa_handler != SIG_IGN)
			sigaction(signals[i], &sa, NULL);
	}
}

void stop_restore(const struct stop_saved *saved)
{
	for (unsigned i = 0; i < STOP_N_SIGNALS; i++)
		sigaction(signals[i], &saved->sa[i], NULL);
}

const char *stop_signal_name(int sig)
{
	switch (sig) {
	case SIGINT:  return "SIGINT";
	case SIGTERM: return "SIGTERM";
	default:      return "a signal";
	}
}
