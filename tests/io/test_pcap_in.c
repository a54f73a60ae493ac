/* pcap_in against the shared capture corpus (../shared/data/pcaps, or
 * $PNICSIM_SHARED/data/pcaps), and pcap_out round trips. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/nic.h"
#include "io/pcap_in.h"
#include "io/pcap_out.h"
#include "tests/corpus.h"
#include "tests/model/cmds.h"


/* What reading one file gave. */
struct result {
	int open_rc;
	uint64_t packets;
	uint64_t bytes;
	int read_rc;                 /* 0, or the error that ended it */
	struct pnic_error err;
};

/* A small NIC with a default table: every corpus packet goes through the
 * whole pipeline, edits included, so the sanitizer build sees the parser,
 * key builder and editor on real, often malformed, frames. */
struct corpus_nic {
	struct nic *nic;
	uint64_t outputs;
};

static void count_output(void *ctx, const struct datapath_out *o,
			 const uint8_t *frame, uint32_t caplen, uint32_t len)
{
	struct corpus_nic *n = ctx;
	volatile uint8_t sink = 0;

	/* Touch every byte handed out, so ASan checks the bounds. */
	for (uint32_t i = 0; i < caplen; i++)
		sink ^= frame[i];
	(void)sink;
	(void)o;
	cr_assert_geq(len, caplen);
	n->outputs++;
}

static void apply(struct corpus_nic *n, const struct nic_cmd *c)
{
	struct pnic_error err;

	cr_assert_eq(nic_apply(n->nic, c, NULL, &err), 0, "%s", err.msg);
}

static void entry(struct corpus_nic *n, uint32_t index, enum key_profile_field_id id,
		  uint64_t v, uint64_t m, const struct pnic_action *a)
{
	const struct key_profile *p = key_profile_default();
	struct nic_cmd c = { .op = NIC_OP_ENTRY_WRITE, .entry.index = index };
	struct key_profile_fields fv, fm;

	memset(&fv, 0, sizeof fv);
	memset(&fm, 0, sizeof fm);
	key_profile_set(&fv, id, v);
	key_profile_set(&fm, id, m);
	key_profile_pack(p, &fv, &c.entry.value);
	key_profile_pack(p, &fm, &c.entry.mask);
	action_pack(a, &c.entry.action);
	apply(n, &c);
}

static void corpus_nic_create(struct corpus_nic *n)
{
	struct nic_params np = { .profile = key_profile_default(), .depth = 16,
				 .n_ports = 4, .n_vpids = 8,
				 .out = count_output, .ctx = n };
	struct nic_cmd t = tc_template_set(0);
	struct pnic_action tcp = { .kind = ACT_FORWARD, .vpid = 1, .dec_ttl = true,
				   .set_dscp = true, .dscp = 10, .mirror = true,
				   .mirror_vpid = 2, .count = true };
	struct pnic_action udp = { .kind = ACT_FORWARD, .vpid = 2,
				   .tunnel_op = TUNNEL_OP_VXLAN_ENCAP,
				   .vlan_op = VLAN_OP_PUSH, .vlan_tci = 7 };
	struct pnic_action vni = { .kind = ACT_FORWARD, .vpid = 3,
				   .tunnel_op = TUNNEL_OP_VXLAN_DECAP,
				   .vlan_op = VLAN_OP_POP };
	struct pnic_action v6 = { .kind = ACT_FORWARD, .vpid = 5 };
	struct pnic_action arp = { .kind = ACT_TO_HOST };
	struct pnic_error err;

	memset(n, 0, sizeof *n);
	cr_assert_eq(nic_create(&np, &n->nic, &err), 0, "%s", err.msg);
	for (uint32_t v = 1; v < 4; v++)
		apply(n, &(struct nic_cmd){ .op = NIC_OP_MAP_SET, .map = { v, v } });
	apply(n, &t);
	entry(n, 0, KP_VNI, 0, 0, &arp);   /* replaced below */
	entry(n, 0, KP_VNI, 1, 1, &vni);
	entry(n, 1, KP_IP_PROTO, 6, 0xff, &tcp);
	entry(n, 2, KP_IP_PROTO, 17, 0xff, &udp);
	entry(n, 3, KP_ETHERTYPE, 0x86dd, 0xffff, &v6);
	entry(n, 4, KP_ETHERTYPE, 0x0806, 0xffff, &arp);
}

