#include "tools/io/pcap_out.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t count;
	char path[512];
};

int pcap_out_open(const char *path, struct pcap_out **out,
		  struct pnic_error *err)
{
	struct pcap_out *o;
	int rc;

	*out = NULL;
	o = calloc(1, sizeof *o);
	if (!o)
		return pnic_err(err, ENOMEM, "%s: out of memory", path);
	snprintf(o->path, sizeof o->path, "%s", path);
	o->dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, PCAP_OUT_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (!o->dead) {
		rc = pnic_err(err, ENOMEM, "%s: cannot set up a pcap writer",
			      path);
		goto free_o;
	}
	o->d = pcap_dump_open(o->dead, path);
	if (!o->d) {
		rc = pnic_err(err, EIO, "%s: cannot create: %s", path,
			      pcap_geterr(o->dead));
		goto close_dead;
	}
	*out = o;
	return 0;

close_dead:
	pcap_close(o->dead);
free_o:
	free(o);
	return rc;
}

void pcap_out_write(struct pcap_out *o, const uint8_t *frame,
		    uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct pcap_pkthdr h;

	if (caplen > PCAP_OUT_SNAPLEN)
		caplen = PCAP_OUT_SNAPLEN;
	/* A nanosecond-precision dumper takes nanoseconds in tv_usec. */
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull);
	h.caplen = caplen;
	h.len = len < caplen ? caplen : len;
	pcap_dump((u_char *)o->d, &h, frame);
	o->count++;
}

int pcap_out_close(struct pcap_out *o, struct pnic_error *err)
{
	int rc = 0;

	if (!o)
		return 0;
	if (pcap_dump_flush(o->d) != 0 || ferror(pcap_dump_file(o->d)))
		rc = pnic_err(err, EIO, "%s: write failed (%llu frames): %s",
			      o->path, (unsigned long long)o->count,
			      strerror(errno));
	pcap_dump_close(o->d);
	pcap_close(o->dead);
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
