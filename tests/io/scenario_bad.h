/* The refusal check every scenario reader test shares: each bad scenario
 * is refused, leaves no half-made result, and names the file, line,
 * column and field, with the expected words in its message. */
#ifndef PNIC_TESTS_SCENARIO_BAD_H
#define PNIC_TESTS_SCENARIO_BAD_H

#include <criterion/criterion.h>
#include <string.h>

#include "io/scenario.h"

struct scenario_bad {
	const char *text;
	unsigned line, column;
	const char *field;
	const char *words;   /* expected in the message */
};

/* Parse text as if it were the file `file`. */
static inline int scenario_parse_text(const char *text, const char *file,
				      struct scenario **c,
				      struct pnic_error *err)
{
	pnic_error_clear(err);
	return scenario_parse(text, strlen(text), file, c, err);
}

/* The file the section tests pretend to read, and the least scenario that
 * loads (three lines, so a section appended starts at line 4). */
#define SCENARIO_TEST_FILE "/tmp/dir/s.yaml"
#define SCENARIO_TEST_MIN \
	"tcam: { depth: 64 }\n"              /* 1 */ \
	"ports: [ { ppid: 0 } ]\n"           /* 2 */ \
	"vpid_map: { n_vpids: 4 }\n"         /* 3 */

static inline int scenario_test_parse(const char *text, struct scenario **c,
				      struct pnic_error *err)
{
	return scenario_parse_text(text, SCENARIO_TEST_FILE, c, err);
}

static inline void scenario_check_bads(const struct scenario_bad *bads,
				       size_t n, const char *file)
{
	for (size_t i = 0; i < n; i++) {
		const struct scenario_bad *b = &bads[i];
		struct scenario *c = (void *)1;
		struct pnic_error err;
		char buf[600];
		int rc;

		rc = scenario_parse_text(b->text, file, &c, &err);
		pnic_error_str(&err, buf, sizeof buf);
		cr_expect_lt(rc, 0, "bad scenario %zu accepted", i);
		cr_expect_null(c, "bad scenario %zu: no half-made result", i);
		cr_expect_str_eq(err.file, file, "bad %zu: %s", i, buf);
		cr_expect_eq(err.line, b->line, "bad %zu line: %s", i, buf);
		cr_expect_eq(err.column, b->column, "bad %zu column: %s", i, buf);
		cr_expect_str_eq(err.field, b->field, "bad %zu field: %s", i, buf);
		cr_expect_not_null(strstr(err.msg, b->words),
				   "bad %zu: '%s' not in: %s", i, b->words, buf);
	}
}

#endif
