/* pcap_out against libpcap itself: what the writer produces is read back
 * with pcap_open_offline_with_tstamp_precision (not with io/pcap_in),
 * so bytes, lengths, nanosecond timestamps, link type and snap length are
 * checked as tcpdump would see them; parking (file closed, writer kept)
 * and resuming in append mode; and the refusals (a folder that does not
 * exist, no file descriptor left, a full disk at close, frames written
 * to a parked writer). */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tests/tools/tool_util.h"
#include "io/pcap_out.h"

TU_SCRATCH_SUITE(pcap_out);

/* Frame i: length 60 + 37 i, bytes a function of (i, position). */
static uint32_t frame_len(unsigned i)
{
	return 60 + 37 * i;
}

static void fill(uint8_t *b, unsigned i, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		b[k] = (uint8_t)(i * 31 + k * 7 + (k >> 8));
}

/* Timestamps that need all nine nanosecond digits and cross seconds. */
static uint64_t frame_ts(unsigned i)
{
	return 1700000000123456789ull + (uint64_t)i * 1000000007ull + i;
}

Test(pcap_out, frames_read_back_with_libpcap)
{
	char path[128], eb[PCAP_ERRBUF_SIZE];
	static uint8_t frame[2048];
	struct pnic_error err;
	struct pcap_out *o;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	unsigned i;
	int rc;

	snprintf(path, sizeof path, "%s/x.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	cr_assert_str_eq(pcap_out_path(o), path);
	cr_assert_eq(pcap_out_count(o), 0);
	for (i = 0; i < 40; i++) {
		fill(frame, i, frame_len(i));
		/* odd frames: captured 60 bytes of a longer frame */
		pcap_out_write(o, frame, i & 1 ? 60 : frame_len(i), frame_len(i),
			       frame_ts(i));
	}
	cr_assert_eq(pcap_out_count(o), 40);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	cr_assert_eq(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
	cr_assert_eq(pcap_snapshot(p), PCAP_OUT_SNAPLEN);
	for (i = 0; (rc = pcap_next_ex(p, &h, &data)) == 1; i++) {
		uint32_t cap = i & 1 ? 60 : frame_len(i);

		cr_assert_lt(i, 40u);
		cr_assert_eq(h->caplen, cap, "frame %u caplen %u", i, h->caplen);
		cr_assert_eq(h->len, frame_len(i), "frame %u len %u", i, h->len);
		cr_assert_eq((uint64_t)h->ts.tv_sec, frame_ts(i) / 1000000000ull, "frame %u", i);
		cr_assert_eq((uint64_t)h->ts.tv_usec, frame_ts(i) % 1000000000ull,
			     "frame %u: %ld ns", i, (long)h->ts.tv_usec);
		fill(frame, i, cap);
		cr_assert_eq(memcmp(data, frame, cap), 0, "frame %u bytes differ", i);
	}
	cr_assert_eq(rc, PCAP_ERROR_BREAK, "%s", pcap_geterr(p));
	cr_assert_eq(i, 40u);
	pcap_close(p);
}

/* The file is a classic pcap with the nanosecond magic, readable by every
 * tool: check the header bytes themselves. */
Test(pcap_out, classic_nanosecond_header)
{
	char path[128];
	struct pcap_out *o;
	struct pnic_error err;
	uint8_t frame[64] = { 0 };
	size_t n;
	char *b;
	uint32_t magic, link, snap;

	snprintf(path, sizeof path, "%s/h.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	pcap_out_write(o, frame, sizeof frame, sizeof frame, 5);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
	b = tu_read(path, &n);
	cr_assert_not_null(b);
	cr_assert_eq(n, 24 + 16 + sizeof frame);
	memcpy(&magic, b, 4);
	memcpy(&snap, b + 16, 4);
	memcpy(&link, b + 20, 4);
	cr_assert_eq(magic, 0xa1b23c4du, "magic %08x", magic);
	cr_assert_eq(snap, (uint32_t)PCAP_OUT_SNAPLEN);
	cr_assert_eq(link, (uint32_t)DLT_EN10MB);
	free(b);
}

/* A frame longer than the snap length is cut to it, its wire length kept;
 * a wire length below the captured length is raised to it. */
Test(pcap_out, lengths_normalised)
{
	char path[128], eb[PCAP_ERRBUF_SIZE];
	uint8_t *big = calloc(1, PCAP_OUT_SNAPLEN + 100);
	struct pnic_error err;
	struct pcap_out *o;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;

	cr_assert_not_null(big);
	fill(big, 3, PCAP_OUT_SNAPLEN + 100);
	snprintf(path, sizeof path, "%s/l.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	pcap_out_write(o, big, PCAP_OUT_SNAPLEN + 100, PCAP_OUT_SNAPLEN + 100, 1);
	pcap_out_write(o, big, 100, 64, 2);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
	cr_assert_eq(h->caplen, (uint32_t)PCAP_OUT_SNAPLEN);
	cr_assert_eq(h->len, (uint32_t)PCAP_OUT_SNAPLEN + 100);
	cr_assert_eq(memcmp(d, big, PCAP_OUT_SNAPLEN), 0);
	cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
	cr_assert_eq(h->caplen, 100u);
	cr_assert_eq(h->len, 100u);
	cr_assert_eq(h->ts.tv_usec, 2);
	cr_assert_eq(pcap_next_ex(p, &h, &d), PCAP_ERROR_BREAK);
	pcap_close(p);
	free(big);
}

/* An empty output is still a valid capture with no packets. */
Test(pcap_out, empty_file_is_valid)
{
	char path[128];
	struct pnic_error err;
	struct pcap_out *o;

	snprintf(path, sizeof path, "%s/e.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);
	cr_assert_eq(tu_pcap_count(path), 0);
}

Test(pcap_out, unwritable_path_names_the_file)
{
	char path[128];
	struct pnic_error err;
	struct pcap_out *o = (struct pcap_out *)&err;

	snprintf(path, sizeof path, "%s/no/such/folder/x.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), -ENOENT);
	cr_assert_null(o);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	cr_assert(strstr(err.msg, "cannot create"), "%s", err.msg);
	cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);
}

/* A full disk: frames are buffered, so the loss shows at close, which
 * reports it once, naming the file and the frame count. */
Test(pcap_out, full_disk_reported_at_close)
{
	static uint8_t frame[1500];
	struct pnic_error err;
	struct pcap_out *o;

	if (!tu_exists("/dev/full"))
		cr_skip("no /dev/full on this machine");
	cr_assert_eq(pcap_out_open("/dev/full", &o, &err), 0, "%s", err.msg);
	for (int i = 0; i < 100; i++)
		pcap_out_write(o, frame, sizeof frame, sizeof frame, (uint64_t)i);
	pnic_error_clear(&err);
	cr_assert_eq(pcap_out_close(o, &err), -EIO);
	cr_assert(strstr(err.msg, "/dev/full"), "%s", err.msg);
	cr_assert(strstr(err.msg, "write failed (100 frames)"), "%s", err.msg);
}

Test(pcap_out, close_null_is_a_no_op)
{
	struct pnic_error err;

	pnic_error_clear(&err);
	cr_assert_eq(pcap_out_close(NULL, &err), 0);
	cr_assert_str_eq(err.msg, "");
}

/* A parked writer holds no file; resumed, it appends after what it wrote,
 * with no second file header, so libpcap reads every frame in order. */
Test(pcap_out, park_and_resume_append)
{
	char path[128], eb[PCAP_ERRBUF_SIZE];
	static uint8_t frame[2048];
	struct pnic_error err;
	struct pcap_out *o;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	unsigned i;

	snprintf(path, sizeof path, "%s/p.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (i = 0; i < 30; i++) {
		if (i % 10 == 5) {
			cr_assert_eq(pcap_out_park(o, &err), 0, "%s", err.msg);
			cr_assert(!pcap_out_is_open(o));
			cr_assert_eq(pcap_out_park(o, &err), 0, "parking twice");
			cr_assert_eq(pcap_out_resume(o, &err), 0, "%s", err.msg);
			cr_assert(pcap_out_is_open(o));
			cr_assert_eq(pcap_out_resume(o, &err), 0, "resuming twice");
		}
		fill(frame, i, frame_len(i));
		pcap_out_write(o, frame, frame_len(i), frame_len(i), frame_ts(i));
	}
	cr_assert_eq(pcap_out_park(o, &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s", eb);
	for (i = 0; pcap_next_ex(p, &h, &d) == 1; i++) {
		cr_assert_eq(h->caplen, frame_len(i), "frame %u", i);
		cr_assert_eq((uint64_t)h->ts.tv_usec, frame_ts(i) % 1000000000ull);
		fill(frame, i, frame_len(i));
		cr_assert_eq(memcmp(d, frame, frame_len(i)), 0, "frame %u bytes differ", i);
	}
	cr_assert_eq(i, 30u);
	pcap_close(p);
}

/* Frames handed to a parked writer are counted as lost, and the close
 * says so: nothing disappears silently. */
Test(pcap_out, frames_to_a_parked_writer_are_reported)
{
	char path[128];
	uint8_t frame[64] = { 0 };
	struct pnic_error err;
	struct pcap_out *o;

	snprintf(path, sizeof path, "%s/lost.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	pcap_out_write(o, frame, sizeof frame, sizeof frame, 1);
	cr_assert_eq(pcap_out_park(o, &err), 0, "%s", err.msg);
	pcap_out_write(o, frame, sizeof frame, sizeof frame, 2);
	cr_assert_eq(pcap_out_count(o), 2);
	cr_assert_eq(pcap_out_close(o, &err), -EIO);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	cr_assert(strstr(err.msg, "1 of 2 frames lost"), "%s", err.msg);
}

/* Out of file descriptors: the open says -EMFILE (so a caller can park
 * another writer and retry), and so does a resume. */
Test(pcap_out, out_of_descriptors_is_emfile)
{
	struct rlimit rl = { .rlim_cur = 12, .rlim_max = 12 };
	struct pcap_out *w[16] = { 0 };
	struct pnic_error err;
	char path[128];
	int n, rc = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &(struct rlimit){ 0 }), 0);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	for (n = 0; n < 16; n++) {
		snprintf(path, sizeof path, "%s/f%d.pcap", dir, n);
		if ((rc = pcap_out_open(path, &w[n], &err)))
			break;
	}
	cr_assert_lt(n, 16, "12 descriptors held 16 open files");
	cr_assert_eq(rc, -EMFILE, "%d: %s", rc, err.msg);
	cr_assert(strstr(err.msg, "cannot create"), "%s", err.msg);
	cr_assert_gt(n, 0);
	cr_assert_eq(pcap_out_park(w[0], &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_out_open(path, &w[n], &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_out_resume(w[0], &err), -EMFILE);
	cr_assert(strstr(err.msg, "cannot reopen"), "%s", err.msg);
	for (int i = 0; i <= n; i++)
		cr_assert_eq(pcap_out_close(w[i], &err), 0, "%s", err.msg);
}