static struct corpus_nic *corpus_nic;   /* set while walking the corpus */

static void read_file(const char *path, struct result *r)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	int rc;

	memset(r, 0, sizeof *r);
	r->open_rc = pcap_in_open(path, &in, &r->err);
	if (r->open_rc)
		return;
	while ((rc = pcap_in_next(in, &pkt, &r->err)) == 1) {
		cr_assert_leq(pkt.caplen, pkt.len, "%s packet %llu", path,
			      (unsigned long long)pkt.number);
		cr_assert_eq(pkt.number, r->packets + 1);
		if (corpus_nic)
			nic_process(corpus_nic->nic, 0, pkt.frame,
					 pkt.caplen, pkt.len, pkt.ts_ns);
		r->packets++;
		r->bytes += pkt.caplen;
	}
	r->read_rc = rc;
	/* A damaged file stays damaged: the error repeats, nothing more. */
	if (rc < 0) {
		struct pnic_error again;

		cr_assert_eq(pcap_in_next(in, &pkt, &again), rc);
		cr_assert_str_eq(again.msg, r->err.msg);
	}
	cr_assert_eq(pcap_in_count(in), r->packets);
	pcap_in_close(in);
}

static void corpus_path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", corpus, rel);
}

/* Every file of the corpus: no crash, and whatever fails says so with a
 * message naming the file. */
struct walk_counts {
	unsigned ok, bad;
};

static void read_one(const char *path, void *ctx)
{
	struct walk_counts *w = ctx;
	struct result r;

	read_file(path, &r);
	if (r.open_rc || r.read_rc) {
		w->bad++;
		cr_assert_not_null(strstr(r.err.msg, path),
				   "error does not name the file: %s", r.err.msg);
		cr_assert_gt(strlen(r.err.msg), strlen(path) + 10,
			     "error without a reason: %s", r.err.msg);
	} else {
		w->ok++;
	}
}

Test(pcap_in, corpus_every_file_through_the_datapath)
{
	struct walk_counts w = { 0, 0 };
	unsigned n;
	const struct datapath_stats *s;
	struct corpus_nic nic;
	uint64_t read = 0;

	NEED_CORPUS();
	corpus_nic_create(&nic);
	corpus_nic = &nic;
	n = corpus_walk(corpus, read_one, &w);
	corpus_nic = NULL;
	cr_assert_gt(n, 50, "only %u files under %s", n, corpus);
	cr_assert_gt(w.ok, 40);
	cr_assert_gt(w.bad, 10);
	s = datapath_stats(nic_datapath(nic.nic));
	read = s->packets;
	cr_assert_gt(read, 1000, "corpus packets through the datapath: %llu",
		     (unsigned long long)read);
	cr_assert_eq(s->packets, s->egress + s->to_host + s->drops -
				 s->drop_reason[DP_DROP_MIRROR_UNMAPPED],
		     "every packet accounted for");
	cr_assert_eq(nic.outputs, s->egress + s->mirrors + s->to_host + s->drops);
	cr_assert_gt(s->parse_errors, 0, "the corpus has malformed frames");
	cr_assert_gt(s->edited, 0);
	cr_assert_gt(s->hits, 0);
	cr_assert_gt(s->misses, 0);
	nic_destroy(nic.nic);
}

struct expect {
	const char *file;
	uint64_t packets;       /* libpcap column of PROVENANCE.md */
	int open_rc;            /* expected refusal at open, or 0 */
	const char *words;      /* in the message when something fails */
};

