/* The shared capture corpus, for the tests that read it.
 *
 * The corpus lives outside the project, at ../shared/data/pcaps relative to
 * the repository root ($PNICSIM_SHARED/data/pcaps when that is set), and is
 * never copied in; a test that needs it skips with NEED_CORPUS() when it is
 * absent. One walker visits every file, so the tests that sweep the whole
 * corpus agree on what "every file" means. Header-only: each test is its
 * own binary. */
#ifndef TESTS_CORPUS_H
#define TESTS_CORPUS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The corpus directory; set by have_corpus(). */
static char corpus[512];

static inline bool have_corpus(void)
{
	const char *shared = getenv("PNICSIM_SHARED");
	struct stat st;

	snprintf(corpus, sizeof corpus, "%s/data/pcaps",
		 shared && *shared ? shared : "../shared");
	return stat(corpus, &st) == 0 && S_ISDIR(st.st_mode);
}

#define NEED_CORPUS() \
	do { \
		if (!have_corpus()) \
			cr_skip("capture corpus not found at %s (set PNICSIM_SHARED)", \
				corpus); \
	} while (0)

/* Calls fn(path, ctx) on every file under dir, subdirectories included,
 * except dot files and the corpus's PROVENANCE.md; returns how many. */
static inline unsigned corpus_walk(const char *dir,
				   void (*fn)(const char *path, void *ctx),
				   void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char path[1024];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
		    (int)sizeof path || stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += corpus_walk(path, fn, ctx);
			continue;
		}
		if (!strcmp(e->d_name, "PROVENANCE.md"))
			continue;
		fn(path, ctx);
		n++;
	}
	closedir(d);
	return n;
}

#endif
