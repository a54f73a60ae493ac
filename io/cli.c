#include "io/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", cmd);
	return 2;
}

static int usage_error(const char *prog, const char *cmd, const char *fmt,
		       va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return cli_try_help(cmd);
}

int cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = usage_error(prog, prog, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_usage_error_cmd(const char *prog, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = usage_error(prog, cmd, fmt, ap);
	va_end(ap);
	return rc;
}

int cli_getopt_error(const char *prog, int c, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		return cli_usage_error(prog, "option '%s' needs a value", arg);
	/* An unknown short option may sit in a group ("-xq"): name the
	 * letter, not the group. */
	if (optopt && strncmp(arg, "--", 2))
		return cli_usage_error(prog, "unknown option '-%c'", optopt);
	if (optopt)
		return cli_usage_error(prog, "option '%.*s' takes no value",
				       (int)strcspn(arg, "="), arg);
	return cli_usage_error(prog, "unknown option '%s'", arg);
}

int cli_output_check(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		return unlink(path) ? -errno : 0;
	}
	if (errno != EEXIST)
		return -errno;
	/* Non-blocking, so that a FIFO without a reader is refused instead
	 * of hanging the program. */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	return S_ISDIR(st.st_mode) ? -EISDIR : 0;
}
