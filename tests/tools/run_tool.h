/* Helpers for tests of the command-line programs: run a built program of
 * the same build variant as the test (the ASan test runs the ASan build of
 * the program) and capture its exit status and output. */
#ifndef PNIC_TESTS_RUN_TOOL_H
#define PNIC_TESTS_RUN_TOOL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#if defined(__SANITIZE_ADDRESS__)
#define TOOL_BIN_DIR "build/asan/bin/"
#else
#define TOOL_BIN_DIR "build/bin/"
#endif

/* Run the shell command cmd, store up to cap-1 bytes of its output in out,
 * and return its exit status (-1 if killed by a signal). */
static inline int run_tool_cmd(const char *cmd, char *out, size_t cap)
{
	FILE *p;
	size_t n = 0, got;
	int st;

	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < cap && (got = fread(out + n, 1, cap - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run `TOOL_BIN_DIR<prog> <args>` with stderr merged into stdout (unless
 * args redirects it: the merge comes first, so a `2>/dev/null` in args
 * wins), store up to cap-1 bytes of output in out, and return
 * the exit status (-1 if killed by a signal). */
static inline int run_tool(const char *prog, const char *args, char *out,
			   size_t cap)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd, TOOL_BIN_DIR "%s 2>&1 %s", prog, args);
	return run_tool_cmd(cmd, out, cap);
}

/* run_tool() under timeout(1), for a test of an input that once made the
 * program run for ever: killed after secs seconds, it exits 124, and
 * nothing is left running (a Criterion .timeout would leave the program
 * behind, holding the output pipe). */
static inline int run_tool_timeout(unsigned secs, const char *prog,
				   const char *args, char *out, size_t cap)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd, "timeout %u " TOOL_BIN_DIR "%s 2>&1 %s",
		 secs, prog, args);
	return run_tool_cmd(cmd, out, cap);
}

/* run_tool() with printf-style arguments. */
static inline int run_toolf(const char *prog, char *out, size_t cap,
			    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int run_toolf(const char *prog, char *out, size_t cap,
			    const char *fmt, ...)
{
	char args[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	return run_tool(prog, args, out, cap);
}

#endif
