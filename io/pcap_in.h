/* pcap_in: read a capture file (pcap or pcapng) as Ethernet frames.
 *
 * The NIC model only sees Ethernet, so every packet is normalised to an
 * Ethernet II frame on the way in:
 *   - DLT_EN10MB                  delivered as is (upper FCS bits of the
 *                                 file's link-type word are libpcap's job);
 *   - DLT_RAW, LINKTYPE_IPV4/IPV6 IP without L2: a synthetic Ethernet
 *                                 header is prepended, ethertype from the
 *                                 link type or the IP version nibble;
 *   - DLT_NULL, DLT_LOOP          the 4-byte address-family word (either
 *                                 byte order) is replaced by the header;
 *   - DLT_LINUX_SLL / SLL2        the cooked header is replaced; its
 *                                 protocol field becomes the ethertype and
 *                                 a 6-byte link address the source MAC.
 * The synthetic header carries PCAP_IN_SYNTH_DST / PCAP_IN_SYNTH_SRC.
 * Other link types are refused at open, naming the file and the type.
 *
 * Timestamps are nanoseconds since the epoch whatever the file's
 * resolution.  A fault in the middle of a file (truncated record ...) ends
 * the reading: every packet before it has been delivered, and
 * pcap_in_next() reports libpcap's text with the number of the packet
 * that could not be read.
 *
 * Edge code: uses libpcap; the core never sees a file.  A frame returned
 * by pcap_in_next() stays valid until the next call.  A plain Ethernet
 * pcap file's records are read without libpcap's per-record freads, each
 * exactly as libpcap reads it, and the first that is not plain, with the
 * end of the file, by libpcap itself (pcap_in.c, "the direct reader").
 */
#ifndef PNICSIM_PCAP_IN_H
#define PNICSIM_PCAP_IN_H

#include <stdint.h>
#include <stdio.h>

#include "model/error.h"

/* Locally administered MACs of the synthetic Ethernet header. */
#define PCAP_IN_SYNTH_DST { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define PCAP_IN_SYNTH_SRC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }

struct pcap_in;

struct pcap_in_pkt {
	const uint8_t *frame;   /* Ethernet frame */
	uint32_t caplen;        /* bytes in frame */
	uint32_t len;           /* wire length, as an Ethernet frame */
	uint64_t ts_ns;         /* nanoseconds since the epoch */
	uint64_t number;        /* 1-based packet number in the file */
};

/* Whether path looks like a capture file, asked before a run so that a
 * wrong path is refused where it was given: a regular file (not a folder,
 * nor a device or FIFO that would block or never end), readable, that
 * starts with a pcap magic number (either byte order; micro-, nanosecond
 * or modified) or pcapng's section header, the set libpcap accepts.  What
 * lies past the magic number (the link type, damage) is found by reading.
 * 0, or a negative errno with err saying what the file is instead. */
int pcap_in_check(const char *path, struct pnic_error *err);

/* Open a file.  -ENOENT/-EINVAL with libpcap's text when it cannot be
 * read, -EPROTONOSUPPORT when its link type cannot be made Ethernet. */
int pcap_in_open(const char *path, struct pcap_in **out,
		 struct pnic_error *err);
/* Same on an open stream (the reader owns f from then on, and closes it
 * even on failure); `name` is used in messages. */
int pcap_in_fopen(FILE *f, const char *name, struct pcap_in **out,
		  struct pnic_error *err);
void pcap_in_close(struct pcap_in *in);

/* 1 and *pkt filled, 0 at the end of the file, or a negative errno when
 * the file is damaged at this point (err names the file, the packet
 * number and libpcap's reason; later calls return the same error). */
int pcap_in_next(struct pcap_in *in, struct pcap_in_pkt *pkt,
		 struct pnic_error *err);

/* The file's link type (DLT_*) and its name. */
int pcap_in_linktype(const struct pcap_in *in);
const char *pcap_in_linktype_name(const struct pcap_in *in);
/* Packets delivered so far. */
uint64_t pcap_in_count(const struct pcap_in *in);

#endif
