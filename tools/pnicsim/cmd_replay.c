/* Placeholder until the replay command lands (replaced by its owner). */
#include <stdio.h>

#include "tools/pnicsim/commands.h"

int cmd_replay(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "pnicsim %s: not built yet\n", argv[0]);
	return 2;
}
