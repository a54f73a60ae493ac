#include "tools/io/pcap_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u

struct pcap_out {
	FILE *f;                   /* NULL while parked */
	char *path;
	uint64_t count;
	uint64_t lost;             /* written while parked */
	int failed;                /* errno of the first write failure, or 0 */
};

/* Fields in host byte order: readers tell the order from the magic. */
struct pcap_out_file_header {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_out_record {
	uint32_t sec, nsec, caplen, len;
};

static void note_failure(struct pcap_out *o)
{
	if (!o->failed)
		o->failed = errno ? errno : EIO;
}

static int open_file(struct pcap_out *o, const char *mode, const char *what,
		     struct pnic_error *err)
{
	int e;

	o->f = fopen(o->path, mode);
	if (o->f)
		return 0;
	e = errno ? errno : EIO;
	return pnic_err(err, e, "%s: cannot %s: %s", o->path, what, strerror(e));
}

int pcap_out_open(const char *path, struct pcap_out **out,
		  struct pnic_error *err)
{
	struct pcap_out_file_header h = {
		.magic = PCAP_MAGIC_NSEC, .major = 2, .minor = 4,
		.snaplen = PCAP_OUT_SNAPLEN, .linktype = PCAP_LINKTYPE_ETHERNET,
	};
	struct pcap_out *o;
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
	if ((rc = open_file(o, "wb", "create", err)))
		goto free_path;
	if (fwrite(&h, sizeof h, 1, o->f) != 1)
		note_failure(o);
	*out = o;
	return 0;

free_path:
	free(o->path);
free_o:
	free(o);
	return rc;
}

void pcap_out_write(struct pcap_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct pcap_out_record h;

	o->count++;
	if (!o->f) {
		o->lost++;
		return;
	}
	if (caplen > PCAP_OUT_SNAPLEN)
		caplen = PCAP_OUT_SNAPLEN;
	/* The file format holds 32-bit seconds, as libpcap writes them. */
	h.sec = (uint32_t)(ts_ns / 1000000000ull);
	h.nsec = (uint32_t)(ts_ns % 1000000000ull);
	h.caplen = caplen;
	h.len = len < caplen ? caplen : len;
	if (fwrite(&h, sizeof h, 1, o->f) != 1 ||
	    (caplen && fwrite(frame, caplen, 1, o->f) != 1))
		note_failure(o);
}

/* fclose() flushes; a failure there is a loss like a failed write. */
static void close_file(struct pcap_out *o)
{
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		note_failure(o);
	if (fclose(o->f) != 0)
		note_failure(o);
	o->f = NULL;
}

static int report(const struct pcap_out *o, struct pnic_error *err)
{
	if (o->lost)
		return pnic_err(err, EIO,
				"%s: %llu of %llu frames lost (written while the file was parked)",
				o->path, (unsigned long long)o->lost,
				(unsigned long long)o->count);
	if (o->failed)
		return pnic_err(err, EIO, "%s: write failed (%llu frames): %s",
				o->path, (unsigned long long)o->count,
				strerror(o->failed));
	return 0;
}

int pcap_out_park(struct pcap_out *o, struct pnic_error *err)
{
	if (o->f)
		close_file(o);
	return report(o, err);
}

int pcap_out_resume(struct pcap_out *o, struct pnic_error *err)
{
	if (o->f)
		return 0;
	return open_file(o, "ab", "reopen", err);
}

bool pcap_out_is_open(const struct pcap_out *o)
{
	return o->f != NULL;
}

int pcap_out_close(struct pcap_out *o, struct pnic_error *err)
{
	int rc;

	if (!o)
		return 0;
	rc = pcap_out_park(o, err);
	free(o->path);
	free(o);
	return rc;
}

uint64_t pcap_out_count(const struct pcap_out *o)
{
	return o->count;
}

const char *pcap_out_path(const struct pcap_out *o)
{
	return o->path;
}
