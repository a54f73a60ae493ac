/* Finding and building an RTL configuration's binary (cosim_build.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/pnicsim/cosim_build.h"

#define PROG "pnicsim cosim"
/* The last lines of a failed build's output that are shown. */
#define LOG_TAIL_LINES 40

/* Seconds a build takes on the shared 2-core machine the figures in
 * docs/cosim.md ("Limits") were measured on (Verilator 5.006, g++ 12):
 * the generated model grows with the key's width, hardly with the depth,
 * and the files every configuration shares are compiled by the first
 * build only. */
#define BUILD_S_NARROW    20u     /* keys of up to 128 bits */
#define BUILD_S_WIDE      30u
#define BUILD_S_SHARED    30u

int cosim_dir(char *buf, size_t len)
{
	const char *env = getenv("PNICSIM_COSIM_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -ENAMETOOLONG;
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	/* <build>/bin/pnicsim: drop the program's name, then bin. */
	for (int up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		if (!slash || slash == exe)
			return -ENOENT;
		*slash = '\0';
	}
	return snprintf(buf, len, "%s/cosim", exe) < (int)len ? 0 : -ENAMETOOLONG;
}

/* The tree that builds dir: dir is <tree>/build/cosim (the target make
 * is asked for is that path, relative to the tree), and the tree holds
 * the Makefile and mk/cosim.mk. */
static bool source_tree(const char *dir, char *tree, size_t len)
{
	static const char tail[] = "build/cosim";
	size_t n = strlen(dir), t = sizeof tail - 1;
	char path[PATH_MAX + 16];

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n < t || memcmp(dir + n - t, tail, t) || (n > t && dir[n - t - 1] != '/'))
		return false;
	/* "build/cosim" is ".", "/build/cosim" "/", "/x/build/cosim" "/x". */
	if (n == t)
		snprintf(tree, len, ".");
	else if (snprintf(tree, len, "%.*s", (int)(n - t > 1 ? n - t - 1 : 1),
			  dir) >= (int)len)
		return false;
	snprintf(path, sizeof path, "%s/Makefile", tree);
	if (access(path, R_OK))
		return false;
	snprintf(path, sizeof path, "%s/mk/cosim.mk", tree);
	return access(path, R_OK) == 0;
}

static void bin_path(const char *dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/cosim", dir, name);
}

/* An open lock file in dir, or -1 when it cannot be made (a folder this
 * run cannot write in is one it does not build in either). */
static int lock_open(const char *dir, const char *name, const char *suffix)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
}

/* flock, saying what the run waits for when another run holds it. */
static int lock_take(int fd, int op, const char *waiting_for)
{
	if (!flock(fd, op | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK)
		return -errno;
	fprintf(stderr, PROG ": waiting for another run's build of %s\n",
		waiting_for);
	while (flock(fd, op))
		if (errno != EINTR)
			return -errno;
	return 0;
}

bool cosim_built(const char *dir, const struct cosim_config *c)
{
	char name[COSIM_CONFIG_NAME_MAX], bin[PATH_MAX + 64];
	int fd;
	bool ok;

	cosim_config_name(c, name);
	bin_path(dir, name, bin, sizeof bin);
	fd = lock_open(dir, name, ".lock");
	if (fd >= 0)
		lock_take(fd, LOCK_SH, name);
	ok = access(bin, X_OK) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int no_tree(const char *dir, const char *name)
{
	fprintf(stderr, PROG ": configuration %s is not built, and %s is not the "
		"build/cosim of a pnicsim source tree to build it in; run (from "
		"the repository root):\n  make build/cosim/%s/cosim\n"
		"(or set PNICSIM_COSIM_DIR to the tree's build/cosim)\n",
		name, dir, name);
	return 2;
}

/* mkdir -p: every folder of path, as far as it goes. */
static int make_dirs(const char *path)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return -ENAMETOOLONG;
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST)
			return -errno;
		if (!s)
			return 0;
		*s = '/';
	}
}

static unsigned estimate_s(const char *dir, const struct cosim_config *c)
{
	char obj[PATH_MAX + 8];
	unsigned s = c->key_bits <= 128 ? BUILD_S_NARROW : BUILD_S_WIDE;

	snprintf(obj, sizeof obj, "%s/obj", dir);
	return access(obj, F_OK) ? s + BUILD_S_SHARED : s;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The child: make, its output into log_fd, none of a parent make's
 * settings (a jobserver it cannot reach, V=1, -n) inherited. */
static void exec_make(const char *tree, const char *target, int log_fd)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char jobs[24];

	snprintf(jobs, sizeof jobs, "-j%ld", cpus > 0 ? cpus : 1);
	if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(127);
	unsetenv("MAKEFLAGS");
	unsetenv("MFLAGS");
	unsetenv("MAKELEVEL");
	unsetenv("MAKEOVERRIDES");
	execlp("make", "make", "--no-print-directory", jobs, "-C", tree, target,
	       (char *)NULL);
	fprintf(stderr, "cannot run make: %s\n", strerror(errno));
	_exit(127);
}

