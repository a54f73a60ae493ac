#include "tools/pnicsim/outdir.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/outfile.h"
#include "io/pcap_out.h"

/* Open pcaps at most whatever the file limit: each holds a stdio buffer,
 * and more than this only costs memory, not reopening. */
#define OUT_MAX_OPEN 512
/* Descriptors left for the rest of the run: the input capture, a JSON
 * file, the folder scan, and whatever libc and libpcap open. */
#define OUT_FD_RESERVE 8
#define OUT_MAX_FILES 16
/* Room for "/.egress-ppid65535.pcap.tmp-<pid>" after the folder's name. */
#define OUT_NAME_ROOM 64

struct out_slot {
	struct pcap_out *w;    /* NULL before the first frame and after close */
	uint64_t last_use;
	bool made;             /* its temporary file exists */
};

/* An output by name (JSON, CSV, a plot). */
struct out_file {
	char *name;
	FILE *f;          /* outdir_stream()'s, until the commit */
	bool optional;    /* outdir_path()'s: may not have been made */
};

struct outdir {
	char *dir;
	long pid;
	bool pcaps, side_pcaps;
	bool committed;
	uint32_t n_ppids;
	struct out_slot *slots;   /* egress 0..n_ppids-1, to-host, drops */
	uint32_t *open_ids;       /* slots whose file is open */
	unsigned n_open, budget, max_open;
	uint64_t tick;
	uint32_t n_made;
	struct out_file files[OUT_MAX_FILES];
	unsigned n_files;
	int failed;               /* first frame-writing failure, or 0 */
	struct pnic_error fail_err;
};

/* ---- names ------------------------------------------------------------- */

static const char *const fixed_names[] = {
	"summary.json", "timing.json", "to-host.pcap", "drops.pcap",
	"packets.csv", "timeseries.csv", "latency-cdf.png", "latency-cdf.svg",
	"timeseries.png", "timeseries.svg", NULL
};

bool outdir_owned_name(const char *s)
{
	for (unsigned i = 0; fixed_names[i]; i++)
		if (!strcmp(s, fixed_names[i]))
			return true;
	if (strncmp(s, "egress-ppid", 11) || !isdigit((unsigned char)s[11]))
		return false;
	for (s += 11; isdigit((unsigned char)*s); s++)
		;
	return !strcmp(s, ".pcap");
}

static uint32_t host_slot(const struct outdir *o) { return o->n_ppids; }
static uint32_t drops_slot(const struct outdir *o) { return o->n_ppids + 1; }

static void slot_name(const struct outdir *o, uint32_t i, char *buf,
		      size_t n)
{
	if (i < o->n_ppids)
		snprintf(buf, n, "egress-ppid%u.pcap", i);
	else
		snprintf(buf, n, "%s", i == host_slot(o) ? "to-host.pcap" : "drops.pcap");
}

/* dir/name, or its temporary (outfile.h); the folder's length was checked
 * at create, so these always fit. */
static void out_path(const struct outdir *o, const char *name, bool tmp,
		     char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", o->dir, name);
	if (tmp) {
		char final[PATH_MAX];

		snprintf(final, sizeof final, "%s", buf);
		outfile_tmp_name(final, buf, n);
	}
}

static bool file_made(const struct outdir *o, const char *name)
{
	char path[PATH_MAX];

	out_path(o, name, true, path, sizeof path);
	return access(path, F_OK) == 0;
}

/* Whether this run made `name` (an owned name). */
static bool produced(const struct outdir *o, const char *name)
{
	char mine[64];
	unsigned long n;

	for (unsigned i = 0; i < o->n_files; i++)
		if (!strcmp(o->files[i].name, name))
			return !o->files[i].optional || file_made(o, name);
	if (!strcmp(name, "to-host.pcap"))
		return o->slots[host_slot(o)].made;
	if (!strcmp(name, "drops.pcap"))
		return o->slots[drops_slot(o)].made;
	if (strncmp(name, "egress-ppid", 11))
		return false;
	n = strtoul(name + 11, NULL, 10);
	if (n >= o->n_ppids)
		return false;
	slot_name(o, (uint32_t)n, mine, sizeof mine);
	return !strcmp(mine, name) && o->slots[n].made;
}

