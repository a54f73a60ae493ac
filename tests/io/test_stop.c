/* stop: one SIGINT/SIGTERM is a request to stop, recorded; the handler is
 * then the default again, so a second one ends the process; ignored
 * signals stay ignored; restore puts back what was there. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "io/stop.h"

static void (*handler_of(int sig))(int)
{
	struct sigaction sa;

	cr_assert_eq(sigaction(sig, NULL, &sa), 0);
	return sa.sa_handler;
}

Test(stop, one_signal_is_recorded_and_the_next_is_the_default)
{
	struct stop_saved saved;

	/* Whatever the runner handed down (a job started in the background
	 * of a shell without job control has SIGINT ignored). */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);

	stop_catch(&saved);
	cr_assert_eq(stop_signal, 0);
	cr_assert_eq(raise(SIGTERM), 0, "the first one does not end the process");
	cr_assert_eq(stop_signal, SIGTERM);
	cr_assert_eq(handler_of(SIGTERM), SIG_DFL, "a second SIGTERM would end it");
	cr_assert_neq(handler_of(SIGINT), SIG_DFL, "SIGINT still caught");
	stop_restore(&saved);
	cr_assert_eq(handler_of(SIGINT), SIG_DFL);
}

Test(stop, an_ignored_signal_stays_ignored)
{
	struct stop_saved saved;

	signal(SIGINT, SIG_IGN);
	stop_catch(&saved);
	cr_assert_eq(handler_of(SIGINT), SIG_IGN);
	cr_assert_eq(raise(SIGINT), 0);
	cr_assert_eq(stop_signal, 0);
	stop_restore(&saved);
	cr_assert_eq(handler_of(SIGINT), SIG_IGN);
}

Test(stop, names)
{
	cr_assert_str_eq(stop_signal_name(SIGINT), "SIGINT");
	cr_assert_str_eq(stop_signal_name(SIGTERM), "SIGTERM");
	cr_assert_str_eq(stop_signal_name(SIGHUP), "a signal");
}
