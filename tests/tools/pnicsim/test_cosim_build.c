/* Finding and building a configuration (cosim_build.c), without
 * Verilator: a scratch source tree whose Makefile "builds" a configuration
 * by writing a stand-in harness, with a copy of pnicsim in its build/bin,
 * so that the program finds build/cosim from where it runs, as an
 * installed tree's would.  The real build is tests/cosim/scenario.sh's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/tools/run_tool.h"
#include "tests/tools/tool_util.h"

TU_SCRATCH_SUITE(cosim_build);

static char out[16384];

/* A configuration's recipe: logs its start and end in build/builds.log,
 * takes BUILD_SLEEP seconds from the environment (so that runs started
 * together overlap; 0 if unset), and writes a harness that prints its
 * path and argv and exits 7.  Any name with x99
 * fails, after 101 lines of output. */
static const char makefile[] =
	"build/cosim/%x99/cosim:\n"
	"\t@seq 1 100 | sed 's/^/noise /'\n"
	"\t@echo 'rtl/tcam.sv:1: the compiler exploded'; exit 1\n"
	"build/cosim/%/cosim:\n"
	"\t@echo start $* >>build/builds.log; sleep $${BUILD_SLEEP:-0}\n"
	"\t@mkdir -p $(@D)\n"
	"\t@printf '#!/bin/sh\\necho \"harness $$0 args:$$*\"\\nexit 7\\n' >$@\n"
	"\t@chmod +x $@; echo end $* >>build/builds.log\n";

/* dir/<tree>: the Makefile, mk/cosim.mk and build/bin/pnicsim (this
 * variant's); with_make false leaves the Makefile out. */
static void tree(const char *name, bool with_make)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "mkdir -p %s/%s/mk %s/%s/build/bin && "
		 "cp " TOOL_BIN_DIR "pnicsim %s/%s/build/bin/ && "
		 ": >%s/%s/mk/cosim.mk", dir, name, dir, name, dir, name, dir, name);
	cr_assert_eq(system(cmd), 0);
	if (with_make) {
		snprintf(cmd, sizeof cmd, "%s/%s/Makefile", dir, name);
		tu_write(cmd, makefile);
	}
}

/* Run dir/<tree>/build/bin/pnicsim cosim with these arguments (stderr
 * merged), PNICSIM_COSIM_DIR unset. */
static int cosim_in(const char *name, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "env -u PNICSIM_COSIM_DIR %s/%s/build/bin/pnicsim "
		 "cosim %s 2>&1", dir, name, args);
	return run_tool_cmd(cmd, out, sizeof out);
}

static char *builds_log(const char *name)
{
	static char text[1024];
	char path[256];
	char *s;

	snprintf(path, sizeof path, "%s/%s/build/builds.log", dir, name);
	s = tu_read(path, NULL);
	snprintf(text, sizeof text, "%s", s ? s : "");
	free(s);
	return text;
}

/* The program finds build/cosim beside its build/bin and the tree two
 * up from it, builds the missing configuration there, saying so, then
 * runs it; the next run just runs it. */
Test(cosim_build, missing_configuration_built_on_first_use)
{
	char want[512];

	tree("t", true);
	cr_assert_eq(cosim_in("t", "--depth 16 --key-bits 80 --seed 4"), 7, "%s", out);
	cr_assert(strstr(out, "pnicsim cosim: building RTL configuration 16x80 "
			 "(first use; takes about "), "%s", out);
	cr_assert(strstr(out, "pnicsim cosim: built 16x80 in "), "%s", out);
	snprintf(want, sizeof want, "harness %s/t/build/cosim/16x80/cosim args:--seed 4\n",
		 dir);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert_str_eq(builds_log("t"), "start 16x80\nend 16x80\n");

	cr_assert_eq(cosim_in("t", "--depth 16 --key-bits 80"), 7, "%s", out);
	cr_assert_null(strstr(out, "building"), "built twice: %s", out);
	cr_assert_str_eq(builds_log("t"), "start 16x80\nend 16x80\n");
}

/* Two runs of one missing configuration build it once: the second waits
 * for the first, then finds it built. */
Test(cosim_build, concurrent_runs_build_once)
{
	char cmd[1024];

	tree("t", true);
	snprintf(cmd, sizeof cmd, "cd %s || exit 1; unset PNICSIM_COSIM_DIR; export BUILD_SLEEP=1; "
		 "{ t/build/bin/pnicsim cosim --depth 32 --key-bits 80 >a.out 2>&1; echo $? >a.rc; } & "
		 "{ t/build/bin/pnicsim cosim --depth 32 --key-bits 80 >b.out 2>&1; echo $? >b.rc; } & "
		 "wait; cat a.rc b.rc", dir);
	cr_assert_eq(run_tool_cmd(cmd, out, sizeof out), 0);
	cr_assert_str_eq(out, "7\n7\n", "a run failed");
	cr_assert_str_eq(builds_log("t"), "start 32x80\nend 32x80\n");
}

