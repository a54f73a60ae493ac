/* Small helpers shared by the tests of the command-line programs: a
 * scratch folder under /tmp (removed at the end), whole-file reads and
 * writes, pcap files read back with libpcap itself (not with the project's
 * own reader), and the "BENCH <name> <number>" lines of the benchmarks. */
#ifndef PNIC_TESTS_TOOL_UTIL_H
#define PNIC_TESTS_TOOL_UTIL_H

#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mkdtemp under /tmp; aborts the test if it cannot. */
static inline void tu_mkdtemp(char *dir, size_t n)
{
	snprintf(dir, n, "/tmp/pnicsim-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp failed");
}

static inline void tu_rmrf(const char *dir)
{
	char cmd[600];

	if (!dir[0] || strncmp(dir, "/tmp/pnicsim-test-", 18))
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The number of the line "BENCH <name> <number>" in a tool's output;
 * fails the test when there is none. */
static inline double tu_figure(const char *out, const char *name)
{
	char key[128];
	const char *at;
	double v = -1;

	snprintf(key, sizeof key, "BENCH %s ", name);
	at = strstr(out, key);
	cr_assert_not_null(at, "no %s in: %s", name, out);
	cr_assert_eq(sscanf(at + strlen(key), "%lf", &v), 1);
	return v;
}

/* A suite whose every test gets a fresh scratch folder, `dir`, made
 * before it and removed after.  A suite that needs more set-up writes its
 * own init and fini around tu_mkdtemp() and tu_rmrf(). */
#define TU_SCRATCH_SUITE(name)                                              \
	static char dir[64];                                                \
	static void tu_scratch_init(void) { tu_mkdtemp(dir, sizeof dir); } \
	static void tu_scratch_fini(void) { tu_rmrf(dir); }                 \
	TestSuite(name, .init = tu_scratch_init, .fini = tu_scratch_fini)

static inline void tu_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The whole file, NUL-terminated (malloc'd; *len = its size), or NULL. */
static inline char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Whether dir/a and dir/b hold the same bytes; the test fails unless
 * both exist. */
static inline bool tu_same_file(const char *dir, const char *a, const char *b)
{
	char pa[256], pb[256];
	size_t la = 0, lb = 0;
	char *x, *y;
	bool same;

	snprintf(pa, sizeof pa, "%s/%s", dir, a);
	snprintf(pb, sizeof pb, "%s/%s", dir, b);
	x = tu_read(pa, &la);
	y = tu_read(pb, &lb);
	cr_assert(x && y, "%s or %s missing", pa, pb);
	same = la == lb && !memcmp(x, y, la);
	free(x);
	free(y);
	return same;
}

static inline bool tu_exists(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f)
		fclose(f);
	return f != NULL;
}

/* Packets in a pcap file as libpcap counts them (-1 if it cannot open it). */
static inline long tu_pcap_count(const char *path)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, eb);
	long n = 0;
	int rc;

	if (!p)
		return -1;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1)
		n++;
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? n : -1;
}

/* Checks every line of a benchmark's output that starts with "BENCH ":
 * "BENCH <name> <number>", name of [a-z0-9_], number > 0.  Returns how
 * many there were; *names gets them space-separated (for finding one). */
static inline int tu_bench_lines(const char *out, char *names, size_t cap)
{
	int n = 0;
	size_t used = 0;

	names[0] = '\0';
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char name[128], tail[8];
		double v;
		const char *e = strchr(l, '\n');
		char line[256];
		size_t len = e ? (size_t)(e - l) : strlen(l);

		if (strncmp(l, "BENCH ", 6))
			continue;
		cr_assert_lt(len, sizeof line, "long BENCH line");
		memcpy(line, l, len);
		line[len] = '\0';
		cr_assert_eq(sscanf(line, "BENCH %127s %lf %7s", name, &v, tail), 2,
			     "malformed: '%s'", line);
		cr_assert_eq(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_"),
			     strlen(name), "bad figure name in '%s'", line);
		cr_assert_gt(v, 0, "non-positive figure: '%s'", line);
		if (used < cap)
			used += (size_t)snprintf(names + used, cap - used,
						 "%s ", name);
		n++;
	}
	return n;
}

/* Lines in s (newlines counted). */
static inline unsigned tu_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A usage error as io/cli.h prints it: two lines, the first naming the
 * fault (holding `fault`), the second saying where CMD's help is; never
 * the whole help, which would bury the one line that matters. */
static inline void tu_expect_usage_error(const char *out, const char *cmd,
					 const char *fault)
{
	char try_line[128];

	snprintf(try_line, sizeof try_line,
		 "\nTry '%s --help' for more information.\n", cmd);
	cr_assert(strstr(out, fault), "no '%s' in: %s", fault, out);
	cr_assert(strstr(out, try_line), "no '%s' in: %s", try_line + 1, out);
	cr_assert_null(strstr(out, "usage:"), "the help buries the fault: %s", out);
	cr_assert_eq(tu_lines(out), 2, "%s", out);
}

#endif
