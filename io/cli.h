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

/* The same for a program whose help is reached by another command line
 * than its name: "PROG: <message>" and "Try 'CMD --help' ...".  The cosim
 * harness reports as "cosim" whether it was started as
 * build/cosim/64x128/cosim or by 'pnicsim cosim --depth 64 --key-bits
 * 128', and CMD is the one the user typed. */
int cli_usage_error_cmd(const char *prog, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The second line alone, "Try 'CMD --help' for more information.", for a
 * fault already reported on its own line (num_option() prints one);
 * returns 2. */
int cli_try_help(const char *cmd);

/* The usage error for what getopt_long() returned, called with opterr = 0
 * and an option string that starts with ':' so that the two faults
 * differ: ':' is an option given without its value, '?' an option that
 * does not exist (or a value given to one that takes none).  argv is the
 * one getopt_long() read; returns 2. */
int cli_getopt_error(const char *prog, int c, char *const argv[]);

/* Whether a program may write its output to PATH, asked before any work
 * is done so that a run is not wasted on a file it cannot write.  0 when
 * PATH is an existing file open for writing (left untouched) or when a
 * new file can be made there (one is made and removed again, so nothing
 * is left that could pass for a result); otherwise a negative errno
 * (-ENOENT: no such folder, -EACCES, -EISDIR, -EROFS ...). */
int cli_output_check(const char *path);

#endif