/* ".NAME.tmp-PID" of a run that is no longer running (killed outright). */
static bool stale_temporary(const char *s, long self)
{
	char name[NAME_MAX + 1];
	long pid;

	if (!outfile_parse_tmp_name(s, name, sizeof name, &pid) ||
	    !outdir_owned_name(name) || pid == self)
		return false;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* ---- refusing inputs that are outputs ---------------------------------- */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether `path` names an entry of the folder `od` under an owned name:
 * its parent is compared by identity, so ../ and symlinked folders are
 * seen through. */
static bool named_output(const struct stat *od, const char *path,
			 const char **base)
{
	const char *slash = strrchr(path, '/');
	char parent[PATH_MAX];
	struct stat ps;

	*base = slash ? slash + 1 : path;
	if (!outdir_owned_name(*base))
		return false;
	if (!slash)
		snprintf(parent, sizeof parent, ".");
	else if (slash == path)
		snprintf(parent, sizeof parent, "/");
	else if ((size_t)(slash - path) < sizeof parent)
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	else
		return false;
	return stat(parent, &ps) == 0 && same_file(&ps, od);
}

static int refuse(struct pnic_error *err, const char *path, const char *how,
		  const char *dir, const char *name)
{
	return pnic_err(err, EEXIST,
			"input '%s' is %s %s/%s: replaying it would overwrite it; move it out of the output folder or choose another --out",
			path, how, dir, name);
}

/* An output already in dir that is the input's file (a hard link, or a
 * symlink either way). */
static int same_as_output(const char *dir, const struct stat *is,
			  const char *path, struct pnic_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (!outdir_owned_name(e->d_name) ||
		    snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
			continue;
		if (stat(p, &st) == 0 && same_file(&st, is))
			rc = refuse(err, path, "the same file as the output", dir,
				    e->d_name);
	}
	closedir(d);
	return rc;
}

int outdir_check_input(const char *dir, const char *path,
		       struct pnic_error *err)
{
	struct stat od, is;
	const char *base;
	char *real;
	int rc = 0;

	if (stat(dir, &od) != 0 || !S_ISDIR(od.st_mode) || stat(path, &is) != 0)
		return 0;
	if (named_output(&od, path, &base))
		return refuse(err, path, "the output", dir, base);
	real = realpath(path, NULL);
	if (real && named_output(&od, real, &base))
		rc = refuse(err, path, "the output", dir, base);
	free(real);
	return rc ? rc : same_as_output(dir, &is, path, err);
}

int outdir_check_inputs(const char *dir, const char *scenario,
			const struct scenario_input *in, uint32_t n,
			struct pnic_error *err)
{
	int rc = 0;

	for (uint32_t i = 0; i <= n && !rc; i++)
		rc = outdir_check_input(dir, i < n ? in[i].path : scenario, err);
	return rc;
}

char *outdir_default(const char *scenario)
{
	const char *base = strrchr(scenario, '/');
	char *out;
	size_t n;

	base = base ? base + 1 : scenario;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".yaml"))
		n -= 5;
	else if (n > 4 && !strcmp(base + n - 4, ".yml"))
		n -= 4;
	out = malloc(n + 5);
	if (out)
		snprintf(out, n + 5, "out/%.*s", (int)n, base);
	return out;
}

/* ---- the writers ------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof tmp)
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

static unsigned fds_in_use(uint64_t limit)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	if (d) {
		while (readdir(d))
			n++;
		closedir(d);
		/* ".", ".." and the listing's own descriptor. */
		return n > 3 ? n - 3 : 0;
	}
	for (uint64_t fd = 0; fd < limit && fd < 65536; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return n;
}

/* How many pcaps may be open at once.  Only an estimate: an open that
 * still runs out of descriptors parks another writer and retries. */
