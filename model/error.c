#include "model/error.h"

#include <stdio.h>
#include <string.h>

/* s into a buffer of n, cut to fit: what snprintf("%s") makes, without
 * its cost (an error can be on a path taken often: a full FIFO's -EBUSY
 * is retried). */
static void put_cut(char *dst, size_t n, const char *s)
{
	size_t len = s ? strnlen(s, n - 1) : 0;

	memcpy(dst, s ? s : "", len);
	dst[len] = '\0';
}

static void set_place(struct pnic_error *err, const char *file, unsigned line,
		      unsigned column, const char *field)
{
	put_cut(err->file, sizeof err->file, file);
	err->line = line;
	err->column = column;
	put_cut(err->field, sizeof err->field, field);
}

int pnic_err(struct pnic_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -errnum;
	set_place(err, NULL, 0, 0, NULL);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -errnum;
}

int pnic_err_at(struct pnic_error *err, int errnum, const char *file,
		unsigned line, unsigned column, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -errnum;
	set_place(err, file, line, column, field);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -errnum;
}

void pnic_error_clear(struct pnic_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

const char *pnic_error_str(const struct pnic_error *err, char *buf,
			   unsigned len)
{
	int n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (err->file[0]) {
		n = snprintf(buf, len, "%s:", err->file);
		if (err->line && n >= 0 && (unsigned)n < len)
			n += snprintf(buf + n, len - n, "%u:", err->line);
		if (err->column && n >= 0 && (unsigned)n < len)
			n += snprintf(buf + n, len - n, "%u:", err->column);
		if (n >= 0 && (unsigned)n < len)
			n += snprintf(buf + n, len - n, " ");
	}
	if (err->field[0] && n >= 0 && (unsigned)n < len)
		n += snprintf(buf + n, len - n, "%s: ", err->field);
	if (n >= 0 && (unsigned)n < len)
		snprintf(buf + n, len - n, "%s", err->msg);
	return buf;
}
