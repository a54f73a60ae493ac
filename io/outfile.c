#include "io/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct outfile {
	char *path;
	char *tmp;      /* NULL when the target is written in place */
	FILE *f;        /* NULL once finished, or when only begun */
	int failed;     /* negative errno of a failed finish, or 0 */
};

int outfile_tmp_name(const char *path, char *buf, size_t n)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	int k = snprintf(buf, n, "%.*s.%s.tmp-%ld", dir_len, path,
			 path + dir_len, (long)getpid());

	return k < 0 || (size_t)k >= n ? -ENAMETOOLONG : 0;
}

bool outfile_parse_tmp_name(const char *name, char *target, size_t n,
			    long *pid)
{
	const char *t = strstr(name, ".tmp-");
	size_t len;
	char *end;

	if (name[0] != '.' || !t || t == name + 1)
		return false;
	len = (size_t)(t - name - 1);
	errno = 0;
	*pid = strtol(t + 5, &end, 10);
	if (len >= n || *end || t[5] < '1' || t[5] > '9' || errno)
		return false;
	memcpy(target, name + 1, len);
	target[len] = '\0';
	return true;
}

static int outfile_rename(const char *tmp, const char *path,
			  struct pnic_error *err)
{
	if (rename(tmp, path) != 0)
		return pnic_err(err, errno, "cannot rename %s to %s: %s", tmp,
				path, strerror(errno));
	return 0;
}

static void outfile_free(struct outfile *o)
{
	free(o->tmp);
	free(o->path);
	free(o);
}

int outfile_begin(const char *path, struct outfile **out,
		  struct pnic_error *err)
{
	size_t n = strlen(path) + 32;
	struct outfile *o;
	struct stat st;
	int rc;

	*out = NULL;
	o = calloc(1, sizeof *o);
	if (!o)
		return pnic_err(err, ENOMEM, "%s: out of memory", path);
	o->path = strdup(path);
	if (!o->path) {
		rc = pnic_err(err, ENOMEM, "%s: out of memory", path);
		goto free_o;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*out = o;
		return 0;
	}
	o->tmp = malloc(n);
	if (!o->tmp) {
		rc = pnic_err(err, ENOMEM, "%s: out of memory", path);
		goto free_o;
	}
	if ((rc = outfile_tmp_name(path, o->tmp, n))) {
		pnic_err(err, -rc, "%s: name too long", path);
		goto free_o;
	}
	*out = o;
	return 0;

free_o:
	outfile_free(o);
	return rc;
}

const char *outfile_write_path(const struct outfile *o)
{
	return o->tmp ? o->tmp : o->path;
}

int outfile_open(const char *path, struct outfile **out,
		 struct pnic_error *err)
{
	struct outfile *o;
	int rc;

	if ((rc = outfile_begin(path, &o, err)))
		return rc;
	o->f = fopen(outfile_write_path(o), "w");
	if (!o->f) {
		rc = pnic_err(err, errno, "cannot write %s: %s", path,
			      strerror(errno));
		outfile_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

FILE *outfile_stream(const struct outfile *o)
{
	return o->f;
}

int outfile_finish(struct outfile *o, struct pnic_error *err)
{
	if (o->f) {
		errno = 0;
		if (fflush(o->f) != 0 || ferror(o->f))
			o->failed = -(errno ? errno : EIO);
		if (fclose(o->f) != 0 && !o->failed)
			o->failed = -(errno ? errno : EIO);
		o->f = NULL;
	}
	if (o->failed)
		return pnic_err(err, -o->failed, "writing %s failed: %s",
				o->path, strerror(-o->failed));
	return 0;
}

int outfile_commit(struct outfile *o, struct pnic_error *err)
{
	int rc = outfile_finish(o, err);

	if (!rc && o->tmp)
		rc = outfile_rename(o->tmp, o->path, err);
	if (rc && o->tmp)
		unlink(o->tmp);
	outfile_free(o);
	return rc;
}

void outfile_discard(struct outfile *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	outfile_free(o);
}