static unsigned open_budget(void)
{
	struct rlimit rl;
	uint64_t limit = 1u << 20, used;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = rl.rlim_cur;
	used = (uint64_t)fds_in_use(limit) + OUT_FD_RESERVE;
	if (limit <= used)
		return 1;
	return limit - used > OUT_MAX_OPEN ? OUT_MAX_OPEN : (unsigned)(limit - used);
}

int outdir_create(const char *dir, uint32_t n_ppids, unsigned flags,
		  struct outdir **out, struct pnic_error *err)
{
	struct outdir *o;
	int rc;

	*out = NULL;
	if (strlen(dir) + OUT_NAME_ROOM >= PATH_MAX)
		return pnic_err(err, ENAMETOOLONG, "output folder name too long: %s", dir);
	if ((rc = mkdir_p(dir)))
		return pnic_err(err, -rc, "cannot create output folder %s: %s",
				dir, strerror(-rc));
	o = calloc(1, sizeof *o);
	if (!o)
		return pnic_err(err, ENOMEM, "out of memory");
	o->dir = strdup(dir);
	o->slots = calloc((size_t)n_ppids + 2, sizeof *o->slots);
	o->budget = open_budget();
	o->open_ids = calloc(o->budget, sizeof *o->open_ids);
	if (!o->dir || !o->slots || !o->open_ids) {
		outdir_destroy(o);
		return pnic_err(err, ENOMEM, "out of memory");
	}
	o->pid = (long)getpid();
	o->pcaps = flags & OUTDIR_EGRESS_PCAPS;
	o->side_pcaps = flags & OUTDIR_SIDE_PCAPS;
	o->n_ppids = n_ppids;
	*out = o;
	return 0;
}

static void fail(struct outdir *o, int rc)
{
	if (!o->failed)
		o->failed = rc;
}

/* Park the least recently written open pcap; false if none is open. */
static bool park_lru(struct outdir *o)
{
	unsigned best = 0;
	struct pnic_error e;
	int rc;

	if (!o->n_open)
		return false;
	for (unsigned k = 1; k < o->n_open; k++)
		if (o->slots[o->open_ids[k]].last_use <
		    o->slots[o->open_ids[best]].last_use)
			best = k;
	rc = pcap_out_park(o->slots[o->open_ids[best]].w, &e);
	if (rc && !o->failed) {
		o->fail_err = e;
		fail(o, rc);
	}
	o->open_ids[best] = o->open_ids[--o->n_open];
	return true;
}

static int open_slot(struct outdir *o, uint32_t i)
{
	struct out_slot *s = &o->slots[i];
	char name[64], path[PATH_MAX];
	int rc;

	if (s->w)
		return pcap_out_resume(s->w, &o->fail_err);
	slot_name(o, i, name, sizeof name);
	out_path(o, name, true, path, sizeof path);
	/* Made from here on, so that a failure still removes the file. */
	s->made = true;
	if ((rc = pcap_out_open(path, &s->w, &o->fail_err)) == 0)
		o->n_made++;
	return rc;
}

/* Make slot i's file open, parking others to stay within the budget. */
static int ensure_open(struct outdir *o, uint32_t i)
{
	struct out_slot *s = &o->slots[i];
	int rc;

	if (s->w && pcap_out_is_open(s->w))
		return 0;
	for (;;) {
		while (o->n_open >= o->budget && park_lru(o))
			;
		rc = open_slot(o, i);
		if ((rc != -EMFILE && rc != -ENFILE) || !o->n_open)
			break;
		/* The estimate was high: keep to what the system gave. */
		o->budget = o->n_open;
	}
	if (rc) {
		fail(o, rc);
		return rc;
	}
	o->open_ids[o->n_open++] = i;
	if (o->n_open > o->max_open)
		o->max_open = o->n_open;
	return 0;
}

