#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "model/error.h"

Test(error, returns_negative_errno_and_formats)
{
	struct pnic_error err;
	char buf[400];

	cr_assert_eq(pnic_err(&err, EINVAL, "bad %d", 3), -EINVAL);
	cr_assert_str_eq(err.msg, "bad 3");
	cr_assert_str_eq(pnic_error_str(&err, buf, sizeof buf), "bad 3");
	cr_assert_eq(pnic_err_at(&err, ERANGE, "a.yaml", 4, 7, "ports[0].ppid", "too big"), -ERANGE);
	cr_assert_str_eq(pnic_error_str(&err, buf, sizeof buf), "a.yaml:4:7: ports[0].ppid: too big");
	cr_assert_eq(pnic_err(NULL, ENOMEM, "x"), -ENOMEM);
}

/* A file or field longer than its buffer is cut to fit, as snprintf
 * would; none gives "". */
Test(error, long_places_are_cut)
{
	struct pnic_error err;
	char file[300], field[300];

	memset(file, 'f', sizeof file - 1);
	file[sizeof file - 1] = '\0';
	memset(field, 'g', sizeof field - 1);
	field[sizeof field - 1] = '\0';
	pnic_err_at(&err, EINVAL, file, 1, 2, field, "m");
	cr_assert_eq(strlen(err.file), sizeof err.file - 1);
	cr_assert_eq(strncmp(err.file, file, sizeof err.file - 1), 0);
	cr_assert_eq(strlen(err.field), sizeof err.field - 1);
	pnic_err_at(&err, EINVAL, "a.yaml", 1, 2, "x", "m");
	cr_assert_str_eq(err.file, "a.yaml");
	cr_assert_str_eq(err.field, "x");
	pnic_err(&err, EINVAL, "m");
	cr_assert_str_eq(err.file, "");
	cr_assert_str_eq(err.field, "");
}
