#include "io/pcap_in.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/frame.h"
#include "model/proto.h"

#define LINKTYPE_RAW_NUM 101   /* LINKTYPE_RAW as written in files */

/* How a link type becomes Ethernet. */
enum link_kind {
	LINK_ETHER,
	LINK_RAW,     /* IP, version nibble tells which */
	LINK_IPV4,
	LINK_IPV6,
	LINK_NULL,    /* 4-byte AF word, either byte order */
	LINK_SLL,     /* 16-byte cooked header, protocol at 14 */
	LINK_SLL2,    /* 20-byte cooked header, protocol at 0 */
};

struct pcap_in {
	pcap_t *p;
	char name[128];
	int dlt;
	enum link_kind kind;
	uint64_t count;
	int fault;                 /* sticky error after a damaged record */
	struct pnic_error fault_err;
	uint8_t *buf;              /* synthetic frames for non-Ethernet types */
	uint32_t buf_cap;
	char *stdio_buf;           /* the stream's buffer (pcap_in_open) */
};

/* libpcap reads a record as two freads from the stream: with a buffer of
 * this size behind it that is one read(2) a megabyte, not one a block. */
#define STDIO_BUF_BYTES (1u << 20)

static const uint8_t synth_dst[6] = PCAP_IN_SYNTH_DST;
static const uint8_t synth_src[6] = PCAP_IN_SYNTH_SRC;

static int link_kind_of(int dlt, enum link_kind *kind)
{
	switch (dlt) {
	case DLT_EN10MB:       *kind = LINK_ETHER; return 0;
	case DLT_RAW:
	case LINKTYPE_RAW_NUM: *kind = LINK_RAW;   return 0;
	case DLT_IPV4:         *kind = LINK_IPV4;  return 0;
	case DLT_IPV6:         *kind = LINK_IPV6;  return 0;
	case DLT_NULL:
	case DLT_LOOP:         *kind = LINK_NULL;  return 0;
	case DLT_LINUX_SLL:    *kind = LINK_SLL;   return 0;
	case DLT_LINUX_SLL2:   *kind = LINK_SLL2;  return 0;
	default:               return -1;
	}
}

static const char *dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n ? n : "unknown";
}

int pcap_in_fopen(FILE *f, const char *name, struct pcap_in **out,
		  struct pnic_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_in *in;
	int rc;

	*out = NULL;
	in = calloc(1, sizeof *in);
	if (!in) {
		fclose(f);
		return pnic_err(err, ENOMEM, "%s: out of memory", name);
	}
	snprintf(in->name, sizeof in->name, "%s", name);
	in->p = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!in->p) {
		/* libpcap does not close the stream when it refuses it. */
		fclose(f);
		rc = pnic_err(err, EINVAL, "%s: not a readable capture file: %s",
			      name, errbuf[0] ? errbuf : "unknown error");
		goto free_in;
	}
	in->dlt = pcap_datalink(in->p);
	if (link_kind_of(in->dlt, &in->kind) < 0) {
		rc = pnic_err(err, EPROTONOSUPPORT,
			      "%s: link type %d (%s) is not supported; replay reads Ethernet, raw IPv4/IPv6, BSD loopback and Linux cooked captures",
			      name, in->dlt, dlt_name(in->dlt));
		goto close_pcap;
	}
	*out = in;
	return 0;

close_pcap:
	pcap_close(in->p);
free_in:
	free(in);
	return rc;
}

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static bool capture_magic(const uint8_t b[4])
{
	static const uint32_t magic[] = {
		0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0x0a0d0d0a,
	};
	uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		      (uint32_t)b[2] << 8 | b[3];
	uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
		      (uint32_t)b[1] << 8 | b[0];

	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (be == magic[i] || le == magic[i])
			return true;
	return false;
}