static const struct expect expects[] = {
	{ "derived/ssh-cut-mid-record-data.pcap", 53, 0,
	  "tried to read 78 captured bytes, only got 68" },
	{ "derived/dns_udp-cut-mid-record-header.pcap", 1, 0,
	  "tried to read 16 header bytes, only got 8" },
	{ "tcpdump/afs.pcap", 601, 0, NULL },
	{ "tcpdump/ssh.pcap", 54, 0, NULL },
	{ "tcpdump/pptp.pcap", 23, 0, NULL },               /* big-endian */
	{ "tcpdump/nhrp.pcapng", 25, 0, NULL },
	{ "pcap-parser/test001-be.pcapng", 4, 0, NULL },
	{ "pcap-parser/modified-format.pcap", 1, 0, NULL },
	{ "tcpdump/aarp-heapoverflow-1.pcap", 1, 0, NULL }, /* 0x30000001 */
	{ "tcpdump/esp_truncated.pcap", 1, 0, NULL },       /* 0x40000001 */
	{ "tcpdump/empty.pcap", 0, 0, NULL },
	{ "tcpdump/empty.pcapng", 0, 0, NULL },
	{ "tcpdump/mptcp-v1.pcap", 20, 0, NULL },           /* SLL */
	{ "tcpdump/quic_handshake.pcap", 18, 0, NULL },     /* NULL */
	{ "tcpdump/LINKTYPE_IPV4.pcap", 1, 0, NULL },
	{ "tcpdump/LINKTYPE_IPV6.pcap", 1, 0, NULL },
	{ "tcpdump/LINKTYPE_RAW_ipv4.pcap", 1, 0, NULL },
	{ "tcpdump/LINKTYPE_RAW_ipv6.pcap", 1, 0, NULL },
	{ "tcpdump/ieee802.11_htc.pcap", 0, -EPROTONOSUPPORT, "link type 127" },
	{ "tcpdump/nflog.pcap", 0, -EPROTONOSUPPORT, "link type 239" },
	{ "tcpdump/unsupported-link-type-160.pcap", 0, -EPROTONOSUPPORT, "link type 160" },
	{ "libpcap/pcap-empty-file.pcap", 0, -EINVAL, "truncated dump file" },
	{ "libpcap/pcap-truncated-hdr-23.pcap", 0, -EINVAL, "truncated dump file" },
	{ "libpcap/pcap-invalid-version-2.pcap", 0, -EINVAL, "unsupported pcap savefile version 2.5" },
	{ "libpcap/pcapng-no-idb.pcapng", 0, -EINVAL, "no Interface Description Blocks" },
	{ "derived/dns_udp-bad-magic.pcap", 0, -EINVAL, "unknown file format" },
	{ "pcap-parser/err-eof.bin", 0, -EINVAL, "unknown file format" },
};

Test(pcap_in, corpus_counts_match_libpcap)
{
	NEED_CORPUS();
	for (size_t i = 0; i < sizeof expects / sizeof expects[0]; i++) {
		const struct expect *x = &expects[i];
		char path[1024];
		struct result r;

		corpus_path(path, sizeof path, x->file);
		read_file(path, &r);
		cr_expect_eq(r.open_rc, x->open_rc, "%s: open %d: %s", x->file,
			     r.open_rc, r.err.msg);
		cr_expect_eq(r.packets, x->packets, "%s: %llu packets", x->file,
			     (unsigned long long)r.packets);
		if (x->words)
			cr_expect_not_null(strstr(r.err.msg, x->words),
					   "%s: '%s' not in: %s", x->file,
					   x->words, r.err.msg);
		else
			cr_expect_eq(r.read_rc, 0, "%s: %s", x->file, r.err.msg);
	}
}

Test(pcap_in, mid_file_error_names_packet)
{
	char path[1024];
	struct result r;

	NEED_CORPUS();
	corpus_path(path, sizeof path, "derived/ssh-cut-mid-record-data.pcap");
	read_file(path, &r);
	cr_assert_eq(r.packets, 53);
	cr_assert_lt(r.read_rc, 0);
	cr_assert_not_null(strstr(r.err.msg, "packet 54"), "%s", r.err.msg);
}