void outdir_frame(struct outdir *o, const struct datapath_out *d,
		  const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	uint32_t i;

	if (!o->pcaps || o->failed || d->kind == DP_OUT_HOLD ||
	    (d->kind != DP_OUT_EGRESS && !o->side_pcaps))
		return;
	if (d->kind == DP_OUT_EGRESS) {
		/* The VPID map only holds PPIDs of the NIC. */
		assert(d->ppid < o->n_ppids);
		i = d->ppid;
	} else {
		i = d->kind == DP_OUT_TO_HOST ? host_slot(o) : drops_slot(o);
	}
	if (ensure_open(o, i))
		return;
	pcap_out_write(o->slots[i].w, frame, caplen, len, d->ts_ns);
	o->slots[i].last_use = ++o->tick;
}

bool outdir_failed(const struct outdir *o)
{
	return o->failed != 0;
}

/* Register `name`'s temporary into path; -ENOMEM when the table is full. */
static int add_file(struct outdir *o, const char *name, bool optional,
		    char *path, size_t n, struct pnic_error *err)
{
	struct out_file *f = &o->files[o->n_files];

	if (o->n_files == OUT_MAX_FILES || !(f->name = strdup(name)))
		return pnic_err(err, ENOMEM, "out of memory");
	f->optional = optional;
	o->n_files++;
	out_path(o, name, true, path, n);
	return 0;
}

int outdir_stream(struct outdir *o, const char *name, FILE **out,
		  struct pnic_error *err)
{
	char path[PATH_MAX];
	struct out_file *f;
	int rc;

	*out = NULL;
	if ((rc = add_file(o, name, false, path, sizeof path, err)))
		return rc;
	f = &o->files[o->n_files - 1];
	if (!(f->f = fopen(path, "w")))
		return pnic_err(err, errno, "%s: cannot create: %s", path,
				strerror(errno));
	*out = f->f;
	return 0;
}

int outdir_path(struct outdir *o, const char *name, char *buf, size_t n,
		struct pnic_error *err)
{
	return add_file(o, name, true, buf, n, err);
}

void outdir_tmp_path(const struct outdir *o, const char *name, char *buf,
		     size_t n)
{
	out_path(o, name, true, buf, n);
}

/* Flush and close a stream; 0 or a negative errno with err naming it. */
static int close_stream(struct outdir *o, struct out_file *f,
			struct pnic_error *err)
{
	char path[PATH_MAX];
	int bad, e;