/* Runs that build different configurations build one at a time: the
 * builds share files (the harness objects, libpnic). */
Test(cosim_build, builds_take_turns)
{
	char cmd[1024];
	const char *log;

	tree("t", true);
	snprintf(cmd, sizeof cmd, "cd %s || exit 1; unset PNICSIM_COSIM_DIR; export BUILD_SLEEP=1; "
		 "{ t/build/bin/pnicsim cosim --depth 16 --key-bits 7 >a.out 2>&1; echo $? >a.rc; } & "
		 "{ t/build/bin/pnicsim cosim --depth 16 --key-bits 8 >b.out 2>&1; echo $? >b.rc; } & "
		 "wait; cat a.rc b.rc", dir);
	cr_assert_eq(run_tool_cmd(cmd, out, sizeof out), 0);
	cr_assert_str_eq(out, "7\n7\n", "a run failed");
	log = builds_log("t");
	cr_assert(!strcmp(log, "start 16x7\nend 16x7\nstart 16x8\nend 16x8\n") ||
		  !strcmp(log, "start 16x8\nend 16x8\nstart 16x7\nend 16x7\n"),
		  "builds overlapped: %s", log);
}

/* A failed build shows make's output and where all of it is, exits 2,
 * and runs nothing. */
Test(cosim_build, failed_build_shows_its_output)
{
	char want[512];

	tree("t", true);
	cr_assert_eq(cosim_in("t", "--depth 16 --key-bits 99"), 2, "%s", out);
	cr_assert(strstr(out, "building RTL configuration 16x99"), "%s", out);
	cr_assert(strstr(out, "rtl/tcam.sv:1: the compiler exploded\n"), "%s", out);
	/* its last lines only */
	cr_assert(strstr(out, "\nnoise 100\n"), "%s", out);
	cr_assert_null(strstr(out, "\nnoise 50\n"), "%s", out);
	snprintf(want, sizeof want, "pnicsim cosim: building build/cosim/16x99/cosim "
		 "failed (make -C %s/t build/cosim/16x99/cosim: exit status 2); the "
		 "whole output is in %s/t/build/cosim/16x99/make.log\n", dir, dir);
	cr_assert(strstr(out, want), "want '%s' in: %s", want, out);
	cr_assert_null(strstr(out, "harness"), "%s", out);
}

/* A make setting in the environment (here -n, from a make that runs
 * pnicsim) is not the build's. */
Test(cosim_build, parent_make_settings_left_out)
{
	char cmd[1024];

	tree("t", true);
	snprintf(cmd, sizeof cmd, "env -u PNICSIM_COSIM_DIR MAKEFLAGS=n MAKELEVEL=1 "
		 "%s/t/build/bin/pnicsim cosim --depth 64 --key-bits 80 2>&1", dir);
	cr_assert_eq(run_tool_cmd(cmd, out, sizeof out), 7, "%s", out);
	cr_assert_str_eq(builds_log("t"), "start 64x80\nend 64x80\n");
}

/* Without the tree's Makefile there is nothing to build with: the make
 * command to run instead, and nothing is made. */
Test(cosim_build, no_source_tree_names_the_make_command)
{
	char path[256];

	tree("t", false);
	cr_assert_eq(cosim_in("t", "--depth 16 --key-bits 80"), 2, "%s", out);
	cr_assert(strstr(out, "pnicsim cosim: configuration 16x80 is not built, and "),
		  "%s", out);
	cr_assert(strstr(out, "/t/build/cosim is not the build/cosim of a pnicsim "
			 "source tree to build it in; run (from the repository "
			 "root):\n  make build/cosim/16x80/cosim\n"), "%s", out);
	snprintf(path, sizeof path, "%s/t/build/cosim/16x80", dir);
	cr_assert_not(tu_exists(path), "%s made", path);
}

/* PNICSIM_COSIM_DIR names the folder; when it is a tree's build/cosim,
 * that tree builds. */
Test(cosim_build, cosim_dir_from_the_environment)
{
	char cmd[1024], want[256];

	tree("t", true);
	tree("u", true);
	snprintf(cmd, sizeof cmd, "PNICSIM_COSIM_DIR=%s/u/build/cosim "
		 "%s/t/build/bin/pnicsim cosim --depth 16 --key-bits 80 2>&1", dir, dir);
	cr_assert_eq(run_tool_cmd(cmd, out, sizeof out), 7, "%s", out);
	snprintf(want, sizeof want, "harness %s/u/build/cosim/16x80/cosim", dir);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert_str_eq(builds_log("u"), "start 16x80\nend 16x80\n");
	cr_assert_str_eq(builds_log("t"), "");
}