/* Non-Ethernet link types come out as Ethernet with the right ethertype. */
static void first_frame(const char *rel, uint8_t *frame, uint32_t *caplen,
			uint32_t *len, uint64_t *ts)
{
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	char path[1024];

	corpus_path(path, sizeof path, rel);
	cr_assert_eq(pcap_in_open(path, &in, &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_in_next(in, &pkt, &err), 1, "%s", err.msg);
	memcpy(frame, pkt.frame, pkt.caplen < 2048 ? pkt.caplen : 2048);
	*caplen = pkt.caplen;
	*len = pkt.len;
	*ts = pkt.ts_ns;
	pcap_in_close(in);
}

Test(pcap_in, normalises_link_types)
{
	static const struct {
		const char *file;
		uint16_t ethertype;
		uint8_t ip_version;
	} cases[] = {
		{ "tcpdump/LINKTYPE_IPV4.pcap", 0x0800, 4 },
		{ "tcpdump/LINKTYPE_IPV6.pcap", 0x86dd, 6 },
		{ "tcpdump/LINKTYPE_RAW_ipv4.pcap", 0x0800, 4 },
		{ "tcpdump/LINKTYPE_RAW_ipv6.pcap", 0x86dd, 6 },
		{ "tcpdump/quic_handshake.pcap", 0x86dd, 6 },
		{ "tcpdump/mptcp-v1.pcap", 0x0800, 4 },
		{ "tcpdump/tcp-handshake-nano.pcap", 0x0800, 4 },
		/* declared IPv4, carries IPv6: the ethertype follows the link
		 * type and the parser reports the mismatch */
		{ "tcpdump/LINKTYPE_IPV4_invalid.pcap", 0x0800, 6 },
	};
	uint8_t f[2048];
	uint32_t caplen, len;
	uint64_t ts;

	NEED_CORPUS();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		first_frame(cases[i].file, f, &caplen, &len, &ts);
		cr_expect_eq(f[12] << 8 | f[13], cases[i].ethertype, "%s",
			     cases[i].file);
		cr_expect_eq(f[14] >> 4, cases[i].ip_version, "%s", cases[i].file);
		cr_expect_geq(len, caplen);
	}
}

Test(pcap_in, nanosecond_timestamps)
{
	uint8_t f[2048];
	uint32_t caplen, len;
	uint64_t ts_us_file, ts_ns_file;

	NEED_CORPUS();
	first_frame("tcpdump/dns_udp.pcap", f, &caplen, &len, &ts_us_file);
	cr_assert_eq(ts_us_file % 1000, 0, "microsecond file scaled to ns");
	first_frame("tcpdump/tcp-handshake-nano.pcap", f, &caplen, &len,
		    &ts_ns_file);
	cr_assert_gt(ts_ns_file, 1000000000ull * 1000000000ull, "after 2001");
}

/* pcap_in reads plain Ethernet captures itself (pcap_in.c, the direct
 * reader): across the corpus, every packet it gives is what libpcap gives
 * (bytes, lengths, time stamp), and a file ends where and as libpcap ends
 * it, with libpcap's words for a damaged record. */
struct same_counts {
	unsigned files;
	uint64_t packets;
};

static void same_as_libpcap(const char *path, void *ctx)
{
	struct same_counts *c = ctx;
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int a, b;

	if (pcap_in_open(path, &in, NULL))
		return;
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
	cr_assert_not_null(p, "%s: %s", path, eb);
	if (pcap_datalink(p) != DLT_EN10MB)
		goto done;
	c->files++;
	do {
		a = pcap_in_next(in, &pkt, &err);
		b = pcap_next_ex(p, &h, &d);
		if (b != 1)
			break;
		cr_assert_eq(a, 1, "%s: packet %llu: %s", path,
			     (unsigned long long)pkt.number, err.msg);
		cr_assert_eq(pkt.caplen, h->caplen, "%s", path);
		cr_assert_eq(pkt.len, h->len < h->caplen ? h->caplen : h->len, "%s", path);
		cr_assert_eq(pkt.ts_ns, (uint64_t)h->ts.tv_sec * 1000000000ull +
					(uint64_t)h->ts.tv_usec, "%s", path);
		cr_assert_eq(memcmp(pkt.frame, d, h->caplen), 0, "%s", path);
		c->packets++;
	} while (1);
	if (b == PCAP_ERROR_BREAK)
		cr_assert_eq(a, 0, "%s: libpcap ends it, pcap_in says %d", path, a);
	else
		cr_assert(a < 0 && strstr(err.msg, pcap_geterr(p)),
			  "%s: libpcap says '%s', pcap_in %d '%s'", path,
			  pcap_geterr(p), a, a < 0 ? err.msg : "");
done:
	pcap_close(p);
	pcap_in_close(in);
}

