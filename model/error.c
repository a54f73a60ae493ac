#include "model/error.h"

#include <stdio.h>
#include <string.h>

static void set_place(struct pnic_error *err, const char *file, unsigned line,
		      unsigned column, const char *field)
{
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->column = column;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
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
