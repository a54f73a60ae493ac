/* pnicsim: the command-line front end.  Dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "build/gen/pnicsim_version.h"
#include "io/cli.h"
#include "tools/pnicsim/commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run,
	  "run a scenario through the whole system in simulated time" },
	{ "replay", cmd_replay,
	  "replay pcaps through the functional pNIC datapath (YAML scenario)" },
	{ "classify", cmd_classify,
	  "classify ClassBench headers against a ClassBench rule file" },
	{ "cosim", cmd_cosim,
	  "run the lookup core RTL in lockstep with the C model" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: pnicsim COMMAND [OPTIONS] ...\n"
		   "       pnicsim --version | --help\n\n"
		   "A cycle-level simulator of a flow-offloading physical NIC.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-10s %s\n", "version", "print the version (also --version)");
	fprintf(f, "\n'pnicsim COMMAND --help' describes a command and its options.\n");
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : NULL;

	if (!a)
		return cli_usage_error("pnicsim", "no command given");
	if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(a, "--version") || !strcmp(a, "version")) {
		printf("pnicsim %s\n", PNICSIM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(a, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli_usage_error("pnicsim", a[0] == '-' ? "unknown option '%s'"
			       : "unknown command '%s'", a);
}
