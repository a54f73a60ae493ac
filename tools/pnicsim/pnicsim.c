/* pnicsim: the command-line front end.  Dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "tools/pnicsim/commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "replay", cmd_replay,
	  "replay pcaps through the functional pNIC datapath (YAML config)" },
	{ "classify", cmd_classify,
	  "classify ClassBench headers against a ClassBench rule file" },
	{ "cosim", cmd_cosim,
	  "run the lookup core RTL in lockstep with the C model" },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: pnicsim COMMAND [OPTIONS] ...\n\n"
		   "A cycle-level simulator of a flow-offloading physical NIC.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'pnicsim COMMAND --help' describes a command and its options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pnicsim: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
