/* The scenario's `run` section: packets_csv, plots and the time series'
 * window, their defaults, and refusals naming the place and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"
#include "tests/io/scenario_bad.h"

#define NAME SCENARIO_TEST_FILE
#define BASE SCENARIO_TEST_MIN
#define parse scenario_test_parse

Test(scenario_run, defaults_and_values)
{
	struct scenario *c;
	struct pnic_error err;

	cr_assert_eq(parse(BASE, &c, &err), 0, "%s", err.msg);
	cr_assert(c->run.packets_csv);
	cr_assert(c->run.plots);
	cr_assert_eq(c->run.window_ns, SCENARIO_RUN_WINDOW_NS);
	cr_assert(!c->run.oracle, "the oracle is off unless asked for");
	scenario_destroy(c);
	cr_assert_eq(parse(BASE "run: { packets_csv: false, plots: false, window_ns: 2500, oracle: true }\n",
			   &c, &err), 0, "%s", err.msg);
	cr_assert(!c->run.packets_csv);
	cr_assert(!c->run.plots);
	cr_assert(c->run.oracle);
	cr_assert_eq(c->run.window_ns, 2500);
	scenario_destroy(c);
}

static const struct scenario_bad bads[] = {
	{ BASE "run: []\n", 4, 6, "run", "mapping with packets_csv, window_ns, plots and oracle" },
	{ BASE "run: { window: 5 }\n", 4, 8, "run.window", "unknown key" },
	{ BASE "run: { window_ns: 0 }\n", 4, 19, "run.window_ns", "1..1000000000000" },
	{ BASE "run: { window_ns: 10us }\n", 4, 19, "run.window_ns", "decimal or 0x hex" },
	{ BASE "run: { plots: maybe }\n", 4, 15, "run.plots", "true or false" },
	{ BASE "run: { packets_csv: 2 }\n", 4, 21, "run.packets_csv", "" },
	{ BASE "run: { oracle: yes please }\n", 4, 16, "run.oracle", "true or false" },
};

Test(scenario_run, bad_values_name_place_and_field)
{
	scenario_check_bads(bads, sizeof bads / sizeof bads[0], NAME);
}