Test(pcap_in, reads_what_libpcap_reads)
{
	struct same_counts c = { 0, 0 };

	NEED_CORPUS();
	corpus_walk(corpus, same_as_libpcap, &c);
	cr_assert_gt(c.files, 20, "only %u Ethernet files", c.files);
	cr_assert_gt(c.packets, 1000);
}

/* Files made to reach each way out of the direct reader: big-endian
 * nanoseconds, a record longer than the snapshot length, a time stamp
 * past 2^31 seconds, a file cut in a record.  Each reads as libpcap
 * reads it. */
static void put32(uint8_t *b, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
}

static void craft(const char *path, bool be, uint32_t magic, uint32_t snap,
		  const uint32_t (*rec)[3], unsigned n, unsigned cut)
{
	uint8_t b[4096] = { 0 }, *r;
	size_t at = 24;
	FILE *f;

	put32(b, magic, be);
	b[be ? 5 : 4] = 2;       /* version 2.4 */
	b[be ? 7 : 6] = 4;
	put32(b + 16, snap, be);
	put32(b + 20, 1, be);    /* Ethernet */
	for (unsigned i = 0; i < n; i++) {
		r = b + at;
		put32(r, rec[i][0], be);
		put32(r + 4, rec[i][1], be);
		put32(r + 8, rec[i][2], be);
		put32(r + 12, rec[i][2] + 4, be);
		for (uint32_t k = 0; k < rec[i][2]; k++)
			r[16 + k] = (uint8_t)(i * 31 + k);
		at += 16 + rec[i][2];
	}
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, at - cut, f), at - cut);
	fclose(f);
}

Test(pcap_in, direct_reader_ways_out)
{
	static const uint32_t recs[][3] = {
		{ 1700000000, 999999999, 60 }, { 1700000001, 5, 64 },
		{ 1700000002, 7, 200 }, { 1700000003, 9, 60 },
		{ 2200000000u, 11, 60 }, { 1700000004, 4000000000u, 60 },
		{ 1700000005, 13, 100 },
	};
	char path[] = "/tmp/pnicsim-direct-XXXXXX";
	struct same_counts c = { 0, 0 };
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	for (int be = 0; be < 2; be++)
		for (int nano = 0; nano < 2; nano++) {
			uint32_t magic = nano ? 0xa1b23c4d : 0xa1b2c3d4;

			craft(path, be, magic, 65535, recs, 2, 0);
			same_as_libpcap(path, &c);
			craft(path, be, magic, 128, recs, 4, 0);   /* 200 > 128 */
			same_as_libpcap(path, &c);
			craft(path, be, magic, 65535, recs, 7, 0);
			same_as_libpcap(path, &c);
			craft(path, be, magic, 65535, recs, 2, 10);
			same_as_libpcap(path, &c);
			craft(path, be, magic, 65535, recs, 2, 70);
			same_as_libpcap(path, &c);
		}
	unlink(path);
	cr_assert_eq(c.files, 20);
	cr_assert_gt(c.packets, 40);
}

Test(pcap_in, missing_file)
{
	struct pcap_in *in;
	struct pnic_error err;

	cr_assert_eq(pcap_in_open("/nonexistent/x.pcap", &in, &err), -ENOENT);
	cr_assert_null(in);
	cr_assert_not_null(strstr(err.msg, "/nonexistent/x.pcap"));
}