/* make's exit status, or -1 when it could not be started or was killed. */
static int run_make(const char *tree, const char *target, int log_fd)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_make(tree, target, log_fd);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The last LOG_TAIL_LINES lines of the log (of its last 16 KiB), to
 * stderr. */
static void show_tail(const char *log)
{
	static char buf[16384];
	FILE *f = fopen(log, "r");
	size_t n, from, lines = 0;
	long size;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof buf ? size - (long)sizeof buf : 0, SEEK_SET);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	for (from = n; from > 0; from--)
		if (buf[from - 1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	if (n > from)
		fprintf(stderr, "%.*s\n", (int)(n - from), buf + from);
}

/* Why make did not give the binary. */
static void build_failed(const char *tree, const char *target, const char *log,
			 int status)
{
	show_tail(log);
	fprintf(stderr, PROG ": building %s failed (make -C %s %s: ", target, tree,
		target);
	if (status < 0)
		fprintf(stderr, "it did not run to its end");
	else if (status > 0)
		fprintf(stderr, "exit status %d", status);
	else
		fprintf(stderr, "it made no binary");
	fprintf(stderr, "); the whole output is in %s\n", log);
}

/* The build's log, dir/<name>/make.log, open for writing; -1 once the
 * reason is printed. */
static int open_log(const char *dir, const char *name, char *log, size_t len)
{
	int fd = -1, rc;

	snprintf(log, len, "%s/%s", dir, name);
	if ((rc = make_dirs(log)) == 0) {
		snprintf(log, len, "%s/%s/make.log", dir, name);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		rc = -errno;
	}
	if (fd < 0)
		fprintf(stderr, PROG ": cannot write the build's log %s: %s\n", log,
			strerror(-rc));
	return fd;
}

/* Build the configuration, holding its lock and the build lock. */
static int build_locked(const char *tree, const char *dir,
			const struct cosim_config *c, const char *name)
{
	char target[COSIM_CONFIG_NAME_MAX + 32], log[PATH_MAX + 64];
	char bin[PATH_MAX + 64];
	double t0 = now_s();
	int fd, rc;

	snprintf(target, sizeof target, "build/cosim/%s/cosim", name);
	fprintf(stderr, PROG ": building RTL configuration %s (first use; takes "
		"about %u s)\n", name, estimate_s(dir, c));
	if ((fd = open_log(dir, name, log, sizeof log)) < 0)
		return 2;
	rc = run_make(tree, target, fd);
	close(fd);
	bin_path(dir, name, bin, sizeof bin);
	if (rc == 0 && !access(bin, X_OK)) {
		fprintf(stderr, PROG ": built %s in %.0f s\n", name, now_s() - t0);
		return 0;
	}
	build_failed(tree, target, log, rc);
	return 2;
}

/* The lock file dir/<name><suffix>, taken; -1 once the reason is printed. */
static int lock(const char *dir, const char *name, const char *suffix,
		int op, const char *waiting_for)
{
	int fd = lock_open(dir, name, suffix), rc = fd < 0 ? -errno : 0;

	if (fd >= 0 && (rc = lock_take(fd, op, waiting_for))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, PROG ": cannot lock %s/%s%s: %s\n", dir, name,
			suffix, strerror(-rc));
	return fd;
}

int cosim_build(const char *dir, const struct cosim_config *c)
{
	char name[COSIM_CONFIG_NAME_MAX], tree[PATH_MAX], bin[PATH_MAX + 64];
	int cfg_fd, build_fd, rc = 0;

	cosim_config_name(c, name);
	if (!source_tree(dir, tree, sizeof tree))
		return no_tree(dir, name);
	if ((rc = make_dirs(dir))) {
		fprintf(stderr, PROG ": cannot make %s: %s\n", dir, strerror(-rc));
		return 2;
	}
	if ((cfg_fd = lock(dir, name, ".lock", LOCK_EX, name)) < 0)
		return 2;
	/* Another run may have built it while this one waited. */
	bin_path(dir, name, bin, sizeof bin);
	if (access(bin, X_OK)) {
		build_fd = lock(dir, ".build", ".lock", LOCK_EX, "another configuration");
		rc = build_fd < 0 ? 2 : build_locked(tree, dir, c, name);
		if (build_fd >= 0)
			close(build_fd);
	}
	close(cfg_fd);
	return rc;
}