int pcap_in_check(const char *path, struct pnic_error *err)
{
	uint8_t magic[4];
	struct stat st;
	ssize_t got;
	int fd, e;

	if (stat(path, &st) != 0)
		return pnic_err(err, errno, "cannot read '%s': %s", path,
				strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pnic_err(err, EINVAL, "'%s' is %s, not a capture file",
				path, file_kind(st.st_mode));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pnic_err(err, errno, "cannot read '%s': %s", path,
				strerror(errno));
	got = read(fd, magic, sizeof magic);
	e = errno;
	close(fd);
	if (got < 0)
		return pnic_err(err, e, "cannot read '%s': %s", path, strerror(e));
	if (got < (ssize_t)sizeof magic || !capture_magic(magic))
		return pnic_err(err, EINVAL, "'%s' is not a pcap or pcapng file (%s)",
				path, got < (ssize_t)sizeof magic ?
				"shorter than a file header" :
				"no capture magic number at its start");
	return 0;
}

int pcap_in_open(const char *path, struct pcap_in **out,
		 struct pnic_error *err)
{
	FILE *f = fopen(path, "rb");
	char *sb;
	int rc;

	if (!f) {
		int e = errno;

		*out = NULL;
		return pnic_err(err, e, "%s: cannot open: %s", path, strerror(e));
	}
	/* Without it (out of memory) the stream keeps its own, smaller. */
	sb = malloc(STDIO_BUF_BYTES);
	if (sb)
		setvbuf(f, sb, _IOFBF, STDIO_BUF_BYTES);
	rc = pcap_in_fopen(f, path, out, err);
	if (rc)
		free(sb);      /* the stream is closed */
	else
		(*out)->stdio_buf = sb;
	return rc;
}

void pcap_in_close(struct pcap_in *in)
{
	if (!in)
		return;
	pcap_close(in->p);       /* closes the stream, then its buffer goes */
	free(in->stdio_buf);
	free(in->buf);
	free(in);
}

/* The buffer for a synthetic frame of n bytes; grows rarely (new maximum
 * frame size), never per packet in steady state. */
static uint8_t *synth_buf(struct pcap_in *in, uint32_t n)
{
	if (n > in->buf_cap) {
		uint32_t cap = n < 2048 ? 2048 : n;
		uint8_t *b = realloc(in->buf, cap);

		if (!b)
			return NULL;
		in->buf = b;
		in->buf_cap = cap;
	}
	return in->buf;
}

static uint16_t ethertype_from_ip(const uint8_t *ip, uint32_t caplen)
{
	if (caplen >= 1 && ip[0] >> 4 == 6)
		return PROTO_ETH_P_IPV6;
	return PROTO_ETH_P_IPV4;
}

/* AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD),
 * 28 (FreeBSD), 30 (macOS). */
static int af_ethertype(uint32_t af)
{
	switch (af) {
	case 2:                           return PROTO_ETH_P_IPV4;
	case 10: case 24: case 28: case 30: return PROTO_ETH_P_IPV6;
	default:                          return -1;
	}
}

static uint16_t null_ethertype(const uint8_t *h, const uint8_t *ip,
			       uint32_t iplen)
{
	uint32_t le = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
	uint32_t be = (uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
	int t = af_ethertype(le);

	if (t < 0)
		t = af_ethertype(be);
	if (t < 0)
		return ethertype_from_ip(ip, iplen);
	return (uint16_t)t;
}

/* Wrap `caplen` bytes at `payload` (after a link header of `hlen` bytes
 * in the original) in a synthetic Ethernet header. */
static int wrap(struct pcap_in *in, struct pcap_in_pkt *pkt,
		const uint8_t *payload, uint32_t caplen, uint32_t len,
		uint16_t ethertype, const uint8_t *src)
{
	uint8_t *b = synth_buf(in, caplen + PROTO_ETH_HLEN);
	struct frame_buf f;

	if (!b)
		return -ENOMEM;
	frame_init(&f, b, caplen + PROTO_ETH_HLEN);
	frame_eth(&f, synth_dst, src ? src : synth_src, ethertype);
	frame_bytes(&f, payload, caplen);
	pkt->frame = b;
	pkt->caplen = f.n;
	/* A (damaged) record may claim a wire length near 4 GiB. */
	pkt->len = len > UINT32_MAX - PROTO_ETH_HLEN ? UINT32_MAX : len + PROTO_ETH_HLEN;
	return 0;
}

/* A record too short for its own link header: deliver the MAC addresses
 * only, so the parser sees (and counts) a truncated Ethernet frame rather
 * than the packet vanishing. */
static int wrap_short(struct pcap_in *in, struct pcap_in_pkt *pkt,
		      uint32_t len, uint32_t hlen)
{
	int rc = wrap(in, pkt, NULL, 0, len > hlen ? len - hlen : 0, 0, NULL);

	if (!rc)
		pkt->caplen = 12;
	return rc;
}

static int normalise(struct pcap_in *in, const uint8_t *d, uint32_t caplen,
		     uint32_t len, struct pcap_in_pkt *pkt)
{
	switch (in->kind) {
	case LINK_ETHER:
		pkt->frame = d;
		pkt->caplen = caplen;
		pkt->len = len;
		return 0;
	case LINK_RAW:
		return wrap(in, pkt, d, caplen, len,
			    ethertype_from_ip(d, caplen), NULL);
	case LINK_IPV4:
		return wrap(in, pkt, d, caplen, len, PROTO_ETH_P_IPV4, NULL);
	case LINK_IPV6:
		return wrap(in, pkt, d, caplen, len, PROTO_ETH_P_IPV6, NULL);
	case LINK_NULL:
		if (caplen < 4)
			return wrap_short(in, pkt, len, 4);
		return wrap(in, pkt, d + 4, caplen - 4, len > 4 ? len - 4 : 0,
			    null_ethertype(d, d + 4, caplen - 4), NULL);
	case LINK_SLL: {
		/* type(2) arphrd(2) halen(2) addr(8) protocol(2) */
		uint16_t halen;

		if (caplen < 16)
			return wrap_short(in, pkt, len, 16);
		halen = (uint16_t)(d[4] << 8 | d[5]);
		return wrap(in, pkt, d + 16, caplen - 16,
			    len > 16 ? len - 16 : 0,
			    (uint16_t)(d[14] << 8 | d[15]),
			    halen == 6 ? d + 6 : NULL);
	}
	case LINK_SLL2: {
		/* protocol(2) rsvd(2) ifindex(4) arphrd(2) type(1) halen(1)
		 * addr(8) */
		if (caplen < 20)
			return wrap_short(in, pkt, len, 20);
		return wrap(in, pkt, d + 20, caplen - 20,
			    len > 20 ? len - 20 : 0,
			    (uint16_t)(d[0] << 8 | d[1]),
			    d[11] == 6 ? d + 12 : NULL);
	}
	}
	return -EINVAL;
}

int pcap_in_next(struct pcap_in *in, struct pcap_in_pkt *pkt,
		 struct pnic_error *err)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	if (in->fault) {
		if (err)
			*err = in->fault_err;
		return in->fault;
	}
	rc = pcap_next_ex(in->p, &h, &d);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		in->fault = pnic_err(&in->fault_err, EIO,
				     "%s: packet %llu cannot be read (%llu read before it): %s",
				     in->name,
				     (unsigned long long)in->count + 1,
				     (unsigned long long)in->count,
				     pcap_geterr(in->p));
		if (err)
			*err = in->fault_err;
		return in->fault;
	}
	rc = normalise(in, d, h->caplen, h->len < h->caplen ? h->caplen : h->len,
		       pkt);
	/* Every frame handed out has caplen <= len, whatever the record
	 * said (wrap_short() may deliver more than a tiny claimed length). */
	if (!rc && pkt->len < pkt->caplen)
		pkt->len = pkt->caplen;
	if (rc) {
		in->fault = pnic_err(&in->fault_err, -rc,
				     "%s: packet %llu: out of memory for a %u-byte frame",
				     in->name,
				     (unsigned long long)in->count + 1, h->caplen);
		if (err)
			*err = in->fault_err;
		return in->fault;
	}
	/* With nanosecond precision requested, tv_usec holds nanoseconds. */
	pkt->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
		     (uint64_t)h->ts.tv_usec;
	pkt->number = ++in->count;
	return 1;
}

int pcap_in_linktype(const struct pcap_in *in)
{
	return in->dlt;
}

const char *pcap_in_linktype_name(const struct pcap_in *in)
{
	return dlt_name(in->dlt);
}

uint64_t pcap_in_count(const struct pcap_in *in)
{
	return in->count;
}
