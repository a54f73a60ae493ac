/* pnic_error: the one error report of the project.
 *
 * Every call that can be refused returns 0 or a negative errno.  Where a
 * user needs to know what went wrong, the call also fills a struct
 * pnic_error (like DPDK's rte_flow_error): a message and, when the fault is
 * in a file the user wrote, its place (file, line, column) and the field.
 * The struct may be NULL when the caller does not want the message.
 * Nothing in the core aborts on user data.
 */
#ifndef PNIC_ERROR_H
#define PNIC_ERROR_H

#include <stdarg.h>

struct pnic_error {
	char msg[256];     /* sentence a user can act on, no trailing newline */
	char file[128];    /* "" when the fault is not in a user's file */
	unsigned line;     /* 1-based; 0 when unknown */
	unsigned column;   /* 1-based; 0 when unknown */
	char field[64];    /* dotted path of the offending field, or "" */
};

/* Fill err (if non-NULL) and return -errnum, so callers can write
 * `return pnic_err(err, EINVAL, "depth %u is not a power of two", d);`. */
int pnic_err(struct pnic_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with the place in a user's file. */
int pnic_err_at(struct pnic_error *err, int errnum, const char *file,
		unsigned line, unsigned column, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Clear an error report (all fields empty). */
void pnic_error_clear(struct pnic_error *err);

/* "file:line:column: field: msg" (or the parts that are known). */
const char *pnic_error_str(const struct pnic_error *err, char *buf,
			   unsigned len);

#endif