/* pcap_in_check() promises that a file it refuses is one libpcap refuses
 * too: across the corpus, a refused file never opens.  (A file it passes
 * may still be refused at open: a bad version, no interface block.) */
static void check_against_open(const char *path, void *ctx)
{
	struct pnic_error err;
	struct pcap_in *in;
	unsigned *passed = ctx;

	if (pcap_in_check(path, &err) == 0) {
		(*passed)++;
		return;
	}
	cr_expect_neq(pcap_in_open(path, &in, NULL), 0,
		      "%s: refused by the check (%s) but libpcap opens it",
		      path, err.msg);
	pcap_in_close(in);
}

Test(pcap_in, check_refuses_only_what_libpcap_refuses)
{
	unsigned passed = 0, n;

	NEED_CORPUS();
	n = corpus_walk(corpus, check_against_open, &passed);
	cr_assert_gt(passed, n / 2, "only %u of %u corpus files pass", passed, n);
}

Test(pcap_in, check_names_what_the_path_is)
{
	struct pnic_error err;

	cr_assert_eq(pcap_in_check("/dev/null", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "'/dev/null' is a character device, not a capture file");
	cr_assert_eq(pcap_in_check("/", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "'/' is a folder, not a capture file");
	cr_assert_eq(pcap_in_check("/nonexistent/x.pcap", &err), -ENOENT);
	cr_assert_not_null(strstr(err.msg, "No such file"), "%s", err.msg);
	cr_assert_eq(pcap_in_check("tests/io/test_pcap_in.c", &err), -EINVAL);
	cr_assert_not_null(strstr(err.msg, "no capture magic number"), "%s", err.msg);
}

Test(pcap_out, round_trip)
{
	char dir[] = "/tmp/pnic-po-XXXXXX", path[64];
	uint8_t frame[1600];
	struct pcap_out *o;
	struct pcap_in *in;
	struct pcap_in_pkt pkt;
	struct pnic_error err;
	int rc;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/o.pcap", dir);
	cr_assert_eq(pcap_out_open(path, &o, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 100; i++) {
		for (unsigned b = 0; b < sizeof frame; b++)
			frame[b] = (uint8_t)(b * 7 + i);
		/* caplen < len on odd packets, as a snaplen cut would give */
		pcap_out_write(o, frame, 60 + i * 10, 60 + i * 10 + (i & 1) * 5,
			       1700000000123456789ull + i * 1001);
	}
	cr_assert_eq(pcap_out_count(o), 100);
	cr_assert_eq(pcap_out_close(o, &err), 0, "%s", err.msg);

	cr_assert_eq(pcap_in_open(path, &in, &err), 0, "%s", err.msg);
	cr_assert_eq(pcap_in_linktype(in), 1);
	for (unsigned i = 0; i < 100; i++) {
		cr_assert_eq(pcap_in_next(in, &pkt, &err), 1, "%s", err.msg);
		cr_assert_eq(pkt.caplen, 60 + i * 10);
		cr_assert_eq(pkt.len, 60 + i * 10 + (i & 1) * 5);
		cr_assert_eq(pkt.ts_ns, 1700000000123456789ull + i * 1001,
			     "nanoseconds survive");
		for (unsigned b = 0; b < pkt.caplen; b++)
			cr_assert_eq(pkt.frame[b], (uint8_t)(b * 7 + i));
	}
	rc = pcap_in_next(in, &pkt, &err);
	cr_assert_eq(rc, 0);
	pcap_in_close(in);
	unlink(path);
	rmdir(dir);
}

Test(pcap_out, unwritable_path)
{
	struct pcap_out *o;
	struct pnic_error err;

	cr_assert_lt(pcap_out_open("/nonexistent/dir/o.pcap", &o, &err), 0);
	cr_assert_null(o);
	cr_assert_not_null(strstr(err.msg, "/nonexistent/dir/o.pcap"));
}
