#include "io/pcap_out.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcap_out {
	pcap_t *dead;              /* the format: Ethernet, ns, snap length */
	pcap_dumper_t *d;          /* NULL while parked */
	char *path;
	uint64_t count;
	uint64_t lost;             /* written while parked */
	int failed;                /* errno of the first write failure, or 0 */
	char *stdio_buf;           /* the created stream's buffer, or NULL */
};

/* pcap_dump() is an fwrite() of the record header and one of the frame:
 * with a buffer of this size behind the stream that is one write(2) a
 * megabyte, not one a block (a 1M-packet run's egress spent 8% of its
 * time in write(2) with the default 4 KiB; bench/parts/61-fpag-1m.sh). */
#define STDIO_BUF_BYTES (1u << 20)

static void note_failure(struct pcap_out *o)
{
	if (!o->failed)
		o->failed = errno ? errno : EIO;
}

/* libpcap opens the file itself when it appends; fopen()'s errno is still
 * set when it gives up, and EMFILE must reach the caller as such. */
static int open_failed(struct pcap_out *o, const char *what,
		       struct pnic_error *err)
{
	int e = errno ? errno : EIO;

	return pnic_err(err, e, "%s: cannot %s: %s", o->path, what, strerror(e));
}

static int create_file(struct pcap_out *o, struct pnic_error *err)
{
	FILE *f;

	errno = 0;
	f = fopen(o->path, "wb");
	if (!f)
		return open_failed(o, "create", err);
	/* Without it (out of memory) the stream keeps its own, smaller. */
	o->stdio_buf = malloc(STDIO_BUF_BYTES);
	if (o->stdio_buf)
		setvbuf(f, o->stdio_buf, _IOFBF, STDIO_BUF_BYTES);
	o->d = pcap_dump_fopen(o->dead, f);
	if (!o->d) {
		fclose(f);
		return pnic_err(err, EIO, "%s: cannot create: %s", o->path,
				pcap_geterr(o->dead));
	}
	return 0;
}

int pcap_out_open(const char *path, struct pcap_out **out,
		  struct pnic_error *err)
{
	struct pcap_out *o;
	int rc;

	*out = NULL;
	o = calloc(1, sizeof *o);
	if (!o)
		return pnic_err(err, ENOMEM, "%s: out of memory", path);
	o->path = strdup(path);
	o->dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, PCAP_OUT_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!o->path || !o->dead) {
		rc = pnic_err(err, ENOMEM, "%s: out of memory", path);
		goto free_o;
	}
	if ((rc = create_file(o, err)))
		goto free_o;
	*out = o;
	return 0;

free_o:
	if (o->dead)
		pcap_close(o->dead);
	free(o->stdio_buf);        /* its stream is closed */
	free(o->path);
	free(o);
	return rc;
}

void pcap_out_write(struct pcap_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct pcap_pkthdr h;

	o->count++;
	if (!o->d) {
		o->lost++;
		return;
	}
	if (caplen > PCAP_OUT_SNAPLEN)
		caplen = PCAP_OUT_SNAPLEN;
	/* A nanosecond-precision dumper takes nanoseconds in tv_usec. */
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull);
	h.caplen = caplen;
	h.len = len < caplen ? caplen : len;
	errno = 0;
	pcap_dump((u_char *)o->d, &h, frame);
	/* pcap_dump() returns nothing: the stream's error flag tells, and
	 * errno still says why (EFBIG, ENOSPC) only right after the write. */
	if (!o->failed && ferror_unlocked(pcap_dump_file(o->d)))
		note_failure(o);
}

/* The flush before closing is where buffered frames can still fail. */
static void close_file(struct pcap_out *o)
{
	errno = 0;
	if (pcap_dump_flush(o->d) != 0 || ferror(pcap_dump_file(o->d)))
		note_failure(o);
	pcap_dump_close(o->d);
	o->d = NULL;
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
	if (o->d)
		close_file(o);
	return report(o, err);
}

int pcap_out_resume(struct pcap_out *o, struct pnic_error *err)
{
	if (o->d)
		return 0;
	errno = 0;
	o->d = pcap_dump_open_append(o->dead, o->path);
	return o->d ? 0 : open_failed(o, "reopen", err);
}

bool pcap_out_is_open(const struct pcap_out *o)
{
	return o->d != NULL;
}

int pcap_out_close(struct pcap_out *o, struct pnic_error *err)
{
	int rc;

	if (!o)
		return 0;
	rc = pcap_out_park(o, err);
	pcap_close(o->dead);
	free(o->stdio_buf);        /* after the stream that used it closed */
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
