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