	if (!f->f)
		return 0;
	errno = 0;
	bad = fflush(f->f) != 0 || ferror(f->f);
	e = errno ? errno : EIO;
	if (fclose(f->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	f->f = NULL;
	if (!bad)
		return 0;
	out_path(o, f->name, true, path, sizeof path);
	return pnic_err(err, e, "%s: write failed: %s", path, strerror(e));
}

int outdir_json(struct outdir *o, const char *name, const json_t *j,
		struct pnic_error *err)
{
	char path[PATH_MAX];
	FILE *f;
	int rc, bad;

	if ((rc = outdir_stream(o, name, &f, err)))
		return rc;
	bad = json_dumpf(j, f, JSON_INDENT(2) | JSON_SORT_KEYS |
			     JSON_REAL_PRECISION(12)) != 0 ||
	      fputc('\n', f) == EOF;
	if ((rc = close_stream(o, &o->files[o->n_files - 1], err)) || !bad)
		return rc;
	out_path(o, name, true, path, sizeof path);
	return pnic_err(err, EIO, "%s: write failed", path);
}

/* ---- commit ------------------------------------------------------------ */

static int finish_pcaps(struct outdir *o, struct pnic_error *err)
{
	int rc = 0;

	if (o->side_pcaps && !o->failed) {
		/* to-host.pcap and drops.pcap exist even when empty. */
		ensure_open(o, host_slot(o));
		ensure_open(o, drops_slot(o));
	}
	if (o->failed) {
		if (err)
			*err = o->fail_err;
		return o->failed;
	}
	for (uint32_t i = 0; i < o->n_ppids + 2; i++) {
		int k = pcap_out_close(o->slots[i].w, rc ? NULL : err);

		o->slots[i].w = NULL;
		rc = rc ? rc : k;
	}
	o->n_open = 0;
	return rc;
}

static int remove_file(const char *path, struct pnic_error *err)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return pnic_err(err, errno, "cannot remove %s: %s", path,
				strerror(errno));
	return 0;
}

/* Remove what an earlier run left that this run does not replace, and the
 * temporaries of runs that were killed outright. */
static int remove_stale(struct outdir *o, struct pnic_error *err)
{
	DIR *d = opendir(o->dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return pnic_err(err, errno, "cannot list %s: %s", o->dir,
				strerror(errno));
	while (!rc && (e = readdir(d))) {
		char path[PATH_MAX];

		if (outdir_owned_name(e->d_name) && !produced(o, e->d_name)) {
			out_path(o, e->d_name, false, path, sizeof path);
			rc = remove_file(path, err);
		} else if (stale_temporary(e->d_name, o->pid)) {
			snprintf(path, sizeof path, "%s/%s", o->dir, e->d_name);
			unlink(path);
		}
	}
	closedir(d);
	return rc;
}

static int put_in_place(struct outdir *o, const char *name,
			struct pnic_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];

	out_path(o, name, true, from, sizeof from);
	out_path(o, name, false, to, sizeof to);
	if (rename(from, to) != 0)
		return pnic_err(err, errno, "cannot rename %s to %s: %s", from,
				to, strerror(errno));
	return 0;
}

static int close_streams(struct outdir *o, struct pnic_error *err)
{
	int rc = 0;

	for (unsigned i = 0; i < o->n_files && !rc; i++)
		rc = close_stream(o, &o->files[i], err);
	return rc;
}

/* The files by name that this run made: summary.json alone, or all the
 * others. */
static int put_files(struct outdir *o, bool summary, struct pnic_error *err)
{
	int rc = 0;

	for (unsigned i = 0; i < o->n_files && !rc; i++)
		if (!strcmp(o->files[i].name, "summary.json") == summary &&
		    produced(o, o->files[i].name))
			rc = put_in_place(o, o->files[i].name, err);
	return rc;
}

int outdir_commit(struct outdir *o, struct pnic_error *err)
{
	char path[PATH_MAX], name[64];
	int rc;

	if ((rc = close_streams(o, err)) || (rc = finish_pcaps(o, err)))
		return rc;
	/* From here on the folder holds no summary.json until the new one is
	 * in place, so no summary ever sits beside another run's pcaps. */
	out_path(o, "summary.json", false, path, sizeof path);
	if ((rc = remove_file(path, err)) || (rc = remove_stale(o, err)))
		return rc;
	for (uint32_t i = 0; i < o->n_ppids + 2; i++) {
		if (!o->slots[i].made)
			continue;
		slot_name(o, i, name, sizeof name);
		if ((rc = put_in_place(o, name, err)))
			return rc;
	}
	if ((rc = put_files(o, false, err)) || (rc = put_files(o, true, err)))
		return rc;
	o->committed = true;
	return 0;
}

uint32_t outdir_pcaps(const struct outdir *o)
{
	return o->n_made;
}

unsigned outdir_max_open(const struct outdir *o)
{
	return o->max_open;
}

unsigned outdir_open_budget(const struct outdir *o)
{
	return o->budget;
}

void outdir_destroy(struct outdir *o)
{
	char path[PATH_MAX], name[64];

	if (!o)
		return;
	for (uint32_t i = 0; o->slots && i < o->n_ppids + 2; i++) {
		pcap_out_close(o->slots[i].w, NULL);
		if (o->slots[i].made && !o->committed) {
			slot_name(o, i, name, sizeof name);
			out_path(o, name, true, path, sizeof path);
			unlink(path);
		}
	}
	for (unsigned i = 0; i < o->n_files; i++) {
		if (o->files[i].f)
			fclose(o->files[i].f);
		if (!o->committed) {
			out_path(o, o->files[i].name, true, path, sizeof path);
			unlink(path);
		}
		free(o->files[i].name);
	}
	free(o->open_ids);
	free(o->slots);
	free(o->dir);
	free(o);
}
