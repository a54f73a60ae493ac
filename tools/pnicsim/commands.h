/* pnicsim subcommands: one file each (cmd_<name>.c), registered in
 * pnicsim.c.  Each gets argv with argv[0] == the command name, prints its
 * own --help, and returns the process exit status. */
#ifndef PNICSIM_COMMANDS_H
#define PNICSIM_COMMANDS_H

int cmd_classify(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_cosim(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
