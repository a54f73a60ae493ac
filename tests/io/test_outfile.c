/* outfile: results appear under their names only when complete. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tools/tool_util.h"
#include "io/outfile.h"

TU_SCRATCH_SUITE(outfile);

Test(outfile, tmp_names_round_trip)
{
	char buf[256], target[64];
	long pid;

	cr_assert_eq(outfile_tmp_name("a/b/c.pcap", buf, sizeof buf), 0);
	snprintf(target, sizeof target, "a/b/.c.pcap.tmp-%ld", (long)getpid());
	cr_assert_str_eq(buf, target);
	cr_assert_eq(outfile_tmp_name("c.pcap", buf, sizeof buf), 0);
	cr_assert(outfile_parse_tmp_name(buf, target, sizeof target, &pid));
	cr_assert_str_eq(target, "c.pcap");
	cr_assert_eq(pid, (long)getpid());
	cr_assert_eq(outfile_tmp_name("c.pcap", buf, 8), -ENAMETOOLONG);
	cr_assert(!outfile_parse_tmp_name("c.pcap", target, sizeof target, &pid));
	cr_assert(!outfile_parse_tmp_name(".c.tmp-", target, sizeof target, &pid));
	cr_assert(!outfile_parse_tmp_name(".c.tmp-12x", target, sizeof target, &pid));
	cr_assert(!outfile_parse_tmp_name(".c.tmp--1", target, sizeof target, &pid));
	cr_assert(!outfile_parse_tmp_name("..tmp-5", target, sizeof target, &pid));
}

Test(outfile, commit_replaces_discard_keeps)
{
	char path[256], *text;
	struct outfile *o;
	struct pnic_error err;

	snprintf(path, sizeof path, "%s/r.txt", dir);
	tu_write(path, "earlier\n");
	cr_assert_eq(outfile_open(path, &o, &err), 0, "%s", err.msg);
	fputs("half", outfile_stream(o));
	outfile_discard(o);
	text = tu_read(path, NULL);
	cr_assert_str_eq(text, "earlier\n", "a discarded result replaced the earlier one");
	free(text);

	cr_assert_eq(outfile_open(path, &o, &err), 0, "%s", err.msg);
	fputs("new\n", outfile_stream(o));
	cr_assert_eq(outfile_finish(o, &err), 0);
	text = tu_read(path, NULL);
	cr_assert_str_eq(text, "earlier\n", "visible before the commit");
	free(text);
	cr_assert_eq(outfile_commit(o, &err), 0, "%s", err.msg);
	text = tu_read(path, NULL);
	cr_assert_str_eq(text, "new\n");
	free(text);
}

Test(outfile, failures_name_the_result)
{
	char path[256];
	struct outfile *o;
	struct pnic_error err;

	snprintf(path, sizeof path, "%s/no/such/r.txt", dir);
	cr_assert_eq(outfile_open(path, &o, &err), -ENOENT);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
}

/* A device is written in place: renaming over /dev/null would replace the
 * device with a regular file for every process on the machine. */
Test(outfile, devices_are_written_in_place)
{
	struct outfile *o;
	struct pnic_error err;
	struct stat st;

	cr_assert_eq(outfile_open("/dev/null", &o, &err), 0, "%s", err.msg);
	cr_assert_str_eq(outfile_write_path(o), "/dev/null");
	fputs("x\n", outfile_stream(o));
	cr_assert_eq(outfile_commit(o, &err), 0, "%s", err.msg);
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "/dev/null is no longer a device");

	/* and a full one fails at the finish, not silently */
	cr_assert_eq(outfile_open("/dev/full", &o, &err), 0, "%s", err.msg);
	fputs("x\n", outfile_stream(o));
	cr_assert_eq(outfile_commit(o, &err), -ENOSPC);
	cr_assert(strstr(err.msg, "writing /dev/full failed"), "%s", err.msg);
}
