/* cli: what every program prints when its command line is wrong.
 *
 * One line that names the fault and one that says where help is, on
 * stderr; never the whole help text, which would bury the error.  Edge
 * code shared by every program in tools/ and by the RTL harness.
 */
#ifndef PNICSIM_CLI_H
#define PNICSIM_CLI_H

/* Prints "PROG: <message>" and "Try 'PROG --help' for more information."
 * and returns 2, the exit status of a usage error, so a caller can write
 * `return cli_usage_error("cbgen", "unknown option '%s'", arg);`. */
int cli_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
